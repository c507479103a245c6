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
Lockfile (`source.path`) + ecosystem + package name + installed version + the canonical id of the
group's ids and aliases (no line). Each installed version of a package is its own entry in
`packages`, so minimist 0.0.8 nested and 1.2.5 at the top of one lockfile are two findings.

# Fixed version
The `fixed` event of the record's range that contains the installed version (events in the order
the record lists them, compared per ecosystem: SemVer for npm), so 1.2.5 in
`introduced 0, fixed 0.2.4, introduced 1.0.0, fixed 1.2.6` is fixed in 1.2.6, not 0.2.4. When no
range can be shown to contain it, the lowest `fixed` above the installed version; `GIT` ranges
(commit hashes) are never a fixed version.

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
    paths, severity_from_score, version, Context, Finding, Kind, Location, NativeSuppression, Package, ParseError,
    Parsed, RepoFileError, Severity, SuppressionOrigin,
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
    #[serde(default, rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(default, borrow)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(default, borrow)]
    introduced: Option<Text<'a>>,
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
            .find_map(|rel| match super::read_config_text(&rel, context) {
                Err(RepoFileError::Missing { .. }) => None,
                read => Some((rel, read)),
            })
            .and_then(
                |(rel, read)| match read.map(|text| (toml::from_str::<IgnoreList>(&text), text)) {
                    Ok((Ok(mut list), text)) => {
                        list.file = Some((rel, text));
                        Some(list)
                    }
                    // The error names the place and what was expected, never the file's text (a
                    // parse error's excerpt would quote it).
                    Ok((Err(error), text)) => {
                        let line = error
                            .span()
                            .map_or(0, |span| text[..span.start].matches('\n').count() + 1);
                        tracing::warn!("{rel}:{line}: cannot read {CONFIG_FILE}; no osv-scanner ignores applied");
                        None
                    }
                    Err(error) => {
                        tracing::warn!("{error}; no osv-scanner ignores applied");
                        None
                    }
                },
            )
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
    let installed = &package.package;
    out.package = Some(Package {
        ecosystem: installed.ecosystem.to_string(),
        name: installed.name.to_string(),
        version: (!installed.version.is_empty()).then(|| installed.version.to_string()),
        fixed_version: fixed_version(records, installed),
    });
    out.location = Some(Location {
        path: path.to_owned(),
        start_line: None,
        end_line: None,
        start_column: None,
        end_column: None,
    });
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out
}

/// The fix for the installed version (see the module doc): never a downgrade.
fn fixed_version(records: &[&Record<'_>], package: &PackageInfo<'_>) -> Option<String> {
    let ranges: Vec<&Range<'_>> = records
        .iter()
        .flat_map(|r| r.affected.iter())
        .filter(|a| a.package.as_ref().is_none_or(|p| p.name == package.name))
        .flat_map(|a| a.ranges.iter())
        .filter(|r| !r.kind.eq_ignore_ascii_case("GIT"))
        .collect();
    let installed = Some(package.version.as_ref()).filter(|v| !v.is_empty());
    let ecosystem = package.ecosystem.as_ref();
    let containing = installed.and_then(|installed| {
        ranges
            .iter()
            .find_map(|range| fix_of_interval_containing(&range.events, ecosystem, installed))
    });
    let fixed = ranges
        .iter()
        .flat_map(|r| r.events.iter())
        .filter_map(|e| e.fixed.as_deref());
    containing
        .or_else(|| version::lowest_above(ecosystem, installed, fixed))
        .map(str::to_owned)
}

/// The `fixed` that closes the `introduced`..`fixed` interval holding `installed`, if one
/// provably does (an interval closed by `last_affected` has no fix).
fn fix_of_interval_containing<'e>(events: &'e [Event<'_>], ecosystem: &str, installed: &str) -> Option<&'e str> {
    let mut since: Option<&str> = None;
    for event in events {
        if let Some(introduced) = event.introduced.as_deref() {
            since = Some(introduced);
            continue;
        }
        let Some(start) = since.take() else {
            continue;
        };
        // OSV's `introduced: "0"` is "every version", which no ordering has to prove.
        let after_start =
            start == "0" || version::compare(ecosystem, installed, start).is_some_and(|order| order.is_ge());
        let Some(fixed) = event.fixed.as_deref().filter(|_| after_start) else {
            continue;
        };
        if version::compare(ecosystem, installed, fixed).is_some_and(|order| order.is_lt()) {
            return Some(fixed);
        }
    }
    None
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

    /// osv-scanner's report of GHSA-xvch-5gv4-984h on each of `versions` of minimist.
    fn minimist(versions: &[&str], ranges: &str) -> Vec<Finding> {
        let packages: Vec<String> = versions
            .iter()
            .map(|version| {
                format!(
                    r#"{{"package":{{"name":"minimist","version":"{version}","ecosystem":"npm"}},
                      "vulnerabilities":[{{"id":"GHSA-xvch-5gv4-984h","aliases":["CVE-2021-44906"],
                        "affected":[{{"package":{{"ecosystem":"npm","name":"minimist"}},"ranges":{ranges}}}]}}],
                      "groups":[{{"ids":["GHSA-xvch-5gv4-984h"],"aliases":["CVE-2021-44906","GHSA-xvch-5gv4-984h"],"max_severity":"9.8"}}]}}"#
                )
            })
            .collect();
        let report = format!(
            r#"{{"results":[{{"source":{{"path":"/r/web/package-lock.json","type":"lockfile"}},"packages":[{}]}}]}}"#,
            packages.join(",")
        );
        crate::parse("osv-scanner", report.as_bytes(), Path::new("/r"))
            .unwrap()
            .findings
    }

    const TWO_INTERVALS: &str = r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.2.4"},{"introduced":"1.0.0"},{"fixed":"1.2.6"}]}]"#;

    fn fixed_versions(findings: &[Finding]) -> Vec<Option<&str>> {
        findings
            .iter()
            .map(|f| f.package.as_ref().unwrap().fixed_version.as_deref())
            .collect()
    }

    #[test]
    fn the_fixed_version_is_the_one_of_the_installed_versions_interval() {
        let found = minimist(&["1.2.5", "0.0.8", "1.2.0"], TWO_INTERVALS);
        assert_eq!(fixed_versions(&found), [Some("1.2.6"), Some("0.2.4"), Some("1.2.6")]);
    }

    #[test]
    fn without_a_containing_interval_the_lowest_fix_above_the_installed_version() {
        // Not a range that holds 1.2.5 (an unordered record): never 0.2.4, a downgrade.
        let unordered = r#"[{"type":"ECOSYSTEM","events":[{"introduced":"1.0.0"},{"introduced":"0"},{"fixed":"1.2.6"},{"fixed":"0.2.4"}]},
                           {"type":"GIT","events":[{"introduced":"0"},{"fixed":"6d5a3b1c"}]}]"#;
        assert_eq!(fixed_versions(&minimist(&["1.2.5"], unordered)), [Some("1.2.6")]);
        let no_fix = r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.2.4"},{"introduced":"1.0.0"},{"last_affected":"1.2.5"}]}]"#;
        assert_eq!(fixed_versions(&minimist(&["1.2.5"], no_fix)), [None]);
    }

    #[test]
    fn each_installed_version_keeps_its_fingerprint_whatever_the_order() {
        let by_version = |versions: &[&str]| {
            let mut prints: Vec<(String, String)> = minimist(versions, TWO_INTERVALS)
                .into_iter()
                .map(|f| (f.package.unwrap().version.unwrap(), f.fingerprint))
                .collect();
            prints.sort();
            prints
        };
        let forward = by_version(&["1.2.5", "0.0.8"]);
        assert_eq!(forward.len(), 2);
        assert_eq!(forward, by_version(&["0.0.8", "1.2.5"]));
    }
}
