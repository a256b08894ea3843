#!/usr/bin/env bash
# Installs what the project needs on a machine that has rustup's stable and nightly
# toolchains (idempotent: a second run only checks).
#  - stable: rustfmt, clippy (lint gates)
#  - nightly: rust-src (build-std for contracts), llvm-tools (LLVM 22 tools for inspection)
set -euo pipefail
command -v rustup >/dev/null || { echo "setup.sh: rustup is required" >&2; exit 2; }
add_missing() {
  local toolchain="$1"; shift
  local installed missing=()
  installed="$(rustup component list --toolchain "$toolchain" --installed)"
  for c in "$@"; do grep -q "^$c" <<<"$installed" || missing+=("$c"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: adding ${missing[*]} to $toolchain" >&2
    rustup component add "${missing[@]}" --toolchain "$toolchain" >&2
  fi
}
add_missing stable rustfmt clippy
add_missing nightly rust-src llvm-tools
