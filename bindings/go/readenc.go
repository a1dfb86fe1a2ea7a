// The read request encoded straight into protobuf bytes (a
// feast_aerospike.v1.ReadRequest) from the caller's entity keys and views,
// with the write encoder's wire helpers: no pb.FeatureView and no pb.Feature
// per declared feature on every call, no reflection, and a pooled buffer, so
// building the request of a read allocates nothing once the pool is warm.
// readenc_test.go checks the bytes decode to the request the struct form
// (pb.ReadRequest and proto.Marshal, the path before this one) builds.
package feastaerospike

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/encoding/protowire"
)

// readRequest holds one read's request bytes: the timeout slot (encSlot
// bytes), then the ReadRequest.
type readRequest struct{ buf []byte }

var readRequestPool = sync.Pool{New: func() any { return new(readRequest) }}

func getReadRequest() *readRequest { return readRequestPool.Get().(*readRequest) }

// release returns r to the pool once the library is done with its bytes
// (the call returned); one huge request does not pin its memory.
func (r *readRequest) release() {
	if cap(r.buf) <= maxPooledEncoder {
		readRequestPool.Put(r)
	}
}

// encode fills r with the request for entityKeys and views (timeout_ms is
// filled in at call time, see withTimeout). Bad input, which proto.Marshal
// would refuse too (a name or string that is not valid UTF-8), is an *Error
// with StatusInvalidArgument saying where it is.
func (r *readRequest) encode(entityKeys []*pb.EntityKey, views []ViewRead) *Error {
	b := appendTimeoutSlot(r.buf[:0])
	var problem string
	for i, key := range entityKeys {
		if b, problem = appendEntityKey(b, key); problem != "" {
			r.buf = b
			return readRequestError(fmt.Sprintf("entity key %d: %s", i, problem))
		}
	}
	for i := range views {
		v := &views[i]
		viewSize, problem := featureViewSize(&v.View)
		if problem != "" {
			r.buf = b
			return readRequestError(fmt.Sprintf("view %d: %s", i, problem))
		}
		size := 1 + sizeLen(viewSize)
		for k, name := range v.Features {
			if !utf8.ValidString(name) {
				r.buf = b
				return readRequestError(fmt.Sprintf("view %d (%q): requested feature %d %q is not valid UTF-8", i, v.View.Name, k, name))
			}
			size += sizeString(name)
		}
		// ReadRequest.views (field 2): ViewRead{feature_view = 1, requested_features = 2}.
		b = protowire.AppendVarint(append(b, tagLen2), uint64(size))
		b = appendFeatureView(b, &v.View, viewSize)
		for _, name := range v.Features {
			b = appendString(b, tagLen2, name)
		}
	}
	r.buf = b
	return nil
}

func readRequestError(msg string) *Error {
	return newError(opRead.String(), StatusInvalidArgument, -1, "cannot encode the request: "+msg)
}
