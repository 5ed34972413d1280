//! Cron schedules in a time zone, and the scheduled times due at a tick.
//!
//! # Expressions
//!
//! Parsed by the `croner` crate (Open Cron Pattern Specification): five fields
//! `minute hour day-of-month month day-of-week`, or six with a leading
//! `second`; names (`MON`, `JAN`), ranges, lists, steps, `L`, `W` and `#`.
//! Day-of-month and day-of-week combine with OR, as in Vixie cron.
//!
//! # Daylight saving
//!
//! Times are wall times in the schedule's [`Zone`] (America/Santiago by
//! default). croner's rules, which the tests pin for Santiago, where the clock
//! moves at local midnight:
//! - a fixed time skipped by a jump forward runs at the first instant after
//!   the gap, the same day (`0 0 * * *` runs at 01:00 on the September day);
//! - a fixed time that happens twice runs once, at its first occurrence;
//! - wildcard and step fields skip the gap and repeat in the doubled hour.
//!
//! So a daily job at 00:00 or 06:00 runs exactly once on every local day.
//!
//! # Catch-up after downtime ([`CatchUp`])
//!
//! A replica asks, at each tick, which scheduled time is due in
//! `(after, now]`, where `after` is the latest scheduled time already in the
//! run history (or the job's registration time when it has none). With the
//! default [`CatchUp::Once`] only the **latest** scheduled time in that range
//! runs; the earlier ones are reported as missed ([`Due::missed`]) for the
//! history and the metrics, never run one by one. A collector that was down
//! for three days runs a daily job once, for today's slot.
//! [`CatchUp::Skip`] runs the latest time only if it is at most `grace_ms`
//! old, and reports it as skipped otherwise.

use std::str::FromStr;

use caudal_protocol::UtcMillis;
use chrono::{DateTime, TimeZone, Utc};
use croner::Cron;

use crate::zone::{Zone, to_datetime};

/// Most earlier missed times counted one by one before [`Due::missed`] saturates.
pub const MISSED_COUNT_CAP: u32 = 1_000;

/// A cron expression that croner refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron expression `{expr}`: {reason}")]
pub struct ScheduleError {
    /// The expression as given.
    pub expr: String,
    /// croner's reason.
    pub reason: String,
}

/// What to do with scheduled times missed while no replica was running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatchUp {
    /// Run the latest missed time once; earlier ones are reported as missed.
    Once,
    /// Run the latest missed time only if it is at most `grace_ms` late;
    /// otherwise report it as skipped and wait for the next one.
    Skip {
        /// Lateness still run, ms.
        grace_ms: i64,
    },
}

impl Default for CatchUp {
    /// [`CatchUp::Once`]: a missed run runs once.
    fn default() -> CatchUp {
        CatchUp::Once
    }
}

/// A cron expression in a time zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    expr: String,
    cron: Cron,
    zone: Zone,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.expr == other.expr && self.zone == other.zone
    }
}

/// The outcome of [`Schedule::due`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The scheduled time to run now, if any.
    pub run: Option<UtcMillis>,
    /// A scheduled time that is due but too late to run ([`CatchUp::Skip`]):
    /// record it as skipped.
    pub skipped: Option<UtcMillis>,
    /// Scheduled times in `(after, latest)` that are neither run nor recorded
    /// (saturates at [`MISSED_COUNT_CAP`]).
    pub missed: u32,
}

impl Due {
    const NOTHING: Due = Due {
        run: None,
        skipped: None,
        missed: 0,
    };
}

impl Schedule {
    /// Parse a cron expression (5 fields, or 6 with seconds) for a zone.
    ///
    /// # Errors
    /// [`ScheduleError`] naming the expression and croner's reason.
    pub fn parse(expr: &str, zone: Zone) -> Result<Schedule, ScheduleError> {
        let cron = Cron::from_str(expr.trim()).map_err(|e| ScheduleError {
            expr: expr.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Schedule {
            expr: expr.trim().to_owned(),
            cron,
            zone,
        })
    }

    /// The expression as parsed (trimmed).
    #[must_use]
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The zone its wall times are in.
    #[must_use]
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The first scheduled time strictly after `t`; `None` past year 5000 or
    /// for a pattern that never matches.
    #[must_use]
    pub fn next_after(&self, t: UtcMillis) -> Option<UtcMillis> {
        match self.zone {
            Zone::Fixed(o) => next_in(&self.cron, &o, t, true),
            Zone::Named(tz) => next_in(&self.cron, &tz, t, true),
        }
    }

    /// The latest scheduled time at or before `t`.
    #[must_use]
    pub fn latest_at_or_before(&self, t: UtcMillis) -> Option<UtcMillis> {
        match self.zone {
            Zone::Fixed(o) => next_in(&self.cron, &o, t, false),
            Zone::Named(tz) => next_in(&self.cron, &tz, t, false),
        }
    }

    /// Every scheduled time in `(after, until]`, at most `cap` of them.
    #[must_use]
    pub fn times_between(&self, after: UtcMillis, until: UtcMillis, cap: usize) -> Vec<UtcMillis> {
        let mut out = Vec::new();
        let mut t = after;
        while out.len() < cap {
            match self.next_after(t) {
                Some(n) if n <= until => {
                    out.push(n);
                    t = n;
                }
                _ => break,
            }
        }
        out
    }

    /// Which scheduled time in `(after, now]` to run now, under `catch_up`
    /// (see the module docs).
    #[must_use]
    pub fn due(&self, after: UtcMillis, now: UtcMillis, catch_up: CatchUp) -> Due {
        if now <= after {
            return Due::NOTHING;
        }
        let Some(latest) = self.latest_at_or_before(now).filter(|l| *l > after) else {
            return Due::NOTHING;
        };
        let earlier = self.times_between(after, latest, MISSED_COUNT_CAP as usize + 1);
        // `earlier` ends with `latest` itself.
        let missed = u32::try_from(earlier.len().saturating_sub(1))
            .map_or(MISSED_COUNT_CAP, |n| std::cmp::min(n, MISSED_COUNT_CAP));
        match catch_up {
            CatchUp::Skip { grace_ms } if now.0 - latest.0 > grace_ms => Due {
                run: None,
                skipped: Some(latest),
                missed,
            },
            _ => Due {
                run: Some(latest),
                skipped: None,
                missed,
            },
        }
    }
}

/// `next_after` (`forward`) or `latest_at_or_before` (not `forward`) in one zone.
fn next_in<Z: TimeZone>(cron: &Cron, zone: &Z, t: UtcMillis, forward: bool) -> Option<UtcMillis> {
    let start: DateTime<Z> = to_datetime(t).with_timezone(zone);
    let found = if forward {
        cron.find_next_occurrence(&start, false)
    } else {
        cron.find_previous_occurrence(&start, true)
    };
    found
        .ok()
        .map(|d| UtcMillis(d.with_timezone(&Utc).timestamp_millis()))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};

    fn utc(s: &str) -> UtcMillis {
        crate::zone::from_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    fn local(z: Zone, t: UtcMillis) -> String {
        z.local(t).format("%Y-%m-%d %H:%M").to_string()
    }

    fn daily_runs(expr: &str, from: &str, days: i64) -> Vec<String> {
        let s = Schedule::parse(expr, Zone::SANTIAGO).unwrap();
        let start = utc(from);
        s.times_between(start, UtcMillis(start.0 + days * DAY_MS), 1000)
            .into_iter()
            .map(|t| local(Zone::SANTIAGO, t))
            .collect()
    }

    #[test]
    fn a_daily_midnight_job_runs_once_on_the_september_dst_day() {
        // 2026-09-06: Santiago jumps from 00:00 to 01:00.
        let runs = daily_runs("0 0 * * *", "2026-09-04 12:00:00", 4);
        assert_eq!(
            runs,
            vec![
                "2026-09-05 00:00",
                "2026-09-06 01:00",
                "2026-09-07 00:00",
                "2026-09-08 00:00"
            ]
        );
    }

    #[test]
    fn a_daily_midnight_job_runs_once_on_the_april_dst_day() {
        // 2026-04-05 00:00 -03:00 falls back to 2026-04-04 23:00 -04:00.
        let runs = daily_runs("0 0 * * *", "2026-04-03 12:00:00", 4);
        assert_eq!(
            runs,
            vec![
                "2026-04-04 00:00",
                "2026-04-05 00:00",
                "2026-04-06 00:00",
                "2026-04-07 00:00"
            ]
        );
        // And a job in the doubled hour also runs once that day.
        let late = daily_runs("30 23 * * *", "2026-04-03 12:00:00", 3);
        assert_eq!(
            late,
            vec!["2026-04-03 23:30", "2026-04-04 23:30", "2026-04-05 23:30"]
        );
    }

    #[test]
    fn a_daily_six_oclock_job_runs_once_on_both_dst_days() {
        for from in ["2026-09-04 12:00:00", "2026-04-03 12:00:00"] {
            let runs = daily_runs("0 6 * * *", from, 4);
            assert_eq!(runs.len(), 4, "{runs:?}");
            assert!(runs.iter().all(|r| r.ends_with("06:00")), "{runs:?}");
        }
    }

    #[test]
    fn seconds_field_is_optional() {
        let s = Schedule::parse("* * * * * *", Zone::UTC).unwrap();
        let t = utc("2026-01-01 00:00:00");
        assert_eq!(s.next_after(t), Some(UtcMillis(t.0 + SECOND_MS)));
        let m = Schedule::parse("*/15 * * * *", Zone::UTC).unwrap();
        assert_eq!(m.next_after(t), Some(UtcMillis(t.0 + 15 * MINUTE_MS)));
    }

    #[test]
    fn a_bad_expression_is_refused_naming_it() {
        let e = Schedule::parse("61 * * * *", Zone::SANTIAGO).unwrap_err();
        assert_eq!(e.expr, "61 * * * *");
        assert!(
            e.to_string()
                .starts_with("invalid cron expression `61 * * * *`")
        );
        assert!(Schedule::parse("every day", Zone::SANTIAGO).is_err());
    }

    #[test]
    fn a_missed_run_runs_once_not_once_per_missed_tick() {
        let s = Schedule::parse("0 * * * *", Zone::UTC).unwrap();
        let last = utc("2026-03-01 10:00:00");
        // Down for five hours and a half.
        let now = UtcMillis(last.0 + 5 * HOUR_MS + 30 * MINUTE_MS);
        let d = s.due(last, now, CatchUp::Once);
        assert_eq!(d.run, Some(utc("2026-03-01 15:00:00")));
        assert_eq!(d.missed, 4);
        // Once recorded, nothing more is due until the next hour.
        assert_eq!(s.due(d.run.unwrap(), now, CatchUp::Once), Due::NOTHING);
    }

    #[test]
    fn skip_policy_records_a_late_time_as_skipped() {
        let s = Schedule::parse("0 * * * *", Zone::UTC).unwrap();
        let last = utc("2026-03-01 10:00:00");
        let policy = CatchUp::Skip {
            grace_ms: 5 * MINUTE_MS,
        };
        let on_time = s.due(last, utc("2026-03-01 11:04:00"), policy);
        assert_eq!(on_time.run, Some(utc("2026-03-01 11:00:00")));
        let late = s.due(last, utc("2026-03-01 11:06:00"), policy);
        assert_eq!(late.run, None);
        assert_eq!(late.skipped, Some(utc("2026-03-01 11:00:00")));
    }

    #[test]
    fn due_is_inclusive_of_now_and_exclusive_of_after() {
        let s = Schedule::parse("0 * * * *", Zone::UTC).unwrap();
        let t = utc("2026-03-01 11:00:00");
        assert_eq!(
            s.due(UtcMillis(t.0 - 1), t, CatchUp::Once).run,
            Some(t),
            "a time equal to now is due"
        );
        assert_eq!(s.due(t, UtcMillis(t.0 + 1), CatchUp::Once).run, None);
    }

    #[test]
    fn missed_count_saturates() {
        let s = Schedule::parse("* * * * * *", Zone::UTC).unwrap();
        let last = utc("2026-03-01 10:00:00");
        let d = s.due(last, UtcMillis(last.0 + DAY_MS), CatchUp::Once);
        assert_eq!(d.missed, MISSED_COUNT_CAP);
        assert_eq!(d.run, Some(UtcMillis(last.0 + DAY_MS)));
    }

    #[test]
    fn fixed_offset_zones_schedule_without_dst() {
        let s = Schedule::parse("0 0 * * *", Zone::utc_minus_4()).unwrap();
        let t = s.next_after(utc("2026-09-05 12:00:00")).unwrap();
        assert_eq!(t, utc("2026-09-06 04:00:00"));
    }
}
