//! EWMA control chart (NIST/SEMATECH e-Handbook 6.3.2.4; reference §3).
//!
//! On the standardized reading `e = (x − μ̂)/σ̂` of the channel's baseline:
//! `z_t = λ e_t + (1 − λ) z_{t−1}`, `z_0 = 0`, with the exact variance
//! `σ_z²(t) = λ/(2 − λ) · (1 − (1 − λ)^{2t})`. The score is `z / σ_z`; the raw
//! condition is `|score| > L`. Defaults λ = 0.1, L = 3.0 (medium sensitivity).
//! The statistic is not reset after a signal: it stays out while the shift
//! lasts and decays back within about 1/λ readings when it ends.

use super::{AnomalyError, check};

/// EWMA parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EwmaConfig {
    /// Smoothing weight λ in (0, 1].
    pub lambda: f64,
    /// Limit L, in standard deviations of z.
    pub limit: f64,
}

impl EwmaConfig {
    pub(crate) fn validate(&self) -> Result<(), AnomalyError> {
        check(
            "ewma.lambda",
            self.lambda,
            self.lambda > 0.0 && self.lambda <= 1.0,
            "in (0, 1]",
        )?;
        check("ewma.limit", self.limit, self.limit > 0.0, "positive")
    }
}

/// EWMA statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EwmaState {
    /// z.
    pub z: f64,
    /// `(1 − λ)^{2t}`, for the exact variance of the first readings.
    pub decay: f64,
}

impl Default for EwmaState {
    fn default() -> EwmaState {
        EwmaState { z: 0.0, decay: 1.0 }
    }
}

impl EwmaState {
    /// One standardized reading: `(score, raw out of limits)`.
    pub fn step(&mut self, e: f64, cfg: &EwmaConfig) -> (f64, bool) {
        let l = cfg.lambda;
        self.z = l * e + (1.0 - l) * self.z;
        self.decay *= (1.0 - l) * (1.0 - l);
        let var = l / (2.0 - l) * (1.0 - self.decay);
        let score = if var > 0.0 { self.z / var.sqrt() } else { 0.0 };
        (score, score.abs() > cfg.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_step_has_the_variance_of_lambda_squared() {
        let cfg = EwmaConfig {
            lambda: 0.2,
            limit: 3.0,
        };
        let mut s = EwmaState::default();
        // σ_z(1)² = λ/(2−λ)·(1 − (1−λ)²) = λ², so score = λe/λ = e.
        let (score, raw) = s.step(2.5, &cfg);
        assert!((score - 2.5).abs() < 1e-12);
        assert!(!raw);
        let (score, raw) = s.step(10.0, &cfg);
        assert!(raw && score > 3.0);
    }

    #[test]
    fn a_persistent_one_sigma_shift_converges_to_the_asymptotic_score() {
        let cfg = EwmaConfig {
            lambda: 0.1,
            limit: 3.0,
        };
        let mut s = EwmaState::default();
        let mut score = 0.0;
        for _ in 0..500 {
            score = s.step(1.0, &cfg).0;
        }
        // z → 1, σ_z → √(0.1/1.9): score → 4.36.
        assert!((score - 1.0 / (0.1_f64 / 1.9).sqrt()).abs() < 1e-9);
    }
}
