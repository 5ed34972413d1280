//! The alarm engine: evaluates bound rules per series in event time, with
//! explicit, persistable state. Sans-IO (STYLE rule 2): the caller feeds
//! observations with their arrival time, asks [`Engine::poll_timeout`] when
//! to wake, and calls [`Engine::on_timeout`] then; the engine never reads a
//! clock.
//!
//! # Series and observations
//!
//! A series is one input stream (a point's variable, an asset's run/status
//! signal) with the rules bound to its originator. Each [`Observation`] is
//! a reading's event time, value and quality, plus the events the caller
//! attaches (trips from the status word) and the anomaly module's verdicts
//! on that reading. The engine adds the event a quality reason stands for
//! ([`EventKind::from_quality`]).
//!
//! Event times of a series strictly increase: an observation at or before
//! the series' watermark (the latest instant evaluated) is
//! [`Outcome::Stale`] and changes nothing, so a replayed reading never
//! counts twice. An observation more than [`EngineConfig::max_ahead_ms`]
//! ahead of its arrival is refused ([`Outcome::Future`]): accepted, it would
//! hold back every later reading. Feed one channel per series, and only
//! readings whose time is usable
//! ([`crate::operating::TimeVerdict::usable_in_event_time`]).
//!
//! A bad reading is no data (NO_DATA keeps counting) and has no usable
//! value: threshold, rate and anomaly conditions skip it, so it neither
//! extends nor breaks a DURATION or REPEATING run. Event conditions see it
//! (a sensor fault arrives on a bad reading). A suspect reading is used.
//!
//! # Time: observations, deadlines and timeouts
//!
//! Between observations a series' value holds (sample-and-hold). Three
//! things happen at instants without an observation: a NO_DATA condition
//! starts to hold (`last usable reading + N`), a DURATION timer runs out
//! (`start of the true run + N`), a schedule opens or closes. Each rule
//! keeps its next such *deadline* in event time. Before an observation at
//! `t` is evaluated, every deadline before `t` is evaluated at its own
//! instant; so a backlog that arrives late yields the same transitions, at
//! the same event times, as the same readings arriving live.
//!
//! Without observations, deadlines run on the wall clock the caller passes
//! to [`Engine::on_timeout`]: the series' event time is estimated as
//! `last_event + (now − last_arrival)`, so a deadline fires `D − last_event`
//! after the last arrival. For a live series that is about `D`; for a
//! series catching up on a backlog it waits for the backlog rather than
//! judging it in advance; an agent's clock skew cancels out.
//!
//! A deadline evaluated on the clock moves the watermark to it: a reading
//! older than that, arriving afterwards, is stale.
//!
//! After a restart ([`Engine::restore_series`] with the restart time) the
//! series' timeouts are held back for [`EngineConfig::restart_grace_ms`],
//! so agents can reconnect and deliver what they buffered before a deadline
//! that passed during the outage is judged. A deadline reached by the
//! arriving data fires at its exact event time; one that no data
//! contradicts fires at the end of the grace, stamped with its event time
//! (and so raised late, see [`super::alarm`]). The timer itself is never
//! lost: a 10-minute DURATION interrupted by a restart fires at start +
//! 10 min.
//!
//! # Decisions
//!
//! Per rule (ThingsBoard's `AlarmState`): the most severe create condition
//! that holds decides the severity; no alarm → [`Change::Raise`]; a more or
//! less severe one → [`Change::Escalate`] / [`Change::Deescalate`]; the same
//! after no create condition held → [`Change::Retrigger`] (the alarm counts
//! up); no create condition holding and the clear rule holding →
//! [`Change::Clear`]. Create wins over clear. Outside its schedule a rule's
//! create conditions do not hold and their timers and counts reset; its
//! clear rule still applies.
//!
//! # Persistence
//!
//! [`Engine::encode_series`] writes a series' whole evaluation state in the
//! versioned binary format of [`codec`]; [`Engine::restore_series`] reads it
//! back, keeping the state of each rule whose fingerprint is unchanged
//! (a rule edited since keeps only its raised severity). Size is bounded:
//! [`MAX_RULES_PER_SERIES`] rules of at most six conditions each.

pub mod codec;
pub(crate) mod eval;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use caudal_protocol::{Quality, Reading, UtcMillis};

use self::eval::{NEVER, RuleState};
use super::Originator;
use super::rule::BoundRule;
use crate::Severity;
use crate::operating::{EventKind, EventSet};
pub use codec::StateDecodeError;

/// The most rules one series may carry.
pub const MAX_RULES_PER_SERIES: usize = 64;

/// The engine's knobs. `Default` documents what it is tuned for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// An observation more than this far ahead of its arrival is refused, ms.
    /// Default one hour: far beyond any agent the clock checks let through
    /// (they flag more than two minutes), so it only catches nonsense.
    pub max_ahead_ms: i64,
    /// After a restart, timeouts wait this long for agents to deliver what
    /// they buffered, ms. Default 60 s: an agent reconnects within its
    /// backoff cap and the first batches of its backlog arrive.
    pub restart_grace_ms: i64,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            max_ahead_ms: 3_600_000,
            restart_grace_ms: 60_000,
        }
    }
}

/// The caller's identifier of a series (e.g. the store's row id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey(pub i64);

/// A series' position in the engine, for fast access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeriesIdx(u32);

/// An anomaly detector's verdict on one reading (filled by the anomaly module).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict<'a> {
    /// The detector's name (`ewma`, `cusum`, ...).
    pub detector: &'a str,
    /// Its score (e.g. |z|).
    pub score: f64,
    /// Whether the detector calls the reading anomalous.
    pub anomalous: bool,
}

/// One input to a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation<'a> {
    /// Event time.
    pub time: UtcMillis,
    /// Engineering value (NaN when the input has none, e.g. a status event).
    pub value: f64,
    /// Quality; a bad reading is not data (NO_DATA) and has no usable value.
    pub quality: Quality,
    /// Events the caller attaches (trips); the quality's event is added by the engine.
    pub events: EventSet,
    /// Anomaly verdicts on this reading.
    pub verdicts: &'a [Verdict<'a>],
}

impl Observation<'static> {
    /// A value with its quality and no events or verdicts.
    #[must_use]
    pub fn new(time: UtcMillis, value: f64, quality: Quality) -> Observation<'static> {
        Observation {
            time,
            value,
            quality,
            events: EventSet::EMPTY,
            verdicts: &[],
        }
    }

    /// A reading as an observation.
    #[must_use]
    pub fn from_reading(r: &Reading) -> Observation<'static> {
        Observation::new(r.time, r.value, r.quality)
    }
}

impl<'a> Observation<'a> {
    /// With these events attached.
    #[must_use]
    pub fn with_events(self, events: EventSet) -> Observation<'a> {
        Observation { events, ..self }
    }

    /// With these anomaly verdicts.
    #[must_use]
    pub fn with_verdicts<'b>(self, verdicts: &'b [Verdict<'b>]) -> Observation<'b>
    where
        'a: 'b,
    {
        Observation { verdicts, ..self }
    }

    /// Whether the observation carries `kind` (attached, or from its quality).
    #[must_use]
    pub fn has_event(&self, kind: EventKind) -> bool {
        self.events.contains(kind) || EventKind::from_quality(self.quality) == Some(kind)
    }
}

/// What a rule decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Raise an alarm at this severity.
    Raise(Severity),
    /// The condition came back while the alarm was still raised.
    Retrigger(Severity),
    /// A more severe create condition holds.
    Escalate {
        /// Severity before.
        from: Severity,
        /// Severity now.
        to: Severity,
    },
    /// Only a less severe create condition holds.
    Deescalate {
        /// Severity before.
        from: Severity,
        /// Severity now.
        to: Severity,
    },
    /// The clear rule holds.
    Clear {
        /// The severity it had.
        severity: Severity,
    },
}

/// A rule's decision, with where and when it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The series.
    pub series: SeriesKey,
    /// The alarm's originator.
    pub originator: Originator,
    /// The rule: the alarm type.
    pub rule: Arc<str>,
    /// What changed.
    pub change: Change,
    /// When it happened, in event time.
    pub event_time: UtcMillis,
    /// When the engine learnt it (the observation's arrival, or the timeout's `now`).
    pub arrived: UtcMillis,
    /// The observation's value, when a finite one caused it.
    pub value: Option<f64>,
    /// Whether the rule lets people clear its alarms by hand.
    pub manual_clear: bool,
}

/// What became of an observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Evaluated.
    Evaluated,
    /// At or before the series' watermark: a replay or out of order; ignored.
    Stale {
        /// The watermark.
        watermark: UtcMillis,
    },
    /// Too far ahead of its arrival; ignored.
    Future,
}

/// A misuse of the engine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The series is registered already.
    #[error("series {0:?} is registered already")]
    DuplicateSeries(SeriesKey),
    /// Too many rules.
    #[error("series {key:?} has {count} rules, at most {MAX_RULES_PER_SERIES} allowed")]
    TooManyRules {
        /// The series.
        key: SeriesKey,
        /// Rules given.
        count: usize,
    },
    /// Two rules with one name on one series would share one alarm.
    #[error("series {key:?} has rule `{name}` twice")]
    DuplicateRule {
        /// The series.
        key: SeriesKey,
        /// The rule.
        name: String,
    },
    /// No such rule on the series.
    #[error("series {key:?} has no rule `{name}`")]
    UnknownRule {
        /// The series.
        key: SeriesKey,
        /// The rule.
        name: String,
    },
}

/// What a restore kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Rules whose whole state was restored.
    pub kept: usize,
    /// Rules edited since: only the raised severity was restored.
    pub reset: usize,
    /// Rules in the saved state that the series no longer has.
    pub dropped: usize,
}

pub(crate) struct SeriesState {
    pub(crate) watermark: i64,
    pub(crate) last_event: i64,
    pub(crate) last_arrival: i64,
    pub(crate) rules: Vec<RuleState>,
}

struct Series {
    key: SeriesKey,
    originator: Originator,
    rules: Vec<BoundRule>,
    st: SeriesState,
    next_deadline: i64,
    /// Timeouts wait until this wall time (the restart grace); not persisted.
    hold_until: i64,
    dirty: bool,
}

impl Series {
    fn refresh_deadline(&mut self) {
        self.next_deadline = self
            .st
            .rules
            .iter()
            .map(|r| r.deadline)
            .min()
            .unwrap_or(NEVER);
    }

    fn transition(
        &self,
        i: usize,
        change: Change,
        at: i64,
        arrived: UtcMillis,
        value: Option<f64>,
    ) -> Transition {
        let rule = &self.rules[i];
        Transition {
            series: self.key,
            originator: self.originator,
            rule: Arc::clone(&rule.name),
            change,
            event_time: UtcMillis(at),
            arrived,
            value,
            manual_clear: rule.manual_clear,
        }
    }

    /// Evaluate every rule's deadlines at or before `bound`, each at its own instant.
    fn run_deadlines(&mut self, bound: i64, arrived: UtcMillis, out: &mut Vec<Transition>) {
        let mut latest = None;
        for i in 0..self.rules.len() {
            // Every deadline is after the instant it was computed at, so
            // this terminates; the bound guards against a logic error.
            for _ in 0..1024 {
                let x = self.st.rules[i].deadline;
                if x > bound {
                    break;
                }
                if let Some(change) = eval::at_instant(&self.rules[i], &mut self.st.rules[i], x) {
                    out.push(self.transition(i, change, x, arrived, None));
                }
                latest = std::cmp::max(latest, Some(x));
            }
        }
        if let Some(x) = latest {
            self.st.watermark = std::cmp::max(self.st.watermark, x);
            self.dirty = true;
        }
        self.refresh_deadline();
    }
}

/// The alarm engine (see the module docs).
pub struct Engine {
    cfg: EngineConfig,
    series: Vec<Series>,
    index: HashMap<SeriesKey, SeriesIdx>,
}

impl Engine {
    /// An engine without series.
    #[must_use]
    pub fn new(cfg: EngineConfig) -> Engine {
        Engine {
            cfg,
            series: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Register a series with the rules bound to its originator. Readings
    /// at or before `start` are stale; NO_DATA counts from `start`.
    ///
    /// # Errors
    /// [`EngineError`] for a duplicate key, duplicate rule names, or too many rules.
    pub fn add_series(
        &mut self,
        key: SeriesKey,
        originator: Originator,
        rules: Vec<BoundRule>,
        start: UtcMillis,
    ) -> Result<SeriesIdx, EngineError> {
        if self.index.contains_key(&key) {
            return Err(EngineError::DuplicateSeries(key));
        }
        check_rules(key, &rules)?;
        let idx = SeriesIdx(u32::try_from(self.series.len()).unwrap_or(u32::MAX));
        let st = SeriesState {
            watermark: start.0,
            last_event: start.0,
            last_arrival: start.0,
            rules: rules.iter().map(|r| RuleState::fresh(r, start.0)).collect(),
        };
        let mut s = Series {
            key,
            originator,
            rules,
            st,
            next_deadline: NEVER,
            hold_until: i64::MIN,
            dirty: true,
        };
        s.refresh_deadline();
        self.series.push(s);
        self.index.insert(key, idx);
        Ok(idx)
    }

    /// Replace a series' rules (after an edit). Rules kept with the same
    /// fingerprint keep their state; edited ones keep their raised severity.
    ///
    /// # Errors
    /// [`EngineError`] for duplicate rule names or too many rules.
    pub fn set_rules(&mut self, idx: SeriesIdx, rules: Vec<BoundRule>) -> Result<(), EngineError> {
        let s = &mut self.series[idx.0 as usize];
        check_rules(s.key, &rules)?;
        let start = s.st.last_event;
        let old_rules = std::mem::take(&mut s.rules);
        let old_states = std::mem::take(&mut s.st.rules);
        let mut states = Vec::with_capacity(rules.len());
        for r in &rules {
            let found = old_rules.iter().position(|o| o.name == r.name);
            let state = match found {
                Some(j) if old_rules[j].fingerprint == r.fingerprint => old_states[j].clone(),
                Some(j) => RuleState::carried(r, start, old_states[j].active),
                None => RuleState::fresh(r, start),
            };
            states.push(state);
        }
        s.rules = rules;
        s.st.rules = states;
        s.dirty = true;
        s.refresh_deadline();
        Ok(())
    }

    /// The series with this key.
    #[must_use]
    pub fn index_of(&self, key: SeriesKey) -> Option<SeriesIdx> {
        self.index.get(&key).copied()
    }

    /// The key of a series.
    #[must_use]
    pub fn key(&self, idx: SeriesIdx) -> SeriesKey {
        self.series[idx.0 as usize].key
    }

    /// How many series.
    #[must_use]
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether there is no series.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// The raised severity of each rule of the series that holds an alarm.
    #[must_use]
    pub fn active(&self, idx: SeriesIdx) -> Vec<(&str, Severity)> {
        let s = &self.series[idx.0 as usize];
        s.rules
            .iter()
            .zip(&s.st.rules)
            .filter_map(|(r, st)| st.active.map(|sev| (&*r.name, sev)))
            .collect()
    }

    /// Whether any rule of the series holds an alarm (the anomaly module
    /// freezes its baselines meanwhile).
    #[must_use]
    pub fn has_active(&self, idx: SeriesIdx) -> bool {
        self.series[idx.0 as usize]
            .st
            .rules
            .iter()
            .any(|r| r.active.is_some())
    }

    /// Evaluate an observation of a series that arrived at `arrived`,
    /// appending the resulting transitions to `out` in event-time order per rule.
    pub fn observe(
        &mut self,
        idx: SeriesIdx,
        o: &Observation<'_>,
        arrived: UtcMillis,
        out: &mut Vec<Transition>,
    ) -> Outcome {
        let max_ahead = self.cfg.max_ahead_ms;
        let s = &mut self.series[idx.0 as usize];
        let t = o.time.0;
        if t <= s.st.watermark {
            return Outcome::Stale {
                watermark: UtcMillis(s.st.watermark),
            };
        }
        if t.saturating_sub(arrived.0) > max_ahead {
            return Outcome::Future;
        }
        if s.next_deadline < t {
            s.run_deadlines(t - 1, arrived, out);
        }
        let value = o.value.is_finite().then_some(o.value);
        let mut next = NEVER;
        for i in 0..s.rules.len() {
            if let Some(change) = eval::observe(&s.rules[i], &mut s.st.rules[i], o) {
                out.push(s.transition(i, change, t, arrived, value));
            }
            next = std::cmp::min(next, s.st.rules[i].deadline);
        }
        s.next_deadline = next;
        s.st.watermark = t;
        s.st.last_event = t;
        s.st.last_arrival = arrived.0;
        s.dirty = true;
        Outcome::Evaluated
    }

    /// [`Engine::observe`] by key; `None` for an unknown series.
    pub fn observe_key(
        &mut self,
        key: SeriesKey,
        o: &Observation<'_>,
        arrived: UtcMillis,
        out: &mut Vec<Transition>,
    ) -> Option<Outcome> {
        let idx = self.index_of(key)?;
        Some(self.observe(idx, o, arrived, out))
    }

    fn wall_deadline(s: &Series) -> Option<i64> {
        (s.next_deadline != NEVER).then(|| {
            let wait = s.next_deadline.saturating_sub(s.st.last_event);
            std::cmp::max(s.st.last_arrival.saturating_add(wait), s.hold_until)
        })
    }

    /// When [`Engine::on_timeout`] should next be called (wall clock). It
    /// may be early (a NO_DATA due outside its rule's schedule wakes the
    /// engine once for nothing), never late. Scans every series: call it
    /// once per loop turn, not per reading.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<UtcMillis> {
        self.series
            .iter()
            .filter_map(Engine::wall_deadline)
            .min()
            .map(UtcMillis)
    }

    /// Fire every deadline due by the wall clock `now` (see the module docs).
    pub fn on_timeout(&mut self, now: UtcMillis, out: &mut Vec<Transition>) {
        for s in &mut self.series {
            if s.next_deadline == NEVER || now.0 < s.hold_until {
                continue;
            }
            let estimate =
                s.st.last_event
                    .saturating_add(now.0.saturating_sub(s.st.last_arrival));
            if s.next_deadline <= estimate {
                s.run_deadlines(estimate, now, out);
            }
        }
    }

    /// Tell the engine a person cleared the rule's alarm on this series.
    /// If the rule's create condition still holds, the next observation
    /// raises a new alarm.
    ///
    /// # Errors
    /// [`EngineError::UnknownRule`].
    pub fn alarm_cleared(&mut self, idx: SeriesIdx, rule: &str) -> Result<(), EngineError> {
        let s = &mut self.series[idx.0 as usize];
        let Some(i) = s.rules.iter().position(|r| &*r.name == rule) else {
            return Err(EngineError::UnknownRule {
                key: s.key,
                name: rule.to_owned(),
            });
        };
        s.st.rules[i].active = None;
        s.st.rules[i].holding = false;
        s.dirty = true;
        Ok(())
    }

    /// Append the series' evaluation state in the [`codec`] format.
    pub fn encode_series(&self, idx: SeriesIdx, buf: &mut Vec<u8>) {
        let s = &self.series[idx.0 as usize];
        codec::encode(&s.st, &s.rules, buf);
    }

    /// Restore a series' state saved by [`Engine::encode_series`], at wall
    /// time `now` (the restart): the series' timeouts then wait the restart
    /// grace.
    ///
    /// # Errors
    /// [`StateDecodeError`] for bytes that are not a valid state; the
    /// series keeps its current state.
    pub fn restore_series(
        &mut self,
        idx: SeriesIdx,
        bytes: &[u8],
        now: UtcMillis,
    ) -> Result<RestoreReport, StateDecodeError> {
        let snap = codec::decode(bytes)?;
        let s = &mut self.series[idx.0 as usize];
        let mut report = RestoreReport::default();
        let mut used = vec![false; snap.rules.len()];
        let mut states = Vec::with_capacity(s.rules.len());
        for r in &s.rules {
            let found = snap
                .rules
                .iter()
                .enumerate()
                .find(|(j, sr)| !used[*j] && sr.name_hash == r.name_hash);
            let state = match found {
                Some((j, sr)) => {
                    used[j] = true;
                    if sr.fingerprint == r.fingerprint && sr.state.fits(r) {
                        report.kept += 1;
                        let mut st = sr.state.clone();
                        st.deadline = st.next_deadline(r, snap.watermark);
                        st
                    } else {
                        report.reset += 1;
                        RuleState::carried(r, snap.last_event, sr.state.active)
                    }
                }
                None => RuleState::fresh(r, snap.last_event),
            };
            states.push(state);
        }
        report.dropped = used.iter().filter(|u| !**u).count();
        s.st = SeriesState {
            watermark: snap.watermark,
            last_event: snap.last_event,
            last_arrival: snap.last_arrival,
            rules: states,
        };
        s.refresh_deadline();
        s.dirty = false;
        s.hold_until = now.0.saturating_add(self.cfg.restart_grace_ms);
        Ok(report)
    }

    /// The series whose state changed since the last call (to persist).
    pub fn drain_dirty(&mut self) -> Vec<SeriesIdx> {
        let mut out = Vec::new();
        for (i, s) in self.series.iter_mut().enumerate() {
            if std::mem::take(&mut s.dirty) {
                out.push(SeriesIdx(u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
        out
    }
}

fn check_rules(key: SeriesKey, rules: &[BoundRule]) -> Result<(), EngineError> {
    if rules.len() > MAX_RULES_PER_SERIES {
        return Err(EngineError::TooManyRules {
            key,
            count: rules.len(),
        });
    }
    for (i, r) in rules.iter().enumerate() {
        if rules[..i].iter().any(|o| o.name == r.name) {
            return Err(EngineError::DuplicateRule {
                key,
                name: r.name.to_string(),
            });
        }
    }
    Ok(())
}
