// The package's one error type, its sentinel values for errors.Is, and the
// per-row failures of a write batch.
package feastaerospike

import (
	"strconv"
	"strings"
)

// Error is every failure the library reports: the ABI status, the Aerospike
// result code when the server gave one (else -1), and a message with the
// context (operation, namespace/set, rows). Test it with errors.Is against
// the Err* sentinels, or errors.As to read the fields:
//
//	if errors.Is(err, feastaerospike.ErrTimeout) { ... }
//	var e *feastaerospike.Error
//	if errors.As(err, &e) && e.ResultCode == 13 { ... }
//
// A context deadline that expired is also reported as an *Error with
// StatusTimeout whose cause is context.DeadlineExceeded, so both
// errors.Is(err, ErrTimeout) and errors.Is(err, context.DeadlineExceeded) hold.
type Error struct {
	// Op is the operation: "open", "write_batch", "read", "update",
	// "teardown", "close".
	Op string
	// Status is the ABI status code (never StatusOK).
	Status Status
	// ResultCode is the Aerospike result code, or -1 when there is none.
	ResultCode int32
	// Message is the library's description of the failure.
	Message string
	// Rows lists the rows a WriteBatch did not confirm written, in row
	// order; nil for every other failure.
	Rows []RowFailure

	cause error
}

// RowFailure is one row of a write batch that was not confirmed written.
type RowFailure struct {
	// Index is the row's position in the rows that were sent (after the
	// prewriting hook, when one is set).
	Index int
	// Status is the row's ABI status, as the library classified it (for
	// example StatusServer for a refused record, StatusTimeout for a row
	// whose deadline expired, StatusInvalidArgument for a row that could not
	// be encoded).
	Status Status
	// ResultCode is the Aerospike result code, or -1 when the server gave
	// none (the row was never sent, or no answer came back for it).
	ResultCode int32
	Message    string
	// InDoubt is true when the write may or may not have been applied.
	InDoubt bool
}

func newError(op string, status Status, resultCode int32, message string) *Error {
	return &Error{Op: op, Status: status, ResultCode: resultCode, Message: message}
}

// Error formats as "feast-aerospike read: <message> (timeout, result code 9)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("feast-aerospike")
	// The library's messages usually start with the operation already.
	if e.Op != "" && !strings.HasPrefix(e.Message, e.Op+":") {
		b.WriteString(" ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	b.WriteString(" (")
	b.WriteString(e.Status.String())
	if e.ResultCode >= 0 {
		b.WriteString(", result code ")
		b.WriteString(strconv.Itoa(int(e.ResultCode)))
	}
	b.WriteString(")")
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause: the context error for an expired
// deadline, the hook's error for a failed prewriting hook, else nil.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the sentinel of e's status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	sentinel, known := sentinels[t.Status]
	return known && t == sentinel && e.Status == t.Status
}

// Sentinel errors, one per failure status, for errors.Is.
var (
	ErrInvalidArgument = sentinel(StatusInvalidArgument)
	ErrDecode          = sentinel(StatusDecode)
	ErrConfig          = sentinel(StatusConfig)
	ErrConnection      = sentinel(StatusConnection)
	ErrTimeout         = sentinel(StatusTimeout)
	ErrServer          = sentinel(StatusServer)
	ErrClosed          = sentinel(StatusClosed)
	ErrPanic           = sentinel(StatusPanic)
	ErrInternal        = sentinel(StatusInternal)
)

var sentinels = map[Status]*Error{}

func sentinel(s Status) *Error {
	e := &Error{Status: s, ResultCode: -1, Message: s.String()}
	sentinels[s] = e
	return e
}

// StatusError returns the sentinel error of status s (nil for StatusOK and
// unknown codes).
func StatusError(s Status) error {
	if e, ok := sentinels[s]; ok {
		return e
	}
	return nil
}
