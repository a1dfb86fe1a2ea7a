//! Fuzzes what the C ABI does with caller bytes before any network I/O: the
//! first byte picks a request type, the rest is decoded as that message. A
//! decoded message must re-encode to bytes that decode and re-encode to the
//! same bytes, and an InitRequest's config must parse or fail, never panic.
#![no_main]

use feast_aerospike::proto::v1::{
    InitRequest, ReadRequest, TeardownRequest, UpdateRequest, WriteBatchRequest,
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
            stable_roundtrip::<WriteBatchRequest>(bytes);
        }
        2 => {
            stable_roundtrip::<ReadRequest>(bytes);
        }
        3 => {
            stable_roundtrip::<UpdateRequest>(bytes);
        }
        _ => {
            stable_roundtrip::<TeardownRequest>(bytes);
        }
    }
});
