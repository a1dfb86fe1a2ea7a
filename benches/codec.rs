//! Codec benchmark: encode (WriteRow -> record operations) and decode
//! (stored slot as the client returns it -> EntityRow) for the NARROW and
//! WIDE shapes of docs/benchmark-workload.md, 1000 rows per iteration. No server involved:
//! this is our own CPU cost per row and per value.
//!
//! Run: `cargo bench --bench codec` (results in docs/benchmarks.md, ## Codec).

#[path = "support/workload.rs"]
mod workload;

use aerospike::Value as AsValue;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use feast_aerospike::codec::{encode_row_features, ms_to_timestamp, timestamp_to_ms};
use feast_aerospike::layout;
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::ViewPlan;
use workload::{base36, h, unit_f64, EPOCH_2024_MS};

const ROWS: usize = 1000;

fn val(v: Val) -> Value {
    Value { val: Some(v) }
}

fn narrow_view() -> FeatureView {
    let f = |n: &str, t: Vt| Feature {
        name: n.into(),
        value_type: t as i32,
    };
    FeatureView {
        name: "driver_narrow".into(),
        features: vec![
            f("i64_0", Vt::Int64),
            f("i64_1", Vt::Int64),
            f("i64_2", Vt::Int64),
            f("f64_0", Vt::Double),
            f("f64_1", Vt::Double),
            f("f64_2", Vt::Double),
            f("str_0", Vt::String),
            f("str_1", Vt::String),
            f("bool_0", Vt::Bool),
            f("f32_0", Vt::Float),
        ],
    }
}

fn narrow_value(i: usize, h: u64) -> Value {
    match i {
        0 => val(Val::Int64Val((h % 1000) as i64)),
        1 => val(Val::Int64Val((h % (1 << 32)) as i64)),
        2 => val(Val::Int64Val(h as i64)),
        3..=5 => val(Val::DoubleVal(unit_f64(h))),
        6 | 7 => val(Val::StringVal(base36(h))),
        8 => val(Val::BoolVal(h & 1 == 1)),
        _ => val(Val::FloatVal(
            (h >> 40) as f32 * (1.0 / (1u32 << 24) as f32),
        )),
    }
}

fn wide_view() -> FeatureView {
    FeatureView {
        name: "driver_wide".into(),
        features: (0..100)
            .map(|i| Feature {
                name: format!("w{i:03}"),
                value_type: Vt::Double as i32,
            })
            .collect(),
    }
}

fn rows(view: &FeatureView, tag: u64, value: impl Fn(usize, u64) -> Value) -> Vec<WriteRow> {
    (0..ROWS as u64)
        .map(|id| {
            let event = EPOCH_2024_MS + id as i64 * 1000;
            WriteRow {
                entity_key: Some(EntityKey {
                    join_keys: vec!["driver_id".into()],
                    entity_values: vec![val(Val::Int64Val(id as i64))],
                }),
                values: view
                    .features
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name.clone(), value(i, h(tag, id, i as u64))))
                    .collect(),
                event_timestamp: Some(ms_to_timestamp(event)),
                created_timestamp: Some(ms_to_timestamp(event + 1000)),
            }
        })
        .collect()
}

/// The stored slot of each row as the client hands it back: a plain map
/// decoded into `Value::OrderedMap`.
fn stored(rows: &[WriteRow]) -> Vec<AsValue> {
    rows.iter()
        .map(|r| AsValue::OrderedMap(encode_row_features(r).unwrap()))
        .collect()
}

fn bench_shape(c: &mut Criterion, shape: &str, view: &FeatureView, rows: &[WriteRow]) {
    let policy = layout::ordered_map_policy();
    let mut g = c.benchmark_group(format!("codec/{shape}"));
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("encode", |b| {
        b.iter(|| {
            for r in rows {
                let features = encode_row_features(r).unwrap();
                let ops = layout::write_ops(
                    &policy,
                    &view.name,
                    features,
                    timestamp_to_ms(r.event_timestamp.as_ref().unwrap()),
                    r.created_timestamp.as_ref().map(timestamp_to_ms),
                );
                criterion::black_box(ops);
            }
        })
    });
    let slots = stored(rows);
    let plan = ViewPlan::new(view, &[]);
    g.bench_function("decode", |b| {
        b.iter_batched(
            || slots.clone(),
            |slots| {
                let mut out = Vec::with_capacity(slots.len());
                for s in slots {
                    let mut row = EntityRow::default();
                    plan.fill(&mut row, s).unwrap();
                    out.push(row);
                }
                out
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn codec(c: &mut Criterion) {
    let narrow = narrow_view();
    let narrow_rows = rows(&narrow, 1, narrow_value);
    bench_shape(c, "narrow", &narrow, &narrow_rows);
    let wide = wide_view();
    let wide_rows = rows(&wide, 2, |_, h| val(Val::DoubleVal(unit_f64(h))));
    bench_shape(c, "wide", &wide, &wide_rows);
}

criterion_group!(benches, codec);
criterion_main!(benches);
