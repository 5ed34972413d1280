//! The write of one agent batch: check it, resolve its channels, let the
//! backend insert the fresh readings, fold them into aggregates and latest
//! values, and update the ledger, all in one transaction.

use std::collections::HashMap;
use std::sync::Mutex;

use caudal_collector_domain::series::aggregate;
use caudal_protocol::{ChannelDesc, Coding, Epoch, Quality, Reading, Seq, UtcMillis};

use crate::codec::{self, epoch_to_db};
use crate::{Store, StoreError};

/// Upsert the agent (touching `last_seen_ms`) and its epoch row; yield the agent key.
macro_rules! ensure_agent {
    ($tx:ident, $agent_id:expr, $epoch:expr, $now:expr) => {{
        let (key,): (i64,) = sqlx::query_as(
            "INSERT INTO agents (agent_id, epoch, first_seen_ms, last_seen_ms) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (agent_id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, \
             epoch = COALESCE(agents.epoch, excluded.epoch) RETURNING id",
        )
        .bind($agent_id)
        .bind($epoch)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO agent_epochs (agent, epoch, first_seen_ms) VALUES ($1, $2, $3) ON CONFLICT (agent, epoch) DO NOTHING",
        )
        .bind(key)
        .bind($epoch)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        key
    }};
}

/// Map the channels used by fresh readings to `(point, variable)`, creating
/// unknown points as `unregistered`. Yields `(targets, newly learned channels)`.
macro_rules! resolve_channels {
    ($tx:ident, $caches:expr, $agent:expr, $epoch:expr, $batch:expr, $fresh:expr, $now:expr) => {{
        let mut targets: std::collections::HashMap<u32, $crate::batch::ChannelTarget> = std::collections::HashMap::new();
        let mut learned = Vec::new();
        for &i in $fresh {
            let ch = $batch.readings[i].channel.0;
            if targets.contains_key(&ch) {
                continue;
            }
            let Some(desc) = $batch.channels.get(&ch).copied() else { continue };
            let target = match $caches.channel($agent, $epoch, desc) {
                Some(t) => t,
                None => {
                    sqlx::query(
                        "INSERT INTO points (code, name, status, created_ms, updated_ms) \
                         VALUES ($1, $1, 'unregistered', $2, $2) ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(&desc.point)
                    .bind($now)
                    .execute(&mut *$tx)
                    .await?;
                    let (point,): (i64,) = sqlx::query_as("SELECT id FROM points WHERE code = $1")
                        .bind(&desc.point)
                        .fetch_one(&mut *$tx)
                        .await?;
                    let t = $crate::batch::ChannelTarget {
                        point,
                        variable: $crate::codec::variable_id(desc.variable),
                        counter: $crate::batch::is_counter(desc),
                    };
                    sqlx::query(
                        "INSERT INTO channels (agent, epoch, channel, point_id, variable_id, unit, counter, regulated) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (agent, epoch, channel) DO UPDATE SET \
                         point_id = excluded.point_id, variable_id = excluded.variable_id, unit = excluded.unit, \
                         counter = excluded.counter, regulated = excluded.regulated",
                    )
                    .bind($agent)
                    .bind($epoch)
                    .bind(i64::from(desc.id.0))
                    .bind(point)
                    .bind(t.variable)
                    .bind(&desc.unit)
                    .bind(t.counter)
                    .bind(desc.regulated)
                    .execute(&mut *$tx)
                    .await?;
                    learned.push((desc.clone(), t));
                    t
                }
            };
            targets.insert(ch, target);
        }
        (targets, learned)
    }};
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
                seq: crate::ledger::seq_to_db(r.seq.0),
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

impl Store {
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
        let started = std::time::Instant::now();
        let written = match self {
            Store::Sqlite(s) => {
                s.write_batch(agent_id, epoch_to_db(epoch), &batch, now)
                    .await
            }
            Store::Postgres(p) => {
                p.write_batch(agent_id, epoch_to_db(epoch), &batch, now)
                    .await
            }
        };
        let (contiguous, fresh) = written.inspect_err(|e| self.stats().note(e))?;
        self.stats()
            .batch_written(readings.len(), fresh, started.elapsed().as_secs_f64());
        crate::ledger::seq_from_db("agent_epochs", contiguous)
    }
}
