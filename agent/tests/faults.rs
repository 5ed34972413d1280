//! Each device fault of caudal-sim, injected at run time: the quality code
//! on the readings, the metric, and the log line the agent produces; and the
//! device is probed again and recovers when the fault clears.

mod common;

use std::io::{Read as _, Write as _};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use caudal_agent::acquire::ErrorKind;
use caudal_agent::metrics::Metrics;
use caudal_agent::pipeline;
use caudal_protocol::{ChannelDesc, Quality, Reading, Reason, Variable};
use caudal_sim::{Exception, Fault, FaultKind, Field};
use common::{Dev, agent_toml, all_readings, sim_config, write_config};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let w = logs.clone();
        tracing_subscriber::fmt()
            .with_env_filter("caudal_agent=info")
            .with_ansi(false)
            .with_writer(move || w.clone())
            .init();
        logs
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

/// Wait (bounded) for a condition on the live agent; no fixed sleeps.
async fn until(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    let mut tick = tokio::time::interval(Duration::from_millis(25));
    while !cond() {
        assert!(
            Instant::now() < end,
            "timed out waiting for: {what}\nlogs:\n{}",
            log_text()
        );
        tick.tick().await;
    }
}

fn qualities(
    channels: &[ChannelDesc],
    readings: &[Reading],
    point: &str,
    variable: Variable,
) -> Vec<Quality> {
    let ids: Vec<_> = channels
        .iter()
        .filter(|c| c.point == point && c.variable == variable)
        .map(|c| c.id)
        .collect();
    readings
        .iter()
        .filter(|r| ids.contains(&r.channel))
        .map(|r| r.quality)
        .collect()
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap()
}

const DEVICES: [&str; 8] = [
    "noreply", "exc", "garbage", "slow", "dropped", "dead", "stuck", "reboot",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sim_fault_yields_a_quality_a_metric_and_a_log() {
    logs();
    let mut sim = String::from("seed = 5\ntime_scale = 100.0\n");
    for (i, id) in DEVICES.iter().enumerate() {
        let transport = if matches!(*id, "garbage" | "dropped") {
            "rtu\"\nbaud = \"38400"
        } else {
            "tcp"
        };
        sim.push_str(&format!(
            "[[devices]]\nid = \"{id}\"\nunit_id = {}\ntransport = \"{transport}\"\n",
            i + 1
        ));
        if *id == "reboot" {
            // A reboot must show as a drop of the counter whatever the pump is
            // doing when it happens (at 0 with the pump off, it would not).
            sim.push_str("counter_start = 100000\n");
        }
    }
    let sim = sim.replace("baud = \"38400\"", "baud = 38400");
    let field = Field::start(&sim_config(&sim)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let devs: Vec<Dev> = DEVICES
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut d = Dev::new(id, u8::try_from(i + 1).unwrap(), 32, 1.0);
            d.timeout_ms = 200;
            if *id == "stuck" {
                d.extra = "\n[[devices.channels]]\nid = \"stuck.level_watch\"\npoint = \"stuck\"\nvariable = \"level\"\nregister = \"input\"\naddress = 2\nscale = 0.01\nstuck_after_ms = 600\n".to_owned();
            }
            d
        })
        .collect();
    let text = agent_toml(
        &dir.path().join("data"),
        &field,
        &devs,
        "metrics_listen = \"127.0.0.1:0\"",
    );
    let (_, cfg) = write_config(dir.path(), &text);
    let shutdown = CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let run = tokio::spawn({
        let s = shutdown.clone();
        async move { pipeline::run(&cfg, s, Some(tx)).await }
    });
    let ready = rx.await.unwrap();
    let m: Arc<Metrics> = Arc::clone(&ready.metrics);
    let dev = |id: &str| DEVICES.iter().position(|d| *d == id).unwrap();
    until("every device answers", Duration::from_secs(20), || {
        DEVICES.iter().all(|id| m.device(dev(id)).replies() >= 3)
    })
    .await;

    // The reboot must also show on the device's own totaliser: let it pump first.
    until(
        "the reboot well has pumped",
        Duration::from_secs(40),
        || field.truth("reboot").run_time_s > 60.0,
    )
    .await;
    field.inject("noreply", Fault::NoReply);
    field.inject("exc", Fault::Exception(Exception::from(4u8)));
    field.inject("garbage", Fault::GarbageBytes);
    field.inject("slow", Fault::SlowReply(Duration::from_millis(600)));
    field.inject("dropped", Fault::DroppedBytes);
    field.inject("dead", Fault::DeadSensor { loop_ua: 0 });
    field.inject("stuck", Fault::StuckSensor);
    field.inject("reboot", Fault::Reboot);

    until("each fault seen", Duration::from_secs(30), || {
        m.device(dev("noreply")).errors(ErrorKind::Timeout) >= 3
            && m.device(dev("exc")).errors(ErrorKind::Exception) >= 2
            && m.device(dev("garbage")).errors(ErrorKind::Garbled)
                + m.device(dev("garbage")).errors(ErrorKind::Timeout)
                >= 2
            && m.device(dev("slow")).errors(ErrorKind::Timeout) >= 2
            && m.device(dev("dropped")).errors(ErrorKind::Timeout)
                + m.device(dev("dropped")).errors(ErrorKind::Garbled)
                >= 2
            && m.flags(Reason::SensorFault) >= 2
            && m.flags(Reason::Stuck) >= 1
            && m.counter_resets.load(Relaxed) >= 1
    })
    .await;

    // The metrics endpoint shows the same. A device is marked down when its
    // poll gives up, a moment after the timeouts counted above: scrape until then.
    let down = "caudal_agent_device_down{device=\"noreply\"} 1";
    let end = Instant::now() + Duration::from_secs(20);
    let mut body = http_get(ready.metrics_addr.unwrap(), "/metrics").await;
    while !body.contains(down) && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50)).await;
        body = http_get(ready.metrics_addr.unwrap(), "/metrics").await;
    }
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains("caudal_agent_device_down{device=\"noreply\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("caudal_agent_errors_total{device=\"exc\",kind=\"exception\"}"),
        "{body}"
    );
    assert!(
        body.contains("caudal_agent_quality_flags_total{reason=\"sensor_fault\"}"),
        "{body}"
    );
    assert!(
        body.contains("caudal_agent_counter_resets_total 1"),
        "{body}"
    );
    assert!(body.contains("caudal_agent_outbox_backlog"), "{body}");

    // Clear: every device is probed again and answers; the others never stalled.
    for (id, kind) in [
        ("noreply", FaultKind::NoReply),
        ("exc", FaultKind::Exception),
        ("garbage", FaultKind::GarbageBytes),
        ("slow", FaultKind::SlowReply),
        ("dropped", FaultKind::DroppedBytes),
        ("dead", FaultKind::DeadSensor),
        ("stuck", FaultKind::StuckSensor),
    ] {
        field.clear(id, kind);
    }
    let replies: Vec<u64> = DEVICES
        .iter()
        .map(|id| m.device(dev(id)).replies())
        .collect();
    until(
        "every device answers again",
        Duration::from_secs(20),
        || {
            DEVICES
                .iter()
                .enumerate()
                .all(|(i, id)| m.device(dev(id)).replies() >= replies[i] + 2)
        },
    )
    .await;
    shutdown.cancel();
    run.await.unwrap().unwrap();

    let (channels, readings) = all_readings(&dir.path().join("data"));
    let q = |point: &str, v: Variable| qualities(&channels, &readings, point, v);
    assert!(q("noreply", Variable::Pulses).contains(&Quality::Bad(Reason::Timeout)));
    assert!(q("noreply", Variable::Level).contains(&Quality::Bad(Reason::Timeout)));
    assert!(q("exc", Variable::Pulses).contains(&Quality::Bad(Reason::Exception(4))));
    assert!(q("slow", Variable::Pulses).contains(&Quality::Bad(Reason::Timeout)));
    for point in ["garbage", "dropped"] {
        let bad = q(point, Variable::Pulses);
        assert!(
            bad.iter()
                .any(|q| matches!(q, Quality::Bad(Reason::Timeout | Reason::DecodeFailed))),
            "{point}: {bad:?}"
        );
    }
    let dead = q("dead", Variable::Level);
    assert!(
        dead.iter()
            .filter(|q| **q == Quality::Bad(Reason::SensorFault))
            .count()
            >= 2,
        "both level channels: {dead:?}"
    );
    assert!(q("stuck", Variable::Level).contains(&Quality::Suspect(Reason::Stuck)));
    assert!(q("reboot", Variable::Pulses).contains(&Quality::Suspect(Reason::CounterReset)));
    assert!(q("reboot", Variable::Total).contains(&Quality::Suspect(Reason::TotalReset)));
    // After recovery the last readings are good again.
    for point in ["noreply", "exc", "slow"] {
        assert_eq!(
            q(point, Variable::Pulses).last(),
            Some(&Quality::Good),
            "{point}"
        );
    }

    let logs = log_text();
    for line in [
        "device=noreply",
        "device stopped answering; probing with backoff",
        "device answers again",
        "device answered with a Modbus exception",
        "code=4",
        "reason=\"sensor_fault\"",
        "reason=\"stuck\"",
        "pulse counter reset: counting from zero",
        "channel=reboot.volume",
    ] {
        assert!(logs.contains(line), "log has `{line}`:\n{logs}");
    }
    field.shutdown().await;
}
