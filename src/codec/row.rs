//! A write row's features and timestamps in their stored form: the plain
//! map kept in the view's slot, and epoch milliseconds.

use aerospike::{IndexMap, Value as AsValue};

use super::encode_value;
use crate::proto::v1::WriteRow;

/// A row's features as the plain map stored in the view's slot.
pub fn encode_row_features(
    row: &WriteRow,
) -> std::result::Result<IndexMap<AsValue, AsValue>, String> {
    let mut features = IndexMap::with_capacity(row.values.len());
    // `values` is a BTreeMap: key order, the order Python's dict has.
    for (name, value) in &row.values {
        let v = encode_value(value).map_err(|e| format!("feature {name:?}: {e}"))?;
        features.insert(AsValue::String(name.clone()), v);
    }
    Ok(features)
}

/// Epoch milliseconds of a protobuf timestamp (nanos truncated).
pub fn timestamp_to_ms(ts: &prost_types::Timestamp) -> i64 {
    ts.seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(ts.nanos.div_euclid(1_000_000)))
}

/// The protobuf timestamp of epoch milliseconds.
pub fn ms_to_timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_milliseconds() {
        for ms in [0i64, 1, 999, 1_776_688_245_123, -1, -1001] {
            assert_eq!(timestamp_to_ms(&ms_to_timestamp(ms)), ms);
        }
        let ts = prost_types::Timestamp {
            seconds: 1_776_688_245,
            nanos: 123_999_999,
        };
        assert_eq!(timestamp_to_ms(&ts), 1_776_688_245_123);
    }
}
