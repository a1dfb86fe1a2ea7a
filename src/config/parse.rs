//! Reading the JSON: the raw shape serde fills, the error messages for JSON
//! that does not fit it (never echoing a password), and the parsers of the
//! structured keys (hosts, tls, the set-name template, names).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{SeedHost, TlsConfig};
use crate::error::{Error, Result};

/// The raw JSON shape. Numbers are read as i64/f64 so that out-of-range and
/// negative values get our own messages rather than serde's. The one list of
/// the accepted keys: `VALID_KEYS` (documentation order) is tested equal to it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(rename = "type")]
    pub(super) store_type: Option<String>,
    pub(super) project: Option<String>,
    pub(super) entity_key_serialization_version: Option<i64>,
    pub(super) hosts: Option<Vec<serde_json::Value>>,
    pub(super) namespace: Option<String>,
    pub(super) set_name_template: Option<String>,
    pub(super) collection_suffix: Option<String>,
    #[serde(default)]
    pub(super) namespace_overrides: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub(super) set_overrides: Option<BTreeMap<String, String>>,
    pub(super) prewriting_hook: Option<String>,
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
    pub(super) auth_mode: Option<String>,
    pub(super) tls: Option<serde_json::Map<String, serde_json::Value>>,
    pub(super) ttl_seconds: Option<i64>,
    pub(super) write_timeout_ms: Option<i64>,
    pub(super) read_timeout_ms: Option<i64>,
    pub(super) batch_total_timeout_ms: Option<i64>,
    pub(super) socket_timeout_ms: Option<i64>,
    pub(super) max_retries: Option<i64>,
    pub(super) batch_max_records: Option<i64>,
    pub(super) event_time_safe_writes: Option<bool>,
    pub(super) client_kwargs: Option<serde_json::Map<String, serde_json::Value>>,
}

/// For well-formed JSON that does not fit the config's shape (a string where a
/// number belongs, ...), the first key whose value is at fault and serde's
/// reason. The reason never echoes a password.
pub(super) fn offending_key(json: &str) -> Option<(String, String)> {
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

/// An error about the document as a whole. serde's message for a value of
/// the wrong shape quotes the value (a double-encoded config would echo every
/// key, password included), so only syntax errors, which quote nothing, keep
/// serde's text; otherwise the message names the JSON kind found.
pub(super) fn document_error(json: &str, e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    if matches!(
        e.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return Error::config(format!("invalid store configuration JSON: {e}"));
    }
    let found = match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::String(_)) => {
            "a JSON string (is the configuration JSON-encoded twice?)"
        }
        Ok(serde_json::Value::Array(_)) => "a JSON array",
        Ok(serde_json::Value::Number(_)) => "a JSON number",
        Ok(serde_json::Value::Bool(_)) => "a JSON boolean",
        Ok(serde_json::Value::Null) => "JSON null",
        Ok(serde_json::Value::Object(_)) | Err(_) => "a value of another shape",
    };
    Error::config(format!(
        "invalid store configuration: expected a JSON object of the online-store keys, got {found} (line {}, column {})",
        e.line(),
        e.column()
    ))
}

/// Python's `str.format` accepts only the two named fields here; anything
/// else raises KeyError there, so it is an error here too.
pub(super) fn validate_template(template: &str) -> Result<()> {
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

pub(super) fn parse_hosts(list: &[serde_json::Value]) -> Result<Vec<SeedHost>> {
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

pub(super) fn parse_tls(
    map: &serde_json::Map<String, serde_json::Value>,
) -> Result<Option<TlsConfig>> {
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

/// Aerospike's limits on a namespace name (31 bytes) and a set name (63
/// bytes); a NUL byte ends a name on the server. A name past them is refused
/// by every write, so it is refused at open, naming the key it came from.
pub(super) const MAX_NAMESPACE_BYTES: usize = 31;
pub(super) const MAX_SET_BYTES: usize = 63;

/// Check one namespace or set name (`what`) against the server's limits.
pub(super) fn check_name(key: &str, what: &str, name: &str, max: usize) -> Result<()> {
    if name.len() > max {
        return Err(Error::config(format!(
            "{key}: {what} {name:?} is {} bytes; Aerospike allows at most {max}",
            name.len()
        )));
    }
    if name.contains('\0') {
        return Err(Error::config(format!(
            "{key}: {what} {name:?} contains a NUL byte, which Aerospike does not allow in names"
        )));
    }
    Ok(())
}
