//! Store configuration: the online-store block of a Feast `feature_store.yaml`
//! as JSON, with the keys and defaults of Feast 0.67's
//! `AerospikeOnlineStoreConfig`, plus the repo-level `project` and
//! `entity_key_serialization_version`. Unknown keys are errors (a typo must
//! never be silently ignored) and the password never appears in Debug output
//! or error messages.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Result};

mod parse;

use parse::{
    check_name, document_error, offending_key, parse_hosts, parse_tls, validate_template,
    RawConfig, MAX_NAMESPACE_BYTES, MAX_SET_BYTES,
};

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

/// Parsed and validated store configuration. `Debug` is derived: the
/// password is a [`Secret`], which prints redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl StoreConfig {
    /// Parse the online-store block of feature_store.yaml (as JSON).
    pub fn from_json(json: &str) -> Result<Self> {
        let raw: RawConfig = serde_json::from_str(json).map_err(|e| {
            let msg = e.to_string();
            if msg.starts_with("duplicate field") {
                // Names the key only.
                Error::config(format!("invalid store configuration: {msg}"))
            } else if msg.starts_with("unknown field") {
                // serde's own list is partial for renamed fields; give ours.
                Error::config(format!("{msg}; valid keys are: {}", VALID_KEYS.join(", ")))
            } else if let Some((key, detail)) = offending_key(json) {
                Error::config(format!(
                    "invalid store configuration: key {key:?}: {detail}"
                ))
            } else {
                document_error(json, &e)
            }
        })?;
        Self::from_raw(raw)
    }

    /// The default configuration for `project` (Feast's defaults).
    pub fn for_project(project: &str) -> Self {
        Self::from_raw(RawConfig {
            project: Some(project.to_string()),
            ..RawConfig::default()
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
        check_name("namespace", "namespace", &namespace, MAX_NAMESPACE_BYTES)?;
        for (view, ns) in &namespace_overrides {
            let key = format!("namespace_overrides[{view:?}]");
            check_name(&key, "namespace", ns, MAX_NAMESPACE_BYTES)?;
        }
        for (view, set) in &set_overrides {
            check_name(
                &format!("set_overrides[{view:?}]"),
                "set",
                set,
                MAX_SET_BYTES,
            )?;
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
        let config = StoreConfig {
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
        };
        check_name(
            "set_name_template",
            "the default set (rendered with project and collection_suffix)",
            &config.default_set_name(),
            MAX_SET_BYTES,
        )?;
        Ok(config)
    }

    /// The project-level set: `set_name_template` rendered with the project
    /// and collection suffix.
    pub fn default_set_name(&self) -> String {
        self.set_name_template
            .replace("{project}", &self.project)
            .replace("{collection_suffix}", &self.collection_suffix)
    }
}

#[cfg(test)]
mod tests;
