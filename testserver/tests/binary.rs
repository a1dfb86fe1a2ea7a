//! The standalone binary's contract: first stdout line, loopback-only,
//! argument errors, clean exit on SIGTERM, and a server that keeps answering
//! even when its parent never reads the stderr pipe.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_feast-aerospike-testserver");
const PREFIX: &str = "feast-aerospike-testserver listening on ";

fn info(addr: &str, body: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = (body.len() as u64).to_be_bytes();
    let mut f = vec![2, 1, n[2], n[3], n[4], n[5], n[6], n[7]];
    f.extend_from_slice(body);
    s.write_all(&f).unwrap();
    let mut h = [0u8; 8];
    s.read_exact(&mut h).unwrap();
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
    let mut out = vec![0; size];
    s.read_exact(&mut out).unwrap();
    out
}

#[test]
fn prints_address_serves_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--namespace",
            "alpha",
            "--namespace",
            "beta",
        ])
        .stdout(Stdio::piped())
        // Never read: the server must not block on a full stderr pipe.
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim_end()
        .strip_prefix(PREFIX)
        .unwrap_or_else(|| panic!("first line {line:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"));
    assert_eq!(info(&addr, b"namespaces\n"), b"namespaces\talpha;beta\n");

    // Thousands of logged protocol violations fill any pipe buffer.
    for i in 0..3000 {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let _ = s.write_all(&[9, 9, 9, 9, 9, 9, 9, 9]);
        let mut b = [0u8; 1];
        match s.read(&mut b) {
            Ok(0) => {}
            other => {
                let _ = child.kill();
                panic!("bad connection {i} not closed promptly: {other:?}");
            }
        }
    }
    assert_eq!(info(&addr, b"build\n"), b"build\t8.1.2.0\n");

    // SIGTERM: clean exit, status 0.
    sigterm(child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// Sends SIGTERM through the `kill` utility (no libc dependency needed).
fn sigterm(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn refuses_non_loopback_and_bad_arguments() {
    let out = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
    let out = Command::new(BIN).args(["--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument --bogus"));
    let out = Command::new(BIN)
        .args(["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
