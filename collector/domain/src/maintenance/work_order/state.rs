//! The closed vocabularies of a work order and the transition table itself.

use crate::vocab::vocabulary;
use crate::{Lang, Role};

vocabulary!(
    /// What a work order is for.
    WorkKind {
        /// Repair after a failure (from an alarm, a failed check or a request).
        Corrective => "corrective",
        /// Planned work from a preventive plan (calendar or meter).
        Preventive => "preventive",
        /// Work raised from condition or failure risk (step 4).
        Predictive => "predictive",
        /// An inspection round or check.
        Inspection => "inspection",
    }
);

impl WorkKind {
    /// The word shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, WorkKind::Corrective) => "correctiva",
            (Lang::Es, WorkKind::Preventive) => "preventiva",
            (Lang::Es, WorkKind::Predictive) => "predictiva",
            (Lang::Es, WorkKind::Inspection) => "inspección",
            (Lang::En, k) => k.as_str(),
        }
    }
}

vocabulary!(
    /// How urgent a work order is. `Ord` follows urgency: `Critical` is the greatest.
    Priority {
        /// When convenient.
        Low => "low",
        /// In the normal course of work.
        Medium => "medium",
        /// Before other work.
        High => "high",
        /// At once.
        Critical => "critical",
    }
);

impl Priority {
    /// The word shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, Priority::Low) => "baja",
            (Lang::Es, Priority::Medium) => "media",
            (Lang::Es, Priority::High) => "alta",
            (Lang::Es, Priority::Critical) => "crítica",
            (Lang::En, p) => p.as_str(),
        }
    }
}

vocabulary!(
    /// Where a work order is in its life (see the table in [`super`]).
    WorkState {
        /// Raised, waiting for a supervisor's approval (Maximo WAPPR).
        Requested => "requested",
        /// Approved, waiting for a technician (Maximo APPR/WSCH).
        Approved => "approved",
        /// A technician is assigned; work has not started.
        Assigned => "assigned",
        /// Work is under way (Maximo INPRG).
        InProgress => "in_progress",
        /// Work stopped for a reason (parts, access, weather).
        OnHold => "on_hold",
        /// The technician finished; waiting for review (Maximo COMP).
        Completed => "completed",
        /// Reviewed and closed (Maximo CLOSE). Final.
        Closed => "closed",
        /// Will not be done (Maximo CAN). Final.
        Cancelled => "cancelled",
    }
);

impl WorkState {
    /// Requested, approved, assigned, in progress or on hold: work remains
    /// to be done and the order may still be cancelled.
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(
            self,
            WorkState::Requested
                | WorkState::Approved
                | WorkState::Assigned
                | WorkState::InProgress
                | WorkState::OnHold
        )
    }

    /// Closed or cancelled: nothing changes any more.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, WorkState::Closed | WorkState::Cancelled)
    }

    /// The word shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, WorkState::Requested) => "solicitada",
            (Lang::Es, WorkState::Approved) => "aprobada",
            (Lang::Es, WorkState::Assigned) => "asignada",
            (Lang::Es, WorkState::InProgress) => "en curso",
            (Lang::Es, WorkState::OnHold) => "en espera",
            (Lang::Es, WorkState::Completed) => "completada",
            (Lang::Es, WorkState::Closed) => "cerrada",
            (Lang::Es, WorkState::Cancelled) => "anulada",
            (Lang::En, WorkState::Requested) => "requested",
            (Lang::En, WorkState::Approved) => "approved",
            (Lang::En, WorkState::Assigned) => "assigned",
            (Lang::En, WorkState::InProgress) => "in progress",
            (Lang::En, WorkState::OnHold) => "on hold",
            (Lang::En, WorkState::Completed) => "completed",
            (Lang::En, WorkState::Closed) => "closed",
            (Lang::En, WorkState::Cancelled) => "cancelled",
        }
    }
}

vocabulary!(
    /// What an actor does to a work order (the payload-free half of
    /// [`super::Action`]).
    ActionKind {
        /// requested → approved.
        Approve => "approve",
        /// approved → assigned.
        Assign => "assign",
        /// Change the technician of an assigned, started or held order.
        Reassign => "reassign",
        /// assigned → in_progress.
        Start => "start",
        /// in_progress → on_hold.
        Hold => "hold",
        /// on_hold → in_progress.
        Resume => "resume",
        /// in_progress → completed.
        Complete => "complete",
        /// completed → closed.
        Close => "close",
        /// any open state → cancelled.
        Cancel => "cancel",
        /// Record time worked.
        LogLabour => "log_labour",
        /// Record a part used.
        AddPart => "add_part",
        /// Record the ISO 14224 failure code.
        SetFailureCode => "set_failure_code",
        /// Record why the asset was down.
        SetDowntimeReason => "set_downtime_reason",
        /// Record the repair-time components.
        SetRepairTimes => "set_repair_times",
        /// Add a free-text note.
        AddNote => "add_note",
    }
);

impl ActionKind {
    /// The verb as it reads in "may not … work orders" / "no puede … órdenes de trabajo".
    #[must_use]
    pub fn verb(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, ActionKind::Approve) => "approve",
            (Lang::En, ActionKind::Assign) => "assign",
            (Lang::En, ActionKind::Reassign) => "reassign",
            (Lang::En, ActionKind::Start) => "start",
            (Lang::En, ActionKind::Hold) => "put on hold",
            (Lang::En, ActionKind::Resume) => "resume",
            (Lang::En, ActionKind::Complete) => "complete",
            (Lang::En, ActionKind::Close) => "close",
            (Lang::En, ActionKind::Cancel) => "cancel",
            (Lang::En, ActionKind::LogLabour) => "log labour on",
            (Lang::En, ActionKind::AddPart) => "add parts to",
            (Lang::En, ActionKind::SetFailureCode) => "set the failure code of",
            (Lang::En, ActionKind::SetDowntimeReason) => "set the downtime reason of",
            (Lang::En, ActionKind::SetRepairTimes) => "set the repair times of",
            (Lang::En, ActionKind::AddNote) => "add notes to",
            (Lang::Es, ActionKind::Approve) => "aprobar",
            (Lang::Es, ActionKind::Assign) => "asignar",
            (Lang::Es, ActionKind::Reassign) => "reasignar",
            (Lang::Es, ActionKind::Start) => "iniciar",
            (Lang::Es, ActionKind::Hold) => "poner en espera",
            (Lang::Es, ActionKind::Resume) => "reanudar",
            (Lang::Es, ActionKind::Complete) => "completar",
            (Lang::Es, ActionKind::Close) => "cerrar",
            (Lang::Es, ActionKind::Cancel) => "anular",
            (Lang::Es, ActionKind::LogLabour) => "registrar horas en",
            (Lang::Es, ActionKind::AddPart) => "registrar repuestos en",
            (Lang::Es, ActionKind::SetFailureCode) => "registrar el código de falla de",
            (Lang::Es, ActionKind::SetDowntimeReason) => "registrar la causa de detención de",
            (Lang::Es, ActionKind::SetRepairTimes) => "registrar los tiempos de reparación de",
            (Lang::Es, ActionKind::AddNote) => "agregar notas a",
        }
    }

    /// Whether the action moves the order to another state (the first
    /// table in [`super`]) rather than recording something on it.
    #[must_use]
    pub fn is_transition(self) -> bool {
        TRANSITIONS.iter().any(|(_, kind, _)| *kind == self)
    }
}

/// The transition table: `(from, action, to)`. Nothing else moves an order
/// from one state to another.
pub const TRANSITIONS: &[(WorkState, ActionKind, WorkState)] = &[
    (
        WorkState::Requested,
        ActionKind::Approve,
        WorkState::Approved,
    ),
    (WorkState::Approved, ActionKind::Assign, WorkState::Assigned),
    (
        WorkState::Assigned,
        ActionKind::Start,
        WorkState::InProgress,
    ),
    (WorkState::InProgress, ActionKind::Hold, WorkState::OnHold),
    (WorkState::OnHold, ActionKind::Resume, WorkState::InProgress),
    (
        WorkState::InProgress,
        ActionKind::Complete,
        WorkState::Completed,
    ),
    (WorkState::Completed, ActionKind::Close, WorkState::Closed),
    (
        WorkState::Requested,
        ActionKind::Cancel,
        WorkState::Cancelled,
    ),
    (
        WorkState::Approved,
        ActionKind::Cancel,
        WorkState::Cancelled,
    ),
    (
        WorkState::Assigned,
        ActionKind::Cancel,
        WorkState::Cancelled,
    ),
    (
        WorkState::InProgress,
        ActionKind::Cancel,
        WorkState::Cancelled,
    ),
    (WorkState::OnHold, ActionKind::Cancel, WorkState::Cancelled),
];

/// The states in which an action that keeps the state is allowed.
#[must_use]
pub fn keeping_states(kind: ActionKind) -> &'static [WorkState] {
    match kind {
        ActionKind::Reassign => &[
            WorkState::Assigned,
            WorkState::InProgress,
            WorkState::OnHold,
        ],
        ActionKind::LogLabour
        | ActionKind::AddPart
        | ActionKind::SetFailureCode
        | ActionKind::SetDowntimeReason
        | ActionKind::SetRepairTimes => &[
            WorkState::InProgress,
            WorkState::OnHold,
            WorkState::Completed,
        ],
        ActionKind::AddNote => &[
            WorkState::Requested,
            WorkState::Approved,
            WorkState::Assigned,
            WorkState::InProgress,
            WorkState::OnHold,
            WorkState::Completed,
        ],
        ActionKind::Approve
        | ActionKind::Assign
        | ActionKind::Start
        | ActionKind::Hold
        | ActionKind::Resume
        | ActionKind::Complete
        | ActionKind::Close
        | ActionKind::Cancel => &[],
    }
}

/// The state an action leads to from `from`, or `None` when the tables
/// refuse it.
#[must_use]
pub fn next_state(from: WorkState, kind: ActionKind) -> Option<WorkState> {
    if let Some((_, _, to)) = TRANSITIONS
        .iter()
        .find(|(f, k, _)| *f == from && *k == kind)
    {
        return Some(*to);
    }
    keeping_states(kind).contains(&from).then_some(from)
}

/// Who may take an action, before ownership is considered: a technician
/// listed here may act only on an order assigned to them.
#[must_use]
pub fn roles_for(kind: ActionKind) -> &'static [Role] {
    match kind {
        ActionKind::Approve
        | ActionKind::Assign
        | ActionKind::Reassign
        | ActionKind::Close
        | ActionKind::Cancel => &[Role::Supervisor, Role::Admin],
        ActionKind::Start
        | ActionKind::Hold
        | ActionKind::Resume
        | ActionKind::Complete
        | ActionKind::LogLabour
        | ActionKind::AddPart => &[Role::Technician, Role::Admin],
        ActionKind::SetFailureCode | ActionKind::SetDowntimeReason | ActionKind::SetRepairTimes => {
            &[Role::Technician, Role::Supervisor, Role::Admin]
        }
        ActionKind::AddNote => &[
            Role::Technician,
            Role::Operator,
            Role::Supervisor,
            Role::Admin,
        ],
    }
}

/// What the collector itself may do (automatic assignment and links).
#[must_use]
pub fn system_may(kind: ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::Assign | ActionKind::Reassign | ActionKind::AddNote
    )
}
