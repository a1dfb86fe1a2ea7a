// The cgo boundary: the C declarations, the one function that calls into the
// library for request/response operations, and the conversion of the
// library's error objects. Every other file works with Go values only.
package feastaerospike

/*
#cgo CFLAGS: -I${SRCDIR}
#include <stdlib.h>
#include "feast_aerospike.h"
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/proto"
)

// Why runtime.KeepAlive after every C call, and what maybeGC is for:
//
// A Store owns a C handle and has a finalizer that frees it. Once a method has
// read the handle out of the Store, nothing else may keep the Store reachable,
// so without a KeepAlive the collector could run the finalizer while C is
// still using the handle. Every call therefore reads the handle through
// Store.handle (which calls maybeGC) and ends with runtime.KeepAlive(s). Built
// with the fas_debug_gc tag, maybeGC forces a collection at exactly the moment
// a missing KeepAlive would matter, so CI (GOGC=1 go test -tags fas_debug_gc)
// turns such a bug into a test failure instead of a rare production crash.

// operation names one request/response function of the ABI.
type operation int

const (
	opWriteBatch operation = iota
	opRead
	opUpdate
	opTeardown
	opMetrics
)

func (op operation) String() string {
	switch op {
	case opWriteBatch:
		return "write_batch"
	case opRead:
		return "read"
	case opUpdate:
		return "update"
	case opTeardown:
		return "teardown"
	case opMetrics:
		return "metrics"
	}
	return "unknown operation"
}

// callC runs one request/response function with the encoded request and, on
// success, decodes the response straight out of the library's buffer into
// resp before freeing it. Both decoders (proto.Unmarshal and decode.go) copy
// every bytes and string field (decode.go may instead share a name string of
// the request's views: Go memory), so nothing in resp points into C memory
// afterwards.
func callC(h *C.fas_store, op operation, req []byte, resp proto.Message) error {
	var reqPtr *C.uint8_t
	if len(req) > 0 {
		reqPtr = (*C.uint8_t)(unsafe.Pointer(&req[0]))
	}
	reqLen := C.size_t(len(req))
	var out *C.uint8_t
	var outLen C.size_t
	var cerr *C.fas_error
	var status C.int32_t
	switch op {
	case opWriteBatch:
		status = C.fas_store_write_batch(h, reqPtr, reqLen, &out, &outLen, &cerr)
	case opRead:
		status = C.fas_store_read(h, reqPtr, reqLen, &out, &outLen, &cerr)
	case opUpdate:
		status = C.fas_store_update(h, reqPtr, reqLen, &out, &outLen, &cerr)
	case opTeardown:
		status = C.fas_store_teardown(h, reqPtr, reqLen, &out, &outLen, &cerr)
	case opMetrics: // takes no request
		status = C.fas_store_metrics(h, &out, &outLen, &cerr)
	default:
		return newError(op.String(), StatusInternal, -1, "unknown operation")
	}
	runtime.KeepAlive(req)
	maybeGC()
	if status != C.FAS_OK {
		return takeError(op.String(), status, cerr)
	}
	defer C.fas_buffer_free(out, outLen)
	if outLen == 0 {
		proto.Reset(resp)
		return nil
	}
	if uint64(outLen) > uint64(maxInt) {
		return newError(op.String(), StatusInternal, -1, "response larger than the address space")
	}
	buf := unsafe.Slice((*byte)(unsafe.Pointer(out)), int(outLen))
	var err error
	switch r := resp.(type) {
	case *pb.ReadResponse:
		err = unmarshalReadResponse(buf, r, nil)
	case readResponse:
		err = unmarshalReadResponse(buf, r.ReadResponse, r.views)
	default:
		err = proto.Unmarshal(buf, resp)
	}
	if err != nil {
		return newError(op.String(), StatusInternal, -1, "cannot decode the library's response: "+err.Error())
	}
	return nil
}

const maxInt = int(^uint(0) >> 1)

// takeError turns a status and the optional error object into an *Error and
// frees the object. The object's own code wins over the returned status only
// when they disagree, which would be a library bug worth seeing in the text.
func takeError(op string, status C.int32_t, cerr *C.fas_error) *Error {
	if cerr == nil {
		return newError(op, statusFromC(int32(status)), -1, "no error details from the library")
	}
	defer C.fas_error_free(cerr)
	code := int32(C.fas_error_code(cerr))
	resultCode := int32(C.fas_error_result_code(cerr))
	msg := C.GoString(C.fas_error_message(cerr))
	if code != int32(status) {
		msg += " (error object says status " + statusFromC(code).String() + ")"
	}
	return newError(op, statusFromC(int32(status)), resultCode, msg)
}

// openC opens a store from an encoded InitRequest.
func openC(req []byte) (*C.fas_store, error) {
	var reqPtr *C.uint8_t
	if len(req) > 0 {
		reqPtr = (*C.uint8_t)(unsafe.Pointer(&req[0]))
	}
	var h *C.fas_store
	var cerr *C.fas_error
	status := C.fas_store_open(reqPtr, C.size_t(len(req)), &h, &cerr)
	runtime.KeepAlive(req)
	if status != C.FAS_OK {
		return nil, takeError("open", status, cerr)
	}
	if h == nil {
		return nil, newError("open", StatusInternal, -1, "library returned OK without a store handle")
	}
	return h, nil
}

// closeC closes the cluster connections; running calls finish first.
func closeC(h *C.fas_store) error {
	var cerr *C.fas_error
	status := C.fas_store_close(h, &cerr)
	if status != C.FAS_OK {
		return takeError("close", status, cerr)
	}
	return nil
}

// freeC releases the handle. No call may run on it concurrently or later.
func freeC(h *C.fas_store) {
	C.fas_store_free(h)
}

// checkABI refuses a library built against a different ABI than the header
// this package was compiled with (matters with fas_dynamic / fas_external,
// where the library is found at run time).
func checkABI() error {
	got := uint32(C.fas_abi_version())
	if got != uint32(C.FAS_ABI_VERSION) {
		return newError("open", StatusInternal, -1,
			"library ABI version "+utoa(uint64(got))+" does not match the header's "+utoa(uint64(C.FAS_ABI_VERSION))+
				"; rebuild the library and this package from the same checkout")
	}
	return nil
}

// LibraryVersion is the crate version of the linked Rust library.
func LibraryVersion() string {
	return C.GoString(C.fas_version())
}

// ABIVersion is the ABI version the linked library implements.
func ABIVersion() uint32 {
	return uint32(C.fas_abi_version())
}

func utoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
