//! Standalone test server: `feast-aerospike-testserver --listen 127.0.0.1:PORT
//! [--namespace NAME ...] [--default-ttl SECS] [--control]` (`--control`
//! serves the `testserver-*` fault-injection info commands). The first stdout line is
//! `feast-aerospike-testserver listening on ADDR`; it runs until SIGTERM or
//! SIGINT and then exits cleanly.
//!
//! Cluster and security: `--nodes N [--replication-factor R]` runs N nodes
//! (ports P, P+1, ... or free ports with port 0; one more stdout line
//! `feast-aerospike-testserver nodes ADDR0,ADDR1,...`), `--user NAME:PASSWORD`
//! (repeatable) turns security on, `--session-ttl SECS` sets the token
//! lifetime. Any of these runs the cluster server (one node by default).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use feast_aerospike_testserver::{
    AuthConfig, ClusterConfig, ServerConfig, TestCluster, TestServer,
};

const USAGE: &str = "usage: feast-aerospike-testserver [--listen 127.0.0.1:PORT] [--namespace NAME ...] [--default-ttl SECS] [--cluster-name NAME] [--control]\n\
       [--nodes N] [--replication-factor R] [--user NAME:PASSWORD ...] [--session-ttl SECS]\n\
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
    if auth.is_some() && cluster.is_none() {
        cluster = Some(ClusterConfig {
            nodes: 1,
            ..ClusterConfig::default()
        });
    }
    cfg.auth = auth;
    if let Some(c) = cluster.as_mut() {
        c.server = cfg.clone();
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

fn start(args: &Args) -> std::io::Result<(Running, Vec<SocketAddr>)> {
    match &args.cluster {
        None => {
            let s = TestServer::start(args.server.clone())?;
            let addr = s.addr();
            Ok((Running::Server(s), vec![addr]))
        }
        Some(c) => {
            let cl = TestCluster::start(c.clone())?;
            let addrs = (0..cl.node_count()).map(|i| cl.addr(i)).collect();
            Ok((Running::Cluster(cl), addrs))
        }
    }
}

fn main() -> ExitCode {
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
    let (server, addrs) = match start(&args) {
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
