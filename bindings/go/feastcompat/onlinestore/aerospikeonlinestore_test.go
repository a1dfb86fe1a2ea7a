// The adapter against the test server: Feast-typed entity keys in,
// Feast-typed FeatureData out, in the shape Feast's Go server expects.
package onlinestore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/internal/testserverproc"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/feast-dev/feast/go/protos/feast/types"
)

var server *testserverproc.Server

func TestMain(m *testing.M) {
	bin, err := testserverproc.FindBinary("../../../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	server, err = testserverproc.Start(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: start the test server:", err)
		os.Exit(1)
	}
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

func TestAdapterServesFeastShapedResults(t *testing.T) {
	block := map[string]interface{}{
		"type":  "aerospike",
		"hosts": []interface{}{[]interface{}{server.Host, server.Port}},
	}
	repo := &RepoConfig{Project: "go_adapter", OnlineStore: block, EntityKeySerializationVersion: 3}

	// Materialize one row through the binding, as `feast materialize` would.
	writer, err := fas.Open(fas.Config{Project: "go_adapter", Hosts: []fas.Host{{Name: server.Host, Port: server.Port}}})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	view := fas.FeatureView{Name: "driver_stats", Features: []fas.Feature{{Name: "trips", Type: pb.ValueType_INT64}, {Name: "rating", Type: pb.ValueType_DOUBLE}}}
	event := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	err = writer.WriteBatch(context.Background(), view, []fas.WriteRow{{
		EntityKey:      &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{{Val: &pb.Value_Int64Val{Int64Val: 7}}}},
		Values:         map[string]*pb.Value{"trips": {Val: &pb.Value_Int64Val{Int64Val: 120}}, "rating": {Val: &pb.Value_DoubleVal{DoubleVal: 4.8}}},
		EventTimestamp: event,
	}})
	if err != nil {
		t.Fatal(err)
	}

	store, err := NewOnlineStore(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Destruct()
	key := func(id int64) *types.EntityKey {
		return &types.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*types.Value{{Val: &types.Value_Int64Val{Int64Val: id}}}}
	}
	rows, err := store.OnlineRead(context.Background(), []*types.EntityKey{key(7), key(8)},
		[]string{"driver_stats", "driver_stats"}, []string{"rating", "trips"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1] != nil || len(rows[0]) != 2 {
		t.Fatalf("shape: %d rows, second %v", len(rows), rows[len(rows)-1])
	}
	rating, trips := &rows[0][0], &rows[0][1]
	if rating.Value.GetDoubleVal() != 4.8 || trips.Value.GetInt64Val() != 120 {
		t.Fatalf("values %v %v", rating.Value.String(), trips.Value.String())
	}
	if trips.Reference.FeatureViewName != "driver_stats" || trips.Reference.FeatureName != "trips" {
		t.Fatalf("reference %v", trips.Reference.String())
	}
	if !trips.Timestamp.AsTime().Equal(event) {
		t.Fatalf("timestamp %v, want %v", trips.Timestamp.AsTime(), event)
	}
}
