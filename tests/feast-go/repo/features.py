# The feature repo of the Feast Go server end-to-end test (tests/feast-go/e2e.py):
# an INT64-keyed and a STRING-keyed entity, a composite-key view, every scalar
# type Python Feast can write and their lists, and a view stored under a
# namespace/set override (see the feature_store.yaml e2e.py writes).
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource, ValueType
from feast.types import (
    Array,
    Bool,
    Bytes,
    Float32,
    Float64,
    Int32,
    Int64,
    String,
)

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.STRING)

SCALARS = {
    "i32": Int32,
    "i64": Int64,
    "f32": Float32,
    "f64": Float64,
    "s": String,
    "b": Bytes,
    "flag": Bool,
}
# UNIX_TIMESTAMP and its list are not here: Feast 0.67's Python Aerospike store
# cannot write them (it hands the client datetime objects, which the aerospike
# client refuses: "Unable to serialize unknown Python native type"), so Python
# cannot materialize them. The adapter's own Go test covers reading them.


def source(name):
    return FileSource(name=name, path=f"data/{name}.parquet", timestamp_field="event_timestamp")


driver_scalars = FeatureView(
    name="driver_scalars",
    entities=[driver],
    ttl=timedelta(0),
    schema=[Field(name=n, dtype=t) for n, t in SCALARS.items()],
    source=source("driver_scalars"),
)

driver_lists = FeatureView(
    name="driver_lists",
    entities=[driver],
    ttl=timedelta(0),
    schema=[Field(name=n + "_list", dtype=Array(t)) for n, t in SCALARS.items()],
    source=source("driver_lists"),
)

customer_profile = FeatureView(
    name="customer_profile",
    entities=[customer],
    ttl=timedelta(0),
    schema=[Field(name="name", dtype=String), Field(name="age", dtype=Int32), Field(name="score", dtype=Float64)],
    source=source("customer_profile"),
)

driver_customer = FeatureView(
    name="driver_customer",
    entities=[driver, customer],
    ttl=timedelta(0),
    schema=[Field(name="trips", dtype=Int64), Field(name="rating", dtype=Float32)],
    source=source("driver_customer"),
)

# Stored in namespace feast2 and set "overridden" (feature_store.yaml).
driver_override = FeatureView(
    name="driver_override",
    entities=[driver],
    ttl=timedelta(0),
    schema=[Field(name="level", dtype=Int32), Field(name="tag", dtype=String)],
    source=source("driver_override"),
)
