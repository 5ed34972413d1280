//! Scenario helpers shared by the end-to-end tests: a three-well field on a
//! manual clock, the agent's config, driving time, draining, the final checks.
#![allow(dead_code, unreachable_pub, reason = "each test binary uses a subset")]

#[path = "../../../agent/tests/common/mod.rs"]
pub mod agent_common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub use agent_common::{Dev, agent_toml, sim_config, write_config};
use caudal_agent::outbox::{Outbox, OutboxConfig};
use caudal_config::agent::WhenFull;
use caudal_sim::Field;
use caudal_tests::harness::{Agent, audit, collector_section, counted_pulses};

pub const AGENT: &str = "test-agent";
pub const WELLS: [&str; 3] = ["w32", "w16", "wrtu"];
/// Simulated seconds per step; one step every 100 ms of real time.
pub const STEP: Duration = Duration::from_secs(20);
/// How long the pipeline may take to catch up after the last step.
pub const SETTLE: Duration = Duration::from_secs(90);

/// Three wells on a manual clock (`time_scale = 0`): the test moves time, so
/// while it does not, no pulse is emitted and truth is exact. The 16-bit
/// meters emit 720 pulses a step and start near the wrap: they roll over
/// early and often, yet a poll may come as late as 45 steps (4.5 s of a
/// loaded CI machine) before a wrap becomes ambiguous.
pub fn field_config() -> caudal_config::sim::SimConfig {
    sim_config(
        r#"
seed = 11
time_scale = 0
model_step_ms = 500

[pump]
on_s = 1800
off_s = 600
flow_lps = 12

[[devices]]
id = "w32"
unit_id = 1
transport = "tcp"
counter_bits = 32
pulses_per_liter = 1.0

[[devices]]
id = "w16"
unit_id = 2
transport = "tcp"
counter_bits = 16
pulses_per_liter = 3.0
counter_start = 60000

[[devices]]
id = "wrtu"
unit_id = 3
transport = "rtu"
baud = 38400
counter_bits = 16
pulses_per_liter = 3.0
counter_start = 60000
"#,
    )
}

pub fn devices() -> Vec<Dev> {
    vec![
        Dev::new("w32", 1, 32, 1.0),
        Dev::new("w16", 2, 16, 3.0),
        Dev {
            poll_ms: 150,
            timeout_ms: 500,
            ..Dev::new("wrtu", 3, 16, 3.0)
        },
    ]
}

pub fn agent_config(
    dir: &Path,
    field: &Field,
    devs: &[Dev],
    collector: SocketAddr,
    bundle: &Path,
) -> caudal_config::agent::AgentConfig {
    let text = agent_toml(
        &dir.join("data"),
        field,
        devs,
        &collector_section(collector, bundle, 200),
    );
    write_config(dir, &text).1
}

/// Move simulated time `steps` times, one step per 100 ms of real time (the
/// agent polls in real time in between).
pub async fn drive(field: &Field, steps: u32) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    for _ in 0..steps {
        tick.tick().await;
        field.advance(STEP);
    }
}

pub fn last_seq(data: &Path) -> u64 {
    let ob = Outbox::open(
        data,
        &OutboxConfig {
            disk_budget_bytes: std::num::NonZeroU64::MAX,
            when_full: WhenFull::Block,
        },
    )
    .unwrap();
    ob.backlog().1.0
}

/// Restart the agent without devices so it only syncs, and wait until the
/// collector holds every seq of its current epoch.
pub async fn drain(
    dir: &Path,
    field: &Field,
    collector: SocketAddr,
    bundle: &Path,
    url: &str,
) -> u64 {
    let last = last_seq(&dir.join("data"));
    let agent = Agent::start(agent_config(dir, field, &[], collector, bundle)).await;
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let epochs = audit(url, AGENT).await;
        if epochs
            .last()
            .is_some_and(|e| e.max_seq == i64::try_from(last).unwrap() && e.is_exact())
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "backlog not drained: last seq {last}, collector {epochs:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    agent.stop().await;
    assert_eq!(
        last_seq(&dir.join("data")),
        last,
        "the draining agent stored nothing new"
    );
    last
}

/// Wait until the agent has read the final counters (time is frozen, so the
/// truth is fixed): every device answers at least two more polls. Stopping
/// the agent then commits what it read.
pub async fn settle_reads(agent: &Agent) {
    let deadline = tokio::time::Instant::now() + SETTLE;
    let m = &agent.ready.metrics;
    let start: Vec<u64> = (0..WELLS.len()).map(|i| m.device(i).replies()).collect();
    // Each poll of a well is two requests (input and holding registers).
    while (0..WELLS.len()).any(|i| m.device(i).replies() < start[i] + 4) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a device stopped answering"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The checks every scenario ends with.
pub async fn check(url: &str, field: &Field, epochs_expected: usize, last: u64) {
    let epochs = audit(url, AGENT).await;
    assert_eq!(epochs.len(), epochs_expected, "epochs: {epochs:?}");
    for e in &epochs {
        assert!(
            e.is_exact(),
            "epoch {:016x}: seqs 1..=max exactly once: {e:?}",
            e.epoch
        );
    }
    assert_eq!(
        epochs.last().unwrap().max_seq,
        i64::try_from(last).unwrap(),
        "the collector holds every reading the agent stored"
    );
    for id in WELLS {
        let truth = field.truth(id);
        let counted = counted_pulses(url, AGENT, id).await;
        let expected = truth.observable_pulses();
        assert!(
            counted.abs_diff(expected) <= 1,
            "{id}: collector counted {counted} pulses, truth {expected}: {truth:?}"
        );
        assert!(
            counted > 10_000,
            "{id}: water was pumped ({counted} pulses)"
        );
    }
    for id in ["w16", "wrtu"] {
        assert!(
            field.truth(id).rollovers >= 1,
            "16-bit counters wrapped: {:?}",
            field.truth(id)
        );
    }
}

/// A collector on its own database and PKI, the three-well field, and a
/// directory for the agent: what every sync scenario starts from.
pub struct Scenario {
    pub db: caudal_tests::harness::TestDb,
    pub pki: caudal_tests::harness::Pki,
    pub bundle: std::path::PathBuf,
    pub collector: Option<caudal_tests::harness::Collector>,
    pub field: Field,
    pub dir: tempfile::TempDir,
}

impl Scenario {
    pub async fn start(db: caudal_tests::harness::TestDb) -> Scenario {
        let pki = caudal_tests::harness::Pki::new();
        let bundle = pki.enroll(AGENT);
        let collector = caudal_tests::harness::Collector::start(
            &db.url,
            &pki.paths,
            "127.0.0.1:0".parse().unwrap(),
        )
        .await;
        let field = Field::start(&field_config()).await.unwrap();
        Scenario {
            db,
            pki,
            bundle,
            collector: Some(collector),
            field,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The collector's QUIC address.
    pub fn addr(&self) -> SocketAddr {
        self.collector.as_ref().expect("collector running").addr
    }

    /// Start the agent polling the three wells and syncing to `collector`.
    pub async fn agent(&self, collector: SocketAddr) -> Agent {
        Agent::start(agent_config(
            self.dir.path(),
            &self.field,
            &devices(),
            collector,
            &self.bundle,
        ))
        .await
    }

    /// Drain the agent's backlog through `collector`, run the final checks
    /// against `epochs` epochs, stop everything; returns the collector's audit.
    pub async fn finish(
        mut self,
        collector: SocketAddr,
        epochs: usize,
    ) -> Vec<caudal_tests::harness::EpochAudit> {
        let last = drain(
            self.dir.path(),
            &self.field,
            collector,
            &self.bundle,
            &self.db.url,
        )
        .await;
        check(&self.db.url, &self.field, epochs, last).await;
        let audit = audit(&self.db.url, AGENT).await;
        if let Some(c) = self.collector.take() {
            c.stop().await;
        }
        self.field.shutdown().await;
        audit
    }
}
