//! Robust z-score over a fixed window (reference §3; Iglewicz & Hoaglin 1993).
//!
//! `score = (x − median) / (1.4826 · MAD)` where median and MAD are those of
//! the last W readings learned before x (default W = 64). 1.4826 makes the MAD
//! a consistent estimate of σ for normal data; the default threshold 3.5 is
//! Iglewicz and Hoaglin's for the modified z-score. Memory is bounded: a ring
//! of the W values in arrival order and the same values kept sorted; each
//! reading moves at most W values and the MAD is the k-th smallest of two
//! sorted runs of deviations on either side of the median, found by binary
//! search (O(log W)). No score until the window is full. A MAD of 0 (a flat window) is
//! floored at `max(min_sigma, 1e-9·max(1, |median|))`, so a flat channel
//! scores 0 unless it moves.

use super::{AnomalyError, check, sigma_floor};

/// Robust z-score parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RobustConfig {
    /// Window W (3 to 4096).
    pub window: usize,
    /// Threshold on |score|.
    pub threshold: f64,
    /// Smallest scale, in the reading's units.
    pub min_sigma: f64,
}

impl RobustConfig {
    pub(crate) fn validate(&self) -> Result<(), AnomalyError> {
        check(
            "robust.window",
            self.window as f64,
            (3..=4096).contains(&self.window),
            "between 3 and 4096",
        )?;
        check(
            "robust.threshold",
            self.threshold,
            self.threshold > 0.0,
            "positive",
        )?;
        check(
            "robust.min_sigma",
            self.min_sigma,
            self.min_sigma >= 0.0,
            "non-negative",
        )
    }
}

/// The window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RobustState {
    /// Values in arrival order (a ring once full).
    pub ring: Vec<f64>,
    /// Next slot of the ring to overwrite.
    pub head: usize,
    /// The same values, sorted.
    pub sorted: Vec<f64>,
}

impl RobustState {
    pub(crate) fn new(cfg: &RobustConfig) -> RobustState {
        RobustState {
            ring: Vec::with_capacity(cfg.window),
            head: 0,
            sorted: Vec::with_capacity(cfg.window),
        }
    }

    pub(crate) fn check(&self, cfg: &RobustConfig) -> Result<(), AnomalyError> {
        if self.ring.len() > cfg.window
            || self.sorted.len() != self.ring.len()
            || (self.head >= cfg.window && !self.ring.is_empty())
            || self.sorted.windows(2).any(|w| w[0] > w[1])
        {
            return Err(AnomalyError::State("robust window"));
        }
        Ok(())
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        (self.ring.capacity() + self.sorted.capacity()) * std::mem::size_of::<f64>()
    }

    /// Median of the window (`None` while empty).
    #[must_use]
    pub fn median(&self) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        Some(if n % 2 == 1 {
            self.sorted[n / 2]
        } else {
            0.5 * (self.sorted[n / 2 - 1] + self.sorted[n / 2])
        })
    }

    /// Median absolute deviation from `m` (`None` while empty).
    #[must_use]
    pub fn mad(&self, m: f64) -> Option<f64> {
        let s = &self.sorted;
        let n = s.len();
        if n == 0 {
            return None;
        }
        // Deviations below m (walking down from the split) and above (walking
        // up) are two increasing runs; the MAD is the mean of their merged
        // elements (n−1)/2 and n/2, each found by binary search.
        let split = s.partition_point(|v| *v < m);
        let below = |i: usize| m - s[split - 1 - i];
        let above = |j: usize| s[split + j] - m;
        let a = kth_of_two(&below, split, &above, n - split, (n - 1) / 2);
        let b = kth_of_two(&below, split, &above, n - split, n / 2);
        Some(0.5 * (a + b))
    }

    /// Score of `x` against the window, once full: `(score, raw)`.
    pub fn score(&self, x: f64, cfg: &RobustConfig) -> Option<(f64, bool)> {
        if self.ring.len() < cfg.window {
            return None;
        }
        let m = self.median()?;
        let scale = (1.4826 * self.mad(m)?).max(sigma_floor(cfg.min_sigma, m));
        let score = (x - m) / scale;
        Some((score, score.abs() > cfg.threshold))
    }

    /// Learns `x`, evicting the oldest value once full.
    pub fn learn(&mut self, x: f64, cfg: &RobustConfig) {
        if self.ring.len() < cfg.window {
            self.ring.push(x);
        } else {
            let old = std::mem::replace(&mut self.ring[self.head], x);
            self.head = (self.head + 1) % cfg.window;
            let i = self.sorted.partition_point(|v| *v < old);
            self.sorted.remove(i);
        }
        let j = self.sorted.partition_point(|v| *v < x);
        self.sorted.insert(j, x);
    }
}

/// The k-th smallest (0-based) of the union of two increasing sequences
/// `l[0..nl]` and `u[0..nu]`, `k < nl + nu`, in O(log(nl + nu)).
fn kth_of_two(
    l: &dyn Fn(usize) -> f64,
    nl: usize,
    u: &dyn Fn(usize) -> f64,
    nu: usize,
    k: usize,
) -> f64 {
    // Take `a` elements from l and `k + 1 − a` from u.
    let mut lo = (k + 1).saturating_sub(nu);
    let mut hi = std::cmp::min(k + 1, nl);
    loop {
        let a = lo + (hi - lo) / 2;
        let b = k + 1 - a;
        if a < nl && b > 0 && u(b - 1) > l(a) {
            lo = a + 1;
        } else if a > 0 && b < nu && l(a - 1) > u(b) {
            hi = a - 1;
        } else {
            let from_l = if a > 0 { l(a - 1) } else { f64::NEG_INFINITY };
            let from_u = if b > 0 { u(b - 1) } else { f64::NEG_INFINITY };
            return from_l.max(from_u);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(window: usize) -> RobustConfig {
        RobustConfig {
            window,
            threshold: 3.5,
            min_sigma: 0.0,
        }
    }

    fn naive_mad(values: &[f64]) -> (f64, f64) {
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                0.5 * (v[n / 2 - 1] + v[n / 2])
            }
        };
        let m = med(&mut values.to_vec());
        let mut d: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
        (m, med(&mut d))
    }

    #[test]
    fn median_and_mad_match_a_naive_computation_as_the_window_slides() {
        let c = cfg(7);
        let mut s = RobustState::new(&c);
        let xs = [
            5.0, 1.0, 9.0, 9.0, -3.0, 2.5, 7.0, 7.0, 100.0, 0.0, 4.0, 4.0, 4.0, -8.0,
        ];
        for (i, x) in xs.iter().enumerate() {
            s.learn(*x, &c);
            let start = (i + 1).saturating_sub(7);
            let (m, mad) = naive_mad(&xs[start..=i]);
            assert_eq!(s.median(), Some(m), "at {i}");
            assert_eq!(s.mad(m), Some(mad), "at {i}");
        }
        let mut even = RobustState::new(&cfg(4));
        for x in [1.0, 2.0, 3.0, 10.0] {
            even.learn(x, &cfg(4));
        }
        let (m, mad) = naive_mad(&[1.0, 2.0, 3.0, 10.0]);
        assert_eq!((even.median(), even.mad(m)), (Some(m), Some(mad)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn sliding_median_and_mad_equal_the_naive_ones(
            xs in proptest::collection::vec(-1e3f64..1e3, 1..200),
            window in 3usize..40,
        ) {
            let c = cfg(window);
            let mut s = RobustState::new(&c);
            for (i, x) in xs.iter().enumerate() {
                // Quantize so ties happen.
                let x = (x / 10.0).round();
                s.learn(x, &c);
                let start = (i + 1).saturating_sub(window);
                let w: Vec<f64> = xs[start..=i].iter().map(|x| (x / 10.0).round()).collect();
                let (m, mad) = naive_mad(&w);
                proptest::prop_assert_eq!(s.median(), Some(m));
                proptest::prop_assert_eq!(s.mad(m), Some(mad));
            }
        }
    }

    #[test]
    fn a_spike_scores_high_and_a_flat_window_scores_zero() {
        let c = cfg(5);
        let mut s = RobustState::new(&c);
        for x in [10.0, 11.0, 9.0, 10.0, 10.5] {
            s.learn(x, &c);
        }
        // median 10, MAD 0.5 → scale 0.7413: 13 scores 4.05.
        let (score, raw) = s.score(13.0, &c).unwrap();
        assert!((score - 3.0 / (1.4826 * 0.5)).abs() < 1e-12);
        assert!(raw);
        let mut flat = RobustState::new(&c);
        for _ in 0..5 {
            flat.learn(2.0, &c);
        }
        assert_eq!(flat.score(2.0, &c), Some((0.0, false)));
    }
}
