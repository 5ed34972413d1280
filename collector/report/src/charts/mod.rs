//! SVG charts drawn in Rust, for the report, the e-mail and the web pages.
//!
//! Four kinds: [`BarChart`] (one series, optional target line),
//! [`StackedBarChart`] (several series stacked per category, with a legend),
//! [`LineChart`] (trend over categories, gaps for missing values, optional
//! target line) and [`HBarChart`] (a small horizontal bar ranking, with an
//! optional marker per row such as an MTBF lower bound).
//!
//! # Output
//! - Deterministic: the same chart gives the same bytes (coordinates are
//!   written with one decimal, no random ids, no clock).
//! - Accessible: `role="img"` and `aria-labelledby` pointing at a `<title>`
//!   and a `<desc>` that lists every value in words, so a screen reader (or
//!   a mail client that shows no image) still has the numbers. Ids are
//!   prefixed with the chart's `id`, so several charts can share a page.
//! - Every text is XML-escaped ([`escape`]).
//! - Numbers follow [`crate::format`]: decimal comma in Spanish, point in
//!   English. A missing value is drawn as a gap or a label ("sin datos" /
//!   "no data"), never as 0.
//! - Text is set in `DejaVu Sans` (embedded in the crate, [`crate::fonts`]),
//!   with `sans-serif` as the fallback for browsers.
//!
//! Hand-written SVG keeps the crate free of plotting and font-discovery
//! dependencies (plotters' default `ttf` feature pulls font-kit and
//! fontconfig: reference §4).

use std::fmt::Write as _;

use caudal_collector_domain::Lang;

use crate::format;
use crate::labels::Labels;

/// A chart that cannot be drawn as given.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ChartError {
    /// A series whose length differs from the categories'.
    #[error("chart `{chart}`: series `{series}` has {found} values for {expected} categories")]
    SeriesLength {
        /// The chart's id.
        chart: String,
        /// The series.
        series: String,
        /// Its values.
        found: usize,
        /// The categories.
        expected: usize,
    },
    /// A value that is not a finite number.
    #[error("chart `{chart}`: value {index} of `{series}` is not a finite number ({value})")]
    NotFinite {
        /// The chart's id.
        chart: String,
        /// The series (or row).
        series: String,
        /// Zero-based position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A negative value in a bar chart (bars start at 0).
    #[error(
        "chart `{chart}`: value {index} of `{series}` is negative ({value}); bars start at zero"
    )]
    Negative {
        /// The chart's id.
        chart: String,
        /// The series (or row).
        series: String,
        /// Zero-based position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// An id that is not a plain name (it is used in element ids and file names).
    #[error("chart id `{0}` must be 1 to 40 ASCII letters, digits or hyphens")]
    BadId(String),
}

/// The unit of a chart's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A plain number.
    Plain,
    /// A count (no decimals on ticks).
    Count,
    /// Hours: `12,5 h`.
    Hours,
    /// A fraction shown as a percentage: 0.973 → `97,3 %`.
    Percent,
    /// A number followed by a word, e.g. crew-weeks.
    Suffix(&'static str),
}

/// How a chart writes its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberFormat {
    /// The unit.
    pub unit: Unit,
    /// Decimals of value labels.
    pub decimals: usize,
}

impl NumberFormat {
    /// Counts: no decimals.
    pub const COUNT: NumberFormat = NumberFormat {
        unit: Unit::Count,
        decimals: 0,
    };
    /// Hours with one decimal.
    pub const HOURS: NumberFormat = NumberFormat {
        unit: Unit::Hours,
        decimals: 1,
    };
    /// Percent with one decimal.
    pub const PERCENT: NumberFormat = NumberFormat {
        unit: Unit::Percent,
        decimals: 1,
    };

    /// `v` as a label.
    #[must_use]
    pub fn format(&self, lang: Lang, v: f64) -> String {
        self.format_with(lang, v, self.decimals)
    }

    fn format_with(&self, lang: Lang, v: f64, decimals: usize) -> String {
        match self.unit {
            Unit::Plain | Unit::Count => format::number(lang, v, decimals),
            Unit::Hours => format!("{} h", format::number(lang, v, decimals)),
            Unit::Percent => format::percent(lang, v, decimals),
            Unit::Suffix(s) => format!("{} {s}", format::number(lang, v, decimals)),
        }
    }

    /// The scale factor from value to axis number (100 for percent).
    fn axis_factor(&self) -> f64 {
        if self.unit == Unit::Percent {
            100.0
        } else {
            1.0
        }
    }
}

/// A horizontal reference line (a target).
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Its value, in the chart's unit (a fraction for percent).
    pub value: f64,
    /// Its label, e.g. `meta 90 %`.
    pub label: String,
}

/// One series of a stacked bar or line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name (legend).
    pub name: String,
    /// One value per category; `None` is missing (a gap, never 0).
    pub values: Vec<Option<f64>>,
}

/// A bar chart of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// Id: element-id prefix and file stem (ASCII letters, digits, hyphens).
    pub id: String,
    /// Title (drawn and in `<title>`).
    pub title: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// One value per category; `None` is drawn as "no data".
    pub values: Vec<Option<f64>>,
    /// How values are written.
    pub format: NumberFormat,
    /// A target line.
    pub target: Option<Target>,
    /// Upper end of the axis at least this (e.g. 1.0 for percent).
    pub y_max: Option<f64>,
}

/// Bars of several series stacked per category.
#[derive(Clone, Debug, PartialEq)]
pub struct StackedBarChart {
    /// Id (see [`BarChart::id`]).
    pub id: String,
    /// Title.
    pub title: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// The series, bottom first; missing values count as nothing stacked.
    pub series: Vec<Series>,
    /// How values are written.
    pub format: NumberFormat,
}

/// A trend line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Id (see [`BarChart::id`]).
    pub id: String,
    /// Title.
    pub title: String,
    /// Category labels (x axis, equally spaced).
    pub categories: Vec<String>,
    /// The lines.
    pub series: Vec<Series>,
    /// How values are written.
    pub format: NumberFormat,
    /// A target line.
    pub target: Option<Target>,
    /// Lower end of the axis (default 0).
    pub y_min: Option<f64>,
    /// Upper end of the axis at least this.
    pub y_max: Option<f64>,
}

/// One row of a horizontal bar ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct HBarRow {
    /// Its label.
    pub label: String,
    /// Its value; `None` draws `note` (or "no data") instead of a bar.
    pub value: Option<f64>,
    /// A marker drawn as a tick on the row (e.g. a lower bound).
    pub marker: Option<f64>,
    /// Text after the value, or instead of it when there is none.
    pub note: Option<String>,
}

/// A small horizontal bar chart for rankings.
#[derive(Clone, Debug, PartialEq)]
pub struct HBarChart {
    /// Id (see [`BarChart::id`]).
    pub id: String,
    /// Title.
    pub title: String,
    /// Rows, top first.
    pub rows: Vec<HBarRow>,
    /// How values are written.
    pub format: NumberFormat,
    /// The legend of the marker, when rows carry one.
    pub marker_label: Option<String>,
    /// Upper end of the axis at least this.
    pub x_max: Option<f64>,
}

/// The colours of series, in order (Okabe–Ito, readable with colour
/// blindness).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999", "#F0E442",
];

const WIDTH: f64 = 640.0;
const FONT: &str = "DejaVu Sans, Verdana, sans-serif";
const TEXT: &str = "#222222";
const MUTED: &str = "#666666";
const GRID: &str = "#DDDDDD";
const TARGET: &str = "#C0392B";

/// XML-escape text for an SVG or HTML text node or attribute.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Shorten a label to `max` characters, ending in `…`.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Approximate width of a text in DejaVu Sans at `size` px.
fn text_width(s: &str, size: f64) -> f64 {
    let n = s.chars().count() as f64;
    n * size * 0.6
}

fn check_id(id: &str) -> Result<(), ChartError> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ChartError::BadId(id.to_owned()))
    }
}

fn check_values(
    chart: &str,
    series: &str,
    values: &[Option<f64>],
    expected: usize,
    non_negative: bool,
) -> Result<(), ChartError> {
    if values.len() != expected {
        return Err(ChartError::SeriesLength {
            chart: chart.to_owned(),
            series: series.to_owned(),
            found: values.len(),
            expected,
        });
    }
    for (index, v) in values.iter().enumerate() {
        let Some(v) = *v else { continue };
        if !v.is_finite() {
            return Err(ChartError::NotFinite {
                chart: chart.to_owned(),
                series: series.to_owned(),
                index,
                value: v,
            });
        }
        if non_negative && v < 0.0 {
            return Err(ChartError::Negative {
                chart: chart.to_owned(),
                series: series.to_owned(),
                index,
                value: v,
            });
        }
    }
    Ok(())
}

/// A "nice" axis: ticks at 1, 2, 2.5 or 5 × 10ᵏ covering `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
}

impl Axis {
    fn new(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            (lo, lo + if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 })
        } else {
            (lo, hi)
        };
        let raw = (hi - lo) / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .into_iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        Axis {
            lo: (lo / step).floor() * step,
            hi: (hi / step).ceil() * step,
            step,
        }
    }

    fn ticks(&self) -> Vec<f64> {
        let mut out = Vec::new();
        let mut i = 0.0;
        loop {
            let v = self.lo + i * self.step;
            if v > self.hi + self.step * 1e-9 || out.len() > 20 {
                break;
            }
            out.push(v);
            i += 1.0;
        }
        out
    }

    /// Decimals needed to write the ticks (in axis numbers).
    fn decimals(&self, factor: f64) -> usize {
        let s = self.step * factor;
        if (s - s.round()).abs() < 1e-9 {
            0
        } else if (s * 10.0 - (s * 10.0).round()).abs() < 1e-9 {
            1
        } else {
            2
        }
    }

    fn frac(&self, v: f64) -> f64 {
        ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
}

/// The SVG being written.
struct Doc {
    out: String,
}

impl Doc {
    fn new(id: &str, height: f64, title: &str, desc: &str) -> Doc {
        let mut out = String::with_capacity(8 * 1024);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}" font-size="12">"#,
        );
        let _ = write!(
            out,
            r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(title),
            escape(desc)
        );
        let _ = write!(
            out,
            r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#FFFFFF"/>"##
        );
        let _ = write!(
            out,
            r#"<text x="8" y="20" font-size="14" font-weight="bold" fill="{TEXT}">{}</text>"#,
            escape(&clip(title, 80))
        );
        Doc { out }
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, fill: &str, s: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{}</text>"#,
            escape(s)
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
            w.max(0.0),
            h.max(0.0)
        );
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "an SVG line is two points and a stroke"
    )]
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64, dash: bool) {
        let dash = if dash {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            self.out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="{width}"{dash}/>"#
        );
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// The plot area of a vertical chart.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    axis: Axis,
}

impl Plot {
    fn y(&self, v: f64) -> f64 {
        self.bottom - self.axis.frac(v) * (self.bottom - self.top)
    }

    /// Grid lines and tick labels.
    fn grid(&self, doc: &mut Doc, lang: Lang, format: &NumberFormat) {
        let f = format.axis_factor();
        let decimals = self.axis.decimals(f);
        for t in self.axis.ticks() {
            let y = self.y(t);
            doc.line(self.left, y, self.right, y, GRID, 1.0, false);
            let label = match format.unit {
                Unit::Percent => format::percent(lang, t, decimals),
                _ => format::number(lang, t, decimals),
            };
            doc.text(self.left - 6.0, y + 4.0, "end", 11.0, MUTED, &label);
        }
        doc.line(
            self.left,
            self.bottom,
            self.right,
            self.bottom,
            MUTED,
            1.0,
            false,
        );
    }

    fn target(&self, doc: &mut Doc, t: &Target) {
        let y = self.y(t.value);
        doc.line(self.left, y, self.right, y, TARGET, 1.5, true);
        doc.text(self.right, y - 4.0, "end", 11.0, TARGET, &t.label);
    }

    fn x_labels(&self, doc: &mut Doc, categories: &[String]) {
        let n = std::cmp::max(categories.len(), 1);
        let band = (self.right - self.left) / n as f64;
        // About 6.6 px per character at 11 px.
        let max_chars = (3..=60usize)
            .take_while(|n| f64::from(u32::try_from(*n).unwrap_or(60)) * 6.6 <= band)
            .last()
            .unwrap_or(3);
        for (i, c) in categories.iter().enumerate() {
            let x = self.left + band * (i as f64 + 0.5);
            doc.text(
                x,
                self.bottom + 16.0,
                "middle",
                11.0,
                TEXT,
                &clip(c, max_chars),
            );
        }
    }
}

fn axis_for(values: impl Iterator<Item = f64>, lo: f64, at_least: Option<f64>) -> Axis {
    let hi = values.fold(at_least.unwrap_or(0.0), f64::max);
    Axis::new(lo, if hi > lo { hi } else { lo + 1.0 })
}

/// A legend at `y`, wrapping; returns the height used.
fn legend(doc: &mut Doc, y: f64, items: &[(String, &str, bool)]) -> f64 {
    let mut x = 56.0;
    let mut row = 0.0;
    for (name, colour, is_line) in items {
        let w = 18.0 + text_width(name, 11.0) + 16.0;
        if x + w > WIDTH - 8.0 && x > 56.0 {
            x = 56.0;
            row += 16.0;
        }
        if *is_line {
            doc.line(
                x,
                y + row - 4.0,
                x + 12.0,
                y + row - 4.0,
                colour,
                2.5,
                false,
            );
        } else {
            doc.rect(x, y + row - 10.0, 12.0, 12.0, colour);
        }
        doc.text(x + 16.0, y + row, "start", 11.0, TEXT, name);
        x += w;
    }
    row + 16.0
}

fn describe(lang: Lang, categories: &[String], values: &[Option<f64>], f: &NumberFormat) -> String {
    let l = Labels::get(lang);
    categories
        .iter()
        .zip(values)
        .map(|(c, v)| match v {
            Some(v) => format!("{c}: {}", f.format(lang, *v)),
            None => format!("{c}: {}", l.no_data),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl BarChart {
    /// The SVG.
    ///
    /// # Errors
    /// [`ChartError`] for a bad id, a length mismatch, or a non-finite or
    /// negative value.
    pub fn to_svg(&self, lang: Lang) -> Result<String, ChartError> {
        check_id(&self.id)?;
        check_values(
            &self.id,
            &self.title,
            &self.values,
            self.categories.len(),
            true,
        )?;
        let l = Labels::get(lang);
        let height = 260.0;
        let mut desc = describe(lang, &self.categories, &self.values, &self.format);
        if let Some(t) = &self.target {
            let _ = write!(desc, ". {}", t.label);
        }
        let mut doc = Doc::new(&self.id, height, &self.title, &desc);
        let axis = axis_for(
            self.values
                .iter()
                .flatten()
                .copied()
                .chain(self.target.as_ref().map(|t| t.value)),
            0.0,
            self.y_max,
        );
        let plot = Plot {
            left: 56.0,
            right: WIDTH - 16.0,
            top: 40.0,
            bottom: height - 36.0,
            axis,
        };
        plot.grid(&mut doc, lang, &self.format);
        let n = std::cmp::max(self.categories.len(), 1);
        let band = (plot.right - plot.left) / n as f64;
        let bar = (band * 0.6).min(56.0);
        for (i, v) in self.values.iter().enumerate() {
            let cx = plot.left + band * (i as f64 + 0.5);
            match v {
                Some(v) => {
                    let y = plot.y(*v);
                    doc.rect(cx - bar / 2.0, y, bar, plot.bottom - y, PALETTE[0]);
                    doc.text(
                        cx,
                        y - 4.0,
                        "middle",
                        11.0,
                        TEXT,
                        &self.format.format(lang, *v),
                    );
                }
                None => doc.text(
                    cx,
                    plot.bottom - 6.0,
                    "middle",
                    10.0,
                    MUTED,
                    l.no_data_short,
                ),
            }
        }
        if let Some(t) = &self.target {
            plot.target(&mut doc, t);
        }
        plot.x_labels(&mut doc, &self.categories);
        Ok(doc.finish())
    }
}

impl StackedBarChart {
    /// The SVG.
    ///
    /// # Errors
    /// As [`BarChart::to_svg`].
    pub fn to_svg(&self, lang: Lang) -> Result<String, ChartError> {
        check_id(&self.id)?;
        for s in &self.series {
            check_values(&self.id, &s.name, &s.values, self.categories.len(), true)?;
        }
        let totals: Vec<f64> = (0..self.categories.len())
            .map(|i| self.series.iter().filter_map(|s| s.values[i]).sum())
            .collect();
        let desc = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let parts: Vec<String> = self
                    .series
                    .iter()
                    .filter_map(|s| {
                        s.values[i]
                            .filter(|v| *v > 0.0)
                            .map(|v| format!("{} {}", s.name, self.format.format(lang, v)))
                    })
                    .collect();
                format!(
                    "{c}: {} ({})",
                    self.format.format(lang, totals[i]),
                    parts.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let items: Vec<(String, &str, bool)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), PALETTE[i % PALETTE.len()], false))
            .collect();
        let legend_rows = {
            // Measure the legend first: the plot sits above it.
            let mut probe = Doc { out: String::new() };
            legend(&mut probe, 0.0, &items)
        };
        let height = 250.0 + legend_rows;
        let mut doc = Doc::new(&self.id, height, &self.title, &desc);
        let axis = axis_for(totals.iter().copied(), 0.0, None);
        let plot = Plot {
            left: 56.0,
            right: WIDTH - 16.0,
            top: 40.0,
            bottom: 250.0 - 36.0,
            axis,
        };
        plot.grid(&mut doc, lang, &self.format);
        let n = std::cmp::max(self.categories.len(), 1);
        let band = (plot.right - plot.left) / n as f64;
        let bar = (band * 0.6).min(56.0);
        for (i, total) in totals.iter().enumerate() {
            let cx = plot.left + band * (i as f64 + 0.5);
            let mut base = 0.0;
            for (k, s) in self.series.iter().enumerate() {
                let Some(v) = s.values[i].filter(|v| *v > 0.0) else {
                    continue;
                };
                let y0 = plot.y(base);
                let y1 = plot.y(base + v);
                doc.rect(cx - bar / 2.0, y1, bar, y0 - y1, PALETTE[k % PALETTE.len()]);
                base += v;
            }
            doc.text(
                cx,
                plot.y(*total) - 4.0,
                "middle",
                11.0,
                TEXT,
                &self.format.format(lang, *total),
            );
        }
        plot.x_labels(&mut doc, &self.categories);
        legend(&mut doc, 250.0 + 4.0, &items);
        Ok(doc.finish())
    }
}

impl LineChart {
    /// The SVG.
    ///
    /// # Errors
    /// As [`BarChart::to_svg`] (negative values are allowed here).
    pub fn to_svg(&self, lang: Lang) -> Result<String, ChartError> {
        check_id(&self.id)?;
        for s in &self.series {
            check_values(&self.id, &s.name, &s.values, self.categories.len(), false)?;
        }
        let l = Labels::get(lang);
        let mut desc = self
            .series
            .iter()
            .map(|s| {
                format!(
                    "{}: {}",
                    s.name,
                    describe(lang, &self.categories, &s.values, &self.format)
                )
            })
            .collect::<Vec<_>>()
            .join(". ");
        if let Some(t) = &self.target {
            let _ = write!(desc, ". {}", t.label);
        }
        let items: Vec<(String, &str, bool)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), PALETTE[i % PALETTE.len()], true))
            .collect();
        let show_legend = self.series.len() > 1;
        let height = if show_legend { 276.0 } else { 260.0 };
        let mut doc = Doc::new(&self.id, height, &self.title, &desc);
        let all = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied());
        // The axis starts at `y_min` (default 0), lower if a value is lower.
        let min_value = all.clone().fold(f64::INFINITY, f64::min);
        let lo = self.y_min.unwrap_or(0.0).min(min_value);
        let axis = axis_for(
            all.chain(self.target.as_ref().map(|t| t.value)),
            lo,
            self.y_max,
        );
        let plot = Plot {
            left: 56.0,
            right: WIDTH - 16.0,
            top: 40.0,
            bottom: 260.0 - 36.0,
            axis,
        };
        plot.grid(&mut doc, lang, &self.format);
        let n = std::cmp::max(self.categories.len(), 1);
        let band = (plot.right - plot.left) / n as f64;
        let x = |i: usize| {
            let i = i as f64;
            plot.left + band * (i + 0.5)
        };
        if let Some(t) = &self.target {
            plot.target(&mut doc, t);
        }
        let label_points = self.categories.len() <= 14;
        for (k, s) in self.series.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            // Polylines broken at missing values.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let flush = |run: &mut Vec<(f64, f64)>, doc: &mut Doc| {
                if run.len() > 1 {
                    let pts: Vec<String> =
                        run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                    let _ = write!(
                        doc.out,
                        r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
                        pts.join(" ")
                    );
                }
                run.clear();
            };
            for (i, v) in s.values.iter().enumerate() {
                match v {
                    Some(v) => run.push((x(i), plot.y(*v))),
                    None => flush(&mut run, &mut doc),
                }
            }
            flush(&mut run, &mut doc);
            for (i, v) in s.values.iter().enumerate() {
                match v {
                    Some(v) => {
                        let _ = write!(
                            doc.out,
                            r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"/>"#,
                            x(i),
                            plot.y(*v)
                        );
                        if label_points && k == 0 {
                            doc.text(
                                x(i),
                                plot.y(*v) - 8.0,
                                "middle",
                                10.0,
                                TEXT,
                                &self.format.format(lang, *v),
                            );
                        }
                    }
                    None if k == 0 => {
                        doc.text(
                            x(i),
                            plot.bottom - 6.0,
                            "middle",
                            10.0,
                            MUTED,
                            l.no_data_short,
                        );
                    }
                    None => {}
                }
            }
        }
        plot.x_labels(&mut doc, &self.categories);
        if show_legend {
            legend(&mut doc, 260.0 + 4.0, &items);
        }
        Ok(doc.finish())
    }
}

impl HBarChart {
    /// The SVG.
    ///
    /// # Errors
    /// As [`BarChart::to_svg`].
    pub fn to_svg(&self, lang: Lang) -> Result<String, ChartError> {
        check_id(&self.id)?;
        let l = Labels::get(lang);
        for (i, r) in self.rows.iter().enumerate() {
            check_values(&self.id, &r.label, &[r.value, r.marker], 2, true).map_err(
                |e| match e {
                    ChartError::NotFinite {
                        chart,
                        series,
                        value,
                        ..
                    } => ChartError::NotFinite {
                        chart,
                        series,
                        index: i,
                        value,
                    },
                    ChartError::Negative {
                        chart,
                        series,
                        value,
                        ..
                    } => ChartError::Negative {
                        chart,
                        series,
                        index: i,
                        value,
                    },
                    other => other,
                },
            )?;
        }
        let desc = self
            .rows
            .iter()
            .map(|r| {
                let mut s = match r.value {
                    Some(v) => format!("{}: {}", r.label, self.format.format(lang, v)),
                    None => format!("{}: {}", r.label, r.note.as_deref().unwrap_or(l.no_data)),
                };
                if let (Some(m), Some(ml)) = (r.marker, &self.marker_label) {
                    let _ = write!(s, " ({ml} {})", self.format.format(lang, m));
                }
                if let (Some(_), Some(n)) = (r.value, &r.note) {
                    let _ = write!(s, " ({n})");
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ");
        let row_h = 22.0;
        let top = 36.0;
        let rows_h = row_h * std::cmp::max(self.rows.len(), 1) as f64;
        let legend_h = if self.marker_label.is_some() {
            18.0
        } else {
            0.0
        };
        let height = top + rows_h + 24.0 + legend_h;
        let mut doc = Doc::new(&self.id, height, &self.title, &desc);
        let label_w = 180.0;
        let left = label_w + 8.0;
        let right = WIDTH - 130.0;
        let axis = axis_for(
            self.rows.iter().flat_map(|r| [r.value, r.marker]).flatten(),
            0.0,
            self.x_max,
        );
        let xs = |v: f64| left + axis.frac(v) * (right - left);
        // Vertical grid.
        let f = self.format.axis_factor();
        let decimals = axis.decimals(f);
        for t in axis.ticks() {
            let x = xs(t);
            doc.line(x, top, x, top + rows_h, GRID, 1.0, false);
            let label = match self.format.unit {
                Unit::Percent => format::percent(lang, t, decimals),
                _ => format::number(lang, t, decimals),
            };
            doc.text(x, top + rows_h + 14.0, "middle", 10.0, MUTED, &label);
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y = top + row_h * i as f64;
            doc.text(label_w, y + 15.0, "end", 11.0, TEXT, &clip(&r.label, 28));
            match r.value {
                Some(v) => {
                    doc.rect(left, y + 4.0, xs(v) - left, row_h - 8.0, PALETTE[0]);
                    let mut text = self.format.format(lang, v);
                    if let Some(n) = &r.note {
                        let _ = write!(text, " {n}");
                    }
                    doc.text(xs(v) + 6.0, y + 15.0, "start", 11.0, TEXT, &clip(&text, 24));
                }
                None => {
                    let text = r.note.as_deref().unwrap_or(l.no_data);
                    doc.text(left + 4.0, y + 15.0, "start", 11.0, MUTED, &clip(text, 40));
                }
            }
            if let Some(m) = r.marker {
                let x = xs(m);
                doc.line(x, y + 2.0, x, y + row_h - 2.0, PALETTE[3], 3.0, false);
            }
        }
        if let Some(ml) = &self.marker_label {
            let y = top + rows_h + 34.0;
            doc.line(left, y - 9.0, left, y + 1.0, PALETTE[3], 3.0, false);
            doc.text(left + 8.0, y, "start", 11.0, TEXT, ml);
        }
        Ok(doc.finish())
    }
}

/// Any chart, for code that handles them alike.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// A bar chart.
    Bar(BarChart),
    /// A stacked bar chart.
    Stacked(StackedBarChart),
    /// A line chart.
    Line(LineChart),
    /// A horizontal bar ranking.
    HBar(HBarChart),
}

impl Chart {
    /// The chart's id.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Chart::Bar(c) => &c.id,
            Chart::Stacked(c) => &c.id,
            Chart::Line(c) => &c.id,
            Chart::HBar(c) => &c.id,
        }
    }

    /// The chart's title.
    #[must_use]
    pub fn title(&self) -> &str {
        match self {
            Chart::Bar(c) => &c.title,
            Chart::Stacked(c) => &c.title,
            Chart::Line(c) => &c.title,
            Chart::HBar(c) => &c.title,
        }
    }

    /// The SVG.
    ///
    /// # Errors
    /// [`ChartError`] as each kind's `to_svg`.
    pub fn to_svg(&self, lang: Lang) -> Result<String, ChartError> {
        match self {
            Chart::Bar(c) => c.to_svg(lang),
            Chart::Stacked(c) => c.to_svg(lang),
            Chart::Line(c) => c.to_svg(lang),
            Chart::HBar(c) => c.to_svg(lang),
        }
    }
}

#[cfg(test)]
mod tests;
