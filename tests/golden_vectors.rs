//! Every vector of `tests/data/feast-0.67-golden.json` (bytes produced by Feast
//! 0.67 and the official Python client 19.3.0) checked against our entity-key
//! serialization, digests and value codec. Values are packed with the
//! aerospike crate's own msgpack encoder (through a CDT context, the one
//! public path to it), so these bytes are what goes on the wire.

use aerospike::operations::cdt_context::{ctx_map_key, to_bytes};
use aerospike::{IndexMap, Value as AsValue};
use feast_aerospike::codec::timestamp_to_ms;
use feast_aerospike::codec::{decode_value, encode_value};
use feast_aerospike::entity_key::{digest, serialize_entity_key};
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;

fn golden() -> serde_json::Value {
    serde_json::from_str(include_str!("data/feast-0.67-golden.json")).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// msgpack bytes of one value, as the crate packs it inside a CDT.
fn pack(v: &AsValue) -> Vec<u8> {
    let bytes = to_bytes(&[ctx_map_key(v.clone())]).unwrap();
    // [0x92 (array of 2), 0x22 (map-key context id), value...]
    assert_eq!(&bytes[..2], &[0x92, 0x22]);
    bytes[2..].to_vec()
}

fn val(v: Val) -> Value {
    Value { val: Some(v) }
}

fn entity_key(name: &str) -> EntityKey {
    let one = |k: &str, v: Val| EntityKey {
        join_keys: vec![k.into()],
        entity_values: vec![val(v)],
    };
    match name {
        "A_int64_driver_id_1001" => one("driver_id", Val::Int64Val(1001)),
        "B_string_customer_id_cust_42" => one("customer_id", Val::StringVal("cust_42".into())),
        "C_composite_driver_id_1_int64__customer_id_5_string" => EntityKey {
            join_keys: vec!["driver_id".into(), "customer_id".into()],
            entity_values: vec![val(Val::Int64Val(1)), val(Val::StringVal("5".into()))],
        },
        "D_bytes_session_00_01_fe_ff" => one("session", Val::BytesVal(vec![0, 1, 0xfe, 0xff])),
        "E_int32_store_id_minus2" => one("store_id", Val::Int32Val(-2)),
        "F_unix_timestamp_ts_1700000000" => one("ts", Val::UnixTimestampVal(1_700_000_000)),
        "G_int64_id_minus1" => one("id", Val::Int64Val(-1)),
        "H_utf8_name_e_acute" => one("name", Val::StringVal("é".into())),
        "I_empty" => EntityKey::default(),
        "J_entityless___dummy_id_empty_string" => one("__dummy_id", Val::StringVal(String::new())),
        other => panic!("a golden entity key without a test case: {other}"),
    }
}

/// One golden entity key: v3 and v2 bytes and the record digest.
fn check_entity_key(name: &str) {
    let g = golden();
    let want = &g["entity_keys"][name];
    assert!(want.is_object(), "no golden entity key {name}");
    let key = entity_key(name);
    let v3 = serialize_entity_key(&key, 3).unwrap();
    assert_eq!(to_hex(&v3), want["v3_hex"].as_str().unwrap(), "{name} v3");
    let v2 = serialize_entity_key(&key, 2).unwrap();
    assert_eq!(to_hex(&v2), want["v2_hex"].as_str().unwrap(), "{name} v2");
    let d = want["aerospike_digest_set_demo_latest_hex"]
        .as_str()
        .unwrap();
    assert_eq!(to_hex(&digest("demo_latest", &v3)), d, "{name} digest");
    // The client computes the same digest from the BLOB user key.
    let k = aerospike::Key::new("feast", "demo_latest", AsValue::Blob(v3)).unwrap();
    assert_eq!(to_hex(&k.digest()), d, "{name} client digest");
}

macro_rules! golden_tests {
    ($check:ident: $($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { $check($name) })*
    };
}

golden_tests! { check_entity_key:
    entity_key_a_int64 => "A_int64_driver_id_1001",
    entity_key_b_string => "B_string_customer_id_cust_42",
    entity_key_c_composite => "C_composite_driver_id_1_int64__customer_id_5_string",
    entity_key_d_bytes => "D_bytes_session_00_01_fe_ff",
    entity_key_e_int32 => "E_int32_store_id_minus2",
    entity_key_f_unix_timestamp => "F_unix_timestamp_ts_1700000000",
    entity_key_g_int64_negative => "G_int64_id_minus1",
    entity_key_h_utf8 => "H_utf8_name_e_acute",
    entity_key_i_empty => "I_empty",
    entity_key_j_entityless => "J_entityless___dummy_id_empty_string",
}

/// Every vector in the file has a test above or below.
#[test]
fn every_golden_vector_has_a_test() {
    let g = golden();
    for name in g["entity_keys"].as_object().unwrap().keys() {
        entity_key(name);
    }
    for name in g["feature_value_msgpack_inside_features_map"]
        .as_object()
        .unwrap()
        .keys()
    {
        feature_case(name);
    }
    assert_eq!(g["entity_keys"].as_object().unwrap().len(), 10);
    assert_eq!(
        g["feature_value_msgpack_inside_features_map"]
            .as_object()
            .unwrap()
            .len(),
        18
    );
}

/// The Feast value and declared type behind each golden feature vector.
fn feature_case(name: &str) -> (Value, Vt) {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match name {
        "int64_132" => (val(Val::Int64Val(132)), Vt::Int64),
        "int64_neg1" => (val(Val::Int64Val(-1)), Vt::Int64),
        "int32_neg7" => (val(Val::Int32Val(-7)), Vt::Int32),
        "double_4.91" => (val(Val::DoubleVal(4.91)), Vt::Double),
        "float_0.1f" => (val(Val::FloatVal(0.1)), Vt::Float),
        "string_ab" => (val(Val::StringVal("ab".into())), Vt::String),
        "string_empty" => (val(Val::StringVal(String::new())), Vt::String),
        "bytes_00ff" => (val(Val::BytesVal(vec![0, 0xff])), Vt::Bytes),
        "bool_true" => (val(Val::BoolVal(true)), Vt::Bool),
        "bool_false" => (val(Val::BoolVal(false)), Vt::Bool),
        "unset_null" => (Value::default(), Vt::Int64),
        "int64_list_1_2" => (
            val(Val::Int64ListVal(Int64List { val: vec![1, 2] })),
            Vt::Int64List,
        ),
        "double_list_1.5" => (
            val(Val::DoubleListVal(DoubleList { val: vec![1.5] })),
            Vt::DoubleList,
        ),
        "float_list_0.1f" => (
            val(Val::FloatListVal(FloatList { val: vec![0.1] })),
            Vt::FloatList,
        ),
        "string_list_a_b" => (
            val(Val::StringListVal(StringList {
                val: strings(&["a", "b"]),
            })),
            Vt::StringList,
        ),
        "bool_list_t_f" => (
            val(Val::BoolListVal(BoolList {
                val: vec![true, false],
            })),
            Vt::BoolList,
        ),
        "bytes_list_a" => (
            val(Val::BytesListVal(BytesList {
                val: vec![b"a".to_vec()],
            })),
            Vt::BytesList,
        ),
        "int64_list_empty" => (
            val(Val::Int64ListVal(Int64List { val: vec![] })),
            Vt::Int64List,
        ),
        other => panic!("a golden feature vector without a test case: {other}"),
    }
}

/// One golden feature value: our encoding packs to Feast's bytes and reads
/// back as the same Value.
fn check_feature_value(name: &str) {
    let g = golden();
    let want = g["feature_value_msgpack_inside_features_map"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no golden feature vector {name}"))
        .to_string();
    let (value, ty) = feature_case(name);
    let stored = encode_value(&value).unwrap();
    assert_eq!(to_hex(&pack(&stored)), want, "{name}");
    let back = decode_value(stored, ty as i32).unwrap();
    assert_eq!(back, value, "{name} read back");
}

golden_tests! { check_feature_value:
    value_int64_132 => "int64_132",
    value_int64_neg1 => "int64_neg1",
    value_int32_neg7 => "int32_neg7",
    value_double => "double_4.91",
    value_float => "float_0.1f",
    value_string => "string_ab",
    value_string_empty => "string_empty",
    value_bytes => "bytes_00ff",
    value_bool_true => "bool_true",
    value_bool_false => "bool_false",
    value_unset => "unset_null",
    value_int64_list => "int64_list_1_2",
    value_double_list => "double_list_1.5",
    value_float_list => "float_list_0.1f",
    value_string_list => "string_list_a_b",
    value_bool_list => "bool_list_t_f",
    value_bytes_list => "bytes_list_a",
    value_int64_list_empty => "int64_list_empty",
}

/// The golden row: driver_stats {rating: 4.91, trips_last_7d: 132, name: "ab",
/// flag: true, missing: <unset>} at 2026-04-20T12:30:45.123Z.
fn golden_row() -> (Vec<(String, Value)>, prost_types::Timestamp) {
    let values = vec![
        ("flag".to_string(), val(Val::BoolVal(true))),
        ("missing".to_string(), Value::default()),
        ("name".to_string(), val(Val::StringVal("ab".into()))),
        ("rating".to_string(), val(Val::DoubleVal(4.91))),
        ("trips_last_7d".to_string(), val(Val::Int64Val(132))),
    ];
    let ts = prost_types::Timestamp {
        seconds: 1_776_688_245,
        nanos: 123_000_000,
    };
    (values, ts)
}

#[test]
fn one_row_operations_match_feast() {
    let g = golden();
    let ops = &g["ops_for_one_row"];
    let (values, ts) = golden_row();
    // features: MAP_MODIFY [PUT_ITEMS (0x44), {fv: {...}}, KEY_ORDERED (1)].
    // The payload map is the bytes between the op code and the policy byte.
    let features = hex(ops["features_bin_MAP_MODIFY"].as_str().unwrap());
    assert_eq!(&features[..2], &[0x93, 0x44]);
    assert_eq!(features[features.len() - 1], 0x01);
    let mut inner = IndexMap::new();
    for (k, v) in &values {
        inner.insert(AsValue::String(k.clone()), encode_value(v).unwrap());
    }
    let mut outer = IndexMap::new();
    outer.insert(AsValue::from("driver_stats"), AsValue::OrderedMap(inner));
    assert_eq!(
        to_hex(&pack(&AsValue::OrderedMap(outer))),
        to_hex(&features[2..features.len() - 1])
    );
    // event_ts: [PUT (0x43), "driver_stats", ms as uint64, KEY_ORDERED].
    let ms = timestamp_to_ms(&ts);
    assert_eq!(ms, ops["created_ts_bin_WRITE_integer"].as_i64().unwrap());
    let event = hex(ops["event_ts_bin_MAP_MODIFY"].as_str().unwrap());
    let mut want = vec![0x94, 0x43];
    want.extend(pack(&AsValue::from("driver_stats")));
    want.extend(pack(&AsValue::Int(ms)));
    want.push(0x01);
    assert_eq!(to_hex(&event), to_hex(&want));
    // Projected read: the map-key context on the view name.
    let projected = hex(ops["read_features_projected_CDT_READ"].as_str().unwrap());
    let ctx = to_bytes(&[ctx_map_key(AsValue::from("driver_stats"))]).unwrap();
    assert_eq!(&projected[..3], &[0x93, 0xcc, 0xff]);
    assert_eq!(to_hex(&projected[3..3 + ctx.len()]), to_hex(&ctx));
    // ...then GET_BY_KEY_LIST (107) with KEY_VALUE (8) and the feature names.
    let rest = &projected[3 + ctx.len()..];
    assert_eq!(&rest[..3], &[0x93, 0x6b, 0x08]);
    let names = AsValue::List(vec![
        AsValue::from("rating"),
        AsValue::from("trips_last_7d"),
    ]);
    assert_eq!(to_hex(&rest[3..]), to_hex(&pack(&names)));
    // Full read and update address the view by its name, packed the same way.
    for key in ["read_features_full_CDT_READ", "read_event_ts_CDT_READ"] {
        let b = hex(ops[key].as_str().unwrap());
        assert_eq!(&b[..3], &[0x93, 0x61, 0x07], "{key}");
        assert_eq!(
            to_hex(&b[3..]),
            to_hex(&pack(&AsValue::from("driver_stats")))
        );
    }
    let update = hex(ops["update_remove_fv_MAP_MODIFY"].as_str().unwrap());
    assert_eq!(&update[..3], &[0x93, 0x4c, 0x00]);
    assert_eq!(
        to_hex(&update[3..]),
        to_hex(&pack(&AsValue::from("old_fv")))
    );
}
