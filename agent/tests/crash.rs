//! Crash test: SIGKILL the real `caudal-agent` binary at random moments, 20+
//! times, restarting it each time. Afterwards the outbox seqs have no gaps
//! and no repeats, and the totals match the simulator's ground truth to one pulse.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use caudal_sim::Field;
use common::{Dev, agent_toml, all_readings, check_total, sim_config, write_config};
use rand::{Rng, SeedableRng};

const TIME_SCALE: f64 = 1000.0;
const KILLS: usize = 20;

fn spawn(config: &std::path::Path, log: &std::path::Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_caudal-agent"))
        .args(["--log-level", "warn", "run", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start caudal-agent")
}

fn last_seq(data: &std::path::Path) -> u64 {
    caudal_agent::outbox::status(data).map_or(0, |s| s.backlog.1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_and_repeats_nothing() {
    let sim = sim_config(&format!(
        r#"
seed = 11
time_scale = {TIME_SCALE}
model_step_ms = 200

[[devices]]
id = "w32"
unit_id = 1
transport = "tcp"
counter_bits = 32
pulses_per_liter = 1.0
  [[devices.faults]]
  at_s = 3000
  fault = "counter_rollover"
  pulses_before_wrap = 3000
  [[devices.faults]]
  at_s = 9000
  fault = "reboot"

[[devices]]
id = "w16"
unit_id = 2
transport = "tcp"
counter_bits = 16
# Wraps about 2 s (real) into the run, well before its reboot; slow enough that a restart under load
# never hides a whole wrap or makes a reboot look like a plausible rollover.
counter_start = 63000
pulses_per_liter = 0.1
  [[devices.faults]]
  at_s = 6000
  fault = "reboot"

[[devices]]
id = "wrtu"
unit_id = 3
transport = "rtu"
baud = 38400
counter_bits = 32
pulses_per_liter = 1.0
  [[devices.faults]]
  at_s = 5000
  fault = "reboot"
"#
    ));
    let field = Field::start(&sim).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rate = |ppl: f64| 12.0 * ppl * TIME_SCALE * 2.0;
    let devs = [
        Dev {
            rate: Some(rate(1.0)),
            ..Dev::new("w32", 1, 32, 1.0)
        },
        // The meter's own rate (0.1 pulses per litre): with a rate 10x too high, a
        // reboot after a few quick kills in a row could pass for a plausible wrap.
        Dev {
            rate: Some(rate(0.1)),
            poll_ms: 50,
            ..Dev::new("w16", 2, 16, 0.1)
        },
        Dev {
            rate: Some(rate(1.0)),
            poll_ms: 150,
            timeout_ms: 500,
            ..Dev::new("wrtu", 3, 32, 1.0)
        },
    ];
    let (config, _) = write_config(dir.path(), &agent_toml(&data, &field, &devs, ""));
    let log = dir.path().join("agent.log");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xC4A5);
    for _ in 0..KILLS {
        let mut child = spawn(&config, &log);
        let wait = Duration::from_millis(rng.random_range(50..900));
        tokio::time::sleep(wait).await; // a random moment, on purpose
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
    }
    // A last run until it has stored more, then a last kill.
    let before = last_seq(&data);
    let mut child = spawn(&config, &log);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while last_seq(&data) < before + 200 {
        assert!(
            Instant::now() < deadline,
            "agent made no progress; log:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "agent exited; log:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        tick.tick().await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (channels, readings) = all_readings(&data);
    assert!(readings.len() > 1000, "{} readings", readings.len());
    for id in ["w32", "w16", "wrtu"] {
        check_total(&field, &channels, &readings, id);
    }
    let truth = field.truth("w32");
    assert!(
        truth.reboots + field.truth("w16").reboots + field.truth("wrtu").reboots >= 1,
        "a reboot happened during the crashes"
    );
    field.shutdown().await;
}
