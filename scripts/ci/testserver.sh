#!/usr/bin/env bash
# CI for the test server (a test double speaking the Aerospike wire protocol):
# builds the binary and runs the conformance suite with the official Python
# client against it. The Rust conformance tests run in `cargo test --workspace`.
# Works from any cwd on a fresh machine; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON="${PYTHON:-python3}"
want_pkg() { # name version
  "$PYTHON" - "$1" "$2" <<'PY' || "$PYTHON" -m pip install --quiet "$1==$2"
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    sys.exit(0 if version(sys.argv[1]) == sys.argv[2] else 1)
except PackageNotFoundError:
    sys.exit(1)
PY
}
want_pkg aerospike 19.3.0
"$PYTHON" -c "import pytest" 2>/dev/null || "$PYTHON" -m pip install --quiet pytest

cargo build -j2 -p feast-aerospike-testserver
export FEAST_AEROSPIKE_TESTSERVER="$PWD/target/debug/feast-aerospike-testserver"
"$PYTHON" -m pytest -q -p no:cacheprovider testserver/tests/python
