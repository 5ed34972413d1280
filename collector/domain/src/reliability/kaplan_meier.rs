//! Kaplan–Meier (product-limit) survival curve, the empirical curve against
//! which a fitted Weibull is judged (NIST/SEMATECH e-Handbook 8.4.1.3).
//!
//! `Ŝ(t) = Π_{tᵢ ≤ t} (1 − dᵢ / nᵢ)` over the distinct failure times tᵢ, with
//! dᵢ failures at tᵢ and nᵢ units at risk just before it. At a tie, failures
//! come before suspensions (a unit suspended at tᵢ was at risk at tᵢ), the
//! usual convention. Greenwood's variance:
//! `Var Ŝ(t) = Ŝ(t)² Σ dᵢ / (nᵢ (nᵢ − dᵢ))` (0 once Ŝ reaches 0).

use super::ReliabilityError;
use super::weibull::Lifetime;

/// The curve just after one distinct failure time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KaplanMeierStep {
    /// The failure time, hours.
    pub hours: f64,
    /// Units at risk just before it.
    pub at_risk: usize,
    /// Failures at it.
    pub failures: usize,
    /// Suspensions at exactly this time (still counted at risk).
    pub censored: usize,
    /// Ŝ just after it.
    pub survival: f64,
    /// Greenwood variance of Ŝ.
    pub variance: f64,
}

/// The Kaplan–Meier steps, one per distinct failure time, in time order.
///
/// # Errors
/// [`ReliabilityError::NoData`] for an empty sample, and
/// [`ReliabilityError::InvalidTime`] for a negative or non-finite time.
pub fn kaplan_meier(data: &[Lifetime]) -> Result<Vec<KaplanMeierStep>, ReliabilityError> {
    if data.is_empty() {
        return Err(ReliabilityError::NoData);
    }
    for (index, l) in data.iter().enumerate() {
        if !l.hours.is_finite() || l.hours < 0.0 {
            return Err(ReliabilityError::InvalidTime {
                index,
                value: l.hours,
            });
        }
    }
    let mut sorted: Vec<Lifetime> = data.to_vec();
    // Failures first at ties.
    sorted.sort_by(|a, b| a.hours.total_cmp(&b.hours).then(b.failed.cmp(&a.failed)));
    let mut steps = Vec::new();
    let mut at_risk = sorted.len();
    let mut survival = 1.0;
    let mut greenwood = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].hours;
        let mut failures = 0;
        let mut censored = 0;
        while i < sorted.len() && sorted[i].hours == t {
            if sorted[i].failed {
                failures += 1;
            } else {
                censored += 1;
            }
            i += 1;
        }
        if failures > 0 {
            let n = at_risk as f64;
            let d = failures as f64;
            survival *= 1.0 - d / n;
            if at_risk > failures {
                greenwood += d / (n * (n - d));
            }
            steps.push(KaplanMeierStep {
                hours: t,
                at_risk,
                failures,
                censored,
                survival,
                variance: if survival > 0.0 {
                    survival * survival * greenwood
                } else {
                    0.0
                },
            });
        }
        at_risk -= failures + censored;
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 6-MP arm of Freireich et al. (1963), the textbook Kaplan–Meier
    /// example (Kleinbaum & Klein, *Survival Analysis*, 3rd ed., Table 2.x;
    /// Collett, *Modelling Survival Data*): remission weeks 6, 6, 6, 6+, 7,
    /// 9+, 10, 10+, 11+, 13, 16, 17+, 19+, 20+, 22, 23, 25+, 32+, 32+, 34+,
    /// 35+ (+ = censored). Ŝ = 0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378,
    /// 0.4482 at 6, 7, 10, 13, 16, 22, 23.
    #[test]
    fn freireich_six_mp_curve_reproduces() {
        let failed = [6.0, 6.0, 6.0, 7.0, 10.0, 13.0, 16.0, 22.0, 23.0];
        let censored = [
            6.0, 9.0, 10.0, 11.0, 17.0, 19.0, 20.0, 25.0, 32.0, 32.0, 34.0, 35.0,
        ];
        let mut data: Vec<Lifetime> = failed.into_iter().map(Lifetime::failure).collect();
        data.extend(censored.into_iter().map(Lifetime::suspension));
        let steps = kaplan_meier(&data).unwrap();
        let expected = [
            (6.0, 21, 0.8571),
            (7.0, 17, 0.8067),
            (10.0, 15, 0.7529),
            (13.0, 12, 0.6902),
            (16.0, 11, 0.6275),
            (22.0, 7, 0.5378),
            (23.0, 6, 0.4482),
        ];
        assert_eq!(steps.len(), expected.len());
        for (s, (t, n, surv)) in steps.iter().zip(expected) {
            assert_eq!((s.hours, s.at_risk), (t, n));
            assert!((s.survival - surv).abs() < 5e-5, "{t}: {}", s.survival);
        }
        assert_eq!(steps[0].failures, 3);
        assert_eq!(steps[0].censored, 1);
        // Greenwood at week 6: 0.8571² · 3/(21·18) = 0.005831.
        assert!((steps[0].variance - 0.857_142_857_f64.powi(2) * 3.0 / 378.0).abs() < 1e-9);
    }

    /// NIST 8.4.1.3 data: no suspension before 500 h, so Ŝ falls by 1/20 at
    /// each of the ten failures, to 0.5 at 386 h.
    #[test]
    fn nist_8_4_1_3_curve_steps_by_one_twentieth() {
        let data = crate::reliability::weibull::tests_support::nist_8_4_1_3();
        let steps = kaplan_meier(&data).unwrap();
        assert_eq!(steps.len(), 10);
        for (i, s) in steps.iter().enumerate() {
            let expected = 1.0 - (i as f64 + 1.0) / 20.0;
            assert!((s.survival - expected).abs() < 1e-12);
        }
    }

    #[test]
    fn everything_failing_reaches_zero() {
        let steps = kaplan_meier(&[Lifetime::failure(1.0), Lifetime::failure(2.0)]).unwrap();
        assert_eq!(steps[1].survival, 0.0);
        assert_eq!(steps[1].variance, 0.0);
        assert_eq!(kaplan_meier(&[]), Err(ReliabilityError::NoData));
    }
}
