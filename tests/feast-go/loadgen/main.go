// loadgen posts JSON bodies (one per line of -bodies, used in turn) to -url
// from -c concurrent clients, each with its own keep-alive connection, for
// -d (and at least -min requests), after -warmup. It prints one JSON line:
// requests, errors, requests/s, p50 and p99 latency in ms. Used by
// tests/feast-go/bench.py; standard library only.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "endpoint")
	bodiesPath := flag.String("bodies", "", "file with one JSON body per line")
	clients := flag.Int("c", 1, "concurrent clients")
	dur := flag.Duration("d", 2*time.Second, "measured duration")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "unmeasured warm-up")
	minReq := flag.Int("min", 20, "minimum measured requests")
	flag.Parse()

	f, err := os.Open(*bodiesPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var bodies [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		bodies = append(bodies, append([]byte(nil), sc.Bytes()...))
	}
	if len(bodies) == 0 {
		fmt.Fprintln(os.Stderr, "no bodies")
		os.Exit(2)
	}

	var next, done, errs atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	measureFrom := start.Add(*warmup)
	stopAt := measureFrom.Add(*dur)
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 60 * time.Second}
			var mine []time.Duration
			for {
				now := time.Now()
				if now.After(stopAt) && done.Load() >= int64(*minReq) {
					break
				}
				body := bodies[int(next.Add(1))%len(bodies)]
				t0 := time.Now()
				resp, err := client.Post(*url, "application/json", bytes.NewReader(body))
				ok := err == nil
				if ok {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == 200
				}
				el := time.Since(t0)
				if t0.After(measureFrom) {
					if !ok {
						errs.Add(1)
					}
					mine = append(mine, el)
					done.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	out, _ := json.Marshal(map[string]any{
		"requests": len(lat), "errors": errs.Load(),
		"rps": float64(len(lat)) / elapsed.Seconds(), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
	})
	fmt.Println(string(out))
}
