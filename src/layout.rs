//! The record layout of Feast 0.67's Aerospike store (DESIGN.md §2): where a
//! feature view lives (namespace/set, with overrides), the bins of a record,
//! and the per-record operations that write and read one view's slot.

use aerospike::operations::{self, cdt_context::ctx_map_key, maps, MapOrder};
use aerospike::{Bin, IndexMap, MapPolicy, MapReturnType, MapWriteFlags, Value as AsValue};

use crate::config::StoreConfig;

/// `{feature_view: {feature: native value}}`, key-ordered.
pub const FEATURES_BIN: &str = "features";
/// `{feature_view: epoch milliseconds}`, key-ordered.
pub const EVENT_TS_BIN: &str = "event_ts";
/// Epoch milliseconds of the last write that carried a created timestamp.
pub const CREATED_TS_BIN: &str = "created_ts";

/// A resolved (namespace, set) pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub namespace: String,
    pub set_name: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.set_name)
    }
}

/// Resolves feature views to locations, as Feast's `_namespace_for_fv` and
/// `_set_name` do.
#[derive(Debug, Clone)]
pub struct Layout {
    config: StoreConfig,
    default_set: String,
}

impl Layout {
    pub fn new(config: StoreConfig) -> Self {
        let default_set = config.default_set_name();
        Layout {
            config,
            default_set,
        }
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The store-level default pair (teardown always truncates it).
    pub fn default_location(&self) -> Location {
        Location {
            namespace: self.config.namespace.clone(),
            set_name: self.default_set.clone(),
        }
    }

    pub fn namespace_for(&self, view: &str) -> &str {
        self.config
            .namespace_overrides
            .get(view)
            .map_or(self.config.namespace.as_str(), String::as_str)
    }

    pub fn set_for(&self, view: &str) -> &str {
        self.config
            .set_overrides
            .get(view)
            .map_or(self.default_set.as_str(), String::as_str)
    }

    pub fn location_for(&self, view: &str) -> Location {
        Location {
            namespace: self.namespace_for(view).to_string(),
            set_name: self.set_for(view).to_string(),
        }
    }
}

/// The map policy every map write uses: key-ordered, so lookups and the
/// update() scan stay O(log n) and the map matches what Python creates.
pub fn ordered_map_policy() -> MapPolicy {
    MapPolicy::new(MapOrder::KeyOrdered, MapWriteFlags::DEFAULT)
}

/// The operations writing one row of `view`, in Feast's order: merge the
/// view's features into `features[view]`, set `event_ts[view]`, and write
/// `created_ts` when given. `features` must be a plain map of the row's
/// encoded values in key order.
pub fn write_ops(
    policy: &MapPolicy,
    view: &str,
    features: IndexMap<AsValue, AsValue>,
    event_ts_ms: i64,
    created_ts_ms: Option<i64>,
) -> Vec<operations::Operation> {
    let mut items = IndexMap::with_capacity(1);
    items.insert(
        AsValue::String(view.to_string()),
        AsValue::OrderedMap(features),
    );
    let mut ops = Vec::with_capacity(3);
    ops.push(maps::put_items(policy, FEATURES_BIN, items));
    // Never a nil value here (DESIGN.md §4.8): it is always an integer.
    ops.push(maps::put(
        policy,
        EVENT_TS_BIN,
        AsValue::String(view.to_string()),
        AsValue::Int(event_ts_ms),
    ));
    if let Some(ms) = created_ts_ms {
        ops.push(operations::put(&Bin::new(
            CREATED_TS_BIN.to_string(),
            AsValue::Int(ms),
        )));
    }
    ops
}

/// How one view is read inside a record.
pub enum ViewOp<'a> {
    /// The whole submap, fetched with the other unprojected views.
    Whole,
    /// Only these features, projected server side.
    Projected(&'a [String]),
}

/// The read operations for several views of one (namespace, set).
///
/// Every op always answers (KEY_VALUE lists are empty when nothing matches),
/// because the batch path drops nil op results (DESIGN.md §4.1): the
/// results of the `features` bin come back in op order as
/// `[whole-views list?, projected list per projected view...]`.
/// A projected view whose slot is absent makes the server answer 26 for the
/// whole record (§4.9); the caller retries such records with `allow_ctx`
/// false, which fetches those views whole and projects client-side.
pub fn read_ops(views: &[(&str, ViewOp<'_>)], allow_ctx: bool) -> Vec<operations::Operation> {
    let mut ops = Vec::with_capacity(views.len() + 2);
    let whole: Vec<AsValue> = views
        .iter()
        .filter(|(_, op)| !allow_ctx || matches!(op, ViewOp::Whole))
        .map(|(name, _)| AsValue::String((*name).to_string()))
        .collect();
    if !whole.is_empty() {
        ops.push(maps::get_by_key_list(
            FEATURES_BIN,
            whole,
            MapReturnType::KEY_VALUE,
        ));
    }
    if allow_ctx {
        for (name, op) in views {
            if let ViewOp::Projected(features) = op {
                let keys = features
                    .iter()
                    .map(|f| AsValue::String(f.clone()))
                    .collect();
                ops.push(
                    maps::get_by_key_list(FEATURES_BIN, keys, MapReturnType::KEY_VALUE)
                        .context(vec![ctx_map_key(AsValue::String((*name).to_string()))]),
                );
            }
        }
    }
    ops.push(maps::get_by_key_list(
        EVENT_TS_BIN,
        views
            .iter()
            .map(|(name, _)| AsValue::String((*name).to_string()))
            .collect(),
        MapReturnType::KEY_VALUE,
    ));
    ops
}

/// The operations update() applies to every record of a (namespace, set):
/// remove each dropped view's slot from both maps.
pub fn remove_view_ops(views: &[String]) -> Vec<operations::Operation> {
    let mut ops = Vec::with_capacity(views.len() * 2);
    for view in views {
        ops.push(maps::remove_by_key(
            FEATURES_BIN,
            AsValue::String(view.clone()),
            MapReturnType::NONE,
        ));
        ops.push(maps::remove_by_key(
            EVENT_TS_BIN,
            AsValue::String(view.clone()),
            MapReturnType::NONE,
        ));
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_resolve_per_view() {
        let config = StoreConfig::from_json(
            r#"{"project":"demo","namespace_overrides":{"hot":"ram"},
                "set_overrides":{"hot":"hot_set","iso":"iso_set"}}"#,
        )
        .unwrap();
        let layout = Layout::new(config);
        assert_eq!(
            layout.default_location(),
            Location {
                namespace: "feast".into(),
                set_name: "demo_latest".into()
            }
        );
        assert_eq!(
            layout.location_for("plain").to_string(),
            "feast/demo_latest"
        );
        assert_eq!(layout.location_for("hot").to_string(), "ram/hot_set");
        assert_eq!(layout.location_for("iso").to_string(), "feast/iso_set");
    }
}
