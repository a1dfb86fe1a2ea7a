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
fn a_per_row_server_timeout_is_in_doubt_and_refusals_are_not() {
    let server = server();
    let store = connect(&server, r#""max_retries":0"#);
    server.fail_digest("feast", key_digest(1), 9); // may follow an applied write
    server.fail_digest("feast", key_digest(2), 14); // key busy: refused before applying
    server.fail_digest("feast", key_digest(3), 1); // unknown server error
    let resp = write_rows(&store, (1..=4).map(|i| x_row(i, i)).collect(), 0);
    assert_eq!(resp.rows_written, 1);
    let got: Vec<(u32, i32, bool)> = resp
        .failures
        .iter()
        .map(|f| (f.row_index, f.result_code, f.in_doubt))
        .collect();
    assert_eq!(got, [(0, 9, true), (1, 14, false), (2, 1, true)]);
    // A read row answering 9 is a TIMEOUT error (never in doubt: no row list).
    server.clear_faults();
    server.fail_digest("feast", key_digest(4), 9);
    let e = read(&store, vec![driver(4)], &[(&fv(), &[])]).unwrap_err();
    assert_eq!(
        (e.kind(), e.result_code()),
        (ErrorKind::Timeout, Some(9)),
        "{e}"
    );
}

#[test]
fn a_connection_lost_after_sending_leaves_the_batch_in_doubt() {
    // The server reads the whole batch, then the connection dies without an
    // answer: the node "died mid-batch". Nothing proves the rows were not
    // applied, so every one is in doubt and none is reported as a clean
    // failure; a read is a CONNECTION error.
    let server = server();
    let store = connect(&server, r#""max_retries":0"#);
    write_rows(&store, vec![x_row(1, 1)], 0);
    // Many, so that a tend request taking one does not spare the batch.
    server.drop_next_requests(1000);
    // Let the client's tend (every second) meet a dropped connection first:
    // the hot path then finds its partition map out of date and cannot
    // re-read it, and must still send the batch where the map it has says
    // (it used to fail the rows unsent: reported not in doubt, though the
    // same dead node would have taken them).
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let resp = write_rows(&store, (1..=5).map(|i| x_row(i, 10 + i)).collect(), 0);
    assert_eq!(resp.rows_written, 0);
    assert_eq!(resp.failures.len(), 5);
    for f in &resp.failures {
        assert!(f.in_doubt, "{f:?}");
    }
    let e = read(&store, vec![driver(1)], &[(&fv(), &[])]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    server.clear_faults();
}

#[test]
fn an_open_error_rate_breaker_is_a_connection_failure_not_a_timeout() {
    // Enough dropped connections trip the client's per-node error-rate
    // breaker (100 errors per tend window); the commands it then refuses
    // were never sent: CONNECTION, and write rows not in doubt, without the
    // TIMEOUT result code 9.
    // The breaker is the crate's (the direct path has none: its commands
    // to a failing node time out or fail to connect, docs/hot-path.md).
    let server = server();
    let store =
        connect(&server, r#""max_retries":0,"batch_total_timeout_ms":500"#).without_direct_path();
    server.drop_next_requests(u64::MAX / 2);
    let mut tripped = None;
    for _ in 0..2000 {
        match read(&store, vec![driver(1)], &[(&fv(), &[])]) {
            Err(e) if e.message().to_lowercase().contains("max error") => {
                tripped = Some(e);
                break;
            }
            _ => {}
        }
    }
    let e = tripped.expect("the breaker trips after enough dropped connections");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    let resp = write_rows(&store, vec![x_row(1, 1)], 0);
    let f = &resp.failures[0];
    if f.message.to_lowercase().contains("max error") {
        assert_ne!(f.result_code, 9, "{f:?}");
        assert!(!f.in_doubt, "{f:?}");
    }
    server.clear_faults();
}

#[test]
fn retries_are_spaced_so_a_short_blip_is_ridden_out() {
    let server = server();
    let store = connect(&server, r#""batch_total_timeout_ms":3000,"max_retries":3"#);
    write_rows(&store, vec![x_row(1, 1)], 0);
    // Every request fails for 1 s, then the server answers again.
    server.drop_next_requests(u64::MAX / 2);
    let started = Instant::now();
    let (got, elapsed) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| (read_x(&store, 1), started.elapsed()));
        std::thread::sleep(Duration::from_millis(1000));
        server.clear_faults();
        reader.join().unwrap()
    });
    assert_eq!(got, Some(1), "the read rode out the blip");
    assert!(elapsed < Duration::from_millis(3300), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
}

#[test]
fn update_with_wait_and_teardown_honour_the_request_deadline() {
    let server = server();
    let store = connect(
        &server,
        r#""set_overrides":{"a":"sa","b":"sb","c":"sc"},"write_timeout_ms":5000"#,
    );
    let views: Vec<FeatureView> = ["a", "b", "c"]
        .iter()
        .map(|n| view(n, &[("x", Vt::Int64)]))
        .collect();
    server.set_delay(Duration::from_millis(300));
    let started = Instant::now();
    let r = block_on(store.update(&UpdateRequest {
        views_to_delete: views.clone(),
        views_to_keep: vec![],
        wait: true,
        timeout_ms: 700,
    }));
    let took = started.elapsed();
    assert!(took <= Duration::from_millis(770), "update took {took:?}");
    if let Err(e) = r {
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    }
    let started = Instant::now();
    let r = block_on(store.teardown(&TeardownRequest {
        views,
        timeout_ms: 700,
    }));
    let took = started.elapsed();
    assert!(took <= Duration::from_millis(770), "teardown took {took:?}");
    let e = r.expect_err("4 truncates at 300 ms each cannot finish in 700 ms");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    server.set_delay(Duration::ZERO);
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
