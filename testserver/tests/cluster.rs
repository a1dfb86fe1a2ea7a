//! A cluster of test-server nodes driven by the real `aerospike` crate
//! (3.0.0): the client discovers every node from one seed through `peers`,
//! routes each batch row to its partition's master by the `replicas` map,
//! follows the map when a node stops (rows on the stopped node fail in
//! doubt or are retried on the new owner; none lost, none misreported) and
//! when a node is added.

#![allow(clippy::field_reassign_with_default)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use aerospike::{
    as_bin, AdminPolicy, BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy, Bins,
    Client, ClientPolicy, Key, ResultCode, Value,
};
use feast_aerospike_testserver::{ClusterConfig, ServerConfig, TestCluster};

fn cluster(nodes: usize) -> TestCluster {
    TestCluster::start(ClusterConfig {
        nodes,
        replication_factor: 2,
        server: ServerConfig::default(),

        tls: None,
    })
    .expect("cluster starts")
}

async fn connect(seed: &str) -> Client {
    let mut policy = ClientPolicy::default();
    policy.timeout = 5000;
    policy.tend_interval = 250;
    Client::new(&policy, &seed.to_string())
        .await
        .expect("client connects to the cluster")
}

async fn wait_for_nodes(client: &Client, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.nodes().len() != n {
        assert!(
            Instant::now() < deadline,
            "client sees {:?}, expected {n} nodes",
            client.node_names()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn key(i: usize) -> Key {
    Key::new("feast", "cl", Value::from(format!("k{i}"))).unwrap()
}

fn writes(keys: &[Key], round: i64) -> Vec<BatchOperation> {
    let bwp = BatchWritePolicy::default();
    keys.iter()
        .map(|k| {
            BatchOperation::write(
                &bwp,
                k.clone(),
                vec![aerospike::operations::put(&as_bin!("v", round))],
            )
        })
        .collect()
}

fn reads(keys: &[Key]) -> Vec<BatchOperation> {
    let brp = BatchReadPolicy::default();
    keys.iter()
        .map(|k| BatchOperation::read(&brp, k.clone(), Bins::All))
        .collect()
}

/// Proxied rows (answered by a node that does not master them) summed
/// over the cluster.
fn proxied(c: &TestCluster) -> u64 {
    (0..c.node_count()).map(|i| c.proxied_rows(i)).sum()
}

/// Waits until the client has taken the cluster's current partition map:
/// a read batch over `keys` succeeds with every row sent to its master.
async fn wait_for_map(client: &Client, c: &TestCluster, keys: &[Key]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = proxied(c);
        let mut rs = reads(keys);
        let ok = client.batch(&BatchPolicy::default(), &mut rs).await.is_ok()
            && rs.iter().all(|r| r.result_code() == Some(ResultCode::Ok));
        if ok && proxied(c) == before {
            return;
        }
        assert!(Instant::now() < deadline, "client never took the new map");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn info_answers_as_a_cluster() {
    let c = cluster(3);
    let client = connect(&c.addr(0).to_string()).await;
    wait_for_nodes(&client, 3).await;
    let mut names: Vec<String> = client.node_names();
    names.sort();
    assert_eq!(names, (0..3).map(|i| c.node_id(i)).collect::<Vec<_>>());

    // Each node's `replicas`: regime 0, 2 replicas, 4096-bit bitmaps; the
    // masters of all nodes cover every partition exactly once, and so do
    // the proles, and no node is both for one partition.
    let mut master = vec![0u8; 4096];
    let mut prole = vec![0u8; 4096];
    for node in client.nodes() {
        let info = node
            .info(
                &AdminPolicy::default(),
                &[
                    "replicas",
                    "partition-generation",
                    "peers-clear-std",
                    "node",
                ],
            )
            .await
            .unwrap();
        assert_eq!(info["partition-generation"], "0");
        let me = &info["node"];
        let peers = &info["peers-clear-std"];
        assert!(peers.starts_with("0,"), "{peers}");
        for other in names.iter().filter(|n| *n != me) {
            assert!(peers.contains(&format!("[{other},,[127.0.0.1:")), "{peers}");
        }
        assert!(!peers.contains(me.as_str()));
        for ns_part in info["replicas"].split(';') {
            let (ns, rest) = ns_part.split_once(':').unwrap();
            assert!(ns == "feast" || ns == "test");
            let fields: Vec<&str> = rest.split(',').collect();
            assert_eq!(&fields[..2], &["0", "2"]);
            assert_eq!(fields.len(), 4);
            if ns != "feast" {
                continue;
            }
            for (idx, counts) in [(2, &mut master), (3, &mut prole)] {
                let bits = decode_b64(fields[idx]);
                assert_eq!(bits.len(), 512);
                for (p, count) in counts.iter_mut().enumerate() {
                    if bits[p >> 3] & (0x80 >> (p & 7)) != 0 {
                        *count += 1;
                    }
                }
            }
        }
    }
    assert!(master.iter().all(|&n| n == 1));
    assert!(prole.iter().all(|&n| n == 1));

    // Stopping a node moves the generation on and leaves a 2-node map.
    c.stop_node(2).unwrap();
    let info = client.nodes()[0].clone();
    let node0 = client
        .nodes()
        .into_iter()
        .find(|n| n.name() == c.node_id(0))
        .unwrap_or(info);
    let answers = node0
        .info(
            &AdminPolicy::default(),
            &["partition-generation", "peers-clear-std", "services"],
        )
        .await
        .unwrap();
    assert_eq!(answers["partition-generation"], "1");
    assert!(!answers["peers-clear-std"].contains(&c.node_id(2)));
    assert_eq!(answers["services"], c.addr(1).to_string());
    client.close().await.unwrap();
}

fn decode_b64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for ch in s.bytes().filter(|&b| b != b'=') {
        let v = A.iter().position(|&a| a == ch).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_spread_over_nodes_by_partition_master() {
    let c = cluster(3);
    let client = connect(&c.addr(1).to_string()).await;
    wait_for_nodes(&client, 3).await;
    let keys: Vec<Key> = (0..300).map(key).collect();
    let mut ws = writes(&keys, 1);
    client
        .batch(&BatchPolicy::write_default(), &mut ws)
        .await
        .unwrap();
    let mut used = HashSet::new();
    for (w, k) in ws.iter().zip(&keys) {
        assert_eq!(w.result_code(), Some(ResultCode::Ok));
        used.insert(c.master_of(&k.digest()).unwrap());
    }
    assert_eq!(used.len(), 3, "300 keys land on every node");
    // Every row went to its partition's master, each node got its share.
    assert_eq!(proxied(&c), 0);
    for i in 0..3 {
        let expected = keys
            .iter()
            .filter(|k| c.master_of(&k.digest()) == Some(i))
            .count() as u64;
        assert_eq!(c.row_count(i), expected, "node {i}");
        assert!(c.request_count(i) > 0, "node {i} got no batch");
    }
    let mut rs = reads(&keys);
    client
        .batch(&BatchPolicy::default(), &mut rs)
        .await
        .unwrap();
    for r in &rs {
        assert_eq!(r.result_code(), Some(ResultCode::Ok));
        assert_eq!(r.record().unwrap().bins["v"], Value::Int(1));
    }
    assert_eq!(c.record_count("feast", Some("cl")), 300);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn node_stopped_mid_batch_loses_nothing() {
    let c = std::sync::Arc::new(cluster(3));
    let client = std::sync::Arc::new(connect(&c.addr(0).to_string()).await);
    wait_for_nodes(&client, 3).await;
    let keys: Vec<Key> = (0..200).map(key).collect();
    let gen_before = c.partition_generation();

    // Rounds of batch writes; node 2 stops while they run (and is slow, so
    // batches are in flight on it when it goes).
    c.set_delay(2, Duration::from_millis(300));
    let stopper = {
        let c = c.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            tokio::task::spawn_blocking(move || c.stop_node(2))
                .await
                .unwrap()
                .unwrap();
        })
    };
    // What each key holds for sure: the last acknowledged round, and the
    // rounds that may or may not have been applied since.
    let mut acked = vec![0i64; keys.len()];
    let mut doubtful: Vec<Vec<i64>> = vec![Vec::new(); keys.len()];
    let mut failed_rows = 0;
    let mut in_doubt_rows = 0;
    for round in 1..=15i64 {
        let mut ws = writes(&keys, round);
        let mut policy = BatchPolicy::write_default();
        // Odd rounds fail fast, even rounds retry on the new owner.
        policy.base_policy.max_retries = if round % 2 == 1 { 0 } else { 2 };
        policy.base_policy.sleep_between_retries = 100;
        let res = client.batch(&policy, &mut ws).await;
        if let Err(e) = res {
            eprintln!("round {round}: {e}");
        }
        for (i, w) in ws.iter().enumerate() {
            match w.result_code() {
                Some(ResultCode::Ok) => {
                    acked[i] = round;
                    doubtful[i].clear();
                }
                _ if w.in_doubt() => {
                    in_doubt_rows += 1;
                    doubtful[i].push(round);
                }
                _ => failed_rows += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    stopper.await.unwrap();
    assert!(!c.is_running(2));
    assert!(c.partition_generation() > gen_before);
    wait_for_nodes(&client, 2).await;
    wait_for_map(&client, &c, &keys).await;

    // None lost: every key holds its last acknowledged round or one of the
    // in-doubt rounds after it. None misreported: a row reported failed
    // (not in doubt) was not applied.
    let mut rs = reads(&keys);
    client
        .batch(&BatchPolicy::default(), &mut rs)
        .await
        .unwrap();
    for (i, r) in rs.iter().enumerate() {
        assert_eq!(r.result_code(), Some(ResultCode::Ok), "key {i}");
        let v = match r.record().unwrap().bins["v"] {
            Value::Int(v) => v,
            ref other => panic!("key {i}: {other:?}"),
        };
        assert!(
            v == acked[i] || doubtful[i].contains(&v),
            "key {i} holds round {v}; acked {} doubtful {:?}",
            acked[i],
            doubtful[i]
        );
    }
    eprintln!("rows: {in_doubt_rows} in doubt, {failed_rows} failed before applying");
    // Round 1 was in flight on node 2 when it stopped, without retries.
    assert!(in_doubt_rows + failed_rows > 0, "the stop cut no batch");
    // On the 2-node map every row is acknowledged again.
    let mut ws = writes(&keys, 16);
    client
        .batch(&BatchPolicy::write_default(), &mut ws)
        .await
        .unwrap();
    assert!(ws.iter().all(|w| w.result_code() == Some(ResultCode::Ok)));

    // The stopped node comes back, takes its partitions back.
    c.start_node(2).unwrap();
    wait_for_nodes(&client, 3).await;
    wait_for_map(&client, &c, &keys).await;
    match std::sync::Arc::try_unwrap(client) {
        Ok(client) => client.close().await.unwrap(),
        Err(_) => panic!("client still shared"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn added_node_is_discovered_and_serves_its_partitions() {
    let c = cluster(2);
    let client = connect(&c.addr(0).to_string()).await;
    wait_for_nodes(&client, 2).await;
    let keys: Vec<Key> = (0..200).map(key).collect();
    let mut ws = writes(&keys, 7);
    client
        .batch(&BatchPolicy::write_default(), &mut ws)
        .await
        .unwrap();
    let added = c.add_node().unwrap();
    assert_eq!(added, 2);
    wait_for_nodes(&client, 3).await;
    wait_for_map(&client, &c, &keys).await;
    let before = c.request_count(added);
    let mut rs = reads(&keys);
    client
        .batch(&BatchPolicy::default(), &mut rs)
        .await
        .unwrap();
    assert!(c.request_count(added) > before, "the new node serves reads");
    for r in &rs {
        assert_eq!(r.result_code(), Some(ResultCode::Ok));
        assert_eq!(r.record().unwrap().bins["v"], Value::Int(7));
    }
    client.close().await.unwrap();
}
