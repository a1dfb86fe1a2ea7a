//! The C ABI: the only `extern "C"` and `unsafe` code of the crate. The
//! contract is written in docs/ABI.md and in the top comment of
//! include/feast_aerospike.h (generated from this module by cbindgen; see
//! cbindgen.toml and scripts/gen-header.sh).
//!
//! One file per concept: [`status`] codes, the [`error`] object, [`buffer`]s,
//! the [`panic`] boundary every export runs inside, and the [`store`] handle;
//! [`jni`] adapts the same exports for the Java binding on JDK 17–21.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod buffer;
pub mod error;
/// cbindgen:ignore
pub mod jni;
pub mod panic;
pub mod status;
pub mod store;

use std::ffi::{c_char, CStr};

pub use buffer::fas_buffer_free;
pub use error::{
    fas_error_code, fas_error_free, fas_error_message, fas_error_result_code, FasError,
};
pub use status::*;
pub use store::{
    fas_store_close, fas_store_free, fas_store_metrics, fas_store_open, fas_store_read,
    fas_store_teardown, fas_store_update, fas_store_write_batch, FasStore,
};

use error::report;
use panic::{catch, guard_value};

/// The ABI version of this header. Bump it on any incompatible change of a
/// signature, status number or message contract; bindings compare it with
/// `fas_abi_version()` at load time and refuse a mismatched library.
pub const FAS_ABI_VERSION: u32 = 1;

static VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("crate version contains NUL"),
    };

/// The ABI version the library was built with (`FAS_ABI_VERSION` of its
/// header). A binding built against another version must refuse to use it.
#[no_mangle]
pub extern "C" fn fas_abi_version() -> u32 {
    guard_value(FAS_ABI_VERSION, || FAS_ABI_VERSION)
}

/// The library version (the crate version, e.g. "0.1.0"): a static
/// NUL-terminated string, never freed.
#[no_mangle]
pub extern "C" fn fas_version() -> *const c_char {
    guard_value(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// TEST ONLY: panics inside the panic boundary, to prove that a panic becomes
/// `FAS_ERR_PANIC` (with an error object whose message contains `message`)
/// instead of unwinding into the caller. Always returns `FAS_ERR_PANIC`.
/// Bindings use it to test their panic mapping; it has no other use. The
/// panic is printed to stderr by Rust's default panic hook.
///
/// # Safety
/// `message` is NULL or a NUL-terminated string readable for the duration of
/// the call. `out_error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fas_debug_panic(
    message: *const c_char,
    out_error: *mut *mut FasError,
) -> i32 {
    let text = if message.is_null() {
        String::from("fas_debug_panic")
    } else {
        // SAFETY: NUL-terminated and readable, per the contract.
        unsafe { CStr::from_ptr(message) }
            .to_string_lossy()
            .into_owned()
    };
    let result = catch("debug_panic", || panic!("{text}"));
    // SAFETY: out_error is NULL or writable, per the contract.
    unsafe { report(out_error, result) }
}
