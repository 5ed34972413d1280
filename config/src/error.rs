use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A configuration error a user can act on: where, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the error has no position, e.g. an unreadable file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Field path such as `devices[0].channels[2].address` (empty for the whole file).
    pub path: String,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A validation failure found after parsing, with the span of the offending value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Byte range in the file (from a `toml::Spanned` field).
    pub span: Option<Range<usize>>,
    /// Field path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Invalid {
    /// A failure at `span` for the field `path`.
    pub fn new(span: Range<usize>, path: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid {
            span: Some(span),
            path: path.into(),
            message: message.into(),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = std::cmp::min(offset, text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl ConfigError {
    pub(crate) fn from_toml(
        file: &Path,
        text: &str,
        path: String,
        e: &toml::de::Error,
    ) -> ConfigError {
        let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        let message = e.message().trim().trim_end_matches('.').to_owned();
        ConfigError {
            file: file.to_path_buf(),
            line,
            column,
            path,
            message,
        }
    }

    pub(crate) fn from_invalid(file: &Path, text: &str, inv: Invalid) -> ConfigError {
        let (line, column) = inv.span.map_or((0, 0), |s| line_col(text, s.start));
        ConfigError {
            file: file.to_path_buf(),
            line,
            column,
            path: inv.path,
            message: inv.message,
        }
    }
}

/// Render a serde path as `a.b[2].c`.
pub(crate) fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            // `toml::Spanned` wraps values in a private struct: not a user's field.
            Segment::Map { key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 11), (2, 6));
        assert_eq!(line_col(text, 999), (3, 1));
    }
}
