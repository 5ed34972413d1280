//! Corrective orders from alarms, and failure requests raised by hand.
//!
//! # From alarms
//!
//! The alarm engine is another module's; the wiring converts its events
//! into [`AlarmRaised`] and [`AlarmCleared`]. A [`CorrectivePolicy`] is an
//! ordered list of [`CorrectiveRule`]s, each matching an alarm type (or any)
//! and a minimum severity; the **first** matching rule decides the order's
//! priority (its own, or mapped from the severity), its first state
//! (requested, or approved when the rule says the alarm speaks for itself),
//! skill, estimate and due time. No matching rule, no order.
//!
//! - **One open order per alarm**: the order carries
//!   [`Origin::Alarm`] and the key `alarm:{id}`, unique in the store, so a
//!   repeated or escalated raise of the same alarm never makes a second
//!   order (a raise at a lower severity that matched no rule, followed by
//!   an escalation that does, makes the first and only one).
//! - **Linked both ways**: the order names the alarm; the store writes the
//!   order's id on the alarm in the same transaction as the insert.
//! - **Clearing never closes**: when the alarm clears while its order is
//!   open, [`WorkOrder::on_alarm_cleared`] adds a note and flags the order
//!   for review; a supervisor decides whether to cancel or finish it.
//!
//! # By hand
//!
//! [`raise_request`]: an operator (or a supervisor or admin) reports a
//! failure on an asset; the order starts as requested and waits for a
//! supervisor's approval.

use crate::maintenance::assign::Skill;
use crate::maintenance::text::{clean, fits};
use crate::maintenance::work_order::{
    ActionError, Actor, ClearOutcome, InputError, NewWorkOrder, Origin, Priority, TextField,
    WorkKind, WorkOrder, WorkState,
};
use crate::{AlarmId, AssetId, HOUR_MS, Lang, Role, Severity, SiteId, UserId, UtcMillis};

/// An alarm was raised (or raised again, or escalated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmRaised {
    /// The alarm.
    pub alarm: AlarmId,
    /// Its type, as the alarm rules name it (`dry_run`, `low_level`).
    pub alarm_type: String,
    /// Its current severity.
    pub severity: Severity,
    /// The asset it is on.
    pub asset: AssetId,
    /// The asset's site.
    pub site: SiteId,
    /// When it was raised.
    pub at: UtcMillis,
    /// Its message, for the order's description.
    pub message: String,
}

/// An alarm cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmCleared {
    /// The alarm.
    pub alarm: AlarmId,
    /// When it cleared.
    pub at: UtcMillis,
}

/// An alarm event, as the wiring converts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlarmEvent {
    /// Raised.
    Raised(AlarmRaised),
    /// Cleared.
    Cleared(AlarmCleared),
}

/// When an alarm raises a corrective order, and what kind of order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrectiveRule {
    /// The alarm type it matches; `None` matches every type.
    pub alarm_type: Option<String>,
    /// The lowest severity it matches.
    pub min_severity: Severity,
    /// The order's priority; `None` maps it from the severity (critical →
    /// critical, major → high, minor → medium, warning and indeterminate → low).
    pub priority: Option<Priority>,
    /// Start approved rather than requested.
    pub approved: bool,
    /// The skill the work needs.
    pub skill: Option<Skill>,
    /// Estimated labour, minutes.
    pub estimated_minutes: Option<u32>,
    /// Due this many hours after the alarm.
    pub due_within_hours: Option<u32>,
}

/// The ordered rules; the first match wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrectivePolicy {
    /// The rules, most specific first.
    pub rules: Vec<CorrectiveRule>,
    /// The language of generated titles.
    pub lang: Lang,
}

impl Default for CorrectivePolicy {
    /// Major and critical alarms of every type raise an order, requested,
    /// with the priority of their severity, due within 24 hours (critical)
    /// or 72 hours (major); titles in Spanish.
    fn default() -> CorrectivePolicy {
        let rule = |min_severity, due| CorrectiveRule {
            alarm_type: None,
            min_severity,
            priority: None,
            approved: false,
            skill: None,
            estimated_minutes: None,
            due_within_hours: Some(due),
        };
        CorrectivePolicy {
            rules: vec![rule(Severity::Critical, 24), rule(Severity::Major, 72)],
            lang: Lang::Es,
        }
    }
}

/// The priority of a severity.
#[must_use]
pub fn priority_of(severity: Severity) -> Priority {
    match severity {
        Severity::Critical => Priority::Critical,
        Severity::Major => Priority::High,
        Severity::Minor => Priority::Medium,
        Severity::Warning | Severity::Indeterminate => Priority::Low,
    }
}

impl CorrectivePolicy {
    /// The first rule matching an alarm type and severity.
    #[must_use]
    pub fn rule_for(&self, alarm_type: &str, severity: Severity) -> Option<&CorrectiveRule> {
        self.rules.iter().find(|r| {
            severity >= r.min_severity && r.alarm_type.as_deref().is_none_or(|t| t == alarm_type)
        })
    }

    /// The order an alarm raises, if a rule matches. The store inserts it
    /// under its key `alarm:{id}` with `ON CONFLICT DO NOTHING`, so calling
    /// this on every raise, re-raise and escalation is safe.
    #[must_use]
    pub fn on_raised(&self, ev: &AlarmRaised) -> Option<NewWorkOrder> {
        let rule = self.rule_for(&ev.alarm_type, ev.severity)?;
        let title = match self.lang {
            Lang::Es => format!("Alarma {}: {}", ev.alarm_type, ev.severity.label(Lang::Es)),
            Lang::En => format!("Alarm {}: {}", ev.alarm_type, ev.severity.label(Lang::En)),
        };
        Some(NewWorkOrder {
            kind: WorkKind::Corrective,
            priority: rule.priority.unwrap_or_else(|| priority_of(ev.severity)),
            state: if rule.approved {
                WorkState::Approved
            } else {
                WorkState::Requested
            },
            title,
            description: ev
                .message
                .chars()
                .take(crate::maintenance::text::MAX_TEXT_CHARS)
                .collect(),
            asset: ev.asset,
            site: ev.site,
            origin: Origin::Alarm(ev.alarm),
            created_at: ev.at,
            created_by: Actor::System,
            skill: rule.skill.clone(),
            estimated_minutes: rule.estimated_minutes,
            due_at: rule
                .due_within_hours
                .map(|h| UtcMillis(ev.at.0 + i64::from(h) * HOUR_MS)),
            pm: None,
            checklist: None,
            notes: Vec::new(),
        })
    }
}

/// Apply an alarm's clearing to the order it raised (see
/// [`WorkOrder::on_alarm_cleared`]).
pub fn on_cleared(order: &mut WorkOrder, ev: &AlarmCleared, now: UtcMillis) -> ClearOutcome {
    order.on_alarm_cleared(ev.alarm, ev.at, now)
}

/// A failure reported by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureRequest {
    /// The asset.
    pub asset: AssetId,
    /// Its site.
    pub site: SiteId,
    /// One line.
    pub title: String,
    /// What was seen.
    pub description: String,
    /// How urgent the reporter thinks it is (a supervisor may change it on approval).
    pub priority: Priority,
}

/// Raise a failure request: a corrective order in state requested, created
/// by `user` acting as `role`.
///
/// # Errors
/// [`ActionError::MayNotRaise`] for technicians and guests;
/// [`ActionError::Input`] for an empty or too long title or description.
pub fn raise_request(
    user: UserId,
    role: Role,
    req: FailureRequest,
    now: UtcMillis,
) -> Result<NewWorkOrder, ActionError> {
    if !matches!(role, Role::Operator | Role::Supervisor | Role::Admin) {
        return Err(ActionError::MayNotRaise { role });
    }
    let title = clean(Some(&req.title)).ok_or(InputError::Empty(TextField::Title))?;
    if !fits(&title) {
        return Err(InputError::TooLong(TextField::Title).into());
    }
    if !fits(&req.description) {
        return Err(InputError::TooLong(TextField::Description).into());
    }
    Ok(NewWorkOrder {
        kind: WorkKind::Corrective,
        priority: req.priority,
        state: WorkState::Requested,
        title,
        description: req.description.trim().to_owned(),
        asset: req.asset,
        site: req.site,
        origin: Origin::Manual,
        created_at: now,
        created_by: Actor::user(user, role),
        skill: None,
        estimated_minutes: None,
        due_at: None,
        pm: None,
        checklist: None,
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
