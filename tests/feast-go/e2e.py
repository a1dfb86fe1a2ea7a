#!/usr/bin/env python3
"""End-to-end test: Feast's own Go feature server (built with this store by
bindings/go/feastserver/build.sh) against Feast 0.67's Python FeatureStore on
the same data in one test server (a test double speaking the Aerospike wire
protocol, not Aerospike).

Python Feast runs `feast apply` and materializes tests/feast-go/repo's data;
then every request below goes to the Go server over gRPC and over HTTP, and
each answer is compared field by field (feature names, values, statuses,
event timestamps) with FeatureStore.get_online_features on the same request.
Any difference fails, except the Feast Go-vs-Python differences listed in
KNOWN_DIFFERENCES (each one is Feast's own behaviour, with the source line, and
is documented in bindings/go/README.md).

Run inside a network namespace with only loopback (scripts/ci/feast-go.sh
does: `unshare -n`), since Feast's Go server binds its metrics port on every
interface:  e2e.py --go-server BIN --testserver BIN
"""
import argparse
import base64
import json
import math
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = "feast_go_e2e"
T0 = datetime(2026, 1, 5, 12, 0, 0, 123000, tzinfo=timezone.utc)
DRIVERS = [1001, 1002, 1003, 1004]
CUSTOMERS = ["c1", "c2", "c3"]

failures = []

# Feast Go-vs-Python differences this store cannot change (Feast v0.66.0's Go
# server vs Feast 0.67's Python FeatureStore). Each is allowed only in the
# exact shape described; bindings/go/README.md lists them too.
KNOWN_DIFFERENCES = {
    "feature-order": "Python orders a view's features by set iteration "
    "(Python 0.67 feast/utils.py:759 _group_feature_refs: views_features = defaultdict(set)); "
    "Go keeps the requested order (checked here instead)",
    "entity-order": "Go orders the entity columns by Go map iteration "
    "(go/internal/feast/onlineserving/serving.go:472 EntitiesToFeatureVectors: range entityColumns)",
    "entity-timestamps": "Go stamps entity columns with the time of the request "
    "(serving.go:470 timestampVector[idx] = timestamppb.Now())",
    "null-list": "for a NOT_FOUND list feature Go returns an empty list where Python returns an unset Value "
    "(go/types/typeconversion.go:169-181 ArrowValuesToProtoValues never checks listArr.IsNull)",
    "http-timestamps": "Go's HTTP answer writes event timestamps as RFC 3339 whole seconds "
    "(go/internal/feast/server/http_server.go:226), so milliseconds are compared over gRPC only",
}
seen_differences = set()


def known(kind):
    seen_differences.add(kind)


def fail(msg):
    failures.append(msg)
    print("DIFF:", msg, file=sys.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_testserver(binary):
    proc = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--namespace", "feast", "--namespace", "feast2"],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "listening on" not in line:
        raise SystemExit(f"test server did not start: {line!r}")
    host, port = line.split()[-1].rsplit(":", 1)
    return proc, host, int(port)


def write_repo(repo, host, port):
    shutil.copy(os.path.join(HERE, "repo", "features.py"), repo)
    os.makedirs(os.path.join(repo, "data"))
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(f"""project: {PROJECT}
provider: local
registry: data/registry.db
entity_key_serialization_version: 3
online_store:
  type: aerospike
  hosts: [["{host}", {port}]]
  namespace_overrides: {{driver_override: feast2}}
  set_overrides: {{driver_override: overridden}}
  read_timeout_ms: 2000
  client_kwargs: {{}}
offline_store:
  type: file
""")
    ts = [T0 + timedelta(minutes=i, milliseconds=7 * i) for i in range(len(DRIVERS))]
    created = [t + timedelta(seconds=1) for t in ts]

    def frame(name, cols, n=None, keys=None):
        n = n or len(DRIVERS)
        df = pd.DataFrame(keys if keys is not None else {"driver_id": DRIVERS[:n]})
        for k, v in cols.items():
            df[k] = v
        df["event_timestamp"] = ts[:n]
        df["created"] = created[:n]
        df.to_parquet(os.path.join(repo, "data", name + ".parquet"))

    frame("driver_scalars", {
        "i32": pd.array([-7, 0, 2**31 - 1, 12], dtype="int32"),
        "i64": pd.array([2**40 + 1, -(2**62), 0, 5], dtype="int64"),
        "f32": pd.array([1.5, -0.1, 3.25e10, 0.0], dtype="float32"),
        "f64": [0.1, -2.5e-300, 1e300, 42.0],
        "s": ["alpha", "ünïcødé ✓", "", "z" * 300],
        "b": [b"\x00\x01\xff", b"", b"bytes", bytes(range(40))],
        "flag": [True, False, True, False],
    })
    frame("driver_lists", {
        "i32_list": [[1, -2, 3], [], [2**31 - 1], [0]],
        "i64_list": [[2**40], [-1, 0, 1], [], [7]],
        "f32_list": [[1.5, 0.25], [-0.5], [], [2.0]],
        "f64_list": [[0.1, 0.2], [], [1e-10], [3.0]],
        "s_list": [["a", "b"], ["ü"], [], ["x", "", "y"]],
        "b_list": [[b"\x01", b""], [b"zz"], [], [b"\xff\xfe"]],
        "flag_list": [[True, False], [], [False], [True]],
    })
    frame("customer_profile", {
        "name": ["Ann", "Bob", "Cy"],
        "age": pd.array([31, 45, 0], dtype="int32"),
        "score": [0.5, 1.25, -3.0],
    }, n=3, keys={"customer_id": CUSTOMERS})
    frame("driver_customer", {
        "trips": [3, 14, 15],
        "rating": pd.array([4.5, 3.75, 5.0], dtype="float32"),
    }, n=3, keys={"driver_id": [1001, 1002, 1003], "customer_id": ["c1", "c2", "c1"]})
    frame("driver_override", {
        "level": pd.array([1, 2, 3], dtype="int32"),
        "tag": ["gold", "silver", "bronze"],
    }, n=3)


def run(cmd, cwd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True)


def start_go(binary, repo, kind, port, metrics_port):
    log = open(os.path.join(repo, f"go-{kind}.log"), "w")
    proc = subprocess.Popen(
        [binary, "-chdir", repo, "-type", kind, "-host", "127.0.0.1", "-port", str(port),
         "-metrics-port", str(metrics_port)],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Go {kind} server exited: {open(log.name).read()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Go {kind} server did not listen on {port}")


# --- requests -----------------------------------------------------------------

SCALARS = ["i32", "i64", "f32", "f64", "s", "b", "flag"]
CASES = [
    ("several views at once, a missing entity",
     [f"driver_scalars:{n}" for n in SCALARS] + [f"driver_lists:{n}_list" for n in SCALARS]
     + ["driver_override:level", "driver_override:tag"],
     {"driver_id": [1001, 1002, 1003, 1004, 999999]}, False),
    ("full_feature_names",
     ["driver_scalars:i32", "driver_scalars:s", "driver_lists:f32_list", "driver_override:tag"],
     {"driver_id": [1003, 1001, 42]}, True),
    ("projection: a few features, out of declared order, duplicate entity rows",
     ["driver_scalars:flag", "driver_scalars:f32", "driver_lists:s_list"],
     {"driver_id": [1002, 1002, 1004]}, False),
    ("STRING entity key",
     ["customer_profile:name", "customer_profile:age", "customer_profile:score"],
     {"customer_id": ["c2", "nobody", "c1", "c3"]}, False),
    ("composite key view with both single-key views",
     ["driver_customer:trips", "driver_customer:rating", "customer_profile:name", "driver_scalars:i64"],
     {"driver_id": [1001, 1002, 1001, 1003], "customer_id": ["c1", "c2", "c2", "c1"]}, True),
]


def python_answer(store, features, entities, full):
    rows = [dict(zip(entities, vals)) for vals in zip(*entities.values())]
    return store.get_online_features(features=features, entity_rows=rows,
                                     full_feature_names=full).proto


def grpc_answer(stub, features, entities, full):
    from feast.protos.feast.serving import ServingService_pb2 as sv
    from feast.protos.feast.types import Value_pb2

    req = sv.GetOnlineFeaturesRequest(full_feature_names=full)
    req.features.val.extend(features)
    for k, vals in entities.items():
        rv = req.entities[k]
        for v in vals:
            rv.val.append(Value_pb2.Value(string_val=v) if isinstance(v, str) else Value_pb2.Value(int64_val=v))
    return stub.GetOnlineFeatures(req, timeout=30)


def http_answer(port, features, entities, full):
    body = json.dumps({"features": features, "entities": entities, "full_feature_names": full}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/get-online-features?status=true", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


# --- comparison ---------------------------------------------------------------

def columns(names, results):
    return {n: results[i] for i, n in enumerate(names)}


def ts_tuple(t):
    return (t.seconds, t.nanos)


def check_order(proto, case, pn, gn, entity_keys, requested):
    """Go: entity columns (any order), then the requested features in request
    order. Python's order within a view is arbitrary (KNOWN_DIFFERENCES)."""
    n = len(entity_keys)
    if set(gn[:n]) != set(entity_keys) or gn[n:] != requested:
        fail(f"[{proto}] {case}: Go's columns {gn} are not the entity keys then {requested}")
    if gn[:n] != pn[:n]:
        known("entity-order")
    if gn[n:] != pn[n:]:
        known("feature-order")


def compare_grpc(case, py, go, entity_keys, requested):
    from feast.protos.feast.serving import ServingService_pb2 as sv

    pn, gn = list(py.metadata.feature_names.val), list(go.metadata.feature_names.val)
    if sorted(pn) != sorted(gn):
        fail(f"[grpc] {case}: feature names {gn} != Python {pn}")
        return
    check_order("grpc", case, pn, gn, entity_keys, requested)
    pc, gc = columns(pn, py.results), columns(gn, go.results)
    for name in pn:
        p, g = pc[name], gc[name]
        for i, (pv, gv) in enumerate(zip(p.values, g.values)):
            if pv == gv:
                continue
            if (p.statuses[i] == sv.NOT_FOUND and pv.WhichOneof("val") is None
                    and (gv.WhichOneof("val") or "").endswith("_list_val")
                    and len(getattr(gv, gv.WhichOneof("val")).val) == 0):
                known("null-list")
                continue
            fail(f"[grpc] {case}: {name}[{i}] value {gv} != Python {pv}")
        if len(p.values) != len(g.values):
            fail(f"[grpc] {case}: {name} has {len(g.values)} values, Python {len(p.values)}")
        ps = [sv.FieldStatus.Name(s) for s in p.statuses]
        gs = [sv.FieldStatus.Name(s) for s in g.statuses]
        if ps != gs:
            fail(f"[grpc] {case}: {name} statuses {gs} != Python {ps}")
        pt = [ts_tuple(t) for t in p.event_timestamps]
        gt = [ts_tuple(t) for t in g.event_timestamps]
        if name in entity_keys:
            if pt != gt:
                known("entity-timestamps")
            continue
        if pt != gt:
            fail(f"[grpc] {case}: {name} event timestamps {gt} != Python {pt}")


def value_as_json(v):
    """Python's Value as the Go HTTP server writes it (Arrow's JSON form)."""
    kind = v.WhichOneof("val")
    if kind is None or kind == "null_val":
        return None
    x = getattr(v, kind)
    if kind in ("float_val",):
        return ("f32", x)
    if kind == "bytes_val":
        return base64.b64encode(x).decode()
    if kind.endswith("_list_val"):
        items = list(x.val)
        if kind == "float_list_val":
            return [("f32", i) for i in items]
        if kind == "bytes_list_val":
            return [base64.b64encode(i).decode() for i in items]
        return items
    return x


def json_equal(want, got):
    if isinstance(want, tuple) and want[0] == "f32":
        return isinstance(got, (int, float)) and struct.pack("f", got) == struct.pack("f", want[1])
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(json_equal(w, g) for w, g in zip(want, got))
    if isinstance(want, float) and isinstance(got, (int, float)):
        return want == got or (math.isnan(want) and math.isnan(got))
    return want == got and type(want) is type(got)


def compare_http(case, py, go, entity_keys, requested):
    from feast.protos.feast.serving import ServingService_pb2 as sv

    pn, gn = list(py.metadata.feature_names.val), go["metadata"]["feature_names"]
    if sorted(pn) != sorted(gn):
        fail(f"[http] {case}: feature names {gn} != Python {pn}")
        return
    check_order("http", case, pn, gn, entity_keys, requested)
    pc, gc = columns(pn, py.results), columns(gn, go["results"])
    for name in pn:
        p, g = pc[name], gc[name]
        for i, pv in enumerate(p.values):
            want, got = value_as_json(pv), g["values"][i]
            if not json_equal(want, got):
                fail(f"[http] {case}: {name}[{i}] value {got!r} != Python {want!r}")
        ps = [sv.FieldStatus.Name(s) for s in p.statuses]
        if ps != g["statuses"]:
            fail(f"[http] {case}: {name} statuses {g['statuses']} != Python {ps}")
        if name in entity_keys:
            continue
        known("http-timestamps")
        pt = [datetime.fromtimestamp(t.seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for t in p.event_timestamps]
        if pt != g["event_timestamps"]:
            fail(f"[http] {case}: {name} event timestamps {g['event_timestamps']} != Python {pt}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--go-server", required=True)
    ap.add_argument("--testserver", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary repo")
    args = ap.parse_args()

    ts_proc, host, port = start_testserver(args.testserver)
    repo = tempfile.mkdtemp(prefix="feast-go-e2e-")
    procs = [ts_proc]
    try:
        write_repo(repo, host, port)
        run(["feast", "apply"], cwd=repo)
        from feast import FeatureStore
        store = FeatureStore(repo_path=repo)
        store.materialize(T0 - timedelta(days=1), T0 + timedelta(days=1))

        http_port, grpc_port = free_port(), free_port()
        procs.append(start_go(args.go_server, repo, "http", http_port, free_port()))
        procs.append(start_go(args.go_server, repo, "grpc", grpc_port, free_port()))

        import grpc
        from feast.protos.feast.serving import ServingService_pb2_grpc as svg
        stub = svg.ServingServiceStub(grpc.insecure_channel(f"127.0.0.1:{grpc_port}"))

        for case, features, entities, full in CASES:
            py = python_answer(store, features, entities, full)
            requested = [f.replace(":", "__") if full else f.split(":")[1] for f in features]
            compare_grpc(case, py, grpc_answer(stub, features, entities, full), list(entities), requested)
            compare_http(case, py, http_answer(http_port, features, entities, full), list(entities), requested)
            print(f"compared: {case} ({len(features)} features x {len(next(iter(entities.values())))} rows)")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
        if args.keep:
            print("repo kept in", repo)
        else:
            shutil.rmtree(repo, ignore_errors=True)
    if failures:
        print(f"FAIL: {len(failures)} differences between Feast's Go server and Python Feast", file=sys.stderr)
        sys.exit(1)
    for kind in sorted(seen_differences):
        print(f"known Feast Go-vs-Python difference seen: {kind}: {KNOWN_DIFFERENCES[kind]}")
    print(f"ok: Feast's Go server matches Python Feast on {len(CASES)} requests over gRPC and HTTP")


if __name__ == "__main__":
    main()
