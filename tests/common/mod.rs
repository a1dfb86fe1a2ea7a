//! The one helper module of the integration tests: a test server per test, a
//! store connected to it, builders for feature views and rows, and (in
//! [`ffi`]) wrappers that call the C ABI the way a C caller would.
#![allow(dead_code)]

pub mod ffi;

use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::{OnlineStore, StoreConfig};
use feast_aerospike_testserver::{ServerConfig, TestServer};

pub fn server() -> TestServer {
    TestServer::start(ServerConfig::default()).expect("start the test server")
}

/// Store config JSON for `server` with extra top-level keys (`"k": v, ...`).
pub fn config_json(server: &TestServer, extra: &str) -> String {
    let addr = server.addr();
    let sep = if extra.is_empty() { "" } else { "," };
    format!(
        r#"{{"project":"demo","hosts":[["{}",{}]]{sep}{extra}}}"#,
        addr.ip(),
        addr.port()
    )
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    feast_aerospike::runtime::runtime().block_on(f)
}

pub fn connect(server: &TestServer, extra: &str) -> OnlineStore {
    let config = StoreConfig::from_json(&config_json(server, extra)).expect("config");
    block_on(OnlineStore::connect(config)).expect("connect to the test server")
}

pub fn view(name: &str, features: &[(&str, Vt)]) -> FeatureView {
    FeatureView {
        name: name.into(),
        features: features
            .iter()
            .map(|(n, t)| Feature {
                name: n.to_string(),
                value_type: *t as i32,
            })
            .collect(),
    }
}

pub fn val(v: Val) -> Value {
    Value { val: Some(v) }
}

pub fn driver(id: i64) -> EntityKey {
    EntityKey {
        join_keys: vec!["driver_id".into()],
        entity_values: vec![val(Val::Int64Val(id))],
    }
}

pub fn ts(ms: i64) -> prost_types::Timestamp {
    feast_aerospike::codec::ms_to_timestamp(ms)
}

pub fn row(key: EntityKey, values: &[(&str, Value)], event_ms: i64) -> WriteRow {
    WriteRow {
        entity_key: Some(key),
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        event_timestamp: Some(ts(event_ms)),
        created_timestamp: None,
    }
}

pub fn write(store: &OnlineStore, fv: &FeatureView, rows: Vec<WriteRow>) -> WriteBatchResponse {
    let n = rows.len() as u64;
    let resp = block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(fv.clone()),
        rows,
        timeout_ms: 0,
    }))
    .expect("write_batch");
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    assert_eq!(resp.rows_written, n);
    resp
}

pub fn read(
    store: &OnlineStore,
    keys: Vec<EntityKey>,
    views: &[(&FeatureView, &[&str])],
) -> feast_aerospike::Result<ReadResponse> {
    block_on(
        store.read(&ReadRequest {
            entity_keys: keys,
            views: views
                .iter()
                .map(|(v, req)| ViewRead {
                    feature_view: Some((*v).clone()),
                    requested_features: req.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
            timeout_ms: 0,
        }),
    )
}
