//! The INFO protocol: `name[:params]\n` lines in, `name\tvalue\n` lines out
//! in request order, with the exact answers CE 8.1.2.0 gives on a single node
//! (shared/protocol/info-commands.txt) where clients depend on them. Unknown
//! names answer `ERROR:4:unrecognized command`, as the server does.

use std::fmt::Write as _;

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
        _ if name.starts_with("sets") => sets(ctx, name),
        _ if name.starts_with("namespace/") => namespace_stats(ctx, &name["namespace/".len()..]),
        _ => "ERROR:4:unrecognized command".to_string(),
    }
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
                "ns_cluster_size=1;effective_replication_factor=1;objects={objects};tombstones=0;replication-factor=1;default-ttl={};storage-engine=memory",
                n.default_ttl
            )
        }
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

    fn ctx(store: &Store) -> InfoContext<'_> {
        InfoContext {
            store,
            node_id: "BB901000000FC02",
            cluster_name: "feast-local",
            host: "127.0.0.1".into(),
            port: 3000,
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
