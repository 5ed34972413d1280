//! Alarm rules, after ThingsBoard's device-profile alarm
//! (`shared/reference/maintenance-reliability.md` §2): per severity one
//! create rule, so an alarm escalates and de-escalates; one clear rule; a
//! schedule.
//!
//! A [`Rule`] targets one point's variable or every asset of a class
//! ([`Target`]). Each condition is a predicate with a spec, as in
//! ThingsBoard (`SIMPLE`, `DURATION`, `REPEATING`):
//!
//! | predicate | holds on an observation when |
//! |---|---|
//! | threshold above `t` | value `> t` |
//! | threshold below `t` | value `< t` |
//! | threshold outside `[lo, hi]` | value `< lo` or `> hi` |
//! | rate (per hour, over a window) | the change per hour over the window compares as a threshold |
//! | no data for `N` s | no usable reading for `N` s (time-driven, see the engine) |
//! | event | one of the listed events (trips, quality events) is present |
//! | anomaly | a detector's verdict says anomalous (and scores at least `min_score`) |
//!
//! | spec | the condition holds when |
//! |---|---|
//! | simple | the predicate holds |
//! | duration `N` s | the predicate has held continuously for at least `N` s |
//! | repeating `N` | the predicate held on the last `N` usable observations in a row |
//!
//! The clear rule is `auto` with a hysteresis band (clear when no create
//! predicate holds even with its thresholds moved by the band towards
//! clearing: above `t` clears below `t − band`, below `t` clears above
//! `t + band`, outside `[lo, hi]` clears inside `(lo + band, hi − band)`;
//! other predicates clear when false), optionally held for a duration or a
//! number of observations; or its own condition; or `manual` (a person
//! clears it).
//!
//! Thresholds are numbers or [`Value::Attribute`]s: an asset attribute
//! times a factor ("flow above the water right × 1.2"). [`Rule::bind`]
//! resolves them for one originator into a [`BoundRule`], the engine's
//! input; a missing attribute is a [`BindError`] naming rule, field,
//! attribute and originator.
//!
//! Rules are built only by validation ([`draft::RuleDraft::validate`]), the
//! one way in for config files and API requests.

pub mod draft;
pub mod schedule;

use std::sync::Arc;

use caudal_protocol::Variable;

use super::Originator;
use crate::operating::EventSet;
use crate::{AssetKind, Severity};
pub use draft::{
    ClearDraft, ConditionDraft, CreateDraft, FieldError, RuleDraft, RuleError, ScheduleDraft,
    ValueDraft, WindowDraft, validate_rules,
};
pub use schedule::{Schedule, Weekdays, Window};

/// What a rule watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One variable of one catchment point, by the point's code.
    Point {
        /// The point's code (e.g. the DGA obra code).
        point: String,
        /// The variable.
        variable: Variable,
    },
    /// A variable of every asset of a class.
    AssetClass {
        /// The class.
        kind: AssetKind,
        /// The variable.
        variable: Variable,
    },
}

impl Target {
    /// The variable watched.
    #[must_use]
    pub fn variable(&self) -> Variable {
        match self {
            Target::Point { variable, .. } | Target::AssetClass { variable, .. } => *variable,
        }
    }
}

/// A threshold value: a number, or an attribute of the originator times a factor.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Const(f64),
    /// `attribute × factor`.
    Attribute {
        /// The attribute's name.
        name: String,
        /// The factor (1.0 for the attribute itself).
        factor: f64,
    },
}

/// A comparison against one or two thresholds.
#[derive(Clone, Debug, PartialEq)]
pub enum Comparison<V = Value> {
    /// Strictly above.
    Above(V),
    /// Strictly below.
    Below(V),
    /// Strictly below `low` or strictly above `high`.
    Outside {
        /// Low edge.
        low: V,
        /// High edge.
        high: V,
    },
}

/// What a condition tests on an observation.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    /// The value against thresholds.
    Threshold(Comparison),
    /// The change per hour over a window against thresholds.
    Rate {
        /// Thresholds in units per hour.
        per_hour: Comparison,
        /// The window, s.
        window_s: u32,
    },
    /// No usable reading for this long.
    NoData {
        /// Seconds.
        seconds: u32,
    },
    /// Any of these events is present.
    Event(EventSet),
    /// An anomaly detector's verdict.
    Anomaly {
        /// Which detector (`None`: any).
        detector: Option<String>,
        /// The least score that counts (`None`: the detector's own flag decides).
        min_score: Option<f64>,
    },
}

/// How long a predicate must hold (ThingsBoard's condition spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Spec {
    /// As soon as it holds.
    Simple,
    /// When it has held continuously for this long.
    Duration {
        /// Seconds.
        seconds: u32,
    },
    /// When it held on this many usable observations in a row.
    Repeating {
        /// Observations.
        count: u32,
    },
}

/// A predicate with its spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// What is tested.
    pub predicate: Predicate,
    /// For how long.
    pub spec: Spec,
}

/// How an alarm clears.
#[derive(Clone, Debug, PartialEq)]
pub enum Clear {
    /// When no create predicate holds with the hysteresis band applied, for `spec`.
    Auto {
        /// Band, in the variable's units (per hour for rates).
        hysteresis: f64,
        /// How long the clearing must hold.
        spec: Spec,
    },
    /// When this condition holds.
    When(Condition),
    /// Only by hand.
    Manual,
}

/// A validated alarm rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub(crate) name: String,
    pub(crate) target: Target,
    /// Most severe first, one per severity.
    pub(crate) create: Vec<(Severity, Condition)>,
    pub(crate) clear: Clear,
    pub(crate) schedule: Schedule,
    pub(crate) manual_clear: bool,
}

impl Rule {
    /// The rule's name: the alarm type of the alarms it raises.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it watches.
    #[must_use]
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The create conditions, most severe first.
    #[must_use]
    pub fn create(&self) -> &[(Severity, Condition)] {
        &self.create
    }

    /// The clear rule.
    #[must_use]
    pub fn clear(&self) -> &Clear {
        &self.clear
    }

    /// When it is active.
    #[must_use]
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Whether a person may clear its alarms by hand (always for a manual clear rule).
    #[must_use]
    pub fn manual_clear(&self) -> bool {
        self.manual_clear
    }

    /// Whether the rule watches this variable of the point with this code.
    #[must_use]
    pub fn applies_to_point(&self, code: &str, variable: Variable) -> bool {
        matches!(&self.target, Target::Point { point, variable: v } if point == code && *v == variable)
    }

    /// Whether the rule watches this variable of assets of this class.
    #[must_use]
    pub fn applies_to_asset(&self, kind: AssetKind, variable: Variable) -> bool {
        matches!(&self.target, Target::AssetClass { kind: k, variable: v } if *k == kind && *v == variable)
    }

    /// The attribute names its thresholds need.
    #[must_use]
    pub fn attributes(&self) -> Vec<&str> {
        let conditions = self.create.iter().map(|(_, c)| c).chain(match &self.clear {
            Clear::When(c) => Some(c),
            Clear::Auto { .. } | Clear::Manual => None,
        });
        let mut names: Vec<&str> = conditions
            .filter_map(|c| predicate_comparison(&c.predicate))
            .flat_map(comparison_values)
            .filter_map(|v| match v {
                Value::Attribute { name, .. } => Some(name.as_str()),
                Value::Const(_) => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Resolve the rule's thresholds for one originator.
    ///
    /// # Errors
    /// [`BindError`] when the originator lacks an attribute a threshold
    /// needs, the attribute is not a finite number, or the resolved range
    /// of an `outside` is empty.
    pub fn bind(
        &self,
        originator: Originator,
        attributes: &dyn Attributes,
    ) -> Result<BoundRule, BindError> {
        let binder = Binder {
            rule: &self.name,
            originator,
            attributes,
        };
        let mut creates = Vec::with_capacity(self.create.len());
        for (i, (severity, cond)) in self.create.iter().enumerate() {
            creates.push((*severity, binder.condition(cond, &format!("create[{i}]"))?));
        }
        let clear = match &self.clear {
            Clear::Auto { hysteresis, spec } => BoundClear::Auto {
                band: *hysteresis,
                spec: bound_spec(*spec),
            },
            Clear::When(c) => BoundClear::When(binder.condition(c, "clear")?),
            Clear::Manual => BoundClear::Manual,
        };
        let mut bound = BoundRule {
            name: Arc::from(self.name.as_str()),
            name_hash: fnv1a(self.name.as_bytes()),
            fingerprint: 0,
            creates,
            clear,
            schedule: Arc::new(self.schedule.clone()),
            manual_clear: self.manual_clear,
            always: matches!(self.schedule, Schedule::Always),
            timed: false,
        };
        bound.timed = !bound.always
            || bound
                .creates
                .iter()
                .map(|(_, c)| c)
                .chain(match &bound.clear {
                    BoundClear::When(c) => Some(c),
                    BoundClear::Auto { .. } | BoundClear::Manual => None,
                })
                .any(|c| {
                    matches!(c.pred, BoundPredicate::NoData { .. })
                        || matches!(c.spec, BoundSpec::Duration { .. })
                })
            || matches!(
                bound.clear,
                BoundClear::Auto {
                    spec: BoundSpec::Duration { .. },
                    ..
                }
            );
        bound.fingerprint = bound.compute_fingerprint();
        Ok(bound)
    }
}

fn predicate_comparison(p: &Predicate) -> Option<&Comparison> {
    match p {
        Predicate::Threshold(c) | Predicate::Rate { per_hour: c, .. } => Some(c),
        _ => None,
    }
}

fn comparison_values<V>(c: &Comparison<V>) -> Vec<&V> {
    match c {
        Comparison::Above(v) | Comparison::Below(v) => vec![v],
        Comparison::Outside { low, high } => vec![low, high],
    }
}

/// The attributes of an originator, as numbers.
pub trait Attributes {
    /// The attribute's value, if the originator has it.
    fn number(&self, name: &str) -> Option<f64>;
}

impl<F: Fn(&str) -> Option<f64>> Attributes for F {
    fn number(&self, name: &str) -> Option<f64> {
        self(name)
    }
}

/// An originator without attributes.
pub struct NoAttributes;

impl Attributes for NoAttributes {
    fn number(&self, _: &str) -> Option<f64> {
        None
    }
}

/// A rule that cannot be bound to an originator.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BindError {
    /// A threshold needs an attribute the originator lacks.
    #[error("rule `{rule}`: {path} needs attribute `{attribute}`, which {originator} lacks")]
    MissingAttribute {
        /// The rule.
        rule: String,
        /// Where in the rule.
        path: String,
        /// The attribute.
        attribute: String,
        /// The originator.
        originator: Originator,
    },
    /// The attribute is not a finite number.
    #[error(
        "rule `{rule}`: {path} needs attribute `{attribute}` of {originator} as a finite number, got {value}"
    )]
    NotFinite {
        /// The rule.
        rule: String,
        /// Where in the rule.
        path: String,
        /// The attribute.
        attribute: String,
        /// The originator.
        originator: Originator,
        /// The value found.
        value: f64,
    },
    /// An `outside` range resolved to `low >= high`.
    #[error(
        "rule `{rule}`: {path} resolves to an empty range for {originator}: low {low} is not below high {high}"
    )]
    EmptyRange {
        /// The rule.
        rule: String,
        /// Where in the rule.
        path: String,
        /// The originator.
        originator: Originator,
        /// Resolved low edge.
        low: f64,
        /// Resolved high edge.
        high: f64,
    },
}

struct Binder<'a> {
    rule: &'a str,
    originator: Originator,
    attributes: &'a dyn Attributes,
}

impl Binder<'_> {
    fn value(&self, v: &Value, path: &str) -> Result<f64, BindError> {
        match v {
            Value::Const(x) => Ok(*x),
            Value::Attribute { name, factor } => {
                let Some(x) = self.attributes.number(name) else {
                    return Err(BindError::MissingAttribute {
                        rule: self.rule.to_owned(),
                        path: path.to_owned(),
                        attribute: name.clone(),
                        originator: self.originator,
                    });
                };
                let v = x * factor;
                if !v.is_finite() {
                    return Err(BindError::NotFinite {
                        rule: self.rule.to_owned(),
                        path: path.to_owned(),
                        attribute: name.clone(),
                        originator: self.originator,
                        value: x,
                    });
                }
                Ok(v)
            }
        }
    }

    fn comparison(&self, c: &Comparison, path: &str) -> Result<Cmp, BindError> {
        Ok(match c {
            Comparison::Above(v) => Cmp::Above(self.value(v, &format!("{path}.above"))?),
            Comparison::Below(v) => Cmp::Below(self.value(v, &format!("{path}.below"))?),
            Comparison::Outside { low, high } => {
                let lo = self.value(low, &format!("{path}.outside[0]"))?;
                let hi = self.value(high, &format!("{path}.outside[1]"))?;
                if lo >= hi {
                    return Err(BindError::EmptyRange {
                        rule: self.rule.to_owned(),
                        path: format!("{path}.outside"),
                        originator: self.originator,
                        low: lo,
                        high: hi,
                    });
                }
                Cmp::Outside(lo, hi)
            }
        })
    }

    fn condition(&self, c: &Condition, path: &str) -> Result<BoundCondition, BindError> {
        let pred = match &c.predicate {
            Predicate::Threshold(cmp) => BoundPredicate::Threshold(self.comparison(cmp, path)?),
            Predicate::Rate { per_hour, window_s } => BoundPredicate::Rate {
                cmp: self.comparison(per_hour, path)?,
                window_ms: i64::from(*window_s) * 1000,
            },
            Predicate::NoData { seconds } => BoundPredicate::NoData {
                ms: i64::from(*seconds) * 1000,
            },
            Predicate::Event(set) => BoundPredicate::Event(*set),
            Predicate::Anomaly {
                detector,
                min_score,
            } => BoundPredicate::Anomaly {
                detector: detector.as_deref().map(Arc::from),
                min_score: *min_score,
            },
        };
        Ok(BoundCondition {
            pred,
            spec: bound_spec(c.spec),
        })
    }
}

fn bound_spec(s: Spec) -> BoundSpec {
    match s {
        Spec::Simple => BoundSpec::Simple,
        Spec::Duration { seconds } => BoundSpec::Duration {
            ms: i64::from(seconds) * 1000,
        },
        Spec::Repeating { count } => BoundSpec::Repeating { count },
    }
}

/// A comparison with resolved thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Cmp {
    Above(f64),
    Below(f64),
    Outside(f64, f64),
}

impl Cmp {
    #[inline]
    pub(crate) fn holds(self, x: f64) -> bool {
        match self {
            Cmp::Above(t) => x > t,
            Cmp::Below(t) => x < t,
            Cmp::Outside(lo, hi) => x < lo || x > hi,
        }
    }

    /// The comparison with its thresholds moved by `band` towards clearing:
    /// the alarm clears only where this does not hold.
    #[inline]
    pub(crate) fn relaxed(self, x: f64, band: f64) -> bool {
        match self {
            Cmp::Above(t) => x >= t - band,
            Cmp::Below(t) => x <= t + band,
            Cmp::Outside(lo, hi) => x <= lo + band || x >= hi - band,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BoundPredicate {
    Threshold(Cmp),
    Rate {
        cmp: Cmp,
        window_ms: i64,
    },
    NoData {
        ms: i64,
    },
    Event(EventSet),
    Anomaly {
        detector: Option<Arc<str>>,
        min_score: Option<f64>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BoundSpec {
    Simple,
    Duration { ms: i64 },
    Repeating { count: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BoundCondition {
    pub(crate) pred: BoundPredicate,
    pub(crate) spec: BoundSpec,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BoundClear {
    Auto { band: f64, spec: BoundSpec },
    When(BoundCondition),
    Manual,
}

/// A rule bound to one originator: thresholds resolved. The engine's input.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundRule {
    pub(crate) name: Arc<str>,
    pub(crate) name_hash: u32,
    pub(crate) fingerprint: u32,
    /// Most severe first.
    pub(crate) creates: Vec<(Severity, BoundCondition)>,
    pub(crate) clear: BoundClear,
    pub(crate) schedule: Arc<Schedule>,
    pub(crate) manual_clear: bool,
    /// The schedule is `Always` (saves a pointer chase per observation).
    pub(crate) always: bool,
    /// Some condition is time-driven (NO_DATA, DURATION, a schedule): only
    /// then does the rule have deadlines.
    pub(crate) timed: bool,
}

impl BoundRule {
    /// The rule's name (the alarm type).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a person may clear its alarms by hand.
    #[must_use]
    pub fn manual_clear(&self) -> bool {
        self.manual_clear
    }

    /// A 32-bit digest of everything that decides the rule's evaluation
    /// (conditions with resolved thresholds, clear rule, schedule). Saved
    /// evaluation state is reused only under the same fingerprint.
    #[must_use]
    pub fn fingerprint(&self) -> u32 {
        self.fingerprint
    }

    fn compute_fingerprint(&self) -> u32 {
        let mut b: Vec<u8> = Vec::with_capacity(128);
        b.extend_from_slice(self.name.as_bytes());
        b.push(0);
        let cond = |b: &mut Vec<u8>, c: &BoundCondition| {
            match &c.pred {
                BoundPredicate::Threshold(cmp) => {
                    b.push(1);
                    cmp_bytes(b, *cmp);
                }
                BoundPredicate::Rate { cmp, window_ms } => {
                    b.push(2);
                    cmp_bytes(b, *cmp);
                    b.extend_from_slice(&window_ms.to_le_bytes());
                }
                BoundPredicate::NoData { ms } => {
                    b.push(3);
                    b.extend_from_slice(&ms.to_le_bytes());
                }
                BoundPredicate::Event(set) => {
                    b.push(4);
                    b.extend_from_slice(&set.bits().to_le_bytes());
                }
                BoundPredicate::Anomaly {
                    detector,
                    min_score,
                } => {
                    b.push(5);
                    b.extend_from_slice(detector.as_deref().unwrap_or("").as_bytes());
                    b.push(0);
                    b.extend_from_slice(&min_score.unwrap_or(f64::NAN).to_bits().to_le_bytes());
                }
            }
            spec_bytes(b, c.spec);
        };
        for (s, c) in &self.creates {
            b.push(s.rank());
            cond(&mut b, c);
        }
        match &self.clear {
            BoundClear::Auto { band, spec } => {
                b.push(10);
                b.extend_from_slice(&band.to_bits().to_le_bytes());
                spec_bytes(&mut b, *spec);
            }
            BoundClear::When(c) => {
                b.push(11);
                cond(&mut b, c);
            }
            BoundClear::Manual => b.push(12),
        }
        match &*self.schedule {
            Schedule::Always => b.push(20),
            Schedule::Weekly { zone, windows } => {
                b.push(21);
                b.extend_from_slice(zone.name().as_bytes());
                b.push(0);
                for w in windows {
                    b.push(w.days().bits());
                    b.extend_from_slice(&w.start_min().to_le_bytes());
                    b.extend_from_slice(&w.end_min().to_le_bytes());
                }
            }
        }
        fnv1a(&b)
    }
}

fn cmp_bytes(b: &mut Vec<u8>, c: Cmp) {
    match c {
        Cmp::Above(t) => {
            b.push(1);
            b.extend_from_slice(&t.to_bits().to_le_bytes());
        }
        Cmp::Below(t) => {
            b.push(2);
            b.extend_from_slice(&t.to_bits().to_le_bytes());
        }
        Cmp::Outside(lo, hi) => {
            b.push(3);
            b.extend_from_slice(&lo.to_bits().to_le_bytes());
            b.extend_from_slice(&hi.to_bits().to_le_bytes());
        }
    }
}

fn spec_bytes(b: &mut Vec<u8>, s: BoundSpec) {
    match s {
        BoundSpec::Simple => b.push(0),
        BoundSpec::Duration { ms } => {
            b.push(1);
            b.extend_from_slice(&ms.to_le_bytes());
        }
        BoundSpec::Repeating { count } => {
            b.push(2);
            b.extend_from_slice(&count.to_le_bytes());
        }
    }
}

/// FNV-1a, 32 bits (Fowler, Noll, Vo; the published offset basis and prime).
pub(crate) fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AssetId;

    fn flow_rule() -> Rule {
        RuleDraft {
            name: "caudal_sobre_derecho".to_owned(),
            asset_kind: Some("well".to_owned()),
            variable: "flow".to_owned(),
            create: vec![CreateDraft {
                severity: "major".to_owned(),
                condition: ConditionDraft {
                    kind: "threshold".to_owned(),
                    above: Some(ValueDraft::Attribute {
                        attribute: "water_right_lps".to_owned(),
                        factor: Some(1.2),
                    }),
                    ..ConditionDraft::default()
                },
            }],
            ..RuleDraft::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn a_threshold_from_the_water_right_times_a_factor() {
        let rule = flow_rule();
        assert_eq!(rule.attributes(), vec!["water_right_lps"]);
        let attrs = |name: &str| (name == "water_right_lps").then_some(10.0);
        let bound = rule.bind(Originator::Asset(AssetId(7)), &attrs).unwrap();
        let BoundPredicate::Threshold(Cmp::Above(t)) = bound.creates[0].1.pred else {
            panic!("not a threshold: {:?}", bound.creates[0].1.pred);
        };
        assert!((t - 12.0).abs() < 1e-12);
    }

    #[test]
    fn a_rule_knows_what_it_watches() {
        let rule = flow_rule();
        assert!(rule.applies_to_asset(AssetKind::Well, Variable::Flow));
        assert!(!rule.applies_to_asset(AssetKind::Pump, Variable::Flow));
        assert!(!rule.applies_to_asset(AssetKind::Well, Variable::Level));
        assert!(!rule.applies_to_point("OB-0101-001", Variable::Flow));
        assert_eq!(rule.target().variable(), Variable::Flow);
    }

    #[test]
    fn an_asset_without_the_attribute_gets_a_clear_error() {
        let err = flow_rule()
            .bind(Originator::Asset(AssetId(7)), &NoAttributes)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule `caudal_sobre_derecho`: create[0].above needs attribute `water_right_lps`, which asset 7 lacks"
        );
        let nan = |_: &str| Some(f64::NAN);
        assert!(matches!(
            flow_rule().bind(Originator::Asset(AssetId(7)), &nan),
            Err(BindError::NotFinite { .. })
        ));
    }

    #[test]
    fn the_fingerprint_follows_the_resolved_thresholds() {
        let rule = flow_rule();
        let at = |v: f64| move |_: &str| Some(v);
        let a = rule.bind(Originator::Asset(AssetId(1)), &at(10.0)).unwrap();
        let b = rule.bind(Originator::Asset(AssetId(2)), &at(10.0)).unwrap();
        let c = rule.bind(Originator::Asset(AssetId(3)), &at(11.0)).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn hysteresis_relaxes_each_comparison_towards_clearing() {
        assert!(Cmp::Above(90.0).relaxed(88.0, 2.0));
        assert!(!Cmp::Above(90.0).relaxed(87.999, 2.0));
        assert!(Cmp::Below(5.0).relaxed(6.0, 1.0));
        assert!(!Cmp::Below(5.0).relaxed(6.001, 1.0));
        let out = Cmp::Outside(10.0, 20.0);
        assert!(out.relaxed(11.0, 1.0) && out.relaxed(19.0, 1.0));
        assert!(!out.relaxed(15.0, 1.0));
        // Edges: exactly at a threshold is not beyond it.
        assert!(!Cmp::Above(90.0).holds(90.0));
        assert!(!Cmp::Below(5.0).holds(5.0));
        assert!(!out.holds(10.0) && !out.holds(20.0) && out.holds(20.001));
    }
}
