//! Feast's type inference for a stored value whose feature type is unknown
//! (`ValueType.UNKNOWN`, or a number this library does not know).

use aerospike::Value as AsValue;

use super::decode::{decode_value, is_map, some, to_map, to_scalar_map, unset, R};
use crate::proto::v1::value::Val;
use crate::proto::v1::value_type::Enum as Vt;
use crate::proto::v1::Value;

/// Feast's type inference for a native value (`python_type_to_feast_value_type`):
/// int -> INT64, float -> DOUBLE, str -> STRING, bytes -> BYTES, bool -> BOOL,
/// dict -> MAP (string keys) or SCALAR_MAP, list -> <element type>_LIST or
/// MAP_LIST. An empty list has no type and reads as unset.
pub(crate) fn infer_value(v: AsValue) -> R<Value> {
    match v {
        AsValue::Nil => unset(),
        AsValue::Int(i) => some(Val::Int64Val(i)),
        AsValue::Float(f) => some(Val::DoubleVal(f64::from(&f))),
        AsValue::String(s) => some(Val::StringVal(s)),
        AsValue::Blob(b) => some(Val::BytesVal(b)),
        AsValue::Bool(b) => some(Val::BoolVal(b)),
        m @ (AsValue::OrderedMap(_)
        | AsValue::SortedMap(_)
        | AsValue::HashMap(_)
        | AsValue::KeyValueList(_)) => {
            // Python's dict has one key type in practice: the first key decides.
            let first_key = match &m {
                AsValue::OrderedMap(x) => x.keys().next(),
                AsValue::SortedMap(x) => x.keys().next(),
                AsValue::HashMap(x) => x.keys().next(),
                AsValue::KeyValueList(x) => x.first().map(|(k, _)| k),
                _ => None,
            };
            let string_keys = first_key.is_none_or(|k| matches!(k, AsValue::String(_)));
            if string_keys {
                some(Val::MapVal(to_map(m, "MAP")?))
            } else {
                some(Val::ScalarMapVal(to_scalar_map(m)?))
            }
        }
        AsValue::List(items) => {
            let Some(first) = items.iter().find(|x| !matches!(x, AsValue::Nil)) else {
                return unset();
            };
            let elem = match first {
                AsValue::Int(_) => {
                    if items.iter().any(|x| matches!(x, AsValue::Float(_))) {
                        Vt::DoubleList
                    } else {
                        Vt::Int64List
                    }
                }
                AsValue::Float(_) => Vt::DoubleList,
                AsValue::String(_) => Vt::StringList,
                AsValue::Blob(_) => Vt::BytesList,
                AsValue::Bool(_) => Vt::BoolList,
                x if is_map(x) => Vt::MapList,
                AsValue::List(_) => Vt::ValueList,
                other => {
                    return Err(format!(
                        "cannot infer a Feast type for a list of {}",
                        super::label(other)
                    ))
                }
            };
            decode_value(AsValue::List(items), elem as i32)
        }
        other => Err(format!(
            "cannot infer a Feast type for a stored {}",
            super::label(&other)
        )),
    }
}
