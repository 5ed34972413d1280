//! The job registry the domains register into, typed job parameters, and the
//! per-tick scheduler state.
//!
//! A job is declared once with [`JobSpec`]: a name (`[a-z0-9_]`, at most 64
//! characters), a schedule, the parameters it accepts with their defaults,
//! its catch-up policy and its lease policy. A manual trigger (API or CLI)
//! supplies parameters as a JSON object; the API converts the JSON values to
//! [`ParamValue`]s and [`JobSpec::resolve_params`] checks them against the
//! declaration: unknown names and wrong types are refused, missing ones take
//! their defaults.
//!
//! [`Scheduler`] keeps, per job, the next scheduled time, so a tick costs one
//! comparison per job until a job is due; it is rebuilt from the run history
//! at start (the latest recorded scheduled time of each job).

use std::collections::BTreeMap;

use caudal_protocol::UtcMillis;

use super::lease::LeasePolicy;
use super::schedule::{CatchUp, Due, Schedule};

/// Longest job name.
pub const MAX_JOB_NAME: usize = 64;

/// Registry and parameter errors.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JobError {
    /// A name outside `[a-z0-9_]{1,64}`.
    #[error("invalid job name `{0}`: use 1 to 64 characters a-z, 0-9 and _")]
    InvalidName(String),
    /// Two jobs with one name.
    #[error("job `{0}` is already registered")]
    Duplicate(String),
    /// No such job.
    #[error("no job named `{0}`")]
    Unknown(String),
    /// A parameter the job does not declare.
    #[error("job `{job}` has no parameter `{param}` (it takes: {accepted})")]
    UnknownParam {
        /// Job.
        job: String,
        /// The parameter given.
        param: String,
        /// The declared parameters, comma-separated.
        accepted: String,
    },
    /// A parameter of the wrong type.
    #[error("parameter `{param}` of job `{job}` must be {expected}, got {got}")]
    ParamType {
        /// Job.
        job: String,
        /// Parameter.
        param: String,
        /// The declared type.
        expected: &'static str,
        /// The type given.
        got: &'static str,
    },
    /// A parameter declared without a default and not given.
    #[error("job `{job}` needs parameter `{param}`")]
    MissingParam {
        /// Job.
        job: String,
        /// Parameter.
        param: String,
    },
}

/// The type of a job parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// true / false.
    Bool,
    /// A whole number.
    Int,
    /// A number.
    Number,
    /// Text.
    Text,
}

impl ParamKind {
    /// The word in error messages and the API schema.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Bool => "a boolean",
            ParamKind::Int => "an integer",
            ParamKind::Number => "a number",
            ParamKind::Text => "a string",
        }
    }
}

/// A parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Number.
    Number(f64),
    /// Text.
    Text(String),
}

impl ParamValue {
    /// Its type.
    #[must_use]
    pub fn kind(&self) -> ParamKind {
        match self {
            ParamValue::Bool(_) => ParamKind::Bool,
            ParamValue::Int(_) => ParamKind::Int,
            ParamValue::Number(_) => ParamKind::Number,
            ParamValue::Text(_) => ParamKind::Text,
        }
    }
}

/// A declared parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: ParamKind,
    /// Value when not given; `None` makes it required for manual runs and
    /// is not allowed for scheduled jobs.
    pub default: Option<ParamValue>,
    /// One line for the API and `jobs list`.
    pub doc: String,
}

/// Resolved parameters of one run: every declared name with a value.
pub type Params = BTreeMap<String, ParamValue>;

/// A validated job name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobName(String);

impl JobName {
    /// Check a name.
    ///
    /// # Errors
    /// [`JobError::InvalidName`].
    pub fn new(name: &str) -> Result<JobName, JobError> {
        let ok = !name.is_empty()
            && name.len() <= MAX_JOB_NAME
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(JobName(name.to_owned()))
        } else {
            Err(JobError::InvalidName(name.to_owned()))
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job as registered.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    /// Name.
    pub name: JobName,
    /// One line for `jobs list` and the API.
    pub description: String,
    /// When it runs; `None` for jobs that only run on demand.
    pub schedule: Option<Schedule>,
    /// Parameters it accepts.
    pub params: Vec<ParamSpec>,
    /// What happens to times missed during downtime.
    pub catch_up: CatchUp,
    /// Lease length and attempts.
    pub lease: LeasePolicy,
}

impl JobSpec {
    /// A job with a schedule, no parameters and the default policies.
    #[must_use]
    pub fn new(name: JobName, description: &str, schedule: Option<Schedule>) -> JobSpec {
        JobSpec {
            name,
            description: description.to_owned(),
            schedule,
            params: Vec::new(),
            catch_up: CatchUp::default(),
            lease: LeasePolicy::default(),
        }
    }

    /// Declare a parameter.
    pub fn param(&mut self, name: &str, kind: ParamKind, default: Option<ParamValue>, doc: &str) {
        self.params.push(ParamSpec {
            name: name.to_owned(),
            kind,
            default,
            doc: doc.to_owned(),
        });
    }

    /// Check the given parameters (a manual trigger's; empty for a scheduled
    /// run) and fill in defaults. An integer is accepted where a number is
    /// declared.
    ///
    /// # Errors
    /// [`JobError::UnknownParam`], [`JobError::ParamType`], [`JobError::MissingParam`].
    pub fn resolve_params(&self, given: &Params) -> Result<Params, JobError> {
        let job = self.name.as_str().to_owned();
        for (name, value) in given {
            let Some(spec) = self.params.iter().find(|p| &p.name == name) else {
                return Err(JobError::UnknownParam {
                    job,
                    param: name.clone(),
                    accepted: if self.params.is_empty() {
                        "none".to_owned()
                    } else {
                        self.params
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            };
            let fits = value.kind() == spec.kind
                || (spec.kind == ParamKind::Number && value.kind() == ParamKind::Int);
            if !fits {
                return Err(JobError::ParamType {
                    job,
                    param: name.clone(),
                    expected: spec.kind.as_str(),
                    got: value.kind().as_str(),
                });
            }
        }
        let mut out = Params::new();
        for spec in &self.params {
            let value = match (given.get(&spec.name), &spec.default) {
                // Beyond 2^53 an integer loses precision, as any JSON number does.
                (Some(ParamValue::Int(i)), _) if spec.kind == ParamKind::Number => {
                    ParamValue::Number(*i as f64)
                }
                (Some(v), _) => v.clone(),
                (None, Some(d)) => d.clone(),
                (None, None) => {
                    return Err(JobError::MissingParam {
                        job,
                        param: spec.name.clone(),
                    });
                }
            };
            out.insert(spec.name.clone(), value);
        }
        Ok(out)
    }
}

/// Every job of the collector, by name.
#[derive(Clone, Debug, Default)]
pub struct JobRegistry {
    jobs: BTreeMap<JobName, JobSpec>,
}

impl JobRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new() -> JobRegistry {
        JobRegistry::default()
    }

    /// Register a job.
    ///
    /// # Errors
    /// [`JobError::Duplicate`]; [`JobError::MissingParam`] for a scheduled
    /// job with a parameter that has no default.
    pub fn register(&mut self, spec: JobSpec) -> Result<(), JobError> {
        if self.jobs.contains_key(&spec.name) {
            return Err(JobError::Duplicate(spec.name.to_string()));
        }
        if spec.schedule.is_some()
            && let Some(p) = spec.params.iter().find(|p| p.default.is_none())
        {
            return Err(JobError::MissingParam {
                job: spec.name.to_string(),
                param: p.name.clone(),
            });
        }
        self.jobs.insert(spec.name.clone(), spec);
        Ok(())
    }

    /// A job by name.
    ///
    /// # Errors
    /// [`JobError::Unknown`].
    pub fn get(&self, name: &str) -> Result<&JobSpec, JobError> {
        self.jobs
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
            .ok_or_else(|| JobError::Unknown(name.to_owned()))
    }

    /// Every job, by name.
    pub fn iter(&self) -> impl Iterator<Item = &JobSpec> {
        self.jobs.values()
    }

    /// Number of jobs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether no job is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

/// A scheduled time that is due, as [`Scheduler::tick`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueRun {
    /// The job.
    pub job: JobName,
    /// What [`Schedule::due`] decided.
    pub due: Due,
}

#[derive(Clone, Debug)]
struct Entry {
    name: JobName,
    schedule: Schedule,
    catch_up: CatchUp,
    /// The latest scheduled time recorded or handed out.
    after: UtcMillis,
    /// The first scheduled time after `after`: nothing is due before it.
    next: Option<UtcMillis>,
}

/// Per-replica scheduling state: which job is due at a tick.
///
/// Every replica runs one; they agree because they compute the same times
/// from the same history, and the lease decides who runs each.
#[derive(Clone, Debug, Default)]
pub struct Scheduler {
    entries: Vec<Entry>,
}

impl Scheduler {
    /// State for the scheduled jobs of a registry. `last_scheduled(name)`
    /// is the latest scheduled time in the run history of that job, or
    /// `None`; then `registered_at` (the first start of a collector with this
    /// job) is used, so a new job does not run for times before it existed.
    pub fn new(
        registry: &JobRegistry,
        registered_at: UtcMillis,
        mut last_scheduled: impl FnMut(&str) -> Option<UtcMillis>,
    ) -> Scheduler {
        let entries = registry
            .iter()
            .filter_map(|spec| {
                let schedule = spec.schedule.clone()?;
                let after = last_scheduled(spec.name.as_str()).unwrap_or(registered_at);
                Some(Entry {
                    name: spec.name.clone(),
                    next: schedule.next_after(after),
                    schedule,
                    catch_up: spec.catch_up,
                    after,
                })
            })
            .collect();
        Scheduler { entries }
    }

    /// The jobs due at `now`, each with the one scheduled time to run (or
    /// skip). Each time is handed out once; it should then be claimed (see
    /// [`super::lease`]).
    pub fn tick(&mut self, now: UtcMillis) -> Vec<DueRun> {
        let mut out = Vec::new();
        for e in &mut self.entries {
            let n = match e.next {
                Some(n) if n <= now => n,
                _ => continue,
            };
            // Fast path (one croner search): `n` is the only time due.
            let after_n = e.schedule.next_after(n);
            if after_n.is_none_or(|a| a > now) {
                let late = match e.catch_up {
                    CatchUp::Skip { grace_ms } => now.0 - n.0 > grace_ms,
                    CatchUp::Once => false,
                };
                e.after = n;
                e.next = after_n;
                out.push(DueRun {
                    job: e.name.clone(),
                    due: Due {
                        run: (!late).then_some(n),
                        skipped: late.then_some(n),
                        missed: 0,
                    },
                });
                continue;
            }
            let due = e.schedule.due(e.after, now, e.catch_up);
            if let Some(t) = due.run.or(due.skipped) {
                e.after = t;
                out.push(DueRun {
                    job: e.name.clone(),
                    due,
                });
            }
            e.next = e.schedule.next_after(std::cmp::max(e.after, now));
        }
        out
    }

    /// Another replica recorded a later scheduled time for a job (read from
    /// the history): do not hand out anything up to it.
    pub fn observe(&mut self, job: &str, scheduled_at: UtcMillis) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.name.as_str() == job)
            && scheduled_at > e.after
        {
            e.after = scheduled_at;
            e.next = e.schedule.next_after(scheduled_at);
        }
    }

    /// The earliest next scheduled time of any job: a driver can sleep until then.
    #[must_use]
    pub fn next_wakeup(&self) -> Option<UtcMillis> {
        self.entries.iter().filter_map(|e| e.next).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SECOND_MS, Zone};

    fn job(name: &str, expr: &str) -> JobSpec {
        JobSpec::new(
            JobName::new(name).unwrap(),
            "test",
            Some(Schedule::parse(expr, Zone::UTC).unwrap()),
        )
    }

    #[test]
    fn names_are_checked() {
        assert!(JobName::new("file_dga").is_ok());
        for bad in ["", "File", "a-b", "x y", &"a".repeat(65)] {
            assert_eq!(
                JobName::new(bad),
                Err(JobError::InvalidName(bad.to_owned()))
            );
        }
    }

    #[test]
    fn registering_twice_is_refused() {
        let mut r = JobRegistry::new();
        r.register(job("retention", "0 3 * * *")).unwrap();
        assert_eq!(
            r.register(job("retention", "0 4 * * *")),
            Err(JobError::Duplicate("retention".to_owned()))
        );
        assert_eq!(r.len(), 1);
        assert_eq!(
            r.get("nope").unwrap_err().to_string(),
            "no job named `nope`"
        );
    }

    #[test]
    fn manual_parameters_are_checked_and_defaulted() {
        let mut spec = job("retention", "0 3 * * *");
        spec.param(
            "keep_days",
            ParamKind::Int,
            Some(ParamValue::Int(400)),
            "days of raw readings kept",
        );
        spec.param(
            "fraction",
            ParamKind::Number,
            Some(ParamValue::Number(1.0)),
            "",
        );
        let mut given = Params::new();
        given.insert("fraction".to_owned(), ParamValue::Int(2));
        let p = spec.resolve_params(&given).unwrap();
        assert_eq!(p["keep_days"], ParamValue::Int(400));
        assert_eq!(p["fraction"], ParamValue::Number(2.0));

        given.insert("keep_days".to_owned(), ParamValue::Text("x".to_owned()));
        assert_eq!(
            spec.resolve_params(&given).unwrap_err().to_string(),
            "parameter `keep_days` of job `retention` must be an integer, got a string"
        );
        let mut unknown = Params::new();
        unknown.insert("days".to_owned(), ParamValue::Int(1));
        assert_eq!(
            spec.resolve_params(&unknown).unwrap_err().to_string(),
            "job `retention` has no parameter `days` (it takes: keep_days, fraction)"
        );
    }

    #[test]
    fn a_scheduled_job_needs_defaults_for_all_parameters() {
        let mut spec = job("report", "0 6 * * 1");
        spec.param("site", ParamKind::Text, None, "");
        assert!(matches!(
            JobRegistry::new().register(spec),
            Err(JobError::MissingParam { .. })
        ));
    }

    #[test]
    fn the_scheduler_hands_out_each_time_once_and_resumes_from_history() {
        let mut r = JobRegistry::new();
        r.register(job("every_second", "* * * * * *")).unwrap();
        r.register(job("hourly", "0 * * * *")).unwrap();
        let start = UtcMillis(1_767_225_600_000); // 2026-01-01 00:00:00 UTC
        let mut s = Scheduler::new(&r, start, |_| None);
        let mut seen = Vec::new();
        for k in 1..=5 {
            let now = UtcMillis(start.0 + k * SECOND_MS);
            for d in s.tick(now) {
                seen.push((d.job.to_string(), d.due.run.unwrap()));
            }
            // A second tick at the same instant hands out nothing.
            assert!(s.tick(now).is_empty());
        }
        assert_eq!(seen.len(), 5);
        assert!(seen.iter().all(|(j, _)| j == "every_second"));
        // Restart: history says every_second last ran at +5 s.
        let mut s2 = Scheduler::new(&r, start, |name| {
            (name == "every_second").then_some(UtcMillis(start.0 + 5 * SECOND_MS))
        });
        let due = s2.tick(UtcMillis(start.0 + 3_600 * SECOND_MS));
        let names: Vec<_> = due.iter().map(|d| d.job.as_str()).collect();
        assert_eq!(names, vec!["every_second", "hourly"]);
        let every = &due[0].due;
        assert_eq!(every.run, Some(UtcMillis(start.0 + 3_600 * SECOND_MS)));
        assert_eq!(every.missed, crate::jobs::MISSED_COUNT_CAP);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// The scheduler's fast path hands out exactly what `Schedule::due`
        /// decides, tick after tick, whatever the gaps between ticks.
        #[test]
        fn the_scheduler_agrees_with_schedule_due(
            gaps in proptest::collection::vec(0..3_600_000i64, 1..30),
            skip in proptest::prelude::any::<bool>(),
        ) {
            let catch_up = if skip { CatchUp::Skip { grace_ms: 600_000 } } else { CatchUp::Once };
            let mut r = JobRegistry::new();
            for (name, expr) in [("a", "*/7 * * * * *"), ("b", "0 */15 * * * *"), ("c", "0 0 * * *"), ("d", "30 7 * * 1")] {
                let mut spec = JobSpec::new(
                    JobName::new(name).unwrap(),
                    "",
                    Some(Schedule::parse(expr, crate::Zone::SANTIAGO).unwrap()),
                );
                spec.catch_up = catch_up;
                r.register(spec).unwrap();
            }
            let start = UtcMillis(1_775_304_000_000);
            let mut s = Scheduler::new(&r, start, |_| None);
            let mut after: BTreeMap<String, UtcMillis> =
                r.iter().map(|j| (j.name.to_string(), start)).collect();
            let mut now = start;
            for g in gaps {
                now = UtcMillis(now.0 + g);
                let got = s.tick(now);
                for spec in r.iter() {
                    let name = spec.name.to_string();
                    let want = spec.schedule.as_ref().unwrap().due(after[&name], now, catch_up);
                    let handed = got.iter().find(|d| d.job.as_str() == name).map(|d| d.due);
                    if want.run.is_none() && want.skipped.is_none() {
                        proptest::prop_assert_eq!(handed, None);
                    } else {
                        proptest::prop_assert_eq!(handed, Some(want));
                        after.insert(name, want.run.or(want.skipped).unwrap());
                    }
                }
            }
        }
    }

    #[test]
    fn observing_another_replicas_run_suppresses_it_here() {
        let mut r = JobRegistry::new();
        r.register(job("hourly", "0 * * * *")).unwrap();
        let start = UtcMillis(1_767_225_600_000);
        let mut s = Scheduler::new(&r, start, |_| None);
        s.observe("hourly", UtcMillis(start.0 + 3_600_000));
        assert!(s.tick(UtcMillis(start.0 + 3_600_000)).is_empty());
        assert_eq!(s.next_wakeup(), Some(UtcMillis(start.0 + 7_200_000)));
    }
}
