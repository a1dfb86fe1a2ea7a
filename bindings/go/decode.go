// A direct decoder for ReadResponse, the one message whose size grows with
// entities x features. protobuf-go's generic Unmarshal decodes oneof fields
// through reflection (about 250 ns per feature value); this decoder builds
// the common scalar values directly and allocates a row's values in one
// block. Anything it does not handle exactly (other value kinds, unknown
// fields, unusual encodings) falls back to proto.Unmarshal, so the result is
// always what proto.Unmarshal would produce; decode_test.go checks that.
package feastaerospike

import (
	"errors"
	"math"
	"unicode/utf8"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// errSlowPath means: decode this with proto.Unmarshal instead.
var errSlowPath = errors.New("not handled by the fast decoder")

// readResponse is a read's response with the views its request named, so
// callC can hand both to the decoder.
type readResponse struct {
	*pb.ReadResponse
	views []ViewRead
}

// unmarshalReadResponse decodes buf into resp (which must be empty). views,
// when not nil, are the views the request named (readRequest.encode checked
// their names are valid UTF-8): the library answers with those view names
// and the requested feature names (or the declared ones, in order), so where
// the bytes match, the decoder hands out the caller's strings instead of a
// new string per feature name per call.
func unmarshalReadResponse(buf []byte, resp *pb.ReadResponse, views []ViewRead) error {
	d := readDecoder{views: views}
	if err := d.response(buf, resp); err == nil {
		return nil
	}
	proto.Reset(resp)
	return proto.Unmarshal(buf, resp)
}

// readDecoder hands out rows, timestamps, values and oneof wrappers from
// slabs, so a response with thousands of values costs a few dozen
// allocations plus one per string or bytes value (their contents are copied
// out of the C buffer).
type readDecoder struct {
	doubles    []pb.Value_DoubleVal
	int64s     []pb.Value_Int64Val
	strings    []pb.Value_StringVal
	bools      []pb.Value_BoolVal
	floats     []pb.Value_FloatVal
	int32s     []pb.Value_Int32Val
	unixTimes  []pb.Value_UnixTimestampVal
	rows       []pb.EntityRow
	timestamps []timestamppb.Timestamp
	values     []pb.Value
	valuePtrs  []*pb.Value
	rowsLeft   int // rows of the current view not decoded yet, this one included
	views      []ViewRead

	doubleN, int64N, stringN, boolN, floatN, int32N, unixN int
}

// countRows counts the EntityRow fields of a ViewResult, so its rows,
// timestamps and values can be allocated once; malformed input stops the
// count early (the decode itself reports it).
func countRows(b []byte) int {
	rows := 0
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			break
		}
		if num == 3 && typ == protowire.BytesType {
			rows++
		}
		b = b[m:]
	}
	return rows
}

// take returns the next element of *slab, refilling it with a block twice
// the previous one (16 to 512 elements), so small responses stay small.
func take[T any](slab *[]T, last *int) *T {
	if len(*slab) == 0 {
		*last = min(max(2**last, 16), 512)
		*slab = make([]T, *last)
	}
	p := &(*slab)[0]
	*slab = (*slab)[1:]
	return p
}

// takeN returns n contiguous elements of *slab with their capacity capped at
// n, so an append past them reallocates instead of running into the next
// caller's elements. A refill holds `want` elements (at least n): the rest of
// the view's rows, so a view's values usually come from one allocation.
func takeN[T any](slab *[]T, n, want int) []T {
	if len(*slab) < n {
		*slab = make([]T, max(want, n))
	}
	out := (*slab)[:n:n]
	*slab = (*slab)[n:]
	return out
}

func (d *readDecoder) response(b []byte, resp *pb.ReadResponse) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num != 1 || typ != protowire.BytesType {
			return errSlowPath
		}
		b = b[n:]
		m, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return errSlowPath
		}
		b = b[n:]
		v := &pb.ViewResult{}
		var req *ViewRead
		if i := len(resp.Views); i < len(d.views) {
			req = &d.views[i]
		}
		if err := d.viewResult(m, v, req); err != nil {
			return err
		}
		resp.Views = append(resp.Views, v)
	}
	return nil
}

// viewResult decodes one ViewResult; req is the view the request named at
// its position (nil: unknown).
func (d *readDecoder) viewResult(b []byte, v *pb.ViewResult, req *ViewRead) error {
	d.rowsLeft = countRows(b)
	v.Rows = make([]*pb.EntityRow, 0, d.rowsLeft)
	names := requestedNames(req)
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return errSlowPath
		}
		b = b[n:]
		m, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return errSlowPath
		}
		b = b[n:]
		switch num {
		case 1:
			if req != nil && string(m) == req.View.Name {
				v.FeatureView = req.View.Name
				break
			}
			if !utf8.Valid(m) {
				return errSlowPath
			}
			v.FeatureView = string(m)
		case 2:
			if v.FeatureNames == nil && names.len() > 0 {
				v.FeatureNames = make([]string, 0, names.len())
			}
			if k := len(v.FeatureNames); k < names.len() && string(m) == names.at(k) {
				v.FeatureNames = append(v.FeatureNames, names.at(k))
				break
			}
			if !utf8.Valid(m) {
				return errSlowPath
			}
			v.FeatureNames = append(v.FeatureNames, string(m))
		case 3:
			row := &takeN(&d.rows, 1, d.rowsLeft)[0]
			if err := d.entityRow(m, row, len(v.FeatureNames)); err != nil {
				return err
			}
			v.Rows = append(v.Rows, row)
			d.rowsLeft = max(d.rowsLeft-1, 1)
		default:
			return errSlowPath
		}
	}
	return nil
}

// featureNames are the names a view's answer lists: the requested
// features, or all declared features in order.
type featureNames struct {
	requested []string
	declared  []Feature
}

func requestedNames(req *ViewRead) featureNames {
	switch {
	case req == nil:
		return featureNames{}
	case len(req.Features) > 0:
		return featureNames{requested: req.Features}
	}
	return featureNames{declared: req.View.Features}
}

func (n featureNames) len() int { return len(n.requested) + len(n.declared) }

func (n featureNames) at(k int) string {
	if n.requested != nil {
		return n.requested[k]
	}
	return n.declared[k].Name
}

func (d *readDecoder) entityRow(b []byte, row *pb.EntityRow, sizeHint int) error {
	var block []pb.Value
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errSlowPath
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return errSlowPath
			}
			b = b[n:]
			row.Found = x != 0
		case num == 2 && typ == protowire.BytesType && row.EventTimestamp == nil:
			m, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return errSlowPath
			}
			b = b[n:]
			ts := &takeN(&d.timestamps, 1, d.rowsLeft)[0]
			if err := timestamp(m, ts); err != nil {
				return err
			}
			row.EventTimestamp = ts
		case num == 3 && typ == protowire.BytesType:
			m, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return errSlowPath
			}
			b = b[n:]
			if len(block) == 0 {
				n := max(sizeHint, 1)
				block = takeN(&d.values, n, n*d.rowsLeft)
				if row.Values == nil {
					row.Values = takeN(&d.valuePtrs, n, n*d.rowsLeft)[:0]
				}
			}
			v := &block[0]
			block = block[1:]
			if err := d.value(m, v); err != nil {
				return err
			}
			row.Values = append(row.Values, v)
		default:
			return errSlowPath
		}
	}
	return nil
}

func timestamp(b []byte, ts *timestamppb.Timestamp) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.VarintType || (num != 1 && num != 2) {
			return errSlowPath
		}
		b = b[n:]
		x, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return errSlowPath
		}
		b = b[n:]
		if num == 1 {
			ts.Seconds = int64(x)
		} else {
			ts.Nanos = int32(x)
		}
	}
	return nil
}

// value decodes the scalar kinds; a Value with any other field, or more than
// one field, is left to proto.Unmarshal (merge rules for repeated oneof
// fields are not worth copying here).
func (d *readDecoder) value(b []byte, v *pb.Value) error {
	if len(b) == 0 {
		return nil // a Value with no field set: a feature the record lacks
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return errSlowPath
	}
	rest := b[n:]
	var used int
	switch {
	case num == 5 && typ == protowire.Fixed64Type:
		x, n := protowire.ConsumeFixed64(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		w := take(&d.doubles, &d.doubleN)
		w.DoubleVal = math.Float64frombits(x)
		v.Val = w
	case num == 4 && typ == protowire.VarintType:
		x, n := protowire.ConsumeVarint(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		w := take(&d.int64s, &d.int64N)
		w.Int64Val = int64(x)
		v.Val = w
	case num == 2 && typ == protowire.BytesType:
		m, n := protowire.ConsumeBytes(rest)
		if n < 0 || !utf8.Valid(m) {
			return errSlowPath
		}
		used = n
		w := take(&d.strings, &d.stringN)
		w.StringVal = string(m)
		v.Val = w
	case num == 7 && typ == protowire.VarintType:
		x, n := protowire.ConsumeVarint(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		w := take(&d.bools, &d.boolN)
		w.BoolVal = x != 0
		v.Val = w
	case num == 6 && typ == protowire.Fixed32Type:
		x, n := protowire.ConsumeFixed32(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		w := take(&d.floats, &d.floatN)
		w.FloatVal = math.Float32frombits(x)
		v.Val = w
	case num == 3 && typ == protowire.VarintType:
		x, n := protowire.ConsumeVarint(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		w := take(&d.int32s, &d.int32N)
		w.Int32Val = int32(x)
		v.Val = w
	case num == 8 && typ == protowire.VarintType:
		x, n := protowire.ConsumeVarint(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		w := take(&d.unixTimes, &d.unixN)
		w.UnixTimestampVal = int64(x)
		v.Val = w
	case num == 1 && typ == protowire.BytesType:
		m, n := protowire.ConsumeBytes(rest)
		if n < 0 {
			return errSlowPath
		}
		used = n
		v.Val = &pb.Value_BytesVal{BytesVal: append([]byte{}, m...)}
	default:
		return proto.Unmarshal(b, v)
	}
	if len(rest) != used {
		// More than one field: let the generic decoder apply the merge rules.
		v.Val = nil
		return proto.Unmarshal(b, v)
	}
	return nil
}
