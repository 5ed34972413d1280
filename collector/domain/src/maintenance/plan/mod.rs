//! Preventive plans: triggers by calendar, by live meter, or both
//! (whichever comes first), lead times, fixed and floating anchors, one
//! open order per plan and asset, and projections.
//!
//! # Triggers
//!
//! - **Calendar**: every N days, weeks or months ([`Every`]), counted in
//!   local dates of the plan's zone (default America/Santiago), so a
//!   daylight-saving change never doubles or skips a due date. A date is
//!   "reached" from the first instant of the day `due − lead_days`.
//! - **Meter**: every N run-hours, m³ pumped or starts ([`MeterTrigger`]),
//!   from the life-to-date values the caller supplies from the live meters
//!   ([`Meters`]). A threshold is reached when the reading is at least
//!   `threshold − lead`.
//! - **Both**: the order is generated when either is reached, whichever
//!   comes first (Maximo's default; Fiix's ANY); after the service both
//!   counts restart as below.
//!
//! # Anchors (reference §2: Odoo `repeat_anchor`, Maximo "use last WO's start date", Fiix fixed/floating)
//!
//! - **Fixed**: due dates sit on the grid `start + k × interval` (k ≥ 0) and
//!   thresholds on `grid_base + k × interval` (k ≥ 1). An occurrence that
//!   came due while the previous order was still open is **skipped** and
//!   counted (Odoo: "N occurrence(s) skipped"): when the order is done
//!   ([`PlanState::on_order_done`]) every grid point at or before the
//!   completion date (or reading) is consumed. When several grid points were
//!   reached while no order was open (the collector was down, or a backfill
//!   moved the meter past two thresholds) one order is generated, for the
//!   latest, and the earlier ones are skipped: one open order per plan.
//! - **Floating**: the next due date is the completion date + interval, the
//!   next threshold the completion's meter reading + interval. Nothing is
//!   ever skipped.
//!
//! A cancelled order counts as done for the plan at its cancellation
//! (the occurrence is not redone; a floating plan counts from then).
//!
//! The first due date is the plan's `start` when that is today or later;
//! a plan created with a past start begins at the first grid date on or
//! after today (fixed) or today (floating). The first threshold is the first
//! grid point above the reading when the plan's state starts (fixed) or that
//! reading + interval (floating); a meter with no reading yet is armed at its
//! first reading.
//!
//! # Exactly one order per occurrence
//!
//! [`PlanState`] is per plan and asset (a class plan has one per asset of
//! the class). It is what the store persists, in the same transaction as
//! the generated order. Each generated order carries
//! [`Origin::Plan`](crate::maintenance::work_order::Origin::Plan) with the
//! occurrence number `seq`, and its key `plan:{plan}:asset:{asset}:seq:{seq}`
//! is unique in the store: two evaluations of the same state (a replay, a
//! restart before the commit, the 06:00 job racing a meter crossing, two
//! replicas) propose the same key, and the second insert does nothing.
//! Together with `open` (one open order per plan and asset) this gives one
//! order per crossing or due date, across restarts, replays and backfill.
//!
//! # Wiring
//!
//! - Daily at 06:00 local: for each active plan and asset, [`evaluate`] with
//!   the asset's meters and `now`; on [`Decision::Generate`] insert the order
//!   (`ON CONFLICT (origin_key) DO NOTHING`) and write the new state in one
//!   transaction; on [`Decision::Arm`] write the state.
//! - At once when a meter moves: [`PlanState::armed_reading`] gives the
//!   reading at which the plan fires (a column the store can index); when a
//!   new reading reaches it ([`meter_crossed`]) call [`evaluate`] as above.
//! - When an order of the plan is completed or cancelled:
//!   [`PlanState::on_order_done`] with the meters at that moment.
//! - After editing a plan's triggers: [`PlanState::restart`].

mod calendar;
mod meters;
mod projection;
mod state;

pub use calendar::{CalendarUnit, Every, EveryError, Grid, MAX_EVERY, MONTH_DAYS};
pub use meters::{MeterReading, Meters, Usage, unit};
pub use projection::{CalendarDue, MeterDue, Projection, project};
pub use state::{
    Decision, DoneOutcome, Fired, Generation, NotDue, PlanState, evaluate, meter_crossed,
};

use chrono::NaiveDate;

use crate::maintenance::assign::Skill;
use crate::maintenance::ids::TemplateId;
use crate::maintenance::text::fits;
use crate::maintenance::work_order::{Priority, WorkKind};
use crate::vocab::vocabulary;
use crate::{AssetId, AssetKind, Lang, MeterKind, PlanId, Zone};

/// What a plan is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanTarget {
    /// One asset.
    Asset(AssetId),
    /// Every asset of a kind.
    Class(AssetKind),
}

vocabulary!(
    /// How the next occurrence is counted.
    Anchor {
        /// From the plan's grid (start date, grid base).
        Fixed => "fixed",
        /// From the last completion (date, meter reading).
        Floating => "floating",
    }
);

/// A calendar trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarTrigger {
    /// The interval.
    pub every: Every,
    /// Generate this many days before the due date.
    pub lead_days: u32,
}

/// A meter trigger.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeterTrigger {
    /// Which meter.
    pub meter: MeterKind,
    /// The interval, in the meter's unit.
    pub every: f64,
    /// Generate when the reading is this much below the threshold.
    pub lead: f64,
    /// Fixed plans: the grid is `grid_base + k × every`, k ≥ 1.
    pub grid_base: f64,
}

/// A plan as configured, before validation.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSpec {
    /// The row id.
    pub id: PlanId,
    /// The name: the generated orders' title.
    pub name: String,
    /// The generated orders' description (the tasks).
    pub description: String,
    /// An asset or a class of assets.
    pub target: PlanTarget,
    /// Preventive, predictive or inspection.
    pub kind: WorkKind,
    /// Priority of the generated orders.
    pub priority: Priority,
    /// The skill the work needs.
    pub skill: Option<Skill>,
    /// The calendar trigger.
    pub calendar: Option<CalendarTrigger>,
    /// The meter trigger.
    pub meter: Option<MeterTrigger>,
    /// Fixed or floating.
    pub anchor: Anchor,
    /// First due date (calendar), and origin of the fixed date grid.
    pub start: NaiveDate,
    /// The zone of the dates.
    pub zone: Zone,
    /// The checklist template to fill.
    pub checklist: Option<TemplateId>,
    /// Estimated labour per order, minutes.
    pub estimated_minutes: u32,
    /// Inactive plans generate nothing.
    pub active: bool,
}

/// A plan that passed [`Plan::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    spec: PlanSpec,
}

/// A plan that cannot work as configured.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A plan needs something to trigger it.
    #[error("a plan needs a calendar trigger, a meter trigger, or both")]
    NoTrigger,
    /// The name is the orders' title.
    #[error("a plan needs a name of at most 4000 characters")]
    Name,
    /// Plans generate planned work.
    #[error("a plan generates preventive, predictive or inspection work, not corrective")]
    Corrective,
    /// The calendar lead must leave room before the next occurrence.
    #[error(
        "a lead time of {lead_days} days must be shorter than the interval ({min_days} days at least)"
    )]
    CalendarLead {
        /// The lead.
        lead_days: u32,
        /// The shortest the interval can be.
        min_days: u32,
    },
    /// Meter intervals are positive.
    #[error("a meter interval must be a positive number, not {0}")]
    MeterEvery(f64),
    /// The meter lead must be at least 0 and shorter than the interval.
    #[error("a meter lead of {lead} must be at least 0 and shorter than the interval {every}")]
    MeterLead {
        /// The lead.
        lead: f64,
        /// The interval.
        every: f64,
    },
    /// The grid base must be a number.
    #[error("the meter grid base must be a finite number, not {0}")]
    GridBase(f64),
}

impl PlanError {
    /// The message shown to people.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Es, PlanError::NoTrigger) => {
                "un plan necesita un disparador por calendario, por medidor, o ambos".to_owned()
            }
            (Lang::Es, PlanError::Name) => {
                "un plan necesita un nombre de a lo más 4000 caracteres".to_owned()
            }
            (Lang::Es, PlanError::Corrective) => {
                "un plan genera trabajo preventivo, predictivo o de inspección, no correctivo"
                    .to_owned()
            }
            (
                Lang::Es,
                PlanError::CalendarLead {
                    lead_days,
                    min_days,
                },
            ) => format!(
                "una anticipación de {lead_days} días debe ser menor que el intervalo (al menos {min_days} días)"
            ),
            (Lang::Es, PlanError::MeterEvery(v)) => {
                format!("el intervalo de un medidor debe ser un número positivo, no {v}")
            }
            (Lang::Es, PlanError::MeterLead { lead, every }) => format!(
                "una anticipación de {lead} en el medidor debe ser al menos 0 y menor que el intervalo {every}"
            ),
            (Lang::Es, PlanError::GridBase(v)) => {
                format!("la base de la grilla del medidor debe ser un número finito, no {v}")
            }
        }
    }
}

impl Plan {
    /// Validate a plan.
    ///
    /// # Errors
    /// [`PlanError`] naming what is wrong.
    pub fn new(spec: PlanSpec) -> Result<Plan, PlanError> {
        if spec.calendar.is_none() && spec.meter.is_none() {
            return Err(PlanError::NoTrigger);
        }
        if spec.name.trim().is_empty() || !fits(&spec.name) || !fits(&spec.description) {
            return Err(PlanError::Name);
        }
        if spec.kind == WorkKind::Corrective {
            return Err(PlanError::Corrective);
        }
        if let Some(c) = &spec.calendar
            && c.lead_days >= c.every.min_days()
        {
            return Err(PlanError::CalendarLead {
                lead_days: c.lead_days,
                min_days: c.every.min_days(),
            });
        }
        if let Some(m) = &spec.meter {
            if !(m.every.is_finite() && m.every > 0.0) {
                return Err(PlanError::MeterEvery(m.every));
            }
            if !(m.lead.is_finite() && m.lead >= 0.0 && m.lead < m.every) {
                return Err(PlanError::MeterLead {
                    lead: m.lead,
                    every: m.every,
                });
            }
            if !m.grid_base.is_finite() {
                return Err(PlanError::GridBase(m.grid_base));
            }
        }
        Ok(Plan { spec })
    }

    /// The validated configuration.
    #[must_use]
    pub fn spec(&self) -> &PlanSpec {
        &self.spec
    }

    /// The plan's id.
    #[must_use]
    pub fn id(&self) -> PlanId {
        self.spec.id
    }

    /// Whether the plan applies to an asset.
    #[must_use]
    pub fn applies_to(&self, asset: AssetId, kind: AssetKind) -> bool {
        match self.spec.target {
            PlanTarget::Asset(a) => a == asset,
            PlanTarget::Class(k) => k == kind,
        }
    }

    /// The fixed date grid, when the plan has a calendar trigger.
    #[must_use]
    pub fn grid(&self) -> Option<Grid> {
        self.spec.calendar.map(|c| Grid {
            start: self.spec.start,
            every: c.every,
        })
    }

    /// The nominal interval in days, where one is known: the calendar's,
    /// the meter's at a usage rate, or the shorter of the two (whichever
    /// comes first).
    #[must_use]
    pub fn frequency_days(&self, usage: Option<Usage>) -> Option<f64> {
        let calendar = self.spec.calendar.map(|c| c.every.nominal_days());
        let meter = match (&self.spec.meter, usage) {
            (Some(m), Some(u)) if u.per_day > 0.0 => Some(m.every / u.per_day),
            _ => None,
        };
        match (calendar, meter) {
            (Some(c), Some(m)) => Some(if m < c { m } else { c }),
            (c, m) => c.or(m),
        }
    }
}

#[cfg(test)]
mod tests;
