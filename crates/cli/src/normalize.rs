//! From raw scanner outputs to findings: parse each trustworthy output, scrub every secret value
//! the run learned from what it will show, turn a tool's own error reports into a failed status,
//! merge the same vulnerability across tools, and group the findings into one SARIF run per tool.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use scangate_normalizer::{
    credentials_in, dedup, parse_with, split_by_first_tool, Context, Finding, Parsed, Secrets, ToolRun,
};
use scangate_runner::{Execution, RawOutput, Status};

/// Findings per tool run, ready for the gate and the reports.
pub struct Normalized {
    /// One run per tool that ran or failed, in registry order; dedup'ed findings sit in their
    /// first tool's run. A failed tool's run holds its reason as a tool error, so the SARIF log
    /// says it failed instead of leaving it out.
    pub runs: Vec<ToolRun>,
    /// Findings each invocation reported before cross-tool dedup, by index into `outputs`.
    pub reported: HashMap<usize, usize>,
    /// Files each invocation reported an error for (semgrep), by index into `outputs`.
    pub file_errors: HashMap<usize, Vec<String>>,
    /// Findings dropped because they lie in an excluded path (git-ignored, `--exclude`).
    pub excluded_findings: usize,
    /// The secret values the run learned: everything above, and every raw output's reason and
    /// argv, is already scrubbed of them; raw copies kept past the run must be too.
    pub secrets: Arc<Secrets>,
}

impl Normalized {
    /// Every finding, once.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.runs.iter().flat_map(|run| run.findings.iter())
    }
}

/// Parses every `ok` output. A parse failure or a tool error report turns that output's status
/// into `error`: a run whose findings cannot be trusted never counts as clean. `given_secrets`
/// are values the run was handed (credentials in `--npm-registry`); with those gitleaks found,
/// they are scrubbed from every finding, message and record before anything is logged.
pub fn normalize(
    execution: &mut Execution,
    semgrep_prefixes: &[String],
    today: &str,
    given_secrets: Vec<String>,
) -> Normalized {
    let root = execution.root.clone();
    // Ordered by invocation, so findings meet dedup in registry order: a finding several tools
    // report lists them, and sits in the run of the first, the same way every time.
    let results: BTreeMap<usize, Result<Parsed, String>> = execution
        .outputs
        .iter()
        .enumerate()
        .filter(|(_, raw)| raw.status == Status::Ok)
        .map(|(index, raw)| (index, parse_output(raw, &root, semgrep_prefixes, today)))
        .collect();
    let secrets = Arc::new(learned_secrets(given_secrets, results.values(), &root));
    crate::redact::learn(Arc::clone(&secrets));
    for raw in &mut execution.outputs {
        scrub_record(raw, &secrets);
    }
    let mut parsed_runs: BTreeMap<usize, Parsed> = BTreeMap::new();
    for (index, result) in results {
        let raw = &mut execution.outputs[index];
        match result {
            Ok(mut parsed) => {
                scrub_parsed(&mut parsed, &secrets);
                if !parsed.tool_errors.is_empty() {
                    mark_error(raw, format!("reported errors: {}", parsed.tool_errors.join("; ")));
                }
                parsed_runs.insert(index, parsed);
            }
            Err(reason) => mark_error(raw, secrets.scrub(&reason).into_owned()),
        }
    }
    let reported = parsed_runs
        .iter()
        .map(|(index, parsed)| (*index, parsed.findings.len()))
        .collect();
    let file_errors = parsed_runs
        .iter()
        .filter(|(_, parsed)| !parsed.file_errors.is_empty())
        .map(|(index, parsed)| (*index, parsed.file_errors.clone()))
        .collect();
    let reported_anywhere: Vec<Finding> = parsed_runs
        .values_mut()
        .flat_map(|parsed| std::mem::take(&mut parsed.findings))
        .collect();
    let (all, excluded): (Vec<Finding>, Vec<Finding>) = reported_anywhere
        .into_iter()
        .partition(|finding| !is_excluded(finding, &execution.excluded));
    let mut by_tool: HashMap<String, Vec<Finding>> = split_by_first_tool(dedup(all)).into_iter().collect();
    let mut runs: Vec<ToolRun> = Vec::new();
    for (index, raw) in execution.outputs.iter().enumerate() {
        let parsed = parsed_runs.remove(&index);
        if parsed.is_none() && !raw.status.is_failure() {
            continue;
        }
        let run = match runs.iter().position(|run| run.tool == raw.tool) {
            Some(at) => &mut runs[at],
            None => {
                let mut run = ToolRun::new(raw.tool, Parsed::default());
                run.version = raw.version.clone();
                run.findings = by_tool.remove(raw.tool).unwrap_or_default();
                runs.push(run);
                runs.last_mut().expect("just pushed")
            }
        };
        match parsed {
            Some(parsed) => {
                run.tool_errors.extend(parsed.tool_errors);
                run.warnings.extend(parsed.warnings);
            }
            None => run.tool_errors.push(failure_notice(raw)),
        }
    }
    Normalized {
        runs,
        reported,
        file_errors,
        excluded_findings: excluded.len(),
        secrets,
    }
}

/// A finding in a path no scanner was to look at: a scanner without a flag for it (gitleaks,
/// a single ignored file for osv-scanner), or a path too odd to pass as a pattern.
fn is_excluded(finding: &Finding, excluded: &[scangate_runner::Exclusion]) -> bool {
    finding.location.as_ref().is_some_and(|location| {
        scangate_runner::Exclusion::covering(excluded, std::path::Path::new(&location.path)).is_some()
    })
}

/// The values handed to the run, those the scanners' reports hold (gitleaks'), and the
/// credentials any finding shows or points at: a credential shape (`curl -u admin:…`,
/// `password = "…"`) in a finding's texts or in the source lines it covers, so that a scanner
/// quoting the bare value elsewhere (a semgrep message interpolating `$VAR`) is scrubbed too.
fn learned_secrets<'a>(
    given: Vec<String>,
    results: impl Iterator<Item = &'a Result<Parsed, String>>,
    root: &std::path::Path,
) -> Secrets {
    let mut values = given;
    let mut sources = SourceLines::new(root);
    for parsed in results.flatten() {
        values.extend(parsed.secrets.0.iter().cloned());
        for finding in &parsed.findings {
            values.extend(credentials_in(&serde_json::to_string(finding).unwrap_or_default()));
            values.extend(credentials_in(&sources.covered_by(finding)));
        }
        let texts = parsed
            .warnings
            .iter()
            .chain(&parsed.tool_errors)
            .chain(&parsed.file_errors);
        values.extend(texts.flat_map(|text| credentials_in(text)));
    }
    Secrets::new(values)
}

/// The repository's files as findings point into them, each read once.
struct SourceLines<'r> {
    root: &'r std::path::Path,
    files: HashMap<String, Option<String>>,
}

impl<'r> SourceLines<'r> {
    /// Files above this size are not read for credentials (a finding in one points at a line a
    /// scanner quoted; the shapes are still redacted wherever they show).
    const MAX_FILE: u64 = 4 << 20;
    /// Lines read per finding, from its first.
    const MAX_LINES: usize = 20;

    fn new(root: &'r std::path::Path) -> Self {
        SourceLines {
            root,
            files: HashMap::new(),
        }
    }

    /// The lines a finding covers, from a regular file inside the root (`read_repository_file`);
    /// empty when there is none.
    fn covered_by(&mut self, finding: &Finding) -> String {
        let Some(location) = &finding.location else {
            return String::new();
        };
        let root = self.root;
        let text = self.files.entry(location.path.clone()).or_insert_with(|| {
            let path = std::path::Path::new(&location.path);
            let bytes = scangate_normalizer::read_repository_file(root, path, Self::MAX_FILE).ok()?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        });
        let Some(text) = text else {
            return String::new();
        };
        let first = location.start_line.unwrap_or(1).max(1) as usize;
        let last = location.end_line.unwrap_or(first as u64) as usize;
        let count = last.saturating_sub(first).min(Self::MAX_LINES) + 1;
        text.lines().skip(first - 1).take(count).collect::<Vec<_>>().join("\n")
    }
}

/// Scrubs what a parse produced: findings, error reports, warnings and file names.
fn scrub_parsed(parsed: &mut Parsed, secrets: &Secrets) {
    for finding in &mut parsed.findings {
        secrets.scrub_serde(finding);
    }
    let texts = parsed.tool_errors.iter_mut().chain(&mut parsed.warnings);
    for text in texts.chain(&mut parsed.file_errors) {
        secrets.scrub_string(text);
    }
}

/// Scrubs what the reports show of an invocation: its argv (URL credentials), trigger, reason and
/// stderr.
fn scrub_record(raw: &mut RawOutput, secrets: &Secrets) {
    let texts = raw
        .argv
        .iter_mut()
        .chain(raw.reason.as_mut())
        .chain([&mut raw.stderr_tail]);
    for text in texts.chain(raw.target.as_mut().map(|target| &mut target.trigger)) {
        secrets.scrub_string(text);
    }
}

/// What the SARIF run of a failed invocation says: status, where it ran, and why.
fn failure_notice(raw: &RawOutput) -> String {
    let reason = raw.reason.as_deref().unwrap_or("no reason given");
    match raw.target.as_ref().filter(|target| !target.dir.as_os_str().is_empty()) {
        Some(target) => format!(
            "{} {} in {}: {reason}",
            raw.tool,
            raw.status.as_str(),
            target.dir.display()
        ),
        None => format!("{} {}: {reason}", raw.tool, raw.status.as_str()),
    }
}

/// Parses one output; `Err` says why it cannot be trusted.
pub(crate) fn parse_output(
    raw: &RawOutput,
    root: &std::path::Path,
    semgrep_prefixes: &[String],
    today: &str,
) -> Result<Parsed, String> {
    // Every judge rejects a run without output; an `ok` run without a file would be a clean
    // result nobody produced.
    let path = raw.output.as_ref().ok_or("left no output file")?;
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read its output {}: {error}", path.display()))?;
    let target_dir = raw.target.as_ref().map(|target| target.dir.as_path());
    let context = Context {
        root,
        target_dir,
        rule_prefixes: semgrep_prefixes,
        today: Some(today),
    };
    parse_with(raw.tool, &bytes, &context).map_err(|error| error.to_string())
}

fn mark_error(raw: &mut RawOutput, reason: String) {
    tracing::warn!(tool = raw.tool, %reason, "scanner output is not trustworthy");
    raw.status = Status::Error;
    raw.reason = Some(reason);
}
