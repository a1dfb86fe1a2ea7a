// Result codes injected by the test server (started with --control): a
// server error reaches the caller as ErrServer with its result code, per row
// for writes, and is never reported as "no data".
package feastaerospike

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func injectFault(t *testing.T, command string) {
	t.Helper()
	if err := server.Control(command); err != nil {
		// Only a server attached through FAS_TESTSERVER_ADDR may lack --control;
		// the one TestMain starts always has it.
		if os.Getenv("FAS_TESTSERVER_ADDR") != "" {
			t.Skipf("the attached test server does not take control commands (%v)", err)
		}
		t.Fatalf("control command %q: %v", command, err)
	}
	t.Cleanup(func() {
		if err := server.Control("testserver-clear-faults"); err != nil {
			t.Errorf("clear faults: %v", err)
		}
	})
}

func TestServerResultCodesAreErrorsNeverMisses(t *testing.T) {
	cfg := testConfig(t)
	cfg.NamespaceOverrides = map[string]string{"view_b": "test"}
	s, err := Open(cfg)
	must(t, err)
	defer s.Close()
	ctx := context.Background()
	rowA := WriteRow{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1000)}
	rowB := func(id int64, z float64) WriteRow {
		return WriteRow{EntityKey: driverKey(id), Values: map[string]*pb.Value{"z": f64(z)}, EventTimestamp: epochMs(2000)}
	}
	must(t, s.WriteBatch(ctx, viewA, []WriteRow{rowA}))
	must(t, s.WriteBatch(ctx, viewB, []WriteRow{rowB(1, 1.5)}))

	injectFault(t, "testserver-fail:code=13;namespace=test") // RECORD_TOO_BIG

	err = s.WriteBatch(ctx, viewB, []WriteRow{rowB(1, 9), rowB(2, 9)})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrServer) || e.ResultCode != 13 || len(e.Rows) != 2 {
		t.Fatalf("write into the failing namespace: %#v", err)
	}
	for i, r := range e.Rows {
		if r.Index != i || r.ResultCode != 13 || r.Status != StatusServer {
			t.Errorf("row failure %d: %+v", i, r)
		}
	}
	if err := s.WriteBatch(ctx, viewA, []WriteRow{rowA}); err != nil {
		t.Fatalf("the other namespace must be unaffected: %v", err)
	}
	if _, err := s.Read(ctx, viewB, driverKeys(1, 2), nil); !errors.Is(err, ErrServer) {
		t.Fatalf("read from the failing namespace: %v", err)
	}
	if _, err := s.OnlineRead(ctx, driverKeys(1), []string{"view_a", "view_b"}, []string{"x", "z"}); !errors.Is(err, ErrServer) {
		t.Fatalf("online read touching the failing namespace: %v", err)
	}

	must(t, server.Control("testserver-clear-faults"))
	res, err := s.Read(ctx, viewB, driverKeys(1, 2), nil)
	must(t, err)
	if !res.Rows[0].Found || res.Rows[0].Values[0].GetDoubleVal() != 1.5 || res.Rows[1].Found {
		t.Fatalf("after clearing: the failed writes must not have been applied: %+v", res.Rows)
	}
}
