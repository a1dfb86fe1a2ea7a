#!/usr/bin/env python3
"""get-online-features over HTTP: Feast's Python feature server (`feast serve`,
Feast 0.67's own Aerospike online store) vs Feast's Go feature server with
this repository's store (bindings/go/feastserver/build.sh), same data in one
store process, side by side in one run.

Workload: ../../shared/BENCHMARK.md's driver_narrow (10 features) and
driver_wide (100 DOUBLE) views, N entities (default 10,000), written once by
Python Feast; batches of 1, 10, 100 distinct ids from the splitmix64 stream;
1 and 8 concurrent keep-alive clients (tests/feast-go/loadgen, Go); each cell
is measured --repeats times, the two servers alternating, and the median of
the repeats is reported (min-max of requests/s in brackets).

Runs against the test server (a test double speaking the Aerospike wire
protocol, NOT Aerospike) started here, inside `unshare -n` (Feast's Go server
binds its metrics port on every interface):

  unshare -n bash -c 'ip link set lo up && exec python3 tests/feast-go/bench.py \\
      --go-server ~/.cache/feast-aerospike/bin/feast-go-server \\
      --testserver target/release/feast-aerospike-testserver'

or against a running Aerospike server on loopback, outside any namespace
(`--aerospike 127.0.0.1:3000`, loopback only). This needs the Go server built
by bindings/go/feastserver/build.sh, whose patch binds the metrics listener
on -host (127.0.0.1 here) instead of every interface; after start-up the
script checks that every listening socket of both servers is on 127.0.0.1
and stops if one is not. Data goes to project --project's sets of namespace
"feast", removed at the end (`feast teardown`).
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import free_port, start_testserver  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1
SEED = 20240101
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def h(tag, driver, idx):
    return splitmix64((SEED + tag * (1 << 40) + driver * (1 << 8) + idx) & M64)


def unit(x):
    return (x >> 11) * 2.0 ** -53


def base36(x):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[(x // 36 ** i) % 36] for i in range(12))


REPO = '''from datetime import timedelta
from feast import Entity, FeatureView, Field, FileSource, ValueType
from feast.types import Bool, Float32, Float64, Int64, String

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
src = FileSource(name="bench_src", path="data/unused.parquet", timestamp_field="event_timestamp")
driver_narrow = FeatureView(name="driver_narrow", entities=[driver], ttl=timedelta(0), source=src, schema=[
    Field(name="i64_0", dtype=Int64), Field(name="i64_1", dtype=Int64), Field(name="i64_2", dtype=Int64),
    Field(name="f64_0", dtype=Float64), Field(name="f64_1", dtype=Float64), Field(name="f64_2", dtype=Float64),
    Field(name="str_0", dtype=String), Field(name="str_1", dtype=String), Field(name="bool_0", dtype=Bool),
    Field(name="f32_0", dtype=Float32)])
driver_wide = FeatureView(name="driver_wide", entities=[driver], ttl=timedelta(0), source=src,
    schema=[Field(name=f"w{i:03d}", dtype=Float64) for i in range(100)])
'''


def frames(n):
    ids = list(range(n))
    ts = [T0 + timedelta(seconds=i) for i in ids]
    narrow = {"driver_id": ids, "event_timestamp": ts}
    cols = {k: [] for k in ["i64_0", "i64_1", "i64_2", "f64_0", "f64_1", "f64_2", "str_0", "str_1", "bool_0", "f32_0"]}
    wide = {"driver_id": ids, "event_timestamp": ts}
    wcols = [[] for _ in range(100)]
    for d in ids:
        hs = [h(1, d, i) for i in range(10)]
        cols["i64_0"].append(hs[0] % 1000)
        cols["i64_1"].append(hs[1] % (1 << 32))
        cols["i64_2"].append(hs[2] - (1 << 64) if hs[2] >= 1 << 63 else hs[2])
        for k, i in (("f64_0", 3), ("f64_1", 4), ("f64_2", 5)):
            cols[k].append(unit(hs[i]))
        cols["str_0"].append(base36(hs[6]))
        cols["str_1"].append(base36(hs[7]))
        cols["bool_0"].append(bool(hs[8] & 1))
        cols["f32_0"].append((hs[9] >> 40) * 2.0 ** -24)
        for i in range(100):
            wcols[i].append(unit(h(2, d, i)))
    narrow.update(cols)
    df_n = pd.DataFrame(narrow)
    df_n["f32_0"] = df_n["f32_0"].astype("float32")
    for i in range(100):
        wide[f"w{i:03d}"] = wcols[i]
    return df_n, pd.DataFrame(wide)


def batches(n, size, count):
    state, out = 0, []
    for _ in range(count):
        seen, batch = set(), []
        while len(batch) < size:
            state = (state + 0x9E3779B97F4A7C15) & M64
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            d = (z ^ (z >> 31)) % n
            if d not in seen:
                seen.add(d)
                batch.append(d)
        out.append(batch)
    return out


def wait_port(port, proc, name, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{name} did not listen")


def listeners_outside_loopback(pids):
    """Listening TCP sockets of pids (and their descendants) not on 127.0.0.1."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    tree, todo = set(), list(pids)
    while todo:
        p = todo.pop()
        if p not in tree:
            tree.add(p)
            todo.extend(children.get(p, []))
    out = subprocess.run(["ss", "-ltnpH"], check=True, capture_output=True, text=True).stdout
    bad = []
    for line in out.splitlines():
        cols = line.split()
        owners = {int(x.split(",")[0]) for x in line.split("pid=")[1:]}
        if owners & tree and not cols[3].startswith("127.0.0.1:"):
            bad.append(line)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--go-server", required=True)
    ap.add_argument("--testserver", help="the test server binary (default mode)")
    ap.add_argument("--aerospike", help="HOST:PORT of a running Aerospike server, loopback only")
    ap.add_argument("--project", default="bench")
    ap.add_argument("--entities", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--python-workers", type=int, default=2)
    ap.add_argument("--out", default="-")
    ap.add_argument("--batches", default="1,10,100", help="comma-separated batch sizes")
    ap.add_argument("--clients", default="1,8", help="comma-separated client counts")
    ap.add_argument("--views", default="NARROW,WIDE", help="comma-separated views (NARROW, WIDE)")
    ap.add_argument("--go-server-before", help="a second Go server binary (e.g. before a change), "
                    "measured in the same run as one more column")
    args = ap.parse_args()
    sizes = [int(x) for x in args.batches.split(",")]
    client_counts = [int(x) for x in args.clients.split(",")]
    view_names = args.views.split(",")
    if bool(args.testserver) == bool(args.aerospike):
        ap.error("give exactly one of --testserver and --aerospike")
    if args.aerospike and not args.aerospike.startswith("127.0.0.1:"):
        ap.error("--aerospike must be on 127.0.0.1 (loopback only)")

    work = tempfile.mkdtemp(prefix="feast-go-bench-")
    loadgen = os.path.join(work, "loadgen")
    subprocess.run(["go", "build", "-o", loadgen, os.path.join(HERE, "loadgen", "main.go")], check=True, cwd=work)
    if args.testserver:
        ts_proc, host, port = start_testserver(args.testserver)
        procs = [ts_proc]
    else:
        host, port = args.aerospike.rsplit(":", 1)
        procs = []
    store = None
    try:
        repo = os.path.join(work, "repo")
        os.makedirs(os.path.join(repo, "data"))
        with open(os.path.join(repo, "features.py"), "w") as f:
            f.write(REPO)
        with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
            f.write(f"project: {args.project}\nprovider: local\nregistry: data/registry.db\n"
                    f"entity_key_serialization_version: 3\n"
                    f"online_store:\n  type: aerospike\n  hosts: [[\"{host}\", {port}]]\n"
                    f"offline_store:\n  type: file\n")
        subprocess.run(["feast", "apply"], cwd=repo, check=True, stdout=subprocess.DEVNULL)
        from feast import FeatureStore
        store = FeatureStore(repo_path=repo)
        t = time.time()
        df_n, df_w = frames(args.entities)
        for view, df in (("driver_narrow", df_n), ("driver_wide", df_w)):
            for i in range(0, len(df), 1000):
                store.write_to_online_store(view, df.iloc[i:i + 1000])
        print(f"wrote {args.entities} entities x 2 views with Python Feast in {time.time() - t:.0f}s", flush=True)

        py_port, go_port = free_port(), free_port()
        log = open(os.path.join(work, "servers.log"), "w")
        procs.append(subprocess.Popen(
            ["feast", "serve", "-h", "127.0.0.1", "-p", str(py_port), "--no-access-log",
             "-w", str(args.python_workers), "--max-requests", "100000000"],
            cwd=repo, stdout=log, stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen(
            [args.go_server, "-chdir", repo, "-type", "http", "-host", "127.0.0.1", "-port", str(go_port),
             "-metrics-port", str(free_port())], stdout=log, stderr=subprocess.STDOUT))
        py_proc, go_proc = procs[-2:]
        servers = {"python": py_port, "go": go_port}
        if args.go_server_before:
            before_port = free_port()
            procs.append(subprocess.Popen(
                [args.go_server_before, "-chdir", repo, "-type", "http", "-host", "127.0.0.1",
                 "-port", str(before_port), "-metrics-port", str(free_port())], stdout=log, stderr=subprocess.STDOUT))
            servers = {"python": py_port, "go-before": before_port, "go": go_port}
            wait_port(before_port, procs[-1], "Go server (before)")
        wait_port(py_port, py_proc, "feast serve")
        wait_port(go_port, go_proc, "Go server")
        time.sleep(1)
        bad = listeners_outside_loopback([p.pid for p in procs[-len(servers):]])
        if bad:
            raise SystemExit("a server listens outside loopback:\n" + "\n".join(bad))

        views = {"NARROW": ["driver_narrow:" + c for c in df_n.columns if c not in ("driver_id", "event_timestamp")],
                 "WIDE": [f"driver_wide:w{i:03d}" for i in range(100)]}
        views = {k: views[k] for k in view_names}
        results = {}
        for rep in range(args.repeats):
            for vname, feats in views.items():
                for size in sizes:
                    body_file = os.path.join(work, f"{vname}-{size}.jsonl")
                    if not os.path.exists(body_file):
                        with open(body_file, "w") as f:
                            for b in batches(args.entities, size, 200):
                                f.write(json.dumps({"features": feats, "entities": {"driver_id": b}}) + "\n")
                    for clients in client_counts:
                        for sname, sport in servers.items():
                            out = subprocess.run(
                                [loadgen, "-url", f"http://127.0.0.1:{sport}/get-online-features",
                                 "-bodies", body_file, "-c", str(clients), "-d", f"{args.seconds}s"],
                                check=True, capture_output=True, text=True).stdout
                            r = json.loads(out)
                            if r["errors"]:
                                raise SystemExit(f"{sname} {vname} {size} {clients}: {r['errors']} errors")
                            results.setdefault((vname, size, clients, sname), []).append(r)
                            print(rep, vname, size, clients, sname, out.strip(), flush=True)
        before = " Go server before: p50 / p99 ms, req/s |" if args.go_server_before else ""
        table = ["| view | batch | clients | Python `feast serve`: p50 / p99 ms, req/s |" + before
                 + " Go server + this store: p50 / p99 ms, req/s | Go / Python req/s |"
                 + (" before / Python |" if args.go_server_before else ""),
                 "|---|---:|---:|---|" + ("---|" if before else "") + "---|---:|" + ("---:|" if before else "")]
        for vname in views:
            for size in sizes:
                for clients in client_counts:
                    cells, rps = [], {}
                    for sname in servers:
                        rs = results[(vname, size, clients, sname)]
                        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
                        rps[sname] = med("rps")
                        cells.append(f"{med('p50_ms'):.2f} / {med('p99_ms'):.2f}, {med('rps'):.0f} "
                                     f"({min(r['rps'] for r in rs):.0f}-{max(r['rps'] for r in rs):.0f})")
                    row = f"| {vname} | {size} | {clients} | " + " | ".join(cells) + f" | {rps['go'] / rps['python']:.1f}x |"
                    if args.go_server_before:
                        row += f" {rps['go-before'] / rps['python']:.1f}x |"
                    table.append(row)
        text = "\n".join(table)
        print(text)
        if args.out != "-":
            with open(args.out, "w") as f:
                f.write(text + "\n")
    finally:
        if args.aerospike and store is not None:
            subprocess.run(["feast", "teardown"], cwd=repo, stdout=subprocess.DEVNULL)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
