#!/usr/bin/env bash
# Runs tos-alloc's host tests under Miri (undefined behaviour, out-of-bounds and provenance
# checks on the allocator's unsafe code): unit, host, inspect, model, slab, strategies and
# thread tests, and the doc tests, with smaller sizes under cfg(miri); and tako-sdk's unit
# tests of the unsafe code it has outside syscalls (reading a storage value into a `Vec`).
#   ./scripts/miri.sh
# Adds the nightly `miri` component (idempotent). A nightly that ships without Miri is
# reported and skipped (exit 0): the tests then run without it everywhere else in CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v rustup >/dev/null || { echo "miri.sh: rustup is required" >&2; exit 2; }
if ! rustup component list --toolchain nightly --installed | grep -q '^miri'; then
  if ! rustup component add miri --toolchain nightly >&2; then
    echo "miri.sh: this nightly has no miri component: Miri run skipped" >&2
    exit 0
  fi
fi
# -Zmiri-disable-isolation: proptest reads the clock; strict provenance: the allocator
# derives every pointer from its region's.
export MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-strict-provenance"
export PROPTEST_CASES="${PROPTEST_CASES:-4}"
CARGO_TARGET_DIR=target/miri cargo +nightly miri test -p tos-alloc
CARGO_TARGET_DIR=target/miri cargo +nightly miri test -p tako-sdk --lib storage::
