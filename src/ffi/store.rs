//! The store handle and its exports: open, the four request/response
//! operations, close and free.
//!
//! Close vs free: `fas_store_close` takes the handle's gate exclusively, so it
//! waits for calls already running, then marks the handle closed (later calls
//! answer `FAS_ERR_CLOSED`) and closes the cluster connections. Calls hold the
//! gate shared for their whole duration, so they never see a half-closed
//! client. `fas_store_free` is the last call and needs no gate.

use std::sync::{RwLock, RwLockReadGuard};

use prost::Message;

use super::buffer::{borrow_request, into_raw_buffer};
use super::error::{report, FasError};
use super::panic::{catch, guard_void};
use super::status::{FAS_ERR_CLOSED, FAS_ERR_DECODE};
use crate::proto::v1::{InitRequest, TeardownRequest, UpdateRequest};
use crate::runtime::runtime;
use crate::{OnlineStore, StoreConfig};

/// An open store. Opaque to C; many threads may use one handle at once.
pub struct FasStore {
    store: OnlineStore,
    /// true once closed. Shared by running calls, exclusive for close.
    closed: RwLock<bool>,
}

impl FasStore {
    fn enter(&self, op: &str) -> Result<RwLockReadGuard<'_, bool>, FasError> {
        // A poisoned gate only means a close panicked; the flag is still meaningful.
        let gate = self.closed.read().unwrap_or_else(|p| p.into_inner());
        if *gate {
            return Err(FasError::new(
                FAS_ERR_CLOSED,
                format!("{op}: the store handle was closed"),
            ));
        }
        Ok(gate)
    }

    /// Idempotent; the handle is closed even when closing the client fails.
    fn close(&self) -> Result<(), crate::Error> {
        let mut closed = self.closed.write().unwrap_or_else(|p| p.into_inner());
        if *closed {
            return Ok(());
        }
        *closed = true;
        runtime().block_on(self.store.close())
    }
}

fn decode<M: Message + Default>(op: &str, bytes: &[u8], type_name: &str) -> Result<M, FasError> {
    M::decode(bytes).map_err(|e| {
        FasError::new(
            FAS_ERR_DECODE,
            format!(
                "{op}: request ({} bytes) is not a valid feast_aerospike.v1.{type_name}: {e}",
                bytes.len()
            ),
        )
    })
}

fn encoded<M: Message>(r: crate::Result<M>) -> crate::Result<Vec<u8>> {
    r.map(|m| m.encode_to_vec())
}

fn check_outputs(
    op: &str,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
) -> Result<(), FasError> {
    if out_response.is_null() || out_response_len.is_null() {
        return Err(FasError::invalid_argument(
            op,
            "out_response and out_response_len must not be NULL",
        ));
    }
    Ok(())
}

/// Hands `bytes` to the caller as a library-owned buffer.
///
/// # Safety
/// Both pointers are non-NULL and writable.
unsafe fn write_output(bytes: Vec<u8>, out_response: *mut *mut u8, out_response_len: *mut usize) {
    let (data, len) = into_raw_buffer(bytes);
    // SAFETY: per this function's contract.
    unsafe {
        out_response.write(data);
        out_response_len.write(len);
    }
}

/// The shared body of the request -> response exports.
///
/// # Safety
/// The pointer arguments satisfy the contract of the calling export.
#[allow(clippy::too_many_arguments)]
unsafe fn call<Req>(
    op: &str,
    type_name: &str,
    store: *const FasStore,
    request: *const u8,
    request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
    operation: impl FnOnce(&OnlineStore, &Req) -> crate::Result<Vec<u8>>,
) -> i32
where
    Req: Message + Default,
{
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call_bytes(
            op,
            store,
            request,
            request_len,
            out_response,
            out_response_len,
            out_error,
            |s, bytes| {
                let request: Req = decode(op, bytes, type_name)?;
                operation(s, &request).map_err(|e| FasError::from_store(op, &e))
            },
        )
    }
}

/// [`call`] for an operation that takes the request bytes as they are.
///
/// # Safety
/// The pointer arguments satisfy the contract of the calling export.
#[allow(clippy::too_many_arguments)]
unsafe fn call_bytes(
    op: &str,
    store: *const FasStore,
    request: *const u8,
    request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
    operation: impl FnOnce(&OnlineStore, &[u8]) -> Result<Vec<u8>, FasError>,
) -> i32 {
    let result = catch(op, || {
        // SAFETY: store is NULL or a live handle, per the export's contract.
        let Some(store) = (unsafe { store.as_ref() }) else {
            return Err(FasError::invalid_argument(op, "store is NULL"));
        };
        check_outputs(op, out_response, out_response_len)?;
        // SAFETY: request is NULL or readable for request_len bytes.
        let bytes = unsafe { borrow_request(op, request, request_len) }?;
        let gate = store.enter(op)?;
        let response = operation(&store.store, bytes)?;
        drop(gate);
        // SAFETY: both checked non-NULL above and writable per the contract.
        unsafe { write_output(response, out_response, out_response_len) };
        Ok(())
    });
    // SAFETY: out_error is NULL or writable, per the export's contract.
    unsafe { report(out_error, result) }
}

/// Opens a store: decodes an `InitRequest`, parses its `config_json` (the
/// online-store block of feature_store.yaml plus `project` and
/// `entity_key_serialization_version`) and connects to the cluster.
///
/// On `FAS_OK`, `*out_store` receives a handle that must eventually be
/// released with `fas_store_free`. On failure nothing is written to
/// `*out_store`; the status is returned and, when `out_error` is not NULL,
/// `*out_error` receives an error to release with `fas_error_free`
/// (`FAS_ERR_DECODE`, `FAS_ERR_CONFIG`, `FAS_ERR_CONNECTION`, ...).
/// `(NULL, 0)` is an empty `InitRequest`, whose empty config is refused.
///
/// # Safety
/// `init_request` is NULL or points to `init_request_len` readable bytes for
/// the duration of the call. `out_store` is NULL (refused with
/// `FAS_ERR_INVALID_ARGUMENT`) or writable. `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_open(
    init_request: *const u8,
    init_request_len: usize,
    out_store: *mut *mut FasStore,
    out_error: *mut *mut FasError,
) -> i32 {
    const OP: &str = "open";
    let result = catch(OP, || {
        if out_store.is_null() {
            return Err(FasError::invalid_argument(OP, "out_store must not be NULL"));
        }
        // SAFETY: readable for init_request_len bytes, per the contract.
        let bytes = unsafe { borrow_request(OP, init_request, init_request_len) }?;
        let init: InitRequest = decode(OP, bytes, "InitRequest")?;
        let config =
            StoreConfig::from_json(&init.config_json).map_err(|e| FasError::from_store(OP, &e))?;
        let store = runtime()
            .block_on(OnlineStore::connect(config))
            .map_err(|e| FasError::from_store(OP, &e))?;
        let handle = Box::new(FasStore {
            store,
            closed: RwLock::new(false),
        });
        // SAFETY: checked non-NULL above, writable per the contract.
        unsafe { out_store.write(Box::into_raw(handle)) };
        Ok(())
    });
    // SAFETY: out_error is NULL or writable, per the export's contract.
    unsafe { report(out_error, result) }
}

/// Writes rows of one feature view: request `WriteBatchRequest`, response
/// `WriteBatchResponse`.
///
/// `FAS_OK` means the call reached the server; the response lists every row
/// that was not confirmed written (`failures`), which callers must check.
/// Outputs are written only on `FAS_OK`: `*out_response`/`*out_response_len`
/// receive a buffer to release with `fas_buffer_free` (an empty response is
/// `(NULL, 0)`). On failure, `*out_error` (when `out_error` is not NULL)
/// receives an error to release with `fas_error_free`. `(NULL, 0)` is an empty
/// request. After `fas_store_close` the call answers `FAS_ERR_CLOSED`. Safe to
/// call from many threads at once on one handle.
///
/// # Safety
/// `store` is NULL or a handle from `fas_store_open` not yet freed. `request`
/// is NULL or points to `request_len` readable bytes for the duration of the
/// call. `out_response` and `out_response_len` are writable (NULL is refused
/// with `FAS_ERR_INVALID_ARGUMENT`). `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_write_batch(
    store: *const FasStore,
    request: *const u8,
    request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
) -> i32 {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call_bytes(
            "write_batch",
            store,
            request,
            request_len,
            out_response,
            out_response_len,
            out_error,
            // Read straight from the bytes on the direct path.
            |s, bytes| {
                runtime()
                    .block_on(s.write_batch_encoded(bytes))
                    .map_err(|e| FasError::from_store("write_batch", &e))
            },
        )
    }
}

/// Reads one or more feature views for the same entities: request
/// `ReadRequest`, response `ReadResponse` (results in request order; an entity
/// without data is `found = false`, a failure is an error, never a miss).
///
/// Outputs are written only on `FAS_OK`: `*out_response`/`*out_response_len`
/// receive a buffer to release with `fas_buffer_free` (an empty response is
/// `(NULL, 0)`). On failure, `*out_error` (when `out_error` is not NULL)
/// receives an error to release with `fas_error_free`. `(NULL, 0)` is an empty
/// request. After `fas_store_close` the call answers `FAS_ERR_CLOSED`. Safe to
/// call from many threads at once on one handle.
///
/// # Safety
/// `store` is NULL or a handle from `fas_store_open` not yet freed. `request`
/// is NULL or points to `request_len` readable bytes for the duration of the
/// call. `out_response` and `out_response_len` are writable (NULL is refused
/// with `FAS_ERR_INVALID_ARGUMENT`). `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_read(
    store: *const FasStore,
    request: *const u8,
    request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
) -> i32 {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call_bytes(
            "read",
            store,
            request,
            request_len,
            out_response,
            out_response_len,
            out_error,
            // Read straight from the bytes on the direct path.
            |s, bytes| {
                runtime()
                    .block_on(s.read_encoded_bytes(bytes))
                    .map_err(|e| FasError::from_store("read", &e))
            },
        )
    }
}

/// Removes dropped feature views from every record: request `UpdateRequest`,
/// response `UpdateResponse` (one background job per resolved namespace/set).
///
/// Outputs are written only on `FAS_OK`: `*out_response`/`*out_response_len`
/// receive a buffer to release with `fas_buffer_free` (an empty response is
/// `(NULL, 0)`). On failure, `*out_error` (when `out_error` is not NULL)
/// receives an error to release with `fas_error_free`. `(NULL, 0)` is an empty
/// request. After `fas_store_close` the call answers `FAS_ERR_CLOSED`. Safe to
/// call from many threads at once on one handle.
///
/// # Safety
/// `store` is NULL or a handle from `fas_store_open` not yet freed. `request`
/// is NULL or points to `request_len` readable bytes for the duration of the
/// call. `out_response` and `out_response_len` are writable (NULL is refused
/// with `FAS_ERR_INVALID_ARGUMENT`). `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_update(
    store: *const FasStore,
    request: *const u8,
    request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
) -> i32 {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call(
            "update",
            "UpdateRequest",
            store,
            request,
            request_len,
            out_response,
            out_response_len,
            out_error,
            |s, r: &UpdateRequest| encoded(runtime().block_on(s.update(r))),
        )
    }
}

/// Deletes the data of the project: truncates the default namespace/set and
/// every listed view's resolved pair. Request `TeardownRequest`, response
/// `TeardownResponse`. Unrelated to closing the handle.
///
/// Outputs are written only on `FAS_OK`: `*out_response`/`*out_response_len`
/// receive a buffer to release with `fas_buffer_free` (an empty response is
/// `(NULL, 0)`). On failure, `*out_error` (when `out_error` is not NULL)
/// receives an error to release with `fas_error_free`. `(NULL, 0)` is an empty
/// request. After `fas_store_close` the call answers `FAS_ERR_CLOSED`. Safe to
/// call from many threads at once on one handle.
///
/// # Safety
/// `store` is NULL or a handle from `fas_store_open` not yet freed. `request`
/// is NULL or points to `request_len` readable bytes for the duration of the
/// call. `out_response` and `out_response_len` are writable (NULL is refused
/// with `FAS_ERR_INVALID_ARGUMENT`). `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_teardown(
    store: *const FasStore,
    request: *const u8,
    request_len: usize,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
) -> i32 {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        call(
            "teardown",
            "TeardownRequest",
            store,
            request,
            request_len,
            out_response,
            out_response_len,
            out_error,
            |s, r: &TeardownRequest| encoded(runtime().block_on(s.teardown(r))),
        )
    }
}

/// Returns the store's metrics: a `MetricsSnapshot` (cumulative counters
/// since the handle was opened: per operation calls, errors by status, items,
/// latency histogram; write-row outcomes; read found/not-found). Lock-free and
/// cheap: meant to be called on every monitoring scrape. Works on a closed
/// handle too (the counters stay readable until `fas_store_free`).
///
/// On `FAS_OK`, `*out_response`/`*out_response_len` receive a buffer to
/// release with `fas_buffer_free`. On failure (only NULL arguments),
/// `*out_error` (when `out_error` is not NULL) receives an error to release
/// with `fas_error_free`. Safe to call from many threads at once.
///
/// # Safety
/// `store` is NULL or a handle from `fas_store_open` not yet freed.
/// `out_response` and `out_response_len` are writable (NULL is refused with
/// `FAS_ERR_INVALID_ARGUMENT`). `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_metrics(
    store: *const FasStore,
    out_response: *mut *mut u8,
    out_response_len: *mut usize,
    out_error: *mut *mut FasError,
) -> i32 {
    const OP: &str = "metrics";
    let result = catch(OP, || {
        // SAFETY: NULL or a live handle, per the contract.
        let Some(store) = (unsafe { store.as_ref() }) else {
            return Err(FasError::invalid_argument(OP, "store is NULL"));
        };
        check_outputs(OP, out_response, out_response_len)?;
        let snapshot = store.store.metrics().snapshot();
        // SAFETY: both checked non-NULL above and writable per the contract.
        unsafe { write_output(snapshot.encode_to_vec(), out_response, out_response_len) };
        Ok(())
    });
    // SAFETY: out_error is NULL or writable, per the export's contract.
    unsafe { report(out_error, result) }
}

/// Closes the cluster connections. Calls already running on the handle finish
/// first (close waits for them); calls made afterwards answer
/// `FAS_ERR_CLOSED`. Closing twice is `FAS_OK`. The handle stays allocated
/// until `fas_store_free`. Even when closing reports an error, the handle is
/// closed.
///
/// # Safety
/// `store` is NULL (refused with `FAS_ERR_INVALID_ARGUMENT`) or a handle from
/// `fas_store_open` not yet freed. `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_store_close(
    store: *const FasStore,
    out_error: *mut *mut FasError,
) -> i32 {
    const OP: &str = "close";
    let result = catch(OP, || {
        // SAFETY: NULL or a live handle, per the contract.
        let Some(store) = (unsafe { store.as_ref() }) else {
            return Err(FasError::invalid_argument(OP, "store is NULL"));
        };
        store.close().map_err(|e| FasError::from_store(OP, &e))
    });
    // SAFETY: out_error is NULL or writable, per the export's contract.
    unsafe { report(out_error, result) }
}

/// Closes the handle if it is still open (errors are dropped: call
/// `fas_store_close` first to see them) and releases it. It must be the last
/// call on the handle: no call may run concurrently with it or after it.
/// `fas_store_free(NULL)` is a no-op.
///
/// # Safety
/// `store` is NULL or a handle from `fas_store_open` not yet freed, with no
/// other call using it concurrently or afterwards.
#[no_mangle]
pub unsafe extern "C" fn fas_store_free(store: *mut FasStore) {
    guard_void(|| {
        if store.is_null() {
            return;
        }
        // SAFETY: allocated by fas_store_open with Box::new, released once.
        let handle = unsafe { Box::from_raw(store) };
        let _ = handle.close();
        drop(handle);
    })
}
