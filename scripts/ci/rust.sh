#!/usr/bin/env bash
# Workspace-wide Rust gates: formatting, lints, and every cargo test.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
