#!/usr/bin/env bash
# The main job: builds one contract (default: basic) with build-example.sh and runs it in
# the TAKO VM, printing its result, logs and compute units.
#
#   ./run-example.sh [NAME] [tako-vm run options: --input-hex HEX, --heap-size N, --json, ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="${1:-basic}"
[ $# -gt 0 ] && shift
so="$("$ROOT/build-example.sh" "$NAME" | tail -n 1)"
cd "$ROOT"
cargo build --quiet --release -p vm-harness --bin tako-vm
exec "$ROOT/target/release/tako-vm" run "$so" "$@"
