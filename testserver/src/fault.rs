//! Fault injection shared by every connection: a delay before each answer,
//! connections dropped instead of answered, and chosen result codes for
//! chosen namespaces or record digests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::store::Digest;

/// Answer `result_code` for records matching the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRule {
    /// `None` matches every namespace.
    pub namespace: Option<String>,
    /// `None` matches every record of the namespace.
    pub digest: Option<Digest>,
    pub result_code: u8,
}

#[derive(Debug, Default)]
pub struct Faults {
    delay_us: AtomicU64,
    drop_next: AtomicU64,
    rules: Mutex<Vec<ErrorRule>>,
    /// Called with every record command and batch row (namespace, digest)
    /// before it runs; a cluster node counts the rows it does not master.
    pub row_hook: RowHook,
}

/// What a row hook is called with: namespace, digest.
pub type RowFn = Box<dyn Fn(&str, &Digest) + Send + Sync>;

/// See [`Faults::row_hook`].
#[derive(Default)]
pub struct RowHook(pub std::sync::OnceLock<RowFn>);

impl std::fmt::Debug for RowHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "RowHook(set)"
        } else {
            "RowHook(none)"
        })
    }
}

impl Faults {
    pub fn set_delay(&self, d: Duration) {
        self.delay_us
            .store(d.as_micros().min(u64::MAX as u128) as u64, Ordering::SeqCst);
    }

    pub fn delay(&self) -> Option<Duration> {
        match self.delay_us.load(Ordering::SeqCst) {
            0 => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    pub fn drop_next(&self, n: u64) {
        self.drop_next.store(n, Ordering::SeqCst);
    }

    /// True when this request's connection must be closed unanswered.
    pub fn take_drop(&self) -> bool {
        self.drop_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub fn add_rule(&self, rule: ErrorRule) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.set_delay(Duration::ZERO);
        self.drop_next(0);
    }

    /// The injected result code for this record, if any.
    pub fn result_for(&self, namespace: &str, digest: &Digest) -> Option<u8> {
        if let Some(hook) = self.row_hook.0.get() {
            hook(namespace, digest);
        }
        let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules
            .iter()
            .find(|r| {
                r.namespace.as_deref().is_none_or(|n| n == namespace)
                    && r.digest.as_ref().is_none_or(|d| d == digest)
            })
            .map(|r| r.result_code)
    }

    /// The injected result code for a whole-namespace rule (scans, jobs).
    pub fn namespace_result(&self, namespace: &str) -> Option<u8> {
        let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules
            .iter()
            .find(|r| r.digest.is_none() && r.namespace.as_deref().is_none_or(|n| n == namespace))
            .map(|r| r.result_code)
    }
}
