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

pub mod cdt;
pub mod command;
pub mod exp;
pub mod fault;
pub mod info;
pub mod log;
pub mod msgpack;
pub mod server;
pub mod store;
pub mod wire;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

pub use fault::ErrorRule;
pub use store::Digest;

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
        }
    }
}

struct Running {
    stop: watch::Sender<bool>,
    done: std::sync::mpsc::Receiver<()>,
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
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("feast-aerospike-testserver")
            .enable_all()
            .build()?;
        let (kick, _) = watch::channel(0u64);
        let shared = Arc::new(Shared {
            store: store::Store::new(&config.namespaces, config.default_ttl_secs),
            faults: fault::Faults::default(),
            node_id: config.node_id.clone(),
            cluster_name: config.cluster_name.clone(),
            max_frame_bytes: config.max_frame_bytes,
            body_timeout: config.body_timeout,
            connections: AtomicUsize::new(0),
            max_connections: config.max_connections,
            control_commands: config.control_commands,
            kick,
            bounce: std::sync::Mutex::new(None),
            bounce_notify: tokio::sync::Notify::new(),
            bounce_ack: std::sync::Mutex::new(None),
        });
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
            self.shared.clone(),
            listener,
            stop_rx,
            done_tx,
        ));
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(Running {
            stop: stop_tx,
            done: done_rx,
        });
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
            let _ = r.stop.send(true);
            let _ = r.done.recv_timeout(Duration::from_secs(5));
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
