//! What a work order records: who acted, labour, parts, repair-time
//! components, notes, its origin and its audit trail.

use super::state::{ActionKind, WorkState};
use crate::maintenance::ids::ChecklistId;
use crate::maintenance::text::role_with_article;
use crate::{AlarmId, AssetId, Lang, PlanId, Role, UserId, UtcMillis, Zone};

/// Who acts on a work order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A signed-in user acting in their role.
    User {
        /// The user.
        id: UserId,
        /// The role they act in.
        role: Role,
    },
    /// The collector itself: plan generation, alarm links, automatic assignment.
    System,
}

impl Actor {
    /// A user in a role.
    #[must_use]
    pub fn user(id: UserId, role: Role) -> Actor {
        Actor::User { id, role }
    }

    /// The user, unless it is the system.
    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::System => None,
        }
    }

    /// The role, unless it is the system.
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::User { role, .. } => Some(*role),
            Actor::System => None,
        }
    }

    /// "user 7 (a technician)" / "usuario 7 (un técnico)" / "the system".
    #[must_use]
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, Actor::User { id, role }) => {
                format!("user {id} ({})", role_with_article(*role, lang))
            }
            (Lang::Es, Actor::User { id, role }) => {
                format!("usuario {id} ({})", role_with_article(*role, lang))
            }
            (Lang::En, Actor::System) => "the system".to_owned(),
            (Lang::Es, Actor::System) => "el sistema".to_owned(),
        }
    }
}

/// Time a technician worked on an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabourEntry {
    /// Who worked.
    pub technician: UserId,
    /// When the work began.
    pub started_at: UtcMillis,
    /// How long, in minutes (1 to 1440).
    pub minutes: u32,
    /// What was done.
    pub note: Option<String>,
}

/// A part (or consumable) used on an order: free text and a quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct PartUse {
    /// What was used, as the technician wrote it ("sello mecánico 35 mm").
    pub description: String,
    /// How many or how much; positive and finite.
    pub quantity: f64,
    /// The unit of the quantity, if not pieces ("L", "m").
    pub unit: Option<String>,
}

/// A component of the time to restore an asset, in the order it happens.
/// Reliability (step 4) sums the components each MTTR variant names; for
/// example (reference §1): SMRP 3.5.2 (2009) counts from the stop to the
/// restore, every component; the current SMRP edition starts when the
/// technician arrives (no detection, no response); ISO 14224 leaves out
/// detection; IEC 60050-191 "mean time to restoration" includes it; plain
/// active repair time is repair + test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RepairComponent {
    /// From the failure until someone knew of it.
    Detection,
    /// From notice until the technician reached the asset (travel).
    Response,
    /// Waiting for parts or other logistics.
    WaitingParts,
    /// Hands-on repair.
    ActiveRepair,
    /// The function test before hand-over.
    Test,
}

impl RepairComponent {
    /// Every component, in the order it happens.
    pub const ALL: [RepairComponent; 5] = [
        RepairComponent::Detection,
        RepairComponent::Response,
        RepairComponent::WaitingParts,
        RepairComponent::ActiveRepair,
        RepairComponent::Test,
    ];

    /// The spelling in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RepairComponent::Detection => "detection",
            RepairComponent::Response => "response",
            RepairComponent::WaitingParts => "waiting_parts",
            RepairComponent::ActiveRepair => "active_repair",
            RepairComponent::Test => "test",
        }
    }
}

/// The repair-time components of an order, in minutes; `None` where not
/// recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RepairTimes {
    /// Failure to notice.
    pub detection_min: Option<u32>,
    /// Notice to arrival (travel).
    pub response_min: Option<u32>,
    /// Waiting for parts.
    pub waiting_parts_min: Option<u32>,
    /// Hands-on repair.
    pub active_repair_min: Option<u32>,
    /// Function test.
    pub test_min: Option<u32>,
}

impl RepairTimes {
    /// One component.
    #[must_use]
    pub fn get(&self, component: RepairComponent) -> Option<u32> {
        match component {
            RepairComponent::Detection => self.detection_min,
            RepairComponent::Response => self.response_min,
            RepairComponent::WaitingParts => self.waiting_parts_min,
            RepairComponent::ActiveRepair => self.active_repair_min,
            RepairComponent::Test => self.test_min,
        }
    }

    /// The sum of the named components, in minutes, or `None` when one of
    /// them was not recorded (a variant is never computed from part of its
    /// components).
    #[must_use]
    pub fn total(&self, components: &[RepairComponent]) -> Option<u64> {
        components.iter().map(|c| self.get(*c).map(u64::from)).sum()
    }
}

/// The body of a note: free text, or a fact the system recorded (rendered
/// in the reader's language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteBody {
    /// Written by a person.
    Text(String),
    /// The alarm that raised the order cleared while the order was open.
    AlarmCleared {
        /// The alarm.
        alarm: AlarmId,
        /// When it cleared.
        cleared_at: UtcMillis,
    },
    /// A fixed plan skipped occurrences before this order (Odoo's "N
    /// occurrence(s) skipped").
    OccurrencesSkipped {
        /// How many.
        count: u32,
    },
}

impl NoteBody {
    /// The note as a person reads it; times in `zone`.
    #[must_use]
    pub fn render(&self, lang: Lang, zone: Zone) -> String {
        match (lang, self) {
            (_, NoteBody::Text(t)) => t.clone(),
            (Lang::Es, NoteBody::AlarmCleared { alarm, cleared_at }) => format!(
                "La alarma {alarm} se normalizó el {} con la orden aún abierta: revisar si el trabajo sigue siendo necesario.",
                zone.local(*cleared_at).format("%Y-%m-%d %H:%M")
            ),
            (Lang::En, NoteBody::AlarmCleared { alarm, cleared_at }) => format!(
                "Alarm {alarm} cleared at {} while the order was still open: review whether the work is still needed.",
                zone.local(*cleared_at).format("%Y-%m-%d %H:%M")
            ),
            (Lang::Es, NoteBody::OccurrencesSkipped { count }) => {
                format!("Se omitieron {count} ocurrencia(s) del plan antes de esta orden.")
            }
            (Lang::En, NoteBody::OccurrencesSkipped { count }) => {
                format!("{count} occurrence(s) of the plan were skipped before this order.")
            }
        }
    }
}

/// A note on an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// When it was added.
    pub at: UtcMillis,
    /// Who added it.
    pub by: Actor,
    /// What it says.
    pub body: NoteBody,
}

/// Why an order waits for a supervisor's review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewReason {
    /// The alarm that raised it cleared while the order was open.
    AlarmCleared {
        /// The alarm.
        alarm: AlarmId,
        /// When it cleared.
        cleared_at: UtcMillis,
    },
}

/// Where an order came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Raised by hand (a failure request).
    Manual,
    /// Raised by an alarm.
    Alarm(AlarmId),
    /// Generated by a preventive plan: the `seq`-th order of the plan for the
    /// order's asset.
    Plan {
        /// The plan.
        plan: PlanId,
        /// The occurrence number, from 1.
        seq: u32,
    },
    /// Raised by a checklist item that failed.
    Checklist {
        /// The filled checklist.
        instance: ChecklistId,
        /// The item's key in its template.
        item: String,
    },
}

impl Origin {
    /// The deterministic key that makes an automatically raised order
    /// unique: the store keeps a unique index on it and inserts with `ON
    /// CONFLICT DO NOTHING`, so restarts, replays, backfill and two replicas
    /// racing all end with one order. `None` for orders raised by hand.
    ///
    /// - alarm: `alarm:{alarm}` (one order per alarm, ever);
    /// - plan: `plan:{plan}:asset:{asset}:seq:{seq}` (one order per occurrence;
    ///   a class plan has one sequence per asset);
    /// - checklist: `checklist:{instance}:item:{item}`.
    #[must_use]
    pub fn key(&self, asset: AssetId) -> Option<String> {
        match self {
            Origin::Manual => None,
            Origin::Alarm(a) => Some(format!("alarm:{a}")),
            Origin::Plan { plan, seq } => Some(format!("plan:{plan}:asset:{asset}:seq:{seq}")),
            Origin::Checklist { instance, item } => {
                Some(format!("checklist:{instance}:item:{item}"))
            }
        }
    }
}

/// What PM compliance needs from a planned order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PmInfo {
    /// The required (due) date, local to the plan's zone.
    pub required: chrono::NaiveDate,
    /// The plan's interval in days, for the grace period (months count
    /// 30.436875 days; a meter interval is converted at the usage rate known
    /// when the order was generated; `None` when no rate was known).
    pub frequency_days: Option<f64>,
}

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditEvent {
    /// The order was created.
    Created,
    /// An action was taken.
    Action(ActionKind),
    /// The originating alarm cleared while the order was open.
    AlarmCleared,
}

/// One line of an order's audit trail. Every change to an order adds one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: UtcMillis,
    /// Who.
    pub by: Actor,
    /// What.
    pub event: AuditEvent,
    /// The state before (`None` at creation).
    pub from: Option<WorkState>,
    /// The state after (the same as `from` for actions that keep the state).
    pub to: WorkState,
    /// The actor's comment.
    pub comment: Option<String>,
}
