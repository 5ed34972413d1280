//! The required-time calendar of an asset: when it is required to run.
//!
//! Availability (EN 15341 M10, SMRP 2.2) divides by *required time*, not
//! calendar time: a well pumped only on weekdays is not "unavailable" on
//! Sundays. A calendar is:
//! - a weekly pattern in a [`Zone`]: windows `day from-to` of local time
//!   (`mon-fri 08:00-18:00; sat 08:00-13:00`), or `24/7` (the default:
//!   always required);
//! - exceptions, applied in order after the pattern, each an interval of
//!   instants that is set to *required* (`on`) or *not required* (`off`);
//!   a later exception wins where two overlap. A planned shutdown or a
//!   holiday is `off`; an extra shift is `on`.
//!
//! Windows are local wall times resolved with [`Zone::resolve`], so a
//! window ending at 24:00 on the day Santiago falls back lasts 25 hours'
//! worth of that day, and one starting at 00:00 on the September jump starts
//! at 01:00. A window whose end is before its start (`22:00-06:00`) spans
//! midnight and is stored as two windows.
//!
//! # Text form (CSV and API)
//!
//! Pattern: `24/7`, or windows separated by `;`, each `DAYS HH:MM-HH:MM`
//! where DAYS is `mon`..`sun`, a range `mon-fri` or a list `mon,wed,fri`,
//! and the end may be `24:00`. Exceptions: entries separated by `;`, each
//! `FROM/TO on|off` with RFC 3339 instants.

use caudal_protocol::UtcMillis;
use chrono::{Datelike, Duration, NaiveTime, Weekday};

use crate::Zone;

const DAY_NAMES: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// A malformed calendar.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A window that cannot be read.
    #[error("invalid window `{0}`: expected DAYS HH:MM-HH:MM, e.g. mon-fri 08:00-18:00")]
    Window(String),
    /// An unknown day name.
    #[error("invalid day `{0}`: use mon, tue, wed, thu, fri, sat, sun")]
    Day(String),
    /// A window that starts and ends at the same time.
    #[error("window `{0}` is empty")]
    EmptyWindow(String),
    /// An exception that cannot be read.
    #[error("invalid exception `{0}`: expected FROM/TO on|off with RFC 3339 times")]
    Exception(String),
    /// An exception that ends before it starts.
    #[error("exception `{0}` ends before it starts")]
    BackwardException(String),
}

/// One weekly window of local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeeklyWindow {
    /// Day of the week it starts on.
    pub day: Weekday,
    /// Start, minutes after local midnight (0..1440).
    pub from_min: u16,
    /// End, minutes after local midnight (1..=1440), after `from_min`.
    pub to_min: u16,
}

impl WeeklyWindow {
    fn key(&self) -> (u32, u16, u16) {
        (self.day.num_days_from_monday(), self.from_min, self.to_min)
    }
}

impl PartialOrd for WeeklyWindow {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WeeklyWindow {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// An interval whose required status overrides the weekly pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarException {
    /// Start (inclusive).
    pub from: UtcMillis,
    /// End (exclusive).
    pub to: UtcMillis,
    /// Required (`on`) or not (`off`).
    pub required: bool,
}

/// When an asset is required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredCalendar {
    /// The weekly pattern; `None` is 24/7.
    pub weekly: Option<Vec<WeeklyWindow>>,
    /// Zone of the pattern's wall times.
    pub zone: Zone,
    /// Overrides, in order.
    pub exceptions: Vec<CalendarException>,
}

impl Default for RequiredCalendar {
    /// 24/7 in America/Santiago, no exceptions.
    fn default() -> RequiredCalendar {
        RequiredCalendar {
            weekly: None,
            zone: Zone::SANTIAGO,
            exceptions: Vec::new(),
        }
    }
}

fn merge(mut v: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    v.retain(|(a, b)| a < b);
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = std::cmp::max(last.1, b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn subtract(v: &[(i64, i64)], (a, b): (i64, i64)) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(v.len() + 1);
    for &(x, y) in v {
        if y <= a || x >= b {
            out.push((x, y));
        } else {
            if x < a {
                out.push((x, a));
            }
            if y > b {
                out.push((b, y));
            }
        }
    }
    out
}

impl RequiredCalendar {
    /// 24/7 in a zone.
    #[must_use]
    pub fn always(zone: Zone) -> RequiredCalendar {
        RequiredCalendar {
            zone,
            ..RequiredCalendar::default()
        }
    }

    /// The required intervals within `[from, to)`, sorted, disjoint and merged.
    #[must_use]
    pub fn required_intervals(
        &self,
        from: UtcMillis,
        to: UtcMillis,
    ) -> Vec<(UtcMillis, UtcMillis)> {
        if to <= from {
            return Vec::new();
        }
        let (f, t) = (from.0, to.0);
        let mut base: Vec<(i64, i64)> = match &self.weekly {
            None => vec![(f, t)],
            Some(windows) => {
                let first = self.zone.date(from) - Duration::days(1);
                let last = self.zone.date(to) + Duration::days(1);
                let mut v = Vec::new();
                let mut d = first;
                while d <= last {
                    for w in windows.iter().filter(|w| w.day == d.weekday()) {
                        let at = |min: u16| {
                            let day = d + Duration::days(i64::from(min / 1440));
                            let m = u32::from(min % 1440);
                            let time = NaiveTime::from_hms_opt(m / 60, m % 60, 0)
                                .unwrap_or(NaiveTime::MIN);
                            self.zone.resolve(day.and_time(time)).0
                        };
                        v.push((
                            std::cmp::max(at(w.from_min), f),
                            std::cmp::min(at(w.to_min), t),
                        ));
                    }
                    d += Duration::days(1);
                }
                merge(v)
            }
        };
        for e in &self.exceptions {
            let span = (std::cmp::max(e.from.0, f), std::cmp::min(e.to.0, t));
            if span.0 >= span.1 {
                continue;
            }
            base = if e.required {
                let mut v = base;
                v.push(span);
                merge(v)
            } else {
                subtract(&base, span)
            };
        }
        merge(base)
            .into_iter()
            .map(|(a, b)| (UtcMillis(a), UtcMillis(b)))
            .collect()
    }

    /// Required time within `[from, to)`, ms.
    #[must_use]
    pub fn required_ms(&self, from: UtcMillis, to: UtcMillis) -> i64 {
        self.required_intervals(from, to)
            .iter()
            .map(|(a, b)| b.0 - a.0)
            .sum()
    }

    /// Whether the asset is required at an instant.
    #[must_use]
    pub fn is_required(&self, t: UtcMillis) -> bool {
        !self.required_intervals(t, UtcMillis(t.0 + 1)).is_empty()
    }

    /// The weekly pattern in its text form.
    #[must_use]
    pub fn weekly_text(&self) -> String {
        match &self.weekly {
            None => "24/7".to_owned(),
            Some(w) => w
                .iter()
                .map(|w| {
                    let name = DAY_NAMES
                        .iter()
                        .find(|(_, d)| *d == w.day)
                        .map_or("mon", |(n, _)| n);
                    format!("{name} {}-{}", hhmm(w.from_min), hhmm(w.to_min))
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// The exceptions in their text form.
    #[must_use]
    pub fn exceptions_text(&self) -> String {
        self.exceptions
            .iter()
            .map(|e| {
                format!(
                    "{}/{} {}",
                    rfc3339(e.from),
                    rfc3339(e.to),
                    if e.required { "on" } else { "off" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn rfc3339(t: UtcMillis) -> String {
    crate::zone::to_datetime(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn hhmm(min: u16) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

fn parse_days(s: &str) -> Result<Vec<Weekday>, CalendarError> {
    let day = |n: &str| {
        DAY_NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(n))
            .map(|(_, d)| *d)
            .ok_or_else(|| CalendarError::Day(n.to_owned()))
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        if let Some((a, b)) = part.split_once('-') {
            let (a, b) = (day(a)?, day(b)?);
            let mut d = a;
            loop {
                out.push(d);
                if d == b {
                    break;
                }
                d = d.succ();
            }
        } else {
            out.push(day(part)?);
        }
    }
    Ok(out)
}

/// Parse a weekly pattern (`24/7` or windows).
///
/// # Errors
/// [`CalendarError`] naming the bad window or day.
pub fn parse_weekly(text: &str) -> Result<Option<Vec<WeeklyWindow>>, CalendarError> {
    let text = text.trim();
    if text.is_empty() || text == "24/7" {
        return Ok(None);
    }
    let mut windows = Vec::new();
    for w in text.split(';').map(str::trim).filter(|w| !w.is_empty()) {
        let bad = || CalendarError::Window(w.to_owned());
        let (days, times) = w.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (a, b) = times.trim().split_once('-').ok_or_else(bad)?;
        let (from, to) = (
            parse_hhmm(a.trim()).ok_or_else(bad)?,
            parse_hhmm(b.trim()).ok_or_else(bad)?,
        );
        if from == to || from == 1440 {
            return Err(CalendarError::EmptyWindow(w.to_owned()));
        }
        for day in parse_days(days.trim())? {
            if to > from {
                windows.push(WeeklyWindow {
                    day,
                    from_min: from,
                    to_min: to,
                });
            } else {
                windows.push(WeeklyWindow {
                    day,
                    from_min: from,
                    to_min: 1440,
                });
                if to > 0 {
                    windows.push(WeeklyWindow {
                        day: day.succ(),
                        from_min: 0,
                        to_min: to,
                    });
                }
            }
        }
    }
    windows.sort();
    windows.dedup();
    Ok(Some(windows))
}

/// Parse exceptions (`FROM/TO on|off; ...`).
///
/// # Errors
/// [`CalendarError`] naming the bad entry.
pub fn parse_exceptions(text: &str) -> Result<Vec<CalendarException>, CalendarError> {
    let mut out = Vec::new();
    for e in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || CalendarError::Exception(e.to_owned());
        let (span, state) = e.rsplit_once(char::is_whitespace).ok_or_else(bad)?;
        let required = match state {
            "on" => true,
            "off" => false,
            _ => return Err(bad()),
        };
        let (a, b) = span.trim().split_once('/').ok_or_else(bad)?;
        let t = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s.trim())
                .map(|d| UtcMillis(d.timestamp_millis()))
                .map_err(|_| bad())
        };
        let (from, to) = (t(a)?, t(b)?);
        if to < from {
            return Err(CalendarError::BackwardException(e.to_owned()));
        }
        out.push(CalendarException { from, to, required });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DAY_MS, HOUR_MS};

    fn utc(s: &str) -> UtcMillis {
        UtcMillis(
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis(),
        )
    }

    #[test]
    fn the_default_is_required_all_the_time() {
        let c = RequiredCalendar::default();
        let (a, b) = (utc("2026-01-01T00:00:00Z"), utc("2026-01-08T00:00:00Z"));
        assert_eq!(c.required_ms(a, b), 7 * DAY_MS);
        assert_eq!(c.weekly_text(), "24/7");
    }

    #[test]
    fn weekday_shifts_in_santiago_summer_time() {
        let c = RequiredCalendar {
            weekly: parse_weekly("mon-fri 08:00-18:00; sat 08:00-13:00").unwrap(),
            ..RequiredCalendar::default()
        };
        // Week of Monday 2026-01-12 (Santiago -03:00).
        let from = utc("2026-01-12T00:00:00-03:00");
        let to = utc("2026-01-19T00:00:00-03:00");
        assert_eq!(c.required_ms(from, to), (5 * 10 + 5) * HOUR_MS);
        let iv = c.required_intervals(from, to);
        assert_eq!(
            iv[0],
            (
                utc("2026-01-12T08:00:00-03:00"),
                utc("2026-01-12T18:00:00-03:00")
            )
        );
        assert!(c.is_required(utc("2026-01-17T12:59:00-03:00")));
        assert!(!c.is_required(utc("2026-01-17T13:00:00-03:00")));
        // A window straddling the query bounds is clipped.
        assert_eq!(
            c.required_ms(
                utc("2026-01-12T17:00:00-03:00"),
                utc("2026-01-13T09:00:00-03:00")
            ),
            2 * HOUR_MS
        );
    }

    #[test]
    fn a_whole_day_window_follows_dst() {
        let c = RequiredCalendar {
            weekly: parse_weekly("sat 00:00-24:00").unwrap(),
            ..RequiredCalendar::default()
        };
        // Saturday 2026-04-04 lasts 25 h in Santiago (falls back at midnight).
        let day = c.required_ms(utc("2026-04-01T00:00:00Z"), utc("2026-04-08T00:00:00Z"));
        assert_eq!(day, 25 * HOUR_MS);
        // Saturday 2026-09-05 ends at the jump: 00:00 of the 6th is 01:00, 23 h.
        let short = c.required_ms(utc("2026-09-01T00:00:00Z"), utc("2026-09-08T00:00:00Z"));
        assert_eq!(
            short,
            24 * HOUR_MS,
            "the window ends at the first instant after the gap"
        );
    }

    #[test]
    fn night_windows_span_midnight() {
        let w = parse_weekly("fri 22:00-06:00").unwrap().unwrap();
        assert_eq!(
            w,
            vec![
                WeeklyWindow {
                    day: Weekday::Fri,
                    from_min: 1320,
                    to_min: 1440
                },
                WeeklyWindow {
                    day: Weekday::Sat,
                    from_min: 0,
                    to_min: 360
                },
            ]
        );
        let c = RequiredCalendar {
            weekly: Some(w),
            zone: Zone::UTC,
            exceptions: Vec::new(),
        };
        assert_eq!(
            c.required_intervals(utc("2026-01-01T00:00:00Z"), utc("2026-01-08T00:00:00Z")),
            vec![(utc("2026-01-02T22:00:00Z"), utc("2026-01-03T06:00:00Z"))]
        );
    }

    #[test]
    fn exceptions_apply_in_order() {
        let c = RequiredCalendar {
            weekly: None,
            zone: Zone::UTC,
            exceptions: parse_exceptions(
                "2026-01-02T00:00:00Z/2026-01-04T00:00:00Z off; 2026-01-03T08:00:00Z/2026-01-03T12:00:00Z on",
            )
            .unwrap(),
        };
        let (a, b) = (utc("2026-01-01T00:00:00Z"), utc("2026-01-05T00:00:00Z"));
        assert_eq!(c.required_ms(a, b), 2 * DAY_MS + 4 * HOUR_MS);
        assert_eq!(
            c.exceptions_text(),
            "2026-01-02T00:00:00Z/2026-01-04T00:00:00Z off; 2026-01-03T08:00:00Z/2026-01-03T12:00:00Z on"
        );
    }

    #[test]
    fn text_round_trips_and_errors_name_the_input() {
        let text = "mon 08:00-18:00; tue 08:00-18:00; sat 22:00-24:00; sun 00:00-02:00";
        let w = parse_weekly(text).unwrap();
        let c = RequiredCalendar {
            weekly: w.clone(),
            ..RequiredCalendar::default()
        };
        assert_eq!(c.weekly_text(), text);
        assert_eq!(parse_weekly(&c.weekly_text()).unwrap(), w);
        assert_eq!(
            parse_weekly("lun 08:00-18:00").unwrap_err().to_string(),
            "invalid day `lun`: use mon, tue, wed, thu, fri, sat, sun"
        );
        assert_eq!(
            parse_weekly("mon 8-18").unwrap_err(),
            CalendarError::Window("mon 8-18".to_owned())
        );
        assert_eq!(
            parse_weekly("mon 08:00-08:00").unwrap_err(),
            CalendarError::EmptyWindow("mon 08:00-08:00".to_owned())
        );
        assert!(parse_exceptions("2026-01-02T00:00:00Z/2026-01-01T00:00:00Z off").is_err());
        assert!(parse_exceptions("2026-01-02/2026-01-03 off").is_err());
    }
}
