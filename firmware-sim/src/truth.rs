//! Ground truth: what the simulated meter really did, to check a poller against.

use serde::Serialize;

/// The truth about one device.
///
/// A poller that reads the counter register and baselines on its first read is
/// correct when its total equals
/// `pulses - baseline_pulses - lost_pulses + preset_pulses` within one pulse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruth {
    /// Every pulse the meter ever put on the line.
    pub pulses: u64,
    /// Water that really went through the meter, m³ (differs from
    /// `pulses / pulses_per_liter / 1000` by less than one pulse).
    pub volume_m3: f64,
    /// Pulses emitted after the last counter read that preceded each reboot:
    /// no poller can ever see them.
    pub lost_pulses: u64,
    /// Pulses emitted before the first Modbus read of the counter register
    /// (0 until it is read): a poller's baseline.
    pub baseline_pulses: u64,
    /// Jumps of the counter register made by [`crate::Fault::CounterRollover`],
    /// as a poller sees them: `(new - old) mod 2^bits`, summed.
    pub preset_pulses: u64,
    /// Reboots so far.
    pub reboots: u32,
    /// Times the counter register wrapped while counting.
    pub rollovers: u32,
    /// The counter register now.
    pub counter: u32,
    /// Counter width.
    pub counter_bits: u8,
    /// Meter constant.
    pub pulses_per_liter: f64,
    /// Simulated seconds since start.
    pub sim_time_s: f64,
    /// Pump running now.
    pub running: bool,
    /// Pump running dry now.
    pub dry: bool,
    /// Motor protection tripped now.
    pub tripped: bool,
    /// Water above the sensor, m.
    pub level_m: f64,
    /// Flow now, l/s.
    pub flow_lps: f64,
    /// Motor current now, A.
    pub current_a: f64,
    /// Pump starts since start.
    pub pump_starts: u32,
    /// Pump running time since start, s.
    pub run_time_s: f64,
}

impl GroundTruth {
    /// What a correct poller that baselined on its first counter read has counted.
    #[must_use]
    pub fn observable_pulses(&self) -> u64 {
        (self.pulses + self.preset_pulses).saturating_sub(self.baseline_pulses + self.lost_pulses)
    }
}
