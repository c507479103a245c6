//! The reports besides SARIF: GitHub workflow annotations and step summary, GitLab security
//! reports, the GitLab Code Quality report, the HTML page people look at, and reviewdog's
//! diagnostics for review comments on the changed lines. Every renderer is a
//! pure function of the findings and a [`ReportContext`]; the caller decides where the text goes.
//!
//! Every report writer besides SARIF (`scangate_normalizer::write_sarif`) lives here, one file per
//! format. No renderer sees a secret value: [`Finding`] never holds one and the cli scrubs every
//! text a scanner quoted before it gets here; nothing here reads files.

pub mod codequality;
pub mod evidence;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod rdjson;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use scangate_normalizer::{Finding, Severity};

/// What the reports say besides the findings.
#[derive(Debug, Clone)]
pub struct ReportContext<'a> {
    /// `pass`, `fail` or `error`.
    pub verdict: &'a str,
    /// The DSOMM level the gate judged by: `level 2`, or `level 2, relaxed by FILE: …`.
    pub level_label: &'a str,
    /// Why the gate failed or errored, human-readable.
    pub violations: &'a [String],
    /// What does not change the verdict but should be read (an optional scanner that failed …).
    pub warnings: &'a [String],
    /// Suppressions the gate refused ("suppression added by this change — needs review: …").
    pub refused_suppressions: &'a [String],
    /// Suppressed findings per origin (`scangate.toml:12`, `app.py:3`).
    pub suppressed_by_origin: &'a std::collections::BTreeMap<String, u64>,
    /// One entry per scanner invocation (a tool may appear more than once, e.g. gosec per module).
    pub tools: &'a [ToolStatus<'a>],
    /// Where the scanned commit can be browsed, for links; `None` outside CI.
    pub source: Option<SourceLink>,
    /// The commit that was scanned (`GITHUB_SHA`, `CI_COMMIT_SHA`), when known.
    pub commit: Option<String>,
    /// When the scan started (GitLab reports record it).
    pub started: SystemTime,
    /// When the scan finished.
    pub finished: SystemTime,
}

/// One scanner invocation as the summary JSON reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolStatus<'a> {
    /// Canonical tool name.
    pub name: &'a str,
    /// `ok`, `skipped`, `missing`, `error`, `timeout` or `unchanged`.
    pub status: &'a str,
    pub version: Option<&'a str>,
    /// How long it ran, in milliseconds.
    pub duration_ms: u64,
    /// What it did not cover or why it did not run or failed: its scope note
    /// (`misconfiguration only: …`) or its reason.
    pub coverage: Option<&'a str>,
    /// Files it reported an error for (semgrep's per-file parse errors and timeouts): their
    /// findings may be missing.
    pub file_errors: usize,
}

impl ToolStatus<'_> {
    /// Did not start, and that is no failure: it does not apply, was deselected, or (pull-request
    /// mode) the change touches nothing it reads.
    pub fn not_run(&self) -> bool {
        matches!(self.status, "skipped" | "unchanged")
    }
}

/// A web view of the scanned commit: `{server}/{repository}/blob/{commit}/{path}#L{line}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    server: String,
    repository: String,
    commit: String,
}

impl SourceLink {
    /// From `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA`; `None` unless all three are
    /// set and non-empty, because a link with a hole in it points nowhere useful.
    pub fn new(server: Option<String>, repository: Option<String>, commit: Option<String>) -> Option<Self> {
        let nonempty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        Some(SourceLink {
            server: nonempty(server)?.trim_end_matches('/').to_string(),
            repository: nonempty(repository)?,
            commit: nonempty(commit)?,
        })
    }

    /// The URL of `path` (repository-relative) at the scanned commit, anchored at `line`.
    pub fn url(&self, path: &str, line: Option<u64>) -> String {
        let anchor = line.map(|l| format!("#L{l}")).unwrap_or_default();
        format!(
            "{}/{}/blob/{}/{}{anchor}",
            self.server,
            self.repository,
            self.commit,
            encode_path(path)
        )
    }
}

/// Percent-encodes a repository path for a URL, keeping `/` and the characters that need no
/// encoding, so a file name with spaces, `#` or `?` still links to itself.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The findings most severe first; ties by path, line and rule so every report lists them in
/// the same stable order (GitHub shows only the first annotations of each level).
pub fn most_severe_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut ranked: Vec<&Finding> = findings.iter().collect();
    ranked.sort_by(|a, b| severity_order(a, b));
    ranked
}

/// The order of [`most_severe_first`].
fn severity_order(a: &Finding, b: &Finding) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| path_of(a).cmp(path_of(b)))
        .then_with(|| start_line(a).cmp(&start_line(b)))
        .then_with(|| a.rule_id.cmp(&b.rule_id))
}

/// Per tool, how many findings it reported that are counted under another tool (one finding
/// several tools reported is counted once, under its first tool, whose SARIF run holds it), and
/// those tools: what a per-tool table says so that a tool's 0 is not read as "found nothing".
pub fn merged_elsewhere<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
) -> BTreeMap<&'a str, (usize, BTreeSet<&'a str>)> {
    let mut merged: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for finding in findings {
        let Some((counted, others)) = finding.tools.split_first() else {
            continue;
        };
        for tool in others.iter().filter(|tool| *tool != counted) {
            let entry = merged.entry(tool.as_str()).or_default();
            entry.0 += 1;
            entry.1.insert(counted.as_str());
        }
    }
    merged
}

/// The column of `severity` in per-severity counts, in [`Severity::ALL`] order (most severe first).
fn severity_index(severity: Severity) -> usize {
    Severity::ALL
        .iter()
        .position(|s| *s == severity)
        .expect("ALL lists every severity")
}

/// The finding's repository-relative path, empty when the tool gave none.
fn path_of(finding: &Finding) -> &str {
    finding.location.as_ref().map_or("", |l| l.path.as_str())
}

fn start_line(finding: &Finding) -> Option<u64> {
    finding.location.as_ref().and_then(|l| l.start_line)
}

/// "rule: title", or just the rule when the tool's title is the rule id (semgrep).
fn heading(finding: &Finding) -> String {
    if finding.title.is_empty() || finding.title == finding.rule_id {
        finding.rule_id.clone()
    } else {
        format!("{}: {}", finding.rule_id, finding.title)
    }
}

/// Only `https:` and `http:` links are kept: a `javascript:` or `data:` URL from a scanner's rule
/// metadata must not become a link.
fn is_web_link(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// At most `max` characters of `text`, cut on a character boundary.
fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// A UUID that stays the same for the same name: RFC 9562 version 8 built from SHA-256 of the
/// name (its name-based example), so any string works.
pub(crate) fn name_based_uuid(name: &str) -> String {
    let digest = scangate_normalizer::sha256_hex(name.as_bytes());
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(digest.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16).unwrap_or(0);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `yyyy-mm-ddThh:mm:ss` in UTC: GitLab's `start_time`/`end_time`; with `Z`, the evidence's times.
pub fn utc_timestamp(time: SystemTime) -> String {
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (era arithmetic over 400-year cycles).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Synthetic findings for the renderers' tests.
    use scangate_normalizer::{Finding, Kind, Location, Package, Severity};

    /// A GitLab report schema from `shared/schemas/gitlab/` beside the repository, or `None` with
    /// a loud note when it is absent.
    #[allow(clippy::print_stderr)]
    pub fn gitlab_schema(name: &str) -> Option<serde_json::Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/schemas/gitlab/").to_string() + name;
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(serde_json::from_str(&text).expect("schema is JSON")),
            Err(_) => {
                eprintln!("\n!!! SKIPPED: GitLab schema {path} is absent (shared/ not beside the repository) !!!\n");
                None
            }
        }
    }

    /// A run in which nothing was suppressed.
    pub static NO_ORIGINS: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();

    pub fn finding(tool: &str, rule: &str, severity: Severity, kind: Kind, path: &str, line: u64) -> Finding {
        let mut finding = Finding::new(tool, kind, rule, severity);
        finding.title = format!("{rule} title");
        finding.message = format!("{rule} found here");
        finding.tool_severity = severity.as_str().to_uppercase();
        finding.location = Some(Location {
            path: path.to_string(),
            start_line: Some(line),
            end_line: Some(line + 1),
            start_column: Some(3),
            end_column: Some(9),
        });
        finding.fingerprint = format!("{:064x}", fxhash(&format!("{tool}{rule}{path}{line}")));
        finding
    }

    /// One finding of every kind, with the optional fields filled in on some of them.
    pub fn sample() -> Vec<Finding> {
        let mut sql = finding("semgrep", "sql-injection", Severity::High, Kind::Code, "web/app.js", 12);
        sql.cwes = vec!["CWE-89".into()];
        sql.help_uri = Some("https://semgrep.dev/r/sql-injection".into());
        let mut key = finding(
            "gitleaks",
            "aws-access-token",
            Severity::Critical,
            Kind::Secret,
            "config/.env",
            3,
        );
        key.cwes = vec!["CWE-798".into()];
        let mut dep = finding(
            "trivy",
            "CVE-2021-23337",
            Severity::High,
            Kind::Dependency,
            "package-lock.json",
            1,
        );
        dep.tools.push("osv-scanner".into());
        dep.vulnerability_ids = vec!["CVE-2021-23337".into(), "GHSA-35jh-r3h4-6jhm".into()];
        dep.package = Some(Package {
            ecosystem: "npm".into(),
            name: "lodash".into(),
            version: Some("4.17.20".into()),
            fixed_version: Some("4.17.21".into()),
        });
        dep.cvss_score = Some(7.2);
        dep.location.as_mut().unwrap().start_line = None;
        let misconfig = finding(
            "trivy",
            "DS002",
            Severity::Medium,
            Kind::Misconfiguration,
            "Dockerfile",
            1,
        );
        let mut nowhere = finding("gosec", "G104", Severity::Low, Kind::Code, "", 0);
        nowhere.location = None;
        let info = finding("semgrep", "todo-comment", Severity::Info, Kind::Code, "main.go", 40);
        vec![sql, key, dep, misconfig, nowhere, info]
    }

    /// A deterministic stand-in for a content hash, good enough for distinct test fingerprints.
    fn fxhash(text: &str) -> u128 {
        text.bytes().fold(0xcbf2_9ce4_8422_2325_u128, |h, b| {
            (h ^ u128::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::sample;
    use super::*;
    use scangate_normalizer::Severity;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn ids_are_deterministic_uuids() {
        let id = name_based_uuid("abc");
        assert_eq!(id, name_based_uuid("abc"));
        assert_ne!(id, name_based_uuid("abd"));
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('8'), "version 8: {id}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "RFC variant: {id}");
    }

    #[test]
    fn dates_convert_across_leap_years() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00");
        let leap_day = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_661);
        assert_eq!(utc_timestamp(leap_day), "2000-02-29T01:01:01");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn source_link_needs_all_three_parts() {
        let some = |s: &str| Some(s.to_string());
        assert!(SourceLink::new(some("https://github.com"), some("o/r"), None).is_none());
        assert!(SourceLink::new(some(""), some("o/r"), some("abc")).is_none());
        let link = SourceLink::new(some("https://github.com/"), some("o/r"), some("abc")).unwrap();
        assert_eq!(
            link.url("src/a b#c.rs", Some(7)),
            "https://github.com/o/r/blob/abc/src/a%20b%23c.rs#L7"
        );
        assert_eq!(link.url("README.md", None), "https://github.com/o/r/blob/abc/README.md");
    }

    #[test]
    fn ranking_puts_the_most_severe_first() {
        let findings = sample();
        let ranked = most_severe_first(&findings);
        let severities: Vec<Severity> = ranked.iter().map(|f| f.severity).collect();
        let mut sorted = severities.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(severities, sorted);
        assert_eq!(ranked[0].rule_id, "aws-access-token");
    }

    #[test]
    fn only_web_links_are_links() {
        assert!(is_web_link("https://semgrep.dev/r/x"));
        assert!(is_web_link("HTTP://example.com"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,x"));
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
    }
}
