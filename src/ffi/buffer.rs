//! Byte buffers across the boundary: borrowed request bytes in, library-owned
//! response bytes out (released with `fas_buffer_free`).

use std::ptr;

use super::error::FasError;
use super::panic::guard_void;

/// Protobuf messages cannot exceed 2 GiB; a longer length is a caller bug and
/// is refused before the bytes are touched.
pub(crate) const MAX_REQUEST_LEN: usize = i32::MAX as usize;

/// Borrows the caller's request bytes. `(NULL, 0)` and `(ptr, 0)` are the empty
/// request; `(NULL, n > 0)` and over-long lengths are refused.
///
/// # Safety
/// When `data` is not NULL it points to `len` readable bytes that stay valid
/// and unmodified for `'a`.
pub(crate) unsafe fn borrow_request<'a>(
    op: &str,
    data: *const u8,
    len: usize,
) -> Result<&'a [u8], FasError> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(FasError::invalid_argument(
            op,
            format!("request is NULL but request_len is {len}"),
        ));
    }
    if len > MAX_REQUEST_LEN {
        return Err(FasError::invalid_argument(
            op,
            format!("request_len {len} exceeds the 2 GiB protobuf limit"),
        ));
    }
    // SAFETY: non-NULL, len <= isize::MAX, readable per the contract.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Gives `bytes` to the caller; an empty response is `(NULL, 0)`.
pub(crate) fn into_raw_buffer(bytes: Vec<u8>) -> (*mut u8, usize) {
    if bytes.is_empty() {
        return (ptr::null_mut(), 0);
    }
    let len = bytes.len();
    // A boxed slice has capacity == len, so `fas_buffer_free` can rebuild it
    // from (data, len) alone.
    let data = Box::into_raw(bytes.into_boxed_slice()).cast::<u8>();
    (data, len)
}

/// Releases a response buffer returned by this library, with the length it was
/// returned with. `fas_buffer_free(NULL, len)` is a no-op.
///
/// # Safety
/// `data` is NULL or a buffer returned by this library with exactly `len`
/// bytes, not freed yet; it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn fas_buffer_free(data: *mut u8, len: usize) {
    guard_void(|| {
        if !data.is_null() {
            // SAFETY: (data, len) came from `into_raw_buffer`, freed once.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data, len)) });
        }
    })
}
