#!/usr/bin/env bash
# Java binding CI: builds the native library (release) and the test server,
# then runs the binding's Maven build with its JUnit tests on a JDK >= 22
# (the binding uses Panama FFM, final in JDK 22). Runnable from any cwd.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

# java -version's major number for a JDK home, or 0.
jdk_major() {
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v:-0}"
}

# Picks a JDK >= 22: FEAST_AEROSPIKE_JAVA_HOME, then Temurin 25 where this
# project's machines have it, then JAVA_HOME, then any JDK under /usr/lib/jvm.
pick_jdk() {
  local c
  for c in "${FEAST_AEROSPIKE_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    if [ "$(jdk_major "$c")" -ge 22 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(pick_jdk); then
  echo "java.sh: no JDK >= 22 found (FEAST_AEROSPIKE_JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64, JAVA_HOME, /usr/lib/jvm/*)." >&2
  echo "java.sh: the Java binding needs Panama FFM (JDK 22+); install e.g. Temurin 25 and set FEAST_AEROSPIKE_JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

source scripts/require.sh
require maven command -v mvn

echo "java.sh: JDK $(jdk_major "$JAVA_HOME") at $JAVA_HOME"
cargo build -j2 --release --lib -p feast-aerospike
cargo build -j2 -p feast-aerospike-testserver

# Maven's own libraries call sun.misc.Unsafe; JDK 24+ warns about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
cd bindings/java
mvn -B -ntp -Dstyle.color=never verify
