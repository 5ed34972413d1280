//! Typed asset attributes: each key has a unit in its name, a valid range and
//! the asset kinds it applies to.
//!
//! | key | unit | range | kinds |
//! |-----|------|-------|-------|
//! | `rated_flow_l_s` | l/s | > 0, ≤ 10 000 | well, pump, flow meter |
//! | `water_right_l_s` | l/s | > 0, ≤ 100 000 | well |
//! | `well_depth_m` | m | > 0, ≤ 3 000 | well |
//! | `casing_diameter_mm` | mm | > 0, ≤ 3 000 | well |
//! | `sensor_depth_m` | m | ≥ 0, ≤ 3 000 | well, level sensor |
//! | `pump_depth_m` | m | ≥ 0, ≤ 3 000 | well, pump |
//! | `rated_head_m` | m | > 0, ≤ 3 000 | pump |
//! | `rated_current_a` | A | > 0, ≤ 5 000 | pump, motor |
//! | `rated_power_kw` | kW | > 0, ≤ 10 000 | pump, motor |
//! | `rated_voltage_v` | V | > 0, ≤ 50 000 | pump, motor |
//! | `meter_diameter_mm` | mm | > 0, ≤ 3 000 | flow meter |
//! | `level_span_m` | m | > 0, ≤ 3 000 | level sensor |
//!
//! An asset of kind `other` takes any key. Text form: `key=value; key=value`
//! with a decimal point or comma.

use std::collections::BTreeMap;

use crate::AssetKind;
use crate::vocab::vocabulary;

vocabulary!(
    /// An attribute key; the unit is part of the name.
    AttributeKey {
        /// Rated (nominal) flow, l/s.
        RatedFlowLs => "rated_flow_l_s",
        /// The water right granted, l/s.
        WaterRightLs => "water_right_l_s",
        /// Depth of the well, m.
        WellDepthM => "well_depth_m",
        /// Casing diameter, mm.
        CasingDiameterMm => "casing_diameter_mm",
        /// Depth of the level sensor below the surface, m.
        SensorDepthM => "sensor_depth_m",
        /// Depth of the pump intake below the surface, m.
        PumpDepthM => "pump_depth_m",
        /// Rated head, m.
        RatedHeadM => "rated_head_m",
        /// Rated motor current, A.
        RatedCurrentA => "rated_current_a",
        /// Rated power, kW.
        RatedPowerKw => "rated_power_kw",
        /// Rated voltage, V.
        RatedVoltageV => "rated_voltage_v",
        /// Meter nominal diameter, mm.
        MeterDiameterMm => "meter_diameter_mm",
        /// Measuring span of a level sensor, m.
        LevelSpanM => "level_span_m",
    }
);

impl AttributeKey {
    /// The unit.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            AttributeKey::RatedFlowLs | AttributeKey::WaterRightLs => "l/s",
            AttributeKey::WellDepthM
            | AttributeKey::SensorDepthM
            | AttributeKey::PumpDepthM
            | AttributeKey::RatedHeadM
            | AttributeKey::LevelSpanM => "m",
            AttributeKey::CasingDiameterMm | AttributeKey::MeterDiameterMm => "mm",
            AttributeKey::RatedCurrentA => "A",
            AttributeKey::RatedPowerKw => "kW",
            AttributeKey::RatedVoltageV => "V",
        }
    }

    /// `(minimum, whether the minimum is allowed, maximum)`.
    #[must_use]
    pub fn range(self) -> (f64, bool, f64) {
        match self {
            AttributeKey::RatedFlowLs => (0.0, false, 10_000.0),
            AttributeKey::WaterRightLs => (0.0, false, 100_000.0),
            AttributeKey::SensorDepthM | AttributeKey::PumpDepthM => (0.0, true, 3_000.0),
            AttributeKey::RatedCurrentA => (0.0, false, 5_000.0),
            AttributeKey::RatedPowerKw => (0.0, false, 10_000.0),
            AttributeKey::RatedVoltageV => (0.0, false, 50_000.0),
            AttributeKey::WellDepthM
            | AttributeKey::CasingDiameterMm
            | AttributeKey::RatedHeadM
            | AttributeKey::MeterDiameterMm
            | AttributeKey::LevelSpanM => (0.0, false, 3_000.0),
        }
    }

    /// The kinds it applies to (`other` takes every key).
    #[must_use]
    pub fn kinds(self) -> &'static [AssetKind] {
        use AssetKind::{FlowMeter, LevelSensor, Motor, Pump, Well};
        match self {
            AttributeKey::RatedFlowLs => &[Well, Pump, FlowMeter],
            AttributeKey::WaterRightLs
            | AttributeKey::WellDepthM
            | AttributeKey::CasingDiameterMm => &[Well],
            AttributeKey::SensorDepthM => &[Well, LevelSensor],
            AttributeKey::PumpDepthM => &[Well, Pump],
            AttributeKey::RatedHeadM => &[Pump],
            AttributeKey::RatedCurrentA
            | AttributeKey::RatedPowerKw
            | AttributeKey::RatedVoltageV => &[Pump, Motor],
            AttributeKey::MeterDiameterMm => &[FlowMeter],
            AttributeKey::LevelSpanM => &[LevelSensor],
        }
    }
}

/// A bad attribute.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AttributeError {
    /// Unknown key.
    #[error("unknown attribute `{0}` (one of: {keys})", keys = AttributeKey::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))]
    UnknownKey(String),
    /// Not a number.
    #[error("attribute `{key}`: `{value}` is not a number")]
    NotANumber {
        /// Key.
        key: AttributeKey,
        /// As given.
        value: String,
    },
    /// Outside the key's range.
    #[error("attribute `{key}` = {value} {unit} is outside {range}", unit = key.unit(), range = range_text(*key))]
    OutOfRange {
        /// Key.
        key: AttributeKey,
        /// As given.
        value: f64,
    },
    /// A key that does not apply to the asset's kind.
    #[error("attribute `{key}` does not apply to a {kind} (it applies to: {kinds})", kinds = key.kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))]
    WrongKind {
        /// Key.
        key: AttributeKey,
        /// The asset's kind.
        kind: AssetKind,
    },
    /// A part of the text form without `=`.
    #[error("`{0}` is not key=value")]
    Syntax(String),
    /// A key given twice.
    #[error("attribute `{0}` is given twice")]
    Duplicate(AttributeKey),
}

fn range_text(key: AttributeKey) -> String {
    let (min, incl, max) = key.range();
    format!("{}{min}, {max}]", if incl { "[" } else { "(" })
}

/// The attributes of one asset.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes(BTreeMap<AttributeKey, f64>);

impl Attributes {
    /// No attributes.
    #[must_use]
    pub fn new() -> Attributes {
        Attributes::default()
    }

    /// Set a value, checked for the asset's kind.
    ///
    /// # Errors
    /// [`AttributeError::OutOfRange`], [`AttributeError::WrongKind`].
    pub fn set(
        &mut self,
        kind: AssetKind,
        key: AttributeKey,
        value: f64,
    ) -> Result<(), AttributeError> {
        check(kind, key, value)?;
        self.0.insert(key, value);
        Ok(())
    }

    /// A value.
    #[must_use]
    pub fn get(&self, key: AttributeKey) -> Option<f64> {
        self.0.get(&key).copied()
    }

    /// Remove a value.
    pub fn remove(&mut self, key: AttributeKey) -> Option<f64> {
        self.0.remove(&key)
    }

    /// Every value, by key.
    pub fn iter(&self) -> impl Iterator<Item = (AttributeKey, f64)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }

    /// Check every value against a kind (after a kind change).
    ///
    /// # Errors
    /// The first failing [`AttributeError`].
    pub fn check(&self, kind: AssetKind) -> Result<(), AttributeError> {
        self.iter().try_for_each(|(k, v)| check(kind, k, v))
    }

    /// The text form `key=value; ...`, in key order.
    #[must_use]
    pub fn to_text(&self) -> String {
        self.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Parse the text form for an asset kind.
    ///
    /// # Errors
    /// [`AttributeError`].
    pub fn parse(kind: AssetKind, text: &str) -> Result<Attributes, AttributeError> {
        let mut out = Attributes::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| AttributeError::Syntax(part.to_owned()))?;
            let key = AttributeKey::parse(k.trim())
                .ok_or_else(|| AttributeError::UnknownKey(k.trim().to_owned()))?;
            let value = crate::import::number::parse_decimal(v).map_err(|_| {
                AttributeError::NotANumber {
                    key,
                    value: v.trim().to_owned(),
                }
            })?;
            if out.get(key).is_some() {
                return Err(AttributeError::Duplicate(key));
            }
            out.set(kind, key, value)?;
        }
        Ok(out)
    }
}

fn check(kind: AssetKind, key: AttributeKey, value: f64) -> Result<(), AttributeError> {
    if kind != AssetKind::Other && !key.kinds().contains(&kind) {
        return Err(AttributeError::WrongKind { key, kind });
    }
    let (min, incl, max) = key.range();
    let above_min = if incl { value >= min } else { value > min };
    if !value.is_finite() || !above_min || value > max {
        return Err(AttributeError::OutOfRange { key, value });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_checked_with_their_units() {
        let mut a = Attributes::new();
        a.set(AssetKind::Well, AttributeKey::WaterRightLs, 25.0)
            .unwrap();
        a.set(AssetKind::Well, AttributeKey::SensorDepthM, 0.0)
            .unwrap();
        assert_eq!(
            a.set(AssetKind::Well, AttributeKey::RatedFlowLs, 0.0)
                .unwrap_err()
                .to_string(),
            "attribute `rated_flow_l_s` = 0 l/s is outside (0, 10000]"
        );
        assert_eq!(
            a.set(AssetKind::Well, AttributeKey::RatedCurrentA, 40.0)
                .unwrap_err()
                .to_string(),
            "attribute `rated_current_a` does not apply to a well (it applies to: pump, motor)"
        );
        assert!(
            a.set(AssetKind::Other, AttributeKey::RatedCurrentA, 40.0)
                .is_ok()
        );
        assert!(
            a.set(AssetKind::Motor, AttributeKey::RatedCurrentA, f64::NAN)
                .is_err()
        );
        assert_eq!(a.get(AttributeKey::WaterRightLs), Some(25.0));
    }

    #[test]
    fn text_form_round_trips() {
        let a = Attributes::parse(
            AssetKind::Pump,
            "rated_flow_l_s=12,5; pump_depth_m = 80; rated_current_a=41.2",
        )
        .unwrap();
        assert_eq!(
            a.to_text(),
            "rated_flow_l_s=12.5; pump_depth_m=80; rated_current_a=41.2"
        );
        assert_eq!(Attributes::parse(AssetKind::Pump, &a.to_text()).unwrap(), a);
        assert_eq!(
            Attributes::parse(AssetKind::Pump, "").unwrap(),
            Attributes::new()
        );
        assert!(
            Attributes::parse(AssetKind::Pump, "flow=3")
                .unwrap_err()
                .to_string()
                .starts_with("unknown attribute `flow` (one of: rated_flow_l_s, ")
        );
        assert_eq!(
            Attributes::parse(AssetKind::Pump, "rated_head_m=x")
                .unwrap_err()
                .to_string(),
            "attribute `rated_head_m`: `x` is not a number"
        );
        assert_eq!(
            Attributes::parse(AssetKind::Pump, "rated_head_m=1; rated_head_m=2").unwrap_err(),
            AttributeError::Duplicate(AttributeKey::RatedHeadM)
        );
        assert_eq!(
            Attributes::parse(AssetKind::Pump, "rated_head_m").unwrap_err(),
            AttributeError::Syntax("rated_head_m".to_owned())
        );
    }
}
