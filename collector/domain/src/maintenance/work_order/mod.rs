//! Work orders: the state machine, who may move it, and what an order
//! records.
//!
//! # The transition table
//!
//! Modelled on IBM Maximo (WAPPR → APPR → INPRG → COMP → CLOSE, CAN; COMP
//! leads only to CLOSE; CLOSE and CAN are terminal) and Odoo's explicit
//! `_STATE_TRANSITIONS`, not on Atlas CMMS's four free states (reference
//! `maintenance-reliability.md` §2). [`TRANSITIONS`] is the table in code:
//!
//! | from | action | to | who |
//! |---|---|---|---|
//! | requested | approve | approved | supervisor, admin |
//! | approved | assign | assigned | supervisor, admin, system |
//! | assigned | start | in_progress | the assigned technician, admin |
//! | in_progress | hold | on_hold | the assigned technician, admin |
//! | on_hold | resume | in_progress | the assigned technician, admin |
//! | in_progress | complete | completed | the assigned technician, admin |
//! | completed | close | closed | supervisor, admin |
//! | requested, approved, assigned, in_progress, on_hold | cancel | cancelled | supervisor, admin |
//!
//! Actions that record something and keep the state ([`keeping_states`]):
//!
//! | action | allowed in | who |
//! |---|---|---|
//! | reassign | assigned, in_progress, on_hold | supervisor, admin, system |
//! | log labour, add part | in_progress, on_hold, completed | the assigned technician (own labour only), admin |
//! | set failure code, downtime reason, repair times | in_progress, on_hold, completed | the assigned technician, supervisor, admin |
//! | add note | every state but closed and cancelled | the assigned technician, operator, supervisor, admin, system |
//!
//! Every other (state, action) pair is refused with
//! [`ActionError::NotAllowedInState`]. Rules:
//! - **Completed is not closed.** The technician completes; a supervisor
//!   reviews and closes (Maximo COMP → CLOSE). Plans count the completion
//!   as the service date.
//! - **Closed and cancelled are final.** Nothing changes a final order.
//! - **Corrective work needs its failure code** ([`FailureCode`], ISO 14224
//!   style) before it can be completed.
//! - **Hold and cancel need a comment** saying why.
//! - **Roles** ([`roles_for`]): a technician sees and moves only orders
//!   assigned to them; a supervisor approves, assigns, reassigns, closes and
//!   cancels; an operator raises requests ([`raise_request`](crate::maintenance::corrective::raise_request))
//!   and adds notes; a guest only reads; an admin may do everything. The
//!   system (the collector itself) assigns, reassigns and adds notes.
//! - **Every change is audited**: [`WorkOrder::apply`] appends one
//!   [`AuditEntry`] (who, when, from, to, comment) per accepted action,
//!   and creation appends the first.
//! - **A refused action changes nothing**: every check runs before the
//!   first write.
//!
//! # Creation
//!
//! New orders are built as a [`NewWorkOrder`]: by hand (a failure request,
//! state requested), from a plan (state approved, as Maximo's PM-generated
//! orders start in WSCH), from an alarm (requested or approved, per rule)
//! or from a failed checklist item (requested). The store inserts it with
//! its [`Origin::key`] under a unique index, gets the row id and calls
//! [`NewWorkOrder::into_order`].

mod error;
mod failure_code;
mod record;
mod state;

pub use error::{ActionError, InputError, TextField};
pub use failure_code::{
    CodedEntry, FAILURE_CAUSES, FAILURE_MECHANISMS, FAILURE_MODES, FailureCode, FailureCodeError,
    FailureMode,
};
pub use record::{
    Actor, AuditEntry, AuditEvent, LabourEntry, Note, NoteBody, Origin, PartUse, PmInfo,
    RepairComponent, RepairTimes, ReviewReason,
};
pub use state::{
    ActionKind, Priority, TRANSITIONS, WorkKind, WorkState, keeping_states, next_state, roles_for,
    system_may,
};

use crate::maintenance::assign::Skill;
use crate::maintenance::ids::TemplateId;
use crate::maintenance::text::{clean, fits};
use crate::{AlarmId, AssetId, DownCause, Role, SiteId, UserId, UtcMillis, WorkOrderId};

/// A work order.
///
/// The fields are public so the store can read and rebuild it; change the
/// state only through [`WorkOrder::apply`], which keeps the table, the
/// roles and the audit trail.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkOrder {
    /// The row id.
    pub id: WorkOrderId,
    /// What the work is for.
    pub kind: WorkKind,
    /// How urgent.
    pub priority: Priority,
    /// Where it is in its life.
    pub state: WorkState,
    /// One line.
    pub title: String,
    /// Details.
    pub description: String,
    /// The asset worked on.
    pub asset: AssetId,
    /// The asset's site.
    pub site: SiteId,
    /// Where it came from (alarm, plan, checklist, by hand).
    pub origin: Origin,
    /// When it was created.
    pub created_at: UtcMillis,
    /// Who created it.
    pub created_by: Actor,
    /// The technician it is assigned to.
    pub assignee: Option<UserId>,
    /// The skill the work needs, if any.
    pub skill: Option<Skill>,
    /// Estimated labour, minutes.
    pub estimated_minutes: Option<u32>,
    /// When it should be done by.
    pub due_at: Option<UtcMillis>,
    /// Required date and frequency, for orders from plans.
    pub pm: Option<PmInfo>,
    /// The checklist to fill while doing it.
    pub checklist: Option<TemplateId>,
    /// ISO 14224 failure code (required on corrective work to complete).
    pub failure: Option<FailureCode>,
    /// Why the asset was down.
    pub downtime_reason: Option<DownCause>,
    /// The repair-time components.
    pub repair: RepairTimes,
    /// Time worked, per technician.
    pub labour: Vec<LabourEntry>,
    /// Parts used.
    pub parts: Vec<PartUse>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Set when the order waits for a supervisor's review; cleared by close or cancel.
    pub review: Option<ReviewReason>,
    /// When work first started.
    pub started_at: Option<UtcMillis>,
    /// When it was completed.
    pub completed_at: Option<UtcMillis>,
    /// When it was closed or cancelled.
    pub closed_at: Option<UtcMillis>,
    /// Every change, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// An order not yet stored: what the store inserts.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWorkOrder {
    /// What the work is for.
    pub kind: WorkKind,
    /// How urgent.
    pub priority: Priority,
    /// The first state: requested or approved.
    pub state: WorkState,
    /// One line.
    pub title: String,
    /// Details.
    pub description: String,
    /// The asset.
    pub asset: AssetId,
    /// The asset's site.
    pub site: SiteId,
    /// Where it comes from.
    pub origin: Origin,
    /// When.
    pub created_at: UtcMillis,
    /// Who.
    pub created_by: Actor,
    /// The skill the work needs.
    pub skill: Option<Skill>,
    /// Estimated labour, minutes.
    pub estimated_minutes: Option<u32>,
    /// When it should be done by.
    pub due_at: Option<UtcMillis>,
    /// For orders from plans.
    pub pm: Option<PmInfo>,
    /// The checklist to fill.
    pub checklist: Option<TemplateId>,
    /// Notes to attach at creation (system facts such as skipped occurrences).
    pub notes: Vec<NoteBody>,
}

impl NewWorkOrder {
    /// The unique key the store enforces ([`Origin::key`]).
    #[must_use]
    pub fn origin_key(&self) -> Option<String> {
        self.origin.key(self.asset)
    }

    /// The stored order, once the store has assigned its id. Adds the
    /// creation audit entry.
    #[must_use]
    pub fn into_order(self, id: WorkOrderId) -> WorkOrder {
        let created = AuditEntry {
            at: self.created_at,
            by: self.created_by,
            event: AuditEvent::Created,
            from: None,
            to: self.state,
            comment: None,
        };
        let notes = self
            .notes
            .into_iter()
            .map(|body| Note {
                at: self.created_at,
                by: self.created_by,
                body,
            })
            .collect();
        WorkOrder {
            id,
            kind: self.kind,
            priority: self.priority,
            state: self.state,
            title: self.title,
            description: self.description,
            asset: self.asset,
            site: self.site,
            origin: self.origin,
            created_at: self.created_at,
            created_by: self.created_by,
            assignee: None,
            skill: self.skill,
            estimated_minutes: self.estimated_minutes,
            due_at: self.due_at,
            pm: self.pm,
            checklist: self.checklist,
            failure: None,
            downtime_reason: None,
            repair: RepairTimes::default(),
            labour: Vec::new(),
            parts: Vec::new(),
            notes,
            review: None,
            started_at: None,
            completed_at: None,
            closed_at: None,
            audit: vec![created],
        }
    }
}

/// An action on a work order, with its payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// requested → approved.
    Approve,
    /// approved → assigned, to this technician.
    Assign {
        /// The technician.
        technician: UserId,
    },
    /// Give an assigned, started or held order to another technician.
    Reassign {
        /// The new technician.
        technician: UserId,
    },
    /// assigned → in_progress.
    Start,
    /// in_progress → on_hold (comment required).
    Hold,
    /// on_hold → in_progress.
    Resume,
    /// in_progress → completed.
    Complete,
    /// completed → closed.
    Close,
    /// open → cancelled (comment required).
    Cancel,
    /// Record time worked.
    LogLabour(LabourEntry),
    /// Record a part used.
    AddPart(PartUse),
    /// Record the failure code.
    SetFailureCode(FailureCode),
    /// Record why the asset was down.
    SetDowntimeReason(DownCause),
    /// Record the repair-time components (replacing earlier ones).
    SetRepairTimes(RepairTimes),
    /// Add a note.
    AddNote(String),
}

impl Action {
    /// The payload-free kind.
    #[must_use]
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Approve => ActionKind::Approve,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Reassign { .. } => ActionKind::Reassign,
            Action::Start => ActionKind::Start,
            Action::Hold => ActionKind::Hold,
            Action::Resume => ActionKind::Resume,
            Action::Complete => ActionKind::Complete,
            Action::Close => ActionKind::Close,
            Action::Cancel => ActionKind::Cancel,
            Action::LogLabour(_) => ActionKind::LogLabour,
            Action::AddPart(_) => ActionKind::AddPart,
            Action::SetFailureCode(_) => ActionKind::SetFailureCode,
            Action::SetDowntimeReason(_) => ActionKind::SetDowntimeReason,
            Action::SetRepairTimes(_) => ActionKind::SetRepairTimes,
            Action::AddNote(_) => ActionKind::AddNote,
        }
    }
}

/// What [`WorkOrder::on_alarm_cleared`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClearOutcome {
    /// A note was added and the order flagged for review.
    Flagged,
    /// The order was already flagged for this alarm: nothing changed.
    AlreadyFlagged,
    /// The order is no longer open (completed, closed or cancelled): nothing changed.
    NotOpen,
    /// The order was not raised by this alarm: nothing changed.
    OtherAlarm,
}

impl WorkOrder {
    /// Whether the actor may see the order: a technician sees only orders
    /// assigned to them; every other role (and the system) sees all.
    #[must_use]
    pub fn visible_to(&self, actor: &Actor) -> bool {
        match actor {
            Actor::User {
                id,
                role: Role::Technician,
            } => self.assignee == Some(*id),
            Actor::User { .. } | Actor::System => true,
        }
    }

    /// Role, ownership and state checks for an action kind, without its
    /// payload: the state it would lead to.
    ///
    /// # Errors
    /// [`ActionError::RoleMayNot`], [`ActionError::SystemMayNot`],
    /// [`ActionError::NotOwnOrder`] or [`ActionError::NotAllowedInState`].
    pub fn gate(&self, actor: &Actor, kind: ActionKind) -> Result<WorkState, ActionError> {
        match actor {
            Actor::System => {
                if !system_may(kind) {
                    return Err(ActionError::SystemMayNot { action: kind });
                }
            }
            Actor::User { id, role } => {
                if !roles_for(kind).contains(role) {
                    return Err(ActionError::RoleMayNot {
                        role: *role,
                        action: kind,
                    });
                }
                if *role == Role::Technician && self.assignee != Some(*id) {
                    return Err(ActionError::NotOwnOrder {
                        user: *id,
                        action: kind,
                    });
                }
            }
        }
        next_state(self.state, kind).ok_or(ActionError::NotAllowedInState {
            action: kind,
            state: self.state,
        })
    }

    /// The action kinds the actor may take now (for the buttons of a page).
    /// Payload checks (a failure code before completion, a comment) still
    /// apply when the action is taken.
    #[must_use]
    pub fn allowed_actions(&self, actor: &Actor) -> Vec<ActionKind> {
        ActionKind::ALL
            .iter()
            .copied()
            .filter(|k| self.gate(actor, *k).is_ok())
            .collect()
    }

    /// Every check of [`WorkOrder::apply`], without changing anything: the
    /// state the action would lead to.
    ///
    /// # Errors
    /// [`ActionError`] saying what is refused.
    pub fn check(
        &self,
        actor: &Actor,
        action: &Action,
        comment: Option<&str>,
        now: UtcMillis,
    ) -> Result<WorkState, ActionError> {
        let kind = action.kind();
        let to = self.gate(actor, kind)?;
        let comment = clean(comment);
        if let Some(c) = &comment
            && !fits(c)
        {
            return Err(InputError::TooLong(TextField::Comment).into());
        }
        match action {
            Action::Hold | Action::Cancel if comment.is_none() => {
                return Err(ActionError::CommentRequired { action: kind });
            }
            Action::Reassign { technician } if self.assignee == Some(*technician) => {
                return Err(ActionError::AlreadyAssigned(*technician));
            }
            Action::Complete if self.kind == WorkKind::Corrective && self.failure.is_none() => {
                return Err(ActionError::FailureCodeRequired);
            }
            Action::LogLabour(entry) => {
                if let Actor::User {
                    id,
                    role: Role::Technician,
                } = actor
                    && entry.technician != *id
                {
                    return Err(ActionError::LabourForOther {
                        user: *id,
                        other: entry.technician,
                    });
                }
                if entry.minutes == 0 || entry.minutes > 24 * 60 {
                    return Err(InputError::LabourMinutes(entry.minutes).into());
                }
                if entry.started_at > now {
                    return Err(InputError::LabourInFuture.into());
                }
                if let Some(n) = &entry.note
                    && !fits(n)
                {
                    return Err(InputError::TooLong(TextField::LabourNote).into());
                }
            }
            Action::AddPart(part) => {
                if part.description.trim().is_empty() {
                    return Err(InputError::Empty(TextField::PartDescription).into());
                }
                if !fits(&part.description) {
                    return Err(InputError::TooLong(TextField::PartDescription).into());
                }
                if let Some(u) = &part.unit
                    && !fits(u)
                {
                    return Err(InputError::TooLong(TextField::PartUnit).into());
                }
                if !(part.quantity.is_finite() && part.quantity > 0.0) {
                    return Err(InputError::PartQuantity(part.quantity).into());
                }
            }
            Action::SetDowntimeReason(DownCause::NoData) => {
                return Err(InputError::NoDataIsNotDowntime.into());
            }
            Action::AddNote(text) => {
                if text.trim().is_empty() {
                    return Err(InputError::Empty(TextField::Note).into());
                }
                if !fits(text) {
                    return Err(InputError::TooLong(TextField::Note).into());
                }
            }
            _ => {}
        }
        Ok(to)
    }

    /// Take an action: check it ([`WorkOrder::check`]), then change the order
    /// and append one audit entry. Returns the new state.
    ///
    /// # Errors
    /// [`ActionError`]; the order is then unchanged.
    pub fn apply(
        &mut self,
        actor: Actor,
        action: Action,
        comment: Option<&str>,
        now: UtcMillis,
    ) -> Result<WorkState, ActionError> {
        let to = self.check(&actor, &action, comment, now)?;
        let from = self.state;
        let kind = action.kind();
        match action {
            Action::Assign { technician } | Action::Reassign { technician } => {
                self.assignee = Some(technician);
            }
            Action::Start => {
                self.started_at.get_or_insert(now);
            }
            Action::Complete => self.completed_at = Some(now),
            Action::Close | Action::Cancel => {
                self.closed_at = Some(now);
                self.review = None;
            }
            Action::LogLabour(mut entry) => {
                entry.note = clean(entry.note.as_deref());
                self.labour.push(entry);
            }
            Action::AddPart(mut part) => {
                part.description = part.description.trim().to_owned();
                part.unit = clean(part.unit.as_deref());
                self.parts.push(part);
            }
            Action::SetFailureCode(code) => self.failure = Some(code),
            Action::SetDowntimeReason(cause) => self.downtime_reason = Some(cause),
            Action::SetRepairTimes(times) => self.repair = times,
            Action::AddNote(text) => self.notes.push(Note {
                at: now,
                by: actor,
                body: NoteBody::Text(text.trim().to_owned()),
            }),
            Action::Approve | Action::Hold | Action::Resume => {}
        }
        self.state = to;
        self.audit.push(AuditEntry {
            at: now,
            by: actor,
            event: AuditEvent::Action(kind),
            from: Some(from),
            to,
            comment: clean(comment),
        });
        Ok(to)
    }

    /// The originating alarm cleared. While the order is open it gets a
    /// note and a review flag (never closed silently: a supervisor decides);
    /// a second clear of the same alarm changes nothing.
    pub fn on_alarm_cleared(
        &mut self,
        alarm: AlarmId,
        cleared_at: UtcMillis,
        now: UtcMillis,
    ) -> ClearOutcome {
        if self.origin != Origin::Alarm(alarm) {
            return ClearOutcome::OtherAlarm;
        }
        if !self.state.is_open() {
            return ClearOutcome::NotOpen;
        }
        if matches!(self.review, Some(ReviewReason::AlarmCleared { alarm: a, .. }) if a == alarm) {
            return ClearOutcome::AlreadyFlagged;
        }
        self.review = Some(ReviewReason::AlarmCleared { alarm, cleared_at });
        self.notes.push(Note {
            at: now,
            by: Actor::System,
            body: NoteBody::AlarmCleared { alarm, cleared_at },
        });
        self.audit.push(AuditEntry {
            at: now,
            by: Actor::System,
            event: AuditEvent::AlarmCleared,
            from: Some(self.state),
            to: self.state,
            comment: None,
        });
        ClearOutcome::Flagged
    }

    /// Labour logged so far, minutes.
    #[must_use]
    pub fn logged_minutes(&self) -> u64 {
        self.labour.iter().map(|l| u64::from(l.minutes)).sum()
    }

    /// Estimated labour still to do, minutes: the estimate less labour
    /// logged, never below zero; `None` without an estimate. Assignment load
    /// and backlog both use it.
    #[must_use]
    pub fn remaining_minutes(&self) -> Option<u64> {
        self.estimated_minutes
            .map(|e| u64::from(e).saturating_sub(self.logged_minutes()))
    }

    /// The unique key the store enforces ([`Origin::key`]).
    #[must_use]
    pub fn origin_key(&self) -> Option<String> {
        self.origin.key(self.asset)
    }
}

#[cfg(test)]
mod tests;
