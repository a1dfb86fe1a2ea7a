//! A round trip per Feast value type through the value codec (no server):
//! encode as the Python store would store it, decode as the declared type,
//! and get back the Value Feast's `python_values_to_proto_values` builds.

use aerospike::Value as AsValue;
use feast_aerospike::codec::{decode_value, encode_value};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;

fn val(v: Val) -> Value {
    Value { val: Some(v) }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn map(entries: &[(&str, Value)]) -> Map {
    Map {
        val: entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn round_trip(v: &Value, ty: Vt) -> Value {
    let stored = encode_value(v).unwrap_or_else(|e| panic!("encode {v:?}: {e}"));
    decode_value(stored, ty as i32).unwrap_or_else(|e| panic!("decode {v:?} as {ty:?}: {e}"))
}

/// Types whose Value comes back exactly as written.
#[test]
fn every_type_round_trips() {
    let uuid = "6f9619ff-8b86-4011-b42d-00c04fc964ff";
    let time_uuid = "a0eebc99-9c0b-11d1-b42d-00c04fc964ff";
    let cases: Vec<(Value, Vt)> = vec![
        (val(Val::BytesVal(vec![0, 1, 255])), Vt::Bytes),
        (val(Val::StringVal("héllo".into())), Vt::String),
        (val(Val::Int32Val(i32::MIN)), Vt::Int32),
        (val(Val::Int64Val(i64::MAX)), Vt::Int64),
        (val(Val::DoubleVal(-1.25e300)), Vt::Double),
        (val(Val::FloatVal(3.5)), Vt::Float),
        (val(Val::BoolVal(true)), Vt::Bool),
        (val(Val::UnixTimestampVal(1_700_000_000)), Vt::UnixTimestamp),
        (
            val(Val::BytesListVal(BytesList {
                val: vec![vec![1], vec![]],
            })),
            Vt::BytesList,
        ),
        (
            val(Val::StringListVal(StringList { val: s(&["a", ""]) })),
            Vt::StringList,
        ),
        (
            val(Val::Int32ListVal(Int32List { val: vec![1, -2] })),
            Vt::Int32List,
        ),
        (
            val(Val::Int64ListVal(Int64List {
                val: vec![i64::MIN, 0],
            })),
            Vt::Int64List,
        ),
        (
            val(Val::DoubleListVal(DoubleList {
                val: vec![0.5, -0.0],
            })),
            Vt::DoubleList,
        ),
        (
            val(Val::FloatListVal(FloatList {
                val: vec![0.1, -2.0],
            })),
            Vt::FloatList,
        ),
        (
            val(Val::BoolListVal(BoolList {
                val: vec![false, true],
            })),
            Vt::BoolList,
        ),
        (
            val(Val::UnixTimestampListVal(Int64List {
                val: vec![1, 1_700_000_000],
            })),
            Vt::UnixTimestampList,
        ),
        (
            val(Val::BytesSetVal(BytesSet {
                val: vec![vec![1], vec![2]],
            })),
            Vt::BytesSet,
        ),
        (
            val(Val::StringSetVal(StringSet {
                val: s(&["x", "y"]),
            })),
            Vt::StringSet,
        ),
        (
            val(Val::Int32SetVal(Int32Set { val: vec![3, 1] })),
            Vt::Int32Set,
        ),
        (
            val(Val::Int64SetVal(Int64Set { val: vec![7, 9] })),
            Vt::Int64Set,
        ),
        (
            val(Val::DoubleSetVal(DoubleSet {
                val: vec![1.5, 2.5],
            })),
            Vt::DoubleSet,
        ),
        (
            val(Val::FloatSetVal(FloatSet { val: vec![0.25] })),
            Vt::FloatSet,
        ),
        (
            val(Val::BoolSetVal(BoolSet { val: vec![true] })),
            Vt::BoolSet,
        ),
        (
            val(Val::UnixTimestampSetVal(Int64Set { val: vec![10, 20] })),
            Vt::UnixTimestampSet,
        ),
        (
            val(Val::MapVal(map(&[
                ("a", val(Val::Int64Val(1))),
                ("b", val(Val::StringVal("x".into()))),
                ("c", Value::default()),
                (
                    "d",
                    val(Val::MapVal(map(&[("e", val(Val::DoubleVal(1.5)))]))),
                ),
                ("f", val(Val::Int64ListVal(Int64List { val: vec![1, 2] }))),
            ]))),
            Vt::Map,
        ),
        (
            val(Val::MapListVal(MapList {
                val: vec![map(&[("a", val(Val::BoolVal(true)))]), map(&[])],
            })),
            Vt::MapList,
        ),
        (
            val(Val::StructVal(map(&[("x", val(Val::Int64Val(5)))]))),
            Vt::Struct,
        ),
        (
            val(Val::StructListVal(MapList {
                val: vec![map(&[("x", val(Val::StringVal("y".into())))])],
            })),
            Vt::StructList,
        ),
        // Python's json.dumps form: ", " and ": " separators.
        (
            val(Val::JsonVal(r#"{"a": [1, 2.5, null], "b": "c"}"#.into())),
            Vt::Json,
        ),
        (val(Val::JsonVal("[true, false]".into())), Vt::Json),
        (
            val(Val::JsonListVal(StringList {
                val: s(&[r#"{"k": 1}"#, "2"]),
            })),
            Vt::JsonList,
        ),
        (val(Val::UuidVal(uuid.into())), Vt::Uuid),
        (val(Val::TimeUuidVal(time_uuid.into())), Vt::TimeUuid),
        (
            val(Val::UuidListVal(StringList { val: s(&[uuid]) })),
            Vt::UuidList,
        ),
        (
            val(Val::TimeUuidListVal(StringList {
                val: s(&[time_uuid]),
            })),
            Vt::TimeUuidList,
        ),
        (
            val(Val::UuidSetVal(StringSet { val: s(&[uuid]) })),
            Vt::UuidSet,
        ),
        (
            val(Val::TimeUuidSetVal(StringSet {
                val: s(&[time_uuid]),
            })),
            Vt::TimeUuidSet,
        ),
        (
            val(Val::ListVal(RepeatedValue {
                val: vec![
                    val(Val::Int64ListVal(Int64List { val: vec![1, 2] })),
                    val(Val::StringListVal(StringList { val: s(&["a"]) })),
                    Value::default(),
                ],
            })),
            Vt::ValueList,
        ),
        (val(Val::DecimalVal("12.3400".into())), Vt::Decimal),
        (
            val(Val::DecimalListVal(StringList {
                val: s(&["1.5", "-2"]),
            })),
            Vt::DecimalList,
        ),
        (
            val(Val::DecimalSetVal(StringSet { val: s(&["0.1"]) })),
            Vt::DecimalSet,
        ),
        (
            // In stored (key-sorted) order: integers, strings, bytes.
            val(Val::ScalarMapVal(ScalarMap {
                val: vec![
                    entry(
                        map_key::Key::Int64Key(7),
                        val(Val::StringVal("seven".into())),
                    ),
                    entry(
                        map_key::Key::DecimalKey("1.25".into()),
                        val(Val::DoubleVal(2.0)),
                    ),
                    entry(map_key::Key::UuidKey(uuid.into()), Value::default()),
                    entry(
                        map_key::Key::TimeUuidKey(time_uuid.into()),
                        val(Val::BoolVal(false)),
                    ),
                    entry(map_key::Key::BytesKey(vec![1, 2]), val(Val::Int64Val(1))),
                ],
            })),
            Vt::ScalarMap,
        ),
        (
            val(Val::ZonedTimestampVal(ZonedTimestamp {
                unix_timestamp: 1_700_000_000,
                zone: "Europe/Paris".into(),
            })),
            Vt::ZonedTimestamp,
        ),
    ];
    for (value, ty) in cases {
        assert_eq!(round_trip(&value, ty), value, "{ty:?}");
    }
}

fn entry(key: map_key::Key, value: Value) -> ScalarMapEntry {
    ScalarMapEntry {
        key: Some(MapKey { key: Some(key) }),
        value: Some(value),
    }
}

/// Where Feast's reader does not give back what was written, we follow it.
#[test]
fn feast_reader_quirks_are_kept() {
    // NaN in a scalar FLOAT/DOUBLE column is null to Feast (pd.isnull)...
    for (v, ty) in [
        (val(Val::DoubleVal(f64::NAN)), Vt::Double),
        (val(Val::FloatVal(f32::NAN)), Vt::Float),
    ] {
        assert_eq!(round_trip(&v, ty), Value::default(), "{ty:?}");
    }
    // ...but kept inside lists.
    let Some(Val::DoubleListVal(l)) = round_trip(
        &val(Val::DoubleListVal(DoubleList {
            val: vec![f64::NAN],
        })),
        Vt::DoubleList,
    )
    .val
    else {
        panic!("a double list")
    };
    assert!(l.val[0].is_nan());
    // Unset values and null_val read as unset whatever the declared type.
    for ty in [Vt::Int64, Vt::StringList, Vt::Map, Vt::Json, Vt::Null] {
        assert_eq!(round_trip(&Value::default(), ty), Value::default());
    }
    assert_eq!(
        round_trip(&val(Val::NullVal(0)), Vt::Null),
        Value::default()
    );
    // Nil list elements become the type's default (Feast's _sanitize_list_value).
    let nil_list = AsValue::List(vec![AsValue::Nil, AsValue::Int(4)]);
    assert_eq!(
        decode_value(nil_list.clone(), Vt::Int64List as i32).unwrap(),
        val(Val::Int64ListVal(Int64List { val: vec![0, 4] }))
    );
    assert_eq!(
        decode_value(nil_list, Vt::UnixTimestampList as i32).unwrap(),
        val(Val::UnixTimestampListVal(Int64List {
            val: vec![i64::MIN, 4]
        }))
    );
    // An array-like value in a scalar column is null.
    assert_eq!(
        decode_value(AsValue::List(vec![AsValue::Int(1)]), Vt::Int64 as i32).unwrap(),
        Value::default()
    );
    // Python's int()/float()/str() conversions on a mismatched stored scalar.
    assert_eq!(
        decode_value(AsValue::from(2.9), Vt::Int64 as i32).unwrap(),
        val(Val::Int64Val(2))
    );
    assert_eq!(
        decode_value(AsValue::Int(3), Vt::Double as i32).unwrap(),
        val(Val::DoubleVal(3.0))
    );
    assert_eq!(
        decode_value(AsValue::Int(3), Vt::String as i32).unwrap(),
        val(Val::StringVal("3".into()))
    );
    assert!(decode_value(AsValue::Int(1 << 40), Vt::Int32 as i32).is_err());
    assert!(decode_value(AsValue::from("x"), Vt::Int64List as i32).is_err());
    // Sets drop duplicates (written or stored).
    assert_eq!(
        round_trip(
            &val(Val::Int64SetVal(Int64Set { val: vec![1, 1, 2] })),
            Vt::Int64Set
        ),
        val(Val::Int64SetVal(Int64Set { val: vec![1, 2] }))
    );
    // VALUE_SET inner collections are typed by inference, as lists.
    assert_eq!(
        round_trip(
            &val(Val::SetVal(RepeatedValue {
                val: vec![val(Val::Int64SetVal(Int64Set { val: vec![1] }))]
            })),
            Vt::ValueSet
        ),
        val(Val::SetVal(RepeatedValue {
            val: vec![val(Val::Int64ListVal(Int64List { val: vec![1] }))]
        }))
    );
    // int32 scalar-map keys come back as int64 keys (Python ints).
    assert_eq!(
        round_trip(
            &val(Val::ScalarMapVal(ScalarMap {
                val: vec![entry(map_key::Key::Int32Key(1), val(Val::Int64Val(2)))]
            })),
            Vt::ScalarMap
        ),
        val(Val::ScalarMapVal(ScalarMap {
            val: vec![entry(map_key::Key::Int64Key(1), val(Val::Int64Val(2)))]
        }))
    );
    // JSON text that is not JSON is stored raw (like Python) and read back
    // as a JSON string value.
    assert_eq!(
        round_trip(&val(Val::JsonVal("not json".into())), Vt::Json),
        val(Val::JsonVal("\"not json\"".into()))
    );
    // Compact JSON is re-serialized the way Python's json.dumps writes it.
    assert_eq!(
        round_trip(
            &val(Val::JsonVal(r#"{"a":1,"b":{"c":[]}}"#.into())),
            Vt::Json
        ),
        val(Val::JsonVal(r#"{"a": 1, "b": {"c": []}}"#.into()))
    );
}

#[test]
fn what_cannot_be_stored_is_an_error() {
    let bad = val(Val::ScalarMapVal(ScalarMap {
        val: vec![entry(map_key::Key::DoubleKey(1.5), Value::default())],
    }));
    assert!(encode_value(&bad)
        .unwrap_err()
        .contains("float, double or bool keys"));
    // An integer Aerospike cannot store keeps its exact digits as text.
    let big = val(Val::JsonVal("18446744073709551615".into()));
    assert_eq!(
        encode_value(&big).unwrap(),
        AsValue::String("18446744073709551615".into())
    );
}

#[test]
fn stored_forms_are_what_python_reads() {
    // UNIX_TIMESTAMP as epoch seconds (Python's reader: int -> seconds).
    assert_eq!(
        encode_value(&val(Val::UnixTimestampVal(1_700_000_000))).unwrap(),
        AsValue::Int(1_700_000_000)
    );
    // FLOAT widened to float64, never float32.
    assert!(matches!(
        encode_value(&val(Val::FloatVal(0.1))).unwrap(),
        AsValue::Float(aerospike::FloatValue::F64(_))
    ));
    // Sets as arrays, UUID/decimal as strings.
    assert_eq!(
        encode_value(&val(Val::StringSetVal(StringSet { val: s(&["a"]) }))).unwrap(),
        AsValue::List(vec![AsValue::from("a")])
    );
    assert_eq!(
        encode_value(&val(Val::DecimalVal("1.5".into()))).unwrap(),
        AsValue::from("1.5")
    );
}
