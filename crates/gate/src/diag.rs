//! Policy diagnostics: every problem in every policy file, each at its line and column.
//!
//! Loading collects problems instead of stopping at the first (as cargo-deny does), so a user
//! fixes a policy in one round. Each [`Diagnostic`] renders as `file:line:column: message`
//! followed by the offending line and a caret.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::Origin;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticSeverity {
    /// The policy is invalid; the run is an error (exit 2).
    Error,
    /// Worth saying, changes nothing.
    Warning,
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: DiagnosticSeverity,
    /// Where.
    pub origin: Origin,
    /// What is wrong and what was expected.
    pub message: String,
    /// An excerpt of the source line, for the caret display: at most [`EXCERPT_CHARS`]
    /// characters around the column, control characters replaced, credential shapes redacted.
    #[serde(skip)]
    pub snippet: String,
    /// The caret's 1-based column within `snippet`.
    #[serde(skip)]
    pub caret: usize,
}

/// The most a diagnostic quotes of a line. A policy file may be any bytes (the repository's
/// `scangate.toml` is untrusted): a diagnostic shows where the problem is, never the whole line.
pub const EXCERPT_CHARS: usize = 80;

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            DiagnosticSeverity::Error => "error",
            DiagnosticSeverity::Warning => "warning",
        };
        write!(f, "{}: {label}: {}", self.origin, self.message)?;
        if !self.snippet.is_empty() {
            let gutter = self.origin.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret = " ".repeat(self.caret.saturating_sub(1));
            write!(f, "\n{pad} |\n{gutter} | {}\n{pad} | {caret}^", self.snippet)?;
        }
        Ok(())
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The files parse badly or break the level's rules; every problem found is listed.
    #[error("{}", render(diagnostics))]
    Invalid {
        /// Errors first in file order, warnings after them.
        diagnostics: Vec<Diagnostic>,
    },
}

impl PolicyError {
    /// The diagnostics, empty for a read error.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            PolicyError::Read { .. } => &[],
            PolicyError::Invalid { diagnostics } => diagnostics,
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == DiagnosticSeverity::Error)
        .count();
    let mut out = format!("invalid policy: {errors} error{}", if errors == 1 { "" } else { "s" });
    for diagnostic in diagnostics {
        out.push('\n');
        out.push_str(&diagnostic.to_string());
    }
    out
}

/// A policy file's text, kept to turn byte spans into lines and columns.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given (or `gates/level-N.toml` for an embedded preset).
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// A file from its path and text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads a file.
    pub fn read(path: &Path) -> Result<SourceFile, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(SourceFile::new(path, text))
    }

    /// The 1-based line and column of a byte offset.
    pub fn origin(&self, offset: usize) -> Origin {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Origin {
            file: self.path.clone(),
            line: before.matches('\n').count() + 1,
            column: self.text[line_start..offset].chars().count() + 1,
        }
    }

    /// A diagnostic at the start of `span`.
    pub fn diagnostic(
        &self,
        severity: DiagnosticSeverity,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let origin = self.origin(span.start);
        let line = self.text.lines().nth(origin.line - 1).unwrap_or("");
        let (snippet, caret) = excerpt(line, origin.column);
        // A policy line may hold a credential (`token = "…"`): quoted in part, it is still one.
        let snippet = scangate_normalizer::redact_credentials(&snippet).into_owned();
        Diagnostic {
            severity,
            origin,
            message: message.into(),
            snippet,
            caret,
        }
    }

    /// An error at the start of `span`.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(DiagnosticSeverity::Error, span, message)
    }

    /// A warning at the start of `span`.
    pub fn warning(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(DiagnosticSeverity::Warning, span, message)
    }
}

/// At most [`EXCERPT_CHARS`] characters of `line` around the 1-based `column`, with `…` where
/// it was cut and control characters as `�`; and the column within the excerpt.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let start = column.saturating_sub(EXCERPT_CHARS / 2).min(chars.len());
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let shown = chars[start..end]
        .iter()
        .map(|&c| if c.is_control() { '\u{fffd}' } else { c });
    let mut snippet: String = if start > 0 { "…".to_string() } else { String::new() };
    snippet.extend(shown);
    if end < chars.len() {
        snippet.push('…');
    }
    (snippet, column - start + usize::from(start > 0))
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    #[test]
    fn offsets_become_lines_and_columns() {
        let file = SourceFile::new("p.toml", "a = 1\nbé = 2\n");
        let origin = file.origin(9);
        assert_eq!((origin.line, origin.column), (2, 3));
        assert_eq!(file.origin(0).line, 1);
        let rendered = file.error(6..7, "bad").to_string();
        assert_eq!(rendered, "p.toml:2:1: error: bad\n  |\n2 | bé = 2\n  | ^");
    }

    #[test]
    fn quoted_lines_show_no_credential() {
        let file = SourceFile::new("p.toml", "password = \"hunter2-very-secret\"\n");
        let rendered = file.error(0..1, "bad").to_string();
        assert!(!rendered.contains("hunter2"), "{rendered}");
    }

    #[test]
    fn long_lines_are_quoted_in_part_without_control_characters() {
        let line = format!("{}x = \u{1b}[31m{}", "a".repeat(100), "b".repeat(100));
        let file = SourceFile::new("p.toml", line);
        let rendered = file.error(100..101, "bad").to_string();
        let quoted = rendered.lines().nth(2).unwrap();
        assert_eq!(
            quoted.chars().count(),
            "1 | ".len() + 2 + super::EXCERPT_CHARS,
            "{rendered}"
        );
        assert!(
            quoted.contains("x = \u{fffd}[31m") && !rendered.contains('\u{1b}'),
            "{rendered}"
        );
        let caret = rendered.lines().nth(3).unwrap();
        let column = |line: &str, wanted: char| line.chars().position(|c| c == wanted);
        assert_eq!(column(caret, '^'), column(quoted, 'x'), "{rendered}");
    }
}
