//! The `fas_error` object: a status, the Aerospike result code when the server
//! gave one, and a message. Handed to the caller through `out_error` on failure
//! and released with `fas_error_free`; there is no thread-local "last error",
//! because Go goroutines and Java threads hop between OS threads.

use std::ffi::{c_char, CStr, CString};

use super::panic::{guard_value, guard_void};
use super::status::{FAS_ERR_INVALID_ARGUMENT, FAS_OK};

/// An error reported by a failed call. Opaque to C; read it with
/// `fas_error_code`, `fas_error_result_code` and `fas_error_message`.
pub struct FasError {
    code: i32,
    result_code: i32,
    message: CString,
}

const NULL_ERROR_MESSAGE: &CStr = c"fas_error is NULL";

impl FasError {
    /// An error with `code` (a `FAS_*` status) and no server result code.
    pub(crate) fn new(code: i32, message: impl Into<String>) -> Self {
        Self::with_result_code(code, -1, message)
    }

    pub(crate) fn with_result_code(
        code: i32,
        result_code: i32,
        message: impl Into<String>,
    ) -> Self {
        let mut message = message.into();
        // A C string cannot hold NUL; server messages are not trusted to lack one.
        if message.contains('\0') {
            message = message.replace('\0', "\\0");
        }
        let message = CString::new(message).unwrap_or_default();
        FasError {
            code,
            result_code,
            message,
        }
    }

    /// The C-side view of a store error, prefixed with the operation.
    pub(crate) fn from_store(op: &str, err: &crate::Error) -> Self {
        Self::with_result_code(
            err.kind().status(),
            err.result_code().unwrap_or(-1),
            format!("{op}: {err}"),
        )
    }

    /// The Aerospike result code, or -1 (what `fas_error_result_code` answers).
    pub(crate) fn result_code(&self) -> i32 {
        self.result_code
    }

    /// The message (what `fas_error_message` answers).
    pub(crate) fn message(&self) -> &CStr {
        &self.message
    }

    pub(crate) fn invalid_argument(op: &str, what: impl std::fmt::Display) -> Self {
        Self::new(FAS_ERR_INVALID_ARGUMENT, format!("{op}: {what}"))
    }
}

/// Turns an export's outcome into its status, handing the error (if any) to
/// the caller when it asked for errors.
///
/// # Safety
/// `out_error` is NULL or valid for writing one pointer.
pub(crate) unsafe fn report(out_error: *mut *mut FasError, result: Result<(), FasError>) -> i32 {
    match result {
        Ok(()) => FAS_OK,
        Err(err) => {
            let code = err.code;
            if !out_error.is_null() {
                // SAFETY: non-NULL and writable per this function's contract.
                unsafe { out_error.write(Box::into_raw(Box::new(err))) };
            }
            code
        }
    }
}

/// The status of a failed call (one of the `FAS_ERR_*` codes).
/// Returns `FAS_ERR_INVALID_ARGUMENT` when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live `fas_error` from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fas_error_code(error: *const FasError) -> i32 {
    guard_value(FAS_ERR_INVALID_ARGUMENT, || {
        // SAFETY: NULL or live, per the contract.
        match unsafe { error.as_ref() } {
            Some(e) => e.code,
            None => FAS_ERR_INVALID_ARGUMENT,
        }
    })
}

/// The Aerospike result code the server answered (meaningful with
/// `FAS_ERR_SERVER`, sometimes given with other statuses), or -1 when there is
/// none. Returns -1 when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live `fas_error` from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fas_error_result_code(error: *const FasError) -> i32 {
    guard_value(-1, || {
        // SAFETY: NULL or live, per the contract.
        match unsafe { error.as_ref() } {
            Some(e) => e.result_code,
            None => -1,
        }
    })
}

/// The NUL-terminated UTF-8 message: operation, namespace/set, rows, result
/// code as relevant; never a password. The pointer stays valid until
/// `fas_error_free(error)`. Returns a static string when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live `fas_error` from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fas_error_message(error: *const FasError) -> *const c_char {
    guard_value(NULL_ERROR_MESSAGE.as_ptr(), || {
        // SAFETY: NULL or live, per the contract.
        match unsafe { error.as_ref() } {
            Some(e) => e.message.as_ptr(),
            None => NULL_ERROR_MESSAGE.as_ptr(),
        }
    })
}

/// Releases an error. `fas_error_free(NULL)` is a no-op.
///
/// # Safety
/// `error` is NULL or a `fas_error` from this library that was not freed yet;
/// it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn fas_error_free(error: *mut FasError) {
    guard_void(|| {
        if !error.is_null() {
            // SAFETY: allocated by `report` with Box::new (the only way a
            // fas_error reaches C), and the contract says it is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}
