//! Maintenance: work orders and their state machine, technicians and
//! assignment, preventive plans by calendar and by live meter, corrective
//! orders from alarms, checklists, and the maintenance KPIs.
//!
//! Everything here is pure: time is an argument, local calendars use a
//! [`Zone`](crate::Zone) (America/Santiago by default), nothing is read or
//! written. The store persists the types as they are; the jobs and the API
//! call the entry points below and write what they return in one
//! transaction.
//!
//! | module | what | entry points for the wiring |
//! |---|---|---|
//! | [`work_order`] | the transition table, roles, audit, failure codes (ISO 14224) | [`WorkOrder::apply`](work_order::WorkOrder::apply), [`WorkOrder::allowed_actions`](work_order::WorkOrder::allowed_actions), [`WorkOrder::visible_to`](work_order::WorkOrder::visible_to), [`NewWorkOrder::into_order`](work_order::NewWorkOrder::into_order) |
//! | [`assign`] | technicians, availability, automatic assignment | [`assign::pick`], [`assign::loads`] |
//! | [`plan`] | preventive plans: calendar, meter, both; fixed or floating | [`plan::evaluate`] (06:00 job), [`plan::meter_crossed`] (at once), [`plan::PlanState::on_order_done`], [`plan::project`] |
//! | [`corrective`] | orders from alarms, failure requests by hand | [`corrective::CorrectivePolicy::on_raised`], [`corrective::on_cleared`], [`corrective::raise_request`] |
//! | [`checklist`] | templates, validation, follow-up orders, the 20:00 report | [`checklist::validate`], [`checklist::ChecklistInstance::follow_ups`], [`checklist::daily_report`] |
//! | [`kpi`] | backlog in crew-weeks, PM compliance (SMRP 5.4.14), counts, overdue | [`kpi::backlog`], [`kpi::pm_compliance`], [`kpi::order_counts`], [`kpi::overdue`] |
//!
//! **Invariant:** an order changes state only through the transition table
//! of [`work_order`]; every accepted action appends one audit entry and a
//! refused one changes nothing.
//!
//! **Invariant:** every automatically raised order (plan occurrence, alarm,
//! checklist item) carries a deterministic origin key that the store keeps
//! unique, so restarts, replays, backfill and racing replicas create it
//! once.

pub mod assign;
pub mod checklist;
pub mod corrective;
mod ids;
pub mod kpi;
pub mod plan;
pub(crate) mod text;
pub mod work_order;

pub use ids::{ChecklistId, TemplateId};
pub use text::MAX_TEXT_CHARS;
