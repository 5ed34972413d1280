//! Hourly and daily aggregates, maintained as readings arrive (late ones included).
//!
//! Buckets are UTC hours and UTC days, keyed by their start in ms; `period` in
//! the tables is the bucket width in ms. Each bucket of a series
//! `(point, variable)` keeps `count`, `sum` (mean = sum / count), `min`, `max`
//! and `last` (the value with the greatest time; later writes win ties). A
//! batch is first folded here into one delta per bucket; the backend merges
//! the delta into the stored row (`count + count`, `min(min, min)`, ...), which
//! is associative and commutative, so arrival order does not matter. Bad
//! readings and NaN values are stored but left out of aggregates.
//!
//! # Increase of counters
//!
//! A counter channel ([`caudal_protocol::Coding::Counter`]) carries the running
//! total of its `(agent, epoch)` in m³, which starts at 0 with the epoch and
//! never decreases. `counter_buckets` keeps, per bucket and per
//! `(agent, epoch)`, the highest total seen (`max_total`). Then
//!
//! ```text
//! increase(bucket) = Σ over (agent, epoch) of
//!     max_total(bucket) - max_total(latest earlier bucket of that (agent, epoch)), or - 0 if none
//! ```
//!
//! The sum over all buckets telescopes to the final total of each epoch, so
//! volumes add up exactly. Duplicates cannot change a maximum, and a late
//! reading changes at most its own bucket and the next stored bucket of its
//! epoch. So a batch reads, per series and `(agent, epoch)`, the stored
//! maxima from the bucket before its earliest bucket to the bucket after its
//! latest (one range read), merges its own maxima into them
//! ([`merge_counter`], pure), and writes the raised maxima and the new
//! increases back with one multi-row statement per table. A bucket that
//! another `(agent, epoch)` also reaches (an epoch change, two agents on one
//! point) is summed by the database instead, since the other share's previous
//! bucket may lie outside the range read. Device totalisers decoded with other
//! codings are not epoch-relative, so they get no `increase`.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::{DAY_MS, HOUR_MS};
/// The aggregate periods maintained.
pub const PERIODS: [i64; 2] = [HOUR_MS, DAY_MS];

/// Start of the bucket of width `period` holding `time`.
#[must_use]
pub fn bucket_start(time_ms: i64, period: i64) -> i64 {
    time_ms.div_euclid(period) * period
}

/// A stored reading as the aggregation sees it.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Point key.
    pub point: i64,
    /// Variable key.
    pub variable: i64,
    /// Agent key.
    pub agent: i64,
    /// Epoch as stored.
    pub epoch: i64,
    /// Whether the channel carries an epoch-relative running total.
    pub counter: bool,
    /// Time, ms UTC.
    pub time: i64,
    /// `None` for NaN or bad quality: not aggregated.
    pub value: Option<f64>,
}

/// The contribution of one batch to one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BucketDelta {
    /// Point key.
    pub point: i64,
    /// Variable key.
    pub variable: i64,
    /// Bucket width, ms.
    pub period: i64,
    /// Bucket start, ms UTC.
    pub bucket: i64,
    /// Readings.
    pub count: i64,
    /// Sum of their values.
    pub sum: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Greatest time.
    pub last_time: i64,
    /// Value at that time.
    pub last_value: f64,
}

impl BucketDelta {
    /// Merge another delta (or stored row) into this one: the same rule the SQL upsert applies.
    pub fn merge(&mut self, o: &BucketDelta) {
        self.count += o.count;
        self.sum += o.sum;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        if o.last_time >= self.last_time {
            self.last_time = o.last_time;
            self.last_value = o.last_value;
        }
    }
}

/// The highest counter total of one `(agent, epoch)` in one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CounterMax {
    /// Point key.
    pub point: i64,
    /// Variable key.
    pub variable: i64,
    /// Bucket width, ms.
    pub period: i64,
    /// Agent key.
    pub agent: i64,
    /// Epoch as stored.
    pub epoch: i64,
    /// Bucket start, ms UTC.
    pub bucket: i64,
    /// Highest running total in the bucket, m³.
    pub max_total: f64,
}

/// The aggregate work of one batch.
#[derive(Debug, Default)]
pub struct Fold {
    /// One delta per `(point, variable, period, bucket)`, in key order.
    pub buckets: Vec<BucketDelta>,
    /// In key order, so the maxima of one `(point, variable, period, agent,
    /// epoch)` are adjacent and sorted by bucket.
    pub counters: Vec<CounterMax>,
}

/// Fold the fresh readings of a batch into per-bucket deltas.
pub fn fold(samples: impl IntoIterator<Item = Sample>) -> Fold {
    let mut buckets: BTreeMap<(i64, i64, i64, i64), BucketDelta> = BTreeMap::new();
    let mut counters: BTreeMap<(i64, i64, i64, i64, i64, i64), f64> = BTreeMap::new();
    for s in samples {
        let Some(value) = s.value else { continue };
        for period in PERIODS {
            let bucket = bucket_start(s.time, period);
            let d = BucketDelta {
                point: s.point,
                variable: s.variable,
                period,
                bucket,
                count: 1,
                sum: value,
                min: value,
                max: value,
                last_time: s.time,
                last_value: value,
            };
            buckets
                .entry((s.point, s.variable, period, bucket))
                .and_modify(|b| b.merge(&d))
                .or_insert(d);
            if s.counter {
                let m = counters
                    .entry((s.point, s.variable, period, s.agent, s.epoch, bucket))
                    .or_insert(value);
                *m = m.max(value);
            }
        }
    }
    Fold {
        buckets: buckets.into_values().collect(),
        counters: counters
            .into_iter()
            .map(
                |((point, variable, period, agent, epoch, bucket), max_total)| CounterMax {
                    point,
                    variable,
                    period,
                    agent,
                    epoch,
                    bucket,
                    max_total,
                },
            )
            .collect(),
    }
}

/// One `(agent, epoch)`'s counter maxima after a batch, see [`merge_counter`].
#[derive(Debug, Default, PartialEq)]
pub struct CounterMerge {
    /// `(bucket, max_total)` that are new or higher than stored: to upsert.
    pub maxima: Vec<(i64, f64)>,
    /// `(bucket, share of increase)` for every bucket of the batch and the
    /// stored bucket after each: the only shares the batch can change.
    pub increases: Vec<(i64, f64)>,
}

/// Merge a batch's maxima of one `(point, variable, period, agent, epoch)`
/// into the stored ones and compute that `(agent, epoch)`'s share of
/// `increase` where it may have changed.
///
/// `stored` must hold, sorted by bucket, every stored bucket from the last
/// one before the earliest bucket of `batch` to the first one after its
/// latest (those two included when they exist). `batch` may be in any order
/// and repeat buckets. A share is `max_total - max_total of the previous
/// bucket`, or `- 0` at the epoch's first bucket.
pub fn merge_counter(stored: &[(i64, f64)], batch: &[(i64, f64)]) -> CounterMerge {
    let mut merged: BTreeMap<i64, f64> = stored.iter().copied().collect();
    let mut raised: BTreeMap<i64, f64> = BTreeMap::new();
    for &(bucket, total) in batch {
        let m = merged.entry(bucket).or_insert(f64::NEG_INFINITY);
        if total > *m {
            *m = total;
            raised.insert(bucket, total);
        }
    }
    let mut targets: BTreeSet<i64> = BTreeSet::new();
    for &(bucket, _) in batch {
        targets.insert(bucket);
        if let Some((&next, _)) = merged
            .range((
                std::ops::Bound::Excluded(bucket),
                std::ops::Bound::Unbounded,
            ))
            .next()
        {
            targets.insert(next);
        }
    }
    let increases = targets
        .into_iter()
        .filter_map(|bucket| {
            let total = *merged.get(&bucket)?;
            let before = merged.range(..bucket).next_back().map_or(0.0, |(_, &t)| t);
            Some((bucket, total - before))
        })
        .collect();
    CounterMerge {
        maxima: raised.into_iter().collect(),
        increases,
    }
}

/// A bucket's new `increase`, written as is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Increase {
    /// Point key.
    pub point: i64,
    /// Variable key.
    pub variable: i64,
    /// Bucket width, ms.
    pub period: i64,
    /// Bucket start, ms UTC.
    pub bucket: i64,
    /// Volume added in the bucket, m³.
    pub increase: f64,
}

/// What a batch writes for the counter buckets of one `(point, variable,
/// period, agent, epoch)`, see [`settle_counters`].
#[derive(Debug, Default, PartialEq)]
pub struct CounterPlan {
    /// Maxima to upsert.
    pub maxima: Vec<CounterMax>,
    /// Buckets only this `(agent, epoch)` reaches: their `increase` is its share.
    pub increases: Vec<Increase>,
    /// Buckets that other `(agent, epoch)`s also reach: the database sums them.
    pub shared: Vec<i64>,
}

/// Plan the counter writes of `group` (the batch's maxima of one `(point,
/// variable, period, agent, epoch)`, as in [`Fold::counters`]) from the
/// stored rows `(agent, epoch, bucket, max_total)` of the series, sorted by
/// bucket, covering the range [`merge_counter`] needs for this `(agent, epoch)`.
pub fn settle_counters(group: &[CounterMax], stored: &[(i64, i64, i64, f64)]) -> CounterPlan {
    let Some(&key) = group.first() else {
        return CounterPlan::default();
    };
    let mine = |a: i64, e: i64| a == key.agent && e == key.epoch;
    let own: Vec<(i64, f64)> = stored
        .iter()
        .filter(|r| mine(r.0, r.1))
        .map(|r| (r.2, r.3))
        .collect();
    let others: BTreeSet<i64> = stored
        .iter()
        .filter(|r| !mine(r.0, r.1))
        .map(|r| r.2)
        .collect();
    let batch: Vec<(i64, f64)> = group.iter().map(|c| (c.bucket, c.max_total)).collect();
    let merge = merge_counter(&own, &batch);
    let mut plan = CounterPlan {
        maxima: merge
            .maxima
            .into_iter()
            .map(|(bucket, max_total)| CounterMax {
                bucket,
                max_total,
                ..key
            })
            .collect(),
        ..CounterPlan::default()
    };
    for (bucket, increase) in merge.increases {
        if others.contains(&bucket) {
            plan.shared.push(bucket);
        } else {
            plan.increases.push(Increase {
                point: key.point,
                variable: key.variable,
                period: key.period,
                bucket,
                increase,
            });
        }
    }
    plan
}

/// The latest reading of each series in a batch: `(point, variable) -> index`.
pub fn latest_of<'a>(items: impl IntoIterator<Item = (usize, i64, i64, i64)> + 'a) -> Vec<usize> {
    let mut best: BTreeMap<(i64, i64), (i64, usize)> = BTreeMap::new();
    for (i, point, variable, time) in items {
        best.entry((point, variable))
            .and_modify(|b| {
                if time >= b.0 {
                    *b = (time, i);
                }
            })
            .or_insert((time, i));
    }
    best.into_values().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(time: i64, value: f64, counter: bool) -> Sample {
        Sample {
            point: 1,
            variable: 2,
            agent: 3,
            epoch: 4,
            counter,
            time,
            value: Some(value),
        }
    }

    #[test]
    fn buckets_are_utc_floors_also_before_1970() {
        assert_eq!(bucket_start(0, HOUR_MS), 0);
        assert_eq!(bucket_start(HOUR_MS - 1, HOUR_MS), 0);
        assert_eq!(bucket_start(-1, HOUR_MS), -HOUR_MS);
        assert_eq!(bucket_start(DAY_MS + 5, DAY_MS), DAY_MS);
    }

    #[test]
    fn fold_keeps_min_max_sum_last_per_bucket() {
        let f = fold([
            sample(10, 5.0, false),
            sample(20, 1.0, false),
            sample(15, 9.0, false),
            sample(HOUR_MS, 2.0, false),
        ]);
        let hours: Vec<_> = f.buckets.iter().filter(|b| b.period == HOUR_MS).collect();
        assert_eq!(hours.len(), 2);
        let h0 = hours[0];
        assert_eq!(
            (
                h0.count,
                h0.sum,
                h0.min,
                h0.max,
                h0.last_time,
                h0.last_value
            ),
            (3, 15.0, 1.0, 9.0, 20, 1.0)
        );
        let days: Vec<_> = f.buckets.iter().filter(|b| b.period == DAY_MS).collect();
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].count, 4);
        assert!(f.counters.is_empty());
    }

    #[test]
    fn fold_tracks_counter_maxima() {
        let f = fold([
            sample(10, 1.5, true),
            sample(20, 2.5, true),
            sample(2 * HOUR_MS, 4.0, true),
        ]);
        let hourly: Vec<_> = f
            .counters
            .iter()
            .filter(|c| c.period == HOUR_MS)
            .map(|c| (c.bucket, c.max_total))
            .collect();
        assert_eq!(hourly, vec![(0, 2.5), (2 * HOUR_MS, 4.0)]);
    }

    #[test]
    fn merge_is_order_independent() {
        let a = BucketDelta {
            point: 1,
            variable: 1,
            period: HOUR_MS,
            bucket: 0,
            count: 2,
            sum: 3.0,
            min: 1.0,
            max: 2.0,
            last_time: 5,
            last_value: 2.0,
        };
        let b = BucketDelta {
            count: 1,
            sum: 7.0,
            min: 7.0,
            max: 7.0,
            last_time: 3,
            last_value: 7.0,
            ..a
        };
        let mut ab = a;
        ab.merge(&b);
        let mut ba = b;
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!((ab.count, ab.last_value), (3, 2.0));
    }

    const H: i64 = HOUR_MS;

    /// `merge_counter(stored, batch)` gives `(maxima, increases)`.
    fn check(
        stored: &[(i64, f64)],
        batch: &[(i64, f64)],
        maxima: &[(i64, f64)],
        increases: &[(i64, f64)],
    ) {
        let m = merge_counter(stored, batch);
        assert_eq!(m.maxima, maxima, "maxima");
        assert_eq!(m.increases, increases, "increases");
    }

    #[test]
    fn counter_epoch_start_counts_from_zero() {
        check(
            &[],
            &[(0, 2.0), (H, 5.0)],
            &[(0, 2.0), (H, 5.0)],
            &[(0, 2.0), (H, 3.0)],
        );
    }

    #[test]
    fn counter_late_bucket_between_two_stored_ones_splits_the_next_increase() {
        // Stored: hour 0 at 2, hour 3 at 9 (its increase was 7). Hour 1 arrives at 4.
        check(
            &[(0, 2.0), (3 * H, 9.0)],
            &[(H, 4.0)],
            &[(H, 4.0)],
            &[(H, 2.0), (3 * H, 5.0)],
        );
    }

    #[test]
    fn counter_duplicate_replay_writes_no_maxima_and_the_same_increases() {
        let stored = [(0, 2.0), (H, 4.0), (2 * H, 9.0)];
        check(
            &stored,
            &[(H, 4.0), (H, 3.0)],
            &[],
            &[(H, 2.0), (2 * H, 5.0)],
        );
    }

    #[test]
    fn counter_out_of_order_batch_keeps_the_highest_total_per_bucket() {
        check(
            &[(0, 1.0)],
            &[(2 * H, 6.0), (H, 3.0), (2 * H, 7.0), (H, 2.0)],
            &[(H, 3.0), (2 * H, 7.0)],
            &[(H, 2.0), (2 * H, 4.0)],
        );
    }

    #[test]
    fn counter_raised_bucket_changes_its_own_and_the_next_increase_only() {
        check(
            &[(0, 1.0), (H, 3.0), (2 * H, 8.0)],
            &[(H, 5.0)],
            &[(H, 5.0)],
            &[(H, 4.0), (2 * H, 3.0)],
        );
    }

    #[test]
    fn counter_early_bucket_before_the_epochs_first_stored_one() {
        // Late data before everything stored: it now starts the epoch.
        check(
            &[(2 * H, 6.0)],
            &[(0, 1.0)],
            &[(0, 1.0)],
            &[(0, 1.0), (2 * H, 5.0)],
        );
    }

    #[test]
    fn counter_shares_in_buckets_of_other_epochs_are_left_to_the_database() {
        let group = [CounterMax {
            point: 1,
            variable: 2,
            period: H,
            agent: 3,
            epoch: 5,
            bucket: 2 * H,
            max_total: 8.0,
        }];
        // Epoch 4 of the same agent has hours 1 and 2; epoch 5 starts in hour 2.
        let plan = settle_counters(&group, &[(3, 4, H, 40.0), (3, 4, 2 * H, 56.0)]);
        assert_eq!(plan.maxima, group);
        assert!(plan.increases.is_empty());
        assert_eq!(plan.shared, vec![2 * H]);
        let alone = settle_counters(&group, &[(3, 4, H, 40.0)]);
        assert_eq!(
            alone.increases,
            vec![Increase {
                point: 1,
                variable: 2,
                period: H,
                bucket: 2 * H,
                increase: 8.0
            }]
        );
        assert!(alone.shared.is_empty());
    }

    #[test]
    fn latest_picks_greatest_time_per_series() {
        assert_eq!(
            latest_of([(0, 1, 1, 10), (1, 1, 1, 30), (2, 1, 1, 20), (3, 2, 1, 5)]),
            vec![1, 3]
        );
    }
}
