//go:build !fas_debug_gc

// Normal build: maybeGC does nothing. See ffi.go and maybe_gc_debug.go.

package feastaerospike

const debugGC = false

func maybeGC() {}
