//! Running one batch over the cluster: rows grouped by the node that
//! masters their partition, one command per node sent before any answer is
//! read (the nodes work in parallel while the caller's thread decodes),
//! retries of the rows whose node failed, spaced across the deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cluster::{remaining, Cluster, NetError, Node};
use super::command::{self, BatchBuilder, Frame, Ops, TYPE_MSG};

/// Result code 11: the partition is not available on that node (a
/// migration or a node leaving): retried on the new owner.
const RC_PARTITION_UNAVAILABLE: u8 = 11;

/// Timeouts and retries of one call.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub deadline: Instant,
    pub socket_timeout: Duration,
    pub max_retries: u32,
}

/// What a batch does with its rows.
pub trait BatchOp {
    /// Append rows `rows` (indexes into the caller's rows) to the command.
    fn encode(&mut self, b: &mut BatchBuilder<'_>, rows: &[usize]) -> Result<(), String>;
    /// About how many bytes `encode` appends for `rows`, so the command's
    /// buffer is sized once (0: no idea, grown as needed).
    fn size_hint(&self, _rows: &[usize]) -> usize {
        0
    }
    /// A row's answer. `resent`: the row was sent more than once, so an
    /// earlier attempt may have been applied.
    fn answered(
        &mut self,
        row: usize,
        result_code: u8,
        ops: Ops<'_>,
        resent: bool,
    ) -> Result<(), String>;
}

/// Why a batch could not run at all.
#[derive(Debug)]
pub enum RunError {
    /// No node serves the namespace.
    UnknownNamespace(String),
    /// An answer could not be decoded.
    Decode(String),
}

/// A row the cluster did not answer.
#[derive(Debug, Clone)]
pub struct Unanswered {
    pub row: usize,
    pub error: NetError,
    /// The batch's own result code, when the server refused the batch.
    pub result_code: Option<u8>,
    /// The row reached a server at least once.
    pub sent: bool,
}

/// Run `op` for `rows` (with their digests) in `namespace`. Rows answered
/// go to `op.answered`; the rest come back with their last failure.
pub fn run(
    cluster: &Cluster,
    namespace: &str,
    digests: &[[u8; 20]],
    rows: &[usize],
    op: &mut impl BatchOp,
    policy: Policy,
) -> Result<Vec<Unanswered>, RunError> {
    let mut pending: Vec<usize> = rows.to_vec();
    let mut sends = vec![0u8; digests.len()];
    let mut failed: Vec<Unanswered> = Vec::new();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut attempt = 0u32;
    loop {
        failed.clear();
        let router = match cluster.router(attempt > 0, policy.deadline) {
            Ok(r) => Some(r),
            Err(e) => {
                failed.extend(pending.iter().map(|&row| Unanswered {
                    row,
                    error: e.clone(),
                    result_code: None,
                    sent: sends[row] > 0,
                }));
                None
            }
        };
        if let Some(router) = router {
            let mut groups: Vec<Vec<usize>> = vec![Vec::new(); router.nodes()];
            for &row in &pending {
                match router.node(namespace, &digests[row]) {
                    None => {
                        return Err(RunError::UnknownNamespace(format!(
                            "namespace {namespace:?} is not served by the cluster"
                        )))
                    }
                    Some(None) => failed.push(Unanswered {
                        row,
                        error: NetError {
                            timeout: false,
                            sent: false,
                            message: format!(
                                "partition {} of {namespace} has no master",
                                command::partition_id(&digests[row])
                            ),
                        },
                        result_code: None,
                        sent: sends[row] > 0,
                    }),
                    Some(Some(node)) => groups[router.index_of(node)].push(row),
                }
            }
            frames.resize_with(groups.len(), Vec::new);
            // Send every node its command, then read the answers.
            let mut sent: Vec<Option<(Arc<Node>, super::cluster::Conn)>> =
                Vec::with_capacity(groups.len());
            for (g, group) in groups.iter().enumerate() {
                if group.is_empty() {
                    sent.push(None);
                    continue;
                }
                let node = router.node_at(g).clone();
                let server_ms = remaining(policy.deadline)
                    .map_or(1, |d| d.as_millis().clamp(1, u128::from(u32::MAX)) as u32);
                frames[g].reserve(op.size_hint(group) + 64);
                // One row for this node: a single-record command (command.rs).
                let mut b = if group.len() == 1 {
                    BatchBuilder::single(&mut frames[g], server_ms)
                } else {
                    BatchBuilder::new(&mut frames[g], server_ms)
                };
                op.encode(&mut b, group).map_err(RunError::Decode)?;
                b.finish();
                let io = io_timeout(&policy);
                let outcome = node
                    .take(policy.deadline)
                    .and_then(|mut c| c.send(&frames[g], io, node.label()).map(|_| c));
                match outcome {
                    Ok(conn) => {
                        group
                            .iter()
                            .for_each(|&r| sends[r] = sends[r].saturating_add(1));
                        sent.push(Some((node, conn)));
                    }
                    Err(e) => {
                        if e.sent {
                            group
                                .iter()
                                .for_each(|&r| sends[r] = sends[r].saturating_add(1));
                        }
                        fail_all(&mut failed, group, &e, None, &sends);
                        sent.push(None);
                    }
                }
            }
            for (g, slot) in sent.into_iter().enumerate() {
                let Some((node, mut conn)) = slot else {
                    continue;
                };
                let group = &groups[g];
                let mut answered = vec![false; group.len()];
                match receive(&mut conn, &node, group, &mut answered, &sends, op, &policy) {
                    Ok(0) => node.give_back(conn),
                    Ok(rc) => {
                        let e = NetError {
                            timeout: rc == 9,
                            sent: true,
                            message: format!(
                                "{} refused the batch: result code {rc}",
                                node.label()
                            ),
                        };
                        let rest: Vec<usize> = unanswered(group, &answered);
                        fail_all(&mut failed, &rest, &e, Some(rc), &sends);
                        node.give_back(conn);
                    }
                    Err(Failure::Net(e)) => {
                        let rest: Vec<usize> = unanswered(group, &answered);
                        fail_all(&mut failed, &rest, &e, None, &sends);
                    }
                    Err(Failure::Op(m)) => return Err(RunError::Decode(m)),
                    Err(Failure::Retry(rows)) => {
                        let e = NetError {
                            timeout: false,
                            sent: true,
                            message: format!("{}: partition unavailable", node.label()),
                        };
                        fail_all(
                            &mut failed,
                            &rows,
                            &e,
                            Some(RC_PARTITION_UNAVAILABLE),
                            &sends,
                        );
                        let rest: Vec<usize> = unanswered(group, &answered);
                        fail_all(&mut failed, &rest, &e, None, &sends);
                        node.give_back(conn);
                    }
                }
            }
        }
        if failed.is_empty() {
            return Ok(failed);
        }
        // A batch the server refused outright is not retried.
        if attempt >= policy.max_retries
            || failed.iter().all(|f| {
                f.result_code
                    .is_some_and(|rc| rc != RC_PARTITION_UNAVAILABLE)
            })
        {
            return Ok(failed);
        }
        let Some(left) = remaining(policy.deadline) else {
            return Ok(failed);
        };
        // Space the retries over what is left of the deadline, so a short
        // network blip is ridden out instead of failing every retry at once.
        let retries_left = policy.max_retries - attempt;
        std::thread::sleep(left / (retries_left + 1));
        attempt += 1;
        pending = failed.iter().map(|f| f.row).collect();
    }
}

fn io_timeout(policy: &Policy) -> Duration {
    remaining(policy.deadline)
        .unwrap_or(Duration::from_millis(1))
        .min(policy.socket_timeout)
}

fn unanswered(group: &[usize], answered: &[bool]) -> Vec<usize> {
    group
        .iter()
        .zip(answered)
        .filter(|(_, a)| !**a)
        .map(|(r, _)| *r)
        .collect()
}

fn fail_all(
    failed: &mut Vec<Unanswered>,
    rows: &[usize],
    e: &NetError,
    rc: Option<u8>,
    sends: &[u8],
) {
    failed.extend(rows.iter().map(|&row| Unanswered {
        row,
        error: e.clone(),
        result_code: rc,
        sent: sends[row] > 0,
    }));
}

enum Failure {
    Net(NetError),
    Op(String),
    /// Rows answered "partition unavailable": retried elsewhere.
    Retry(Vec<usize>),
}

/// Read one node's answer. Ok(0) when every row was answered, Ok(rc) when
/// the server ended the batch with a result code of its own.
fn receive(
    conn: &mut super::cluster::Conn,
    node: &Node,
    group: &[usize],
    answered: &mut [bool],
    sends: &[u8],
    op: &mut impl BatchOp,
    policy: &Policy,
) -> Result<u8, Failure> {
    let label = node.label();
    if let [row] = *group {
        let io = io_timeout(policy);
        let (ty, body) = conn.recv(io, label).map_err(Failure::Net)?;
        if ty != TYPE_MSG {
            return Err(Failure::Net(NetError::protocol(
                format!("single-record command answered with frame type {ty}"),
                label,
            )));
        }
        let rec =
            command::parse_single(body).map_err(|m| Failure::Net(NetError::protocol(m, label)))?;
        answered[0] = true;
        if rec.result_code == RC_PARTITION_UNAVAILABLE {
            return Err(Failure::Retry(vec![row]));
        }
        op.answered(row, rec.result_code, rec.ops, sends[row] > 1)
            .map_err(Failure::Op)?;
        return Ok(0);
    }
    let mut retry = Vec::new();
    loop {
        let io = io_timeout(policy);
        let (ty, body) = conn.recv(io, label).map_err(Failure::Net)?;
        if ty != TYPE_MSG {
            return Err(Failure::Net(NetError::protocol(
                format!("batch answered with frame type {ty}"),
                label,
            )));
        }
        let mut op_error = None;
        let frame = command::parse_frame(body, |rec| {
            let i = rec.index as usize;
            let Some(&row) = group.get(i) else {
                return Err(format!("answer for batch index {i} of {}", group.len()));
            };
            answered[i] = true;
            if rec.result_code == RC_PARTITION_UNAVAILABLE {
                retry.push(row);
                return Ok(());
            }
            if let Err(e) = op.answered(row, rec.result_code, rec.ops, sends[row] > 1) {
                op_error = Some(e);
            }
            Ok(())
        })
        .map_err(|m| Failure::Net(NetError::protocol(m, label)))?;
        if let Some(e) = op_error {
            return Err(Failure::Op(e));
        }
        if let Frame::Last(rc) = frame {
            if !retry.is_empty() {
                return Err(Failure::Retry(retry));
            }
            return Ok(rc);
        }
    }
}
