package fasprom

import (
	"errors"
	"strings"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type fixed struct {
	s   *pb.MetricsSnapshot
	err error
}

func (f fixed) Metrics() (*pb.MetricsSnapshot, error) { return f.s, f.err }

func TestCollectorExportsTheSnapshot(t *testing.T) {
	snap := &pb.MetricsSnapshot{
		LatencyBoundsUs: []uint64{50, 100, 250},
		Operations: []*pb.OperationMetrics{{
			Operation: "read", Calls: 4, Items: 10,
			Errors:         []*pb.StatusCount{{Status: 5, Name: "timeout", Count: 1}},
			LatencyBuckets: []uint64{1, 2, 3}, LatencyCount: 4, LatencySumUs: 500_000,
		}},
		RowsWritten: 7, RowsSkippedStale: 2,
		RowFailures: []*pb.ResultCodeCount{{ResultCode: 13, Count: 1}},
		ReadFound:   6, ReadNotFound: 2,
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(fixed{s: snap}, prometheus.Labels{"store": "drivers"}))
	want := `
# HELP feast_aerospike_operation_duration_seconds Store operation latency.
# TYPE feast_aerospike_operation_duration_seconds histogram
feast_aerospike_operation_duration_seconds_bucket{operation="read",store="drivers",le="5e-05"} 1
feast_aerospike_operation_duration_seconds_bucket{operation="read",store="drivers",le="0.0001"} 2
feast_aerospike_operation_duration_seconds_bucket{operation="read",store="drivers",le="0.00025"} 3
feast_aerospike_operation_duration_seconds_bucket{operation="read",store="drivers",le="+Inf"} 4
feast_aerospike_operation_duration_seconds_sum{operation="read",store="drivers"} 0.5
feast_aerospike_operation_duration_seconds_count{operation="read",store="drivers"} 4
# HELP feast_aerospike_operation_errors_total Store operations that returned an error, by status.
# TYPE feast_aerospike_operation_errors_total counter
feast_aerospike_operation_errors_total{operation="read",status="timeout",store="drivers"} 1
# HELP feast_aerospike_write_rows_total Rows of successful write_batch calls by outcome.
# TYPE feast_aerospike_write_rows_total counter
feast_aerospike_write_rows_total{outcome="failed",store="drivers"} 1
feast_aerospike_write_rows_total{outcome="skipped_stale",store="drivers"} 2
feast_aerospike_write_rows_total{outcome="written",store="drivers"} 7
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"feast_aerospike_operation_duration_seconds", "feast_aerospike_operation_errors_total",
		"feast_aerospike_write_rows_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(NewCollector(fixed{s: snap})); n != 11 {
		t.Errorf("want 11 series, got %d", n)
	}
}

func TestCollectorReportsAnUnreadableStore(t *testing.T) {
	c := NewCollector(fixed{err: errors.New("closed")})
	if got := testutil.ToFloat64(c); got != 1 {
		t.Fatalf("scrape error gauge = %v", got)
	}
}
