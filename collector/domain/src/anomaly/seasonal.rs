//! Hour-of-week seasonal baseline (reference §3): 168 buckets, one per local
//! hour of the week in a [`Zone`] (Monday 00:00–00:59 is bucket 0), so a
//! pump that runs every night compares tonight with earlier nights at the
//! same hour, and its daily and weekly cycle is not an anomaly.
//!
//! Each bucket learns its mean: a running mean over its first
//! `bucket_warmup` readings (default 10), then an exponential update with
//! weight `bucket_alpha` (default 0.05, a memory of about 20 readings of that
//! hour). Once a reading's bucket is warm, its residual `x − bucket mean` is
//! standardized by a residual [`Baseline`] (shared by all buckets: a pooled
//! spread) and fed to an EWMA chart ([`EwmaConfig`], same defaults as the
//! plain EWMA). Nothing learns while frozen. The hour is found through the
//! zone once per UTC quarter-hour and cached (every real zone's offsets and
//! transitions fall on quarter-hours), so a reading costs a comparison.

use chrono::{Datelike, Timelike};

use caudal_protocol::UtcMillis;

use super::ewma::{EwmaConfig, EwmaState};
use super::{AnomalyError, Baseline, BaselineConfig, check};
use crate::zone::Zone;

/// Buckets in a week.
pub const BUCKETS: usize = 168;

const QUARTER_MS: i64 = 15 * 60 * 1000;

/// Seasonal parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeasonalConfig {
    /// Zone of the local hours (default America/Santiago).
    pub zone: Zone,
    /// Weight of a reading in its bucket once warm (default 0.05).
    pub bucket_alpha: f64,
    /// Readings a bucket needs before it is compared (default 10).
    pub bucket_warmup: u32,
    /// The residual spread's baseline (default warm-up 200, α 0.002).
    pub residual: BaselineConfig,
    /// The chart on the standardized residuals.
    pub ewma: EwmaConfig,
}

impl SeasonalConfig {
    /// Defaults with this chart.
    #[must_use]
    pub fn new(ewma: EwmaConfig) -> SeasonalConfig {
        SeasonalConfig {
            zone: Zone::SANTIAGO,
            bucket_alpha: 0.05,
            bucket_warmup: 10,
            residual: BaselineConfig::default(),
            ewma,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), AnomalyError> {
        check(
            "seasonal.bucket_alpha",
            self.bucket_alpha,
            self.bucket_alpha > 0.0 && self.bucket_alpha < 1.0,
            "in (0, 1)",
        )?;
        check(
            "seasonal.bucket_warmup",
            f64::from(self.bucket_warmup),
            self.bucket_warmup >= 1,
            "at least 1",
        )?;
        self.residual.validate()?;
        self.ewma.validate()
    }
}

/// One hour-of-week bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bucket {
    /// Mean of the hour.
    pub mean: f64,
    /// Readings learned.
    pub n: u32,
}

/// Seasonal state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeasonalState {
    /// 168 buckets (empty while the detector is disabled).
    pub buckets: Vec<Bucket>,
    /// Spread of the residuals.
    pub residual: Baseline,
    /// Chart on the residuals.
    pub ewma: EwmaState,
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
        if self.buckets.len() != BUCKETS || self.cached_bucket >= BUCKETS {
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

    /// One reading: `(score, raw)` once its bucket and the residual spread
    /// are warm; learns unless `learn` is false.
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
        let bucket = self.buckets[b];
        let mut out = None;
        if bucket.n >= cfg.bucket_warmup {
            let r = x - bucket.mean;
            if self.residual.ready(&cfg.residual) {
                let e = self.residual.standardize(r, &cfg.residual);
                out = Some(self.ewma.step(e, &cfg.ewma));
            }
            if learn {
                self.residual.learn(r, &cfg.residual);
            }
        }
        if learn {
            let bucket = &mut self.buckets[b];
            if bucket.n < cfg.bucket_warmup {
                bucket.n += 1;
                bucket.mean += (x - bucket.mean) / f64::from(bucket.n);
            } else {
                bucket.mean += cfg.bucket_alpha * (x - bucket.mean);
                bucket.n = bucket.n.saturating_add(1);
            }
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
    /// white noise (raw out-of-limit readings at the chart's in-control rate,
    /// well under 1 %), while running at night (40 A at 02:00) is not.
    #[test]
    fn a_daily_cycle_is_normal_and_an_off_schedule_run_is_not() {
        let cfg = SeasonalConfig::new(EwmaConfig {
            lambda: 0.1,
            limit: 3.0,
        });
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
        let cfg = SeasonalConfig::new(EwmaConfig {
            lambda: 0.1,
            limit: 3.0,
        });
        let mut s = SeasonalState::new();
        for m in 0..2_000 {
            s.observe(UtcMillis(monday() + m * MINUTE), 1.0, &cfg, true);
        }
        let buckets = s.buckets.clone();
        let residual = s.residual;
        for m in 2_000..3_000 {
            s.observe(UtcMillis(monday() + m * MINUTE), 99.0, &cfg, false);
        }
        assert_eq!((s.buckets, s.residual), (buckets, residual));
    }
}
