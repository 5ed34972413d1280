//! Failure risk per asset, with its inputs and their contributions, a
//! ranking and the predictive-order decision (issue 14 item 3; reference §3).
//!
//! # The probability
//! `P(failure in the next N run-hours | t run-hours since the last repair)`
//! under the asset's **class model**, pooled over the assets of its class
//! (same model): a Weibull fitted to the class's times between failures in
//! run-hours, suspensions included (each asset's run since its last failure),
//! so `P = 1 − exp((t/η)^β − ((t + N)/η)^β)`. With fewer than
//! [`ClassModelOptions::min_failures_for_weibull`] failures (default 5), or if
//! the fit does not exist, the class falls back to the HPP:
//! `P = 1 − exp(−λN)`, `λ = failures / run-hours` (memoryless: the run since
//! repair then contributes nothing).
//!
//! # Condition evidence
//! The class model knows only run-hours. The other inputs the seed system fed
//! its opaque score (asset age, days since the last maintenance, recent
//! corrective and high-priority orders, average repair hours, order completion
//! rate, active anomalies) enter as **hazard multipliers** in the
//! proportional-hazards form `P' = 1 − (1 − P)^M`, `M = Π mᵢ`, capped at
//! [`RiskWeights::max_multiplier`]. The multipliers are configurable
//! engineering judgement, not fitted; [`RiskWeights::default`] documents each.
//! Setting a weight to 1 removes its input from the score.
//!
//! # Explanation
//! Every [`RiskAssessment`] lists each input with its value, its multiplier
//! and its contribution in probability points: for run-hours since repair,
//! `P(t) − P(0)` under the class model; for a multiplier, the final
//! probability minus the probability without it. So a supervisor sees that a
//! pump ranks first because, say, 2 active anomalies add 18 points.

use super::weibull::{Lifetime, WeibullFit, conditional_failure_probability, fit_weibull};
use super::{Confidence, ReliabilityError};
use crate::ids::{AssetId, WorkOrderId};
use crate::vocab::{Lang, vocabulary};

/// The failure model of a class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClassModel {
    /// Weibull fitted to the class's lifetimes.
    Weibull(WeibullFit),
    /// Constant rate: too few failures for a Weibull.
    Hpp {
        /// Failures in the class.
        failures: usize,
        /// Run-hours observed in the class.
        run_hours: f64,
        /// λ = failures / run-hours.
        rate_per_hour: f64,
    },
}

impl ClassModel {
    /// P(failure in the next `next` run-hours | `age` run-hours since repair).
    #[must_use]
    pub fn probability(&self, age: f64, next: f64) -> f64 {
        match self {
            ClassModel::Weibull(f) => conditional_failure_probability(age, next, f.beta, f.eta),
            ClassModel::Hpp { rate_per_hour, .. } => {
                (-(-rate_per_hour * next.max(0.0)).exp_m1()).clamp(0.0, 1.0)
            }
        }
    }

    /// `weibull` or `hpp`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            ClassModel::Weibull(_) => "weibull",
            ClassModel::Hpp { .. } => "hpp",
        }
    }
}

/// Options of [`class_model`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassModelOptions {
    /// Fewest failures for a Weibull (default 5); fewer fall back to the HPP.
    pub min_failures_for_weibull: usize,
    /// Confidence of the Weibull bounds (default 90 %).
    pub confidence: Confidence,
}

impl Default for ClassModelOptions {
    fn default() -> ClassModelOptions {
        ClassModelOptions {
            min_failures_for_weibull: 5,
            confidence: Confidence::NINETY,
        }
    }
}

/// One asset's lifetimes in run-hours: the gaps between its cumulative
/// run-hours at each failure (the first from the start of the record), and
/// the run since the last failure as a suspension.
///
/// # Errors
/// [`ReliabilityError::FailureTimeOutOfOrder`] if the cumulative hours
/// decrease or exceed `run_hours_now`.
pub fn lifetimes_from_failures(
    cumulative_failure_hours: &[f64],
    run_hours_now: f64,
) -> Result<Vec<Lifetime>, ReliabilityError> {
    let mut out = Vec::with_capacity(cumulative_failure_hours.len() + 1);
    let mut previous = 0.0;
    for (index, &t) in cumulative_failure_hours.iter().enumerate() {
        if !t.is_finite() || t < previous || t > run_hours_now {
            return Err(ReliabilityError::FailureTimeOutOfOrder {
                index,
                value: t,
                end: run_hours_now,
            });
        }
        if t > previous {
            out.push(Lifetime::failure(t - previous));
        }
        previous = t;
    }
    if run_hours_now > previous {
        out.push(Lifetime::suspension(run_hours_now - previous));
    }
    Ok(out)
}

/// The pooled model of a class from its assets' lifetimes.
///
/// # Errors
/// [`ReliabilityError::NoData`] without any run-hours.
pub fn class_model(
    lifetimes: &[Lifetime],
    options: ClassModelOptions,
) -> Result<ClassModel, ReliabilityError> {
    let run_hours: f64 = lifetimes.iter().map(|l| l.hours.max(0.0)).sum();
    if lifetimes.is_empty() || run_hours <= 0.0 {
        return Err(ReliabilityError::NoData);
    }
    let failures = lifetimes.iter().filter(|l| l.failed).count();
    if failures >= options.min_failures_for_weibull
        && let Ok(fit) = fit_weibull(lifetimes, options.confidence)
    {
        return Ok(ClassModel::Weibull(fit));
    }
    Ok(ClassModel::Hpp {
        failures,
        run_hours,
        rate_per_hour: failures as f64 / run_hours,
    })
}

/// The inputs of one asset's risk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiskInputs {
    /// The asset.
    pub asset: AssetId,
    /// Run-hours since the last repair (or since commissioning).
    pub run_hours_since_repair: f64,
    /// Calendar age, days.
    pub age_days: Option<f64>,
    /// Days since the last maintenance of any kind.
    pub days_since_last_maintenance: Option<f64>,
    /// Corrective orders in the recent window (the wiring's choice, e.g. 90 days).
    pub recent_corrective_orders: u32,
    /// High-priority orders in the same window.
    pub recent_high_priority_orders: u32,
    /// Mean repair hours (shown: the consequence of a failure).
    pub mean_repair_hours: Option<f64>,
    /// Share of the asset's orders completed, 0 to 1.
    pub completion_rate: Option<f64>,
    /// Active anomaly alarms on the asset's channels.
    pub active_anomalies: u32,
}

/// Hazard multipliers of the condition evidence (engineering judgement;
/// configurable). Each default is stated on its field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiskWeights {
    /// Per recent corrective order: 1.15 (repeat failures hint the cause was not removed).
    pub per_recent_corrective: f64,
    /// Per recent high-priority order: 1.25.
    pub per_recent_high_priority: f64,
    /// Per active anomaly: 1.5 (condition evidence is the strongest sign).
    pub per_active_anomaly: f64,
    /// Days without maintenance that count as normal: 180.
    pub maintenance_reference_days: f64,
    /// Multiplier per further `maintenance_reference_days` without maintenance: 1.2.
    pub per_overdue_period: f64,
    /// Calendar age that counts as one period: 3650 days (10 years).
    pub age_reference_days: f64,
    /// Multiplier per age period: 1.1 (run-hours already carry most of the wear).
    pub per_age_period: f64,
    /// Multiplier when no order is completed (scaled by 1 − completion rate): 1.3.
    pub incomplete_orders: f64,
    /// Multiplier per mean repair hour: 1.0 (shown, not scored: it is consequence, not likelihood).
    pub per_repair_hour: f64,
    /// Cap on the product of the multipliers: 10.
    pub max_multiplier: f64,
}

impl Default for RiskWeights {
    fn default() -> RiskWeights {
        RiskWeights {
            per_recent_corrective: 1.15,
            per_recent_high_priority: 1.25,
            per_active_anomaly: 1.5,
            maintenance_reference_days: 180.0,
            per_overdue_period: 1.2,
            age_reference_days: 3650.0,
            per_age_period: 1.1,
            incomplete_orders: 1.3,
            per_repair_hour: 1.0,
            max_multiplier: 10.0,
        }
    }
}

vocabulary!(
    /// An input of the risk score.
    RiskInput {
        /// Run-hours since the last repair, under the class model.
        RunHoursSinceRepair => "run_hours_since_repair",
        /// The class model itself (the risk of a just-repaired unit).
        ClassModel => "class_model",
        /// Calendar age.
        AgeDays => "age_days",
        /// Days since the last maintenance.
        DaysSinceLastMaintenance => "days_since_last_maintenance",
        /// Recent corrective orders.
        RecentCorrectiveOrders => "recent_corrective_orders",
        /// Recent high-priority orders.
        RecentHighPriorityOrders => "recent_high_priority_orders",
        /// Mean repair hours.
        MeanRepairHours => "mean_repair_hours",
        /// Order completion rate.
        CompletionRate => "completion_rate",
        /// Active anomalies.
        ActiveAnomalies => "active_anomalies",
    }
);

impl RiskInput {
    /// The name shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, RiskInput::RunHoursSinceRepair) => {
                "horas de operación desde la última reparación"
            }
            (Lang::Es, RiskInput::ClassModel) => "modelo de la clase",
            (Lang::Es, RiskInput::AgeDays) => "edad (días)",
            (Lang::Es, RiskInput::DaysSinceLastMaintenance) => "días desde el último mantenimiento",
            (Lang::Es, RiskInput::RecentCorrectiveOrders) => "órdenes correctivas recientes",
            (Lang::Es, RiskInput::RecentHighPriorityOrders) => {
                "órdenes de alta prioridad recientes"
            }
            (Lang::Es, RiskInput::MeanRepairHours) => "horas promedio de reparación",
            (Lang::Es, RiskInput::CompletionRate) => "tasa de completitud de órdenes",
            (Lang::Es, RiskInput::ActiveAnomalies) => "anomalías activas",
            (Lang::En, RiskInput::RunHoursSinceRepair) => "run-hours since the last repair",
            (Lang::En, RiskInput::ClassModel) => "class model",
            (Lang::En, RiskInput::AgeDays) => "age (days)",
            (Lang::En, RiskInput::DaysSinceLastMaintenance) => "days since the last maintenance",
            (Lang::En, RiskInput::RecentCorrectiveOrders) => "recent corrective orders",
            (Lang::En, RiskInput::RecentHighPriorityOrders) => "recent high-priority orders",
            (Lang::En, RiskInput::MeanRepairHours) => "mean repair hours",
            (Lang::En, RiskInput::CompletionRate) => "order completion rate",
            (Lang::En, RiskInput::ActiveAnomalies) => "active anomalies",
        }
    }
}

/// One input's part in the score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contribution {
    /// Which input.
    pub input: RiskInput,
    /// Its value (`None` when unknown).
    pub value: Option<f64>,
    /// Its hazard multiplier (1 for the class model and run-hours).
    pub multiplier: f64,
    /// Its contribution to the final probability, in points (0–100).
    pub points: f64,
}

/// The risk of one asset, explained.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskAssessment {
    /// The asset.
    pub asset: AssetId,
    /// The horizon N, run-hours.
    pub horizon_run_hours: f64,
    /// The class model used.
    pub model: ClassModel,
    /// P under the class model alone.
    pub model_probability: f64,
    /// The product of the multipliers (capped).
    pub multiplier: f64,
    /// The final probability `1 − (1 − P)^M`.
    pub probability: f64,
    /// Every input with its contribution, largest first.
    pub contributions: Vec<Contribution>,
}

fn finite_or_none(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn adjusted(p: f64, m: f64) -> f64 {
    if p >= 1.0 {
        return 1.0;
    }
    // 1 − (1 − p)^m, precise for small p.
    (-(m * (-p).ln_1p()).exp_m1()).clamp(0.0, 1.0)
}

/// Assess one asset.
#[must_use]
pub fn assess(
    inputs: &RiskInputs,
    model: &ClassModel,
    horizon_run_hours: f64,
    weights: &RiskWeights,
) -> RiskAssessment {
    let t = inputs.run_hours_since_repair.max(0.0);
    let p_fresh = model.probability(0.0, horizon_run_hours);
    let p_model = model.probability(t, horizon_run_hours);
    let w = weights;
    let periods = |value: Option<f64>, reference: f64| -> f64 {
        match value {
            Some(v) if reference > 0.0 => (v / reference).max(0.0),
            _ => 0.0,
        }
    };
    let age = finite_or_none(inputs.age_days);
    let since_maint = finite_or_none(inputs.days_since_last_maintenance);
    let repair_h = finite_or_none(inputs.mean_repair_hours);
    let completion = finite_or_none(inputs.completion_rate).map(|c| c.clamp(0.0, 1.0));
    let factors: [(RiskInput, Option<f64>, f64); 7] = [
        (
            RiskInput::AgeDays,
            age,
            w.per_age_period.powf(periods(age, w.age_reference_days)),
        ),
        (
            RiskInput::DaysSinceLastMaintenance,
            since_maint,
            w.per_overdue_period
                .powf((periods(since_maint, w.maintenance_reference_days) - 1.0).max(0.0)),
        ),
        (
            RiskInput::RecentCorrectiveOrders,
            Some(f64::from(inputs.recent_corrective_orders)),
            w.per_recent_corrective
                .powf(f64::from(inputs.recent_corrective_orders)),
        ),
        (
            RiskInput::RecentHighPriorityOrders,
            Some(f64::from(inputs.recent_high_priority_orders)),
            w.per_recent_high_priority
                .powf(f64::from(inputs.recent_high_priority_orders)),
        ),
        (
            RiskInput::MeanRepairHours,
            repair_h,
            w.per_repair_hour.powf(repair_h.unwrap_or(0.0).max(0.0)),
        ),
        (
            RiskInput::CompletionRate,
            completion,
            w.incomplete_orders.powf(1.0 - completion.unwrap_or(1.0)),
        ),
        (
            RiskInput::ActiveAnomalies,
            Some(f64::from(inputs.active_anomalies)),
            w.per_active_anomaly
                .powf(f64::from(inputs.active_anomalies)),
        ),
    ];
    let cap = if w.max_multiplier.is_finite() && w.max_multiplier >= 1.0 {
        w.max_multiplier
    } else {
        f64::INFINITY
    };
    let product = |skip: Option<usize>| -> f64 {
        factors
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(_, f)| {
                if f.2.is_finite() && f.2 > 0.0 {
                    f.2
                } else {
                    1.0
                }
            })
            .product::<f64>()
            .min(cap)
    };
    let multiplier = product(None);
    let probability = adjusted(p_model, multiplier);
    let mut contributions = vec![
        Contribution {
            input: RiskInput::ClassModel,
            value: None,
            multiplier: 1.0,
            points: 100.0 * p_fresh,
        },
        Contribution {
            input: RiskInput::RunHoursSinceRepair,
            value: Some(t),
            multiplier: 1.0,
            points: 100.0 * (p_model - p_fresh),
        },
    ];
    for (i, (input, value, m)) in factors.iter().enumerate() {
        contributions.push(Contribution {
            input: *input,
            value: *value,
            multiplier: *m,
            points: 100.0 * (probability - adjusted(p_model, product(Some(i)))),
        });
    }
    contributions.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));
    RiskAssessment {
        asset: inputs.asset,
        horizon_run_hours,
        model: *model,
        model_probability: p_model,
        multiplier,
        probability,
        contributions,
    }
}

impl RiskAssessment {
    /// One sentence for people: the probability and the largest contributions.
    #[must_use]
    pub fn summary(&self, lang: Lang) -> String {
        let top: Vec<String> = self
            .contributions
            .iter()
            .filter(|c| c.points.abs() >= 0.05)
            .take(3)
            .map(|c| format!("{} {:+.1} pts", c.input.label(lang), c.points))
            .collect();
        let model = match (&self.model, lang) {
            (ClassModel::Weibull(f), _) => format!("Weibull β {:.2}, η {:.0} h", f.beta, f.eta),
            (
                ClassModel::Hpp {
                    failures,
                    run_hours,
                    ..
                },
                Lang::Es,
            ) => {
                format!("tasa constante, {failures} fallas en {run_hours:.0} h")
            }
            (
                ClassModel::Hpp {
                    failures,
                    run_hours,
                    ..
                },
                Lang::En,
            ) => {
                format!("constant rate, {failures} failures in {run_hours:.0} h")
            }
        };
        match lang {
            Lang::Es => format!(
                "Probabilidad de falla en las próximas {:.0} h de operación: {:.1} % ({model}); aportes: {}",
                self.horizon_run_hours,
                100.0 * self.probability,
                top.join(", ")
            ),
            Lang::En => format!(
                "Probability of failure in the next {:.0} run-hours: {:.1} % ({model}); contributions: {}",
                self.horizon_run_hours,
                100.0 * self.probability,
                top.join(", ")
            ),
        }
    }
}

/// Riskiest first; ties by the larger condition multiplier, then by asset id.
pub fn rank(assessments: &mut [RiskAssessment]) {
    assessments.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(b.multiplier.total_cmp(&a.multiplier))
            .then(a.asset.cmp(&b.asset))
    });
}

/// What to do about one asset's risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskDecision {
    /// Above the threshold and no predictive order open: raise one.
    RaisePredictiveOrder,
    /// Above the threshold, but its predictive order is still open: nothing.
    AlreadyOpen(WorkOrderId),
    /// At or below the threshold.
    BelowThreshold,
}

/// The nightly decision: one predictive order per asset until it is closed.
#[must_use]
pub fn decide(
    assessment: &RiskAssessment,
    threshold: f64,
    open_predictive_order: Option<WorkOrderId>,
) -> RiskDecision {
    if assessment.probability <= threshold {
        RiskDecision::BelowThreshold
    } else if let Some(order) = open_predictive_order {
        RiskDecision::AlreadyOpen(order)
    } else {
        RiskDecision::RaisePredictiveOrder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reliability::weibull::tests_support::nist_8_4_1_3;

    fn quiet(asset: i64, hours: f64) -> RiskInputs {
        RiskInputs {
            asset: AssetId(asset),
            run_hours_since_repair: hours,
            age_days: None,
            days_since_last_maintenance: None,
            recent_corrective_orders: 0,
            recent_high_priority_orders: 0,
            mean_repair_hours: None,
            completion_rate: None,
            active_anomalies: 0,
        }
    }

    fn nist_model() -> ClassModel {
        class_model(&nist_8_4_1_3(), ClassModelOptions::default()).unwrap()
    }

    #[test]
    fn probability_is_the_weibull_conditional_under_the_pooled_class_model() {
        let model = nist_model();
        let ClassModel::Weibull(fit) = model else {
            panic!("expected a Weibull, got {model:?}");
        };
        let a = assess(&quiet(1, 400.0), &model, 100.0, &RiskWeights::default());
        let expected =
            1.0 - ((400.0 / fit.eta).powf(fit.beta) - (500.0 / fit.eta).powf(fit.beta)).exp();
        assert!((a.probability - expected).abs() < 1e-12);
        assert_eq!(a.multiplier, 1.0);
        // Wear-out (β > 1): the run since repair is what makes it risky.
        let run = a
            .contributions
            .iter()
            .find(|c| c.input == RiskInput::RunHoursSinceRepair)
            .unwrap();
        let fresh = a
            .contributions
            .iter()
            .find(|c| c.input == RiskInput::ClassModel)
            .unwrap();
        assert!((run.points + fresh.points - 100.0 * a.probability).abs() < 1e-9);
        assert!(run.points > 0.0);
    }

    #[test]
    fn thin_class_data_falls_back_to_the_hpp() {
        let lifetimes = [
            Lifetime::failure(300.0),
            Lifetime::suspension(500.0),
            Lifetime::suspension(200.0),
        ];
        let model = class_model(&lifetimes, ClassModelOptions::default()).unwrap();
        assert_eq!(
            model,
            ClassModel::Hpp {
                failures: 1,
                run_hours: 1_000.0,
                rate_per_hour: 0.001
            }
        );
        let a = assess(&quiet(1, 0.0), &model, 100.0, &RiskWeights::default());
        let b = assess(&quiet(1, 5_000.0), &model, 100.0, &RiskWeights::default());
        assert!((a.probability - (1.0 - (-0.1_f64).exp())).abs() < 1e-12);
        assert_eq!(a.probability, b.probability);
        assert_eq!(
            class_model(&[], ClassModelOptions::default()),
            Err(ReliabilityError::NoData)
        );
    }

    #[test]
    fn anomalies_and_orders_raise_the_risk_and_say_by_how_much() {
        let model = nist_model();
        let w = RiskWeights::default();
        let mut troubled = quiet(2, 300.0);
        troubled.active_anomalies = 2;
        troubled.recent_high_priority_orders = 1;
        let healthy = assess(&quiet(1, 300.0), &model, 100.0, &w);
        let t = assess(&troubled, &model, 100.0, &w);
        assert!((t.multiplier - 1.5 * 1.5 * 1.25).abs() < 1e-12);
        assert!(
            (t.probability - (1.0 - (1.0 - t.model_probability).powf(t.multiplier))).abs() < 1e-12
        );
        assert!(t.probability > healthy.probability);
        assert_eq!(t.contributions[0].input, RiskInput::ActiveAnomalies);
        let summary = t.summary(Lang::Es);
        assert!(
            summary.starts_with("Probabilidad de falla en las próximas 100 h de operación"),
            "{summary}"
        );
        assert!(summary.contains("anomalías activas"), "{summary}");
        let mut all = vec![healthy, t];
        rank(&mut all);
        assert_eq!(all[0].asset, AssetId(2));
    }

    #[test]
    fn one_predictive_order_until_it_is_closed() {
        let model = nist_model();
        let risky = assess(&quiet(1, 480.0), &model, 200.0, &RiskWeights::default());
        let healthy = assess(&quiet(2, 10.0), &model, 200.0, &RiskWeights::default());
        assert_eq!(
            decide(&risky, 0.3, None),
            RiskDecision::RaisePredictiveOrder
        );
        assert_eq!(
            decide(&risky, 0.3, Some(WorkOrderId(7))),
            RiskDecision::AlreadyOpen(WorkOrderId(7))
        );
        assert_eq!(decide(&healthy, 0.3, None), RiskDecision::BelowThreshold);
    }

    #[test]
    fn lifetimes_come_from_cumulative_failure_hours_with_the_open_run_censored() {
        let l = lifetimes_from_failures(&[100.0, 250.0, 400.0], 520.0).unwrap();
        assert_eq!(
            l,
            vec![
                Lifetime::failure(100.0),
                Lifetime::failure(150.0),
                Lifetime::failure(150.0),
                Lifetime::suspension(120.0)
            ]
        );
        assert!(lifetimes_from_failures(&[100.0, 50.0], 520.0).is_err());
        assert!(lifetimes_from_failures(&[600.0], 520.0).is_err());
    }

    #[test]
    fn unknown_inputs_are_neutral_and_shown_as_unknown() {
        let a = assess(
            &quiet(1, 100.0),
            &nist_model(),
            50.0,
            &RiskWeights::default(),
        );
        let age = a
            .contributions
            .iter()
            .find(|c| c.input == RiskInput::AgeDays)
            .unwrap();
        assert_eq!((age.value, age.multiplier, age.points), (None, 1.0, 0.0));
    }
}
