//! Unvalidated rules, as config files and API requests carry them, and
//! their validation into [`Rule`]s.
//!
//! The draft types mirror the config/API shape field for field (the config
//! crate's serde structs and the API's DTOs convert into them without
//! logic), so every error names the field as the user wrote it:
//! `create[1].duration_s: must be between 1 and 2592000 seconds, got 0`.
//! Validation reports every error it finds, not only the first.
//!
//! ```toml
//! [[rules]]
//! name = "nivel_bajo"
//! point = "OB-0101-001"          # or asset_kind = "pump"
//! variable = "level"
//! manual_clear = false
//!   [[rules.create]]
//!   severity = "critical"
//!   kind = "threshold"             # threshold | rate | no_data | event | anomaly
//!   below = 5.0                    # above | below | outside = [lo, hi]
//!   duration_s = 600               # or repeat = 3
//!   [[rules.create]]
//!   severity = "major"
//!   kind = "threshold"
//!   below = { attribute = "pump_intake_m", factor = 1.5 }
//!   [rules.clear]
//!   kind = "auto"                  # auto | condition | manual
//!   hysteresis = 0.5
//!   [rules.schedule]
//!   zone = "America/Santiago"
//!   # end at or before start crosses midnight; 00:00 or 24:00 ends the day
//!   windows = [{ days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", end = "18:00" }]
//! ```

use caudal_protocol::Variable;

use super::schedule::{DAY_MINUTES, Schedule, Weekdays, Window};
use super::{Clear, Comparison, Condition, Predicate, Rule, Spec, Target, Value};
use crate::operating::{EventKind, EventSet};
use crate::{AssetKind, Severity, Zone};

/// The longest duration, no-data time or rate window: 30 days.
pub const MAX_SECONDS: i64 = 30 * 24 * 3600;
/// The most consecutive observations a REPEATING condition may ask for.
pub const MAX_REPEAT: i64 = 100_000;
/// The shortest rate window, s: below a minute a rate is noise.
pub const MIN_RATE_WINDOW_S: i64 = 60;
/// The longest rule name.
pub const MAX_NAME_LEN: usize = 64;
/// The most windows a schedule may have.
pub const MAX_WINDOWS: usize = 32;

/// One field that is wrong, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FieldError {
    /// The field, as the user wrote it (`create[0].below`).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Every field that is wrong in a rule (or a set of rules).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid alarm rule: {}", join(.errors))]
pub struct RuleError {
    /// The errors, in field order.
    pub errors: Vec<FieldError>,
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A threshold value as written: a number or `{ attribute, factor }`.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueDraft {
    /// A number.
    Number(f64),
    /// An attribute of the originator times a factor (1.0 when absent).
    Attribute {
        /// The attribute's name.
        attribute: String,
        /// The factor.
        factor: Option<f64>,
    },
}

/// A condition as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConditionDraft {
    /// `threshold`, `rate`, `no_data`, `event` or `anomaly`.
    pub kind: String,
    /// threshold/rate: strictly above.
    pub above: Option<ValueDraft>,
    /// threshold/rate: strictly below.
    pub below: Option<ValueDraft>,
    /// threshold/rate: below the first or above the second.
    pub outside: Option<Vec<ValueDraft>>,
    /// rate: the window, s.
    pub window_s: Option<i64>,
    /// no_data: seconds without a usable reading.
    pub seconds: Option<i64>,
    /// event: the events (`dry_run`, `stuck`, ...).
    pub events: Vec<String>,
    /// anomaly: the detector (any when absent).
    pub detector: Option<String>,
    /// anomaly: the least score that counts.
    pub min_score: Option<f64>,
    /// DURATION: must hold this many seconds.
    pub duration_s: Option<i64>,
    /// REPEATING: must hold on this many observations in a row.
    pub repeat: Option<i64>,
}

/// One create rule as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateDraft {
    /// `critical`, `major`, `minor`, `warning` or `indeterminate`.
    pub severity: String,
    /// The condition.
    pub condition: ConditionDraft,
}

/// The clear rule as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ClearDraft {
    /// `auto`, `condition` or `manual`.
    pub kind: String,
    /// auto: the hysteresis band (0 when absent).
    pub hysteresis: Option<f64>,
    /// auto: the clearing must hold this many seconds.
    pub duration_s: Option<i64>,
    /// auto: the clearing must hold on this many observations.
    pub repeat: Option<i64>,
    /// condition: the clear condition.
    pub condition: Option<ConditionDraft>,
}

impl Default for ClearDraft {
    /// `auto` without hysteresis.
    fn default() -> ClearDraft {
        ClearDraft {
            kind: "auto".to_owned(),
            hysteresis: None,
            duration_s: None,
            repeat: None,
            condition: None,
        }
    }
}

/// A weekly window as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WindowDraft {
    /// Weekday names (`mon` .. `sun`).
    pub days: Vec<String>,
    /// `HH:MM` local.
    pub start: String,
    /// `HH:MM` local, up to `24:00`; at or before `start` crosses midnight.
    pub end: String,
}

/// A schedule as written. Absent means always.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleDraft {
    /// IANA zone or `±HH:MM`; America/Santiago when absent.
    pub zone: Option<String>,
    /// The windows.
    pub windows: Vec<WindowDraft>,
}

/// A rule as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleDraft {
    /// The alarm type: lowercase letters, digits, `_`, `-`, `.`.
    pub name: String,
    /// A point's code (exactly one of `point` and `asset_kind`).
    pub point: Option<String>,
    /// An asset class.
    pub asset_kind: Option<String>,
    /// The variable watched.
    pub variable: String,
    /// One create rule per severity.
    pub create: Vec<CreateDraft>,
    /// The clear rule.
    pub clear: ClearDraft,
    /// When the rule is active.
    pub schedule: Option<ScheduleDraft>,
    /// Whether people may clear its alarms by hand.
    pub manual_clear: bool,
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }
}

impl RuleDraft {
    /// Validate into a [`Rule`].
    ///
    /// # Errors
    /// [`RuleError`] with every wrong field.
    pub fn validate(&self) -> Result<Rule, RuleError> {
        self.validate_at("")
    }

    fn validate_at(&self, base: &str) -> Result<Rule, RuleError> {
        let p = |field: &str| format!("{base}{field}");
        let mut e = Errors(Vec::new());

        if self.name.is_empty() {
            e.push(p("name"), "must not be empty");
        } else if self.name.chars().count() > MAX_NAME_LEN {
            e.push(
                p("name"),
                format!("must be at most {MAX_NAME_LEN} characters"),
            );
        } else if !self
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
        {
            e.push(
                p("name"),
                format!(
                    "`{}` may hold only lowercase letters, digits, `_`, `-` and `.`",
                    self.name
                ),
            );
        }

        let variable = Variable::parse(&self.variable);
        if variable.is_none() {
            e.push(
                p("variable"),
                format!(
                    "unknown variable `{}`: expected one of {}",
                    self.variable,
                    Variable::ALL.map(Variable::as_str).join(", ")
                ),
            );
        }
        let target = match (&self.point, &self.asset_kind) {
            (Some(_), Some(_)) | (None, None) => {
                e.push(p("point"), "give exactly one of `point` and `asset_kind`");
                None
            }
            (Some(code), None) if code.trim().is_empty() => {
                e.push(p("point"), "must not be empty");
                None
            }
            (Some(code), None) => variable.map(|variable| Target::Point {
                point: code.clone(),
                variable,
            }),
            (None, Some(kind)) => match AssetKind::parse(kind) {
                Some(kind) => variable.map(|variable| Target::AssetClass { kind, variable }),
                None => {
                    e.push(
                        p("asset_kind"),
                        format!(
                            "unknown asset kind `{kind}`: expected one of {}",
                            names(AssetKind::ALL.iter().map(|k| k.as_str()))
                        ),
                    );
                    None
                }
            },
        };

        let mut create: Vec<(Severity, Condition)> = Vec::new();
        if self.create.is_empty() {
            e.push(p("create"), "needs at least one create rule");
        }
        for (i, c) in self.create.iter().enumerate() {
            let at = p(&format!("create[{i}]"));
            let severity = Severity::parse(&c.severity);
            match severity {
                None => e.push(
                    format!("{at}.severity"),
                    format!(
                        "unknown severity `{}`: expected one of {}",
                        c.severity,
                        names(Severity::ALL.iter().map(|s| s.as_str()))
                    ),
                ),
                Some(s) if create.iter().any(|(x, _)| *x == s) => e.push(
                    format!("{at}.severity"),
                    format!("`{s}` has a create rule already: one per severity"),
                ),
                Some(_) => {}
            }
            let cond = condition(&c.condition, &at, &mut e);
            if let (Some(s), Some(cond)) = (severity, cond)
                && !create.iter().any(|(x, _)| *x == s)
            {
                create.push((s, cond));
            }
        }
        create.sort_by_key(|c| std::cmp::Reverse(c.0));

        let clear = self.clear(&p("clear"), &mut e);
        let manual_clear = self.manual_clear || matches!(clear, Some(Clear::Manual));
        let schedule = match &self.schedule {
            None => Some(Schedule::Always),
            Some(s) => schedule(s, &p("schedule"), &mut e),
        };

        match (target, clear, schedule) {
            (Some(target), Some(clear), Some(schedule)) if e.0.is_empty() => Ok(Rule {
                name: self.name.clone(),
                target,
                create,
                clear,
                schedule,
                manual_clear,
            }),
            _ => Err(RuleError { errors: e.0 }),
        }
    }

    fn clear(&self, at: &str, e: &mut Errors) -> Option<Clear> {
        let c = &self.clear;
        let stray = |e: &mut Errors, field: &str, present: bool, kind: &str| {
            if present {
                e.push(
                    format!("{at}.{field}"),
                    format!("does not apply to a `{kind}` clear rule"),
                );
            }
        };
        match c.kind.as_str() {
            "auto" => {
                stray(e, "condition", c.condition.is_some(), "auto");
                let hysteresis = c.hysteresis.unwrap_or(0.0);
                if !hysteresis.is_finite() || hysteresis < 0.0 {
                    e.push(
                        format!("{at}.hysteresis"),
                        format!("must be a finite number of at least 0, got {hysteresis}"),
                    );
                } else if hysteresis > 0.0
                    && !self.create.is_empty()
                    && !self
                        .create
                        .iter()
                        .any(|c| matches!(c.condition.kind.as_str(), "threshold" | "rate"))
                {
                    e.push(
                        format!("{at}.hysteresis"),
                        "applies only to threshold and rate conditions, and no create rule has one",
                    );
                }
                let spec = spec(c.duration_s, c.repeat, at, e)?;
                Some(Clear::Auto { hysteresis, spec })
            }
            "condition" => {
                stray(e, "hysteresis", c.hysteresis.is_some(), "condition");
                stray(e, "duration_s", c.duration_s.is_some(), "condition");
                stray(e, "repeat", c.repeat.is_some(), "condition");
                match &c.condition {
                    None => {
                        e.push(
                            format!("{at}.condition"),
                            "is required for a `condition` clear rule",
                        );
                        None
                    }
                    Some(cond) => condition(cond, &format!("{at}.condition"), e).map(Clear::When),
                }
            }
            "manual" => {
                stray(e, "condition", c.condition.is_some(), "manual");
                stray(e, "hysteresis", c.hysteresis.is_some(), "manual");
                stray(e, "duration_s", c.duration_s.is_some(), "manual");
                stray(e, "repeat", c.repeat.is_some(), "manual");
                Some(Clear::Manual)
            }
            other => {
                e.push(
                    format!("{at}.kind"),
                    format!("unknown clear kind `{other}`: expected auto, condition or manual"),
                );
                None
            }
        }
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

fn seconds_in_range(v: i64, min: i64, path: String, e: &mut Errors) -> Option<u32> {
    if (min..=MAX_SECONDS).contains(&v) {
        u32::try_from(v).ok()
    } else {
        e.push(
            path,
            format!("must be between {min} and {MAX_SECONDS} seconds, got {v}"),
        );
        None
    }
}

fn spec(duration_s: Option<i64>, repeat: Option<i64>, at: &str, e: &mut Errors) -> Option<Spec> {
    match (duration_s, repeat) {
        (Some(_), Some(_)) => {
            e.push(
                format!("{at}.repeat"),
                "give `duration_s` or `repeat`, not both",
            );
            None
        }
        (Some(d), None) => seconds_in_range(d, 1, format!("{at}.duration_s"), e)
            .map(|seconds| Spec::Duration { seconds }),
        (None, Some(n)) => {
            if (1..=MAX_REPEAT).contains(&n) {
                u32::try_from(n).ok().map(|count| Spec::Repeating { count })
            } else {
                e.push(
                    format!("{at}.repeat"),
                    format!("must be between 1 and {MAX_REPEAT} observations, got {n}"),
                );
                None
            }
        }
        (None, None) => Some(Spec::Simple),
    }
}

fn value(v: &ValueDraft, path: String, e: &mut Errors) -> Option<Value> {
    match v {
        ValueDraft::Number(x) if x.is_finite() => Some(Value::Const(*x)),
        ValueDraft::Number(x) => {
            e.push(path, format!("must be a finite number, got {x}"));
            None
        }
        ValueDraft::Attribute { attribute, factor } => {
            let factor = factor.unwrap_or(1.0);
            let mut ok = true;
            if attribute.trim().is_empty() {
                e.push(format!("{path}.attribute"), "must not be empty");
                ok = false;
            }
            if !factor.is_finite() || factor == 0.0 {
                e.push(
                    format!("{path}.factor"),
                    format!("must be a finite number other than 0, got {factor}"),
                );
                ok = false;
            }
            ok.then(|| Value::Attribute {
                name: attribute.clone(),
                factor,
            })
        }
    }
}

fn comparison(c: &ConditionDraft, at: &str, e: &mut Errors) -> Option<Comparison> {
    let given = [c.above.is_some(), c.below.is_some(), c.outside.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if given != 1 {
        e.push(
            format!("{at}.above"),
            format!(
                "a `{}` condition needs exactly one of `above`, `below` and `outside`",
                c.kind
            ),
        );
        return None;
    }
    if let Some(v) = &c.above {
        return value(v, format!("{at}.above"), e).map(Comparison::Above);
    }
    if let Some(v) = &c.below {
        return value(v, format!("{at}.below"), e).map(Comparison::Below);
    }
    let range = c.outside.as_deref().unwrap_or_default();
    let [lo, hi] = range else {
        e.push(
            format!("{at}.outside"),
            format!("needs two values [low, high], got {}", range.len()),
        );
        return None;
    };
    let low = value(lo, format!("{at}.outside[0]"), e);
    let high = value(hi, format!("{at}.outside[1]"), e);
    if let (Some(Value::Const(l)), Some(Value::Const(h))) = (&low, &high)
        && l >= h
    {
        e.push(
            format!("{at}.outside"),
            format!("low {l} must be below high {h}"),
        );
        return None;
    }
    Some(Comparison::Outside {
        low: low?,
        high: high?,
    })
}

/// Which optional fields a condition kind may carry.
fn stray_fields(c: &ConditionDraft, at: &str, e: &mut Errors) {
    let allowed: &[&str] = match c.kind.as_str() {
        "threshold" => &["above", "below", "outside", "duration_s", "repeat"],
        "rate" => &[
            "above",
            "below",
            "outside",
            "window_s",
            "duration_s",
            "repeat",
        ],
        "no_data" => &["seconds"],
        "event" => &["events", "duration_s", "repeat"],
        "anomaly" => &["detector", "min_score", "duration_s", "repeat"],
        _ => return,
    };
    let present = [
        ("above", c.above.is_some()),
        ("below", c.below.is_some()),
        ("outside", c.outside.is_some()),
        ("window_s", c.window_s.is_some()),
        ("seconds", c.seconds.is_some()),
        ("events", !c.events.is_empty()),
        ("detector", c.detector.is_some()),
        ("min_score", c.min_score.is_some()),
        ("duration_s", c.duration_s.is_some()),
        ("repeat", c.repeat.is_some()),
    ];
    for (field, here) in present {
        if here && !allowed.contains(&field) {
            let hint = if c.kind == "no_data" && matches!(field, "duration_s" | "repeat") {
                ": raise `seconds` instead"
            } else {
                ""
            };
            e.push(
                format!("{at}.{field}"),
                format!("does not apply to a `{}` condition{hint}", c.kind),
            );
        }
    }
}

fn condition(c: &ConditionDraft, at: &str, e: &mut Errors) -> Option<Condition> {
    let before = e.0.len();
    stray_fields(c, at, e);
    let stray = e.0.len() > before;
    let predicate = match c.kind.as_str() {
        "threshold" => comparison(c, at, e).map(Predicate::Threshold),
        "rate" => {
            let cmp = comparison(c, at, e);
            let window = match c.window_s {
                None => {
                    e.push(
                        format!("{at}.window_s"),
                        "is required for a `rate` condition",
                    );
                    None
                }
                Some(w) => seconds_in_range(w, MIN_RATE_WINDOW_S, format!("{at}.window_s"), e),
            };
            match (cmp, window) {
                (Some(per_hour), Some(window_s)) => Some(Predicate::Rate { per_hour, window_s }),
                _ => None,
            }
        }
        "no_data" => match c.seconds {
            None => {
                e.push(
                    format!("{at}.seconds"),
                    "is required for a `no_data` condition",
                );
                None
            }
            Some(s) => seconds_in_range(s, 1, format!("{at}.seconds"), e)
                .map(|seconds| Predicate::NoData { seconds }),
        },
        "event" => {
            if c.events.is_empty() {
                e.push(format!("{at}.events"), "needs at least one event");
                None
            } else {
                let mut set = EventSet::EMPTY;
                let mut ok = true;
                for (j, name) in c.events.iter().enumerate() {
                    match EventKind::parse(name) {
                        Some(k) => set = set.with(k),
                        None => {
                            ok = false;
                            e.push(
                                format!("{at}.events[{j}]"),
                                format!(
                                    "unknown event `{name}`: expected one of {}",
                                    names(EventKind::ALL.iter().map(|k| k.as_str()))
                                ),
                            );
                        }
                    }
                }
                ok.then_some(Predicate::Event(set))
            }
        }
        "anomaly" => {
            let mut ok = true;
            if let Some(d) = &c.detector
                && d.trim().is_empty()
            {
                e.push(
                    format!("{at}.detector"),
                    "must not be empty (leave it out for any detector)",
                );
                ok = false;
            }
            if let Some(s) = c.min_score
                && (!s.is_finite() || s < 0.0)
            {
                e.push(
                    format!("{at}.min_score"),
                    format!("must be a finite number of at least 0, got {s}"),
                );
                ok = false;
            }
            ok.then(|| Predicate::Anomaly {
                detector: c.detector.clone(),
                min_score: c.min_score,
            })
        }
        other => {
            e.push(
                format!("{at}.kind"),
                format!(
                    "unknown condition kind `{other}`: expected threshold, rate, no_data, event or anomaly"
                ),
            );
            None
        }
    };
    let spec = if c.kind == "no_data" {
        Some(Spec::Simple)
    } else {
        spec(c.duration_s, c.repeat, at, e)
    };
    if stray {
        return None;
    }
    Some(Condition {
        predicate: predicate?,
        spec: spec?,
    })
}

fn parse_hm(s: &str, allow_24: bool) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m > 59 {
        return None;
    }
    let total = h * 60 + m;
    (total < DAY_MINUTES || (allow_24 && total == DAY_MINUTES)).then_some(total)
}

fn schedule(s: &ScheduleDraft, at: &str, e: &mut Errors) -> Option<Schedule> {
    let zone = match &s.zone {
        None => Some(Zone::SANTIAGO),
        Some(name) => match Zone::parse(name) {
            Ok(z) => Some(z),
            Err(err) => {
                e.push(format!("{at}.zone"), err.to_string());
                None
            }
        },
    };
    if s.windows.is_empty() {
        e.push(
            format!("{at}.windows"),
            "needs at least one window (leave the schedule out for always)",
        );
        return None;
    }
    if s.windows.len() > MAX_WINDOWS {
        e.push(
            format!("{at}.windows"),
            format!("at most {MAX_WINDOWS} windows, got {}", s.windows.len()),
        );
        return None;
    }
    let mut windows = Vec::new();
    for (i, w) in s.windows.iter().enumerate() {
        let wat = format!("{at}.windows[{i}]");
        let mut days = Weekdays::default();
        if w.days.is_empty() {
            e.push(format!("{wat}.days"), "needs at least one day");
        }
        for (j, d) in w.days.iter().enumerate() {
            match Weekdays::parse_day(d) {
                Some(x) => days = days.union(x),
                None => e.push(
                    format!("{wat}.days[{j}]"),
                    format!("unknown day `{d}`: expected mon, tue, wed, thu, fri, sat or sun"),
                ),
            }
        }
        let start = parse_hm(&w.start, false);
        if start.is_none() {
            e.push(
                format!("{wat}.start"),
                format!("`{}` is not a time HH:MM from 00:00 to 23:59", w.start),
            );
        }
        // 00:00 as an end is the midnight that closes the day.
        let end = parse_hm(&w.end, true).map(|m| if m == 0 { DAY_MINUTES } else { m });
        if end.is_none() {
            e.push(
                format!("{wat}.end"),
                format!("`{}` is not a time HH:MM from 00:00 to 24:00", w.end),
            );
        }
        if let (Some(a), Some(b)) = (start, end) {
            if a == b {
                e.push(format!("{wat}.end"), "must differ from start");
            } else if let Some(win) = Window::new(days, a, b) {
                windows.push(win);
            }
            // Otherwise the days were empty or unknown, reported above.
        }
    }
    if windows.len() != s.windows.len() {
        return None;
    }
    zone.map(|zone| Schedule::Weekly { zone, windows })
}

/// Validate a set of rules; names must be unique. Paths start with `rules[i]`.
///
/// # Errors
/// [`RuleError`] with every wrong field of every rule.
pub fn validate_rules(drafts: &[RuleDraft]) -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        if drafts[..i].iter().any(|o| o.name == d.name) && !d.name.is_empty() {
            errors.push(FieldError {
                path: format!("rules[{i}].name"),
                message: format!(
                    "`{}` is the name of an earlier rule: names are unique",
                    d.name
                ),
            });
        }
        match d.validate_at(&format!("rules[{i}].")) {
            Ok(r) => rules.push(r),
            Err(e) => errors.extend(e.errors),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(RuleError { errors })
    }
}

impl Rule {
    /// The draft this rule validates from (for the API's GET and for
    /// editing): `validate(to_draft(r)) == r`.
    #[must_use]
    pub fn to_draft(&self) -> RuleDraft {
        let (point, asset_kind, variable) = match &self.target {
            Target::Point { point, variable } => (Some(point.clone()), None, *variable),
            Target::AssetClass { kind, variable } => {
                (None, Some(kind.as_str().to_owned()), *variable)
            }
        };
        let clear = match &self.clear {
            Clear::Auto { hysteresis, spec } => {
                let (duration_s, repeat) = spec_draft(*spec);
                ClearDraft {
                    kind: "auto".to_owned(),
                    hysteresis: Some(*hysteresis),
                    duration_s,
                    repeat,
                    condition: None,
                }
            }
            Clear::When(c) => ClearDraft {
                kind: "condition".to_owned(),
                hysteresis: None,
                duration_s: None,
                repeat: None,
                condition: Some(condition_draft(c)),
            },
            Clear::Manual => ClearDraft {
                kind: "manual".to_owned(),
                hysteresis: None,
                duration_s: None,
                repeat: None,
                condition: None,
            },
        };
        let schedule = match &self.schedule {
            Schedule::Always => None,
            Schedule::Weekly { zone, windows } => Some(ScheduleDraft {
                zone: Some(zone.name()),
                windows: windows
                    .iter()
                    .map(|w| WindowDraft {
                        days: w.days().names().into_iter().map(str::to_owned).collect(),
                        start: format_hm(w.start_min()),
                        end: format_hm(w.end_min()),
                    })
                    .collect(),
            }),
        };
        RuleDraft {
            name: self.name.clone(),
            point,
            asset_kind,
            variable: variable.as_str().to_owned(),
            create: self
                .create
                .iter()
                .map(|(s, c)| CreateDraft {
                    severity: s.as_str().to_owned(),
                    condition: condition_draft(c),
                })
                .collect(),
            clear,
            schedule,
            manual_clear: self.manual_clear,
        }
    }
}

fn format_hm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn spec_draft(s: Spec) -> (Option<i64>, Option<i64>) {
    match s {
        Spec::Simple => (None, None),
        Spec::Duration { seconds } => (Some(i64::from(seconds)), None),
        Spec::Repeating { count } => (None, Some(i64::from(count))),
    }
}

fn value_draft(v: &Value) -> ValueDraft {
    match v {
        Value::Const(x) => ValueDraft::Number(*x),
        Value::Attribute { name, factor } => ValueDraft::Attribute {
            attribute: name.clone(),
            factor: Some(*factor),
        },
    }
}

fn condition_draft(c: &Condition) -> ConditionDraft {
    let mut d = ConditionDraft::default();
    let cmp = |d: &mut ConditionDraft, c: &Comparison| match c {
        Comparison::Above(v) => d.above = Some(value_draft(v)),
        Comparison::Below(v) => d.below = Some(value_draft(v)),
        Comparison::Outside { low, high } => {
            d.outside = Some(vec![value_draft(low), value_draft(high)]);
        }
    };
    match &c.predicate {
        Predicate::Threshold(x) => {
            d.kind = "threshold".to_owned();
            cmp(&mut d, x);
        }
        Predicate::Rate { per_hour, window_s } => {
            d.kind = "rate".to_owned();
            cmp(&mut d, per_hour);
            d.window_s = Some(i64::from(*window_s));
        }
        Predicate::NoData { seconds } => {
            d.kind = "no_data".to_owned();
            d.seconds = Some(i64::from(*seconds));
        }
        Predicate::Event(set) => {
            d.kind = "event".to_owned();
            d.events = set.iter().map(|k| k.as_str().to_owned()).collect();
        }
        Predicate::Anomaly {
            detector,
            min_score,
        } => {
            d.kind = "anomaly".to_owned();
            d.detector.clone_from(detector);
            d.min_score = *min_score;
        }
    }
    (d.duration_s, d.repeat) = spec_draft(c.spec);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold_below(x: f64) -> ConditionDraft {
        ConditionDraft {
            kind: "threshold".to_owned(),
            below: Some(ValueDraft::Number(x)),
            ..ConditionDraft::default()
        }
    }

    fn base() -> RuleDraft {
        RuleDraft {
            name: "nivel_bajo".to_owned(),
            point: Some("OB-0101-001".to_owned()),
            variable: "level".to_owned(),
            create: vec![
                CreateDraft {
                    severity: "major".to_owned(),
                    condition: threshold_below(8.0),
                },
                CreateDraft {
                    severity: "critical".to_owned(),
                    condition: ConditionDraft {
                        duration_s: Some(600),
                        ..threshold_below(5.0)
                    },
                },
            ],
            clear: ClearDraft {
                hysteresis: Some(0.5),
                ..ClearDraft::default()
            },
            schedule: Some(ScheduleDraft {
                zone: None,
                windows: vec![WindowDraft {
                    days: vec!["mon".to_owned(), "fri".to_owned()],
                    start: "22:00".to_owned(),
                    end: "06:00".to_owned(),
                }],
            }),
            ..RuleDraft::default()
        }
    }

    fn errors(d: &RuleDraft) -> Vec<String> {
        d.validate()
            .unwrap_err()
            .errors
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_good_rule_validates_most_severe_first_and_round_trips_its_draft() {
        let r = base().validate().unwrap();
        assert_eq!(r.create()[0].0, Severity::Critical);
        assert_eq!(r.create()[1].0, Severity::Major);
        assert_eq!(r.create()[0].1.spec, Spec::Duration { seconds: 600 });
        assert_eq!(r.to_draft().validate().unwrap(), r);
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let mut d = base();
        d.name = "Nivel Bajo".to_owned();
        d.variable = "levle".to_owned();
        d.create[0].severity = "critcal".to_owned();
        d.create[1].condition.duration_s = Some(0);
        let got = errors(&d);
        assert_eq!(
            got,
            vec![
                "name: `Nivel Bajo` may hold only lowercase letters, digits, `_`, `-` and `.`",
                "variable: unknown variable `levle`: expected one of flow, total, level, pulses, temperature, pressure, ph, conductivity, turbidity, pump_state, motor_current, run_hours, starts",
                "create[0].severity: unknown severity `critcal`: expected one of critical, major, minor, warning, indeterminate",
                "create[1].duration_s: must be between 1 and 2592000 seconds, got 0",
            ]
        );
        assert!(
            d.validate()
                .unwrap_err()
                .to_string()
                .starts_with("invalid alarm rule: name: ")
        );
    }

    #[test]
    fn one_create_rule_per_severity() {
        let mut d = base();
        d.create[1].severity = "major".to_owned();
        assert_eq!(
            errors(&d),
            vec!["create[1].severity: `major` has a create rule already: one per severity"]
        );
        d.create.clear();
        assert_eq!(errors(&d), vec!["create: needs at least one create rule"]);
    }

    #[test]
    fn target_needs_exactly_one_of_point_and_asset_kind() {
        let mut d = base();
        d.asset_kind = Some("pump".to_owned());
        assert_eq!(
            errors(&d),
            vec!["point: give exactly one of `point` and `asset_kind`"]
        );
        d.point = None;
        d.asset_kind = Some("bomba".to_owned());
        assert_eq!(
            errors(&d),
            vec![
                "asset_kind: unknown asset kind `bomba`: expected one of well, pump, motor, flow_meter, level_sensor, gateway, other"
            ]
        );
    }

    #[test]
    fn condition_fields_are_checked_against_their_kind() {
        let mut d = base();
        d.create[0].condition = ConditionDraft {
            kind: "no_data".to_owned(),
            seconds: Some(300),
            duration_s: Some(60),
            ..ConditionDraft::default()
        };
        d.create[1].condition = ConditionDraft {
            kind: "threshold".to_owned(),
            above: Some(ValueDraft::Number(1.0)),
            below: Some(ValueDraft::Number(0.0)),
            ..ConditionDraft::default()
        };
        d.clear.hysteresis = None;
        assert_eq!(
            errors(&d),
            vec![
                "create[0].duration_s: does not apply to a `no_data` condition: raise `seconds` instead",
                "create[1].above: a `threshold` condition needs exactly one of `above`, `below` and `outside`",
            ]
        );
    }

    #[test]
    fn ranges_rates_events_and_anomalies_are_validated() {
        let mut d = base();
        d.clear.hysteresis = None;
        d.create[0].condition = ConditionDraft {
            kind: "threshold".to_owned(),
            outside: Some(vec![ValueDraft::Number(5.0), ValueDraft::Number(5.0)]),
            ..ConditionDraft::default()
        };
        d.create[1].condition = ConditionDraft {
            kind: "rate".to_owned(),
            below: Some(ValueDraft::Number(-2.0)),
            window_s: Some(30),
            ..ConditionDraft::default()
        };
        assert_eq!(
            errors(&d),
            vec![
                "create[0].outside: low 5 must be below high 5",
                "create[1].window_s: must be between 60 and 2592000 seconds, got 30",
            ]
        );
        d.create[0].condition = ConditionDraft {
            kind: "event".to_owned(),
            events: vec!["dry_run".to_owned(), "dryrun".to_owned()],
            ..ConditionDraft::default()
        };
        d.create[1].condition = ConditionDraft {
            kind: "anomaly".to_owned(),
            min_score: Some(-1.0),
            repeat: Some(3),
            ..ConditionDraft::default()
        };
        let got = errors(&d);
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("create[0].events[1]: unknown event `dryrun`: expected one of dry_run, motor_overcurrent"));
        assert_eq!(
            got[1],
            "create[1].min_score: must be a finite number of at least 0, got -1"
        );
    }

    #[test]
    fn hysteresis_needs_a_threshold_to_move() {
        let mut d = base();
        d.create = vec![CreateDraft {
            severity: "critical".to_owned(),
            condition: ConditionDraft {
                kind: "no_data".to_owned(),
                seconds: Some(600),
                ..ConditionDraft::default()
            },
        }];
        assert_eq!(
            errors(&d),
            vec![
                "clear.hysteresis: applies only to threshold and rate conditions, and no create rule has one"
            ]
        );
        d.clear = ClearDraft {
            kind: "manual".to_owned(),
            ..ClearDraft::default()
        };
        let r = d.validate().unwrap();
        assert!(
            r.manual_clear(),
            "a manual clear rule allows clearing by hand"
        );
        d.clear.kind = "sometimes".to_owned();
        assert_eq!(
            errors(&d),
            vec!["clear.kind: unknown clear kind `sometimes`: expected auto, condition or manual"]
        );
    }

    #[test]
    fn schedules_are_validated_field_by_field() {
        let mut d = base();
        d.schedule = Some(ScheduleDraft {
            zone: Some("Chile/Nowhere".to_owned()),
            windows: vec![WindowDraft {
                days: vec!["lun".to_owned()],
                start: "8:00".to_owned(),
                end: "24:00".to_owned(),
            }],
        });
        assert_eq!(
            errors(&d),
            vec![
                "schedule.zone: unknown time zone `Chile/Nowhere`: expected an IANA name such as America/Santiago, or an offset such as -04:00",
                "schedule.windows[0].days[0]: unknown day `lun`: expected mon, tue, wed, thu, fri, sat or sun",
                "schedule.windows[0].start: `8:00` is not a time HH:MM from 00:00 to 23:59",
            ]
        );
        d.schedule = Some(ScheduleDraft {
            zone: None,
            windows: vec![WindowDraft {
                days: vec!["mon".to_owned()],
                start: "08:00".to_owned(),
                end: "08:00".to_owned(),
            }],
        });
        assert_eq!(
            errors(&d),
            vec!["schedule.windows[0].end: must differ from start"]
        );
    }

    #[test]
    fn rule_sets_need_unique_names_and_prefix_paths() {
        let a = base();
        let mut b = base();
        b.variable = "nope".to_owned();
        let err = validate_rules(&[a.clone(), b]).unwrap_err();
        let got: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            got[0],
            "rules[1].name: `nivel_bajo` is the name of an earlier rule: names are unique"
        );
        assert!(got[1].starts_with("rules[1].variable: unknown variable `nope`"));
        assert_eq!(validate_rules(&[a]).unwrap().len(), 1);
    }

    #[test]
    fn attribute_values_need_a_name_and_a_usable_factor() {
        let mut d = base();
        d.clear.hysteresis = None;
        d.create[0].condition = ConditionDraft {
            kind: "threshold".to_owned(),
            above: Some(ValueDraft::Attribute {
                attribute: String::new(),
                factor: Some(0.0),
            }),
            ..ConditionDraft::default()
        };
        assert_eq!(
            errors(&d),
            vec![
                "create[0].above.attribute: must not be empty",
                "create[0].above.factor: must be a finite number other than 0, got 0",
            ]
        );
    }
}
