//! Two answers of the real server that the store's failure handling depends
//! on (checked against aerospike-server CE 8.1.2.0's source):
//! - a write leaving a record over the namespace's `max-record-size`
//!   (1 MiB by default, `set-config` to change it) answers 13 and leaves the
//!   stored record as it was (storage/drv_mem.c `buffer_bins`);
//! - a put whose bins are all nil on a record that does not exist answers 2
//!   (transaction/write.c: "didn't exist").

use aerospike::operations;
use aerospike::{
    as_bin, AdminPolicy, BatchOperation, BatchPolicy, BatchWritePolicy, Bin, Bins, Client,
    ClientPolicy, Key, ReadPolicy, ResultCode, Value, WritePolicy,
};
use feast_aerospike_testserver::{ServerConfig, TestServer};

async fn connect(server: &TestServer) -> Client {
    let policy = ClientPolicy {
        timeout: 5000,
        ..ClientPolicy::default()
    };
    Client::new(&policy, &server.addr().to_string())
        .await
        .expect("client connects to the test server")
}

fn key(k: &str) -> Key {
    Key::new("feast", "limits", Value::String(k.to_string())).expect("key")
}

fn blob(n: usize) -> Value {
    Value::Blob(vec![7u8; n])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_over_max_record_size_answers_13_and_stays_unchanged() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let wp = WritePolicy::default();
    let k = key("big");
    client
        .put(&wp, &k, &[as_bin!("a", blob(1000))])
        .await
        .unwrap();

    // Default limit 1 MiB: one more MiB in another bin is refused ...
    let e = client
        .put(&wp, &k, &[as_bin!("b", blob(1024 * 1024))])
        .await
        .unwrap_err();
    assert_eq!(
        e.result_code(),
        i32::from(u8::from(ResultCode::RecordTooBig))
    );
    // ... and the record is exactly as before (generation too).
    let rec = client
        .get(&ReadPolicy::default(), &k, Bins::All)
        .await
        .unwrap();
    assert_eq!(rec.bins.len(), 1);
    assert_eq!(rec.bins.get("a"), Some(&blob(1000)));
    assert_eq!(rec.generation, 1);
    // A new record over the limit is not created.
    let e = client
        .put(&wp, &key("new"), &[as_bin!("a", blob(2 * 1024 * 1024))])
        .await
        .unwrap_err();
    assert_eq!(e.result_code(), 13);
    assert!(!client
        .exists(&ReadPolicy::default(), &key("new"))
        .await
        .unwrap());

    // Per namespace at run time, as the real server's set-config.
    let answer = client
        .info(
            &AdminPolicy::default(),
            &["set-config:context=namespace;id=feast;max-record-size=4096"],
        )
        .await
        .unwrap();
    assert_eq!(answer.values().next().map(String::as_str), Some("ok"));
    let ns = client
        .info(&AdminPolicy::default(), &["namespace/feast"])
        .await
        .unwrap();
    assert!(ns["namespace/feast"].contains("max-record-size=4096"));
    let e = client
        .put(&wp, &key("small"), &[as_bin!("a", blob(5000))])
        .await
        .unwrap_err();
    assert_eq!(e.result_code(), 13);
    client
        .put(&wp, &key("small"), &[as_bin!("a", blob(3000))])
        .await
        .unwrap();
    // A batch row over the limit fails alone.
    let bwp = BatchWritePolicy::default();
    let mut ops = vec![
        BatchOperation::write(
            &bwp,
            key("r1"),
            vec![operations::put(&Bin::new("a", blob(10)))],
        ),
        BatchOperation::write(
            &bwp,
            key("r2"),
            vec![operations::put(&Bin::new("a", blob(9000)))],
        ),
    ];
    client
        .batch(&BatchPolicy::default(), &mut ops)
        .await
        .unwrap();
    assert_eq!(ops[0].result_code(), Some(ResultCode::Ok));
    assert_eq!(ops[1].result_code(), Some(ResultCode::RecordTooBig));
    // Out-of-range settings are refused, the other namespace is untouched.
    for bad in ["63", "8388609", "x"] {
        let cmd = format!("set-config:context=namespace;id=test;max-record-size={bad}");
        let answer = client.info(&AdminPolicy::default(), &[&cmd]).await.unwrap();
        assert!(answer[&cmd].starts_with("ERROR"), "{bad}: {answer:?}");
    }
    let ns = client
        .info(&AdminPolicy::default(), &["namespace/test"])
        .await
        .unwrap();
    assert!(ns["namespace/test"].contains("max-record-size=1048576"));
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn max_record_size_is_configurable_at_start() {
    let config = ServerConfig {
        max_record_size: 2048,
        ..ServerConfig::default()
    };
    let server = TestServer::start(config).unwrap();
    let client = connect(&server).await;
    let e = client
        .put(
            &WritePolicy::default(),
            &key("k"),
            &[as_bin!("a", blob(3000))],
        )
        .await
        .unwrap_err();
    assert_eq!(e.result_code(), 13);
    assert!(TestServer::start(ServerConfig {
        max_record_size: 10,
        ..ServerConfig::default()
    })
    .is_err());
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_all_nil_put_on_a_missing_record_answers_2() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let client = connect(&server).await;
    let wp = WritePolicy::default();
    let e = client
        .put(&wp, &key("ghost"), &[as_bin!("a", Value::Nil)])
        .await
        .unwrap_err();
    assert_eq!(
        e.result_code(),
        i32::from(u8::from(ResultCode::KeyNotFoundError))
    );
    // On an existing record the same put deletes the bin (and, the last
    // bin gone, the record), answering OK.
    client
        .put(&wp, &key("real"), &[as_bin!("a", 1)])
        .await
        .unwrap();
    client
        .put(&wp, &key("real"), &[as_bin!("a", Value::Nil)])
        .await
        .unwrap();
    assert!(!client
        .exists(&ReadPolicy::default(), &key("real"))
        .await
        .unwrap());
    client.close().await.unwrap();
}
