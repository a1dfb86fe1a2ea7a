//! Live metrics of one store: per operation (write_batch, read, update,
//! teardown) calls, errors by status, requested items and a latency
//! histogram, plus write-row outcomes (by result code for failures) and read
//! found/not-found counts. Lock-free: every counter is a relaxed atomic, so
//! recording costs a few uncontended atomic adds per call, nothing per value.
//!
//! The store records through the thin wrappers below ([`Metrics::write_batch`]
//! and friends), which time the operation and inspect its outcome;
//! [`Metrics::snapshot`] returns the protobuf `MetricsSnapshot` that the C ABI
//! hands out (`fas_store_metrics`).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use crate::error::{ErrorKind, Result};
use crate::proto::v1::{
    MetricsSnapshot, OperationMetrics, ReadResponse, ResultCodeCount, StatusCount, UpdateResponse,
    WriteBatchResponse,
};

/// Upper bounds of the latency buckets, in microseconds (Prometheus-style
/// 1-2.5-5 steps from 50 us to 10 s; a last bucket is +Inf).
pub const LATENCY_BOUNDS_US: [u64; 17] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];
/// The +Inf bucket's index.
const N_BOUNDS: usize = LATENCY_BOUNDS_US.len();

/// The operations measured, in snapshot order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    WriteBatch,
    Read,
    Update,
    Teardown,
}

impl Operation {
    pub const ALL: [Operation; 4] = [
        Operation::WriteBatch,
        Operation::Read,
        Operation::Update,
        Operation::Teardown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::WriteBatch => "write_batch",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Teardown => "teardown",
        }
    }
}

/// Error kinds in counter order. Each is reported under the ABI status it
/// maps to (`ffi::status::status_of`, the one home of that mapping).
const KINDS: [ErrorKind; 8] = [
    ErrorKind::InvalidArgument,
    ErrorKind::Decode,
    ErrorKind::Config,
    ErrorKind::Connection,
    ErrorKind::Timeout,
    ErrorKind::Server,
    ErrorKind::Closed,
    ErrorKind::Internal,
];

fn kind_index(kind: ErrorKind) -> usize {
    KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KINDS.len() - 1)
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::Decode => "decode",
        ErrorKind::Config => "config",
        ErrorKind::Connection => "connection",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Server => "server",
        ErrorKind::Closed => "closed",
        ErrorKind::Internal => "internal",
    }
}

#[derive(Default)]
struct OpCounters {
    calls: AtomicU64,
    errors: [AtomicU64; KINDS.len()],
    items: AtomicU64,
    /// Non-cumulative per bucket; index N_BOUNDS is +Inf.
    buckets: [AtomicU64; N_BOUNDS + 1],
    sum_us: AtomicU64,
}

/// Result codes -1 (client side) ..= 255, at index code + 1.
const N_CODES: usize = 257;

/// The counters of one store. All methods take `&self`; share freely.
pub struct Metrics {
    ops: [OpCounters; 4],
    rows_written: AtomicU64,
    rows_skipped_stale: AtomicU64,
    row_failures: [AtomicU64; N_CODES],
    read_found: AtomicU64,
    read_not_found: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            ops: Default::default(),
            rows_written: AtomicU64::new(0),
            rows_skipped_stale: AtomicU64::new(0),
            row_failures: std::array::from_fn(|_| AtomicU64::new(0)),
            read_found: AtomicU64::new(0),
            read_not_found: AtomicU64::new(0),
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The bucket of a latency: the first bound it does not exceed, else +Inf.
pub fn bucket_index(us: u64) -> usize {
    LATENCY_BOUNDS_US.partition_point(|&b| b < us)
}

impl Metrics {
    /// Time `fut` as one call of `op` asking for `items`, count its error
    /// status, and let `on_ok` count the outcome of a successful call.
    async fn timed<T>(
        &self,
        op: Operation,
        items: usize,
        fut: impl Future<Output = Result<T>>,
        on_ok: impl FnOnce(&Self, &T),
    ) -> Result<T> {
        let start = Instant::now();
        let result = fut.await;
        let us = start.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
        let c = &self.ops[op as usize];
        c.calls.fetch_add(1, Relaxed);
        c.items.fetch_add(items as u64, Relaxed);
        c.buckets[bucket_index(us)].fetch_add(1, Relaxed);
        c.sum_us.fetch_add(us, Relaxed);
        match &result {
            Ok(v) => on_ok(self, v),
            Err(e) => {
                c.errors[kind_index(e.kind())].fetch_add(1, Relaxed);
            }
        }
        result
    }

    /// Records one write_batch call of `rows` rows.
    pub async fn write_batch(
        &self,
        rows: usize,
        fut: impl Future<Output = Result<WriteBatchResponse>>,
    ) -> Result<WriteBatchResponse> {
        self.timed(Operation::WriteBatch, rows, fut, |m, r| {
            m.rows_written.fetch_add(r.rows_written, Relaxed);
            m.rows_skipped_stale
                .fetch_add(r.skipped_stale_rows.len() as u64, Relaxed);
            for f in &r.failures {
                let i = (i64::from(f.result_code) + 1).clamp(0, N_CODES as i64 - 1) as usize;
                m.row_failures[i].fetch_add(1, Relaxed);
            }
        })
        .await
    }

    /// Records one read call of `entities` entities.
    pub async fn read(
        &self,
        entities: usize,
        fut: impl Future<Output = Result<ReadResponse>>,
    ) -> Result<ReadResponse> {
        self.timed(Operation::Read, entities, fut, |m, r| {
            let (mut found, mut total) = (0u64, 0u64);
            for v in &r.views {
                total += v.rows.len() as u64;
                found += v.rows.iter().filter(|row| row.found).count() as u64;
            }
            m.read_found.fetch_add(found, Relaxed);
            m.read_not_found.fetch_add(total - found, Relaxed);
        })
        .await
    }

    /// Records one read call of `entities` entities answered as encoded
    /// bytes by the direct path, which counts the rows found and in all.
    pub async fn read_encoded(
        &self,
        entities: usize,
        fut: impl Future<Output = Result<crate::wire::ReadOutcome>>,
    ) -> Result<Vec<u8>> {
        self.timed(Operation::Read, entities, fut, |m, r| {
            m.read_found.fetch_add(r.found, Relaxed);
            m.read_not_found.fetch_add(r.rows - r.found, Relaxed);
        })
        .await
        .map(|r| r.bytes)
    }

    /// Records one update call dropping `views` views.
    pub async fn update(
        &self,
        views: usize,
        fut: impl Future<Output = Result<UpdateResponse>>,
    ) -> Result<UpdateResponse> {
        self.timed(Operation::Update, views, fut, |_, _| {}).await
    }

    /// Records one teardown call listing `views` views.
    pub async fn teardown<T>(
        &self,
        views: usize,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        self.timed(Operation::Teardown, views, fut, |_, _| {}).await
    }

    /// A consistent-enough copy of every counter (each counter is read once;
    /// counters of calls finishing meanwhile may or may not be included).
    pub fn snapshot(&self) -> MetricsSnapshot {
        let operations = Operation::ALL
            .iter()
            .map(|&op| {
                let c = &self.ops[op as usize];
                let mut cumulative = 0;
                let mut latency_buckets = Vec::with_capacity(N_BOUNDS);
                for b in &c.buckets[..N_BOUNDS] {
                    cumulative += b.load(Relaxed);
                    latency_buckets.push(cumulative);
                }
                let latency_count = cumulative + c.buckets[N_BOUNDS].load(Relaxed);
                OperationMetrics {
                    operation: op.name().to_string(),
                    calls: c.calls.load(Relaxed),
                    errors: KINDS
                        .iter()
                        .zip(&c.errors)
                        .filter_map(|(&kind, n)| {
                            let count = n.load(Relaxed);
                            (count > 0).then(|| StatusCount {
                                status: kind.status(),
                                name: kind_name(kind).to_string(),
                                count,
                            })
                        })
                        .collect(),
                    items: c.items.load(Relaxed),
                    latency_buckets,
                    latency_count,
                    latency_sum_us: c.sum_us.load(Relaxed),
                }
            })
            .collect();
        MetricsSnapshot {
            latency_bounds_us: LATENCY_BOUNDS_US.to_vec(),
            operations,
            rows_written: self.rows_written.load(Relaxed),
            rows_skipped_stale: self.rows_skipped_stale.load(Relaxed),
            row_failures: self
                .row_failures
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    let count = n.load(Relaxed);
                    (count > 0).then(|| ResultCodeCount {
                        result_code: i as i32 - 1,
                        count,
                    })
                })
                .collect(),
            read_found: self.read_found.load(Relaxed),
            read_not_found: self.read_not_found.load(Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::proto::v1::{EntityRow, RowFailure, ViewResult};

    fn block<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn buckets_are_inclusive_upper_bounds() {
        assert_eq!(bucket_index(0), 0);
        assert_eq!(bucket_index(50), 0);
        assert_eq!(bucket_index(51), 1);
        assert_eq!(bucket_index(1_000), 4);
        assert_eq!(bucket_index(10_000_000), 16);
        assert_eq!(bucket_index(10_000_001), N_BOUNDS);
        assert_eq!(bucket_index(u64::MAX), N_BOUNDS);
        assert!(LATENCY_BOUNDS_US.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn outcomes_and_errors_are_counted() {
        let m = Metrics::default();
        let resp = WriteBatchResponse {
            rows_written: 3,
            failures: vec![
                RowFailure {
                    result_code: 13,
                    ..Default::default()
                },
                RowFailure {
                    result_code: -1,
                    ..Default::default()
                },
            ],
            skipped_stale_rows: vec![4],
        };
        block(m.write_batch(6, async { Ok(resp) })).unwrap();
        block(m.write_batch(2, async { Err(Error::new(ErrorKind::Timeout, "t")) })).unwrap_err();
        let rows = vec![
            EntityRow {
                found: true,
                ..Default::default()
            },
            EntityRow::default(),
            EntityRow::default(),
        ];
        let read = ReadResponse {
            views: vec![ViewResult {
                rows,
                ..Default::default()
            }],
        };
        block(m.read(3, async { Ok(read) })).unwrap();
        let s = m.snapshot();
        assert_eq!(s.latency_bounds_us.len(), N_BOUNDS);
        let w = &s.operations[0];
        assert_eq!(
            (w.operation.as_str(), w.calls, w.items),
            ("write_batch", 2, 8)
        );
        assert_eq!(w.errors.len(), 1);
        assert_eq!(
            (
                w.errors[0].status,
                w.errors[0].name.as_str(),
                w.errors[0].count
            ),
            (5, "timeout", 1)
        );
        assert_eq!(w.latency_count, 2);
        assert_eq!(*w.latency_buckets.last().unwrap(), 2);
        assert_eq!((s.rows_written, s.rows_skipped_stale), (3, 1));
        let codes: Vec<(i32, u64)> = s
            .row_failures
            .iter()
            .map(|c| (c.result_code, c.count))
            .collect();
        assert_eq!(codes, vec![(-1, 1), (13, 1)]);
        assert_eq!((s.read_found, s.read_not_found), (1, 2));
        assert_eq!(s.operations[1].calls, 1);
        assert_eq!(s.operations[2].calls, 0);
        assert_eq!(s.operations[3].operation, "teardown");
    }
}
