// Production-shaped clusters through the test server binary: TLS with a CA
// file and a client certificate together with user/password login, wrong
// credentials and a wrong CA, a node stopped and a node added under a store.
package feastaerospike

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/internal/testserverproc"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

var clusterView = FeatureView{Name: "cl_go", Features: []Feature{{"n", pb.ValueType_INT64}}}

// startCluster runs its own server process with args (the package's shared
// server stays a single plain node).
func startCluster(t *testing.T, args ...string) *testserverproc.Server {
	t.Helper()
	if server == nil {
		t.Skip("FAS_GO_UNIT_ONLY=1: no test server")
	}
	bin, err := testserverproc.FindBinary("../..")
	if err != nil {
		t.Fatal(err)
	}
	s, err := testserverproc.Start(bin, append([]string{"--control"}, args...)...)
	if err != nil {
		t.Fatalf("start the cluster: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// nodes answers testserver-nodes: per node [index, id, addr, tls addr, state].
func nodes(t *testing.T, s *testserverproc.Server) [][]string {
	t.Helper()
	v, err := s.Info("testserver-nodes")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, n := range strings.Split(v, ";") {
		out = append(out, strings.Split(n, ","))
	}
	return out
}

func clusterRows(n, round int64) []WriteRow {
	rows := make([]WriteRow, n)
	for i := range rows {
		rows[i] = WriteRow{
			EntityKey:      driverKey(int64(i)),
			Values:         map[string]*pb.Value{"n": i64(round)},
			EventTimestamp: epochMs(1_704_067_200_000 + round),
		}
	}
	return rows
}

// expectAll reads n entities and checks each holds round.
func expectAll(t *testing.T, s *Store, n, round int64) {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	res, err := s.Read(context.Background(), clusterView, driverKeys(ids...), nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	for i, r := range res.Rows {
		if !r.Found || r.Values[0].GetInt64Val() != round {
			t.Fatalf("entity %d: found=%v values=%v, want round %d", i, r.Found, r.Values, round)
		}
	}
}

// writeUntilAccepted retries a whole batch (idempotent) until it is written
// in full, for at most 10 s.
func writeUntilAccepted(t *testing.T, s *Store, rows []WriteRow) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.WriteBatch(context.Background(), clusterView, rows)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("write never accepted: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestClusterNodeStoppedAndAdded(t *testing.T) {
	srv := startCluster(t, "--nodes", "3")
	cfg := testConfig(t)
	cfg.Hosts = []Host{{Name: srv.Host, Port: srv.Port}}
	s, err := Open(cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	writeUntilAccepted(t, s, clusterRows(200, 1))
	expectAll(t, s, 200, 1)

	// A node stops: nothing acknowledged is lost, writes go to the new
	// owners once the client has the new map.
	if err := srv.Control("testserver-node-stop:node=1"); err != nil {
		t.Fatal(err)
	}
	if n := nodes(t, srv); n[1][4] != "down" {
		t.Fatalf("node 1 still %v", n[1])
	}
	writeUntilAccepted(t, s, clusterRows(200, 2))
	expectAll(t, s, 200, 2)

	// A node is added and takes its partitions.
	if err := srv.Control("testserver-node-add"); err != nil {
		t.Fatal(err)
	}
	if n := nodes(t, srv); len(n) != 4 || n[3][4] != "up" {
		t.Fatalf("nodes after add: %v", n)
	}
	writeUntilAccepted(t, s, clusterRows(200, 3))
	expectAll(t, s, 200, 3)
}

func TestClusterMutualTLSWithLogin(t *testing.T) {
	if server == nil {
		t.Skip("FAS_GO_UNIT_ONLY=1: no test server")
	}
	bin, err := testserverproc.FindBinary("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if out, err := exec.Command(bin, "gen-certs", dir).CombinedOutput(); err != nil {
		t.Fatalf("gen-certs: %v: %s", err, out)
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	srv := startCluster(t, "--nodes", "2", "--user", "feast:s3cr3t-pw",
		"--tls-cert", file("server.pem"), "--tls-key", file("server.key"),
		"--tls-name", "feast-testserver", "--tls-client-ca", file("ca.pem"))
	tlsAddr := nodes(t, srv)[0][3]
	host, port, ok := strings.Cut(tlsAddr, ":")
	if !ok {
		t.Fatalf("no TLS address: %q", tlsAddr)
	}
	portNum, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("TLS port %q: %v", port, err)
	}
	config := func(password, ca string) Config {
		cfg := testConfig(t)
		cfg.Hosts = []Host{{Name: host, Port: portNum, TLSName: "feast-testserver"}}
		cfg.User = "feast"
		cfg.Password = password
		cfg.TLS = map[string]any{"cafile": file(ca), "certfile": file("client.pem"), "keyfile": file("client.key")}
		return cfg
	}

	s, err := Open(config("s3cr3t-pw", "ca.pem"))
	if err != nil {
		t.Fatalf("open over mutual TLS with login: %v", err)
	}
	writeUntilAccepted(t, s, clusterRows(50, 7))
	expectAll(t, s, 50, 7)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Wrong password: CONFIG with the server's 62, the password nowhere.
	_, err = Open(config("not-the-pw", "ca.pem"))
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrConfig) || e.ResultCode != 62 {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-pw") {
		t.Fatalf("password in %q", err)
	}

	// A CA that did not sign the server: CONNECTION naming the host, fast.
	started := time.Now()
	_, err = Open(config("s3cr3t-pw", "other-ca.pem"))
	if !errors.Is(err, ErrConnection) || !strings.Contains(err.Error(), tlsAddr) {
		t.Fatalf("wrong CA: %v", err)
	}
	if d := time.Since(started); d > 10*time.Second {
		t.Fatalf("wrong CA took %v", d)
	}
}
