#!/usr/bin/env bash
# Carries the release versions of scripts/versions.env into every file that
# states one, so the library version, the ABI version, the Go module version
# and the Maven artifact version cannot drift apart.
#   scripts/sync-versions.sh          rewrite the files (then run gen-header.sh)
#   scripts/sync-versions.sh --check  fail, naming each stale file, when one differs
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source scripts/versions.env
: "${FAS_VERSION:?missing in scripts/versions.env}" "${FAS_ABI_VERSION:?missing in scripts/versions.env}"

# file | extended regex of the line (group 1 = text before the value, group 2 = after) | value
targets=(
  "Cargo.toml|^(version = \")[^\"]*(\")$|$FAS_VERSION"
  "src/ffi/mod.rs|^(pub const FAS_ABI_VERSION: u32 = )[0-9]+(;)$|$FAS_ABI_VERSION"
  "bindings/java/pom.xml|^(  <version>)[^<]*(</version>)$|$FAS_VERSION"
  "bindings/java/src/main/java/dev/feastaerospike/NativeLibrary.java|^(    static final int EXPECTED_ABI_VERSION = )[0-9]+(;)$|$FAS_ABI_VERSION"
  "bindings/go/version.go|^(const Version = \")[^\"]*(\")$|$FAS_VERSION"
)

stale=0
for t in "${targets[@]}"; do
  IFS='|' read -r file pattern value <<<"$t"
  # Each pattern must match exactly one line (the first `version =` of Cargo.toml is the package's).
  count=$(grep -cE "$pattern" "$file" || true)
  if [ "$file" = Cargo.toml ]; then count=$((count > 0 ? 1 : 0)); fi
  if [ "$count" -ne 1 ]; then
    echo "sync-versions: $file: expected one line matching $pattern, found $count" >&2
    exit 2
  fi
  current=$(grep -m1 -E "$pattern" "$file")
  wanted=$(sed -E "s#$pattern#\\1$value\\2#" <<<"$current")
  [ "$current" = "$wanted" ] && continue
  if [ "${1:-}" = "--check" ]; then
    echo "sync-versions: $file says '$current', scripts/versions.env wants '$wanted'" >&2
    stale=1
  else
    # Replace only the first matching line.
    sed -i -E "0,\\#$pattern#s##\\1$value\\2#" "$file"
    echo "sync-versions: $file -> $wanted"
  fi
done
if [ "$stale" -ne 0 ]; then
  echo "sync-versions: run scripts/sync-versions.sh, then scripts/gen-header.sh, and commit" >&2
  exit 1
fi
[ "${1:-}" = "--check" ] && echo "versions match scripts/versions.env ($FAS_VERSION, ABI $FAS_ABI_VERSION)"
exit 0
