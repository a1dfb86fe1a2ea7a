//! A `ReadRequest` taken apart straight from its bytes, for the direct read
//! path: feature and view names borrow the request bytes, so a wide view's
//! declaration (a `Feature` message per feature) costs no `String` per
//! feature per call. prost decodes only the entity keys. The semantics are
//! those prost gives the whole request: a repeated message field merges (a
//! `feature_view` given twice keeps the last name and both feature lists),
//! a repeated scalar's last occurrence wins, unknown fields are skipped, and
//! malformed bytes anywhere fail the request before anything is sent.

use std::borrow::Cow;

use prost::Message;

use super::pbuf::{Field, Reader};
use crate::proto::v1::{EntityKey, ReadRequest};

/// The request, its names borrowing the bytes (or a decoded `ReadRequest`).
pub struct ReadRequestRef<'a> {
    /// Decoded from the bytes, or borrowed from a decoded request.
    pub entity_keys: Cow<'a, [EntityKey]>,
    pub views: Vec<ViewReadRef<'a>>,
    pub timeout_ms: u32,
}

/// One `ViewRead`.
#[derive(Default)]
pub struct ViewReadRef<'a> {
    /// The feature view's name ("" when absent).
    pub name: &'a str,
    /// Whether a feature view was given at all.
    pub has_view: bool,
    /// Declared features: (name, value type), in declared order.
    pub features: Vec<(&'a str, i32)>,
    pub requested: Vec<&'a str>,
}

impl<'a> ReadRequestRef<'a> {
    /// Take `bytes` apart; the error reads like prost's.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let mut keys: Vec<EntityKey> = Vec::new();
        let mut views = Vec::new();
        let mut timeout_ms = 0;
        let mut r = Reader::new(bytes);
        while let Some((number, field)) = r.next_field()? {
            match (number, field) {
                (1, Field::Len(b)) => {
                    let at = keys.len();
                    let key = EntityKey::decode(b)
                        .map_err(|e| format!("ReadRequest.entity_keys[{at}]: {e}"))?;
                    keys.push(key);
                }
                (2, Field::Len(b)) => {
                    let at = views.len();
                    let view =
                        parse_view_read(b).map_err(|e| format!("ReadRequest.views[{at}]: {e}"))?;
                    views.push(view);
                }
                (3, Field::Varint(v)) => timeout_ms = v as u32,
                (1..=3, _) => return Err(wrong_type("ReadRequest", number)),
                _ => {}
            }
        }
        Ok(ReadRequestRef {
            entity_keys: Cow::Owned(keys),
            views,
            timeout_ms,
        })
    }

    /// A decoded request, borrowed (the Rust API's `read_encoded`).
    pub fn borrow(request: &'a ReadRequest) -> Self {
        ReadRequestRef {
            entity_keys: Cow::Borrowed(&request.entity_keys),
            views: request
                .views
                .iter()
                .map(|v| {
                    let fv = v.feature_view.as_ref();
                    ViewReadRef {
                        name: fv.map_or("", |f| f.name.as_str()),
                        has_view: fv.is_some(),
                        features: fv.map_or_else(Vec::new, |f| {
                            f.features
                                .iter()
                                .map(|f| (f.name.as_str(), f.value_type))
                                .collect()
                        }),
                        requested: v.requested_features.iter().map(String::as_str).collect(),
                    }
                })
                .collect(),
            timeout_ms: request.timeout_ms,
        }
    }
}

fn wrong_type(message: &str, number: u32) -> String {
    format!("{message} field {number}: invalid wire type")
}

fn utf8(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|_| "invalid string value: data is not UTF-8 encoded".into())
}

fn parse_view_read(bytes: &[u8]) -> Result<ViewReadRef<'_>, String> {
    let mut view = ViewReadRef::default();
    let mut r = Reader::new(bytes);
    while let Some((number, field)) = r.next_field()? {
        match (number, field) {
            (1, Field::Len(b)) => {
                view.has_view = true;
                parse_feature_view(b, &mut view).map_err(|e| format!("feature_view: {e}"))?;
            }
            (2, Field::Len(b)) => view
                .requested
                .push(utf8(b).map_err(|e| format!("requested_features: {e}"))?),
            (1..=2, _) => return Err(wrong_type("ViewRead", number)),
            _ => {}
        }
    }
    Ok(view)
}

/// Merge one `FeatureView` message into `view`.
fn parse_feature_view<'a>(bytes: &'a [u8], view: &mut ViewReadRef<'a>) -> Result<(), String> {
    let mut r = Reader::new(bytes);
    while let Some((number, field)) = r.next_field()? {
        match (number, field) {
            (1, Field::Len(b)) => view.name = utf8(b).map_err(|e| format!("name: {e}"))?,
            (2, Field::Len(b)) => {
                let at = view.features.len();
                let feature = parse_feature(b).map_err(|e| format!("features[{at}]: {e}"))?;
                view.features.push(feature);
            }
            (1..=2, _) => return Err(wrong_type("FeatureView", number)),
            _ => {}
        }
    }
    Ok(())
}

fn parse_feature(bytes: &[u8]) -> Result<(&str, i32), String> {
    let (mut name, mut value_type) = ("", 0);
    let mut r = Reader::new(bytes);
    while let Some((number, field)) = r.next_field()? {
        match (number, field) {
            (1, Field::Len(b)) => name = utf8(b).map_err(|e| format!("name: {e}"))?,
            (2, Field::Varint(v)) => value_type = v as i32,
            (1..=2, _) => return Err(wrong_type("Feature", number)),
            _ => {}
        }
    }
    Ok((name, value_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v1::{value::Val, Feature, FeatureView, Value, ViewRead};

    fn request() -> ReadRequest {
        let view = |name: &str, n: usize| FeatureView {
            name: name.into(),
            features: (0..n)
                .map(|i| Feature {
                    name: format!("f_é{i}"),
                    value_type: (i % 20) as i32,
                })
                .collect(),
        };
        ReadRequest {
            entity_keys: (0..3)
                .map(|i| EntityKey {
                    join_keys: vec!["driver".into()],
                    entity_values: vec![Value {
                        val: Some(Val::Int64Val(i)),
                    }],
                })
                .collect(),
            views: vec![
                ViewRead {
                    feature_view: Some(view("wide", 200)),
                    requested_features: vec![],
                },
                ViewRead {
                    feature_view: Some(view("p", 3)),
                    requested_features: vec!["f_é2".into(), "nope".into(), "f_é2".into()],
                },
                ViewRead {
                    feature_view: None,
                    requested_features: vec![],
                },
            ],
            timeout_ms: 77,
        }
    }

    /// What the direct reader sees, compared with prost's view of the bytes.
    fn same_as_prost(bytes: &[u8]) {
        let want = ReadRequest::decode(bytes);
        let got = ReadRequestRef::parse(bytes);
        match (want, got) {
            (Ok(want), Ok(got)) => {
                assert_eq!(*got.entity_keys, *want.entity_keys);
                assert_eq!(got.timeout_ms, want.timeout_ms);
                let borrowed = ReadRequestRef::borrow(&want);
                assert_eq!(got.views.len(), borrowed.views.len());
                for (g, w) in got.views.iter().zip(&borrowed.views) {
                    assert_eq!(
                        (g.name, g.has_view, &g.features, &g.requested),
                        (w.name, w.has_view, &w.features, &w.requested)
                    );
                }
            }
            (Err(_), Err(_)) => {}
            (want, got) => panic!(
                "prost says {:?}, the direct reader {:?}",
                want.map(|_| ()),
                got.map(|_| ())
            ),
        }
    }

    #[test]
    fn reads_what_prost_reads() {
        let bytes = request().encode_to_vec();
        same_as_prost(&bytes);
        same_as_prost(&[]);
        // Twice: keys and views repeat, the timeout is the last one.
        let mut twice = bytes.clone();
        twice.extend_from_slice(&bytes);
        same_as_prost(&twice);
        // A view whose feature_view comes twice: merged.
        let a = ViewRead {
            feature_view: Some(FeatureView {
                name: "a".into(),
                features: vec![Feature {
                    name: "x".into(),
                    value_type: 4,
                }],
            }),
            requested_features: vec!["x".into()],
        };
        let b = ViewRead {
            feature_view: Some(FeatureView {
                name: "b".into(),
                features: vec![Feature {
                    name: "y".into(),
                    value_type: 2,
                }],
            }),
            requested_features: vec![],
        };
        let mut view = a.encode_to_vec();
        view.extend_from_slice(&b.encode_to_vec());
        let mut req = Vec::new();
        prost::encoding::bytes::encode(2, &view, &mut req);
        same_as_prost(&req);
        let parsed = ReadRequestRef::parse(&req).unwrap();
        assert_eq!(parsed.views[0].name, "b");
        assert_eq!(parsed.views[0].features, [("x", 4), ("y", 2)]);
    }

    #[test]
    fn malformed_bytes_fail_like_prost() {
        let good = request().encode_to_vec();
        for n in 0..good.len().min(600) {
            same_as_prost(&good[..n]);
        }
        for i in 0..good.len().min(300) {
            for b in [0x00, 0x07, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] = b;
                same_as_prost(&bad);
            }
        }
    }
}
