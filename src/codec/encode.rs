//! Feast `Value` -> the native Aerospike value stored in the `features` map.

use aerospike::{IndexMap, Value as AsValue};

use super::pyjson;
use crate::proto::v1::{map_key, value::Val, Map, Value};

/// Encode one feature value. The error names what could not be stored; the
/// caller adds the feature view, feature and row.
pub fn encode_value(value: &Value) -> Result<AsValue, String> {
    let Some(val) = &value.val else {
        return Ok(AsValue::Nil);
    };
    Ok(match val {
        Val::BytesVal(b) => AsValue::Blob(b.clone()),
        Val::StringVal(s) | Val::UuidVal(s) | Val::TimeUuidVal(s) | Val::DecimalVal(s) => {
            AsValue::String(s.clone())
        }
        Val::Int32Val(x) => AsValue::Int(i64::from(*x)),
        Val::Int64Val(x) | Val::UnixTimestampVal(x) => AsValue::Int(*x),
        // Always float64, as Python writes (float32 inside maps would be a
        // different stored value: DESIGN.md §4.7).
        Val::DoubleVal(x) => AsValue::from(*x),
        Val::FloatVal(x) => AsValue::from(f64::from(*x)),
        Val::BoolVal(b) => AsValue::Bool(*b),
        Val::NullVal(_) => AsValue::Nil,
        Val::BytesListVal(l) => list(l.val.iter().map(|b| AsValue::Blob(b.clone()))),
        Val::StringListVal(l)
        | Val::UuidListVal(l)
        | Val::TimeUuidListVal(l)
        | Val::DecimalListVal(l) => list(l.val.iter().map(|s| AsValue::String(s.clone()))),
        Val::Int32ListVal(l) => list(l.val.iter().map(|x| AsValue::Int(i64::from(*x)))),
        Val::Int64ListVal(l) | Val::UnixTimestampListVal(l) => {
            list(l.val.iter().map(|x| AsValue::Int(*x)))
        }
        Val::DoubleListVal(l) => list(l.val.iter().map(|x| AsValue::from(*x))),
        Val::FloatListVal(l) => list(l.val.iter().map(|x| AsValue::from(f64::from(*x)))),
        Val::BoolListVal(l) => list(l.val.iter().map(|b| AsValue::Bool(*b))),
        // Sets are stored as arrays (Python's reader accepts lists for set
        // types); duplicates are dropped, first occurrence kept.
        Val::BytesSetVal(s) => list(dedup(&s.val).map(|b| AsValue::Blob(b.clone()))),
        Val::StringSetVal(s)
        | Val::UuidSetVal(s)
        | Val::TimeUuidSetVal(s)
        | Val::DecimalSetVal(s) => list(dedup(&s.val).map(|x| AsValue::String(x.clone()))),
        Val::Int32SetVal(s) => list(dedup(&s.val).map(|x| AsValue::Int(i64::from(*x)))),
        Val::Int64SetVal(s) | Val::UnixTimestampSetVal(s) => {
            list(dedup(&s.val).map(|x| AsValue::Int(*x)))
        }
        Val::DoubleSetVal(s) => list(dedup_f64(s.val.iter().copied()).map(AsValue::from)),
        Val::FloatSetVal(s) => {
            list(dedup_f64(s.val.iter().map(|x| f64::from(*x))).map(AsValue::from))
        }
        Val::BoolSetVal(s) => list(dedup(&s.val).map(|b| AsValue::Bool(*b))),
        Val::MapVal(m) | Val::StructVal(m) => encode_map(m)?,
        Val::MapListVal(l) | Val::StructListVal(l) => {
            AsValue::List(l.val.iter().map(encode_map).collect::<Result<_, _>>()?)
        }
        Val::JsonVal(s) => encode_json_text(s)?,
        Val::JsonListVal(l) => AsValue::List(
            l.val
                .iter()
                .map(|s| encode_json_text(s))
                .collect::<Result<_, _>>()?,
        ),
        Val::ListVal(r) | Val::SetVal(r) => {
            AsValue::List(r.val.iter().map(encode_value).collect::<Result<_, _>>()?)
        }
        Val::ScalarMapVal(m) => {
            let mut out: IndexMap<AsValue, AsValue> = IndexMap::with_capacity(m.val.len());
            for entry in &m.val {
                let key = match entry.key.as_ref().and_then(|k| k.key.as_ref()) {
                    Some(map_key::Key::Int32Key(x)) => AsValue::Int(i64::from(*x)),
                    Some(map_key::Key::Int64Key(x)) | Some(map_key::Key::UnixTimestampKey(x)) => {
                        AsValue::Int(*x)
                    }
                    Some(map_key::Key::BytesKey(b)) => AsValue::Blob(b.clone()),
                    Some(map_key::Key::UuidKey(s))
                    | Some(map_key::Key::TimeUuidKey(s))
                    | Some(map_key::Key::DecimalKey(s)) => AsValue::String(s.clone()),
                    Some(map_key::Key::FloatKey(_))
                    | Some(map_key::Key::DoubleKey(_))
                    | Some(map_key::Key::BoolKey(_)) => {
                        return Err("scalar_map_val with float, double or bool keys cannot be \
                                    stored: Aerospike map keys are integers, strings or bytes"
                            .into())
                    }
                    None => return Err("scalar_map_val entry without a key".into()),
                };
                let value = match &entry.value {
                    Some(v) => encode_value(v)?,
                    None => AsValue::Nil,
                };
                out.insert(key, value);
            }
            // Stored key-sorted, as Python's client stores a dict.
            let mut entries: Vec<(AsValue, AsValue)> = out.into_iter().collect();
            pyjson::sort_entries(&mut entries);
            AsValue::OrderedMap(entries.into_iter().collect())
        }
        // Stored as [epoch seconds, zone]: Python's client cannot write a
        // datetime and its reader cannot read one back either.
        Val::ZonedTimestampVal(z) => AsValue::List(vec![
            AsValue::Int(z.unix_timestamp),
            AsValue::String(z.zone.clone()),
        ]),
    })
}

fn list(items: impl Iterator<Item = AsValue>) -> AsValue {
    AsValue::List(items.collect())
}

fn dedup<T: PartialEq>(items: &[T]) -> impl Iterator<Item = &T> {
    items
        .iter()
        .enumerate()
        .filter(move |(i, x)| !items[..*i].contains(x))
        .map(|(_, x)| x)
}

fn dedup_f64(items: impl Iterator<Item = f64>) -> impl Iterator<Item = f64> {
    let mut seen: Vec<u64> = Vec::new();
    items.filter(move |x| {
        let bits = x.to_bits();
        if seen.contains(&bits) {
            false
        } else {
            seen.push(bits);
            true
        }
    })
}

/// A Feast `Map` as a plain (unordered-flag) map in key order, the shape
/// Python's client writes for a dict.
pub(crate) fn encode_map(m: &Map) -> Result<AsValue, String> {
    let mut out = IndexMap::with_capacity(m.val.len());
    for (k, v) in &m.val {
        out.insert(AsValue::String(k.clone()), encode_value(v)?);
    }
    Ok(AsValue::OrderedMap(out))
}

/// Python stores `json.loads(text)`, or the text itself when it does not
/// parse; integers too big for Aerospike keep their exact digits as text.
fn encode_json_text(text: &str) -> Result<AsValue, String> {
    Ok(match pyjson::loads(text) {
        Ok(pyjson::Loaded::Native(v)) => v,
        Ok(pyjson::Loaded::Text(t)) => AsValue::String(t),
        Err(_) => AsValue::String(text.to_string()),
    })
}
