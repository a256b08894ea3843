#!/usr/bin/env bash
# Runs every cargo-fuzz target of tos-alloc (allocator/fuzz) for SECONDS each (default 30).
#   ./scripts/fuzz.sh          # 30 s per target
#   ./scripts/fuzz.sh 600      # a longer run
#   FUZZ_TARGETS="slab" ./scripts/fuzz.sh 60   # only some targets
#   FUZZ_ARGS="-fork=4" ./scripts/fuzz.sh 3600  # more libFuzzer options
# Installs cargo-fuzz on first use into target/tools/cargo-fuzz (idempotent: later runs
# only check), so nothing depends on a tool installed by hand. cargo-fuzz needs nightly
# (-Zsanitizer=address); the fuzz crate is its own workspace with its own Cargo.lock.
# Exits non-zero as soon as a target fails (a crash is saved under
# allocator/fuzz/artifacts/TARGET/; reproduce with `cargo +nightly fuzz run TARGET FILE`).
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
cd "$root/allocator/fuzz"
targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
# The corpus lives in target/ (not in the repository); each run starts from what earlier
# runs on this machine found.
corpus_root="$root/target/fuzz-corpus"
status=0
for t in $targets; do
  echo "fuzz.sh: $t for ${seconds}s" >&2
  mkdir -p "$corpus_root/$t"
  if ! cargo +nightly fuzz run "$t" "$corpus_root/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-}; then
    echo "fuzz.sh: target $t FAILED" >&2
    status=1
    break
  fi
done
exit "$status"
