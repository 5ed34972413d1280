//! The pure half of `caudal-collector reliability weibull|mtbf|crow-amsaa`
//! (issue 14 item 4): CSV parsing and typed results carrying every field the
//! command prints. The binary reads the file, calls these, and builds the JSON
//! object from the report's fields; a [`CsvError`] is exit code 2.
//!
//! Formats (UTF-8, comma-separated, a header first, CRLF accepted, blank
//! lines ignored, cells trimmed, header names case-insensitive):
//!
//! - `weibull`: header `time,failed`; `time` in hours (> 0), `failed` 1 for a
//!   failure or 0 for a censored unit (a suspension).
//! - `crow-amsaa`: header `time`; the cumulative operating hours at each
//!   failure, in non-decreasing order, none after `--end T`. If T equals the
//!   last time the record is failure-terminated (see [`super::crow_amsaa`]).
//!
//! Errors name the 1-based line of the file.

use super::crow_amsaa::{CrowAmsaaModel, CrowAmsaaOptions, Termination, Trend, fit_crow_amsaa};
use super::mtbf::mtbf_bounds;
use super::weibull::{Lifetime, fit_weibull};
use super::{Confidence, ReliabilityError};

/// What is wrong with a CSV input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CsvError {
    /// The file is empty.
    #[error("the file is empty: expected the header `{expected}` on line 1")]
    Empty {
        /// The header expected.
        expected: &'static str,
    },
    /// Line 1 is not the expected header.
    #[error("line {line}: expected the header `{expected}`, found `{found}`")]
    BadHeader {
        /// Line number.
        line: usize,
        /// The header expected.
        expected: &'static str,
        /// What the line holds.
        found: String,
    },
    /// A header and no data row.
    #[error("no data rows after the header")]
    NoRows,
    /// A row with the wrong number of cells.
    #[error("line {line}: expected {expected} column(s), found {found}")]
    ColumnCount {
        /// Line number.
        line: usize,
        /// Columns expected.
        expected: usize,
        /// Columns found.
        found: usize,
    },
    /// A cell that is not a finite number.
    #[error("line {line}: `{column}` is not a number: `{value}`")]
    NotANumber {
        /// Line number.
        line: usize,
        /// Column name.
        column: &'static str,
        /// The cell.
        value: String,
    },
    /// A negative time.
    #[error("line {line}: time must not be negative, got {value}")]
    NegativeTime {
        /// Line number.
        line: usize,
        /// The value, hours.
        value: f64,
    },
    /// A zero time (a unit cannot fail, nor be observed, for no time).
    #[error("line {line}: time must be greater than 0, got {value}")]
    ZeroTime {
        /// Line number.
        line: usize,
        /// The value, hours.
        value: f64,
    },
    /// A `failed` cell other than 0 or 1.
    #[error("line {line}: `failed` must be 1 (failure) or 0 (censored), got `{value}`")]
    BadFailedFlag {
        /// Line number.
        line: usize,
        /// The cell.
        value: String,
    },
    /// Every row has `failed` = 0.
    #[error("all {rows} units are censored (failed = 0): at least one failure is needed")]
    AllCensored {
        /// Data rows.
        rows: usize,
    },
    /// A cumulative failure time below the previous one.
    #[error(
        "line {line}: failure time {value} h is below the previous one ({previous} h): times must be cumulative operating hours in order"
    )]
    NotInOrder {
        /// Line number.
        line: usize,
        /// The value.
        value: f64,
        /// The previous value.
        previous: f64,
    },
    /// A failure after the end of observation.
    #[error("line {line}: failure time {value} h is after the end time {end} h")]
    AfterEnd {
        /// Line number.
        line: usize,
        /// The value.
        value: f64,
        /// `--end`.
        end: f64,
    },
    /// A bad `--end`.
    #[error("the end time must be a positive number of hours, got {0}")]
    BadEnd(f64),
    /// The data parse but the model cannot be fitted.
    #[error(transparent)]
    Fit(#[from] ReliabilityError),
}

/// `reliability weibull` output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeibullReport {
    /// Rows.
    pub n: usize,
    /// Rows with failed = 1.
    pub failures: usize,
    /// Shape β̂.
    pub beta: f64,
    /// Characteristic life η̂, hours.
    pub eta: f64,
    /// Lower bound on β.
    pub beta_lower: f64,
    /// Upper bound on β.
    pub beta_upper: f64,
    /// Lower bound on η.
    pub eta_lower: f64,
    /// Upper bound on η.
    pub eta_upper: f64,
    /// Confidence of the bounds.
    pub confidence: f64,
    /// Bounds method (`fisher_matrix`).
    pub bounds_method: &'static str,
    /// ln L at the estimate.
    pub log_likelihood: f64,
}

/// `reliability mtbf` output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MtbfReport {
    /// Operating hours T.
    pub operating_hours: f64,
    /// Failures r.
    pub failures: u64,
    /// Confidence of the bounds.
    pub confidence: f64,
    /// T / r; `None` (null) with 0 failures.
    pub mtbf: Option<f64>,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound; `None` (null) with 0 failures.
    pub upper: Option<f64>,
}

/// `reliability crow-amsaa` output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrowAmsaaReport {
    /// Failures.
    pub failures: usize,
    /// `--end`, hours.
    pub end: f64,
    /// Shape β.
    pub beta: f64,
    /// Scale λ.
    pub lambda: f64,
    /// Trend verdict (`improving`, `deteriorating`, `none`).
    pub trend: Trend,
    /// Two-sided p-value; `None` under the HPP fallback.
    pub p_value: Option<f64>,
    /// `power_law` or `hpp_fallback`.
    pub model: CrowAmsaaModel,
    /// `time` or `failure`.
    pub termination: Termination,
}

/// Data lines of a CSV after its header: (1-based line, cells).
fn rows<'a>(text: &'a str, expected: &'static str) -> Result<Vec<(usize, Vec<&'a str>)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let (line, header) = lines
        .by_ref()
        .find(|(_, l)| !l.is_empty())
        .ok_or(CsvError::Empty { expected })?;
    let cells: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    if cells.join(",") != expected {
        return Err(CsvError::BadHeader {
            line,
            expected,
            found: header.to_owned(),
        });
    }
    let width = cells.len();
    let mut out = Vec::new();
    for (line, l) in lines {
        if l.is_empty() {
            continue;
        }
        let cells: Vec<&str> = l.split(',').map(str::trim).collect();
        if cells.len() != width {
            return Err(CsvError::ColumnCount {
                line,
                expected: width,
                found: cells.len(),
            });
        }
        out.push((line, cells));
    }
    if out.is_empty() {
        return Err(CsvError::NoRows);
    }
    Ok(out)
}

fn time_cell(line: usize, cell: &str) -> Result<f64, CsvError> {
    let value: f64 = cell
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| CsvError::NotANumber {
            line,
            column: "time",
            value: cell.to_owned(),
        })?;
    if value < 0.0 {
        return Err(CsvError::NegativeTime { line, value });
    }
    if value == 0.0 {
        return Err(CsvError::ZeroTime { line, value });
    }
    Ok(value)
}

/// Parse a `time,failed` CSV into lifetimes.
///
/// # Errors
/// A [`CsvError`] naming the line.
pub fn parse_lifetimes(text: &str) -> Result<Vec<Lifetime>, CsvError> {
    let rows = rows(text, "time,failed")?;
    let mut out = Vec::with_capacity(rows.len());
    for (line, cells) in &rows {
        let hours = time_cell(*line, cells[0])?;
        let failed = match cells[1] {
            "1" => true,
            "0" => false,
            other => {
                return Err(CsvError::BadFailedFlag {
                    line: *line,
                    value: other.to_owned(),
                });
            }
        };
        out.push(Lifetime { hours, failed });
    }
    if out.iter().all(|l| !l.failed) {
        return Err(CsvError::AllCensored { rows: out.len() });
    }
    Ok(out)
}

/// `reliability weibull --input FILE [--confidence C]`.
///
/// # Errors
/// A [`CsvError`] naming the line, or [`CsvError::Fit`].
pub fn weibull_from_csv(text: &str, confidence: Confidence) -> Result<WeibullReport, CsvError> {
    let data = parse_lifetimes(text)?;
    let fit = fit_weibull(&data, confidence)?;
    Ok(WeibullReport {
        n: fit.n,
        failures: fit.failures,
        beta: fit.beta,
        eta: fit.eta,
        beta_lower: fit.beta_lower,
        beta_upper: fit.beta_upper,
        eta_lower: fit.eta_lower,
        eta_upper: fit.eta_upper,
        confidence: confidence.get(),
        bounds_method: fit.bounds_method.as_str(),
        log_likelihood: fit.log_likelihood,
    })
}

/// `reliability mtbf --operating-hours T --failures R [--confidence C]`.
///
/// # Errors
/// [`ReliabilityError::InvalidOperatingTime`] for T ≤ 0 or not finite.
pub fn mtbf_report(
    operating_hours: f64,
    failures: u64,
    confidence: Confidence,
) -> Result<MtbfReport, ReliabilityError> {
    let b = mtbf_bounds(operating_hours, failures, confidence)?;
    Ok(MtbfReport {
        operating_hours,
        failures,
        confidence: confidence.get(),
        mtbf: b.mtbf_hours,
        lower: b.lower_hours,
        upper: b.upper_hours,
    })
}

/// Parse a `time` CSV of cumulative failure hours, checked against `end`.
///
/// # Errors
/// A [`CsvError`] naming the line.
pub fn parse_failure_times(text: &str, end: f64) -> Result<Vec<f64>, CsvError> {
    if !end.is_finite() || end <= 0.0 {
        return Err(CsvError::BadEnd(end));
    }
    let rows = rows(text, "time")?;
    let mut out: Vec<f64> = Vec::with_capacity(rows.len());
    for (line, cells) in &rows {
        let value = time_cell(*line, cells[0])?;
        if let Some(&previous) = out.last()
            && value < previous
        {
            return Err(CsvError::NotInOrder {
                line: *line,
                value,
                previous,
            });
        }
        if value > end {
            return Err(CsvError::AfterEnd {
                line: *line,
                value,
                end,
            });
        }
        out.push(value);
    }
    Ok(out)
}

/// `reliability crow-amsaa --input FILE --end T`.
///
/// # Errors
/// A [`CsvError`] naming the line, or [`CsvError::Fit`].
pub fn crow_amsaa_from_csv(text: &str, end: f64) -> Result<CrowAmsaaReport, CsvError> {
    let times = parse_failure_times(text, end)?;
    let fit = fit_crow_amsaa(&times, end, CrowAmsaaOptions::default())?;
    Ok(CrowAmsaaReport {
        failures: fit.failures,
        end,
        beta: fit.beta,
        lambda: fit.lambda,
        trend: fit.trend,
        p_value: fit.p_value,
        model: fit.model,
        termination: fit.termination,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIST: &str = "time,failed\n54,1\n187,1\n216,1\n240,1\n244,1\n335,1\n361,1\n373,1\n375,1\n386,1\n500,0\n500,0\n500,0\n500,0\n500,0\n500,0\n500,0\n500,0\n500,0\n500,0\n";

    /// NIST 8.4.1.3 through the CSV path: β̂ = 1.7208, η̂ = 606.5 h.
    #[test]
    fn weibull_csv_reproduces_nist_with_every_field() {
        let r = weibull_from_csv(NIST, Confidence::NINETY).unwrap();
        assert_eq!((r.n, r.failures), (20, 10));
        assert!((r.beta - 1.7208).abs() < 5e-5);
        assert!((r.eta - 606.53).abs() < 5e-3);
        assert!(r.beta_lower < r.beta && r.beta < r.beta_upper);
        assert!(r.eta_lower < r.eta && r.eta < r.eta_upper);
        assert_eq!(r.confidence, 0.9);
        assert_eq!(r.bounds_method, "fisher_matrix");
        assert!((r.log_likelihood + 75.135).abs() < 5e-4);
    }

    #[test]
    fn weibull_csv_tolerates_crlf_bom_blank_lines_and_header_case() {
        let text = "\u{feff}Time , Failed\r\n10,1\r\n\r\n20,1\r\n35,0\r\n";
        let data = parse_lifetimes(text).unwrap();
        assert_eq!(data.len(), 3);
        assert!(!data[2].failed);
    }

    #[test]
    fn weibull_csv_errors_name_the_line() {
        let check = |text: &str, expected: CsvError| {
            assert_eq!(parse_lifetimes(text), Err(expected), "{text:?}");
        };
        check(
            "",
            CsvError::Empty {
                expected: "time,failed",
            },
        );
        check(
            "hours,failed\n1,1\n",
            CsvError::BadHeader {
                line: 1,
                expected: "time,failed",
                found: "hours,failed".to_owned(),
            },
        );
        check("time,failed\n\n", CsvError::NoRows);
        check(
            "time,failed\n10,1\n-5,1\n",
            CsvError::NegativeTime {
                line: 3,
                value: -5.0,
            },
        );
        check(
            "time,failed\n10,1\nabc,1\n",
            CsvError::NotANumber {
                line: 3,
                column: "time",
                value: "abc".to_owned(),
            },
        );
        check(
            "time,failed\nNaN,1\n",
            CsvError::NotANumber {
                line: 2,
                column: "time",
                value: "NaN".to_owned(),
            },
        );
        check(
            "time,failed\n10,yes\n",
            CsvError::BadFailedFlag {
                line: 2,
                value: "yes".to_owned(),
            },
        );
        check(
            "time,failed\n10,1,3\n",
            CsvError::ColumnCount {
                line: 2,
                expected: 2,
                found: 3,
            },
        );
        check(
            "time,failed\n10,0\n12,0\n",
            CsvError::AllCensored { rows: 2 },
        );
        check(
            "time,failed\n0,1\n",
            CsvError::ZeroTime {
                line: 2,
                value: 0.0,
            },
        );
        assert_eq!(
            parse_lifetimes("time,failed\n10,1\n").map(|d| d.len()),
            Ok(1)
        );
    }

    #[test]
    fn a_weibull_that_cannot_be_fitted_says_why() {
        assert!(matches!(
            weibull_from_csv("time,failed\n10,1\n10,1\n", Confidence::NINETY),
            Err(CsvError::Fit(ReliabilityError::NoMaximum(_)))
        ));
    }

    /// NIST 8.4.5.1 example through the command's function: 800 h, 2 failures, 90 %.
    #[test]
    fn mtbf_report_has_null_upper_with_zero_failures() {
        let r = mtbf_report(800.0, 2, Confidence::NINETY).unwrap();
        assert_eq!(r.mtbf, Some(400.0));
        assert!((r.lower - 127.069).abs() < 1e-3);
        assert!((r.upper.unwrap() - 2251.229).abs() < 1e-2);
        let z = mtbf_report(800.0, 0, Confidence::NINETY).unwrap();
        assert_eq!((z.mtbf, z.upper), (None, None));
        assert!(z.lower > 0.0);
        assert!(mtbf_report(-3.0, 1, Confidence::NINETY).is_err());
    }

    /// ReliaSoft Crow-AMSAA failure-times example through the CSV path.
    #[test]
    fn crow_amsaa_csv_reproduces_reliasoft() {
        let mut text = String::from("time\n");
        for t in [
            2.7, 10.3, 12.5, 30.6, 57.0, 61.3, 80.0, 109.5, 125.0, 128.6, 143.8, 167.9, 229.2,
            296.7, 320.6, 328.2, 366.2, 396.7, 421.1, 438.2, 501.2, 620.0,
        ] {
            text.push_str(&format!("{t}\n"));
        }
        let r = crow_amsaa_from_csv(&text, 620.0).unwrap();
        assert_eq!(r.failures, 22);
        assert!((r.beta - 0.6142).abs() < 5e-5);
        assert!((r.lambda - 0.4239).abs() < 5e-5);
        assert_eq!(r.trend.as_str(), "improving");
        assert!(r.p_value.is_some());
        assert_eq!(r.termination, Termination::Failure);
    }

    #[test]
    fn crow_amsaa_csv_errors_name_the_line() {
        assert_eq!(
            parse_failure_times("time\n5\n3\n", 10.0),
            Err(CsvError::NotInOrder {
                line: 3,
                value: 3.0,
                previous: 5.0
            })
        );
        assert_eq!(
            parse_failure_times("time\n5\n30\n", 10.0),
            Err(CsvError::AfterEnd {
                line: 3,
                value: 30.0,
                end: 10.0
            })
        );
        assert_eq!(
            parse_failure_times("time\n-1\n", 10.0),
            Err(CsvError::NegativeTime {
                line: 2,
                value: -1.0
            })
        );
        assert_eq!(
            parse_failure_times("hours\n1\n", 10.0),
            Err(CsvError::BadHeader {
                line: 1,
                expected: "time",
                found: "hours".to_owned()
            })
        );
        assert_eq!(parse_failure_times("time\n", 10.0), Err(CsvError::NoRows));
        assert_eq!(
            parse_failure_times("time\n1\n", f64::NAN).map_err(|e| e.to_string()),
            Err("the end time must be a positive number of hours, got NaN".to_owned())
        );
        assert_eq!(
            CsvError::NegativeTime {
                line: 3,
                value: -5.0
            }
            .to_string(),
            "line 3: time must not be negative, got -5"
        );
    }
}
