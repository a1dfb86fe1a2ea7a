// Event-time-safe writes and the store's metrics through the Go API.
package feastaerospike

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func TestEventTimeSafeWritesSkipOlderRows(t *testing.T) {
	cfg := testConfig(t)
	cfg.EventTimeSafeWrites = true
	s, err := Open(cfg)
	must(t, err)
	defer s.Close()
	ctx := context.Background()
	row := func(id, x, ms int64) WriteRow {
		return WriteRow{EntityKey: driverKey(id), Values: map[string]*pb.Value{"x": i64(x)}, EventTimestamp: epochMs(ms)}
	}
	out, err := s.WriteBatchOutcome(ctx, viewA, []WriteRow{row(1, 10, 5000), row(2, 20, 5000)})
	must(t, err)
	if out.Written != 2 || len(out.SkippedStale) != 0 {
		t.Fatalf("first write: %+v", out)
	}
	// Row 0 is older than what is stored (skipped), row 1 equal (written),
	// row 2 a new entity (written).
	out, err = s.WriteBatchOutcome(ctx, viewA, []WriteRow{row(1, 11, 4000), row(2, 21, 5000), row(3, 30, 1)})
	must(t, err)
	if out.Written != 2 || !reflect.DeepEqual(out.SkippedStale, []int{0}) {
		t.Fatalf("second write: %+v", out)
	}
	// WriteBatch treats a skipped row as success too.
	must(t, s.WriteBatch(ctx, viewA, []WriteRow{row(1, 12, 4500)}))
	res, err := s.Read(ctx, viewA, driverKeys(1, 2), []string{"x"})
	must(t, err)
	if res.Rows[0].Values[0].GetInt64Val() != 10 || res.Rows[1].Values[0].GetInt64Val() != 21 {
		t.Fatalf("stored: %+v", res.Rows)
	}
	m, err := s.Metrics()
	must(t, err)
	if m.GetRowsWritten() != 4 || m.GetRowsSkippedStale() != 2 {
		t.Fatalf("metrics rows: written %d skipped %d", m.GetRowsWritten(), m.GetRowsSkippedStale())
	}
}

func TestMetricsCountCallsAndInjectedFailures(t *testing.T) {
	cfg := testConfig(t)
	cfg.NamespaceOverrides = map[string]string{"view_b": "test"}
	s, err := Open(cfg)
	must(t, err)
	ctx := context.Background()
	rowB := WriteRow{EntityKey: driverKey(1), Values: map[string]*pb.Value{"z": f64(1)}, EventTimestamp: epochMs(1)}
	must(t, s.WriteBatch(ctx, viewB, []WriteRow{rowB}))
	injectFault(t, "testserver-fail:code=13;namespace=test")
	if err := s.WriteBatch(ctx, viewB, []WriteRow{rowB, rowB}); !errors.Is(err, ErrServer) {
		t.Fatalf("write: %v", err)
	}
	if _, err := s.Read(ctx, viewB, driverKeys(1), nil); !errors.Is(err, ErrServer) {
		t.Fatalf("read: %v", err)
	}
	must(t, server.Control("testserver-clear-faults"))
	if _, err := s.Read(ctx, viewB, driverKeys(1, 2, 3), nil); err != nil {
		t.Fatal(err)
	}
	m, err := s.Metrics()
	must(t, err)
	ops := map[string]*pb.OperationMetrics{}
	for _, o := range m.GetOperations() {
		ops[o.GetOperation()] = o
	}
	w, r := ops["write_batch"], ops["read"]
	if w.GetCalls() != 2 || w.GetItems() != 3 || len(w.GetErrors()) != 0 || w.GetLatencyCount() != 2 {
		t.Errorf("write_batch: %v", w)
	}
	if f := m.GetRowFailures(); len(f) != 1 || f[0].GetResultCode() != 13 || f[0].GetCount() != 2 {
		t.Errorf("row failures: %v", f)
	}
	if r.GetCalls() != 2 || r.GetItems() != 4 || len(r.GetErrors()) != 1 ||
		r.GetErrors()[0].GetName() != "server" || r.GetErrors()[0].GetStatus() != int32(StatusServer) {
		t.Errorf("read: %v", r)
	}
	if m.GetReadFound() != 1 || m.GetReadNotFound() != 2 {
		t.Errorf("read rows: %d found, %d not found", m.GetReadFound(), m.GetReadNotFound())
	}
	if len(r.GetLatencyBuckets()) != len(m.GetLatencyBoundsUs()) || r.GetLatencyBuckets()[len(r.GetLatencyBuckets())-1] > r.GetLatencyCount() {
		t.Errorf("buckets %v bounds %v", r.GetLatencyBuckets(), m.GetLatencyBoundsUs())
	}
	must(t, s.Close())
	if _, err := s.Metrics(); !errors.Is(err, ErrClosed) {
		t.Errorf("metrics after close: %v", err)
	}
}
