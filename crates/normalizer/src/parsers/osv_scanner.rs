/*!
osv-scanner v2 `--format json`.

# Output shape
`{"results": [{"source": {"path", "type"}, "packages": [{"package": {name, version, ecosystem},
"vulnerabilities": [OSV records], "groups": [{"ids", "aliases", "max_severity"}]}]}]}`.

# Severity
Per alias group (osv-scanner's own unit: its table prints one row per group): the bucket of the
group's CVSS `max_severity` (≥9.0 critical, ≥7.0 high, ≥4.0 medium, >0 low); else the highest
`database_specific.severity` of the group's records (MODERATE→medium); else critical when any id in
the group is `MAL-*` (a known malicious package); else medium.

# Fingerprint
Ecosystem + package name + the canonical id of the group's ids and aliases (no version, no line).

# Known traps
`source.path` is absolute. A package's `vulnerabilities` holds every record of every group, so
records are not findings — groups are; a package with records but no `groups` (older output) gets
one finding per record. `max_severity` is a string (`"7.5"`) and empty when no record has CVSS.
osv-scanner.toml ignores drop records from the output, so there is nothing to mark suppressed.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (osv-scanner 2.5.0 `--offline` on
examples/vulnerable-app). Shapes from shared/samples/osv-scanner (test-vuln-results-a.json,
DefectDojo some_findings.json with a MAL record).
*/

use serde::Deserialize;

use super::{cwe_id, from_json, Parser, Text};
use crate::{
    paths, severity_from_score, Context, Finding, Kind, Location, NativeSuppression, Package, ParseError, Parsed,
    Severity, SuppressionOrigin,
};

pub(crate) struct OsvScanner;

#[derive(Deserialize)]
struct Report<'a> {
    /// `null` when osv-scanner found no package sources (it then exits 0).
    #[serde(default, borrow)]
    results: Option<Vec<SourceResult<'a>>>,
}

#[derive(Deserialize)]
struct SourceResult<'a> {
    #[serde(borrow)]
    source: Source<'a>,
    #[serde(default, borrow)]
    packages: Vec<PackageResult<'a>>,
}

#[derive(Deserialize)]
struct Source<'a> {
    #[serde(default, borrow)]
    path: Text<'a>,
}

#[derive(Deserialize)]
struct PackageResult<'a> {
    #[serde(borrow)]
    package: PackageInfo<'a>,
    #[serde(default, borrow)]
    vulnerabilities: Vec<Record<'a>>,
    #[serde(default, borrow)]
    groups: Vec<Group<'a>>,
}

#[derive(Deserialize)]
struct PackageInfo<'a> {
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    version: Text<'a>,
    #[serde(default, borrow)]
    ecosystem: Text<'a>,
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    aliases: Vec<Text<'a>>,
    #[serde(default, borrow)]
    summary: Text<'a>,
    #[serde(default, borrow)]
    details: Text<'a>,
    #[serde(default, borrow)]
    affected: Vec<Affected<'a>>,
    #[serde(default, borrow)]
    database_specific: DatabaseSpecific<'a>,
}

#[derive(Deserialize, Default)]
struct DatabaseSpecific<'a> {
    #[serde(default, borrow)]
    severity: Option<Text<'a>>,
    #[serde(default, borrow)]
    cwe_ids: Vec<Text<'a>>,
}

#[derive(Deserialize)]
struct Affected<'a> {
    #[serde(default, borrow)]
    package: Option<AffectedPackage<'a>>,
    #[serde(default, borrow)]
    ranges: Vec<Range<'a>>,
}

#[derive(Deserialize)]
struct AffectedPackage<'a> {
    #[serde(default, borrow)]
    name: Text<'a>,
}

#[derive(Deserialize)]
struct Range<'a> {
    #[serde(default, borrow)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(default, borrow)]
    fixed: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Group<'a> {
    #[serde(default, borrow)]
    ids: Vec<Text<'a>>,
    #[serde(default, borrow)]
    aliases: Vec<Text<'a>>,
    #[serde(default)]
    max_severity: serde_json::Value,
}

impl Parser for OsvScanner {
    fn name(&self) -> &'static str {
        "osv-scanner"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let report: Report<'_> = from_json(self.name(), output)?;
        let mut findings = Vec::new();
        for result in report.results.iter().flatten() {
            let path = paths::relativize(&result.source.path, context);
            let ignores = IgnoreList::for_lockfile(&path, context);
            for package in &result.packages {
                let mut found = package_findings(package, &path);
                found
                    .iter_mut()
                    .for_each(|finding| ignores.apply(finding, context.today));
                findings.extend(found);
            }
        }
        Ok(Parsed {
            findings,
            ..Parsed::default()
        })
    }
}

/// The `[[IgnoredVulns]]` of the `osv-scanner.toml` that governs a lockfile: the one beside it,
/// else the root's. scangate runs osv-scanner with an empty `--config` and applies this list
/// itself, so ignored vulnerabilities are reported as suppressed instead of vanishing.
#[derive(Default, Deserialize)]
struct IgnoreList {
    #[serde(rename = "IgnoredVulns", default)]
    ignored: Vec<IgnoredVuln>,
    /// The repository-relative file it was read from, and its text (for entries' lines).
    #[serde(skip)]
    file: Option<(String, String)>,
}

#[derive(Deserialize)]
struct IgnoredVuln {
    id: toml::Spanned<String>,
    #[serde(rename = "ignoreUntil")]
    ignore_until: Option<toml::value::Datetime>,
    reason: Option<String>,
}

/// osv-scanner's per-directory configuration file.
const CONFIG_FILE: &str = "osv-scanner.toml";

impl IgnoreList {
    fn for_lockfile(lockfile: &str, context: &Context<'_>) -> IgnoreList {
        let dir = std::path::Path::new(lockfile)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let beside = paths::to_slash(&dir.join(CONFIG_FILE));
        [beside, CONFIG_FILE.to_owned()]
            .into_iter()
            .find_map(|rel| {
                std::fs::read_to_string(context.root.join(&rel))
                    .ok()
                    .map(|text| (rel, text))
            })
            .and_then(|(rel, text)| match toml::from_str::<IgnoreList>(&text) {
                Ok(mut list) => {
                    list.file = Some((rel, text));
                    Some(list)
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot read {CONFIG_FILE}; no osv-scanner ignores applied");
                    None
                }
            })
            .unwrap_or_default()
    }

    /// Marks the finding suppressed when an entry names one of its ids and has not expired
    /// (`ignoreUntil` is compared by date with `today`, `YYYY-MM-DD`, when given).
    fn apply(&self, finding: &mut Finding, today: Option<&str>) {
        let entry = self.ignored.iter().find(|entry| {
            let named = finding
                .vulnerability_ids
                .iter()
                .any(|id| id.eq_ignore_ascii_case(entry.id.get_ref()));
            let until = entry
                .ignore_until
                .as_ref()
                .and_then(|until| until.date)
                .map(|date| date.to_string());
            let current = match (until, today) {
                (Some(until), Some(today)) => today <= until.as_str(),
                _ => true,
            };
            named && current
        });
        if let (Some(entry), Some((path, text))) = (entry, &self.file) {
            let line = text[..entry.id.span().start.min(text.len())].matches('\n').count() as u64 + 1;
            finding.native_suppression = Some(NativeSuppression {
                kind: CONFIG_FILE.to_owned(),
                justification: entry.reason.clone().filter(|reason| !reason.trim().is_empty()),
                origin: Some(SuppressionOrigin::at(path, line)),
            });
        }
    }
}

/// One finding per alias group; per record when the output has no groups.
fn package_findings(package: &PackageResult<'_>, path: &str) -> Vec<Finding> {
    if package.groups.is_empty() {
        return package
            .vulnerabilities
            .iter()
            .map(|record| {
                let ids: Vec<&str> = std::iter::once(record.id.as_ref())
                    .chain(record.aliases.iter().map(AsRef::as_ref))
                    .collect();
                group_finding(package, &[record], &ids, None, path)
            })
            .collect();
    }
    package
        .groups
        .iter()
        .map(|group| {
            let records: Vec<&Record<'_>> = package
                .vulnerabilities
                .iter()
                .filter(|r| group.ids.contains(&r.id))
                .collect();
            let mut ids: Vec<&str> = group.ids.iter().map(AsRef::as_ref).collect();
            for alias in group
                .aliases
                .iter()
                .chain(records.iter().flat_map(|r| r.aliases.iter()))
            {
                if !ids.contains(&alias.as_ref()) {
                    ids.push(alias);
                }
            }
            group_finding(package, &records, &ids, max_severity(&group.max_severity), path)
        })
        .collect()
}

fn max_severity(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// DESIGN §3's osv-scanner row: `(severity, the label it came from)`.
pub(crate) fn severity(score: Option<f64>, database_labels: &[&str], ids: &[&str]) -> (Severity, String) {
    if let Some(bucket) = score.and_then(severity_from_score) {
        return (bucket, format!("CVSS {}", score.unwrap_or_default()));
    }
    let from_database = database_labels
        .iter()
        .filter_map(|label| {
            let severity = match label.to_ascii_uppercase().as_str() {
                "CRITICAL" => Severity::Critical,
                "HIGH" => Severity::High,
                "MODERATE" | "MEDIUM" => Severity::Medium,
                "LOW" => Severity::Low,
                _ => return None,
            };
            Some((severity, (*label).to_owned()))
        })
        .max_by_key(|(severity, _)| *severity);
    if let Some(found) = from_database {
        return found;
    }
    if ids.iter().any(|id| id.starts_with("MAL-")) {
        return (Severity::Critical, "MAL".to_owned());
    }
    (Severity::Medium, String::new())
}

fn group_finding(
    package: &PackageResult<'_>,
    records: &[&Record<'_>],
    ids: &[&str],
    score: Option<f64>,
    path: &str,
) -> Finding {
    let labels: Vec<&str> = records
        .iter()
        .filter_map(|r| r.database_specific.severity.as_deref())
        .collect();
    let (severity, label) = severity(score, &labels, ids);
    let primary = ids.first().copied().unwrap_or_default().to_owned();
    let mut out = Finding::new("osv-scanner", Kind::Dependency, primary.clone(), severity);
    out.tool_severity = label;
    out.cvss_score = score.filter(|s| *s > 0.0);
    out.vulnerability_ids = ids.iter().map(|id| (*id).to_owned()).collect();
    let summary = records.iter().map(|r| r.summary.as_ref()).find(|s| !s.is_empty());
    out.title = summary.unwrap_or(&primary).to_owned();
    out.message = format!(
        "{} {}: {} ({})",
        package.package.name, package.package.version, primary, out.title
    );
    out.help = records
        .iter()
        .map(|r| r.details.as_ref())
        .find(|d| !d.is_empty())
        .map(str::to_owned);
    out.help_uri = Some(format!("https://osv.dev/vulnerability/{primary}"));
    out.cwes = records
        .iter()
        .flat_map(|r| r.database_specific.cwe_ids.iter())
        .filter_map(|c| cwe_id(c))
        .collect();
    out.cwes.sort();
    out.cwes.dedup();
    out.package = Some(Package {
        ecosystem: package.package.ecosystem.to_string(),
        name: package.package.name.to_string(),
        version: (!package.package.version.is_empty()).then(|| package.package.version.to_string()),
        fixed_version: fixed_version(records, &package.package.name),
    });
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out.location = Some(Location {
        path: path.to_owned(),
        start_line: None,
        end_line: None,
        start_column: None,
        end_column: None,
    });
    out
}

fn fixed_version(records: &[&Record<'_>], name: &str) -> Option<String> {
    records
        .iter()
        .flat_map(|r| r.affected.iter())
        .filter(|a| a.package.as_ref().is_none_or(|p| p.name == name))
        .flat_map(|a| a.ranges.iter().flat_map(|r| r.events.iter()))
        .find_map(|e| e.fixed.as_ref().map(ToString::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn one(group: &str, record_extra: &str, id: &str) -> Finding {
        let report = format!(
            r#"{{"results":[{{"source":{{"path":"/r/package-lock.json","type":"lockfile"}},"packages":[{{"package":{{"name":"p","version":"1.0.0","ecosystem":"npm"}},
              "vulnerabilities":[{{"id":"{id}","aliases":["CVE-2020-1"]{record_extra}}}],"groups":[{{"ids":["{id}"],"aliases":["{id}","CVE-2020-1"]{group}}}]}}]}}]}}"#
        );
        crate::parse("osv-scanner", report.as_bytes(), Path::new("/r"))
            .unwrap()
            .findings
            .remove(0)
    }

    #[test]
    fn severity_table_row() {
        assert_eq!(
            one(r#","max_severity":"9.8""#, "", "GHSA-a").severity,
            Severity::Critical
        );
        assert_eq!(one(r#","max_severity":"7.5""#, "", "GHSA-a").severity, Severity::High);
        assert_eq!(one(r#","max_severity":"5.3""#, "", "GHSA-a").severity, Severity::Medium);
        assert_eq!(one(r#","max_severity":"2.0""#, "", "GHSA-a").severity, Severity::Low);
        let moderate = one(
            r#","max_severity":"""#,
            r#","database_specific":{"severity":"MODERATE"}"#,
            "GHSA-a",
        );
        assert_eq!(
            (moderate.severity, moderate.tool_severity.as_str()),
            (Severity::Medium, "MODERATE")
        );
        assert_eq!(
            one("", r#","database_specific":{"severity":"HIGH"}"#, "GHSA-a").severity,
            Severity::High
        );
        assert_eq!(one("", "", "MAL-2023-1035").severity, Severity::Critical);
        assert_eq!(one("", "", "GHSA-a").severity, Severity::Medium);
    }

    #[test]
    fn group_fields() {
        let found = one(r#","max_severity":"7.5""#, "", "GHSA-a");
        assert_eq!(found.location.as_ref().unwrap().path, "package-lock.json");
        assert_eq!(found.vulnerability_ids, ["GHSA-a", "CVE-2020-1"]);
        assert_eq!(found.cvss_score, Some(7.5));
    }
}
