//! What the operating record is derived from: an asset's run signal and its
//! trip facts, as time-stamped [`Sample`]s.
//!
//! The run signal is a pump-state channel (0/1), or, where the device has no
//! pump-state register, motor current above a threshold ([`RunSignal`]).
//! Trip facts come from the status word (`docs/CONTRACTS.md`, "Simulator
//! register map", input register 10: bit 0 running, bit 1 dry-run, bit 2
//! level sensor fault, bit 3 motor trip) or from any other protection
//! contact the caller maps onto [`TripSet`].

use caudal_protocol::{Quality, UtcMillis};

use super::events::{EventKind, EventSet, TripKind, TripSet};

/// How an asset's running state is read from one channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RunSignal {
    /// A pump-state channel: running when the value is 1 (above 0.5).
    PumpState,
    /// Motor current: running when above this many amperes.
    MotorCurrent {
        /// Threshold in A; the pump runs while the current is strictly above it.
        running_above_a: f64,
    },
}

impl RunSignal {
    /// Whether a reading of the signal's channel says the asset runs; `None`
    /// for a reading that says nothing (bad quality or not a number).
    #[must_use]
    pub fn running(&self, value: f64, quality: Quality) -> Option<bool> {
        if matches!(quality, Quality::Bad(_)) || !value.is_finite() {
            return None;
        }
        Some(match self {
            RunSignal::PumpState => value > 0.5,
            RunSignal::MotorCurrent { running_above_a } => value > *running_above_a,
        })
    }
}

/// The simulator's status word (input register 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// The word from a reading's raw register value; `None` unless it fits 16 bits.
    #[must_use]
    pub fn from_raw(raw: i64) -> Option<StatusWord> {
        u16::try_from(raw).ok().map(StatusWord)
    }

    /// Bit 0: the pump runs.
    #[must_use]
    pub fn running(self) -> bool {
        self.0 & 1 != 0
    }

    /// Bit 1: dry-run protection tripped.
    #[must_use]
    pub fn dry_run(self) -> bool {
        self.0 & 0b10 != 0
    }

    /// Bit 2: the level sensor reports a fault.
    #[must_use]
    pub fn level_sensor_fault(self) -> bool {
        self.0 & 0b100 != 0
    }

    /// Bit 3: the motor protection (overload relay) tripped.
    #[must_use]
    pub fn motor_trip(self) -> bool {
        self.0 & 0b1000 != 0
    }

    /// The trips the word reports: bit 1 is a dry-run trip and bit 3, the
    /// motor overload relay, a motor-overcurrent trip. The level sensor fault
    /// (bit 2) is no trip: see [`StatusWord::events`].
    #[must_use]
    pub fn trips(self) -> TripSet {
        let mut t = TripSet::NONE;
        if self.dry_run() {
            t = t.with(TripKind::DryRun);
        }
        if self.motor_trip() {
            t = t.with(TripKind::MotorOvercurrent);
        }
        t
    }

    /// Every point event the word reports: its trips and the sensor fault.
    #[must_use]
    pub fn events(self) -> EventSet {
        let e = self.trips().events();
        if self.level_sensor_fault() {
            e.with(EventKind::SensorFault)
        } else {
            e
        }
    }
}

/// One time-stamped fact about an asset: its running state, the trips active
/// at that instant, or both (a status word carries both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Event time (the agent's poll time).
    pub time: UtcMillis,
    /// Whether the asset runs, if this sample says.
    pub running: Option<bool>,
    /// The trips active at this instant, if this sample says; the empty set
    /// means "no trip active" (send it when a trip clears).
    pub trips: Option<TripSet>,
}

impl Sample {
    /// A run-signal sample.
    #[must_use]
    pub fn run(time: UtcMillis, running: bool) -> Sample {
        Sample {
            time,
            running: Some(running),
            trips: None,
        }
    }

    /// A run-signal sample from a reading of the signal's channel; `None` if
    /// the reading says nothing about the state (bad quality).
    #[must_use]
    pub fn from_reading(
        signal: &RunSignal,
        time: UtcMillis,
        value: f64,
        quality: Quality,
    ) -> Option<Sample> {
        signal.running(value, quality).map(|r| Sample::run(time, r))
    }

    /// Trip facts at an instant.
    #[must_use]
    pub fn trips(time: UtcMillis, trips: TripSet) -> Sample {
        Sample {
            time,
            running: None,
            trips: Some(trips),
        }
    }

    /// A status word: running state and trips at once.
    #[must_use]
    pub fn status(time: UtcMillis, word: StatusWord) -> Sample {
        Sample {
            time,
            running: Some(word.running()),
            trips: Some(word.trips()),
        }
    }
}

#[cfg(test)]
mod tests {
    use caudal_protocol::Reason;

    use super::*;

    #[test]
    fn status_word_bits_follow_the_simulator_register_map() {
        let w = StatusWord(0b1010);
        assert!(!w.running());
        assert!(w.dry_run());
        assert!(!w.level_sensor_fault());
        assert!(w.motor_trip());
        assert_eq!(
            w.trips(),
            TripSet::of(TripKind::DryRun).with(TripKind::MotorOvercurrent)
        );
        assert_eq!(StatusWord::from_raw(0b1010), Some(w));
        assert_eq!(StatusWord::from_raw(70_000), None);
        assert_eq!(StatusWord::from_raw(-1), None);
        let s = StatusWord(0b0101);
        assert!(s.running() && s.level_sensor_fault());
        assert!(s.trips().is_empty());
        assert_eq!(s.events(), EventSet::of(EventKind::SensorFault));
    }

    #[test]
    fn motor_current_runs_strictly_above_the_threshold() {
        let sig = RunSignal::MotorCurrent {
            running_above_a: 2.0,
        };
        assert_eq!(sig.running(2.0, Quality::Good), Some(false));
        assert_eq!(sig.running(2.01, Quality::Good), Some(true));
        assert_eq!(sig.running(9.0, Quality::Bad(Reason::Timeout)), None);
        assert_eq!(sig.running(f64::NAN, Quality::Good), None);
        // A suspect reading still tells the state.
        assert_eq!(
            sig.running(9.0, Quality::Suspect(Reason::Stuck)),
            Some(true)
        );
        assert_eq!(RunSignal::PumpState.running(1.0, Quality::Good), Some(true));
        assert_eq!(
            RunSignal::PumpState.running(0.0, Quality::Good),
            Some(false)
        );
    }

    #[test]
    fn a_status_sample_carries_state_and_trips() {
        let s = Sample::status(UtcMillis(5), StatusWord(0b0011));
        assert_eq!(s.running, Some(true));
        assert_eq!(s.trips, Some(TripSet::of(TripKind::DryRun)));
        assert_eq!(
            Sample::from_reading(&RunSignal::PumpState, UtcMillis(1), 0.0, Quality::Good),
            Some(Sample::run(UtcMillis(1), false))
        );
    }
}
