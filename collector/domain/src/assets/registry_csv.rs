//! CSV import and export of the asset registry.
//!
//! One row per asset, with this header (in this order; export writes it,
//! import requires it):
//!
//! | column | content | empty means |
//! |--------|---------|-------------|
//! | `code` | asset tag, unique | (required) |
//! | `name` | name | (required) |
//! | `kind` | `well`, `pump`, `motor`, `flow_meter`, `level_sensor`, `gateway`, `other` | (required) |
//! | `site` | site code | (required) |
//! | `point` | catchment point code, at that site | no point |
//! | `parent` | parent asset code, in the file or already stored | no parent |
//! | `class`, `model`, `manufacturer`, `serial` | text | unknown |
//! | `installed_on` | `YYYY-MM-DD` | unknown |
//! | `criticality` | `A`, `B` or `C` | (required) |
//! | `calendar` | `24/7` or weekly windows (see [`super::calendar`]) | `24/7` |
//! | `calendar_zone` | IANA zone or `±HH:MM` | `America/Santiago` |
//! | `calendar_exceptions` | `FROM/TO on\|off; ...` | none |
//! | `attributes` | `key=value; ...` (see [`super::attributes`]) | none |
//! | `run_signal` | `pump_state@POINT` or `motor_current@POINT>THRESHOLD_A` | none |
//! | `volume` | `pulses@POINT` (agent counter) or `total@POINT` (device totaliser) | no m³ meter |
//! | `run_hours` | `run_signal` or `run_hours@POINT` (a register) | no run-hours meter |
//! | `starts` | `run_signal` or `starts@POINT` (a register) | no starts meter |
//!
//! A series reference may name its source channel after `#`
//! (`pulses@P-01#caudalimetro`) when the point has several series of that
//! variable. Errors are reported by line and column name; a file with any
//! error imports nothing. Parents are resolved across the file and the
//! stored registry, and a cycle or an unknown parent is an error of the row
//! that names it. Export followed by import gives the same registry.

use std::collections::{BTreeMap, HashMap};

use caudal_protocol::Variable;
use chrono::NaiveDate;

use super::attributes::Attributes;
use super::calendar::{RequiredCalendar, parse_exceptions, parse_weekly};
use super::meters::{MeterBindings, MeterSource, RunSignal, SeriesRef, TotalKind, check_bindings};
use super::{Asset, Criticality, check_code};
use crate::{AssetId, AssetKind, PointId, SiteId, Zone};

/// The header, in order.
pub const COLUMNS: [&str; 20] = [
    "code",
    "name",
    "kind",
    "site",
    "point",
    "parent",
    "class",
    "model",
    "manufacturer",
    "serial",
    "installed_on",
    "criticality",
    "calendar",
    "calendar_zone",
    "calendar_exceptions",
    "attributes",
    "run_signal",
    "volume",
    "run_hours",
    "starts",
];

/// Site and point codes, for resolving and writing references.
#[derive(Clone, Debug, Default)]
pub struct CodeBook {
    /// `(id, code)` of every site.
    pub sites: Vec<(SiteId, String)>,
    /// `(id, site, code)` of every point.
    pub points: Vec<(PointId, SiteId, String)>,
}

impl CodeBook {
    fn site(&self, code: &str) -> Option<SiteId> {
        self.sites
            .iter()
            .find(|(_, c)| c == code)
            .map(|(id, _)| *id)
    }
    fn site_code(&self, id: SiteId) -> String {
        self.sites
            .iter()
            .find(|(i, _)| *i == id)
            .map_or_else(|| format!("#{id}"), |(_, c)| c.clone())
    }
    fn point(&self, code: &str) -> Option<(PointId, SiteId)> {
        self.points
            .iter()
            .find(|(_, _, c)| c == code)
            .map(|(id, site, _)| (*id, *site))
    }
    fn point_code(&self, id: PointId) -> String {
        self.points
            .iter()
            .find(|(i, _, _)| *i == id)
            .map_or_else(|| format!("#{id}"), |(_, _, c)| c.clone())
    }
}

/// An asset read from a file: ids are not assigned yet (`asset.id` is 0 and
/// `asset.parent` is `None`); the parent is by code.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetDraft {
    /// Its line in the file.
    pub line: u64,
    /// The asset.
    pub asset: Asset,
    /// Parent code.
    pub parent_code: Option<String>,
}

/// An error in a registry file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// Line (1 = the header).
    pub line: u64,
    /// Column name, when one cell is at fault.
    pub column: Option<&'static str>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column \"{c}\": {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

fn series_text(s: &SeriesRef, book: &CodeBook) -> String {
    let mut t = format!("{}@{}", s.variable, book.point_code(s.point));
    if let Some(src) = &s.source {
        t.push('#');
        t.push_str(src);
    }
    t
}

fn parse_series(text: &str, book: &CodeBook) -> Result<SeriesRef, String> {
    let (variable, rest) = text
        .split_once('@')
        .ok_or_else(|| format!("`{text}` is not variable@POINT"))?;
    let variable = Variable::parse(variable.trim())
        .ok_or_else(|| format!("`{}` is not a variable", variable.trim()))?;
    let (point, source) = match rest.split_once('#') {
        Some((p, s)) => (p.trim(), Some(s.trim().to_owned())),
        None => (rest.trim(), None),
    };
    let (point, _) = book
        .point(point)
        .ok_or_else(|| format!("no point with code `{point}`"))?;
    Ok(SeriesRef {
        point,
        variable,
        source,
    })
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Write the registry (rows by code).
#[must_use]
pub fn write_registry(assets: &[Asset], book: &CodeBook) -> String {
    let codes: HashMap<AssetId, &str> = assets.iter().map(|a| (a.id, a.code.as_str())).collect();
    let mut sorted: Vec<&Asset> = assets.iter().collect();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    for a in sorted {
        let source = |m: &MeterSource| match m {
            MeterSource::RunSignal => "run_signal".to_owned(),
            MeterSource::Register(s) => series_text(s, book),
            MeterSource::None => String::new(),
        };
        let run_signal = match &a.run_signal {
            None => String::new(),
            Some(RunSignal::PumpState(s)) => series_text(s, book),
            Some(RunSignal::MotorCurrent {
                series,
                threshold_a,
            }) => format!("{}>{threshold_a}", series_text(series, book)),
        };
        let row: [String; 20] = [
            a.code.clone(),
            a.name.clone(),
            a.kind.to_string(),
            book.site_code(a.site),
            a.point.map(|p| book.point_code(p)).unwrap_or_default(),
            a.parent
                .and_then(|p| codes.get(&p).map(|c| (*c).to_owned()))
                .unwrap_or_default(),
            a.class.clone().unwrap_or_default(),
            a.model.clone().unwrap_or_default(),
            a.manufacturer.clone().unwrap_or_default(),
            a.serial.clone().unwrap_or_default(),
            a.installed_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            a.criticality.to_string(),
            a.calendar.weekly_text(),
            a.calendar.zone.name(),
            a.calendar.exceptions_text(),
            a.attributes.to_text(),
            run_signal,
            a.meters
                .volume
                .as_ref()
                .map(|(s, _)| series_text(s, book))
                .unwrap_or_default(),
            source(&a.meters.run_hours),
            source(&a.meters.starts),
        ];
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Read a registry file, resolving codes through `book` and parents across
/// the file and `existing` (the stored assets; a row with a stored code
/// replaces it).
///
/// # Errors
/// Every [`CsvError`], by line; nothing is returned when there is one.
pub fn read_registry(
    input: &[u8],
    book: &CodeBook,
    existing: &[Asset],
) -> Result<Vec<AssetDraft>, Vec<CsvError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input));
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) if record.iter().eq(COLUMNS) => {}
        Ok(true) => {
            return Err(vec![CsvError {
                line: 1,
                column: None,
                message: format!("the header must be `{}`", COLUMNS.join(",")),
            }]);
        }
        Ok(false) => {
            return Err(vec![CsvError {
                line: 1,
                column: None,
                message: "the file is empty".to_owned(),
            }]);
        }
        Err(e) => {
            return Err(vec![CsvError {
                line: 1,
                column: None,
                message: e.to_string(),
            }]);
        }
    }
    let mut drafts: Vec<AssetDraft> = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.push(CsvError {
                    line: e.position().map_or(0, csv::Position::line),
                    column: None,
                    message: e.to_string(),
                });
                break;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != COLUMNS.len() {
            errors.push(CsvError {
                line,
                column: None,
                message: format!(
                    "has {} cells, the header has {}",
                    record.len(),
                    COLUMNS.len()
                ),
            });
            continue;
        }
        if let Some(d) = read_row(&record, line, book, &mut errors) {
            drafts.push(d);
        }
    }
    check_file_hierarchy(&drafts, existing, &mut errors);
    if errors.is_empty() {
        Ok(drafts)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

fn read_row(
    r: &csv::StringRecord,
    line: u64,
    book: &CodeBook,
    errors: &mut Vec<CsvError>,
) -> Option<AssetDraft> {
    let before = errors.len();
    let mut err = |column: &'static str, message: String| {
        errors.push(CsvError {
            line,
            column: Some(column),
            message,
        });
    };
    let cell = |name: &str| {
        r.get(COLUMNS.iter().position(|c| *c == name).unwrap_or(0))
            .unwrap_or("")
    };
    let code = cell("code").to_owned();
    if let Err(e) = check_code(&code) {
        err("code", e.to_string());
    }
    let name = cell("name").to_owned();
    if name.is_empty() {
        err("name", "is empty".to_owned());
    }
    let kind = AssetKind::parse(cell("kind"));
    if kind.is_none() {
        err(
            "kind",
            format!(
                "`{}` is not an asset kind (one of: {})",
                cell("kind"),
                AssetKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let site = book.site(cell("site"));
    if site.is_none() {
        err("site", format!("no site with code `{}`", cell("site")));
    }
    let point = match opt(cell("point")) {
        None => None,
        Some(p) => match book.point(&p) {
            Some((id, psite)) => {
                if site.is_some_and(|s| s != psite) {
                    err("point", format!("point `{p}` is at another site"));
                }
                Some(id)
            }
            None => {
                err("point", format!("no point with code `{p}`"));
                None
            }
        },
    };
    let installed_on = match opt(cell("installed_on")) {
        None => None,
        Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                err("installed_on", format!("`{d}` is not a date YYYY-MM-DD"));
                None
            }
        },
    };
    let criticality = Criticality::parse(cell("criticality"));
    if criticality.is_none() {
        err(
            "criticality",
            format!("`{}` is not a criticality (A, B or C)", cell("criticality")),
        );
    }
    let weekly = parse_weekly(cell("calendar"))
        .map_err(|e| err("calendar", e.to_string()))
        .ok();
    let zone = match opt(cell("calendar_zone")) {
        None => Some(Zone::SANTIAGO),
        Some(z) => Zone::parse(&z)
            .map_err(|e| err("calendar_zone", e.to_string()))
            .ok(),
    };
    let exceptions = parse_exceptions(cell("calendar_exceptions"))
        .map_err(|e| err("calendar_exceptions", e.to_string()))
        .ok();
    let attributes = kind.and_then(|k| {
        Attributes::parse(k, cell("attributes"))
            .map_err(|e| err("attributes", e.to_string()))
            .ok()
    });
    let run_signal = match opt(cell("run_signal")) {
        None => Some(None),
        Some(t) => {
            let (series, threshold) = match t.split_once('>') {
                Some((s, th)) => (s.trim().to_owned(), Some(th.trim().to_owned())),
                None => (t.clone(), None),
            };
            match (parse_series(&series, book), threshold) {
                (Err(m), _) => {
                    err("run_signal", m);
                    None
                }
                (Ok(s), None) => Some(Some(RunSignal::PumpState(s))),
                (Ok(s), Some(th)) => match crate::import::number::parse_decimal(&th) {
                    Ok(threshold_a) => Some(Some(RunSignal::MotorCurrent {
                        series: s,
                        threshold_a,
                    })),
                    Err(_) => {
                        err(
                            "run_signal",
                            format!("`{th}` is not a current threshold in A"),
                        );
                        None
                    }
                },
            }
        }
    };
    let volume = match opt(cell("volume")) {
        None => Some(None),
        Some(t) => match parse_series(&t, book) {
            Ok(s) => {
                let kind = if s.variable == Variable::Pulses {
                    TotalKind::EpochCounter
                } else {
                    TotalKind::Totaliser
                };
                Some(Some((s, kind)))
            }
            Err(m) => {
                err("volume", m);
                None
            }
        },
    };
    let mut source = |column: &'static str| match opt(cell(column)) {
        None => Some(MeterSource::None),
        Some(t) if t == "run_signal" => Some(MeterSource::RunSignal),
        Some(t) => match parse_series(&t, book) {
            Ok(s) => Some(MeterSource::Register(s)),
            Err(m) => {
                err(column, m);
                None
            }
        },
    };
    let run_hours = source("run_hours");
    let starts = source("starts");
    if errors.len() > before {
        return None;
    }
    let (Some(kind), Some(site), Some(criticality), Some(weekly), Some(zone), Some(exceptions)) =
        (kind, site, criticality, weekly, zone, exceptions)
    else {
        return None;
    };
    let (Some(attributes), Some(run_signal), Some(volume), Some(run_hours), Some(starts)) =
        (attributes, run_signal, volume, run_hours, starts)
    else {
        return None;
    };
    let meters = MeterBindings {
        volume,
        run_hours,
        starts,
    };
    if let Err(e) = check_bindings(run_signal.as_ref(), &meters) {
        let column = match e {
            super::BindingError::NoRunSignal("run-hours") => "run_hours",
            super::BindingError::NoRunSignal(_) => "starts",
            super::BindingError::Threshold(_) => "run_signal",
            super::BindingError::WrongVariable { what, .. } if what.contains("m³") => "volume",
            super::BindingError::WrongVariable {
                what: "run-hours", ..
            } => "run_hours",
            super::BindingError::WrongVariable { what: "starts", .. } => "starts",
            super::BindingError::WrongVariable { .. } => "run_signal",
        };
        errors.push(CsvError {
            line,
            column: Some(column),
            message: e.to_string(),
        });
        return None;
    }
    Some(AssetDraft {
        line,
        asset: Asset {
            id: AssetId(0),
            code,
            name,
            kind,
            site,
            point,
            parent: None,
            class: opt(cell("class")),
            model: opt(cell("model")),
            manufacturer: opt(cell("manufacturer")),
            serial: opt(cell("serial")),
            installed_on,
            criticality,
            calendar: RequiredCalendar {
                weekly,
                zone,
                exceptions,
            },
            attributes,
            run_signal,
            meters,
        },
        parent_code: opt(cell("parent")),
    })
}

fn check_file_hierarchy(drafts: &[AssetDraft], existing: &[Asset], errors: &mut Vec<CsvError>) {
    // code -> (site, parent code, line in the file or 0 if stored)
    let stored: HashMap<AssetId, &str> = existing.iter().map(|a| (a.id, a.code.as_str())).collect();
    let mut graph: BTreeMap<String, (SiteId, Option<String>, u64)> = existing
        .iter()
        .map(|a| {
            (
                a.code.clone(),
                (
                    a.site,
                    a.parent
                        .and_then(|p| stored.get(&p).map(|c| (*c).to_owned())),
                    0,
                ),
            )
        })
        .collect();
    let mut seen_in_file: HashMap<&str, u64> = HashMap::new();
    for d in drafts {
        if let Some(first) = seen_in_file.insert(&d.asset.code, d.line) {
            errors.push(CsvError {
                line: d.line,
                column: Some("code"),
                message: format!("asset code `{}` is already on line {first}", d.asset.code),
            });
        }
        graph.insert(
            d.asset.code.clone(),
            (d.asset.site, d.parent_code.clone(), d.line),
        );
    }
    for d in drafts {
        let Some(parent) = &d.parent_code else {
            continue;
        };
        let Some((psite, _, _)) = graph.get(parent) else {
            errors.push(CsvError {
                line: d.line,
                column: Some("parent"),
                message: format!("the parent `{parent}` of `{}` does not exist", d.asset.code),
            });
            continue;
        };
        if *psite != d.asset.site {
            errors.push(CsvError {
                line: d.line,
                column: Some("parent"),
                message: format!(
                    "the parent `{parent}` of `{}` is at another site",
                    d.asset.code
                ),
            });
            continue;
        }
        let mut path = vec![d.asset.code.clone()];
        let mut at = parent.clone();
        loop {
            path.push(at.clone());
            if at == d.asset.code {
                errors.push(CsvError {
                    line: d.line,
                    column: Some("parent"),
                    message: format!(
                        "setting the parent of `{}` to `{parent}` would make a cycle: {}",
                        d.asset.code,
                        path.join(" → ")
                    ),
                });
                break;
            }
            if path.len() > graph.len() + 1 {
                break;
            }
            match graph.get(&at).and_then(|(_, p, _)| p.clone()) {
                Some(up) => at = up,
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::AttributeKey;

    fn book() -> CodeBook {
        CodeBook {
            sites: vec![
                (SiteId(1), "EL-ROBLE".to_owned()),
                (SiteId(2), "LA-VEGA".to_owned()),
            ],
            points: vec![
                (PointId(10), SiteId(1), "P-01".to_owned()),
                (PointId(20), SiteId(2), "P-02".to_owned()),
            ],
        }
    }

    fn registry() -> Vec<Asset> {
        let mut well_attrs = Attributes::new();
        well_attrs
            .set(AssetKind::Well, AttributeKey::WaterRightLs, 25.0)
            .unwrap();
        well_attrs
            .set(AssetKind::Well, AttributeKey::SensorDepthM, 60.5)
            .unwrap();
        let mut pump_attrs = Attributes::new();
        pump_attrs
            .set(AssetKind::Pump, AttributeKey::RatedCurrentA, 41.2)
            .unwrap();
        let series = |v: Variable| SeriesRef {
            point: PointId(10),
            variable: v,
            source: None,
        };
        let well = Asset {
            id: AssetId(1),
            code: "W-01".to_owned(),
            name: "Pozo 1, \"norte\"".to_owned(),
            kind: AssetKind::Well,
            site: SiteId(1),
            point: Some(PointId(10)),
            parent: None,
            class: None,
            model: None,
            manufacturer: None,
            serial: None,
            installed_on: Some(NaiveDate::from_ymd_opt(2019, 3, 1).unwrap()),
            criticality: Criticality::A,
            calendar: RequiredCalendar::default(),
            attributes: well_attrs,
            run_signal: None,
            meters: MeterBindings {
                volume: Some((
                    SeriesRef {
                        source: Some("caudalimetro".to_owned()),
                        ..series(Variable::Pulses)
                    },
                    TotalKind::EpochCounter,
                )),
                run_hours: MeterSource::None,
                starts: MeterSource::None,
            },
        };
        let pump = Asset {
            id: AssetId(2),
            code: "P-101".to_owned(),
            name: "Bomba sumergible".to_owned(),
            kind: AssetKind::Pump,
            parent: Some(AssetId(1)),
            class: Some("bomba sumergible 4\"".to_owned()),
            model: Some("SP 17-8".to_owned()),
            manufacturer: Some("Grundfos".to_owned()),
            serial: Some("A1234".to_owned()),
            criticality: Criticality::B,
            calendar: RequiredCalendar {
                weekly: parse_weekly("mon-fri 08:00-18:00").unwrap(),
                zone: Zone::SANTIAGO,
                exceptions: parse_exceptions("2026-09-18T00:00:00Z/2026-09-20T00:00:00Z off")
                    .unwrap(),
            },
            attributes: pump_attrs,
            run_signal: Some(RunSignal::MotorCurrent {
                series: series(Variable::MotorCurrent),
                threshold_a: 5.5,
            }),
            meters: MeterBindings {
                volume: None,
                run_hours: MeterSource::RunSignal,
                starts: MeterSource::Register(series(Variable::Starts)),
            },
            ..well.clone()
        };
        vec![well, pump]
    }

    #[test]
    fn export_then_import_gives_the_same_registry() {
        let assets = registry();
        let text = write_registry(&assets, &book());
        assert!(text.starts_with("code,name,kind,site,point,parent,"));
        assert!(
            text.contains("P-101,Bomba sumergible,pump,EL-ROBLE,P-01,W-01,"),
            "{text}"
        );
        assert!(text.contains("motor_current@P-01>5.5"), "{text}");
        let drafts = read_registry(text.as_bytes(), &book(), &[]).unwrap();
        assert_eq!(drafts.len(), 2);
        for d in &drafts {
            let mut expected = assets
                .iter()
                .find(|a| a.code == d.asset.code)
                .unwrap()
                .clone();
            expected.id = AssetId(0);
            expected.parent = None;
            assert_eq!(d.asset, expected);
        }
        assert_eq!(
            drafts[0].parent_code.as_deref(),
            Some("W-01"),
            "P-101 sorts first"
        );
        assert_eq!(drafts[0].line, 2);
        // Exporting what was read gives the same text.
        let again: Vec<Asset> = drafts
            .iter()
            .enumerate()
            .map(|(i, d)| Asset {
                id: AssetId(i64::try_from(i).unwrap() + 1),
                ..d.asset.clone()
            })
            .collect();
        let mut again = again;
        again[0].parent = Some(AssetId(2));
        assert_eq!(write_registry(&again, &book()), text);
    }

    fn row(cells: &[(&str, &str)]) -> String {
        let mut values: Vec<String> = COLUMNS.iter().map(|_| String::new()).collect();
        values[2] = "pump".to_owned();
        values[3] = "EL-ROBLE".to_owned();
        values[11] = "C".to_owned();
        for (k, v) in cells {
            let i = COLUMNS.iter().position(|c| c == k).unwrap();
            values[i] = (*v).to_owned();
        }
        values
            .iter()
            .map(|v| {
                if v.contains(',') || v.contains('"') {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn errors(rows: &[String], existing: &[Asset]) -> Vec<String> {
        let text = format!("{}\n{}\n", COLUMNS.join(","), rows.join("\n"));
        read_registry(text.as_bytes(), &book(), existing)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn errors_are_reported_by_line_and_column_name() {
        let rows = [
            row(&[("code", "A 1"), ("name", "x")]),
            row(&[("code", "A2"), ("name", "x"), ("kind", "pomp")]),
            row(&[
                ("code", "A3"),
                ("name", "x"),
                ("site", "NOPE"),
                ("criticality", "D"),
            ]),
            row(&[("code", "A4"), ("name", "x"), ("point", "P-02")]),
            row(&[
                ("code", "A5"),
                ("name", "x"),
                ("attributes", "water_right_l_s=3"),
            ]),
            row(&[("code", "A6"), ("name", "x"), ("run_signal", "flow@P-01")]),
            row(&[("code", "A7"), ("name", "x"), ("run_hours", "run_signal")]),
            row(&[
                ("code", "A8"),
                ("name", "x"),
                ("installed_on", "01/03/2019"),
                ("calendar", "lun 08:00-10:00"),
            ]),
            row(&[("code", "A9"), ("name", "")]),
        ];
        assert_eq!(
            errors(&rows, &[]),
            vec![
                "line 2, column \"code\": invalid code `A 1`: use 1 to 64 letters, digits, -, _, . or /",
                "line 3, column \"kind\": `pomp` is not an asset kind (one of: well, pump, motor, flow_meter, level_sensor, gateway, other)",
                "line 4, column \"site\": no site with code `NOPE`",
                "line 4, column \"criticality\": `D` is not a criticality (A, B or C)",
                "line 5, column \"point\": point `P-02` is at another site",
                "line 6, column \"attributes\": attribute `water_right_l_s` does not apply to a pump (it applies to: well)",
                "line 7, column \"run_signal\": the pump-state run signal must read a `pump_state` series, not `flow`",
                "line 8, column \"run_hours\": run-hours comes from the run signal, but the asset has no run signal",
                "line 9, column \"installed_on\": `01/03/2019` is not a date YYYY-MM-DD",
                "line 9, column \"calendar\": invalid day `lun`: use mon, tue, wed, thu, fri, sat, sun",
                "line 10, column \"name\": is empty",
            ]
        );
    }

    #[test]
    fn cycles_and_unknown_parents_in_a_file_are_refused() {
        let rows = [
            row(&[("code", "A"), ("name", "a"), ("parent", "B")]),
            row(&[("code", "B"), ("name", "b"), ("parent", "C")]),
            row(&[("code", "C"), ("name", "c"), ("parent", "A")]),
            row(&[("code", "D"), ("name", "d"), ("parent", "ZZ")]),
            row(&[("code", "D"), ("name", "d2")]),
        ];
        let e = errors(&rows, &[]);
        assert_eq!(
            e[0],
            "line 2, column \"parent\": setting the parent of `A` to `B` would make a cycle: A → B → C → A"
        );
        assert_eq!(
            e[3],
            "line 5, column \"parent\": the parent `ZZ` of `D` does not exist"
        );
        assert_eq!(
            e[4],
            "line 6, column \"code\": asset code `D` is already on line 5"
        );
        // A stored asset can be a parent; a file row can re-parent a stored asset.
        let stored = registry();
        let ok = [row(&[
            ("code", "M-201"),
            ("name", "Motor"),
            ("kind", "motor"),
            ("parent", "P-101"),
        ])];
        let text = format!("{}\n{}\n", COLUMNS.join(","), ok.join("\n"));
        assert_eq!(
            read_registry(text.as_bytes(), &book(), &stored).unwrap()[0]
                .parent_code
                .as_deref(),
            Some("P-101")
        );
        let cyc = [row(&[
            ("code", "W-01"),
            ("name", "Pozo"),
            ("kind", "well"),
            ("parent", "P-101"),
        ])];
        assert_eq!(
            errors(&cyc, &stored),
            vec![
                "line 2, column \"parent\": setting the parent of `W-01` to `P-101` would make a cycle: W-01 → P-101 → W-01"
            ]
        );
    }

    #[test]
    fn a_wrong_header_is_refused() {
        let e = read_registry(b"code,name\nA,b\n", &book(), &[]).unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(
            e[0].to_string()
                .starts_with("line 1: the header must be `code,name,kind,")
        );
    }
}
