//! Live meter values as the caller supplies them: life-to-date readings of
//! an asset's continuous meters (run-hours, m³ pumped, starts) derived
//! from stored telemetry by the asset registry, with the recent usage rate
//! when known.

use crate::{DAY_MS, MeterKind, UtcMillis};

/// Usage over a recent window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usage {
    /// Units per day.
    pub per_day: f64,
    /// The window it was measured over, days ("the last 30 days").
    pub window_days: u32,
}

impl Usage {
    /// The usage rate from readings `(time, life-to-date value)` sorted by
    /// time: the change between the first and the last reading within
    /// `[now − window_days, now]`, per day. `None` with fewer than two
    /// readings an hour apart in the window, or if the meter went backwards
    /// (a reset the registry has not folded in).
    #[must_use]
    pub fn from_history(
        points: &[(UtcMillis, f64)],
        now: UtcMillis,
        window_days: u32,
    ) -> Option<Usage> {
        let since = UtcMillis(now.0 - i64::from(window_days) * DAY_MS);
        let mut inside = points
            .iter()
            .filter(|(t, v)| *t >= since && *t <= now && v.is_finite());
        let first = inside.next()?;
        let last = inside.next_back()?;
        let span_ms = last.0.0 - first.0.0;
        if span_ms < DAY_MS / 24 || last.1 < first.1 {
            return None;
        }
        let span_days = span_ms as f64 / DAY_MS as f64;
        Some(Usage {
            per_day: (last.1 - first.1) / span_days,
            window_days,
        })
    }
}

/// A meter's current value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeterReading {
    /// Life-to-date value (h, m³ or starts).
    pub value: f64,
    /// Recent usage, for projections and meter-plan frequencies.
    pub usage: Option<Usage>,
}

/// The current values of one asset's meters. A value that is not finite
/// is not stored: the meter counts as unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Meters {
    readings: [Option<MeterReading>; 3],
}

fn slot(kind: MeterKind) -> usize {
    match kind {
        MeterKind::RunHours => 0,
        MeterKind::CubicMetres => 1,
        MeterKind::Starts => 2,
    }
}

impl Meters {
    /// No meter known.
    #[must_use]
    pub fn none() -> Meters {
        Meters::default()
    }

    /// With a value (and no usage).
    #[must_use]
    pub fn with(self, kind: MeterKind, value: f64) -> Meters {
        self.with_reading(kind, value, None)
    }

    /// With a value and its usage.
    #[must_use]
    pub fn with_reading(mut self, kind: MeterKind, value: f64, usage: Option<Usage>) -> Meters {
        self.set(kind, value, usage);
        self
    }

    /// Set a value (a non-finite value clears it).
    pub fn set(&mut self, kind: MeterKind, value: f64, usage: Option<Usage>) {
        self.readings[slot(kind)] = value.is_finite().then_some(MeterReading { value, usage });
    }

    /// A meter's reading.
    #[must_use]
    pub fn get(&self, kind: MeterKind) -> Option<MeterReading> {
        self.readings[slot(kind)]
    }

    /// A meter's value.
    #[must_use]
    pub fn value(&self, kind: MeterKind) -> Option<f64> {
        self.get(kind).map(|r| r.value)
    }
}

/// The unit of a meter, for people.
#[must_use]
pub fn unit(kind: MeterKind, lang: crate::Lang) -> &'static str {
    match (lang, kind) {
        (_, MeterKind::RunHours) => "h",
        (_, MeterKind::CubicMetres) => "m³",
        (crate::Lang::Es, MeterKind::Starts) => "arranques",
        (crate::Lang::En, MeterKind::Starts) => "starts",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_the_change_over_the_window_per_day() {
        let day = |d: i64| UtcMillis(d * DAY_MS);
        let points = [
            (day(0), 0.0),
            (day(10), 100.0), // before the window
            (day(20), 300.0),
            (day(40), 900.0),
        ];
        let u = Usage::from_history(&points, day(40), 30).unwrap();
        // From day 10 (100 m³) to day 40 (900 m³): 800 / 30 days.
        assert!((u.per_day - 800.0 / 30.0).abs() < 1e-9);
        assert_eq!(u.window_days, 30);
        // One reading in the window: no rate.
        assert_eq!(Usage::from_history(&points[..2], day(40), 30), None);
        // A meter that went backwards: no rate.
        assert_eq!(
            Usage::from_history(&[(day(20), 500.0), (day(30), 10.0)], day(30), 30),
            None
        );
    }

    #[test]
    fn non_finite_values_count_as_unknown() {
        let m = Meters::none()
            .with(MeterKind::CubicMetres, f64::NAN)
            .with(MeterKind::RunHours, 12.5);
        assert_eq!(m.value(MeterKind::CubicMetres), None);
        assert_eq!(m.value(MeterKind::RunHours), Some(12.5));
        assert_eq!(m.value(MeterKind::Starts), None);
    }
}
