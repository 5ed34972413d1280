//! When a rule is active: always, or inside weekly windows of local time.
//!
//! A window is a span of wall-clock time on chosen weekdays, in a [`Zone`]
//! (America/Santiago by default). On each local date whose weekday is in
//! the window, the rule is active over the instants
//! `[resolve(date + start), resolve(date' + end))`, where `date'` is the
//! same date, or the next one when `end <= start` (a night window such as
//! 22:00–06:00) or `end` is 24:00. [`Zone::resolve`] places wall times
//! across daylight saving: a start skipped by the September jump (00:00 does
//! not exist in Santiago) starts the window at the first instant after the
//! gap, and in April a window over the repeated hour 23:00–24:00 lasts two
//! real hours. Windows may overlap; the rule is active inside any of them.

use caudal_protocol::UtcMillis;
use chrono::{Datelike, Days, NaiveDate, NaiveTime};

use crate::Zone;

/// Minutes in a day; a window may end at 24:00 (= 1440).
pub const DAY_MINUTES: u16 = 24 * 60;

/// A set of weekdays, bit 0 = Monday.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

/// Weekday names, Monday first, as config and the API spell them.
pub const WEEKDAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Weekdays {
    /// Every day.
    pub const ALL: Weekdays = Weekdays(0x7f);

    /// Parse a weekday name (`mon` .. `sun`).
    #[must_use]
    pub fn parse_day(name: &str) -> Option<Weekdays> {
        WEEKDAY_NAMES
            .iter()
            .position(|d| *d == name)
            .map(|i| Weekdays(1 << i))
    }

    /// Union.
    #[must_use]
    pub fn union(self, other: Weekdays) -> Weekdays {
        Weekdays(self.0 | other.0)
    }

    /// Whether the set holds the weekday of `date`.
    #[must_use]
    pub fn contains(self, date: NaiveDate) -> bool {
        self.0 & (1 << date.weekday().num_days_from_monday()) != 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the days in the set, Monday first.
    #[must_use]
    pub fn names(self) -> Vec<&'static str> {
        WEEKDAY_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// The bits (bit 0 = Monday), for fingerprints and storage.
    #[must_use]
    pub fn bits(self) -> u8 {
        self.0
    }
}

/// One weekly window of local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub(crate) days: Weekdays,
    pub(crate) start_min: u16,
    pub(crate) end_min: u16,
}

impl Window {
    /// A window on `days` from `start_min` to `end_min` minutes after local
    /// midnight; `None` unless `start_min < 1440`, `0 < end_min <= 1440`,
    /// `start_min != end_min` and `days` is not empty. `end_min <= start_min`
    /// crosses midnight.
    #[must_use]
    pub fn new(days: Weekdays, start_min: u16, end_min: u16) -> Option<Window> {
        (start_min < DAY_MINUTES
            && end_min > 0
            && end_min <= DAY_MINUTES
            && start_min != end_min
            && !days.is_empty())
        .then_some(Window {
            days,
            start_min,
            end_min,
        })
    }

    /// The days it opens on.
    #[must_use]
    pub fn days(&self) -> Weekdays {
        self.days
    }

    /// Opening time, minutes after local midnight.
    #[must_use]
    pub fn start_min(&self) -> u16 {
        self.start_min
    }

    /// Closing time, minutes after local midnight (1440 = 24:00).
    #[must_use]
    pub fn end_min(&self) -> u16 {
        self.end_min
    }

    /// The instants of this window opening on `date` (which must be one of its days).
    fn span(&self, zone: &Zone, date: NaiveDate) -> (i64, i64) {
        let start = zone.resolve(date.and_time(hm(self.start_min))).0;
        let (end_date, end_min) = if self.end_min == DAY_MINUTES {
            (next_day(date), 0)
        } else if self.end_min <= self.start_min {
            (next_day(date), self.end_min)
        } else {
            (date, self.end_min)
        };
        let end = zone.resolve(end_date.and_time(hm(end_min))).0;
        (start, end)
    }
}

fn hm(minutes: u16) -> NaiveTime {
    NaiveTime::from_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)
        .unwrap_or(NaiveTime::MIN)
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

fn day_offset(d: NaiveDate, offset: i64) -> NaiveDate {
    if offset >= 0 {
        d.checked_add_days(Days::new(offset.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(offset.unsigned_abs()))
    }
    .unwrap_or(d)
}

/// When a rule is active.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Schedule {
    /// At all times.
    #[default]
    Always,
    /// Inside any of these weekly windows of local time in `zone`.
    Weekly {
        /// The zone of the wall times.
        zone: Zone,
        /// The windows (at least one).
        windows: Vec<Window>,
    },
}

impl Schedule {
    /// Whether the rule is active at `t`.
    #[must_use]
    pub fn is_active(&self, t: UtcMillis) -> bool {
        match self {
            Schedule::Always => true,
            Schedule::Weekly { zone, windows } => {
                let today = zone.date(t);
                (-1..=1).any(|off| {
                    let date = day_offset(today, off);
                    windows.iter().any(|w| {
                        w.days.contains(date) && {
                            let (a, b) = w.span(zone, date);
                            a <= t.0 && t.0 < b
                        }
                    })
                })
            }
        }
    }

    /// The first instant after `t` at which [`Schedule::is_active`] changes;
    /// `None` if it never does within the coming eight days (always active,
    /// or windows that cover the whole week).
    #[must_use]
    pub fn next_change(&self, t: UtcMillis) -> Option<UtcMillis> {
        let Schedule::Weekly { zone, windows } = self else {
            return None;
        };
        let now = self.is_active(t);
        let today = zone.date(t);
        let mut cuts: Vec<i64> = Vec::new();
        for off in -1..=8 {
            let date = day_offset(today, off);
            for w in windows.iter().filter(|w| w.days.contains(date)) {
                let (a, b) = w.span(zone, date);
                cuts.extend([a, b].into_iter().filter(|x| *x > t.0));
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts.into_iter()
            .map(UtcMillis)
            .find(|c| self.is_active(*c) != now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::zone::from_datetime;

    fn utc(s: &str) -> UtcMillis {
        from_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn weekly(windows: Vec<Window>) -> Schedule {
        Schedule::Weekly {
            zone: Zone::SANTIAGO,
            windows,
        }
    }

    fn days(names: &[&str]) -> Weekdays {
        names
            .iter()
            .map(|n| Weekdays::parse_day(n).unwrap())
            .fold(Weekdays::default(), Weekdays::union)
    }

    #[test]
    fn a_working_hours_window_in_santiago_summer_and_winter() {
        // Monday to Friday 08:00-18:00 local.
        let s = weekly(vec![
            Window::new(days(&["mon", "tue", "wed", "thu", "fri"]), 8 * 60, 18 * 60).unwrap(),
        ]);
        // 2026-01-12 is a Monday; summer time (-03:00): 08:00 local = 11:00 UTC.
        assert!(!s.is_active(utc("2026-01-12 10:59")));
        assert!(s.is_active(utc("2026-01-12 11:00")));
        assert!(s.is_active(utc("2026-01-12 20:59")));
        assert!(!s.is_active(utc("2026-01-12 21:00")));
        assert_eq!(
            s.next_change(utc("2026-01-12 11:00")),
            Some(utc("2026-01-12 21:00"))
        );
        // Winter (-04:00): 08:00 local = 12:00 UTC.
        assert!(!s.is_active(utc("2026-07-13 11:59")));
        assert!(s.is_active(utc("2026-07-13 12:00")));
        // Friday evening to Monday morning.
        assert_eq!(
            s.next_change(utc("2026-07-17 22:30")),
            Some(utc("2026-07-20 12:00"))
        );
        // Saturday is out.
        assert!(!s.is_active(utc("2026-07-18 15:00")));
    }

    #[test]
    fn a_window_opening_at_a_midnight_skipped_by_the_september_jump_opens_after_the_gap() {
        // 2026-09-06 (Sunday) 00:00 does not exist in Santiago: 23:59:59 -> 01:00,
        // i.e. 2026-09-06 04:00 UTC. A Sunday 00:00-06:00 window opens there.
        let s = weekly(vec![Window::new(days(&["sun"]), 0, 6 * 60).unwrap()]);
        assert!(!s.is_active(utc("2026-09-06 03:59")));
        assert!(s.is_active(utc("2026-09-06 04:00")));
        assert_eq!(
            s.next_change(utc("2026-09-05 20:00")),
            Some(utc("2026-09-06 04:00"))
        );
        // 06:00 local after the jump is -03:00: 09:00 UTC. Five real hours.
        assert_eq!(
            s.next_change(utc("2026-09-06 04:00")),
            Some(utc("2026-09-06 09:00"))
        );
    }

    #[test]
    fn a_window_over_the_hour_repeated_in_april_lasts_two_real_hours() {
        // 2026-04-05 00:00 -03:00 falls back to 2026-04-04 23:00 -04:00:
        // local 23:00-24:00 of Saturday 4 April happens twice.
        let s = weekly(vec![
            Window::new(days(&["sat"]), 23 * 60, DAY_MINUTES).unwrap(),
        ]);
        let open = utc("2026-04-05 02:00"); // 23:00 -03:00
        let close = utc("2026-04-05 04:00"); // 00:00 -04:00
        assert!(!s.is_active(UtcMillis(open.0 - 1)));
        assert!(s.is_active(open));
        assert!(s.is_active(utc("2026-04-05 03:30"))); // the second 23:30
        assert!(!s.is_active(close));
        assert_eq!(s.next_change(open), Some(close));
    }

    #[test]
    fn a_night_window_crosses_midnight() {
        // Every night 22:00-06:00 local (winter, -04:00).
        let s = weekly(vec![Window::new(Weekdays::ALL, 22 * 60, 6 * 60).unwrap()]);
        assert!(s.is_active(utc("2026-07-15 02:00"))); // 22:00 local
        assert!(s.is_active(utc("2026-07-15 09:59"))); // 05:59 local
        assert!(!s.is_active(utc("2026-07-15 10:00")));
        assert_eq!(
            s.next_change(utc("2026-07-15 10:00")),
            Some(utc("2026-07-16 02:00"))
        );
    }

    #[test]
    fn always_and_whole_week_schedules_never_change() {
        assert!(Schedule::Always.is_active(UtcMillis(0)));
        assert_eq!(Schedule::Always.next_change(UtcMillis(0)), None);
        let s = weekly(vec![Window::new(Weekdays::ALL, 0, DAY_MINUTES).unwrap()]);
        assert!(s.is_active(utc("2026-09-06 05:00")));
        assert_eq!(s.next_change(utc("2026-09-06 05:00")), None);
    }

    #[test]
    fn windows_refuse_empty_or_backwards_shapes() {
        assert!(Window::new(Weekdays::ALL, 60, 60).is_none());
        assert!(Window::new(Weekdays::ALL, DAY_MINUTES, 60).is_none());
        assert!(Window::new(Weekdays::ALL, 0, 0).is_none());
        assert!(Window::new(Weekdays::default(), 0, 60).is_none());
        assert_eq!(days(&["mon", "sun"]).names(), vec!["mon", "sun"]);
        assert_eq!(Weekdays::parse_day("lun"), None);
    }
}
