// WriteBatchEncoder: a write request encoded straight into protobuf bytes,
// without a *pb.Value (and its oneof wrapper) per value or a Go map per row.
// WriteBatch uses the same encoder for its []WriteRow, so both paths send the
// same message; writeenc_test.go checks every value kind against
// proto.Marshal of the struct form.
package feastaerospike

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// WriteBatchEncoder builds the request of one write of one feature view,
// row by row, as protobuf bytes (a feast_aerospike.v1.WriteBatchRequest).
// Once its buffer has grown to the size of a batch, encoding allocates
// nothing: Reset keeps the capacity, so reuse one encoder per goroutine (or
// take them from a sync.Pool). Store.WriteEncoded sends the bytes to the
// library as they are (no copy).
//
//	enc := fas.NewWriteBatchEncoder(driverStats)
//	for _, d := range drivers {
//		enc.BeginRowInt64Key("driver_id", d.ID, d.EventTime, time.Time{})
//		enc.Double("conv_rate", d.ConvRate)
//		enc.Int64("trips", d.Trips)
//		enc.EndRow()
//	}
//	err := store.WriteEncoded(ctx, enc)
//
// A row is BeginRow*, then its values, then EndRow; like WriteRow.Values,
// a row replaces the view's whole slot in the record. Appending a feature
// name twice in one row keeps the last value (protobuf map semantics). The
// appenders return nothing: the first misuse or bad input (a value outside
// a row, invalid UTF-8 in a name or string, a row over 4 GiB, ...) is kept,
// later appends are ignored, and Err and Store.WriteEncoded report it as an
// *Error with StatusInvalidArgument naming the row and feature; Reset
// clears it. An encoder is not safe for concurrent use, and must not be
// changed while a WriteEncoded call that uses it runs.
type WriteBatchEncoder struct {
	// buf is the timeout slot (encSlot bytes), then the request.
	buf      []byte
	view     FeatureView
	rows     int
	state    encState
	rowStart int // offset of the open row's tag
	err      *Error
}

type encState uint8

const (
	encNoView encState = iota // zero value: Reset was never called
	encBatch                  // between rows
	encRow                    // inside BeginRow .. EndRow
	encFailed                 // err is set
)

const (
	// padLen is the width of a padded varint: a length or timeout written
	// before its value is known (0x80-continued bytes, valid protobuf, up to
	// 2^35-1; we allow up to maxPadded).
	padLen    = 5
	maxPadded = math.MaxUint32
	// encSlot is the room at the head of a request for its timeout_ms
	// (field 3: one tag byte and a padded varint), filled in at call time.
	encSlot    = 1 + padLen
	tagTimeout = 3<<3 | wtVarint // WriteBatchRequest.timeout_ms, ReadRequest.timeout_ms
	tagRow     = 2<<3 | wtBytes  // WriteBatchRequest.rows, WriteRow.values
	tagLen1    = 1<<3 | wtBytes  // field 1, length-delimited
	tagLen2    = 2<<3 | wtBytes  // field 2, length-delimited
)

// NewWriteBatchEncoder returns an empty encoder for rows of view.
func NewWriteBatchEncoder(view FeatureView) *WriteBatchEncoder {
	e := &WriteBatchEncoder{}
	e.Reset(view)
	return e
}

// Reset empties the encoder for a new batch of rows of view, keeping its
// buffer's capacity, and clears a kept error.
func (e *WriteBatchEncoder) Reset(view FeatureView) {
	e.buf = appendTimeoutSlot(e.buf[:0])
	e.view, e.rows, e.state, e.err = view, 0, encBatch, nil
	size, problem := featureViewSize(&view)
	if problem != "" {
		e.fail(problem)
		return
	}
	e.buf = appendFeatureView(e.buf, &view, size)
}

// View is the feature view the encoder's rows belong to.
func (e *WriteBatchEncoder) View() FeatureView { return e.view }

// Rows is the number of rows ended so far.
func (e *WriteBatchEncoder) Rows() int { return e.rows }

// Len is the size of the encoded request in bytes.
func (e *WriteBatchEncoder) Len() int { return max(len(e.buf)-encSlot, 0) }

// Encoded is the encoded WriteBatchRequest (without timeout_ms), valid until
// the encoder is next changed. It is meaningful only when Err is nil and no
// row is open.
func (e *WriteBatchEncoder) Encoded() []byte {
	if len(e.buf) < encSlot {
		return nil
	}
	return e.buf[encSlot:]
}

// Err is the first misuse or bad input since Reset, an *Error with
// StatusInvalidArgument, or nil.
func (e *WriteBatchEncoder) Err() error {
	if e.err == nil {
		return nil
	}
	return e.err
}

// ready is nil when the request is complete: Reset called, no row open, no
// error kept.
func (e *WriteBatchEncoder) ready() *Error {
	switch e.state {
	case encNoView:
		return newError(opWriteBatch.String(), StatusInvalidArgument, -1,
			"write encoder: no feature view; create it with NewWriteBatchEncoder or call Reset(view) first")
	case encRow:
		return e.misuse(fmt.Sprintf("row %d was begun but not ended; call EndRow before writing", e.rows))
	case encFailed:
		return e.err
	}
	return nil
}

// request is the bytes to send: with the timeout slot filled when the
// context has a deadline, else without it.
func (e *WriteBatchEncoder) request(ms uint32, hasDeadline bool) []byte {
	return withTimeout(e.buf, ms, hasDeadline)
}

func (e *WriteBatchEncoder) misuse(msg string) *Error {
	return newError(opWriteBatch.String(), StatusInvalidArgument, -1,
		fmt.Sprintf("write encoder for feature view %q: %s", e.view.Name, msg))
}

// fail keeps the first error; later appends are ignored until Reset.
func (e *WriteBatchEncoder) fail(msg string) {
	if e.state == encFailed {
		return
	}
	e.err = e.misuse(msg)
	e.state = encFailed
}

// beginRow opens a row: its tag and a padded length, patched by EndRow.
func (e *WriteBatchEncoder) beginRow() bool {
	switch e.state {
	case encRow:
		e.fail(fmt.Sprintf("BeginRow while row %d is open; call EndRow first", e.rows))
		return false
	case encNoView:
		e.fail("BeginRow before Reset(view)")
		return false
	case encFailed:
		return false
	}
	e.rowStart = len(e.buf)
	e.buf = append(e.buf, tagRow, 0x80, 0x80, 0x80, 0x80, 0)
	e.state = encRow
	return true
}

// BeginRow starts a row with its entity key (nil: none) and timestamps; a
// zero time is left unset, as in WriteRow (the created timestamp is
// optional, the event timestamp is not).
func (e *WriteBatchEncoder) BeginRow(key *pb.EntityKey, eventTime, createdTime time.Time) {
	if !e.beginRow() {
		return
	}
	if key != nil {
		e.entityKey(key)
	}
	e.timestamps(eventTime, createdTime)
}

// BeginRowInt64Key starts a row whose entity key is one INT64 join key,
// {joinKey: value}, without building a *pb.EntityKey.
func (e *WriteBatchEncoder) BeginRowInt64Key(joinKey string, value int64, eventTime, createdTime time.Time) {
	if !e.beginRow() || !e.validName("join key", joinKey) {
		return
	}
	valueLen := 1 + protowire.SizeVarint(uint64(value))
	e.buf = append(e.buf, tagLen1)
	e.buf = protowire.AppendVarint(e.buf, uint64(sizeString(joinKey)+1+sizeLen(valueLen)))
	e.buf = appendString(e.buf, tagLen1, joinKey)
	e.buf = append(e.buf, tagLen2)
	e.buf = protowire.AppendVarint(e.buf, uint64(valueLen))
	e.buf = append(e.buf, 4<<3|wtVarint)
	e.buf = protowire.AppendVarint(e.buf, uint64(value))
	e.timestamps(eventTime, createdTime)
}

// BeginRowStringKey starts a row whose entity key is one STRING join key.
func (e *WriteBatchEncoder) BeginRowStringKey(joinKey, value string, eventTime, createdTime time.Time) {
	if !e.beginRow() || !e.validName("join key", joinKey) {
		return
	}
	if !utf8.ValidString(value) {
		e.fail(fmt.Sprintf("row %d: the value of join key %q is not valid UTF-8", e.rows, joinKey))
		return
	}
	valueLen := sizeString(value)
	e.buf = append(e.buf, tagLen1)
	e.buf = protowire.AppendVarint(e.buf, uint64(sizeString(joinKey)+1+sizeLen(valueLen)))
	e.buf = appendString(e.buf, tagLen1, joinKey)
	e.buf = append(e.buf, tagLen2)
	e.buf = protowire.AppendVarint(e.buf, uint64(valueLen))
	e.buf = appendString(e.buf, 2<<3|wtBytes, value)
	e.timestamps(eventTime, createdTime)
}

// entityKey appends WriteRow.entity_key from the struct form.
func (e *WriteBatchEncoder) entityKey(key *pb.EntityKey) {
	var problem string
	if e.buf, problem = appendEntityKey(e.buf, key); problem != "" {
		e.fail(fmt.Sprintf("row %d: %s", e.rows, problem))
	}
}

// marshalAppend appends m, which proto.Size measured as size bytes.
func (e *WriteBatchEncoder) marshalAppend(m proto.Message, size int, what string) {
	out, problem := marshalAppend(e.buf, m, size)
	if problem != "" {
		e.fail(what + ": " + problem)
		return
	}
	e.buf = out
}

// timestamps appends WriteRow.event_timestamp and created_timestamp.
func (e *WriteBatchEncoder) timestamps(eventTime, createdTime time.Time) {
	if !eventTime.IsZero() {
		e.buf = appendTimestamp(e.buf, 3<<3|wtBytes, eventTime)
	}
	if !createdTime.IsZero() {
		e.buf = appendTimestamp(e.buf, 4<<3|wtBytes, createdTime)
	}
}

// EndRow ends the open row.
func (e *WriteBatchEncoder) EndRow() {
	switch e.state {
	case encFailed:
		return
	case encRow:
	default:
		e.fail(fmt.Sprintf("EndRow without BeginRow (after %d rows)", e.rows))
		return
	}
	n := len(e.buf) - e.rowStart - encSlot
	if n > maxPadded {
		e.fail(fmt.Sprintf("row %d is %d bytes, over the 4 GiB a row may take", e.rows, n))
		return
	}
	putPadded(e.buf[e.rowStart+1:e.rowStart+encSlot], uint64(n))
	e.rows++
	e.state = encBatch
}

func (e *WriteBatchEncoder) validName(what, name string) bool {
	if utf8.ValidString(name) {
		return true
	}
	e.fail(fmt.Sprintf("row %d: %s %q is not valid UTF-8", e.rows, what, name))
	return false
}

// entry appends the head of one WriteRow.values entry whose Value is
// valueLen bytes; false when nothing may be appended.
func (e *WriteBatchEncoder) entry(name string, valueLen int) bool {
	if e.state != encRow {
		if e.state != encFailed {
			e.fail(fmt.Sprintf("value %q outside a row; call BeginRow first", name))
		}
		return false
	}
	if !utf8.ValidString(name) {
		e.fail(fmt.Sprintf("row %d: feature name %q is not valid UTF-8", e.rows, name))
		return false
	}
	if n := len(name) + valueLen + 4; n < 0x80 {
		// The common case: every length fits in one byte.
		e.buf = append(append(append(e.buf, tagRow, byte(n), tagLen1, byte(len(name))), name...), tagLen2, byte(valueLen))
		return true
	}
	e.buf = append(e.buf, tagRow)
	e.buf = protowire.AppendVarint(e.buf, uint64(sizeString(name)+1+sizeLen(valueLen)))
	e.buf = appendString(e.buf, tagLen1, name)
	e.buf = append(e.buf, tagLen2)
	e.buf = protowire.AppendVarint(e.buf, uint64(valueLen))
	return true
}

// Int64 appends an INT64 value.
func (e *WriteBatchEncoder) Int64(name string, v int64) {
	if e.entry(name, 1+protowire.SizeVarint(uint64(v))) {
		e.buf = protowire.AppendVarint(append(e.buf, tagInt64Val), uint64(v))
	}
}

// Int32 appends an INT32 value.
func (e *WriteBatchEncoder) Int32(name string, v int32) {
	if e.entry(name, 1+protowire.SizeVarint(uint64(int64(v)))) {
		e.buf = protowire.AppendVarint(append(e.buf, tagInt32Val), uint64(int64(v)))
	}
}

// Double appends a DOUBLE value.
func (e *WriteBatchEncoder) Double(name string, v float64) {
	if e.entry(name, 9) {
		e.buf = binary.LittleEndian.AppendUint64(append(e.buf, tagDoubleVal), math.Float64bits(v))
	}
}

// Float appends a FLOAT value.
func (e *WriteBatchEncoder) Float(name string, v float32) {
	if e.entry(name, 5) {
		e.buf = binary.LittleEndian.AppendUint32(append(e.buf, tagFloatVal), math.Float32bits(v))
	}
}

// Bool appends a BOOL value.
func (e *WriteBatchEncoder) Bool(name string, v bool) {
	if e.entry(name, 2) {
		e.buf = append(e.buf, tagBoolVal, boolByte(v))
	}
}

// UnixTimestamp appends a UNIX_TIMESTAMP value: seconds since the epoch, as
// Feast's unix_timestamp_val.
func (e *WriteBatchEncoder) UnixTimestamp(name string, seconds int64) {
	if e.entry(name, 1+protowire.SizeVarint(uint64(seconds))) {
		e.buf = protowire.AppendVarint(append(e.buf, tagUnixTsVal), uint64(seconds))
	}
}

// String appends a STRING value (which must be valid UTF-8).
func (e *WriteBatchEncoder) String(name, v string) {
	if !utf8.ValidString(v) {
		e.fail(fmt.Sprintf("row %d: the STRING value of %q is not valid UTF-8", e.rows, name))
		return
	}
	if e.entry(name, sizeString(v)) {
		e.buf = appendString(e.buf, tagStringVal, v)
	}
}

// Bytes appends a BYTES value (copied).
func (e *WriteBatchEncoder) Bytes(name string, v []byte) {
	if e.entry(name, 1+sizeLen(len(v))) {
		e.buf = append(protowire.AppendVarint(append(e.buf, tagBytesVal), uint64(len(v))), v...)
	}
}

// Null appends a NULL value (Value.null_val).
func (e *WriteBatchEncoder) Null(name string) {
	if e.entry(name, 3) {
		e.buf = append(protowire.AppendTag(e.buf, fieldNullVal, protowire.VarintType), 0)
	}
}

// Int64List appends an INT64_LIST value.
func (e *WriteBatchEncoder) Int64List(name string, v []int64) {
	e.list(name, listRef{field: fieldI64List, kind: 'l', i64: v})
}

// UnixTimestampList appends a UNIX_TIMESTAMP_LIST value (seconds).
func (e *WriteBatchEncoder) UnixTimestampList(name string, seconds []int64) {
	e.list(name, listRef{field: fieldTsList, kind: 'l', i64: seconds})
}

// Int32List appends an INT32_LIST value.
func (e *WriteBatchEncoder) Int32List(name string, v []int32) {
	e.list(name, listRef{field: fieldI32List, kind: 'i', i32: v})
}

// DoubleList appends a DOUBLE_LIST value.
func (e *WriteBatchEncoder) DoubleList(name string, v []float64) {
	e.list(name, listRef{field: fieldF64List, kind: 'd', f64: v})
}

// FloatList appends a FLOAT_LIST value.
func (e *WriteBatchEncoder) FloatList(name string, v []float32) {
	e.list(name, listRef{field: fieldF32List, kind: 'f', f32: v})
}

// BoolList appends a BOOL_LIST value.
func (e *WriteBatchEncoder) BoolList(name string, v []bool) {
	e.list(name, listRef{field: fieldBoolList, kind: 'b', bools: v})
}

// StringList appends a STRING_LIST value (each string valid UTF-8).
func (e *WriteBatchEncoder) StringList(name string, v []string) {
	if !validStrings(v) {
		e.fail(fmt.Sprintf("row %d: a STRING_LIST element of %q is not valid UTF-8", e.rows, name))
		return
	}
	e.list(name, listRef{field: fieldStrList, kind: 's', strs: v})
}

// BytesList appends a BYTES_LIST value.
func (e *WriteBatchEncoder) BytesList(name string, v [][]byte) {
	e.list(name, listRef{field: fieldBytesList, kind: 'y', byts: v})
}

func (e *WriteBatchEncoder) list(name string, l listRef) {
	if e.entry(name, sizeList(l.field, l.payloadSize())) {
		e.buf = l.appendTo(e.buf)
	}
}

// Value appends a value in its struct form: any kind; the common ones are
// encoded directly, the others (maps, structs, nested lists, ...) through
// proto.Marshal. A nil v is an empty Value (no field set), as proto.Marshal
// sends it. Unknown fields (kept by protobuf-go from bytes of a newer
// schema) are not sent by the direct path; the library ignores them anyway.
func (e *WriteBatchEncoder) Value(name string, v *pb.Value) {
	if n, ok := valueSize(v); ok {
		if e.entry(name, n) {
			e.buf = appendValue(e.buf, v)
		}
		return
	}
	size := proto.Size(v)
	if e.entry(name, size) {
		e.marshalAppend(v, size, fmt.Sprintf("row %d: value of %q", e.rows, name))
	}
}

// encodeRows appends rows in their struct form (WriteBatch's path).
func (e *WriteBatchEncoder) encodeRows(rows []WriteRow) {
	for i := range rows {
		r := &rows[i]
		e.BeginRow(r.EntityKey, r.EventTimestamp, r.CreatedTimestamp)
		for name, v := range r.Values {
			e.Value(name, v)
		}
		e.EndRow()
	}
}

// decodeRows is the struct form of the encoded rows (for the prewriting
// hook).
func (e *WriteBatchEncoder) decodeRows() ([]WriteRow, error) {
	var req pb.WriteBatchRequest
	if err := proto.Unmarshal(e.Encoded(), &req); err != nil {
		return nil, e.misuse("cannot decode the encoded rows for the prewriting hook: " + err.Error())
	}
	rows := make([]WriteRow, len(req.Rows))
	for i, r := range req.Rows {
		rows[i] = WriteRow{EntityKey: r.EntityKey, Values: r.Values,
			EventTimestamp: timeFromProto(r.EventTimestamp), CreatedTimestamp: timeFromProto(r.CreatedTimestamp)}
	}
	return rows, nil
}
