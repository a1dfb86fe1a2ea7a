//! Status codes returned by every fallible export. The numbers are part of the
//! ABI (docs/ABI.md): never renumber them, only append.

/// Success; outputs were written.
pub const FAS_OK: i32 = 0;
/// A NULL pointer where one is required, a length over the 2 GiB protobuf
/// limit, or request content the store cannot act on.
pub const FAS_ERR_INVALID_ARGUMENT: i32 = 1;
/// The request bytes are not a valid protobuf message of the expected type.
pub const FAS_ERR_DECODE: i32 = 2;
/// Invalid configuration (unknown key, bad value).
pub const FAS_ERR_CONFIG: i32 = 3;
/// The cluster cannot be reached, or the connection was lost.
pub const FAS_ERR_CONNECTION: i32 = 4;
/// A configured timeout or the request's `timeout_ms` expired.
pub const FAS_ERR_TIMEOUT: i32 = 5;
/// The server answered an error; `fas_error_result_code` gives its result code.
pub const FAS_ERR_SERVER: i32 = 6;
/// The store handle was closed by `fas_store_close`.
pub const FAS_ERR_CLOSED: i32 = 7;
/// A bug inside the library was caught at the boundary; the handle stays usable.
pub const FAS_ERR_PANIC: i32 = 8;
/// Any other failure inside the library.
pub const FAS_ERR_INTERNAL: i32 = 9;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn statuses_are_dense_and_stable() {
        let all = [
            FAS_OK,
            FAS_ERR_INVALID_ARGUMENT,
            FAS_ERR_DECODE,
            FAS_ERR_CONFIG,
            FAS_ERR_CONNECTION,
            FAS_ERR_TIMEOUT,
            FAS_ERR_SERVER,
            FAS_ERR_CLOSED,
            FAS_ERR_PANIC,
            FAS_ERR_INTERNAL,
        ];
        for (i, code) in all.iter().enumerate() {
            assert_eq!(*code, i as i32);
        }
    }

    #[test]
    fn every_error_kind_has_its_named_status() {
        let named = [
            (ErrorKind::InvalidArgument, FAS_ERR_INVALID_ARGUMENT),
            (ErrorKind::Decode, FAS_ERR_DECODE),
            (ErrorKind::Config, FAS_ERR_CONFIG),
            (ErrorKind::Connection, FAS_ERR_CONNECTION),
            (ErrorKind::Timeout, FAS_ERR_TIMEOUT),
            (ErrorKind::Server, FAS_ERR_SERVER),
            (ErrorKind::Closed, FAS_ERR_CLOSED),
            (ErrorKind::Internal, FAS_ERR_INTERNAL),
        ];
        for (kind, status) in named {
            assert_eq!(kind.status(), status, "{kind:?}");
        }
    }
}
