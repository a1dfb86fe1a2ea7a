// Package feastaerospike reads and writes Feast features in Aerospike through
// the feast-aerospike Rust library, using its C ABI (docs/ABI.md) over cgo.
//
// The package is a thin layer: requests are protobuf messages of package
// feast_aerospike.v1 (generated into the pb subpackage), the Rust library does
// every store operation, and this package adds Go types, context deadlines,
// error values and a Feast-shaped OnlineRead.
//
// Build the Rust library once before building or testing this package:
//
//	cargo build --release   # at the repository root
//
// By default the package links target/release/libfeast_aerospike.a statically.
// With the build tag fas_dynamic it links target/release/libfeast_aerospike.so
// instead (with an rpath to that directory); with fas_external it adds no
// linker flags at all, so CGO_LDFLAGS must name the library, e.g.
//
//	CGO_LDFLAGS="-L/opt/fas/lib -lfeast_aerospike" go build -tags fas_external
//
// A Store is safe for concurrent use by many goroutines. Close it when done;
// a finalizer frees a forgotten Store, but only as a safety net.
package feastaerospike

//go:generate protoc -I ../../proto --go_out=. --go_opt=module=github.com/feast-aerospike/feast-aerospike/bindings/go feast_aerospike/v1/types.proto feast_aerospike/v1/store.proto
