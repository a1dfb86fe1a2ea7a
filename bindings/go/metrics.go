// Metrics: the library's live counters of this store (fas_store_metrics).
package feastaerospike

import (
	"runtime"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// Metrics returns a snapshot of the store's counters since it was opened:
// per operation calls, errors by status, items and a latency histogram, plus
// write-row outcomes and read found/not-found counts. Every count is
// cumulative. Lock-free in the library and cheap: call it on every scrape.
// The fasprom package exports it to Prometheus.
func (s *Store) Metrics() (*pb.MetricsSnapshot, error) {
	var snap pb.MetricsSnapshot
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s._ptr == nil {
		return nil, newError(opMetrics.String(), StatusClosed, -1, "the store is closed")
	}
	err := callC(s.handle(), opMetrics, nil, &snap)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return &snap, nil
}
