//! write_batch: rows of one feature view, converted to one batch of record
//! operations per chunk; per-row failures are reported, never dropped.

use std::sync::Arc;

use aerospike::{BatchOperation, Key, ResultCode};

use super::policy::deadline;
use super::OnlineStore;
use crate::classify::{classify, classify_error, Failure};
use crate::codec::{encode_row_features, timestamp_to_ms};
use crate::entity_key::{digest, serialize_entity_key_into};
use crate::error::{Error, ErrorKind, Result};
use crate::event_time;
use crate::layout::{self, Location};
use crate::proto::v1::*;
use crate::wire::{Direct, RowSource, WriteChunk, WriteRequest};
use prost::Message;

/// A prewriting hook: given the feature view and the rows about to be
/// written, returns the rows to write instead. `Ok(None)` (or no rows) skips
/// the write; an error aborts the whole batch before anything is written.
/// Row indices in the response then refer to the hook's rows.
pub type PrewriteHook =
    Arc<dyn Fn(&FeatureView, &[WriteRow]) -> Result<Option<Vec<WriteRow>>> + Send + Sync>;

/// Called after each chunk with the cumulative number of rows processed
/// (written or failed): 100, 200, 250 for 250 rows in chunks of 100.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Extra options of [`OnlineStore::write_batch_with`].
#[derive(Clone, Default)]
pub struct WriteOptions {
    pub prewrite_hook: Option<PrewriteHook>,
    pub progress: Option<Progress>,
}

/// Where a row landed in a batch: its index in the request.
struct Pending {
    ops: Vec<BatchOperation>,
    rows: Vec<u32>,
}

impl OnlineStore {
    /// Write rows of one feature view.
    pub async fn write_batch(&self, request: &WriteBatchRequest) -> Result<WriteBatchResponse> {
        self.write_batch_with(request, &WriteOptions::default())
            .await
    }

    /// Write rows of one feature view, with a prewriting hook and/or progress
    /// reporting. Per-row failures are reported in the response, never
    /// dropped: `rows_written + failures.len() + skipped_stale_rows.len()`
    /// is the number of rows.
    pub async fn write_batch_with(
        &self,
        request: &WriteBatchRequest,
        options: &WriteOptions,
    ) -> Result<WriteBatchResponse> {
        let rows = request.rows.len();
        (self.metrics)
            .write_batch(rows, self.write_batch_unmetered(request, options))
            .await
    }

    async fn write_batch_unmetered(
        &self,
        request: &WriteBatchRequest,
        options: &WriteOptions,
    ) -> Result<WriteBatchResponse> {
        self.check_open("write_batch")?;
        crate::limits::check_write(request)?;
        let view = request
            .feature_view
            .as_ref()
            .filter(|v| !v.name.is_empty())
            .ok_or_else(|| Error::invalid_argument("write_batch: feature_view.name is required"))?;
        let report = |n: u64| {
            if let Some(p) = &options.progress {
                p(n)
            }
        };
        if request.rows.is_empty() {
            report(0);
            return Ok(WriteBatchResponse::default());
        }
        let hooked;
        let rows: &[WriteRow] = match &options.prewrite_hook {
            None => &request.rows,
            Some(hook) => match hook(view, &request.rows)
                .map_err(|e| e.context(format!("write_batch {}: prewriting hook", view.name)))?
            {
                Some(r) if !r.is_empty() => {
                    hooked = r;
                    &hooked
                }
                _ => {
                    report(0);
                    return Ok(WriteBatchResponse::default());
                }
            },
        };
        let deadline = deadline(request.timeout_ms);
        if let Some(direct) = &self.direct {
            return Ok(self.write_direct(direct, &view.name, rows.iter(), deadline, &report));
        }
        let loc = self.layout.location_for(&view.name);
        let version = self.config().entity_key_serialization_version;
        let chunk_size = self.config().batch_max_records;
        let mut response = WriteBatchResponse::default();
        let mut key_buf = Vec::with_capacity(64);
        let mut done: u64 = 0;
        for (chunk_no, chunk) in rows.chunks(chunk_size).enumerate() {
            let base = chunk_no * chunk_size;
            let mut pending = Pending {
                ops: Vec::with_capacity(chunk.len()),
                rows: Vec::with_capacity(chunk.len()),
            };
            for (i, row) in chunk.iter().enumerate() {
                let index = (base + i) as u32;
                match self.write_op(&loc, &view.name, row, version, &mut key_buf) {
                    Ok(op) => {
                        pending.ops.push(op);
                        pending.rows.push(index);
                    }
                    // Encoded up front: one bad row would otherwise fail its
                    // whole per-node group (DESIGN.md §4.4).
                    Err(message) => response.failures.push(RowFailure {
                        row_index: index,
                        result_code: -1,
                        message: format!("write_batch {} {loc}: row {index}: {message}", view.name),
                        in_doubt: false,
                        status: ErrorKind::InvalidArgument.status(),
                    }),
                }
            }
            if !pending.ops.is_empty() {
                match self.batch_policy(deadline, "write_batch") {
                    Err(e) => {
                        let class = classify(Failure::ExpiredBeforeSend, true);
                        for &index in &pending.rows {
                            response.failures.push(RowFailure {
                                row_index: index,
                                result_code: class.result_code,
                                message: format!(
                                    "write_batch {} {loc}: row {index} not sent: {}",
                                    view.name,
                                    e.message()
                                ),
                                in_doubt: class.in_doubt,
                                status: class.kind.status(),
                            });
                        }
                    }
                    Ok(policy) => {
                        let (ops, call) = self.run_batch(policy, pending.ops).await?;
                        collect_write_results(
                            &ops,
                            &pending.rows,
                            call.err(),
                            &view.name,
                            &loc,
                            &mut response,
                        );
                    }
                }
            }
            done += chunk.len() as u64;
            report(done);
        }
        response.failures.sort_by_key(|f| f.row_index);
        response.skipped_stale_rows.sort_unstable();
        Ok(response)
    }

    /// Write rows from `WriteBatchRequest` bytes, answering the encoded
    /// `WriteBatchResponse` (what the C ABI hands out). On the direct path
    /// the request is read straight from its bytes (`wire::WriteRequest`:
    /// no map or `String` per row or feature); otherwise it is decoded and
    /// written by [`OnlineStore::write_batch`]. Malformed bytes fail the whole
    /// call with a `Decode` error before anything is written.
    pub async fn write_batch_encoded(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        let malformed = |e: &dyn std::fmt::Display| {
            Error::decode(format!(
                "request ({} bytes) is not a valid feast_aerospike.v1.WriteBatchRequest: {e}",
                bytes.len()
            ))
        };
        let Some(direct) = &self.direct else {
            let request = WriteBatchRequest::decode(bytes).map_err(|e| malformed(&e))?;
            return Ok(self.write_batch(&request).await?.encode_to_vec());
        };
        let request = WriteRequest::parse(bytes).map_err(|e| malformed(&e))?;
        let call = async {
            self.check_open("write_batch")?;
            crate::limits::check_write_counts(
                request.len(),
                request.rows().map(|r| r.feature_count()),
            )?;
            let view = request
                .feature_view
                .as_ref()
                .filter(|v| !v.name.is_empty())
                .ok_or_else(|| {
                    Error::invalid_argument("write_batch: feature_view.name is required")
                })?;
            if request.is_empty() {
                return Ok(WriteBatchResponse::default());
            }
            let deadline = deadline(request.timeout_ms);
            Ok(self.write_direct(direct, &view.name, request.rows(), deadline, &|_| {}))
        };
        let response = (self.metrics).write_batch(request.len(), call).await?;
        Ok(response.encode_to_vec())
    }

    /// The direct path's write of `rows` (chunks of `batch_max_records`),
    /// whatever form the rows come in; `report` after each chunk.
    fn write_direct<R: RowSource>(
        &self,
        direct: &Direct,
        view: &str,
        rows: impl ExactSizeIterator<Item = R>,
        deadline: Option<std::time::Instant>,
        report: &dyn Fn(u64),
    ) -> WriteBatchResponse {
        let loc = self.layout.location_for(view);
        let chunk_size = self.config().batch_max_records.max(1);
        let mut response = WriteBatchResponse::default();
        let mut chunk: Vec<(u32, R)> = Vec::with_capacity(chunk_size.min(rows.len()));
        let mut done: u64 = 0;
        let mut rows = rows.enumerate().peekable();
        while rows.peek().is_some() {
            chunk.clear();
            chunk.extend(rows.by_ref().take(chunk_size).map(|(i, r)| (i as u32, r)));
            match Direct::policy(self.config(), deadline, "write_batch") {
                Ok(policy) => {
                    let c = WriteChunk {
                        loc: &loc,
                        view,
                        ttl: self.wire_ttl(),
                        entity_key_version: self.config().entity_key_serialization_version,
                        stale_guard: self.config().event_time_safe_writes,
                    };
                    direct.write_chunk(&c, &chunk, policy, &mut response);
                }
                Err(e) => {
                    for &(index, _) in &chunk {
                        response.failures.push(RowFailure {
                            row_index: index,
                            result_code: -1,
                            message: format!(
                                "write_batch {view} {loc}: row {index} not sent: {}",
                                e.message()
                            ),
                            in_doubt: false,
                            status: e.kind().status(),
                        });
                    }
                }
            }
            done += chunk.len() as u64;
            report(done);
        }
        response.failures.sort_by_key(|f| f.row_index);
        response.skipped_stale_rows.sort_unstable();
        response
    }

    /// The record TTL on the wire: 0 namespace default, u32::MAX never.
    fn wire_ttl(&self) -> u32 {
        match self.config().ttl_seconds {
            None => 0,
            Some(0) => u32::MAX,
            Some(n) => n,
        }
    }

    fn write_op(
        &self,
        loc: &Location,
        view: &str,
        row: &WriteRow,
        version: u32,
        key_buf: &mut Vec<u8>,
    ) -> std::result::Result<BatchOperation, String> {
        let entity_key = row
            .entity_key
            .as_ref()
            .ok_or_else(|| "entity_key is required".to_string())?;
        serialize_entity_key_into(entity_key, version, key_buf).map_err(|e| e.to_string())?;
        let event_ts = row
            .event_timestamp
            .as_ref()
            .ok_or_else(|| "event_timestamp is required".to_string())?;
        let features = encode_row_features(row)?;
        let event_ms = timestamp_to_ms(event_ts);
        let ops = layout::write_ops(
            &self.map_policy,
            view,
            features,
            event_ms,
            row.created_timestamp.as_ref().map(timestamp_to_ms),
        );
        let key = Key::with_digest(
            loc.namespace.clone(),
            loc.set_name.clone(),
            None,
            digest(&loc.set_name, key_buf),
        );
        let safe = self.config().event_time_safe_writes;
        let policy = event_time::row_write_policy(&self.batch_write_policy, safe, view, event_ms);
        Ok(BatchOperation::write(&policy, key, ops))
    }
}

fn collect_write_results(
    ops: &[BatchOperation],
    rows: &[u32],
    call_error: Option<aerospike::Error>,
    view: &str,
    loc: &Location,
    response: &mut WriteBatchResponse,
) {
    for (op, &index) in ops.iter().zip(rows) {
        if op.result_code() == Some(ResultCode::Ok) {
            response.rows_written += 1;
            continue;
        }
        if op.result_code() == Some(ResultCode::FilteredOut) {
            response.skipped_stale_rows.push(index);
            continue;
        }
        let cause = op.error().or(call_error.as_ref());
        let class = match cause {
            Some(e) => {
                let mut class = classify_error(e, true);
                class.in_doubt |= op.in_doubt();
                class
            }
            // No answer and no error: nothing proves it was not applied.
            None => classify(Failure::ConnectionLost, true),
        };
        let cause = cause
            .map(ToString::to_string)
            .unwrap_or_else(|| "the server did not answer".into());
        response.failures.push(RowFailure {
            row_index: index,
            result_code: class.result_code,
            message: format!("write_batch {view} {loc}: row {index}: {cause}"),
            in_doubt: class.in_doubt,
            status: class.kind.status(),
        });
    }
}
