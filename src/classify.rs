//! How a failed read or write row is reported: its error kind (the C ABI
//! status) and, for a write, whether it may have been applied ("in doubt").
//! One rule for every path that talks to the server: the aerospike crate's
//! path converts its errors with [`failure_of`], a direct wire path calls
//! [`classify`] with what it saw.
//!
//! The rule, as Aerospike's own clients apply it: a write is *not* in doubt
//! only when its failure proves it was not applied — nothing was sent, or the
//! server answered a code it only gives before applying anything. Every
//! other failure of a write (a timeout, a connection lost after sending, an
//! unknown code) is in doubt. The table is listed in `docs/ABI.md`.

use crate::error::ErrorKind;

/// Result code of a server timeout (and of a client-side one, on the ABI).
pub const RC_TIMEOUT: i32 = 9;

/// What happened to one row's command, as far as the client can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Never sent: no connection to the node (its error-rate breaker is
    /// open, the pool is exhausted, the node is gone) or it is unroutable.
    NotSent,
    /// Never sent because the request's deadline expired first.
    ExpiredBeforeSend,
    /// Sent, and the connection failed before an answer arrived.
    ConnectionLost,
    /// Sent, and no answer arrived within the timeout.
    TimedOut,
    /// The server answered this non-zero result code.
    Answered(i32),
}

/// How a row failure is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    pub kind: ErrorKind,
    /// The Aerospike result code reported with it: the server's, or 9 for a
    /// timeout after sending, or -1 when there is none (never sent).
    pub result_code: i32,
    /// A write that may have been applied.
    pub in_doubt: bool,
}

/// Result codes the server answers only before it applies a write
/// (as_result_codes / write.c: the checks run before the record changes).
const NOT_APPLIED: &[i32] = &[
    2, // KEY_NOT_FOUND
    3, // GENERATION
    4, // PARAMETER
    5, // KEY_EXISTS
    7, // CLUSTER_KEY_MISMATCH
    8, // SERVER_MEM (stop-writes)
    // Not 11 (PARTITION_UNAVAILABLE): the crate stamps it on a row it could
    // not route on a retry, after an earlier attempt may have applied it.
    12, // BIN_TYPE
    13, // RECORD_TOO_BIG
    14, // KEY_BUSY (hot key)
    16, // UNSUPPORTED_FEATURE
    18, // DEVICE_OVERLOAD
    19, // KEY_MISMATCH
    20, // NAMESPACE_NOT_FOUND
    21, // BIN_NAME
    22, // FORBIDDEN
    26, // OP_NOT_APPLICABLE
    27, // FILTERED_OUT
    52, // SECURITY_NOT_ENABLED
    53, // SECURITY_NOT_SUPPORTED
    65, // ... 65-83: security and quota refusals
    66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,
];

/// The one classification of a failed row. `is_write`: the row writes (a
/// read is never in doubt).
pub fn classify(failure: Failure, is_write: bool) -> Class {
    let (kind, result_code, may_be_applied) = match failure {
        Failure::NotSent => (ErrorKind::Connection, -1, false),
        // Never sent: no server code (-1); the status says timeout.
        Failure::ExpiredBeforeSend => (ErrorKind::Timeout, -1, false),
        Failure::ConnectionLost => (ErrorKind::Connection, -1, true),
        Failure::TimedOut => (ErrorKind::Timeout, RC_TIMEOUT, true),
        Failure::Answered(RC_TIMEOUT) => (ErrorKind::Timeout, RC_TIMEOUT, true),
        Failure::Answered(rc) => (ErrorKind::Server, rc, !NOT_APPLIED.contains(&rc)),
    };
    Class {
        kind,
        result_code,
        in_doubt: is_write && may_be_applied,
    }
}

/// What an error of the aerospike crate says happened. The crate wraps the
/// attempts' errors in a final timeout ("timed out after N tries"), so the
/// whole cause chain decides: a server answer wins; any connection-class
/// error (breaker open, no connection, connection lost) makes it a
/// connection failure, else it is a timeout; sent or not is the crate's own
/// in-doubt mark.
pub fn failure_of(e: &aerospike::Error) -> Failure {
    use aerospike::ErrorKind as K;
    if let Some(rc) = e.server_result_code() {
        return Failure::Answered(i32::from(u8::from(rc)));
    }
    let mut lost = false;
    let mut timed_out = false;
    let mut not_sent = false;
    let mut link = Some(e);
    while let Some(err) = link {
        match err.kind() {
            K::MaxErrorRate | K::ConnectionPoolEmpty | K::NoMoreConnections | K::InvalidNode => {
                not_sent = true
            }
            K::Timeout => timed_out = true,
            K::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                timed_out = true
            }
            K::Connection | K::Io(_) | K::BadResponse | K::StreamTerminated => lost = true,
            _ => {}
        }
        link = err.cause();
    }
    // Whether the command reached the wire: the crate marks a write's error
    // in doubt once an attempt was sent (a read's never is; its class does
    // not depend on it).
    let sent = e.in_doubt();
    match (lost || not_sent || !timed_out, sent) {
        (true, true) => Failure::ConnectionLost,
        (true, false) => Failure::NotSent,
        (false, true) => Failure::TimedOut,
        (false, false) => Failure::ExpiredBeforeSend,
    }
}

/// [`classify`] of a crate error, for a row that writes or not; also says
/// whether the crate itself saw the write reach the server (then it is in
/// doubt whatever the final answer: an earlier attempt may have applied it).
pub fn classify_error(e: &aerospike::Error, is_write: bool) -> Class {
    let mut class = classify(failure_of(e), is_write);
    class.in_doubt |= is_write && e.in_doubt();
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_one_class() {
        use ErrorKind::*;
        let cases = [
            (Failure::NotSent, Connection, -1, false),
            (Failure::ExpiredBeforeSend, Timeout, -1, false),
            (Failure::ConnectionLost, Connection, -1, true),
            (Failure::TimedOut, Timeout, 9, true),
            (Failure::Answered(9), Timeout, 9, true),
            (Failure::Answered(1), Server, 1, true),
            (Failure::Answered(2), Server, 2, false),
            (Failure::Answered(13), Server, 13, false),
            (Failure::Answered(14), Server, 14, false),
            (Failure::Answered(200), Server, 200, true),
        ];
        for (failure, kind, rc, doubt) in cases {
            let w = classify(failure, true);
            assert_eq!(
                (w.kind, w.result_code, w.in_doubt),
                (kind, rc, doubt),
                "{failure:?}"
            );
            // A read is never in doubt.
            assert!(!classify(failure, false).in_doubt, "{failure:?}");
        }
    }
}
