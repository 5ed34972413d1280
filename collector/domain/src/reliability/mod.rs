//! Reliability mathematics: MTBF with chi-square bounds, MTTR, MTBM, availability variants, Weibull and Crow-AMSAA fits, Kaplan-Meier, failure risk.
//!
//! Everything here is pure: numbers and records in, typed results out. The
//! definitions follow `shared/reference/maintenance-reliability.md` §1 and §3;
//! each submodule cites its source and each published test vector is cited
//! in its test.
//!
//! | module | what | source |
//! |---|---|---|
//! | [`mtbf`] | MTBF = T / r, two-sided χ² bounds, "insufficient data" below 3 failures | SMRP 3.5.1, NIST 8.4.5.1 |
//! | [`repair`] | MTTR from repair events with a named start event; MTBM; mean downtime | SMRP 3.5.2–3.5.4 |
//! | [`availability`] | SMRP 2.2, EN 15341 M10, inherent | SMRP 2.2, EN 15341:2019, IEEE 493 |
//! | [`weibull`] | Weibull MLE with right censoring, Fisher-matrix bounds, log-likelihood | NIST 8.4.1.3, ReliaSoft |
//! | [`crow_amsaa`] | power-law NHPP, χ² trend test, HPP fallback | MIL-HDBK-189, ReliaSoft RGA |
//! | [`kaplan_meier`](mod@kaplan_meier) | product-limit survival curve with Greenwood variance | NIST 8.4.1.3 |
//! | [`kpi`] | failure rule, per asset-day partial sums, KPIs per asset/class/site/window | reference §1 |
//! | [`risk`] | P(failure in next N run-hours), explained inputs, ranking, decision | reference §3 |
//! | [`cli`] | CSV parsing and typed results for `caudal-collector reliability …` | issue 14 item 4 |
//! | [`special`] | incomplete gamma, χ² and normal quantiles | Numerical Recipes, AS 241 |

pub mod availability;
pub mod cli;
pub mod crow_amsaa;
pub mod kaplan_meier;
pub mod kpi;
pub mod mtbf;
pub mod repair;
pub mod risk;
pub mod special;
pub mod weibull;

pub use availability::{Availability, AvailabilityVariant};
pub use crow_amsaa::{CrowAmsaa, CrowAmsaaModel, Termination, Trend};
pub use kaplan_meier::{KaplanMeierStep, kaplan_meier};
pub use mtbf::{MIN_FAILURES_FOR_MTBF, MtbfBounds, MtbfFigure, mtbf_bounds, mtbf_figure};
pub use repair::{MttrStart, RepairEvent, TtrComponents};
pub use weibull::{Lifetime, WeibullFit, fit_weibull};

/// A confidence level strictly between 0 and 1 (0.90 means 90 %).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Confidence(f64);

impl Confidence {
    /// 90 %: the default of the `reliability` commands (issue 14 item 4).
    pub const NINETY: Confidence = Confidence(0.90);

    /// A confidence level.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidConfidence`] unless `0 < c < 1`.
    pub fn new(c: f64) -> Result<Confidence, ReliabilityError> {
        if c.is_finite() && c > 0.0 && c < 1.0 {
            Ok(Confidence(c))
        } else {
            Err(ReliabilityError::InvalidConfidence(c))
        }
    }

    /// The level, in (0, 1).
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }

    /// The standard normal quantile of a two-sided interval at this level,
    /// `Φ⁻¹(1 − (1 − c)/2)` (1.645 at 90 %).
    #[must_use]
    pub fn two_sided_z(self) -> f64 {
        special::normal_quantile(1.0 - (1.0 - self.0) / 2.0)
    }
}

impl Default for Confidence {
    fn default() -> Confidence {
        Confidence::NINETY
    }
}

/// What a reliability computation could not take.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ReliabilityError {
    /// A confidence level outside (0, 1).
    #[error("confidence must be strictly between 0 and 1, got {0}")]
    InvalidConfidence(f64),
    /// Operating time negative, not finite, or zero where exposure is needed.
    #[error("operating time must be a positive number of hours, got {0}")]
    InvalidOperatingTime(f64),
    /// A lifetime or event time that is negative, zero or not finite.
    #[error("time #{index} must be a positive finite number, got {value}")]
    InvalidTime {
        /// Zero-based position in the input.
        index: usize,
        /// The value.
        value: f64,
    },
    /// No data at all.
    #[error("no data")]
    NoData,
    /// Every unit is censored: no failure to fit.
    #[error("all {units} units are censored: at least one failure is needed")]
    AllCensored {
        /// Units in the sample.
        units: usize,
    },
    /// The likelihood has no finite maximum (for example every failure at the
    /// same time and nothing surviving beyond it).
    #[error("the maximum-likelihood fit does not exist for these data: {0}")]
    NoMaximum(&'static str),
    /// Failure times of a repairable system out of order or past the end.
    #[error(
        "failure time #{index} ({value} h) must be at least the previous one and at most the end time {end} h"
    )]
    FailureTimeOutOfOrder {
        /// Zero-based position.
        index: usize,
        /// The value.
        value: f64,
        /// The observation end.
        end: f64,
    },
    /// A duration that is negative, not finite or larger than its total.
    #[error("{what} must be between 0 and its total, got {hours} h")]
    InvalidDuration {
        /// Which duration.
        what: &'static str,
        /// The value, hours.
        hours: f64,
    },
    /// A ratio whose denominator is zero.
    #[error("undefined: {0}")]
    Undefined(&'static str),
    /// A negative duration.
    #[error("repair #{index} has a negative {what} time")]
    NegativeDuration {
        /// Zero-based position.
        index: usize,
        /// Which component.
        what: &'static str,
    },
    /// A repair whose restoration precedes its start event.
    #[error("repair #{index} is restored before it {what}")]
    RepairOutOfOrder {
        /// Zero-based position.
        index: usize,
        /// Which event comes after the restoration.
        what: &'static str,
    },
}
