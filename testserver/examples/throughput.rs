//! Throughput of the test server as seen by the real `aerospike` crate over
//! loopback: batch reads of 100 records and single-record reads, on records
//! shaped like the benchmark's NARROW rows (a key-ordered `features` map
//! holding one view of 10 values, an `event_ts` map, `created_ts`).
//!
//! cargo run --release -p feast-aerospike-testserver --example throughput [-- --addr HOST:PORT] [--records N]
//!
//! Without `--addr` the server runs in this process (its own runtime and
//! threads). These are figures of the test double, never of Aerospike.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::operations::cdt_context::ctx_map_key;
use aerospike::operations::maps::{self, MapOrder};
use aerospike::operations::{self};
use aerospike::{
    as_bin, BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy, Bins, Client,
    ClientPolicy, Key, MapPolicy, MapReturnType, MapWriteFlags, ReadPolicy, ResultCode, Value,
};
use feast_aerospike_testserver::{ServerConfig, TestServer};

const SET: &str = "bench_latest";
const VIEW: &str = "driver_narrow";

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(id: u64) -> Key {
    Key::new("feast", SET, Value::Int(id as i64)).expect("key")
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn narrow_features(id: u64) -> Value {
    let mut m = std::collections::BTreeMap::new();
    let mut st = 20240101 + (1 << 40) + id * 256;
    for i in 0..3 {
        let h = splitmix(&mut st);
        m.insert(s(&format!("i64_{i}")), Value::Int((h % 1000) as i64));
        m.insert(
            s(&format!("f64_{i}")),
            Value::from((h >> 11) as f64 * 2f64.powi(-53)),
        );
    }
    m.insert(s("str_0"), s(&format!("{:x}", splitmix(&mut st))));
    m.insert(s("str_1"), s(&format!("{:x}", splitmix(&mut st))));
    m.insert(s("bool_0"), Value::Bool(splitmix(&mut st) & 1 == 1));
    m.insert(
        s("f32_0"),
        Value::from((splitmix(&mut st) >> 40) as f64 * 2f64.powi(-24)),
    );
    Value::SortedMap(m)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, entities_per_call: usize, mut lat: Vec<Duration>, wall: Duration) {
    lat.sort();
    let calls = lat.len();
    println!(
        "{name:<34} calls={calls:<5} p50={:>8.1?} p90={:>8.1?} p99={:>8.1?}  {:>9.0} entities/s",
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        (calls * entities_per_call) as f64 / wall.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut addr: Option<String> = None;
    let mut n: u64 = 10_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next(),
            "--records" => {
                n = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--records N")
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let _server;
    let addr = match addr {
        Some(a) => a,
        None => {
            let server = TestServer::start(ServerConfig::default()).expect("start server");
            let a = server.addr().to_string();
            _server = server;
            a
        }
    };
    let cp = ClientPolicy {
        timeout: 5000,
        ..ClientPolicy::default()
    };
    let client = Arc::new(Client::new(&cp, &addr).await.expect("connect"));

    // Load: calls of 1000 rows, like the store's writes.
    let kv = MapPolicy::new(MapOrder::KeyOrdered, MapWriteFlags::DEFAULT);
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut ops: Vec<BatchOperation> = chunk
            .iter()
            .map(|&id| {
                let mut items = std::collections::BTreeMap::new();
                items.insert(s(VIEW), narrow_features(id));
                BatchOperation::write(
                    &BatchWritePolicy::default(),
                    key(id),
                    vec![
                        maps::put_items(&kv, "features", items),
                        maps::put(&kv, "event_ts", s(VIEW), Value::Int(id as i64)),
                        operations::put(&as_bin!("created_ts", id as i64)),
                    ],
                )
            })
            .collect();
        client
            .batch(&BatchPolicy::write_default(), &mut ops)
            .await
            .expect("load");
        assert!(ops.iter().all(|o| o.result_code() == Some(ResultCode::Ok)));
    }
    let load = t.elapsed();
    println!(
        "test server at {addr}: loaded {n} records in {load:.2?} ({:.0} rows/s, batch writes of 1000)",
        n as f64 / load.as_secs_f64()
    );

    // The store's read ops: the view's submap and its event time.
    let read_ops = vec![
        maps::get_by_key_list("features", vec![s(VIEW)], MapReturnType::KEY_VALUE),
        maps::get_by_key_list("event_ts", vec![s(VIEW)], MapReturnType::KEY_VALUE),
    ];
    let projected = vec![
        maps::get_by_key_list(
            "features",
            vec![s("f64_0"), s("i64_1"), s("str_0")],
            MapReturnType::KEY_VALUE,
        )
        .context(vec![ctx_map_key(s(VIEW))]),
        maps::get_by_key_list("event_ts", vec![s(VIEW)], MapReturnType::KEY_VALUE),
    ];
    let mut rng = 1u64;
    let mut ids = |count: usize| -> Vec<u64> {
        let mut v = Vec::with_capacity(count);
        while v.len() < count {
            let id = splitmix(&mut rng) % n;
            if !v.contains(&id) {
                v.push(id);
            }
        }
        v
    };

    for (name, ops) in [
        ("batch 100, whole view", &read_ops),
        ("batch 100, 3 features", &projected),
    ] {
        let mut lat = Vec::new();
        let mut wall = Duration::ZERO;
        for i in 0..220 {
            let mut batch: Vec<BatchOperation> = ids(100)
                .into_iter()
                .map(|id| {
                    BatchOperation::read_ops(&BatchReadPolicy::default(), key(id), ops.clone())
                })
                .collect();
            let t = Instant::now();
            client
                .batch(&BatchPolicy::default(), &mut batch)
                .await
                .expect("batch read");
            let d = t.elapsed();
            assert!(batch
                .iter()
                .all(|b| b.result_code() == Some(ResultCode::Ok)));
            if i >= 20 {
                lat.push(d);
                wall += d;
            }
        }
        report(name, 100, lat, wall);
    }

    // Single-record reads: plain get and the read ops via operate.
    let mut lat = Vec::new();
    let mut wall = Duration::ZERO;
    for i in 0..5_020 {
        let k = key(ids(1)[0]);
        let t = Instant::now();
        client
            .get(&ReadPolicy::default(), &k, Bins::All)
            .await
            .expect("get");
        let d = t.elapsed();
        if i >= 20 {
            lat.push(d);
            wall += d;
        }
    }
    report("single get, all bins", 1, lat, wall);

    // Four concurrent callers, batch 100 each: aggregate throughput.
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..4u64 {
        let client = client.clone();
        let ops = read_ops.clone();
        tasks.push(tokio::spawn(async move {
            let mut st = 1000 + c;
            let mut lat = Vec::new();
            for _ in 0..200 {
                let mut batch: Vec<BatchOperation> = (0..100)
                    .map(|_| {
                        BatchOperation::read_ops(
                            &BatchReadPolicy::default(),
                            key(splitmix(&mut st) % n),
                            ops.clone(),
                        )
                    })
                    .collect();
                let t = Instant::now();
                client
                    .batch(&BatchPolicy::default(), &mut batch)
                    .await
                    .expect("batch");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for task in tasks {
        lat.extend(task.await.expect("task"));
    }
    report("batch 100 x 4 concurrent callers", 100, lat, t.elapsed());
    client.close().await.expect("close");
}
