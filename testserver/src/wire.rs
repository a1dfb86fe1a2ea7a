//! Framing of the wire protocol: the 8-byte proto header, the 22-byte AS_MSG
//! header, fields and ops, and the builders for answers. Parsing works on a
//! complete frame body and checks every length against the bytes present, so
//! malformed input becomes an error value, never a panic or an allocation
//! larger than the frame itself.

pub const PROTO_VERSION: u8 = 2;
pub const TYPE_INFO: u8 = 1;
pub const TYPE_SECURITY: u8 = 2;
pub const TYPE_MSG: u8 = 3;
pub const TYPE_MSG_COMPRESSED: u8 = 4;

pub const MSG_HEADER_SIZE: usize = 22;

pub const INFO1_READ: u8 = 0x01;
pub const INFO1_GET_ALL: u8 = 0x02;
pub const INFO1_SHORT_QUERY: u8 = 0x04;
pub const INFO1_BATCH: u8 = 0x08;
pub const INFO1_NOBINDATA: u8 = 0x20;
pub const INFO1_COMPRESS_RESPONSE: u8 = 0x80;

pub const INFO2_WRITE: u8 = 0x01;
pub const INFO2_DELETE: u8 = 0x02;
pub const INFO2_GENERATION: u8 = 0x04;
pub const INFO2_GENERATION_GT: u8 = 0x08;
pub const INFO2_CREATE_ONLY: u8 = 0x20;
pub const INFO2_RESPOND_ALL_OPS: u8 = 0x80;

pub const INFO3_LAST: u8 = 0x01;
pub const INFO3_PARTITION_DONE: u8 = 0x04;
pub const INFO3_UPDATE_ONLY: u8 = 0x08;
pub const INFO3_CREATE_OR_REPLACE: u8 = 0x10;
pub const INFO3_REPLACE_ONLY: u8 = 0x20;

pub const FIELD_NAMESPACE: u8 = 0;
pub const FIELD_SET: u8 = 1;
pub const FIELD_KEY: u8 = 2;
pub const FIELD_DIGEST: u8 = 4;
pub const FIELD_TASK_ID: u8 = 7;
pub const FIELD_SOCKET_TIMEOUT: u8 = 9;
pub const FIELD_RPS: u8 = 10;
pub const FIELD_PID_ARRAY: u8 = 11;
pub const FIELD_DIGEST_ARRAY: u8 = 12;
pub const FIELD_MAX_RECORDS: u8 = 13;
pub const FIELD_INDEX_RANGE: u8 = 22;
pub const FIELD_UDF_PACKAGE_NAME: u8 = 30;
pub const FIELD_UDF_OP: u8 = 33;
pub const FIELD_QUERY_BINLIST: u8 = 40;
pub const FIELD_BATCH_INDEX: u8 = 41;
pub const FIELD_BATCH_INDEX_WITH_SET: u8 = 42;
pub const FIELD_FILTER_EXP: u8 = 43;

pub const OP_READ: u8 = 1;
pub const OP_WRITE: u8 = 2;
pub const OP_CDT_READ: u8 = 3;
pub const OP_CDT_MODIFY: u8 = 4;
pub const OP_INCR: u8 = 5;
pub const OP_APPEND: u8 = 9;
pub const OP_PREPEND: u8 = 10;
pub const OP_TOUCH: u8 = 11;
pub const OP_DELETE: u8 = 14;

/// A decoded proto header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoHeader {
    pub version: u8,
    pub msg_type: u8,
    pub size: u64,
}

impl ProtoHeader {
    pub fn parse(b: &[u8; 8]) -> ProtoHeader {
        let size = b[2..8].iter().fold(0u64, |a, &x| (a << 8) | x as u64);
        ProtoHeader {
            version: b[0],
            msg_type: b[1],
            size,
        }
    }

    pub fn encode(msg_type: u8, size: usize) -> [u8; 8] {
        let s = (size as u64).to_be_bytes();
        [PROTO_VERSION, msg_type, s[2], s[3], s[4], s[5], s[6], s[7]]
    }
}

/// A protocol violation found while decoding a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn werr<T>(msg: impl Into<String>) -> Result<T, WireError> {
    Err(WireError(msg.into()))
}

/// Bounds-checked reader over a byte slice.
pub struct Cursor<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], WireError> {
        if n > self.remaining() {
            return werr(format!(
                "truncated {what}: need {n} bytes at offset {}, {} left",
                self.pos,
                self.remaining()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &str) -> Result<u16, WireError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self, what: &str) -> Result<u32, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgHeader {
    pub info1: u8,
    pub info2: u8,
    pub info3: u8,
    pub info4: u8,
    pub result_code: u8,
    pub generation: u32,
    pub record_ttl: u32,
    pub transaction_ttl: u32,
    pub n_fields: u16,
    pub n_ops: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub field_type: u8,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub op_type: u8,
    pub particle: u8,
    pub name: String,
    pub value: Vec<u8>,
}

/// One AS_MSG with its fields and ops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Msg {
    pub header: MsgHeader,
    pub fields: Vec<Field>,
    pub ops: Vec<Op>,
}

impl Msg {
    pub fn field(&self, t: u8) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|f| f.field_type == t)
            .map(|f| f.data.as_slice())
    }

    pub fn field_str(&self, t: u8) -> Result<Option<String>, WireError> {
        match self.field(t) {
            None => Ok(None),
            Some(b) => match std::str::from_utf8(b) {
                Ok(s) => Ok(Some(s.to_string())),
                Err(_) => werr(format!("field {t} is not UTF-8")),
            },
        }
    }
}

/// Parses a complete AS_MSG body (the bytes after the proto header).
pub fn parse_msg(body: &[u8]) -> Result<Msg, WireError> {
    let mut c = Cursor::new(body);
    let header = parse_msg_header(&mut c)?;
    let fields = parse_fields(&mut c, header.n_fields as usize)?;
    let ops = parse_ops(&mut c, header.n_ops as usize)?;
    if c.remaining() != 0 {
        return werr(format!("{} trailing bytes after ops", c.remaining()));
    }
    Ok(Msg {
        header,
        fields,
        ops,
    })
}

pub fn parse_msg_header(c: &mut Cursor<'_>) -> Result<MsgHeader, WireError> {
    let header_sz = c.u8("header_sz")?;
    if header_sz as usize != MSG_HEADER_SIZE {
        return werr(format!("header_sz {header_sz}, expected 22"));
    }
    Ok(MsgHeader {
        info1: c.u8("info1")?,
        info2: c.u8("info2")?,
        info3: c.u8("info3")?,
        info4: c.u8("info4")?,
        result_code: c.u8("result_code")?,
        generation: c.u32("generation")?,
        record_ttl: c.u32("record_ttl")?,
        transaction_ttl: c.u32("transaction_ttl")?,
        n_fields: c.u16("n_fields")?,
        n_ops: c.u16("n_ops")?,
    })
}

pub fn parse_fields(c: &mut Cursor<'_>, n: usize) -> Result<Vec<Field>, WireError> {
    let mut fields = Vec::with_capacity(n.min(c.remaining() / 5));
    for i in 0..n {
        let size = c.u32("field size")? as usize;
        if size == 0 {
            return werr(format!("field {i} has size 0"));
        }
        let field_type = c.u8("field type")?;
        let data = c.take(size - 1, "field data")?.to_vec();
        fields.push(Field { field_type, data });
    }
    Ok(fields)
}

pub fn parse_ops(c: &mut Cursor<'_>, n: usize) -> Result<Vec<Op>, WireError> {
    let mut ops = Vec::with_capacity(n.min(c.remaining() / 8));
    for i in 0..n {
        let size = c.u32("op size")? as usize;
        if size < 4 {
            return werr(format!("op {i} has size {size} < 4"));
        }
        let op_type = c.u8("op type")?;
        let particle = c.u8("particle type")?;
        let _flags = c.u8("op flags")?;
        let name_len = c.u8("bin name length")? as usize;
        if name_len > size - 4 {
            return werr(format!("op {i}: bin name longer than the op"));
        }
        let name = c.take(name_len, "bin name")?;
        let name = match std::str::from_utf8(name) {
            Ok(s) => s.to_string(),
            Err(_) => return werr(format!("op {i}: bin name is not UTF-8")),
        };
        let value = c.take(size - 4 - name_len, "op value")?.to_vec();
        ops.push(Op {
            op_type,
            particle,
            name,
            value,
        });
    }
    Ok(ops)
}

/// Builds answer messages into one buffer; `finish` prepends the proto header.
pub struct ResponseBuilder {
    buf: Vec<u8>,
}

/// One op result in an answer.
pub struct OpResult<'a> {
    pub op_type: u8,
    pub particle: u8,
    pub name: &'a str,
    pub value: &'a [u8],
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReplyHeader {
    pub info1: u8,
    pub info3: u8,
    pub result_code: u8,
    pub generation: u32,
    pub void_time: u32,
    pub transaction_ttl: u32,
}

impl Default for ResponseBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseBuilder {
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&[0u8; 8]);
        ResponseBuilder { buf }
    }

    pub fn body_len(&self) -> usize {
        self.buf.len() - 8
    }

    pub fn message(&mut self, h: ReplyHeader, fields: &[(u8, &[u8])], ops: &[OpResult<'_>]) {
        let b = &mut self.buf;
        b.push(MSG_HEADER_SIZE as u8);
        b.push(h.info1);
        b.push(0);
        b.push(h.info3);
        b.push(0);
        b.push(h.result_code);
        b.extend_from_slice(&h.generation.to_be_bytes());
        b.extend_from_slice(&h.void_time.to_be_bytes());
        b.extend_from_slice(&h.transaction_ttl.to_be_bytes());
        b.extend_from_slice(&(fields.len() as u16).to_be_bytes());
        b.extend_from_slice(&(ops.len() as u16).to_be_bytes());
        for (t, data) in fields {
            b.extend_from_slice(&((data.len() + 1) as u32).to_be_bytes());
            b.push(*t);
            b.extend_from_slice(data);
        }
        for op in ops {
            let name = op.name.as_bytes();
            let name_len = name.len().min(255);
            b.extend_from_slice(&((4 + name_len + op.value.len()) as u32).to_be_bytes());
            b.push(op.op_type);
            b.push(op.particle);
            b.push(0);
            b.push(name_len as u8);
            b.extend_from_slice(&name[..name_len]);
            b.extend_from_slice(op.value);
        }
    }

    /// A bare header-only message (errors, LAST markers).
    pub fn simple(&mut self, h: ReplyHeader) {
        self.message(h, &[], &[]);
    }

    pub fn finish(mut self) -> Vec<u8> {
        let n = self.buf.len() - 8;
        self.buf[..8].copy_from_slice(&ProtoHeader::encode(TYPE_MSG, n));
        self.buf
    }
}

/// The lone LAST message that ends every multi-message answer.
pub fn last_frame(result_code: u8) -> Vec<u8> {
    let mut rb = ResponseBuilder::new();
    rb.simple(ReplyHeader {
        info3: INFO3_LAST,
        result_code,
        ..Default::default()
    });
    rb.finish()
}

pub fn info_frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&ProtoHeader::encode(TYPE_INFO, body.len()));
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_python_get_request() {
        // python-client.txt, "get": READ|GET_ALL with namespace, set, digest.
        let frame: Vec<u8> = [
            "16 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8 00 03 00 00",
            "00 00 00 06 00 66 65 61 73 74",
            "00 00 00 0b 01 70 72 6f 74 6f 5f 64 65 6d 6f",
            "00 00 00 15 04 ad fd b4 c2 c5 93 1d e2 d0 ce 71 c4 1e bc e6 82 12 0d 49 cb",
        ]
        .join(" ")
        .split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
        let m = parse_msg(&frame).unwrap();
        assert_eq!(m.header.info1, INFO1_READ | INFO1_GET_ALL);
        assert_eq!(m.header.transaction_ttl, 1000);
        assert_eq!(m.field_str(FIELD_NAMESPACE).unwrap().unwrap(), "feast");
        assert_eq!(m.field_str(FIELD_SET).unwrap().unwrap(), "proto_demo");
        assert_eq!(m.field(FIELD_DIGEST).unwrap().len(), 20);
        assert!(m.ops.is_empty());
    }

    #[test]
    fn rejects_truncation_at_every_length() {
        let mut rb = ResponseBuilder::new();
        rb.message(
            ReplyHeader::default(),
            &[(FIELD_NAMESPACE, b"feast")],
            &[OpResult {
                op_type: OP_WRITE,
                particle: 1,
                name: "bin",
                value: &[0; 8],
            }],
        );
        let frame = rb.finish();
        let body = &frame[8..];
        assert!(parse_msg(body).is_ok());
        for n in 0..body.len() {
            assert!(parse_msg(&body[..n]).is_err(), "prefix {n} accepted");
        }
    }
}
