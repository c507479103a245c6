//! GitLab security reports (schema 15.2.1): `gl-sast-report.json`, `gl-secret-detection-report.json`
//! and `gl-dependency-scanning-report.json`, which GitLab shows in merge requests and the
//! vulnerability report when a job declares them under `artifacts:reports`.
//!
//! Misconfigurations go to the SAST report: GitLab's own IaC scanning publishes its findings as
//! SAST, and the dependency-scanning report requires a package in every location.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use scangate_normalizer::{Finding, Kind, Severity};

use super::{heading, most_severe_first, name_based_uuid, truncate_chars, utc_timestamp, ReportContext, ToolStatus};

/// The schema version the reports conform to.
pub const SCHEMA_VERSION: &str = "15.2.1";

/// The placeholder GitLab's own secret detection records when it scanned no commit; the schema
/// requires a commit in every secret location.
const NO_COMMIT: &str = "0000000";

// Length limits from the schema.
const NAME_MAX: usize = 255;
const DESCRIPTION_MAX: usize = 1_048_576;
const SOLUTION_MAX: usize = 7_000;

/// One report file: its conventional name and its contents.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityReport {
    pub file_name: &'static str,
    pub json: Value,
}

/// All three reports, each with the findings of its kind (possibly none: an empty report tells
/// GitLab the scan ran and lets it mark earlier vulnerabilities as no longer detected).
pub fn security_reports(findings: &[Finding], context: &ReportContext<'_>) -> Vec<SecurityReport> {
    ReportType::ALL
        .into_iter()
        .map(|report| SecurityReport {
            file_name: report.file_name(),
            json: render(report, findings, context),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportType {
    Sast,
    SecretDetection,
    DependencyScanning,
}

impl ReportType {
    const ALL: [ReportType; 3] = [
        ReportType::Sast,
        ReportType::SecretDetection,
        ReportType::DependencyScanning,
    ];

    fn of(kind: Kind) -> ReportType {
        match kind {
            Kind::Code | Kind::Misconfiguration => ReportType::Sast,
            Kind::Secret => ReportType::SecretDetection,
            Kind::Dependency => ReportType::DependencyScanning,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            ReportType::Sast => "gl-sast-report.json",
            ReportType::SecretDetection => "gl-secret-detection-report.json",
            ReportType::DependencyScanning => "gl-dependency-scanning-report.json",
        }
    }

    /// `scan.type` as the schema spells it.
    fn scan_type(self) -> &'static str {
        match self {
            ReportType::Sast => "sast",
            ReportType::SecretDetection => "secret_detection",
            ReportType::DependencyScanning => "dependency_scanning",
        }
    }
}

fn render(report: ReportType, findings: &[Finding], context: &ReportContext<'_>) -> Value {
    let vulnerabilities: Vec<Value> = most_severe_first(findings)
        .into_iter()
        .filter(|finding| ReportType::of(finding.kind) == report)
        .map(|finding| vulnerability(report, finding, context))
        .collect();
    json!({
        "version": SCHEMA_VERSION,
        "scan": scan(report, context),
        "vulnerabilities": vulnerabilities,
    })
}

/// The `scan` object. scangate is both the analyzer and the scanner: each finding names the
/// tools behind it in its description and primary identifier.
fn scan(report: ReportType, context: &ReportContext<'_>) -> Value {
    let tool = json!({
        "id": "scangate",
        "name": "scangate",
        "version": env!("CARGO_PKG_VERSION"),
        "vendor": {"name": "scangate"},
    });
    let status = if context.verdict == "error" {
        "failure"
    } else {
        "success"
    };
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": report.scan_type(),
        "start_time": utc_timestamp(context.started),
        "end_time": utc_timestamp(context.finished),
        "status": status,
    });
    let messages = messages(context);
    if !messages.is_empty() {
        scan["messages"] = Value::Array(messages);
    }
    scan
}

/// Scanners that did not give a result and the run's warnings are warnings; when the run
/// errored, its reasons are fatal.
fn messages(context: &ReportContext<'_>) -> Vec<Value> {
    let failed_tools = context
        .tools
        .iter()
        .filter(|tool| tool.status != "ok" && !tool.not_run())
        .map(|tool| json!({"level": "warn", "value": tool_problem(tool)}));
    let warnings = context
        .warnings
        .iter()
        .map(|warning| json!({"level": "warn", "value": warning}));
    let fatal = context
        .violations
        .iter()
        .filter(|_| context.verdict == "error")
        .filter(|violation| !violation.is_empty())
        .map(|violation| json!({"level": "fatal", "value": violation}));
    failed_tools.chain(warnings).chain(fatal).collect()
}

fn tool_problem(tool: &ToolStatus<'_>) -> String {
    match tool.version {
        Some(version) => format!("{} {version}: {}", tool.name, tool.status),
        None => format!("{}: {}", tool.name, tool.status),
    }
}

fn vulnerability(report: ReportType, finding: &Finding, context: &ReportContext<'_>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), vulnerability_id(&finding.fingerprint).into());
    out.insert("name".into(), truncate_chars(&heading(finding), NAME_MAX).into());
    out.insert("description".into(), description(finding).into());
    out.insert("severity".into(), severity_label(finding.severity).into());
    if let Some(solution) = solution(finding) {
        out.insert("solution".into(), truncate_chars(&solution, SOLUTION_MAX).into());
    }
    out.insert("identifiers".into(), identifiers(finding).into());
    if let Some(url) = finding.help_uri.as_deref().filter(|u| is_web_url(u)) {
        out.insert("links".into(), json!([{ "url": url }]));
    }
    out.insert("location".into(), location(report, finding, context));
    Value::Object(out)
}

/// A UUID that stays the same for the same finding across pipelines.
fn vulnerability_id(fingerprint: &str) -> String {
    name_based_uuid(&format!("scangate/gitlab/{fingerprint}"))
}

/// The tool's message, then which tools reported it and their own severity label.
fn description(finding: &Finding) -> String {
    let mut text = if finding.message.is_empty() {
        finding.title.clone()
    } else {
        finding.message.clone()
    };
    text.push_str(&format!("\n\nReported by: {}", finding.tools.join(", ")));
    if !finding.tool_severity.is_empty() {
        text.push_str(&format!(" (severity {})", finding.tool_severity));
    }
    if let Some(help) = finding.help.as_deref().filter(|h| !h.is_empty()) {
        text.push_str("\n\n");
        text.push_str(help);
    }
    truncate_chars(&text, DESCRIPTION_MAX).to_string()
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// For a vulnerable package with a known fix: the version to move to.
fn solution(finding: &Finding) -> Option<String> {
    let package = finding.package.as_ref()?;
    let fixed = package.fixed_version.as_deref()?;
    Some(format!("Upgrade {} to {fixed} or later.", package.name))
}

/// The rule first (GitLab's primary identifier, typed by the first tool like GitLab's own
/// `semgrep_id`), then advisory ids and CWEs, which GitLab links and matches across tools.
fn identifiers(finding: &Finding) -> Vec<Value> {
    let tool = finding.tools.first().map_or("scangate", String::as_str);
    let rule = if finding.rule_id.is_empty() {
        &finding.fingerprint
    } else {
        &finding.rule_id
    };
    let mut out = vec![identifier(
        &format!("{}_id", tool.replace('-', "_")),
        rule,
        rule,
        finding.help_uri.as_deref(),
    )];
    for id in finding.vulnerability_ids.iter().filter(|id| !id.is_empty()) {
        let (kind, url) = advisory_kind(id);
        out.push(identifier(&kind, id, id, url.as_deref()));
    }
    for cwe in finding.cwes.iter().filter(|cwe| !cwe.is_empty()) {
        let number = cwe.strip_prefix("CWE-").unwrap_or(cwe);
        let url = format!("https://cwe.mitre.org/data/definitions/{number}.html");
        out.push(identifier("cwe", cwe, number, Some(&url)));
    }
    let mut seen = HashSet::new();
    out.retain(|id| seen.insert((id["type"].to_string(), id["value"].to_string())));
    out
}

fn identifier(kind: &str, name: &str, value: &str, url: Option<&str>) -> Value {
    let mut out = json!({"type": kind, "name": name, "value": value});
    if let Some(url) = url.filter(|u| is_web_url(u)) {
        out["url"] = url.into();
    }
    out
}

/// The identifier type of an advisory id (`cve`, `ghsa`, `go`, `pysec`, ...) and where to read it.
fn advisory_kind(id: &str) -> (String, Option<String>) {
    match id.split_once('-') {
        Some(("CVE", _)) => ("cve".into(), Some(format!("https://www.cve.org/CVERecord?id={id}"))),
        Some(("GHSA", _)) => ("ghsa".into(), Some(format!("https://github.com/advisories/{id}"))),
        Some((prefix, _)) if !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_alphanumeric()) => (
            prefix.to_ascii_lowercase(),
            Some(format!("https://osv.dev/vulnerability/{id}")),
        ),
        _ => ("advisory".into(), None),
    }
}

/// The schema's URL pattern: `^(https?|ftp)://.+`.
fn is_web_url(url: &str) -> bool {
    ["http://", "https://", "ftp://"]
        .iter()
        .any(|scheme| url.len() > scheme.len() && url.starts_with(scheme))
}

fn location(report: ReportType, finding: &Finding, context: &ReportContext<'_>) -> Value {
    let mut out = Map::new();
    let found = finding.location.as_ref().filter(|l| !l.path.is_empty());
    if let Some(location) = found {
        out.insert("file".into(), location.path.clone().into());
        if let Some(line) = location.start_line {
            out.insert("start_line".into(), line.into());
            out.insert("end_line".into(), location.end_line.unwrap_or(line).max(line).into());
        }
    }
    match report {
        ReportType::Sast => {}
        ReportType::SecretDetection => {
            let sha = context.commit.as_deref().filter(|c| !c.is_empty()).unwrap_or(NO_COMMIT);
            out.insert("commit".into(), json!({ "sha": sha }));
        }
        ReportType::DependencyScanning => {
            // The schema requires a file and a package in every dependency location.
            out.entry("file").or_insert_with(|| "unknown".into());
            out.remove("start_line");
            out.remove("end_line");
            let (name, version) = match &finding.package {
                Some(package) => (package.name.as_str(), package.version.as_deref().unwrap_or("unknown")),
                None => (finding.rule_id.as_str(), "unknown"),
            };
            out.insert(
                "dependency".into(),
                json!({"package": {"name": name}, "version": version}),
            );
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::test_support::{gitlab_schema, sample};
    use crate::SourceLink;

    fn context<'a>(verdict: &'a str, violations: &'a [String], tools: &'a [ToolStatus<'a>]) -> ReportContext<'a> {
        ReportContext {
            verdict,
            level_label: "level 3",
            violations,
            warnings: &[],
            refused_suppressions: &[],
            suppressed_by_origin: &crate::test_support::NO_ORIGINS,
            tools,
            source: SourceLink::new(None, None, None),
            commit: Some("0123456789abcdef".into()),
            started: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            finished: UNIX_EPOCH + Duration::from_secs(1_700_000_042),
        }
    }

    fn report<'a>(reports: &'a [SecurityReport], name: &str) -> &'a Value {
        &reports
            .iter()
            .find(|r| r.file_name == name)
            .unwrap_or_else(|| panic!("{name} written"))
            .json
    }

    fn assert_valid(schema: &Value, instance: &Value) {
        let validator = jsonschema::draft7::new(schema).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{instance:#}");
    }

    #[test]
    fn every_report_validates_against_its_schema() {
        let tools = [
            ToolStatus {
                name: "semgrep",
                status: "ok",
                version: Some("1.185.0"),
                duration_ms: 0,
                coverage: None,
                file_errors: 0,
            },
            ToolStatus {
                name: "gosec",
                status: "timeout",
                version: None,
                duration_ms: 0,
                coverage: None,
                file_errors: 0,
            },
        ];
        let violations = vec!["gosec timeout: no result after 600s".to_string()];
        let reports = security_reports(&sample(), &context("error", &violations, &tools));
        let pairs = [
            ("gl-sast-report.json", "sast-report-format.json"),
            ("gl-secret-detection-report.json", "secret-detection-report-format.json"),
            (
                "gl-dependency-scanning-report.json",
                "dependency-scanning-report-format.json",
            ),
        ];
        assert_eq!(reports.len(), pairs.len());
        for (file, schema_file) in pairs {
            let Some(schema) = gitlab_schema(schema_file) else {
                return;
            };
            assert_eq!(schema["self"]["version"], SCHEMA_VERSION);
            assert_valid(&schema, report(&reports, file));
        }
    }

    #[test]
    fn empty_reports_validate_too() {
        let reports = security_reports(&[], &context("pass", &[], &[]));
        let Some(schema) = gitlab_schema("sast-report-format.json") else {
            return;
        };
        let sast = report(&reports, "gl-sast-report.json");
        assert_valid(&schema, sast);
        assert_eq!(sast["vulnerabilities"], json!([]));
        assert_eq!(sast["scan"]["status"], "success");
        assert!(sast["scan"].get("messages").is_none());
    }

    #[test]
    fn findings_go_to_the_report_of_their_kind() {
        let reports = security_reports(&sample(), &context("fail", &[], &[]));
        let rules = |file: &str| -> Vec<String> {
            report(&reports, file)["vulnerabilities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["identifiers"][0]["value"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            rules("gl-sast-report.json"),
            ["sql-injection", "DS002", "G104", "todo-comment"]
        );
        assert_eq!(rules("gl-secret-detection-report.json"), ["aws-access-token"]);
        assert_eq!(rules("gl-dependency-scanning-report.json"), ["CVE-2021-23337"]);
    }

    #[test]
    fn scan_records_times_status_and_failed_tools() {
        let tools = [ToolStatus {
            name: "gosec",
            status: "timeout",
            version: Some("2.28.0"),
            duration_ms: 0,
            coverage: None,
            file_errors: 0,
        }];
        let violations = vec!["gosec timeout".to_string()];
        let warnings = vec!["optional scanner npm-audit failed".to_string()];
        let reports = security_reports(
            &[],
            &ReportContext {
                warnings: &warnings,
                ..context("error", &violations, &tools)
            },
        );
        let scan = &report(&reports, "gl-secret-detection-report.json")["scan"];
        assert_eq!(scan["type"], "secret_detection");
        assert_eq!(scan["start_time"], "2023-11-14T22:13:20");
        assert_eq!(scan["end_time"], "2023-11-14T22:14:02");
        assert_eq!(scan["status"], "failure");
        assert_eq!(
            scan["messages"],
            json!([
                {"level": "warn", "value": "gosec 2.28.0: timeout"},
                {"level": "warn", "value": "optional scanner npm-audit failed"},
                {"level": "fatal", "value": "gosec timeout"}
            ])
        );
    }

    #[test]
    fn dependency_vulnerability_has_package_identifiers_and_solution() {
        let reports = security_reports(&sample(), &context("fail", &[], &[]));
        let vuln = &report(&reports, "gl-dependency-scanning-report.json")["vulnerabilities"][0];
        assert_eq!(vuln["severity"], "High");
        assert_eq!(
            vuln["location"],
            json!({"file": "package-lock.json", "dependency": {"package": {"name": "lodash"}, "version": "4.17.20"}})
        );
        assert_eq!(vuln["solution"], "Upgrade lodash to 4.17.21 or later.");
        let types: Vec<&str> = vuln["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["trivy_id", "cve", "ghsa"]);
        assert!(vuln["description"]
            .as_str()
            .unwrap()
            .contains("Reported by: trivy, osv-scanner"));
    }

    #[test]
    fn secret_location_names_the_scanned_commit() {
        let reports = security_reports(&sample(), &context("fail", &[], &[]));
        let vuln = &report(&reports, "gl-secret-detection-report.json")["vulnerabilities"][0];
        assert_eq!(
            vuln["location"],
            json!({"file": "config/.env", "start_line": 3, "end_line": 4, "commit": {"sha": "0123456789abcdef"}})
        );
        assert_eq!(
            vuln["identifiers"][1],
            json!({"type": "cwe", "name": "CWE-798", "value": "798",
                   "url": "https://cwe.mitre.org/data/definitions/798.html"})
        );
    }

    #[test]
    fn advisory_ids_get_their_kind() {
        assert_eq!(advisory_kind("CVE-2024-1").0, "cve");
        assert_eq!(advisory_kind("GHSA-aaaa-bbbb-cccc").0, "ghsa");
        assert_eq!(
            advisory_kind("GO-2024-0001"),
            ("go".into(), Some("https://osv.dev/vulnerability/GO-2024-0001".into()))
        );
        assert_eq!(advisory_kind("1096727"), ("advisory".into(), None));
    }
}
