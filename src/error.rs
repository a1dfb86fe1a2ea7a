//! The one error type of the store. Its kinds map one-to-one onto the C ABI's
//! status codes (see `docs/ABI.md`); the message carries the context a user
//! needs: which operation, which namespace/set, which rows, which result code.

use std::fmt;

/// What went wrong, at the granularity callers branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request cannot be acted on (unsupported entity value, bad argument).
    InvalidArgument,
    /// Bytes that are not a valid message of the expected type.
    Decode,
    /// Invalid configuration.
    Config,
    /// The cluster cannot be reached, or the connection was lost.
    Connection,
    /// A configured timeout or a request deadline expired.
    Timeout,
    /// The server answered an error result code.
    Server,
    /// The store was closed.
    Closed,
    /// Anything else inside the library.
    Internal,
}

impl ErrorKind {
    /// The C ABI status code this kind is reported as (`FAS_ERR_*`,
    /// docs/ABI.md), also carried by each failed row of a write batch
    /// (`RowFailure.status`). Exhaustive on purpose: a new kind must be given
    /// a status before the crate compiles; src/ffi/status.rs names the numbers
    /// and a test there keeps both equal.
    pub const fn status(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument => 1,
            ErrorKind::Decode => 2,
            ErrorKind::Config => 3,
            ErrorKind::Connection => 4,
            ErrorKind::Timeout => 5,
            ErrorKind::Server => 6,
            ErrorKind::Closed => 7,
            ErrorKind::Internal => 9,
        }
    }
}

/// An error with its kind, the Aerospike result code when the server gave one,
/// and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    result_code: Option<i32>,
    message: String,
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            result_code: None,
            message: message.into(),
        }
    }

    /// A server error carrying the Aerospike result code.
    pub fn server(result_code: i32, message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Server,
            result_code: Some(result_code),
            message: message.into(),
        }
    }

    /// Shorthand constructors for the common kinds.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    /// See [`ErrorKind::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }
    /// See [`ErrorKind::Decode`].
    pub fn decode(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode, message)
    }

    /// Attach an Aerospike result code to an error of any kind (a timeout or a
    /// connection failure reported by the server keeps its own kind).
    pub fn with_result_code(mut self, code: i32) -> Self {
        self.result_code = Some(code);
        self
    }

    /// Prefix the message with context, e.g. the operation and namespace/set.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The Aerospike result code, when the server answered one.
    pub fn result_code(&self) -> Option<i32> {
        self.result_code
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.result_code {
            Some(code) => write!(f, "{} (result code {code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_includes_result_code_and_context() {
        let e = Error::server(13, "record too big").context("write_batch feast/demo_latest");
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_eq!(e.result_code(), Some(13));
        assert_eq!(
            e.to_string(),
            "write_batch feast/demo_latest: record too big (result code 13)"
        );
    }
}
