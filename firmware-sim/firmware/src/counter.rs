//! Pulse counter on a digital input.
//!
//! The meter's reed switch or open collector pulls the input high once per
//! pulse. The counter counts rising edges (low → high) and keeps them in a
//! register of [`CounterWidth`] bits that wraps exactly like the hardware
//! counter of a real RTU: `65535 + 1 = 0` on a 16-bit device.
//!
//! Sampling: [`PulseCounter::sample`] reads the pin repeatedly until the line
//! has been low for two reads in a row (idle) or a read budget is used up. On
//! a microcontroller this runs from a timer interrupt faster than the meter
//! can pulse; in the simulator the pin presents the pulses of one model step
//! as a burst of edges.

use embedded_hal::digital::InputPin;

/// Width of the counter register, i.e. where it wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterWidth {
    /// Wraps at 65536.
    Bits16,
    /// Wraps at 2^32.
    Bits32,
}

impl CounterWidth {
    /// Largest value the register holds.
    #[must_use]
    pub fn max(self) -> u32 {
        match self {
            CounterWidth::Bits16 => u32::from(u16::MAX),
            CounterWidth::Bits32 => u32::MAX,
        }
    }

    /// Number of distinct register values (`max + 1`).
    #[must_use]
    pub fn modulus(self) -> u64 {
        u64::from(self.max()) + 1
    }
}

/// Rising-edge counter that owns its input pin.
#[derive(Debug)]
pub struct PulseCounter<P> {
    pin: P,
    width: CounterWidth,
    register: u32,
    total: u64,
    last_high: Option<bool>,
}

impl<P: InputPin> PulseCounter<P> {
    /// A counter at zero. The first read of the pin only sets the reference
    /// level: a line already high at power-up is not a pulse.
    pub fn new(pin: P, width: CounterWidth) -> Self {
        PulseCounter {
            pin,
            width,
            register: 0,
            total: 0,
            last_high: None,
        }
    }

    /// Give the pin back.
    pub fn release(self) -> P {
        self.pin
    }

    /// Read the pin until it is idle (low twice in a row) or `max_reads`
    /// reads were made; returns the rising edges counted.
    ///
    /// # Errors
    /// The pin's error; edges counted before it stay counted.
    pub fn sample(&mut self, max_reads: u32) -> Result<u32, P::Error> {
        let mut edges = 0u32;
        let mut lows_in_a_row = 0u8;
        for _ in 0..max_reads {
            let high = self.pin.is_high()?;
            if high && self.last_high == Some(false) {
                edges = edges.saturating_add(1);
                self.add(1);
            }
            self.last_high = Some(high);
            if high {
                lows_in_a_row = 0;
            } else {
                lows_in_a_row = lows_in_a_row.saturating_add(1);
                if lows_in_a_row >= 2 {
                    break;
                }
            }
        }
        Ok(edges)
    }

    fn add(&mut self, n: u32) {
        self.total = self.total.wrapping_add(u64::from(n));
        self.register = match self.width {
            CounterWidth::Bits16 => {
                let low = u16::try_from(self.register & 0xFFFF).unwrap_or(0);
                u32::from(low.wrapping_add(u16::try_from(n & 0xFFFF).unwrap_or(0)))
            }
            CounterWidth::Bits32 => self.register.wrapping_add(n),
        };
    }

    /// The counter register as the device exposes it.
    #[must_use]
    pub fn register(&self) -> u32 {
        self.register
    }

    /// Pulses counted since power-up, without wrapping.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Register width.
    #[must_use]
    pub fn width(&self) -> CounterWidth {
        self.width
    }

    /// Preset the register (service tool "set counter"); the value is
    /// reduced modulo the register width. The since-power-up total is kept.
    pub fn preset(&mut self, value: u32) {
        self.register = match self.width {
            CounterWidth::Bits16 => value & 0xFFFF,
            CounterWidth::Bits32 => value,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal_mock::eh1::digital::{Mock, State, Transaction as T};

    #[test]
    fn counts_rising_edges_until_idle() {
        let pin = Mock::new(&[
            T::get(State::High), // level at power-up: not a pulse
            T::get(State::Low),
            T::get(State::High), // 1
            T::get(State::Low),
            T::get(State::High), // 2
            T::get(State::Low),
            T::get(State::Low), // idle: stop
        ]);
        let mut c = PulseCounter::new(pin, CounterWidth::Bits32);
        assert_eq!(c.sample(100).unwrap(), 2);
        assert_eq!(c.register(), 2);
        c.release().done();
    }

    #[test]
    fn sixteen_bit_register_wraps_at_65536() {
        let pin = Mock::new(&[
            T::get(State::Low),
            T::get(State::High),
            T::get(State::Low),
            T::get(State::Low),
        ]);
        let mut c = PulseCounter::new(pin, CounterWidth::Bits16);
        c.preset(65_535);
        assert_eq!(c.sample(10).unwrap(), 1);
        assert_eq!(c.register(), 0);
        assert_eq!(c.total(), 1);
        c.release().done();
    }

    #[test]
    fn thirty_two_bit_register_wraps_at_2_pow_32() {
        let pin = Mock::new(&[
            T::get(State::Low),
            T::get(State::High),
            T::get(State::Low),
            T::get(State::High),
        ]);
        let mut c = PulseCounter::new(pin, CounterWidth::Bits32);
        c.preset(u32::MAX);
        // Budget of four reads ends the sample on a high line.
        assert_eq!(c.sample(4).unwrap(), 2);
        assert_eq!(c.register(), 1);
        c.release().done();
    }
}
