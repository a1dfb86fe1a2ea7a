//! The bare `aerospike` crate doing the store's record operations on the
//! records of shared/BENCHMARK.md: keys, feature maps and batch policy.
//! Shared by `examples/bare_client_bench.rs` and `examples/compare_driver.rs`
//! (include `workload.rs` as `workload` beside it).

use aerospike::{BatchPolicy, IndexMap, Key, Value as AsValue};
use feast_aerospike::entity_key::{digest, serialize_entity_key_into};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::{EntityKey, Value};

use super::workload::{base36, h, unit_f64};

pub const NAMESPACE: &str = "feast";
pub const SET: &str = "bench_latest";
pub const NARROW: &str = "driver_narrow";
pub const WIDE: &str = "driver_wide";
pub const PROJECTED: [&str; 5] = ["w003", "w017", "w042", "w068", "w091"];

/// One NARROW row, in key order as the store sends it (BENCHMARK.md's
/// feature index decides the value, the name decides the position).
pub fn narrow_features(id: u64) -> IndexMap<AsValue, AsValue> {
    let hv = |i| h(1, id, i);
    let mut m: Vec<(&str, AsValue)> = vec![
        ("i64_0", AsValue::Int((hv(0) % 1000) as i64)),
        ("i64_1", AsValue::Int((hv(1) % (1 << 32)) as i64)),
        ("i64_2", AsValue::Int(hv(2) as i64)),
        ("f64_0", AsValue::from(unit_f64(hv(3)))),
        ("f64_1", AsValue::from(unit_f64(hv(4)))),
        ("f64_2", AsValue::from(unit_f64(hv(5)))),
        ("str_0", AsValue::String(base36(hv(6)))),
        ("str_1", AsValue::String(base36(hv(7)))),
        ("bool_0", AsValue::Bool(hv(8) & 1 == 1)),
        (
            "f32_0",
            AsValue::from(f64::from(
                (hv(9) >> 40) as f32 * (1.0 / (1u32 << 24) as f32),
            )),
        ),
    ];
    m.sort_by(|a, b| a.0.cmp(b.0));
    m.into_iter()
        .map(|(k, v)| (AsValue::String(k.to_string()), v))
        .collect()
}

pub fn wide_features(id: u64) -> IndexMap<AsValue, AsValue> {
    (0..100)
        .map(|i| {
            (
                AsValue::String(format!("w{i:03}")),
                AsValue::from(unit_f64(h(2, id, i))),
            )
        })
        .collect()
}

/// The record key of a driver, built as the store builds it: Feast's
/// serialized entity key (v3), digested with the set name.
pub fn record_key(id: u64, buf: &mut Vec<u8>) -> Key {
    let ek = EntityKey {
        join_keys: vec!["driver_id".into()],
        entity_values: vec![Value {
            val: Some(Val::Int64Val(id as i64)),
        }],
    };
    buf.clear();
    serialize_entity_key_into(&ek, 3, buf).expect("an INT64 entity key always serializes");
    Key::with_digest(
        NAMESPACE.to_string(),
        SET.to_string(),
        None,
        digest(SET, buf),
    )
}

pub fn policy() -> BatchPolicy {
    let mut p = BatchPolicy::default();
    p.base_policy.total_timeout = 30_000;
    p.base_policy.max_retries = 2;
    p
}
