//! Tabular CUSUM for small persistent shifts (Montgomery, *Introduction to
//! Statistical Quality Control*, §9.1; reference §3).
//!
//! On the standardized reading e: `S⁺ = max(0, S⁺ + e − k)`,
//! `S⁻ = max(0, S⁻ − e − k)`; the raw condition is `S⁺ > h` or `S⁻ > h`.
//! k = 0.5 tunes it to a 1σ shift; h = 5 gives an in-control ARL of about 465
//! with known parameters (Montgomery Table 9.3). The sums are capped at
//! `cap·h` (default 2h) so the verdict clears within about `cap·h/k` readings
//! once the shift ends, and the state stays bounded. The score is the larger
//! sum, negative for a downward shift, in σ.

use super::{AnomalyError, check};

/// CUSUM parameters (in σ of the baseline).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CusumConfig {
    /// Allowance k (half the shift to detect).
    pub k: f64,
    /// Decision interval h.
    pub h: f64,
    /// Cap on each sum, as a multiple of h (at least 1).
    pub cap: f64,
}

impl CusumConfig {
    pub(crate) fn validate(&self) -> Result<(), AnomalyError> {
        check("cusum.k", self.k, self.k >= 0.0, "non-negative")?;
        check("cusum.h", self.h, self.h > 0.0, "positive")?;
        check("cusum.cap", self.cap, self.cap >= 1.0, "at least 1")
    }
}

/// CUSUM sums.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CusumState {
    /// S⁺.
    pub hi: f64,
    /// S⁻.
    pub lo: f64,
}

impl CusumState {
    /// One standardized reading: `(score, raw out of limits)`.
    pub fn step(&mut self, e: f64, cfg: &CusumConfig) -> (f64, bool) {
        let cap = cfg.cap * cfg.h;
        self.hi = (self.hi + e - cfg.k).clamp(0.0, cap);
        self.lo = (self.lo - e - cfg.k).clamp(0.0, cap);
        let score = if self.hi >= self.lo {
            self.hi
        } else {
            -self.lo
        };
        (score, self.hi > cfg.h || self.lo > cfg.h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: CusumConfig = CusumConfig {
        k: 0.5,
        h: 5.0,
        cap: 2.0,
    };

    #[test]
    fn a_one_sigma_shift_accumulates_half_a_sigma_per_reading() {
        let mut s = CusumState::default();
        let mut out = 0;
        for i in 1..=20 {
            let (score, raw) = s.step(1.0, &CFG);
            assert!((score - (0.5 * f64::from(i)).min(10.0)).abs() < 1e-12);
            if raw && out == 0 {
                out = i;
            }
        }
        assert_eq!(out, 11, "S = 5.5 > h at the 11th reading");
    }

    #[test]
    fn downward_shifts_score_negative_and_sums_are_capped() {
        let mut s = CusumState::default();
        for _ in 0..1_000 {
            s.step(-3.0, &CFG);
        }
        assert_eq!((s.hi, s.lo), (0.0, 10.0));
        let (score, raw) = s.step(-3.0, &CFG);
        assert!(raw && score == -10.0);
    }
}
