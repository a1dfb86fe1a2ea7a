//! Stored native value + declared feature type -> Feast `Value`, as Feast
//! 0.67's `python_values_to_proto_values(values, feature_type)` builds it.
//! Values are taken by value so strings, bytes and lists move into the
//! response without a copy.

use aerospike::Value as AsValue;

use super::infer::infer_value;
use super::pyjson;
use crate::proto::v1::value_type::Enum as Vt;
use crate::proto::v1::{
    map_key, value::Val, BoolList, BoolSet, BytesList, BytesSet, DoubleList, DoubleSet, FloatList,
    FloatSet, Int32List, Int32Set, Int64List, Int64Set, Map, MapKey, MapList, RepeatedValue,
    ScalarMap, ScalarMapEntry, StringList, StringSet, Value, ZonedTimestamp,
};

/// Feast's NULL_TIMESTAMP_INT_VALUE: the default for a nil element of a
/// UNIX_TIMESTAMP_LIST.
const NULL_TIMESTAMP: i64 = i64::MIN;

pub(super) type R<T> = Result<T, String>;

pub(super) fn some(val: Val) -> R<Value> {
    Ok(Value { val: Some(val) })
}

pub(super) fn unset() -> R<Value> {
    Ok(Value { val: None })
}

/// Decode a stored native value as a feature declared with `value_type`
/// (the raw enum number; unknown numbers infer the type like Feast's
/// `ValueType.UNKNOWN`).
pub fn decode_value(stored: AsValue, value_type: i32) -> R<Value> {
    if matches!(stored, AsValue::Nil) {
        return unset();
    }
    let Ok(ty) = Vt::try_from(value_type) else {
        return infer_value(stored);
    };
    match ty {
        Vt::Invalid => infer_value(stored),
        Vt::Null => unset(),
        Vt::Bytes | Vt::PdfBytes | Vt::ImageBytes => scalar(stored, |v| match v {
            AsValue::Blob(b) => Ok(Val::BytesVal(b)),
            AsValue::String(s) => Ok(Val::BytesVal(s.into_bytes())),
            other => Err(mismatch(&other, "BYTES")),
        }),
        Vt::String => scalar(stored, |v| to_string(v).map(Val::StringVal)),
        Vt::Int32 => scalar_num(stored, |v| {
            let i = to_i64(v, "INT32")?;
            i32::try_from(i)
                .map(Val::Int32Val)
                .map_err(|_| format!("{i} does not fit INT32"))
        }),
        Vt::Int64 => scalar_num(stored, |v| to_i64(v, "INT64").map(Val::Int64Val)),
        Vt::UnixTimestamp => scalar_num(stored, |v| {
            to_i64(v, "UNIX_TIMESTAMP").map(Val::UnixTimestampVal)
        }),
        Vt::Double => scalar_num(stored, |v| to_f64(v, "DOUBLE").map(Val::DoubleVal)),
        Vt::Float => scalar_num(stored, |v| {
            to_f64(v, "FLOAT").map(|x| Val::FloatVal(x as f32))
        }),
        Vt::Bool => scalar(stored, |v| match v {
            AsValue::Bool(b) => Ok(Val::BoolVal(b)),
            AsValue::Int(i) => Ok(Val::BoolVal(i != 0)),
            other => Err(mismatch(&other, "BOOL")),
        }),
        Vt::Uuid => scalar(stored, |v| to_text(v, "UUID").map(Val::UuidVal)),
        Vt::TimeUuid => scalar(stored, |v| to_text(v, "TIME_UUID").map(Val::TimeUuidVal)),
        Vt::Decimal => scalar(stored, |v| to_text(v, "DECIMAL").map(Val::DecimalVal)),
        Vt::BytesList => list(stored, "BYTES_LIST", Vec::new(), bytes_elem)
            .map(|val| Val::BytesListVal(BytesList { val }))
            .and_then(some),
        Vt::StringList => list(stored, "STRING_LIST", String::new(), to_string)
            .map(|val| Val::StringListVal(StringList { val }))
            .and_then(some),
        Vt::Int32List => list(stored, "INT32_LIST", 0, int32_elem)
            .map(|val| Val::Int32ListVal(Int32List { val }))
            .and_then(some),
        Vt::Int64List => list(stored, "INT64_LIST", 0, |v| to_i64(v, "INT64_LIST"))
            .map(|val| Val::Int64ListVal(Int64List { val }))
            .and_then(some),
        Vt::UnixTimestampList => list(stored, "UNIX_TIMESTAMP_LIST", NULL_TIMESTAMP, |v| {
            to_i64(v, "UNIX_TIMESTAMP_LIST")
        })
        .map(|val| Val::UnixTimestampListVal(Int64List { val }))
        .and_then(some),
        Vt::DoubleList => list(stored, "DOUBLE_LIST", 0.0, |v| to_f64(v, "DOUBLE_LIST"))
            .map(|val| Val::DoubleListVal(DoubleList { val }))
            .and_then(some),
        Vt::FloatList => list(stored, "FLOAT_LIST", 0.0, |v| {
            to_f64(v, "FLOAT_LIST").map(|x| x as f32)
        })
        .map(|val| Val::FloatListVal(FloatList { val }))
        .and_then(some),
        Vt::BoolList => list(stored, "BOOL_LIST", false, bool_elem)
            .map(|val| Val::BoolListVal(BoolList { val }))
            .and_then(some),
        Vt::UuidList => list(stored, "UUID_LIST", String::new(), |v| {
            to_text(v, "UUID_LIST")
        })
        .map(|val| Val::UuidListVal(StringList { val }))
        .and_then(some),
        Vt::TimeUuidList => list(stored, "TIME_UUID_LIST", String::new(), |v| {
            to_text(v, "TIME_UUID_LIST")
        })
        .map(|val| Val::TimeUuidListVal(StringList { val }))
        .and_then(some),
        Vt::DecimalList => list(stored, "DECIMAL_LIST", String::new(), |v| {
            to_text(v, "DECIMAL_LIST")
        })
        .map(|val| Val::DecimalListVal(StringList { val }))
        .and_then(some),
        Vt::BytesSet => set(stored, "BYTES_SET", bytes_elem)
            .map(|val| Val::BytesSetVal(BytesSet { val }))
            .and_then(some),
        Vt::StringSet => set(stored, "STRING_SET", to_string)
            .map(|val| Val::StringSetVal(StringSet { val }))
            .and_then(some),
        Vt::Int32Set => set(stored, "INT32_SET", int32_elem)
            .map(|val| Val::Int32SetVal(Int32Set { val }))
            .and_then(some),
        Vt::Int64Set => set(stored, "INT64_SET", |v| to_i64(v, "INT64_SET"))
            .map(|val| Val::Int64SetVal(Int64Set { val }))
            .and_then(some),
        Vt::UnixTimestampSet => set(stored, "UNIX_TIMESTAMP_SET", |v| {
            to_i64(v, "UNIX_TIMESTAMP_SET")
        })
        .map(|val| Val::UnixTimestampSetVal(Int64Set { val }))
        .and_then(some),
        Vt::DoubleSet => set_f(stored, "DOUBLE_SET", |x| x)
            .map(|val| Val::DoubleSetVal(DoubleSet { val }))
            .and_then(some),
        Vt::FloatSet => set_f(stored, "FLOAT_SET", |x| x as f32)
            .map(|val| Val::FloatSetVal(FloatSet { val }))
            .and_then(some),
        Vt::BoolSet => set(stored, "BOOL_SET", bool_elem)
            .map(|val| Val::BoolSetVal(BoolSet { val }))
            .and_then(some),
        Vt::UuidSet => set(stored, "UUID_SET", |v| to_text(v, "UUID_SET"))
            .map(|val| Val::UuidSetVal(StringSet { val }))
            .and_then(some),
        Vt::TimeUuidSet => set(stored, "TIME_UUID_SET", |v| to_text(v, "TIME_UUID_SET"))
            .map(|val| Val::TimeUuidSetVal(StringSet { val }))
            .and_then(some),
        Vt::DecimalSet => set(stored, "DECIMAL_SET", |v| to_text(v, "DECIMAL_SET"))
            .map(|val| Val::DecimalSetVal(StringSet { val }))
            .and_then(some),
        Vt::Map => some(Val::MapVal(to_map(stored, "MAP")?)),
        Vt::Struct => some(Val::StructVal(to_map(stored, "STRUCT")?)),
        Vt::MapList => some(Val::MapListVal(to_map_list(stored, "MAP_LIST")?)),
        Vt::StructList => some(Val::StructListVal(to_map_list(stored, "STRUCT_LIST")?)),
        Vt::Json => some(Val::JsonVal(json_text(stored)?)),
        Vt::JsonList => match stored {
            AsValue::List(items) => some(Val::JsonListVal(StringList {
                val: items.into_iter().map(json_text).collect::<R<_>>()?,
            })),
            other => Err(mismatch(&other, "JSON_LIST")),
        },
        Vt::ValueList => some(Val::ListVal(nested(stored, "VALUE_LIST")?)),
        Vt::ValueSet => some(Val::SetVal(nested(stored, "VALUE_SET")?)),
        Vt::ScalarMap => some(Val::ScalarMapVal(to_scalar_map(stored)?)),
        Vt::ZonedTimestamp => match stored {
            AsValue::List(mut items) if items.len() == 2 => {
                let zone = items.pop();
                let secs = items.pop();
                match (secs, zone) {
                    (Some(AsValue::Int(s)), Some(AsValue::String(z))) => {
                        some(Val::ZonedTimestampVal(ZonedTimestamp {
                            unix_timestamp: s,
                            zone: z,
                        }))
                    }
                    _ => Err("ZONED_TIMESTAMP must be stored as [epoch seconds, zone]".into()),
                }
            }
            other => Err(mismatch(&other, "ZONED_TIMESTAMP")),
        },
    }
}

fn mismatch(v: &AsValue, ty: &str) -> String {
    format!("a stored {} cannot be read as {ty}", super::label(v))
}

/// Feast treats an array-like value in a scalar column as null.
fn is_array_like(v: &AsValue) -> bool {
    matches!(
        v,
        AsValue::List(_)
            | AsValue::OrderedMap(_)
            | AsValue::SortedMap(_)
            | AsValue::HashMap(_)
            | AsValue::KeyValueList(_)
    )
}

fn scalar(v: AsValue, f: impl FnOnce(AsValue) -> R<Val>) -> R<Value> {
    if is_array_like(&v) {
        return unset();
    }
    some(f(v)?)
}

/// Numeric scalars: NaN is null to Feast (`pd.isnull`).
fn scalar_num(v: AsValue, f: impl FnOnce(AsValue) -> R<Val>) -> R<Value> {
    if let AsValue::Float(x) = &v {
        if f64::from(x).is_nan() {
            return unset();
        }
    }
    scalar(v, f)
}

fn to_i64(v: AsValue, ty: &str) -> R<i64> {
    match v {
        AsValue::Int(i) => Ok(i),
        AsValue::Bool(b) => Ok(i64::from(b)),
        // Python's int(x) truncates toward zero.
        AsValue::Float(f) => {
            let x = f64::from(&f);
            if x.is_finite() && x.abs() < 9.2e18 {
                Ok(x.trunc() as i64)
            } else {
                Err(format!("float {x} cannot be read as {ty}"))
            }
        }
        AsValue::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("string {s:?} cannot be read as {ty}")),
        other => Err(mismatch(&other, ty)),
    }
}

fn int32_elem(v: AsValue) -> R<i32> {
    let i = to_i64(v, "INT32")?;
    i32::try_from(i).map_err(|_| format!("{i} does not fit INT32"))
}

fn to_f64(v: AsValue, ty: &str) -> R<f64> {
    match v {
        AsValue::Float(f) => Ok(f64::from(&f)),
        AsValue::Int(i) => Ok(i as f64),
        AsValue::Bool(b) => Ok(if b { 1.0 } else { 0.0 }),
        AsValue::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("string {s:?} cannot be read as {ty}")),
        other => Err(mismatch(&other, ty)),
    }
}

/// Python's `str(x)`.
fn to_string(v: AsValue) -> R<String> {
    match v {
        AsValue::String(s) => Ok(s),
        AsValue::Int(i) => Ok(i.to_string()),
        AsValue::Float(f) => Ok(pyjson::float_repr(f64::from(&f))
            .replace("NaN", "nan")
            .replace("Infinity", "inf")),
        AsValue::Bool(true) => Ok("True".into()),
        AsValue::Bool(false) => Ok("False".into()),
        other => Err(mismatch(&other, "STRING")),
    }
}

fn to_text(v: AsValue, ty: &str) -> R<String> {
    match v {
        AsValue::String(s) => Ok(s),
        other => Err(mismatch(&other, ty)),
    }
}

fn bytes_elem(v: AsValue) -> R<Vec<u8>> {
    match v {
        AsValue::Blob(b) => Ok(b),
        AsValue::String(s) => Ok(s.into_bytes()),
        other => Err(mismatch(&other, "BYTES")),
    }
}

fn bool_elem(v: AsValue) -> R<bool> {
    match v {
        AsValue::Bool(b) => Ok(b),
        AsValue::Int(i) => Ok(i != 0),
        other => Err(mismatch(&other, "BOOL")),
    }
}

/// A list column: nil elements become the type's default, as Feast's
/// `_sanitize_list_value` does.
fn list<T: Clone>(v: AsValue, ty: &str, default: T, f: impl Fn(AsValue) -> R<T>) -> R<Vec<T>> {
    match v {
        AsValue::List(items) => items
            .into_iter()
            .map(|x| match x {
                AsValue::Nil => Ok(default.clone()),
                x => f(x),
            })
            .collect(),
        other => Err(mismatch(&other, ty)),
    }
}

/// A set column: stored as an array; duplicates and nils dropped, first
/// occurrence kept (Python's `list(set(v))` has no defined order).
fn set<T: PartialEq>(v: AsValue, ty: &str, f: impl Fn(AsValue) -> R<T>) -> R<Vec<T>> {
    match v {
        AsValue::List(items) => {
            let mut out: Vec<T> = Vec::with_capacity(items.len());
            for x in items {
                if matches!(x, AsValue::Nil) {
                    continue;
                }
                let x = f(x)?;
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            Ok(out)
        }
        other => Err(mismatch(&other, ty)),
    }
}

fn set_f<T>(v: AsValue, ty: &str, conv: impl Fn(f64) -> T) -> R<Vec<T>> {
    let xs = set(v, ty, |x| to_f64(x, ty).map(f64::to_bits))?;
    Ok(xs.into_iter().map(|b| conv(f64::from_bits(b))).collect())
}

fn map_entries(v: AsValue, ty: &str) -> R<Vec<(AsValue, AsValue)>> {
    match v {
        AsValue::OrderedMap(m) => Ok(m.into_iter().collect()),
        AsValue::SortedMap(m) => Ok(m.into_iter().collect()),
        AsValue::HashMap(m) => Ok(m.into_iter().collect()),
        AsValue::KeyValueList(pairs) => Ok(pairs),
        other => Err(mismatch(&other, ty)),
    }
}

/// Feast's `_python_dict_to_map_proto`: nil -> unset, dict -> map_val,
/// list of dicts -> map_list_val, anything else inferred.
pub(super) fn to_map(v: AsValue, ty: &str) -> R<Map> {
    let mut out = Map::default();
    for (k, v) in map_entries(v, ty)? {
        let key = match k {
            AsValue::String(s) => s,
            AsValue::Int(i) => i.to_string(),
            other => {
                return Err(format!(
                    "{ty} key of type {} is not a string",
                    super::label(&other)
                ))
            }
        };
        out.val.insert(key, map_member(v)?);
    }
    Ok(out)
}

fn map_member(v: AsValue) -> R<Value> {
    match v {
        AsValue::Nil => unset(),
        // NaN is null to Feast inside a map too (`pd.isnull` on the member).
        AsValue::Float(f) if f64::from(&f).is_nan() => unset(),
        m @ (AsValue::OrderedMap(_)
        | AsValue::SortedMap(_)
        | AsValue::HashMap(_)
        | AsValue::KeyValueList(_)) => some(Val::MapVal(to_map(m, "MAP")?)),
        AsValue::List(items) if items.first().is_some_and(is_map) => some(Val::MapListVal(
            to_map_list(AsValue::List(items), "MAP_LIST")?,
        )),
        other => infer_value(other),
    }
}

pub(super) fn is_map(v: &AsValue) -> bool {
    matches!(
        v,
        AsValue::OrderedMap(_)
            | AsValue::SortedMap(_)
            | AsValue::HashMap(_)
            | AsValue::KeyValueList(_)
    )
}

fn to_map_list(v: AsValue, ty: &str) -> R<MapList> {
    match v {
        AsValue::List(items) => Ok(MapList {
            val: items.into_iter().map(|m| to_map(m, ty)).collect::<R<_>>()?,
        }),
        other => Err(mismatch(&other, ty)),
    }
}

/// Feast's reader re-serializes a parsed JSON value with `json.dumps`; a
/// stored string is JSON text already when it parses (Python writes the raw
/// text when it does not), otherwise it is a JSON string value.
fn json_text(v: AsValue) -> R<String> {
    match v {
        AsValue::String(s) => {
            if pyjson::loads(&s).is_ok() {
                Ok(s)
            } else {
                pyjson::dumps(&AsValue::String(s))
            }
        }
        other => pyjson::dumps(&other),
    }
}

/// VALUE_LIST / VALUE_SET: each inner collection typed by inference, as
/// Feast's `_convert_nested_collection_to_proto` does.
fn nested(v: AsValue, ty: &str) -> R<RepeatedValue> {
    let AsValue::List(items) = v else {
        return Err(mismatch(&v, ty));
    };
    let mut out = Vec::with_capacity(items.len());
    for inner in items {
        out.push(match inner {
            AsValue::Nil => Value { val: None },
            AsValue::List(l) if l.is_empty() => Value { val: None },
            AsValue::List(l) if l.iter().any(|x| matches!(x, AsValue::List(_))) => Value {
                val: Some(Val::ListVal(nested(AsValue::List(l), ty)?)),
            },
            other => infer_value(other)?,
        });
    }
    Ok(RepeatedValue { val: out })
}

pub(super) fn to_scalar_map(v: AsValue) -> R<ScalarMap> {
    let mut out = ScalarMap::default();
    for (k, v) in map_entries(v, "SCALAR_MAP")? {
        let key = match k {
            AsValue::Int(i) => map_key::Key::Int64Key(i),
            AsValue::Blob(b) => map_key::Key::BytesKey(b),
            // Written from uuid/time_uuid/decimal keys: tell them apart by shape.
            AsValue::String(s) => match uuid_version(&s) {
                Some(1) => map_key::Key::TimeUuidKey(s),
                Some(_) => map_key::Key::UuidKey(s),
                None => map_key::Key::DecimalKey(s),
            },
            other => {
                return Err(format!(
                    "SCALAR_MAP key of type {} is not supported",
                    super::label(&other)
                ))
            }
        };
        let value = match v {
            AsValue::Nil => Value { val: None },
            other => infer_value(other)?,
        };
        out.val.push(ScalarMapEntry {
            key: Some(MapKey { key: Some(key) }),
            value: Some(value),
        });
    }
    Ok(out)
}

/// The version nibble of a canonical 8-4-4-4-12 UUID string.
fn uuid_version(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    for (i, c) in b.iter().enumerate() {
        let dash = matches!(i, 8 | 13 | 18 | 23);
        if dash != (*c == b'-') || (!dash && !c.is_ascii_hexdigit()) {
            return None;
        }
    }
    (b[14] as char).to_digit(16).map(|d| d as u8)
}
