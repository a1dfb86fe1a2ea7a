// Package fasprom exports a feast-aerospike Store's metrics to Prometheus.
//
//	prometheus.MustRegister(fasprom.NewCollector(store))
package fasprom
