//go:build fas_dynamic && !fas_external && !fas_pkgconfig

// Dynamic linking against target/release/libfeast_aerospike.so of a checkout
// (build tag fas_dynamic). The rpath lets tests and examples run from the
// checkout without LD_LIBRARY_PATH.

package feastaerospike

// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lfeast_aerospike
import "C"
