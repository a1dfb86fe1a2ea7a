#!/usr/bin/env bash
# The project's only installer: system packages, the pinned Rust and Go tools
# and the pinned Python packages of scripts/versions.env. Idempotent: only
# what is missing or at another version is installed. The test scripts
# install nothing; they check and fail with a pointer here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=versions.env
source scripts/versions.env

apt_pkgs=(protobuf-compiler libprotobuf-dev protobuf-c-compiler libprotobuf-c-dev valgrind pkg-config maven
  cmake openjdk-17-jdk-headless iproute2 util-linux patch)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $CBINDGEN_VERSION" ]; then
  cargo install --quiet --locked "cbindgen@$CBINDGEN_VERSION"
fi
if [[ "$(cargo fuzz --version 2>/dev/null || true)" != *" $CARGO_FUZZ_VERSION"* ]]; then
  cargo install --quiet --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

go_tools="$root/target/go-tools"
if ! "$go_tools/protoc-gen-go" --version 2>/dev/null | grep -qx "protoc-gen-go $PROTOC_GEN_GO_VERSION"; then
  GOBIN="$go_tools" GOFLAGS=-buildvcs=false \
    go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
fi

python3 -m pip install -q --disable-pip-version-check \
  "feast[aerospike]==$FEAST_VERSION" "aerospike==$AEROSPIKE_PY_VERSION" "pytest==$PYTEST_VERSION" \
  "grpcio==$GRPCIO_VERSION" 2>&1 | grep -v "Running pip as the 'root'" || true
# feast-go: Feast's Go feature server source, its Go modules and protoc
# plugins (Go module proxy), into ~/.cache/feast-aerospike; idempotent.
bash "$root/bindings/go/feastserver/build.sh" fetch
