//! Sync figures, printed:
//!
//! 1. Backlog drain: an outbox holding `CAUDAL_BENCH_BACKLOG` readings (default
//!    1,000,000; 50 channels) is synced over loopback QUIC into SQLite and into
//!    PostgreSQL; prints readings/s and the drain time.
//! 2. Wire cost: a live field of 10 wells x 5 channels polled at 1 Hz for
//!    `CAUDAL_BENCH_WIRE_SECS` (default 60) through a counting UDP proxy;
//!    prints bytes per reading both ways, IP and UDP headers included.
//!
//! `cargo bench -p caudal-tests --bench sync`

use std::fmt::Write as _;
use std::num::NonZeroU64;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use caudal_agent::outbox::{Outbox, OutboxConfig};
use caudal_agent::process::Record;
use caudal_agent::process::counter::CounterState;
use caudal_agent::spec::ChannelDef;
use caudal_config::agent::WhenFull;
use caudal_protocol::{Coding, Quality, UtcMillis, Variable};
use caudal_tests::harness::{Agent, Collector, Pki, TestDb, collector_section};
use caudal_tests::proxy::UdpProxy;

/// IPv4 (20) + UDP (8) header bytes per datagram.
const IP_UDP_HEADERS: u64 = 28;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` readings of a 10-well field (flow, level, counter, pump state, current) at 1 Hz.
fn fill(data: &Path, n: u64) -> Duration {
    let mut ob = Outbox::open(
        data,
        &OutboxConfig {
            disk_budget_bytes: NonZeroU64::new(8 << 30).unwrap(),
            when_full: WhenFull::Block,
        },
    )
    .unwrap();
    let kinds = [
        (
            Variable::Flow,
            Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
        ),
        (
            Variable::Level,
            Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
        ),
        (
            Variable::Pulses,
            Coding::Counter {
                m3_per_pulse: 0.001,
            },
        ),
        (Variable::PumpState, Coding::Bits { shift: 0, width: 1 }),
        (
            Variable::MotorCurrent,
            Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
        ),
    ];
    let mut channels = Vec::new();
    for w in 0..10 {
        for (variable, coding) in kinds {
            let def = ChannelDef {
                name: format!("w{w}.{variable}"),
                point: format!("W-{w}"),
                variable,
                unit: String::new(),
                coding,
                regulated: variable == Variable::Pulses,
            };
            channels.push((ob.register_channel(&def).unwrap(), variable, coding));
        }
    }
    let start = Instant::now();
    let mut written = 0u64;
    let mut second = 0i64;
    let mut batch: Vec<Record> = Vec::with_capacity(10_000);
    while written < n {
        batch.clear();
        while batch.len() < 10_000 && written + u64::try_from(batch.len()).unwrap() < n {
            let k = batch.len() % channels.len();
            if k == 0 {
                second += 1;
            }
            let (id, variable, coding) = channels[k];
            let t = 1_763_900_000_000 + second * 1000 + i64::try_from(k).unwrap() * 7;
            let noise = (second * 7 + i64::try_from(k).unwrap() * 13) % 11 - 5;
            let (raw, total) = match variable {
                Variable::Flow => (1250 + noise, None),
                Variable::Level => (3500 - second / 60, None),
                Variable::Pulses => {
                    let total = u64::try_from(second).unwrap() * 12
                        + u64::try_from(noise.rem_euclid(2)).unwrap();
                    (i64::try_from(total % (1 << 32)).unwrap(), Some(total))
                }
                Variable::PumpState => (1, None),
                _ => (4120 + noise / 2, None),
            };
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
        written += u64::try_from(batch.len()).unwrap();
    }
    start.elapsed()
}

async fn drain(backend: &str, db: TestDb, n: u64) {
    let pki = Pki::new();
    let bundle = pki.enroll("bench");
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let filled = fill(&data, n);
    let text = format!(
        "[agent]\nid = \"bench\"\ndata_dir = \"{}\"\n{}",
        data.display(),
        collector_section(collector.addr, &bundle, 1000)
    );
    let cfg_path = dir.path().join("agent.toml");
    std::fs::write(&cfg_path, text).unwrap();
    let cfg = caudal_config::load(&cfg_path).unwrap();
    // The outage ends: the agent starts with its backlog and the collector is there.
    let start = Instant::now();
    let agent = Agent::start(cfg).await;
    let mut last_print = Instant::now();
    while collector.metrics.agent_counters("bench").acked_seq < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if last_print.elapsed() > Duration::from_secs(5) {
            last_print = Instant::now();
            eprintln!(
                "  {backend}: {} of {n} acknowledged",
                collector.metrics.agent_counters("bench").acked_seq
            );
        }
    }
    let took = start.elapsed();
    agent.stop().await;
    #[allow(clippy::cast_precision_loss, reason = "figures for display")]
    let rate = n as f64 / took.as_secs_f64();
    println!(
        "drain into {backend:<8}: {n} readings (50 channels) in {:.2} s = {rate:.0} readings/s (outbox filled in {:.2} s)",
        took.as_secs_f64(),
        filled.as_secs_f64()
    );
    collector.stop().await;
}

async fn wire(secs: u64) {
    let db = TestDb::sqlite();
    let pki = Pki::new();
    let bundle = pki.enroll("bench");
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let proxy = UdpProxy::start(collector.addr, 1).await.unwrap();
    let sim: caudal_config::sim::SimConfig = caudal_config::parse(
        Path::new("wire.toml"),
        "seed = 5\ntime_scale = 1.0\n[fleet]\ncount = 10\n",
    )
    .unwrap();
    let field = caudal_sim::Field::start(&sim).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut toml = format!(
        "[agent]\nid = \"bench\"\ndata_dir = \"{}\"\n{}",
        dir.path().join("data").display(),
        collector_section(proxy.addr, &bundle, 5000)
    );
    for d in field.devices() {
        let (id, addr) = (&d.id, field.tcp_addr(&d.id).unwrap());
        let ch = |name: &str, variable: &str, rest: &str| {
            format!(
                "[[devices.channels]]\nid = \"{id}.{name}\"\npoint = \"{id}\"\nvariable = \"{variable}\"\nregister = \"input\"\n{rest}\n"
            )
        };
        let _ = write!(
            toml,
            "[[devices]]\nid = \"{id}\"\ntransport = \"tcp\"\naddress = \"{addr}\"\nunit_id = {}\npoll_interval_ms = 1000\n",
            d.unit_id
        );
        toml += &ch(
            "volume",
            "pulses",
            "address = 0\ndata_type = \"u32\"\npulses_per_liter = 1.0\ncounter_bits = 32\nregulated = true",
        );
        toml += &ch("level", "level", "address = 2\nscale = 0.01");
        toml += &ch("flow", "flow", "address = 3\nscale = 0.01");
        toml += &ch("current", "motor_current", "address = 6\nscale = 0.01");
        toml += &ch(
            "running",
            "pump_state",
            "address = 10\nbits = { shift = 0, width = 1 }",
        );
    }
    let cfg_path = dir.path().join("agent.toml");
    std::fs::write(&cfg_path, toml).unwrap();
    let agent = Agent::start(caudal_config::load(&cfg_path).unwrap()).await;
    let s = &proxy.stats;
    let snapshot = || {
        (
            collector.metrics.agent_counters("bench").acked_seq,
            s.bytes_up.load(Relaxed) + IP_UDP_HEADERS * s.datagrams_up.load(Relaxed),
            s.bytes_down.load(Relaxed) + IP_UDP_HEADERS * s.datagrams_down.load(Relaxed),
        )
    };
    // Steady state starts once the handshake and the first batches are behind.
    let warmup = Duration::from_secs(std::cmp::min(15, secs / 4));
    tokio::time::sleep(warmup).await;
    let (acked0, up0, down0) = snapshot();
    tokio::time::sleep(Duration::from_secs(secs) - warmup).await;
    let (acked, up, down) = snapshot();
    let stored = agent.ready.metrics.stored.load(Relaxed);
    agent.stop().await;
    #[allow(clippy::cast_precision_loss, reason = "figures for display")]
    let per = |b: u64, n: u64| b as f64 / n as f64;
    println!(
        "wire: 10 wells x 5 channels (+1 derived flow each) at 1 Hz for {secs} s: {stored} readings stored, {acked} acknowledged"
    );
    println!(
        "wire, whole run (handshake included): up {:.2} B/reading, down {:.2}, both {:.2}",
        per(up, acked),
        per(down, acked),
        per(up + down, acked)
    );
    let n = acked - acked0;
    println!(
        "wire, steady state ({} s after a {} s warm-up, {n} readings): up {:.2} B/reading, down {:.2}, both {:.2} (QUIC, TLS, IP/UDP headers included)",
        secs - warmup.as_secs(),
        warmup.as_secs(),
        per(up - up0, n),
        per(down - down0, n),
        per(up - up0 + down - down0, n)
    );
    collector.stop().await;
    field.shutdown().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let n = env_u64("CAUDAL_BENCH_BACKLOG", 1_000_000);
    let secs = env_u64("CAUDAL_BENCH_WIRE_SECS", 60);
    rt.block_on(async {
        drain("sqlite", TestDb::sqlite(), n).await;
        drain("postgres", TestDb::postgres().await, n).await;
        wire(secs).await;
    });
}
