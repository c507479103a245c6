//! The SARIF writer: one run per tool, GitHub's limits enforced (DESIGN §7).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use serde::ser::SerializeSeq;
use serde::Serialize;
use serde_json::{json, Value};
use serde_sarif::sarif;

use super::{encode_uri_path, ScannerRecord, FINGERPRINT_KEY, SCANNERS_KEY, SRCROOT, SUPPRESSION_KIND_KEY};
use crate::{security_severity, Finding, Parsed, Severity, SuppressionOrigin};

/// GitHub code scanning accepts at most this many runs per upload.
pub const GITHUB_MAX_RUNS: usize = 20;
/// GitHub code scanning accepts at most this many results per run.
pub const GITHUB_MAX_RESULTS_PER_RUN: usize = 25_000;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One tool's part of the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolRun {
    /// Canonical tool name; runs with the same name are merged into one SARIF run.
    pub tool: String,
    /// The tool's version, when known.
    pub version: Option<String>,
    /// Its findings (after dedup: those whose first tool is this one).
    pub findings: Vec<Finding>,
    /// The tool's own errors: the run is marked `executionSuccessful: false`.
    pub tool_errors: Vec<String>,
    /// Warnings that leave the result usable.
    pub warnings: Vec<String>,
    /// Findings suppressed by scangate's policy, by fingerprint: written as `suppressions[]` of
    /// kind `external`.
    pub policy_suppressions: HashMap<String, PolicySuppression>,
    /// Suppressions the gate refused (added by the change under review, or without a reason the
    /// level requires), by fingerprint, with the sentence that says why: written as
    /// `suppressions[]` with status `rejected`, so no consumer takes the finding as suppressed.
    pub refused_suppressions: HashMap<String, String>,
    /// With a baseline (`--baseline`, or pull-request mode's findings outside the change): the
    /// fingerprints of findings that were already there. Results get `baselineState` `unchanged`
    /// or `new`, so `scangate gate` over the parts of a sharded scan counts what the scan counted.
    pub pre_existing: Option<HashSet<String>>,
}

impl ToolRun {
    /// A run from a parse result.
    pub fn new(tool: impl Into<String>, parsed: Parsed) -> Self {
        ToolRun {
            tool: tool.into(),
            findings: parsed.findings,
            tool_errors: parsed.tool_errors,
            warnings: parsed.warnings,
            ..ToolRun::default()
        }
    }
}

/// A policy suppression of one finding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySuppression {
    /// Why (the policy entry's reason).
    pub justification: Option<String>,
    /// SARIF suppression status: `accepted` (default), `underReview` or `rejected`.
    pub status: Option<String>,
    /// The policy entry: a repository-relative path (the repository's `scangate.toml`) or an
    /// absolute one (the pipeline's policy file), with its line.
    pub origin: Option<SuppressionOrigin>,
}

/// How to write the log.
#[derive(Debug, Clone, Copy)]
pub struct SarifOptions<'a> {
    /// The absolute scanned root: `%SRCROOT%`.
    pub root: &'a Path,
    /// Results per run before the least severe are dropped.
    pub max_results_per_run: usize,
    /// Every scanner of the scan, written as the log property `scangate/scanners`; empty for a
    /// log that is not a scan's (the gate's merged findings).
    pub scanners: &'a [ScannerRecord],
    /// What the scan did not compute (pull-request mode: findings outside the change), written
    /// as a warning in every run's invocation, so a partial log never reads as a complete one.
    pub partial: Option<&'a str>,
}

impl<'a> SarifOptions<'a> {
    /// GitHub's limits for `root`.
    pub fn new(root: &'a Path) -> Self {
        SarifOptions {
            root,
            max_results_per_run: GITHUB_MAX_RESULTS_PER_RUN,
            scanners: &[],
            partial: None,
        }
    }

    /// The log-level property bag, when there is something to record.
    fn log_properties(&self) -> Option<sarif::PropertyBag> {
        if self.scanners.is_empty() {
            return None;
        }
        let bag = BTreeMap::from([(SCANNERS_KEY.to_owned(), json!(self.scanners))]);
        Some(sarif::PropertyBag::builder().additional_properties(bag).build())
    }
}

/// A built log and the notes the caller should log (what was dropped to fit GitHub's limits).
#[derive(Debug)]
pub struct SarifOutput {
    /// The SARIF log.
    pub sarif: sarif::Sarif,
    /// Human-readable notes; also in the runs' `toolExecutionNotifications`.
    pub notes: Vec<String>,
}

/// Builds the log in memory. For large logs prefer [`write_sarif`], which streams results.
pub fn to_sarif(runs: &[ToolRun], root: &Path) -> SarifOutput {
    to_sarif_with(runs, &SarifOptions::new(root))
}

/// [`to_sarif`] with explicit options.
pub fn to_sarif_with(runs: &[ToolRun], options: &SarifOptions<'_>) -> SarifOutput {
    let prepared = prepare_all(runs, options);
    let notes = prepared.iter().flat_map(|p| p.notes.clone()).collect();
    let runs: Vec<sarif::Run> = prepared
        .into_iter()
        .map(|p| {
            let results = p.kept.iter().map(|f| p.result(f)).collect();
            let mut run = p.head;
            run.results = Some(results);
            run
        })
        .collect();
    let mut sarif = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(runs)
        .build();
    sarif.properties = options.log_properties();
    SarifOutput { sarif, notes }
}

/// Streams the log to `writer` one result at a time; returns the notes [`to_sarif`] would.
pub fn write_sarif<W: Write>(writer: W, runs: &[ToolRun], options: &SarifOptions<'_>) -> std::io::Result<Vec<String>> {
    let prepared = prepare_all(runs, options);
    // GitHub rejects the whole upload past this: an error now, not a log that cannot be used.
    if prepared.len() > GITHUB_MAX_RUNS {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} runs (one per tool), more than GitHub code scanning accepts in one upload ({GITHUB_MAX_RUNS})",
                prepared.len()
            ),
        ));
    }
    let notes = prepared.iter().flat_map(|p| p.notes.clone()).collect();
    let log = StreamLog {
        schema: SCHEMA_URI,
        version: "2.1.0",
        properties: options.log_properties(),
        runs: prepared
            .iter()
            .map(|p| StreamRun {
                head: &p.head,
                results: StreamResults(p),
            })
            .collect(),
    };
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, writer);
    serde_json::to_writer(&mut writer, &log)?;
    writer.flush()?;
    Ok(notes)
}

/// Groups findings by their first tool (dedup'ed findings go to the first tool's run), in the
/// order tools first appear.
pub fn split_by_first_tool(findings: Vec<Finding>) -> Vec<(String, Vec<Finding>)> {
    let mut groups: Vec<(String, Vec<Finding>)> = Vec::new();
    for finding in findings {
        let tool = finding.tools.first().cloned().unwrap_or_default();
        match groups.iter_mut().find(|(name, _)| *name == tool) {
            Some((_, list)) => list.push(finding),
            None => groups.push((tool, vec![finding])),
        }
    }
    groups
}

#[derive(Serialize)]
struct StreamLog<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<sarif::PropertyBag>,
    runs: Vec<StreamRun<'a>>,
}

#[derive(Serialize)]
struct StreamRun<'a> {
    #[serde(flatten)]
    head: &'a sarif::Run,
    results: StreamResults<'a>,
}

struct StreamResults<'a>(&'a Prepared<'a>);

impl Serialize for StreamResults<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.kept.len()))?;
        for finding in &self.0.kept {
            seq.serialize_element(&self.0.result(finding))?;
        }
        seq.end()
    }
}

/// One run with everything but its results built.
struct Prepared<'a> {
    head: sarif::Run,
    kept: Vec<&'a Finding>,
    rule_index: HashMap<&'a str, usize>,
    policy: Vec<&'a HashMap<String, PolicySuppression>>,
    refused: Vec<&'a HashMap<String, String>>,
    pre_existing: Vec<&'a HashSet<String>>,
    notes: Vec<String>,
}

fn prepare_all<'a>(runs: &'a [ToolRun], options: &SarifOptions<'_>) -> Vec<Prepared<'a>> {
    let mut by_tool: Vec<(&str, Vec<&ToolRun>)> = Vec::new();
    for run in runs {
        match by_tool.iter_mut().find(|(name, _)| *name == run.tool) {
            Some((_, list)) => list.push(run),
            None => by_tool.push((&run.tool, vec![run])),
        }
    }
    by_tool
        .into_iter()
        .map(|(tool, parts)| prepare(tool, &parts, options))
        .collect()
}

fn prepare<'a>(tool: &str, parts: &[&'a ToolRun], options: &SarifOptions<'_>) -> Prepared<'a> {
    let all: Vec<&Finding> = parts.iter().flat_map(|p| p.findings.iter()).collect();
    let (kept, note) = keep_most_severe(all, options.max_results_per_run);
    let mut notes = Vec::new();
    if let Some(note) = &note {
        tracing::warn!(tool, "{note}");
        notes.push(format!("{tool}: {note}"));
    }
    let (rules, rule_index) = rules(&kept);
    let version = parts.iter().find_map(|p| p.version.clone());
    let mut driver = sarif::ToolComponent::builder()
        .name(tool)
        .information_uri(information_uri(tool))
        .rules(rules)
        .build();
    driver.version = version.clone();
    driver.semantic_version = version.filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()));
    let mut notifications: Vec<sarif::Notification> = Vec::new();
    for part in parts {
        notifications.extend(part.tool_errors.iter().map(|e| notification("error", e)));
        notifications.extend(part.warnings.iter().map(|w| notification("warning", w)));
    }
    notifications.extend(note.iter().map(|n| notification("warning", n)));
    notifications.extend(options.partial.map(|partial| notification("warning", partial)));
    let successful = parts.iter().all(|p| p.tool_errors.is_empty());
    let mut invocation = sarif::Invocation::builder().execution_successful(successful).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let base = BTreeMap::from([(
        SRCROOT.to_owned(),
        sarif::ArtifactLocation::builder().uri(root_uri(options.root)).build(),
    )]);
    let head = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .automation_details(
            sarif::RunAutomationDetails::builder()
                .id(format!("scangate/{tool}/"))
                .build(),
        )
        .original_uri_base_ids(base)
        .invocations(vec![invocation])
        .build();
    Prepared {
        head,
        kept,
        rule_index,
        policy: parts.iter().map(|p| &p.policy_suppressions).collect(),
        refused: parts.iter().map(|p| &p.refused_suppressions).collect(),
        pre_existing: parts.iter().filter_map(|p| p.pre_existing.as_ref()).collect(),
        notes,
    }
}

/// Keeps at most `max` findings, the most severe (stable: severity desc, then path, then line);
/// says what was dropped.
fn keep_most_severe(mut findings: Vec<&Finding>, max: usize) -> (Vec<&Finding>, Option<String>) {
    let total = findings.len();
    if total <= max {
        return (findings, None);
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| position(a).cmp(&position(b))));
    let dropped = findings.split_off(max);
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{s} {}", dropped.iter().filter(|f| f.severity == *s).count()))
        .collect();
    let note = format!(
        "kept the {max} most severe of {total} results; dropped {} ({}) to stay within GitHub's {GITHUB_MAX_RESULTS_PER_RUN} results per run",
        dropped.len(),
        by_severity.join(", ")
    );
    (findings, Some(note))
}

fn position(finding: &Finding) -> (&str, u64) {
    finding
        .location
        .as_ref()
        .map_or(("", 0), |l| (l.path.as_str(), l.start_line.unwrap_or(0)))
}

fn notification(level: &str, text: &str) -> sarif::Notification {
    sarif::Notification::builder()
        .level(json!(level))
        .message(message(text))
        .build()
}

fn message(text: &str) -> sarif::Message {
    sarif::Message::builder().text(text).build()
}

fn root_uri(root: &Path) -> String {
    let mut path = root.to_string_lossy().replace('\\', "/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    format!("file://{}", encode_uri_path(&path))
}

fn information_uri(tool: &str) -> String {
    match tool {
        "gitleaks" => "https://github.com/gitleaks/gitleaks",
        "semgrep" => "https://semgrep.dev",
        "gosec" => "https://github.com/securego/gosec",
        "trivy" => "https://trivy.dev",
        "osv-scanner" => "https://google.github.io/osv-scanner/",
        "npm-audit" => "https://docs.npmjs.com/cli/commands/npm-audit",
        _ => "https://github.com/scangate/scangate",
    }
    .to_owned()
}

/// One rule per distinct rule id, in order of first use; `security-severity` is the highest any
/// of its findings gets.
fn rules<'a>(findings: &[&'a Finding]) -> (Vec<sarif::ReportingDescriptor>, HashMap<&'a str, usize>) {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut rules: Vec<sarif::ReportingDescriptor> = Vec::new();
    let mut scores: Vec<Option<f64>> = Vec::new();
    for finding in findings {
        let score = security_severity(finding.severity, finding.cvss_score);
        match index.get(finding.rule_id.as_str()) {
            Some(&at) => {
                if score > scores[at] {
                    scores[at] = score;
                }
            }
            None => {
                index.insert(&finding.rule_id, rules.len());
                rules.push(rule(finding));
                scores.push(score);
            }
        }
    }
    for (rule, score) in rules.iter_mut().zip(scores) {
        if let (Some(score), Some(properties)) = (score, rule.properties.as_mut()) {
            properties
                .additional_properties
                .insert("security-severity".to_owned(), json!(format!("{score:.1}")));
        }
    }
    (rules, index)
}

fn rule(finding: &Finding) -> sarif::ReportingDescriptor {
    let short = if finding.title.is_empty() {
        finding.rule_id.clone()
    } else {
        finding.title.clone()
    };
    // Without help text of its own (semgrep), the first finding's message explains the rule best.
    let help = [finding.help.as_deref(), Some(finding.message.as_str())]
        .into_iter()
        .flatten()
        .find(|h| !h.trim().is_empty())
        .map_or_else(|| short.clone(), str::to_owned);
    let mut tags = vec!["security".to_owned(), kind_tag(finding).to_owned()];
    tags.extend(
        finding
            .cwes
            .iter()
            .map(|cwe| format!("external/cwe/{}", cwe.to_ascii_lowercase())),
    );
    let mut properties = sarif::PropertyBag::builder().tags(tags).build();
    if let Some(precision) = finding.confidence.as_deref().and_then(precision) {
        properties
            .additional_properties
            .insert("precision".to_owned(), json!(precision));
    }
    let mut descriptor = sarif::ReportingDescriptor::builder()
        .id(finding.rule_id.clone())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(first_line(&short))
                .build(),
        )
        .full_description(sarif::MultiformatMessageString::builder().text(short.clone()).build())
        .help(sarif::MultiformatMessageString::builder().text(help).build())
        .properties(properties)
        .build();
    descriptor.help_uri = finding.help_uri.clone();
    descriptor
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).chars().take(1000).collect()
}

fn kind_tag(finding: &Finding) -> &'static str {
    match finding.kind {
        crate::Kind::Secret => "secret",
        crate::Kind::Code => "code",
        crate::Kind::Dependency => "dependency",
        crate::Kind::Misconfiguration => "misconfiguration",
    }
}

fn precision(confidence: &str) -> Option<&'static str> {
    match confidence.to_ascii_lowercase().as_str() {
        "very-high" | "very_high" => Some("very-high"),
        "high" => Some("high"),
        "medium" => Some("medium"),
        "low" => Some("low"),
        _ => None,
    }
}

/// critical/high → error, medium → warning, low/info → note.
pub(crate) fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

impl Prepared<'_> {
    fn result(&self, finding: &Finding) -> sarif::Result {
        let message_text = if finding.message.is_empty() {
            finding.title.clone()
        } else {
            finding.message.clone()
        };
        let mut result = sarif::Result::builder()
            .rule_id(finding.rule_id.clone())
            .level(level(finding.severity))
            .message(message(if message_text.is_empty() {
                &finding.rule_id
            } else {
                &message_text
            }))
            .partial_fingerprints(BTreeMap::from([(
                FINGERPRINT_KEY.to_owned(),
                finding.fingerprint.clone(),
            )]))
            .properties(result_properties(finding))
            .build();
        result.rule_index = self.rule_index.get(finding.rule_id.as_str()).map(|&i| i as i64);
        if let Some(location) = &finding.location {
            result.locations = Some(vec![sarif_location(location)]);
        }
        let suppressions = self.suppressions(finding);
        if !suppressions.is_empty() {
            result.suppressions = Some(suppressions);
        }
        if !self.pre_existing.is_empty() {
            let known = self.pre_existing.iter().any(|set| set.contains(&finding.fingerprint));
            result.baseline_state = Some(json!(if known { "unchanged" } else { "new" }));
        }
        result
    }

    /// The finding's suppressions: the tool-native one (`inSource`, located where it is
    /// written) and the policy's (`external`). A refused one is written with status `rejected`
    /// and the refusal as its justification.
    fn suppressions(&self, finding: &Finding) -> Vec<sarif::Suppression> {
        let mut out = Vec::new();
        let refused = self.refused.iter().find_map(|r| r.get(&finding.fingerprint));
        if let Some(native) = &finding.native_suppression {
            let (status, justification) = match refused {
                Some(why) => ("rejected", Some(why.clone())),
                None => ("accepted", native.justification.clone()),
            };
            let mut suppression = sarif::Suppression::builder()
                .kind(json!("inSource"))
                .status(json!(status))
                .build();
            suppression.justification = justification;
            suppression.location = native.origin.as_ref().map(origin_location);
            suppression.properties = Some(suppression_properties(&native.kind));
            out.push(suppression);
        }
        if let Some(policy) = self.policy.iter().find_map(|p| p.get(&finding.fingerprint)) {
            let status = policy.status.clone().unwrap_or_else(|| "accepted".to_owned());
            let mut suppression = sarif::Suppression::builder()
                .kind(json!("external"))
                .status(json!(status))
                .build();
            suppression.justification = policy.justification.clone();
            suppression.location = policy.origin.as_ref().map(origin_location);
            out.push(suppression);
        } else if let Some(why) = refused.filter(|_| finding.native_suppression.is_none()) {
            let mut suppression = sarif::Suppression::builder()
                .kind(json!("external"))
                .status(json!("rejected"))
                .build();
            suppression.justification = Some(why.clone());
            out.push(suppression);
        }
        out
    }
}

/// Where a suppression is written, as a SARIF location: below `%SRCROOT%`, or a `file:` uri for a
/// policy file outside the repository.
fn origin_location(origin: &SuppressionOrigin) -> sarif::Location {
    let mut location = sarif_location(&crate::Location {
        path: origin.path.clone(),
        start_line: origin.line,
        end_line: None,
        start_column: None,
        end_column: None,
    });
    if origin.path.starts_with('/') {
        let artifact = sarif::ArtifactLocation::builder()
            .uri(format!("file://{}", encode_uri_path(&origin.path)))
            .build();
        if let Some(physical) = location.physical_location.as_mut() {
            physical.artifact_location = Some(artifact);
        }
    }
    location
}

/// The mechanism of a tool-native suppression (`nosec`, `trivyignore`, ...), kept so that
/// `scangate gate` reads back what the scan saw.
fn suppression_properties(kind: &str) -> sarif::PropertyBag {
    let bag = BTreeMap::from([(SUPPRESSION_KIND_KEY.to_owned(), json!(kind))]);
    sarif::PropertyBag::builder().additional_properties(bag).build()
}

fn sarif_location(location: &crate::Location) -> sarif::Location {
    let artifact = sarif::ArtifactLocation::builder()
        .uri(encode_uri_path(&location.path))
        .uri_base_id(SRCROOT)
        .build();
    let mut physical = sarif::PhysicalLocation::builder().artifact_location(artifact).build();
    // A finding about a whole file (a lockfile, a Dockerfile without USER) is anchored at its
    // first line: GitHub and SARIF validators expect every result to have a region.
    let start_line = location.start_line.filter(|l| *l >= 1).unwrap_or(1);
    let mut region = sarif::Region::builder().start_line(start_line as i64).build();
    region.end_line = location.end_line.filter(|e| *e >= start_line).map(|e| e as i64);
    region.start_column = location.start_column.filter(|c| *c >= 1).map(|c| c as i64);
    let same_line = region.end_line.is_none_or(|e| e == start_line as i64);
    region.end_column = location
        .end_column
        .filter(|c| *c >= 1 && (!same_line || location.start_column.is_none_or(|s| *c >= s)))
        .map(|c| c as i64);
    physical.region = Some(region);
    sarif::Location::builder().physical_location(physical).build()
}

fn result_properties(finding: &Finding) -> sarif::PropertyBag {
    let mut bag = BTreeMap::new();
    bag.insert("severity".to_owned(), json!(finding.severity.as_str()));
    bag.insert("tool_severity".to_owned(), json!(finding.tool_severity));
    bag.insert("tools".to_owned(), json!(finding.tools));
    bag.insert("kind".to_owned(), json!(kind_tag(finding)));
    if !finding.vulnerability_ids.is_empty() {
        bag.insert("vulnerability_ids".to_owned(), json!(finding.vulnerability_ids));
    }
    if !finding.cwes.is_empty() {
        bag.insert("cwes".to_owned(), json!(finding.cwes));
    }
    if let Some(package) = &finding.package {
        bag.insert(
            "package".to_owned(),
            serde_json::to_value(package).unwrap_or(Value::Null),
        );
    }
    if let Some(score) = finding.cvss_score {
        bag.insert("cvss_score".to_owned(), json!(score));
    }
    if let Some(confidence) = &finding.confidence {
        bag.insert("confidence".to_owned(), json!(confidence));
    }
    if !finding.reports.is_empty() {
        bag.insert(
            "reports".to_owned(),
            serde_json::to_value(&finding.reports).unwrap_or(Value::Null),
        );
    }
    sarif::PropertyBag::builder().additional_properties(bag).build()
}
