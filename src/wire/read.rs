//! Batch reads of feature views, from the request straight into
//! `ReadResponse` bytes: each record's msgpack answer is decoded into the
//! protobuf bytes of its rows, with no per-value heap object.
//!
//! Semantics are the store's (DESIGN.md §2 "Read"): views sharing a
//! (namespace, set) share a round trip per chunk; result codes 2 and 26 are
//! "no data"; a record lacking a projected view's slot answers 26 for the
//! whole row and is read again without map-key contexts; any other code is
//! an error, never a silent miss; rows come back in request order.

use super::cluster::Cluster;
use super::command::{self, BatchBuilder, Ops, OP_CDT_READ, PARTICLE_BLOB};
use super::exec::{self, BatchOp, Policy, RunError, Unanswered};
use super::msgpack::{Item, Reader};
use super::pbuf::{len_field_size, put_bytes_field, put_varint, tag, timestamp_body, WT_LEN};
use super::read_request::{ReadRequestRef, ViewReadRef};
use super::values::{decode_into, Scratch};
use crate::entity_key::digest;
use crate::error::{Error, ErrorKind, Result};
use crate::layout::{Layout, Location, EVENT_TS_BIN, FEATURES_BIN};

const RC_OK: u8 = 0;
const RC_NOT_FOUND: u8 = 2;
const RC_TIMEOUT: u8 = 9;
const RC_OP_NOT_APPLICABLE: u8 = 26;

/// One requested view: its output columns and how to find them.
struct ViewPlan<'a> {
    name: &'a str,
    names: Vec<&'a str>,
    types: Vec<i32>,
    /// (feature name, first column of that name), sorted by name.
    sorted: Vec<(&'a [u8], u32)>,
    /// (column, first column of the same name) for repeated names.
    duplicates: Vec<(usize, usize)>,
    projected: bool,
}

impl<'a> ViewPlan<'a> {
    fn new(view: &ViewReadRef<'a>) -> Self {
        let projected = !view.requested.is_empty();
        let names: Vec<&'a str> = if projected {
            view.requested.clone()
        } else {
            view.features.iter().map(|f| f.0).collect()
        };
        // Sorted by name, then column: the first column of each name is
        // where its value goes; later ones repeat it.
        let mut sorted: Vec<(&'a [u8], u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_bytes(), i as u32))
            .collect();
        sorted.sort_unstable();
        let mut duplicates = Vec::new();
        sorted.dedup_by(|later, first| {
            let same = later.0 == first.0;
            if same {
                duplicates.push((later.1 as usize, first.1 as usize));
            }
            same
        });
        ViewPlan {
            name: view.name,
            types: declared_types(view, &names, &duplicates),
            names,
            sorted,
            duplicates,
            projected,
        }
    }

    /// The column of a stored feature name. `hint` is where the previous
    /// name matched: stored maps are key-ordered, so the next name is
    /// usually the next entry.
    fn column(&self, name: &[u8], hint: &mut usize) -> Option<usize> {
        if let Some(&(n, c)) = self.sorted.get(*hint) {
            if n == name {
                *hint += 1;
                return Some(c as usize);
            }
        }
        let i = self.sorted.binary_search_by(|(n, _)| (*n).cmp(name)).ok()?;
        *hint = i + 1;
        Some(self.sorted[i].1 as usize)
    }
}

/// Each column's declared value type (0, unknown, for a name the view does
/// not declare); a name declared twice has its last declaration's type, as
/// in the store's other paths (a map of the declaration).
fn declared_types(
    view: &ViewReadRef<'_>,
    names: &[&str],
    duplicates: &[(usize, usize)],
) -> Vec<i32> {
    let features = &view.features;
    if view.requested.is_empty() {
        // Every declared feature, in order (`names` is the declaration):
        // its own type, unless declared again later.
        let mut types: Vec<i32> = features.iter().map(|f| f.1).collect();
        // `duplicates` runs through each repeated name's later columns in
        // ascending order: the last one written is the last declaration.
        for &(later, first) in duplicates {
            types[first] = features[later].1;
        }
        for &(later, first) in duplicates {
            types[later] = types[first];
        }
        return types;
    }
    let mut declared: Vec<(&str, u32)> = features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.0, i as u32))
        .collect();
    declared.sort_unstable();
    names
        .iter()
        .map(|n| {
            let end = declared.partition_point(|d| d.0 <= *n);
            end.checked_sub(1)
                .map(|i| declared[i])
                .filter(|d| d.0 == *n)
                .map_or(0, |d| features[d.1 as usize].1)
        })
        .collect()
}

/// One view's rows as they are answered: complete `rows` fields (tag,
/// length, EntityRow) in an arena, placed in request order at the end.
struct ViewOut {
    arena: Vec<u8>,
    /// Per entity: (start, len) in the arena; len 0 = no data.
    rows: Vec<(u32, u32)>,
}

/// A row being decoded: per column, the encoded `Value` body in `body`.
#[derive(Default)]
struct RowScratch {
    cols: Vec<(u32, u32)>,
    body: Vec<u8>,
    found: bool,
    event_ms: Option<i64>,
}

/// A read's encoded `ReadResponse`, with how many of its rows (views x
/// entities) were found, for the store's metrics.
pub struct ReadOutcome {
    pub bytes: Vec<u8>,
    pub found: u64,
    pub rows: u64,
}

/// Read `request` through the direct path; the answer is the encoded
/// `ReadResponse`.
pub fn read(
    cluster: &Cluster,
    layout: &Layout,
    request: &ReadRequestRef<'_>,
    keys: &[Vec<u8>],
    policy: Policy,
) -> Result<ReadOutcome> {
    let mut plans = Vec::with_capacity(request.views.len());
    for (i, vr) in request.views.iter().enumerate() {
        if !vr.has_view || vr.name.is_empty() {
            return Err(Error::invalid_argument(format!(
                "read: views[{i}].feature_view.name is required"
            )));
        }
        plans.push(ViewPlan::new(vr));
    }
    let mut outs: Vec<ViewOut> = plans
        .iter()
        .map(|p| ViewOut {
            // About what a row of doubles takes (a Value field of ~12
            // bytes per column): grown, not copied, on most reads.
            arena: Vec::with_capacity(
                keys.len()
                    .saturating_mul(p.names.len() * 12 + 16)
                    .min(16 << 20),
            ),
            rows: vec![(0, 0); keys.len()],
        })
        .collect();
    if !keys.is_empty() {
        let mut groups: Vec<(Location, Vec<usize>)> = Vec::new();
        for (i, p) in plans.iter().enumerate() {
            let loc = layout.location_for(p.name);
            match groups.iter_mut().find(|(l, _)| *l == loc) {
                Some((_, members)) => members.push(i),
                None => groups.push((loc, vec![i])),
            }
        }
        let chunk_size = layout.config().batch_max_records.max(1);
        for (loc, members) in &groups {
            let digests: Vec<[u8; 20]> = keys.iter().map(|k| digest(&loc.set_name, k)).collect();
            let entities: Vec<usize> = (0..keys.len()).collect();
            let any_projected = members.iter().any(|&m| plans[m].projected);
            for chunk in entities.chunks(chunk_size) {
                let retry = read_chunk(
                    cluster, loc, &digests, chunk, &plans, members, true, &mut outs, policy,
                )?;
                if any_projected && !retry.is_empty() {
                    read_chunk(
                        cluster, loc, &digests, &retry, &plans, members, false, &mut outs, policy,
                    )?;
                }
            }
        }
    }
    let found = outs
        .iter()
        .map(|o| o.rows.iter().filter(|&&(_, l)| l > 0).count() as u64)
        .sum();
    Ok(ReadOutcome {
        bytes: assemble(&plans, &outs),
        found,
        rows: (outs.len() * keys.len()) as u64,
    })
}

#[allow(clippy::too_many_arguments)]
fn read_chunk(
    cluster: &Cluster,
    loc: &Location,
    digests: &[[u8; 20]],
    chunk: &[usize],
    plans: &[ViewPlan<'_>],
    members: &[usize],
    allow_ctx: bool,
    outs: &mut [ViewOut],
    policy: Policy,
) -> Result<Vec<usize>> {
    let whole: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&m| !allow_ctx || !plans[m].projected)
        .collect();
    let projected: Vec<usize> = if allow_ctx {
        members
            .iter()
            .copied()
            .filter(|&m| plans[m].projected)
            .collect()
    } else {
        Vec::new()
    };
    let mut op = ReadBatch {
        loc,
        digests,
        plans,
        members,
        whole,
        projected,
        outs,
        rows: members.iter().map(|_| RowScratch::default()).collect(),
        scratch: Scratch::default(),
        retry: Vec::new(),
        error: None,
    };
    let views = || {
        let names: Vec<&str> = members.iter().map(|&m| plans[m].name).collect();
        format!("read {} {loc}", names.join(","))
    };
    let failed = exec::run(cluster, &loc.namespace, digests, chunk, &mut op, policy).map_err(
        |e| match e {
            RunError::UnknownNamespace(m) => {
                Error::new(ErrorKind::InvalidArgument, format!("{}: {m}", views()))
            }
            RunError::Decode(m) => Error::decode(format!("{}: {m}", views())),
        },
    )?;
    if let Some(e) = op.error.take() {
        return Err(e.context(views()));
    }
    if let Some(f) = failed.first() {
        return Err(unanswered_error(f, &views()));
    }
    Ok(op.retry)
}

fn unanswered_error(f: &Unanswered, ctx: &str) -> Error {
    let kind = match f.result_code {
        Some(RC_TIMEOUT) => ErrorKind::Timeout,
        Some(_) => ErrorKind::Server,
        None if f.error.timeout => ErrorKind::Timeout,
        None => ErrorKind::Connection,
    };
    let e = Error::new(
        kind,
        format!("{ctx}: entity {} unanswered: {}", f.row, f.error.message),
    );
    match f.result_code {
        Some(rc) => e.with_result_code(i32::from(rc)),
        None => e,
    }
}

struct ReadBatch<'r, 'p> {
    loc: &'r Location,
    digests: &'r [[u8; 20]],
    plans: &'r [ViewPlan<'p>],
    members: &'r [usize],
    /// Members read through the whole-slot op, and through a projected op.
    whole: Vec<usize>,
    projected: Vec<usize>,
    outs: &'r mut [ViewOut],
    /// Per member (same order as `members`).
    rows: Vec<RowScratch>,
    scratch: Scratch,
    retry: Vec<usize>,
    error: Option<Error>,
}

impl BatchOp for ReadBatch<'_, '_> {
    fn encode(
        &mut self,
        b: &mut BatchBuilder<'_>,
        rows: &[usize],
    ) -> std::result::Result<(), String> {
        let n_ops = usize::from(!self.whole.is_empty()) + self.projected.len() + 1;
        for (i, &e) in rows.iter().enumerate() {
            if i > 0 {
                b.read_repeat(i as u32, &self.digests[e]);
                continue;
            }
            b.read_row(
                0,
                &self.digests[e],
                &self.loc.namespace,
                &self.loc.set_name,
                n_ops as u16,
            );
            if !self.whole.is_empty() {
                let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, FEATURES_BIN);
                let names = self.whole.iter().map(|&m| self.plans[m].name);
                command::get_by_key_list(b.buf(), None, names);
                b.end_op(at);
            }
            for &m in &self.projected {
                let p = &self.plans[m];
                let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, FEATURES_BIN);
                command::get_by_key_list(b.buf(), Some(p.name), p.names.iter().copied());
                b.end_op(at);
            }
            let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, EVENT_TS_BIN);
            command::get_by_key_list(
                b.buf(),
                None,
                self.members.iter().map(|&m| self.plans[m].name),
            );
            b.end_op(at);
        }
        Ok(())
    }

    fn answered(
        &mut self,
        entity: usize,
        result_code: u8,
        ops: Ops<'_>,
        _resent: bool,
    ) -> std::result::Result<(), String> {
        match result_code {
            RC_OK => self
                .place(entity, ops)
                .map_err(|e| format!("entity {entity}: {e}")),
            RC_NOT_FOUND => Ok(()),
            RC_OP_NOT_APPLICABLE => {
                if !self.projected.is_empty() {
                    self.retry.push(entity);
                }
                Ok(())
            }
            rc => {
                if self.error.is_none() {
                    let kind = if rc == RC_TIMEOUT {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Server
                    };
                    self.error = Some(
                        Error::new(kind, format!("entity {entity}: server result code {rc}"))
                            .with_result_code(i32::from(rc)),
                    );
                }
                Ok(())
            }
        }
    }
}

impl ReadBatch<'_, '_> {
    /// Decode one record's answers into its rows.
    fn place(&mut self, entity: usize, ops: Ops<'_>) -> std::result::Result<(), String> {
        let expected = usize::from(!self.whole.is_empty()) + self.projected.len();
        let mut n_features = 0;
        for op in ops.clone() {
            if op?.0 == FEATURES_BIN.as_bytes() {
                n_features += 1;
            }
        }
        if n_features == 0 {
            return Ok(()); // no `features` bin: no data for any view
        }
        if n_features != expected {
            return Err(format!(
                "expected {expected} answer(s) for the features bin, got {n_features}"
            ));
        }
        for r in &mut self.rows {
            r.found = false;
            r.event_ms = None;
        }
        let mut k = 0;
        let mut event_ts: &[u8] = &[];
        for op in ops {
            let (bin, _particle, raw) = op?;
            if bin == EVENT_TS_BIN.as_bytes() {
                event_ts = raw;
                continue;
            }
            if bin != FEATURES_BIN.as_bytes() {
                continue;
            }
            if k == 0 && !self.whole.is_empty() {
                self.place_whole(raw)?;
            } else {
                let m = self.projected[k - usize::from(!self.whole.is_empty())];
                let pos = self.members.iter().position(|&x| x == m).unwrap_or(0);
                self.decode_view(pos, raw)?;
            }
            k += 1;
        }
        if !event_ts.is_empty() {
            let mut r = Reader::new(event_ts);
            if let Some(n) = pairs_header(&mut r)? {
                for _ in 0..n {
                    let key = r.str_key()?;
                    let item = r.next()?;
                    let (Some(view), Item::Int(ms)) = (key, item) else {
                        if let Item::Array(_) | Item::Map(_) = item {
                            return Err("event_ts entry is not an integer".into());
                        }
                        continue;
                    };
                    for pos in 0..self.members.len() {
                        let m = self.members[pos];
                        if self.plans[m].name.as_bytes() == view && self.rows[pos].found {
                            self.rows[pos].event_ms = Some(ms);
                        }
                    }
                }
            }
        }
        for pos in 0..self.members.len() {
            if self.rows[pos].found {
                let m = self.members[pos];
                emit_row(&self.rows[pos], &mut self.outs[m], entity);
            }
        }
        Ok(())
    }

    /// The whole-slot answer: `{view: slot, ...}` for the views stored.
    fn place_whole(&mut self, raw: &[u8]) -> std::result::Result<(), String> {
        let mut r = Reader::new(raw);
        let Some(n) = pairs_header(&mut r)? else {
            return Ok(());
        };
        for _ in 0..n {
            let key = r.str_key()?;
            let slot = r.raw_value()?;
            let Some(view) = key else { continue };
            for pos in 0..self.members.len() {
                let m = self.members[pos];
                if self.plans[m].name.as_bytes() == view && self.whole.contains(&m) {
                    self.decode_view(pos, slot)?;
                }
            }
        }
        Ok(())
    }

    /// Decode a view's stored slot (or projected answer) into its row.
    fn decode_view(&mut self, pos: usize, raw: &[u8]) -> std::result::Result<(), String> {
        let plan = &self.plans[self.members[pos]];
        let row = &mut self.rows[pos];
        row.found = true;
        row.body.clear();
        row.cols.clear();
        row.cols.resize(plan.names.len(), (0, 0));
        let mut r = Reader::new(raw);
        let Some(n) = pairs_header(&mut r)? else {
            return Ok(());
        };
        let mut hint = 0;
        for _ in 0..n {
            let key = r.str_key()?;
            let col = key.and_then(|k| plan.column(k, &mut hint));
            let Some(col) = col else {
                r.skip()?;
                continue;
            };
            let start = row.body.len();
            decode_into(&mut r, plan.types[col], &mut row.body, &mut self.scratch)
                .map_err(|e| format!("feature {:?} of {}: {e}", plan.names[col], plan.name))?;
            row.cols[col] = (start as u32, (row.body.len() - start) as u32);
        }
        for &(j, first) in &plan.duplicates {
            row.cols[j] = row.cols[first];
        }
        Ok(())
    }
}

/// Key/value answers: a map (an ordered map's flags entry skipped), or a
/// flat `[k, v, ...]` list; nil is no entries. Returns the pair count.
fn pairs_header(r: &mut Reader<'_>) -> std::result::Result<Option<usize>, String> {
    let start = r.position();
    match r.next()? {
        Item::Array(n) if n % 2 == 0 => Ok(Some(n / 2)),
        Item::Array(_) => Err("expected key/value pairs, got an odd list".into()),
        _ => {
            r.set_position(start);
            r.map_header()
        }
    }
}

/// Append one found row to its view's arena as a `rows` field.
fn emit_row(row: &RowScratch, out: &mut ViewOut, entity: usize) {
    let mut ts = [0u8; 24];
    let ts_len = row.event_ms.map(|ms| timestamp_body(ms, &mut ts));
    let mut len = 2; // found = true
    if let Some(n) = ts_len {
        len += len_field_size(n);
    }
    for &(_, l) in &row.cols {
        len += len_field_size(l as usize);
    }
    let start = out.arena.len();
    out.arena.push(tag(3, WT_LEN));
    put_varint(&mut out.arena, len as u64);
    out.arena.extend_from_slice(&[tag(1, 0), 1]);
    if let Some(n) = ts_len {
        put_bytes_field(&mut out.arena, 2, &ts[..n]);
    }
    for &(s, l) in &row.cols {
        put_bytes_field(&mut out.arena, 3, &row.body[s as usize..(s + l) as usize]);
    }
    out.rows[entity] = (start as u32, (out.arena.len() - start) as u32);
}

/// The `ReadResponse` bytes: views in request order, rows in entity order.
fn assemble(plans: &[ViewPlan<'_>], outs: &[ViewOut]) -> Vec<u8> {
    const EMPTY_ROW: [u8; 2] = [0x1a, 0x00];
    let view_len = |p: &ViewPlan<'_>, o: &ViewOut| -> usize {
        len_field_size(p.name.len())
            + p.names
                .iter()
                .map(|n| len_field_size(n.len()))
                .sum::<usize>()
            + o.rows
                .iter()
                .map(|&(_, l)| if l == 0 { EMPTY_ROW.len() } else { l as usize })
                .sum::<usize>()
    };
    let total: usize = plans
        .iter()
        .zip(outs)
        .map(|(p, o)| len_field_size(view_len(p, o)))
        .sum();
    let mut out = Vec::with_capacity(total);
    for (p, o) in plans.iter().zip(outs) {
        out.push(tag(1, WT_LEN));
        put_varint(&mut out, view_len(p, o) as u64);
        put_bytes_field(&mut out, 1, p.name.as_bytes());
        for n in &p.names {
            put_bytes_field(&mut out, 2, n.as_bytes());
        }
        for &(s, l) in &o.rows {
            if l == 0 {
                out.extend_from_slice(&EMPTY_ROW);
            } else {
                out.extend_from_slice(&o.arena[s as usize..(s + l) as usize]);
            }
        }
    }
    debug_assert_eq!(out.len(), total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(features: &[(&'a str, i32)], requested: &[&'a str]) -> ViewReadRef<'a> {
        ViewReadRef {
            name: "v",
            has_view: true,
            features: features.to_vec(),
            requested: requested.to_vec(),
        }
    }

    /// A name declared twice has its last declaration's type in every
    /// column, whichever way the columns are chosen (the crate path's map).
    #[test]
    fn declared_types_follow_the_last_declaration() {
        let declared = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("a", 5)];
        let whole = ViewPlan::new(&view(&declared, &[]));
        assert_eq!(whole.types, [5, 2, 5, 4, 5]);
        assert_eq!(whole.names, ["a", "b", "a", "c", "a"]);
        let mut dups = whole.duplicates.clone();
        dups.sort_unstable();
        assert_eq!(dups, [(2, 0), (4, 0)]);
        // A few requested names, and many (repeated).
        let few = ViewPlan::new(&view(&declared, &["a", "c", "zz", "a"]));
        assert_eq!(few.types, [5, 4, 0, 5]);
        assert_eq!(few.duplicates, [(3, 0)]);
        let many: Vec<&str> = ["a", "c", "zz", "b"].repeat(5);
        let many = ViewPlan::new(&view(&declared, &many));
        assert_eq!(many.types, [5, 4, 0, 2].repeat(5));
        let mut hint = 0;
        assert_eq!(many.column(b"c", &mut hint), Some(1));
        assert_eq!(many.column(b"nope", &mut hint), None);
    }
}
