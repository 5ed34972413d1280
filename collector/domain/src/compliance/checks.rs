//! Plausibility checks that send a slot to a person instead of to the
//! regulator (regulators.md §5, S1's `validation.ts` \[I\], plus the
//! totaliser rules drawn from S2 \[X\]):
//!
//! - the totaliser is 0 (a disconnected sensor or a firmware reset), or
//!   negative, or longer than 15 characters;
//! - the totaliser decreased against the previous valued slot, or within the
//!   period, without a known meter reset in between;
//! - caudal is negative (as filed, after rounding), or above the water right
//!   × (1 + tolerance, default 20 %), or above 1000 l/s when no water right
//!   is loaded (S1's fallback);
//! - Δtotal/Δt over the period disagrees with the mean caudal by more than
//!   `absolute_lps + relative × max(|Δtotal/Δt|, |caudal|)` (default 0.5 l/s
//!   and 20 %: the absolute part absorbs a meter's 1 m³ resolution over an
//!   hour, 0.28 l/s; the relative part matches the water-right tolerance).
//!   Only for the period-mean caudal, and skipped across a known reset;
//! - nivel freático is negative, or the water column read is negative;
//! - a required value is missing, or every value is.

use crate::{Lang, UtcMillis};

use super::Measure;
use super::format;
use super::plan::SlotTime;
use super::settings::{LevelSource, ValueRules};
use super::values::Values;

/// Tolerance of the volume/flow agreement check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VolumeTolerance {
    /// Fraction of the larger of the two flows.
    pub relative: f64,
    /// Plus this, l/s.
    pub absolute_lps: f64,
}

impl Default for VolumeTolerance {
    fn default() -> VolumeTolerance {
        VolumeTolerance {
            relative: 0.20,
            absolute_lps: 0.5,
        }
    }
}

/// Parameters of the checks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckRules {
    /// The water right, l/s.
    pub water_right_lps: Option<f64>,
    /// Caudal may exceed the right by this fraction (S1: 20 %).
    pub water_right_tolerance: f64,
    /// Without a water right, caudal above this is absurd (S1: 1000 l/s).
    pub no_right_limit_lps: f64,
    /// Volume/flow agreement tolerance.
    pub volume: VolumeTolerance,
}

impl Default for CheckRules {
    fn default() -> CheckRules {
        CheckRules {
            water_right_lps: None,
            water_right_tolerance: 0.20,
            no_right_limit_lps: 1000.0,
            volume: VolumeTolerance::default(),
        }
    }
}

/// Why a slot is in review.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewReason {
    /// No value at all could be taken, though readings exist.
    AllValuesMissing,
    /// A required value could not be taken.
    ValueMissing(Measure),
    /// The totaliser is 0.
    TotaliserZero,
    /// The totaliser is negative.
    TotaliserNegative {
        /// The total, m³.
        total_m3: f64,
    },
    /// The totaliser does not fit the DGA's 15 characters.
    TotaliserTooLong {
        /// The total, m³.
        total_m3: f64,
    },
    /// The totaliser went down without a known meter reset.
    TotaliserDecreased {
        /// The earlier total, m³.
        previous_m3: f64,
        /// This slot's total, m³.
        current_m3: f64,
    },
    /// Caudal (as filed) is negative.
    CaudalNegative {
        /// Caudal, l/s.
        caudal_lps: f64,
    },
    /// Caudal is above the water right × (1 + tolerance).
    CaudalAboveRight {
        /// Caudal, l/s.
        caudal_lps: f64,
        /// The limit, l/s.
        limit_lps: f64,
    },
    /// No water right is loaded and caudal is above the absurdity limit.
    CaudalAboveLimit {
        /// Caudal, l/s.
        caudal_lps: f64,
        /// The limit, l/s.
        limit_lps: f64,
    },
    /// Δtotal/Δt disagrees with the mean caudal.
    VolumeDisagrees {
        /// Mean caudal, l/s.
        caudal_lps: f64,
        /// Δtotal/Δt, l/s.
        volume_lps: f64,
        /// The tolerance applied, l/s.
        tolerance_lps: f64,
    },
    /// Nivel freático is negative.
    NivelNegative {
        /// Nivel, m.
        nivel_m: f64,
    },
    /// The submerged sensor reads a negative water column.
    WaterColumnNegative {
        /// Column, m.
        column_m: f64,
    },
}

impl ReviewReason {
    /// A stable code for the store, the API and filters.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ReviewReason::AllValuesMissing => "all_values_missing",
            ReviewReason::ValueMissing(_) => "value_missing",
            ReviewReason::TotaliserZero => "totaliser_zero",
            ReviewReason::TotaliserNegative { .. } => "totaliser_negative",
            ReviewReason::TotaliserTooLong { .. } => "totaliser_too_long",
            ReviewReason::TotaliserDecreased { .. } => "totaliser_decreased",
            ReviewReason::CaudalNegative { .. } => "caudal_negative",
            ReviewReason::CaudalAboveRight { .. } => "caudal_above_right",
            ReviewReason::CaudalAboveLimit { .. } => "caudal_above_limit",
            ReviewReason::VolumeDisagrees { .. } => "volume_disagrees",
            ReviewReason::NivelNegative { .. } => "nivel_negative",
            ReviewReason::WaterColumnNegative { .. } => "water_column_negative",
        }
    }

    /// What a person reviewing the slot reads.
    #[must_use]
    pub fn describe(&self, lang: Lang) -> String {
        let es = lang == Lang::Es;
        match self {
            ReviewReason::AllValuesMissing => {
                if es {
                    "hay lecturas, pero ninguna sirve para caudal, totalizador ni nivel".to_owned()
                } else {
                    "readings exist, but none gives caudal, totalizador or nivel".to_owned()
                }
            }
            ReviewReason::ValueMissing(m) => {
                if es {
                    format!("falta el valor {}", m.as_str())
                } else {
                    format!("the {} value is missing", m.as_str())
                }
            }
            ReviewReason::TotaliserZero => {
                if es {
                    "el totalizador es 0 (¿sensor desconectado o reinicio del equipo?)".to_owned()
                } else {
                    "the totaliser is 0 (disconnected sensor or device reset?)".to_owned()
                }
            }
            ReviewReason::TotaliserNegative { total_m3 } => {
                if es {
                    format!("el totalizador es negativo: {total_m3} m³")
                } else {
                    format!("the totaliser is negative: {total_m3} m³")
                }
            }
            ReviewReason::TotaliserTooLong { total_m3 } => {
                if es {
                    format!("el totalizador {total_m3} m³ excede los 15 caracteres de la DGA")
                } else {
                    format!("the totaliser {total_m3} m³ exceeds the DGA's 15 characters")
                }
            }
            ReviewReason::TotaliserDecreased {
                previous_m3,
                current_m3,
            } => {
                if es {
                    format!(
                        "el totalizador bajó de {previous_m3} a {current_m3} m³ sin un reinicio de medidor registrado"
                    )
                } else {
                    format!(
                        "the totaliser fell from {previous_m3} to {current_m3} m³ without a known meter reset"
                    )
                }
            }
            ReviewReason::CaudalNegative { caudal_lps } => {
                if es {
                    format!("caudal negativo: {caudal_lps} l/s")
                } else {
                    format!("negative caudal: {caudal_lps} l/s")
                }
            }
            ReviewReason::CaudalAboveRight {
                caudal_lps,
                limit_lps,
            } => {
                if es {
                    format!(
                        "caudal {caudal_lps} l/s supera el derecho de agua con tolerancia ({limit_lps} l/s)"
                    )
                } else {
                    format!(
                        "caudal {caudal_lps} l/s exceeds the water right with tolerance ({limit_lps} l/s)"
                    )
                }
            }
            ReviewReason::CaudalAboveLimit {
                caudal_lps,
                limit_lps,
            } => {
                if es {
                    format!(
                        "sin derecho de agua registrado, caudal {caudal_lps} l/s supera {limit_lps} l/s"
                    )
                } else {
                    format!(
                        "no water right loaded, and caudal {caudal_lps} l/s exceeds {limit_lps} l/s"
                    )
                }
            }
            ReviewReason::VolumeDisagrees {
                caudal_lps,
                volume_lps,
                tolerance_lps,
            } => {
                if es {
                    format!(
                        "el caudal medio {caudal_lps:.2} l/s no concuerda con Δtotal/Δt {volume_lps:.2} l/s (tolerancia {tolerance_lps:.2} l/s)"
                    )
                } else {
                    format!(
                        "mean caudal {caudal_lps:.2} l/s disagrees with Δtotal/Δt {volume_lps:.2} l/s (tolerance {tolerance_lps:.2} l/s)"
                    )
                }
            }
            ReviewReason::NivelNegative { nivel_m } => {
                if es {
                    format!("nivel freático negativo: {nivel_m} m")
                } else {
                    format!("negative nivel freático: {nivel_m} m")
                }
            }
            ReviewReason::WaterColumnNegative { column_m } => {
                if es {
                    format!("el sensor de nivel lee una columna de agua negativa: {column_m} m")
                } else {
                    format!("the level sensor reads a negative water column: {column_m} m")
                }
            }
        }
    }
}

/// The latest earlier slot that was valued, for the decrease check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PreviousTotal {
    /// That slot's instant.
    pub at: UtcMillis,
    /// Its total, m³.
    pub total_m3: f64,
}

/// Run every check on a slot's values. `required` lists what the regulator
/// needs; `previous` is the latest earlier valued slot's total, if any.
#[must_use]
pub fn check(
    values: &Values,
    slot: &SlotTime,
    required: &[Measure],
    value_rules: &ValueRules,
    rules: &CheckRules,
    previous: Option<PreviousTotal>,
) -> Vec<ReviewReason> {
    let mut out = Vec::new();
    if required.iter().all(|m| values.get(*m).is_none()) {
        out.push(ReviewReason::AllValuesMissing);
        return out;
    }
    for m in required {
        if values.get(*m).is_none() {
            out.push(ReviewReason::ValueMissing(*m));
        }
    }
    let reset_in_period = value_rules.reset_between(slot.period_start, slot.at);
    let total = required
        .contains(&Measure::Total)
        .then_some(values.total.as_ref())
        .flatten();
    if let Some(total) = total {
        let t = total.raw;
        match format::whole_m3(t) {
            Some(0) => out.push(ReviewReason::TotaliserZero),
            Some(w) if w < 0 => out.push(ReviewReason::TotaliserNegative { total_m3: t }),
            Some(w) if w > format::TOTALIZADOR_MAX => {
                out.push(ReviewReason::TotaliserTooLong { total_m3: t });
            }
            None => out.push(ReviewReason::TotaliserTooLong { total_m3: t }),
            Some(_) => {}
        }
        let earlier = [
            previous
                .filter(|p| !value_rules.reset_between(p.at, slot.at))
                .map(|p| p.total_m3),
            values
                .total_at_start
                .as_ref()
                .filter(|_| !reset_in_period)
                .map(|v| v.raw),
        ];
        if let Some(previous_m3) = earlier.into_iter().flatten().find(|p| t < *p) {
            out.push(ReviewReason::TotaliserDecreased {
                previous_m3,
                current_m3: t,
            });
        }
    }
    for m in [Measure::FlowMean, Measure::FlowAtSlot] {
        let Some(caudal) = required.contains(&m).then(|| values.get(m)).flatten() else {
            continue;
        };
        let q = caudal.raw;
        if format::scaled(q, 2, false).is_some_and(|c| c < 0) {
            out.push(ReviewReason::CaudalNegative { caudal_lps: q });
        }
        match rules.water_right_lps {
            Some(right) => {
                let limit_lps = right * (1.0 + rules.water_right_tolerance);
                if q.abs() > limit_lps {
                    out.push(ReviewReason::CaudalAboveRight {
                        caudal_lps: q,
                        limit_lps,
                    });
                }
            }
            None if q.abs() > rules.no_right_limit_lps => {
                out.push(ReviewReason::CaudalAboveLimit {
                    caudal_lps: q,
                    limit_lps: rules.no_right_limit_lps,
                });
            }
            None => {}
        }
        if m == Measure::FlowMean
            && !reset_in_period
            && let (Some(end), Some(start)) = (&values.total, &values.total_at_start)
        {
            let seconds = slot.at.0.saturating_sub(slot.period_start.0) as f64 / 1000.0;
            if seconds > 0.0 {
                let volume_lps = (end.raw - start.raw) * 1000.0 / seconds;
                let tolerance_lps = rules.volume.absolute_lps
                    + rules.volume.relative * f64::max(volume_lps.abs(), q.abs());
                if (volume_lps - q).abs() > tolerance_lps {
                    out.push(ReviewReason::VolumeDisagrees {
                        caudal_lps: q,
                        volume_lps,
                        tolerance_lps,
                    });
                }
            }
        }
    }
    if required.contains(&Measure::Nivel)
        && let Some(nivel) = &values.nivel
    {
        if format::scaled(nivel.raw, 2, false).is_some_and(|c| c < 0) {
            out.push(ReviewReason::NivelNegative { nivel_m: nivel.raw });
        }
        if matches!(value_rules.level, LevelSource::WaterColumn { .. })
            && let Some(level) = &values.level
            && level.raw < 0.0
        {
            out.push(ReviewReason::WaterColumnNegative {
                column_m: level.raw,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HOUR_MS;
    use crate::compliance::settings::MeterReset;
    use crate::compliance::values::{Adjustment, Provenance, Rule, Value};

    const T: i64 = 1_781_150_400_000 + 13 * HOUR_MS;

    fn slot() -> SlotTime {
        SlotTime {
            local: chrono::NaiveDate::from_ymd_opt(2026, 6, 11)
                .unwrap()
                .and_hms_opt(13, 0, 0)
                .unwrap(),
            at: UtcMillis(T),
            period_start: UtcMillis(T - HOUR_MS),
        }
    }

    fn v(raw: f64) -> Option<Value> {
        Some(Value {
            raw,
            provenance: Provenance {
                rule: Rule::AtSlot { tolerance_ms: 0 },
                readings: 1,
                first_at: None,
                last_at: None,
                skipped: 0,
                adjustment: Adjustment::None,
            },
        })
    }

    /// 10 l/s for an hour is 36 m³.
    fn good() -> Values {
        Values {
            flow_mean: v(10.0),
            flow_at_slot: v(10.0),
            total: v(1036.0),
            total_at_start: v(1000.0),
            level: v(12.0),
            nivel: v(48.0),
        }
    }

    const REQ: [Measure; 3] = [Measure::FlowMean, Measure::Total, Measure::Nivel];

    fn rules() -> CheckRules {
        CheckRules {
            water_right_lps: Some(20.0),
            ..CheckRules::default()
        }
    }

    fn run(values: &Values) -> Vec<ReviewReason> {
        let vr = ValueRules {
            level: LevelSource::WaterColumn {
                sensor_depth_m: 60.0,
            },
            ..ValueRules::default()
        };
        check(values, &slot(), &REQ, &vr, &rules(), None)
    }

    #[test]
    fn consistent_values_pass() {
        assert_eq!(run(&good()), vec![]);
    }

    #[test]
    fn caudal_above_the_water_right_with_20_percent_goes_to_review() {
        let at_limit = Values {
            flow_mean: v(24.0),
            total: v(1000.0 + 24.0 * 3.6),
            ..good()
        };
        assert_eq!(run(&at_limit), vec![], "20 × 1.2 = 24 is still allowed");
        let above = Values {
            flow_mean: v(24.01),
            total: v(1000.0 + 24.01 * 3.6),
            ..good()
        };
        assert_eq!(
            run(&above),
            vec![ReviewReason::CaudalAboveRight {
                caudal_lps: 24.01,
                limit_lps: 24.0
            }]
        );
    }

    #[test]
    fn negative_caudal_goes_to_review_but_rounding_noise_does_not() {
        let noise = Values {
            flow_mean: v(-0.004),
            total: v(1000.0),
            ..good()
        };
        assert_eq!(run(&noise), vec![]);
        let negative = Values {
            flow_mean: v(-1.0),
            total: v(1000.0),
            ..good()
        };
        assert_eq!(
            run(&negative)[0],
            ReviewReason::CaudalNegative { caudal_lps: -1.0 }
        );
    }

    #[test]
    fn the_totaliser_zero_or_decreasing_goes_to_review() {
        let zero = Values {
            total: v(0.4),
            total_at_start: v(0.0),
            flow_mean: v(0.1),
            ..good()
        };
        assert_eq!(run(&zero), vec![ReviewReason::TotaliserZero]);
        let down = Values {
            total: v(990.0),
            flow_mean: v(0.0),
            ..good()
        };
        let reasons = run(&down);
        assert!(
            reasons.contains(&ReviewReason::TotaliserDecreased {
                previous_m3: 1000.0,
                current_m3: 990.0
            }),
            "{reasons:?}"
        );
    }

    #[test]
    fn a_known_reset_allows_the_decrease() {
        let down = Values {
            total: v(5.0),
            total_at_start: v(50_000.0),
            flow_mean: v(10.0),
            ..good()
        };
        let vr = ValueRules {
            level: LevelSource::WaterColumn {
                sensor_depth_m: 60.0,
            },
            meter_resets: vec![MeterReset {
                at: UtcMillis(T - HOUR_MS / 2),
                offset_m3: 0.0,
            }],
            ..ValueRules::default()
        };
        let previous = Some(PreviousTotal {
            at: UtcMillis(T - HOUR_MS),
            total_m3: 50_000.0,
        });
        assert_eq!(check(&down, &slot(), &REQ, &vr, &rules(), previous), vec![]);
        let vr_without = ValueRules {
            meter_resets: vec![],
            ..vr
        };
        let reasons = check(&down, &slot(), &REQ, &vr_without, &rules(), previous);
        assert_eq!(
            reasons[0],
            ReviewReason::TotaliserDecreased {
                previous_m3: 50_000.0,
                current_m3: 5.0
            }
        );
    }

    #[test]
    fn volume_and_flow_must_agree_within_the_tolerance() {
        // 10 l/s mean but 72 m³ in the hour (20 l/s): |20 − 10| = 10 > 0.5 + 0.2 × 20 = 4.5.
        let mismatch = Values {
            total: v(1072.0),
            ..good()
        };
        let reasons = run(&mismatch);
        assert_eq!(reasons.len(), 1);
        let ReviewReason::VolumeDisagrees {
            volume_lps,
            tolerance_lps,
            ..
        } = reasons[0]
        else {
            panic!("{reasons:?}");
        };
        assert!((volume_lps - 20.0).abs() < 1e-9 && (tolerance_lps - 4.5).abs() < 1e-9);
        // 11 l/s by volume vs 10 l/s mean: |1| < 0.5 + 0.2 × 11 = 2.7.
        assert_eq!(
            run(&Values {
                total: v(1000.0 + 11.0 * 3.6),
                ..good()
            }),
            vec![]
        );
    }

    #[test]
    fn missing_values_are_named_and_all_missing_is_one_reason() {
        let partial = Values {
            nivel: None,
            level: None,
            ..good()
        };
        assert_eq!(
            run(&partial),
            vec![ReviewReason::ValueMissing(Measure::Nivel)]
        );
        assert_eq!(
            run(&Values::default()),
            vec![ReviewReason::AllValuesMissing]
        );
    }

    #[test]
    fn nivel_and_column_must_not_be_negative() {
        let bad = Values {
            nivel: v(61.0),
            level: v(-1.0),
            ..good()
        };
        assert_eq!(
            run(&bad),
            vec![ReviewReason::WaterColumnNegative { column_m: -1.0 }]
        );
        let above = Values {
            nivel: v(-0.5),
            ..good()
        };
        assert_eq!(
            run(&above),
            vec![ReviewReason::NivelNegative { nivel_m: -0.5 }]
        );
    }

    #[test]
    fn no_water_right_falls_back_to_1000_lps() {
        let r = CheckRules::default();
        let vals = Values {
            flow_mean: v(1200.0),
            total: v(1000.0 + 1200.0 * 3.6),
            ..good()
        };
        let reasons = check(
            &vals,
            &slot(),
            &[Measure::FlowMean, Measure::Total],
            &ValueRules::default(),
            &r,
            None,
        );
        assert_eq!(
            reasons,
            vec![ReviewReason::CaudalAboveLimit {
                caudal_lps: 1200.0,
                limit_lps: 1000.0
            }]
        );
    }
}
