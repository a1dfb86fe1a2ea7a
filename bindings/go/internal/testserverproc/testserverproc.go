// Package testserverproc runs the feast-aerospike-testserver binary (a test
// double that speaks the Aerospike wire protocol; it is not Aerospike) for Go
// tests and benchmarks: start it on an ephemeral port, read the address from
// its first stdout line, stop it with SIGTERM.
package testserverproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const banner = "feast-aerospike-testserver listening on "

// Server is a running test server process.
type Server struct {
	Host string
	Port int
	cmd  *exec.Cmd
	done chan error
}

// FindBinary returns $FAS_TESTSERVER_BIN, or the debug build under
// repoRoot/target (built by `cargo build -p feast-aerospike-testserver`).
func FindBinary(repoRoot string) (string, error) {
	if p := os.Getenv("FAS_TESTSERVER_BIN"); p != "" {
		return p, nil
	}
	p, err := filepath.Abs(filepath.Join(repoRoot, "target", "debug", "feast-aerospike-testserver"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("test server binary not found (%w); build it with `cargo build -p feast-aerospike-testserver` or set FAS_TESTSERVER_BIN", err)
	}
	return p, nil
}

// Start runs binary on 127.0.0.1 with an ephemeral port plus extraArgs and
// waits for its banner line.
func Start(binary string, extraArgs ...string) (*Server, error) {
	args := append([]string{"--listen", "127.0.0.1:0"}, extraArgs...)
	cmd := exec.Command(binary, args...)
	cmd.Stderr = os.Stderr
	setDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	s := &Server{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string, 1)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, err := r.ReadString('\n')
		if err != nil {
			readErr <- fmt.Errorf("reading the banner: %w", err)
			return
		}
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r) // keep the pipe drained
	}()
	go func() { s.done <- cmd.Wait() }()

	select {
	case line := <-lines:
		if !strings.HasPrefix(line, banner) {
			s.Stop()
			return nil, fmt.Errorf("unexpected first line from the test server: %q", line)
		}
		fields := strings.Fields(line)
		host, portText, err := net.SplitHostPort(fields[len(fields)-1])
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("bad address in %q: %w", line, err)
		}
		port, err := strconv.Atoi(portText)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("bad port in %q: %w", line, err)
		}
		s.Host, s.Port = host, port
		return s, nil
	case err := <-readErr:
		s.Stop()
		return nil, err
	case <-time.After(15 * time.Second):
		s.Stop()
		return nil, errors.New("the test server printed no banner within 15 s")
	}
}

// Attach uses a server that is already running at addr (host:port), e.g.
// one shared with the C benchmark; Stop leaves it running.
func Attach(addr string) (*Server, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("test server address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("test server address %q: %w", addr, err)
	}
	return &Server{Host: host, Port: port}, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Stop sends SIGTERM and waits; after 5 s it kills the process.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
