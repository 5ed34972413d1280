#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod charts;
pub mod daily;
pub mod document;
pub mod email;
pub mod fonts;
pub mod format;
pub mod labels;
pub mod model;
pub mod pdf;
pub mod weekly;

pub use daily::DailySummary;
pub use email::{Attachment, InlinePart, RenderedEmail};
pub use model::{IsoWeek, WeeklyReport};
pub use pdf::RenderedPdf;
pub use weekly::{NamedChart, weekly_charts};

use caudal_collector_domain::{Lang, UtcMillis};
use chrono::NaiveDate;

use crate::email::Raster;
use crate::pdf::Typesetter;

/// Renders the documents. Build one and keep it: [`Renderer::new`] parses
/// the embedded fonts and builds typst's standard library (the first-render
/// cost measured by the benchmark); every render after that reuses them.
/// `Renderer` is `Send + Sync`: one can serve every job and request.
#[derive(Debug, Default)]
pub struct Renderer {
    typesetter: Typesetter,
    raster: Raster,
}

impl Renderer {
    /// Loads the fonts and the typesetting library.
    #[must_use]
    pub fn new() -> Renderer {
        Renderer {
            typesetter: Typesetter::new(),
            raster: Raster::new(),
        }
    }

    /// The weekly report as a PDF (`caudal-collector report weekly … --out`).
    ///
    /// # Errors
    /// [`ReportError`] for a report that fails validation or a chart that
    /// cannot be drawn.
    pub fn weekly_pdf(&self, r: &WeeklyReport) -> Result<RenderedPdf, ReportError> {
        let doc = weekly::document(r)?;
        let charts = weekly::charts_of(&doc)?;
        self.typesetter.typeset(
            &doc,
            &charts,
            &format!("caudal/weekly/{}/{}/{}", r.site.id, r.week, r.lang),
            r.generated_at,
        )
    }

    /// The weekly report as an HTML e-mail with its charts inline (PNG,
    /// `cid:`), a plain-text alternative and the PDF attached.
    ///
    /// # Errors
    /// As [`Renderer::weekly_pdf`], and [`ReportError::Raster`].
    pub fn weekly_email(&self, r: &WeeklyReport) -> Result<RenderedEmail, ReportError> {
        let doc = weekly::document(r)?;
        let charts = weekly::charts_of(&doc)?;
        let pdf = self.typesetter.typeset(
            &doc,
            &charts,
            &format!("caudal/weekly/{}/{}/{}", r.site.id, r.week, r.lang),
            r.generated_at,
        )?;
        let (inline, cids) = email::inline_charts(&self.raster, &charts)?;
        let l = labels::Labels::get(r.lang);
        let filename = format!(
            "{}-{}-{}.pdf",
            match r.lang {
                Lang::Es => "informe-semanal",
                Lang::En => "weekly-report",
            },
            slug(&r.site.name),
            r.week
        );
        Ok(RenderedEmail {
            subject: format!(
                "{} · {} · {} {}",
                l.weekly_subject, r.site.name, l.week, r.week
            ),
            html: email::html(&doc, &cids, Some(l.attachment_note)),
            text: email::text(&doc, Some(l.attachment_note)),
            inline,
            attachments: vec![Attachment {
                filename,
                mime: "application/pdf",
                bytes: pdf.bytes,
            }],
        })
    }

    /// The daily summary as a short HTML e-mail with a plain-text
    /// alternative (no images, no attachment).
    ///
    /// # Errors
    /// [`ReportError`] from [`DailySummary::validate`].
    pub fn daily_email(&self, d: &DailySummary) -> Result<RenderedEmail, ReportError> {
        let doc = daily::document(d)?;
        Ok(RenderedEmail {
            subject: d.subject(),
            html: email::html(&doc, &[], None),
            text: email::text(&doc, None),
            inline: Vec::new(),
            attachments: Vec::new(),
        })
    }

    /// A chart's SVG as PNG at `scale` (for pages that want a raster).
    ///
    /// # Errors
    /// [`ReportError::Raster`].
    pub fn png(&self, chart: &NamedChart, scale: f32) -> Result<Vec<u8>, ReportError> {
        self.raster.png(&chart.id, &chart.svg, scale)
    }
}

/// A file-name-safe form of a name: lowercase ASCII letters and digits,
/// Spanish accents folded, anything else a hyphen.
#[must_use]
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if c != '-' || !out.ends_with('-') {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "sitio".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// What the documents could not be made from.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ReportError {
    /// A week that is not `YYYY-Www` or does not exist.
    #[error("`{input}` is not an ISO week: expected YYYY-Www, e.g. 2026-W48")]
    BadWeek {
        /// The input.
        input: String,
    },
    /// A number that is NaN or infinite.
    #[error("{field} must be a finite number, got {value}")]
    NotFinite {
        /// Which figure.
        field: String,
        /// The value.
        value: f64,
    },
    /// A fraction outside 0 to 1.
    #[error("{field} must be a fraction between 0 and 1, got {value}")]
    NotAFraction {
        /// Which figure.
        field: String,
        /// The value.
        value: f64,
    },
    /// A KPI row of the wrong scope.
    #[error("{what} must be computed for its scope, got {found}")]
    WrongScope {
        /// Which section.
        what: &'static str,
        /// The scope given.
        found: String,
    },
    /// A day of the availability trend outside the report's week.
    #[error("day {date} is not in the report's week {week}")]
    DayOutsideWeek {
        /// The day.
        date: NaiveDate,
        /// The week.
        week: IsoWeek,
    },
    /// A week of a trend after the report's week.
    #[error("week {found} comes after the report's week {week}")]
    WeekAfterReport {
        /// The week given.
        found: IsoWeek,
        /// The report's week.
        week: IsoWeek,
    },
    /// An availability figure of another definition than its section's.
    #[error("{what} follows {found}, but the section follows {expected}")]
    MixedAvailability {
        /// Which figure.
        what: String,
        /// Its variant.
        found: &'static str,
        /// The section's variant.
        expected: &'static str,
    },
    /// Slot counts that do not add up.
    #[error(
        "slots of point {point} ({regulator}): accepted + pending + in review + rejected + without data = {sum}, not the {expected} expected (or more accepted late than accepted)"
    )]
    SlotCounts {
        /// The point.
        point: String,
        /// The regulator.
        regulator: String,
        /// The sum of the states.
        sum: u64,
        /// Expected slots.
        expected: u32,
    },
    /// Downtime outside the week's length.
    #[error("downtime of asset {asset} ({cause}) is {ms} ms, outside 0 to the week's {week_ms} ms")]
    DowntimeOutOfWeek {
        /// The asset.
        asset: String,
        /// The cause, or `total`.
        cause: &'static str,
        /// The duration.
        ms: i64,
        /// The week's length.
        week_ms: i64,
    },
    /// A daily summary whose window is empty or reversed.
    #[error("the summary window ends ({to:?}) before it starts ({from:?})")]
    EmptyWindow {
        /// Start.
        from: UtcMillis,
        /// End.
        to: UtcMillis,
    },
    /// An event of a daily summary outside its window.
    #[error("{what} at {at:?} is outside the summary window {from:?} to {to:?}")]
    OutsideWindow {
        /// Which event.
        what: String,
        /// Its time.
        at: UtcMillis,
        /// Window start.
        from: UtcMillis,
        /// Window end.
        to: UtcMillis,
    },
    /// A chart that cannot be drawn.
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    /// Typst refused the generated document (a bug of this crate: the
    /// message carries typst's diagnostics).
    #[error("typesetting the PDF failed: {0}")]
    Typeset(String),
    /// A chart that could not be rasterized for the e-mail.
    #[error("rasterizing chart `{chart}` failed: {message}")]
    Raster {
        /// The chart's id.
        chart: String,
        /// Why.
        message: String,
    },
}
