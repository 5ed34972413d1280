//! Reliability KPIs from the operating record, per asset, class or site, for
//! any window of local days.
//!
//! # Inputs (filled by the wiring)
//! - [`OperatingTime`]: run time from the run signal, either a run interval
//!   (`run_ms = to − from`) or a total over a window inside one local day.
//! - [`DownInterval`]: the operating record's down intervals with their
//!   [`DownCause`].
//! - [`CorrectiveOrder`]: closed corrective work orders, with the failure
//!   code and the instant the failure was observed.
//! - [`PreventiveAction`]: closed preventive orders (for MTBM).
//! - [`RepairEvent`]: repairs with their event times (for MTTR).
//! - [`RequiredTime`]: the required-time calendar (for EN 15341 M10).
//!
//! # The failure rule ([`FailureRule`], reference §1 recommendation)
//! A failure is a **closed corrective order with a failure code**, or an
//! **unplanned down interval whose cause is not planned or external**: only
//! [`DownCause::Trip`] and [`DownCause::Unknown`] qualify ([`DownCause::NoData`]
//! is an unknown state, not a stop). Preventive work, standby and site-power
//! outages are downtime categories, never failures (SMRP "excludes proactive
//! repairs"; EN 15341 "external reasons").
//!
//! De-duplication (one trip and the order that repaired it are one failure):
//! failure intervals of an asset that touch or overlap are merged first; then
//! an order whose `failed_at` lies within `[from − tolerance, to + tolerance]`
//! of a merged failure interval of the same asset is that interval's failure
//! (counted once, at the interval's start), however many orders match. Other
//! orders are failures of their own at `failed_at`. The tolerance defaults to
//! one hour ([`KpiOptions::dedup_tolerance_ms`]). Every [`Kpis`] names the rule.
//!
//! # Partial sums, windows and incremental recomputation
//! The ledger keeps one [`DayPartial`] per asset and local day (in the
//! ledger's [`Zone`]): run ms, down ms and events per cause, failures,
//! repairs and their durations per [`MttrStart`], maintenance actions,
//! required and internal-down-in-required ms. Partials are plain sums:
//! [`DayPartial::combine`] is associative and commutative with
//! `DayPartial::default()` as identity, so a window's figures are the sum of
//! its days' partials, a class's or site's the sum over its assets, and a
//! changed day (backfilled data) is recomputed alone with
//! [`KpiLedger::recompute`] and swapped in; windows then re-add at most one
//! partial per asset-day. Intervals are split at local midnights (DST days are
//! 23 or 25 h long); a failure belongs to the day of its instant, a repair to
//! the day of its restoration, a down event to the day it starts.
//!
//! # KPI definitions ([`Kpis`])
//! - MTBF: operating hours / failures with χ² bounds ([`super::mtbf`]).
//! - MTTR: repairs restored in the window, clock from [`KpiOptions::mttr_start`].
//! - MTBM: operating hours / (corrective + preventive actions) (SMRP 3.5.3).
//! - Mean downtime: downtime / down events (SMRP 3.5.4), downtime being
//!   planned + trip + unknown + external.
//! - Availability SMRP 2.2 with total = calendar − no-data time (an unknown
//!   state is neither up nor down), idle = total − run − downtime; EN 15341
//!   M10 against the required-time calendar with internal downtime = planned +
//!   trip + unknown within required time; inherent from MTBF and MTTR (only
//!   when the MTBF is estimated).

use std::collections::HashMap;

use caudal_protocol::UtcMillis;
use chrono::NaiveDate;

use super::availability::{self, Availability};
use super::mtbf::{MtbfFigure, mtbf_figure};
use super::repair::{MttrStart, RepairEvent, mean_downtime_hours, mtbm_hours};
use super::{Confidence, ReliabilityError};
use crate::HOUR_MS;
use crate::ids::{AssetId, SiteId, WorkOrderId};
use crate::vocab::{DownCause, vocabulary};
use crate::zone::Zone;

/// The pooling key of an asset: its model ("same model" in issue 14), e.g.
/// `"Grundfos SP 17-8"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssetClass(pub String);

/// An asset as the KPIs need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetInfo {
    /// The asset.
    pub asset: AssetId,
    /// Its site.
    pub site: SiteId,
    /// Its class.
    pub class: AssetClass,
}

/// Run time from the run signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperatingTime {
    /// The asset.
    pub asset: AssetId,
    /// Window start.
    pub from: UtcMillis,
    /// Window end (exclusive).
    pub to: UtcMillis,
    /// Running ms within the window.
    pub run_ms: i64,
}

impl OperatingTime {
    /// A run interval: running the whole window.
    #[must_use]
    pub fn interval(asset: AssetId, from: UtcMillis, to: UtcMillis) -> OperatingTime {
        OperatingTime {
            asset,
            from,
            to,
            run_ms: to.0 - from.0,
        }
    }
}

/// A down interval of the operating record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DownInterval {
    /// The asset.
    pub asset: AssetId,
    /// Start.
    pub from: UtcMillis,
    /// End (exclusive).
    pub to: UtcMillis,
    /// Why.
    pub cause: DownCause,
}

/// A closed corrective work order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrectiveOrder {
    /// The order.
    pub order: WorkOrderId,
    /// The asset.
    pub asset: AssetId,
    /// When the failure was observed (reported, or the order's creation).
    pub failed_at: UtcMillis,
    /// When the order was closed.
    pub closed_at: UtcMillis,
    /// The failure code; `None` or empty for work that was not a failure.
    pub failure_code: Option<String>,
}

/// A closed preventive work order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreventiveAction {
    /// The asset.
    pub asset: AssetId,
    /// When it was closed.
    pub closed_at: UtcMillis,
}

/// A span of required time (the asset is meant to be available).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequiredTime {
    /// The asset.
    pub asset: AssetId,
    /// Start.
    pub from: UtcMillis,
    /// End (exclusive).
    pub to: UtcMillis,
}

/// Everything the ledger ingests for a period.
#[derive(Clone, Copy, Debug, Default)]
pub struct KpiInputs<'a> {
    /// Run time.
    pub operating: &'a [OperatingTime],
    /// Down intervals.
    pub down: &'a [DownInterval],
    /// Closed corrective orders.
    pub corrective: &'a [CorrectiveOrder],
    /// Closed preventive orders.
    pub preventive: &'a [PreventiveAction],
    /// Repairs.
    pub repairs: &'a [RepairEvent],
    /// Required-time calendar.
    pub required: &'a [RequiredTime],
}

vocabulary!(
    /// Which events count as failures.
    FailureRule {
        /// Closed corrective orders with a failure code, and trip/unknown down
        /// intervals, de-duplicated (the reference §1 recommendation; default).
        OrdersAndDownIntervals => "orders_and_down_intervals",
        /// Closed corrective orders with a failure code only.
        OrdersOnly => "orders_only",
        /// Trip/unknown down intervals only.
        DownIntervalsOnly => "down_intervals_only",
    }
);

/// How a failure was identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureSource {
    /// A down interval with no matching order.
    DownInterval(DownCause),
    /// An order with no matching down interval.
    Order(WorkOrderId),
    /// A down interval and the (first) order that repaired it.
    Both(DownCause, WorkOrderId),
}

/// One failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The asset.
    pub asset: AssetId,
    /// Its instant.
    pub at: UtcMillis,
    /// How it was identified.
    pub source: FailureSource,
}

/// Options of the KPIs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KpiOptions {
    /// The failure rule (default [`FailureRule::OrdersAndDownIntervals`]).
    pub rule: FailureRule,
    /// Order-to-interval matching tolerance, ms (default one hour).
    pub dedup_tolerance_ms: i64,
    /// Where MTTR's clock starts (default [`MttrStart::Failure`], SMRP 2009).
    pub mttr_start: MttrStart,
    /// Confidence of the MTBF bounds (default 90 %).
    pub confidence: Confidence,
}

impl Default for KpiOptions {
    fn default() -> KpiOptions {
        KpiOptions {
            rule: FailureRule::OrdersAndDownIntervals,
            dedup_tolerance_ms: HOUR_MS,
            mttr_start: MttrStart::Failure,
            confidence: Confidence::NINETY,
        }
    }
}

/// What the ledger could not take.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum KpiError {
    /// A record of an asset the ledger does not know.
    #[error("asset {0} is not in the ledger's registry")]
    UnknownAsset(AssetId),
    /// An interval that ends before it starts.
    #[error("{what} of asset {asset} ends ({to}) before it starts ({from})")]
    Reversed {
        /// Which record.
        what: &'static str,
        /// The asset.
        asset: AssetId,
        /// Start, ms.
        from: i64,
        /// End, ms.
        to: i64,
    },
    /// Run time negative or longer than its window.
    #[error("operating time of asset {asset} has {run_ms} ms running in a {window_ms} ms window")]
    RunTimeOutOfWindow {
        /// The asset.
        asset: AssetId,
        /// Running ms.
        run_ms: i64,
        /// Window ms.
        window_ms: i64,
    },
    /// A run-time total (not an interval) spanning local days.
    #[error(
        "operating-time total of asset {asset} spans several local days: give totals per day, or run intervals"
    )]
    TotalSpansDays {
        /// The asset.
        asset: AssetId,
    },
    /// A bad repair event.
    #[error("repair of asset {asset}: {error}")]
    Repair {
        /// The asset.
        asset: AssetId,
        /// What is wrong.
        error: ReliabilityError,
    },
    /// The first day is after the last.
    #[error("the ledger's first day {first} is after its last day {last}")]
    EmptyRange {
        /// First day.
        first: NaiveDate,
        /// Last day.
        last: NaiveDate,
    },
}

const CAUSES: usize = 5;

fn cause_index(c: DownCause) -> usize {
    match c {
        DownCause::Trip => 0,
        DownCause::NoData => 1,
        DownCause::Planned => 2,
        DownCause::External => 3,
        DownCause::Unknown => 4,
    }
}

fn start_index(s: MttrStart) -> usize {
    match s {
        MttrStart::Failure => 0,
        MttrStart::OrderCreated => 1,
        MttrStart::TechnicianArrival => 2,
    }
}

/// Causes that can be failures.
fn is_failure_cause(c: DownCause) -> bool {
    matches!(c, DownCause::Trip | DownCause::Unknown)
}

/// Causes that are downtime under SMRP 2.2 and mean downtime.
fn is_downtime_cause(c: DownCause) -> bool {
    !matches!(c, DownCause::NoData)
}

/// Causes internal to the asset (EN 15341 M10).
fn is_internal_cause(c: DownCause) -> bool {
    matches!(c, DownCause::Trip | DownCause::Unknown | DownCause::Planned)
}

/// One asset's sums over one local day (or any union of days).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayPartial {
    /// Running ms.
    pub run_ms: i64,
    /// Down ms by cause (order: trip, no data, planned, external, unknown).
    pub down_ms: [i64; CAUSES],
    /// Down intervals starting here, by cause.
    pub down_events: [u32; CAUSES],
    /// Failures under the ledger's rule.
    pub failures: u32,
    /// Repair ms by start event (failure, order created, technician arrival).
    pub repair_ms: [i64; 3],
    /// Repairs whose start event was recorded, by start event.
    pub repairs: [u32; 3],
    /// Closed corrective orders.
    pub corrective_actions: u32,
    /// Closed preventive orders.
    pub preventive_actions: u32,
    /// Required ms.
    pub required_ms: i64,
    /// Internal downtime within required time, ms.
    pub internal_down_in_required_ms: i64,
}

impl DayPartial {
    /// Adds `other` in: associative and commutative, identity `default()`.
    pub fn combine(&mut self, other: &DayPartial) {
        self.run_ms += other.run_ms;
        for i in 0..CAUSES {
            self.down_ms[i] += other.down_ms[i];
            self.down_events[i] += other.down_events[i];
        }
        self.failures += other.failures;
        for i in 0..3 {
            self.repair_ms[i] += other.repair_ms[i];
            self.repairs[i] += other.repairs[i];
        }
        self.corrective_actions += other.corrective_actions;
        self.preventive_actions += other.preventive_actions;
        self.required_ms += other.required_ms;
        self.internal_down_in_required_ms += other.internal_down_in_required_ms;
    }

    /// Down ms for one cause.
    #[must_use]
    pub fn down_ms_of(&self, cause: DownCause) -> i64 {
        self.down_ms[cause_index(cause)]
    }
}

/// Identify the failures of one or many assets under `rule` (see the module
/// docs for the de-duplication rule). Sorted by asset, then instant.
#[must_use]
pub fn identify_failures(
    down: &[DownInterval],
    corrective: &[CorrectiveOrder],
    rule: FailureRule,
    tolerance_ms: i64,
) -> Vec<Failure> {
    let mut intervals: HashMap<AssetId, Vec<(i64, i64, DownCause)>> = HashMap::new();
    if rule != FailureRule::OrdersOnly {
        for d in down.iter().filter(|d| is_failure_cause(d.cause)) {
            intervals
                .entry(d.asset)
                .or_default()
                .push((d.from.0, d.to.0, d.cause));
        }
    }
    // Per asset: merged failure stops (from, to, first cause, first matching order).
    type Stops = Vec<(i64, i64, DownCause, Option<WorkOrderId>)>;
    let mut merged: HashMap<AssetId, Stops> = HashMap::new();
    for (asset, mut v) in intervals {
        v.sort_unstable_by_key(|x| (x.0, x.1));
        let m = merged.entry(asset).or_default();
        for (from, to, cause) in v {
            match m.last_mut() {
                Some(last) if from <= last.1 => last.1 = std::cmp::max(last.1, to),
                _ => m.push((from, to, cause, None)),
            }
        }
    }
    let mut out = Vec::new();
    if rule != FailureRule::DownIntervalsOnly {
        let mut orders: Vec<&CorrectiveOrder> = corrective
            .iter()
            .filter(|o| {
                o.failure_code
                    .as_deref()
                    .is_some_and(|c| !c.trim().is_empty())
            })
            .collect();
        orders.sort_by_key(|o| (o.asset, o.failed_at.0, o.order));
        for o in orders {
            let t = o.failed_at.0;
            let hit = merged.get_mut(&o.asset).and_then(|m| {
                // First interval whose tolerant end reaches t.
                let i = m.partition_point(|x| x.1.saturating_add(tolerance_ms) < t);
                m.get_mut(i)
                    .filter(|x| x.0.saturating_sub(tolerance_ms) <= t)
            });
            match hit {
                Some(x) => {
                    if x.3.is_none() {
                        x.3 = Some(o.order);
                    }
                }
                None => out.push(Failure {
                    asset: o.asset,
                    at: o.failed_at,
                    source: FailureSource::Order(o.order),
                }),
            }
        }
    }
    for (asset, m) in merged {
        for (from, _, cause, order) in m {
            out.push(Failure {
                asset,
                at: UtcMillis(from),
                source: match order {
                    Some(o) => FailureSource::Both(cause, o),
                    None => FailureSource::DownInterval(cause),
                },
            });
        }
    }
    out.sort_by_key(|f| (f.asset, f.at.0));
    out
}

/// Local-day boundaries of the ledger's range.
#[derive(Clone, Debug)]
struct DayIndex {
    first: NaiveDate,
    /// Start instant of each day, plus the end of the last: `days + 1` entries.
    starts: Vec<i64>,
}

impl DayIndex {
    fn new(zone: Zone, first: NaiveDate, last: NaiveDate) -> DayIndex {
        let mut starts = Vec::new();
        let mut d = first;
        loop {
            starts.push(zone.start_of_day(d).0);
            if d > last {
                break;
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        DayIndex { first, starts }
    }

    fn days(&self) -> usize {
        self.starts.len() - 1
    }

    /// Day containing `t`, if in range.
    fn day_of(&self, t: i64) -> Option<usize> {
        let i = self.starts.partition_point(|&s| s <= t);
        (i >= 1 && i < self.starts.len()).then(|| i - 1)
    }

    /// Calls `f(day, overlap_ms)` for each day `[from, to)` overlaps.
    fn split(&self, from: i64, to: i64, mut f: impl FnMut(usize, i64)) {
        if to <= from {
            return;
        }
        let mut i = self
            .starts
            .partition_point(|&s| s <= from)
            .saturating_sub(1);
        while i < self.days() && self.starts[i] < to {
            let a = std::cmp::max(from, self.starts[i]);
            let b = std::cmp::min(to, self.starts[i + 1]);
            if b > a {
                f(i, b - a);
            }
            i += 1;
        }
    }

    fn index_of(&self, date: NaiveDate) -> Option<usize> {
        let offset = usize::try_from((date - self.first).num_days()).ok()?;
        (offset < self.days()).then_some(offset)
    }

    fn day_ms(&self, i: usize) -> i64 {
        self.starts[i + 1] - self.starts[i]
    }
}

/// What a KPI figure covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One asset.
    Asset(AssetId),
    /// Every asset of a class.
    Class(AssetClass),
    /// Every asset of a site.
    Site(SiteId),
    /// Every asset.
    All,
}

/// The reliability KPIs of a scope over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct Kpis {
    /// What they cover.
    pub scope: Scope,
    /// First local day.
    pub first_day: NaiveDate,
    /// Last local day (inclusive).
    pub last_day: NaiveDate,
    /// Assets in the scope.
    pub assets: usize,
    /// The failure rule used.
    pub rule: FailureRule,
    /// The summed partial.
    pub totals: DayPartial,
    /// Calendar hours (assets × window).
    pub calendar_hours: f64,
    /// Operating hours.
    pub operating_hours: f64,
    /// Failures.
    pub failures: u64,
    /// MTBF (insufficient data below 3 failures).
    pub mtbf: MtbfFigure,
    /// Where the MTTR clock started.
    pub mttr_start: MttrStart,
    /// Repairs counted for MTTR.
    pub repairs: u32,
    /// MTTR, hours.
    pub mttr_hours: Option<f64>,
    /// MTBM, hours.
    pub mtbm_hours: Option<f64>,
    /// Mean downtime, hours.
    pub mean_downtime_hours: Option<f64>,
    /// SMRP 2.2 availability.
    pub availability_smrp: Result<Availability, ReliabilityError>,
    /// EN 15341 M10 availability.
    pub availability_m10: Result<Availability, ReliabilityError>,
    /// Inherent availability.
    pub availability_inherent: Result<Availability, ReliabilityError>,
}

/// Per asset-day partial sums over a fixed range of local days.
#[derive(Clone, Debug)]
pub struct KpiLedger {
    zone: Zone,
    options: KpiOptions,
    days: DayIndex,
    assets: HashMap<AssetId, AssetInfo>,
    partials: HashMap<AssetId, Vec<DayPartial>>,
}

fn slot(
    out: &mut HashMap<AssetId, Vec<DayPartial>>,
    asset: AssetId,
    n: usize,
) -> &mut Vec<DayPartial> {
    out.entry(asset)
        .or_insert_with(|| vec![DayPartial::default(); n])
}

fn ms_to_hours(ms: i64) -> f64 {
    ms as f64 / HOUR_MS as f64
}

impl KpiLedger {
    /// An empty ledger for `[first, last]` (local days in `zone`).
    ///
    /// # Errors
    /// [`KpiError::EmptyRange`] if `first > last`.
    pub fn new(
        zone: Zone,
        first: NaiveDate,
        last: NaiveDate,
        assets: impl IntoIterator<Item = AssetInfo>,
        options: KpiOptions,
    ) -> Result<KpiLedger, KpiError> {
        if first > last {
            return Err(KpiError::EmptyRange { first, last });
        }
        let days = DayIndex::new(zone, first, last);
        let assets: HashMap<AssetId, AssetInfo> =
            assets.into_iter().map(|a| (a.asset, a)).collect();
        let partials = assets
            .keys()
            .map(|a| (*a, vec![DayPartial::default(); days.days()]))
            .collect();
        Ok(KpiLedger {
            zone,
            options,
            days,
            assets,
            partials,
        })
    }

    /// The zone of the days.
    #[must_use]
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The options.
    #[must_use]
    pub fn options(&self) -> &KpiOptions {
        &self.options
    }

    /// Adds a period's records. Records are clipped to the ledger's range.
    /// Failure de-duplication happens within one call, so give each asset's
    /// down intervals and corrective orders of a period in the same call.
    ///
    /// # Errors
    /// A [`KpiError`] for the first bad record; nothing is added then.
    pub fn ingest(&mut self, inputs: &KpiInputs<'_>) -> Result<(), KpiError> {
        let delta = self.partials_of(inputs, None)?;
        for (asset, days) in delta {
            let target = self.partials.entry(asset).or_default();
            for (t, d) in target.iter_mut().zip(&days) {
                t.combine(d);
            }
        }
        Ok(())
    }

    /// Recomputes one asset's days `[first, last]` from `inputs` (records
    /// of that asset overlapping those days; give a day more on each side so
    /// that de-duplication sees orders near midnight) and replaces them.
    ///
    /// # Errors
    /// A [`KpiError`] for the first bad record; nothing changes then.
    pub fn recompute(
        &mut self,
        asset: AssetId,
        first: NaiveDate,
        last: NaiveDate,
        inputs: &KpiInputs<'_>,
    ) -> Result<(), KpiError> {
        if !self.assets.contains_key(&asset) {
            return Err(KpiError::UnknownAsset(asset));
        }
        let mut fresh = self.partials_of(inputs, Some(asset))?;
        let days = fresh
            .remove(&asset)
            .unwrap_or_else(|| vec![DayPartial::default(); self.days.days()]);
        let target = self.partials.entry(asset).or_default();
        let lo = self.days.index_of(first).unwrap_or(0);
        let hi = self
            .days
            .index_of(last)
            .unwrap_or(self.days.days().saturating_sub(1));
        for i in lo..=hi {
            if let (Some(t), Some(d)) = (target.get_mut(i), days.get(i)) {
                *t = *d;
            }
        }
        Ok(())
    }

    /// The partial of one asset-day.
    #[must_use]
    pub fn day(&self, asset: AssetId, date: NaiveDate) -> Option<&DayPartial> {
        let i = self.days.index_of(date)?;
        self.partials.get(&asset)?.get(i)
    }

    fn partials_of(
        &self,
        inputs: &KpiInputs<'_>,
        only: Option<AssetId>,
    ) -> Result<HashMap<AssetId, Vec<DayPartial>>, KpiError> {
        let n = self.days.days();
        let mut out: HashMap<AssetId, Vec<DayPartial>> = HashMap::new();
        let keep = |a: AssetId| only.is_none_or(|o| o == a);
        let known = |a: AssetId| -> Result<(), KpiError> {
            if self.assets.contains_key(&a) {
                Ok(())
            } else {
                Err(KpiError::UnknownAsset(a))
            }
        };
        let reversed = |what, asset, from: UtcMillis, to: UtcMillis| {
            if to.0 < from.0 {
                Err(KpiError::Reversed {
                    what,
                    asset,
                    from: from.0,
                    to: to.0,
                })
            } else {
                Ok(())
            }
        };
        // Validate everything first, so a bad record changes nothing.
        for o in inputs.operating.iter().filter(|o| keep(o.asset)) {
            known(o.asset)?;
            reversed("operating time", o.asset, o.from, o.to)?;
            let window_ms = o.to.0 - o.from.0;
            if o.run_ms < 0 || o.run_ms > window_ms {
                return Err(KpiError::RunTimeOutOfWindow {
                    asset: o.asset,
                    run_ms: o.run_ms,
                    window_ms,
                });
            }
            if o.run_ms != window_ms
                && o.to.0 > o.from.0
                && self.days.day_of(o.from.0) != self.days.day_of(o.to.0 - 1)
            {
                return Err(KpiError::TotalSpansDays { asset: o.asset });
            }
        }
        for d in inputs.down.iter().filter(|d| keep(d.asset)) {
            known(d.asset)?;
            reversed("down interval", d.asset, d.from, d.to)?;
        }
        for r in inputs.required.iter().filter(|r| keep(r.asset)) {
            known(r.asset)?;
            reversed("required time", r.asset, r.from, r.to)?;
        }
        for o in inputs.corrective.iter().filter(|o| keep(o.asset)) {
            known(o.asset)?;
        }
        for p in inputs.preventive.iter().filter(|p| keep(p.asset)) {
            known(p.asset)?;
        }
        for (i, r) in inputs
            .repairs
            .iter()
            .enumerate()
            .filter(|(_, r)| keep(r.asset))
        {
            known(r.asset)?;
            r.validate(i).map_err(|error| KpiError::Repair {
                asset: r.asset,
                error,
            })?;
        }

        for o in inputs.operating.iter().filter(|o| keep(o.asset)) {
            let days = slot(&mut out, o.asset, n);
            if o.run_ms == o.to.0 - o.from.0 {
                self.days
                    .split(o.from.0, o.to.0, |i, ms| days[i].run_ms += ms);
            } else if let Some(i) = self.days.day_of(o.from.0) {
                days[i].run_ms += o.run_ms;
            }
        }
        for d in inputs.down.iter().filter(|d| keep(d.asset)) {
            let days = slot(&mut out, d.asset, n);
            let c = cause_index(d.cause);
            self.days
                .split(d.from.0, d.to.0, |i, ms| days[i].down_ms[c] += ms);
            if let Some(i) = self.days.day_of(d.from.0) {
                days[i].down_events[c] += 1;
            }
        }
        // Required time, and internal downtime within it.
        let mut required: HashMap<AssetId, Vec<(i64, i64)>> = HashMap::new();
        for r in inputs.required.iter().filter(|r| keep(r.asset)) {
            required
                .entry(r.asset)
                .or_default()
                .push((r.from.0, r.to.0));
        }
        for (asset, v) in &mut required {
            v.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(v.len());
            for &(a, b) in v.iter() {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = std::cmp::max(last.1, b),
                    _ => merged.push((a, b)),
                }
            }
            *v = merged;
            let days = slot(&mut out, *asset, n);
            for &(a, b) in v.iter() {
                self.days.split(a, b, |i, ms| days[i].required_ms += ms);
            }
        }
        for d in inputs
            .down
            .iter()
            .filter(|d| keep(d.asset) && is_internal_cause(d.cause))
        {
            let Some(req) = required.get(&d.asset) else {
                continue;
            };
            let days = slot(&mut out, d.asset, n);
            let mut i = req.partition_point(|r| r.1 <= d.from.0);
            while i < req.len() && req[i].0 < d.to.0 {
                let a = std::cmp::max(req[i].0, d.from.0);
                let b = std::cmp::min(req[i].1, d.to.0);
                self.days
                    .split(a, b, |k, ms| days[k].internal_down_in_required_ms += ms);
                i += 1;
            }
        }
        let down: Vec<DownInterval> = inputs
            .down
            .iter()
            .filter(|d| keep(d.asset))
            .copied()
            .collect();
        let corrective: Vec<CorrectiveOrder> = inputs
            .corrective
            .iter()
            .filter(|o| keep(o.asset))
            .cloned()
            .collect();
        for f in identify_failures(
            &down,
            &corrective,
            self.options.rule,
            self.options.dedup_tolerance_ms,
        ) {
            if let Some(i) = self.days.day_of(f.at.0) {
                slot(&mut out, f.asset, n)[i].failures += 1;
            }
        }
        for o in &corrective {
            if let Some(i) = self.days.day_of(o.closed_at.0) {
                slot(&mut out, o.asset, n)[i].corrective_actions += 1;
            }
        }
        for p in inputs.preventive.iter().filter(|p| keep(p.asset)) {
            if let Some(i) = self.days.day_of(p.closed_at.0) {
                slot(&mut out, p.asset, n)[i].preventive_actions += 1;
            }
        }
        for r in inputs.repairs.iter().filter(|r| keep(r.asset)) {
            if let Some(i) = self.days.day_of(r.restored_at.0) {
                let day = &mut slot(&mut out, r.asset, n)[i];
                for s in MttrStart::ALL {
                    if let Some(ms) = r.duration_ms(*s) {
                        day.repair_ms[start_index(*s)] += ms;
                        day.repairs[start_index(*s)] += 1;
                    }
                }
            }
        }
        Ok(out)
    }

    fn in_scope(&self, scope: &Scope, a: &AssetInfo) -> bool {
        match scope {
            Scope::Asset(id) => a.asset == *id,
            Scope::Class(c) => a.class == *c,
            Scope::Site(s) => a.site == *s,
            Scope::All => true,
        }
    }

    /// The summed partial of a scope over `[first, last]` (clipped to the
    /// ledger's range), with the number of assets and calendar ms.
    #[must_use]
    pub fn sum(
        &self,
        scope: &Scope,
        first: NaiveDate,
        last: NaiveDate,
    ) -> (DayPartial, usize, i64) {
        let lo = if first <= self.days.first {
            0
        } else {
            self.days.index_of(first).unwrap_or(self.days.days())
        };
        let hi = if last < self.days.first {
            0
        } else {
            self.days.index_of(last).map_or(self.days.days(), |i| i + 1)
        };
        let lo = std::cmp::min(lo, hi);
        let mut total = DayPartial::default();
        let mut assets = 0;
        for a in self.assets.values().filter(|a| self.in_scope(scope, a)) {
            assets += 1;
            if let Some(days) = self.partials.get(&a.asset) {
                for d in days.iter().take(hi).skip(lo) {
                    total.combine(d);
                }
            }
        }
        let day_ms: i64 = (lo..hi).map(|i| self.days.day_ms(i)).sum();
        let calendar = i64::try_from(assets)
            .unwrap_or(i64::MAX)
            .saturating_mul(day_ms);
        (total, assets, calendar)
    }

    /// The KPIs of a scope over the local days `[first, last]`.
    #[must_use]
    pub fn kpis(&self, scope: Scope, first: NaiveDate, last: NaiveDate) -> Kpis {
        let (t, assets, calendar_ms) = self.sum(&scope, first, last);
        kpis_from(&t, scope, first, last, assets, calendar_ms, &self.options)
    }
}

/// The KPIs of an already summed partial (see [`KpiLedger::sum`]).
#[must_use]
pub fn kpis_from(
    t: &DayPartial,
    scope: Scope,
    first_day: NaiveDate,
    last_day: NaiveDate,
    assets: usize,
    calendar_ms: i64,
    options: &KpiOptions,
) -> Kpis {
    let operating_hours = ms_to_hours(t.run_ms);
    let failures = u64::from(t.failures);
    let mtbf = mtbf_figure(operating_hours, failures, options.confidence).unwrap_or(
        MtbfFigure::InsufficientData {
            failures,
            operating_hours,
            bounds: None,
        },
    );
    let s = start_index(options.mttr_start);
    let repairs = t.repairs[s];
    let mttr_hours = (repairs > 0).then(|| ms_to_hours(t.repair_ms[s]) / f64::from(repairs));
    let down_ms: i64 = DownCause::ALL
        .iter()
        .filter(|c| is_downtime_cause(**c))
        .map(|c| t.down_ms_of(*c))
        .sum();
    let down_events: u64 = DownCause::ALL
        .iter()
        .filter(|c| is_downtime_cause(**c))
        .map(|c| u64::from(t.down_events[cause_index(*c)]))
        .sum();
    let total_ms = calendar_ms - t.down_ms_of(DownCause::NoData);
    let idle_ms = total_ms - t.run_ms - down_ms;
    let availability_smrp = if idle_ms < 0 {
        Err(ReliabilityError::InvalidDuration {
            what: "run time plus downtime (overlapping records)",
            hours: ms_to_hours(t.run_ms + down_ms),
        })
    } else {
        availability::smrp_2_2(
            ms_to_hours(total_ms),
            ms_to_hours(idle_ms),
            ms_to_hours(down_ms),
        )
    };
    let availability_m10 = availability::en15341_m10(
        ms_to_hours(t.required_ms),
        ms_to_hours(t.internal_down_in_required_ms),
    );
    let availability_inherent = match (mtbf.mtbf_hours(), mttr_hours) {
        (Some(b), Some(r)) => availability::inherent(b, r),
        (None, _) => Err(ReliabilityError::Undefined("too few failures for an MTBF")),
        (_, None) => Err(ReliabilityError::Undefined("no repair for an MTTR")),
    };
    Kpis {
        scope,
        first_day,
        last_day,
        assets,
        rule: options.rule,
        totals: *t,
        calendar_hours: ms_to_hours(calendar_ms),
        operating_hours,
        failures,
        mtbf,
        mttr_start: options.mttr_start,
        repairs,
        mttr_hours,
        mtbm_hours: mtbm_hours(
            operating_hours,
            u64::from(t.corrective_actions) + u64::from(t.preventive_actions),
        ),
        mean_downtime_hours: mean_downtime_hours(ms_to_hours(down_ms), down_events),
        availability_smrp,
        availability_m10,
        availability_inherent,
    }
}

/// Cumulative run-hours of one asset at each instant of `at` (sorted or not):
/// exact for run intervals; a run-time total whose window contains the
/// instant counts pro rata of the window elapsed.
#[must_use]
pub fn cumulative_run_hours(operating: &[OperatingTime], at: &[UtcMillis]) -> Vec<f64> {
    at.iter()
        .map(|t| {
            let ms: f64 = operating
                .iter()
                .map(|o| {
                    if o.to.0 <= t.0 {
                        o.run_ms as f64
                    } else if o.from.0 >= t.0 || o.to.0 == o.from.0 {
                        0.0
                    } else {
                        o.run_ms as f64 * (t.0 - o.from.0) as f64 / (o.to.0 - o.from.0) as f64
                    }
                })
                .sum();
            ms / HOUR_MS as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reliability::repair::TtrComponents;

    const H: i64 = HOUR_MS;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// 2026-07-01 00:00 in Santiago (UTC−4 in July).
    fn t0() -> i64 {
        Zone::SANTIAGO.start_of_day(date("2026-07-01")).0
    }

    fn at(h: i64) -> UtcMillis {
        UtcMillis(t0() + h * H)
    }

    fn registry() -> Vec<AssetInfo> {
        vec![
            AssetInfo {
                asset: AssetId(1),
                site: SiteId(10),
                class: AssetClass("SP17".to_owned()),
            },
            AssetInfo {
                asset: AssetId(2),
                site: SiteId(10),
                class: AssetClass("SP17".to_owned()),
            },
            AssetInfo {
                asset: AssetId(3),
                site: SiteId(20),
                class: AssetClass("SP30".to_owned()),
            },
        ]
    }

    fn ledger(first: &str, last: &str) -> KpiLedger {
        KpiLedger::new(
            Zone::SANTIAGO,
            date(first),
            date(last),
            registry(),
            KpiOptions::default(),
        )
        .unwrap()
    }

    fn down(asset: i64, from: i64, to: i64, cause: DownCause) -> DownInterval {
        DownInterval {
            asset: AssetId(asset),
            from: at(from),
            to: at(to),
            cause,
        }
    }

    fn order(id: i64, asset: i64, failed: i64, code: Option<&str>) -> CorrectiveOrder {
        CorrectiveOrder {
            order: WorkOrderId(id),
            asset: AssetId(asset),
            failed_at: at(failed),
            closed_at: at(failed + 5),
            failure_code: code.map(str::to_owned),
        }
    }

    #[test]
    fn a_trip_and_the_order_that_repaired_it_are_one_failure() {
        let down = [
            down(1, 10, 12, DownCause::Trip),
            down(1, 12, 13, DownCause::Unknown), // touches: same stop
            down(1, 50, 51, DownCause::Planned), // never a failure
            down(1, 60, 61, DownCause::External),
            down(1, 70, 71, DownCause::NoData),
            down(1, 80, 82, DownCause::Trip),
        ];
        let orders = [
            order(100, 1, 11, Some("BRG")),  // inside the first stop
            order(101, 1, 13, Some("BRG")),  // same stop again
            order(102, 1, 83, Some("SEAL")), // within the tolerance after the 2nd trip
            order(103, 1, 200, Some("IMP")), // no interval: its own failure
            order(104, 1, 300, None),        // no failure code: not a failure
            order(105, 1, 301, Some("  ")),  // blank code: not a failure
        ];
        let f = identify_failures(&down, &orders, FailureRule::OrdersAndDownIntervals, H);
        assert_eq!(
            f.iter().map(|f| (f.at, f.source)).collect::<Vec<_>>(),
            vec![
                (
                    at(10),
                    FailureSource::Both(DownCause::Trip, WorkOrderId(100))
                ),
                (
                    at(80),
                    FailureSource::Both(DownCause::Trip, WorkOrderId(102))
                ),
                (at(200), FailureSource::Order(WorkOrderId(103))),
            ]
        );
        assert_eq!(
            identify_failures(&down, &orders, FailureRule::OrdersOnly, H).len(),
            4
        );
        assert_eq!(
            identify_failures(&down, &orders, FailureRule::DownIntervalsOnly, H).len(),
            2
        );
    }

    /// The fixture of issue 14's "Done when": a planned-maintenance interval, a
    /// trip and an external outage on one pump over one July day (24 h) with
    /// a required time of 06:00–22:00.
    ///
    /// Run 02:00–08:00 and 12:00–20:00 (14 h); planned 08:00–10:00; trip
    /// 10:00–11:00; external 20:00–23:00; the rest idle.
    /// SMRP 2.2: downtime 6 h, idle 24 − 14 − 6 = 4 h, A = 14 / 20.
    /// M10: required 16 h; internal downtime within it: planned 2 h + trip 1 h;
    /// external counts as available: A = 13 / 16.
    #[test]
    fn availability_matches_the_hand_computation_on_the_fixture() {
        let mut l = ledger("2026-07-01", "2026-07-01");
        let operating = [
            OperatingTime::interval(AssetId(1), at(2), at(8)),
            OperatingTime::interval(AssetId(1), at(12), at(20)),
        ];
        let down = [
            down(1, 8, 10, DownCause::Planned),
            down(1, 10, 11, DownCause::Trip),
            down(1, 20, 23, DownCause::External),
        ];
        let required = [RequiredTime {
            asset: AssetId(1),
            from: at(6),
            to: at(22),
        }];
        l.ingest(&KpiInputs {
            operating: &operating,
            down: &down,
            required: &required,
            ..KpiInputs::default()
        })
        .unwrap();
        let k = l.kpis(
            Scope::Asset(AssetId(1)),
            date("2026-07-01"),
            date("2026-07-01"),
        );
        assert_eq!(k.operating_hours, 14.0);
        assert_eq!(k.calendar_hours, 24.0);
        assert_eq!(k.failures, 1);
        assert_eq!(k.rule.as_str(), "orders_and_down_intervals");
        let smrp = k.availability_smrp.unwrap();
        assert!((smrp.value - 14.0 / 20.0).abs() < 1e-12);
        let m10 = k.availability_m10.unwrap();
        assert!((m10.value - 13.0 / 16.0).abs() < 1e-12);
        assert_eq!(k.mean_downtime_hours, Some(2.0));
        assert!(matches!(
            k.mtbf,
            MtbfFigure::InsufficientData { failures: 1, .. }
        ));
        assert!(k.availability_inherent.is_err());
    }

    #[test]
    fn mtbf_uses_run_hours_not_calendar_time_and_includes_the_censored_tail() {
        let mut l = ledger("2026-07-01", "2026-07-10");
        // Runs 12 h a day for 10 days = 120 run-hours; trips on days 2, 5 and 7.
        let operating: Vec<OperatingTime> = (0..10)
            .map(|d| OperatingTime::interval(AssetId(1), at(24 * d + 6), at(24 * d + 18)))
            .collect();
        let down = [
            down(1, 24 + 18, 24 + 19, DownCause::Trip),
            down(1, 4 * 24 + 18, 4 * 24 + 19, DownCause::Trip),
            down(1, 6 * 24 + 18, 6 * 24 + 20, DownCause::Trip),
        ];
        l.ingest(&KpiInputs {
            operating: &operating,
            down: &down,
            ..KpiInputs::default()
        })
        .unwrap();
        let k = l.kpis(
            Scope::Asset(AssetId(1)),
            date("2026-07-01"),
            date("2026-07-10"),
        );
        assert_eq!(k.operating_hours, 120.0);
        assert_eq!(k.failures, 3);
        assert_eq!(k.mtbf.mtbf_hours(), Some(40.0));
        let b = k.mtbf.bounds().unwrap();
        assert!(b.lower_hours < 40.0 && b.upper_hours.unwrap() > 40.0);
        // A window of the first 3 days: 36 run-hours, 1 failure.
        let w = l.kpis(
            Scope::Asset(AssetId(1)),
            date("2026-07-01"),
            date("2026-07-03"),
        );
        assert_eq!((w.operating_hours, w.failures), (36.0, 1));
    }

    #[test]
    fn class_and_site_figures_sum_their_assets() {
        let mut l = ledger("2026-07-01", "2026-07-02");
        let operating = [
            OperatingTime::interval(AssetId(1), at(0), at(10)),
            OperatingTime::interval(AssetId(2), at(0), at(20)),
            OperatingTime::interval(AssetId(3), at(0), at(30)),
        ];
        let orders = [
            order(1, 1, 5, Some("A")),
            order(2, 2, 6, Some("A")),
            order(3, 2, 7, Some("B")),
            order(4, 3, 8, Some("A")),
        ];
        l.ingest(&KpiInputs {
            operating: &operating,
            corrective: &orders,
            ..KpiInputs::default()
        })
        .unwrap();
        let class = l.kpis(
            Scope::Class(AssetClass("SP17".to_owned())),
            date("2026-07-01"),
            date("2026-07-02"),
        );
        assert_eq!(
            (class.assets, class.operating_hours, class.failures),
            (2, 30.0, 3)
        );
        assert_eq!(class.mtbf.mtbf_hours(), Some(10.0));
        assert_eq!(class.mtbm_hours, Some(10.0));
        let site = l.kpis(
            Scope::Site(SiteId(20)),
            date("2026-07-01"),
            date("2026-07-02"),
        );
        assert_eq!(
            (site.assets, site.operating_hours, site.failures),
            (1, 30.0, 1)
        );
        let all = l.kpis(Scope::All, date("2026-07-01"), date("2026-07-02"));
        assert_eq!((all.assets, all.failures), (3, 4));
        assert_eq!(all.calendar_hours, 3.0 * 48.0);
    }

    #[test]
    fn intervals_split_at_local_midnight_and_dst_days_are_23_or_25_hours() {
        // Santiago 2026-09-06 starts at 01:00 (00:00 skipped): a 23 h day.
        let mut l = KpiLedger::new(
            Zone::SANTIAGO,
            date("2026-09-05"),
            date("2026-09-06"),
            registry(),
            KpiOptions::default(),
        )
        .unwrap();
        let start = Zone::SANTIAGO.start_of_day(date("2026-09-05")).0;
        let operating = [OperatingTime::interval(
            AssetId(1),
            UtcMillis(start + 20 * H),
            UtcMillis(start + 30 * H),
        )];
        l.ingest(&KpiInputs {
            operating: &operating,
            ..KpiInputs::default()
        })
        .unwrap();
        assert_eq!(l.day(AssetId(1), date("2026-09-05")).unwrap().run_ms, 4 * H);
        assert_eq!(l.day(AssetId(1), date("2026-09-06")).unwrap().run_ms, 6 * H);
        let k = l.kpis(
            Scope::Asset(AssetId(1)),
            date("2026-09-06"),
            date("2026-09-06"),
        );
        assert_eq!(k.calendar_hours, 23.0);
    }

    #[test]
    fn recomputing_a_backfilled_day_replaces_only_that_day() {
        let mut l = ledger("2026-07-01", "2026-07-03");
        let first = [
            OperatingTime::interval(AssetId(1), at(1), at(5)),
            OperatingTime::interval(AssetId(1), at(25), at(29)),
        ];
        l.ingest(&KpiInputs {
            operating: &first,
            ..KpiInputs::default()
        })
        .unwrap();
        // Backfill: day 2 actually ran 10 h and tripped once.
        let day2 = [OperatingTime::interval(AssetId(1), at(25), at(35))];
        let trip = [down(1, 35, 36, DownCause::Trip)];
        l.recompute(
            AssetId(1),
            date("2026-07-02"),
            date("2026-07-02"),
            &KpiInputs {
                operating: &day2,
                down: &trip,
                ..KpiInputs::default()
            },
        )
        .unwrap();
        assert_eq!(l.day(AssetId(1), date("2026-07-01")).unwrap().run_ms, 4 * H);
        assert_eq!(
            l.day(AssetId(1), date("2026-07-02")).unwrap().run_ms,
            10 * H
        );
        let k = l.kpis(
            Scope::Asset(AssetId(1)),
            date("2026-07-01"),
            date("2026-07-03"),
        );
        assert_eq!((k.operating_hours, k.failures), (14.0, 1));
    }

    #[test]
    fn mttr_in_the_kpis_follows_the_configured_start_event() {
        let repair = RepairEvent {
            asset: AssetId(1),
            failed_at: at(10),
            order_created_at: Some(at(11)),
            technician_arrived_at: Some(at(13)),
            restored_at: at(16),
            components: TtrComponents::default(),
        };
        for (start, expected) in [
            (MttrStart::Failure, 6.0),
            (MttrStart::OrderCreated, 5.0),
            (MttrStart::TechnicianArrival, 3.0),
        ] {
            let mut l = KpiLedger::new(
                Zone::SANTIAGO,
                date("2026-07-01"),
                date("2026-07-01"),
                registry(),
                KpiOptions {
                    mttr_start: start,
                    ..KpiOptions::default()
                },
            )
            .unwrap();
            l.ingest(&KpiInputs {
                repairs: &[repair],
                ..KpiInputs::default()
            })
            .unwrap();
            let k = l.kpis(
                Scope::Asset(AssetId(1)),
                date("2026-07-01"),
                date("2026-07-01"),
            );
            assert_eq!((k.mttr_start, k.mttr_hours), (start, Some(expected)));
        }
    }

    #[test]
    fn bad_records_are_refused_and_change_nothing() {
        let mut l = ledger("2026-07-01", "2026-07-02");
        let good = [OperatingTime::interval(AssetId(1), at(1), at(2))];
        let unknown = [OperatingTime::interval(AssetId(9), at(1), at(2))];
        let err = l.ingest(&KpiInputs {
            operating: &[good[0], unknown[0]],
            ..KpiInputs::default()
        });
        assert_eq!(err, Err(KpiError::UnknownAsset(AssetId(9))));
        assert_eq!(l.day(AssetId(1), date("2026-07-01")).unwrap().run_ms, 0);
        let too_much = OperatingTime {
            asset: AssetId(1),
            from: at(1),
            to: at(2),
            run_ms: 2 * H,
        };
        assert!(matches!(
            l.ingest(&KpiInputs {
                operating: &[too_much],
                ..KpiInputs::default()
            }),
            Err(KpiError::RunTimeOutOfWindow { .. })
        ));
        let spans = OperatingTime {
            asset: AssetId(1),
            from: at(20),
            to: at(30),
            run_ms: H,
        };
        assert_eq!(
            l.ingest(&KpiInputs {
                operating: &[spans],
                ..KpiInputs::default()
            }),
            Err(KpiError::TotalSpansDays { asset: AssetId(1) })
        );
        assert!(matches!(
            l.ingest(&KpiInputs {
                down: &[down(1, 5, 4, DownCause::Trip)],
                ..KpiInputs::default()
            }),
            Err(KpiError::Reversed { .. })
        ));
    }

    #[test]
    fn partials_combine_associatively_with_an_identity() {
        let a = DayPartial {
            run_ms: 5,
            failures: 1,
            down_ms: [1, 2, 3, 4, 5],
            ..DayPartial::default()
        };
        let b = DayPartial {
            run_ms: 7,
            repairs: [1, 0, 1],
            required_ms: 9,
            ..DayPartial::default()
        };
        let c = DayPartial {
            preventive_actions: 2,
            down_events: [1, 0, 0, 0, 1],
            ..DayPartial::default()
        };
        let mut ab_c = a;
        ab_c.combine(&b);
        ab_c.combine(&c);
        let mut bc = b;
        bc.combine(&c);
        let mut a_bc = a;
        a_bc.combine(&bc);
        assert_eq!(ab_c, a_bc);
        let mut a0 = a;
        a0.combine(&DayPartial::default());
        assert_eq!(a0, a);
    }

    #[test]
    fn cumulative_run_hours_at_failures() {
        let op = [
            OperatingTime::interval(AssetId(1), at(0), at(10)),
            OperatingTime::interval(AssetId(1), at(20), at(30)),
        ];
        assert_eq!(
            cumulative_run_hours(&op, &[at(5), at(15), at(25), at(40)]),
            vec![5.0, 10.0, 15.0, 20.0]
        );
    }
}
