//! gitleaks: secrets in the working tree or in git history.
//!
//! # Invocation
//! `gitleaks git` when the scanned root is the top of a git work tree with commits (history),
//! otherwise `gitleaks dir`; both with `--config C --gitleaks-ignore-path E --report-format json
//! --report-path F --no-banner --exit-code 2 --log-level warn S`, run in the root. `C` is
//! a scratch config that extends gitleaks' embedded default rules (`[extend] useDefault = true`),
//! `E` an empty scratch file.
//!
//! The repository is untrusted, so gitleaks reads none of its files but the ones it scans: its
//! `.gitleaks.toml` (allowlists would hide findings unseen) is not applied and is reported, and
//! its `.gitleaksignore` is applied by scangate itself, as reported suppressions (the normalizer's
//! gitleaks parser). `--ignore-gitleaks-allow` reports the leaks on lines marked
//! `gitleaks:allow` (gitleaks would drop them unseen); the parser applies the marker as a
//! reported suppression with its line. The source `S` is what keeps gitleaks from both files:
//! - history: an empty scratch directory, with `GIT_DIR` (the root's `.git`) and `GIT_WORK_TREE`
//!   (the root) in the environment, so its `git -C S log` / `git -C S diff` read the repository;
//! - `dir`: `T/` (with the slash, so the walk enters it), where `T` is a scratch symlink to the
//!   root. The reported paths start with the unguessable scratch path, so no entry of the
//!   repository's `.gitleaksignore` matches; the normalizer resolves them back to the root.
//!
//! In pull-request mode (`--base REF`) `--log-opts=REF..HEAD` limits history to the change; in
//! pre-commit mode (`--staged`) `--pre-commit --staged` reads the staged diff.
//!
//! # Exit codes
//! 0 clean, 2 leaks found (the `--exit-code` value), anything else an error.
//!
//! # Known traps
//! gitleaks exits 0 when its `git log` child fails, so the runner decides history mode itself
//! (`RepoIndex::is_git_toplevel`). There is no `--redact`: scangate learns the secret values from
//! the report (a 0600 file in the 0700 scratch directory, removed after the run; the copy under
//! `--raw-dir` is scrubbed) to scrub them from every output, since other scanners quote them
//! (normalizer `secrets`). The fingerprints are the same as with `--redact`. gitleaks
//! 8.30 reads `S/.gitleaksignore` whatever `--gitleaks-ignore-path` says, and that flag defaults
//! to the working directory, so both must point away from the repository. Without `--config` it
//! reads `GITLEAKS_CONFIG`, `GITLEAKS_CONFIG_TOML`, then `S/.gitleaks.toml`. In a pre-commit hook
//! git sets `GIT_INDEX_FILE=.git/index`, relative to the work tree: with `git -C S` that would
//! read no index (every staged change unseen), so it is passed on absolute. gitleaks' `git diff
//! --staged` (pre-commit) and `git log -p` pass no `--no-textconv`: the repository's textconv
//! driver would run and replace the content it scans, hiding a secret, and its fsmonitor would run
//! too. Like every scanner child, gitleaks gets [`crate::git_env`] (merged after `GIT_DIR`,
//! `GIT_WORK_TREE` and `GIT_INDEX_FILE`), which holds them off.

use std::ffi::OsString;

use crate::scratch;
use crate::tool::{parse_json, present_configs, IgnoredConfig, Invocation, Limited};
use crate::tools::root_target;
use crate::{Category, RepoIndex, Target, Tool};

pub(crate) struct Gitleaks;

/// gitleaks' embedded default rules, without any file of the repository.
const DEFAULT_RULES: &str = "# scangate: gitleaks' embedded default rules\n[extend]\nuseDefault = true\n";

/// Why the repository's `.gitleaks.toml` is not read.
const CONFIG_IGNORED: &str = "its rules and allowlists were not applied (gitleaks ran with its default rules); \
     suppress findings in a trusted --policy file instead";

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
    /// Pull-request mode scans the commits of the change (`BASE..HEAD`), whatever they touch.
    fn changed_targets(&self, targets: Vec<Target>, _changed: &[std::path::PathBuf]) -> Vec<Target> {
        targets
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
    fn limited(&self, invocation: &Invocation<'_>) -> Option<Limited> {
        let scope = if !invocation.repo.is_git_toplevel() {
            "partial: files only, no git history (not a git repository top level)"
        } else if invocation.options.staged.is_some() {
            "partial: the staged changes only (--staged), not the git history"
        } else if invocation.options.base_ref.is_some() {
            "partial: the commits since --base only, not the whole git history"
        } else {
            return None;
        };
        Some(Limited::Partial(scope))
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let scratch = invocation.scratch;
        let mode = if invocation.repo.is_git_toplevel() {
            "git"
        } else {
            "dir"
        };
        let mut args: Vec<OsString> = vec![mode.into()];
        args.extend(history_scope(invocation));
        args.push("--config".into());
        args.push(scratch::shared_file(scratch, "gitleaks.toml", DEFAULT_RULES.as_bytes()).into());
        args.push("--gitleaks-ignore-path".into());
        args.push(scratch::shared_file(scratch, "gitleaks-no-ignores", b"").into());
        // Lines marked `gitleaks:allow` are reported; the parser applies the marker, with its origin.
        args.push("--ignore-gitleaks-allow".into());
        args.extend(["--report-format", "json", "--report-path"].map(OsString::from));
        args.push(invocation.output.into());
        args.extend(["--no-banner", "--exit-code", "2", "--log-level", "warn"].map(OsString::from));
        args.push(source(invocation));
        args
    }
    fn env(&self, invocation: &Invocation<'_>) -> Vec<(OsString, OsString)> {
        if !invocation.repo.is_git_toplevel() {
            return Vec::new();
        }
        let mut env: Vec<(OsString, OsString)> = vec![
            ("GIT_DIR".into(), invocation.root.join(".git").into()),
            ("GIT_WORK_TREE".into(), invocation.root.into()),
        ];
        env.extend(absolute_index_file().map(|index| ("GIT_INDEX_FILE".into(), index.into())));
        env
    }
    fn ignored_configs(&self, invocation: &Invocation<'_>) -> Vec<IgnoredConfig> {
        present_configs(self, invocation, [".gitleaks.toml".into()], CONFIG_IGNORED)
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

/// A pre-commit hook's git hands over `GIT_INDEX_FILE` relative to the hook's working directory
/// (`.git/index`), where scangate runs; gitleaks' git runs in its scratch source instead, so a
/// relative index is made absolute. `None` leaves the environment as it is.
fn absolute_index_file() -> Option<std::path::PathBuf> {
    let index = std::path::PathBuf::from(std::env::var_os("GIT_INDEX_FILE")?);
    if index.is_absolute() {
        return None;
    }
    Some(std::env::current_dir().ok()?.join(index))
}

/// The source gitleaks is given: a directory without the repository's `.gitleaksignore` and
/// `.gitleaks.toml` (history: git finds the repository through `GIT_DIR`), or a scratch link to
/// the root whose path no `.gitleaksignore` entry can name (`dir`).
fn source(invocation: &Invocation<'_>) -> OsString {
    if invocation.repo.is_git_toplevel() {
        let empty = invocation.scratch.join("gitleaks-source");
        if let Err(error) = scratch::private_dir(&empty) {
            tracing::warn!(%error, path = %empty.display(), "cannot create gitleaks' source directory");
        }
        return empty.into();
    }
    let link = invocation.scratch.join("gitleaks-tree");
    if !link.exists() {
        if let Err(error) = std::os::unix::fs::symlink(invocation.root, &link) {
            tracing::warn!(%error, path = %link.display(), "cannot link the root into the scratch directory");
        }
    }
    let mut source = OsString::from(link);
    // With the slash, gitleaks' walk enters the link instead of skipping it as a symlink.
    source.push("/");
    source
}
