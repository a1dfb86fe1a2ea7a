#!/usr/bin/env bash
# Installs the system and Python packages the tests need. Idempotent.
set -euo pipefail
apt_pkgs=(protobuf-compiler libprotobuf-dev protobuf-c-compiler libprotobuf-c-dev valgrind pkg-config)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check \
  'feast[aerospike]==0.67.0' 'aerospike==19.3.0' pytest 2>&1 | grep -v "Running pip as the 'root'" || true
# The comparison harness's Go driver (scripts/bench-compare.sh): the official
# Go client, a module of its own (bindings/go/officialbench).
(cd bindings/go/officialbench && go mod download)
