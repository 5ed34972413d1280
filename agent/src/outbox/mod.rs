//! The durable outbox: readings wait here (SQLite, WAL) until the collector
//! acknowledges them.
//!
//! # On-disk format (`<data_dir>/outbox.sqlite`, schema version 1)
//!
//! `PRAGMA user_version` holds the schema version; [`MIGRATIONS`] upgrades
//! older files in one transaction each, and a file newer than this build is
//! refused ([`OutboxError::SchemaTooNew`]). Settings: `journal_mode=WAL`,
//! `synchronous=FULL` (a commit is on disk when `append` returns, even
//! across a power cut), `journal_size_limit` 4 MiB.
//!
//! | table | row | notes |
//! |-------|-----|-------|
//! | `meta(key, value)` | `epoch`, `next_seq`, `acked` | `epoch`: random non-zero u64 (as i64 bits) drawn when the file is created |
//! | `channels(id, fingerprint, name, point, variable, unit, coding, regulated)` | one per channel definition | `id` is `AUTOINCREMENT`: never reused; a changed definition (any field) is a new fingerprint and so a new id |
//! | `readings(seq, channel, time, raw, total, value, quality)` | one per unacked reading | `value` is NULL when it equals `coding.value(raw, total)` bit for bit (the usual case), else the `f64` bits as an integer (SQLite would turn a NaN REAL into NULL); `quality` packs kind/reason/argument, see [`quality_code`] |
//! | `dropped(seq, channel, time, total)` | tombstone of a reading dropped for the disk budget | keeps the seq range contiguous |
//! | `counters(channel, last_raw, total, last_time)` | counter state | written in the same transaction as the reading that produced it |
//! | `devices(id, last_poll_ms, last_ok_ms, polls, errors, last_error)` | per-device status | for `caudal-agent status` |
//!
//! # Seq and epoch
//!
//! Invariant: every seq in `acked+1 ..= next_seq-1` is in exactly one of
//! `readings` or `dropped`. Seqs are assigned from `meta.next_seq` inside the
//! transaction that inserts the rows and updates `next_seq`, so a crash at
//! any moment leaves neither gaps nor repeats. Seqs are never reused, even
//! after every row is acknowledged and pruned.
//!
//! # Prune rule
//!
//! Invariant: a row leaves `readings` only when an [`Outbox::ack`] of this
//! epoch covers its seq, or when the disk-full policy turns it into a
//! tombstone. `ack(epoch, up_to)` deletes readings and tombstones with
//! `seq <= up_to` and records `acked = up_to`. Channel definitions are never
//! deleted.
//!
//! # Disk budget
//!
//! Used bytes are `(page_count - freelist_count) × page_size` of the main
//! file (the WAL, at most about 4 MiB, comes on top). After each commit the
//! outbox compares them with `disk_budget_bytes`. While at or over budget it
//! is *full*: [`Appended::full`] is set, the caller raises the alarm (metric
//! and ERROR log), and new readings are handled by `when_full`:
//!
//! - `block`: readings of unregulated channels are refused and returned in
//!   [`Appended::refused`] (the caller counts them); nothing stored is lost.
//! - `drop_oldest_unregulated`: for each batch, the oldest unacknowledged
//!   readings of unregulated channels (twice the batch's unregulated count)
//!   become tombstones in `dropped`; when none are left, new unregulated
//!   readings are refused as with `block`.
//!
//! Readings of `regulated` channels are always stored, whatever the budget.
//! A tombstone is sent by [`Outbox::read_after`] as a placeholder reading of
//! the same channel and time with `raw = 0`, the counter total (counters), a
//! NaN value and quality `Bad(Other(`[`DROPPED_FOR_DISK_BUDGET`]`))`, so the
//! sync always sees a contiguous seq range and the collector learns what
//! was lost.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use caudal_config::agent::{AgentSection, WhenFull};
use caudal_protocol::{
    ChannelDesc, ChannelId, Coding, Epoch, Quality, Reading, Reason, Seq, UtcMillis, Variable,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::process::Record;
use crate::process::counter::CounterState;
use crate::spec::ChannelDef;

/// The file name inside the data directory.
pub const FILE_NAME: &str = "outbox.sqlite";

/// `Reason::Other` code of a placeholder for a reading dropped for the disk budget.
pub const DROPPED_FOR_DISK_BUDGET: u16 = 1;

/// Schema migrations; `MIGRATIONS[i]` upgrades version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
     CREATE TABLE channels (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         fingerprint TEXT NOT NULL UNIQUE,
         name TEXT NOT NULL, point TEXT NOT NULL, variable TEXT NOT NULL, unit TEXT NOT NULL,
         coding TEXT NOT NULL, regulated INTEGER NOT NULL);
     CREATE TABLE readings (
         seq INTEGER PRIMARY KEY, channel INTEGER NOT NULL, time INTEGER NOT NULL,
         raw INTEGER NOT NULL, total INTEGER, value INTEGER, quality INTEGER NOT NULL);
     CREATE TABLE dropped (seq INTEGER PRIMARY KEY, channel INTEGER NOT NULL, time INTEGER NOT NULL, total INTEGER);
     CREATE TABLE counters (channel INTEGER PRIMARY KEY, last_raw INTEGER NOT NULL, total INTEGER NOT NULL, last_time INTEGER NOT NULL);
     CREATE TABLE devices (id TEXT PRIMARY KEY, last_poll_ms INTEGER, last_ok_ms INTEGER,
         polls INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, last_error TEXT);",
];

/// Errors of the outbox layer.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// SQLite failed.
    #[error("outbox database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The data directory could not be created.
    #[error("cannot create data directory {dir}: {source}")]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was written by a newer agent.
    #[error("outbox schema version {found} is newer than this agent supports ({supported})")]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Newest known.
        supported: usize,
    },
    /// An ack names another epoch.
    #[error("ack for epoch {got:#x}, but this outbox is epoch {expected:#x}")]
    EpochMismatch {
        /// This outbox's epoch.
        expected: u64,
        /// The ack's.
        got: u64,
    },
    /// An ack beyond the last stored seq.
    #[error("ack up to seq {up_to} beyond the last stored seq {last}")]
    AckBeyondLast {
        /// Acked.
        up_to: u64,
        /// Last stored.
        last: u64,
    },
    /// A stored value could not be understood.
    #[error("outbox is corrupt: {0}")]
    Corrupt(String),
}

/// Outbox settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxConfig {
    /// Budget of the main file.
    pub disk_budget_bytes: NonZeroU64,
    /// Policy when full.
    pub when_full: WhenFull,
}

impl From<&AgentSection> for OutboxConfig {
    fn from(a: &AgentSection) -> OutboxConfig {
        OutboxConfig {
            disk_budget_bytes: a.disk_budget_bytes,
            when_full: a.when_full,
        }
    }
}

/// Per-device status written with a batch (counts are increments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Device id.
    pub id: String,
    /// Time of the last poll.
    pub last_poll: UtcMillis,
    /// Time of the last poll with an answer.
    pub last_ok: Option<UtcMillis>,
    /// Polls since the previous batch.
    pub polls: u64,
    /// Failed requests since the previous batch.
    pub errors: u64,
    /// The last error, if any.
    pub last_error: Option<String>,
}

/// What [`Outbox::append`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Appended {
    /// Seqs assigned (`first..=last`); None when nothing was stored.
    pub seqs: Option<(Seq, Seq)>,
    /// Records refused because the outbox is full (unregulated channels only).
    pub refused: Vec<Record>,
    /// Old readings turned into tombstones by `drop_oldest_unregulated`.
    pub dropped: u64,
    /// The outbox is at or over its disk budget after this commit.
    pub full: bool,
}

/// A status snapshot, for `caudal-agent status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Epoch.
    pub epoch: Epoch,
    /// First unacknowledged and last stored seq.
    pub backlog: (Seq, Seq),
    /// Used bytes of the main file.
    pub used_bytes: u64,
    /// Tombstones not yet acknowledged.
    pub dropped: u64,
    /// Per-device status rows.
    pub devices: Vec<DeviceRow>,
}

/// One row of the `devices` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Device id.
    pub id: String,
    /// Time of the last poll (ms since the Unix epoch).
    pub last_poll_ms: Option<i64>,
    /// Time of the last answer.
    pub last_ok_ms: Option<i64>,
    /// Polls so far.
    pub polls: u64,
    /// Failed requests so far.
    pub errors: u64,
    /// The last error.
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct ChannelInfo {
    coding: Coding,
    regulated: bool,
}

/// The outbox (one writer; see the module docs).
pub struct Outbox {
    conn: Connection,
    cfg: OutboxConfig,
    epoch: Epoch,
    next_seq: u64,
    acked: u64,
    channels: HashMap<ChannelId, ChannelInfo>,
    used_bytes: u64,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("epoch", &self.epoch)
            .field("next_seq", &self.next_seq)
            .field("acked", &self.acked)
            .finish_non_exhaustive()
    }
}

fn u64_to_i64(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}
fn i64_to_u64(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// Pack a quality: `kind << 24 | reason << 16 | argument` (kind 0 good, 1 suspect, 2 bad).
#[must_use]
pub fn quality_code(q: Quality) -> i64 {
    let (kind, reason) = match q {
        Quality::Good => return 0,
        Quality::Suspect(r) => (1i64, r),
        Quality::Bad(r) => (2, r),
    };
    let (tag, arg): (i64, i64) = match reason {
        Reason::Exception(c) => (0, i64::from(c)),
        Reason::Timeout => (1, 0),
        Reason::OutOfRange => (2, 0),
        Reason::CounterReset => (3, 0),
        Reason::TotalReset => (4, 0),
        Reason::LevelAboveMax => (5, 0),
        Reason::FlowWithoutTotal => (6, 0),
        Reason::LevelWithoutVolume => (7, 0),
        Reason::ImpossibleTime => (8, 0),
        Reason::DecodeFailed => (9, 0),
        Reason::SensorFault => (10, 0),
        Reason::Stuck => (11, 0),
        Reason::Other(n) => (12, i64::from(n)),
    };
    kind << 24 | tag << 16 | arg
}

/// Unpack [`quality_code`].
#[must_use]
pub fn quality_from_code(code: i64) -> Option<Quality> {
    let kind = code >> 24;
    let tag = (code >> 16) & 0xFF;
    let arg = code & 0xFFFF;
    let reason = match tag {
        0 => Reason::Exception(u8::try_from(arg).ok()?),
        1 => Reason::Timeout,
        2 => Reason::OutOfRange,
        3 => Reason::CounterReset,
        4 => Reason::TotalReset,
        5 => Reason::LevelAboveMax,
        6 => Reason::FlowWithoutTotal,
        7 => Reason::LevelWithoutVolume,
        8 => Reason::ImpossibleTime,
        9 => Reason::DecodeFailed,
        10 => Reason::SensorFault,
        11 => Reason::Stuck,
        12 => Reason::Other(u16::try_from(arg).ok()?),
        _ => return None,
    };
    match kind {
        0 => Some(Quality::Good),
        1 => Some(Quality::Suspect(reason)),
        2 => Some(Quality::Bad(reason)),
        _ => None,
    }
}

fn coding_text(c: &Coding) -> String {
    let h = |v: f64| format!("{:016x}", v.to_bits());
    match *c {
        Coding::Linear { scale, offset } => format!("linear:{}:{}", h(scale), h(offset)),
        Coding::Float32 { scale, offset } => format!("f32:{}:{}", h(scale), h(offset)),
        Coding::Float64 { scale, offset } => format!("f64:{}:{}", h(scale), h(offset)),
        Coding::Bits { shift, width } => format!("bits:{shift}:{width}"),
        Coding::Counter { m3_per_pulse } => format!("counter:{}", h(m3_per_pulse)),
    }
}

fn parse_coding(s: &str) -> Option<Coding> {
    let mut it = s.split(':');
    let kind = it.next()?;
    let f = |p: Option<&str>| {
        p.and_then(|h| u64::from_str_radix(h, 16).ok())
            .map(f64::from_bits)
    };
    let c = match kind {
        "linear" => Coding::Linear {
            scale: f(it.next())?,
            offset: f(it.next())?,
        },
        "f32" => Coding::Float32 {
            scale: f(it.next())?,
            offset: f(it.next())?,
        },
        "f64" => Coding::Float64 {
            scale: f(it.next())?,
            offset: f(it.next())?,
        },
        "bits" => Coding::Bits {
            shift: it.next()?.parse().ok()?,
            width: it.next()?.parse().ok()?,
        },
        "counter" => Coding::Counter {
            m3_per_pulse: f(it.next())?,
        },
        _ => return None,
    };
    Some(c)
}

fn migrate(conn: &mut Connection) -> Result<(), OutboxError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = MIGRATIONS.len();
    let from = usize::try_from(version)
        .map_err(|_| OutboxError::Corrupt(format!("schema version {version}")))?;
    if from > supported {
        return Err(OutboxError::SchemaTooNew {
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        if i == 0 {
            let epoch = loop {
                let e: u64 = rand::random();
                if e != 0 {
                    break e;
                }
            };
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('epoch', ?1), ('next_seq', 1), ('acked', 0)",
                [u64_to_i64(epoch)],
            )?;
        }
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn meta(conn: &Connection, key: &str) -> Result<i64, OutboxError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?
        .ok_or_else(|| OutboxError::Corrupt(format!("meta `{key}` missing")))
}

fn used_bytes(conn: &Connection) -> Result<u64, OutboxError> {
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok(u64::try_from((pages - free) * size).unwrap_or(0))
}

impl Outbox {
    /// Open (or create) the outbox in `dir`.
    ///
    /// # Errors
    /// [`OutboxError`] when the directory or database cannot be opened or migrated.
    pub fn open(dir: &Path, cfg: &OutboxConfig) -> Result<Outbox, OutboxError> {
        std::fs::create_dir_all(dir).map_err(|source| OutboxError::CreateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(dir.join(FILE_NAME))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
        // A small page cache: the agent must stay small on a 512 MB gateway.
        conn.pragma_update(None, "cache_size", -512)?;
        migrate(&mut conn)?;
        let epoch = Epoch(i64_to_u64(meta(&conn, "epoch")?));
        let next_seq = i64_to_u64(meta(&conn, "next_seq")?);
        let acked = i64_to_u64(meta(&conn, "acked")?);
        let mut channels = HashMap::new();
        {
            let mut stmt = conn.prepare("SELECT id, coding, regulated FROM channels")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?;
            for row in rows {
                let (id, coding, regulated) = row?;
                let coding = parse_coding(&coding)
                    .ok_or_else(|| OutboxError::Corrupt(format!("coding `{coding}`")))?;
                channels.insert(ChannelId(id), ChannelInfo { coding, regulated });
            }
        }
        let used_bytes = used_bytes(&conn)?;
        Ok(Outbox {
            conn,
            cfg: *cfg,
            epoch,
            next_seq,
            acked,
            channels,
            used_bytes,
        })
    }

    /// This outbox's epoch.
    #[must_use]
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The stable id of a channel definition, creating it when new.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn register_channel(&mut self, def: &ChannelDef) -> Result<ChannelId, OutboxError> {
        let coding = coding_text(&def.coding);
        let fingerprint = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            def.name, def.point, def.variable, def.unit, coding, def.regulated
        );
        let found: Option<u32> = self
            .conn
            .query_row(
                "SELECT id FROM channels WHERE fingerprint = ?1",
                [&fingerprint],
                |r| r.get(0),
            )
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                self.conn.execute(
                    "INSERT INTO channels (fingerprint, name, point, variable, unit, coding, regulated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![fingerprint, def.name, def.point, def.variable.as_str(), def.unit, coding, def.regulated],
                )?;
                u32::try_from(self.conn.last_insert_rowid())
                    .map_err(|_| OutboxError::Corrupt("channel id overflow".to_owned()))?
            }
        };
        self.channels.insert(
            ChannelId(id),
            ChannelInfo {
                coding: def.coding,
                regulated: def.regulated,
            },
        );
        Ok(ChannelId(id))
    }

    /// Every channel definition the outbox knows (stable ids, never reused).
    ///
    /// # Errors
    /// SQLite errors or an unreadable stored definition.
    pub fn channels(&self) -> Result<Vec<ChannelDesc>, OutboxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, point, variable, unit, coding, regulated FROM channels ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, point, variable, unit, coding, regulated) = row?;
            out.push(ChannelDesc {
                id: ChannelId(id),
                point,
                variable: Variable::parse(&variable)
                    .ok_or_else(|| OutboxError::Corrupt(format!("variable `{variable}`")))?,
                unit,
                coding: parse_coding(&coding)
                    .ok_or_else(|| OutboxError::Corrupt(format!("coding `{coding}`")))?,
                regulated,
            });
        }
        Ok(out)
    }

    /// Counter states by channel, to resume processing after a restart.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn counter_states(&self) -> Result<HashMap<ChannelId, CounterState>, OutboxError> {
        let mut stmt = self
            .conn
            .prepare("SELECT channel, last_raw, total, last_time FROM counters")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                ChannelId(r.get(0)?),
                CounterState {
                    last_raw: i64_to_u64(r.get(1)?),
                    total: i64_to_u64(r.get(2)?),
                    last_time: UtcMillis(r.get(3)?),
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Store `records` and device status in one transaction (group commit).
    ///
    /// Counter states carried by stored records are committed with them.
    ///
    /// # Errors
    /// SQLite errors; nothing is stored then.
    pub fn append(
        &mut self,
        records: &[Record],
        devices: &[DeviceStatus],
    ) -> Result<Appended, OutboxError> {
        let mut out = Appended::default();
        let full_before = self.used_bytes >= self.cfg.disk_budget_bytes.get();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut refuse_unregulated = false;
        if full_before {
            refuse_unregulated = true;
            if self.cfg.when_full == WhenFull::DropOldestUnregulated {
                let want = records
                    .iter()
                    .filter(|r| !self.channels.get(&r.channel).is_none_or(|c| c.regulated))
                    .count();
                let unregulated: Vec<u32> = self
                    .channels
                    .iter()
                    .filter(|(_, c)| !c.regulated)
                    .map(|(id, _)| id.0)
                    .collect();
                if want > 0 && !unregulated.is_empty() {
                    let list = unregulated
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",");
                    let limit = i64::try_from(want * 2).unwrap_or(i64::MAX);
                    let seqs: Vec<i64> = {
                        let mut stmt = tx.prepare(&format!(
                            "SELECT seq FROM readings WHERE seq > ?1 AND channel IN ({list}) ORDER BY seq LIMIT ?2"
                        ))?;
                        stmt.query_map(params![u64_to_i64(self.acked), limit], |r| r.get(0))?
                            .collect::<Result<_, _>>()?
                    };
                    let mut tomb = tx.prepare_cached(
                        "INSERT INTO dropped (seq, channel, time, total) SELECT seq, channel, time, total FROM readings WHERE seq = ?1",
                    )?;
                    let mut del = tx.prepare_cached("DELETE FROM readings WHERE seq = ?1")?;
                    for seq in &seqs {
                        tomb.execute([seq])?;
                        del.execute([seq])?;
                    }
                    out.dropped = u64::try_from(seqs.len()).unwrap_or(0);
                    refuse_unregulated = seqs.is_empty();
                }
            }
        }
        let mut next = self.next_seq;
        let mut counters: HashMap<ChannelId, CounterState> = HashMap::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO readings (seq, channel, time, raw, total, value, quality) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for rec in records {
                // An unknown channel counts as regulated: never refuse what we cannot classify.
                let info = self.channels.get(&rec.channel);
                let regulated = info.is_none_or(|c| c.regulated);
                if refuse_unregulated && !regulated {
                    out.refused.push(*rec);
                    continue;
                }
                let derived = info.map(|c| c.coding.value(rec.raw, rec.total_pulses));
                let value = (derived.map(f64::to_bits) != Some(rec.value.to_bits()))
                    .then(|| u64_to_i64(rec.value.to_bits()));
                insert.execute(params![
                    u64_to_i64(next),
                    rec.channel.0,
                    rec.time.0,
                    rec.raw,
                    rec.total_pulses.map(u64_to_i64),
                    value,
                    quality_code(rec.quality),
                ])?;
                if let Some(c) = rec.counter {
                    counters.insert(rec.channel, c);
                }
                next += 1;
            }
        }
        if !counters.is_empty() {
            let mut up = tx.prepare_cached(
                "INSERT INTO counters (channel, last_raw, total, last_time) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(channel) DO UPDATE SET last_raw = excluded.last_raw, total = excluded.total, last_time = excluded.last_time",
            )?;
            for (ch, c) in &counters {
                up.execute(params![
                    ch.0,
                    u64_to_i64(c.last_raw),
                    u64_to_i64(c.total),
                    c.last_time.0
                ])?;
            }
        }
        if !devices.is_empty() {
            let mut up = tx.prepare_cached(
                "INSERT INTO devices (id, last_poll_ms, last_ok_ms, polls, errors, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET last_poll_ms = excluded.last_poll_ms,
                   last_ok_ms = COALESCE(excluded.last_ok_ms, last_ok_ms), polls = polls + excluded.polls,
                   errors = errors + excluded.errors, last_error = COALESCE(excluded.last_error, last_error)",
            )?;
            for d in devices {
                up.execute(params![
                    d.id,
                    d.last_poll.0,
                    d.last_ok.map(|t| t.0),
                    u64_to_i64(d.polls),
                    u64_to_i64(d.errors),
                    d.last_error
                ])?;
            }
        }
        if next != self.next_seq {
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'next_seq'",
                [u64_to_i64(next)],
            )?;
            out.seqs = Some((Seq(self.next_seq), Seq(next - 1)));
        }
        tx.commit()?;
        self.next_seq = next;
        self.used_bytes = used_bytes(&self.conn)?;
        out.full = self.used_bytes >= self.cfg.disk_budget_bytes.get();
        Ok(out)
    }

    /// Up to `max` readings with seq greater than `after`, in seq order and contiguous.
    ///
    /// Acknowledged readings are gone: the result starts at
    /// `max(after, acked) + 1`. Tombstones come back as placeholders (module docs).
    ///
    /// # Errors
    /// SQLite errors or an unreadable row.
    pub fn read_after(&self, after: Seq, max: usize) -> Result<Vec<Reading>, OutboxError> {
        let after = u64_to_i64(std::cmp::max(after.0, self.acked));
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, channel, time, raw, total, value, quality FROM readings WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, limit])?;
        let mut out = Vec::with_capacity(std::cmp::min(max, 4096));
        while let Some(r) = rows.next()? {
            let channel = ChannelId(r.get(1)?);
            let raw: i64 = r.get(3)?;
            let total = r.get::<_, Option<i64>>(4)?.map(i64_to_u64);
            let code: i64 = r.get(6)?;
            let quality = quality_from_code(code)
                .ok_or_else(|| OutboxError::Corrupt(format!("quality code {code}")))?;
            let value = match r.get::<_, Option<i64>>(5)? {
                Some(bits) => f64::from_bits(i64_to_u64(bits)),
                None => self
                    .channels
                    .get(&channel)
                    .ok_or_else(|| {
                        OutboxError::Corrupt(format!("reading of unknown channel {}", channel.0))
                    })?
                    .coding
                    .value(raw, total),
            };
            out.push(Reading {
                seq: Seq(i64_to_u64(r.get(0)?)),
                channel,
                time: UtcMillis(r.get(2)?),
                raw,
                total_pulses: total,
                value,
                quality,
            });
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, channel, time, total FROM dropped WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, limit])?;
        let mut tombs = Vec::new();
        while let Some(r) = rows.next()? {
            tombs.push(Reading {
                seq: Seq(i64_to_u64(r.get(0)?)),
                channel: ChannelId(r.get(1)?),
                time: UtcMillis(r.get(2)?),
                raw: 0,
                total_pulses: r.get::<_, Option<i64>>(3)?.map(i64_to_u64),
                value: f64::NAN,
                quality: Quality::Bad(Reason::Other(DROPPED_FOR_DISK_BUDGET)),
            });
        }
        if !tombs.is_empty() {
            out.extend(tombs);
            out.sort_unstable_by_key(|r| r.seq);
            out.truncate(max);
        }
        Ok(out)
    }

    /// The collector has durably stored every reading of `epoch` up to `up_to`: prune them.
    ///
    /// # Errors
    /// [`OutboxError::EpochMismatch`], [`OutboxError::AckBeyondLast`], SQLite errors.
    pub fn ack(&mut self, epoch: Epoch, up_to: Seq) -> Result<(), OutboxError> {
        if epoch != self.epoch {
            return Err(OutboxError::EpochMismatch {
                expected: self.epoch.0,
                got: epoch.0,
            });
        }
        let last = self.next_seq - 1;
        if up_to.0 > last {
            return Err(OutboxError::AckBeyondLast {
                up_to: up_to.0,
                last,
            });
        }
        if up_to.0 <= self.acked {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let up = u64_to_i64(up_to.0);
        tx.execute("DELETE FROM readings WHERE seq <= ?1", [up])?;
        tx.execute("DELETE FROM dropped WHERE seq <= ?1", [up])?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'acked'", [up])?;
        tx.commit()?;
        self.acked = up_to.0;
        self.used_bytes = used_bytes(&self.conn)?;
        Ok(())
    }

    /// `(first unacknowledged, last stored)`; empty when `first > last`.
    #[must_use]
    pub fn backlog(&self) -> (Seq, Seq) {
        (Seq(self.acked + 1), Seq(self.next_seq - 1))
    }

    /// Re-read the seq watermarks other handles on the same file wrote: the
    /// sync task's handle sees the acquisition writer's commits, and the writer
    /// sees the sync task's acks.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn refresh(&mut self) -> Result<(), OutboxError> {
        self.next_seq = i64_to_u64(meta(&self.conn, "next_seq")?);
        self.acked = i64_to_u64(meta(&self.conn, "acked")?);
        Ok(())
    }

    /// Readings waiting for an ack.
    #[must_use]
    pub fn backlog_len(&self) -> u64 {
        self.next_seq - 1 - self.acked
    }

    /// Used bytes of the main file after the last commit.
    #[must_use]
    pub fn used_bytes(&self) -> u64 {
        self.used_bytes
    }

    /// At or over the disk budget.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.used_bytes >= self.cfg.disk_budget_bytes.get()
    }
}

/// Read a status snapshot without taking the writer's place (works while the agent runs).
///
/// # Errors
/// SQLite errors (e.g. no outbox in `dir`).
pub fn status(dir: &Path) -> Result<Status, OutboxError> {
    let conn = Connection::open_with_flags(
        dir.join(FILE_NAME),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let epoch = Epoch(i64_to_u64(meta(&conn, "epoch")?));
    let next = i64_to_u64(meta(&conn, "next_seq")?);
    let acked = i64_to_u64(meta(&conn, "acked")?);
    let dropped: i64 = conn.query_row("SELECT count(*) FROM dropped", [], |r| r.get(0))?;
    let mut stmt = conn.prepare(
        "SELECT id, last_poll_ms, last_ok_ms, polls, errors, last_error FROM devices ORDER BY id",
    )?;
    let devices = stmt
        .query_map([], |r| {
            Ok(DeviceRow {
                id: r.get(0)?,
                last_poll_ms: r.get(1)?,
                last_ok_ms: r.get(2)?,
                polls: i64_to_u64(r.get(3)?),
                errors: i64_to_u64(r.get(4)?),
                last_error: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Status {
        epoch,
        backlog: (Seq(acked + 1), Seq(next - 1)),
        used_bytes: used_bytes(&conn)?,
        dropped: u64::try_from(dropped).unwrap_or(0),
        devices,
    })
}

#[cfg(test)]
mod tests;
