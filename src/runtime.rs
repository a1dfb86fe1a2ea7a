//! The one long-lived multi-thread tokio runtime. The aerospike client spawns
//! its tend and connection tasks on the runtime it is created on, so every
//! client must be created on a runtime that outlives it (DESIGN.md §4.10):
//! this one lives for the whole process.

use std::sync::OnceLock;

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// The process-wide multi-thread runtime every client runs on. Built on
/// first use with one worker per available CPU (at least two).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    RUNTIME.get_or_init(|| {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(2);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("feast-aerospike")
            .enable_all()
            .build()
            .expect("build the feast-aerospike tokio runtime")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_runtime_for_all_callers() {
        let a = super::runtime() as *const _;
        let b = std::thread::spawn(|| super::runtime() as *const _ as usize)
            .join()
            .unwrap();
        assert_eq!(a as usize, b);
        assert_eq!(super::runtime().block_on(async { 1 + 1 }), 2);
    }
}
