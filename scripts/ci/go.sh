#!/usr/bin/env bash
# CI for the Go binding (bindings/go): builds the Rust library and the test
# server, checks the generated protobuf code is current, then gofmt, go vet,
# go test -race, the debug-GC run (GOGC=1, -tags fas_debug_gc), dynamic- and
# external-link runs, the Feast compatibility module (duplicate registration + adapter) and
# one pass over every benchmark. Runs from any directory; scripts/install-deps.sh
# installs what it needs (protoc, protoc-gen-go, Feast's Python package).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

source scripts/require.sh
tools="$root/target/go-tools"
export PATH="$tools:$PATH"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

step() { echo "--- [go] $* ($(date -u +%H:%M:%S))"; }

step "tools"
require protoc command -v protoc
require_output "protoc-gen-go $PROTOC_GEN_GO_VERSION" "protoc-gen-go $PROTOC_GEN_GO_VERSION" "$tools/protoc-gen-go" --version
require_py feast "$FEAST_VERSION"

step "cargo build --release (library) and the test server"
cargo build --release -j2 --lib
cargo build -j2 -p feast-aerospike-testserver

step "generated protobuf code is up to date"
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
protoc -I proto --go_out="$gen" \
  --go_opt=module=github.com/feast-aerospike/feast-aerospike/bindings/go \
  feast_aerospike/v1/types.proto feast_aerospike/v1/store.proto
# The protoc version line differs between distributions; everything else must match.
for f in types store; do
  if ! diff <(grep -v '^// 	protoc ' "$gen/pb/$f.pb.go") <(grep -v '^// 	protoc ' "bindings/go/pb/$f.pb.go") >/dev/null; then
    echo "bindings/go/pb/$f.pb.go is stale: run 'go generate' in bindings/go (protoc-gen-go $PROTOC_GEN_GO_VERSION)" >&2
    exit 1
  fi
done

cd "$root/bindings/go"
step "gofmt"
unformatted="$(gofmt -l . )"
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:" >&2
  echo "$unformatted" >&2
  exit 1
fi

step "go vet"
go vet ./...

step "go test -race"
go test -race -count=1 ./...

step "debug GC build (GOGC=1, -tags fas_debug_gc)"
GOGC=1 go test -tags fas_debug_gc -count=1 ./...

step "dynamic linking (-tags fas_dynamic)"
go test -tags fas_dynamic -count=1 -run 'TestABIVersionMatchesHeader|TestRoundTripEveryCommonKind' .

step "external linking (-tags fas_external, library named by CGO_LDFLAGS)"
lib="$root/target/release"
CGO_LDFLAGS="-L$lib -lfeast_aerospike -Wl,-rpath,$lib" \
  go test -tags fas_external -count=1 -run 'TestABIVersionMatchesHeader|TestRoundTripEveryCommonKind' .

step "benchmarks compile and run once"
FAS_BENCH_N=2000 go test -run '^$' -bench . -benchtime 1x -count=1 . >/dev/null

step "Feast compatibility module (duplicate registration, adapter)"
cd "$root/bindings/go/feastcompat"
./gen-feast-protos.sh
unformatted="$(gofmt -l $(find . -name '*.go' -not -path './feast-protos/*'))"
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -count=1 ./...
step "ok"
