//! When a technician works: a weekly pattern of shifts in a time zone, less
//! leave. One function, [`Availability::working_ms`], answers both "is
//! this technician available now" (assignment) and "how many crew hours
//! does the coming week hold" (backlog).

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use crate::{DAY_MS, UtcMillis, Zone};

/// One day's working hours, local wall times, start before end (a night
/// shift across midnight is two shifts: the evening and the next morning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    start: NaiveTime,
    end: NaiveTime,
}

/// Leave: an interval of instants in which the technician does not work
/// (holidays, sick leave, training, meetings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leave {
    from: UtcMillis,
    until: UtcMillis,
}

/// A shift or leave that makes no sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    /// A shift must end after it starts, on the same day.
    #[error("a shift must end after it starts: {start} to {end}")]
    ShiftBackwards {
        /// Start.
        start: NaiveTime,
        /// End.
        end: NaiveTime,
    },
    /// Leave must end after it starts.
    #[error("leave must end after it starts")]
    LeaveBackwards,
}

impl Shift {
    /// A shift from `start` to `end`, local time.
    ///
    /// # Errors
    /// [`AvailabilityError::ShiftBackwards`] unless `start < end`.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Shift, AvailabilityError> {
        if start < end {
            Ok(Shift { start, end })
        } else {
            Err(AvailabilityError::ShiftBackwards { start, end })
        }
    }

    /// Start, local time.
    #[must_use]
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// End, local time.
    #[must_use]
    pub fn end(&self) -> NaiveTime {
        self.end
    }
}

impl Leave {
    /// Leave from `from` until `until` (exclusive).
    ///
    /// # Errors
    /// [`AvailabilityError::LeaveBackwards`] unless `from < until`.
    pub fn new(from: UtcMillis, until: UtcMillis) -> Result<Leave, AvailabilityError> {
        if from < until {
            Ok(Leave { from, until })
        } else {
            Err(AvailabilityError::LeaveBackwards)
        }
    }

    /// Whole local days, `first` to `last` inclusive.
    ///
    /// # Errors
    /// [`AvailabilityError::LeaveBackwards`] if `last` is before `first`.
    pub fn days(zone: Zone, first: NaiveDate, last: NaiveDate) -> Result<Leave, AvailabilityError> {
        let after = last.succ_opt().ok_or(AvailabilityError::LeaveBackwards)?;
        Leave::new(zone.start_of_day(first), zone.start_of_day(after))
    }

    /// Start.
    #[must_use]
    pub fn from(&self) -> UtcMillis {
        self.from
    }

    /// End (exclusive).
    #[must_use]
    pub fn until(&self) -> UtcMillis {
        self.until
    }
}

/// Whether someone works in a window of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Has working time in the window.
    Working,
    /// Has shifts in the window, all covered by leave.
    OnLeave,
    /// Has no shift in the window.
    NotScheduled,
}

/// A weekly pattern of shifts in a zone, less leave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    zone: Zone,
    week: [Option<Shift>; 7],
    leave: Vec<Leave>,
}

impl Availability {
    /// `week[0]` is Monday. Leave may overlap; it is merged.
    #[must_use]
    pub fn new(zone: Zone, week: [Option<Shift>; 7], mut leave: Vec<Leave>) -> Availability {
        leave.sort_by_key(|l| l.from);
        let mut merged: Vec<Leave> = Vec::with_capacity(leave.len());
        for l in leave {
            match merged.last_mut() {
                Some(last) if l.from <= last.until => {
                    last.until = std::cmp::max(last.until, l.until);
                }
                _ => merged.push(l),
            }
        }
        Availability {
            zone,
            week,
            leave: merged,
        }
    }

    /// The same shift on each of `days`, no leave.
    #[must_use]
    pub fn weekly(zone: Zone, shift: Shift, days: &[Weekday]) -> Availability {
        let mut week = [None; 7];
        for d in days {
            week[d.num_days_from_monday() as usize] = Some(shift);
        }
        Availability::new(zone, week, Vec::new())
    }

    /// The same availability with more leave.
    #[must_use]
    pub fn with_leave(self, leave: Leave) -> Availability {
        let mut all = self.leave;
        all.push(leave);
        Availability::new(self.zone, self.week, all)
    }

    /// The zone of the shifts.
    #[must_use]
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The shift of a weekday.
    #[must_use]
    pub fn shift(&self, day: Weekday) -> Option<Shift> {
        self.week[day.num_days_from_monday() as usize]
    }

    /// The leave, sorted and merged.
    #[must_use]
    pub fn leave(&self) -> &[Leave] {
        &self.leave
    }

    /// Scheduled time in `[from, until)`, ms, ignoring leave.
    #[must_use]
    pub fn scheduled_ms(&self, from: UtcMillis, until: UtcMillis) -> i64 {
        self.sum_shifts(from, until, false)
    }

    /// Working time in `[from, until)`, ms: shifts less leave. Shift edges
    /// are local wall times resolved in the zone ([`Zone::resolve`]), so a
    /// daylight-saving change moves them with the clock on the wall.
    #[must_use]
    pub fn working_ms(&self, from: UtcMillis, until: UtcMillis) -> i64 {
        self.sum_shifts(from, until, true)
    }

    /// Whether there is working time in `[from, until)`.
    #[must_use]
    pub fn presence(&self, from: UtcMillis, until: UtcMillis) -> Presence {
        if self.working_ms(from, until) > 0 {
            Presence::Working
        } else if self.scheduled_ms(from, until) > 0 {
            Presence::OnLeave
        } else {
            Presence::NotScheduled
        }
    }

    fn sum_shifts(&self, from: UtcMillis, until: UtcMillis, less_leave: bool) -> i64 {
        if until <= from {
            return 0;
        }
        let first = self.zone.date(from);
        let last = self.zone.date(UtcMillis(until.0 - 1));
        let mut total = 0;
        let mut day = first;
        while day <= last {
            if let Some(shift) = self.week[day.weekday().num_days_from_monday() as usize] {
                let s = std::cmp::max(self.zone.resolve(day.and_time(shift.start)), from);
                let e = std::cmp::min(self.zone.resolve(day.and_time(shift.end)), until);
                if s < e {
                    total += e.0 - s.0;
                    if less_leave {
                        total -= self.leave_overlap(s, e);
                    }
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        total
    }

    fn leave_overlap(&self, s: UtcMillis, e: UtcMillis) -> i64 {
        self.leave
            .iter()
            .take_while(|l| l.from < e)
            .map(|l| {
                let a = std::cmp::max(l.from, s);
                let b = std::cmp::min(l.until, e);
                std::cmp::max(b.0 - a.0, 0)
            })
            .sum()
    }
}

/// Seven days, in ms: the backlog's "weekly" window.
pub const WEEK_MS: i64 = 7 * DAY_MS;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HOUR_MS;
    use crate::zone::from_datetime;
    use chrono::NaiveDateTime;

    fn at(s: &str) -> UtcMillis {
        Zone::SANTIAGO.resolve(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn weekdays_8_to_17() -> Availability {
        Availability::weekly(
            Zone::SANTIAGO,
            Shift::new(t(8, 0), t(17, 0)).unwrap(),
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        )
    }

    #[test]
    fn a_week_of_nine_hour_weekdays_holds_45_hours() {
        let a = weekdays_8_to_17();
        // 2026-03-02 is a Monday.
        let from = at("2026-03-02 00:00");
        assert_eq!(
            a.working_ms(from, UtcMillis(from.0 + WEEK_MS)),
            45 * HOUR_MS
        );
        // Half a shift: from Monday 12:30.
        assert_eq!(
            a.working_ms(at("2026-03-02 12:30"), at("2026-03-02 23:00")),
            4 * HOUR_MS + 30 * 60_000
        );
    }

    #[test]
    fn leave_is_subtracted_once_even_when_it_overlaps() {
        let a = weekdays_8_to_17()
            .with_leave(
                Leave::days(
                    Zone::SANTIAGO,
                    NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                    NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
                )
                .unwrap(),
            )
            .with_leave(Leave::new(at("2026-03-04 12:00"), at("2026-03-05 10:00")).unwrap());
        let from = at("2026-03-02 00:00");
        // Tue and Wed off, Thu 08–10 off: 45 − 18 − 2 = 25 h.
        assert_eq!(
            a.working_ms(from, UtcMillis(from.0 + WEEK_MS)),
            25 * HOUR_MS
        );
        assert_eq!(
            a.presence(at("2026-03-03 06:00"), at("2026-03-04 06:00")),
            Presence::OnLeave
        );
        assert_eq!(
            a.presence(at("2026-03-07 06:00"), at("2026-03-08 06:00")),
            Presence::NotScheduled
        );
    }

    #[test]
    fn a_shift_on_the_september_dst_day_is_its_wall_clock_length() {
        // 2026-09-06 (Sunday) starts at 01:00 in Santiago: a Sunday shift
        // 08:00–17:00 is still nine hours.
        let a = Availability::weekly(
            Zone::SANTIAGO,
            Shift::new(t(8, 0), t(17, 0)).unwrap(),
            &[Weekday::Sun],
        );
        let from = from_datetime(
            &NaiveDateTime::parse_from_str("2026-09-05 12:00", "%Y-%m-%d %H:%M").unwrap(),
        );
        assert_eq!(
            a.working_ms(from, UtcMillis(from.0 + 2 * DAY_MS)),
            9 * HOUR_MS
        );
    }

    #[test]
    fn backwards_shifts_and_leave_are_refused() {
        assert_eq!(
            Shift::new(t(17, 0), t(8, 0)).unwrap_err().to_string(),
            "a shift must end after it starts: 17:00:00 to 08:00:00"
        );
        assert_eq!(
            Leave::new(UtcMillis(5), UtcMillis(5)),
            Err(AvailabilityError::LeaveBackwards)
        );
    }
}
