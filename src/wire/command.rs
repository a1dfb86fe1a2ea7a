//! Aerospike batch-index commands, byte for byte as the official clients
//! send them (docs/hot-path.md; ../shared/protocol/rust-client.txt shows a
//! real exchange), and the parsing of their answers.
//!
//! A batch command is one AS_MSG with the BATCH flag and one BATCH_INDEX
//! field holding the rows; the server answers with AS_MSG records, one per
//! row (its batch index in the transaction-ttl slot), over one or more
//! frames, the last one flagged LAST.
//!
//! A node given a single row gets a single-record command instead (one
//! AS_MSG with namespace, set and digest fields and the row's ops, answered
//! by one AS_MSG), as the official Java client does (`BatchSingle`): the
//! server then serves it on its service thread, without the batch-index
//! queue's hand-off.

use super::msgpack;

pub const PROTO_VERSION: u8 = 2;
pub const TYPE_INFO: u8 = 1;
pub const TYPE_MSG: u8 = 3;

const MSG_HEADER_SIZE: u8 = 22;
const INFO1_READ: u8 = 0x01;
const INFO1_BATCH: u8 = 0x08;
const INFO2_WRITE: u8 = 0x01;
const INFO2_RESPOND_ALL_OPS: u8 = 0x80;
const INFO3_LAST: u8 = 0x01;

const FIELD_NAMESPACE: u8 = 0;
const FIELD_SET: u8 = 1;
const FIELD_DIGEST: u8 = 4;
const FIELD_BATCH_INDEX: u8 = 41;
const FIELD_FILTER_EXP: u8 = 43;

/// Batch flags: allow inline, respond for every key, report error records.
const BATCH_FLAGS: u8 = 0x0d;
const ROW_REPEAT: u8 = 0x01;
const ROW_INFO: u8 = 0x02;
const ROW_GEN: u8 = 0x04;
const ROW_TTL: u8 = 0x08;

pub const OP_WRITE: u8 = 2;
pub const OP_CDT_READ: u8 = 3;
pub const OP_CDT_MODIFY: u8 = 4;
pub const PARTICLE_INTEGER: u8 = 1;
pub const PARTICLE_BLOB: u8 = 4;

const MAP_PUT: u64 = 67;
const MAP_PUT_ITEMS: u64 = 68;
const MAP_GET_BY_KEY_LIST: u64 = 107;
const MAP_RETURN_KEY_VALUE: u64 = 8;
const MAP_ATTR_KEY_ORDERED: u64 = 1;
const CTX_MAP_KEY: u64 = 0x22;
const CTX_FOLLOWS: u64 = 0xff;

/// Builds one batch command in a reusable buffer, or, made by
/// [`BatchBuilder::single`], the single-record command of its one row.
pub struct BatchBuilder<'b> {
    buf: &'b mut Vec<u8>,
    rows: u32,
    rows_at: usize,
    /// Single-record mode: the server-side timeout for the row's header.
    single: Option<u32>,
}

impl<'b> BatchBuilder<'b> {
    /// Start a batch whose server-side timeout is `timeout_ms`.
    pub fn new(buf: &'b mut Vec<u8>, timeout_ms: u32) -> Self {
        buf.clear();
        buf.extend_from_slice(&[PROTO_VERSION, TYPE_MSG, 0, 0, 0, 0, 0, 0]);
        buf.extend_from_slice(&[MSG_HEADER_SIZE, INFO1_BATCH, 0, 0, 0, 0]);
        buf.extend_from_slice(&0u32.to_be_bytes()); // generation
        buf.extend_from_slice(&0u32.to_be_bytes()); // record ttl
        buf.extend_from_slice(&timeout_ms.to_be_bytes());
        buf.extend_from_slice(&1u16.to_be_bytes()); // one field
        buf.extend_from_slice(&0u16.to_be_bytes()); // no ops
        buf.extend_from_slice(&[0, 0, 0, 0, FIELD_BATCH_INDEX]); // size patched
        let rows_at = buf.len();
        buf.extend_from_slice(&0u32.to_be_bytes()); // row count patched
        buf.push(BATCH_FLAGS);
        BatchBuilder {
            buf,
            rows: 0,
            rows_at,
            single: None,
        }
    }

    /// Start a single-record command (exactly one `read_row` or
    /// `write_row`, then its ops) whose server-side timeout is `timeout_ms`.
    pub fn single(buf: &'b mut Vec<u8>, timeout_ms: u32) -> Self {
        buf.clear();
        buf.extend_from_slice(&[PROTO_VERSION, TYPE_MSG, 0, 0, 0, 0, 0, 0]);
        BatchBuilder {
            buf,
            rows: 0,
            rows_at: 0,
            single: Some(timeout_ms),
        }
    }

    /// The AS_MSG header and key fields of a single-record command.
    #[allow(clippy::too_many_arguments)]
    fn single_header(
        &mut self,
        timeout_ms: u32,
        info: [u8; 3],
        ttl: u32,
        digest: &[u8; 20],
        ns: &str,
        set: &str,
        filter: Option<&[u8]>,
        n_ops: u16,
    ) {
        debug_assert_eq!(self.rows, 0, "a single-record command has one row");
        self.rows += 1;
        let n_fields: u16 = if filter.is_some() { 4 } else { 3 };
        self.buf
            .extend_from_slice(&[MSG_HEADER_SIZE, info[0], info[1], info[2], 0, 0]);
        self.buf.extend_from_slice(&0u32.to_be_bytes()); // generation
        self.buf.extend_from_slice(&ttl.to_be_bytes());
        self.buf.extend_from_slice(&timeout_ms.to_be_bytes());
        self.buf.extend_from_slice(&n_fields.to_be_bytes());
        self.buf.extend_from_slice(&n_ops.to_be_bytes());
        // Namespace, set, digest, then the filter, as the official clients
        // order them.
        for (ty, s) in [
            (FIELD_NAMESPACE, ns.as_bytes()),
            (FIELD_SET, set.as_bytes()),
            (FIELD_DIGEST, digest.as_slice()),
        ]
        .into_iter()
        .chain(filter.map(|f| (FIELD_FILTER_EXP, f)))
        {
            self.field(ty, s);
        }
    }

    fn field(&mut self, ty: u8, s: &[u8]) {
        self.buf
            .extend_from_slice(&(s.len() as u32 + 1).to_be_bytes());
        self.buf.push(ty);
        self.buf.extend_from_slice(s);
    }

    fn row_key(&mut self, index: u32, digest: &[u8; 20]) {
        self.rows += 1;
        self.buf.extend_from_slice(&index.to_be_bytes());
        self.buf.extend_from_slice(digest);
    }

    /// A read row that repeats the previous row's namespace, set and ops.
    pub fn read_repeat(&mut self, index: u32, digest: &[u8; 20]) {
        debug_assert!(self.single.is_none(), "a single-record command has one row");
        self.row_key(index, digest);
        self.buf.push(ROW_REPEAT);
    }

    /// A read row with its own namespace, set and `n_ops` ops (written next
    /// with the op functions).
    pub fn read_row(&mut self, index: u32, digest: &[u8; 20], ns: &str, set: &str, n_ops: u16) {
        if let Some(timeout) = self.single {
            // Respond-all-ops: the ops read the same bin, and each answer is
            // wanted (the crate's and the Java client's single reads).
            let info = [INFO1_READ, INFO2_RESPOND_ALL_OPS, 0];
            return self.single_header(timeout, info, 0, digest, ns, set, None, n_ops);
        }
        self.row_key(index, digest);
        self.buf
            .extend_from_slice(&[ROW_INFO | ROW_TTL, INFO1_READ, 0, 0]);
        self.buf.extend_from_slice(&0u32.to_be_bytes()); // read-touch ttl: server default
        self.fields_and_ops(ns, set, None, n_ops);
    }

    /// A write row (respond-all-ops, as the official clients send them)
    /// with record ttl `ttl` (0 namespace default, u32::MAX never expire)
    /// and an optional filter expression (packed msgpack): the server
    /// applies the row only when it holds, else answers 27 (filtered out).
    #[allow(clippy::too_many_arguments)]
    pub fn write_row(
        &mut self,
        index: u32,
        digest: &[u8; 20],
        ns: &str,
        set: &str,
        ttl: u32,
        filter: Option<&[u8]>,
        n_ops: u16,
    ) {
        if let Some(timeout) = self.single {
            let info = [0, INFO2_WRITE | INFO2_RESPOND_ALL_OPS, 0];
            return self.single_header(timeout, info, ttl, digest, ns, set, filter, n_ops);
        }
        self.row_key(index, digest);
        self.buf.extend_from_slice(&[
            ROW_INFO | ROW_GEN | ROW_TTL,
            0,
            INFO2_WRITE | INFO2_RESPOND_ALL_OPS,
            0,
        ]);
        self.buf.extend_from_slice(&0u16.to_be_bytes()); // generation
        self.buf.extend_from_slice(&ttl.to_be_bytes());
        self.fields_and_ops(ns, set, filter, n_ops);
    }

    /// Namespace and set (then the filter, as the official clients order
    /// them), then the op count.
    fn fields_and_ops(&mut self, ns: &str, set: &str, filter: Option<&[u8]>, n_ops: u16) {
        let n_fields: u16 = if filter.is_some() { 3 } else { 2 };
        self.buf.extend_from_slice(&n_fields.to_be_bytes());
        self.buf.extend_from_slice(&n_ops.to_be_bytes());
        for (ty, s) in [
            (FIELD_NAMESPACE, ns.as_bytes()),
            (FIELD_SET, set.as_bytes()),
        ]
        .into_iter()
        .chain(filter.map(|f| (FIELD_FILTER_EXP, f)))
        {
            self.field(ty, s);
        }
    }

    /// Start an op on `bin`; the value is appended by the caller, then
    /// [`BatchBuilder::end_op`] patches the size.
    pub fn begin_op(&mut self, op: u8, particle: u8, bin: &str) -> usize {
        let at = self.buf.len();
        self.buf
            .extend_from_slice(&[0, 0, 0, 0, op, particle, 0, bin.len() as u8]);
        self.buf.extend_from_slice(bin.as_bytes());
        at
    }

    pub fn end_op(&mut self, at: usize) {
        let size = (self.buf.len() - at - 4) as u32;
        self.buf[at..at + 4].copy_from_slice(&size.to_be_bytes());
    }

    pub fn buf(&mut self) -> &mut Vec<u8> {
        self.buf
    }

    /// Patch the sizes; the buffer then holds the whole frame.
    pub fn finish(self) -> u32 {
        let total = self.buf.len();
        let body = (total - 8) as u64;
        self.buf[2..8].copy_from_slice(&body.to_be_bytes()[2..]);
        if self.single.is_some() {
            return self.rows;
        }
        let field_at = self.rows_at - 5;
        let field_size = (total - field_at - 4) as u32;
        self.buf[field_at..field_at + 4].copy_from_slice(&field_size.to_be_bytes());
        self.buf[self.rows_at..self.rows_at + 4].copy_from_slice(&self.rows.to_be_bytes());
        self.rows
    }
}

/// `[MAP_GET_BY_KEY_LIST, KEY_VALUE, [keys]]`, optionally inside a map-key
/// context `[CTX_FOLLOWS, [MAP_KEY, ctx], ...]`.
pub fn get_by_key_list<'k>(
    out: &mut Vec<u8>,
    ctx: Option<&str>,
    keys: impl ExactSizeIterator<Item = &'k str>,
) {
    if let Some(c) = ctx {
        msgpack::write_array_header(out, 3);
        msgpack::write_uint(out, CTX_FOLLOWS);
        msgpack::write_array_header(out, 2);
        msgpack::write_uint(out, CTX_MAP_KEY);
        msgpack::write_str(out, c);
    }
    msgpack::write_array_header(out, 3);
    msgpack::write_uint(out, MAP_GET_BY_KEY_LIST);
    msgpack::write_uint(out, MAP_RETURN_KEY_VALUE);
    msgpack::write_array_header(out, keys.len());
    for k in keys {
        msgpack::write_str(out, k);
    }
}

/// `[MAP_PUT_ITEMS, {view: <features>}, KEY_ORDERED]`: the caller writes
/// the features map between `put_items_begin` and `put_items_end`.
pub fn put_items_begin(out: &mut Vec<u8>, view: &str) {
    msgpack::write_array_header(out, 3);
    msgpack::write_uint(out, MAP_PUT_ITEMS);
    msgpack::write_map_header(out, 1);
    msgpack::write_str(out, view);
}

pub fn put_items_end(out: &mut Vec<u8>) {
    msgpack::write_uint(out, MAP_ATTR_KEY_ORDERED);
}

/// `[MAP_PUT, view, ms, KEY_ORDERED]`.
pub fn put_event_ts(out: &mut Vec<u8>, view: &str, ms: i64) {
    msgpack::write_array_header(out, 4);
    msgpack::write_uint(out, MAP_PUT);
    msgpack::write_str(out, view);
    msgpack::write_int(out, ms);
    msgpack::write_uint(out, MAP_ATTR_KEY_ORDERED);
}

/// One record of a batch answer.
pub struct Record<'a> {
    pub result_code: u8,
    /// The row's position in the command (its batch index).
    pub index: u32,
    pub ops: Ops<'a>,
}

/// Iterates a record's op results: (bin name, particle type, value bytes).
#[derive(Clone)]
pub struct Ops<'a> {
    buf: &'a [u8],
    left: u16,
}

impl<'a> Iterator for Ops<'a> {
    type Item = Result<(&'a [u8], u8, &'a [u8]), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let buf = self.buf;
        let res = (|| {
            let size = be_u32(buf, 0)? as usize;
            let end = 4usize
                .checked_add(size)
                .filter(|&e| e <= buf.len() && size >= 4)
                .ok_or("truncated op")?;
            let particle = buf[5];
            let name_len = usize::from(buf[7]);
            let name_end = 8 + name_len;
            if name_end > end {
                return Err("op name overruns the op".to_string());
            }
            Ok((end, &buf[8..name_end], particle, &buf[name_end..end]))
        })();
        match res {
            Ok((end, name, particle, value)) => {
                self.buf = &buf[end..];
                Some(Ok((name, particle, value)))
            }
            Err(e) => {
                self.left = 0;
                Some(Err(e))
            }
        }
    }
}

fn be_u32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| "truncated message".to_string())
}

fn be_u16(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or_else(|| "truncated message".to_string())
}

/// What one frame of a batch answer held.
pub enum Frame {
    /// More frames follow.
    More,
    /// The last frame: the batch's own result code (0 when every row was
    /// answered in its record).
    Last(u8),
}

/// Walk the records of one answer frame body, calling `on_record` for each
/// row record.
pub fn parse_frame<'a>(
    body: &'a [u8],
    mut on_record: impl FnMut(Record<'a>) -> Result<(), String>,
) -> Result<Frame, String> {
    let mut at = 0;
    while at < body.len() {
        let (record, info3, next) = parse_record(body, at, true)?;
        if info3 & INFO3_LAST != 0 {
            return Ok(Frame::Last(record.result_code));
        }
        at = next;
        on_record(record)?;
    }
    Ok(Frame::More)
}

/// The answer to a single-record command: exactly one record (its index
/// is 0).
pub fn parse_single(body: &[u8]) -> Result<Record<'_>, String> {
    let (mut record, _, next) = parse_record(body, 0, false)?;
    if next != body.len() {
        return Err(format!(
            "{} bytes after a single-record answer",
            body.len() - next
        ));
    }
    record.index = 0;
    Ok(record)
}

/// One AS_MSG record at `at`: the record, its info3 flags and where the
/// next one starts. With `batch`, a record flagged LAST (a batch's end)
/// has no ops.
fn parse_record(
    body: &[u8],
    mut at: usize,
    batch: bool,
) -> Result<(Record<'_>, u8, usize), String> {
    let header = body
        .get(at..at + usize::from(MSG_HEADER_SIZE))
        .ok_or("truncated record header")?;
    if header[0] != MSG_HEADER_SIZE {
        return Err(format!("unexpected record header size {}", header[0]));
    }
    let info3 = header[3];
    let result_code = header[5];
    let index = be_u32(header, 14)?;
    let n_fields = be_u16(header, 18)?;
    let n_ops = be_u16(header, 20)?;
    at += usize::from(MSG_HEADER_SIZE);
    for _ in 0..n_fields {
        let size = be_u32(body, at)? as usize;
        at = at
            .checked_add(4 + size)
            .filter(|&e| e <= body.len())
            .ok_or("truncated field")?;
    }
    let ops_start = at;
    let has_ops = !(batch && info3 & INFO3_LAST != 0);
    if has_ops {
        for _ in 0..n_ops {
            let size = be_u32(body, at)? as usize;
            at = at
                .checked_add(4 + size)
                .filter(|&e| e <= body.len())
                .ok_or("truncated op")?;
        }
    }
    let record = Record {
        result_code,
        index,
        ops: Ops {
            buf: &body[ops_start..at],
            left: if has_ops { n_ops } else { 0 },
        },
    };
    Ok((record, info3, at))
}

/// Read a proto header: (type, body size).
pub fn parse_proto_header(h: &[u8; 8]) -> Result<(u8, usize), String> {
    if h[0] != PROTO_VERSION {
        return Err(format!("unexpected protocol version {}", h[0]));
    }
    let mut size = [0u8; 8];
    size[2..].copy_from_slice(&h[2..8]);
    Ok((h[1], u64::from_be_bytes(size) as usize))
}

/// An info request frame for `names` (one per line).
pub fn info_request(out: &mut Vec<u8>, names: &[&str]) {
    out.clear();
    let body: usize = names.iter().map(|n| n.len() + 1).sum();
    out.extend_from_slice(&[PROTO_VERSION, TYPE_INFO]);
    out.extend_from_slice(&(body as u64).to_be_bytes()[2..]);
    for n in names {
        out.extend_from_slice(n.as_bytes());
        out.push(b'\n');
    }
}

/// The partition of a digest.
pub fn partition_id(digest: &[u8; 20]) -> usize {
    usize::from(u16::from_le_bytes([digest[0], digest[1]])) & (super::cluster::PARTITIONS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The read command of ../shared/protocol/rust-client.txt (crate 3.0.0
    /// to Aerospike CE 8.1.2.0), rebuilt byte for byte.
    #[test]
    fn read_command_matches_the_official_bytes() {
        let d = |s: &str| -> [u8; 20] { unhex(s).try_into().unwrap() };
        let digests = [
            d("ceb80d2f1c59694fb0aed08cb0d145921c255702"),
            d("7260294dc9cb27c120dc8c2fa90df7c124d9b6b5"),
            d("a34532eb1f9e1cafab5da49e4941ff54b48da884"),
            d("baa8edc717bce7fc95a98808b7b7492a9e0f5858"),
        ];
        let mut buf = Vec::new();
        let mut b = BatchBuilder::new(&mut buf, 500);
        b.read_row(0, &digests[0], "feast", "asprobe_main", 3);
        let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, "features");
        get_by_key_list(b.buf(), None, ["fv_a"].into_iter());
        b.end_op(at);
        let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, "features");
        get_by_key_list(b.buf(), Some("fv_a"), ["conv_rate", "nope"].into_iter());
        b.end_op(at);
        let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, "event_ts");
        get_by_key_list(b.buf(), None, ["fv_a"].into_iter());
        b.end_op(at);
        for (i, d) in digests.iter().enumerate().skip(1) {
            b.read_repeat(i as u32, d);
        }
        assert_eq!(b.finish(), 4);
        let want = unhex(
            "02 03 00 00 00 00 01 0e 16 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 f4
             00 01 00 00 00 00 00 f4 29 00 00 00 04 0d
             00 00 00 00 ceb80d2f1c59694fb0aed08cb0d145921c255702 0a 01 00 00 00 00 00 00
             00 02 00 03 00 00 00 06 00 66 65 61 73 74 00 00 00 0d 01 61 73 70 72 6f 62 65
             5f 6d 61 69 6e
             00 00 00 16 03 04 00 08 66 65 61 74 75 72 65 73 93 6b 08 91 a5 03 66 76 5f 61
             00 00 00 2c 03 04 00 08 66 65 61 74 75 72 65 73 93 cc ff 92 22 a5 03 66 76 5f
             61 93 6b 08 92 aa 03 63 6f 6e 76 5f 72 61 74 65 a5 03 6e 6f 70 65
             00 00 00 16 03 04 00 08 65 76 65 6e 74 5f 74 73 93 6b 08 91 a5 03 66 76 5f 61
             00 00 00 01 7260294dc9cb27c120dc8c2fa90df7c124d9b6b5 01
             00 00 00 02 a34532eb1f9e1cafab5da49e4941ff54b48da884 01
             00 00 00 03 baa8edc717bce7fc95a98808b7b7492a9e0f5858 01",
        );
        assert_eq!(buf, want);
    }

    /// The first write row of the same transcript.
    #[test]
    fn write_row_matches_the_official_bytes() {
        let digest: [u8; 20] = unhex("ceb80d2f1c59694fb0aed08cb0d145921c255702")
            .try_into()
            .unwrap();
        let mut buf = Vec::new();
        let mut b = BatchBuilder::new(&mut buf, 2000);
        b.write_row(0, &digest, "feast", "asprobe_main", 3600, None, 3);
        let at = b.begin_op(OP_CDT_MODIFY, PARTICLE_BLOB, "event_ts");
        put_event_ts(b.buf(), "fv_a", 10);
        b.end_op(at);
        let at = b.begin_op(OP_WRITE, PARTICLE_INTEGER, "created_ts");
        b.buf().extend_from_slice(&11i64.to_be_bytes());
        b.end_op(at);
        b.finish();
        let row = unhex(
            "00 00 00 00 ceb80d2f1c59694fb0aed08cb0d145921c255702 0e 00 81 00 00 00 00 00 0e 10
             00 02 00 03 00 00 00 06 00 66 65 61 73 74 00 00 00 0d 01 61 73 70 72 6f 62 65
             5f 6d 61 69 6e
             00 00 00 16 04 04 00 08 65 76 65 6e 74 5f 74 73 94 43 a5 03 66 76 5f 61 0a 01
             00 00 00 16 02 01 00 0a 63 72 65 61 74 65 64 5f 74 73 00 00 00 00 00 00 00 0b",
        );
        assert_eq!(&buf[35 + 5..], &row[..]);
    }

    #[test]
    fn answer_records_parse_and_garbage_is_refused() {
        // One record (rc 26, index 2, no ops) then the LAST marker.
        let body = unhex(
            "16 00 00 00 00 1a 00 00 00 01 1f c7 f1 e6 00 00 00 02 00 00 00 00
             16 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        );
        let mut seen = Vec::new();
        let f = parse_frame(&body, |r| {
            seen.push((r.result_code, r.index, r.ops.count()));
            Ok(())
        })
        .unwrap();
        assert!(matches!(f, Frame::Last(0)));
        assert_eq!(seen, vec![(26, 2, 0)]);
        // A record claiming an op that is not there.
        let bad =
            unhex("16 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 ff");
        assert!(parse_frame(&bad, |_| Ok(())).is_err());
        assert!(parse_frame(&[0x16, 0], |_| Ok(())).is_err());
    }

    /// The single-record read of ../shared/protocol/rust-client.txt (the
    /// crate's online_read over one key to Aerospike CE 8.1.2.0), rebuilt
    /// byte for byte, and its answer parsed.
    #[test]
    fn single_read_matches_the_official_bytes() {
        let digest: [u8; 20] = unhex("ceb80d2f1c59694fb0aed08cb0d145921c255702")
            .try_into()
            .unwrap();
        let mut buf = Vec::new();
        let mut b = BatchBuilder::single(&mut buf, 500);
        b.read_row(0, &digest, "feast", "asprobe_main", 3);
        let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, "features");
        get_by_key_list(b.buf(), None, ["fv_a"].into_iter());
        b.end_op(at);
        let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, "features");
        get_by_key_list(b.buf(), Some("fv_a"), ["acc_rate"].into_iter());
        b.end_op(at);
        let at = b.begin_op(OP_CDT_READ, PARTICLE_BLOB, "event_ts");
        get_by_key_list(b.buf(), None, ["fv_a"].into_iter());
        b.end_op(at);
        assert_eq!(b.finish(), 1);
        let want = unhex(
            "02 03 00 00 00 00 00 a7 16 01 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 f4
             00 03 00 03 00 00 00 06 00 66 65 61 73 74 00 00 00 0d 01 61 73 70 72 6f 62 65
             5f 6d 61 69 6e 00 00 00 15 04 ceb80d2f1c59694fb0aed08cb0d145921c255702
             00 00 00 16 03 04 00 08 66 65 61 74 75 72 65 73 93 6b 08 91 a5 03 66 76 5f 61
             00 00 00 25 03 04 00 08 66 65 61 74 75 72 65 73 93 cc ff 92 22 a5 03 66 76 5f
             61 93 6b 08 91 a9 03 61 63 63 5f 72 61 74 65
             00 00 00 16 03 04 00 08 65 76 65 6e 74 5f 74 73 93 6b 08 91 a5 03 66 76 5f 61",
        );
        assert_eq!(buf, want);

        let answer = unhex(
            "16 00 00 00 00 00 00 00 00 01 1f c7 f1 e6 00 00 00 00 00 00 00 03
             00 00 00 43 03 13 00 08 66 65 61 74 75 72 65 73 82 c7 00 08 c0 a5 03 66 76 5f
             61 83 c7 00 01 c0 a9 03 61 63 63 5f 72 61 74 65 cb 3f ec cc cc cc cc cc cd aa
             03 63 6f 6e 76 5f 72 61 74 65 cb 3f b9 99 99 99 99 99 9a
             00 00 00 24 03 13 00 08 66 65 61 74 75 72 65 73 82 c7 00 08 c0 a9 03 61 63 63
             5f 72 61 74 65 cb 3f ec cc cc cc cc cc cd
             00 00 00 18 03 13 00 08 65 76 65 6e 74 5f 74 73 82 c7 00 08 c0 a5 03 66 76 5f
             61 0a",
        );
        let rec = parse_single(&answer).unwrap();
        assert_eq!((rec.result_code, rec.index), (0, 0));
        let ops: Vec<_> = rec.ops.map(|o| o.unwrap()).collect();
        let names: Vec<&[u8]> = ops.iter().map(|o| o.0).collect();
        assert_eq!(names, [&b"features"[..], b"features", b"event_ts"]);
        assert_eq!(ops[2].2, unhex("82 c7 00 08 c0 a5 03 66 76 5f 61 0a"));
        // A truncated answer, or bytes after the record, are errors.
        assert!(parse_single(&answer[..answer.len() - 1]).is_err());
        let mut longer = answer.clone();
        longer.push(0);
        assert!(parse_single(&longer).is_err());
        // A not-found answer: the code, no ops.
        let miss = unhex("16 00 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        let rec = parse_single(&miss).unwrap();
        assert_eq!((rec.result_code, rec.ops.count()), (2, 0));
    }

    /// The single-record write of ../shared/protocol/python-client.txt
    /// (Feast's Python client's operate put), rebuilt byte for byte.
    #[test]
    fn single_write_matches_the_official_bytes() {
        let digest: [u8; 20] = unhex("adfdb4c2c5931de2d0ce71c41ebce682120d49cb")
            .try_into()
            .unwrap();
        let mut buf = Vec::new();
        let mut b = BatchBuilder::single(&mut buf, 1000);
        b.write_row(0, &digest, "feast", "proto_demo", 0, None, 3);
        let at = b.begin_op(OP_CDT_MODIFY, PARTICLE_BLOB, "features");
        put_items_begin(b.buf(), "fv");
        msgpack::write_map_header(b.buf(), 3);
        msgpack::write_str(b.buf(), "f1");
        msgpack::write_f64(b.buf(), 1.5);
        msgpack::write_str(b.buf(), "f2");
        msgpack::write_str(b.buf(), "x");
        msgpack::write_str(b.buf(), "f3");
        msgpack::write_nil(b.buf());
        put_items_end(b.buf());
        b.end_op(at);
        let at = b.begin_op(OP_CDT_MODIFY, PARTICLE_BLOB, "event_ts");
        put_event_ts(b.buf(), "fv", 1_700_000_000_000_000);
        b.end_op(at);
        let at = b.begin_op(OP_WRITE, PARTICLE_INTEGER, "created_ts");
        b.buf().extend_from_slice(&123i64.to_be_bytes());
        b.end_op(at);
        assert_eq!(b.finish(), 1);
        let want = unhex(
            "02 03 00 00 00 00 00 b4 16 00 81 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8
             00 03 00 03 00 00 00 06 00 66 65 61 73 74 00 00 00 0b 01 70 72 6f 74 6f 5f 64
             65 6d 6f 00 00 00 15 04 adfdb4c2c5931de2d0ce71c41ebce682120d49cb
             00 00 00 2e 04 04 00 08 66 65 61 74 75 72 65 73 93 44 81 a3 03 66 76 83 a3 03
             66 31 cb 3f f8 00 00 00 00 00 00 a3 03 66 32 a2 03 78 a3 03 66 33 c0 01
             00 00 00 1c 04 04 00 08 65 76 65 6e 74 5f 74 73 94 43 a3 03 66 76 cf 00 06 0a
             24 18 1e 40 00 01
             00 00 00 16 02 01 00 0a 63 72 65 61 74 65 64 5f 74 73 00 00 00 00 00 00 00 7b",
        );
        assert_eq!(buf, want);
    }
}
