//! Newtypes and enums shared by both ends of the wire.

use serde::{Deserialize, Serialize};

/// Position of a reading in one agent outbox epoch. Seqs start at 1 and have no gaps.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Seq(pub u64);

impl Seq {
    /// The seq right after this one.
    #[must_use]
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

/// Random identity of one agent outbox database; a new database starts a new epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Epoch(pub u64);

/// Stable identifier of a channel within one agent (see [`crate::ChannelDesc`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChannelId(pub u32);

/// UTC time in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UtcMillis(pub i64);

impl UtcMillis {
    /// The system clock now.
    #[must_use]
    pub fn now() -> UtcMillis {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        UtcMillis(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
    }
}

/// What a channel measures. The names are the TOML spelling in configs.
///
/// Variant order is wire format: only append.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    /// Instantaneous flow (l/s).
    Flow,
    /// Totalised volume (m³).
    Total,
    /// Water level (m).
    Level,
    /// Raw pulse counter, converted to a volume total.
    Pulses,
    /// Temperature (°C).
    Temperature,
    /// Pressure (bar).
    Pressure,
    /// pH.
    Ph,
    /// Electrical conductivity (µS/cm).
    Conductivity,
    /// Turbidity (NTU).
    Turbidity,
    /// Pump running state (0/1).
    PumpState,
    /// Motor current (A).
    MotorCurrent,
    /// Accumulated run hours (h).
    RunHours,
    /// Number of pump starts.
    Starts,
}

impl Variable {
    /// Every variable, in wire order.
    pub const ALL: [Variable; 13] = [
        Variable::Flow,
        Variable::Total,
        Variable::Level,
        Variable::Pulses,
        Variable::Temperature,
        Variable::Pressure,
        Variable::Ph,
        Variable::Conductivity,
        Variable::Turbidity,
        Variable::PumpState,
        Variable::MotorCurrent,
        Variable::RunHours,
        Variable::Starts,
    ];

    /// The snake_case name used in configs, APIs and databases.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Variable::Flow => "flow",
            Variable::Total => "total",
            Variable::Level => "level",
            Variable::Pulses => "pulses",
            Variable::Temperature => "temperature",
            Variable::Pressure => "pressure",
            Variable::Ph => "ph",
            Variable::Conductivity => "conductivity",
            Variable::Turbidity => "turbidity",
            Variable::PumpState => "pump_state",
            Variable::MotorCurrent => "motor_current",
            Variable::RunHours => "run_hours",
            Variable::Starts => "starts",
        }
    }

    /// Parse the snake_case name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Variable> {
        Variable::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

impl std::fmt::Display for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a reading is not fully trusted. Variant order is wire format: only append.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// The device answered with this Modbus exception code.
    Exception(u8),
    /// The device did not answer within the deadline.
    Timeout,
    /// The value is outside the channel's configured min/max.
    OutOfRange,
    /// The pulse counter restarted (device reboot); the delta was taken from zero.
    CounterReset,
    /// A totaliser went backwards, or dropped to zero while flow was positive.
    TotalReset,
    /// The level is above the configured maximum.
    LevelAboveMax,
    /// Flow was reported without a matching increase of the total.
    FlowWithoutTotal,
    /// The level changed without the matching accumulated volume.
    LevelWithoutVolume,
    /// The timestamp is impossible (before the previous one, or far in the future).
    ImpossibleTime,
    /// The registers could not be decoded (NaN/inf float, short reply).
    DecodeFailed,
    /// The sensor reports a fault (e.g. a 4-20 mA loop below 4 mA).
    SensorFault,
    /// The value has not changed for longer than expected.
    Stuck,
    /// Any other reason, by number.
    Other(u16),
}

/// Quality code carried by every reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Quality {
    /// Trusted.
    #[default]
    Good,
    /// Usable with care.
    Suspect(Reason),
    /// Not usable; kept for the record.
    Bad(Reason),
}

impl Quality {
    /// True for [`Quality::Good`].
    #[must_use]
    pub fn is_good(self) -> bool {
        matches!(self, Quality::Good)
    }
}

/// One reading in its expanded form, as both ends keep it in memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// Outbox sequence number.
    pub seq: Seq,
    /// Which channel.
    pub channel: ChannelId,
    /// Agent UTC time of the poll.
    pub time: UtcMillis,
    /// Raw register value(s) as read, combined per the data type (bits preserved).
    pub raw: i64,
    /// For pulse counters: running total of pulses in this epoch.
    pub total_pulses: Option<u64>,
    /// Engineering value (m³ for counters).
    pub value: f64,
    /// Quality code.
    pub quality: Quality,
}

impl Reading {
    /// Equality that treats NaN values as equal when their bits are equal.
    #[must_use]
    pub fn same_as(&self, other: &Reading) -> bool {
        self.seq == other.seq
            && self.channel == other.channel
            && self.time == other.time
            && self.raw == other.raw
            && self.total_pulses == other.total_pulses
            && self.value.to_bits() == other.value.to_bits()
            && self.quality == other.quality
    }
}
