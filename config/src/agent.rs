//! `caudal-agent` configuration: identity, collector link, outbox, devices and channels.
//!
//! See `config/examples/agent.toml` for a commented example.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use caudal_protocol::Variable;

use crate::{Invalid, NonNegativeF64, PositiveF64, RegisterAddr, UnitId, Validate};

/// The whole agent file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Who this gateway is and where it keeps data.
    pub agent: AgentSection,
    /// How to reach the collector. Absent: the agent only acquires and buffers.
    #[serde(default)]
    pub collector: Option<CollectorLink>,
    /// Field devices to poll.
    #[serde(default)]
    pub devices: Vec<Device>,
}

/// Identity, storage and local endpoints of the agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSection {
    /// Agent identity; must match the certificate issued by `caudal-collector enroll`.
    pub id: Spanned<String>,
    /// Directory of the outbox database (`outbox.sqlite`) and state.
    pub data_dir: PathBuf,
    /// Largest size the outbox may take on disk, in bytes.
    #[serde(default = "default_disk_budget_bytes")]
    pub disk_budget_bytes: NonZeroU64,
    /// What to do with new readings when the disk budget is reached.
    #[serde(default)]
    pub when_full: WhenFull,
    /// Local address of the Prometheus metrics endpoint; absent disables it.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
}

fn default_disk_budget_bytes() -> NonZeroU64 {
    NonZeroU64::new(512 * 1024 * 1024).unwrap_or(NonZeroU64::MIN)
}

/// Overflow policy of the outbox when `disk_budget_bytes` is reached.
///
/// Whatever the policy, readings of regulated channels are never dropped:
/// the agent keeps them and raises the `outbox_full` alarm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Stop storing new readings (polls continue, readings are counted as refused) until space frees.
    #[default]
    Block,
    /// Delete the oldest unacknowledged readings of unregulated channels to make room.
    DropOldestUnregulated,
}

/// The QUIC link to the collector.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorLink {
    /// `host:port` of the collector's QUIC listener.
    pub address: String,
    /// Name on the collector's certificate (default `caudal-collector`).
    #[serde(default = "default_server_name")]
    pub server_name: String,
    /// CA certificate (PEM) that signed the collector's certificate.
    pub ca_cert: PathBuf,
    /// This agent's certificate (PEM).
    pub cert: PathBuf,
    /// This agent's private key (PEM).
    pub key: PathBuf,
    /// Largest batch sent, in readings.
    #[serde(default = "default_batch_readings")]
    pub batch_readings: NonZeroU32,
    /// Batches in flight before waiting for an ack.
    #[serde(default = "default_inflight_batches")]
    pub inflight_batches: NonZeroU32,
    /// Wait up to this long for a full batch before sending a partial one: longer
    /// lingers send fewer, larger batches (fewer bytes per reading on a billed link).
    #[serde(default = "default_batch_linger_ms")]
    pub batch_linger_ms: NonZeroU64,
}

fn default_server_name() -> String {
    "caudal-collector".to_owned()
}

fn default_batch_readings() -> NonZeroU32 {
    NonZeroU32::new(4096).unwrap_or(NonZeroU32::MIN)
}

fn default_batch_linger_ms() -> NonZeroU64 {
    NonZeroU64::new(5_000).unwrap_or(NonZeroU64::MIN)
}

fn default_inflight_batches() -> NonZeroU32 {
    NonZeroU32::new(8).unwrap_or(NonZeroU32::MIN)
}

/// One field device (a Modbus slave).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Device identifier, unique in the file.
    pub id: Spanned<String>,
    /// `tcp` or `rtu`.
    pub transport: Spanned<Transport>,
    /// TCP: `host:port` of the Modbus TCP server.
    #[serde(default)]
    pub address: Option<Spanned<String>>,
    /// RTU: serial port path, e.g. `/dev/ttyUSB0`.
    #[serde(default)]
    pub port: Option<Spanned<PathBuf>>,
    /// RTU: baud rate.
    #[serde(default)]
    pub baud: Option<Spanned<u32>>,
    /// RTU: parity.
    #[serde(default)]
    pub parity: Option<Spanned<Parity>>,
    /// RTU: stop bits (1 or 2).
    #[serde(default)]
    pub stop_bits: Option<Spanned<u8>>,
    /// RTU: data bits (7 or 8).
    #[serde(default)]
    pub data_bits: Option<Spanned<u8>>,
    /// Modbus unit id (1 to 247).
    #[serde(default = "default_unit_id")]
    pub unit_id: UnitId,
    /// Time between polls of this device.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: NonZeroU64,
    /// Deadline of one request.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: NonZeroU64,
    /// Retries of a failed request within one poll.
    #[serde(default = "default_retries")]
    pub retries: u8,
    /// Longest wait between probes of a device that stopped answering.
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: NonZeroU64,
    /// The registers to read.
    #[serde(default)]
    pub channels: Vec<Channel>,
}

fn default_unit_id() -> UnitId {
    UnitId::try_from(1i64).unwrap_or_else(|_| unreachable!("1 is a valid unit id"))
}
fn default_poll_interval_ms() -> NonZeroU64 {
    NonZeroU64::new(1000).unwrap_or(NonZeroU64::MIN)
}
fn default_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(500).unwrap_or(NonZeroU64::MIN)
}
fn default_retries() -> u8 {
    2
}
fn default_max_backoff_ms() -> NonZeroU64 {
    NonZeroU64::new(60_000).unwrap_or(NonZeroU64::MIN)
}

/// Transport of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Modbus TCP.
    Tcp,
    /// Modbus RTU on a serial line.
    Rtu,
}

/// Serial parity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parity {
    /// No parity.
    #[default]
    None,
    /// Even parity.
    Even,
    /// Odd parity.
    Odd,
}

/// A validated view of a device's link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Modbus TCP to `address`.
    Tcp {
        /// `host:port`.
        address: String,
    },
    /// Modbus RTU on a serial port.
    Rtu {
        /// Port path.
        port: PathBuf,
        /// Baud rate.
        baud: u32,
        /// Parity.
        parity: Parity,
        /// Stop bits.
        stop_bits: u8,
        /// Data bits.
        data_bits: u8,
    },
}

impl Device {
    /// The device's link (valid after [`Validate::validate`]).
    #[must_use]
    pub fn link(&self) -> Link {
        match *self.transport.get_ref() {
            Transport::Tcp => Link::Tcp {
                address: self
                    .address
                    .as_ref()
                    .map(|a| a.get_ref().clone())
                    .unwrap_or_default(),
            },
            Transport::Rtu => Link::Rtu {
                port: self
                    .port
                    .as_ref()
                    .map(|p| p.get_ref().clone())
                    .unwrap_or_default(),
                baud: self.baud.as_ref().map_or(9600, |b| *b.get_ref()),
                parity: self.parity.as_ref().map_or(Parity::None, |p| *p.get_ref()),
                stop_bits: self.stop_bits.as_ref().map_or(1, |s| *s.get_ref()),
                data_bits: self.data_bits.as_ref().map_or(8, |s| *s.get_ref()),
            },
        }
    }
}

/// Modbus data table of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    /// Holding registers (function 3).
    Holding,
    /// Input registers (function 4).
    Input,
    /// Coils (function 1).
    Coil,
    /// Discrete inputs (function 2).
    Discrete,
}

/// How a value is laid out in registers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    /// Unsigned 16 bits, one register.
    #[default]
    U16,
    /// Signed 16 bits.
    I16,
    /// Unsigned 32 bits, two registers.
    U32,
    /// Signed 32 bits.
    I32,
    /// Unsigned 64 bits, four registers.
    U64,
    /// IEEE 754 single, two registers.
    F32,
    /// IEEE 754 double, four registers.
    F64,
}

impl DataType {
    /// The TOML spelling.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DataType::U16 => "u16",
            DataType::I16 => "i16",
            DataType::U32 => "u32",
            DataType::I32 => "i32",
            DataType::U64 => "u64",
            DataType::F32 => "f32",
            DataType::F64 => "f64",
        }
    }

    /// Registers the type spans.
    #[must_use]
    pub fn registers(self) -> u16 {
        match self {
            DataType::U16 | DataType::I16 => 1,
            DataType::U32 | DataType::I32 | DataType::F32 => 2,
            DataType::U64 | DataType::F64 => 4,
        }
    }
}

/// Word and byte order of multi-register values, named by the byte sequence on the wire
/// for a value whose big-endian bytes are `A B C D`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteOrder {
    /// Big-endian words, big-endian bytes (Modbus standard).
    #[default]
    Abcd,
    /// Little-endian words (word swap), big-endian bytes.
    Cdab,
    /// Big-endian words, swapped bytes.
    Badc,
    /// Fully little-endian.
    Dcba,
}

/// A bit field within a status register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitField {
    /// Lowest bit (0 = least significant).
    pub shift: u8,
    /// Number of bits.
    pub width: u8,
}

/// One value read from a device.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Channel identifier, unique across the file.
    pub id: Spanned<String>,
    /// Catchment point code (e.g. the DGA obra code of the well).
    pub point: String,
    /// What is measured.
    pub variable: Variable,
    /// Modbus table.
    pub register: RegisterKind,
    /// First register (protocol address, 0-based).
    pub address: Spanned<RegisterAddr>,
    /// Layout of the value.
    #[serde(default)]
    pub data_type: DataType,
    /// Word/byte order of multi-register values.
    #[serde(default)]
    pub byte_order: ByteOrder,
    /// Multiplier applied to the decoded value.
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// Added after scaling.
    #[serde(default)]
    pub offset: f64,
    /// Unit of the engineering value (m3 for counters).
    #[serde(default)]
    pub unit: String,
    /// Lowest plausible engineering value; below it the reading is `Bad(OutOfRange)`.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest plausible engineering value.
    #[serde(default)]
    pub max: Option<f64>,
    /// Bit field of a status word.
    #[serde(default)]
    pub bits: Option<Spanned<BitField>>,
    /// Pulse counters: pulses per litre of the meter's output.
    #[serde(default)]
    pub pulses_per_liter: Option<Spanned<PositiveF64>>,
    /// Pulse counters: meter correction factor (1.0 = as specified).
    #[serde(default)]
    pub calibration_factor: Option<PositiveF64>,
    /// Pulse counters: width of the device's counter register (16 or 32).
    #[serde(default)]
    pub counter_bits: Option<Spanned<u8>>,
    /// Pulse counters: a raw value at or below this after a decrease means a device reset,
    /// not a rollover.
    #[serde(default)]
    pub reset_threshold: Option<NonNegativeF64>,
    /// Pulse counters: the fastest the meter can plausibly count, in pulses per second.
    /// A decrease whose wrap-adjusted delta fits this rate over the elapsed time is a
    /// rollover; otherwise it is a device reset. Absent: `reset_threshold` and half the
    /// counter range decide (see `caudal_agent::process::counter`).
    #[serde(default)]
    pub max_pulses_per_second: Option<PositiveF64>,
    /// A value unchanged (bit for bit) for longer than this is `Suspect(Stuck)`.
    #[serde(default)]
    pub stuck_after_ms: Option<NonZeroU64>,
    /// An engineering value below this means the sensor failed (e.g. a 4-20 mA loop
    /// below 3.8 mA): the reading, and the level readings of the same point in the
    /// same poll, are `Bad(SensorFault)`.
    #[serde(default)]
    pub sensor_fault_below: Option<f64>,
    /// A regulator report depends on this channel: never dropped when the disk is full.
    #[serde(default)]
    pub regulated: bool,
}

fn default_scale() -> f64 {
    1.0
}

impl Channel {
    /// Cubic metres per pulse: `calibration_factor / (pulses_per_liter * 1000)`.
    #[must_use]
    pub fn m3_per_pulse(&self) -> Option<f64> {
        let ppl = self.pulses_per_liter.as_ref()?.get_ref().get();
        let cal = self.calibration_factor.map_or(1.0, PositiveF64::get);
        Some(cal / (ppl * 1000.0))
    }

    /// True for pulse counters.
    #[must_use]
    pub fn is_counter(&self) -> bool {
        self.variable == Variable::Pulses
    }
}

fn check_device(i: usize, dev: &Device, out: &mut Vec<Invalid>) {
    let at = |field: &str| format!("devices[{i}].{field}");
    let span = dev.transport.span();
    match *dev.transport.get_ref() {
        Transport::Tcp => {
            match &dev.address {
                None => out.push(Invalid::new(
                    span,
                    at("address"),
                    "a tcp device needs `address = \"host:port\"`",
                )),
                Some(a) if !a.get_ref().contains(':') => out.push(Invalid::new(
                    a.span(),
                    at("address"),
                    format!(
                        "`{}` is not host:port (e.g. \"192.168.1.20:502\")",
                        a.get_ref()
                    ),
                )),
                Some(_) => {}
            }
            for (name, s) in [
                ("port", dev.port.as_ref().map(Spanned::span)),
                ("baud", dev.baud.as_ref().map(Spanned::span)),
                ("parity", dev.parity.as_ref().map(Spanned::span)),
                ("stop_bits", dev.stop_bits.as_ref().map(Spanned::span)),
                ("data_bits", dev.data_bits.as_ref().map(Spanned::span)),
            ] {
                if let Some(s) = s {
                    out.push(Invalid::new(
                        s,
                        at(name),
                        format!("`{name}` applies to rtu devices only"),
                    ));
                }
            }
        }
        Transport::Rtu => {
            if dev.port.is_none() {
                out.push(Invalid::new(
                    span,
                    at("port"),
                    "an rtu device needs `port = \"/dev/ttyUSB0\"`",
                ));
            }
            if let Some(a) = &dev.address {
                out.push(Invalid::new(
                    a.span(),
                    at("address"),
                    "`address` applies to tcp devices only",
                ));
            }
            crate::check_baud(dev.baud.as_ref(), at("baud"), out);
            if let Some(s) = &dev.stop_bits
                && !matches!(s.get_ref(), 1 | 2)
            {
                out.push(Invalid::new(
                    s.span(),
                    at("stop_bits"),
                    "stop bits must be 1 or 2",
                ));
            }
            if let Some(s) = &dev.data_bits
                && !matches!(s.get_ref(), 7 | 8)
            {
                out.push(Invalid::new(
                    s.span(),
                    at("data_bits"),
                    "data bits must be 7 or 8",
                ));
            }
        }
    }
}

fn check_channel(i: usize, j: usize, ch: &Channel, out: &mut Vec<Invalid>) {
    let at = |field: &str| format!("devices[{i}].channels[{j}].{field}");
    let addr = ch.address.get_ref().get();
    let words = match ch.register {
        RegisterKind::Holding | RegisterKind::Input => ch.data_type.registers(),
        RegisterKind::Coil | RegisterKind::Discrete => 1,
    };
    if u32::from(addr) + u32::from(words) > 65_536 {
        out.push(Invalid::new(
            ch.address.span(),
            at("address"),
            format!(
                "a {} at address {addr} spans {words} registers and runs past 65535",
                ch.data_type.name()
            ),
        ));
    }
    if matches!(ch.register, RegisterKind::Coil | RegisterKind::Discrete)
        && ch.data_type != DataType::U16
    {
        out.push(Invalid::new(
            ch.address.span(),
            at("data_type"),
            "coils and discrete inputs are single bits: leave data_type out",
        ));
    }
    if let (Some(min), Some(max)) = (ch.min, ch.max)
        && min > max
    {
        out.push(Invalid::new(
            ch.id.span(),
            at("min"),
            format!("min {min} is greater than max {max}"),
        ));
    }
    if let Some(b) = &ch.bits {
        let f = b.get_ref();
        let width_bits = u32::from(ch.data_type.registers()) * 16;
        if f.width == 0 || u32::from(f.shift) + u32::from(f.width) > width_bits {
            out.push(Invalid::new(
                b.span(),
                at("bits"),
                format!(
                    "bit field {}+{} does not fit a {width_bits}-bit value",
                    f.shift, f.width
                ),
            ));
        }
    }
    if ch.is_counter() {
        if ch.pulses_per_liter.is_none() {
            out.push(Invalid::new(
                ch.id.span(),
                at("pulses_per_liter"),
                "a pulse counter needs `pulses_per_liter` (pulses the meter emits per litre)",
            ));
        }
        match &ch.counter_bits {
            Some(b) if !matches!(b.get_ref(), 16 | 32) => out.push(Invalid::new(
                b.span(),
                at("counter_bits"),
                format!(
                    "counter width {} is not supported: use 16 or 32",
                    b.get_ref()
                ),
            )),
            None => out.push(Invalid::new(
                ch.id.span(),
                at("counter_bits"),
                "a pulse counter needs `counter_bits` (16 or 32: where the device's counter wraps)",
            )),
            Some(_) => {}
        }
        if !matches!(ch.data_type, DataType::U16 | DataType::U32) {
            out.push(Invalid::new(
                ch.id.span(),
                at("data_type"),
                "a pulse counter is read as u16 or u32",
            ));
        }
    } else {
        for (name, present) in [
            ("pulses_per_liter", ch.pulses_per_liter.is_some()),
            ("calibration_factor", ch.calibration_factor.is_some()),
            ("counter_bits", ch.counter_bits.is_some()),
            ("max_pulses_per_second", ch.max_pulses_per_second.is_some()),
        ] {
            if present {
                out.push(Invalid::new(
                    ch.id.span(),
                    at(name),
                    format!("`{name}` applies to `variable = \"pulses\"` channels only"),
                ));
            }
        }
    }
}

impl Validate for AgentConfig {
    fn validate(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        if self.agent.id.get_ref().trim().is_empty() {
            out.push(Invalid::new(
                self.agent.id.span(),
                "agent.id",
                "the agent id must not be empty",
            ));
        }
        let mut device_ids: HashMap<&str, usize> = HashMap::new();
        let mut channel_ids: HashMap<&str, (usize, usize)> = HashMap::new();
        for (i, dev) in self.devices.iter().enumerate() {
            if let Some(first) = device_ids.insert(dev.id.get_ref(), i) {
                out.push(Invalid::new(
                    dev.id.span(),
                    format!("devices[{i}].id"),
                    format!(
                        "duplicate device id `{}` (first used by devices[{first}])",
                        dev.id.get_ref()
                    ),
                ));
            }
            check_device(i, dev, &mut out);
            for (j, ch) in dev.channels.iter().enumerate() {
                if let Some((fi, fj)) = channel_ids.insert(ch.id.get_ref(), (i, j)) {
                    out.push(Invalid::new(ch.id.span(), format!("devices[{i}].channels[{j}].id"), format!("duplicate channel id `{}` (first used by devices[{fi}].channels[{fj}])", ch.id.get_ref())));
                }
                check_channel(i, j, ch, &mut out);
            }
        }
        out
    }
}
