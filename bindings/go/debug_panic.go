// A hook into the library's panic boundary (fas_debug_panic), so tests can
// prove that a panic inside the library arrives as an *Error with
// StatusPanic. cgo cannot be used in _test.go files, hence this file.
package feastaerospike

// #include <stdlib.h>
// #include "feast_aerospike.h"
import "C"

import "unsafe"

func debugPanic(message string) error {
	cmsg := C.CString(message)
	defer C.free(unsafe.Pointer(cmsg))
	var cerr *C.fas_error
	status := C.fas_debug_panic(cmsg, &cerr)
	if status == C.FAS_OK {
		return nil
	}
	return takeError("debug_panic", status, cerr)
}
