//! When a plan will next be due: "due in about 9 days at the last 30 days'
//! usage". The calendar side is exact; the meter side divides what remains
//! to the threshold by the usage rate the caller measured
//! ([`Usage::from_history`]).

use chrono::NaiveDate;

use super::{Meters, Plan, PlanState, Usage, unit};
use crate::{Lang, MeterKind, UtcMillis};

/// The calendar side of a projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarDue {
    /// The next due date.
    pub date: NaiveDate,
    /// Days from today (negative: overdue).
    pub days: i64,
}

/// The meter side of a projection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeterDue {
    /// Which meter.
    pub kind: MeterKind,
    /// The next threshold.
    pub threshold: f64,
    /// The current reading, if known.
    pub reading: Option<f64>,
    /// Days until the threshold at the usage rate (0 when reached).
    pub days: Option<f64>,
    /// The usage rate used.
    pub usage: Option<Usage>,
}

/// When a plan will next be due, for one asset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    /// An order of the plan is open (its occurrence number): the next
    /// occurrence is counted when it is done.
    pub open: Option<u32>,
    /// The calendar side.
    pub calendar: Option<CalendarDue>,
    /// The meter side.
    pub meter: Option<MeterDue>,
    /// The meter has no reading yet.
    pub meter_missing: Option<MeterKind>,
}

/// Project a plan's next due date for one asset.
#[must_use]
pub fn project(plan: &Plan, state: &PlanState, meters: &Meters, now: UtcMillis) -> Projection {
    let spec = plan.spec();
    let today = spec.zone.date(now);
    let calendar = state.next_due.map(|date| CalendarDue {
        date,
        days: (date - today).num_days(),
    });
    let mut meter_missing = None;
    let meter = spec.meter.as_ref().and_then(|m| {
        let reading = meters.get(m.meter);
        let Some(threshold) = state.next_threshold.or_else(|| {
            // Not armed yet: it would be armed at this reading.
            reading.map(|r| {
                let fresh = PlanState::start(plan, state.asset, state.site, meters, now);
                fresh.next_threshold.unwrap_or(r.value + m.every)
            })
        }) else {
            meter_missing = Some(m.meter);
            return None;
        };
        let usage = reading.and_then(|r| r.usage);
        let days = reading.and_then(|r| {
            if r.value >= threshold {
                Some(0.0)
            } else {
                usage
                    .filter(|u| u.per_day > 0.0)
                    .map(|u| (threshold - r.value) / u.per_day)
            }
        });
        Some(MeterDue {
            kind: m.meter,
            threshold,
            reading: reading.map(|r| r.value),
            days,
            usage,
        })
    });
    Projection {
        open: state.open,
        calendar,
        meter,
        meter_missing,
    }
}

fn num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn days_word(n: i64, lang: Lang) -> &'static str {
    match (lang, n.abs() == 1) {
        (Lang::En, true) => "day",
        (Lang::En, false) => "days",
        (Lang::Es, true) => "día",
        (Lang::Es, false) => "días",
    }
}

impl Projection {
    /// Days until the first of the triggers, where known.
    #[must_use]
    pub fn due_in_days(&self) -> Option<f64> {
        let c = self.calendar.map(|c| c.days as f64);
        let m = self.meter.and_then(|m| m.days);
        match (c, m) {
            (Some(c), Some(m)) => Some(if m < c { m } else { c }),
            (c, m) => c.or(m),
        }
    }

    /// The projection as a person reads it.
    #[must_use]
    pub fn describe(&self, lang: Lang) -> String {
        if let Some(seq) = self.open {
            return match lang {
                Lang::En => format!("order {seq} of this plan is open"),
                Lang::Es => format!("la orden {seq} de este plan está abierta"),
            };
        }
        let meter_first = match (self.calendar, self.meter.and_then(|m| m.days)) {
            (Some(c), Some(d)) => d < c.days as f64,
            (None, Some(_)) => true,
            _ => false,
        };
        if meter_first
            && let Some(m) = self.meter
            && let Some(days) = m.days
        {
            let u = unit(m.kind, lang);
            let th = num(m.threshold);
            #[expect(
                clippy::cast_possible_truncation,
                reason = "a rounded day count of a projection, far inside i64"
            )]
            let n = days.round() as i64;
            if n <= 0 {
                let r = num(m.reading.unwrap_or(m.threshold));
                return match lang {
                    Lang::En => format!("due now: the meter reads {r} of {th} {u}"),
                    Lang::Es => format!("vence ahora: el medidor marca {r} de {th} {u}"),
                };
            }
            let w = m.usage.map_or(0, |u| u.window_days);
            let dw = days_word(n, lang);
            return match lang {
                Lang::En => format!("due in about {n} {dw} at the last {w} days' usage ({th} {u})"),
                Lang::Es => {
                    format!("vence en unos {n} {dw} al uso de los últimos {w} días ({th} {u})")
                }
            };
        }
        if let Some(c) = self.calendar {
            let n = c.days;
            let dw = days_word(n, lang);
            let date = c.date;
            return match (lang, n.signum()) {
                (Lang::En, 1) => format!("due on {date}, in {n} {dw}"),
                (Lang::En, 0) => format!("due today ({date})"),
                (Lang::En, _) => format!("overdue since {date}, {} {dw} ago", -n),
                (Lang::Es, 1) => format!("vence el {date}, en {n} {dw}"),
                (Lang::Es, 0) => format!("vence hoy ({date})"),
                (Lang::Es, _) => format!("vencida desde el {date}, hace {} {dw}", -n),
            };
        }
        if let Some(m) = self.meter {
            let u = unit(m.kind, lang);
            let th = num(m.threshold);
            let r = m.reading.map_or_else(|| "?".to_owned(), num);
            return match lang {
                Lang::En => format!("due at {th} {u}, now {r}; no recent usage to project"),
                Lang::Es => {
                    format!("vence a los {th} {u}, ahora {r}; sin uso reciente para proyectar")
                }
            };
        }
        let u = self.meter_missing.map_or("", |k| unit(k, lang));
        match lang {
            Lang::En => format!("no reading yet of the {u} meter"),
            Lang::Es => format!("aún no hay lectura del medidor de {u}"),
        }
    }
}
