//! Protobuf messages of package `feast_aerospike.v1`, generated from `proto/` by
//! `build.rs`. `Value` and `EntityKey` are wire-compatible with Feast's
//! `feast.types` messages.

#[allow(clippy::all, missing_docs)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/feast_aerospike.v1.rs"));
}
