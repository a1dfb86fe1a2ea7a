#!/usr/bin/env bash
# Runs every test of the project, part by part. This is the README's test command
# and what CI runs (after installing system packages, see .ci/run).
# Each part's script lives in scripts/ci/ and may be run on its own.
set -euo pipefail
cd "$(dirname "$0")/.."

parts=(rust testserver core ffi faults go java install feast-go compare)
if [ "$#" -gt 0 ]; then parts=("$@"); fi

for part in "${parts[@]}"; do
  script="scripts/ci/$part.sh"
  [ -f "$script" ] || { echo "no such part: $part ($script)" >&2; exit 2; }
  echo "=== [$part] $(date -u +%H:%M:%S)"
  start=$SECONDS
  bash "$script"
  echo "=== [$part] ok in $((SECONDS - start))s"
done
echo "=== all parts passed: ${parts[*]}"
