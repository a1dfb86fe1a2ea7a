//! The store on a multi-node test cluster and with security on: batches
//! spread over the nodes by partition, a node stopped under write load
//! (no acknowledged row lost, no failure misreported), a node added, and
//! `user`/`password` with the result codes a user sees.

mod common;

use common::*;
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::{ErrorKind, OnlineStore, StoreConfig};
use feast_aerospike_testserver::{AuthConfig, ClusterConfig, ServerConfig, TestCluster};
use std::time::{Duration, Instant};

fn fv() -> FeatureView {
    view("cl_stats", &[("n", Vt::Int64)])
}

fn rows(ids: std::ops::Range<i64>, n: i64) -> Vec<WriteRow> {
    ids.map(|id| {
        row(
            driver(id),
            &[("n", val(Val::Int64Val(n)))],
            1_700_000_000_000 + n,
        )
    })
    .collect()
}

fn cluster(nodes: usize, auth: Option<AuthConfig>) -> TestCluster {
    TestCluster::start(ClusterConfig {
        nodes,
        replication_factor: 2,
        server: ServerConfig {
            auth,
            ..ServerConfig::default()
        },

        tls: None,
    })
    .expect("cluster starts")
}

fn store_on(c: &TestCluster, extra: &str) -> feast_aerospike::Result<OnlineStore> {
    let a = c.addr(0);
    let sep = if extra.is_empty() { "" } else { "," };
    let json = format!(
        r#"{{"project":"demo","hosts":[["{}",{}]]{sep}{extra}}}"#,
        a.ip(),
        a.port()
    );
    block_on(OnlineStore::connect(StoreConfig::from_json(&json)?))
}

fn proxied(c: &TestCluster) -> u64 {
    (0..c.node_count()).map(|i| c.proxied_rows(i)).sum()
}

/// Reads `n` for each id (None = not found), failing the test on error.
fn read_n(store: &OnlineStore, ids: std::ops::Range<i64>) -> Vec<Option<i64>> {
    let v = fv();
    let resp = read(store, ids.map(driver).collect(), &[(&v, &[])]).expect("read");
    resp.views[0]
        .rows
        .iter()
        .map(|r| match r.values.first().and_then(|v| v.val.clone()) {
            Some(Val::Int64Val(n)) if r.found => Some(n),
            _ => None,
        })
        .collect()
}

/// Waits until a read of `ids` is answered by the partition masters only
/// (the client has the current map).
fn settle(store: &OnlineStore, c: &TestCluster, ids: std::ops::Range<i64>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = proxied(c);
        let v = fv();
        let ok = read(store, ids.clone().map(driver).collect(), &[(&v, &[])]).is_ok();
        if ok && proxied(c) == before {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the store never took the new map"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn batches_spread_over_nodes_and_follow_an_added_node() {
    let c = cluster(3, None);
    let store = store_on(&c, "").unwrap();
    settle(&store, &c, 0..1);
    // Wait for the client to know all three nodes: every row goes to its
    // master only once the map is complete.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = proxied(&c);
        let _ = block_on(store.write_batch(&WriteBatchRequest {
            feature_view: Some(fv()),
            rows: rows(0..300, 1),
            timeout_ms: 0,
        }));
        if proxied(&c) == before {
            break;
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(100));
    }
    for i in 0..3 {
        assert!(c.row_count(i) > 0, "node {i} got no row");
    }
    assert_eq!(read_n(&store, 0..300), vec![Some(1); 300]);
    let added = c.add_node().unwrap();
    let before = c.row_count(added);
    settle(&store, &c, 0..300);
    write(&store, &fv(), rows(0..300, 2));
    assert!(
        c.row_count(added) > before,
        "the added node serves its rows"
    );
    assert_eq!(read_n(&store, 0..300), vec![Some(2); 300]);
    block_on(store.close()).unwrap();
}

#[test]
fn node_stopped_under_write_load_loses_no_acknowledged_row() {
    let c = std::sync::Arc::new(cluster(3, None));
    let store = store_on(&c, r#""max_retries":0"#).unwrap();
    settle(&store, &c, 0..200);
    c.set_delay(1, Duration::from_millis(200));
    let stopper = {
        let c = c.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            c.stop_node(1).unwrap();
        })
    };
    let mut acked = vec![0i64; 200];
    let mut doubtful: Vec<Vec<i64>> = vec![Vec::new(); 200];
    let mut failures = 0;
    for round in 1..=8i64 {
        let resp = block_on(store.write_batch(&WriteBatchRequest {
            feature_view: Some(fv()),
            rows: rows(0..200, round),
            timeout_ms: 0,
        }));
        let failed: Vec<RowFailure> = match resp {
            Ok(r) => {
                assert_eq!(r.rows_written as usize + r.failures.len(), 200);
                r.failures
            }
            Err(e) => panic!("write_batch reports per-row failures, not {e}"),
        };
        let mut bad = vec![None; 200];
        for f in failed {
            bad[f.row_index as usize] = Some(f.in_doubt);
        }
        for (i, b) in bad.into_iter().enumerate() {
            match b {
                None => {
                    acked[i] = round;
                    doubtful[i].clear();
                }
                Some(true) => doubtful[i].push(round),
                Some(false) => failures += 1,
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    stopper.join().unwrap();
    let in_doubt: usize = doubtful.iter().map(Vec::len).sum();
    assert!(in_doubt + failures > 0, "the stop cut no write");
    settle(&store, &c, 0..200);
    for (i, n) in read_n(&store, 0..200).into_iter().enumerate() {
        let n = n.unwrap_or_else(|| panic!("entity {i} lost"));
        assert!(
            n == acked[i] || doubtful[i].contains(&n),
            "entity {i} holds round {n}; acked {} in doubt {:?}",
            acked[i],
            doubtful[i]
        );
    }
    block_on(store.close()).unwrap();
}

fn secured() -> AuthConfig {
    AuthConfig {
        users: vec![("feast".into(), "s3cr3t-pw".into())],
        session_ttl: Duration::from_secs(30),
    }
}

#[test]
fn user_and_password_log_in_and_wrong_ones_are_config_errors_with_codes() {
    let c = cluster(2, Some(secured()));
    let store = store_on(&c, r#""user":"feast","password":"s3cr3t-pw""#).unwrap();
    write(&store, &fv(), rows(0..20, 5));
    assert_eq!(read_n(&store, 0..20), vec![Some(5); 20]);
    // A session past its TTL is renewed without the caller noticing.
    c.expire_sessions();
    for i in 0..2 {
        c.disconnect_all(i);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while read(&store, vec![driver(1)], &[(&fv(), &[])]).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(read_n(&store, 0..20), vec![Some(5); 20]);
    assert!(c.auth_stats().unwrap().expired_tokens_refused > 0);
    block_on(store.close()).unwrap();

    for (user, password, code) in [("feast", "not-the-pw", 62), ("mallory", "s3cr3t-pw", 60)] {
        let extra = format!(r#""user":"{user}","password":"{password}""#);
        let e = match store_on(&c, &extra) {
            Ok(_) => panic!("{user} must be refused"),
            Err(e) => e,
        };
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        assert_eq!(e.result_code(), Some(code), "{e}");
        assert!(!e.to_string().contains(password), "password in {e}");
    }
    // No credentials on a secured cluster: commands answer 80.
    let store = store_on(&c, "").unwrap();
    let v = fv();
    let e = read(&store, vec![driver(1)], &[(&v, &[])]).unwrap_err();
    assert_eq!(e.result_code(), Some(80), "{e}");
    block_on(store.close()).unwrap();
}

/// A fresh PKI in a temp dir and a cluster with TLS (and `auth`) on it.
fn tls_cluster(
    tag: &str,
    mutual: bool,
    auth: Option<AuthConfig>,
) -> (TestCluster, std::path::PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("feast-aerospike-tls-{tag}-{}", std::process::id()));
    let pki =
        feast_aerospike_testserver::tls::write_test_pki(&dir, "feast-testserver", "feast-client")
            .expect("certificates");
    let c = TestCluster::start(ClusterConfig {
        nodes: 2,
        replication_factor: 2,
        server: ServerConfig {
            auth,
            ..ServerConfig::default()
        },
        tls: Some(feast_aerospike_testserver::TlsConfig {
            tls_name: "feast-testserver".into(),
            cert_pem: pki.server.cert_pem,
            key_pem: pki.server.key_pem,
            client_ca_pem: mutual.then_some(pki.ca.cert_pem),
            port: 0,
        }),
    })
    .expect("TLS cluster starts");
    (c, dir)
}

fn tls_store(
    c: &TestCluster,
    tls_name: &str,
    tls: &str,
    extra: &str,
) -> feast_aerospike::Result<OnlineStore> {
    let a = c.tls_addr(0).expect("TLS port");
    let json = format!(
        r#"{{"project":"demo","hosts":[["{}",{},"{tls_name}"]],"tls":{{{tls}}}{extra}}}"#,
        a.ip(),
        a.port()
    );
    block_on(OnlineStore::connect(StoreConfig::from_json(&json)?))
}

#[test]
fn tls_with_a_ca_file_beside_a_plain_port() {
    let (c, dir) = tls_cluster("ca", false, None);
    let ca = dir.join("ca.pem");
    let store = tls_store(
        &c,
        "feast-testserver",
        &format!(r#""cafile":"{}""#, ca.display()),
        "",
    )
    .expect("TLS connect");
    settle(&store, &c, 0..100);
    write(&store, &fv(), rows(0..100, 3));
    assert_eq!(read_n(&store, 0..100), vec![Some(3); 100]);
    // Both nodes served TLS rows (found through peers-tls-std).
    assert!(c.row_count(0) > 0 && c.row_count(1) > 0);
    // The plain port of the same cluster serves the same records.
    let plain = store_on(&c, "").unwrap();
    assert_eq!(read_n(&plain, 0..100), vec![Some(3); 100]);
    block_on(store.close()).unwrap();
    block_on(plain.close()).unwrap();
}

#[test]
fn wrong_ca_or_wrong_name_is_a_connection_error_naming_the_host() {
    let (c, dir) = tls_cluster("bad", false, None);
    let addr = c.tls_addr(0).unwrap().to_string();
    let cases = [
        ("feast-testserver", dir.join("other-ca.pem")),
        ("not-the-name", dir.join("ca.pem")),
    ];
    for (name, ca) in cases {
        let started = Instant::now();
        let e = match tls_store(&c, name, &format!(r#""cafile":"{}""#, ca.display()), "") {
            Ok(_) => panic!("{name} with {} must fail", ca.display()),
            Err(e) => e,
        };
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
        assert!(e.to_string().contains(&addr), "{e}");
    }
}

#[test]
fn mutual_tls_and_tls_with_auth() {
    let (c, dir) = tls_cluster("mtls", true, Some(secured()));
    let d = dir.display();
    let with_cert =
        format!(r#""cafile":"{d}/ca.pem","certfile":"{d}/client.pem","keyfile":"{d}/client.key""#);
    let creds = r#","user":"feast","password":"s3cr3t-pw""#;
    let store = tls_store(&c, "feast-testserver", &with_cert, creds).expect("mutual TLS + login");
    settle(&store, &c, 0..50);
    write(&store, &fv(), rows(0..50, 9));
    assert_eq!(read_n(&store, 0..50), vec![Some(9); 50]);
    assert!(c.auth_stats().unwrap().logins > 0);
    block_on(store.close()).unwrap();
    // Without a client certificate the handshake is refused.
    let e = match tls_store(
        &c,
        "feast-testserver",
        &format!(r#""cafile":"{d}/ca.pem""#),
        creds,
    ) {
        Ok(_) => panic!("no client certificate must fail"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    // A wrong password over TLS: CONFIG with 62.
    let e = match tls_store(
        &c,
        "feast-testserver",
        &with_cert,
        r#","user":"feast","password":"nope-pw""#,
    ) {
        Ok(_) => panic!("wrong password must fail"),
        Err(e) => e,
    };
    assert_eq!(
        (e.kind(), e.result_code()),
        (ErrorKind::Config, Some(62)),
        "{e}"
    );
    assert!(!e.to_string().contains("nope-pw"));
}
