//! The typst source of a [`Document`]: a fixed preamble, then the cover and
//! one page per section. Every text is passed as a typst string literal
//! ([`lit`]), never as markup, so no report text can be read as typst
//! syntax; charts are referenced by their virtual file name.

use std::fmt::Write as _;

use crate::document::{Block, Document, Table};
use crate::fonts::FAMILY;
use crate::labels::Labels;

/// A typst string literal for `s`: quotes, backslashes and control
/// characters escaped.
#[must_use]
pub fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The virtual path of a chart's SVG.
#[must_use]
pub fn chart_path(id: &str) -> String {
    format!("charts/{id}.svg")
}

fn table(out: &mut String, t: &Table) {
    if let Some(c) = &t.caption {
        let _ = writeln!(
            out,
            "#block(below: 4pt, text(weight: \"bold\", {}))",
            lit(c)
        );
    }
    let widths: Vec<String> = t
        .columns
        .iter()
        .map(|c| match c.share {
            0 => "auto".to_owned(),
            n => format!("{n}fr"),
        })
        .collect();
    let aligns: Vec<&str> = t
        .columns
        .iter()
        .map(|c| if c.numeric { "right" } else { "left" })
        .collect();
    let last = t.rows.len();
    let _ = writeln!(
        out,
        "#text(size: 8pt, table(columns: ({},), align: ({},), fill: (x, y) => if y == 0 {{ luma(232) }} else if {} and y == {last} {{ luma(244) }},",
        widths.join(", "),
        aligns.join(", "),
        if t.total_row { "true" } else { "false" },
    );
    out.push_str("  table.header(");
    for c in &t.columns {
        let _ = write!(out, "[#text(weight: \"bold\", {})], ", lit(&c.header));
    }
    out.push_str("),\n");
    for (i, row) in t.rows.iter().enumerate() {
        out.push_str("  ");
        let bold = t.total_row && i + 1 == t.rows.len();
        for cell in row {
            if bold {
                let _ = write!(out, "[#text(weight: \"bold\", {})], ", lit(cell));
            } else {
                let _ = write!(out, "[#{}], ", lit(cell));
            }
        }
        out.push('\n');
    }
    out.push_str("))\n#v(6pt)\n");
}

/// The typst source of `doc`.
#[must_use]
pub fn source(doc: &Document) -> String {
    let l = Labels::get(doc.lang);
    let mut out = String::with_capacity(64 * 1024);
    let _ = writeln!(
        out,
        "#set document(title: {}, author: \"Caudal\")",
        lit(&format!("{} · {}", doc.title, doc.subtitle.join(" · ")))
    );
    let _ = writeln!(
        out,
        "#set text(font: {}, size: 9pt, lang: {}, hyphenate: false)",
        lit(FAMILY),
        lit(doc.lang.as_str())
    );
    let _ = writeln!(
        out,
        "#set page(paper: \"a4\", margin: (x: 16mm, top: 16mm, bottom: 18mm), footer: context text(size: 7.5pt, fill: luma(90))[#{} #h(1fr) #{} #counter(page).display() #{} #counter(page).final().first()])",
        lit(&doc.footer),
        lit(l.page),
        lit(l.of),
    );
    out.push_str(concat!(
        "#set par(justify: false, leading: 0.55em)\n",
        "#set table(stroke: 0.4pt + luma(185), inset: (x: 4pt, y: 3pt))\n",
        "#show heading.where(level: 1): it => block(below: 6pt, text(size: 15pt, weight: \"bold\", fill: rgb(\"#0072B2\"), it.body))\n",
    ));

    // Cover.
    out.push_str("#v(24mm)\n");
    let _ = writeln!(
        out,
        "#align(center, text(size: 20pt, weight: \"bold\", {}))",
        lit(&doc.title)
    );
    out.push_str("#v(6mm)\n");
    for (i, line) in doc.subtitle.iter().enumerate() {
        let size = if i == 0 { "16pt" } else { "11pt" };
        let _ = writeln!(out, "#align(center, text(size: {size}, {}))", lit(line));
    }
    out.push_str("#v(14mm)\n");
    let _ = writeln!(
        out,
        "#align(center, text(size: 13pt, weight: \"bold\", {}))",
        lit(l.summary)
    );
    out.push_str("#v(3mm)\n#align(center, block(width: 130mm)[\n");
    for h in &doc.headlines {
        // One paragraph per figure, so the label and the value are one line
        // of extracted text.
        let _ = writeln!(
            out,
            "  #block(width: 100%, inset: (y: 5pt), stroke: (bottom: 0.4pt + luma(200)), text(size: 11pt)[#text(weight: \"bold\", {}) #h(1fr) #{}])",
            lit(&h.label),
            lit(&h.value)
        );
    }
    out.push_str("])\n");

    for s in &doc.sections {
        out.push_str("#pagebreak()\n");
        let _ = writeln!(out, "#heading(level: 1, {})", lit(&s.title));
        let _ = writeln!(
            out,
            "#block(below: 8pt, text(size: 8pt, fill: luma(70), {}))",
            lit(&s.definition)
        );
        for c in &s.charts {
            let _ = writeln!(
                out,
                "#block(below: 8pt, image({}, width: 100%, alt: {}))",
                lit(&chart_path(c.id())),
                lit(c.title())
            );
        }
        for b in &s.blocks {
            match b {
                Block::Table(t) => table(&mut out, t),
                Block::Paragraph(p) => {
                    let _ = writeln!(out, "#block(below: 6pt, {})", lit(p));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_everything_typst_would_read() {
        assert_eq!(lit(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(
            lit("#set page(\"x\") $x$ *b* <l> @r"),
            "\"#set page(\\\"x\\\") $x$ *b* <l> @r\""
        );
        assert_eq!(lit("a\nb\u{7}"), "\"a\\nb\\u{7}\"");
    }
}
