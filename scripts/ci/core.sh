#!/usr/bin/env bash
# Core-store CI beyond `cargo test --workspace` (which already runs the unit,
# golden-vector, test-server integration and Feast interop tests):
#   - the README quickstart, checked for its table;
#   - the codec benchmark built and run once in test mode;
#   - the bare-crate baseline benchmark, one small run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/require.sh
require_py feast "$FEAST_VERSION"
require_py aerospike "$AEROSPIKE_PY_VERSION"

echo "== quickstart"
out=$(env -u FEAST_AEROSPIKE_HOSTS cargo run -j2 --release --example quickstart)
echo "$out"
grep -q "wrote 5 rows of driver_hourly_stats" <<<"$out"
grep -Eq "^1001 +\| yes +\| 2024-01-01T00:00:00Z" <<<"$out"
grep -Eq "^1006 +\| no " <<<"$out"

echo "== codec benchmark (one pass, test mode)"
cargo bench -j2 --bench codec -- --test

echo "== bare aerospike crate baseline (small smoke run on its own test server)"
cargo run -j2 --release --example bare_client_bench -- --n 2000 --repeat 1
