#!/usr/bin/env bash
# Regenerates include/feast_aerospike.h from src/ffi/ with the pinned cbindgen,
# and its copy inside the Go module (bindings/go/feast_aerospike.h, so the
# module builds outside this repository).
#   scripts/gen-header.sh          write both headers
#   scripts/gen-header.sh --check  fail (showing the diff) when either committed
#                                  header differs from a fresh generation
# Only src/ffi/ is parsed (source-file mode follows its `mod` declarations), so
# public items elsewhere in the crate never leak into the C header.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/require.sh
require_output "cbindgen $CBINDGEN_VERSION" "cbindgen $CBINDGEN_VERSION" cbindgen --version

headers=(include/feast_aerospike.h bindings/go/feast_aerospike.h)
if [ "${1:-}" = "--check" ]; then
  fresh=$(mktemp)
  trap 'rm -f "$fresh"' EXIT
  cbindgen --quiet --config cbindgen.toml --output "$fresh" src/ffi/mod.rs
  for header in "${headers[@]}"; do
    if ! diff -u "$header" "$fresh"; then
      echo "$header is stale: run scripts/gen-header.sh and commit the result" >&2
      exit 1
    fi
    echo "$header is up to date"
  done
else
  for header in "${headers[@]}"; do
    cbindgen --quiet --config cbindgen.toml --output "$header" src/ffi/mod.rs
    echo "wrote $header"
  done
fi
