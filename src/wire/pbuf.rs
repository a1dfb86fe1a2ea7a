//! Protobuf wire writing for the response messages the hot path produces
//! (`ReadResponse` and friends), straight into bytes, and a field reader for
//! the request it takes apart without prost (`WriteBatchRequest`, see
//! `write_request.rs`). Field numbers are those of
//! proto/feast_aerospike/v1/*.proto; `tests` checks the bytes decode with
//! prost into the expected messages.

pub const WT_VARINT: u8 = 0;
pub const WT_I64: u8 = 1;
pub const WT_LEN: u8 = 2;
pub const WT_I32: u8 = 5;
const WT_START_GROUP: u8 = 3;
const WT_END_GROUP: u8 = 4;

pub fn tag(field: u32, wire_type: u8) -> u8 {
    // Every field the hot path writes has a number below 16: one byte.
    debug_assert!(field < 16);
    ((field << 3) as u8) | wire_type
}

/// A field key of any number.
pub fn put_tag(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    put_varint(out, u64::from((field << 3) | u32::from(wire_type)));
}

pub fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field: tag, length, payload.
pub fn put_bytes_field(out: &mut Vec<u8>, field: u32, payload: &[u8]) {
    out.push(tag(field, WT_LEN));
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// The size of a length-delimited field holding `len` bytes.
pub fn len_field_size(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// A `google.protobuf.Timestamp` body for epoch milliseconds (zero fields
/// omitted, as every protobuf encoder does).
pub fn timestamp_body(ms: i64, out: &mut [u8; 24]) -> usize {
    let seconds = ms.div_euclid(1000);
    let nanos = (ms.rem_euclid(1000) * 1_000_000) as u64;
    let mut n = 0;
    let mut push_varint = |field: u32, value: u64, n: &mut usize| {
        out[*n] = tag(field, WT_VARINT);
        *n += 1;
        let mut x = value;
        while x >= 0x80 {
            out[*n] = (x as u8) | 0x80;
            *n += 1;
            x >>= 7;
        }
        out[*n] = x as u8;
        *n += 1;
    };
    if seconds != 0 {
        push_varint(1, seconds as u64, &mut n);
    }
    if nanos != 0 {
        push_varint(2, nanos, &mut n);
    }
    n
}

/// One field of a message, as [`Reader`] finds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    Varint(u64),
    Len(&'a [u8]),
    /// A fixed32, fixed64 or group field: its bytes, never needed here.
    Other,
}

/// Walks the fields of one message body, as prost's decoder does: unknown
/// fields (groups included) are skipped, a truncated field or a wire type
/// that does not exist is an error.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for (i, &b) in self.buf.iter().take(10).enumerate() {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == 9 && b > 1 {
                    break;
                }
                self.buf = &self.buf[i + 1..];
                return Ok(v);
            }
        }
        Err("invalid varint".into())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        if n > self.buf.len() as u64 {
            return Err("buffer underflow".into());
        }
        let (head, rest) = self.buf.split_at(n as usize);
        self.buf = rest;
        Ok(head)
    }

    /// The next field: (number, value), or None at the end.
    pub fn next_field(&mut self) -> Result<Option<(u32, Field<'a>)>, String> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        if key > u64::from(u32::MAX) {
            return Err(format!("invalid key value: {key}"));
        }
        let (number, wire_type) = ((key >> 3) as u32, (key & 7) as u8);
        if number == 0 {
            return Err("invalid field number: 0".into());
        }
        let field = match wire_type {
            WT_VARINT => Field::Varint(self.varint()?),
            WT_LEN => {
                let n = self.varint()?;
                Field::Len(self.take(n)?)
            }
            WT_I64 => {
                self.take(8)?;
                Field::Other
            }
            WT_I32 => {
                self.take(4)?;
                Field::Other
            }
            WT_START_GROUP => {
                self.skip_group(number, 0)?;
                Field::Other
            }
            _ => return Err(format!("invalid wire type value: {wire_type}")),
        };
        Ok(Some((number, field)))
    }

    /// Skip a group's fields up to its end-group key.
    fn skip_group(&mut self, number: u32, depth: u32) -> Result<(), String> {
        if depth > 100 {
            return Err("recursion limit reached".into());
        }
        loop {
            if self.buf.is_empty() {
                return Err("unexpected end of group".into());
            }
            let key = self.varint()?;
            let (n, wt) = ((key >> 3) as u32, (key & 7) as u8);
            match wt {
                WT_END_GROUP if n == number => return Ok(()),
                WT_END_GROUP => return Err("unexpected end group tag".into()),
                WT_START_GROUP => self.skip_group(n, depth + 1)?,
                WT_VARINT => {
                    self.varint()?;
                }
                WT_LEN => {
                    let len = self.varint()?;
                    self.take(len)?;
                }
                WT_I64 => {
                    self.take(8)?;
                }
                WT_I32 => {
                    self.take(4)?;
                }
                _ => return Err(format!("invalid wire type value: {wt}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn timestamps_match_prost() {
        for ms in [
            0i64,
            1,
            999,
            1_704_067_200_000,
            -1,
            -1001,
            253_402_300_799_999,
        ] {
            let mut buf = [0u8; 24];
            let n = timestamp_body(ms, &mut buf);
            let want = crate::codec::ms_to_timestamp(ms).encode_to_vec();
            assert_eq!(&buf[..n], &want[..], "{ms}");
        }
    }

    #[test]
    fn varints_match_prost() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX, (-5i64) as u64] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v));
            let mut b = &out[..];
            assert_eq!(prost::encoding::decode_varint(&mut b).unwrap(), v);
        }
    }
}
