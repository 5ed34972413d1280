//! Calendar intervals on local dates. Plans count in dates, never in
//! instants, so a daylight-saving change cannot double or skip a due date:
//! a date is due at the first instant of that day ([`Zone::start_of_day`](crate::Zone::start_of_day)).

use chrono::{Days, Months, NaiveDate};

use crate::vocab::vocabulary;

vocabulary!(
    /// The unit of a calendar interval.
    CalendarUnit {
        /// Days.
        Days => "days",
        /// Weeks of seven days.
        Weeks => "weeks",
        /// Calendar months: the same day of the month, or the month's last
        /// day when it is shorter (31 January + 1 month = 28 February).
        Months => "months",
    }
);

/// Average Gregorian month, days (365.2425 / 12): how a month counts
/// when a frequency must be expressed in days (PM compliance grace).
pub const MONTH_DAYS: f64 = 30.436_875;

/// Largest interval count accepted (about 27 years of days).
pub const MAX_EVERY: u32 = 10_000;

/// "Every N units".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Every {
    n: u32,
    unit: CalendarUnit,
}

/// An interval of zero, or absurdly large.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a calendar interval must be 1 to {MAX_EVERY} {unit}, not {n}")]
pub struct EveryError {
    /// The count given.
    pub n: u32,
    /// The unit.
    pub unit: CalendarUnit,
}

impl Every {
    /// Every `n` units.
    ///
    /// # Errors
    /// [`EveryError`] unless `1 <= n <= MAX_EVERY`.
    pub fn new(n: u32, unit: CalendarUnit) -> Result<Every, EveryError> {
        if (1..=MAX_EVERY).contains(&n) {
            Ok(Every { n, unit })
        } else {
            Err(EveryError { n, unit })
        }
    }

    /// The count.
    #[must_use]
    pub fn n(&self) -> u32 {
        self.n
    }

    /// The unit.
    #[must_use]
    pub fn unit(&self) -> CalendarUnit {
        self.unit
    }

    /// The shortest the interval can be, in days (a month counts 28).
    #[must_use]
    pub fn min_days(&self) -> u32 {
        match self.unit {
            CalendarUnit::Days => self.n,
            CalendarUnit::Weeks => 7 * self.n,
            CalendarUnit::Months => 28 * self.n,
        }
    }

    /// The interval in days, a month counting [`MONTH_DAYS`].
    #[must_use]
    pub fn nominal_days(&self) -> f64 {
        match self.unit {
            CalendarUnit::Days => f64::from(self.n),
            CalendarUnit::Weeks => 7.0 * f64::from(self.n),
            CalendarUnit::Months => MONTH_DAYS * f64::from(self.n),
        }
    }

    /// `date` plus `times` intervals; `None` past chrono's calendar.
    #[must_use]
    pub fn add(&self, date: NaiveDate, times: u32) -> Option<NaiveDate> {
        let count = self.n.checked_mul(times)?;
        match self.unit {
            CalendarUnit::Days => date.checked_add_days(Days::new(u64::from(count))),
            CalendarUnit::Weeks => date.checked_add_days(Days::new(7 * u64::from(count))),
            CalendarUnit::Months => date.checked_add_months(Months::new(count)),
        }
    }
}

/// A fixed grid of dates: occurrence `k` (from 0) is due on
/// `start + k × every`, always counted from `start` (so month ends do not
/// drift: 31 Jan, 28 Feb, 31 Mar, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Occurrence 0.
    pub start: NaiveDate,
    /// The interval.
    pub every: Every,
}

impl Grid {
    /// The date of occurrence `k`.
    #[must_use]
    pub fn date(&self, k: u32) -> Option<NaiveDate> {
        self.every.add(self.start, k)
    }

    /// The last occurrence due on or before `date`; `None` before `start`.
    #[must_use]
    pub fn last_at_or_before(&self, date: NaiveDate) -> Option<u32> {
        if date < self.start {
            return None;
        }
        let days = (date - self.start).num_days();
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "an estimate of a non-negative day count divided by at least one day, clamped to u32 and corrected below"
        )]
        let mut k = ((days as f64) / self.every.nominal_days())
            .floor()
            .clamp(0.0, f64::from(u32::MAX - 1)) as u32;
        // The estimate is off by at most one or two for months; step to the exact answer.
        while k > 0 && self.date(k).is_none_or(|d| d > date) {
            k -= 1;
        }
        while self.date(k + 1).is_some_and(|d| d <= date) {
            k += 1;
        }
        Some(k)
    }

    /// The first occurrence due strictly after `date`.
    #[must_use]
    pub fn first_after(&self, date: NaiveDate) -> u32 {
        self.last_at_or_before(date).map_or(0, |k| k + 1)
    }

    /// The first occurrence due on or after `date`.
    #[must_use]
    pub fn first_on_or_after(&self, date: NaiveDate) -> u32 {
        match date.pred_opt() {
            Some(before) => self.first_after(before),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_monthly_grid_from_the_31st_keeps_month_ends_without_drift() {
        let g = Grid {
            start: d(2026, 1, 31),
            every: Every::new(1, CalendarUnit::Months).unwrap(),
        };
        assert_eq!(g.date(1), Some(d(2026, 2, 28)));
        assert_eq!(g.date(2), Some(d(2026, 3, 31)));
        assert_eq!(g.date(3), Some(d(2026, 4, 30)));
        assert_eq!(g.last_at_or_before(d(2026, 3, 30)), Some(1));
        assert_eq!(g.last_at_or_before(d(2026, 3, 31)), Some(2));
        assert_eq!(g.last_at_or_before(d(2026, 1, 30)), None);
        assert_eq!(g.first_after(d(2026, 3, 31)), 3);
        assert_eq!(g.first_on_or_after(d(2026, 3, 31)), 2);
        assert_eq!(g.first_on_or_after(d(2025, 6, 1)), 0);
    }

    #[test]
    fn grid_lookups_agree_with_stepping_for_every_unit() {
        for every in [
            Every::new(3, CalendarUnit::Days).unwrap(),
            Every::new(2, CalendarUnit::Weeks).unwrap(),
            Every::new(1, CalendarUnit::Months).unwrap(),
            Every::new(5, CalendarUnit::Months).unwrap(),
        ] {
            let g = Grid {
                start: d(2024, 2, 29),
                every,
            };
            let mut day = d(2024, 2, 29);
            let mut expect = 0;
            while day < d(2030, 1, 1) {
                if g.date(expect + 1) == Some(day) {
                    expect += 1;
                }
                assert_eq!(g.last_at_or_before(day), Some(expect), "{every:?} {day}");
                day = day.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn intervals_of_zero_are_refused() {
        assert_eq!(
            Every::new(0, CalendarUnit::Weeks).unwrap_err().to_string(),
            "a calendar interval must be 1 to 10000 weeks, not 0"
        );
        assert_eq!(Every::new(6, CalendarUnit::Months).unwrap().min_days(), 168);
    }
}
