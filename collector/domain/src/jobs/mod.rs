//! Scheduled jobs: cron schedules in a time zone, due times, leases and the catch-up policy.
//!
//! - [`schedule`]: [`Schedule`] (a croner expression in a [`crate::Zone`],
//!   default America/Santiago), [`Schedule::due`] for the times due in
//!   `(after, now]`, the DST rules and the [`CatchUp`] policy (a missed run
//!   runs once).
//! - [`lease`]: the run-history row ([`RunRow`]) and its transitions
//!   ([`claim`], [`renew`], [`finish`], [`give_up`]) as pure decisions that the
//!   store executes as `UPDATE ... WHERE lease_until < $now RETURNING`; a lease
//!   held by a dead replica expires and the run is retried once.
//! - [`registry`]: [`JobSpec`] and [`JobRegistry`] (name, schedule, typed
//!   parameters), and the per-tick [`Scheduler`].
//!
//! A driver's loop, per replica: `for due in scheduler.tick(now)`, insert the
//! row ([`RunRow::new`] or [`RunRow::skipped`]), [`claim`] it, run the job
//! while renewing the lease, [`finish`] it; periodically [`give_up`] rows
//! whose last lease expired, and re-claim rows whose first lease expired.

pub mod lease;
pub mod registry;
pub mod schedule;

pub use lease::{
    LEASE_EXPIRED, LeaseLost, LeasePolicy, RunOutcome, RunRow, RunStatus, Trigger, claim,
    claimable, finish, give_up, renew,
};
pub use registry::{
    DueRun, JobError, JobName, JobRegistry, JobSpec, MAX_JOB_NAME, ParamKind, ParamSpec,
    ParamValue, Params, Scheduler,
};
pub use schedule::{CatchUp, Due, MISSED_COUNT_CAP, Schedule, ScheduleError};
