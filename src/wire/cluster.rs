//! Where each key lives and how to reach it: the cluster's partition map,
//! read from every node's `replicas` info answer, and a small pool of
//! blocking connections per node.
//!
//! The `aerospike` crate keeps seeding and tending the cluster; this module
//! only reads what the crate publishes (`Client::nodes()`, each node's
//! address and partition generation) and refreshes its own map when the
//! node list or any node's partition generation changes, or when a command
//! to a node fails (docs/hot-path.md, "Partition map").

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aerospike::Client;
use base64::Engine as _;

use super::command::{self, TYPE_INFO};

pub const PARTITIONS: usize = 4096;
/// Idle connections kept per node; more are opened under load and closed
/// when returned to a full pool.
const MAX_IDLE: usize = 64;

/// A failure to talk to a node, with whether the command may have reached
/// the server (then a write's outcome is unknown).
#[derive(Debug, Clone)]
pub struct NetError {
    pub timeout: bool,
    pub sent: bool,
    pub message: String,
}

impl NetError {
    fn io(e: &std::io::Error, sent: bool, what: &str, addr: &str) -> Self {
        let timeout = matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        );
        NetError {
            timeout,
            sent,
            message: format!("{what} {addr}: {e}"),
        }
    }

    pub fn protocol(message: String, addr: &str) -> Self {
        NetError {
            timeout: false,
            sent: true,
            message: format!("{addr}: {message}"),
        }
    }
}

/// One open connection and its receive buffer.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(addr: &SocketAddr, name: &str, deadline: Instant) -> Result<Conn, NetError> {
        let left = remaining(deadline).ok_or_else(|| NetError {
            timeout: true,
            sent: false,
            message: format!("connect {name}: the deadline expired"),
        })?;
        let stream = TcpStream::connect_timeout(addr, left)
            .map_err(|e| NetError::io(&e, false, "connect", name))?;
        stream
            .set_nodelay(true)
            .map_err(|e| NetError::io(&e, false, "connect", name))?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    fn set_timeouts(&self, io_timeout: Duration, name: &str, sent: bool) -> Result<(), NetError> {
        let t = Some(io_timeout.max(Duration::from_millis(1)));
        self.stream
            .set_read_timeout(t)
            .and_then(|_| self.stream.set_write_timeout(t))
            .map_err(|e| NetError::io(&e, sent, "configure", name))
    }

    /// Send a whole frame.
    pub fn send(&mut self, frame: &[u8], io_timeout: Duration, name: &str) -> Result<(), NetError> {
        self.set_timeouts(io_timeout, name, false)?;
        self.stream
            .write_all(frame)
            .map_err(|e| NetError::io(&e, true, "send to", name))
    }

    /// Receive one frame: its type and body (valid until the next call).
    pub fn recv(&mut self, io_timeout: Duration, name: &str) -> Result<(u8, &[u8]), NetError> {
        self.set_timeouts(io_timeout, name, true)?;
        let mut header = [0u8; 8];
        self.stream
            .read_exact(&mut header)
            .map_err(|e| NetError::io(&e, true, "receive from", name))?;
        let (ty, size) =
            command::parse_proto_header(&header).map_err(|m| NetError::protocol(m, name))?;
        if size > 128 << 20 {
            return Err(NetError::protocol(format!("frame of {size} bytes"), name));
        }
        self.buf.resize(size, 0);
        self.stream
            .read_exact(&mut self.buf)
            .map_err(|e| NetError::io(&e, true, "receive from", name))?;
        Ok((ty, &self.buf))
    }
}

pub fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// A node as the hot path knows it.
pub struct Node {
    pub name: String,
    address: SocketAddr,
    /// "node NAME (ADDRESS)", for messages (made once, not per command).
    label: String,
    pool: Mutex<Vec<Conn>>,
}

impl Node {
    fn new(name: &str, address: &str) -> Option<Node> {
        let address = address.to_socket_addrs().ok()?.next()?;
        Some(Node {
            name: name.to_string(),
            address,
            label: format!("node {name} ({address})"),
            pool: Mutex::new(Vec::new()),
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// A pooled connection, or a new one.
    pub fn take(&self, deadline: Instant) -> Result<Conn, NetError> {
        if let Some(c) = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(c);
        }
        Conn::open(&self.address, self.label(), deadline)
    }

    /// Return a connection whose last exchange completed cleanly.
    pub fn give_back(&self, conn: Conn) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < MAX_IDLE {
            pool.push(conn);
        }
    }

    /// One info exchange on a pooled connection.
    fn info(&self, names: &[&str], deadline: Instant) -> Result<String, NetError> {
        let label = self.label();
        let mut conn = self.take(deadline)?;
        let mut frame = Vec::new();
        command::info_request(&mut frame, names);
        let t = remaining(deadline).unwrap_or(Duration::from_millis(1));
        conn.send(&frame, t, label)?;
        let (ty, body) = conn.recv(t, label)?;
        if ty != TYPE_INFO {
            return Err(NetError::protocol(
                format!("info answered with frame type {ty}"),
                label,
            ));
        }
        let text = String::from_utf8_lossy(body).into_owned();
        self.give_back(conn);
        Ok(text)
    }
}

/// Which node masters each partition of each namespace.
struct PartitionMap {
    nodes: Vec<Arc<Node>>,
    /// (node name, partition generation) when the map was read.
    signature: Vec<(String, isize)>,
    /// namespace -> per partition: index into `nodes`.
    masters: HashMap<String, Box<[Option<u16>]>>,
}

/// The hot path's view of the cluster.
pub struct Cluster {
    client: Arc<Client>,
    map: RwLock<Arc<PartitionMap>>,
    refresh: Mutex<()>,
}

impl Cluster {
    pub fn new(client: Arc<Client>) -> Self {
        Cluster {
            client,
            map: RwLock::new(Arc::new(PartitionMap {
                nodes: Vec::new(),
                signature: Vec::new(),
                masters: HashMap::new(),
            })),
            refresh: Mutex::new(()),
        }
    }

    fn signature(&self) -> Vec<(String, isize)> {
        let mut sig: Vec<(String, isize)> = self
            .client
            .nodes()
            .iter()
            .map(|n| (n.name().to_string(), n.partition_generation()))
            .collect();
        sig.sort();
        sig
    }

    /// Whether the cluster is as `map` saw it (same nodes, same partition
    /// generations), checked without building a signature: this runs on
    /// every command.
    fn unchanged(&self, map: &PartitionMap) -> bool {
        let nodes = self.client.nodes();
        nodes.len() == map.signature.len()
            && nodes.iter().all(|n| {
                map.signature
                    .binary_search_by(|(name, _)| name.as_str().cmp(n.name()))
                    .is_ok_and(|i| map.signature[i].1 == n.partition_generation())
            })
    }

    fn current(&self) -> Arc<PartitionMap> {
        self.map.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The master node of `digest`'s partition in `namespace`, refreshing
    /// the map first when the cluster changed (or `force`).
    pub fn router(&self, force: bool, deadline: Instant) -> Result<Router, NetError> {
        let map = self.current();
        if !force && !map.nodes.is_empty() && self.unchanged(&map) {
            return Ok(Router { map });
        }
        // One thread re-reads the map; the others never queue behind it past
        // their own deadline: they go on with the map they have (a retry
        // re-routes), or wait for a first map only until their deadline.
        let _one = loop {
            match self.refresh.try_lock() {
                Ok(guard) => break guard,
                Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {
                    let map = self.current();
                    if !map.nodes.is_empty() {
                        return Ok(Router { map });
                    }
                    if remaining(deadline).is_none() {
                        return Err(NetError {
                            timeout: true,
                            sent: false,
                            message: "the deadline expired waiting for the partition map".into(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        };
        // Another thread may have refreshed it while this one waited.
        let map = self.current();
        if !force && !map.nodes.is_empty() && self.unchanged(&map) {
            return Ok(Router { map });
        }
        match self.read_map(&map, self.signature(), deadline) {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                *self.map.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
                Ok(Router { map: fresh })
            }
            // A map that cannot be re-read right now (a node dropping info
            // requests, a deadline too short for the exchange) does not
            // fail a command that the map we have can still route: the
            // command goes where the last map says, and its own failure, if
            // any, is what it reports (then a write row sent is in doubt,
            // where failing here would report it unsent). The old signature
            // stays, so the next command tries the refresh again.
            Err(_) if !map.nodes.is_empty() => Ok(Router { map }),
            Err(e) => Err(e),
        }
    }

    fn read_map(
        &self,
        old: &PartitionMap,
        signature: Vec<(String, isize)>,
        deadline: Instant,
    ) -> Result<PartitionMap, NetError> {
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        let mut masters: HashMap<String, Box<[Option<u16>]>> = HashMap::new();
        let mut regimes: HashMap<String, Vec<u32>> = HashMap::new();
        let mut last_error = None;
        for n in self.client.nodes() {
            // Keep the pools of nodes we already know.
            let node = match old.nodes.iter().find(|k| k.name == n.name()) {
                Some(k) => k.clone(),
                None => match Node::new(n.name(), n.address()) {
                    Some(k) => Arc::new(k),
                    None => continue,
                },
            };
            let answer = match node.info(&["replicas"], deadline) {
                Ok(a) => a,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            };
            let index = nodes.len() as u16;
            nodes.push(node);
            if let Err(m) = apply_replicas(&answer, index, &mut masters, &mut regimes) {
                last_error = Some(NetError::protocol(m, nodes[index as usize].label()));
            }
        }
        if nodes.is_empty() {
            return Err(last_error.unwrap_or(NetError {
                timeout: false,
                sent: false,
                message: "no cluster node is reachable".into(),
            }));
        }
        Ok(PartitionMap {
            nodes,
            signature,
            masters,
        })
    }
}

/// Parse one node's `replicas` answer (`ns:regime,n_replicas,b64,...;...`)
/// and record the partitions it masters, the highest regime winning.
fn apply_replicas(
    answer: &str,
    node: u16,
    masters: &mut HashMap<String, Box<[Option<u16>]>>,
    regimes: &mut HashMap<String, Vec<u32>>,
) -> Result<(), String> {
    let value = answer
        .split('\n')
        .find_map(|line| line.strip_prefix("replicas\t"))
        .ok_or("no replicas in the info answer")?;
    for part in value.split(';').filter(|p| !p.trim().is_empty()) {
        let (ns, rest) = part.split_once(':').ok_or("replicas entry without ':'")?;
        let mut fields = rest.split(',');
        let regime: u32 = fields
            .next()
            .and_then(|r| r.parse().ok())
            .ok_or("replicas entry without a regime")?;
        let _n_replicas = fields.next();
        let Some(master_bits) = fields.next() else {
            continue;
        };
        let bits = base64::engine::general_purpose::STANDARD
            .decode(master_bits.trim())
            .map_err(|e| format!("replicas bitmap of {ns}: {e}"))?;
        if bits.len() * 8 < PARTITIONS {
            return Err(format!("replicas bitmap of {ns} is {} bytes", bits.len()));
        }
        let owners = masters
            .entry(ns.to_string())
            .or_insert_with(|| vec![None; PARTITIONS].into_boxed_slice());
        let reg = regimes
            .entry(ns.to_string())
            .or_insert_with(|| vec![0; PARTITIONS]);
        for p in 0..PARTITIONS {
            if bits[p >> 3] & (0x80 >> (p & 7)) != 0 && (owners[p].is_none() || regime >= reg[p]) {
                owners[p] = Some(node);
                reg[p] = regime;
            }
        }
    }
    Ok(())
}

/// A snapshot of the map to route one command with.
pub struct Router {
    map: Arc<PartitionMap>,
}

impl Router {
    /// The node mastering `digest` in `namespace`: None when the cluster
    /// does not know the namespace, Err when no node holds the partition.
    pub fn node(&self, namespace: &str, digest: &[u8; 20]) -> Option<Option<&Arc<Node>>> {
        let owners = self.map.masters.get(namespace)?;
        Some(owners[command::partition_id(digest)].map(|i| &self.map.nodes[usize::from(i)]))
    }

    pub fn nodes(&self) -> usize {
        self.map.nodes.len()
    }

    pub fn node_at(&self, i: usize) -> &Arc<Node> {
        &self.map.nodes[i]
    }

    pub fn index_of(&self, node: &Arc<Node>) -> usize {
        self.map
            .nodes
            .iter()
            .position(|n| Arc::ptr_eq(n, node))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_answers_route_partitions_to_their_master() {
        let mut bits = vec![0u8; 512];
        bits[0] = 0x80; // partition 0
        bits[511] = 0x01; // partition 4095
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bits);
        let all = base64::engine::general_purpose::STANDARD.encode(vec![0xffu8; 512]);
        let mut masters = HashMap::new();
        let mut regimes = HashMap::new();
        apply_replicas(
            &format!("replicas\tfeast:0,1,{all};\n"),
            0,
            &mut masters,
            &mut regimes,
        )
        .unwrap();
        apply_replicas(
            &format!("replicas\tfeast:1,2,{b64},{all}\n"),
            1,
            &mut masters,
            &mut regimes,
        )
        .unwrap();
        let owners = &masters["feast"];
        assert_eq!(owners[0], Some(1));
        assert_eq!(owners[4095], Some(1));
        assert_eq!(owners[1], Some(0));
        assert!(
            apply_replicas("replicas\tfeast:0,1,AAAA\n", 0, &mut masters, &mut regimes).is_err()
        );
        assert!(apply_replicas("nope\t\n", 0, &mut masters, &mut regimes).is_err());
    }
}
