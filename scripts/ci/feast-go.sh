#!/usr/bin/env bash
# CI part feast-go: Feast's own Go feature server (v$FEAST_GO_VERSION from the
# Go module proxy, scripts/versions.env) built with this repository's
# "aerospike" online store by bindings/go/feastserver/build.sh, then
#   1. the adapter's tests with Feast's real declarations (go vet, go test);
#   2. tests/feast-go/e2e.py: Python Feast 0.67 applies and materializes a
#      feature repo into the test server (not Aerospike), and the Go server's
#      gRPC and HTTP answers are compared field by field with Python Feast's.
# The e2e runs in a network namespace with only loopback (`unshare -n`, needs
# root): Feast's Go server binds its metrics port on every interface. All
# downloads happen before (install-deps.sh runs `build.sh fetch`); the Feast
# source, Go modules and the built server are cached in
# ${FAS_CACHE_DIR:-~/.cache/feast-aerospike}, so a rerun only relinks.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
step() { echo "--- [feast-go] $* ($(date -u +%H:%M:%S))"; }

step "cargo build --release --lib, cargo build -p feast-aerospike-testserver"
# The same two builds as the go part, so in a full run both are no-ops.
cargo build --release -j2 --lib
cargo build -j2 -p feast-aerospike-testserver
testserver="$root/target/debug/feast-aerospike-testserver"

step "gofmt (adapter)"
unformatted="$(gofmt -l bindings/go/feastcompat/onlinestore)"
if [ -n "$unformatted" ]; then
  echo "gofmt needed on: $unformatted" >&2
  exit 1
fi

step "adapter tests in Feast's tree"
FAS_TESTSERVER_BIN="$testserver" bindings/go/feastserver/build.sh test

step "build Feast's Go feature server"
server="$(bindings/go/feastserver/build.sh build)"

step "end to end against Python Feast, loopback-only network namespace"
unshare -n bash -c 'ip link set lo up && exec python3 "$0" --go-server "$1" --testserver "$2"' \
  "$root/tests/feast-go/e2e.py" "$server" "$testserver"
step "ok"
