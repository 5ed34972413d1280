//! Two-parameter Weibull maximum-likelihood fit with right-censored units.
//!
//! Model: `F(t) = 1 − exp(−(t/η)^β)`, β the shape, η the characteristic life.
//! Data: lifetimes, each a failure or a suspension (a unit still working when
//! observation stopped, e.g. a pump running since its last repair). Dropping
//! suspensions biases η low (Odoo's mistake, reference §2); they enter the
//! likelihood through their survival term:
//!
//! ```text
//! ln L = Σ_failures [ln β − ln η + (β − 1) ln(t/η)] − Σ_all (t/η)^β
//! ```
//!
//! Solution: for fixed β the maximizing η is `η^β = Σ t^β / r`; substituting
//! gives one equation in β, monotone increasing,
//! `g(β) = Σ t^β ln t / Σ t^β − 1/β − mean_failures(ln t) = 0`, solved by
//! Newton steps safeguarded by a bracket (bisection whenever a step would leave
//! it). Times are scaled by the largest one so `t^β` never overflows. A finite
//! maximum exists unless every failure sits at the largest time.
//!
//! Confidence bounds: **Fisher matrix** (Nelson 1982; ReliaSoft Weibull++
//! "Fisher matrix confidence bounds"). The observed information is the negative
//! Hessian of ln L at the estimate; its inverse gives Var(β̂), Var(η̂) and their
//! covariance, and since both parameters are positive, ln β̂ and ln η̂ are taken
//! as normal: `β_U,L = β̂ · exp(±K·√Var(β̂)/β̂)`, likewise for η, with K the
//! two-sided normal quantile. Fisher bounds are known to be optimistic for
//! small samples; the method is named in every result ([`BoundsMethod`]).
//!
//! Reproduces NIST/SEMATECH e-Handbook 8.4.1.3: β̂ = 1.7208, η̂ = 606.5 h,
//! log-likelihood −75.135 (see the tests).

use super::special::gamma;
use super::{Confidence, ReliabilityError};

/// One unit's life: hours to failure, or hours observed without failure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lifetime {
    /// Operating hours.
    pub hours: f64,
    /// `true` for a failure, `false` for a suspension (right-censored).
    pub failed: bool,
}

impl Lifetime {
    /// A failure after `hours`.
    #[must_use]
    pub fn failure(hours: f64) -> Lifetime {
        Lifetime {
            hours,
            failed: true,
        }
    }

    /// A unit still working after `hours`.
    #[must_use]
    pub fn suspension(hours: f64) -> Lifetime {
        Lifetime {
            hours,
            failed: false,
        }
    }
}

/// How parameter bounds were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsMethod {
    /// Inverse observed Fisher information, log-normal approximation on each
    /// parameter (Nelson 1982).
    FisherMatrix,
}

impl BoundsMethod {
    /// The spelling in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BoundsMethod::FisherMatrix => "fisher_matrix",
        }
    }
}

/// A fitted Weibull model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeibullFit {
    /// Units in the sample.
    pub n: usize,
    /// Failures among them.
    pub failures: usize,
    /// Shape β̂.
    pub beta: f64,
    /// Characteristic life η̂, hours.
    pub eta: f64,
    /// ln L at the estimate (density in hours).
    pub log_likelihood: f64,
    /// Confidence of the two-sided bounds.
    pub confidence: Confidence,
    /// Lower bound on β.
    pub beta_lower: f64,
    /// Upper bound on β.
    pub beta_upper: f64,
    /// Lower bound on η, hours.
    pub eta_lower: f64,
    /// Upper bound on η, hours.
    pub eta_upper: f64,
    /// Var(β̂) from the inverse Fisher matrix.
    pub var_beta: f64,
    /// Var(η̂), hours².
    pub var_eta: f64,
    /// Cov(β̂, η̂), hours.
    pub cov_beta_eta: f64,
    /// How the bounds were computed.
    pub bounds_method: BoundsMethod,
}

impl WeibullFit {
    /// Reliability (survival) `R(t) = exp(−(t/η)^β)`.
    #[must_use]
    pub fn reliability(&self, hours: f64) -> f64 {
        weibull_survival(hours, self.beta, self.eta)
    }

    /// Mean life `η Γ(1 + 1/β)`, hours.
    #[must_use]
    pub fn mean_hours(&self) -> f64 {
        self.eta * gamma(1.0 + 1.0 / self.beta)
    }

    /// P(failure within the next `next_hours` | survived `age_hours`):
    /// `1 − exp((t/η)^β − ((t + N)/η)^β)`.
    #[must_use]
    pub fn conditional_failure_probability(&self, age_hours: f64, next_hours: f64) -> f64 {
        conditional_failure_probability(age_hours, next_hours, self.beta, self.eta)
    }
}

/// `exp(−(t/η)^β)` for `t ≥ 0` (1 for `t ≤ 0`).
#[must_use]
pub fn weibull_survival(hours: f64, beta: f64, eta: f64) -> f64 {
    if hours <= 0.0 {
        return 1.0;
    }
    (-(hours / eta).powf(beta)).exp()
}

/// P(failure in `(t, t + N]` | survival to t) for a Weibull(β, η):
/// `1 − exp((t/η)^β − ((t + N)/η)^β)`, computed with `exp_m1` so small
/// probabilities keep their digits.
#[must_use]
pub fn conditional_failure_probability(age: f64, next: f64, beta: f64, eta: f64) -> f64 {
    let t = age.max(0.0);
    let n = next.max(0.0);
    let h0 = (t / eta).powf(beta);
    let h1 = ((t + n) / eta).powf(beta);
    (-(h0 - h1).exp_m1()).clamp(0.0, 1.0)
}

/// Fit a Weibull by maximum likelihood with right censoring.
///
/// # Errors
/// [`ReliabilityError::NoData`], [`ReliabilityError::InvalidTime`] for a time
/// that is not a positive finite number, [`ReliabilityError::AllCensored`],
/// and [`ReliabilityError::NoMaximum`] when the likelihood has no finite maximum.
pub fn fit_weibull(
    data: &[Lifetime],
    confidence: Confidence,
) -> Result<WeibullFit, ReliabilityError> {
    if data.is_empty() {
        return Err(ReliabilityError::NoData);
    }
    let mut t_max = 0.0_f64;
    for (index, l) in data.iter().enumerate() {
        if !l.hours.is_finite() || l.hours <= 0.0 {
            return Err(ReliabilityError::InvalidTime {
                index,
                value: l.hours,
            });
        }
        t_max = t_max.max(l.hours);
    }
    let failures = data.iter().filter(|l| l.failed).count();
    if failures == 0 {
        return Err(ReliabilityError::AllCensored { units: data.len() });
    }
    let ln_t_max = t_max.ln();
    // u = ln(t / t_max) ≤ 0.
    let u: Vec<f64> = data.iter().map(|l| l.hours.ln() - ln_t_max).collect();
    let r = failures as f64;
    let mean_fail_u = data
        .iter()
        .zip(&u)
        .filter(|(l, _)| l.failed)
        .map(|(_, u)| *u)
        .sum::<f64>()
        / r;
    if mean_fail_u >= -1e-12 {
        return Err(ReliabilityError::NoMaximum(
            "every failure is at the longest time observed",
        ));
    }
    let beta = solve_shape(&u, mean_fail_u)?;
    let s0: f64 = u.iter().map(|u| (beta * u).exp()).sum();
    let ln_eta = ln_t_max + (s0 / r).ln() / beta;
    let eta = ln_eta.exp();

    // Log-likelihood and the observed information at (β̂, η̂).
    let mut log_likelihood = 0.0;
    let (mut sz, mut szw, mut szw2) = (0.0, 0.0, 0.0);
    for l in data {
        let w = l.hours.ln() - ln_eta;
        let z = (beta * w).exp();
        if l.failed {
            log_likelihood += beta.ln() - ln_eta + (beta - 1.0) * w;
        }
        log_likelihood -= z;
        sz += z;
        szw += z * w;
        szw2 += z * w * w;
    }
    let f_bb = r / (beta * beta) + szw2;
    let f_ee = (beta * (1.0 + beta) * sz - r * beta) / (eta * eta);
    let f_be = (r - sz - beta * szw) / eta;
    let det = f_bb * f_ee - f_be * f_be;
    if !(det.is_finite() && det > 0.0) {
        return Err(ReliabilityError::NoMaximum(
            "the Fisher information matrix is singular",
        ));
    }
    let var_beta = f_ee / det;
    let var_eta = f_bb / det;
    let cov_beta_eta = -f_be / det;
    let k = confidence.two_sided_z();
    let fb = (k * var_beta.sqrt() / beta).exp();
    let fe = (k * var_eta.sqrt() / eta).exp();
    Ok(WeibullFit {
        n: data.len(),
        failures,
        beta,
        eta,
        log_likelihood,
        confidence,
        beta_lower: beta / fb,
        beta_upper: beta * fb,
        eta_lower: eta / fe,
        eta_upper: eta * fe,
        var_beta,
        var_eta,
        cov_beta_eta,
        bounds_method: BoundsMethod::FisherMatrix,
    })
}

/// `g(β)` and `g′(β)` of the profile equation, on scaled logs `u ≤ 0`.
fn profile(u: &[f64], mean_fail_u: f64, beta: f64) -> (f64, f64) {
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for &u in u {
        let e = (beta * u).exp();
        s0 += e;
        s1 += e * u;
        s2 += e * u * u;
    }
    let m1 = s1 / s0;
    let g = m1 - 1.0 / beta - mean_fail_u;
    let dg = (s2 / s0 - m1 * m1) + 1.0 / (beta * beta);
    (g, dg)
}

const MAX_SHAPE: f64 = 1.0e4;

fn solve_shape(u: &[f64], mean_fail_u: f64) -> Result<f64, ReliabilityError> {
    // Bracket the root of the increasing g.
    let mut lo = 1.0;
    while profile(u, mean_fail_u, lo).0 > 0.0 {
        lo *= 0.5;
        if lo < 1e-6 {
            return Err(ReliabilityError::NoMaximum("shape parameter below 1e-6"));
        }
    }
    let mut hi = lo * 2.0;
    while profile(u, mean_fail_u, hi).0 < 0.0 {
        lo = hi;
        hi *= 2.0;
        if hi > MAX_SHAPE {
            return Err(ReliabilityError::NoMaximum("shape parameter above 10000"));
        }
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..200 {
        let (g, dg) = profile(u, mean_fail_u, x);
        if g == 0.0 {
            return Ok(x);
        }
        if g < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - g / dg;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 1e-13 * x || hi - lo <= 1e-13 * x {
            return Ok(next);
        }
        x = next;
    }
    Ok(x)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::Lifetime;

    /// NIST/SEMATECH e-Handbook 8.4.1.3 (apr413.htm), data of 8.2.2.1:
    /// failures at 54, 187, 216, 240, 244, 335, 361, 373, 375 and 386 h; ten
    /// units removed unfailed at 500 h.
    pub(crate) fn nist_8_4_1_3() -> Vec<Lifetime> {
        let mut d: Vec<Lifetime> = [
            54.0, 187.0, 216.0, 240.0, 244.0, 335.0, 361.0, 373.0, 375.0, 386.0,
        ]
        .into_iter()
        .map(Lifetime::failure)
        .collect();
        d.extend(std::iter::repeat_n(Lifetime::suspension(500.0), 10));
        d
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::nist_8_4_1_3;
    use super::*;

    /// NIST 8.4.1.3: "The Weibull characteristic life parameter (η) estimate
    /// is 606.5280 and the shape parameter (β) estimate is 1.7208. The
    /// loglikelihood and AIC … are 75.135 and 154.27" (the log-likelihood is
    /// −75.135: AIC = 2·2 − 2 ln L = 154.27); mean life 540.737 h.
    #[test]
    fn nist_8_4_1_3_vector_reproduces() {
        let fit = fit_weibull(&nist_8_4_1_3(), Confidence::NINETY).unwrap();
        assert_eq!((fit.n, fit.failures), (20, 10));
        assert!((fit.beta - 1.7208).abs() < 5e-5, "beta {}", fit.beta);
        assert!((fit.eta - 606.5280).abs() < 5e-4, "eta {}", fit.eta);
        assert!(
            (fit.log_likelihood + 75.135).abs() < 5e-4,
            "ln L {}",
            fit.log_likelihood
        );
        assert!((fit.mean_hours() - 540.737).abs() < 5e-3);
        assert!(fit.beta_lower < fit.beta && fit.beta < fit.beta_upper);
        assert!(fit.eta_lower < fit.eta && fit.eta < fit.eta_upper);
        assert_eq!(fit.bounds_method, BoundsMethod::FisherMatrix);
    }

    /// The analytic Fisher matrix equals the negative Hessian of ln L computed
    /// by central finite differences, an independent check of the bounds.
    #[test]
    fn fisher_matrix_matches_a_numerical_hessian() {
        let data = nist_8_4_1_3();
        let fit = fit_weibull(&data, Confidence::NINETY).unwrap();
        let ll = |b: f64, e: f64| -> f64 {
            data.iter()
                .map(|l| {
                    let z = (l.hours / e).powf(b);
                    let f = if l.failed {
                        b.ln() - e.ln() + (b - 1.0) * (l.hours / e).ln()
                    } else {
                        0.0
                    };
                    f - z
                })
                .sum()
        };
        let (b, e) = (fit.beta, fit.eta);
        let (hb, he) = (1e-4 * b, 1e-4 * e);
        let h_bb = (ll(b + hb, e) - 2.0 * ll(b, e) + ll(b - hb, e)) / (hb * hb);
        let h_ee = (ll(b, e + he) - 2.0 * ll(b, e) + ll(b, e - he)) / (he * he);
        let h_be = (ll(b + hb, e + he) - ll(b + hb, e - he) - ll(b - hb, e + he)
            + ll(b - hb, e - he))
            / (4.0 * hb * he);
        let det = h_bb * h_ee - h_be * h_be;
        let var_beta = -h_ee / det;
        let var_eta = -h_bb / det;
        assert!((var_beta / fit.var_beta - 1.0).abs() < 1e-3);
        assert!((var_eta / fit.var_eta - 1.0).abs() < 1e-3);
        assert!(((h_be / det) / fit.cov_beta_eta - 1.0).abs() < 1e-3);
    }

    #[test]
    fn bounds_are_fisher_log_normal_at_the_requested_confidence() {
        let fit90 = fit_weibull(&nist_8_4_1_3(), Confidence::NINETY).unwrap();
        let fit95 = fit_weibull(&nist_8_4_1_3(), Confidence::new(0.95).unwrap()).unwrap();
        let k = 1.644_853_626_951_472;
        let expected = fit90.beta * (k * fit90.var_beta.sqrt() / fit90.beta).exp();
        assert!((fit90.beta_upper - expected).abs() < 1e-12);
        assert!(fit95.beta_upper > fit90.beta_upper && fit95.eta_lower < fit90.eta_lower);
        // ln-symmetric: β̂² = β_L · β_U.
        assert!((fit90.beta_lower * fit90.beta_upper - fit90.beta.powi(2)).abs() < 1e-9);
    }

    #[test]
    fn fit_is_scale_equivariant() {
        let data = nist_8_4_1_3();
        let scaled: Vec<Lifetime> = data
            .iter()
            .map(|l| Lifetime {
                hours: l.hours * 3600.0,
                failed: l.failed,
            })
            .collect();
        let a = fit_weibull(&data, Confidence::NINETY).unwrap();
        let b = fit_weibull(&scaled, Confidence::NINETY).unwrap();
        assert!((a.beta - b.beta).abs() < 1e-9);
        assert!((b.eta / 3600.0 - a.eta).abs() < 1e-6);
    }

    #[test]
    fn exponential_sample_gives_shape_near_one() {
        // Quantiles of Exp(mean 100): a complete sample with β = 1 exactly in shape.
        let data: Vec<Lifetime> = (1..=200)
            .map(|i| Lifetime::failure(-100.0 * (1.0 - (f64::from(i) - 0.5) / 200.0).ln()))
            .collect();
        let fit = fit_weibull(&data, Confidence::NINETY).unwrap();
        assert!((fit.beta - 1.0).abs() < 0.05, "{}", fit.beta);
        assert!((fit.eta - 100.0).abs() < 5.0, "{}", fit.eta);
    }

    #[test]
    fn conditional_probability_matches_the_closed_form() {
        let p = conditional_failure_probability(500.0, 100.0, 2.0, 1000.0);
        let expected = 1.0 - ((0.5_f64).powi(2) - (0.6_f64).powi(2)).exp();
        assert!((p - expected).abs() < 1e-15);
        // β = 1 is memoryless.
        let a = conditional_failure_probability(0.0, 50.0, 1.0, 400.0);
        let b = conditional_failure_probability(9_000.0, 50.0, 1.0, 400.0);
        assert!((a - b).abs() < 1e-12);
    }

    #[test]
    fn bad_samples_get_named_errors() {
        let c = Confidence::NINETY;
        assert_eq!(fit_weibull(&[], c), Err(ReliabilityError::NoData));
        assert_eq!(
            fit_weibull(&[Lifetime::suspension(5.0), Lifetime::suspension(7.0)], c),
            Err(ReliabilityError::AllCensored { units: 2 })
        );
        assert_eq!(
            fit_weibull(&[Lifetime::failure(5.0), Lifetime::failure(-1.0)], c),
            Err(ReliabilityError::InvalidTime {
                index: 1,
                value: -1.0
            })
        );
        assert!(matches!(
            fit_weibull(&[Lifetime::failure(5.0), Lifetime::failure(5.0)], c),
            Err(ReliabilityError::NoMaximum(_))
        ));
        assert!(matches!(
            fit_weibull(&[Lifetime::suspension(1.0), Lifetime::failure(5.0)], c),
            Err(ReliabilityError::NoMaximum(_))
        ));
    }

    #[test]
    fn one_failure_among_longer_suspensions_fits() {
        let data = [
            Lifetime::failure(100.0),
            Lifetime::suspension(300.0),
            Lifetime::suspension(400.0),
        ];
        let fit = fit_weibull(&data, Confidence::NINETY).unwrap();
        assert!(fit.beta.is_finite() && fit.eta > 100.0);
    }
}
