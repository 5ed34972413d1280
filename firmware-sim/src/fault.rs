//! Faults a simulated device can be made to suffer, from the config script
//! or from a test at run time ([`crate::Field::inject`], [`crate::Field::clear`]).

use std::time::Duration;

use caudal_config::sim::{FaultName, ScriptedFault};
use caudal_firmware::modbus::Exception;

/// A fault, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Instant: preset the counter register `pulses_before_wrap` below its wrap
    /// point, so it wraps soon. The jump is reported as `preset_pulses` in the truth.
    CounterRollover {
        /// Pulses left before the register wraps.
        pulses_before_wrap: u32,
    },
    /// Instant: power cycle; the counter restarts at zero.
    Reboot,
    /// The level reading freezes at its present value.
    StuckSensor,
    /// The level loop reads `loop_ua` (0: broken wire; 4000: stuck at the 4 mA floor).
    DeadSensor {
        /// Loop current, µA.
        loop_ua: u16,
    },
    /// Every request is answered with this exception.
    Exception(Exception),
    /// Every reply is sent this much (real time) late.
    SlowReply(Duration),
    /// Replies are replaced by line noise.
    GarbageBytes,
    /// One byte of every reply is lost.
    DroppedBytes,
    /// Requests are never answered.
    NoReply,
    /// Instant: the device clock jumps by this many seconds (negative: back).
    ClockJump {
        /// Seconds.
        seconds: i64,
    },
    /// The motor protection trips and holds until cleared.
    MotorTrip,
}

/// The name of a fault, to clear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// [`Fault::CounterRollover`] (instant: clearing does nothing).
    CounterRollover,
    /// [`Fault::Reboot`] (instant).
    Reboot,
    /// [`Fault::StuckSensor`].
    StuckSensor,
    /// [`Fault::DeadSensor`].
    DeadSensor,
    /// [`Fault::Exception`].
    Exception,
    /// [`Fault::SlowReply`].
    SlowReply,
    /// [`Fault::GarbageBytes`].
    GarbageBytes,
    /// [`Fault::DroppedBytes`].
    DroppedBytes,
    /// [`Fault::NoReply`].
    NoReply,
    /// [`Fault::ClockJump`] (instant).
    ClockJump,
    /// [`Fault::MotorTrip`].
    MotorTrip,
}

impl Fault {
    /// Its kind.
    #[must_use]
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::CounterRollover { .. } => FaultKind::CounterRollover,
            Fault::Reboot => FaultKind::Reboot,
            Fault::StuckSensor => FaultKind::StuckSensor,
            Fault::DeadSensor { .. } => FaultKind::DeadSensor,
            Fault::Exception(_) => FaultKind::Exception,
            Fault::SlowReply(_) => FaultKind::SlowReply,
            Fault::GarbageBytes => FaultKind::GarbageBytes,
            Fault::DroppedBytes => FaultKind::DroppedBytes,
            Fault::NoReply => FaultKind::NoReply,
            Fault::ClockJump { .. } => FaultKind::ClockJump,
            Fault::MotorTrip => FaultKind::MotorTrip,
        }
    }

    /// The fault a validated config entry describes.
    #[must_use]
    pub fn from_script(s: &ScriptedFault) -> Fault {
        match *s.fault.get_ref() {
            FaultName::CounterRollover => Fault::CounterRollover {
                pulses_before_wrap: s.pulses_before_wrap.unwrap_or(10),
            },
            FaultName::Reboot => Fault::Reboot,
            FaultName::StuckSensor => Fault::StuckSensor,
            FaultName::DeadSensor => Fault::DeadSensor {
                loop_ua: s.loop_ua.unwrap_or(0),
            },
            FaultName::Exception => {
                Fault::Exception(Exception::from(s.code.as_ref().map_or(4, |c| *c.get_ref())))
            }
            FaultName::SlowReply => Fault::SlowReply(Duration::from_millis(
                s.delay_ms.map_or(1000, std::num::NonZeroU64::get),
            )),
            FaultName::GarbageBytes => Fault::GarbageBytes,
            FaultName::DroppedBytes => Fault::DroppedBytes,
            FaultName::NoReply => Fault::NoReply,
            FaultName::ClockJump => Fault::ClockJump {
                seconds: s.jump_s.unwrap_or(0),
            },
            FaultName::MotorTrip => Fault::MotorTrip,
        }
    }
}

/// What happens to a reply on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyMode {
    /// Sent as is.
    Normal,
    /// Not sent.
    Silent,
    /// Replaced by noise.
    Garbage,
    /// Sent with one byte missing.
    Dropped,
}

/// The faults switched on in a device.
#[derive(Debug, Default, Clone)]
pub(crate) struct ActiveFaults {
    pub(crate) stuck_counts: Option<u16>,
    pub(crate) dead_loop_ua: Option<u16>,
    pub(crate) exception: Option<Exception>,
    pub(crate) slow: Option<Duration>,
    pub(crate) garbage: bool,
    pub(crate) dropped: bool,
    pub(crate) no_reply: bool,
}

impl ActiveFaults {
    pub(crate) fn reply_mode(&self) -> ReplyMode {
        if self.no_reply {
            ReplyMode::Silent
        } else if self.garbage {
            ReplyMode::Garbage
        } else if self.dropped {
            ReplyMode::Dropped
        } else {
            ReplyMode::Normal
        }
    }
}
