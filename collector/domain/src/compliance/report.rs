//! The daily compliance report (the 07:00 job, and the API's JSON and CSV):
//! per point and regulator, computed from slot states only.
//!
//! Counts, over the slots whose instants fall in the report's window:
//! - `expected`: every planned slot;
//! - `accepted` (of which `late`), `pending` (waiting, ready, shadowed,
//!   sending, retrying), `rejected` (rejected, awaiting the daily retry),
//!   `failed`, `review`, `held` (filing stopped), `no_data`;
//! - `largest_lag_ms`: the largest delay from a slot's time to its
//!   acceptance, or to `now` for a slot still open (not accepted, not
//!   closed as no data): a filing still missing counts as late as it is;
//! - `folios`: the accepted slots' folios, oldest slot first.
//!
//! The window of a local day is [`day_window`]: from 00:00 of that day to
//! 00:00 of the next, in the report's zone (America/Santiago for people).

use chrono::NaiveDate;

use crate::{Lang, PointId, UtcMillis, Zone};

use super::slot::Slot;
use super::{Regulator, SlotStatus};

/// One line of the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportLine {
    /// The point.
    pub point: Option<PointId>,
    /// The regulator.
    pub regulator: Option<Regulator>,
    /// Slots expected.
    pub expected: u32,
    /// Accepted.
    pub accepted: u32,
    /// Accepted after the allowed lag.
    pub late: u32,
    /// Waiting, ready, shadowed, sending or retrying.
    pub pending: u32,
    /// Rejected and awaiting the daily retry.
    pub rejected: u32,
    /// Refused too many times.
    pub failed: u32,
    /// In review.
    pub review: u32,
    /// Held: the point's filing is stopped.
    pub held: u32,
    /// Closed without data.
    pub no_data: u32,
    /// The largest lag, ms.
    pub largest_lag_ms: Option<i64>,
    /// The folios, oldest slot first.
    pub folios: Vec<String>,
}

/// The instants `[start, end)` of a local day.
#[must_use]
pub fn day_window(zone: Zone, date: NaiveDate) -> (UtcMillis, UtcMillis) {
    let next = date.succ_opt().unwrap_or(date);
    (zone.start_of_day(date), zone.start_of_day(next))
}

/// A line being counted, with its folios and their slots' instants.
type Accumulating = (ReportLine, Vec<(UtcMillis, String)>);

/// The report over `slots` whose instants fall in `[from, to)`, one line
/// per point and regulator, ordered by point then regulator.
#[must_use]
pub fn daily<'a>(
    slots: impl IntoIterator<Item = &'a Slot>,
    from: UtcMillis,
    to: UtcMillis,
    now: UtcMillis,
) -> Vec<ReportLine> {
    let mut lines: std::collections::BTreeMap<(PointId, Regulator), Accumulating> =
        std::collections::BTreeMap::new();
    for slot in slots {
        if slot.at < from || slot.at >= to {
            continue;
        }
        let (line, folios) = lines
            .entry((slot.key.point, slot.key.regulator))
            .or_insert_with(|| {
                (
                    ReportLine {
                        point: Some(slot.key.point),
                        regulator: Some(slot.key.regulator),
                        ..ReportLine::default()
                    },
                    Vec::new(),
                )
            });
        line.expected += 1;
        match slot.status {
            SlotStatus::Accepted => {
                line.accepted += 1;
                line.late += u32::from(slot.late);
                if let Some(f) = &slot.folio {
                    folios.push((slot.at, f.clone()));
                }
            }
            SlotStatus::Waiting
            | SlotStatus::Ready
            | SlotStatus::Shadowed
            | SlotStatus::Sending
            | SlotStatus::Retrying => line.pending += 1,
            SlotStatus::Rejected => line.rejected += 1,
            SlotStatus::Failed => line.failed += 1,
            SlotStatus::Review => line.review += 1,
            SlotStatus::Held => line.held += 1,
            SlotStatus::NoData => line.no_data += 1,
        }
        if let Some(lag) = slot.lag_ms(now) {
            line.largest_lag_ms = Some(line.largest_lag_ms.map_or(lag, |l| std::cmp::max(l, lag)));
        }
    }
    lines
        .into_values()
        .map(|(mut line, mut folios)| {
            folios.sort();
            line.folios = folios.into_iter().map(|(_, f)| f).collect();
            line
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The report as CSV (RFC 4180, `\r\n` line ends), with a header in `lang`.
/// Lags are in whole seconds; folios are separated by spaces.
#[must_use]
pub fn to_csv(lines: &[ReportLine], lang: Lang) -> String {
    let header: [&str; 13] = match lang {
        Lang::Es => [
            "punto",
            "regulador",
            "esperados",
            "aceptados",
            "atrasados",
            "pendientes",
            "rechazados",
            "fallidos",
            "en_revision",
            "detenidos",
            "sin_datos",
            "mayor_desfase_s",
            "folios",
        ],
        Lang::En => [
            "point",
            "regulator",
            "expected",
            "accepted",
            "late",
            "pending",
            "rejected",
            "failed",
            "review",
            "held",
            "no_data",
            "largest_lag_s",
            "folios",
        ],
    };
    let mut out = header.join(",");
    out.push_str("\r\n");
    for l in lines {
        let cells = [
            l.point.map_or_else(String::new, |p| p.to_string()),
            l.regulator
                .map_or_else(String::new, |r| r.as_str().to_owned()),
            l.expected.to_string(),
            l.accepted.to_string(),
            l.late.to_string(),
            l.pending.to_string(),
            l.rejected.to_string(),
            l.failed.to_string(),
            l.review.to_string(),
            l.held.to_string(),
            l.no_data.to_string(),
            l.largest_lag_ms
                .map_or_else(String::new, |ms| (ms / 1000).to_string()),
            l.folios.join(" "),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::plan::{Cadence, plan};
    use crate::{HOUR_MS, MINUTE_MS};

    #[test]
    fn counts_lags_and_folios_from_slot_states() {
        let z = Zone::utc_minus_4();
        let date = NaiveDate::from_ymd_opt(2026, 6, 11).unwrap();
        let (from, to) = day_window(z, date);
        assert_eq!(to.0 - from.0, 24 * HOUR_MS);
        let now = UtcMillis(to.0 + 3 * HOUR_MS); // 03:00 the next day
        let mut slots: Vec<Slot> = plan(
            Cadence::Hourly,
            z,
            UtcMillis(from.0 - HOUR_MS),
            UtcMillis(to.0 + HOUR_MS),
        )
        .map(|t| Slot::planned(PointId(7), Regulator::Dga, t))
        .collect();
        assert_eq!(slots.len(), 26, "one before and one after the window");
        for (i, s) in slots.iter_mut().enumerate() {
            s.status = SlotStatus::Accepted;
            s.folio = Some(format!("F{i:02}"));
            s.filed_at = Some(UtcMillis(s.at.0 + 2 * MINUTE_MS));
        }
        slots[3].late = true;
        slots[3].filed_at = Some(UtcMillis(slots[3].at.0 + 5 * HOUR_MS));
        slots[5].status = SlotStatus::Review;
        slots[6].status = SlotStatus::Rejected;
        slots[7].status = SlotStatus::NoData;
        slots[8].status = SlotStatus::Waiting;
        slots[9].status = SlotStatus::Failed;
        slots[10].status = SlotStatus::Held;
        for s in &mut slots[5..=10] {
            s.folio = None;
            s.filed_at = None;
        }
        let other = Slot::planned(
            PointId(3),
            Regulator::Sma,
            plan(Cadence::Hourly, z, from, to).next().unwrap(),
        );
        let lines = daily(slots.iter().chain([&other]), from, to, now);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].point, Some(PointId(3)), "ordered by point");
        let l = &lines[1];
        assert_eq!(
            (
                l.expected, l.accepted, l.late, l.review, l.rejected, l.no_data, l.pending,
                l.failed, l.held
            ),
            (24, 18, 1, 1, 1, 1, 1, 1, 1)
        );
        // Slot 5 (local 04:00) is still open at 03:00 the next day: 23 h.
        assert_eq!(l.largest_lag_ms, Some(23 * HOUR_MS));
        assert_eq!(l.folios.len(), 18);
        assert_eq!(l.folios[0], "F01");
        let csv = to_csv(&lines, Lang::Es);
        let mut rows = csv.split("\r\n");
        assert_eq!(
            rows.next(),
            Some(
                "punto,regulador,esperados,aceptados,atrasados,pendientes,rechazados,fallidos,en_revision,detenidos,sin_datos,mayor_desfase_s,folios"
            )
        );
        // Open since 00:00, and it is 03:00 the next day: 27 h.
        assert_eq!(rows.next(), Some("3,sma,1,0,0,1,0,0,0,0,0,97200,"));
        assert!(
            rows.next()
                .unwrap()
                .starts_with("7,dga,24,18,1,1,1,1,1,1,1,82800,F01 F02 F03 F04 F11 F12 ")
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("F1 F2"), "F1 F2");
    }
}
