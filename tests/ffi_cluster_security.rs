//! The C ABI on production-shaped test clusters (a test double of the
//! Aerospike wire protocol, not Aerospike): mutual TLS with login, a wrong
//! password (FAS_ERR_CONFIG with the server's result code, no password in
//! the message), a wrong CA (FAS_ERR_CONNECTION naming the host), and a
//! node stopped under the handle.

mod common;

use std::time::{Duration, Instant};

use common::ffi::*;
use feast_aerospike::ffi::*;
use feast_aerospike::proto::v1::*;
use feast_aerospike_testserver::{AuthConfig, ClusterConfig, ServerConfig, TestCluster, TlsConfig};

/// Writes `ids` until the whole batch is confirmed (at most 10 s).
fn write_until_confirmed(store: *mut FasStore, view_name: &str, ids: std::ops::Range<i64>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let request = prost::Message::encode_to_vec(&write_request(view_name, ids.clone()));
    loop {
        let out = call(fas_store_write_batch, store, &request);
        if out.status == FAS_OK {
            let resp: WriteBatchResponse =
                prost::Message::decode(out.response.as_deref().unwrap()).unwrap();
            if resp.failures.is_empty() {
                assert_eq!(resp.rows_written, ids.end as u64 - ids.start as u64);
                return;
            }
        }
        assert!(Instant::now() < deadline, "write never confirmed: {out:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_all(store: *mut FasStore, view_name: &str, n: i64) {
    let ids: Vec<i64> = (0..n).collect();
    let resp: ReadResponse = call_ok(fas_store_read, store, &read_request(view_name, &ids));
    assert_rows(&resp, &ids, n);
}

#[test]
fn mutual_tls_with_login_and_refusals() {
    let dir = std::env::temp_dir().join(format!("fas-ffi-tls-{}", std::process::id()));
    let pki =
        feast_aerospike_testserver::tls::write_test_pki(&dir, "feast-testserver", "feast-client")
            .unwrap();
    let cluster = TestCluster::start(ClusterConfig {
        nodes: 2,
        replication_factor: 2,
        server: ServerConfig {
            auth: Some(AuthConfig {
                users: vec![("feast".into(), "s3cr3t-pw".into())],
                session_ttl: Duration::from_secs(30),
            }),
            ..ServerConfig::default()
        },
        tls: Some(TlsConfig {
            tls_name: "feast-testserver".into(),
            cert_pem: pki.server.cert_pem,
            key_pem: pki.server.key_pem,
            client_ca_pem: Some(pki.ca.cert_pem),
            port: 0,
        }),
    })
    .unwrap();
    let tls = cluster.tls_addr(0).unwrap();
    let d = dir.display();
    let config = |password: &str, ca: &str| {
        format!(
            r#"{{"project":"ffi_tls","hosts":[["{}",{},"feast-testserver"]],"user":"feast","password":"{password}",
                "tls":{{"cafile":"{d}/{ca}","certfile":"{d}/client.pem","keyfile":"{d}/client.key"}}}}"#,
            tls.ip(),
            tls.port()
        )
    };
    let store = open(&config("s3cr3t-pw", "ca.pem")).expect("mutual TLS + login");
    write_until_confirmed(store, "tls_view", 0..40);
    read_all(store, "tls_view", 40);
    unsafe { fas_store_free(store) };

    let (status, err) = open(&config("not-the-pw", "ca.pem")).unwrap_err();
    let err = err.unwrap();
    assert_eq!(
        (status, err.code, err.result_code),
        (FAS_ERR_CONFIG, FAS_ERR_CONFIG, 62),
        "{err:?}"
    );
    assert!(!err.message.contains("not-the-pw"), "{err:?}");

    let (status, err) = open(&config("s3cr3t-pw", "other-ca.pem")).unwrap_err();
    let err = err.unwrap();
    assert_eq!(status, FAS_ERR_CONNECTION, "{err:?}");
    assert!(err.message.contains(&tls.to_string()), "{err:?}");
}

#[test]
fn node_stopped_under_the_handle_loses_nothing() {
    let cluster = TestCluster::start(ClusterConfig {
        nodes: 3,
        ..ClusterConfig::default()
    })
    .unwrap();
    let store = open(&config_for(cluster.addr(0), "ffi_cluster")).expect("open");
    write_until_confirmed(store, "cl_view", 0..200);
    cluster.stop_node(2).unwrap();
    // Reads of acknowledged rows keep working (retried on the new owners)...
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ids: Vec<i64> = (0..200).collect();
        let out = call(
            fas_store_read,
            store,
            &prost::Message::encode_to_vec(&read_request("cl_view", &ids)),
        );
        if out.status == FAS_OK {
            let resp: ReadResponse =
                prost::Message::decode(out.response.as_deref().unwrap()).unwrap();
            assert_rows(&resp, &ids, 200);
            break;
        }
        assert!(Instant::now() < deadline, "reads never recovered: {out:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // ... and writes go to the new owners.
    write_until_confirmed(store, "cl_view", 200..300);
    read_all(store, "cl_view", 300);
    unsafe { fas_store_free(store) };
}
