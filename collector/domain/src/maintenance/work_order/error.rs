//! Why an action on a work order was refused, in English (`Display`) and
//! in the user's language ([`ActionError::message`]).

use super::state::{ActionKind, WorkState};
use crate::maintenance::text::{MAX_TEXT_CHARS, role_with_article};
use crate::{Lang, Role, UserId};

/// A free-text field of a work order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextField {
    /// The order's title.
    Title,
    /// The order's description.
    Description,
    /// A note.
    Note,
    /// An action's comment.
    Comment,
    /// A part's description.
    PartDescription,
    /// A part's unit.
    PartUnit,
    /// A labour entry's note.
    LabourNote,
}

impl TextField {
    /// The field's name.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, TextField::Title) => "title",
            (Lang::En, TextField::Description) => "description",
            (Lang::En, TextField::Note) => "note",
            (Lang::En, TextField::Comment) => "comment",
            (Lang::En, TextField::PartDescription) => "part description",
            (Lang::En, TextField::PartUnit) => "part unit",
            (Lang::En, TextField::LabourNote) => "labour note",
            (Lang::Es, TextField::Title) => "el título",
            (Lang::Es, TextField::Description) => "la descripción",
            (Lang::Es, TextField::Note) => "la nota",
            (Lang::Es, TextField::Comment) => "el comentario",
            (Lang::Es, TextField::PartDescription) => "la descripción del repuesto",
            (Lang::Es, TextField::PartUnit) => "la unidad del repuesto",
            (Lang::Es, TextField::LabourNote) => "la nota de horas",
        }
    }
}

/// A payload that cannot be recorded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InputError {
    /// A required text is empty.
    #[error("the {} is empty", .0.label(Lang::En))]
    Empty(TextField),
    /// A text is longer than [`MAX_TEXT_CHARS`].
    #[error("the {} is longer than {MAX_TEXT_CHARS} characters", .0.label(Lang::En))]
    TooLong(TextField),
    /// Labour must be 1 to 1440 minutes.
    #[error("labour of {0} minutes is outside 1 to 1440 minutes")]
    LabourMinutes(u32),
    /// Labour cannot start after the time it is logged.
    #[error("labour cannot start in the future")]
    LabourInFuture,
    /// A part's quantity must be positive and finite.
    #[error("part quantity {0} is not a positive number")]
    PartQuantity(f64),
    /// `no_data` describes a telemetry gap, not why the asset was down.
    #[error("no_data is a telemetry gap, not a downtime reason")]
    NoDataIsNotDowntime,
}

impl InputError {
    /// The message shown to people.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Es, InputError::Empty(f)) => format!("{} está vacío", f.label(lang)),
            (Lang::Es, InputError::TooLong(f)) => {
                format!("{} supera los {MAX_TEXT_CHARS} caracteres", f.label(lang))
            }
            (Lang::Es, InputError::LabourMinutes(m)) => {
                format!("{m} minutos de trabajo está fuera del rango de 1 a 1440 minutos")
            }
            (Lang::Es, InputError::LabourInFuture) => {
                "las horas de trabajo no pueden comenzar en el futuro".to_owned()
            }
            (Lang::Es, InputError::PartQuantity(q)) => {
                format!("la cantidad de repuesto {q} no es un número positivo")
            }
            (Lang::Es, InputError::NoDataIsNotDowntime) => {
                "no_data es una falta de telemetría, no una causa de detención".to_owned()
            }
        }
    }
}

/// Why an action on a work order, or the raising of one, was refused. A
/// refused action leaves the order exactly as it was.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// The role may never take this action.
    #[error("{} may not {} work orders", role_with_article(*role, Lang::En), action.verb(Lang::En))]
    RoleMayNot {
        /// The actor's role.
        role: Role,
        /// The action.
        action: ActionKind,
    },
    /// The system acts only to assign and to add notes.
    #[error("the system may not {} work orders", action.verb(Lang::En))]
    SystemMayNot {
        /// The action.
        action: ActionKind,
    },
    /// A technician acts only on orders assigned to them.
    #[error("technician {user} may {} only work orders assigned to them", action.verb(Lang::En))]
    NotOwnOrder {
        /// The technician.
        user: UserId,
        /// The action.
        action: ActionKind,
    },
    /// The transition table has no such move from this state.
    #[error("cannot {} a work order that is {}", action.verb(Lang::En), state.label(Lang::En))]
    NotAllowedInState {
        /// The action.
        action: ActionKind,
        /// The order's state.
        state: WorkState,
    },
    /// Corrective work is completed only with its ISO 14224 failure code.
    #[error(
        "a corrective work order needs a failure code (mode, mechanism and cause) before it is completed"
    )]
    FailureCodeRequired,
    /// Reassigning to the technician who already has the order.
    #[error("the work order is already assigned to technician {0}")]
    AlreadyAssigned(UserId),
    /// Holding and cancelling need a comment saying why.
    #[error("a comment saying why is required to {} a work order", action.verb(Lang::En))]
    CommentRequired {
        /// The action.
        action: ActionKind,
    },
    /// A technician logs only their own labour.
    #[error("technician {user} may log labour only for themselves, not for technician {other}")]
    LabourForOther {
        /// The technician acting.
        user: UserId,
        /// The technician named on the entry.
        other: UserId,
    },
    /// Only operators, supervisors and admins raise requests by hand.
    #[error("{} may not raise work requests", role_with_article(*role, Lang::En))]
    MayNotRaise {
        /// The actor's role.
        role: Role,
    },
    /// The payload cannot be recorded.
    #[error(transparent)]
    Input(#[from] InputError),
}

impl ActionError {
    /// The message shown to people.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ActionError::RoleMayNot { role, action } => format!(
                "{} no puede {} órdenes de trabajo",
                role_with_article(*role, lang),
                action.verb(lang)
            ),
            ActionError::SystemMayNot { action } => {
                format!("el sistema no puede {} órdenes de trabajo", action.verb(lang))
            }
            ActionError::NotOwnOrder { user, action } => format!(
                "el técnico {user} solo puede {} órdenes de trabajo asignadas a él",
                action.verb(lang)
            ),
            ActionError::NotAllowedInState { action, state } => format!(
                "no se puede {} una orden de trabajo en estado «{}»",
                action.verb(lang),
                state.label(lang)
            ),
            ActionError::FailureCodeRequired => "una orden de trabajo correctiva necesita un código de falla (modo, mecanismo y causa) antes de completarse".to_owned(),
            ActionError::AlreadyAssigned(u) => {
                format!("la orden de trabajo ya está asignada al técnico {u}")
            }
            ActionError::CommentRequired { action } => format!(
                "se requiere un comentario que explique por qué para {} una orden de trabajo",
                action.verb(lang)
            ),
            ActionError::LabourForOther { user, other } => format!(
                "el técnico {user} solo puede registrar sus propias horas, no las del técnico {other}"
            ),
            ActionError::MayNotRaise { role } => format!(
                "{} no puede crear solicitudes de trabajo",
                role_with_article(*role, lang)
            ),
            ActionError::Input(e) => e.message(lang),
        }
    }

    /// The action refused, where there is one.
    #[must_use]
    pub fn action(&self) -> Option<ActionKind> {
        match self {
            ActionError::RoleMayNot { action, .. }
            | ActionError::SystemMayNot { action }
            | ActionError::NotOwnOrder { action, .. }
            | ActionError::NotAllowedInState { action, .. }
            | ActionError::CommentRequired { action } => Some(*action),
            ActionError::FailureCodeRequired => Some(ActionKind::Complete),
            ActionError::AlreadyAssigned(_) => Some(ActionKind::Reassign),
            ActionError::LabourForOther { .. } => Some(ActionKind::LogLabour),
            ActionError::MayNotRaise { .. } | ActionError::Input(_) => None,
        }
    }
}
