//! Conformance tests driving the test server with the real `aerospike` crate
//! (3.0.0, the version the store uses): connect, single-record commands,
//! operate with CDT map ops, batches with per-row result codes, TTL and
//! expiry, truncate, scans, background queries and fault injection. Each
//! assertion is what CE 8.1 answers (see shared/protocol).

// Policies read best as "default, then the one field this test is about".
#![allow(clippy::field_reassign_with_default)]

use std::time::Duration;

use aerospike::operations::cdt_context::ctx_map_key;
use aerospike::operations::maps::MapOrder;
use aerospike::operations::{self, maps};
use aerospike::{
    as_bin, as_key, AdminPolicy, BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy,
    Bin, Bins, Client, ClientPolicy, Expiration, Key, MapPolicy, MapReturnType, MapWriteFlags,
    PartitionFilter, QueryPolicy, ReadPolicy, ResultCode, Statement, Task, Value, WritePolicy,
};
use feast_aerospike_testserver::{ServerConfig, TestServer};
use futures::StreamExt;

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

async fn connect(server: &TestServer) -> Client {
    let mut policy = ClientPolicy::default();
    policy.timeout = 5000;
    Client::new(&policy, &server.addr().to_string())
        .await
        .expect("client connects to the test server")
}

fn key(set: &str, k: &str) -> Key {
    Key::new("feast", set, s(k)).expect("key")
}

fn kv_order() -> MapPolicy {
    MapPolicy::new(MapOrder::KeyOrdered, MapWriteFlags::DEFAULT)
}

fn code(e: &aerospike::Error) -> i32 {
    e.result_code()
}

#[tokio::test(flavor = "multi_thread")]
async fn connects_and_answers_info() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let info = client
        .info(
            &AdminPolicy::default(),
            &["build", "namespaces", "bogus-cmd"],
        )
        .await
        .unwrap();
    assert_eq!(info.get("build").map(String::as_str), Some("8.1.2.0"));
    assert_eq!(
        info.get("namespaces").map(String::as_str),
        Some("feast;test")
    );
    assert!(info
        .get("bogus-cmd")
        .is_some_and(|v| v.starts_with("ERROR:4:")));
    assert_eq!(client.nodes().len(), 1);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn single_record_put_get_exists_touch_delete() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let wp = WritePolicy::default();
    let rp = ReadPolicy::default();
    let k = key("single", "k1");
    let mut sorted = std::collections::BTreeMap::new();
    sorted.insert(s("b"), Value::Int(2));
    sorted.insert(s("a"), Value::Nil);
    let bins = vec![
        as_bin!("i", 42),
        as_bin!("f", 1.5),
        as_bin!("s", "hello"),
        Bin::new("b", Value::Blob(vec![0, 1, 2])),
        Bin::new("t", Value::Bool(true)),
        Bin::new("l", Value::List(vec![Value::Int(1), s("x"), Value::Nil])),
        Bin::new("m", Value::SortedMap(sorted.clone())),
    ];
    client.put(&wp, &k, &bins).await.unwrap();

    let rec = client.get(&rp, &k, Bins::All).await.unwrap();
    assert_eq!(rec.generation, 1);
    assert_eq!(rec.bins.get("i"), Some(&Value::Int(42)));
    assert_eq!(rec.bins.get("f"), Some(&Value::from(1.5)));
    assert_eq!(rec.bins.get("s"), Some(&s("hello")));
    assert_eq!(rec.bins.get("b"), Some(&Value::Blob(vec![0, 1, 2])));
    assert_eq!(rec.bins.get("t"), Some(&Value::Bool(true)));
    assert_eq!(
        rec.bins.get("l"),
        Some(&Value::List(vec![Value::Int(1), s("x"), Value::Nil]))
    );
    assert_eq!(rec.bins.get("m"), Some(&Value::SortedMap(sorted)));
    // Namespace default TTL 0: never expires.
    assert_eq!(rec.time_to_live(), None);

    let rec = client.get(&rp, &k, Bins::from(["i", "s"])).await.unwrap();
    assert_eq!(rec.bins.len(), 2);
    let rec = client.get(&rp, &k, Bins::None).await.unwrap();
    assert!(rec.bins.is_empty());
    assert_eq!(rec.generation, 1);

    assert!(client.exists(&rp, &k).await.unwrap());
    assert!(!client.exists(&rp, &key("single", "nope")).await.unwrap());

    client.touch(&wp, &k).await.unwrap();
    let rec = client.get(&rp, &k, Bins::None).await.unwrap();
    assert_eq!(rec.generation, 2);
    let err = client.touch(&wp, &key("single", "nope")).await.unwrap_err();
    assert_eq!(code(&err), 2);

    // Writing a nil bin deletes it; the record stays.
    client.put(&wp, &k, &[as_bin!("i", None)]).await.unwrap();
    let rec = client.get(&rp, &k, Bins::All).await.unwrap();
    assert!(!rec.bins.contains_key("i"));
    assert_eq!(rec.generation, 3);

    assert!(client.delete(&wp, &k).await.unwrap());
    assert!(!client.delete(&wp, &k).await.unwrap());
    let err = client.get(&rp, &k, Bins::All).await.unwrap_err();
    assert_eq!(code(&err), 2);

    // Generation policy: expect-equal fails with 3 on a mismatch.
    client.put(&wp, &k, &[as_bin!("x", 1)]).await.unwrap();
    let mut gp = WritePolicy::default();
    gp.generation_policy = aerospike::GenerationPolicy::ExpectGenEqual;
    gp.generation = 7;
    let err = client.put(&gp, &k, &[as_bin!("x", 2)]).await.unwrap_err();
    assert_eq!(code(&err), 3);
    gp.generation = 1;
    client.put(&gp, &k, &[as_bin!("x", 2)]).await.unwrap();

    // Create-only on an existing record: 5.
    let mut cp = WritePolicy::default();
    cp.record_exists_action = aerospike::RecordExistsAction::CreateOnly;
    let err = client.put(&cp, &k, &[as_bin!("x", 3)]).await.unwrap_err();
    assert_eq!(code(&err), 5);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn operate_map_ops_with_plain_bins() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let wp = WritePolicy::default();
    let k = key("maps", "e1");

    // Unsorted items into a key-ordered map, a nil value inside the view's
    // submap, plus a plain bin write in the same operate.
    let mut fv = aerospike::IndexMap::new();
    fv.insert(s("zeta"), Value::Int(3));
    fv.insert(s("alpha"), Value::from(0.5));
    fv.insert(s("mid"), Value::Nil);
    let mut items = aerospike::IndexMap::new();
    items.insert(s("fv_b"), Value::OrderedMap(fv.clone()));
    items.insert(s("fv_a"), Value::OrderedMap(fv));
    let rec = client
        .operate(
            &wp,
            &k,
            &[
                maps::put_items(&kv_order(), "features", items),
                maps::put(&kv_order(), "event_ts", s("fv_a"), Value::Int(10)),
                operations::put(&as_bin!("created_ts", 123)),
            ],
        )
        .await
        .unwrap();
    let results = rec.results.clone().unwrap();
    assert_eq!(results[0], Value::Int(2), "put_items answers the map size");
    assert_eq!(results[1], Value::Int(1));
    assert_eq!(rec.generation, 1);

    // Every key of the outer map, KEY_VALUE: the server's order shows.
    let rec = client
        .operate(
            &wp,
            &k,
            &[
                maps::get_by_key_list("features", vec![s("fv_b"), s("fv_a")], MapReturnType::KEY),
                maps::get_by_key_list(
                    "features",
                    vec![s("zeta"), s("nope"), s("mid"), s("alpha")],
                    MapReturnType::KEY_VALUE,
                )
                .context(vec![ctx_map_key(s("fv_a"))]),
                maps::get_by_key("event_ts", s("fv_a"), MapReturnType::VALUE),
                maps::size("features"),
                operations::get_bin("created_ts"),
            ],
        )
        .await
        .unwrap();
    let r = rec.results.unwrap();
    assert_eq!(r[0], Value::List(vec![s("fv_a"), s("fv_b")]), "key order");
    // Pairs in the stored (insertion) order of the unordered inner map,
    // the missing key omitted, the nil value kept.
    assert_eq!(
        r[1],
        Value::KeyValueList(vec![
            (s("zeta"), Value::Int(3)),
            (s("alpha"), Value::from(0.5)),
            (s("mid"), Value::Nil),
        ])
    );
    assert_eq!(r[2], Value::Int(10));
    assert_eq!(r[3], Value::Int(2));
    assert_eq!(r[4], Value::Int(123));

    // Return types of get_by_key.
    let rec = client
        .operate(
            &wp,
            &k,
            &[
                maps::get_by_key("features", s("fv_b"), MapReturnType::INDEX),
                maps::get_by_key("features", s("fv_b"), MapReturnType::COUNT),
                maps::get_by_key("features", s("zz"), MapReturnType::EXISTS),
                maps::get_by_key("features", s("zz"), MapReturnType::KEY_VALUE),
                maps::get_by_key("features", s("fv_a"), MapReturnType::KEY),
            ],
        )
        .await
        .unwrap();
    let r = rec.results.unwrap();
    assert_eq!(r[0], Value::Int(1));
    assert_eq!(r[1], Value::Int(1));
    assert_eq!(r[2], Value::Bool(false));
    assert_eq!(r[3], Value::KeyValueList(vec![]));
    assert_eq!(r[4], s("fv_a"));

    // A missing context key fails the whole command with 26.
    let err = client
        .operate(
            &wp,
            &k,
            &[
                maps::get_by_key_list("features", vec![s("x")], MapReturnType::KEY_VALUE)
                    .context(vec![ctx_map_key(s("fv_missing"))]),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), 26);

    // CREATE_ONLY on an existing key: 24; with NO_FAIL: no change, size back.
    let create_only = MapPolicy::new(MapOrder::KeyOrdered, MapWriteFlags::CREATE_ONLY);
    let err = client
        .operate(
            &wp,
            &k,
            &[maps::put(
                &create_only,
                "event_ts",
                s("fv_a"),
                Value::Int(99),
            )],
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), 24);
    let update_only = MapPolicy::new(MapOrder::KeyOrdered, MapWriteFlags::UPDATE_ONLY);
    let err = client
        .operate(
            &wp,
            &k,
            &[maps::put(
                &update_only,
                "event_ts",
                s("fv_new"),
                Value::Int(1),
            )],
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), 23);

    // remove_by_key on both bins, then the view is gone from both.
    client
        .operate(
            &wp,
            &k,
            &[
                maps::remove_by_key("features", s("fv_a"), MapReturnType::NONE),
                maps::remove_by_key("event_ts", s("fv_a"), MapReturnType::NONE),
            ],
        )
        .await
        .unwrap();
    let rec = client
        .operate(&wp, &k, &[maps::size("features"), maps::size("event_ts")])
        .await
        .unwrap();
    assert_eq!(rec.results.unwrap(), vec![Value::Int(1), Value::Int(0)]);

    // A map op on a non-map bin: 12.
    let err = client
        .operate(&wp, &k, &[maps::size("created_ts")])
        .await
        .unwrap_err();
    assert_eq!(code(&err), 12);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_write_and_read_with_per_row_codes() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let bwp = BatchWritePolicy::default();
    let brp = BatchReadPolicy::default();
    let keys: Vec<Key> = (0..4).map(|i| key("batch", &format!("e{i}"))).collect();
    let write = |k: &Key, view: &str, v: f64| {
        let mut inner = std::collections::BTreeMap::new();
        inner.insert(s("conv_rate"), Value::from(v));
        let mut items = std::collections::BTreeMap::new();
        items.insert(s(view), Value::SortedMap(inner));
        BatchOperation::write(
            &bwp,
            k.clone(),
            vec![
                maps::put_items(&kv_order(), "features", items),
                maps::put(&kv_order(), "event_ts", s(view), Value::Int(10)),
            ],
        )
    };
    let mut writes = vec![
        write(&keys[0], "fv_a", 0.1),
        write(&keys[1], "fv_a", 0.2),
        write(&keys[2], "fv_b", 0.3),
    ];
    client
        .batch(&BatchPolicy::write_default(), &mut writes)
        .await
        .unwrap();
    for w in &writes {
        assert_eq!(w.result_code(), Some(ResultCode::Ok));
    }

    let ops = vec![
        maps::get_by_key_list(
            "features",
            vec![s("conv_rate"), s("nope")],
            MapReturnType::KEY_VALUE,
        )
        .context(vec![ctx_map_key(s("fv_a"))]),
        maps::get_by_key_list("event_ts", vec![s("fv_a")], MapReturnType::KEY_VALUE),
    ];
    let mut reads: Vec<BatchOperation> = keys
        .iter()
        .map(|k| BatchOperation::read_ops(&brp, k.clone(), ops.clone()))
        .collect();
    client
        .batch(&BatchPolicy::default(), &mut reads)
        .await
        .unwrap();
    let codes: Vec<_> = reads.iter().map(|r| r.result_code()).collect();
    assert_eq!(
        codes,
        vec![
            Some(ResultCode::Ok),
            Some(ResultCode::Ok),
            Some(ResultCode::OpNotApplicable),
            Some(ResultCode::KeyNotFoundError),
        ]
    );
    let rec = reads[1].record().unwrap();
    assert_eq!(
        rec.bins.get("features"),
        Some(&Value::KeyValueList(vec![(
            s("conv_rate"),
            Value::from(0.2)
        )]))
    );
    // Batch of whole-record reads and a delete row.
    let mut mixed = vec![
        BatchOperation::read(&brp, keys[0].clone(), Bins::All),
        BatchOperation::delete(&aerospike::BatchDeletePolicy::default(), keys[2].clone()),
        BatchOperation::read(&brp, keys[3].clone(), Bins::All),
    ];
    client
        .batch(&BatchPolicy::write_default(), &mut mixed)
        .await
        .unwrap();
    assert_eq!(mixed[0].result_code(), Some(ResultCode::Ok));
    assert!(mixed[0].record().unwrap().bins.contains_key("event_ts"));
    assert_eq!(mixed[1].result_code(), Some(ResultCode::Ok));
    assert_eq!(mixed[2].result_code(), Some(ResultCode::KeyNotFoundError));
    assert_eq!(server.record_count("feast", Some("batch")), 2);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ttl_void_time_and_expiry() {
    let server = TestServer::start(ServerConfig {
        default_ttl_secs: 1000,
        ..ServerConfig::default()
    })
    .unwrap();
    let client = connect(&server).await;
    let rp = ReadPolicy::default();
    let mut wp = WritePolicy::default();

    wp.expiration = Expiration::Seconds(100);
    client
        .put(&wp, &key("ttl", "a"), &[as_bin!("x", 1)])
        .await
        .unwrap();
    wp.expiration = Expiration::Never;
    client
        .put(&wp, &key("ttl", "b"), &[as_bin!("x", 1)])
        .await
        .unwrap();
    wp.expiration = Expiration::NamespaceDefault;
    client
        .put(&wp, &key("ttl", "c"), &[as_bin!("x", 1)])
        .await
        .unwrap();

    let ttl = |r: &aerospike::Record| r.time_to_live().map(|d| d.as_secs());
    let a = client.get(&rp, &key("ttl", "a"), Bins::None).await.unwrap();
    assert!(matches!(ttl(&a), Some(98..=100)), "{:?}", ttl(&a));
    let b = client.get(&rp, &key("ttl", "b"), Bins::None).await.unwrap();
    assert_eq!(ttl(&b), None);
    let c = client.get(&rp, &key("ttl", "c"), Bins::None).await.unwrap();
    assert!(matches!(ttl(&c), Some(998..=1000)), "{:?}", ttl(&c));

    // DontUpdate keeps the void time.
    wp.expiration = Expiration::DontUpdate;
    client
        .put(&wp, &key("ttl", "a"), &[as_bin!("y", 2)])
        .await
        .unwrap();
    let a2 = client.get(&rp, &key("ttl", "a"), Bins::None).await.unwrap();
    assert!(matches!(ttl(&a2), Some(97..=100)));

    // Past the TTL the record is gone; never-expire records stay.
    server.advance_clock(101);
    let err = client
        .get(&rp, &key("ttl", "a"), Bins::All)
        .await
        .unwrap_err();
    assert_eq!(code(&err), 2);
    assert!(client.exists(&rp, &key("ttl", "b")).await.unwrap());
    assert!(client.exists(&rp, &key("ttl", "c")).await.unwrap());
    server.advance_clock(1000);
    assert!(!client.exists(&rp, &key("ttl", "c")).await.unwrap());
    assert!(client.exists(&rp, &key("ttl", "b")).await.unwrap());
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn truncate_set_and_cutoff() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let wp = WritePolicy::default();
    let rp = ReadPolicy::default();
    for i in 0..3 {
        client
            .put(&wp, &key("t1", &i.to_string()), &[as_bin!("x", i)])
            .await
            .unwrap();
        client
            .put(&wp, &key("t2", &i.to_string()), &[as_bin!("x", i)])
            .await
            .unwrap();
    }
    client
        .truncate(&AdminPolicy::default(), "feast", "t1", 0)
        .await
        .unwrap();
    assert_eq!(server.record_count("feast", Some("t1")), 0);
    assert_eq!(server.record_count("feast", Some("t2")), 3);

    // Last-update cut-off: records written after it survive.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let cutoff = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    tokio::time::sleep(Duration::from_millis(5)).await;
    client
        .put(&wp, &key("t2", "late"), &[as_bin!("x", 9)])
        .await
        .unwrap();
    client
        .truncate(&AdminPolicy::default(), "feast", "t2", cutoff)
        .await
        .unwrap();
    assert_eq!(server.record_count("feast", Some("t2")), 1);
    assert!(client.exists(&rp, &key("t2", "late")).await.unwrap());

    // Whole namespace.
    client
        .truncate(&AdminPolicy::default(), "feast", "", 0)
        .await
        .unwrap();
    assert_eq!(server.record_count("feast", None), 0);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_and_background_query() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let mut wp = WritePolicy::default();
    wp.expiration = Expiration::Seconds(500);
    for i in 0..50 {
        let mut items = std::collections::BTreeMap::new();
        items.insert(s("fv_a"), Value::Int(i));
        items.insert(s("fv_b"), Value::Int(i));
        client
            .operate(
                &wp,
                &key("scan", &format!("k{i}")),
                &[
                    maps::put_items(&kv_order(), "features", items),
                    operations::put(&as_bin!("n", i)),
                ],
            )
            .await
            .unwrap();
    }
    client
        .put(&wp, &key("other", "x"), &[as_bin!("n", 1)])
        .await
        .unwrap();

    let rs = client
        .query(
            &QueryPolicy::default(),
            PartitionFilter::all(),
            Statement::new("feast", "scan", Bins::All),
        )
        .await
        .unwrap();
    let records: Vec<_> = rs.into_stream().collect().await;
    assert_eq!(records.len(), 50);
    assert!(records
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.bins.contains_key("n"))));

    // Background query: remove fv_a, keep TTLs.
    let mut st = Statement::new("feast", "scan", Bins::All);
    st.set_operations(vec![maps::remove_by_key(
        "features",
        s("fv_a"),
        MapReturnType::NONE,
    )]);
    let mut keep = WritePolicy::default();
    keep.expiration = Expiration::DontUpdate;
    let task = client.query_operate(&keep, st).await.unwrap();
    task.wait_till_complete(Some(Duration::from_secs(10)))
        .await
        .unwrap();
    let rp = ReadPolicy::default();
    let rec = client
        .operate(
            &WritePolicy::default(),
            &key("scan", "k7"),
            &[maps::size("features")],
        )
        .await
        .unwrap();
    assert_eq!(rec.results.unwrap(), vec![Value::Int(1)]);
    let r = client
        .get(&rp, &key("scan", "k7"), Bins::None)
        .await
        .unwrap();
    // put (1) + background remove (2); the size read does not write.
    assert_eq!(r.generation, 2);
    assert!(matches!(
        r.time_to_live().map(|d| d.as_secs()),
        Some(495..=500)
    ));

    // A background query with an expiration stamps it on every record.
    let mut st = Statement::new("feast", "scan", Bins::All);
    st.set_operations(vec![maps::remove_by_key(
        "features",
        s("fv_b"),
        MapReturnType::NONE,
    )]);
    let mut stamp = WritePolicy::default();
    stamp.expiration = Expiration::Seconds(20);
    let task = client.query_operate(&stamp, st).await.unwrap();
    task.wait_till_complete(Some(Duration::from_secs(10)))
        .await
        .unwrap();
    let r = client
        .get(&rp, &key("scan", "k7"), Bins::None)
        .await
        .unwrap();
    assert!(matches!(
        r.time_to_live().map(|d| d.as_secs()),
        Some(18..=20)
    ));
    let other = client
        .get(&rp, &key("other", "x"), Bins::None)
        .await
        .unwrap();
    assert_eq!(other.generation, 1, "records of other sets are untouched");

    let info = client
        .info(
            &AdminPolicy::default(),
            &[&format!("query-show:id={}", task.task_id())],
        )
        .await
        .unwrap();
    let show = info.values().next().unwrap();
    assert!(show.contains("status=done(ok)"), "{show}");
    assert!(show.contains("recs-succeeded=50"), "{show}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_injection_codes_drops_delay_restart() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let wp = WritePolicy::default();
    let rp = ReadPolicy::default();
    let k1 = key("f", "one");
    let k2 = key("f", "two");
    client.put(&wp, &k1, &[as_bin!("x", 1)]).await.unwrap();
    client.put(&wp, &k2, &[as_bin!("x", 2)]).await.unwrap();

    // A chosen code for a chosen key, per batch row.
    server.fail_digest("feast", k2.digest(), 14);
    let mut reads = vec![
        BatchOperation::read(&BatchReadPolicy::default(), k1.clone(), Bins::All),
        BatchOperation::read(&BatchReadPolicy::default(), k2.clone(), Bins::All),
    ];
    client
        .batch(&BatchPolicy::default(), &mut reads)
        .await
        .unwrap();
    assert_eq!(reads[0].result_code(), Some(ResultCode::Ok));
    assert_eq!(reads[1].result_code(), Some(ResultCode::KeyBusy));
    server.clear_faults();
    server.fail_namespace("feast", 22);
    let err = client.get(&rp, &k1, Bins::All).await.unwrap_err();
    assert_eq!(code(&err), 22);
    server.clear_faults();

    // Delay beyond the client's timeout: a timeout error, then recovery.
    server.set_delay(Duration::from_millis(300));
    let mut slow = ReadPolicy::default();
    slow.base_policy.total_timeout = 100;
    slow.base_policy.max_retries = 0;
    assert!(client.get(&slow, &k1, Bins::All).await.is_err());
    server.set_delay(Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(client.get(&rp, &k1, Bins::All).await.is_ok());

    // Dropped connection: the client sees an error (no retries), then recovers.
    server.drop_next_requests(1);
    let mut once = ReadPolicy::default();
    once.base_policy.max_retries = 0;
    assert!(client.get(&once, &k1, Bins::All).await.is_err());
    assert!(client.get(&rp, &k1, Bins::All).await.is_ok());

    // Restart on the same port keeping data, then losing it.
    let addr = server.addr();
    server.restart(true).unwrap();
    assert_eq!(server.addr(), addr);
    let mut retry = ReadPolicy::default();
    retry.base_policy.max_retries = 5;
    retry.base_policy.sleep_between_retries = 50;
    assert!(client.get(&retry, &k1, Bins::All).await.is_ok());
    server.restart(false).unwrap();
    let err = client.get(&retry, &k1, Bins::All).await.unwrap_err();
    assert_eq!(code(&err), 2);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_namespace_answers_20() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let k = as_key!("nosuchns", "s", "k");
    let err = client
        .put(&WritePolicy::default(), &k, &[as_bin!("x", 1)])
        .await
        .unwrap_err();
    // The client refuses keys whose namespace the node does not serve, or
    // the server answers 20: either way an error, never a success.
    assert!(code(&err) != 0, "{err}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_callers_and_connections() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = std::sync::Arc::new(connect(&server).await);
    let mut tasks = Vec::new();
    for t in 0..32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let wp = WritePolicy::default();
            for i in 0..50 {
                let k = key("conc", &format!("{t}-{i}"));
                client
                    .operate(
                        &wp,
                        &k,
                        &[
                            maps::put(&kv_order(), "m", s("n"), Value::Int(i)),
                            operations::put(&as_bin!("t", t)),
                        ],
                    )
                    .await
                    .unwrap();
                let rec = client
                    .get(&ReadPolicy::default(), &k, Bins::All)
                    .await
                    .unwrap();
                assert_eq!(rec.bins.get("t"), Some(&Value::Int(t)));
            }
        }));
    }
    // Meanwhile, 200 idle raw connections stay open.
    let idle: Vec<_> = (0..200)
        .map(|_| std::net::TcpStream::connect(server.addr()).unwrap())
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(server.record_count("feast", Some("conc")), 32 * 50);
    // Accepting is asynchronous: give the server a moment to see them all.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.connection_count() < 200 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(server.connection_count() >= 200);
    drop(idle);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn login_on_a_server_without_security_succeeds() {
    // Community Edition answers a login with SECURITY_NOT_ENABLED (52),
    // which clients accept; the store may be configured with credentials.
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let mut policy = ClientPolicy::default();
    policy.auth_mode = aerospike::AuthMode::Internal("user".into(), "secret".into());
    let client = Client::new(&policy, &server.addr().to_string())
        .await
        .expect("connects with credentials");
    client
        .put(
            &WritePolicy::default(),
            &key("login", "k"),
            &[as_bin!("x", 1)],
        )
        .await
        .unwrap();
    client.close().await.unwrap();
}
