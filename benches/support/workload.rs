//! The value generator of docs/benchmark-workload.md, shared by the Rust benchmark
//! programs (`benches/codec.rs`, `examples/bare_client_bench.rs`) so every one
//! of them measures the same data.

/// docs/benchmark-workload.md's seed.
pub const SEED: u64 = 20_240_101;
/// 2024-01-01T00:00:00Z in epoch milliseconds: the event time of driver 0.
pub const EPOCH_2024_MS: i64 = 1_704_067_200_000;

pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash behind one feature value: `tag` 1 is NARROW, 2 is WIDE.
pub fn h(tag: u64, id: u64, feature: u64) -> u64 {
    splitmix64(SEED + (tag << 40) + (id << 8) + feature)
}

/// A DOUBLE feature value in [0, 1).
pub fn unit_f64(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A STRING feature value: 12 base-36 digits, least significant first.
pub fn base36(mut h: u64) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..12)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}
