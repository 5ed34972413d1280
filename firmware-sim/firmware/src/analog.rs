//! Analog inputs: the 4-20 mA level transmitter and the motor current
//! transducer, both read through a 16-bit [`AdcChannel`].
//!
//! Loop current: the transmitter's loop runs through a shunt; the converter's
//! full scale (65535 counts) is [`LOOP_FULL_SCALE_UA`] µA, so 4 mA reads as
//! 10922 counts and 20 mA as 54612. NAMUR NE 43 says a healthy transmitter
//! stays within 3.8..20.5 mA; outside that band the level is a sensor fault.

use crate::hal::AdcChannel;

/// Loop current at full ADC scale, µA.
pub const LOOP_FULL_SCALE_UA: u32 = 24_000;
/// Lowest healthy loop current (NAMUR NE 43), µA.
pub const LOOP_MIN_HEALTHY_UA: u16 = 3_800;
/// Highest healthy loop current (NAMUR NE 43), µA.
pub const LOOP_MAX_HEALTHY_UA: u16 = 20_500;
/// Loop current at the bottom of the measuring range, µA.
pub const LOOP_ZERO_UA: u32 = 4_000;
/// Loop current span from 4 to 20 mA, µA.
pub const LOOP_SPAN_UA: u32 = 16_000;

/// Raw counts of a 16-bit converter scaled to `full_scale` units, rounded.
#[must_use]
pub fn counts_to(counts: u16, full_scale: u32) -> u32 {
    let v = (u64::from(counts) * u64::from(full_scale) + 32_767) / 65_535;
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Inverse of [`counts_to`]: the counts a converter reads for `value`, saturating.
#[must_use]
pub fn to_counts(value: u32, full_scale: u32) -> u16 {
    if full_scale == 0 {
        return 0;
    }
    let c = (u64::from(value) * 65_535 + u64::from(full_scale / 2)) / u64::from(full_scale);
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// One reading of the level transmitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelReading {
    /// Loop current, µA (0 when the converter failed).
    pub loop_ua: u16,
    /// Water above the sensor in centimetres; `None` when the loop current is
    /// outside the healthy band (sensor fault).
    pub level_cm: Option<u16>,
}

/// A 4-20 mA submersible level transmitter: 4 mA = 0 m, 20 mA = `span_cm`.
#[derive(Debug)]
pub struct LevelTransmitter<A> {
    adc: A,
    span_cm: u32,
}

impl<A: AdcChannel> LevelTransmitter<A> {
    /// A transmitter whose 20 mA point is `span_cm` of water above the sensor.
    pub fn new(adc: A, span_cm: u32) -> Self {
        LevelTransmitter { adc, span_cm }
    }

    /// Give the converter back.
    pub fn release(self) -> A {
        self.adc
    }

    /// Convert once. A converter error reads as a dead loop (0 µA, fault).
    pub fn read(&mut self) -> LevelReading {
        let Ok(counts) = self.adc.read_counts() else {
            return LevelReading {
                loop_ua: 0,
                level_cm: None,
            };
        };
        let ua = u16::try_from(counts_to(counts, LOOP_FULL_SCALE_UA)).unwrap_or(u16::MAX);
        if !(LOOP_MIN_HEALTHY_UA..=LOOP_MAX_HEALTHY_UA).contains(&ua) {
            return LevelReading {
                loop_ua: ua,
                level_cm: None,
            };
        }
        let above_zero = u64::from(u32::from(ua).saturating_sub(LOOP_ZERO_UA));
        let cm = above_zero * u64::from(self.span_cm) / u64::from(LOOP_SPAN_UA);
        LevelReading {
            loop_ua: ua,
            level_cm: Some(u16::try_from(cm).unwrap_or(u16::MAX)),
        }
    }
}

/// A motor current transducer: 0..full scale counts = 0..`full_scale_ca` centiamps.
#[derive(Debug)]
pub struct CurrentTransducer<A> {
    adc: A,
    full_scale_ca: u32,
}

impl<A: AdcChannel> CurrentTransducer<A> {
    /// A transducer reading `full_scale_ca` (0.01 A) at full ADC scale.
    pub fn new(adc: A, full_scale_ca: u32) -> Self {
        CurrentTransducer { adc, full_scale_ca }
    }

    /// Give the converter back.
    pub fn release(self) -> A {
        self.adc
    }

    /// Motor current in 0.01 A.
    ///
    /// # Errors
    /// The converter's error.
    pub fn read_ca(&mut self) -> Result<u16, A::Error> {
        let counts = self.adc.read_counts()?;
        Ok(u16::try_from(counts_to(counts, self.full_scale_ca)).unwrap_or(u16::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::{Error as _, ErrorKind, ErrorType};

    /// A transcript mock of an ADC channel, in the style of embedded-hal-mock.
    struct AdcMock<'a> {
        expected: &'a [Result<u16, ErrorKind>],
        next: usize,
    }

    impl<'a> AdcMock<'a> {
        fn new(expected: &'a [Result<u16, ErrorKind>]) -> Self {
            AdcMock { expected, next: 0 }
        }
        fn done(self) {
            assert_eq!(
                self.next,
                self.expected.len(),
                "not every expected conversion was made"
            );
        }
    }

    impl ErrorType for AdcMock<'_> {
        type Error = ErrorKind;
    }

    impl AdcChannel for AdcMock<'_> {
        fn read_counts(&mut self) -> Result<u16, ErrorKind> {
            let r = *self.expected.get(self.next).expect("unexpected conversion");
            self.next += 1;
            r
        }
    }

    #[test]
    fn four_and_twenty_milliamps_are_the_ends_of_the_span() {
        let four = to_counts(4_000, LOOP_FULL_SCALE_UA);
        let twenty = to_counts(20_000, LOOP_FULL_SCALE_UA);
        let twelve = to_counts(12_000, LOOP_FULL_SCALE_UA);
        let script = [Ok(four), Ok(twenty), Ok(twelve)];
        let mut lt = LevelTransmitter::new(AdcMock::new(&script), 10_000);
        assert_eq!(lt.read().level_cm, Some(0));
        assert_eq!(lt.read().level_cm, Some(10_000));
        assert_eq!(lt.read().level_cm, Some(5_000));
        lt.release().done();
    }

    #[test]
    fn dead_loop_and_converter_error_are_sensor_faults() {
        let script = [
            Ok(0),
            Ok(to_counts(3_000, LOOP_FULL_SCALE_UA)),
            Ok(u16::MAX),
            Err(ErrorKind::Overrun),
        ];
        let mut lt = LevelTransmitter::new(AdcMock::new(&script), 10_000);
        assert_eq!(
            lt.read(),
            LevelReading {
                loop_ua: 0,
                level_cm: None
            }
        );
        let r = lt.read();
        assert!(
            r.level_cm.is_none() && (2_990..=3_010).contains(&r.loop_ua),
            "{r:?}"
        );
        assert_eq!(
            lt.read(),
            LevelReading {
                loop_ua: 24_000,
                level_cm: None
            }
        );
        assert_eq!(lt.read().level_cm, None);
        lt.release().done();
    }

    #[test]
    fn current_scales_to_centiamps() {
        let script = [Ok(to_counts(1_234, 10_000)), Err(ErrorKind::Other)];
        let mut ct = CurrentTransducer::new(AdcMock::new(&script), 10_000);
        assert_eq!(ct.read_ca().unwrap(), 1_234);
        assert_eq!(ct.read_ca().unwrap_err().kind(), ErrorKind::Other);
        ct.release().done();
    }

    #[test]
    fn counts_round_trip() {
        for ua in [0u32, 3_800, 4_000, 11_111, 20_000, 24_000] {
            let back = counts_to(to_counts(ua, LOOP_FULL_SCALE_UA), LOOP_FULL_SCALE_UA);
            assert!(back.abs_diff(ua) <= 1, "{ua} -> {back}");
        }
    }
}
