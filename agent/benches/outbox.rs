//! Outbox throughput with group commit, and the agent's peak RSS while
//! polling 50 simulated devices with a backlog of one million readings.
//!
//! `cargo bench -p caudal-agent --bench outbox` (set `CAUDAL_BENCH_RSS_SECS`
//! to change how long the agent polls; default 15).

use std::fmt::Write as _;
use std::num::NonZeroU64;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use caudal_agent::outbox::{Outbox, OutboxConfig};
use caudal_agent::process::Record;
use caudal_agent::process::counter::CounterState;
use caudal_agent::spec::ChannelDef;
use caudal_config::agent::WhenFull;
use caudal_protocol::{ChannelId, Coding, Quality, UtcMillis, Variable};

const BACKLOG: u64 = 1_000_000;
const GROUP: usize = 10_000;

fn cfg() -> OutboxConfig {
    OutboxConfig {
        disk_budget_bytes: NonZeroU64::new(4 << 30).unwrap(),
        when_full: WhenFull::Block,
    }
}

/// Fill `ob` with `n` readings over 10 channels in commits of `GROUP`; returns the elapsed time.
fn fill(ob: &mut Outbox, n: u64) -> Duration {
    let channels: Vec<(ChannelId, Coding)> = (0..10)
        .map(|i| {
            let coding = if i == 0 {
                Coding::Counter {
                    m3_per_pulse: 0.001,
                }
            } else {
                Coding::Linear {
                    scale: 0.01,
                    offset: 0.0,
                }
            };
            let def = ChannelDef {
                name: format!("bench.{i}"),
                point: "B1".to_owned(),
                variable: if i == 0 {
                    Variable::Pulses
                } else {
                    Variable::Level
                },
                unit: "m".to_owned(),
                coding,
                regulated: i == 0,
            };
            (ob.register_channel(&def).unwrap(), coding)
        })
        .collect();
    let mut batch: Vec<Record> = Vec::with_capacity(GROUP);
    let start = Instant::now();
    let mut t = 1_700_000_000_000i64;
    let mut written = 0u64;
    while written < n {
        batch.clear();
        while batch.len() < GROUP && written + (batch.len() as u64) < n {
            let i = batch.len() % channels.len();
            let (id, coding) = channels[i];
            if i == 0 {
                t += 1000;
            }
            let raw = t % 65_536;
            let total = (i == 0).then(|| u64::try_from(t / 1000).unwrap());
            batch.push(Record {
                channel: id,
                time: UtcMillis(t),
                raw,
                total_pulses: total,
                value: coding.value(raw, total),
                quality: Quality::Good,
                counter: total.map(|total| CounterState {
                    last_raw: u64::try_from(raw).unwrap(),
                    total,
                    last_time: UtcMillis(t),
                }),
            });
        }
        ob.append(&batch, &[]).unwrap();
        written += batch.len() as u64;
    }
    start.elapsed()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // 1. Group commit throughput.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut ob = Outbox::open(&data, &cfg()).unwrap();
    let took = fill(&mut ob, BACKLOG);
    let rate = BACKLOG as f64 / took.as_secs_f64();
    println!(
        "outbox: {BACKLOG} readings in commits of {GROUP} (synchronous=FULL, WAL): {took:.2?}, {rate:.0} readings/s"
    );
    println!(
        "outbox: file {} bytes for a backlog of {}",
        ob.used_bytes(),
        ob.backlog_len()
    );
    let read_start = Instant::now();
    let page = ob.read_after(caudal_protocol::Seq(0), 4096).unwrap();
    println!(
        "outbox: read_after of {} readings from the 1M backlog: {:.2?}",
        page.len(),
        read_start.elapsed()
    );
    drop(ob);

    // 2. Peak RSS of the agent binary polling 50 sim devices with that backlog.
    let secs: u64 = std::env::var("CAUDAL_BENCH_RSS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sim: caudal_config::sim::SimConfig = caudal_config::parse(
            std::path::Path::new("fleet.toml"),
            "seed = 9\ntime_scale = 10.0\n[fleet]\ncount = 50\n",
        )
        .unwrap();
        let field = caudal_sim::Field::start(&sim).await.unwrap();
        let mut toml = format!("[agent]\nid = \"bench\"\ndata_dir = \"{}\"\nmetrics_listen = \"127.0.0.1:0\"\n", data.display());
        for d in field.devices() {
            let addr = field.tcp_addr(&d.id).unwrap();
            let id = &d.id;
            let _ = write!(
                toml,
                "[[devices]]\nid = \"{id}\"\ntransport = \"tcp\"\naddress = \"{addr}\"\nunit_id = {}\npoll_interval_ms = 1000\n\
                 [[devices.channels]]\nid = \"{id}.volume\"\npoint = \"{id}\"\nvariable = \"pulses\"\nregister = \"input\"\naddress = 0\ndata_type = \"u32\"\npulses_per_liter = 1.0\ncounter_bits = 32\nregulated = true\n\
                 [[devices.channels]]\nid = \"{id}.level\"\npoint = \"{id}\"\nvariable = \"level\"\nregister = \"input\"\naddress = 2\nscale = 0.01\n\
                 [[devices.channels]]\nid = \"{id}.flow\"\npoint = \"{id}\"\nvariable = \"flow\"\nregister = \"input\"\naddress = 4\ndata_type = \"f32\"\nbyte_order = \"cdab\"\n\
                 [[devices.channels]]\nid = \"{id}.current\"\npoint = \"{id}\"\nvariable = \"motor_current\"\nregister = \"input\"\naddress = 6\nscale = 0.01\n\
                 [[devices.channels]]\nid = \"{id}.running\"\npoint = \"{id}\"\nvariable = \"pump_state\"\nregister = \"input\"\naddress = 10\nbits = {{ shift = 0, width = 1 }}\n\
                 [[devices.channels]]\nid = \"{id}.totaliser\"\npoint = \"{id}\"\nvariable = \"total\"\nregister = \"holding\"\naddress = 10\ndata_type = \"f64\"\n",
                d.unit_id
            );
        }
        let config = dir.path().join("agent.toml");
        std::fs::write(&config, toml).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_caudal-agent"))
            .args(["--log-level", "warn", "run", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let before = caudal_agent::outbox::status(&data).unwrap().backlog.1 .0;
        while start.elapsed() < Duration::from_secs(secs) {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let hwm = vm_hwm_kib(child.id());
        let after = caudal_agent::outbox::status(&data).unwrap().backlog.1 .0;
        child.kill().unwrap();
        child.wait().unwrap();
        println!(
            "agent: 50 devices polled every 1 s for {secs} s over a backlog of {BACKLOG}: {} readings stored, peak RSS (VmHWM) {} KiB",
            after - before,
            hwm.map_or_else(|| "unknown".to_owned(), |k| k.to_string())
        );
        field.shutdown().await;
    });
}
