#!/usr/bin/env bash
# CI fault run (issue 11): writers and readers through the C ABI while the
# test server drops requests, delays answers, disconnects every client and
# restarts, then (issue 14) while one node of a 3-node test server cluster is
# stopped and restarted in turn; after each phase every row is read back.
# Fails on a lost acknowledged row, a failed row reported not in doubt that
# was written, or a call overrunning its timeout_ms by more than 10%. Prints
# acknowledged / lost / in-doubt / failed counts per phase. Bounded:
# FAULT_SECONDS (default 45) + NODE_FAULT_SECONDS (default 20) of faults,
# under 2 minutes in all once built.
set -euo pipefail
cd "$(dirname "$0")/../.."
FAULT_SECONDS=${FAULT_SECONDS:-45}
NODE_FAULT_SECONDS=${NODE_FAULT_SECONDS:-20}
cargo build -j2 --release --example faults
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
# The in-process test servers log every injected fault and node stop on
# stderr: kept in a file, the rest shown only when the run fails.
if ! target/release/examples/faults --seconds "$FAULT_SECONDS" --node-seconds "$NODE_FAULT_SECONDS" 2>"$log"; then
  grep -v -e 'fault injection' -e 'cluster: node' "$log" | tail -n 40 >&2
  echo "[faults] FAILED after $((SECONDS - start))s" >&2
  exit 1
fi
echo "[faults] run took $((SECONDS - start))s"
