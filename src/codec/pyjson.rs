//! `json.dumps` of Python's standard library, for stored natives: Feast's
//! reader turns a stored JSON feature back into text with it, so the
//! separators (`", "`, `": "`), ASCII escaping and float repr must match
//! Python's to give the same `json_val` bytes.

use std::fmt::Write;

use aerospike::{FloatValue, Value as AsValue};

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
