//! The weekly KPI report as plain data: what the wiring fills from the
//! store and the domain's KPI functions, and what every renderer reads.
//!
//! The report computes no KPI. Each section carries the domain's result type
//! where one exists, so the numbers printed are those the API returns:
//!
//! | section | filled from | definition |
//! |---|---|---|
//! | [`OrdersSection`] | `maintenance::kpi::order_counts`, `maintenance::kpi::overdue` | overdue: open and past `due_at` |
//! | [`ReliabilitySection`] | `reliability::kpi::KpiLedger::kpis` per `Scope::Class` and the site | MTBF = T / r with two-sided χ² bounds (NIST 8.4.5.1), "insufficient data" below 3 failures; MTTR SMRP 3.5.2 |
//! | [`AvailabilitySection`] | `KpiLedger::kpis` per day and per week, one variant | SMRP 2.2 or EN 15341 M10, named in the section |
//! | [`Backlog`] | `maintenance::kpi::backlog` | crew-weeks, Reliabilityweb; target 4 ± 2 weeks |
//! | [`PmSection`] | `maintenance::kpi::pm_compliance` per week | SMRP 5.4.14, target ≥ 90 % |
//! | [`FailureModes`] | failure codes of the corrective orders (ISO 14224 modes) | count of failures per mode |
//! | [`RiskSection`] | `reliability::risk::assess`, ranked | P(failure in the next N run-hours) |
//! | [`PointCompliance`] | the compliance ledger's slot states | expected = accepted + pending + review + rejected + without data |
//! | [`AssetDowntime`] | the operating record's down intervals in the week | hours per [`DownCause`] |
//!
//! [`WeeklyReport::validate`] refuses what would print a wrong figure: a
//! non-finite number, a day outside the week, a row of the wrong scope, slot
//! counts that do not add up, mixed availability variants.

use std::collections::BTreeMap;

use caudal_collector_domain::maintenance::kpi::{Backlog, OrderCounts, Overdue, PmCompliance};
use caudal_collector_domain::reliability::kpi::{AssetClass, Kpis, Scope};
use caudal_collector_domain::reliability::risk::RiskAssessment;
use caudal_collector_domain::reliability::{Availability, AvailabilityVariant, MtbfFigure};
use caudal_collector_domain::{
    AssetId, AssetKind, DAY_MS, DownCause, Lang, PointId, SiteId, UtcMillis, Zone,
};
use chrono::{Datelike, NaiveDate, Weekday};

use crate::ReportError;

/// An ISO 8601 week (`2026-W48`: Monday 2026-11-23 to Sunday 2026-11-29).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

impl IsoWeek {
    /// The week `week` of ISO year `year`.
    ///
    /// # Errors
    /// [`ReportError::BadWeek`] if the year has no such week (53 exists only
    /// in long years).
    pub fn new(year: i32, week: u32) -> Result<IsoWeek, ReportError> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .map(|_| IsoWeek { year, week })
            .ok_or_else(|| ReportError::BadWeek {
                input: format!("{year}-W{week:02}"),
            })
    }

    /// Parse `YYYY-Www` (`2026-W48`).
    ///
    /// # Errors
    /// [`ReportError::BadWeek`] naming the input.
    pub fn parse(s: &str) -> Result<IsoWeek, ReportError> {
        let bad = || ReportError::BadWeek {
            input: s.to_owned(),
        };
        let (y, w) = s.split_once("-W").ok_or_else(bad)?;
        if y.len() != 4 || w.len() != 2 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let week: u32 = w.parse().map_err(|_| bad())?;
        IsoWeek::new(year, week).map_err(|_| bad())
    }

    /// The week containing a date.
    #[must_use]
    pub fn containing(date: NaiveDate) -> IsoWeek {
        let w = date.iso_week();
        IsoWeek {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The ISO year.
    #[must_use]
    pub fn year(self) -> i32 {
        self.year
    }

    /// The week number, 1 to 53.
    #[must_use]
    pub fn week(self) -> u32 {
        self.week
    }

    /// Its Monday.
    #[must_use]
    pub fn first_day(self) -> NaiveDate {
        // `new` and `containing` only build weeks that exist.
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }

    /// Its Sunday.
    #[must_use]
    pub fn last_day(self) -> NaiveDate {
        self.first_day() + chrono::Days::new(6)
    }

    /// Monday to Sunday.
    #[must_use]
    pub fn days(self) -> [NaiveDate; 7] {
        let first = self.first_day();
        std::array::from_fn(|i| first + chrono::Days::new(i as u64))
    }

    /// The week before.
    #[must_use]
    pub fn previous(self) -> IsoWeek {
        IsoWeek::containing(self.first_day() - chrono::Days::new(1))
    }

    /// Its first instant and the first instant of the next week, in `zone`.
    #[must_use]
    pub fn bounds(self, zone: Zone) -> (UtcMillis, UtcMillis) {
        (
            zone.start_of_day(self.first_day()),
            zone.start_of_day(self.last_day() + chrono::Days::new(1)),
        )
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

/// A site as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteRef {
    /// The site.
    pub id: SiteId,
    /// Its name.
    pub name: String,
}

/// An asset as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetRef {
    /// The asset.
    pub id: AssetId,
    /// Its name (tag), e.g. `Bomba P-3`.
    pub name: String,
}

/// A catchment point as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointRef {
    /// The point.
    pub id: PointId,
    /// Its name, e.g. `Pozo 2`.
    pub name: String,
}

/// The weekly KPI report of one site.
#[derive(Clone, Debug, PartialEq)]
pub struct WeeklyReport {
    /// The site.
    pub site: SiteRef,
    /// The week reported (local days in `zone`).
    pub week: IsoWeek,
    /// The local zone of the days and times printed.
    pub zone: Zone,
    /// When the report was generated (printed; no clock is read).
    pub generated_at: UtcMillis,
    /// The language of the documents.
    pub lang: Lang,
    /// Work orders.
    pub orders: OrdersSection,
    /// MTBF and MTTR by asset class.
    pub reliability: ReliabilitySection,
    /// Availability per day of the week and the previous weeks.
    pub availability: AvailabilitySection,
    /// Backlog in crew-weeks at the end of the week.
    pub backlog: Backlog,
    /// PM compliance of the week and the previous weeks.
    pub pm: PmSection,
    /// The top failure modes.
    pub failure_modes: FailureModes,
    /// The risk ranking.
    pub risk: RiskSection,
    /// Regulator slots per point and regulator for the week.
    pub compliance: Vec<PointCompliance>,
    /// Each asset down during the week (the others are not listed).
    pub downtime: Vec<AssetDowntime>,
}

/// Work orders of the site.
#[derive(Clone, Debug, PartialEq)]
pub struct OrdersSection {
    /// Orders by state and kind: those open at the end of the week and
    /// those completed, closed or cancelled during it.
    pub counts: OrderCounts,
    /// Orders completed during the week (the technician's completion), by
    /// kind.
    pub completed: OrderCounts,
    /// Open orders past their due time at the end of the week, most overdue
    /// first (`maintenance::kpi::overdue`).
    pub overdue: Vec<OverdueOrder>,
}

/// An overdue order with the names the report prints.
#[derive(Clone, Debug, PartialEq)]
pub struct OverdueOrder {
    /// The domain's overdue record.
    pub order: Overdue,
    /// Its asset's name.
    pub asset_name: String,
    /// Its title.
    pub title: String,
}

/// MTBF and MTTR by asset class and for the site.
#[derive(Clone, Debug, PartialEq)]
pub struct ReliabilitySection {
    /// One [`Kpis`] per class, `scope` = [`Scope::Class`], over the window.
    pub by_class: Vec<Kpis>,
    /// The site, `scope` = [`Scope::Site`], over the same window.
    pub site: Kpis,
}

/// One day's or week's availability; `None` when undefined (no data, or
/// idle the whole time), never 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AvailabilityPoint<T> {
    /// The day or week.
    pub period: T,
    /// The figure.
    pub value: Option<Availability>,
}

/// Availability of the site per day of the week and per week.
#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilitySection {
    /// The definition every figure follows.
    pub variant: AvailabilityVariant,
    /// A target to draw, as a fraction (e.g. 0.95); `None` for none.
    pub target: Option<f64>,
    /// Monday to Sunday of the report's week.
    pub days: Vec<AvailabilityPoint<NaiveDate>>,
    /// The previous weeks and the report's week, oldest first.
    pub weeks: Vec<AvailabilityPoint<IsoWeek>>,
}

impl AvailabilitySection {
    /// Picks `variant` out of the ledger's figures (`Kpis` of the site per day
    /// and per week), so the report prints what the API prints.
    #[must_use]
    pub fn from_kpis(
        variant: AvailabilityVariant,
        target: Option<f64>,
        days: &[(NaiveDate, Kpis)],
        weeks: &[(IsoWeek, Kpis)],
    ) -> AvailabilitySection {
        fn pick(k: &Kpis, v: AvailabilityVariant) -> Option<Availability> {
            match v {
                AvailabilityVariant::Smrp22 => k.availability_smrp.clone().ok(),
                AvailabilityVariant::En15341M10 => k.availability_m10.clone().ok(),
                AvailabilityVariant::Inherent => k.availability_inherent.clone().ok(),
            }
        }
        AvailabilitySection {
            variant,
            target,
            days: days
                .iter()
                .map(|(d, k)| AvailabilityPoint {
                    period: *d,
                    value: pick(k, variant),
                })
                .collect(),
            weeks: weeks
                .iter()
                .map(|(w, k)| AvailabilityPoint {
                    period: *w,
                    value: pick(k, variant),
                })
                .collect(),
        }
    }
}

/// PM compliance (SMRP 5.4.14; target ≥ 90 %).
#[derive(Clone, Debug, PartialEq)]
pub struct PmSection {
    /// The report's week.
    pub week: PmCompliance,
    /// The previous weeks, oldest first.
    pub history: Vec<(IsoWeek, PmCompliance)>,
}

/// SMRP's PM compliance target (≥ 90 %).
pub const PM_COMPLIANCE_TARGET: f64 = 0.90;

/// Reliabilityweb's backlog target: 4 ± 2 crew-weeks.
pub const BACKLOG_TARGET_WEEKS: (f64, f64, f64) = (2.0, 4.0, 6.0);

/// One failure mode's count.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureModeCount {
    /// The ISO 14224 mode code, e.g. `FTS`.
    pub code: String,
    /// Its name in the report's language.
    pub label: String,
    /// Failures with this mode in the window.
    pub failures: u32,
    /// Downtime of those failures, hours, when known.
    pub downtime_hours: Option<f64>,
}

/// The top failure modes of the site over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureModes {
    /// First local day of the window.
    pub first_day: NaiveDate,
    /// Last local day (inclusive).
    pub last_day: NaiveDate,
    /// The modes, most failures first.
    pub modes: Vec<FailureModeCount>,
}

/// One ranked asset.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskRow {
    /// The asset.
    pub asset: AssetRef,
    /// Its class.
    pub class: AssetClass,
    /// The explained assessment.
    pub assessment: RiskAssessment,
}

/// The risk ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskSection {
    /// The horizon N of every assessment, run-hours.
    pub horizon_run_hours: f64,
    /// The assets, in any order: the report ranks them with
    /// `reliability::risk::rank` (riskiest first).
    pub rows: Vec<RiskRow>,
}

/// Regulator slots of one point and regulator for the week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointCompliance {
    /// The point.
    pub point: PointRef,
    /// The regulator and standard, e.g. `DGA` or `SMA`.
    pub regulator: String,
    /// Slots expected in the week.
    pub expected: u32,
    /// Accepted (with a folio).
    pub accepted: u32,
    /// Of the accepted, filed late.
    pub accepted_late: u32,
    /// Waiting, ready or sending.
    pub pending: u32,
    /// In review (a plausibility check failed).
    pub in_review: u32,
    /// Rejected by the regulator.
    pub rejected: u32,
    /// Without data past the allowed lag.
    pub without_data: u32,
}

impl PointCompliance {
    /// Expected slots not accepted.
    #[must_use]
    pub fn missing(&self) -> u32 {
        self.expected.saturating_sub(self.accepted)
    }
}

/// One asset down during the week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetDowntime {
    /// The asset.
    pub asset: AssetRef,
    /// Its kind.
    pub kind: AssetKind,
    /// Down intervals that started in (or overlapped the start of) the week.
    pub stops: u32,
    /// Milliseconds within the week per cause. [`DownCause::NoData`] is an
    /// unknown state: printed apart, never added to the downtime.
    pub down_ms: BTreeMap<DownCause, i64>,
    /// Still down at the end of the week.
    pub down_at_end: bool,
}

impl AssetDowntime {
    /// Downtime within the week, ms: planned + trip + unknown + external.
    #[must_use]
    pub fn total_down_ms(&self) -> i64 {
        self.down_ms
            .iter()
            .filter(|(c, _)| **c != DownCause::NoData)
            .map(|(_, ms)| *ms)
            .sum()
    }
}

fn finite(field: impl Fn() -> String, v: f64) -> Result<(), ReportError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(ReportError::NotFinite {
            field: field(),
            value: v,
        })
    }
}

fn fraction(field: impl Fn() -> String, v: f64) -> Result<(), ReportError> {
    finite(&field, v)?;
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(ReportError::NotAFraction {
            field: field(),
            value: v,
        })
    }
}

fn check_kpis(what: &str, k: &Kpis) -> Result<(), ReportError> {
    finite(|| format!("{what}: operating hours"), k.operating_hours)?;
    if let Some(h) = k.mttr_hours {
        finite(|| format!("{what}: MTTR"), h)?;
    }
    match &k.mtbf {
        MtbfFigure::Estimated(b) => {
            finite(|| format!("{what}: MTBF lower bound"), b.lower_hours)?;
            if let Some(m) = b.mtbf_hours {
                finite(|| format!("{what}: MTBF"), m)?;
            }
        }
        MtbfFigure::InsufficientData { bounds, .. } => {
            if let Some(b) = bounds {
                finite(|| format!("{what}: MTBF lower bound"), b.lower_hours)?;
            }
        }
    }
    Ok(())
}

fn check_availability(
    what: impl Fn() -> String,
    variant: AvailabilityVariant,
    a: Option<&Availability>,
) -> Result<(), ReportError> {
    let Some(a) = a else { return Ok(()) };
    if a.variant != variant {
        return Err(ReportError::MixedAvailability {
            what: what(),
            found: a.variant.as_str(),
            expected: variant.as_str(),
        });
    }
    fraction(what, a.value)
}

impl WeeklyReport {
    /// Checks what would print a wrong figure (module docs).
    ///
    /// # Errors
    /// The first [`ReportError`] found.
    pub fn validate(&self) -> Result<(), ReportError> {
        for k in &self.reliability.by_class {
            let Scope::Class(c) = &k.scope else {
                return Err(ReportError::WrongScope {
                    what: "reliability by class",
                    found: format!("{:?}", k.scope),
                });
            };
            check_kpis(&format!("class {}", c.0), k)?;
        }
        if !matches!(self.reliability.site.scope, Scope::Site(_)) {
            return Err(ReportError::WrongScope {
                what: "site reliability",
                found: format!("{:?}", self.reliability.site.scope),
            });
        }
        check_kpis("site", &self.reliability.site)?;

        let a = &self.availability;
        if let Some(t) = a.target {
            fraction(|| "availability target".to_owned(), t)?;
        }
        let days = self.week.days();
        for p in &a.days {
            if !days.contains(&p.period) {
                return Err(ReportError::DayOutsideWeek {
                    date: p.period,
                    week: self.week,
                });
            }
            check_availability(
                || format!("availability of {}", p.period),
                a.variant,
                p.value.as_ref(),
            )?;
        }
        for p in &a.weeks {
            if p.period > self.week {
                return Err(ReportError::WeekAfterReport {
                    found: p.period,
                    week: self.week,
                });
            }
            check_availability(
                || format!("availability of {}", p.period),
                a.variant,
                p.value.as_ref(),
            )?;
        }

        let b = &self.backlog;
        finite(|| "backlog total hours".to_owned(), b.total_hours)?;
        finite(|| "backlog ready hours".to_owned(), b.ready_hours)?;
        finite(|| "weekly crew hours".to_owned(), b.weekly_crew_hours)?;
        for w in [b.total_crew_weeks, b.ready_crew_weeks]
            .into_iter()
            .flatten()
        {
            finite(|| "backlog crew-weeks".to_owned(), w)?;
        }

        for (w, p) in std::iter::once((self.week, &self.pm.week))
            .chain(self.pm.history.iter().map(|(w, p)| (*w, p)))
        {
            if w > self.week {
                return Err(ReportError::WeekAfterReport {
                    found: w,
                    week: self.week,
                });
            }
            if let Some(r) = p.ratio {
                fraction(|| format!("PM compliance of {w}"), r)?;
            }
        }

        for m in &self.failure_modes.modes {
            if let Some(h) = m.downtime_hours {
                finite(|| format!("downtime of failure mode {}", m.code), h)?;
            }
        }

        finite(|| "risk horizon".to_owned(), self.risk.horizon_run_hours)?;
        for r in &self.risk.rows {
            fraction(
                || format!("risk probability of {}", r.asset.name),
                r.assessment.probability,
            )?;
            for c in &r.assessment.contributions {
                finite(
                    || format!("risk contribution of {}", r.asset.name),
                    c.points,
                )?;
                if let Some(v) = c.value {
                    finite(|| format!("risk input of {}", r.asset.name), v)?;
                }
            }
        }

        for p in &self.compliance {
            let sum = u64::from(p.accepted)
                + u64::from(p.pending)
                + u64::from(p.in_review)
                + u64::from(p.rejected)
                + u64::from(p.without_data);
            if sum != u64::from(p.expected) || p.accepted_late > p.accepted {
                return Err(ReportError::SlotCounts {
                    point: p.point.name.clone(),
                    regulator: p.regulator.clone(),
                    sum,
                    expected: p.expected,
                });
            }
        }

        let (from, to) = self.week.bounds(self.zone);
        let week_ms = to.0 - from.0;
        for d in &self.downtime {
            for (cause, ms) in &d.down_ms {
                if *ms < 0 || *ms > week_ms {
                    return Err(ReportError::DowntimeOutOfWeek {
                        asset: d.asset.name.clone(),
                        cause: cause.as_str(),
                        ms: *ms,
                        week_ms,
                    });
                }
            }
            if d.total_down_ms() > week_ms + DAY_MS {
                return Err(ReportError::DowntimeOutOfWeek {
                    asset: d.asset.name.clone(),
                    cause: "total",
                    ms: d.total_down_ms(),
                    week_ms,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_parse_and_know_their_days() {
        let w = IsoWeek::parse("2026-W48").unwrap();
        assert_eq!(w.to_string(), "2026-W48");
        assert_eq!(
            w.first_day(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(w.last_day(), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        assert_eq!(w.previous().to_string(), "2026-W47");
        // 2026-W01 starts on Monday 2025-12-29.
        let first = IsoWeek::parse("2026-W01").unwrap();
        assert_eq!(first.previous().to_string(), "2025-W52");
        assert_eq!(
            IsoWeek::containing(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()),
            first
        );
    }

    #[test]
    fn a_bad_week_is_refused_naming_the_input() {
        for bad in [
            "2026-48", "2026-W4", "2026-W00", "2025-W53", "26-W48", "2026-Wx8",
        ] {
            assert_eq!(
                IsoWeek::parse(bad),
                Err(ReportError::BadWeek {
                    input: bad.to_owned()
                }),
                "{bad}"
            );
        }
        // 2026 is a long ISO year (it starts on a Thursday).
        assert!(IsoWeek::parse("2026-W53").is_ok());
    }

    #[test]
    fn a_week_is_23_hours_shorter_or_longer_only_across_a_dst_change() {
        // Santiago leaves DST on the first Sunday of April 2026 (2026-04-05):
        // that week has 169 hours.
        let w = IsoWeek::containing(NaiveDate::from_ymd_opt(2026, 4, 5).unwrap());
        let (a, b) = w.bounds(Zone::SANTIAGO);
        assert_eq!(b.0 - a.0, 169 * caudal_collector_domain::HOUR_MS);
        let (a, b) = IsoWeek::parse("2026-W48").unwrap().bounds(Zone::SANTIAGO);
        assert_eq!(b.0 - a.0, 168 * caudal_collector_domain::HOUR_MS);
    }
}
