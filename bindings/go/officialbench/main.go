// Command officialbench is the Go driver of scripts/bench-compare.sh. With
// --impl official it does the store's operations through the official
// Aerospike Go client (github.com/aerospike/aerospike-client-go/v8): batch
// writes with map PUT_ITEMS / PUT and a plain put, batch reads of the view's
// submap (whole, or projected with GET_BY_KEY_LIST KEY_VALUE under a map-key
// context) on the same records (same key bytes and digests), converting every
// record into typed per-feature values. With --impl binding it goes through
// this repository's Go binding (the full path: protobuf, cgo, Rust library).
//
// It reads commands on stdin and answers each with one JSON line (protocol in
// scripts/bench-compare.py). Allocations per call are runtime.MemStats
// Mallocs/TotalAlloc deltas over the timed calls (all goroutines; Go heap
// only), what `testing` reports as allocs/op.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	seed      = 20240101
	golden    = 0x9E3779B97F4A7C15
	chunk     = 1000
	namespace = "feast"
	setName   = "bench_latest"
	narrow    = "driver_narrow"
	wide      = "driver_wide"
)

var narrowNames = []string{"i64_0", "i64_1", "i64_2", "f64_0", "f64_1", "f64_2", "str_0", "str_1", "bool_0", "f32_0"}
var wideNames = func() []string {
	out := make([]string, 100)
	for i := range out {
		out[i] = fmt.Sprintf("w%03d", i)
	}
	return out
}()
var projected = []int{3, 17, 42, 68, 91}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func hash(tag, id, feature uint64) uint64 { return mix64(seed + tag<<40 + id<<8 + feature + golden) }

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

// typed is one feature value as a caller gets it.
type typed struct {
	kind byte // 'i' int64, 'f' float64, 's' string, 'b' bool
	i    int64
	f    float64
	s    string
}

// expected is BENCHMARK.md's value of feature `index` for `id`.
func expected(isWide bool, id uint64, index int) typed {
	if isWide {
		return typed{kind: 'f', f: unitDouble(hash(2, id, uint64(index)))}
	}
	h := hash(1, id, uint64(index))
	switch index {
	case 0:
		return typed{kind: 'i', i: int64(h % 1000)}
	case 1:
		return typed{kind: 'i', i: int64(h % (1 << 32))}
	case 2:
		return typed{kind: 'i', i: int64(h)}
	case 3, 4, 5:
		return typed{kind: 'f', f: unitDouble(h)}
	case 6, 7:
		return typed{kind: 's', s: base36(h)}
	case 8:
		return typed{kind: 'b', i: int64(h & 1)}
	default:
		return typed{kind: 'f', f: float64(float32(float64(h>>40) * (1.0 / (1 << 24))))}
	}
}

// serializedKey is Feast's entity key serialization v3 of {driver_id: id}.
func serializedKey(id int64) []byte {
	b := make([]byte, 0, 37)
	le32 := func(v uint32) { b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	le32(1)
	le32(2) // ValueType STRING
	le32(uint32(len("driver_id")))
	b = append(b, "driver_id"...)
	le32(4) // ValueType INT64
	le32(8)
	for i := 0; i < 8; i++ {
		b = append(b, byte(uint64(id)>>(8*i)))
	}
	return b
}

type readCase struct {
	isWide     bool
	projection []int // feature indexes, nil for the whole view
	half       bool
	batch      int
}

func (c *readCase) view() string {
	if c.isWide {
		return wide
	}
	return narrow
}

func (c *readCase) names() []string {
	if c.isWide {
		return wideNames
	}
	return narrowNames
}

func (c *readCase) indexes() []int {
	if c.projection != nil {
		return c.projection
	}
	out := make([]int, len(c.names()))
	for i := range out {
		out[i] = i
	}
	return out
}

// drawIDs: distinct draws from the splitmix64 stream; with half, every odd
// position is absent (drawn from [N, 2N)).
func drawIDs(state *uint64, n uint64, c *readCase) []uint64 {
	ids := make([]uint64, 0, c.batch)
	for len(ids) < c.batch {
		*state += golden
		id := mix64(*state) % n
		if c.half && len(ids)%2 == 1 {
			id += n
		}
		dup := false
		for _, x := range ids {
			dup = dup || x == id
		}
		if !dup {
			ids = append(ids, id)
		}
	}
	return ids
}

// row is one entity's answer: found, event time, typed values in the
// requested order.
type row struct {
	found   bool
	eventMs int64
	values  []typed
}

func verify(c *readCase, ids []uint64, n uint64, rows []row) error {
	if len(rows) != len(ids) {
		return fmt.Errorf("%d rows for %d ids", len(rows), len(ids))
	}
	idx := c.indexes()
	for k, id := range ids {
		r := rows[k]
		if r.found != (id < n) {
			return fmt.Errorf("id %d: found=%v", id, r.found)
		}
		if !r.found {
			continue
		}
		if want := int64(1704067200000) + int64(id)*1000; r.eventMs != want {
			return fmt.Errorf("id %d: event time %d, want %d", id, r.eventMs, want)
		}
		if len(r.values) != len(idx) {
			return fmt.Errorf("id %d: %d values", id, len(r.values))
		}
		for j, fi := range idx {
			if want := expected(c.isWide, id, fi); r.values[j] != want {
				return fmt.Errorf("id %d feature %s: %+v, want %+v", id, c.names()[fi], r.values[j], want)
			}
		}
	}
	return nil
}

// contender is one way of doing the store's operations.
type contender interface {
	// writeChunk writes rows [from, to) of a view.
	writeChunk(isWide bool, from, to uint64) error
	// read returns the typed rows when want is set (binding: only then).
	read(c *readCase, ids []uint64, want bool) ([]row, error)
}

type stats struct {
	lat          []time.Duration
	wall         time.Duration
	units        int
	mallocs, byt uint64
}

func (s *stats) json() string {
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	pct := func(p int) float64 { return float64(s.lat[(len(s.lat)-1)*p/100].Nanoseconds()) / 1e3 }
	calls := float64(len(s.lat))
	out, _ := json.Marshal(map[string]any{
		"p50_us": pct(50), "p99_us": pct(99), "per_s": float64(s.units) / s.wall.Seconds(),
		"calls": len(s.lat), "allocs": float64(s.mallocs) / calls, "bytes": math.Round(float64(s.byt) / calls),
	})
	return string(out)
}

func memCounters() (uint64, uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs, m.TotalAlloc
}

func runWrite(ct contender, n uint64, isWide bool, inFlight int) (*stats, error) {
	var next atomic.Uint64
	var mu sync.Mutex
	var firstErr error
	st := &stats{units: int(n)}
	var wg sync.WaitGroup
	m0, b0 := memCounters()
	start := time.Now()
	for w := 0; w < inFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := next.Add(chunk) - chunk
				if from >= n {
					return
				}
				t0 := time.Now()
				err := ct.writeChunk(isWide, from, min(from+chunk, n))
				d := time.Since(t0)
				mu.Lock()
				st.lat = append(st.lat, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	st.wall = time.Since(start)
	m1, b1 := memCounters()
	st.mallocs, st.byt = m1-m0, b1-b0
	return st, firstErr
}

func runRead(ct contender, n uint64, c *readCase, callers, warmup, iters int, seedArg uint64) (*stats, error) {
	errs := make([]error, callers)
	lats := make([][]time.Duration, callers)
	batches := make([][][]uint64, callers)
	// Warm-up (the first call of every caller verified) and the timed calls'
	// ids, all before the clock.
	for t := 0; t < callers; t++ {
		state := seedArg + 7919*uint64(t)
		for w := 0; w < warmup; w++ {
			ids := drawIDs(&state, n, c)
			rows, err := ct.read(c, ids, w == 0)
			if err == nil && w == 0 {
				err = verify(c, ids, n, rows)
			}
			if err != nil {
				return nil, err
			}
		}
		for i := 0; i < iters; i++ {
			batches[t] = append(batches[t], drawIDs(&state, n, c))
		}
	}
	var wg sync.WaitGroup
	m0, b0 := memCounters()
	start := time.Now()
	for t := 0; t < callers; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, iters)
			for _, ids := range batches[t] {
				t0 := time.Now()
				if _, err := ct.read(c, ids, false); err != nil {
					errs[t] = err
					return
				}
				lat = append(lat, time.Since(t0))
			}
			lats[t] = lat
		}(t)
	}
	wg.Wait()
	wall := time.Since(start)
	m1, b1 := memCounters()
	st := &stats{wall: wall, mallocs: m1 - m0, byt: b1 - b0}
	for t := range lats {
		if errs[t] != nil {
			return nil, errs[t]
		}
		st.lat = append(st.lat, lats[t]...)
	}
	st.units = len(st.lat) * c.batch
	return st, nil
}

func parseView(s string) (bool, error) {
	switch s {
	case "narrow":
		return false, nil
	case "wide":
		return true, nil
	}
	return false, fmt.Errorf("bad view %q", s)
}

func command(ct contender, n uint64, line string) (string, error) {
	w := strings.Fields(line)
	atoi := func(s string, lo, hi int) (int, error) {
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("bad number %q in %q", s, line)
		}
		return v, nil
	}
	switch {
	case len(w) == 3 && w[0] == "write":
		isWide, err := parseView(w[1])
		if err != nil {
			return "", err
		}
		k, err := atoi(w[2], 1, 64)
		if err != nil {
			return "", err
		}
		st, err := runWrite(ct, n, isWide, k)
		if err != nil {
			return "", err
		}
		return st.json(), nil
	case len(w) == 8 && w[0] == "read":
		isWide, err := parseView(w[1])
		if err != nil {
			return "", err
		}
		c := &readCase{isWide: isWide}
		switch w[2] {
		case "whole":
		case "proj":
			if !isWide {
				return "", fmt.Errorf("projection is of WIDE: %q", line)
			}
			c.projection = projected
		case "half":
			c.half = true
		default:
			return "", fmt.Errorf("bad read kind %q", w[2])
		}
		var nums [4]int
		for i, lim := range [][2]int{{1, 5000}, {1, 64}, {1, 1 << 20}, {1, 1 << 20}} {
			if nums[i], err = atoi(w[3+i], lim[0], lim[1]); err != nil {
				return "", err
			}
		}
		c.batch = nums[0]
		s, err := strconv.ParseUint(w[7], 10, 64)
		if err != nil {
			return "", fmt.Errorf("bad seed %q", w[7])
		}
		st, err := runRead(ct, n, c, nums[1], nums[2], nums[3], s)
		if err != nil {
			return "", err
		}
		return st.json(), nil
	}
	return "", fmt.Errorf("unknown command %q", line)
}

func reply(key string, v any) {
	out, _ := json.Marshal(map[string]any{key: v})
	fmt.Println(string(out))
}

func main() {
	impl := flag.String("impl", "", "official or binding")
	host := flag.String("host", "127.0.0.1", "server host")
	port := flag.Int("port", 3000, "server port")
	n := flag.Uint64("n", 100000, "entities")
	flag.Parse()
	var ct contender
	var err error
	switch *impl {
	case "official":
		ct, err = newOfficial(*host, *port)
	case "binding":
		ct, err = newBinding(*host, *port)
	default:
		err = fmt.Errorf("unknown --impl %q (official or binding)", *impl)
	}
	if err != nil {
		reply("error", "connect: "+err.Error())
		os.Exit(1)
	}
	reply("ready", *impl)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "quit" {
			return
		}
		out, err := command(ct, *n, line)
		if err != nil {
			reply("error", err.Error())
			os.Exit(1)
		}
		fmt.Println(out)
	}
}
