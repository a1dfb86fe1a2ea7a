//! The online store operations: write_batch, read, update, teardown and
//! close, over one aerospike client, with Feast 0.67's record layout.
//!
//! Every client call runs on the crate's one long-lived runtime
//! ([`crate::runtime::runtime`]), whichever runtime the caller awaits on, so
//! the client's background tasks never outlive the runtime that owns them.
//! Requests are converted on the caller's task; only the ready batch moves
//! to the runtime, and results move back without copies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::{
    AdminPolicy, BatchOperation, BatchPolicy, BatchReadPolicy, BatchWritePolicy, Bins, Client,
    ClientPolicy, Expiration, Host, IndexMap, Key, MapPolicy, ResultCode, Statement,
    Value as AsValue, WritePolicy,
};

use crate::codec::{decode_value, encode_value};
use crate::config::{AuthMode, StoreConfig};
use crate::entity_key::{digest, serialize_entity_key_into};
use crate::error::{Error, ErrorKind, Result};
use crate::event_time;
use crate::layout::{self, Layout, Location, ViewOp};
use crate::metrics::Metrics;
use crate::proto::v1::*;
use crate::runtime::runtime;

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

/// A connected store. Thread-safe: share it behind an `Arc`; any number of
/// callers may read and write concurrently.
pub struct OnlineStore {
    client: Arc<Client>,
    layout: Layout,
    closed: AtomicBool,
    map_policy: MapPolicy,
    batch_read_policy: BatchReadPolicy,
    batch_write_policy: BatchWritePolicy,
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

/// Where a row landed in a batch: its index in the request.
struct Pending {
    ops: Vec<BatchOperation>,
    rows: Vec<u32>,
}

impl OnlineStore {
    /// Connect to the cluster named by `config`. Fails with
    /// [`ErrorKind::Connection`] naming the seed hosts when none answers.
    pub async fn connect(config: StoreConfig) -> Result<Self> {
        let policy = client_policy(&config)?;
        let hosts: Vec<Host> = config
            .hosts
            .iter()
            .map(|h| match &h.tls_name {
                Some(name) => Host::new_tls(&h.host, name, h.port),
                None => Host::new(&h.host, h.port),
            })
            .collect();
        let names: Vec<String> = config.hosts.iter().map(ToString::to_string).collect();
        let client = runtime()
            .spawn(async move { Client::new(&policy, &hosts).await })
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, format!("connect task failed: {e}")))?
            .map_err(|e| {
                Error::new(
                    ErrorKind::Connection,
                    format!("connect to [{}]: {e}", names.join(", ")),
                )
            })?;
        let ttl = match config.ttl_seconds {
            None => Expiration::NamespaceDefault,
            Some(0) => Expiration::Never,
            Some(n) => Expiration::Seconds(n),
        };
        let batch_write_policy = BatchWritePolicy {
            expiration: ttl,
            ..BatchWritePolicy::default()
        };
        Ok(OnlineStore {
            client: Arc::new(client),
            layout: Layout::new(config),
            closed: AtomicBool::new(false),
            map_policy: layout::ordered_map_policy(),
            batch_read_policy: BatchReadPolicy::default(),
            batch_write_policy,
            metrics: Metrics::default(),
        })
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> &StoreConfig {
        self.layout.config()
    }

    /// The store's live counters (see [`crate::metrics`]).
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

    fn batch_policy(&self, deadline: Option<Instant>, op: &str) -> Result<BatchPolicy> {
        batch_policy(self.config(), deadline, op)
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
        runtime()
            .spawn(async move {
                let r = client.batch(&policy, &mut ops).await;
                (ops, r)
            })
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, format!("batch task failed: {e}")))
    }

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
                    }),
                }
            }
            if !pending.ops.is_empty() {
                match self.batch_policy(deadline, "write_batch") {
                    Err(e) => {
                        for &index in &pending.rows {
                            response.failures.push(RowFailure {
                                row_index: index,
                                result_code: i32::from(u8::from(ResultCode::Timeout)),
                                message: format!(
                                    "write_batch {} {loc}: row {index} not sent: {}",
                                    view.name,
                                    e.message()
                                ),
                                in_doubt: false,
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

    /// Read one or more feature views for the same entities. Views sharing a
    /// (namespace, set) are fetched together, one batch round trip per chunk.
    pub async fn read(&self, request: &ReadRequest) -> Result<ReadResponse> {
        let entities = request.entity_keys.len();
        (self.metrics)
            .read(entities, self.read_unmetered(request))
            .await
    }

    async fn read_unmetered(&self, request: &ReadRequest) -> Result<ReadResponse> {
        self.check_open("read")?;
        let deadline = deadline(request.timeout_ms);
        let version = self.config().entity_key_serialization_version;
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(request.entity_keys.len());
        for (i, k) in request.entity_keys.iter().enumerate() {
            let mut buf = Vec::with_capacity(64);
            serialize_entity_key_into(k, version, &mut buf)
                .map_err(|e| e.context(format!("read: entity_keys[{i}]")))?;
            keys.push(buf);
        }
        let mut plans: Vec<ViewPlan<'_>> = Vec::with_capacity(request.views.len());
        for (i, vr) in request.views.iter().enumerate() {
            let view = vr
                .feature_view
                .as_ref()
                .filter(|v| !v.name.is_empty())
                .ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "read: views[{i}].feature_view.name is required"
                    ))
                })?;
            plans.push(ViewPlan::new(view, &vr.requested_features));
        }
        let mut results: Vec<ViewResult> = plans
            .iter()
            .map(|p| ViewResult {
                feature_view: p.name.to_string(),
                feature_names: p.names.clone(),
                rows: vec![EntityRow::default(); keys.len()],
            })
            .collect();
        if keys.is_empty() {
            return Ok(ReadResponse { views: results });
        }
        // Group views by location, in first-seen order.
        let mut groups: Vec<(Location, Vec<usize>)> = Vec::new();
        for (i, p) in plans.iter().enumerate() {
            let loc = self.layout.location_for(p.name);
            match groups.iter_mut().find(|(l, _)| *l == loc) {
                Some((_, members)) => members.push(i),
                None => groups.push((loc, vec![i])),
            }
        }
        let chunk_size = self.config().batch_max_records;
        for (loc, members) in &groups {
            let view_ops: Vec<(&str, ViewOp<'_>)> = members
                .iter()
                .map(|&i| (plans[i].name, plans[i].view_op()))
                .collect();
            let any_projected = view_ops
                .iter()
                .any(|(_, op)| matches!(op, ViewOp::Projected(_)));
            let indexes: Vec<usize> = (0..keys.len()).collect();
            for chunk in indexes.chunks(chunk_size) {
                let retry = self
                    .read_chunk(
                        loc,
                        &keys,
                        chunk,
                        &view_ops,
                        true,
                        members,
                        &plans,
                        &mut results,
                        deadline,
                    )
                    .await?;
                if any_projected && !retry.is_empty() {
                    // Some record lacks a projected view's slot: read those
                    // records again without map-key contexts.
                    self.read_chunk(
                        loc,
                        &keys,
                        &retry,
                        &view_ops,
                        false,
                        members,
                        &plans,
                        &mut results,
                        deadline,
                    )
                    .await?;
                }
            }
        }
        Ok(ReadResponse { views: results })
    }

    /// Read one chunk of entities for the views of one location. Returns the
    /// entity indexes that answered 26 while map-key contexts were in use.
    #[allow(clippy::too_many_arguments)]
    async fn read_chunk(
        &self,
        loc: &Location,
        keys: &[Vec<u8>],
        chunk: &[usize],
        view_ops: &[(&str, ViewOp<'_>)],
        allow_ctx: bool,
        members: &[usize],
        plans: &[ViewPlan<'_>],
        results: &mut [ViewResult],
        deadline: Option<Instant>,
    ) -> Result<Vec<usize>> {
        let ops = layout::read_ops(view_ops, allow_ctx);
        let uses_ctx = allow_ctx
            && view_ops
                .iter()
                .any(|(_, op)| matches!(op, ViewOp::Projected(_)));
        let batch: Vec<BatchOperation> = chunk
            .iter()
            .map(|&e| {
                let key = Key::with_digest(
                    loc.namespace.clone(),
                    loc.set_name.clone(),
                    None,
                    digest(&loc.set_name, &keys[e]),
                );
                BatchOperation::read_ops(&self.batch_read_policy, key, ops.clone())
            })
            .collect();
        let policy = self.batch_policy(deadline, "read")?;
        let (mut batch, call) = self.run_batch(policy, batch).await?;
        let views_ctx = || {
            let names: Vec<&str> = view_ops.iter().map(|(n, _)| *n).collect();
            format!("read {} {loc}", names.join(","))
        };
        let mut retry = Vec::new();
        for (j, op) in batch.iter_mut().enumerate() {
            let entity = chunk[j];
            match op.result_code() {
                Some(ResultCode::Ok) => {
                    let Some(record) = op.take_record() else {
                        continue;
                    };
                    place_record(record, allow_ctx, view_ops, members, plans, results, entity)
                        .map_err(|e| e.context(format!("{} entity {entity}", views_ctx())))?;
                }
                Some(ResultCode::KeyNotFoundError) => {}
                Some(ResultCode::OpNotApplicable) => {
                    if uses_ctx {
                        retry.push(entity);
                    }
                }
                Some(rc) => {
                    let detail = op.error().map(ToString::to_string).unwrap_or_default();
                    let code = i32::from(u8::from(rc));
                    let kind = if rc == ResultCode::Timeout {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Server
                    };
                    return Err(Error::new(
                        kind,
                        format!("{}: entity {entity}: {detail}", views_ctx()),
                    )
                    .with_result_code(code));
                }
                None => {
                    let cause = op
                        .error()
                        .or(call.as_ref().err())
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "no answer".into());
                    let kind = call.as_ref().err().map_or(ErrorKind::Internal, error_kind);
                    return Err(Error::new(
                        kind,
                        format!("{}: entity {entity} unanswered: {cause}", views_ctx()),
                    ));
                }
            }
        }
        Ok(retry)
    }

    /// Remove dropped feature views from every record: one background query
    /// per resolved (namespace, set), record TTLs untouched.
    pub async fn update(&self, request: &UpdateRequest) -> Result<UpdateResponse> {
        let views = request.views_to_delete.len();
        (self.metrics)
            .update(views, self.update_unmetered(request))
            .await
    }

    async fn update_unmetered(&self, request: &UpdateRequest) -> Result<UpdateResponse> {
        self.check_open("update")?;
        let mut groups: Vec<(Location, Vec<String>)> = Vec::new();
        for (i, v) in request.views_to_delete.iter().enumerate() {
            if v.name.is_empty() {
                return Err(Error::invalid_argument(format!(
                    "update: views_to_delete[{i}].name is required"
                )));
            }
            let loc = self.layout.location_for(&v.name);
            match groups.iter_mut().find(|(l, _)| *l == loc) {
                Some((_, names)) => {
                    if !names.contains(&v.name) {
                        names.push(v.name.clone())
                    }
                }
                None => groups.push((loc, vec![v.name.clone()])),
            }
        }
        let deadline = deadline(request.timeout_ms);
        let mut response = UpdateResponse::default();
        for (loc, names) in groups {
            let mut statement =
                Statement::new(loc.namespace.clone(), loc.set_name.clone(), Bins::All);
            statement.set_operations(layout::remove_view_ops(&names));
            let mut policy = WritePolicy {
                // Without this the job would stamp a new TTL on every record
                // it touches (DESIGN.md §4.3).
                expiration: Expiration::DontUpdate,
                ..WritePolicy::default()
            };
            policy.base_policy.total_timeout = self.config().write_timeout_ms;
            if let Some(s) = self.config().socket_timeout_ms {
                policy.base_policy.socket_timeout = s;
            }
            let client = self.client.clone();
            let wait = request.wait;
            let wait_for = deadline
                .map(|d| d.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(300));
            let ctx = format!("update {loc} (removing {})", names.join(", "));
            let (task_id, progress) = runtime()
                .spawn(async move {
                    let task = client.query_operate(&policy, statement).await?;
                    let progress = if wait {
                        Some(
                            task.wait_for_progress(Some(wait_for), Duration::from_millis(50))
                                .await?,
                        )
                    } else {
                        None
                    };
                    Ok::<_, aerospike::Error>((task.task_id(), progress))
                })
                .await
                .map_err(|e| Error::new(ErrorKind::Internal, format!("{ctx}: task failed: {e}")))?
                .map_err(|e| convert_error(&e).context(&ctx))?;
            if let Some(p) = &progress {
                if p.failed > 0 {
                    return Err(Error::new(
                        ErrorKind::Server,
                        format!(
                            "{ctx}: background job {task_id} failed on {} record(s)",
                            p.failed
                        ),
                    ));
                }
            }
            response.jobs.push(UpdateJob {
                namespace: loc.namespace,
                set_name: loc.set_name,
                removed_views: names,
                task_id,
                completed: progress.is_some_and(|p| p.complete),
                records_updated: progress.map_or(0, |p| p.succeeded),
            });
        }
        Ok(response)
    }

    /// Truncate the default (namespace, set) and every pair the views
    /// resolve to.
    pub async fn teardown(&self, request: &TeardownRequest) -> Result<TeardownResponse> {
        let views = request.views.len();
        (self.metrics)
            .teardown(views, self.teardown_unmetered(request))
            .await
    }

    async fn teardown_unmetered(&self, request: &TeardownRequest) -> Result<TeardownResponse> {
        self.check_open("teardown")?;
        let mut pairs = std::collections::BTreeSet::new();
        pairs.insert(self.layout.default_location());
        for v in &request.views {
            if v.name.is_empty() {
                return Err(Error::invalid_argument("teardown: a view without a name"));
            }
            pairs.insert(self.layout.location_for(&v.name));
        }
        let timeout = match request.timeout_ms {
            0 => self.config().write_timeout_ms.max(1000),
            t => t,
        };
        let mut response = TeardownResponse::default();
        for loc in pairs {
            let client = self.client.clone();
            let (ns, set) = (loc.namespace.clone(), loc.set_name.clone());
            runtime()
                .spawn(async move {
                    client
                        .truncate(&AdminPolicy { timeout }, &ns, &set, 0)
                        .await
                })
                .await
                .map_err(|e| Error::new(ErrorKind::Internal, format!("teardown task failed: {e}")))?
                .map_err(|e| convert_error(&e).context(format!("teardown: truncate {loc}")))?;
            response.truncated.push(SetRef {
                namespace: loc.namespace,
                set_name: loc.set_name,
            });
        }
        Ok(response)
    }

    /// Close the cluster connections. Idempotent; later operations fail with
    /// `ErrorKind::Closed`.
    pub async fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let client = self.client.clone();
        runtime()
            .spawn(async move { client.close().await })
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, format!("close task failed: {e}")))?
            .map_err(|e| convert_error(&e).context("close"))
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

/// A row's features as the plain map stored in the view's slot.
pub fn encode_row_features(
    row: &WriteRow,
) -> std::result::Result<IndexMap<AsValue, AsValue>, String> {
    let mut features = IndexMap::with_capacity(row.values.len());
    // `values` is a BTreeMap: key order, the order Python's dict has.
    for (name, value) in &row.values {
        let v = encode_value(value).map_err(|e| format!("feature {name:?}: {e}"))?;
        features.insert(AsValue::String(name.clone()), v);
    }
    Ok(features)
}

/// One view of a read: its output columns and how to decode a stored slot
/// into them. Public for benchmarks and tools; the store builds one per view
/// and request.
pub struct ViewPlan<'a> {
    name: &'a str,
    names: Vec<String>,
    types: Vec<i32>,
    index: HashMap<&'a str, usize>,
    /// (column, first column of the same name) for repeated names.
    duplicates: Vec<(usize, usize)>,
    projected: bool,
    requested: &'a [String],
}

impl<'a> ViewPlan<'a> {
    /// Plan for `view` returning `requested` (empty: every declared feature).
    pub fn new(view: &'a FeatureView, requested: &'a [String]) -> Self {
        let declared: HashMap<&str, i32> = view
            .features
            .iter()
            .map(|f| (f.name.as_str(), f.value_type))
            .collect();
        let (names, projected): (Vec<&'a str>, bool) = if requested.is_empty() {
            (
                view.features.iter().map(|f| f.name.as_str()).collect(),
                false,
            )
        } else {
            (requested.iter().map(String::as_str).collect(), true)
        };
        let mut index = HashMap::with_capacity(names.len());
        let mut duplicates = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let first = *index.entry(*n).or_insert(i);
            if first != i {
                duplicates.push((i, first));
            }
        }
        ViewPlan {
            name: view.name.as_str(),
            types: names
                .iter()
                .map(|n| declared.get(n).copied().unwrap_or(0))
                .collect(),
            names: names.iter().map(|s| s.to_string()).collect(),
            index,
            duplicates,
            projected,
            requested,
        }
    }

    fn view_op(&self) -> ViewOp<'a> {
        if self.projected {
            ViewOp::Projected(self.requested)
        } else {
            ViewOp::Whole
        }
    }

    /// Decode a view's stored slot (a map, or key/value pairs) into `row`,
    /// marking it found.
    pub fn fill(&self, row: &mut EntityRow, entries: AsValue) -> Result<()> {
        row.found = true;
        row.values = vec![Value::default(); self.names.len()];
        let mut result: Result<()> = Ok(());
        for_each_pair(entries, |k, v| {
            if result.is_err() {
                return;
            }
            let AsValue::String(name) = k else { return };
            let Some(&i) = self.index.get(name.as_str()) else {
                return;
            };
            match decode_value(v, self.types[i]) {
                Ok(value) => row.values[i] = value,
                Err(e) => {
                    result = Err(Error::decode(format!(
                        "feature {:?} of {}: {e}",
                        name, self.name
                    )));
                }
            }
        })?;
        result?;
        // A feature requested twice gets the same value in both columns.
        for &(j, first) in &self.duplicates {
            row.values[j] = row.values[first].clone();
        }
        Ok(())
    }
}

/// Put one record's answers into the rows of the group's views.
fn place_record(
    record: aerospike::Record,
    allow_ctx: bool,
    view_ops: &[(&str, ViewOp<'_>)],
    members: &[usize],
    plans: &[ViewPlan<'_>],
    results: &mut [ViewResult],
    entity: usize,
) -> Result<()> {
    let mut bins = record.bins;
    let features = bins
        .swap_remove(layout::FEATURES_BIN)
        .unwrap_or(AsValue::Nil);
    let event_ts = bins
        .swap_remove(layout::EVENT_TS_BIN)
        .unwrap_or(AsValue::Nil);
    let has_whole = view_ops
        .iter()
        .any(|(_, op)| !allow_ctx || matches!(op, ViewOp::Whole));
    let n_projected = if allow_ctx {
        view_ops
            .iter()
            .filter(|(_, op)| matches!(op, ViewOp::Projected(_)))
            .count()
    } else {
        0
    };
    let n_ops = usize::from(has_whole) + n_projected;
    let mut answers: Vec<AsValue> = match features {
        AsValue::MultiResult(v) => v,
        AsValue::Nil => Vec::new(),
        other => vec![other],
    };
    if answers.len() != n_ops {
        return Err(Error::decode(format!(
            "expected {n_ops} answer(s) for the features bin, got {}",
            answers.len()
        )));
    }
    let mut answers = answers.drain(..);
    if has_whole {
        let whole = answers.next().unwrap_or(AsValue::Nil);
        for (view_name, submap) in into_pairs(whole)? {
            let AsValue::String(view_name) = view_name else {
                continue;
            };
            let targets: Vec<usize> = members
                .iter()
                .enumerate()
                .filter(|(pos, &m)| {
                    (!allow_ctx || matches!(view_ops[*pos].1, ViewOp::Whole))
                        && plans[m].name == view_name
                })
                .map(|(_, &m)| m)
                .collect();
            // The same view listed twice needs its own copy; the last (usually
            // only) one takes the stored value without a copy.
            if let Some((&last, rest)) = targets.split_last() {
                for &m in rest {
                    plans[m].fill(&mut results[m].rows[entity], submap.clone())?;
                }
                plans[last].fill(&mut results[last].rows[entity], submap)?;
            }
        }
    }
    if allow_ctx {
        for (pos, &m) in members.iter().enumerate() {
            if matches!(view_ops[pos].1, ViewOp::Projected(_)) {
                let projected = answers.next().unwrap_or(AsValue::Nil);
                plans[m].fill(&mut results[m].rows[entity], projected)?;
            }
        }
    }
    for (view_name, ms) in into_pairs(event_ts)? {
        let AsValue::String(view_name) = view_name else {
            continue;
        };
        let AsValue::Int(ms) = ms else { continue };
        for &m in members {
            if plans[m].name == view_name && results[m].rows[entity].found {
                results[m].rows[entity].event_timestamp = Some(ms_to_timestamp(ms));
            }
        }
    }
    Ok(())
}

/// Visit key/value pairs in place, without collecting them first: a stored
/// slot decodes as a map, a KEY_VALUE answer as `KeyValueList`.
fn for_each_pair(v: AsValue, mut f: impl FnMut(AsValue, AsValue)) -> Result<()> {
    match v {
        AsValue::Nil => {}
        AsValue::KeyValueList(pairs) => pairs.into_iter().for_each(|(k, v)| f(k, v)),
        AsValue::OrderedMap(m) => m.into_iter().for_each(|(k, v)| f(k, v)),
        AsValue::SortedMap(m) => m.into_iter().for_each(|(k, v)| f(k, v)),
        AsValue::HashMap(m) => m.into_iter().for_each(|(k, v)| f(k, v)),
        other => {
            for (k, v) in into_pairs(other)? {
                f(k, v);
            }
        }
    }
    Ok(())
}

/// Key/value results: KEY_VALUE answers arrive as `KeyValueList`
/// (DESIGN.md §4.2); accept a map or a flat `[k, v, ...]` list too.
fn into_pairs(v: AsValue) -> Result<Vec<(AsValue, AsValue)>> {
    Ok(match v {
        AsValue::Nil => Vec::new(),
        AsValue::KeyValueList(pairs) => pairs,
        AsValue::OrderedMap(m) => m.into_iter().collect(),
        AsValue::SortedMap(m) => m.into_iter().collect(),
        AsValue::HashMap(m) => m.into_iter().collect(),
        AsValue::List(items) if items.len() % 2 == 0 => {
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        other => {
            return Err(Error::decode(format!(
                "expected key/value pairs, got a stored {}",
                crate::codec::label(&other)
            )))
        }
    })
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
        match op.result_code() {
            Some(ResultCode::Ok) => response.rows_written += 1,
            Some(ResultCode::FilteredOut) => response.skipped_stale_rows.push(index),
            rc => {
                let cause = op
                    .error()
                    .or(call_error.as_ref())
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "the server did not answer".into());
                // Unanswered rows of a failed call may have been applied.
                let in_doubt = op.in_doubt()
                    || (rc.is_none() && call_error.as_ref().is_none_or(aerospike::Error::in_doubt));
                response.failures.push(RowFailure {
                    row_index: index,
                    result_code: rc.map_or(-1, |rc| i32::from(u8::from(rc))),
                    message: format!("write_batch {view} {loc}: row {index}: {cause}"),
                    in_doubt,
                });
            }
        }
    }
}

/// The batch policy of every read and write: Feast's batch timeout, retries
/// and socket timeout, capped by the request's own deadline.
fn batch_policy(cfg: &StoreConfig, deadline: Option<Instant>, op: &str) -> Result<BatchPolicy> {
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
    Ok(policy)
}

fn deadline(timeout_ms: u32) -> Option<Instant> {
    (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(u64::from(timeout_ms)))
}

/// Epoch milliseconds of a protobuf timestamp (nanos truncated).
pub fn timestamp_to_ms(ts: &prost_types::Timestamp) -> i64 {
    ts.seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(ts.nanos.div_euclid(1_000_000)))
}

/// The protobuf timestamp of epoch milliseconds.
pub fn ms_to_timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

fn error_kind(e: &aerospike::Error) -> ErrorKind {
    use aerospike::ErrorKind as K;
    match e.kind() {
        K::Timeout => ErrorKind::Timeout,
        K::Server { rc, .. } if *rc == ResultCode::Timeout => ErrorKind::Timeout,
        K::Server { .. } => ErrorKind::Server,
        K::Connection
        | K::ConnectionPoolEmpty
        | K::NoMoreConnections
        | K::MaxErrorRate
        | K::InvalidNode => ErrorKind::Connection,
        K::InvalidArgument | K::InvalidNamespace => ErrorKind::InvalidArgument,
        _ => ErrorKind::Internal,
    }
}

fn convert_error(e: &aerospike::Error) -> Error {
    let err = Error::new(error_kind(e), e.to_string());
    match e.server_result_code() {
        Some(rc) => err.with_result_code(i32::from(u8::from(rc))),
        None => err,
    }
}

fn client_policy(config: &StoreConfig) -> Result<ClientPolicy> {
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

    #[test]
    fn timestamps_round_trip_in_milliseconds() {
        for ms in [0i64, 1, 999, 1_776_688_245_123, -1, -1001] {
            assert_eq!(timestamp_to_ms(&ms_to_timestamp(ms)), ms);
        }
        let ts = prost_types::Timestamp {
            seconds: 1_776_688_245,
            nanos: 123_999_999,
        };
        assert_eq!(timestamp_to_ms(&ts), 1_776_688_245_123);
    }
}
