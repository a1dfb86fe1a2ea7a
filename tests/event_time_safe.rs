//! Event-time-safe writes (`event_time_safe_writes: true`) through the test
//! server: a row applies only when no newer event timestamp is stored for its
//! view; stale rows are reported as skipped, never as failures.

mod common;

use std::sync::Arc;

use common::*;
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::OnlineStore;

const SAFE: &str = r#""event_time_safe_writes":true"#;

fn fv(name: &str) -> FeatureView {
    view(name, &[("trips", Vt::Int64)])
}

fn trips(id: i64, trips: i64, event_ms: i64) -> WriteRow {
    row(
        driver(id),
        &[("trips", val(Val::Int64Val(trips)))],
        event_ms,
    )
}

fn send(store: &OnlineStore, view: &FeatureView, rows: Vec<WriteRow>) -> WriteBatchResponse {
    let n = rows.len() as u64;
    let resp = block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(view.clone()),
        rows,
        timeout_ms: 0,
    }))
    .expect("write_batch");
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    assert_eq!(resp.rows_written + resp.skipped_stale_rows.len() as u64, n);
    resp
}

/// (trips, event ms) stored for driver `id` in `view`, None when not found.
fn stored(store: &OnlineStore, view: &FeatureView, id: i64) -> Option<(i64, i64)> {
    let r = read(store, vec![driver(id)], &[(view, &[])]).unwrap();
    let row = &r.views[0].rows[0];
    if !row.found {
        return None;
    }
    let Some(Val::Int64Val(t)) = row.values[0].val else {
        panic!("trips of {row:?}")
    };
    let ts = row.event_timestamp.as_ref().unwrap();
    Some((t, feast_aerospike::codec::timestamp_to_ms(ts)))
}

#[test]
fn older_then_newer_writes_both() {
    let server = server();
    let store = connect(&server, SAFE);
    let v = fv("stats");
    assert_eq!(send(&store, &v, vec![trips(1, 10, 1_000)]).rows_written, 1);
    let r = send(&store, &v, vec![trips(1, 20, 2_000)]);
    assert_eq!((r.rows_written, r.skipped_stale_rows.len()), (1, 0));
    assert_eq!(stored(&store, &v, 1), Some((20, 2_000)));
}

#[test]
fn newer_then_older_skips_the_older_row() {
    let server = server();
    let store = connect(&server, SAFE);
    let v = fv("stats");
    send(&store, &v, vec![trips(1, 20, 2_000)]);
    let r = send(&store, &v, vec![trips(1, 10, 1_000)]);
    assert_eq!(r.rows_written, 0);
    assert_eq!(r.skipped_stale_rows, vec![0]);
    assert_eq!(stored(&store, &v, 1), Some((20, 2_000)));
    // Feast's default (option off) is last-writer-wins.
    let plain = connect(&server, "");
    assert_eq!(send(&plain, &v, vec![trips(1, 10, 1_000)]).rows_written, 1);
    assert_eq!(stored(&store, &v, 1), Some((10, 1_000)));
}

#[test]
fn equal_timestamps_write() {
    let server = server();
    let store = connect(&server, SAFE);
    let v = fv("stats");
    send(&store, &v, vec![trips(1, 10, 5_000)]);
    let r = send(&store, &v, vec![trips(1, 11, 5_000)]);
    assert_eq!((r.rows_written, r.skipped_stale_rows.len()), (1, 0));
    assert_eq!(stored(&store, &v, 1), Some((11, 5_000)));
}

#[test]
fn a_record_with_another_view_only_writes_and_keeps_that_view() {
    let server = server();
    let store = connect(&server, SAFE);
    let (a, b) = (fv("view_a"), fv("view_b"));
    send(&store, &a, vec![trips(1, 1, 9_000)]);
    // view_b is absent from the record: an older timestamp still writes.
    let r = send(&store, &b, vec![trips(1, 2, 1_000)]);
    assert_eq!(r.rows_written, 1);
    assert_eq!(stored(&store, &a, 1), Some((1, 9_000)));
    assert_eq!(stored(&store, &b, 1), Some((2, 1_000)));
    // Each view is guarded by its own timestamp.
    assert_eq!(
        send(&store, &b, vec![trips(1, 3, 500)]).skipped_stale_rows,
        vec![0]
    );
    assert_eq!(send(&store, &a, vec![trips(1, 4, 9_001)]).rows_written, 1);
    assert_eq!(stored(&store, &b, 1), Some((2, 1_000)));
}

#[test]
fn mixed_batches_report_each_skipped_row_in_order() {
    let server = server();
    let store = connect(&server, &format!("{SAFE},\"batch_max_records\":2"));
    let v = fv("stats");
    send(&store, &v, (0..5).map(|id| trips(id, 1, 5_000)).collect());
    // Odd rows are older than what is stored; chunks of 2 rows.
    let rows = (0..5)
        .map(|id| trips(id, 2, if id % 2 == 1 { 4_000 } else { 6_000 }))
        .collect();
    let r = send(&store, &v, rows);
    assert_eq!(r.rows_written, 3);
    assert_eq!(r.skipped_stale_rows, vec![1, 3]);
    let s = store.metrics().snapshot();
    assert_eq!((s.rows_written, s.rows_skipped_stale), (8, 2));
}

#[test]
fn concurrent_writers_leave_the_newest_event() {
    let server = server();
    let store = Arc::new(connect(&server, SAFE));
    let v = fv("stats");
    // 4 writers, each sending 25 versions of the same entities in its own
    // (scrambled) order; trips == event ms, so a mismatch shows clobbering.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (store, v) = (store.clone(), v.clone());
            std::thread::spawn(move || {
                for i in 0..25i64 {
                    let ms = 1_000 + ((i * 7 + w * 3) % 25) * 4 + w;
                    let rows = (0..3).map(|id| trips(id, ms, ms)).collect();
                    send(&store, &v, rows);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let newest = (0..4).map(|w| 1_000 + 24 * 4 + w).max().unwrap();
    for id in 0..3 {
        assert_eq!(stored(&store, &v, id), Some((newest, newest)));
    }
    let s = store.metrics().snapshot();
    assert_eq!(s.rows_written + s.rows_skipped_stale, 4 * 25 * 3);
    assert!(s.rows_skipped_stale > 0);
}
