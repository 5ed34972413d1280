//! Scheduler overhead per tick with 100 jobs: one replica's `Scheduler::tick`
//! called once a second over a simulated day, with a mix of schedules (every
//! second, every minute, every 5 minutes, hourly, daily in Santiago, weekly).
//! Prints ns per tick and the number of scheduled times handed out.

use std::hint::black_box;
use std::time::Instant;

use caudal_collector_domain::jobs::{JobName, JobRegistry, JobSpec, Schedule};
use caudal_collector_domain::{UtcMillis, Zone};

fn main() {
    let exprs = [
        "* * * * * *",
        "0 * * * * *",
        "*/5 * * * *",
        "0 * * * *",
        "0 0 * * *",
        "0 6 * * *",
        "30 7 * * 1",
        "15 */2 * * *",
        "0 3 1 * *",
        "*/10 * * * * *",
    ];
    let mut registry = JobRegistry::new();
    for i in 0..100 {
        let expr = exprs[i % exprs.len()];
        let spec = JobSpec::new(
            JobName::new(&format!("job_{i:03}")).unwrap(),
            "bench",
            Some(Schedule::parse(expr, Zone::SANTIAGO).unwrap()),
        );
        registry.register(spec).unwrap();
    }
    // 2026-04-04 12:00 UTC: the day includes Santiago's April DST change.
    let start = UtcMillis(1_775_304_000_000);
    let mut scheduler = caudal_collector_domain::jobs::Scheduler::new(&registry, start, |_| None);
    let ticks: i64 = 86_400;
    let t0 = Instant::now();
    let mut handed = 0usize;
    for k in 1..=ticks {
        let due = scheduler.tick(UtcMillis(start.0 + k * 1_000));
        handed += black_box(due).len();
    }
    let elapsed = t0.elapsed();
    let per_tick = elapsed.as_nanos() as f64 / ticks as f64;
    println!(
        "scheduler: 100 jobs, {ticks} ticks (1 s apart): {per_tick:.0} ns per tick, \
         {handed} scheduled times handed out, {:.1} ms in total",
        elapsed.as_secs_f64() * 1e3
    );
}
