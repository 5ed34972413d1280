use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::*;
use crate::maintenance::work_order::{
    Action, Actor, NewWorkOrder, Origin, Priority, WorkOrder, WorkState,
};
use crate::{AssetId, Role, WorkOrderId, Zone};

fn at(s: &str) -> UtcMillis {
    Zone::SANTIAGO.resolve(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn weekdays() -> Availability {
    Availability::weekly(
        Zone::SANTIAGO,
        Shift::new(
            NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        )
        .unwrap(),
        &[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
    )
}

fn tech(user: i64, skills: &[&str], sites: &[i64]) -> Technician {
    Technician {
        user: UserId(user),
        name: format!("técnico {user}"),
        kinds: WorkKind::ALL.iter().copied().collect(),
        skills: skills.iter().map(|s| Skill::parse(s).unwrap()).collect(),
        sites: sites.iter().map(|s| SiteId(*s)).collect(),
        availability: weekdays(),
    }
}

fn order(id: i64, assignee: Option<i64>, state: WorkState, estimate: u32) -> WorkOrder {
    let mut o = NewWorkOrder {
        kind: WorkKind::Corrective,
        priority: Priority::Medium,
        state: WorkState::Approved,
        title: "x".into(),
        description: String::new(),
        asset: AssetId(1),
        site: SiteId(1),
        origin: Origin::Manual,
        created_at: UtcMillis(0),
        created_by: Actor::System,
        skill: None,
        estimated_minutes: Some(estimate),
        due_at: None,
        pm: None,
        checklist: None,
        notes: Vec::new(),
    }
    .into_order(WorkOrderId(id));
    o.assignee = assignee.map(UserId);
    o.state = state;
    o
}

fn need(skill: Option<&str>, site: i64) -> Need {
    Need {
        kind: WorkKind::Corrective,
        skill: skill.map(|s| Skill::parse(s).unwrap()),
        site: SiteId(site),
        exclude: None,
    }
}

// Monday 2026-03-02, 06:00 in Santiago: the daily job.
fn monday_6am() -> UtcMillis {
    at("2026-03-02 06:00")
}

#[test]
fn the_least_loaded_qualified_technician_gets_the_order() {
    let techs = [
        tech(1, &["electrical"], &[1]),
        tech(2, &["electrical", "mechanical"], &[1]),
        tech(3, &["mechanical"], &[1]),
    ];
    let orders = [
        order(10, Some(1), WorkState::InProgress, 240),
        order(11, Some(2), WorkState::Assigned, 60),
        order(12, Some(2), WorkState::OnHold, 60),
        // Not counted: completed, and requested without an assignee.
        order(13, Some(1), WorkState::Completed, 600),
        order(14, None, WorkState::Requested, 600),
    ];
    let l = loads(&orders);
    assert_eq!(
        l[&UserId(1)],
        Load {
            orders: 1,
            remaining_minutes: 240
        }
    );
    assert_eq!(
        l[&UserId(2)],
        Load {
            orders: 2,
            remaining_minutes: 120
        }
    );
    let p = pick(
        &need(Some("electrical"), 1),
        &techs,
        &l,
        &AssignPolicy::default(),
        monday_6am(),
    )
    .unwrap();
    // 2 h remaining beats 4 h remaining; technician 3 lacks the skill.
    assert_eq!(p.technician, UserId(2));
    // Counting orders instead, technician 1 (one order) beats technician 2 (two).
    let by_count = AssignPolicy {
        load: LoadMeasure::OrderCount,
        ..AssignPolicy::default()
    };
    let p = pick(
        &need(Some("electrical"), 1),
        &techs,
        &l,
        &by_count,
        monday_6am(),
    )
    .unwrap();
    assert_eq!(p.technician, UserId(1));
}

#[test]
fn ties_are_broken_by_the_other_measure_then_the_lowest_user_id() {
    let techs = [tech(9, &[], &[1]), tech(4, &[], &[1]), tech(7, &[], &[1])];
    // 9 and 4 have 60 min each (one order vs two), 7 has 60 min in one order.
    let orders = [
        order(1, Some(9), WorkState::Assigned, 60),
        order(2, Some(4), WorkState::Assigned, 30),
        order(3, Some(4), WorkState::Assigned, 30),
        order(4, Some(7), WorkState::Assigned, 60),
    ];
    let l = loads(&orders);
    let p = pick(
        &need(None, 1),
        &techs,
        &l,
        &AssignPolicy::default(),
        monday_6am(),
    )
    .unwrap();
    // Equal hours; 7 and 9 have one order each; 7 < 9.
    assert_eq!(p.technician, UserId(7));
}

#[test]
fn when_nobody_qualifies_the_error_says_why_for_each() {
    let on_leave = {
        let mut t = tech(4, &["electrical"], &[1]);
        t.availability = weekdays().with_leave(
            Leave::days(
                Zone::SANTIAGO,
                NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(),
            )
            .unwrap(),
        );
        t
    };
    let inspector = {
        let mut t = tech(5, &["electrical"], &[1]);
        t.kinds = [WorkKind::Inspection].into_iter().collect();
        t
    };
    let techs = [
        tech(1, &["electrical"], &[2]),
        tech(2, &["electrical"], &[2]),
        tech(3, &["mechanical"], &[1]),
        on_leave,
        inspector,
    ];
    let e = pick(
        &need(Some("electrical"), 1),
        &techs,
        &BTreeMap::new(),
        &AssignPolicy::default(),
        monday_6am(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "no technician qualifies for corrective work needing skill `electrical` at site 1: \
         2 do not serve the site, 1 does not do this kind of work, 1 lacks the skill, 1 is on leave"
    );
    assert_eq!(
        e.message(Lang::Es),
        "ningún técnico califica para el trabajo de tipo correctiva que requiere la habilidad «electrical» en el sitio 1: \
         2 no atienden el sitio, 1 no hace este tipo de trabajo, 1 no tiene la habilidad, 1 está con permiso"
    );
    assert_eq!(e.rejected[3], (UserId(4), Rejection::OnLeave));
    let none = pick(
        &need(None, 1),
        &[],
        &BTreeMap::new(),
        &AssignPolicy::default(),
        monday_6am(),
    )
    .unwrap_err();
    assert_eq!(
        none.to_string(),
        "no technician qualifies for corrective work at site 1: no technicians are registered"
    );
}

#[test]
fn availability_looks_ahead_over_the_horizon() {
    let techs = [tech(1, &[], &[1])];
    let l = BTreeMap::new();
    let p = AssignPolicy::default();
    // Friday 18:00: the next shift is Monday, beyond 24 hours.
    let friday_evening = at("2026-03-06 18:00");
    assert_eq!(
        pick(&need(None, 1), &techs, &l, &p, friday_evening)
            .unwrap_err()
            .rejected,
        vec![(UserId(1), Rejection::NotScheduled)]
    );
    // With a three-day horizon Monday's shift counts.
    let long = AssignPolicy {
        horizon_ms: 3 * crate::DAY_MS,
        ..p
    };
    assert!(pick(&need(None, 1), &techs, &l, &long, friday_evening).is_ok());
}

#[test]
fn a_supervisor_reassigns_to_the_next_best_technician() {
    let techs = [tech(1, &[], &[1]), tech(2, &[], &[1])];
    let mut o = order(1, None, WorkState::Approved, 60);
    let supervisor = Actor::user(UserId(50), Role::Supervisor);
    let first = pick(
        &Need::of(&o),
        &techs,
        &loads([&o]),
        &AssignPolicy::default(),
        monday_6am(),
    )
    .unwrap();
    o.apply(
        Actor::System,
        Action::Assign {
            technician: first.technician,
        },
        None,
        monday_6am(),
    )
    .unwrap();
    assert_eq!(o.assignee, Some(UserId(1)));
    let other = pick(
        &Need::for_reassignment(&o),
        &techs,
        &loads([&o]),
        &AssignPolicy::default(),
        monday_6am(),
    )
    .unwrap();
    assert_eq!(other.technician, UserId(2));
    o.apply(
        supervisor,
        Action::Reassign {
            technician: other.technician,
        },
        Some("técnico 1 en terreno"),
        monday_6am(),
    )
    .unwrap();
    assert_eq!(o.assignee, Some(UserId(2)));
    assert_eq!(o.state, WorkState::Assigned);
}

#[test]
fn skill_labels_follow_the_spelling_rule() {
    assert!(Skill::parse("electrical").is_ok());
    assert!(Skill::parse("media-tension_2").is_ok());
    assert_eq!(
        Skill::parse("Eléctrico").unwrap_err().to_string(),
        "skill `Eléctrico` must be 1 to 40 lowercase letters, digits, `_` or `-`"
    );
    assert!(Skill::parse("").is_err());
}
