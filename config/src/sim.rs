//! `caudal-sim` configuration: a field of simulated wells, their physics,
//! transports and scripted faults.
//!
//! See `config/examples/sim.toml` for a commented example.
//!
//! Time: every `*_s` value is **simulated** seconds. With `time_scale = 1000`
//! one real second is 1000 simulated seconds, so a simulated day takes about
//! 86 real seconds. `time_scale = 0` stops the clock: only an explicit
//! advance (the `Field::advance` API of `caudal-sim`) moves it, which is what
//! deterministic tests use. Values that concern the client side
//! (`delay_ms` of a slow reply) are real milliseconds.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::{Invalid, NonNegativeF64, PositiveF64, UnitId, Validate};

/// The whole simulator file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Seed of every random draw (flow noise, garbage bytes): the same seed and
    /// config give the same trajectory in simulated time.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated seconds per real second; 0 = the clock only moves when advanced explicitly.
    #[serde(default = "default_time_scale")]
    pub time_scale: NonNegativeF64,
    /// Fixed step of the physical model, simulated milliseconds.
    #[serde(default = "default_model_step_ms")]
    pub model_step_ms: NonZeroU64,
    /// Address of the ground-truth JSON endpoint (`GET /truth`); port 0 picks a free port.
    #[serde(default = "default_truth_listen")]
    pub truth_listen: SocketAddr,
    /// Pump behaviour of every device that does not set its own.
    #[serde(default)]
    pub pump: PumpParams,
    /// Aquifer of every device that does not set its own.
    #[serde(default)]
    pub aquifer: AquiferParams,
    /// The simulated wells.
    #[serde(default)]
    pub devices: Vec<SimDevice>,
    /// Many identical wells for load tests, added after `devices`.
    #[serde(default)]
    pub fleet: Option<FleetSection>,
}

fn default_seed() -> u64 {
    1
}
fn default_time_scale() -> NonNegativeF64 {
    NonNegativeF64::try_from(1.0).unwrap_or_else(|_| unreachable!("1 is not negative"))
}
fn default_model_step_ms() -> NonZeroU64 {
    NonZeroU64::new(100).unwrap_or(NonZeroU64::MIN)
}
fn default_truth_listen() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}
fn default_listen() -> Spanned<SocketAddr> {
    Spanned::new(0..0, default_truth_listen())
}

impl Default for SimConfig {
    /// A field with no devices, real time (`time_scale = 1`), seed 1.
    fn default() -> Self {
        SimConfig {
            seed: default_seed(),
            time_scale: default_time_scale(),
            model_step_ms: default_model_step_ms(),
            truth_listen: default_truth_listen(),
            pump: PumpParams::default(),
            aquifer: AquiferParams::default(),
            devices: Vec::new(),
            fleet: None,
        }
    }
}

/// Transport of a simulated device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimTransport {
    /// Modbus TCP server.
    Tcp,
    /// Modbus RTU slave on a pseudo-terminal.
    Rtu,
}

/// One simulated well controller.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimDevice {
    /// Device identifier, unique in the file.
    pub id: Spanned<String>,
    /// Modbus unit id (1 to 247).
    #[serde(default = "default_unit_id")]
    pub unit_id: Spanned<UnitId>,
    /// `tcp` or `rtu`.
    pub transport: Spanned<SimTransport>,
    /// TCP: address to listen on; port 0 picks a free port.
    #[serde(default = "default_listen")]
    pub listen: Spanned<SocketAddr>,
    /// Devices naming the same gateway share one TCP port (or one serial line) and
    /// are told apart by unit id. Without it each device has its own.
    #[serde(default)]
    pub gateway: Option<Spanned<String>>,
    /// RTU: baud rate, sets the 3.5-character frame silence.
    #[serde(default)]
    pub baud: Option<Spanned<u32>>,
    /// RTU: a symlink created to the pty slave, so another program's config can name a stable path.
    #[serde(default)]
    pub symlink: Option<Spanned<PathBuf>>,
    /// Width of the counter register: 16 or 32.
    #[serde(default = "default_counter_bits")]
    pub counter_bits: Spanned<u8>,
    /// Counter register value at power-up (an installed meter is rarely at zero).
    #[serde(default)]
    pub counter_start: u32,
    /// Meter constant, pulses per litre (0.001 to 65.535, in steps of 0.001).
    #[serde(default = "default_pulses_per_liter")]
    pub pulses_per_liter: Spanned<PositiveF64>,
    /// Water above the sensor at 20 mA, metres.
    #[serde(default = "default_level_span_m")]
    pub level_span_m: PositiveF64,
    /// Pump behaviour; absent = the file's `[pump]`.
    #[serde(default)]
    pub pump: Option<PumpParams>,
    /// Aquifer; absent = the file's `[aquifer]`.
    #[serde(default)]
    pub aquifer: Option<AquiferParams>,
    /// Faults that switch on (and off) at given simulated times.
    #[serde(default)]
    pub faults: Vec<ScriptedFault>,
}

fn default_unit_id() -> Spanned<UnitId> {
    Spanned::new(
        0..0,
        UnitId::try_from(1i64).unwrap_or_else(|_| unreachable!("1 is a valid unit id")),
    )
}
fn default_counter_bits() -> Spanned<u8> {
    Spanned::new(0..0, 32)
}
fn default_pulses_per_liter() -> Spanned<PositiveF64> {
    Spanned::new(0..0, positive(1.0))
}
fn default_level_span_m() -> PositiveF64 {
    positive(100.0)
}

fn positive(v: f64) -> PositiveF64 {
    PositiveF64::new(v).unwrap_or_else(|| unreachable!("default constants are positive"))
}
fn non_negative(v: f64) -> NonNegativeF64 {
    NonNegativeF64::try_from(v)
        .unwrap_or_else(|_| unreachable!("default constants are not negative"))
}

impl SimDevice {
    /// A TCP device on `127.0.0.1:0` with every default.
    #[must_use]
    pub fn tcp(id: &str, unit_id: UnitId) -> SimDevice {
        SimDevice::new(id, unit_id, SimTransport::Tcp)
    }

    /// An RTU device on its own pty with every default.
    #[must_use]
    pub fn rtu(id: &str, unit_id: UnitId) -> SimDevice {
        SimDevice::new(id, unit_id, SimTransport::Rtu)
    }

    fn new(id: &str, unit_id: UnitId, transport: SimTransport) -> SimDevice {
        SimDevice {
            id: Spanned::new(0..0, id.to_owned()),
            unit_id: Spanned::new(0..0, unit_id),
            transport: Spanned::new(0..0, transport),
            listen: default_listen(),
            gateway: None,
            baud: None,
            symlink: None,
            counter_bits: default_counter_bits(),
            counter_start: 0,
            pulses_per_liter: default_pulses_per_liter(),
            level_span_m: default_level_span_m(),
            pump: None,
            aquifer: None,
            faults: Vec::new(),
        }
    }

    /// Meter constant as the device stores it: pulses per litre x 1000.
    #[must_use]
    pub fn pulses_per_liter_milli(&self) -> Option<u16> {
        let milli = (self.pulses_per_liter.get_ref().get() * 1000.0).round();
        (1.0..=65_535.0).contains(&milli).then(|| {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "range checked just above"
            )]
            let m = milli as u16;
            m
        })
    }
}

/// Pump duty cycle and motor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PumpParams {
    /// Running time of each cycle, seconds.
    #[serde(default = "default_on_s")]
    pub on_s: PositiveF64,
    /// Stopped time of each cycle, seconds (0 = runs all the time).
    #[serde(default = "default_off_s")]
    pub off_s: NonNegativeF64,
    /// Seconds into the first cycle at start (spreads the starts of a fleet).
    #[serde(default = "default_phase_s")]
    pub phase_s: NonNegativeF64,
    /// Flow of a pump with water, litres per second.
    #[serde(default = "default_flow_lps")]
    pub flow_lps: PositiveF64,
    /// Relative flow noise (0.02 = ±2 %).
    #[serde(default = "default_flow_noise")]
    pub flow_noise: NonNegativeF64,
    /// Motor current of a pump with water, amperes.
    #[serde(default = "default_current_a")]
    pub current_a: PositiveF64,
    /// Motor current of a pump running dry, amperes (higher than `current_a`).
    #[serde(default = "default_dry_current_a")]
    pub dry_current_a: PositiveF64,
    /// Seconds of dry running before the motor protection trips.
    #[serde(default = "default_dry_trip_s")]
    pub dry_trip_s: PositiveF64,
    /// Seconds a trip lasts before the protection resets by itself.
    #[serde(default = "default_trip_reset_s")]
    pub trip_reset_s: PositiveF64,
}

fn default_phase_s() -> NonNegativeF64 {
    non_negative(0.0)
}
fn default_on_s() -> PositiveF64 {
    positive(3_600.0)
}
fn default_off_s() -> NonNegativeF64 {
    non_negative(1_800.0)
}
fn default_flow_lps() -> PositiveF64 {
    positive(12.0)
}
fn default_flow_noise() -> NonNegativeF64 {
    non_negative(0.02)
}
fn default_current_a() -> PositiveF64 {
    positive(18.0)
}
fn default_dry_current_a() -> PositiveF64 {
    positive(26.0)
}
fn default_dry_trip_s() -> PositiveF64 {
    positive(600.0)
}
fn default_trip_reset_s() -> PositiveF64 {
    positive(1_800.0)
}

impl Default for PumpParams {
    /// A 12 l/s pump running one hour in every hour and a half.
    fn default() -> Self {
        PumpParams {
            on_s: default_on_s(),
            off_s: default_off_s(),
            phase_s: non_negative(0.0),
            flow_lps: default_flow_lps(),
            flow_noise: default_flow_noise(),
            current_a: default_current_a(),
            dry_current_a: default_dry_current_a(),
            dry_trip_s: default_dry_trip_s(),
            trip_reset_s: default_trip_reset_s(),
        }
    }
}

/// Water level response of the well.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AquiferParams {
    /// Water above the sensor at rest, metres.
    #[serde(default = "default_static_level_m")]
    pub static_level_m: PositiveF64,
    /// Drawdown after long pumping at the nominal flow, metres.
    #[serde(default = "default_drawdown_m")]
    pub drawdown_m: NonNegativeF64,
    /// Time constant of the drawdown while pumping, seconds.
    #[serde(default = "default_drawdown_tau_s")]
    pub drawdown_tau_s: PositiveF64,
    /// Time constant of the recovery while stopped, seconds.
    #[serde(default = "default_recovery_tau_s")]
    pub recovery_tau_s: PositiveF64,
    /// Water above the sensor below which the pump intake sucks air, metres.
    #[serde(default = "default_pump_intake_m")]
    pub pump_intake_m: NonNegativeF64,
}

fn default_static_level_m() -> PositiveF64 {
    positive(40.0)
}
fn default_drawdown_m() -> NonNegativeF64 {
    non_negative(15.0)
}
fn default_drawdown_tau_s() -> PositiveF64 {
    positive(900.0)
}
fn default_recovery_tau_s() -> PositiveF64 {
    positive(1_800.0)
}
fn default_pump_intake_m() -> NonNegativeF64 {
    non_negative(5.0)
}

impl Default for AquiferParams {
    /// 40 m of water at rest, 15 m of drawdown, intake 5 m above the sensor: never dry.
    fn default() -> Self {
        AquiferParams {
            static_level_m: default_static_level_m(),
            drawdown_m: default_drawdown_m(),
            drawdown_tau_s: default_drawdown_tau_s(),
            recovery_tau_s: default_recovery_tau_s(),
            pump_intake_m: default_pump_intake_m(),
        }
    }
}

/// Names of the faults a device can suffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultName {
    /// Instant: preset the counter `pulses_before_wrap` below its wrap point.
    CounterRollover,
    /// Instant: power cycle, the counter and totalisers restart at zero.
    Reboot,
    /// The level reading freezes at its current value.
    StuckSensor,
    /// The level loop reads `loop_ua` (default 0: broken wire; 4000 = stuck at the floor).
    DeadSensor,
    /// Every request gets the Modbus exception `code`.
    Exception,
    /// Replies come `delay_ms` real milliseconds late.
    SlowReply,
    /// Replies are replaced by line noise.
    GarbageBytes,
    /// A byte of every reply is lost on the line.
    DroppedBytes,
    /// Requests are read and never answered.
    NoReply,
    /// Instant: the device clock jumps `jump_s` seconds.
    ClockJump,
    /// The motor protection trips (until cleared or `trip_reset_s`).
    MotorTrip,
}

impl FaultName {
    /// Instant faults happen once and cannot have a duration.
    #[must_use]
    pub fn is_instant(self) -> bool {
        matches!(
            self,
            FaultName::CounterRollover | FaultName::Reboot | FaultName::ClockJump
        )
    }
}

/// A fault switched on at `at_s` and, with `for_s`, off again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedFault {
    /// Simulated seconds after start.
    pub at_s: NonNegativeF64,
    /// Which fault.
    pub fault: Spanned<FaultName>,
    /// How long it lasts, simulated seconds; absent = until cleared.
    #[serde(default)]
    pub for_s: Option<Spanned<PositiveF64>>,
    /// `exception`: the exception code (1 to 255).
    #[serde(default)]
    pub code: Option<Spanned<u8>>,
    /// `slow_reply`: delay before each reply, real milliseconds.
    #[serde(default)]
    pub delay_ms: Option<NonZeroU64>,
    /// `clock_jump`: seconds forward (or back, negative).
    #[serde(default)]
    pub jump_s: Option<i64>,
    /// `dead_sensor`: loop current to read, µA.
    #[serde(default)]
    pub loop_ua: Option<u16>,
    /// `counter_rollover`: pulses left before the register wraps.
    #[serde(default)]
    pub pulses_before_wrap: Option<u32>,
}

/// Many identical wells for load tests.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSection {
    /// Number of wells.
    pub count: Spanned<NonZeroU32>,
    /// Device ids are this prefix and a number from 1.
    #[serde(default = "default_id_prefix")]
    pub id_prefix: String,
    /// Wells per TCP port, unit ids 1..n (1 = a port per well).
    #[serde(default = "default_devices_per_port")]
    pub devices_per_port: Spanned<u8>,
    /// Address to listen on; the port must be 0.
    #[serde(default = "default_truth_listen")]
    pub listen: SocketAddr,
    /// Counter width of every fleet well.
    #[serde(default = "default_counter_bits")]
    pub counter_bits: Spanned<u8>,
}

fn default_id_prefix() -> String {
    "fleet-".to_owned()
}
fn default_devices_per_port() -> Spanned<u8> {
    Spanned::new(0..0, 1)
}

/// Largest fleet.
pub const MAX_FLEET: u32 = 20_000;

fn check_device(i: usize, d: &SimDevice, out: &mut Vec<Invalid>) {
    let at = |f: &str| format!("devices[{i}].{f}");
    if d.id.get_ref().trim().is_empty() {
        out.push(Invalid::new(
            d.id.span(),
            at("id"),
            "the device id must not be empty",
        ));
    }
    if !matches!(d.counter_bits.get_ref(), 16 | 32) {
        out.push(Invalid::new(
            d.counter_bits.span(),
            at("counter_bits"),
            format!(
                "counter width {} is not supported: use 16 or 32",
                d.counter_bits.get_ref()
            ),
        ));
    } else if *d.counter_bits.get_ref() == 16 && d.counter_start > u32::from(u16::MAX) {
        out.push(Invalid::new(
            d.counter_bits.span(),
            at("counter_start"),
            format!(
                "counter_start {} does not fit a 16-bit counter",
                d.counter_start
            ),
        ));
    }
    if d.pulses_per_liter_milli().is_none() {
        out.push(Invalid::new(
            d.pulses_per_liter.span(),
            at("pulses_per_liter"),
            "the meter constant must be 0.001 to 65.535 pulses per litre",
        ));
    }
    match d.transport.get_ref() {
        SimTransport::Tcp => {
            for (name, span) in [
                ("baud", d.baud.as_ref().map(Spanned::span)),
                ("symlink", d.symlink.as_ref().map(Spanned::span)),
            ] {
                if let Some(s) = span {
                    out.push(Invalid::new(
                        s,
                        at(name),
                        format!("`{name}` applies to rtu devices only"),
                    ));
                }
            }
        }
        SimTransport::Rtu => {
            if d.listen.span() != (0..0) {
                out.push(Invalid::new(
                    d.listen.span(),
                    at("listen"),
                    "`listen` applies to tcp devices only",
                ));
            }
            crate::check_baud(d.baud.as_ref(), at("baud"), out);
        }
    }
    for (j, f) in d.faults.iter().enumerate() {
        check_fault(&format!("devices[{i}].faults[{j}]"), f, out);
    }
    let a = d.aquifer.unwrap_or_default();
    if a.pump_intake_m.get() >= a.static_level_m.get() {
        out.push(Invalid::new(
            d.id.span(),
            at("aquifer.pump_intake_m"),
            "the pump intake must be below the static water level",
        ));
    }
}

fn check_fault(at: &str, f: &ScriptedFault, out: &mut Vec<Invalid>) {
    let name = *f.fault.get_ref();
    let span = f.fault.span();
    if let Some(d) = &f.for_s
        && name.is_instant()
    {
        out.push(Invalid::new(
            d.span(),
            format!("{at}.for_s"),
            format!("{name:?} happens at once: leave for_s out"),
        ));
    }
    let need = |present: bool, field: &str, out: &mut Vec<Invalid>| {
        if !present {
            out.push(Invalid::new(
                span.clone(),
                format!("{at}.{field}"),
                format!("fault `{name:?}` needs `{field}`"),
            ));
        }
    };
    match name {
        FaultName::Exception => {
            need(f.code.is_some(), "code", out);
            if let Some(c) = &f.code
                && (*c.get_ref() == 0 || *c.get_ref() >= 0x80)
            {
                out.push(Invalid::new(
                    c.span(),
                    format!("{at}.code"),
                    "an exception code is 1 to 127",
                ));
            }
        }
        FaultName::SlowReply => need(f.delay_ms.is_some(), "delay_ms", out),
        FaultName::ClockJump => need(f.jump_s.is_some(), "jump_s", out),
        _ => {}
    }
}

impl Validate for SimConfig {
    fn validate(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        // Listener key -> (transport, listen, unit ids seen).
        let mut groups: HashMap<String, (SimTransport, SocketAddr, HashMap<UnitId, usize>)> =
            HashMap::new();
        let mut fixed_ports: HashMap<SocketAddr, usize> = HashMap::new();
        for (i, d) in self.devices.iter().enumerate() {
            if let Some(first) = ids.insert(d.id.get_ref(), i) {
                out.push(Invalid::new(
                    d.id.span(),
                    format!("devices[{i}].id"),
                    format!(
                        "duplicate device id `{}` (first used by devices[{first}])",
                        d.id.get_ref()
                    ),
                ));
            }
            check_device(i, d, &mut out);
            let transport = *d.transport.get_ref();
            let listen = *d.listen.get_ref();
            if let Some(g) = &d.gateway {
                let entry = groups
                    .entry(g.get_ref().clone())
                    .or_insert_with(|| (transport, listen, HashMap::new()));
                if entry.0 != transport || (transport == SimTransport::Tcp && entry.1 != listen) {
                    out.push(Invalid::new(
                        g.span(),
                        format!("devices[{i}].gateway"),
                        format!(
                            "devices of gateway `{}` must share one transport and listen address",
                            g.get_ref()
                        ),
                    ));
                }
                if let Some(first) = entry.2.insert(*d.unit_id.get_ref(), i) {
                    out.push(Invalid::new(
                        d.unit_id.span(),
                        format!("devices[{i}].unit_id"),
                        format!(
                            "unit id {} is already used on gateway `{}` by devices[{first}]",
                            d.unit_id.get_ref().get(),
                            g.get_ref()
                        ),
                    ));
                }
            } else if transport == SimTransport::Tcp
                && listen.port() != 0
                && let Some(first) = fixed_ports.insert(listen, i)
            {
                out.push(Invalid::new(d.listen.span(), format!("devices[{i}].listen"), format!("{listen} is already used by devices[{first}]: name a common `gateway` to share a port")));
            }
        }
        if let Some(f) = &self.fleet {
            if f.count.get_ref().get() > MAX_FLEET {
                out.push(Invalid::new(
                    f.count.span(),
                    "fleet.count",
                    format!("a fleet has at most {MAX_FLEET} wells"),
                ));
            }
            if !(1..=247).contains(f.devices_per_port.get_ref()) {
                out.push(Invalid::new(
                    f.devices_per_port.span(),
                    "fleet.devices_per_port",
                    "devices per port is 1 to 247 (the unit ids)",
                ));
            }
            if !matches!(f.counter_bits.get_ref(), 16 | 32) {
                out.push(Invalid::new(
                    f.counter_bits.span(),
                    "fleet.counter_bits",
                    "use 16 or 32",
                ));
            }
            if f.listen.port() != 0 {
                out.push(Invalid::new(
                    f.count.span(),
                    "fleet.listen",
                    "fleet wells take free ports: the port must be 0",
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn err(text: &str) -> crate::ConfigError {
        crate::parse::<SimConfig>(Path::new("sim.toml"), text).unwrap_err()
    }

    #[test]
    fn minimal_file_takes_defaults() {
        let c: SimConfig = crate::parse(
            Path::new("sim.toml"),
            "[[devices]]\nid = \"w1\"\ntransport = \"tcp\"\n",
        )
        .unwrap();
        assert_eq!(c.devices[0].pulses_per_liter_milli(), Some(1000));
        assert_eq!(*c.devices[0].counter_bits.get_ref(), 32);
        assert_eq!(c.devices[0].listen.get_ref().port(), 0);
    }

    #[test]
    fn duplicate_ids_point_at_the_second() {
        let e = err(
            "[[devices]]\nid = \"w1\"\ntransport = \"tcp\"\n[[devices]]\nid = \"w1\"\ntransport = \"rtu\"\n",
        );
        assert_eq!((e.line, e.path.as_str()), (5, "devices[1].id"));
    }

    #[test]
    fn bad_values_are_located() {
        let e = err("[[devices]]\nid = \"w1\"\ntransport = \"tcp\"\ncounter_bits = 24\n");
        assert_eq!((e.line, e.path.as_str()), (4, "devices[0].counter_bits"));
        let e = err("[[devices]]\nid = \"w1\"\ntransport = \"tcp\"\nbogus = 1\n");
        assert_eq!(e.line, 4, "{e}");
        let e = err(
            "[[devices]]\nid = \"w1\"\ntransport = \"tcp\"\n[[devices.faults]]\nat_s = 1\nfault = \"reboot\"\nfor_s = 3\n",
        );
        assert_eq!(e.path, "devices[0].faults[0].for_s");
        let e = err(
            "[[devices]]\nid = \"w1\"\ntransport = \"tcp\"\n[[devices.faults]]\nat_s = 1\nfault = \"exception\"\n",
        );
        assert_eq!(e.path, "devices[0].faults[0].code");
        let e = err(
            "[[devices]]\nid = \"a\"\ntransport = \"tcp\"\ngateway = \"g\"\n[[devices]]\nid = \"b\"\ntransport = \"tcp\"\ngateway = \"g\"\n",
        );
        assert_eq!(e.path, "devices[1].unit_id");
    }
}
