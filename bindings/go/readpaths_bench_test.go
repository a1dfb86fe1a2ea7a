// BenchmarkReadPaths: the read request built as pb structs and encoded by
// proto.Marshal (ReadViews before readenc.go) against the direct encoder,
// interleaved call by call against the test server (never an Aerospike
// figure).
package feastaerospike

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// readViewsByProtoMarshal is ReadViews as it was before the encoder. Kept
// for BenchmarkReadPaths' comparison only.
func readViewsByProtoMarshal(ctx context.Context, s *Store, entityKeys []*pb.EntityKey, views ...ViewRead) ([]ReadResult, error) {
	req := readRequestProto(entityKeys, views)
	var resp pb.ReadResponse
	if err := s.call(ctx, opRead, req, timeoutSetter(&req.TimeoutMs), &resp); err != nil {
		return nil, err
	}
	if err := checkReadShape(len(entityKeys), views, &resp); err != nil {
		return nil, err
	}
	out := make([]ReadResult, len(resp.GetViews()))
	for i, v := range resp.GetViews() {
		out[i] = readResultFromProto(v)
	}
	return out, nil
}

// BenchmarkReadPaths reads the same entities through both paths in each
// iteration (which goes first alternates), so drift on a shared machine
// hits them alike, and reports each path's p50 and mean latency.
func BenchmarkReadPaths(b *testing.B) {
	cases := []struct {
		view FeatureView
		size int
	}{{wideView, 1}, {wideView, 10}, {wideView, 100}, {narrowView, 1}, {narrowView, 100}}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s/batch=%d", c.view.Name, c.size), func(b *testing.B) {
			s, n := benchStore(b)
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour) // a deadline, as a server has: timeout_ms is set
			defer cancel()
			stream := entityStream{state: benchSeed}
			paths := []struct {
				name string
				read func(keys []*pb.EntityKey) ([]ReadResult, error)
			}{
				{"protomarshal", func(keys []*pb.EntityKey) ([]ReadResult, error) {
					return readViewsByProtoMarshal(ctx, s, keys, ViewRead{View: c.view})
				}},
				{"encoder", func(keys []*pb.EntityKey) ([]ReadResult, error) {
					return s.ReadViews(ctx, keys, ViewRead{View: c.view})
				}},
			}
			lat := make([]latencies, len(paths))
			call := func(j int, keys []*pb.EntityKey) {
				start := time.Now()
				res, err := paths[j].read(keys)
				lat[j] = append(lat[j], time.Since(start))
				if err != nil {
					b.Fatal(paths[j].name, err)
				}
				if !res[0].Rows[0].Found {
					b.Fatal(paths[j].name, ": a loaded entity was not found")
				}
			}
			for i := 0; i < 10; i++ { // warm-up
				keys := stream.batch(0, c.size, n)
				call(0, keys)
				call(1, keys)
			}
			lat[0], lat[1] = lat[0][:0], lat[1][:0]
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				keys := stream.batch(0, c.size, n)
				call(i%2, keys)
				call(1-i%2, keys)
			}
			b.StopTimer()
			for j, p := range paths {
				b.ReportMetric(lat[j].p50(), "p50-µs-"+p.name)
				b.ReportMetric(lat[j].mean(), "mean-µs-"+p.name)
			}
		})
	}
}

func (l latencies) p50() float64 {
	sorted := append(latencies(nil), l...)
	slices.Sort(sorted)
	return float64(sorted[(len(sorted)-1)/2].Nanoseconds()) / 1e3
}

func (l latencies) mean() float64 {
	var total time.Duration
	for _, d := range l {
		total += d
	}
	return float64(total.Nanoseconds()) / 1e3 / float64(max(len(l), 1))
}
