//! Reliability KPIs for 1,000 assets over one year of operating record, and
//! one Weibull fit of 10,000 lifetimes. Prints its figures.
//!
//! `cargo bench -p caudal-collector-domain --bench reliability`

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "benchmark arithmetic on small counts"
)]

mod common;

use std::time::Instant;

use caudal_collector_domain::reliability::crow_amsaa::{CrowAmsaaOptions, fit_crow_amsaa};
use caudal_collector_domain::reliability::kpi::{
    AssetClass, AssetInfo, CorrectiveOrder, DownInterval, KpiInputs, KpiLedger, KpiOptions,
    OperatingTime, PreventiveAction, RequiredTime, Scope,
};
use caudal_collector_domain::reliability::repair::{RepairEvent, TtrComponents};
use caudal_collector_domain::reliability::{Confidence, Lifetime, fit_weibull, kaplan_meier};
use caudal_collector_domain::{
    AssetId, DownCause, HOUR_MS, MINUTE_MS, SiteId, UtcMillis, WorkOrderId, Zone,
};
use chrono::NaiveDate;
use common::Rng;

const ASSETS: i64 = 1_000;
const CLASSES: i64 = 20;
const SITES: i64 = 50;

struct Record {
    operating: Vec<OperatingTime>,
    down: Vec<DownInterval>,
    corrective: Vec<CorrectiveOrder>,
    preventive: Vec<PreventiveAction>,
    repairs: Vec<RepairEvent>,
    required: Vec<RequiredTime>,
}

/// One year (2026) per asset: two runs a day (about 6 h and 8 h, jittered),
/// required 06:00–22:00, about 6 trips a year (each with a repair and, for
/// most, a corrective order), 4 planned stops and 3 site-power outages.
fn year(zone: Zone, first: NaiveDate, days: i64) -> Record {
    let mut rng = Rng::new(42);
    let mut r = Record {
        operating: Vec::new(),
        down: Vec::new(),
        corrective: Vec::new(),
        preventive: Vec::new(),
        repairs: Vec::new(),
        required: Vec::new(),
    };
    let mut order = 0;
    for a in 0..ASSETS {
        let asset = AssetId(a + 1);
        for d in 0..days {
            let day = zone.start_of_day(first + chrono::Duration::days(d)).0;
            let j = |rng: &mut Rng| (rng.uniform() * 30.0) as i64 * MINUTE_MS;
            let s1 = day + 2 * HOUR_MS + j(&mut rng);
            let s2 = day + 12 * HOUR_MS + j(&mut rng);
            r.operating.push(OperatingTime::interval(
                asset,
                UtcMillis(s1),
                UtcMillis(s1 + 6 * HOUR_MS),
            ));
            r.operating.push(OperatingTime::interval(
                asset,
                UtcMillis(s2),
                UtcMillis(s2 + 8 * HOUR_MS),
            ));
            r.required.push(RequiredTime {
                asset,
                from: UtcMillis(day + 6 * HOUR_MS),
                to: UtcMillis(day + 22 * HOUR_MS),
            });
            let u = rng.uniform();
            if u < 6.0 / 365.0 {
                let from = s2 + 8 * HOUR_MS;
                let to = from + HOUR_MS + j(&mut rng);
                r.down.push(DownInterval {
                    asset,
                    from: UtcMillis(from),
                    to: UtcMillis(to),
                    cause: DownCause::Trip,
                });
                r.repairs.push(RepairEvent {
                    asset,
                    failed_at: UtcMillis(from),
                    order_created_at: Some(UtcMillis(from + 10 * MINUTE_MS)),
                    technician_arrived_at: Some(UtcMillis(from + 30 * MINUTE_MS)),
                    restored_at: UtcMillis(to),
                    components: TtrComponents::default(),
                });
                if rng.uniform() < 0.8 {
                    order += 1;
                    r.corrective.push(CorrectiveOrder {
                        order: WorkOrderId(order),
                        asset,
                        failed_at: UtcMillis(from + 5 * MINUTE_MS),
                        closed_at: UtcMillis(to + HOUR_MS),
                        failure_code: Some("TRIP".to_owned()),
                    });
                }
            } else if u < 10.0 / 365.0 {
                let from = s1 + 6 * HOUR_MS;
                r.down.push(DownInterval {
                    asset,
                    from: UtcMillis(from),
                    to: UtcMillis(from + 2 * HOUR_MS),
                    cause: DownCause::Planned,
                });
                r.preventive.push(PreventiveAction {
                    asset,
                    closed_at: UtcMillis(from + 2 * HOUR_MS),
                });
            } else if u < 13.0 / 365.0 {
                let from = day + 21 * HOUR_MS;
                r.down.push(DownInterval {
                    asset,
                    from: UtcMillis(from),
                    to: UtcMillis(from + 4 * HOUR_MS),
                    cause: DownCause::External,
                });
            }
        }
    }
    r
}

fn registry() -> Vec<AssetInfo> {
    (0..ASSETS)
        .map(|a| AssetInfo {
            asset: AssetId(a + 1),
            site: SiteId(a % SITES + 1),
            class: AssetClass(format!("model-{}", a % CLASSES)),
        })
        .collect()
}

fn main() {
    let zone = Zone::SANTIAGO;
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let last = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
    let days = (last - first).num_days() + 1;
    let record = year(zone, first, days);
    println!(
        "operating record: {ASSETS} assets, {days} days: {} run intervals, {} down intervals, {} corrective orders, {} repairs, {} required-time spans",
        record.operating.len(),
        record.down.len(),
        record.corrective.len(),
        record.repairs.len(),
        record.required.len()
    );
    let inputs = KpiInputs {
        operating: &record.operating,
        down: &record.down,
        corrective: &record.corrective,
        preventive: &record.preventive,
        repairs: &record.repairs,
        required: &record.required,
    };

    let start = Instant::now();
    let mut ledger =
        KpiLedger::new(zone, first, last, registry(), KpiOptions::default()).expect("ledger");
    ledger.ingest(&inputs).expect("ingest");
    let build = start.elapsed();

    let start = Instant::now();
    let mut figures = 0usize;
    let mut failures = 0u64;
    for a in 0..ASSETS {
        let k = ledger.kpis(Scope::Asset(AssetId(a + 1)), first, last);
        failures += k.failures;
        figures += 1;
    }
    for c in 0..CLASSES {
        let k = ledger.kpis(Scope::Class(AssetClass(format!("model-{c}"))), first, last);
        std::hint::black_box(&k);
        figures += 1;
    }
    for s in 0..SITES {
        let k = ledger.kpis(Scope::Site(SiteId(s + 1)), first, last);
        std::hint::black_box(&k);
        figures += 1;
    }
    let all = ledger.kpis(Scope::All, first, last);
    figures += 1;
    let query = start.elapsed();

    // Incremental: one backfilled asset-day recomputed and swapped in, then
    // that asset's year re-read.
    let start = Instant::now();
    let day = NaiveDate::from_ymd_opt(2026, 6, 15).expect("date");
    let asset = AssetId(17);
    let from = zone.start_of_day(day - chrono::Duration::days(1)).0;
    let to = zone.start_of_day(day + chrono::Duration::days(2)).0;
    let near = |a: AssetId, f: i64, t: i64| a == asset && t >= from && f < to;
    let op: Vec<OperatingTime> = record
        .operating
        .iter()
        .filter(|o| near(o.asset, o.from.0, o.to.0))
        .copied()
        .collect();
    let dn: Vec<DownInterval> = record
        .down
        .iter()
        .filter(|d| near(d.asset, d.from.0, d.to.0))
        .copied()
        .collect();
    ledger
        .recompute(
            asset,
            day,
            day,
            &KpiInputs {
                operating: &op,
                down: &dn,
                ..KpiInputs::default()
            },
        )
        .expect("recompute");
    let k = ledger.kpis(Scope::Asset(asset), first, last);
    std::hint::black_box(&k);
    let incremental = start.elapsed();

    println!(
        "KPIs: ledger build + ingest {:.1} ms; {figures} KPI sets (every asset, class, site and the fleet, whole year) {:.1} ms; total {:.1} ms",
        build.as_secs_f64() * 1e3,
        query.as_secs_f64() * 1e3,
        (build + query).as_secs_f64() * 1e3
    );
    println!(
        "      fleet: {:.0} run-hours, {} failures (sum over assets {failures}), MTBF {:?} h, SMRP 2.2 {:.4}, EN 15341 M10 {:.4}",
        all.operating_hours,
        all.failures,
        all.mtbf.mtbf_hours().map(|h| h.round()),
        all.availability_smrp.map(|a| a.value).unwrap_or(f64::NAN),
        all.availability_m10.map(|a| a.value).unwrap_or(f64::NAN),
    );
    println!(
        "      incremental: recompute one asset-day and re-read that asset's year {:.3} ms",
        incremental.as_secs_f64() * 1e3
    );

    // One Weibull fit of 10,000 lifetimes (β 1.7, η 600 h, ~30 % censored).
    let mut rng = Rng::new(9);
    let lifetimes: Vec<Lifetime> = (0..10_000)
        .map(|_| {
            let t = 600.0 * (-rng.uniform().ln()).powf(1.0 / 1.7);
            let c = rng.exponential(1_500.0);
            if t <= c {
                Lifetime::failure(t)
            } else {
                Lifetime::suspension(c)
            }
        })
        .collect();
    let mut times = Vec::new();
    let mut fit = None;
    for _ in 0..30 {
        let start = Instant::now();
        fit = Some(fit_weibull(&lifetimes, Confidence::NINETY).expect("fit"));
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let fit = fit.expect("fit");
    println!(
        "Weibull fit of {} lifetimes ({} failures): median {:.2} ms, min {:.2} ms, max {:.2} ms; β {:.3} [{:.3}, {:.3}], η {:.1} h",
        fit.n,
        fit.failures,
        times[15],
        times[0],
        times[29],
        fit.beta,
        fit.beta_lower,
        fit.beta_upper,
        fit.eta
    );
    let start = Instant::now();
    let km = kaplan_meier(&lifetimes).expect("km");
    println!(
        "Kaplan–Meier of 10,000 lifetimes: {:.2} ms ({} steps)",
        start.elapsed().as_secs_f64() * 1e3,
        km.len()
    );
    let mut t = 0.0;
    let cumulative: Vec<f64> = (0..10_000)
        .map(|_| {
            t += rng.exponential(50.0);
            t
        })
        .collect();
    let start = Instant::now();
    let ca = fit_crow_amsaa(&cumulative, t + 1.0, CrowAmsaaOptions::default()).expect("crow");
    println!(
        "Crow-AMSAA of 10,000 failures: {:.3} ms (β {:.3}, trend {})",
        start.elapsed().as_secs_f64() * 1e3,
        ca.beta,
        ca.trend.as_str()
    );
}
