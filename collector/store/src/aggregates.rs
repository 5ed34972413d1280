//! The SQL of the hourly and daily aggregates. The merge rule and the exact
//! counter increase are in [`caudal_collector_domain::series::aggregate`]; a
//! batch folds its readings there and merges the result here, inside the
//! batch transaction (`$tx` is its identifier), with one range read per
//! counter series and one multi-row statement per table.

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
            let stored: Vec<(i64, i64, i64, f64)> = sqlx::query_as($crate::aggregates::READ_COUNTER_RANGE)
                .bind(first.point)
                .bind(first.variable)
                .bind(first.period)
                .bind(first.agent)
                .bind(first.epoch)
                .bind(first.bucket)
                .bind(last.bucket)
                .fetch_all(&mut *$tx)
                .await?;
            let plan = caudal_collector_domain::series::aggregate::settle_counters(group, &stored);
            maxima.extend(plan.maxima);
            increases.extend(plan.increases);
            shared.extend(plan.shared.into_iter().map(|b| (first.point, first.variable, first.period, b)));
        }
        // Increases of buckets the batch upserts anyway ride along with their
        // delta; the rest (the stored bucket after the batch's) get an UPDATE.
        let mut increases: std::collections::HashMap<(i64, i64, i64, i64), f64> = increases
            .into_iter()
            .map(|i: caudal_collector_domain::series::aggregate::Increase| ((i.point, i.variable, i.period, i.bucket), i.increase))
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
            qb.push_values(chunk, |mut b, c: &caudal_collector_domain::series::aggregate::CounterMax| {
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
        let mut increases: Vec<caudal_collector_domain::series::aggregate::Increase> = increases
            .into_iter()
            .map(|((point, variable, period, bucket), increase)| caudal_collector_domain::series::aggregate::Increase {
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
            qb.push_values(chunk, |mut b, i: &caudal_collector_domain::series::aggregate::Increase| {
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
            sqlx::query($crate::aggregates::RECOMPUTE_SHARED_INCREASE)
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
                let r: &$crate::batch::FreshRow = &$rows[i];
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
