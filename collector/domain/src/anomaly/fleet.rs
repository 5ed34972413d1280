//! The fleet check: which asset of a class behaves unlike its siblings
//! (issue 12 item 4; reference §3, augurs-outlier's MAD idea).
//!
//! Each asset of a class contributes one value over the same window, a ratio
//! that should be alike across identical pumps: motor current per unit of
//! flow (A per l/s) or level drawdown per unit of flow (m per l/s, the
//! inverse of specific capacity). [`RatioAccumulator`] builds it as a ratio of
//! sums over the readings where the pump delivered flow (a stopped pump says
//! nothing). Across the class: `score = (value − median) / (1.4826 · MAD)`;
//! when the MAD is 0 (most siblings identical) the scale is
//! `1.2533 · mean absolute deviation` (Iglewicz & Hoaglin 1993); when that is
//! 0 too, every asset is alike and scores 0. An asset is an outlier when
//! `|score|` exceeds the threshold (default 3.5). At least
//! [`FleetConfig::min_members`] (default 4) assets with a value are needed.

use super::AnomalyError;
use crate::ids::AssetId;
use crate::vocab::vocabulary;

vocabulary!(
    /// What the fleet check compares.
    FleetMetric {
        /// Motor current per flow, A per l/s.
        CurrentPerFlow => "current_per_flow",
        /// Level drawdown (dynamic minus static level depth) per flow, m per l/s.
        DrawdownPerFlow => "drawdown_per_flow",
    }
);

/// A ratio of sums over the readings where the denominator (flow) counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RatioAccumulator {
    /// Σ numerator.
    pub numerator: f64,
    /// Σ denominator.
    pub denominator: f64,
    /// Pairs counted.
    pub count: u64,
}

impl RatioAccumulator {
    /// Adds a pair, ignored unless both are finite and the flow is at least
    /// `min_flow` (the pump is delivering).
    pub fn add(&mut self, numerator: f64, flow: f64, min_flow: f64) {
        if numerator.is_finite() && flow.is_finite() && flow >= min_flow && flow > 0.0 {
            self.numerator += numerator;
            self.denominator += flow;
            self.count += 1;
        }
    }

    /// Σ numerator / Σ flow, if anything counted.
    #[must_use]
    pub fn ratio(&self) -> Option<f64> {
        (self.count > 0 && self.denominator > 0.0).then(|| self.numerator / self.denominator)
    }

    /// Merges another accumulator (associative).
    pub fn combine(&mut self, other: &RatioAccumulator) {
        self.numerator += other.numerator;
        self.denominator += other.denominator;
        self.count += other.count;
    }
}

/// One asset's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetMember {
    /// The asset.
    pub asset: AssetId,
    /// Its ratio.
    pub value: f64,
}

/// Fleet check parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetConfig {
    /// |score| above which an asset is an outlier (default 3.5).
    pub threshold: f64,
    /// Fewest members (default 4).
    pub min_members: usize,
}

impl Default for FleetConfig {
    fn default() -> FleetConfig {
        FleetConfig {
            threshold: 3.5,
            min_members: 4,
        }
    }
}

/// One asset's standing in its class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetVerdict {
    /// The asset.
    pub asset: AssetId,
    /// Its value.
    pub value: f64,
    /// Robust z against the class.
    pub score: f64,
    /// Unlike its siblings.
    pub outlier: bool,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

/// Compare the members of one class.
///
/// # Errors
/// [`AnomalyError::TooFewMembers`] with fewer than `min_members` finite values.
pub fn fleet_check(
    members: &[FleetMember],
    cfg: &FleetConfig,
) -> Result<Vec<FleetVerdict>, AnomalyError> {
    let finite: Vec<&FleetMember> = members.iter().filter(|m| m.value.is_finite()).collect();
    let needed = std::cmp::max(cfg.min_members, 3);
    if finite.len() < needed {
        return Err(AnomalyError::TooFewMembers {
            needed,
            got: finite.len(),
        });
    }
    let mut values: Vec<f64> = finite.iter().map(|m| m.value).collect();
    values.sort_by(f64::total_cmp);
    let m = median(&values);
    let mut dev: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    let scale = if mad > 0.0 {
        1.4826 * mad
    } else {
        1.2533 * dev.iter().sum::<f64>() / dev.len() as f64
    };
    Ok(finite
        .iter()
        .map(|mem| {
            let score = if scale > 0.0 {
                (mem.value - m) / scale
            } else {
                0.0
            };
            FleetVerdict {
                asset: mem.asset,
                value: mem.value,
                score,
                outlier: score.abs() > cfg.threshold,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(values: &[f64]) -> Vec<FleetMember> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| FleetMember {
                asset: AssetId(i64::try_from(i).unwrap() + 1),
                value: *v,
            })
            .collect()
    }

    /// Five identical pumps draw about 2 A per l/s; pump 4 draws 2.9 (a worn
    /// impeller moves less water for the same current).
    #[test]
    fn the_pump_unlike_its_siblings_is_flagged() {
        let v = fleet_check(
            &members(&[2.0, 2.05, 1.95, 2.9, 2.02]),
            &FleetConfig::default(),
        )
        .unwrap();
        let flagged: Vec<AssetId> = v.iter().filter(|v| v.outlier).map(|v| v.asset).collect();
        assert_eq!(flagged, vec![AssetId(4)]);
        assert!(v[3].score > 3.5);
    }

    #[test]
    fn identical_siblings_and_one_odd_one_use_the_mean_deviation() {
        let v = fleet_check(
            &members(&[1.0, 1.0, 1.0, 1.0, 5.0]),
            &FleetConfig::default(),
        )
        .unwrap();
        // MAD 0 → scale 1.2533 · (4/5): the odd one scores 3.99.
        assert!((v[4].score - 4.0 / (1.2533 * 0.8)).abs() < 1e-12);
        assert!(v[4].outlier && !v[0].outlier);
        let same = fleet_check(&members(&[3.0; 4]), &FleetConfig::default()).unwrap();
        assert!(same.iter().all(|v| v.score == 0.0 && !v.outlier));
    }

    #[test]
    fn too_few_siblings_is_an_error() {
        assert_eq!(
            fleet_check(&members(&[1.0, 2.0, f64::NAN]), &FleetConfig::default()),
            Err(AnomalyError::TooFewMembers { needed: 4, got: 2 })
        );
    }

    #[test]
    fn ratios_count_only_readings_with_flow() {
        let mut a = RatioAccumulator::default();
        a.add(40.0, 20.0, 1.0);
        a.add(0.0, 0.0, 1.0); // stopped
        a.add(44.0, 20.0, 1.0);
        a.add(f64::NAN, 20.0, 1.0);
        assert_eq!(a.ratio(), Some(2.1));
        let mut b = RatioAccumulator::default();
        assert_eq!(b.ratio(), None);
        b.combine(&a);
        assert_eq!(b, a);
    }
}
