#!/usr/bin/env bash
# Runs the Java binding's NARROW/WIDE benchmark (shared/BENCHMARK.md) against a
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
mvn -B -ntp -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
exec java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xms2g -Xmx2g \
  -Dfeastaerospike.library.path="$root/target/release/libfeast_aerospike.so" \
  -Dfeastaerospike.testserver="$root/target/release/feast-aerospike-testserver" \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  dev.feastaerospike.Benchmark "$@"
