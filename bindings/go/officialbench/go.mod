// The comparison driver of scripts/bench-compare.sh for Go: the official
// Aerospike Go client as the baseline and this repository's Go binding, on
// the same records. A module of its own so the binding's module does not
// carry the official client.
module github.com/feast-aerospike/feast-aerospike/bindings/go/officialbench

go 1.25

require (
	github.com/aerospike/aerospike-client-go/v8 v8.5.0
	github.com/feast-aerospike/feast-aerospike/bindings/go v0.0.0
)

require (
	github.com/kr/text v0.2.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	github.com/wadey/gocovmerge v0.0.0-20160331181800-b5bfa59ec0ad // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/tools v0.36.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/feast-aerospike/feast-aerospike/bindings/go => ../
