//go:build fas_debug_gc

// Proves the fas_debug_gc build really collects garbage around C calls, so
// the CI run with this tag is not a plain test run under another name.
package feastaerospike

import (
	"context"
	"runtime"
	"testing"
)

func TestDebugBuildCollectsAroundCalls(t *testing.T) {
	s := openTestStore(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := s.Read(context.Background(), viewA, driverKeys(1), nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if after.NumGC < before.NumGC+2 {
		t.Fatalf("%d collections during one read; the debug build should force one before and one after the C call", after.NumGC-before.NumGC)
	}
}
