#!/usr/bin/env bash
# The comparison harness (issue 10): every case of docs/benchmark-workload.md through
# the official Go and Java clients, the bare `aerospike` crate, the library
# alone (request bytes in, response bytes out) and the full path in C, Go and
# Java, in ONE run against one server and one data set, interleaved round by
# round. Prints a markdown table (p50/p99, throughput, allocations per call,
# ratio to the best official client with its spread over rounds).
#
#   scripts/bench-compare.sh                       test server (started here), N=100000, 3 rounds
#   scripts/bench-compare.sh --host 127.0.0.1:3000 a running server (e.g. Aerospike)
#   scripts/bench-compare.sh --smoke               N=2000, 1 round, few calls (CI)
#   options: --n N --rounds R --only KEY,KEY --cases PREFIX,PREFIX --out FILE --log FILE
#   contender keys: go-official java-official crate lib c go java (java-message: only with --only)
#
# Builds what it runs: the Rust library (release) and compare_driver example,
# the C bench (release), the Go driver (bindings/go/officialbench, its own
# module: the official Go client is not a dependency of the binding), the
# Java binding's test classes (the official Java client is a test-scope
# dependency). Figures taken on the test server are the test server's, never
# Aerospike's.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=versions.env
source scripts/versions.env

smoke=0
for a in "$@"; do [ "$a" = "--smoke" ] && smoke=1; done
has_host=0
for a in "$@"; do [ "$a" = "--host" ] && has_host=1; done

# The pinned official clients (scripts/versions.env) are the ones the drivers use.
grep -q "aerospike-client-go/v8 $AEROSPIKE_CLIENT_GO_VERSION\$" bindings/go/officialbench/go.mod ||
  { echo "bindings/go/officialbench/go.mod does not pin aerospike-client-go $AEROSPIKE_CLIENT_GO_VERSION" >&2; exit 1; }
grep -q "<aerospike.client.version>$AEROSPIKE_CLIENT_JAVA_VERSION</aerospike.client.version>" bindings/java/pom.xml ||
  { echo "bindings/java/pom.xml does not pin aerospike-client-jdk21 $AEROSPIKE_CLIENT_JAVA_VERSION" >&2; exit 1; }

step() { echo "--- [bench-compare] $* ($(date -u +%H:%M:%S))" >&2; }

step "build: Rust library, compare_driver, C bench"
cargo build -j2 --release --lib --example compare_driver >&2
make -s -C examples -j2 PROFILE=release >&2
server_args=()
if [ "$has_host" = 0 ]; then
  if [ "$smoke" = 1 ]; then
    cargo build -j2 -p feast-aerospike-testserver >&2
    server_args=(--testserver "$root/target/debug/feast-aerospike-testserver")
  else
    cargo build -j2 --release -p feast-aerospike-testserver >&2
    server_args=(--testserver "$root/target/release/feast-aerospike-testserver")
  fi
fi

step "build: Go driver (official Go client $AEROSPIKE_CLIENT_GO_VERSION, Go binding)"
(cd bindings/go/officialbench && go build -buildvcs=false -o "$root/target/officialbench/officialbench" .) >&2

step "build: Java driver (official Java client $AEROSPIKE_CLIENT_JAVA_VERSION, Java binding)"
export JAVA_HOME="${FEAST_AEROSPIKE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
if ! command -v mvn >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
fi
(cd bindings/java && mvn -B -ntp -q test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath) >&2
java_cp="$root/bindings/java/target/classes:$root/bindings/java/target/test-classes:$(cat bindings/java/target/bench.classpath)"

step "run"
exec python3 scripts/bench-compare.py --root "$root" --java-cp "$java_cp" "${server_args[@]}" "$@"
