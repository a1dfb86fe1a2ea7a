// Unit tests of OnlineRead's request planning and result shaping, with
// hand-built responses (no library call): parallel arrays, one request view
// per distinct view, nil rows, NullVal for missing data, shared timestamps.
package feastaerospike

import (
	"errors"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func planStore(views ...FeatureView) *Store {
	s := &Store{}
	empty := map[string]FeatureView{}
	s.views.Store(&empty)
	s.RegisterFeatureViews(views...)
	return s
}

func i64(v int64) *pb.Value   { return &pb.Value{Val: &pb.Value_Int64Val{Int64Val: v}} }
func str(v string) *pb.Value  { return &pb.Value{Val: &pb.Value_StringVal{StringVal: v}} }
func f64(v float64) *pb.Value { return &pb.Value{Val: &pb.Value_DoubleVal{DoubleVal: v}} }

func TestOnlineReadPlanGroupsViewsAndDeduplicates(t *testing.T) {
	s := planStore(FeatureView{Name: "a", Features: []Feature{{"x", pb.ValueType_INT64}, {"y", pb.ValueType_STRING}}})
	p, err := s.planOnlineRead([]string{"a", "b", "a", "a", "b"}, []string{"y", "z", "x", "y", "z"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.views) != 2 {
		t.Fatalf("%d views, want 2", len(p.views))
	}
	a, b := p.views[0], p.views[1]
	if a.View.Name != "a" || b.View.Name != "b" {
		t.Fatalf("view order %q %q", a.View.Name, b.View.Name)
	}
	if got := a.Features; len(got) != 2 || got[0] != "y" || got[1] != "x" {
		t.Fatalf("view a requests %v", got)
	}
	if a.View.Features[0].Type != pb.ValueType_STRING || a.View.Features[1].Type != pb.ValueType_INT64 {
		t.Fatalf("registered types not used: %v", a.View.Features)
	}
	if got := b.Features; len(got) != 1 || got[0] != "z" || b.View.Features[0].Type != pb.ValueType_INVALID {
		t.Fatalf("unregistered view b: %v %v", got, b.View.Features)
	}
	want := []featurePosition{{0, 0}, {1, 0}, {0, 1}, {0, 0}, {1, 0}}
	for i, w := range want {
		if p.positions[i] != w {
			t.Errorf("position %d = %v, want %v", i, p.positions[i], w)
		}
	}
}

func TestOnlineReadPlanRejectsBadInput(t *testing.T) {
	s := planStore(FeatureView{Name: "a", Features: []Feature{{"x", pb.ValueType_INT64}}})
	cases := []struct {
		name         string
		views, feats []string
	}{
		{"length mismatch", []string{"a"}, []string{"x", "y"}},
		{"undeclared feature", []string{"a"}, []string{"nope"}},
		{"empty view name", []string{""}, []string{"x"}},
		{"empty feature name", []string{"a"}, []string{""}},
	}
	for _, c := range cases {
		if _, err := s.planOnlineRead(c.views, c.feats); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", c.name, err)
		}
	}
}

func TestOnlineReadShape(t *testing.T) {
	s := planStore()
	p, err := s.planOnlineRead([]string{"a", "b", "a"}, []string{"x", "z", "y"})
	if err != nil {
		t.Fatal(err)
	}
	tsA := timestamppb.New(timestamppb.Now().AsTime().Truncate(1e6))
	tsB := &timestamppb.Timestamp{Seconds: 1704067200}
	resp := &pb.ReadResponse{Views: []*pb.ViewResult{
		{FeatureView: "a", FeatureNames: []string{"x", "y"}, Rows: []*pb.EntityRow{
			{Found: true, EventTimestamp: tsA, Values: []*pb.Value{i64(1), {}}}, // y absent from record
			{Found: false},
			{Found: false},
		}},
		{FeatureView: "b", FeatureNames: []string{"z"}, Rows: []*pb.EntityRow{
			{Found: true, EventTimestamp: tsB, Values: []*pb.Value{f64(2.5)}},
			{Found: true, EventTimestamp: tsB, Values: []*pb.Value{f64(3.5)}},
			{Found: false},
		}},
	}}
	if err := checkReadShape(3, p.views, resp); err != nil {
		t.Fatal(err)
	}
	out := p.shape(resp, 3)
	if len(out) != 3 {
		t.Fatalf("%d rows", len(out))
	}
	if out[2] != nil {
		t.Fatalf("entity without data must be a nil row, got %v", out[2])
	}
	r0 := out[0]
	if len(r0) != 3 {
		t.Fatalf("row 0 has %d features", len(r0))
	}
	if r0[0].Reference != (FeatureReference{"a", "x"}) || r0[1].Reference != (FeatureReference{"b", "z"}) || r0[2].Reference != (FeatureReference{"a", "y"}) {
		t.Fatalf("references %v %v %v", r0[0].Reference, r0[1].Reference, r0[2].Reference)
	}
	if r0[0].Value.GetInt64Val() != 1 || !proto.Equal(r0[0].Timestamp, tsA) {
		t.Fatalf("a.x = %v @ %v", r0[0].Value, r0[0].Timestamp)
	}
	if r0[1].Value.GetDoubleVal() != 2.5 || !proto.Equal(r0[1].Timestamp, tsB) {
		t.Fatalf("b.z = %v @ %v", r0[1].Value, r0[1].Timestamp)
	}
	if _, isNull := r0[2].Value.GetVal().(*pb.Value_NullVal); !isNull || !proto.Equal(r0[2].Timestamp, tsA) {
		t.Fatalf("a.y absent from the record must be NullVal with a's timestamp, got %v @ %v", r0[2].Value, r0[2].Timestamp)
	}
	// Entity 1 has only view b: view a's features are NullVal with a zero timestamp.
	r1 := out[1]
	if _, isNull := r1[0].Value.GetVal().(*pb.Value_NullVal); !isNull || r1[0].Timestamp.GetSeconds() != 0 || r1[0].Timestamp == nil {
		t.Fatalf("a.x for an entity without view a: %v @ %v", r1[0].Value, r1[0].Timestamp)
	}
	if r1[1].Value.GetDoubleVal() != 3.5 {
		t.Fatalf("b.z = %v", r1[1].Value)
	}
}

func TestReadShapeCheckRejectsMalformedResponses(t *testing.T) {
	views := []ViewRead{{View: FeatureView{Name: "a"}, Features: []string{"x"}}}
	good := func() *pb.ReadResponse {
		return &pb.ReadResponse{Views: []*pb.ViewResult{{FeatureView: "a", FeatureNames: []string{"x"}, Rows: []*pb.EntityRow{{Found: true, Values: []*pb.Value{i64(1)}}, {}}}}}
	}
	if err := checkReadShape(2, views, good()); err != nil {
		t.Fatal(err)
	}
	bad := []func(*pb.ReadResponse){
		func(r *pb.ReadResponse) { r.Views = nil },
		func(r *pb.ReadResponse) { r.Views[0].Rows = r.Views[0].Rows[:1] },
		func(r *pb.ReadResponse) { r.Views[0].FeatureNames = []string{"other"} },
		func(r *pb.ReadResponse) { r.Views[0].Rows[0].Values = nil },
	}
	for i, mutate := range bad {
		r := good()
		mutate(r)
		if err := checkReadShape(2, views, r); !errors.Is(err, ErrInternal) {
			t.Errorf("case %d: got %v, want ErrInternal", i, err)
		}
	}
}
