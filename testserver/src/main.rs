//! Standalone test server: `feast-aerospike-testserver --listen 127.0.0.1:PORT
//! [--namespace NAME ...] [--default-ttl SECS] [--max-record-size BYTES] [--control]` (`--control`
//! serves the `testserver-*` fault-injection info commands). The first stdout line is
//! `feast-aerospike-testserver listening on ADDR`; it runs until SIGTERM or
//! SIGINT and then exits cleanly.
//!
//! Cluster and security: `--nodes N [--replication-factor R]` runs N nodes
//! (ports P, P+1, ... or free ports with port 0; one more stdout line
//! `feast-aerospike-testserver nodes ADDR0,ADDR1,...`), `--user NAME:PASSWORD`
//! (repeatable) turns security on, `--session-ttl SECS` sets the token
//! lifetime. `--tls-cert FILE --tls-key FILE --tls-name NAME
//! [--tls-client-ca FILE] [--tls-port P]` adds a TLS port per node (stdout
//! line `feast-aerospike-testserver tls nodes ADDR0,...`; mutual TLS with
//! `--tls-client-ca`). Any of these runs the cluster server (one node by
//! default). `feast-aerospike-testserver gen-certs DIR [NAME]` writes a
//! throw-away CA, server certificate for NAME (default `feast-testserver`)
//! and 127.0.0.1, client certificate, and an unrelated CA into DIR.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use feast_aerospike_testserver::{
    AuthConfig, ClusterConfig, ServerConfig, TestCluster, TestServer, TlsConfig,
};

const USAGE: &str = "usage: feast-aerospike-testserver [--listen 127.0.0.1:PORT] [--namespace NAME ...] [--default-ttl SECS] [--cluster-name NAME] [--max-record-size BYTES] [--control]\n\
       [--nodes N] [--replication-factor R] [--user NAME:PASSWORD ...] [--session-ttl SECS]\n\
       [--tls-cert FILE --tls-key FILE --tls-name NAME [--tls-client-ca FILE] [--tls-port P]]\n\
   or: feast-aerospike-testserver gen-certs DIR [NAME]\n\
A test double speaking the Aerospike wire protocol (not Aerospike). Binds loopback only.";

struct Args {
    server: ServerConfig,
    /// Set when any cluster or security flag was given.
    cluster: Option<ClusterConfig>,
}

fn parse_args() -> Result<Args, String> {
    let mut cfg = ServerConfig::default();
    let mut cluster: Option<ClusterConfig> = None;
    let mut auth: Option<AuthConfig> = None;
    let mut tls_files: [Option<String>; 3] = [None, None, None];
    let mut tls_name: Option<String> = None;
    let mut tls_port: u16 = 0;
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
            "--nodes" => {
                let v = value("--nodes")?;
                let n: usize = v.parse().map_err(|e| format!("--nodes {v}: {e}"))?;
                if n == 0 || n > 64 {
                    return Err(format!("--nodes {v}: 1..64"));
                }
                cluster.get_or_insert_with(ClusterConfig::default).nodes = n;
            }
            "--replication-factor" => {
                let v = value("--replication-factor")?;
                let n: usize = v
                    .parse()
                    .map_err(|e| format!("--replication-factor {v}: {e}"))?;
                if n == 0 {
                    return Err(format!("--replication-factor {v}: at least 1"));
                }
                cluster
                    .get_or_insert_with(ClusterConfig::default)
                    .replication_factor = n;
            }
            "--user" => {
                let v = value("--user")?;
                let (user, password) = v
                    .split_once(':')
                    .filter(|(u, _)| !u.is_empty())
                    .ok_or("--user needs NAME:PASSWORD")?;
                auth.get_or_insert_with(AuthConfig::default)
                    .users
                    .push((user.to_string(), password.to_string()));
            }
            "--tls-cert" => tls_files[0] = Some(value("--tls-cert")?),
            "--tls-key" => tls_files[1] = Some(value("--tls-key")?),
            "--tls-client-ca" => tls_files[2] = Some(value("--tls-client-ca")?),
            "--tls-name" => tls_name = Some(value("--tls-name")?),
            "--tls-port" => {
                let v = value("--tls-port")?;
                tls_port = v.parse().map_err(|e| format!("--tls-port {v}: {e}"))?;
            }
            "--session-ttl" => {
                let v = value("--session-ttl")?;
                let secs: u64 = v.parse().map_err(|e| format!("--session-ttl {v}: {e}"))?;
                if secs == 0 {
                    return Err("--session-ttl: at least 1".into());
                }
                auth.get_or_insert_with(AuthConfig::default).session_ttl =
                    std::time::Duration::from_secs(secs);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !namespaces.is_empty() {
        cfg.namespaces = namespaces;
    }
    if auth.as_ref().is_some_and(|a| a.users.is_empty()) {
        return Err("--session-ttl needs at least one --user".into());
    }
    let read = |f: &str| std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"));
    let tls = match (&tls_files, tls_name) {
        ([None, None, None], None) => None,
        ([Some(cert), Some(key), ca], Some(name)) => Some(TlsConfig {
            tls_name: name,
            cert_pem: read(cert)?,
            key_pem: read(key)?,
            client_ca_pem: ca.as_deref().map(read).transpose()?,
            port: tls_port,
        }),
        _ => return Err("TLS needs --tls-cert, --tls-key and --tls-name".into()),
    };
    if (auth.is_some() || tls.is_some()) && cluster.is_none() {
        cluster = Some(ClusterConfig {
            nodes: 1,
            ..ClusterConfig::default()
        });
    }
    cfg.auth = auth;
    if let Some(c) = cluster.as_mut() {
        c.server = cfg.clone();
        c.tls = tls;
    }
    Ok(Args {
        server: cfg,
        cluster,
    })
}

/// A lone server or a cluster, kept alive until the signal.
enum Running {
    Server(TestServer),
    Cluster(TestCluster),
}

/// `gen-certs DIR [NAME]`.
fn gen_certs(mut rest: impl Iterator<Item = String>) -> ExitCode {
    let Some(dir) = rest.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let name = rest
        .next()
        .unwrap_or_else(|| "feast-testserver".to_string());
    match feast_aerospike_testserver::tls::write_test_pki(
        std::path::Path::new(&dir),
        &name,
        "feast-client",
    ) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("feast-aerospike-testserver gen-certs {dir}: {e}");
            ExitCode::from(1)
        }
    }
}

type Started = (Running, Vec<SocketAddr>, Vec<SocketAddr>);

fn start(args: &Args) -> std::io::Result<Started> {
    match &args.cluster {
        None => {
            let s = TestServer::start(args.server.clone())?;
            let addr = s.addr();
            Ok((Running::Server(s), vec![addr], Vec::new()))
        }
        Some(c) => {
            let cl = TestCluster::start(c.clone())?;
            let addrs = (0..cl.node_count()).map(|i| cl.addr(i)).collect();
            let tls = (0..cl.node_count())
                .filter_map(|i| cl.tls_addr(i))
                .collect();
            Ok((Running::Cluster(cl), addrs, tls))
        }
    }
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    if argv.next().as_deref() == Some("gen-certs") {
        return gen_certs(argv);
    }
    let args = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("feast-aerospike-testserver: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (server, addrs, tls_addrs) = match start(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "feast-aerospike-testserver: cannot listen on {}: {e}",
                args.server.listen
            );
            return ExitCode::from(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "feast-aerospike-testserver listening on {}", addrs[0]);
        if matches!(server, Running::Cluster(_)) {
            let all: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(out, "feast-aerospike-testserver nodes {}", all.join(","));
        }
        if !tls_addrs.is_empty() {
            let all: Vec<String> = tls_addrs.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(
                out,
                "feast-aerospike-testserver tls nodes {}",
                all.join(",")
            );
        }
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
    match &server {
        Running::Server(s) => s.stop(),
        Running::Cluster(c) => c.stop(),
    }
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("feast-aerospike-testserver: signal handling failed: {e}");
            ExitCode::from(1)
        }
    }
}
