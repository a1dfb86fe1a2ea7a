//! CDT map operations (the subset a feature store uses) with the server's
//! semantics: map policies (order, write flags), return types, inverted
//! selection, and map-key / map-index / list-index contexts. Programs are
//! msgpack `[op, args...]` or `[0xff, [ctx...], [op, args...]]`.

use std::cmp::Ordering;

use crate::msgpack::{
    self, compare, List, Map, Value, MAP_KV_ORDERED, MAP_K_ORDERED, MAP_PRESERVE_ORDER,
};
use crate::store::Particle;

pub const RC_PARAMETER: u8 = 4;
pub const RC_BIN_TYPE: u8 = 12;
pub const RC_UNSUPPORTED: u8 = 16;
pub const RC_ELEMENT_NOT_FOUND: u8 = 23;
pub const RC_ELEMENT_EXISTS: u8 = 24;
pub const RC_OP_NOT_APPLICABLE: u8 = 26;

const MAP_SET_TYPE: i64 = 64;
const MAP_ADD: i64 = 65;
const MAP_ADD_ITEMS: i64 = 66;
const MAP_PUT: i64 = 67;
const MAP_PUT_ITEMS: i64 = 68;
const MAP_REPLACE: i64 = 69;
const MAP_REPLACE_ITEMS: i64 = 70;
const MAP_CLEAR: i64 = 75;
const MAP_REMOVE_BY_KEY: i64 = 76;
const MAP_REMOVE_BY_KEY_LIST: i64 = 81;
const MAP_SIZE: i64 = 96;
const MAP_GET_BY_KEY: i64 = 97;
const MAP_GET_BY_KEY_LIST: i64 = 107;

const WF_CREATE_ONLY: i64 = 1;
const WF_UPDATE_ONLY: i64 = 2;
const WF_NO_FAIL: i64 = 4;
const WF_PARTIAL: i64 = 8;

const RT_NONE: i64 = 0;
const RT_INDEX: i64 = 1;
const RT_REVERSE_INDEX: i64 = 2;
const RT_RANK: i64 = 3;
const RT_REVERSE_RANK: i64 = 4;
const RT_COUNT: i64 = 5;
const RT_KEY: i64 = 6;
const RT_VALUE: i64 = 7;
const RT_KEY_VALUE: i64 = 8;
const RT_EXISTS: i64 = 13;
const RT_UNORDERED_MAP: i64 = 16;
const RT_ORDERED_MAP: i64 = 17;
const RT_INVERTED: i64 = 0x10000;

const CTX_LIST_INDEX: i64 = 0x10;
const CTX_MAP_INDEX: i64 = 0x20;
const CTX_MAP_KEY: i64 = 0x22;

/// A failed CDT op: the result code for the command and a log message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdtError {
    pub code: u8,
    pub msg: String,
}

fn fail<T>(code: u8, msg: impl Into<String>) -> Result<T, CdtError> {
    Err(CdtError {
        code,
        msg: msg.into(),
    })
}

struct Program {
    ctx: Vec<(i64, Value)>,
    op: i64,
    args: Vec<Value>,
}

fn parse_program(bytes: &[u8]) -> Result<Program, CdtError> {
    let v = msgpack::decode(bytes).map_err(|e| CdtError {
        code: RC_PARAMETER,
        msg: format!("CDT program: {e}"),
    })?;
    let items = match v {
        Value::List(l) => l.items,
        _ => return fail(RC_PARAMETER, "CDT program is not a list"),
    };
    if items.len() == 3 && items[0] == Value::Int(0xff) {
        let mut it = items.into_iter();
        it.next();
        let ctx_list = match it.next() {
            Some(Value::List(l)) => l.items,
            _ => return fail(RC_PARAMETER, "CDT context is not a list"),
        };
        if ctx_list.is_empty() || ctx_list.len() % 2 != 0 {
            return fail(RC_PARAMETER, "CDT context must hold id/value pairs");
        }
        let mut ctx = Vec::new();
        let mut c = ctx_list.into_iter();
        while let (Some(id), Some(val)) = (c.next(), c.next()) {
            match id {
                Value::Int(i) => ctx.push((i, val)),
                _ => return fail(RC_PARAMETER, "CDT context id is not an integer"),
            }
        }
        let inner = match it.next() {
            Some(Value::List(l)) => l.items,
            _ => return fail(RC_PARAMETER, "CDT op after context is not a list"),
        };
        let (op, args) = split_op(inner)?;
        Ok(Program { ctx, op, args })
    } else {
        let (op, args) = split_op(items)?;
        Ok(Program {
            ctx: Vec::new(),
            op,
            args,
        })
    }
}

fn split_op(items: Vec<Value>) -> Result<(i64, Vec<Value>), CdtError> {
    let mut it = items.into_iter();
    match it.next() {
        Some(Value::Int(op)) => Ok((op, it.collect())),
        _ => fail(RC_PARAMETER, "CDT op code missing"),
    }
}

fn int_arg(args: &[Value], i: usize, what: &str) -> Result<i64, CdtError> {
    match args.get(i) {
        Some(Value::Int(v)) => Ok(*v),
        Some(_) => fail(RC_PARAMETER, format!("{what} is not an integer")),
        None => fail(RC_PARAMETER, format!("{what} missing")),
    }
}

fn opt_int_arg(args: &[Value], i: usize, what: &str) -> Result<i64, CdtError> {
    if args.len() > i {
        int_arg(args, i, what)
    } else {
        Ok(0)
    }
}

fn is_map_op(op: i64) -> bool {
    (64..=127).contains(&op)
}

fn is_modify_op(op: i64) -> bool {
    (64..96).contains(&op)
}

/// Runs a CDT read op on a bin (`None` when the bin is absent).
/// Returns the op's result value (`Nil` = no result).
pub fn cdt_read(bin: Option<&Particle>, program: &[u8]) -> Result<Value, CdtError> {
    let p = parse_program(program)?;
    if !is_map_op(p.op) {
        return fail(
            RC_UNSUPPORTED,
            format!("CDT op {} is not implemented by this test server", p.op),
        );
    }
    if is_modify_op(p.op) {
        return fail(RC_PARAMETER, format!("CDT op {} is a modify op", p.op));
    }
    let (map, list) = match bin {
        None => return Ok(Value::Nil),
        Some(Particle::Map(m)) => (Some(m), None),
        Some(Particle::List(l)) => (None, Some(l)),
        Some(_) => return fail(RC_BIN_TYPE, "CDT read on a bin that is not a map or list"),
    };
    // Step into the bin without copying it: the first context step works on
    // the bin's container, the rest on values inside it.
    let target: &Map = match p.ctx.split_first() {
        None => match map {
            Some(m) => m,
            None => return fail(RC_BIN_TYPE, "map op on a value that is not a map"),
        },
        Some((first, rest)) => {
            let inner = step(map, list, first)?;
            match navigate(inner, rest)? {
                Value::Map(m) => m,
                _ => return fail(RC_BIN_TYPE, "map op on a value that is not a map"),
            }
        }
    };
    map_read(target, p.op, &p.args)
}

/// One context step from a top-level map or list.
fn step<'a>(
    map: Option<&'a Map>,
    list: Option<&'a List>,
    (id, key): &(i64, Value),
) -> Result<&'a Value, CdtError> {
    match (id & 0x3f, map, list) {
        (CTX_MAP_KEY, Some(m), _) => m.get(key).ok_or_else(|| CdtError {
            code: RC_OP_NOT_APPLICABLE,
            msg: "context map key not found".into(),
        }),
        (CTX_MAP_INDEX, Some(m), _) => match index_of(key, m.entries.len()) {
            Some(i) => Ok(&m.entries[i].1),
            None => fail(RC_OP_NOT_APPLICABLE, "context map index out of range"),
        },
        (CTX_LIST_INDEX, _, Some(l)) => match index_of(key, l.items.len()) {
            Some(i) => Ok(&l.items[i]),
            None => fail(RC_OP_NOT_APPLICABLE, "context list index out of range"),
        },
        (CTX_MAP_KEY | CTX_MAP_INDEX | CTX_LIST_INDEX, _, _) => fail(
            RC_OP_NOT_APPLICABLE,
            "context type does not match the value",
        ),
        _ => fail(
            RC_UNSUPPORTED,
            format!("CDT context id {id:#x} is not implemented by this test server"),
        ),
    }
}

fn navigate<'a>(mut v: &'a Value, ctx: &[(i64, Value)]) -> Result<&'a Value, CdtError> {
    for (id, key) in ctx {
        v = match (id & 0x3f, v) {
            (CTX_MAP_KEY, Value::Map(m)) => match m.get(key) {
                Some(x) => x,
                None => return fail(RC_OP_NOT_APPLICABLE, "context map key not found"),
            },
            (CTX_MAP_INDEX, Value::Map(m)) => match index_of(key, m.entries.len()) {
                Some(i) => &m.entries[i].1,
                None => return fail(RC_OP_NOT_APPLICABLE, "context map index out of range"),
            },
            (CTX_LIST_INDEX, Value::List(l)) => match index_of(key, l.items.len()) {
                Some(i) => &l.items[i],
                None => return fail(RC_OP_NOT_APPLICABLE, "context list index out of range"),
            },
            (CTX_MAP_KEY | CTX_MAP_INDEX | CTX_LIST_INDEX, _) => {
                return fail(
                    RC_OP_NOT_APPLICABLE,
                    "context type does not match the value",
                )
            }
            _ => {
                return fail(
                    RC_UNSUPPORTED,
                    format!("CDT context id {id:#x} is not implemented by this test server"),
                )
            }
        };
    }
    Ok(v)
}

fn index_of(key: &Value, len: usize) -> Option<usize> {
    let i = match key {
        Value::Int(i) => *i,
        _ => return None,
    };
    let idx = if i < 0 { len as i64 + i } else { i };
    if idx >= 0 && (idx as usize) < len {
        Some(idx as usize)
    } else {
        None
    }
}

fn navigate_mut<'a>(mut v: &'a mut Value, ctx: &[(i64, Value)]) -> Result<&'a mut Value, CdtError> {
    for (id, key) in ctx {
        let create = id & 0xc0;
        v = match (id & 0x3f, v) {
            (CTX_MAP_KEY, Value::Map(m)) => {
                if m.find(key).is_none() {
                    if create == 0 {
                        return fail(RC_OP_NOT_APPLICABLE, "context map key not found");
                    }
                    m.put(key.clone(), Value::Map(Map::new(create_flags(*id))));
                }
                let i = m.find(key).ok_or_else(|| CdtError {
                    code: RC_OP_NOT_APPLICABLE,
                    msg: "context map key not found".into(),
                })?;
                &mut m.entries[i].1
            }
            (CTX_MAP_INDEX, Value::Map(m)) => match index_of(key, m.entries.len()) {
                Some(i) => &mut m.entries[i].1,
                None => return fail(RC_OP_NOT_APPLICABLE, "context map index out of range"),
            },
            (CTX_LIST_INDEX, Value::List(l)) => match index_of(key, l.items.len()) {
                Some(i) => &mut l.items[i],
                None => return fail(RC_OP_NOT_APPLICABLE, "context list index out of range"),
            },
            (CTX_MAP_KEY | CTX_MAP_INDEX | CTX_LIST_INDEX, _) => {
                return fail(
                    RC_OP_NOT_APPLICABLE,
                    "context type does not match the value",
                )
            }
            _ => {
                return fail(
                    RC_UNSUPPORTED,
                    format!("CDT context id {id:#x} is not implemented by this test server"),
                )
            }
        };
    }
    Ok(v)
}

/// Runs a CDT modify op. `bin` is the bin's slot (`None` = absent; the op
/// may create it). Returns the op's result value.
pub fn cdt_modify(bin: &mut Option<Particle>, program: &[u8]) -> Result<Value, CdtError> {
    let p = parse_program(program)?;
    if !is_map_op(p.op) {
        return fail(
            RC_UNSUPPORTED,
            format!("CDT op {} is not implemented by this test server", p.op),
        );
    }
    if !is_modify_op(p.op) {
        // Read ops sent as CDT_MODIFY: the server runs them as reads.
        return cdt_read(bin.as_ref(), program);
    }
    let created = bin.is_none();
    let mut root = match bin.take() {
        None => match p.ctx.first() {
            None => Value::Map(Map::new(create_attr(p.op, &p.args))),
            // A context into a missing bin needs a create flag (cdt.c
            // `cdt_context_dig`): the bin becomes a map of the flag's order.
            Some((id, _)) if id & 0xc0 != 0 && id & 0x3f == CTX_MAP_KEY => {
                Value::Map(Map::new(create_flags(*id)))
            }
            Some(_) => {
                return fail(
                    RC_OP_NOT_APPLICABLE,
                    "context on a missing bin without a create flag",
                )
            }
        },
        Some(Particle::Map(m)) => Value::Map(m),
        Some(Particle::List(l)) => Value::List(l),
        Some(other) => {
            *bin = Some(other);
            return fail(RC_BIN_TYPE, "CDT modify on a bin that is not a map or list");
        }
    };
    let result = {
        let target = navigate_mut(&mut root, &p.ctx);
        match target {
            Ok(Value::Map(m)) => map_modify(m, p.op, &p.args),
            Ok(_) => fail(RC_BIN_TYPE, "map op on a value that is not a map"),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(v) => {
            let keep = match &root {
                // An op that leaves a freshly created bin empty (a remove on a
                // missing bin) does not create it.
                Value::Map(m) => !(created && m.entries.is_empty() && !creates_bin(p.op)),
                _ => true,
            };
            if keep {
                *bin = match root {
                    Value::Map(m) => Some(Particle::Map(m)),
                    Value::List(l) => Some(Particle::List(l)),
                    _ => None,
                };
            }
            Ok(v)
        }
        Err(e) => {
            if !created {
                *bin = match root {
                    Value::Map(m) => Some(Particle::Map(m)),
                    Value::List(l) => Some(Particle::List(l)),
                    _ => None,
                };
            }
            Err(e)
        }
    }
}

/// Map order of a container created by a context step (MapOrder flag bits
/// 0x40 unordered, 0x80 key-ordered, 0xc0 key/value-ordered).
fn create_flags(id: i64) -> u8 {
    match id & 0xc0 {
        0x80 => MAP_K_ORDERED,
        0xc0 => MAP_KV_ORDERED,
        _ => 0,
    }
}

fn creates_bin(op: i64) -> bool {
    matches!(
        op,
        MAP_SET_TYPE | MAP_ADD | MAP_ADD_ITEMS | MAP_PUT | MAP_PUT_ITEMS
    )
}

/// Map order flags a write op creates a missing map with.
fn create_attr(op: i64, args: &[Value]) -> u8 {
    let pos = match op {
        MAP_SET_TYPE => 0,
        MAP_PUT | MAP_ADD | MAP_REPLACE => 2,
        MAP_PUT_ITEMS | MAP_ADD_ITEMS | MAP_REPLACE_ITEMS => 1,
        _ => return 0,
    };
    match args.get(pos) {
        Some(Value::Int(a)) => order_flags(*a),
        _ => 0,
    }
}

fn order_flags(attr: i64) -> u8 {
    match attr & 0x0f {
        1 => MAP_K_ORDERED,
        3 => MAP_KV_ORDERED,
        _ => 0,
    }
}

fn map_modify(m: &mut Map, op: i64, args: &[Value]) -> Result<Value, CdtError> {
    match op {
        MAP_SET_TYPE => {
            let attr = int_arg(args, 0, "map attr")?;
            m.flags = order_flags(attr);
            m.sort_if_ordered();
            Ok(Value::Nil)
        }
        MAP_PUT | MAP_ADD | MAP_REPLACE => {
            if args.len() < 2 {
                return fail(RC_PARAMETER, "map put needs a key and a value");
            }
            let flags = match op {
                MAP_ADD => WF_CREATE_ONLY,
                MAP_REPLACE => WF_UPDATE_ONLY,
                _ => opt_int_arg(args, 3, "map write flags")?,
            };
            check_key(&args[0])?;
            put_items(m, vec![(args[0].clone(), args[1].clone())], flags)
        }
        MAP_PUT_ITEMS | MAP_ADD_ITEMS | MAP_REPLACE_ITEMS => {
            let items = match args.first() {
                Some(Value::Map(items)) => items.entries.clone(),
                _ => return fail(RC_PARAMETER, "map put_items needs a map of items"),
            };
            for (k, _) in &items {
                check_key(k)?;
            }
            let flags = match op {
                MAP_ADD_ITEMS => WF_CREATE_ONLY,
                MAP_REPLACE_ITEMS => WF_UPDATE_ONLY,
                _ => opt_int_arg(args, 2, "map write flags")?,
            };
            put_items(m, items, flags)
        }
        MAP_CLEAR => {
            m.entries.clear();
            Ok(Value::Nil)
        }
        MAP_REMOVE_BY_KEY | MAP_REMOVE_BY_KEY_LIST => {
            let rt = int_arg(args, 0, "return type")?;
            let keys = key_args(op == MAP_REMOVE_BY_KEY_LIST, args)?;
            let multi = op == MAP_REMOVE_BY_KEY_LIST || rt & RT_INVERTED != 0;
            let selected = select_keys(m, &keys, rt & RT_INVERTED != 0);
            let result = build_result(m, &selected, rt, multi)?;
            let mut idx = selected;
            idx.sort_unstable();
            for i in idx.into_iter().rev() {
                m.entries.remove(i);
            }
            Ok(result)
        }
        _ => fail(
            RC_UNSUPPORTED,
            format!("map op {op} is not implemented by this test server"),
        ),
    }
}

/// Map keys may be integers, strings, blobs (and nil is refused).
fn check_key(k: &Value) -> Result<(), CdtError> {
    match k {
        Value::Int(_) | Value::UInt(_) | Value::Str(_) | Value::Bin(_) | Value::F64(_) => Ok(()),
        _ => fail(RC_PARAMETER, "invalid map key type"),
    }
}

fn put_items(m: &mut Map, items: Vec<(Value, Value)>, flags: i64) -> Result<Value, CdtError> {
    let no_fail = flags & WF_NO_FAIL != 0;
    let partial = flags & WF_PARTIAL != 0;
    let mut accepted = Vec::with_capacity(items.len());
    let mut any_failed = false;
    for (k, v) in items {
        let exists = m.find(&k).is_some();
        let bad = if flags & WF_CREATE_ONLY != 0 && exists {
            Some(RC_ELEMENT_EXISTS)
        } else if flags & WF_UPDATE_ONLY != 0 && !exists {
            Some(RC_ELEMENT_NOT_FOUND)
        } else {
            None
        };
        match bad {
            Some(code) if !no_fail => {
                return fail(
                    code,
                    if code == RC_ELEMENT_EXISTS {
                        "map key exists (CREATE_ONLY)"
                    } else {
                        "map key not found (UPDATE_ONLY)"
                    },
                )
            }
            Some(_) => any_failed = true,
            None => accepted.push((k, v)),
        }
    }
    if !any_failed || partial {
        for (k, v) in accepted {
            m.put(k, v);
        }
    }
    Ok(Value::Int(m.entries.len() as i64))
}

fn key_args(list: bool, args: &[Value]) -> Result<Vec<Value>, CdtError> {
    if list {
        match args.get(1) {
            Some(Value::List(l)) => Ok(l.items.clone()),
            _ => fail(RC_PARAMETER, "key list missing"),
        }
    } else {
        match args.get(1) {
            Some(k) => Ok(vec![k.clone()]),
            None => fail(RC_PARAMETER, "map key missing"),
        }
    }
}

/// Indices of the entries whose keys are (or, inverted, are not) in `keys`,
/// in map storage order.
fn select_keys(m: &Map, keys: &[Value], inverted: bool) -> Vec<usize> {
    (0..m.entries.len())
        .filter(|&i| {
            let hit = keys
                .iter()
                .any(|k| compare(k, &m.entries[i].0) == Ordering::Equal);
            hit != inverted
        })
        .collect()
}

fn map_read(m: &Map, op: i64, args: &[Value]) -> Result<Value, CdtError> {
    match op {
        MAP_SIZE => Ok(Value::Int(m.entries.len() as i64)),
        MAP_GET_BY_KEY | MAP_GET_BY_KEY_LIST => {
            let rt = int_arg(args, 0, "return type")?;
            let keys = key_args(op == MAP_GET_BY_KEY_LIST, args)?;
            let multi = op == MAP_GET_BY_KEY_LIST || rt & RT_INVERTED != 0;
            let selected = select_keys(m, &keys, rt & RT_INVERTED != 0);
            build_result(m, &selected, rt, multi)
        }
        _ => fail(
            RC_UNSUPPORTED,
            format!("map op {op} is not implemented by this test server"),
        ),
    }
}

fn rank_of(m: &Map, i: usize) -> i64 {
    let v = &m.entries[i].1;
    m.entries
        .iter()
        .enumerate()
        .filter(|(j, (_, w))| {
            let c = compare(w, v);
            c == Ordering::Less || (c == Ordering::Equal && *j < i)
        })
        .count() as i64
}

/// Shapes the selected entries per the return type, following the server's
/// `result_data_set_not_found` for empty single-key results.
fn build_result(m: &Map, sel: &[usize], rt: i64, multi: bool) -> Result<Value, CdtError> {
    let base = rt & !RT_INVERTED;
    let n = m.entries.len() as i64;
    let ints = |f: &dyn Fn(usize) -> i64| -> Value {
        if multi {
            Value::List(List {
                flags: 0,
                items: sel.iter().map(|&i| Value::Int(f(i))).collect(),
            })
        } else {
            match sel.first() {
                Some(&i) => Value::Int(f(i)),
                None => Value::Int(-1),
            }
        }
    };
    Ok(match base {
        RT_NONE => Value::Nil,
        RT_INDEX => ints(&|i| i as i64),
        RT_REVERSE_INDEX => ints(&|i| n - 1 - i as i64),
        RT_RANK => ints(&|i| rank_of(m, i)),
        RT_REVERSE_RANK => ints(&|i| n - 1 - rank_of(m, i)),
        RT_COUNT => Value::Int(sel.len() as i64),
        RT_EXISTS => Value::Bool(!sel.is_empty()),
        RT_KEY | RT_VALUE => {
            let pick = |i: usize| {
                if base == RT_KEY {
                    m.entries[i].0.clone()
                } else {
                    m.entries[i].1.clone()
                }
            };
            if multi {
                Value::List(List {
                    flags: 0,
                    items: sel.iter().map(|&i| pick(i)).collect(),
                })
            } else {
                match sel.first() {
                    Some(&i) => pick(i),
                    None => Value::Nil,
                }
            }
        }
        RT_KEY_VALUE | RT_UNORDERED_MAP | RT_ORDERED_MAP => {
            let flags = match base {
                RT_KEY_VALUE => MAP_PRESERVE_ORDER,
                RT_ORDERED_MAP => MAP_K_ORDERED,
                _ => 0,
            };
            let mut out = Map::new(flags);
            out.entries = sel.iter().map(|&i| m.entries[i].clone()).collect();
            out.sort_if_ordered();
            Value::Map(out)
        }
        other => {
            return fail(
                RC_PARAMETER,
                format!("map return type {other} is not valid here"),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        let mut v = vec![3u8];
        v.extend_from_slice(x.as_bytes());
        Value::Str(v)
    }

    fn prog(items: Vec<Value>) -> Vec<u8> {
        msgpack::to_bytes(&Value::List(List { flags: 0, items }))
    }

    #[test]
    fn put_items_key_ordered_sorts_and_returns_size() {
        let mut bin = None;
        let mut items = Map::new(0);
        items.entries = vec![(s("b"), Value::Int(2)), (s("a"), Value::Nil)];
        let p = prog(vec![Value::Int(68), Value::Map(items), Value::Int(1)]);
        assert_eq!(cdt_modify(&mut bin, &p).unwrap(), Value::Int(2));
        match bin {
            Some(Particle::Map(m)) => {
                assert_eq!(m.flags, MAP_K_ORDERED);
                assert_eq!(m.entries[0], (s("a"), Value::Nil));
                assert_eq!(m.entries[1].0, s("b"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_value_read_omits_missing_keys_and_missing_context_is_26() {
        let python_get = [
            0x93, 0xcc, 0xff, 0x92, 0x22, 0xa3, 0x03, 0x66, 0x76, 0x93, 0x6b, 0x08, 0x93, 0xa3,
            0x03, 0x66, 0x31, 0xa3, 0x03, 0x66, 0x33, 0xa5, 0x03, 0x6e, 0x6f, 0x70, 0x65,
        ];
        let mut inner = Map::new(0);
        inner.entries = vec![
            (s("f1"), Value::F64(1.5)),
            (s("f2"), s("x")),
            (s("f3"), Value::Nil),
        ];
        let mut outer = Map::new(MAP_K_ORDERED);
        outer.put(s("fv"), Value::Map(inner));
        let bin = Particle::Map(outer);
        let r = cdt_read(Some(&bin), &python_get).unwrap();
        let mut bytes = Vec::new();
        msgpack::encode(&r, &mut bytes);
        // Transcript answer: {<PRESERVE_ORDER>, "f1": 1.5, "f3": nil}
        assert_eq!(
            bytes,
            [
                0x83, 0xc7, 0x00, 0x08, 0xc0, 0xa3, 0x03, 0x66, 0x31, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0,
                0, 0, 0xa3, 0x03, 0x66, 0x33, 0xc0
            ]
        );
        let mut other = Map::new(MAP_K_ORDERED);
        other.put(s("fv_b"), Value::Int(1));
        let e = cdt_read(Some(&Particle::Map(other)), &python_get).unwrap_err();
        assert_eq!(e.code, RC_OP_NOT_APPLICABLE);
    }

    #[test]
    fn context_create_flag_builds_the_path() {
        // [0xff, [0xa2 MAP_KEY_CREATE key-ordered, "fv"], [67 PUT, "f", 1, 1]]
        let ctx = Value::List(List {
            flags: 0,
            items: vec![Value::Int(0xa2), s("fv")],
        });
        let op = Value::List(List {
            flags: 0,
            items: vec![Value::Int(67), s("f"), Value::Int(1), Value::Int(1)],
        });
        let p = prog(vec![Value::Int(0xff), ctx, op]);
        let mut bin = None;
        assert_eq!(cdt_modify(&mut bin, &p).unwrap(), Value::Int(1));
        match &bin {
            Some(Particle::Map(m)) => {
                assert_eq!(m.flags, MAP_K_ORDERED);
                assert!(
                    matches!(m.get(&s("fv")), Some(Value::Map(inner)) if inner.entries.len() == 1)
                );
            }
            other => panic!("{other:?}"),
        }
        // Without the create flag: 26, nothing created.
        let ctx = Value::List(List {
            flags: 0,
            items: vec![Value::Int(0x22), s("fv")],
        });
        let op = Value::List(List {
            flags: 0,
            items: vec![Value::Int(67), s("f"), Value::Int(1)],
        });
        let mut none = None;
        let p = prog(vec![Value::Int(0xff), ctx, op]);
        assert_eq!(
            cdt_modify(&mut none, &p).unwrap_err().code,
            RC_OP_NOT_APPLICABLE
        );
        assert!(none.is_none());
    }

    #[test]
    fn create_only_without_no_fail_is_24() {
        let mut m = Map::new(0);
        m.put(s("a"), Value::Int(1));
        let mut bin = Some(Particle::Map(m));
        let p = prog(vec![
            Value::Int(67),
            s("a"),
            Value::Int(2),
            Value::Int(0),
            Value::Int(WF_CREATE_ONLY),
        ]);
        assert_eq!(
            cdt_modify(&mut bin, &p).unwrap_err().code,
            RC_ELEMENT_EXISTS
        );
        let p = prog(vec![
            Value::Int(67),
            s("a"),
            Value::Int(2),
            Value::Int(0),
            Value::Int(WF_CREATE_ONLY | WF_NO_FAIL),
        ]);
        assert_eq!(cdt_modify(&mut bin, &p).unwrap(), Value::Int(1));
    }
}
