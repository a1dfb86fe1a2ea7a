//! The TCP side: accept loop and per-connection frame loop on tokio. Each
//! connection reads one frame at a time (bounded by `max_frame_bytes`, with a
//! deadline for the body), answers it, and closes on protocol violations
//! with a log line. Handler panics are caught so one bad request can only
//! cost its own connection.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{Auth, ConnAuth};
use crate::cluster::NodeHook;
use crate::command::{self, log};
use crate::fault::Faults;
use crate::info;
use crate::store::Store;
use crate::wire::*;

pub struct Shared {
    /// Shared by every node of a cluster: records live once per process.
    pub store: Arc<Store>,
    pub faults: Faults,
    pub node_id: String,
    pub cluster_name: String,
    pub max_frame_bytes: u64,
    pub body_timeout: Duration,
    pub connections: AtomicUsize,
    pub max_connections: usize,
    /// Whether the `testserver-*` info control commands are served.
    pub control_commands: bool,
    /// Bumped to make every open connection close.
    pub kick: watch::Sender<u64>,
    /// A restart asked for over the wire (`testserver-restart`), run by the
    /// accept loop once the asking connection has its answer.
    pub bounce: std::sync::Mutex<Option<Bounce>>,
    pub bounce_notify: tokio::sync::Notify,
    /// Signalled by the accept loop once the listener is closed and the
    /// connections told to close, so the asking client's `ok` means "down".
    pub bounce_ack: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// This node's place in a cluster (`None`: a lone node).
    pub cluster: Option<NodeHook>,
    /// Security (users, sessions); `None` = disabled, as CE.
    pub auth: Option<Arc<Auth>>,
    /// AS_MSG requests answered.
    pub requests: AtomicU64,
}

impl Shared {
    pub fn new(
        config: &crate::ServerConfig,
        store: Arc<Store>,
        cluster: Option<NodeHook>,
    ) -> std::io::Result<Shared> {
        let auth = match &config.auth {
            None => None,
            Some(a) => Some(Arc::new(Auth::new(a)?)),
        };
        let (kick, _) = watch::channel(0u64);
        Ok(Shared {
            store,
            faults: Faults::default(),
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
            cluster,
            auth,
            requests: AtomicU64::new(0),
        })
    }
}

/// Close the listener and every connection, optionally drop the data, stay
/// down for `pause`, then listen again on the same address.
#[derive(Debug, Clone, Copy)]
pub struct Bounce {
    pub keep_data: bool,
    pub pause: Duration,
}

pub async fn accept_loop(
    shared: Arc<Shared>,
    mut listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
    done: std::sync::mpsc::Sender<()>,
) {
    let local = listener.local_addr().ok();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = shared.bounce_notify.notified() => {
                let bounce = shared.bounce.lock().unwrap_or_else(|e| e.into_inner()).take();
                let (Some(b), Some(addr)) = (bounce, local) else { continue };
                log(format!(
                    "restart asked: down for {:?}, data {}",
                    b.pause,
                    if b.keep_data { "kept" } else { "dropped" }
                ));
                drop(listener);
                shared.kick.send_modify(|k| *k += 1);
                if !b.keep_data {
                    shared.store.clear();
                }
                if let Some(ack) = shared.bounce_ack.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    let _ = ack.send(());
                }
                tokio::time::sleep(b.pause).await;
                listener = loop {
                    match TcpListener::bind(addr).await {
                        Ok(l) => break l,
                        Err(e) => {
                            if *stop.borrow() {
                                let _ = done.send(());
                                return;
                            }
                            log(format!("rebinding {addr} after restart: {e}; retrying"));
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                };
            }
            res = listener.accept() => match res {
                Ok((sock, peer)) => {
                    if shared.connections.load(Ordering::SeqCst) >= shared.max_connections {
                        log(format!(
                            "{peer}: {} connections open, the configured maximum; closing",
                            shared.max_connections
                        ));
                        drop(sock);
                        continue;
                    }
                    let _ = sock.set_nodelay(true);
                    let shared = shared.clone();
                    let stop = stop.clone();
                    let port = local.map(|a| a.port()).unwrap_or(0);
                    let host = local.map(|a| a.ip().to_string()).unwrap_or_default();
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let kick = shared.kick.subscribe();
                        match tls {
                            None => connection(&shared, sock, peer, host, port, stop, kick).await,
                            Some(acceptor) => {
                                match tokio::time::timeout(shared.body_timeout, acceptor.accept(sock)).await {
                                    Ok(Ok(stream)) => {
                                        connection(&shared, stream, peer, host, port, stop, kick).await
                                    }
                                    Ok(Err(e)) => log(format!("{peer}: TLS handshake failed: {e}")),
                                    Err(_) => log(format!("{peer}: TLS handshake not done within {:?}", shared.body_timeout)),
                                }
                            }
                        }
                        shared.connections.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(e) => {
                    log(format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }
    drop(listener);
    let _ = done.send(());
}

enum Next {
    Frame(ProtoHeader, Vec<u8>),
    Close,
}

async fn read_frame<S: AsyncRead + Unpin>(
    shared: &Shared,
    sock: &mut S,
    peer: SocketAddr,
    buf: &mut Vec<u8>,
) -> Next {
    let mut hdr = [0u8; 8];
    if sock.read_exact(&mut hdr).await.is_err() {
        return Next::Close;
    }
    let h = ProtoHeader::parse(&hdr);
    if h.version != PROTO_VERSION {
        log(format!(
            "{peer}: proto version {} (expected 2); closing",
            h.version
        ));
        return Next::Close;
    }
    if h.size > shared.max_frame_bytes {
        log(format!(
            "{peer}: frame of {} bytes exceeds the {}-byte limit; closing",
            h.size, shared.max_frame_bytes
        ));
        return Next::Close;
    }
    buf.clear();
    // Up to 64 KiB up front (one read for typical frames); beyond that the
    // buffer grows with the bytes that actually arrive, so a header
    // announcing a large frame costs little until its body comes.
    buf.reserve(h.size.min(64 * 1024) as usize);
    let read = async {
        let mut body = (&mut *sock).take(h.size);
        body.read_to_end(buf).await
    };
    match tokio::time::timeout(shared.body_timeout, read).await {
        Ok(Ok(n)) if n as u64 == h.size => Next::Frame(h, std::mem::take(buf)),
        Ok(_) => {
            log(format!(
                "{peer}: connection closed inside a {}-byte frame",
                h.size
            ));
            Next::Close
        }
        Err(_) => {
            log(format!(
                "{peer}: frame body of {} bytes not received within {:?}; closing",
                h.size, shared.body_timeout
            ));
            Next::Close
        }
    }
}

async fn connection<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Shared,
    mut sock: S,
    peer: SocketAddr,
    host: String,
    port: u16,
    mut stop: watch::Receiver<bool>,
    mut kick: watch::Receiver<u64>,
) {
    let mut buf = Vec::new();
    let mut session = ConnAuth::default();
    loop {
        let next = tokio::select! {
            _ = stop.changed() => return,
            _ = kick.changed() => return,
            n = read_frame(shared, &mut sock, peer, &mut buf) => n,
        };
        let (h, body) = match next {
            Next::Frame(h, b) => (h, b),
            Next::Close => return,
        };
        if shared.faults.take_drop() {
            log(format!("{peer}: fault injection: dropping the connection"));
            return;
        }
        if let Some(d) = shared.faults.delay() {
            tokio::time::sleep(d).await;
        }
        let frames = match h.msg_type {
            TYPE_INFO => {
                let kick = || shared.kick.send_modify(|k| *k += 1);
                let restart = |b: Bounce| {
                    *shared.bounce.lock().unwrap_or_else(|e| e.into_inner()) = Some(b);
                };
                let ctx = info::InfoContext {
                    store: &shared.store,
                    node_id: &shared.node_id,
                    cluster_name: &shared.cluster_name,
                    host: host.clone(),
                    port,
                    cluster: shared.cluster.as_ref(),
                    control: shared.control_commands.then_some(info::Control {
                        faults: &shared.faults,
                        disconnect_all: &kick,
                        restart: &restart,
                    }),
                };
                match std::panic::catch_unwind(AssertUnwindSafe(|| info::handle(&ctx, &body))) {
                    Ok(answer) => vec![info_frame(&answer)],
                    Err(_) => {
                        log(format!("{peer}: internal error answering INFO; closing"));
                        return;
                    }
                }
            }
            TYPE_MSG if shared.auth.is_some() && !session.is_authenticated() => {
                // Security on and this connection never authenticated.
                log(format!(
                    "{peer}: command before authentication; answering 80"
                ));
                vec![last_frame(crate::auth::RC_NOT_AUTHENTICATED)]
            }
            TYPE_MSG => {
                shared.requests.fetch_add(1, Ordering::Relaxed);
                let ctx = command::Context {
                    store: &shared.store,
                    faults: &shared.faults,
                    peer,
                };
                match std::panic::catch_unwind(AssertUnwindSafe(|| command::handle(&ctx, &body))) {
                    Ok(Ok(frames)) => frames,
                    Ok(Err(e)) => {
                        log(format!("{peer}: malformed AS_MSG: {e}; closing"));
                        return;
                    }
                    Err(_) => {
                        log(format!("{peer}: internal error answering AS_MSG; closing"));
                        return;
                    }
                }
            }
            TYPE_SECURITY if shared.auth.is_some() => match &shared.auth {
                Some(a) => vec![a.handle(&body, &mut session, peer)],
                None => return,
            },
            TYPE_SECURITY => {
                // Community Edition: security is not enabled (result 52), which
                // clients treat as "no login needed".
                let mut f = ProtoHeader::encode(TYPE_SECURITY, 16).to_vec();
                f.extend_from_slice(&[0, 52, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
                vec![f]
            }
            TYPE_MSG_COMPRESSED => {
                log(format!(
                    "{peer}: compressed messages are not implemented by this test server; closing"
                ));
                return;
            }
            other => {
                log(format!("{peer}: unknown message type {other}; closing"));
                return;
            }
        };
        drop(body);
        // Give back memory after an unusually large frame.
        if buf.capacity() > 1 << 20 {
            buf = Vec::new();
        }
        let restart_asked = h.msg_type == TYPE_INFO
            && shared.control_commands
            && shared.bounce.lock().map(|b| b.is_some()).unwrap_or(false);
        // One write for a multi-frame answer: the bytes are the same, the
        // syscalls fewer.
        let out = if frames.len() == 1 {
            frames.into_iter().next().unwrap_or_default()
        } else {
            frames.concat()
        };
        if restart_asked {
            // Wait until the server is down before answering, so the client's
            // `ok` means the restart is under way. This connection was told
            // to close too, but only acts on it after writing the answer.
            let (tx, rx) = tokio::sync::oneshot::channel();
            *shared.bounce_ack.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
            shared.bounce_notify.notify_one();
            let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        }
        if *stop.borrow() {
            // Stopped while this request ran: like a node that dies, the
            // answer never leaves (a write may have been applied: the
            // client must report it in doubt).
            return;
        }
        if sock.write_all(&out).await.is_err() {
            return;
        }
    }
}
