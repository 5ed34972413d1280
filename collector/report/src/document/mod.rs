//! The document every output is written from: a cover with headline
//! figures, then sections, each with its charts and tables of formatted
//! numbers. The PDF ([`crate::pdf`]), the HTML e-mail and its plain-text
//! alternative ([`crate::email`]) are three writers of the same
//! [`Document`], so they print the same figures with the same spelling.

use caudal_collector_domain::Lang;

use crate::charts::Chart;

/// A document ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The language.
    pub lang: Lang,
    /// Main title.
    pub title: String,
    /// Lines under the title (site, week, zone, generation time).
    pub subtitle: Vec<String>,
    /// Headline figures.
    pub headlines: Vec<Headline>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// Running footer text (PDF) and sign-off (e-mail).
    pub footer: String,
}

/// A headline figure: a label and its value, as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    /// What it is.
    pub label: String,
    /// The value with its unit.
    pub value: String,
}

/// One section: a KPI group.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// A stable id (`orders`, `reliability`, …).
    pub id: &'static str,
    /// Heading.
    pub title: String,
    /// Which definition the figures follow.
    pub definition: String,
    /// Charts, drawn before the tables.
    pub charts: Vec<Chart>,
    /// Tables and paragraphs, in order.
    pub blocks: Vec<Block>,
}

/// A block of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A table.
    Table(Table),
    /// A paragraph.
    Paragraph(String),
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Header text.
    pub header: String,
    /// Right-aligned numbers.
    pub numeric: bool,
    /// Share of the remaining width (`0`: as wide as its content; `n`:
    /// `n` parts of what the content-sized columns leave).
    pub share: u8,
}

impl Column {
    /// A text column.
    #[must_use]
    pub fn text(header: &str) -> Column {
        Column {
            header: header.to_owned(),
            numeric: false,
            share: 0,
        }
    }

    /// A text column that wraps, taking one share of the remaining width.
    #[must_use]
    pub fn flexible(header: &str) -> Column {
        Column {
            header: header.to_owned(),
            numeric: false,
            share: 1,
        }
    }

    /// A long text column: two shares of the remaining width.
    #[must_use]
    pub fn wide(header: &str) -> Column {
        Column {
            header: header.to_owned(),
            numeric: false,
            share: 2,
        }
    }

    /// A right-aligned number column.
    #[must_use]
    pub fn number(header: &str) -> Column {
        Column {
            header: header.to_owned(),
            numeric: true,
            share: 0,
        }
    }
}

/// A table of formatted cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Caption above the table.
    pub caption: Option<String>,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<String>>,
    /// The last row is a total (printed bold).
    pub total_row: bool,
}
