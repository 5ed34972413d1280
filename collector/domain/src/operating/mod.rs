//! The operating record of an asset: run and down intervals with their
//! cause, starts and trips, derived in event time from telemetry; the point
//! events the agent's quality reasons stand for; and the checks that flag
//! impossible timestamps and skewed agent clocks.
//!
//! - [`signal`]: what the record is derived from (run signal, status word,
//!   [`Sample`]).
//! - [`record`]: the derivation ([`derive()`], [`Checkpoint`], [`Record`]),
//!   its state machine and how late data is filled in.
//! - [`events`]: [`EventKind`] (trips and quality events), [`EventSet`],
//!   [`TripSet`] and the [`EpisodeFold`] of a channel's quality reasons.
//! - [`clock`]: the `ImpossibleTime` predicate and the skewed-agent flag.

pub mod clock;
pub mod events;
pub mod record;
pub mod signal;

#[cfg(test)]
mod tests;

pub use clock::{ClockPolicy, TimeFault, TimeVerdict};
pub use events::{EpisodeFold, EventKind, EventSet, PointEvent, TripKind, TripSet};
pub use record::{
    Calendar, Checkpoint, Derivation, Down, Interval, OperatingConfig, OperatingConfigError,
    Record, RunState, Trip, derive, derive_with_checkpoints,
};
pub use signal::{RunSignal, Sample, StatusWord};
