use proptest::prelude::*;

use super::*;
use caudal_protocol::Reason;

const P: i64 = 10_000; // poll interval, ms

fn series(v: Variable) -> SeriesRef {
    SeriesRef {
        point: PointId(1),
        variable: v,
        source: None,
    }
}

fn pump() -> RunSignal {
    RunSignal::PumpState(series(Variable::PumpState))
}

fn s(t: i64, v: f64) -> Sample {
    Sample::good(UtcMillis(t), v)
}

/// A deterministic pump: alternating stop/run periods from an LCG.
struct Truth {
    /// (start, end) of each run, ms.
    runs: Vec<(i64, i64)>,
    end: i64,
}

fn truth(seed: u64, hours: i64) -> Truth {
    let mut x = seed;
    let mut next = |lo: i64, hi: i64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        lo + i64::try_from((x >> 33) % u64::try_from(hi - lo).unwrap()).unwrap()
    };
    let end = hours * 3_600_000;
    let mut t = next(60_000, 600_000);
    let mut runs = Vec::new();
    while t < end {
        let run = next(5 * 60_000, 60 * 60_000);
        let stop = next(2 * 60_000, 30 * 60_000);
        runs.push((t, std::cmp::min(t + run, end)));
        t += run + stop;
    }
    Truth { runs, end }
}

impl Truth {
    fn running(&self, t: i64) -> bool {
        self.runs.iter().any(|(a, b)| t >= *a && t < *b)
    }
    fn run_ms_until(&self, t: i64) -> i64 {
        self.runs
            .iter()
            .map(|(a, b)| std::cmp::max(std::cmp::min(*b, t) - a, 0))
            .sum()
    }
}

#[test]
fn meters_from_a_simulated_well_match_the_ground_truth() {
    let truth = truth(7, 48);
    // 12.5 l/s while running, 1 pulse per litre: the counter total in m³ is
    // whole pulses / 1000, read with the pump state every 10 s.
    let mut state = Vec::new();
    let mut total = Vec::new();
    let mut pulses: i64 = 0;
    let mut t = 0;
    while t < truth.end {
        state.push(s(t, if truth.running(t) { 1.0 } else { 0.0 }));
        // 12.5 l/s = 0.0125 litres per ms, whole pulses (litres) only.
        pulses = std::cmp::max(pulses, truth.run_ms_until(t) * 125 / 10_000);
        total.push(Sample {
            time: UtcMillis(t),
            value: pulses as f64 / 1000.0,
            quality: Quality::Good,
            segment: 1,
        });
        t += P;
    }
    let (from, to) = (UtcMillis(0), UtcMillis(truth.end));
    let rules = RunRules::default();
    let m = run_meter(&state, &pump(), from, to, rules);
    // Starts exactly.
    assert_eq!(m.starts, truth.runs.len() as u64);
    // Each run seen within one poll interval of its true start and end.
    let seen: Vec<RunInterval> = run_intervals(&state, &pump(), from, to, rules)
        .into_iter()
        .filter(|i| i.state == RunState::Running)
        .collect();
    assert_eq!(seen.len(), truth.runs.len());
    for (i, (a, b)) in seen.iter().zip(&truth.runs) {
        assert!(i.from.0 >= *a && i.from.0 < a + P, "start {i:?} vs {a}");
        assert!(
            i.to.0 >= std::cmp::min(*b, truth.end) && i.to.0 < b + P,
            "end {i:?} vs {b}"
        );
    }
    let err = (m.run_ms - truth.run_ms_until(truth.end)).abs();
    assert!(
        err < P * i64::try_from(truth.runs.len()).unwrap(),
        "run time off by {err} ms"
    );
    assert_eq!(m.no_data_ms, 0);
    // m³ to one pulse: the pulses counted up to the last sample.
    let v = counter_increase(&total, TotalKind::EpochCounter, from, to);
    assert!(
        (v.increase * 1000.0 - pulses as f64).abs() < 0.5,
        "{} vs {pulses}",
        v.increase
    );
    assert_eq!((v.resets, v.step_backs), (0, 0));
}

#[test]
fn run_time_is_held_between_samples_and_cut_at_the_gap_timeout() {
    let rules = RunRules {
        gap_timeout_ms: 60_000,
    };
    let samples = [s(0, 1.0), s(30_000, 1.0), s(600_000, 0.0), s(610_000, 1.0)];
    let iv = run_intervals(&samples, &pump(), UtcMillis(0), UtcMillis(640_000), rules);
    let got: Vec<(i64, i64, RunState)> = iv.iter().map(|i| (i.from.0, i.to.0, i.state)).collect();
    assert_eq!(
        got,
        vec![
            (0, 90_000, RunState::Running),
            (90_000, 600_000, RunState::NoData),
            (600_000, 610_000, RunState::Stopped),
            (610_000, 640_000, RunState::Running),
        ]
    );
    let m = run_meter(&samples, &pump(), UtcMillis(0), UtcMillis(640_000), rules);
    assert_eq!(m.run_ms, 90_000 + 30_000);
    assert_eq!(m.no_data_ms, 510_000);
    assert_eq!(
        m.starts, 1,
        "running before the gap and after it is not a start"
    );
}

#[test]
fn the_window_starts_with_the_state_of_the_sample_before_it() {
    let rules = RunRules::default();
    let samples = [s(0, 1.0), s(100_000, 1.0), s(200_000, 0.0)];
    let m = run_meter(
        &samples,
        &pump(),
        UtcMillis(50_000),
        UtcMillis(250_000),
        rules,
    );
    assert_eq!(m.run_ms, 150_000);
    assert_eq!(m.starts, 0);
    // Without any earlier sample, the start of the window is no data.
    let m = run_meter(
        &samples[1..],
        &pump(),
        UtcMillis(50_000),
        UtcMillis(250_000),
        rules,
    );
    assert_eq!((m.run_ms, m.no_data_ms), (100_000, 50_000));
}

#[test]
fn bad_samples_are_skipped_and_suspect_ones_used() {
    let rules = RunRules::default();
    let mut samples = vec![s(0, 0.0), s(10_000, 1.0), s(20_000, 0.0), s(30_000, 1.0)];
    samples[1].quality = Quality::Bad(Reason::Timeout);
    samples[3].quality = Quality::Suspect(Reason::Stuck);
    let m = run_meter(&samples, &pump(), UtcMillis(0), UtcMillis(40_000), rules);
    assert_eq!((m.run_ms, m.starts), (10_000, 1));
}

#[test]
fn motor_current_above_the_threshold_is_running() {
    let signal = RunSignal::MotorCurrent {
        series: series(Variable::MotorCurrent),
        threshold_a: 5.0,
    };
    let samples = [s(0, 0.2), s(10_000, 38.0), s(20_000, 5.0), s(30_000, 41.0)];
    let m = run_meter(
        &samples,
        &signal,
        UtcMillis(0),
        UtcMillis(40_000),
        RunRules::default(),
    );
    assert_eq!(
        (m.run_ms, m.starts),
        (20_000, 2),
        "exactly 5 A is not running"
    );
}

#[test]
fn late_and_unordered_samples_give_the_same_meters() {
    let rules = RunRules::default();
    let ordered = [s(0, 0.0), s(10_000, 1.0), s(20_000, 1.0), s(30_000, 0.0)];
    let shuffled = [ordered[2], ordered[0], ordered[3], ordered[1]];
    let w = (UtcMillis(0), UtcMillis(40_000));
    assert_eq!(
        run_meter(&ordered, &pump(), w.0, w.1, rules),
        run_meter(&shuffled, &pump(), w.0, w.1, rules)
    );
}

#[test]
fn a_new_epoch_counts_from_zero_and_a_totaliser_reset_from_zero() {
    let seg = |t: i64, v: f64, segment: i64| Sample {
        time: UtcMillis(t),
        value: v,
        quality: Quality::Good,
        segment,
    };
    // Epoch 1 ends at 5 m³; the agent's database is lost, epoch 2 restarts at 0.
    let epochs = [
        seg(0, 0.0, 1),
        seg(10, 3.0, 1),
        seg(20, 5.0, 1),
        seg(30, 0.5, 2),
        seg(40, 2.0, 2),
    ];
    let v = counter_increase(
        &epochs,
        TotalKind::EpochCounter,
        UtcMillis(0),
        UtcMillis(50),
    );
    assert!((v.increase - 7.0).abs() < 1e-12, "{v:?}");
    // Only the window's share: the sample before `from` is the baseline.
    let v = counter_increase(
        &epochs,
        TotalKind::EpochCounter,
        UtcMillis(15),
        UtcMillis(50),
    );
    assert!((v.increase - 4.0).abs() < 1e-12, "{v:?}");

    // A device totaliser: reset to near zero (flagged by the agent), and a
    // small step back that must not be counted twice.
    let mut tot = vec![
        s(0, 1000.0),
        s(10, 1010.0),
        s(20, 4.0),
        s(30, 9.0),
        s(40, 8.5),
        s(50, 10.0),
    ];
    tot[2].quality = Quality::Suspect(Reason::TotalReset);
    let v = counter_increase(&tot, TotalKind::Totaliser, UtcMillis(0), UtcMillis(60));
    assert!(
        (v.increase - (10.0 + 4.0 + 5.0 + 1.0)).abs() < 1e-9,
        "{v:?}"
    );
    assert_eq!((v.resets, v.step_backs), (1, 1));
}

#[test]
fn bindings_are_checked() {
    let mut b = MeterBindings::default();
    assert_eq!(
        check_bindings(None, &b),
        Err(BindingError::NoRunSignal("run-hours"))
    );
    assert!(check_bindings(Some(&pump()), &b).is_ok());
    b.volume = Some((series(Variable::Flow), TotalKind::Totaliser));
    assert!(check_bindings(Some(&pump()), &b).is_err());
    b.volume = Some((series(Variable::Pulses), TotalKind::EpochCounter));
    assert!(check_bindings(Some(&pump()), &b).is_ok());
    let bad = RunSignal::MotorCurrent {
        series: series(Variable::MotorCurrent),
        threshold_a: 0.0,
    };
    assert_eq!(
        check_bindings(Some(&bad), &b),
        Err(BindingError::Threshold(0.0))
    );
    let wrong = RunSignal::PumpState(series(Variable::Flow));
    assert_eq!(
        check_bindings(Some(&wrong), &b).unwrap_err().to_string(),
        "the pump-state run signal must read a `pump_state` series, not `flow`"
    );
}

#[test]
fn meters_use_registers_when_bound() {
    let hours = [s(0, 100.0), s(3_600_000, 101.0)];
    let starts = [s(0, 40.0), s(3_600_000, 43.0)];
    let b = MeterBindings {
        volume: None,
        run_hours: MeterSource::Register(series(Variable::RunHours)),
        starts: MeterSource::Register(series(Variable::Starts)),
    };
    let m = meters(
        None,
        &b,
        |r| {
            if r.variable == Variable::RunHours {
                &hours[..]
            } else {
                &starts[..]
            }
        },
        UtcMillis(0),
        UtcMillis(7_200_000),
        RunRules::default(),
    );
    assert_eq!(m.run_hours, Some(1.0));
    assert_eq!(m.starts, Some(3));
    assert_eq!(m.cubic_metres, None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Meters over [a, c) equal the sum over [a, b) and [b, c): a meter
    /// recomputed in pieces (restarts, daily jobs) adds up.
    #[test]
    fn meters_are_additive_over_adjacent_windows(
        states in proptest::collection::vec((0..120_000i64, any::<bool>()), 1..60),
        split in 0..1_000_000i64,
    ) {
        let mut t = 0;
        let mut samples = Vec::new();
        let mut total = 0.0;
        let mut totals = Vec::new();
        for (dt, on) in states {
            t += dt + 1;
            samples.push(s(t, if on { 1.0 } else { 0.0 }));
            if on { total += 0.125; }
            totals.push(Sample { time: UtcMillis(t), value: total, quality: Quality::Good, segment: 1 });
        }
        let (a, c) = (UtcMillis(0), UtcMillis(t + 1));
        let b = UtcMillis(std::cmp::min(split, c.0));
        let rules = RunRules { gap_timeout_ms: 60_000 };
        let whole = run_meter(&samples, &pump(), a, c, rules);
        let (x, y) = (run_meter(&samples, &pump(), a, b, rules), run_meter(&samples, &pump(), b, c, rules));
        prop_assert_eq!(whole.run_ms, x.run_ms + y.run_ms);
        prop_assert_eq!(whole.no_data_ms, x.no_data_ms + y.no_data_ms);
        prop_assert_eq!(whole.starts, x.starts + y.starts);
        let vw = counter_increase(&totals, TotalKind::EpochCounter, a, c).increase;
        let vx = counter_increase(&totals, TotalKind::EpochCounter, a, b).increase;
        let vy = counter_increase(&totals, TotalKind::EpochCounter, b, c).increase;
        prop_assert!((vw - (vx + vy)).abs() < 1e-9);
        // The intervals tile the window.
        let iv = run_intervals(&samples, &pump(), a, c, rules);
        prop_assert_eq!(iv.first().unwrap().from, a);
        prop_assert_eq!(iv.last().unwrap().to, c);
        for w in iv.windows(2) { prop_assert_eq!(w[0].to, w[1].from); }
    }
}
