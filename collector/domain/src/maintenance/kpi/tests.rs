use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;
use crate::maintenance::assign::{Availability, Leave, Shift, Skill};
use crate::maintenance::work_order::{Actor, LabourEntry, NewWorkOrder, Origin, PmInfo};
use crate::{AssetId, DAY_MS};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn at(date: NaiveDate, h: u32) -> UtcMillis {
    Zone::SANTIAGO.resolve(date.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()))
}

fn order(id: i64, kind: WorkKind, state: WorkState) -> WorkOrder {
    let mut o = NewWorkOrder {
        kind,
        priority: Priority::Medium,
        state: WorkState::Approved,
        title: format!("orden {id}"),
        description: String::new(),
        asset: AssetId(7),
        site: SiteId(3),
        origin: Origin::Manual,
        created_at: UtcMillis(0),
        created_by: Actor::System,
        skill: None,
        estimated_minutes: None,
        due_at: None,
        pm: None,
        checklist: None,
        notes: Vec::new(),
    }
    .into_order(WorkOrderId(id));
    o.state = state;
    o
}

/// A PM order due on `required` with a plan frequency, completed on `done` (at 15:00).
fn pm(
    id: i64,
    kind: WorkKind,
    required: NaiveDate,
    frequency_days: Option<f64>,
    done: Option<NaiveDate>,
) -> WorkOrder {
    let mut o = order(
        id,
        kind,
        if done.is_some() {
            WorkState::Closed
        } else {
            WorkState::Assigned
        },
    );
    o.pm = Some(PmInfo {
        required,
        frequency_days,
    });
    o.completed_at = done.map(|day| at(day, 15));
    o
}

const WEEK: Option<f64> = Some(7.0);
const MONTH: Option<f64> = Some(MONTH_DAYS);

/// March 2026, as known on 15 April.
fn march_history() -> Vec<WorkOrder> {
    let mut predictive = order(7, WorkKind::Predictive, WorkState::Completed);
    // Due by the end of 25 March; no plan frequency.
    predictive.due_at = Some(at(d(3, 26), 0));
    predictive.completed_at = Some(at(d(3, 25), 10));
    let mut cancelled = pm(8, WorkKind::Preventive, d(3, 12), WEEK, None);
    cancelled.state = WorkState::Cancelled;
    let mut corrective = pm(9, WorkKind::Corrective, d(3, 5), WEEK, Some(d(3, 5)));
    corrective.kind = WorkKind::Corrective;
    vec![
        pm(1, WorkKind::Preventive, d(3, 2), WEEK, Some(d(3, 3))),
        pm(2, WorkKind::Preventive, d(3, 9), WEEK, Some(d(3, 11))),
        pm(3, WorkKind::Preventive, d(3, 10), MONTH, Some(d(3, 16))),
        pm(4, WorkKind::Preventive, d(3, 15), MONTH, Some(d(3, 22))),
        pm(
            5,
            WorkKind::Inspection,
            d(3, 20),
            Some(3.0 * MONTH_DAYS),
            None,
        ),
        pm(
            6,
            WorkKind::Preventive,
            d(3, 31),
            Some(6.0 * MONTH_DAYS),
            None,
        ),
        predictive,
        cancelled,
        corrective,
        pm(10, WorkKind::Preventive, d(2, 27), WEEK, Some(d(2, 27))),
        // Completed on 20 April: after `as_of`, so not completed as of 15 April.
        pm(11, WorkKind::Preventive, d(3, 28), WEEK, Some(d(4, 20))),
    ]
}

#[test]
fn pm_compliance_equals_the_hand_computation_for_each_variant() {
    let orders = march_history();
    let as_of = at(d(4, 15), 12);
    let run = |rule| pm_compliance(&orders, d(3, 1), d(3, 31), Zone::SANTIAGO, rule, as_of);

    // Grace table (default). Order: required → deadline (grace): completed ⇒ verdict
    //  1: 2 Mar, weekly → 3 Mar (1 d): 3 Mar ⇒ on time
    //  2: 9 Mar, weekly → 10 Mar (1 d): 11 Mar ⇒ late
    //  3: 10 Mar, monthly → 16 Mar (6 d): 16 Mar ⇒ on time
    //  4: 15 Mar, monthly → 21 Mar (6 d): 22 Mar ⇒ late
    //  5: 20 Mar, 3 months → 7 Apr (18 d): not done, 15 Apr > 7 Apr ⇒ missed
    //  6: 31 Mar, 6 months → 28 Apr (28 d): not done, 15 Apr ≤ 28 Apr ⇒ pending (left out)
    //  7: 25 Mar (due_at), no frequency → 25 Mar (0 d): 25 Mar ⇒ on time
    //  8: cancelled ⇒ left out; 9: corrective ⇒ not PM; 10: February ⇒ outside
    // 11: 28 Mar, weekly → 29 Mar (1 d): done 20 Apr, after as_of ⇒ missed
    // on time 3 (1, 3, 7), late 2 (2, 4), missed 2 (5, 11): 3 / 7.
    let k = run(OnTime::GraceTable);
    assert_eq!(
        (
            k.on_time,
            k.late,
            k.missed,
            k.pending,
            k.cancelled,
            k.no_frequency,
            k.due
        ),
        (3, 2, 2, 1, 1, 1, 7)
    );
    assert_eq!(k.ratio, Some(3.0 / 7.0));
    assert_eq!(OnTime::default(), OnTime::GraceTable);

    // By the required date: only 7 is on time; 1-4 late; 5, 6 (deadline 31 Mar) and 11 missed: 1 / 8.
    let k = run(OnTime::RequiredDate);
    assert_eq!(
        (k.on_time, k.late, k.missed, k.pending, k.due),
        (1, 4, 3, 0, 8)
    );
    assert_eq!(k.ratio, Some(1.0 / 8.0));

    // Required date + 1 day: 1 and 7 on time; 2, 3, 4 late; 5, 6, 11 missed: 2 / 8.
    let k = run(OnTime::RequiredDatePlusOneDay);
    assert_eq!(
        (k.on_time, k.late, k.missed, k.pending, k.due),
        (2, 3, 3, 0, 8)
    );
    assert_eq!(k.ratio, Some(2.0 / 8.0));
}

#[test]
fn the_twenty_percent_formula_reproduces_every_row_of_the_published_grace_table() {
    for (freq, grace) in GRACE_TABLE {
        assert_eq!(grace_days(OnTime::GraceTable, Some(freq)), grace, "{freq}");
        assert_eq!(
            grace_days(OnTime::TwentyPercentCapped, Some(freq)),
            grace,
            "{freq}"
        );
    }
    // Between rows the table takes the row below; the formula interpolates.
    assert_eq!(grace_days(OnTime::GraceTable, Some(21.0)), 3);
    assert_eq!(grace_days(OnTime::TwentyPercentCapped, Some(21.0)), 4);
    // Under a week: no grace. A year: 28 days, capped.
    assert_eq!(grace_days(OnTime::GraceTable, Some(3.0)), 0);
    assert_eq!(grace_days(OnTime::GraceTable, Some(365.0)), 28);
    assert_eq!(grace_days(OnTime::TwentyPercentCapped, Some(365.0)), 28);
    // The 10 % rule: 28 days → 3 (2.8 rounded); 84 days → 8.
    assert_eq!(grace_days(OnTime::TenPercent, Some(28.0)), 3);
    assert_eq!(grace_days(OnTime::TenPercent, Some(84.0)), 8);
    // No frequency, no grace.
    assert_eq!(grace_days(OnTime::GraceTable, None), 0);
    assert_eq!(grace_days(OnTime::RequiredDatePlusOneDay, None), 1);
}

fn crew() -> Vec<Technician> {
    let shift = Shift::new(
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    )
    .unwrap();
    let week = Availability::weekly(
        Zone::SANTIAGO,
        shift,
        &[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
    );
    let tech = |user: i64, availability: Availability| Technician {
        user: UserId(user),
        name: format!("técnico {user}"),
        kinds: WorkKind::ALL.iter().copied().collect(),
        skills: [Skill::parse("mechanical").unwrap()].into_iter().collect(),
        sites: [SiteId(3)].into_iter().collect(),
        availability,
    };
    vec![
        tech(1, week.clone()),
        tech(2, week.clone()),
        // On leave Tuesday and Wednesday.
        tech(
            3,
            week.with_leave(Leave::days(Zone::SANTIAGO, d(3, 3), d(3, 4)).unwrap()),
        ),
    ]
}

fn with_estimate(mut o: WorkOrder, minutes: Option<u32>, logged: u32) -> WorkOrder {
    o.estimated_minutes = minutes;
    if logged > 0 {
        o.labour.push(LabourEntry {
            technician: UserId(1),
            started_at: UtcMillis(0),
            minutes: logged,
            note: None,
        });
    }
    o
}

#[test]
fn backlog_in_crew_weeks_equals_the_hand_computation() {
    use WorkState::*;
    let orders = vec![
        with_estimate(order(1, WorkKind::Corrective, Requested), Some(60 * 60), 0),
        with_estimate(order(2, WorkKind::Preventive, Approved), Some(50 * 60), 0),
        with_estimate(order(3, WorkKind::Corrective, Assigned), Some(67 * 60), 0),
        with_estimate(
            order(4, WorkKind::Corrective, InProgress),
            Some(70 * 60),
            13 * 60,
        ),
        with_estimate(order(5, WorkKind::Preventive, OnHold), Some(4 * 60), 5 * 60),
        with_estimate(order(6, WorkKind::Inspection, Approved), None, 0),
        with_estimate(order(7, WorkKind::Preventive, Completed), Some(1000), 0),
        with_estimate(order(8, WorkKind::Preventive, Closed), Some(1000), 0),
        with_estimate(order(9, WorkKind::Preventive, Cancelled), Some(1000), 0),
    ];
    // Monday 2 March 2026, 06:00: the week is Mon 06:00 to Mon 06:00.
    let b = backlog(&orders, &crew(), at(d(3, 2), 6));
    // Hours (remaining = estimate − logged, at least 0):
    //   1 requested 60 + 2 approved 50 + 3 assigned 67 + 4 in progress 70 − 13 = 57
    //   + 5 on hold 4 − 5 → 0 = 234 h total; ready = approved + assigned = 50 + 67 = 117 h.
    //   6 has no estimate (counted apart); 7, 8, 9 are not open.
    // Crew: 3 × (5 days × 9 h) = 135 h, less technician 3's two days (18 h) = 117 h.
    // Crew-weeks: 234 / 117 = 2.0 total, 117 / 117 = 1.0 ready.
    assert_eq!(b.total_hours, 234.0);
    assert_eq!(b.ready_hours, 117.0);
    assert_eq!(b.weekly_crew_hours, 117.0);
    assert_eq!(b.total_crew_weeks, Some(2.0));
    assert_eq!(b.ready_crew_weeks, Some(1.0));
    assert_eq!(
        (b.total_orders, b.ready_orders, b.without_estimate),
        (6, 3, 1)
    );
    // Without a crew there are no crew-weeks, rather than infinity.
    assert_eq!(backlog(&orders, &[], at(d(3, 2), 6)).total_crew_weeks, None);
}

#[test]
fn orders_are_counted_by_state_kind_and_priority() {
    let mut a = order(1, WorkKind::Corrective, WorkState::Requested);
    a.priority = Priority::Critical;
    let b = order(2, WorkKind::Corrective, WorkState::Requested);
    let c = order(3, WorkKind::Preventive, WorkState::Closed);
    let k = order_counts([&a, &b, &c]);
    assert_eq!(k.total, 3);
    assert_eq!(k.by_state[&WorkState::Requested], 2);
    assert_eq!(k.by_kind[&WorkKind::Preventive], 1);
    assert_eq!(k.by_priority[&Priority::Medium], 2);
    assert_eq!(
        k.by_all[&(
            WorkState::Requested,
            WorkKind::Corrective,
            Priority::Critical
        )],
        1
    );
    assert!(!k.by_state.contains_key(&WorkState::Cancelled));
}

#[test]
fn only_open_orders_past_their_due_time_are_overdue() {
    let now = at(d(3, 10), 12);
    let due = |id, state, days_ago: i64, p| {
        let mut o = order(id, WorkKind::Corrective, state);
        o.due_at = Some(UtcMillis(now.0 - days_ago * DAY_MS));
        o.priority = p;
        o
    };
    let orders = [
        due(1, WorkState::Assigned, 2, Priority::Low),
        due(2, WorkState::Requested, 5, Priority::Low),
        due(3, WorkState::OnHold, 2, Priority::High),
        // Completed, waiting for review: not overdue.
        due(4, WorkState::Completed, 9, Priority::High),
        // Due later.
        due(5, WorkState::Assigned, -1, Priority::High),
        // No due time.
        order(6, WorkKind::Corrective, WorkState::Approved),
    ];
    let ids: Vec<i64> = overdue(&orders, now).iter().map(|o| o.id.0).collect();
    assert_eq!(ids, vec![2, 3, 1]);
    assert_eq!(overdue(&orders, now)[0].overdue_ms, 5 * DAY_MS);
}
