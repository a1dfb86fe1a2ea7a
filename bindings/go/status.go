// Status codes of the C ABI (docs/ABI.md). The values come from the header,
// never typed in by hand, and status_test.go checks that every code the
// header defines has a name and a sentinel error here.
package feastaerospike

// #include "feast_aerospike.h"
import "C"

import "strconv"

// Status is a C ABI status code. Its values never change between releases.
type Status int32

// The statuses of docs/ABI.md.
const (
	StatusOK              Status = C.FAS_OK
	StatusInvalidArgument Status = C.FAS_ERR_INVALID_ARGUMENT
	StatusDecode          Status = C.FAS_ERR_DECODE
	StatusConfig          Status = C.FAS_ERR_CONFIG
	StatusConnection      Status = C.FAS_ERR_CONNECTION
	StatusTimeout         Status = C.FAS_ERR_TIMEOUT
	StatusServer          Status = C.FAS_ERR_SERVER
	StatusClosed          Status = C.FAS_ERR_CLOSED
	StatusPanic           Status = C.FAS_ERR_PANIC
	StatusInternal        Status = C.FAS_ERR_INTERNAL
)

// statusInfo holds, for every status, the header constant's name (which the
// completeness test matches against the header) and a short description.
var statusInfo = map[Status]struct{ cName, text string }{
	StatusOK:              {"FAS_OK", "ok"},
	StatusInvalidArgument: {"FAS_ERR_INVALID_ARGUMENT", "invalid argument"},
	StatusDecode:          {"FAS_ERR_DECODE", "malformed request"},
	StatusConfig:          {"FAS_ERR_CONFIG", "invalid configuration"},
	StatusConnection:      {"FAS_ERR_CONNECTION", "connection failure"},
	StatusTimeout:         {"FAS_ERR_TIMEOUT", "timeout"},
	StatusServer:          {"FAS_ERR_SERVER", "server error"},
	StatusClosed:          {"FAS_ERR_CLOSED", "store closed"},
	StatusPanic:           {"FAS_ERR_PANIC", "library bug, panic caught"},
	StatusInternal:        {"FAS_ERR_INTERNAL", "internal error"},
}

// String returns a short description, e.g. "timeout".
func (s Status) String() string {
	if info, ok := statusInfo[s]; ok {
		return info.text
	}
	return "unknown status " + strconv.Itoa(int(s))
}

// statusFromC maps a raw code from the library. A code this package does not
// know (a newer library) becomes StatusInternal so callers never see an
// unnamed status; the message keeps the raw number.
func statusFromC(code int32) Status {
	s := Status(code)
	if _, ok := statusInfo[s]; ok {
		return s
	}
	return StatusInternal
}
