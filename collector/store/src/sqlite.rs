//! The SQLite backend: one file in the data directory, WAL, `synchronous=FULL`
//! (an ack promises durability), one writer connection and a pool of readers.
//!
//! SQLite has a single writer anyway; a one-connection writer pool makes that
//! explicit, so write transactions queue in the pool instead of failing with
//! `SQLITE_BUSY` on a lock upgrade. Readers never block the writer in WAL mode.
//! Readings go in with multi-row `INSERT`s of up to [`ROWS_PER_INSERT`] rows.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use caudal_protocol::UtcMillis;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;
use crate::batch::{Caches, CheckedBatch, fresh_rows};
use crate::stats::StoreStats;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per multi-row `INSERT` (10 binds each, below SQLite's 32766 limit).
const ROWS_PER_INSERT: usize = 1000;

/// The SQLite backend.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) writer: SqlitePool,
    pub(crate) readers: SqlitePool,
    pub(crate) caches: Arc<Caches>,
    pub(crate) stats: Arc<StoreStats>,
}

impl SqliteStore {
    /// Open (creating if missing) the database file and run the migrations.
    ///
    /// # Errors
    /// [`StoreError::Connect`] or [`StoreError::Migrate`].
    pub async fn open(path: &Path, readers: u32) -> Result<SqliteStore, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            .pragma("cache_size", "-65536");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(StoreError::Connect)?;
        MIGRATOR.run(&writer).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(std::cmp::max(readers, 1))
            .connect_with(opts)
            .await
            .map_err(StoreError::Connect)?;
        Ok(SqliteStore {
            writer,
            readers,
            caches: Arc::default(),
            stats: Arc::default(),
        })
    }

    /// See [`crate::Store::write_batch`]. Returns `(contiguous seq, readings inserted)`.
    pub(crate) async fn write_batch(
        &self,
        agent_id: &str,
        epoch: i64,
        batch: &CheckedBatch<'_>,
        now: UtcMillis,
    ) -> Result<(i64, usize), StoreError> {
        let mut tx = self.writer.begin().await?;
        let agent = ensure_agent!(tx, agent_id, epoch, now.0);
        let (contiguous, nearby) = load_ledger!(tx, agent, epoch, &batch.seqs, "");
        let plan = caudal_collector_domain::series::ledger::plan(contiguous, &nearby, &batch.seqs);
        if !plan.changes(contiguous) {
            tx.commit().await?;
            return Ok((crate::ledger::seq_to_db(contiguous), 0));
        }
        let (targets, learned) =
            resolve_channels!(tx, self.caches, agent, epoch, batch, &plan.fresh, now.0);
        let (rows, fold, latest) = fresh_rows(batch, &plan.fresh, &targets, agent, epoch);
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO readings (point_id, variable_id, time_ms, agent, epoch, seq, value, raw, total_pulses, quality) ",
            );
            qb.push_values(chunk, |mut b, r| {
                b.push_bind(r.point)
                    .push_bind(r.variable)
                    .push_bind(r.time)
                    .push_bind(r.agent)
                    .push_bind(r.epoch)
                    .push_bind(r.seq)
                    .push_bind(r.value)
                    .push_bind(r.raw)
                    .push_bind(r.total_pulses)
                    .push_bind(r.quality.to_string());
            });
            qb.build().execute(&mut *tx).await?;
        }
        merge_aggregates!(tx, sqlx::Sqlite, fold, rows, latest, "min", "max");
        store_ledger!(tx, agent, epoch, plan, now.0);
        tx.commit().await?;
        self.caches.put_channels(agent, epoch, learned);
        Ok((crate::ledger::seq_to_db(plan.contiguous), rows.len()))
    }
}
