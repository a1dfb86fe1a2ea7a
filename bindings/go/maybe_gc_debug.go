//go:build fas_debug_gc

// Debug build (tag fas_debug_gc): collect garbage around every C call so a
// missing runtime.KeepAlive shows up in tests. See ffi.go.

package feastaerospike

import "runtime"

const debugGC = true

func maybeGC() { runtime.GC() }
