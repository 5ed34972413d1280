//! The documents as a person receives them: the PDF through poppler
//! (`pdftoppm` pages, `pdftotext` text), the e-mails' parts. Artefacts go to
//! `target/report-artifacts/` for CI to keep.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use anyhow::{Context, Result, bail, ensure};
use caudal_collector_domain::Lang;
use caudal_collector_domain::reliability::kpi::Scope;
use caudal_collector_report::document::Block;
use caudal_collector_report::model::PointCompliance;
use caudal_collector_report::{RenderedPdf, Renderer, ReportError, weekly};

static RENDERER: LazyLock<Renderer> = LazyLock::new(Renderer::new);

/// The fixture's page count: cover + 9 sections, and the 50-row risk
/// ranking runs onto a second page.
const EXPECTED_PAGES: usize = 11;

fn artifacts() -> Result<PathBuf> {
    // CARGO_MANIFEST_DIR is collector/report; the workspace target is two up.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-artifacts");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn poppler(tool: &str) -> Result<()> {
    match Command::new(tool).arg("-v").output() {
        Ok(_) => Ok(()),
        Err(e) => bail!(
            "`{tool}` is not installed ({e}): the PDF tests need poppler, install it with `apt-get install poppler-utils`"
        ),
    }
}

/// Writes the PDF, renders its pages to PNG with pdftoppm and returns the
/// page count and pdftotext's text.
fn through_poppler(pdf: &RenderedPdf, stem: &str) -> Result<(usize, String)> {
    poppler("pdftoppm")?;
    poppler("pdftotext")?;
    let dir = artifacts()?;
    let path = dir.join(format!("{stem}.pdf"));
    std::fs::write(&path, &pdf.bytes)?;
    let pages_prefix = dir.join(format!("{stem}-page"));
    // Old pages of a longer earlier run must not be counted.
    for e in std::fs::read_dir(&dir)? {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with(&format!("{stem}-page")) {
            std::fs::remove_file(&p)?;
        }
    }
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&path)
        .arg(&pages_prefix)
        .output()?;
    ensure!(
        out.status.success(),
        "pdftoppm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with(&format!("{stem}-page")) && n.ends_with(".png")
        })
        .count();
    // -layout keeps each printed line on one line: a label and its value,
    // a table row.
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()?;
    ensure!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    std::fs::write(dir.join(format!("{stem}.txt")), &text)?;
    Ok((pages, text))
}

/// Whitespace collapsed, so a label and its value on one line read
/// `MTBF del sitio 754,2 h` whatever spacing the layout used.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every figure the document prints: headline values and numeric cells.
fn figures(doc: &caudal_collector_report::document::Document) -> Vec<String> {
    let mut out: Vec<String> = doc.headlines.iter().map(|h| h.value.clone()).collect();
    for s in &doc.sections {
        for b in &s.blocks {
            if let Block::Table(t) = b {
                for row in &t.rows {
                    for (cell, c) in row.iter().zip(&t.columns) {
                        if c.numeric && !cell.is_empty() {
                            out.push(cell.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

fn check_weekly(lang: Lang, expected: &[&str]) -> Result<()> {
    let report = common::weekly(lang);
    let pdf = RENDERER.weekly_pdf(&report)?;
    ensure!(pdf.warnings.is_empty(), "typst warned: {:?}", pdf.warnings);
    ensure!(pdf.bytes.starts_with(b"%PDF-"), "not a PDF");
    let (pages, text) = through_poppler(&pdf, &format!("weekly-{lang}"))?;
    assert_eq!(pages, pdf.pages, "pdftoppm pages vs typst pages");
    assert_eq!(pages, EXPECTED_PAGES, "pages of the fixture report");
    let text = collapse(&text);
    for s in expected {
        assert!(text.contains(s), "{lang}: `{s}` is not in the PDF text");
    }
    let doc = weekly::document(&report)?;
    for f in figures(&doc) {
        assert!(
            text.contains(&collapse(&f)),
            "{lang}: figure `{f}` is not in the PDF text"
        );
    }
    Ok(())
}

#[test]
fn spanish_weekly_pdf_has_its_pages_and_every_kpi_value_in_its_text() -> Result<()> {
    check_weekly(Lang::Es, common::EXPECTED_ES)
}

#[test]
fn english_weekly_pdf_has_its_pages_and_every_kpi_value_in_its_text() -> Result<()> {
    check_weekly(Lang::En, common::EXPECTED_EN)
}

#[test]
fn an_mtbf_with_too_few_failures_prints_insufficient_data_never_zero() -> Result<()> {
    let report = common::weekly(Lang::Es);
    let doc = weekly::document(&report)?;
    let Some(Block::Table(t)) = doc
        .sections
        .iter()
        .find(|s| s.id == "reliability")
        .and_then(|s| s.blocks.first())
    else {
        bail!("no reliability table");
    };
    // Columns: class, assets, hours, failures, MTBF, lower bound, MTTR, repairs.
    let row = |class: &str| {
        t.rows
            .iter()
            .find(|r| r[0] == class)
            .cloned()
            .with_context(|| format!("no row for {class}"))
    };
    let mag = row("Siemens MAG 5100W")?; // 2 failures
    assert_eq!(mag[3], "2");
    assert_eq!(mag[4], "datos insuficientes");
    assert_eq!(mag[5], "476,5 h");
    let wells = row("Pozo 8\" acero")?; // 0 failures, no repairs
    assert_eq!(wells[4], "datos insuficientes");
    assert_eq!(wells[6], "sin datos");
    let pumps = row("Grundfos SP 17-8")?;
    assert_eq!(pumps[4], "412,5 h");
    // The chart says so too, and draws no bar of 0.
    let charts = caudal_collector_report::weekly_charts(&report)?;
    let mtbf = charts
        .iter()
        .find(|c| c.id == "mtbf")
        .context("mtbf chart")?;
    assert!(mtbf.svg.contains("datos insuficientes (2 fallas)"));
    assert!(mtbf.svg.contains("datos insuficientes (0 fallas)"));
    // And the PDF's text has it on the class's line.
    let pdf = RENDERER.weekly_pdf(&report)?;
    let (_, text) = through_poppler(&pdf, "weekly-insufficient")?;
    assert!(collapse(&text).contains("datos insuficientes"));
    Ok(())
}

#[test]
fn weekly_email_references_every_inline_image_it_carries_and_attaches_the_pdf() -> Result<()> {
    for lang in Lang::ALL {
        let report = common::weekly(lang);
        let mail = RENDERER.weekly_email(&report)?;
        let charts = caudal_collector_report::weekly_charts(&report)?;
        assert_eq!(mail.inline.len(), charts.len(), "one PNG per chart");
        for part in &mail.inline {
            assert_eq!(part.mime, "image/png");
            assert!(
                part.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{} is a PNG",
                part.cid
            );
            assert!(
                mail.html.contains(&format!("src=\"cid:{}\"", part.cid)),
                "the HTML shows {}",
                part.cid
            );
        }
        // And nothing else is referenced.
        let referenced = mail.html.matches("cid:").count();
        assert_eq!(referenced, mail.inline.len());
        assert_eq!(mail.attachments.len(), 1);
        let pdf = &mail.attachments[0];
        assert_eq!(pdf.mime, "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        assert_eq!(
            pdf.filename,
            match lang {
                Lang::Es => "informe-semanal-planta-norte-2026-W48.pdf",
                Lang::En => "weekly-report-planta-norte-2026-W48.pdf",
            }
        );
        // Text alternative and HTML carry the headline figures; the HTML
        // escapes the order title's markup characters.
        let (mtbf, subject) = match lang {
            Lang::Es => (
                "754,2 h",
                "Informe semanal · Planta Norte · Semana 2026-W48",
            ),
            Lang::En => ("754.2 h", "Weekly report · Planta Norte · Week 2026-W48"),
        };
        assert_eq!(mail.subject, subject);
        assert!(mail.text.contains(mtbf) && mail.html.contains(mtbf));
        assert!(mail.html.contains("&amp; rodamientos &lt;urgente&gt;"));
        assert!(!mail.html.contains("<urgente>"));
        assert!(mail.text.contains("& rodamientos <urgente>"));
        let dir = artifacts()?;
        std::fs::write(dir.join(format!("weekly-{lang}.html")), &mail.html)?;
        std::fs::write(dir.join(format!("weekly-{lang}.txt")), &mail.text)?;
        for part in &mail.inline {
            std::fs::write(
                dir.join(format!("mail-{lang}-{}.png", part.cid)),
                &part.bytes,
            )?;
        }
    }
    Ok(())
}

#[test]
fn daily_summary_is_a_short_email_in_both_languages() -> Result<()> {
    for lang in Lang::ALL {
        let d = common::daily(lang);
        let mail = RENDERER.daily_email(&d)?;
        assert!(mail.inline.is_empty() && mail.attachments.is_empty());
        assert!(!mail.html.contains("cid:"));
        let expect: &[&str] = match lang {
            Lang::Es => &[
                "Resumen diario · Planta Norte · 30-11-2026",
                "Alarmas activadas",
                "crítica",
                "Disparo por sobrecorriente",
                "Nivel dinámico bajo el mínimo (-48,2 m)",
                "24 (23 aceptados)",
                "Revisar protección térmica",
                // Down since 29-11 13:00 (window start + 5 h) until 08:00: 19 h.
                "19,0 h",
                "falla",
            ],
            Lang::En => &[
                "Daily summary · Planta Norte · 2026-11-30",
                "Alarms raised",
                "critical",
                "24 (23 accepted)",
                "19.0 h",
                "trip",
            ],
        };
        assert!(mail.subject.starts_with(expect[0]), "{}", mail.subject);
        for s in &expect[1..] {
            assert!(mail.text.contains(s), "{lang} text lacks `{s}`");
            assert!(mail.html.contains(s), "{lang} html lacks `{s}`");
        }
        // The closed-orders section is empty and left out (its count stays
        // among the headline figures).
        assert!(!mail.html.contains("id=\"orders-closed\""));
        assert!(mail.html.contains("id=\"orders-opened\""));
        std::fs::write(artifacts()?.join(format!("daily-{lang}.html")), &mail.html)?;
        std::fs::write(artifacts()?.join(format!("daily-{lang}.txt")), &mail.text)?;
    }
    Ok(())
}

#[test]
fn a_daily_summary_with_an_event_outside_its_window_is_refused() {
    let mut d = common::daily(Lang::Es);
    d.orders_opened[0].at = d.to;
    assert!(matches!(
        RENDERER.daily_email(&d),
        Err(ReportError::OutsideWindow { what, .. }) if what == "order opened 1210"
    ));
    let mut d = common::daily(Lang::Es);
    d.to = d.from;
    assert!(matches!(
        RENDERER.daily_email(&d),
        Err(ReportError::EmptyWindow { .. })
    ));
}

#[test]
fn a_report_that_would_print_a_wrong_figure_is_refused_naming_it() {
    let mut r = common::weekly(Lang::Es);
    r.compliance[0] = PointCompliance {
        accepted: 167,
        ..r.compliance[0].clone()
    };
    assert_eq!(
        RENDERER.weekly_pdf(&r).map(|_| ()),
        Err(ReportError::SlotCounts {
            point: "Pozo 1".to_owned(),
            regulator: "DGA".to_owned(),
            sum: 167,
            expected: 168
        })
    );
    let mut r = common::weekly(Lang::Es);
    r.backlog.total_hours = f64::NAN;
    assert!(matches!(
        RENDERER.weekly_pdf(&r),
        Err(ReportError::NotFinite { field, .. }) if field == "backlog total hours"
    ));
    let mut r = common::weekly(Lang::Es);
    r.reliability.by_class[0].scope = Scope::All;
    assert!(matches!(
        RENDERER.weekly_email(&r),
        Err(ReportError::WrongScope {
            what: "reliability by class",
            ..
        })
    ));
    let mut r = common::weekly(Lang::Es);
    r.availability.days[0].period = r.week.previous().first_day();
    assert!(matches!(
        RENDERER.weekly_pdf(&r),
        Err(ReportError::DayOutsideWeek { .. })
    ));
}

#[test]
fn the_same_report_renders_to_the_same_pdf_bytes() -> Result<()> {
    let r = common::weekly(Lang::Es);
    let a = RENDERER.weekly_pdf(&r)?;
    let b = RENDERER.weekly_pdf(&r)?;
    assert!(a.bytes == b.bytes, "PDF output is not reproducible");
    Ok(())
}
