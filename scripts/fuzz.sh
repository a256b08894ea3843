#!/usr/bin/env bash
# Runs every cargo-fuzz target of the project for SECONDS each (default 30): tos-alloc's
# (allocator/fuzz) and vm-harness's (vm-harness/fuzz).
#   ./scripts/fuzz.sh          # 30 s per target
#   ./scripts/fuzz.sh 600      # a longer run
#   FUZZ_TARGETS="slab" ./scripts/fuzz.sh 60   # only some targets
#   FUZZ_ARGS="-fork=4" ./scripts/fuzz.sh 3600  # more libFuzzer options
# Installs cargo-fuzz on first use into target/tools/cargo-fuzz (idempotent: later runs
# only check), so nothing depends on a tool installed by hand. cargo-fuzz needs nightly
# (-Zsanitizer=address); each fuzz crate is its own workspace with its own Cargo.lock.
# vm-harness's targets start from the example contracts' builds found under
# contracts/target (build them first, e.g. `./build-example.sh escrow`, for a useful run).
# Exits non-zero as soon as a target fails (a crash is saved under
# CRATE/fuzz/artifacts/TARGET/; reproduce with `cargo +nightly fuzz run TARGET FILE` there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

seconds="${1:-30}"
case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac

command -v rustup >/dev/null || { echo "fuzz.sh: rustup is required" >&2; exit 2; }
rustup run nightly rustc --version >/dev/null 2>&1 || {
  echo "fuzz.sh: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 2
}

tools="$root/target/tools/cargo-fuzz"
fuzz="$tools/bin/cargo-fuzz"
if [ ! -x "$fuzz" ]; then
  echo "fuzz.sh: installing cargo-fuzz into $tools" >&2
  # Built with stable (the root's toolchain); it drives nightly for the targets.
  cargo +stable install cargo-fuzz --locked --root "$tools" >&2
fi

# `cargo +nightly fuzz` finds this cargo-fuzz first on PATH (rustup's proxy then runs
# the nightly cargo, and cargo-fuzz's own cargo calls inherit the toolchain).
export PATH="$tools/bin:$PATH"
# The corpus lives in target/ (not in the repository); each run starts from what earlier
# runs on this machine found.
corpus_root="$root/target/fuzz-corpus"
seeds_root="$root/target/fuzz-seeds"
status=0
for crate in allocator vm-harness; do
  cd "$root/$crate/fuzz"
  for t in $(cargo +nightly fuzz list); do
    case " ${FUZZ_TARGETS:-$t} " in *" $t "*) ;; *) continue ;; esac
    echo "fuzz.sh: $crate $t for ${seconds}s" >&2
    mkdir -p "$corpus_root/$t"
    dirs=("$corpus_root/$t")
    if [ "$crate" = vm-harness ]; then
      # vm-harness's targets take a .so. Seeds (read only): every contract build there
      # is, V3 and V0.
      rm -rf "$seeds_root/$t" && mkdir -p "$seeds_root/$t"
      find "$root/contracts/target" -maxdepth 4 -path '*/release/*.so' -not -path '*/deps/*' -type f -size -64k \
        -exec cp {} "$seeds_root/$t/" \; 2>/dev/null || true
      dirs+=("$seeds_root/$t")
    fi
    if ! cargo +nightly fuzz run "$t" "${dirs[@]}" -- \
        -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-}; then
      echo "fuzz.sh: $crate target $t FAILED" >&2
      status=1
      break 2
    fi
  done
done
exit "$status"
