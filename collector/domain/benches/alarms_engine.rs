//! Alarm rule evaluation throughput per core, with ten rules per series, and
//! the evaluation state's size per series. Prints its figures; asserts no
//! timing (the COMMON standard: speed is measured, not tested).
//!
//! `cargo bench -p caudal-collector-domain --bench alarms_engine`

use std::hint::black_box;
use std::time::Instant;

use caudal_collector_domain::PointId;
use caudal_collector_domain::alarms::rule::{
    ClearDraft, ConditionDraft, CreateDraft, NoAttributes, RuleDraft, ScheduleDraft, ValueDraft,
    WindowDraft,
};
use caudal_collector_domain::alarms::{
    BoundRule, Engine, EngineConfig, Observation, Originator, SeriesKey, Transition, Verdict,
};
use caudal_collector_domain::operating::{EventKind, EventSet};
use caudal_protocol::{Quality, Reason, UtcMillis};

const SERIES: i64 = 1_000;
const ROUNDS: i64 = 2_000;
const POLL_MS: i64 = 10_000;

fn cond(kind: &str) -> ConditionDraft {
    ConditionDraft {
        kind: kind.to_owned(),
        ..ConditionDraft::default()
    }
}

fn num(x: f64) -> Option<ValueDraft> {
    Some(ValueDraft::Number(x))
}

fn rule(name: &str, create: Vec<(&str, ConditionDraft)>, clear: ClearDraft) -> RuleDraft {
    RuleDraft {
        name: name.to_owned(),
        point: Some("OB-0101-001".to_owned()),
        variable: "level".to_owned(),
        create: create
            .into_iter()
            .map(|(s, condition)| CreateDraft {
                severity: s.to_owned(),
                condition,
            })
            .collect(),
        clear,
        ..RuleDraft::default()
    }
}

fn auto(h: f64) -> ClearDraft {
    ClearDraft {
        hysteresis: Some(h),
        ..ClearDraft::default()
    }
}

/// Ten rules covering every condition type and spec.
fn ten_rules() -> Vec<RuleDraft> {
    let mut scheduled = rule(
        "alto_horario",
        vec![(
            "minor",
            ConditionDraft {
                above: num(58.0),
                ..cond("threshold")
            },
        )],
        auto(1.0),
    );
    scheduled.schedule = Some(ScheduleDraft {
        zone: None,
        windows: vec![WindowDraft {
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(str::to_owned)
                .to_vec(),
            start: "08:00".to_owned(),
            end: "18:00".to_owned(),
        }],
    });
    vec![
        rule(
            "alto",
            vec![
                (
                    "critical",
                    ConditionDraft {
                        above: num(59.5),
                        ..cond("threshold")
                    },
                ),
                (
                    "major",
                    ConditionDraft {
                        above: num(58.5),
                        ..cond("threshold")
                    },
                ),
            ],
            auto(1.0),
        ),
        rule(
            "bajo_10min",
            vec![(
                "critical",
                ConditionDraft {
                    below: num(41.0),
                    duration_s: Some(600),
                    ..cond("threshold")
                },
            )],
            auto(0.5),
        ),
        rule(
            "alto_repetido",
            vec![(
                "major",
                ConditionDraft {
                    above: num(57.0),
                    repeat: Some(3),
                    ..cond("threshold")
                },
            )],
            auto(1.0),
        ),
        rule(
            "sin_datos",
            vec![(
                "major",
                ConditionDraft {
                    seconds: Some(300),
                    ..cond("no_data")
                },
            )],
            auto(0.0),
        ),
        rule(
            "descenso",
            vec![(
                "warning",
                ConditionDraft {
                    below: num(-30.0),
                    window_s: Some(3600),
                    ..cond("rate")
                },
            )],
            auto(0.0),
        ),
        rule(
            "marcha_en_seco",
            vec![(
                "critical",
                ConditionDraft {
                    events: vec!["dry_run".to_owned()],
                    ..cond("event")
                },
            )],
            auto(0.0),
        ),
        rule(
            "fuera_de_rango",
            vec![(
                "warning",
                ConditionDraft {
                    outside: Some(vec![ValueDraft::Number(41.5), ValueDraft::Number(58.8)]),
                    ..cond("threshold")
                },
            )],
            auto(0.5),
        ),
        rule(
            "anomalia",
            vec![(
                "minor",
                ConditionDraft {
                    detector: Some("ewma".to_owned()),
                    repeat: Some(2),
                    ..cond("anomaly")
                },
            )],
            auto(0.0),
        ),
        scheduled,
        rule(
            "sensor",
            vec![(
                "warning",
                ConditionDraft {
                    events: vec!["stuck".to_owned(), "sensor_fault".to_owned()],
                    ..cond("event")
                },
            )],
            auto(0.0),
        ),
    ]
}

/// CPU time this thread has run, ns (Linux `/proc/thread-self/schedstat`,
/// first field): the machine may be shared, and throughput *per core* is
/// readings per CPU-second, not per wall-second.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// xorshift64*: a cheap deterministic source of test values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        f64::from(u32::try_from(self.next() >> 40).unwrap_or(0)) / f64::from(1u32 << 24)
    }
}

fn main() {
    let rules: Vec<_> = ten_rules()
        .iter()
        .map(|d| d.validate().expect("valid rule"))
        .collect();
    let t0 = 1_784_116_800_000i64; // 2026-07-15 12:00 UTC, a Wednesday
    let mut engine = Engine::new(EngineConfig::default());
    let mut idx = Vec::new();
    for s in 0..SERIES {
        let origin = Originator::Point(PointId(s));
        let bound: Vec<BoundRule> = rules
            .iter()
            .map(|r| r.bind(origin, &NoAttributes).expect("binds"))
            .collect();
        idx.push(
            engine
                .add_series(SeriesKey(s), origin, bound, UtcMillis(t0 - 1))
                .expect("series"),
        );
    }

    // Pre-generate the readings so the timed loop measures the engine only.
    // Each series follows a daily cycle (a pump's drawdown) between about 42
    // and 58 with ±0.2 of noise, so thresholds are crossed a few times a day, as in
    // the field; 1 % of readings time out, 0.5 % are stuck, dry-run trips
    // are rare and the anomaly detector flags about 1 % of readings.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut values = Vec::with_capacity(usize::try_from(SERIES * ROUNDS).unwrap_or(0));
    let day = 86_400_000.0 / f64::from(u32::try_from(POLL_MS).unwrap_or(1));
    for round in 0..ROUNDS {
        for s in 0..SERIES {
            let phase = f64::from(u32::try_from(s).unwrap_or(0)) * 0.37;
            let x = f64::from(u32::try_from(round).unwrap_or(0)) / day;
            let v = 50.0
                + 8.6 * (std::f64::consts::TAU * x * 8.0 + phase).sin()
                + 0.4 * (rng.unit() - 0.5);
            let r = rng.unit();
            let quality = if r < 0.01 {
                Quality::Bad(Reason::Timeout)
            } else if r < 0.015 {
                Quality::Suspect(Reason::Stuck)
            } else {
                Quality::Good
            };
            let events = if r > 0.9995 {
                EventSet::of(EventKind::DryRun)
            } else {
                EventSet::EMPTY
            };
            let score = -rng.unit().max(1e-9).ln() * 0.7;
            values.push((v, quality, events, score));
        }
    }

    let mut out: Vec<Transition> = Vec::with_capacity(1024);
    let mut transitions = 0usize;
    let cpu_start = thread_cpu_ns();
    let start = Instant::now();
    for round in 0..ROUNDS {
        let t = t0 + round * POLL_MS;
        for (s, series) in idx.iter().enumerate() {
            let (v, quality, events, score) =
                values[usize::try_from(round * SERIES).unwrap_or(0) + s];
            let verdicts = [Verdict {
                detector: "ewma",
                score,
                anomalous: score > 3.0,
            }];
            let o = Observation {
                time: UtcMillis(t),
                value: v,
                quality,
                events,
                verdicts: &verdicts,
            };
            engine.observe(*series, &o, UtcMillis(t + 500), &mut out);
            transitions += out.len();
            out.clear();
        }
        if round % 10 == 0 {
            engine.on_timeout(UtcMillis(t + 600), &mut out);
            transitions += out.len();
            out.clear();
        }
    }
    let elapsed = start.elapsed();
    let cpu = cpu_start
        .zip(thread_cpu_ns())
        .map(|(a, b)| std::time::Duration::from_nanos(b.saturating_sub(a)));
    black_box(&engine);

    let readings = SERIES * ROUNDS;
    #[expect(clippy::cast_precision_loss, reason = "figures for printing")]
    let per_s = readings as f64 / elapsed.as_secs_f64();
    #[expect(clippy::cast_precision_loss, reason = "figures for printing")]
    let ns = elapsed.as_nanos() as f64 / readings as f64;
    println!("alarm engine, one core, {SERIES} series x {ROUNDS} readings, 10 rules per series");
    println!("  readings evaluated      {readings}");
    println!("  transitions             {transitions}");
    println!("  elapsed (wall)          {:.3} s", elapsed.as_secs_f64());
    println!(
        "  throughput (wall)       {per_s:.0} readings/s ({:.0} rule evaluations/s)",
        per_s * 10.0
    );
    println!("  per reading (wall)      {ns:.0} ns");
    if let Some(cpu) = cpu.filter(|c| !c.is_zero()) {
        #[expect(clippy::cast_precision_loss, reason = "figures for printing")]
        let per_cpu_s = readings as f64 / cpu.as_secs_f64();
        println!("  cpu time of this thread {:.3} s", cpu.as_secs_f64());
        println!(
            "  throughput per core     {per_cpu_s:.0} readings per cpu-second ({:.0} rule evaluations; {:.0} ns a reading)",
            per_cpu_s * 10.0,
            1e9 / per_cpu_s
        );
    }

    let mut sizes = Vec::new();
    let mut buf = Vec::new();
    let enc = Instant::now();
    for i in &idx {
        buf.clear();
        engine.encode_series(*i, &mut buf);
        sizes.push(buf.len());
    }
    let enc_elapsed = enc.elapsed();
    sizes.sort_unstable();
    let total: usize = sizes.iter().sum();
    #[expect(clippy::cast_precision_loss, reason = "figures for printing")]
    let mean = total as f64 / sizes.len() as f64;
    println!("persisted evaluation state per series (10 rules)");
    println!(
        "  bytes: mean {mean:.1}, median {}, max {}",
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );
    #[expect(clippy::cast_precision_loss, reason = "figures for printing")]
    let enc_us = enc_elapsed.as_secs_f64() * 1e6 / sizes.len() as f64;
    println!("  encode: {enc_us:.2} us per series");
}
