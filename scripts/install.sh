#!/usr/bin/env bash
# Installs the C library under a prefix, for C, C++ and Go builds outside this
# repository:
#   scripts/install.sh PREFIX        (e.g. /usr/local, /opt/feast-aerospike)
# builds the release library, then installs
#   PREFIX/include/feast_aerospike.h, feast_aerospike_read.h (zero-allocation response reader),
#       feast_aerospike_write.h (request writer)
#   PREFIX/lib/libfeast_aerospike.so, PREFIX/lib/libfeast_aerospike.a
#   PREFIX/lib/pkgconfig/feast_aerospike.pc                  (pkg-config feast_aerospike)
#   PREFIX/lib/cmake/feast_aerospike/feast_aerospike-config*.cmake
#       (find_package(feast_aerospike): feast_aerospike::feast_aerospike, ::static)
#   PREFIX/share/feast_aerospike/proto/feast_aerospike/v1/*.proto (the messages)
# Versions come from scripts/versions.env. Set FAS_SKIP_BUILD=1 to install an
# existing target/release build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -ne 1 ] || [ -z "$1" ]; then
  echo "usage: scripts/install.sh PREFIX" >&2
  exit 2
fi
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
# shellcheck source=/dev/null
source scripts/versions.env
# What rustc reports for the staticlib
# (cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs).
static_deps="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

[ "${FAS_SKIP_BUILD:-}" = 1 ] || cargo build --release --lib -p feast-aerospike
bash scripts/sync-versions.sh --check >/dev/null

lib="$prefix/lib"
cmake_dir="$lib/cmake/feast_aerospike"
proto_dir="$prefix/share/feast_aerospike/proto"
install -d "$prefix/include" "$lib/pkgconfig" "$cmake_dir" "$proto_dir/feast_aerospike/v1"
install -m 0644 include/feast_aerospike.h include/feast_aerospike_read.h include/feast_aerospike_write.h \
  "$prefix/include/"
install -m 0755 target/release/libfeast_aerospike.so "$lib/"
install -m 0644 target/release/libfeast_aerospike.a "$lib/"
install -m 0644 proto/feast_aerospike/v1/*.proto "$proto_dir/feast_aerospike/v1/"

cat > "$lib/pkgconfig/feast_aerospike.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include
protodir=\${prefix}/share/feast_aerospike/proto
abi_version=$FAS_ABI_VERSION

Name: feast_aerospike
Description: Feast's Aerospike online store (Rust) behind a C ABI
Version: $FAS_VERSION
Libs: -L\${libdir} -lfeast_aerospike
Libs.private: $static_deps
Cflags: -I\${includedir}
PC

cat > "$cmake_dir/feast_aerospike-config.cmake" <<CMAKE
# feast_aerospike $FAS_VERSION (ABI $FAS_ABI_VERSION), installed by scripts/install.sh.
# Imported targets:
#   feast_aerospike::feast_aerospike  the shared library
#   feast_aerospike::static           the static library (with its system libraries)
# Variables: feast_aerospike_ABI_VERSION, feast_aerospike_PROTO_DIR (the .proto files).
get_filename_component(_fas_prefix "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(feast_aerospike_ABI_VERSION $FAS_ABI_VERSION)
set(feast_aerospike_PROTO_DIR "\${_fas_prefix}/share/feast_aerospike/proto")
if(NOT TARGET feast_aerospike::feast_aerospike)
  add_library(feast_aerospike::feast_aerospike SHARED IMPORTED)
  set_target_properties(feast_aerospike::feast_aerospike PROPERTIES
    IMPORTED_LOCATION "\${_fas_prefix}/lib/libfeast_aerospike.so"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "\${_fas_prefix}/include")
endif()
if(NOT TARGET feast_aerospike::static)
  add_library(feast_aerospike::static STATIC IMPORTED)
  set_target_properties(feast_aerospike::static PROPERTIES
    IMPORTED_LOCATION "\${_fas_prefix}/lib/libfeast_aerospike.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_fas_prefix}/include"
    INTERFACE_LINK_LIBRARIES "$(sed 's/-l//g; s/ /;/g' <<<"$static_deps")")
endif()
unset(_fas_prefix)
CMAKE

# 0.x releases: only the same major.minor is compatible (the ABI check at run
# time refuses a mismatched library in any case).
cat > "$cmake_dir/feast_aerospike-config-version.cmake" <<CMAKE
set(PACKAGE_VERSION "$FAS_VERSION")
string(REGEX MATCH "^[0-9]+\\\\.[0-9]+" _fas_have "\${PACKAGE_VERSION}")
string(REGEX MATCH "^[0-9]+\\\\.[0-9]+" _fas_want "\${PACKAGE_FIND_VERSION}")
if(PACKAGE_FIND_VERSION AND (NOT _fas_have STREQUAL _fas_want OR PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION))
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
unset(_fas_have)
unset(_fas_want)
CMAKE
echo "installed feast_aerospike $FAS_VERSION (ABI $FAS_ABI_VERSION) under $prefix"
