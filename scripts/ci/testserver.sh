#!/usr/bin/env bash
# CI for the test server (a test double speaking the Aerospike wire protocol):
# builds the binary and runs the conformance suite with the official Python
# client against it. The Rust conformance tests run in `cargo test --workspace`.
# Works from any cwd; scripts/install-deps.sh installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/require.sh
require_py aerospike "$AEROSPIKE_PY_VERSION"
require_py pytest "$PYTEST_VERSION"

cargo build -j2 -p feast-aerospike-testserver
export FAS_TESTSERVER_BIN="$PWD/target/debug/feast-aerospike-testserver"
python3 -m pytest -q -p no:cacheprovider testserver/tests/python
