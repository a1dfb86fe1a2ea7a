//! Fuzzes what the library does with caller bytes before any network I/O: the
//! first byte picks a request type, the rest is decoded as that message. A
//! decoded message must re-encode to bytes that decode and re-encode to the
//! same bytes; an InitRequest's config must parse or fail, never panic; the
//! entity keys and feature values of decoded requests go through the same
//! serialization and value codec the store uses (encode, then decode as the
//! declared type), which must answer Ok or Err, never panic.
#![no_main]

use feast_aerospike::codec::{decode_value, encode_value};
use feast_aerospike::entity_key::serialize_entity_key;
use feast_aerospike::proto::v1::{
    EntityKey, InitRequest, ReadRequest, TeardownRequest, UpdateRequest, WriteBatchRequest,
};
use feast_aerospike::StoreConfig;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fn stable_roundtrip<M: Message + Default>(bytes: &[u8]) -> Option<M> {
    let first = M::decode(bytes).ok()?;
    let encoded = first.encode_to_vec();
    let second = M::decode(encoded.as_slice()).expect("re-encoded message must decode");
    assert_eq!(encoded, second.encode_to_vec(), "encoding is not stable");
    Some(second)
}

fn entity_key(key: &EntityKey) {
    for version in [2, 3] {
        let _ = serialize_entity_key(key, version);
    }
}

fn write_batch(request: &WriteBatchRequest) {
    let declared = |name: &str| {
        request
            .feature_view
            .as_ref()
            .and_then(|v| v.features.iter().find(|f| f.name == name))
            .map_or(0, |f| f.value_type)
    };
    for row in &request.rows {
        if let Some(key) = &row.entity_key {
            entity_key(key);
        }
        for (name, value) in &row.values {
            if let Ok(stored) = encode_value(value) {
                let _ = decode_value(stored.clone(), declared(name));
                let _ = decode_value(stored, 0);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => {
            if let Some(init) = stable_roundtrip::<InitRequest>(bytes) {
                let _ = StoreConfig::from_json(&init.config_json);
            }
        }
        1 => {
            if let Some(request) = stable_roundtrip::<WriteBatchRequest>(bytes) {
                write_batch(&request);
            }
        }
        2 => {
            if let Some(request) = stable_roundtrip::<ReadRequest>(bytes) {
                request.entity_keys.iter().for_each(entity_key);
            }
        }
        3 => {
            stable_roundtrip::<UpdateRequest>(bytes);
        }
        _ => {
            stable_roundtrip::<TeardownRequest>(bytes);
        }
    }
});
