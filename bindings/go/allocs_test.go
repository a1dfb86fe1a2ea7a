// Allocation bounds of a read: at most one allocation per returned value,
// measured on the whole call (request encoding, cgo, decoding, shaping) against
// the test server, and on the decoder alone.
package feastaerospike

import (
	"context"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// readAllocs is testing.AllocsPerRun of one Read of view for ids 0..99 (all
// written first), with the entity keys built outside the measured call.
func readAllocs(t *testing.T, view FeatureView) (allocs float64, values int) {
	t.Helper()
	s := openTestStore(t, WithFeatureViews(view))
	ctx := context.Background()
	if err := s.WriteBatch(ctx, view, benchRows(view, 0, 100)); err != nil {
		t.Fatal(err)
	}
	keys := make([]*pb.EntityKey, 100)
	for i := range keys {
		keys[i] = driverKey(int64(i))
	}
	var res ReadResult
	read := func() {
		var err error
		if res, err = s.Read(ctx, view, keys, nil); err != nil {
			t.Fatal(err)
		}
	}
	read()
	for _, r := range res.Rows {
		if !r.Found {
			t.Fatal("a written row was not found")
		}
		values += len(r.Values)
	}
	return testing.AllocsPerRun(20, read), values
}

func TestReadAllocatesAtMostOncePerValue(t *testing.T) {
	for _, view := range []FeatureView{narrowView, wideView} {
		t.Run(view.Name, func(t *testing.T) {
			allocs, values := readAllocs(t, view)
			t.Logf("%s batch 100: %.0f allocations per call for %d values (%.3f per value)",
				view.Name, allocs, values, allocs/float64(values))
			if values != 100*len(view.Features) {
				t.Fatalf("%d values, want %d", values, 100*len(view.Features))
			}
			if allocs > float64(values) {
				t.Errorf("%.0f allocations per call > %d values", allocs, values)
			}
		})
	}
}

// The decoder alone, on the canned response of overhead_bench_test.go: its
// share of the bound, without the library or a server.
func TestDecoderAllocations(t *testing.T) {
	for _, view := range []FeatureView{narrowView, wideView} {
		canned := cannedRead(view, 100)
		values := 100 * len(view.Features)
		allocs := testing.AllocsPerRun(20, func() {
			var resp pb.ReadResponse
			if err := unmarshalReadResponse(canned, &resp, nil); err != nil {
				t.Fatal(err)
			}
			_ = readResultFromProto(resp.Views[0])
		})
		t.Logf("%s batch 100: decoder %.0f allocations for %d values", view.Name, allocs, values)
		// One allocation per STRING value (its copy) and per feature name;
		// rows, timestamps, values and wrappers come from slabs, refilled a
		// few dozen times per call (blocks of up to 512 or 4096 elements).
		strings := 0
		if view.Name == narrowView.Name {
			strings = 2
		}
		if bound := float64(100*strings + len(view.Features) + 64 + values/128); allocs > bound {
			t.Errorf("%s: decoder made %.0f allocations, bound %.0f", view.Name, allocs, bound)
		}
	}
}
