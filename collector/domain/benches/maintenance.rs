//! Preventive-plan evaluation at fleet scale: one pass of the daily 06:00
//! job over 10,000 plans (aim: under 1 s), the meter-crossing check, and a
//! simulated year of daily runs; prints the size of the per-plan state.
//!
//! Run with `cargo bench -p caudal-collector-domain --bench maintenance`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use caudal_collector_domain::maintenance::TemplateId;
use caudal_collector_domain::maintenance::plan::{
    Anchor, CalendarTrigger, CalendarUnit, Decision, Every, MeterTrigger, Meters, Plan, PlanSpec,
    PlanState, PlanTarget, Usage, evaluate, meter_crossed,
};
use caudal_collector_domain::maintenance::work_order::{Priority, WorkKind};
use caudal_collector_domain::{AssetId, MeterKind, PlanId, SiteId, UtcMillis, Zone};
use chrono::{Days, NaiveDate, NaiveTime};

const PLANS: usize = 10_000;
const PASSES: usize = 20;

fn six_am(date: NaiveDate) -> UtcMillis {
    Zone::SANTIAGO.resolve(date.and_time(NaiveTime::from_hms_opt(6, 0, 0).unwrap()))
}

fn day(base: NaiveDate, n: u64) -> NaiveDate {
    base.checked_add_days(Days::new(n)).unwrap()
}

struct Fleet {
    plans: Vec<Plan>,
    states: Vec<PlanState>,
    meters: Vec<Meters>,
    /// m³ pumped per day, per asset.
    rates: Vec<f64>,
}

/// 40 % monthly fixed, 20 % weekly floating, 25 % every N m³, 15 % every 3
/// months or 500 run-hours.
fn fleet(start: NaiveDate, now: UtcMillis) -> Fleet {
    let mut f = Fleet {
        plans: Vec::with_capacity(PLANS),
        states: Vec::with_capacity(PLANS),
        meters: Vec::with_capacity(PLANS),
        rates: Vec::with_capacity(PLANS),
    };
    for i in 0..PLANS {
        let n = u64::try_from(i).unwrap();
        let id = i64::try_from(i).unwrap();
        let (calendar, meter, anchor) = match i % 20 {
            0..8 => (
                Some(CalendarTrigger {
                    every: Every::new(1, CalendarUnit::Months).unwrap(),
                    lead_days: u32::try_from(i % 3).unwrap(),
                }),
                None,
                Anchor::Fixed,
            ),
            8..12 => (
                Some(CalendarTrigger {
                    every: Every::new(1, CalendarUnit::Weeks).unwrap(),
                    lead_days: 0,
                }),
                None,
                Anchor::Floating,
            ),
            12..17 => (
                None,
                Some(MeterTrigger {
                    meter: MeterKind::CubicMetres,
                    every: 100.0 * f64::from(1 + u32::try_from(i % 50).unwrap()),
                    lead: 0.0,
                    grid_base: 0.0,
                }),
                if i % 2 == 0 {
                    Anchor::Fixed
                } else {
                    Anchor::Floating
                },
            ),
            _ => (
                Some(CalendarTrigger {
                    every: Every::new(3, CalendarUnit::Months).unwrap(),
                    lead_days: 7,
                }),
                Some(MeterTrigger {
                    meter: MeterKind::RunHours,
                    every: 500.0,
                    lead: 10.0,
                    grid_base: 0.0,
                }),
                Anchor::Fixed,
            ),
        };
        let plan = Plan::new(PlanSpec {
            id: PlanId(id),
            name: format!("Plan {i}"),
            description: "Revisión general".to_owned(),
            target: PlanTarget::Asset(AssetId(id)),
            kind: WorkKind::Preventive,
            priority: Priority::Medium,
            skill: None,
            calendar,
            meter,
            anchor,
            start: day(start, n % 28),
            zone: Zone::SANTIAGO,
            checklist: Some(TemplateId(1)),
            estimated_minutes: 120,
            active: true,
        })
        .unwrap();
        let rate = f64::from(u32::try_from(i % 97).unwrap()) * 3.0;
        let usage = Some(Usage {
            per_day: rate,
            window_days: 30,
        });
        let m = Meters::none()
            .with_reading(
                MeterKind::CubicMetres,
                f64::from(u32::try_from(n * 37 % 10_000).unwrap()),
                usage,
            )
            .with(
                MeterKind::RunHours,
                f64::from(u32::try_from(n * 13 % 3_000).unwrap()),
            );
        f.states.push(PlanState::start(
            &plan,
            AssetId(id),
            SiteId(id % 50),
            &m,
            now,
        ));
        f.plans.push(plan);
        f.meters.push(m);
        f.rates.push(rate);
    }
    f
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn per_plan_ns(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e9 / f64::from(u32::try_from(n).unwrap())
}

fn main() {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let f = fleet(start, six_am(start));

    // One pass of the 06:00 job, 20 days in: some plans are due.
    let now = six_am(day(start, 20));
    let mut passes = Vec::with_capacity(PASSES);
    let mut due = 0;
    for _ in 0..PASSES {
        due = 0;
        let t = Instant::now();
        for ((plan, state), meters) in f.plans.iter().zip(&f.states).zip(&f.meters) {
            if matches!(
                black_box(evaluate(plan, state, meters, now)),
                Decision::Generate(_)
            ) {
                due += 1;
            }
        }
        passes.push(t.elapsed());
    }
    let min = *passes.iter().min().unwrap();
    let med = median(passes);
    println!(
        "plan evaluation, {PLANS} plans (40% monthly fixed, 20% weekly floating, 25% every N m³, 15% 3 months or 500 h):"
    );
    println!(
        "  one pass: min {:.2} ms, median {:.2} ms ({:.0} ns per plan) over {PASSES} passes; {due} orders due",
        min.as_secs_f64() * 1e3,
        med.as_secs_f64() * 1e3,
        per_plan_ns(med, PLANS)
    );

    // The meter-crossing check for one new reading of every asset.
    let t = Instant::now();
    let mut crossed = 0;
    for _ in 0..PASSES {
        crossed = 0;
        for ((plan, state), meters) in f.plans.iter().zip(&f.states).zip(&f.meters) {
            let r = meters.value(MeterKind::CubicMetres).unwrap_or(0.0) + 50.0;
            if black_box(meter_crossed(plan, state, MeterKind::CubicMetres, r)) {
                crossed += 1;
            }
        }
    }
    let per_pass = t.elapsed() / u32::try_from(PASSES).unwrap();
    println!(
        "  meter-crossing check: {:.3} ms per pass ({:.1} ns per plan); {crossed} crossed",
        per_pass.as_secs_f64() * 1e3,
        per_plan_ns(per_pass, PLANS)
    );

    // A year of daily 06:00 runs: meters advance, each order is completed
    // the next day, the state is written back.
    let mut states = f.states.clone();
    let mut meters = f.meters.clone();
    let mut generated = 0u64;
    let mut evaluations = 0u64;
    let t = Instant::now();
    for n in 1..=365 {
        let now = six_am(day(start, n));
        for i in 0..PLANS {
            let m = &mut meters[i];
            let m3 = m.value(MeterKind::CubicMetres).unwrap_or(0.0) + f.rates[i];
            let hours = m.value(MeterKind::RunHours).unwrap_or(0.0) + 8.0;
            let usage = m.get(MeterKind::CubicMetres).and_then(|r| r.usage);
            m.set(MeterKind::CubicMetres, m3, usage);
            m.set(MeterKind::RunHours, hours, None);
            if let Some(seq) = states[i].open {
                states[i].on_order_done(&f.plans[i], seq, now, m);
            }
            evaluations += 1;
            if let Decision::Generate(g) = evaluate(&f.plans[i], &states[i], m, now) {
                states[i] = g.state;
                generated += 1;
            }
        }
    }
    let year = t.elapsed();
    println!(
        "  a simulated year of daily runs: {evaluations} evaluations in {:.2} s ({:.0} ns each, with completions and meter updates); {generated} orders generated",
        year.as_secs_f64(),
        year.as_secs_f64() * 1e9 / f64::from(u32::try_from(evaluations).unwrap())
    );
    let skipped: u64 = states.iter().map(|s| u64::from(s.skipped_total)).sum();
    println!("  occurrences skipped in the year: {skipped}");

    println!(
        "per-plan state: PlanState {} B (what the store keeps per plan and asset); Meters {} B; Decision {} B; Plan {} B + its name and description",
        std::mem::size_of::<PlanState>(),
        std::mem::size_of::<Meters>(),
        std::mem::size_of::<Decision>(),
        std::mem::size_of::<Plan>()
    );
}
