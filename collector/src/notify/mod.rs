//! Notification delivery: the channel senders the outbox drains through.
//!
//! The rules (routing, quiet hours, merging, retries, rate limits,
//! templates) are pure and live in `caudal_collector_domain::notify`. Here
//! is only I/O: [`channel::Channel`] sends one [`channel::Envelope`] and
//! reports a typed [`channel::DeliveryOutcome`] for the outbox.

pub mod channel;
