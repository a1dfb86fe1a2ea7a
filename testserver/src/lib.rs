//! feast-aerospike-testserver: a test double that speaks the Aerospike wire
//! protocol (the subset feast-aerospike and its tests use) so the real Rust
//! and Python clients can run against it over TCP. It is not Aerospike and
//! numbers measured on it say nothing about Aerospike.
//!
//! ```no_run
//! use feast_aerospike_testserver::{ServerConfig, TestServer};
//! let server = TestServer::start(ServerConfig::default()).unwrap();
//! println!("listening on {}", server.addr());
//! server.stop();
//! ```

pub mod auth;
pub mod cdt;
pub mod cluster;
pub mod command;
pub mod exp;
pub mod fault;
pub mod info;
pub mod log;
pub mod msgpack;
pub mod server;
pub mod store;
pub mod tls;
pub mod wire;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

pub use auth::AuthConfig;
pub use cluster::{ClusterConfig, TestCluster};
pub use fault::ErrorRule;
pub use store::Digest;
pub use tls::TlsConfig;

use server::Shared;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; loopback only. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Namespaces served (default `feast` and `test`).
    pub namespaces: Vec<String>,
    /// Namespace default TTL in seconds, applied when a write sends TTL 0
    /// (0 = records never expire, the CE default).
    pub default_ttl_secs: u32,
    /// Answer to the `node` info command.
    pub node_id: String,
    /// Answer to the `cluster-name` info command.
    pub cluster_name: String,
    /// Frames larger than this close the connection.
    pub max_frame_bytes: u64,
    /// A frame body must arrive within this time after its header.
    pub body_timeout: Duration,
    /// Connections beyond this many are closed at once (with a log line).
    pub max_connections: usize,
    /// Serve the `testserver-*` info commands (fault injection and clock
    /// control over the wire, for tests that run the binary). Off by
    /// default: those names then answer `ERROR:4`, like any unknown name.
    pub control_commands: bool,
    /// Aerospike security (EE): users, LOGIN, session tokens. `None` =
    /// security disabled, as CE (LOGIN answers 52).
    pub auth: Option<AuthConfig>,
    /// Every namespace's `max-record-size` at start (bytes; the server's
    /// default is 1 MiB). `set-config:context=namespace;id=NS;max-record-size=N`
    /// changes one namespace at run time, as on the real server.
    pub max_record_size: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            namespaces: vec!["feast".to_string(), "test".to_string()],
            default_ttl_secs: 0,
            node_id: "7E57D0B1E0000001".to_string(),
            cluster_name: "feast-testserver".to_string(),
            max_frame_bytes: 16 * 1024 * 1024,
            body_timeout: Duration::from_secs(10),
            max_connections: 4096,
            control_commands: false,
            auth: None,
            max_record_size: store::DEFAULT_MAX_RECORD_SIZE,
        }
    }
}

/// A listening node: tells its accept loop to stop, learns when it has.
pub(crate) struct Running {
    stop: watch::Sender<bool>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Running {
    /// Closes the listener and tells every connection to close; returns
    /// once the accept loop has ended (at most 5 s).
    pub(crate) fn shut(self) {
        let _ = self.stop.send(true);
        let _ = self.done.recv_timeout(Duration::from_secs(5));
    }
}

/// Binds `addr` and runs an accept loop for `shared` on `rt`.
pub(crate) fn listen(
    rt: &tokio::runtime::Handle,
    shared: &Arc<Shared>,
    addr: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> io::Result<(Running, SocketAddr)> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let local = std_listener.local_addr()?;
    let listener = {
        let _guard = rt.enter();
        tokio::net::TcpListener::from_std(std_listener)?
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    rt.spawn(server::accept_loop(
        shared.clone(),
        listener,
        tls,
        stop_rx,
        done_tx,
    ));
    Ok((
        Running {
            stop: stop_tx,
            done: done_rx,
        },
        local,
    ))
}

/// Checks what every server and cluster needs: loopback, namespaces.
pub(crate) fn validate(config: &ServerConfig) -> io::Result<()> {
    if !config.listen.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "test server binds loopback only, not {}",
                config.listen.ip()
            ),
        ));
    }
    if config.namespaces.is_empty() || config.namespaces.iter().any(|n| n.is_empty()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "at least one non-empty namespace name is required",
        ));
    }
    if !(store::MIN_MAX_RECORD_SIZE..=store::MAX_MAX_RECORD_SIZE).contains(&config.max_record_size)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "max-record-size must be between 64 bytes and 8 MiB",
        ));
    }
    Ok(())
}

/// A running test server on its own tokio runtime. Stops on drop.
pub struct TestServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    running: Mutex<Option<Running>>,
}

impl TestServer {
    /// Binds and starts serving; returns once the port accepts connections.
    pub fn start(config: ServerConfig) -> io::Result<TestServer> {
        validate(&config)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("feast-aerospike-testserver")
            .enable_all()
            .build()?;
        let store = Arc::new(store::Store::new(
            &config.namespaces,
            config.default_ttl_secs,
        ));
        store.set_max_record_size(config.max_record_size);
        let shared = Arc::new(server::Shared::new(&config, store, None)?);
        let mut server = TestServer {
            shared,
            addr: config.listen,
            runtime: Some(runtime),
            running: Mutex::new(None),
        };
        server.addr = server.serve(config.listen)?;
        Ok(server)
    }

    fn serve(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        let rt = self
            .runtime
            .as_ref()
            .ok_or_else(|| io::Error::other("runtime gone"))?;
        let (running, local) = listen(rt.handle(), &self.shared, addr, None)?;
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(running);
        Ok(local)
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes every connection; the data is kept for
    /// [`restart`](Self::restart). Idempotent.
    pub fn stop(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(r) = running {
            r.shut();
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.shared.connections.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// Starts serving again on the same port, with the records kept
    /// (`keep_data`) or lost. Stops first if running.
    pub fn restart(&self, keep_data: bool) -> io::Result<()> {
        self.stop();
        if !keep_data {
            self.shared.store.clear();
        }
        // The old socket may take a moment to leave the kernel's tables.
        let mut last = None;
        for _ in 0..100 {
            match self.serve(self.addr) {
                Ok(_) => return Ok(()),
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(last.unwrap_or_else(|| io::Error::other("restart failed")))
    }

    pub fn is_running(&self) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Delays every answer by `d` (zero turns it off).
    pub fn set_delay(&self, d: Duration) {
        self.shared.faults.set_delay(d);
    }

    /// Closes the connection instead of answering the next `n` requests.
    pub fn drop_next_requests(&self, n: u64) {
        self.shared.faults.drop_next(n);
    }

    /// Closes every open client connection now (the server keeps running).
    pub fn disconnect_all(&self) {
        self.shared.kick.send_modify(|k| *k += 1);
    }

    /// Answers `result_code` for every record command on `namespace`.
    pub fn fail_namespace(&self, namespace: &str, result_code: u8) {
        self.shared.faults.add_rule(ErrorRule {
            namespace: Some(namespace.to_string()),
            digest: None,
            result_code,
        });
    }

    /// Answers `result_code` for the record with this digest in `namespace`.
    pub fn fail_digest(&self, namespace: &str, digest: Digest, result_code: u8) {
        self.shared.faults.add_rule(ErrorRule {
            namespace: Some(namespace.to_string()),
            digest: Some(digest),
            result_code,
        });
    }

    pub fn add_error_rule(&self, rule: ErrorRule) {
        self.shared.faults.add_rule(rule);
    }

    /// Removes every injected fault (rules, delay, drops).
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Moves the server clock forward, so TTLs run out without sleeping.
    pub fn advance_clock(&self, secs: i64) {
        self.shared.store.clock.advance(secs);
    }

    /// Live (unexpired) records in `namespace`, optionally of one set.
    pub fn record_count(&self, namespace: &str, set: Option<&str>) -> usize {
        let now = self.shared.store.clock.now_cl();
        match self.shared.store.namespace(namespace) {
            None => 0,
            Some(ns) => ns
                .records
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .filter(|r| !store::is_expired(r, now))
                .filter(|r| set.is_none_or(|s| r.set.as_deref() == Some(s)))
                .count(),
        }
    }

    /// AS_MSG requests this server has answered.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Security counters (logins, rejected logins, expired tokens), when
    /// security is on.
    pub fn auth_stats(&self) -> Option<auth::AuthStats> {
        self.shared.auth.as_ref().map(|a| a.stats())
    }

    /// Makes every session token issued so far expire now (the server's
    /// `session-ttl` running out), so tests need not wait for it.
    pub fn expire_sessions(&self) {
        if let Some(a) = &self.shared.auth {
            a.expire_all();
        }
    }

    /// Number of client connections currently open.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(rt) = self.runtime.take() {
            // Safe to call from inside another runtime, unlike a plain drop.
            rt.shutdown_background();
        }
    }
}
