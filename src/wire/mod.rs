//! The hot path: batch reads and batch writes of feature rows spoken
//! directly to the cluster's nodes, from request protobuf to Aerospike wire
//! messages and from the answers' msgpack to response protobuf bytes, with
//! no general-purpose value tree in between (docs/hot-path.md).
//!
//! The `aerospike` crate still seeds and tends the cluster and does
//! everything else (info, truncate, background queries); this module reads
//! the crate's node list to route by its own partition map. Blocking I/O on
//! the caller's thread: no task hand-off, no wake-up per call.
//!
//! Used for clusters reached in the clear without authentication; TLS and
//! authenticated clusters keep the crate's path (docs/hot-path.md, "Scope").

mod cluster;
mod command;
mod exec;
mod msgpack;
mod pbuf;
mod read;
mod read_request;
mod values;
mod write;
mod write_request;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::Client;

pub use exec::Policy;
pub use read::ReadOutcome;
pub use read_request::ReadRequestRef;
pub use write::{RowSource, WriteChunk};
pub use write_request::WriteRequest;

use crate::config::StoreConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::layout::Layout;
use crate::proto::v1::WriteBatchResponse;

/// The crate's default socket timeout, used when `socket_timeout_ms` is unset.
const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(30);

/// The direct path of one store. Cheap to clone.
#[derive(Clone)]
pub struct Direct {
    cluster: Arc<cluster::Cluster>,
    layout: Arc<Layout>,
}

impl Direct {
    /// The direct path for `config`, or None where the crate's path stays
    /// in charge (TLS, authentication).
    pub fn new(client: Arc<Client>, layout: Layout) -> Option<Direct> {
        if !Direct::supports(layout.config()) {
            return None;
        }
        Some(Direct {
            cluster: Arc::new(cluster::Cluster::new(client)),
            layout: Arc::new(layout),
        })
    }

    /// Read the partition map now, so the first call does not pay for it.
    /// A failure is left for that first call to meet (and report).
    pub fn warm_up(&self, within: Duration) {
        let _ = self.cluster.router(true, Instant::now() + within);
    }

    /// Whether the direct path serves a cluster configured so.
    pub fn supports(cfg: &StoreConfig) -> bool {
        let tls_host = cfg.hosts.iter().any(|h| h.tls_name.is_some());
        !(cfg.tls.is_some() || tls_host || cfg.user.is_some() || cfg.password.is_some())
    }

    /// Timeouts of one batch call: Feast's batch timeout, capped by the
    /// request's deadline; `op` names the call in the error.
    pub fn policy(cfg: &StoreConfig, deadline: Option<Instant>, op: &str) -> Result<Policy> {
        let mut total = Duration::from_millis(u64::from(cfg.batch_total_timeout_ms.max(1)));
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("{op}: the request deadline expired"),
                ));
            }
            total = total.min(left);
        }
        let socket = cfg
            .socket_timeout_ms
            .filter(|&s| s > 0)
            .map_or(DEFAULT_SOCKET_TIMEOUT, |s| {
                Duration::from_millis(u64::from(s))
            });
        Ok(Policy {
            deadline: Instant::now() + total,
            socket_timeout: socket.min(total),
            max_retries: cfg.max_retries,
        })
    }

    /// Read, answering the encoded `ReadResponse`. `keys` are the
    /// serialized entity keys of `request.entity_keys`.
    pub fn read(
        &self,
        request: &ReadRequestRef<'_>,
        keys: &[Vec<u8>],
        policy: Policy,
    ) -> Result<ReadOutcome> {
        read::read(&self.cluster, &self.layout, request, keys, policy)
    }

    /// Write one chunk of rows into `response`.
    pub fn write_chunk(
        &self,
        chunk: &WriteChunk<'_>,
        rows: &[(u32, impl RowSource)],
        policy: Policy,
        response: &mut WriteBatchResponse,
    ) {
        write::write_chunk(&self.cluster, chunk, rows, policy, response)
    }
}
