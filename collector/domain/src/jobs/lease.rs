//! Leases: how one scheduled time runs once across any number of replicas.
//!
//! Every scheduled time of a job is one row of the run history, keyed by
//! `(job, scheduled_at)`. This module decides each transition of that row as
//! a pure function; the store executes the same decision in one statement
//! whose `WHERE` clause is [`claimable`], so the database arbitrates races:
//!
//! ```text
//! -- create the row once (every replica may try; the key makes it one row)
//! INSERT INTO job_runs (job, scheduled_at, status, attempts, lease_until)
//!   VALUES ($job, $t, 'running', 0, -9223372036854775808) ON CONFLICT DO NOTHING;
//! -- take it (claim): at most one replica gets a row back
//! UPDATE job_runs SET owner = $me, attempts = attempts + 1,
//!        lease_until = $now + $ttl, started_at = $now
//!  WHERE job = $job AND scheduled_at = $t AND status = 'running'
//!    AND lease_until < $now AND attempts < $max_attempts
//!  RETURNING attempts;
//! ```
//!
//! # States of a run row
//!
//! ```text
//!            claim (lease_until < now, attempts < max)
//!  created ──────────────────────────────▶ running(owner, lease_until, attempt n)
//!                                           │  renew (owner, lease_until >= now)
//!                                           │  finish (owner) ──▶ ok | failed | skipped
//!                                           │  lease expires, attempts < max ──▶ claimable again
//!                                           └  lease expires, attempts = max ──▶ failed (give_up)
//! ```
//!
//! - A replica holds the lease for `ttl_ms` and renews it while the run lasts
//!   (every `ttl_ms / 3` is a good rhythm); a replica that dies stops renewing.
//! - A lease held by a dead replica expires; the run is then retried once by
//!   whichever replica claims it first ([`LeasePolicy::max_attempts`] = 2 by
//!   default). When the retry's lease expires too, [`give_up`] records the
//!   run as failed with [`LEASE_EXPIRED`] in its error.
//! - Only the owner of record may finish a run. A replica whose lease expired
//!   and was taken over learns it from [`finish`] ([`LeaseLost`]) and
//!   records nothing.
//! - A job therefore runs at least once and at most `max_attempts` times per
//!   scheduled time, and its outcome is recorded exactly once. Jobs whose
//!   effect must not repeat write it idempotently (the compliance ledger, the
//!   notification outbox).

use std::num::NonZeroU32;

use caudal_protocol::UtcMillis;

use crate::MINUTE_MS;

/// The error recorded when the last attempt's lease expired.
pub const LEASE_EXPIRED: &str = "lease expired: the replica running it stopped renewing";

/// How long a lease lasts and how often a run is attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeasePolicy {
    /// Lease length, ms. The owner renews before it ends.
    pub ttl_ms: i64,
    /// Attempts per scheduled time: 2 = the first and one retry after a lost lease.
    pub max_attempts: NonZeroU32,
}

impl Default for LeasePolicy {
    /// A two-minute lease, retried once.
    fn default() -> LeasePolicy {
        LeasePolicy {
            ttl_ms: 2 * MINUTE_MS,
            max_attempts: NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// What started a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The schedule.
    Schedule,
    /// A person, through the API or the CLI; `by` is the user name.
    Manual {
        /// Who asked.
        by: String,
    },
}

/// Status of a run in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Created or leased, not finished.
    Running,
    /// Finished successfully.
    Ok,
    /// Finished with an error, or abandoned after its last lease expired.
    Failed,
    /// Not run (a time missed beyond the catch-up grace, or a job that found nothing to do).
    Skipped,
}

impl RunStatus {
    /// The spelling in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }

    /// Parse [`RunStatus::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<RunStatus> {
        [
            RunStatus::Running,
            RunStatus::Ok,
            RunStatus::Failed,
            RunStatus::Skipped,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Whether the run is over.
    #[must_use]
    pub fn is_final(self) -> bool {
        self != RunStatus::Running
    }
}

/// How a run ended, as the job reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Done; the summary is shown in the history ("deleted 12000 readings").
    Ok {
        /// One line for people.
        summary: String,
    },
    /// Failed; the error is shown in the history and raises a `job_failed` notification.
    Failed {
        /// What went wrong.
        error: String,
    },
    /// Nothing to do, or not run.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl RunOutcome {
    /// The status it records.
    #[must_use]
    pub fn status(&self) -> RunStatus {
        match self {
            RunOutcome::Ok { .. } => RunStatus::Ok,
            RunOutcome::Failed { .. } => RunStatus::Failed,
            RunOutcome::Skipped { .. } => RunStatus::Skipped,
        }
    }
}

/// One row of the run history: one scheduled (or manual) time of one job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRow {
    /// Job name.
    pub job: String,
    /// The scheduled time (for a manual run: the time it was asked for).
    pub scheduled_at: UtcMillis,
    /// What started it.
    pub trigger: Trigger,
    /// Status.
    pub status: RunStatus,
    /// Attempts so far (claims won).
    pub attempts: u32,
    /// Replica holding or last holding the lease.
    pub owner: Option<String>,
    /// End of the current lease; `UtcMillis(i64::MIN)` before the first claim.
    pub lease_until: UtcMillis,
    /// Start of the latest attempt.
    pub started_at: Option<UtcMillis>,
    /// When it finished.
    pub finished_at: Option<UtcMillis>,
    /// Summary of an `ok` run, or the reason of a skipped one.
    pub summary: Option<String>,
    /// Error of a failed run.
    pub error: Option<String>,
}

impl RunRow {
    /// A row as created, before any claim (the `INSERT ... ON CONFLICT DO NOTHING`).
    #[must_use]
    pub fn new(job: &str, scheduled_at: UtcMillis, trigger: Trigger) -> RunRow {
        RunRow {
            job: job.to_owned(),
            scheduled_at,
            trigger,
            status: RunStatus::Running,
            attempts: 0,
            owner: None,
            lease_until: UtcMillis(i64::MIN),
            started_at: None,
            finished_at: None,
            summary: None,
            error: None,
        }
    }

    /// A row recording a scheduled time that was not run ([`crate::jobs::Due::skipped`]).
    #[must_use]
    pub fn skipped(job: &str, scheduled_at: UtcMillis, now: UtcMillis, reason: &str) -> RunRow {
        RunRow {
            status: RunStatus::Skipped,
            finished_at: Some(now),
            summary: Some(reason.to_owned()),
            ..RunRow::new(job, scheduled_at, Trigger::Schedule)
        }
    }
}

/// A replica tried to renew or finish a run it no longer owns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("replica `{replica}` no longer holds the lease of job `{job}` at {scheduled_at_ms} ms")]
pub struct LeaseLost {
    /// The replica.
    pub replica: String,
    /// The job.
    pub job: String,
    /// The scheduled time.
    pub scheduled_at_ms: i64,
}

/// The `WHERE` clause of the claim: running, lease expired, attempts left.
#[must_use]
pub fn claimable(row: &RunRow, now: UtcMillis, policy: LeasePolicy) -> bool {
    row.status == RunStatus::Running
        && row.lease_until < now
        && row.attempts < policy.max_attempts.get()
}

/// The claim: the row as the `UPDATE ... RETURNING` leaves it, or `None`
/// when the replica does not get it.
#[must_use]
pub fn claim(row: &RunRow, replica: &str, now: UtcMillis, policy: LeasePolicy) -> Option<RunRow> {
    claimable(row, now, policy).then(|| RunRow {
        owner: Some(replica.to_owned()),
        attempts: row.attempts + 1,
        lease_until: UtcMillis(now.0.saturating_add(policy.ttl_ms)),
        started_at: Some(now),
        ..row.clone()
    })
}

fn owns(row: &RunRow, replica: &str) -> bool {
    row.status == RunStatus::Running && row.owner.as_deref() == Some(replica)
}

fn lost(row: &RunRow, replica: &str) -> LeaseLost {
    LeaseLost {
        replica: replica.to_owned(),
        job: row.job.clone(),
        scheduled_at_ms: row.scheduled_at.0,
    }
}

/// Extend the lease of a run the replica holds (`WHERE owner = $me AND
/// status = 'running' AND lease_until >= $now`).
///
/// # Errors
/// [`LeaseLost`] when the lease already expired or another replica holds it.
pub fn renew(
    row: &RunRow,
    replica: &str,
    now: UtcMillis,
    policy: LeasePolicy,
) -> Result<RunRow, LeaseLost> {
    if owns(row, replica) && row.lease_until >= now {
        Ok(RunRow {
            lease_until: UtcMillis(now.0.saturating_add(policy.ttl_ms)),
            ..row.clone()
        })
    } else {
        Err(lost(row, replica))
    }
}

/// Record the outcome (`WHERE owner = $me AND status = 'running'`). A run
/// whose lease expired but that nobody took over is still recorded: it did
/// finish.
///
/// # Errors
/// [`LeaseLost`] when another replica took the run over, or it is finished.
pub fn finish(
    row: &RunRow,
    replica: &str,
    now: UtcMillis,
    outcome: RunOutcome,
) -> Result<RunRow, LeaseLost> {
    if !owns(row, replica) {
        return Err(lost(row, replica));
    }
    let status = outcome.status();
    let (summary, error) = match outcome {
        RunOutcome::Ok { summary } => (Some(summary), None),
        RunOutcome::Failed { error } => (None, Some(error)),
        RunOutcome::Skipped { reason } => (Some(reason), None),
    };
    Ok(RunRow {
        status,
        finished_at: Some(now),
        summary,
        error,
        ..row.clone()
    })
}

/// Abandon a run whose last attempt's lease expired (`WHERE status =
/// 'running' AND lease_until < $now AND attempts >= $max_attempts`): it is
/// recorded as failed with [`LEASE_EXPIRED`]. `None` when the rule does not apply.
#[must_use]
pub fn give_up(row: &RunRow, now: UtcMillis, policy: LeasePolicy) -> Option<RunRow> {
    (row.status == RunStatus::Running
        && row.lease_until < now
        && row.attempts >= policy.max_attempts.get())
    .then(|| RunRow {
        status: RunStatus::Failed,
        finished_at: Some(now),
        error: Some(format!(
            "{LEASE_EXPIRED} (attempt {} of {})",
            row.attempts, policy.max_attempts
        )),
        ..row.clone()
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const P: LeasePolicy = LeasePolicy {
        ttl_ms: 10_000,
        max_attempts: NonZeroU32::new(2).unwrap(),
    };

    fn row() -> RunRow {
        RunRow::new("retention", UtcMillis(1_000), Trigger::Schedule)
    }

    #[test]
    fn one_replica_takes_a_fresh_row_and_the_other_is_refused() {
        let r = claim(&row(), "a", UtcMillis(1_000), P).unwrap();
        assert_eq!(r.owner.as_deref(), Some("a"));
        assert_eq!(r.attempts, 1);
        assert_eq!(r.lease_until, UtcMillis(11_000));
        assert_eq!(claim(&r, "b", UtcMillis(5_000), P), None);
        // At the lease's last millisecond it is still held.
        assert_eq!(claim(&r, "b", UtcMillis(11_000), P), None);
    }

    #[test]
    fn a_lease_held_by_a_dead_replica_expires_and_the_run_is_retried_once() {
        let a = claim(&row(), "a", UtcMillis(1_000), P).unwrap();
        // `a` dies. After expiry `b` retries.
        let b = claim(&a, "b", UtcMillis(11_001), P).unwrap();
        assert_eq!(b.attempts, 2);
        assert_eq!(b.owner.as_deref(), Some("b"));
        // `a` comes back and cannot record anything.
        assert!(
            finish(
                &b,
                "a",
                UtcMillis(12_000),
                RunOutcome::Ok {
                    summary: String::new()
                }
            )
            .is_err()
        );
        // `b` dies too: no third attempt; the run is abandoned as failed.
        assert_eq!(claim(&b, "c", UtcMillis(30_000), P), None);
        let failed = give_up(&b, UtcMillis(30_000), P).unwrap();
        assert_eq!(failed.status, RunStatus::Failed);
        assert_eq!(
            failed.error.as_deref(),
            Some("lease expired: the replica running it stopped renewing (attempt 2 of 2)")
        );
        assert_eq!(give_up(&failed, UtcMillis(40_000), P), None);
    }

    #[test]
    fn renewing_keeps_a_long_run_owned() {
        let mut r = claim(&row(), "a", UtcMillis(1_000), P).unwrap();
        for t in (5_000..60_000).step_by(5_000) {
            r = renew(&r, "a", UtcMillis(t), P).unwrap();
            assert_eq!(claim(&r, "b", UtcMillis(t + 1), P), None);
        }
        let done = finish(
            &r,
            "a",
            UtcMillis(61_000),
            RunOutcome::Ok {
                summary: "deleted 10 readings".to_owned(),
            },
        )
        .unwrap();
        assert_eq!(done.status, RunStatus::Ok);
        assert_eq!(done.summary.as_deref(), Some("deleted 10 readings"));
        assert!(renew(&done, "a", UtcMillis(61_001), P).is_err());
    }

    #[test]
    fn an_expired_lease_cannot_be_renewed_but_can_still_finish() {
        let r = claim(&row(), "a", UtcMillis(1_000), P).unwrap();
        assert!(renew(&r, "a", UtcMillis(11_001), P).is_err());
        let done = finish(
            &r,
            "a",
            UtcMillis(11_002),
            RunOutcome::Failed {
                error: "db down".to_owned(),
            },
        )
        .unwrap();
        assert_eq!(done.status, RunStatus::Failed);
        assert_eq!(done.error.as_deref(), Some("db down"));
    }

    #[test]
    fn run_status_round_trips() {
        for s in [
            RunStatus::Running,
            RunStatus::Ok,
            RunStatus::Failed,
            RunStatus::Skipped,
        ] {
            assert_eq!(RunStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RunStatus::parse("done"), None);
    }

    #[derive(Clone, Debug)]
    enum Step {
        /// Replica tries to claim (and, if it holds the run, renew).
        Tick(usize),
        /// Replica finishes if it holds the run.
        Finish(usize),
        /// Replica dies: it never acts again.
        Die(usize),
        /// Time passes.
        Wait(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..3usize).prop_map(Step::Tick),
            (0..3usize).prop_map(Step::Finish),
            (0..3usize).prop_map(Step::Die),
            (1..25_000i64).prop_map(Step::Wait),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Model test: three replicas race for one scheduled time, dying at
        /// random. The outcome is recorded at most once, there are at most
        /// two attempts, a second attempt starts only after the first lease
        /// expired, and once every replica has stopped the run always ends.
        #[test]
        fn one_scheduled_time_is_recorded_once_whatever_the_interleaving(
            steps in proptest::collection::vec(step(), 1..60)
        ) {
            let mut db = row();
            let mut now = UtcMillis(1_000);
            let mut dead = [false; 3];
            let mut recorded = 0;
            let mut claims: Vec<(UtcMillis, UtcMillis)> = Vec::new();
            for s in steps {
                match s {
                    Step::Wait(ms) => now = UtcMillis(now.0 + ms),
                    Step::Die(r) => dead[r] = true,
                    Step::Tick(r) if !dead[r] => {
                        let me = format!("r{r}");
                        if let Some(next) = claim(&db, &me, now, P) {
                            if let Some(&(_, until)) = claims.last() {
                                prop_assert!(until < now, "taken while leased");
                            }
                            claims.push((now, next.lease_until));
                            db = next;
                        } else if let Ok(next) = renew(&db, &me, now, P) {
                            if let Some(last) = claims.last_mut() { last.1 = next.lease_until; }
                            db = next;
                        } else if let Some(next) = give_up(&db, now, P) {
                            recorded += 1;
                            db = next;
                        }
                    }
                    Step::Finish(r) if !dead[r] => {
                        let me = format!("r{r}");
                        if let Ok(next) = finish(&db, &me, now, RunOutcome::Ok { summary: String::new() }) {
                            recorded += 1;
                            db = next;
                        }
                    }
                    Step::Tick(_) | Step::Finish(_) => {}
                }
                prop_assert!(recorded <= 1);
                prop_assert!(db.attempts <= 2);
            }
            // Everyone left: a janitor (any replica) closes the run after expiry.
            let later = UtcMillis(now.0 + 2 * P.ttl_ms);
            if db.status == RunStatus::Running {
                if let Some(retry) = claim(&db, "janitor", later, P) {
                    db = finish(&retry, "janitor", later, RunOutcome::Ok { summary: String::new() }).unwrap();
                } else {
                    db = give_up(&db, later, P).unwrap();
                }
                recorded += 1;
            }
            prop_assert_eq!(recorded, 1);
            prop_assert!(db.status.is_final());
        }
    }
}
