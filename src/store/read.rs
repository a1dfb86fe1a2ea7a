//! read: the entity keys and views of a request, grouped by location and
//! fetched one batch round trip per chunk; each record is decoded into the
//! rows of its views by the [`ViewPlan`]s of [`super::plan`].

use std::time::Instant;

use aerospike::{BatchOperation, Key, ResultCode};

use super::plan::{place_record, ViewPlan};
use super::policy::deadline;
use super::OnlineStore;
use crate::classify::{classify_error, Class};
use crate::entity_key::{digest, serialize_entity_key_into};
use crate::error::{Error, ErrorKind, Result};
use crate::layout::{self, Location, ViewOp};
use crate::proto::v1::*;
use crate::wire::{Direct, ReadRequestRef};
use prost::Message as _;

/// The views of one location in a read, and what every chunk of it needs.
pub(super) struct GroupRead<'a> {
    pub loc: &'a Location,
    /// Serialized entity keys of the whole request.
    pub keys: &'a [Vec<u8>],
    /// (view name, operation) of each member, in member order.
    pub view_ops: &'a [(&'a str, ViewOp<'a>)],
    /// Indexes of the group's views in `plans` (and the results).
    pub members: &'a [usize],
    pub plans: &'a [ViewPlan<'a>],
    pub deadline: Option<Instant>,
}

impl OnlineStore {
    /// Read one or more feature views for the same entities. Views sharing a
    /// (namespace, set) are fetched together, one batch round trip per chunk.
    ///
    /// On the direct path (src/wire) this does blocking socket I/O on the
    /// calling thread, with no task hand-off: from async code with
    /// latency-sensitive neighbours, call it from `spawn_blocking`.
    pub async fn read(&self, request: &ReadRequest) -> Result<ReadResponse> {
        if self.direct.is_some() {
            let bytes = self.read_encoded(request).await?;
            return ReadResponse::decode(&bytes[..])
                .map_err(|e| Error::new(ErrorKind::Internal, format!("read: response: {e}")));
        }
        let entities = request.entity_keys.len();
        (self.metrics)
            .read(entities, self.read_with_crate(request))
            .await
    }

    /// Read, answering the encoded `ReadResponse` (what the C ABI hands
    /// out): on the direct path the bytes are built straight from the
    /// server's answer.
    pub async fn read_encoded(&self, request: &ReadRequest) -> Result<Vec<u8>> {
        let Some(direct) = &self.direct else {
            let response = (self.metrics)
                .read(request.entity_keys.len(), self.read_with_crate(request))
                .await?;
            return Ok(response.encode_to_vec());
        };
        self.read_direct(direct, &ReadRequestRef::borrow(request))
            .await
    }

    /// [`OnlineStore::read_encoded`] from `ReadRequest` bytes (what the C
    /// ABI hands over). On the direct path the request is read straight
    /// from its bytes (`wire::ReadRequestRef`: no `String` per declared
    /// feature); otherwise decoded. Malformed bytes fail the whole call with
    /// a `Decode` error before anything is sent.
    pub async fn read_encoded_bytes(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        let malformed = |e: &dyn std::fmt::Display| {
            Error::decode(format!(
                "request ({} bytes) is not a valid feast_aerospike.v1.ReadRequest: {e}",
                bytes.len()
            ))
        };
        let Some(direct) = &self.direct else {
            let request = ReadRequest::decode(bytes).map_err(|e| malformed(&e))?;
            return self.read_encoded(&request).await;
        };
        let request = ReadRequestRef::parse(bytes).map_err(|e| malformed(&e))?;
        self.read_direct(direct, &request).await
    }

    /// The direct path's read, whichever form the request came in.
    async fn read_direct(&self, direct: &Direct, request: &ReadRequestRef<'_>) -> Result<Vec<u8>> {
        let entities = request.entity_keys.len();
        let call = async {
            self.check_open("read")?;
            crate::limits::check_read_counts(
                entities,
                request.views.len(),
                request.views.iter().map(|v| {
                    if v.requested.is_empty() {
                        v.features.len()
                    } else {
                        v.requested.len()
                    }
                }),
            )?;
            let keys = self.serialize_keys(&request.entity_keys)?;
            let policy = Direct::policy(self.config(), deadline(request.timeout_ms), "read")?;
            direct.read(request, &keys, policy)
        };
        (self.metrics).read_encoded(entities, call).await
    }

    fn serialize_keys(&self, entity_keys: &[EntityKey]) -> Result<Vec<Vec<u8>>> {
        let version = self.config().entity_key_serialization_version;
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(entity_keys.len());
        for (i, k) in entity_keys.iter().enumerate() {
            let mut buf = Vec::with_capacity(64);
            serialize_entity_key_into(k, version, &mut buf)
                .map_err(|e| e.context(format!("read: entity_keys[{i}]")))?;
            keys.push(buf);
        }
        Ok(keys)
    }

    async fn read_with_crate(&self, request: &ReadRequest) -> Result<ReadResponse> {
        self.check_open("read")?;
        crate::limits::check_read(request)?;
        let deadline = deadline(request.timeout_ms);
        let keys = self.serialize_keys(&request.entity_keys)?;
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
            let group = GroupRead {
                loc,
                keys: &keys,
                view_ops: &view_ops,
                members,
                plans: &plans,
                deadline,
            };
            let indexes: Vec<usize> = (0..keys.len()).collect();
            for chunk in indexes.chunks(chunk_size) {
                let retry = self.read_chunk(&group, chunk, true, &mut results).await?;
                if any_projected && !retry.is_empty() {
                    // Some record lacks a projected view's slot: read those
                    // records again without map-key contexts.
                    self.read_chunk(&group, &retry, false, &mut results).await?;
                }
            }
        }
        Ok(ReadResponse { views: results })
    }

    /// Read one chunk of entities (indexes into `group.keys`) for the views
    /// of one location. Returns the entity indexes that answered 26 while
    /// map-key contexts were in use.
    async fn read_chunk(
        &self,
        group: &GroupRead<'_>,
        chunk: &[usize],
        allow_ctx: bool,
        results: &mut [ViewResult],
    ) -> Result<Vec<usize>> {
        let GroupRead {
            loc,
            keys,
            view_ops,
            ..
        } = *group;
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
        let policy = self.batch_policy(group.deadline, "read")?;
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
                    place_record(record, group, allow_ctx, results, entity)
                        .map_err(|e| e.context(format!("{} entity {entity}", views_ctx())))?;
                }
                Some(ResultCode::KeyNotFoundError) => {}
                Some(ResultCode::OpNotApplicable) => {
                    if uses_ctx {
                        retry.push(entity);
                    }
                }
                rc => {
                    let cause = op.error().or(call.as_ref().err());
                    let class = match cause {
                        Some(e) => classify_error(e, false),
                        None => Class {
                            kind: ErrorKind::Internal,
                            result_code: rc.map_or(-1, |rc| i32::from(u8::from(rc))),
                            in_doubt: false,
                        },
                    };
                    let detail = cause
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "no answer".into());
                    let err = Error::new(
                        class.kind,
                        format!("{}: entity {entity}: {detail}", views_ctx()),
                    );
                    return Err(if class.result_code >= 0 {
                        err.with_result_code(class.result_code)
                    } else {
                        err
                    });
                }
            }
        }
        Ok(retry)
    }
}
