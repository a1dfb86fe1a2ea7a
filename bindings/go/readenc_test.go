// The read request encoder (readenc.go) against the struct form it
// replaced: pb.ReadRequest built with FeatureView.toProto and encoded by
// proto.Marshal. Unit tests: no test server.
package feastaerospike

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/proto"
)

// readRequestProto is the request ReadViews built before the encoder.
func readRequestProto(entityKeys []*pb.EntityKey, views []ViewRead) *pb.ReadRequest {
	req := &pb.ReadRequest{EntityKeys: entityKeys, Views: make([]*pb.ViewRead, len(views))}
	for i := range views {
		req.Views[i] = &pb.ViewRead{FeatureView: views[i].View.toProto(), RequestedFeatures: views[i].Features}
	}
	return req
}

// encodeRead is the bytes readViews sends.
func encodeRead(t testing.TB, keys []*pb.EntityKey, views []ViewRead, ms uint32, hasDeadline bool) []byte {
	t.Helper()
	r := new(readRequest)
	if err := r.encode(keys, views); err != nil {
		t.Fatal(err)
	}
	return withTimeout(r.buf, ms, hasDeadline)
}

func everyKeyKind() []*pb.EntityKey {
	one := func(join string, v *pb.Value) *pb.EntityKey {
		return &pb.EntityKey{JoinKeys: []string{join}, EntityValues: []*pb.Value{v}}
	}
	return []*pb.EntityKey{
		one("driver_id", i64(1001)),
		one("driver_id", i64(-7)),
		one("driver_id", i64(0)),
		one("user", str("ünïcødé 用户")),
		one("user", str("")),
		one("blob", &pb.Value{Val: &pb.Value_BytesVal{BytesVal: []byte{0, 1, 0xff}}}),
		one("blob", &pb.Value{Val: &pb.Value_BytesVal{}}),
		one("i32", &pb.Value{Val: &pb.Value_Int32Val{Int32Val: -2147483648}}),
		one("ts", &pb.Value{Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: 1704067200}}),
		one("d", f64(1.5)),
		one("b", &pb.Value{Val: &pb.Value_BoolVal{BoolVal: true}}),
		one("none", &pb.Value{}),
		one("list", &pb.Value{Val: &pb.Value_Int64ListVal{Int64ListVal: &pb.Int64List{Val: []int64{1, -2}}}}),
		// Kinds the direct encoder leaves to proto.Marshal.
		one("map", &pb.Value{Val: &pb.Value_MapVal{MapVal: &pb.Map{Val: map[string]*pb.Value{"k": i64(3)}}}}),
		one("nilvalue", nil),
		one("nillist", &pb.Value{Val: &pb.Value_StringListVal{}}),
		{JoinKeys: []string{"driver_id", "rider_id"}, EntityValues: []*pb.Value{i64(1), str("r-9")}},
		{JoinKeys: []string{"a", "b"}, EntityValues: []*pb.Value{i64(1)}}, // mismatched: the library rejects it
		{},
		nil,
	}
}

func TestReadRequestEncoderMatchesProtoMarshal(t *testing.T) {
	unicode := FeatureView{Name: "vüe_视图", Features: []Feature{{"fé", pb.ValueType_STRING}, {"特征", pb.ValueType_INT64}, {"untyped", pb.ValueType_INVALID}}}
	wide := wideView
	cases := []struct {
		name  string
		keys  []*pb.EntityKey
		views []ViewRead
	}{
		{"every entity key kind, whole view", everyKeyKind(), []ViewRead{{View: narrowView}}},
		{"wide view, projected", driverKeys(1, 2, 3), []ViewRead{{View: wide, Features: []string{"w000", "w099", "w042"}}}},
		{"several views", driverKeys(5), []ViewRead{{View: narrowView}, {View: wide, Features: wideProjection}, {View: unicode, Features: []string{"特征"}}}},
		{"unicode names", []*pb.EntityKey{{JoinKeys: []string{"ключ"}, EntityValues: []*pb.Value{str("значение")}}}, []ViewRead{{View: unicode}}},
		{"view without features", driverKeys(1), []ViewRead{{View: FeatureView{Name: "empty"}}}},
		{"empty feature list, empty projection", driverKeys(1), []ViewRead{{View: FeatureView{Name: "v", Features: []Feature{}}, Features: []string{}}}},
		{"view without a name", driverKeys(1), []ViewRead{{}}},
		{"requested features not declared", driverKeys(1), []ViewRead{{View: FeatureView{Name: "v"}, Features: []string{"x", "x", ""}}}},
		{"long names (two-byte lengths)", driverKeys(1), []ViewRead{{View: FeatureView{Name: strings.Repeat("v", 200), Features: []Feature{{strings.Repeat("f", 300), pb.ValueType_DOUBLE}}}, Features: []string{strings.Repeat("f", 300)}}}},
		{"no entity keys", nil, []ViewRead{{View: narrowView}}},
		{"no views", driverKeys(1), nil},
	}
	for _, c := range cases {
		for _, timeout := range []struct {
			ms          uint32
			hasDeadline bool
		}{{0, false}, {1, true}, {250, true}, {1<<32 - 1, true}} {
			t.Run(fmt.Sprintf("%s/timeout=%d,%v", c.name, timeout.ms, timeout.hasDeadline), func(t *testing.T) {
				want := readRequestProto(c.keys, c.views)
				if timeout.hasDeadline {
					timeoutSetter(&want.TimeoutMs)(timeout.ms)
				}
				wantBytes, err := proto.Marshal(want)
				if err != nil {
					t.Fatal(err)
				}
				buf := encodeRead(t, c.keys, c.views, timeout.ms, timeout.hasDeadline)
				var got pb.ReadRequest
				if err := proto.Unmarshal(buf, &got); err != nil {
					t.Fatalf("the encoded request does not decode: %v", err)
				}
				// The decoded struct form of both, so a nil key or value
				// compares as what proto.Marshal makes of it.
				var wantBack pb.ReadRequest
				if err := proto.Unmarshal(wantBytes, &wantBack); err != nil {
					t.Fatal(err)
				}
				if !proto.Equal(&got, &wantBack) {
					t.Fatalf("encoded request\n%v\nwant\n%v", &got, &wantBack)
				}
				if !timeout.hasDeadline && string(buf) != string(wantBytes) {
					// Without the padded timeout the bytes are proto.Marshal's
					// (map values aside, whose order Marshal does not fix).
					if !strings.HasPrefix(c.name, "every entity key kind") {
						t.Fatalf("bytes differ from proto.Marshal:\n%x\n%x", buf, wantBytes)
					}
				}
			})
		}
	}
}

func TestReadRequestEncoderRejectsWhatProtoMarshalRejects(t *testing.T) {
	bad := "\xff"
	cases := []struct {
		name  string
		keys  []*pb.EntityKey
		views []ViewRead
		want  string
	}{
		{"join key", []*pb.EntityKey{{JoinKeys: []string{bad}, EntityValues: []*pb.Value{i64(1)}}}, []ViewRead{{View: narrowView}}, "entity key 0: join key"},
		{"string value", append(driverKeys(1), &pb.EntityKey{JoinKeys: []string{"k"}, EntityValues: []*pb.Value{str(bad)}}), []ViewRead{{View: narrowView}}, "entity key 1: entity value 0"},
		{"view name", driverKeys(1), []ViewRead{{View: FeatureView{Name: bad}}}, "view 0: feature view name"},
		{"declared feature", driverKeys(1), []ViewRead{{View: narrowView}, {View: FeatureView{Name: "v", Features: []Feature{{"ok", 0}, {bad, 0}}}}}, "view 1: feature 1 of the view"},
		{"requested feature", driverKeys(1), []ViewRead{{View: narrowView, Features: []string{"i64_0", bad}}}, "requested feature 1"},
	}
	for _, c := range cases {
		if _, err := proto.Marshal(readRequestProto(c.keys, c.views)); err == nil {
			t.Fatalf("%s: proto.Marshal accepts it; the case tests nothing", c.name)
		}
		err := new(readRequest).encode(c.keys, c.views)
		if err == nil || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrInvalidArgument mentioning %q", c.name, err, c.want)
		}
	}
}

// manyFeatures is a view of n DOUBLE features.
func manyFeatures(n int) FeatureView {
	v := FeatureView{Name: fmt.Sprintf("v%d", n)}
	for i := 0; i < n; i++ {
		v.Features = append(v.Features, Feature{fmt.Sprintf("f%04d", i), pb.ValueType_DOUBLE})
	}
	return v
}

// Building a read's request allocates nothing once its buffer has grown,
// whatever the number of declared features; the struct form it
// replaced allocated at least one pb.Feature per declared feature.
func TestReadRequestEncodingDoesNotAllocatePerFeature(t *testing.T) {
	keys := driverKeys(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, n := range []int{10, 100, 1000} {
		view := manyFeatures(n)
		views := []ViewRead{{View: view}}
		before := testing.AllocsPerRun(20, func() {
			if _, err := proto.Marshal(readRequestProto(keys, views)); err != nil {
				t.Fatal(err)
			}
		})
		// One request reused, as the pool gives back in steady state (a
		// race-detector build drops pooled items at random, so the pool
		// itself is not measured here).
		req := new(readRequest)
		after := testing.AllocsPerRun(20, func() {
			if err := req.encode(keys, views); err != nil {
				t.Fatal(err)
			}
			_ = withTimeout(req.buf, 100, true)
		})
		t.Logf("%d declared features, batch 10: %.0f allocations before (pb structs + proto.Marshal), %.0f after", n, before, after)
		if before < float64(n) {
			t.Errorf("%d features: the struct form made %.0f allocations; the comparison is off", n, before)
		}
		if after > 0 {
			t.Errorf("%d features: request building made %.0f allocations, want 0", n, after)
		}
	}
}

// The Go side of building a WIDE read's request: the struct form against
// the encoder.
func BenchmarkReadRequestBuild(b *testing.B) {
	for _, size := range []int{1, 10, 100} {
		keys := make([]*pb.EntityKey, size)
		for i := range keys {
			keys[i] = driverKey(int64(i))
		}
		views := []ViewRead{{View: wideView}}
		b.Run(fmt.Sprintf("protomarshal/batch=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := proto.Marshal(readRequestProto(keys, views)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("encoder/batch=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := getReadRequest()
				if err := req.encode(keys, views); err != nil {
					b.Fatal(err)
				}
				req.release()
			}
		})
	}
}
