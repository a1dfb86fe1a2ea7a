// Test setup: one test server process for the whole package (see
// internal/testserverproc) and helpers to open isolated stores on it.
package feastaerospike

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/internal/testserverproc"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

var server *testserverproc.Server

// TestMain starts the test server, or uses the one at $FAS_TESTSERVER_ADDR
// (host:port; benchmarks share one server with the C benchmark that way).
// Without a server every test that needs it fails, except when
// FAS_GO_UNIT_ONLY=1 (a local shortcut CI never sets), which skips them.
func TestMain(m *testing.M) {
	if addr := os.Getenv("FAS_TESTSERVER_ADDR"); addr != "" {
		var err error
		if server, err = testserverproc.Attach(addr); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
	} else if os.Getenv("FAS_GO_UNIT_ONLY") != "1" {
		bin, err := testserverproc.FindBinary("../..")
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
		server, err = testserverproc.Start(bin, "--control")
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: start the test server:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	os.Exit(code)
}

var projectSeq atomic.Int64

// testConfig is a config for the test server with a project no other test
// uses, so tests never see each other's records.
func testConfig(t testing.TB) Config {
	t.Helper()
	if server == nil {
		t.Skip("FAS_GO_UNIT_ONLY=1: no test server")
	}
	name := strings.NewReplacer("/", "_", " ", "_", "#", "_", "=", "_").Replace(t.Name())
	// The default set "<project>_latest" must fit Aerospike's 63-byte set
	// names (the library refuses longer ones at open).
	if len(name) > 40 {
		name = name[:40]
	}
	return Config{
		Project: fmt.Sprintf("go_%s_%d", name, projectSeq.Add(1)),
		Hosts:   []Host{{Name: server.Host, Port: server.Port}},
	}
}

func openTestStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(testConfig(t), opts...)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func driverKey(id int64) *pb.EntityKey {
	return &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{i64(id)}}
}

func driverKeys(ids ...int64) []*pb.EntityKey {
	out := make([]*pb.EntityKey, len(ids))
	for i, id := range ids {
		out[i] = driverKey(id)
	}
	return out
}

// epochMs is a timestamp with the millisecond precision the store keeps.
func epochMs(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
