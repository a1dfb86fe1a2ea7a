//! Byte-level tests over raw sockets: the respond-all-ops flag, op result
//! shapes, and bad input (wrong version, truncated or oversized frames,
//! unknown message types and op codes, garbage), each of which must cost at
//! most its own connection while other connections keep working.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use feast_aerospike_testserver::{ServerConfig, TestServer};

const DIGEST: [u8; 20] = [7; 20];

struct Req {
    info1: u8,
    info2: u8,
    info3: u8,
    ttl: u32,
    fields: Vec<(u8, Vec<u8>)>,
    ops: Vec<(u8, u8, &'static str, Vec<u8>)>,
}

impl Req {
    fn record(info1: u8, info2: u8) -> Req {
        Req {
            info1,
            info2,
            info3: 0,
            ttl: 0,
            fields: vec![
                (0, b"feast".to_vec()),
                (1, b"raw".to_vec()),
                (4, DIGEST.to_vec()),
            ],
            ops: Vec::new(),
        }
    }

    fn op(mut self, op: u8, particle: u8, name: &'static str, value: &[u8]) -> Req {
        self.ops.push((op, particle, name, value.to_vec()));
        self
    }

    fn frame(&self) -> Vec<u8> {
        let mut b = vec![22, self.info1, self.info2, self.info3, 0, 0];
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&self.ttl.to_be_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&(self.fields.len() as u16).to_be_bytes());
        b.extend_from_slice(&(self.ops.len() as u16).to_be_bytes());
        for (t, d) in &self.fields {
            b.extend_from_slice(&((d.len() + 1) as u32).to_be_bytes());
            b.push(*t);
            b.extend_from_slice(d);
        }
        for (op, particle, name, value) in &self.ops {
            b.extend_from_slice(&((4 + name.len() + value.len()) as u32).to_be_bytes());
            b.extend_from_slice(&[*op, *particle, 0, name.len() as u8]);
            b.extend_from_slice(name.as_bytes());
            b.extend_from_slice(value);
        }
        with_header(3, &b)
    }
}

fn with_header(t: u8, body: &[u8]) -> Vec<u8> {
    let n = (body.len() as u64).to_be_bytes();
    let mut f = vec![2, t, n[2], n[3], n[4], n[5], n[6], n[7]];
    f.extend_from_slice(body);
    f
}

fn conn(server: &TestServer) -> TcpStream {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn read_frame(s: &mut TcpStream) -> Vec<u8> {
    let mut h = [0u8; 8];
    s.read_exact(&mut h).unwrap();
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
    let mut body = vec![0; size];
    s.read_exact(&mut body).unwrap();
    body
}

/// (op type, particle, name, value) of one op in an answer.
type OpOut = (u8, u8, String, Vec<u8>);

/// (result code, ops) of a single answer.
fn decode(body: &[u8]) -> (u8, Vec<OpOut>) {
    let rc = body[5];
    let n_fields = u16::from_be_bytes([body[18], body[19]]) as usize;
    let n_ops = u16::from_be_bytes([body[20], body[21]]) as usize;
    let mut p = 22;
    for _ in 0..n_fields {
        let sz = u32::from_be_bytes(body[p..p + 4].try_into().unwrap()) as usize;
        p += 4 + sz;
    }
    let mut ops = Vec::new();
    for _ in 0..n_ops {
        let sz = u32::from_be_bytes(body[p..p + 4].try_into().unwrap()) as usize;
        let name_len = body[p + 7] as usize;
        let name = String::from_utf8(body[p + 8..p + 8 + name_len].to_vec()).unwrap();
        let value = body[p + 8 + name_len..p + 4 + sz].to_vec();
        ops.push((body[p + 4], body[p + 5], name, value));
        p += 4 + sz;
    }
    assert_eq!(p, body.len(), "answer fully consumed");
    (rc, ops)
}

fn ask(s: &mut TcpStream, req: &Req) -> (u8, Vec<OpOut>) {
    s.write_all(&req.frame()).unwrap();
    decode(&read_frame(s))
}

fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

const WRITE: u8 = 0x01;
const READ: u8 = 0x01;
const RESPOND_ALL: u8 = 0x80;
// [76 REMOVE_BY_KEY, 0 NONE, "x"]
const REMOVE_X: &[u8] = &[0x93, 0x4c, 0x00, 0xa2, 0x03, b'x'];
// [68 PUT_ITEMS, {"x": 1}, 1 KEY_ORDERED]
const PUT_X: &[u8] = &[0x93, 0x44, 0x81, 0xa2, 0x03, b'x', 0x01, 0x01];

#[test]
fn respond_all_ops_controls_nil_results() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let mut s = conn(&server);
    let int1 = 1i64.to_be_bytes();

    // Without the flag: the write and the NONE-returning remove answer
    // nothing; put_items answers its size.
    let (rc, ops) = ask(
        &mut s,
        &Req::record(0, WRITE)
            .op(2, 1, "plain", &int1)
            .op(4, 4, "m", PUT_X)
            .op(4, 4, "m", REMOVE_X),
    );
    assert_eq!(rc, 0);
    assert_eq!(ops, vec![(4, 1, "m".into(), 1i64.to_be_bytes().to_vec())]);

    // With it: one answer per op, nil ones as particle 0 without a value.
    let (rc, ops) = ask(
        &mut s,
        &Req::record(0, WRITE | RESPOND_ALL)
            .op(2, 1, "plain", &int1)
            .op(4, 4, "m", REMOVE_X),
    );
    assert_eq!(rc, 0);
    assert_eq!(
        ops,
        vec![(2, 0, "plain".into(), vec![]), (4, 0, "m".into(), vec![])]
    );

    // Reads of a missing bin: omitted without the flag, nil with it.
    let (_, ops) = ask(
        &mut s,
        &Req::record(READ, 0)
            .op(1, 0, "plain", &[])
            .op(1, 0, "nobin", &[]),
    );
    assert_eq!(ops, vec![(1, 1, "plain".into(), int1.to_vec())]);
    let (_, ops) = ask(
        &mut s,
        &Req::record(READ, RESPOND_ALL)
            .op(1, 0, "plain", &[])
            .op(1, 0, "nobin", &[]),
    );
    assert_eq!(
        ops,
        vec![
            (1, 1, "plain".into(), int1.to_vec()),
            (1, 0, "nobin".into(), vec![])
        ]
    );
}

#[test]
fn bad_op_codes_and_particles_answer_parameter_error() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let mut s = conn(&server);
    let (rc, _) = ask(&mut s, &Req::record(0, WRITE).op(99, 1, "x", &[0; 8]));
    assert_eq!(rc, 4);
    // An integer particle must be 8 bytes.
    let (rc, _) = ask(&mut s, &Req::record(0, WRITE).op(2, 1, "x", &[1, 2, 3]));
    assert_eq!(rc, 4);
    // A CDT program that is not msgpack.
    let (rc, _) = ask(&mut s, &Req::record(0, WRITE).op(4, 4, "m", &[0xc1]));
    assert_eq!(rc, 4);
    // Bin names longer than 15 bytes: 21.
    let (rc, _) = ask(
        &mut s,
        &Req::record(0, WRITE).op(2, 1, "a_very_long_bin_name", &[0; 8]),
    );
    assert_eq!(rc, 21);
    // A TTL over 10 years: 4 (the server's is_valid_ttl).
    let mut r = Req::record(0, WRITE).op(2, 1, "x", &[0; 8]);
    r.ttl = 3600 * 24 * 365 * 10 + 1;
    let (rc, _) = ask(&mut s, &r);
    assert_eq!(rc, 4);
    // A command without a namespace field.
    let mut r = Req::record(READ, 0);
    r.fields.remove(0);
    let (rc, _) = ask(&mut s, &r);
    assert_eq!(rc, 4);
    // Nothing above was written.
    assert_eq!(server.record_count("feast", None), 0);
    // The connection is still usable.
    let (rc, _) = ask(&mut s, &Req::record(0, WRITE).op(2, 1, "x", &[0; 8]));
    assert_eq!(rc, 0);
}

#[test]
fn malformed_frames_close_their_connection_only() {
    let server = TestServer::start(ServerConfig {
        max_frame_bytes: 1 << 20,
        body_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .unwrap();
    let mut good = conn(&server);

    let bad_inputs: Vec<Vec<u8>> = vec![
        // wrong protocol version
        vec![9, 3, 0, 0, 0, 0, 0, 0],
        // unknown message type
        with_header(42, b"hello"),
        // compressed (not implemented: closed, never misread)
        with_header(4, &[0; 16]),
        // oversized length
        vec![2, 3, 0, 0x10, 0, 0, 0, 0],
        // header_sz other than 22
        with_header(3, &[23; 30]),
        // truncated fields: claims one field, has none
        with_header(
            3,
            &[
                22, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
            ],
        ),
        // field size running past the end
        with_header(
            3,
            &[
                22, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0,
            ],
        ),
        // batch claiming a billion rows
        {
            let mut b = vec![22, 8, 0, 0, 0, 0];
            b.extend_from_slice(&[0; 12]);
            b.extend_from_slice(&[0, 1, 0, 0]);
            b.extend_from_slice(&10u32.to_be_bytes());
            b.push(41);
            b.extend_from_slice(&1_000_000_000u32.to_be_bytes());
            b.extend_from_slice(&[0; 5]);
            with_header(3, &b)
        },
    ];
    for (i, bad) in bad_inputs.iter().enumerate() {
        let mut s = conn(&server);
        s.write_all(bad).unwrap();
        assert!(closed(&mut s), "bad input {i} left the connection open");
    }

    // A header whose body never comes: closed after the body timeout.
    let mut s = conn(&server);
    s.write_all(&[2, 3, 0, 0, 0, 0, 0, 100]).unwrap();
    assert!(closed(&mut s));

    // The long-lived connection opened before all that still works.
    let (rc, _) = ask(&mut good, &Req::record(0, WRITE).op(2, 1, "x", &[0; 8]));
    assert_eq!(rc, 0);
    // Every bad connection is gone on the server side too.
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while server.connection_count() != 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn security_login_answers_not_enabled() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let mut s = conn(&server);
    s.write_all(&with_header(2, &[0; 16])).unwrap();
    let body = read_frame(&mut s);
    assert_eq!(body.len(), 16);
    assert_eq!(body[1], 52, "SECURITY_NOT_ENABLED, like Community Edition");
}

#[test]
fn info_errors_and_empty_request() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let mut s = conn(&server);
    s.write_all(&with_header(1, b"bogus\npeers-tls-std\n"))
        .unwrap();
    assert_eq!(
        read_frame(&mut s),
        b"bogus\tERROR:4:unrecognized command\npeers-tls-std\tERROR:25:enterprise only\n"
    );
    s.write_all(&with_header(1, b"")).unwrap();
    let body = String::from_utf8(read_frame(&mut s)).unwrap();
    let names: Vec<&str> = body
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(names[0], "features");
    assert_eq!(*names.last().unwrap(), "partition-generation");
    assert_eq!(names.len(), 15);
}

#[test]
fn disconnect_all_closes_open_connections() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let mut a = conn(&server);
    let mut b = conn(&server);
    let (rc, _) = ask(&mut a, &Req::record(0, WRITE).op(2, 1, "x", &[0; 8]));
    assert_eq!(rc, 0);
    server.disconnect_all();
    assert!(closed(&mut a));
    assert!(closed(&mut b));
    let mut c = conn(&server);
    let (rc, _) = ask(&mut c, &Req::record(READ, 0).op(1, 0, "x", &[]));
    assert_eq!(rc, 0);
}

#[test]
fn connections_beyond_the_maximum_are_closed() {
    let server = TestServer::start(ServerConfig {
        max_connections: 3,
        ..ServerConfig::default()
    })
    .unwrap();
    let mut open: Vec<TcpStream> = (0..3).map(|_| conn(&server)).collect();
    for s in &mut open {
        let (rc, _) = ask(s, &Req::record(0, WRITE).op(2, 1, "x", &[0; 8]));
        assert_eq!(rc, 0);
    }
    let mut extra = conn(&server);
    let _ = extra.write_all(&Req::record(READ, 0).op(1, 0, "x", &[]).frame());
    assert!(closed(&mut extra));
    drop(open.pop());
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while server.connection_count() > 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut again = conn(&server);
    let (rc, _) = ask(&mut again, &Req::record(READ, 0).op(1, 0, "x", &[]));
    assert_eq!(rc, 0);
}
