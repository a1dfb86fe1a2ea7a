// The protobuf wire format of the write encoder: sizes and appenders of the
// fields it writes (strings, timestamps, packed and repeated lists) and of a
// feast_aerospike.v1.Value in its struct form.
package feastaerospike

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
)

// Wire types, untyped so tags are byte constants.
const (
	wtVarint  = 0
	wtFixed64 = 1
	wtBytes   = 2
	wtFixed32 = 5
)

// Value field tags (feast_aerospike.v1.Value's oneof).
const (
	tagBytesVal    = 1<<3 | wtBytes
	tagStringVal   = 2<<3 | wtBytes
	tagInt32Val    = 3<<3 | wtVarint
	tagInt64Val    = 4<<3 | wtVarint
	tagDoubleVal   = 5<<3 | wtFixed64
	tagFloatVal    = 6<<3 | wtFixed32
	tagBoolVal     = 7<<3 | wtVarint
	tagUnixTsVal   = 8<<3 | wtVarint
	fieldNullVal   = 19
	fieldBytesList = 11
	fieldStrList   = 12
	fieldI32List   = 13
	fieldI64List   = 14
	fieldF64List   = 15
	fieldF32List   = 16
	fieldBoolList  = 17
	fieldTsList    = 18
)

// putPadded writes v as a varint filling exactly padLen bytes.
func putPadded(b []byte, v uint64) {
	_ = b[padLen-1]
	for i := 0; i < padLen-1; i++ {
		b[i] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	b[padLen-1] = byte(v & 0x7f)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// sizeLen is the size of a length prefix and the n bytes it announces.
func sizeLen(n int) int { return protowire.SizeVarint(uint64(n)) + n }

// sizeString is the size of a string field with a one-byte tag.
func sizeString(s string) int { return 1 + sizeLen(len(s)) }

// appendString appends a string field with a one-byte tag.
func appendString(b []byte, tag byte, s string) []byte {
	return append(protowire.AppendVarint(append(b, tag), uint64(len(s))), s...)
}

// sizeOptString and appendOptString: a singular proto3 string, omitted
// when empty.
func sizeOptString(s string) int {
	if s == "" {
		return 0
	}
	return sizeString(s)
}

func appendOptString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(b, tag, s)
}

// appendTimestamp appends a google.protobuf.Timestamp field as
// timestamppb.New(t) would be encoded.
func appendTimestamp(b []byte, tag byte, t time.Time) []byte {
	sec, nanos := t.Unix(), uint64(t.Nanosecond())
	n := 0
	if sec != 0 {
		n += 1 + protowire.SizeVarint(uint64(sec))
	}
	if nanos != 0 {
		n += 1 + protowire.SizeVarint(nanos)
	}
	b = append(b, tag, byte(n)) // n <= 17: a one-byte length
	if sec != 0 {
		b = protowire.AppendVarint(append(b, 1<<3|wtVarint), uint64(sec))
	}
	if nanos != 0 {
		b = protowire.AppendVarint(append(b, 2<<3|wtVarint), nanos)
	}
	return b
}

// A list Value is one message field (field) holding a packed or repeated
// field 1 of payload bytes (omitted when empty).
func sizeList(field protowire.Number, payload int) int {
	return protowire.SizeTag(field) + sizeLen(payload)
}

// packedSize is the size of a packed field 1 of n bytes (0 when empty).
func packedSize(n int) int {
	if n == 0 {
		return 0
	}
	return 1 + sizeLen(n)
}

func appendListHead(b []byte, field protowire.Number, payload int) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(payload))
}

func appendPackedHead(b []byte, n int) []byte {
	if n == 0 {
		return b
	}
	return protowire.AppendVarint(append(b, tagLen1), uint64(n))
}

func sumVarint64(v []int64) int {
	n := 0
	for _, x := range v {
		n += protowire.SizeVarint(uint64(x))
	}
	return n
}

func sumVarint32(v []int32) int {
	n := 0
	for _, x := range v {
		n += protowire.SizeVarint(uint64(int64(x)))
	}
	return n
}

func sizeInt64s(v []int64) int { return packedSize(sumVarint64(v)) }
func sizeInt32s(v []int32) int { return packedSize(sumVarint32(v)) }

func appendInt64s(b []byte, v []int64) []byte {
	b = appendPackedHead(b, sumVarint64(v))
	for _, x := range v {
		b = protowire.AppendVarint(b, uint64(x))
	}
	return b
}

func appendInt32s(b []byte, v []int32) []byte {
	b = appendPackedHead(b, sumVarint32(v))
	for _, x := range v {
		b = protowire.AppendVarint(b, uint64(int64(x)))
	}
	return b
}

func appendDoubles(b []byte, v []float64) []byte {
	b = appendPackedHead(b, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func appendFloats(b []byte, v []float32) []byte {
	b = appendPackedHead(b, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func appendBools(b []byte, v []bool) []byte {
	b = appendPackedHead(b, len(v))
	for _, x := range v {
		b = append(b, boolByte(x))
	}
	return b
}

// sizeElems and appendElems: repeated field 1 of strings or bytes.
func sizeElems[T string | []byte](v []T) int {
	n := 0
	for _, s := range v {
		n += 1 + sizeLen(len(s))
	}
	return n
}

func appendElems[T string | []byte](b []byte, v []T) []byte {
	for _, s := range v {
		b = append(protowire.AppendVarint(append(b, tagLen1), uint64(len(s))), s...)
	}
	return b
}

func validStrings(v []string) bool {
	for _, s := range v {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// valueSize is the encoded size of v when appendValue handles it: every
// scalar kind and the lists and sets of scalars, with valid UTF-8 in its
// strings. Otherwise (maps, structs, nested lists, a nil list, invalid UTF-8,
// a nil v) ok is false and proto.Marshal encodes it (or reports the error).
func valueSize(v *pb.Value) (n int, ok bool) {
	if v == nil {
		return 0, false
	}
	switch x := v.Val.(type) {
	case nil:
		return 0, true
	case *pb.Value_BytesVal:
		return 1 + sizeLen(len(x.BytesVal)), true
	case *pb.Value_StringVal:
		return 1 + sizeLen(len(x.StringVal)), utf8.ValidString(x.StringVal)
	case *pb.Value_JsonVal:
		return 2 + sizeLen(len(x.JsonVal)), utf8.ValidString(x.JsonVal)
	case *pb.Value_UuidVal:
		return 2 + sizeLen(len(x.UuidVal)), utf8.ValidString(x.UuidVal)
	case *pb.Value_TimeUuidVal:
		return 2 + sizeLen(len(x.TimeUuidVal)), utf8.ValidString(x.TimeUuidVal)
	case *pb.Value_DecimalVal:
		return 2 + sizeLen(len(x.DecimalVal)), utf8.ValidString(x.DecimalVal)
	case *pb.Value_Int32Val:
		return 1 + protowire.SizeVarint(uint64(int64(x.Int32Val))), true
	case *pb.Value_Int64Val:
		return 1 + protowire.SizeVarint(uint64(x.Int64Val)), true
	case *pb.Value_UnixTimestampVal:
		return 1 + protowire.SizeVarint(uint64(x.UnixTimestampVal)), true
	case *pb.Value_DoubleVal:
		return 9, true
	case *pb.Value_FloatVal:
		return 5, true
	case *pb.Value_BoolVal:
		return 2, true
	case *pb.Value_NullVal:
		return 2 + protowire.SizeVarint(uint64(int64(x.NullVal))), true
	}
	l := scalarList(v)
	if l.kind == 0 {
		return 0, false
	}
	return sizeList(l.field, l.payloadSize()), l.kind != 's' || validStrings(l.strs)
}

// listRef is a list or set of scalars: its Value field and elements (one
// of the slices, chosen by kind).
type listRef struct {
	field protowire.Number
	kind  byte // 'l' int64, 'i' int32, 'd' double, 'f' float, 'b' bool, 's' string, 'y' bytes; 0: not a scalar list
	i64   []int64
	i32   []int32
	f64   []float64
	f32   []float32
	bools []bool
	strs  []string
	byts  [][]byte
}

// scalarList is v as a list or set of scalars (kind 0 for any other kind,
// or a nil list message).
func scalarList(v *pb.Value) (l listRef) {
	switch x := v.Val.(type) {
	case *pb.Value_BytesListVal:
		if x.BytesListVal != nil {
			l = listRef{field: 11, kind: 'y', byts: x.BytesListVal.Val}
		}
	case *pb.Value_StringListVal:
		if x.StringListVal != nil {
			l = listRef{field: 12, kind: 's', strs: x.StringListVal.Val}
		}
	case *pb.Value_Int32ListVal:
		if x.Int32ListVal != nil {
			l = listRef{field: 13, kind: 'i', i32: x.Int32ListVal.Val}
		}
	case *pb.Value_Int64ListVal:
		if x.Int64ListVal != nil {
			l = listRef{field: 14, kind: 'l', i64: x.Int64ListVal.Val}
		}
	case *pb.Value_DoubleListVal:
		if x.DoubleListVal != nil {
			l = listRef{field: 15, kind: 'd', f64: x.DoubleListVal.Val}
		}
	case *pb.Value_FloatListVal:
		if x.FloatListVal != nil {
			l = listRef{field: 16, kind: 'f', f32: x.FloatListVal.Val}
		}
	case *pb.Value_BoolListVal:
		if x.BoolListVal != nil {
			l = listRef{field: 17, kind: 'b', bools: x.BoolListVal.Val}
		}
	case *pb.Value_UnixTimestampListVal:
		if x.UnixTimestampListVal != nil {
			l = listRef{field: 18, kind: 'l', i64: x.UnixTimestampListVal.Val}
		}
	case *pb.Value_BytesSetVal:
		if x.BytesSetVal != nil {
			l = listRef{field: 22, kind: 'y', byts: x.BytesSetVal.Val}
		}
	case *pb.Value_StringSetVal:
		if x.StringSetVal != nil {
			l = listRef{field: 23, kind: 's', strs: x.StringSetVal.Val}
		}
	case *pb.Value_Int32SetVal:
		if x.Int32SetVal != nil {
			l = listRef{field: 24, kind: 'i', i32: x.Int32SetVal.Val}
		}
	case *pb.Value_Int64SetVal:
		if x.Int64SetVal != nil {
			l = listRef{field: 25, kind: 'l', i64: x.Int64SetVal.Val}
		}
	case *pb.Value_DoubleSetVal:
		if x.DoubleSetVal != nil {
			l = listRef{field: 26, kind: 'd', f64: x.DoubleSetVal.Val}
		}
	case *pb.Value_FloatSetVal:
		if x.FloatSetVal != nil {
			l = listRef{field: 27, kind: 'f', f32: x.FloatSetVal.Val}
		}
	case *pb.Value_BoolSetVal:
		if x.BoolSetVal != nil {
			l = listRef{field: 28, kind: 'b', bools: x.BoolSetVal.Val}
		}
	case *pb.Value_UnixTimestampSetVal:
		if x.UnixTimestampSetVal != nil {
			l = listRef{field: 29, kind: 'l', i64: x.UnixTimestampSetVal.Val}
		}
	case *pb.Value_JsonListVal:
		if x.JsonListVal != nil {
			l = listRef{field: 33, kind: 's', strs: x.JsonListVal.Val}
		}
	case *pb.Value_UuidListVal:
		if x.UuidListVal != nil {
			l = listRef{field: 38, kind: 's', strs: x.UuidListVal.Val}
		}
	case *pb.Value_TimeUuidListVal:
		if x.TimeUuidListVal != nil {
			l = listRef{field: 39, kind: 's', strs: x.TimeUuidListVal.Val}
		}
	case *pb.Value_UuidSetVal:
		if x.UuidSetVal != nil {
			l = listRef{field: 40, kind: 's', strs: x.UuidSetVal.Val}
		}
	case *pb.Value_TimeUuidSetVal:
		if x.TimeUuidSetVal != nil {
			l = listRef{field: 41, kind: 's', strs: x.TimeUuidSetVal.Val}
		}
	case *pb.Value_DecimalListVal:
		if x.DecimalListVal != nil {
			l = listRef{field: 45, kind: 's', strs: x.DecimalListVal.Val}
		}
	case *pb.Value_DecimalSetVal:
		if x.DecimalSetVal != nil {
			l = listRef{field: 46, kind: 's', strs: x.DecimalSetVal.Val}
		}
	}
	return l
}

// payloadSize is the size of the list message's contents.
func (l *listRef) payloadSize() int {
	switch l.kind {
	case 'l':
		return sizeInt64s(l.i64)
	case 'i':
		return sizeInt32s(l.i32)
	case 'd':
		return packedSize(8 * len(l.f64))
	case 'f':
		return packedSize(4 * len(l.f32))
	case 'b':
		return packedSize(len(l.bools))
	case 's':
		return sizeElems(l.strs)
	}
	return sizeElems(l.byts)
}

func (l *listRef) appendTo(b []byte) []byte {
	b = appendListHead(b, l.field, l.payloadSize())
	switch l.kind {
	case 'l':
		return appendInt64s(b, l.i64)
	case 'i':
		return appendInt32s(b, l.i32)
	case 'd':
		return appendDoubles(b, l.f64)
	case 'f':
		return appendFloats(b, l.f32)
	case 'b':
		return appendBools(b, l.bools)
	case 's':
		return appendElems(b, l.strs)
	}
	return appendElems(b, l.byts)
}

// appendValue appends v, which valueSize measured (ok).
func appendValue(b []byte, v *pb.Value) []byte {
	switch x := v.Val.(type) {
	case nil:
		return b
	case *pb.Value_BytesVal:
		return append(protowire.AppendVarint(append(b, tagBytesVal), uint64(len(x.BytesVal))), x.BytesVal...)
	case *pb.Value_StringVal:
		return appendString(b, tagStringVal, x.StringVal)
	case *pb.Value_JsonVal:
		return appendBig(b, 32, x.JsonVal)
	case *pb.Value_UuidVal:
		return appendBig(b, 36, x.UuidVal)
	case *pb.Value_TimeUuidVal:
		return appendBig(b, 37, x.TimeUuidVal)
	case *pb.Value_DecimalVal:
		return appendBig(b, 44, x.DecimalVal)
	case *pb.Value_Int32Val:
		return protowire.AppendVarint(append(b, tagInt32Val), uint64(int64(x.Int32Val)))
	case *pb.Value_Int64Val:
		return protowire.AppendVarint(append(b, tagInt64Val), uint64(x.Int64Val))
	case *pb.Value_UnixTimestampVal:
		return protowire.AppendVarint(append(b, tagUnixTsVal), uint64(x.UnixTimestampVal))
	case *pb.Value_DoubleVal:
		return binary.LittleEndian.AppendUint64(append(b, tagDoubleVal), math.Float64bits(x.DoubleVal))
	case *pb.Value_FloatVal:
		return binary.LittleEndian.AppendUint32(append(b, tagFloatVal), math.Float32bits(x.FloatVal))
	case *pb.Value_BoolVal:
		return append(b, tagBoolVal, boolByte(x.BoolVal))
	case *pb.Value_NullVal:
		b = protowire.AppendTag(b, fieldNullVal, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(int64(x.NullVal)))
	}
	l := scalarList(v)
	if l.kind == 0 {
		panic("appendValue: a kind valueSize does not accept")
	}
	return l.appendTo(b)
}

// appendBig appends a string field whose tag takes two bytes (fields 16..).
func appendBig(b []byte, field protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return append(protowire.AppendVarint(b, uint64(len(s))), s...)
}
