//! How the store reports failures (issue 11): the error class of each kind of
//! failure (`src/classify.rs`, listed in docs/ABI.md), in-doubt writes,
//! retries spaced across the call's budget, request deadlines that bound
//! update and teardown, a row too big to store, and the up-front limits of
//! one read.

mod common;

use std::time::{Duration, Instant};

use common::*;
use feast_aerospike::entity_key::{digest, serialize_entity_key};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::{ErrorKind, OnlineStore, StoreConfig};
use feast_aerospike_testserver::{ServerConfig, TestServer};

fn fv() -> FeatureView {
    view("stats", &[("x", Vt::Int64), ("s", Vt::String)])
}

fn x_row(id: i64, x: i64) -> WriteRow {
    row(
        driver(id),
        &[("x", val(Val::Int64Val(x)))],
        1_700_000_000_000,
    )
}

fn write_rows(store: &OnlineStore, rows: Vec<WriteRow>, timeout_ms: u32) -> WriteBatchResponse {
    block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(fv()),
        rows,
        timeout_ms,
    }))
    .expect("write_batch answers per row")
}

fn read_x(store: &OnlineStore, id: i64) -> Option<i64> {
    let got = read(store, vec![driver(id)], &[(&fv(), &["x"])]).expect("read");
    let r = &got.views[0].rows[0];
    match r.values.first().and_then(|v| v.val.as_ref()) {
        Some(Val::Int64Val(x)) if r.found => Some(*x),
        _ => None,
    }
}

fn key_digest(id: i64) -> [u8; 20] {
    digest(
        "demo_latest",
        &serialize_entity_key(&driver(id), 3).unwrap(),
    )
}

#[test]
fn a_row_too_big_to_store_fails_alone_and_not_in_doubt() {
    let server = TestServer::start(ServerConfig {
        max_record_size: 4096,
        ..ServerConfig::default()
    })
    .unwrap();
    let config = StoreConfig::from_json(&config_json(&server, "")).unwrap();
    let store = block_on(OnlineStore::connect(config)).unwrap();
    write_rows(&store, vec![x_row(2, 2)], 0);
    let big = |id: i64| {
        row(
            driver(id),
            &[
                ("x", val(Val::Int64Val(99))),
                ("s", val(Val::StringVal("y".repeat(5000)))),
            ],
            1,
        )
    };
    let resp = write_rows(&store, vec![x_row(1, 1), big(2), x_row(3, 3), big(4)], 0);
    assert_eq!(resp.rows_written, 2);
    let got: Vec<(u32, i32, bool)> = resp
        .failures
        .iter()
        .map(|f| (f.row_index, f.result_code, f.in_doubt))
        .collect();
    assert_eq!(got, [(1, 13, false), (3, 13, false)]);
    // Nothing else lost; the existing record is unchanged; no new record.
    assert_eq!(read_x(&store, 1), Some(1));
    assert_eq!(read_x(&store, 2), Some(2));
    assert_eq!(read_x(&store, 3), Some(3));
    assert_eq!(read_x(&store, 4), None);
}

#[test]
fn a_read_over_the_limits_is_refused_up_front() {
    let server = server();
    let store = connect(&server, "");
    let views: Vec<ViewRead> = (0..10_000)
        .map(|i| ViewRead {
            feature_view: Some(view(&format!("v{i}"), &[("x", Vt::Int64)])),
            requested_features: vec!["x".into()],
        })
        .collect();
    let keys: Vec<EntityKey> = (0..1000).map(driver).collect();
    let started = Instant::now();
    let e = block_on(store.read(&ReadRequest {
        entity_keys: keys.clone(),
        views,
        timeout_ms: 0,
    }))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.message().contains("limit"), "{e}");
    assert!(started.elapsed() < Duration::from_millis(200));
    // Under the view limit but over the cell limit.
    let e = block_on(
        store.read(&ReadRequest {
            entity_keys: keys,
            views: (0..900)
                .map(|i| ViewRead {
                    feature_view: Some(view(&format!("v{i}"), &[])),
                    requested_features: (0..5).map(|f| format!("f{f}")).collect(),
                })
                .collect(),
            timeout_ms: 0,
        }),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.message().contains("cells"), "{e}");
}
