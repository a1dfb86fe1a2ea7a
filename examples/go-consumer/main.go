// A Go program outside the feast-aerospike repository using the Go module:
// the shape of a feature server's go.mod + main.go (README "Use it in your
// project"). It writes one row through the store and reads it back.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func main() {
	host := flag.String("host", "127.0.0.1", "Aerospike host")
	port := flag.Int("port", 3000, "Aerospike port")
	flag.Parse()
	if err := run(*host, *port); err != nil {
		fmt.Fprintln(os.Stderr, "go-consumer:", err)
		os.Exit(1)
	}
}

func run(host string, port int) error {
	fmt.Printf("module %s, library %s, ABI %d\n", fas.Version, fas.LibraryVersion(), fas.ABIVersion())
	view := fas.FeatureView{Name: "driver_stats", Features: []fas.Feature{{Name: "trips", Type: pb.ValueType_INT64}}}
	store, err := fas.Open(fas.Config{Project: "go_consumer", Hosts: []fas.Host{{Name: host, Port: port}}},
		fas.WithFeatureViews(view))
	if err != nil {
		return err
	}
	defer store.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key := &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{{Val: &pb.Value_Int64Val{Int64Val: 7}}}}
	err = store.WriteBatch(ctx, view, []fas.WriteRow{{
		EntityKey:      key,
		Values:         map[string]*pb.Value{"trips": {Val: &pb.Value_Int64Val{Int64Val: 42}}},
		EventTimestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}})
	if err != nil {
		return err
	}
	rows, err := store.OnlineRead(ctx, []*pb.EntityKey{key}, []string{"driver_stats"}, []string{"trips"})
	if err != nil {
		return err
	}
	if len(rows) != 1 || len(rows[0]) != 1 || rows[0][0].Value.GetInt64Val() != 42 {
		return fmt.Errorf("read back %v, want trips=42", rows)
	}
	fmt.Println("driver 7: trips =", rows[0][0].Value.GetInt64Val())
	return nil
}
