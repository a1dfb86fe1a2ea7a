//! The value codec: Feast `Value`s to the native values stored inside the
//! `features` map, and back, exactly as Feast 0.67's Python store does.
//!
//! Writing ([`encode_value`]) produces what Python's
//! `feast_value_type_to_python_type` + the Aerospike Python client put on
//! the wire: ints as msgpack ints, FLOAT/DOUBLE as float64, strings and bytes
//! as particle-typed msgpack strings, lists as arrays, maps as plain maps.
//! Types Python's client refuses to write get the encoding Python's reader
//! accepts where one exists (see `docs/value-encoding.md`).
//!
//! Reading ([`decode_value`]) is type-directed by the declared feature type
//! and rebuilds the `Value` that Feast's `python_values_to_proto_values`
//! would, including its quirks: NaN in a scalar FLOAT/DOUBLE column and
//! array-like values in scalar columns read as unset; nil list elements
//! become the type's default.

mod decode;
mod encode;
mod infer;
mod pyjson;
mod row;

pub use decode::decode_value;
pub use encode::encode_value;
pub use row::{encode_row_features, ms_to_timestamp, timestamp_to_ms};

use crate::proto::v1::value::Val;

/// A short name of a stored native value's kind for error messages.
pub(crate) fn label(v: &aerospike::Value) -> &'static str {
    use aerospike::Value as V;
    match v {
        V::Nil => "nil",
        V::Bool(_) => "bool",
        V::Int(_) => "integer",
        V::Float(_) => "float",
        V::String(_) => "string",
        V::Blob(_) => "blob",
        V::List(_) => "list",
        V::HashMap(_) | V::OrderedMap(_) | V::SortedMap(_) | V::KeyValueList(_) => "map",
        V::GeoJson(_) => "geojson",
        V::Hll(_) => "hll",
        _ => "unsupported value",
    }
}

/// A short name of a `Value`'s kind for error messages.
pub(crate) fn val_kind(val: &Val) -> &'static str {
    match val {
        Val::BytesVal(_) => "bytes_val",
        Val::StringVal(_) => "string_val",
        Val::Int32Val(_) => "int32_val",
        Val::Int64Val(_) => "int64_val",
        Val::DoubleVal(_) => "double_val",
        Val::FloatVal(_) => "float_val",
        Val::BoolVal(_) => "bool_val",
        Val::UnixTimestampVal(_) => "unix_timestamp_val",
        Val::BytesListVal(_) => "bytes_list_val",
        Val::StringListVal(_) => "string_list_val",
        Val::Int32ListVal(_) => "int32_list_val",
        Val::Int64ListVal(_) => "int64_list_val",
        Val::DoubleListVal(_) => "double_list_val",
        Val::FloatListVal(_) => "float_list_val",
        Val::BoolListVal(_) => "bool_list_val",
        Val::UnixTimestampListVal(_) => "unix_timestamp_list_val",
        Val::NullVal(_) => "null_val",
        Val::MapVal(_) => "map_val",
        Val::MapListVal(_) => "map_list_val",
        Val::BytesSetVal(_) => "bytes_set_val",
        Val::StringSetVal(_) => "string_set_val",
        Val::Int32SetVal(_) => "int32_set_val",
        Val::Int64SetVal(_) => "int64_set_val",
        Val::DoubleSetVal(_) => "double_set_val",
        Val::FloatSetVal(_) => "float_set_val",
        Val::BoolSetVal(_) => "bool_set_val",
        Val::UnixTimestampSetVal(_) => "unix_timestamp_set_val",
        Val::JsonVal(_) => "json_val",
        Val::JsonListVal(_) => "json_list_val",
        Val::StructVal(_) => "struct_val",
        Val::StructListVal(_) => "struct_list_val",
        Val::UuidVal(_) => "uuid_val",
        Val::TimeUuidVal(_) => "time_uuid_val",
        Val::UuidListVal(_) => "uuid_list_val",
        Val::TimeUuidListVal(_) => "time_uuid_list_val",
        Val::UuidSetVal(_) => "uuid_set_val",
        Val::TimeUuidSetVal(_) => "time_uuid_set_val",
        Val::ListVal(_) => "list_val",
        Val::SetVal(_) => "set_val",
        Val::DecimalVal(_) => "decimal_val",
        Val::DecimalListVal(_) => "decimal_list_val",
        Val::DecimalSetVal(_) => "decimal_set_val",
        Val::ScalarMapVal(_) => "scalar_map_val",
        Val::ZonedTimestampVal(_) => "zoned_timestamp_val",
    }
}
