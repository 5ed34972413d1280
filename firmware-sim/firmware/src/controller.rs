//! The well controller: owns every peripheral, turns pin levels and
//! conversions into the values of the register map.
//!
//! Call [`WellController::poll`] often (every few milliseconds on a
//! microcontroller, after every model step in the simulator). All state is
//! in RAM: a reboot (building a new controller from [`WellController::release`]d
//! peripherals) zeroes the counter, the totaliser, the run time and the starts.

use core::fmt;

use embedded_hal::digital::{Error as _, InputPin, OutputPin};

use crate::analog::{CurrentTransducer, LevelReading, LevelTransmitter};
use crate::counter::{CounterWidth, PulseCounter};
use crate::hal::{AdcChannel, Monotonic};
use crate::modbus::{Exception, RegisterMap};

/// Everything the controller is wired to.
#[derive(Debug)]
pub struct Peripherals<P, R, T, C, L, I, K> {
    /// Meter pulse input.
    pub pulse: P,
    /// Contactor auxiliary contact: high while the pump runs.
    pub running: R,
    /// Motor protection relay contact: high while tripped.
    pub trip: T,
    /// Run command to the contactor: high = released to run, low = stop.
    pub run_command: C,
    /// 4-20 mA level transmitter channel.
    pub level: L,
    /// Motor current transducer channel.
    pub current: I,
    /// Millisecond clock.
    pub clock: K,
}

/// Constants written at commissioning time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviceConstants {
    /// Counter register width.
    pub counter_width: CounterWidth,
    /// Meter constant, pulses per litre x 1000 (holding register 0).
    pub pulses_per_liter_milli: u16,
    /// Water above the sensor at 20 mA, centimetres.
    pub level_span_cm: u32,
    /// Motor current at full ADC scale, 0.01 A.
    pub current_full_scale_ca: u32,
    /// A running motor drawing this much (0.01 A) or more is running dry.
    pub dry_run_current_ca: u16,
    /// Flow is the pulse rate over windows of this many milliseconds.
    pub flow_window_ms: u32,
    /// Most pin reads per [`WellController::poll`].
    pub max_pulse_reads: u32,
}

/// A pin error seen while polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirmwareError {
    /// The pulse, running or trip input failed.
    Input(embedded_hal::digital::ErrorKind),
    /// The run command output failed.
    Output(embedded_hal::digital::ErrorKind),
}

impl fmt::Display for FirmwareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FirmwareError::Input(k) => write!(f, "digital input failed: {k:?}"),
            FirmwareError::Output(k) => write!(f, "run command output failed: {k:?}"),
        }
    }
}

impl core::error::Error for FirmwareError {}

/// Status word bits (input register 10).
pub mod status {
    /// The pump runs (contactor closed).
    pub const RUNNING: u16 = 1 << 0;
    /// Dry-run alarm.
    pub const DRY_RUN: u16 = 1 << 1;
    /// Level sensor fault (loop current outside 3.8..20.5 mA).
    pub const LEVEL_FAULT: u16 = 1 << 2;
    /// Motor protection tripped.
    pub const MOTOR_TRIP: u16 = 1 << 3;
}

/// The well controller firmware.
#[derive(Debug)]
pub struct WellController<P, R, T, C, L, I, K> {
    counter: PulseCounter<P>,
    running_pin: R,
    trip_pin: T,
    run_command: C,
    level: LevelTransmitter<L>,
    current: CurrentTransducer<I>,
    clock: K,
    k: DeviceConstants,
    booted: bool,
    run_released: bool,
    running: bool,
    tripped: bool,
    dry_run: bool,
    level_reading: LevelReading,
    current_ca: u16,
    run_ms: u64,
    starts: u16,
    last_ms: u64,
    window_start_ms: u64,
    window_start_pulses: u64,
    flow_centi_lps: u16,
    flow_lps: f32,
}

impl<P, R, T, C, L, I, K> WellController<P, R, T, C, L, I, K>
where
    P: InputPin,
    R: InputPin,
    T: InputPin,
    C: OutputPin,
    L: AdcChannel,
    I: AdcChannel,
    K: Monotonic,
{
    /// Power up with everything at zero. No peripheral is touched until the first poll.
    pub fn new(p: Peripherals<P, R, T, C, L, I, K>, k: DeviceConstants) -> Self {
        WellController {
            counter: PulseCounter::new(p.pulse, k.counter_width),
            running_pin: p.running,
            trip_pin: p.trip,
            run_command: p.run_command,
            level: LevelTransmitter::new(p.level, k.level_span_cm),
            current: CurrentTransducer::new(p.current, k.current_full_scale_ca),
            clock: p.clock,
            k,
            booted: false,
            run_released: true,
            running: false,
            tripped: false,
            dry_run: false,
            level_reading: LevelReading {
                loop_ua: 0,
                level_cm: None,
            },
            current_ca: 0,
            run_ms: 0,
            starts: 0,
            last_ms: 0,
            window_start_ms: 0,
            window_start_pulses: 0,
            flow_centi_lps: 0,
            flow_lps: 0.0,
        }
    }

    /// Give every peripheral back (to reboot, or to reuse the pins).
    pub fn release(self) -> Peripherals<P, R, T, C, L, I, K> {
        Peripherals {
            pulse: self.counter.release(),
            running: self.running_pin,
            trip: self.trip_pin,
            run_command: self.run_command,
            level: self.level.release(),
            current: self.current.release(),
            clock: self.clock,
        }
    }

    /// Sample every input once and update the derived values.
    ///
    /// # Errors
    /// A digital pin failed; analog failures are reported in the status word instead.
    pub fn poll(&mut self) -> Result<(), FirmwareError> {
        let now = self.clock.now_ms();
        if !self.booted {
            self.booted = true;
            self.last_ms = now;
            self.window_start_ms = now;
            self.drive_run_command()?;
        }
        self.counter
            .sample(self.k.max_pulse_reads)
            .map_err(|e| FirmwareError::Input(e.kind()))?;
        let running = self
            .running_pin
            .is_high()
            .map_err(|e| FirmwareError::Input(e.kind()))?;
        self.tripped = self
            .trip_pin
            .is_high()
            .map_err(|e| FirmwareError::Input(e.kind()))?;
        if running && !self.running {
            self.starts = self.starts.wrapping_add(1);
        }
        // A clock that went back adds nothing; one that jumped ahead is believed.
        let elapsed = now.saturating_sub(self.last_ms);
        if self.running && running {
            self.run_ms = self.run_ms.saturating_add(elapsed);
        }
        self.running = running;
        self.last_ms = now;
        self.level_reading = self.level.read();
        self.current_ca = self.current.read_ca().unwrap_or(0);
        self.dry_run = running && self.current_ca >= self.k.dry_run_current_ca;
        self.update_flow(now);
        Ok(())
    }

    fn update_flow(&mut self, now: u64) {
        if now < self.window_start_ms {
            self.window_start_ms = now;
            self.window_start_pulses = self.counter.total();
            return;
        }
        let dt_ms = now - self.window_start_ms;
        if dt_ms < u64::from(self.k.flow_window_ms) || dt_ms == 0 {
            return;
        }
        let pulses = self.counter.total().wrapping_sub(self.window_start_pulses);
        let ppl_milli = u64::from(core::cmp::max(self.k.pulses_per_liter_milli, 1));
        // centi-l/s = pulses / (ppl_milli / 1000) / (dt_ms / 1000) * 100
        let centi = u128::from(pulses) * 100_000_000 / (u128::from(ppl_milli) * u128::from(dt_ms));
        self.flow_centi_lps = u16::try_from(centi).unwrap_or(u16::MAX);
        #[allow(
            clippy::cast_precision_loss,
            reason = "a flow rate has far fewer significant digits than f64"
        )]
        let lps = pulses as f64 * 1_000_000.0 / (ppl_milli as f64 * dt_ms as f64);
        #[allow(
            clippy::cast_possible_truncation,
            reason = "the register is an f32 by definition"
        )]
        {
            self.flow_lps = lps as f32;
        }
        self.window_start_ms = now;
        self.window_start_pulses = self.counter.total();
    }

    fn drive_run_command(&mut self) -> Result<(), FirmwareError> {
        let r = if self.run_released {
            self.run_command.set_high()
        } else {
            self.run_command.set_low()
        };
        r.map_err(|e| FirmwareError::Output(e.kind()))
    }

    /// The counter register.
    #[must_use]
    pub fn counter(&self) -> u32 {
        self.counter.register()
    }

    /// Pulses counted since power-up.
    #[must_use]
    pub fn total_pulses(&self) -> u64 {
        self.counter.total()
    }

    /// Preset the counter register (service tool).
    pub fn preset_counter(&mut self, value: u32) {
        self.counter.preset(value);
    }

    /// The constants the controller was built with.
    #[must_use]
    pub fn constants(&self) -> &DeviceConstants {
        &self.k
    }

    /// The status word (input register 10).
    #[must_use]
    pub fn status(&self) -> u16 {
        let mut s = 0;
        if self.running {
            s |= status::RUNNING;
        }
        if self.dry_run {
            s |= status::DRY_RUN;
        }
        if self.level_reading.level_cm.is_none() {
            s |= status::LEVEL_FAULT;
        }
        if self.tripped {
            s |= status::MOTOR_TRIP;
        }
        s
    }

    /// Device totaliser in litres (pulses since power-up over the meter constant).
    #[must_use]
    pub fn total_litres(&self) -> u64 {
        let ppl_milli = u64::from(core::cmp::max(self.k.pulses_per_liter_milli, 1));
        self.counter.total().saturating_mul(1000) / ppl_milli
    }

    /// Device totaliser in cubic metres.
    #[must_use]
    pub fn total_m3(&self) -> f64 {
        let ppl_milli = core::cmp::max(self.k.pulses_per_liter_milli, 1);
        #[allow(
            clippy::cast_precision_loss,
            reason = "f64 holds 2^53 pulses exactly, decades of pumping"
        )]
        let pulses = self.counter.total() as f64;
        pulses / f64::from(ppl_milli)
    }

    fn counter_words(&self) -> [u16; 2] {
        let c = self.counter.register();
        match self.k.counter_width {
            CounterWidth::Bits16 => [u16::try_from(c & 0xFFFF).unwrap_or(0), 0],
            CounterWidth::Bits32 => split_u32(c),
        }
    }
}

fn split_u32(v: u32) -> [u16; 2] {
    let b = v.to_be_bytes();
    [
        u16::from_be_bytes([b[0], b[1]]),
        u16::from_be_bytes([b[2], b[3]]),
    ]
}

fn split_u64(v: u64) -> [u16; 4] {
    let b = v.to_be_bytes();
    [
        u16::from_be_bytes([b[0], b[1]]),
        u16::from_be_bytes([b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]),
    ]
}

impl<P, R, T, C, L, I, K> RegisterMap for WellController<P, R, T, C, L, I, K>
where
    P: InputPin,
    R: InputPin,
    T: InputPin,
    C: OutputPin,
    L: AdcChannel,
    I: AdcChannel,
    K: Monotonic,
{
    fn input_register(&self, addr: u16) -> Option<u16> {
        let run_s = u32::try_from(self.run_ms / 1000).unwrap_or(u32::MAX);
        let flow = split_u32(self.flow_lps.to_bits());
        Some(match addr {
            0 => self.counter_words()[0],
            1 => self.counter_words()[1],
            2 => self.level_reading.level_cm.unwrap_or(0),
            3 => self.flow_centi_lps,
            // f32 CDAB: low word first.
            4 => flow[1],
            5 => flow[0],
            6 => self.current_ca,
            7 => split_u32(run_s)[0],
            8 => split_u32(run_s)[1],
            9 => self.starts,
            10 => self.status(),
            11 => self.level_reading.loop_ua,
            _ => return None,
        })
    }

    fn holding_register(&self, addr: u16) -> Option<u16> {
        match addr {
            0 => Some(self.k.pulses_per_liter_milli),
            10..=13 => split_u64(self.total_m3().to_bits())
                .get(usize::from(addr - 10))
                .copied(),
            20..=23 => split_u64(self.total_litres())
                .get(usize::from(addr - 20))
                .copied(),
            _ => None,
        }
    }

    fn coil(&self, addr: u16) -> Option<bool> {
        (addr == 0).then_some(self.run_released)
    }

    fn discrete_input(&self, addr: u16) -> Option<bool> {
        let s = self.status();
        match addr {
            0 => Some(s & status::RUNNING != 0),
            1 => Some(s & status::DRY_RUN != 0),
            2 => Some(s & status::LEVEL_FAULT != 0),
            _ => None,
        }
    }

    fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), Exception> {
        if addr != 0 {
            return Err(Exception::IllegalDataAddress);
        }
        self.run_released = value;
        self.drive_run_command()
            .map_err(|_| Exception::ServerDeviceFailure)
    }
}
