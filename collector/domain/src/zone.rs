//! Local time. Users are Chilean operators: pages, schedules and reports use
//! `America/Santiago` unless a rule says otherwise (the DGA manual's fixed
//! UTC-4 is one such rule). Instants are always [`UtcMillis`]; local wall
//! times exist only at the edges of calendars.
//!
//! Daylight saving in Chile moves the clock at local midnight: in September
//! 00:00 jumps to 01:00 (a "00:00" that never happens), and in April 00:00
//! falls back to 23:00 of the day before (a "23:xx" that happens twice).
//! [`Zone::resolve`] maps a wall time that does not exist to the first instant
//! after the gap, and one that happens twice to its first occurrence, so a
//! daily schedule at 00:00 still runs exactly once every day.

use caudal_protocol::UtcMillis;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

/// A time zone: a fixed offset or an IANA zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset from UTC, without daylight saving.
    Fixed(FixedOffset),
    /// An IANA zone, with its daylight-saving rules.
    Named(chrono_tz::Tz),
}

/// A zone name that is neither an IANA zone nor a `±HH:MM` offset.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone `{0}`: expected an IANA name such as America/Santiago, or an offset such as -04:00"
)]
pub struct ZoneError(pub String);

impl Default for Zone {
    fn default() -> Zone {
        Zone::SANTIAGO
    }
}

impl Zone {
    /// Chile continental, with daylight saving: the default everywhere.
    pub const SANTIAGO: Zone = Zone::Named(chrono_tz::America::Santiago);
    /// UTC.
    pub const UTC: Zone = Zone::Named(chrono_tz::UTC);

    /// The fixed UTC-4 of the DGA technical manual (no daylight saving).
    #[must_use]
    pub fn utc_minus_4() -> Zone {
        Zone::Fixed(FixedOffset::west_opt(4 * 3600).unwrap_or_else(|| Utc.fix()))
    }

    /// Parse an IANA name (`America/Santiago`, `UTC`) or an offset (`-04:00`).
    ///
    /// # Errors
    /// [`ZoneError`] naming the input.
    pub fn parse(s: &str) -> Result<Zone, ZoneError> {
        if let Some(offset) = parse_offset(s) {
            return Ok(Zone::Fixed(offset));
        }
        s.parse::<chrono_tz::Tz>()
            .map(Zone::Named)
            .map_err(|_| ZoneError(s.to_owned()))
    }

    /// The spelling [`Zone::parse`] reads back.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Zone::Fixed(o) => o.to_string(),
            Zone::Named(tz) => tz.name().to_owned(),
        }
    }

    /// Offset from UTC at an instant, in seconds (negative west of Greenwich).
    #[must_use]
    pub fn offset_seconds(&self, t: UtcMillis) -> i32 {
        let utc = to_datetime(t).naive_utc();
        match self {
            Zone::Fixed(o) => o.local_minus_utc(),
            Zone::Named(tz) => tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
        }
    }

    /// The wall time at an instant.
    #[must_use]
    pub fn local(&self, t: UtcMillis) -> NaiveDateTime {
        to_datetime(t).naive_utc() + Duration::seconds(i64::from(self.offset_seconds(t)))
    }

    /// The instant of a wall time. A wall time skipped by a daylight-saving
    /// jump maps to the first instant after the gap; one that happens twice
    /// maps to its first occurrence.
    #[must_use]
    pub fn resolve(&self, local: NaiveDateTime) -> UtcMillis {
        match self {
            Zone::Fixed(o) => {
                from_datetime(&(local - Duration::seconds(i64::from(o.local_minus_utc()))))
            }
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                    from_datetime(&t.naive_utc())
                }
                chrono::LocalResult::None => {
                    // In a gap: the offset in force before the jump maps the
                    // wall time past the gap, by as much as it was skipped.
                    let before = tz
                        .offset_from_utc_datetime(&(local - Duration::days(1)))
                        .fix()
                        .local_minus_utc();
                    from_datetime(&(local - Duration::seconds(i64::from(before))))
                }
            },
        }
    }

    /// The first instant of a local day.
    #[must_use]
    pub fn start_of_day(&self, date: NaiveDate) -> UtcMillis {
        self.resolve(date.and_time(chrono::NaiveTime::MIN))
    }

    /// The local date at an instant.
    #[must_use]
    pub fn date(&self, t: UtcMillis) -> NaiveDate {
        self.local(t).date()
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// A [`UtcMillis`] as a chrono UTC date-time (saturating at chrono's range).
#[must_use]
pub fn to_datetime(t: UtcMillis) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(t.0).unwrap_or(if t.0 < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// A naive UTC date-time as [`UtcMillis`].
#[must_use]
pub fn from_datetime(t: &NaiveDateTime) -> UtcMillis {
    UtcMillis(t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn utc(s: &str) -> UtcMillis {
        from_datetime(&at(s))
    }

    #[test]
    fn santiago_summer_and_winter_offsets() {
        // January: -03:00 (summer time); July: -04:00.
        assert_eq!(
            Zone::SANTIAGO.offset_seconds(utc("2026-01-15 12:00")),
            -3 * 3600
        );
        assert_eq!(
            Zone::SANTIAGO.offset_seconds(utc("2026-07-15 12:00")),
            -4 * 3600
        );
        assert_eq!(
            Zone::SANTIAGO.local(utc("2026-07-15 04:00")),
            at("2026-07-15 00:00")
        );
    }

    #[test]
    fn a_midnight_skipped_by_the_september_jump_maps_past_the_gap() {
        // 2026-09-06 00:00 does not exist in Santiago: clocks go 23:59:59 -> 01:00.
        let t = Zone::SANTIAGO.resolve(at("2026-09-06 00:00"));
        assert_eq!(t, utc("2026-09-06 04:00"));
        assert_eq!(Zone::SANTIAGO.local(t), at("2026-09-06 01:00"));
        assert_eq!(
            Zone::SANTIAGO.start_of_day(at("2026-09-06 00:00").date()),
            t
        );
    }

    #[test]
    fn a_wall_time_that_happens_twice_maps_to_the_first() {
        // 2026-04-05 00:00 -03:00 falls back to 2026-04-04 23:00 -04:00.
        let t = Zone::SANTIAGO.resolve(at("2026-04-04 23:30"));
        assert_eq!(t, utc("2026-04-05 02:30"));
    }

    #[test]
    fn fixed_utc_minus_4_has_no_daylight_saving() {
        let z = Zone::utc_minus_4();
        assert_eq!(z.offset_seconds(utc("2026-01-15 12:00")), -4 * 3600);
        assert_eq!(z.resolve(at("2026-01-15 00:00")), utc("2026-01-15 04:00"));
        assert_eq!(Zone::parse("-04:00"), Ok(z));
        assert_eq!(z.name(), "-04:00");
    }

    #[test]
    fn parse_names_and_refuse_nonsense() {
        assert_eq!(Zone::parse("America/Santiago"), Ok(Zone::SANTIAGO));
        assert_eq!(Zone::parse("UTC"), Ok(Zone::UTC));
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert!(Zone::parse("+25:00").is_err());
        assert_eq!(Zone::default(), Zone::SANTIAGO);
    }
}
