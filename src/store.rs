//! SKELETON (to be replaced by the core-store work): the online store operations.
use crate::config::StoreConfig;
use crate::error::Result;
use crate::proto::v1::*;

/// A connected store. Thread-safe: share it behind an `Arc`.
pub struct OnlineStore {}

impl OnlineStore {
    /// Connect to the cluster named by `config`.
    pub async fn connect(_config: StoreConfig) -> Result<Self> {
        todo!("core store")
    }
    /// Write rows of one feature view.
    pub async fn write_batch(&self, _request: &WriteBatchRequest) -> Result<WriteBatchResponse> {
        todo!("core store")
    }
    /// Read one or more feature views for the same entities.
    pub async fn read(&self, _request: &ReadRequest) -> Result<ReadResponse> {
        todo!("core store")
    }
    /// Remove dropped feature views from every record.
    pub async fn update(&self, _request: &UpdateRequest) -> Result<UpdateResponse> {
        todo!("core store")
    }
    /// Truncate every (namespace, set) the views resolve to.
    pub async fn teardown(&self, _request: &TeardownRequest) -> Result<TeardownResponse> {
        todo!("core store")
    }
    /// Close the cluster connections. Idempotent; later operations fail with
    /// `ErrorKind::Closed`.
    pub async fn close(&self) -> Result<()> {
        todo!("core store")
    }
}
