//! The state of a plan for one asset, its evaluation and what completing an
//! order does to it (rules in [`super`]).

use chrono::{Days, NaiveDate};

use super::{Anchor, MeterTrigger, Meters, Plan};
use crate::maintenance::work_order::{Actor, NewWorkOrder, NoteBody, Origin, PmInfo, WorkState};
use crate::{AssetId, MeterKind, PlanId, SiteId, UtcMillis};

/// A plan's state for one asset: what the store persists, and writes in the
/// same transaction as each order the plan generates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanState {
    /// The plan.
    pub plan: PlanId,
    /// The asset.
    pub asset: AssetId,
    /// The asset's site.
    pub site: SiteId,
    /// Orders generated so far: the last order's occurrence number.
    pub seq: u32,
    /// The occurrence number of the open order, if one is open.
    pub open: Option<u32>,
    /// Fixed plans: the grid index of the next calendar occurrence.
    pub cal_k: u32,
    /// The next calendar due date.
    pub next_due: Option<NaiveDate>,
    /// Fixed plans: the grid index of the next meter threshold.
    pub meter_k: u32,
    /// The next meter threshold (`None` until the meter has a reading).
    pub next_threshold: Option<f64>,
    /// Occurrences skipped since the plan started (fixed plans).
    pub skipped_total: u32,
    /// Occurrences skipped since the last generated order (reported on the next).
    pub skipped_pending: u32,
}

/// What the evaluation of a plan for an asset decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// The plan is inactive.
    Inactive,
    /// An order of the plan is open: nothing is generated (one open order per plan).
    Open {
        /// Its occurrence number.
        seq: u32,
    },
    /// Not due yet.
    NotDue(NotDue),
    /// Not due, but the meter got its first reading: persist the state.
    Arm(PlanState),
    /// Generate an order: insert `order` and persist `state` in one transaction.
    Generate(Box<Generation>),
}

/// Why a plan is not due, and when it will be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NotDue {
    /// The next due date (calendar).
    pub next_due: Option<NaiveDate>,
    /// The next threshold (meter).
    pub next_threshold: Option<(MeterKind, f64)>,
    /// The meter trigger could not be evaluated: no reading of this meter.
    pub meter_missing: Option<MeterKind>,
}

/// What fired.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fired {
    /// The calendar due date that was reached.
    pub calendar: Option<NaiveDate>,
    /// The meter threshold that was reached.
    pub meter: Option<(MeterKind, f64)>,
}

/// An order to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// The plan's new state.
    pub state: PlanState,
    /// The order (its origin key is unique in the store).
    pub order: NewWorkOrder,
    /// Its occurrence number.
    pub seq: u32,
    /// What fired (both, when both were reached).
    pub fired: Fired,
    /// Occurrences skipped since the previous order.
    pub skipped: u32,
}

/// What [`PlanState::on_order_done`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoneOutcome {
    /// The plan counts from this completion; `skipped` occurrences came due
    /// while the order was open (fixed plans).
    Recorded {
        /// Occurrences skipped.
        skipped: u32,
    },
    /// The order was not this plan's open order (a replay): nothing changed.
    NotOpen,
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "clamped to the u32 range first; callers correct the estimate by stepping"
)]
fn floor_u32(x: f64) -> u32 {
    if x.is_nan() {
        return 0;
    }
    x.floor().clamp(0.0, f64::from(u32::MAX - 1)) as u32
}

fn threshold(m: &MeterTrigger, k: u32) -> f64 {
    m.grid_base + f64::from(k) * m.every
}

/// The first grid index k ≥ 1 whose threshold is above `reading`.
fn first_above(m: &MeterTrigger, reading: f64) -> u32 {
    let mut k = std::cmp::max(
        floor_u32((reading - m.grid_base) / m.every).saturating_add(1),
        1,
    );
    while k > 1 && threshold(m, k - 1) > reading {
        k -= 1;
    }
    while k < u32::MAX - 1 && threshold(m, k) <= reading {
        k += 1;
    }
    k
}

/// The last grid index k ≥ `from` with `threshold(k) − offset ≤ reading`;
/// `from` itself when even it is not reached.
fn last_reached(m: &MeterTrigger, from: u32, offset: f64, reading: f64) -> u32 {
    let mut k = std::cmp::max(floor_u32((reading + offset - m.grid_base) / m.every), from);
    while k > from && threshold(m, k) - offset > reading {
        k -= 1;
    }
    while k < u32::MAX - 1 && threshold(m, k + 1) - offset <= reading {
        k += 1;
    }
    k
}

impl PlanState {
    /// The state of a plan for an asset when it starts (see [`super`] for
    /// the first due date and threshold).
    #[must_use]
    pub fn start(
        plan: &Plan,
        asset: AssetId,
        site: SiteId,
        meters: &Meters,
        now: UtcMillis,
    ) -> PlanState {
        let mut s = PlanState {
            plan: plan.id(),
            asset,
            site,
            seq: 0,
            open: None,
            cal_k: 0,
            next_due: None,
            meter_k: 0,
            next_threshold: None,
            skipped_total: 0,
            skipped_pending: 0,
        };
        s.set_cursors(plan, meters, now);
        s
    }

    /// The state after the plan's triggers were edited: the occurrence
    /// numbers, the open order and the skip counts carry over (so keys never
    /// repeat); the next due date and threshold are counted afresh as at
    /// [`PlanState::start`].
    #[must_use]
    pub fn restart(&self, plan: &Plan, meters: &Meters, now: UtcMillis) -> PlanState {
        let mut s = PlanState {
            cal_k: 0,
            next_due: None,
            meter_k: 0,
            next_threshold: None,
            ..*self
        };
        s.set_cursors(plan, meters, now);
        s
    }

    fn set_cursors(&mut self, plan: &Plan, meters: &Meters, now: UtcMillis) {
        let spec = plan.spec();
        let today = spec.zone.date(now);
        if let Some(grid) = plan.grid() {
            let first = std::cmp::max(spec.start, today);
            match spec.anchor {
                Anchor::Fixed => {
                    self.cal_k = grid.first_on_or_after(first);
                    self.next_due = grid.date(self.cal_k);
                }
                Anchor::Floating => self.next_due = Some(first),
            }
        }
        if let Some(m) = &spec.meter
            && let Some(r) = meters.value(m.meter)
        {
            self.arm(spec.anchor, m, r);
        }
    }

    fn arm(&mut self, anchor: Anchor, m: &MeterTrigger, reading: f64) {
        match anchor {
            Anchor::Fixed => {
                self.meter_k = first_above(m, reading);
                self.next_threshold = Some(threshold(m, self.meter_k));
            }
            Anchor::Floating => self.next_threshold = Some(reading + m.every),
        }
    }

    /// The reading of the plan's meter at which it fires (threshold − lead),
    /// while no order is open: the store can keep it in an indexed column
    /// and evaluate the plan when a new reading reaches it.
    #[must_use]
    pub fn armed_reading(&self, plan: &Plan) -> Option<(MeterKind, f64)> {
        let spec = plan.spec();
        if self.open.is_some() || !spec.active {
            return None;
        }
        let m = spec.meter.as_ref()?;
        self.next_threshold.map(|t| (m.meter, t - m.lead))
    }

    /// An order of the plan was completed (or cancelled) at `at`, with the
    /// asset's meters then: the plan counts from here. Fixed plans consume
    /// the grid points that came due while the order was open and count them
    /// as skipped; floating plans count the next occurrence from this date
    /// and reading. A `seq` that is not the open order changes nothing, so a
    /// replayed completion is harmless.
    pub fn on_order_done(
        &mut self,
        plan: &Plan,
        seq: u32,
        at: UtcMillis,
        meters: &Meters,
    ) -> DoneOutcome {
        if self.open != Some(seq) {
            return DoneOutcome::NotOpen;
        }
        self.open = None;
        let spec = plan.spec();
        let day = spec.zone.date(at);
        let mut skipped = 0;
        if let (Some(c), Some(grid)) = (&spec.calendar, plan.grid()) {
            match spec.anchor {
                Anchor::Fixed => {
                    if let Some(k) = grid.last_at_or_before(day)
                        && k >= self.cal_k
                    {
                        skipped += k + 1 - self.cal_k;
                        self.cal_k = k + 1;
                        self.next_due = grid.date(self.cal_k);
                    }
                }
                Anchor::Floating => self.next_due = c.every.add(day, 1),
            }
        }
        if let Some(m) = &spec.meter {
            let reading = meters.value(m.meter);
            match (spec.anchor, reading) {
                (Anchor::Fixed, Some(r)) => {
                    if self.next_threshold.is_none() {
                        self.arm(Anchor::Fixed, m, r);
                    } else if threshold(m, self.meter_k) <= r {
                        let k = last_reached(m, self.meter_k, 0.0, r);
                        skipped += k + 1 - self.meter_k;
                        self.meter_k = k + 1;
                        self.next_threshold = Some(threshold(m, self.meter_k));
                    }
                }
                (Anchor::Fixed, None) => {}
                (Anchor::Floating, r) => self.next_threshold = r.map(|r| r + m.every),
            }
        }
        self.skipped_total = self.skipped_total.saturating_add(skipped);
        self.skipped_pending = self.skipped_pending.saturating_add(skipped);
        DoneOutcome::Recorded { skipped }
    }
}

/// Whether a new reading of `kind` calls for [`evaluate`] at once: it
/// reaches the armed reading, or the meter had no reading yet (to arm it).
#[must_use]
pub fn meter_crossed(plan: &Plan, state: &PlanState, kind: MeterKind, reading: f64) -> bool {
    let spec = plan.spec();
    if !spec.active || state.open.is_some() || !reading.is_finite() {
        return false;
    }
    match &spec.meter {
        Some(m) if m.meter == kind => match state.next_threshold {
            None => true,
            Some(t) => reading >= t - m.lead,
        },
        _ => false,
    }
}

/// Evaluate a plan for one asset at `now` with the asset's current meters
/// (the daily 06:00 job, and the meter-crossing path). Pure: the same inputs
/// always give the same decision, including the same occurrence number.
#[must_use]
pub fn evaluate(plan: &Plan, state: &PlanState, meters: &Meters, now: UtcMillis) -> Decision {
    let spec = plan.spec();
    if !spec.active {
        return Decision::Inactive;
    }
    if let Some(seq) = state.open {
        return Decision::Open { seq };
    }
    let today = spec.zone.date(now);
    let mut st = *state;
    let mut armed = false;
    if let Some(m) = &spec.meter
        && st.next_threshold.is_none()
        && let Some(r) = meters.value(m.meter)
    {
        st.arm(spec.anchor, m, r);
        armed = true;
    }

    let mut skipped = 0;
    let mut cal_fired = None;
    if let (Some(c), Some(grid), Some(due)) = (&spec.calendar, plan.grid(), st.next_due)
        && let Some(horizon) = today.checked_add_days(Days::new(u64::from(c.lead_days)))
        && due <= horizon
    {
        match spec.anchor {
            Anchor::Fixed => {
                let k = std::cmp::max(grid.last_at_or_before(horizon).unwrap_or(0), st.cal_k);
                skipped += k - st.cal_k;
                cal_fired = grid.date(k);
                st.cal_k = k + 1;
                st.next_due = grid.date(st.cal_k);
            }
            Anchor::Floating => cal_fired = Some(due),
        }
    }

    let mut meter_fired = None;
    let mut meter_missing = None;
    let mut reading = None;
    if let Some(m) = &spec.meter {
        match (st.next_threshold, meters.get(m.meter)) {
            (Some(th), Some(r)) if r.value >= th - m.lead => {
                reading = Some(r);
                match spec.anchor {
                    Anchor::Fixed => {
                        let k = last_reached(m, st.meter_k, m.lead, r.value);
                        skipped += k - st.meter_k;
                        meter_fired = Some(threshold(m, k));
                        st.meter_k = k + 1;
                        st.next_threshold = Some(threshold(m, st.meter_k));
                    }
                    Anchor::Floating => meter_fired = Some(th),
                }
            }
            (_, None) => meter_missing = Some(m.meter),
            _ => {}
        }
    }

    if cal_fired.is_none() && meter_fired.is_none() {
        if armed {
            return Decision::Arm(st);
        }
        return Decision::NotDue(NotDue {
            next_due: st.next_due,
            next_threshold: spec
                .meter
                .as_ref()
                .and_then(|m| st.next_threshold.map(|t| (m.meter, t))),
            meter_missing,
        });
    }

    // The required date: the calendar's due date; for a meter, today when
    // the threshold is passed, else the day the usage rate reaches it.
    let meter_required = match (meter_fired, reading) {
        (Some(t), Some(r)) if r.value < t => r
            .usage
            .filter(|u| u.per_day > 0.0)
            .and_then(|u| {
                let days = ((t - r.value) / u.per_day).ceil();
                today.checked_add_days(Days::new(u64::from(floor_u32(days))))
            })
            .or(Some(today)),
        (Some(_), _) => Some(today),
        (None, _) => None,
    };
    let required = match (cal_fired, meter_required) {
        (Some(c), Some(m)) => std::cmp::min(c, m),
        (c, m) => c.or(m).unwrap_or(today),
    };

    let seq = st.seq + 1;
    st.seq = seq;
    st.open = Some(seq);
    st.skipped_total = st.skipped_total.saturating_add(skipped);
    let skipped = st.skipped_pending.saturating_add(skipped);
    st.skipped_pending = 0;

    let usage = spec
        .meter
        .as_ref()
        .and_then(|m| meters.get(m.meter))
        .and_then(|r| r.usage);
    let order = NewWorkOrder {
        kind: spec.kind,
        priority: spec.priority,
        state: WorkState::Approved,
        title: spec.name.clone(),
        description: spec.description.clone(),
        asset: st.asset,
        site: st.site,
        origin: Origin::Plan { plan: spec.id, seq },
        created_at: now,
        created_by: Actor::System,
        skill: spec.skill.clone(),
        estimated_minutes: (spec.estimated_minutes > 0).then_some(spec.estimated_minutes),
        due_at: required.succ_opt().map(|d| spec.zone.start_of_day(d)),
        pm: Some(PmInfo {
            required,
            frequency_days: plan.frequency_days(usage),
        }),
        checklist: spec.checklist,
        notes: if skipped > 0 {
            vec![NoteBody::OccurrencesSkipped { count: skipped }]
        } else {
            Vec::new()
        },
    };
    Decision::Generate(Box::new(Generation {
        state: st,
        order,
        seq,
        fired: Fired {
            calendar: cal_fired,
            meter: spec
                .meter
                .as_ref()
                .and_then(|m| meter_fired.map(|t| (m.meter, t))),
        },
        skipped,
    }))
}
