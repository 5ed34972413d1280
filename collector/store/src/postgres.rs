//! The PostgreSQL backend, for more than one machine's worth of data and for
//! several collector replicas against one database.
//!
//! # Partitions
//!
//! `readings` is `PARTITION BY RANGE (time_ms)`, one partition per UTC month
//! named `readings_pYYYYMM`, created on demand before a batch that needs it
//! (under a transaction-level advisory lock, so replicas do not race) for
//! times in 2000..2100. Anything outside goes to `readings_default`, which
//! therefore never holds rows of a month that could get its own partition
//! (creating that partition would otherwise fail).
//!
//! # Concurrency
//!
//! The batch transaction locks the `(agent, epoch)` ledger row with
//! `SELECT … FOR UPDATE`, so two sessions of one agent (e.g. a reconnect racing
//! the old connection, on any replica) serialize and the ledger check stays
//! exact. Aggregate rows are upserted in key order, so concurrent batches do
//! not deadlock on them. Readings go in with one `INSERT … SELECT FROM UNNEST`
//! of column arrays per batch.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

use caudal_protocol::UtcMillis;
use chrono::{Datelike, TimeZone, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::StoreError;
use crate::batch::{Caches, CheckedBatch, fresh_rows};
use crate::stats::StoreStats;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Arbitrary advisory lock key for partition DDL ("caudal" in ASCII).
const PARTITION_LOCK: i64 = 0x6361_7564_616c;

/// The PostgreSQL backend.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    pub(crate) caches: Arc<Caches>,
    pub(crate) stats: Arc<StoreStats>,
    partitions: Arc<Mutex<HashSet<i32>>>,
}

/// A month partition: `(year * 100 + month, start ms, end ms)`, or `None` for
/// times that go to the default partition.
pub(crate) fn month_of(time_ms: i64) -> Option<(i32, i64, i64)> {
    let t = Utc.timestamp_millis_opt(time_ms).single()?;
    let (y, m) = (t.year(), t.month());
    if !(2000..2100).contains(&y) {
        return None;
    }
    let start = Utc
        .with_ymd_and_hms(y, m, 1, 0, 0, 0)
        .single()?
        .timestamp_millis();
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let end = Utc
        .with_ymd_and_hms(ny, nm, 1, 0, 0, 0)
        .single()?
        .timestamp_millis();
    Some((y * 100 + i32::try_from(m).ok()?, start, end))
}

impl PgStore {
    /// Connect and run the migrations.
    ///
    /// # Errors
    /// [`StoreError::Connect`] or [`StoreError::Migrate`].
    pub async fn connect(url: &str, max_connections: u32) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(std::cmp::max(max_connections, 1))
            .connect(url)
            .await
            .map_err(StoreError::Connect)?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore {
            pool,
            caches: Arc::default(),
            stats: Arc::default(),
            partitions: Arc::default(),
        })
    }

    async fn ensure_partitions(&self, batch: &CheckedBatch<'_>) -> Result<(), StoreError> {
        let months: BTreeSet<(i32, i64, i64)> = batch
            .readings
            .iter()
            .filter_map(|r| month_of(r.time.0))
            .collect();
        let missing: Vec<(i32, i64, i64)> = {
            // A cache of partitions known to exist: a panic elsewhere cannot
            // leave it half-updated, so a poisoned lock is still right.
            let known = self
                .partitions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            months
                .into_iter()
                .filter(|m| !known.contains(&m.0))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PARTITION_LOCK)
            .execute(&mut *tx)
            .await?;
        for &(month, start, end) in &missing {
            // Only integers from month_of are interpolated: no injection surface.
            let ddl = format!(
                "CREATE TABLE IF NOT EXISTS readings_p{month} PARTITION OF readings FOR VALUES FROM ({start}) TO ({end})"
            );
            sqlx::query(sqlx::AssertSqlSafe(ddl))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.partitions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(missing.iter().map(|m| m.0));
        Ok(())
    }

    /// See [`crate::Store::write_batch`]. Returns `(contiguous seq, readings inserted)`.
    pub(crate) async fn write_batch(
        &self,
        agent_id: &str,
        epoch: i64,
        batch: &CheckedBatch<'_>,
        now: UtcMillis,
    ) -> Result<(i64, usize), StoreError> {
        self.ensure_partitions(batch).await?;
        let mut tx = self.pool.begin().await?;
        let agent = ensure_agent!(tx, agent_id, epoch, now.0);
        let (contiguous, nearby) = load_ledger!(tx, agent, epoch, &batch.seqs, " FOR UPDATE");
        let plan = caudal_collector_domain::series::ledger::plan(contiguous, &nearby, &batch.seqs);
        if !plan.changes(contiguous) {
            tx.commit().await?;
            return Ok((crate::ledger::seq_to_db(contiguous), 0));
        }
        let (targets, learned) =
            resolve_channels!(tx, self.caches, agent, epoch, batch, &plan.fresh, now.0);
        let (rows, fold, latest) = fresh_rows(batch, &plan.fresh, &targets, agent, epoch);
        let n = rows.len();
        let (mut point, mut variable, mut time, mut agents, mut epochs, mut seq) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut value, mut raw, mut total, mut quality) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for r in &rows {
            point.push(r.point);
            variable.push(r.variable);
            time.push(r.time);
            agents.push(r.agent);
            epochs.push(r.epoch);
            seq.push(r.seq);
            value.push(r.value);
            raw.push(r.raw);
            total.push(r.total_pulses);
            quality.push(r.quality.as_ref());
        }
        sqlx::query(
            "INSERT INTO readings (point_id, variable_id, time_ms, agent, epoch, seq, value, raw, total_pulses, quality) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], \
             $7::float8[], $8::int8[], $9::int8[], $10::text[])",
        )
        .bind(&point)
        .bind(&variable)
        .bind(&time)
        .bind(&agents)
        .bind(&epochs)
        .bind(&seq)
        .bind(&value)
        .bind(&raw)
        .bind(&total)
        .bind(&quality)
        .execute(&mut *tx)
        .await?;
        merge_aggregates!(tx, sqlx::Postgres, fold, rows, latest, "LEAST", "GREATEST");
        store_ledger!(tx, agent, epoch, plan, now.0);
        tx.commit().await?;
        self.caches.put_channels(agent, epoch, learned);
        Ok((crate::ledger::seq_to_db(plan.contiguous), n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_and_bounded() {
        // 2024-02-15T00:00:00Z
        let (m, start, end) = month_of(1_707_955_200_000).unwrap();
        assert_eq!(m, 202_402);
        assert_eq!(start, 1_706_745_600_000); // 2024-02-01
        assert_eq!(end, 1_709_251_200_000); // 2024-03-01
        let (m, _, end) = month_of(1_703_980_800_000).unwrap(); // 2023-12-31
        assert_eq!(m, 202_312);
        assert_eq!(end, 1_704_067_200_000); // 2024-01-01
        assert_eq!(month_of(0), None);
        assert_eq!(month_of(i64::MAX), None);
    }
}
