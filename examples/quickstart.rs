//! Quickstart: write a small feature view and read it back.
//!
//! `cargo run --release --example quickstart`
//!
//! With FEAST_AEROSPIKE_HOSTS unset it starts the repository's test server
//! (a test double speaking the Aerospike wire protocol, not Aerospike) in
//! this process. Set FEAST_AEROSPIKE_HOSTS=host:port[,host:port...] to use a
//! real cluster instead (namespace `feast`, set `quickstart_latest`).

use std::process::ExitCode;

use feast_aerospike::codec::ms_to_timestamp;
use feast_aerospike::proto::v1::value::Val;
use feast_aerospike::proto::v1::value_type::Enum as Vt;
use feast_aerospike::proto::v1::*;
use feast_aerospike::runtime::runtime;
use feast_aerospike::{OnlineStore, StoreConfig};
use feast_aerospike_testserver::{ServerConfig, TestServer};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the server alive for the whole run when we start one.
    let (_server, hosts, label) = match std::env::var("FEAST_AEROSPIKE_HOSTS") {
        Ok(hosts) if !hosts.trim().is_empty() => {
            let label = format!("cluster at {hosts}");
            (None, parse_hosts(&hosts)?, label)
        }
        _ => {
            let server = TestServer::start(ServerConfig::default())?;
            let addr = server.addr();
            let hosts = serde_json::json!([[addr.ip().to_string(), addr.port()]]);
            let label = format!("in-process test server (not Aerospike) at {addr}");
            (Some(server), hosts, label)
        }
    };
    let config = StoreConfig::from_json(
        &serde_json::json!({
            "project": "quickstart",
            "hosts": hosts,
        })
        .to_string(),
    )?;
    println!("feast-aerospike quickstart: {label}");
    let set = format!("{}/{}", config.namespace, config.default_set_name());

    let view = FeatureView {
        name: "driver_hourly_stats".into(),
        features: [
            ("conv_rate", Vt::Float),
            ("acc_rate", Vt::Double),
            ("avg_daily_trips", Vt::Int64),
            ("city", Vt::String),
        ]
        .iter()
        .map(|(n, t)| Feature {
            name: n.to_string(),
            value_type: *t as i32,
        })
        .collect(),
    };
    let cities = ["Lisbon", "Oslo", "Paris", "Quito", "Seoul"];
    let base_ms = 1_704_067_200_000i64; // 2024-01-01T00:00:00Z
    let rows: Vec<WriteRow> = (0..5)
        .map(|i| WriteRow {
            entity_key: Some(driver(1001 + i)),
            values: [
                ("conv_rate", Val::FloatVal(0.5 + i as f32 * 0.125)),
                ("acc_rate", Val::DoubleVal(0.9 - i as f64 * 0.05)),
                ("avg_daily_trips", Val::Int64Val(100 + 17 * i)),
                ("city", Val::StringVal(cities[i as usize].into())),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value { val: Some(v) }))
            .collect(),
            event_timestamp: Some(ms_to_timestamp(base_ms + i * 3_600_000)),
            created_timestamp: Some(ms_to_timestamp(base_ms + i * 3_600_000 + 1_000)),
        })
        .collect();

    let (written, response) = runtime().block_on(async {
        let store = OnlineStore::connect(config).await?;
        let written = store
            .write_batch(&WriteBatchRequest {
                feature_view: Some(view.clone()),
                rows,
                timeout_ms: 0,
            })
            .await?;
        let response = store
            .read(&ReadRequest {
                // 1006 was never written: it reads as not found.
                entity_keys: (1001..=1006).map(driver).collect(),
                views: vec![ViewRead {
                    feature_view: Some(view.clone()),
                    requested_features: vec![],
                }],
                timeout_ms: 0,
            })
            .await?;
        store.close().await?;
        Ok::<_, feast_aerospike::Error>((written, response))
    })?;
    if !written.failures.is_empty() {
        return Err(format!("write failures: {:?}", written.failures).into());
    }
    println!(
        "wrote {} rows of {} to {set}\n",
        written.rows_written, view.name
    );

    let result = &response.views[0];
    let mut header = vec![
        "driver_id".to_string(),
        "found".into(),
        "event_timestamp".into(),
    ];
    header.extend(result.feature_names.iter().cloned());
    let mut table = vec![header];
    for (i, row) in result.rows.iter().enumerate() {
        let mut line = vec![
            (1001 + i).to_string(),
            if row.found { "yes" } else { "no" }.to_string(),
            row.event_timestamp
                .as_ref()
                .map(|t| rfc3339(t.seconds))
                .unwrap_or_else(|| "-".into()),
        ];
        for j in 0..result.feature_names.len() {
            line.push(row.values.get(j).map_or("-".into(), show));
        }
        table.push(line);
    }
    print_table(&table);
    Ok(())
}

fn driver(id: i64) -> EntityKey {
    EntityKey {
        join_keys: vec!["driver_id".into()],
        entity_values: vec![Value {
            val: Some(Val::Int64Val(id)),
        }],
    }
}

fn parse_hosts(s: &str) -> Result<serde_json::Value, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (host, port) = part
            .rsplit_once(':')
            .ok_or_else(|| format!("FEAST_AEROSPIKE_HOSTS entry {part:?} is not host:port"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| format!("FEAST_AEROSPIKE_HOSTS entry {part:?} has a bad port"))?;
        out.push(serde_json::json!([host, port]));
    }
    Ok(serde_json::Value::Array(out))
}

fn show(v: &Value) -> String {
    match &v.val {
        None => "-".into(),
        Some(Val::FloatVal(x)) => format!("{x:.3}"),
        Some(Val::DoubleVal(x)) => format!("{x:.3}"),
        Some(Val::Int64Val(x)) => x.to_string(),
        Some(Val::StringVal(s)) => s.clone(),
        Some(other) => format!("{other:?}"),
    }
}

fn print_table(rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", cells.join(" | ").trim_end());
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("{}", rule.join("-+-"));
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds (civil-from-days, UTC).
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
