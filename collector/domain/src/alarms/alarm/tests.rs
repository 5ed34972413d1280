//! The life of an alarm: one per (originator, type), independent clear and
//! acknowledgement, history, notices, lateness and replays.

use std::sync::Arc;

use caudal_protocol::UtcMillis;

use super::*;
use crate::alarms::engine::SeriesKey;
use crate::{AssetId, MINUTE_MS};

const A: Originator = Originator::Asset(AssetId(12));
const ANA: UserId = UserId(1);
const LUIS: UserId = UserId(2);

fn m(minutes: i64) -> UtcMillis {
    UtcMillis(minutes * MINUTE_MS)
}

fn tr(change: Change, minute: i64) -> Transition {
    Transition {
        series: SeriesKey(1),
        originator: A,
        rule: Arc::from("marcha_en_seco"),
        change,
        event_time: m(minute),
        arrived: UtcMillis(minute * MINUTE_MS + 1_000),
        value: Some(2.5),
        manual_clear: false,
    }
}

fn raised(book: &mut AlarmBook, minute: i64) -> Vec<Notice> {
    book.apply(&tr(Change::Raise(Severity::Major), minute))
}

fn kinds(n: &[Notice]) -> Vec<NoticeKind> {
    n.iter().map(|n| n.kind).collect()
}

#[test]
fn a_retrigger_counts_up_the_one_active_alarm() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    assert_eq!(kinds(&raised(&mut book, 0)), vec![NoticeKind::Raised]);
    assert!(
        book.apply(&tr(Change::Retrigger(Severity::Major), 5))
            .is_empty()
    );
    // An engine that lost its state raises again: still the same alarm.
    assert!(raised(&mut book, 7).is_empty());
    let a = book.get(A, "marcha_en_seco").unwrap();
    assert_eq!(a.count(), 3);
    assert_eq!(a.parts().updated, m(7));
    assert_eq!(book.active().count(), 1);
    assert!(book.closed().is_empty());
}

#[test]
fn after_a_clear_the_next_raise_is_a_new_alarm() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 0);
    let n = book.apply(&tr(
        Change::Clear {
            severity: Severity::Major,
        },
        10,
    ));
    assert_eq!(kinds(&n), vec![NoticeKind::Cleared]);
    assert_eq!(
        book.get(A, "marcha_en_seco").unwrap().status(),
        AlarmStatus::ClearedUnack
    );
    assert_eq!(kinds(&raised(&mut book, 20)), vec![NoticeKind::Raised]);
    assert_eq!(book.closed().len(), 1);
    assert_eq!(book.closed()[0].parts().cleared, Some(m(10)));
    let new = book.get(A, "marcha_en_seco").unwrap();
    assert_eq!((new.count(), new.parts().start), (1, m(20)));
    // A clear for a key without an active alarm changes nothing.
    let mut latest = book.get(A, "marcha_en_seco").cloned();
    if let Some(a) = latest.as_mut() {
        a.p.cleared = Some(m(21));
    }
    let cleared = latest.as_mut();
    assert_eq!(
        apply(
            cleared,
            &tr(
                Change::Clear {
                    severity: Severity::Major
                },
                30
            ),
            &AlarmPolicy::default()
        ),
        Effect::Ignored(Ignored::NotActive)
    );
}

#[test]
fn clear_and_acknowledge_are_independent() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 0);
    let a = book.get_mut(A, "marcha_en_seco").unwrap();
    assert_eq!(a.status(), AlarmStatus::ActiveUnack);
    let n = a.acknowledge(ANA, m(2), Some("  voy en camino  ")).unwrap();
    assert_eq!(
        (n.kind, n.by, n.comment.as_deref()),
        (NoticeKind::Acknowledged, Some(ANA), Some("voy en camino"))
    );
    assert_eq!(a.status(), AlarmStatus::ActiveAck);
    assert_eq!(
        a.acknowledge(LUIS, m(3), None),
        Err(AlarmError::AlreadyAcknowledged {
            alarm_type: "marcha_en_seco".to_owned()
        })
    );
    book.apply(&tr(
        Change::Clear {
            severity: Severity::Major,
        },
        4,
    ));
    assert_eq!(
        book.get(A, "marcha_en_seco").unwrap().status(),
        AlarmStatus::ClearedAck
    );

    // Cleared first, acknowledged afterwards.
    raised(&mut book, 10);
    book.apply(&tr(
        Change::Clear {
            severity: Severity::Major,
        },
        11,
    ));
    let a = book.get_mut(A, "marcha_en_seco").unwrap();
    assert_eq!(a.status(), AlarmStatus::ClearedUnack);
    a.acknowledge(LUIS, m(12), None).unwrap();
    assert_eq!(a.status(), AlarmStatus::ClearedAck);
    assert_eq!(
        AlarmStatus::parse("cleared_ack"),
        Some(AlarmStatus::ClearedAck)
    );
    assert_eq!(
        AlarmStatus::ActiveUnack.label(Lang::Es),
        "activa sin reconocer"
    );
}

#[test]
fn clearing_by_hand_only_where_the_rule_allows() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 0);
    let a = book.get_mut(A, "marcha_en_seco").unwrap();
    let err = a.clear_by_hand(ANA, m(1), Some("reseteado")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "alarm `marcha_en_seco` may not be cleared by hand: its rule clears it"
    );
    assert!(a.is_active());

    let mut t = tr(Change::Raise(Severity::Critical), 0);
    t.manual_clear = true;
    let Effect::New { mut alarm, .. } = apply(None, &t, &AlarmPolicy::default()) else {
        panic!("no alarm");
    };
    let n = alarm
        .clear_by_hand(ANA, m(5), Some("bomba revisada"))
        .unwrap();
    assert_eq!((n.kind, n.by), (NoticeKind::Cleared, Some(ANA)));
    assert_eq!(alarm.status(), AlarmStatus::ClearedUnack);
    assert!(matches!(
        alarm.clear_by_hand(ANA, m(6), None),
        Err(AlarmError::AlreadyCleared { .. })
    ));
    let last = alarm.history().last().unwrap();
    assert_eq!(
        (last.actor, last.action, last.comment.as_deref()),
        (Actor::User(ANA), Action::Cleared, Some("bomba revisada"))
    );
}

#[test]
fn escalation_unacknowledges_and_de_escalation_keeps_the_ack() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 0);
    book.get_mut(A, "marcha_en_seco")
        .unwrap()
        .acknowledge(ANA, m(1), None)
        .unwrap();
    let n = book.apply(&tr(
        Change::Escalate {
            from: Severity::Major,
            to: Severity::Critical,
        },
        2,
    ));
    assert_eq!(
        n.iter()
            .map(|n| (n.kind, n.severity, n.previous))
            .collect::<Vec<_>>(),
        vec![(
            NoticeKind::Escalated,
            Severity::Critical,
            Some(Severity::Major)
        )]
    );
    let a = book.get_mut(A, "marcha_en_seco").unwrap();
    assert_eq!(a.status(), AlarmStatus::ActiveUnack);
    a.acknowledge(ANA, m(3), None).unwrap();
    let n = book.apply(&tr(
        Change::Deescalate {
            from: Severity::Critical,
            to: Severity::Minor,
        },
        4,
    ));
    assert_eq!(kinds(&n), vec![NoticeKind::Deescalated]);
    let a = book.get(A, "marcha_en_seco").unwrap();
    assert_eq!(
        (a.status(), a.severity()),
        (AlarmStatus::ActiveAck, Severity::Minor)
    );

    // The other policy keeps the ack on escalation.
    let keep = AlarmPolicy {
        unack_on_escalation: false,
        ..AlarmPolicy::default()
    };
    let mut book = AlarmBook::new(keep);
    raised(&mut book, 0);
    book.get_mut(A, "marcha_en_seco")
        .unwrap()
        .acknowledge(ANA, m(1), None)
        .unwrap();
    book.apply(&tr(
        Change::Escalate {
            from: Severity::Major,
            to: Severity::Critical,
        },
        2,
    ));
    assert_eq!(
        book.get(A, "marcha_en_seco").unwrap().status(),
        AlarmStatus::ActiveAck
    );
}

#[test]
fn every_transition_is_in_the_history_with_actor_and_time() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 0);
    book.apply(&tr(Change::Retrigger(Severity::Major), 1));
    book.apply(&tr(
        Change::Escalate {
            from: Severity::Major,
            to: Severity::Critical,
        },
        2,
    ));
    let a = book.get_mut(A, "marcha_en_seco").unwrap();
    a.acknowledge(ANA, m(3), Some("ok")).unwrap();
    assert_eq!(
        a.assign(ANA, LUIS, m(4)).unwrap().map(|n| n.assignee),
        Some(Some(LUIS))
    );
    assert_eq!(
        a.assign(ANA, LUIS, m(5)).unwrap(),
        None,
        "already assigned: no notice"
    );
    assert!(a.unassign(LUIS, m(6)).unwrap());
    assert!(!a.unassign(LUIS, m(6)).unwrap());
    book.apply(&tr(
        Change::Clear {
            severity: Severity::Critical,
        },
        7,
    ));
    let h: Vec<_> = book
        .get(A, "marcha_en_seco")
        .unwrap()
        .history()
        .iter()
        .map(|e| (e.at, e.actor, e.action))
        .collect();
    assert_eq!(
        h,
        vec![
            (
                m(0),
                Actor::System,
                Action::Raised {
                    severity: Severity::Major,
                    late: false
                }
            ),
            (
                m(2),
                Actor::System,
                Action::Escalated {
                    from: Severity::Major,
                    to: Severity::Critical,
                    unacknowledged: false
                }
            ),
            (m(3), Actor::User(ANA), Action::Acknowledged),
            (m(4), Actor::User(ANA), Action::Assigned { to: LUIS }),
            (m(6), Actor::User(LUIS), Action::Unassigned),
            (m(7), Actor::System, Action::Cleared),
        ]
    );
    // The engine's entries record when the collector learnt them.
    assert_eq!(
        book.get(A, "marcha_en_seco").unwrap().history()[0].recorded,
        UtcMillis(1_000)
    );
}

#[test]
fn an_alarm_from_backfilled_data_is_marked_raised_late() {
    let mut t = tr(Change::Raise(Severity::Critical), 0);
    t.arrived = UtcMillis(120_001);
    let Effect::New { alarm, notice } = apply(None, &t, &AlarmPolicy::default()) else {
        panic!("no alarm");
    };
    assert!(alarm.raised_late() && notice.late);
    assert_eq!(
        notice.summary(Lang::Es),
        "alarma activada: marcha_en_seco (crítica) en activo 12 (con datos atrasados)"
    );
    assert_eq!(
        notice.summary(Lang::En),
        "alarm raised: marcha_en_seco (critical) on asset 12 (from late data)"
    );
    // Exactly the threshold is on time.
    t.arrived = UtcMillis(120_000);
    let Effect::New { alarm, notice } = apply(None, &t, &AlarmPolicy::default()) else {
        panic!("no alarm");
    };
    assert!(!alarm.raised_late() && !notice.late);
    assert_eq!(notice.value, Some(2.5));
}

#[test]
fn a_replayed_transition_changes_nothing() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 5);
    assert!(raised(&mut book, 5).is_empty());
    assert!(raised(&mut book, 4).is_empty());
    assert!(
        book.apply(&tr(Change::Retrigger(Severity::Major), 5))
            .is_empty()
    );
    assert_eq!(book.get(A, "marcha_en_seco").unwrap().count(), 1);
    // Also against a cleared alarm: an old raise does not reopen anything.
    book.apply(&tr(
        Change::Clear {
            severity: Severity::Major,
        },
        9,
    ));
    assert!(raised(&mut book, 8).is_empty());
    assert_eq!(book.active().count(), 0);
}

#[test]
fn people_cannot_act_before_the_alarm_started_or_write_novels() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 10);
    let a = book.get_mut(A, "marcha_en_seco").unwrap();
    assert!(matches!(
        a.acknowledge(ANA, m(9), None),
        Err(AlarmError::BeforeStart { .. })
    ));
    let long = "x".repeat(MAX_COMMENT_CHARS + 1);
    assert_eq!(
        a.acknowledge(ANA, m(11), Some(&long)),
        Err(AlarmError::CommentTooLong {
            chars: MAX_COMMENT_CHARS + 1
        })
    );
    assert!(
        a.acknowledge(ANA, m(11), Some(&"ñ".repeat(MAX_COMMENT_CHARS)))
            .is_ok()
    );
}

#[test]
fn stored_parts_round_trip_and_inconsistent_ones_are_refused() {
    let mut book = AlarmBook::new(AlarmPolicy::default());
    raised(&mut book, 0);
    let a = book.get(A, "marcha_en_seco").unwrap().clone();
    assert_eq!(Alarm::from_parts(a.parts().clone()).unwrap(), a);
    let mut bad = a.clone().into_parts();
    bad.count = 0;
    assert_eq!(
        Alarm::from_parts(bad).unwrap_err().to_string(),
        "stored alarm `marcha_en_seco` is inconsistent: count is 0"
    );
    let mut bad = a.into_parts();
    bad.cleared = Some(UtcMillis(-1));
    assert!(Alarm::from_parts(bad).is_err());
    assert_eq!(
        NoticeKind::Deescalated.label(Lang::Es),
        "alarma de menor severidad"
    );
    assert_eq!(NoticeKind::Raised.as_str(), "raised");
}
