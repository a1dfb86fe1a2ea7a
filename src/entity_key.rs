//! Entity keys: Feast's `serialize_entity_key` (versions 3 and 2), byte for
//! byte, and the Aerospike digest of the serialized key as a BLOB user key.
//! Records are addressed by digest only, so the digest computed here is the
//! record's identity shared with Feast's Python store.

use ripemd::{Digest, Ripemd160};

use crate::error::{Error, Result};
use crate::proto::v1::{value::Val, value_type::Enum as ValueType, EntityKey};

/// Aerospike particle type of a BLOB user key (hashed into the digest).
const PARTICLE_BLOB: u8 = 4;

/// `serialize_entity_key(entity_key, version)` of Feast 0.67.
///
/// Join keys are sorted by name (with their values); integers are
/// little-endian. Version 3 prefixes the key count and each key's length.
pub fn serialize_entity_key(key: &EntityKey, version: u32) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    serialize_entity_key_into(key, version, &mut out)?;
    Ok(out)
}

/// Like [`serialize_entity_key`], appending to `out` (cleared first).
pub fn serialize_entity_key_into(key: &EntityKey, version: u32, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    if key.join_keys.len() != key.entity_values.len() {
        return Err(Error::invalid_argument(format!(
            "entity key has {} join keys but {} values",
            key.join_keys.len(),
            key.entity_values.len()
        )));
    }
    let v3 = version >= 3;
    let n = key.join_keys.len();
    // Single-key fast path avoids the index sort, like Feast's; up to 8
    // join keys, the order lives on the stack.
    let (mut inline, mut heap) = ([0usize; 8], Vec::new());
    let order: &mut [usize] = if n <= inline.len() {
        inline.iter_mut().enumerate().for_each(|(i, x)| *x = i);
        &mut inline[..n]
    } else {
        heap.extend(0..n);
        &mut heap
    };
    if n > 1 {
        order.sort_by(|&a, &b| key.join_keys[a].cmp(&key.join_keys[b]));
    }
    if v3 {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for &i in order.iter() {
        let name = key.join_keys[i].as_bytes();
        out.extend_from_slice(&(ValueType::String as u32).to_le_bytes());
        if v3 {
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(name);
    }
    for &i in order.iter() {
        let value = &key.entity_values[i];
        let mut int = [0u8; 8];
        let (ty, bytes): (ValueType, &[u8]) = match &value.val {
            Some(Val::StringVal(s)) => (ValueType::String, s.as_bytes()),
            Some(Val::BytesVal(b)) => (ValueType::Bytes, b.as_slice()),
            Some(Val::Int32Val(x)) => {
                int[..4].copy_from_slice(&x.to_le_bytes());
                (ValueType::Int32, &int[..4])
            }
            Some(Val::Int64Val(x)) => {
                int.copy_from_slice(&x.to_le_bytes());
                (ValueType::Int64, &int[..])
            }
            Some(Val::UnixTimestampVal(x)) => {
                int.copy_from_slice(&x.to_le_bytes());
                (ValueType::UnixTimestamp, &int[..])
            }
            other => {
                let kind = other
                    .as_ref()
                    .map_or("an unset value", crate::codec::val_kind);
                return Err(Error::invalid_argument(format!(
                    "entity key {:?}: {kind} is not a supported entity value \
                     (string, bytes, int32, int64 or unix_timestamp)",
                    key.join_keys[i]
                )));
            }
        };
        out.extend_from_slice(&(ty as u32).to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    Ok(())
}

/// The Aerospike record digest of a serialized entity key stored in `set`:
/// RIPEMD-160(set ‖ BLOB particle type ‖ key). The namespace is not hashed.
pub fn digest(set_name: &str, serialized_key: &[u8]) -> [u8; 20] {
    let mut h = Ripemd160::new();
    h.update(set_name.as_bytes());
    h.update([PARTICLE_BLOB]);
    h.update(serialized_key);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v1::Value;

    fn v(val: Val) -> Value {
        Value { val: Some(val) }
    }

    /// Join keys are serialized in name order, whatever the request's
    /// order, for few keys (order on the stack) and many (on the heap).
    #[test]
    fn join_keys_are_sorted_for_any_count() {
        for n in [2usize, 8, 9, 12] {
            let names: Vec<String> = (0..n).map(|i| format!("k{:02}", n - i)).collect();
            let given = EntityKey {
                join_keys: names.clone(),
                entity_values: (0..n).map(|i| v(Val::Int64Val(i as i64))).collect(),
            };
            let mut pairs: Vec<(String, Value)> = names
                .into_iter()
                .zip(given.entity_values.iter().cloned())
                .collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let sorted = EntityKey {
                join_keys: pairs.iter().map(|p| p.0.clone()).collect(),
                entity_values: pairs.into_iter().map(|p| p.1).collect(),
            };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            serialize_entity_key_into(&given, 3, &mut a).unwrap();
            serialize_entity_key_into(&sorted, 3, &mut b).unwrap();
            assert_eq!(a, b, "{n} join keys");
            assert_eq!(a[..4], (n as u32).to_le_bytes());
            // The first name written is the smallest.
            assert_eq!(&a[12..15], b"k01");
        }
    }

    #[test]
    fn unsupported_kinds_name_the_join_key() {
        for bad in [Val::DoubleVal(1.0), Val::BoolVal(true), Val::FloatVal(1.0)] {
            let key = EntityKey {
                join_keys: vec!["rider".into()],
                entity_values: vec![v(bad)],
            };
            let e = serialize_entity_key(&key, 3).unwrap_err();
            assert!(e.message().contains("\"rider\""), "{e}");
        }
        let key = EntityKey {
            join_keys: vec!["rider".into()],
            entity_values: vec![Value { val: None }],
        };
        assert!(serialize_entity_key(&key, 3)
            .unwrap_err()
            .message()
            .contains("unset"));
    }

    #[test]
    fn mismatched_lengths_are_an_error() {
        let key = EntityKey {
            join_keys: vec!["a".into(), "b".into()],
            entity_values: vec![v(Val::Int64Val(1))],
        };
        assert!(serialize_entity_key(&key, 3).is_err());
    }

    #[test]
    fn digest_matches_the_client_key() {
        let bytes = serialize_entity_key(
            &EntityKey {
                join_keys: vec!["driver_id".into()],
                entity_values: vec![v(Val::Int64Val(1001))],
            },
            3,
        )
        .unwrap();
        let key = aerospike::Key::new(
            "feast",
            "demo_latest",
            aerospike::Value::Blob(bytes.clone()),
        )
        .unwrap();
        assert_eq!(key.digest(), digest("demo_latest", &bytes));
    }
}
