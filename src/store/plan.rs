//! Read decoding: the plan of one view (its output columns and types) and
//! the placing of one record's answers into the rows of its views.

use std::collections::HashMap;

use aerospike::Value as AsValue;

use super::read::GroupRead;
use crate::codec::{decode_value, ms_to_timestamp};
use crate::error::{Error, Result};
use crate::layout::{self, ViewOp};
use crate::proto::v1::*;

/// One view of a read: its output columns and how to decode a stored slot
/// into them. The store builds one per view and request; the codec
/// benchmark uses it to time decoding without a server.
pub struct ViewPlan<'a> {
    pub(super) name: &'a str,
    pub(super) names: Vec<String>,
    types: Vec<i32>,
    index: HashMap<&'a str, usize>,
    /// (column, first column of the same name) for repeated names.
    duplicates: Vec<(usize, usize)>,
    projected: bool,
    requested: &'a [String],
}

impl<'a> ViewPlan<'a> {
    /// Plan for `view` returning `requested` (empty: every declared feature).
    pub fn new(view: &'a FeatureView, requested: &'a [String]) -> Self {
        let declared: HashMap<&str, i32> = view
            .features
            .iter()
            .map(|f| (f.name.as_str(), f.value_type))
            .collect();
        let (names, projected): (Vec<&'a str>, bool) = if requested.is_empty() {
            (
                view.features.iter().map(|f| f.name.as_str()).collect(),
                false,
            )
        } else {
            (requested.iter().map(String::as_str).collect(), true)
        };
        let mut index = HashMap::with_capacity(names.len());
        let mut duplicates = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let first = *index.entry(*n).or_insert(i);
            if first != i {
                duplicates.push((i, first));
            }
        }
        ViewPlan {
            name: view.name.as_str(),
            types: names
                .iter()
                .map(|n| declared.get(n).copied().unwrap_or(0))
                .collect(),
            names: names.iter().map(|s| s.to_string()).collect(),
            index,
            duplicates,
            projected,
            requested,
        }
    }

    pub(super) fn view_op(&self) -> ViewOp<'a> {
        if self.projected {
            ViewOp::Projected(self.requested)
        } else {
            ViewOp::Whole
        }
    }

    /// Decode a view's stored slot (a map, or key/value pairs) into `row`,
    /// marking it found.
    pub fn fill(&self, row: &mut EntityRow, entries: AsValue) -> Result<()> {
        row.found = true;
        row.values = vec![Value::default(); self.names.len()];
        let mut result: Result<()> = Ok(());
        for_each_pair(entries, |k, v| {
            if result.is_err() {
                return;
            }
            let AsValue::String(name) = k else { return };
            let Some(&i) = self.index.get(name.as_str()) else {
                return;
            };
            match decode_value(v, self.types[i]) {
                Ok(value) => row.values[i] = value,
                Err(e) => {
                    result = Err(Error::decode(format!(
                        "feature {:?} of {}: {e}",
                        name, self.name
                    )));
                }
            }
        })?;
        result?;
        // A feature requested twice gets the same value in both columns.
        for &(j, first) in &self.duplicates {
            row.values[j] = row.values[first].clone();
        }
        Ok(())
    }
}

/// Put one record's answers into the rows of the group's views.
pub(super) fn place_record(
    record: aerospike::Record,
    group: &GroupRead<'_>,
    allow_ctx: bool,
    results: &mut [ViewResult],
    entity: usize,
) -> Result<()> {
    let GroupRead {
        view_ops,
        members,
        plans,
        ..
    } = *group;
    let mut bins = record.bins;
    let features = bins
        .swap_remove(layout::FEATURES_BIN)
        .unwrap_or(AsValue::Nil);
    let event_ts = bins
        .swap_remove(layout::EVENT_TS_BIN)
        .unwrap_or(AsValue::Nil);
    let has_whole = view_ops
        .iter()
        .any(|(_, op)| !allow_ctx || matches!(op, ViewOp::Whole));
    let n_projected = if allow_ctx {
        view_ops
            .iter()
            .filter(|(_, op)| matches!(op, ViewOp::Projected(_)))
            .count()
    } else {
        0
    };
    let n_ops = usize::from(has_whole) + n_projected;
    let mut answers: Vec<AsValue> = match features {
        AsValue::MultiResult(v) => v,
        AsValue::Nil => Vec::new(),
        other => vec![other],
    };
    if answers.len() != n_ops {
        return Err(Error::decode(format!(
            "expected {n_ops} answer(s) for the features bin, got {}",
            answers.len()
        )));
    }
    let mut answers = answers.drain(..);
    if has_whole {
        let whole = answers.next().unwrap_or(AsValue::Nil);
        for (view_name, submap) in into_pairs(whole)? {
            let AsValue::String(view_name) = view_name else {
                continue;
            };
            let targets: Vec<usize> = members
                .iter()
                .enumerate()
                .filter(|(pos, &m)| {
                    (!allow_ctx || matches!(view_ops[*pos].1, ViewOp::Whole))
                        && plans[m].name == view_name
                })
                .map(|(_, &m)| m)
                .collect();
            // The same view listed twice needs its own copy; the last (usually
            // only) one takes the stored value without a copy.
            if let Some((&last, rest)) = targets.split_last() {
                for &m in rest {
                    plans[m].fill(&mut results[m].rows[entity], submap.clone())?;
                }
                plans[last].fill(&mut results[last].rows[entity], submap)?;
            }
        }
    }
    if allow_ctx {
        for (pos, &m) in members.iter().enumerate() {
            if matches!(view_ops[pos].1, ViewOp::Projected(_)) {
                let projected = answers.next().unwrap_or(AsValue::Nil);
                plans[m].fill(&mut results[m].rows[entity], projected)?;
            }
        }
    }
    for (view_name, ms) in into_pairs(event_ts)? {
        let AsValue::String(view_name) = view_name else {
            continue;
        };
        let AsValue::Int(ms) = ms else { continue };
        for &m in members {
            if plans[m].name == view_name && results[m].rows[entity].found {
                results[m].rows[entity].event_timestamp = Some(ms_to_timestamp(ms));
            }
        }
    }
    Ok(())
}

/// Visit key/value pairs in place, without collecting them first: a stored
/// slot decodes as a map, a KEY_VALUE answer as `KeyValueList`.
fn for_each_pair(v: AsValue, mut f: impl FnMut(AsValue, AsValue)) -> Result<()> {
    match v {
        AsValue::Nil => {}
        AsValue::KeyValueList(pairs) => pairs.into_iter().for_each(|(k, v)| f(k, v)),
        AsValue::OrderedMap(m) => m.into_iter().for_each(|(k, v)| f(k, v)),
        AsValue::SortedMap(m) => m.into_iter().for_each(|(k, v)| f(k, v)),
        AsValue::HashMap(m) => m.into_iter().for_each(|(k, v)| f(k, v)),
        other => {
            for (k, v) in into_pairs(other)? {
                f(k, v);
            }
        }
    }
    Ok(())
}

/// Key/value results: KEY_VALUE answers arrive as `KeyValueList`
/// (DESIGN.md §4.2); accept a map or a flat `[k, v, ...]` list too.
fn into_pairs(v: AsValue) -> Result<Vec<(AsValue, AsValue)>> {
    Ok(match v {
        AsValue::Nil => Vec::new(),
        AsValue::KeyValueList(pairs) => pairs,
        AsValue::OrderedMap(m) => m.into_iter().collect(),
        AsValue::SortedMap(m) => m.into_iter().collect(),
        AsValue::HashMap(m) => m.into_iter().collect(),
        AsValue::List(items) if items.len() % 2 == 0 => {
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        other => {
            return Err(Error::decode(format!(
                "expected key/value pairs, got a stored {}",
                crate::codec::label(&other)
            )))
        }
    })
}
