/*!
`npm audit --json`: report v2 (npm ≥ 7) and v1 (npm 6).

# Output shape
v2: `{"auditReportVersion": 2, "vulnerabilities": {name: {name, severity, isDirect, via: [advisory
object | package name], effects, range, nodes, fixAvailable}}, "metadata": {…}}`; an advisory is
`{source, name, dependency, title, url, severity, cwe[], cvss{score}, range}`.
v1: `{"advisories": {id: {id, module_name, title, severity, cves, cwe, url, github_advisory_id,
patched_versions, findings[{version, paths}]}}, "metadata"}`.
A failure is `{"error": {code, summary, detail}}` (ENOLOCK, …) and may carry `message`/`statusCode`
when the advisory endpoint fails.

# Severity
critical, high, moderate→medium, low, info — from the advisory's own `severity`, not the package
entry's (that is the worst of its advisories and of its vulnerable dependencies).

# Fingerprint
Ecosystem `npm` + package name + the canonical vulnerability id (the GHSA id from the advisory URL;
`NPM-<source>` when the URL names none).

# Known traps
One finding per (package, advisory): a `via` entry that is a string says "vulnerable because of
that dependency" and its advisory is reported on that dependency already, so `metadata.
vulnerabilities.total` (which counts such packages) is larger than the finding count. `npm audit
--offline` prints a report with no `auditReportVersion` and no advisories: that is a tool error,
never "clean". Exit code 1 comes with a report when vulnerabilities exist. Findings point at the
lockfile in [`Context::target_dir`] (`package-lock.json`, or `npm-shrinkwrap.json` when that is
what exists there); the report has no line numbers.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (npm 11 against the local advisory server on
examples/vulnerable-app). Shapes from shared/samples/npm-audit (npm/cli and arborist snapshots, v1
one-vuln fixture, local ENOLOCK and endpoint-error outputs).
*/

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{cwe_id, from_json, Parser, Text};
use crate::{paths, Context, Finding, Kind, Location, Package, ParseError, Parsed, Severity};

pub(crate) struct NpmAudit;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    #[serde(default)]
    audit_report_version: Option<u32>,
    #[serde(default, borrow)]
    vulnerabilities: Option<BTreeMap<Text<'a>, Vulnerable<'a>>>,
    #[serde(default, borrow)]
    advisories: Option<BTreeMap<Text<'a>, AdvisoryV1<'a>>>,
    #[serde(default, borrow)]
    error: Option<NpmError<'a>>,
    #[serde(default, borrow)]
    message: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct NpmError<'a> {
    #[serde(default, borrow)]
    code: Option<Text<'a>>,
    #[serde(default, borrow)]
    summary: Text<'a>,
    #[serde(default, borrow)]
    detail: Text<'a>,
}

#[derive(Deserialize)]
struct Vulnerable<'a> {
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    via: Vec<Via<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Via<'a> {
    #[serde(borrow)]
    Advisory(Box<AdvisoryV2<'a>>),
    #[allow(dead_code)] // the dependency's name; its advisory is reported on it
    Dependency(#[serde(borrow)] Text<'a>),
}

#[derive(Deserialize)]
struct AdvisoryV2<'a> {
    #[serde(default)]
    source: serde_json::Value,
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    url: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    cwe: Vec<Text<'a>>,
    #[serde(default)]
    cvss: Option<CvssV2>,
    #[serde(default, borrow)]
    range: Text<'a>,
}

#[derive(Deserialize)]
struct CvssV2 {
    #[serde(default)]
    score: Option<f64>,
}

#[derive(Deserialize)]
struct AdvisoryV1<'a> {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default, borrow)]
    module_name: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    cves: Vec<Text<'a>>,
    #[serde(default)]
    cwe: Option<serde_json::Value>,
    #[serde(default, borrow)]
    url: Text<'a>,
    #[serde(default, borrow)]
    github_advisory_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    overview: Text<'a>,
    #[serde(default, borrow)]
    recommendation: Text<'a>,
    #[serde(default, borrow)]
    patched_versions: Text<'a>,
    #[serde(default, borrow)]
    findings: Vec<V1Finding<'a>>,
}

#[derive(Deserialize)]
struct V1Finding<'a> {
    #[serde(default, borrow)]
    version: Text<'a>,
}

impl Parser for NpmAudit {
    fn name(&self) -> &'static str {
        "npm-audit"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let report: Report<'_> = from_json(self.name(), output)?;
        let lockfile = lockfile(context);
        let mut parsed = Parsed::default();
        if let Some(error) = &report.error {
            parsed.tool_errors.push(error_text(error, report.message.as_deref()));
            return Ok(parsed);
        }
        if let Some(vulnerabilities) = &report.vulnerabilities {
            for entry in vulnerabilities.values() {
                parsed.findings.extend(entry.via.iter().filter_map(|via| match via {
                    Via::Advisory(advisory) => Some(v2_finding(entry, advisory, &lockfile)),
                    Via::Dependency(_) => None,
                }));
            }
        } else if let Some(advisories) = &report.advisories {
            parsed
                .findings
                .extend(advisories.values().map(|advisory| v1_finding(advisory, &lockfile)));
        } else {
            // `npm audit --offline` prints `{}`-like reports and exits 0.
            let version = report.audit_report_version.map_or("none".to_owned(), |v| v.to_string());
            parsed.tool_errors.push(format!(
                "npm audit printed no advisories section (auditReportVersion {version}): offline or not an audit report"
            ));
        }
        Ok(parsed)
    }
}

fn error_text(error: &NpmError<'_>, message: Option<&str>) -> String {
    let code = error.code.as_deref().unwrap_or("error");
    let summary = [
        error.summary.trim(),
        message.unwrap_or("").trim(),
        error.detail.lines().next().unwrap_or("").trim(),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("no details");
    format!("npm audit {code}: {summary}")
}

/// The lockfile findings point at: `npm-shrinkwrap.json` when only that exists.
fn lockfile(context: &Context<'_>) -> String {
    let dir = match context.target_dir {
        Some(dir) if dir.is_absolute() => dir.to_path_buf(),
        Some(dir) => context.root.join(dir),
        None => context.root.to_path_buf(),
    };
    let name = if !dir.join("package-lock.json").exists() && dir.join("npm-shrinkwrap.json").exists() {
        "npm-shrinkwrap.json"
    } else {
        "package-lock.json"
    };
    paths::in_target_dir(name, context)
}

/// DESIGN §3's npm-audit row.
pub(crate) fn severity(label: &str) -> Severity {
    match label.to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "moderate" | "medium" => Severity::Medium,
        "low" => Severity::Low,
        "info" => Severity::Info,
        other => {
            tracing::warn!(label = other, "unknown npm audit severity, using medium");
            Severity::Medium
        }
    }
}

/// `GHSA-…` from an advisory URL.
fn ghsa_in(url: &str) -> Option<String> {
    let start = url.find("GHSA-")?;
    let id: String = url[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Some(id)
}

fn source_id(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn located(path: &str) -> Option<Location> {
    Some(Location {
        path: path.to_owned(),
        start_line: None,
        end_line: None,
        start_column: None,
        end_column: None,
    })
}

fn v2_finding(entry: &Vulnerable<'_>, advisory: &AdvisoryV2<'_>, lockfile: &str) -> Finding {
    let id = ghsa_in(&advisory.url).unwrap_or_else(|| format!("NPM-{}", source_id(&advisory.source)));
    let name = if advisory.name.is_empty() {
        &entry.name
    } else {
        &advisory.name
    };
    let mut out = Finding::new("npm-audit", Kind::Dependency, id.clone(), severity(&advisory.severity));
    out.tool_severity = advisory.severity.to_string();
    out.title = if advisory.title.is_empty() {
        id.clone()
    } else {
        advisory.title.to_string()
    };
    out.message = format!("{name} {}: {id} ({})", advisory.range, out.title);
    out.vulnerability_ids = vec![id];
    out.cwes = advisory.cwe.iter().filter_map(|c| cwe_id(c)).collect();
    out.cvss_score = advisory.cvss.as_ref().and_then(|c| c.score).filter(|s| *s > 0.0);
    out.help = Some(format!("{} (vulnerable versions: {})", out.title, advisory.range));
    out.help_uri = (!advisory.url.is_empty()).then(|| advisory.url.to_string());
    out.package = Some(Package {
        ecosystem: "npm".to_owned(),
        name: name.to_string(),
        version: None,
        fixed_version: None,
    });
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out.location = located(lockfile);
    out
}

fn v1_finding(advisory: &AdvisoryV1<'_>, lockfile: &str) -> Finding {
    let ghsa = advisory
        .github_advisory_id
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| ghsa_in(&advisory.url));
    let id = ghsa
        .clone()
        .unwrap_or_else(|| format!("NPM-{}", source_id(&advisory.id)));
    let mut out = Finding::new("npm-audit", Kind::Dependency, id.clone(), severity(&advisory.severity));
    out.tool_severity = advisory.severity.to_string();
    out.title = if advisory.title.is_empty() {
        id.clone()
    } else {
        advisory.title.to_string()
    };
    let version = advisory
        .findings
        .first()
        .map(|f| f.version.to_string())
        .filter(|v| !v.is_empty());
    out.message = format!(
        "{} {}: {id} ({})",
        advisory.module_name,
        version.as_deref().unwrap_or(""),
        out.title
    );
    out.vulnerability_ids = std::iter::once(id)
        .chain(advisory.cves.iter().map(ToString::to_string))
        .collect();
    out.cwes = match &advisory.cwe {
        Some(serde_json::Value::String(one)) => cwe_id(one).into_iter().collect(),
        Some(serde_json::Value::Array(many)) => many.iter().filter_map(|c| c.as_str().and_then(cwe_id)).collect(),
        _ => Vec::new(),
    };
    out.help = Some(
        format!("{}\n\n{}", advisory.overview.trim(), advisory.recommendation.trim())
            .trim()
            .to_owned(),
    );
    out.help_uri = (!advisory.url.is_empty()).then(|| advisory.url.to_string());
    let fixed = advisory.patched_versions.trim_start_matches(">=").trim();
    out.package = Some(Package {
        ecosystem: "npm".to_owned(),
        name: advisory.module_name.to_string(),
        version,
        fixed_version: (!fixed.is_empty() && !fixed.contains(['<', ' ', '|'])).then(|| fixed.to_owned()),
    });
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out.location = located(lockfile);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn v2(severity: &str) -> Severity {
        let report = format!(
            r#"{{"auditReportVersion":2,"vulnerabilities":{{"p":{{"name":"p","severity":"{severity}","via":[{{"source":1,"name":"p","title":"t","url":"https://github.com/advisories/GHSA-aaaa-bbbb-cccc","severity":"{severity}","range":"<1"}}]}}}}}}"#
        );
        crate::parse("npm-audit", report.as_bytes(), Path::new("/r"))
            .unwrap()
            .findings[0]
            .severity
    }

    #[test]
    fn severity_table_row() {
        assert_eq!(v2("critical"), Severity::Critical);
        assert_eq!(v2("high"), Severity::High);
        assert_eq!(v2("moderate"), Severity::Medium);
        assert_eq!(v2("low"), Severity::Low);
        assert_eq!(v2("info"), Severity::Info);
    }

    #[test]
    fn errors_and_offline_reports_are_tool_errors() {
        let enolock =
            br#"{"error":{"code":"ENOLOCK","summary":"This command requires an existing lockfile.","detail":"x"}}"#;
        let parsed = crate::parse("npm-audit", enolock, Path::new("/r")).unwrap();
        assert_eq!(
            parsed.tool_errors,
            ["npm audit ENOLOCK: This command requires an existing lockfile."]
        );
        let endpoint = br#"{"message":"405 Method Not Allowed - POST https://registry/-/npm/v1/security/advisories/bulk","statusCode":405,"error":{"summary":"","detail":""}}"#;
        let parsed = crate::parse("npm-audit", endpoint, Path::new("/r")).unwrap();
        assert!(
            parsed.tool_errors[0].contains("405 Method Not Allowed"),
            "{:?}",
            parsed.tool_errors
        );
        let offline = crate::parse("npm-audit", b"{}", Path::new("/r")).unwrap();
        assert_eq!(offline.tool_errors.len(), 1);
    }

    #[test]
    fn string_via_entries_are_not_findings() {
        let report = br#"{"auditReportVersion":2,"vulnerabilities":{"a":{"name":"a","severity":"high","via":["b"]},"b":{"name":"b","severity":"high","via":[{"source":7,"name":"b","url":"https://x/7","severity":"high","range":"<2"}]}}}"#;
        let parsed = crate::parse("npm-audit", report, Path::new("/r")).unwrap();
        assert_eq!(parsed.findings.len(), 1);
        assert_eq!(parsed.findings[0].rule_id, "NPM-7");
        assert_eq!(parsed.findings[0].location.as_ref().unwrap().path, "package-lock.json");
    }
}
