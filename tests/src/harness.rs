//! Run the collector in process against a PKI of its own, and audit what it stored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use caudal_collector::ingest::{self, Ingest, IngestMetrics};
use caudal_collector::pki::{self, PkiPaths};
use caudal_collector::store::Store;
use sqlx::Connection as _;
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

/// What the collector holds for one `(agent, epoch)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochAudit {
    /// Epoch (as stored: the u64 bit-cast to i64).
    pub epoch: i64,
    /// Rows.
    pub rows: i64,
    /// Distinct seqs among them.
    pub distinct_seqs: i64,
    /// Lowest seq.
    pub min_seq: i64,
    /// Highest seq.
    pub max_seq: i64,
}

impl EpochAudit {
    /// Exactly the seqs `1..=max_seq`, each once.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.rows == self.distinct_seqs && self.min_seq == 1 && self.max_seq == self.rows
    }
}

/// Per epoch, oldest first (by when the collector first saw it).
const AUDIT_SQL: &str = "SELECT r.epoch, COUNT(*), COUNT(DISTINCT r.seq), MIN(r.seq), MAX(r.seq) \
     FROM readings r JOIN agents a ON a.id = r.agent \
     JOIN agent_epochs e ON e.agent = r.agent AND e.epoch = r.epoch \
     WHERE a.agent_id = $1 GROUP BY r.epoch, e.first_seen_ms ORDER BY e.first_seen_ms, r.epoch";

const TOTALS_SQL: &str = "SELECT r.epoch, MAX(r.total_pulses) FROM readings r \
     JOIN agents a ON a.id = r.agent JOIN points p ON p.id = r.point_id JOIN variables v ON v.id = r.variable_id \
     WHERE a.agent_id = $1 AND p.code = $2 AND v.name = 'pulses' GROUP BY r.epoch";

/// Per-epoch audit of an agent's readings at the database `url`, oldest epoch first.
pub async fn audit(url: &str, agent: &str) -> Vec<EpochAudit> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
        sqlx::query_as(AUDIT_SQL)
            .bind(agent)
            .fetch_all(&mut c)
            .await
            .expect("audit")
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("postgres");
        sqlx::query_as(AUDIT_SQL)
            .bind(agent)
            .fetch_all(&mut c)
            .await
            .expect("audit")
    };
    rows.into_iter()
        .map(
            |(epoch, rows, distinct_seqs, min_seq, max_seq)| EpochAudit {
                epoch,
                rows,
                distinct_seqs,
                min_seq,
                max_seq,
            },
        )
        .collect()
}

/// Pulses counted for `point` by `agent`, summed over its epochs (each epoch's running total restarts at 0).
pub async fn counted_pulses(url: &str, agent: &str, point: &str) -> u64 {
    let rows: Vec<(i64, Option<i64>)> = if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
        sqlx::query_as(TOTALS_SQL)
            .bind(agent)
            .bind(point)
            .fetch_all(&mut c)
            .await
            .expect("totals")
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("postgres");
        sqlx::query_as(TOTALS_SQL)
            .bind(agent)
            .bind(point)
            .fetch_all(&mut c)
            .await
            .expect("totals")
    };
    rows.into_iter()
        .map(|(_, t)| u64::try_from(t.unwrap_or(0)).unwrap_or(0))
        .sum()
}

/// A collector database of its own for one test: a SQLite file in a temporary
/// directory, or a fresh PostgreSQL database (dropped at the end).
#[derive(Debug)]
pub struct TestDb {
    /// `sqlite:PATH` or `postgres://…/caudal_test_…`.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// Default server for PostgreSQL tests; override with `CAUDAL_TEST_PG_URL`.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

impl TestDb {
    /// A SQLite database file in a fresh directory.
    #[must_use]
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite:{}", dir.path().join("collector.sqlite").display());
        TestDb {
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database; panics with what to do when the server is unreachable.
    pub async fn postgres() -> TestDb {
        let admin =
            std::env::var("CAUDAL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required for these tests but {admin} is unreachable ({e}). Start it \
                 (`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or point \
                 CAUDAL_TEST_PG_URL at a server where the user may CREATE DATABASE."
            )
        });
        let name = format!("caudal_e2e_{:016x}", rand::random::<u64>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        let _ = conn.close().await;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        TestDb {
            url: format!("{base}/{name}"),
            _dir: None,
            pg: Some((admin, name)),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        // Drop cannot await; a thread of its own also works while a test panics.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
                }
            });
        })
        .join();
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
