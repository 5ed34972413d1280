//! Alarm rules, their evaluation engine (with persisted evaluation state) and the life of an alarm.
//!
//! The data path, and what the wiring does at each step:
//!
//! ```text
//! RuleDraft (config, API) ──validate──▶ Rule ──bind(originator, attributes)──▶ BoundRule
//! reading (+ trips, anomaly verdicts) ──▶ Observation ──Engine::observe──▶ Transition
//! wall clock ──Engine::poll_timeout / on_timeout──▶ Transition (NO_DATA, DURATION)
//! Transition ──alarm::apply(latest alarm of the key)──▶ Alarm + Notice ──▶ notification rows
//! person ──Alarm::acknowledge / assign / clear_by_hand──▶ Alarm + Notice (+ Engine::alarm_cleared)
//! Engine::encode_series ◀──▶ Engine::restore_series   (evaluation state, per series)
//! ```
//!
//! Persist a series' engine state and the alarms its transitions touched
//! in one transaction; if they drift apart anyway, the alarm side ignores
//! replayed transitions ([`alarm::apply`]), so nothing is raised twice.
//!
//! - [`rule`]: rules, conditions, schedules, validation and binding.
//! - [`engine`]: evaluation in event time, deadlines and timeouts, the state codec.
//! - [`alarm`]: one alarm per (originator, type), its status, history and notices.

pub mod alarm;
pub mod engine;
pub mod rule;

use crate::{AssetId, Lang, PointId};

pub use alarm::{
    Action, Actor, Alarm, AlarmBook, AlarmError, AlarmParts, AlarmPolicy, AlarmStatus, Effect,
    HistoryEntry, Ignored, Notice, NoticeKind, apply,
};
pub use engine::{
    Change, Engine, EngineConfig, EngineError, Observation, Outcome, RestoreReport, SeriesIdx,
    SeriesKey, StateDecodeError, Transition, Verdict,
};
pub use rule::{
    Attributes, BindError, BoundRule, Clear, Comparison, Condition, FieldError, NoAttributes,
    Predicate, Rule, RuleDraft, RuleError, Schedule, Spec, Target, Value,
};

/// What an alarm is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Originator {
    /// A catchment point.
    Point(PointId),
    /// An asset.
    Asset(AssetId),
}

impl Originator {
    /// The words shown to people, e.g. `punto 3`.
    #[must_use]
    pub fn label(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Es, Originator::Point(p)) => format!("punto {p}"),
            (Lang::Es, Originator::Asset(a)) => format!("activo {a}"),
            (Lang::En, Originator::Point(p)) => format!("point {p}"),
            (Lang::En, Originator::Asset(a)) => format!("asset {a}"),
        }
    }
}

impl std::fmt::Display for Originator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label(Lang::En))
    }
}
