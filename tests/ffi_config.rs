//! Opening a store through the C ABI with bad configurations and an
//! unreachable cluster: the status says which, the message names the problem
//! and never echoes a password.

mod common;

use std::ptr;

use common::ffi::*;
use feast_aerospike::ffi::*;

#[test]
fn open_with_a_bad_config_is_a_config_error_naming_the_problem() {
    for (config, needle) in [
        ("", "invalid store configuration JSON"),
        ("not json", "invalid store configuration JSON"),
        (r#"{"hostz": [["localhost", 3000]]}"#, "hostz"),
        (r#"{"batch_max_records": "many"}"#, "\"many\""),
        (
            r#"{"project": "p", "namespace": "a_namespace_of_32_bytes_is_long_"}"#,
            "namespace",
        ),
        (r#""{\"project\": \"p\"}""#, "JSON-encoded twice"),
    ] {
        let (status, err) = open(config).expect_err(config);
        assert_eq!(status, FAS_ERR_CONFIG, "{config}: {err:?}");
        let msg = err.unwrap().message;
        assert!(msg.contains(needle), "{config}: {msg}");
    }
    // (NULL, 0) is an empty InitRequest: an empty config, refused as config.
    let mut store = SENTINEL as *mut FasStore;
    let status = unsafe { fas_store_open(ptr::null(), 0, &mut store, ptr::null_mut()) };
    assert_eq!(status, FAS_ERR_CONFIG);
    assert_eq!(store as usize, SENTINEL);
}

#[test]
fn a_password_never_reaches_an_error_message() {
    let config = r#"{"project": "p", "password": "hunter2-secret", "user": "u", "typo_key": 1}"#;
    let (status, err) = open(config).expect_err("typo must fail");
    assert_eq!(status, FAS_ERR_CONFIG);
    let msg = err.unwrap().message;
    assert!(!msg.contains("hunter2-secret"), "{msg}");
    // A double-encoded config (a JSON string holding the object) used to be
    // echoed whole by the parse error, password included.
    let double = serde_json::to_string(config).unwrap();
    let (status, err) = open(&double).expect_err("a JSON string is no config");
    assert_eq!(status, FAS_ERR_CONFIG);
    let msg = err.unwrap().message;
    assert!(msg.contains("JSON-encoded twice"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[test]
fn unreachable_cluster_is_a_connection_error() {
    // Port 1 on loopback: nothing listens there.
    let config = r#"{"project": "p", "hosts": [["127.0.0.1", 1]], "namespace": "feast"}"#;
    let (status, err) = open(config).expect_err("nothing listens on port 1");
    assert!(
        status == FAS_ERR_CONNECTION || status == FAS_ERR_TIMEOUT,
        "status {status}: {err:?}"
    );
}
