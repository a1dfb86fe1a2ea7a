//! Filter expressions (field 43): the subset feast-aerospike's event-time-safe
//! writes send, evaluated the way Aerospike's `as/src/base/exp.c` does:
//!
//! - logic `and` (16), `or` (17), `not` (18) over trileans, where a branch
//!   that cannot be evaluated is *unknown*: `or` is true when any branch is
//!   true, false when all are false, unknown otherwise (`and` likewise);
//! - comparisons `eq`..`le` (1..6) of two integers or two strings (unknown
//!   when either side is unknown);
//! - `bin` (81) of a declared type: unknown when the bin is missing or of
//!   another type; `bin_type` (82): the bin's particle type, 0 when missing;
//! - `call` (127) of a CDT map read op (module 0) with literal arguments on a
//!   bin expression: unknown when the bin is unknown; the result must have
//!   the declared type, else unknown;
//! - literal integers, strings (particle-prefixed), nil and booleans.
//!
//! A record whose filter is not true is filtered out (result 27). Anything
//! else is answered as the server answers an expression it cannot build:
//! result 4 (parameter error), with the unimplemented part in the log.

use crate::cdt;
use crate::msgpack::{self, Value};
use crate::store::{Particle, Record, PARTICLE_INTEGER, PARTICLE_MAP, PARTICLE_STRING};

const EXP_AND: i64 = 16;
const EXP_OR: i64 = 17;
const EXP_NOT: i64 = 18;
const EXP_BIN: i64 = 81;
const EXP_BIN_TYPE: i64 = 82;
const EXP_CALL: i64 = 127;
const CALL_CDT: i64 = 0;

// Expression value types (the clients' ExpType).
const TYPE_BOOL: i64 = 1;
const TYPE_INT: i64 = 2;
const TYPE_STRING: i64 = 3;
const TYPE_MAP: i64 = 5;

/// Why an expression was refused: answered as result code 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpError(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, ExpError> {
    Err(ExpError(msg.into()))
}

/// An evaluated (sub)expression.
#[derive(Debug, Clone, PartialEq)]
enum Ev<'a> {
    Unknown,
    Bool(bool),
    Int(i64),
    /// String payload without the particle prefix.
    Str(Vec<u8>),
    Nil,
    /// A bin's value, borrowed from the record.
    Bin(&'a Particle),
}

/// Evaluates a filter expression (the field's bytes) on an existing record.
/// `Ok(true)`: the command proceeds; `Ok(false)`: filtered out (27).
pub fn matches(expression: &[u8], rec: &Record) -> Result<bool, ExpError> {
    let tree = msgpack::decode(expression)
        .map_err(|e| ExpError(format!("filter expression is not msgpack: {e}")))?;
    Ok(eval(&tree, rec)? == Ev::Bool(true))
}

fn eval<'a>(v: &Value, rec: &'a Record) -> Result<Ev<'a>, ExpError> {
    let items = match v {
        Value::List(l) => &l.items,
        Value::Int(i) => return Ok(Ev::Int(*i)),
        Value::Str(s) => return literal_str(s),
        Value::Nil => return Ok(Ev::Nil),
        Value::Bool(b) => return Ok(Ev::Bool(*b)),
        other => return refuse(format!("expression literal {other:?} is not implemented")),
    };
    let op = match items.first() {
        Some(Value::Int(op)) => *op,
        _ => return refuse("expression without an op code"),
    };
    let args = &items[1..];
    match op {
        1..=6 => compare(op, args, rec),
        EXP_AND | EXP_OR => logic(op == EXP_AND, args, rec),
        EXP_NOT => match args {
            [a] => Ok(match truth(eval(a, rec)?)? {
                Some(b) => Ev::Bool(!b),
                None => Ev::Unknown,
            }),
            _ => refuse("not takes one argument"),
        },
        EXP_BIN => match args {
            [Value::Int(ty), Value::Str(name)] => bin(rec, name, *ty),
            _ => refuse("bin takes a type and a name"),
        },
        EXP_BIN_TYPE => match args {
            [Value::Str(name)] => Ok(Ev::Int(
                find_bin(rec, name).map_or(0, |p| i64::from(p.particle_type())),
            )),
            _ => refuse("bin_type takes a name"),
        },
        EXP_CALL => call(args, rec),
        _ => refuse(format!(
            "expression op {op} is not implemented by this test server"
        )),
    }
}

fn literal_str<'a>(s: &[u8]) -> Result<Ev<'a>, ExpError> {
    match s.split_first() {
        Some((&PARTICLE_STRING, rest)) => Ok(Ev::Str(rest.to_vec())),
        _ => refuse("string value without the string particle prefix"),
    }
}

fn truth(e: Ev<'_>) -> Result<Option<bool>, ExpError> {
    match e {
        Ev::Unknown => Ok(None),
        Ev::Bool(b) => Ok(Some(b)),
        other => refuse(format!("logic on a non-boolean {other:?}")),
    }
}

fn logic<'a>(is_and: bool, args: &[Value], rec: &'a Record) -> Result<Ev<'a>, ExpError> {
    if args.len() < 2 {
        return refuse("and/or take at least two arguments");
    }
    // The deciding value: false for and, true for or.
    let decisive = !is_and;
    let mut unknown = false;
    for a in args {
        match truth(eval(a, rec)?)? {
            Some(b) if b == decisive => return Ok(Ev::Bool(decisive)),
            Some(_) => {}
            None => unknown = true,
        }
    }
    Ok(if unknown {
        Ev::Unknown
    } else {
        Ev::Bool(!decisive)
    })
}

fn compare<'a>(op: i64, args: &[Value], rec: &'a Record) -> Result<Ev<'a>, ExpError> {
    let [a, b] = args else {
        return refuse("comparisons take two arguments");
    };
    let (a, b) = (eval(a, rec)?, eval(b, rec)?);
    let ord = match (&a, &b) {
        (Ev::Unknown, _) | (_, Ev::Unknown) => return Ok(Ev::Unknown),
        (Ev::Int(x), Ev::Int(y)) => x.cmp(y),
        (Ev::Str(x), Ev::Str(y)) => x.cmp(y),
        _ => {
            return refuse(format!(
                "comparison of {a:?} and {b:?} is not implemented by this test server"
            ))
        }
    };
    use std::cmp::Ordering::*;
    Ok(Ev::Bool(match op {
        1 => ord == Equal,
        2 => ord != Equal,
        3 => ord == Greater,
        4 => ord != Less,
        5 => ord == Less,
        _ => ord != Greater,
    }))
}

fn find_bin<'a>(rec: &'a Record, name: &[u8]) -> Option<&'a Particle> {
    rec.bins
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|(_, p)| p)
}

fn bin<'a>(rec: &'a Record, name: &[u8], ty: i64) -> Result<Ev<'a>, ExpError> {
    let Some(p) = find_bin(rec, name) else {
        return Ok(Ev::Unknown);
    };
    let wanted = match ty {
        TYPE_INT => PARTICLE_INTEGER,
        TYPE_STRING => PARTICLE_STRING,
        TYPE_MAP => PARTICLE_MAP,
        _ => return refuse(format!("bin of expression type {ty} is not implemented")),
    };
    if p.particle_type() != wanted {
        return Ok(Ev::Unknown);
    }
    Ok(match p {
        Particle::Int(i) => Ev::Int(*i),
        Particle::Bytes(_, b) => Ev::Str(b.clone()),
        other => Ev::Bin(other),
    })
}

/// `[CALL, result type, module, program, bin]`
fn call<'a>(args: &[Value], rec: &'a Record) -> Result<Ev<'a>, ExpError> {
    let [Value::Int(result_type), Value::Int(module), Value::List(program), bin_exp] = args else {
        return refuse("call takes a result type, a module, a program and a bin");
    };
    if *module != CALL_CDT {
        return refuse(format!(
            "call module {module} is not implemented by this test server"
        ));
    }
    let op_args = match program.items.as_slice() {
        [Value::Int(0xff), _, Value::List(inner)] => &inner.items,
        items => items,
    };
    if op_args.iter().skip(1).any(|a| matches!(a, Value::List(_))) {
        return refuse("call arguments that are expressions are not implemented");
    }
    let particle = match eval(bin_exp, rec)? {
        Ev::Unknown => return Ok(Ev::Unknown),
        Ev::Bin(p) => p,
        other => return refuse(format!("call on {other:?} is not implemented")),
    };
    let result = cdt::cdt_read(
        Some(particle),
        &msgpack::to_bytes(&Value::List(program.clone())),
    )
    .map_err(|e| ExpError(format!("call: CDT op failed: {}", e.msg)))?;
    Ok(match (*result_type, result) {
        (TYPE_INT, Value::Int(i)) => Ev::Int(i),
        (TYPE_BOOL, Value::Bool(b)) => Ev::Bool(b),
        (TYPE_STRING, Value::Str(s)) => literal_str(&s)?,
        (TYPE_INT | TYPE_BOOL | TYPE_STRING, _) => Ev::Unknown,
        (t, _) => {
            return refuse(format!(
                "call result type {t} is not implemented by this test server"
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::Map;

    fn rec(event_ts: Option<Vec<(&str, i64)>>) -> Record {
        let mut r = Record::new(None);
        if let Some(entries) = event_ts {
            let mut m = Map::new(1);
            for (k, v) in entries {
                let mut key = vec![PARTICLE_STRING];
                key.extend_from_slice(k.as_bytes());
                m.put(Value::Str(key), Value::Int(v));
            }
            r.bins.push(("event_ts".into(), Particle::Map(m)));
        }
        r.bins.push(("created_ts".into(), Particle::Int(5)));
        r
    }

    /// The bytes of `or(eq(bin_type(event_ts),0), eq(count(fv),0), le(value(fv), ms))`,
    /// spelled out from the clients' encoders (see src/event_time.rs).
    fn guard(view: &str, ms: u16) -> Vec<u8> {
        let key: Vec<u8> = [&[0xa0 | (view.len() as u8 + 1), 3][..], view.as_bytes()].concat();
        let call = |rt: u8| -> Vec<u8> {
            [
                &[0x95, 127, 2, 0, 0x93, 97, rt][..],
                &key,
                &[0x93, 81, 5, 0xa8],
                b"event_ts",
            ]
            .concat()
        };
        [
            &[0x94, 17, 0x93, 1, 0x92, 82, 0xa8][..],
            b"event_ts",
            &[0, 0x93, 1],
            &call(5),
            &[0, 0x93, 6],
            &call(7),
            &[0xcd],
            &ms.to_be_bytes(),
        ]
        .concat()
    }

    #[test]
    fn stale_guard_semantics() {
        let g = guard("fv", 300);
        assert!(matches(&g, &rec(None)).unwrap(), "no event_ts bin");
        assert!(matches(&g, &rec(Some(vec![("other", 900)]))).unwrap());
        assert!(matches(&g, &rec(Some(vec![("fv", 299)]))).unwrap());
        assert!(matches(&g, &rec(Some(vec![("fv", 300)]))).unwrap(), "equal");
        assert!(!matches(&g, &rec(Some(vec![("fv", 301)]))).unwrap());
    }

    #[test]
    fn unknown_propagates_like_the_server() {
        // le(bin("event_ts" as INT), 5): a map bin is not an int -> unknown
        // -> not matched; not(unknown) stays unknown.
        let le = [&[0x93, 6, 0x93, 81, 2, 0xa8][..], b"event_ts", &[5]].concat();
        let r = rec(Some(vec![("fv", 1)]));
        assert!(!matches(&le, &r).unwrap());
        let not = [&[0x92, 18][..], &le].concat();
        assert!(!matches(&not, &r).unwrap());
        // or(unknown, true) is true; and(unknown, true) is unknown.
        let created = [&[0x93, 1, 0x93, 81, 2, 0xaa][..], b"created_ts", &[5]].concat();
        let or = [&[0x93, 17][..], &le, &created].concat();
        assert!(matches(&or, &r).unwrap());
        let and = [&[0x93, 16][..], &le, &created].concat();
        assert!(!matches(&and, &r).unwrap());
    }

    #[test]
    fn unimplemented_parts_are_refused_clearly() {
        let r = rec(Some(vec![("fv", 1)]));
        // [64] digest_modulo
        let e = matches(&[0x92, 64, 3], &r).unwrap_err();
        assert!(e.0.contains("op 64 is not implemented"), "{e:?}");
        // bits module
        let e = matches(&[0x95, 127, 2, 1, 0x90, 0x92, 82, 0xa1, b'x'], &r).unwrap_err();
        assert!(e.0.contains("module 1"), "{e:?}");
        assert!(matches(&[0xc1], &r).is_err());
        assert!(matches(&[], &r).is_err());
    }
}
