"""Feast 0.67's real Python Aerospike store, driven by tests/interop.rs.

Reads JSON requests, one per line, on stdin and writes one JSON answer line
per request on stdout (one process serves a whole test: importing Feast is
the slow part). An answer is {"ok": ...} or {"error": traceback}. Entity
keys and values cross as base64 protobuf bytes (feast.types.EntityKey /
feast.types.Value, wire-compatible with our feast_aerospike.v1 messages), so
both sides compare exactly what Feast produces and consumes.

Request: {"port": P, "project": ..., "store": {extra online-store keys},
          "op": "write" | "read" | "update" | "teardown", ...op fields}
"""

import base64
import json
import sys
import tempfile
import traceback
import warnings
from datetime import datetime, timezone

warnings.simplefilter("ignore")

from feast import Entity, FeatureView, Field  # noqa: E402
from feast.infra.online_stores.aerospike_online_store.aerospike import (  # noqa: E402
    AerospikeOnlineStore,
    AerospikeOnlineStoreConfig,
)
from feast.protos.feast.types.EntityKey_pb2 import EntityKey  # noqa: E402
from feast.protos.feast.types.Value_pb2 import Value  # noqa: E402
from feast.repo_config import RepoConfig  # noqa: E402
from feast.types import from_value_type  # noqa: E402
from feast.value_type import ValueType  # noqa: E402

# Feast re-enables deprecation warnings on import; they are noise here.
warnings.simplefilter("ignore")


def b64(msg):
    return base64.b64encode(msg.SerializeToString()).decode()


def unb64(cls, s):
    m = cls()
    m.ParseFromString(base64.b64decode(s))
    return m


def ms_to_dt(ms):
    return datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)


def view(spec):
    entity = Entity(name="driver", join_keys=["driver_id"])
    return FeatureView(
        name=spec["name"],
        entities=[entity],
        schema=[
            Field(name=n, dtype=from_value_type(ValueType(t)))
            for n, t in spec["features"]
        ],
    )


def handle(req):
    store_cfg = {"hosts": [["127.0.0.1", req["port"]]], **req.get("store", {})}
    config = RepoConfig(
        project=req["project"],
        registry=tempfile.mktemp(suffix=".db"),
        provider="local",
        online_store=AerospikeOnlineStoreConfig(**store_cfg),
        entity_key_serialization_version=3,
    )
    store = AerospikeOnlineStore()
    op = req["op"]
    out = {}
    if op == "write":
        fv = view(req["view"])
        data = [
            (
                unb64(EntityKey, r["entity_key"]),
                {k: unb64(Value, v) for k, v in r["values"].items()},
                ms_to_dt(r["event_ts_ms"]),
                ms_to_dt(r["created_ts_ms"]) if r.get("created_ts_ms") else None,
            )
            for r in req["rows"]
        ]
        progress = []
        store.online_write_batch(config, fv, data, progress.append)
        out["progress"] = progress
    elif op == "read":
        fv = view(req["view"])
        keys = [unb64(EntityKey, k) for k in req["entity_keys"]]
        rows = store.online_read(config, fv, keys, req.get("requested"))
        out["rows"] = [
            None
            if feats is None
            else {
                "ts_ms": None
                if ts is None
                else int(round(ts.timestamp() * 1000)),
                "values": {k: b64(v) for k, v in feats.items()},
            }
            for ts, feats in rows
        ]
    elif op == "update":
        store.update(
            config,
            [view(v) for v in req["delete"]],
            [view(v) for v in req["keep"]],
            [],
            [],
            partial=False,
        )
    elif op == "teardown":
        store.teardown(config, [view(v) for v in req["views"]], [])
    else:
        raise ValueError(f"unknown op {op!r}")
    return out


def main():
    for line in sys.stdin:
        try:
            answer = {"ok": handle(json.loads(line))}
        except Exception:  # reported to the Rust side, which fails the test
            answer = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
