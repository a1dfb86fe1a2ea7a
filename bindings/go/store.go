// Store: the Go owner of one library store handle. It opens and closes the
// handle, keeps calls and Close from overlapping, and turns context
// deadlines into the requests' timeout_ms.
package feastaerospike

// #include "feast_aerospike.h"
import "C"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/proto"
)

// Store is a connected online store. It is safe for concurrent use; Close it
// when done.
type Store struct {
	// mu orders calls against Close: every call holds a read lock while it
	// uses the handle; Close frees the handle under the write lock, so it
	// waits for running calls and later calls see a nil handle.
	mu   sync.RWMutex
	_ptr *C.fas_store

	hook  PrewritingHook
	views atomic.Pointer[map[string]FeatureView]
}

// PrewritingHook is called by WriteBatch with the rows about to be written and
// returns the rows to write instead (same shape; it may change values, drop
// rows or return the slice it was given). An empty result writes nothing; an
// error fails the whole batch before anything is written. It is the Go form
// of Feast's prewriting_hook config key (PII masking, value coercion, ...).
type PrewritingHook func(ctx context.Context, view FeatureView, rows []WriteRow) ([]WriteRow, error)

// Option changes how Open sets up a Store.
type Option func(*Store)

// WithPrewritingHook sets the hook WriteBatch calls before encoding rows.
func WithPrewritingHook(hook PrewritingHook) Option {
	return func(s *Store) { s.hook = hook }
}

// WithFeatureViews registers the views OnlineRead uses to learn feature
// types (see RegisterFeatureViews).
func WithFeatureViews(views ...FeatureView) Option {
	return func(s *Store) { s.RegisterFeatureViews(views...) }
}

// Open connects to the cluster described by cfg.
func Open(cfg Config, opts ...Option) (*Store, error) {
	js, err := cfg.JSON()
	if err != nil {
		return nil, newError("open", StatusConfig, -1, "cannot encode the config as JSON: "+err.Error())
	}
	return OpenJSON(js, opts...)
}

// OpenJSON connects using the online-store block of feature_store.yaml
// given as JSON, with the repo-level project and
// entity_key_serialization_version keys added.
func OpenJSON(configJSON []byte, opts ...Option) (*Store, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	req, err := proto.Marshal(&pb.InitRequest{ConfigJson: string(configJSON)})
	if err != nil {
		return nil, newError("open", StatusInternal, -1, "cannot encode the init request: "+err.Error())
	}
	h, err := openC(req)
	if err != nil {
		return nil, err
	}
	s := &Store{_ptr: h}
	empty := map[string]FeatureView{}
	s.views.Store(&empty)
	for _, o := range opts {
		o(s)
	}
	runtime.SetFinalizer(s, finalizeStore)
	return s, nil
}

// finalizedStores counts stores freed by the finalizer, for tests.
var finalizedStores atomic.Int64

// finalizeStore is the safety net for a Store that was never closed.
func finalizeStore(s *Store) {
	finalizedStores.Add(1)
	_ = s.Close()
}

// handle returns the C handle for a call; the caller holds s.mu for reading
// and ends with runtime.KeepAlive(s).
func (s *Store) handle() *C.fas_store {
	h := s._ptr
	maybeGC()
	return h
}

// Close closes the cluster connections and frees the handle. Calls running
// when Close starts finish first; calls made later fail with ErrClosed.
// Close is idempotent: later calls return nil.
func (s *Store) Close() error {
	// Stop new work in the library first, without waiting for running calls
	// (they keep their read locks)...
	var err error
	s.mu.RLock()
	if s._ptr != nil {
		err = closeC(s.handle())
	}
	s.mu.RUnlock()
	// ...then wait for them, and free the handle once nothing uses it.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s._ptr == nil {
		return nil
	}
	runtime.SetFinalizer(s, nil)
	freeC(s.handle())
	s._ptr = nil
	runtime.KeepAlive(s)
	return err
}

// RegisterFeatureViews adds or replaces views in the catalog OnlineRead uses
// to learn each feature's declared type. Safe to call concurrently with reads.
func (s *Store) RegisterFeatureViews(views ...FeatureView) {
	for {
		old := s.views.Load()
		next := make(map[string]FeatureView, len(*old)+len(views))
		for k, v := range *old {
			next[k] = v
		}
		for _, v := range views {
			next[v.Name] = v
		}
		if s.views.CompareAndSwap(old, &next) {
			return
		}
	}
}

// call runs one request/response operation. setTimeout stores the time the
// context still allows into the request (in milliseconds, rounded up, never
// longer than a timeout already in the request).
func (s *Store) call(ctx context.Context, op operation, req proto.Message, setTimeout func(ms uint32), resp proto.Message) error {
	return s.callEncoded(ctx, op, func(ms uint32, hasDeadline bool) ([]byte, error) {
		if hasDeadline {
			setTimeout(ms)
		}
		buf, err := proto.Marshal(req)
		if err != nil {
			return nil, newError(op.String(), StatusInvalidArgument, -1, "cannot encode the request: "+err.Error())
		}
		return buf, nil
	}, resp)
}

// callEncoded runs one request/response operation on the bytes encode
// returns, given the time the context still allows (ms, rounded up; when
// hasDeadline). The bytes are passed to the library as they are.
func (s *Store) callEncoded(ctx context.Context, op operation, encode func(ms uint32, hasDeadline bool) ([]byte, error), resp proto.Message) error {
	ms, hasDeadline, err := contextTimeout(ctx)
	if err != nil {
		return contextError(op, err)
	}
	buf, err := encode(ms, hasDeadline)
	if err != nil {
		return err
	}

	s.mu.RLock()
	if s._ptr == nil {
		s.mu.RUnlock()
		return newError(op.String(), StatusClosed, -1, "the store is closed")
	}
	err = callC(s.handle(), op, buf, resp)
	s.mu.RUnlock()
	runtime.KeepAlive(s)

	// A library timeout at the context's deadline is the deadline expiring.
	// The clock decides, not ctx.Err(): the context's timer may not have
	// fired yet when the library returns.
	var e *Error
	if errors.As(err, &e) && e.Status == StatusTimeout && hasDeadline {
		if deadline, _ := ctx.Deadline(); time.Until(deadline) <= time.Millisecond {
			e.cause = context.DeadlineExceeded
		}
	}
	return err
}

// contextTimeout is the time ctx still allows, in milliseconds rounded up
// (so a deadline 0.3 ms away is still a 1 ms bound, not "no bound"), or the
// context's error when it already ended.
func contextTimeout(ctx context.Context) (ms uint32, hasDeadline bool, err error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0, false, nil
	}
	remaining := time.Until(deadline)
	if remaining <= 0 {
		return 0, false, context.DeadlineExceeded
	}
	n := (remaining + time.Millisecond - 1) / time.Millisecond
	if n > math.MaxUint32 {
		n = math.MaxUint32
	}
	return uint32(n), true, nil
}

// contextError reports a context that ended before the call started. An
// expired deadline is a timeout like any other; a cancellation is returned
// as the context's own error, wrapped with the operation.
func contextError(op operation, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		e := newError(op.String(), StatusTimeout, -1, "the context deadline expired before the call")
		e.cause = err
		return e
	}
	return &opError{op: op.String(), err: err}
}

// opError wraps a non-library error (context cancellation) with the
// operation that saw it.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "feast-aerospike " + e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// timeoutSetter returns a setter that keeps the smaller of the request's own
// timeout (0 = none) and the context's.
func timeoutSetter(field *uint32) func(uint32) {
	return func(ms uint32) {
		if *field == 0 || ms < *field {
			*field = ms
		}
	}
}
