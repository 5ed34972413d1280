//! Run the collector in process against a PKI of its own, and audit what it stored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use caudal_collector::ingest::{self, Ingest, IngestMetrics};
use caudal_collector::pki::{self, PkiPaths};
use caudal_collector_store::Store;
/// The one per-test database helper and the audit queries live with the store.
pub use caudal_collector_store::testing::{EpochAudit, TestDb, audit, counted_pulses};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A throwaway CA with its server certificate.
#[derive(Debug)]
pub struct Pki {
    dir: tempfile::TempDir,
    /// The files.
    pub paths: PkiPaths,
}

impl Pki {
    /// `ca init` in a fresh directory.
    #[must_use]
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = PkiPaths::new(dir.path(), &caudal_config::collector::Tls::default());
        pki::ca_init(&paths, &[]).expect("ca init");
        Pki { dir, paths }
    }

    /// `enroll AGENT`: the bundle directory (`agent.pem`, `agent.key`, `ca.pem`).
    #[must_use]
    pub fn enroll(&self, agent: &str) -> PathBuf {
        let e = pki::enroll(&self.paths, agent, 30).expect("enroll");
        let out = self.dir.path().join("bundles").join(agent);
        pki::write_bundle(&out, &e).expect("bundle");
        out
    }

    /// `revoke AGENT`.
    pub fn revoke(&self, agent: &str) {
        pki::revoke(&self.paths, agent).expect("revoke");
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

/// The `[collector]` section of an agent config that uses `bundle` to reach `addr`.
#[must_use]
pub fn collector_section(addr: SocketAddr, bundle: &Path, linger_ms: u64) -> String {
    format!(
        "\n[collector]\naddress = \"{addr}\"\nca_cert = \"{ca}\"\ncert = \"{cert}\"\nkey = \"{key}\"\nbatch_linger_ms = {linger_ms}\n",
        ca = bundle.join("ca.pem").display(),
        cert = bundle.join("agent.pem").display(),
        key = bundle.join("agent.key").display(),
    )
}

/// A collector's ingest running in this process.
#[derive(Debug)]
pub struct Collector {
    /// QUIC address.
    pub addr: SocketAddr,
    /// Its store.
    pub store: Store,
    /// Its ingest counters.
    pub metrics: Arc<IngestMetrics>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Collector {
    /// Start ingest on `addr` (port 0 for any) over the database at `url`.
    pub async fn start(url: &str, pki: &PkiPaths, addr: SocketAddr) -> Collector {
        let store = Store::connect_url(url, 8).await.expect("open the store");
        let metrics = Arc::new(IngestMetrics::default());
        let tls = pki::server_tls(pki, Arc::clone(&metrics.refusals)).expect("server tls");
        let endpoint = ingest::endpoint(addr, tls).expect("bind QUIC");
        let addr = endpoint.local_addr().expect("local addr");
        let stop = CancellationToken::new();
        let ingest = Ingest {
            store: store.clone(),
            cfg: caudal_config::collector::Ingest::default(),
            metrics: Arc::clone(&metrics),
        };
        let s = stop.clone();
        let task = tokio::spawn(async move {
            ingest::run(endpoint, ingest, s).await.expect("ingest");
        });
        Collector {
            addr,
            store,
            metrics,
            stop,
            task,
        }
    }

    /// Graceful stop.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
        self.store.close().await;
    }

    /// Abrupt stop: the task is dropped wherever it is, like a killed process
    /// (open transactions roll back, no close frames are sent).
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
        self.store.close().await;
    }
}

/// An agent running in this process (acquisition and sync).
#[derive(Debug)]
pub struct Agent {
    stop: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    /// Its metrics.
    pub ready: caudal_agent::pipeline::Ready,
}

impl Agent {
    /// Start the agent of `cfg` and wait until it polls.
    pub async fn start(cfg: caudal_config::agent::AgentConfig) -> Agent {
        let stop = CancellationToken::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let s = stop.clone();
        let task =
            tokio::spawn(async move { caudal_agent::pipeline::run(&cfg, s, Some(tx)).await });
        let ready = rx.await.expect("agent started");
        Agent { stop, task, ready }
    }

    /// Stop it cleanly (it commits what it has).
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.expect("agent task").expect("agent run");
    }
}
