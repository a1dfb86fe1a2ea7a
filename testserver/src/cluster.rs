//! A cluster of N nodes on N ports in one process. Each node is a full
//! server (its own listener, connections, faults) over one shared record
//! store, so a stopped node loses nothing: as with replication, the other
//! nodes take over its partitions and every node's partition generation
//! moves on.
//!
//! Partition ownership follows Aerospike's idea of a per-partition
//! succession list: every node gets a pseudo-random score per partition
//! (from its node id), the alive nodes in score order are the partition's
//! replicas, the first is the master, the next `replication_factor - 1`
//! the proles. Adding or removing a node moves only the partitions whose
//! succession it tops.
//!
//! Info answers that differ from a lone node (format as CE 8.1.2.0 and as
//! the Java/Go/Rust clients' partition and peers parsers read them):
//! - `replicas` → `ns:REGIME,N,B64_0,...,B64_{N-1};...` with N the
//!   effective replication factor (min(configured, alive nodes)), regime 0
//!   (AP), one base64 4096-bit bitmap per replica index, bit
//!   `0x80 >> (p & 7)` of byte `p >> 3` set where this node holds
//!   partition p at that index;
//! - `replicas-all` → `ns:N,B64_0,...`; `replicas-master` → `ns:B64_0`;
//! - `partition-generation` → bumped on every membership change;
//! - `peers-clear-std`/`-alt` → `GEN,PORT,[[ID,,[127.0.0.1:P]],...]` listing
//!   the other alive nodes (the port omitted where it equals PORT, this
//!   node's), `alumni-clear-*` every node ever seen but this one;
//!   `peers-generation` moves with the list;
//! - `services`/`services-alumni` → `127.0.0.1:P;...` (the old format).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use crate::info::InfoContext;
use crate::server::Shared;
use crate::store::{partition_id, Digest, Store};
use crate::{listen, validate, Running, ServerConfig};

pub const PARTITIONS: usize = 4096;

/// How to run a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Nodes at start (at least 1).
    pub nodes: usize,
    /// Copies of each partition while enough nodes are alive (default 2).
    pub replication_factor: usize,
    /// Settings every node shares. `listen` port 0: each node gets a free
    /// port; port P: node i listens on P + i. `node_id` is replaced per
    /// node.
    pub server: ServerConfig,
    /// A TLS port on every node beside the plain one (`None`: plain only).
    pub tls: Option<crate::tls::TlsConfig>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            nodes: 3,
            replication_factor: 2,
            server: ServerConfig::default(),
            tls: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Member {
    node_id: String,
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    alive: bool,
    seed: u64,
}

struct MapState {
    members: Vec<Member>,
    partition_generation: u64,
    peers_generation: u64,
    /// Per partition, the replicas' member indices, master first.
    replicas: Vec<Vec<usize>>,
}

/// Membership and the partition map every node answers from.
pub struct Membership {
    state: RwLock<MapState>,
    replication_factor: usize,
    /// The name every node's certificate carries (`peers-tls-*`).
    tls_name: Option<String>,
}

fn mix(mut z: u64) -> u64 {
    // splitmix64 finaliser
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Membership {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, MapState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Recomputes the partition map after a change and moves both
    /// generations on.
    fn rebalance(st: &mut MapState, rf: usize) {
        let alive: Vec<usize> = (0..st.members.len())
            .filter(|&i| st.members[i].alive)
            .collect();
        let n = rf.min(alive.len());
        st.replicas = (0..PARTITIONS as u64)
            .map(|p| {
                let mut order: Vec<(u64, usize)> = alive
                    .iter()
                    .map(|&i| (mix(st.members[i].seed ^ mix(p)), i))
                    .collect();
                order.sort_unstable_by(|a, b| b.cmp(a));
                order.into_iter().take(n).map(|(_, i)| i).collect()
            })
            .collect();
    }

    fn change(&self, f: impl FnOnce(&mut MapState)) {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        f(&mut st);
        Self::rebalance(&mut st, self.replication_factor);
        st.partition_generation += 1;
        st.peers_generation += 1;
    }

    /// Replicas (member indices, master first) of a digest's partition.
    pub fn replicas_of(&self, digest: &Digest) -> Vec<usize> {
        self.read().replicas[partition_id(digest) as usize].clone()
    }

    pub fn partition_generation(&self) -> u64 {
        self.read().partition_generation
    }

    fn bitmaps(st: &MapState, me: usize) -> Vec<String> {
        let n = st.replicas.first().map(|r| r.len()).unwrap_or(0);
        (0..n)
            .map(|idx| {
                let mut bits = vec![0u8; PARTITIONS / 8];
                for (p, reps) in st.replicas.iter().enumerate() {
                    if reps.get(idx) == Some(&me) {
                        bits[p >> 3] |= 0x80 >> (p & 7);
                    }
                }
                base64(&bits)
            })
            .collect()
    }

    /// Answers the cluster-dependent info names for member `me`.
    fn answer(&self, me: usize, namespaces: &[String], cmd: &str) -> Option<String> {
        let st = self.read();
        let my_port = st.members[me].addr.port();
        let host_port = |m: &Member| {
            if m.addr.port() == my_port {
                m.addr.ip().to_string()
            } else {
                m.addr.to_string()
            }
        };
        let others = |alumni: bool| {
            st.members
                .iter()
                .enumerate()
                .filter(move |(i, m)| *i != me && (alumni || m.alive))
                .map(|(_, m)| m)
        };
        let per_ns = |f: &dyn Fn(&str) -> String| {
            namespaces
                .iter()
                .map(|ns| f(ns))
                .collect::<Vec<_>>()
                .join(";")
        };
        Some(match cmd {
            "partition-generation" => st.partition_generation.to_string(),
            "peers-generation" => st.peers_generation.to_string(),
            "peers-clear-std" | "peers-clear-alt" | "alumni-clear-std" | "alumni-clear-alt" => {
                let list: Vec<String> = others(cmd.starts_with("alumni"))
                    .map(|m| format!("[{},,[{}]]", m.node_id, host_port(m)))
                    .collect();
                format!("{},{},[{}]", st.peers_generation, my_port, list.join(","))
            }
            "peers-tls-std" | "peers-tls-alt" | "alumni-tls-std" | "alumni-tls-alt" => {
                let name = self.tls_name.as_deref()?;
                let my_tls = st.members[me].tls_addr?.port();
                let list: Vec<String> = others(cmd.starts_with("alumni"))
                    .filter_map(|m| {
                        let a = m.tls_addr?;
                        let hp = if a.port() == my_tls {
                            a.ip().to_string()
                        } else {
                            a.to_string()
                        };
                        Some(format!("[{},{name},[{hp}]]", m.node_id))
                    })
                    .collect();
                format!("{},{},[{}]", st.peers_generation, my_tls, list.join(","))
            }
            "service-tls-std" | "service-tls-alt" => {
                self.tls_name.as_ref()?;
                st.members[me].tls_addr?.to_string()
            }
            "services" | "services-alumni" => others(cmd == "services-alumni")
                .map(|m| m.addr.to_string())
                .collect::<Vec<_>>()
                .join(";"),
            "replicas" => {
                let b = Self::bitmaps(&st, me);
                per_ns(&|ns| format!("{ns}:0,{},{}", b.len(), b.join(",")))
            }
            "replicas-all" => {
                let b = Self::bitmaps(&st, me);
                per_ns(&|ns| format!("{ns}:{},{}", b.len(), b.join(",")))
            }
            "replicas-master" => {
                let b = Self::bitmaps(&st, me);
                let master = b.first().cloned().unwrap_or_default();
                per_ns(&|ns| format!("{ns}:{master}"))
            }
            _ => return None,
        })
    }
}

/// Standard base64 with padding (what the server sends for bitmaps).
fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((v >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What a node's info handler knows of its cluster.
pub struct NodeHook {
    membership: Arc<Membership>,
    index: usize,
    namespaces: Vec<String>,
    cluster: Weak<Inner>,
}

impl NodeHook {
    /// The answer to `cmd` when it depends on the cluster, else `None`.
    pub fn answer(&self, ctx: &InfoContext<'_>, cmd: &str, args: &str) -> Option<String> {
        if cmd.starts_with("testserver-") && ctx.control.is_some() {
            if let Some(a) = self.control(cmd, args) {
                return Some(a);
            }
        }
        self.membership.answer(self.index, &self.namespaces, cmd)
    }

    /// `testserver-node-stop:node=I`, `testserver-node-start:node=I`,
    /// `testserver-node-add`, `testserver-nodes` (lists
    /// `I,NODE_ID,ADDR,TLS_ADDR|-,up|down;...`), `testserver-expire-sessions`.
    fn control(&self, cmd: &str, args: &str) -> Option<String> {
        let cluster = self.cluster.upgrade()?;
        let node = || -> Result<usize, String> {
            let v = args
                .split(';')
                .find_map(|kv| kv.strip_prefix("node="))
                .ok_or_else(|| "ERROR:4:missing 'node'".to_string())?;
            v.parse::<usize>()
                .map_err(|_| "ERROR:4:bad 'node'".to_string())
        };
        let r: Result<String, String> = match cmd {
            "testserver-nodes" => Ok(cluster.describe()),
            "testserver-expire-sessions" => {
                cluster.expire_sessions();
                Ok("ok".into())
            }
            "testserver-node-stop" => node().and_then(|i| {
                tokio::task::block_in_place(|| cluster.stop_node(i))
                    .map(|_| "ok".to_string())
                    .map_err(|e| format!("ERROR:4:{e}"))
            }),
            "testserver-node-start" => node().and_then(|i| {
                tokio::task::block_in_place(|| cluster.start_node(i))
                    .map(|_| "ok".to_string())
                    .map_err(|e| format!("ERROR:4:{e}"))
            }),
            "testserver-node-add" => tokio::task::block_in_place(|| cluster.add_node())
                .map(|_| "ok".to_string())
                .map_err(|e| format!("ERROR:4:{e}")),
            _ => return None,
        };
        Some(r.unwrap_or_else(|e| e))
    }
}

#[derive(Default)]
struct RowCounters {
    rows: AtomicU64,
    proxied: AtomicU64,
}

struct Slot {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    /// The plain listener, and the TLS one when configured.
    running: Option<Vec<Running>>,
}

struct Inner {
    membership: Arc<Membership>,
    /// Per node: rows it answered for partitions it does not master (a
    /// real server proxies those to the master; here the store is shared).
    counters: Mutex<Vec<Arc<RowCounters>>>,
    slots: Mutex<Vec<Slot>>,
    store: Arc<Store>,
    auth: Option<Arc<crate::auth::Auth>>,
    template: ServerConfig,
    tls: Option<(crate::tls::TlsConfig, tokio_rustls::TlsAcceptor)>,
    rt: tokio::runtime::Handle,
    me: Weak<Inner>,
}

fn node_id(i: usize) -> String {
    format!("7E57D0B1E{:07X}", i + 1)
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl Inner {
    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates node `i`'s state and binds its port (not yet a member).
    fn new_node(&self, i: usize) -> io::Result<(Slot, Member)> {
        let mut cfg = self.template.clone();
        cfg.node_id = node_id(i);
        let hook = NodeHook {
            membership: self.membership.clone(),
            index: i,
            namespaces: cfg.namespaces.clone(),
            cluster: self.me.clone(),
        };
        let mut shared = Shared::new(&cfg, self.store.clone(), Some(hook))?;
        shared.auth = self.auth.clone();
        let membership = self.membership.clone();
        let counters = self.counters(i);
        let _ = shared.faults.row_hook.0.set(Box::new(move |_ns, digest| {
            counters.rows.fetch_add(1, Ordering::Relaxed);
            if membership.replicas_of(digest).first() != Some(&i) {
                counters.proxied.fetch_add(1, Ordering::Relaxed);
            }
        }));
        let shared = Arc::new(shared);
        let port_for = |base: u16| -> io::Result<SocketAddr> {
            match base {
                0 => Ok(SocketAddr::new(cfg.listen.ip(), 0)),
                p => u16::try_from(usize::from(p) + i)
                    .map(|port| SocketAddr::new(cfg.listen.ip(), port))
                    .map_err(|_| bad(format!("node {i}: port out of range"))),
            }
        };
        let (running, addr) = listen(&self.rt, &shared, port_for(cfg.listen.port())?, None)?;
        let mut all = vec![running];
        let tls_addr = match &self.tls {
            None => None,
            Some((tc, acceptor)) => {
                let (r, a) = listen(
                    &self.rt,
                    &shared,
                    port_for(tc.port)?,
                    Some(acceptor.clone()),
                )?;
                all.push(r);
                Some(a)
            }
        };
        let member = Member {
            node_id: cfg.node_id.clone(),
            addr,
            tls_addr,
            alive: true,
            seed: mix(i as u64 + 1),
        };
        Ok((
            Slot {
                shared,
                addr,
                tls_addr,
                running: Some(all),
            },
            member,
        ))
    }

    fn add_node(&self) -> io::Result<usize> {
        let mut slots = self.slots();
        let i = slots.len();
        let (slot, member) = self.new_node(i)?;
        slots.push(slot);
        self.membership.change(|st| st.members.push(member));
        crate::log::log(format!("cluster: node {i} added"));
        Ok(i)
    }

    fn stop_node(&self, i: usize) -> io::Result<()> {
        let mut slots = self.slots();
        let slot = slots
            .get_mut(i)
            .ok_or_else(|| bad(format!("no node {i}")))?;
        let Some(running) = slot.running.take() else {
            return Ok(());
        };
        // The others take over first, so no answer points at a dead node.
        self.membership.change(|st| st.members[i].alive = false);
        for r in running {
            r.shut();
        }
        slot.shared.kick.send_modify(|k| *k += 1);
        crate::log::log(format!("cluster: node {i} stopped"));
        Ok(())
    }

    fn start_node(&self, i: usize) -> io::Result<()> {
        let mut slots = self.slots();
        let slot = slots
            .get_mut(i)
            .ok_or_else(|| bad(format!("no node {i}")))?;
        if slot.running.is_some() {
            return Ok(());
        }
        // The old socket may take a moment to leave the kernel's tables.
        let mut last = None;
        for _ in 0..100 {
            let plain = listen(&self.rt, &slot.shared, slot.addr, None);
            let both = plain.and_then(|(p, _)| match (&self.tls, slot.tls_addr) {
                (Some((_, acceptor)), Some(a)) => {
                    match listen(&self.rt, &slot.shared, a, Some(acceptor.clone())) {
                        Ok((t, _)) => Ok(vec![p, t]),
                        Err(e) => {
                            p.shut();
                            Err(e)
                        }
                    }
                }
                _ => Ok(vec![p]),
            });
            match both {
                Ok(running) => {
                    slot.running = Some(running);
                    self.membership.change(|st| st.members[i].alive = true);
                    crate::log::log(format!("cluster: node {i} started"));
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(last.unwrap_or_else(|| io::Error::other("restart failed")))
    }

    fn counters(&self, i: usize) -> Arc<RowCounters> {
        let mut all = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        while all.len() <= i {
            all.push(Arc::default());
        }
        all[i].clone()
    }

    fn expire_sessions(&self) {
        if let Some(a) = &self.auth {
            a.expire_all();
        }
    }

    fn describe(&self) -> String {
        let st = self.membership.read();
        st.members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                format!(
                    "{i},{},{},{},{}",
                    m.node_id,
                    m.addr,
                    m.tls_addr.map_or("-".to_string(), |a| a.to_string()),
                    if m.alive { "up" } else { "down" }
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// A running cluster on its own tokio runtime. Stops on drop.
pub struct TestCluster {
    inner: Arc<Inner>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestCluster {
    /// Starts `config.nodes` nodes; returns once every port accepts.
    pub fn start(config: ClusterConfig) -> io::Result<TestCluster> {
        validate(&config.server)?;
        if config.nodes == 0 || config.replication_factor == 0 {
            return Err(bad(
                "a cluster needs at least one node and a replication factor of at least 1".into(),
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("feast-aerospike-testcluster")
            .enable_all()
            .build()?;
        let auth = match &config.server.auth {
            None => None,
            Some(a) => Some(Arc::new(crate::auth::Auth::new(a)?)),
        };
        let store = Arc::new(Store::new(
            &config.server.namespaces,
            config.server.default_ttl_secs,
        ));
        store.set_max_record_size(config.server.max_record_size);
        let tls = match &config.tls {
            None => None,
            Some(tc) => Some((tc.clone(), crate::tls::acceptor(tc)?)),
        };
        let membership = Arc::new(Membership {
            tls_name: config.tls.as_ref().map(|t| t.tls_name.clone()),
            state: RwLock::new(MapState {
                members: Vec::new(),
                partition_generation: 0,
                peers_generation: 0,
                replicas: Vec::new(),
            }),
            replication_factor: config.replication_factor,
        });
        let inner = Arc::new_cyclic(|me| Inner {
            membership,
            counters: Mutex::new(Vec::new()),
            slots: Mutex::new(Vec::new()),
            store,
            auth,
            template: config.server.clone(),
            tls,
            rt: runtime.handle().clone(),
            me: me.clone(),
        });
        {
            let mut slots = inner.slots();
            let mut members = Vec::new();
            for i in 0..config.nodes {
                let (slot, member) = inner.new_node(i)?;
                slots.push(slot);
                members.push(member);
            }
            // Formed: generation 0 on every node, as a fresh server answers.
            let mut st = inner
                .membership
                .state
                .write()
                .unwrap_or_else(|e| e.into_inner());
            st.members = members;
            Membership::rebalance(&mut st, config.replication_factor);
        }
        Ok(TestCluster {
            inner,
            runtime: Some(runtime),
        })
    }

    /// Nodes ever started (stopped ones included).
    pub fn node_count(&self) -> usize {
        self.inner.slots().len()
    }

    pub fn addr(&self, i: usize) -> SocketAddr {
        self.inner.slots()[i].addr
    }

    /// Node `i`'s TLS address, when TLS is on.
    pub fn tls_addr(&self, i: usize) -> Option<SocketAddr> {
        self.inner.slots()[i].tls_addr
    }

    /// `127.0.0.1:P1,127.0.0.1:P2,...` of the nodes now running.
    pub fn seeds(&self) -> String {
        self.inner
            .slots()
            .iter()
            .filter(|s| s.running.is_some())
            .map(|s| s.addr.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn node_id(&self, i: usize) -> String {
        node_id(i)
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.inner
            .slots()
            .get(i)
            .is_some_and(|s| s.running.is_some())
    }

    /// Stops node `i`: the others take over its partitions (the partition
    /// generation moves on), its listener and connections close. Its
    /// records stay (they live once in the process).
    pub fn stop_node(&self, i: usize) -> io::Result<()> {
        self.inner.stop_node(i)
    }

    /// Starts node `i` again on its port; it takes its partitions back.
    pub fn start_node(&self, i: usize) -> io::Result<()> {
        self.inner.start_node(i)
    }

    /// Adds a node on a new port; returns its index.
    pub fn add_node(&self) -> io::Result<usize> {
        self.inner.add_node()
    }

    /// Index of the node now master of this digest's partition.
    pub fn master_of(&self, digest: &Digest) -> Option<usize> {
        self.inner.membership.replicas_of(digest).first().copied()
    }

    /// Replicas (master first) of this digest's partition.
    pub fn replicas_of(&self, digest: &Digest) -> Vec<usize> {
        self.inner.membership.replicas_of(digest)
    }

    pub fn partition_generation(&self) -> u64 {
        self.inner.membership.partition_generation()
    }

    /// AS_MSG requests node `i` answered.
    pub fn request_count(&self, i: usize) -> u64 {
        self.inner.slots()[i].shared.requests.load(Ordering::SeqCst)
    }

    /// Record commands and batch rows node `i` answered for partitions it
    /// does not master (a real node would proxy them): 0 means the client
    /// routed every row by the partition map.
    pub fn proxied_rows(&self, i: usize) -> u64 {
        self.inner.counters(i).proxied.load(Ordering::SeqCst)
    }

    /// Rows answered by node `i` (record commands and batch rows).
    pub fn row_count(&self, i: usize) -> u64 {
        self.inner.counters(i).rows.load(Ordering::SeqCst)
    }

    /// Delays every answer of node `i` by `d` (zero turns it off).
    pub fn set_delay(&self, i: usize, d: Duration) {
        self.inner.slots()[i].shared.faults.set_delay(d);
    }

    /// Closes every open client connection of node `i`.
    pub fn disconnect_all(&self, i: usize) {
        self.inner.slots()[i].shared.kick.send_modify(|k| *k += 1);
    }

    /// Live records in `namespace` (optionally of one set), cluster-wide.
    pub fn record_count(&self, namespace: &str, set: Option<&str>) -> usize {
        let now = self.inner.store.clock.now_cl();
        self.inner.store.namespace(namespace).map_or(0, |ns| {
            ns.records
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .filter(|r| !crate::store::is_expired(r, now))
                .filter(|r| set.is_none_or(|s| r.set.as_deref() == Some(s)))
                .count()
        })
    }

    /// Security counters (shared by every node), when security is on.
    pub fn auth_stats(&self) -> Option<crate::auth::AuthStats> {
        self.inner.auth.as_ref().map(|a| a.stats())
    }

    /// Every session token issued so far expires now.
    pub fn expire_sessions(&self) {
        self.inner.expire_sessions();
    }

    /// `I,NODE_ID,ADDR,TLS_ADDR|-,up|down;...`
    pub fn describe(&self) -> String {
        self.inner.describe()
    }

    /// Stops every node.
    pub fn stop(&self) {
        let n = self.node_count();
        for i in 0..n {
            let _ = self.inner.stop_node(i);
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        self.stop();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_server_bitmap() {
        let full = base64(&[0xff; 512]);
        assert_eq!(full.len(), 684);
        assert_eq!(full, format!("{}8=", "/".repeat(682)));
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn every_partition_has_distinct_replicas_and_few_move() {
        let mut st = MapState {
            members: (0..3)
                .map(|i| Member {
                    node_id: node_id(i),
                    addr: SocketAddr::from(([127, 0, 0, 1], 3000 + i as u16)),
                    tls_addr: None,
                    alive: true,
                    seed: mix(i as u64 + 1),
                })
                .collect(),
            partition_generation: 0,
            peers_generation: 0,
            replicas: Vec::new(),
        };
        Membership::rebalance(&mut st, 2);
        let before = st.replicas.clone();
        for r in &before {
            assert_eq!(r.len(), 2);
            assert_ne!(r[0], r[1]);
        }
        for node in 0..3 {
            let owned = before.iter().filter(|r| r[0] == node).count();
            assert!((1000..1750).contains(&owned), "node {node} masters {owned}");
        }
        st.members[1].alive = false;
        Membership::rebalance(&mut st, 2);
        for (p, r) in st.replicas.iter().enumerate() {
            assert!(!r.contains(&1));
            // A partition node 1 did not master keeps its master.
            if before[p][0] != 1 {
                assert_eq!(r[0], before[p][0]);
            } else {
                // The prole is promoted, as with replication.
                assert_eq!(r[0], before[p][1]);
            }
        }
    }
}
