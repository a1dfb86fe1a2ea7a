#!/usr/bin/env bash
# Builds Feast's own Go feature server with the "aerospike" online store of
# this repository (see ../README.md, "Serving with Feast's Go feature server").
#
#   build.sh fetch   download Feast's Go module and the protoc plugins (needs
#                    network: the Go module proxy), copy the source into the
#                    cache and generate its go/protos; idempotent
#   build.sh prepare fetch, then patch Feast's copy and add the adapter;
#                    prints the source directory (for `go test` there)
#   build.sh test    prepare, then go vet and go test the adapter there
#                    (needs the library and the test server, see below)
#   build.sh [build] prepare, then build the server; prints the binary's path
#
# Nothing downloaded or built lands in this repository: everything lives in
# $FAS_CACHE_DIR (default ~/.cache/feast-aerospike). The only inputs kept here
# are this script, feast-aerospike.patch (the factory case, and the metrics
# listener on the server's -host instead of every interface) and the adapter
# ../feastcompat/onlinestore/aerospikeonlinestore.go, copied into Feast's
# go/internal/feast/onlinestore/. Versions: scripts/versions.env.
#
# The build links target/release/libfeast_aerospike.a: run
# `cargo build --release --lib` at the repository root first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=/dev/null
. "$root/scripts/versions.env"
mode="${1:-build}"

cache="${FAS_CACHE_DIR:-$HOME/.cache/feast-aerospike}"
export GOMODCACHE="$cache/gomod" GOFLAGS="-modcacherw -buildvcs=false"
tools="$cache/tools"
src="$cache/feast-$FEAST_GO_VERSION"
mkdir -p "$cache" "$tools"
# The files the patch and the build change (pristine copies: FILE.orig).
patched="go.mod go.sum go/main.go go/internal/feast/onlinestore/onlinestore.go"
log() { echo "--- [feastserver] $* ($(date -u +%H:%M:%S))" >&2; }

fetch() {
  local want="$FEAST_GO_VERSION $FEAST_GO_PROTOC_GEN_GO_VERSION $FEAST_GO_PROTOC_GEN_GO_GRPC_VERSION $(protoc --version)"
  if [ -f "$src/.fas-ready" ] && [ "$(cat "$src/.fas-ready")" = "$want" ]; then
    return
  fi
  log "download github.com/feast-dev/feast@$FEAST_GO_VERSION"
  local dir
  dir="$(go mod download -json "github.com/feast-dev/feast@$FEAST_GO_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  log "protoc plugins"
  GOBIN="$tools" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$FEAST_GO_PROTOC_GEN_GO_VERSION"
  GOBIN="$tools" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$FEAST_GO_PROTOC_GEN_GO_GRPC_VERSION"
  log "copy the source to $src and generate go/protos"
  rm -rf "$src"
  mkdir -p "$src"
  cp -r "$dir/go" "$dir/protos" "$dir/go.mod" "$dir/go.sum" "$src/"
  chmod -R u+w "$src"
  mkdir -p "$src/go/protos"
  # As Feast's Makefile (compile-protos-go) does, with the same plugin versions.
  for folder in core registry serving types storage; do
    PATH="$tools:$PATH" protoc --proto_path="$src/protos" \
      --go_out="$src/go/protos" --go_opt=module=github.com/feast-dev/feast/go/protos \
      --go-grpc_out="$src/go/protos" --go-grpc_opt=module=github.com/feast-dev/feast/go/protos \
      "$src/protos/feast/$folder/"*.proto
  done
  # Keep pristine copies of the files the patch and the build change.
  for f in $patched; do
    cp "$src/$f" "$src/$f.orig"
  done
  log "download the server's Go dependencies"
  (cd "$src" && go mod download)
  echo "$want" >"$src/.fas-ready"
}

prepare() {
  log "patch Feast ($here/feast-aerospike.patch) and add the adapter"
  for f in $patched; do
    # A cache fetched before a file joined $patched still has it pristine.
    [ -f "$src/$f.orig" ] || cp "$src/$f" "$src/$f.orig"
    cp "$src/$f.orig" "$src/$f"
  done
  patch -s -p1 -d "$src" <"$here/feast-aerospike.patch"
  cp "$root/bindings/go/feastcompat/onlinestore/aerospikeonlinestore.go" \
    "$root/bindings/go/feastcompat/onlinestore/aerospikeonlinestore_test.go" \
    "$src/go/internal/feast/onlinestore/"
  (
    cd "$src"
    go mod edit -require=github.com/feast-aerospike/feast-aerospike/bindings/go@v0.0.0 \
      -replace="github.com/feast-aerospike/feast-aerospike/bindings/go=$root/bindings/go"
  )
}

build() {
  local lib="$root/target/release/libfeast_aerospike.a"
  [ -f "$lib" ] || { echo "missing $lib: run 'cargo build --release --lib' at $root" >&2; exit 1; }
  log "go build ./go/main.go"
  (cd "$src" && GOPROXY=off go build -o "$cache/bin/feast-go-server" ./go/main.go)
  echo "$cache/bin/feast-go-server"
}

# The adapter's own tests, with Feast's real declarations, in Feast's tree.
test_adapter() {
  log "go vet and go test of the adapter in Feast's tree"
  (
    cd "$src"
    GOPROXY=off go vet ./go/internal/feast/onlinestore/
    FAS_TESTSERVER_BIN="${FAS_TESTSERVER_BIN:-$root/target/release/feast-aerospike-testserver}" \
      GOPROXY=off go test -count=1 -run Aerospike ./go/internal/feast/onlinestore/
  )
}

case "$mode" in
  fetch) fetch ;;
  test) fetch && prepare && test_adapter ;;
  prepare) fetch && prepare && echo "$src" ;;
  build) fetch && prepare && build ;;
  *) echo "usage: build.sh [fetch|prepare|test|build]" >&2; exit 2 ;;
esac
