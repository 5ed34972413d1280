//! The simulated HAL: pins and converters of one device, driven by the
//! physical model through shared "wires".
//!
//! Invariant: the model writes the wires and the firmware reads them only
//! while the device's lock is held, so the atomics are just a `Send + Sync`
//! way to share them between the model and the peripherals the firmware owns.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering::Relaxed};

use caudal_firmware::hal::{AdcChannel, ErrorType as AdcErrorType, Monotonic};
use embedded_hal::digital::{ErrorType, InputPin, OutputPin};

/// Signals between the model and the controller's terminals.
#[derive(Debug, Default)]
pub(crate) struct Wires {
    /// Pulses the meter has produced but not yet put on the line.
    pub(crate) pulse_pending: AtomicU64,
    /// Level of the pulse line.
    pub(crate) pulse_high: AtomicBool,
    /// Pulses put on the line (rising edges) since the start: the ground truth.
    pub(crate) pulses_presented: AtomicU64,
    /// Contactor auxiliary contact.
    pub(crate) running: AtomicBool,
    /// Motor protection contact.
    pub(crate) trip: AtomicBool,
    /// Run command written by the firmware.
    pub(crate) run_command: AtomicBool,
    /// Level loop converter counts.
    pub(crate) level_counts: AtomicU16,
    /// Motor current converter counts.
    pub(crate) current_counts: AtomicU16,
    /// Device clock, ms.
    pub(crate) clock_ms: AtomicU64,
}

/// The meter's pulse output: each pending pulse becomes one high read
/// followed by a low read.
#[derive(Debug)]
pub(crate) struct PulsePin(pub(crate) Arc<Wires>);

impl ErrorType for PulsePin {
    type Error = Infallible;
}

impl InputPin for PulsePin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        let w = &self.0;
        if w.pulse_high.load(Relaxed) {
            w.pulse_high.store(false, Relaxed);
            return Ok(false);
        }
        let pending = w.pulse_pending.load(Relaxed);
        if pending == 0 {
            return Ok(false);
        }
        w.pulse_pending.store(pending - 1, Relaxed);
        w.pulses_presented.fetch_add(1, Relaxed);
        w.pulse_high.store(true, Relaxed);
        Ok(true)
    }

    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|h| !h)
    }
}

/// Which contact a [`ContactPin`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Contact {
    /// Contactor auxiliary.
    Running,
    /// Motor protection.
    Trip,
}

/// A dry contact input.
#[derive(Debug)]
pub(crate) struct ContactPin(pub(crate) Arc<Wires>, pub(crate) Contact);

impl ErrorType for ContactPin {
    type Error = Infallible;
}

impl InputPin for ContactPin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(match self.1 {
            Contact::Running => self.0.running.load(Relaxed),
            Contact::Trip => self.0.trip.load(Relaxed),
        })
    }

    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|h| !h)
    }
}

/// The run command relay output.
#[derive(Debug)]
pub(crate) struct RunCommandPin(pub(crate) Arc<Wires>);

impl ErrorType for RunCommandPin {
    type Error = Infallible;
}

impl OutputPin for RunCommandPin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.0.run_command.store(false, Relaxed);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Infallible> {
        self.0.run_command.store(true, Relaxed);
        Ok(())
    }
}

/// Which signal an [`Adc`] converts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Analog {
    /// Level loop.
    Level,
    /// Motor current.
    Current,
}

/// A 16-bit converter channel.
#[derive(Debug)]
pub(crate) struct Adc(pub(crate) Arc<Wires>, pub(crate) Analog);

impl AdcErrorType for Adc {
    type Error = Infallible;
}

impl AdcChannel for Adc {
    fn read_counts(&mut self) -> Result<u16, Infallible> {
        Ok(match self.1 {
            Analog::Level => self.0.level_counts.load(Relaxed),
            Analog::Current => self.0.current_counts.load(Relaxed),
        })
    }
}

/// The device clock.
#[derive(Debug)]
pub(crate) struct Clock(pub(crate) Arc<Wires>);

impl Monotonic for Clock {
    fn now_ms(&mut self) -> u64 {
        self.0.clock_ms.load(Relaxed)
    }
}
