//! Security (LOGIN, session tokens, AUTHENTICATE) driven by the real
//! `aerospike` crate (3.0.0): success, wrong password and unknown user with
//! the server's result codes, commands before authentication, and an
//! expired session the client renews on its own.

#![allow(clippy::field_reassign_with_default)]

use std::time::Duration;

use aerospike::{
    as_bin, AuthMode, Bins, Client, ClientPolicy, Key, ReadPolicy, Value, WritePolicy,
};
use feast_aerospike_testserver::{
    AuthConfig, ClusterConfig, ServerConfig, TestCluster, TestServer,
};

fn secured() -> ServerConfig {
    ServerConfig {
        auth: Some(AuthConfig {
            users: vec![("feast".into(), "s3cr3t-pw".into())],
            session_ttl: Duration::from_secs(30),
        }),
        ..ServerConfig::default()
    }
}

fn policy(user: &str, password: &str) -> ClientPolicy {
    let mut p = ClientPolicy::default();
    p.timeout = 3000;
    p.auth_mode = AuthMode::Internal(user.into(), password.into());
    p
}

/// The server result code of a failed command, or the one a failed
/// connect reports per host (`Failed to connect to [1] host(s): ADDR Error
/// 62, node=...`: the crate keeps only the text).
fn code_in_chain(e: &aerospike::Error) -> Option<u8> {
    if let Some(rc) = e.server_result_code() {
        return Some(u8::from(rc));
    }
    let text = e.to_string();
    let at = text.find(" Error ")? + " Error ".len();
    text[at..].split(',').next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_and_commands() {
    let server = TestServer::start(secured()).unwrap();
    let client = Client::new(&policy("feast", "s3cr3t-pw"), &server.addr().to_string())
        .await
        .expect("login succeeds");
    let k = Key::new("feast", "a", Value::from("k")).unwrap();
    client
        .put(&WritePolicy::default(), &k, &[as_bin!("v", 1)])
        .await
        .unwrap();
    let r = client
        .get(&ReadPolicy::default(), &k, Bins::All)
        .await
        .unwrap();
    assert_eq!(r.bins["v"], Value::Int(1));
    let stats = server.auth_stats().unwrap();
    assert!(stats.logins >= 1, "{stats:?}");
    assert_eq!(stats.login_failures, 0);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_user_are_refused_with_their_codes() {
    let server = TestServer::start(secured()).unwrap();
    for (user, password, expected) in [("feast", "wrong-pw", 62u8), ("nobody", "s3cr3t-pw", 60)] {
        let e = Client::new(&policy(user, password), &server.addr().to_string())
            .await
            .err()
            .expect("login must fail");
        let text = format!("{e:#}");
        assert_eq!(code_in_chain(&e), Some(expected), "{text}");
        assert!(!text.contains(password), "password leaked: {text}");
    }
    assert!(server.auth_stats().unwrap().login_failures >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_without_login_answer_not_authenticated() {
    let server = TestServer::start(secured()).unwrap();
    let mut p = ClientPolicy::default();
    p.timeout = 3000;
    let client = Client::new(&p, &server.addr().to_string())
        .await
        .expect("info needs no login");
    let k = Key::new("feast", "a", Value::from("k")).unwrap();
    let e = client
        .get(&ReadPolicy::default(), &k, Bins::All)
        .await
        .unwrap_err();
    assert_eq!(code_in_chain(&e), Some(80), "{e}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_session_is_renewed_transparently() {
    let server = TestServer::start(secured()).unwrap();
    let client = Client::new(&policy("feast", "s3cr3t-pw"), &server.addr().to_string())
        .await
        .unwrap();
    let k = Key::new("feast", "a", Value::from("k")).unwrap();
    client
        .put(&WritePolicy::default(), &k, &[as_bin!("v", 1)])
        .await
        .unwrap();
    let before = server.auth_stats().unwrap();
    // The token runs out; new connections present it, are refused with 66
    // and log in again, without the caller seeing anything.
    server.expire_sessions();
    server.disconnect_all();
    // Reads retry on the connections the server just closed (writes do
    // not, by default); they then open new ones.
    for _ in 0..5 {
        let r = client
            .get(&ReadPolicy::default(), &k, Bins::All)
            .await
            .expect("get after expiry");
        assert_eq!(r.bins["v"], Value::Int(1));
    }
    client
        .put(&WritePolicy::default(), &k, &[as_bin!("v", 2)])
        .await
        .expect("put after expiry");
    let after = server.auth_stats().unwrap();
    assert!(
        after.expired_tokens_refused > before.expired_tokens_refused,
        "{after:?}"
    );
    assert!(after.logins > before.logins, "{after:?}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_with_security_shares_sessions() {
    let c = TestCluster::start(ClusterConfig {
        nodes: 3,
        replication_factor: 2,
        server: secured(),

        tls: None,
    })
    .unwrap();
    let client = Client::new(&policy("feast", "s3cr3t-pw"), &c.addr(0).to_string())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while client.nodes().len() != 3 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for i in 0..50 {
        let k = Key::new("feast", "a", Value::from(i)).unwrap();
        client
            .put(&WritePolicy::default(), &k, &[as_bin!("v", i)])
            .await
            .unwrap();
    }
    assert_eq!(c.record_count("feast", Some("a")), 50);
    let s = c.auth_stats().unwrap();
    assert_eq!(s.login_failures, 0);
    assert_eq!(s.unauthenticated_commands, 0);
    client.close().await.unwrap();
}
