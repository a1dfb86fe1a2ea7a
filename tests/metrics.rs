//! Store metrics through the test server: the counts and latency buckets
//! match the calls made, including failures injected by the server.

mod common;

use std::time::Duration;

use common::*;
use feast_aerospike::entity_key::{digest, serialize_entity_key};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::{bucket_index, LATENCY_BOUNDS_US};

fn op<'a>(s: &'a MetricsSnapshot, name: &str) -> &'a OperationMetrics {
    s.operations.iter().find(|o| o.operation == name).unwrap()
}

fn errors(o: &OperationMetrics) -> Vec<(i32, &str, u64)> {
    o.errors
        .iter()
        .map(|e| (e.status, e.name.as_str(), e.count))
        .collect()
}

#[test]
fn counts_match_the_calls_made() {
    let server = server();
    let store = connect(&server, r#""batch_total_timeout_ms":150,"max_retries":0"#);
    let v = view("stats", &[("trips", Vt::Int64)]);
    let rows = |ids: std::ops::Range<i64>| -> Vec<WriteRow> {
        ids.map(|id| row(driver(id), &[("trips", val(Val::Int64Val(id)))], 1_000))
            .collect()
    };
    let empty = store.metrics().snapshot();
    assert!(empty.operations.iter().all(|o| o.calls == 0));
    assert_eq!(empty.operations.len(), 4);

    write(&store, &v, rows(0..5));
    // Row 2 fails on the server with 13 (record too big).
    let bad = serialize_entity_key(&driver(2), 3).unwrap();
    server.fail_digest("feast", digest("demo_latest", &bad), 13);
    let resp = block_on(store.write_batch(&WriteBatchRequest {
        feature_view: Some(v.clone()),
        rows: rows(0..3),
        timeout_ms: 0,
    }))
    .unwrap();
    assert_eq!(resp.failures.len(), 1);
    // Reads: 5 found + 2 missing; then a read failing with 14 is an error.
    server.clear_faults();
    read(&store, (0..7).map(driver).collect(), &[(&v, &[])]).unwrap();
    server.fail_digest("feast", digest("demo_latest", &bad), 14);
    read(&store, vec![driver(2)], &[(&v, &[])]).unwrap_err();
    server.clear_faults();
    // A slow read (the server waits 30 ms) lands in the 25..50 ms bucket; a
    // delay past the timeout is a timeout error.
    server.set_delay(Duration::from_millis(30));
    read(&store, vec![driver(0)], &[(&v, &[])]).unwrap();
    server.set_delay(Duration::from_millis(400));
    read(&store, vec![driver(0)], &[(&v, &[])]).unwrap_err();
    server.set_delay(Duration::ZERO);

    let s = store.metrics().snapshot();
    assert_eq!(s.latency_bounds_us, LATENCY_BOUNDS_US.to_vec());
    let w = op(&s, "write_batch");
    assert_eq!((w.calls, w.items, w.latency_count), (2, 8, 2));
    assert!(w.errors.is_empty());
    assert_eq!((s.rows_written, s.rows_skipped_stale), (7, 0));
    let codes: Vec<(i32, u64)> = s
        .row_failures
        .iter()
        .map(|c| (c.result_code, c.count))
        .collect();
    assert_eq!(codes, vec![(13, 1)]);

    let r = op(&s, "read");
    assert_eq!((r.calls, r.items, r.latency_count), (4, 10, 4));
    assert_eq!(errors(r), vec![(5, "timeout", 1), (6, "server", 1)]);
    assert_eq!((s.read_found, s.read_not_found), (6, 2));
    // Cumulative buckets: monotonic, ending at the call count.
    assert!(r.latency_buckets.windows(2).all(|b| b[0] <= b[1]));
    assert!(*r.latency_buckets.last().unwrap() <= r.latency_count);
    let b25 = bucket_index(25_000);
    let slow_calls = |i: usize| r.latency_buckets[i];
    // Two calls took over 25 ms (the 30 ms read and the timed-out one)...
    assert_eq!(
        r.latency_count - slow_calls(b25),
        2,
        "{:?}",
        r.latency_buckets
    );
    // ...and the 30 ms one finished within 250 ms, the timeout did not
    // finish within 100 ms.
    assert_eq!(r.latency_count - slow_calls(bucket_index(100_000)), 1);
    assert!(r.latency_sum_us >= 30_000 + 150_000);

    assert_eq!(op(&s, "update").calls, 0);
    block_on(store.teardown(&TeardownRequest::default())).unwrap();
    let t = op(&store.metrics().snapshot(), "teardown").clone();
    assert_eq!((t.calls, t.items, t.latency_count), (1, 0, 1));
    // A closed store counts the refused call as a "closed" error.
    block_on(store.close()).unwrap();
    read(&store, vec![driver(0)], &[(&v, &[])]).unwrap_err();
    let s = store.metrics().snapshot();
    assert_eq!(errors(op(&s, "read")).last(), Some(&(7, "closed", 1)));
}
