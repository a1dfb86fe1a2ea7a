//! Python's `json` module for stored natives, both ways.
//!
//! [`loads`] parses `json_val` text into the native value Feast's Python
//! store writes (`json.loads`, then the Aerospike client): Python's grammar
//! (NaN / Infinity literals, numbers beyond f64 range become infinities),
//! any depth Python parses, and objects key-sorted as the Python client
//! stores a dict. [`dumps`] is `json.dumps` with default arguments: Feast's
//! reader turns a stored JSON feature back into text with it, so the
//! separators (`", "`, `": "`), ASCII escaping and float repr must match
//! Python's to give the same `json_val` bytes.

use std::fmt::Write;

use aerospike::{FloatValue, Value as AsValue};

/// Deepest nesting [`loads`] accepts. Python's own limit is its recursion
/// limit (about 1,000); deeper text is stored as text (see [`Loaded`]).
pub const MAX_DEPTH: usize = 512;

/// What `json_val` text is stored as.
#[derive(Debug, PartialEq)]
pub enum Loaded {
    /// The parsed value, as Python's client stores `json.loads(text)`.
    Native(AsValue),
    /// Valid JSON whose integers do not fit Aerospike's 64-bit integers (or
    /// nested deeper than [`MAX_DEPTH`]): stored as its `json.dumps` text,
    /// which both readers return as is, so the integers stay exact.
    Text(String),
}

/// Parse like Python's `json.loads`; `Err` for text Python would refuse.
pub fn loads(text: &str) -> Result<Loaded, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        big: false,
        deep: false,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("extra data at byte {}", p.i));
    }
    if p.big || p.deep {
        // Re-parse keeping integers as digits, to print them exactly.
        return Ok(Loaded::Text(canonical(text)?));
    }
    Ok(Loaded::Native(v))
}

/// `json.dumps(json.loads(text))`, with integers of any size kept exact.
fn canonical(text: &str) -> Result<String, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        big: false,
        deep: false,
    };
    let mut out = String::new();
    p.ws();
    p.echo(&mut out, 0)?;
    Ok(out)
}

/// Map entries in the order the Python client stores a dict's (and the
/// server orders keys): integers, then strings, then bytes, each ascending.
pub fn sort_entries(entries: &mut [(AsValue, AsValue)]) {
    fn rank(v: &AsValue) -> (u8, i64, &[u8]) {
        match v {
            AsValue::Nil => (0, 0, &[]),
            AsValue::Bool(b) => (1, i64::from(*b), &[]),
            AsValue::Int(i) => (2, *i, &[]),
            AsValue::String(s) => (3, 0, s.as_bytes()),
            AsValue::Blob(b) => (6, 0, b),
            _ => (9, 0, &[]),
        }
    }
    entries.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)));
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// An integer beyond i64 was seen.
    big: bool,
    /// Nesting beyond MAX_DEPTH was seen.
    deep: bool,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn value(&mut self, depth: usize) -> Result<AsValue, String> {
        if depth > MAX_DEPTH {
            self.deep = true;
        }
        if depth > 4 * MAX_DEPTH {
            // Python raises RecursionError long before this.
            return self.err("nested too deeply");
        }
        match self.s.get(self.i) {
            None => self.err("expecting value"),
            Some(b'{') => {
                self.i += 1;
                let mut entries: Vec<(AsValue, AsValue)> = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(AsValue::OrderedMap(Default::default()));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return self.err("expecting property name");
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return self.err("expecting ':'");
                    }
                    self.ws();
                    let v = self.value(depth + 1)?;
                    // A repeated key keeps its last value, as a dict does.
                    match entries
                        .iter_mut()
                        .find(|(ek, _)| *ek == AsValue::String(k.clone()))
                    {
                        Some(e) => e.1 = v,
                        None => entries.push((AsValue::String(k), v)),
                    }
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        break;
                    }
                    return self.err("expecting ',' or '}'");
                }
                sort_entries(&mut entries);
                Ok(AsValue::OrderedMap(entries.into_iter().collect()))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(AsValue::List(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        break;
                    }
                    return self.err("expecting ',' or ']'");
                }
                Ok(AsValue::List(items))
            }
            Some(b'"') => Ok(AsValue::String(self.string()?)),
            Some(_) if self.eat("null") => Ok(AsValue::Nil),
            Some(_) if self.eat("true") => Ok(AsValue::Bool(true)),
            Some(_) if self.eat("false") => Ok(AsValue::Bool(false)),
            Some(_) if self.eat("NaN") => Ok(AsValue::from(f64::NAN)),
            Some(_) if self.eat("Infinity") => Ok(AsValue::from(f64::INFINITY)),
            Some(_) if self.eat("-Infinity") => Ok(AsValue::from(f64::NEG_INFINITY)),
            Some(_) => {
                let (text, is_int) = self.number()?;
                if is_int {
                    match text.parse::<i64>() {
                        Ok(i) => Ok(AsValue::Int(i)),
                        Err(_) => {
                            self.big = true;
                            Ok(AsValue::Nil)
                        }
                    }
                } else {
                    // Rust's parse, like Python's float(), gives an
                    // infinity beyond the f64 range.
                    text.parse::<f64>()
                        .map(AsValue::from)
                        .map_err(|e| format!("number {text}: {e}"))
                }
            }
        }
    }

    /// A JSON number as Python's scanner accepts it; (text, is integer).
    fn number(&mut self) -> Result<(&str, bool), String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let d = p.i;
            while p.i < p.s.len() && p.s[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - d
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.err("expecting value"),
        }
        let mut is_int = true;
        if self.s.get(self.i) == Some(&b'.')
            && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            self.i += 1;
            digits(self);
            is_int = false;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                self.i = save;
            } else {
                is_int = false;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
        Ok((text, is_int))
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // the opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return self.err("unterminated string");
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("unterminated string");
                    };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{08}',
                        b'f' => '\u{0c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi) && self.eat("\\u") {
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return self.err("unpaired surrogate");
                                }
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                char::from_u32(cp).ok_or("invalid code point")?
                            } else {
                                // A lone surrogate: Python keeps it, UTF-8 cannot.
                                char::from_u32(hi).ok_or("unpaired surrogate")?
                            }
                        }
                        _ => return self.err("invalid escape"),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                // json.loads is strict: no raw control characters.
                c if c < 0x20 => return self.err("invalid control character"),
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| format!("invalid \\u escape at byte {}", self.i))?;
        self.i += 4;
        Ok(h)
    }

    /// Writes `json.dumps` of the value at the cursor, integers as their
    /// digits and objects key-sorted (the order they are stored in).
    fn echo(&mut self, out: &mut String, depth: usize) -> Result<(), String> {
        if depth > 4 * MAX_DEPTH {
            return self.err("nested too deeply");
        }
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut entries: Vec<(String, String)> = Vec::new();
                self.ws();
                if !self.eat("}") {
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.ws();
                        self.eat(":");
                        self.ws();
                        let mut v = String::new();
                        self.echo(&mut v, depth + 1)?;
                        match entries.iter_mut().find(|(ek, _)| *ek == k) {
                            Some(e) => e.1 = v,
                            None => entries.push((k, v)),
                        }
                        self.ws();
                        if self.eat("}") {
                            break;
                        }
                        self.eat(",");
                    }
                }
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                out.push('{');
                for (n, (k, v)) in entries.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    write_str(out, k);
                    out.push_str(": ");
                    out.push_str(v);
                }
                out.push('}');
            }
            Some(b'[') => {
                self.i += 1;
                out.push('[');
                self.ws();
                if !self.eat("]") {
                    let mut first = true;
                    loop {
                        if !first {
                            out.push_str(", ");
                        }
                        first = false;
                        self.ws();
                        self.echo(out, depth + 1)?;
                        self.ws();
                        if self.eat("]") {
                            break;
                        }
                        self.eat(",");
                    }
                }
                out.push(']');
            }
            Some(b'"') => {
                let s = self.string()?;
                write_str(out, &s);
            }
            Some(b'-' | b'0'..=b'9') if !self.s[self.i..].starts_with(b"-Infinity") => {
                let (text, is_int) = self.number()?;
                if is_int {
                    // Python prints an int without a sign on zero.
                    let t = text
                        .strip_prefix('-')
                        .filter(|d| d.bytes().all(|b| b == b'0'));
                    out.push_str(if t.is_some() { "0" } else { text });
                } else {
                    let f: f64 = text.parse().map_err(|e| format!("number {text}: {e}"))?;
                    out.push_str(&float_repr(f));
                }
            }
            _ => {
                let v = self.value(depth)?;
                write_value(out, &v)?;
            }
        }
        Ok(())
    }
}

/// Serialize like Python's `json.dumps(value)` with default arguments.
pub fn dumps(value: &AsValue) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

fn write_value(out: &mut String, value: &AsValue) -> Result<(), String> {
    match value {
        AsValue::Nil => out.push_str("null"),
        AsValue::Bool(true) => out.push_str("true"),
        AsValue::Bool(false) => out.push_str("false"),
        AsValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        AsValue::Float(f) => out.push_str(&float_repr(match f {
            FloatValue::F64(_) | FloatValue::F32(_) => f64::from(f),
        })),
        AsValue::String(s) => write_str(out, s),
        AsValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        AsValue::OrderedMap(m) => write_map(out, m.iter())?,
        AsValue::SortedMap(m) => write_map(out, m.iter())?,
        AsValue::HashMap(m) => write_map(out, m.iter())?,
        AsValue::KeyValueList(pairs) => write_map(out, pairs.iter().map(|(k, v)| (k, v)))?,
        other => {
            return Err(format!(
                "a stored {} is not JSON serializable",
                super::label(other)
            ))
        }
    }
    Ok(())
}

fn write_map<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a AsValue, &'a AsValue)>,
) -> Result<(), String> {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Python converts int/float/bool/None keys to strings.
        match k {
            AsValue::String(s) => write_str(out, s),
            AsValue::Int(n) => write_str(out, &n.to_string()),
            AsValue::Nil => write_str(out, "null"),
            other => {
                return Err(format!(
                    "a map key of type {} is not JSON serializable",
                    super::label(other)
                ))
            }
        }
        out.push_str(": ");
        write_value(out, v)?;
    }
    out.push('}');
    Ok(())
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest round-tripping digits, positional
/// when the decimal exponent is in [-4, 16), scientific otherwise.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits, e.g. "1.2345e-5".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{s}")
    } else {
        let m = if digits.len() == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerospike::IndexMap;

    #[test]
    fn float_repr_matches_python() {
        for (x, want) in [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (1e16, "1e+16"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5, "-2.5"),
            (4.91, "4.91"),
            (1e300, "1e+300"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
        ] {
            assert_eq!(float_repr(x), want, "{x}");
        }
    }

    #[test]
    fn dumps_matches_python() {
        let mut m = IndexMap::new();
        m.insert(
            AsValue::from("b"),
            AsValue::List(vec![AsValue::Int(1), AsValue::from(2.0)]),
        );
        m.insert(AsValue::from("a"), AsValue::Nil);
        m.insert(AsValue::from("é\"\n"), AsValue::Bool(true));
        m.insert(AsValue::from("e"), AsValue::from("😀"));
        // json.dumps({"b": [1, 2.0], "a": None, "é\"\n": True, "e": "😀"})
        assert_eq!(
            dumps(&AsValue::OrderedMap(m)).unwrap(),
            r#"{"b": [1, 2.0], "a": null, "\u00e9\"\n": true, "e": "\ud83d\ude00"}"#
        );
        assert!(dumps(&AsValue::Blob(vec![1])).is_err());
    }
}
