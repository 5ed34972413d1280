use proptest::prelude::*;

use super::*;
use crate::{AssetKind, Lang, MINUTE_MS, PlanId};

const SUPERVISOR: Actor = Actor::User {
    id: UserId(1),
    role: Role::Supervisor,
};
const TECH: Actor = Actor::User {
    id: UserId(10),
    role: Role::Technician,
};
const OTHER_TECH: Actor = Actor::User {
    id: UserId(11),
    role: Role::Technician,
};
const OPERATOR: Actor = Actor::User {
    id: UserId(20),
    role: Role::Operator,
};
const GUEST: Actor = Actor::User {
    id: UserId(30),
    role: Role::Guest,
};
const ADMIN: Actor = Actor::User {
    id: UserId(40),
    role: Role::Admin,
};

fn t(min: i64) -> UtcMillis {
    UtcMillis(1_767_225_600_000 + min * MINUTE_MS)
}

fn new_order(kind: WorkKind, state: WorkState) -> WorkOrder {
    NewWorkOrder {
        kind,
        priority: Priority::High,
        state,
        title: "Bomba 2 vibra".to_owned(),
        description: String::new(),
        asset: AssetId(7),
        site: SiteId(3),
        origin: Origin::Manual,
        created_at: t(0),
        created_by: OPERATOR,
        skill: None,
        estimated_minutes: Some(120),
        due_at: None,
        pm: None,
        checklist: None,
        notes: Vec::new(),
    }
    .into_order(WorkOrderId(1))
}

fn vibration() -> FailureCode {
    FailureCode::parse("VIB", "2.4", "3.4", AssetKind::Pump).unwrap()
}

/// An order assigned to `TECH` and in progress.
fn started(kind: WorkKind) -> WorkOrder {
    let mut o = new_order(kind, WorkState::Requested);
    o.apply(SUPERVISOR, Action::Approve, None, t(1)).unwrap();
    o.apply(
        SUPERVISOR,
        Action::Assign {
            technician: UserId(10),
        },
        None,
        t(2),
    )
    .unwrap();
    o.apply(TECH, Action::Start, None, t(3)).unwrap();
    o
}

#[test]
fn a_corrective_order_goes_from_request_to_close_and_every_step_is_audited() {
    let mut o = new_order(WorkKind::Corrective, WorkState::Requested);
    let steps: Vec<(Actor, Action, Option<&str>)> = vec![
        (SUPERVISOR, Action::Approve, None),
        (
            SUPERVISOR,
            Action::Assign {
                technician: UserId(10),
            },
            None,
        ),
        (TECH, Action::Start, None),
        (TECH, Action::Hold, Some("esperando sello mecánico")),
        (TECH, Action::Resume, None),
        (TECH, Action::SetFailureCode(vibration()), None),
        (
            TECH,
            Action::LogLabour(LabourEntry {
                technician: UserId(10),
                started_at: t(3),
                minutes: 90,
                note: Some("cambio de rodamientos".to_owned()),
            }),
            None,
        ),
        (
            TECH,
            Action::AddPart(PartUse {
                description: " rodamiento 6205 ".to_owned(),
                quantity: 2.0,
                unit: None,
            }),
            None,
        ),
        (TECH, Action::SetDowntimeReason(DownCause::Trip), None),
        (TECH, Action::Complete, Some("probada 30 min")),
        (SUPERVISOR, Action::Close, Some("revisada")),
    ];
    for (i, (actor, action, comment)) in steps.into_iter().enumerate() {
        let at = t(10 + i64::try_from(i).unwrap() * 60);
        o.apply(actor, action, comment, at).unwrap();
    }
    assert_eq!(o.state, WorkState::Closed);
    assert_eq!(o.assignee, Some(UserId(10)));
    assert_eq!(o.parts[0].description, "rodamiento 6205");
    assert_eq!(o.logged_minutes(), 90);
    assert_eq!(o.remaining_minutes(), Some(30));
    assert_eq!(o.failure.unwrap().code(), "VIB / 2.4 / 3.4");
    assert_eq!(o.completed_at, Some(t(10 + 9 * 60)));
    assert_eq!(o.closed_at, Some(t(10 + 10 * 60)));
    let trail: Vec<(Option<WorkState>, WorkState)> =
        o.audit.iter().map(|a| (a.from, a.to)).collect();
    use WorkState::*;
    assert_eq!(
        trail,
        vec![
            (None, Requested),
            (Some(Requested), Approved),
            (Some(Approved), Assigned),
            (Some(Assigned), InProgress),
            (Some(InProgress), OnHold),
            (Some(OnHold), InProgress),
            (Some(InProgress), InProgress),
            (Some(InProgress), InProgress),
            (Some(InProgress), InProgress),
            (Some(InProgress), InProgress),
            (Some(InProgress), Completed),
            (Some(Completed), Closed),
        ]
    );
    let hold = &o.audit[4];
    assert_eq!(hold.by, TECH);
    assert_eq!(hold.event, AuditEvent::Action(ActionKind::Hold));
    assert_eq!(hold.comment.as_deref(), Some("esperando sello mecánico"));
    assert_eq!(hold.at, t(10 + 3 * 60));
}

#[test]
fn corrective_work_cannot_be_completed_without_its_failure_code() {
    let mut o = started(WorkKind::Corrective);
    let before = o.clone();
    let e = o.apply(TECH, Action::Complete, None, t(9)).unwrap_err();
    assert_eq!(e, ActionError::FailureCodeRequired);
    assert_eq!(
        e.to_string(),
        "a corrective work order needs a failure code (mode, mechanism and cause) before it is completed"
    );
    assert_eq!(
        e.message(Lang::Es),
        "una orden de trabajo correctiva necesita un código de falla (modo, mecanismo y causa) antes de completarse"
    );
    assert_eq!(o, before);
    // Preventive work needs none.
    let mut p = started(WorkKind::Preventive);
    assert_eq!(
        p.apply(TECH, Action::Complete, None, t(9)),
        Ok(WorkState::Completed)
    );
}

#[test]
fn a_technician_moves_only_the_orders_assigned_to_them() {
    let mut o = started(WorkKind::Preventive);
    let e = o
        .apply(OTHER_TECH, Action::Hold, Some("x"), t(9))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "technician 11 may put on hold only work orders assigned to them"
    );
    assert_eq!(
        e.message(Lang::Es),
        "el técnico 11 solo puede poner en espera órdenes de trabajo asignadas a él"
    );
    assert!(o.visible_to(&TECH));
    assert!(!o.visible_to(&OTHER_TECH));
    assert!(o.visible_to(&GUEST));
    assert_eq!(o.allowed_actions(&OTHER_TECH), vec![]);
    assert_eq!(
        o.allowed_actions(&TECH),
        vec![
            ActionKind::Hold,
            ActionKind::Complete,
            ActionKind::LogLabour,
            ActionKind::AddPart,
            ActionKind::SetFailureCode,
            ActionKind::SetDowntimeReason,
            ActionKind::SetRepairTimes,
            ActionKind::AddNote,
        ]
    );
    // After a supervisor reassigns, the first technician loses it.
    o.apply(
        SUPERVISOR,
        Action::Reassign {
            technician: UserId(11),
        },
        Some("turno"),
        t(10),
    )
    .unwrap();
    assert_eq!(o.state, WorkState::InProgress);
    assert!(o.apply(TECH, Action::Hold, Some("x"), t(11)).is_err());
    assert_eq!(
        o.apply(OTHER_TECH, Action::Hold, Some("x"), t(11)),
        Ok(WorkState::OnHold)
    );
    assert_eq!(
        o.apply(
            SUPERVISOR,
            Action::Reassign {
                technician: UserId(11)
            },
            None,
            t(12)
        ),
        Err(ActionError::AlreadyAssigned(UserId(11)))
    );
}

#[test]
fn roles_outside_the_rules_get_a_clear_refusal_in_both_languages() {
    let mut o = new_order(WorkKind::Corrective, WorkState::Requested);
    let e = o.apply(OPERATOR, Action::Approve, None, t(1)).unwrap_err();
    assert_eq!(e.to_string(), "an operator may not approve work orders");
    assert_eq!(
        e.message(Lang::Es),
        "un operador no puede aprobar órdenes de trabajo"
    );
    let e = o
        .apply(GUEST, Action::AddNote("hola".into()), None, t(1))
        .unwrap_err();
    assert_eq!(e.to_string(), "a guest may not add notes to work orders");
    let e = o.apply(TECH, Action::Approve, None, t(1)).unwrap_err();
    assert_eq!(
        e.message(Lang::Es),
        "un técnico no puede aprobar órdenes de trabajo"
    );
    let e = o
        .apply(Actor::System, Action::Close, None, t(1))
        .unwrap_err();
    assert_eq!(e.to_string(), "the system may not close work orders");
    // An operator may add a note to a request.
    assert_eq!(
        o.apply(
            OPERATOR,
            Action::AddNote("se escucha un golpe".into()),
            None,
            t(2)
        ),
        Ok(WorkState::Requested)
    );
    // An admin may do a technician's part.
    let mut p = started(WorkKind::Inspection);
    assert_eq!(
        p.apply(ADMIN, Action::Complete, None, t(9)),
        Ok(WorkState::Completed)
    );
}

#[test]
fn transitions_outside_the_table_are_refused_by_name() {
    let mut o = new_order(WorkKind::Preventive, WorkState::Requested);
    let e = o
        .apply(
            SUPERVISOR,
            Action::Assign {
                technician: UserId(10),
            },
            None,
            t(1),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot assign a work order that is requested"
    );
    assert_eq!(
        e.message(Lang::Es),
        "no se puede asignar una orden de trabajo en estado «solicitada»"
    );
    let mut c = started(WorkKind::Preventive);
    c.apply(TECH, Action::Complete, None, t(5)).unwrap();
    // Completed is not closed, and leads only to closed (Maximo COMP → CLOSE).
    let e = c
        .apply(SUPERVISOR, Action::Cancel, Some("x"), t(6))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot cancel a work order that is completed"
    );
    assert!(c.apply(TECH, Action::Start, None, t(6)).is_err());
    assert_eq!(
        c.apply(SUPERVISOR, Action::Close, None, t(6)),
        Ok(WorkState::Closed)
    );
    // Closed is final, even for an admin.
    for kind in ActionKind::ALL {
        assert!(c.gate(&ADMIN, *kind).is_err(), "{kind}");
    }
}

#[test]
fn hold_and_cancel_need_a_comment() {
    let mut o = started(WorkKind::Preventive);
    let e = o.apply(TECH, Action::Hold, Some("   "), t(5)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a comment saying why is required to put on hold a work order"
    );
    let e = o.apply(SUPERVISOR, Action::Cancel, None, t(5)).unwrap_err();
    assert_eq!(
        e.message(Lang::Es),
        "se requiere un comentario que explique por qué para anular una orden de trabajo"
    );
    assert_eq!(
        o.apply(SUPERVISOR, Action::Cancel, Some("duplicada"), t(5)),
        Ok(WorkState::Cancelled)
    );
    assert_eq!(o.closed_at, Some(t(5)));
}

#[test]
fn bad_labour_and_parts_are_refused_and_change_nothing() {
    let mut o = started(WorkKind::Corrective);
    let before = o.clone();
    let labour = |technician, minutes, started_at| {
        Action::LogLabour(LabourEntry {
            technician,
            started_at,
            minutes,
            note: None,
        })
    };
    assert_eq!(
        o.apply(TECH, labour(UserId(11), 30, t(4)), None, t(5)),
        Err(ActionError::LabourForOther {
            user: UserId(10),
            other: UserId(11)
        })
    );
    assert_eq!(
        o.apply(TECH, labour(UserId(10), 0, t(4)), None, t(5))
            .unwrap_err()
            .to_string(),
        "labour of 0 minutes is outside 1 to 1440 minutes"
    );
    assert_eq!(
        o.apply(TECH, labour(UserId(10), 30, t(6)), None, t(5))
            .unwrap_err()
            .message(Lang::Es),
        "las horas de trabajo no pueden comenzar en el futuro"
    );
    let part = |q| {
        Action::AddPart(PartUse {
            description: "aceite".into(),
            quantity: q,
            unit: Some("L".into()),
        })
    };
    assert_eq!(
        o.apply(TECH, part(f64::NAN), None, t(5))
            .unwrap_err()
            .to_string(),
        "part quantity NaN is not a positive number"
    );
    assert_eq!(
        o.apply(
            TECH,
            Action::SetDowntimeReason(DownCause::NoData),
            None,
            t(5)
        )
        .unwrap_err()
        .to_string(),
        "no_data is a telemetry gap, not a downtime reason"
    );
    assert_eq!(o, before);
    // An admin logs labour for any technician.
    assert!(
        o.apply(ADMIN, labour(UserId(11), 30, t(4)), None, t(5))
            .is_ok()
    );
}

#[test]
fn an_alarm_clearing_flags_the_open_order_once_and_never_closes_it() {
    let mut o = new_order(WorkKind::Corrective, WorkState::Requested);
    o.origin = Origin::Alarm(AlarmId(5));
    assert_eq!(
        o.on_alarm_cleared(AlarmId(6), t(5), t(5)),
        ClearOutcome::OtherAlarm
    );
    assert_eq!(
        o.on_alarm_cleared(AlarmId(5), t(5), t(6)),
        ClearOutcome::Flagged
    );
    assert_eq!(o.state, WorkState::Requested);
    assert_eq!(
        o.review,
        Some(ReviewReason::AlarmCleared {
            alarm: AlarmId(5),
            cleared_at: t(5)
        })
    );
    assert_eq!(o.notes.len(), 1);
    assert_eq!(o.notes[0].by, Actor::System);
    assert_eq!(o.audit.last().unwrap().event, AuditEvent::AlarmCleared);
    assert_eq!(
        o.on_alarm_cleared(AlarmId(5), t(5), t(7)),
        ClearOutcome::AlreadyFlagged
    );
    assert_eq!(o.notes.len(), 1);
    // 2026-01-01 00:05 UTC is 2025-12-31 21:05 in Santiago (summer, UTC-3).
    assert_eq!(
        o.notes[0].body.render(Lang::Es, crate::Zone::SANTIAGO),
        "La alarma 5 se normalizó el 2025-12-31 21:05 con la orden aún abierta: revisar si el trabajo sigue siendo necesario."
    );
    // The supervisor's decision clears the flag.
    o.apply(SUPERVISOR, Action::Cancel, Some("falsa alarma"), t(8))
        .unwrap();
    assert_eq!(o.review, None);
    assert_eq!(
        o.on_alarm_cleared(AlarmId(5), t(5), t(9)),
        ClearOutcome::NotOpen
    );
}

#[test]
fn repair_time_variants_sum_only_complete_components() {
    let r = RepairTimes {
        detection_min: Some(30),
        response_min: Some(45),
        waiting_parts_min: None,
        active_repair_min: Some(120),
        test_min: Some(15),
    };
    use RepairComponent::*;
    assert_eq!(r.total(&[ActiveRepair, Test]), Some(135));
    assert_eq!(
        r.total(&[Detection, Response, ActiveRepair, Test]),
        Some(210)
    );
    assert_eq!(r.total(&RepairComponent::ALL), None);
}

#[test]
fn origin_keys_are_deterministic_per_occurrence() {
    assert_eq!(Origin::Manual.key(AssetId(7)), None);
    assert_eq!(
        Origin::Alarm(AlarmId(9)).key(AssetId(7)).as_deref(),
        Some("alarm:9")
    );
    assert_eq!(
        Origin::Plan {
            plan: PlanId(4),
            seq: 12
        }
        .key(AssetId(7))
        .as_deref(),
        Some("plan:4:asset:7:seq:12")
    );
}

// ---- the property test -------------------------------------------------

/// The transition table, written out again independently of `state.rs`.
fn model_next(from: WorkState, kind: ActionKind) -> Option<WorkState> {
    use ActionKind as A;
    use WorkState as S;
    let open = from.is_open();
    match (from, kind) {
        (S::Requested, A::Approve) => Some(S::Approved),
        (S::Approved, A::Assign) => Some(S::Assigned),
        (S::Assigned | S::InProgress | S::OnHold, A::Reassign) => Some(from),
        (S::Assigned, A::Start) => Some(S::InProgress),
        (S::InProgress, A::Hold) => Some(S::OnHold),
        (S::OnHold, A::Resume) => Some(S::InProgress),
        (S::InProgress, A::Complete) => Some(S::Completed),
        (S::Completed, A::Close) => Some(S::Closed),
        (_, A::Cancel) if open => Some(S::Cancelled),
        (
            S::InProgress | S::OnHold | S::Completed,
            A::LogLabour
            | A::AddPart
            | A::SetFailureCode
            | A::SetDowntimeReason
            | A::SetRepairTimes,
        ) => Some(from),
        (_, A::AddNote) if !from.is_final() => Some(from),
        _ => None,
    }
}

fn model_allows(actor: &Actor, kind: ActionKind) -> bool {
    use ActionKind as A;
    match actor {
        Actor::System => matches!(kind, A::Assign | A::Reassign | A::AddNote),
        Actor::User { role, .. } => match role {
            Role::Admin => true,
            Role::Supervisor => matches!(
                kind,
                A::Approve
                    | A::Assign
                    | A::Reassign
                    | A::Close
                    | A::Cancel
                    | A::SetFailureCode
                    | A::SetDowntimeReason
                    | A::SetRepairTimes
                    | A::AddNote
            ),
            Role::Technician => !matches!(
                kind,
                A::Approve | A::Assign | A::Reassign | A::Close | A::Cancel
            ),
            Role::Operator => kind == A::AddNote,
            Role::Guest => false,
        },
    }
}

fn arb_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        1 => Just(Actor::System),
        8 => (0i64..2, prop::sample::select(Role::ALL.to_vec()))
            .prop_map(|(u, role)| Actor::user(UserId(u), role)),
    ]
}

fn arb_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => Just(Action::Approve),
        3 => (0i64..2).prop_map(|u| Action::Assign { technician: UserId(u) }),
        1 => (0i64..3).prop_map(|u| Action::Reassign { technician: UserId(u) }),
        3 => Just(Action::Start),
        3 => Just(Action::Hold),
        3 => Just(Action::Resume),
        3 => Just(Action::Complete),
        3 => Just(Action::Close),
        1 => Just(Action::Cancel),
        1 => (0i64..2, 0u32..2000, -3i64..3).prop_map(|(u, minutes, off)| Action::LogLabour(
            LabourEntry {
                technician: UserId(u),
                started_at: UtcMillis(off * MINUTE_MS),
                minutes,
                note: None,
            }
        )),
        1 => (-1.0f64..3.0).prop_map(|quantity| Action::AddPart(PartUse {
            description: "sello".into(),
            quantity,
            unit: None,
        })),
        1 => Just(Action::SetFailureCode(vibration())),
        1 => prop::sample::select(DownCause::ALL.to_vec()).prop_map(Action::SetDowntimeReason),
        1 => Just(Action::SetRepairTimes(RepairTimes {
            active_repair_min: Some(60),
            ..RepairTimes::default()
        })),
        1 => prop_oneof![Just(""), Just("ok")].prop_map(|s| Action::AddNote(s.to_owned())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Random actions by random roles never take an order where the table
    /// forbids, never by a role the rules exclude, and a refused action
    /// leaves the order exactly as it was.
    #[test]
    fn random_actions_by_random_roles_stay_inside_the_table(
        kind in prop::sample::select(WorkKind::ALL.to_vec()),
        approved in any::<bool>(),
        steps in prop::collection::vec(
            (arb_actor(), arb_action(), prop::option::of(Just("porque"))),
            1..120,
        ),
    ) {
        let first = if approved { WorkState::Approved } else { WorkState::Requested };
        let mut o = new_order(kind, first);
        o.created_at = UtcMillis(0);
        for (i, (actor, action, comment)) in steps.into_iter().enumerate() {
            let now = UtcMillis(i64::try_from(i).unwrap() * MINUTE_MS);
            let before = o.clone();
            let k = action.kind();
            let pure_transition = matches!(
                action,
                Action::Approve | Action::Start | Action::Resume | Action::Close
            );
            match o.apply(actor, action, comment, now) {
                Err(_) => {
                    prop_assert_eq!(&o, &before);
                    // A payload-free move the table and the rules allow is never refused.
                    let own = match actor {
                        Actor::User { id, role: Role::Technician } => before.assignee == Some(id),
                        _ => true,
                    };
                    prop_assert!(!(pure_transition
                        && model_next(before.state, k).is_some()
                        && model_allows(&actor, k)
                        && own));
                }
                Ok(to) => {
                    prop_assert_eq!(model_next(before.state, k), Some(to));
                    prop_assert!(model_allows(&actor, k), "{:?} took {}", actor, k);
                    if let Actor::User { id, role: Role::Technician } = actor {
                        prop_assert_eq!(before.assignee, Some(id));
                    }
                    if k == ActionKind::Complete && kind == WorkKind::Corrective {
                        prop_assert!(before.failure.is_some());
                    }
                    prop_assert_eq!(o.audit.len(), before.audit.len() + 1);
                    let last = o.audit.last().unwrap();
                    prop_assert_eq!(last.from, Some(before.state));
                    prop_assert_eq!(last.to, to);
                    prop_assert_eq!(last.by, actor);
                    prop_assert_eq!(last.at, now);
                }
            }
            // Invariants of every reachable order.
            use WorkState as S;
            if matches!(o.state, S::Assigned | S::InProgress | S::OnHold | S::Completed | S::Closed) {
                prop_assert!(o.assignee.is_some());
            }
            prop_assert_eq!(
                o.completed_at.is_some(),
                matches!(o.state, S::Completed | S::Closed)
            );
            prop_assert_eq!(o.closed_at.is_some(), o.state.is_final());
            for w in o.audit.windows(2) {
                prop_assert_eq!(w[1].from, Some(w[0].to));
            }
        }
    }
}
