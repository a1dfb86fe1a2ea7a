#!/usr/bin/env bash
# CI smoke run of the comparison harness (scripts/bench-compare.sh --smoke):
# every contender (official Go and Java clients, bare crate, library alone,
# C, Go and Java bindings) on every case with N=2000 and a few calls against
# the test server, so the drivers cannot rot. Every driver checks the values
# it reads against the workload's generator. Figures are not kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
log=$(mktemp)
trap 'rm -f "$out" "$log"' EXIT
if ! bash scripts/bench-compare.sh --smoke --out "$out" --log "$log" >/dev/null; then
  echo "bench-compare smoke run failed; drivers' stderr:" >&2
  tail -n 50 "$log" >&2
  exit 1
fi
cat "$out"
# Every case has a figure from every contender: 15 summary rows (one per case)
# plus 15 cases x 7 contenders detail rows.
rows=$(grep -c '^| \(read\|write\) .* | .* | [0-9]' "$out" || true)
echo "bench-compare smoke: $rows result rows"
[ "$rows" -eq 120 ] || { echo "expected 120 result rows (15 + 15 x 7), got $rows" >&2; exit 1; }
