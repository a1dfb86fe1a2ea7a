// WriteBatchEncoder: its bytes decode to exactly the request the struct form
// gives under proto.Marshal (every value kind, odd rows, big rows), misuse
// and bad input are errors (never a panic), encoding allocates nothing per
// value (writeencoded_test.go writes through it end to end).
package feastaerospike

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// structRequest is the request WriteBatch sent before the encoder:
// proto.Marshal of the struct form, decoded.
func structRequest(t *testing.T, view FeatureView, rows []WriteRow) *pb.WriteBatchRequest {
	t.Helper()
	buf, err := proto.Marshal(&pb.WriteBatchRequest{FeatureView: view.toProto(), Rows: rowsToProto(rows)})
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	var want pb.WriteBatchRequest
	if err := proto.Unmarshal(buf, &want); err != nil {
		t.Fatalf("proto.Unmarshal of proto.Marshal: %v", err)
	}
	return &want
}

// decodeEncoded checks the encoder is complete and decodes its bytes.
func decodeEncoded(t *testing.T, enc *WriteBatchEncoder) *pb.WriteBatchRequest {
	t.Helper()
	if err := enc.ready(); err != nil {
		t.Fatalf("encoder not ready: %v", err)
	}
	var got pb.WriteBatchRequest
	if err := proto.Unmarshal(enc.Encoded(), &got); err != nil {
		t.Fatalf("proto.Unmarshal of the encoder's bytes: %v", err)
	}
	return &got
}

func sameRequest(t *testing.T, got, want *pb.WriteBatchRequest) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Fatalf("encoder's request differs from the struct path's:\n got %v\nwant %v", got, want)
	}
}

// everyKind has one value of each kind of feast_aerospike.v1.Value, the
// edge values of the numeric ones, and the kinds that take proto.Marshal's
// path (maps, structs, nested lists, nil list messages).
func everyKind() map[string]*pb.Value {
	return map[string]*pb.Value{
		"bytes":       {Val: &pb.Value_BytesVal{BytesVal: []byte{0, 1, 0xff}}},
		"bytes_empty": {Val: &pb.Value_BytesVal{}},
		"string":      {Val: &pb.Value_StringVal{StringVal: "héllo, 世界"}},
		"string_zero": {Val: &pb.Value_StringVal{}},
		"i32_min":     {Val: &pb.Value_Int32Val{Int32Val: math.MinInt32}},
		"i32_max":     {Val: &pb.Value_Int32Val{Int32Val: math.MaxInt32}},
		"i32_zero":    {Val: &pb.Value_Int32Val{}},
		"i64_min":     {Val: &pb.Value_Int64Val{Int64Val: math.MinInt64}},
		"i64_max":     {Val: &pb.Value_Int64Val{Int64Val: math.MaxInt64}},
		"i64_neg":     {Val: &pb.Value_Int64Val{Int64Val: -1}},
		"double":      {Val: &pb.Value_DoubleVal{DoubleVal: -1.5e300}},
		"double_nan":  {Val: &pb.Value_DoubleVal{DoubleVal: math.Inf(-1)}},
		"float":       {Val: &pb.Value_FloatVal{FloatVal: 3.25}},
		"bool_t":      {Val: &pb.Value_BoolVal{BoolVal: true}},
		"bool_f":      {Val: &pb.Value_BoolVal{}},
		"unix_ts":     {Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: 1_704_067_200}},
		"unix_ts_neg": {Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: -86400}},
		"null":        {Val: &pb.Value_NullVal{}},
		"json":        {Val: &pb.Value_JsonVal{JsonVal: `{"a":1}`}},
		"uuid":        {Val: &pb.Value_UuidVal{UuidVal: "123e4567-e89b-12d3-a456-426614174000"}},
		"time_uuid":   {Val: &pb.Value_TimeUuidVal{TimeUuidVal: "a"}},
		"decimal":     {Val: &pb.Value_DecimalVal{DecimalVal: "-1.25"}},
		"unset":       {},
		"nil":         nil,

		"bytes_list":   {Val: &pb.Value_BytesListVal{BytesListVal: &pb.BytesList{Val: [][]byte{{1}, {}, {2, 3}}}}},
		"string_list":  {Val: &pb.Value_StringListVal{StringListVal: &pb.StringList{Val: []string{"a", "", "ü"}}}},
		"i32_list":     {Val: &pb.Value_Int32ListVal{Int32ListVal: &pb.Int32List{Val: []int32{-1, 0, math.MaxInt32}}}},
		"i64_list":     {Val: &pb.Value_Int64ListVal{Int64ListVal: &pb.Int64List{Val: []int64{math.MinInt64, 0, 300}}}},
		"double_list":  {Val: &pb.Value_DoubleListVal{DoubleListVal: &pb.DoubleList{Val: []float64{1.5, -2}}}},
		"float_list":   {Val: &pb.Value_FloatListVal{FloatListVal: &pb.FloatList{Val: []float32{0.5}}}},
		"bool_list":    {Val: &pb.Value_BoolListVal{BoolListVal: &pb.BoolList{Val: []bool{true, false, true}}}},
		"ts_list":      {Val: &pb.Value_UnixTimestampListVal{UnixTimestampListVal: &pb.Int64List{Val: []int64{1, 2}}}},
		"empty_list":   {Val: &pb.Value_Int64ListVal{Int64ListVal: &pb.Int64List{}}},
		"empty_slist":  {Val: &pb.Value_StringListVal{StringListVal: &pb.StringList{}}},
		"nil_list":     {Val: &pb.Value_DoubleListVal{}},
		"bytes_set":    {Val: &pb.Value_BytesSetVal{BytesSetVal: &pb.BytesSet{Val: [][]byte{{9}}}}},
		"string_set":   {Val: &pb.Value_StringSetVal{StringSetVal: &pb.StringSet{Val: []string{"x", "y"}}}},
		"i32_set":      {Val: &pb.Value_Int32SetVal{Int32SetVal: &pb.Int32Set{Val: []int32{-7}}}},
		"i64_set":      {Val: &pb.Value_Int64SetVal{Int64SetVal: &pb.Int64Set{Val: []int64{7}}}},
		"double_set":   {Val: &pb.Value_DoubleSetVal{DoubleSetVal: &pb.DoubleSet{Val: []float64{0.1}}}},
		"float_set":    {Val: &pb.Value_FloatSetVal{FloatSetVal: &pb.FloatSet{Val: []float32{0.2}}}},
		"bool_set":     {Val: &pb.Value_BoolSetVal{BoolSetVal: &pb.BoolSet{Val: []bool{true}}}},
		"ts_set":       {Val: &pb.Value_UnixTimestampSetVal{UnixTimestampSetVal: &pb.Int64Set{Val: []int64{5}}}},
		"json_list":    {Val: &pb.Value_JsonListVal{JsonListVal: &pb.StringList{Val: []string{"{}"}}}},
		"uuid_list":    {Val: &pb.Value_UuidListVal{UuidListVal: &pb.StringList{Val: []string{"u"}}}},
		"tuuid_list":   {Val: &pb.Value_TimeUuidListVal{TimeUuidListVal: &pb.StringList{Val: []string{"t"}}}},
		"uuid_set":     {Val: &pb.Value_UuidSetVal{UuidSetVal: &pb.StringSet{Val: []string{"u"}}}},
		"tuuid_set":    {Val: &pb.Value_TimeUuidSetVal{TimeUuidSetVal: &pb.StringSet{Val: []string{"t"}}}},
		"decimal_list": {Val: &pb.Value_DecimalListVal{DecimalListVal: &pb.StringList{Val: []string{"1.0"}}}},
		"decimal_set":  {Val: &pb.Value_DecimalSetVal{DecimalSetVal: &pb.StringSet{Val: []string{"2.0"}}}},

		// proto.Marshal's path
		"map":      {Val: &pb.Value_MapVal{MapVal: &pb.Map{Val: map[string]*pb.Value{"k": i64(1), "é": str("v")}}}},
		"struct":   {Val: &pb.Value_StructVal{StructVal: &pb.Map{Val: map[string]*pb.Value{"k": f64(2)}}}},
		"map_list": {Val: &pb.Value_MapListVal{MapListVal: &pb.MapList{Val: []*pb.Map{{Val: map[string]*pb.Value{"a": i64(1)}}}}}},
		"list":     {Val: &pb.Value_ListVal{ListVal: &pb.RepeatedValue{Val: []*pb.Value{i64(1), str("x")}}}},
		"set":      {Val: &pb.Value_SetVal{SetVal: &pb.RepeatedValue{Val: []*pb.Value{i64(2)}}}},
		"scalar_map": {Val: &pb.Value_ScalarMapVal{ScalarMapVal: &pb.ScalarMap{Val: []*pb.ScalarMapEntry{
			{Key: &pb.MapKey{Key: &pb.MapKey_Int64Key{Int64Key: 3}}, Value: str("three")}}}}},
		"zoned": {Val: &pb.Value_ZonedTimestampVal{ZonedTimestampVal: &pb.ZonedTimestamp{UnixTimestamp: 9, Zone: "Europe/Paris"}}},
	}
}

func TestEncoderMatchesStructPathForEveryKind(t *testing.T) {
	view := FeatureView{Name: "vüe", Features: []Feature{{"f", pb.ValueType_INT64}, {"", 0}, {"neg", -1}}}
	ts := time.Date(2024, 1, 1, 0, 0, 1, 123456789, time.UTC)
	compound := &pb.EntityKey{JoinKeys: []string{"driver_id", "", "città"},
		EntityValues: []*pb.Value{i64(7), str(""), {Val: &pb.Value_BytesVal{BytesVal: []byte{1}}}}}
	oddKey := &pb.EntityKey{JoinKeys: []string{"k"}, EntityValues: []*pb.Value{
		{Val: &pb.Value_MapVal{MapVal: &pb.Map{Val: map[string]*pb.Value{"a": i64(1)}}}}}}
	rows := []WriteRow{
		{EntityKey: driverKey(1), Values: everyKind(), EventTimestamp: ts, CreatedTimestamp: ts.Add(time.Second)},
		{EntityKey: driverKey(2), Values: map[string]*pb.Value{}, EventTimestamp: ts},                                 // no values, no created
		{EntityKey: nil, Values: map[string]*pb.Value{"x": i64(1)}, EventTimestamp: ts},                               // no key
		{EntityKey: compound, Values: map[string]*pb.Value{"特徴": str("値"), "": i64(0)}},                               // no timestamps
		{EntityKey: oddKey, Values: everyKind(), EventTimestamp: time.Unix(-5, 7)},                                    // before 1970
		{EntityKey: &pb.EntityKey{}, Values: nil, EventTimestamp: time.Unix(0, 0), CreatedTimestamp: time.Unix(0, 1)}, // epoch
	}
	want := structRequest(t, view, rows)
	enc := NewWriteBatchEncoder(view)
	enc.encodeRows(rows)
	sameRequest(t, decodeEncoded(t, enc), want)
	if enc.Rows() != len(rows) || enc.Len() != len(enc.Encoded()) {
		t.Fatalf("Rows %d Len %d, want %d rows and %d bytes", enc.Rows(), enc.Len(), len(rows), len(enc.Encoded()))
	}
	// Reset keeps nothing of the previous batch.
	enc.Reset(view)
	enc.encodeRows(rows[1:2])
	sameRequest(t, decodeEncoded(t, enc), structRequest(t, view, rows[1:2]))
	// No rows at all.
	enc.Reset(FeatureView{})
	sameRequest(t, decodeEncoded(t, enc), structRequest(t, FeatureView{}, nil))
}

// The typed appenders give the same request as the struct values they name.
func TestTypedAppendersMatchStructValues(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	rows := []WriteRow{{
		EntityKey: driverKey(-3),
		Values: map[string]*pb.Value{
			"i64": i64(math.MinInt64), "i32": {Val: &pb.Value_Int32Val{Int32Val: -2}}, "f64": f64(0.1),
			"f32": {Val: &pb.Value_FloatVal{FloatVal: -0.5}}, "s": str("ñ"), "b": {Val: &pb.Value_BytesVal{BytesVal: []byte{0}}},
			"ok": {Val: &pb.Value_BoolVal{BoolVal: true}}, "no": {Val: &pb.Value_BoolVal{}},
			"ts": {Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: 1_700_000_000}}, "null": {Val: &pb.Value_NullVal{}},
			"i64s": {Val: &pb.Value_Int64ListVal{Int64ListVal: &pb.Int64List{Val: []int64{-1, 1 << 50}}}},
			"i32s": {Val: &pb.Value_Int32ListVal{Int32ListVal: &pb.Int32List{Val: []int32{math.MinInt32, 5}}}},
			"f64s": {Val: &pb.Value_DoubleListVal{DoubleListVal: &pb.DoubleList{Val: []float64{1, 2}}}},
			"f32s": {Val: &pb.Value_FloatListVal{FloatListVal: &pb.FloatList{Val: []float32{3}}}},
			"oks":  {Val: &pb.Value_BoolListVal{BoolListVal: &pb.BoolList{Val: []bool{false, true}}}},
			"ss":   {Val: &pb.Value_StringListVal{StringListVal: &pb.StringList{Val: []string{"", "ü"}}}},
			"bs":   {Val: &pb.Value_BytesListVal{BytesListVal: &pb.BytesList{Val: [][]byte{{}, {1, 2}}}}},
			"tss":  {Val: &pb.Value_UnixTimestampListVal{UnixTimestampListVal: &pb.Int64List{Val: []int64{}}}},
		},
		EventTimestamp: ts, CreatedTimestamp: ts.Add(time.Millisecond),
	}, {
		EntityKey:      &pb.EntityKey{JoinKeys: []string{"city"}, EntityValues: []*pb.Value{str("Zürich")}},
		Values:         map[string]*pb.Value{"x": f64(1)},
		EventTimestamp: ts,
	}}
	enc := NewWriteBatchEncoder(kindsView)
	enc.BeginRowInt64Key("driver_id", -3, ts, ts.Add(time.Millisecond))
	enc.Int64("i64", math.MinInt64)
	enc.Int32("i32", -2)
	enc.Double("f64", 0.1)
	enc.Float("f32", -0.5)
	enc.String("s", "ñ")
	enc.Bytes("b", []byte{0})
	enc.Bool("ok", true)
	enc.Bool("no", false)
	enc.UnixTimestamp("ts", 1_700_000_000)
	enc.Null("null")
	enc.Int64List("i64s", []int64{-1, 1 << 50})
	enc.Int32List("i32s", []int32{math.MinInt32, 5})
	enc.DoubleList("f64s", []float64{1, 2})
	enc.FloatList("f32s", []float32{3})
	enc.BoolList("oks", []bool{false, true})
	enc.StringList("ss", []string{"", "ü"})
	enc.BytesList("bs", [][]byte{{}, {1, 2}})
	enc.UnixTimestampList("tss", nil)
	enc.EndRow()
	enc.BeginRowStringKey("city", "Zürich", ts, time.Time{})
	enc.Double("x", 1)
	enc.EndRow()
	sameRequest(t, decodeEncoded(t, enc), structRequest(t, kindsView, rows))
}

// Row lengths are padded varints: every width decodes, and rows whose
// lengths need 1..4 varint bytes decode to the struct path's request.
func TestPaddedLengths(t *testing.T) {
	for _, n := range []uint64{0, 1, 127, 128, 1<<14 - 1, 1 << 14, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28, maxPadded} {
		var b [padLen]byte
		putPadded(b[:], n)
		got, m := protowire.ConsumeVarint(b[:])
		if m != padLen || got != n {
			t.Fatalf("padded %d: decoded %d in %d bytes", n, got, m)
		}
	}
	view := FeatureView{Name: "big"}
	for _, size := range []int{0, 100, 1 << 14, 1<<21 + 5} {
		rows := []WriteRow{{EntityKey: driverKey(1), EventTimestamp: benchEpoch,
			Values: map[string]*pb.Value{"blob": {Val: &pb.Value_BytesVal{BytesVal: make([]byte, size)}}, "s": str(strings.Repeat("é", size/2))}}}
		enc := NewWriteBatchEncoder(view)
		enc.encodeRows(rows)
		sameRequest(t, decodeEncoded(t, enc), structRequest(t, view, rows))
	}
}

// The timeout slot: with a deadline the request carries timeout_ms, without
// one it does not; the rest is unchanged.
func TestEncoderTimeoutSlot(t *testing.T) {
	enc := NewWriteBatchEncoder(narrowView)
	enc.encodeRows(benchRows(narrowView, 0, 3))
	want := decodeEncoded(t, enc)
	for _, c := range []struct {
		ms  uint32
		has bool
	}{{0, false}, {1, true}, {30000, true}, {math.MaxUint32, true}} {
		var got pb.WriteBatchRequest
		if err := proto.Unmarshal(enc.request(c.ms, c.has), &got); err != nil {
			t.Fatal(err)
		}
		if got.TimeoutMs != c.ms {
			t.Fatalf("timeout_ms %d, want %d", got.TimeoutMs, c.ms)
		}
		got.TimeoutMs = 0
		sameRequest(t, &got, want)
	}
}

func TestEncoderMisuseIsAnError(t *testing.T) {
	bad := string([]byte{0xff, 'x'})
	cases := []struct {
		name string
		do   func(e *WriteBatchEncoder)
		want string
	}{
		{"value outside a row", func(e *WriteBatchEncoder) { e.Double("x", 1) }, `value "x" outside a row`},
		{"row not ended", func(e *WriteBatchEncoder) { e.BeginRow(driverKey(1), benchEpoch, time.Time{}) }, "row 0 was begun but not ended"},
		{"row begun twice", func(e *WriteBatchEncoder) {
			e.BeginRowInt64Key("k", 1, benchEpoch, time.Time{})
			e.BeginRowInt64Key("k", 2, benchEpoch, time.Time{})
		}, "BeginRow while row 0 is open"},
		{"EndRow alone", func(e *WriteBatchEncoder) { e.EndRow() }, "EndRow without BeginRow"},
		{"bad feature name", func(e *WriteBatchEncoder) {
			e.BeginRowInt64Key("k", 1, benchEpoch, time.Time{})
			e.Int64(bad, 1)
		}, "row 0: feature name"},
		{"bad string", func(e *WriteBatchEncoder) {
			e.BeginRowInt64Key("k", 1, benchEpoch, time.Time{})
			e.String("s", bad)
		}, `STRING value of "s" is not valid UTF-8`},
		{"bad string list", func(e *WriteBatchEncoder) {
			e.BeginRowInt64Key("k", 1, benchEpoch, time.Time{})
			e.StringList("s", []string{"ok", bad})
		}, "STRING_LIST element"},
		{"bad join key", func(e *WriteBatchEncoder) { e.BeginRowStringKey(bad, "v", benchEpoch, time.Time{}) }, "join key"},
		{"bad key value", func(e *WriteBatchEncoder) { e.BeginRowStringKey("k", bad, benchEpoch, time.Time{}) }, "join key \"k\""},
		{"bad struct string", func(e *WriteBatchEncoder) {
			e.BeginRow(nil, benchEpoch, time.Time{})
			e.Value("s", str(bad))
		}, `row 0: value of "s"`},
		{"bad struct key", func(e *WriteBatchEncoder) {
			e.BeginRow(&pb.EntityKey{JoinKeys: []string{"k"}, EntityValues: []*pb.Value{str(bad)}}, benchEpoch, time.Time{})
		}, "row 0: entity value 0"},
		{"bad view", func(e *WriteBatchEncoder) { e.Reset(FeatureView{Name: bad}) }, "feature view name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := NewWriteBatchEncoder(narrowView)
			c.do(e)
			err := e.ready()
			if err == nil || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrInvalidArgument containing %q", err, c.want)
			}
			if c.name == "row not ended" {
				return // not a kept error: EndRow completes the request
			}
			// The first error stays; later appends are ignored, not
			// panics; Reset clears it.
			e.EndRow()
			e.Double("y", 2)
			e.BeginRowInt64Key("k", 1, benchEpoch, time.Time{})
			e.EndRow()
			if e.Err() == nil || e.Err().Error() != err.Error() {
				t.Fatalf("kept error became %v", e.Err())
			}
			e.Reset(narrowView)
			if e.Err() != nil || e.ready() != nil {
				t.Fatalf("after Reset: %v", e.Err())
			}
		})
	}
	var zero WriteBatchEncoder
	zero.BeginRowInt64Key("k", 1, benchEpoch, time.Time{})
	if err := zero.Err(); err == nil || !strings.Contains(err.Error(), "before Reset") {
		t.Fatalf("zero encoder: %v", err)
	}
	var zero2 WriteBatchEncoder
	if err := zero2.ready(); err == nil || !strings.Contains(err.Error(), "no feature view") {
		t.Fatalf("zero encoder: %v", err)
	}
}

// encodeBench fills enc with rows [from, from+n) of view from plain typed
// data, as a caller with its own structs would.
func encodeBench(enc *WriteBatchEncoder, view FeatureView, data *benchData, from, n int) {
	enc.Reset(view)
	wide := view.Name == wideView.Name
	for id := from; id < from+n; id++ {
		d := &data.rows[id%len(data.rows)]
		enc.BeginRowInt64Key("driver_id", int64(id), d.ts, d.ts.Add(time.Second))
		if wide {
			for i, name := range data.wideNames {
				enc.Double(name, d.wide[i])
			}
		} else {
			enc.Int64("i64_0", d.i64[0])
			enc.Int64("i64_1", d.i64[1])
			enc.Int64("i64_2", d.i64[2])
			enc.Double("f64_0", d.f64[0])
			enc.Double("f64_1", d.f64[1])
			enc.Double("f64_2", d.f64[2])
			enc.String("str_0", d.str[0])
			enc.String("str_1", d.str[1])
			enc.Bool("bool_0", d.ok)
			enc.Float("f32_0", d.f32)
		}
		enc.EndRow()
	}
}

// benchData is the benchmark workload's values as plain Go data.
type benchData struct {
	wideNames []string
	rows      []benchDataRow
}

type benchDataRow struct {
	ts   time.Time
	i64  [3]int64
	f64  [3]float64
	str  [2]string
	ok   bool
	f32  float32
	wide []float64
}

func newBenchData(n int) *benchData {
	d := &benchData{}
	for _, f := range wideView.Features {
		d.wideNames = append(d.wideNames, f.Name)
	}
	for id := 0; id < n; id++ {
		nv, wv := narrowValues(uint64(id)), wideValues(uint64(id))
		r := benchDataRow{ts: benchEpoch.Add(time.Duration(id) * time.Second), ok: nv["bool_0"].GetBoolVal(), f32: nv["f32_0"].GetFloatVal(),
			i64: [3]int64{nv["i64_0"].GetInt64Val(), nv["i64_1"].GetInt64Val(), nv["i64_2"].GetInt64Val()},
			f64: [3]float64{nv["f64_0"].GetDoubleVal(), nv["f64_1"].GetDoubleVal(), nv["f64_2"].GetDoubleVal()},
			str: [2]string{nv["str_0"].GetStringVal(), nv["str_1"].GetStringVal()}}
		for _, name := range d.wideNames {
			r.wide = append(r.wide, wv[name].GetDoubleVal())
		}
		d.rows = append(d.rows, r)
	}
	return d
}

// The benchmark's typed encoding is the struct path's request.
func TestEncodeBenchMatchesBenchRows(t *testing.T) {
	data := newBenchData(20)
	for _, view := range []FeatureView{narrowView, wideView} {
		enc := new(WriteBatchEncoder)
		encodeBench(enc, view, data, 0, 20)
		sameRequest(t, decodeEncoded(t, enc), structRequest(t, view, benchRows(view, 0, 20)))
	}
}

// Encoding into a warm encoder allocates nothing, whatever the number of
// values; WriteBatch's marshaller allocates nothing per value either.
func TestEncoderAllocatesNothingPerValue(t *testing.T) {
	data := newBenchData(100)
	for _, view := range []FeatureView{narrowView, wideView} {
		enc := new(WriteBatchEncoder)
		encodeBench(enc, view, data, 0, 100) // grows the buffer once
		allocs := testing.AllocsPerRun(20, func() { encodeBench(enc, view, data, 0, 100) })
		t.Logf("%s: typed encoding of 100 rows x %d values: %.0f allocations", view.Name, len(view.Features), allocs)
		if allocs != 0 {
			t.Errorf("%s: typed encoding made %.0f allocations, want 0", view.Name, allocs)
		}
		rows := benchRows(view, 0, 100)
		allocs = testing.AllocsPerRun(20, func() {
			enc.Reset(view)
			enc.encodeRows(rows)
		})
		t.Logf("%s: struct rows marshalled by the encoder: %.0f allocations", view.Name, allocs)
		if allocs != 0 {
			t.Errorf("%s: marshalling struct rows made %.0f allocations, want 0", view.Name, allocs)
		}
	}
}

// FuzzEncoderMatchesProtoMarshal: any WriteBatchRequest the fuzzer's bytes
// decode to, taken as struct rows, encodes to the request proto.Marshal
// gives (or both refuse it); the encoder never panics. Unknown fields are
// left out on both sides: the encoder does not forward them (the library
// ignores them). The seeds run in
// every `go test`; `go test -fuzz FuzzEncoderMatchesProtoMarshal` explores.
func FuzzEncoderMatchesProtoMarshal(f *testing.F) {
	ts := time.Date(2024, 1, 1, 0, 0, 0, 5, time.UTC)
	for _, rows := range [][]WriteRow{
		benchRows(narrowView, 0, 2),
		{{EntityKey: driverKey(1), Values: everyKind(), EventTimestamp: ts}},
		{{EntityKey: &pb.EntityKey{JoinKeys: []string{"a", "b"}, EntityValues: []*pb.Value{str("x"), i64(-1)}}}},
	} {
		b, err := proto.Marshal(&pb.WriteBatchRequest{FeatureView: narrowView.toProto(), Rows: rowsToProto(rows)})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var req pb.WriteBatchRequest
		if (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(in, &req) != nil {
			return
		}
		view := FeatureView{Name: req.GetFeatureView().GetName()}
		for _, feat := range req.GetFeatureView().GetFeatures() {
			view.Features = append(view.Features, Feature{Name: feat.GetName(), Type: feat.GetValueType()})
		}
		rows := make([]WriteRow, len(req.Rows))
		for i, r := range req.Rows {
			rows[i] = WriteRow{EntityKey: r.EntityKey, Values: r.Values,
				EventTimestamp: timeFromProto(r.EventTimestamp), CreatedTimestamp: timeFromProto(r.CreatedTimestamp)}
		}
		enc := NewWriteBatchEncoder(view)
		enc.encodeRows(rows)
		buf, err := proto.Marshal(&pb.WriteBatchRequest{FeatureView: view.toProto(), Rows: rowsToProto(rows)})
		if (err != nil) != (enc.Err() != nil) {
			t.Fatalf("proto.Marshal error %v, encoder error %v", err, enc.Err())
		}
		if err != nil {
			return
		}
		var want, got pb.WriteBatchRequest
		if err := proto.Unmarshal(buf, &want); err != nil {
			t.Fatal(err)
		}
		if err := proto.Unmarshal(enc.Encoded(), &got); err != nil {
			t.Fatalf("the encoder's bytes do not decode: %v", err)
		}
		if !proto.Equal(&got, &want) {
			t.Fatalf("encoder %v\nproto.Marshal %v", &got, &want)
		}
	})
}
