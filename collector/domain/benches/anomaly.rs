//! Anomaly detectors on synthetic series: in-control average run length,
//! detection delay of a 1σ shift, false-alarm rate, state bytes per series and
//! throughput per core. Prints its figures.
//!
//! `cargo bench -p caudal-collector-domain --bench anomaly`

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "benchmark arithmetic on small counts"
)]

mod common;

use std::time::Instant;

use caudal_collector_domain::UtcMillis;
use caudal_collector_domain::anomaly::{ChannelDetector, DetectorConfig, DetectorKind};
use common::Rng;

const MINUTE: i64 = 60_000;

/// Monday 2026-07-06 00:00 in Santiago (UTC−4, no DST change for months).
const T0: i64 = 1_783_310_400_000;

fn only(kind: DetectorKind) -> DetectorConfig {
    let all = DetectorConfig::default();
    DetectorConfig {
        ewma: all.ewma.filter(|_| kind == DetectorKind::Ewma),
        cusum: all.cusum.filter(|_| kind == DetectorKind::Cusum),
        robust: all.robust.filter(|_| kind == DetectorKind::RobustZ),
        seasonal: all.seasonal.filter(|_| kind == DetectorKind::Seasonal),
        ..all
    }
}

/// A daily cycle (on 06:20–18:40 at 40, off at 0: two mixed hours a day)
/// plus noise of σ = 1, per minute.
fn signal(kind: DetectorKind, i: i64, rng: &mut Rng) -> f64 {
    let base = if kind == DetectorKind::Seasonal {
        let minute_of_day = i % (24 * 60);
        if (6 * 60 + 20..18 * 60 + 40).contains(&minute_of_day) {
            40.0
        } else {
            0.0
        }
    } else {
        10.0
    };
    base + rng.normal()
}

/// Readings the detector needs before it can report at all.
fn warmup(kind: DetectorKind) -> i64 {
    match kind {
        // Two weeks of buckets, then the residual spread.
        DetectorKind::Seasonal => 14 * 24 * 60,
        _ => 300,
    }
}

struct RunStats {
    mean: f64,
    median: f64,
    p90: f64,
    censored: usize,
}

fn stats(mut v: Vec<f64>, censored: usize) -> RunStats {
    v.sort_by(f64::total_cmp);
    let n = std::cmp::max(v.len(), 1);
    RunStats {
        mean: v.iter().sum::<f64>() / n as f64,
        median: v.get(n / 2).copied().unwrap_or(f64::NAN),
        p90: v.get(n * 9 / 10).copied().unwrap_or(f64::NAN),
        censored,
    }
}

/// In-control run length: readings after warm-up until the first anomalous verdict.
fn arl0(kind: DetectorKind, runs: usize, cap: i64) -> RunStats {
    let mut lengths = Vec::with_capacity(runs);
    let mut censored = 0;
    for r in 0..runs {
        let mut rng = Rng::new(1_000 + r as u64);
        let mut d = ChannelDetector::new(only(kind)).expect("config");
        let w = warmup(kind);
        let mut len = None;
        for i in 0..w + cap {
            let v = d.observe(UtcMillis(T0 + i * MINUTE), signal(kind, i, &mut rng), false);
            if i >= w && v.get(kind).is_some_and(|v| v.anomalous) {
                len = Some((i - w + 1) as f64);
                break;
            }
        }
        match len {
            Some(l) => lengths.push(l),
            None => {
                censored += 1;
                lengths.push(cap as f64);
            }
        }
    }
    stats(lengths, censored)
}

/// Detection delay of a shift of `sigmas` starting 200 readings after
/// warm-up; runs with a false alarm before the shift are counted apart.
fn delay(kind: DetectorKind, sigmas: f64, runs: usize, cap: i64) -> (RunStats, usize) {
    let mut delays = Vec::with_capacity(runs);
    let mut censored = 0;
    let mut early = 0;
    for r in 0..runs {
        let mut rng = Rng::new(50_000 + r as u64);
        let mut d = ChannelDetector::new(only(kind)).expect("config");
        let start = warmup(kind) + 200;
        let mut false_alarm = false;
        let mut found = None;
        for i in 0..start + cap {
            let shift = if i >= start { sigmas } else { 0.0 };
            let v = d.observe(
                UtcMillis(T0 + i * MINUTE),
                signal(kind, i, &mut rng) + shift,
                false,
            );
            let a = v.get(kind).is_some_and(|v| v.anomalous);
            if i < start {
                false_alarm |= a;
            } else if a {
                found = Some((i - start + 1) as f64);
                break;
            }
        }
        if false_alarm {
            early += 1;
        }
        match found {
            Some(x) => delays.push(x),
            None => {
                censored += 1;
                delays.push(cap as f64);
            }
        }
    }
    (stats(delays, censored), early)
}

/// Alarm onsets per in-control reading over one long series.
fn false_alarm_rate(kind: DetectorKind, readings: i64) -> f64 {
    let mut rng = Rng::new(7);
    let mut d = ChannelDetector::new(only(kind)).expect("config");
    let w = warmup(kind);
    let mut onsets = 0u64;
    let mut previous = false;
    for i in 0..w + readings {
        let v = d.observe(UtcMillis(T0 + i * MINUTE), signal(kind, i, &mut rng), false);
        let a = v.get(kind).is_some_and(|v| v.anomalous);
        if i >= w && a && !previous {
            onsets += 1;
        }
        previous = a;
    }
    onsets as f64 / readings as f64
}

fn throughput(config: DetectorConfig, series: usize, per_series: i64) -> f64 {
    let mut detectors: Vec<ChannelDetector> = (0..series)
        .map(|_| ChannelDetector::new(config).expect("config"))
        .collect();
    let mut rng = Rng::new(3);
    let noise: Vec<f64> = (0..4096).map(|_| rng.normal()).collect();
    let start = Instant::now();
    let mut anomalies = 0u64;
    for i in 0..per_series {
        let t = UtcMillis(T0 + i * MINUTE);
        for (s, d) in detectors.iter_mut().enumerate() {
            let x = 10.0 + noise[(i as usize * 31 + s) % noise.len()];
            anomalies += u64::from(d.observe(t, x, false).any_anomalous());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(anomalies);
    (series as f64 * per_series as f64) / secs
}

fn main() {
    println!("anomaly detectors, default sensitivity (medium), 3 consecutive readings");
    println!(
        "synthetic series, one reading a minute: N(0,1) noise around 10 (seasonal: on 06:20-18:40 at 40, off at 0, plus noise)"
    );
    println!();
    println!(
        "{:<10} {:>10} {:>9} {:>10} | {:>9} {:>8} {:>6} {:>8} | {:>9} | {:>11}",
        "detector",
        "ARL0 mean",
        "median",
        "censored",
        "1σ delay",
        "median",
        "p90",
        "early FA",
        "4σ delay",
        "FA/reading"
    );
    for kind in [
        DetectorKind::Ewma,
        DetectorKind::Cusum,
        DetectorKind::RobustZ,
        DetectorKind::Seasonal,
    ] {
        let (runs, cap) = match kind {
            DetectorKind::Seasonal => (60, 20_000),
            _ => (400, 20_000),
        };
        let a = arl0(kind, runs, cap);
        let (dl, early) = delay(kind, 1.0, runs, 2_000);
        let (big, _) = delay(kind, 4.0, runs, 2_000);
        let fa = false_alarm_rate(kind, 1_000_000);
        println!(
            "{:<10} {:>10.0} {:>9.0} {:>6}/{:<3} | {:>9.1} {:>8.0} {:>6.0} {:>4}/{:<3} | {:>9.1} | {:>11.2e}",
            kind.as_str(),
            a.mean,
            a.median,
            a.censored,
            runs,
            dl.mean,
            dl.median,
            dl.p90,
            early,
            runs,
            big.mean,
            fa
        );
        if dl.censored > 0 {
            println!(
                "{:<10} ({} of {} 1σ shifts not detected within 2000 readings)",
                "", dl.censored, runs
            );
        }
    }
    println!("(ARL0 censored at 20000 readings: a censored mean is a lower bound)");
    println!();
    let full = ChannelDetector::new(DetectorConfig::default()).expect("config");
    println!(
        "state bytes per series: all four detectors {}",
        full.state_bytes()
    );
    for kind in [
        DetectorKind::Ewma,
        DetectorKind::Cusum,
        DetectorKind::RobustZ,
        DetectorKind::Seasonal,
    ] {
        let d = ChannelDetector::new(only(kind)).expect("config");
        println!("  {:<10} alone {}", kind.as_str(), d.state_bytes());
    }
    println!();
    println!("throughput, one core, 1000 series round-robin, 2000 readings each:");
    let all = DetectorConfig::default();
    println!(
        "  all four detectors: {:>12.0} readings/s",
        throughput(all, 1_000, 2_000)
    );
    for kind in [
        DetectorKind::Ewma,
        DetectorKind::Cusum,
        DetectorKind::RobustZ,
        DetectorKind::Seasonal,
    ] {
        println!(
            "  {:<10} alone:  {:>12.0} readings/s",
            kind.as_str(),
            throughput(only(kind), 1_000, 2_000)
        );
    }
}
