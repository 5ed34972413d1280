//! Range checks and the consistency rules of DESIGN.md, sans-IO.
//!
//! Rules only ever set a quality code and report a flag; they never edit a
//! raw value or an engineering value. They correlate the channels of one
//! catchment point (`point`) read in the same poll of one device, and only
//! downgrade readings that are still `Good`.
//!
//! | rule | applies to | condition | quality |
//! |------|------------|-----------|---------|
//! | range | any non-counter | `value < min` or `value > max` | `Bad(OutOfRange)` |
//! | level above max | `level` with `max` | `value > max` | `Bad(LevelAboveMax)` |
//! | sensor fault | channel with `sensor_fault_below` | `value < sensor_fault_below` | `Bad(SensorFault)` on it and on the point's `level` readings |
//! | stuck | channel with `stuck_after_ms` | same bits for longer than that | `Suspect(Stuck)` |
//! | total reset | `total` (device totaliser) | value decreased (incl. dropped to 0 while flowing) | `Suspect(TotalReset)` |
//! | flow without total | `flow` register + counter of the point | flow over Δt should have produced ≥ [`FLOW_EVIDENCE_PULSES`] pulses, counter delta is 0 | `Suspect(FlowWithoutTotal)` |
//! | level without volume | `level` + counter of the point | level fell more than [`LEVEL_DROP_M`] since the last time volume accumulated or the level rose | `Suspect(LevelWithoutVolume)` |

use std::collections::HashMap;
use std::time::Duration;

use caudal_protocol::{Quality, Reason, UtcMillis, Variable};

/// Pulses a positive flow must explain before a zero counter delta is suspicious
/// (absorbs register sampling jitter and flow noise around pump start/stop).
pub const FLOW_EVIDENCE_PULSES: f64 = 5.0;

/// A level drop (m) without accumulated volume that is flagged.
pub const LEVEL_DROP_M: f64 = 0.5;

/// Range check of an engineering value. `None` when it passes.
#[must_use]
pub fn range(
    variable: Variable,
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
    fault_below: Option<f64>,
) -> Option<Quality> {
    if fault_below.is_some_and(|f| value < f) {
        return Some(Quality::Bad(Reason::SensorFault));
    }
    if max.is_some_and(|m| value > m) {
        let reason = if variable == Variable::Level {
            Reason::LevelAboveMax
        } else {
            Reason::OutOfRange
        };
        return Some(Quality::Bad(reason));
    }
    if min.is_some_and(|m| value < m) {
        return Some(Quality::Bad(Reason::OutOfRange));
    }
    None
}

/// Tracks how long a value has kept the same bits.
#[derive(Debug, Clone, Default)]
pub struct Stuck {
    last: Option<(u64, UtcMillis)>,
}

impl Stuck {
    /// Feed a value read at `now`; true when it has not changed for longer than `after`.
    pub fn on_value(&mut self, value: f64, now: UtcMillis, after: Duration) -> bool {
        let bits = value.to_bits();
        match self.last {
            Some((b, since)) if b == bits => {
                let held = u64::try_from(now.0 - since.0).unwrap_or(0);
                u128::from(held) > after.as_millis()
            }
            _ => {
                self.last = Some((bits, now));
                false
            }
        }
    }
}

/// What the rules see of one counter in this poll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterObs {
    /// Pulses counted by this read.
    pub delta: u64,
    /// Running total after it.
    pub total: u64,
    /// Cubic metres per pulse.
    pub m3_per_pulse: f64,
    /// Seconds since the previous read (None at the baseline).
    pub elapsed_s: Option<f64>,
}

/// One reading of a point as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Caller's key (channel index).
    pub key: usize,
    /// What it measures.
    pub variable: Variable,
    /// Engineering value.
    pub value: f64,
    /// Quality so far; the rules may downgrade a `Good`.
    pub quality: Quality,
}

/// Rule state of one catchment point.
#[derive(Debug, Clone, Default)]
pub struct PointRules {
    last_total: HashMap<usize, f64>,
    level_anchor: Option<(f64, u64)>,
}

impl PointRules {
    /// Apply the cross-channel rules to the items of one poll. Returns the flags raised.
    pub fn apply(
        &mut self,
        items: &mut [Item],
        counter: Option<CounterObs>,
    ) -> Vec<(usize, Reason)> {
        let mut flags = Vec::new();
        let flag = |item: &mut Item, q: Quality, flags: &mut Vec<(usize, Reason)>| {
            if item.quality.is_good() {
                item.quality = q;
                if let Quality::Suspect(r) | Quality::Bad(r) = q {
                    flags.push((item.key, r));
                }
            }
        };
        let sensor_fault = items
            .iter()
            .any(|i| i.quality == Quality::Bad(Reason::SensorFault));
        for item in items.iter_mut() {
            match item.variable {
                Variable::Total if item.quality.is_good() => {
                    let prev = self.last_total.insert(item.key, item.value);
                    if prev.is_some_and(|p| item.value < p) {
                        flag(item, Quality::Suspect(Reason::TotalReset), &mut flags);
                    }
                }
                Variable::Level if sensor_fault => {
                    flag(item, Quality::Bad(Reason::SensorFault), &mut flags)
                }
                Variable::Level if item.quality.is_good() => {
                    if let Some(c) = counter {
                        match self.level_anchor {
                            Some((level, total)) if c.total == total && item.value <= level => {
                                if level - item.value > LEVEL_DROP_M {
                                    flag(
                                        item,
                                        Quality::Suspect(Reason::LevelWithoutVolume),
                                        &mut flags,
                                    );
                                }
                            }
                            _ => self.level_anchor = Some((item.value, c.total)),
                        }
                    }
                }
                Variable::Flow if item.quality.is_good() && item.value > 0.0 => {
                    if let Some(CounterObs {
                        delta: 0,
                        m3_per_pulse,
                        elapsed_s: Some(dt),
                        ..
                    }) = counter
                    {
                        let expected = item.value * dt / 1000.0 / m3_per_pulse;
                        if expected >= FLOW_EVIDENCE_PULSES {
                            flag(item, Quality::Suspect(Reason::FlowWithoutTotal), &mut flags);
                        }
                    }
                }
                _ => {}
            }
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: usize, variable: Variable, value: f64) -> Item {
        Item {
            key,
            variable,
            value,
            quality: Quality::Good,
        }
    }

    fn obs(delta: u64, total: u64) -> Option<CounterObs> {
        Some(CounterObs {
            delta,
            total,
            m3_per_pulse: 0.001,
            elapsed_s: Some(10.0),
        })
    }

    #[test]
    fn range_checks() {
        assert_eq!(
            range(Variable::Flow, 5.0, Some(0.0), Some(10.0), None),
            None
        );
        assert_eq!(
            range(Variable::Flow, 11.0, Some(0.0), Some(10.0), None),
            Some(Quality::Bad(Reason::OutOfRange))
        );
        assert_eq!(
            range(Variable::Flow, -1.0, Some(0.0), None, None),
            Some(Quality::Bad(Reason::OutOfRange))
        );
        assert_eq!(
            range(Variable::Level, 31.0, None, Some(30.0), None),
            Some(Quality::Bad(Reason::LevelAboveMax))
        );
        assert_eq!(
            range(Variable::Level, 3.0, None, None, Some(3.8)),
            Some(Quality::Bad(Reason::SensorFault))
        );
    }

    #[test]
    fn total_decrease_is_a_total_reset_and_the_value_is_kept() {
        let mut r = PointRules::default();
        let mut a = [item(0, Variable::Total, 100.0)];
        assert!(r.apply(&mut a, None).is_empty());
        let mut b = [item(0, Variable::Total, 0.0), item(1, Variable::Flow, 3.0)];
        assert_eq!(r.apply(&mut b, None), vec![(0, Reason::TotalReset)]);
        assert_eq!(b[0].value, 0.0);
        assert_eq!(b[0].quality, Quality::Suspect(Reason::TotalReset));
        // Counting again from the new value is fine.
        let mut c = [item(0, Variable::Total, 1.0)];
        assert!(r.apply(&mut c, None).is_empty());
    }

    #[test]
    fn flow_without_total_needs_enough_expected_pulses() {
        let mut r = PointRules::default();
        // 2 l/s over 10 s = 20 l = 20 pulses expected, 0 counted.
        let mut a = [item(3, Variable::Flow, 2.0)];
        assert_eq!(
            r.apply(&mut a, obs(0, 50)),
            vec![(3, Reason::FlowWithoutTotal)]
        );
        let mut b = [item(3, Variable::Flow, 2.0)];
        assert!(r.apply(&mut b, obs(20, 70)).is_empty());
        // 0.1 l/s over 10 s = 1 pulse: noise.
        let mut c = [item(3, Variable::Flow, 0.1)];
        assert!(r.apply(&mut c, obs(0, 70)).is_empty());
    }

    #[test]
    fn level_drop_without_volume_is_flagged() {
        let mut r = PointRules::default();
        assert!(
            r.apply(&mut [item(1, Variable::Level, 20.0)], obs(0, 10))
                .is_empty()
        );
        assert!(
            r.apply(&mut [item(1, Variable::Level, 19.8)], obs(0, 10))
                .is_empty()
        );
        assert_eq!(
            r.apply(&mut [item(1, Variable::Level, 19.4)], obs(0, 10)),
            vec![(1, Reason::LevelWithoutVolume)]
        );
        // Pumping explains a drop.
        assert!(
            r.apply(&mut [item(1, Variable::Level, 18.0)], obs(100, 110))
                .is_empty()
        );
        // Recovery (level rising) without volume is normal for a well.
        assert!(
            r.apply(&mut [item(1, Variable::Level, 19.0)], obs(0, 110))
                .is_empty()
        );
    }

    #[test]
    fn sensor_fault_spreads_to_the_level_of_the_point() {
        let mut r = PointRules::default();
        let mut a = [
            Item {
                key: 0,
                variable: Variable::Level,
                value: 0.0,
                quality: Quality::Bad(Reason::SensorFault),
            },
            item(1, Variable::Level, 0.0),
        ];
        assert_eq!(r.apply(&mut a, None), vec![(1, Reason::SensorFault)]);
    }

    #[test]
    fn stuck_after_the_configured_time() {
        let mut s = Stuck::default();
        let after = Duration::from_secs(10);
        assert!(!s.on_value(1.0, UtcMillis(0), after));
        assert!(!s.on_value(1.0, UtcMillis(10_000), after));
        assert!(s.on_value(1.0, UtcMillis(10_001), after));
        assert!(!s.on_value(1.5, UtcMillis(10_002), after));
    }
}
