//! Property tests over the parsers and command handlers: arbitrary bytes,
//! and valid messages with random damage, must never panic; they produce an
//! answer or a protocol error. A TCP-level run then throws random frames at
//! a live server and checks it still serves well-formed requests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use feast_aerospike_testserver::command::{self, Context};
use feast_aerospike_testserver::fault::Faults;
use feast_aerospike_testserver::store::Store;
use feast_aerospike_testserver::{info, msgpack, wire, ServerConfig, TestServer};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn store() -> Store {
    Store::new(&["feast".to_string(), "test".to_string()], 0)
}

/// A well-formed AS_MSG body built from generated parts.
fn message(
    info: (u8, u8, u8),
    fields: Vec<(u8, Vec<u8>)>,
    ops: Vec<(u8, u8, Vec<u8>, Vec<u8>)>,
) -> Vec<u8> {
    let mut b = vec![22, info.0, info.1, info.2, 0, 0];
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&(fields.len() as u16).to_be_bytes());
    b.extend_from_slice(&(ops.len() as u16).to_be_bytes());
    for (t, d) in &fields {
        b.extend_from_slice(&((d.len() + 1) as u32).to_be_bytes());
        b.push(*t);
        b.extend_from_slice(d);
    }
    for (op, particle, name, value) in &ops {
        b.extend_from_slice(&((4 + name.len() + value.len()) as u32).to_be_bytes());
        b.extend_from_slice(&[*op, *particle, 0, name.len() as u8]);
        b.extend_from_slice(name);
        b.extend_from_slice(value);
    }
    b
}

fn field_strategy() -> impl Strategy<Value = (u8, Vec<u8>)> {
    prop_oneof![
        Just((0u8, b"feast".to_vec())),
        Just((1u8, b"set".to_vec())),
        prop::collection::vec(any::<u8>(), 20).prop_map(|d| (4u8, d)),
        (any::<u8>(), prop::collection::vec(any::<u8>(), 0..40)),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|d| (41u8, d)),
    ]
}

fn op_strategy() -> impl Strategy<Value = (u8, u8, Vec<u8>, Vec<u8>)> {
    (
        prop_oneof![1u8..=16, any::<u8>()],
        prop_oneof![Just(1u8), Just(4u8), Just(19u8), any::<u8>()],
        prop::collection::vec(b'a'..=b'z', 0..18),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            // Plausible CDT programs: a small msgpack list.
            prop::collection::vec(any::<u8>(), 0..24).prop_map(|mut v| {
                v.insert(0, 0x93);
                v
            }),
        ],
    )
}

fn handle(store: &Store, body: &[u8]) {
    let faults = Faults::default();
    let ctx = Context {
        store,
        faults: &faults,
        peer: "127.0.0.1:1".parse().unwrap(),
    };
    let _ = command::handle(&ctx, body);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = wire::parse_msg(&bytes);
        let _ = msgpack::decode(&bytes);
        let s = store();
        handle(&s, &bytes);
        let ictx = info::InfoContext {
            store: &s,
            node_id: "N",
            cluster_name: "c",
            host: "127.0.0.1".into(),
            port: 1,
            cluster: None,
            control: None,
        };
        let _ = info::handle(&ictx, &bytes);
        let auth = feast_aerospike_testserver::auth::Auth::new(&feast_aerospike_testserver::AuthConfig {
            users: vec![("u".into(), "p".into())],
            ..Default::default()
        }).unwrap();
        let mut conn = feast_aerospike_testserver::auth::ConnAuth::default();
        let frame = auth.handle(&bytes, &mut conn, "127.0.0.1:1".parse().unwrap());
        prop_assert!(frame.len() >= 24);
        prop_assert!(!conn.is_authenticated());
    }

    #[test]
    fn generated_messages_parse_and_damage_is_contained(
        info in (any::<u8>(), any::<u8>(), any::<u8>()),
        fields in prop::collection::vec(field_strategy(), 0..5),
        ops in prop::collection::vec(op_strategy(), 0..5),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        flip_to in any::<u8>(),
    ) {
        let body = message(info, fields.clone(), ops.clone());
        let parsed = wire::parse_msg(&body).expect("well-formed message parses");
        prop_assert_eq!(parsed.fields.len(), fields.len());
        prop_assert_eq!(parsed.ops.len(), ops.len());
        let s = store();
        handle(&s, &body);
        // Truncated anywhere: an error, never a panic.
        let n = cut.index(body.len());
        prop_assert!(wire::parse_msg(&body[..n]).is_err());
        handle(&s, &body[..n]);
        // One byte changed: whatever it means, no panic.
        let mut damaged = body.clone();
        let i = flip.index(damaged.len());
        damaged[i] = flip_to;
        handle(&s, &damaged);
    }

    #[test]
    fn msgpack_round_trips(v in msgpack_value()) {
        let bytes = msgpack::to_bytes(&v);
        prop_assert_eq!(msgpack::decode(&bytes).expect("decodes"), v);
    }
}

fn msgpack_value() -> impl Strategy<Value = msgpack::Value> {
    use msgpack::Value;
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(Value::F64),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|mut v| {
            v.insert(0, 3);
            Value::Str(v)
        }),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| { Value::List(msgpack::List { flags: 0, items }) }),
            prop::collection::vec((any::<u16>(), inner), 0..6).prop_map(|kv| {
                // Key-ordered with unique integer keys, as stored maps are.
                let mut m = msgpack::Map::new(msgpack::MAP_K_ORDERED);
                for (k, v) in kv {
                    m.put(Value::Int(k as i64), v);
                }
                Value::Map(m)
            }),
        ]
    })
}

#[test]
fn live_server_survives_random_frames() {
    let server = TestServer::start(ServerConfig {
        body_timeout: Duration::from_millis(200),
        ..ServerConfig::default()
    })
    .unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        prop_oneof![Just(1u8), Just(3u8), any::<u8>()],
        prop::collection::vec(any::<u8>(), 0..300),
    );
    for _ in 0..300 {
        let (t, body) = strategy.new_tree(&mut runner).unwrap().current();
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let n = (body.len() as u64).to_be_bytes();
        let mut f = vec![2, t, n[2], n[3], n[4], n[5], n[6], n[7]];
        f.extend_from_slice(&body);
        let _ = s.write_all(&f);
        // Either an answer or a close; never a hang past the read timeout.
        let mut buf = [0u8; 8];
        let r = s.read(&mut buf);
        assert!(r.is_ok(), "no answer and no close: {r:?}");
    }
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.write_all(&[2, 1, 0, 0, 0, 0, 0, 5, b'n', b'o', b'd', b'e', b'\n'])
        .unwrap();
    let mut h = [0u8; 8];
    s.read_exact(&mut h).unwrap();
    assert_eq!(&h[..2], &[2, 1]);
}
