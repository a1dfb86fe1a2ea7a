//! The msgpack subset Aerospike speaks inside CDT programs and map bins: a
//! bounds-checked reader over a byte slice (no allocation) and writers that
//! append to a `Vec<u8>` with the smallest encoding, as Python's msgpack and
//! the official clients do.
//!
//! Aerospike strings and blobs are msgpack `str` whose payload starts with a
//! particle type byte: 0x03 for UTF-8 text, 0x04 for bytes.

use aerospike::{FloatValue, IndexMap, Value as AsValue};

pub const PARTICLE_STRING: u8 = 3;
pub const PARTICLE_BLOB: u8 = 4;

/// One decoded msgpack item. Containers give their length; their elements
/// follow in the stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    /// Above i64::MAX (msgpack uint64).
    UInt(u64),
    F32(f32),
    F64(f64),
    /// A msgpack str/bin payload, particle byte included for str.
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext(i8, &'a [u8]),
}

/// A reader over msgpack bytes. Every read is bounds-checked; a truncated or
/// malformed stream is an error, never a panic.
#[derive(Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

pub type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn set_position(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| "truncated msgpack".to_string())?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> R<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// The next item.
    pub fn next(&mut self) -> R<Item<'a>> {
        let b = self.u8()?;
        Ok(match b {
            0x00..=0x7f => Item::Int(i64::from(b)),
            0x80..=0x8f => Item::Map(usize::from(b & 0x0f)),
            0x90..=0x9f => Item::Array(usize::from(b & 0x0f)),
            0xa0..=0xbf => Item::Str(self.take(usize::from(b & 0x1f))?),
            0xc0 => Item::Nil,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4 => {
                let n = self.u8()?;
                Item::Bin(self.take(usize::from(n))?)
            }
            0xc5 => {
                let n = u16::from_be_bytes(self.be()?);
                Item::Bin(self.take(usize::from(n))?)
            }
            0xc6 => {
                let n = u32::from_be_bytes(self.be()?);
                Item::Bin(self.take(n as usize)?)
            }
            0xc7..=0xc9 => {
                let n = match b {
                    0xc7 => usize::from(self.u8()?),
                    0xc8 => usize::from(u16::from_be_bytes(self.be()?)),
                    _ => u32::from_be_bytes(self.be()?) as usize,
                };
                let t = self.u8()? as i8;
                Item::Ext(t, self.take(n)?)
            }
            0xca => Item::F32(f32::from_be_bytes(self.be()?)),
            0xcb => Item::F64(f64::from_be_bytes(self.be()?)),
            0xcc => Item::Int(i64::from(self.u8()?)),
            0xcd => Item::Int(i64::from(u16::from_be_bytes(self.be()?))),
            0xce => Item::Int(i64::from(u32::from_be_bytes(self.be()?))),
            0xcf => {
                let v = u64::from_be_bytes(self.be()?);
                i64::try_from(v).map_or(Item::UInt(v), Item::Int)
            }
            0xd0 => Item::Int(i64::from(self.u8()? as i8)),
            0xd1 => Item::Int(i64::from(i16::from_be_bytes(self.be()?))),
            0xd2 => Item::Int(i64::from(i32::from_be_bytes(self.be()?))),
            0xd3 => Item::Int(i64::from_be_bytes(self.be()?)),
            0xd4..=0xd8 => {
                let t = self.u8()? as i8;
                Item::Ext(t, self.take(1 << (b - 0xd4))?)
            }
            0xd9 => {
                let n = self.u8()?;
                Item::Str(self.take(usize::from(n))?)
            }
            0xda => {
                let n = u16::from_be_bytes(self.be()?);
                Item::Str(self.take(usize::from(n))?)
            }
            0xdb => {
                let n = u32::from_be_bytes(self.be()?);
                Item::Str(self.take(n as usize)?)
            }
            0xdc => Item::Array(usize::from(u16::from_be_bytes(self.be()?))),
            0xdd => Item::Array(u32::from_be_bytes(self.be()?) as usize),
            0xde => Item::Map(usize::from(u16::from_be_bytes(self.be()?))),
            0xdf => Item::Map(u32::from_be_bytes(self.be()?) as usize),
            0xe0..=0xff => Item::Int(i64::from(b as i8)),
            0xc1 => return Err("invalid msgpack byte 0xc1".into()),
        })
    }

    /// Skip one whole value (containers included). Depth is bounded so a
    /// hostile answer cannot blow the stack; the loop is iterative anyway.
    pub fn skip(&mut self) -> R<()> {
        let mut pending: usize = 1;
        while pending > 0 {
            pending -= 1;
            match self.next()? {
                Item::Array(n) => pending = pending.saturating_add(n),
                Item::Map(n) => pending = pending.saturating_add(n.saturating_mul(2)),
                _ => {}
            }
        }
        Ok(())
    }

    /// The raw bytes of the next whole value.
    pub fn raw_value(&mut self) -> R<&'a [u8]> {
        let start = self.pos;
        self.skip()?;
        Ok(&self.buf[start..self.pos])
    }

    /// A map header, skipping the ordered-map flags entry Aerospike puts
    /// first (an ext key with a nil value). Returns the number of real
    /// entries that follow.
    pub fn map_header(&mut self) -> R<Option<usize>> {
        let n = match self.next()? {
            Item::Map(n) => n,
            Item::Nil => return Ok(None),
            other => return Err(format!("expected a map, got {}", label(&other))),
        };
        if n > 0 && self.peek_is_ext() {
            self.skip()?; // the ext key
            self.skip()?; // its nil value
            return Ok(Some(n - 1));
        }
        Ok(Some(n))
    }

    fn peek_is_ext(&self) -> bool {
        matches!(self.buf.get(self.pos), Some(0xc7..=0xc9 | 0xd4..=0xd8))
    }

    /// A map key that must be an Aerospike string: its UTF-8 bytes.
    pub fn str_key(&mut self) -> R<Option<&'a [u8]>> {
        match self.next()? {
            Item::Str(s) if s.first() == Some(&PARTICLE_STRING) => Ok(Some(&s[1..])),
            Item::Array(n) => {
                for _ in 0..n {
                    self.skip()?;
                }
                Ok(None)
            }
            Item::Map(n) => {
                for _ in 0..n * 2 {
                    self.skip()?;
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// The next whole value as an aerospike `Value` (the general, allocating
    /// form, for the rare feature types the direct decoder leaves to the
    /// codec).
    pub fn value(&mut self, depth: usize) -> R<AsValue> {
        if depth > 256 {
            return Err("msgpack nested deeper than 256".into());
        }
        Ok(match self.next()? {
            Item::Nil => AsValue::Nil,
            Item::Bool(b) => AsValue::Bool(b),
            Item::Int(i) => AsValue::Int(i),
            // As the crate reads it: the bits of a uint64 above i64::MAX.
            Item::UInt(u) => AsValue::Int(u as i64),
            Item::F32(f) => AsValue::Float(FloatValue::from(f64::from(f))),
            Item::F64(f) => AsValue::Float(FloatValue::from(f)),
            Item::Str(s) => particle_value(s)?,
            Item::Bin(b) => AsValue::Blob(b.to_vec()),
            Item::Ext(..) => AsValue::Nil,
            Item::Array(n) => {
                let mut v = Vec::with_capacity(n.min(4096));
                for _ in 0..n {
                    v.push(self.value(depth + 1)?);
                }
                AsValue::List(v)
            }
            Item::Map(n) => {
                let mut m = IndexMap::with_capacity(n.min(4096));
                for _ in 0..n {
                    if self.peek_is_ext() {
                        self.skip()?;
                        self.skip()?;
                        continue;
                    }
                    let k = self.value(depth + 1)?;
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                }
                AsValue::OrderedMap(m)
            }
        })
    }
}

fn particle_value(s: &[u8]) -> R<AsValue> {
    match s.split_first() {
        None => Ok(AsValue::String(String::new())),
        Some((&PARTICLE_STRING, rest)) => std::str::from_utf8(rest)
            .map(|t| AsValue::String(t.to_string()))
            .map_err(|_| "stored string is not UTF-8".to_string()),
        Some((&PARTICLE_BLOB, rest)) => Ok(AsValue::Blob(rest.to_vec())),
        Some((_, rest)) => Ok(AsValue::Blob(rest.to_vec())),
    }
}

pub fn label(item: &Item<'_>) -> &'static str {
    match item {
        Item::Nil => "nil",
        Item::Bool(_) => "bool",
        Item::Int(_) | Item::UInt(_) => "integer",
        Item::F32(_) | Item::F64(_) => "float",
        Item::Str(_) => "string",
        Item::Bin(_) => "bytes",
        Item::Array(_) => "list",
        Item::Map(_) => "map",
        Item::Ext(..) => "extension",
    }
}

// ---- writers ----

pub fn write_nil(out: &mut Vec<u8>) {
    out.push(0xc0);
}

pub fn write_bool(out: &mut Vec<u8>, b: bool) {
    out.push(if b { 0xc3 } else { 0xc2 });
}

/// The smallest encoding: positive values as fixint/uint8..64, negative as
/// negative fixint/int8..64 (Python msgpack's choice).
pub fn write_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        write_uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as i8 as u8);
    } else if v >= i64::from(i8::MIN) {
        out.push(0xd0);
        out.push(v as i8 as u8);
    } else if v >= i64::from(i16::MIN) {
        out.push(0xd1);
        out.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(v as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

pub fn write_uint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v <= u64::from(u8::MAX) {
        out.push(0xcc);
        out.push(v as u8);
    } else if v <= u64::from(u16::MAX) {
        out.push(0xcd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= u64::from(u32::MAX) {
        out.push(0xce);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    out.push(0xcb);
    out.extend_from_slice(&v.to_be_bytes());
}

fn write_str_header(out: &mut Vec<u8>, n: usize) {
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= usize::from(u8::MAX) {
        out.push(0xd9);
        out.push(n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// An Aerospike string or blob: msgpack str of particle byte + payload.
pub fn write_particle(out: &mut Vec<u8>, particle: u8, payload: &[u8]) {
    write_str_header(out, payload.len() + 1);
    out.push(particle);
    out.extend_from_slice(payload);
}

pub fn write_str(out: &mut Vec<u8>, s: &str) {
    write_particle(out, PARTICLE_STRING, s.as_bytes());
}

pub fn write_array_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

pub fn write_map_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xde);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// An aerospike `Value` as Feast's Python store writes it inside the
/// `features` map: plain maps (no ordered-map flags), floats as float64.
pub fn write_value(out: &mut Vec<u8>, v: &AsValue) -> R<()> {
    match v {
        AsValue::Nil => write_nil(out),
        AsValue::Bool(b) => write_bool(out, *b),
        AsValue::Int(i) => write_int(out, *i),
        AsValue::Float(f) => write_f64(out, f64::from(f)),
        AsValue::String(s) => write_str(out, s),
        AsValue::Blob(b) => write_particle(out, PARTICLE_BLOB, b),
        AsValue::List(items) => {
            write_array_header(out, items.len());
            for i in items {
                write_value(out, i)?;
            }
        }
        AsValue::OrderedMap(m) => {
            write_map_header(out, m.len());
            for (k, v) in m {
                write_value(out, k)?;
                write_value(out, v)?;
            }
        }
        AsValue::HashMap(m) => {
            write_map_header(out, m.len());
            for (k, v) in m {
                write_value(out, k)?;
                write_value(out, v)?;
            }
        }
        other => return Err(format!("cannot store a {other:?} inside a feature map")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn ints_use_the_smallest_encoding_python_uses() {
        for (v, want) in [
            (0i64, "00"),
            (132, "cc84"),
            (-1, "ff"),
            (-7, "f9"),
            (-33, "d0df"),
            (70000, "ce00011170"),
            (1_776_688_245_123, "cf0000019daadf2983"),
            (i64::MIN, "d38000000000000000"),
        ] {
            let mut out = Vec::new();
            write_int(&mut out, v);
            assert_eq!(hex(&out), want, "{v}");
            assert_eq!(Reader::new(&out).next().unwrap(), Item::Int(v));
        }
    }

    #[test]
    fn strings_carry_their_particle_byte() {
        let mut out = Vec::new();
        write_str(&mut out, "ab");
        assert_eq!(hex(&out), "a3036162");
        let long = "x".repeat(40);
        out.clear();
        write_str(&mut out, &long);
        assert_eq!(&out[..3], &[0xd9, 41, 3]);
    }

    #[test]
    fn map_header_skips_the_ordered_flags_entry() {
        // {<ext flags>: nil, "fv_a": 10}
        let bytes = [
            0x82, 0xc7, 0x00, 0x08, 0xc0, 0xa5, 0x03, b'f', b'v', b'_', b'a', 0x0a,
        ];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.map_header().unwrap(), Some(1));
        assert_eq!(r.str_key().unwrap(), Some(&b"fv_a"[..]));
        assert_eq!(r.next().unwrap(), Item::Int(10));
        assert!(r.is_empty());
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        for bytes in [
            &[0xcb, 0x3f][..],
            &[0xa5, 0x03],
            &[0xdb, 0xff, 0xff, 0xff, 0xff],
            &[0x92, 0x01],
        ] {
            let mut r = Reader::new(bytes);
            assert!(r.skip().is_err(), "{bytes:?}");
        }
        let mut r = Reader::new(&[0xc1]);
        assert!(r.next().is_err());
    }
}
