//! feast-aerospike: Feast's Aerospike online store, byte-compatible with Feast
//! 0.67's Python `AerospikeOnlineStore`, served to other languages through a C ABI.
//!
//! Layers, top to bottom:
//! - [`ffi`]: the C ABI (the only `extern "C"` and `unsafe` code);
//! - `store`: the store operations (write_batch, read, update, teardown);
//! - `config`, `error`, [`runtime`] and the record-layout / codec modules;
//! - [`proto`]: the protobuf messages that cross the boundary.
//!
//! The public Rust API is what the ABI, the examples, the benches and the
//! tests use: the store handle and its options, the config, errors, the
//! codec and entity-key functions Feast's byte format is defined by, the
//! record layout, and the shared runtime. Everything else is private.

#![deny(unsafe_code)]

mod classify;
pub mod codec;
mod config;
pub mod entity_key;
mod error;
mod event_time;
#[allow(unsafe_code)]
pub mod ffi;
pub mod layout;
mod limits;
mod metrics;
pub mod proto;
pub mod runtime;
mod store;
mod tls;
mod wire;

pub use config::{AuthMode, Secret, SeedHost, StoreConfig, TlsConfig};
pub use error::{Error, ErrorKind, Result};
pub use event_time::{stale_guard_wire, RESULT_FILTERED_OUT};
pub use metrics::{bucket_index, Metrics, LATENCY_BOUNDS_US};
pub use store::{OnlineStore, PrewriteHook, Progress, ViewPlan, WriteOptions, CONNECT_TIMEOUT};
