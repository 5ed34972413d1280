//! The fixture: site "Planta Norte", week 2026-W48, 50 assets, with figures
//! chosen so each printed value can be checked by hand (the expected strings
//! are in `EXPECTED_ES` / `EXPECTED_EN`, each with its hand computation).

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses part of the fixture"
)]

use std::collections::BTreeMap;

use caudal_collector_domain::maintenance::kpi::{
    Backlog, OnTime, OrderCounts, Overdue, PmCompliance,
};
use caudal_collector_domain::maintenance::work_order::{Priority, WorkKind, WorkState};
use caudal_collector_domain::reliability::kpi::{AssetClass, DayPartial, FailureRule, Kpis, Scope};
use caudal_collector_domain::reliability::risk::{
    ClassModel, Contribution, RiskAssessment, RiskInput,
};
use caudal_collector_domain::reliability::{
    Availability, AvailabilityVariant, Confidence, MttrStart, ReliabilityError, mtbf_figure,
};
use caudal_collector_domain::{
    AlarmId, AssetId, AssetKind, DownCause, HOUR_MS, Lang, PointId, Severity, SiteId, UserId,
    UtcMillis, WorkOrderId, Zone,
};
use caudal_collector_report::daily::{AlarmLine, AssetDownNow, OrderLine, SlotsFiled};
use caudal_collector_report::model::{
    AssetDowntime, AssetRef, AvailabilityPoint, AvailabilitySection, FailureModeCount,
    FailureModes, OrdersSection, OverdueOrder, PmSection, PointCompliance, PointRef,
    ReliabilitySection, RiskRow, RiskSection, SiteRef,
};
use caudal_collector_report::{DailySummary, IsoWeek, WeeklyReport};
use chrono::NaiveDate;

pub const WEEK: &str = "2026-W48";

pub fn week() -> IsoWeek {
    IsoWeek::parse(WEEK).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Monday 2026-11-30 08:00 in Santiago: the job's time.
pub fn generated_at() -> UtcMillis {
    Zone::SANTIAGO.resolve(date(2026, 11, 30).and_hms_opt(8, 0, 0).unwrap())
}

fn counts(rows: &[(WorkState, WorkKind, Priority, u32)]) -> OrderCounts {
    let mut c = OrderCounts::default();
    for (s, k, p, n) in rows {
        c.total += n;
        *c.by_state.entry(*s).or_insert(0) += n;
        *c.by_kind.entry(*k).or_insert(0) += n;
        *c.by_priority.entry(*p).or_insert(0) += n;
        *c.by_all.entry((*s, *k, *p)).or_insert(0) += n;
    }
    c
}

fn avail(num: f64, den: f64) -> Availability {
    Availability {
        variant: AvailabilityVariant::Smrp22,
        value: num / den,
        numerator_hours: num,
        denominator_hours: den,
    }
}

/// Reliability KPIs of a class: only the fields the report prints matter;
/// MTBF comes from the domain's χ² computation.
pub fn kpis(scope: Scope, assets: usize, hours: f64, failures: u64, mttr: Option<f64>) -> Kpis {
    Kpis {
        scope,
        first_day: date(2026, 9, 1),
        last_day: date(2026, 11, 29),
        assets,
        rule: FailureRule::OrdersAndDownIntervals,
        totals: DayPartial::default(),
        calendar_hours: 2160.0 * assets as f64,
        operating_hours: hours,
        failures,
        mtbf: mtbf_figure(hours, failures, Confidence::NINETY).unwrap(),
        mttr_start: MttrStart::Failure,
        repairs: u32::try_from(failures).unwrap(),
        mttr_hours: mttr,
        mtbm_hours: None,
        mean_downtime_hours: None,
        availability_smrp: Err(ReliabilityError::NoData),
        availability_m10: Err(ReliabilityError::NoData),
        availability_inherent: Err(ReliabilityError::NoData),
    }
}

fn class(name: &str) -> Scope {
    Scope::Class(AssetClass(name.to_owned()))
}

fn pm(due_on_time_late_missed: (u32, u32, u32, u32), pending: u32, cancelled: u32) -> PmCompliance {
    let (due, on_time, late, missed) = due_on_time_late_missed;
    assert_eq!(due, on_time + late + missed);
    PmCompliance {
        rule: OnTime::GraceTable,
        due,
        on_time,
        late,
        missed,
        pending,
        cancelled,
        no_frequency: 0,
        ratio: (due > 0).then(|| f64::from(on_time) / f64::from(due)),
    }
}

/// The names of the 50 assets: 20 pumps SP 17-8, 10 motors, 8 flow meters,
/// 12 wells.
pub fn assets() -> Vec<(AssetRef, AssetKind, &'static str)> {
    let mut out = Vec::new();
    let mut id = 0;
    let mut push = |n: usize, prefix: &str, kind: AssetKind, class: &'static str| {
        for i in 1..=n {
            id += 1;
            out.push((
                AssetRef {
                    id: AssetId(id),
                    name: format!("{prefix}-{i:02}"),
                },
                kind,
                class,
            ));
        }
    };
    push(20, "Bomba P", AssetKind::Pump, "Grundfos SP 17-8");
    push(10, "Motor M", AssetKind::Motor, "WEG W22 30 kW");
    push(
        8,
        "Caudalímetro FT",
        AssetKind::FlowMeter,
        "Siemens MAG 5100W",
    );
    push(12, "Pozo", AssetKind::Well, "Pozo 8\" acero");
    out
}

fn risk_rows() -> Vec<RiskRow> {
    assets()
        .into_iter()
        .enumerate()
        .map(|(i, (asset, _, class))| {
            // Bomba P-07 ranks first at 42.3 %; the others decrease.
            let probability = if asset.name == "Bomba P-07" {
                0.423
            } else {
                0.30 / (1.0 + i as f64 * 0.25)
            };
            let contributions = vec![
                Contribution {
                    input: RiskInput::ActiveAnomalies,
                    value: Some(2.0),
                    multiplier: 2.25,
                    points: 18.4,
                },
                Contribution {
                    input: RiskInput::RunHoursSinceRepair,
                    value: Some(1250.0),
                    multiplier: 1.0,
                    points: 9.6,
                },
                Contribution {
                    input: RiskInput::CompletionRate,
                    value: Some(0.8),
                    multiplier: 1.0,
                    points: -0.2,
                },
            ];
            RiskRow {
                class: AssetClass(class.to_owned()),
                assessment: RiskAssessment {
                    asset: asset.id,
                    horizon_run_hours: 500.0,
                    model: ClassModel::Hpp {
                        failures: 4,
                        run_hours: 16_500.0,
                        rate_per_hour: 4.0 / 16_500.0,
                    },
                    model_probability: probability / 2.0,
                    multiplier: 2.25,
                    probability,
                    contributions,
                },
                asset,
            }
        })
        .collect()
}

fn downtime() -> Vec<AssetDowntime> {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "fixture hours with one decimal are exact in ms"
    )]
    let h = |x: f64| (x * HOUR_MS as f64).round() as i64;
    let a = assets();
    let mut out = Vec::new();
    // Bomba P-07: trip 12.5 h + planned 4 h = 16.5 h, still down.
    out.push(AssetDowntime {
        asset: a[6].0.clone(),
        kind: AssetKind::Pump,
        stops: 3,
        down_ms: BTreeMap::from([(DownCause::Trip, h(12.5)), (DownCause::Planned, h(4.0))]),
        down_at_end: true,
    });
    // Motor M-03: external 6.2 h, and 1.5 h without data (not added).
    out.push(AssetDowntime {
        asset: a[22].0.clone(),
        kind: AssetKind::Motor,
        stops: 1,
        down_ms: BTreeMap::from([(DownCause::External, h(6.2)), (DownCause::NoData, h(1.5))]),
        down_at_end: false,
    });
    for (k, i) in [1usize, 3, 9, 12, 15, 25, 31, 40, 44, 47]
        .into_iter()
        .enumerate()
    {
        out.push(AssetDowntime {
            asset: a[i].0.clone(),
            kind: a[i].1,
            stops: 1,
            down_ms: BTreeMap::from([(DownCause::Unknown, h(0.5 + k as f64))]),
            down_at_end: false,
        });
    }
    out
}

pub fn weekly(lang: Lang) -> WeeklyReport {
    use Priority::{Critical, High, Low, Medium};
    use WorkKind::{Corrective, Inspection, Predictive, Preventive};
    use WorkState::*;
    let w = week();
    let days = w.days();
    // Availability SMRP 2.2 of the site per day; Sunday has no data.
    let day_values = [
        Some(avail(1156.0, 1200.0)), // 96.33 %
        Some(avail(1170.0, 1200.0)), // 97.5 %
        Some(avail(1128.0, 1200.0)), // 94.0 %
        Some(avail(1188.0, 1200.0)), // 99.0 %
        Some(avail(1140.0, 1200.0)), // 95.0 %
        Some(avail(1176.0, 1200.0)), // 98.0 %
        None,
    ];
    let mut previous = Vec::new();
    let mut wk = w;
    for _ in 0..5 {
        wk = wk.previous();
        previous.push(wk);
    }
    previous.reverse();
    let week_values = [0.955, 0.962, 0.948, 0.971];
    let mut weeks: Vec<AvailabilityPoint<IsoWeek>> = previous[1..]
        .iter()
        .zip(week_values)
        .map(|(w, v)| AvailabilityPoint {
            period: *w,
            value: Some(avail(v * 8400.0, 8400.0)),
        })
        .collect();
    // The report's week: 6957 h up of 7200 h counted → 96.625 % → "96,6 %".
    weeks.push(AvailabilityPoint {
        period: w,
        value: Some(avail(6957.0, 7200.0)),
    });
    let site = SiteRef {
        id: SiteId(3),
        name: "Planta Norte".to_owned(),
    };
    let a = assets();
    WeeklyReport {
        site,
        week: w,
        zone: Zone::SANTIAGO,
        generated_at: generated_at(),
        lang,
        orders: OrdersSection {
            counts: counts(&[
                (Requested, Corrective, High, 4),
                (Requested, Inspection, Low, 2),
                (Approved, Corrective, Medium, 3),
                (Approved, Preventive, Medium, 6),
                (Assigned, Preventive, Medium, 8),
                (Assigned, Predictive, High, 2),
                (InProgress, Corrective, Critical, 3),
                (InProgress, Preventive, Medium, 5),
                (OnHold, Corrective, High, 2),
                (Completed, Corrective, Medium, 7),
                (Completed, Preventive, Medium, 12),
                (Closed, Preventive, Low, 9),
                (Closed, Inspection, Low, 4),
                (Cancelled, Preventive, Low, 1),
            ]),
            completed: counts(&[
                (Completed, Corrective, Medium, 7),
                (Completed, Preventive, Medium, 12),
                (Closed, Inspection, Low, 4),
            ]),
            overdue: vec![
                OverdueOrder {
                    order: Overdue {
                        id: WorkOrderId(1187),
                        asset: a[6].0.id,
                        site: SiteId(3),
                        kind: Corrective,
                        priority: Critical,
                        state: InProgress,
                        assignee: Some(UserId(5)),
                        due_at: UtcMillis(generated_at().0 - 3 * 24 * HOUR_MS - 12 * HOUR_MS),
                        overdue_ms: 3 * 24 * HOUR_MS + 12 * HOUR_MS,
                    },
                    asset_name: a[6].0.name.clone(),
                    title: "Cambio de sello mecánico & rodamientos <urgente>".to_owned(),
                },
                OverdueOrder {
                    order: Overdue {
                        id: WorkOrderId(1203),
                        asset: a[22].0.id,
                        site: SiteId(3),
                        kind: Preventive,
                        priority: Medium,
                        state: Assigned,
                        assignee: None,
                        due_at: UtcMillis(generated_at().0 - 31 * HOUR_MS),
                        overdue_ms: 31 * HOUR_MS,
                    },
                    asset_name: a[22].0.name.clone(),
                    title: "Lubricación trimestral".to_owned(),
                },
            ],
        },
        reliability: ReliabilitySection {
            by_class: vec![
                kpis(class("Grundfos SP 17-8"), 20, 1650.0, 4, Some(3.4)),
                kpis(class("WEG W22 30 kW"), 10, 2400.0, 6, Some(5.8)),
                kpis(class("Siemens MAG 5100W"), 8, 3000.0, 2, Some(1.7)),
                kpis(class("Pozo 8\" acero"), 12, 2000.0, 0, None),
            ],
            site: kpis(Scope::Site(SiteId(3)), 50, 9050.0, 12, Some(4.1)),
        },
        availability: AvailabilitySection {
            variant: AvailabilityVariant::Smrp22,
            target: Some(0.95),
            days: days
                .iter()
                .zip(day_values)
                .map(|(d, v)| AvailabilityPoint {
                    period: *d,
                    value: v,
                })
                .collect(),
            weeks,
        },
        backlog: Backlog {
            total_hours: 486.0,
            ready_hours: 210.0,
            total_orders: 35,
            ready_orders: 19,
            without_estimate: 3,
            weekly_crew_hours: 144.0,
            total_crew_weeks: Some(486.0 / 144.0),
            ready_crew_weeks: Some(210.0 / 144.0),
        },
        pm: PmSection {
            week: pm((25, 23, 1, 1), 2, 1),
            history: vec![
                (previous[1], pm((20, 17, 2, 1), 0, 0)),
                (previous[2], pm((22, 21, 1, 0), 0, 1)),
                (previous[3], pm((18, 15, 1, 2), 0, 0)),
                (previous[4], pm((24, 22, 2, 0), 0, 0)),
            ],
        },
        failure_modes: FailureModes {
            first_day: date(2026, 9, 1),
            last_day: date(2026, 11, 29),
            modes: vec![
                FailureModeCount {
                    code: "FTS".to_owned(),
                    label: match lang {
                        Lang::Es => "no arranca cuando se requiere",
                        Lang::En => "fail to start on demand",
                    }
                    .to_owned(),
                    failures: 5,
                    downtime_hours: Some(38.5),
                },
                FailureModeCount {
                    code: "ELP".to_owned(),
                    label: match lang {
                        Lang::Es => "fuga externa de fluido",
                        Lang::En => "external leakage of process medium",
                    }
                    .to_owned(),
                    failures: 3,
                    downtime_hours: Some(21.0),
                },
                FailureModeCount {
                    code: "VIB".to_owned(),
                    label: match lang {
                        Lang::Es => "vibración",
                        Lang::En => "vibration",
                    }
                    .to_owned(),
                    failures: 2,
                    downtime_hours: None,
                },
                FailureModeCount {
                    code: "ERO".to_owned(),
                    label: match lang {
                        Lang::Es => "lectura errónea",
                        Lang::En => "erratic output",
                    }
                    .to_owned(),
                    failures: 2,
                    downtime_hours: Some(3.2),
                },
            ],
        },
        risk: RiskSection {
            horizon_run_hours: 500.0,
            rows: risk_rows(),
        },
        compliance: (1..=8)
            .map(|i| {
                let (accepted, late, pending, review, rejected, none) = match i {
                    2 => (160, 6, 0, 2, 1, 5),
                    5 => (165, 0, 3, 0, 0, 0),
                    _ => (168, 0, 0, 0, 0, 0),
                };
                PointCompliance {
                    point: PointRef {
                        id: PointId(i),
                        name: format!("Pozo {i}"),
                    },
                    regulator: "DGA".to_owned(),
                    expected: 168,
                    accepted,
                    accepted_late: late,
                    pending,
                    in_review: review,
                    rejected,
                    without_data: none,
                }
            })
            .collect(),
        downtime: downtime(),
    }
}

/// Hand-computed strings the Spanish report must print.
/// χ² quantiles (left tail 0.95) from the NIST e-Handbook table 1.3.6.7.4:
/// χ²(10) = 18.307, χ²(14) = 23.685, χ²(6) = 12.592, χ²(26) = 38.885; χ²(2) = −2 ln 0.05.
pub const EXPECTED_ES: &[&str] = &[
    // SP 17-8: 1650 h / 4 = 412.5 h; lower 3300 / 18.307 = 180.26 h.
    "412,5 h",
    "180,3 h",
    // W22: 2400 / 6 = 400.0 h; lower 4800 / 23.685 = 202.66 h.
    "400,0 h",
    "202,7 h",
    // MAG 5100W: 2 failures → insufficient; lower 6000 / 12.592 = 476.49 h.
    "476,5 h",
    // Wells: 0 failures; lower 2T / χ²(2) = T / −ln 0.05 = 2000 / 2.99573 = 667.62 h.
    "667,6 h",
    // Site: 9050 / 12 = 754.17 h; lower 18100 / 38.885 = 465.47 h.
    "MTBF del sitio 754,2 h",
    "465,5 h",
    "MTTR del sitio 4,1 h",
    "9050,0 h",
    // Backlog 486 / 144 = 3.375 → 3.4; ready 210 / 144 = 1.458 → 1.5.
    "Backlog 3,4 semanas-cuadrilla",
    "1,5 semanas-cuadrilla",
    "486,0 h",
    "144,0 h",
    // PM 23 / 25 = 92.0 %; earlier weeks 17/20 = 85.0 %, 15/18 = 83.3 %.
    "Cumplimiento PM 92,0 %",
    "85,0 %",
    "83,3 %",
    // Availability of the week 6957 / 7200 = 96.625 % → 96.6 %.
    "Disponibilidad de la semana 96,6 %",
    "97,5 %",
    "94,0 %",
    "sin datos",
    // Orders: open = 6 + 9 + 10 + 8 + 2 = 35; completed in week 7 + 12 + 4 = 23.
    "Órdenes abiertas 35",
    "Órdenes completadas en la semana 23",
    "Órdenes vencidas 2",
    // 3 d 12 h overdue = 3.5 días; 31 h = 1.29 días.
    "3,5 días",
    "1,3 días",
    "96,3 %",
    // Slots: 168·8 = 1344 expected; accepted 1344 − 8 − 3 = 1333.
    "Registros regulatorios aceptados 1333 de 1344",
    // Risk: Bomba P-07 first at 42.3 %.
    "42,3 %",
    // Downtime: Bomba P-07 16.5 h, still down.
    "16,5 h (sigue detenido)",
    "falla 12,5 h",
    "sin datos 1,5 h",
    "Activos detenidos en la semana 12",
    "datos insuficientes",
    "Semana 2026-W48: 23-11-2026 al 29-11-2026",
    "30-11-2026 08:00",
];

/// The same in English.
pub const EXPECTED_EN: &[&str] = &[
    "412.5 h",
    "180.3 h",
    "400.0 h",
    "202.7 h",
    "476.5 h",
    "667.6 h",
    "Site MTBF 754.2 h",
    "465.5 h",
    "Site MTTR 4.1 h",
    "9050.0 h",
    "Backlog 3.4 crew-weeks",
    "1.5 crew-weeks",
    "PM compliance 92.0%",
    "83.3%",
    "Availability this week 96.6%",
    "no data",
    "Open work orders 35",
    "3.5 days",
    "Regulator slots accepted 1333 of 1344",
    "42.3%",
    "16.5 h (still down)",
    "trip 12.5 h",
    "insufficient data",
    "Week 2026-W48: 2026-11-23 to 2026-11-29",
    "2026-11-30 08:00",
];

pub fn daily(lang: Lang) -> DailySummary {
    let to = generated_at();
    let from = UtcMillis(to.0 - 24 * HOUR_MS);
    let at = |h: i64| UtcMillis(from.0 + h * HOUR_MS);
    let a = assets();
    DailySummary {
        recipient: "María José Pérez".to_owned(),
        scope: "Planta Norte".to_owned(),
        lang,
        zone: Zone::SANTIAGO,
        from,
        to,
        alarms_raised: vec![
            AlarmLine {
                id: AlarmId(901),
                at: at(2),
                severity: Severity::Major,
                place: "Pozo 2".to_owned(),
                message: "Nivel dinámico bajo el mínimo (-48,2 m)".to_owned(),
            },
            AlarmLine {
                id: AlarmId(902),
                at: at(5),
                severity: Severity::Critical,
                place: "Bomba P-07".to_owned(),
                message: "Disparo por sobrecorriente".to_owned(),
            },
        ],
        alarms_cleared: vec![AlarmLine {
            id: AlarmId(899),
            at: at(9),
            severity: Severity::Minor,
            place: "Pozo 5".to_owned(),
            message: "Sin comunicación con el registrador".to_owned(),
        }],
        orders_opened: vec![OrderLine {
            id: WorkOrderId(1210),
            at: at(6),
            asset: "Bomba P-07".to_owned(),
            kind: WorkKind::Corrective,
            priority: Priority::Critical,
            title: "Revisar protección térmica".to_owned(),
        }],
        orders_closed: vec![],
        slots_filed: vec![SlotsFiled {
            point: PointRef {
                id: PointId(2),
                name: "Pozo 2".to_owned(),
            },
            regulator: "DGA".to_owned(),
            filed: 24,
            accepted: 23,
            rejected: 0,
            in_review: 1,
        }],
        assets_down: vec![AssetDownNow {
            asset: a[6].0.clone(),
            since: at(5),
            cause: DownCause::Trip,
        }],
    }
}
