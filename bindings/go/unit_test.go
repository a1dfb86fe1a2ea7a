// Unit tests that need no server: config encoding, write-failure reporting,
// context deadlines, closed-store use.
package feastaerospike

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

func TestConfigJSONUsesFeastKeys(t *testing.T) {
	cfg := Config{
		Project:                       "demo",
		EntityKeySerializationVersion: 3,
		Hosts:                         []Host{{Name: "a", Port: 3000}, {Name: "b", Port: 4333, TLSName: "tls-b"}},
		NamespaceOverrides:            map[string]string{"fv": "ns2"},
		Password:                      "hunter2",
		TTLSeconds:                    Int(0),
		MaxRetries:                    Int(0),
	}
	js, err := cfg.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"project", "entity_key_serialization_version", "hosts", "namespace_overrides", "password", "ttl_seconds", "max_retries"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %s", k, js)
		}
	}
	// Unset options stay out so the library applies Feast's defaults.
	for _, k := range []string{"namespace", "read_timeout_ms", "user", "tls", "type"} {
		if _, ok := m[k]; ok {
			t.Errorf("unset key %q present in %s", k, js)
		}
	}
	if got := string(mustJSON(t, m["hosts"])); got != `[["a",3000],["b",4333,"tls-b"]]` {
		t.Errorf("hosts = %s", got)
	}
	var back Config
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hosts[1] != cfg.Hosts[1] || *back.TTLSeconds != 0 {
		t.Errorf("round trip: %+v", back)
	}
	if strings.Contains(cfg.String(), "hunter2") || strings.Contains(cfg.GoString(), "hunter2") {
		t.Errorf("String prints the password: %s", cfg.String())
	}
	var h Host
	if err := json.Unmarshal([]byte(`["a"]`), &h); err == nil {
		t.Error("a one-element host was accepted")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteFailuresBecomeOneErrorWithEveryRow(t *testing.T) {
	if err := writeFailures("fv", 3, &pb.WriteBatchResponse{RowsWritten: 3}); err != nil {
		t.Fatalf("all written: %v", err)
	}
	err := writeFailures("fv", 3, &pb.WriteBatchResponse{RowsWritten: 2})
	if !errors.Is(err, ErrInternal) {
		t.Fatalf("a row neither written nor failed must be an error, got %v", err)
	}
	resp := &pb.WriteBatchResponse{RowsWritten: 1, Failures: []*pb.RowFailure{
		{RowIndex: 0, Status: int32(StatusServer), ResultCode: 13, Message: "record too big"},
		{RowIndex: 2, Status: int32(StatusTimeout), ResultCode: -1, Message: "timeout after send", InDoubt: true},
	}}
	err = writeFailures("fv", 3, resp)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v", err, err)
	}
	if e.Status != StatusServer || e.ResultCode != 13 || len(e.Rows) != 2 {
		t.Fatalf("error %+v", e)
	}
	if e.Rows[1] != (RowFailure{Index: 2, Status: StatusTimeout, ResultCode: -1, Message: "timeout after send", InDoubt: true}) {
		t.Fatalf("row failure %+v", e.Rows[1])
	}
	for _, want := range []string{`"fv"`, "2 of 3 rows", "row 0: record too big (result code 13)", "row 2", "in doubt"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q lacks %q", e.Message, want)
		}
	}
	for _, c := range []struct {
		failure *pb.RowFailure
		want    error
	}{
		// The status is the library's, never re-derived from the result
		// code: -1 is a connection failure as often as a bad row.
		{&pb.RowFailure{Status: int32(StatusConnection), ResultCode: -1, InDoubt: true}, ErrConnection},
		{&pb.RowFailure{Status: int32(StatusTimeout), ResultCode: -1}, ErrTimeout},
		{&pb.RowFailure{Status: int32(StatusServer), ResultCode: 13}, ErrServer},
		{&pb.RowFailure{Status: int32(StatusInvalidArgument), ResultCode: -1}, ErrInvalidArgument},
		// A status this binding does not know (or none) is an internal error.
		{&pb.RowFailure{Status: 0, ResultCode: 13}, ErrInternal},
		{&pb.RowFailure{Status: 99, ResultCode: 13}, ErrInternal},
	} {
		err := writeFailures("fv", 1, &pb.WriteBatchResponse{Failures: []*pb.RowFailure{c.failure}})
		if !errors.Is(err, c.want) {
			t.Errorf("%v: got %v, want %v", c.failure, err, c.want)
		}
	}
}

func TestContextTimeout(t *testing.T) {
	if _, has, err := contextTimeout(context.Background()); has || err != nil {
		t.Fatalf("background: has=%v err=%v", has, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Microsecond)
	defer cancel()
	ms, has, err := contextTimeout(ctx)
	if err != nil || !has || ms < 1 || ms > 2 {
		t.Fatalf("1.5 ms deadline: ms=%d has=%v err=%v", ms, has, err)
	}
	long, cancelLong := context.WithTimeout(context.Background(), time.Hour)
	defer cancelLong()
	if ms, _, _ := contextTimeout(long); ms < 3599000 || ms > 3600000 {
		t.Fatalf("1 h deadline: %d ms", ms)
	}
	past, cancelPast := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelPast()
	if _, _, err := contextTimeout(past); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expired: %v", err)
	}
	var field uint32 = 100
	timeoutSetter(&field)(250)
	if field != 100 {
		t.Fatalf("a longer context deadline replaced the request's timeout: %d", field)
	}
	timeoutSetter(&field)(40)
	if field != 40 {
		t.Fatalf("a shorter context deadline did not bound the request: %d", field)
	}
}

// A Store whose handle is gone (closed) answers ErrClosed without calling C.
func TestClosedStoreAnswersErrClosed(t *testing.T) {
	s := planStore()
	ctx := context.Background()
	if _, err := s.Read(ctx, FeatureView{Name: "v"}, nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("read: %v", err)
	}
	if err := s.WriteBatch(ctx, FeatureView{Name: "v"}, []WriteRow{{}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("write: %v", err)
	}
	if _, err := s.Update(ctx, nil, nil, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("update: %v", err)
	}
	if _, err := s.Teardown(ctx, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("teardown: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close of a closed store: %v", err)
	}
}

func TestPrewritingHookErrorWritesNothing(t *testing.T) {
	hookErr := errors.New("pii check failed")
	s := planStore()
	s.hook = func(ctx context.Context, view FeatureView, rows []WriteRow) ([]WriteRow, error) {
		return nil, hookErr
	}
	err := s.WriteBatch(context.Background(), FeatureView{Name: "v"}, []WriteRow{{}})
	if !errors.Is(err, hookErr) || !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("got %v", err)
	}
	// A hook that drops every row means nothing to write: no call at all
	// (this store has no handle, so a call would fail with ErrClosed).
	s.hook = func(ctx context.Context, view FeatureView, rows []WriteRow) ([]WriteRow, error) { return nil, nil }
	if err := s.WriteBatch(context.Background(), FeatureView{Name: "v"}, []WriteRow{{}}); err != nil {
		t.Fatalf("empty hook result: %v", err)
	}
}
