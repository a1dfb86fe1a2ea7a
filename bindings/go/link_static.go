//go:build !fas_dynamic && !fas_external && !fas_pkgconfig

// Default linking, for a checkout of the repository: the static library that
// `cargo build --release` leaves in target/release. Outside the repository use
// -tags fas_pkgconfig or fas_external (link_pkgconfig.go, README).

package feastaerospike

// The system libraries are what rustc reports for the staticlib
// (`cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs`).

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libfeast_aerospike.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
