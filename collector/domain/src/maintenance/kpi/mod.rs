//! Maintenance KPIs, each named by the definition it follows (reference
//! `maintenance-reliability.md` §1).
//!
//! # Backlog in crew-weeks ([`backlog`])
//!
//! Backlog is measured in estimated labour hours and expressed in
//! crew-weeks: backlog hours / weekly *available* crew hours (Reliabilityweb
//! "backlog"; target 4 ± 2 weeks), split into total and ready backlog
//! (SMRP 5.4.8 / 5.4.9).
//! - Hours: the remaining estimate of every open order (requested,
//!   approved, assigned, in progress, on hold): its estimate less labour
//!   already logged, never below zero ([`WorkOrder::remaining_minutes`]).
//!   Orders without an estimate add no hours and are counted in
//!   `without_estimate`, never silently.
//! - Ready: approved or assigned, not yet started (Caudal tracks no
//!   materials, so "ready to schedule" means approved and waiting to start).
//! - Weekly available crew hours: the sum over the technicians given of
//!   their working time in the seven days from `now` (shifts less leave,
//!   [`Availability::working_ms`](crate::maintenance::assign::Availability::working_ms)),
//!   so holidays and training booked as leave are excluded. For a site's
//!   backlog pass that site's orders and the technicians serving it.
//!
//! # PM compliance (SMRP 5.4.14, [`pm_compliance`])
//!
//! PM compliance = PM and PdM work orders completed on time / PM and PdM
//! work orders due in the period (target ≥ 90 %). Counted: orders of kind
//! preventive, predictive or inspection (an inspection is a time-based PM
//! task) with a required date in the period: the plan's required date
//! ([`PmInfo`](crate::maintenance::work_order::PmInfo)), or else the local
//! date of `due_at`. "On time" is one of SMRP's published variants
//! ([`OnTime`]):
//! - completed by the required date;
//! - by the required date + 1 day;
//! - by the required date + 20 % of the PM frequency, at most 28 days,
//!   using the published grace table (**the default**, [`OnTime::GraceTable`]):
//!   1 wk → 1 d, 2 wk → 3 d, 4 wk / 1 mo → 6 d, 6 wk → 8 d, 8 wk → 11 d,
//!   2 mo → 12 d, 3 mo → 18 d, 4 mo → 24 d, 6 mo or more → 28 d; a frequency
//!   between rows takes the row below it, one under a week gets no grace;
//! - or the same 20 % computed (rounded to whole days, capped at 28), which
//!   reproduces every row of the table;
//! - or the "10 % rule" (Plant Services): 10 % of the frequency, rounded.
//!
//! (Table and variants as quoted from SMRP by mygeekdaddy.net, "Maximo
//! version of SMRP PM compliance".) An order without a known frequency gets
//! no grace and is counted in `no_frequency`. Completion is the
//! technician's completion (completed or closed), compared as local dates.
//! Cancelled orders are left out and counted. An order not completed whose
//! grace has not yet run out at `as_of` is *pending*: left out of both
//! numerator and denominator until it is decided. Occurrences a fixed plan
//! skipped generated no order and are not counted (the plan state keeps
//! their number).
//!
//! # Orders by state, kind and priority ([`order_counts`]); overdue orders ([`overdue`])
//!
//! Overdue: an open order (requested to on hold) whose `due_at` has passed.
//! A completed order waiting for review is not overdue: the work is done.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::maintenance::assign::{Technician, WEEK_MS};
use crate::maintenance::plan::MONTH_DAYS;
use crate::maintenance::work_order::{Priority, WorkKind, WorkOrder, WorkState};
use crate::{AssetId, HOUR_MS, SiteId, UserId, UtcMillis, WorkOrderId, Zone};

/// The backlog.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backlog {
    /// Remaining estimated hours of open orders.
    pub total_hours: f64,
    /// Of which ready (approved or assigned, not started).
    pub ready_hours: f64,
    /// Open orders.
    pub total_orders: u32,
    /// Ready orders.
    pub ready_orders: u32,
    /// Open orders without an estimate (no hours counted).
    pub without_estimate: u32,
    /// Working hours of the crew in the seven days from `now`.
    pub weekly_crew_hours: f64,
    /// Total backlog in crew-weeks; `None` without crew hours.
    pub total_crew_weeks: Option<f64>,
    /// Ready backlog in crew-weeks; `None` without crew hours.
    pub ready_crew_weeks: Option<f64>,
}

/// The backlog of `orders` against the crew `technicians` (module docs).
pub fn backlog<'a>(
    orders: impl IntoIterator<Item = &'a WorkOrder>,
    technicians: &[Technician],
    now: UtcMillis,
) -> Backlog {
    let mut total_min = 0u64;
    let mut ready_min = 0u64;
    let mut total_orders = 0;
    let mut ready_orders = 0;
    let mut without_estimate = 0;
    for o in orders {
        if !o.state.is_open() {
            continue;
        }
        let ready = matches!(o.state, WorkState::Approved | WorkState::Assigned);
        total_orders += 1;
        if ready {
            ready_orders += 1;
        }
        match o.remaining_minutes() {
            Some(m) => {
                total_min += m;
                if ready {
                    ready_min += m;
                }
            }
            None => without_estimate += 1,
        }
    }
    let until = UtcMillis(now.0.saturating_add(WEEK_MS));
    let crew_ms: i64 = technicians
        .iter()
        .map(|t| t.availability.working_ms(now, until))
        .sum();
    let (total_hours, ready_hours, weekly_crew_hours) = (
        total_min as f64 / 60.0,
        ready_min as f64 / 60.0,
        crew_ms as f64 / HOUR_MS as f64,
    );
    let weeks = |h: f64| (weekly_crew_hours > 0.0).then(|| h / weekly_crew_hours);
    Backlog {
        total_hours,
        ready_hours,
        total_orders,
        ready_orders,
        without_estimate,
        weekly_crew_hours,
        total_crew_weeks: weeks(total_hours),
        ready_crew_weeks: weeks(ready_hours),
    }
}

/// Which published definition of "completed on time" PM compliance uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnTime {
    /// By the required date.
    RequiredDate,
    /// By the required date + 1 day.
    RequiredDatePlusOneDay,
    /// By the required date + the grace of SMRP's published table (default).
    #[default]
    GraceTable,
    /// By the required date + 20 % of the frequency, rounded, at most 28 days.
    TwentyPercentCapped,
    /// By the required date + 10 % of the frequency, rounded (the "10 % rule").
    TenPercent,
}

/// SMRP's grace table: (frequency in days, grace in days), ascending.
pub const GRACE_TABLE: [(f64, u32); 10] = [
    (7.0, 1),
    (14.0, 3),
    (28.0, 6),
    (MONTH_DAYS, 6),
    (42.0, 8),
    (56.0, 11),
    (2.0 * MONTH_DAYS, 12),
    (3.0 * MONTH_DAYS, 18),
    (4.0 * MONTH_DAYS, 24),
    (6.0 * MONTH_DAYS, 28),
];

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a non-negative rounded day count clamped to 0..=u32::MAX"
)]
fn round_days(x: f64) -> u32 {
    x.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The grace in days a rule gives an order of a frequency (none without one).
#[must_use]
pub fn grace_days(rule: OnTime, frequency_days: Option<f64>) -> u32 {
    let f = frequency_days.filter(|f| f.is_finite() && *f > 0.0);
    match rule {
        OnTime::RequiredDate => 0,
        OnTime::RequiredDatePlusOneDay => 1,
        OnTime::GraceTable => f.map_or(0, |f| {
            GRACE_TABLE
                .iter()
                .rev()
                .find(|(freq, _)| f >= *freq)
                .map_or(0, |(_, g)| *g)
        }),
        OnTime::TwentyPercentCapped => f.map_or(0, |f| std::cmp::min(round_days(0.2 * f), 28)),
        OnTime::TenPercent => f.map_or(0, |f| round_days(0.1 * f)),
    }
}

/// PM compliance over a period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PmCompliance {
    /// The definition of on time.
    pub rule: OnTime,
    /// Orders due in the period and decided: on time + late + missed.
    pub due: u32,
    /// Completed within the grace.
    pub on_time: u32,
    /// Completed after the grace.
    pub late: u32,
    /// Not completed, grace over.
    pub missed: u32,
    /// Not completed, grace not over at `as_of` (left out).
    pub pending: u32,
    /// Cancelled (left out).
    pub cancelled: u32,
    /// Counted orders without a known frequency (no grace given).
    pub no_frequency: u32,
    /// `on_time / due`; `None` when nothing was due.
    pub ratio: Option<f64>,
}

fn required_date(o: &WorkOrder, zone: Zone) -> Option<NaiveDate> {
    if let Some(pm) = &o.pm {
        return Some(pm.required);
    }
    o.due_at.map(|d| zone.date(UtcMillis(d.0 - 1)))
}

/// PM compliance for orders with a required date from `from` to `to`
/// (local dates, inclusive), as known at `as_of` (module docs).
pub fn pm_compliance<'a>(
    orders: impl IntoIterator<Item = &'a WorkOrder>,
    from: NaiveDate,
    to: NaiveDate,
    zone: Zone,
    rule: OnTime,
    as_of: UtcMillis,
) -> PmCompliance {
    let mut k = PmCompliance {
        rule,
        due: 0,
        on_time: 0,
        late: 0,
        missed: 0,
        pending: 0,
        cancelled: 0,
        no_frequency: 0,
        ratio: None,
    };
    let today = zone.date(as_of);
    for o in orders {
        if !matches!(
            o.kind,
            WorkKind::Preventive | WorkKind::Predictive | WorkKind::Inspection
        ) {
            continue;
        }
        let Some(required) = required_date(o, zone) else {
            continue;
        };
        if required < from || required > to {
            continue;
        }
        if o.state == WorkState::Cancelled {
            k.cancelled += 1;
            continue;
        }
        let frequency = o.pm.and_then(|p| p.frequency_days);
        if frequency.is_none() {
            k.no_frequency += 1;
        }
        let deadline = required
            .checked_add_days(Days::new(u64::from(grace_days(rule, frequency))))
            .unwrap_or(NaiveDate::MAX);
        match o.completed_at.filter(|c| *c <= as_of) {
            Some(c) if zone.date(c) <= deadline => k.on_time += 1,
            Some(_) => k.late += 1,
            None if today > deadline => k.missed += 1,
            None => k.pending += 1,
        }
    }
    k.due = k.on_time + k.late + k.missed;
    k.ratio = (k.due > 0).then(|| f64::from(k.on_time) / f64::from(k.due));
    k
}

/// Orders counted by state, kind and priority.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderCounts {
    /// All orders.
    pub total: u32,
    /// By state.
    pub by_state: BTreeMap<WorkState, u32>,
    /// By kind.
    pub by_kind: BTreeMap<WorkKind, u32>,
    /// By priority.
    pub by_priority: BTreeMap<Priority, u32>,
    /// By all three.
    pub by_all: BTreeMap<(WorkState, WorkKind, Priority), u32>,
}

/// Count orders by state, kind and priority.
pub fn order_counts<'a>(orders: impl IntoIterator<Item = &'a WorkOrder>) -> OrderCounts {
    let mut c = OrderCounts::default();
    for o in orders {
        c.total += 1;
        *c.by_state.entry(o.state).or_insert(0) += 1;
        *c.by_kind.entry(o.kind).or_insert(0) += 1;
        *c.by_priority.entry(o.priority).or_insert(0) += 1;
        *c.by_all.entry((o.state, o.kind, o.priority)).or_insert(0) += 1;
    }
    c
}

/// An overdue order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overdue {
    /// The order.
    pub id: WorkOrderId,
    /// Its asset.
    pub asset: AssetId,
    /// Its site.
    pub site: SiteId,
    /// Its kind.
    pub kind: WorkKind,
    /// Its priority.
    pub priority: Priority,
    /// Its state.
    pub state: WorkState,
    /// Its technician.
    pub assignee: Option<UserId>,
    /// When it was due.
    pub due_at: UtcMillis,
    /// How long ago, ms.
    pub overdue_ms: i64,
}

/// Open orders past their due time: most overdue first, then the most
/// urgent, then by id.
pub fn overdue<'a>(
    orders: impl IntoIterator<Item = &'a WorkOrder>,
    now: UtcMillis,
) -> Vec<Overdue> {
    let mut out: Vec<Overdue> = orders
        .into_iter()
        .filter(|o| o.state.is_open())
        .filter_map(|o| {
            let due = o.due_at?;
            (due < now).then_some(Overdue {
                id: o.id,
                asset: o.asset,
                site: o.site,
                kind: o.kind,
                priority: o.priority,
                state: o.state,
                assignee: o.assignee,
                due_at: due,
                overdue_ms: now.0 - due.0,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.overdue_ms
            .cmp(&a.overdue_ms)
            .then(b.priority.cmp(&a.priority))
            .then(a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests;
