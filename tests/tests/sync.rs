//! Sim -> agent -> QUIC -> collector -> database, end to end, on SQLite and
//! PostgreSQL: nothing lost, nothing duplicated, m³ totals equal to the
//! simulator's ground truth within one pulse — over a clean link, a lossy
//! one, a collector killed mid-stream, and an agent whose database is lost.

mod common;

use common::{AGENT, agent_config, check, devices, drain, drive, field_config, settle_reads};
use caudal_sim::Field;
use caudal_tests::harness::{Agent, Collector, Pki, TestDb, audit};
use caudal_tests::proxy::UdpProxy;

async fn baseline(db: TestDb) {
    let pki = Pki::new();
    let bundle = pki.enroll(AGENT);
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let field = Field::start(&field_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(agent_config(dir.path(), &field, &devices(), collector.addr, &bundle)).await;
    drive(&field, 150).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let last = drain(dir.path(), &field, collector.addr, &bundle, &db.url).await;
    check(&db.url, &field, 1, last).await;
    collector.stop().await;
    field.shutdown().await;
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
    let pki = Pki::new();
    let bundle = pki.enroll(AGENT);
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let proxy = UdpProxy::start(collector.addr, 0xC0FFEE).await.unwrap();
    {
        use std::sync::atomic::Ordering::Relaxed;
        proxy.faults.drop_per_mille.store(50, Relaxed);
        proxy.faults.duplicate_per_mille.store(30, Relaxed);
        proxy.faults.reorder_per_mille.store(50, Relaxed);
        proxy.faults.delay_ms.store(5, Relaxed);
    }
    let field = Field::start(&field_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(agent_config(dir.path(), &field, &devices(), proxy.addr, &bundle)).await;
    drive(&field, 40).await;
    proxy.set_cut(true);
    drive(&field, 30).await;
    proxy.set_cut(false);
    drive(&field, 40).await;
    proxy.set_cut(true);
    drive(&field, 20).await;
    proxy.set_cut(false);
    drive(&field, 20).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let last = drain(dir.path(), &field, proxy.addr, &bundle, &db.url).await;
    check(&db.url, &field, 1, last).await;
    let s = &proxy.stats;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(s.dropped.load(Relaxed) > 0 && s.duplicated.load(Relaxed) > 0 && s.reordered.load(Relaxed) > 0, "the proxy did its job: {s:?}");
    collector.stop().await;
    field.shutdown().await;
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
    let pki = Pki::new();
    let bundle = pki.enroll(AGENT);
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let addr = collector.addr;
    let field = Field::start(&field_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(agent_config(dir.path(), &field, &devices(), addr, &bundle)).await;
    let mut collector = Some(collector);
    for round in 0..3 {
        drive(&field, 30).await;
        collector.take().unwrap().kill().await;
        drive(&field, 10).await;
        collector = Some(Collector::start(&db.url, &pki.paths, addr).await);
        let _ = round;
    }
    drive(&field, 20).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let last = drain(dir.path(), &field, addr, &bundle, &db.url).await;
    check(&db.url, &field, 1, last).await;
    collector.take().unwrap().stop().await;
    field.shutdown().await;
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
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agent_database_lost_starts_a_new_epoch() {
    let db = TestDb::sqlite();
    let pki = Pki::new();
    let bundle = pki.enroll(AGENT);
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let field = Field::start(&field_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(agent_config(dir.path(), &field, &devices(), collector.addr, &bundle)).await;
    drive(&field, 60).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let first_last = drain(dir.path(), &field, collector.addr, &bundle, &db.url).await;
    // Time is frozen: no pulse is emitted while the gateway has no database.
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    let agent = Agent::start(agent_config(dir.path(), &field, &devices(), collector.addr, &bundle)).await;
    // The new outbox baselines its counters on its first reads: take them before time moves.
    settle_reads(&agent).await;
    drive(&field, 60).await;
    settle_reads(&agent).await;
    agent.stop().await;
    let last = drain(dir.path(), &field, collector.addr, &bundle, &db.url).await;
    let epochs = audit(&db.url, AGENT).await;
    assert!(epochs.iter().any(|e| e.max_seq == i64::try_from(first_last).unwrap()), "the first epoch is intact: {epochs:?}");
    check(&db.url, &field, 2, last).await;
    collector.stop().await;
    field.shutdown().await;
}
