// WriteBatch: rows of one feature view, with every row that was not written
// reported back.
package feastaerospike

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// WriteOutcome is what a write did with each row that did not fail.
type WriteOutcome struct {
	// Written is the number of rows the server confirmed written.
	Written int
	// SkippedStale lists, in ascending order, the indexes of rows not
	// applied because the record holds a newer event timestamp for the view
	// (only with Config.EventTimeSafeWrites). A skipped row is not an error:
	// the stored data is newer.
	SkippedStale []int
}

// WriteBatch writes rows of one feature view. It returns nil only when the
// library confirmed every row written or skipped as stale (see
// WriteBatchOutcome). When some rows were not written (or their outcome is
// unknown), it returns an *Error whose Rows lists each of them; the other rows
// were written.
func (s *Store) WriteBatch(ctx context.Context, view FeatureView, rows []WriteRow) error {
	_, err := s.WriteBatchOutcome(ctx, view, rows)
	return err
}

// WriteBatchOutcome is WriteBatch that also reports how many rows were
// written and which were skipped as stale. On a per-row *Error the outcome
// still describes the rows that did not fail.
func (s *Store) WriteBatchOutcome(ctx context.Context, view FeatureView, rows []WriteRow) (WriteOutcome, error) {
	if s.hook != nil && len(rows) > 0 {
		out, err := s.hook(ctx, view, rows)
		if err != nil {
			e := newError(opWriteBatch.String(), StatusInvalidArgument, -1,
				fmt.Sprintf("prewriting hook failed for feature view %q; nothing was written", view.Name))
			e.cause = err
			return WriteOutcome{}, e
		}
		rows = out
	}
	if len(rows) == 0 {
		return WriteOutcome{}, nil
	}
	enc := encoderPool.Get().(*WriteBatchEncoder)
	defer putEncoder(enc)
	enc.Reset(view)
	enc.encodeRows(rows)
	if err := enc.ready(); err != nil {
		return WriteOutcome{}, err
	}
	return s.writeEncoded(ctx, enc)
}

// encoderPool holds WriteBatch's encoders, so a steady stream of batches
// reuses their buffers.
var encoderPool = sync.Pool{New: func() any { return new(WriteBatchEncoder) }}

// maxPooledEncoder: an encoder whose buffer grew past this is dropped, not
// pooled, so one huge batch does not pin its memory.
const maxPooledEncoder = 64 << 20

func putEncoder(enc *WriteBatchEncoder) {
	if cap(enc.buf) <= maxPooledEncoder {
		enc.view = FeatureView{}
		encoderPool.Put(enc)
	}
}

// WriteEncoded writes the rows of enc (see WriteBatchEncoder) with
// WriteBatch's semantics: nil only when every row was written or skipped as
// stale, else an *Error whose Rows lists each row not written (indexes count
// the encoder's rows, or with a prewriting hook the rows it returned, as for
// WriteBatch). The context bounds the call as for WriteBatch. An
// encoder with a row still open or a kept error writes nothing and returns
// that error (StatusInvalidArgument). The encoder is left as it was (write
// it again, or Reset it).
//
// With a prewriting hook (WithPrewritingHook) the hook still runs, on the
// rows decoded back from the encoder, and what it returns is written as by
// WriteBatch: the hook's guarantees (masking, coercion) hold on every write
// path, at the cost of the encoder's speed for that store.
func (s *Store) WriteEncoded(ctx context.Context, enc *WriteBatchEncoder) error {
	_, err := s.WriteEncodedOutcome(ctx, enc)
	return err
}

// WriteEncodedOutcome is WriteEncoded that also reports how many rows were
// written and which were skipped as stale (see WriteBatchOutcome).
func (s *Store) WriteEncodedOutcome(ctx context.Context, enc *WriteBatchEncoder) (WriteOutcome, error) {
	if enc == nil {
		return WriteOutcome{}, newError(opWriteBatch.String(), StatusInvalidArgument, -1, "write encoder is nil")
	}
	if err := enc.ready(); err != nil {
		return WriteOutcome{}, err
	}
	if enc.rows == 0 {
		return WriteOutcome{}, nil
	}
	if s.hook != nil {
		rows, err := enc.decodeRows()
		if err != nil {
			return WriteOutcome{}, err
		}
		return s.WriteBatchOutcome(ctx, enc.view, rows)
	}
	return s.writeEncoded(ctx, enc)
}

// writeEncoded sends a complete request (enc.ready() is nil, rows > 0).
func (s *Store) writeEncoded(ctx context.Context, enc *WriteBatchEncoder) (WriteOutcome, error) {
	var resp pb.WriteBatchResponse
	err := s.callEncoded(ctx, opWriteBatch, func(ms uint32, hasDeadline bool) ([]byte, error) {
		return enc.request(ms, hasDeadline), nil
	}, &resp)
	if err != nil {
		return WriteOutcome{}, err
	}
	outcome := WriteOutcome{Written: int(resp.GetRowsWritten())}
	for _, i := range resp.GetSkippedStaleRows() {
		outcome.SkippedStale = append(outcome.SkippedStale, int(i))
	}
	return outcome, writeFailures(enc.view.Name, enc.rows, &resp)
}

// writeFailures turns a response with failed rows into an *Error whose
// status and result code are those of the first failure.
func writeFailures(view string, total int, resp *pb.WriteBatchResponse) error {
	failures := resp.GetFailures()
	if len(failures) == 0 {
		done := resp.GetRowsWritten() + uint64(len(resp.GetSkippedStaleRows()))
		if done != uint64(total) {
			return newError(opWriteBatch.String(), StatusInternal, -1, fmt.Sprintf(
				"feature view %q: the library confirmed %d of %d rows (%d skipped as stale) and reported no failures",
				view, resp.GetRowsWritten(), total, len(resp.GetSkippedStaleRows())))
		}
		return nil
	}
	rows := make([]RowFailure, len(failures))
	for i, f := range failures {
		rows[i] = RowFailure{Index: int(f.GetRowIndex()), Status: rowStatus(f.GetStatus()), ResultCode: f.GetResultCode(), Message: f.GetMessage(), InDoubt: f.GetInDoubt()}
	}
	first := rows[0]
	var b strings.Builder
	fmt.Fprintf(&b, "feature view %q: %d of %d rows not written", view, len(rows), total)
	const shown = 3
	for i, r := range rows {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(rows)-shown)
			break
		}
		fmt.Fprintf(&b, "; row %d: %s", r.Index, r.Message)
		if r.ResultCode >= 0 {
			fmt.Fprintf(&b, " (result code %d)", r.ResultCode)
		}
		if r.InDoubt {
			b.WriteString(" (in doubt)")
		}
	}
	e := newError(opWriteBatch.String(), first.Status, first.ResultCode, b.String())
	e.Rows = rows
	return e
}

// rowStatus is the status the library gave a failed row; OK or a number
// this binding does not know (a library bug) reads as StatusInternal.
func rowStatus(code int32) Status {
	if s := statusFromC(code); s != StatusOK {
		return s
	}
	return StatusInternal
}
