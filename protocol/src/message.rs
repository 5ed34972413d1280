//! The messages of the sync protocol. Field and variant order is wire format.

use serde::{Deserialize, Serialize};

use crate::column::IntColumn;
use crate::types::{ChannelId, Epoch, Quality, Seq, UtcMillis, Variable};

/// Everything that travels in a frame. Variant order is wire format: only append.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// Agent opens a session.
    Hello(Hello),
    /// Collector accepts a session.
    Welcome(Welcome),
    /// Agent sends readings.
    Batch(Batch),
    /// Collector confirms durable storage.
    Ack(Ack),
    /// Collector refuses; the stream closes after it.
    Reject(Reject),
}

/// First message of a session, from the agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// Protocol version the agent speaks; always the first field.
    pub version: u16,
    /// Agent identity; must match the certificate's subject.
    pub agent_id: String,
    /// Epoch of the agent's outbox.
    pub epoch: Epoch,
    /// Agent software name and version, e.g. `caudal-agent 0.1.0`.
    pub software: String,
    /// SHA-256 of the agent's effective configuration.
    pub config_digest: [u8; 32],
    /// Agent clock when the hello was sent, for skew measurement.
    pub agent_time: UtcMillis,
    /// Every channel the outbox may still reference.
    pub channels: Vec<ChannelDesc>,
}

/// Describes one channel of an agent once per session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelDesc {
    /// Identifier used by [`Column::channel`].
    pub id: ChannelId,
    /// Catchment point code (e.g. the well's code).
    pub point: String,
    /// What is measured.
    pub variable: Variable,
    /// Unit of the engineering value, e.g. `m3`, `l/s`, `m`.
    pub unit: String,
    /// How the engineering value derives from the raw value.
    pub coding: Coding,
    /// Whether a regulator report depends on this channel.
    pub regulated: bool,
}

/// How a reading's engineering value derives from its raw value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Coding {
    /// `value = raw * scale + offset` (integer registers).
    Linear {
        /// Multiplier.
        scale: f64,
        /// Added after scaling.
        offset: f64,
    },
    /// `value = f32::from_bits(raw) * scale + offset`.
    Float32 {
        /// Multiplier.
        scale: f64,
        /// Added after scaling.
        offset: f64,
    },
    /// `value = f64::from_bits(raw) * scale + offset`.
    Float64 {
        /// Multiplier.
        scale: f64,
        /// Added after scaling.
        offset: f64,
    },
    /// `value = (raw >> shift) & (2^width - 1)` (status words).
    Bits {
        /// Lowest bit.
        shift: u8,
        /// Number of bits.
        width: u8,
    },
    /// Pulse counter: `value = total_pulses * m3_per_pulse` (m³).
    Counter {
        /// Cubic metres per pulse: `calibration_factor / (pulses_per_liter * 1000)`.
        m3_per_pulse: f64,
    },
}

impl Coding {
    /// The engineering value a reading with these raw values has under this coding.
    #[must_use]
    pub fn value(&self, raw: i64, total_pulses: Option<u64>) -> f64 {
        let raw_bits = u64::from_ne_bytes(raw.to_ne_bytes());
        match *self {
            #[allow(
                clippy::cast_precision_loss,
                reason = "register values are far below 2^53"
            )]
            Coding::Linear { scale, offset } => raw as f64 * scale + offset,
            Coding::Float32 { scale, offset } => {
                let bits = u32::try_from(raw_bits & 0xFFFF_FFFF).unwrap_or(0);
                f64::from(f32::from_bits(bits)) * scale + offset
            }
            Coding::Float64 { scale, offset } => f64::from_bits(raw_bits) * scale + offset,
            Coding::Bits { shift, width } => {
                let shifted = raw_bits.checked_shr(u32::from(shift)).unwrap_or(0);
                let mask = 1u64
                    .checked_shl(u32::from(width))
                    .map_or(u64::MAX, |m| m - 1);
                #[allow(clippy::cast_precision_loss, reason = "bit fields are narrow")]
                let v = (shifted & mask) as f64;
                v
            }
            Coding::Counter { m3_per_pulse } => {
                #[allow(clippy::cast_precision_loss, reason = "pulse totals stay below 2^53")]
                let pulses = total_pulses.unwrap_or(0) as f64;
                pulses * m3_per_pulse
            }
        }
    }
}

/// The collector's answer to a [`Hello`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// Protocol version the session will use.
    pub version: u16,
    /// Highest contiguous seq of this epoch already stored (0 when none): resume after it.
    pub resume_after_seq: Seq,
    /// Collector clock when the welcome was sent.
    pub server_time: UtcMillis,
    /// `agent_time - server_time` as measured at the hello, in ms.
    pub clock_skew_ms: i64,
    /// How many batches the agent may have unacknowledged at once.
    pub max_inflight_batches: u32,
    /// Largest batch the collector accepts, in readings.
    pub max_batch_readings: u32,
}

/// Readings `first_seq ..= first_seq + count - 1` of one epoch, grouped per channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Epoch these readings belong to.
    pub epoch: Epoch,
    /// Seq of the first reading.
    pub first_seq: Seq,
    /// Number of readings; the seqs are contiguous.
    pub count: u32,
    /// One column per channel present.
    pub columns: Vec<Column>,
}

/// The readings of one channel within a [`Batch`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Which channel.
    pub channel: ChannelId,
    /// When set, `seq_offsets` and `times` hold element-wise differences from
    /// the previous column's (same length): channels of one device polled
    /// together share times and sit at consecutive seqs, so this costs ~nothing.
    pub relative: bool,
    /// `seq - first_seq` of each reading, ascending.
    pub seq_offsets: IntColumn,
    /// Agent UTC time in ms of each reading.
    pub times: IntColumn,
    /// Raw value of each reading (bits of the register words).
    pub raw: IntColumn,
    /// Running pulse totals; present for counter channels only.
    pub totals: Option<IntColumn>,
    /// Engineering values.
    pub values: Values,
    /// Quality codes, run-length encoded.
    pub quality: Vec<QualityRun>,
}

/// Engineering values of a column: derived from raw by the channel's [`Coding`],
/// except where listed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Values {
    /// `(index in column, value)` for readings whose value is not the derived one.
    pub overrides: Vec<(u32, f64)>,
}

/// `run` consecutive readings of a column with the same quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityRun {
    /// The quality code.
    pub quality: Quality,
    /// How many readings in a row.
    pub run: u32,
}

/// The collector confirms that every reading of `epoch` up to `up_to_seq` is durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// Epoch acknowledged.
    pub epoch: Epoch,
    /// Highest contiguous seq committed.
    pub up_to_seq: Seq,
}

/// A refusal with a machine-readable reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// What went wrong, for programs.
    pub reason: RejectReason,
    /// What went wrong, for people.
    pub detail: String,
}

/// Why the collector refused. Variant order is wire format: only append.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectReason {
    /// The agent's protocol version is outside `min..=max`.
    UnsupportedVersion {
        /// Oldest supported.
        min: u16,
        /// Newest supported.
        max: u16,
    },
    /// The agent id does not match its certificate, or the agent is revoked.
    Unauthorized,
    /// A frame did not decode or broke the protocol's rules.
    Malformed,
    /// A frame was larger than [`crate::MAX_FRAME_LEN`].
    FrameTooLarge,
    /// A message arrived out of order (e.g. a batch before the hello).
    UnexpectedMessage,
    /// A batch names an epoch other than the session's.
    EpochMismatch,
    /// A batch references a channel not declared in the hello.
    UnknownChannel,
    /// The collector is overloaded; retry later.
    Overloaded,
    /// The collector failed to store; retry later.
    Internal,
    /// Any other reason, by number.
    Other(u16),
}
