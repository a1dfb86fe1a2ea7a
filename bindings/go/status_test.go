// Proves every status code of the C ABI is mapped, and that errors from the
// library arrive as *Error values usable with errors.Is / errors.As.
package feastaerospike

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// headerStatuses reads FAS_OK / FAS_ERR_* from the header the package is
// compiled against, so a status added to the library without a Go mapping
// fails this test.
func headerStatuses(t *testing.T) map[string]int32 {
	t.Helper()
	src, err := os.ReadFile("../../include/feast_aerospike.h")
	if err != nil {
		t.Fatalf("read header: %v", err)
	}
	re := regexp.MustCompile(`(?m)^\s*#define\s+(FAS_OK|FAS_ERR_[A-Z0-9_]+)\s+(-?\d+)\s*$`)
	out := map[string]int32{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, err := strconv.ParseInt(m[2], 10, 32)
		if err != nil {
			t.Fatalf("status %s: %v", m[1], err)
		}
		out[m[1]] = int32(v)
	}
	if len(out) < 2 {
		t.Fatalf("found only %d status constants in the header; did its format change?", len(out))
	}
	return out
}

func TestEveryHeaderStatusIsMapped(t *testing.T) {
	header := headerStatuses(t)
	byName := map[string]Status{}
	for s, info := range statusInfo {
		byName[info.cName] = s
	}
	for name, value := range header {
		s, ok := byName[name]
		if !ok {
			t.Errorf("header status %s = %d has no Go Status", name, value)
			continue
		}
		if int32(s) != value {
			t.Errorf("%s: Go value %d, header value %d", name, s, value)
		}
		if s != StatusOK {
			if StatusError(s) == nil {
				t.Errorf("%s has no sentinel error", name)
			}
			if got := statusFromC(value); got != s {
				t.Errorf("statusFromC(%d) = %v, want %v", value, got, s)
			}
		}
		if strings.HasPrefix(s.String(), "unknown") {
			t.Errorf("%s has no description", name)
		}
	}
	for name := range byName {
		if _, ok := header[name]; !ok {
			t.Errorf("Go maps %s, which the header does not define", name)
		}
	}
}

// The contract's table in docs/ABI.md must agree with the header too.
func TestABIDocumentListsTheSameStatuses(t *testing.T) {
	header := headerStatuses(t)
	doc, err := os.ReadFile("../../docs/ABI.md")
	if err != nil {
		t.Fatalf("read docs/ABI.md: %v", err)
	}
	re := regexp.MustCompile("(?m)^\\|\\s*(-?\\d+)\\s*\\|\\s*`(FAS_[A-Z0-9_]+)`")
	documented := map[string]int32{}
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		v, _ := strconv.ParseInt(m[1], 10, 32)
		documented[m[2]] = int32(v)
	}
	if len(documented) != len(header) {
		t.Errorf("docs/ABI.md lists %d statuses, the header %d", len(documented), len(header))
	}
	for name, v := range header {
		if dv, ok := documented[name]; !ok || dv != v {
			t.Errorf("%s: header %d, docs/ABI.md %d (listed: %v)", name, v, dv, ok)
		}
	}
}

func TestUnknownStatusBecomesInternal(t *testing.T) {
	if got := statusFromC(1234); got != StatusInternal {
		t.Fatalf("statusFromC(1234) = %v", got)
	}
	if got := Status(1234).String(); got != "unknown status 1234" {
		t.Fatalf("String = %q", got)
	}
}

func TestErrorsIsMatchesOnlyItsSentinel(t *testing.T) {
	e := newError("read", StatusTimeout, 9, "batch timed out")
	if !errors.Is(e, ErrTimeout) {
		t.Fatal("timeout error is not ErrTimeout")
	}
	for s, sentinel := range sentinels {
		if s != StatusTimeout && errors.Is(e, sentinel) {
			t.Errorf("timeout error matches sentinel of %v", s)
		}
	}
	other := newError("read", StatusTimeout, -1, "other")
	if errors.Is(e, other) {
		t.Error("two non-sentinel errors compare equal")
	}
	var target *Error
	if !errors.As(error(e), &target) || target.ResultCode != 9 || target.Op != "read" {
		t.Fatalf("errors.As: %+v", target)
	}
	want := "feast-aerospike read: batch timed out (timeout, result code 9)"
	if e.Error() != want {
		t.Fatalf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestDeadlineErrorIsTimeoutAndDeadlineExceeded(t *testing.T) {
	err := contextError(opRead, context.DeadlineExceeded)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v: want both ErrTimeout and DeadlineExceeded", err)
	}
	err = contextError(opRead, context.Canceled)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("%v: want Canceled and not ErrTimeout", err)
	}
}

// A panic inside the library must come back as StatusPanic with its message,
// and the process must go on.
func TestLibraryPanicBecomesErrPanic(t *testing.T) {
	err := debugPanic("go binding panic probe")
	if !errors.Is(err, ErrPanic) {
		t.Fatalf("got %v, want ErrPanic", err)
	}
	if !strings.Contains(err.Error(), "go binding panic probe") {
		t.Fatalf("message lost: %v", err)
	}
}

func TestABIVersionMatchesHeader(t *testing.T) {
	if err := checkABI(); err != nil {
		t.Fatal(err)
	}
	if LibraryVersion() == "" {
		t.Fatal("empty library version")
	}
	// Both come from scripts/versions.env (scripts/sync-versions.sh).
	if LibraryVersion() != Version {
		t.Fatalf("library version %q, module Version %q", LibraryVersion(), Version)
	}
}
