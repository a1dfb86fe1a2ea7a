//! Batch writes of feature rows: each row's values go straight from the
//! request into the msgpack of one batch-write row (the same three ops as
//! Feast's Python store, DESIGN.md §2 "Write"), with no `Value` tree.

use super::cluster::Cluster;
use super::command::{
    self, BatchBuilder, Ops, OP_CDT_MODIFY, OP_WRITE, PARTICLE_BLOB, PARTICLE_INTEGER,
};
use super::exec::{self, BatchOp, Policy, RunError};
use super::msgpack;
use super::values::encode_into;
use crate::classify::{classify, Failure};
use crate::codec::timestamp_to_ms;
use crate::entity_key::{digest, serialize_entity_key_into};
use crate::error::ErrorKind;
use crate::event_time::stale_guard_wire;
use crate::layout::{Location, CREATED_TS_BIN, EVENT_TS_BIN, FEATURES_BIN};
use crate::proto::v1::{EntityKey, RowFailure, Value, WriteBatchResponse, WriteRow};
use prost_types::Timestamp;

const RC_OK: u8 = 0;
const RC_FILTERED_OUT: u8 = 27;

/// What the encoder needs of a write row: the prost [`WriteRow`], or a row
/// read straight from the request bytes (`write_request::RawRow`).
pub trait RowSource {
    fn entity_key(&self) -> Option<&EntityKey>;
    fn event_timestamp(&self) -> Option<&Timestamp>;
    fn created_timestamp(&self) -> Option<&Timestamp>;
    /// The number of distinct feature names.
    fn feature_count(&self) -> usize;
    /// Each feature once, in name order.
    fn for_each_feature(
        &self,
        f: &mut dyn FnMut(&str, &Value) -> Result<(), String>,
    ) -> Result<(), String>;
}

impl RowSource for &WriteRow {
    fn entity_key(&self) -> Option<&EntityKey> {
        self.entity_key.as_ref()
    }

    fn event_timestamp(&self) -> Option<&Timestamp> {
        self.event_timestamp.as_ref()
    }

    fn created_timestamp(&self) -> Option<&Timestamp> {
        self.created_timestamp.as_ref()
    }

    fn feature_count(&self) -> usize {
        self.values.len()
    }

    fn for_each_feature(
        &self,
        f: &mut dyn FnMut(&str, &Value) -> Result<(), String>,
    ) -> Result<(), String> {
        // `values` is key-ordered: the order Python's dict of a row has.
        self.values.iter().try_for_each(|(k, v)| f(k, v))
    }
}

/// One chunk of rows of one view, encoded and ready to send.
pub struct WriteChunk<'a> {
    pub loc: &'a Location,
    pub view: &'a str,
    /// Record TTL on the wire: 0 namespace default, u32::MAX never expire.
    pub ttl: u32,
    pub entity_key_version: u32,
    /// Event-time-safe writes: each row carries the stale guard
    /// (`crate::event_time`), and a row the server filters out (27) is
    /// reported as skipped, not failed.
    pub stale_guard: bool,
}

struct Encoded {
    index: u32,
    digest: [u8; 20],
    event_ms: i64,
    created_ms: Option<i64>,
    /// The row's `{feature: value}` map in `WriteBatch::features`.
    features: (usize, usize),
    /// Its stale guard, when the chunk writes event-time-safe.
    guard: Option<Vec<u8>>,
}

struct WriteBatch<'a> {
    chunk: &'a WriteChunk<'a>,
    rows: Vec<Encoded>,
    features: Vec<u8>,
    written: Vec<bool>,
    failures: Vec<RowFailure>,
    skipped: Vec<u32>,
}

/// Write `rows` (each with its index in the request), adding the outcome
/// to `response`: every row is either written or has a failure.
pub fn write_chunk(
    cluster: &Cluster,
    chunk: &WriteChunk<'_>,
    rows: &[(u32, impl RowSource)],
    policy: Policy,
    response: &mut WriteBatchResponse,
) {
    let ctx = format!("write_batch {} {}", chunk.view, chunk.loc);
    let mut batch = WriteBatch {
        chunk,
        rows: Vec::with_capacity(rows.len()),
        features: Vec::with_capacity(rows.len() * 64),
        written: Vec::new(),
        failures: Vec::new(),
        skipped: Vec::new(),
    };
    let mut key_buf = Vec::with_capacity(64);
    for (index, row) in rows {
        let index = *index;
        match batch.encode_row(index, row, &mut key_buf) {
            Ok(e) => batch.rows.push(e),
            // Encoded up front, so one bad row fails alone.
            Err(message) => response.failures.push(RowFailure {
                row_index: index,
                result_code: -1,
                message: format!("{ctx}: row {index}: {message}"),
                in_doubt: false,
                status: ErrorKind::InvalidArgument.status(),
            }),
        }
    }
    if batch.rows.is_empty() {
        return;
    }
    batch.written = vec![false; batch.rows.len()];
    let digests: Vec<[u8; 20]> = batch.rows.iter().map(|r| r.digest).collect();
    let all: Vec<usize> = (0..batch.rows.len()).collect();
    let outcome = exec::run(
        cluster,
        &chunk.loc.namespace,
        &digests,
        &all,
        &mut batch,
        policy,
    );
    match outcome {
        Ok(unanswered) => {
            for u in unanswered {
                let index = batch.rows[u.row].index;
                let failure = match u.result_code {
                    Some(rc) => Failure::Answered(i32::from(rc)),
                    None if !u.sent && u.error.timeout => Failure::ExpiredBeforeSend,
                    None if !u.sent => Failure::NotSent,
                    None if u.error.timeout => Failure::TimedOut,
                    None => Failure::ConnectionLost,
                };
                let class = classify(failure, true);
                batch.failures.push(RowFailure {
                    row_index: index,
                    // Never answered: no code from the server.
                    result_code: u.result_code.map_or(-1, i32::from),
                    message: format!("{ctx}: row {index}: {}", u.error.message),
                    in_doubt: class.in_doubt,
                    status: class.kind.status(),
                });
            }
        }
        Err(e) => {
            let (kind, message) = match e {
                RunError::UnknownNamespace(m) => (ErrorKind::InvalidArgument, m),
                RunError::Decode(m) => (ErrorKind::Decode, m),
            };
            for (i, r) in batch.rows.iter().enumerate() {
                if !batch.written[i] && !batch.failures.iter().any(|f| f.row_index == r.index) {
                    batch.failures.push(RowFailure {
                        row_index: r.index,
                        result_code: -1,
                        message: format!("{ctx}: row {}: {message}", r.index),
                        in_doubt: false,
                        status: kind.status(),
                    });
                }
            }
        }
    }
    response.rows_written += batch.written.iter().filter(|w| **w).count() as u64;
    response.failures.append(&mut batch.failures);
    response.skipped_stale_rows.append(&mut batch.skipped);
}

impl WriteBatch<'_> {
    fn encode_row(
        &mut self,
        index: u32,
        row: &impl RowSource,
        key_buf: &mut Vec<u8>,
    ) -> Result<Encoded, String> {
        let entity_key = row.entity_key().ok_or("entity_key is required")?;
        serialize_entity_key_into(entity_key, self.chunk.entity_key_version, key_buf)
            .map_err(|e| e.to_string())?;
        let event_ts = row.event_timestamp().ok_or("event_timestamp is required")?;
        let start = self.features.len();
        msgpack::write_map_header(&mut self.features, row.feature_count());
        let features = &mut self.features;
        let encoded = row.for_each_feature(&mut |name, value| {
            msgpack::write_str(features, name);
            encode_into(value, features).map_err(|e| format!("feature {name:?}: {e}"))
        });
        if let Err(e) = encoded {
            self.features.truncate(start);
            return Err(e);
        }
        let event_ms = timestamp_to_ms(event_ts);
        Ok(Encoded {
            guard: self
                .chunk
                .stale_guard
                .then(|| stale_guard_wire(self.chunk.view, event_ms)),
            index,
            digest: digest(&self.chunk.loc.set_name, key_buf),
            event_ms,
            created_ms: row.created_timestamp().map(timestamp_to_ms),
            features: (start, self.features.len()),
        })
    }
}

impl BatchOp for WriteBatch<'_> {
    fn encode(&mut self, b: &mut BatchBuilder<'_>, rows: &[usize]) -> Result<(), String> {
        let c = self.chunk;
        for (i, &r) in rows.iter().enumerate() {
            let row = &self.rows[r];
            let n_ops = if row.created_ms.is_some() { 3 } else { 2 };
            b.write_row(
                i as u32,
                &row.digest,
                &c.loc.namespace,
                &c.loc.set_name,
                c.ttl,
                row.guard.as_deref(),
                n_ops,
            );
            let at = b.begin_op(OP_CDT_MODIFY, PARTICLE_BLOB, FEATURES_BIN);
            command::put_items_begin(b.buf(), c.view);
            b.buf()
                .extend_from_slice(&self.features[row.features.0..row.features.1]);
            command::put_items_end(b.buf());
            b.end_op(at);
            let at = b.begin_op(OP_CDT_MODIFY, PARTICLE_BLOB, EVENT_TS_BIN);
            command::put_event_ts(b.buf(), c.view, row.event_ms);
            b.end_op(at);
            if let Some(ms) = row.created_ms {
                let at = b.begin_op(OP_WRITE, PARTICLE_INTEGER, CREATED_TS_BIN);
                b.buf().extend_from_slice(&ms.to_be_bytes());
                b.end_op(at);
            }
        }
        Ok(())
    }

    fn size_hint(&self, rows: &[usize]) -> usize {
        let c = self.chunk;
        // The row header, namespace, set, guard and op headers (~100 bytes
        // with the map-op wrappers), plus the row's encoded features.
        let fixed = 100 + c.loc.namespace.len() + c.loc.set_name.len() + 2 * c.view.len();
        rows.iter()
            .map(|&r| {
                let row = &self.rows[r];
                fixed + (row.features.1 - row.features.0) + row.guard.as_ref().map_or(0, Vec::len)
            })
            .sum()
    }

    fn answered(
        &mut self,
        r: usize,
        result_code: u8,
        _ops: Ops<'_>,
        resent: bool,
    ) -> Result<(), String> {
        if result_code == RC_OK {
            self.written[r] = true;
            return Ok(());
        }
        if result_code == RC_FILTERED_OUT && self.chunk.stale_guard {
            self.skipped.push(self.rows[r].index);
            return Ok(());
        }
        let index = self.rows[r].index;
        let class = classify(Failure::Answered(i32::from(result_code)), true);
        self.failures.push(RowFailure {
            row_index: index,
            result_code: i32::from(result_code),
            message: format!(
                "write_batch {} {}: row {index}: server result code {result_code}",
                self.chunk.view, self.chunk.loc
            ),
            // An answer to a resend of a row an earlier attempt may have
            // applied is in doubt whatever the code.
            in_doubt: class.in_doubt || resent,
            status: class.kind.status(),
        });
        Ok(())
    }
}
