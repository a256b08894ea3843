#!/usr/bin/env bash
# Builds one contract of contracts/ into an SBPF .so the TAKO VM loads, and prints the
# .so's path as the last line of stdout.
#
#   ./build-example.sh NAME [--arch v3|v0] [--features F1,F2] [--as OUT_NAME]
#
# --arch: SBPF V3 as tos-tbpf 0.14.1 defines it (the default, as TOS's cargo-tako: static
# syscalls, dynamic frames; only tos-tbpf loads it) or V0 (solana-sbpf and tos-tbpf load it;
# solana-sbpf's JIT runs it). V0 builds live in their own target directory,
# contracts/target/v0, so both versions of a contract coexist.
# NAME is a directory under contracts/. --features are passed to cargo (alloc-bench picks
# its allocator this way); --as copies the result to OUT_NAME.so next to it, so several
# variants of one crate can coexist. Sets up what it needs (idempotent): the nightly
# toolchain's rust-src and llvm-tools components, and the tako-linker binary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NIGHTLY=nightly   # the channel contracts/rust-toolchain.toml names
TARGET_SPEC="$ROOT/tbpf-tos-tos.json"

die() { echo "build-example.sh: $*" >&2; exit 2; }

known_contracts() {
  local d names=()
  for d in "$ROOT"/contracts/*/Cargo.toml; do
    names+=("$(basename "$(dirname "$d")")")
  done
  local out
  out="$(printf '%s, ' "${names[@]}")"
  echo "${out%, }"
}

[ $# -ge 1 ] || die "usage: ./build-example.sh NAME [--arch v3|v0] [--features LIST] [--as OUT_NAME]; contracts: $(known_contracts)"
NAME="$1"; shift
FEATURES=""
OUT_NAME=""
ARCH="v3"
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) [ $# -ge 2 ] || die "--arch needs a value (v3 or v0)"; ARCH="$2"; shift 2 ;;
    --features) [ $# -ge 2 ] || die "--features needs a value"; FEATURES="$2"; shift 2 ;;
    --as) [ $# -ge 2 ] || die "--as needs a value"; OUT_NAME="$2"; shift 2 ;;
    *) die "unknown option '$1' (usage: ./build-example.sh NAME [--arch v3|v0] [--features LIST] [--as OUT_NAME])" ;;
  esac
done
case "$NAME" in */*|.*|"") die "unknown contract '$NAME'; known contracts: $(known_contracts)" ;; esac
MANIFEST="$ROOT/contracts/$NAME/Cargo.toml"
[ -f "$MANIFEST" ] || die "unknown contract '$NAME'; known contracts: $(known_contracts)"
case "$OUT_NAME" in */*|.*) die "--as takes a plain file name, got '$OUT_NAME'" ;; esac
case "$ARCH" in v0|v3) ;; *) die "unknown --arch '$ARCH': the linker writes v3 (the default) or v0" ;; esac

# 1. The toolchains' components (scripts/setup.sh adds them once; later runs only check).
"$ROOT/scripts/setup.sh"
rustup toolchain list | grep -q "^$NIGHTLY" || die "the '$NIGHTLY' toolchain is not installed"
llvm_major="$(rustc "+$NIGHTLY" -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
[ "$llvm_major" = "22" ] || die "$NIGHTLY's rustc uses LLVM '$llvm_major'; tako-linker is built for rustc's LLVM 22 (llvm-sys 221)"
SYSROOT="$(rustc "+$NIGHTLY" --print sysroot)"

# 2. The linker (host, stable), in its own target directory so that a build started from
# `cargo test` never waits on the test's own cargo lock.
(cd "$ROOT" && cargo build --quiet --release -p tako-linker --target-dir "$ROOT/target/tools") >&2
# Cargo does not relink a contract when only the linker binary changes, but it does when
# the linker's path changes: run the linker from a path named after its content hash.
built="$ROOT/target/tools/release/tako-linker"
hash="$(sha256sum "$built" | cut -c1-16)"
LINKER="$ROOT/target/tools/linker-$hash/tako-linker"
if [ ! -x "$LINKER" ]; then
  mkdir -p "$(dirname "$LINKER")"
  cp "$built" "$LINKER.tmp" && mv "$LINKER.tmp" "$LINKER"
fi

# 3. The contract. core and alloc are built once per target directory and reused.
export CARGO_TARGET_TBPF_TOS_TOS_LINKER="$LINKER"
export LD_LIBRARY_PATH="$SYSROOT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
args=(build --release --manifest-path "$MANIFEST" --target "$TARGET_SPEC"
      -Zbuild-std=core,alloc -Zjson-target-spec --message-format=json-render-diagnostics)
if [ "$ARCH" = "v0" ]; then
  args+=(--target-dir "$ROOT/contracts/target/v0")
else
  export CARGO_TARGET_TBPF_TOS_TOS_RUSTFLAGS="-C link-arg=--arch=v3"
fi
[ -n "$FEATURES" ] && args+=(--features "$FEATURES")
json="$(cd "$ROOT/contracts" && cargo "+$NIGHTLY" "${args[@]}")" || die "building contract '$NAME' failed (see above)"
so="$(grep '"reason":"compiler-artifact"' <<<"$json" | grep '"cdylib"' | grep -o '"filenames":\["[^"]*\.so"' | sed 's/.*\["//; s/"$//' | tail -n 1)"
[ -n "$so" ] && [ -f "$so" ] || die "contract '$NAME' produced no .so (is its [lib] crate-type [\"cdylib\"]?)"
if [ -n "$OUT_NAME" ]; then
  out="$(dirname "$so")/$OUT_NAME.so"
  cp "$so" "$out.tmp" && mv "$out.tmp" "$out"
  so="$out"
fi
echo "$so"
