//! The INFO protocol: `name[:params]\n` lines in, `name\tvalue\n` lines out
//! in request order, with the exact answers CE 8.1.2.0 gives on a single node
//! (shared/protocol/info-commands.txt) where clients depend on them. Unknown
//! names answer `ERROR:4:unrecognized command`, as the server does.

use std::fmt::Write as _;

use crate::fault::{ErrorRule, Faults};
use crate::store::Store;

/// Build the clients gate features on (user-agent-set, query-show): they
/// parse it as a server version, so it must look like one.
pub const BUILD: &str = "8.1.2.0";
pub const EDITION: &str = "feast-aerospike-testserver (a test double speaking the wire protocol)";
const FEATURES: &str = "batch-any;batch-index;blob-bits;cdt-index;cdt-list;cdt-map;cluster-stable;float;geo;sindex-exists;peers;pipelining;pquery;pscans;query-show;relaxed-sc;replicas;replicas-all;replicas-master;replicas-max;truncate-namespace;udf";

pub struct InfoContext<'a> {
    pub store: &'a Store,
    pub node_id: &'a str,
    pub cluster_name: &'a str,
    pub host: String,
    pub port: u16,
    /// This node's cluster, when it is one of several (cluster.rs).
    pub cluster: Option<&'a crate::cluster::NodeHook>,
    /// Test-control commands (`testserver-*`), only when enabled.
    pub control: Option<Control<'a>>,
}

/// What the `testserver-*` info commands act on: fault injection, the
/// clock, and open connections, for tests that run the binary.
pub struct Control<'a> {
    pub faults: &'a Faults,
    pub disconnect_all: &'a (dyn Fn() + Sync),
    /// Schedules a restart on the same port; the answer is sent once the
    /// listener is closed.
    pub restart: &'a (dyn Fn(crate::server::Bounce) + Sync),
}

/// 512 bytes of 0xff in base64: this node owns every one of 4096 partitions.
fn full_bitmap() -> String {
    let mut s = "/".repeat(682);
    s.push_str("8=");
    s
}

/// Answers one INFO request body.
pub fn handle(ctx: &InfoContext<'_>, body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let names: Vec<&str> = text.split('\n').filter(|l| !l.is_empty()).collect();
    let mut out = String::new();
    if names.is_empty() {
        for name in [
            "features",
            "node",
            "compatibility-id",
            "edition",
            "build_ee_sha",
            "build_sha",
            "build_arch",
            "build_time",
            "build_os",
            "build",
            "version",
            "statistics",
            "services-alumni",
            "services",
            "partition-generation",
        ] {
            let _ = writeln!(out, "{name}\t{}", answer(ctx, name));
        }
        return out.into_bytes();
    }
    for name in names {
        let _ = writeln!(out, "{name}\t{}", answer(ctx, name));
    }
    out.into_bytes()
}

fn params(p: &str) -> Vec<(&str, &str)> {
    p.split(';')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .collect()
}

fn answer(ctx: &InfoContext<'_>, name: &str) -> String {
    let (cmd, args) = name.split_once(':').unwrap_or((name, ""));
    if let Some(a) = ctx.cluster.and_then(|c| c.answer(ctx, cmd, args)) {
        return a;
    }
    let peers = format!("0,{},[]", ctx.port);
    let service = format!("{}:{}", ctx.host, ctx.port);
    let enterprise = "ERROR:25:enterprise only".to_string();
    match cmd {
        "node" => ctx.node_id.to_string(),
        "build" => BUILD.to_string(),
        "version" => format!("{EDITION} build {BUILD}"),
        "edition" => EDITION.to_string(),
        "compatibility-id" => "15".to_string(),
        "build_ee_sha" => String::new(),
        "build_sha" | "build_time" => "test-double".to_string(),
        "build_arch" => std::env::consts::ARCH.to_string(),
        "build_os" => std::env::consts::OS.to_string(),
        "cluster-name" => ctx.cluster_name.to_string(),
        "features" => FEATURES.to_string(),
        "partition-generation" | "peers-generation" => "0".to_string(),
        "rebalance-generation" => "1".to_string(),
        "partitions" => "4096".to_string(),
        "replicas" => replicas(ctx, |ns, b| format!("{ns}:0,1,{b}")),
        "replicas-all" => replicas(ctx, |ns, b| format!("{ns}:1,{b}")),
        "replicas-master" => replicas(ctx, |ns, b| format!("{ns}:{b}")),
        "peers-clear-std" | "peers-clear-alt" | "alumni-clear-std" | "alumni-clear-alt" => peers,
        "peers-tls-std" | "peers-tls-alt" | "alumni-tls-std" | "alumni-tls-alt" => enterprise,
        "service" | "service-clear-std" => service,
        "service-clear-alt" | "services" | "services-alumni" => String::new(),
        "service-tls-std" | "service-tls-alt" => enterprise,
        "racks" | "rack-ids" => enterprise,
        "udf-list" | "sindex-list" | "sindex" => String::new(),
        "namespaces" => ctx
            .store
            .namespaces
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        "user-agent-set" => "ok".to_string(),
        "statistics" => statistics(ctx),
        "namespace" => namespace_stats(ctx, args),
        "truncate" => truncate(ctx, args, false),
        "truncate-namespace" => truncate(ctx, args, true),
        "query-show" => query_show(ctx, args),
        "set-config" => set_config(ctx, args),
        _ if cmd.starts_with("testserver-") && ctx.control.is_some() => control(ctx, cmd, args),
        _ if name.starts_with("sets") => sets(ctx, name),
        _ if name.starts_with("namespace/") => namespace_stats(ctx, &name["namespace/".len()..]),
        _ => "ERROR:4:unrecognized command".to_string(),
    }
}

/// `testserver-delay:ms=N`, `testserver-drop:requests=N`,
/// `testserver-fail:code=N[;namespace=NS][;digest=HEX]`,
/// `testserver-clear-faults`, `testserver-advance-clock:secs=N`,
/// `testserver-disconnect-all`, `testserver-restart:keep=0|1[;pause_ms=N]`.
/// Answers `ok` or `ERROR:4:...`.
fn control(ctx: &InfoContext<'_>, cmd: &str, args: &str) -> String {
    let Some(c) = &ctx.control else {
        return "ERROR:4:unrecognized command".to_string();
    };
    let p = params(args);
    let num = |k: &str| -> Result<i64, String> {
        p.iter()
            .find(|(a, _)| *a == k)
            .ok_or_else(|| format!("ERROR:4:missing '{k}'"))
            .and_then(|(_, v)| v.parse::<i64>().map_err(|_| format!("ERROR:4:bad '{k}'")))
    };
    let r: Result<(), String> = (|| {
        match cmd {
            "testserver-delay" => {
                let ms = num("ms")?.max(0) as u64;
                c.faults.set_delay(std::time::Duration::from_millis(ms));
            }
            "testserver-drop" => c.faults.drop_next(num("requests")?.max(0) as u64),
            "testserver-fail" => {
                let code = num("code")?;
                let code = u8::try_from(code).map_err(|_| "ERROR:4:bad 'code'".to_string())?;
                let namespace = p
                    .iter()
                    .find(|(k, _)| *k == "namespace")
                    .map(|(_, v)| v.to_string());
                let digest = match p.iter().find(|(k, _)| *k == "digest") {
                    None => None,
                    Some((_, hex)) => Some(parse_digest(hex)?),
                };
                c.faults.add_rule(ErrorRule {
                    namespace,
                    digest,
                    result_code: code,
                });
            }
            "testserver-clear-faults" => c.faults.clear(),
            "testserver-advance-clock" => ctx.store.clock.advance(num("secs")?),
            "testserver-disconnect-all" => (c.disconnect_all)(),
            "testserver-restart" => {
                let keep = num("keep")?;
                let pause_ms = p
                    .iter()
                    .find(|(k, _)| *k == "pause_ms")
                    .map(|(_, v)| v.parse::<u64>())
                    .transpose()
                    .map_err(|_| "ERROR:4:bad 'pause_ms'".to_string())?
                    .unwrap_or(0)
                    .min(60_000);
                (c.restart)(crate::server::Bounce {
                    keep_data: keep != 0,
                    pause: std::time::Duration::from_millis(pause_ms),
                });
            }
            _ => return Err("ERROR:4:unrecognized command".to_string()),
        }
        Ok(())
    })();
    match r {
        Ok(()) => "ok".to_string(),
        Err(e) => e,
    }
}

fn parse_digest(hex: &str) -> Result<[u8; 20], String> {
    let bytes = hex.as_bytes();
    if bytes.len() != 40 {
        return Err("ERROR:4:digest must be 40 hex digits".to_string());
    }
    let mut d = [0u8; 20];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let txt = std::str::from_utf8(pair).map_err(|_| "ERROR:4:bad digest".to_string())?;
        d[i] = u8::from_str_radix(txt, 16).map_err(|_| "ERROR:4:bad digest".to_string())?;
    }
    Ok(d)
}

fn replicas(ctx: &InfoContext<'_>, f: impl Fn(&str, &str) -> String) -> String {
    let b = full_bitmap();
    ctx.store
        .namespaces
        .iter()
        .map(|n| f(&n.name, &b))
        .collect::<Vec<_>>()
        .join(";")
}

fn statistics(ctx: &InfoContext<'_>) -> String {
    let objects: usize = ctx
        .store
        .namespaces
        .iter()
        .map(|n| n.records.read().map(|r| r.len()).unwrap_or(0))
        .sum();
    format!(
        "cluster_size=1;cluster_key=7E57;cluster_generation=1;cluster_principal={};cluster_integrity=true;cluster_is_member=true;objects={objects};tombstones=0",
        ctx.node_id
    )
}

fn namespace_stats(ctx: &InfoContext<'_>, ns: &str) -> String {
    match ctx.store.namespace(ns) {
        None => "ERROR:20:ns_type=unknown".to_string(),
        Some(n) => {
            let objects = n.records.read().map(|r| r.len()).unwrap_or(0);
            format!(
                "ns_cluster_size=1;effective_replication_factor=1;objects={objects};tombstones=0;replication-factor=1;default-ttl={};max-record-size={};storage-engine=memory",
                n.default_ttl,
                n.max_record_size.load(std::sync::atomic::Ordering::Relaxed)
            )
        }
    }
}

/// `set-config:context=namespace;id=NS;max-record-size=N`, the one setting
/// the test server follows; others answer an error rather than `ok`, so a
/// test never believes a setting took effect that did not.
fn set_config(ctx: &InfoContext<'_>, args: &str) -> String {
    use crate::store::{MAX_MAX_RECORD_SIZE, MIN_MAX_RECORD_SIZE};
    let p = params(args);
    let get = |k: &str| p.iter().find(|(a, _)| *a == k).map(|(_, v)| *v);
    if get("context") != Some("namespace") {
        return "ERROR:4:only context=namespace is supported by this test server".to_string();
    }
    let Some(ns) = get("id").and_then(|id| ctx.store.namespace(id)) else {
        return "ERROR:20:unknown namespace".to_string();
    };
    match get("max-record-size").map(str::parse::<u32>) {
        Some(Ok(v)) if (MIN_MAX_RECORD_SIZE..=MAX_MAX_RECORD_SIZE).contains(&v) => {
            ns.max_record_size
                .store(v, std::sync::atomic::Ordering::Relaxed);
            "ok".to_string()
        }
        Some(_) => "ERROR:4:max-record-size must be between 64 (bytes) and 8M".to_string(),
        None => "ERROR:4:only max-record-size is supported by this test server".to_string(),
    }
}

/// `sets`, `sets/<ns>`, `sets/<ns>/<set>`.
fn sets(ctx: &InfoContext<'_>, name: &str) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    if parts[0] != "sets" || parts.len() > 3 {
        return "ERROR:4:unrecognized command".to_string();
    }
    let ns_filter = parts.get(1).copied().filter(|s| !s.is_empty());
    let set_filter = parts.get(2).copied().filter(|s| !s.is_empty());
    let mut out = String::new();
    for ns in &ctx.store.namespaces {
        if ns_filter.is_some_and(|f| f != ns.name) {
            continue;
        }
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for r in ns
            .records
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            if let Some(s) = &r.set {
                *counts.entry(s.clone()).or_default() += 1;
            }
        }
        let luts = ns
            .truncate_lut
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for s in luts.keys().filter(|s| !s.is_empty()) {
            counts.entry(s.clone()).or_default();
        }
        if let Some(s) = set_filter {
            counts.entry(s.to_string()).or_default();
        }
        for (set, n) in counts {
            if set_filter.is_some_and(|f| f != set) {
                continue;
            }
            let lut_ms = luts
                .get(&set)
                .map(|ns| (ns / 1_000_000).saturating_sub(crate::store::CITRUSLEAF_EPOCH * 1000))
                .unwrap_or(0);
            let body = format!(
                "objects={n}:tombstones=0:data_used_bytes=0:truncate_lut={lut_ms}:sindexes=0:index_populating=false:truncating=false:default-read-touch-ttl-pct=0:default-ttl={}:disable-eviction=false:enable-index=false:stop-writes-count=0:stop-writes-size=0;",
                ns.default_ttl
            );
            if set_filter.is_some() {
                out.push_str(&body);
            } else {
                let _ = write!(out, "ns={}:set={set}:{body}", ns.name);
            }
        }
    }
    out
}

/// `truncate:namespace=<ns>;set=<set>[;lut=<ns since epoch>]` and
/// `truncate-namespace:namespace=<ns>[;lut=..]`, with the server's checks
/// and error texts (thr_info.c `cmd_truncate*`, truncate.c). The server
/// answers `ok` even for an unknown namespace.
fn truncate(ctx: &InfoContext<'_>, args: &str, whole_namespace: bool) -> String {
    let p = params(args);
    let get = |k: &str| p.iter().find(|(a, _)| *a == k).map(|(_, v)| *v);
    let ns = match get("namespace") {
        None => return "ERROR:20:missing 'namespace'".to_string(),
        Some("") => return "ERROR:20:missing 'namespace' value".to_string(),
        Some(n) => n,
    };
    let set = if whole_namespace {
        if get("set").is_some() {
            return "ERROR:4:unexpected set name".to_string();
        }
        None
    } else {
        match get("set") {
            None => return "ERROR:4:missing 'set'".to_string(),
            Some("") => return "ERROR:4:missing 'set' value".to_string(),
            Some(s) => Some(s),
        }
    };
    let now = ctx.store.clock.now_ns();
    let lut = match get("lut") {
        None => now,
        Some("") => return "ERROR:4:missing 'lut' value".to_string(),
        Some(v) => match v.parse::<u64>() {
            Ok(l) if l / 1_000_000 <= crate::store::CITRUSLEAF_EPOCH * 1000 => {
                return "ERROR:4:would truncate to 0".to_string()
            }
            Ok(l) if l / 1_000_000 > now / 1_000_000 => {
                return "ERROR:4:would truncate in the future".to_string()
            }
            Ok(l) => l,
            Err(_) => return "ERROR:4:bad lut".to_string(),
        },
    };
    if let Some(n) = ctx.store.namespace(ns) {
        n.truncate(set, lut);
    }
    "ok".to_string()
}

fn query_show(ctx: &InfoContext<'_>, args: &str) -> String {
    let jobs = ctx.store.jobs.lock().unwrap_or_else(|e| e.into_inner());
    let now = ctx.store.clock.now_ns();
    if args.is_empty() {
        return jobs
            .iter()
            .map(|j| j.show(now))
            .collect::<Vec<_>>()
            .join(";");
    }
    let p = params(args);
    let id = p
        .iter()
        .find(|(k, _)| *k == "id" || *k == "trid")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    match id.and_then(|id| jobs.iter().find(|j| j.trid == id)) {
        Some(j) => j.show(now),
        None => "ERROR:2:job not found".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_commands_when_enabled() {
        let store = Store::new(&["feast".into()], 0);
        let faults = Faults::default();
        let kicked = std::sync::atomic::AtomicBool::new(false);
        let kick = || kicked.store(true, std::sync::atomic::Ordering::SeqCst);
        let bounced = std::sync::Mutex::new(None);
        let restart = |b: crate::server::Bounce| *bounced.lock().unwrap() = Some(b);
        let c = InfoContext {
            store: &store,
            node_id: "N",
            cluster_name: "c",
            host: "127.0.0.1".into(),
            port: 1,
            cluster: None,
            control: Some(Control {
                faults: &faults,
                disconnect_all: &kick,
                restart: &restart,
            }),
        };
        let ask = |b: &str| String::from_utf8(handle(&c, b.as_bytes())).unwrap();
        assert_eq!(
            ask("testserver-delay:ms=7\n"),
            "testserver-delay:ms=7\tok\n"
        );
        assert_eq!(faults.delay(), Some(std::time::Duration::from_millis(7)));
        let d = "07".repeat(20);
        assert!(ask(&format!(
            "testserver-fail:code=14;namespace=feast;digest={d}\n"
        ))
        .ends_with("\tok\n"));
        assert_eq!(faults.result_for("feast", &[7; 20]), Some(14));
        assert_eq!(faults.result_for("feast", &[8; 20]), None);
        assert!(ask("testserver-fail:code=300\n").ends_with("ERROR:4:bad 'code'\n"));
        assert!(ask("testserver-fail:code=1;digest=zz\n").contains("ERROR:4:"));
        let before = store.clock.now_cl();
        assert!(ask("testserver-advance-clock:secs=100\n").ends_with("\tok\n"));
        assert!(store.clock.now_cl() >= before + 100);
        assert!(ask("testserver-disconnect-all\n").ends_with("\tok\n"));
        assert!(kicked.load(std::sync::atomic::Ordering::SeqCst));
        assert!(ask("testserver-restart:keep=1;pause_ms=50\n").ends_with("\tok\n"));
        let b = bounced.lock().unwrap().take().unwrap();
        assert!(b.keep_data);
        assert_eq!(b.pause, std::time::Duration::from_millis(50));
        assert!(ask("testserver-restart:pause_ms=5\n").ends_with("ERROR:4:missing 'keep'\n"));
        assert!(ask("testserver-clear-faults\n").ends_with("\tok\n"));
        assert_eq!(faults.delay(), None);
        assert!(ask("testserver-bogus\n").ends_with("ERROR:4:unrecognized command\n"));
    }

    fn ctx(store: &Store) -> InfoContext<'_> {
        InfoContext {
            store,
            node_id: "BB901000000FC02",
            cluster_name: "feast-local",
            host: "127.0.0.1".into(),
            port: 3000,
            cluster: None,
            control: None,
        }
    }

    #[test]
    fn answers_match_the_real_server() {
        let store = Store::new(&["feast".into(), "feast2".into()], 0);
        let c = ctx(&store);
        let ask = |b: &str| String::from_utf8(handle(&c, b.as_bytes())).unwrap();
        assert_eq!(
            ask("node\nbuild\npartition-generation\n"),
            "node\tBB901000000FC02\nbuild\t8.1.2.0\npartition-generation\t0\n"
        );
        assert_eq!(ask("peers-clear-std\n"), "peers-clear-std\t0,3000,[]\n");
        assert_eq!(
            ask("bogus-command\n"),
            "bogus-command\tERROR:4:unrecognized command\n"
        );
        assert_eq!(
            ask("query-show:id=1\n"),
            "query-show:id=1\tERROR:2:job not found\n"
        );
        assert_eq!(
            ask("truncate:namespace=nosuchns;set=x\n"),
            "truncate:namespace=nosuchns;set=x\tok\n"
        );
        assert_eq!(
            ask("truncate:namespace=feast\n"),
            "truncate:namespace=feast\tERROR:4:missing 'set'\n"
        );
        assert_eq!(
            ask("truncate-namespace:namespace=feast;set=x\n"),
            "truncate-namespace:namespace=feast;set=x\tERROR:4:unexpected set name\n"
        );
        assert_eq!(
            ask("truncate:namespace=feast;set=x;lut=99999999999999999999\n"),
            "truncate:namespace=feast;set=x;lut=99999999999999999999\tERROR:4:bad lut\n"
        );
        let future = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            + 60_000_000_000)
            .to_string();
        let q = format!("truncate:namespace=feast;set=x;lut={future}\n");
        assert!(ask(&q).ends_with("\tERROR:4:would truncate in the future\n"));
        assert_eq!(ask("namespaces\n"), "namespaces\tfeast;feast2\n");
        // Control commands are unknown unless enabled.
        assert_eq!(
            ask("testserver-delay:ms=5\n"),
            "testserver-delay:ms=5\tERROR:4:unrecognized command\n"
        );
        let r = ask("replicas\npartition-generation\n");
        // Same length as the captured 1423-byte answer.
        assert_eq!(r.len(), 1423);
        assert!(r.starts_with("replicas\tfeast:0,1,////"));
        assert!(r.contains("8=;feast2:0,1,///"));
        assert_eq!(
            ask("peers-tls-std\n"),
            "peers-tls-std\tERROR:25:enterprise only\n"
        );
        assert_eq!(
            ask("sets/feast/proto_demo\n"),
            "sets/feast/proto_demo\tobjects=0:tombstones=0:data_used_bytes=0:truncate_lut=0:sindexes=0:index_populating=false:truncating=false:default-read-touch-ttl-pct=0:default-ttl=0:disable-eviction=false:enable-index=false:stop-writes-count=0:stop-writes-size=0;\n"
        );
    }
}
