//! Event-time-safe writes (config `event_time_safe_writes`): the filter
//! expression that lets a row's write apply only when the record holds no
//! newer event timestamp for the row's feature view.
//!
//! The server evaluates it on the record, atomically with the write. A record
//! that does not exist is never filtered (Aerospike skips the filter when the
//! write creates the record); a row filtered out answers result code 27
//! (FILTERED_OUT), which the store reports as skipped-stale.
//!
//! The expression, in Aerospike's expression language:
//!
//! ```text
//! or(eq(bin_type("event_ts"), 0),                               // no event_ts bin
//!    eq(map_get_by_key(COUNT, view, map_bin("event_ts")), 0),   // no entry for the view
//!    le(map_get_by_key(VALUE, INT, view, map_bin("event_ts")), row_ms))
//! ```
//!
//! A bin expression on a missing bin is "unknown" on the server, and `or`
//! only answers true when one branch is true, so the first branch must be
//! explicit. [`stale_guard`] builds it for the aerospike crate;
//! [`stale_guard_wire`] writes the same bytes directly (for callers that
//! encode commands themselves); a test proves both are identical.

use aerospike::expressions::{self as exp, maps, ExpType, Expression};
use aerospike::{BatchWritePolicy, MapReturnType};

use crate::layout::EVENT_TS_BIN;

/// Result code of a row whose filter expression answered false.
pub const RESULT_FILTERED_OUT: i32 = 27;

// Expression op codes and arguments (Aerospike's exp.c / the clients' Exp).
const EXP_EQ: u8 = 1;
const EXP_LE: u8 = 6;
const EXP_OR: u8 = 17;
const EXP_BIN: u8 = 81;
const EXP_BIN_TYPE: u8 = 82;
const EXP_CALL: u8 = 127;
const EXP_TYPE_INT: u8 = 2;
const EXP_TYPE_MAP: u8 = 5;
/// Call module: map, read (no modify flag).
const MODULE_MAP_READ: u8 = 0;
const MAP_OP_GET_BY_KEY: u8 = 97;
const MAP_RETURN_COUNT: u8 = 5;
const MAP_RETURN_VALUE: u8 = 7;
/// Particle-type prefix of a string value inside msgpack.
const PARTICLE_STRING: u8 = 3;

/// The filter of one row: apply unless `event_ts[view]` holds a value
/// greater than `event_ms`.
pub fn stale_guard(view: &str, event_ms: i64) -> Expression {
    let stored = |rt: MapReturnType, ty: ExpType| {
        maps::get_by_key(
            rt,
            ty,
            exp::string_val(view.to_string()),
            exp::map_bin(EVENT_TS_BIN.to_string()),
            &[],
        )
    };
    exp::or(vec![
        exp::eq(exp::bin_type(EVENT_TS_BIN.to_string()), exp::int_val(0)),
        exp::eq(stored(MapReturnType::COUNT, ExpType::Int), exp::int_val(0)),
        exp::le(
            stored(MapReturnType::VALUE, ExpType::Int),
            exp::int_val(event_ms),
        ),
    ])
}

/// The batch write policy of one row: `base` itself, or `base` with the
/// row's guard when event-time-safe writes are on.
pub fn row_write_policy<'a>(
    base: &'a BatchWritePolicy,
    enabled: bool,
    view: &str,
    event_ms: i64,
) -> std::borrow::Cow<'a, BatchWritePolicy> {
    if !enabled {
        return std::borrow::Cow::Borrowed(base);
    }
    std::borrow::Cow::Owned(BatchWritePolicy {
        filter_expression: Some(stale_guard(view, event_ms)),
        ..base.clone()
    })
}

/// The wire bytes of [`stale_guard`] (the value of the command's filter
/// expression field), encoded without the aerospike crate.
pub fn stale_guard_wire(view: &str, event_ms: i64) -> Vec<u8> {
    let mut b = Vec::with_capacity(64 + 2 * view.len());
    b.extend_from_slice(&[0x94, EXP_OR]);
    // eq(bin_type("event_ts"), 0)
    b.extend_from_slice(&[0x93, EXP_EQ, 0x92, EXP_BIN_TYPE]);
    put_str(&mut b, EVENT_TS_BIN.as_bytes());
    b.push(0);
    // eq(get_by_key(COUNT), 0)
    b.extend_from_slice(&[0x93, EXP_EQ]);
    put_get_by_key(&mut b, MAP_RETURN_COUNT, view);
    b.push(0);
    // le(get_by_key(VALUE), event_ms)
    b.extend_from_slice(&[0x93, EXP_LE]);
    put_get_by_key(&mut b, MAP_RETURN_VALUE, view);
    put_int(&mut b, event_ms);
    b
}

/// `[CALL, INT, map read, [GET_BY_KEY, return_type, "\x03view"], [BIN, MAP, "event_ts"]]`
fn put_get_by_key(b: &mut Vec<u8>, return_type: u8, view: &str) {
    b.extend_from_slice(&[0x95, EXP_CALL, EXP_TYPE_INT, MODULE_MAP_READ]);
    b.extend_from_slice(&[0x93, MAP_OP_GET_BY_KEY, return_type]);
    put_str_header(b, view.len() + 1);
    b.push(PARTICLE_STRING);
    b.extend_from_slice(view.as_bytes());
    b.extend_from_slice(&[0x93, EXP_BIN, EXP_TYPE_MAP]);
    put_str(b, EVENT_TS_BIN.as_bytes());
}

fn put_str(b: &mut Vec<u8>, s: &[u8]) {
    put_str_header(b, s.len());
    b.extend_from_slice(s);
}

fn put_str_header(b: &mut Vec<u8>, len: usize) {
    match len {
        0..=31 => b.push(0xa0 | len as u8),
        32..=255 => b.extend_from_slice(&[0xd9, len as u8]),
        256..=65535 => {
            b.push(0xda);
            b.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            b.push(0xdb);
            b.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

/// The aerospike clients' integer form: the smallest msgpack encoding.
fn put_int(b: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        let u = v as u64;
        if u < 128 {
            b.push(u as u8);
        } else if u < 256 {
            b.extend_from_slice(&[0xcc, u as u8]);
        } else if u < 65536 {
            b.push(0xcd);
            b.extend_from_slice(&(u as u16).to_be_bytes());
        } else if u < 1 << 32 {
            b.push(0xce);
            b.extend_from_slice(&(u as u32).to_be_bytes());
        } else {
            b.push(0xcf);
            b.extend_from_slice(&u.to_be_bytes());
        }
    } else if v >= -32 {
        b.push(v as i8 as u8);
    } else if v >= i64::from(i8::MIN) {
        b.extend_from_slice(&[0xd0, v as i8 as u8]);
    } else if v >= i64::from(i16::MIN) {
        b.push(0xd1);
        b.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v >= i64::from(i32::MIN) {
        b.push(0xd2);
        b.extend_from_slice(&(v as i32).to_be_bytes());
    } else {
        b.push(0xd3);
        b.extend_from_slice(&v.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_bytes(e: &Expression) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(e.base64().unwrap())
            .unwrap()
    }

    #[test]
    fn direct_encoding_equals_the_crates() {
        let long = "v".repeat(40);
        let longer = "w".repeat(300);
        for view in ["driver_hourly_stats", "", "é", &long, &longer] {
            for ms in [
                0,
                1,
                127,
                128,
                255,
                256,
                65_535,
                65_536,
                1_776_688_245_123,
                -1,
                -32,
                -33,
                -129,
                -40_000,
                -3_000_000_000,
                i64::MIN,
                i64::MAX,
            ] {
                assert_eq!(
                    stale_guard_wire(view, ms),
                    crate_bytes(&stale_guard(view, ms)),
                    "view {view:?} ms {ms}"
                );
            }
        }
    }

    #[test]
    fn wire_bytes_spelled_out() {
        let got = stale_guard_wire("fv", 300);
        let want: Vec<u8> = [
            &[0x94, 17, 0x93, 1, 0x92, 82, 0xa8][..],
            b"event_ts",
            &[
                0, 0x93, 1, 0x95, 127, 2, 0, 0x93, 97, 5, 0xa3, 3, b'f', b'v',
            ],
            &[0x93, 81, 5, 0xa8],
            b"event_ts",
            &[
                0, 0x93, 6, 0x95, 127, 2, 0, 0x93, 97, 7, 0xa3, 3, b'f', b'v',
            ],
            &[0x93, 81, 5, 0xa8],
            b"event_ts",
            &[0xcd, 0x01, 0x2c],
        ]
        .concat();
        assert_eq!(got, want);
    }
}
