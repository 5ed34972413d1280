use std::collections::BTreeMap;

use super::*;
use crate::WorkOrderId;
use crate::maintenance::work_order::{Action, ReviewReason};

fn raised(alarm: i64, alarm_type: &str, severity: Severity) -> AlarmRaised {
    AlarmRaised {
        alarm: AlarmId(alarm),
        alarm_type: alarm_type.to_owned(),
        severity,
        asset: AssetId(7),
        site: SiteId(3),
        at: UtcMillis(1_000_000),
        message: "Bomba 2 detenida por marcha en seco".to_owned(),
    }
}

fn policy() -> CorrectivePolicy {
    CorrectivePolicy {
        rules: vec![
            CorrectiveRule {
                alarm_type: Some("dry_run".to_owned()),
                min_severity: Severity::Minor,
                priority: Some(Priority::Critical),
                approved: true,
                skill: Some(Skill::parse("mechanical").unwrap()),
                estimated_minutes: Some(120),
                due_within_hours: Some(4),
            },
            CorrectiveRule {
                alarm_type: None,
                min_severity: Severity::Major,
                priority: None,
                approved: false,
                skill: None,
                estimated_minutes: None,
                due_within_hours: None,
            },
        ],
        lang: Lang::Es,
    }
}

/// The store: one order per origin key; the alarm side of the link.
#[derive(Default)]
struct Store {
    by_key: BTreeMap<String, WorkOrder>,
    alarm_order: BTreeMap<AlarmId, WorkOrderId>,
}

impl Store {
    fn insert(&mut self, new: NewWorkOrder) -> Option<WorkOrderId> {
        let key = new.origin_key().unwrap();
        if self.by_key.contains_key(&key) {
            return None;
        }
        let id = WorkOrderId(i64::try_from(self.by_key.len()).unwrap() + 1);
        if let Origin::Alarm(a) = new.origin {
            self.alarm_order.insert(a, id);
        }
        self.by_key.insert(key, new.into_order(id));
        Some(id)
    }
}

#[test]
fn the_first_matching_rule_shapes_the_order() {
    let p = policy();
    let o = p.on_raised(&raised(5, "dry_run", Severity::Minor)).unwrap();
    assert_eq!(o.kind, WorkKind::Corrective);
    assert_eq!(o.priority, Priority::Critical);
    assert_eq!(o.state, WorkState::Approved);
    assert_eq!(o.title, "Alarma dry_run: menor");
    assert_eq!(o.due_at, Some(UtcMillis(1_000_000 + 4 * HOUR_MS)));
    assert_eq!(o.origin_key().as_deref(), Some("alarm:5"));
    // Other types fall through to the catch-all rule from major up.
    assert_eq!(p.on_raised(&raised(6, "low_level", Severity::Minor)), None);
    let o = p
        .on_raised(&raised(6, "low_level", Severity::Major))
        .unwrap();
    assert_eq!(o.priority, Priority::High);
    assert_eq!(o.state, WorkState::Requested);
}

#[test]
fn an_alarm_makes_one_order_however_often_it_is_raised() {
    let p = policy();
    let mut store = Store::default();
    // Minor first (no rule for low_level), then escalated twice, then a replay.
    for sev in [
        Severity::Minor,
        Severity::Major,
        Severity::Critical,
        Severity::Critical,
    ] {
        if let Some(new) = p.on_raised(&raised(8, "low_level", sev)) {
            store.insert(new);
        }
    }
    assert_eq!(store.by_key.len(), 1);
    let o = &store.by_key["alarm:8"];
    // Created by the first raise that matched: the major one.
    assert_eq!(o.priority, Priority::High);
    // Linked both ways.
    assert_eq!(o.origin, Origin::Alarm(AlarmId(8)));
    assert_eq!(store.alarm_order[&AlarmId(8)], o.id);
}

#[test]
fn a_cleared_alarm_flags_its_open_order_for_review_and_never_closes_it() {
    let p = policy();
    let mut store = Store::default();
    store.insert(
        p.on_raised(&raised(5, "dry_run", Severity::Critical))
            .unwrap(),
    );
    let o = store.by_key.get_mut("alarm:5").unwrap();
    let cleared = AlarmCleared {
        alarm: AlarmId(5),
        at: UtcMillis(2_000_000),
    };
    assert_eq!(
        on_cleared(o, &cleared, UtcMillis(2_000_001)),
        ClearOutcome::Flagged
    );
    assert_eq!(o.state, WorkState::Approved);
    assert!(matches!(o.review, Some(ReviewReason::AlarmCleared { .. })));
    assert_eq!(
        on_cleared(o, &cleared, UtcMillis(2_000_002)),
        ClearOutcome::AlreadyFlagged
    );
    // A supervisor reviews and closes the loop by cancelling.
    let supervisor = Actor::user(UserId(1), Role::Supervisor);
    o.apply(
        supervisor,
        Action::Cancel,
        Some("se normalizó sola"),
        UtcMillis(3_000_000),
    )
    .unwrap();
    assert_eq!(o.review, None);
}

#[test]
fn an_operator_raises_a_failure_request_and_a_guest_may_not() {
    let req = FailureRequest {
        asset: AssetId(7),
        site: SiteId(3),
        title: "  Fuga en prensa estopa ".to_owned(),
        description: "gotea bastante".to_owned(),
        priority: Priority::Medium,
    };
    let o = raise_request(UserId(20), Role::Operator, req.clone(), UtcMillis(5)).unwrap();
    assert_eq!(o.state, WorkState::Requested);
    assert_eq!(o.kind, WorkKind::Corrective);
    assert_eq!(o.title, "Fuga en prensa estopa");
    assert_eq!(o.origin, Origin::Manual);
    assert_eq!(o.origin_key(), None);
    assert_eq!(o.created_by, Actor::user(UserId(20), Role::Operator));
    let e = raise_request(UserId(30), Role::Guest, req.clone(), UtcMillis(5)).unwrap_err();
    assert_eq!(e.to_string(), "a guest may not raise work requests");
    assert_eq!(
        e.message(Lang::Es),
        "un invitado no puede crear solicitudes de trabajo"
    );
    let e = raise_request(
        UserId(20),
        Role::Operator,
        FailureRequest {
            title: "   ".to_owned(),
            ..req
        },
        UtcMillis(5),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "the title is empty");
    assert_eq!(e.message(Lang::Es), "el título está vacío");
}

#[test]
fn the_default_policy_raises_orders_for_major_and_critical_alarms() {
    let p = CorrectivePolicy::default();
    assert!(p.on_raised(&raised(1, "any", Severity::Minor)).is_none());
    let o = p.on_raised(&raised(1, "any", Severity::Critical)).unwrap();
    assert_eq!(o.priority, Priority::Critical);
    assert_eq!(o.due_at, Some(UtcMillis(1_000_000 + 24 * HOUR_MS)));
    let o = p.on_raised(&raised(2, "any", Severity::Major)).unwrap();
    assert_eq!(o.due_at, Some(UtcMillis(1_000_000 + 72 * HOUR_MS)));
}
