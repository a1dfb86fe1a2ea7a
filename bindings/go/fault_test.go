// Slow and lost clusters, through a TCP proxy in front of the test server:
// context deadlines bound calls, and a failure is an error, never a miss.
package feastaerospike

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/internal/faultproxy"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func openThroughProxy(t *testing.T, timeoutMs int) (*Store, *faultproxy.Proxy) {
	t.Helper()
	cfg := testConfig(t)
	p, err := faultproxy.Start(server.Addr())
	must(t, err)
	t.Cleanup(p.Close)
	cfg.Hosts = []Host{{Name: "127.0.0.1", Port: p.Port()}}
	cfg.WriteTimeoutMs, cfg.BatchTotalTimeoutMs = Int(timeoutMs), Int(timeoutMs)
	cfg.MaxRetries = Int(0)
	s, err := Open(cfg)
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, p
}

func TestContextDeadlineBoundsTheCall(t *testing.T) {
	// Configured timeouts far longer than the context deadline below.
	s, p := openThroughProxy(t, 5000)
	must(t, s.WriteBatch(context.Background(), viewA, []WriteRow{{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1)}}))

	p.SetDelay(600 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Read(ctx, viewA, driverKeys(1), nil)
	elapsed := time.Since(start)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow server, 80 ms deadline: %v after %v", err, elapsed)
	}
	if elapsed > 450*time.Millisecond {
		t.Fatalf("the 80 ms deadline did not bound the call: it took %v", elapsed)
	}

	// Without a deadline the configured (5 s) timeout applies and the slow
	// answer arrives.
	p.SetDelay(150 * time.Millisecond)
	res, err := s.Read(context.Background(), viewA, driverKeys(1), nil)
	if err != nil || !res.Rows[0].Found {
		t.Fatalf("slow server, no deadline: %v %+v", err, res)
	}
}

func TestLostClusterIsAnErrorNeverAMiss(t *testing.T) {
	s, p := openThroughProxy(t, 500)
	ctx := context.Background()
	row := WriteRow{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1)}
	must(t, s.WriteBatch(ctx, viewA, []WriteRow{row}))

	p.Cut(true)
	for i := 0; i < 3; i++ {
		res, err := s.Read(ctx, viewA, driverKeys(1, 2), nil)
		if err == nil {
			t.Fatalf("read with the cluster gone succeeded: %+v", res)
		}
		var e *Error
		if !errors.As(err, &e) || (e.Status != StatusConnection && e.Status != StatusTimeout) {
			t.Fatalf("read with the cluster gone: %v", err)
		}
		err = s.WriteBatch(ctx, viewA, []WriteRow{row})
		if !errors.As(err, &e) || (e.Status != StatusConnection && e.Status != StatusTimeout) {
			t.Fatalf("write with the cluster gone: %v", err)
		}
	}

	p.Cut(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := s.Read(ctx, viewA, driverKeys(1), nil)
		if err == nil {
			if !res.Rows[0].Found {
				t.Fatal("after recovery the written row is missing")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 15 s after the cluster came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
