//! The panic boundary every export runs inside: a panic must never unwind into
//! C (undefined behaviour), so it becomes `FAS_ERR_PANIC` with the panic's
//! message, and the handle stays usable.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::FasError;
use super::status::FAS_ERR_PANIC;

// catch_unwind cannot catch anything when panics abort; refuse to build a
// library whose boundary would be a lie.
#[cfg(panic = "abort")]
compile_error!("the C ABI requires panic = \"unwind\"");

/// Runs a fallible export body; a panic becomes a `FAS_ERR_PANIC` error.
/// Pair it with `error::report`, which hands the error to the caller.
pub(crate) fn catch(op: &str, body: impl FnOnce() -> Result<(), FasError>) -> Result<(), FasError> {
    // AssertUnwindSafe: after a panic nothing the body touched is observed
    // again except the store handle, whose state is a lock and a flag that a
    // panic cannot leave half-updated.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(FasError::new(
            FAS_ERR_PANIC,
            format!(
                "{op}: panic inside feast-aerospike (a bug; please report it): {}",
                panic_message(payload.as_ref())
            ),
        )),
    }
}

/// Runs an infallible export body that returns a value; `on_panic` is
/// returned if it panics anyway.
pub(crate) fn guard_value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Runs an export body that returns nothing; a panic is swallowed because
/// there is no channel to report it on.
pub(crate) fn guard_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "non-string panic payload"
    }
}
