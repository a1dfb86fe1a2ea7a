//! Unit tests of config parsing: defaults, every error path (each with a
//! password present that must never appear), and the key list.

use super::parse::RawConfig;
use super::*;
use crate::error::ErrorKind;

fn err(json: &str) -> Error {
    StoreConfig::from_json(json).expect_err(json)
}

#[test]
fn defaults_match_feast() {
    let c = StoreConfig::from_json(r#"{"project":"demo"}"#).unwrap();
    assert_eq!(c.entity_key_serialization_version, 3);
    assert_eq!(
        c.hosts,
        vec![SeedHost {
            host: "localhost".into(),
            port: 3000,
            tls_name: None
        }]
    );
    assert_eq!(c.namespace, "feast");
    assert_eq!(c.default_set_name(), "demo_latest");
    assert_eq!(c.write_timeout_ms, 1000);
    assert_eq!(c.read_timeout_ms, 250);
    assert_eq!(c.batch_total_timeout_ms, 2000);
    assert_eq!(c.socket_timeout_ms, None);
    assert_eq!(c.max_retries, 2);
    assert_eq!(c.batch_max_records, 1000);
    assert_eq!(c.ttl_seconds, None);
    assert_eq!(c.auth_mode, AuthMode::Internal);
    assert_eq!(c, StoreConfig::for_project("demo"));
}

#[test]
fn full_block_parses() {
    let c = StoreConfig::from_json(
        r#"{"type":"aerospike","project":"p","entity_key_serialization_version":2,
            "hosts":[["a",3000],["b",4333,"tlsb"]],"namespace":"ns",
            "set_name_template":"{collection_suffix}-{project}","collection_suffix":"v1",
            "namespace_overrides":{"fv":"ram"},"set_overrides":{"fv":"s"},
            "prewriting_hook":null,"user":"u","password":"hunter2","auth_mode":"external",
            "tls":{"cafile":"/ca.pem"},"ttl_seconds":0,"write_timeout_ms":5,
            "read_timeout_ms":6,"batch_total_timeout_ms":7,"socket_timeout_ms":8,
            "max_retries":0,"batch_max_records":9,"client_kwargs":{}}"#,
    )
    .unwrap();
    assert_eq!(c.entity_key_serialization_version, 2);
    assert_eq!(c.hosts[1].tls_name.as_deref(), Some("tlsb"));
    assert_eq!(c.default_set_name(), "v1-p");
    assert_eq!(c.ttl_seconds, Some(0));
    assert_eq!(c.socket_timeout_ms, Some(8));
    assert_eq!(c.batch_max_records, 9);
    assert_eq!(c.auth_mode, AuthMode::External);
    assert_eq!(c.tls.as_ref().unwrap().cafile.as_deref(), Some("/ca.pem"));
    assert_eq!(c.password.as_ref().unwrap().expose(), "hunter2");
}

#[test]
fn unknown_key_names_the_valid_keys() {
    let e = err(r#"{"project":"p","batch_max_record":5}"#);
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("batch_max_record"), "{e}");
    assert!(e.message().contains("batch_max_records"), "{e}");
    assert!(e.message().contains("namespace_overrides"), "{e}");
}

#[test]
fn a_mistyped_value_names_its_key_but_never_echoes_a_password() {
    let e =
        StoreConfig::from_json(r#"{"project":"p","user":"u","password":987654321}"#).unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::Config);
    assert!(e.message().contains("\"password\""), "{e}");
    assert!(!e.message().contains("987654321"), "{e}");
}

/// Every error path of parsing and validation, with a needle its message
/// must contain.
const ERROR_CASES: &[(&str, &str)] = &[
    (r#"{"project":"p","hosts":[]}"#, "at least one"),
    (r#"{"project":"p","hosts":[["h"]]}"#, "hosts[0]"),
    (r#"{"project":"p","hosts":[["h",0]]}"#, "hosts[0]"),
    (r#"{"project":"p","hosts":[["h",70000]]}"#, "hosts[0]"),
    (r#"{"project":"p","hosts":["h:3000"]}"#, "hosts[0]"),
    (
        r#"{"project":"p","batch_max_records":0}"#,
        "batch_max_records",
    ),
    (r#"{"project":"p","read_timeout_ms":-1}"#, "read_timeout_ms"),
    (
        r#"{"project":"p","write_timeout_ms":0}"#,
        "write_timeout_ms",
    ),
    (
        r#"{"project":"p","batch_total_timeout_ms":0}"#,
        "batch_total_timeout_ms",
    ),
    (
        r#"{"project":"p","socket_timeout_ms":0}"#,
        "socket_timeout_ms",
    ),
    (r#"{"project":"p","password":"x"}"#, "user is not"),
    (r#"{"project":"p","user":"u"}"#, "password is not"),
    (r#"{"project":"p","auth_mode":"kerberos"}"#, "auth_mode"),
    (r#"{"project":"p","ttl_seconds":-5}"#, "ttl_seconds"),
    (
        r#"{"project":"p","entity_key_serialization_version":1}"#,
        "version",
    ),
    (r#"{"project":"p","set_name_template":"{nope}"}"#, "{nope}"),
    (
        r#"{"project":"p","prewriting_hook":"m.f"}"#,
        "Java: PrewritingHook",
    ),
    (
        r#"{"project":"p","client_kwargs":{"x":1}}"#,
        "client_kwargs",
    ),
    (r#"{"project":"p","type":"redis"}"#, "type"),
    (
        r#"{"project":"p","batch_max_records":"many"}"#,
        "key \"batch_max_records\": invalid type: string \"many\"",
    ),
    (r#"{"project":"p","hosts":"localhost"}"#, "key \"hosts\""),
    (r#"{"project":"p","tls":{"capath":"/x"}}"#, "capath"),
    (r#"{}"#, "project"),
    (r#"not json"#, "JSON"),
    (
        r#"{"project":"p","namespace":"ns_of_thirty_two_bytes_long_xyzw"}"#,
        "namespace",
    ),
    (
        r#"{"project":"p","namespace_overrides":{"fv":"ns_of_thirty_two_bytes_long_xyzw"}}"#,
        "namespace_overrides[\"fv\"]",
    ),
    (
        r#"{"project":"p","set_overrides":{"fv":"a_set_name_of_sixty_four_bytes_which_is_one_more_than_allowed___"}}"#,
        "set_overrides[\"fv\"]",
    ),
    (
        r#"{"project":"a_project_name_long_enough_that_the_default_set_is_over_63_bytes"}"#,
        "set_name_template",
    ),
    (r#"{"project":"p","namespace":"a\u0000b"}"#, "NUL"),
    (
        r#""{\"project\":\"p\",\"namespace\":\"feast\"}""#,
        "JSON-encoded twice",
    ),
    (r#"[{"project":"p"}]"#, "a JSON array"),
    (r#"42"#, "a JSON number"),
    (r#"{"project":"p","hosts":[["h",3000]]"#, "JSON"),
    (
        r#"{"project":"p","project":"q"}"#,
        "duplicate field `project`",
    ),
];

#[test]
fn invalid_values_are_clear_errors() {
    for (json, needle) in ERROR_CASES {
        let e = err(json);
        assert_eq!(e.kind(), ErrorKind::Config, "{json}");
        assert!(e.message().contains(needle), "{json}: {e}");
    }
}

const PASSWORD: &str = "Pw-7q!zXk29";

/// `json` with a user and `PASSWORD` added (as the first keys of an object,
/// inside the string of a double-encoded one).
fn with_password(json: &str) -> String {
    let creds = format!(r#""user":"u","password":"{PASSWORD}""#);
    if json == "{}" {
        format!("{{{creds}}}")
    } else if let Some(rest) = json.strip_prefix("{") {
        format!("{{{creds},{rest}")
    } else if let Some(rest) = json.strip_prefix(r#""{"#) {
        format!(r#""{{{},{rest}"#, creds.replace('"', "\\\""))
    } else if let Some(rest) = json.strip_prefix("[{") {
        format!("[{{{creds},{rest}")
    } else {
        json.to_string()
    }
}

/// No part of the password (4 characters or more) appears in `message`.
fn assert_no_password(json: &str, message: &str) {
    for start in 0..PASSWORD.len() - 3 {
        let part = &PASSWORD[start..start + 4];
        assert!(
            !message.contains(part),
            "{json}: {message:?} contains {part:?}"
        );
    }
}

#[test]
fn no_error_path_echoes_the_password() {
    let mut tried = 0;
    for (json, _) in ERROR_CASES {
        let json = with_password(json);
        if !json.contains(PASSWORD) {
            continue;
        }
        tried += 1;
        // A case about the credentials themselves now fails on a duplicate
        // key or passes; either way nothing may echo the password.
        if let Err(e) = StoreConfig::from_json(&json) {
            assert_no_password(&json, &e.to_string());
        }
    }
    assert!(
        tried + 2 >= ERROR_CASES.len(),
        "only {tried} cases carried the password"
    );
    // The password itself at fault, in every shape.
    for json in [
        format!(r#"{{"project":"p","user":"u","password":{{"v":"{PASSWORD}"}}}}"#),
        format!(r#"{{"project":"p","user":"u","password":["{PASSWORD}"]}}"#),
        format!(r#"{{"project":"p","password":"{PASSWORD}"}}"#),
        format!(r#"{{"project":"p","user":"u","password":"{PASSWORD}","password":"x"}}"#),
        format!(r#"{{"project":"p","user":"u","password":"{PASSWORD}","typo":1}}"#),
        format!(r#"{{"project":"p","user":"u","password":"{PASSWORD}""#),
        format!(r#"{{"project":"p","user":"u","password":"{PASSWORD}"}} trailing"#),
    ] {
        let e = err(&json);
        assert_eq!(e.kind(), ErrorKind::Config, "{json}");
        assert_no_password(&json, &e.to_string());
    }
}

#[test]
fn a_double_encoded_config_echoes_no_value_at_all() {
    let inner = r#"{"project":"proj_value_1","namespace":"ns_value_2","user":"user_value_3","password":"pw_value_4"}"#;
    let json = serde_json::to_string(inner).unwrap();
    let e = err(&json);
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("JSON-encoded twice"), "{e}");
    for value in ["proj_value_1", "ns_value_2", "user_value_3", "pw_value_4"] {
        assert!(!e.message().contains(value), "{e}");
    }
}

#[test]
fn names_at_the_servers_limits_are_accepted() {
    let ns31 = "n".repeat(31);
    let set63 = "s".repeat(63);
    let json = format!(
        r#"{{"project":"p","namespace":"{ns31}","namespace_overrides":{{"fv":"{ns31}"}},"set_overrides":{{"fv":"{set63}"}},"set_name_template":"{set63}"}}"#
    );
    let c = StoreConfig::from_json(&json).unwrap();
    assert_eq!(c.default_set_name(), set63);
}

/// The field names serde gives `RawConfig` (after renames), captured from
/// the derived `Deserialize` itself.
fn raw_config_fields() -> &'static [&'static str] {
    use serde::de::{self, Deserialize, Visitor};
    use std::cell::Cell;
    struct Capture(Cell<&'static [&'static str]>);
    impl<'de> de::Deserializer<'de> for &Capture {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only a struct is expected"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.set(fields);
            Err(de::Error::custom("captured"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    let capture = Capture(Cell::new(&[]));
    let _ = RawConfig::deserialize(&capture);
    capture.0.get()
}

#[test]
fn the_valid_key_list_is_the_raw_structs_fields() {
    let mut fields = raw_config_fields().to_vec();
    let mut keys = VALID_KEYS.to_vec();
    assert!(!fields.is_empty());
    fields.sort_unstable();
    keys.sort_unstable();
    assert_eq!(keys, fields);
}

#[test]
fn password_never_printed() {
    let c = StoreConfig::from_json(r#"{"project":"p","user":"u","password":"s3cr3t-pw"}"#).unwrap();
    assert!(!format!("{c:?}").contains("s3cr3t-pw"));
    assert!(!format!("{c}").contains("s3cr3t-pw"));
    assert!(!format!("{:?}", c.password).contains("s3cr3t-pw"));
    let e = err(r#"{"project":"p","password":"s3cr3t-pw","typo":1}"#);
    assert!(!e.to_string().contains("s3cr3t-pw"));
}
