//! Availability, in named variants. Each [`Availability`] says which one it is
//! (reference §1: "publish which SMRP/EN variant each KPI follows").
//!
//! - [`AvailabilityVariant::Smrp22`] (SMRP Best Practices 2.2):
//!   `Uptime / (Total available time − Idle time)`, with
//!   `Uptime = Total − (Idle + Downtime)` and downtime = scheduled +
//!   unscheduled. Idle (standby, not required to run) leaves the denominator,
//!   so a pump waiting for demand is not penalized.
//! - [`AvailabilityVariant::En15341M10`] (EN 15341:2019 M10, time-based):
//!   `(operating + standby + downtime for external reasons) / required time`,
//!   all within the required time the caller's calendar supplies; equivalently
//!   `(required − internal downtime within required) / required`. External
//!   causes (site power) count as available: they are not the asset's fault.
//! - [`AvailabilityVariant::Inherent`] (IEEE 493): `MTBF / (MTBF + MTTR)`.

use super::ReliabilityError;

/// Which availability definition a figure follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AvailabilityVariant {
    /// SMRP 2.2: uptime / (total − idle).
    Smrp22,
    /// EN 15341 M10: against the required time.
    En15341M10,
    /// Inherent: MTBF / (MTBF + MTTR).
    Inherent,
}

impl AvailabilityVariant {
    /// Every variant.
    pub const ALL: [AvailabilityVariant; 3] = [
        AvailabilityVariant::Smrp22,
        AvailabilityVariant::En15341M10,
        AvailabilityVariant::Inherent,
    ];

    /// The spelling in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AvailabilityVariant::Smrp22 => "smrp_2_2",
            AvailabilityVariant::En15341M10 => "en15341_m10",
            AvailabilityVariant::Inherent => "inherent",
        }
    }
}

/// An availability figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Availability {
    /// The definition used.
    pub variant: AvailabilityVariant,
    /// The fraction, 0 to 1.
    pub value: f64,
    /// Numerator, hours (uptime; available required time; MTBF).
    pub numerator_hours: f64,
    /// Denominator, hours.
    pub denominator_hours: f64,
}

fn check(what: &'static str, hours: f64) -> Result<f64, ReliabilityError> {
    if hours.is_finite() && hours >= 0.0 {
        Ok(hours)
    } else {
        Err(ReliabilityError::InvalidDuration { what, hours })
    }
}

/// SMRP 2.2 availability.
///
/// # Errors
/// [`ReliabilityError::InvalidDuration`] for a negative time or idle plus
/// downtime above the total; [`ReliabilityError::Undefined`] when the asset
/// was idle the whole time.
pub fn smrp_2_2(
    total_hours: f64,
    idle_hours: f64,
    downtime_hours: f64,
) -> Result<Availability, ReliabilityError> {
    let total = check("total available time", total_hours)?;
    let idle = check("idle time", idle_hours)?;
    let down = check("downtime", downtime_hours)?;
    if idle + down > total * (1.0 + 1e-12) {
        return Err(ReliabilityError::InvalidDuration {
            what: "idle time plus downtime",
            hours: idle + down,
        });
    }
    let denominator = total - idle;
    if denominator <= 0.0 {
        return Err(ReliabilityError::Undefined(
            "no time outside idle in the window",
        ));
    }
    let uptime = (total - idle - down).max(0.0);
    Ok(Availability {
        variant: AvailabilityVariant::Smrp22,
        value: uptime / denominator,
        numerator_hours: uptime,
        denominator_hours: denominator,
    })
}

/// EN 15341 M10 time-based availability against the required time.
///
/// # Errors
/// [`ReliabilityError::InvalidDuration`] for a negative time or internal
/// downtime above the required time; [`ReliabilityError::Undefined`] without
/// required time.
pub fn en15341_m10(
    required_hours: f64,
    internal_down_in_required_hours: f64,
) -> Result<Availability, ReliabilityError> {
    let required = check("required time", required_hours)?;
    let down = check("internal downtime", internal_down_in_required_hours)?;
    if down > required * (1.0 + 1e-12) {
        return Err(ReliabilityError::InvalidDuration {
            what: "internal downtime within required time",
            hours: down,
        });
    }
    if required <= 0.0 {
        return Err(ReliabilityError::Undefined(
            "no required time in the window",
        ));
    }
    let available = (required - down).max(0.0);
    Ok(Availability {
        variant: AvailabilityVariant::En15341M10,
        value: available / required,
        numerator_hours: available,
        denominator_hours: required,
    })
}

/// Inherent availability `MTBF / (MTBF + MTTR)`.
///
/// # Errors
/// [`ReliabilityError::InvalidDuration`] for a negative or non-finite input;
/// [`ReliabilityError::Undefined`] when both are 0.
pub fn inherent(mtbf_hours: f64, mttr_hours: f64) -> Result<Availability, ReliabilityError> {
    let mtbf = check("MTBF", mtbf_hours)?;
    let mttr = check("MTTR", mttr_hours)?;
    if mtbf + mttr <= 0.0 {
        return Err(ReliabilityError::Undefined("MTBF and MTTR are both 0"));
    }
    Ok(Availability {
        variant: AvailabilityVariant::Inherent,
        value: mtbf / (mtbf + mttr),
        numerator_hours: mtbf,
        denominator_hours: mtbf + mttr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 720 h month: 100 h idle (no demand), 20 h planned maintenance, 8 h trip,
    /// 12 h site power outage. SMRP 2.2: downtime 40 h → (720 − 100 − 40)/620.
    /// EN 15341 M10 with 620 h required: internal = 28 h → 592/620.
    #[test]
    fn smrp_and_en15341_differ_on_external_downtime_as_by_hand() {
        let smrp = smrp_2_2(720.0, 100.0, 40.0).unwrap();
        assert_eq!(smrp.variant.as_str(), "smrp_2_2");
        assert!((smrp.value - 580.0 / 620.0).abs() < 1e-15);
        let m10 = en15341_m10(620.0, 28.0).unwrap();
        assert!((m10.value - 592.0 / 620.0).abs() < 1e-15);
        assert_eq!(m10.variant, AvailabilityVariant::En15341M10);
    }

    #[test]
    fn inherent_is_mtbf_over_mtbf_plus_mttr() {
        let a = inherent(990.0, 10.0).unwrap();
        assert!((a.value - 0.99).abs() < 1e-15);
        assert_eq!(a.variant, AvailabilityVariant::Inherent);
    }

    #[test]
    fn impossible_inputs_are_refused_not_clamped() {
        assert!(matches!(
            smrp_2_2(10.0, 6.0, 6.0),
            Err(ReliabilityError::InvalidDuration { .. })
        ));
        assert!(matches!(
            smrp_2_2(10.0, 10.0, 0.0),
            Err(ReliabilityError::Undefined(_))
        ));
        assert!(matches!(
            en15341_m10(0.0, 0.0),
            Err(ReliabilityError::Undefined(_))
        ));
        assert!(en15341_m10(5.0, -1.0).is_err());
        assert!(inherent(f64::NAN, 1.0).is_err());
    }
}
