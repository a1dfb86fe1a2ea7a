//! SKELETON (to be replaced by the core-store work): the one long-lived tokio runtime.

/// The process-wide multi-thread runtime every client runs on.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    todo!("core store")
}
