//! The fault run of CI (scripts/ci/faults.sh): writers and readers call the
//! store through the C ABI (`fas_store_*` with protobuf bytes, as a C caller
//! does) in two phases:
//! - `server`: one test server drops requests, delays answers past the
//!   client's timeouts, disconnects every client and restarts (data kept);
//! - `node-loss`: a 3-node test server cluster (replication factor 2, every
//!   node a seed) has one node stopped and restarted, in turn, under load.
//!
//! After each phase every row is read back and the run fails on:
//! - an acknowledged row that is missing (lost);
//! - a row reported failed and *not* in doubt that was in fact written;
//! - a call that overran its `timeout_ms` by more than 10%.
//!
//! It prints acknowledged / lost / in-doubt / failed counts per phase.
//!
//! `cargo run --release --example faults -- [--seconds N] [--node-seconds N] [--seed N]`
//! (`--node-seconds 0` skips the node-loss phase; test servers of this
//! repository, in process; not Aerospike).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::ffi::*;
use feast_aerospike::ffi::*;
use feast_aerospike::proto::v1::*;
use feast_aerospike_testserver::{ClusterConfig, ServerConfig, TestCluster, TestServer};
use prost::Message;

const VIEW: &str = "faults";
const WRITERS: i64 = 2;
const READERS: usize = 2;
const ROWS_PER_CALL: i64 = 40;
const CALL_TIMEOUT_MS: u32 = 2000;

/// A `*const FasStore` shared by the worker threads (the handle is
/// thread-safe by contract; the pointer outlives every thread).
#[derive(Clone, Copy)]
struct Handle(*const FasStore);
// SAFETY: fas_store handles may be used from many threads at once (ABI.md).
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

#[derive(Default)]
struct Ledger {
    /// id -> value written, per outcome.
    acknowledged: HashMap<i64, i64>,
    in_doubt: HashMap<i64, i64>,
    failed: HashMap<i64, i64>,
    call_errors: u64,
    overruns: Vec<String>,
    read_mismatches: Vec<String>,
}

struct Args {
    seconds: u64,
    node_seconds: u64,
    seed: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        seconds: 45,
        node_seconds: 20,
        seed: 11,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut num = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match k.as_str() {
            "--seconds" => a.seconds = num("--seconds")?,
            "--node-seconds" => a.node_seconds = num("--node-seconds")?,
            "--seed" => a.seed = num("--seed")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn row(id: i64, value: i64) -> WriteRow {
    WriteRow {
        entity_key: Some(driver(id)),
        values: [("trips".to_string(), int64(value))].into_iter().collect(),
        event_timestamp: Some(prost_types::Timestamp {
            seconds: 1_704_067_200,
            nanos: 0,
        }),
        created_timestamp: None,
    }
}

/// Checks one call against its deadline (10% slack), recording overruns.
fn timed<T>(ledger: &Mutex<Ledger>, what: &str, timeout_ms: u32, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    let limit = Duration::from_millis(u64::from(timeout_ms) * 11 / 10);
    if took > limit {
        lock(ledger)
            .overruns
            .push(format!("{what}: {took:?} for timeout_ms {timeout_ms}"));
    }
    out
}

fn lock(l: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    l.lock().unwrap_or_else(|e| e.into_inner())
}

fn writer(h: Handle, w: i64, stop: &AtomicBool, ledger: &Mutex<Ledger>) {
    let mut next = 0i64;
    while !stop.load(Ordering::Relaxed) {
        // Every id is written once, with a value only this write carries.
        let ids: Vec<i64> = (0..ROWS_PER_CALL)
            .map(|k| (w + 1) * 100_000_000 + next + k)
            .collect();
        next += ROWS_PER_CALL;
        let request = WriteBatchRequest {
            feature_view: Some(view(VIEW)),
            rows: ids.iter().map(|&id| row(id, id * 7 + 1)).collect(),
            timeout_ms: CALL_TIMEOUT_MS,
        };
        let outcome = timed(ledger, "write_batch", CALL_TIMEOUT_MS, || {
            call(fas_store_write_batch, h.0, &request.encode_to_vec())
        });
        let mut l = lock(ledger);
        match outcome.response {
            Some(bytes) if outcome.status == FAS_OK => {
                let resp = WriteBatchResponse::decode(bytes.as_slice()).expect("response decodes");
                let mut failed: HashMap<usize, bool> = HashMap::new();
                for f in &resp.failures {
                    failed.insert(f.row_index as usize, f.in_doubt);
                }
                for (i, &id) in ids.iter().enumerate() {
                    let value = id * 7 + 1;
                    match failed.get(&i) {
                        None => l.acknowledged.insert(id, value),
                        Some(true) => l.in_doubt.insert(id, value),
                        Some(false) => l.failed.insert(id, value),
                    };
                }
            }
            _ => {
                // A call-level failure says nothing about its rows.
                l.call_errors += 1;
                for &id in &ids {
                    l.in_doubt.insert(id, id * 7 + 1);
                }
            }
        }
    }
}

fn reader(h: Handle, r: usize, stop: &AtomicBool, ledger: &Mutex<Ledger>) {
    let mut pick = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let sample: Vec<(i64, i64)> = {
            let l = lock(ledger);
            l.acknowledged
                .iter()
                .skip((pick * 7 + r * 13) % l.acknowledged.len().max(1))
                .take(20)
                .map(|(a, b)| (*a, *b))
                .collect()
        };
        pick += 1;
        if sample.is_empty() {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        let request = read_request(&sample, CALL_TIMEOUT_MS);
        let outcome = timed(ledger, "read", CALL_TIMEOUT_MS, || {
            call(fas_store_read, h.0, &request.encode_to_vec())
        });
        if let (FAS_OK, Some(bytes)) = (outcome.status, outcome.response) {
            let resp = ReadResponse::decode(bytes.as_slice()).expect("response decodes");
            let bad = mismatches(&sample, &resp);
            lock(ledger).read_mismatches.extend(bad);
        }
    }
}

fn read_request(rows: &[(i64, i64)], timeout_ms: u32) -> ReadRequest {
    ReadRequest {
        entity_keys: rows.iter().map(|(id, _)| driver(*id)).collect(),
        views: vec![ViewRead {
            feature_view: Some(view(VIEW)),
            requested_features: vec!["trips".into()],
        }],
        timeout_ms,
    }
}

/// Acknowledged rows a successful read did not return as written.
fn mismatches(rows: &[(i64, i64)], resp: &ReadResponse) -> Vec<String> {
    let got = &resp.views[0].rows;
    rows.iter()
        .zip(got)
        .filter(|((_, want), row)| !(row.found && row.values.first() == Some(&int64(*want))))
        .map(|((id, want), row)| format!("id {id}: want {want}, read {row:?}"))
        .collect()
}

/// Reads `ids` back with no deadline and no faults; found values by id.
fn read_back(h: Handle, ids: &[(i64, i64)]) -> HashMap<i64, Option<i64>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(2000) {
        let resp: ReadResponse = call_ok(fas_store_read, h.0, &read_request(chunk, 0));
        for ((id, _), row) in chunk.iter().zip(&resp.views[0].rows) {
            let v = match row.values.first().and_then(|v| v.val.as_ref()) {
                Some(value::Val::Int64Val(x)) if row.found => Some(*x),
                _ => None,
            };
            out.insert(*id, v);
        }
    }
    out
}

/// Cycles through the faults until `stop`: each lasts about a second.
fn inject(server: &TestServer, seed: u64, stop: &AtomicBool, counts: &[AtomicU64; 4]) {
    let mut n = seed;
    while !stop.load(Ordering::Relaxed) {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let kind = ((n >> 33) % 4) as usize;
        counts[kind].fetch_add(1, Ordering::Relaxed);
        match kind {
            0 => server.drop_next_requests(1 + (n >> 40) % 20),
            // Longer than a socket attempt: the server applies the writes
            // after the client gave up on them (in doubt, and written).
            1 => {
                server.set_delay(Duration::from_millis(400 + (n >> 45) % 900));
                std::thread::sleep(Duration::from_millis(800));
                server.set_delay(Duration::ZERO);
            }
            2 => server.disconnect_all(),
            _ => {
                server.stop();
                std::thread::sleep(Duration::from_millis(200 + (n >> 50) % 800));
                server.restart(true).expect("restart the test server");
            }
        }
        std::thread::sleep(Duration::from_millis(700));
    }
    server.clear_faults();
    if !server.is_running() {
        server.restart(true).expect("restart the test server");
    }
}

/// Stops one node of the cluster and starts it again until `stop`, each
/// time the next node (seed nodes included): down about 1.5-3 s, then up
/// about 1.5-3 s so its partitions move back.
fn cycle_nodes(cluster: &TestCluster, seed: u64, stop: &AtomicBool) -> String {
    let mut n = seed;
    let mut cycles = 0u64;
    let nodes = cluster.node_count();
    while !stop.load(Ordering::Relaxed) {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let node = cycles as usize % nodes;
        cycles += 1;
        cluster.stop_node(node).expect("stop a test server node");
        sleep_unless(stop, Duration::from_millis(1500 + (n >> 40) % 1500));
        cluster.start_node(node).expect("start a test server node");
        sleep_unless(stop, Duration::from_millis(1500 + (n >> 50) % 1500));
    }
    // Proof the load reached every node and the map moved with the stops.
    let requests: Vec<String> = (0..nodes)
        .map(|i| cluster.request_count(i).to_string())
        .collect();
    format!(
        "node stops={cycles} of {nodes} nodes, requests per node {}, partition generation {}",
        requests.join("/"),
        cluster.partition_generation()
    )
}

/// Sleeps `d`, cut short when `stop` is set.
fn sleep_unless(stop: &AtomicBool, d: Duration) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One bounded phase: writers and readers on a store opened with
/// `hosts` while `inject` runs for `seconds`; then every row is read back
/// and checked. Prints the phase's counts; false on a failed check.
fn phase(
    name: &str,
    hosts: &str,
    seconds: u64,
    inject: impl FnOnce(&AtomicBool) -> String + Send,
) -> bool {
    let config = format!(
        r#"{{"project":"faults","hosts":[{hosts}],"batch_total_timeout_ms":1500,"socket_timeout_ms":300,"max_retries":2}}"#,
    );
    let store = open(&config).unwrap_or_else(|e| panic!("open: {e:?}"));
    let h = Handle(store);
    let ledger = Mutex::new(Ledger::default());
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let faults = std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (ledger, stop) = (&ledger, &stop);
            s.spawn(move || writer(h, w, stop, ledger));
        }
        for r in 0..READERS {
            let (ledger, stop) = (&ledger, &stop);
            s.spawn(move || reader(h, r, stop, ledger));
        }
        let injector = s.spawn(|| inject(&stop));
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
        injector.join().expect("fault injector")
    });
    let faulted = started.elapsed();
    let checking = Instant::now();

    let l = ledger.into_inner().unwrap_or_else(|e| e.into_inner());
    let acked: Vec<(i64, i64)> = l.acknowledged.iter().map(|(a, b)| (*a, *b)).collect();
    let failed: Vec<(i64, i64)> = l.failed.iter().map(|(a, b)| (*a, *b)).collect();
    let doubt: Vec<(i64, i64)> = l.in_doubt.iter().map(|(a, b)| (*a, *b)).collect();
    let acked_back = read_back(h, &acked);
    let lost: Vec<&(i64, i64)> = acked
        .iter()
        .filter(|(id, v)| acked_back.get(id) != Some(&Some(*v)))
        .collect();
    let failed_back = read_back(h, &failed);
    let failed_written: Vec<&(i64, i64)> = failed
        .iter()
        .filter(|(id, _)| failed_back.get(id).is_some_and(Option::is_some))
        .collect();
    let doubt_back = read_back(h, &doubt);
    let doubt_written = doubt
        .iter()
        .filter(|(id, _)| doubt_back.get(id).is_some_and(Option::is_some))
        .count();
    // SAFETY: every thread using the handle has finished.
    unsafe { fas_store_free(store) };

    println!(
        "faults[{name}]: {:.1}s under faults ({faults}) on the repository's test server; read back in {:.1}s",
        faulted.as_secs_f64(),
        checking.elapsed().as_secs_f64(),
    );
    println!(
        "faults[{name}]: acknowledged={} lost={} in_doubt={} (written {}) failed={} (written {}) call_errors={} overruns={} read_mismatches={}",
        acked.len(),
        lost.len(),
        doubt.len(),
        doubt_written,
        failed.len(),
        failed_written.len(),
        l.call_errors,
        l.overruns.len(),
        l.read_mismatches.len()
    );
    let mut ok = true;
    for (what, items) in [
        (
            "lost acknowledged row",
            lost.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(),
        ),
        (
            "failed row, not in doubt, but written",
            failed_written.iter().map(|r| format!("{r:?}")).collect(),
        ),
        ("deadline overrun", l.overruns.clone()),
        ("acknowledged row read wrong", l.read_mismatches.clone()),
    ] {
        for item in items.iter().take(10) {
            eprintln!("faults[{name}]: FAIL {what}: {item}");
        }
        ok &= items.is_empty();
    }
    if acked.is_empty() {
        eprintln!("faults[{name}]: FAIL nothing was acknowledged: the run proved nothing");
        ok = false;
    }
    ok
}

fn host(addr: std::net::SocketAddr) -> String {
    format!(r#"["{}",{}]"#, addr.ip(), addr.port())
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("faults: {e}\nusage: faults [--seconds N] [--node-seconds N] [--seed N]");
            return ExitCode::from(2);
        }
    };
    // Phase 1: one server that drops, delays, disconnects and restarts.
    let server = TestServer::start(ServerConfig::default()).expect("start the test server");
    let mut ok = phase("server", &host(server.addr()), args.seconds, |stop| {
        let fault_counts: [AtomicU64; 4] = Default::default();
        inject(&server, args.seed, stop, &fault_counts);
        let names = ["drops", "delays", "disconnects", "restarts"];
        names
            .iter()
            .zip(&fault_counts)
            .map(|(n, c)| format!("{n}={}", c.load(Ordering::Relaxed)))
            .collect::<Vec<_>>()
            .join(" ")
    });
    drop(server);
    // Phase 2: a 3-node cluster (replication factor 2) with one node
    // stopped and restarted in turn; every node is a seed.
    if args.node_seconds > 0 {
        let cluster = TestCluster::start(ClusterConfig {
            nodes: 3,
            ..ClusterConfig::default()
        })
        .expect("start the test server cluster");
        let hosts: Vec<String> = (0..cluster.node_count())
            .map(|i| host(cluster.addr(i)))
            .collect();
        ok &= phase("node-loss", &hosts.join(","), args.node_seconds, |stop| {
            cycle_nodes(&cluster, args.seed, stop)
        });
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
