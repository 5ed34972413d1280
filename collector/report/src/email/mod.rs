//! E-mails as structured parts, for the notification layer to turn into
//! MIME (`multipart/related` for the HTML and its inline images inside
//! `multipart/alternative` with the text, inside `multipart/mixed` with the
//! attachments).
//!
//! - HTML: table layout with inline styles only (mail clients drop
//!   `<style>` and external CSS), every chart as `<img src="cid:…">` with
//!   its title as `alt`. Charts are PNG rasterized from the same SVG as the
//!   PDF ([`Raster`]): Gmail and Outlook strip inline SVG.
//! - Text: the same figures as aligned plain-text tables.
//! - The weekly e-mail attaches the PDF.

use std::fmt::Write as _;
use std::sync::Arc;

use resvg::tiny_skia;
use resvg::usvg;

use crate::ReportError;
use crate::charts::escape;
use crate::document::{Block, Document, Table};
use crate::weekly::NamedChart;

/// An image referenced from the HTML by `cid:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlinePart {
    /// The Content-ID without angle brackets (`orders@caudal`); the HTML says
    /// `cid:orders@caudal`.
    pub cid: String,
    /// Its media type.
    pub mime: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A file attached to the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name.
    pub filename: String,
    /// Its media type.
    pub mime: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedEmail {
    /// Subject line.
    pub subject: String,
    /// The HTML body.
    pub html: String,
    /// The plain-text alternative.
    pub text: String,
    /// Images the HTML references by `cid:`.
    pub inline: Vec<InlinePart>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
}

/// Rows of a table shown in an e-mail; the rest is summarized in one line
/// (the PDF has them all).
pub const EMAIL_TABLE_ROWS: usize = 15;

/// Rasterizes chart SVG to PNG with the embedded fonts.
pub struct Raster {
    options: usvg::Options<'static>,
}

impl std::fmt::Debug for Raster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Raster").finish_non_exhaustive()
    }
}

impl Default for Raster {
    fn default() -> Raster {
        Raster::new()
    }
}

impl Raster {
    /// Loads the embedded fonts.
    #[must_use]
    pub fn new() -> Raster {
        let mut db = usvg::fontdb::Database::new();
        for f in crate::fonts::ALL {
            db.load_font_data(f.to_vec());
        }
        db.set_sans_serif_family(crate::fonts::FAMILY);
        let options = usvg::Options {
            font_family: crate::fonts::FAMILY.to_owned(),
            fontdb: Arc::new(db),
            // Charts reference no image; never read a file or decode one.
            image_href_resolver: usvg::ImageHrefResolver {
                resolve_data: Box::new(
                    |_: &str, _: Arc<Vec<u8>>, _: &usvg::Options<'_>| -> Option<usvg::ImageKind> {
                        None
                    },
                ),
                resolve_string: Box::new(
                    |_: &str, _: &usvg::Options<'_>| -> Option<usvg::ImageKind> { None },
                ),
            },
            ..usvg::Options::default()
        };
        Raster { options }
    }

    /// `svg` as a PNG at `scale` × its size (2 for sharp text on high-density
    /// screens).
    ///
    /// # Errors
    /// [`ReportError::Raster`] if the SVG does not parse.
    pub fn png(&self, id: &str, svg: &str, scale: f32) -> Result<Vec<u8>, ReportError> {
        let err = |message: String| ReportError::Raster {
            chart: id.to_owned(),
            message,
        };
        let tree = usvg::Tree::from_str(svg, &self.options).map_err(|e| err(e.to_string()))?;
        let size = tree.size();
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "chart sizes are small positive numbers of pixels"
        )]
        let (w, h) = (
            (size.width() * scale).ceil() as u32,
            (size.height() * scale).ceil() as u32,
        );
        let mut pixmap =
            tiny_skia::Pixmap::new(w, h).ok_or_else(|| err(format!("empty size {w}×{h}")))?;
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().map_err(|e| err(e.to_string()))
    }
}

/// The Content-ID of a chart.
#[must_use]
pub fn chart_cid(id: &str) -> String {
    format!("{id}@caudal")
}

const FONT: &str = "'DejaVu Sans', Verdana, Arial, sans-serif";

fn html_table(out: &mut String, t: &Table, lang: caudal_collector_domain::Lang) {
    let l = crate::labels::Labels::get(lang);
    if let Some(c) = &t.caption {
        let _ = write!(
            out,
            r#"<p style="margin:12px 0 4px 0;font-weight:bold;">{}</p>"#,
            escape(c)
        );
    }
    out.push_str(r#"<table role="table" cellpadding="4" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 12px 0;"><thead><tr>"#);
    for c in &t.columns {
        let align = if c.numeric { "right" } else { "left" };
        let _ = write!(
            out,
            r#"<th scope="col" style="text-align:{align};background:#E8E8E8;border:1px solid #CCCCCC;">{}</th>"#,
            escape(&c.header)
        );
    }
    out.push_str("</tr></thead><tbody>");
    let (rows, hidden) = shown_rows(t);
    for (i, row) in rows.iter().enumerate() {
        let total = t.total_row && i + 1 == rows.len();
        out.push_str("<tr>");
        for (cell, c) in row.iter().zip(&t.columns) {
            let align = if c.numeric { "right" } else { "left" };
            let weight = if total { "font-weight:bold;" } else { "" };
            let _ = write!(
                out,
                r#"<td style="text-align:{align};border:1px solid #CCCCCC;{weight}">{}</td>"#,
                escape(cell)
            );
        }
        out.push_str("</tr>");
    }
    if hidden > 0 {
        let _ = write!(
            out,
            r#"<tr><td colspan="{}" style="border:1px solid #CCCCCC;color:#666666;">{}</td></tr>"#,
            t.columns.len(),
            escape(&l.and_more(hidden))
        );
    }
    out.push_str("</tbody></table>");
}

/// The rows an e-mail shows, keeping a total row, and how many are left out.
fn shown_rows(t: &Table) -> (Vec<&Vec<String>>, usize) {
    if t.rows.len() <= EMAIL_TABLE_ROWS + 1 {
        return (t.rows.iter().collect(), 0);
    }
    let (body, total) = if t.total_row {
        t.rows.split_at(t.rows.len() - 1)
    } else {
        (t.rows.as_slice(), &[][..])
    };
    let mut rows: Vec<&Vec<String>> = body.iter().take(EMAIL_TABLE_ROWS).collect();
    rows.extend(total);
    (rows, body.len() - EMAIL_TABLE_ROWS)
}

/// The HTML of a document; `cids` maps chart ids to the Content-IDs of their
/// PNGs (a chart without one is left out).
#[must_use]
pub fn html(doc: &Document, cids: &[(String, String)], note: Option<&str>) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title></head>"#,
        doc.lang.as_str(),
        escape(&doc.title)
    );
    let _ = write!(
        out,
        r#"<body style="margin:0;padding:0;background:#F2F2F2;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#F2F2F2;"><tr><td align="center" style="padding:16px 8px;"><table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="max-width:680px;width:100%;background:#FFFFFF;font-family:{FONT};font-size:14px;line-height:1.4;color:#222222;"><tr><td style="padding:20px;">"#
    );
    let _ = write!(
        out,
        r#"<h1 style="margin:0 0 6px 0;font-size:22px;color:#0072B2;">{}</h1>"#,
        escape(&doc.title)
    );
    for s in &doc.subtitle {
        let _ = write!(
            out,
            r#"<p style="margin:0;color:#444444;">{}</p>"#,
            escape(s)
        );
    }
    if !doc.headlines.is_empty() {
        out.push_str(r#"<table role="presentation" cellpadding="5" cellspacing="0" border="0" style="width:100%;margin:14px 0;border-collapse:collapse;font-size:14px;">"#);
        for h in &doc.headlines {
            let _ = write!(
                out,
                r#"<tr><td style="border-bottom:1px solid #DDDDDD;font-weight:bold;">{}</td><td style="border-bottom:1px solid #DDDDDD;text-align:right;">{}</td></tr>"#,
                escape(&h.label),
                escape(&h.value)
            );
        }
        out.push_str("</table>");
    }
    if let Some(n) = note {
        let _ = write!(out, r#"<p style="margin:8px 0;">{}</p>"#, escape(n));
    }
    for s in &doc.sections {
        let _ = write!(
            out,
            r#"<h2 id="{}" style="margin:24px 0 4px 0;font-size:18px;color:#0072B2;">{}</h2>"#,
            s.id,
            escape(&s.title)
        );
        if !s.definition.is_empty() {
            let _ = write!(
                out,
                r#"<p style="margin:0 0 8px 0;font-size:12px;color:#555555;">{}</p>"#,
                escape(&s.definition)
            );
        }
        for c in &s.charts {
            if let Some((_, cid)) = cids.iter().find(|(id, _)| id == c.id()) {
                let _ = write!(
                    out,
                    r#"<img src="cid:{}" width="640" alt="{}" style="display:block;width:100%;max-width:640px;height:auto;border:0;margin:8px 0;">"#,
                    escape(cid),
                    escape(c.title())
                );
            }
        }
        for b in &s.blocks {
            match b {
                Block::Table(t) => html_table(&mut out, t, doc.lang),
                Block::Paragraph(p) => {
                    let _ = write!(out, r#"<p style="margin:6px 0;">{}</p>"#, escape(p));
                }
            }
        }
    }
    let _ = write!(
        out,
        r#"<p style="margin:24px 0 0 0;font-size:12px;color:#777777;">{}</p></td></tr></table></td></tr></table></body></html>"#,
        escape(&doc.footer)
    );
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let n = s.chars().count();
    let fill = " ".repeat(width.saturating_sub(n));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn text_table(out: &mut String, t: &Table, lang: caudal_collector_domain::Lang) {
    let l = crate::labels::Labels::get(lang);
    if let Some(c) = &t.caption {
        let _ = writeln!(out, "{c}");
    }
    let (rows, hidden) = shown_rows(t);
    let widths: Vec<usize> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|s| s.chars().count())
                .chain(std::iter::once(c.header.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| cells.join("  ").trim_end().to_owned();
    let _ = writeln!(
        out,
        "{}",
        line(
            t.columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| pad(&c.header, *w, c.numeric))
                .collect()
        )
    );
    let _ = writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{}",
            line(
                r.iter()
                    .zip(t.columns.iter().zip(&widths))
                    .map(|(s, (c, w))| pad(s, *w, c.numeric))
                    .collect()
            )
        );
    }
    if hidden > 0 {
        let _ = writeln!(out, "({})", l.and_more(hidden));
    }
    out.push('\n');
}

/// The plain-text alternative of a document.
#[must_use]
pub fn text(doc: &Document, note: Option<&str>) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(out, "{}", doc.title);
    let _ = writeln!(out, "{}", "=".repeat(doc.title.chars().count()));
    for s in &doc.subtitle {
        let _ = writeln!(out, "{s}");
    }
    out.push('\n');
    if !doc.headlines.is_empty() {
        let w = doc
            .headlines
            .iter()
            .map(|h| h.label.chars().count())
            .max()
            .unwrap_or(0);
        for h in &doc.headlines {
            let _ = writeln!(out, "{}  {}", pad(&h.label, w, false), h.value);
        }
        out.push('\n');
    }
    if let Some(n) = note {
        let _ = writeln!(out, "{n}\n");
    }
    for s in &doc.sections {
        let _ = writeln!(out, "{}", s.title);
        let _ = writeln!(out, "{}", "-".repeat(s.title.chars().count()));
        if s.definition.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{}\n", s.definition);
        }
        for b in &s.blocks {
            match b {
                Block::Table(t) => text_table(&mut out, t, doc.lang),
                Block::Paragraph(p) => {
                    let _ = writeln!(out, "{p}\n");
                }
            }
        }
    }
    let _ = writeln!(out, "-- \n{}", doc.footer);
    out
}

/// (chart id, Content-ID) pairs.
pub type ChartCids = Vec<(String, String)>;

/// The inline PNG parts of `charts` and their (chart id, cid) pairs.
///
/// # Errors
/// [`ReportError::Raster`] for a chart that does not rasterize.
pub fn inline_charts(
    raster: &Raster,
    charts: &[NamedChart],
) -> Result<(Vec<InlinePart>, ChartCids), ReportError> {
    let mut parts = Vec::with_capacity(charts.len());
    let mut cids = Vec::with_capacity(charts.len());
    for c in charts {
        let cid = chart_cid(&c.id);
        parts.push(InlinePart {
            cid: cid.clone(),
            mime: "image/png",
            bytes: raster.png(&c.id, &c.svg, 2.0)?,
        });
        cids.push((c.id.clone(), cid));
    }
    Ok((parts, cids))
}
