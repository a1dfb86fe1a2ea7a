// Many goroutines on one Store, Close racing in-flight calls, use after
// Close, and the finalizer safety net. Run with -race, and with GOGC=1 and
// -tags fas_debug_gc (see scripts/ci/go.sh).
package feastaerospike

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func TestManyGoroutinesReadAndWrite(t *testing.T) {
	s := openTestStore(t, WithFeatureViews(viewA))
	ctx := context.Background()
	const workers, rounds = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				id := int64(w*1000 + r)
				want := fmt.Sprintf("w%d-r%d", w, r)
				err := s.WriteBatch(ctx, viewA, []WriteRow{{EntityKey: driverKey(id), Values: map[string]*pb.Value{"x": i64(id), "y": str(want)}, EventTimestamp: epochMs(id)}})
				if err != nil {
					errs <- err
					return
				}
				out, err := s.OnlineRead(ctx, driverKeys(id, id+1_000_000), []string{"view_a", "view_a"}, []string{"y", "x"})
				if err != nil {
					errs <- err
					return
				}
				if out[0] == nil || out[0][0].Value.GetStringVal() != want || out[0][1].Value.GetInt64Val() != id || out[1] != nil {
					errs <- fmt.Errorf("worker %d round %d read back %v", w, r, out)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Close while calls run: every call either succeeds or fails with ErrClosed,
// nothing crashes, Close waits for the running calls, and later calls fail
// with ErrClosed.
func TestCloseRacesInFlightCalls(t *testing.T) {
	s, err := Open(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must(t, s.WriteBatch(ctx, viewA, []WriteRow{{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1)}}))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, closed := 0, 0
	var unexpected []error
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := s.Read(ctx, viewA, driverKeys(1, 2, 3), nil)
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrClosed):
					closed++
				default:
					unexpected = append(unexpected, err)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	var closers sync.WaitGroup
	for c := 0; c < 3; c++ {
		closers.Add(1)
		go func() {
			defer closers.Done()
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
	}
	closers.Wait()
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if len(unexpected) > 0 {
		t.Fatalf("unexpected errors: %v", unexpected)
	}
	if ok == 0 || closed == 0 {
		t.Fatalf("ok=%d closed=%d: the race was not exercised", ok, closed)
	}
	if _, err := s.OnlineRead(ctx, driverKeys(1), []string{"view_a"}, []string{"x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

// A Store dropped without Close is freed by its finalizer.
func TestFinalizerFreesAForgottenStore(t *testing.T) {
	cfg := testConfig(t)
	before := finalizedStores.Load()
	func() {
		s, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(context.Background(), viewA, driverKeys(1), nil); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for finalizedStores.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("the finalizer did not run")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
