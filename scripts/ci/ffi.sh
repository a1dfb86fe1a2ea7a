#!/usr/bin/env bash
# CI for the C ABI: header freshness and standalone compile, the Rust tests of
# the exports, the C examples (and the tests of the header-only response
# reader and request writer) built with -Werror and run against the test
# server under ASan+UBSan (with proof the sanitizers are linked and live),
# valgrind on the release build, and a short fuzz run over request decoding.
# The Rust tests of the exports run in scripts/ci/rust.sh, once per CI run.
# Runs from any cwd; scripts/install-deps.sh installs what it needs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export CARGO_TERM_COLOR=never
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
step() { echo "--- [ffi] $* ($(date -u +%H:%M:%S))"; }

step "dependencies"
source scripts/require.sh
for p in protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev valgrind pkg-config; do
  require "package $p" dpkg -s "$p"
done
require_output "cargo-fuzz $CARGO_FUZZ_VERSION" " $CARGO_FUZZ_VERSION" cargo fuzz --version

step "header is up to date (pinned cbindgen)"
bash scripts/gen-header.sh --check

step "header compiles standalone as C11 and C++17"
hdr_tmp=$(mktemp -d)
trap 'rm -rf "$hdr_tmp"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true' EXIT
cat > "$hdr_tmp/use_header.c" <<'C'
#include "feast_aerospike.h"
#if !defined(FAS_ABI_VERSION) || FAS_OK != 0 || FAS_ERR_PANIC != 8 || FAS_ERR_INTERNAL != 9
#error "status or version macros missing or renumbered"
#endif
int use_header(void);
int use_header(void) {
  fas_store *store = 0;
  fas_error *error = 0;
  return (int)fas_abi_version() + (store == 0) + (error == 0);
}
C
gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude -fsyntax-only -x c include/feast_aerospike.h
g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -fsyntax-only -x c++ include/feast_aerospike.h
for std in "gcc -std=c11 -x c" "g++ -std=c++17 -x c++"; do
  for h in feast_aerospike_read.h feast_aerospike_write.h; do
    $std -Wall -Wextra -Werror -pedantic -Wconversion -Iinclude -fsyntax-only "include/$h"
  done
done
gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude -c "$hdr_tmp/use_header.c" -o "$hdr_tmp/c.o"
g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -x c++ -c "$hdr_tmp/use_header.c" -o "$hdr_tmp/cxx.o"

step "build the library (debug, release) and the test server"
cargo build -j"$JOBS" --lib
cargo build -j"$JOBS" --release --lib
cargo build -j"$JOBS" -p feast-aerospike-testserver

start_server() {
  local out="$hdr_tmp/server.out"
  target/debug/feast-aerospike-testserver --listen 127.0.0.1:0 >"$out" 2>"$hdr_tmp/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if head -n1 "$out" 2>/dev/null | grep -q '^feast-aerospike-testserver listening on '; then
      PORT=$(head -n1 "$out" | awk '{print $NF}' | sed 's/.*://')
      return 0
    fi
    sleep 0.1
  done
  echo "test server did not start:" >&2
  cat "$hdr_tmp/server.err" >&2
  exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; }

step "C examples with ASan + UBSan, -Wall -Wextra -Werror"
make -s -C examples -j"$JOBS" SANITIZE=address,undefined
SAN_BUILD=examples/build/debug-san
# Proof 1: the binaries load the sanitizer runtimes and carry instrumentation.
# (Captured first: `cmd | grep -q` fails under pipefail when grep exits early.)
for bin in quickstart bench; do
  libs=$(ldd "$SAN_BUILD/$bin")
  syms=$(nm "$SAN_BUILD/$bin.o")
  grep -q libasan <<<"$libs" || { echo "$bin: libasan not linked" >&2; exit 1; }
  grep -q libubsan <<<"$libs" || { echo "$bin: libubsan not linked" >&2; exit 1; }
  grep -q '__asan_report' <<<"$syms" || { echo "$bin: no ASan checks" >&2; exit 1; }
  grep -q '__ubsan_handle' <<<"$syms" || { echo "$bin: no UBSan checks" >&2; exit 1; }
done
# Proof 2: the same flags catch a real heap overflow and a real UB.
cat > "$hdr_tmp/canary.c" <<'C'
#include <limits.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) { int x = INT_MAX; x += argc; return x; }
  char *p = malloc(8);
  memset(p, 0, 9 + (size_t)argc - 1);
  free(p);
  return 0;
}
C
SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
gcc -std=c11 -O0 $SANFLAGS "$hdr_tmp/canary.c" -o "$hdr_tmp/canary"
if "$hdr_tmp/canary" 2>"$hdr_tmp/canary.asan"; then echo "ASan canary did not fail" >&2; exit 1; fi
grep -q 'AddressSanitizer: heap-buffer-overflow' "$hdr_tmp/canary.asan"
if "$hdr_tmp/canary" ub 2>"$hdr_tmp/canary.ubsan"; then echo "UBSan canary did not fail" >&2; exit 1; fi
grep -q 'runtime error: signed integer overflow' "$hdr_tmp/canary.ubsan"
# Proof 3: LeakSanitizer sees the Rust library's allocations: an error object
# that is never freed must be reported as a leak from inside the library.
cat > "$hdr_tmp/leak.c" <<'C'
#include <pthread.h>
#include "feast_aerospike.h"
/* The only pointer to the error lives on a thread that has exited. */
static void *leak(void *status) {
  fas_error *err = 0;
  *(int *)status = fas_debug_panic("leak canary", &err);
  return 0;
}
int main(void) {
  int status = 0;
  pthread_t t;
  pthread_create(&t, 0, leak, &status);
  pthread_join(t, 0);
  return status == FAS_ERR_PANIC ? 0 : 2;
}
C
gcc -std=c11 -O0 $SANFLAGS -pthread -Iinclude "$hdr_tmp/leak.c" target/debug/libfeast_aerospike.a \
  -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$hdr_tmp/leak"
if RUST_BACKTRACE=0 ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 "$hdr_tmp/leak" \
  2>"$hdr_tmp/leak.lsan"; then
  echo "LSan canary did not fail" >&2; exit 1
fi
grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$hdr_tmp/leak.lsan"
grep -q 'fas_debug_panic' "$hdr_tmp/leak.lsan"
echo "sanitizers linked and live (ASan, UBSan, LSan incl. library allocations)"

# The zero-allocation response reader: differential against protobuf-c, fixed
# malformed cases and mutation fuzzing, all under ASan+UBSan.
"$SAN_BUILD/read_reader_test" --iterations "${READER_ITERATIONS:-20000}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
start_server
# The request writer: differential against protobuf-c, varint boundaries,
# misuse, then a write through the library read back from the test server.
writer_t0=$(date +%s)
"$SAN_BUILD/write_writer_test" --iterations "${WRITER_ITERATIONS:-5000}" --port "$PORT"
echo "write_writer_test: $(($(date +%s) - writer_t0)) s"
"$SAN_BUILD/quickstart" --port "$PORT" >"$hdr_tmp/quickstart.out"
diff -u examples/expected/quickstart.out "$hdr_tmp/quickstart.out"
# Small sizes and long timeouts: this is a correctness run (bench checks every
# value it reads) on a debug server under sanitizers, not a measurement.
"$SAN_BUILD/bench" --port "$PORT" --n 2000 --threads 2 --repeat 1 --warmup 1 --iters 3 \
  --iters-1000 1 --timeout-ms 60000 --decoder both --encoder both >/dev/null
stop_server
unset ASAN_OPTIONS UBSAN_OPTIONS

step "valgrind on the release build"
make -s -C examples -j"$JOBS" PROFILE=release
REL_BUILD=examples/build/release
start_server
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
"${VG[@]}" "$REL_BUILD/quickstart" --port "$PORT" >"$hdr_tmp/quickstart.vg.out"
diff -u examples/expected/quickstart.out "$hdr_tmp/quickstart.vg.out"
"${VG[@]}" "$REL_BUILD/bench" --port "$PORT" --n 2000 --threads 2 --repeat 1 --warmup 1 \
  --iters 3 --iters-1000 1 --timeout-ms 60000 >/dev/null
stop_server

step "fuzz smoke run (${FUZZ_SECONDS}s)"
# corpus/ (ignored by git) collects new inputs; seeds/ holds valid requests of
# every type (made with `protoc --encode`) so the run starts deep.
mkdir -p fuzz/corpus/decode_requests
(cd fuzz && RUSTC_BOOTSTRAP=1 CARGO_BUILD_JOBS="$JOBS" cargo fuzz run decode_requests \
  corpus/decode_requests seeds/decode_requests -- \
  -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 2>&1 | tail -n 3)
echo "[ffi] all checks passed"
