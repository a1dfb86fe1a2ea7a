#!/usr/bin/env python3
"""Coordinator of scripts/bench-compare.sh (run that, it builds the drivers).

Runs every case of docs/benchmark-workload.md through every contender in ONE run,
against one server and one data set, interleaved round by round: in each
round every case is run by every contender before the next case starts, and
the contenders' order rotates from round to round.

Each contender is a long-lived driver process speaking a line protocol on
stdin/stdout (commands below, one JSON object per answer):

    write <narrow|wide> <in_flight>
    read <narrow|wide> <whole|proj|half> <batch> <callers> <warmup> <iters> <seed>
    quit

Answer: {"p50_us", "p99_us", "per_s", "calls", "allocs", "bytes"} (allocs and
bytes per timed call, null where the driver cannot count them) or
{"error": "..."}. Every driver checks the values of the first warm-up call of
each caller against the generator of BENCHMARK.md and fails on a mismatch.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

SEED = 20240101


def contenders(root, java_cp):
    go = os.path.join(root, "target", "officialbench", "officialbench")
    rust = os.path.join(root, "target", "release", "examples", "compare_driver")
    cbench = os.path.join(root, "examples", "build", "release", "bench")
    java_home = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
    java = [
        os.path.join(java_home, "bin", "java"), "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-Xms1g", "-Xmx1g",
        "-Dfeastaerospike.library.path=" + os.path.join(root, "target", "release", "libfeast_aerospike.so"),
        "-cp", java_cp or "", "dev.feastaerospike.CompareDriver",
    ]
    mimalloc = os.environ.get("MIMALLOC", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2")
    # (key, column label, argv, official client?)
    return [
        ("go-official", "official Go client", [go, "--impl", "official"], True),
        ("java-official", "official Java client", java + ["--impl", "official"], True),
        ("crate", "`aerospike` crate alone", [rust, "--impl", "bare"], False),
        ("lib", "library alone (bytes in/out)", [rust, "--impl", "lib"], False),
        ("c", "C (full path)", [cbench, "--serve", "1", "--timeout-ms", "30000"], False),
        ("go", "Go binding (full path)", [go, "--impl", "binding"], False),
        ("java", "Java binding (full path)", java + ["--impl", "binding"], False),
        # Only with --only: the Java binding writing WriteBatchRequest messages
        # instead of WriteBatchEncoder (and reading with store.read, the protobuf-java message path).
        ("java-message", "Java binding, message writes", java + ["--impl", "binding-message"], False),
        # Only with --only: the library alone and the C path with mimalloc
        # preloaded instead of glibc malloc (issue 10: measure an allocator;
        # Debian's libmimalloc2.0, or $MIMALLOC).
        ("lib-mimalloc", "library alone, mimalloc", ["env", "LD_PRELOAD=" + mimalloc, rust, "--impl", "lib"], False),
        ("c-mimalloc", "C (full path), mimalloc",
         ["env", "LD_PRELOAD=" + mimalloc, cbench, "--serve", "1", "--timeout-ms", "30000"], False),
    ]


ONLY_ON_REQUEST = {"java-message", "lib-mimalloc", "c-mimalloc"}


def cases(smoke):
    warm, iters, iters1000 = (1, 3, 2) if smoke else (10, 200, 50)
    out = []
    for view in ("narrow", "wide"):
        for k in (1, 4):
            out.append((f"write {view.upper()}, {k} in flight", f"write {view} {k}", "write"))
    for view in ("narrow", "wide"):
        for b in (1, 10, 100, 1000):
            it = iters1000 if b == 1000 else iters
            out.append((f"read {view.upper()} b{b}", f"read {view} whole {b} 1 {warm} {it}", "read"))
    out.append(("read WIDE projected 5, b100", f"read wide proj 100 1 {warm} {iters}", "read"))
    out.append(("read NARROW half missing, b100", f"read narrow half 100 1 {warm} {iters}", "read"))
    out.append(("read NARROW b100, 8 callers", f"read narrow whole 100 8 {warm} {iters}", "read"))
    return out


class Driver:
    def __init__(self, key, argv, host, port, n, log):
        self.key = key
        self.proc = subprocess.Popen(
            argv + ["--host", host, "--port", str(port), "--n", str(n)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        first = self.proc.stdout.readline()
        if not first:
            raise SystemExit(f"{key}: driver exited before it was ready (see the log)")
        msg = json.loads(first)
        if "error" in msg:
            raise SystemExit(f"{key}: {msg['error']}")

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"{self.key}: driver died on {command!r} (see the log)")
        msg = json.loads(line)
        if "error" in msg:
            raise SystemExit(f"{self.key}: {command!r}: {msg['error']}")
        return msg

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()


def start_test_server(binary, log):
    server = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=log, text=True)
    line = server.stdout.readline()
    m = re.match(r"^feast-aerospike-testserver listening on .*:(\d+)$", line.strip())
    if not m:
        server.kill()
        raise SystemExit(f"test server did not start: {line!r}")
    return server, int(m.group(1))


def spread(values, fmt):
    values = sorted(values)
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} [{fmt(values[0])}–{fmt(values[-1])}]"


def num(x):
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def report(results, conts, case_list, meta):
    official = [k for k, _, _, o in conts if o]
    labels = {k: label for k, label, _, _ in conts}
    keys = [k for k, _, _, _ in conts]
    lines = [meta, ""]
    lines.append("Reads: p50 latency of one call in µs; writes: rows/s (calls of 1000 rows). "
                 "In brackets: × the best official client for that case (time ratio, > 1 = slower), "
                 "median [min–max] over rounds, each round's figure divided by the best official "
                 "client's figure of the same round.")
    lines.append("")
    lines.append("| case | " + " | ".join(labels[k] for k in keys) + " |")
    lines.append("|---" * (len(keys) + 1) + "|")
    for label, _, kind in case_list:
        per = results[label]
        prim = {}
        for k in keys:
            if per.get(k):
                prim[k] = [r["per_s"] if kind == "write" else r["p50_us"] for r in per[k]]
        offs = [k for k in official if k in prim]
        if offs:
            if kind == "write":
                best = max(offs, key=lambda k: statistics.median(prim[k]))
            else:
                best = min(offs, key=lambda k: statistics.median(prim[k]))
        cells = []
        for k in keys:
            if k not in prim:
                cells.append("—")
                continue
            cell = num(statistics.median(prim[k]))
            if offs:
                ratios = [(b / x if kind == "write" else x / b) for x, b in zip(prim[k], prim[best])]
                cell += " (×" + spread(ratios, lambda r: f"{r:.2f}") + ")"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Details, median [min–max] over rounds. Throughput: entities/s for reads (all callers), "
                 "rows/s for writes. Allocations per timed call: Go = runtime.MemStats.Mallocs/TotalAlloc "
                 "(what `testing` reports as allocs/op; all goroutines, Go heap only, not the Rust "
                 "library's); Java = com.sun.management.ThreadMXBean total allocated heap bytes of all "
                 "threads (bytes only, no object count; not the native library's); Rust = a counting "
                 "global allocator (every allocation of the process, the crate's and tokio's included); "
                 "C = not counted (—).")
    lines.append("")
    lines.append("| case | contender | p50 µs | p99 µs | throughput /s | allocs/call | bytes/call |")
    lines.append("|---|---|---|---|---|---|---|")
    for label, _, _ in case_list:
        for k in keys:
            rs = results[label].get(k)
            if not rs:
                continue

            def col(field):
                vals = [r.get(field) for r in rs]
                if any(v is None for v in vals):
                    return "—"
                return spread(vals, num)
            lines.append(f"| {label} | {labels[k]} | {col('p50_us')} | {col('p99_us')} | "
                         f"{col('per_s')} | {col('allocs')} | {col('bytes')} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--host", help="HOST:PORT of a server; default: start the test server")
    ap.add_argument("--n", type=int)
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--smoke", action="store_true", help="tiny N, few iterations, one round")
    ap.add_argument("--only", help="comma-separated contender keys")
    ap.add_argument("--cases", help="only the cases whose command starts with one of these "
                    "comma-separated prefixes, e.g. 'write' or 'read wide whole'")
    ap.add_argument("--java-cp", default="")
    ap.add_argument("--testserver", help="test server binary (default: target/release)")
    ap.add_argument("--out", help="also write the markdown here")
    ap.add_argument("--log", default="/dev/null")
    a = ap.parse_args()
    n = a.n or (2000 if a.smoke else 100_000)
    rounds = a.rounds or (1 if a.smoke else 3)
    conts = contenders(a.root, a.java_cp)
    if a.only:
        want = a.only.split(",")
        unknown = set(want) - {c[0] for c in conts}
        if unknown:
            raise SystemExit(f"unknown contenders {sorted(unknown)}; known: {[c[0] for c in conts]}")
        conts = [c for c in conts if c[0] in want]
    else:
        conts = [c for c in conts if c[0] not in ONLY_ON_REQUEST]
    case_list = cases(a.smoke)
    if a.cases:
        prefixes = a.cases.split(",")
        case_list = [c for c in case_list if any(c[1].startswith(p) for p in prefixes)]
        if not case_list:
            raise SystemExit(f"no case matches --cases {a.cases!r}")
    log = open(a.log, "a")
    server = None
    if a.host:
        host, port = a.host.rsplit(":", 1)
        port = int(port)
        server_name = f"the server at {a.host}"
    else:
        binary = a.testserver or os.path.join(a.root, "target", "release", "feast-aerospike-testserver")
        server, port = start_test_server(binary, log)
        host = "127.0.0.1"
        server_name = "the project's test server (a test double, NOT Aerospike)"
    drivers = {}
    try:
        for key, _, argv, _ in conts:
            drivers[key] = Driver(key, argv, host, port, n, log)
        results = {label: {} for label, _, _ in case_list}
        t0 = time.time()
        for r in range(rounds):
            order = [c[0] for c in conts]
            order = order[r % len(order):] + order[:r % len(order)]
            for ci, (label, cmd, kind) in enumerate(case_list):
                if kind == "read":
                    cmd = f"{cmd} {SEED + 1000 * r + ci}"
                for key in order:
                    res = drivers[key].ask(cmd)
                    results[label].setdefault(key, []).append(res)
                    print(f"round {r + 1} {label:32s} {key:14s} p50 {res['p50_us']:>10.1f} µs  "
                          f"{res['per_s']:>12.0f}/s", file=sys.stderr, flush=True)
        elapsed = time.time() - t0
    finally:
        for d in drivers.values():
            d.close()
        if server:
            server.kill()
            server.wait()
    meta = (f"bench-compare: N = {n}, {rounds} round(s){' (smoke)' if a.smoke else ''}, "
            f"{len(conts)} contenders, against {server_name}; {elapsed:.0f} s.")
    md = report(results, conts, case_list, meta)
    print(md)
    if a.out:
        with open(a.out, "w") as f:
            f.write(md)


if __name__ == "__main__":
    main()
