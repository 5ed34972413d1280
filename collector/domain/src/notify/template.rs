//! Message templates in Spanish (default) and English: a subject, a plain
//! text body, a simple HTML body and a short form for SMS, plus the
//! structured fields a webhook carries.
//!
//! Every template has the same shape: a subject, a heading, labelled lines
//! and an optional link. Times are shown in the recipient's zone
//! (`11/06/2026 13:00 (America/Santiago)` in Spanish, `2026-06-11 13:00
//! (America/Santiago)` in English); numbers use the decimal comma and the
//! thousands dot in Spanish. Names given by users (alarm rules, sites,
//! assets, titles) are shown as written, never translated, and escaped in
//! HTML.

use caudal_protocol::UtcMillis;
use chrono::NaiveDate;

use super::event::{AlarmFacts, Payload};
use crate::{Lang, Severity, Zone};

/// Longest short form (one SMS segment in GSM-7).
pub const SHORT_MAX_CHARS: usize = 160;

/// A rendered message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// E-mail subject; first line of chat messages.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (a complete document).
    pub html: String,
    /// At most [`SHORT_MAX_CHARS`] characters, for SMS.
    pub short: String,
}

/// A structured value for webhooks.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A count or id.
    Int(i64),
    /// An instant (the webhook writes RFC 3339 UTC).
    Time(UtcMillis),
    /// A local date.
    Date(NaiveDate),
}

struct Doc {
    subject: String,
    heading: String,
    lines: Vec<(&'static str, String)>,
    link: Option<String>,
}

fn tr(lang: Lang, es: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Es => es,
        Lang::En => en,
    }
}

/// A number with `decimals` decimals in the language's notation.
#[must_use]
pub fn number(value: f64, decimals: usize, lang: Lang) -> String {
    let s = format!("{:.*}", decimals, value.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (thousands, point) = match lang {
        Lang::Es => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{frac}")
    }
}

/// An instant as a local time with the zone's name.
#[must_use]
pub fn time(t: UtcMillis, zone: Zone, lang: Lang) -> String {
    let local = zone.local(t);
    let f = match lang {
        Lang::Es => "%d/%m/%Y %H:%M",
        Lang::En => "%Y-%m-%d %H:%M",
    };
    format!("{} ({zone})", local.format(f))
}

fn date(d: NaiveDate, lang: Lang) -> String {
    d.format(match lang {
        Lang::Es => "%d/%m/%Y",
        Lang::En => "%Y-%m-%d",
    })
    .to_string()
}

fn place(a: &AlarmFacts) -> String {
    match (&a.point, &a.asset) {
        (_, Some(asset)) => format!("{asset} ({})", a.site),
        (Some(point), None) => format!("{point} ({})", a.site),
        (None, None) => a.site.clone(),
    }
}

fn alarm_lines(a: &AlarmFacts, zone: Zone, lang: Lang) -> Vec<(&'static str, String)> {
    let mut l = vec![
        (
            tr(lang, "Severidad", "Severity"),
            a.severity.label(lang).to_owned(),
        ),
        (tr(lang, "Sitio", "Site"), a.site.clone()),
    ];
    if let Some(p) = &a.point {
        l.push((tr(lang, "Punto", "Point"), p.clone()));
    }
    if let Some(x) = &a.asset {
        l.push((tr(lang, "Activo", "Asset"), x.clone()));
    }
    if let Some((v, unit)) = &a.value {
        l.push((
            tr(lang, "Valor", "Value"),
            format!("{} {unit}", number(*v, 2, lang)),
        ));
    }
    l.push((tr(lang, "Hora", "Time"), time(a.at, zone, lang)));
    l
}

fn upper(s: Severity, lang: Lang) -> String {
    s.label(lang).to_uppercase()
}

fn doc(payload: &Payload, lang: Lang, zone: Zone) -> Doc {
    match payload {
        Payload::AlarmRaised(a) => Doc {
            subject: format!(
                "[{}] {}: {} – {}",
                upper(a.severity, lang),
                tr(lang, "Alarma", "Alarm"),
                a.rule,
                place(a)
            ),
            heading: format!(
                "{}: {}",
                tr(lang, "Alarma activada", "Alarm raised"),
                a.rule
            ),
            lines: alarm_lines(a, zone, lang),
            link: a.link.clone(),
        },
        Payload::AlarmEscalated { alarm: a, from } => {
            let mut lines = alarm_lines(a, zone, lang);
            lines.insert(
                1,
                (
                    tr(lang, "Severidad anterior", "Previous severity"),
                    from.label(lang).to_owned(),
                ),
            );
            Doc {
                subject: format!(
                    "[{}] {}: {} – {}",
                    upper(a.severity, lang),
                    tr(lang, "Alarma escalada", "Alarm escalated"),
                    a.rule,
                    place(a)
                ),
                heading: format!(
                    "{}: {} ({} → {})",
                    tr(lang, "Alarma escalada", "Alarm escalated"),
                    a.rule,
                    from.label(lang),
                    a.severity.label(lang)
                ),
                lines,
                link: a.link.clone(),
            }
        }
        Payload::AlarmCleared(a) => Doc {
            subject: format!(
                "[{}] {}: {} – {}",
                tr(lang, "NORMALIZADA", "CLEARED"),
                tr(lang, "Alarma", "Alarm"),
                a.rule,
                place(a)
            ),
            heading: format!(
                "{}: {}",
                tr(lang, "Alarma normalizada", "Alarm cleared"),
                a.rule
            ),
            lines: alarm_lines(a, zone, lang),
            link: a.link.clone(),
        },
        Payload::WorkOrderAssigned(w) => {
            let mut lines = vec![
                (tr(lang, "Orden", "Order"), format!("#{}", w.order)),
                (tr(lang, "Título", "Title"), w.title.clone()),
                (tr(lang, "Sitio", "Site"), w.site.clone()),
            ];
            if let Some(a) = &w.asset {
                lines.push((tr(lang, "Activo", "Asset"), a.clone()));
            }
            if let Some(by) = &w.assigned_by {
                lines.push((tr(lang, "Asignada por", "Assigned by"), by.clone()));
            }
            if let Some(d) = w.due {
                lines.push((tr(lang, "Vence", "Due"), time(d, zone, lang)));
            }
            Doc {
                subject: format!(
                    "{} #{} {}: {}",
                    tr(lang, "OT", "Work order"),
                    w.order,
                    tr(lang, "asignada", "assigned"),
                    w.title
                ),
                heading: tr(
                    lang,
                    "Se le asignó una orden de trabajo",
                    "A work order was assigned to you",
                )
                .to_owned(),
                lines,
                link: w.link.clone(),
            }
        }
        Payload::ComplianceDailyReport(c) => Doc {
            subject: format!(
                "{} {} {} {} – {}: {}/{} {}",
                tr(lang, "Reporte", "Report"),
                c.regulator,
                tr(lang, "del", "for"),
                date(c.date, lang),
                c.site,
                c.confirmed,
                c.due,
                tr(lang, "confirmados", "confirmed")
            ),
            heading: format!(
                "{} {} – {}",
                tr(lang, "Envíos a", "Filings to"),
                c.regulator,
                date(c.date, lang)
            ),
            lines: vec![
                (tr(lang, "Sitio", "Site"), c.site.clone()),
                (
                    tr(lang, "Envíos esperados", "Filings due"),
                    c.due.to_string(),
                ),
                (
                    tr(lang, "Confirmados", "Confirmed"),
                    c.confirmed.to_string(),
                ),
                (tr(lang, "Pendientes", "Pending"), c.pending.to_string()),
                (
                    tr(lang, "Rechazados o con error", "Rejected or in error"),
                    c.rejected.to_string(),
                ),
            ],
            link: c.link.clone(),
        },
        Payload::WeeklyReport(w) => Doc {
            subject: format!(
                "{} – {} – {} {}",
                tr(lang, "Reporte semanal", "Weekly report"),
                w.site,
                tr(lang, "semana del", "week of"),
                date(w.week_of, lang)
            ),
            heading: format!(
                "{} {} {}",
                tr(lang, "Resumen de la semana del", "Summary of the week of"),
                date(w.week_of, lang),
                w.site
            ),
            lines: vec![
                (
                    tr(lang, "Disponibilidad", "Availability"),
                    w.availability_pct.map_or_else(
                        || tr(lang, "sin datos", "no data").to_owned(),
                        |a| format!("{} %", number(a, 1, lang)),
                    ),
                ),
                (tr(lang, "Fallas", "Failures"), w.failures.to_string()),
                (
                    tr(lang, "OT cerradas", "Orders closed"),
                    w.orders_closed.to_string(),
                ),
                (
                    tr(lang, "OT abiertas", "Orders open"),
                    w.orders_open.to_string(),
                ),
                (
                    tr(lang, "Volumen bombeado", "Volume pumped"),
                    format!("{} m³", number(w.pumped_m3, 1, lang)),
                ),
            ],
            link: w.link.clone(),
        },
        Payload::JobFailed(j) => Doc {
            subject: format!(
                "{}: {}",
                tr(lang, "Falló la tarea programada", "Scheduled job failed"),
                j.job
            ),
            heading: format!(
                "{} {}",
                tr(lang, "Falló la tarea programada", "Scheduled job failed:"),
                j.job
            ),
            lines: vec![
                (
                    tr(lang, "Hora programada", "Scheduled for"),
                    time(j.scheduled_at, zone, lang),
                ),
                (tr(lang, "Intentos", "Attempts"), j.attempts.to_string()),
                (tr(lang, "Error", "Error"), j.error.clone()),
            ],
            link: None,
        },
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The line added to a message that absorbed `merged` identical ones.
#[must_use]
pub fn repeat_note(merged: u32, lang: Lang) -> String {
    match lang {
        Lang::Es => format!("Repetido {merged} veces más en los últimos minutos."),
        Lang::En => format!("Repeated {merged} more times in the last minutes."),
    }
}

/// Render a payload for a recipient's language and zone.
#[must_use]
pub fn render(payload: &Payload, lang: Lang, zone: Zone) -> Rendered {
    let d = doc(payload, lang, zone);
    let mut text = format!("{}\n\n", d.heading);
    for (label, value) in &d.lines {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if let Some(link) = &d.link {
        text.push_str(&format!("\n{}: {link}\n", tr(lang, "Ver", "Open")));
    }
    text.push_str(&format!(
        "\n-- \nCaudal · {}\n",
        tr(lang, "mensaje automático", "automatic message")
    ));

    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif\">\n<h2>{}</h2>\n<table>\n",
        escape(&d.subject),
        escape(&d.heading)
    );
    for (label, value) in &d.lines {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>\n",
            escape(label),
            escape(value)
        ));
    }
    html.push_str("</table>\n");
    if let Some(link) = &d.link {
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape(link),
            tr(lang, "Ver en Caudal", "Open in Caudal")
        ));
    }
    html.push_str(&format!(
        "<p style=\"color:#777\">Caudal · {}</p>\n</body></html>\n",
        tr(lang, "mensaje automático", "automatic message")
    ));

    let short: String = d.subject.chars().take(SHORT_MAX_CHARS).collect();
    Rendered {
        subject: d.subject,
        text,
        html,
        short,
    }
}

/// The structured fields of a payload, for webhooks (names in English
/// snake_case, values typed).
#[must_use]
pub fn fields(payload: &Payload) -> Vec<(&'static str, FieldValue)> {
    let text = |s: &str| FieldValue::Text(s.to_owned());
    let opt = |out: &mut Vec<(&'static str, FieldValue)>, k: &'static str, v: &Option<String>| {
        if let Some(v) = v {
            out.push((k, FieldValue::Text(v.clone())));
        }
    };
    let alarm = |a: &AlarmFacts| {
        let mut out = vec![
            ("alarm_id", FieldValue::Int(a.alarm.0)),
            ("rule", text(&a.rule)),
            ("severity", text(a.severity.as_str())),
            ("site", text(&a.site)),
            ("at", FieldValue::Time(a.at)),
        ];
        opt(&mut out, "point", &a.point);
        opt(&mut out, "asset", &a.asset);
        if let Some((v, unit)) = &a.value {
            out.push(("value", FieldValue::Number(*v)));
            out.push(("unit", text(unit)));
        }
        opt(&mut out, "link", &a.link);
        out
    };
    match payload {
        Payload::AlarmRaised(a) | Payload::AlarmCleared(a) => alarm(a),
        Payload::AlarmEscalated { alarm: a, from } => {
            let mut out = alarm(a);
            out.push(("previous_severity", text(from.as_str())));
            out
        }
        Payload::WorkOrderAssigned(w) => {
            let mut out = vec![
                ("work_order_id", FieldValue::Int(w.order.0)),
                ("title", text(&w.title)),
                ("site", text(&w.site)),
            ];
            opt(&mut out, "asset", &w.asset);
            opt(&mut out, "assigned_by", &w.assigned_by);
            if let Some(d) = w.due {
                out.push(("due", FieldValue::Time(d)));
            }
            opt(&mut out, "link", &w.link);
            out
        }
        Payload::ComplianceDailyReport(c) => {
            let mut out = vec![
                ("date", FieldValue::Date(c.date)),
                ("site", text(&c.site)),
                ("regulator", text(&c.regulator)),
                ("due", FieldValue::Int(i64::from(c.due))),
                ("confirmed", FieldValue::Int(i64::from(c.confirmed))),
                ("pending", FieldValue::Int(i64::from(c.pending))),
                ("rejected", FieldValue::Int(i64::from(c.rejected))),
            ];
            opt(&mut out, "link", &c.link);
            out
        }
        Payload::WeeklyReport(w) => {
            let mut out = vec![
                ("week_of", FieldValue::Date(w.week_of)),
                ("site", text(&w.site)),
                ("failures", FieldValue::Int(i64::from(w.failures))),
                ("orders_closed", FieldValue::Int(i64::from(w.orders_closed))),
                ("orders_open", FieldValue::Int(i64::from(w.orders_open))),
                ("pumped_m3", FieldValue::Number(w.pumped_m3)),
            ];
            if let Some(a) = w.availability_pct {
                out.push(("availability_pct", FieldValue::Number(a)));
            }
            opt(&mut out, "link", &w.link);
            out
        }
        Payload::JobFailed(j) => vec![
            ("job", text(&j.job)),
            ("scheduled_at", FieldValue::Time(j.scheduled_at)),
            ("attempts", FieldValue::Int(i64::from(j.attempts))),
            ("error", text(&j.error)),
        ],
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::notify::event::{ComplianceFacts, EventKind, JobFacts, WeeklyFacts, WorkOrderFacts};
    use crate::{AlarmId, WorkOrderId};

    fn utc(s: &str) -> UtcMillis {
        crate::zone::from_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn alarm() -> AlarmFacts {
        AlarmFacts {
            alarm: AlarmId(42),
            rule: "Nivel bajo".to_owned(),
            site: "Fundo <El Roble>".to_owned(),
            point: Some("P-01".to_owned()),
            asset: None,
            severity: Severity::Critical,
            value: Some((1234.5, "m".to_owned())),
            at: utc("2026-06-11 17:00"),
            link: Some("https://caudal.example/alarms/42".to_owned()),
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 11).unwrap()
    }

    fn every_payload() -> Vec<Payload> {
        vec![
            Payload::AlarmRaised(alarm()),
            Payload::AlarmEscalated {
                alarm: alarm(),
                from: Severity::Major,
            },
            Payload::AlarmCleared(alarm()),
            Payload::WorkOrderAssigned(WorkOrderFacts {
                order: WorkOrderId(7),
                title: "Cambio de rodamientos".to_owned(),
                site: "Fundo El Roble".to_owned(),
                asset: Some("B-01".to_owned()),
                assigned_by: Some("Ana".to_owned()),
                due: Some(utc("2026-06-12 21:00")),
                link: None,
            }),
            Payload::ComplianceDailyReport(ComplianceFacts {
                date: day(),
                site: "Fundo El Roble".to_owned(),
                regulator: "DGA".to_owned(),
                due: 24,
                confirmed: 22,
                pending: 1,
                rejected: 1,
                link: None,
            }),
            Payload::WeeklyReport(WeeklyFacts {
                week_of: NaiveDate::from_ymd_opt(2026, 6, 8).unwrap(),
                site: "Fundo El Roble".to_owned(),
                availability_pct: Some(97.54),
                failures: 1,
                orders_closed: 4,
                orders_open: 2,
                pumped_m3: 12_345.67,
                link: None,
            }),
            Payload::JobFailed(JobFacts {
                job: "file_dga".to_owned(),
                scheduled_at: utc("2026-06-11 04:00"),
                attempts: 2,
                error: "connection refused".to_owned(),
            }),
        ]
    }

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(number(12_345.67, 1, Lang::Es), "12.345,7");
        assert_eq!(number(12_345.67, 1, Lang::En), "12,345.7");
        assert_eq!(number(-0.004, 2, Lang::Es), "0,00");
        assert_eq!(number(-1_000_000.0, 0, Lang::En), "-1,000,000");
        assert_eq!(number(999.0, 0, Lang::Es), "999");
    }

    #[test]
    fn spanish_alarm_message() {
        let r = render(&Payload::AlarmRaised(alarm()), Lang::Es, Zone::SANTIAGO);
        assert_eq!(
            r.subject,
            "[CRÍTICA] Alarma: Nivel bajo – P-01 (Fundo <El Roble>)"
        );
        assert_eq!(
            r.text,
            "Alarma activada: Nivel bajo\n\n\
             Severidad: crítica\n\
             Sitio: Fundo <El Roble>\n\
             Punto: P-01\n\
             Valor: 1.234,50 m\n\
             Hora: 11/06/2026 13:00 (America/Santiago)\n\
             \nVer: https://caudal.example/alarms/42\n\
             \n-- \nCaudal · mensaje automático\n"
        );
        assert!(
            r.html
                .contains("<th align=\"left\">Severidad</th><td>crítica</td>")
        );
        assert!(
            r.html.contains("Fundo &lt;El Roble&gt;"),
            "escaped: {}",
            r.html
        );
        assert!(!r.html.contains("<El Roble>"));
        assert!(r.html.starts_with("<!DOCTYPE html>\n<html lang=\"es\">"));
    }

    #[test]
    fn english_alarm_message() {
        let r = render(&Payload::AlarmRaised(alarm()), Lang::En, Zone::SANTIAGO);
        assert_eq!(
            r.subject,
            "[CRITICAL] Alarm: Nivel bajo – P-01 (Fundo <El Roble>)"
        );
        assert!(
            r.text
                .starts_with("Alarm raised: Nivel bajo\n\nSeverity: critical\n")
        );
        assert!(r.text.contains("Value: 1,234.50 m\n"));
        assert!(
            r.text
                .contains("Time: 2026-06-11 13:00 (America/Santiago)\n")
        );
        assert!(
            r.html
                .contains("<a href=\"https://caudal.example/alarms/42\">Open in Caudal</a>")
        );
    }

    #[test]
    fn every_kind_renders_in_spanish() {
        let expected = [
            "[CRÍTICA] Alarma: Nivel bajo",
            "[CRÍTICA] Alarma escalada: Nivel bajo",
            "[NORMALIZADA] Alarma: Nivel bajo",
            "OT #7 asignada: Cambio de rodamientos",
            "Reporte DGA del 11/06/2026 – Fundo El Roble: 22/24 confirmados",
            "Reporte semanal – Fundo El Roble – semana del 08/06/2026",
            "Falló la tarea programada: file_dga",
        ];
        let bodies = [
            "Severidad: crítica",
            "Severidad anterior: mayor",
            "Alarma normalizada: Nivel bajo",
            "Vence: 12/06/2026 17:00 (America/Santiago)",
            "Rechazados o con error: 1",
            "Volumen bombeado: 12.345,7 m³",
            "Hora programada: 11/06/2026 00:00 (America/Santiago)",
        ];
        for ((p, subject), body) in every_payload().iter().zip(expected).zip(bodies) {
            let r = render(p, Lang::Es, Zone::SANTIAGO);
            assert!(
                r.subject.starts_with(subject),
                "{}: {}",
                p.kind(),
                r.subject
            );
            assert!(r.text.contains(body), "{}: {}", p.kind(), r.text);
            let value = body.split_once(": ").map_or(body, |(_, v)| v);
            assert!(r.html.contains(&escape(value)), "{}: {}", p.kind(), r.html);
            assert!(r.short.chars().count() <= SHORT_MAX_CHARS);
        }
        let weekly = render(&every_payload()[5], Lang::Es, Zone::SANTIAGO);
        assert!(weekly.text.contains("Disponibilidad: 97,5 %"));
    }

    #[test]
    fn every_kind_renders_in_english() {
        let expected = [
            "[CRITICAL] Alarm: Nivel bajo",
            "[CRITICAL] Alarm escalated: Nivel bajo",
            "[CLEARED] Alarm: Nivel bajo",
            "Work order #7 assigned: Cambio de rodamientos",
            "Report DGA for 2026-06-11 – Fundo El Roble: 22/24 confirmed",
            "Weekly report – Fundo El Roble – week of 2026-06-08",
            "Scheduled job failed: file_dga",
        ];
        let bodies = [
            "Severity: critical",
            "Previous severity: major",
            "Alarm cleared: Nivel bajo",
            "Due: 2026-06-12 17:00 (America/Santiago)",
            "Rejected or in error: 1",
            "Volume pumped: 12,345.7 m³",
            "Scheduled for: 2026-06-11 00:00 (America/Santiago)",
        ];
        for ((p, subject), body) in every_payload().iter().zip(expected).zip(bodies) {
            let r = render(p, Lang::En, Zone::SANTIAGO);
            assert!(
                r.subject.starts_with(subject),
                "{}: {}",
                p.kind(),
                r.subject
            );
            assert!(r.text.contains(body), "{}: {}", p.kind(), r.text);
            assert!(r.html.contains("<html lang=\"en\">"));
            assert!(!r.text.contains("Severidad"), "no Spanish left: {}", r.text);
        }
    }

    #[test]
    fn every_event_kind_has_a_template() {
        let kinds: Vec<EventKind> = every_payload().iter().map(Payload::kind).collect();
        assert_eq!(kinds, EventKind::ALL.to_vec());
    }

    #[test]
    fn webhook_fields_are_typed() {
        let f = fields(&Payload::AlarmEscalated {
            alarm: alarm(),
            from: Severity::Major,
        });
        assert!(f.contains(&("alarm_id", FieldValue::Int(42))));
        assert!(f.contains(&("value", FieldValue::Number(1234.5))));
        assert!(f.contains(&("previous_severity", FieldValue::Text("major".to_owned()))));
    }

    #[test]
    fn the_repeat_note_is_translated() {
        assert_eq!(
            repeat_note(3, Lang::Es),
            "Repetido 3 veces más en los últimos minutos."
        );
        assert_eq!(
            repeat_note(3, Lang::En),
            "Repeated 3 more times in the last minutes."
        );
    }
}
