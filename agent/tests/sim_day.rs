//! A simulated day against caudal-sim over Modbus TCP and RTU, through
//! rollovers and reboots: the stored m³ totals match the ground truth to one pulse.

mod common;

use std::time::Duration;

use caudal_agent::pipeline;
use caudal_protocol::{Quality, Reason, Variable};
use caudal_sim::Field;
use common::{Dev, agent_toml, all_readings, check_total, sim_config, write_config};
use tokio_util::sync::CancellationToken;

/// Simulated seconds per real second: a day in about 43 s.
const TIME_SCALE: f64 = 2000.0;
const DAY_S: f64 = 86_400.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_day_total_matches_ground_truth() {
    let sim = sim_config(&format!(
        r#"
seed = 7
time_scale = {TIME_SCALE}
model_step_ms = 200

[[devices]]
id = "w32"
unit_id = 1
transport = "tcp"
counter_bits = 32
pulses_per_liter = 1.0
  [[devices.faults]]
  at_s = 15000
  fault = "counter_rollover"
  pulses_before_wrap = 5000
  [[devices.faults]]
  at_s = 40000
  fault = "reboot"
  [[devices.faults]]
  at_s = 70000
  fault = "reboot"

[[devices]]
id = "w16"
unit_id = 2
transport = "tcp"
counter_bits = 16
pulses_per_liter = 0.1
  [[devices.faults]]
  at_s = 30000
  fault = "reboot"
  [[devices.faults]]
  at_s = 60000
  fault = "counter_rollover"
  pulses_before_wrap = 200

[[devices]]
id = "wrtu"
unit_id = 3
transport = "rtu"
baud = 38400
counter_bits = 32
counter_start = 4294900000
pulses_per_liter = 1.0
  [[devices.faults]]
  at_s = 50000
  fault = "reboot"
"#
    ));
    let field = Field::start(&sim).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Fastest plausible count: 12 l/s (±2 % noise) at TIME_SCALE, with a 2× margin.
    let rate = |ppl: f64| 12.0 * ppl * TIME_SCALE * 2.0;
    let devs = [
        Dev {
            rate: Some(rate(1.0)),
            ..Dev::new("w32", 1, 32, 1.0)
        },
        Dev {
            rate: Some(rate(0.1)),
            ..Dev::new("w16", 2, 16, 0.1)
        },
        Dev {
            rate: Some(rate(1.0)),
            poll_ms: 150,
            timeout_ms: 500,
            ..Dev::new("wrtu", 3, 32, 1.0)
        },
    ];
    let (_, cfg) = write_config(
        dir.path(),
        &agent_toml(&dir.path().join("data"), &field, &devs, ""),
    );
    let shutdown = CancellationToken::new();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let agent = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { pipeline::run(&cfg, shutdown, Some(ready_tx)).await }
    });
    let ready = ready_rx.await.expect("agent started");
    // Let the simulated day pass (this is the test's run time, not a readiness wait).
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    while field.sim_time().as_secs_f64() < DAY_S + 600.0 {
        tick.tick().await;
        assert!(
            !agent.is_finished(),
            "agent stopped early: {:?}",
            agent.await
        );
    }
    shutdown.cancel();
    agent.await.unwrap().unwrap();

    let (channels, readings) = all_readings(&dir.path().join("data"));
    for id in ["w32", "w16", "wrtu"] {
        let truth = field.truth(id);
        assert!(truth.reboots >= 1, "{id}: the day had a reboot: {truth:?}");
        let total = check_total(&field, &channels, &readings, id);
        assert!(total > 10_000, "{id}: water was pumped: {total}");
    }
    assert!(
        field.truth("w16").rollovers >= 1,
        "the 16-bit counter wrapped: {:?}",
        field.truth("w16")
    );
    assert!(field.truth("wrtu").rollovers >= 1);
    // Every reboot became Suspect(CounterReset) on the counter, and a metric.
    let counter_channels: Vec<_> = channels
        .iter()
        .filter(|c| c.variable == Variable::Pulses)
        .map(|c| c.id)
        .collect();
    let resets = readings
        .iter()
        .filter(|r| {
            counter_channels.contains(&r.channel)
                && r.quality == Quality::Suspect(Reason::CounterReset)
        })
        .count();
    let reboots: u32 = ["w32", "w16", "wrtu"]
        .iter()
        .map(|id| field.truth(id).reboots)
        .sum();
    let metric = ready
        .metrics
        .counter_resets
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(metric, u64::from(reboots), "one reset per reboot");
    assert_eq!(resets, usize::try_from(reboots).unwrap());
    assert!(
        ready
            .metrics
            .counter_rollovers
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    );
    // The device totaliser restarts at a reboot too: flagged, never edited.
    assert!(
        readings
            .iter()
            .any(|r| r.quality == Quality::Suspect(Reason::TotalReset))
    );
    field.shutdown().await;
}
