//! The client policies of the store (connection, batch) and the mapping of
//! client errors to the crate's error kinds.

use std::time::{Duration, Instant};

use aerospike::{BatchPolicy, ClientPolicy};

use super::OnlineStore;
use crate::classify::classify_error;
use crate::config::{AuthMode, StoreConfig};
use crate::error::{Error, ErrorKind, Result};

impl OnlineStore {
    pub(super) fn batch_policy(&self, deadline: Option<Instant>, op: &str) -> Result<BatchPolicy> {
        batch_policy(self.config(), deadline, op)
    }
}

/// The batch policy of every read and write: Feast's batch timeout, retries
/// and socket timeout, capped by the request's own deadline.
pub(super) fn batch_policy(
    cfg: &StoreConfig,
    deadline: Option<Instant>,
    op: &str,
) -> Result<BatchPolicy> {
    let mut policy = BatchPolicy::default();
    policy.base_policy.total_timeout = cfg.batch_total_timeout_ms;
    policy.base_policy.max_retries = cfg.max_retries as usize;
    if let Some(s) = cfg.socket_timeout_ms {
        policy.base_policy.socket_timeout = s;
    }
    if let Some(deadline) = deadline {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_millis();
        if left == 0 {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("{op}: the request deadline expired"),
            ));
        }
        policy.base_policy.total_timeout = policy
            .base_policy
            .total_timeout
            .min(left.min(u32::MAX as u128) as u32);
        if policy.base_policy.socket_timeout > policy.base_policy.total_timeout {
            policy.base_policy.socket_timeout = policy.base_policy.total_timeout;
        }
    }
    policy.base_policy.sleep_between_retries = retry_spacing_ms(
        policy.base_policy.total_timeout,
        policy.base_policy.max_retries,
    );
    Ok(policy)
}

/// The sleep between retries: the attempts spread over the call's budget,
/// so a connection blip shorter than the budget is ridden out instead of
/// the retries failing back to back within milliseconds (an open
/// error-rate breaker answers at once). Capped at 1 s.
fn retry_spacing_ms(total_timeout_ms: u32, max_retries: usize) -> u32 {
    if max_retries == 0 || total_timeout_ms == 0 {
        return 0;
    }
    (total_timeout_ms / (max_retries as u32).saturating_add(1)).min(1000)
}

/// Time left before `deadline` (`None`: no deadline); an expired deadline
/// is a timeout.
pub(super) fn time_left(deadline: Option<Instant>) -> Result<Option<Duration>> {
    match deadline.map(|d| d.saturating_duration_since(Instant::now())) {
        Some(left) if left.is_zero() => Err(Error::new(
            ErrorKind::Timeout,
            "the request deadline expired",
        )),
        left => Ok(left),
    }
}

/// `ms`, lowered to fit the time left (at least 1 ms).
pub(super) fn capped_ms(ms: u32, left: Option<Duration>) -> u32 {
    match left {
        None => ms,
        Some(left) => ms.min(left.as_millis().clamp(1, u128::from(u32::MAX)) as u32),
    }
}

pub(super) fn deadline(timeout_ms: u32) -> Option<Instant> {
    (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(u64::from(timeout_ms)))
}

pub(super) fn convert_error(e: &aerospike::Error) -> Error {
    use aerospike::ErrorKind as K;
    let kind = match e.kind() {
        K::InvalidArgument | K::InvalidNamespace => ErrorKind::InvalidArgument,
        _ => classify_error(e, false).kind,
    };
    let err = Error::new(kind, e.to_string());
    match e.server_result_code() {
        Some(rc) => err.with_result_code(i32::from(u8::from(rc))),
        None => err,
    }
}

/// A failed connect: CONNECTION, unless every seed refused the credentials
/// (the server's security result code, e.g. 60 unknown user, 62 wrong
/// password, 65 invalid credential): that is CONFIG with the code. The
/// crate keeps a refused login only as text (`... Error 62, node=...`), so
/// the code is read from there. The message never holds the password: the
/// client sends only its bcrypt hash and the server answers a code.
pub(super) fn connect_error(e: &aerospike::Error, names: &[String]) -> Error {
    let message = format!("connect to [{}]: {e}", names.join(", "));
    let text = e.to_string();
    let security = text
        .split(" Error ")
        .skip(1)
        .filter_map(|rest| rest.split(',').next()?.parse::<i32>().ok())
        .find(|rc| (50..=90).contains(rc));
    match security {
        Some(rc) => Error::new(ErrorKind::Config, message).with_result_code(rc),
        None => Error::new(ErrorKind::Connection, message),
    }
}

pub(super) fn client_policy(config: &StoreConfig) -> Result<ClientPolicy> {
    let mut policy = ClientPolicy::default();
    if let (Some(user), Some(password)) = (&config.user, &config.password) {
        let (u, p) = (user.clone(), password.expose().to_string());
        policy.auth_mode = match config.auth_mode {
            AuthMode::Internal => aerospike::AuthMode::Internal(u, p),
            AuthMode::External => aerospike::AuthMode::External(u, p),
            AuthMode::Pki => aerospike::AuthMode::Pki,
        };
    } else if config.auth_mode == AuthMode::Pki {
        policy.auth_mode = aerospike::AuthMode::Pki;
    }
    if let Some(tls) = &config.tls {
        policy.tls_policy = Some(crate::tls::tls_policy(tls)?);
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_retries_map_to_the_batch_policy() {
        let cfg = StoreConfig::from_json(
            r#"{"project":"p","batch_total_timeout_ms":1500,"socket_timeout_ms":40,"max_retries":3}"#,
        )
        .unwrap();
        let p = batch_policy(&cfg, None, "read").unwrap();
        assert_eq!(p.base_policy.total_timeout, 1500);
        assert_eq!(p.base_policy.socket_timeout, 40);
        assert_eq!(p.base_policy.max_retries, 3);
        // Unset socket timeout leaves the client default in place.
        let default = StoreConfig::for_project("p");
        let p = batch_policy(&default, None, "read").unwrap();
        assert_eq!(
            p.base_policy.socket_timeout,
            BatchPolicy::default().base_policy.socket_timeout
        );
        assert_eq!(p.base_policy.max_retries, 2);
        // A request deadline caps the total timeout; an expired one fails.
        let soon = Instant::now() + Duration::from_millis(100);
        let p = batch_policy(&cfg, Some(soon), "read").unwrap();
        assert!(p.base_policy.total_timeout <= 100);
        assert!(p.base_policy.socket_timeout <= p.base_policy.total_timeout);
        let e = batch_policy(&cfg, Some(Instant::now()), "read").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout);
    }
}
