//! The agent process is SIGKILLed again and again while it polls and streams
//! batches; the collector ends up with every reading exactly once and the m³
//! totals of the ground truth, on SQLite and PostgreSQL.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use caudal_tests::harness::{TestDb, counted_pulses};
use common::{AGENT, Scenario, WELLS, agent_config, devices, drive};

const KILLS: u32 = 12;

fn spawn(config: &Path, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_e2e-agent"))
        .args(["--log-level", "info", "run", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start the agent binary")
}

async fn sigkill_mid_batch(db: TestDb) {
    let sc = Scenario::start(db).await;
    let (field, dir, addr) = (&sc.field, sc.dir.path(), sc.addr());
    // Writes dir/agent.toml; the process reads it.
    let _ = agent_config(dir, field, &devices(), addr, &sc.bundle);
    let config = dir.join("agent.toml");
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    for round in 0..KILLS {
        let mut child = spawn(&config, &dir.join(format!("agent-{round}.log")));
        // Steps of simulated time while it runs, then a kill at a random moment:
        // batches are in flight (linger 200 ms) most of the time.
        drive(field, 3 + u32::try_from(next(8)).unwrap()).await;
        tokio::time::sleep(Duration::from_millis(next(400))).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    // A last run that is allowed to finish: read the frozen counters, sync, stop.
    let sessions_before = sc
        .collector
        .as_ref()
        .unwrap()
        .metrics
        .agent_counters(AGENT)
        .sessions;
    let mut child = spawn(&config, &dir.join("agent-final.log"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        // This run's own session first: the totals may already be complete from
        // the runs before, and a SIGTERM before the agent is up would kill it.
        let mut done = sc
            .collector
            .as_ref()
            .unwrap()
            .metrics
            .agent_counters(AGENT)
            .sessions
            > sessions_before;
        for id in WELLS {
            if counted_pulses(&sc.db.url, AGENT, id)
                .await
                .abs_diff(field.truth(id).observable_pulses())
                > 1
            {
                done = false;
            }
        }
        if done {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the collector never caught up with the field; logs in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // SIGTERM: a clean stop commits what it read.
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "clean exit on SIGTERM, got {status}; log:\n{}",
        std::fs::read_to_string(dir.join("agent-final.log")).unwrap_or_default()
    );
    let sessions = sc
        .collector
        .as_ref()
        .unwrap()
        .metrics
        .agent_counters(AGENT)
        .sessions;
    // Most starts got as far as a session before their kill (a start killed
    // within its first milliseconds may not have).
    assert!(
        sessions > u64::from(KILLS) / 2,
        "sessions were killed mid-stream: {sessions}"
    );
    sc.finish(addr, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agent_sigkilled_mid_batch_on_sqlite() {
    sigkill_mid_batch(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agent_sigkilled_mid_batch_on_postgres() {
    sigkill_mid_batch(TestDb::postgres().await).await;
}
