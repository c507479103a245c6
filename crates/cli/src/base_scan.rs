//! Pull-request mode's other side: the scanner invocations the change calls for, run again on the
//! merge base's version of the repository, so that a finding the base already had stays
//! pre-existing wherever the change touched its file. The change's findings are head's minus
//! base's, by fingerprint (identical findings carry an occurrence index, so a copy of an old
//! finding is one more, and new).
//!
//! The base is the commit the change's diff starts from: reviewed, trusted input, exported with
//! `git archive` into a private directory. Only the scanners with a finding the change would
//! count run there, so a change without one costs no base scan; gitleaks never does: in
//! pull-request mode it reads only the change's commits, all of which are the change's. A scanner
//! whose base run did not end `ok` subtracts nothing: every finding it reports in a changed file
//! counts as new.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use scangate_gate::Change;
use scangate_invocation::{Cache, Parsing};
use scangate_normalizer::Finding;
use scangate_runner::ScanOptions;

/// The scanner whose pull-request run reads only the change's commits.
const GITLEAKS: &str = "gitleaks";

/// What the scanners found on the base's version of the change's inputs.
#[derive(Debug, Default)]
pub struct BaseFindings {
    /// The fingerprint of every finding there.
    fingerprints: HashSet<String>,
    /// Tools whose base run did not end `ok`, with what happened.
    failed: BTreeMap<String, String>,
}

impl BaseFindings {
    /// True when the base already had `finding`, as its tool saw it there.
    pub fn holds(&self, finding: &Finding) -> bool {
        let tool_failed = finding.tools.iter().any(|tool| self.failed.contains_key(tool));
        !tool_failed && self.fingerprints.contains(&finding.fingerprint)
    }

    /// One line per tool that could not be run on the base.
    pub fn warnings(&self) -> Vec<String> {
        self.failed
            .iter()
            .map(|(tool, what)| {
                format!(
                    "{tool} could not scan the base ({what}): every finding it reports in a changed file counts as new"
                )
            })
            .collect()
    }
}

/// What the base is scanned for: the tools that reported a finding the change would count
/// (gitleaks aside), on the files those findings lie in. Empty for a change with no such
/// finding, which costs no base scan.
#[derive(Debug, Default, PartialEq)]
struct BaseScope {
    tools: Vec<String>,
    files: Vec<PathBuf>,
}

impl BaseScope {
    /// The base scope of `findings`, the head's, under `change`.
    fn of(findings: &[Finding], change: &Change) -> BaseScope {
        let counted: Vec<&Finding> = findings
            .iter()
            .filter(|finding| change.introduced(finding))
            .filter(|finding| finding.tools.iter().any(|tool| tool != GITLEAKS))
            .collect();
        let tools: BTreeSet<&str> = counted
            .iter()
            .flat_map(|finding| finding.tools.iter().map(String::as_str))
            .filter(|tool| *tool != GITLEAKS)
            .collect();
        let files: BTreeSet<&str> = counted
            .iter()
            .filter_map(|finding| finding.location.as_ref())
            .map(|location| location.path.as_str())
            .collect();
        BaseScope {
            tools: tools.into_iter().map(str::to_owned).collect(),
            files: files.into_iter().map(PathBuf::from).collect(),
        }
    }

    /// True when nothing needs the base.
    fn is_empty(&self) -> bool {
        self.tools.is_empty() || self.files.is_empty()
    }
}

/// What the merge base of `base_ref` had of the findings `change` would count ([`BaseScope`]);
/// `None` when it has none to be asked about, which costs nothing.
pub async fn base_findings(
    root: &Path,
    base_ref: &str,
    change: &Change,
    findings: &[Finding],
    options: &ScanOptions,
    parsing: &Parsing,
    cache: Option<&Cache>,
) -> anyhow::Result<Option<BaseFindings>> {
    let scope = BaseScope::of(findings, change);
    if scope.is_empty() {
        return Ok(None);
    }
    let merge_base = crate::git::merge_base(root, base_ref)?;
    tracing::info!(%merge_base, ?scope, "scanning the base's version of the change's inputs");
    let base = scan_base(root, &merge_base, options, &scope, parsing, cache).await?;
    Ok(Some(base))
}

/// Scans `merge_base`'s version of `root` with the invocations `options` (pull-request mode)
/// plans for `scope`.
async fn scan_base(
    root: &Path,
    merge_base: &str,
    options: &ScanOptions,
    scope: &BaseScope,
    parsing: &Parsing,
    cache: Option<&Cache>,
) -> anyhow::Result<BaseFindings> {
    let base_dir = tempfile::Builder::new()
        .prefix("scangate-base-")
        .tempdir()
        .context("cannot make a directory for the base version")?;
    crate::git::export_tree(root, merge_base, base_dir.path())?;
    let options = base_options(options, scope);
    let plan = scangate_runner::plan(base_dir.path(), &options).context("cannot plan the scan of the base")?;
    let parsing = Parsing {
        root: plan.repo.root().to_path_buf(),
        ..parsing.clone()
    };
    let result = scangate_invocation::execute(plan, &options, &parsing, cache, &())
        .await
        .assemble(Vec::new());
    let failed = result
        .outputs()
        .iter()
        .filter(|raw| raw.status.is_failure())
        .map(|raw| {
            let what = raw.reason.clone().unwrap_or_else(|| raw.status.as_str().to_string());
            (raw.tool.to_string(), what)
        })
        .collect();
    Ok(BaseFindings {
        fingerprints: result.findings().map(|f| f.fingerprint.clone()).collect(),
        failed,
    })
}

/// The head's options for the base, narrowed to `scope`: its tools (never gitleaks, whose
/// history is the change's commits, scanned on the head) on its files, as changed files.
fn base_options(head: &ScanOptions, scope: &BaseScope) -> ScanOptions {
    let mut options = head.clone();
    options.base_ref = None;
    options.staged = None;
    options.only = scope.tools.clone();
    options.changed = Some(scope.files.clone());
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(tool: &str, fingerprint: &str) -> Finding {
        let mut finding = Finding::new(
            tool,
            scangate_normalizer::Kind::Code,
            "rule",
            scangate_normalizer::Severity::High,
        );
        finding.fingerprint = fingerprint.to_string();
        finding
    }

    #[test]
    fn a_failed_base_run_holds_nothing_of_its_tool() {
        let base = BaseFindings {
            fingerprints: HashSet::from(["old".to_string()]),
            failed: BTreeMap::from([("gosec".to_string(), "exited with 1".to_string())]),
        };
        assert!(base.holds(&finding("semgrep", "old")));
        assert!(!base.holds(&finding("semgrep", "new")));
        assert!(!base.holds(&finding("gosec", "old")), "gosec's base run failed");
        assert_eq!(
            base.warnings(),
            ["gosec could not scan the base (exited with 1): every finding it reports in a changed file counts as new"]
        );
    }

    #[test]
    fn the_base_runs_the_tools_with_counted_findings_on_their_files_and_never_gitleaks() {
        let mut change = Change::default();
        change.add_file("app/a.py");
        change.add_file("app/clean.py");
        let at = |tool: &str, path: &str| {
            let mut finding = finding(tool, path);
            finding.location = Some(scangate_normalizer::Location {
                path: path.to_string(),
                start_line: Some(1),
                end_line: Some(1),
                start_column: None,
                end_column: None,
            });
            finding
        };
        let findings = [
            at("semgrep", "app/a.py"),
            at("gitleaks", "app/b.py"),
            at("trivy", "Dockerfile"),
        ];
        let scope = BaseScope::of(&findings, &change);
        assert_eq!(
            scope,
            BaseScope {
                tools: vec!["semgrep".into()],
                files: vec!["app/a.py".into()],
            },
            "trivy's finding is outside the change, gitleaks never runs on the base"
        );
        let head = ScanOptions {
            base_ref: Some("abc".into()),
            changed: Some(vec!["app/a.py".into(), "app/clean.py".into()]),
            ..ScanOptions::default()
        };
        let base = base_options(&head, &scope);
        assert_eq!(base.base_ref, None);
        assert_eq!(base.only, ["semgrep"]);
        assert_eq!(base.changed, Some(vec!["app/a.py".into()]));
        assert!(BaseScope::of(&findings[2..], &change).is_empty(), "no base scan needed");
    }
}
