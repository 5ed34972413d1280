//! Deriving the operating record of one asset from its [`Sample`]s.
//!
//! # States
//!
//! The asset is in one of three states at every instant:
//!
//! ```text
//!            run sample: running            run sample: stopped
//!   Stopped ─────────────────────▶ Running ───────────────────▶ Stopped
//!      ▲  (a start)                   │ (a stop: cause latched)
//!      │                              │ no run sample for longer than
//!      │ run sample                   ▼ `no_data_after` (from last + timeout)
//!      └────────────────────────── NoData ──────▶ Running (a start only if
//!                                                 it was stopped before the gap)
//! ```
//!
//! - A run sample holds its state until the next one, for at most
//!   `no_data_after`; a gap *longer* than that is `NoData` from
//!   `last sample + no_data_after` until the next sample. Before the first
//!   sample of a fresh [`Checkpoint::start`] the state is `NoData`.
//! - A stop's cause is latched at the stop: a trip when a trip is active at
//!   the stop, or a trip edge lies within `trip_match` before it, or one
//!   arrives within `trip_match` after it (the trip contact may be polled a
//!   moment after the run signal). Otherwise unknown. A stopped run that
//!   continues after a `NoData` gap keeps its cause.
//! - Starts are transitions to `Running` from `Stopped`, or from `NoData`
//!   when the last state known before the gap was stopped. Trips are the
//!   rising edges of the trip facts.
//!
//! # Down intervals and their cause
//!
//! Every instant not running is down. Its [`DownCause`], most binding first:
//! `External` inside a site-power interval the caller supplies, `Planned`
//! inside an open preventive work order the caller supplies, then `NoData`
//! in a gap, `Trip` when the stop's cause is a trip, `Unknown` otherwise.
//! Only `Trip` and `Unknown` can be failures (SMRP excludes proactive work;
//! EN 15341 counts "downtime for external reasons" apart; see
//! `shared/reference/maintenance-reliability.md` §1). The record does not
//! know whether the asset was *required* to run: availability applies the
//! asset's required-time calendar on top.
//!
//! # Event time, checkpoints and late data
//!
//! [`derive()`] is a pure function of a [`Checkpoint`] (the state at an
//! instant), the samples from that instant on (in any order: it sorts them,
//! and samples with equal times merge), the end instant and the calendar.
//! Deriving in one go, or from any checkpoint it produced on, gives the same
//! record, so backfilled samples fill the record in correctly: the store
//! keeps the record and periodic checkpoints ([`derive_with_checkpoints`]);
//! when samples arrive with event time `t`, it takes the latest checkpoint
//! at or before `t`, derives from it over the stored samples, and
//! [`Record::splice`]s the result in: items that start at or after the
//! checkpoint's `since` (the start of the state run open at the checkpoint)
//! and instants at or after its `at` are replaced. Checkpoints after the cut
//! are replaced by the new derivation's.

use caudal_protocol::UtcMillis;

use super::events::{TripKind, TripSet};
use super::signal::Sample;
use crate::DownCause;

/// The configuration of the derivation. `Default` suits agents polling every
/// 10–60 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperatingConfig {
    no_data_after_ms: i64,
    trip_match_ms: i64,
}

/// A bad [`OperatingConfig`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OperatingConfigError {
    /// The no-data timeout is not positive.
    #[error("no_data_after_ms must be positive, got {0}")]
    NoDataTimeout(i64),
    /// The trip matching window is negative or not shorter than the no-data timeout.
    #[error(
        "trip_match_ms must be at least 0 and below no_data_after_ms ({no_data_after_ms}), got {trip_match_ms}"
    )]
    TripMatch {
        /// The window given.
        trip_match_ms: i64,
        /// The no-data timeout given.
        no_data_after_ms: i64,
    },
}

impl Default for OperatingConfig {
    /// No data after 5 minutes without a run sample (several missed polls);
    /// a trip matches a stop within 30 s.
    fn default() -> OperatingConfig {
        OperatingConfig {
            no_data_after_ms: 300_000,
            trip_match_ms: 30_000,
        }
    }
}

impl OperatingConfig {
    /// A validated configuration: `no_data_after_ms > 0` and
    /// `0 <= trip_match_ms < no_data_after_ms` (so a trip can never be matched
    /// across a gap).
    ///
    /// # Errors
    /// [`OperatingConfigError`] naming the bad field.
    pub fn new(
        no_data_after_ms: i64,
        trip_match_ms: i64,
    ) -> Result<OperatingConfig, OperatingConfigError> {
        if no_data_after_ms <= 0 {
            return Err(OperatingConfigError::NoDataTimeout(no_data_after_ms));
        }
        if trip_match_ms < 0 || trip_match_ms >= no_data_after_ms {
            return Err(OperatingConfigError::TripMatch {
                trip_match_ms,
                no_data_after_ms,
            });
        }
        Ok(OperatingConfig {
            no_data_after_ms,
            trip_match_ms,
        })
    }

    /// A gap longer than this, ms, is no data.
    #[must_use]
    pub fn no_data_after_ms(&self) -> i64 {
        self.no_data_after_ms
    }

    /// How close, ms, a trip must be to a stop to be its cause.
    #[must_use]
    pub fn trip_match_ms(&self) -> i64 {
        self.trip_match_ms
    }
}

/// A half-open interval `[start, end)` of event time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// First instant inside.
    pub start: UtcMillis,
    /// First instant after.
    pub end: UtcMillis,
}

impl Interval {
    /// `[start, end)`.
    #[must_use]
    pub fn new(start: UtcMillis, end: UtcMillis) -> Interval {
        Interval { start, end }
    }

    /// Length in ms (0 when empty or reversed).
    #[must_use]
    pub fn len_ms(&self) -> i64 {
        std::cmp::max(0, self.end.0.saturating_sub(self.start.0))
    }

    /// Whether the interval holds no instant.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The part inside `[from, to)`, if any.
    #[must_use]
    pub fn clip(&self, from: UtcMillis, to: UtcMillis) -> Option<Interval> {
        let c = Interval {
            start: std::cmp::max(self.start, from),
            end: std::cmp::min(self.end, to),
        };
        (!c.is_empty()).then_some(c)
    }
}

/// The intervals the caller knows of: open preventive work orders and site
/// power outages. Overlapping or unsorted input is normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    planned: Vec<Interval>,
    external: Vec<Interval>,
}

impl Calendar {
    /// A calendar of planned (open preventive work orders) and external
    /// (site power) intervals.
    #[must_use]
    pub fn new(planned: Vec<Interval>, external: Vec<Interval>) -> Calendar {
        Calendar {
            planned: normalise(planned),
            external: normalise(external),
        }
    }

    /// Planned intervals, sorted and disjoint.
    #[must_use]
    pub fn planned(&self) -> &[Interval] {
        &self.planned
    }

    /// External intervals, sorted and disjoint.
    #[must_use]
    pub fn external(&self) -> &[Interval] {
        &self.external
    }
}

fn normalise(mut v: Vec<Interval>) -> Vec<Interval> {
    v.retain(|i| !i.is_empty());
    v.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = std::cmp::max(last.end, i.end),
            _ => out.push(i),
        }
    }
    out
}

/// The state of an asset at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunState {
    /// Running.
    Running,
    /// Stopped (down, with the stop's cause).
    Stopped,
    /// No data: the state is not known.
    NoData,
}

/// Everything the derivation needs to continue from an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The instant: samples before it are reflected, samples at it are not.
    pub at: UtcMillis,
    /// The state at `at`.
    pub state: RunState,
    /// When the current state run began (at or before `at`).
    pub since: UtcMillis,
    /// The latched cause of the current (or last) stopped run: `Some` trip or unknown.
    pub stop_cause: Option<TripKind>,
    /// Time of the latest run-signal sample.
    pub last_run: Option<UtcMillis>,
    /// The running state that sample gave.
    pub last_known: Option<bool>,
    /// The trips active.
    pub trips: TripSet,
    /// The latest trip edge.
    pub last_trip: Option<(UtcMillis, TripKind)>,
}

impl Checkpoint {
    /// The state of an asset with no history yet: no data since `at`.
    #[must_use]
    pub fn start(at: UtcMillis) -> Checkpoint {
        Checkpoint {
            at,
            state: RunState::NoData,
            since: at,
            stop_cause: None,
            last_run: None,
            last_known: None,
            trips: TripSet::NONE,
            last_trip: None,
        }
    }
}

/// A down interval and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Down {
    /// When.
    pub span: Interval,
    /// Why.
    pub cause: DownCause,
    /// The trip, when the cause is [`DownCause::Trip`].
    pub trip: Option<TripKind>,
}

/// A trip: a rising edge of a trip fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trip {
    /// When it was first seen.
    pub time: UtcMillis,
    /// Which protection.
    pub kind: TripKind,
}

/// The operating record of one asset over a range, all in event time and
/// sorted by time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// Run intervals.
    pub runs: Vec<Interval>,
    /// Down intervals, with their cause.
    pub downs: Vec<Down>,
    /// Starts.
    pub starts: Vec<UtcMillis>,
    /// Trips.
    pub trips: Vec<Trip>,
}

impl Record {
    /// The part of the record inside `[from, to)`: intervals clipped to the
    /// range, instants filtered, and adjacent down intervals of the same
    /// cause merged (a stop followed by a gap inside one power outage is one
    /// external interval). This is what is served per asset.
    #[must_use]
    pub fn clip(&self, from: UtcMillis, to: UtcMillis) -> Record {
        let mut downs: Vec<Down> = Vec::new();
        for d in &self.downs {
            let Some(span) = d.span.clip(from, to) else {
                continue;
            };
            match downs.last_mut() {
                Some(last)
                    if last.span.end == span.start
                        && last.cause == d.cause
                        && last.trip == d.trip =>
                {
                    last.span.end = span.end;
                }
                _ => downs.push(Down { span, ..*d }),
            }
        }
        Record {
            runs: self.runs.iter().filter_map(|r| r.clip(from, to)).collect(),
            downs,
            starts: self
                .starts
                .iter()
                .copied()
                .filter(|t| *t >= from && *t < to)
                .collect(),
            trips: self
                .trips
                .iter()
                .copied()
                .filter(|t| t.time >= from && t.time < to)
                .collect(),
        }
    }

    /// Replace everything from `from` on with `suffix`, derived from `from`
    /// (see the module docs).
    pub fn splice(&mut self, from: &Checkpoint, suffix: Record) {
        let cut = from.since;
        self.runs.retain(|r| r.start < cut);
        self.downs.retain(|d| d.span.start < cut);
        self.starts.retain(|t| *t < from.at);
        self.trips.retain(|t| t.time < from.at);
        self.runs.extend(suffix.runs);
        self.downs.extend(suffix.downs);
        self.starts.extend(suffix.starts);
        self.trips.extend(suffix.trips);
    }

    /// Total running time, ms.
    #[must_use]
    pub fn run_ms(&self) -> i64 {
        self.runs.iter().map(Interval::len_ms).sum()
    }

    /// Total down time with this cause, ms.
    #[must_use]
    pub fn down_ms(&self, cause: DownCause) -> i64 {
        self.downs
            .iter()
            .filter(|d| d.cause == cause)
            .map(|d| d.span.len_ms())
            .sum()
    }
}

/// The result of a derivation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derivation {
    /// The record from the checkpoint's `since` to `until`; the state run
    /// still open at `until` ends there.
    pub record: Record,
    /// The state at `until`, to continue from.
    pub end: Checkpoint,
}

/// Derive the record from `from` to `until` (see the module docs). Samples
/// outside `[from.at, until)` are ignored; the calendar must cover
/// `[from.since, until)`.
#[must_use]
pub fn derive(
    cfg: &OperatingConfig,
    from: &Checkpoint,
    samples: &[Sample],
    until: UtcMillis,
    calendar: &Calendar,
) -> Derivation {
    derive_with_checkpoints(cfg, from, samples, until, calendar, None).0
}

/// [`derive()`], also returning the checkpoints at every multiple of
/// `every_ms` (UTC epoch aligned) strictly after `from.at` and strictly
/// before `until`. `None` or a non-positive period gives none.
#[must_use]
pub fn derive_with_checkpoints(
    cfg: &OperatingConfig,
    from: &Checkpoint,
    samples: &[Sample],
    until: UtcMillis,
    calendar: &Calendar,
    every_ms: Option<i64>,
) -> (Derivation, Vec<Checkpoint>) {
    let mut sorted: Vec<Sample> = samples
        .iter()
        .copied()
        .filter(|s| s.time >= from.at && s.time < until)
        .collect();
    sorted.sort_by_key(|s| s.time);

    let mut d = Deriver {
        cfg,
        calendar,
        st: *from,
        out: Record::default(),
    };
    let mut checkpoints = Vec::new();
    let every = every_ms.filter(|e| *e > 0);
    let mut next_cp = every.map(|e| next_multiple(from.at.0, e));

    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].time;
        let mut running: Option<bool> = None;
        let mut trips: Option<TripSet> = None;
        while i < sorted.len() && sorted[i].time == t {
            let s = sorted[i];
            running = match (running, s.running) {
                (Some(a), Some(b)) => Some(a || b),
                (a, b) => a.or(b),
            };
            trips = match (trips, s.trips) {
                (Some(a), Some(b)) => Some(a.union(b)),
                (a, b) => a.or(b),
            };
            i += 1;
        }
        if let (Some(e), Some(cp)) = (every, next_cp.as_mut()) {
            while *cp <= t.0 {
                checkpoints.push(d.checkpoint(*cp));
                *cp = cp.saturating_add(e);
            }
        }
        d.group(t.0, running, trips);
    }
    if let (Some(e), Some(cp)) = (every, next_cp.as_mut()) {
        while *cp < until.0 {
            checkpoints.push(d.checkpoint(*cp));
            *cp = cp.saturating_add(e);
        }
    }
    let end = d.finish(until.0);
    (Derivation { record: d.out, end }, checkpoints)
}

/// The first multiple of `every` strictly after `t`.
fn next_multiple(t: i64, every: i64) -> i64 {
    t.div_euclid(every).saturating_add(1).saturating_mul(every)
}

struct Deriver<'a> {
    cfg: &'a OperatingConfig,
    calendar: &'a Calendar,
    st: Checkpoint,
    out: Record,
}

impl Deriver<'_> {
    /// Apply the no-data transition due before instant `x`, if any.
    fn gap_check(&mut self, x: i64) {
        if self.st.state == RunState::NoData {
            return;
        }
        if let Some(last) = self.st.last_run
            && x.saturating_sub(last.0) > self.cfg.no_data_after_ms
        {
            let at = last.0.saturating_add(self.cfg.no_data_after_ms);
            self.enter(RunState::NoData, at, self.st.stop_cause);
        }
    }

    fn checkpoint(&mut self, at: i64) -> Checkpoint {
        self.gap_check(at);
        Checkpoint {
            at: UtcMillis(at),
            ..self.st
        }
    }

    fn finish(&mut self, until: i64) -> Checkpoint {
        self.gap_check(until);
        self.emit(self.st.since.0, until);
        Checkpoint {
            at: UtcMillis(until),
            ..self.st
        }
    }

    /// The cause of a stop at `t`.
    fn stop_cause_at(&self, t: i64) -> Option<TripKind> {
        if let Some(k) = self.st.trips.first() {
            return Some(k);
        }
        match self.st.last_trip {
            Some((at, k)) if t.saturating_sub(at.0) <= self.cfg.trip_match_ms => Some(k),
            _ => None,
        }
    }

    fn group(&mut self, t: i64, running: Option<bool>, trips: Option<TripSet>) {
        self.gap_check(t);
        if let Some(now) = trips {
            let rising = now.rising_since(self.st.trips);
            for kind in rising.iter() {
                self.out.trips.push(Trip {
                    time: UtcMillis(t),
                    kind,
                });
            }
            if let Some(k) = rising.first() {
                self.st.last_trip = Some((UtcMillis(t), k));
                // A trip seen shortly after the stop explains it.
                if self.st.state == RunState::Stopped
                    && self.st.stop_cause.is_none()
                    && t.saturating_sub(self.st.since.0) <= self.cfg.trip_match_ms
                {
                    self.st.stop_cause = Some(k);
                }
            }
            self.st.trips = now;
        }
        if let Some(r) = running {
            match (self.st.state, r) {
                (RunState::Running, true) | (RunState::Stopped, false) => {}
                (RunState::Running, false) => {
                    let cause = self.stop_cause_at(t);
                    self.enter(RunState::Stopped, t, cause);
                }
                (RunState::Stopped, true) => {
                    self.out.starts.push(UtcMillis(t));
                    self.enter(RunState::Running, t, self.st.stop_cause);
                }
                (RunState::NoData, true) => {
                    if self.st.last_known == Some(false) {
                        self.out.starts.push(UtcMillis(t));
                    }
                    self.enter(RunState::Running, t, self.st.stop_cause);
                }
                (RunState::NoData, false) => {
                    let cause = if self.st.last_known == Some(false) {
                        self.st.stop_cause
                    } else {
                        self.stop_cause_at(t)
                    };
                    self.enter(RunState::Stopped, t, cause);
                }
            }
            self.st.last_run = Some(UtcMillis(t));
            self.st.last_known = Some(r);
        }
    }

    fn enter(&mut self, state: RunState, at: i64, stop_cause: Option<TripKind>) {
        self.emit(self.st.since.0, at);
        self.st.state = state;
        self.st.since = UtcMillis(at);
        self.st.stop_cause = stop_cause;
    }

    /// Emit the current state run over `[start, end)`.
    fn emit(&mut self, start: i64, end: i64) {
        if end <= start {
            return;
        }
        let (base, trip) = match self.st.state {
            RunState::Running => {
                self.out
                    .runs
                    .push(Interval::new(UtcMillis(start), UtcMillis(end)));
                return;
            }
            RunState::Stopped => match self.st.stop_cause {
                Some(k) => (DownCause::Trip, Some(k)),
                None => (DownCause::Unknown, None),
            },
            RunState::NoData => (DownCause::NoData, None),
        };
        segment(self.calendar, start, end, base, trip, &mut self.out.downs);
    }
}

/// Split `[start, end)` by the calendar and push the down intervals.
fn segment(
    cal: &Calendar,
    start: i64,
    end: i64,
    base: DownCause,
    trip: Option<TripKind>,
    out: &mut Vec<Down>,
) {
    let mut cuts: Vec<i64> = vec![start, end];
    for i in cal.external.iter().chain(cal.planned.iter()) {
        for x in [i.start.0, i.end.0] {
            if x > start && x < end {
                cuts.push(x);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let first = out.len();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let covered = |v: &[Interval]| v.iter().any(|i| i.start.0 <= a && b <= i.end.0);
        let (cause, trip) = if covered(&cal.external) {
            (DownCause::External, None)
        } else if covered(&cal.planned) {
            (DownCause::Planned, None)
        } else {
            (base, trip)
        };
        let len = out.len();
        match out.last_mut() {
            Some(last)
                if len > first
                    && last.span.end.0 == a
                    && last.cause == cause
                    && last.trip == trip =>
            {
                last.span.end = UtcMillis(b);
            }
            _ => out.push(Down {
                span: Interval::new(UtcMillis(a), UtcMillis(b)),
                cause,
                trip,
            }),
        }
    }
}
