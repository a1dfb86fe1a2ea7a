//! Log lines to stderr without ever blocking a server thread: lines go
//! through a bounded queue to one writer thread, and are dropped (and
//! counted) when the queue is full, e.g. because the parent process never
//! reads the stderr pipe it gave us.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;

static QUEUE: OnceLock<Option<SyncSender<String>>> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

fn queue() -> &'static Option<SyncSender<String>> {
    QUEUE.get_or_init(|| {
        let (tx, rx) = sync_channel::<String>(1024);
        std::thread::Builder::new()
            .name("feast-aerospike-testserver-log".into())
            .spawn(move || {
                for line in rx {
                    let dropped = DROPPED.swap(0, Ordering::Relaxed);
                    let mut err = std::io::stderr().lock();
                    if dropped > 0 {
                        let _ = writeln!(
                            err,
                            "feast-aerospike-testserver: ({dropped} log lines dropped: stderr not drained)"
                        );
                    }
                    let _ = writeln!(err, "feast-aerospike-testserver: {line}");
                }
            })
            .ok()
            .map(|_| tx)
    })
}

/// Queues one log line; never blocks.
pub fn log(msg: String) {
    match queue() {
        Some(tx) => match tx.try_send(msg) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        },
        None => {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}
