//! A slot's values, taken from stored readings, each with its provenance.
//!
//! The caller supplies each series (flow l/s, total m³, level m) as readings
//! in time order, with `through`: the time up to which that series is known
//! to be stored (the latest stored reading of the series; agents send each
//! channel in order, so nothing older can still arrive except by an import).
//! A value whose series is not through the slot's instant is not taken yet.
//!
//! Definitions ([`value_slot`]), with `tolerance` = [`ValueRules::at_tolerance_ms`]:
//! - **At slot time**: the last *good* reading with `at − tolerance ≤ time ≤
//!   at`. Never a reading after the slot: the value filed for 14:00 is one
//!   that existed at 14:00. Readings of other quality are skipped and counted.
//! - **Mean over the period**: the arithmetic mean of the good readings with
//!   `period_start < time ≤ at`. Agents poll at a fixed interval, so this is
//!   the time-weighted mean for regular data; gaps show in the count.
//! - **Total**: the meter total at slot time, plus the offset of the latest
//!   known meter reset at or before the reading ([`super::MeterReset`]). The
//!   DGA's `totalizador` is this truncated to whole m³.
//! - **Nivel freático**: the level at slot time, as read for a depth-to-water
//!   sensor, or sensor depth − water column for a submerged sensor.
//! - The total at the period's start (same rule, at `period_start`) is kept
//!   for the volume/flow agreement check.

use caudal_protocol::Quality;

use crate::{Lang, UserId, UtcMillis, Zone};

use super::Measure;
use super::plan::SlotTime;
use super::settings::{LevelSource, ValueRules};

/// One stored reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// When it was taken.
    pub at: UtcMillis,
    /// Its engineering value (l/s, m³ or m).
    pub value: f64,
    /// Its quality: only good readings are filed.
    pub quality: Quality,
}

impl Sample {
    /// A good reading.
    #[must_use]
    pub fn good(at: UtcMillis, value: f64) -> Sample {
        Sample {
            at,
            value,
            quality: Quality::Good,
        }
    }

    fn usable(&self) -> bool {
        self.quality.is_good() && self.value.is_finite()
    }
}

/// One series of a point, in time order.
#[derive(Clone, Copy, Debug, Default)]
pub struct Series<'a> {
    /// Readings in time order (at least those from `period_start − tolerance` to the slot).
    pub samples: &'a [Sample],
    /// The series is stored completely up to this instant; `None` when it has no reading.
    pub through: Option<UtcMillis>,
}

impl<'a> Series<'a> {
    /// A series whose `through` is its last reading.
    #[must_use]
    pub fn of(samples: &'a [Sample]) -> Series<'a> {
        Series {
            samples,
            through: samples.last().map(|s| s.at),
        }
    }

    fn through(&self, t: UtcMillis) -> bool {
        self.through.is_some_and(|th| th >= t)
    }

    /// Index of the first reading after `t`, searching forward from `hint`
    /// (galloping, so consecutive slots cost a few steps each) when every
    /// reading before `hint` is at or before `t`, and from the start otherwise.
    fn after(&self, hint: usize, t: UtcMillis) -> usize {
        let s = self.samples;
        let hint = std::cmp::min(hint, s.len());
        if hint > 0 && s[hint - 1].at > t {
            return s[..hint].partition_point(|x| x.at <= t);
        }
        // Invariant: every reading in s[..lo] is at or before t. Consecutive
        // slots move a few readings: look at those first, then gallop.
        let mut lo = hint;
        for _ in 0..16 {
            match s.get(lo) {
                Some(x) if x.at <= t => lo += 1,
                _ => return lo,
            }
        }
        let mut step = 1usize;
        let hi = loop {
            let probe = lo.saturating_add(step);
            if probe >= s.len() {
                break s.len();
            }
            if s[probe].at > t {
                break probe;
            }
            lo = probe + 1;
            step = step.saturating_mul(2);
        };
        lo + s[lo..hi].partition_point(|x| x.at <= t)
    }

    /// The last good reading in `[t − tolerance, t]`; `end` is [`Self::after`] of `t`.
    fn at_slot(&self, end: usize, t: UtcMillis, tolerance_ms: i64) -> Option<Value> {
        let oldest = UtcMillis(t.0.saturating_sub(tolerance_ms));
        for (skipped, s) in (0u32..).zip(self.samples[..end].iter().rev()) {
            if s.at < oldest {
                break;
            }
            if s.usable() {
                return Some(Value {
                    raw: s.value,
                    provenance: Provenance {
                        rule: Rule::AtSlot { tolerance_ms },
                        readings: 1,
                        first_at: Some(s.at),
                        last_at: Some(s.at),
                        skipped,
                        adjustment: Adjustment::None,
                    },
                });
            }
        }
        None
    }

    /// The mean of the good readings in `samples[start..end]`, the readings in `(from, to]`.
    fn mean(&self, start: usize, end: usize, from: UtcMillis, to: UtcMillis) -> Option<Value> {
        let mut sum = 0.0;
        let mut count = 0u32;
        let mut skipped = 0u32;
        let mut first = None;
        let mut last = None;
        for s in &self.samples[start..end] {
            if s.usable() {
                sum += s.value;
                count += 1;
                first = first.or(Some(s.at));
                last = Some(s.at);
            } else {
                skipped += 1;
            }
        }
        (count > 0).then(|| Value {
            raw: sum / f64::from(count),
            provenance: Provenance {
                rule: Rule::PeriodMean { from, to },
                readings: count,
                first_at: first,
                last_at: last,
                skipped,
                adjustment: Adjustment::None,
            },
        })
    }
}

/// Where one slot's windows start and end in one series.
#[derive(Clone, Copy)]
struct Window {
    /// First reading after `period_start − tolerance`.
    seen: usize,
    /// First reading after `period_start`.
    start: usize,
    /// First reading after the slot's instant.
    end: usize,
}

/// The three series a slot is valued from.
#[derive(Clone, Copy, Debug, Default)]
pub struct PointData<'a> {
    /// Flow, l/s.
    pub flow: Series<'a>,
    /// Meter total, m³.
    pub total: Series<'a>,
    /// Level sensor reading, m.
    pub level: Series<'a>,
}

/// A value with how it was obtained.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// The value before formatting (l/s, m³, m).
    pub raw: f64,
    /// How it was chosen, and from which readings.
    pub provenance: Provenance,
}

/// How a value was chosen and from which readings.
#[derive(Clone, Debug, PartialEq)]
pub struct Provenance {
    /// The rule applied.
    pub rule: Rule,
    /// Good readings used.
    pub readings: u32,
    /// Time of the first reading used.
    pub first_at: Option<UtcMillis>,
    /// Time of the last reading used.
    pub last_at: Option<UtcMillis>,
    /// Readings passed over because they were not good.
    pub skipped: u32,
    /// What was done to the reading.
    pub adjustment: Adjustment,
}

/// The rule that chose a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// The last good reading at or before the slot, within the tolerance.
    AtSlot {
        /// The tolerance, ms.
        tolerance_ms: i64,
    },
    /// The mean of the good readings in `(from, to]`.
    PeriodMean {
        /// The period's start (exclusive).
        from: UtcMillis,
        /// The period's end (inclusive): the slot's instant.
        to: UtcMillis,
    },
    /// Entered by a person reviewing the slot.
    Corrected {
        /// Who.
        by: UserId,
        /// When.
        at: UtcMillis,
        /// Why, in their words.
        note: String,
    },
}

/// What was done to a reading before filing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Adjustment {
    /// Filed as read.
    None,
    /// A known meter reset's offset was added.
    MeterOffset {
        /// The meter's reading, m³.
        reading_m3: f64,
        /// The offset added, m³.
        offset_m3: f64,
    },
    /// Nivel freático = sensor depth − water column.
    DepthMinusColumn {
        /// Sensor depth, m.
        sensor_depth_m: f64,
        /// Water column read, m.
        column_m: f64,
    },
}

impl Provenance {
    /// A correction by a person.
    #[must_use]
    pub fn corrected(by: UserId, at: UtcMillis, note: &str) -> Provenance {
        Provenance {
            rule: Rule::Corrected {
                by,
                at,
                note: note.to_owned(),
            },
            readings: 0,
            first_at: None,
            last_at: None,
            skipped: 0,
            adjustment: Adjustment::None,
        }
    }

    /// One sentence for the slot's document, with times in `zone`.
    #[must_use]
    pub fn describe(&self, zone: Zone, lang: Lang) -> String {
        let t = |t: Option<UtcMillis>| {
            t.map_or_else(String::new, |t| {
                zone.local(t).format("%Y-%m-%d %H:%M:%S").to_string()
            })
        };
        let es = lang == Lang::Es;
        let mut out = match &self.rule {
            Rule::AtSlot { tolerance_ms } => {
                let minutes = tolerance_ms / crate::MINUTE_MS;
                if es {
                    format!(
                        "última lectura buena a la hora del slot o antes (tolerancia {minutes} min): {}",
                        t(self.last_at)
                    )
                } else {
                    format!(
                        "last good reading at or before the slot (tolerance {minutes} min): {}",
                        t(self.last_at)
                    )
                }
            }
            Rule::PeriodMean { .. } => {
                if es {
                    format!(
                        "promedio de {} lecturas buenas entre {} y {}",
                        self.readings,
                        t(self.first_at),
                        t(self.last_at)
                    )
                } else {
                    format!(
                        "mean of {} good readings from {} to {}",
                        self.readings,
                        t(self.first_at),
                        t(self.last_at)
                    )
                }
            }
            Rule::Corrected { by, at, note } => {
                if es {
                    format!("corregido por el usuario {by} el {}: {note}", t(Some(*at)))
                } else {
                    format!("corrected by user {by} on {}: {note}", t(Some(*at)))
                }
            }
        };
        if self.skipped > 0 {
            out.push_str(&if es {
                format!("; {} lecturas no buenas omitidas", self.skipped)
            } else {
                format!("; {} readings of bad quality skipped", self.skipped)
            });
        }
        match self.adjustment {
            Adjustment::None => {}
            Adjustment::MeterOffset {
                reading_m3,
                offset_m3,
            } => out.push_str(&if es {
                format!("; lectura del medidor {reading_m3} m³ + ajuste por reinicio {offset_m3} m³")
            } else {
                format!("; meter reading {reading_m3} m³ + reset offset {offset_m3} m³")
            }),
            Adjustment::DepthMinusColumn {
                sensor_depth_m,
                column_m,
            } => out.push_str(&if es {
                format!("; nivel = profundidad del sensor {sensor_depth_m} m − columna de agua {column_m} m")
            } else {
                format!("; nivel = sensor depth {sensor_depth_m} m − water column {column_m} m")
            }),
        }
        out
    }
}

/// Every value a slot can carry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values {
    /// Mean flow over the period, l/s.
    pub flow_mean: Option<Value>,
    /// Flow at slot time, l/s.
    pub flow_at_slot: Option<Value>,
    /// Meter total at slot time, m³, known resets applied.
    pub total: Option<Value>,
    /// Meter total at the period's start, m³, known resets applied.
    pub total_at_start: Option<Value>,
    /// Level sensor reading at slot time, m.
    pub level: Option<Value>,
    /// Nivel freático at slot time, m.
    pub nivel: Option<Value>,
}

impl Values {
    /// The value of a measure.
    #[must_use]
    pub fn get(&self, m: Measure) -> Option<&Value> {
        match m {
            Measure::FlowMean => self.flow_mean.as_ref(),
            Measure::FlowAtSlot => self.flow_at_slot.as_ref(),
            Measure::Total => self.total.as_ref(),
            Measure::Level => self.level.as_ref(),
            Measure::Nivel => self.nivel.as_ref(),
        }
    }

    /// Set the value of a measure.
    pub fn set(&mut self, m: Measure, v: Option<Value>) {
        let slot = match m {
            Measure::FlowMean => &mut self.flow_mean,
            Measure::FlowAtSlot => &mut self.flow_at_slot,
            Measure::Total => &mut self.total,
            Measure::Level => &mut self.level,
            Measure::Nivel => &mut self.nivel,
        };
        *slot = v;
    }
}

/// A slot's values and whether its series are through the slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Valuation {
    /// The values found.
    pub values: Values,
    /// Flow stored through the slot's instant.
    pub flow_through: bool,
    /// Total stored through the slot's instant.
    pub total_through: bool,
    /// Level stored through the slot's instant.
    pub level_through: bool,
    /// Readings of any quality in `(period_start − tolerance, at]`, all series.
    pub readings_seen: u32,
}

impl Valuation {
    /// True when the series behind a measure is stored through the slot.
    #[must_use]
    pub fn through(&self, m: Measure) -> bool {
        match m {
            Measure::FlowMean | Measure::FlowAtSlot => self.flow_through,
            Measure::Total => self.total_through,
            Measure::Level | Measure::Nivel => self.level_through,
        }
    }
}

/// Value one slot (see the module docs for each definition).
#[must_use]
pub fn value_slot(rules: &ValueRules, slot: &SlotTime, data: &PointData<'_>) -> Valuation {
    Valuer::new(rules, *data).value(slot)
}

/// Values the slots of one point, oldest first, remembering where each
/// series was so that consecutive slots cost a few steps instead of a
/// binary search each ([`value_slot`] for one slot). Slots out of order are
/// valued correctly, only slower.
#[derive(Clone, Debug)]
pub struct Valuer<'a> {
    rules: &'a ValueRules,
    data: PointData<'a>,
    hints: [usize; 3],
}

impl<'a> Valuer<'a> {
    /// A valuer over one point's series.
    #[must_use]
    pub fn new(rules: &'a ValueRules, data: PointData<'a>) -> Valuer<'a> {
        Valuer {
            rules,
            data,
            hints: [0; 3],
        }
    }

    fn window(&mut self, i: usize, series: &Series<'_>, slot: &SlotTime) -> Window {
        let tol = self.rules.at_tolerance_ms;
        let seen = series.after(
            self.hints[i],
            UtcMillis(slot.period_start.0.saturating_sub(tol)),
        );
        self.hints[i] = seen;
        let start = series.after(seen, slot.period_start);
        let end = series.after(start, slot.at);
        Window { seen, start, end }
    }

    /// Value one slot.
    pub fn value(&mut self, slot: &SlotTime) -> Valuation {
        let rules = self.rules;
        let tol = rules.at_tolerance_ms;
        let PointData { flow, total, level } = self.data;
        let wf = self.window(0, &flow, slot);
        let wt = self.window(1, &total, slot);
        let wl = self.window(2, &level, slot);
        let total_at = |end: usize, t: UtcMillis| {
            total.at_slot(end, t, tol).map(|mut v| {
                let reading_at = v.provenance.last_at.unwrap_or(t);
                let offset = rules.offset_at(reading_at);
                if offset != 0.0 {
                    v.provenance.adjustment = Adjustment::MeterOffset {
                        reading_m3: v.raw,
                        offset_m3: offset,
                    };
                    v.raw += offset;
                }
                v
            })
        };
        let level_value = level.at_slot(wl.end, slot.at, tol);
        let nivel = match rules.level {
            LevelSource::None => None,
            LevelSource::DepthToWater => level_value.clone(),
            LevelSource::WaterColumn { sensor_depth_m } => level_value.as_ref().map(|l| {
                let mut v = l.clone();
                v.raw = sensor_depth_m - l.raw;
                v.provenance.adjustment = Adjustment::DepthMinusColumn {
                    sensor_depth_m,
                    column_m: l.raw,
                };
                v
            }),
        };
        let count = |w: Window| u32::try_from(w.end.saturating_sub(w.seen)).unwrap_or(u32::MAX);
        Valuation {
            values: Values {
                flow_mean: flow.mean(wf.start, wf.end, slot.period_start, slot.at),
                flow_at_slot: flow.at_slot(wf.end, slot.at, tol),
                total: total_at(wt.end, slot.at),
                total_at_start: total_at(wt.start, slot.period_start),
                level: level_value,
                nivel,
            },
            flow_through: flow.through(slot.at),
            total_through: total.through(slot.at),
            level_through: level.through(slot.at),
            readings_seen: count(wf)
                .saturating_add(count(wt))
                .saturating_add(count(wl)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::settings::MeterReset;
    use crate::{HOUR_MS, MINUTE_MS};
    use caudal_protocol::Reason;

    const T0: i64 = 1_781_150_400_000; // 2026-06-11 04:00Z = 00:00 at UTC-4

    fn slot(h: i64) -> SlotTime {
        SlotTime {
            local: chrono::NaiveDate::from_ymd_opt(2026, 6, 11)
                .unwrap()
                .and_hms_opt(u32::try_from(h).unwrap(), 0, 0)
                .unwrap(),
            at: UtcMillis(T0 + h * HOUR_MS),
            period_start: UtcMillis(T0 + (h - 1) * HOUR_MS),
        }
    }

    fn every_5_min(from_h: i64, to_h: i64, f: impl Fn(i64) -> f64) -> Vec<Sample> {
        (from_h * 12..=to_h * 12)
            .map(|i| Sample::good(UtcMillis(T0 + i * 5 * MINUTE_MS), f(i)))
            .collect()
    }

    #[test]
    fn the_hourly_mean_uses_the_twelve_readings_after_the_previous_hour() {
        // Flow i/10 l/s at the i-th 5-minute mark. The 13:00 slot's period is
        // (12:00, 13:00]: marks 145..=156, mean (14.5 + 15.6) / 2 = 15.05.
        let flow = every_5_min(0, 24, |i| i as f64 / 10.0);
        let total = every_5_min(0, 24, |i| 1000.0 + i as f64);
        let data = PointData {
            flow: Series::of(&flow),
            total: Series::of(&total),
            level: Series::default(),
        };
        let v = value_slot(&ValueRules::default(), &slot(13), &data);
        let mean = v.values.flow_mean.unwrap();
        assert!((mean.raw - 15.05).abs() < 1e-9, "{}", mean.raw);
        assert_eq!(mean.provenance.readings, 12);
        assert_eq!(
            mean.provenance.first_at,
            Some(UtcMillis(T0 + 145 * 5 * MINUTE_MS))
        );
        assert_eq!(mean.provenance.last_at, Some(slot(13).at));
        let at = v.values.flow_at_slot.unwrap();
        assert!((at.raw - 15.6).abs() < 1e-9);
        assert_eq!(v.values.total.unwrap().raw, 1156.0);
        assert_eq!(v.values.total_at_start.unwrap().raw, 1144.0);
        assert!(v.flow_through && v.total_through && !v.level_through);
        assert_eq!(
            mean.provenance.describe(Zone::utc_minus_4(), Lang::Es),
            "promedio de 12 lecturas buenas entre 2026-06-11 12:05:00 y 2026-06-11 13:00:00"
        );
    }

    #[test]
    fn at_slot_time_is_the_last_good_reading_at_or_before_within_the_tolerance() {
        let s = slot(13);
        let mut samples = vec![
            Sample::good(UtcMillis(s.at.0 - 20 * MINUTE_MS), 1.0),
            Sample::good(UtcMillis(s.at.0 - 10 * MINUTE_MS), 2.0),
            Sample {
                at: UtcMillis(s.at.0 - MINUTE_MS),
                value: 99.0,
                quality: Quality::Bad(Reason::Timeout),
            },
            Sample::good(UtcMillis(s.at.0 + MINUTE_MS), 3.0),
        ];
        let series = Series::of(&samples);
        let end = series.after(0, s.at);
        let v = series.at_slot(end, s.at, 15 * MINUTE_MS).unwrap();
        assert_eq!(v.raw, 2.0, "never the later reading, never the bad one");
        assert_eq!(v.provenance.skipped, 1);
        assert_eq!(
            series.at_slot(end, s.at, 5 * MINUTE_MS),
            None,
            "2.0 is older than the tolerance"
        );
        samples.truncate(1);
        assert_eq!(Series::of(&samples).at_slot(1, s.at, 15 * MINUTE_MS), None);
    }

    #[test]
    fn nivel_is_sensor_depth_minus_water_column() {
        let level = every_5_min(0, 24, |_| 12.5);
        let data = PointData {
            level: Series::of(&level),
            ..PointData::default()
        };
        let rules = ValueRules {
            level: LevelSource::WaterColumn {
                sensor_depth_m: 60.0,
            },
            ..ValueRules::default()
        };
        let v = value_slot(&rules, &slot(13), &data);
        assert_eq!(v.values.nivel.as_ref().unwrap().raw, 47.5);
        assert_eq!(v.values.level.as_ref().unwrap().raw, 12.5);
        assert!(
            v.values
                .nivel
                .unwrap()
                .provenance
                .describe(Zone::utc_minus_4(), Lang::En)
                .ends_with("; nivel = sensor depth 60 m − water column 12.5 m")
        );
        let direct = ValueRules {
            level: LevelSource::DepthToWater,
            ..ValueRules::default()
        };
        assert_eq!(
            value_slot(&direct, &slot(13), &data)
                .values
                .nivel
                .unwrap()
                .raw,
            12.5
        );
    }

    #[test]
    fn a_known_meter_reset_adds_its_offset_from_the_reset_on() {
        // The meter was replaced at 12:30 and restarted from 0; 50 000 m³ are carried.
        let total = every_5_min(0, 24, |i| {
            if i < 150 {
                50_000.0 - 150.0 + i as f64
            } else {
                (i - 150) as f64
            }
        });
        let data = PointData {
            total: Series::of(&total),
            ..PointData::default()
        };
        let rules = ValueRules {
            meter_resets: vec![MeterReset {
                at: UtcMillis(T0 + 150 * 5 * MINUTE_MS),
                offset_m3: 50_000.0,
            }],
            ..ValueRules::default()
        };
        let v = value_slot(&rules, &slot(13), &data);
        let total = v.values.total.unwrap();
        assert_eq!(total.raw, 50_006.0);
        assert_eq!(
            total.provenance.adjustment,
            Adjustment::MeterOffset {
                reading_m3: 6.0,
                offset_m3: 50_000.0
            }
        );
        assert_eq!(
            v.values.total_at_start.unwrap().raw,
            49_994.0,
            "before the reset: no offset"
        );
        assert!(rules.reset_between(slot(13).period_start, slot(13).at));
    }

    #[test]
    fn a_series_not_yet_through_the_slot_is_not_through() {
        let flow = every_5_min(0, 12, |_| 1.0);
        let data = PointData {
            flow: Series::of(&flow),
            ..PointData::default()
        };
        let v = value_slot(&ValueRules::default(), &slot(13), &data);
        assert!(!v.flow_through);
        assert_eq!(v.values.flow_mean, None);
        let v = value_slot(&ValueRules::default(), &slot(12), &data);
        assert!(v.flow_through);
        assert_eq!(
            v.readings_seen, 15,
            "(11:00 − 15 min, 12:00]: 10:50 .. 12:00 in 5-minute steps"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The galloping search finds what a binary search finds, from any hint.
        #[test]
        fn after_from_any_hint_is_the_partition_point(
            gaps in proptest::collection::vec(0i64..5, 0..200),
            hint in 0usize..250,
            t in -5i64..500,
        ) {
            let mut at = 0;
            let samples: Vec<Sample> = gaps.iter().map(|g| { at += g; Sample::good(UtcMillis(at), 0.0) }).collect();
            let series = Series::of(&samples);
            proptest::prop_assert_eq!(series.after(hint, UtcMillis(t)), samples.partition_point(|s| s.at.0 <= t));
        }

        /// Valuing a day of slots in order with one valuer gives what valuing
        /// each slot alone gives.
        #[test]
        fn a_valuer_in_order_equals_each_slot_alone(
            gaps in proptest::collection::vec(1i64..20, 1..400),
            bad in proptest::collection::vec(proptest::bool::weighted(0.1), 400),
        ) {
            let mut at = T0;
            let samples: Vec<Sample> = gaps.iter().zip(&bad).enumerate().map(|(i, (g, b))| {
                at += g * MINUTE_MS;
                let quality = if *b { Quality::Bad(Reason::Timeout) } else { Quality::Good };
                Sample { at: UtcMillis(at), value: i as f64, quality }
            }).collect();
            let data = PointData { flow: Series::of(&samples), total: Series::of(&samples), level: Series::of(&samples) };
            let rules = ValueRules { level: LevelSource::WaterColumn { sensor_depth_m: 500.0 }, ..ValueRules::default() };
            let mut valuer = Valuer::new(&rules, data);
            for slot in crate::compliance::plan(crate::compliance::Cadence::Hourly, Zone::utc_minus_4(), UtcMillis(T0), UtcMillis(at + HOUR_MS)) {
                proptest::prop_assert_eq!(valuer.value(&slot), value_slot(&rules, &slot, &data));
            }
        }
    }
}
