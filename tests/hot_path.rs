//! The direct batch path (src/wire) against the crate's path, through the
//! test server: what one writes the other reads identically, and both answer
//! every read shape (whole, projected, missing, several views, repeated
//! names) with the same response.

mod common;

use common::*;
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::{ErrorKind, OnlineStore, StoreConfig};

fn mixed() -> FeatureView {
    view(
        "mixed",
        &[
            ("i64", Vt::Int64),
            ("i32", Vt::Int32),
            ("f64", Vt::Double),
            ("f32", Vt::Float),
            ("s", Vt::String),
            ("b", Vt::Bytes),
            ("flag", Vt::Bool),
            ("ts", Vt::UnixTimestamp),
            ("l64", Vt::Int64List),
            ("ls", Vt::StringList),
            ("ld", Vt::DoubleList),
            ("m", Vt::Map),
            ("j", Vt::Json),
            ("absent", Vt::Int64),
        ],
    )
}

fn mixed_row(id: i64) -> WriteRow {
    let mut m = Map::default();
    m.val.insert("k".into(), val(Val::Int64Val(id)));
    row(
        driver(id),
        &[
            ("i64", val(Val::Int64Val(id * 1_000_000_007))),
            ("i32", val(Val::Int32Val(-(id as i32)))),
            ("f64", val(Val::DoubleVal(id as f64 / 3.0))),
            ("f32", val(Val::FloatVal(0.5))),
            ("s", val(Val::StringVal(format!("name-{id}-é")))),
            ("b", val(Val::BytesVal(vec![0, 0xff, id as u8]))),
            ("flag", val(Val::BoolVal(id % 2 == 0))),
            ("ts", val(Val::UnixTimestampVal(1_700_000_000 + id))),
            (
                "l64",
                val(Val::Int64ListVal(Int64List {
                    val: vec![id, -id, 1 << 40],
                })),
            ),
            (
                "ls",
                val(Val::StringListVal(StringList {
                    val: vec!["a".into(), format!("{id}")],
                })),
            ),
            (
                "ld",
                val(Val::DoubleListVal(DoubleList {
                    val: vec![f64::NAN, 1.5],
                })),
            ),
            ("m", val(Val::MapVal(m))),
            (
                "j",
                val(Val::JsonVal(format!(r#"{{"id":{id},"tags":["x",null]}}"#))),
            ),
            ("f_nan", val(Val::DoubleVal(f64::NAN))),
        ],
        1_704_067_200_000 + id,
    )
}

fn other() -> FeatureView {
    view("other", &[("x", Vt::Int64), ("y", Vt::String)])
}

fn connect_crate_path(server: &feast_aerospike_testserver::TestServer) -> OnlineStore {
    connect(server, "").without_direct_path()
}

/// Every read shape, answered by the store given.
fn reads(store: &OnlineStore) -> Vec<ReadResponse> {
    let (m, o) = (mixed(), other());
    let keys: Vec<EntityKey> = (0..12).map(driver).collect(); // 10, 11 absent
    vec![
        read(store, keys.clone(), &[(&m, &[])]).unwrap(),
        read(
            store,
            keys.clone(),
            &[(&m, &["s", "i64", "s", "nope", "ld"])],
        )
        .unwrap(),
        read(store, keys.clone(), &[(&o, &[]), (&m, &["f64"]), (&m, &[])]).unwrap(),
        read(store, keys.clone(), &[(&o, &["y"])]).unwrap(),
        read(store, vec![driver(3)], &[(&m, &[]), (&o, &[])]).unwrap(),
        // One entity: a single-record command on the direct path.
        read(store, vec![driver(4)], &[(&m, &["s", "nope", "i64"])]).unwrap(),
        read(store, vec![driver(1)], &[(&o, &["y"])]).unwrap(),
        read(store, vec![driver(11)], &[(&m, &[])]).unwrap(),
        read(store, vec![], &[(&m, &[])]).unwrap(),
    ]
}

#[test]
fn direct_and_crate_paths_answer_every_read_identically() {
    let server = server();
    let direct = connect(&server, "");
    assert!(direct.uses_direct_path());
    let via_crate = connect_crate_path(&server);
    assert!(!via_crate.uses_direct_path());
    // Half the rows written by each path; "other" only on some entities.
    write(&direct, &mixed(), (0..5).map(mixed_row).collect());
    write(&via_crate, &mixed(), (5..10).map(mixed_row).collect());
    let other_rows: Vec<WriteRow> = (0..10)
        .step_by(3)
        .map(|id| {
            row(
                driver(id),
                &[
                    ("x", val(Val::Int64Val(id))),
                    ("y", val(Val::StringVal("y".into()))),
                ],
                5,
            )
        })
        .collect();
    write(&direct, &other(), other_rows);
    // Single-row writes (a single-record command on the direct path).
    write(&direct, &mixed(), vec![mixed_row(4)]);
    write(&via_crate, &mixed(), vec![mixed_row(5)]);
    let a = reads(&direct);
    let b = reads(&via_crate);
    // Debug text, not ==: NaN list elements are equal only as text. The
    // one map value has a single entry, so its order cannot differ.
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    // Spot checks of what both say.
    let whole = &a[0].views[0];
    assert_eq!(whole.rows.len(), 12);
    assert!(whole.rows[3].found && !whole.rows[11].found);
    assert_eq!(whole.rows[3].values[0], val(Val::Int64Val(3_000_000_021)));
    assert_eq!(
        whole.rows[3].values[13],
        Value::default(),
        "absent feature is unset"
    );
    assert_eq!(
        whole.rows[3].event_timestamp.as_ref().map(|t| t.seconds),
        Some(1_704_067_200)
    );
    let projected = &a[1].views[0];
    assert_eq!(projected.feature_names, ["s", "i64", "s", "nope", "ld"]);
    assert_eq!(projected.rows[7].values[0], projected.rows[7].values[2]);
    // Entity 1 has no "other" slot: the projected read retries without
    // contexts and still finds nothing, without hiding anything.
    assert!(!a[3].views[0].rows[1].found && a[3].views[0].rows[3].found);
    // The single-entity reads: found with its values, the slot-less
    // projection (retried without contexts) and the absent entity missed.
    let single = &a[5].views[0].rows[0];
    assert!(single.found);
    assert_eq!(single.values[2], val(Val::Int64Val(4_000_000_028)));
    assert_eq!(single.values[1], Value::default());
    assert!(!a[6].views[0].rows[0].found && !a[7].views[0].rows[0].found);
}

#[test]
fn direct_path_write_failures_are_per_row_and_keep_the_other_rows() {
    let server = server();
    let store = connect(&server, "");
    let mut rows: Vec<WriteRow> = (0..4).map(mixed_row).collect();
    rows[1].event_timestamp = None;
    rows[2].entity_key = None;
    let resp = block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(mixed()),
        rows,
        timeout_ms: 0,
    }))
    .unwrap();
    assert_eq!(resp.rows_written, 2);
    let idx: Vec<u32> = resp.failures.iter().map(|f| f.row_index).collect();
    assert_eq!(idx, [1, 2]);
    assert!(resp
        .failures
        .iter()
        .all(|f| f.result_code == -1 && !f.in_doubt));
    assert!(resp.failures[0].message.contains("event_timestamp"));
    // A server refusal is per row, with the server's code, not in doubt.
    server.fail_namespace("feast", 8);
    let resp = block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(mixed()),
        rows: vec![mixed_row(7)],
        timeout_ms: 0,
    }))
    .unwrap();
    assert_eq!(resp.rows_written, 0);
    assert_eq!(resp.failures[0].result_code, 8);
    assert!(!resp.failures[0].in_doubt);
    // A server timeout can follow an applied write: in doubt.
    server.clear_faults();
    server.fail_namespace("feast", 9);
    let resp = block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(mixed()),
        rows: vec![mixed_row(7)],
        timeout_ms: 0,
    }))
    .unwrap();
    assert_eq!(resp.failures[0].result_code, 9);
    assert!(resp.failures[0].in_doubt);
}

#[test]
fn direct_path_read_errors_are_errors_not_misses() {
    let server = server();
    let store = connect(&server, "");
    write(&store, &mixed(), vec![mixed_row(1)]);
    server.fail_namespace("feast", 8);
    let e = read(&store, vec![driver(1)], &[(&mixed(), &[])]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.result_code(), Some(8));
    server.clear_faults();
    // The server goes away: a connection error naming the node, after the
    // retries, within the deadline.
    server.stop();
    let t0 = std::time::Instant::now();
    let e = read(&store, vec![driver(1)], &[(&mixed(), &[])]).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout),
        "{e}"
    );
    assert!(
        t0.elapsed() < std::time::Duration::from_millis(2500),
        "{:?}",
        t0.elapsed()
    );
    // It comes back: the pooled connections are replaced transparently.
    server.restart(true).unwrap();
    let ok = read(&store, vec![driver(1)], &[(&mixed(), &["i64"])]).unwrap();
    assert!(ok.views[0].rows[0].found);
}

#[test]
fn tls_and_authenticated_clusters_keep_the_crate_path() {
    let server = server();
    let cfg =
        StoreConfig::from_json(&config_json(&server, r#""user":"u","password":"p""#)).unwrap();
    assert!(!OnlineStore::direct_path_supported(&cfg));
    let cfg = StoreConfig::from_json(&config_json(&server, "")).unwrap();
    assert!(OnlineStore::direct_path_supported(&cfg));
}
