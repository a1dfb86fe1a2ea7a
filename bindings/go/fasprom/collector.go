package fasprom

import (
	"strconv"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/prometheus/client_golang/prometheus"
)

// Source is what the collector reads: *feastaerospike.Store implements it.
type Source interface {
	Metrics() (*pb.MetricsSnapshot, error)
}

// Collector is a prometheus.Collector over one store's metrics. Each scrape
// takes one snapshot from the library (lock-free, cumulative counters).
type Collector struct {
	src Source

	calls, errors, items, duration *prometheus.Desc
	writeRows, rowFailures         *prometheus.Desc
	readRows, scrapeErr            *prometheus.Desc
}

// NewCollector returns a collector for src; constLabels are added to every
// metric (e.g. {"store": "drivers"} when one process has several stores).
func NewCollector(src Source, constLabels ...prometheus.Labels) *Collector {
	var cl prometheus.Labels
	if len(constLabels) > 0 {
		cl = constLabels[0]
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("feast_aerospike_"+name, help, labels, cl)
	}
	return &Collector{
		src:         src,
		calls:       d("operation_calls_total", "Store operations called, including failed ones.", "operation"),
		errors:      d("operation_errors_total", "Store operations that returned an error, by status.", "operation", "status"),
		items:       d("operation_items_total", "Work requested: rows (write_batch), entities (read), views (update, teardown).", "operation"),
		duration:    d("operation_duration_seconds", "Store operation latency.", "operation"),
		writeRows:   d("write_rows_total", "Rows of successful write_batch calls by outcome.", "outcome"),
		rowFailures: d("write_row_failures_total", "Failed write rows by Aerospike result code (-1: client side).", "result_code"),
		readRows:    d("read_rows_total", "Read (entity, view) rows by whether data was found.", "found"),
		scrapeErr:   d("metrics_scrape_error", "1 when the store's metrics could not be read (e.g. the store is closed)."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.calls, c.errors, c.items, c.duration, c.writeRows, c.rowFailures, c.readRows, c.scrapeErr} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.src.Metrics()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.scrapeErr, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.scrapeErr, prometheus.GaugeValue, 0)
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	bounds := s.GetLatencyBoundsUs()
	for _, op := range s.GetOperations() {
		name := op.GetOperation()
		counter(c.calls, op.GetCalls(), name)
		counter(c.items, op.GetItems(), name)
		for _, e := range op.GetErrors() {
			counter(c.errors, e.GetCount(), name, e.GetName())
		}
		buckets := make(map[float64]uint64, len(bounds))
		for i, b := range op.GetLatencyBuckets() {
			if i < len(bounds) {
				buckets[float64(bounds[i])/1e6] = b
			}
		}
		ch <- prometheus.MustNewConstHistogram(c.duration, op.GetLatencyCount(),
			float64(op.GetLatencySumUs())/1e6, buckets, name)
	}
	var failed uint64
	for _, f := range s.GetRowFailures() {
		failed += f.GetCount()
		counter(c.rowFailures, f.GetCount(), strconv.Itoa(int(f.GetResultCode())))
	}
	counter(c.writeRows, s.GetRowsWritten(), "written")
	counter(c.writeRows, s.GetRowsSkippedStale(), "skipped_stale")
	counter(c.writeRows, failed, "failed")
	counter(c.readRows, s.GetReadFound(), "true")
	counter(c.readRows, s.GetReadNotFound(), "false")
}
