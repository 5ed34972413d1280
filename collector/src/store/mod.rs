//! Storage: one interface ([`Store`]), two backends (SQLite, PostgreSQL) on sqlx.
//!
//! # Design
//!
//! - [`Store`] is an enum dispatcher over [`sqlite::SqliteStore`] and
//!   [`postgres::PgStore`]. Reads use the same SQL on both (sqlx binds `$N`
//!   on SQLite too); the write path lives in each backend because the fast bulk
//!   insert differs (multi-row `VALUES` on SQLite, `UNNEST` arrays on PostgreSQL).
//! - Schemas are in `collector/migrations/{sqlite,postgres}` and run at
//!   [`Store::connect`]. Times are i64 ms UTC on both backends.
//! - Idempotency is a ledger per `(agent, epoch)`, see [`ledger`]. A batch is
//!   one transaction: ledger check, readings, aggregates, latest values,
//!   ledger update. Nothing is half-written.
//! - PostgreSQL partitions `readings` by month of `time_ms`, creating
//!   partitions on demand (see [`postgres`]).
//! - Aggregates (hour, day) are maintained in the same transaction, see
//!   [`aggregate`] for the merge rule and the exact counter increase.
//! - Channels map `(agent, epoch, channel id)` to `(point, variable)`; a reading
//!   for an unknown point code creates the point with status `unregistered`.
//!
//! Invariant: the highest contiguous seq returned by [`Store::write_batch`] is
//! committed before it is returned.

#[macro_use]
mod shared;
pub mod aggregate;
pub mod codec;
pub(crate) mod ledger;
pub mod postgres;
pub mod sqlite;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use caudal_protocol::{
    ChannelDesc, Coding, Epoch, Hello, Quality, Reading, Seq, UtcMillis, Variable,
};

use crate::auth::{Role, TokenHash};
use crate::telemetry::Metrics;
use codec::{epoch_from_db, epoch_to_db, quality_from_text, variable_from_id, variable_id};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or reached.
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A reading references a channel that the batch does not declare.
    #[error("reading seq {seq} uses undeclared channel {channel}")]
    UnknownChannel {
        /// The reading.
        seq: u64,
        /// The channel.
        channel: u32,
    },
    /// A seq is 0 or does not fit the database.
    #[error("seq {0} is out of range 1..=9223372036854775807")]
    SeqOutOfRange(u64),
    /// No point has this code.
    #[error("point `{0}` not found")]
    PointNotFound(String),
    /// A point with this code exists already.
    #[error("point `{0}` already exists")]
    PointExists(String),
    /// No user has this name.
    #[error("user `{0}` not found")]
    UserNotFound(String),
    /// A user with this name exists already.
    #[error("user `{0}` already exists")]
    UserExists(String),
    /// A value is not acceptable.
    #[error("invalid {field}: {message}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// What kind of failure a [`StoreError`] is, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database is unavailable or failed; retrying later may work.
    Unavailable,
    /// The request names something that does not exist.
    NotFound,
    /// The request conflicts with stored state.
    Conflict,
    /// The request itself is wrong; retrying will not help.
    Invalid,
}

impl StoreError {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Connect(_)
            | StoreError::DataDir { .. }
            | StoreError::Migrate(_)
            | StoreError::Db(_) => StoreErrorKind::Unavailable,
            StoreError::PointNotFound(_) | StoreError::UserNotFound(_) => StoreErrorKind::NotFound,
            StoreError::PointExists(_) | StoreError::UserExists(_) => StoreErrorKind::Conflict,
            StoreError::UnknownChannel { .. }
            | StoreError::SeqOutOfRange(_)
            | StoreError::Invalid { .. } => StoreErrorKind::Invalid,
        }
    }
}

/// Facts an agent reports when a session opens.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionFacts {
    /// Agent software name and version.
    pub software: String,
    /// SHA-256 of the agent's effective configuration.
    pub config_digest: [u8; 32],
    /// `agent_time - server_time` measured at the hello, in ms.
    pub clock_skew_ms: i64,
    /// Collector time of the hello.
    pub seen_at: UtcMillis,
}

impl SessionFacts {
    /// The facts of a [`Hello`] received at `now`.
    #[must_use]
    pub fn from_hello(hello: &Hello, now: UtcMillis) -> SessionFacts {
        SessionFacts {
            software: hello.software.clone(),
            config_digest: hello.config_digest,
            clock_skew_ms: hello.agent_time.0.saturating_sub(now.0),
            seen_at: now,
        }
    }
}

/// Type of a catchment point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointKind {
    /// Groundwater well.
    Well,
    /// River intake.
    River,
    /// Lake intake.
    Lake,
    /// Reservoir.
    Reservoir,
    /// Spring.
    Spring,
    /// Drain.
    Drain,
}

impl PointKind {
    /// Every kind.
    pub const ALL: [PointKind; 6] = [
        PointKind::Well,
        PointKind::River,
        PointKind::Lake,
        PointKind::Reservoir,
        PointKind::Spring,
        PointKind::Drain,
    ];

    /// The spelling in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::Well => "well",
            PointKind::River => "river",
            PointKind::Lake => "lake",
            PointKind::Reservoir => "reservoir",
            PointKind::Spring => "spring",
            PointKind::Drain => "drain",
        }
    }

    /// Parse [`PointKind::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<PointKind> {
        PointKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Life cycle of a catchment point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointStatus {
    /// Created by the first reading for its code; an operator completes it.
    Unregistered,
    /// In service.
    Active,
    /// Out of service.
    Inactive,
}

impl PointStatus {
    /// The spelling in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PointStatus::Unregistered => "unregistered",
            PointStatus::Active => "active",
            PointStatus::Inactive => "inactive",
        }
    }

    /// Parse [`PointStatus::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<PointStatus> {
        [
            PointStatus::Unregistered,
            PointStatus::Active,
            PointStatus::Inactive,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A catchment point as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Unique code (the agent's `point`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Type; `None` until someone says.
    pub kind: Option<PointKind>,
    /// Site code.
    pub site: Option<String>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// DGA "código de obra".
    pub dga_code: Option<String>,
    /// Life cycle state.
    pub status: PointStatus,
    /// When created.
    pub created: UtcMillis,
    /// When last changed.
    pub updated: UtcMillis,
}

/// The fields of a point that the API may set. `None` leaves a field as it is
/// (on create: empty), so a create is a patch of a fresh point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointPatch {
    /// Display name.
    pub name: Option<String>,
    /// Type.
    pub kind: Option<PointKind>,
    /// Site code (the site is created when new).
    pub site: Option<String>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// DGA "código de obra".
    pub dga_code: Option<String>,
    /// Life cycle state.
    pub status: Option<PointStatus>,
}

/// Check a point code: 1 to 64 characters of `A-Z a-z 0-9 _ - .`.
///
/// # Errors
/// [`StoreError::Invalid`] saying why.
pub fn check_point_code(code: &str) -> Result<(), StoreError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "code",
            message: format!("`{code}` must be 1 to 64 characters of A-Z, a-z, 0-9, `_`, `-`, `.`"),
        })
    }
}

impl PointPatch {
    /// Check ranges and lengths.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the first bad field.
    pub fn validate(&self) -> Result<(), StoreError> {
        let invalid = |field, message: &str| {
            Err(StoreError::Invalid {
                field,
                message: message.to_owned(),
            })
        };
        if let Some(lat) = self.latitude
            && !(-90.0..=90.0).contains(&lat)
        {
            return invalid("latitude", "must be between -90 and 90 degrees");
        }
        if let Some(lon) = self.longitude
            && !(-180.0..=180.0).contains(&lon)
        {
            return invalid("longitude", "must be between -180 and 180 degrees");
        }
        if let Some(name) = &self.name
            && (name.trim().is_empty() || name.len() > 200)
        {
            return invalid("name", "must be 1 to 200 characters");
        }
        if let Some(site) = &self.site {
            check_point_code(site).map_err(|_| StoreError::Invalid {
                field: "site",
                message: "must be 1 to 64 characters of A-Z, a-z, 0-9, `_`, `-`, `.`".to_owned(),
            })?;
        }
        if let Some(dga) = &self.dga_code
            && dga.len() > 64
        {
            return invalid("dga_code", "must be at most 64 characters");
        }
        Ok(())
    }
}

/// The latest reading of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct LatestValue {
    /// Point code.
    pub point: String,
    /// Variable.
    pub variable: Variable,
    /// Time of the reading.
    pub time: UtcMillis,
    /// Engineering value (`None` for NaN).
    pub value: Option<f64>,
    /// Raw register value.
    pub raw: i64,
    /// Quality code.
    pub quality: Quality,
}

/// Resolution of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Every stored reading.
    Raw,
    /// UTC hours.
    Hour,
    /// UTC days.
    Day,
}

impl Resolution {
    /// Bucket width in ms (`None` for raw).
    #[must_use]
    pub fn period_ms(self) -> Option<i64> {
        match self {
            Resolution::Raw => None,
            Resolution::Hour => Some(aggregate::HOUR_MS),
            Resolution::Day => Some(aggregate::DAY_MS),
        }
    }
}

/// Where the next page of a series starts (opaque to API clients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// After this reading of a raw series.
    Raw {
        /// Time.
        time: i64,
        /// Agent key.
        agent: i64,
        /// Epoch as stored.
        epoch: i64,
        /// Seq.
        seq: i64,
    },
    /// After this bucket start.
    Bucket(i64),
}

impl Cursor {
    /// The text form used in the API.
    #[must_use]
    pub fn encode(self) -> String {
        match self {
            Cursor::Raw {
                time,
                agent,
                epoch,
                seq,
            } => format!("r{time}_{agent}_{epoch}_{seq}"),
            Cursor::Bucket(b) => format!("b{b}"),
        }
    }

    /// Parse [`Cursor::encode`].
    #[must_use]
    pub fn decode(s: &str) -> Option<Cursor> {
        if let Some(b) = s.strip_prefix('b') {
            return b.parse().ok().map(Cursor::Bucket);
        }
        let mut parts = s.strip_prefix('r')?.split('_').map(str::parse::<i64>);
        let c = Cursor::Raw {
            time: parts.next()?.ok()?,
            agent: parts.next()?.ok()?,
            epoch: parts.next()?.ok()?,
            seq: parts.next()?.ok()?,
        };
        parts.next().is_none().then_some(c)
    }
}

/// A page request for a series. Rows have `from <= time < to` (for aggregates:
/// bucket start), in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesQuery {
    /// Point code.
    pub point: String,
    /// Variable.
    pub variable: Variable,
    /// Resolution.
    pub resolution: Resolution,
    /// Inclusive start.
    pub from: UtcMillis,
    /// Exclusive end.
    pub to: UtcMillis,
    /// Continue after this row.
    pub after: Option<Cursor>,
    /// Rows per page (at least 1).
    pub limit: u32,
}

/// One stored reading of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    /// Time.
    pub time: UtcMillis,
    /// Engineering value (`None` for NaN).
    pub value: Option<f64>,
    /// Raw register value.
    pub raw: i64,
    /// Quality code.
    pub quality: Quality,
}

/// One bucket of an aggregated series.
#[derive(Clone, Debug, PartialEq)]
pub struct AggRow {
    /// Bucket start.
    pub bucket: UtcMillis,
    /// Readings aggregated.
    pub count: i64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub mean: f64,
    /// Value with the greatest time.
    pub last: f64,
    /// For counters: volume added in the bucket (see [`aggregate`]).
    pub increase: Option<f64>,
}

/// Rows of a series page.
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesRows {
    /// Raw readings.
    Raw(Vec<RawRow>),
    /// Aggregates.
    Agg(Vec<AggRow>),
}

/// One page of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPage {
    /// The rows.
    pub rows: SeriesRows,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Sync state of an agent.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentState {
    /// Identity.
    pub agent_id: String,
    /// Epoch of its latest session.
    pub epoch: Option<Epoch>,
    /// Highest contiguous seq stored for that epoch.
    pub contiguous_seq: Seq,
    /// Highest seq stored for that epoch (above `contiguous_seq` when there are gaps).
    pub highest_seq: Seq,
    /// Ranges stored beyond the contiguous prefix (gaps waiting to be filled).
    pub pending_ranges: i64,
    /// Readings stored for that epoch.
    pub readings: i64,
    /// Last hello or batch.
    pub last_seen: UtcMillis,
    /// Measured at the last hello.
    pub clock_skew_ms: Option<i64>,
    /// Software at the last hello.
    pub software: Option<String>,
}

/// A user of the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// How a channel of a batch maps onto the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChannelTarget {
    pub(crate) point: i64,
    pub(crate) variable: i64,
    pub(crate) counter: bool,
}

/// `(agent key, epoch as stored, channel id)`.
type ChannelKey = (i64, i64, u32);

/// Process-local cache of channel targets,
/// filled only after the transaction that created the rows has committed.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    channels: Mutex<HashMap<ChannelKey, (ChannelDesc, ChannelTarget)>>,
}

impl Caches {
    pub(crate) fn channel(
        &self,
        agent: i64,
        epoch: i64,
        desc: &ChannelDesc,
    ) -> Option<ChannelTarget> {
        let m = self.channels.lock().ok()?;
        m.get(&(agent, epoch, desc.id.0))
            .filter(|(d, _)| d == desc)
            .map(|(_, t)| *t)
    }

    pub(crate) fn put_channels(
        &self,
        agent: i64,
        epoch: i64,
        entries: Vec<(ChannelDesc, ChannelTarget)>,
    ) {
        if let Ok(mut m) = self.channels.lock() {
            if m.len() > 100_000 {
                m.clear();
            }
            for (d, t) in entries {
                m.insert((agent, epoch, d.id.0), (d, t));
            }
        }
    }
}

/// A batch checked before any database work: every reading has a declared
/// channel and a storable seq.
pub(crate) struct CheckedBatch<'a> {
    pub(crate) readings: &'a [Reading],
    pub(crate) channels: HashMap<u32, &'a ChannelDesc>,
    pub(crate) seqs: Vec<u64>,
}

pub(crate) fn check_batch<'a>(
    channels: &'a [ChannelDesc],
    readings: &'a [Reading],
) -> Result<CheckedBatch<'a>, StoreError> {
    let channels: HashMap<u32, &ChannelDesc> = channels.iter().map(|c| (c.id.0, c)).collect();
    let mut seqs = Vec::with_capacity(readings.len());
    for r in readings {
        if r.seq.0 == 0 || i64::try_from(r.seq.0).is_err() {
            return Err(StoreError::SeqOutOfRange(r.seq.0));
        }
        if !channels.contains_key(&r.channel.0) {
            return Err(StoreError::UnknownChannel {
                seq: r.seq.0,
                channel: r.channel.0,
            });
        }
        seqs.push(r.seq.0);
    }
    Ok(CheckedBatch {
        readings,
        channels,
        seqs,
    })
}

/// A fresh reading ready for insertion.
#[derive(Debug)]
pub(crate) struct FreshRow {
    pub(crate) point: i64,
    pub(crate) variable: i64,
    pub(crate) time: i64,
    pub(crate) agent: i64,
    pub(crate) epoch: i64,
    pub(crate) seq: i64,
    pub(crate) value: Option<f64>,
    pub(crate) raw: i64,
    pub(crate) total_pulses: Option<i64>,
    pub(crate) quality: std::borrow::Cow<'static, str>,
    pub(crate) agg: Option<f64>,
    pub(crate) counter: bool,
}

/// The rows of the fresh readings, and the aggregate work and latest values they imply.
pub(crate) fn fresh_rows(
    batch: &CheckedBatch<'_>,
    fresh: &[usize],
    targets: &HashMap<u32, ChannelTarget>,
    agent: i64,
    epoch: i64,
) -> (Vec<FreshRow>, aggregate::Fold, Vec<usize>) {
    let rows: Vec<FreshRow> = fresh
        .iter()
        .filter_map(|&i| {
            let r = &batch.readings[i];
            let t = targets.get(&r.channel.0)?;
            Some(FreshRow {
                point: t.point,
                variable: t.variable,
                time: r.time.0,
                agent,
                epoch,
                seq: seq_to_db(r.seq.0),
                value: db_value(r.value),
                raw: r.raw,
                total_pulses: r.total_pulses.map(|p| i64::from_ne_bytes(p.to_ne_bytes())),
                quality: codec::quality_to_text(r.quality),
                agg: agg_value(r),
                counter: t.counter,
            })
        })
        .collect();
    let fold = aggregate::fold(rows.iter().map(|r| aggregate::Sample {
        point: r.point,
        variable: r.variable,
        agent: r.agent,
        epoch: r.epoch,
        counter: r.counter,
        time: r.time,
        value: r.agg,
    }));
    let latest = aggregate::latest_of(
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i, r.point, r.variable, r.time)),
    );
    (rows, fold, latest)
}

/// Whether a channel's readings carry an epoch-relative running total.
pub(crate) fn is_counter(desc: &ChannelDesc) -> bool {
    matches!(desc.coding, Coding::Counter { .. })
}

/// The value stored for a reading: NaN becomes NULL (SQLite cannot store NaN).
pub(crate) fn db_value(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// The value aggregated for a reading: none for bad quality or NaN.
pub(crate) fn agg_value(r: &Reading) -> Option<f64> {
    if matches!(r.quality, Quality::Bad(_)) || !r.value.is_finite() {
        None
    } else {
        Some(r.value)
    }
}

pub(crate) fn seq_to_db(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

pub(crate) fn seq_from_db(s: i64) -> Seq {
    Seq(u64::try_from(s).unwrap_or(0))
}

/// One storage interface over SQLite and PostgreSQL.
#[derive(Clone, Debug)]
pub enum Store {
    /// Embedded SQLite database.
    Sqlite(SqliteStore),
    /// PostgreSQL server.
    Postgres(PgStore),
}

/// Run the same `sqlx` expression on whichever pool the store has.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let $pool = &s.readers;
                $body
            }
            Store::Postgres(p) => {
                let $pool = &p.pool;
                $body
            }
        }
    };
}

/// The same, on the writer pool (SQLite has a single writer connection).
macro_rules! on_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let $pool = &s.writer;
                $body
            }
            Store::Postgres(p) => {
                let $pool = &p.pool;
                $body
            }
        }
    };
}

type PointRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    String,
    i64,
    i64,
);

const POINT_SELECT: &str = "SELECT p.code, p.name, p.kind, s.code, p.latitude, p.longitude, p.dga_code, p.status, \
     p.created_ms, p.updated_ms FROM points p LEFT JOIN sites s ON s.id = p.site_id";

fn point_from_row(r: PointRow) -> Point {
    Point {
        code: r.0,
        name: r.1,
        kind: r.2.as_deref().and_then(PointKind::parse),
        site: r.3,
        latitude: r.4,
        longitude: r.5,
        dga_code: r.6,
        status: PointStatus::parse(&r.7).unwrap_or(PointStatus::Unregistered),
        created: UtcMillis(r.8),
        updated: UtcMillis(r.9),
    }
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
                message: format!("`{url}` is neither postgres://… nor sqlite:PATH"),
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

    /// The store's counters (shared by every clone of the store; the API and
    /// ingest add theirs to the same set).
    #[must_use]
    pub fn metrics(&self) -> &Arc<Metrics> {
        match self {
            Store::Sqlite(s) => &s.metrics,
            Store::Postgres(p) => &p.metrics,
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

    /// Record a session hello: the agent's facts and current epoch. Returns the
    /// resume point: the highest contiguous seq stored for `(agent_id, epoch)`, 0 if none.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn upsert_agent_session(
        &self,
        agent_id: &str,
        epoch: Epoch,
        facts: &SessionFacts,
    ) -> Result<Seq, StoreError> {
        let e = epoch_to_db(epoch);
        let digest = hex::encode(facts.config_digest);
        let now = facts.seen_at.0;
        let contiguous: i64 = on_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let (key,): (i64,) = sqlx::query_as(
                "INSERT INTO agents (agent_id, epoch, software, config_digest, clock_skew_ms, first_seen_ms, last_seen_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (agent_id) DO UPDATE SET epoch = excluded.epoch, software = excluded.software, \
                 config_digest = excluded.config_digest, clock_skew_ms = excluded.clock_skew_ms, last_seen_ms = excluded.last_seen_ms \
                 RETURNING id",
            )
            .bind(agent_id).bind(e).bind(&facts.software).bind(&digest).bind(facts.clock_skew_ms).bind(now)
            .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO agent_epochs (agent, epoch, first_seen_ms) VALUES ($1, $2, $3) ON CONFLICT (agent, epoch) DO NOTHING")
                .bind(key).bind(e).bind(now).execute(&mut *tx).await?;
            let (c,): (i64,) = sqlx::query_as("SELECT contiguous_seq FROM agent_epochs WHERE agent = $1 AND epoch = $2")
                .bind(key).bind(e).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            c
        });
        Ok(seq_from_db(contiguous))
    }

    /// The highest contiguous seq stored for `(agent_id, epoch)`, 0 if none.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn resume_point(&self, agent_id: &str, epoch: Epoch) -> Result<Seq, StoreError> {
        let row: Option<(i64,)> = on_writer!(self, pool => sqlx::query_as(
            "SELECT e.contiguous_seq FROM agent_epochs e JOIN agents a ON a.id = e.agent WHERE a.agent_id = $1 AND e.epoch = $2",
        ).bind(agent_id).bind(epoch_to_db(epoch)).fetch_optional(pool).await)?;
        Ok(seq_from_db(row.map_or(0, |r| r.0)))
    }

    /// Store one batch of an agent's readings in one transaction, ignoring
    /// readings whose `(agent, epoch, seq)` is already stored (replays, overlaps).
    /// Returns the highest contiguous seq stored for `(agent_id, epoch)`.
    ///
    /// `channels` must declare every channel the readings use; points named by
    /// the channels that do not exist yet are created as `unregistered`.
    ///
    /// # Errors
    /// [`StoreError::UnknownChannel`] or [`StoreError::SeqOutOfRange`] before
    /// anything is written; [`StoreError::Db`] after a rollback.
    pub async fn write_batch(
        &self,
        agent_id: &str,
        epoch: Epoch,
        channels: &[ChannelDesc],
        readings: &[Reading],
    ) -> Result<Seq, StoreError> {
        let batch = check_batch(channels, readings)?;
        let now = UtcMillis::now();
        let (contiguous, fresh) = match self {
            Store::Sqlite(s) => {
                s.write_batch(agent_id, epoch_to_db(epoch), &batch, now)
                    .await?
            }
            Store::Postgres(p) => {
                p.write_batch(agent_id, epoch_to_db(epoch), &batch, now)
                    .await?
            }
        };
        self.metrics().batch_written(readings.len(), fresh);
        Ok(seq_from_db(contiguous))
    }

    /// Every point, by code.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn list_points(&self) -> Result<Vec<Point>, StoreError> {
        let sql = format!("{POINT_SELECT} ORDER BY p.code");
        let rows: Vec<PointRow> =
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(point_from_row).collect())
    }

    /// One point.
    ///
    /// # Errors
    /// [`StoreError::PointNotFound`] or [`StoreError::Db`].
    pub async fn get_point(&self, code: &str) -> Result<Point, StoreError> {
        let sql = format!("{POINT_SELECT} WHERE p.code = $1");
        let row: Option<PointRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(pool).await)?;
        row.map(point_from_row)
            .ok_or_else(|| StoreError::PointNotFound(code.to_owned()))
    }

    /// Create a point (status `active` unless the patch says otherwise).
    ///
    /// # Errors
    /// [`StoreError::Invalid`], [`StoreError::PointExists`] or [`StoreError::Db`].
    pub async fn create_point(
        &self,
        code: &str,
        patch: &PointPatch,
        now: UtcMillis,
    ) -> Result<Point, StoreError> {
        check_point_code(code)?;
        patch.validate()?;
        on_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let site = match &patch.site {
                Some(site) => Some(ensure_site!(&mut *tx, site)),
                None => None,
            };
            let created: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO points (code, name, kind, site_id, latitude, longitude, dga_code, status, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(code)
            .bind(patch.name.as_deref().unwrap_or(code))
            .bind(patch.kind.map(PointKind::as_str))
            .bind(site)
            .bind(patch.latitude)
            .bind(patch.longitude)
            .bind(patch.dga_code.as_deref())
            .bind(patch.status.unwrap_or(PointStatus::Active).as_str())
            .bind(now.0)
            .fetch_optional(&mut *tx).await?;
            if created.is_none() {
                return Err(StoreError::PointExists(code.to_owned()));
            }
            tx.commit().await?;
        });
        self.get_point_fresh(code).await
    }

    /// Change the fields a patch sets.
    ///
    /// # Errors
    /// [`StoreError::Invalid`], [`StoreError::PointNotFound`] or [`StoreError::Db`].
    pub async fn update_point(
        &self,
        code: &str,
        patch: &PointPatch,
        now: UtcMillis,
    ) -> Result<Point, StoreError> {
        patch.validate()?;
        on_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let site = match &patch.site {
                Some(site) => Some(ensure_site!(&mut *tx, site)),
                None => None,
            };
            let done = sqlx::query(
                "UPDATE points SET name = COALESCE($2, name), kind = COALESCE($3, kind), site_id = COALESCE($4, site_id), \
                 latitude = COALESCE($5, latitude), longitude = COALESCE($6, longitude), dga_code = COALESCE($7, dga_code), \
                 status = COALESCE($8, status), updated_ms = $9 WHERE code = $1",
            )
            .bind(code)
            .bind(patch.name.as_deref())
            .bind(patch.kind.map(PointKind::as_str))
            .bind(site)
            .bind(patch.latitude)
            .bind(patch.longitude)
            .bind(patch.dga_code.as_deref())
            .bind(patch.status.map(PointStatus::as_str))
            .bind(now.0)
            .execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                return Err(StoreError::PointNotFound(code.to_owned()));
            }
            tx.commit().await?;
        });
        self.get_point_fresh(code).await
    }

    /// Read a point through the writer (SQLite readers may lag a commit by nothing, but be explicit).
    async fn get_point_fresh(&self, code: &str) -> Result<Point, StoreError> {
        let sql = format!("{POINT_SELECT} WHERE p.code = $1");
        let row: Option<PointRow> = on_writer!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(pool).await)?;
        row.map(point_from_row)
            .ok_or_else(|| StoreError::PointNotFound(code.to_owned()))
    }

    /// Latest value of every series of the given points (all points when empty),
    /// ordered by point code and variable.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn latest(&self, points: &[String]) -> Result<Vec<LatestValue>, StoreError> {
        type Row = (String, i64, i64, Option<f64>, i64, String);
        const ALL: &str = "SELECT p.code, l.variable_id, l.time_ms, l.value, l.raw, l.quality FROM latest l \
                           JOIN points p ON p.id = l.point_id ORDER BY p.code, l.variable_id";
        let rows: Vec<Row> = match (self, points.is_empty()) {
            (_, true) => on_pool!(self, pool => sqlx::query_as(ALL).fetch_all(pool).await)?,
            (Store::Sqlite(s), false) => {
                let list = serde_json::to_string(points).unwrap_or_else(|_| "[]".to_owned());
                sqlx::query_as(
                    "SELECT p.code, l.variable_id, l.time_ms, l.value, l.raw, l.quality FROM points p \
                     JOIN latest l ON l.point_id = p.id WHERE p.code IN (SELECT value FROM json_each($1)) \
                     ORDER BY p.code, l.variable_id",
                )
                .bind(list)
                .fetch_all(&s.readers)
                .await?
            }
            (Store::Postgres(p), false) => {
                sqlx::query_as(
                    "SELECT p.code, l.variable_id, l.time_ms, l.value, l.raw, l.quality FROM points p \
                     JOIN latest l ON l.point_id = p.id WHERE p.code = ANY($1) ORDER BY p.code, l.variable_id",
                )
                .bind(points)
                .fetch_all(&p.pool)
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .filter_map(|(point, var, time, value, raw, quality)| {
                Some(LatestValue {
                    point,
                    variable: variable_from_id(var)?,
                    time: UtcMillis(time),
                    value,
                    raw,
                    quality: quality_from_text(&quality)?,
                })
            })
            .collect())
    }

    async fn point_id(&self, code: &str) -> Result<i64, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as("SELECT id FROM points WHERE code = $1").bind(code).fetch_optional(pool).await)?;
        row.map(|r| r.0)
            .ok_or_else(|| StoreError::PointNotFound(code.to_owned()))
    }

    /// One page of a series.
    ///
    /// # Errors
    /// [`StoreError::PointNotFound`], [`StoreError::Invalid`] (empty range,
    /// cursor of the wrong resolution) or [`StoreError::Db`].
    pub async fn series(&self, q: &SeriesQuery) -> Result<SeriesPage, StoreError> {
        if q.from >= q.to {
            return Err(StoreError::Invalid {
                field: "to",
                message: "must be after `from`".to_owned(),
            });
        }
        let point = self.point_id(&q.point).await?;
        let var = variable_id(q.variable);
        let limit = i64::from(std::cmp::max(q.limit, 1));
        match (q.resolution.period_ms(), q.after) {
            (None, after @ (None | Some(Cursor::Raw { .. }))) => {
                let (t, a, e, s) = match after {
                    Some(Cursor::Raw {
                        time,
                        agent,
                        epoch,
                        seq,
                    }) => (time, agent, epoch, seq),
                    _ => (q.from.0, -1, i64::MIN, -1),
                };
                type Row = (i64, i64, i64, i64, Option<f64>, i64, String);
                let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
                    "SELECT time_ms, agent, epoch, seq, value, raw, quality FROM readings \
                     WHERE point_id = $1 AND variable_id = $2 AND time_ms >= $3 AND time_ms < $4 \
                     AND (time_ms, agent, epoch, seq) > ($5, $6, $7, $8) \
                     ORDER BY time_ms, agent, epoch, seq LIMIT $9",
                ).bind(point).bind(var).bind(q.from.0).bind(q.to.0).bind(t).bind(a).bind(e).bind(s).bind(limit + 1)
                .fetch_all(pool).await)?;
                let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
                let mut out = Vec::with_capacity(rows.len());
                let mut next = None;
                for (time, agent, epoch, seq, value, raw, quality) in rows
                    .into_iter()
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                {
                    next = Some(Cursor::Raw {
                        time,
                        agent,
                        epoch,
                        seq,
                    });
                    out.push(RawRow {
                        time: UtcMillis(time),
                        value,
                        raw,
                        quality: quality_from_text(&quality).unwrap_or(Quality::Good),
                    });
                }
                Ok(SeriesPage {
                    rows: SeriesRows::Raw(out),
                    next: next.filter(|_| more),
                })
            }
            (Some(period), after @ (None | Some(Cursor::Bucket(_)))) => {
                let after = match after {
                    Some(Cursor::Bucket(b)) => b,
                    _ => i64::MIN,
                };
                type Row = (i64, i64, f64, f64, f64, f64, Option<f64>);
                let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
                    "SELECT bucket_ms, count, sum, min, max, last_value, increase FROM aggregates \
                     WHERE point_id = $1 AND variable_id = $2 AND period = $3 AND bucket_ms >= $4 AND bucket_ms < $5 \
                     AND bucket_ms > $6 ORDER BY bucket_ms LIMIT $7",
                ).bind(point).bind(var).bind(period).bind(q.from.0).bind(q.to.0).bind(after).bind(limit + 1)
                .fetch_all(pool).await)?;
                let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
                let mut out = Vec::with_capacity(rows.len());
                let mut next = None;
                for (bucket, count, sum, min, max, last, increase) in rows
                    .into_iter()
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                {
                    next = Some(Cursor::Bucket(bucket));
                    #[allow(
                        clippy::cast_precision_loss,
                        reason = "a bucket holds far fewer than 2^53 readings"
                    )]
                    let mean = if count > 0 {
                        sum / count as f64
                    } else {
                        f64::NAN
                    };
                    out.push(AggRow {
                        bucket: UtcMillis(bucket),
                        count,
                        min,
                        max,
                        mean,
                        last,
                        increase,
                    });
                }
                Ok(SeriesPage {
                    rows: SeriesRows::Agg(out),
                    next: next.filter(|_| more),
                })
            }
            _ => Err(StoreError::Invalid {
                field: "cursor",
                message: "belongs to another resolution".to_owned(),
            }),
        }
    }

    /// Every agent with its sync state, by identity.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn agents(&self) -> Result<Vec<AgentState>, StoreError> {
        type Row = (
            String,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
            Option<i64>,
            i64,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT a.agent_id, a.epoch, e.contiguous_seq, \
             (SELECT MAX(r.last_seq) FROM seq_ranges r WHERE r.agent = a.id AND r.epoch = a.epoch), \
             (SELECT COUNT(*) FROM seq_ranges r WHERE r.agent = a.id AND r.epoch = a.epoch), \
             e.readings, a.last_seen_ms, a.clock_skew_ms, a.software \
             FROM agents a LEFT JOIN agent_epochs e ON e.agent = a.id AND e.epoch = a.epoch ORDER BY a.agent_id",
        ).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    agent_id,
                    epoch,
                    contiguous,
                    highest,
                    pending,
                    readings,
                    last_seen,
                    skew,
                    software,
                )| {
                    let contiguous = contiguous.unwrap_or(0);
                    AgentState {
                        agent_id,
                        epoch: epoch.map(epoch_from_db),
                        contiguous_seq: seq_from_db(contiguous),
                        highest_seq: seq_from_db(std::cmp::max(contiguous, highest.unwrap_or(0))),
                        pending_ranges: pending,
                        readings: readings.unwrap_or(0),
                        last_seen: UtcMillis(last_seen),
                        clock_skew_ms: skew,
                        software,
                    }
                },
            )
            .collect())
    }

    /// Add a user.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad name, [`StoreError::UserExists`] or [`StoreError::Db`].
    pub async fn add_user(&self, name: &str, role: Role, now: UtcMillis) -> Result<(), StoreError> {
        check_point_code(name).map_err(|_| StoreError::Invalid {
            field: "name",
            message: format!("`{name}` must be 1 to 64 characters of A-Z, a-z, 0-9, `_`, `-`, `.`"),
        })?;
        let row: Option<(i64,)> = on_writer!(self, pool => sqlx::query_as(
            "INSERT INTO users (name, role, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id",
        ).bind(name).bind(role.as_str()).bind(now.0).fetch_optional(pool).await)?;
        row.map(|_| ())
            .ok_or_else(|| StoreError::UserExists(name.to_owned()))
    }

    /// Store a token hash for a user.
    ///
    /// # Errors
    /// [`StoreError::UserNotFound`] or [`StoreError::Db`].
    pub async fn add_token(
        &self,
        user: &str,
        hash: &TokenHash,
        now: UtcMillis,
    ) -> Result<(), StoreError> {
        let done = on_writer!(self, pool => sqlx::query(
            "INSERT INTO api_tokens (user_id, token_hash, created_ms) SELECT id, $2, $3 FROM users WHERE name = $1",
        ).bind(user).bind(hash.as_hex()).bind(now.0).execute(pool).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::UserNotFound(user.to_owned()));
        }
        Ok(())
    }

    /// The user a token hash belongs to.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn user_by_token(&self, hash: &TokenHash) -> Result<Option<User>, StoreError> {
        let row: Option<(String, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        ).bind(hash.as_hex()).fetch_optional(pool).await)?;
        Ok(row.and_then(|(name, role)| {
            Some(User {
                name,
                role: Role::parse(&role)?,
            })
        }))
    }
}
