//! Steps of the batch write that run the same SQL on both backends.
//!
//! They are macros, not generic functions, because each expands against a
//! concrete `sqlx::Transaction<'_, Sqlite | Postgres>`: the SQL text is shared
//! and the compiler checks each expansion against its backend. Everything
//! here runs inside the batch transaction (`$tx` is its identifier).

/// `INSERT` a site by code if new and yield its id.
macro_rules! ensure_site {
    ($tx:expr, $code:expr) => {{
        sqlx::query("INSERT INTO sites (code, name) VALUES ($1, $1) ON CONFLICT (code) DO NOTHING")
            .bind($code)
            .execute($tx)
            .await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM sites WHERE code = $1")
            .bind($code)
            .fetch_one($tx)
            .await?;
        id
    }};
}

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

/// Read the ledger around a batch: `(contiguous, nearby ranges)`. `$lock` is
/// appended to the `agent_epochs` select (`" FOR UPDATE"` on PostgreSQL).
macro_rules! load_ledger {
    ($tx:ident, $agent:expr, $epoch:expr, $seqs:expr, $lock:literal) => {{
        let (c,): (i64,) = sqlx::query_as(concat!(
            "SELECT contiguous_seq FROM agent_epochs WHERE agent = $1 AND epoch = $2",
            $lock
        ))
        .bind($agent)
        .bind($epoch)
        .fetch_one(&mut *$tx)
        .await?;
        let nearby: Vec<$crate::store::ledger::SeqRange> = match $crate::store::ledger::window($seqs) {
            Some((lo, hi)) => {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT first_seq, last_seq FROM seq_ranges \
                     WHERE agent = $1 AND epoch = $2 AND last_seq >= $3 AND first_seq <= $4 ORDER BY first_seq",
                )
                .bind($agent)
                .bind($epoch)
                .bind($crate::store::seq_to_db(lo))
                .bind($crate::store::seq_to_db(hi))
                .fetch_all(&mut *$tx)
                .await?;
                rows.into_iter()
                    .map(|(f, l)| $crate::store::ledger::SeqRange {
                        first: u64::try_from(f).unwrap_or(0),
                        last: u64::try_from(l).unwrap_or(0),
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        (u64::try_from(c).unwrap_or(0), nearby)
    }};
}

/// Map the channels used by fresh readings to `(point, variable)`, creating
/// unknown points as `unregistered`. Yields `(targets, newly learned channels)`.
macro_rules! resolve_channels {
    ($tx:ident, $caches:expr, $agent:expr, $epoch:expr, $batch:expr, $fresh:expr, $now:expr) => {{
        let mut targets: std::collections::HashMap<u32, $crate::store::ChannelTarget> = std::collections::HashMap::new();
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
                    let t = $crate::store::ChannelTarget {
                        point,
                        variable: $crate::store::codec::variable_id(desc.variable),
                        counter: $crate::store::is_counter(desc),
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

/// The stored counter rows `(agent, epoch, bucket, max_total)` of a series
/// that `aggregate::settle_counters` needs for one `(agent, epoch)`: every
/// bucket from that `(agent, epoch)`'s last one before the batch's earliest
/// bucket to its first one after the batch's latest. Binds: point, variable,
/// period, agent, epoch, earliest bucket, latest bucket. (`ORDER BY … LIMIT 1`,
/// not `MAX`/`MIN`: PostgreSQL may otherwise aggregate every earlier bucket.)
pub(crate) const READ_COUNTER_RANGE: &str = "SELECT agent, epoch, bucket_ms, max_total FROM counter_buckets \
    WHERE point_id = $1 AND variable_id = $2 AND period = $3 \
    AND bucket_ms >= COALESCE((SELECT p.bucket_ms FROM counter_buckets p WHERE p.point_id = $1 \
        AND p.variable_id = $2 AND p.period = $3 AND p.agent = $4 AND p.epoch = $5 AND p.bucket_ms < $6 \
        ORDER BY p.bucket_ms DESC LIMIT 1), $6) \
    AND bucket_ms <= COALESCE((SELECT n.bucket_ms FROM counter_buckets n WHERE n.point_id = $1 \
        AND n.variable_id = $2 AND n.period = $3 AND n.agent = $4 AND n.epoch = $5 AND n.bucket_ms > $7 \
        ORDER BY n.bucket_ms LIMIT 1), $7) \
    ORDER BY bucket_ms, agent, epoch";

/// Sum `increase` of one bucket over every `(agent, epoch)` reaching it (see
/// `aggregate.rs`), for buckets shared by several. Binds: point, variable,
/// period, bucket.
pub(crate) const RECOMPUTE_SHARED_INCREASE: &str = "UPDATE aggregates SET increase = ( \
    SELECT COALESCE(SUM(c.max_total - COALESCE((SELECT p.max_total FROM counter_buckets p \
        WHERE p.point_id = c.point_id AND p.variable_id = c.variable_id AND p.period = c.period \
        AND p.agent = c.agent AND p.epoch = c.epoch AND p.bucket_ms < c.bucket_ms \
        ORDER BY p.bucket_ms DESC LIMIT 1), 0)), 0) \
    FROM counter_buckets c WHERE c.point_id = aggregates.point_id AND c.variable_id = aggregates.variable_id \
    AND c.period = aggregates.period AND c.bucket_ms = aggregates.bucket_ms) \
    WHERE point_id = $1 AND variable_id = $2 AND period = $3 AND bucket_ms = $4";

/// Merge a batch's aggregate deltas, counter maxima and latest values into the
/// tables. `$least`/`$greatest` name the two-argument min/max function.
macro_rules! merge_aggregates {
    ($tx:ident, $db:ty, $fold:expr, $rows:expr, $latest:expr, $least:literal, $greatest:literal) => {{
        // Counters: one range read per (series, agent, epoch), a pure merge,
        // then one multi-row write per table (see aggregate.rs).
        let (mut maxima, mut increases, mut shared) = (Vec::new(), Vec::new(), Vec::new());
        for group in $fold.counters.chunk_by(|a, b| {
            (a.point, a.variable, a.period, a.agent, a.epoch) == (b.point, b.variable, b.period, b.agent, b.epoch)
        }) {
            let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
            let stored: Vec<(i64, i64, i64, f64)> = sqlx::query_as($crate::store::shared::READ_COUNTER_RANGE)
                .bind(first.point)
                .bind(first.variable)
                .bind(first.period)
                .bind(first.agent)
                .bind(first.epoch)
                .bind(first.bucket)
                .bind(last.bucket)
                .fetch_all(&mut *$tx)
                .await?;
            let plan = $crate::store::aggregate::settle_counters(group, &stored);
            maxima.extend(plan.maxima);
            increases.extend(plan.increases);
            shared.extend(plan.shared.into_iter().map(|b| (first.point, first.variable, first.period, b)));
        }
        // Increases of buckets the batch upserts anyway ride along with their
        // delta; the rest (the stored bucket after the batch's) get an UPDATE.
        let mut increases: std::collections::HashMap<(i64, i64, i64, i64), f64> = increases
            .into_iter()
            .map(|i: $crate::store::aggregate::Increase| ((i.point, i.variable, i.period, i.bucket), i.increase))
            .collect();
        for chunk in $fold.buckets.chunks(2000) {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO aggregates (point_id, variable_id, period, bucket_ms, count, sum, min, max, last_time_ms, last_value, increase) ",
            );
            qb.push_values(chunk, |mut b, d| {
                b.push_bind(d.point)
                    .push_bind(d.variable)
                    .push_bind(d.period)
                    .push_bind(d.bucket)
                    .push_bind(d.count)
                    .push_bind(d.sum)
                    .push_bind(d.min)
                    .push_bind(d.max)
                    .push_bind(d.last_time)
                    .push_bind(d.last_value)
                    .push_bind(increases.remove(&(d.point, d.variable, d.period, d.bucket)));
            });
            qb.push(concat!(
                " ON CONFLICT (point_id, variable_id, period, bucket_ms) DO UPDATE SET ",
                "count = aggregates.count + excluded.count, sum = aggregates.sum + excluded.sum, ",
                "min = ", $least, "(aggregates.min, excluded.min), max = ", $greatest, "(aggregates.max, excluded.max), ",
                "last_value = CASE WHEN excluded.last_time_ms >= aggregates.last_time_ms ",
                "THEN excluded.last_value ELSE aggregates.last_value END, ",
                "last_time_ms = ", $greatest, "(aggregates.last_time_ms, excluded.last_time_ms), ",
                "increase = COALESCE(excluded.increase, aggregates.increase)"
            ));
            qb.build().execute(&mut *$tx).await?;
        }
        for chunk in maxima.chunks(2000) {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO counter_buckets (point_id, variable_id, period, agent, epoch, bucket_ms, max_total) ",
            );
            qb.push_values(chunk, |mut b, c: &$crate::store::aggregate::CounterMax| {
                b.push_bind(c.point)
                    .push_bind(c.variable)
                    .push_bind(c.period)
                    .push_bind(c.agent)
                    .push_bind(c.epoch)
                    .push_bind(c.bucket)
                    .push_bind(c.max_total);
            });
            qb.push(concat!(
                " ON CONFLICT (point_id, variable_id, period, agent, epoch, bucket_ms) DO UPDATE SET ",
                "max_total = ", $greatest, "(counter_buckets.max_total, excluded.max_total)"
            ));
            qb.build().execute(&mut *$tx).await?;
        }
        let mut increases: Vec<$crate::store::aggregate::Increase> = increases
            .into_iter()
            .map(|((point, variable, period, bucket), increase)| $crate::store::aggregate::Increase {
                point,
                variable,
                period,
                bucket,
                increase,
            })
            .collect();
        increases.sort_unstable_by_key(|i| (i.point, i.variable, i.period, i.bucket));
        for chunk in increases.chunks(2000) {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "WITH v (point_id, variable_id, period, bucket_ms, increase) AS (",
            );
            qb.push_values(chunk, |mut b, i: &$crate::store::aggregate::Increase| {
                b.push_bind(i.point)
                    .push_bind(i.variable)
                    .push_bind(i.period)
                    .push_bind(i.bucket)
                    .push_bind(i.increase);
            });
            qb.push(
                ") UPDATE aggregates SET increase = v.increase FROM v WHERE aggregates.point_id = v.point_id \
                 AND aggregates.variable_id = v.variable_id AND aggregates.period = v.period \
                 AND aggregates.bucket_ms = v.bucket_ms",
            );
            qb.build().execute(&mut *$tx).await?;
        }
        for &(point, variable, period, bucket) in &shared {
            sqlx::query($crate::store::shared::RECOMPUTE_SHARED_INCREASE)
                .bind(point)
                .bind(variable)
                .bind(period)
                .bind(bucket)
                .execute(&mut *$tx)
                .await?;
        }
        for chunk in $latest.chunks(2000) {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO latest (point_id, variable_id, time_ms, value, raw, quality) ",
            );
            qb.push_values(chunk, |mut b, &i| {
                let r: &$crate::store::FreshRow = &$rows[i];
                b.push_bind(r.point)
                    .push_bind(r.variable)
                    .push_bind(r.time)
                    .push_bind(r.value)
                    .push_bind(r.raw)
                    .push_bind(r.quality.to_string());
            });
            qb.push(
                " ON CONFLICT (point_id, variable_id) DO UPDATE SET time_ms = excluded.time_ms, value = excluded.value, \
                 raw = excluded.raw, quality = excluded.quality WHERE excluded.time_ms >= latest.time_ms",
            );
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Write the ledger plan and the epoch's counters.
macro_rules! store_ledger {
    ($tx:ident, $agent:expr, $epoch:expr, $plan:expr, $now:expr) => {{
        for first in &$plan.delete {
            sqlx::query("DELETE FROM seq_ranges WHERE agent = $1 AND epoch = $2 AND first_seq = $3")
                .bind($agent)
                .bind($epoch)
                .bind($crate::store::seq_to_db(*first))
                .execute(&mut *$tx)
                .await?;
        }
        for r in &$plan.insert {
            sqlx::query("INSERT INTO seq_ranges (agent, epoch, first_seq, last_seq) VALUES ($1, $2, $3, $4)")
                .bind($agent)
                .bind($epoch)
                .bind($crate::store::seq_to_db(r.first))
                .bind($crate::store::seq_to_db(r.last))
                .execute(&mut *$tx)
                .await?;
        }
        sqlx::query(
            "UPDATE agent_epochs SET contiguous_seq = $3, readings = readings + $4, last_write_ms = $5 \
             WHERE agent = $1 AND epoch = $2",
        )
        .bind($agent)
        .bind($epoch)
        .bind($crate::store::seq_to_db($plan.contiguous))
        .bind(i64::try_from($plan.fresh.len()).unwrap_or(i64::MAX))
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}
