#!/usr/bin/env bash
# Core-store CI beyond `cargo test --workspace` (which already runs the unit,
# golden-vector, test-server integration and Feast interop tests):
#   - the README quickstart, checked for its table;
#   - the codec benchmark built and run once in test mode;
#   - the bare-crate baseline benchmark, one small run.
# Also installs Feast's Python store, which `cargo test --test interop` (run
# by `cargo test --workspace`) needs, when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! python3 - <<'PY' >/dev/null 2>&1
import importlib.metadata as m
assert m.version("feast") == "0.67.0" and m.version("aerospike") == "19.3.0"
PY
then
  python3 -m pip install -q --disable-pip-version-check \
    'feast[aerospike]==0.67.0' 'aerospike==19.3.0' 2>&1 | grep -v "Running pip as the 'root'" || true
fi

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
