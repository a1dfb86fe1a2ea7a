// The direct ReadResponse decoder must give exactly what proto.Unmarshal
// gives, for every input: checked on responses with every value kind and on
// hand-made odd encodings, and by fuzzing (the seed corpus runs as a test).
package feastaerospike

import (
	"math"
	"testing"

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
	gotErr := unmarshalReadResponse(buf, &got)
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
	if err := unmarshalReadResponse(full, &back); err != nil || !proto.Equal(&back, everyKindResponse()) {
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
