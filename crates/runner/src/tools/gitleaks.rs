//! gitleaks: secrets in the working tree or in git history.
//!
//! # Invocation
//! `gitleaks git` when the scanned root is the top of a git work tree with commits (history),
//! otherwise `gitleaks dir`; both with `--report-format json --report-path F --redact --no-banner
//! --exit-code 2`, run in the root on `.`.
//!
//! In pull-request mode (`--base REF`) `--log-opts=REF..HEAD` limits history to the change; in
//! pre-commit mode (`--staged`) `--pre-commit --staged` reads the staged diff.
//!
//! # Exit codes
//! 0 clean, 2 leaks found (the `--exit-code` value), anything else an error.
//!
//! # Known traps
//! gitleaks exits 0 when its `git log` child fails, so the runner decides history mode itself
//! (`RepoIndex::is_git_toplevel`). `--redact` keeps secret values out of the report.

use std::ffi::OsString;

use crate::tool::{parse_json, Invocation};
use crate::tools::root_target;
use crate::{Category, RepoIndex, Target, Tool};

pub(crate) struct Gitleaks;

impl Tool for Gitleaks {
    fn name(&self) -> &'static str {
        "gitleaks"
    }
    fn executable(&self) -> &'static str {
        "gitleaks"
    }
    fn categories(&self) -> &'static [Category] {
        &[Category::Secrets]
    }
    fn version_args(&self) -> &'static [&'static str] {
        &["version"]
    }
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        let trigger = if repo.is_git_toplevel() {
            "git history (.git)"
        } else {
            "always (files, no git history)"
        };
        vec![root_target(trigger)]
    }
    fn staged_targets(&self, staged: &[std::path::PathBuf]) -> Option<Vec<Target>> {
        Some(
            staged
                .first()
                .map(|first| root_target(crate::repo::display(first)))
                .into_iter()
                .collect(),
        )
    }
    fn not_applicable_reason(&self) -> &'static str {
        "always applies"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let mode = if invocation.repo.is_git_toplevel() {
            "git"
        } else {
            "dir"
        };
        let mut args: Vec<OsString> = vec![mode.into()];
        args.extend(history_scope(invocation));
        args.extend(["--report-format", "json", "--report-path"].map(OsString::from));
        args.push(invocation.output.into());
        args.extend(
            [
                "--redact",
                "--no-banner",
                "--exit-code",
                "2",
                "--log-level",
                "warn",
                ".",
            ]
            .map(OsString::from),
        );
        args
    }
    fn judge(&self, exit_code: i32, output: &[u8], _stderr: &str) -> Result<(), String> {
        match exit_code {
            0 | 2 => parse_json::<Vec<serde::de::IgnoredAny>>(output).map(drop),
            code => Err(format!("exited with {code} (0 = clean, 2 = leaks found)")),
        }
    }
}

/// What part of history `gitleaks git` reads: the staged diff (pre-commit), the commits of a
/// pull request (`--log-opts=BASE..HEAD`), or everything.
fn history_scope(invocation: &Invocation<'_>) -> Vec<OsString> {
    if !invocation.repo.is_git_toplevel() {
        return Vec::new();
    }
    if invocation.options.staged.is_some() {
        return vec!["--pre-commit".into(), "--staged".into()];
    }
    match &invocation.options.base_ref {
        Some(base) => vec![format!("--log-opts={base}..HEAD").into()],
        None => Vec::new(),
    }
}
