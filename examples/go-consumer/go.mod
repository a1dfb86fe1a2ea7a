module example.com/feature-server

go 1.23

require github.com/feast-aerospike/feast-aerospike/bindings/go v0.1.0

require google.golang.org/protobuf v1.36.11 // indirect

// Where the module comes from before it is published; scripts/ci/install.sh
// points this at a copy of bindings/go alone.
replace github.com/feast-aerospike/feast-aerospike/bindings/go => ../../bindings/go
