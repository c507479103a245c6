//! The parser registry: one file per scanner, one line per scanner in [`PARSERS`], the same order
//! and names as the runner's `TOOLS`.

mod gitleaks;
mod gosec;
mod npm_audit;
mod osv_scanner;
mod semgrep;
mod trivy;

use std::borrow::Cow;

use crate::{Context, ParseError, Parsed};

pub use semgrep::semgrep_rule_prefix;

/// One scanner's output format.
pub(crate) trait Parser: Sync {
    /// Canonical tool name.
    fn name(&self) -> &'static str;
    /// Every finding and tool error in `output`.
    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError>;
}

/// Every parser, in report order.
pub(crate) static PARSERS: &[&dyn Parser] = &[
    &gitleaks::Gitleaks,
    &semgrep::Semgrep,
    &gosec::Gosec,
    &trivy::Trivy,
    &osv_scanner::OsvScanner,
    &npm_audit::NpmAudit,
];

/// The parser for a canonical tool name.
pub(crate) fn parser_named(name: &str) -> Option<&'static dyn Parser> {
    PARSERS.iter().copied().find(|parser| parser.name() == name)
}

/// Canonical names of every tool scangate can parse, in report order.
pub fn parser_names() -> Vec<&'static str> {
    PARSERS.iter().map(|parser| parser.name()).collect()
}

/// Deserializes `output` as `T`, naming the tool in the error.
pub(crate) fn from_json<'de, T: serde::Deserialize<'de>>(
    tool: &'static str,
    output: &'de [u8],
) -> Result<T, ParseError> {
    serde_json::from_slice(output).map_err(|error| ParseError::json(tool, &error))
}

/// Deserializes a JSON array one element at a time, handing each to a closure, so a huge report
/// never exists as a `Vec` of borrowed records next to the findings made from it.
pub(crate) struct EachElement<T, F>(pub F, pub std::marker::PhantomData<T>);

impl<'de, T: serde::Deserialize<'de>, F: FnMut(T)> serde::de::DeserializeSeed<'de> for EachElement<T, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>, F: FnMut(T)> serde::de::Visitor<'de> for EachElement<T, F> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("an array")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<T>()? {
            (self.0)(element);
        }
        Ok(())
    }
}

/// `CWE-78` from `CWE-78: Improper Neutralization…`, `cwe-78`, `78`; `None` if there is no number.
pub(crate) fn cwe_id(raw: &str) -> Option<String> {
    let head = raw.split(':').next().unwrap_or(raw).trim();
    let digits = head.trim_start_matches(|c: char| !c.is_ascii_digit());
    let number: String = digits.chars().take_while(char::is_ascii_digit).collect();
    if number.is_empty() || number.trim_start_matches('0').is_empty() {
        return None;
    }
    Some(format!("CWE-{number}"))
}

/// Borrowed text where the JSON had no escapes, owned otherwise.
pub(crate) type Text<'a> = Cow<'a, str>;

/// A repo file's bytes (at most [`crate::CONTENT_LIMIT`]), for what a tool's report does not hold:
/// matched text it hides, the line a finding lies on.
pub(crate) fn read_file_bytes(rel: &str, context: &Context<'_>) -> Option<Vec<u8>> {
    crate::read_repository_file(context.root, std::path::Path::new(rel), crate::CONTENT_LIMIT).ok()
}

/// Line `number` (1-based) of a repo file, without its newline; `None` when the file cannot be
/// read or is shorter.
pub(crate) fn read_line(rel: &str, number: u64, context: &Context<'_>) -> Option<Vec<u8>> {
    let index = usize::try_from(number.checked_sub(1)?).ok()?;
    let content = read_file_bytes(rel, context)?;
    content.split(|byte| *byte == b'\n').nth(index).map(<[u8]>::to_vec)
}

/// A repository configuration or ignore file a parser applies, as text ([`crate::read_repository_config`]);
/// not UTF-8 is an I/O error.
pub(crate) fn read_config_text(rel: &str, context: &Context<'_>) -> Result<String, crate::RepoFileError> {
    let path = std::path::Path::new(rel);
    let bytes = crate::read_repository_config(context.root, path)?;
    String::from_utf8(bytes).map_err(|_| crate::RepoFileError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// The first of `lines` (1-based) of a repository file for which `wanted` holds: where an
/// ignore comment sits, since scanners report the finding's place rather than the comment's.
pub(crate) fn line_holding(
    rel: &str,
    lines: std::ops::RangeInclusive<u64>,
    context: &Context<'_>,
    wanted: impl Fn(&str) -> bool,
) -> Option<u64> {
    let bytes = read_file_bytes(rel, context)?;
    let text = String::from_utf8_lossy(&bytes);
    let first = *lines.start();
    text.lines()
        .zip(1u64..)
        .skip(first.saturating_sub(1) as usize)
        .take_while(|(_, number)| lines.contains(number))
        .find(|(line, _)| wanted(line))
        .map(|(_, number)| number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_match_the_runner() {
        // The runner's `TOOLS` (crates/runner/src/tools/mod.rs) in the same order.
        assert_eq!(
            parser_names(),
            ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"]
        );
    }

    #[test]
    fn cwe_ids() {
        assert_eq!(cwe_id("CWE-95: Improper Neutralization").as_deref(), Some("CWE-95"));
        assert_eq!(cwe_id("cwe-1321").as_deref(), Some("CWE-1321"));
        assert_eq!(cwe_id("89").as_deref(), Some("CWE-89"));
        assert_eq!(cwe_id("cwe-0"), None);
    }
}
