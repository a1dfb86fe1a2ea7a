// Integration tests against the test server: round trips of every common
// value kind, misses, multi-view OnlineRead, the prewriting hook, Update,
// Teardown, bad input and bad configuration.
package feastaerospike

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/proto"
)

var kindsView = FeatureView{Name: "kinds", Features: []Feature{
	{"i64", pb.ValueType_INT64},
	{"i32", pb.ValueType_INT32},
	{"f64", pb.ValueType_DOUBLE},
	{"f32", pb.ValueType_FLOAT},
	{"s", pb.ValueType_STRING},
	{"b", pb.ValueType_BYTES},
	{"ok", pb.ValueType_BOOL},
	{"i64s", pb.ValueType_INT64_LIST},
	{"ss", pb.ValueType_STRING_LIST},
	{"f64s", pb.ValueType_DOUBLE_LIST},
	{"oks", pb.ValueType_BOOL_LIST},
}}

func kindsValues(id int64) map[string]*pb.Value {
	return map[string]*pb.Value{
		"i64":  i64(id * 1_000_000_007),
		"i32":  {Val: &pb.Value_Int32Val{Int32Val: int32(-id)}},
		"f64":  f64(float64(id) + 0.25),
		"f32":  {Val: &pb.Value_FloatVal{FloatVal: float32(id) + 0.5}},
		"s":    str("driver-é-" + strings.Repeat("x", int(id))),
		"b":    {Val: &pb.Value_BytesVal{BytesVal: []byte{0, byte(id), 0xff}}},
		"ok":   {Val: &pb.Value_BoolVal{BoolVal: id%2 == 0}},
		"i64s": {Val: &pb.Value_Int64ListVal{Int64ListVal: &pb.Int64List{Val: []int64{id, -id, 1 << 40}}}},
		"ss":   {Val: &pb.Value_StringListVal{StringListVal: &pb.StringList{Val: []string{"a", "", "ü"}}}},
		"f64s": {Val: &pb.Value_DoubleListVal{DoubleListVal: &pb.DoubleList{Val: []float64{1.5, -2}}}},
		"oks":  {Val: &pb.Value_BoolListVal{BoolListVal: &pb.BoolList{Val: []bool{true, false}}}},
	}
}

func writeKinds(t *testing.T, s *Store, ids ...int64) {
	t.Helper()
	rows := make([]WriteRow, len(ids))
	for i, id := range ids {
		rows[i] = WriteRow{
			EntityKey:        driverKey(id),
			Values:           kindsValues(id),
			EventTimestamp:   epochMs(1_704_067_200_000 + id*1000),
			CreatedTimestamp: epochMs(1_704_067_201_000 + id*1000),
		}
	}
	if err := s.WriteBatch(context.Background(), kindsView, rows); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestRoundTripEveryCommonKind(t *testing.T) {
	s := openTestStore(t)
	writeKinds(t, s, 1, 2, 3)
	ctx := context.Background()

	res, err := s.Read(ctx, kindsView, driverKeys(3, 99, 1), nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(res.FeatureNames) != len(kindsView.Features) || len(res.Rows) != 3 {
		t.Fatalf("shape: %d features, %d rows", len(res.FeatureNames), len(res.Rows))
	}
	if res.Rows[1].Found || res.Rows[1].Values != nil {
		t.Fatalf("entity 99 was never written: %+v", res.Rows[1])
	}
	for _, c := range []struct {
		row int
		id  int64
	}{{0, 3}, {2, 1}} {
		r := res.Rows[c.row]
		if !r.Found {
			t.Fatalf("entity %d not found", c.id)
		}
		if want := epochMs(1_704_067_200_000 + c.id*1000); !r.EventTimestamp.Equal(want) {
			t.Errorf("entity %d event timestamp %v, want %v", c.id, r.EventTimestamp, want)
		}
		want := kindsValues(c.id)
		for i, name := range res.FeatureNames {
			if !proto.Equal(r.Values[i], want[name]) {
				t.Errorf("entity %d feature %s = %v, want %v", c.id, name, r.Values[i], want[name])
			}
		}
	}

	// A projection returns the requested features in the requested order.
	proj, err := s.Read(ctx, kindsView, driverKeys(2), []string{"s", "i64"})
	if err != nil {
		t.Fatalf("projected read: %v", err)
	}
	if len(proj.FeatureNames) != 2 || proj.FeatureNames[0] != "s" || proj.FeatureNames[1] != "i64" {
		t.Fatalf("projected names %v", proj.FeatureNames)
	}
	if !proto.Equal(proj.Rows[0].Values[1], kindsValues(2)["i64"]) {
		t.Fatalf("projected i64 = %v", proj.Rows[0].Values[1])
	}
}

var (
	viewA = FeatureView{Name: "view_a", Features: []Feature{{"x", pb.ValueType_INT64}, {"y", pb.ValueType_STRING}}}
	viewB = FeatureView{Name: "view_b", Features: []Feature{{"z", pb.ValueType_DOUBLE}}}
)

func TestOnlineReadAcrossTwoViews(t *testing.T) {
	for _, registered := range []bool{true, false} {
		name := "unregistered views (types inferred)"
		if registered {
			name = "registered views"
		}
		t.Run(name, func(t *testing.T) {
			var opts []Option
			if registered {
				opts = append(opts, WithFeatureViews(viewA, viewB))
			}
			s := openTestStore(t, opts...)
			ctx := context.Background()
			// Entity 1 has both views, entity 2 only view B (and no y in A is
			// impossible here), entity 3 nothing.
			must(t, s.WriteBatch(ctx, viewA, []WriteRow{{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(10), "y": str("ten")}, EventTimestamp: epochMs(5000)}}))
			must(t, s.WriteBatch(ctx, viewB, []WriteRow{
				{EntityKey: driverKey(1), Values: map[string]*pb.Value{"z": f64(1.5)}, EventTimestamp: epochMs(6000)},
				{EntityKey: driverKey(2), Values: map[string]*pb.Value{"z": f64(2.5)}, EventTimestamp: epochMs(7000)},
			}))

			out, err := s.OnlineRead(ctx, driverKeys(1, 2, 3), []string{"view_b", "view_a", "view_a"}, []string{"z", "y", "x"})
			if err != nil {
				t.Fatalf("online read: %v", err)
			}
			if len(out) != 3 || out[2] != nil {
				t.Fatalf("want 3 rows with a nil third, got %d rows, third %v", len(out), out[len(out)-1])
			}
			e1 := out[0]
			if e1[0].Value.GetDoubleVal() != 1.5 || e1[0].Timestamp.AsTime().UnixMilli() != 6000 {
				t.Errorf("1 view_b.z = %v @ %v", e1[0].Value, e1[0].Timestamp.AsTime())
			}
			if e1[1].Value.GetStringVal() != "ten" || e1[2].Value.GetInt64Val() != 10 || e1[2].Timestamp.AsTime().UnixMilli() != 5000 {
				t.Errorf("1 view_a = %v, %v @ %v", e1[1].Value, e1[2].Value, e1[2].Timestamp.AsTime())
			}
			if e1[1].Reference != (FeatureReference{"view_a", "y"}) {
				t.Errorf("reference %v", e1[1].Reference)
			}
			e2 := out[1]
			if e2[0].Value.GetDoubleVal() != 2.5 {
				t.Errorf("2 view_b.z = %v", e2[0].Value)
			}
			for _, fd := range e2[1:] {
				if _, null := fd.Value.GetVal().(*pb.Value_NullVal); !null || fd.Timestamp.GetSeconds() != 0 {
					t.Errorf("2 %v: want NullVal at zero time, got %v @ %v", fd.Reference, fd.Value, fd.Timestamp)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPrewritingHookTransformsRows(t *testing.T) {
	var seen []int
	hook := func(ctx context.Context, view FeatureView, rows []WriteRow) ([]WriteRow, error) {
		seen = append(seen, len(rows))
		out := make([]WriteRow, 0, len(rows))
		for _, r := range rows {
			if r.EntityKey.GetEntityValues()[0].GetInt64Val() == 2 {
				continue // dropped by the hook: never written
			}
			masked := map[string]*pb.Value{}
			for k, v := range r.Values {
				masked[k] = v
			}
			masked["y"] = str("***")
			r.Values = masked
			out = append(out, r)
		}
		return out, nil
	}
	s := openTestStore(t, WithPrewritingHook(hook))
	ctx := context.Background()
	rows := []WriteRow{
		{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1), "y": str("secret")}, EventTimestamp: epochMs(1000)},
		{EntityKey: driverKey(2), Values: map[string]*pb.Value{"x": i64(2), "y": str("secret")}, EventTimestamp: epochMs(1000)},
	}
	must(t, s.WriteBatch(ctx, viewA, rows))
	if len(seen) != 1 || seen[0] != 2 {
		t.Fatalf("hook calls %v", seen)
	}
	if rows[0].Values["y"].GetStringVal() != "secret" {
		t.Fatal("the caller's rows were changed")
	}
	res, err := s.Read(ctx, viewA, driverKeys(1, 2), nil)
	must(t, err)
	if !res.Rows[0].Found || res.Rows[0].Values[1].GetStringVal() != "***" {
		t.Fatalf("entity 1: %+v", res.Rows[0])
	}
	if res.Rows[1].Found {
		t.Fatal("a row the hook dropped was written")
	}
}

func TestUpdateRemovesDroppedViewAndTeardownTruncates(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	must(t, s.WriteBatch(ctx, viewA, []WriteRow{{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1000)}}))
	must(t, s.WriteBatch(ctx, viewB, []WriteRow{{EntityKey: driverKey(1), Values: map[string]*pb.Value{"z": f64(1)}, EventTimestamp: epochMs(1000)}}))

	jobs, err := s.Update(ctx, []FeatureView{viewA}, []FeatureView{viewB}, true)
	must(t, err)
	if len(jobs) != 1 || !jobs[0].Completed || len(jobs[0].RemovedViews) != 1 || jobs[0].RemovedViews[0] != "view_a" {
		t.Fatalf("jobs %+v", jobs)
	}
	res, err := s.ReadViews(ctx, driverKeys(1), ViewRead{View: viewA}, ViewRead{View: viewB})
	must(t, err)
	if res[0].Rows[0].Found || !res[1].Rows[0].Found {
		t.Fatalf("after update: view_a found=%v view_b found=%v", res[0].Rows[0].Found, res[1].Rows[0].Found)
	}

	sets, err := s.Teardown(ctx, []FeatureView{viewA, viewB})
	must(t, err)
	if len(sets) == 0 {
		t.Fatal("teardown truncated nothing")
	}
	// Truncation is asynchronous on a real server; wait briefly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := s.Read(ctx, viewB, driverKeys(1), nil)
		must(t, err)
		if !res.Rows[0].Found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("record still there 5 s after teardown")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBadInputGivesErrors(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	doubleKey := &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{f64(1.5)}}
	if _, err := s.Read(ctx, viewA, []*pb.EntityKey{doubleKey}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("read with a double entity value: %v", err)
	}
	err := s.WriteBatch(ctx, viewA, []WriteRow{
		{EntityKey: driverKey(1), Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1)},
		{EntityKey: doubleKey, Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: epochMs(1)},
	})
	// The bad row is reported on its own; the good one is written.
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInvalidArgument) || len(e.Rows) != 1 || e.Rows[0].Index != 1 || e.Rows[0].InDoubt {
		t.Fatalf("mixed batch: %#v", err)
	}
	if res, err := s.Read(ctx, viewA, driverKeys(1), nil); err != nil || !res.Rows[0].Found {
		t.Fatalf("the good row of the mixed batch: %v %+v", err, res)
	}
	mismatched := &pb.EntityKey{JoinKeys: []string{"a", "b"}, EntityValues: []*pb.Value{i64(1)}}
	if _, err := s.Read(ctx, viewA, []*pb.EntityKey{mismatched}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("read with 2 join keys and 1 value: %v", err)
	}
	if _, err := s.Read(ctx, FeatureView{}, driverKeys(1), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("read without a view name: %v", err)
	}
	if _, err := s.OnlineRead(ctx, driverKeys(1), []string{"view_a"}, []string{"x", "y"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("online read with unequal arrays: %v", err)
	}
	invalidUTF8 := &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{str("\xff")}}
	if _, err := s.Read(ctx, viewA, []*pb.EntityKey{invalidUTF8}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("read with invalid UTF-8: %v", err)
	}
	// The store is still usable after all of that.
	if _, err := s.Read(ctx, viewA, driverKeys(1), nil); err != nil {
		t.Fatalf("read after bad input: %v", err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	if _, err := OpenJSON([]byte(`{"project": "p", "namspace": "feast"}`)); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "namspace") {
		t.Errorf("misspelt key: %v", err)
	}
	if _, err := OpenJSON([]byte(`not json`)); !errors.Is(err, ErrConfig) {
		t.Errorf("not JSON: %v", err)
	}
	cfg := testConfig(t)
	cfg.AuthMode = "kerberos"
	cfg.Password = "hunter2"
	cfg.User = "u"
	_, err := Open(cfg)
	if !errors.Is(err, ErrConfig) {
		t.Errorf("bad auth_mode: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestOpenUnreachableClusterIsConnectionError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := testConfig(t)
	cfg.Hosts = []Host{{Name: "127.0.0.1", Port: port}}
	cfg.SocketTimeoutMs = Int(500)
	start := time.Now()
	_, err = Open(cfg)
	if !errors.Is(err, ErrConnection) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("open on a closed port: %v", err)
	}
	t.Logf("open on a closed port failed in %v: %v", time.Since(start), err)
}

func TestExpiredContextDoesNotCallTheLibrary(t *testing.T) {
	s := openTestStore(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	_, err := s.Read(ctx, viewA, driverKeys(1), nil)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expired deadline: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if err := s.WriteBatch(cctx, viewA, []WriteRow{{EntityKey: driverKey(1), EventTimestamp: epochMs(1)}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}
