//! Msgpack values as the Aerospike wire protocol uses them inside CDT bins and
//! CDT op programs: strings keep their leading particle-type byte, ordered maps
//! carry a leading `ext(0, flags) -> nil` pair, and values compare in the
//! server's cross-type order. Decoding is bounded (depth and length checked
//! against the input) and never panics.

use std::cmp::Ordering;

/// Map flag: keys are kept sorted.
pub const MAP_K_ORDERED: u8 = 0x01;
/// Map flag: keys and values are kept sorted.
pub const MAP_KV_ORDERED: u8 = 0x03;
/// Map flag: the answer keeps the server's pair order (KEY_VALUE results).
pub const MAP_PRESERVE_ORDER: u8 = 0x08;
/// Ordered-list flag (lists use the same ext trick).
pub const LIST_ORDERED: u8 = 0x01;

/// Deepest nesting accepted: deeper input is refused rather than recursed.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    /// Positive integers above `i64::MAX`.
    UInt(u64),
    F32(f32),
    F64(f64),
    /// msgpack str payload including the Aerospike particle-type prefix byte.
    Str(Vec<u8>),
    /// msgpack bin payload.
    Bin(Vec<u8>),
    List(List),
    Map(Map),
    /// ext types other than the container flag marker (wildcard, infinity).
    Ext(i8, Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct List {
    pub flags: u8,
    pub items: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    pub flags: u8,
    pub entries: Vec<(Value, Value)>,
}

impl Map {
    pub fn new(flags: u8) -> Self {
        Map {
            flags,
            entries: Vec::new(),
        }
    }

    pub fn is_key_ordered(&self) -> bool {
        self.flags & MAP_K_ORDERED != 0
    }

    /// Position of `key`, if present.
    pub fn find(&self, key: &Value) -> Option<usize> {
        if self.is_key_ordered() {
            self.entries.binary_search_by(|(k, _)| compare(k, key)).ok()
        } else {
            self.entries
                .iter()
                .position(|(k, _)| compare(k, key) == Ordering::Equal)
        }
    }

    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.find(key).map(|i| &self.entries[i].1)
    }

    /// Inserts or replaces, keeping key order for ordered maps and insertion
    /// order otherwise.
    pub fn put(&mut self, key: Value, value: Value) {
        if self.is_key_ordered() {
            match self.entries.binary_search_by(|(k, _)| compare(k, &key)) {
                Ok(i) => self.entries[i].1 = value,
                Err(i) => self.entries.insert(i, (key, value)),
            }
        } else {
            match self.find(&key) {
                Some(i) => self.entries[i].1 = value,
                None => self.entries.push((key, value)),
            }
        }
    }

    pub fn remove(&mut self, key: &Value) -> Option<(Value, Value)> {
        self.find(key).map(|i| self.entries.remove(i))
    }

    /// Re-sorts after a change of flags to an ordered type.
    pub fn sort_if_ordered(&mut self) {
        if self.is_key_ordered() {
            self.entries.sort_by(|a, b| compare(&a.0, &b.0));
            self.entries
                .dedup_by(|a, b| compare(&a.0, &b.0) == Ordering::Equal);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "msgpack: {}", self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(msg.into()))
}

/// Decodes exactly one value from `buf`; trailing bytes are an error.
pub fn decode(buf: &[u8]) -> Result<Value, DecodeError> {
    let mut r = Reader { buf, pos: 0 };
    let v = r.value(0)?;
    if r.pos != buf.len() {
        return err(format!("{} trailing bytes", buf.len() - r.pos));
    }
    Ok(v)
}

/// Decodes one value from the front of `buf`, returning it and the bytes used.
pub fn decode_prefix(buf: &[u8]) -> Result<(Value, usize), DecodeError> {
    let mut r = Reader { buf, pos: 0 };
    let v = r.value(0)?;
    Ok((v, r.pos))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| DecodeError(format!("truncated: need {n} bytes at {}", self.pos)))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn be(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self.take(n)?.iter().fold(0u64, |a, &b| (a << 8) | b as u64))
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return err("nesting too deep");
        }
        let b = self.u8()?;
        Ok(match b {
            0x00..=0x7f => Value::Int(b as i64),
            0x80..=0x8f => self.map((b & 0x0f) as usize, depth)?,
            0x90..=0x9f => self.list((b & 0x0f) as usize, depth)?,
            0xa0..=0xbf => Value::Str(self.take((b & 0x1f) as usize)?.to_vec()),
            0xc0 => Value::Nil,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let n = self.be(1 << (b - 0xc4))? as usize;
                Value::Bin(self.take(n)?.to_vec())
            }
            0xc7..=0xc9 => {
                let n = self.be(1 << (b - 0xc7))? as usize;
                let t = self.u8()? as i8;
                Value::Ext(t, self.take(n)?.to_vec())
            }
            0xca => Value::F32(f32::from_bits(self.be(4)? as u32)),
            0xcb => Value::F64(f64::from_bits(self.be(8)?)),
            0xcc => Value::Int(self.be(1)? as i64),
            0xcd => Value::Int(self.be(2)? as i64),
            0xce => Value::Int(self.be(4)? as i64),
            0xcf => {
                let v = self.be(8)?;
                if v > i64::MAX as u64 {
                    Value::UInt(v)
                } else {
                    Value::Int(v as i64)
                }
            }
            0xd0 => Value::Int(self.be(1)? as u8 as i8 as i64),
            0xd1 => Value::Int(self.be(2)? as u16 as i16 as i64),
            0xd2 => Value::Int(self.be(4)? as u32 as i32 as i64),
            0xd3 => Value::Int(self.be(8)? as i64),
            0xd4..=0xd8 => {
                let n = 1usize << (b - 0xd4);
                let t = self.u8()? as i8;
                Value::Ext(t, self.take(n)?.to_vec())
            }
            0xd9..=0xdb => {
                let n = self.be(1 << (b - 0xd9))? as usize;
                Value::Str(self.take(n)?.to_vec())
            }
            0xdc | 0xdd => {
                let n = self.be(2 << (b - 0xdc))? as usize;
                self.list(n, depth)?
            }
            0xde | 0xdf => {
                let n = self.be(2 << (b - 0xde))? as usize;
                self.map(n, depth)?
            }
            0xe0..=0xff => Value::Int(b as i8 as i64),
            0xc1 => return err("reserved byte 0xc1"),
        })
    }

    fn list(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        if n > self.remaining() {
            return err(format!("list of {n} elements exceeds input"));
        }
        let mut flags = 0;
        let mut count = n;
        if n > 0 && self.is_flag_marker() {
            flags = self.read_flag_marker()?;
            count -= 1;
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(self.value(depth + 1)?);
        }
        Ok(Value::List(List { flags, items }))
    }

    fn is_flag_marker(&self) -> bool {
        let rest = &self.buf[self.pos..];
        rest.len() >= 3 && rest[0] == 0xc7 && rest[1] == 0
    }

    /// `c7 00 <flags>`: ext8 with zero payload whose type byte is the flags.
    fn read_flag_marker(&mut self) -> Result<u8, DecodeError> {
        let m = self.take(3)?;
        Ok(m[2])
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        if n > self.remaining() / 2 + 1 {
            return err(format!("map of {n} pairs exceeds input"));
        }
        let mut flags = 0;
        let mut count = n;
        if n > 0 && self.is_flag_marker() {
            flags = self.read_flag_marker()?;
            // The marker's value (nil) completes the pair.
            self.value(depth + 1)?;
            count -= 1;
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            entries.push((k, v));
        }
        let mut m = Map { flags, entries };
        // Stored ordered maps must be sorted and unique whatever the client sent.
        m.sort_if_ordered();
        Ok(Value::Map(m))
    }
}

/// Encodes `v` in Aerospike's msgpack form (smallest integer encodings).
pub fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Int(i) => encode_int(*i, out),
        Value::UInt(u) => {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
        Value::F32(f) => {
            out.push(0xca);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::F64(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::Str(s) => {
            encode_str_header(s.len(), out);
            out.extend_from_slice(s);
        }
        Value::Bin(b) => {
            let n = b.len();
            if n < 256 {
                out.push(0xc4);
                out.push(n as u8);
            } else if n < 65536 {
                out.push(0xc5);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            } else {
                out.push(0xc6);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            out.extend_from_slice(b);
        }
        Value::List(l) => encode_list(l, out),
        Value::Map(m) => encode_map(m, out),
        Value::Ext(t, data) => {
            match data.len() {
                1 => out.push(0xd4),
                2 => out.push(0xd5),
                4 => out.push(0xd6),
                8 => out.push(0xd7),
                16 => out.push(0xd8),
                n if n < 256 => {
                    out.push(0xc7);
                    out.push(n as u8);
                }
                n if n < 65536 => {
                    out.push(0xc8);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                }
                n => {
                    out.push(0xc9);
                    out.extend_from_slice(&(n as u32).to_be_bytes());
                }
            }
            out.push(*t as u8);
            out.extend_from_slice(data);
        }
    }
}

pub fn encode_list(l: &List, out: &mut Vec<u8>) {
    let extra = usize::from(l.flags != 0);
    encode_container_header(0x90, 0xdc, l.items.len() + extra, out);
    if l.flags != 0 {
        out.extend_from_slice(&[0xc7, 0x00, l.flags]);
    }
    for i in &l.items {
        encode(i, out);
    }
}

/// Encodes a map with its flags marker (the persisted-index bit is
/// server-internal and never sent).
pub fn encode_map(m: &Map, out: &mut Vec<u8>) {
    let flags = m.flags & !0x10;
    let extra = usize::from(flags != 0);
    encode_container_header(0x80, 0xde, m.entries.len() + extra, out);
    if flags != 0 {
        out.extend_from_slice(&[0xc7, 0x00, flags, 0xc0]);
    }
    for (k, v) in &m.entries {
        encode(k, out);
        encode(v, out);
    }
}

pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode(v, &mut out);
    out
}

fn encode_int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        let u = i as u64;
        if u < 128 {
            out.push(u as u8);
        } else if u < 256 {
            out.extend_from_slice(&[0xcc, u as u8]);
        } else if u < 65536 {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        } else if u < (1 << 32) {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i8::MIN as i64 {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= i16::MIN as i64 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i32::MIN as i64 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn encode_str_header(n: usize, out: &mut Vec<u8>) {
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n < 256 {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n < 65536 {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn encode_container_header(fix: u8, big: u8, n: usize, out: &mut Vec<u8>) {
    if n < 16 {
        out.push(fix | n as u8);
    } else if n < 65536 {
        out.push(big);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(big + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Rank of a value's type in the server's cross-type order
/// (NIL < BOOL < INT < STRING < LIST < MAP < BYTES < DOUBLE < GEOJSON < ...).
fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Nil => 1,
        Value::Bool(_) => 2,
        Value::Int(_) | Value::UInt(_) => 3,
        Value::Str(s) => match s.first() {
            Some(3) | None => 4,
            Some(4) => 7,
            Some(23) => 9,
            Some(_) => 7,
        },
        Value::List(_) => 5,
        Value::Map(_) => 6,
        Value::Bin(_) => 7,
        Value::F32(_) | Value::F64(_) => 8,
        Value::Ext(t, d) => {
            // Wildcard (0xff, 0) and infinity (0xff, 1) sort last.
            if *t == -1 && d.first() == Some(&1) {
                12
            } else {
                11
            }
        }
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::F32(f) => *f as f64,
        Value::F64(f) => *f,
        _ => 0.0,
    }
}

/// The server's total order over msgpack values.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::UInt(x), Value::UInt(y)) => x.cmp(y),
        (Value::Int(_), Value::UInt(_)) => Ordering::Less,
        (Value::UInt(_), Value::Int(_)) => Ordering::Greater,
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bin(x), Value::Bin(y)) => x.cmp(y),
        (Value::Str(x), Value::Bin(y)) => x[1.min(x.len())..].cmp(y.as_slice()),
        (Value::Bin(x), Value::Str(y)) => x.as_slice().cmp(&y[1.min(y.len())..]),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.items.iter().zip(&y.items) {
                let c = compare(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.items.len().cmp(&y.items.len())
        }
        (Value::Map(x), Value::Map(y)) => {
            let c = x.entries.len().cmp(&y.entries.len());
            if c != Ordering::Equal {
                return c;
            }
            for ((k1, v1), (k2, v2)) in x.entries.iter().zip(&y.entries) {
                let c = compare(k1, k2).then_with(|| compare(v1, v2));
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }
        (Value::Ext(t1, d1), Value::Ext(t2, d2)) => t1.cmp(t2).then_with(|| d1.cmp(d2)),
        _ if ra == 8 => as_f64(a).total_cmp(&as_f64(b)),
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        let mut v = vec![3u8];
        v.extend_from_slice(x.as_bytes());
        Value::Str(v)
    }

    #[test]
    fn ordered_map_round_trip_matches_transcript() {
        // {<K_ORDERED>, "fv": 1700000000000000} from python-client.txt
        let bytes = [
            0x82, 0xc7, 0x00, 0x01, 0xc0, 0xa3, 0x03, 0x66, 0x76, 0xcf, 0x00, 0x06, 0x0a, 0x24,
            0x18, 0x1e, 0x40, 0x00,
        ];
        let v = decode(&bytes).unwrap();
        match &v {
            Value::Map(m) => {
                assert_eq!(m.flags, MAP_K_ORDERED);
                assert_eq!(m.entries.len(), 1);
                assert_eq!(m.entries[0].0, s("fv"));
                assert_eq!(m.entries[0].1, Value::Int(1_700_000_000_000_000));
            }
            other => panic!("not a map: {other:?}"),
        }
        assert_eq!(to_bytes(&v), bytes);
    }

    #[test]
    fn ordered_map_sorts_unsorted_input() {
        let mut m = Map::new(MAP_K_ORDERED);
        m.put(s("b"), Value::Int(2));
        m.put(s("a"), Value::Nil);
        m.put(s("c"), Value::Int(3));
        let keys: Vec<_> = m.entries.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, vec![s("a"), s("b"), s("c")]);
    }

    #[test]
    fn cross_type_order() {
        assert_eq!(compare(&Value::Nil, &Value::Bool(false)), Ordering::Less);
        assert_eq!(compare(&Value::Int(5), &s("a")), Ordering::Less);
        assert_eq!(compare(&s("z"), &Value::F64(0.0)), Ordering::Less);
        assert_eq!(compare(&Value::Int(-1), &Value::Int(1)), Ordering::Less);
    }

    #[test]
    fn hostile_lengths_are_errors() {
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode(&[0xdf, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode(&[0xdb, 0xff, 0xff, 0xff, 0xff]).is_err());
        let deep = vec![0x91u8; 1000];
        assert!(decode(&deep).is_err());
        assert!(decode(&[0xc1]).is_err());
        assert!(decode(&[0x01, 0x02]).is_err());
    }
}
