//! Hour-of-week seasonal baseline (reference §3): 168 buckets, one per local
//! hour of the week in a [`Zone`] (Monday 00:00–00:59 is bucket 0), so a
//! pump that runs every night compares tonight with earlier nights at the
//! same hour, and its daily and weekly cycle is not an anomaly.
//!
//! Learning is per visit of an hour, not per reading, so the memory is in
//! weeks whatever the polling rate: the readings of the current hour gather
//! in a pending sum, and when the hour ends (the bucket changes, or more than
//! an hour passes) they fold into their bucket: the bucket mean moves towards
//! the hour's mean with weight `max(1/visits, week_alpha)` (default 0.25, a
//! memory of about four weeks), and the bucket variance is the same weighted
//! average of the hour's mean squared deviation from the bucket mean (the
//! within-hour spread plus the week-to-week change of the hour's level).
//!
//! A reading is scored against its bucket once it has `warmup_weeks` visits
//! (default 2): `e = (x − μ_b) / σ_b`, raw condition `|e| > limit` (default
//! 3.5, medium sensitivity), gated by the consecutive count like every
//! detector. Scoring each reading on its own (no EWMA on the residuals) is
//! deliberate: within an hour the residuals are autocorrelated whenever the
//! pump switches mid-hour (a bucket half on, half off), and a chart that
//! accumulates them would alarm at every such switch. Small persistent shifts
//! are the EWMA and CUSUM's business; this detector finds departures from the
//! usual profile (running at night, a level far from its usual value for the
//! hour).
//!
//! `σ_b` is floored at `max(min_sigma, 0.1 · pooled σ, 1e-9·max(1, |μ_b|))`,
//! the pooled variance being an average over every fold (weight 0.01), so a
//! bucket where the pump is always off at exactly 0 A does not turn a 0.1 A
//! blip into an anomaly. While frozen nothing is gathered and the hour being
//! gathered when the alarm began is dropped, so the buckets keep their values. The hour is
//! found through the zone once per UTC quarter-hour and cached (every real
//! zone's offsets and transitions fall on quarter-hours), so a reading costs
//! a comparison.

use chrono::{Datelike, Timelike};

use caudal_protocol::UtcMillis;

use super::{AnomalyError, check, sigma_floor};
use crate::zone::Zone;

/// Buckets in a week.
pub const BUCKETS: usize = 168;

const QUARTER_MS: i64 = 15 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;
const POOLED_ALPHA: f64 = 0.01;

/// Seasonal parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeasonalConfig {
    /// Zone of the local hours (default America/Santiago).
    pub zone: Zone,
    /// Weight of one more visit of an hour in its bucket (default 0.25).
    pub week_alpha: f64,
    /// Visits a bucket needs before it is compared (default 2).
    pub warmup_weeks: u32,
    /// Limit on |e| in bucket sigmas (default 3.5).
    pub limit: f64,
    /// Smallest bucket σ, in the reading's units (default 0).
    pub min_sigma: f64,
}

impl SeasonalConfig {
    /// Defaults with this limit.
    #[must_use]
    pub fn new(limit: f64) -> SeasonalConfig {
        SeasonalConfig {
            zone: Zone::SANTIAGO,
            week_alpha: 0.25,
            warmup_weeks: 2,
            limit,
            min_sigma: 0.0,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), AnomalyError> {
        check(
            "seasonal.week_alpha",
            self.week_alpha,
            self.week_alpha > 0.0 && self.week_alpha < 1.0,
            "in (0, 1)",
        )?;
        check(
            "seasonal.warmup_weeks",
            f64::from(self.warmup_weeks),
            self.warmup_weeks >= 1,
            "at least 1",
        )?;
        check("seasonal.limit", self.limit, self.limit > 0.0, "positive")?;
        check(
            "seasonal.min_sigma",
            self.min_sigma,
            self.min_sigma >= 0.0,
            "non-negative",
        )
    }
}

/// One hour of the week.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bucket {
    /// Mean level of the hour.
    pub mean: f64,
    /// Variance of readings of the hour around `mean`.
    pub var: f64,
    /// Visits folded in.
    pub visits: u32,
}

/// The readings of the hour being visited.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pending {
    /// Its bucket.
    pub bucket: usize,
    /// Readings gathered.
    pub n: u32,
    /// Σx.
    pub sum: f64,
    /// Σx².
    pub sum_sq: f64,
    /// Time of the last reading gathered, ms.
    pub last_ms: i64,
}

/// Seasonal state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeasonalState {
    /// 168 buckets (empty while disabled).
    pub buckets: Vec<Bucket>,
    /// The hour being gathered.
    pub pending: Pending,
    /// Pooled variance over folds (for the σ floor).
    pub pooled_var: f64,
    /// UTC quarter-hour of the cached bucket (i64::MIN: none).
    pub cached_quarter: i64,
    /// The cached bucket.
    pub cached_bucket: usize,
}

/// The hour-of-week bucket of an instant in a zone.
#[must_use]
pub fn hour_of_week(zone: &Zone, t: UtcMillis) -> usize {
    let local = zone.local(t);
    let day = local.weekday().num_days_from_monday() as usize;
    day * 24 + local.hour() as usize
}

impl SeasonalState {
    pub(crate) fn new() -> SeasonalState {
        SeasonalState {
            buckets: vec![Bucket::default(); BUCKETS],
            cached_quarter: i64::MIN,
            ..SeasonalState::default()
        }
    }

    pub(crate) fn check(&self) -> Result<(), AnomalyError> {
        if self.buckets.len() != BUCKETS
            || self.cached_bucket >= BUCKETS
            || self.pending.bucket >= BUCKETS
        {
            return Err(AnomalyError::State("seasonal buckets"));
        }
        Ok(())
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }

    fn bucket(&mut self, t: UtcMillis, zone: &Zone) -> usize {
        let quarter = t.0 - t.0.rem_euclid(QUARTER_MS);
        if quarter != self.cached_quarter {
            self.cached_quarter = quarter;
            self.cached_bucket = hour_of_week(zone, t);
        }
        self.cached_bucket
    }

    /// Folds the pending hour into its bucket.
    fn fold(&mut self, cfg: &SeasonalConfig) {
        let p = self.pending;
        self.pending.n = 0;
        self.pending.sum = 0.0;
        self.pending.sum_sq = 0.0;
        if p.n == 0 {
            return;
        }
        let n = f64::from(p.n);
        let hour_mean = p.sum / n;
        let within = (p.sum_sq / n - hour_mean * hour_mean).max(0.0);
        let b = &mut self.buckets[p.bucket];
        let msd = if b.visits == 0 {
            within
        } else {
            within + (hour_mean - b.mean) * (hour_mean - b.mean)
        };
        let w = (1.0 / f64::from(b.visits.saturating_add(1))).max(cfg.week_alpha);
        b.mean += w * (hour_mean - b.mean);
        b.var = if b.visits == 0 {
            msd
        } else {
            (1.0 - w) * b.var + w * msd
        };
        b.visits = b.visits.saturating_add(1);
        self.pooled_var = if self.pooled_var == 0.0 {
            msd
        } else {
            (1.0 - POOLED_ALPHA) * self.pooled_var + POOLED_ALPHA * msd
        };
    }

    /// One reading: `(score, raw)` once its bucket is warm; gathers it for
    /// learning unless `learn` is false.
    pub fn observe(
        &mut self,
        t: UtcMillis,
        x: f64,
        cfg: &SeasonalConfig,
        learn: bool,
    ) -> Option<(f64, bool)> {
        if self.buckets.len() != BUCKETS {
            return None;
        }
        let b = self.bucket(t, &cfg.zone);
        if !learn {
            // The hour in which an alarm began is not learned at all.
            self.pending = Pending::default();
        } else if self.pending.n > 0
            && (self.pending.bucket != b || t.0 - self.pending.last_ms > HOUR_MS)
        {
            self.fold(cfg);
        }
        let bucket = self.buckets[b];
        let out = (bucket.visits >= cfg.warmup_weeks).then(|| {
            let floor = sigma_floor(cfg.min_sigma, bucket.mean).max(0.1 * self.pooled_var.sqrt());
            let e = (x - bucket.mean) / bucket.var.sqrt().max(floor);
            (e, e.abs() > cfg.limit)
        });
        if learn {
            let p = &mut self.pending;
            p.bucket = b;
            p.n = p.n.saturating_add(1);
            p.sum += x;
            p.sum_sq += x * x;
            p.last_ms = t.0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::testing::Normal;
    use chrono::NaiveDate;

    const MINUTE: i64 = 60_000;

    fn monday() -> i64 {
        // Monday 2026-07-06 00:00 in Santiago.
        Zone::SANTIAGO
            .start_of_day(NaiveDate::from_ymd_opt(2026, 7, 6).unwrap())
            .0
    }

    #[test]
    fn hours_of_the_week_are_local() {
        let z = Zone::SANTIAGO;
        assert_eq!(hour_of_week(&z, UtcMillis(monday())), 0);
        assert_eq!(hour_of_week(&z, UtcMillis(monday() + 27 * 60 * MINUTE)), 27);
        assert_eq!(
            hour_of_week(&z, UtcMillis(monday() + 7 * 24 * 60 * MINUTE - 1)),
            167
        );
    }

    /// A pump running 06:00–18:00 every day (40 A) and stopped otherwise (0 A),
    /// one reading a minute: after two weeks the daily cycle is as quiet as
    /// white noise (raw out-of-limit readings well under 1 %), while running at night (40 A at 02:00) is not.
    #[test]
    fn a_daily_cycle_is_normal_and_an_off_schedule_run_is_not() {
        let cfg = SeasonalConfig::new(3.5);
        let mut s = SeasonalState::new();
        let mut g = Normal::new(5);
        let current = |minute: i64, g: &mut Normal| {
            let hour = (minute / 60) % 24;
            let on = (6..18).contains(&hour);
            (if on { 40.0 } else { 0.0 }) + 0.5 * g.sample()
        };
        let weeks = 4 * 7 * 24 * 60;
        let (mut scored, mut out) = (0, 0);
        for m in 0..weeks {
            let x = current(m, &mut g);
            if let Some((_, raw)) = s.observe(UtcMillis(monday() + m * MINUTE), x, &cfg, true)
                && m > 2 * 7 * 24 * 60
            {
                scored += 1;
                out += i32::from(raw);
            }
        }
        assert!(scored > 20_000);
        assert!(
            f64::from(out) / f64::from(scored) < 0.01,
            "{out} of {scored}"
        );
        // Night run on the fifth Monday at 02:00.
        let start = monday() + weeks * MINUTE + 2 * 60 * MINUTE;
        let mut raised = false;
        for m in 0..10 {
            if let Some((score, raw)) = s.observe(UtcMillis(start + m * MINUTE), 40.0, &cfg, false)
            {
                raised |= raw && score > 0.0;
            }
        }
        assert!(raised);
    }

    #[test]
    fn frozen_readings_teach_nothing() {
        let cfg = SeasonalConfig::new(3.5);
        let mut s = SeasonalState::new();
        for m in 0..2_000 {
            s.observe(UtcMillis(monday() + m * MINUTE), 1.0, &cfg, true);
        }
        let buckets = s.buckets.clone();
        let pooled = s.pooled_var;
        for m in 2_000..3_000 {
            s.observe(UtcMillis(monday() + m * MINUTE), 99.0, &cfg, false);
        }
        assert_eq!((s.buckets, s.pooled_var), (buckets, pooled));
    }
}
