//! Up-front limits on the size of one call, so that the memory and work of
//! every call are bounded by the size of its answer: a read's answer holds
//! one cell per (entity, view, requested feature), allocated before the
//! first byte comes back, so a small request (1,000 keys x 10,000 views is
//! under 0.5 MB) could otherwise ask for gigabytes. A request over a limit is
//! refused before anything is allocated or sent, with INVALID_ARGUMENT naming
//! the limit. The figures are documented in `docs/ABI.md`.

use crate::error::{Error, Result};
use crate::proto::v1::{ReadRequest, WriteBatchRequest};

/// Entity keys in one read.
pub const MAX_KEYS_PER_READ: usize = 100_000;
/// Feature views in one read.
pub const MAX_VIEWS_PER_READ: usize = 1_000;
/// Features of one view: requested in a read, declared by a whole-view read,
/// or written in one row.
pub const MAX_FEATURES_PER_VIEW: usize = 10_000;
/// Cells of one read's answer: entity keys x the sum over views of the
/// columns each returns (at least one per view: its found flag and
/// timestamp). 4 M cells is about 200 MB of answer at the most.
pub const MAX_CELLS_PER_READ: u64 = 4_000_000;
/// Rows in one write_batch call.
pub const MAX_ROWS_PER_WRITE: usize = 1_000_000;

fn refuse(
    op: &str,
    what: &str,
    got: impl std::fmt::Display,
    limit: impl std::fmt::Display,
) -> Error {
    Error::invalid_argument(format!(
        "{op}: {what} is {got}, over the limit of {limit} per call (docs/ABI.md, \"Limits\"); split the request"
    ))
}

/// Refuses a read whose answer would exceed the limits.
pub fn check_read(request: &ReadRequest) -> Result<()> {
    check_read_counts(
        request.entity_keys.len(),
        request.views.len(),
        request.views.iter().map(|v| {
            if v.requested_features.is_empty() {
                v.feature_view.as_ref().map_or(0, |fv| fv.features.len())
            } else {
                v.requested_features.len()
            }
        }),
    )
}

/// [`check_read`] of a request given by its key count, view count and each
/// view's number of answer columns.
pub fn check_read_counts(
    keys: usize,
    views: usize,
    columns_of: impl Iterator<Item = usize>,
) -> Result<()> {
    if keys > MAX_KEYS_PER_READ {
        return Err(refuse(
            "read",
            "the number of entity keys",
            keys,
            MAX_KEYS_PER_READ,
        ));
    }
    if views > MAX_VIEWS_PER_READ {
        return Err(refuse(
            "read",
            "the number of views",
            views,
            MAX_VIEWS_PER_READ,
        ));
    }
    let mut columns: u64 = 0;
    for (i, n) in columns_of.enumerate() {
        if n > MAX_FEATURES_PER_VIEW {
            return Err(refuse(
                "read",
                &format!("the number of features of views[{i}]"),
                n,
                MAX_FEATURES_PER_VIEW,
            ));
        }
        columns += n.max(1) as u64;
    }
    let cells = columns.saturating_mul(keys as u64);
    if cells > MAX_CELLS_PER_READ {
        return Err(refuse(
            "read",
            &format!("the number of answer cells ({keys} keys x {columns} view columns)"),
            cells,
            MAX_CELLS_PER_READ,
        ));
    }
    Ok(())
}

/// Refuses a write over the limits (rows per call, features per row).
pub fn check_write(request: &WriteBatchRequest) -> Result<()> {
    check_write_counts(
        request.rows.len(),
        request.rows.iter().map(|r| r.values.len()),
    )
}

/// [`check_write`] of a request given by its row count and each row's
/// number of distinct features.
pub fn check_write_counts(rows: usize, features: impl Iterator<Item = usize>) -> Result<()> {
    if rows > MAX_ROWS_PER_WRITE {
        return Err(refuse(
            "write_batch",
            "the number of rows",
            rows,
            MAX_ROWS_PER_WRITE,
        ));
    }
    if let Some((i, n)) = features
        .enumerate()
        .find(|&(_, n)| n > MAX_FEATURES_PER_VIEW)
    {
        return Err(refuse(
            "write_batch",
            &format!("the number of features of rows[{i}]"),
            n,
            MAX_FEATURES_PER_VIEW,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::proto::v1::{FeatureView, ViewRead};

    fn read(keys: usize, views: usize, features: usize) -> ReadRequest {
        let view = ViewRead {
            feature_view: Some(FeatureView {
                name: "v".into(),
                ..Default::default()
            }),
            requested_features: (0..features).map(|i| format!("f{i}")).collect(),
        };
        ReadRequest {
            entity_keys: vec![Default::default(); keys],
            views: vec![view; views],
            ..Default::default()
        }
    }

    #[test]
    fn each_limit_is_enforced_and_named() {
        assert!(check_read(&read(1000, 10, 100)).is_ok());
        assert!(check_read(&read(MAX_KEYS_PER_READ, 1, 40)).is_ok());
        for (req, needle) in [
            (read(MAX_KEYS_PER_READ + 1, 1, 1), "entity keys"),
            (read(1, MAX_VIEWS_PER_READ + 1, 1), "number of views"),
            (
                read(1, 1, MAX_FEATURES_PER_VIEW + 1),
                "features of views[0]",
            ),
            // The case: 1,000 keys x 10,000 views (over the view
            // limit), and 1,000 keys x 1,000 views of 5 features (cells).
            (read(1000, 10_000, 0), "number of views"),
            (read(1000, 1000, 5), "answer cells"),
        ] {
            let e = check_read(&req).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().contains(needle), "{e}");
            assert!(e.message().contains("limit"), "{e}");
        }
    }
}
