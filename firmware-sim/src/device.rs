//! One simulated device: the real firmware on the simulated HAL, the
//! physical model that drives it, its faults and its ground truth.
//!
//! Sans-IO: [`SimDevice::advance_to`] takes the simulated time, and
//! [`SimDevice::handle`] turns a request PDU into a reply; the servers in
//! [`crate::serve`] only move bytes.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use caudal_config::sim::{AquiferParams, PumpParams, SimDevice as DeviceConfig};
use caudal_firmware::analog::{LOOP_FULL_SCALE_UA, LOOP_SPAN_UA, LOOP_ZERO_UA, to_counts};
use caudal_firmware::modbus::{self, FC_READ_INPUT_REGISTERS, MAX_PDU_LEN};
use caudal_firmware::{CounterWidth, DeviceConstants, Peripherals, WellController};

use crate::fault::{ActiveFaults, Fault, FaultKind, ReplyMode};
use crate::hal::{Adc, Analog, Clock, Contact, ContactPin, PulsePin, RunCommandPin, Wires};
use crate::model::Well;
use crate::truth::GroundTruth;

type Controller = WellController<PulsePin, ContactPin, ContactPin, RunCommandPin, Adc, Adc, Clock>;

/// Motor current at full converter scale, 0.01 A (100 A).
const CURRENT_FULL_SCALE_CA: u32 = 10_000;
/// Pin reads per firmware poll: far above the pulses of one model step.
const MAX_PULSE_READS: u32 = 1 << 20;

/// A reply to send, and how.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The response PDU (empty: nothing to send).
    pub(crate) pdu: Vec<u8>,
    /// What happens on the way out.
    pub(crate) mode: ReplyMode,
    /// Real-time delay before sending.
    pub(crate) delay: Option<Duration>,
    /// Noise to send instead when `mode` is garbage.
    pub(crate) noise: Vec<u8>,
}

#[derive(Debug)]
struct Scripted {
    at_ms: u64,
    fault: Fault,
    until_ms: Option<u64>,
}

/// One device.
#[derive(Debug)]
pub(crate) struct SimDevice {
    k: DeviceConstants,
    ctrl: Option<Controller>,
    wires: Arc<Wires>,
    well: Well,
    level_span_m: f64,
    pulses_per_liter: f64,
    sim_ms: u64,
    step_ms: u64,
    clock_offset_ms: i64,
    faults: ActiveFaults,
    script: Vec<Scripted>,
    clears: Vec<(u64, FaultKind)>,
    pulses_at_last_read: u64,
    first_read: Option<u64>,
    lost: u64,
    preset: u64,
    reboots: u32,
    rollovers: u32,
}

impl SimDevice {
    /// Build a device from validated config.
    pub(crate) fn new(
        cfg: &DeviceConfig,
        pump: PumpParams,
        aquifer: AquiferParams,
        step_ms: u64,
        seed: u64,
    ) -> SimDevice {
        let counter_width = if *cfg.counter_bits.get_ref() == 16 {
            CounterWidth::Bits16
        } else {
            CounterWidth::Bits32
        };
        let level_span_m = cfg.level_span_m.get();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a validated positive span of metres"
        )]
        let level_span_cm = (level_span_m * 100.0).round() as u32;
        let dry_threshold_a = f64::midpoint(pump.current_a.get(), pump.dry_current_a.get());
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "amperes of a motor, clamped to the register"
        )]
        let dry_run_current_ca = (dry_threshold_a * 100.0).clamp(0.0, 65_535.0) as u16;
        let k = DeviceConstants {
            counter_width,
            pulses_per_liter_milli: cfg.pulses_per_liter_milli().unwrap_or(1000),
            level_span_cm,
            current_full_scale_ca: CURRENT_FULL_SCALE_CA,
            dry_run_current_ca,
            flow_window_ms: 10_000,
            max_pulse_reads: MAX_PULSE_READS,
        };
        let pulses_per_liter = f64::from(k.pulses_per_liter_milli) / 1000.0;
        let wires = Arc::new(Wires::default());
        let mut script: Vec<Scripted> = cfg
            .faults
            .iter()
            .map(|s| Scripted {
                at_ms: secs_to_ms(s.at_s.get()),
                fault: Fault::from_script(s),
                until_ms: s
                    .for_s
                    .as_ref()
                    .map(|d| secs_to_ms(s.at_s.get() + d.get_ref().get())),
            })
            .collect();
        script.sort_by_key(|s| std::cmp::Reverse(s.at_ms));
        let mut dev = SimDevice {
            k,
            ctrl: None,
            wires,
            well: Well::new(pump, aquifer, pulses_per_liter, seed),
            level_span_m,
            pulses_per_liter,
            sim_ms: 0,
            step_ms,
            clock_offset_ms: 0,
            faults: ActiveFaults::default(),
            script,
            clears: Vec::new(),
            pulses_at_last_read: 0,
            first_read: None,
            lost: 0,
            preset: 0,
            reboots: 0,
            rollovers: 0,
        };
        dev.set_terminals_at_rest();
        dev.boot();
        if let Some(c) = dev.ctrl.as_mut() {
            c.preset_counter(cfg.counter_start);
        }
        dev
    }

    fn peripherals(
        &self,
    ) -> Peripherals<PulsePin, ContactPin, ContactPin, RunCommandPin, Adc, Adc, Clock> {
        let w = &self.wires;
        Peripherals {
            pulse: PulsePin(Arc::clone(w)),
            running: ContactPin(Arc::clone(w), Contact::Running),
            trip: ContactPin(Arc::clone(w), Contact::Trip),
            run_command: RunCommandPin(Arc::clone(w)),
            level: Adc(Arc::clone(w), Analog::Level),
            current: Adc(Arc::clone(w), Analog::Current),
            clock: Clock(Arc::clone(w)),
        }
    }

    fn set_terminals_at_rest(&self) {
        self.wires
            .level_counts
            .store(self.level_counts(self.well.level_m), Relaxed);
    }

    /// Power up: a fresh controller on the same peripherals, polled once so
    /// it takes the (idle) pulse line as its reference.
    fn boot(&mut self) {
        let p = match self.ctrl.take() {
            Some(c) => c.release(),
            None => self.peripherals(),
        };
        let mut c = WellController::new(p, self.k);
        // Infallible pins: a poll cannot fail.
        let _ = c.poll();
        self.ctrl = Some(c);
    }

    fn level_counts(&self, level_m: f64) -> u16 {
        let frac = (level_m / self.level_span_m).clamp(0.0, 1.05);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to a few tens of mA"
        )]
        let ua = (f64::from(LOOP_ZERO_UA) + frac * f64::from(LOOP_SPAN_UA)).round() as u32;
        to_counts(ua, LOOP_FULL_SCALE_UA)
    }

    /// Simulated time of this device, ms.
    pub(crate) fn sim_ms(&self) -> u64 {
        self.sim_ms
    }

    /// Run model steps until the device reaches `due_ms`.
    pub(crate) fn advance_to(&mut self, due_ms: u64) {
        while self.sim_ms + self.step_ms <= due_ms {
            self.step();
        }
    }

    fn step(&mut self) {
        let t0 = self.sim_ms;
        self.sim_ms += self.step_ms;
        self.run_script();
        #[allow(
            clippy::cast_precision_loss,
            reason = "simulated ms stay far below 2^53"
        )]
        let (t_s, dt_s) = (t0 as f64 / 1000.0, self.step_ms as f64 / 1000.0);
        let released = self.wires.run_command.load(Relaxed);
        let t = self.well.step(t_s, dt_s, released);
        let w = &self.wires;
        w.pulse_pending.fetch_add(t.pulses, Relaxed);
        w.running.store(t.running, Relaxed);
        w.trip.store(t.tripped, Relaxed);
        let level = if let Some(ua) = self.faults.dead_loop_ua {
            to_counts(u32::from(ua), LOOP_FULL_SCALE_UA)
        } else if let Some(c) = self.faults.stuck_counts {
            c
        } else {
            self.level_counts(t.level_m)
        };
        w.level_counts.store(level, Relaxed);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "amperes of a motor, clamped"
        )]
        let ca = (t.current_a * 100.0).clamp(0.0, f64::from(CURRENT_FULL_SCALE_CA)) as u32;
        w.current_counts
            .store(to_counts(ca, CURRENT_FULL_SCALE_CA), Relaxed);
        w.clock_ms.store(
            self.sim_ms.saturating_add_signed(self.clock_offset_ms),
            Relaxed,
        );
        self.poll();
    }

    fn poll(&mut self) {
        let Some(c) = self.ctrl.as_mut() else { return };
        let (c0, t0) = (u64::from(c.counter()), c.total_pulses());
        let _ = c.poll();
        let counted = c.total_pulses() - t0;
        let wraps = (c0 + counted) / self.k.counter_width.modulus();
        self.rollovers = self
            .rollovers
            .saturating_add(u32::try_from(wraps).unwrap_or(u32::MAX));
    }

    fn run_script(&mut self) {
        while self.script.last().is_some_and(|s| s.at_ms <= self.sim_ms) {
            let Some(s) = self.script.pop() else { break };
            if let Some(until) = s.until_ms {
                self.clears.push((until, s.fault.kind()));
            }
            self.inject(s.fault);
        }
        let now = self.sim_ms;
        let due: Vec<FaultKind> = self
            .clears
            .iter()
            .filter(|(t, _)| *t <= now)
            .map(|(_, k)| *k)
            .collect();
        self.clears.retain(|(t, _)| *t > now);
        for k in due {
            self.clear(k);
        }
    }

    /// Switch a fault on.
    pub(crate) fn inject(&mut self, fault: Fault) {
        match fault {
            Fault::CounterRollover { pulses_before_wrap } => {
                let Some(c) = self.ctrl.as_mut() else { return };
                let m = self.k.counter_width.modulus();
                let old = u64::from(c.counter());
                let new = (m - u64::from(pulses_before_wrap) % m) % m;
                c.preset_counter(u32::try_from(new).unwrap_or(0));
                self.preset += (new + m - old) % m;
            }
            Fault::Reboot => {
                let presented = self.wires.pulses_presented.load(Relaxed);
                self.lost += presented - self.pulses_at_last_read;
                self.pulses_at_last_read = presented;
                self.reboots += 1;
                self.boot();
            }
            Fault::StuckSensor => {
                self.faults.stuck_counts = Some(self.wires.level_counts.load(Relaxed))
            }
            Fault::DeadSensor { loop_ua } => self.faults.dead_loop_ua = Some(loop_ua),
            Fault::Exception(e) => self.faults.exception = Some(e),
            Fault::SlowReply(d) => self.faults.slow = Some(d),
            Fault::GarbageBytes => self.faults.garbage = true,
            Fault::DroppedBytes => self.faults.dropped = true,
            Fault::NoReply => self.faults.no_reply = true,
            Fault::ClockJump { seconds } => {
                self.clock_offset_ms = self
                    .clock_offset_ms
                    .saturating_add(seconds.saturating_mul(1000));
            }
            Fault::MotorTrip => self.well.forced_trip = true,
        }
    }

    /// Switch a fault off (instant faults: nothing to do).
    pub(crate) fn clear(&mut self, kind: FaultKind) {
        let f = &mut self.faults;
        match kind {
            FaultKind::CounterRollover | FaultKind::Reboot | FaultKind::ClockJump => {}
            FaultKind::StuckSensor => f.stuck_counts = None,
            FaultKind::DeadSensor => f.dead_loop_ua = None,
            FaultKind::Exception => f.exception = None,
            FaultKind::SlowReply => f.slow = None,
            FaultKind::GarbageBytes => f.garbage = false,
            FaultKind::DroppedBytes => f.dropped = false,
            FaultKind::NoReply => f.no_reply = false,
            FaultKind::MotorTrip => self.well.forced_trip = false,
        }
    }

    /// Answer a request PDU.
    pub(crate) fn handle(&mut self, request: &[u8]) -> Reply {
        let mode = self.faults.reply_mode();
        let delay = self.faults.slow;
        let mut out = [0u8; MAX_PDU_LEN];
        let n = if let Some(e) = self.faults.exception {
            modbus::exception_response(request.first().copied().unwrap_or(0), e, &mut out)
        } else if let Some(c) = self.ctrl.as_mut() {
            modbus::respond(c, request, &mut out)
        } else {
            0
        };
        let pdu = out[..n].to_vec();
        let is_exception = pdu.first().is_some_and(|fc| fc & 0x80 != 0);
        // A counter read counts as seen only if the client gets the answer.
        if mode == ReplyMode::Normal
            && !is_exception
            && let Some((FC_READ_INPUT_REGISTERS, 0, 1..)) = modbus::read_range(request)
        {
            let presented = self.wires.pulses_presented.load(Relaxed);
            self.pulses_at_last_read = presented;
            if self.first_read.is_none() {
                self.first_read = Some(presented);
            }
        }
        let noise = if mode == ReplyMode::Garbage {
            (0..7).map(|_| self.well.noise_byte()).collect()
        } else {
            Vec::new()
        };
        Reply {
            pdu,
            mode,
            delay,
            noise,
        }
    }

    /// Answer a broadcast (unit 0): act, never reply.
    pub(crate) fn handle_broadcast(&mut self, request: &[u8]) {
        if let Some(c) = self.ctrl.as_mut() {
            let mut out = [0u8; MAX_PDU_LEN];
            let _ = modbus::respond(c, request, &mut out);
        }
    }

    /// The ground truth now.
    pub(crate) fn truth(&self) -> GroundTruth {
        let w = &self.well;
        #[allow(
            clippy::cast_precision_loss,
            reason = "simulated ms stay far below 2^53"
        )]
        let sim_time_s = self.sim_ms as f64 / 1000.0;
        GroundTruth {
            pulses: self.wires.pulses_presented.load(Relaxed),
            volume_m3: w.volume_m3,
            lost_pulses: self.lost,
            baseline_pulses: self.first_read.unwrap_or(0),
            preset_pulses: self.preset,
            reboots: self.reboots,
            rollovers: self.rollovers,
            counter: self.ctrl.as_ref().map_or(0, Controller::counter),
            counter_bits: if self.k.counter_width == CounterWidth::Bits16 {
                16
            } else {
                32
            },
            pulses_per_liter: self.pulses_per_liter,
            sim_time_s,
            running: w.running,
            dry: w.dry,
            tripped: w.tripped(),
            level_m: w.level_m,
            flow_lps: w.flow_lps,
            current_a: w.current_a,
            pump_starts: w.starts,
            run_time_s: w.run_time_s,
        }
    }
}

fn secs_to_ms(s: f64) -> u64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "validated non-negative seconds"
    )]
    let ms = f64::max((s * 1000.0).round(), 0.0) as u64;
    ms
}
