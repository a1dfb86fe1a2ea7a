//! SKELETON (to be replaced by the core-store work): store configuration.
use crate::error::Result;

/// Parsed store configuration.
#[derive(Clone)]
pub struct StoreConfig {}

impl StoreConfig {
    /// Parse the online-store block of feature_store.yaml (as JSON).
    pub fn from_json(_json: &str) -> Result<Self> {
        todo!("core store")
    }
}
