//! The one per-test database helper (feature `test-util`): a collector
//! database of its own for each test, on SQLite or PostgreSQL, and the audit
//! queries end-to-end tests check stored data with.
//!
//! PostgreSQL tests use the server at `CAUDAL_TEST_PG_URL` (default
//! [`DEFAULT_PG_URL`]): each creates a database with a random name and drops
//! it when its [`TestDb`] is dropped, even after a panic. When the server is
//! unreachable the test FAILS (never skips), saying how to start it.

use sqlx::Connection as _;

use crate::Store;

/// Default server for PostgreSQL tests; override with `CAUDAL_TEST_PG_URL`.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// What to do when PostgreSQL is down, appended to every connection failure.
pub const HOW_TO_START_PG: &str = "Start it (`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
     or `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`) or point CAUDAL_TEST_PG_URL \
     at a server where the user may CREATE DATABASE.";

/// A collector database of its own for one test: a SQLite file in a temporary
/// directory, or a fresh PostgreSQL database (dropped at the end).
#[derive(Debug)]
pub struct TestDb {
    /// `sqlite:PATH` or `postgres://…/caudal_test_…` (query parameters of
    /// `CAUDAL_TEST_PG_URL` kept).
    pub url: String,
    dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// The server URL PostgreSQL tests use.
#[must_use]
pub fn pg_admin_url() -> String {
    std::env::var("CAUDAL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// Replace the database name of a PostgreSQL URL, keeping user, host, port
/// and query parameters (`?sslmode=…`).
#[must_use]
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    /// A SQLite database file in a fresh directory (created at the first open).
    ///
    /// # Panics
    /// When no temporary directory can be made.
    #[must_use]
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory for the test database");
        let url = format!("sqlite:{}", dir.path().join("collector.sqlite").display());
        TestDb {
            url,
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh, empty PostgreSQL database.
    ///
    /// # Panics
    /// When the server is unreachable (with [`HOW_TO_START_PG`]) or refuses
    /// `CREATE DATABASE`.
    pub async fn postgres() -> TestDb {
        let admin = pg_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for these tests but {admin} is unreachable ({e}). {HOW_TO_START_PG}"
                )
            });
        let name = format!("caudal_test_{:016x}", rand::random::<u64>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {admin}: {e}"));
        let _ = conn.close().await;
        TestDb {
            url: with_database(&admin, &name),
            dir: None,
            pg: Some((admin, name)),
        }
    }

    /// [`TestDb::sqlite`] or [`TestDb::postgres`] by backend name.
    ///
    /// # Panics
    /// For another name, and as those.
    pub async fn of(backend: &str) -> TestDb {
        match backend {
            "sqlite" => TestDb::sqlite(),
            "postgres" => TestDb::postgres().await,
            other => panic!("unknown backend `{other}`: sqlite or postgres"),
        }
    }

    /// The directory of a SQLite database (for files that go beside it).
    #[must_use]
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(tempfile::TempDir::path)
    }

    /// Open a [`Store`] on this database (running the migrations).
    ///
    /// # Panics
    /// When it cannot be opened.
    pub async fn open(&self) -> Store {
        Store::connect_url(&self.url, 4)
            .await
            .unwrap_or_else(|e| panic!("opening the test store {}: {e}", self.url))
    }

    /// Run one statement as is (to corrupt a row on purpose, say).
    ///
    /// # Panics
    /// When it fails.
    pub async fn execute(&self, sql: &str) {
        let sql = sql.to_owned();
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("sqlite");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .expect("statement");
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .expect("statement");
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

/// Per-epoch audit of an agent's readings at the database `url`, oldest epoch
/// first. Opens a connection of its own, so it works while a collector runs.
///
/// # Panics
/// When the database cannot be read.
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

/// Pulses counted for `point` by `agent`, summed over its epochs (each
/// epoch's running total restarts at 0).
///
/// # Panics
/// When the database cannot be read.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_query_parameters_kept() {
        for (url, want) in [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/t1",
            ),
            (
                "postgres://u:p@db:5433/postgres?sslmode=disable&application_name=x",
                "postgres://u:p@db:5433/t1?sslmode=disable&application_name=x",
            ),
            ("postgresql://db", "postgresql://db/t1"),
            (
                "postgres://db/?sslmode=require",
                "postgres://db/t1?sslmode=require",
            ),
        ] {
            assert_eq!(with_database(url, "t1"), want, "{url}");
        }
    }
}
