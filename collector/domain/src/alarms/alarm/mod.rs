//! The life of an alarm (ThingsBoard's alarm model,
//! `shared/reference/maintenance-reliability.md` §2).
//!
//! # Identity
//!
//! An alarm is keyed by (originator, type); the type is the rule's name. At
//! most one alarm per key is active: a re-trigger of an active alarm
//! updates it and counts up, it never creates another. Once cleared, the
//! next raise opens a new alarm (as ThingsBoard and Cumulocity do), so each
//! occurrence has its own history and reliability can count them.
//!
//! # Status
//!
//! Clearing and acknowledging are independent (ThingsBoard's
//! `AlarmStatus`):
//!
//! ```text
//!                 ack                         clear (rule or by hand)
//!  ACTIVE_UNACK ──────▶ ACTIVE_ACK     ACTIVE_* ─────────────────────▶ CLEARED_*
//!  CLEARED_UNACK ─────▶ CLEARED_ACK    escalation of an acknowledged alarm
//!                                      makes it unacknowledged again (policy)
//! ```
//!
//! People acknowledge with a comment, assign, and clear by hand where the
//! rule allows it. Every status change, severity change and assignment is a
//! [`HistoryEntry`] with actor and time; re-triggers only count up
//! (`count`, `updated`).
//!
//! # Engine transitions, idempotently
//!
//! [`apply`] takes the latest alarm of the key (active or cleared) and an
//! engine [`Transition`]. A transition whose event time is not after the
//! alarm's last update is a replay (the engine state was persisted before
//! the alarm, and the transition was produced again after a restart): it is
//! ignored, so an alarm is never raised twice. A transition for a key whose
//! latest alarm is cleared opens a new alarm at the transition's severity.
//!
//! # Notices and lateness
//!
//! Each raise, escalation, de-escalation, clear, acknowledgement and
//! assignment yields a [`Notice`] for the notification layer. An alarm is
//! *raised late* when the transition arrived more than
//! [`AlarmPolicy::late_after_ms`] after its event time: it was raised from
//! backfilled data, and says so.

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use caudal_protocol::UtcMillis;

use super::Originator;
use super::engine::{Change, Transition};
use crate::{Lang, Severity, UserId};

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// How alarms treat their transitions. `Default` documents the choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmPolicy {
    /// A transition that arrives more than this long after its event time is
    /// late, ms. Default 120 000: live data arrives within a poll interval
    /// and a batch; beyond two minutes it came from a backlog.
    pub late_after_ms: i64,
    /// Whether escalating an acknowledged alarm makes it unacknowledged.
    /// Default true: a worse situation needs a new look.
    pub unack_on_escalation: bool,
}

impl Default for AlarmPolicy {
    fn default() -> AlarmPolicy {
        AlarmPolicy {
            late_after_ms: 120_000,
            unack_on_escalation: true,
        }
    }
}

/// Active/cleared × unacknowledged/acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlarmStatus {
    /// Active, not acknowledged.
    ActiveUnack,
    /// Active, acknowledged.
    ActiveAck,
    /// Cleared, not acknowledged.
    ClearedUnack,
    /// Cleared, acknowledged.
    ClearedAck,
}

impl AlarmStatus {
    /// Every status.
    pub const ALL: [AlarmStatus; 4] = [
        AlarmStatus::ActiveUnack,
        AlarmStatus::ActiveAck,
        AlarmStatus::ClearedUnack,
        AlarmStatus::ClearedAck,
    ];

    /// The spelling in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmStatus::ActiveUnack => "active_unack",
            AlarmStatus::ActiveAck => "active_ack",
            AlarmStatus::ClearedUnack => "cleared_unack",
            AlarmStatus::ClearedAck => "cleared_ack",
        }
    }

    /// Parse [`AlarmStatus::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<AlarmStatus> {
        AlarmStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The words shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, AlarmStatus::ActiveUnack) => "activa sin reconocer",
            (Lang::Es, AlarmStatus::ActiveAck) => "activa reconocida",
            (Lang::Es, AlarmStatus::ClearedUnack) => "normalizada sin reconocer",
            (Lang::Es, AlarmStatus::ClearedAck) => "normalizada reconocida",
            (Lang::En, AlarmStatus::ActiveUnack) => "active, unacknowledged",
            (Lang::En, AlarmStatus::ActiveAck) => "active, acknowledged",
            (Lang::En, AlarmStatus::ClearedUnack) => "cleared, unacknowledged",
            (Lang::En, AlarmStatus::ClearedAck) => "cleared, acknowledged",
        }
    }
}

/// Who did something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The rule engine.
    System,
    /// A person.
    User(UserId),
}

/// What happened to an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Raised at a severity.
    Raised {
        /// The severity.
        severity: Severity,
        /// Whether it was raised from late data.
        late: bool,
    },
    /// A more severe create rule holds.
    Escalated {
        /// Before.
        from: Severity,
        /// After.
        to: Severity,
        /// Whether this made an acknowledged alarm unacknowledged.
        unacknowledged: bool,
    },
    /// Only a less severe create rule holds.
    Deescalated {
        /// Before.
        from: Severity,
        /// After.
        to: Severity,
    },
    /// Cleared by its rule or by hand.
    Cleared,
    /// Acknowledged.
    Acknowledged,
    /// Assigned to a person.
    Assigned {
        /// The assignee.
        to: UserId,
    },
    /// Unassigned.
    Unassigned,
}

/// One entry of an alarm's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When it happened: event time for the engine's transitions, the
    /// action's time for people's.
    pub at: UtcMillis,
    /// When the collector learnt it.
    pub recorded: UtcMillis,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: Action,
    /// The person's comment.
    pub comment: Option<String>,
}

/// What a notice announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// An alarm was raised.
    Raised,
    /// An alarm became more severe.
    Escalated,
    /// An alarm became less severe.
    Deescalated,
    /// An alarm cleared.
    Cleared,
    /// Someone acknowledged an alarm.
    Acknowledged,
    /// Someone was assigned an alarm.
    Assigned,
}

impl NoticeKind {
    /// The spelling in the database and subscriptions.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Raised => "raised",
            NoticeKind::Escalated => "escalated",
            NoticeKind::Deescalated => "deescalated",
            NoticeKind::Cleared => "cleared",
            NoticeKind::Acknowledged => "acknowledged",
            NoticeKind::Assigned => "assigned",
        }
    }

    /// The words shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, NoticeKind::Raised) => "alarma activada",
            (Lang::Es, NoticeKind::Escalated) => "alarma escalada",
            (Lang::Es, NoticeKind::Deescalated) => "alarma de menor severidad",
            (Lang::Es, NoticeKind::Cleared) => "alarma normalizada",
            (Lang::Es, NoticeKind::Acknowledged) => "alarma reconocida",
            (Lang::Es, NoticeKind::Assigned) => "alarma asignada",
            (Lang::En, NoticeKind::Raised) => "alarm raised",
            (Lang::En, NoticeKind::Escalated) => "alarm escalated",
            (Lang::En, NoticeKind::Deescalated) => "alarm de-escalated",
            (Lang::En, NoticeKind::Cleared) => "alarm cleared",
            (Lang::En, NoticeKind::Acknowledged) => "alarm acknowledged",
            (Lang::En, NoticeKind::Assigned) => "alarm assigned",
        }
    }
}

/// A notification to send, described for the notification layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// What happened.
    pub kind: NoticeKind,
    /// The alarm's originator.
    pub originator: Originator,
    /// The alarm's type.
    pub alarm_type: String,
    /// The severity now.
    pub severity: Severity,
    /// The severity before (escalation, de-escalation).
    pub previous: Option<Severity>,
    /// When it happened.
    pub at: UtcMillis,
    /// Whether it was learnt late (from backfilled data).
    pub late: bool,
    /// The person who did it.
    pub by: Option<UserId>,
    /// The assignee (assignment).
    pub assignee: Option<UserId>,
    /// The person's comment.
    pub comment: Option<String>,
    /// The value that caused it, if one did.
    pub value: Option<f64>,
}

impl Notice {
    /// A one-line summary, e.g. `alarma activada: nivel_bajo (crítica) en punto 3`.
    #[must_use]
    pub fn summary(&self, lang: Lang) -> String {
        let (on, late) = match lang {
            Lang::Es => ("en", " (con datos atrasados)"),
            Lang::En => ("on", " (from late data)"),
        };
        format!(
            "{}: {} ({}) {on} {}{}",
            self.kind.label(lang),
            self.alarm_type,
            self.severity.label(lang),
            self.originator.label(lang),
            if self.late { late } else { "" }
        )
    }
}

/// An alarm operation that is not allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlarmError {
    /// The rule does not let people clear its alarms by hand.
    #[error("alarm `{alarm_type}` may not be cleared by hand: its rule clears it")]
    ManualClearNotAllowed {
        /// The alarm's type.
        alarm_type: String,
    },
    /// The alarm is cleared already.
    #[error("alarm `{alarm_type}` is cleared already")]
    AlreadyCleared {
        /// The alarm's type.
        alarm_type: String,
    },
    /// The alarm is acknowledged already.
    #[error("alarm `{alarm_type}` is acknowledged already")]
    AlreadyAcknowledged {
        /// The alarm's type.
        alarm_type: String,
    },
    /// A comment over the length limit.
    #[error("comment of {chars} characters exceeds {MAX_COMMENT_CHARS}")]
    CommentTooLong {
        /// Its length.
        chars: usize,
    },
    /// A person acted before the alarm existed.
    #[error("alarm `{alarm_type}` started at {start} ms, after the action at {at} ms")]
    BeforeStart {
        /// The alarm's type.
        alarm_type: String,
        /// The alarm's start.
        start: i64,
        /// The action's time.
        at: i64,
    },
    /// Stored parts that do not make an alarm.
    #[error("stored alarm `{alarm_type}` is inconsistent: {reason}")]
    Inconsistent {
        /// The alarm's type.
        alarm_type: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Everything an alarm holds, for the store to save and load.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmParts {
    /// Originator.
    pub originator: Originator,
    /// Type (the rule's name).
    pub alarm_type: String,
    /// Severity now.
    pub severity: Severity,
    /// Event time of the raise.
    pub start: UtcMillis,
    /// Event time of the latest transition or re-trigger (ThingsBoard's endTs).
    pub updated: UtcMillis,
    /// How many times it was raised or re-triggered (at least 1).
    pub count: u32,
    /// When it cleared.
    pub cleared: Option<UtcMillis>,
    /// When it was acknowledged.
    pub acknowledged: Option<UtcMillis>,
    /// Who it is assigned to.
    pub assignee: Option<UserId>,
    /// Whether it was raised from late data.
    pub raised_late: bool,
    /// Whether people may clear it by hand.
    pub manual_clear: bool,
    /// Its history, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// An alarm (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    p: AlarmParts,
}

fn comment(c: Option<&str>) -> Result<Option<String>, AlarmError> {
    let Some(c) = c.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let chars = c.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(AlarmError::CommentTooLong { chars });
    }
    Ok(Some(c.to_owned()))
}

impl Alarm {
    /// An alarm from stored parts.
    ///
    /// # Errors
    /// [`AlarmError::Inconsistent`] for a count of 0 or times out of order.
    pub fn from_parts(p: AlarmParts) -> Result<Alarm, AlarmError> {
        let bad = |reason| {
            Err(AlarmError::Inconsistent {
                alarm_type: p.alarm_type.clone(),
                reason,
            })
        };
        if p.count == 0 {
            return bad("count is 0");
        }
        if p.updated < p.start {
            return bad("updated before start");
        }
        if p.cleared.is_some_and(|c| c < p.start) {
            return bad("cleared before start");
        }
        Ok(Alarm { p })
    }

    /// The parts, to store.
    #[must_use]
    pub fn parts(&self) -> &AlarmParts {
        &self.p
    }

    /// The parts, by value.
    #[must_use]
    pub fn into_parts(self) -> AlarmParts {
        self.p
    }

    /// Originator.
    #[must_use]
    pub fn originator(&self) -> Originator {
        self.p.originator
    }

    /// Type.
    #[must_use]
    pub fn alarm_type(&self) -> &str {
        &self.p.alarm_type
    }

    /// Severity now.
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.p.severity
    }

    /// Raise and re-trigger count.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.p.count
    }

    /// Whether it was raised from late data.
    #[must_use]
    pub fn raised_late(&self) -> bool {
        self.p.raised_late
    }

    /// Assignee.
    #[must_use]
    pub fn assignee(&self) -> Option<UserId> {
        self.p.assignee
    }

    /// History, oldest first.
    #[must_use]
    pub fn history(&self) -> &[HistoryEntry] {
        &self.p.history
    }

    /// Whether it is active (not cleared).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.p.cleared.is_none()
    }

    /// Its status.
    #[must_use]
    pub fn status(&self) -> AlarmStatus {
        match (self.p.cleared.is_some(), self.p.acknowledged.is_some()) {
            (false, false) => AlarmStatus::ActiveUnack,
            (false, true) => AlarmStatus::ActiveAck,
            (true, false) => AlarmStatus::ClearedUnack,
            (true, true) => AlarmStatus::ClearedAck,
        }
    }

    fn notice(&self, kind: NoticeKind, at: UtcMillis, late: bool) -> Notice {
        Notice {
            kind,
            originator: self.p.originator,
            alarm_type: self.p.alarm_type.clone(),
            severity: self.p.severity,
            previous: None,
            at,
            late,
            by: None,
            assignee: None,
            comment: None,
            value: None,
        }
    }

    fn record(
        &mut self,
        at: UtcMillis,
        recorded: UtcMillis,
        actor: Actor,
        action: Action,
        comment: Option<String>,
    ) {
        self.p.history.push(HistoryEntry {
            at,
            recorded,
            actor,
            action,
            comment,
        });
    }

    fn new(t: &Transition, severity: Severity, late: bool) -> Alarm {
        let mut a = Alarm {
            p: AlarmParts {
                originator: t.originator,
                alarm_type: t.rule.to_string(),
                severity,
                start: t.event_time,
                updated: t.event_time,
                count: 1,
                cleared: None,
                acknowledged: None,
                assignee: None,
                raised_late: late,
                manual_clear: t.manual_clear,
                history: Vec::new(),
            },
        };
        a.record(
            t.event_time,
            t.arrived,
            Actor::System,
            Action::Raised { severity, late },
            None,
        );
        a
    }

    /// Apply an engine transition to this active alarm.
    fn transition(&mut self, t: &Transition, policy: &AlarmPolicy, late: bool) -> Option<Notice> {
        let (at, rec) = (t.event_time, t.arrived);
        self.p.updated = at;
        self.p.manual_clear = t.manual_clear;
        let to = match t.change {
            Change::Retrigger(_) => {
                self.p.count = self.p.count.saturating_add(1);
                return None;
            }
            Change::Clear { .. } => {
                self.p.cleared = Some(at);
                self.record(at, rec, Actor::System, Action::Cleared, None);
                return Some(self.notice(NoticeKind::Cleared, at, late));
            }
            Change::Raise(s)
            | Change::Escalate { to: s, .. }
            | Change::Deescalate { to: s, .. } => s,
        };
        let from = self.p.severity;
        if to == from {
            // A raise for an alarm already active at this severity (the
            // engine lost its state): a re-trigger.
            self.p.count = self.p.count.saturating_add(1);
            return None;
        }
        self.p.severity = to;
        let kind = if to > from {
            let unack = policy.unack_on_escalation && self.p.acknowledged.is_some();
            if unack {
                self.p.acknowledged = None;
            }
            self.record(
                at,
                rec,
                Actor::System,
                Action::Escalated {
                    from,
                    to,
                    unacknowledged: unack,
                },
                None,
            );
            NoticeKind::Escalated
        } else {
            self.record(
                at,
                rec,
                Actor::System,
                Action::Deescalated { from, to },
                None,
            );
            NoticeKind::Deescalated
        };
        Some(Notice {
            previous: Some(from),
            ..self.notice(kind, at, late)
        })
    }

    fn check_time(&self, at: UtcMillis) -> Result<(), AlarmError> {
        if at < self.p.start {
            return Err(AlarmError::BeforeStart {
                alarm_type: self.p.alarm_type.clone(),
                start: self.p.start.0,
                at: at.0,
            });
        }
        Ok(())
    }

    /// A person acknowledges the alarm, with an optional comment.
    ///
    /// # Errors
    /// [`AlarmError::AlreadyAcknowledged`], [`AlarmError::CommentTooLong`],
    /// [`AlarmError::BeforeStart`].
    pub fn acknowledge(
        &mut self,
        user: UserId,
        at: UtcMillis,
        text: Option<&str>,
    ) -> Result<Notice, AlarmError> {
        let text = comment(text)?;
        self.check_time(at)?;
        if self.p.acknowledged.is_some() {
            return Err(AlarmError::AlreadyAcknowledged {
                alarm_type: self.p.alarm_type.clone(),
            });
        }
        self.p.acknowledged = Some(at);
        self.record(
            at,
            at,
            Actor::User(user),
            Action::Acknowledged,
            text.clone(),
        );
        Ok(Notice {
            by: Some(user),
            comment: text,
            ..self.notice(NoticeKind::Acknowledged, at, false)
        })
    }

    /// A person assigns the alarm; `None` if it is assigned to `to` already.
    ///
    /// # Errors
    /// [`AlarmError::BeforeStart`].
    pub fn assign(
        &mut self,
        by: UserId,
        to: UserId,
        at: UtcMillis,
    ) -> Result<Option<Notice>, AlarmError> {
        self.check_time(at)?;
        if self.p.assignee == Some(to) {
            return Ok(None);
        }
        self.p.assignee = Some(to);
        self.record(at, at, Actor::User(by), Action::Assigned { to }, None);
        Ok(Some(Notice {
            by: Some(by),
            assignee: Some(to),
            ..self.notice(NoticeKind::Assigned, at, false)
        }))
    }

    /// A person removes the assignment; `false` if there was none.
    ///
    /// # Errors
    /// [`AlarmError::BeforeStart`].
    pub fn unassign(&mut self, by: UserId, at: UtcMillis) -> Result<bool, AlarmError> {
        self.check_time(at)?;
        if self.p.assignee.take().is_none() {
            return Ok(false);
        }
        self.record(at, at, Actor::User(by), Action::Unassigned, None);
        Ok(true)
    }

    /// A person clears the alarm, where its rule allows. The caller tells the
    /// engine ([`super::engine::Engine::alarm_cleared`]).
    ///
    /// # Errors
    /// [`AlarmError::ManualClearNotAllowed`], [`AlarmError::AlreadyCleared`],
    /// [`AlarmError::CommentTooLong`], [`AlarmError::BeforeStart`].
    pub fn clear_by_hand(
        &mut self,
        user: UserId,
        at: UtcMillis,
        text: Option<&str>,
    ) -> Result<Notice, AlarmError> {
        let text = comment(text)?;
        self.check_time(at)?;
        if !self.p.manual_clear {
            return Err(AlarmError::ManualClearNotAllowed {
                alarm_type: self.p.alarm_type.clone(),
            });
        }
        if self.p.cleared.is_some() {
            return Err(AlarmError::AlreadyCleared {
                alarm_type: self.p.alarm_type.clone(),
            });
        }
        self.p.cleared = Some(at);
        self.record(at, at, Actor::User(user), Action::Cleared, text.clone());
        Ok(Notice {
            by: Some(user),
            comment: text,
            ..self.notice(NoticeKind::Cleared, at, false)
        })
    }
}

/// Why a transition changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Not after the alarm's last update: a replay.
    Replay,
    /// A clear for a key without an active alarm.
    NotActive,
}

/// What a transition did.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// It opened a new alarm (the key's previous one, if any, stays cleared).
    New {
        /// The alarm.
        alarm: Alarm,
        /// Its raise notice.
        notice: Notice,
    },
    /// It updated the key's active alarm, with a notice if one is due.
    Updated(Option<Notice>),
    /// It changed nothing.
    Ignored(Ignored),
}

/// Apply an engine transition to the key's latest alarm (active or
/// cleared), `latest` (see the module docs).
#[must_use]
pub fn apply(latest: Option<&mut Alarm>, t: &Transition, policy: &AlarmPolicy) -> Effect {
    let late = t.arrived.0.saturating_sub(t.event_time.0) > policy.late_after_ms;
    match latest {
        Some(a) if t.event_time <= a.p.updated => Effect::Ignored(Ignored::Replay),
        Some(a) if a.is_active() => {
            let mut notice = a.transition(t, policy, late);
            if let Some(n) = notice.as_mut() {
                n.value = t.value;
            }
            Effect::Updated(notice)
        }
        _ => match t.change {
            Change::Clear { .. } => Effect::Ignored(Ignored::NotActive),
            Change::Raise(s)
            | Change::Retrigger(s)
            | Change::Escalate { to: s, .. }
            | Change::Deescalate { to: s, .. } => {
                let alarm = Alarm::new(t, s, late);
                let notice = Notice {
                    value: t.value,
                    ..alarm.notice(NoticeKind::Raised, t.event_time, late)
                };
                Effect::New { alarm, notice }
            }
        },
    }
}

/// The key of an alarm: originator and type.
pub type AlarmKey = (Originator, String);

/// The latest alarm of each key, in memory: the thin driver over [`apply`]
/// (the store does the same over its rows).
#[derive(Clone, Debug, Default)]
pub struct AlarmBook {
    policy: AlarmPolicy,
    latest: HashMap<AlarmKey, Alarm>,
    closed: Vec<Alarm>,
}

impl AlarmBook {
    /// An empty book.
    #[must_use]
    pub fn new(policy: AlarmPolicy) -> AlarmBook {
        AlarmBook {
            policy,
            latest: HashMap::new(),
            closed: Vec::new(),
        }
    }

    /// Apply a transition; returns the notices to send.
    pub fn apply(&mut self, t: &Transition) -> Vec<Notice> {
        let key = (t.originator, t.rule.to_string());
        match apply(self.latest.get_mut(&key), t, &self.policy) {
            Effect::New { alarm, notice } => {
                if let Some(prev) = self.latest.insert(key, alarm) {
                    self.closed.push(prev);
                }
                vec![notice]
            }
            Effect::Updated(n) => n.into_iter().collect(),
            Effect::Ignored(_) => Vec::new(),
        }
    }

    /// The latest alarm of a key.
    #[must_use]
    pub fn get(&self, originator: Originator, alarm_type: &str) -> Option<&Alarm> {
        self.latest.get(&(originator, alarm_type.to_owned()))
    }

    /// The latest alarm of a key, to act on.
    pub fn get_mut(&mut self, originator: Originator, alarm_type: &str) -> Option<&mut Alarm> {
        self.latest.get_mut(&(originator, alarm_type.to_owned()))
    }

    /// Every active alarm.
    pub fn active(&self) -> impl Iterator<Item = &Alarm> {
        self.latest.values().filter(|a| a.is_active())
    }

    /// Alarms superseded by a newer alarm of their key, oldest first.
    #[must_use]
    pub fn closed(&self) -> &[Alarm] {
        &self.closed
    }
}
