// This directory is not a module of its own: aerospikeonlinestore.go and its
// test are compiled inside Feast's Go module, as
// github.com/feast-dev/feast/go/internal/feast/onlinestore (Feast's
// OnlineStore interface and registry are internal packages there), by
// ../../feastserver/build.sh. This go.mod only keeps the directory out of the
// feastcompat module, which cannot import Feast's internal packages.
module github.com/feast-dev/feast/go/internal/feast/onlinestore

go 1.25
