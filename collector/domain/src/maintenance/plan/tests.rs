//! Plans on a fast virtual clock: every test steps `now` through days or
//! hours of Santiago time and plays the store (one order per origin key,
//! the plan state written with it).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};

use super::*;
use crate::maintenance::work_order::{NewWorkOrder, NoteBody, Origin};
use crate::{AssetId, HOUR_MS, MeterKind, SiteId, UtcMillis};

const M3: MeterKind = MeterKind::CubicMetres;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn local(date: NaiveDate, h: u32, m: u32) -> UtcMillis {
    Zone::SANTIAGO.resolve(date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
}

fn spec() -> PlanSpec {
    PlanSpec {
        id: PlanId(4),
        name: "Mantención bomba".to_owned(),
        description: "Revisar sellos y rodamientos".to_owned(),
        target: PlanTarget::Asset(AssetId(7)),
        kind: WorkKind::Preventive,
        priority: Priority::Medium,
        skill: None,
        calendar: None,
        meter: None,
        anchor: Anchor::Fixed,
        start: d(2026, 1, 1),
        zone: Zone::SANTIAGO,
        checklist: Some(TemplateId(2)),
        estimated_minutes: 180,
        active: true,
    }
}

fn monthly(lead_days: u32) -> Option<CalendarTrigger> {
    Some(CalendarTrigger {
        every: Every::new(1, CalendarUnit::Months).unwrap(),
        lead_days,
    })
}

fn every_m3(every: f64, lead: f64) -> Option<MeterTrigger> {
    Some(MeterTrigger {
        meter: M3,
        every,
        lead,
        grid_base: 0.0,
    })
}

/// The store: one order per origin key, the state written with it.
struct Store {
    orders: BTreeMap<String, NewWorkOrder>,
    state: PlanState,
}

impl Store {
    /// Insert with `ON CONFLICT DO NOTHING`; the state is written only
    /// when the order is.
    fn commit(&mut self, g: &Generation) -> bool {
        let key = g.order.origin_key().unwrap();
        if self.orders.contains_key(&key) {
            return false;
        }
        self.orders.insert(key, g.order.clone());
        self.state = g.state;
        true
    }
}

fn generated(d: Decision) -> Box<Generation> {
    match d {
        Decision::Generate(g) => g,
        other => panic!("expected an order, got {other:?}"),
    }
}

#[test]
fn a_monthly_fixed_plan_creates_its_orders_on_the_due_dates() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(0),
        start: d(2026, 1, 31),
        ..spec()
    })
    .unwrap();
    let meters = Meters::none();
    let mut st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &meters,
        local(d(2026, 1, 1), 6, 0),
    );
    let mut dates = Vec::new();
    let mut day = d(2026, 1, 1);
    while day <= d(2026, 12, 31) {
        // The daily job at 06:00.
        match evaluate(&plan, &st, &meters, local(day, 6, 0)) {
            Decision::Generate(g) => {
                assert_eq!(g.fired.calendar, Some(day));
                assert_eq!(g.order.pm.unwrap().required, day);
                assert_eq!(g.order.due_at, Some(local(day.succ_opt().unwrap(), 0, 0)));
                assert_eq!(g.seq, u32::try_from(dates.len()).unwrap() + 1);
                dates.push(day);
                st = g.state;
                // Done the same morning.
                assert_eq!(
                    st.on_order_done(&plan, g.seq, local(day, 11, 0), &meters),
                    DoneOutcome::Recorded { skipped: 0 }
                );
            }
            Decision::NotDue(n) => assert!(n.next_due.unwrap() > day),
            other => panic!("{other:?}"),
        }
        day = day.succ_opt().unwrap();
    }
    assert_eq!(
        dates,
        vec![
            d(2026, 1, 31),
            d(2026, 2, 28),
            d(2026, 3, 31),
            d(2026, 4, 30),
            d(2026, 5, 31),
            d(2026, 6, 30),
            d(2026, 7, 31),
            d(2026, 8, 31),
            d(2026, 9, 30),
            d(2026, 10, 31),
            d(2026, 11, 30),
            d(2026, 12, 31),
        ]
    );
}

/// Step `now` one UTC hour at a time through a daylight-saving change,
/// evaluating every hour and completing each order an hour later: a daily
/// plan must produce each local date exactly once.
fn daily_plan_through(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let plan = Plan::new(PlanSpec {
        calendar: Some(CalendarTrigger {
            every: Every::new(1, CalendarUnit::Days).unwrap(),
            lead_days: 0,
        }),
        start: first,
        ..spec()
    })
    .unwrap();
    let meters = Meters::none();
    let begin = local(first, 0, 0);
    let end = local(last.succ_opt().unwrap(), 0, 0);
    let mut st = PlanState::start(&plan, AssetId(7), SiteId(3), &meters, begin);
    let mut required = Vec::new();
    let mut now = begin;
    while now < end {
        if let Some(seq) = st.open {
            st.on_order_done(&plan, seq, now, &meters);
        }
        if let Decision::Generate(g) = evaluate(&plan, &st, &meters, now) {
            required.push(g.order.pm.unwrap().required);
            st = g.state;
        }
        now = UtcMillis(now.0 + HOUR_MS);
    }
    required
}

#[test]
fn santiago_daylight_saving_neither_doubles_nor_skips_a_due_date() {
    // 2026-04-05 00:00 falls back to 2026-04-04 23:00 (an hour twice);
    // 2026-09-06 00:00 jumps to 01:00 (a midnight that never happens).
    for (first, last) in [
        (d(2026, 4, 1), d(2026, 4, 9)),
        (d(2026, 9, 2), d(2026, 9, 10)),
    ] {
        let mut expect = Vec::new();
        let mut day = first;
        while day <= last {
            expect.push(day);
            day = day.succ_opt().unwrap();
        }
        assert_eq!(daily_plan_through(first, last), expect);
    }
    // The 06:00 job itself lands once on each of those dates.
    for day in [d(2026, 4, 4), d(2026, 4, 5), d(2026, 9, 5), d(2026, 9, 6)] {
        assert_eq!(Zone::SANTIAGO.date(local(day, 6, 0)), day);
    }
}

#[test]
fn a_lead_time_creates_the_order_ahead_and_keeps_the_due_date() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(5),
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    let meters = Meters::none();
    let st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &meters,
        local(d(2026, 2, 1), 6, 0),
    );
    assert!(matches!(
        evaluate(&plan, &st, &meters, local(d(2026, 2, 23), 6, 0)),
        Decision::NotDue(_)
    ));
    let g = generated(evaluate(&plan, &st, &meters, local(d(2026, 2, 24), 6, 0)));
    assert_eq!(g.fired.calendar, Some(d(2026, 3, 1)));
    assert_eq!(g.order.pm.unwrap().required, d(2026, 3, 1));
    assert_eq!(g.state.next_due, Some(d(2026, 4, 1)));
}

#[test]
fn a_fixed_plan_completed_late_skips_the_dates_it_missed_and_says_so() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(0),
        start: d(2026, 1, 31),
        ..spec()
    })
    .unwrap();
    let meters = Meters::none();
    let mut st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &meters,
        local(d(2026, 3, 1), 6, 0),
    );
    let g = generated(evaluate(&plan, &st, &meters, local(d(2026, 3, 31), 6, 0)));
    st = g.state;
    // While the March order is open, April 30 comes and goes.
    assert_eq!(
        evaluate(&plan, &st, &meters, local(d(2026, 4, 30), 6, 0)),
        Decision::Open { seq: 1 }
    );
    assert_eq!(
        st.on_order_done(&plan, 1, local(d(2026, 5, 5), 15, 0), &meters),
        DoneOutcome::Recorded { skipped: 1 }
    );
    assert_eq!(st.next_due, Some(d(2026, 5, 31)));
    // A replayed completion changes nothing.
    let again = st;
    assert_eq!(
        st.on_order_done(&plan, 1, local(d(2026, 5, 6), 15, 0), &meters),
        DoneOutcome::NotOpen
    );
    assert_eq!(st, again);
    let g = generated(evaluate(&plan, &st, &meters, local(d(2026, 5, 31), 6, 0)));
    assert_eq!(g.seq, 2);
    assert_eq!(g.skipped, 1);
    assert_eq!(
        g.order.notes,
        vec![NoteBody::OccurrencesSkipped { count: 1 }]
    );
    assert_eq!(g.state.skipped_total, 1);
    assert_eq!(g.state.skipped_pending, 0);
}

#[test]
fn a_fixed_plan_left_unevaluated_generates_one_order_for_the_latest_date() {
    // The collector was down for three weeks of a weekly plan.
    let plan = Plan::new(PlanSpec {
        calendar: Some(CalendarTrigger {
            every: Every::new(1, CalendarUnit::Weeks).unwrap(),
            lead_days: 0,
        }),
        start: d(2026, 3, 2),
        ..spec()
    })
    .unwrap();
    let meters = Meters::none();
    let st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &meters,
        local(d(2026, 3, 1), 6, 0),
    );
    let g = generated(evaluate(&plan, &st, &meters, local(d(2026, 3, 20), 6, 0)));
    // Due 2, 9 and 16 March: one order, for the 16th; two skipped.
    assert_eq!(g.fired.calendar, Some(d(2026, 3, 16)));
    assert_eq!(g.skipped, 2);
    assert_eq!(g.state.next_due, Some(d(2026, 3, 23)));
}

#[test]
fn a_floating_plan_counts_from_the_completion_date() {
    let plan = Plan::new(PlanSpec {
        calendar: Some(CalendarTrigger {
            every: Every::new(10, CalendarUnit::Days).unwrap(),
            lead_days: 0,
        }),
        anchor: Anchor::Floating,
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    let meters = Meters::none();
    let mut st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &meters,
        local(d(2026, 2, 20), 6, 0),
    );
    let g = generated(evaluate(&plan, &st, &meters, local(d(2026, 3, 1), 6, 0)));
    st = g.state;
    // Done three days late: nothing skipped; next due 10 days after.
    assert_eq!(
        st.on_order_done(&plan, g.seq, local(d(2026, 3, 4), 16, 0), &meters),
        DoneOutcome::Recorded { skipped: 0 }
    );
    assert_eq!(st.next_due, Some(d(2026, 3, 14)));
}

/// A well pumping `rate` m³ per hour, polled every hour; each order is
/// completed `repair_hours` after it is generated, with the meter reading
/// then. Both the crossing path and the 06:00 job run; the store keeps one
/// order per key. Returns (threshold fired, reading when generated,
/// reading at completion) per order.
fn pump_hours(
    plan: &Plan,
    rate: f64,
    hours: u32,
    repair_hours: u32,
) -> (Vec<(f64, f64, Option<f64>)>, Store) {
    let start = local(d(2026, 3, 1), 0, 0);
    let mut reading = 0.0;
    let meters = |r: f64| Meters::none().with(M3, r);
    let mut store = Store {
        orders: BTreeMap::new(),
        state: PlanState::start(plan, AssetId(7), SiteId(3), &meters(0.0), start),
    };
    let mut out: Vec<(f64, f64, Option<f64>)> = Vec::new();
    let mut open_since: Option<u32> = None;
    for h in 1..=hours {
        reading += rate;
        let now = UtcMillis(start.0 + i64::from(h) * HOUR_MS);
        if let (Some(seq), Some(since)) = (store.state.open, open_since)
            && h >= since + repair_hours
        {
            store.state.on_order_done(plan, seq, now, &meters(reading));
            out.last_mut().unwrap().2 = Some(reading);
            open_since = None;
        }
        let daily_job =
            Zone::SANTIAGO.local(now).time() == NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        if meter_crossed(plan, &store.state, M3, reading) || daily_job {
            // Two replicas evaluate the same state; the second insert does nothing.
            let a = evaluate(plan, &store.state, &meters(reading), now);
            let b = evaluate(plan, &store.state, &meters(reading), now);
            assert_eq!(a, b);
            if let (Decision::Generate(a), Decision::Generate(b)) = (a, b) {
                assert!(store.commit(&a));
                assert!(!store.commit(&b));
                out.push((a.fired.meter.unwrap().1, reading, None));
                open_since = Some(h);
            }
        }
    }
    (out, store)
}

#[test]
fn a_fixed_meter_plan_orders_once_at_each_crossing_of_its_grid() {
    let plan = Plan::new(PlanSpec {
        meter: every_m3(100.0, 0.0),
        ..spec()
    })
    .unwrap();
    // 7 m³/h for 200 h = 1400 m³; each order done 5 h (35 m³) later.
    let (orders, store) = pump_hours(&plan, 7.0, 200, 5);
    let thresholds: Vec<f64> = orders.iter().map(|o| o.0).collect();
    let grid: Vec<f64> = (1..=14).map(|k| f64::from(k) * 100.0).collect();
    assert_eq!(thresholds, grid);
    for (threshold, at_generation, _) in &orders {
        // Within one poll of the crossing.
        assert!(*at_generation >= *threshold && *at_generation < threshold + 7.0);
    }
    assert_eq!(store.orders.len(), 14);
    assert_eq!(store.state.skipped_total, 0);
    assert!(store.orders.contains_key("plan:4:asset:7:seq:14"));
}

#[test]
fn a_floating_meter_plan_counts_from_the_completion_reading() {
    let plan = Plan::new(PlanSpec {
        meter: every_m3(100.0, 0.0),
        anchor: Anchor::Floating,
        ..spec()
    })
    .unwrap();
    let (orders, _) = pump_hours(&plan, 7.0, 120, 5);
    // The first threshold is 100; each next one is the previous completion's reading + 100.
    assert_eq!(orders[0].0, 100.0);
    for w in orders.windows(2) {
        assert_eq!(w[1].0, w[0].2.unwrap() + 100.0);
    }
    assert_eq!(orders.len(), 6);
}

#[test]
fn a_slow_repair_on_a_fixed_meter_plan_skips_the_crossings_it_covered() {
    let plan = Plan::new(PlanSpec {
        meter: every_m3(100.0, 0.0),
        ..spec()
    })
    .unwrap();
    // 10 m³/h; each order takes 25 h (250 m³): 100 fires, done at 350 → 200 and 300 skipped, 400 next.
    let (orders, store) = pump_hours(&plan, 10.0, 100, 25);
    let thresholds: Vec<f64> = orders.iter().map(|o| o.0).collect();
    assert_eq!(thresholds, vec![100.0, 400.0, 700.0, 1000.0]);
    assert_eq!(store.state.skipped_total, 6);
    assert_eq!(
        store.orders["plan:4:asset:7:seq:2"].notes,
        vec![NoteBody::OccurrencesSkipped { count: 2 }]
    );
}

#[test]
fn a_backfill_past_two_thresholds_makes_one_order() {
    let plan = Plan::new(PlanSpec {
        meter: every_m3(100.0, 0.0),
        ..spec()
    })
    .unwrap();
    let now = local(d(2026, 3, 2), 10, 0);
    let st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &Meters::none().with(M3, 130.0),
        now,
    );
    assert_eq!(st.next_threshold, Some(200.0));
    // A day of backfilled readings lands at once: 130 → 420.
    let m = Meters::none().with(M3, 420.0);
    assert!(meter_crossed(&plan, &st, M3, 420.0));
    let g = generated(evaluate(&plan, &st, &m, now));
    assert_eq!(g.fired.meter, Some((M3, 400.0)));
    assert_eq!(g.skipped, 2);
    assert_eq!(g.state.next_threshold, Some(500.0));
    // The replay of the same backfill finds the order open.
    assert_eq!(
        evaluate(&plan, &g.state, &m, now),
        Decision::Open { seq: 1 }
    );
    assert!(!meter_crossed(&plan, &g.state, M3, 420.0));
}

#[test]
fn a_restart_before_the_commit_proposes_the_same_occurrence() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(0),
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    let m = Meters::none();
    let st = PlanState::start(&plan, AssetId(7), SiteId(3), &m, local(d(2026, 2, 1), 6, 0));
    let first = generated(evaluate(&plan, &st, &m, local(d(2026, 3, 1), 6, 0)));
    // The collector dies before committing; after the restart the next run is later the same day.
    let second = generated(evaluate(&plan, &st, &m, local(d(2026, 3, 1), 9, 0)));
    assert_eq!(first.order.origin_key(), second.order.origin_key());
    assert_eq!(first.state, second.state);
    assert_eq!(
        second.order.origin,
        Origin::Plan {
            plan: PlanId(4),
            seq: 1
        }
    );
}

#[test]
fn calendar_or_meter_whichever_comes_first() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(0),
        meter: every_m3(500.0, 0.0),
        anchor: Anchor::Floating,
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    let begin = local(d(2026, 3, 1), 0, 0);
    let run = |m3_per_day: f64| {
        let mut st = PlanState::start(
            &plan,
            AssetId(7),
            SiteId(3),
            &Meters::none().with(M3, 0.0),
            begin,
        );
        // Take the first order (due on the start date) and complete it at once.
        let g = generated(evaluate(
            &plan,
            &st,
            &Meters::none().with(M3, 0.0),
            local(d(2026, 3, 1), 6, 0),
        ));
        st = g.state;
        st.on_order_done(
            &plan,
            g.seq,
            local(d(2026, 3, 1), 7, 0),
            &Meters::none().with(M3, 0.0),
        );
        let mut day = d(2026, 3, 2);
        loop {
            let days = f64::from(u32::try_from((day - d(2026, 3, 1)).num_days()).unwrap());
            let m = Meters::none().with(M3, m3_per_day * days);
            if let Decision::Generate(g) = evaluate(&plan, &st, &m, local(day, 6, 0)) {
                return (day, g.fired);
            }
            day = day.succ_opt().unwrap();
        }
    };
    // 50 m³/day: 500 m³ on day 10, before the month.
    let (day, fired) = run(50.0);
    assert_eq!(day, d(2026, 3, 11));
    assert_eq!(fired.meter, Some((M3, 500.0)));
    assert_eq!(fired.calendar, None);
    // 10 m³/day: the month comes first (310 m³ by 1 April).
    let (day, fired) = run(10.0);
    assert_eq!(day, d(2026, 4, 1));
    assert_eq!(fired.calendar, Some(d(2026, 4, 1)));
    assert_eq!(fired.meter, None);
}

#[test]
fn a_meter_without_readings_is_reported_then_armed_at_its_first_reading() {
    let plan = Plan::new(PlanSpec {
        meter: Some(MeterTrigger {
            meter: MeterKind::RunHours,
            every: 500.0,
            lead: 20.0,
            grid_base: 0.0,
        }),
        ..spec()
    })
    .unwrap();
    let now = local(d(2026, 3, 2), 6, 0);
    let st = PlanState::start(&plan, AssetId(7), SiteId(3), &Meters::none(), now);
    assert_eq!(st.next_threshold, None);
    match evaluate(&plan, &st, &Meters::none(), now) {
        Decision::NotDue(n) => assert_eq!(n.meter_missing, Some(MeterKind::RunHours)),
        other => panic!("{other:?}"),
    }
    assert!(meter_crossed(&plan, &st, MeterKind::RunHours, 1234.0));
    let m = Meters::none().with(MeterKind::RunHours, 1234.0);
    let Decision::Arm(armed) = evaluate(&plan, &st, &m, now) else {
        panic!("expected the meter to be armed");
    };
    assert_eq!(armed.next_threshold, Some(1500.0));
    // With a 20 h lead it fires at 1480 h.
    assert_eq!(
        armed.armed_reading(&plan),
        Some((MeterKind::RunHours, 1480.0))
    );
    assert!(!meter_crossed(&plan, &armed, MeterKind::RunHours, 1479.0));
    assert!(meter_crossed(&plan, &armed, MeterKind::RunHours, 1480.0));
    assert!(!meter_crossed(&plan, &armed, MeterKind::Starts, 1e9));
}

#[test]
fn a_meter_order_in_its_lead_window_is_required_on_the_projected_day() {
    let plan = Plan::new(PlanSpec {
        meter: every_m3(1000.0, 100.0),
        ..spec()
    })
    .unwrap();
    let now = local(d(2026, 3, 2), 6, 0);
    let st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &Meters::none().with(M3, 0.0),
        now,
    );
    let usage = Usage {
        per_day: 40.0,
        window_days: 30,
    };
    let m = Meters::none().with_reading(M3, 905.0, Some(usage));
    let g = generated(evaluate(&plan, &st, &m, now));
    // 95 m³ to go at 40 m³/day: 2.4 → the third day.
    let pm = g.order.pm.unwrap();
    assert_eq!(pm.required, d(2026, 3, 5));
    // 1000 m³ at 40 m³/day: a 25-day frequency.
    assert_eq!(pm.frequency_days, Some(25.0));
}

#[test]
fn projections_read_as_people_say_them() {
    let plan = Plan::new(PlanSpec {
        meter: every_m3(100.0, 0.0),
        calendar: Some(CalendarTrigger {
            every: Every::new(3, CalendarUnit::Months).unwrap(),
            lead_days: 0,
        }),
        start: d(2026, 5, 1),
        ..spec()
    })
    .unwrap();
    let now = local(d(2026, 3, 2), 6, 0);
    let usage = Some(Usage {
        per_day: 5.0,
        window_days: 30,
    });
    let st = PlanState::start(
        &plan,
        AssetId(7),
        SiteId(3),
        &Meters::none().with(M3, 455.0),
        now,
    );
    let p = project(
        &plan,
        &st,
        &Meters::none().with_reading(M3, 455.0, usage),
        now,
    );
    assert_eq!(p.meter.unwrap().threshold, 500.0);
    assert_eq!(p.due_in_days(), Some(9.0));
    assert_eq!(
        p.describe(Lang::En),
        "due in about 9 days at the last 30 days' usage (500 m³)"
    );
    assert_eq!(
        p.describe(Lang::Es),
        "vence en unos 9 días al uso de los últimos 30 días (500 m³)"
    );
    // Without usage the calendar decides.
    let p = project(&plan, &st, &Meters::none().with(M3, 455.0), now);
    assert_eq!(p.describe(Lang::Es), "vence el 2026-05-01, en 60 días");
    assert_eq!(p.describe(Lang::En), "due on 2026-05-01, in 60 days");
}

#[test]
fn plans_that_cannot_work_are_refused_with_the_reason() {
    assert_eq!(Plan::new(spec()), Err(PlanError::NoTrigger));
    let e = Plan::new(PlanSpec {
        calendar: Some(CalendarTrigger {
            every: Every::new(1, CalendarUnit::Weeks).unwrap(),
            lead_days: 7,
        }),
        ..spec()
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "a lead time of 7 days must be shorter than the interval (7 days at least)"
    );
    assert_eq!(
        e.message(Lang::Es),
        "una anticipación de 7 días debe ser menor que el intervalo (al menos 7 días)"
    );
    assert_eq!(
        Plan::new(PlanSpec {
            meter: every_m3(0.0, 0.0),
            ..spec()
        }),
        Err(PlanError::MeterEvery(0.0))
    );
    assert_eq!(
        Plan::new(PlanSpec {
            meter: every_m3(100.0, 100.0),
            ..spec()
        })
        .unwrap_err()
        .to_string(),
        "a meter lead of 100 must be at least 0 and shorter than the interval 100"
    );
    assert_eq!(
        Plan::new(PlanSpec {
            meter: every_m3(100.0, 0.0),
            kind: WorkKind::Corrective,
            ..spec()
        }),
        Err(PlanError::Corrective)
    );
}

#[test]
fn a_class_plan_keeps_one_sequence_per_asset() {
    let plan = Plan::new(PlanSpec {
        target: PlanTarget::Class(crate::AssetKind::Pump),
        calendar: monthly(0),
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    assert!(plan.applies_to(AssetId(1), crate::AssetKind::Pump));
    assert!(!plan.applies_to(AssetId(1), crate::AssetKind::Motor));
    let m = Meters::none();
    let now = local(d(2026, 3, 1), 6, 0);
    let keys: Vec<String> = [AssetId(1), AssetId(2)]
        .into_iter()
        .map(|a| {
            let st = PlanState::start(&plan, a, SiteId(3), &m, now);
            generated(evaluate(&plan, &st, &m, now))
                .order
                .origin_key()
                .unwrap()
        })
        .collect();
    assert_eq!(keys, vec!["plan:4:asset:1:seq:1", "plan:4:asset:2:seq:1"]);
}

#[test]
fn editing_a_plan_restarts_its_counts_but_never_its_occurrence_numbers() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(0),
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    let m = Meters::none();
    let st = PlanState::start(&plan, AssetId(7), SiteId(3), &m, local(d(2026, 2, 1), 6, 0));
    let mut st = generated(evaluate(&plan, &st, &m, local(d(2026, 3, 1), 6, 0))).state;
    st.on_order_done(&plan, 1, local(d(2026, 3, 1), 9, 0), &m);
    let weekly = Plan::new(PlanSpec {
        calendar: Some(CalendarTrigger {
            every: Every::new(1, CalendarUnit::Weeks).unwrap(),
            lead_days: 0,
        }),
        start: d(2026, 3, 1),
        ..spec()
    })
    .unwrap();
    let st = st.restart(&weekly, &m, local(d(2026, 3, 3), 6, 0));
    assert_eq!(st.next_due, Some(d(2026, 3, 8)));
    let g = generated(evaluate(&weekly, &st, &m, local(d(2026, 3, 8), 6, 0)));
    assert_eq!(g.seq, 2);
}

#[test]
fn an_inactive_plan_generates_nothing() {
    let plan = Plan::new(PlanSpec {
        calendar: monthly(0),
        active: false,
        ..spec()
    })
    .unwrap();
    let m = Meters::none();
    let now = local(d(2026, 3, 1), 6, 0);
    let st = PlanState::start(&plan, AssetId(7), SiteId(3), &m, now);
    assert_eq!(evaluate(&plan, &st, &m, now), Decision::Inactive);
    assert_eq!(st.armed_reading(&plan), None);
}
