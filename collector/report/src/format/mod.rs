//! How numbers, durations and dates are written, per language.
//!
//! # Decision
//! - **Spanish** (default): decimal comma, thousands grouped with a point
//!   (Chilean usage: `12.345,6`), a space before the percent sign
//!   (`97,3 %`, RAE *Ortografía* 2010 §8.2.4.4.2), dates `dd-mm-aaaa`.
//! - **English**: decimal point, thousands grouped with a comma
//!   (`12,345.6`), no space before the percent sign (`97.3%`), ISO dates
//!   `yyyy-mm-dd`.
//! - Four-digit integer parts are **not grouped** in either language
//!   (`1234,5`; RAE: "no se agrupan los números de cuatro cifras"; SI
//!   Brochure 9th ed. §5.4.4 makes grouping of four digits optional), so the
//!   common hour figures stay one token.
//! - Units follow the number after an ordinary space (`412,5 h`), never a
//!   no-break space, so `pdftotext` of the PDF and a search of the e-mail
//!   find the figure exactly as written here.
//! - A value that does not exist is never written as 0: callers write
//!   [`Labels::no_data`](crate::labels::Labels::no_data) or
//!   [`Labels::insufficient_data`](crate::labels::Labels::insufficient_data).

use caudal_collector_domain::{Lang, UtcMillis, Zone};
use chrono::NaiveDate;

/// `value` with `decimals` decimals in `lang` (module docs). A non-finite
/// value is written `—` (the report's validation refuses them first).
#[must_use]
pub fn number(lang: Lang, value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let fixed = format!("{:.*}", decimals, value.abs());
    let (int, frac) = match fixed.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (fixed.as_str(), None),
    };
    let (group, point) = match lang {
        Lang::Es => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::with_capacity(fixed.len() + 4);
    // "-0,0" would claim a negative value that rounds to zero.
    let rounds_to_zero = fixed.bytes().all(|b| b == b'0' || b == b'.');
    if value < 0.0 && !rounds_to_zero {
        out.push('-');
    }
    if int.len() > 4 {
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
    } else {
        out.push_str(int);
    }
    if let Some(f) = frac {
        out.push(point);
        out.push_str(f);
    }
    out
}

/// An integer count (grouped like [`number`]).
#[must_use]
pub fn count(lang: Lang, n: u64) -> String {
    number(lang, n as f64, 0)
}

/// A fraction (0.973) as a percentage with `decimals` decimals: `97,3 %` in
/// Spanish, `97.3%` in English.
#[must_use]
pub fn percent(lang: Lang, fraction: f64, decimals: usize) -> String {
    let n = number(lang, 100.0 * fraction, decimals);
    match lang {
        Lang::Es => format!("{n} %"),
        Lang::En => format!("{n}%"),
    }
}

/// Hours with one decimal: `412,5 h`.
#[must_use]
pub fn hours(lang: Lang, h: f64) -> String {
    format!("{} h", number(lang, h, 1))
}

/// Milliseconds as hours with one decimal: `12,5 h`.
#[must_use]
pub fn hours_ms(lang: Lang, ms: i64) -> String {
    hours(lang, ms as f64 / caudal_collector_domain::HOUR_MS as f64)
}

/// A local date: `24-11-2026` (es) or `2026-11-24` (en).
#[must_use]
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Es => d.format("%d-%m-%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// A short local date for chart axes: `24-11` (es) or `11-24` (en).
#[must_use]
pub fn short_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Es => d.format("%d-%m").to_string(),
        Lang::En => d.format("%m-%d").to_string(),
    }
}

/// An instant as a local date and time to the minute in `zone`:
/// `30-11-2026 08:00` (es) or `2026-11-30 08:00` (en).
#[must_use]
pub fn datetime(lang: Lang, zone: Zone, t: UtcMillis) -> String {
    let local = zone.local(t);
    match lang {
        Lang::Es => local.format("%d-%m-%Y %H:%M").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The weekday abbreviation of a date.
#[must_use]
pub fn weekday(lang: Lang, d: NaiveDate) -> &'static str {
    use chrono::Datelike;
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Es => ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"][i],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_writes_a_decimal_comma_and_english_a_point() {
        assert_eq!(number(Lang::Es, 412.5, 1), "412,5");
        assert_eq!(number(Lang::En, 412.5, 1), "412.5");
        assert_eq!(hours(Lang::Es, 412.46), "412,5 h");
        assert_eq!(percent(Lang::Es, 0.973, 1), "97,3 %");
        assert_eq!(percent(Lang::En, 0.973, 1), "97.3%");
    }

    #[test]
    fn thousands_are_grouped_from_five_digits() {
        assert_eq!(number(Lang::Es, 1234.5, 1), "1234,5");
        assert_eq!(number(Lang::Es, 12345.5, 1), "12.345,5");
        assert_eq!(number(Lang::En, 1_234_567.0, 0), "1,234,567");
        assert_eq!(count(Lang::Es, 100_000), "100.000");
        assert_eq!(count(Lang::En, 9999), "9999");
    }

    #[test]
    fn a_negative_value_that_rounds_to_zero_has_no_sign() {
        assert_eq!(number(Lang::Es, -0.04, 1), "0,0");
        assert_eq!(number(Lang::Es, -12.26, 1), "-12,3");
        assert_eq!(number(Lang::En, -12_345.0, 0), "-12,345");
        assert_eq!(number(Lang::En, f64::NAN, 1), "—");
    }

    #[test]
    fn dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(date(Lang::Es, d), "23-11-2026");
        assert_eq!(date(Lang::En, d), "2026-11-23");
        assert_eq!(weekday(Lang::Es, d), "lun");
        // 2026-11-30 08:00 in Santiago (UTC−3 in summer) is 11:00 UTC.
        let t = Zone::SANTIAGO.resolve(
            NaiveDate::from_ymd_opt(2026, 11, 30)
                .unwrap()
                .and_hms_opt(8, 0, 0)
                .unwrap(),
        );
        assert_eq!(datetime(Lang::Es, Zone::SANTIAGO, t), "30-11-2026 08:00");
    }
}
