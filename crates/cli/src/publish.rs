//! Where the reports go: GitHub workflow annotations on stdout and the Markdown step summary
//! appended to `$GITHUB_STEP_SUMMARY`; GitLab security and Code Quality reports in a directory
//! (both picked automatically inside GitHub Actions and GitLab CI); reviewdog's diagnostics to
//! `--rdjson`; the HTML page to `--html`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use scangate_gate::Verdict;
use scangate_normalizer::{Finding, ToolRun};

use crate::summary::Summary;
use scangate_reports::{codequality, github, gitlab, html, rdjson, ReportContext, SourceLink, ToolStatus};

/// The GitLab report directory used inside GitLab CI when `--gitlab-dir` is not given.
const GITLAB_DEFAULT_DIR: &str = "gl-reports";

/// Which CI reports to write.
pub struct Targets {
    /// GitHub annotations and step summary.
    pub github: bool,
    /// Whether the GitHub annotations may go to stdout: not when stdout carries the summary
    /// JSON or the SARIF log.
    pub annotations: bool,
    /// GitLab reports into this directory.
    pub gitlab_dir: Option<PathBuf>,
    /// reviewdog's diagnostics (`--rdjson`) into this file.
    pub rdjson: Option<PathBuf>,
}

impl Targets {
    /// `--format github` or `GITHUB_ACTIONS=true`; `--gitlab-dir` or `GITLAB_CI=true`; no rdjson.
    pub fn resolve(format_github: bool, gitlab_dir: Option<PathBuf>) -> Self {
        let env_true = |key: &str| std::env::var(key).is_ok_and(|v| v == "true");
        Targets {
            github: format_github || env_true("GITHUB_ACTIONS"),
            annotations: true,
            gitlab_dir: gitlab_dir.or_else(|| env_true("GITLAB_CI").then(|| PathBuf::from(GITLAB_DEFAULT_DIR))),
            rdjson: None,
        }
    }
}

/// The findings that count: not suppressed natively or by the policy.
pub fn counting_findings(runs: &[ToolRun], verdict: &Verdict) -> Vec<Finding> {
    runs.iter()
        .flat_map(|run| run.findings.iter())
        .filter(|f| !verdict.is_suppressed(f))
        .cloned()
        .collect()
}

/// The commit the CI system says it checked out (`GITHUB_SHA`, `CI_COMMIT_SHA`), when it says.
pub fn ci_commit() -> Option<String> {
    ["GITHUB_SHA", "CI_COMMIT_SHA"]
        .into_iter()
        .find_map(|key| std::env::var(key).ok().filter(|value| !value.is_empty()))
}

/// What was scanned, as the reports name it.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The CI's name of the repository (`GITHUB_REPOSITORY`, `CI_PROJECT_PATH`), else the scanned
    /// directory's name.
    pub repository: String,
    /// The commit the CI checked out, else the scanned repository's `HEAD`; `None` outside git.
    pub commit: Option<String>,
}

impl Revision {
    /// The revision of the repository scanned at `root`.
    pub fn of(root: &Path) -> Revision {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let ci_repository = if var("GITHUB_ACTIONS").as_deref() == Some("true") {
            var("GITHUB_REPOSITORY")
        } else if var("GITLAB_CI").as_deref() == Some("true") {
            var("CI_PROJECT_PATH")
        } else {
            None
        };
        let directory_name = || {
            root.file_name().map_or_else(
                || root.display().to_string(),
                |name| name.to_string_lossy().into_owned(),
            )
        };
        Revision {
            repository: ci_repository.unwrap_or_else(directory_name),
            commit: ci_commit().or_else(|| crate::git::verify_commit(root, "HEAD").ok()),
        }
    }
}

/// Writes every report `targets` asks for.
pub fn publish(targets: &Targets, findings: &[Finding], summary: &Summary, started: SystemTime) -> anyhow::Result<()> {
    if let Some(path) = &targets.rdjson {
        publish_rdjson(path, findings)?;
    }
    if !targets.github && targets.gitlab_dir.is_none() {
        return Ok(());
    }
    with_context(summary, started, |context| {
        if targets.github {
            publish_github(findings, context, targets.annotations)?;
        }
        if let Some(dir) = &targets.gitlab_dir {
            publish_gitlab(dir, findings, context)?;
        }
        Ok(())
    })
}

/// Writes the HTML report (`--html`) to `path`.
pub fn publish_html(path: &Path, run: &html::Run<'_>, summary: &Summary, started: SystemTime) -> anyhow::Result<()> {
    let page = with_context(summary, started, |context| html::page(context, run));
    let mut file = create_output(path, "HTML report")?;
    file.write_all(page.as_bytes())
        .with_context(|| format!("cannot write the HTML report to {}", path.display()))
}

/// Writes reviewdog's diagnostics (`--rdjson`) of `findings` to `path`.
fn publish_rdjson(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let text = serde_json::to_vec_pretty(&rdjson::report(findings))?;
    let mut file = create_output(path, "rdjson report")?;
    file.write_all(&text)
        .with_context(|| format!("cannot write the rdjson report to {}", path.display()))
}

/// Calls `report` with what every report says besides the findings, from the summary and the
/// CI environment.
fn with_context<T>(summary: &Summary, started: SystemTime, report: impl FnOnce(&ReportContext<'_>) -> T) -> T {
    let tools: Vec<ToolStatus<'_>> = summary
        .tools
        .iter()
        .map(|t| ToolStatus {
            name: &t.name,
            status: t.status.as_str(),
            version: t.version.as_deref(),
            duration_ms: t.duration_ms,
            coverage: t.scope.as_deref().or(t.reason.as_deref()),
            file_errors: t.file_errors,
        })
        .collect();
    let refused: Vec<String> = summary.refused_suppressions.iter().map(|r| r.message.clone()).collect();
    let commit = ci_commit();
    let context = ReportContext {
        verdict: summary.verdict,
        level_label: &summary.level_label,
        violations: &summary.violations,
        warnings: &summary.warnings,
        refused_suppressions: &refused,
        suppressed_by_origin: &summary.suppressed_by_origin,
        tools: &tools,
        source: SourceLink::new(
            std::env::var("GITHUB_SERVER_URL").ok(),
            std::env::var("GITHUB_REPOSITORY").ok(),
            commit.clone(),
        ),
        commit,
        started,
        finished: SystemTime::now(),
    };
    report(&context)
}

fn publish_github(findings: &[Finding], context: &ReportContext<'_>, annotations: bool) -> anyhow::Result<()> {
    if annotations {
        std::io::stdout()
            .lock()
            .write_all(github::annotations(findings).as_bytes())?;
    }
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    // Appended: other steps of the job write to the same file.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot write the step summary to {}", Path::new(&path).display()))?;
    file.write_all(github::step_summary(findings, context).as_bytes())?;
    Ok(())
}

/// Creates the file `path` for the report named `what`, and its missing parent directories: a CI
/// job on a fresh checkout asks for `gl-reports/scangate.sarif` before anything made `gl-reports`.
pub fn create_output(path: &Path, what: &str) -> anyhow::Result<std::fs::File> {
    let cannot = || format!("cannot write the {what} to {}", path.display());
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(cannot)?;
    }
    std::fs::File::create(path).with_context(cannot)
}

fn publish_gitlab(dir: &Path, findings: &[Finding], context: &ReportContext<'_>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |name: &str, json: &serde_json::Value| -> anyhow::Result<()> {
        let path = dir.join(name);
        let text = serde_json::to_vec_pretty(json)?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    for report in gitlab::security_reports(findings, context) {
        write(report.file_name, &report.json)?;
    }
    write(codequality::FILE_NAME, &codequality::report(findings))
}
