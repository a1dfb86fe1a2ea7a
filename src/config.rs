//! Store configuration: the online-store block of a Feast `feature_store.yaml`
//! as JSON, with the keys and defaults of Feast 0.67's
//! `AerospikeOnlineStoreConfig`, plus the repo-level `project` and
//! `entity_key_serialization_version`. Unknown keys are errors (a typo must
//! never be silently ignored) and the password never appears in Debug output
//! or error messages.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::error::{Error, Result};

/// Every key `from_json` accepts, in the order they are documented.
pub const VALID_KEYS: &[&str] = &[
    "type",
    "project",
    "entity_key_serialization_version",
    "hosts",
    "namespace",
    "set_name_template",
    "collection_suffix",
    "namespace_overrides",
    "set_overrides",
    "prewriting_hook",
    "user",
    "password",
    "auth_mode",
    "tls",
    "ttl_seconds",
    "write_timeout_ms",
    "read_timeout_ms",
    "batch_total_timeout_ms",
    "socket_timeout_ms",
    "max_retries",
    "batch_max_records",
    "event_time_safe_writes",
    "client_kwargs",
];

/// One seed node: `[host, port]` or `[host, port, tls_name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedHost {
    pub host: String,
    pub port: u16,
    pub tls_name: Option<String>,
}

impl fmt::Display for SeedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tls_name {
            Some(name) => write!(f, "{}:{}:{}", self.host, name, self.port),
            None => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

/// How the client authenticates (Feast's `auth_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Internal,
    External,
    Pki,
}

/// A password that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for handing to the client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// TLS settings, with the keys of the Python client's `tls` policy that a
/// Rust client can honour. `enable` defaults to true when the block is given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    pub enable: bool,
    pub cafile: Option<String>,
    pub certfile: Option<String>,
    pub keyfile: Option<String>,
    /// Send credentials over TLS, then use cleartext for data (Python's
    /// `for_login_only`).
    pub for_login_only: bool,
}

/// Parsed and validated store configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreConfig {
    pub project: String,
    pub entity_key_serialization_version: u32,
    pub hosts: Vec<SeedHost>,
    pub namespace: String,
    pub set_name_template: String,
    pub collection_suffix: String,
    pub namespace_overrides: BTreeMap<String, String>,
    pub set_overrides: BTreeMap<String, String>,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub auth_mode: AuthMode,
    pub tls: Option<TlsConfig>,
    /// None: namespace default TTL; 0: never expire; n: n seconds.
    pub ttl_seconds: Option<u32>,
    pub write_timeout_ms: u32,
    pub read_timeout_ms: u32,
    pub batch_total_timeout_ms: u32,
    pub socket_timeout_ms: Option<u32>,
    pub max_retries: u32,
    pub batch_max_records: usize,
    /// Opt-in: a row is written only when no newer `event_ts` is stored for
    /// its view (checked by the server, atomically per row).
    pub event_time_safe_writes: bool,
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("project", &self.project)
            .field(
                "entity_key_serialization_version",
                &self.entity_key_serialization_version,
            )
            .field("hosts", &self.hosts)
            .field("namespace", &self.namespace)
            .field("set_name_template", &self.set_name_template)
            .field("collection_suffix", &self.collection_suffix)
            .field("namespace_overrides", &self.namespace_overrides)
            .field("set_overrides", &self.set_overrides)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("auth_mode", &self.auth_mode)
            .field("tls", &self.tls)
            .field("ttl_seconds", &self.ttl_seconds)
            .field("write_timeout_ms", &self.write_timeout_ms)
            .field("read_timeout_ms", &self.read_timeout_ms)
            .field("batch_total_timeout_ms", &self.batch_total_timeout_ms)
            .field("socket_timeout_ms", &self.socket_timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("batch_max_records", &self.batch_max_records)
            .field("event_time_safe_writes", &self.event_time_safe_writes)
            .finish()
    }
}

impl fmt::Display for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts: Vec<String> = self.hosts.iter().map(ToString::to_string).collect();
        write!(
            f,
            "aerospike online store (project {}, hosts [{}], namespace {}, set {})",
            self.project,
            hosts.join(", "),
            self.namespace,
            self.default_set_name()
        )
    }
}

/// The raw JSON shape. Numbers are read as i64/f64 so that out-of-range and
/// negative values get our own messages rather than serde's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(rename = "type")]
    store_type: Option<String>,
    project: Option<String>,
    entity_key_serialization_version: Option<i64>,
    hosts: Option<Vec<serde_json::Value>>,
    namespace: Option<String>,
    set_name_template: Option<String>,
    collection_suffix: Option<String>,
    #[serde(default)]
    namespace_overrides: Option<BTreeMap<String, String>>,
    #[serde(default)]
    set_overrides: Option<BTreeMap<String, String>>,
    prewriting_hook: Option<String>,
    user: Option<String>,
    password: Option<String>,
    auth_mode: Option<String>,
    tls: Option<serde_json::Map<String, serde_json::Value>>,
    ttl_seconds: Option<i64>,
    write_timeout_ms: Option<i64>,
    read_timeout_ms: Option<i64>,
    batch_total_timeout_ms: Option<i64>,
    socket_timeout_ms: Option<i64>,
    max_retries: Option<i64>,
    batch_max_records: Option<i64>,
    event_time_safe_writes: Option<bool>,
    client_kwargs: Option<serde_json::Map<String, serde_json::Value>>,
}

/// For well-formed JSON that does not fit the config's shape (a string where a
/// number belongs, ...), the first key whose value is at fault and serde's
/// reason. The reason never echoes a password.
fn offending_key(json: &str) -> Option<(String, String)> {
    let serde_json::Value::Object(map) = serde_json::from_str(json).ok()? else {
        return None;
    };
    map.into_iter().find_map(|(key, value)| {
        let secret = key == "password";
        let single = serde_json::Value::Object([(key.clone(), value)].into_iter().collect());
        let err = serde_json::from_value::<RawConfig>(single).err()?;
        let detail = if secret {
            "must be a string".to_string()
        } else {
            err.to_string()
        };
        Some((key, detail))
    })
}

impl StoreConfig {
    /// Parse the online-store block of feature_store.yaml (as JSON).
    pub fn from_json(json: &str) -> Result<Self> {
        let raw: RawConfig = serde_json::from_str(json).map_err(|e| {
            let msg = e.to_string();
            if msg.contains("unknown field") {
                // serde's own list is partial for renamed fields; give ours.
                Error::config(format!("{msg}; valid keys are: {}", VALID_KEYS.join(", ")))
            } else if let Some((key, detail)) = offending_key(json) {
                Error::config(format!(
                    "invalid store configuration: key {key:?}: {detail}"
                ))
            } else {
                Error::config(format!("invalid store configuration JSON: {msg}"))
            }
        })?;
        Self::from_raw(raw)
    }

    /// The default configuration for `project` (Feast's defaults).
    pub fn for_project(project: &str) -> Self {
        Self::from_raw(RawConfig {
            project: Some(project.to_string()),
            ..RawConfig::empty()
        })
        .expect("default configuration is valid")
    }

    fn from_raw(raw: RawConfig) -> Result<Self> {
        if let Some(t) = &raw.store_type {
            if t != "aerospike" && !t.ends_with("AerospikeOnlineStore") {
                return Err(Error::config(format!(
                    "type must be \"aerospike\", got {t:?}"
                )));
            }
        }
        if raw.prewriting_hook.is_some() {
            return Err(Error::config(
                "prewriting_hook names a Python import path, which this library cannot load; \
                 pass the hook through your binding instead (Go: WithPrewritingHook, \
                 Java: PrewritingHook, Rust: WriteOptions::prewrite_hook)",
            ));
        }
        if let Some(kwargs) = &raw.client_kwargs {
            if !kwargs.is_empty() {
                let keys: Vec<&str> = kwargs.keys().map(String::as_str).collect();
                return Err(Error::config(format!(
                    "client_kwargs are options of the Python client and are not supported \
                     (got keys: {})",
                    keys.join(", ")
                )));
            }
        }
        let project = raw.project.unwrap_or_default();
        if project.is_empty() {
            return Err(Error::config(
                "project is required (the repo-level `project` of feature_store.yaml)",
            ));
        }
        let version = raw.entity_key_serialization_version.unwrap_or(3);
        if version != 2 && version != 3 {
            return Err(Error::config(format!(
                "entity_key_serialization_version must be 3 (default) or 2, got {version}"
            )));
        }
        let hosts = match raw.hosts {
            None => vec![SeedHost {
                host: "localhost".into(),
                port: 3000,
                tls_name: None,
            }],
            Some(list) => parse_hosts(&list)?,
        };
        let namespace = raw.namespace.unwrap_or_else(|| "feast".into());
        if namespace.is_empty() {
            return Err(Error::config("namespace must not be empty"));
        }
        let set_name_template = raw
            .set_name_template
            .unwrap_or_else(|| "{project}_{collection_suffix}".into());
        let collection_suffix = raw.collection_suffix.unwrap_or_else(|| "latest".into());
        validate_template(&set_name_template)?;
        let namespace_overrides = raw.namespace_overrides.unwrap_or_default();
        let set_overrides = raw.set_overrides.unwrap_or_default();
        for (view, ns) in &namespace_overrides {
            if ns.is_empty() {
                return Err(Error::config(format!(
                    "namespace_overrides[{view:?}] must not be empty"
                )));
            }
        }
        for (view, set) in &set_overrides {
            if set.is_empty() {
                return Err(Error::config(format!(
                    "set_overrides[{view:?}] must not be empty"
                )));
            }
        }
        let auth_mode = match raw.auth_mode.as_deref().unwrap_or("internal") {
            "internal" => AuthMode::Internal,
            "external" => AuthMode::External,
            "pki" => AuthMode::Pki,
            other => {
                return Err(Error::config(format!(
                    "auth_mode must be one of internal, external, pki; got {other:?}"
                )))
            }
        };
        if raw.password.is_some() && raw.user.is_none() {
            return Err(Error::config("password is set but user is not"));
        }
        if raw.user.is_some() && raw.password.is_none() {
            // Feast raises the same at connect time.
            return Err(Error::config("user is set but password is not"));
        }
        let tls = match raw.tls {
            None => None,
            Some(map) => parse_tls(&map)?,
        };
        if auth_mode == AuthMode::Pki && !tls.as_ref().is_some_and(|t| t.enable) {
            return Err(Error::config(
                "auth_mode pki needs a tls block with a client certificate",
            ));
        }
        let ttl_seconds = match raw.ttl_seconds {
            None => None,
            Some(n) if (0..=i64::from(u32::MAX - 2)).contains(&n) => Some(n as u32),
            Some(n) => {
                return Err(Error::config(format!(
                    "ttl_seconds must be null, 0 (never expire) or a positive number of seconds; got {n}"
                )))
            }
        };
        let positive = |name: &str, v: Option<i64>, default: i64| -> Result<u32> {
            let v = v.unwrap_or(default);
            if v <= 0 || v > i64::from(u32::MAX) {
                return Err(Error::config(format!(
                    "{name} must be a positive number of milliseconds; got {v}"
                )));
            }
            Ok(v as u32)
        };
        let write_timeout_ms = positive("write_timeout_ms", raw.write_timeout_ms, 1000)?;
        let read_timeout_ms = positive("read_timeout_ms", raw.read_timeout_ms, 250)?;
        let batch_total_timeout_ms =
            positive("batch_total_timeout_ms", raw.batch_total_timeout_ms, 2000)?;
        let socket_timeout_ms = match raw.socket_timeout_ms {
            None => None,
            Some(v) => Some(positive("socket_timeout_ms", Some(v), 0)?),
        };
        let max_retries = match raw.max_retries.unwrap_or(2) {
            n if (0..=100).contains(&n) => n as u32,
            n => {
                return Err(Error::config(format!(
                    "max_retries must be between 0 and 100; got {n}"
                )))
            }
        };
        let batch_max_records = match raw.batch_max_records.unwrap_or(1000) {
            n if n > 0 && n <= 1_000_000 => n as usize,
            n => {
                return Err(Error::config(format!(
                    "batch_max_records must be a positive number (at most 1000000); got {n}"
                )))
            }
        };
        Ok(StoreConfig {
            project,
            entity_key_serialization_version: version as u32,
            hosts,
            namespace,
            set_name_template,
            collection_suffix,
            namespace_overrides,
            set_overrides,
            user: raw.user,
            password: raw.password.map(Secret),
            auth_mode,
            tls,
            ttl_seconds,
            write_timeout_ms,
            read_timeout_ms,
            batch_total_timeout_ms,
            socket_timeout_ms,
            max_retries,
            batch_max_records,
            event_time_safe_writes: raw.event_time_safe_writes.unwrap_or(false),
        })
    }

    /// The project-level set: `set_name_template` rendered with the project
    /// and collection suffix.
    pub fn default_set_name(&self) -> String {
        self.set_name_template
            .replace("{project}", &self.project)
            .replace("{collection_suffix}", &self.collection_suffix)
    }
}

impl RawConfig {
    fn empty() -> Self {
        RawConfig {
            store_type: None,
            project: None,
            entity_key_serialization_version: None,
            hosts: None,
            namespace: None,
            set_name_template: None,
            collection_suffix: None,
            namespace_overrides: None,
            set_overrides: None,
            prewriting_hook: None,
            user: None,
            password: None,
            auth_mode: None,
            tls: None,
            ttl_seconds: None,
            write_timeout_ms: None,
            read_timeout_ms: None,
            batch_total_timeout_ms: None,
            socket_timeout_ms: None,
            max_retries: None,
            batch_max_records: None,
            event_time_safe_writes: None,
            client_kwargs: None,
        }
    }
}

/// Python's `str.format` accepts only the two named fields here; anything
/// else raises KeyError there, so it is an error here too.
fn validate_template(template: &str) -> Result<()> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or_else(|| {
            Error::config(format!(
                "set_name_template {template:?} has an unclosed '{{'"
            ))
        })?;
        let field = &after[..end];
        if field != "project" && field != "collection_suffix" {
            return Err(Error::config(format!(
                "set_name_template {template:?} uses {{{field}}}; only {{project}} and \
                 {{collection_suffix}} are available"
            )));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

fn parse_hosts(list: &[serde_json::Value]) -> Result<Vec<SeedHost>> {
    if list.is_empty() {
        return Err(Error::config(
            "hosts must list at least one [host, port] seed node",
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let bad = || {
            Error::config(format!(
                "hosts[{i}] must be [host, port] or [host, port, tls_name] with a port in 1..65535; got {entry}"
            ))
        };
        let items = entry.as_array().ok_or_else(bad)?;
        if items.len() != 2 && items.len() != 3 {
            return Err(bad());
        }
        let host = items[0]
            .as_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(bad)?;
        let port = items[1]
            .as_u64()
            .filter(|p| (1..=65535).contains(p))
            .ok_or_else(bad)? as u16;
        let tls_name = match items.get(2) {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(bad)?.to_string()),
        };
        out.push(SeedHost {
            host: host.to_string(),
            port,
            tls_name,
        });
    }
    Ok(out)
}

fn parse_tls(map: &serde_json::Map<String, serde_json::Value>) -> Result<Option<TlsConfig>> {
    const KEYS: &[&str] = &["enable", "cafile", "certfile", "keyfile", "for_login_only"];
    let mut tls = TlsConfig {
        enable: true,
        ..TlsConfig::default()
    };
    for (key, value) in map {
        let as_path = || {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| Error::config(format!("tls.{key} must be a file path string")))
        };
        let as_bool = || {
            value
                .as_bool()
                .ok_or_else(|| Error::config(format!("tls.{key} must be true or false")))
        };
        match key.as_str() {
            "enable" => tls.enable = as_bool()?,
            "for_login_only" => tls.for_login_only = as_bool()?,
            "cafile" => tls.cafile = Some(as_path()?),
            "certfile" => tls.certfile = Some(as_path()?),
            "keyfile" => tls.keyfile = Some(as_path()?),
            other => {
                return Err(Error::config(format!(
                    "unsupported tls key {other:?}; supported keys are: {}",
                    KEYS.join(", ")
                )))
            }
        }
    }
    if tls.certfile.is_some() != tls.keyfile.is_some() {
        return Err(Error::config(
            "tls.certfile and tls.keyfile must be given together",
        ));
    }
    Ok(if tls.enable { Some(tls) } else { None })
}

#[cfg(test)]
mod tests {
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
        let e = StoreConfig::from_json(r#"{"project":"p","user":"u","password":987654321}"#)
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(e.message().contains("\"password\""), "{e}");
        assert!(!e.message().contains("987654321"), "{e}");
    }

    #[test]
    fn invalid_values_are_clear_errors() {
        for (json, needle) in [
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
        ] {
            let e = err(json);
            assert_eq!(e.kind(), ErrorKind::Config, "{json}");
            assert!(e.message().contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn password_never_printed() {
        let c =
            StoreConfig::from_json(r#"{"project":"p","user":"u","password":"s3cr3t-pw"}"#).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t-pw"));
        assert!(!format!("{c}").contains("s3cr3t-pw"));
        assert!(!format!("{:?}", c.password).contains("s3cr3t-pw"));
        let e = err(r#"{"project":"p","password":"s3cr3t-pw","typo":1}"#);
        assert!(!e.to_string().contains("s3cr3t-pw"));
    }
}
