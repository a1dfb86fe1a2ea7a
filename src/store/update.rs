//! update (remove dropped feature views from every record, as background
//! jobs) and teardown (truncate every set the store's views use).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aerospike::{AdminPolicy, Bins, Expiration, Statement, WritePolicy};

use super::policy::{capped_ms, convert_error, deadline, time_left};
use super::{within, OnlineStore};
use crate::error::{Error, ErrorKind, Result};
use crate::layout::{self, Location};
use crate::proto::v1::*;

impl OnlineStore {
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
            let ctx = format!("update {loc} (removing {})", names.join(", "));
            let budget = time_left(deadline).map_err(|e| e.context(&ctx))?;
            policy.base_policy.total_timeout = capped_ms(self.config().write_timeout_ms, budget);
            if let Some(s) = self.config().socket_timeout_ms {
                policy.base_policy.socket_timeout = s.min(policy.base_policy.total_timeout);
            }
            let client = self.client.clone();
            let wait = request.wait;
            let (task_id, progress) = within(budget, &ctx, async move {
                let task = client.query_operate(&policy, statement).await?;
                let progress = if wait {
                    // The wait gets what the start of the job left over.
                    let wait_for = deadline
                        .map(|d| d.saturating_duration_since(Instant::now()))
                        .unwrap_or(Duration::from_secs(300));
                    Some(
                        task.wait_for_progress(Some(wait_for), Duration::from_millis(50))
                            .await?,
                    )
                } else {
                    None
                };
                Ok::<_, aerospike::Error>((task.task_id(), progress))
            })
            .await?
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
        let mut pairs = BTreeSet::new();
        pairs.insert(self.layout.default_location());
        for v in &request.views {
            if v.name.is_empty() {
                return Err(Error::invalid_argument("teardown: a view without a name"));
            }
            pairs.insert(self.layout.location_for(&v.name));
        }
        // One deadline for the whole call, not one timeout per set.
        let deadline = deadline(match request.timeout_ms {
            0 => self.config().write_timeout_ms.max(1000),
            t => t,
        });
        let mut response = TeardownResponse::default();
        for loc in pairs {
            let ctx = format!("teardown: truncate {loc}");
            let budget = time_left(deadline).map_err(|e| e.context(&ctx))?;
            let timeout = capped_ms(u32::MAX, budget);
            let client = self.client.clone();
            let (ns, set) = (loc.namespace.clone(), loc.set_name.clone());
            within(budget, &ctx, async move {
                client
                    .truncate(&AdminPolicy { timeout }, &ns, &set, 0)
                    .await
            })
            .await?
            .map_err(|e| convert_error(&e).context(&ctx))?;
            response.truncated.push(SetRef {
                namespace: loc.namespace,
                set_name: loc.set_name,
            });
        }
        Ok(response)
    }
}
