//! Baseline for docs/benchmarks.md: the bare `aerospike` crate doing the
//! operations of docs/benchmark-workload.md with no protobuf and no C ABI, so the
//! store's full path can be compared with what the client alone costs
//! (DESIGN.md §8).
//!
//! `cargo run --release --example bare_client_bench -- --port PORT [--n N] [--repeat R]`
//!
//! Records are written and read exactly as the store does (same keys, same
//! `layout::write_ops` / `layout::read_ops`, same batch size), but the values
//! go straight into `aerospike::Value`s and the reads stop at the client's
//! decoded records: no `Value` protobufs, no request or response bytes.
//! Without `--port` it starts the repository's test server in this process
//! (a test double of the Aerospike wire protocol, not Aerospike).

#[path = "../benches/support/workload.rs"]
mod workload;

use std::time::Instant;

use aerospike::{
    BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy, Client, ClientPolicy, Host,
    IndexMap, Key, ResultCode, Value as AsValue,
};
use feast_aerospike::entity_key::{digest, serialize_entity_key_into};
use feast_aerospike::layout::{self, ViewOp};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::{EntityKey, Value};
use feast_aerospike_testserver::{ServerConfig, TestServer};
use workload::{base36, h, splitmix64, unit_f64, EPOCH_2024_MS, SEED};

const NAMESPACE: &str = "feast";
const SET: &str = "bench_latest";
const NARROW: &str = "driver_narrow";
const WIDE: &str = "driver_wide";
const PROJECTED: [&str; 5] = ["w003", "w017", "w042", "w068", "w091"];
const WARMUP: usize = 10;

/// One NARROW row, in key order as the store sends it (docs/benchmark-workload.md's
/// feature index decides the value, the name decides the position).
fn narrow_features(id: u64) -> IndexMap<AsValue, AsValue> {
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

fn wide_features(id: u64) -> IndexMap<AsValue, AsValue> {
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
fn record_key(id: u64, buf: &mut Vec<u8>) -> Key {
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

struct Ids {
    state: u64,
    n: u64,
}

impl Ids {
    fn batch(&mut self, size: usize) -> Vec<u64> {
        let mut out = Vec::with_capacity(size);
        while out.len() < size {
            self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let id = splitmix64(self.state.wrapping_sub(0x9E37_79B9_7F4A_7C15)) % self.n;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

fn policy() -> BatchPolicy {
    let mut p = BatchPolicy::default();
    p.base_policy.total_timeout = 30_000;
    p.base_policy.max_retries = 2;
    p
}

async fn write_view(client: &Client, view: &str, n: u64) -> Result<f64, String> {
    let map_policy = layout::ordered_map_policy();
    let write_policy = BatchWritePolicy::default();
    let bp = policy();
    let mut buf = Vec::with_capacity(64);
    let start = Instant::now();
    for chunk_start in (0..n).step_by(1000) {
        let mut ops: Vec<BatchOperation> = (chunk_start..(chunk_start + 1000).min(n))
            .map(|id| {
                let features = if view == NARROW {
                    narrow_features(id)
                } else {
                    wide_features(id)
                };
                let event_ms = EPOCH_2024_MS + id as i64 * 1000;
                let rec_ops =
                    layout::write_ops(&map_policy, view, features, event_ms, Some(event_ms + 1000));
                BatchOperation::write(&write_policy, record_key(id, &mut buf), rec_ops)
            })
            .collect();
        client
            .batch(&bp, &mut ops)
            .await
            .map_err(|e| format!("write {view} rows {chunk_start}..: {e}"))?;
        if let Some(op) = ops
            .iter()
            .find(|op| op.result_code() != Some(ResultCode::Ok))
        {
            return Err(format!(
                "write {view}: a row failed: {:?}",
                op.result_code()
            ));
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// One timed read; returns (latency ms, records found).
async fn read_once(
    client: &Client,
    ids: &[u64],
    view_ops: &[(&str, ViewOp<'_>)],
) -> Result<(f64, usize), String> {
    let read_policy = BatchReadPolicy::default();
    let bp = policy();
    let mut buf = Vec::with_capacity(64);
    let start = Instant::now();
    let ops = layout::read_ops(view_ops, true);
    let mut batch: Vec<BatchOperation> = ids
        .iter()
        .map(|&id| BatchOperation::read_ops(&read_policy, record_key(id, &mut buf), ops.clone()))
        .collect();
    client
        .batch(&bp, &mut batch)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let mut found = 0;
    for op in &mut batch {
        match op.result_code() {
            Some(ResultCode::Ok) => {
                if op.take_record().is_some() {
                    found += 1;
                }
            }
            Some(ResultCode::KeyNotFoundError) => {}
            rc => return Err(format!("read: unexpected result {rc:?}")),
        }
    }
    Ok((start.elapsed().as_secs_f64() * 1e3, found))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn cell(runs: &[f64]) -> String {
    let min = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = runs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:.3} [{:.3}-{:.3}]", median(runs.to_vec()), min, max)
}

struct Case {
    name: &'static str,
    batch: usize,
    views: Vec<(&'static str, ViewOp<'static>)>,
}

async fn run(addr: (String, u16), n: u64, repeat: usize) -> Result<(), String> {
    let hosts = vec![Host::new(&addr.0, addr.1)];
    let client = Client::new(&ClientPolicy::default(), &hosts)
        .await
        .map_err(|e| format!("connect {}:{}: {e}", addr.0, addr.1))?;
    let projected: &'static [String] = Box::leak(PROJECTED.iter().map(|s| s.to_string()).collect());
    let mut cases = Vec::new();
    for (name, view) in [("NARROW", NARROW), ("WIDE", WIDE)] {
        for batch in [1, 10, 100, 1000] {
            cases.push(Case {
                name,
                batch,
                views: vec![(view, ViewOp::Whole)],
            });
        }
    }
    cases.push(Case {
        name: "WIDE projected 5",
        batch: 100,
        views: vec![(WIDE, ViewOp::Projected(projected))],
    });
    let mut writes: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    // Per case and run: p50, p90, p99, entities/s.
    let mut reads: Vec<[Vec<f64>; 4]> = cases.iter().map(|_| Default::default()).collect();
    for r in 0..repeat {
        writes[0].push(write_view(&client, NARROW, n).await?);
        writes[1].push(write_view(&client, WIDE, n).await?);
        eprintln!(
            "run {}: writes {:.0} / {:.0} rows/s",
            r + 1,
            writes[0][r],
            writes[1][r]
        );
        let mut ids = Ids {
            state: SEED + r as u64,
            n,
        };
        for (c, case) in cases.iter().enumerate() {
            let iters = if case.batch == 1000 { 50 } else { 200 };
            for _ in 0..WARMUP {
                read_once(&client, &ids.batch(case.batch), &case.views).await?;
            }
            let mut lat = Vec::with_capacity(iters);
            let start = Instant::now();
            for _ in 0..iters {
                let batch = ids.batch(case.batch);
                let (ms, found) = read_once(&client, &batch, &case.views).await?;
                if found != batch.len() {
                    return Err(format!(
                        "{} batch {}: {found} of {} found",
                        case.name,
                        case.batch,
                        batch.len()
                    ));
                }
                lat.push(ms);
            }
            let wall = start.elapsed().as_secs_f64();
            lat.sort_by(f64::total_cmp);
            reads[c][0].push(percentile(&lat, 50.0));
            reads[c][1].push(percentile(&lat, 90.0));
            reads[c][2].push(percentile(&lat, 99.0));
            reads[c][3].push((iters * case.batch) as f64 / wall);
        }
    }
    println!("bare aerospike crate, N = {n}, {repeat} runs: median [min-max]");
    println!("| write | rows/s |\n|---|---|");
    for (name, w) in [("NARROW", &writes[0]), ("WIDE", &writes[1])] {
        let min = w.iter().copied().fold(f64::INFINITY, f64::min);
        let max = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        println!(
            "| {name} (calls of 1000 rows) | {:.0} [{min:.0}-{max:.0}] |",
            median(w.clone())
        );
    }
    println!("\n| read | batch | p50 ms | p90 ms | p99 ms | entities/s |");
    println!("|---|---|---|---|---|---|");
    for (case, r) in cases.iter().zip(&reads) {
        let eps: Vec<f64> = r[3].iter().map(|x| x.round()).collect();
        let (emin, emax) = (
            eps.iter().copied().fold(f64::INFINITY, f64::min),
            eps.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        println!(
            "| {} | {} | {} | {} | {} | {:.0} [{emin:.0}-{emax:.0}] |",
            case.name,
            case.batch,
            cell(&r[0]),
            cell(&r[1]),
            cell(&r[2]),
            median(eps.clone())
        );
    }
    client.close().await.map_err(|e| format!("close: {e}"))?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut host = "127.0.0.1".to_string();
    let mut port: Option<u16> = None;
    let mut n: u64 = 100_000;
    let mut repeat = 3;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let ok = match (a.as_str(), v) {
            ("--host", Some(v)) => {
                host = v;
                true
            }
            ("--port", Some(v)) => v.parse().map(|p| port = Some(p)).is_ok(),
            ("--n", Some(v)) => v.parse().map(|x| n = x).is_ok(),
            ("--repeat", Some(v)) => v.parse().map(|x| repeat = x).is_ok(),
            _ => false,
        };
        if !ok || n < 2000 || repeat == 0 {
            eprintln!(
                "usage: bare_client_bench [--host H] [--port P] [--n N>=2000] [--repeat R>=1]"
            );
            return std::process::ExitCode::FAILURE;
        }
    }
    // Kept alive until the end of main when started here.
    let mut _server = None;
    let port = match port {
        Some(p) => p,
        None => match TestServer::start(ServerConfig::default()) {
            Ok(s) => {
                let p = s.addr().port();
                _server = Some(s);
                p
            }
            Err(e) => {
                eprintln!("bare_client_bench: start the test server: {e}");
                return std::process::ExitCode::FAILURE;
            }
        },
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bare_client_bench: tokio runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run((host, port), n, repeat)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bare_client_bench failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
