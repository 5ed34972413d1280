//! The slot planner: every expected slot of a cadence over a range.
//!
//! A slot is a **wall time in the filing zone** (what the DGA keys a record
//! on: obra, `fechaMedicion`, `horaMedicion`), with the instant it resolves
//! to and the start of its period:
//!
//! - Mayor: every HH:00. Medio: every day at 00:00. Menor: day 1 of every
//!   month at 00:00. Caudales Muy Pequeños: 1 January and 1 July at 00:00.
//!   SMA: every N minutes from local midnight (N divides 1440).
//! - The period of a slot runs from the previous slot's instant (exclusive)
//!   to its own (inclusive): the mean caudal filed at 14:00 is the mean over
//!   13:00–14:00, and the total filed at 00:00 closes the day before.
//! - Daylight saving (only with a zone such as America/Santiago; the default
//!   fixed UTC-4 has none): a sub-daily wall time that does not exist (the
//!   September jump skips 00:00–00:59) has no slot, and one that happens
//!   twice (the April fall-back repeats 23:00–23:59) has one slot, at its
//!   first occurrence; the slot after it then has a two-hour period. A daily
//!   or longer slot at a skipped 00:00 still exists, labelled 00:00 and
//!   resolved to the first instant after the gap ([`Zone::resolve`]), so
//!   there is exactly one per day.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::{UtcMillis, Zone};

/// How often slots come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// Every hour at HH:00 (Mayor).
    Hourly,
    /// Every day at 00:00 (Medio).
    Daily,
    /// Day 1 of every month at 00:00 (Menor).
    Monthly,
    /// 1 January and 1 July at 00:00 (Caudales Muy Pequeños).
    SemiAnnual,
    /// Every N minutes from local midnight (SMA); N divides 1440.
    Minutes(std::num::NonZeroU32),
}

/// One expected slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotTime {
    /// The wall time in the filing zone: `fechaMedicion` and `horaMedicion`.
    pub local: NaiveDateTime,
    /// The instant it resolves to.
    pub at: UtcMillis,
    /// The previous slot's instant: the period is `(period_start, at]`.
    pub period_start: UtcMillis,
}

impl Cadence {
    /// True for cadences shorter than a day, whose skipped wall times have no slot.
    fn sub_daily(self) -> bool {
        matches!(self, Cadence::Hourly | Cadence::Minutes(_))
    }

    /// The latest slot wall time at or before `w`.
    #[must_use]
    pub fn floor(self, w: NaiveDateTime) -> NaiveDateTime {
        let date = w.date();
        match self {
            Cadence::Hourly => date.and_time(NaiveTime::MIN) + Duration::hours(i64::from(w.hour())),
            Cadence::Minutes(n) => {
                let minute = w.hour() * 60 + w.minute();
                let floored = minute - minute % n.get();
                date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(floored))
            }
            Cadence::Daily => date.and_time(NaiveTime::MIN),
            Cadence::Monthly => first_of(date.year(), date.month()),
            Cadence::SemiAnnual => first_of(date.year(), if date.month() >= 7 { 7 } else { 1 }),
        }
    }

    /// The slot wall time after `w` (which must be a slot wall time).
    #[must_use]
    pub fn next(self, w: NaiveDateTime) -> NaiveDateTime {
        match self {
            Cadence::Hourly => w + Duration::hours(1),
            Cadence::Minutes(n) => w + Duration::minutes(i64::from(n.get())),
            Cadence::Daily => w + Duration::days(1),
            Cadence::Monthly => add_months(w.date(), 1),
            Cadence::SemiAnnual => add_months(w.date(), 6),
        }
    }

    /// The slot wall time before `w` (which must be a slot wall time).
    #[must_use]
    pub fn prev(self, w: NaiveDateTime) -> NaiveDateTime {
        match self {
            Cadence::Hourly => w - Duration::hours(1),
            Cadence::Minutes(n) => w - Duration::minutes(i64::from(n.get())),
            Cadence::Daily => w - Duration::days(1),
            Cadence::Monthly => add_months(w.date(), -1),
            Cadence::SemiAnnual => add_months(w.date(), -6),
        }
    }
}

fn first_of(year: i32, month: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, 1)
        .unwrap_or(NaiveDate::MIN)
        .and_time(NaiveTime::MIN)
}

fn add_months(date: NaiveDate, months: i32) -> NaiveDateTime {
    let index = date.year() * 12 + date.month0().cast_signed() + months;
    let year = index.div_euclid(12);
    let month = index.rem_euclid(12).cast_unsigned() + 1;
    first_of(year, month)
}

/// The earliest instant planned: 1900-01-01T00:00Z. Ranges are clamped to
/// [`PLAN_MIN`, `PLAN_MAX`] so no calendar arithmetic can overflow.
pub const PLAN_MIN: UtcMillis = UtcMillis(-2_208_988_800_000);
/// The latest instant planned: 9000-01-01T00:00Z.
pub const PLAN_MAX: UtcMillis = UtcMillis(221_845_392_000_000);

/// The slots of `cadence` in `zone` whose instants fall in `[from, to)`,
/// oldest first. See the module docs for daylight saving.
#[must_use]
pub fn plan(cadence: Cadence, zone: Zone, from: UtcMillis, to: UtcMillis) -> Slots {
    let from = std::cmp::min(std::cmp::max(from, PLAN_MIN), PLAN_MAX);
    let to = std::cmp::min(std::cmp::max(to, PLAN_MIN), PLAN_MAX);
    let mut slots = Slots {
        cadence,
        zone,
        wall: cadence.floor(zone.local(from)),
        prev_at: UtcMillis(i64::MIN),
        to,
    };
    // Step to the first slot at or after `from`.
    loop {
        match slots.resolve(slots.wall) {
            Some(at) if at >= from => break,
            _ => slots.wall = cadence.next(slots.wall),
        }
    }
    // The period of the first slot starts at the slot before it.
    let mut back = cadence.prev(slots.wall);
    for _ in 0..4 {
        if let Some(at) = slots.resolve(back) {
            slots.prev_at = at;
            break;
        }
        back = cadence.prev(back);
    }
    slots
}

/// Iterator over planned slots (see [`plan`]).
#[derive(Clone, Debug)]
pub struct Slots {
    cadence: Cadence,
    zone: Zone,
    wall: NaiveDateTime,
    prev_at: UtcMillis,
    to: UtcMillis,
}

impl Slots {
    /// The instant of a slot wall time, or `None` when a sub-daily wall time
    /// does not exist in the zone.
    fn resolve(&self, wall: NaiveDateTime) -> Option<UtcMillis> {
        let at = self.zone.resolve(wall);
        let exists = matches!(self.zone, Zone::Fixed(_)) || self.zone.local(at) == wall;
        (exists || !self.cadence.sub_daily()).then_some(at)
    }
}

impl Iterator for Slots {
    type Item = SlotTime;

    fn next(&mut self) -> Option<SlotTime> {
        loop {
            let wall = self.wall;
            let resolved = self.resolve(wall);
            if let Some(at) = resolved
                && at >= self.to
            {
                return None;
            }
            self.wall = self.cadence.next(wall);
            match resolved {
                Some(at) if at > self.prev_at => {
                    let slot = SlotTime {
                        local: wall,
                        at,
                        period_start: self.prev_at,
                    };
                    self.prev_at = at;
                    return Some(slot);
                }
                // A skipped wall time, or (defensively) one that resolves
                // no later than the slot before it: no slot.
                _ => {}
            }
        }
    }
}

/// The slot of `cadence` with wall time `local`, if it is one.
#[must_use]
pub fn slot_at(cadence: Cadence, zone: Zone, local: NaiveDateTime) -> Option<SlotTime> {
    if cadence.floor(local) != local {
        return None;
    }
    let at = zone.resolve(local);
    plan(cadence, zone, at, UtcMillis(at.0 + 1))
        .next()
        .filter(|s| s.local == local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HOUR_MS;
    use crate::zone::from_datetime;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn utc(s: &str) -> UtcMillis {
        from_datetime(&at(s))
    }

    #[test]
    fn mayor_in_utc_minus_4_has_24_slots_a_day_at_hh00() {
        let z = Zone::utc_minus_4();
        // Local 2026-06-11 00:00 .. 2026-06-12 00:00 is 04:00Z .. 04:00Z.
        let slots: Vec<_> = plan(
            Cadence::Hourly,
            z,
            utc("2026-06-11 04:00"),
            utc("2026-06-12 04:00"),
        )
        .collect();
        assert_eq!(slots.len(), 24);
        assert_eq!(slots[0].local, at("2026-06-11 00:00"));
        assert_eq!(slots[0].at, utc("2026-06-11 04:00"));
        assert_eq!(slots[0].period_start, utc("2026-06-11 03:00"));
        assert_eq!(slots[13].local, at("2026-06-11 13:00"));
        assert!(
            slots
                .windows(2)
                .all(|w| w[1].period_start == w[0].at && w[1].at.0 - w[0].at.0 == HOUR_MS)
        );
    }

    #[test]
    fn a_range_starting_mid_hour_begins_at_the_next_hour() {
        let z = Zone::utc_minus_4();
        let first = plan(
            Cadence::Hourly,
            z,
            utc("2026-06-11 04:30"),
            utc("2026-06-12 04:00"),
        )
        .next()
        .unwrap();
        assert_eq!(first.local, at("2026-06-11 01:00"));
        assert_eq!(first.period_start, utc("2026-06-11 04:00"));
    }

    #[test]
    fn medio_menor_and_muy_pequenos_slots() {
        let z = Zone::utc_minus_4();
        let year = (utc("2026-01-01 04:00"), utc("2027-01-01 04:00"));
        assert_eq!(plan(Cadence::Daily, z, year.0, year.1).count(), 365);
        let months: Vec<_> = plan(Cadence::Monthly, z, year.0, year.1).collect();
        assert_eq!(months.len(), 12);
        assert_eq!(months[1].local, at("2026-02-01 00:00"));
        assert_eq!(months[1].period_start, utc("2026-01-01 04:00"));
        assert_eq!(months[0].period_start, utc("2025-12-01 04:00"));
        let halves: Vec<_> = plan(Cadence::SemiAnnual, z, year.0, year.1)
            .map(|s| s.local)
            .collect();
        assert_eq!(halves, vec![at("2026-01-01 00:00"), at("2026-07-01 00:00")]);
        let first = plan(Cadence::SemiAnnual, z, year.0, year.1).next().unwrap();
        assert_eq!(first.period_start, utc("2025-07-01 04:00"));
    }

    #[test]
    fn santiago_spring_forward_day_has_23_hourly_slots_and_one_daily() {
        // 2026-09-06: local 00:00 (-04:00) jumps to 01:00 (-03:00).
        let z = Zone::SANTIAGO;
        let day = (utc("2026-09-05 04:00"), utc("2026-09-07 03:00"));
        // The local day runs from 01:00 (-03:00) = 04:00Z to 24:00 (-03:00) = 03:00Z.
        let hours: Vec<_> = plan(
            Cadence::Hourly,
            z,
            utc("2026-09-06 04:00"),
            utc("2026-09-07 03:00"),
        )
        .collect();
        assert_eq!(hours.len(), 23, "{hours:?}");
        assert!(
            hours.iter().all(|s| s.local != at("2026-09-06 00:00")),
            "00:00 does not exist"
        );
        assert_eq!(hours[0].local, at("2026-09-06 01:00"));
        assert_eq!(hours[0].at, utc("2026-09-06 04:00"));
        assert!(hours.windows(2).all(|w| w[1].at.0 - w[0].at.0 == HOUR_MS));
        let days: Vec<_> = plan(Cadence::Daily, z, day.0, day.1).collect();
        assert_eq!(days.len(), 2);
        assert_eq!(
            days[1].local,
            at("2026-09-06 00:00"),
            "the daily slot keeps its 00:00 label"
        );
        assert_eq!(days[1].at, utc("2026-09-06 04:00"), "resolved past the gap");
    }

    #[test]
    fn santiago_fall_back_day_has_one_slot_per_wall_hour() {
        // 2026-04-05 00:00 (-03:00) falls back to 2026-04-04 23:00 (-04:00):
        // 23:00 happens at 02:00Z and again at 03:00Z.
        let z = Zone::SANTIAGO;
        // From local 2026-04-04 00:00 (-03:00) to 2026-04-05 01:00 (-04:00).
        let slots: Vec<_> = plan(
            Cadence::Hourly,
            z,
            utc("2026-04-04 03:00"),
            utc("2026-04-05 05:00"),
        )
        .collect();
        let walls: Vec<_> = slots.iter().map(|s| s.local).collect();
        let mut dedup = walls.clone();
        dedup.dedup();
        assert_eq!(walls, dedup, "no wall time twice");
        assert_eq!(slots.len(), 25, "26 real hours, 25 wall hours");
        let eleven = slots
            .iter()
            .find(|s| s.local == at("2026-04-04 23:00"))
            .unwrap();
        assert_eq!(eleven.at, utc("2026-04-05 02:00"), "first occurrence");
        let midnight = slots
            .iter()
            .find(|s| s.local == at("2026-04-05 00:00"))
            .unwrap();
        assert_eq!(midnight.period_start, eleven.at);
        assert_eq!(
            midnight.at.0 - midnight.period_start.0,
            2 * HOUR_MS,
            "two-hour period"
        );
    }

    #[test]
    fn sma_minutes_align_to_local_midnight() {
        let n = std::num::NonZeroU32::new(15).unwrap();
        let z = Zone::utc_minus_4();
        let slots: Vec<_> = plan(
            Cadence::Minutes(n),
            z,
            utc("2026-06-11 04:07"),
            utc("2026-06-11 05:00"),
        )
        .collect();
        let walls: Vec<_> = slots.iter().map(|s| s.local).collect();
        assert_eq!(
            walls,
            vec![
                at("2026-06-11 00:15"),
                at("2026-06-11 00:30"),
                at("2026-06-11 00:45")
            ]
        );
    }

    #[test]
    fn slot_at_finds_only_real_slots() {
        let z = Zone::utc_minus_4();
        assert_eq!(
            slot_at(Cadence::Hourly, z, at("2026-06-11 13:00"))
                .unwrap()
                .at,
            utc("2026-06-11 17:00")
        );
        assert_eq!(slot_at(Cadence::Hourly, z, at("2026-06-11 13:30")), None);
        assert_eq!(
            slot_at(Cadence::Hourly, Zone::SANTIAGO, at("2026-09-06 00:00")),
            None
        );
        assert!(slot_at(Cadence::Daily, Zone::SANTIAGO, at("2026-09-06 00:00")).is_some());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Over any range, hourly slots are strictly increasing, their wall
        /// times distinct, each the first instant of its wall time, each
        /// period starting at the previous slot; in fixed UTC-4 they are
        /// exactly one hour apart and as many as the whole hours in range.
        #[test]
        fn hourly_slots_are_one_per_wall_hour(
            start in 1_577_836_800_000i64..1_893_456_000_000, // 2020 .. 2030
            hours in 0i64..1_500,
            santiago in proptest::bool::ANY,
        ) {
            let zone = if santiago { Zone::SANTIAGO } else { Zone::utc_minus_4() };
            let (from, to) = (UtcMillis(start), UtcMillis(start + hours * HOUR_MS));
            let slots: Vec<SlotTime> = plan(Cadence::Hourly, zone, from, to).collect();
            for w in slots.windows(2) {
                proptest::prop_assert!(w[0].at < w[1].at && w[0].local < w[1].local);
                proptest::prop_assert_eq!(w[1].period_start, w[0].at);
            }
            for s in &slots {
                proptest::prop_assert!(s.at >= from && s.at < to);
                proptest::prop_assert_eq!(zone.resolve(s.local), s.at);
                proptest::prop_assert_eq!(zone.local(s.at), s.local);
                proptest::prop_assert_eq!(s.local.minute(), 0);
            }
            if !santiago {
                let first_hour = (start + HOUR_MS - 1).div_euclid(HOUR_MS);
                let end_hour = (start + hours * HOUR_MS + HOUR_MS - 1).div_euclid(HOUR_MS);
                proptest::prop_assert_eq!(i64::try_from(slots.len()).unwrap(), end_hour - first_hour);
            }
        }
    }

    #[test]
    fn absurd_ranges_are_clamped_not_panicking() {
        assert_eq!(
            plan(
                Cadence::Monthly,
                Zone::SANTIAGO,
                UtcMillis(i64::MAX - 5),
                UtcMillis(i64::MAX)
            )
            .count(),
            0
        );
        assert_eq!(
            plan(
                Cadence::Hourly,
                Zone::utc_minus_4(),
                UtcMillis(i64::MIN),
                UtcMillis(i64::MIN + 5)
            )
            .count(),
            0
        );
    }
}
