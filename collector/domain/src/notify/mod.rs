//! Notifications: subscriptions, routing by kind, severity, place and channel, quiet hours, merging of identical messages, rate limits, templates in es and en.
//!
//! The flow, all pure:
//! 1. A domain builds an [`Event`] ([`Payload`] per [`EventKind`]).
//! 2. [`route`] matches it against the users' [`Subscription`]s and
//!    [`Recipient`] profiles: one [`Planned`] message per recipient × target,
//!    deferred by quiet hours where they apply.
//! 3. For each planned message the store reads the recent rows of the same
//!    recipient, channel and [`Event::merge_key`], and [`merge`] decides:
//!    a new row ([`OutboxRow::enqueue`] plus [`render`] in the recipient's
//!    language and zone), a merge into a pending row, or suppression.
//! 4. Senders [`claim`] due rows (rate limits apply there), send them on the
//!    channel, and record [`after_attempt`] with the [`DeliveryOutcome`]:
//!    sent, retried with exponential backoff, or dead after N attempts.
//!
//! See [`route`](mod@route) for matching and quiet hours, [`outbox`] for the
//! row state machine, merging and rate limits, and [`template`] for the texts.

pub mod event;
pub mod outbox;
pub mod route;
pub mod template;

pub use event::{
    AlarmFacts, ChannelKind, ComplianceFacts, Event, EventKind, JobFacts, Payload, WeeklyFacts,
    WorkOrderFacts,
};
pub use outbox::{
    Claim, DeliveryOutcome, MergeDecision, OutboxCounts, OutboxRow, OutboxStatus, RateLimit,
    RetryPolicy, after_attempt, claim, merge,
};
pub use route::{
    Coverage, Planned, QuietHours, Recipient, Routing, Subscription, Target, Unroutable,
    UnroutableReason, route,
};
pub use template::{FieldValue, Rendered, fields, render, repeat_note};
