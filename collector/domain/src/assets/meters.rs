//! Bindings from an asset to its telemetry, and its meters (run-hours,
//! starts, m³) computed from stored samples.
//!
//! Meters are pure functions of the stored, time-ordered samples of a
//! series, so they survive restarts (nothing is accumulated in memory) and
//! late data (recomputing over the same window with the late sample gives
//! the corrected value). Input that is not in time order is sorted first
//! (stable, so samples at one instant keep their order).
//!
//! # Which samples count
//!
//! A sample is *usable* unless its quality is `Bad` or its value is not
//! finite; `Suspect` samples are used (a `Stuck` flag does not make a pump
//! state wrong). Unusable samples are skipped as if they were not stored.
//!
//! # Run signal → run intervals, run-hours, starts ([`run_intervals`], [`run_meter`])
//!
//! - Running when the pump-state value is ≥ 0.5 (the channel is 0/1), or
//!   when the motor current is **above** the threshold (strictly).
//! - Zero-order hold: the state of a sample holds from its time until the
//!   next usable sample, but for at most `gap_timeout_ms`; the rest of a
//!   longer gap is `NoData` (neither running nor stopped). The last sample
//!   holds until the end of the window, again for at most the timeout.
//! - The window `[from, to)` starts with the state of the last usable sample
//!   before `from` when it is within the timeout; otherwise with `NoData`
//!   until the first sample. Callers pass that earlier sample (one sample
//!   before `from` is enough).
//! - Run time = total `Running` time. The error against the true run time
//!   is under one sample interval per start and per stop (each transition
//!   is seen at the first sample after it).
//! - Starts = the number of stopped → running transitions between
//!   consecutive usable samples whose running sample lies in the window,
//!   across gaps too (a pump stopped before a gap and running after it
//!   started at least once); running → running across a gap is not a start.
//!   So starts are exact when the pump runs longer than a sample interval,
//!   and a lower bound otherwise.
//!
//! # Totals → increase ([`counter_increase`])
//!
//! Increases only, attributed to the time of the later sample; the first
//! usable sample of each segment in the input is its baseline.
//! - [`TotalKind::EpochCounter`]: the agent's counter channel, whose value
//!   is the running total of one `(agent, epoch)` (the sample's `segment`),
//!   starting at 0 and never decreasing. The agent has already resolved
//!   rollovers and device resets (`Suspect(CounterReset)` marks a reset it
//!   counted from zero). Increase = new − previous of the same segment; a
//!   segment first seen inside the window (a new epoch) counts from 0. A
//!   decrease within a segment cannot happen and is counted as a step back,
//!   not volume.
//! - [`TotalKind::Totaliser`]: a device register (`total`, `run_hours` or
//!   `starts` registers), absolute, segments ignored. The agent marks a
//!   decrease `Suspect(TotalReset)`. A decrease to at most half the highest
//!   value since the last reset is a **reset**: the new value is counted
//!   from zero. A smaller decrease is a **step back** (a correction or
//!   noise): no volume, and the high-water mark is kept, so the climb back is
//!   not counted twice. Both are reported.

use std::collections::HashMap;

use caudal_protocol::{Quality, UtcMillis, Variable};

use crate::{MINUTE_MS, PointId};

/// Which stored series: a point, a variable, and the channel when the point
/// has several of that variable (`None`: the point's only one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesRef {
    /// The catchment point.
    pub point: PointId,
    /// The variable.
    pub variable: Variable,
    /// The source (channel) name, when the point has several series of the variable.
    pub source: Option<String>,
}

/// How an asset's running state is read.
#[derive(Clone, Debug, PartialEq)]
pub enum RunSignal {
    /// A pump-state channel (0/1).
    PumpState(SeriesRef),
    /// Motor current above a threshold, where there is no pump-state register.
    MotorCurrent {
        /// The current series (A).
        series: SeriesRef,
        /// Running above this current, A.
        threshold_a: f64,
    },
}

impl RunSignal {
    /// The series it reads.
    #[must_use]
    pub fn series(&self) -> &SeriesRef {
        match self {
            RunSignal::PumpState(s) | RunSignal::MotorCurrent { series: s, .. } => s,
        }
    }

    /// Whether a value means running.
    #[must_use]
    pub fn is_running(&self, value: f64) -> bool {
        match self {
            RunSignal::PumpState(_) => value >= 0.5,
            RunSignal::MotorCurrent { threshold_a, .. } => value > *threshold_a,
        }
    }
}

/// How a total series counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TotalKind {
    /// The agent's epoch-relative counter total (`pulses` channels, in m³).
    EpochCounter,
    /// A device register that is absolute and may reset.
    Totaliser,
}

/// Where a run-hours or starts meter comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum MeterSource {
    /// Derived from the run signal.
    RunSignal,
    /// A device register (a `run_hours` or `starts` series).
    Register(SeriesRef),
    /// No such meter.
    None,
}

/// The meters of an asset.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterBindings {
    /// m³ from a total series.
    pub volume: Option<(SeriesRef, TotalKind)>,
    /// Run-hours.
    pub run_hours: MeterSource,
    /// Starts.
    pub starts: MeterSource,
}

impl Default for MeterBindings {
    /// Run-hours and starts from the run signal; no volume.
    fn default() -> MeterBindings {
        MeterBindings {
            volume: None,
            run_hours: MeterSource::RunSignal,
            starts: MeterSource::RunSignal,
        }
    }
}

/// A binding that does not fit its series.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BindingError {
    /// The series has the wrong variable.
    #[error("{what} must read a `{expected}` series, not `{found}`")]
    WrongVariable {
        /// Which binding.
        what: &'static str,
        /// Expected variables.
        expected: &'static str,
        /// Found.
        found: Variable,
    },
    /// A current threshold that is not positive.
    #[error("the motor-current threshold must be a positive number of amperes, not {0}")]
    Threshold(f64),
    /// A meter from the run signal of an asset that has none.
    #[error("{0} comes from the run signal, but the asset has no run signal")]
    NoRunSignal(&'static str),
}

/// Check an asset's bindings.
///
/// # Errors
/// [`BindingError`].
pub fn check_bindings(run: Option<&RunSignal>, meters: &MeterBindings) -> Result<(), BindingError> {
    match run {
        Some(RunSignal::PumpState(s)) if s.variable != Variable::PumpState => {
            return Err(BindingError::WrongVariable {
                what: "the pump-state run signal",
                expected: "pump_state",
                found: s.variable,
            });
        }
        Some(RunSignal::MotorCurrent {
            series,
            threshold_a,
        }) => {
            if series.variable != Variable::MotorCurrent {
                return Err(BindingError::WrongVariable {
                    what: "the motor-current run signal",
                    expected: "motor_current",
                    found: series.variable,
                });
            }
            if !threshold_a.is_finite() || *threshold_a <= 0.0 {
                return Err(BindingError::Threshold(*threshold_a));
            }
        }
        _ => {}
    }
    if let Some((s, kind)) = &meters.volume {
        let ok = match kind {
            TotalKind::EpochCounter => s.variable == Variable::Pulses,
            TotalKind::Totaliser => s.variable == Variable::Total,
        };
        if !ok {
            return Err(BindingError::WrongVariable {
                what: "the m³ meter",
                expected: "pulses (agent counter) or total (device totaliser)",
                found: s.variable,
            });
        }
    }
    for (what, source, variable, name) in [
        (
            "run-hours",
            &meters.run_hours,
            Variable::RunHours,
            "run_hours",
        ),
        ("starts", &meters.starts, Variable::Starts, "starts"),
    ] {
        match source {
            MeterSource::RunSignal if run.is_none() => return Err(BindingError::NoRunSignal(what)),
            MeterSource::Register(s) if s.variable != variable => {
                return Err(BindingError::WrongVariable {
                    what,
                    expected: name,
                    found: s.variable,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// A stored sample as the meters read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// When.
    pub time: UtcMillis,
    /// Engineering value.
    pub value: f64,
    /// Quality.
    pub quality: Quality,
    /// For epoch counters: which `(agent, epoch)` the total belongs to.
    pub segment: i64,
}

impl Sample {
    /// A good sample of segment 0.
    #[must_use]
    pub fn good(time: UtcMillis, value: f64) -> Sample {
        Sample {
            time,
            value,
            quality: Quality::Good,
            segment: 0,
        }
    }

    fn usable(&self) -> bool {
        !matches!(self.quality, Quality::Bad(_)) && self.value.is_finite()
    }
}

/// The gap rule of run intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunRules {
    /// Longest a sample's state holds, ms (a few poll intervals).
    pub gap_timeout_ms: i64,
}

impl Default for RunRules {
    /// Five minutes: a few missed polls at the usual 10 s to 60 s.
    fn default() -> RunRules {
        RunRules {
            gap_timeout_ms: 5 * MINUTE_MS,
        }
    }
}

/// The state of an asset over an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunState {
    /// Running.
    Running,
    /// Stopped.
    Stopped,
    /// No telemetry.
    NoData,
}

/// A maximal interval of one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunInterval {
    /// Start.
    pub from: UtcMillis,
    /// End (exclusive).
    pub to: UtcMillis,
    /// State.
    pub state: RunState,
}

fn usable_sorted(samples: &[Sample]) -> Vec<Sample> {
    let mut v: Vec<Sample> = samples.iter().copied().filter(Sample::usable).collect();
    if !v.is_sorted_by_key(|s| s.time) {
        v.sort_by_key(|s| s.time);
    }
    v
}

/// The run intervals over `[from, to)` (see the module docs), contiguous
/// and covering the window exactly.
#[must_use]
pub fn run_intervals(
    samples: &[Sample],
    signal: &RunSignal,
    from: UtcMillis,
    to: UtcMillis,
    rules: RunRules,
) -> Vec<RunInterval> {
    if to <= from {
        return Vec::new();
    }
    let v = usable_sorted(samples);
    let mut out: Vec<RunInterval> = Vec::new();
    let mut push = |a: i64, b: i64, state: RunState| {
        let (a, b) = (std::cmp::max(a, from.0), std::cmp::min(b, to.0));
        if a >= b {
            return;
        }
        match out.last_mut() {
            Some(last) if last.state == state && last.to.0 == a => last.to = UtcMillis(b),
            _ => out.push(RunInterval {
                from: UtcMillis(a),
                to: UtcMillis(b),
                state,
            }),
        }
    };
    // Samples that matter: the last one before `from`, and those in the window.
    let start = v.partition_point(|s| s.time < from);
    let first = start.saturating_sub(1);
    let relevant = &v[first..v.partition_point(|s| s.time < to)];
    if relevant.first().is_none_or(|s| s.time > from) {
        let until = relevant.first().map_or(to.0, |s| s.time.0);
        push(from.0, until, RunState::NoData);
    }
    for (i, s) in relevant.iter().enumerate() {
        let next = relevant.get(i + 1).map_or(to.0, |n| n.time.0);
        let held = std::cmp::min(next, s.time.0.saturating_add(rules.gap_timeout_ms));
        let state = if signal.is_running(s.value) {
            RunState::Running
        } else {
            RunState::Stopped
        };
        push(s.time.0, held, state);
        push(held, next, RunState::NoData);
    }
    out
}

/// Run-hours and starts over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunMeter {
    /// Time running, ms.
    pub run_ms: i64,
    /// Starts.
    pub starts: u64,
    /// Time without telemetry, ms.
    pub no_data_ms: i64,
}

impl RunMeter {
    /// Run time in hours.
    #[must_use]
    pub fn run_hours(&self) -> f64 {
        // Run time in ms is far below 2^53: exact as f64.
        self.run_ms as f64 / 3_600_000.0
    }
}

/// Run time and starts over `[from, to)` (see the module docs).
#[must_use]
pub fn run_meter(
    samples: &[Sample],
    signal: &RunSignal,
    from: UtcMillis,
    to: UtcMillis,
    rules: RunRules,
) -> RunMeter {
    let mut m = RunMeter::default();
    for i in run_intervals(samples, signal, from, to, rules) {
        match i.state {
            RunState::Running => m.run_ms += i.to.0 - i.from.0,
            RunState::NoData => m.no_data_ms += i.to.0 - i.from.0,
            RunState::Stopped => {}
        }
    }
    let v = usable_sorted(samples);
    let mut prev: Option<bool> = None;
    for s in v.iter().filter(|s| s.time < to) {
        let running = signal.is_running(s.value);
        if s.time >= from && running && prev == Some(false) {
            m.starts += 1;
        }
        prev = Some(running);
    }
    m
}

/// The increase of a total series over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CounterIncrease {
    /// The increase (m³, h or starts).
    pub increase: f64,
    /// Resets counted from zero.
    pub resets: u32,
    /// Decreases counted as no increase.
    pub step_backs: u32,
}

/// The increase of a total series attributed to `[from, to)` (see the module docs).
#[must_use]
pub fn counter_increase(
    samples: &[Sample],
    kind: TotalKind,
    from: UtcMillis,
    to: UtcMillis,
) -> CounterIncrease {
    let v = usable_sorted(samples);
    let mut out = CounterIncrease::default();
    let in_window = |t: UtcMillis| t >= from && t < to;
    match kind {
        TotalKind::EpochCounter => {
            let mut last: HashMap<i64, f64> = HashMap::new();
            for s in v.iter().filter(|s| s.time < to) {
                let inc = match last.get(&s.segment) {
                    Some(&prev) if s.value >= prev => s.value - prev,
                    Some(_) => {
                        if in_window(s.time) {
                            out.step_backs += 1;
                        }
                        0.0
                    }
                    // A new epoch starts at 0 (only inside the window:
                    // earlier samples are baselines).
                    None => s.value.max(0.0),
                };
                let prev = last.get(&s.segment).copied().unwrap_or(f64::MIN);
                last.insert(s.segment, prev.max(s.value));
                if in_window(s.time) {
                    out.increase += inc;
                }
            }
        }
        TotalKind::Totaliser => {
            let mut high: Option<f64> = None;
            for s in v.iter().filter(|s| s.time < to) {
                let counted = in_window(s.time);
                match high {
                    None => high = Some(s.value),
                    Some(h) if s.value >= h => {
                        if counted {
                            out.increase += s.value - h;
                        }
                        high = Some(s.value);
                    }
                    Some(h) if s.value <= h / 2.0 => {
                        if counted {
                            out.increase += s.value.max(0.0);
                            out.resets += 1;
                        }
                        high = Some(s.value);
                    }
                    Some(_) => {
                        if counted {
                            out.step_backs += 1;
                        }
                    }
                }
            }
        }
    }
    out
}

/// An asset's meters over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Meters {
    /// m³ pumped.
    pub cubic_metres: Option<f64>,
    /// Hours run.
    pub run_hours: Option<f64>,
    /// Starts.
    pub starts: Option<u64>,
}

/// Compute an asset's meters over `[from, to)` from its series' samples
/// (`samples(series)` returns the stored samples of a series, including the
/// last one before `from`).
#[must_use]
pub fn meters<'a>(
    run: Option<&RunSignal>,
    bindings: &MeterBindings,
    mut samples: impl FnMut(&SeriesRef) -> &'a [Sample],
    from: UtcMillis,
    to: UtcMillis,
    rules: RunRules,
) -> Meters {
    let run_meter = run.map(|r| run_meter(samples(r.series()), r, from, to, rules));
    let register = |s: &SeriesRef, samples: &mut dyn FnMut(&SeriesRef) -> &'a [Sample]| {
        counter_increase(samples(s), TotalKind::Totaliser, from, to).increase
    };
    let run_hours = match &bindings.run_hours {
        MeterSource::RunSignal => run_meter.map(|m| m.run_hours()),
        MeterSource::Register(s) => Some(register(s, &mut samples)),
        MeterSource::None => None,
    };
    let starts = match &bindings.starts {
        MeterSource::RunSignal => run_meter.map(|m| m.starts),
        MeterSource::Register(s) => {
            let n = register(s, &mut samples).round().max(0.0);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a start count is a non-negative whole number well below 2^53"
            )]
            let count = n as u64;
            Some(count)
        }
        MeterSource::None => None,
    };
    let cubic_metres = bindings
        .volume
        .as_ref()
        .map(|(s, kind)| counter_increase(samples(s), *kind, from, to).increase);
    Meters {
        cubic_metres,
        run_hours,
        starts,
    }
}

#[cfg(test)]
#[path = "meters_tests.rs"]
mod tests;
