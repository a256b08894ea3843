#!/usr/bin/env bash
# Builds one contract of contracts/ into an SBPF .so the TAKO VM loads, and prints the
# .so's path as the last line of stdout.
#
#   ./build-example.sh NAME [--arch v3|v0] [--features F1,F2] [--no-default-features] [--as OUT_NAME]
#
# --arch: SBPF V3 as tos-tbpf 0.14.1 defines it (the default, as TOS's cargo-tako: static
# syscalls, dynamic frames; only tos-tbpf loads it) or V0 (solana-sbpf and tos-tbpf load it;
# solana-sbpf's JIT runs it). V0 builds live in their own target directory,
# contracts/target/v0, so both versions of a contract coexist.
# NAME is a directory under contracts/. --features and --no-default-features are passed to
# cargo (the CU report picks a contract's allocator this way); --as copies the result to OUT_NAME.so next to it, so several
# variants of one crate can coexist. A thin wrapper over `cargo tako build`, which sets up
# what it needs (idempotent): the nightly toolchain's rust-src and llvm-tools components,
# the target spec and the linker.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

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

[ $# -ge 1 ] || die "usage: ./build-example.sh NAME [--arch v3|v0] [--features LIST] [--no-default-features] [--as OUT_NAME]; contracts: $(known_contracts)"
NAME="$1"; shift
FEATURES=""
NO_DEFAULT=""
OUT_NAME=""""
ARCH="v3"
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) [ $# -ge 2 ] || die "--arch needs a value (v3 or v0)"; ARCH="$2"; shift 2 ;;
    --features) [ $# -ge 2 ] || die "--features needs a value"; FEATURES="$2"; shift 2 ;;
    --no-default-features) NO_DEFAULT=1; shift ;;
    --as) [ $# -ge 2 ] || die "--as needs a value"; OUT_NAME="$2"; shift 2 ;;
    *) die "unknown option '$1' (usage: ./build-example.sh NAME [--arch v3|v0] [--features LIST] [--no-default-features] [--as OUT_NAME])" ;;
  esac
done
case "$NAME" in */*|.*|"") die "unknown contract '$NAME'; known contracts: $(known_contracts)" ;; esac
MANIFEST="$ROOT/contracts/$NAME/Cargo.toml"
[ -f "$MANIFEST" ] || die "unknown contract '$NAME'; known contracts: $(known_contracts)"
case "$OUT_NAME" in */*|.*) die "--as takes a plain file name, got '$OUT_NAME'" ;; esac
case "$ARCH" in v0|v3) ;; *) die "unknown --arch '$ARCH': the linker writes v3 (the default) or v0" ;; esac

# The builder is cargo-tako's (`cargo tako build`): it sets up the nightly toolchain's
# components, the target spec and the linker (itself), idempotently. It is built on stable,
# in its own target directory so that a build started from `cargo test` never waits on the
# test's own cargo lock.
(cd "$ROOT" && cargo build --quiet --release -p cargo-tako --target-dir "$ROOT/target/tools") >&2
args=(build --manifest-path "$MANIFEST" --arch "$ARCH")
[ -n "$FEATURES" ] && args+=(--features "$FEATURES")
[ -n "$NO_DEFAULT" ] && args+=(--no-default-features)
so="$("$ROOT/target/tools/release/cargo-tako" "${args[@]}")" || die "building contract '$NAME' failed (see above)"
[ -n "$so" ] && [ -f "$so" ] || die "contract '$NAME' produced no .so"
if [ -n "$OUT_NAME" ]; then
  out="$(dirname "$so")/$OUT_NAME.so"
  cp "$so" "$out.tmp" && mv "$out.tmp" "$out"
  so="$out"
fi
echo "$so"
