// Test controls of a server started with --control (fault injection), sent
// as Aerospike INFO requests: protocol version 2, type 1, a 48-bit
// big-endian length, then "name\n".
package testserverproc

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Control sends one testserver-* command, e.g. "testserver-fail:code=13",
// and returns an error unless the server answers ok.
func (s *Server) Control(command string) error {
	text, err := s.exchange(command)
	if err != nil {
		return err
	}
	name := command
	if i := strings.IndexByte(command, ':'); i >= 0 {
		name = command[:i]
	}
	_, value, _ := strings.Cut(text, "\t")
	if !strings.HasPrefix(text, name) || value != "ok" {
		return fmt.Errorf("%s: server answered %q", command, text)
	}
	return nil
}

// Info sends one INFO command and returns the value of its answer line.
func (s *Server) Info(command string) (string, error) {
	text, err := s.exchange(command)
	if err != nil {
		return "", err
	}
	_, value, _ := strings.Cut(text, "\t")
	return value, nil
}

// exchange sends one INFO request and returns the answer, trimmed.
func (s *Server) exchange(command string) (string, error) {
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	body := command + "\n"
	header := make([]byte, 8)
	binary.BigEndian.PutUint64(header, uint64(len(body)))
	header[0], header[1] = 2, 1
	if _, err := conn.Write(append(header, body...)); err != nil {
		return "", err
	}
	if _, err := io.ReadFull(conn, header); err != nil {
		return "", fmt.Errorf("%s: reading the answer header: %w", command, err)
	}
	size := binary.BigEndian.Uint64(header) & (1<<48 - 1)
	if size > 1<<20 {
		return "", fmt.Errorf("%s: answer of %d bytes", command, size)
	}
	answer := make([]byte, size)
	if _, err := io.ReadFull(conn, answer); err != nil {
		return "", fmt.Errorf("%s: reading the answer: %w", command, err)
	}
	return strings.TrimSpace(string(answer)), nil
}
