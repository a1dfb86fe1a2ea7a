//! Interop with Feast 0.67's real Python `AerospikeOnlineStore` (PyPI
//! `feast[aerospike]==0.67.0`, client `aerospike==19.3.0`) through the test
//! server: Python writes -> we read equal Values, we write -> Python reads
//! equal Values, composite keys, overrides, update and teardown effects.
//!
//! Python runs `tests/interop/feast_side.py`. When Feast is not installed
//! this test fails: set FEAST_AEROSPIKE_SKIP_INTEROP=1 to skip it knowingly.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::*;
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::OnlineStore;
use feast_aerospike_testserver::TestServer;
use prost::Message;
use serde_json::{json, Value as Json};

fn skip() -> bool {
    if std::env::var_os("FEAST_AEROSPIKE_SKIP_INTEROP").is_some() {
        eprintln!("FEAST_AEROSPIKE_SKIP_INTEROP is set: interop with Feast skipped");
        return true;
    }
    false
}

/// Feast's Python store in a child process serving requests line by line.
struct Feast {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Feast {
    fn start(server: &TestServer) -> Feast {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/feast_side.py");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = Command::new(&python)
            .arg(script)
            .env("PYTHONWARNINGS", "ignore")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {python}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Feast {
            child,
            stdin,
            stdout,
            port: server.addr().port(),
        }
    }

    /// Run one request through Feast's Python store.
    fn call(&mut self, store: Json, mut request: Json) -> Json {
        request["port"] = json!(self.port);
        request["project"] = json!("demo");
        request["store"] = store;
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(
            !line.is_empty(),
            "the Feast side exited (install feast[aerospike]==0.67.0, or set \
             FEAST_AEROSPIKE_SKIP_INTEROP=1)"
        );
        let answer: Json = serde_json::from_str(&line).expect("Feast side answers JSON");
        if let Some(e) = answer.get("error") {
            panic!(
                "Feast side failed on {}:\n{}",
                request["op"],
                e.as_str().unwrap_or("")
            );
        }
        answer["ok"].clone()
    }
}

impl Drop for Feast {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn enc<M: Message>(m: &M) -> String {
    B64.encode(m.encode_to_vec())
}

fn dec<M: Message + Default>(s: &Json) -> M {
    M::decode(B64.decode(s.as_str().unwrap()).unwrap().as_slice()).unwrap()
}

fn view_json(fv: &FeatureView) -> Json {
    json!({
        "name": fv.name,
        "features": fv.features.iter().map(|f| json!([f.name, f.value_type])).collect::<Vec<_>>(),
    })
}

fn python_write(py: &mut Feast, store: Json, fv: &FeatureView, rows: &[WriteRow]) -> Json {
    let rows: Vec<Json> = rows
        .iter()
        .map(|r| {
            json!({
                "entity_key": enc(r.entity_key.as_ref().unwrap()),
                "values": r.values.iter().map(|(k, v)| (k.clone(), json!(enc(v)))).collect::<serde_json::Map<_, _>>(),
                "event_ts_ms": feast_aerospike::codec::timestamp_to_ms(r.event_timestamp.as_ref().unwrap()),
                "created_ts_ms": r.created_timestamp.as_ref().map(feast_aerospike::codec::timestamp_to_ms),
            })
        })
        .collect();
    py.call(
        store,
        json!({"op": "write", "view": view_json(fv), "rows": rows}),
    )
}

/// One row of Feast's online_read: event time (ms) and feature values.
type PyRow = (Option<i64>, Vec<(String, Value)>);

/// Feast's online_read: per entity None or (ts_ms, {feature: Value}).
fn python_read(
    py: &mut Feast,
    store: Json,
    fv: &FeatureView,
    keys: &[EntityKey],
    requested: Option<&[&str]>,
) -> Vec<Option<PyRow>> {
    let out = py.call(
        store,
        json!({
            "op": "read",
            "view": view_json(fv),
            "entity_keys": keys.iter().map(enc).collect::<Vec<_>>(),
            "requested": requested,
        }),
    );
    out["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            if r.is_null() {
                return None;
            }
            let values = r["values"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), dec::<Value>(v)))
                .collect();
            Some((r["ts_ms"].as_i64(), values))
        })
        .collect()
}

/// Every type Feast's Python store can write, one feature each.
fn python_writable() -> Vec<(&'static str, Vt, Value)> {
    let map = |k: &str, v: Value| Map {
        val: [(k.to_string(), v)].into_iter().collect(),
    };
    vec![
        ("i32", Vt::Int32, val(Val::Int32Val(-7))),
        ("i64", Vt::Int64, val(Val::Int64Val(1 << 40))),
        ("dbl", Vt::Double, val(Val::DoubleVal(4.91))),
        ("flt", Vt::Float, val(Val::FloatVal(0.1))),
        ("str", Vt::String, val(Val::StringVal("héllo".into()))),
        ("byt", Vt::Bytes, val(Val::BytesVal(vec![0, 1, 255]))),
        ("bol", Vt::Bool, val(Val::BoolVal(true))),
        (
            "i32l",
            Vt::Int32List,
            val(Val::Int32ListVal(Int32List { val: vec![1, -2] })),
        ),
        (
            "i64l",
            Vt::Int64List,
            val(Val::Int64ListVal(Int64List { val: vec![3, 4] })),
        ),
        (
            "dbll",
            Vt::DoubleList,
            val(Val::DoubleListVal(DoubleList {
                val: vec![1.5, -0.25],
            })),
        ),
        (
            "fltl",
            Vt::FloatList,
            val(Val::FloatListVal(FloatList {
                val: vec![0.1, 2.0],
            })),
        ),
        (
            "strl",
            Vt::StringList,
            val(Val::StringListVal(StringList {
                val: vec!["a".into(), "".into()],
            })),
        ),
        (
            "bytl",
            Vt::BytesList,
            val(Val::BytesListVal(BytesList {
                val: vec![b"x".to_vec()],
            })),
        ),
        (
            "boll",
            Vt::BoolList,
            val(Val::BoolListVal(BoolList {
                val: vec![true, false],
            })),
        ),
        (
            "map",
            Vt::Map,
            val(Val::MapVal(map("k", val(Val::Int64Val(1))))),
        ),
        (
            "mapl",
            Vt::MapList,
            val(Val::MapListVal(MapList {
                val: vec![map("a", val(Val::StringVal("b".into())))],
            })),
        ),
        (
            "json",
            Vt::Json,
            val(Val::JsonVal(r#"{"a": [1, 2.5, null], "b": "c"}"#.into())),
        ),
        (
            "jsonl",
            Vt::JsonList,
            val(Val::JsonListVal(StringList {
                val: vec![r#"{"k": true}"#.into()],
            })),
        ),
        (
            "vlist",
            Vt::ValueList,
            val(Val::ListVal(RepeatedValue {
                val: vec![val(Val::Int64ListVal(Int64List { val: vec![1, 2] }))],
            })),
        ),
        (
            "smap",
            Vt::ScalarMap,
            val(Val::ScalarMapVal(ScalarMap {
                val: vec![ScalarMapEntry {
                    key: Some(MapKey {
                        key: Some(map_key::Key::Int64Key(7)),
                    }),
                    value: Some(val(Val::StringVal("seven".into()))),
                }],
            })),
        ),
        ("unset", Vt::Int64, Value::default()),
    ]
}

/// Types only we can write, in the form Feast's Python reader accepts.
fn rust_only() -> Vec<(&'static str, Vt, Value)> {
    vec![
        (
            "ts",
            Vt::UnixTimestamp,
            val(Val::UnixTimestampVal(1_700_000_000)),
        ),
        (
            "tsl",
            Vt::UnixTimestampList,
            val(Val::UnixTimestampListVal(Int64List { val: vec![1, 2] })),
        ),
        (
            "i64s",
            Vt::Int64Set,
            val(Val::Int64SetVal(Int64Set { val: vec![5] })),
        ),
        (
            "strs",
            Vt::StringSet,
            val(Val::StringSetVal(StringSet {
                val: vec!["s".into()],
            })),
        ),
        (
            "dbls",
            Vt::DoubleSet,
            val(Val::DoubleSetVal(DoubleSet { val: vec![0.5] })),
        ),
        (
            "bols",
            Vt::BoolSet,
            val(Val::BoolSetVal(BoolSet { val: vec![true] })),
        ),
        (
            "uuid",
            Vt::Uuid,
            val(Val::UuidVal("6f9619ff-8b86-4011-b42d-00c04fc964ff".into())),
        ),
        (
            "uuidl",
            Vt::UuidList,
            val(Val::UuidListVal(StringList {
                val: vec!["6f9619ff-8b86-4011-b42d-00c04fc964ff".into()],
            })),
        ),
        ("dec", Vt::Decimal, val(Val::DecimalVal("12.50".into()))),
        (
            "decl",
            Vt::DecimalList,
            val(Val::DecimalListVal(StringList {
                val: vec!["1.5".into()],
            })),
        ),
    ]
}

fn composite(id: i64, region: &str) -> EntityKey {
    EntityKey {
        join_keys: vec!["region".into(), "driver_id".into()],
        entity_values: vec![val(Val::StringVal(region.into())), val(Val::Int64Val(id))],
    }
}

fn rows_for(cases: &[(&str, Vt, Value)], keys: &[EntityKey]) -> Vec<WriteRow> {
    let values: Vec<(&str, Value)> = cases.iter().map(|(n, _, v)| (*n, v.clone())).collect();
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let mut r = row(k.clone(), &values, 1_776_688_245_123 + i as i64);
            r.created_timestamp = Some(ts(1_776_688_246_000));
            r
        })
        .collect()
}

fn view_of(name: &str, cases: &[(&str, Vt, Value)]) -> FeatureView {
    view(
        name,
        &cases.iter().map(|(n, t, _)| (*n, *t)).collect::<Vec<_>>(),
    )
}

fn our_read(store: &OnlineStore, fv: &FeatureView, keys: &[EntityKey]) -> ViewResult {
    read(store, keys.to_vec(), &[(fv, &[])])
        .unwrap()
        .views
        .remove(0)
}

#[test]
fn python_writes_we_read_every_type() {
    if skip() {
        return;
    }
    let server = server();
    let mut py = Feast::start(&server);
    let cases = python_writable();
    let fv = view_of("py_written", &cases);
    let keys = vec![driver(1), composite(2, "eu"), driver(3)];
    let out = python_write(
        &mut py,
        json!({"batch_max_records": 2}),
        &fv,
        &rows_for(&cases, &keys),
    );
    assert_eq!(
        out["progress"],
        json!([2, 3]),
        "Feast chunks at batch_max_records"
    );
    let store = connect(&server, "");
    let got = our_read(
        &store,
        &fv,
        &[
            keys[2].clone(),
            driver(404),
            keys[0].clone(),
            keys[1].clone(),
        ],
    );
    assert!(!got.rows[1].found);
    for (row, ts_ms) in [
        (&got.rows[0], 1_776_688_245_125),
        (&got.rows[2], 1_776_688_245_123),
    ] {
        assert!(row.found);
        assert_eq!(row.event_timestamp, Some(ts(ts_ms)));
        for (i, (name, _, want)) in cases.iter().enumerate() {
            assert_eq!(&row.values[i], want, "{name}");
        }
    }
    assert!(got.rows[3].found, "composite key written by Python");
    // Projection on Python-written data.
    let p = read(&store, vec![keys[1].clone()], &[(&fv, &["str", "i64"])]).unwrap();
    assert_eq!(
        p.views[0].rows[0].values,
        vec![cases[4].2.clone(), cases[1].2.clone()]
    );
}

#[test]
fn we_write_python_reads_every_type() {
    if skip() {
        return;
    }
    let server = server();
    let mut py = Feast::start(&server);
    let store = connect(&server, "");
    let mut cases = python_writable();
    cases.extend(rust_only());
    let fv = view_of("rs_written", &cases);
    let keys = vec![driver(1), composite(2, "us")];
    write(&store, &fv, rows_for(&cases, &keys));
    let mut query = keys.clone();
    query.push(driver(404));
    let rows = python_read(&mut py, json!({}), &fv, &query, None);
    assert!(rows[2].is_none(), "Python sees the miss");
    for (i, r) in rows[..2].iter().enumerate() {
        let (ts_ms, values) = r.as_ref().expect("Python finds our record");
        assert_eq!(*ts_ms, Some(1_776_688_245_123 + i as i64));
        for (name, _, want) in &cases {
            let got = &values.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(got, want, "{name}");
        }
    }
    // Python's projected read of our data.
    let rows = python_read(&mut py, json!({}), &fv, &keys[1..], Some(&["dec", "str"]));
    let (_, values) = rows[0].as_ref().unwrap();
    let get = |n: &str| values.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(get("dec"), val(Val::DecimalVal("12.50".into())));
    assert_eq!(get("str"), val(Val::StringVal("héllo".into())));
}

#[test]
fn both_sides_share_records_views_and_overrides() {
    if skip() {
        return;
    }
    let server = server();
    let mut py = Feast::start(&server);
    let overrides = json!({
        "namespace_overrides": {"hot": "test"},
        "set_overrides": {"hot": "hot_set", "iso": "iso_set"},
    });
    let store = connect(
        &server,
        r#""namespace_overrides":{"hot":"test"},"set_overrides":{"hot":"hot_set","iso":"iso_set"}"#,
    );
    let a = view("shared_a", &[("x", Vt::Int64)]);
    let b = view("shared_b", &[("y", Vt::String)]);
    let hot = view("hot", &[("h", Vt::Double)]);
    let iso = view("iso", &[("z", Vt::Bool)]);
    // Python writes view a and hot; we write b and iso on the same entity.
    python_write(
        &mut py,
        overrides.clone(),
        &a,
        &[row(driver(1), &[("x", val(Val::Int64Val(5)))], 10)],
    );
    python_write(
        &mut py,
        overrides.clone(),
        &hot,
        &[row(driver(1), &[("h", val(Val::DoubleVal(2.5)))], 11)],
    );
    write(
        &store,
        &b,
        vec![row(
            driver(1),
            &[("y", val(Val::StringVal("rust".into())))],
            12,
        )],
    );
    write(
        &store,
        &iso,
        vec![row(driver(1), &[("z", val(Val::BoolVal(true)))], 13)],
    );
    assert_eq!(server.record_count("test", Some("hot_set")), 1);
    assert_eq!(server.record_count("feast", Some("iso_set")), 1);
    assert_eq!(server.record_count("feast", Some("demo_latest")), 1);
    // We read all four in one call; Python reads each.
    let got = read(
        &store,
        vec![driver(1)],
        &[(&a, &[]), (&b, &[]), (&hot, &[]), (&iso, &[])],
    )
    .unwrap();
    let vals: Vec<Value> = got
        .views
        .iter()
        .map(|v| v.rows[0].values[0].clone())
        .collect();
    assert_eq!(
        vals,
        vec![
            val(Val::Int64Val(5)),
            val(Val::StringVal("rust".into())),
            val(Val::DoubleVal(2.5)),
            val(Val::BoolVal(true))
        ]
    );
    for (fv, want, ts_ms) in [
        (&a, val(Val::Int64Val(5)), 10),
        (&b, val(Val::StringVal("rust".into())), 12),
        (&hot, val(Val::DoubleVal(2.5)), 11),
        (&iso, val(Val::BoolVal(true)), 13),
    ] {
        let rows = python_read(&mut py, overrides.clone(), fv, &[driver(1)], None);
        let (t, values) = rows[0]
            .as_ref()
            .unwrap_or_else(|| panic!("{} missing", fv.name));
        assert_eq!(*t, Some(ts_ms));
        assert_eq!(values[0].1, want, "{}", fv.name);
    }

    // Python's update() drops a and iso: we see them gone, b and hot kept.
    py.call(
        overrides.clone(),
        json!({"op": "update", "delete": [view_json(&a), view_json(&iso)], "keep": [view_json(&b)]}),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = read(
            &store,
            vec![driver(1)],
            &[(&a, &[]), (&b, &[]), (&hot, &[]), (&iso, &[])],
        )
        .unwrap();
        let found: Vec<bool> = got.views.iter().map(|v| v.rows[0].found).collect();
        if found == [false, true, true, false] {
            break;
        }
        assert!(Instant::now() < deadline, "update not applied: {found:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Our update() drops b: Python sees it gone.
    block_on(store.update(&UpdateRequest {
        views_to_delete: vec![b.clone()],
        views_to_keep: vec![],
        wait: true,
        timeout_ms: 10_000,
    }))
    .unwrap();
    assert!(python_read(&mut py, overrides.clone(), &b, &[driver(1)], None)[0].is_none());

    // Python's teardown truncates the default pair and every override pair.
    write(
        &store,
        &b,
        vec![row(
            driver(2),
            &[("y", val(Val::StringVal("again".into())))],
            1,
        )],
    );
    py.call(
        overrides.clone(),
        json!({"op": "teardown", "views": [view_json(&hot), view_json(&iso)]}),
    );
    assert_eq!(server.record_count("feast", None), 0);
    assert_eq!(server.record_count("test", None), 0);
    // Ours does the same for Python's data.
    python_write(
        &mut py,
        overrides.clone(),
        &hot,
        &[row(driver(3), &[("h", val(Val::DoubleVal(1.0)))], 1)],
    );
    python_write(
        &mut py,
        overrides.clone(),
        &a,
        &[row(driver(3), &[("x", val(Val::Int64Val(1)))], 1)],
    );
    block_on(store.teardown(&TeardownRequest {
        views: vec![hot.clone()],
        timeout_ms: 0,
    }))
    .unwrap();
    assert!(python_read(&mut py, overrides.clone(), &hot, &[driver(3)], None)[0].is_none());
    assert!(python_read(&mut py, overrides, &a, &[driver(3)], None)[0].is_none());
}

#[test]
fn event_time_safe_writes_respect_python_timestamps_and_python_reads_them() {
    if skip() {
        return;
    }
    let server = server();
    let mut py = Feast::start(&server);
    let store = connect(&server, r#""event_time_safe_writes":true"#);
    let fv = view("guarded", &[("trips", Vt::Int64)]);
    let trips = |id: i64, n: i64, ms: i64| row(driver(id), &[("trips", val(Val::Int64Val(n)))], ms);
    // Python (last-writer-wins) writes entity 1 at t=3000; our older row is
    // skipped; our row for entity 2 (absent) applies, then a stale one skips.
    python_write(&mut py, json!({}), &fv, &[trips(1, 30, 3_000)]);
    let send = |rows| {
        block_on(store.write_batch(&WriteBatchRequest {
            feature_view: Some(fv.clone()),
            rows,
            timeout_ms: 0,
        }))
        .unwrap()
    };
    let r = send(vec![trips(1, 25, 2_500), trips(2, 20, 2_000)]);
    assert_eq!((r.rows_written, r.skipped_stale_rows.clone()), (1, vec![0]));
    assert_eq!(send(vec![trips(2, 10, 1_000)]).skipped_stale_rows, vec![0]);
    let rows = python_read(&mut py, json!({}), &fv, &[driver(1), driver(2)], None);
    let got: Vec<(Option<i64>, Value)> = rows
        .into_iter()
        .map(|r| {
            let (ts, values) = r.expect("Python finds the record");
            (ts, values[0].1.clone())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(3_000), val(Val::Int64Val(30))),
            (Some(2_000), val(Val::Int64Val(20)))
        ]
    );
}
