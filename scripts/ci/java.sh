#!/usr/bin/env bash
# Java binding CI: builds the native library (release) and the test server,
# then the binding's Maven build on the newest JDK >= 22 (it compiles the
# Panama FFM classes) with its JUnit suite run twice: on that JDK (Panama path)
# and on JDK 17 (JNI path). Then installs the jar and builds a separate
# consumer (examples/java-consumer) with JDK 17, running it on JDK 17 and on
# the newest JDK with the library packed in the jar. Runnable from any cwd.
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

# The LTS JDK for the JNI run: FEAST_AEROSPIKE_LTS_JAVA_HOME, else the first JDK 17
# under /usr/lib/jvm (the machine image's default java).
LTS_HOME="${FEAST_AEROSPIKE_LTS_JAVA_HOME:-}"
if [ -z "$LTS_HOME" ]; then
  for c in /usr/lib/jvm/*; do
    [ -x "$c/bin/java" ] && [ "$(jdk_major "$c")" = 17 ] && { LTS_HOME=$c; break; }
  done
fi
if [ -z "$LTS_HOME" ] || [ ! -x "$LTS_HOME/bin/javac" ]; then
  echo "java.sh: no JDK 17 found (FEAST_AEROSPIKE_LTS_JAVA_HOME, /usr/lib/jvm/*)" >&2
  exit 1
fi

source scripts/require.sh
require maven command -v mvn

echo "java.sh: build and Panama run on JDK $(jdk_major "$JAVA_HOME") at $JAVA_HOME; JNI run on JDK $(jdk_major "$LTS_HOME") at $LTS_HOME"
cargo build -j2 --release --lib -p feast-aerospike
cargo build -j2 -p feast-aerospike-testserver

# Maven's own libraries call sun.misc.Unsafe; JDK 24+ warns about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
cd bindings/java
mvn -B -ntp -Dstyle.color=never -Dtest.lts.jdk="$LTS_HOME" install
for reports in target/surefire-reports target/surefire-reports-lts; do
  n=$(cat "$reports"/TEST-*.xml | grep -o '<testcase ' | wc -l)
  [ "$n" -gt 0 ] || { echo "java.sh: no tests ran ($reports)" >&2; exit 1; }
  echo "java.sh: $n tests in $reports"
done

echo "--- consumer project, built with JDK 17, run on JDK 17 and JDK $(jdk_major "$JAVA_HOME")"
work=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck source=../testserver.sh
source "$root/scripts/testserver.sh"
start_testserver "$work"
cp -r "$root/examples/java-consumer" "$work/consumer"
cd "$work/consumer"
unset MAVEN_OPTS   # its JDK 24+ flag above is unknown to JDK 17
# --- README: use it in your project ---
JAVA_HOME="$LTS_HOME" mvn -B -ntp -q package dependency:build-classpath -Dmdep.outputFile=cp.txt
CP="target/classes:$(cat cp.txt)"
"$LTS_HOME/bin/java" -cp "$CP" example.FeatureServer "$PORT" | tee run17.out
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CP" example.FeatureServer "$PORT" | tee run-newest.out
# --- end ---
grep -q "via jni, " run17.out
grep -q "via panama, " run-newest.out
