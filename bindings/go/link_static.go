//go:build !fas_dynamic && !fas_external

// Default linking: the static library from `cargo build --release`.

package feastaerospike

// The system libraries are what rustc reports for the staticlib
// (`cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs`).

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libfeast_aerospike.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
