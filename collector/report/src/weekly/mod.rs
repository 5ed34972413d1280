//! The weekly report as a [`Document`]: the cover's headline figures, then
//! one section per KPI group with its charts and tables. Every figure is
//! formatted here once ([`crate::format`]); the PDF and the e-mail print
//! these strings.
//!
//! The charts are also available alone ([`weekly_charts`]) for the web pages.

use std::collections::BTreeMap;

use caudal_collector_domain::DAY_MS;
use caudal_collector_domain::Lang;
use caudal_collector_domain::maintenance::kpi::OrderCounts;
use caudal_collector_domain::maintenance::work_order::{WorkKind, WorkState};
use caudal_collector_domain::reliability::kpi::{Kpis, Scope};
use caudal_collector_domain::reliability::risk::{
    ClassModel, Contribution, RiskAssessment, RiskInput, rank,
};
use caudal_collector_domain::reliability::{Availability, MtbfFigure};

use crate::ReportError;
use crate::charts::{
    BarChart, Chart, HBarChart, HBarRow, LineChart, NumberFormat, Series, StackedBarChart, Target,
    Unit,
};
use crate::document::{Block, Column, Document, Headline, Section, Table};
use crate::format;
use crate::labels::{self, Labels};
use crate::model::{
    AssetDowntime, AvailabilityPoint, BACKLOG_TARGET_WEEKS, IsoWeek, PM_COMPLIANCE_TARGET,
    WeeklyReport,
};

/// Rows of a ranking chart (the tables list every row, except the risk
/// ranking's: [`RISK_TABLE_ROWS`]).
pub const CHART_RANKING_ROWS: usize = 12;

/// Assets the risk table lists with their inputs (the riskiest); the others
/// are counted in a line below it and are in the API.
pub const RISK_TABLE_ROWS: usize = 20;

/// The MTBF as printed: `412,5 h`, or `datos insuficientes` below 3 failures
/// (never 0).
#[must_use]
pub fn mtbf_text(lang: Lang, m: &MtbfFigure) -> String {
    match m.mtbf_hours() {
        Some(h) => format::hours(lang, h),
        None => Labels::get(lang).insufficient_data.to_owned(),
    }
}

/// The MTBF's χ² lower bound as printed, or "sin datos" without operating time.
#[must_use]
pub fn mtbf_lower_text(lang: Lang, m: &MtbfFigure) -> String {
    match m.bounds() {
        Some(b) => format::hours(lang, b.lower_hours),
        None => Labels::get(lang).no_data.to_owned(),
    }
}

fn opt_hours(lang: Lang, h: Option<f64>) -> String {
    h.map_or_else(
        || Labels::get(lang).no_data.to_owned(),
        |h| format::hours(lang, h),
    )
}

fn opt_percent(lang: Lang, f: Option<f64>) -> String {
    f.map_or_else(
        || Labels::get(lang).no_data.to_owned(),
        |f| format::percent(lang, f, 1),
    )
}

fn crew_weeks(lang: Lang, w: Option<f64>) -> String {
    let l = Labels::get(lang);
    w.map_or_else(
        || l.no_data.to_owned(),
        |w| format!("{} {}", format::number(lang, w, 1), l.crew_weeks),
    )
}

fn count(lang: Lang, n: u32) -> String {
    format::count(lang, u64::from(n))
}

fn usize_count(lang: Lang, n: usize) -> String {
    format::count(lang, u64::try_from(n).unwrap_or(u64::MAX))
}

fn open_orders(c: &OrderCounts) -> u32 {
    c.by_state
        .iter()
        .filter(|(s, _)| s.is_open())
        .map(|(_, n)| *n)
        .sum()
}

fn by_state_kind(c: &OrderCounts) -> BTreeMap<(WorkState, WorkKind), u32> {
    let mut m = BTreeMap::new();
    for ((s, k, _), n) in &c.by_all {
        *m.entry((*s, *k)).or_insert(0) += n;
    }
    m
}

fn week_label(lang: Lang, w: IsoWeek) -> String {
    let l = Labels::get(lang);
    format!(
        "{} {w}: {} {} {}",
        l.week,
        format::date(lang, w.first_day()),
        l.to,
        format::date(lang, w.last_day())
    )
}

fn confidence_label(lang: Lang, r: &WeeklyReport) -> String {
    let c = std::iter::once(&r.reliability.site)
        .chain(&r.reliability.by_class)
        .find_map(|k| k.mtbf.bounds().map(|b| b.confidence))
        .unwrap_or_default();
    let l = Labels::get(lang);
    format!("{} {}", l.lower_bound, format::percent(lang, c.get(), 0))
}

fn class_name(k: &Kpis, l: &Labels) -> String {
    match &k.scope {
        Scope::Class(c) => c.0.clone(),
        Scope::Site(_) | Scope::All => l.site.to_owned(),
        Scope::Asset(a) => a.to_string(),
    }
}

fn availability_of_week(r: &WeeklyReport) -> Option<Availability> {
    r.availability
        .weeks
        .iter()
        .find(|p| p.period == r.week)
        .and_then(|p| p.value)
}

/// The headline figures of the cover, in order.
#[must_use]
pub fn headlines(r: &WeeklyReport) -> Vec<Headline> {
    let lang = r.lang;
    let l = Labels::get(lang);
    let accepted: u32 = r.compliance.iter().map(|p| p.accepted).sum();
    let expected: u32 = r.compliance.iter().map(|p| p.expected).sum();
    let h = |label: &str, value: String| Headline {
        label: label.to_owned(),
        value,
    };
    vec![
        h(l.open_orders, count(lang, open_orders(&r.orders.counts))),
        h(l.completed_week, count(lang, r.orders.completed.total)),
        h(l.overdue_orders, usize_count(lang, r.orders.overdue.len())),
        h(
            l.availability_week,
            opt_percent(lang, availability_of_week(r).map(|a| a.value)),
        ),
        h(l.mtbf_site, mtbf_text(lang, &r.reliability.site.mtbf)),
        h(l.mttr_site, opt_hours(lang, r.reliability.site.mttr_hours)),
        h(l.backlog, crew_weeks(lang, r.backlog.total_crew_weeks)),
        h(l.pm_compliance, opt_percent(lang, r.pm.week.ratio)),
        h(
            l.slots_accepted,
            format!(
                "{} {} {}",
                count(lang, accepted),
                l.of,
                count(lang, expected)
            ),
        ),
        h(l.assets_down, usize_count(lang, r.downtime.len())),
    ]
}

fn orders_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let c = &r.orders.counts;
    let grid = by_state_kind(c);
    let kinds: Vec<WorkKind> = WorkKind::ALL.to_vec();
    let chart = StackedBarChart {
        id: "orders".to_owned(),
        title: l.orders_chart.to_owned(),
        categories: WorkState::ALL
            .iter()
            .map(|s| s.label(lang).to_owned())
            .collect(),
        series: kinds
            .iter()
            .map(|k| Series {
                name: k.label(lang).to_owned(),
                values: WorkState::ALL
                    .iter()
                    .map(|s| Some(f64::from(grid.get(&(*s, *k)).copied().unwrap_or(0))))
                    .collect(),
            })
            .collect(),
        format: NumberFormat::COUNT,
    };
    let mut columns = vec![Column::text(l.state)];
    columns.extend(kinds.iter().map(|k| Column::number(k.label(lang))));
    columns.push(Column::number(l.total));
    let mut rows: Vec<Vec<String>> = WorkState::ALL
        .iter()
        .map(|s| {
            let mut row = vec![s.label(lang).to_owned()];
            row.extend(
                kinds
                    .iter()
                    .map(|k| count(lang, grid.get(&(*s, *k)).copied().unwrap_or(0))),
            );
            row.push(count(lang, c.by_state.get(s).copied().unwrap_or(0)));
            row
        })
        .collect();
    let mut total = vec![l.total.to_owned()];
    total.extend(
        kinds
            .iter()
            .map(|k| count(lang, c.by_kind.get(k).copied().unwrap_or(0))),
    );
    total.push(count(lang, c.total));
    rows.push(total);
    let by_state = Table {
        caption: None,
        columns,
        rows,
        total_row: true,
    };

    let done = &r.orders.completed;
    let mut done_rows: Vec<Vec<String>> = kinds
        .iter()
        .map(|k| {
            vec![
                k.label(lang).to_owned(),
                count(lang, done.by_kind.get(k).copied().unwrap_or(0)),
            ]
        })
        .collect();
    done_rows.push(vec![l.total.to_owned(), count(lang, done.total)]);
    let completed = Table {
        caption: Some(l.completed_in_week.to_owned()),
        columns: vec![Column::text(l.kind), Column::number(l.completed_in_week)],
        rows: done_rows,
        total_row: true,
    };

    let mut blocks = vec![Block::Table(by_state), Block::Table(completed)];
    if r.orders.overdue.is_empty() {
        blocks.push(Block::Paragraph(l.no_overdue.to_owned()));
    } else {
        let rows = r
            .orders
            .overdue
            .iter()
            .map(|o| {
                vec![
                    o.order.id.to_string(),
                    o.asset_name.clone(),
                    o.title.clone(),
                    o.order.kind.label(lang).to_owned(),
                    o.order.priority.label(lang).to_owned(),
                    format::datetime(lang, r.zone, o.order.due_at),
                    format!(
                        "{} {}",
                        format::number(lang, o.order.overdue_ms as f64 / DAY_MS as f64, 1),
                        l.days
                    ),
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            caption: Some(l.overdue_title.to_owned()),
            columns: vec![
                Column::number(l.order),
                Column::flexible(l.asset),
                Column::wide(l.title),
                Column::text(l.kind),
                Column::text(l.priority),
                Column::text(l.due),
                Column::number(l.late_by),
            ],
            rows,
            total_row: false,
        }));
    }
    Section {
        id: "orders",
        title: l.orders_title.to_owned(),
        definition: l.orders_def.to_owned(),
        charts: vec![Chart::Stacked(chart)],
        blocks,
    }
}

fn reliability_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let rel = &r.reliability;
    let bound_label = confidence_label(lang, r);
    let failures_word =
        |n: u64| format!("{} {}", format::count(lang, n), l.failures.to_lowercase());
    let chart = HBarChart {
        id: "mtbf".to_owned(),
        title: l.mtbf_chart.to_owned(),
        rows: rel
            .by_class
            .iter()
            .map(|k| HBarRow {
                label: class_name(k, l),
                value: k.mtbf.mtbf_hours(),
                marker: k.mtbf.bounds().map(|b| b.lower_hours),
                note: match k.mtbf {
                    MtbfFigure::Estimated(_) => None,
                    MtbfFigure::InsufficientData { failures, .. } => Some(format!(
                        "{} ({})",
                        l.insufficient_data,
                        failures_word(failures)
                    )),
                },
            })
            .collect(),
        format: NumberFormat::HOURS,
        marker_label: Some(bound_label.clone()),
        x_max: None,
    };
    let row = |k: &Kpis| {
        vec![
            class_name(k, l),
            usize_count(lang, k.assets),
            format::hours(lang, k.operating_hours),
            format::count(lang, k.failures),
            mtbf_text(lang, &k.mtbf),
            mtbf_lower_text(lang, &k.mtbf),
            opt_hours(lang, k.mttr_hours),
            count(lang, k.repairs),
        ]
    };
    let mut rows: Vec<Vec<String>> = rel.by_class.iter().map(row).collect();
    rows.push(row(&rel.site));
    let table = Table {
        caption: Some(format!(
            "{}: {} {} {}",
            l.window,
            format::date(lang, rel.site.first_day),
            l.to,
            format::date(lang, rel.site.last_day)
        )),
        columns: vec![
            Column::text(l.class),
            Column::number(l.assets),
            Column::number(l.operating_hours),
            Column::number(l.failures),
            Column::number("MTBF"),
            Column::number(&bound_label),
            Column::number("MTTR"),
            Column::number(l.repairs),
        ],
        rows,
        total_row: true,
    };
    Section {
        id: "reliability",
        title: l.reliability_title.to_owned(),
        definition: l.reliability_def.to_owned(),
        charts: vec![Chart::HBar(chart)],
        blocks: vec![Block::Table(table)],
    }
}

fn availability_rows<T>(
    lang: Lang,
    points: &[AvailabilityPoint<T>],
    label: impl Fn(&T) -> String,
) -> Vec<Vec<String>> {
    let l = Labels::get(lang);
    points
        .iter()
        .map(|p| match p.value {
            Some(a) => vec![
                label(&p.period),
                format::percent(lang, a.value, 1),
                format::hours(lang, a.numerator_hours),
                format::hours(lang, a.denominator_hours),
            ],
            None => vec![
                label(&p.period),
                l.no_data.to_owned(),
                l.no_data.to_owned(),
                l.no_data.to_owned(),
            ],
        })
        .collect()
}

fn availability_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let a = &r.availability;
    let target = a.target.map(|t| Target {
        value: t,
        label: format!("{} {}", l.target, format::percent(lang, t, 1)),
    });
    let day_label = |d: &chrono::NaiveDate| {
        format!(
            "{} {}",
            format::weekday(lang, *d),
            format::short_date(lang, *d)
        )
    };
    let days = BarChart {
        id: "availability-days".to_owned(),
        title: l.availability_days_chart.to_owned(),
        categories: a.days.iter().map(|p| day_label(&p.period)).collect(),
        values: a.days.iter().map(|p| p.value.map(|v| v.value)).collect(),
        format: NumberFormat::PERCENT,
        target: target.clone(),
        y_max: Some(1.0),
    };
    let values: Vec<f64> = a
        .weeks
        .iter()
        .filter_map(|p| p.value.map(|v| v.value))
        .chain(a.target)
        .collect();
    let lowest = values.iter().copied().fold(1.0, f64::min);
    let weeks = LineChart {
        id: "availability-weeks".to_owned(),
        title: l.availability_weeks_chart.to_owned(),
        categories: a.weeks.iter().map(|p| p.period.to_string()).collect(),
        series: vec![Series {
            name: l.availability.to_owned(),
            values: a.weeks.iter().map(|p| p.value.map(|v| v.value)).collect(),
        }],
        format: NumberFormat::PERCENT,
        target,
        // Zoom on the range the figures use, in steps of 10 points.
        y_min: Some(((lowest - 0.05) * 10.0).floor().max(0.0) / 10.0),
        y_max: Some(1.0),
    };
    let columns = |first: &str| {
        vec![
            Column::text(first),
            Column::number(l.availability),
            Column::number(l.up_hours),
            Column::number(l.base_hours),
        ]
    };
    let day_table = Table {
        caption: None,
        columns: columns(l.day),
        rows: availability_rows(lang, &a.days, |d| format::date(lang, *d)),
        total_row: false,
    };
    let week_table = Table {
        caption: None,
        columns: columns(l.week),
        rows: availability_rows(lang, &a.weeks, IsoWeek::to_string),
        total_row: false,
    };
    Section {
        id: "availability",
        title: l.availability_title.to_owned(),
        definition: format!(
            "{}: {}.",
            l.availability,
            labels::availability_variant(lang, a.variant)
        ),
        charts: vec![Chart::Bar(days), Chart::Line(weeks)],
        blocks: vec![Block::Table(day_table), Block::Table(week_table)],
    }
}

fn backlog_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let b = &r.backlog;
    let (lo, mid, hi) = BACKLOG_TARGET_WEEKS;
    let chart = BarChart {
        id: "backlog".to_owned(),
        title: l.backlog_chart.to_owned(),
        categories: vec![l.backlog_total.to_owned(), l.backlog_ready.to_owned()],
        values: vec![b.total_crew_weeks, b.ready_crew_weeks],
        format: NumberFormat {
            unit: Unit::Plain,
            decimals: 1,
        },
        target: Some(Target {
            value: mid,
            label: format!(
                "{} {} ± {} {}",
                l.target,
                format::number(lang, mid, 0),
                format::number(lang, mid - lo, 0),
                l.crew_weeks
            ),
        }),
        y_max: Some(hi),
    };
    let table = Table {
        caption: None,
        columns: vec![
            Column::text(l.backlog),
            Column::number(l.estimated_hours),
            Column::number(l.orders),
            Column::number(l.crew_weeks),
        ],
        rows: vec![
            vec![
                l.backlog_total.to_owned(),
                format::hours(lang, b.total_hours),
                count(lang, b.total_orders),
                crew_weeks(lang, b.total_crew_weeks),
            ],
            vec![
                l.backlog_ready.to_owned(),
                format::hours(lang, b.ready_hours),
                count(lang, b.ready_orders),
                crew_weeks(lang, b.ready_crew_weeks),
            ],
        ],
        total_row: false,
    };
    Section {
        id: "backlog",
        title: l.backlog_title.to_owned(),
        definition: l.backlog_def.to_owned(),
        charts: vec![Chart::Bar(chart)],
        blocks: vec![
            Block::Table(table),
            Block::Paragraph(format!(
                "{}: {}. {}: {}.",
                l.crew_hours,
                format::hours(lang, b.weekly_crew_hours),
                l.without_estimate,
                count(lang, b.without_estimate)
            )),
        ],
    }
}

fn pm_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let weeks: Vec<(
        IsoWeek,
        &caudal_collector_domain::maintenance::kpi::PmCompliance,
    )> =
        r.pm.history
            .iter()
            .map(|(w, p)| (*w, p))
            .chain(std::iter::once((r.week, &r.pm.week)))
            .collect();
    let chart = LineChart {
        id: "pm".to_owned(),
        title: l.pm_chart.to_owned(),
        categories: weeks.iter().map(|(w, _)| w.to_string()).collect(),
        series: vec![Series {
            name: l.pm_compliance.to_owned(),
            values: weeks.iter().map(|(_, p)| p.ratio).collect(),
        }],
        format: NumberFormat::PERCENT,
        target: Some(Target {
            value: PM_COMPLIANCE_TARGET,
            label: format!(
                "{} {}",
                l.target,
                format::percent(lang, PM_COMPLIANCE_TARGET, 0)
            ),
        }),
        y_min: Some(0.0),
        y_max: Some(1.0),
    };
    let rows = weeks
        .iter()
        .map(|(w, p)| {
            vec![
                w.to_string(),
                count(lang, p.due),
                count(lang, p.on_time),
                count(lang, p.late),
                count(lang, p.missed),
                count(lang, p.pending),
                count(lang, p.cancelled),
                opt_percent(lang, p.ratio),
            ]
        })
        .collect();
    Section {
        id: "pm",
        title: l.pm_title.to_owned(),
        definition: l.pm_def.to_owned(),
        charts: vec![Chart::Line(chart)],
        blocks: vec![Block::Table(Table {
            caption: None,
            columns: vec![
                Column::text(l.week),
                Column::number(l.pm_due),
                Column::number(l.on_time),
                Column::number(l.late),
                Column::number(l.missed),
                Column::number(l.pending),
                Column::number(l.cancelled),
                Column::number(l.pm_compliance),
            ],
            rows,
            total_row: false,
        })],
    }
}

fn failure_modes_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let fm = &r.failure_modes;
    let mut modes = fm.modes.clone();
    modes.sort_by(|a, b| b.failures.cmp(&a.failures).then(a.code.cmp(&b.code)));
    let chart = HBarChart {
        id: "failure-modes".to_owned(),
        title: l.failure_modes_chart.to_owned(),
        rows: modes
            .iter()
            .take(CHART_RANKING_ROWS)
            .map(|m| HBarRow {
                label: format!("{} {}", m.code, m.label),
                value: Some(f64::from(m.failures)),
                marker: None,
                note: None,
            })
            .collect(),
        format: NumberFormat::COUNT,
        marker_label: None,
        x_max: None,
    };
    let window = format!(
        "{}: {} {} {}",
        l.window,
        format::date(lang, fm.first_day),
        l.to,
        format::date(lang, fm.last_day)
    );
    let blocks = if modes.is_empty() {
        vec![Block::Paragraph(format!(
            "{window}. {}",
            l.no_failure_modes
        ))]
    } else {
        vec![Block::Table(Table {
            caption: Some(window),
            columns: vec![
                Column::text(l.code),
                Column::wide(l.failure_mode),
                Column::number(l.failures),
                Column::number(l.downtime_hours),
            ],
            rows: modes
                .iter()
                .map(|m| {
                    vec![
                        m.code.clone(),
                        m.label.clone(),
                        count(lang, m.failures),
                        opt_hours(lang, m.downtime_hours),
                    ]
                })
                .collect(),
            total_row: false,
        })]
    };
    Section {
        id: "failure-modes",
        title: l.failure_modes_title.to_owned(),
        definition: "ISO 14224:2016".to_owned(),
        charts: if modes.is_empty() {
            Vec::new()
        } else {
            vec![Chart::HBar(chart)]
        },
        blocks,
    }
}

/// An input's value as printed in the risk table.
fn input_value(lang: Lang, c: &Contribution) -> Option<String> {
    let v = c.value?;
    Some(match c.input {
        RiskInput::RunHoursSinceRepair | RiskInput::MeanRepairHours => format::hours(lang, v),
        RiskInput::CompletionRate => format::percent(lang, v, 0),
        RiskInput::ClassModel => return None,
        RiskInput::AgeDays
        | RiskInput::DaysSinceLastMaintenance
        | RiskInput::RecentCorrectiveOrders
        | RiskInput::RecentHighPriorityOrders
        | RiskInput::ActiveAnomalies => format::number(lang, v, 0),
    })
}

/// The class model as printed: `Weibull β 1,85, η 4200 h` or
/// `tasa constante, 3 fallas en 12.000 h`.
#[must_use]
pub fn model_text(lang: Lang, m: &ClassModel) -> String {
    let l = Labels::get(lang);
    match m {
        ClassModel::Weibull(f) => format!(
            "Weibull β {}, η {}",
            format::number(lang, f.beta, 2),
            format::hours(lang, f.eta)
        ),
        ClassModel::Hpp {
            failures,
            run_hours,
            ..
        } => format!(
            "{}, {} {} / {}",
            l.constant_rate,
            usize_count(lang, *failures),
            l.failures.to_lowercase(),
            format::hours(lang, *run_hours)
        ),
    }
}

/// The main inputs of an assessment as printed: the three largest
/// contributions with their values and points.
#[must_use]
pub fn main_inputs_text(lang: Lang, a: &RiskAssessment) -> String {
    let l = Labels::get(lang);
    a.contributions
        .iter()
        .filter(|c| c.points.abs() >= 0.05)
        .take(3)
        .map(|c| {
            let sign = if c.points < 0.0 { "-" } else { "+" };
            let pts = format!(
                "{sign}{} {}",
                format::number(lang, c.points.abs(), 1),
                l.points
            );
            match input_value(lang, c) {
                Some(v) => format!("{} {v} ({pts})", c.input.label(lang)),
                None => format!("{} ({pts})", c.input.label(lang)),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn risk_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let mut assessments: Vec<RiskAssessment> =
        r.risk.rows.iter().map(|x| x.assessment.clone()).collect();
    rank(&mut assessments);
    let rows: Vec<&crate::model::RiskRow> = assessments
        .iter()
        .filter_map(|a| r.risk.rows.iter().find(|x| x.assessment.asset == a.asset))
        .collect();
    let chart = HBarChart {
        id: "risk".to_owned(),
        title: l.risk_chart.to_owned(),
        rows: rows
            .iter()
            .take(CHART_RANKING_ROWS)
            .map(|x| HBarRow {
                label: x.asset.name.clone(),
                value: Some(x.assessment.probability),
                marker: None,
                note: None,
            })
            .collect(),
        format: NumberFormat::PERCENT,
        marker_label: None,
        x_max: None,
    };
    let horizon = format::hours(lang, r.risk.horizon_run_hours);
    let definition = format!("{} N = {horizon}.", l.risk_def);
    if rows.is_empty() {
        return Section {
            id: "risk",
            title: l.risk_title.to_owned(),
            definition,
            charts: Vec::new(),
            blocks: vec![Block::Paragraph(l.no_risk.to_owned())],
        };
    }
    let table = Table {
        caption: None,
        columns: vec![
            Column::number("#"),
            Column::flexible(l.asset),
            Column::flexible(l.class),
            Column::number(l.probability),
            Column::flexible(l.model),
            Column::wide(l.main_inputs),
        ],
        rows: rows
            .iter()
            .take(RISK_TABLE_ROWS)
            .enumerate()
            .map(|(i, x)| {
                vec![
                    usize_count(lang, i + 1),
                    x.asset.name.clone(),
                    x.class.0.clone(),
                    format::percent(lang, x.assessment.probability, 1),
                    model_text(lang, &x.assessment.model),
                    main_inputs_text(lang, &x.assessment),
                ]
            })
            .collect(),
        total_row: false,
    };
    let mut blocks = vec![Block::Table(table)];
    if rows.len() > RISK_TABLE_ROWS {
        blocks.push(Block::Paragraph(format!(
            "{} ({}).",
            l.and_more(rows.len() - RISK_TABLE_ROWS),
            l.lower_risk
        )));
    }
    Section {
        id: "risk",
        title: l.risk_title.to_owned(),
        definition,
        charts: vec![Chart::HBar(chart)],
        blocks,
    }
}

fn compliance_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let points = &r.compliance;
    if points.is_empty() {
        return Section {
            id: "compliance",
            title: l.compliance_title.to_owned(),
            definition: l.compliance_def.to_owned(),
            charts: Vec::new(),
            blocks: vec![Block::Paragraph(l.no_compliance.to_owned())],
        };
    }
    // The chart shows the points with most missing slots.
    let mut shown: Vec<&crate::model::PointCompliance> = points.iter().collect();
    shown.sort_by(|a, b| {
        b.missing()
            .cmp(&a.missing())
            .then(a.point.name.cmp(&b.point.name))
    });
    shown.truncate(CHART_RANKING_ROWS);
    let series = |name: &str, f: fn(&crate::model::PointCompliance) -> u32| Series {
        name: name.to_owned(),
        values: shown.iter().map(|p| Some(f64::from(f(p)))).collect(),
    };
    let chart = StackedBarChart {
        id: "compliance".to_owned(),
        title: l.compliance_chart.to_owned(),
        categories: shown
            .iter()
            .map(|p| format!("{} {}", p.point.name, p.regulator))
            .collect(),
        series: vec![
            series(l.accepted, |p| p.accepted),
            series(l.pending, |p| p.pending),
            series(l.in_review, |p| p.in_review),
            series(l.rejected, |p| p.rejected),
            series(l.without_data, |p| p.without_data),
        ],
        format: NumberFormat::COUNT,
    };
    let row = |name: String, reg: String, p: [u32; 8]| {
        let mut v = vec![name, reg];
        v.extend(p.iter().map(|n| count(lang, *n)));
        v
    };
    let mut rows: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            row(
                p.point.name.clone(),
                p.regulator.clone(),
                [
                    p.expected,
                    p.accepted,
                    p.accepted_late,
                    p.missing(),
                    p.pending,
                    p.in_review,
                    p.rejected,
                    p.without_data,
                ],
            )
        })
        .collect();
    let sum = |f: fn(&crate::model::PointCompliance) -> u32| points.iter().map(f).sum::<u32>();
    rows.push(row(
        l.total.to_owned(),
        String::new(),
        [
            sum(|p| p.expected),
            sum(|p| p.accepted),
            sum(|p| p.accepted_late),
            sum(crate::model::PointCompliance::missing),
            sum(|p| p.pending),
            sum(|p| p.in_review),
            sum(|p| p.rejected),
            sum(|p| p.without_data),
        ],
    ));
    Section {
        id: "compliance",
        title: l.compliance_title.to_owned(),
        definition: l.compliance_def.to_owned(),
        charts: vec![Chart::Stacked(chart)],
        blocks: vec![Block::Table(Table {
            caption: None,
            columns: vec![
                Column::text(l.point),
                Column::text(l.regulator),
                Column::number(l.expected),
                Column::number(l.accepted),
                Column::number(l.of_which_late),
                Column::number(l.missing),
                Column::number(l.pending),
                Column::number(l.in_review),
                Column::number(l.rejected),
                Column::number(l.without_data),
            ],
            rows,
            total_row: true,
        })],
    }
}

/// The causes of one asset's downtime as printed: `falla 3,0 h; planificada 2,0 h`.
#[must_use]
pub fn causes_text(lang: Lang, d: &AssetDowntime) -> String {
    d.down_ms
        .iter()
        .filter(|(_, ms)| **ms > 0)
        .map(|(c, ms)| {
            format!(
                "{} {}",
                labels::down_cause(lang, *c),
                format::hours_ms(lang, *ms)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn downtime_section(r: &WeeklyReport) -> Section {
    let lang = r.lang;
    let l = Labels::get(lang);
    let mut down: Vec<&AssetDowntime> = r.downtime.iter().collect();
    down.sort_by(|a, b| {
        b.total_down_ms()
            .cmp(&a.total_down_ms())
            .then(a.asset.name.cmp(&b.asset.name))
    });
    if down.is_empty() {
        return Section {
            id: "downtime",
            title: l.downtime_title.to_owned(),
            definition: l.downtime_def.to_owned(),
            charts: Vec::new(),
            blocks: vec![Block::Paragraph(l.no_downtime.to_owned())],
        };
    }
    let hours = |ms: i64| ms as f64 / caudal_collector_domain::HOUR_MS as f64;
    let chart = HBarChart {
        id: "downtime".to_owned(),
        title: l.downtime_chart.to_owned(),
        rows: down
            .iter()
            .take(CHART_RANKING_ROWS)
            .map(|d| HBarRow {
                label: d.asset.name.clone(),
                value: Some(hours(d.total_down_ms())),
                marker: None,
                note: d.down_at_end.then(|| format!("({})", l.still_down)),
            })
            .collect(),
        format: NumberFormat::HOURS,
        marker_label: None,
        x_max: None,
    };
    let rows = down
        .iter()
        .map(|d| {
            let mut down = format::hours_ms(lang, d.total_down_ms());
            if d.down_at_end {
                down = format!("{down} ({})", l.still_down);
            }
            vec![
                d.asset.name.clone(),
                labels::asset_kind(lang, d.kind).to_owned(),
                count(lang, d.stops),
                down,
                causes_text(lang, d),
            ]
        })
        .collect();
    Section {
        id: "downtime",
        title: l.downtime_title.to_owned(),
        definition: l.downtime_def.to_owned(),
        charts: vec![Chart::HBar(chart)],
        blocks: vec![Block::Table(Table {
            caption: None,
            columns: vec![
                Column::flexible(l.asset),
                Column::text(l.kind),
                Column::number(l.stops),
                Column::number(l.down_total),
                Column::wide(l.by_cause),
            ],
            rows,
            total_row: false,
        })],
    }
}

/// The title, subtitle lines and footer of the weekly report.
fn front(r: &WeeklyReport) -> (String, Vec<String>, String) {
    let lang = r.lang;
    let l = Labels::get(lang);
    (
        l.weekly_title.to_owned(),
        vec![
            r.site.name.clone(),
            week_label(lang, r.week),
            format!("{}: {}", l.zone, r.zone.name()),
            format!(
                "{}: {}",
                l.generated,
                format::datetime(lang, r.zone, r.generated_at)
            ),
        ],
        format!("Caudal · {} · {} {}", r.site.name, l.week, r.week),
    )
}

/// The weekly report as a document (validated first).
///
/// # Errors
/// [`ReportError`] from [`WeeklyReport::validate`].
pub fn document(r: &WeeklyReport) -> Result<Document, ReportError> {
    r.validate()?;
    let (title, subtitle, footer) = front(r);
    Ok(Document {
        lang: r.lang,
        title,
        subtitle,
        headlines: headlines(r),
        sections: vec![
            orders_section(r),
            reliability_section(r),
            availability_section(r),
            backlog_section(r),
            pm_section(r),
            failure_modes_section(r),
            risk_section(r),
            compliance_section(r),
            downtime_section(r),
        ],
        footer,
    })
}

/// A chart of the weekly report, drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedChart {
    /// Its id (`orders`, `mtbf`, `availability-days`, …), also its file stem.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// Every chart of the weekly report as SVG, in the order of the sections
/// (for the web pages; the PDF and the e-mail draw the same ones).
///
/// # Errors
/// [`ReportError`] from validation or a chart.
pub fn weekly_charts(r: &WeeklyReport) -> Result<Vec<NamedChart>, ReportError> {
    let doc = document(r)?;
    charts_of(&doc)
}

pub(crate) fn charts_of(doc: &Document) -> Result<Vec<NamedChart>, ReportError> {
    doc.sections
        .iter()
        .flat_map(|s| &s.charts)
        .map(|c| {
            Ok(NamedChart {
                id: c.id().to_owned(),
                title: c.title().to_owned(),
                svg: c.to_svg(doc.lang)?,
            })
        })
        .collect()
}
