//! The daily checklist report (the 20:00 job; rules in [`super`]).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::{ChecklistInstance, ItemKey, Outcome};
use crate::maintenance::work_order::NewWorkOrder;
use crate::{AssetId, Lang, Zone};

/// Problems of one item on one asset on the report's day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProblemCounts {
    /// Verdict fail.
    pub fail: u32,
    /// Verdict flag.
    pub flag: u32,
    /// Number out of limits.
    pub out_of_limits: u32,
}

impl ProblemCounts {
    /// All problems.
    #[must_use]
    pub fn total(&self) -> u32 {
        self.fail + self.flag + self.out_of_limits
    }
}

/// An item with a problem on an asset today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLine {
    /// The asset.
    pub asset: AssetId,
    /// The item.
    pub key: ItemKey,
    /// Its label (as last filled).
    pub label: String,
    /// Whether it is critical.
    pub critical: bool,
    /// Today's problems.
    pub today: ProblemCounts,
    /// Problems of this item on this asset within the window, today included.
    pub in_window: u32,
    /// At least two problems within the window.
    pub repeat: bool,
}

/// The report of one day.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyReport {
    /// The local date.
    pub date: NaiveDate,
    /// The window for repeats, days.
    pub window_days: u32,
    /// Checklists filled that day.
    pub checklists: u32,
    /// Answers given that day.
    pub answered: u32,
    /// Answers with a problem that day.
    pub problems: u32,
    /// Items with a problem today: repeats first, then by count.
    pub lines: Vec<ReportLine>,
    /// The corrective requests of the day's checklists (already created at
    /// submission in the normal case; the keys make this a no-op then).
    pub follow_ups: Vec<NewWorkOrder>,
}

/// The report for `date` (local to `zone`) from the instances of the
/// window: those filled within `window_days` days up to and including
/// `date` (others are ignored; `0` counts as `1`).
#[must_use]
pub fn daily_report(
    instances: &[ChecklistInstance],
    date: NaiveDate,
    zone: Zone,
    window_days: u32,
    lang: Lang,
) -> DailyReport {
    let window_days = std::cmp::max(window_days, 1);
    let first = date
        .checked_sub_days(Days::new(u64::from(window_days - 1)))
        .unwrap_or(NaiveDate::MIN);
    let mut report = DailyReport {
        date,
        window_days,
        checklists: 0,
        answered: 0,
        problems: 0,
        lines: Vec::new(),
        follow_ups: Vec::new(),
    };
    let mut lines: BTreeMap<(AssetId, ItemKey), ReportLine> = BTreeMap::new();
    let mut window: BTreeMap<(AssetId, ItemKey), u32> = BTreeMap::new();
    for inst in instances {
        let day = zone.date(inst.checked.at);
        if day < first || day > date {
            continue;
        }
        let today = day == date;
        if today {
            report.checklists += 1;
            report.follow_ups.extend(inst.follow_ups(lang));
        }
        for a in &inst.checked.answers {
            if today && a.answer.is_some() {
                report.answered += 1;
            }
            if !a.outcome.is_problem() {
                continue;
            }
            let k = (inst.checked.asset, a.key.clone());
            *window.entry(k.clone()).or_insert(0) += 1;
            if !today {
                continue;
            }
            report.problems += 1;
            let line = lines.entry(k).or_insert_with(|| ReportLine {
                asset: inst.checked.asset,
                key: a.key.clone(),
                label: a.label.clone(),
                critical: a.critical,
                today: ProblemCounts::default(),
                in_window: 0,
                repeat: false,
            });
            match a.outcome {
                Outcome::Fail => line.today.fail += 1,
                Outcome::Flag => line.today.flag += 1,
                _ => line.today.out_of_limits += 1,
            }
        }
    }
    let mut lines: Vec<ReportLine> = lines
        .into_iter()
        .map(|(k, mut l)| {
            l.in_window = window.get(&k).copied().unwrap_or(0);
            l.repeat = l.in_window >= 2;
            l
        })
        .collect();
    lines.sort_by(|a, b| {
        b.repeat
            .cmp(&a.repeat)
            .then(b.in_window.cmp(&a.in_window))
            .then(a.asset.cmp(&b.asset))
            .then(a.key.cmp(&b.key))
    });
    report.lines = lines;
    report
}

impl DailyReport {
    /// The report as text (for the e-mail or message of the job).
    #[must_use]
    pub fn render(&self, lang: Lang) -> String {
        let mut out = match lang {
            Lang::En => format!(
                "Checklists of {}: {} filled, {} answers, {} with problems.\n",
                self.date, self.checklists, self.answered, self.problems
            ),
            Lang::Es => format!(
                "Checklists del {}: {} completados, {} respuestas, {} con problemas.\n",
                self.date, self.checklists, self.answered, self.problems
            ),
        };
        let repeats: Vec<&ReportLine> = self.lines.iter().filter(|l| l.repeat).collect();
        if !repeats.is_empty() {
            out.push_str(&match lang {
                Lang::En => format!("Repeat failures (last {} days):\n", self.window_days),
                Lang::Es => format!("Fallas repetidas (últimos {} días):\n", self.window_days),
            });
            for l in repeats {
                out.push_str(&match lang {
                    Lang::En => format!(
                        "- asset {}, {} ({}): {} times\n",
                        l.asset, l.label, l.key, l.in_window
                    ),
                    Lang::Es => format!(
                        "- activo {}, {} ({}): {} veces\n",
                        l.asset, l.label, l.key, l.in_window
                    ),
                });
            }
        }
        let once: Vec<&ReportLine> = self.lines.iter().filter(|l| !l.repeat).collect();
        if !once.is_empty() {
            out.push_str(match lang {
                Lang::En => "Problems today:\n",
                Lang::Es => "Problemas de hoy:\n",
            });
            for l in once {
                let what = match (lang, l.today) {
                    (Lang::En, c) if c.fail > 0 => "fail",
                    (Lang::En, c) if c.out_of_limits > 0 => "out of limits",
                    (Lang::En, _) => "flag",
                    (Lang::Es, c) if c.fail > 0 => "no conforme",
                    (Lang::Es, c) if c.out_of_limits > 0 => "fuera de límites",
                    (Lang::Es, _) => "observado",
                };
                out.push_str(&match lang {
                    Lang::En => format!("- asset {}, {} ({}): {what}\n", l.asset, l.label, l.key),
                    Lang::Es => format!("- activo {}, {} ({}): {what}\n", l.asset, l.label, l.key),
                });
            }
        }
        out.push_str(&match lang {
            Lang::En => format!("Corrective requests: {}\n", self.follow_ups.len()),
            Lang::Es => format!("Solicitudes correctivas: {}\n", self.follow_ups.len()),
        });
        out
    }
}
