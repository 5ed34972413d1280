//! Agents that must not get in are refused at the handshake (or at the hello),
//! logged and counted, while a legitimate agent's session carries on unharmed.

#[path = "../../agent/tests/common/mod.rs"]
mod agent_common;

use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use agent_common::{Dev, agent_toml, sim_config, write_config};
use caudal_collector::pki;
use caudal_sim::Field;
use caudal_tests::harness::{Agent, Collector, Pki, TestDb, audit, collector_section};

/// An agent with no devices whose sync uses `bundle` (with `ca` as the collector's CA).
async fn intruder(id: &str, dir: &Path, addr: std::net::SocketAddr, bundle: &Path) -> Agent {
    let text = format!(
        "[agent]\nid = \"{id}\"\ndata_dir = \"{}\"\n{}",
        dir.join("data").display(),
        collector_section(addr, bundle, 100)
    );
    std::fs::create_dir_all(dir).unwrap();
    Agent::start(write_config(dir, &text).1).await
}

/// A bundle whose certificate and key come from `cert_from` but which trusts the real collector CA.
fn mixed_bundle(real: &Path, cert_from: &Path, out: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(out).unwrap();
    std::fs::copy(real.join("ca.pem"), out.join("ca.pem")).unwrap();
    std::fs::copy(cert_from.join("agent.pem"), out.join("agent.pem")).unwrap();
    std::fs::copy(cert_from.join("agent.key"), out.join("agent.key")).unwrap();
    out.to_path_buf()
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_certificates_and_garbage_are_refused_without_harming_other_sessions() {
    let db = TestDb::sqlite();
    let pki = Pki::new();
    let good = pki.enroll("test-agent");
    let collector = Collector::start(&db.url, &pki.paths, "127.0.0.1:0".parse().unwrap()).await;
    let addr = collector.addr;

    // A legitimate agent streams the whole time.
    let field = Field::start(&sim_config(
        "seed = 3\ntime_scale = 0\n[[devices]]\nid = \"w1\"\nunit_id = 1\ntransport = \"tcp\"\ncounter_bits = 32\npulses_per_liter = 1.0\n",
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = agent_toml(
        &dir.path().join("data"),
        &field,
        &[Dev::new("w1", 1, 32, 1.0)],
        &collector_section(addr, &good, 100),
    );
    let agent = Agent::start(write_config(dir.path(), &text).1).await;
    let acked = || collector.metrics.agent_counters("test-agent").acked_seq;
    wait_for("the good agent's first ack", || acked() > 0).await;

    let scratch = tempfile::tempdir().unwrap();
    let s = scratch.path();

    // 1. A certificate signed by another CA.
    let other = Pki::new();
    let foreign = mixed_bundle(&good, &other.enroll("test-agent"), &s.join("foreign"));
    let a1 = intruder("test-agent", &s.join("a1"), addr, &foreign).await;
    wait_for("the foreign certificate to be refused", || {
        collector.metrics.refusals.invalid.load(Relaxed) >= 1
    })
    .await;

    // 2. A revoked agent.
    let revoked = pki.enroll("gw-revoked");
    pki.revoke("gw-revoked");
    let a2 = intruder("gw-revoked", &s.join("a2"), addr, &revoked).await;
    wait_for("the revoked certificate to be refused", || {
        collector.metrics.refusals.revoked.load(Relaxed) >= 1
    })
    .await;

    // 3. An expired certificate from the right CA.
    let expired = pki::enroll_with_validity(
        &pki.paths,
        "gw-expired",
        time::OffsetDateTime::now_utc() - time::Duration::days(10),
        Duration::from_secs(86_400),
    )
    .unwrap();
    let expired_dir = s.join("expired-bundle");
    pki::write_bundle(&expired_dir, &expired).unwrap();
    let invalid_before = collector.metrics.refusals.invalid.load(Relaxed);
    let a3 = intruder("gw-expired", &s.join("a3"), addr, &expired_dir).await;
    wait_for("the expired certificate to be refused", || {
        collector.metrics.refusals.invalid.load(Relaxed) > invalid_before
    })
    .await;

    // 4. A valid certificate presenting another agent's id in its hello.
    let impostor = pki.enroll("gw-impostor");
    let a4 = intruder("test-agent-2", &s.join("a4"), addr, &impostor).await;
    wait_for("the mismatched hello to be rejected", || {
        collector.metrics.rejects("unauthorized") >= 1
    })
    .await;

    // 5. Garbage datagrams on the QUIC port.
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..2000usize {
        let len = [1, 20, 1200, 1500][i % 4];
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        sock.send_to(&bytes, addr).await.unwrap();
    }

    // None of them got a session; the good agent kept streaming.
    for a in [&a1, &a2, &a3, &a4] {
        assert_eq!(
            a.ready.sync.sessions.load(Relaxed),
            0,
            "an intruder got a session"
        );
    }
    let before = acked();
    for _ in 0..20 {
        field.advance(Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for("the good agent to keep being acknowledged", || {
        acked() > before
    })
    .await;
    assert_eq!(
        collector.metrics.agent_counters("test-agent").sessions,
        1,
        "the good session was never interrupted"
    );
    for a in [a1, a2, a3, a4] {
        a.stop().await;
    }
    agent.stop().await;
    let epochs = audit(&db.url, "test-agent").await;
    assert_eq!(
        epochs.len(),
        1,
        "only the good agent's epoch under its name: {epochs:?}"
    );
    assert!(epochs[0].is_exact(), "{epochs:?}");
    for id in ["gw-revoked", "gw-expired", "gw-impostor", "test-agent-2"] {
        assert!(audit(&db.url, id).await.is_empty(), "{id} stored nothing");
    }
    let text = collector.metrics.render();
    assert!(
        text.contains("caudal_ingest_handshake_refused_total{reason=\"revoked\"} "),
        "{text}"
    );
    collector.stop().await;
    field.shutdown().await;
}
