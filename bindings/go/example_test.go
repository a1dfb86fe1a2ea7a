// Runnable documentation: go test checks the output of these examples
// against the test server.
package feastaerospike_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func Example() {
	// In production: the online_store block of feature_store.yaml. Here the
	// host and port are those of the test server the tests started.
	cfg := fas.Config{
		Project: "example",
		Hosts:   []fas.Host{{Name: fas.ExampleHost(), Port: fas.ExamplePort()}},
	}
	driverStats := fas.FeatureView{Name: "driver_stats", Features: []fas.Feature{
		{Name: "trips", Type: pb.ValueType_INT64},
		{Name: "rating", Type: pb.ValueType_DOUBLE},
	}}
	store, err := fas.Open(cfg, fas.WithFeatureViews(driverStats))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	driver := func(id int64) *pb.EntityKey {
		return &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{{Val: &pb.Value_Int64Val{Int64Val: id}}}}
	}
	err = store.WriteBatch(ctx, driverStats, []fas.WriteRow{{
		EntityKey: driver(1001),
		Values: map[string]*pb.Value{
			"trips":  {Val: &pb.Value_Int64Val{Int64Val: 42}},
			"rating": {Val: &pb.Value_DoubleVal{DoubleVal: 4.9}},
		},
		EventTimestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}})
	if err != nil {
		var e *fas.Error
		if errors.As(err, &e) {
			fmt.Println("rows not written:", e.Rows)
		}
		return
	}

	rows, err := store.OnlineRead(ctx, []*pb.EntityKey{driver(1001), driver(1002)},
		[]string{"driver_stats", "driver_stats"}, []string{"rating", "trips"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, row := range rows {
		if row == nil {
			fmt.Printf("entity %d: no data\n", i)
			continue
		}
		for _, f := range row {
			fmt.Printf("entity %d: %s:%s = %v at %s\n", i, f.Reference.FeatureViewName, f.Reference.FeatureName,
				f.Value.GetVal(), f.Timestamp.AsTime().Format(time.RFC3339))
		}
	}
	// Output:
	// entity 0: driver_stats:rating = &{4.9} at 2024-01-01T00:00:00Z
	// entity 0: driver_stats:trips = &{42} at 2024-01-01T00:00:00Z
	// entity 1: no data
}

// A writer holding its data in its own structs encodes the request directly:
// no map or *pb.Value per value, and no allocation once the encoder's buffer
// has grown (keep one encoder per goroutine and Reset it).
func ExampleWriteBatchEncoder() {
	cfg := fas.Config{
		Project: "example_encoder",
		Hosts:   []fas.Host{{Name: fas.ExampleHost(), Port: fas.ExamplePort()}},
	}
	driverStats := fas.FeatureView{Name: "driver_stats", Features: []fas.Feature{
		{Name: "trips", Type: pb.ValueType_INT64},
		{Name: "rating", Type: pb.ValueType_DOUBLE},
	}}
	store, err := fas.Open(cfg, fas.WithFeatureViews(driverStats))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	type driver struct {
		id     int64
		trips  int64
		rating float64
	}
	drivers := []driver{{1001, 42, 4.9}, {1002, 7, 4.5}}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	enc := fas.NewWriteBatchEncoder(driverStats)
	for _, d := range drivers {
		enc.BeginRowInt64Key("driver_id", d.id, at, time.Time{})
		enc.Int64("trips", d.trips)
		enc.Double("rating", d.rating)
		enc.EndRow()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := store.WriteEncodedOutcome(ctx, enc)
	if err != nil {
		fmt.Println(err) // bad input, or an *fas.Error listing the rows not written
		return
	}
	fmt.Println("written:", out.Written)

	res, err := store.Read(ctx, driverStats, []*pb.EntityKey{{JoinKeys: []string{"driver_id"},
		EntityValues: []*pb.Value{{Val: &pb.Value_Int64Val{Int64Val: 1002}}}}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.FeatureNames, res.Rows[0].Values[0].GetInt64Val(), res.Rows[0].Values[1].GetDoubleVal())
	// Output:
	// written: 2
	// [trips rating] 7 4.5
}
