//! Between the normalizer and the gate: resolving the policy from its files, describing the
//! scanners' outcomes to the gate, and carrying the verdict back into the SARIF runs.

use std::path::Path;

use anyhow::Context;
use scangate_gate::{
    Baseline, Category, Date, Level, Policy, PolicyError, PolicySources, SourceFile, ToolOutcome, ToolStatus, Verdict,
    REPO_CONFIG,
};
use scangate_invocation::ScanResult;
use scangate_normalizer::{read_repository_config, PolicySuppression, RepoFileError, ToolRun};
use scangate_runner::{Limited, Status};

use crate::args::PolicyArgs;

/// Loads the policy: the level preset, the `--policy` file, then `<root>/scangate.toml`. Every
/// problem in every file is printed with its file, line and column before this fails.
pub fn resolve_policy(args: &PolicyArgs, repo_root: Option<&Path>) -> anyhow::Result<Policy> {
    resolve_sources(&policy_sources(args, repo_root)?)
}

/// Reads the `--policy` file and `<root>/scangate.toml`, when there are such files.
pub fn policy_sources(args: &PolicyArgs, repo_root: Option<&Path>) -> anyhow::Result<PolicySources> {
    let policy_file = args
        .policy
        .as_deref()
        .map(SourceFile::read)
        .transpose()
        .map_err(report_policy_error)?;
    let repo_config = repo_root.map(read_repo_config).transpose()?.flatten();
    Ok(PolicySources {
        policy_file,
        repo_config,
        cli_level: Level::new(args.level),
        ..PolicySources::default()
    })
}

/// Pull-request mode: the `--policy` file is the pipeline's own, and a change must not edit it.
/// When it lies in the repository under review and the change made it differ from the merge
/// base's, the merge base's version applies; the note says so (or that the change adds the file,
/// which then applies as written). `None` when the file is not the repository's, not tracked, or
/// as the merge base has it.
pub fn policy_at_merge_base(
    root: &Path,
    base_ref: &str,
    sources: &mut PolicySources,
) -> anyhow::Result<Option<String>> {
    let Some(file) = sources.policy_file.as_mut() else {
        return Ok(None);
    };
    let top = crate::git::top_level(root)?;
    let canonical = file
        .path
        .canonicalize()
        .with_context(|| format!("cannot resolve the policy file {}", file.path.display()))?;
    let Ok(relative) = canonical.strip_prefix(&top) else {
        return Ok(None);
    };
    let shown = relative.display();
    if crate::git::blob_at(&top, "HEAD", relative)?.is_none() {
        return Ok(None);
    }
    let merge_base = crate::git::merge_base(root, base_ref)?;
    let short = &merge_base[..merge_base.len().min(12)];
    match crate::git::blob_at(&top, &merge_base, relative)? {
        None => Ok(Some(format!(
            "the policy file {shown} is not in the merge base {short}: this change adds it, and it applies as the change \
             wrote it"
        ))),
        Some(bytes) if bytes == file.text.as_bytes() => Ok(None),
        Some(bytes) => {
            file.text = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("the policy file {shown} is not UTF-8 text at the merge base {short}"))?;
            Ok(Some(format!(
                "the policy file {shown} is edited by this change: its version at the merge base {short} applies (the \
                 pipeline's policy is not the change's to edit)"
            )))
        }
    }
}

/// The repository's `scangate.toml`, when it has one. The file is untrusted: it is read only as a
/// regular file, no symlink (a committed link to `/proc/self/environ` would print the runner's
/// environment in a parse error; one to another file of the repository would let a change edit
/// reviewed entries where pull-request mode does not look), and anything else named so is an error.
fn read_repo_config(root: &Path) -> anyhow::Result<Option<SourceFile>> {
    let refused = |why: String| anyhow::anyhow!("the repository's {REPO_CONFIG} was refused: {why}");
    match read_repository_config(root, Path::new(REPO_CONFIG)) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| refused("it is not UTF-8 text".to_string()))?;
            Ok(Some(SourceFile::new(root.join(REPO_CONFIG), text)))
        }
        Err(RepoFileError::Missing { .. }) => Ok(None),
        Err(error) => Err(refused(error.to_string())),
    }
}

/// Resolves the policy of `sources`, printing every problem before this fails.
pub fn resolve_sources(sources: &PolicySources) -> anyhow::Result<Policy> {
    let policy = Policy::resolve(sources, Date::today_utc()).map_err(report_policy_error)?;
    for warning in &policy.warnings {
        tracing::warn!("{warning}");
    }
    Ok(policy)
}

#[allow(clippy::print_stderr)]
fn report_policy_error(error: PolicyError) -> anyhow::Error {
    for diagnostic in error.diagnostics() {
        eprintln!("{diagnostic}");
    }
    anyhow::Error::new(error).context("the policy is invalid")
}

/// Reads `--baseline`: a regular file within [`crate::input::MAX_SARIF_BYTES`].
pub fn read_baseline(path: Option<&Path>) -> anyhow::Result<Option<Baseline>> {
    path.map(|path| {
        let read = crate::input::read_sarif_file(path)
            .and_then(|(bytes, _)| Baseline::from_sarif(path, &bytes).map_err(anyhow::Error::new));
        read.with_context(|| format!("cannot use {} as a baseline", path.display()))
    })
    .transpose()
}

/// One outcome per scanner invocation, as the gate sees it.
pub fn tool_outcomes(result: &ScanResult) -> Vec<ToolOutcome> {
    result
        .outputs()
        .iter()
        .enumerate()
        .map(|(index, raw)| ToolOutcome {
            name: raw.tool.to_string(),
            categories: raw.categories.to_vec(),
            status: tool_status(raw.status),
            applies: raw.applies,
            reason: raw.reason.clone(),
            partial: match raw.limited {
                Some(Limited::Partial(note)) => Some(note.to_string()),
                _ => None,
            },
            gaps: raw.gaps.clone(),
            uncovered: match raw.gaps.is_empty() {
                true => Vec::new(),
                false => categories_of(raw.tool),
            },
            unanalysed: result.timed_out(index).to_vec(),
            tested_kinds: result.tested_kinds(index).to_vec(),
        })
        .collect()
}

/// The categories the scanner `name` covers when nothing limits its run; none for a name that is
/// not a scanner's.
pub fn categories_of(name: &str) -> Vec<Category> {
    scangate_runner::tool_named(name)
        .map(|tool| tool.categories().to_vec())
        .unwrap_or_default()
}

/// The gate's name for a runner status.
pub fn tool_status(status: Status) -> ToolStatus {
    match status {
        Status::Ok => ToolStatus::Ok,
        Status::Skipped => ToolStatus::Skipped,
        Status::Missing => ToolStatus::Missing,
        Status::Error => ToolStatus::Error,
        Status::Timeout => ToolStatus::Timeout,
        Status::Unchanged => ToolStatus::Unchanged,
        Status::Partial => ToolStatus::Partial,
    }
}

/// Writes the verdict's policy suppressions, refused suppressions and severity overrides into
/// the runs, so the SARIF log shows what the gate counted.
pub fn apply_verdict(runs: &mut [ToolRun], verdict: &Verdict) {
    for run in runs {
        for finding in &mut run.findings {
            if let Some(severity) = verdict.overridden.get(&finding.fingerprint) {
                finding.severity = *severity;
            }
            if let Some(refused) = verdict.refused.get(&finding.fingerprint) {
                run.refused_suppressions
                    .insert(finding.fingerprint.clone(), refused.describe());
            }
            if let Some(applied) = verdict.suppressions.get(&finding.fingerprint) {
                let justification = applied.reason.clone().unwrap_or_else(|| applied.status.to_string());
                let suppression = PolicySuppression {
                    justification: Some(justification),
                    status: Some("accepted".into()),
                    origin: Some(applied.location.clone()),
                };
                run.policy_suppressions.insert(finding.fingerprint.clone(), suppression);
            }
        }
    }
}

/// Records which findings the baseline (or PR mode) holds as pre-existing, so the SARIF's
/// `baselineState` lets `scangate gate` over a sharded scan count what this scan counted.
pub fn mark_pre_existing(runs: &mut [ToolRun], baseline: &Baseline) {
    for run in runs {
        let known = run.findings.iter().filter(|f| baseline.contains(&f.fingerprint));
        run.pre_existing = Some(known.map(|f| f.fingerprint.clone()).collect());
    }
}
