//! Aerospike security (an Enterprise Edition feature) as the official
//! clients speak it: admin messages (proto type 2) with a 16-byte header
//! (byte 1 result code, byte 2 command, byte 3 field count) followed by
//! fields (`u32` big-endian length counting the id byte, `u8` id, data).
//!
//! - `LOGIN` (20) with `USER` and `CREDENTIAL` (the bcrypt hash of the
//!   password under the clients' fixed salt; external mode adds
//!   `CLEAR_PASSWORD`) answers 0 with `SESSION_TOKEN` and `SESSION_TTL`
//!   (seconds), or 60 INVALID_USER for an unknown user, 62 INVALID_PASSWORD
//!   for a wrong one.
//! - `AUTHENTICATE` (0) with `USER` and `SESSION_TOKEN` (or `CREDENTIAL`)
//!   marks the connection authenticated (0), or answers 66 EXPIRED_SESSION
//!   for a token past its TTL, 65 INVALID_CREDENTIAL for a token never
//!   issued (or issued to another user).
//! - Record commands on a connection that has not authenticated answer 80
//!   NOT_AUTHENTICATED (server.rs). INFO stays open, as tending needs it
//!   before any login.
//! - Any other admin command (user and role management) answers 54
//!   INVALID_COMMAND: users are configured at start only.
//!
//! Connections stay open after a failed AUTHENTICATE, so a client can fall
//! back to a full LOGIN on the same socket (what the Rust and Java clients
//! do when a cached token is refused).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::log::log;
use crate::wire::{ProtoHeader, TYPE_SECURITY};

pub const CMD_AUTHENTICATE: u8 = 0;
pub const CMD_LOGIN: u8 = 20;

pub const FIELD_USER: u8 = 0;
pub const FIELD_CREDENTIAL: u8 = 3;
pub const FIELD_CLEAR_PASSWORD: u8 = 4;
pub const FIELD_SESSION_TOKEN: u8 = 5;
pub const FIELD_SESSION_TTL: u8 = 6;

pub const RC_OK: u8 = 0;
pub const RC_INVALID_COMMAND: u8 = 54;
pub const RC_INVALID_FIELD: u8 = 55;
pub const RC_INVALID_USER: u8 = 60;
pub const RC_INVALID_PASSWORD: u8 = 62;
pub const RC_INVALID_CREDENTIAL: u8 = 65;
pub const RC_EXPIRED_SESSION: u8 = 66;
pub const RC_NOT_AUTHENTICATED: u8 = 80;

/// The salt every official client hashes passwords with (bcrypt, cost 10,
/// version 2a), so the credential on the wire is a bcrypt hash string
/// starting with this prefix.
const CLIENT_HASH_PREFIX: &str = "$2a$10$7EqJtq98hPqEX7fNZaFWoO";

/// Users and session lifetime, fixed at start.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// (user, clear password) pairs.
    pub users: Vec<(String, String)>,
    /// Lifetime of a session token (the server's `session-ttl`, default
    /// 86400 s). The Rust and Java clients retire a token 60 s before the
    /// server does; a TTL of 60 s or less makes them keep it until the
    /// server refuses it (66), then log in again.
    pub session_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            users: Vec::new(),
            session_ttl: Duration::from_secs(86_400),
        }
    }
}

/// Counters tests observe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthStats {
    pub logins: u64,
    pub login_failures: u64,
    pub token_authentications: u64,
    pub expired_tokens_refused: u64,
    pub unauthenticated_commands: u64,
}

struct Session {
    user: String,
    expires: Instant,
}

pub struct Auth {
    passwords: HashMap<String, String>,
    /// (user, credential) pairs already verified, so a client that logs in
    /// on every new connection costs one bcrypt run, not one per login.
    verified: Mutex<HashMap<(String, Vec<u8>), bool>>,
    sessions: Mutex<HashMap<Vec<u8>, Session>>,
    session_ttl: Duration,
    token_seq: AtomicU64,
    random: RandomState,
    logins: AtomicU64,
    login_failures: AtomicU64,
    token_authentications: AtomicU64,
    expired_tokens_refused: AtomicU64,
    pub unauthenticated_commands: AtomicU64,
}

/// Per-connection security state.
#[derive(Debug, Default)]
pub struct ConnAuth {
    user: Option<String>,
}

impl ConnAuth {
    pub fn is_authenticated(&self) -> bool {
        self.user.is_some()
    }
}

struct AdminMsg<'a> {
    command: u8,
    fields: Vec<(u8, &'a [u8])>,
}

impl AdminMsg<'_> {
    fn field(&self, id: u8) -> Option<&[u8]> {
        self.fields.iter().find(|(i, _)| *i == id).map(|(_, v)| *v)
    }
}

fn parse(body: &[u8]) -> Result<AdminMsg<'_>, String> {
    if body.len() < 16 {
        return Err(format!("admin header of {} bytes (16 needed)", body.len()));
    }
    let command = body[2];
    let count = body[3] as usize;
    let mut fields = Vec::with_capacity(count);
    let mut at = 16;
    for i in 0..count {
        let len_bytes: [u8; 4] = body
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("field {i} header truncated"))?;
        let len = u32::from_be_bytes(len_bytes) as usize;
        if len == 0 {
            return Err(format!("field {i} has length 0"));
        }
        let id = *body
            .get(at + 4)
            .ok_or_else(|| format!("field {i} id missing"))?;
        let data = body
            .get(at + 5..at + 4 + len)
            .ok_or_else(|| format!("field {i} of {len} bytes truncated"))?;
        fields.push((id, data));
        at += 4 + len;
    }
    Ok(AdminMsg { command, fields })
}

/// An admin answer: the header with `result`, then `fields`.
pub fn reply(command: u8, result: u8, fields: &[(u8, &[u8])]) -> Vec<u8> {
    let mut body = vec![0u8; 16];
    body[1] = result;
    body[2] = command;
    body[3] = fields.len() as u8;
    for (id, data) in fields {
        body.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
        body.push(*id);
        body.extend_from_slice(data);
    }
    let mut out = ProtoHeader::encode(TYPE_SECURITY, body.len()).to_vec();
    out.extend_from_slice(&body);
    out
}

impl Auth {
    pub fn new(cfg: &AuthConfig) -> io::Result<Auth> {
        let mut passwords = HashMap::new();
        for (user, password) in &cfg.users {
            if user.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "security: empty user name",
                ));
            }
            passwords.insert(user.clone(), password.clone());
        }
        if cfg.session_ttl.is_zero() || cfg.session_ttl.as_secs() > u32::MAX as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "security: session TTL must be 1 s .. 2^32-1 s",
            ));
        }
        Ok(Auth {
            passwords,
            verified: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            session_ttl: cfg.session_ttl,
            token_seq: AtomicU64::new(1),
            random: RandomState::new(),
            logins: AtomicU64::new(0),
            login_failures: AtomicU64::new(0),
            token_authentications: AtomicU64::new(0),
            expired_tokens_refused: AtomicU64::new(0),
            unauthenticated_commands: AtomicU64::new(0),
        })
    }

    pub fn stats(&self) -> AuthStats {
        AuthStats {
            logins: self.logins.load(Ordering::SeqCst),
            login_failures: self.login_failures.load(Ordering::SeqCst),
            token_authentications: self.token_authentications.load(Ordering::SeqCst),
            expired_tokens_refused: self.expired_tokens_refused.load(Ordering::SeqCst),
            unauthenticated_commands: self.unauthenticated_commands.load(Ordering::SeqCst),
        }
    }

    /// Every token issued so far is expired from now on.
    pub fn expire_all(&self) {
        let now = Instant::now();
        for s in self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values_mut()
        {
            s.expires = now;
        }
    }

    /// Checks a credential (the client's bcrypt hash of the password).
    fn check_credential(&self, user: &str, credential: &[u8]) -> u8 {
        let Some(password) = self.passwords.get(user) else {
            return RC_INVALID_USER;
        };
        let key = (user.to_string(), credential.to_vec());
        if let Some(ok) = self
            .verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return if *ok { RC_OK } else { RC_INVALID_PASSWORD };
        }
        let ok = std::str::from_utf8(credential)
            .ok()
            .filter(|c| c.starts_with(CLIENT_HASH_PREFIX))
            .is_some_and(|c| bcrypt::verify(password, c).unwrap_or(false));
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: a client trying many wrong credentials cannot grow it.
        if verified.len() >= 1024 {
            verified.clear();
        }
        verified.insert(key, ok);
        drop(verified);
        if ok {
            RC_OK
        } else {
            RC_INVALID_PASSWORD
        }
    }

    fn new_token(&self) -> Vec<u8> {
        let seq = self.token_seq.fetch_add(1, Ordering::SeqCst);
        let mut token = Vec::with_capacity(32);
        for part in 0..4u64 {
            let mut h = self.random.build_hasher();
            h.write_u64(seq);
            h.write_u64(part);
            token.extend_from_slice(&h.finish().to_be_bytes());
        }
        token
    }

    /// Answers one admin message on a connection.
    pub fn handle(&self, body: &[u8], conn: &mut ConnAuth, peer: SocketAddr) -> Vec<u8> {
        let msg = match parse(body) {
            Ok(m) => m,
            Err(e) => {
                log(format!(
                    "{peer}: malformed admin message: {e}; answering 55"
                ));
                return reply(0, RC_INVALID_FIELD, &[]);
            }
        };
        let user = msg
            .field(FIELD_USER)
            .map(|u| String::from_utf8_lossy(u).into_owned());
        match msg.command {
            CMD_LOGIN => {
                let rc = match (&user, msg.field(FIELD_CREDENTIAL)) {
                    (Some(u), Some(c)) => self.check_credential(u, c),
                    (None, _) => RC_INVALID_USER,
                    (Some(_), None) => RC_INVALID_CREDENTIAL,
                };
                if rc != RC_OK {
                    self.login_failures.fetch_add(1, Ordering::SeqCst);
                    log(format!(
                        "{peer}: login of user {:?} refused with {rc}",
                        user.unwrap_or_default()
                    ));
                    return reply(CMD_LOGIN, rc, &[]);
                }
                let user = user.unwrap_or_default();
                let token = self.new_token();
                self.sessions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(
                        token.clone(),
                        Session {
                            user: user.clone(),
                            expires: Instant::now() + self.session_ttl,
                        },
                    );
                self.logins.fetch_add(1, Ordering::SeqCst);
                conn.user = Some(user);
                let ttl = (self.session_ttl.as_secs() as u32).to_be_bytes();
                reply(
                    CMD_LOGIN,
                    RC_OK,
                    &[(FIELD_SESSION_TOKEN, &token), (FIELD_SESSION_TTL, &ttl)],
                )
            }
            CMD_AUTHENTICATE => {
                let rc = match (msg.field(FIELD_SESSION_TOKEN), msg.field(FIELD_CREDENTIAL)) {
                    (Some(token), _) => {
                        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
                        match sessions.get(token) {
                            None => RC_INVALID_CREDENTIAL,
                            Some(s) if user.as_deref().is_some_and(|u| u != s.user) => {
                                RC_INVALID_CREDENTIAL
                            }
                            Some(s) if Instant::now() >= s.expires => {
                                self.expired_tokens_refused.fetch_add(1, Ordering::SeqCst);
                                RC_EXPIRED_SESSION
                            }
                            Some(s) => {
                                conn.user = Some(s.user.clone());
                                self.token_authentications.fetch_add(1, Ordering::SeqCst);
                                RC_OK
                            }
                        }
                    }
                    (None, Some(c)) => match &user {
                        None => RC_INVALID_USER,
                        Some(u) => {
                            let rc = self.check_credential(u, c);
                            if rc == RC_OK {
                                conn.user = Some(u.clone());
                            }
                            rc
                        }
                    },
                    (None, None) => RC_INVALID_CREDENTIAL,
                };
                if rc != RC_OK {
                    log(format!("{peer}: authenticate refused with {rc}"));
                }
                reply(CMD_AUTHENTICATE, rc, &[])
            }
            other => {
                log(format!(
                    "{peer}: admin command {other} not served (users are fixed at start); answering 54"
                ));
                reply(other, RC_INVALID_COMMAND, &[])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(command: u8, fields: &[(u8, &[u8])]) -> Vec<u8> {
        // Same layout as an answer, minus the proto header.
        reply(command, 0, fields)[8..].to_vec()
    }

    fn rc(frame: &[u8]) -> u8 {
        frame[9]
    }

    #[test]
    fn login_then_token_then_expiry() {
        let auth = Auth::new(&AuthConfig {
            users: vec![("alice".into(), "s3cret".into())],
            session_ttl: Duration::from_secs(30),
        })
        .unwrap();
        let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let hash = bcrypt::hash_with_salt("s3cret", 10, *b"0123456789abcdef")
            .unwrap()
            .format_for_version(bcrypt::Version::TwoA);
        // A credential not under the clients' salt is refused even if it
        // matches the password.
        let mut c = ConnAuth::default();
        let r = auth.handle(
            &msg(
                CMD_LOGIN,
                &[(FIELD_USER, b"alice"), (FIELD_CREDENTIAL, hash.as_bytes())],
            ),
            &mut c,
            peer,
        );
        assert_eq!(rc(&r), RC_INVALID_PASSWORD);
        assert!(!c.is_authenticated());
        let r = auth.handle(
            &msg(CMD_LOGIN, &[(FIELD_USER, b"bob"), (FIELD_CREDENTIAL, b"x")]),
            &mut c,
            peer,
        );
        assert_eq!(rc(&r), RC_INVALID_USER);
        let r = auth.handle(
            &msg(
                CMD_AUTHENTICATE,
                &[(FIELD_USER, b"alice"), (FIELD_SESSION_TOKEN, b"nope")],
            ),
            &mut c,
            peer,
        );
        assert_eq!(rc(&r), RC_INVALID_CREDENTIAL);
        let r = auth.handle(&msg(9, &[]), &mut c, peer);
        assert_eq!(rc(&r), RC_INVALID_COMMAND);
        assert_eq!(auth.stats().login_failures, 2);
    }
}
