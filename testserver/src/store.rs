//! In-memory record store: namespaces of records keyed by digest, with bins,
//! generation, void time (seconds since 2010-01-01) and last-update time, plus
//! per-set truncate cut-offs and the background-job registry. Expired records
//! are treated as absent on every access and removed when touched.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::msgpack::{self, List, Map, Value};
use crate::wire::WireError;

/// Seconds between the Unix epoch and the server's epoch (2010-01-01 UTC).
pub const CITRUSLEAF_EPOCH: u64 = 1_262_304_000;

pub const PARTICLE_NULL: u8 = 0;
pub const PARTICLE_INTEGER: u8 = 1;
pub const PARTICLE_FLOAT: u8 = 2;
pub const PARTICLE_STRING: u8 = 3;
pub const PARTICLE_BLOB: u8 = 4;
pub const PARTICLE_BOOL: u8 = 17;
pub const PARTICLE_HLL: u8 = 18;
pub const PARTICLE_MAP: u8 = 19;
pub const PARTICLE_LIST: u8 = 20;
pub const PARTICLE_GEOJSON: u8 = 23;

pub type Digest = [u8; 20];

/// The server's default `max-record-size` (namespace.c) and the bounds
/// `set-config` accepts (cfg_info.c: 64 bytes to the 8 MiB write block).
pub const DEFAULT_MAX_RECORD_SIZE: u32 = 1024 * 1024;
pub const MIN_MAX_RECORD_SIZE: u32 = 64;
pub const MAX_MAX_RECORD_SIZE: u32 = 8 * 1024 * 1024;

/// Fixed per-record bytes counted against `max-record-size`, standing in
/// for the server's flat-record header and end mark (flat.c); an
/// approximation, close enough that a record near the limit behaves alike.
const FLAT_RECORD_OVERHEAD: usize = 64;

/// A bin value as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Particle {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// STRING, BLOB and the language blobs, GEOJSON, HLL: raw bytes.
    Bytes(u8, Vec<u8>),
    Map(Map),
    List(List),
}

impl Particle {
    /// Decodes a bin value sent by a client.
    pub fn from_wire(particle: u8, value: &[u8]) -> Result<Option<Particle>, WireError> {
        Ok(Some(match particle {
            PARTICLE_NULL => return Ok(None),
            PARTICLE_INTEGER => Particle::Int(i64::from_be_bytes(fixed8(value, "integer")?)),
            PARTICLE_FLOAT => {
                Particle::Float(f64::from_bits(u64::from_be_bytes(fixed8(value, "float")?)))
            }
            PARTICLE_BOOL => match value {
                [b] => Particle::Bool(*b != 0),
                _ => return Err(WireError("bool particle must be 1 byte".into())),
            },
            PARTICLE_MAP | PARTICLE_LIST => {
                match msgpack::decode(value).map_err(|e| WireError(e.to_string()))? {
                    Value::Map(m) if particle == PARTICLE_MAP => Particle::Map(m),
                    Value::List(l) if particle == PARTICLE_LIST => Particle::List(l),
                    _ => return Err(WireError("container particle type mismatch".into())),
                }
            }
            3..=12 | PARTICLE_HLL | PARTICLE_GEOJSON => Particle::Bytes(particle, value.to_vec()),
            other => return Err(WireError(format!("unknown particle type {other}"))),
        }))
    }

    pub fn particle_type(&self) -> u8 {
        match self {
            Particle::Int(_) => PARTICLE_INTEGER,
            Particle::Float(_) => PARTICLE_FLOAT,
            Particle::Bool(_) => PARTICLE_BOOL,
            Particle::Bytes(t, _) => *t,
            Particle::Map(_) => PARTICLE_MAP,
            Particle::List(_) => PARTICLE_LIST,
        }
    }

    pub fn to_wire(&self) -> Vec<u8> {
        match self {
            Particle::Int(i) => i.to_be_bytes().to_vec(),
            Particle::Float(f) => f.to_bits().to_be_bytes().to_vec(),
            Particle::Bool(b) => vec![u8::from(*b)],
            Particle::Bytes(_, b) => b.clone(),
            Particle::Map(m) => {
                let mut out = Vec::new();
                msgpack::encode_map(m, &mut out);
                out
            }
            Particle::List(l) => {
                let mut out = Vec::new();
                msgpack::encode_list(l, &mut out);
                out
            }
        }
    }

    /// Bytes of the particle in a stored record: 8 for numbers, the payload
    /// plus a 4-byte length for the rest.
    pub fn flat_size(&self) -> usize {
        match self {
            Particle::Int(_) | Particle::Float(_) => 8,
            Particle::Bool(_) => 1,
            Particle::Bytes(_, b) => 4 + b.len(),
            Particle::Map(_) | Particle::List(_) => 4 + self.to_wire().len(),
        }
    }

    /// A CDT result value as a bin particle (what an op result carries).
    pub fn from_value(v: Value) -> Option<Particle> {
        Some(match v {
            Value::Nil => return None,
            Value::Bool(b) => Particle::Bool(b),
            Value::Int(i) => Particle::Int(i),
            Value::UInt(u) => Particle::Int(u as i64),
            Value::F32(f) => Particle::Float(f as f64),
            Value::F64(f) => Particle::Float(f),
            Value::Str(s) => match s.split_first() {
                Some((&t, rest)) => Particle::Bytes(t, rest.to_vec()),
                None => Particle::Bytes(PARTICLE_BLOB, Vec::new()),
            },
            Value::Bin(b) => Particle::Bytes(PARTICLE_BLOB, b),
            Value::List(l) => Particle::List(l),
            Value::Map(m) => Particle::Map(m),
            Value::Ext(t, d) => {
                let mut b = Vec::new();
                msgpack::encode(&Value::Ext(t, d), &mut b);
                Particle::Bytes(PARTICLE_BLOB, b)
            }
        })
    }
}

fn fixed8(value: &[u8], what: &str) -> Result<[u8; 8], WireError> {
    value.try_into().map_err(|_| {
        WireError(format!(
            "{what} particle must be 8 bytes, got {}",
            value.len()
        ))
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub set: Option<String>,
    /// The KEY field as sent (particle byte + key) when the client sent it.
    pub key: Option<Vec<u8>>,
    pub bins: Vec<(String, Particle)>,
    pub generation: u32,
    /// Seconds since 2010-01-01; 0 = never expires.
    pub void_time: u32,
    /// Last update, nanoseconds since the Unix epoch.
    pub last_update_ns: u64,
}

impl Record {
    pub fn new(set: Option<String>) -> Record {
        Record {
            set,
            key: None,
            bins: Vec::new(),
            generation: 0,
            void_time: 0,
            last_update_ns: 0,
        }
    }

    /// The record's stored size as the server's `as_flat_record_size`
    /// counts it: header, then per bin its name, a type byte and the
    /// particle's flat bytes.
    pub fn flat_size(&self) -> usize {
        FLAT_RECORD_OVERHEAD
            + self
                .bins
                .iter()
                .map(|(name, p)| 1 + name.len() + 1 + p.flat_size())
                .sum::<usize>()
    }

    pub fn bin(&self, name: &str) -> Option<&Particle> {
        self.bins.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }

    pub fn bin_mut(&mut self, name: &str) -> Option<&mut Particle> {
        self.bins
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
    }

    /// Takes a bin's value out for in-place modification; `put_back`
    /// returns it to the same position so bin order is kept.
    pub fn take_bin(&mut self, name: &str) -> (Option<usize>, Option<Particle>) {
        match self.bins.iter().position(|(n, _)| n == name) {
            Some(i) => {
                let p = std::mem::replace(&mut self.bins[i].1, Particle::Bool(false));
                (Some(i), Some(p))
            }
            None => (None, None),
        }
    }

    pub fn put_back(&mut self, name: &str, pos: Option<usize>, p: Option<Particle>) {
        match (pos, p) {
            (Some(i), Some(p)) => self.bins[i].1 = p,
            (Some(i), None) => {
                self.bins.remove(i);
            }
            (None, p) => self.set_bin(name, p),
        }
    }

    pub fn set_bin(&mut self, name: &str, p: Option<Particle>) {
        match p {
            Some(p) => match self.bin_mut(name) {
                Some(slot) => *slot = p,
                None => self.bins.push((name.to_string(), p)),
            },
            None => self.bins.retain(|(n, _)| n != name),
        }
    }
}

/// The server's clock, with an offset tests can move forward to expire
/// records without sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn now_ns(&self) -> u64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let off = self.offset_secs.load(Ordering::SeqCst);
        (real as i128 + off as i128 * 1_000_000_000).max(0) as u64
    }

    /// Seconds since 2010-01-01.
    pub fn now_cl(&self) -> u32 {
        (self.now_ns() / 1_000_000_000).saturating_sub(CITRUSLEAF_EPOCH) as u32
    }
}

pub struct Namespace {
    pub name: String,
    pub default_ttl: u32,
    /// Largest record a write may leave, as the server's `max-record-size`
    /// (namespace.c: 1 MiB by default; set-config accepts 64 B to 8 MiB).
    pub max_record_size: AtomicU32,
    pub records: RwLock<HashMap<Digest, Record>>,
    /// set name -> truncate cut-off (ns since Unix epoch).
    pub truncate_lut: Mutex<HashMap<String, u64>>,
}

impl Namespace {
    pub fn new(name: &str, default_ttl: u32) -> Self {
        Namespace {
            name: name.to_string(),
            default_ttl,
            max_record_size: AtomicU32::new(DEFAULT_MAX_RECORD_SIZE),
            records: RwLock::new(HashMap::new()),
            truncate_lut: Mutex::new(HashMap::new()),
        }
    }

    /// Void time for a write's record_ttl field, or `None` to keep the
    /// record's current one (`-2`, do not update).
    pub fn void_time_for(&self, record_ttl: u32, now_cl: u32) -> Option<u32> {
        match record_ttl {
            0xFFFF_FFFF => Some(0),
            0xFFFF_FFFE => None,
            0 => Some(if self.default_ttl == 0 {
                0
            } else {
                now_cl.saturating_add(self.default_ttl)
            }),
            n => Some(now_cl.saturating_add(n)),
        }
    }

    /// Removes every record of `set` (all sets when `None`) last updated at
    /// or before `lut_ns`.
    pub fn truncate(&self, set: Option<&str>, lut_ns: u64) -> usize {
        let mut recs = self.records.write().unwrap_or_else(|e| e.into_inner());
        let before = recs.len();
        recs.retain(|_, r| {
            let in_scope = match set {
                Some(s) => r.set.as_deref() == Some(s),
                None => true,
            };
            !(in_scope && r.last_update_ns <= lut_ns)
        });
        let mut luts = self.truncate_lut.lock().unwrap_or_else(|e| e.into_inner());
        match set {
            Some(s) => {
                luts.insert(s.to_string(), lut_ns);
            }
            None => {
                let sets: Vec<String> = recs.values().filter_map(|r| r.set.clone()).collect();
                for s in sets {
                    luts.insert(s, lut_ns);
                }
                luts.insert(String::new(), lut_ns);
            }
        }
        before - recs.len()
    }
}

pub fn is_expired(r: &Record, now_cl: u32) -> bool {
    r.void_time != 0 && r.void_time <= now_cl
}

/// A background job (query/scan with write ops), reported by `query-show`.
#[derive(Debug, Clone)]
pub struct Job {
    pub trid: u64,
    pub ns: String,
    pub set: String,
    pub succeeded: u64,
    pub failed: u64,
    pub from: String,
    pub socket_timeout: u32,
    pub done_at_ns: u64,
    pub run_ms: u64,
}

impl Job {
    pub fn show(&self, now_ns: u64) -> String {
        format!(
            "trid={}:ns={}:set={}:rps=10000:active-threads=0:status=done(ok):job-progress=100.00:run-time={}:time-since-done={}:recs-throttled={}:recs-filtered-meta=0:recs-filtered-bins=0:recs-succeeded={}:recs-failed={}:from={}:job-type=background-ops:net-io-bytes=30:socket-timeout={}:ops-active=0",
            self.trid,
            self.ns,
            self.set,
            self.run_ms,
            now_ns.saturating_sub(self.done_at_ns) / 1_000_000,
            self.succeeded + self.failed,
            self.succeeded,
            self.failed,
            self.from,
            self.socket_timeout,
        )
    }
}

/// Everything that survives a stop/restart with data kept.
pub struct Store {
    pub namespaces: Vec<Namespace>,
    pub jobs: Mutex<Vec<Job>>,
    pub clock: Clock,
}

impl Store {
    pub fn new(names: &[String], default_ttl: u32) -> Store {
        Store {
            namespaces: names
                .iter()
                .map(|n| Namespace::new(n, default_ttl))
                .collect(),
            jobs: Mutex::new(Vec::new()),
            clock: Clock::default(),
        }
    }

    /// Sets every namespace's `max-record-size` (bytes), as at server start.
    pub fn set_max_record_size(&self, bytes: u32) {
        for ns in &self.namespaces {
            ns.max_record_size
                .store(bytes, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.name == name)
    }

    pub fn clear(&self) {
        for ns in &self.namespaces {
            ns.records
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            ns.truncate_lut
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Partition of a digest: low 12 bits of the little-endian first 4 bytes.
pub fn partition_id(d: &Digest) -> u16 {
    (u32::from_le_bytes([d[0], d[1], d[2], d[3]]) & 0x0fff) as u16
}
