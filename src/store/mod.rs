//! The online store operations over one aerospike client, with Feast 0.67's
//! record layout. One file per operation: [`write`] (write_batch), [`read`]
//! (with its decoding plan in [`plan`]), [`update`] (update and teardown);
//! [`policy`] holds the client policies and the error mapping. This file
//! holds the handle itself: connect, close, and the runtime hand-off.
//!
//! Every client call runs on the crate's one long-lived runtime
//! ([`crate::runtime::runtime`]), whichever runtime the caller awaits on, so
//! the client's background tasks never outlive the runtime that owns them.
//! Requests are converted on the caller's task; only the ready batch moves
//! to the runtime, and results move back without copies.

mod plan;
mod policy;
mod read;
mod update;
mod write;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aerospike::{
    BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy, Client, Expiration, Host,
    MapPolicy,
};

use crate::config::StoreConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::layout::{self, Layout};
use crate::metrics::Metrics;
use crate::runtime::runtime;
use crate::wire::Direct;

pub use plan::ViewPlan;
pub use write::{PrewriteHook, Progress, WriteOptions};

/// The longest `connect` (and so `fas_store_open`) waits for the cluster,
/// however many seed hosts are listed (docs/configuration.md).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A connected store. Thread-safe: share it behind an `Arc`; any number of
/// callers may read and write concurrently.
pub struct OnlineStore {
    client: Arc<Client>,
    layout: Layout,
    closed: AtomicBool,
    map_policy: MapPolicy,
    batch_read_policy: BatchReadPolicy,
    batch_write_policy: BatchWritePolicy,
    /// The direct batch path (src/wire), where the cluster allows it.
    direct: Option<Direct>,
    metrics: Metrics,
}

impl std::fmt::Debug for OnlineStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnlineStore")
            .field("config", self.layout.config())
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish()
    }
}

/// Run `task` on the crate's runtime and await it from any runtime. A task
/// that panicked or was cancelled becomes an `Internal` error naming `what`.
async fn on_runtime<T: Send + 'static>(
    what: &str,
    task: impl Future<Output = T> + Send + 'static,
) -> Result<T> {
    runtime()
        .spawn(task)
        .await
        .map_err(|e| Error::new(ErrorKind::Internal, format!("{what}: task failed: {e}")))
}

/// [`on_runtime`], giving up with a timeout when `budget` runs out: a call
/// never outlives its deadline, whatever the client's own timeouts do.
async fn within<T: Send + 'static>(
    budget: Option<Duration>,
    what: &str,
    task: impl Future<Output = T> + Send + 'static,
) -> Result<T> {
    on_runtime(what, async move {
        match budget {
            Some(b) => tokio::time::timeout(b, task).await.ok(),
            None => Some(task.await),
        }
    })
    .await?
    .ok_or_else(|| {
        Error::new(
            ErrorKind::Timeout,
            format!("{what}: the request deadline expired"),
        )
    })
}

impl OnlineStore {
    /// Connect to the cluster named by `config`. Fails with
    /// [`ErrorKind::Connection`] naming the seed hosts when none answers.
    pub async fn connect(config: StoreConfig) -> Result<Self> {
        let policy = policy::client_policy(&config)?;
        let hosts: Vec<Host> = config
            .hosts
            .iter()
            .map(|h| match &h.tls_name {
                Some(name) => Host::new_tls(&h.host, name, h.port),
                None => Host::new(&h.host, h.port),
            })
            .collect();
        let names: Vec<String> = config.hosts.iter().map(ToString::to_string).collect();
        // The client tries the seeds one after another, each for up to its
        // own timeout: a long list of silent hosts would otherwise hold
        // open for minutes. Cancelling is clean: the client starts its tend
        // task only once connected.
        let connect = async move {
            tokio::time::timeout(CONNECT_TIMEOUT, Client::new(&policy, &hosts)).await
        };
        let client = on_runtime("connect", connect)
            .await?
            .map_err(|_| {
                Error::new(
                    ErrorKind::Connection,
                    format!(
                        "connect to [{}]: no seed host answered within {} ms",
                        names.join(", "),
                        CONNECT_TIMEOUT.as_millis()
                    ),
                )
            })?
            .map_err(|e| policy::connect_error(&e, &names))?;
        let ttl = match config.ttl_seconds {
            None => Expiration::NamespaceDefault,
            Some(0) => Expiration::Never,
            Some(n) => Expiration::Seconds(n),
        };
        let batch_write_policy = BatchWritePolicy {
            expiration: ttl,
            ..BatchWritePolicy::default()
        };
        let client = Arc::new(client);
        let direct = Direct::new(client.clone(), Layout::new(config.clone()));
        if let Some(d) = &direct {
            d.warm_up(CONNECT_TIMEOUT);
        }
        Ok(OnlineStore {
            client,
            direct,
            layout: Layout::new(config),
            closed: AtomicBool::new(false),
            map_policy: layout::ordered_map_policy(),
            batch_read_policy: BatchReadPolicy::default(),
            batch_write_policy,
            metrics: Metrics::default(),
        })
    }

    /// Route batch reads and writes through the `aerospike` crate instead
    /// of the direct path: for tests that compare the two.
    #[doc(hidden)]
    pub fn without_direct_path(mut self) -> Self {
        self.direct = None;
        self
    }

    /// Whether a store opened with `config` takes the direct path.
    pub fn direct_path_supported(config: &StoreConfig) -> bool {
        Direct::supports(config)
    }

    /// Whether batch reads and writes take the direct path (src/wire).
    pub fn uses_direct_path(&self) -> bool {
        self.direct.is_some()
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> &StoreConfig {
        self.layout.config()
    }

    /// The store's live counters (see [`Metrics`]).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The record layout (namespace/set resolution).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    fn check_open(&self, op: &str) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            Err(Error::new(
                ErrorKind::Closed,
                format!("{op}: the store is closed"),
            ))
        } else {
            Ok(())
        }
    }

    /// Run one batch on the store's runtime and hand the rows back.
    async fn run_batch(
        &self,
        policy: BatchPolicy,
        mut ops: Vec<BatchOperation>,
    ) -> Result<(
        Vec<BatchOperation>,
        std::result::Result<(), aerospike::Error>,
    )> {
        let client = self.client.clone();
        on_runtime("batch", async move {
            let r = client.batch(&policy, &mut ops).await;
            (ops, r)
        })
        .await
    }

    /// Close the cluster connections. Idempotent; later operations fail with
    /// `ErrorKind::Closed`.
    pub async fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let client = self.client.clone();
        on_runtime("close", async move { client.close().await })
            .await?
            .map_err(|e| policy::convert_error(&e).context("close"))
    }
}

impl Drop for OnlineStore {
    fn drop(&mut self) {
        // A dropped client keeps its tend task alive (DESIGN.md §4.5).
        if !self.closed.swap(true, Ordering::AcqRel) {
            let client = self.client.clone();
            runtime().spawn(async move {
                let _ = client.close().await;
            });
        }
    }
}
