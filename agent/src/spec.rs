//! The validated, resolved view of the agent config that the pipeline runs on.
//!
//! [`AgentSpec::build`] turns a validated [`AgentConfig`] into devices and
//! channels with their outbox [`ChannelId`]s, codings and counter
//! parameters. Every pulse counter also gets a derived flow channel,
//! `<id>:flow` (l/s from Δlitres/Δt between two reads; raw = the flow in
//! ml/s rounded to an integer, coded `Linear { scale: 0.001 }`, so it
//! delta-encodes on the wire like any register).

use std::path::PathBuf;
use std::time::Duration;

use caudal_config::agent::{AgentConfig, ByteOrder, DataType, Link, RegisterKind};
use caudal_protocol::{ChannelId, Coding, Variable};

use crate::decode::coding_for;
use crate::process::counter::CounterParams;

/// What the outbox needs to know to give a channel its stable id.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelDef {
    /// Config id (`<id>:flow` for derived flow channels).
    pub name: String,
    /// Catchment point code.
    pub point: String,
    /// What is measured.
    pub variable: Variable,
    /// Unit of the engineering value.
    pub unit: String,
    /// How value derives from raw.
    pub coding: Coding,
    /// Never dropped when the disk is full.
    pub regulated: bool,
}

/// Coding of the derived flow channels: raw is ml/s.
pub const FLOW_CODING: Coding = Coding::Linear {
    scale: 0.001,
    offset: 0.0,
};

/// A counter channel's extra facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterSpec {
    /// Rollover/reset parameters.
    pub params: CounterParams,
    /// Cubic metres per pulse.
    pub m3_per_pulse: f64,
    /// The derived flow channel.
    pub flow: ChannelId,
}

/// One channel, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSpec {
    /// Outbox id.
    pub id: ChannelId,
    /// Definition (name, point, variable, coding...).
    pub def: ChannelDef,
    /// Modbus table.
    pub register: RegisterKind,
    /// First register.
    pub address: u16,
    /// Layout.
    pub data_type: DataType,
    /// Word/byte order.
    pub byte_order: ByteOrder,
    /// Plausible range of the engineering value.
    pub min: Option<f64>,
    /// Plausible range of the engineering value.
    pub max: Option<f64>,
    /// Counter facts, for pulse counters.
    pub counter: Option<CounterSpec>,
    /// `Suspect(Stuck)` after this long unchanged.
    pub stuck_after: Option<Duration>,
    /// Below this the sensor failed.
    pub sensor_fault_below: Option<f64>,
}

impl ChannelSpec {
    /// Registers (or bits) the channel spans.
    #[must_use]
    pub fn width(&self) -> u16 {
        match self.register {
            RegisterKind::Holding | RegisterKind::Input => self.data_type.registers(),
            RegisterKind::Coil | RegisterKind::Discrete => 1,
        }
    }
}

/// One device, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSpec {
    /// Position in the config (and in [`AgentSpec::devices`]).
    pub index: usize,
    /// Config id.
    pub id: String,
    /// TCP address or serial line.
    pub link: Link,
    /// Modbus unit id.
    pub unit_id: u8,
    /// Time between polls.
    pub poll_interval: Duration,
    /// Deadline of one request.
    pub timeout: Duration,
    /// Retries of a failed request within one poll.
    pub retries: u8,
    /// Longest wait between probes of a silent device.
    pub max_backoff: Duration,
    /// Channels in config order.
    pub channels: Vec<ChannelSpec>,
}

impl DeviceSpec {
    /// The serial port, for RTU devices.
    #[must_use]
    pub fn serial_port(&self) -> Option<&PathBuf> {
        match &self.link {
            Link::Rtu { port, .. } => Some(port),
            Link::Tcp { .. } => None,
        }
    }
}

/// The whole resolved config.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSpec {
    /// Devices in config order.
    pub devices: Vec<DeviceSpec>,
}

fn ms(v: std::num::NonZeroU64) -> Duration {
    Duration::from_millis(v.get())
}

impl AgentSpec {
    /// Resolve `cfg`, asking `register` for the id of each channel definition.
    ///
    /// # Errors
    /// Whatever `register` fails with.
    pub fn build<E>(
        cfg: &AgentConfig,
        mut register: impl FnMut(&ChannelDef) -> Result<ChannelId, E>,
    ) -> Result<AgentSpec, E> {
        let mut devices = Vec::with_capacity(cfg.devices.len());
        for (index, dev) in cfg.devices.iter().enumerate() {
            let mut channels = Vec::with_capacity(dev.channels.len());
            for ch in &dev.channels {
                let name = ch.id.get_ref().clone();
                let bits = ch
                    .bits
                    .as_ref()
                    .map(|b| (b.get_ref().shift, b.get_ref().width));
                let (coding, counter) = match ch.m3_per_pulse().filter(|_| ch.is_counter()) {
                    Some(m3_per_pulse) => {
                        let flow_def = ChannelDef {
                            name: format!("{name}:flow"),
                            point: ch.point.clone(),
                            variable: Variable::Flow,
                            unit: "l/s".to_owned(),
                            coding: FLOW_CODING,
                            regulated: ch.regulated,
                        };
                        let flow = register(&flow_def)?;
                        let threshold = ch.reset_threshold.map_or(0.0, f64::from);
                        #[allow(
                            clippy::cast_possible_truncation,
                            clippy::cast_sign_loss,
                            reason = "validated non-negative; saturates"
                        )]
                        let reset_threshold = threshold.floor() as u64;
                        let params = CounterParams {
                            bits: ch.counter_bits.as_ref().map_or(32, |b| *b.get_ref()),
                            reset_threshold,
                            max_pulses_per_second: ch.max_pulses_per_second.map(f64::from),
                        };
                        (
                            Coding::Counter { m3_per_pulse },
                            Some(CounterSpec {
                                params,
                                m3_per_pulse,
                                flow,
                            }),
                        )
                    }
                    None => (coding_for(ch.data_type, bits, ch.scale, ch.offset), None),
                };
                let unit = if counter.is_some() && ch.unit.is_empty() {
                    "m3".to_owned()
                } else {
                    ch.unit.clone()
                };
                let def = ChannelDef {
                    name,
                    point: ch.point.clone(),
                    variable: ch.variable,
                    unit,
                    coding,
                    regulated: ch.regulated,
                };
                let id = register(&def)?;
                channels.push(ChannelSpec {
                    id,
                    def,
                    register: ch.register,
                    address: ch.address.get_ref().get(),
                    data_type: ch.data_type,
                    byte_order: ch.byte_order,
                    min: ch.min,
                    max: ch.max,
                    counter,
                    stuck_after: ch.stuck_after_ms.map(ms),
                    sensor_fault_below: ch.sensor_fault_below,
                });
            }
            devices.push(DeviceSpec {
                index,
                id: dev.id.get_ref().clone(),
                link: dev.link(),
                unit_id: dev.unit_id.get(),
                poll_interval: ms(dev.poll_interval_ms),
                timeout: ms(dev.timeout_ms),
                retries: dev.retries,
                max_backoff: ms(dev.max_backoff_ms),
                channels,
            });
        }
        Ok(AgentSpec { devices })
    }
}
