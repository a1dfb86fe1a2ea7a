//go:build fas_pkgconfig && !fas_external

// Linking an installed library found by pkg-config (build tag fas_pkgconfig):
// `scripts/install.sh PREFIX` writes PREFIX/lib/pkgconfig/feast_aerospike.pc;
// point PKG_CONFIG_PATH at that directory. This links the shared library, so
// at run time the loader must find it too (a system prefix, LD_LIBRARY_PATH,
// or an rpath in CGO_LDFLAGS). With -tags fas_external instead, no file of
// this package adds link flags: CGO_LDFLAGS alone names the library.

package feastaerospike

// #cgo pkg-config: feast_aerospike
import "C"
