//! The physical model of one well: pump duty cycle, motor, aquifer and meter.
//!
//! Sans-IO and deterministic: [`Well::step`] takes the simulated time and the
//! run command and draws its noise from a seeded generator, so the same seed
//! gives the same trajectory whatever the real timing.
//!
//! - Pump: runs `on_s` then rests `off_s`, shifted by `phase_s`, while the run
//!   command is released and the motor protection is not tripped.
//! - Aquifer: the level relaxes exponentially toward `static - drawdown * q/q_nominal`
//!   while pumping (time constant `drawdown_tau_s`) and toward `static` at rest
//!   (`recovery_tau_s`).
//! - Dry run: the level cannot go below `pump_intake_m` while pumping; there the
//!   pump sucks air, delivers only what the aquifer gives at that level, and the
//!   current rises to `dry_current_a`; after `dry_trip_s` the protection trips
//!   for `trip_reset_s`.
//! - Meter: litres times the meter constant, whole pulses out, the fraction carried.

use caudal_config::sim::{AquiferParams, PumpParams};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A running pump within this of its intake is sucking air, m.
const DRY_MARGIN_M: f64 = 0.5;

/// What the model puts on the controller's terminals after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Terminals {
    /// Pulses produced in the step.
    pub(crate) pulses: u64,
    /// Contactor closed.
    pub(crate) running: bool,
    /// Protection tripped.
    pub(crate) tripped: bool,
    /// Water above the sensor, m.
    pub(crate) level_m: f64,
    /// Motor current, A.
    pub(crate) current_a: f64,
}

/// One well.
#[derive(Debug)]
pub(crate) struct Well {
    pump: PumpParams,
    aquifer: AquiferParams,
    pulses_per_liter: f64,
    rng: StdRng,
    pub(crate) level_m: f64,
    pub(crate) flow_lps: f64,
    pub(crate) current_a: f64,
    pub(crate) running: bool,
    pub(crate) dry: bool,
    pub(crate) volume_m3: f64,
    pub(crate) starts: u32,
    pub(crate) run_time_s: f64,
    dry_s: f64,
    auto_trip_until_s: Option<f64>,
    /// Tripped by a fault until cleared.
    pub(crate) forced_trip: bool,
    pulse_fraction: f64,
}

impl Well {
    pub(crate) fn new(
        pump: PumpParams,
        aquifer: AquiferParams,
        pulses_per_liter: f64,
        seed: u64,
    ) -> Well {
        Well {
            pump,
            aquifer,
            pulses_per_liter,
            rng: StdRng::seed_from_u64(seed),
            level_m: aquifer.static_level_m.get(),
            flow_lps: 0.0,
            current_a: 0.0,
            running: false,
            dry: false,
            volume_m3: 0.0,
            starts: 0,
            run_time_s: 0.0,
            dry_s: 0.0,
            auto_trip_until_s: None,
            forced_trip: false,
            pulse_fraction: 0.0,
        }
    }

    /// Whether the schedule asks the pump to run at `t_s`.
    fn scheduled(&self, t_s: f64) -> bool {
        let off = self.pump.off_s.get();
        if off <= 0.0 {
            return true;
        }
        let cycle = self.pump.on_s.get() + off;
        (t_s + self.pump.phase_s.get()).rem_euclid(cycle) < self.pump.on_s.get()
    }

    pub(crate) fn tripped(&self) -> bool {
        self.forced_trip || self.auto_trip_until_s.is_some()
    }

    /// Advance from `t_s` by `dt_s` with the run command `released`.
    pub(crate) fn step(&mut self, t_s: f64, dt_s: f64, released: bool) -> Terminals {
        if self.auto_trip_until_s.is_some_and(|until| t_s >= until) {
            self.auto_trip_until_s = None;
        }
        let running = self.scheduled(t_s) && released && !self.tripped();
        if running && !self.running {
            self.starts += 1;
        }
        self.running = running;
        let a = self.aquifer;
        let intake = a.pump_intake_m.get();
        self.dry = running && self.level_m <= intake + DRY_MARGIN_M;
        let nominal = self.pump.flow_lps.get();
        if running {
            let noise = self.pump.flow_noise.get() * (2.0 * self.rng.random::<f64>() - 1.0);
            // Sucking air, the pump delivers only what the aquifer gives at the intake level.
            let dry_factor = if self.dry && a.drawdown_m.get() > 0.0 {
                ((a.static_level_m.get() - intake) / a.drawdown_m.get()).clamp(0.0, 1.0)
            } else {
                1.0
            };
            self.flow_lps = f64::max(nominal * (1.0 + noise) * dry_factor, 0.0);
            let base = if self.dry {
                self.pump.dry_current_a.get()
            } else {
                self.pump.current_a.get()
            };
            self.current_a = base * (1.0 + 0.005 * (2.0 * self.rng.random::<f64>() - 1.0));
            self.run_time_s += dt_s;
        } else {
            self.flow_lps = 0.0;
            self.current_a = 0.0;
        }
        if self.dry {
            self.dry_s += dt_s;
            if self.dry_s >= self.pump.dry_trip_s.get() {
                self.auto_trip_until_s = Some(t_s + self.pump.trip_reset_s.get());
                self.dry_s = 0.0;
            }
        } else {
            // The motor cools down as fast as it heated up.
            self.dry_s = f64::max(self.dry_s - dt_s, 0.0);
        }
        let (target, tau) = if running {
            (
                a.static_level_m.get() - a.drawdown_m.get() * self.flow_lps / nominal,
                a.drawdown_tau_s.get(),
            )
        } else {
            (a.static_level_m.get(), a.recovery_tau_s.get())
        };
        self.level_m += (target - self.level_m) * (1.0 - (-dt_s / tau).exp());
        if running {
            // The pump cannot draw the water below its own intake.
            self.level_m = f64::max(self.level_m, intake);
        }
        let litres = self.flow_lps * dt_s;
        self.volume_m3 += litres / 1000.0;
        self.pulse_fraction += litres * self.pulses_per_liter;
        let whole = self.pulse_fraction.floor();
        self.pulse_fraction -= whole;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "whole is a small non-negative integer"
        )]
        let pulses = whole as u64;
        Terminals {
            pulses,
            running,
            tripped: self.tripped(),
            level_m: self.level_m,
            current_a: self.current_a,
        }
    }

    /// A draw for line noise.
    pub(crate) fn noise_byte(&mut self) -> u8 {
        self.rng.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64) -> (f64, u64) {
        let mut w = Well::new(PumpParams::default(), AquiferParams::default(), 1.0, seed);
        let mut pulses = 0;
        for i in 0..20_000 {
            pulses += w.step(f64::from(i), 1.0, true).pulses;
        }
        (w.volume_m3, pulses)
    }

    #[test]
    fn same_seed_same_trajectory() {
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn pulses_follow_volume_within_one_pulse() {
        let (v, p) = run(3);
        #[allow(clippy::cast_precision_loss, reason = "test values are small")]
        let from_pulses = p as f64 / 1000.0;
        assert!((v - from_pulses).abs() <= 0.001, "{v} vs {from_pulses}");
    }

    #[test]
    fn level_draws_down_while_pumping_and_recovers() {
        let mut w = Well::new(PumpParams::default(), AquiferParams::default(), 1.0, 1);
        for i in 0..3_600 {
            w.step(f64::from(i), 1.0, true);
        }
        let drawn = w.level_m;
        assert!(drawn < 30.0, "{drawn}");
        for i in 3_600..5_400 {
            w.step(f64::from(i), 1.0, true);
        }
        assert!(w.level_m > drawn + 5.0 && !w.running);
    }

    #[test]
    fn a_dry_pump_draws_more_current_then_trips() {
        let aquifer = AquiferParams {
            drawdown_m: 39.0.try_into().unwrap(),
            drawdown_tau_s: 60.0.try_into().unwrap(),
            ..AquiferParams::default()
        };
        let mut w = Well::new(PumpParams::default(), aquifer, 1.0, 1);
        let mut saw_dry_current = false;
        for i in 0..3_000 {
            let t = w.step(f64::from(i), 1.0, true);
            saw_dry_current |= w.dry && t.current_a > 25.0;
            if t.tripped {
                assert!(saw_dry_current);
                return;
            }
        }
        panic!("never tripped");
    }
}
