//! Pulse counter math: successive raw reads to deltas and a running total.
//!
//! Sans-IO: [`Counter::on_read`] takes the raw value and the time of the
//! read and returns what happened; the caller stores the new
//! [`CounterState`] in the same outbox transaction as the reading.
//!
//! # State transitions
//!
//! - No state (first read of this channel in this outbox epoch): the read is
//!   the **baseline**; the total stays 0 and no delta is counted.
//! - `raw >= last`: **normal**, `delta = raw - last`.
//! - `raw < last`: let `wrapped = raw + 2^bits - last` (the delta if the
//!   counter wrapped) and `Δt` the time since the last read.
//!   - With `max_pulses_per_second` configured, the rate decides: a
//!     **rollover** when `wrapped <= max_step(Δt) = ceil(rate × Δt) + 1`,
//!     otherwise a **reset**.
//!   - Without it: a **reset** when `raw <= reset_threshold` (default 0) or
//!     `wrapped > 2^(bits-1)`; otherwise a **rollover**.
//!   - Rollover: `delta = wrapped`, quality good.
//!   - Reset (the device rebooted and restarted from zero): `delta = raw`
//!     (counted from zero), quality `Suspect(CounterReset)` and an event.
//!     The pulses emitted between the last read and the reboot cannot be
//!     seen by any poller and are not counted.
//! - A counter that wraps more than once between two reads cannot be told
//!   from one that wrapped once: poll a 16-bit counter faster than it wraps.
//!
//! Invariant: the running total only grows, and it is exactly the sum of the
//! deltas since the baseline, so a restart that reloads the state of the last
//! committed reading continues without losing or double-counting a pulse.

use caudal_protocol::UtcMillis;

/// Persisted state of one counter channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterState {
    /// The last raw value read.
    pub last_raw: u64,
    /// Running total of pulses since the baseline of this epoch.
    pub total: u64,
    /// When `last_raw` was read.
    pub last_time: UtcMillis,
}

/// Counter parameters from the channel config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterParams {
    /// Width of the device's counter register: 16 or 32.
    pub bits: u8,
    /// A decrease to this value or below is a reset (used without a rate bound).
    pub reset_threshold: u64,
    /// Fastest plausible count rate, pulses per second.
    pub max_pulses_per_second: Option<f64>,
}

/// What one read did to the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// First read: sets the baseline.
    Baseline,
    /// The counter advanced by `delta`.
    Normal {
        /// Pulses counted.
        delta: u64,
    },
    /// The counter wrapped at `2^bits`.
    Rollover {
        /// Pulses counted across the wrap.
        delta: u64,
    },
    /// The device restarted its counter from zero.
    Reset {
        /// Pulses counted from zero (= raw).
        delta: u64,
        /// The raw value before the reset.
        last_raw: u64,
    },
}

impl Step {
    /// Pulses counted by this step.
    #[must_use]
    pub fn delta(self) -> u64 {
        match self {
            Step::Baseline => 0,
            Step::Normal { delta } | Step::Rollover { delta } | Step::Reset { delta, .. } => delta,
        }
    }
}

/// One counter channel: parameters plus state.
#[derive(Debug, Clone)]
pub struct Counter {
    params: CounterParams,
    state: Option<CounterState>,
}

impl Counter {
    /// A counter resuming from `state` (None: the next read is the baseline).
    #[must_use]
    pub fn new(params: CounterParams, state: Option<CounterState>) -> Counter {
        Counter { params, state }
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> Option<CounterState> {
        self.state
    }

    /// Running total of pulses (0 before the baseline).
    #[must_use]
    pub fn total(&self) -> u64 {
        self.state.map_or(0, |s| s.total)
    }

    /// Raw value of the last read, if any.
    #[must_use]
    pub fn last_raw(&self) -> Option<u64> {
        self.state.map(|s| s.last_raw)
    }

    fn modulus(&self) -> u64 {
        1u64 << self.params.bits
    }

    fn max_step(&self, elapsed_ms: i64) -> Option<u64> {
        let rate = self.params.max_pulses_per_second?;
        #[allow(
            clippy::cast_precision_loss,
            reason = "elapsed times are far below 2^53 ms"
        )]
        let secs = std::cmp::max(elapsed_ms, 0) as f64 / 1000.0;
        let step = (rate * secs).ceil() + 1.0;
        // A float to u64 conversion saturates; the step is compared, never stored.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "saturating and non-negative"
        )]
        let step = step as u64;
        Some(step)
    }

    /// Feed one raw read taken at `now`.
    pub fn on_read(&mut self, raw: u64, now: UtcMillis) -> Step {
        // Bits above the counter width are not the counter's (e.g. IR1 of a 16-bit device).
        let raw = raw & (self.modulus() - 1);
        let Some(prev) = self.state else {
            self.state = Some(CounterState {
                last_raw: raw,
                total: 0,
                last_time: now,
            });
            return Step::Baseline;
        };
        let step = if raw >= prev.last_raw {
            Step::Normal {
                delta: raw - prev.last_raw,
            }
        } else {
            let wrapped = raw + self.modulus() - prev.last_raw;
            let is_reset = match self.max_step(now.0 - prev.last_time.0) {
                Some(max) => wrapped > max,
                None => raw <= self.params.reset_threshold || wrapped > self.modulus() / 2,
            };
            if is_reset {
                Step::Reset {
                    delta: raw,
                    last_raw: prev.last_raw,
                }
            } else {
                Step::Rollover { delta: wrapped }
            }
        };
        self.state = Some(CounterState {
            last_raw: raw,
            total: prev.total.saturating_add(step.delta()),
            last_time: now,
        });
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(bits: u8, rate: Option<f64>) -> CounterParams {
        CounterParams {
            bits,
            reset_threshold: 0,
            max_pulses_per_second: rate,
        }
    }

    fn feed(c: &mut Counter, reads: &[(u64, i64)]) -> Vec<Step> {
        reads
            .iter()
            .map(|&(raw, t)| c.on_read(raw, UtcMillis(t)))
            .collect()
    }

    #[test]
    fn first_read_is_the_baseline_and_counts_nothing() {
        let mut c = Counter::new(params(32, None), None);
        assert_eq!(c.on_read(1_000_000, UtcMillis(0)), Step::Baseline);
        assert_eq!(c.total(), 0);
        assert_eq!(
            c.on_read(1_000_010, UtcMillis(1000)),
            Step::Normal { delta: 10 }
        );
        assert_eq!(c.total(), 10);
    }

    #[test]
    fn sixteen_bit_rollover_counts_across_the_wrap() {
        let mut c = Counter::new(params(16, Some(100.0)), None);
        let steps = feed(
            &mut c,
            &[(65_500, 0), (65_530, 1000), (4, 2000), (50, 3000)],
        );
        assert_eq!(steps[2], Step::Rollover { delta: 10 });
        assert_eq!(c.total(), 30 + 10 + 46);
    }

    #[test]
    fn thirty_two_bit_rollover_counts_across_the_wrap() {
        let mut c = Counter::new(params(32, None), None);
        feed(&mut c, &[(u64::from(u32::MAX) - 5, 0), (3, 1000)]);
        assert_eq!(c.total(), 9);
    }

    #[test]
    fn reset_counts_from_zero_and_is_flagged() {
        let mut c = Counter::new(params(32, Some(100.0)), None);
        let steps = feed(&mut c, &[(5000, 0), (5100, 1000), (7, 2000), (20, 3000)]);
        assert_eq!(
            steps[2],
            Step::Reset {
                delta: 7,
                last_raw: 5100
            }
        );
        assert_eq!(c.total(), 100 + 7 + 13);
    }

    #[test]
    fn sixteen_bit_reset_near_the_top_is_not_a_rollover_when_the_rate_says_so() {
        // Counter at 65000 reboots; 40 pulses later we read 40. Wrapped delta 576 > 100/s * 1 s.
        let mut c = Counter::new(params(16, Some(100.0)), None);
        let steps = feed(&mut c, &[(65_000, 0), (40, 1000)]);
        assert_eq!(
            steps[1],
            Step::Reset {
                delta: 40,
                last_raw: 65_000
            }
        );
        // The same decrease after a long gap is a plausible rollover.
        let mut c = Counter::new(params(16, Some(100.0)), None);
        let steps = feed(&mut c, &[(65_000, 0), (40, 10_000)]);
        assert_eq!(steps[1], Step::Rollover { delta: 576 });
    }

    #[test]
    fn without_a_rate_the_threshold_and_half_range_decide() {
        let p = CounterParams {
            bits: 16,
            reset_threshold: 10,
            max_pulses_per_second: None,
        };
        let mut c = Counter::new(p, None);
        assert!(matches!(
            feed(&mut c, &[(65_530, 0), (10, 1)])[1],
            Step::Reset { delta: 10, .. }
        ));
        let mut c = Counter::new(p, None);
        assert_eq!(
            feed(&mut c, &[(65_530, 0), (11, 1)])[1],
            Step::Rollover { delta: 17 }
        );
        let mut c = Counter::new(p, None);
        assert!(matches!(
            feed(&mut c, &[(20_000, 0), (100, 1)])[1],
            Step::Reset { delta: 100, .. }
        ));
    }

    #[test]
    fn restart_from_persisted_state_continues_exactly() {
        let reads: Vec<(u64, i64)> = (0..100)
            .map(|i| ((i * 997) % 65_536, i64::try_from(i).unwrap() * 1000))
            .collect();
        let mut whole = Counter::new(params(16, Some(2000.0)), None);
        feed(&mut whole, &reads);
        let mut first = Counter::new(params(16, Some(2000.0)), None);
        feed(&mut first, &reads[..37]);
        let mut second = Counter::new(params(16, Some(2000.0)), first.state());
        feed(&mut second, &reads[37..]);
        assert_eq!(whole.state(), second.state());
        assert_eq!(whole.total(), 99 * 997);
    }

    #[test]
    fn bits_above_the_counter_width_are_ignored() {
        let mut c = Counter::new(params(16, None), None);
        feed(&mut c, &[(0x1_0005, 0), (0x2_0009, 1)]);
        assert_eq!(c.total(), 4);
    }

    proptest::proptest! {
        /// Any pulse stream with wraps, polled at a bounded rate, totals exactly.
        #[test]
        fn total_equals_true_pulses(increments in proptest::collection::vec(0u64..900, 1..300)) {
            let mut c = Counter::new(params(16, Some(1000.0)), None);
            let mut truth = 0u64;
            c.on_read(0, UtcMillis(0));
            for (i, inc) in increments.iter().enumerate() {
                truth += inc;
                let t = i64::try_from(i + 1).unwrap() * 1000;
                c.on_read(truth % 65_536, UtcMillis(t));
            }
            proptest::prop_assert_eq!(c.total(), truth);
        }
    }
}
