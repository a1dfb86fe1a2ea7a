#!/usr/bin/env bash
# Runs the Java binding's NARROW/WIDE benchmark (docs/benchmark-workload.md) against a
# release build of the test server (a test double, not Aerospike), or against
# a real cluster with: bench.sh --host HOST:PORT. Extra args go to Benchmark.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
JAVA_HOME="${FEAST_AEROSPIKE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

cd "$root"
cargo build -j2 --release --lib -p feast-aerospike
cargo build -j2 --release -p feast-aerospike-testserver

cd "$here"
source "$root/scripts/versions.env"
mvn -B -ntp -q test-compile \
  "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN_VERSION:build-classpath" \
  -Dmdep.outputFile=target/bench.classpath
export FAS_TESTSERVER_BIN="$root/target/release/feast-aerospike-testserver"
exec java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xms2g -Xmx2g \
  -Dfeastaerospike.library.path="$root/target/release/libfeast_aerospike.so" \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  dev.feastaerospike.Benchmark "$@"
