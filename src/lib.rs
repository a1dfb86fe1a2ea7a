//! feast-aerospike: Feast's Aerospike online store, byte-compatible with Feast
//! 0.67's Python `AerospikeOnlineStore`, served to other languages through a C ABI.
//!
//! Layers, top to bottom:
//! - [`ffi`]: the C ABI (the only `extern "C"` and `unsafe` code);
//! - [`store`]: the store operations (write_batch, read, update, teardown);
//! - [`config`], [`error`], [`runtime`] and the record-layout / codec modules;
//! - [`proto`]: the protobuf messages that cross the boundary.

pub mod codec;
pub mod config;
pub mod entity_key;
pub mod error;
pub mod event_time;
pub mod ffi;
pub mod layout;
pub mod metrics;
pub mod proto;
pub mod runtime;
pub mod store;
pub mod tls;

pub use config::StoreConfig;
pub use error::{Error, ErrorKind, Result};
pub use store::OnlineStore;
