//! AS_MSG commands: single-record reads/writes/operate, batch-index requests,
//! scans/queries and background jobs, answered the way CE 8.1 answers them
//! (see shared/protocol). A structurally malformed message is an `Err` (the
//! connection is closed); a well-formed but invalid one gets a result code.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::cdt::{self, CdtError};
use crate::fault::Faults;
use crate::store::{is_expired, partition_id, Digest, Job, Namespace, Particle, Record, Store};
use crate::wire::*;

pub const RC_OK: u8 = 0;
pub const RC_SERVER_ERROR: u8 = 1;
pub const RC_KEY_NOT_FOUND: u8 = 2;
pub const RC_GENERATION: u8 = 3;
pub const RC_PARAMETER: u8 = 4;
pub const RC_KEY_EXISTS: u8 = 5;
pub const RC_BIN_TYPE: u8 = 12;
pub const RC_RECORD_TOO_BIG: u8 = 13;
pub const RC_UNSUPPORTED: u8 = 16;
pub const RC_INVALID_NAMESPACE: u8 = 20;
pub const RC_BIN_NAME: u8 = 21;
pub const RC_FILTERED_OUT: u8 = 27;

/// Largest frame body a multi-message answer is cut into.
const STREAM_CHUNK: usize = 128 * 1024;

pub struct Context<'a> {
    pub store: &'a Store,
    pub faults: &'a Faults,
    pub peer: SocketAddr,
}

/// Parameters of one record command (a single command or one batch row).
#[derive(Clone, Debug, Default)]
struct RecordCmd {
    namespace: String,
    set: Option<String>,
    key: Option<Vec<u8>>,
    info1: u8,
    info2: u8,
    info3: u8,
    generation: u32,
    record_ttl: u32,
    ops: Vec<Op>,
    /// Filter expression (field 43), evaluated on existing records only.
    filter: Option<Vec<u8>>,
}

struct OpOut {
    op_type: u8,
    name: String,
    /// (particle type, wire bytes), encoded as soon as the value is known
    /// so reads never copy a stored bin.
    value: Option<(u8, Vec<u8>)>,
}

fn enc(p: &Particle) -> (u8, Vec<u8>) {
    (p.particle_type(), p.to_wire())
}

struct RowResult {
    rc: u8,
    generation: u32,
    void_time: u32,
    ops: Vec<OpOut>,
}

impl RowResult {
    fn err(rc: u8) -> Self {
        RowResult {
            rc,
            generation: 0,
            void_time: 0,
            ops: Vec::new(),
        }
    }
}

/// Handles one AS_MSG body; returns the frames to send back.
pub fn handle(ctx: &Context<'_>, body: &[u8]) -> Result<Vec<Vec<u8>>, WireError> {
    let msg = parse_msg(body)?;
    let h = msg.header;
    if h.info1 & INFO1_BATCH != 0 {
        return handle_batch(ctx, &msg);
    }
    if msg.field(FIELD_DIGEST).is_some() {
        return handle_single(ctx, &msg);
    }
    if msg.field(FIELD_NAMESPACE).is_some() {
        return handle_scan(ctx, &msg);
    }
    log(format!(
        "{}: AS_MSG without digest, batch or namespace; answering 4",
        ctx.peer
    ));
    Ok(vec![single_error(RC_PARAMETER)])
}

pub use crate::log::log;

fn single_error(rc: u8) -> Vec<u8> {
    let mut rb = ResponseBuilder::new();
    rb.simple(ReplyHeader {
        result_code: rc,
        ..Default::default()
    });
    rb.finish()
}

fn digest_of(b: &[u8]) -> Result<Digest, WireError> {
    b.try_into()
        .map_err(|_| WireError(format!("digest field of {} bytes, expected 20", b.len())))
}

fn handle_single(ctx: &Context<'_>, msg: &Msg) -> Result<Vec<Vec<u8>>, WireError> {
    let digest = digest_of(msg.field(FIELD_DIGEST).unwrap_or_default())?;
    let ns = match msg.field_str(FIELD_NAMESPACE)? {
        Some(n) => n,
        None => return Ok(vec![single_error(RC_PARAMETER)]),
    };
    let h = msg.header;
    let cmd = RecordCmd {
        namespace: ns,
        set: msg.field_str(FIELD_SET)?,
        key: msg.field(FIELD_KEY).map(|k| k.to_vec()),
        info1: h.info1,
        info2: h.info2,
        info3: h.info3,
        generation: h.generation,
        record_ttl: h.record_ttl,
        ops: msg.ops.clone(),
        filter: msg.field(FIELD_FILTER_EXP).map(<[u8]>::to_vec),
    };
    let r = execute(ctx, &cmd, &digest, false);
    let mut rb = ResponseBuilder::new();
    push_row(&mut rb, &r, 0);
    Ok(vec![rb.finish()])
}

fn push_row(rb: &mut ResponseBuilder, r: &RowResult, index: u32) {
    let ops: Vec<OpResult<'_>> = r
        .ops
        .iter()
        .map(|o| match &o.value {
            Some((particle, value)) => OpResult {
                op_type: o.op_type,
                particle: *particle,
                name: &o.name,
                value,
            },
            None => OpResult {
                op_type: o.op_type,
                particle: 0,
                name: &o.name,
                value: &[],
            },
        })
        .collect();
    rb.message(
        ReplyHeader {
            result_code: r.rc,
            generation: r.generation,
            void_time: r.void_time,
            transaction_ttl: index,
            ..Default::default()
        },
        &[],
        &ops,
    );
}

fn valid_bin_names(ops: &[Op]) -> bool {
    ops.iter().all(|o| o.name.len() <= 15)
}

/// Runs one record command. `batch_read` makes read results carry op type
/// READ, as batch read rows do.
fn execute(ctx: &Context<'_>, cmd: &RecordCmd, digest: &Digest, batch_read: bool) -> RowResult {
    if let Some(rc) = ctx.faults.result_for(&cmd.namespace, digest) {
        return RowResult::err(rc);
    }
    let ns = match ctx.store.namespace(&cmd.namespace) {
        Some(n) => n,
        None => return RowResult::err(RC_INVALID_NAMESPACE),
    };
    if !valid_bin_names(&cmd.ops) {
        return RowResult::err(RC_BIN_NAME);
    }
    if cmd.info2 & INFO2_WRITE != 0 {
        execute_write(ctx, ns, cmd, digest)
    } else if cmd.info1 & INFO1_READ != 0 {
        execute_read(ctx, ns, cmd, digest, batch_read)
    } else {
        RowResult::err(RC_PARAMETER)
    }
}

fn execute_read(
    ctx: &Context<'_>,
    ns: &Namespace,
    cmd: &RecordCmd,
    digest: &Digest,
    batch_read: bool,
) -> RowResult {
    let now = ctx.store.clock.now_cl();
    let recs = ns.records.read().unwrap_or_else(|e| e.into_inner());
    let rec = match recs.get(digest) {
        Some(r) if !is_expired(r, now) => r,
        _ => return RowResult::err(RC_KEY_NOT_FOUND),
    };
    if let Some(rc) = filter_rc(ctx, cmd, rec) {
        return RowResult::err(rc);
    }
    let mut out = RowResult {
        rc: RC_OK,
        generation: rec.generation,
        void_time: rec.void_time,
        ops: Vec::new(),
    };
    if cmd.info1 & INFO1_NOBINDATA != 0 {
        return out;
    }
    if cmd.info1 & INFO1_GET_ALL != 0 || cmd.ops.is_empty() {
        if cmd.ops.is_empty() && cmd.info1 & INFO1_GET_ALL == 0 && !batch_read {
            return RowResult::err(RC_PARAMETER);
        }
        out.ops = all_bins(rec);
        return out;
    }
    let respond_all = cmd.info2 & INFO2_RESPOND_ALL_OPS != 0;
    for op in &cmd.ops {
        let value = match op.op_type {
            OP_READ if op.name.is_empty() => {
                out.ops.extend(all_bins(rec));
                continue;
            }
            OP_READ => rec.bin(&op.name).map(enc),
            OP_CDT_READ => match cdt::cdt_read(rec.bin(&op.name), &op.value) {
                Ok(v) => Particle::from_value(v).as_ref().map(enc),
                Err(e) => return cdt_failure(ctx, e, rec),
            },
            other => {
                log(format!(
                    "{}: op type {other} in a read command; answering 4",
                    ctx.peer
                ));
                return RowResult::err(RC_PARAMETER);
            }
        };
        if respond_all || value.is_some() {
            out.ops.push(OpOut {
                op_type: if batch_read { OP_READ } else { op.op_type },
                name: op.name.clone(),
                value,
            });
        }
    }
    out
}

fn all_bins(rec: &Record) -> Vec<OpOut> {
    rec.bins
        .iter()
        .map(|(n, p)| OpOut {
            op_type: OP_READ,
            name: n.clone(),
            value: Some(enc(p)),
        })
        .collect()
}

/// A failed CDT op fails the whole record command, but the answer still
/// carries the record's generation and void time.
fn cdt_failure(ctx: &Context<'_>, e: CdtError, rec: &Record) -> RowResult {
    if e.code != cdt::RC_OP_NOT_APPLICABLE {
        log(format!(
            "{}: CDT op failed ({}): {}",
            ctx.peer, e.code, e.msg
        ));
    }
    RowResult {
        rc: e.code,
        generation: rec.generation,
        void_time: rec.void_time,
        ops: Vec::new(),
    }
}

/// The server's `is_valid_ttl`: at most 10 years, or never-expire (-1), or
/// do-not-update (-2).
/// The result code of a command whose filter expression rejects `rec`:
/// 27 when filtered out, 4 when the expression cannot be evaluated here.
fn filter_rc(ctx: &Context<'_>, cmd: &RecordCmd, rec: &Record) -> Option<u8> {
    let exp = cmd.filter.as_deref()?;
    match crate::exp::matches(exp, rec) {
        Ok(true) => None,
        Ok(false) => Some(RC_FILTERED_OUT),
        Err(e) => {
            log(format!(
                "{}: filter expression refused, answering 4: {}",
                ctx.peer, e.0
            ));
            Some(RC_PARAMETER)
        }
    }
}

fn valid_ttl(ttl: u32) -> bool {
    ttl <= 3600 * 24 * 365 * 10 || ttl >= 0xFFFF_FFFE
}

fn execute_write(ctx: &Context<'_>, ns: &Namespace, cmd: &RecordCmd, digest: &Digest) -> RowResult {
    if !valid_ttl(cmd.record_ttl) {
        log(format!(
            "{}: invalid ttl {} (more than 10 years); answering 4",
            ctx.peer, cmd.record_ttl
        ));
        return RowResult::err(RC_PARAMETER);
    }
    let now = ctx.store.clock.now_cl();
    let now_ns = ctx.store.clock.now_ns();
    let mut recs = ns.records.write().unwrap_or_else(|e| e.into_inner());
    if recs.get(digest).is_some_and(|r| is_expired(r, now)) {
        recs.remove(digest);
    }
    let existing = recs.get(digest);
    // write.c: the filter applies only to a live record; a write that
    // creates the record is never filtered.
    if let Some(rc) = existing.and_then(|r| filter_rc(ctx, cmd, r)) {
        return RowResult::err(rc);
    }
    if cmd.info2 & INFO2_DELETE != 0 && cmd.ops.is_empty() {
        return match existing {
            None => RowResult::err(RC_KEY_NOT_FOUND),
            Some(r) => {
                if cmd.info2 & INFO2_GENERATION != 0 && r.generation != cmd.generation {
                    return RowResult::err(RC_GENERATION);
                }
                recs.remove(digest);
                RowResult::err(RC_OK)
            }
        };
    }
    if let Some(r) = existing {
        if cmd.info2 & INFO2_CREATE_ONLY != 0 {
            return RowResult::err(RC_KEY_EXISTS);
        }
        if cmd.info2 & INFO2_GENERATION != 0 && r.generation != cmd.generation {
            return RowResult::err(RC_GENERATION);
        }
        if cmd.info2 & INFO2_GENERATION_GT != 0 && cmd.generation <= r.generation {
            return RowResult::err(RC_GENERATION);
        }
    } else {
        if cmd.info3 & (INFO3_UPDATE_ONLY | INFO3_REPLACE_ONLY) != 0 {
            return RowResult::err(RC_KEY_NOT_FOUND);
        }
        if !cmd.ops.is_empty() && cmd.ops.iter().all(|o| o.op_type == OP_TOUCH) {
            return RowResult::err(RC_KEY_NOT_FOUND);
        }
    }
    let mut rec = match existing {
        Some(r) => r.clone(),
        None => Record::new(cmd.set.clone()),
    };
    if existing.is_none() && cmd.set.is_some() {
        rec.set = cmd.set.clone();
    }
    if cmd.key.is_some() {
        rec.key = cmd.key.clone();
    }
    if cmd.info3 & (INFO3_CREATE_OR_REPLACE | INFO3_REPLACE_ONLY) != 0 {
        rec.bins.clear();
    }
    let respond_all = cmd.info2 & INFO2_RESPOND_ALL_OPS != 0;
    let results = match apply_write_ops(&mut rec, &cmd.ops, respond_all) {
        Ok(r) => r,
        Err((rc, msg)) => {
            if rc != cdt::RC_OP_NOT_APPLICABLE {
                log(format!(
                    "{}: write to {}/{} failed ({rc}): {msg}",
                    ctx.peer,
                    cmd.namespace,
                    cmd.set.as_deref().unwrap_or("")
                ));
            }
            return refused(rc, existing);
        }
    };
    if rec.bins.is_empty() {
        // Nothing to delete: write.c answers "not found" for an all-nil put
        // on a record that does not exist.
        if existing.is_none() {
            return RowResult::err(RC_KEY_NOT_FOUND);
        }
        // A record left without bins is deleted.
        recs.remove(digest);
        return RowResult {
            rc: RC_OK,
            generation: 0,
            void_time: 0,
            ops: results,
        };
    }
    let limit = ns
        .max_record_size
        .load(std::sync::atomic::Ordering::Relaxed) as usize;
    if rec.flat_size() > limit {
        // drv_mem.c refuses the write before anything is stored.
        log(format!(
            "{}: record too big for {} (max-record-size {limit}); answering 13",
            ctx.peer, cmd.namespace
        ));
        return refused(RC_RECORD_TOO_BIG, existing);
    }
    let was_new = existing.is_none();
    rec.generation = next_generation(rec.generation);
    match ns.void_time_for(cmd.record_ttl, now) {
        Some(v) => rec.void_time = v,
        None if was_new => {
            rec.void_time = ns.void_time_for(0, now).unwrap_or(0);
        }
        None => {}
    }
    rec.last_update_ns = now_ns;
    let out = RowResult {
        rc: RC_OK,
        generation: rec.generation,
        void_time: rec.void_time,
        ops: results,
    };
    recs.insert(*digest, rec);
    out
}

/// A refused write: the record (if any) is left as it was and its metadata
/// answered.
fn refused(rc: u8, existing: Option<&Record>) -> RowResult {
    let (generation, void_time) = existing
        .map(|r| (r.generation, r.void_time))
        .unwrap_or((0, 0));
    RowResult {
        rc,
        generation,
        void_time,
        ops: Vec::new(),
    }
}

fn next_generation(g: u32) -> u32 {
    // The server keeps a 16-bit generation that skips 0 when it wraps.
    if g >= 0xffff {
        1
    } else {
        g + 1
    }
}

/// Applies write-command ops to a working copy, collecting the results the
/// server would answer (write.c: write ops answer only with respond-all-ops,
/// modify ops when they produce a value, read ops per their kind).
fn apply_write_ops(
    rec: &mut Record,
    ops: &[Op],
    respond_all: bool,
) -> Result<Vec<OpOut>, (u8, String)> {
    let mut out = Vec::new();
    for op in ops {
        let mut push = |value: Option<Particle>, always: bool| {
            let value = value.as_ref().map(enc);
            if respond_all || always || value.is_some() {
                out.push(OpOut {
                    op_type: op.op_type,
                    name: op.name.clone(),
                    value,
                });
            }
        };
        match op.op_type {
            OP_WRITE => {
                let p = Particle::from_wire(op.particle, &op.value)
                    .map_err(|e| (RC_PARAMETER, e.to_string()))?;
                rec.set_bin(&op.name, p);
                if respond_all {
                    push(None, true);
                }
            }
            OP_TOUCH => {}
            OP_DELETE => {
                rec.bins.clear();
                if respond_all {
                    push(None, true);
                }
            }
            OP_INCR | OP_APPEND | OP_PREPEND => {
                let arg = Particle::from_wire(op.particle, &op.value)
                    .map_err(|e| (RC_PARAMETER, e.to_string()))?
                    .ok_or((RC_PARAMETER, "modify op without a value".to_string()))?;
                let cur = rec.bin(&op.name).cloned();
                let newv = modify_scalar(op.op_type, cur, arg)?;
                rec.set_bin(&op.name, Some(newv));
                if respond_all {
                    push(None, true);
                }
            }
            OP_CDT_MODIFY => {
                let (pos, mut slot) = rec.take_bin(&op.name);
                let res = cdt::cdt_modify(&mut slot, &op.value);
                rec.put_back(&op.name, pos, slot);
                let v = res.map_err(|e| (e.code, e.msg))?;
                push(Particle::from_value(v), false);
            }
            OP_READ => {
                if op.name.is_empty() {
                    out.extend(all_bins(rec));
                } else {
                    if let Some(p) = rec.bin(&op.name) {
                        out.push(OpOut {
                            op_type: op.op_type,
                            name: op.name.clone(),
                            value: Some(enc(p)),
                        });
                    } else if respond_all {
                        push(None, true);
                    }
                }
            }
            OP_CDT_READ => {
                let present = rec.bin(&op.name).is_some();
                let v = cdt::cdt_read(rec.bin(&op.name), &op.value).map_err(|e| (e.code, e.msg))?;
                if present || respond_all {
                    push(Particle::from_value(v), true);
                }
            }
            other => {
                return Err((
                    RC_PARAMETER,
                    format!("op type {other} is not supported by this test server"),
                ))
            }
        }
    }
    Ok(out)
}

fn modify_scalar(op: u8, cur: Option<Particle>, arg: Particle) -> Result<Particle, (u8, String)> {
    let mismatch = || (RC_BIN_TYPE, "bin type does not match the op".to_string());
    Ok(match (op, cur, arg) {
        (OP_INCR, None, a @ (Particle::Int(_) | Particle::Float(_))) => a,
        (OP_INCR, Some(Particle::Int(x)), Particle::Int(y)) => Particle::Int(x.wrapping_add(y)),
        (OP_INCR, Some(Particle::Float(x)), Particle::Float(y)) => Particle::Float(x + y),
        (OP_APPEND | OP_PREPEND, None, a @ Particle::Bytes(..)) => a,
        (OP_APPEND, Some(Particle::Bytes(t, mut x)), Particle::Bytes(u, y)) if t == u => {
            x.extend_from_slice(&y);
            Particle::Bytes(t, x)
        }
        (OP_PREPEND, Some(Particle::Bytes(t, x)), Particle::Bytes(u, mut y)) if t == u => {
            y.extend_from_slice(&x);
            Particle::Bytes(t, y)
        }
        _ => return Err(mismatch()),
    })
}

// ---------------------------------------------------------------- batch

const BATCH_REPEAT: u8 = 0x01;
const BATCH_INFO: u8 = 0x02;
const BATCH_GEN: u8 = 0x04;
const BATCH_TTL: u8 = 0x08;
const BATCH_INFO4: u8 = 0x10;

fn handle_batch(ctx: &Context<'_>, msg: &Msg) -> Result<Vec<Vec<u8>>, WireError> {
    let data = match msg.field(FIELD_BATCH_INDEX) {
        Some(d) => d,
        None => {
            log(format!(
                "{}: batch without a BATCH_INDEX field (old batch formats are not implemented); answering 4",
                ctx.peer
            ));
            return Ok(vec![last_frame(RC_PARAMETER)]);
        }
    };
    let mut c = Cursor::new(data);
    let n_rows = c.u32("batch row count")? as usize;
    let _flags = c.u8("batch flags")?;
    // Each row takes at least 25 bytes: refuse counts the field cannot hold.
    if n_rows > c.remaining() / 25 + 1 {
        return Err(WireError(format!(
            "batch claims {n_rows} rows in {} bytes",
            data.len()
        )));
    }
    let mut rb = ResponseBuilder::new();
    let mut frames = Vec::new();
    // REPEAT rows share the previous row's command instead of copying it.
    let mut prev: Option<std::rc::Rc<RecordCmd>> = None;
    for _ in 0..n_rows {
        let index = c.u32("batch row index")?;
        let digest = digest_of(c.take(20, "batch row digest")?)?;
        let row_type = c.u8("batch row type")?;
        let cmd: std::rc::Rc<RecordCmd> = if row_type == BATCH_REPEAT {
            match &prev {
                Some(p) => std::rc::Rc::clone(p),
                None => return Err(WireError("batch REPEAT row without a previous row".into())),
            }
        } else {
            let mut cmd = RecordCmd::default();
            if row_type == 0 {
                cmd.info1 = c.u8("batch read attr")?;
            } else {
                if row_type & BATCH_INFO != 0 {
                    cmd.info1 = c.u8("batch info1")?;
                    cmd.info2 = c.u8("batch info2")?;
                    cmd.info3 = c.u8("batch info3")?;
                }
                if row_type & BATCH_INFO4 != 0 {
                    c.u8("batch info4")?;
                }
                if row_type & BATCH_GEN != 0 {
                    cmd.generation = c.u16("batch generation")? as u32;
                }
                if row_type & BATCH_TTL != 0 {
                    cmd.record_ttl = c.u32("batch ttl")?;
                }
            }
            let n_fields = c.u16("batch row n_fields")? as usize;
            let n_ops = c.u16("batch row n_ops")? as usize;
            let fields = parse_fields(&mut c, n_fields)?;
            cmd.ops = parse_ops(&mut c, n_ops)?;
            let row = Msg {
                header: MsgHeader::default(),
                fields,
                ops: Vec::new(),
            };
            cmd.namespace = row.field_str(FIELD_NAMESPACE)?.unwrap_or_default();
            cmd.set = row.field_str(FIELD_SET)?;
            cmd.key = row.field(FIELD_KEY).map(|k| k.to_vec());
            // A row's own filter, else the batch's (as_batch_get_predexp).
            cmd.filter = row
                .field(FIELD_FILTER_EXP)
                .or(msg.field(FIELD_FILTER_EXP))
                .map(<[u8]>::to_vec);
            if cmd.info1 == 0 && cmd.info2 == 0 {
                cmd.info1 = INFO1_READ;
            }
            let cmd = std::rc::Rc::new(cmd);
            prev = Some(std::rc::Rc::clone(&cmd));
            cmd
        };
        let read_row = cmd.info2 & INFO2_WRITE == 0;
        let r = if cmd.namespace.is_empty() {
            RowResult::err(RC_PARAMETER)
        } else {
            execute(ctx, &cmd, &digest, read_row)
        };
        push_row(&mut rb, &r, index);
        if rb.body_len() >= STREAM_CHUNK {
            frames.push(std::mem::take(&mut rb).finish());
        }
    }
    if c.remaining() != 0 {
        return Err(WireError(format!(
            "{} trailing bytes after batch rows",
            c.remaining()
        )));
    }
    if rb.body_len() > 0 {
        frames.push(rb.finish());
    }
    frames.push(last_frame(RC_OK));
    Ok(frames)
}

// ---------------------------------------------------------------- scan/query

fn handle_scan(ctx: &Context<'_>, msg: &Msg) -> Result<Vec<Vec<u8>>, WireError> {
    let ns_name = msg.field_str(FIELD_NAMESPACE)?.unwrap_or_default();
    let set = msg.field_str(FIELD_SET)?.filter(|s| !s.is_empty());
    let h = msg.header;
    for (t, what) in [
        (FIELD_INDEX_RANGE, "secondary-index queries"),
        (FIELD_FILTER_EXP, "filter expressions"),
        (FIELD_UDF_PACKAGE_NAME, "UDFs"),
        (FIELD_UDF_OP, "UDFs"),
    ] {
        if msg.field(t).is_some() {
            log(format!(
                "{}: scan/query uses {what}, not implemented by this test server; answering 16",
                ctx.peer
            ));
            return Ok(vec![last_frame(RC_UNSUPPORTED)]);
        }
    }
    let ns = match ctx.store.namespace(&ns_name) {
        Some(n) => n,
        None => return Ok(vec![last_frame(RC_INVALID_NAMESPACE)]),
    };
    if let Some(rc) = ctx.faults.namespace_result(&ns_name) {
        // Namespace-wide injected failures apply to scans too.
        return Ok(vec![last_frame(rc)]);
    }
    if h.info2 & INFO2_WRITE != 0 {
        return background(ctx, msg, ns, set);
    }
    let pids: Option<Vec<u16>> = msg.field(FIELD_PID_ARRAY).map(|b| {
        b.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    });
    let resume: Vec<Digest> = msg
        .field(FIELD_DIGEST_ARRAY)
        .map(|b| {
            b.chunks_exact(20)
                .filter_map(|c| c.try_into().ok())
                .collect()
        })
        .unwrap_or_default();
    let max_records = msg
        .field(FIELD_MAX_RECORDS)
        .filter(|b| b.len() == 8)
        .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
        .filter(|&m| m > 0)
        .unwrap_or(u64::MAX);
    let no_bins = h.info1 & INFO1_NOBINDATA != 0;
    let selected: Vec<&str> = msg
        .ops
        .iter()
        .filter(|o| o.op_type == OP_READ)
        .map(|o| o.name.as_str())
        .collect();

    let now = ctx.store.clock.now_cl();
    // partition -> digest-ordered records, so partition resumption is exact.
    let mut by_pid: BTreeMap<(u16, Digest), (Record,)> = BTreeMap::new();
    {
        let recs = ns.records.read().unwrap_or_else(|e| e.into_inner());
        for (d, r) in recs.iter() {
            if is_expired(r, now) {
                continue;
            }
            if let Some(s) = &set {
                if r.set.as_deref() != Some(s.as_str()) {
                    continue;
                }
            }
            let pid = partition_id(d);
            let wanted = match &pids {
                Some(p) => p.contains(&pid),
                None => resume.is_empty(),
            };
            let resumed = resume.iter().any(|rd| partition_id(rd) == pid);
            if !(wanted || resumed) {
                continue;
            }
            if resumed && resume.iter().any(|rd| partition_id(rd) == pid && d <= rd) {
                continue;
            }
            by_pid.insert((pid, *d), (r.clone(),));
        }
    }
    let mut frames = Vec::new();
    let mut rb = ResponseBuilder::new();
    for (count, ((_, d), (r,))) in by_pid.iter().enumerate() {
        if count as u64 >= max_records {
            break;
        }
        let mut fields: Vec<(u8, &[u8])> = vec![
            (FIELD_NAMESPACE, ns_name.as_bytes()),
            (FIELD_DIGEST, &d[..]),
        ];
        if let Some(s) = &r.set {
            fields.push((FIELD_SET, s.as_bytes()));
        }
        if let Some(k) = &r.key {
            fields.push((FIELD_KEY, k));
        }
        let bins: Vec<(String, u8, Vec<u8>)> = if no_bins {
            Vec::new()
        } else {
            r.bins
                .iter()
                .filter(|(n, _)| selected.is_empty() || selected.contains(&n.as_str()))
                .map(|(n, p)| (n.clone(), p.particle_type(), p.to_wire()))
                .collect()
        };
        if !no_bins && !selected.is_empty() && bins.is_empty() {
            // The server does not return a record with none of the selected bins.
            continue;
        }
        let ops: Vec<OpResult<'_>> = bins
            .iter()
            .map(|(n, t, v)| OpResult {
                op_type: OP_READ,
                particle: *t,
                name: n,
                value: v,
            })
            .collect();
        rb.message(
            ReplyHeader {
                info1: if no_bins { INFO1_NOBINDATA } else { 0 },
                generation: r.generation,
                void_time: r.void_time,
                ..Default::default()
            },
            &fields,
            &ops,
        );
        if rb.body_len() >= STREAM_CHUNK {
            frames.push(std::mem::take(&mut rb).finish());
        }
    }
    if rb.body_len() > 0 {
        frames.push(rb.finish());
    }
    frames.push(last_frame(RC_OK));
    Ok(frames)
}

fn background(
    ctx: &Context<'_>,
    msg: &Msg,
    ns: &Namespace,
    set: Option<String>,
) -> Result<Vec<Vec<u8>>, WireError> {
    let h = msg.header;
    let trid = match msg.field(FIELD_TASK_ID) {
        Some(b) if b.len() == 8 => u64::from_be_bytes(b.try_into().unwrap_or([0; 8])),
        _ => {
            log(format!(
                "{}: background job without a task id; answering 4",
                ctx.peer
            ));
            return Ok(vec![last_frame(RC_PARAMETER)]);
        }
    };
    if msg.ops.is_empty() || msg.ops.iter().any(|o| !is_write_op(o.op_type)) {
        log(format!(
            "{}: background job needs write ops only; answering 4",
            ctx.peer
        ));
        return Ok(vec![last_frame(RC_PARAMETER)]);
    }
    if !valid_bin_names(&msg.ops) {
        return Ok(vec![last_frame(RC_BIN_NAME)]);
    }
    if !valid_ttl(h.record_ttl) {
        return Ok(vec![last_frame(RC_PARAMETER)]);
    }
    let socket_timeout = msg
        .field(FIELD_SOCKET_TIMEOUT)
        .filter(|b| b.len() == 4)
        .map(|b| u32::from_be_bytes(b.try_into().unwrap_or([0; 4])))
        .unwrap_or(0);
    let started = ctx.store.clock.now_ns();
    let now = ctx.store.clock.now_cl();
    let (mut ok, mut failed) = (0u64, 0u64);
    {
        let mut recs = ns.records.write().unwrap_or_else(|e| e.into_inner());
        recs.retain(|_, r| !is_expired(r, now));
        for r in recs.values_mut() {
            if let Some(s) = &set {
                if r.set.as_deref() != Some(s.as_str()) {
                    continue;
                }
            }
            let mut work = r.clone();
            match apply_write_ops(&mut work, &msg.ops, false) {
                Ok(_) => {
                    work.generation = next_generation(work.generation);
                    if let Some(v) = ns.void_time_for(h.record_ttl, now) {
                        work.void_time = v;
                    }
                    work.last_update_ns = ctx.store.clock.now_ns();
                    *r = work;
                    ok += 1;
                }
                Err(_) => failed += 1,
            }
        }
        recs.retain(|_, r| !r.bins.is_empty());
    }
    let done = ctx.store.clock.now_ns();
    let job = Job {
        trid,
        ns: ns.name.clone(),
        set: set.unwrap_or_default(),
        succeeded: ok,
        failed,
        from: format!("{}+{}", ctx.peer.ip(), ctx.peer.port()),
        socket_timeout,
        done_at_ns: done,
        run_ms: done.saturating_sub(started) / 1_000_000,
    };
    let mut jobs = ctx.store.jobs.lock().unwrap_or_else(|e| e.into_inner());
    jobs.retain(|j| j.trid != trid);
    // Bounded history, like the server's finished-job list.
    if jobs.len() >= 1000 {
        jobs.remove(0);
    }
    jobs.push(job);
    Ok(vec![last_frame(RC_OK)])
}

fn is_write_op(t: u8) -> bool {
    matches!(
        t,
        OP_WRITE | OP_CDT_MODIFY | OP_INCR | OP_APPEND | OP_PREPEND | OP_TOUCH | OP_DELETE
    )
}
