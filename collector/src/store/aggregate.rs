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
//! epoch: after each batch the backend recomputes `increase` for the touched
//! range of buckets up to the next stored bucket. Device totalisers decoded
//! with other codings are not epoch-relative, so they get no `increase`.

use std::collections::BTreeMap;

/// One hour in ms.
pub const HOUR_MS: i64 = 3_600_000;
/// One day in ms.
pub const DAY_MS: i64 = 86_400_000;
/// The aggregate periods maintained.
pub(crate) const PERIODS: [i64; 2] = [HOUR_MS, DAY_MS];

/// Start of the bucket of width `period` holding `time`.
#[must_use]
pub fn bucket_start(time_ms: i64, period: i64) -> i64 {
    time_ms.div_euclid(period) * period
}

/// A stored reading as the aggregation sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) point: i64,
    pub(crate) variable: i64,
    pub(crate) agent: i64,
    pub(crate) epoch: i64,
    pub(crate) counter: bool,
    pub(crate) time: i64,
    /// `None` for NaN or bad quality: not aggregated.
    pub(crate) value: Option<f64>,
}

/// The contribution of one batch to one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BucketDelta {
    pub(crate) point: i64,
    pub(crate) variable: i64,
    pub(crate) period: i64,
    pub(crate) bucket: i64,
    pub(crate) count: i64,
    pub(crate) sum: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) last_time: i64,
    pub(crate) last_value: f64,
}

impl BucketDelta {
    /// Merge another delta (or stored row) into this one: the same rule the SQL upsert applies.
    pub(crate) fn merge(&mut self, o: &BucketDelta) {
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
pub(crate) struct CounterMax {
    pub(crate) point: i64,
    pub(crate) variable: i64,
    pub(crate) period: i64,
    pub(crate) agent: i64,
    pub(crate) epoch: i64,
    pub(crate) bucket: i64,
    pub(crate) max_total: f64,
}

/// Buckets of counter series whose `increase` must be recomputed:
/// `(point, variable, period) -> (first touched bucket, last touched bucket)`.
pub(crate) type Touched = BTreeMap<(i64, i64, i64), (i64, i64)>;

/// The aggregate work of one batch.
#[derive(Debug, Default)]
pub(crate) struct Fold {
    pub(crate) buckets: Vec<BucketDelta>,
    pub(crate) counters: Vec<CounterMax>,
    pub(crate) touched: Touched,
}

/// Fold the fresh readings of a batch into per-bucket deltas.
pub(crate) fn fold(samples: impl IntoIterator<Item = Sample>) -> Fold {
    let mut buckets: BTreeMap<(i64, i64, i64, i64), BucketDelta> = BTreeMap::new();
    let mut counters: BTreeMap<(i64, i64, i64, i64, i64, i64), f64> = BTreeMap::new();
    let mut touched = Touched::new();
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
                touched
                    .entry((s.point, s.variable, period))
                    .and_modify(|(lo, hi)| {
                        *lo = std::cmp::min(*lo, bucket);
                        *hi = std::cmp::max(*hi, bucket);
                    })
                    .or_insert((bucket, bucket));
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
        touched,
    }
}

/// The latest reading of each series in a batch: `(point, variable) -> index`.
pub(crate) fn latest_of<'a>(
    items: impl IntoIterator<Item = (usize, i64, i64, i64)> + 'a,
) -> Vec<usize> {
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
        assert!(f.counters.is_empty() && f.touched.is_empty());
    }

    #[test]
    fn fold_tracks_counter_maxima_and_touched_ranges() {
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
        assert_eq!(f.touched.get(&(1, 2, HOUR_MS)), Some(&(0, 2 * HOUR_MS)));
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

    #[test]
    fn latest_picks_greatest_time_per_series() {
        assert_eq!(
            latest_of([(0, 1, 1, 10), (1, 1, 1, 30), (2, 1, 1, 20), (3, 2, 1, 5)]),
            vec![1, 3]
        );
    }
}
