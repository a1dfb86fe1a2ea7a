//! The C ABI against the test server (a test double of the Aerospike wire
//! protocol, not Aerospike): round trips, bad request bytes on a live handle,
//! outputs only on success, close vs free, and many threads on one handle.

mod common;

use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use common::ffi::*;
use feast_aerospike::ffi::*;
use feast_aerospike::proto::v1::*;
use feast_aerospike_testserver::{ServerConfig, TestServer};
use prost::Message;

const OPS: [(&str, OpFn); 4] = [
    ("write_batch", fas_store_write_batch),
    ("read", fas_store_read),
    ("update", fas_store_update),
    ("teardown", fas_store_teardown),
];

/// A raw handle that may cross threads: the ABI makes it thread-safe.
#[derive(Clone, Copy)]
struct Handle(*mut FasStore);
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Handle {
    // A method, so closures capture the whole (Send) handle, not its raw field.
    fn ptr(self) -> *mut FasStore {
        self.0
    }
}

fn start(project: &str) -> (TestServer, Handle) {
    let server = TestServer::start(ServerConfig::default()).expect("start the test server");
    let store = open(&config_for(server.addr(), project))
        .unwrap_or_else(|(status, err)| panic!("open: status {status}: {err:?}"));
    (server, Handle(store))
}

fn free(h: Handle) {
    unsafe { fas_store_free(h.ptr()) };
}

#[test]
fn write_then_read_round_trips_through_the_abi() {
    let (_server, h) = start("ffi_round_trip");
    let written: WriteBatchResponse = call_ok(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 0..20),
    );
    assert_eq!(written.rows_written, 20);
    assert!(written.failures.is_empty());

    let ids = [3, 19, 25, 0, 400];
    let read: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &ids));
    assert_rows(&read, &ids, 20);
    assert_eq!(read.views[0].feature_names, vec!["trips", "rate"]);
    free(h);
}

#[test]
fn bad_bytes_on_a_live_handle_are_errors_and_write_nothing() {
    let (_server, h) = start("ffi_bad_bytes");
    let good = write_request("stats", 0..3).encode_to_vec();
    for (name, op) in OPS {
        for (what, bytes) in [
            ("garbage", &b"\xff\xff\xff\xff\xff"[..]),
            ("truncated", &good[..good.len() - 3]),
            ("bad wire type", &b"\x0b\x0c"[..]),
        ] {
            let out = call(op, h.ptr(), bytes);
            assert_eq!(out.status, FAS_ERR_DECODE, "{name} {what}: {:?}", out.error);
            let msg = out.error.unwrap().message;
            assert!(msg.starts_with(&format!("{name}: request")), "{msg}");
        }
        let huge = call_raw(op, h.ptr(), good.as_ptr(), i32::MAX as usize + 1);
        assert_eq!(huge.status, FAS_ERR_INVALID_ARGUMENT, "{name}");
        let huge = call_raw(op, h.ptr(), good.as_ptr(), usize::MAX);
        assert_eq!(huge.status, FAS_ERR_INVALID_ARGUMENT, "{name}");
        let null = call_raw(op, h.ptr(), ptr::null(), 12);
        assert_eq!(null.status, FAS_ERR_INVALID_ARGUMENT, "{name}");
    }
    // None of the refused write requests reached the store.
    let read: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &[0, 1, 2]));
    assert_rows(&read, &[0, 1, 2], 0);
    free(h);
}

#[test]
fn the_wrong_message_type_is_refused_when_the_wire_formats_conflict() {
    let (_server, h) = start("ffi_wrong_type");
    let read = read_request("stats", &[1, 2]).encode_to_vec();
    let write = write_request("stats", 1..3).encode_to_vec();
    let out = call(fas_store_write_batch, h.ptr(), &read);
    assert_eq!(out.status, FAS_ERR_DECODE, "{:?}", out.error);
    assert!(out.error.unwrap().message.contains("WriteBatchRequest"));
    let out = call(fas_store_read, h.ptr(), &write);
    assert_eq!(out.status, FAS_ERR_DECODE, "{:?}", out.error);
    assert!(out.error.unwrap().message.contains("ReadRequest"));
    free(h);
}

#[test]
fn a_null_output_pointer_is_refused_before_anything_is_written() {
    let (_server, h) = start("ffi_null_out");
    let req = write_request("stats", 0..2).encode_to_vec();
    let mut len = 0usize;
    let mut out: *mut u8 = ptr::null_mut();
    let mut err: *mut FasError = ptr::null_mut();
    let status = unsafe {
        fas_store_write_batch(
            h.ptr(),
            req.as_ptr(),
            req.len(),
            ptr::null_mut(),
            &mut len,
            &mut err,
        )
    };
    assert_eq!(status, FAS_ERR_INVALID_ARGUMENT);
    assert!(unsafe { take_error(err) }
        .unwrap()
        .message
        .contains("out_response"));
    let status = unsafe {
        fas_store_write_batch(
            h.ptr(),
            req.as_ptr(),
            req.len(),
            &mut out,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    assert_eq!(status, FAS_ERR_INVALID_ARGUMENT);
    assert!(out.is_null());
    let read: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &[0, 1]));
    assert_rows(&read, &[0, 1], 0);
    free(h);
}

#[test]
fn an_empty_request_is_null_zero() {
    let (_server, h) = start("ffi_empty");
    // (NULL, 0) and (ptr, 0) are both the empty ReadRequest: nothing to read.
    for data in [ptr::null(), b"x".as_ptr()] {
        let out = call_raw(fas_store_read, h.ptr(), data, 0);
        assert_eq!(out.status, FAS_OK, "{:?}", out.error);
        let resp = ReadResponse::decode(out.response.unwrap().as_slice()).unwrap();
        assert!(resp.views.is_empty());
    }
    free(h);
}

#[test]
fn after_close_every_call_is_closed_and_free_releases() {
    let (_server, h) = start("ffi_closed");
    let mut err: *mut FasError = ptr::null_mut();
    assert_eq!(unsafe { fas_store_close(h.ptr(), &mut err) }, FAS_OK);
    assert!(err.is_null(), "error written on success");
    // Closing twice is fine.
    assert_eq!(unsafe { fas_store_close(h.ptr(), ptr::null_mut()) }, FAS_OK);
    let req = read_request("stats", &[1]).encode_to_vec();
    for (name, op) in OPS {
        let out = call(op, h.ptr(), &req);
        assert_eq!(out.status, FAS_ERR_CLOSED, "{name}");
        assert!(out.error.unwrap().message.contains("closed"));
        // Even bytes that would not decode answer CLOSED: the handle is checked first.
        assert_eq!(
            call(op, h.ptr(), b"\xff\xff").status,
            FAS_ERR_CLOSED,
            "{name}"
        );
    }
    free(h);
}

#[test]
fn close_lets_running_calls_finish_and_refuses_later_ones() {
    let (_server, h) = start("ffi_close_race");
    call_ok::<WriteBatchResponse>(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 0..50),
    );
    let closed = Arc::new(AtomicBool::new(false));
    let go = Arc::new(Barrier::new(5));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let (closed, go) = (closed.clone(), go.clone());
            thread::spawn(move || {
                let ids: Vec<i64> = (0..10).map(|i| (i * 4 + t) % 50).collect();
                let req = read_request("stats", &ids).encode_to_vec();
                go.wait();
                let mut ok = 0;
                loop {
                    let close_done_before = closed.load(Ordering::SeqCst);
                    let out = call(fas_store_read, h.ptr(), &req);
                    match out.status {
                        FAS_OK => {
                            assert!(!close_done_before, "a call started after close succeeded");
                            let resp =
                                ReadResponse::decode(out.response.unwrap().as_slice()).unwrap();
                            assert_rows(&resp, &ids, 50);
                            ok += 1;
                        }
                        FAS_ERR_CLOSED => return ok,
                        other => panic!("status {other} during close: {:?}", out.error),
                    }
                }
            })
        })
        .collect();
    go.wait();
    thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(unsafe { fas_store_close(h.ptr(), ptr::null_mut()) }, FAS_OK);
    closed.store(true, Ordering::SeqCst);
    let served: i32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(served > 0, "no call ran before close");
    free(h);
}

#[test]
fn many_threads_share_one_handle() {
    let (_server, h) = start("ffi_threads");
    let threads = 8;
    let go = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = (0..threads as i64)
        .map(|t| {
            let go = go.clone();
            thread::spawn(move || {
                go.wait();
                for round in 0..10 {
                    let base = t * 1000 + round * 10;
                    let w: WriteBatchResponse = call_ok(
                        fas_store_write_batch,
                        h.ptr(),
                        &write_request("stats", base..base + 10),
                    );
                    assert_eq!(w.rows_written, 10);
                    let ids: Vec<i64> = (base..base + 12).collect();
                    let r: ReadResponse =
                        call_ok(fas_store_read, h.ptr(), &read_request("stats", &ids));
                    assert_rows(&r, &ids, base + 10);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    free(h);
}

#[test]
fn update_and_teardown_answer_their_responses() {
    let (_server, h) = start("ffi_update");
    call_ok::<WriteBatchResponse>(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 0..5),
    );
    call_ok::<WriteBatchResponse>(fas_store_write_batch, h.ptr(), &write_request("old", 0..5));
    let update = UpdateRequest {
        views_to_delete: vec![view("old")],
        views_to_keep: vec![view("stats")],
        wait: true,
        timeout_ms: 0,
    };
    let resp: UpdateResponse = call_ok(fas_store_update, h.ptr(), &update);
    assert_eq!(resp.jobs.len(), 1, "{resp:?}");
    assert_eq!(resp.jobs[0].removed_views, vec!["old"]);
    assert!(resp.jobs[0].completed);
    let old: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("old", &[0, 1]));
    assert_rows(&old, &[0, 1], 0);
    let kept: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &[0, 1]));
    assert_rows(&kept, &[0, 1], 5);

    let teardown = TeardownRequest {
        views: vec![view("stats")],
        timeout_ms: 0,
    };
    let resp: TeardownResponse = call_ok(fas_store_teardown, h.ptr(), &teardown);
    assert!(resp
        .truncated
        .iter()
        .any(|s| s.namespace == "feast" && s.set_name == "ffi_update_latest"));
    let gone: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &[0, 1]));
    assert_rows(&gone, &[0, 1], 0);
    free(h);
}

#[test]
fn server_failures_reach_the_caller_with_status_and_result_code() {
    let (server, h) = start("ffi_faults");
    call_ok::<WriteBatchResponse>(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 0..4),
    );

    // One failing record: the write answers FAS_OK and lists exactly that row.
    let key = feast_aerospike::entity_key::serialize_entity_key(&driver(12), 3).unwrap();
    let digest = feast_aerospike::entity_key::digest("ffi_faults_latest", &key);
    server.fail_digest("feast", digest, 13);
    let w: WriteBatchResponse = call_ok(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 10..14),
    );
    assert_eq!(w.rows_written, 3, "{w:?}");
    assert_eq!(w.failures.len(), 1, "{w:?}");
    assert_eq!(w.failures[0].row_index, 2);
    assert_eq!(w.failures[0].result_code, 13);
    // A read that touches the failing record is an error, never a miss.
    let out = call(
        fas_store_read,
        h.ptr(),
        &read_request("stats", &[0, 12]).encode_to_vec(),
    );
    assert_eq!(out.status, FAS_ERR_SERVER, "{:?}", out.error);
    let e = out.error.unwrap();
    assert_eq!(e.result_code, 13, "{e:?}");
    assert!(e.message.starts_with("read: "), "{}", e.message);
    server.clear_faults();

    // A slow server and a request deadline: a timeout, not a miss.
    server.set_delay(std::time::Duration::from_millis(1500));
    let mut slow = read_request("stats", &[0, 1]);
    slow.timeout_ms = 200;
    let out = call(fas_store_read, h.ptr(), &slow.encode_to_vec());
    assert_eq!(out.status, FAS_ERR_TIMEOUT, "{:?}", out.error);
    server.clear_faults();

    // The handle stays usable after failures, and the refused row was not written.
    let r: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &[0, 3, 12]));
    assert_rows(&r, &[0, 3, 12], 4);
    free(h);
}

#[test]
fn a_stopped_server_is_an_error_not_a_miss() {
    let (server, h) = start("ffi_stopped");
    call_ok::<WriteBatchResponse>(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 0..2),
    );
    server.stop();
    let out = call(
        fas_store_read,
        h.ptr(),
        &read_request("stats", &[0, 1]).encode_to_vec(),
    );
    // The crate retries refused connections until the deadline, so this is
    // reported as a timeout (result code 9) or as a connection error.
    assert!(
        out.status == FAS_ERR_CONNECTION || out.status == FAS_ERR_TIMEOUT,
        "{:?}",
        out.error
    );
    // Close still succeeds: it only releases the client.
    assert_eq!(unsafe { fas_store_close(h.ptr(), ptr::null_mut()) }, FAS_OK);
    free(h);
}

/// fas_store_metrics: the snapshot through the ABI, NULL arguments refused,
/// still readable after close.
unsafe fn metrics_of(store: *const FasStore) -> (i32, Option<MetricsSnapshot>, Option<String>) {
    let mut out: *mut u8 = ptr::null_mut();
    let mut len = 0usize;
    let mut err: *mut FasError = ptr::null_mut();
    let status = unsafe { fas_store_metrics(store, &mut out, &mut len, &mut err) };
    if status != FAS_OK {
        let e = unsafe { take_error(err) }.map(|e| e.message);
        return (status, None, e);
    }
    let bytes = if len == 0 {
        Vec::new()
    } else {
        unsafe { std::slice::from_raw_parts(out, len) }.to_vec()
    };
    unsafe { fas_buffer_free(out, len) };
    (
        status,
        Some(MetricsSnapshot::decode(bytes.as_slice()).unwrap()),
        None,
    )
}

#[test]
fn metrics_count_abi_calls_and_survive_close() {
    let (_server, h) = start("ffi_metrics");
    let _: WriteBatchResponse = call_ok(
        fas_store_write_batch,
        h.ptr(),
        &write_request("stats", 0..4),
    );
    let _: ReadResponse = call_ok(fas_store_read, h.ptr(), &read_request("stats", &[0, 9]));
    // Bytes that do not decode never reach the store: not counted.
    assert_eq!(
        call(fas_store_read, h.ptr(), b"\xff\xff").status,
        FAS_ERR_DECODE
    );
    let (status, snap, _) = unsafe { metrics_of(h.ptr()) };
    assert_eq!(status, FAS_OK);
    let s = snap.unwrap();
    let calls: Vec<(&str, u64, u64)> = s
        .operations
        .iter()
        .map(|o| (o.operation.as_str(), o.calls, o.items))
        .collect();
    assert_eq!(
        calls,
        vec![
            ("write_batch", 1, 4),
            ("read", 1, 2),
            ("update", 0, 0),
            ("teardown", 0, 0)
        ]
    );
    assert_eq!((s.rows_written, s.read_found, s.read_not_found), (4, 1, 1));

    let (status, _, err) = unsafe { metrics_of(ptr::null()) };
    assert_eq!(status, FAS_ERR_INVALID_ARGUMENT);
    assert!(err.unwrap().contains("store is NULL"));
    let mut len = 0usize;
    let status = unsafe { fas_store_metrics(h.ptr(), ptr::null_mut(), &mut len, ptr::null_mut()) };
    assert_eq!(status, FAS_ERR_INVALID_ARGUMENT);

    assert_eq!(unsafe { fas_store_close(h.ptr(), ptr::null_mut()) }, FAS_OK);
    assert_eq!(call(fas_store_read, h.ptr(), b"").status, FAS_ERR_CLOSED);
    let (status, snap, _) = unsafe { metrics_of(h.ptr()) };
    assert_eq!(status, FAS_OK);
    // The handle's gate refused the call after close before the store saw
    // it: not counted.
    assert_eq!(snap.unwrap().operations[1].calls, 1);
    free(h);
}
