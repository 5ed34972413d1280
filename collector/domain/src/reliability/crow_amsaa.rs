//! Crow-AMSAA: the power-law non-homogeneous Poisson process of a repairable
//! system, with a χ² test for trend and an HPP fallback.
//!
//! Model (MIL-HDBK-189; ReliaSoft RGA "Crow-AMSAA (NHPP)"): expected
//! cumulative failures `N(t) = λ t^β`, intensity `λ β t^(β−1)`. β < 1 means
//! failures arrive ever more slowly (improving), β > 1 ever faster
//! (deteriorating), β = 1 is the homogeneous Poisson process (HPP) of a
//! constant rate.
//!
//! Input: the cumulative operating hours at each failure, `t₁ ≤ … ≤ tₙ`, and
//! the end of observation T. If T equals the last failure time the record is
//! **failure-terminated**, otherwise **time-terminated** ([`Termination`]).
//!
//! Maximum-likelihood estimates (both cases, the log of the last failure
//! contributing 0 when failure-terminated):
//!
//! ```text
//! β̂ = n / Σ ln(T / tᵢ)        λ̂ = n / T^β̂
//! ```
//!
//! and MIL-HDBK-189's unbiased shape `β̄ = (n − 1)/n · β̂` (time-terminated) or
//! `(n − 2)/n · β̂` (failure-terminated).
//!
//! Trend test (MIL-HDBK-189 §5; IEC 61164's χ² test): under an HPP
//! `χ² = 2 Σ ln(T / tᵢ) = 2n / β̂` follows χ² with 2n degrees of freedom
//! (time-terminated) or 2(n − 1) (failure-terminated). The two-sided p-value
//! is `2·min(F(χ²), 1 − F(χ²))`; below the significance level (default 0.05)
//! the trend is improving when β̂ < 1 and deteriorating when β̂ > 1, otherwise
//! none.
//!
//! With fewer than `min_failures` (default 3) failures the power law is not
//! fitted: the result is the HPP, β = 1, λ = n / T (NIST 8.4.5.1), trend
//! none and no p-value ([`CrowAmsaaModel::HppFallback`]).

use super::ReliabilityError;
use super::special::chi_squared_cdf;

/// How the observation of a repairable system ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    /// Observation stopped at a chosen time after the last failure.
    Time,
    /// Observation stopped at the last failure.
    Failure,
}

impl Termination {
    /// The spelling in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Termination::Time => "time",
            Termination::Failure => "failure",
        }
    }
}

/// The direction of the failure intensity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    /// Failures significantly less frequent over time (β < 1).
    Improving,
    /// Failures significantly more frequent over time (β > 1).
    Deteriorating,
    /// No significant trend, or too few failures to test.
    None,
}

impl Trend {
    /// `improving`, `deteriorating` or `none`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Deteriorating => "deteriorating",
            Trend::None => "none",
        }
    }
}

/// Which model the result carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrowAmsaaModel {
    /// The fitted power law.
    PowerLaw,
    /// Too few failures: the constant-rate HPP, β = 1.
    HppFallback,
}

impl CrowAmsaaModel {
    /// The spelling in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CrowAmsaaModel::PowerLaw => "power_law",
            CrowAmsaaModel::HppFallback => "hpp_fallback",
        }
    }
}

/// Options of the fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrowAmsaaOptions {
    /// Significance level of the trend test (default 0.05).
    pub significance: f64,
    /// Fewest failures for the power law; fewer fall back to the HPP (default 3).
    pub min_failures: usize,
}

impl Default for CrowAmsaaOptions {
    fn default() -> CrowAmsaaOptions {
        CrowAmsaaOptions {
            significance: 0.05,
            min_failures: 3,
        }
    }
}

/// A fitted Crow-AMSAA (or fallback HPP) model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrowAmsaa {
    /// Failures n.
    pub failures: usize,
    /// End of observation T, hours.
    pub end_hours: f64,
    /// Time- or failure-terminated.
    pub termination: Termination,
    /// Power law or HPP fallback.
    pub model: CrowAmsaaModel,
    /// Shape β (1 for the HPP).
    pub beta: f64,
    /// Scale λ, failures per hour^β.
    pub lambda: f64,
    /// MIL-HDBK-189 unbiased shape, when defined.
    pub beta_unbiased: Option<f64>,
    /// Trend verdict.
    pub trend: Trend,
    /// The χ² statistic `2 Σ ln(T/tᵢ)`, when tested.
    pub chi_squared: Option<f64>,
    /// Its degrees of freedom.
    pub degrees_of_freedom: Option<f64>,
    /// Two-sided p-value against the HPP, when tested.
    pub p_value: Option<f64>,
    /// The significance level used.
    pub significance: f64,
}

impl CrowAmsaa {
    /// Expected cumulative failures by `t` hours, `λ t^β`.
    #[must_use]
    pub fn expected_failures(&self, hours: f64) -> f64 {
        self.lambda * hours.max(0.0).powf(self.beta)
    }

    /// Failure intensity at `t`, `λ β t^(β−1)`, failures per hour.
    #[must_use]
    pub fn intensity(&self, hours: f64) -> f64 {
        self.lambda * self.beta * hours.powf(self.beta - 1.0)
    }

    /// Instantaneous MTBF at `t`, `1 / intensity`, hours.
    #[must_use]
    pub fn instantaneous_mtbf(&self, hours: f64) -> f64 {
        1.0 / self.intensity(hours)
    }
}

/// Fit Crow-AMSAA to the cumulative operating hours at each failure.
///
/// # Errors
/// [`ReliabilityError::InvalidOperatingTime`] for a bad end time,
/// [`ReliabilityError::InvalidTime`] for a failure time that is not positive,
/// [`ReliabilityError::FailureTimeOutOfOrder`] for times out of order or past
/// the end, [`ReliabilityError::NoMaximum`] when every failure is at T.
pub fn fit_crow_amsaa(
    failure_hours: &[f64],
    end_hours: f64,
    options: CrowAmsaaOptions,
) -> Result<CrowAmsaa, ReliabilityError> {
    if !end_hours.is_finite() || end_hours <= 0.0 {
        return Err(ReliabilityError::InvalidOperatingTime(end_hours));
    }
    let mut previous = 0.0;
    for (index, &t) in failure_hours.iter().enumerate() {
        if !t.is_finite() || t <= 0.0 {
            return Err(ReliabilityError::InvalidTime { index, value: t });
        }
        if t < previous || t > end_hours {
            return Err(ReliabilityError::FailureTimeOutOfOrder {
                index,
                value: t,
                end: end_hours,
            });
        }
        previous = t;
    }
    let n = failure_hours.len();
    let termination = match failure_hours.last() {
        Some(&last) if last == end_hours => Termination::Failure,
        _ => Termination::Time,
    };
    let nf = n as f64;
    if n < std::cmp::max(options.min_failures, 1) {
        return Ok(CrowAmsaa {
            failures: n,
            end_hours,
            termination,
            model: CrowAmsaaModel::HppFallback,
            beta: 1.0,
            lambda: nf / end_hours,
            beta_unbiased: None,
            trend: Trend::None,
            chi_squared: None,
            degrees_of_freedom: None,
            p_value: None,
            significance: options.significance,
        });
    }
    let ln_end = end_hours.ln();
    let sum: f64 = failure_hours.iter().map(|t| ln_end - t.ln()).sum();
    if sum <= 0.0 {
        return Err(ReliabilityError::NoMaximum(
            "every failure is at the end of observation",
        ));
    }
    let beta = nf / sum;
    let lambda = nf / end_hours.powf(beta);
    let (df, unbiased) = match termination {
        Termination::Time => (2.0 * nf, (nf - 1.0) / nf * beta),
        Termination::Failure => (2.0 * (nf - 1.0), (nf - 2.0) / nf * beta),
    };
    let chi_squared = 2.0 * sum;
    let f = chi_squared_cdf(chi_squared, df);
    let p_value = (2.0 * f.min(1.0 - f)).clamp(0.0, 1.0);
    let trend = if p_value < options.significance {
        if beta < 1.0 {
            Trend::Improving
        } else {
            Trend::Deteriorating
        }
    } else {
        Trend::None
    };
    Ok(CrowAmsaa {
        failures: n,
        end_hours,
        termination,
        model: CrowAmsaaModel::PowerLaw,
        beta,
        lambda,
        beta_unbiased: (unbiased > 0.0).then_some(unbiased),
        trend,
        chi_squared: Some(chi_squared),
        degrees_of_freedom: Some(df),
        p_value: Some(p_value),
        significance: options.significance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ReliaSoft "Crow-AMSAA Model Examples", Failure Times Model (Reliability
    /// Growth and Repairable System Analysis Reference, reliawiki.com): 22
    /// failures of a prototype, failure-terminated at 620 h; Σ ln Tᵢ = 105.6355,
    /// β̂ = 22 / (22 ln 620 − 105.6355) = 0.6142, λ̂ = 22 / 620^β̂ = 0.4239.
    const RELIAWIKI: [f64; 22] = [
        2.7, 10.3, 12.5, 30.6, 57.0, 61.3, 80.0, 109.5, 125.0, 128.6, 143.8, 167.9, 229.2, 296.7,
        320.6, 328.2, 366.2, 396.7, 421.1, 438.2, 501.2, 620.0,
    ];

    #[test]
    fn reliasoft_failure_times_example_reproduces_to_four_digits() {
        let sum_ln: f64 = RELIAWIKI.iter().map(|t| t.ln()).sum();
        assert!((sum_ln - 105.6355).abs() < 5e-5);
        let fit = fit_crow_amsaa(&RELIAWIKI, 620.0, CrowAmsaaOptions::default()).unwrap();
        assert_eq!(fit.termination, Termination::Failure);
        assert_eq!(fit.model, CrowAmsaaModel::PowerLaw);
        assert_eq!(fit.failures, 22);
        assert!((fit.beta - 0.6142).abs() < 5e-5, "beta {}", fit.beta);
        assert!((fit.lambda - 0.4239).abs() < 5e-5, "lambda {}", fit.lambda);
        // 2 Σ ln(620/tᵢ) = 2n/β̂ with 2(n − 1) = 42 degrees of freedom.
        assert_eq!(fit.degrees_of_freedom, Some(42.0));
        assert!((fit.chi_squared.unwrap() - 2.0 * 22.0 / fit.beta).abs() < 1e-9);
        assert_eq!(fit.trend, Trend::Improving);
        assert!(fit.p_value.unwrap() < 0.01);
        assert!((fit.beta_unbiased.unwrap() - 20.0 / 22.0 * fit.beta).abs() < 1e-12);
    }

    /// With one failure and 2 degrees of freedom the χ² CDF is closed-form:
    /// F = 1 − t₁/T, so the p-value is 2·min(F, 1 − F).
    #[test]
    fn trend_p_value_matches_the_closed_form_with_one_failure() {
        let opts = CrowAmsaaOptions {
            min_failures: 1,
            ..CrowAmsaaOptions::default()
        };
        let half = fit_crow_amsaa(&[50.0], 100.0, opts).unwrap();
        assert!((half.p_value.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(half.trend, Trend::None);
        let early = fit_crow_amsaa(&[1.0], 100.0, opts).unwrap();
        assert!((early.p_value.unwrap() - 0.02).abs() < 1e-12);
        assert_eq!(early.trend, Trend::Improving);
        let late = fit_crow_amsaa(&[99.5], 100.0, opts).unwrap();
        assert!((late.p_value.unwrap() - 0.01).abs() < 1e-9);
        assert_eq!(late.trend, Trend::Deteriorating);
    }

    #[test]
    fn few_failures_fall_back_to_the_hpp() {
        let fit = fit_crow_amsaa(&[100.0, 900.0], 1_000.0, CrowAmsaaOptions::default()).unwrap();
        assert_eq!(fit.model, CrowAmsaaModel::HppFallback);
        assert_eq!((fit.beta, fit.lambda), (1.0, 0.002));
        assert_eq!((fit.trend, fit.p_value), (Trend::None, None));
        let none = fit_crow_amsaa(&[], 1_000.0, CrowAmsaaOptions::default()).unwrap();
        assert_eq!(none.lambda, 0.0);
    }

    #[test]
    fn a_time_terminated_record_uses_two_n_degrees_of_freedom() {
        let fit = fit_crow_amsaa(
            &[100.0, 300.0, 450.0, 700.0],
            1_000.0,
            CrowAmsaaOptions::default(),
        )
        .unwrap();
        assert_eq!(fit.termination, Termination::Time);
        assert_eq!(fit.degrees_of_freedom, Some(8.0));
        let sum: f64 = [100.0_f64, 300.0, 450.0, 700.0]
            .iter()
            .map(|t| (1_000.0 / t).ln())
            .sum();
        assert!((fit.beta - 4.0 / sum).abs() < 1e-12);
        assert!((fit.expected_failures(1_000.0) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn bad_failure_times_are_named() {
        let o = CrowAmsaaOptions::default();
        assert_eq!(
            fit_crow_amsaa(&[5.0, 3.0], 10.0, o),
            Err(ReliabilityError::FailureTimeOutOfOrder {
                index: 1,
                value: 3.0,
                end: 10.0
            })
        );
        assert!(matches!(
            fit_crow_amsaa(&[5.0, 30.0], 10.0, o),
            Err(ReliabilityError::FailureTimeOutOfOrder { index: 1, .. })
        ));
        assert_eq!(
            fit_crow_amsaa(&[0.0], 10.0, o),
            Err(ReliabilityError::InvalidTime {
                index: 0,
                value: 0.0
            })
        );
        assert!(fit_crow_amsaa(&[1.0], -1.0, o).is_err());
        assert!(matches!(
            fit_crow_amsaa(&[10.0, 10.0, 10.0], 10.0, o),
            Err(ReliabilityError::NoMaximum(_))
        ));
    }
}
