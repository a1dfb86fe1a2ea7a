//! Standalone test server: `feast-aerospike-testserver --listen 127.0.0.1:PORT
//! [--namespace NAME ...] [--default-ttl SECS] [--max-record-size BYTES] [--control]` (`--control`
//! serves the `testserver-*` fault-injection info commands). The first stdout line is
//! `feast-aerospike-testserver listening on ADDR`; it runs until SIGTERM or
//! SIGINT and then exits cleanly.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use feast_aerospike_testserver::{ServerConfig, TestServer};

const USAGE: &str = "usage: feast-aerospike-testserver [--listen 127.0.0.1:PORT] [--namespace NAME ...] [--default-ttl SECS] [--cluster-name NAME] [--max-record-size BYTES] [--control]\n\
A test double speaking the Aerospike wire protocol (not Aerospike). Binds loopback only.";

fn parse_args() -> Result<ServerConfig, String> {
    let mut cfg = ServerConfig::default();
    let mut namespaces = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                cfg.listen = v
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--namespace" => namespaces.push(value("--namespace")?),
            "--default-ttl" => {
                let v = value("--default-ttl")?;
                cfg.default_ttl_secs = v.parse().map_err(|e| format!("--default-ttl {v}: {e}"))?;
            }
            "--cluster-name" => cfg.cluster_name = value("--cluster-name")?,
            "--max-record-size" => {
                let v = value("--max-record-size")?;
                cfg.max_record_size = v
                    .parse()
                    .map_err(|e| format!("--max-record-size {v}: {e}"))?;
            }
            "--control" => cfg.control_commands = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !namespaces.is_empty() {
        cfg.namespaces = namespaces;
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("feast-aerospike-testserver: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match TestServer::start(cfg.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "feast-aerospike-testserver: cannot listen on {}: {e}",
                cfg.listen
            );
            return ExitCode::from(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "feast-aerospike-testserver listening on {}",
            server.addr()
        );
        let _ = out.flush();
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("feast-aerospike-testserver: signal runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let res = rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = term.recv() => {}
            r = tokio::signal::ctrl_c() => r?,
        }
        Ok::<(), std::io::Error>(())
    });
    server.stop();
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("feast-aerospike-testserver: signal handling failed: {e}");
            ExitCode::from(1)
        }
    }
}
