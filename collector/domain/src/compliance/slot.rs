//! The slot state machine and its ledger (see the diagram in the module
//! docs of [`super`]).
//!
//! Every transition is a method that takes `now` and returns a
//! [`Transition`]: the slot as it must be stored, the [`LedgerEntry`] to
//! append in the same transaction, and the [`Effect`]s to commit with them
//! (stop a point's filing, raise a finding). Nothing is mutated in place, so
//! a store that commits the three together can never hold a state the
//! ledger does not explain. The planner's insertion of a slot is not a
//! state change and writes no entry.
//!
//! **Invariant:** a slot reaches `sending` only through a committed
//! transition whose entry holds the redacted request; the POST happens after
//! that commit. A slot found in `sending` is therefore one whose reply was
//! lost (crash or timeout): it is sent again ([`Due::Send`]) and the entry
//! says `resend`.
//!
//! **Invariant:** a slot's folio, once set, is never replaced; a different
//! one is a critical [`FindingKind::DoubleFolio`].

use chrono::NaiveDateTime;

use crate::{PointId, Severity, UserId, UtcMillis};

use super::checks::{self, CheckRules, PreviousTotal, ReviewReason};
use super::plan::SlotTime;
use super::settings::{FilingPolicy, ValueRules};
use super::values::{Provenance, Valuation, Value, Values};
use super::{
    Exchange, FilingMode, FindingKind, LedgerAction, Measure, Outcome, Regulator, SlotStatus,
};
use crate::vocab::vocabulary;

/// What identifies a slot: the DGA keys a record on (obra, fecha, hora).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotKey {
    /// The point.
    pub point: PointId,
    /// The regulator.
    pub regulator: Regulator,
    /// The wall time in the filing zone.
    pub local: NaiveDateTime,
}

vocabulary!(
    /// What the receipt lookup said about an accepted slot.
    ReceiptStatus {
        /// Not looked up (or no lookup exists for this kind).
        Unchecked => "unchecked",
        /// Found, with the values filed.
        Verified => "verified",
        /// Found, with other values.
        Mismatch => "mismatch",
        /// Not found.
        Missing => "missing",
    }
);

/// One expected filing and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// Identity.
    pub key: SlotKey,
    /// The slot's instant.
    pub at: UtcMillis,
    /// The previous slot's instant (the period is `(period_start, at]`).
    pub period_start: UtcMillis,
    /// The state.
    pub status: SlotStatus,
    /// The values, frozen once the slot is ready (a resend sends the same).
    pub values: Option<Values>,
    /// Why it is (or was last) in review.
    pub review: Vec<ReviewReason>,
    /// Requests started (POSTs).
    pub attempts: u32,
    /// Rejections by the regulator.
    pub rejections: u32,
    /// Transport failures and 5xx replies.
    pub transient_failures: u32,
    /// When it may be sent again (rejected or retrying).
    pub next_attempt_at: Option<UtcMillis>,
    /// The regulator's folio (DGA `numeroComprobante`, SMA `IdVerificacion`).
    pub folio: Option<String>,
    /// When the acceptance was received.
    pub filed_at: Option<UtcMillis>,
    /// Accepted later than the allowed lag.
    pub late: bool,
    /// What the receipt lookup said.
    pub receipt: ReceiptStatus,
}

/// A raised finding: an alarm for the collector's alarm domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// How grave.
    pub severity: Severity,
    /// Which slot.
    pub key: SlotKey,
    /// What happened, for people.
    pub message: String,
}

/// Something to commit with a transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Stop this point's filing to this regulator (set its mode to off and
    /// hold its slots) until a person resumes it.
    StopPoint {
        /// The point.
        point: PointId,
        /// The regulator.
        regulator: Regulator,
        /// Why.
        reason: String,
    },
    /// Raise a finding.
    Finding(Finding),
}

/// One append-only ledger row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The slot.
    pub key: SlotKey,
    /// When.
    pub at: UtcMillis,
    /// What happened.
    pub action: LedgerAction,
    /// The state before.
    pub from: SlotStatus,
    /// The state after.
    pub to: SlotStatus,
    /// The attempt number (requests started so far).
    pub attempt: u32,
    /// The request, redacted (send, resend, shadow).
    pub payload: Option<String>,
    /// The HTTP status of the reply.
    pub http_status: Option<u16>,
    /// The reply body or transport failure, redacted.
    pub response: Option<String>,
    /// The folio, when the entry concerns one.
    pub folio: Option<String>,
    /// The person who acted, for person actions.
    pub actor: Option<UserId>,
    /// What happened, in a line.
    pub note: String,
}

/// A slot's next state, the entry to append before it, and effects.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The slot as it must be stored.
    pub slot: Slot,
    /// The entry to append in the same transaction.
    pub entry: LedgerEntry,
    /// Effects to commit in the same transaction.
    pub effects: Vec<Effect>,
}

/// A transition that cannot happen.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TransitionError {
    /// Not from this state.
    #[error("a slot in state {from} cannot be {action}")]
    NotAllowed {
        /// The current state.
        from: SlotStatus,
        /// What was attempted.
        action: &'static str,
    },
    /// Not yet: the retry delay has not passed.
    #[error("the slot may not be sent again before {next_attempt_at_ms} ms")]
    NotDue {
        /// When it may.
        next_attempt_at_ms: i64,
    },
    /// Person actions are audited and need a note.
    #[error("a note saying why is required")]
    NoteRequired,
    /// Values the regulator needs are missing.
    #[error("the slot cannot be filed without: {}", .0.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "))]
    Missing(Vec<Measure>),
    /// A value that can never be filed (negative, too long, not a number).
    #[error("the slot cannot be filed as it is: {0}")]
    Unfileable(String),
}

/// What the filer should do with a slot now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Build and send it. For a slot in `sending` this is a resend: its
    /// reply was lost (the collector stopped, or the request timed out).
    /// Filing runs as one job under a lease, so a slot seen `sending` at the
    /// start of a pass is never one another pass is still waiting on; if a
    /// lease ever lapsed mid-request, the DGA's duplicate reply still makes
    /// the resend harmless.
    Send,
    /// Build and record it without sending (shadow mode).
    Shadow,
    /// Not before this instant.
    At(UtcMillis),
    /// Nothing to do.
    Never,
}

/// The receipt lookup's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptCheck {
    /// Found, with the values filed.
    Verified,
    /// Found, with other values (the differing fields).
    Mismatch(Vec<String>),
    /// Not found.
    NotFound,
    /// The lookup failed or does not exist; try later.
    Unavailable(String),
}

/// What [`Slot::on_valuation`] needs besides the valuation.
#[derive(Clone, Debug)]
pub struct Valuing<'a> {
    /// The measures the regulator needs.
    pub required: Vec<Measure>,
    /// How values are taken.
    pub values: &'a ValueRules,
    /// The checks' parameters.
    pub checks: &'a CheckRules,
}

/// Reasons that make a slot impossible to file even if a person releases it.
fn blocking(reason: &ReviewReason) -> bool {
    matches!(
        reason,
        ReviewReason::AllValuesMissing
            | ReviewReason::ValueMissing(_)
            | ReviewReason::TotaliserNegative { .. }
            | ReviewReason::TotaliserTooLong { .. }
            | ReviewReason::CaudalNegative { .. }
            | ReviewReason::NivelNegative { .. }
    )
}

fn codes(reasons: &[ReviewReason]) -> String {
    reasons
        .iter()
        .map(ReviewReason::code)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Slot {
    /// A slot as the planner creates it: waiting for data.
    #[must_use]
    pub fn planned(point: PointId, regulator: Regulator, time: SlotTime) -> Slot {
        Slot {
            key: SlotKey {
                point,
                regulator,
                local: time.local,
            },
            at: time.at,
            period_start: time.period_start,
            status: SlotStatus::Waiting,
            values: None,
            review: Vec::new(),
            attempts: 0,
            rejections: 0,
            transient_failures: 0,
            next_attempt_at: None,
            folio: None,
            filed_at: None,
            late: false,
            receipt: ReceiptStatus::Unchecked,
        }
    }

    /// The slot's time.
    #[must_use]
    pub fn time(&self) -> SlotTime {
        SlotTime {
            local: self.key.local,
            at: self.at,
            period_start: self.period_start,
        }
    }

    /// How late the slot is: from its instant to its acceptance, or to `now`
    /// while it is still open. `None` for a closed slot without a filing
    /// (no data) and for a slot not yet due.
    #[must_use]
    pub fn lag_ms(&self, now: UtcMillis) -> Option<i64> {
        match (self.status, self.filed_at) {
            (SlotStatus::Accepted, Some(f)) => Some(f.0.saturating_sub(self.at.0)),
            (SlotStatus::Accepted | SlotStatus::NoData, _) => None,
            _ if now >= self.at => Some(now.0.saturating_sub(self.at.0)),
            _ => None,
        }
    }

    /// What the filer should do with this slot in `mode` at `now`.
    #[must_use]
    pub fn due(&self, mode: FilingMode, now: UtcMillis) -> Due {
        match (self.status, mode) {
            (SlotStatus::Ready, FilingMode::Shadow) => Due::Shadow,
            (SlotStatus::Ready | SlotStatus::Shadowed | SlotStatus::Sending, FilingMode::Live) => {
                Due::Send
            }
            (SlotStatus::Rejected | SlotStatus::Retrying, FilingMode::Live) => {
                match self.next_attempt_at {
                    Some(t) if t > now => Due::At(t),
                    _ => Due::Send,
                }
            }
            _ => Due::Never,
        }
    }

    fn entry(&self, to: &Slot, action: LedgerAction, now: UtcMillis, note: String) -> LedgerEntry {
        LedgerEntry {
            key: self.key,
            at: now,
            action,
            from: self.status,
            to: to.status,
            attempt: to.attempts,
            payload: None,
            http_status: None,
            response: None,
            folio: None,
            actor: None,
            note,
        }
    }

    fn transition(
        &self,
        to: Slot,
        action: LedgerAction,
        now: UtcMillis,
        note: String,
    ) -> Transition {
        let entry = self.entry(&to, action, now, note);
        Transition {
            slot: to,
            entry,
            effects: Vec::new(),
        }
    }

    fn not_allowed(&self, action: &'static str) -> TransitionError {
        TransitionError::NotAllowed {
            from: self.status,
            action,
        }
    }

    /// Take a valuation: `ready` when every required value is there and the
    /// checks pass, `review` when a check fails or a value cannot be taken,
    /// and no change (`None`) while readings are still to come. Only from
    /// `waiting`. `previous` is the total of the latest earlier valued slot.
    #[must_use]
    pub fn on_valuation(
        &self,
        valuation: Valuation,
        valuing: &Valuing<'_>,
        previous: Option<PreviousTotal>,
        policy: &FilingPolicy,
        now: UtcMillis,
    ) -> Option<Transition> {
        if self.status != SlotStatus::Waiting {
            return None;
        }
        let required = &valuing.required;
        let through = required.iter().all(|m| valuation.through(*m));
        let present = required
            .iter()
            .filter(|m| valuation.values.get(**m).is_some())
            .count();
        let overdue = now.0.saturating_sub(self.at.0) >= policy.review_after_ms;
        let reasons = match (through, present) {
            (true, 0) if valuation.readings_seen == 0 => return None,
            (true, _) => checks::check(
                &valuation.values,
                &self.time(),
                required,
                valuing.values,
                valuing.checks,
                previous,
            ),
            (false, n) if n > 0 && overdue => checks::check(
                &valuation.values,
                &self.time(),
                required,
                valuing.values,
                valuing.checks,
                previous,
            ),
            (false, _) => return None,
        };
        let mut to = self.clone();
        to.values = Some(valuation.values);
        let note = if reasons.is_empty() {
            to.status = SlotStatus::Ready;
            "values taken; checks passed".to_owned()
        } else {
            to.status = SlotStatus::Review;
            format!("values taken; review: {}", codes(&reasons))
        };
        to.review = reasons;
        Some(self.transition(to, LedgerAction::Valued, now, note))
    }

    /// Close a slot that has waited too long without readings: `no_data`.
    /// Nothing is invented; a person may reopen it when history is imported.
    #[must_use]
    pub fn expire(&self, policy: &FilingPolicy, now: UtcMillis) -> Option<Transition> {
        if self.status != SlotStatus::Waiting
            || now.0.saturating_sub(self.at.0) < policy.no_data_after_ms
        {
            return None;
        }
        let mut to = self.clone();
        to.status = SlotStatus::NoData;
        let days = policy.no_data_after_ms / crate::DAY_MS;
        Some(self.transition(
            to,
            LedgerAction::Expired,
            now,
            format!("no readings after {days} days"),
        ))
    }

    /// Record a request built in shadow mode: `ready` → `shadowed`.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] from any other state.
    pub fn shadow(
        &self,
        payload_redacted: &str,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if self.status != SlotStatus::Ready {
            return Err(self.not_allowed("shadowed"));
        }
        let mut to = self.clone();
        to.status = SlotStatus::Shadowed;
        let mut t = self.transition(
            to,
            LedgerAction::Shadow,
            now,
            "built and validated; not sent (shadow mode)".to_owned(),
        );
        t.entry.payload = Some(payload_redacted.to_owned());
        Ok(t)
    }

    /// Commit `sending` before the POST, with the redacted request. From
    /// `ready`, `shadowed`, a due `rejected` or `retrying`, or `sending`
    /// itself (the previous reply was lost: a resend).
    ///
    /// # Errors
    /// [`TransitionError::NotDue`] before the retry time;
    /// [`TransitionError::NotAllowed`] from other states.
    pub fn begin_send(
        &self,
        payload_redacted: &str,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        let action = match self.status {
            SlotStatus::Ready | SlotStatus::Shadowed => LedgerAction::Send,
            SlotStatus::Rejected | SlotStatus::Retrying => {
                if let Some(t) = self.next_attempt_at
                    && t > now
                {
                    return Err(TransitionError::NotDue {
                        next_attempt_at_ms: t.0,
                    });
                }
                LedgerAction::Send
            }
            SlotStatus::Sending => LedgerAction::Resend,
            _ => return Err(self.not_allowed("sent")),
        };
        let mut to = self.clone();
        to.status = SlotStatus::Sending;
        to.attempts += 1;
        to.next_attempt_at = None;
        let note = if action == LedgerAction::Resend {
            format!(
                "attempt {}: sending again, the reply to attempt {} was lost",
                to.attempts, self.attempts
            )
        } else {
            format!("attempt {}: sending", to.attempts)
        };
        let mut t = self.transition(to, action, now, note);
        t.entry.payload = Some(payload_redacted.to_owned());
        Ok(t)
    }

    /// Take the regulator's reply to a request started by [`Slot::begin_send`].
    /// `exchange` must already be redacted (the regulator modules do it).
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless the slot is `sending`.
    pub fn on_outcome(
        &self,
        outcome: &Outcome,
        exchange: &Exchange,
        late_after_ms: i64,
        policy: &FilingPolicy,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if self.status != SlotStatus::Sending {
            return Err(self.not_allowed("given a reply"));
        }
        let mut to = self.clone();
        let mut effects = Vec::new();
        let mut folio = None;
        let note = match outcome {
            Outcome::Accepted {
                folio: f,
                duplicate,
            } => {
                folio = Some(f.clone());
                to.status = SlotStatus::Accepted;
                to.next_attempt_at = None;
                match &self.folio {
                    Some(held) if held != f => {
                        effects.push(Effect::Finding(Finding {
                            kind: FindingKind::DoubleFolio,
                            severity: Severity::Critical,
                            key: self.key,
                            message: format!(
                                "slot {} has two folios: {held} and {f}; the regulator may hold it twice",
                                self.key.local
                            ),
                        }));
                        format!("second folio {f} differs from {held}: double filing")
                    }
                    _ => {
                        to.folio = Some(f.clone());
                        to.filed_at = Some(now);
                        to.late = now.0.saturating_sub(self.at.0) > late_after_ms;
                        let late = if to.late { " (late)" } else { "" };
                        if *duplicate {
                            format!("already filed: folio {f}{late}")
                        } else {
                            format!("accepted: folio {f}{late}")
                        }
                    }
                }
            }
            Outcome::AcceptedWithoutReceipt { message } => {
                to.status = SlotStatus::Accepted;
                to.next_attempt_at = None;
                to.filed_at = Some(now);
                to.late = now.0.saturating_sub(self.at.0) > late_after_ms;
                effects.push(Effect::Finding(Finding {
                    kind: FindingKind::AcceptedWithoutReceipt,
                    severity: Severity::Major,
                    key: self.key,
                    message: format!(
                        "slot {} was accepted without a receipt: {message}",
                        self.key.local
                    ),
                }));
                "accepted without a receipt".to_owned()
            }
            Outcome::Rejected { code, message } => {
                to.rejections += 1;
                let code = code
                    .as_deref()
                    .map_or(String::new(), |c| format!(" (status {c})"));
                if to.rejections >= policy.max_rejections {
                    to.status = SlotStatus::Failed;
                    to.next_attempt_at = None;
                    format!(
                        "rejected {}/{}{code}: {message}; failed",
                        to.rejections, policy.max_rejections
                    )
                } else {
                    to.status = SlotStatus::Rejected;
                    to.next_attempt_at =
                        Some(UtcMillis(now.0.saturating_add(policy.rejection_retry_ms)));
                    format!(
                        "rejected {}/{}{code}: {message}; retried in 24 h",
                        to.rejections, policy.max_rejections
                    )
                }
            }
            Outcome::InformanteMismatch { message } => {
                to.status = SlotStatus::Held;
                to.next_attempt_at = None;
                let reason = format!("the informante is not the obra's registered one: {message}");
                effects.push(Effect::StopPoint {
                    point: self.key.point,
                    regulator: self.key.regulator,
                    reason: reason.clone(),
                });
                effects.push(Effect::Finding(Finding {
                    kind: FindingKind::InformanteMismatch,
                    severity: Severity::Critical,
                    key: self.key,
                    message: reason,
                }));
                format!("informante mismatch, filing stopped: {message}")
            }
            Outcome::Transient { reason } => {
                to.transient_failures += 1;
                to.status = SlotStatus::Retrying;
                let delay = self.backoff(to.transient_failures, late_after_ms, policy, now);
                to.next_attempt_at = Some(UtcMillis(now.0.saturating_add(delay)));
                format!(
                    "failed in transit ({reason}); retried in {} s",
                    delay / 1000
                )
            }
            Outcome::Unauthorized => {
                to.transient_failures += 1;
                to.status = SlotStatus::Retrying;
                // The token is renewed first; back off only if refusals repeat.
                let delay = if self.transient_failures == 0 {
                    0
                } else {
                    self.backoff(to.transient_failures, late_after_ms, policy, now)
                };
                to.next_attempt_at = Some(UtcMillis(now.0.saturating_add(delay)));
                format!(
                    "token refused; renewing it and retrying in {} s",
                    delay / 1000
                )
            }
        };
        let mut t = self.transition(to, LedgerAction::Reply, now, note);
        t.entry.http_status = exchange.status();
        t.entry.response = Some(exchange.response_text());
        t.entry.folio = folio;
        t.effects = effects;
        Ok(t)
    }

    /// The delay before the `n`th transient retry: doubling from the base,
    /// capped lower while the slot is within its allowed lag.
    fn backoff(&self, n: u32, late_after_ms: i64, policy: &FilingPolicy, now: UtcMillis) -> i64 {
        let within_lag = now.0.saturating_sub(self.at.0) <= late_after_ms;
        let cap = if within_lag {
            policy.transient_cap_ms
        } else {
            policy.transient_cap_late_ms
        };
        let doubled = policy
            .transient_base_ms
            .saturating_mul(1i64 << std::cmp::min(n.saturating_sub(1), 40));
        std::cmp::min(doubled, cap)
    }

    fn person(
        &self,
        to: Slot,
        action: LedgerAction,
        actor: UserId,
        note: &str,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if note.trim().is_empty() {
            return Err(TransitionError::NoteRequired);
        }
        let mut t = self.transition(to, action, now, note.trim().to_owned());
        t.entry.actor = Some(actor);
        Ok(t)
    }

    /// A person releases a slot in review as it is: `review` → `ready`.
    /// Refused when a required value is missing or cannot be filed (correct
    /// it instead).
    ///
    /// # Errors
    /// [`TransitionError`] naming what stands in the way.
    pub fn release(
        &self,
        actor: UserId,
        note: &str,
        required: &[Measure],
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if self.status != SlotStatus::Review {
            return Err(self.not_allowed("released"));
        }
        if note.trim().is_empty() {
            return Err(TransitionError::NoteRequired);
        }
        let values = self.values.clone().unwrap_or_default();
        let missing: Vec<Measure> = required
            .iter()
            .copied()
            .filter(|m| values.get(*m).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(TransitionError::Missing(missing));
        }
        if let Some(r) = self.review.iter().find(|r| blocking(r)) {
            return Err(TransitionError::Unfileable(r.describe(crate::Lang::En)));
        }
        let mut to = self.clone();
        to.status = SlotStatus::Ready;
        let note = format!("released despite {}: {}", codes(&self.review), note.trim());
        self.person(to, LedgerAction::Released, actor, &note, now)
    }

    /// A person enters values (a correction in review, or a manual reading
    /// for a slot without data): → `ready`, each corrected value with a
    /// [`super::Rule::Corrected`] provenance. The corrected set must hold
    /// every required value, and none may be unfileable.
    ///
    /// # Errors
    /// [`TransitionError`] naming what stands in the way.
    pub fn correct(
        &self,
        actor: UserId,
        note: &str,
        corrections: &[(Measure, f64)],
        valuing: &Valuing<'_>,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if !matches!(
            self.status,
            SlotStatus::Review | SlotStatus::Waiting | SlotStatus::NoData
        ) {
            return Err(self.not_allowed("corrected"));
        }
        if note.trim().is_empty() {
            return Err(TransitionError::NoteRequired);
        }
        let mut values = self.values.clone().unwrap_or_default();
        for (m, raw) in corrections {
            if !raw.is_finite() {
                return Err(TransitionError::Unfileable(format!(
                    "{} = {raw} is not a number",
                    m.as_str()
                )));
            }
            values.set(
                *m,
                Some(Value {
                    raw: *raw,
                    provenance: Provenance::corrected(actor, now, note.trim()),
                }),
            );
        }
        let missing: Vec<Measure> = valuing
            .required
            .iter()
            .copied()
            .filter(|m| values.get(*m).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(TransitionError::Missing(missing));
        }
        let remaining = checks::check(
            &values,
            &self.time(),
            &valuing.required,
            valuing.values,
            valuing.checks,
            None,
        );
        if let Some(r) = remaining.iter().find(|r| blocking(r)) {
            return Err(TransitionError::Unfileable(r.describe(crate::Lang::En)));
        }
        let mut to = self.clone();
        to.values = Some(values);
        to.status = SlotStatus::Ready;
        to.review = remaining;
        let list = corrections
            .iter()
            .map(|(m, v)| format!("{} = {v}", m.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        self.person(
            to,
            LedgerAction::Corrected,
            actor,
            &format!("corrected {list}: {}", note.trim()),
            now,
        )
    }

    /// A person resumes a `held` slot (after fixing the informante) or a
    /// `failed` one: → `ready`, with the retry counters reset.
    ///
    /// # Errors
    /// [`TransitionError`] from other states or without a note.
    pub fn resume(
        &self,
        actor: UserId,
        note: &str,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if !matches!(self.status, SlotStatus::Held | SlotStatus::Failed) {
            return Err(self.not_allowed("resumed"));
        }
        let mut to = self.clone();
        to.status = SlotStatus::Ready;
        to.rejections = 0;
        to.transient_failures = 0;
        to.next_attempt_at = None;
        self.person(to, LedgerAction::Resumed, actor, note, now)
    }

    /// A person reopens a `no_data` slot because history was imported:
    /// → `waiting`, to be valued again.
    ///
    /// # Errors
    /// [`TransitionError`] from other states or without a note.
    pub fn reopen(
        &self,
        actor: UserId,
        note: &str,
        now: UtcMillis,
    ) -> Result<Transition, TransitionError> {
        if self.status != SlotStatus::NoData {
            return Err(self.not_allowed("reopened"));
        }
        let mut to = self.clone();
        to.status = SlotStatus::Waiting;
        self.person(to, LedgerAction::Reopened, actor, note, now)
    }

    /// Take a receipt lookup's verdict on an accepted slot. `None` when the
    /// lookup was unavailable (nothing changes; try later).
    #[must_use]
    pub fn on_receipt(
        &self,
        check: &ReceiptCheck,
        exchange: &Exchange,
        now: UtcMillis,
    ) -> Option<Transition> {
        if self.status != SlotStatus::Accepted {
            return None;
        }
        let folio = self.folio.clone().unwrap_or_default();
        let mut to = self.clone();
        let mut effects = Vec::new();
        let note = match check {
            ReceiptCheck::Unavailable(_) => return None,
            ReceiptCheck::Verified => {
                to.receipt = ReceiptStatus::Verified;
                format!("receipt {folio} verified")
            }
            ReceiptCheck::Mismatch(fields) => {
                to.receipt = ReceiptStatus::Mismatch;
                let message = format!(
                    "receipt {folio} of slot {} holds other values: {}",
                    self.key.local,
                    fields.join(", ")
                );
                effects.push(Effect::Finding(Finding {
                    kind: FindingKind::ReceiptMismatch,
                    severity: Severity::Major,
                    key: self.key,
                    message: message.clone(),
                }));
                message
            }
            ReceiptCheck::NotFound => {
                to.receipt = ReceiptStatus::Missing;
                let message = format!("receipt {folio} of slot {} was not found", self.key.local);
                effects.push(Effect::Finding(Finding {
                    kind: FindingKind::ReceiptMissing,
                    severity: Severity::Critical,
                    key: self.key,
                    message: message.clone(),
                }));
                message
            }
        };
        let mut t = self.transition(to, LedgerAction::ReceiptChecked, now, note);
        t.entry.http_status = exchange.status();
        t.entry.response = Some(exchange.response_text());
        t.entry.folio = Some(folio);
        t.effects = effects;
        Some(t)
    }
}

/// The order in which due slots are filed: oldest first (a drained backlog
/// is filed in time order, within each slot's allowed lag), then by point.
#[must_use]
pub fn filing_order(a: &Slot, b: &Slot) -> std::cmp::Ordering {
    (a.at, a.key.point, a.key.regulator).cmp(&(b.at, b.key.point, b.key.regulator))
}

/// Double filings visible in a ledger: any slot with more than one distinct
/// folio among its replies (S1's reconciler check D). Entries of many slots
/// may be mixed, in any order.
#[must_use]
pub fn ledger_findings(entries: &[LedgerEntry]) -> Vec<Finding> {
    let mut folios: std::collections::BTreeMap<SlotKey, Vec<&str>> =
        std::collections::BTreeMap::new();
    for e in entries {
        if e.action == LedgerAction::Reply
            && let Some(f) = &e.folio
        {
            let list = folios.entry(e.key).or_default();
            if !list.contains(&f.as_str()) {
                list.push(f);
            }
        }
    }
    folios
        .into_iter()
        .filter(|(_, list)| list.len() > 1)
        .map(|(key, list)| Finding {
            kind: FindingKind::DoubleFolio,
            severity: Severity::Critical,
            key,
            message: format!(
                "slot {} has {} folios: {}",
                key.local,
                list.len(),
                list.join(", ")
            ),
        })
        .collect()
}
