//! Sim -> agent -> QUIC -> collector -> database, end to end, on SQLite and
//! PostgreSQL: nothing lost, nothing duplicated, m³ totals equal to the
//! simulator's ground truth within one pulse — over a clean link, a lossy
//! one, a collector killed mid-stream, and an agent whose database is lost.

mod common;

use std::sync::atomic::Ordering::Relaxed;

use caudal_tests::harness::{Collector, TestDb};
use caudal_tests::proxy::UdpProxy;
use common::{Scenario, drain, drive, settle_reads};

async fn baseline(db: TestDb) {
    let sc = Scenario::start(db).await;
    let agent = sc.agent(sc.addr()).await;
    drive(&sc.field, 150).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let addr = sc.addr();
    sc.finish(addr, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loss_free_baseline_on_sqlite() {
    baseline(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loss_free_baseline_on_postgres() {
    baseline(TestDb::postgres().await).await;
}

/// Drops, duplicates, reorders and delays datagrams, and cuts the link twice.
async fn lossy(db: TestDb) {
    let sc = Scenario::start(db).await;
    let proxy = UdpProxy::start(sc.addr(), 0xC0FFEE).await.unwrap();
    proxy.faults.drop_per_mille.store(50, Relaxed);
    proxy.faults.duplicate_per_mille.store(30, Relaxed);
    proxy.faults.reorder_per_mille.store(50, Relaxed);
    proxy.faults.delay_ms.store(5, Relaxed);
    let agent = sc.agent(proxy.addr).await;
    for (steps, cut) in [
        (40, true),
        (30, false),
        (40, true),
        (20, false),
        (20, false),
    ] {
        drive(&sc.field, steps).await;
        proxy.set_cut(cut);
    }
    settle_reads(&agent).await;
    agent.stop().await;
    sc.finish(proxy.addr, 1).await;
    let s = &proxy.stats;
    assert!(
        s.dropped.load(Relaxed) > 0
            && s.duplicated.load(Relaxed) > 0
            && s.reordered.load(Relaxed) > 0,
        "the proxy did its job: {s:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lossy_link_on_sqlite() {
    lossy(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lossy_link_on_postgres() {
    lossy(TestDb::postgres().await).await;
}

/// The collector dies mid-stream (no close, open transactions lost) and comes back.
async fn collector_killed(db: TestDb) {
    let mut sc = Scenario::start(db).await;
    let addr = sc.addr();
    let agent = sc.agent(addr).await;
    for _ in 0..3 {
        drive(&sc.field, 30).await;
        sc.collector.take().unwrap().kill().await;
        drive(&sc.field, 10).await;
        sc.collector = Some(Collector::start(&sc.db.url, &sc.pki.paths, addr).await);
    }
    drive(&sc.field, 20).await;
    settle_reads(&agent).await;
    agent.stop().await;
    sc.finish(addr, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn collector_killed_and_restarted_on_sqlite() {
    collector_killed(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn collector_killed_and_restarted_on_postgres() {
    collector_killed(TestDb::postgres().await).await;
}

/// The gateway loses its database: the new outbox starts a new epoch, the old
/// one's readings stay, nothing collides or repeats.
async fn database_lost(db: TestDb) {
    let sc = Scenario::start(db).await;
    let addr = sc.addr();
    let agent = sc.agent(addr).await;
    drive(&sc.field, 60).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let first_last = drain(sc.dir.path(), &sc.field, addr, &sc.bundle, &sc.db.url).await;
    // Time is frozen: no pulse is emitted while the gateway has no database.
    std::fs::remove_dir_all(sc.dir.path().join("data")).unwrap();
    let agent = sc.agent(addr).await;
    // The new outbox baselines its counters on its first reads: take them before time moves.
    settle_reads(&agent).await;
    drive(&sc.field, 60).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let epochs = sc.finish(addr, 2).await;
    assert!(
        epochs
            .iter()
            .any(|e| e.max_seq == i64::try_from(first_last).unwrap()),
        "the first epoch is intact: {epochs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agent_database_lost_starts_a_new_epoch_on_sqlite() {
    database_lost(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agent_database_lost_starts_a_new_epoch_on_postgres() {
    database_lost(TestDb::postgres().await).await;
}
