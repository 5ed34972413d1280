//! Historical import: parsing of past readings (the plain format and the DGA MEE export), with errors by line.
//!
//! [`parse`] turns a CSV file into `(time, variable, value)` rows for one
//! catchment point, sorted by time then variable, ready for an idempotent
//! store write (re-importing a file yields the same rows, so `ON CONFLICT DO
//! NOTHING` on `(series, time)` changes nothing).
//!
//! # Formats (detected from the header line)
//!
//! **Plain**: a header `time,variable,value`, then one reading per line.
//! - `time`: RFC 3339 with an offset, e.g. `2026-06-11T13:00:00-04:00`
//!   or `2026-06-11 17:00:00Z`; a time without offset is refused.
//! - `variable`: a variable name (`flow`, `total`, `level`, `pump_state`,
//!   `motor_current`, `run_hours`, `starts`, `temperature`, ...), not `pulses`.
//! - `value`: a decimal number (see [`number`]).
//!
//! **DGA MEE export**: the header
//! `"Código OB","Fecha Medición","Hora Medición","Caudal (l/s)",Totalizador(m3),"Nivel Freatico(m)"`
//! (matched without regard to case, accents, spaces or quotes).
//! - `Código OB`: the obra code; every row must carry the same one, and it
//!   must equal [`ImportOptions::obra`] when that is given.
//! - `Fecha Medición`: `DD/MM/YYYY`, `DD-MM-YYYY` or `YYYY-MM-DD`.
//! - `Hora Medición`: `HH:MM` or `HH:MM:SS`, 24 h.
//! - Date and time are **local**, in [`ImportOptions::zone`]; the default is
//!   the fixed UTC-4 of the DGA technical manual (no daylight saving), which
//!   is what the MEE platform records. Pass `America/Santiago` for files
//!   written in civil time. In a named zone, a wall time skipped by a DST jump
//!   maps past the gap and a doubled one to its first occurrence
//!   ([`crate::Zone::resolve`]).
//! - `Caudal (l/s)` → `flow` (l/s), `Totalizador(m3)` → `total` (m³), both
//!   non-negative.
//! - `Nivel Freatico(m)` is the depth from the surface down to the water,
//!   while the point's `level` is the water above the sensor, so the column
//!   is mapped by [`ImportOptions::water_table`]: with the sensor depth,
//!   `level = sensor_depth_m - nivel`; or taken as is; or ignored. With no
//!   choice made, a file that has levels is refused (never a silent change
//!   of meaning).
//! - Empty cells are absent values: a row with an empty `Caudal` yields no
//!   `flow` reading. A row with no value at all yields nothing and is counted
//!   in [`Parsed::empty_rows`].
//!
//! Both formats: the delimiter is `,`, or `;` when the header uses it (the
//! Excel export of a Spanish locale); numbers take a decimal comma or dot;
//! a UTF-8 byte-order mark is skipped and a file that is not UTF-8 is read
//! as Latin-1 (Windows exports). Blank lines are skipped.
//!
//! # Errors
//!
//! Every bad row is reported as a [`RowError`]: its line number, the column
//! by header name, and what is wrong. A file with any bad row yields no rows
//! ([`ImportError::BadRows`]) unless [`ImportOptions::skip_bad_rows`] is set;
//! then the good rows are returned and the bad ones listed in
//! [`Parsed::skipped`]. Two rows with the same time and variable and
//! different values conflict (the later line is the bad one); identical
//! duplicates collapse into one row. At most [`MAX_ERRORS_LISTED`] errors
//! are kept, with the total counted.

pub mod number;

use std::collections::HashMap;

use caudal_protocol::{UtcMillis, Variable};
use chrono::{DateTime, NaiveDate, NaiveTime};

use crate::Zone;

/// Most row errors kept in a report (the total is still counted).
pub const MAX_ERRORS_LISTED: usize = 1_000;

/// The file format, detected from the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `time,variable,value`.
    Plain,
    /// The DGA MEE export.
    DgaMee,
}

/// How the DGA `Nivel Freatico(m)` column becomes the point's `level`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WaterTable {
    /// No choice made: a file with levels is refused.
    Unspecified,
    /// `level = sensor_depth_m - nivel freático` (the sensor's depth below the surface).
    BelowSensor {
        /// Sensor depth below the surface, m (the asset attribute `sensor_depth_m`).
        sensor_depth_m: f64,
    },
    /// Store the column unchanged as `level`.
    AsIs,
    /// Leave the column out.
    Ignore,
}

/// Parse options.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// Zone of the DGA export's local times (default: fixed UTC-4).
    pub zone: Zone,
    /// Return the good rows of a file that has bad ones.
    pub skip_bad_rows: bool,
    /// The point's DGA obra code: DGA rows must carry it.
    pub obra: Option<String>,
    /// Mapping of the DGA level column.
    pub water_table: WaterTable,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            zone: Zone::utc_minus_4(),
            skip_bad_rows: false,
            obra: None,
            water_table: WaterTable::Unspecified,
        }
    }
}

/// One reading to store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImportRow {
    /// When.
    pub time: UtcMillis,
    /// What.
    pub variable: Variable,
    /// Engineering value.
    pub value: f64,
    /// Line of the file it came from.
    pub line: u64,
}

/// What is wrong with a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The row has a different number of cells than the header.
    CellCount {
        /// Cells found.
        found: usize,
        /// Cells expected.
        expected: usize,
    },
    /// A required cell is empty.
    Empty,
    /// A time that is not RFC 3339.
    BadTime(String),
    /// A time without a UTC offset.
    NoOffset(String),
    /// A date that is not `DD/MM/YYYY`, `DD-MM-YYYY` or `YYYY-MM-DD`.
    BadDate(String),
    /// A time of day that is not `HH:MM[:SS]`.
    BadHour(String),
    /// An unknown variable name.
    UnknownVariable(String),
    /// A variable that cannot be imported.
    NotImportable(Variable),
    /// Not a number.
    BadNumber(String),
    /// A negative value where only non-negative ones exist.
    Negative(f64),
    /// A level computed below zero: the sensor depth is less than the depth to water.
    LevelBelowSensor {
        /// Depth to water from the file, m.
        depth_m: f64,
        /// The sensor depth given, m.
        sensor_depth_m: f64,
    },
    /// An obra code other than the point's (or the file's first).
    OtherObra {
        /// In this row.
        found: String,
        /// Expected.
        expected: String,
    },
    /// Same time and variable as an earlier line, with another value.
    Conflict {
        /// The earlier line.
        line: u64,
        /// Its value.
        earlier: f64,
        /// This row's value.
        value: f64,
    },
    /// Bytes the CSV reader cannot read (an unterminated quote).
    Csv(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::CellCount { found, expected } => {
                write!(f, "has {found} cells, the header has {expected}")
            }
            Problem::Empty => f.write_str("is empty"),
            Problem::BadTime(s) => write!(
                f,
                "`{s}` is not an RFC 3339 time (e.g. 2026-06-11T13:00:00-04:00)"
            ),
            Problem::NoOffset(s) => write!(
                f,
                "`{s}` has no UTC offset (write it as 2026-06-11T13:00:00-04:00)"
            ),
            Problem::BadDate(s) => {
                write!(
                    f,
                    "`{s}` is not a date (DD/MM/YYYY, DD-MM-YYYY or YYYY-MM-DD)"
                )
            }
            Problem::BadHour(s) => write!(f, "`{s}` is not a time of day (HH:MM or HH:MM:SS)"),
            Problem::UnknownVariable(s) => {
                let names: Vec<&str> = importable().map(Variable::as_str).collect();
                write!(f, "`{s}` is not a variable (one of: {})", names.join(", "))
            }
            Problem::NotImportable(v) => write!(
                f,
                "`{v}` cannot be imported: raw pulse counts depend on the device; import `total` in m³"
            ),
            Problem::BadNumber(s) => write!(f, "`{s}` is not a number"),
            Problem::Negative(v) => write!(f, "{v} is negative"),
            Problem::LevelBelowSensor {
                depth_m,
                sensor_depth_m,
            } => write!(
                f,
                "depth to water {depth_m} m is below the sensor at {sensor_depth_m} m"
            ),
            Problem::OtherObra { found, expected } => {
                write!(f, "obra `{found}` is not `{expected}`")
            }
            Problem::Conflict {
                line,
                earlier,
                value,
            } => write!(
                f,
                "{value} conflicts with {earlier} on line {line} for the same time and variable"
            ),
            Problem::Csv(s) => write!(f, "cannot be read: {s}"),
        }
    }
}

/// A bad row.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    /// Line number (1 = the header).
    pub line: u64,
    /// The column's header name, when one cell is at fault.
    pub column: Option<&'static str>,
    /// What is wrong.
    pub problem: Problem,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column \"{c}\": {}", self.line, self.problem),
            None => write!(f, "line {}: {}", self.line, self.problem),
        }
    }
}

/// A file that cannot be imported.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// No header line.
    #[error("the file is empty")]
    Empty,
    /// A header of neither format.
    #[error(
        "line 1: unknown header `{found}`: expected `time,variable,value` or the DGA export header \"Código OB\",\"Fecha Medición\",\"Hora Medición\",\"Caudal (l/s)\",Totalizador(m3),\"Nivel Freatico(m)\""
    )]
    UnknownHeader {
        /// The header as read.
        found: String,
    },
    /// A DGA file with levels and no [`WaterTable`] choice.
    #[error(
        "line {line}: column \"Nivel Freatico(m)\" is the depth to the water table, not the water above the sensor: give the sensor depth to convert it, or choose to import it as is or to ignore it"
    )]
    WaterTableUnspecified {
        /// First line with a level.
        line: u64,
    },
    /// Bad rows, and `skip_bad_rows` not set: nothing is imported.
    #[error("{total} bad rows, nothing imported; first: {}", errors.first().map(ToString::to_string).unwrap_or_default())]
    BadRows {
        /// The first [`MAX_ERRORS_LISTED`] errors, by line.
        errors: Vec<RowError>,
        /// How many there are.
        total: usize,
    },
}

/// A parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// Its format.
    pub format: Format,
    /// The readings, sorted by time then variable, without duplicates.
    pub rows: Vec<ImportRow>,
    /// The obra code of a DGA file.
    pub obra: Option<String>,
    /// Bad rows skipped (only with `skip_bad_rows`), by line, at most [`MAX_ERRORS_LISTED`].
    pub skipped: Vec<RowError>,
    /// How many bad rows were skipped.
    pub skipped_total: usize,
    /// Identical duplicate readings collapsed.
    pub duplicates: usize,
    /// DGA rows with no value at all.
    pub empty_rows: usize,
    /// Data lines read (header and blank lines excluded).
    pub data_lines: u64,
}

/// Variables a file may carry.
fn importable() -> impl Iterator<Item = Variable> {
    Variable::ALL.into_iter().filter(|v| *v != Variable::Pulses)
}

const PLAIN_COLUMNS: [&str; 3] = ["time", "variable", "value"];
const DGA_COLUMNS: [&str; 6] = [
    "Código OB",
    "Fecha Medición",
    "Hora Medición",
    "Caudal (l/s)",
    "Totalizador(m3)",
    "Nivel Freatico(m)",
];

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .map(|c| match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'Ú' => 'u',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn decode(input: &[u8]) -> std::borrow::Cow<'_, str> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    match std::str::from_utf8(input) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        // Latin-1: every byte is the code point of the same value.
        Err(_) => std::borrow::Cow::Owned(input.iter().map(|b| char::from(*b)).collect()),
    }
}

struct Collector {
    rows: Vec<ImportRow>,
    errors: Vec<RowError>,
    total_errors: usize,
    bad_lines: Vec<u64>,
}

impl Collector {
    fn error(&mut self, line: u64, column: Option<&'static str>, problem: Problem) {
        self.total_errors += 1;
        if self.bad_lines.last() != Some(&line) {
            self.bad_lines.push(line);
        }
        if self.errors.len() < MAX_ERRORS_LISTED {
            self.errors.push(RowError {
                line,
                column,
                problem,
            });
        }
    }
}

/// Parse a file (see the module docs).
///
/// # Errors
/// [`ImportError`]; with `skip_bad_rows`, only a file-level error.
pub fn parse(input: &[u8], options: &ImportOptions) -> Result<Parsed, ImportError> {
    let text = decode(input);
    let Some(header_line) = text.lines().find(|l| !l.trim().is_empty()) else {
        return Err(ImportError::Empty);
    };
    let delimiter = if header_line.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // The header.
    let header_ok = reader.read_record(&mut record).unwrap_or(false);
    if !header_ok {
        return Err(ImportError::Empty);
    }
    let names: Vec<String> = record.iter().map(normalize).collect();
    let format = if names == PLAIN_COLUMNS.map(normalize) {
        Format::Plain
    } else if names == DGA_COLUMNS.map(normalize) {
        Format::DgaMee
    } else {
        return Err(ImportError::UnknownHeader {
            found: header_line.trim().to_owned(),
        });
    };
    let expected = names.len();
    let mut c = Collector {
        rows: Vec::new(),
        errors: Vec::new(),
        total_errors: 0,
        bad_lines: Vec::new(),
    };
    let mut obra: Option<String> = options.obra.clone();
    let mut empty_rows = 0;
    let mut data_lines = 0;
    let mut first_level_line = None;
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                c.error(line, None, Problem::Csv(e.to_string()));
                break;
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        data_lines += 1;
        if record.len() != expected {
            c.error(
                line,
                None,
                Problem::CellCount {
                    found: record.len(),
                    expected,
                },
            );
            continue;
        }
        match format {
            Format::Plain => plain_row(&record, line, &mut c),
            Format::DgaMee => {
                let before = c.rows.len();
                dga_row(
                    &record,
                    line,
                    options,
                    &mut obra,
                    &mut first_level_line,
                    &mut c,
                );
                if c.rows.len() == before && c.bad_lines.last() != Some(&line) {
                    empty_rows += 1;
                }
            }
        }
    }
    if let (Some(line), WaterTable::Unspecified) = (first_level_line, options.water_table) {
        return Err(ImportError::WaterTableUnspecified { line });
    }
    // Rows of bad lines never count, even the good cells of a bad DGA line.
    if !c.bad_lines.is_empty() {
        let bad: std::collections::HashSet<u64> = c.bad_lines.iter().copied().collect();
        c.rows.retain(|r| !bad.contains(&r.line));
    }
    // Sort, collapse identical duplicates, report conflicts.
    c.rows.sort_by_key(|a| (a.time, a.variable, a.line));
    let mut out: Vec<ImportRow> = Vec::with_capacity(c.rows.len());
    let mut duplicates = 0;
    let mut conflicts: Vec<(u64, Problem)> = Vec::new();
    for r in std::mem::take(&mut c.rows) {
        match out.last() {
            Some(prev) if prev.time == r.time && prev.variable == r.variable => {
                if prev.value.to_bits() == r.value.to_bits() {
                    duplicates += 1;
                } else {
                    conflicts.push((
                        r.line,
                        Problem::Conflict {
                            line: prev.line,
                            earlier: prev.value,
                            value: r.value,
                        },
                    ));
                }
            }
            _ => out.push(r),
        }
    }
    if !conflicts.is_empty() {
        let bad: std::collections::HashSet<u64> = conflicts.iter().map(|(l, _)| *l).collect();
        for (line, p) in conflicts {
            c.error(line, None, p);
        }
        // A conflicting line is bad as a whole.
        out.retain(|r| !bad.contains(&r.line));
    }
    c.errors.sort_by_key(|e| e.line);
    if c.total_errors > 0 && !options.skip_bad_rows {
        return Err(ImportError::BadRows {
            errors: c.errors,
            total: c.total_errors,
        });
    }
    Ok(Parsed {
        format,
        rows: out,
        obra,
        skipped: c.errors,
        skipped_total: c.total_errors,
        duplicates,
        empty_rows,
        data_lines,
    })
}

fn plain_row(record: &csv::StringRecord, line: u64, c: &mut Collector) {
    let (time, variable, value) = (&record[0], &record[1], &record[2]);
    let mut ok = true;
    let t = match parse_rfc3339(time) {
        Ok(t) => Some(t),
        Err(p) => {
            c.error(line, Some("time"), p);
            ok = false;
            None
        }
    };
    let v = match Variable::parse(variable) {
        Some(Variable::Pulses) => {
            c.error(
                line,
                Some("variable"),
                Problem::NotImportable(Variable::Pulses),
            );
            ok = false;
            None
        }
        Some(v) => Some(v),
        None if variable.is_empty() => {
            c.error(line, Some("variable"), Problem::Empty);
            ok = false;
            None
        }
        None => {
            c.error(
                line,
                Some("variable"),
                Problem::UnknownVariable(variable.to_owned()),
            );
            ok = false;
            None
        }
    };
    let x = match number::parse_decimal(value) {
        Ok(x) => Some(x),
        Err(number::NumberError::Empty) => {
            c.error(line, Some("value"), Problem::Empty);
            ok = false;
            None
        }
        Err(number::NumberError::Invalid) => {
            c.error(line, Some("value"), Problem::BadNumber(value.to_owned()));
            ok = false;
            None
        }
    };
    if let (true, Some(time), Some(variable), Some(value)) = (ok, t, v, x) {
        c.rows.push(ImportRow {
            time,
            variable,
            value,
            line,
        });
    }
}

fn parse_rfc3339(s: &str) -> Result<UtcMillis, Problem> {
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Ok(UtcMillis(t.timestamp_millis())),
        Err(_) => {
            let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"));
            if naive.is_ok() {
                Err(Problem::NoOffset(s.to_owned()))
            } else {
                Err(Problem::BadTime(s.to_owned()))
            }
        }
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        .into_iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

fn parse_hour(s: &str) -> Option<NaiveTime> {
    ["%H:%M:%S", "%H:%M"]
        .into_iter()
        .find_map(|f| NaiveTime::parse_from_str(s, f).ok())
}

fn dga_row(
    record: &csv::StringRecord,
    line: u64,
    options: &ImportOptions,
    obra: &mut Option<String>,
    first_level_line: &mut Option<u64>,
    c: &mut Collector,
) {
    let bad_before = c.total_errors;
    let code = &record[0];
    if code.is_empty() {
        c.error(line, Some(DGA_COLUMNS[0]), Problem::Empty);
    } else {
        match obra {
            Some(expected) if expected != code => c.error(
                line,
                Some(DGA_COLUMNS[0]),
                Problem::OtherObra {
                    found: code.to_owned(),
                    expected: expected.clone(),
                },
            ),
            Some(_) => {}
            None => *obra = Some(code.to_owned()),
        }
    }
    let date = match &record[1] {
        "" => {
            c.error(line, Some(DGA_COLUMNS[1]), Problem::Empty);
            None
        }
        s => parse_date(s).or_else(|| {
            c.error(line, Some(DGA_COLUMNS[1]), Problem::BadDate(s.to_owned()));
            None
        }),
    };
    let hour = match &record[2] {
        "" => {
            c.error(line, Some(DGA_COLUMNS[2]), Problem::Empty);
            None
        }
        s => parse_hour(s).or_else(|| {
            c.error(line, Some(DGA_COLUMNS[2]), Problem::BadHour(s.to_owned()));
            None
        }),
    };
    let mut values: [Option<f64>; 3] = [None; 3];
    for (k, slot) in values.iter_mut().enumerate() {
        let cell = &record[3 + k];
        let column = DGA_COLUMNS[3 + k];
        match number::parse_decimal(cell) {
            Ok(v) if v < 0.0 => c.error(line, Some(column), Problem::Negative(v)),
            Ok(v) => *slot = Some(v),
            Err(number::NumberError::Empty) => {}
            Err(number::NumberError::Invalid) => {
                c.error(line, Some(column), Problem::BadNumber(cell.to_owned()));
            }
        }
    }
    if values[2].is_some() && first_level_line.is_none() {
        *first_level_line = Some(line);
    }
    let level = match (values[2], options.water_table) {
        (Some(depth), WaterTable::BelowSensor { sensor_depth_m }) => {
            let l = sensor_depth_m - depth;
            if l < 0.0 {
                c.error(
                    line,
                    Some(DGA_COLUMNS[5]),
                    Problem::LevelBelowSensor {
                        depth_m: depth,
                        sensor_depth_m,
                    },
                );
                None
            } else {
                Some(l)
            }
        }
        (Some(depth), WaterTable::AsIs) => Some(depth),
        _ => None,
    };
    let (Some(date), Some(hour)) = (date, hour) else {
        return;
    };
    if c.total_errors > bad_before {
        return;
    }
    let time = options.zone.resolve(date.and_time(hour));
    for (variable, value) in [
        (Variable::Flow, values[0]),
        (Variable::Total, values[1]),
        (Variable::Level, level),
    ] {
        if let Some(value) = value {
            c.rows.push(ImportRow {
                time,
                variable,
                value,
                line,
            });
        }
    }
}

/// Rows grouped per variable, each in time order (what a store write wants).
#[must_use]
pub fn by_variable(rows: &[ImportRow]) -> HashMap<Variable, Vec<(UtcMillis, f64)>> {
    let mut out: HashMap<Variable, Vec<(UtcMillis, f64)>> = HashMap::new();
    for r in rows {
        out.entry(r.variable).or_default().push((r.time, r.value));
    }
    out
}

#[cfg(test)]
mod tests;
