//! The scan's result, assembled from its invocations: scrub every secret value the run learned
//! from what it will show, log what could not be trusted, merge the same vulnerability across
//! tools, and group the findings into one SARIF run per tool.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use scangate_normalizer::{credentials_in, dedup, split_by_first_tool, Finding, Parsed, Secrets, ToolRun};
use scangate_runner::{Exclusion, RawOutput, Scratch};

use crate::Execution;

/// A scan's result: every invocation's record and findings, scrubbed, ready for the gate and the
/// reports.
pub struct ScanResult {
    /// One record per invocation plus one per scanner that did not run, in registry order;
    /// scrubbed of the run's secrets.
    outputs: Vec<RawOutput>,
    /// One run per tool that ran or failed, in registry order; dedup'ed findings sit in their
    /// first tool's run. A failed tool's run holds its reason as a tool error, so the SARIF log
    /// says it failed instead of leaving it out.
    runs: Vec<ToolRun>,
    /// Findings each invocation reported before cross-tool dedup, by index into `outputs`.
    reported: HashMap<usize, usize>,
    /// Files each invocation reported an error for (semgrep), by index into `outputs`.
    file_errors: HashMap<usize, Vec<String>>,
    /// Those of the files the invocation gave up on for time (its status is `partial`).
    timed_out: HashMap<usize, Vec<String>>,
    /// The kinds of files each invocation's checks tested (trivy's `config` results).
    tested_kinds: HashMap<usize, Vec<String>>,
    /// Findings dropped because they lie in an excluded path (git-ignored, `--exclude`).
    excluded_findings: usize,
    /// The secret values the run learned: everything above is already scrubbed of them; raw
    /// copies kept past the run must be too.
    secrets: Arc<Secrets>,
    /// Wall time of the scanners' run.
    wall: Duration,
    /// Root that was scanned (absolute).
    root: PathBuf,
    /// Root the reports name paths from: the git work tree's top when `root` is below it.
    report_root: PathBuf,
    /// What no scanner looked at (git-ignored, `--exclude`).
    excluded: Vec<Exclusion>,
    /// What no scanner read (submodules), for every report.
    unscanned: Vec<String>,
    /// Pull-request mode: what the change fixed (see [`ScanResult::fixed`]).
    fixed: Vec<Finding>,
    /// The raw output files (`--raw-dir` copies them) live as long as the result.
    _scratch: Scratch,
}

/// Read-only: the result is assembled once and never changed; the reports render from it, with
/// the verdict beside it.
impl ScanResult {
    /// Every finding, once.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.runs.iter().flat_map(|run| run.findings.iter())
    }

    /// One record per invocation plus one per scanner that did not run, in registry order.
    pub fn outputs(&self) -> &[RawOutput] {
        &self.outputs
    }

    /// One run per tool that ran or failed, in registry order.
    pub fn runs(&self) -> &[ToolRun] {
        &self.runs
    }

    /// Findings the invocation at `index` of [`ScanResult::outputs`] reported, before dedup.
    pub fn reported(&self, index: usize) -> Option<usize> {
        self.reported.get(&index).copied()
    }

    /// Files the invocation at `index` reported an error for (semgrep).
    pub fn file_errors(&self, index: usize) -> &[String] {
        self.file_errors.get(&index).map_or(&[], Vec::as_slice)
    }

    /// The kinds of files the invocation at `index` tested (`dockerfile`, `kubernetes` …).
    pub fn tested_kinds(&self, index: usize) -> &[String] {
        self.tested_kinds.get(&index).map_or(&[], Vec::as_slice)
    }

    /// Files the invocation at `index` gave up on for time (semgrep's per-file timeouts).
    pub fn timed_out(&self, index: usize) -> &[String] {
        self.timed_out.get(&index).map_or(&[], Vec::as_slice)
    }

    /// Findings dropped because they lie in an excluded path.
    pub fn excluded_findings(&self) -> usize {
        self.excluded_findings
    }

    /// The secret values the run learned (raw copies kept past the run are scrubbed of them).
    pub fn secrets(&self) -> &Arc<Secrets> {
        &self.secrets
    }

    /// Wall time of the scanners' run.
    pub fn wall(&self) -> Duration {
        self.wall
    }

    /// Root that was scanned (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Root the reports name paths from.
    pub fn report_root(&self) -> &Path {
        &self.report_root
    }

    /// What no scanner looked at (git-ignored, `--exclude`).
    pub fn excluded(&self) -> &[Exclusion] {
        &self.excluded
    }

    /// What no scanner read (submodules).
    pub fn unscanned(&self) -> &[String] {
        &self.unscanned
    }

    /// Pull-request mode: the findings the merge base had in what the change touches that the
    /// change's scan no longer reports, for the scanners whose merge-base full scan the cache
    /// held; dedup'ed across tools like the rest.
    pub fn fixed(&self) -> &[Finding] {
        &self.fixed
    }
}

impl Execution {
    /// The scan's result. `given_secrets` are values the run was handed (credentials in
    /// `--npm-registry`); with those the scanners reported or showed, they are scrubbed from every
    /// finding, message and record before anything is logged.
    pub fn assemble(self, given_secrets: Vec<String>) -> ScanResult {
        let Execution {
            invocations,
            wall,
            root,
            report_root,
            excluded,
            unscanned,
            base_in_change,
            cache,
            scratch,
        } = self;
        let secrets = Arc::new(learned_secrets(
            given_secrets,
            invocations.iter().filter_map(|invocation| invocation.parsed.as_ref()),
            &root,
        ));
        let mut outputs = Vec::with_capacity(invocations.len());
        // Ordered by invocation, so findings meet dedup in registry order, the same way every
        // time; a finding several tools report lists them and sits in the run dedup's fixed tool
        // priority names, whatever that order.
        let mut parsed_runs: BTreeMap<usize, Parsed> = BTreeMap::new();
        for (index, mut invocation) in invocations.into_iter().enumerate() {
            scrub_record(&mut invocation.record, &secrets);
            if let Some(parsed) = &mut invocation.parsed {
                scrub_parsed(parsed, &secrets);
            }
            let raw = &invocation.record;
            if raw.status == scangate_runner::Status::Error {
                let reason = raw.reason.as_deref().unwrap_or_default();
                tracing::warn!(tool = raw.tool, %reason, "scanner failed or its output is not trustworthy");
            }
            // Stored scrubbed: an entry holds no secret value.
            if let (Some(cache), Some((cached_as, entry))) = (&cache, invocation.entry()) {
                cache.write(&cached_as.key, &entry);
            }
            if let Some(parsed) = invocation.parsed {
                parsed_runs.insert(index, parsed);
            }
            outputs.push(invocation.record);
        }
        let reported = parsed_runs
            .iter()
            .map(|(index, parsed)| (*index, parsed.findings.len()))
            .collect();
        let lists_of = |list: fn(&Parsed) -> &Vec<String>| -> HashMap<usize, Vec<String>> {
            parsed_runs
                .iter()
                .filter(|(_, parsed)| !list(parsed).is_empty())
                .map(|(index, parsed)| (*index, list(parsed).clone()))
                .collect()
        };
        let file_errors = lists_of(|parsed| &parsed.file_errors);
        let timed_out = lists_of(|parsed| &parsed.timed_out);
        let tested_kinds = lists_of(|parsed| &parsed.tested_kinds);
        let reported_anywhere: Vec<Finding> = parsed_runs
            .values_mut()
            .flat_map(|parsed| std::mem::take(&mut parsed.findings))
            .collect();
        let fixed = no_longer_reported(base_in_change, &reported_anywhere, &secrets, &excluded);
        let (all, dropped): (Vec<Finding>, Vec<Finding>) = reported_anywhere
            .into_iter()
            .partition(|finding| !is_excluded(finding, &excluded));
        let runs = tool_runs(&outputs, parsed_runs, dedup(all));
        ScanResult {
            outputs,
            runs,
            reported,
            file_errors,
            timed_out,
            tested_kinds,
            excluded_findings: dropped.len(),
            secrets,
            wall,
            root,
            report_root,
            excluded,
            unscanned,
            fixed,
            _scratch: scratch,
        }
    }
}

/// The findings of `base` (the merge base's, in what a change touches) that no tool of theirs
/// reports any more (`reported`), outside excluded paths, scrubbed and dedup'ed.
fn no_longer_reported(
    base: Vec<Finding>,
    reported: &[Finding],
    secrets: &Secrets,
    excluded: &[Exclusion],
) -> Vec<Finding> {
    let still: HashSet<(&str, &str)> = reported
        .iter()
        .flat_map(|finding| {
            finding
                .tools
                .iter()
                .map(|tool| (tool.as_str(), finding.fingerprint.as_str()))
        })
        .collect();
    let mut gone: Vec<Finding> = base
        .into_iter()
        .filter(|finding| !is_excluded(finding, excluded))
        .filter(|finding| {
            let tool = finding.tools.first().map_or("", String::as_str);
            !still.contains(&(tool, finding.fingerprint.as_str()))
        })
        .collect();
    for finding in &mut gone {
        secrets.scrub_serde(finding);
    }
    dedup(gone)
}

/// One run per tool that ran or failed, in the order of `outputs`, holding the findings whose
/// first tool it is, and the tool errors and warnings of each of its invocations.
fn tool_runs(outputs: &[RawOutput], mut parsed_runs: BTreeMap<usize, Parsed>, findings: Vec<Finding>) -> Vec<ToolRun> {
    let mut by_tool: HashMap<String, Vec<Finding>> = split_by_first_tool(findings).into_iter().collect();
    let mut runs: Vec<ToolRun> = Vec::new();
    for (index, raw) in outputs.iter().enumerate() {
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
    runs
}

/// A finding in a path no scanner was to look at: a scanner without a flag for it (gitleaks,
/// a single ignored file for osv-scanner), or a path too odd to pass as a pattern.
fn is_excluded(finding: &Finding, excluded: &[Exclusion]) -> bool {
    finding
        .location
        .as_ref()
        .is_some_and(|location| Exclusion::covering(excluded, Path::new(&location.path)).is_some())
}

/// The values handed to the run, those the scanners' reports hold (gitleaks'), and the
/// credentials any finding shows or points at: a credential shape (`curl -u admin:…`,
/// `password = "…"`) in a finding's texts or in the source lines it covers, so that a scanner
/// quoting the bare value elsewhere (a semgrep message interpolating `$VAR`) is scrubbed too.
fn learned_secrets<'a>(given: Vec<String>, results: impl Iterator<Item = &'a Parsed>, root: &Path) -> Secrets {
    let mut values = given;
    let mut sources = SourceLines::new(root);
    for parsed in results {
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
    root: &'r Path,
    files: HashMap<String, Option<String>>,
}

impl<'r> SourceLines<'r> {
    /// Files above this size are not read for credentials (a finding in one points at a line a
    /// scanner quoted; the shapes are still redacted wherever they show).
    const MAX_FILE: u64 = 4 << 20;
    /// Lines read per finding, from its first.
    const MAX_LINES: usize = 20;

    fn new(root: &'r Path) -> Self {
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
            let path = Path::new(&location.path);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use scangate_normalizer::{Kind, SecretValues, Severity};
    use scangate_runner::{ScanOptions, Status};

    use super::*;
    use crate::cache::Cache;
    use crate::key::Key;
    use crate::unit::{CachedAs, Invocation};

    const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJklmnop";

    fn record(tool: &'static str, status: Status) -> RawOutput {
        RawOutput {
            argv: vec![tool.into(), format!("--token={TOKEN}")],
            reason: (status != Status::Ok).then(|| "exited with 3".to_string()),
            ..crate::unit::record_for_test(tool, status)
        }
    }

    fn finding(tool: &str, message: &str) -> Finding {
        let mut finding = Finding::new(tool, Kind::Code, "rule", Severity::High);
        finding.message = message.to_string();
        finding.fingerprint = format!("{tool}-fingerprint");
        finding
    }

    fn invocation(tool: &'static str, findings: Vec<Finding>, secrets: &[&str], key: &str) -> Invocation {
        let parsed = Parsed {
            findings,
            secrets: SecretValues(secrets.iter().map(|s| s.to_string()).collect()),
            ..Parsed::default()
        };
        let mut invocation = Invocation::not_run(record(tool, Status::Ok));
        invocation.parsed = Some(parsed);
        invocation.cached_as = Some(CachedAs {
            key: Key(key.repeat(64)),
            networked: false,
        });
        invocation
    }

    /// An execution of `invocations` in an empty directory, with a scratch of its own.
    fn execution(root: &Path, invocations: Vec<Invocation>, cache: Option<Cache>) -> Execution {
        let options = ScanOptions {
            only: vec!["gitleaks".into()],
            ..ScanOptions::default()
        };
        let plan = scangate_runner::plan(root, &options).unwrap();
        Execution {
            invocations,
            wall: Duration::ZERO,
            root: root.to_path_buf(),
            report_root: root.to_path_buf(),
            excluded: Vec::new(),
            unscanned: Vec::new(),
            base_in_change: Vec::new(),
            cache,
            scratch: plan.scratch,
        }
    }

    #[test]
    fn a_secret_one_scanner_reports_is_scrubbed_from_every_other_and_cached_only_as_a_digest() {
        let root = tempfile::tempdir().unwrap();
        let cache_dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(cache_dir.path(), Duration::from_secs(60), true).unwrap();
        let gitleaks = invocation("gitleaks", vec![finding("gitleaks", "a token")], &[TOKEN], "a");
        let quoted = format!("the call passes {TOKEN} to the shell");
        let semgrep = invocation("semgrep", vec![finding("semgrep", &quoted)], &[], "b");
        let result = execution(root.path(), vec![gitleaks, semgrep], Some(cache.clone())).assemble(Vec::new());
        let shown = format!(
            "{:?}{:?}",
            result.runs(),
            result.outputs().iter().map(|raw| &raw.argv).collect::<Vec<_>>()
        );
        assert!(!shown.contains(TOKEN), "{shown}");
        assert_eq!(result.findings().count(), 2);
        assert_eq!((result.reported(0), result.reported(1)), (Some(1), Some(1)));
        // Both are stored, scrubbed; gitleaks' value only as a digest it cannot be read back
        // from here (no file holds it), so its entry is a miss.
        let stored: Vec<String> = std::fs::read_dir(cache_dir.path())
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|entry| !entry.contains(TOKEN)), "{stored:?}");
        let key = Key("a".repeat(64));
        let entry = cache.read(&key, "gitleaks").unwrap();
        assert_eq!(entry.secrets.len(), 1);
        assert!(entry.parsed(root.path(), &key).is_none());
    }

    #[test]
    fn a_failed_invocation_is_a_run_with_its_reason_and_nothing_is_cached() {
        let root = tempfile::tempdir().unwrap();
        let cache_dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(cache_dir.path(), Duration::from_secs(60), true).unwrap();
        let failed = Invocation::not_run(record("gosec", Status::Error));
        let mut reported_errors = invocation("semgrep", vec![finding("semgrep", "x")], &[], "c");
        reported_errors.record.status = Status::Error;
        reported_errors.parsed.as_mut().unwrap().tool_errors = vec!["a file did not parse".into()];
        let result = execution(root.path(), vec![reported_errors, failed], Some(cache)).assemble(Vec::new());
        let errors: Vec<(&str, &Vec<String>)> = result
            .runs()
            .iter()
            .map(|run| (run.tool.as_str(), &run.tool_errors))
            .collect();
        assert_eq!(
            errors,
            [
                ("semgrep", &vec!["a file did not parse".to_string()]),
                ("gosec", &vec!["gosec error: exited with 3".to_string()])
            ]
        );
        assert_eq!(std::fs::read_dir(cache_dir.path()).unwrap().count(), 0);
    }
}
