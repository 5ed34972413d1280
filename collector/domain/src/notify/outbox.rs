//! The notification outbox's rules: rows, retries with exponential backoff,
//! dead letters, merging of identical messages and per-recipient rate limits.
//!
//! The store keeps one row per message × recipient × channel, committed in
//! the same transaction as the state change that caused it (an alarm raised,
//! an order assigned). Senders drain it; every decision is made here.
//!
//! # Row states
//!
//! ```text
//!  enqueue ──▶ pending(next_attempt_at) ──claim──▶ pending(in flight until now + lease_ms, attempts + 1)
//!                 ▲                                    │ Delivered ─────────▶ sent(receipt)
//!                 │ Retryable, attempts < max           │ Retryable, attempts = max ──▶ dead(last_error)
//!                 └──── next = now + backoff ◀─────────┤ Permanent ─────────▶ dead(last_error)
//!                                                       └ sender died: due again after lease_ms
//! ```
//!
//! - **Claim** ([`claim`]): a pending row whose `next_attempt_at <= now`
//!   is taken by one sender (`UPDATE ... SET attempts = attempts + 1,
//!   next_attempt_at = $now + $lease WHERE id = $id AND status = 'pending'
//!   AND next_attempt_at <= $now RETURNING`). The attempt counts when it is
//!   claimed, so a sender that crashes on a message still brings it nearer
//!   to dead instead of looping forever. A claim is refused by the rate
//!   limit first ([`RateLimit`]): the row is then deferred without counting
//!   an attempt.
//! - **Backoff**: after failed attempt *n* (1-based), the next is at
//!   `now + min(cap_ms, base_ms × 2^(n-1))`, or later when the receiver asked
//!   (`Retry-After`, Telegram's `retry_after`). Defaults: 30 s doubling to a
//!   cap of 1 h, dead after 10 attempts (about 5 h of trying). No jitter: the
//!   senders are few and a deterministic schedule is testable.
//! - **At least once**: a row is marked sent only after the receiver
//!   accepted it; a crash between the two resends it. Each row's id travels
//!   as the delivery id (`X-Caudal-Delivery` on webhooks, `Message-ID` on
//!   e-mail) so receivers that can deduplicate do.
//!
//! # Merging ([`merge`])
//!
//! A new message whose [`super::Event::merge_key`], recipient and target
//! equal those of a row created within `merge_window_ms` (default 10 min) is
//! not enqueued again: if that row is still pending, its `merged` count
//! grows (the message then says "repeated n times"); if it was already sent,
//! the new one is suppressed and counted. Dead rows never absorb messages.
//!
//! # Rate limit ([`RateLimit`])
//!
//! At most `max` messages per recipient and channel in any sliding window of
//! `per_ms` (default 20 per hour). Excess is deferred to the moment the
//! window admits it, never dropped. Messages at least as severe as
//! `except_from` (default `critical`) are not limited.

use std::num::NonZeroU32;

use caudal_protocol::UtcMillis;

use super::event::{ChannelKind, Event};
use super::route::Planned;
use crate::{HOUR_MS, MINUTE_MS, SECOND_MS, Severity, UserId};

/// Retry, merge and claim settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a row is dead.
    pub max_attempts: NonZeroU32,
    /// Wait after the first failure, ms.
    pub base_ms: i64,
    /// Longest wait, ms.
    pub cap_ms: i64,
    /// How long a claimed row stays with its sender, ms (longer than a send's timeout).
    pub lease_ms: i64,
    /// Identical messages within this window merge, ms.
    pub merge_window_ms: i64,
}

impl Default for RetryPolicy {
    /// 10 attempts, 30 s doubling to 1 h, 2 min leases, 10 min merge window.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            base_ms: 30 * SECOND_MS,
            cap_ms: HOUR_MS,
            lease_ms: 2 * MINUTE_MS,
            merge_window_ms: 10 * MINUTE_MS,
        }
    }
}

impl RetryPolicy {
    /// Wait after failed attempt `attempt` (1-based).
    #[must_use]
    pub fn backoff_ms(&self, attempt: u32) -> i64 {
        let shift = std::cmp::min(attempt.saturating_sub(1), 40);
        let wait = std::cmp::min(self.base_ms.saturating_mul(1_i64 << shift), self.cap_ms);
        std::cmp::max(wait, 0)
    }
}

/// What a channel sender reports for one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Accepted by the receiver; `receipt` is its id (SMTP queue id, SMS sid,
    /// Telegram message id, webhook status).
    Delivered {
        /// The receiver's id for the message.
        receipt: String,
    },
    /// Failed in a way that may pass later (network, 5xx, 429, timeouts).
    Retryable {
        /// What happened.
        error: String,
        /// The receiver's own wait, ms (`Retry-After`, `retry_after`).
        retry_after_ms: Option<i64>,
    },
    /// Will never pass as is (bad address, 4xx, auth refused).
    Permanent {
        /// What happened.
        error: String,
    },
}

/// Status of an outbox row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting for its next attempt (or in flight).
    Pending,
    /// Delivered.
    Sent,
    /// Given up.
    Dead,
}

impl OutboxStatus {
    /// The spelling in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Dead => "dead",
        }
    }

    /// Parse [`OutboxStatus::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Dead,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One outbox row as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// Row id (the delivery id).
    pub id: i64,
    /// Recipient (`None` for integration endpoints without a user).
    pub user: Option<UserId>,
    /// Channel.
    pub channel: ChannelKind,
    /// Address on that channel.
    pub address: String,
    /// [`super::Event::merge_key`].
    pub merge_key: String,
    /// Severity of the event.
    pub severity: Severity,
    /// Created.
    pub created_at: UtcMillis,
    /// Status.
    pub status: OutboxStatus,
    /// Attempts claimed so far.
    pub attempts: u32,
    /// Not to be attempted before.
    pub next_attempt_at: UtcMillis,
    /// Identical messages merged into this one.
    pub merged: u32,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// The receiver's receipt.
    pub receipt: Option<String>,
    /// When it was delivered.
    pub sent_at: Option<UtcMillis>,
}

impl OutboxRow {
    /// The row for one planned message of an event (the store assigns `id`).
    #[must_use]
    pub fn enqueue(id: i64, planned: &Planned, event: &Event, now: UtcMillis) -> OutboxRow {
        OutboxRow {
            id,
            user: Some(planned.user),
            channel: planned.target.channel(),
            address: planned.address.clone(),
            merge_key: event.merge_key(),
            severity: event.severity,
            created_at: now,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: std::cmp::max(planned.not_before, now),
            merged: 0,
            last_error: None,
            receipt: None,
            sent_at: None,
        }
    }

    /// Whether a sender may claim it now.
    #[must_use]
    pub fn is_due(&self, now: UtcMillis) -> bool {
        self.status == OutboxStatus::Pending && self.next_attempt_at <= now
    }
}

/// What to do with a new message, given the recent rows of the same
/// recipient, channel and merge key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeDecision {
    /// Enqueue a new row.
    New,
    /// Add one to the `merged` count of this pending row.
    IntoPending(i64),
    /// Drop it: an identical message was sent within the window (row id).
    Suppressed(i64),
}

/// Merge rule (see the module docs). `recent` are rows with the same user,
/// channel, address and merge key; any order.
#[must_use]
pub fn merge(recent: &[OutboxRow], now: UtcMillis, policy: &RetryPolicy) -> MergeDecision {
    let window_start = now.0.saturating_sub(policy.merge_window_ms);
    let in_window = recent
        .iter()
        .filter(|r| r.created_at.0 >= window_start && r.created_at <= now);
    let mut sent = None;
    for r in in_window {
        match r.status {
            OutboxStatus::Pending => return MergeDecision::IntoPending(r.id),
            OutboxStatus::Sent => sent = Some(r.id),
            OutboxStatus::Dead => {}
        }
    }
    sent.map_or(MergeDecision::New, MergeDecision::Suppressed)
}

/// Per-recipient, per-channel rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Messages allowed in any window.
    pub max: NonZeroU32,
    /// Window length, ms.
    pub per_ms: i64,
    /// Messages at least this severe are not limited; `None` limits all.
    pub except_from: Option<Severity>,
}

impl Default for RateLimit {
    /// 20 per hour; critical messages are not limited.
    fn default() -> RateLimit {
        RateLimit {
            max: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            per_ms: HOUR_MS,
            except_from: Some(Severity::Critical),
        }
    }
}

impl RateLimit {
    /// The earliest time a message of `severity` may be sent, given when the
    /// same recipient's messages on the channel were delivered lately (failed
    /// attempts never reached the person and do not count).
    #[must_use]
    pub fn next_allowed(
        &self,
        recent: &[UtcMillis],
        severity: Severity,
        now: UtcMillis,
    ) -> UtcMillis {
        if self.except_from.is_some_and(|e| severity >= e) {
            return now;
        }
        let window_start = now.0.saturating_sub(self.per_ms);
        let mut in_window: Vec<i64> = recent
            .iter()
            .map(|t| t.0)
            .filter(|t| *t > window_start && *t <= now.0)
            .collect();
        let max = self.max.get() as usize;
        if in_window.len() < max {
            return now;
        }
        in_window.sort_unstable();
        // The window admits one more once the oldest `len - max + 1` have left it.
        let leaving = in_window[in_window.len() - max];
        UtcMillis(std::cmp::max(leaving.saturating_add(self.per_ms), now.0))
    }
}

/// The result of a claim attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Send it now; the row as the claim leaves it.
    Send(OutboxRow),
    /// Rate-limited: the row deferred to this time (no attempt counted).
    Deferred(OutboxRow),
    /// Not due, or not pending.
    NotDue,
}

/// Claim a row for sending at `now` (see the module docs). `recent_sends`
/// are the `sent_at` times of the recipient's messages on this channel
/// within the rate-limit window.
#[must_use]
pub fn claim(
    row: &OutboxRow,
    now: UtcMillis,
    recent_sends: &[UtcMillis],
    limit: &RateLimit,
    policy: &RetryPolicy,
) -> Claim {
    if !row.is_due(now) {
        return Claim::NotDue;
    }
    let allowed = limit.next_allowed(recent_sends, row.severity, now);
    if allowed > now {
        return Claim::Deferred(OutboxRow {
            next_attempt_at: allowed,
            ..row.clone()
        });
    }
    Claim::Send(OutboxRow {
        attempts: row.attempts + 1,
        next_attempt_at: UtcMillis(now.0.saturating_add(policy.lease_ms)),
        ..row.clone()
    })
}

/// Apply a sender's outcome to a claimed row.
#[must_use]
pub fn after_attempt(
    row: &OutboxRow,
    outcome: &DeliveryOutcome,
    now: UtcMillis,
    policy: &RetryPolicy,
) -> OutboxRow {
    match outcome {
        DeliveryOutcome::Delivered { receipt } => OutboxRow {
            status: OutboxStatus::Sent,
            receipt: Some(receipt.clone()),
            sent_at: Some(now),
            next_attempt_at: now,
            ..row.clone()
        },
        DeliveryOutcome::Permanent { error } => OutboxRow {
            status: OutboxStatus::Dead,
            last_error: Some(error.clone()),
            next_attempt_at: now,
            ..row.clone()
        },
        DeliveryOutcome::Retryable {
            error,
            retry_after_ms,
        } => {
            if row.attempts >= policy.max_attempts.get() {
                OutboxRow {
                    status: OutboxStatus::Dead,
                    last_error: Some(format!("{error} (gave up after {} attempts)", row.attempts)),
                    next_attempt_at: now,
                    ..row.clone()
                }
            } else {
                let wait =
                    std::cmp::max(policy.backoff_ms(row.attempts), retry_after_ms.unwrap_or(0));
                OutboxRow {
                    last_error: Some(error.clone()),
                    next_attempt_at: UtcMillis(now.0.saturating_add(wait)),
                    ..row.clone()
                }
            }
        }
    }
}

/// Sent and failed counts for the API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Pending rows.
    pub pending: u64,
    /// Delivered rows.
    pub sent: u64,
    /// Dead rows.
    pub dead: u64,
    /// Pending rows that failed at least once.
    pub retrying: u64,
    /// Messages merged into other rows.
    pub merged: u64,
}

impl OutboxCounts {
    /// Count rows.
    #[must_use]
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a OutboxRow>) -> OutboxCounts {
        let mut c = OutboxCounts::default();
        for r in rows {
            match r.status {
                OutboxStatus::Pending => {
                    c.pending += 1;
                    if r.last_error.is_some() {
                        c.retrying += 1;
                    }
                }
                OutboxStatus::Sent => c.sent += 1,
                OutboxStatus::Dead => c.dead += 1,
            }
            c.merged += u64::from(r.merged);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn row(now: i64) -> OutboxRow {
        OutboxRow {
            id: 1,
            user: Some(UserId(3)),
            channel: ChannelKind::Sms,
            address: "+56911111111".to_owned(),
            merge_key: "alarm_raised:x".to_owned(),
            severity: Severity::Major,
            created_at: UtcMillis(now),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: UtcMillis(now),
            merged: 0,
            last_error: None,
            receipt: None,
            sent_at: None,
        }
    }

    fn retry() -> DeliveryOutcome {
        DeliveryOutcome::Retryable {
            error: "connection refused".to_owned(),
            retry_after_ms: None,
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let p = RetryPolicy::default();
        let waits: Vec<i64> = (1..=9).map(|n| p.backoff_ms(n) / 1000).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(p.backoff_ms(200), HOUR_MS);
    }

    #[test]
    fn a_row_is_retried_with_backoff_and_dead_after_n_attempts() {
        let p = RetryPolicy {
            max_attempts: NonZeroU32::new(3).unwrap(),
            ..RetryPolicy::default()
        };
        let limit = RateLimit::default();
        let mut r = row(0);
        let mut now = UtcMillis(0);
        let mut tries = Vec::new();
        loop {
            let Claim::Send(c) = claim(&r, now, &[], &limit, &p) else {
                panic!("due row not claimed")
            };
            tries.push(now.0);
            r = after_attempt(&c, &retry(), now, &p);
            if r.status == OutboxStatus::Dead {
                break;
            }
            assert_eq!(
                claim(&r, UtcMillis(r.next_attempt_at.0 - 1), &[], &limit, &p),
                Claim::NotDue
            );
            now = r.next_attempt_at;
        }
        assert_eq!(tries, vec![0, 30_000, 90_000]);
        assert_eq!(r.attempts, 3);
        assert_eq!(
            r.last_error.as_deref(),
            Some("connection refused (gave up after 3 attempts)")
        );
    }

    #[test]
    fn a_receivers_retry_after_is_honoured() {
        let p = RetryPolicy::default();
        let Claim::Send(c) = claim(&row(0), UtcMillis(0), &[], &RateLimit::default(), &p) else {
            panic!()
        };
        let r = after_attempt(
            &c,
            &DeliveryOutcome::Retryable {
                error: "429".to_owned(),
                retry_after_ms: Some(120_000),
            },
            UtcMillis(10),
            &p,
        );
        assert_eq!(r.next_attempt_at, UtcMillis(120_010));
    }

    #[test]
    fn permanent_failures_are_dead_at_once_and_deliveries_keep_the_receipt() {
        let p = RetryPolicy::default();
        let dead = after_attempt(
            &row(0),
            &DeliveryOutcome::Permanent {
                error: "invalid phone".to_owned(),
            },
            UtcMillis(5),
            &p,
        );
        assert_eq!(dead.status, OutboxStatus::Dead);
        let sent = after_attempt(
            &row(0),
            &DeliveryOutcome::Delivered {
                receipt: "SM123".to_owned(),
            },
            UtcMillis(5),
            &p,
        );
        assert_eq!(sent.status, OutboxStatus::Sent);
        assert_eq!(sent.receipt.as_deref(), Some("SM123"));
        assert!(!sent.is_due(UtcMillis(i64::MAX)));
    }

    #[test]
    fn a_claimed_row_whose_sender_died_is_due_again_after_the_lease() {
        let p = RetryPolicy::default();
        let Claim::Send(c) = claim(&row(0), UtcMillis(0), &[], &RateLimit::default(), &p) else {
            panic!()
        };
        assert!(!c.is_due(UtcMillis(p.lease_ms - 1)));
        assert!(c.is_due(UtcMillis(p.lease_ms)));
        assert_eq!(c.attempts, 1);
    }

    #[test]
    fn identical_messages_merge_within_the_window() {
        let p = RetryPolicy::default();
        let now = UtcMillis(20 * MINUTE_MS);
        let mut pending = row(15 * MINUTE_MS);
        pending.id = 7;
        assert_eq!(
            merge(&[pending.clone()], now, &p),
            MergeDecision::IntoPending(7)
        );
        let mut sent = pending.clone();
        sent.status = OutboxStatus::Sent;
        assert_eq!(
            merge(&[sent.clone()], now, &p),
            MergeDecision::Suppressed(7)
        );
        let mut old = pending.clone();
        old.created_at = UtcMillis(5 * MINUTE_MS);
        assert_eq!(
            merge(&[old], now, &p),
            MergeDecision::New,
            "outside the window"
        );
        let mut dead = pending;
        dead.status = OutboxStatus::Dead;
        assert_eq!(merge(&[dead], now, &p), MergeDecision::New);
        assert_eq!(merge(&[], now, &p), MergeDecision::New);
    }

    #[test]
    fn the_rate_limit_defers_the_excess_and_lets_critical_through() {
        let limit = RateLimit {
            max: NonZeroU32::new(3).unwrap(),
            per_ms: 60_000,
            except_from: Some(Severity::Critical),
        };
        let sends = [UtcMillis(10_000), UtcMillis(20_000), UtcMillis(30_000)];
        let now = UtcMillis(40_000);
        assert_eq!(
            limit.next_allowed(&sends, Severity::Major, now),
            UtcMillis(70_000)
        );
        assert_eq!(limit.next_allowed(&sends, Severity::Critical, now), now);
        assert_eq!(limit.next_allowed(&sends[..2], Severity::Major, now), now);
        let p = RetryPolicy::default();
        match claim(&row(0), now, &sends, &limit, &p) {
            Claim::Deferred(r) => {
                assert_eq!(r.next_attempt_at, UtcMillis(70_000));
                assert_eq!(r.attempts, 0, "a deferral is not an attempt");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn counts_for_the_api() {
        let mut a = row(0);
        a.last_error = Some("x".to_owned());
        a.merged = 2;
        let mut b = row(0);
        b.status = OutboxStatus::Sent;
        let mut c = row(0);
        c.status = OutboxStatus::Dead;
        let counts = OutboxCounts::of([&a, &b, &c]);
        assert_eq!(
            counts,
            OutboxCounts {
                pending: 1,
                sent: 1,
                dead: 1,
                retrying: 1,
                merged: 2
            }
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the sequence of outcomes, a row is delivered at most once,
        /// is attempted at most `max_attempts` times, and ends sent or dead.
        #[test]
        fn every_row_ends_sent_or_dead_within_max_attempts(
            outcomes in proptest::collection::vec(0..3u8, 1..30)
        ) {
            let p = RetryPolicy { max_attempts: NonZeroU32::new(5).unwrap(), ..RetryPolicy::default() };
            let limit = RateLimit::default();
            let mut r = row(0);
            let mut now = UtcMillis(0);
            let mut delivered = 0;
            for o in outcomes {
                match claim(&r, now, &[], &limit, &p) {
                    Claim::Send(c) => {
                        let out = match o {
                            0 => DeliveryOutcome::Delivered { receipt: "r".to_owned() },
                            1 => retry(),
                            _ => DeliveryOutcome::Retryable { error: "busy".to_owned(), retry_after_ms: Some(5_000) },
                        };
                        if matches!(out, DeliveryOutcome::Delivered { .. }) { delivered += 1; }
                        r = after_attempt(&c, &out, now, &p);
                    }
                    Claim::NotDue => {}
                    Claim::Deferred(_) => prop_assert!(false, "no rate limit in play"),
                }
                now = UtcMillis(std::cmp::max(r.next_attempt_at.0, now.0) + 1);
                prop_assert!(r.attempts <= 5);
                prop_assert!(delivered <= 1);
            }
            if r.status == OutboxStatus::Sent { prop_assert_eq!(delivered, 1); }
            if r.status == OutboxStatus::Pending { prop_assert!(r.attempts < 5); }
        }
    }
}
