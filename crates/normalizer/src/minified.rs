//! Minified bundles: generated one-line JavaScript or CSS, where a SAST rule fires dozens of times
//! on code nobody reviews line by line (issue 26 §2: 17 of 20 high findings in two apps were in a
//! vendored, minified jQuery). Reports collapse such a file's code findings into one coverage
//! note unless the trusted policy asks for them.
//!
//! The file is untrusted: it is read through [`open_repository_file`] (a regular file inside the
//! repository), once, and at most [`MINIFIED_READ_LIMIT`] bytes of it.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::repo_file::{open_repository_file, RepoFileError};

/// A line longer than this is no hand-written code: formatters wrap at 80 to 120 columns, and
/// even long string tables or data URIs in source rarely pass a few thousand bytes. jQuery's
/// minified build has lines of ~30,000 bytes; its source, none over 200.
pub const MINIFIED_LONGEST_LINE: u64 = 5_000;

/// An average line longer than this: one long line in a hand-written file (an inlined SVG, a
/// license banner) leaves the average low, a minifier's output does not.
pub const MINIFIED_AVERAGE_LINE: u64 = 500;

/// The most of a file read to decide. A bundle bigger than this is judged on its first 8 MiB,
/// which hold thousands of its lines' worth of evidence either way.
pub const MINIFIED_READ_LIMIT: u64 = 8 << 20;

/// Why a file counts as minified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Minified {
    /// Its name says so: `.min.js`, `.min.css`, `-min.js`.
    ByName,
    /// A `.js`/`.mjs`/`.cjs`/`.css` file whose longest line and average line are both over the
    /// thresholds.
    ByShape,
}

/// True when the name alone marks a minified bundle.
pub fn minified_by_name(path: &Path) -> bool {
    let name = path.file_name().map(|name| name.to_string_lossy().to_ascii_lowercase());
    name.is_some_and(|name| [".min.js", ".min.css", "-min.js"].iter().any(|end| name.ends_with(end)))
}

/// True for the extensions whose content is judged by shape.
fn shape_judged(path: &Path) -> bool {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    extension.is_some_and(|e| ["js", "mjs", "cjs", "css"].contains(&e.as_str()))
}

/// Whether `rel` (relative to `root`) is a minified bundle, and why; `None` for anything else,
/// including a file that cannot be read as a regular file of the repository.
pub fn minified(root: &Path, rel: &Path) -> Result<Option<Minified>, RepoFileError> {
    if minified_by_name(rel) {
        return Ok(Some(Minified::ByName));
    }
    if !shape_judged(rel) {
        return Ok(None);
    }
    let (file, _) = open_repository_file(root, rel)?;
    let shape = LineShape::of(BufReader::new(file.take(MINIFIED_READ_LIMIT))).map_err(|source| RepoFileError::Io {
        path: rel.to_path_buf(),
        source,
    })?;
    Ok(shape.is_minified().then_some(Minified::ByShape))
}

/// The longest line and the average line length of a text, in bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LineShape {
    /// Bytes of the longest line.
    pub longest: u64,
    /// Bytes in all, newlines excluded.
    pub bytes: u64,
    /// Lines (a last line without a newline counts).
    pub lines: u64,
}

impl LineShape {
    /// Measures `reader` line by line, holding no more than a buffer of it.
    pub fn of(mut reader: impl BufRead) -> std::io::Result<LineShape> {
        let mut shape = LineShape::default();
        let mut current = 0u64;
        loop {
            let buffer = reader.fill_buf()?;
            if buffer.is_empty() {
                break;
            }
            let length = buffer.len();
            for &byte in buffer {
                if byte == b'\n' {
                    shape.end_line(current);
                    current = 0;
                } else {
                    current += 1;
                }
            }
            reader.consume(length);
        }
        if current > 0 {
            shape.end_line(current);
        }
        Ok(shape)
    }

    fn end_line(&mut self, length: u64) {
        self.longest = self.longest.max(length);
        self.bytes += length;
        self.lines += 1;
    }

    /// Both thresholds passed: one very long line and long lines on average.
    pub fn is_minified(&self) -> bool {
        self.lines > 0 && self.longest > MINIFIED_LONGEST_LINE && self.bytes / self.lines > MINIFIED_AVERAGE_LINE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> LineShape {
        LineShape::of(text.as_bytes()).unwrap()
    }

    #[test]
    fn names_mark_bundles() {
        for name in ["static/jquery.min.js", "a/B.MIN.CSS", "lib/x-min.js"] {
            assert!(minified_by_name(Path::new(name)), "{name}");
        }
        for name in ["min.js", "app.js", "jquery.min.js.map", "minimal.css"] {
            assert!(!minified_by_name(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn shape_needs_a_long_line_and_a_long_average() {
        let bundle = "x".repeat(6_000);
        assert!(shape(&bundle).is_minified());
        assert!(shape(&format!("{bundle}\n")).is_minified());
        // One long line among many short ones: a hand-written file with an inlined asset.
        let mixed = format!("{bundle}\n{}", "let a = 1;\n".repeat(100));
        assert!(!shape(&mixed).is_minified());
        // Short lines; then long ones on average, none over the longest threshold.
        assert!(!shape(&"y\n".repeat(4_000)).is_minified());
        assert!(!shape(&format!("{}\n", "y".repeat(4_000)).repeat(3)).is_minified());
        assert_eq!(shape(""), LineShape::default());
        assert_eq!(
            shape("ab\ncde"),
            LineShape {
                longest: 3,
                bytes: 5,
                lines: 2
            }
        );
    }

    #[test]
    fn only_regular_files_of_the_repository_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bundle.js"), "z".repeat(6_000)).unwrap();
        std::fs::write(dir.path().join("app.js"), "let a = 1;\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "z".repeat(6_000)).unwrap();
        let root = dir.path();
        assert_eq!(minified(root, Path::new("bundle.js")).unwrap(), Some(Minified::ByShape));
        assert_eq!(minified(root, Path::new("app.js")).unwrap(), None);
        assert_eq!(minified(root, Path::new("notes.txt")).unwrap(), None);
        std::os::unix::fs::symlink("/etc/hostname", root.join("out.js")).unwrap();
        assert!(minified(root, Path::new("out.js")).is_err());
    }
}
