//! Feature values between msgpack (inside the `features` map) and protobuf
//! `feast.types.Value` bytes, without a `Value` tree in between.
//!
//! The direct forms cover what a feature server reads and writes all day:
//! the scalar types and their lists in the forms Feast's Python store
//! writes. Anything else (maps, JSON, sets, UUIDs, a value stored in an
//! unexpected form) goes through the codec (`crate::codec`), which stays
//! the one definition of the conversion; the direct forms are checked
//! against it by the tests below.

use prost::Message;

use super::msgpack::{self, Item, Reader, PARTICLE_BLOB, PARTICLE_STRING};
use super::pbuf::{put_tag, put_varint, varint_len, WT_I32, WT_I64, WT_LEN, WT_VARINT};
use crate::codec::{decode_value, encode_value};
use crate::proto::v1::value::Val;
use crate::proto::v1::Value;

// feast.types.Value field numbers (= ValueType numbers for these kinds).
const BYTES: i32 = 1;
const STRING: i32 = 2;
const INT32: i32 = 3;
const INT64: i32 = 4;
const DOUBLE: i32 = 5;
const FLOAT: i32 = 6;
const BOOL: i32 = 7;
const UNIX_TIMESTAMP: i32 = 8;
const BYTES_LIST: i32 = 11;
const STRING_LIST: i32 = 12;
const INT32_LIST: i32 = 13;
const INT64_LIST: i32 = 14;
const DOUBLE_LIST: i32 = 15;
const FLOAT_LIST: i32 = 16;
const BOOL_LIST: i32 = 17;
const UNIX_TIMESTAMP_LIST: i32 = 18;

/// Scratch reused across values so list encoding allocates nothing per value.
#[derive(Default)]
pub struct Scratch {
    list: Vec<u8>,
}

/// Decode the stored value at the reader's position as a feature declared
/// `value_type`, appending the protobuf body of the `Value` (its oneof
/// field; nothing for an unset value) to `out`.
pub fn decode_into(
    r: &mut Reader<'_>,
    value_type: i32,
    out: &mut Vec<u8>,
    scratch: &mut Scratch,
) -> Result<(), String> {
    let start = r.position();
    let mark = out.len();
    if direct(r, value_type, out, scratch)? {
        return Ok(());
    }
    // Not a direct form: the codec decides, from the general value.
    out.truncate(mark);
    r.set_position(start);
    let stored = r.value(0)?;
    let value = decode_value(stored, value_type)?;
    value.encode_raw(out);
    Ok(())
}

/// Returns false (having possibly written garbage past the mark and moved
/// the reader) when the value is not in a direct form.
fn direct(
    r: &mut Reader<'_>,
    ty: i32,
    out: &mut Vec<u8>,
    scratch: &mut Scratch,
) -> Result<bool, String> {
    let item = r.next()?;
    if item == Item::Nil {
        return Ok(true); // unset, whatever the type
    }
    match (ty, item) {
        (INT64 | UNIX_TIMESTAMP, Item::Int(i)) => {
            put_tag(out, ty as u32, WT_VARINT);
            put_varint(out, i as u64);
        }
        (INT32, Item::Int(i)) if i32::try_from(i).is_ok() => {
            put_tag(out, ty as u32, WT_VARINT);
            put_varint(out, i as u64);
        }
        (DOUBLE, Item::F64(x)) => {
            if !x.is_nan() {
                put_tag(out, ty as u32, WT_I64);
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        (FLOAT, Item::F64(x)) => {
            if !x.is_nan() {
                put_tag(out, ty as u32, WT_I32);
                out.extend_from_slice(&(x as f32).to_le_bytes());
            }
        }
        (BOOL, Item::Bool(b)) => {
            put_tag(out, ty as u32, WT_VARINT);
            out.push(u8::from(b));
        }
        (STRING, Item::Str(s)) if s.first() == Some(&PARTICLE_STRING) => {
            let text = &s[1..];
            if std::str::from_utf8(text).is_err() {
                return Ok(false);
            }
            len_field(out, ty as u32, text);
        }
        (BYTES, Item::Str(s)) if s.first() == Some(&PARTICLE_BLOB) => {
            len_field(out, ty as u32, &s[1..]);
        }
        (
            BYTES_LIST | STRING_LIST | INT32_LIST | INT64_LIST | DOUBLE_LIST | FLOAT_LIST
            | BOOL_LIST | UNIX_TIMESTAMP_LIST,
            Item::Array(n),
        ) => {
            let list = &mut scratch.list;
            list.clear();
            if !direct_list(r, ty, n, list)? {
                return Ok(false);
            }
            // Value{ <ty>: XList{ val: <list> } }: packed scalars are one
            // field, strings and bytes one field per element.
            let inner_len = if matches!(ty, BYTES_LIST | STRING_LIST) || list.is_empty() {
                list.len()
            } else {
                1 + varint_len(list.len() as u64) + list.len()
            };
            put_tag(out, ty as u32, WT_LEN);
            put_varint(out, inner_len as u64);
            if matches!(ty, BYTES_LIST | STRING_LIST) || list.is_empty() {
                out.extend_from_slice(list);
            } else {
                put_tag(out, 1, WT_LEN);
                put_varint(out, list.len() as u64);
                out.extend_from_slice(list);
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// List elements in their direct form into `list` (packed payload for
/// numbers, repeated fields for strings and bytes). False on any element
/// that needs the codec (nil, mixed types).
fn direct_list(r: &mut Reader<'_>, ty: i32, n: usize, list: &mut Vec<u8>) -> Result<bool, String> {
    for _ in 0..n {
        match (ty, r.next()?) {
            (INT64_LIST | UNIX_TIMESTAMP_LIST, Item::Int(i)) => put_varint(list, i as u64),
            (INT32_LIST, Item::Int(i)) if i32::try_from(i).is_ok() => put_varint(list, i as u64),
            (DOUBLE_LIST, Item::F64(x)) => list.extend_from_slice(&x.to_le_bytes()),
            (FLOAT_LIST, Item::F64(x)) => list.extend_from_slice(&(x as f32).to_le_bytes()),
            (BOOL_LIST, Item::Bool(b)) => list.push(u8::from(b)),
            (STRING_LIST, Item::Str(s))
                if s.first() == Some(&PARTICLE_STRING) && std::str::from_utf8(&s[1..]).is_ok() =>
            {
                len_field(list, 1, &s[1..])
            }
            (BYTES_LIST, Item::Str(s)) if s.first() == Some(&PARTICLE_BLOB) => {
                len_field(list, 1, &s[1..])
            }
            _ => return Ok(false),
        }
    }
    Ok(true)
}

fn len_field(out: &mut Vec<u8>, field: u32, payload: &[u8]) {
    put_tag(out, field, WT_LEN);
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

fn write_list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    msgpack::write_array_header(out, items.len());
    for x in items {
        each(out, x);
    }
}

/// Append a feature value as Feast's Python store stores it inside the
/// `features` map.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) -> Result<(), String> {
    let Some(val) = &value.val else {
        msgpack::write_nil(out);
        return Ok(());
    };
    match val {
        Val::Int64Val(x) | Val::UnixTimestampVal(x) => msgpack::write_int(out, *x),
        Val::Int32Val(x) => msgpack::write_int(out, i64::from(*x)),
        Val::DoubleVal(x) => msgpack::write_f64(out, *x),
        Val::FloatVal(x) => msgpack::write_f64(out, f64::from(*x)),
        Val::BoolVal(b) => msgpack::write_bool(out, *b),
        Val::StringVal(s) => msgpack::write_str(out, s),
        Val::BytesVal(b) => msgpack::write_particle(out, PARTICLE_BLOB, b),
        Val::Int64ListVal(l) | Val::UnixTimestampListVal(l) => {
            write_list(out, &l.val, |o, x| msgpack::write_int(o, *x))
        }
        Val::Int32ListVal(l) => {
            write_list(out, &l.val, |o, x| msgpack::write_int(o, i64::from(*x)))
        }
        Val::DoubleListVal(l) => write_list(out, &l.val, |o, x| msgpack::write_f64(o, *x)),
        Val::FloatListVal(l) => {
            write_list(out, &l.val, |o, x| msgpack::write_f64(o, f64::from(*x)))
        }
        Val::BoolListVal(l) => write_list(out, &l.val, |o, b| msgpack::write_bool(o, *b)),
        Val::StringListVal(l) => write_list(out, &l.val, |o, s| msgpack::write_str(o, s)),
        Val::BytesListVal(l) => write_list(out, &l.val, |o, b| {
            msgpack::write_particle(o, PARTICLE_BLOB, b)
        }),
        _ => msgpack::write_value(out, &encode_value(value)?)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v1::value_type::Enum as Vt;
    use crate::proto::v1::*;

    fn v(val: Val) -> Value {
        Value { val: Some(val) }
    }

    fn samples() -> Vec<(Vt, Value)> {
        vec![
            (Vt::Int64, v(Val::Int64Val(-123_456_789_012))),
            (Vt::Int64, v(Val::Int64Val(132))),
            (Vt::Int32, v(Val::Int32Val(-7))),
            (Vt::UnixTimestamp, v(Val::UnixTimestampVal(1_700_000_000))),
            (Vt::Double, v(Val::DoubleVal(4.91))),
            (Vt::Float, v(Val::FloatVal(0.1))),
            (Vt::Bool, v(Val::BoolVal(true))),
            (Vt::Bool, v(Val::BoolVal(false))),
            (Vt::String, v(Val::StringVal("ab".into()))),
            (Vt::String, v(Val::StringVal("x".repeat(300)))),
            (Vt::Bytes, v(Val::BytesVal(vec![0, 0xff]))),
            (
                Vt::Int64List,
                v(Val::Int64ListVal(Int64List {
                    val: vec![1, -2, 1 << 40],
                })),
            ),
            (
                Vt::Int64List,
                v(Val::Int64ListVal(Int64List { val: vec![] })),
            ),
            (
                Vt::Int32List,
                v(Val::Int32ListVal(Int32List { val: vec![-1, 7] })),
            ),
            (
                Vt::DoubleList,
                v(Val::DoubleListVal(DoubleList {
                    val: vec![1.5, -0.25],
                })),
            ),
            (
                Vt::FloatList,
                v(Val::FloatListVal(FloatList {
                    val: vec![0.1, 2.0],
                })),
            ),
            (
                Vt::BoolList,
                v(Val::BoolListVal(BoolList {
                    val: vec![true, false],
                })),
            ),
            (
                Vt::StringList,
                v(Val::StringListVal(StringList {
                    val: vec!["a".into(), "".into()],
                })),
            ),
            (
                Vt::BytesList,
                v(Val::BytesListVal(BytesList {
                    val: vec![b"a".to_vec()],
                })),
            ),
            (
                Vt::UnixTimestampList,
                v(Val::UnixTimestampListVal(Int64List { val: vec![0, 5] })),
            ),
            (Vt::Double, Value { val: None }),
            (Vt::Map, {
                let mut m = Map::default();
                m.val.insert("k".into(), v(Val::Int64Val(1)));
                m.val.insert("a".into(), v(Val::StringVal("s".into())));
                v(Val::MapVal(m))
            }),
            (
                Vt::Json,
                v(Val::JsonVal(r#"{"b":1,"a":[true,null]}"#.into())),
            ),
            (
                Vt::StringSet,
                v(Val::StringSetVal(StringSet {
                    val: vec!["x".into()],
                })),
            ),
        ]
    }

    /// The direct forms give exactly what the codec gives, both ways.
    #[test]
    fn direct_forms_agree_with_the_codec() {
        for (ty, value) in samples() {
            let mut stored = Vec::new();
            encode_into(&value, &mut stored).unwrap();
            let mut general = Vec::new();
            msgpack::write_value(&mut general, &encode_value(&value).unwrap()).unwrap();
            assert_eq!(stored, general, "{ty:?} {value:?}");

            let mut body = Vec::new();
            let mut r = Reader::new(&stored);
            decode_into(&mut r, ty as i32, &mut body, &mut Scratch::default()).unwrap();
            assert!(r.is_empty());
            let got = Value::decode(&body[..]).unwrap();
            let want = decode_value(Reader::new(&stored).value(0).unwrap(), ty as i32).unwrap();
            assert_eq!(got, want, "{ty:?}");
        }
    }

    #[test]
    fn golden_feature_bytes() {
        // From ../shared/vectors (Feast 0.67 Python store).
        let cases: [(Value, &str); 6] = [
            (v(Val::Int64Val(132)), "cc84"),
            (v(Val::DoubleVal(4.91)), "cb4013a3d70a3d70a4"),
            (v(Val::FloatVal(0.1)), "cb3fb99999a0000000"),
            (v(Val::StringVal("ab".into())), "a3036162"),
            (v(Val::BytesVal(vec![0, 0xff])), "a30400ff"),
            (
                v(Val::StringListVal(StringList {
                    val: vec!["a".into(), "b".into()],
                })),
                "92a20361a20362",
            ),
        ];
        for (value, want) in cases {
            let mut out = Vec::new();
            encode_into(&value, &mut out).unwrap();
            let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, want);
        }
    }

    #[test]
    fn nan_reads_as_unset_and_odd_forms_fall_back() {
        let mut stored = Vec::new();
        msgpack::write_f64(&mut stored, f64::NAN);
        let mut body = Vec::new();
        decode_into(
            &mut Reader::new(&stored),
            DOUBLE,
            &mut body,
            &mut Scratch::default(),
        )
        .unwrap();
        assert!(body.is_empty());
        // An int stored for a DOUBLE feature: the codec converts it.
        stored.clear();
        msgpack::write_int(&mut stored, 3);
        decode_into(
            &mut Reader::new(&stored),
            DOUBLE,
            &mut body,
            &mut Scratch::default(),
        )
        .unwrap();
        assert_eq!(Value::decode(&body[..]).unwrap(), v(Val::DoubleVal(3.0)));
        // A list with a nil element: the codec's defaults apply.
        stored.clear();
        msgpack::write_array_header(&mut stored, 2);
        msgpack::write_int(&mut stored, 1);
        msgpack::write_nil(&mut stored);
        body.clear();
        decode_into(
            &mut Reader::new(&stored),
            INT64_LIST,
            &mut body,
            &mut Scratch::default(),
        )
        .unwrap();
        let want = decode_value(Reader::new(&stored).value(0).unwrap(), INT64_LIST).unwrap();
        assert_eq!(Value::decode(&body[..]).unwrap(), want);
    }
}
