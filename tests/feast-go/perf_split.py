#!/usr/bin/env python3
"""Splits a `perf record -g` profile of Feast's Go feature server (built by
bindings/go/feastserver/build.sh) by owner of the code: Feast's own serving
(HTTP/JSON, Arrow, its protos), this repository's adapter
(go/internal/feast/onlinestore's Aerospike* / aerospike* functions), the Go
binding (github.com/feast-aerospike/...), the Rust library (symbols that are
not Go's), Go's background GC, and the rest. Each sample goes to the first
owner found walking its stack from the leaf (skipping kernel, libc, Go
runtime and Go library frames); the brackets split it by what ran at the leaf
(the owner's own code, the Go runtime: mostly malloc and GC assists, the
kernel, libc, Rust). Go binaries have frame pointers; the Rust library's
frames are not unwound, so its samples are counted at the leaf only.

  perf record -F 499 -g -p <server pid> -o go.data -- sleep 8
  python3 tests/feast-go/perf_split.py go.data
"""
import collections
import re
import subprocess
import sys

RUNTIME = ("runtime.", "gcWriteBarrier", "internal/runtime", "runtime/", "sync/atomic",
           "indexbytebody", "memeqbody", "aeshashbody", "cmpbody")
LEAVES = ["self", "go runtime", "kernel", "libc", "rust"]


def frames(sample):
    out = []
    for line in sample.strip().split("\n")[1:]:
        m = re.match(r"\s*[0-9a-f]+ (.*?)(?:\+0x[0-9a-f]+)? \((.*)\)$", line.strip())
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def is_go(sym):
    if sym.startswith(RUNTIME):
        return True
    return "." in sym and "::" not in sym and not sym.startswith(("_ZN", "_R"))


def leaf_kind(sym, dso):
    if "kernel" in dso:
        return "kernel"
    if "libc" in dso or "ld-linux" in dso:
        return "libc"
    if not is_go(sym) and sym != "[unknown]":
        return "rust"
    return "go runtime" if sym.startswith(RUNTIME) else "self"


def owner(fs):
    if any("gcBgMarkWorker" in sym for sym, _ in fs):
        return "Go GC (background mark)"
    lib = None
    for sym, dso in fs:
        if "kernel" in dso or "libc" in dso or sym == "[unknown]":
            continue
        if "feast-aerospike/bindings/go" in sym:
            return "Go binding"
        if re.search(r"onlinestore\.(\(\*)?[Aa]erospike", sym):
            return "adapter"
        if "feast-dev/feast/go" in sym:
            return "Feast"
        if not is_go(sym):
            return "Rust library"
        if not sym.startswith(RUNTIME) and lib is None:
            lib = sym.split("(")[0].rsplit(".", 1)[0]
    if lib:
        return "Go, no Feast frame (net/http, ...)"
    if all(not is_go(sym) or sym == "[unknown]" for sym, _ in fs):
        return "Rust library (its own threads)"
    return "Go runtime (scheduler, ...)"


def main():
    out = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "comm,tid,ip,sym,dso"],
                         check=True, capture_output=True, text=True).stdout
    owners, leaves = collections.Counter(), collections.Counter()
    for sample in out.split("\n\n"):
        fs = frames(sample)
        if fs:
            o = owner(fs)
            owners[o] += 1
            leaves[(o, leaf_kind(*fs[0]))] += 1
    n = sum(owners.values())
    print(f"{n} samples")
    for o, c in owners.most_common():
        parts = ", ".join(f"{k} {100 * leaves[(o, k)] / n:.1f}" for k in LEAVES if leaves[(o, k)])
        print(f"{100 * c / n:5.1f}%  {o}  [{parts}]")


if __name__ == "__main__":
    main()
