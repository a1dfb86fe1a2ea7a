module github.com/feast-aerospike/feast-aerospike/bindings/go

go 1.23

require google.golang.org/protobuf v1.36.11
