#!/usr/bin/env bash
# CI for using feast-aerospike from outside this repository: versions agree
# with scripts/versions.env, `scripts/install.sh PREFIX` installs the library
# into a temporary prefix, examples/quickstart.c is built from a copy outside
# the tree with pkg-config and with CMake and run against the test server (and
# must refuse a library with another ABI version), and bindings/go copied
# alone is built into a separate consumer module (examples/go-consumer) with
# -tags fas_pkgconfig and with -tags fas_external, and run. The commands are
# those of the README section "Use it in your project". Runs from any cwd.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
step() { echo "--- [install] $* ($(date -u +%H:%M:%S))"; }

step "versions and the Go module's copy of the header"
bash scripts/sync-versions.sh --check
cmp include/feast_aerospike.h bindings/go/feast_aerospike.h || {
  echo "bindings/go/feast_aerospike.h differs from include/feast_aerospike.h: run scripts/gen-header.sh" >&2
  exit 1
}

step "build the library and the test server"
cargo build -j2 --release --lib -p feast-aerospike
cargo build -j2 -p feast-aerospike-testserver

work=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
PREFIX="$work/prefix"

step "scripts/install.sh into a temporary prefix"
FAS_SKIP_BUILD=1 bash scripts/install.sh "$PREFIX"
for f in include/feast_aerospike.h include/feast_aerospike_read.h include/feast_aerospike_write.h \
  lib/libfeast_aerospike.so lib/libfeast_aerospike.a \
  lib/pkgconfig/feast_aerospike.pc lib/cmake/feast_aerospike/feast_aerospike-config.cmake \
  lib/cmake/feast_aerospike/feast_aerospike-config-version.cmake \
  share/feast_aerospike/proto/feast_aerospike/v1/store.proto; do
  [ -f "$PREFIX/$f" ] || { echo "install did not create $PREFIX/$f" >&2; exit 1; }
done

# The header-only reader and writer compile from the prefix alone.
for h in feast_aerospike_read.h feast_aerospike_write.h; do
  cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$PREFIX/include" -x c "$PREFIX/include/$h"
done

# Prefix discipline: the shared library exports fas_* and the JNI adapter's
# Java_dev_feastaerospike_JniNative_* functions (names JNI dictates), nothing else.
others=$(nm -D --defined-only "$PREFIX/lib/libfeast_aerospike.so" | awk '$2 == "T" {print $3}' |
  grep -vE '^(fas_|Java_dev_feastaerospike_JniNative_)' || true)
if [ -n "$others" ]; then
  echo "libfeast_aerospike.so exports functions outside its prefixes:" >&2
  echo "$others" >&2
  exit 1
fi

# shellcheck source=../testserver.sh
source scripts/testserver.sh
start_testserver "$work"

# Whether binary $1 loads a library matching $2 (ldd's output captured
# first: `ldd | grep -q` fails at random under pipefail, when grep exits at
# the first match and ldd dies of SIGPIPE).
loads() {
  local out
  out="$(ldd "$1")"
  grep -q -- "$2" <<<"$out"
}

step "C with pkg-config, outside the tree"
mkdir -p "$work/c-pkgconfig"
cp examples/quickstart.c "$work/c-pkgconfig/"
(
  cd "$work/c-pkgconfig"
  # --- README: C with pkg-config ---
  export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
  mkdir -p gen
  protoc-c --c_out=gen -I"$(pkg-config --variable=protodir feast_aerospike)" -I/usr/include \
    feast_aerospike/v1/types.proto feast_aerospike/v1/store.proto google/protobuf/timestamp.proto
  cc -std=c11 -Wall -Wextra -Werror -Wno-missing-braces -Igen -c \
    gen/feast_aerospike/v1/types.pb-c.c gen/feast_aerospike/v1/store.pb-c.c gen/google/protobuf/timestamp.pb-c.c
  cc -std=c11 -Wall -Wextra -Werror -Igen quickstart.c types.pb-c.o store.pb-c.o timestamp.pb-c.o \
    $(pkg-config --cflags --libs feast_aerospike libprotobuf-c) -Wl,-rpath,"$PREFIX/lib" -o quickstart
  # --- end ---
  ./quickstart --port "$PORT" >quickstart.out
)
diff -u examples/expected/quickstart.out "$work/c-pkgconfig/quickstart.out"
loads "$work/c-pkgconfig/quickstart" "$PREFIX/lib/libfeast_aerospike.so" || {
  echo "quickstart does not load the installed library" >&2; exit 1; }

step "C refuses a library with another ABI version"
printf 'unsigned int fas_abi_version(void) { return 999; }\n' >"$work/wrongabi.c"
cc -shared -fPIC -o "$work/libwrongabi.so" "$work/wrongabi.c"
if LD_PRELOAD="$work/libwrongabi.so" "$work/c-pkgconfig/quickstart" --port "$PORT" \
  >"$work/wrongabi.out" 2>&1; then
  echo "quickstart ran against ABI 999" >&2; exit 1
fi
grep -q 'library ABI 999, header ABI' "$work/wrongabi.out" || { cat "$work/wrongabi.out" >&2; exit 1; }

step "C with CMake (find_package), outside the tree"
mkdir -p "$work/c-cmake"
cp examples/quickstart.c examples/CMakeLists.txt "$work/c-cmake/"
(
  cd "$work/c-cmake"
  # --- README: C with CMake ---
  cmake -S . -B build -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j2 >/dev/null
  # --- end ---
  ./build/quickstart --port "$PORT" >quickstart.out
)
diff -u examples/expected/quickstart.out "$work/c-cmake/quickstart.out"
loads "$work/c-cmake/build/quickstart" "$PREFIX/lib/libfeast_aerospike.so" || {
  echo "the CMake build does not load the installed library" >&2; exit 1; }

step "Go: bindings/go alone, used by a separate module"
cp -r bindings/go "$work/fasgo"
rm -rf "$work/fasgo/feastcompat"   # a module of its own, not part of this one
cp -r examples/go-consumer "$work/consumer"
(
  cd "$work/consumer"
  go mod edit -replace "github.com/feast-aerospike/feast-aerospike/bindings/go=$work/fasgo"
  go mod tidy
  # --- README: Go with pkg-config ---
  PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" go build -tags fas_pkgconfig -o feature-server .
  # --- end ---
  LD_LIBRARY_PATH="$PREFIX/lib" ./feature-server -port "$PORT"
  LD_LIBRARY_PATH="$PREFIX/lib" loads feature-server "$PREFIX/lib/libfeast_aerospike.so"
  # --- README: Go with CGO_LDFLAGS (static) ---
  CGO_LDFLAGS="$PREFIX/lib/libfeast_aerospike.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc" \
    go build -tags fas_external -o feature-server-static .
  # --- end ---
  ./feature-server-static -port "$PORT"
  if loads feature-server-static libfeast_aerospike; then
    echo "the fas_external build should have linked the static library" >&2; exit 1
  fi
)
step "ok"
