//! A `WriteBatchRequest` taken apart straight from its bytes, for the direct
//! write path: no `BTreeMap<String, Value>` per row, no `String` per feature
//! name (names borrow the request bytes), one arena of values for the whole
//! request. prost still decodes the small messages (the feature view, each
//! entity key, timestamp and value), with the semantics prost gives the whole
//! request: a repeated message field merges, a map entry without a key or
//! value has the default one, the last entry of a duplicated map key wins,
//! unknown fields are skipped, and malformed bytes anywhere fail the whole
//! request before anything is written.

use prost::Message;
use prost_types::Timestamp;

use super::pbuf::{Field, Reader};
use super::write::RowSource;
use crate::proto::v1::{EntityKey, FeatureView, Value};

/// The request, its rows borrowing `bytes`.
pub struct WriteRequest<'a> {
    pub feature_view: Option<FeatureView>,
    pub timeout_ms: u32,
    rows: Vec<RowSpec>,
    /// Every row's features, each row's run sorted by name.
    values: Vec<(&'a str, Value)>,
}

struct RowSpec {
    entity_key: Option<EntityKey>,
    event_timestamp: Option<Timestamp>,
    created_timestamp: Option<Timestamp>,
    /// The row's run in `values`.
    start: usize,
    end: usize,
    /// Distinct feature names (a repeated name counts once).
    distinct: usize,
}

/// One row of a [`WriteRequest`].
#[derive(Clone, Copy)]
pub struct RawRow<'r> {
    spec: &'r RowSpec,
    values: &'r [(&'r str, Value)],
}

impl<'a> WriteRequest<'a> {
    /// Take `bytes` apart; the error reads like prost's.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let mut request = WriteRequest {
            feature_view: None,
            timeout_ms: 0,
            rows: Vec::new(),
            values: Vec::new(),
        };
        let mut r = Reader::new(bytes);
        while let Some((number, field)) = r.next_field()? {
            match (number, field) {
                (1, Field::Len(b)) => request
                    .feature_view
                    .get_or_insert_with(Default::default)
                    .merge(b)
                    .map_err(|e| format!("WriteBatchRequest.feature_view: {e}"))?,
                (2, Field::Len(b)) => {
                    let at = request.rows.len();
                    let row = parse_row(b, &mut request.values)
                        .map_err(|e| format!("WriteBatchRequest.rows[{at}]: {e}"))?;
                    request.rows.push(row);
                }
                (3, Field::Varint(v)) => request.timeout_ms = v as u32,
                (1..=3, _) => return Err(wrong_type("WriteBatchRequest", number)),
                _ => {}
            }
        }
        Ok(request)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, in request order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = RawRow<'_>> + '_ {
        self.rows.iter().map(|spec| RawRow {
            spec,
            values: &self.values[spec.start..spec.end],
        })
    }
}

fn wrong_type(message: &str, number: u32) -> String {
    format!("{message} field {number}: invalid wire type")
}

fn parse_row<'a>(bytes: &'a [u8], values: &mut Vec<(&'a str, Value)>) -> Result<RowSpec, String> {
    let start = values.len();
    let mut row = RowSpec {
        entity_key: None,
        event_timestamp: None,
        created_timestamp: None,
        start,
        end: start,
        distinct: 0,
    };
    let mut r = Reader::new(bytes);
    while let Some((number, field)) = r.next_field()? {
        match (number, field) {
            (1, Field::Len(b)) => row
                .entity_key
                .get_or_insert_with(Default::default)
                .merge(b)
                .map_err(|e| format!("entity_key: {e}"))?,
            (2, Field::Len(b)) => values.push(parse_entry(b).map_err(|e| format!("values: {e}"))?),
            (3, Field::Len(b)) => row
                .event_timestamp
                .get_or_insert_with(Default::default)
                .merge(b)
                .map_err(|e| format!("event_timestamp: {e}"))?,
            (4, Field::Len(b)) => row
                .created_timestamp
                .get_or_insert_with(Default::default)
                .merge(b)
                .map_err(|e| format!("created_timestamp: {e}"))?,
            (1..=4, _) => return Err(wrong_type("WriteRow", number)),
            _ => {}
        }
    }
    row.end = values.len();
    // Key order, as the map prost decodes (a BTreeMap); stable, so the
    // last of a repeated name stays last and wins (see `RawRow::features`).
    let run = &mut values[start..];
    run.sort_by(|a, b| a.0.cmp(b.0));
    row.distinct = run.len() - run.windows(2).filter(|w| w[0].0 == w[1].0).count();
    Ok(row)
}

/// One `map<string, Value>` entry: key 1, value 2, either may be absent.
fn parse_entry(bytes: &[u8]) -> Result<(&str, Value), String> {
    let mut key: &str = "";
    let mut value = Value::default();
    let mut r = Reader::new(bytes);
    while let Some((number, field)) = r.next_field()? {
        match (number, field) {
            (1, Field::Len(b)) => {
                key = std::str::from_utf8(b)
                    .map_err(|_| "invalid string value: data is not UTF-8 encoded")?;
            }
            (2, Field::Len(b)) => value.merge(b).map_err(|e| e.to_string())?,
            (1..=2, _) => return Err(wrong_type("map entry", number)),
            _ => {}
        }
    }
    Ok((key, value))
}

impl RowSource for RawRow<'_> {
    fn entity_key(&self) -> Option<&EntityKey> {
        self.spec.entity_key.as_ref()
    }

    fn event_timestamp(&self) -> Option<&Timestamp> {
        self.spec.event_timestamp.as_ref()
    }

    fn created_timestamp(&self) -> Option<&Timestamp> {
        self.spec.created_timestamp.as_ref()
    }

    fn feature_count(&self) -> usize {
        self.spec.distinct
    }

    fn for_each_feature(
        &self,
        f: &mut dyn FnMut(&str, &Value) -> Result<(), String>,
    ) -> Result<(), String> {
        let v = self.values;
        for (i, (name, value)) in v.iter().enumerate() {
            // A repeated name: only its last occurrence counts.
            if v.get(i + 1).is_some_and(|next| next.0 == *name) {
                continue;
            }
            f(name, value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::v1::{value::Val, WriteBatchRequest, WriteRow};

    fn decoded_rows(req: &WriteRequest<'_>) -> Vec<WriteRow> {
        req.rows()
            .map(|r| {
                let mut values = std::collections::BTreeMap::new();
                r.for_each_feature(&mut |k, v| {
                    values.insert(k.to_string(), v.clone());
                    Ok(())
                })
                .unwrap();
                assert_eq!(r.feature_count(), values.len());
                WriteRow {
                    entity_key: r.entity_key().cloned(),
                    values,
                    event_timestamp: r.event_timestamp().cloned(),
                    created_timestamp: r.created_timestamp().cloned(),
                }
            })
            .collect()
    }

    fn same_as_prost(bytes: &[u8]) {
        let want = WriteBatchRequest::decode(bytes);
        let got = WriteRequest::parse(bytes);
        match (want, got) {
            (Ok(want), Ok(got)) => {
                assert_eq!(got.feature_view, want.feature_view);
                assert_eq!(got.timeout_ms, want.timeout_ms);
                // Debug text: NaN values compare equal only as text.
                assert_eq!(
                    format!("{:?}", decoded_rows(&got)),
                    format!("{:?}", want.rows)
                );
            }
            (Err(_), Err(_)) => {}
            (want, got) => panic!(
                "prost says {:?}, the direct reader {:?}",
                want.map(|_| ()),
                got.map(|_| ())
            ),
        }
    }

    fn val(v: Val) -> Value {
        Value { val: Some(v) }
    }

    fn request() -> WriteBatchRequest {
        let mut rows = Vec::new();
        for i in 0..3i64 {
            let mut values = std::collections::BTreeMap::new();
            values.insert("zeta".to_string(), val(Val::Int64Val(i)));
            values.insert("alpha".to_string(), val(Val::StringVal(format!("é{i}"))));
            values.insert("mid".to_string(), val(Val::DoubleVal(f64::NAN)));
            values.insert("unset".to_string(), Value::default());
            rows.push(WriteRow {
                entity_key: Some(EntityKey {
                    join_keys: vec!["driver".into()],
                    entity_values: vec![val(Val::Int64Val(i))],
                }),
                values,
                event_timestamp: Some(Timestamp {
                    seconds: 1_700_000_000 + i,
                    nanos: 5,
                }),
                created_timestamp: (i != 1).then_some(Timestamp {
                    seconds: 9,
                    nanos: 0,
                }),
            });
        }
        rows.push(WriteRow::default());
        WriteBatchRequest {
            feature_view: Some(FeatureView {
                name: "fv".into(),
                ..Default::default()
            }),
            rows,
            timeout_ms: 250,
        }
    }

    #[test]
    fn reads_what_prost_reads() {
        same_as_prost(&request().encode_to_vec());
        same_as_prost(&[]);
        same_as_prost(&WriteBatchRequest::default().encode_to_vec());
    }

    #[test]
    fn repeated_fields_and_keys_follow_protobuf_rules() {
        let base = request().encode_to_vec();
        // A second copy of the same request appended: rows repeat, the
        // feature view merges, the timeout is the last one.
        let mut twice = base.clone();
        twice.extend_from_slice(&base);
        same_as_prost(&twice);
        // A row whose map repeats a key (the last wins) and whose timestamp
        // comes twice (merged).
        let row = WriteRow {
            values: [("k".to_string(), val(Val::Int64Val(1)))].into(),
            event_timestamp: Some(Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        };
        let mut row_bytes = row.encode_to_vec();
        let later = WriteRow {
            values: [
                ("k".to_string(), val(Val::Int64Val(2))),
                ("a".to_string(), val(Val::BoolVal(true))),
            ]
            .into(),
            event_timestamp: Some(Timestamp {
                seconds: 0,
                nanos: 7,
            }),
            ..Default::default()
        };
        row_bytes.extend_from_slice(&later.encode_to_vec());
        let mut req = Vec::new();
        prost::encoding::bytes::encode(2, &row_bytes, &mut req);
        same_as_prost(&req);
        let parsed = WriteRequest::parse(&req).unwrap();
        let rows = decoded_rows(&parsed);
        assert_eq!(rows[0].values["k"], val(Val::Int64Val(2)));
        assert_eq!(parsed.rows().next().unwrap().feature_count(), 2);
        // Unknown fields of every wire type are skipped.
        let mut unknown = request().encode_to_vec();
        unknown.extend_from_slice(&[0x78, 0x01]); // field 15 varint
        unknown.extend_from_slice(&[0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]); // field 16 fixed64
        unknown.extend_from_slice(&[0x8d, 0x01, 1, 2, 3, 4]); // field 17 fixed32
        unknown.extend_from_slice(&[0x93, 0x01, 0x08, 0x01, 0x94, 0x01]); // group 18
        same_as_prost(&unknown);
        assert!(WriteRequest::parse(&unknown).is_ok());
    }

    #[test]
    fn malformed_bytes_fail_like_prost() {
        let good = request().encode_to_vec();
        // Every truncation, and every single-byte corruption of a prefix.
        for n in 0..good.len() {
            same_as_prost(&good[..n]);
        }
        for i in 0..good.len().min(200) {
            for b in [0x00, 0x07, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] = b;
                same_as_prost(&bad);
            }
        }
        // A map key that is not UTF-8.
        let entry = [0x0a, 0x01, 0xff];
        let mut row = vec![0x12, entry.len() as u8];
        row.extend_from_slice(&entry);
        let mut req = vec![0x12, row.len() as u8];
        req.extend_from_slice(&row);
        assert!(WriteBatchRequest::decode(req.as_slice()).is_err());
        let e = WriteRequest::parse(&req).err().unwrap();
        assert!(e.contains("UTF-8"), "{e}");
        // A known field with the wrong wire type.
        assert!(WriteRequest::parse(&[0x10, 0x01]).is_err());
        assert!(WriteBatchRequest::decode([0x10u8, 0x01].as_slice()).is_err());
    }
}
