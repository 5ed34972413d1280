//! PDF typeset with typst as a library.
//!
//! [`Typesetter`] is this crate's typst `World`: the standard library, the
//! embedded fonts ([`crate::fonts`]), one generated main file
//! ([`markup::source`]) and the charts as virtual SVG files. It reads no
//! file, no package and no clock: `today()` is the report's generation date.
//! Build one `Typesetter` and keep it (font parsing and the standard library
//! are its start-up cost); each render builds a small per-document world on
//! top of it.
//!
//! Typst memoizes layout across compilations (comemo); after each document
//! the cache is trimmed ([`typst::comemo::evict`]) so a long-running
//! collector does not grow with the reports it has written.
//!
//! The PDF is reproducible: its identifier is derived from a caller's stable
//! key, its timestamp is the generation time, and no other input varies.

pub mod markup;

use std::collections::HashMap;

use caudal_collector_domain::UtcMillis;
use chrono::{Datelike, Timelike};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::ReportError;
use crate::document::Document;
use crate::weekly::NamedChart;

/// A typeset PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedPdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Its number of pages.
    pub pages: usize,
    /// Typst's warnings (e.g. a glyph missing from the fonts); empty for a
    /// clean document.
    pub warnings: Vec<String>,
}

/// The typst world shared by every document: library and fonts.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

impl std::fmt::Debug for Typesetter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Typesetter")
            .field("fonts", &self.fonts.len())
            .finish_non_exhaustive()
    }
}

impl Default for Typesetter {
    fn default() -> Typesetter {
        Typesetter::new()
    }
}

impl Typesetter {
    /// Parses the embedded fonts and builds typst's standard library.
    #[must_use]
    pub fn new() -> Typesetter {
        let fonts: Vec<Font> = crate::fonts::ALL
            .iter()
            .flat_map(|b| Font::iter(Bytes::new(*b)))
            .collect();
        Typesetter {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    }

    /// Typesets `doc` with `charts` (SVG, by id) as a PDF.
    ///
    /// `ident` is a stable key of the document (e.g. `weekly/12/2026-W48`):
    /// the same key and content give the same bytes.
    ///
    /// # Errors
    /// [`ReportError::Typeset`] with typst's diagnostics.
    pub fn typeset(
        &self,
        doc: &Document,
        charts: &[NamedChart],
        ident: &str,
        generated_at: UtcMillis,
    ) -> Result<RenderedPdf, ReportError> {
        let main = file_id("main.typ")?;
        let mut files = HashMap::new();
        for c in charts {
            files.insert(
                file_id(&markup::chart_path(&c.id))?,
                Bytes::new(c.svg.clone().into_bytes()),
            );
        }
        let world = DocWorld {
            base: self,
            main,
            source: Source::new(main, markup::source(doc)),
            files,
            today: datetime(generated_at),
        };
        let warned = typst::compile::<PagedDocument>(&world);
        let warnings: Vec<String> = warned.warnings.iter().map(diagnostic).collect();
        let document = warned.output.map_err(|errors| {
            ReportError::Typeset(errors.iter().map(diagnostic).collect::<Vec<_>>().join("; "))
        });
        let result = document.and_then(|document| {
            let options = PdfOptions {
                ident: Smart::Custom(ident.to_owned()),
                creator: Smart::Custom(Some("Caudal".to_owned())),
                timestamp: world.today.map(Timestamp::new_utc),
                ..PdfOptions::default()
            };
            let bytes = typst_pdf::pdf(&document, &options).map_err(|errors| {
                ReportError::Typeset(errors.iter().map(diagnostic).collect::<Vec<_>>().join("; "))
            })?;
            Ok(RenderedPdf {
                bytes,
                pages: document.pages().len(),
                warnings,
            })
        });
        // Keep the memo cache bounded across documents.
        typst::comemo::evict(2);
        result
    }
}

fn diagnostic(d: &SourceDiagnostic) -> String {
    let mut s = d.message.to_string();
    for h in &d.hints {
        s.push_str("; hint: ");
        s.push_str(&h.v);
    }
    s
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| ReportError::Typeset(format!("virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

fn datetime(t: UtcMillis) -> Option<Datetime> {
    let utc = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t.0)?.naive_utc();
    Datetime::from_ymd_hms(
        utc.year(),
        u8::try_from(utc.month()).ok()?,
        u8::try_from(utc.day()).ok()?,
        u8::try_from(utc.hour()).ok()?,
        u8::try_from(utc.minute()).ok()?,
        u8::try_from(utc.second()).ok()?,
    )
}

/// One document's world.
struct DocWorld<'a> {
    base: &'a Typesetter,
    main: FileId,
    source: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.base.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            return Ok(Bytes::from_string(self.source.clone()));
        }
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
