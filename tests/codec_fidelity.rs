//! Values where the codec must read and write what Feast 0.67's Python
//! store does (issue 11): NaN inside maps, key-sorted JSON objects and
//! SCALAR_MAP entries, JSON numbers and depths Python's `json` handles,
//! PDF_BYTES / IMAGE_BYTES. Expected texts were produced with Python 3.11's
//! `json` module and `feast.type_map` (see the comments).

use aerospike::Value as AsValue;
use feast_aerospike::codec::{decode_value, encode_value};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;

fn val(v: Val) -> Value {
    Value { val: Some(v) }
}

fn json_round_trip(text: &str) -> String {
    let stored = encode_value(&val(Val::JsonVal(text.into()))).unwrap();
    match decode_value(stored, Vt::Json as i32).unwrap().val {
        Some(Val::JsonVal(s)) => s,
        other => panic!("{text}: read back {other:?}"),
    }
}

fn keys(v: &AsValue) -> Vec<AsValue> {
    match v {
        AsValue::OrderedMap(m) => m.keys().cloned().collect(),
        AsValue::HashMap(m) => m.keys().cloned().collect(),
        other => panic!("not a map: {other:?}"),
    }
}

#[test]
fn nan_inside_map_and_struct_reads_as_unset() {
    // python_values_to_proto_values([{"a": nan, "b": 1.5}], MAP) gives an
    // unset Value for "a"; same for STRUCT.
    for ty in [Vt::Map, Vt::Struct] {
        let mut m = aerospike::IndexMap::new();
        m.insert(AsValue::from("a"), AsValue::from(f64::NAN));
        m.insert(AsValue::from("b"), AsValue::from(1.5));
        let got = decode_value(AsValue::OrderedMap(m), ty as i32).unwrap();
        let Some(Val::MapVal(map) | Val::StructVal(map)) = got.val else {
            panic!("{ty:?}: {got:?}");
        };
        assert_eq!(map.val["a"], Value { val: None }, "{ty:?}");
        assert_eq!(map.val["b"], val(Val::DoubleVal(1.5)), "{ty:?}");
    }
}

#[test]
fn json_objects_are_stored_key_sorted_and_read_back_sorted() {
    let stored = encode_value(&val(Val::JsonVal(
        r#"{"b": 1, "a": {"z": 1, "y": 2}, "é": 0, "B": 3}"#.into(),
    )))
    .unwrap();
    assert_eq!(
        keys(&stored),
        ["B", "a", "b", "é"].map(AsValue::from).to_vec(),
        "key-sorted as Python's client stores a dict"
    );
    // json.dumps of what Feast reads back.
    assert_eq!(
        json_round_trip(r#"{"b": 1, "a": {"z": 1, "y": 2}}"#),
        r#"{"a": {"y": 2, "z": 1}, "b": 1}"#
    );
    // A repeated key keeps its last value, as a dict.
    assert_eq!(json_round_trip(r#"{"a": 1, "a": 2}"#), r#"{"a": 2}"#);
}

#[test]
fn scalar_map_entries_are_stored_key_sorted() {
    let entry = |k: map_key::Key, v: i64| ScalarMapEntry {
        key: Some(MapKey { key: Some(k) }),
        value: Some(val(Val::Int64Val(v))),
    };
    let m = ScalarMap {
        val: vec![
            entry(map_key::Key::BytesKey(vec![2]), 1),
            entry(map_key::Key::Int64Key(3), 2),
            entry(map_key::Key::BytesKey(vec![1]), 3),
            entry(map_key::Key::Int64Key(-1), 4),
        ],
    };
    let stored = encode_value(&val(Val::ScalarMapVal(m))).unwrap();
    assert_eq!(
        keys(&stored),
        vec![
            AsValue::Int(-1),
            AsValue::Int(3),
            AsValue::Blob(vec![1]),
            AsValue::Blob(vec![2])
        ]
    );
    let Some(Val::ScalarMapVal(back)) = decode_value(stored, Vt::ScalarMap as i32).unwrap().val
    else {
        panic!()
    };
    let order: Vec<i64> = back
        .val
        .iter()
        .map(|e| match e.value.as_ref().unwrap().val {
            Some(Val::Int64Val(x)) => x,
            _ => panic!(),
        })
        .collect();
    assert_eq!(order, [4, 2, 3, 1]);
}

#[test]
fn json_numbers_and_depth_round_trip_as_pythons_json_module() {
    // json.dumps(json.loads(t)) in Python 3.11 for each t.
    for (text, python) in [
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        (
            r#"{"n": -123456789012345678901234567890, "a": 1.5}"#,
            r#"{"a": 1.5, "n": -123456789012345678901234567890}"#,
        ),
        ("1e400", "Infinity"),
        ("[-1e400, 1e-400]", "[-Infinity, 0.0]"),
        ("NaN", "NaN"),
        ("[Infinity, -0]", "[Infinity, 0]"),
        ("9223372036854775807", "9223372036854775807"),
        ("1E+2", "100.0"),
    ] {
        assert_eq!(json_round_trip(text), python, "{text}");
    }
    // An integer beyond i64 is never rounded to a double.
    let stored = encode_value(&val(Val::JsonVal("123456789012345678901234567890".into()))).unwrap();
    assert!(!matches!(stored, AsValue::Float(_)), "{stored:?}");
    // Arrays nested deeper than 128 (serde_json's limit) stay arrays.
    for depth in [129, 300, 600] {
        let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let want = text.clone();
        assert_eq!(json_round_trip(&text), want, "depth {depth}");
    }
    let stored = encode_value(&val(Val::JsonVal(format!(
        "{}{}",
        "[".repeat(200),
        "]".repeat(200)
    ))))
    .unwrap();
    assert!(
        matches!(stored, AsValue::List(_)),
        "stored natively: {stored:?}"
    );
    // Not JSON for Python: stored as text, read back as a JSON string.
    assert_eq!(json_round_trip("{'a': 1}"), r#""{'a': 1}""#);
}

#[test]
fn pdf_and_image_bytes_are_bytes() {
    for ty in [Vt::PdfBytes, Vt::ImageBytes] {
        assert_eq!(ty as i32, if ty == Vt::PdfBytes { 30 } else { 31 });
        let v = val(Val::BytesVal(b"%PDF-1.7\x00\xff".to_vec()));
        let stored = encode_value(&v).unwrap();
        assert_eq!(stored, AsValue::Blob(b"%PDF-1.7\x00\xff".to_vec()));
        assert_eq!(decode_value(stored, ty as i32).unwrap(), v, "{ty:?}");
    }
}
