/*!
gitleaks `--report-format json` (8.x).

# Output shape
A JSON array of leaks: `RuleID`, `Description`, `File`, `StartLine`/`EndLine`,
`StartColumn`/`EndColumn`, `Match`, `Secret`, `Commit` (empty in `dir` mode), `Tags`,
`Fingerprint` (`file:rule:line` or `commit:file:rule:line`). A clean scan is `[]`.

# `.gitleaksignore`
The runner keeps gitleaks from reading the repository's `.gitleaksignore` (an untrusted file that
would drop leaks unseen); this parser applies it instead, as reported suppressions. A leak whose
`file:rule:line` or (history) `commit:file:rule:line` — built from the repo-relative path, not
from the report's `Fingerprint`, whose path may run through a scratch link — is an entry of the
root's `.gitleaksignore` gets `native_suppression` kind `gitleaksignore`, origin
`.gitleaksignore:<line>` and as justification the `#` comment trailing the entry or on the line
above it. Entries follow gitleaks 8.30: trimmed lines, `#` lines are comments, `\` in the path
reads as `/`. A `.gitleaksignore` that is not a regular file (a symlink, a FIFO) or is larger
than 1 MiB is not read: a warning.

# `gitleaks:allow`
gitleaks would drop a leak whose line holds `gitleaks:allow` unseen; the runner passes
`--ignore-gitleaks-allow`, so it is reported, and this parser applies the comment instead: a leak
whose lines (`StartLine..=EndLine`) in the working tree hold `gitleaks:allow` and its secret gets
`native_suppression` kind `gitleaks:allow`, origin that line, and as justification the text after
the marker (`# gitleaks:allow -- why`). A leak whose line is no longer in the working tree (history
only) counts.

# Severity
gitleaks has none. DESIGN §3: `critical` for provider credentials and private keys (rule ids
starting with [`CRITICAL_PREFIXES`]), `medium` for `generic-api-key`, `high` for everything else.
`tool_severity` stays empty.

# Fingerprint
rule + path + a secret digest (+ commit in history mode); never the value. The digest comes from,
in order:
1. in history mode, the commit and `StartLine`: a commit's content never changes, so its line
   numbers cannot shift;
2. in `dir` mode, the bytes the finding covers, read back from the working tree at `StartLine`,
   columns `StartColumn..=EndColumn` (the raw secret, hashed and dropped), which follow the secret
   when lines move;
3. `Secret` when the report has it (the file cannot be read) — hashed in memory;
4. otherwise the redacted `Match` text (what surrounds the secret), plus the occurrence index.
   Never the line number: that would not survive a shift.

The order makes a report's fingerprints the same whether gitleaks ran with `--redact` or not.

# Secret values
scangate runs gitleaks without `--redact`: the values of `Secret` go to [`Parsed::secrets`] (never
into a finding), so that every output can be scrubbed of them, including what other scanners
quote. A report someone redacted gives none.

# Known traps
`EndColumn` is inclusive (SARIF's is exclusive: +1). With `--redact`, `Match` keeps the characters
around the secret (`REDACTED"`), so it is no secret but not unique either; unredacted, `Match` holds
the secret. Secrets never reach a Finding: the message is built from `Description` and the rule
only. The `File` in `git` mode is
relative to the repo root; in `dir` mode it is absolute, below the scratch link to the root.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (gitleaks 8.30.1 `dir` on examples/vulnerable-app).
Shapes learned from shared/samples/gitleaks (local-gitleaks-8.16.0-redacted.json, DefectDojo
gitleaks8_many.json for history mode).
*/

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{from_json, Parser, Text};
use crate::fingerprint::{hash, sha256_hex};
use crate::{
    paths, Context, Finding, Kind, Location, NativeSuppression, ParseError, Parsed, Severity, SuppressionOrigin,
};

/// The repository's ignore list, at the root: gitleaks reads it from the source it scans.
const IGNORE_FILE: &str = ".gitleaksignore";

pub(crate) struct Gitleaks;

/// Rule-id prefixes of provider credentials and private keys: `critical`.
pub(crate) const CRITICAL_PREFIXES: &[&str] = &[
    "aws-",
    "gcp-",
    "azure-",
    "github-",
    "gitlab-",
    "slack-",
    "stripe-",
    "private-key",
    "digitalocean-",
    "heroku-",
    "npm-access-token",
    "pypi-upload-token",
    "openai-",
    "anthropic-",
    "shopify-",
    "twilio-",
    "sendgrid-",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Leak<'a> {
    #[serde(rename = "RuleID", borrow)]
    rule_id: Text<'a>,
    #[serde(default, borrow)]
    description: Text<'a>,
    #[serde(borrow)]
    file: Text<'a>,
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    end_line: u64,
    #[serde(default)]
    start_column: u64,
    #[serde(default)]
    end_column: u64,
    #[serde(default, borrow)]
    secret: Text<'a>,
    #[serde(default, rename = "Match", borrow)]
    matched: Text<'a>,
    #[serde(default, borrow)]
    commit: Text<'a>,
}

impl Parser for Gitleaks {
    fn name(&self) -> &'static str {
        "gitleaks"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let leaks: Vec<Leak<'_>> = from_json(self.name(), output)?;
        let (ignores, warnings) = IgnoreList::read(context);
        let secrets = leaks.iter().map(|leak| leak.secret.to_string()).collect();
        let findings = leaks
            .iter()
            .map(|leak| {
                let mut finding = to_finding(leak, context);
                finding.native_suppression = ignores
                    .suppression(leak, &finding)
                    .or_else(|| allow_comment(leak, &finding, context));
                finding
            })
            .collect();
        Ok(Parsed {
            findings,
            warnings,
            secrets: crate::SecretValues(secrets),
            ..Parsed::default()
        })
    }
}

/// One entry of `.gitleaksignore`.
struct IgnoreEntry {
    /// 1-based line in the file.
    line: u64,
    justification: Option<String>,
}

/// The entries of the repository's `.gitleaksignore`, by fingerprint.
#[derive(Default)]
struct IgnoreList(HashMap<String, IgnoreEntry>);

impl IgnoreList {
    /// The root's `.gitleaksignore` (none when absent), and a warning when it cannot be applied.
    fn read(context: &Context<'_>) -> (IgnoreList, Vec<String>) {
        match crate::read_repository_config(context.root, Path::new(IGNORE_FILE)) {
            Ok(bytes) => (IgnoreList::parse(&String::from_utf8_lossy(&bytes)), Vec::new()),
            Err(crate::RepoFileError::Missing { .. }) => (IgnoreList::default(), Vec::new()),
            Err(why) => (
                IgnoreList::default(),
                vec![format!("{IGNORE_FILE} was not applied: {why}")],
            ),
        }
    }

    fn parse(text: &str) -> IgnoreList {
        let mut entries = HashMap::new();
        let mut comment_above: Option<&str> = None;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if let Some(comment) = line.strip_prefix('#') {
                comment_above = Some(comment);
                continue;
            }
            let (entry, trailing) = split_trailing_comment(line);
            if let Some(fingerprint) = normalized_fingerprint(entry) {
                let justification = trailing.or(comment_above).map(str::trim).filter(|j| !j.is_empty());
                entries.insert(
                    fingerprint,
                    IgnoreEntry {
                        line: index as u64 + 1,
                        justification: justification.map(str::to_owned),
                    },
                );
            }
            comment_above = None;
        }
        IgnoreList(entries)
    }

    /// The suppression for a leak whose finding has already been made (repo-relative path).
    fn suppression(&self, leak: &Leak<'_>, finding: &Finding) -> Option<NativeSuppression> {
        if self.0.is_empty() {
            return None;
        }
        let path = finding.location.as_ref().map_or("", |location| location.path.as_str());
        let global = format!("{path}:{}:{}", leak.rule_id, leak.start_line);
        let entry = self.0.get(&global).or_else(|| match leak.commit.as_ref() {
            "" => None,
            commit => self.0.get(&format!("{commit}:{global}")),
        })?;
        Some(NativeSuppression {
            kind: "gitleaksignore".to_owned(),
            justification: entry.justification.clone(),
            origin: Some(SuppressionOrigin::at(IGNORE_FILE, entry.line)),
        })
    }
}

/// The marker gitleaks skips a line for, unless told `--ignore-gitleaks-allow`.
const ALLOW_MARKER: &str = "gitleaks:allow";

/// The `gitleaks:allow` comment on the leak's lines in the working tree, as a reported
/// suppression. The line must still hold the secret (when the report has it): a history leak
/// whose line changed since is not covered by whatever the line says now.
fn allow_comment(leak: &Leak<'_>, finding: &Finding, context: &Context<'_>) -> Option<NativeSuppression> {
    let path = finding.location.as_ref()?.path.as_str();
    let first = leak.start_line.max(1);
    let secret = leak.secret.as_ref();
    let holds_secret = |text: &str| secret.is_empty() || secret == crate::REDACTED || text.contains(secret);
    let bytes = super::read_file_bytes(path, context)?;
    let text = String::from_utf8_lossy(&bytes);
    let count = leak.end_line.max(first) - first + 1;
    let lines: Vec<&str> = text.lines().skip(first as usize - 1).take(count as usize).collect();
    if !holds_secret(&lines.join("\n")) {
        return None;
    }
    let (offset, line) = lines.iter().enumerate().find(|(_, line)| line.contains(ALLOW_MARKER))?;
    let after = &line[line.find(ALLOW_MARKER)? + ALLOW_MARKER.len()..];
    let justification = after
        .trim_start_matches(|c: char| c.is_whitespace() || c == '-' || c == ':')
        .trim_end_matches(|c: char| c.is_whitespace() || "*/->".contains(c))
        .trim();
    Some(NativeSuppression {
        kind: ALLOW_MARKER.to_owned(),
        justification: (!justification.is_empty()).then(|| justification.to_owned()),
        origin: Some(SuppressionOrigin::at(path, first + offset as u64)),
    })
}

/// `fingerprint # why` → (`fingerprint`, `why`). A `#` only starts a comment after whitespace,
/// since paths may hold one.
fn split_trailing_comment(line: &str) -> (&str, Option<&str>) {
    let at = line
        .char_indices()
        .find(|&(i, c)| c == '#' && line[..i].ends_with(char::is_whitespace))
        .map(|(i, _)| i);
    match at {
        Some(i) => (line[..i].trim_end(), Some(&line[i + 1..])),
        None => (line, None),
    }
}

/// An entry as gitleaks keys it: `file:rule:line` or `commit:file:rule:line`, `\` in the file
/// read as `/`; `None` for anything else.
fn normalized_fingerprint(entry: &str) -> Option<String> {
    let mut parts: Vec<String> = entry.split(':').map(str::to_owned).collect();
    let file = match parts.len() {
        3 => 0,
        4 => 1,
        _ => return None,
    };
    parts[file] = parts[file].replace('\\', "/");
    Some(parts.join(":"))
}

/// DESIGN §3's gitleaks row.
pub(crate) fn severity_for_rule(rule_id: &str) -> Severity {
    let rule = rule_id.to_ascii_lowercase();
    if rule == "generic-api-key" {
        Severity::Medium
    } else if CRITICAL_PREFIXES.iter().any(|prefix| rule.starts_with(prefix)) {
        Severity::Critical
    } else {
        Severity::High
    }
}

fn to_finding(leak: &Leak<'_>, context: &Context<'_>) -> crate::Finding {
    let path = paths::relativize(&leak.file, context);
    let mut out = Finding::new(
        "gitleaks",
        Kind::Secret,
        leak.rule_id.to_string(),
        severity_for_rule(&leak.rule_id),
    );
    out.title = if leak.description.is_empty() {
        leak.rule_id.to_string()
    } else {
        leak.description.to_string()
    };
    out.message = match leak.commit.as_ref() {
        "" => format!("{} ({}); the value is redacted", out.title, leak.rule_id),
        commit => format!(
            "{} ({}) in commit {}; the value is redacted",
            out.title,
            leak.rule_id,
            short(commit)
        ),
    };
    out.cwes = vec!["CWE-798".to_owned()];
    out.help = Some("Revoke and rotate the credential, then remove it from the code and history.".to_owned());
    out.help_uri = Some("https://github.com/gitleaks/gitleaks".to_owned());
    // The leak's line as the work tree holds it, read once: the fingerprint and the column use it.
    let line = super::read_line(&path, leak.start_line, context);
    let start_column = start_column(leak, line.as_deref());
    let shift = leak.start_column - start_column;
    out.fingerprint = fingerprint(leak, &path, line.as_deref(), digest_shift(leak, shift));
    out.commit = (!leak.commit.is_empty()).then(|| leak.commit.to_string());
    out.location = Some(Location {
        path,
        start_line: (leak.start_line > 0).then_some(leak.start_line),
        end_line: (leak.end_line >= leak.start_line && leak.start_line > 0).then_some(leak.end_line),
        start_column: (start_column > 0).then_some(start_column),
        // gitleaks' EndColumn is inclusive; SARIF's is one past the end.
        end_column: (leak.end_column > 0 && leak.start_line == leak.end_line && leak.end_column >= leak.start_column)
            .then_some(leak.end_column - shift + 1),
    });
    out
}

/// The 1-based column the match starts at. gitleaks reports one too many on every line of a
/// scanned fragment but its first (the whole file in `dir` mode, a hunk's added lines in `git`
/// mode), and the report does not say which line that was: where the line as the work tree holds
/// it has the match one column before the reported one (and not at it), that is the column.
/// Otherwise (a redacted report, a line changed since the commit) it stays as reported.
fn start_column(leak: &Leak<'_>, line: Option<&[u8]>) -> u64 {
    let reported = leak.start_column;
    let matched = leak.matched.as_bytes();
    if reported < 2 || matched.is_empty() || leak.matched.as_ref() == crate::REDACTED {
        return reported;
    }
    let Some(line) = line else {
        return reported;
    };
    let starts_at = |column: u64| {
        usize::try_from(column - 1)
            .ok()
            .and_then(|index| line.get(index..))
            .is_some_and(|rest| rest.starts_with(matched))
    };
    if !starts_at(reported) && starts_at(reported - 1) {
        reported - 1
    } else {
        reported
    }
}

/// How many columns too many gitleaks reported, for the secret's digest: what [`start_column`]
/// found on the line, or, where a redacted report hides the match, gitleaks' own rule (one too
/// many on every line of a scanned fragment but its first; a directory scan's fragment is the
/// file), so a redacted report fingerprints as an unredacted one does.
fn digest_shift(leak: &Leak<'_>, found: u64) -> u64 {
    let redacted = leak.matched.as_ref() == crate::REDACTED || leak.matched.is_empty();
    if redacted && leak.commit.is_empty() && leak.start_line > 1 {
        1
    } else {
        found
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// `shift`: how many columns too many gitleaks reported ([`start_column`]), so the digest covers
/// the secret itself wherever it is: on a fragment's first line gitleaks' columns are right, on
/// the others one too many, so the reported columns alone would give a secret that moves onto or
/// off the first line another fingerprint.
fn fingerprint(leak: &Leak<'_>, path: &str, line: Option<&[u8]>, shift: u64) -> String {
    let rule = leak.rule_id.as_bytes();
    let commit = leak.commit.as_bytes();
    if !commit.is_empty() {
        let line = leak.start_line.to_string();
        return hash(&[b"gitleaks", rule, path.as_bytes(), commit, line.as_bytes()]);
    }
    if let Some(digest) = line.and_then(|line| secret_digest(leak, line, shift)) {
        return hash(&[b"gitleaks", rule, path.as_bytes(), digest.as_bytes()]);
    }
    if !leak.secret.is_empty() && leak.secret != crate::REDACTED {
        let digest = sha256_hex(leak.secret.as_bytes());
        return hash(&[b"gitleaks", rule, path.as_bytes(), b"secret", digest.as_bytes()]);
    }
    hash(&[b"gitleaks", rule, path.as_bytes(), b"match", leak.matched.as_bytes()])
}

/// sha256 of the columns the leak covers on its `line` in the working tree; the raw bytes are
/// dropped when this returns.
fn secret_digest(leak: &Leak<'_>, line: &[u8], shift: u64) -> Option<String> {
    if leak.start_line == 0 || leak.start_line != leak.end_line || leak.start_column <= shift {
        return None;
    }
    let start = usize::try_from(leak.start_column - shift - 1).ok()?;
    let end = usize::try_from(leak.end_column.checked_sub(shift)?)
        .ok()?
        .min(line.len());
    let covered = line.get(start..end).filter(|bytes| !bytes.is_empty())?;
    Some(sha256_hex(covered))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn severity_by_rule_prefix() {
        assert_eq!(severity_for_rule("aws-access-token"), Severity::Critical);
        assert_eq!(severity_for_rule("github-pat"), Severity::Critical);
        assert_eq!(severity_for_rule("private-key"), Severity::Critical);
        assert_eq!(severity_for_rule("stripe-access-token"), Severity::Critical);
        assert_eq!(severity_for_rule("generic-api-key"), Severity::Medium);
        assert_eq!(severity_for_rule("jwt"), Severity::High);
    }

    #[test]
    fn fingerprint_follows_the_secret_not_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("ghp_{}", "Z".repeat(36));
        std::fs::write(dir.path().join("a.py"), format!("x = 1\ntoken = \"{secret}\"\n")).unwrap();
        let report = |line: u64| {
            format!(
                r#"[{{"RuleID":"github-pat","Description":"GitHub PAT","File":"a.py","StartLine":{line},"EndLine":{line},"StartColumn":10,"EndColumn":49,"Match":"REDACTED\"","Secret":"REDACTED","Commit":""}}]"#
            )
        };
        let first = crate::parse("gitleaks", report(2).as_bytes(), dir.path()).unwrap();
        std::fs::write(dir.path().join("a.py"), format!("\n\n\nx = 1\ntoken = \"{secret}\"\n")).unwrap();
        let moved = crate::parse("gitleaks", report(5).as_bytes(), dir.path()).unwrap();
        assert_eq!(first.findings[0].fingerprint, moved.findings[0].fingerprint);
        assert_eq!(first.findings[0].location.as_ref().unwrap().end_column, Some(50));
        let other = format!("ghp_{}", "Y".repeat(36));
        std::fs::write(dir.path().join("a.py"), format!("x = 1\ntoken = \"{other}\"\n")).unwrap();
        let changed = crate::parse("gitleaks", report(2).as_bytes(), dir.path()).unwrap();
        assert_ne!(first.findings[0].fingerprint, changed.findings[0].fingerprint);
        let text = serde_json::to_string(&first.findings).unwrap();
        assert!(!text.contains(&secret));
    }

    /// A secret moved from a file's first line (where gitleaks' columns are right) to a later one
    /// (one too many) keeps its fingerprint, and a redacted report fingerprints as a clear one.
    #[test]
    fn a_secret_moved_off_the_first_line_keeps_its_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("ghp_{}", "W".repeat(36));
        let scan = |text: String, line: u64, start: u64, matched: &str| {
            std::fs::write(dir.path().join("a.py"), text).unwrap();
            let report = format!(
                r#"[{{"RuleID":"github-pat","File":"a.py","StartLine":{line},"EndLine":{line},"StartColumn":{start},"EndColumn":{},"Match":"{matched}","Secret":"{matched}","Commit":""}}]"#,
                start + 39
            );
            crate::parse("gitleaks", report.as_bytes(), dir.path())
                .unwrap()
                .findings[0]
                .fingerprint
                .clone()
        };
        let first = scan(format!("k = \"{secret}\"\n"), 1, 6, &secret);
        let moved = format!("#\n#\n#\nk = \"{secret}\"\n");
        assert_eq!(scan(moved.clone(), 4, 7, &secret), first);
        assert_eq!(scan(moved, 4, 7, crate::REDACTED), first);
    }

    /// gitleaks 8.30's columns, as it reports them for `k = "<secret>"` on line 1 (right) and on
    /// line 3 (one too many), are corrected from the line itself; a line that no longer holds the
    /// match keeps the reported column.
    #[test]
    fn columns_one_too_many_are_corrected_from_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("ghp_{}", "Q".repeat(36));
        std::fs::write(
            dir.path().join("a.py"),
            format!("k = \"{secret}\"\n\nk = \"{secret}\"\n"),
        )
        .unwrap();
        let report = |line: u64, start: u64| {
            format!(
                r#"[{{"RuleID":"github-pat","File":"a.py","StartLine":{line},"EndLine":{line},"StartColumn":{start},"EndColumn":{},"Match":"{secret}","Secret":"{secret}","Commit":""}}]"#,
                start + 39
            )
        };
        let columns = |line: u64, start: u64| {
            let parsed = crate::parse("gitleaks", report(line, start).as_bytes(), dir.path()).unwrap();
            let location = parsed.findings[0].location.clone().unwrap();
            (location.start_column, location.end_column)
        };
        assert_eq!(columns(1, 6), (Some(6), Some(46)), "the first line is right");
        assert_eq!(columns(3, 7), (Some(6), Some(46)), "later lines one too many");
        assert_eq!(columns(2, 7), (Some(7), Some(47)), "the line does not hold the match");
    }

    fn leak_report(file: &str, line: u64, commit: &str) -> String {
        format!(
            r#"[{{"RuleID":"github-pat","Description":"GitHub PAT","File":"{file}","StartLine":{line},"EndLine":{line},"StartColumn":1,"EndColumn":4,"Match":"REDACTED","Secret":"REDACTED","Commit":"{commit}"}}]"#
        )
    }

    #[test]
    fn gitleaksignore_entries_become_reported_suppressions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".gitleaksignore"),
            "# test fixture, not a real token\nsrc/a.py:github-pat:2\n\nabc123:b.py:github-pat:7   # rotated 2026-01\nc.py:github-pat:1\n",
        )
        .unwrap();
        let parse = |file: &str, line: u64, commit: &str| {
            let parsed = crate::parse("gitleaks", leak_report(file, line, commit).as_bytes(), dir.path()).unwrap();
            parsed.findings[0].native_suppression.clone()
        };
        let first = parse("src/a.py", 2, "").expect("global entry");
        assert_eq!(first.kind, "gitleaksignore");
        assert_eq!(first.origin, Some(SuppressionOrigin::at(".gitleaksignore", 2)));
        assert_eq!(first.justification.as_deref(), Some("test fixture, not a real token"));
        // A global entry covers every commit; a commit entry only its commit.
        assert!(parse("src/a.py", 2, "fff999").is_some());
        let commit = parse("b.py", 7, "abc123").expect("commit entry");
        assert_eq!(commit.origin, Some(SuppressionOrigin::at(".gitleaksignore", 4)));
        assert_eq!(commit.justification.as_deref(), Some("rotated 2026-01"));
        assert!(parse("b.py", 7, "other").is_none());
        let bare = parse("c.py", 1, "").expect("entry without a comment");
        assert_eq!(bare.justification, None);
        assert!(parse("src/a.py", 3, "").is_none());
    }

    #[test]
    fn gitleaks_allow_comments_become_reported_suppressions() {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("ghp_{}", "A".repeat(36));
        std::fs::write(
            dir.path().join("a.py"),
            format!("x = 1\ntoken = \"{secret}\"  # gitleaks:allow -- revoked test token\nbare = \"{secret}\" # gitleaks:allow\n"),
        )
        .unwrap();
        let report = |line: u64, value: &str| {
            format!(
                r#"[{{"RuleID":"github-pat","File":"a.py","StartLine":{line},"EndLine":{line},"StartColumn":10,"EndColumn":49,"Match":"{value}","Secret":"{value}","Commit":""}}]"#
            )
        };
        let suppression = |line: u64, value: &str| {
            let parsed = crate::parse("gitleaks", report(line, value).as_bytes(), dir.path()).unwrap();
            parsed.findings[0].native_suppression.clone()
        };
        let with_reason = suppression(2, &secret).expect("allow comment");
        assert_eq!(with_reason.kind, "gitleaks:allow");
        assert_eq!(with_reason.origin, Some(SuppressionOrigin::at("a.py", 2)));
        assert_eq!(with_reason.justification.as_deref(), Some("revoked test token"));
        assert_eq!(suppression(3, "REDACTED").unwrap().justification, None);
        // No marker on the line, or the line no longer holds the secret: the leak counts.
        assert!(suppression(1, &secret).is_none());
        assert!(suppression(2, &format!("ghp_{}", "B".repeat(36))).is_none());
    }

    #[test]
    fn a_gitleaksignore_linked_out_of_the_repository_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("elsewhere"), "a.py:github-pat:2\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("elsewhere"), dir.path().join(".gitleaksignore")).unwrap();
        let parsed = crate::parse("gitleaks", leak_report("a.py", 2, "").as_bytes(), dir.path()).unwrap();
        assert!(parsed.findings[0].native_suppression.is_none());
        assert_eq!(
            parsed.warnings,
            [
                ".gitleaksignore was not applied: .gitleaksignore is not a regular file inside the repository \
              (a symlink leading out of it); not read"
            ]
        );
    }

    #[test]
    fn history_mode_and_unredacted_reports() {
        let report = br#"[{"RuleID":"generic-api-key","Description":"Generic API Key","File":"tests/api.py","StartLine":21,"EndLine":21,"StartColumn":10,"EndColumn":46,"Match":"apikey = \"dfjksdjfs3294dfjlsdaf213\"","Secret":"dfjksdjfs3294dfjlsdaf213","Commit":"69235ea9ea4d59e18e2c"}]"#;
        let parsed = crate::parse("gitleaks", report, Path::new("/repo")).unwrap();
        let found = &parsed.findings[0];
        assert_eq!(found.severity, Severity::Medium);
        assert!(found.message.contains("69235ea9ea4d"));
        assert!(!serde_json::to_string(found)
            .unwrap()
            .contains("dfjksdjfs3294dfjlsdaf213"));
        assert_eq!(parsed.secrets.0, ["dfjksdjfs3294dfjlsdaf213"]);
        assert_eq!(format!("{:?}", parsed.secrets), "SecretValues(1 values)");
    }

    #[test]
    fn redacted_and_unredacted_reports_share_fingerprints() {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("ghp_{}", "Q".repeat(36));
        std::fs::write(dir.path().join("a.py"), format!("token = \"{secret}\"\n")).unwrap();
        let report = |value: &str, commit: &str| {
            format!(
                r#"[{{"RuleID":"github-pat","File":"a.py","StartLine":1,"EndLine":1,"StartColumn":10,"EndColumn":49,"Match":"{value}","Secret":"{value}","Commit":"{commit}"}}]"#
            )
        };
        for commit in ["", "0123456789abcdef"] {
            let redacted = crate::parse("gitleaks", report("REDACTED", commit).as_bytes(), dir.path()).unwrap();
            let plain = crate::parse("gitleaks", report(&secret, commit).as_bytes(), dir.path()).unwrap();
            assert_eq!(redacted.findings, plain.findings, "commit {commit:?}");
            assert!(redacted.secrets.0.iter().all(|value| value == "REDACTED"));
            assert_eq!(plain.secrets.0, std::slice::from_ref(&secret));
        }
    }
}
