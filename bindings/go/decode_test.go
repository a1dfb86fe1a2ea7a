// The direct ReadResponse decoder must give exactly what proto.Unmarshal
// gives, for every input: checked on responses with every value kind and on
// hand-made odd encodings, and by fuzzing (the seed corpus runs as a test).
package feastaerospike

import (
	"math"
	"testing"
	"unsafe"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func sameAsProtoUnmarshal(t *testing.T, buf []byte) {
	t.Helper()
	var want pb.ReadResponse
	wantErr := proto.Unmarshal(buf, &want)
	var got pb.ReadResponse
	gotErr := unmarshalReadResponse(buf, &got, nil)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("proto.Unmarshal error %v, fast decoder error %v", wantErr, gotErr)
	}
	if wantErr == nil && !proto.Equal(&want, &got) {
		t.Fatalf("decoders differ:\nproto: %v\nfast:  %v", &want, &got)
	}
}

func everyKindResponse() *pb.ReadResponse {
	values := []*pb.Value{
		{}, // unset
		f64(-0.0), f64(math.Inf(1)), f64(math.NaN()), i64(math.MinInt64), i64(0), str(""), str("é✓"),
		{Val: &pb.Value_BoolVal{BoolVal: true}}, {Val: &pb.Value_BoolVal{}},
		{Val: &pb.Value_FloatVal{FloatVal: -1.5}}, {Val: &pb.Value_Int32Val{Int32Val: math.MinInt32}},
		{Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: -5}}, {Val: &pb.Value_BytesVal{BytesVal: []byte{}}},
		{Val: &pb.Value_BytesVal{BytesVal: []byte{0, 1, 0xff}}}, {Val: &pb.Value_NullVal{}},
		{Val: &pb.Value_Int64ListVal{Int64ListVal: &pb.Int64List{Val: []int64{1, -2}}}},
		{Val: &pb.Value_MapVal{MapVal: &pb.Map{Val: map[string]*pb.Value{"k": str("v")}}}},
		{Val: &pb.Value_JsonVal{JsonVal: `{"a":1}`}},
	}
	names := make([]string, len(values))
	for i := range names {
		names[i] = string(rune('a' + i))
	}
	return &pb.ReadResponse{Views: []*pb.ViewResult{
		{FeatureView: "v1", FeatureNames: names, Rows: []*pb.EntityRow{
			{Found: true, EventTimestamp: &timestamppb.Timestamp{Seconds: -1, Nanos: 999}, Values: values},
			{},
			{Found: true, Values: values},
		}},
		{FeatureView: "v2"},
	}}
}

func TestFastDecoderMatchesProtoUnmarshal(t *testing.T) {
	full, err := proto.Marshal(everyKindResponse())
	if err != nil {
		t.Fatal(err)
	}
	var back pb.ReadResponse
	if err := unmarshalReadResponse(full, &back, nil); err != nil || !proto.Equal(&back, everyKindResponse()) {
		t.Fatalf("round trip: %v\n%v", err, &back)
	}
	cases := map[string][]byte{
		"empty":          nil,
		"every kind":     full,
		"canned narrow":  cannedRead(narrowView, 3),
		"canned wide":    cannedRead(wideView, 2),
		"truncated":      full[:len(full)-3],
		"unknown field":  protowire.AppendVarint(protowire.AppendTag(append([]byte{}, full...), 9, protowire.VarintType), 7),
		"two values set": rowWithValue(append(protowire.AppendFixed64(protowire.AppendTag(nil, 5, protowire.Fixed64Type), 1), protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), 3)...)),
		"same kind twice": rowWithValue(append(protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), 1),
			protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), 2)...)),
		"invalid utf-8 string value": rowWithValue(protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), []byte{0xff})),
		"invalid utf-8 view name":    protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0xc3})),
		"wrong wire type for double": rowWithValue(protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), 1)),
		"int32 from a 64-bit varint": rowWithValue(protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 1<<40|5)),
		"timestamp twice": rowBytes(append(
			protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 5)),
			protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 7))...)),
	}
	for name, buf := range cases {
		t.Run(name, func(t *testing.T) { sameAsProtoUnmarshal(t, buf) })
	}
}

// rowBytes wraps an encoded EntityRow into a ReadResponse with one view.
func rowBytes(row []byte) []byte {
	view := protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), row)
	return protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), view)
}

// rowWithValue wraps an encoded Value into a found row.
func rowWithValue(value []byte) []byte {
	row := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 1)
	row = protowire.AppendBytes(protowire.AppendTag(row, 3, protowire.BytesType), value)
	return rowBytes(row)
}

func FuzzFastDecoder(f *testing.F) {
	full, _ := proto.Marshal(everyKindResponse())
	f.Add(full)
	f.Add(cannedRead(narrowView, 2))
	f.Add(rowWithValue(protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 1<<40|5)))
	f.Fuzz(func(t *testing.T, buf []byte) { sameAsProtoUnmarshal(t, buf) })
}

// With the request's views, the decoder reuses their name strings where the
// answer's bytes match and decodes exactly as without them otherwise.
func TestDecoderReusesRequestedNames(t *testing.T) {
	projected := []string{"w007", "w000", "w099"}
	wrong := FeatureView{Name: "other", Features: []Feature{{"w000", 0}, {"nope", 0}}}
	cases := []struct {
		name  string
		buf   []byte
		views []ViewRead
		reuse bool
	}{
		{"declared names", cannedRead(wideView, 2), []ViewRead{{View: wideView}}, true},
		{"requested names", cannedRead(wideView, 2), []ViewRead{{View: wideView, Features: projected}}, false},
		{"other names", cannedRead(wideView, 2), []ViewRead{{View: wrong}}, false},
		{"more views than answered", cannedRead(narrowView, 1), []ViewRead{{View: narrowView}, {View: wideView}}, true},
		{"fewer views than answered", mustMarshal(t, everyKindResponse()), []ViewRead{{View: FeatureView{Name: "v1", Features: []Feature{{"a", 0}, {"b", 0}}}}}, false},
		{"no views", cannedRead(wideView, 1), []ViewRead{}, false},
	}
	for _, c := range cases {
		var want, got pb.ReadResponse
		if err := proto.Unmarshal(c.buf, &want); err != nil {
			t.Fatal(err)
		}
		if err := unmarshalReadResponse(c.buf, &got, c.views); err != nil || !proto.Equal(&want, &got) {
			t.Fatalf("%s: %v\n%v\nwant\n%v", c.name, err, &got, &want)
		}
		if !c.reuse {
			continue
		}
		v := got.Views[0]
		if unsafe.StringData(v.FeatureView) != unsafe.StringData(c.views[0].View.Name) {
			t.Errorf("%s: the view name was copied", c.name)
		}
		for k, name := range v.FeatureNames {
			if unsafe.StringData(name) != unsafe.StringData(c.views[0].View.Features[k].Name) {
				t.Fatalf("%s: feature name %d was copied", c.name, k)
			}
		}
	}
	// A WIDE answer of one row: with the views, no string per feature name.
	canned := cannedRead(wideView, 1)
	views := []ViewRead{{View: wideView}}
	allocs := func(views []ViewRead) float64 {
		return testing.AllocsPerRun(20, func() {
			var resp pb.ReadResponse
			if err := unmarshalReadResponse(canned, &resp, views); err != nil {
				t.Fatal(err)
			}
		})
	}
	without, with := allocs(nil), allocs(views)
	t.Logf("WIDE batch 1: decoder %.0f allocations without the request's names, %.0f with", without, with)
	if with > without-float64(len(wideView.Features)) {
		t.Errorf("reusing the names saved %.0f allocations, want at least one per feature (%d)", without-with, len(wideView.Features))
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
