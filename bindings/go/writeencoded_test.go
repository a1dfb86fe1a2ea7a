// WriteEncoded end to end against the test server: rows written through the
// encoder read back as WriteBatch's, failures and the prewriting hook behave
// as for WriteBatch, and a call allocates a few objects, not per value.
package feastaerospike

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

// End to end against the test server: rows written through the encoder
// read back as the same rows written by WriteBatch; the outcome and per-row
// failures come back as for WriteBatch.
func TestWriteEncodedRoundTrip(t *testing.T) {
	s := openTestStore(t, WithFeatureViews(kindsView))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	writeKinds(t, s, 1, 2) // the struct path
	enc := NewWriteBatchEncoder(kindsView)
	for _, id := range []int64{11, 12} {
		vals := kindsValues(id - 10)
		enc.BeginRowInt64Key("driver_id", id, epochMs(1_704_067_200_000+(id-10)*1000), epochMs(1_704_067_201_000+(id-10)*1000))
		enc.Int64("i64", vals["i64"].GetInt64Val())
		enc.Int32("i32", vals["i32"].GetInt32Val())
		enc.Double("f64", vals["f64"].GetDoubleVal())
		enc.Float("f32", vals["f32"].GetFloatVal())
		enc.String("s", vals["s"].GetStringVal())
		enc.Bytes("b", vals["b"].GetBytesVal())
		enc.Bool("ok", vals["ok"].GetBoolVal())
		enc.Int64List("i64s", vals["i64s"].GetInt64ListVal().GetVal())
		enc.StringList("ss", vals["ss"].GetStringListVal().GetVal())
		enc.DoubleList("f64s", vals["f64s"].GetDoubleListVal().GetVal())
		enc.Value("oks", vals["oks"])
		enc.EndRow()
	}
	out, err := s.WriteEncodedOutcome(ctx, enc)
	if err != nil || out.Written != 2 {
		t.Fatalf("WriteEncodedOutcome: %+v, %v", out, err)
	}
	byStruct, err := s.Read(ctx, kindsView, driverKeys(1, 2), nil)
	must(t, err)
	byEncoder, err := s.Read(ctx, kindsView, driverKeys(11, 12), nil)
	must(t, err)
	for i := range byStruct.Rows {
		a, b := byStruct.Rows[i], byEncoder.Rows[i]
		if !a.Found || !b.Found || !a.EventTimestamp.Equal(b.EventTimestamp) || len(a.Values) != len(b.Values) {
			t.Fatalf("row %d: struct %+v, encoder %+v", i, a, b)
		}
		for j := range a.Values {
			if !proto.Equal(a.Values[j], b.Values[j]) {
				t.Fatalf("row %d %s: struct %v, encoder %v", i, byStruct.FeatureNames[j], a.Values[j], b.Values[j])
			}
		}
	}
	// The encoder is unchanged by the write: writing it again works (and
	// without a deadline, the other request form).
	must(t, s.WriteEncoded(context.Background(), enc))
	// An empty encoder writes nothing; a broken one writes nothing and says why.
	enc.Reset(kindsView)
	must(t, s.WriteEncoded(ctx, enc))
	if err := s.WriteEncoded(ctx, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil encoder: %v", err)
	}
	enc.BeginRowInt64Key("driver_id", 13, epochMs(1), time.Time{})
	if err := s.WriteEncoded(ctx, enc); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("open row: %v", err)
	}
	res, err := s.Read(ctx, kindsView, driverKeys(13), nil)
	must(t, err)
	if res.Rows[0].Found {
		t.Fatal("a row of a refused encoder was written")
	}
}

// Rows the server refuses come back as WriteBatch reports them.
func TestWriteEncodedReportsRowFailures(t *testing.T) {
	cfg := testConfig(t)
	cfg.NamespaceOverrides = map[string]string{"view_a": "test"}
	s, err := Open(cfg)
	must(t, err)
	defer s.Close()
	ctx := context.Background()
	enc := NewWriteBatchEncoder(viewA)
	for id := int64(1); id <= 3; id++ {
		enc.BeginRowInt64Key("driver_id", id, epochMs(1000), time.Time{})
		enc.Int64("x", id)
		enc.EndRow()
	}
	injectFault(t, "testserver-fail:code=13;namespace=test")
	err = s.WriteEncoded(ctx, enc)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrServer) || e.ResultCode != 13 || len(e.Rows) != 3 {
		t.Fatalf("injected failure: %#v", err)
	}
	for i, r := range e.Rows {
		if r.Index != i || r.ResultCode != 13 || r.Status != StatusServer {
			t.Errorf("row failure %d: %+v", i, r)
		}
	}
	// A context that already ended sends nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.WriteEncoded(cctx, enc); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

// With a prewriting hook, the encoder's rows go through the hook too.
func TestWriteEncodedRunsThePrewritingHook(t *testing.T) {
	var seen []int64
	hook := func(ctx context.Context, view FeatureView, rows []WriteRow) ([]WriteRow, error) {
		var out []WriteRow
		for _, r := range rows {
			id := r.EntityKey.EntityValues[0].GetInt64Val()
			seen = append(seen, id)
			if id == 2 {
				continue // dropped
			}
			r.Values["x"] = i64(-r.Values["x"].GetInt64Val()) // masked
			out = append(out, r)
		}
		return out, nil
	}
	s := openTestStore(t, WithPrewritingHook(hook))
	ctx := context.Background()
	enc := NewWriteBatchEncoder(viewA)
	for id := int64(1); id <= 3; id++ {
		enc.BeginRowInt64Key("driver_id", id, epochMs(1000), epochMs(2000))
		enc.Int64("x", id*10)
		enc.EndRow()
	}
	out, err := s.WriteEncodedOutcome(ctx, enc)
	if err != nil || out.Written != 2 || len(seen) != 3 {
		t.Fatalf("outcome %+v, err %v, hook saw %v", out, err, seen)
	}
	res, err := s.Read(ctx, viewA, driverKeys(1, 2, 3), []string{"x"})
	must(t, err)
	if !res.Rows[0].Found || res.Rows[0].Values[0].GetInt64Val() != -10 || res.Rows[1].Found ||
		res.Rows[2].Values[0].GetInt64Val() != -30 || !res.Rows[2].EventTimestamp.Equal(epochMs(1000)) {
		t.Fatalf("stored: %+v", res.Rows)
	}
}

// A whole WriteEncoded call (encoding, cgo, response) allocates a few
// objects per call, not per row or value.
func TestWriteEncodedAllocationsPerCall(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	data := newBenchData(100)
	for _, view := range []FeatureView{narrowView, wideView} {
		enc := new(WriteBatchEncoder)
		write := func() {
			encodeBench(enc, view, data, 0, 100)
			if err := s.WriteEncoded(ctx, enc); err != nil {
				t.Fatal(err)
			}
		}
		write()
		allocs := testing.AllocsPerRun(10, write)
		t.Logf("%s: WriteEncoded of 100 rows x %d values: %.0f allocations per call", view.Name, len(view.Features), allocs)
		if allocs > 16 {
			t.Errorf("%s: %.0f allocations per call, bound 16", view.Name, allocs)
		}
	}
}
