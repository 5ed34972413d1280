//! Evaluation of one rule's conditions on an observation or at an instant,
//! and the ThingsBoard decision between raise, escalate, de-escalate,
//! re-trigger and clear. Everything here is explicit state: [`CondState`]
//! and [`RuleState`] are what the codec persists.

use crate::Severity;
use crate::alarms::rule::{
    BoundClear, BoundCondition, BoundPredicate, BoundRule, BoundSpec, Schedule,
};
use crate::operating::EventKind;

use super::{Change, Observation};

/// "Not set" for the time fields of [`CondState`].
pub(crate) const NONE: i64 = i64::MIN;
/// "No deadline".
pub(crate) const NEVER: i64 = i64::MAX;
/// The anchors a RATE window keeps: the reference is the oldest anchor inside
/// the window, and anchors are at least `window / RATE_SLOTS` apart, so the
/// span of the rate is between `window × (1 − 1/RATE_SLOTS)` and `window`
/// on continuous data.
pub(crate) const RATE_SLOTS: usize = 4;
/// Capacity of the anchor ring (spacing `window / RATE_SLOTS` within a window
/// of age `window` holds at most `RATE_SLOTS + 1` anchors).
pub(crate) const RATE_RING: usize = RATE_SLOTS + 2;

/// The anchors of a RATE condition: (time, value), oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RateRing {
    pub(crate) anchors: Vec<(i64, f64)>,
}

impl RateRing {
    /// Add an observation and return the change per hour over the window,
    /// or `None` while the history spans less than half the window.
    fn push(&mut self, t: i64, v: f64, window_ms: i64) -> Option<f64> {
        self.anchors
            .retain(|(at, _)| (0..=window_ms).contains(&t.saturating_sub(*at)));
        let spacing = std::cmp::max(1, window_ms / i64::try_from(RATE_SLOTS).unwrap_or(1));
        let rate = self.anchors.first().and_then(|(at, x)| {
            let span = t.saturating_sub(*at);
            (span > 0 && span.saturating_mul(2) >= window_ms)
                .then(|| (v - x) * 3_600_000.0 / span_f64(span))
        });
        if self
            .anchors
            .last()
            .is_none_or(|(at, _)| t.saturating_sub(*at) >= spacing)
        {
            if self.anchors.len() == RATE_RING {
                self.anchors.remove(0);
            }
            self.anchors.push((t, v));
        }
        rate
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "a span of milliseconds below 2^53 (285 000 years) is exact in f64"
)]
fn span_f64(ms: i64) -> f64 {
    ms as f64
}

/// The state of one condition. Which fields are used depends on the
/// condition: `since`/`fired` for DURATION, `count` for REPEATING,
/// `last_data` for NO_DATA, `rate` for RATE; `last` is the condition's last
/// result and `relaxed` its predicate's last result with the hysteresis band
/// applied (for the auto clear rule).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CondState {
    pub(crate) last: bool,
    pub(crate) relaxed: bool,
    pub(crate) fired: bool,
    pub(crate) since: i64,
    pub(crate) count: u32,
    pub(crate) last_data: i64,
    pub(crate) rate: Option<Box<RateRing>>,
}

impl CondState {
    pub(crate) fn fresh(pred: Option<&BoundPredicate>, start: i64) -> CondState {
        CondState {
            last: false,
            relaxed: false,
            fired: false,
            since: NONE,
            count: 0,
            last_data: if matches!(pred, Some(BoundPredicate::NoData { .. })) {
                start
            } else {
                NONE
            },
            rate: matches!(pred, Some(BoundPredicate::Rate { .. }))
                .then(|| Box::new(RateRing::default())),
        }
    }

    fn reset_spec(&mut self) {
        self.since = NONE;
        self.fired = false;
        self.count = 0;
    }
}

/// Cached schedule activity: constant over `[from, until)`. Not persisted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SchedCache {
    from: i64,
    until: i64,
    active: bool,
}

impl SchedCache {
    pub(crate) const EMPTY: SchedCache = SchedCache {
        from: NEVER,
        until: NEVER,
        active: false,
    };

    fn refresh(&mut self, schedule: &Schedule, t: i64) {
        if t < self.from || t >= self.until {
            let at = caudal_protocol::UtcMillis(t);
            *self = SchedCache {
                from: t,
                until: schedule.next_change(at).map_or(NEVER, |c| c.0),
                active: schedule.is_active(at),
            };
        }
    }

    #[inline]
    fn gate(&mut self, rule: &BoundRule, t: i64) -> bool {
        if rule.always {
            return true;
        }
        self.refresh(&rule.schedule, t);
        self.active
    }

    fn next_change(&mut self, schedule: &Schedule, t: i64) -> Option<i64> {
        if matches!(schedule, Schedule::Always) {
            return None;
        }
        self.refresh(schedule, t);
        (self.until != NEVER).then_some(self.until)
    }
}

/// The state of one rule on one series.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RuleState {
    /// The severity of the alarm this rule holds raised, if any.
    pub(crate) active: Option<Severity>,
    /// Whether some create condition held at the last evaluation.
    pub(crate) holding: bool,
    /// One per create condition (most severe first), then one for the clear rule.
    pub(crate) conds: Vec<CondState>,
    /// The next instant this rule must be evaluated without an observation.
    pub(crate) deadline: i64,
    pub(crate) sched: SchedCache,
}

impl RuleState {
    pub(crate) fn fresh(rule: &BoundRule, start: i64) -> RuleState {
        let mut conds: Vec<CondState> = rule
            .creates
            .iter()
            .map(|(_, c)| CondState::fresh(Some(&c.pred), start))
            .collect();
        let clear_pred = match &rule.clear {
            BoundClear::When(c) => Some(&c.pred),
            BoundClear::Auto { .. } | BoundClear::Manual => None,
        };
        conds.push(CondState::fresh(clear_pred, start));
        let mut st = RuleState {
            active: None,
            holding: false,
            conds,
            deadline: NEVER,
            sched: SchedCache::EMPTY,
        };
        st.deadline = st.next_deadline(rule, start);
        st
    }

    /// A fresh state for an edited rule that keeps the alarm it had raised:
    /// it counts as holding, so the condition still holding is no re-trigger.
    pub(crate) fn carried(rule: &BoundRule, start: i64, active: Option<Severity>) -> RuleState {
        let mut st = RuleState::fresh(rule, start);
        st.active = active;
        st.holding = active.is_some();
        st
    }

    /// Whether a saved state has the shape this rule's evaluation needs.
    pub(crate) fn fits(&self, rule: &BoundRule) -> bool {
        if self.conds.len() != rule.creates.len() + 1 {
            return false;
        }
        let clear_pred = match &rule.clear {
            BoundClear::When(c) => Some(&c.pred),
            BoundClear::Auto { .. } | BoundClear::Manual => None,
        };
        rule.creates
            .iter()
            .map(|(_, c)| Some(&c.pred))
            .chain(std::iter::once(clear_pred))
            .zip(&self.conds)
            .all(|(p, s)| {
                let rate = matches!(p, Some(BoundPredicate::Rate { .. }));
                let no_data = matches!(p, Some(BoundPredicate::NoData { .. }));
                rate == s.rate.is_some() && (!no_data || s.last_data != NONE)
            })
    }
}

enum Pred {
    /// The observation says nothing to this predicate (a bad reading for a threshold).
    Skip,
    Val {
        holds: bool,
        relaxed: bool,
    },
}

#[inline]
fn usable(o: &Observation<'_>) -> bool {
    !matches!(o.quality, caudal_protocol::Quality::Bad(_)) && o.value.is_finite()
}

#[inline]
fn eval_pred(pred: &BoundPredicate, cs: &mut CondState, o: &Observation<'_>, band: f64) -> Pred {
    let t = o.time.0;
    match pred {
        BoundPredicate::Threshold(cmp) => {
            if usable(o) {
                Pred::Val {
                    holds: cmp.holds(o.value),
                    relaxed: cmp.relaxed(o.value, band),
                }
            } else {
                Pred::Skip
            }
        }
        BoundPredicate::Rate { cmp, window_ms } => {
            if !usable(o) {
                return Pred::Skip;
            }
            let ring = cs.rate.get_or_insert_with(Box::default);
            match ring.push(t, o.value, *window_ms) {
                Some(r) => Pred::Val {
                    holds: cmp.holds(r),
                    relaxed: cmp.relaxed(r, band),
                },
                None => Pred::Val {
                    holds: false,
                    relaxed: false,
                },
            }
        }
        BoundPredicate::NoData { ms } => {
            if matches!(o.quality, caudal_protocol::Quality::Bad(_)) {
                let h = t.saturating_sub(cs.last_data) >= *ms;
                Pred::Val {
                    holds: h,
                    relaxed: h,
                }
            } else {
                cs.last_data = t;
                Pred::Val {
                    holds: false,
                    relaxed: false,
                }
            }
        }
        BoundPredicate::Event(set) => {
            let mut events = o.events;
            if let Some(k) = EventKind::from_quality(o.quality) {
                events = events.with(k);
            }
            let h = events.intersects(*set);
            Pred::Val {
                holds: h,
                relaxed: h,
            }
        }
        BoundPredicate::Anomaly {
            detector,
            min_score,
        } => {
            let mut seen = false;
            let mut h = false;
            for v in o.verdicts {
                if detector.as_deref().is_none_or(|d| d == v.detector) {
                    seen = true;
                    h |= v.anomalous && min_score.is_none_or(|m| v.score >= m);
                }
            }
            if seen {
                Pred::Val {
                    holds: h,
                    relaxed: h,
                }
            } else {
                Pred::Skip
            }
        }
    }
}

/// Apply a condition's spec to its predicate's value at `t` (an observation).
#[inline]
fn apply_spec(spec: BoundSpec, cs: &mut CondState, t: i64, p: bool) -> bool {
    match spec {
        BoundSpec::Simple => p,
        BoundSpec::Duration { ms } => {
            if p {
                if cs.since == NONE {
                    cs.since = t;
                }
                if !cs.fired && t.saturating_sub(cs.since) >= ms {
                    cs.fired = true;
                }
                cs.fired
            } else {
                cs.since = NONE;
                cs.fired = false;
                false
            }
        }
        BoundSpec::Repeating { count } => {
            if p {
                cs.count = cs.count.saturating_add(1);
                cs.count >= count
            } else {
                cs.count = 0;
                false
            }
        }
    }
}

/// Update a condition at an instant without an observation: NO_DATA may
/// start to hold, a DURATION timer may run out. `p` is the predicate's value
/// at the instant when it is time-driven (NO_DATA, the auto clear), `None`
/// when it is unchanged since the last observation.
fn instant_spec(spec: BoundSpec, cs: &mut CondState, x: i64, p: Option<bool>) -> bool {
    match (spec, p) {
        (BoundSpec::Simple, Some(p)) => p,
        (BoundSpec::Simple, None) => cs.last,
        (BoundSpec::Duration { .. }, Some(p)) => apply_spec(spec, cs, x, p),
        (BoundSpec::Duration { ms }, None) => {
            if cs.since != NONE && !cs.fired && x.saturating_sub(cs.since) >= ms {
                cs.fired = true;
            }
            cs.since != NONE && cs.fired
        }
        (BoundSpec::Repeating { .. }, Some(false)) => {
            cs.count = 0;
            false
        }
        // No observation: nothing to count.
        (BoundSpec::Repeating { .. }, _) => cs.last,
    }
}

fn band_of(rule: &BoundRule) -> f64 {
    match rule.clear {
        BoundClear::Auto { band, .. } => band,
        BoundClear::When(_) | BoundClear::Manual => 0.0,
    }
}

/// The ThingsBoard decision, given the most severe create condition that
/// holds and whether the clear rule holds. Create wins over clear.
fn decide(rs: &mut RuleState, top: Option<Severity>, clear: bool) -> Option<Change> {
    let was_holding = rs.holding;
    rs.holding = top.is_some();
    match (rs.active, top) {
        (None, Some(s)) => {
            rs.active = Some(s);
            Some(Change::Raise(s))
        }
        (Some(a), Some(s)) if s > a => {
            rs.active = Some(s);
            Some(Change::Escalate { from: a, to: s })
        }
        (Some(a), Some(s)) if s < a => {
            rs.active = Some(s);
            Some(Change::Deescalate { from: a, to: s })
        }
        (Some(a), Some(_)) => (!was_holding).then_some(Change::Retrigger(a)),
        (Some(a), None) if clear => {
            rs.active = None;
            Some(Change::Clear { severity: a })
        }
        (Some(_) | None, None) => None,
    }
}

/// Evaluate a rule on an observation. Returns the change, if any, and
/// updates the rule's deadline.
#[inline]
pub(crate) fn observe(rule: &BoundRule, rs: &mut RuleState, o: &Observation<'_>) -> Option<Change> {
    let t = o.time.0;
    let band = band_of(rule);
    let gate = rs.sched.gate(rule, t);
    let n = rule.creates.len();
    let mut top: Option<Severity> = None;
    let mut any_val = false;
    let mut any_relaxed = false;
    for (i, (severity, cond)) in rule.creates.iter().enumerate() {
        let cs = &mut rs.conds[i];
        let holds = match eval_pred(&cond.pred, cs, o, band) {
            Pred::Skip => {
                if !gate {
                    cs.reset_spec();
                    cs.last = false;
                }
                cs.last
            }
            Pred::Val { holds, relaxed } => {
                any_val = true;
                cs.relaxed = relaxed;
                if gate {
                    let r = apply_spec(cond.spec, cs, t, holds);
                    cs.last = r;
                    r
                } else {
                    cs.reset_spec();
                    cs.last = false;
                    false
                }
            }
        };
        any_relaxed |= cs.relaxed;
        if holds && top.is_none() {
            top = Some(*severity);
        }
    }
    let clear = match &rule.clear {
        BoundClear::Auto { spec, .. } => {
            let cs = &mut rs.conds[n];
            if any_val {
                cs.last = apply_spec(*spec, cs, t, !any_relaxed);
            }
            cs.last
        }
        BoundClear::When(cond) => clear_when(cond, &mut rs.conds[n], o),
        BoundClear::Manual => false,
    };
    let change = decide(rs, top, clear);
    rs.deadline = rs.next_deadline(rule, t);
    change
}

fn clear_when(cond: &BoundCondition, cs: &mut CondState, o: &Observation<'_>) -> bool {
    if let Pred::Val { holds, relaxed } = eval_pred(&cond.pred, cs, o, 0.0) {
        cs.relaxed = relaxed;
        cs.last = apply_spec(cond.spec, cs, o.time.0, holds);
    }
    cs.last
}

/// Evaluate a rule at instant `x` without an observation (a deadline).
pub(crate) fn at_instant(rule: &BoundRule, rs: &mut RuleState, x: i64) -> Option<Change> {
    let gate = rs.sched.gate(rule, x);
    let n = rule.creates.len();
    let mut top = None;
    let mut any_relaxed = false;
    for (i, (severity, cond)) in rule.creates.iter().enumerate() {
        let cs = &mut rs.conds[i];
        let p = time_driven(&cond.pred, cs, x);
        let holds = if gate {
            let r = instant_spec(cond.spec, cs, x, p);
            cs.last = r;
            r
        } else {
            cs.reset_spec();
            cs.last = false;
            false
        };
        any_relaxed |= cs.relaxed;
        if holds && top.is_none() {
            top = Some(*severity);
        }
    }
    let clear = match &rule.clear {
        BoundClear::Auto { spec, .. } => {
            let cs = &mut rs.conds[n];
            cs.last = instant_spec(*spec, cs, x, Some(!any_relaxed));
            cs.last
        }
        BoundClear::When(cond) => {
            let cs = &mut rs.conds[n];
            let p = time_driven(&cond.pred, cs, x);
            cs.last = instant_spec(cond.spec, cs, x, p);
            cs.last
        }
        BoundClear::Manual => false,
    };
    let change = decide(rs, top, clear);
    rs.deadline = rs.next_deadline(rule, x);
    change
}

/// The value at `x` of a predicate that changes with time alone (NO_DATA).
fn time_driven(pred: &BoundPredicate, cs: &mut CondState, x: i64) -> Option<bool> {
    match pred {
        BoundPredicate::NoData { ms } => {
            let h = cs.last_data != NONE && x.saturating_sub(cs.last_data) >= *ms;
            cs.relaxed = h;
            Some(h)
        }
        _ => None,
    }
}

impl RuleState {
    /// The next instant after `x` at which the rule must be evaluated
    /// without an observation: a NO_DATA deadline, a DURATION timer, or a
    /// schedule change that would reset an armed condition or let a due
    /// NO_DATA hold.
    pub(crate) fn next_deadline(&mut self, rule: &BoundRule, x: i64) -> i64 {
        if !rule.timed {
            return NEVER;
        }
        let mut d = NEVER;
        let mut wants_schedule = false;
        let timer = |cond: &BoundCondition, cs: &CondState, gated: bool, d: &mut i64| {
            if let BoundPredicate::NoData { ms } = cond.pred
                && !cs.last
                && cs.last_data != NONE
            {
                let due = cs.last_data.saturating_add(ms);
                if due > x {
                    *d = std::cmp::min(*d, due);
                } else if gated {
                    return true; // due, but outside the schedule: wait for it to open
                }
            }
            if let BoundSpec::Duration { ms } = cond.spec
                && cs.since != NONE
                && !cs.fired
            {
                *d = std::cmp::min(*d, cs.since.saturating_add(ms));
            }
            gated && (cs.since != NONE || cs.count > 0 || cs.last)
        };
        for (i, (_, cond)) in rule.creates.iter().enumerate() {
            wants_schedule |= timer(cond, &self.conds[i], true, &mut d);
        }
        let n = rule.creates.len();
        match &rule.clear {
            BoundClear::When(cond) => {
                timer(cond, &self.conds[n], false, &mut d);
            }
            BoundClear::Auto { spec, .. } => {
                let cs = &self.conds[n];
                if let BoundSpec::Duration { ms } = spec
                    && cs.since != NONE
                    && !cs.fired
                {
                    d = std::cmp::min(d, cs.since.saturating_add(*ms));
                }
            }
            BoundClear::Manual => {}
        }
        if wants_schedule && let Some(c) = self.sched.next_change(&rule.schedule, x) {
            d = std::cmp::min(d, c);
        }
        d
    }
}
