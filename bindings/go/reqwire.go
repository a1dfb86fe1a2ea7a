// Request pieces both direct encoders write (WriteBatchEncoder and the read
// request, readenc.go): the timeout slot, a FeatureView, an EntityKey. Each
// is field 1 of the message that holds it (WriteBatchRequest.feature_view,
// ViewRead.feature_view; WriteRow.entity_key, ReadRequest.entity_keys), and
// timeout_ms is field 3 of both requests.
package feastaerospike

import (
	"fmt"
	"unicode/utf8"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// appendTimeoutSlot appends the room for timeout_ms (encSlot bytes: the tag
// and a padded varint), filled in at call time by withTimeout.
func appendTimeoutSlot(b []byte) []byte {
	return append(b, tagTimeout, 0x80, 0x80, 0x80, 0x80, 0)
}

// withTimeout is the request to send from buf (a timeout slot, then the
// request): with the slot filled when the context has a deadline, else
// without it.
func withTimeout(buf []byte, ms uint32, hasDeadline bool) []byte {
	if !hasDeadline {
		return buf[encSlot:]
	}
	putPadded(buf[1:encSlot], uint64(ms))
	return buf
}

func featureSize(f *Feature) int {
	n := sizeOptString(f.Name)
	if f.Type != 0 {
		n += 1 + protowire.SizeVarint(uint64(int64(f.Type)))
	}
	return n
}

// featureViewSize is the size of view as a FeatureView message, or what is
// wrong with it (a name that is not valid UTF-8).
func featureViewSize(view *FeatureView) (size int, problem string) {
	if !utf8.ValidString(view.Name) {
		return 0, "feature view name is not valid UTF-8"
	}
	size = sizeOptString(view.Name)
	for i := range view.Features {
		f := &view.Features[i]
		if !utf8.ValidString(f.Name) {
			return 0, fmt.Sprintf("feature %d of the view: name %q is not valid UTF-8", i, f.Name)
		}
		if n, ok := shortFeatureSize(f); ok {
			size += 2 + n
			continue
		}
		size += 1 + sizeLen(featureSize(f))
	}
	return size, ""
}

// shortFeatureSize is featureSize for the common case, a name of 1 to 123
// bytes and a type below 128: every length and the type take one byte.
func shortFeatureSize(f *Feature) (int, bool) {
	n := len(f.Name)
	if n == 0 || n > 123 || uint64(f.Type) >= 0x80 {
		return 0, false
	}
	if f.Type == 0 {
		return 2 + n, true
	}
	return 4 + n, true
}

// appendFeatureView appends view as field 1, its message featureViewSize
// bytes long: one Feature per declared feature, written in place.
func appendFeatureView(b []byte, view *FeatureView, size int) []byte {
	b = protowire.AppendVarint(append(b, tagLen1), uint64(size))
	b = appendOptString(b, tagLen1, view.Name)
	for i := range view.Features {
		f := &view.Features[i]
		if n, ok := shortFeatureSize(f); ok {
			b = append(append(b, tagLen2, byte(n), tagLen1, byte(len(f.Name))), f.Name...)
			if f.Type != 0 {
				b = append(b, 2<<3|wtVarint, byte(f.Type))
			}
			continue
		}
		b = protowire.AppendVarint(append(b, tagLen2), uint64(featureSize(f)))
		b = appendOptString(b, tagLen1, f.Name)
		if f.Type != 0 {
			b = protowire.AppendVarint(append(b, 2<<3|wtVarint), uint64(int64(f.Type)))
		}
	}
	return b
}

// appendEntityKey appends key (nil: an empty key, as proto.Marshal writes a
// nil list element) as field 1. A value kind appendValue does not handle is
// left to proto.Marshal of the whole key, which also reports bad input. On
// bad input problem says what is wrong and b is to be dropped.
func appendEntityKey(b []byte, key *pb.EntityKey) (_ []byte, problem string) {
	size := 0
	for _, k := range key.GetJoinKeys() {
		if !utf8.ValidString(k) {
			return b, fmt.Sprintf("join key %q is not valid UTF-8", k)
		}
		size += sizeString(k)
	}
	for i, v := range key.GetEntityValues() {
		n, ok := valueSize(v)
		if !ok {
			size := proto.Size(key)
			b = protowire.AppendVarint(append(b, tagLen1), uint64(size))
			if b, problem = marshalAppend(b, key, size); problem != "" {
				problem = fmt.Sprintf("entity value %d: %s", i, problem)
			}
			return b, problem
		}
		size += 1 + sizeLen(n)
	}
	b = protowire.AppendVarint(append(b, tagLen1), uint64(size))
	for _, k := range key.GetJoinKeys() {
		b = appendString(b, tagLen1, k)
	}
	for _, v := range key.GetEntityValues() {
		n, _ := valueSize(v)
		b = protowire.AppendVarint(append(b, tagLen2), uint64(n))
		b = appendValue(b, v)
	}
	return b, ""
}

// marshalAppend appends m, which proto.Size measured as size bytes, or says
// why it cannot.
func marshalAppend(b []byte, m proto.Message, size int) (_ []byte, problem string) {
	out, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(b, m)
	if err != nil {
		return b, err.Error()
	}
	if len(out)-len(b) != size {
		return b, fmt.Sprintf("encoded in %d bytes, measured %d (changed while being encoded?)", len(out)-len(b), size)
	}
	return out, ""
}
