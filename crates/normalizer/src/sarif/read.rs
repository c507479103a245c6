//! Reading a SARIF log — scangate's own or any other tool's — back into findings, for
//! `scangate gate *.sarif` and baselines. Lenient on purpose: other tools' logs are often not
//! schema-valid, so only the fields used here must have the right type.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::{decode_uri_path, ScannerRecord, FINGERPRINT_KEY, SUPPRESSION_KIND_KEY};
use crate::fingerprint::{break_ties, hash};
use crate::{
    severity_from_score, Finding, Kind, Location, NativeSuppression, Package, ParseError, Severity, SuppressionOrigin,
    ToolRun,
};

/// `runs` is required: `{}` or another tool's non-SARIF JSON is not a log that found nothing.
#[derive(Deserialize)]
struct Log {
    runs: Vec<Run>,
    #[serde(default)]
    properties: LogProperties,
}

#[derive(Deserialize, Default)]
struct LogProperties {
    #[serde(rename = "scangate/scanners", default)]
    scanners: Option<Vec<ScannerRecord>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(default)]
    automation_details: Option<AutomationDetails>,
    #[serde(default)]
    results: Option<Vec<SarifResult>>,
    #[serde(default)]
    invocations: Vec<Invocation>,
}

#[derive(Deserialize)]
struct Tool {
    driver: Driver,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    semantic_version: Option<String>,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    id: String,
    #[serde(default)]
    short_description: Option<Text>,
    #[serde(default)]
    help: Option<Text>,
    #[serde(default)]
    help_uri: Option<String>,
    #[serde(default)]
    properties: HashMap<String, Value>,
}

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct AutomationDetails {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    #[serde(default)]
    execution_successful: Option<bool>,
    #[serde(default)]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Deserialize)]
struct Notification {
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    message: Option<Text>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    #[serde(default)]
    rule_id: Option<String>,
    #[serde(default)]
    rule_index: Option<usize>,
    #[serde(default)]
    rule: Option<RuleReference>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    message: Option<Text>,
    #[serde(default)]
    locations: Vec<ResultLocation>,
    #[serde(default)]
    partial_fingerprints: HashMap<String, String>,
    #[serde(default)]
    properties: HashMap<String, Value>,
    #[serde(default)]
    suppressions: Vec<Suppression>,
    #[serde(default)]
    baseline_state: Option<String>,
}

impl SarifResult {
    /// Why scangate refused a suppression of this result (written with status `rejected`).
    fn refusal(&self) -> Option<String> {
        self.suppressions
            .iter()
            .find(|s| s.status.as_deref() == Some("rejected"))
            .map(|s| {
                s.justification
                    .clone()
                    .unwrap_or_else(|| "suppression refused".to_owned())
            })
    }
}

#[derive(Deserialize)]
struct RuleReference {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    #[serde(default)]
    physical_location: Option<PhysicalLocation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    #[serde(default)]
    artifact_location: Option<ArtifactLocation>,
    #[serde(default)]
    region: Option<Region>,
}

#[derive(Deserialize)]
struct ArtifactLocation {
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(default)]
    start_line: Option<u64>,
    #[serde(default)]
    end_line: Option<u64>,
    #[serde(default)]
    start_column: Option<u64>,
    #[serde(default)]
    end_column: Option<u64>,
}

#[derive(Deserialize)]
struct Suppression {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    location: Option<ResultLocation>,
    #[serde(default)]
    properties: HashMap<String, Value>,
}

impl Suppression {
    /// An in-source suppression in force: SARIF's status is `accepted` when absent; one that
    /// scangate refused is written `rejected` and counts.
    fn native(&self) -> Option<NativeSuppression> {
        let accepted = self.status.as_deref().is_none_or(|status| status == "accepted");
        if self.kind.as_deref() != Some("inSource") || !accepted {
            return None;
        }
        let kind = self.properties.get(SUPPRESSION_KIND_KEY).and_then(Value::as_str);
        let origin = self
            .location
            .as_ref()
            .and_then(|l| l.physical_location.as_ref())
            .map(location)
            .map(|l| SuppressionOrigin {
                path: l.path,
                line: l.start_line,
            });
        Some(NativeSuppression {
            kind: kind.unwrap_or("inSource").to_owned(),
            justification: self.justification.clone(),
            origin,
        })
    }
}

/// A SARIF log read back: its runs, and what scangate recorded about the scan that wrote it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SarifLog {
    /// One [`ToolRun`] per SARIF run.
    pub runs: Vec<ToolRun>,
    /// The log property `scangate/scanners`: every scanner of the scan, whether it ran or not.
    /// `None` in logs of other tools (and of scangate before it recorded them).
    pub scanners: Option<Vec<ScannerRecord>>,
    /// True when the log was written by `scangate scan`: it records its scanners, or a run
    /// carries `automationDetails.id = "scangate/<tool>/"`.
    pub from_scangate: bool,
}

/// Reads a SARIF log into one [`ToolRun`] per SARIF run: findings, the tool's name and version,
/// and its error (`tool_errors`) and warning notifications. A run with
/// `executionSuccessful: false` always has a tool error, the notification's text or a stand-in.
///
/// Severity: `properties.severity` when present (scangate's own logs), else the rule's
/// `security-severity` bucket, else `level` (error→high, warning→medium, note→low, none→info;
/// missing → warning, SARIF's default). Fingerprint: `partialFingerprints["scangate/v1"]`, else
/// sha256 of rule id + uri + message (+ occurrence index). Native suppressions come from
/// `suppressions[]` of kind `inSource`.
pub fn read_sarif(bytes: &[u8]) -> Result<Vec<ToolRun>, ParseError> {
    read_sarif_log(bytes).map(|log| log.runs)
}

/// [`read_sarif`] with scangate's record of the scan that wrote the log.
pub fn read_sarif_log(bytes: &[u8]) -> Result<SarifLog, ParseError> {
    let log: Log = serde_json::from_slice(bytes).map_err(|error| ParseError::json("sarif", &error))?;
    let scanners = log.properties.scanners;
    let from_scangate = scanners.is_some() || log.runs.iter().any(is_scangate_run);
    Ok(SarifLog {
        runs: log.runs.into_iter().map(read_run).collect(),
        scanners,
        from_scangate,
    })
}

fn is_scangate_run(run: &Run) -> bool {
    run.automation_details
        .as_ref()
        .and_then(|details| details.id.as_deref())
        .is_some_and(|id| id.starts_with("scangate/"))
}

fn read_run(run: Run) -> ToolRun {
    let driver = run.tool.driver;
    let mut out = ToolRun {
        tool: driver.name.clone(),
        version: driver.version.clone().or(driver.semantic_version.clone()),
        ..ToolRun::default()
    };
    for notification in run.invocations.iter().flat_map(|i| &i.tool_execution_notifications) {
        let text = notification
            .message
            .as_ref()
            .and_then(|m| m.text.clone())
            .unwrap_or_default();
        match notification.level.as_deref() {
            Some("error") => out.tool_errors.push(text),
            _ => out.warnings.push(text),
        }
    }
    let failed = run.invocations.iter().any(|i| i.execution_successful == Some(false));
    if failed && out.tool_errors.is_empty() {
        out.tool_errors
            .push("the run says executionSuccessful: false".to_owned());
    }
    let mut computed = Vec::new();
    for result in run.results.unwrap_or_default() {
        let has_fingerprint = result.partial_fingerprints.contains_key(FINGERPRINT_KEY);
        let baseline_state = result.baseline_state.clone();
        let refusal = result.refusal();
        let finding = read_result(result, &driver);
        if let Some(state) = baseline_state.filter(|_| has_fingerprint) {
            let pre_existing = out.pre_existing.get_or_insert_with(Default::default);
            if state == "unchanged" {
                pre_existing.insert(finding.fingerprint.clone());
            }
        }
        if let Some(why) = refusal {
            out.refused_suppressions.insert(finding.fingerprint.clone(), why);
        }
        if has_fingerprint {
            out.findings.push(finding);
        } else {
            computed.push(out.findings.len());
            out.findings.push(finding);
        }
    }
    // Ties only among computed fingerprints: ours already carry their occurrence index.
    let mut fresh: Vec<Finding> = computed.iter().map(|&i| out.findings[i].clone()).collect();
    break_ties(&mut fresh);
    for (&i, finding) in computed.iter().zip(fresh) {
        out.findings[i].fingerprint = finding.fingerprint;
    }
    out
}

fn read_result(result: SarifResult, driver: &Driver) -> Finding {
    let rule = result.rule_index.and_then(|i| driver.rules.get(i)).or_else(|| {
        result
            .rule_id
            .as_ref()
            .and_then(|id| driver.rules.iter().find(|r| &r.id == id))
    });
    let rule_id = result
        .rule_id
        .clone()
        .or_else(|| result.rule.as_ref().and_then(|r| r.id.clone()))
        .or_else(|| rule.map(|r| r.id.clone()))
        .unwrap_or_default();
    let message = result.message.as_ref().and_then(|m| m.text.clone()).unwrap_or_default();
    let location = result
        .locations
        .iter()
        .find_map(|l| l.physical_location.as_ref())
        .map(location);
    let property = |key: &str| result.properties.get(key);
    let severity = severity(&result, rule);
    let tools = match property("tools") {
        Some(Value::Array(tools)) => tools.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
        _ => vec![driver.name.clone()],
    };
    let fingerprint = result
        .partial_fingerprints
        .get(FINGERPRINT_KEY)
        .cloned()
        .unwrap_or_else(|| {
            let uri = location.as_ref().map_or("", |l| l.path.as_str());
            hash(&[b"sarif", rule_id.as_bytes(), uri.as_bytes(), message.as_bytes()])
        });
    let strings = |key: &str| -> Vec<String> {
        match property(key) {
            Some(Value::Array(items)) => items.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    };
    Finding {
        tools,
        title: rule
            .and_then(|r| r.short_description.as_ref())
            .and_then(|t| t.text.clone())
            .unwrap_or_else(|| rule_id.clone()),
        rule_id,
        message,
        severity,
        tool_severity: property("tool_severity")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| result.level.clone().unwrap_or_default()),
        kind: property("kind")
            .and_then(|k| serde_json::from_value(k.clone()).ok())
            .unwrap_or(Kind::Code),
        location,
        cwes: strings("cwes"),
        vulnerability_ids: strings("vulnerability_ids"),
        package: property("package").and_then(|p| serde_json::from_value::<Package>(p.clone()).ok()),
        cvss_score: property("cvss_score").and_then(Value::as_f64),
        confidence: property("confidence").and_then(Value::as_str).map(str::to_owned),
        help: rule.and_then(|r| r.help.as_ref()).and_then(|t| t.text.clone()),
        help_uri: rule.and_then(|r| r.help_uri.clone()),
        fingerprint,
        native_suppression: result.suppressions.iter().find_map(Suppression::native),
        // A part's own scan judged the change; the gate of parts has no change to hold it against.
        commit: None,
        reports: property("reports")
            .and_then(|reports| serde_json::from_value(reports.clone()).ok())
            .unwrap_or_default(),
    }
}

fn severity(result: &SarifResult, rule: Option<&Rule>) -> Severity {
    if let Some(label) = result
        .properties
        .get("severity")
        .and_then(Value::as_str)
        .and_then(Severity::parse)
    {
        return label;
    }
    let score = rule
        .and_then(|r| r.properties.get("security-severity"))
        .and_then(|v| match v {
            Value::String(s) => s.trim().parse::<f64>().ok(),
            other => other.as_f64(),
        });
    if let Some(bucket) = score.and_then(severity_from_score) {
        return bucket;
    }
    match result.level.as_deref() {
        Some("error") => Severity::High,
        Some("note") => Severity::Low,
        Some("none") => Severity::Info,
        _ => Severity::Medium,
    }
}

fn location(physical: &PhysicalLocation) -> Location {
    let uri = physical
        .artifact_location
        .as_ref()
        .and_then(|a| a.uri.as_deref())
        .unwrap_or_default();
    let path = decode_uri_path(uri.strip_prefix("file://").unwrap_or(uri));
    let region = physical.region.as_ref();
    Location {
        path: path.strip_prefix("./").unwrap_or(&path).to_owned(),
        start_line: region.and_then(|r| r.start_line),
        end_line: region.and_then(|r| r.end_line),
        start_column: region.and_then(|r| r.start_column),
        end_column: region.and_then(|r| r.end_column),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{to_sarif_with, SarifOptions};

    #[test]
    fn the_scan_record_and_a_failed_run_survive_a_round_trip() {
        let scanners = [ScannerRecord {
            name: "gosec".to_owned(),
            status: "skipped".to_owned(),
            applies: true,
            reason: Some("not selected by --tools".to_owned()),
            categories: None,
            scope: None,
        }];
        let failed = ToolRun {
            tool: "semgrep".to_owned(),
            tool_errors: vec!["semgrep error: exited with 2".to_owned()],
            ..ToolRun::default()
        };
        let options = SarifOptions {
            scanners: &scanners,
            ..SarifOptions::new(std::path::Path::new("/repo"))
        };
        let log = to_sarif_with(std::slice::from_ref(&failed), &options).sarif;
        let back = read_sarif_log(&serde_json::to_vec(&log).unwrap()).unwrap();
        assert_eq!(back.scanners.as_deref(), Some(&scanners[..]));
        assert!(back.from_scangate);
        assert_eq!(back.runs[0].tool_errors, failed.tool_errors);
    }

    #[test]
    fn a_log_needs_runs_and_an_unsuccessful_run_is_a_tool_error() {
        for not_a_log in [&b"{}"[..], b"[]", br#"{"results": []}"#] {
            assert!(read_sarif_log(not_a_log).is_err());
        }
        let empty = read_sarif_log(br#"{"version": "2.1.0", "runs": []}"#).unwrap();
        assert!(empty.runs.is_empty() && !empty.from_scangate);
        let failed =
            br#"{"runs": [{"tool": {"driver": {"name": "x"}}, "invocations": [{"executionSuccessful": false}]}]}"#;
        assert_eq!(read_sarif(failed).unwrap()[0].tool_errors.len(), 1);
    }
}
