//! `caudal-collector-store`: the collector's storage. One interface
//! ([`Store`]), two backends (SQLite, PostgreSQL) on sqlx. It is the only
//! crate of the collector that writes SQL; it takes and returns the domain
//! types of `caudal-collector-domain`.
//!
//! # Design
//!
//! - [`Store`] is an enum dispatcher over [`sqlite::SqliteStore`] and
//!   [`postgres::PgStore`]. Reads use the same SQL on both (sqlx binds `$N`
//!   on SQLite too); the write path lives in each backend because the fast bulk
//!   insert differs (multi-row `VALUES` on SQLite, `UNNEST` arrays on PostgreSQL).
//! - Schemas are in `collector/store/migrations/{sqlite,postgres}` and run at
//!   [`Store::connect`]. Times are i64 ms UTC on both backends.
//! - Idempotency is a ledger per `(agent, epoch)`, see
//!   [`caudal_collector_domain::series::ledger`] (the plan) and [`ledger`]
//!   (its SQL). A batch is one transaction: ledger check, readings,
//!   aggregates, latest values, ledger update. Nothing is half-written.
//! - PostgreSQL partitions `readings` by month of `time_ms`, creating
//!   partitions on demand (see [`postgres`]).
//! - Aggregates (hour, day) are maintained in the same transaction, see
//!   [`caudal_collector_domain::series::aggregate`] for the merge rule and the
//!   exact counter increase, and [`aggregates`] for its SQL.
//! - Channels map `(agent, epoch, channel id)` to `(point, variable)`; a reading
//!   for an unknown point code creates the point with status `unregistered`.
//!
//! Files by seam: [`batch`] (the write of one agent batch), [`points`],
//! [`series`] (latest values and series pages), [`agents`] (sessions and sync
//! state), [`users`] (users and API tokens), [`codec`] (how protocol values
//! are spelled in the tables), [`stats`] (what the store counts).
//!
//! Invariant: the highest contiguous seq returned by [`Store::write_batch`] is
//! committed before it is returned.

// Macros first: they expand, textually, in the modules declared after them.
#[macro_use]
mod dispatch;
#[macro_use]
pub mod ledger;
#[macro_use]
pub mod aggregates;
#[macro_use]
pub mod batch;

pub mod agents;
pub mod codec;
mod error;
pub mod points;
pub mod postgres;
pub mod series;
pub mod sqlite;
pub mod stats;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod users;

use std::sync::Arc;

pub use error::{StoreError, StoreErrorKind};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use stats::StoreStats;
pub use users::TokenHash;

/// One storage interface over SQLite and PostgreSQL.
#[derive(Clone, Debug)]
pub enum Store {
    /// Embedded SQLite database.
    Sqlite(SqliteStore),
    /// PostgreSQL server.
    Postgres(PgStore),
}

impl Store {
    /// Open the store the config names (PostgreSQL when `database_url` is set,
    /// else SQLite in `data_dir`) and run the migrations.
    ///
    /// # Errors
    /// [`StoreError::Connect`], [`StoreError::DataDir`] or [`StoreError::Migrate`].
    pub async fn connect(cfg: &caudal_config::collector::Storage) -> Result<Store, StoreError> {
        match &cfg.database_url {
            Some(url) => Store::connect_url(url.get_ref(), cfg.max_connections.get()).await,
            None => {
                std::fs::create_dir_all(&cfg.data_dir).map_err(|source| StoreError::DataDir {
                    path: cfg.data_dir.clone(),
                    source,
                })?;
                let path = cfg.data_dir.join("collector.sqlite");
                Ok(Store::Sqlite(
                    SqliteStore::open(&path, cfg.max_connections.get()).await?,
                ))
            }
        }
    }

    /// Open a store by URL: `postgres://…`, `postgresql://…` or `sqlite:PATH`.
    ///
    /// # Errors
    /// As [`Store::connect`]; [`StoreError::Invalid`] for another scheme.
    pub async fn connect_url(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(
                PgStore::connect(url, max_connections).await?,
            ))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Ok(Store::Sqlite(
                SqliteStore::open(std::path::Path::new(path), max_connections).await?,
            ))
        } else {
            Err(StoreError::Invalid {
                field: "database_url",
                message: "is neither postgres://… nor sqlite:PATH".to_owned(),
            })
        }
    }

    /// Which backend this is: `sqlite` or `postgres`.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The store's counters (shared by every clone of the store).
    #[must_use]
    pub fn stats(&self) -> &Arc<StoreStats> {
        match self {
            Store::Sqlite(s) => &s.stats,
            Store::Postgres(p) => &p.stats,
        }
    }

    /// Connections of the pools now: `(open, idle)`, writer and readers together.
    #[must_use]
    pub fn pool_connections(&self) -> (u32, u32) {
        match self {
            Store::Sqlite(s) => (
                s.writer.size() + s.readers.size(),
                u32::try_from(s.writer.num_idle() + s.readers.num_idle()).unwrap_or(u32::MAX),
            ),
            Store::Postgres(p) => (
                p.pool.size(),
                u32::try_from(p.pool.num_idle()).unwrap_or(u32::MAX),
            ),
        }
    }

    /// Close the pools, waiting for connections to finish.
    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => {
                s.writer.close().await;
                s.readers.close().await;
            }
            Store::Postgres(p) => p.pool.close().await,
        }
    }

    /// Is the database answering?
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Refresh the query planner's statistics (run after bulk loads; a
    /// scheduled job will run it periodically).
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn analyze(&self) -> Result<(), StoreError> {
        on_writer!(self, pool => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
