#!/usr/bin/env bash
# Workspace-wide Rust gates: formatting, lints, the layering rule, and every
# cargo test (including the ABI tests, which run here and nowhere else).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Layering (README "Layout"): the crate root denies unsafe code, src/ffi is
# the one exception, and only src/ffi exports C symbols. Comment lines are
# skipped; any code line elsewhere in src/ fails the run.
if grep -rnE --include='*.rs' 'extern "C"|no_mangle|allow\(unsafe_code\)' src \
  | grep -v '^src/ffi/' | grep -Ev '^[^:]+:[0-9]+:\s*//' \
  | grep -Ev '^src/lib\.rs:[0-9]+:#\[allow\(unsafe_code\)\]$' | grep .; then
  echo 'layering: extern "C", #[no_mangle] or allow(unsafe_code) outside src/ffi (above)' >&2
  exit 1
fi
grep -qx '#!\[deny(unsafe_code)\]' src/lib.rs || { echo 'layering: src/lib.rs must deny unsafe_code' >&2; exit 1; }
grep -A1 -x '#\[allow(unsafe_code)\]' src/lib.rs | grep -qx 'pub mod ffi;' \
  || { echo 'layering: allow(unsafe_code) must sit on `mod ffi` only' >&2; exit 1; }

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
