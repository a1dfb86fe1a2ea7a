//! Replays the exact client bytes captured against a real CE 8.1.2.0 server
//! (shared/protocol transcripts, extracted by fixtures/extract_frames.py) and
//! checks the test server answers with the same bytes. Only values that vary
//! from run to run are masked: void times, job statistics, truncate times,
//! and the edition/version strings (this server does not claim to be
//! Aerospike).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use feast_aerospike_testserver::{ServerConfig, TestServer};

fn capture_config() -> ServerConfig {
    ServerConfig {
        namespaces: vec!["feast".into(), "feast2".into()],
        node_id: "BB901000000FC02".into(),
        cluster_name: "feast-local".into(),
        ..ServerConfig::default()
    }
}

fn load(name: &str) -> Vec<(char, Vec<u8>)> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| {
            let (dir, hex) = l.split_once(' ').expect("fixture line");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            (dir.chars().next().expect("direction"), bytes)
        })
        .collect()
}

fn read_frame(s: &mut TcpStream) -> Vec<u8> {
    let mut h = [0u8; 8];
    s.read_exact(&mut h).expect("frame header");
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
    let mut f = h.to_vec();
    f.resize(8 + size, 0);
    s.read_exact(&mut f[8..]).expect("frame body");
    f
}

/// Zeroes the void time of every message in an AS_MSG frame.
fn mask_void_times(frame: &mut [u8]) {
    let mut pos = 8;
    while pos + 22 <= frame.len() {
        frame[pos + 10..pos + 14].fill(0);
        let n_fields = u16::from_be_bytes([frame[pos + 18], frame[pos + 19]]);
        let n_ops = u16::from_be_bytes([frame[pos + 20], frame[pos + 21]]);
        pos += 22;
        for _ in 0..(n_fields as usize + n_ops as usize) {
            let sz =
                u32::from_be_bytes([frame[pos], frame[pos + 1], frame[pos + 2], frame[pos + 3]])
                    as usize;
            pos += 4 + sz;
        }
    }
}

fn info_lines(frame: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(&frame[8..])
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn mask_info_value(name: &str, v: &str) -> String {
    if name == "edition" || name == "version" {
        return "<edition>".into();
    }
    if name.starts_with("query-show") {
        // Job statistics depend on timing; the fields the clients read
        // (status, progress, succeeded) are checked by the conformance tests.
        let keep: Vec<&str> = v
            .split(':')
            .filter(|f| f.starts_with("trid=") || f.starts_with("ns=") || f.starts_with("set="))
            .collect();
        return keep.join(":");
    }
    if name.starts_with("sets/") {
        return v
            .split(':')
            .map(|f| {
                if f.starts_with("truncate_lut=") {
                    "truncate_lut=<t>"
                } else {
                    f
                }
            })
            .collect::<Vec<_>>()
            .join(":");
    }
    v.to_string()
}

fn replay(fixture: &str) {
    let server = TestServer::start(capture_config()).expect("start");
    let frames = load(fixture);
    let mut s = TcpStream::connect(server.addr()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = server.addr().port().to_string();
    for (i, (dir, bytes)) in frames.iter().enumerate() {
        if *dir == 'C' {
            s.write_all(bytes).expect("send");
            continue;
        }
        let got = read_frame(&mut s);
        let mut want = bytes.clone();
        assert_eq!(got[..2], want[..2], "{fixture} frame {i}: header");
        if want[1] == 1 {
            let want_lines: Vec<(String, String)> = info_lines(&want)
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        mask_info_value(&k, &v).replace(",3000,", &format!(",{port},")),
                    )
                })
                .collect();
            let got_lines: Vec<(String, String)> = info_lines(&got)
                .into_iter()
                .map(|(k, v)| (k.clone(), mask_info_value(&k, &v)))
                .collect();
            assert_eq!(got_lines, want_lines, "{fixture} frame {i}: INFO answer");
        } else {
            let mut got = got;
            mask_void_times(&mut got);
            mask_void_times(&mut want);
            assert_eq!(hex(&got), hex(&want), "{fixture} frame {i}: AS_MSG answer");
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn python_client_tend_connection() {
    replay("python-c1.frames");
}

#[test]
fn python_client_commands_operate_get_batch_scan_truncate() {
    replay("python-c2.frames");
}

#[test]
fn rust_client_tend_connection() {
    replay("rust-c3.frames");
}

#[test]
fn rust_client_commands_batch_write_read_query_truncate() {
    replay("rust-c6.frames");
}
