//! Driver of scripts/bench-compare.sh for the two Rust contenders:
//!
//! - `--impl bare`: the bare `aerospike` crate doing the store's operations
//!   (same keys, `layout::write_ops` / `layout::read_ops`), converting every
//!   record into typed per-feature values;
//! - `--impl lib`: the library alone, in process, request bytes in and
//!   response bytes out (no C ABI, no binding): see [`read_encoded`].
//!
//! `cargo run --release --example compare_driver -- --impl bare|lib --host H --port P --n N`
//!
//! It reads commands on stdin, one a line, and answers each with one JSON
//! line on stdout (the protocol every driver of the harness speaks, see
//! scripts/bench-compare.py):
//!
//! - `write <narrow|wide> <in_flight>`: all N rows in calls of 1000 rows;
//! - `read <narrow|wide> <whole|proj|half> <batch> <callers> <warmup> <iters> <seed>`;
//! - `quit`.
//!
//! Allocations are counted by a counting global allocator over the whole
//! process (every thread, the crate's and tokio's included) during the
//! timed calls, divided by the number of timed calls.

#[path = "../benches/support/bare.rs"]
mod bare;
#[path = "../benches/support/workload.rs"]
mod workload;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Barrier;
use std::time::Instant;

use aerospike::{
    BatchOperation, BatchReadPolicy, BatchWritePolicy, Client, ClientPolicy, Host, ResultCode,
    Value as AsValue,
};
use bare::{narrow_features, policy, record_key, wide_features, NARROW, PROJECTED, WIDE};
use feast_aerospike::codec::ms_to_timestamp;
use feast_aerospike::layout::{self, ViewOp};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::{
    value_type::Enum as ValueType, EntityKey, Feature, FeatureView, ReadRequest, ReadResponse,
    Value, ViewRead, WriteBatchRequest, WriteBatchResponse, WriteRow,
};
use feast_aerospike::OnlineStore;
use feast_aerospike::StoreConfig;
use prost::Message;
use workload::{base36, h, unit_f64, EPOCH_2024_MS};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CHUNK: u64 = 1000;
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// A typed feature value, what a caller gets per feature.
#[derive(Debug, PartialEq)]
enum Typed {
    I64(i64),
    F64(f64),
    Str(String),
    Bool(bool),
}

/// The expected value of feature `index` of a view (BENCHMARK.md).
fn expected(wide: bool, id: u64, index: usize) -> Typed {
    let i = index as u64;
    if wide {
        return Typed::F64(unit_f64(h(2, id, i)));
    }
    let hv = h(1, id, i);
    match index {
        0 => Typed::I64((hv % 1000) as i64),
        1 => Typed::I64((hv % (1 << 32)) as i64),
        2 => Typed::I64(hv as i64),
        3..=5 => Typed::F64(unit_f64(hv)),
        6 | 7 => Typed::Str(base36(hv)),
        8 => Typed::Bool(hv & 1 == 1),
        _ => Typed::F64(f64::from((hv >> 40) as f32 * (1.0 / (1u32 << 24) as f32))),
    }
}

const NARROW_NAMES: [&str; 10] = [
    "i64_0", "i64_1", "i64_2", "f64_0", "f64_1", "f64_2", "str_0", "str_1", "bool_0", "f32_0",
];

fn feature_names(wide: bool) -> Vec<String> {
    if wide {
        (0..100).map(|i| format!("w{i:03}")).collect()
    } else {
        NARROW_NAMES.iter().map(|s| s.to_string()).collect()
    }
}

/// The ids of one batch: distinct draws from a splitmix64 stream; with
/// `half`, every odd position is absent (drawn from `[N, 2N)`).
fn draw_ids(state: &mut u64, n: u64, batch: usize, half: bool) -> Vec<u64> {
    let mut ids = Vec::with_capacity(batch);
    while ids.len() < batch {
        *state = state.wrapping_add(GOLDEN);
        let mut id = workload::splitmix64(state.wrapping_sub(GOLDEN)) % n;
        if half && ids.len() % 2 == 1 {
            id += n;
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

struct ReadCase {
    wide: bool,
    /// Feature indexes of a projection, or empty for the whole view.
    projection: Vec<usize>,
    half: bool,
    batch: usize,
}

impl ReadCase {
    fn view(&self) -> &'static str {
        if self.wide {
            WIDE
        } else {
            NARROW
        }
    }
    fn indexes(&self) -> Vec<usize> {
        if self.projection.is_empty() {
            (0..if self.wide { 100 } else { 10 }).collect()
        } else {
            self.projection.clone()
        }
    }
}

/// Result rows of one read: per entity, `None` when absent, else the event
/// time (ms) and the typed values in the requested order.
type Rows = Vec<Option<(i64, Vec<Typed>)>>;

fn verify(case: &ReadCase, ids: &[u64], n: u64, rows: &Rows) -> Result<(), String> {
    if rows.len() != ids.len() {
        return Err(format!("{} rows for {} ids", rows.len(), ids.len()));
    }
    let idx = case.indexes();
    for (id, row) in ids.iter().zip(rows) {
        match row {
            None if *id >= n => {}
            None => return Err(format!("id {id} not found")),
            Some(_) if *id >= n => return Err(format!("absent id {id} found")),
            Some((ts, values)) => {
                if *ts != EPOCH_2024_MS + *id as i64 * 1000 {
                    return Err(format!("id {id}: event time {ts}"));
                }
                let want: Vec<Typed> = idx.iter().map(|&i| expected(case.wide, *id, i)).collect();
                if *values != want {
                    return Err(format!("id {id}: values {values:?}, want {want:?}"));
                }
            }
        }
    }
    Ok(())
}

// ---- the bare crate ----

fn typed(v: &AsValue) -> Result<Typed, String> {
    Ok(match v {
        AsValue::Int(i) => Typed::I64(*i),
        AsValue::Float(f) => Typed::F64(f64::from(f)),
        AsValue::String(s) => Typed::Str(s.clone()),
        AsValue::Bool(b) => Typed::Bool(*b),
        other => return Err(format!("unexpected feature value {other:?}")),
    })
}

/// The entries of a map result, whichever map form the crate decoded.
fn entries(v: &AsValue) -> Vec<(&AsValue, &AsValue)> {
    match v {
        AsValue::HashMap(m) => m.iter().collect(),
        AsValue::OrderedMap(m) => m.iter().collect(),
        AsValue::SortedMap(m) => m.iter().collect(),
        AsValue::KeyValueList(l) => l.iter().map(|(k, v)| (k, v)).collect(),
        _ => Vec::new(),
    }
}

fn lookup<'a>(map: &'a AsValue, key: &str) -> Option<&'a AsValue> {
    entries(map)
        .into_iter()
        .find(|(k, _)| matches!(k, AsValue::String(s) if s == key))
        .map(|(_, v)| v)
}

struct Bare {
    client: Client,
    rt: tokio::runtime::Runtime,
}

impl Bare {
    fn write_chunk(&self, wide: bool, from: u64, to: u64) -> Result<(), String> {
        let map_policy = layout::ordered_map_policy();
        let write_policy = BatchWritePolicy::default();
        let view = if wide { WIDE } else { NARROW };
        let mut buf = Vec::with_capacity(64);
        let mut ops: Vec<BatchOperation> = (from..to)
            .map(|id| {
                let features = if wide {
                    wide_features(id)
                } else {
                    narrow_features(id)
                };
                let event_ms = EPOCH_2024_MS + id as i64 * 1000;
                let rec_ops =
                    layout::write_ops(&map_policy, view, features, event_ms, Some(event_ms + 1000));
                BatchOperation::write(&write_policy, record_key(id, &mut buf), rec_ops)
            })
            .collect();
        self.rt
            .block_on(self.client.batch(&policy(), &mut ops))
            .map_err(|e| format!("write: {e}"))?;
        match ops
            .iter()
            .find(|op| op.result_code() != Some(ResultCode::Ok))
        {
            Some(op) => Err(format!("write: a row failed: {:?}", op.result_code())),
            None => Ok(()),
        }
    }

    fn read(&self, case: &ReadCase, ids: &[u64]) -> Result<Rows, String> {
        let names = feature_names(case.wide);
        let projected: Vec<String> = case.projection.iter().map(|&i| names[i].clone()).collect();
        let view_op = if case.projection.is_empty() {
            ViewOp::Whole
        } else {
            ViewOp::Projected(&projected)
        };
        let view = case.view();
        let ops = layout::read_ops(&[(view, view_op)], true);
        let read_policy = BatchReadPolicy::default();
        let mut buf = Vec::with_capacity(64);
        let mut batch: Vec<BatchOperation> = ids
            .iter()
            .map(|&id| {
                BatchOperation::read_ops(&read_policy, record_key(id, &mut buf), ops.clone())
            })
            .collect();
        self.rt
            .block_on(self.client.batch(&policy(), &mut batch))
            .map_err(|e| format!("read: {e}"))?;
        let wanted: Vec<&str> = case.indexes().iter().map(|&i| names[i].as_str()).collect();
        let mut rows = Vec::with_capacity(ids.len());
        for op in &mut batch {
            match op.result_code() {
                Some(ResultCode::Ok) => {}
                Some(ResultCode::KeyNotFoundError) => {
                    rows.push(None);
                    continue;
                }
                rc => return Err(format!("read: unexpected result {rc:?}")),
            }
            let rec = op.take_record().ok_or("read: Ok without a record")?;
            let features = rec
                .bins
                .get(layout::FEATURES_BIN)
                .ok_or("read: no features bin")?;
            // Whole: {view: {feature: value}}; projected: {feature: value}.
            let map = if case.projection.is_empty() {
                lookup(features, view).ok_or("read: view missing")?
            } else {
                features
            };
            let mut values = Vec::with_capacity(wanted.len());
            for name in &wanted {
                values.push(typed(lookup(map, name).ok_or("read: feature missing")?)?);
            }
            let ts = rec
                .bins
                .get(layout::EVENT_TS_BIN)
                .and_then(|m| lookup(m, view))
                .and_then(|v| match v {
                    AsValue::Int(ms) => Some(*ms),
                    _ => None,
                })
                .ok_or("read: no event time")?;
            rows.push(Some((ts, values)));
        }
        Ok(rows)
    }
}

// ---- the library alone ----

/// Request bytes in, response bytes out, in process: what the C ABI's read
/// does, without the C ABI.
fn read_encoded(
    rt: &tokio::runtime::Runtime,
    store: &OnlineStore,
    request: &[u8],
) -> feast_aerospike::Result<Vec<u8>> {
    rt.block_on(store.read_encoded_bytes(request))
}

/// As [`read_encoded`], for writes: the bytes go in as they are (what the
/// C ABI does: `OnlineStore::write_batch_encoded`).
fn write_batch_encoded(
    rt: &tokio::runtime::Runtime,
    store: &OnlineStore,
    request: &[u8],
) -> feast_aerospike::Result<Vec<u8>> {
    rt.block_on(store.write_batch_encoded(request))
}

fn feature_view(wide: bool) -> FeatureView {
    let names = feature_names(wide);
    let types: Vec<ValueType> = if wide {
        vec![ValueType::Double; 100]
    } else {
        use ValueType::*;
        vec![
            Int64, Int64, Int64, Double, Double, Double, String, String, Bool, Float,
        ]
    };
    FeatureView {
        name: if wide { WIDE } else { NARROW }.to_string(),
        features: names
            .into_iter()
            .zip(types)
            .map(|(name, t)| Feature {
                name,
                value_type: t as i32,
            })
            .collect(),
    }
}

fn entity_key(id: u64) -> EntityKey {
    EntityKey {
        join_keys: vec!["driver_id".into()],
        entity_values: vec![Value {
            val: Some(Val::Int64Val(id as i64)),
        }],
    }
}

fn proto_value(wide: bool, id: u64, index: usize) -> Value {
    let val = match (expected(wide, id, index), wide || index != 9) {
        (Typed::F64(x), false) => Val::FloatVal(x as f32),
        (Typed::F64(x), true) => Val::DoubleVal(x),
        (Typed::I64(x), _) => Val::Int64Val(x),
        (Typed::Str(s), _) => Val::StringVal(s),
        (Typed::Bool(b), _) => Val::BoolVal(b),
    };
    Value { val: Some(val) }
}

fn write_request(wide: bool, from: u64, to: u64) -> Vec<u8> {
    let view = feature_view(wide);
    let rows = (from..to)
        .map(|id| {
            let event_ms = EPOCH_2024_MS + id as i64 * 1000;
            WriteRow {
                entity_key: Some(entity_key(id)),
                values: view
                    .features
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name.clone(), proto_value(wide, id, i)))
                    .collect(),
                event_timestamp: Some(ms_to_timestamp(event_ms)),
                created_timestamp: Some(ms_to_timestamp(event_ms + 1000)),
            }
        })
        .collect();
    WriteBatchRequest {
        feature_view: Some(view),
        rows,
        ..Default::default()
    }
    .encode_to_vec()
}

fn read_request(case: &ReadCase, ids: &[u64]) -> Vec<u8> {
    let names = feature_names(case.wide);
    ReadRequest {
        entity_keys: ids.iter().map(|&id| entity_key(id)).collect(),
        views: vec![ViewRead {
            feature_view: Some(feature_view(case.wide)),
            requested_features: case.projection.iter().map(|&i| names[i].clone()).collect(),
        }],
        ..Default::default()
    }
    .encode_to_vec()
}

fn rows_of_response(bytes: &[u8]) -> Result<Rows, String> {
    let resp = ReadResponse::decode(bytes).map_err(|e| format!("response decode: {e}"))?;
    let view = resp
        .views
        .into_iter()
        .next()
        .ok_or("response without a view")?;
    view.rows
        .into_iter()
        .map(|row| {
            if !row.found {
                return Ok(None);
            }
            let ts = row.event_timestamp.ok_or("no event time")?;
            let values = row
                .values
                .into_iter()
                .map(|v| match v.val {
                    Some(Val::Int64Val(x)) => Ok(Typed::I64(x)),
                    Some(Val::DoubleVal(x)) => Ok(Typed::F64(x)),
                    Some(Val::FloatVal(x)) => Ok(Typed::F64(f64::from(x))),
                    Some(Val::StringVal(s)) => Ok(Typed::Str(s)),
                    Some(Val::BoolVal(b)) => Ok(Typed::Bool(b)),
                    other => Err(format!("unexpected value {other:?}")),
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Some((
                ts.seconds * 1000 + i64::from(ts.nanos) / 1_000_000,
                values,
            )))
        })
        .collect()
}

struct Lib {
    store: OnlineStore,
    rt: tokio::runtime::Runtime,
}

impl Lib {
    fn write(&self, request: &[u8]) -> Result<(), String> {
        let out = write_batch_encoded(&self.rt, &self.store, request)
            .map_err(|e| format!("write: {e}"))?;
        let resp =
            WriteBatchResponse::decode(out.as_slice()).map_err(|e| format!("write resp: {e}"))?;
        if !resp.failures.is_empty() {
            return Err(format!("write: {} rows failed", resp.failures.len()));
        }
        Ok(())
    }
}

// ---- the harness protocol ----

enum Contender {
    Bare(Bare),
    Lib(Box<Lib>),
}

struct Stats {
    lat_us: Vec<f64>,
    wall_s: f64,
    units: u64,
    allocs: u64,
    bytes: u64,
}

impl Stats {
    fn json(mut self) -> String {
        self.lat_us.sort_by(f64::total_cmp);
        let pct = |p: usize| self.lat_us[(self.lat_us.len() - 1) * p / 100];
        let calls = self.lat_us.len() as f64;
        format!(
            "{{\"p50_us\":{:.1},\"p99_us\":{:.1},\"per_s\":{:.1},\"calls\":{},\"allocs\":{:.1},\"bytes\":{:.0}}}",
            pct(50),
            pct(99),
            self.units as f64 / self.wall_s,
            self.lat_us.len(),
            self.allocs as f64 / calls,
            self.bytes as f64 / calls
        )
    }
}

fn counters() -> (u64, u64) {
    (ALLOCS.load(Relaxed), BYTES.load(Relaxed))
}

fn run_write(c: &Contender, n: u64, wide: bool, in_flight: usize) -> Result<Stats, String> {
    let chunks: Vec<(u64, u64)> = (0..n)
        .step_by(CHUNK as usize)
        .map(|f| (f, (f + CHUNK).min(n)))
        .collect();
    // The library alone takes request bytes: they are made before the clock.
    let requests: Vec<Vec<u8>> = match c {
        Contender::Lib(_) => chunks
            .iter()
            .map(|&(f, t)| write_request(wide, f, t))
            .collect(),
        Contender::Bare(_) => Vec::new(),
    };
    let next = AtomicUsize::new(0);
    let (a0, b0) = counters();
    let start = Instant::now();
    let lat = std::thread::scope(|s| {
        let workers: Vec<_> = (0..in_flight)
            .map(|_| {
                s.spawn(|| -> Result<Vec<f64>, String> {
                    let mut lat = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Relaxed);
                        let Some(&(from, to)) = chunks.get(i) else {
                            return Ok(lat);
                        };
                        let t0 = Instant::now();
                        match c {
                            Contender::Bare(b) => b.write_chunk(wide, from, to)?,
                            Contender::Lib(l) => l.write(&requests[i])?,
                        }
                        lat.push(t0.elapsed().as_secs_f64() * 1e6);
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.join().map_err(|_| "writer panicked".to_string())??);
        }
        Ok::<_, String>(all)
    })?;
    let wall_s = start.elapsed().as_secs_f64();
    let (a1, b1) = counters();
    Ok(Stats {
        lat_us: lat,
        wall_s,
        units: n,
        allocs: a1 - a0,
        bytes: b1 - b0,
    })
}

fn read_call(c: &Contender, case: &ReadCase, ids: &[u64], req: &[u8]) -> Result<Rows, String> {
    match c {
        Contender::Bare(b) => b.read(case, ids),
        Contender::Lib(l) => {
            let out = read_encoded(&l.rt, &l.store, req).map_err(|e| format!("read: {e}"))?;
            rows_of_response(&out)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_read(
    c: &Contender,
    n: u64,
    case: &ReadCase,
    callers: usize,
    warmup: usize,
    iters: usize,
    seed: u64,
) -> Result<Stats, String> {
    let barrier = Barrier::new(callers + 1);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..callers)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || -> Result<Vec<f64>, String> {
                    let mut state = seed.wrapping_add(7919 * t as u64);
                    // Warm-up: the first call of every caller is verified
                    // (the answer decoded and compared with the generator).
                    for w in 0..warmup {
                        let ids = draw_ids(&mut state, n, case.batch, case.half);
                        let req = match c {
                            Contender::Lib(_) => read_request(case, &ids),
                            Contender::Bare(_) => Vec::new(),
                        };
                        let rows = read_call(c, case, &ids, &req)?;
                        if w == 0 {
                            verify(case, &ids, n, &rows)?;
                        }
                    }
                    // The library alone takes request bytes: made before the clock.
                    let batches: Vec<(Vec<u64>, Vec<u8>)> = (0..iters)
                        .map(|_| {
                            let ids = draw_ids(&mut state, n, case.batch, case.half);
                            let req = match c {
                                Contender::Lib(_) => read_request(case, &ids),
                                Contender::Bare(_) => Vec::new(),
                            };
                            (ids, req)
                        })
                        .collect();
                    barrier.wait();
                    let mut lat = Vec::with_capacity(iters);
                    for (ids, req) in &batches {
                        let t0 = Instant::now();
                        match c {
                            Contender::Lib(l) => {
                                read_encoded(&l.rt, &l.store, req)
                                    .map_err(|e| format!("read: {e}"))?;
                            }
                            Contender::Bare(b) => {
                                b.read(case, ids)?;
                            }
                        }
                        lat.push(t0.elapsed().as_secs_f64() * 1e6);
                    }
                    Ok(lat)
                })
            })
            .collect();
        barrier.wait();
        let (a0, b0) = counters();
        let start = Instant::now();
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.join().map_err(|_| "reader panicked".to_string())??);
        }
        let wall_s = start.elapsed().as_secs_f64();
        let (a1, b1) = counters();
        Ok(Stats {
            units: (all.len() * case.batch) as u64,
            lat_us: all,
            wall_s,
            allocs: a1 - a0,
            bytes: b1 - b0,
        })
    })
}

fn parse_read(args: &[&str]) -> Option<(ReadCase, usize, usize, usize, u64)> {
    let [view, kind, batch, callers, warmup, iters, seed] = args else {
        return None;
    };
    let wide = match *view {
        "narrow" => false,
        "wide" => true,
        _ => return None,
    };
    let (projection, half) = match *kind {
        "whole" => (Vec::new(), false),
        "proj" => (
            PROJECTED
                .iter()
                .map(|p| p[1..].parse::<usize>().unwrap_or(0))
                .collect(),
            false,
        ),
        "half" => (Vec::new(), true),
        _ => return None,
    };
    if *kind == "proj" && !wide {
        return None;
    }
    Some((
        ReadCase {
            wide,
            projection,
            half,
            batch: batch.parse().ok().filter(|b| (1..=5000).contains(b))?,
        },
        callers.parse().ok().filter(|c| (1..=64).contains(c))?,
        warmup.parse().ok().filter(|w| *w >= 1)?,
        iters.parse().ok().filter(|i| *i >= 1)?,
        seed.parse().ok()?,
    ))
}

fn command(c: &Contender, n: u64, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["write", view, in_flight] => {
            let wide = match *view {
                "narrow" => false,
                "wide" => true,
                _ => return Err(format!("bad view {view:?}")),
            };
            let k = in_flight
                .parse()
                .ok()
                .filter(|k| (1..=64).contains(k))
                .ok_or("bad in_flight")?;
            Ok(run_write(c, n, wide, k)?.json())
        }
        ["read", rest @ ..] => {
            let (case, callers, warmup, iters, seed) =
                parse_read(rest).ok_or_else(|| format!("bad read command {line:?}"))?;
            Ok(run_read(c, n, &case, callers, warmup, iters, seed)?.json())
        }
        _ => Err(format!("unknown command {line:?}")),
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".into())
}

fn main() -> std::process::ExitCode {
    let mut imp = String::new();
    let mut host = "127.0.0.1".to_string();
    let mut port: u16 = 3000;
    let mut n: u64 = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let ok = match (a.as_str(), v) {
            ("--impl", Some(v)) => {
                imp = v;
                true
            }
            ("--host", Some(v)) => {
                host = v;
                true
            }
            ("--port", Some(v)) => v.parse().map(|p| port = p).is_ok(),
            ("--n", Some(v)) => v.parse().map(|x| n = x).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!("usage: compare_driver --impl bare|lib [--host H] [--port P] [--n N]");
            return std::process::ExitCode::from(2);
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("compare_driver: tokio runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let contender = match imp.as_str() {
        "bare" => rt
            .block_on(Client::new(
                &ClientPolicy::default(),
                &vec![Host::new(&host, port)],
            ))
            .map(|client| Contender::Bare(Bare { client, rt }))
            .map_err(|e| e.to_string()),
        "lib" => {
            // Generous timeouts, the same for every contender.
            let json = format!(
                "{{\"project\": \"bench\", \"hosts\": [[{}, {port}]], \"read_timeout_ms\": 30000, \
                 \"write_timeout_ms\": 30000, \"batch_total_timeout_ms\": 30000}}",
                json_str(&host)
            );
            StoreConfig::from_json(&json)
                .and_then(|cfg| rt.block_on(OnlineStore::connect(cfg)))
                .map(|store| Contender::Lib(Box::new(Lib { store, rt })))
                .map_err(|e| e.to_string())
        }
        other => Err(format!("unknown --impl {other:?} (bare or lib)")),
    };
    let contender = match contender {
        Ok(c) => c,
        Err(e) => {
            println!("{{\"error\":{}}}", json_str(&format!("connect: {e}")));
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{{\"ready\":{}}}", json_str(&imp));
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "quit" {
            break;
        }
        match command(&contender, n, &line) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                println!("{{\"error\":{}}}", json_str(&e));
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
