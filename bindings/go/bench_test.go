// Benchmarks of the workload in docs/benchmark-workload.md through this package
// (protobuf encode in Go, cgo call, Rust library, test server, protobuf
// decode in Go). Numbers measured here are against the feast-aerospike test
// server, never an Aerospike server. FAS_BENCH_N sets the number of entities
// (default 100000); see docs/benchmarks.md for the recorded run.
package feastaerospike

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

const benchSeed = 20240101

func splitmix64(x uint64) uint64 {
	z := x + 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func benchHash(tag, id, feature uint64) uint64 {
	return splitmix64(benchSeed + tag<<40 + id<<8 + feature)
}

func unitDouble(h uint64) float64 { return float64(h>>11) * (1.0 / (1 << 53)) }

func base36(h uint64) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [12]byte
	for i := range b {
		b[i] = alphabet[h%36]
		h /= 36
	}
	return string(b[:])
}

var (
	narrowView = FeatureView{Name: "driver_narrow", Features: []Feature{
		{"i64_0", pb.ValueType_INT64}, {"i64_1", pb.ValueType_INT64}, {"i64_2", pb.ValueType_INT64},
		{"f64_0", pb.ValueType_DOUBLE}, {"f64_1", pb.ValueType_DOUBLE}, {"f64_2", pb.ValueType_DOUBLE},
		{"str_0", pb.ValueType_STRING}, {"str_1", pb.ValueType_STRING},
		{"bool_0", pb.ValueType_BOOL}, {"f32_0", pb.ValueType_FLOAT},
	}}
	wideView = func() FeatureView {
		v := FeatureView{Name: "driver_wide"}
		for i := 0; i < 100; i++ {
			v.Features = append(v.Features, Feature{fmt.Sprintf("w%03d", i), pb.ValueType_DOUBLE})
		}
		return v
	}()
	wideProjection = []string{"w003", "w017", "w042", "w068", "w091"}
)

func narrowValues(id uint64) map[string]*pb.Value {
	h := func(f uint64) uint64 { return benchHash(1, id, f) }
	return map[string]*pb.Value{
		"i64_0":  i64(int64(h(0) % 1000)),
		"i64_1":  i64(int64(h(1) % (1 << 32))),
		"i64_2":  i64(int64(h(2))),
		"f64_0":  f64(unitDouble(h(3))),
		"f64_1":  f64(unitDouble(h(4))),
		"f64_2":  f64(unitDouble(h(5))),
		"str_0":  str(base36(h(6))),
		"str_1":  str(base36(h(7))),
		"bool_0": {Val: &pb.Value_BoolVal{BoolVal: h(8)&1 == 1}},
		"f32_0":  {Val: &pb.Value_FloatVal{FloatVal: float32(float64(h(9)>>40) * (1.0 / (1 << 24)))}},
	}
}

func wideValues(id uint64) map[string]*pb.Value {
	out := make(map[string]*pb.Value, 100)
	for i := uint64(0); i < 100; i++ {
		out[fmt.Sprintf("w%03d", i)] = f64(unitDouble(benchHash(2, id, i)))
	}
	return out
}

var benchEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func benchRows(view FeatureView, from, n uint64) []WriteRow {
	rows := make([]WriteRow, n)
	for i := range rows {
		id := from + uint64(i)
		values := narrowValues(id)
		if view.Name == wideView.Name {
			values = wideValues(id)
		}
		ts := benchEpoch.Add(time.Duration(id) * time.Second)
		rows[i] = WriteRow{EntityKey: driverKey(int64(id)), Values: values, EventTimestamp: ts, CreatedTimestamp: ts.Add(time.Second)}
	}
	return rows
}

func benchN() uint64 {
	if s := os.Getenv("FAS_BENCH_N"); s != "" {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && n >= 1000 {
			return n
		}
	}
	return 100_000
}

var bench struct {
	once  sync.Once
	store *Store
	n     uint64
	err   error
}

// benchStore opens the "bench" project once per process and loads both
// views (NARROW first, which creates the records, then WIDE).
func benchStore(b *testing.B) (*Store, uint64) {
	b.Helper()
	if server == nil {
		b.Skip("FAS_GO_UNIT_ONLY=1: no test server")
	}
	bench.once.Do(func() {
		bench.n = benchN()
		bench.store, bench.err = Open(Config{Project: "bench", Hosts: []Host{{Name: server.Host, Port: server.Port}}},
			WithFeatureViews(narrowView, wideView))
		if bench.err != nil {
			return
		}
		for _, view := range []FeatureView{narrowView, wideView} {
			for from := uint64(0); from < bench.n; from += 1000 {
				if err := bench.store.WriteBatch(context.Background(), view, benchRows(view, from, min(1000, bench.n-from))); err != nil {
					bench.err = fmt.Errorf("load %s: %w", view.Name, err)
					return
				}
			}
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.store, bench.n
}

// entityStream draws distinct ids per batch from the splitmix64 stream of
// docs/benchmark-workload.md.
type entityStream struct{ state uint64 }

func (s *entityStream) batch(n, size int, universe uint64) []*pb.EntityKey {
	seen := make(map[uint64]bool, size)
	keys := make([]*pb.EntityKey, 0, size)
	for len(keys) < size {
		s.state += 0x9E3779B97F4A7C15
		z := s.state
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		id := (z ^ (z >> 31)) % universe
		if seen[id] {
			continue
		}
		seen[id] = true
		keys = append(keys, driverKey(int64(uint64(n)+id)))
	}
	return keys
}

// latencies reports p50/p90/p99 of the timed calls next to ns/op.
type latencies []time.Duration

func (l latencies) report(b *testing.B, entitiesPerCall int) {
	if len(l) == 0 {
		return
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	pct := func(p float64) float64 {
		return float64(l[int(math.Ceil(p*float64(len(l))))-1].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.90), "p90-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	var total time.Duration
	for _, d := range l {
		total += d
	}
	b.ReportMetric(float64(entitiesPerCall*len(l))/total.Seconds(), "entities/s")
}

// measureLatency runs docs/benchmark-workload.md's 10 warm-up calls, then times b.N calls
// and reports their latency percentiles for `entities` entities per call, and
// allocations per call.
func measureLatency(b *testing.B, entities int, call func() error) {
	b.ReportAllocs()
	for i := 0; i < 10; i++ {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	lat := make(latencies, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b, entities)
}

func BenchmarkRead(b *testing.B) {
	for _, view := range []FeatureView{narrowView, wideView} {
		for _, size := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", view.Name, size), func(b *testing.B) {
				s, n := benchStore(b)
				ctx := context.Background()
				stream := entityStream{state: benchSeed}
				read := func() error {
					res, err := s.Read(ctx, view, stream.batch(0, size, n), nil)
					if err == nil && !res.Rows[0].Found {
						err = fmt.Errorf("a loaded entity was not found")
					}
					return err
				}
				measureLatency(b, size, read)
			})
		}
	}
}

func BenchmarkReadProjected(b *testing.B) {
	s, n := benchStore(b)
	ctx := context.Background()
	stream := entityStream{state: benchSeed}
	read := func() error {
		_, err := s.Read(ctx, wideView, stream.batch(0, 100, n), wideProjection)
		return err
	}
	measureLatency(b, 100, read)
}

// BenchmarkReadMissing: batch 100, every other id absent; checks the answer.
func BenchmarkReadMissing(b *testing.B) {
	s, n := benchStore(b)
	ctx := context.Background()
	present, absent := entityStream{state: benchSeed}, entityStream{state: benchSeed + 1}
	read := func() error {
		keys := make([]*pb.EntityKey, 0, 100)
		p, a := present.batch(0, 50, n), absent.batch(int(n), 50, n)
		for i := range p {
			keys = append(keys, p[i], a[i])
		}
		res, err := s.Read(ctx, narrowView, keys, nil)
		if err != nil {
			return err
		}
		for i, r := range res.Rows {
			if r.Found != (i%2 == 0) {
				return fmt.Errorf("row %d: found=%v", i, r.Found)
			}
		}
		return nil
	}
	measureLatency(b, 100, read)
}

// BenchmarkOnlineRead: the Feast-shaped read of all NARROW features plus the
// five projected WIDE features (two views, one set, one round trip).
func BenchmarkOnlineRead(b *testing.B) {
	var views, features []string
	for _, f := range narrowView.Features {
		views, features = append(views, narrowView.Name), append(features, f.Name)
	}
	for _, f := range wideProjection {
		views, features = append(views, wideView.Name), append(features, f)
	}
	for _, size := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s, n := benchStore(b)
			ctx := context.Background()
			stream := entityStream{state: benchSeed}
			read := func() error {
				out, err := s.OnlineRead(ctx, stream.batch(0, size, n), views, features)
				if err == nil && out[0] == nil {
					err = fmt.Errorf("a loaded entity was not found")
				}
				return err
			}
			measureLatency(b, size, read)
		})
	}
}

// BenchmarkWriteBatch writes calls of 1000 rows (one batch in flight); the
// rows are built before the timer starts.
func BenchmarkWriteBatch(b *testing.B) {
	for _, view := range []FeatureView{narrowView, wideView} {
		b.Run(view.Name, func(b *testing.B) {
			s, n := benchStore(b)
			ctx := context.Background()
			batches := make([][]WriteRow, 0, 8)
			for from := uint64(0); from+1000 <= n && len(batches) < cap(batches); from += 1000 {
				batches = append(batches, benchRows(view, from, 1000))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.WriteBatch(ctx, view, batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// writeBatchByProtoMarshal is WriteBatch as it was before the encoder: the
// request built as structs (pb.WriteRow per row) and encoded by
// proto.Marshal. Kept for BenchmarkWritePaths' comparison only.
func writeBatchByProtoMarshal(ctx context.Context, s *Store, view FeatureView, rows []WriteRow) error {
	req := &pb.WriteBatchRequest{FeatureView: view.toProto(), Rows: rowsToProto(rows)}
	var resp pb.WriteBatchResponse
	if err := s.call(ctx, opWriteBatch, req, timeoutSetter(&req.TimeoutMs), &resp); err != nil {
		return err
	}
	return writeFailures(view.Name, len(rows), &resp)
}

// BenchmarkWritePaths compares the write paths side by side, interleaved
// call by call (one call of each path per iteration, 1000 rows each, the
// same rows), so drift on a shared machine hits them alike. It reports each
// path's rows/s:
//   - protomarshal: the rows prebuilt as []WriteRow, encoded by proto.Marshal
//     (WriteBatch before the encoder);
//   - writebatch: the same prebuilt rows through WriteBatch (the encoder's
//     struct marshaller);
//   - writebatch-build: WriteBatch with the []WriteRow built from plain
//     typed data inside the timed call (what a caller pays);
//   - encoder: WriteEncoded with the request encoded from the same plain
//     data inside the timed call.
func BenchmarkWritePaths(b *testing.B) {
	for _, view := range []FeatureView{narrowView, wideView} {
		b.Run(view.Name, func(b *testing.B) {
			s, _ := benchStore(b)
			ctx := context.Background()
			const rows = 1000
			data := newBenchData(rows)
			prebuilt := benchRows(view, 0, rows)
			enc := new(WriteBatchEncoder)
			paths := []struct {
				name string
				call func() error
			}{
				{"protomarshal", func() error { return writeBatchByProtoMarshal(ctx, s, view, prebuilt) }},
				{"writebatch", func() error { return s.WriteBatch(ctx, view, prebuilt) }},
				{"writebatch-build", func() error { return s.WriteBatch(ctx, view, buildRows(view, data, rows)) }},
				{"encoder", func() error {
					encodeBench(enc, view, data, 0, rows)
					return s.WriteEncoded(ctx, enc)
				}},
			}
			spent := make([]time.Duration, len(paths))
			for _, p := range paths { // warm-up
				if err := p.call(); err != nil {
					b.Fatal(p.name, err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j, p := range paths {
					start := time.Now()
					if err := p.call(); err != nil {
						b.Fatal(p.name, err)
					}
					spent[j] += time.Since(start)
				}
			}
			b.StopTimer()
			for j, p := range paths {
				b.ReportMetric(float64(b.N*rows)/spent[j].Seconds(), "rows/s-"+p.name)
			}
		})
	}
}

// buildRows is benchRows' rows built from plain typed data, as a caller
// holding its own structs builds them for WriteBatch.
func buildRows(view FeatureView, data *benchData, n int) []WriteRow {
	rows := make([]WriteRow, n)
	for id := range rows {
		d := &data.rows[id%len(data.rows)]
		var values map[string]*pb.Value
		if view.Name == wideView.Name {
			values = make(map[string]*pb.Value, len(data.wideNames))
			for i, name := range data.wideNames {
				values[name] = f64(d.wide[i])
			}
		} else {
			values = map[string]*pb.Value{
				"i64_0": i64(d.i64[0]), "i64_1": i64(d.i64[1]), "i64_2": i64(d.i64[2]),
				"f64_0": f64(d.f64[0]), "f64_1": f64(d.f64[1]), "f64_2": f64(d.f64[2]),
				"str_0": str(d.str[0]), "str_1": str(d.str[1]),
				"bool_0": {Val: &pb.Value_BoolVal{BoolVal: d.ok}}, "f32_0": {Val: &pb.Value_FloatVal{FloatVal: d.f32}},
			}
		}
		rows[id] = WriteRow{EntityKey: driverKey(int64(id)), Values: values, EventTimestamp: d.ts, CreatedTimestamp: d.ts.Add(time.Second)}
	}
	return rows
}
