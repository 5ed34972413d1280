//! MTBF with χ² confidence bounds.
//!
//! Definition (SMRP Best Practices 3.5.1; NIST/SEMATECH e-Handbook 8.4.5.1):
//! MTBF = total operating time T / number of failures r. NIST notes this is the
//! maximum-likelihood estimate whether the data are censored or complete, so
//! the operating time after the last failure (the censored tail) counts.
//!
//! Bounds (NIST 8.4.5.1, time-truncated observation, the usual case: a window
//! ends at a chosen time, not at a failure):
//!
//! ```text
//! 2T / χ²(1 − α/2; 2(r + 1))  ≤  MTBF  ≤  2T / χ²(α/2; 2r)
//! ```
//!
//! with `α = 1 − confidence` and χ²(p; k) the left-tail quantile. With r = 0
//! there is no upper bound and no point estimate; the lower end is the same
//! formula at r = 0, `T / (−ln(α/2))`, i.e. NIST's zero-failure bound
//! `T / (−ln α′)` with α′ = α/2, the one-sided risk of the lower end of a
//! two-sided interval.
//!
//! [`MtbfFigure`] is what dashboards show: below [`MIN_FAILURES_FOR_MTBF`]
//! failures it is [`MtbfFigure::InsufficientData`], which carries the lower
//! bound ("at least … h") but no point value, so a thin record can never be
//! displayed as an MTBF, let alone as 0.

use super::special::chi_squared_quantile;
use super::{Confidence, ReliabilityError};

/// Below this many failures an MTBF is "insufficient data" (reference §1:
/// "n < 3 failures → insufficient data rather than 0").
pub const MIN_FAILURES_FOR_MTBF: u64 = 3;

/// MTBF point estimate and two-sided bounds, in hours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MtbfBounds {
    /// Total operating time T, hours.
    pub operating_hours: f64,
    /// Failures r.
    pub failures: u64,
    /// Confidence of the two-sided interval.
    pub confidence: Confidence,
    /// T / r; `None` with no failures.
    pub mtbf_hours: Option<f64>,
    /// Lower end `2T / χ²(1 − α/2; 2r + 2)`.
    pub lower_hours: f64,
    /// Upper end `2T / χ²(α/2; 2r)`; `None` with no failures.
    pub upper_hours: Option<f64>,
}

/// The MTBF as shown to people.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MtbfFigure {
    /// At least [`MIN_FAILURES_FOR_MTBF`] failures: a point value with bounds.
    Estimated(MtbfBounds),
    /// Fewer failures (or no operating time): no point value. The bounds are
    /// kept so a page can say "at least `lower_hours` h with 90 % confidence".
    InsufficientData {
        /// Failures observed.
        failures: u64,
        /// Operating time, hours.
        operating_hours: f64,
        /// The bounds, when there was any operating time.
        bounds: Option<MtbfBounds>,
    },
}

impl MtbfFigure {
    /// The point value, only when there is enough data.
    #[must_use]
    pub fn mtbf_hours(&self) -> Option<f64> {
        match self {
            MtbfFigure::Estimated(b) => b.mtbf_hours,
            MtbfFigure::InsufficientData { .. } => None,
        }
    }

    /// The bounds, whatever the sufficiency.
    #[must_use]
    pub fn bounds(&self) -> Option<&MtbfBounds> {
        match self {
            MtbfFigure::Estimated(b) => Some(b),
            MtbfFigure::InsufficientData { bounds, .. } => bounds.as_ref(),
        }
    }
}

/// MTBF and its bounds from total operating hours and failures.
///
/// # Errors
/// [`ReliabilityError::InvalidOperatingTime`] for a negative, non-finite or
/// zero operating time (no interval exists without exposure).
pub fn mtbf_bounds(
    operating_hours: f64,
    failures: u64,
    confidence: Confidence,
) -> Result<MtbfBounds, ReliabilityError> {
    if !operating_hours.is_finite() || operating_hours <= 0.0 {
        return Err(ReliabilityError::InvalidOperatingTime(operating_hours));
    }
    let alpha = 1.0 - confidence.get();
    let r = failures as f64;
    let two_t = 2.0 * operating_hours;
    let lower_hours = two_t / chi_squared_quantile(1.0 - alpha / 2.0, 2.0 * (r + 1.0));
    let (mtbf_hours, upper_hours) = if failures == 0 {
        (None, None)
    } else {
        (
            Some(operating_hours / r),
            Some(two_t / chi_squared_quantile(alpha / 2.0, 2.0 * r)),
        )
    };
    Ok(MtbfBounds {
        operating_hours,
        failures,
        confidence,
        mtbf_hours,
        lower_hours,
        upper_hours,
    })
}

/// The MTBF figure for a dashboard: [`MtbfFigure::InsufficientData`] below
/// [`MIN_FAILURES_FOR_MTBF`] failures or without operating time.
///
/// # Errors
/// [`ReliabilityError::InvalidOperatingTime`] for a negative or non-finite time.
pub fn mtbf_figure(
    operating_hours: f64,
    failures: u64,
    confidence: Confidence,
) -> Result<MtbfFigure, ReliabilityError> {
    if !operating_hours.is_finite() || operating_hours < 0.0 {
        return Err(ReliabilityError::InvalidOperatingTime(operating_hours));
    }
    let bounds = if operating_hours > 0.0 {
        Some(mtbf_bounds(operating_hours, failures, confidence)?)
    } else {
        None
    };
    match bounds {
        Some(b) if failures >= MIN_FAILURES_FOR_MTBF => Ok(MtbfFigure::Estimated(b)),
        bounds => Ok(MtbfFigure::InsufficientData {
            failures,
            operating_hours,
            bounds,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: f64) -> Confidence {
        Confidence::new(v).unwrap()
    }

    /// NIST/SEMATECH e-Handbook 8.4.5.1 (apr451.htm) example and its R script
    /// apr451.r: 800 operating hours, 2 failures, 90 % two-sided bounds
    /// `1600 / qchisq(0.95, 6) = 127.0690` and `1600 / qchisq(0.05, 4) = 2251.229`.
    #[test]
    fn nist_8_4_5_1_example_bounds_to_four_significant_digits() {
        let b = mtbf_bounds(800.0, 2, c(0.90)).unwrap();
        assert_eq!(b.mtbf_hours, Some(400.0));
        assert!((b.lower_hours - 127.0690).abs() < 1e-3, "{}", b.lower_hours);
        let upper = b.upper_hours.unwrap();
        assert!((upper - 2251.229).abs() < 1e-2, "{upper}");
    }

    /// NIST 8.4.5.1 factor table, 80 % two-sided, r = 1: lower factor
    /// 2/χ²(0.9; 4) = 0.257, upper factor 2/χ²(0.1; 2) = 9.491.
    #[test]
    fn nist_factor_table_80_percent_one_failure() {
        let b = mtbf_bounds(1.0, 1, c(0.80)).unwrap();
        assert!((b.lower_hours - 0.2571).abs() < 1e-4, "{}", b.lower_hours);
        assert!((b.upper_hours.unwrap() - 9.4912).abs() < 1e-3);
    }

    /// NIST 8.4.5.1: "When there are zero failures … only a (one-sided) MTBF
    /// lower bound exists": T / (−ln α′), here α′ = (1 − 0.9)/2.
    #[test]
    fn zero_failures_give_only_a_lower_bound() {
        let b = mtbf_bounds(1_000.0, 0, c(0.90)).unwrap();
        assert_eq!(b.mtbf_hours, None);
        assert_eq!(b.upper_hours, None);
        let expected = 1_000.0 / -(0.05_f64.ln());
        assert!((b.lower_hours - expected).abs() < 1e-9 * expected);
    }

    #[test]
    fn fewer_than_three_failures_is_insufficient_data_never_zero() {
        for r in 0..3 {
            let f = mtbf_figure(5_000.0, r, c(0.9)).unwrap();
            assert!(matches!(f, MtbfFigure::InsufficientData { failures, .. } if failures == r));
            assert_eq!(f.mtbf_hours(), None);
            assert!(f.bounds().unwrap().lower_hours > 0.0);
        }
        let none = mtbf_figure(0.0, 0, c(0.9)).unwrap();
        assert!(matches!(
            none,
            MtbfFigure::InsufficientData { bounds: None, .. }
        ));
        let f = mtbf_figure(5_000.0, 4, c(0.9)).unwrap();
        assert_eq!(f.mtbf_hours(), Some(1_250.0));
    }

    #[test]
    fn bad_operating_time_is_refused() {
        assert_eq!(
            mtbf_bounds(-1.0, 2, c(0.9)),
            Err(ReliabilityError::InvalidOperatingTime(-1.0))
        );
        assert!(mtbf_bounds(f64::NAN, 2, c(0.9)).is_err());
        assert!(mtbf_bounds(0.0, 2, c(0.9)).is_err());
    }
}
