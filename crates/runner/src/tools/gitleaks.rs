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
//! In a git root, a second pass, `gitleaks dir --follow-symlinks B/`, reads the files git shows
//! as binary (a NUL byte; gitleaks' git, run outside the work tree, applies no in-tree
//! `.gitattributes`), whose content `git log -p` leaves out: `B` is a
//! scratch directory of links to them at their repository paths. A shallow or partial clone's
//! history, read only in part, is a coverage gap ([`Tool::gaps`]): the run vouches for no category.
//!
//! In pull-request mode (`--base REF`) `--log-opts=REF..HEAD` limits history to the change; in
//! pre-commit mode (`--staged`) `--pre-commit --staged` reads the staged diff.
//!
//! # Exit codes
//! 0 clean, 2 leaks found (the `--exit-code` value), anything else an error. 2 with a report that
//! lists no leak is an error too: the exit code and the report disagree, and neither says which
//! one is wrong.
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
use crate::tool::{parse_json, present_configs, IgnoredConfig, Invocation, Limited, Scope};
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
        if !repo.is_git_toplevel() {
            return vec![root_target("always (files, no git history)")];
        }
        let mut targets = vec![root_target(HISTORY)];
        targets.extend(binary_target(&binary_files(repo, Read::Tree)));
        targets
    }
    /// Pull-request mode scans the commits of the change (`BASE..HEAD`), whatever they touch,
    /// and the files among them that git shows as binary.
    fn changed_targets(&self, targets: Vec<Target>, _changed: &[std::path::PathBuf], scope: &Scope<'_>) -> Vec<Target> {
        let mut targets: Vec<Target> = targets.into_iter().filter(|t| t.trigger != BINARY_FILES).collect();
        if scope.repo.is_git_toplevel() {
            targets.extend(binary_target(&binary_files(scope.repo, Read::of(scope.options))));
        }
        targets
    }
    /// The staged diff, and the staged files git shows as binary.
    fn staged_targets(&self, staged: &[std::path::PathBuf], scope: &Scope<'_>) -> Option<Vec<Target>> {
        let Some(first) = staged.first() else {
            return Some(Vec::new());
        };
        let mut targets = vec![root_target(crate::repo::display(first))];
        if scope.repo.is_git_toplevel() {
            targets.extend(binary_target(&binary_files(scope.repo, Read::Staged)));
        }
        Some(targets)
    }
    fn not_applicable_reason(&self) -> &'static str {
        "always applies"
    }
    /// A history gitleaks would read only in part, silently: a shallow clone's history ends at its
    /// graft, and a partial (blobless) clone's missing contents are not fetched (scangate's git
    /// allows no transport), so the commits of either scan as if clean.
    fn gaps(&self, invocation: &Invocation<'_>) -> Vec<String> {
        let repo = invocation.repo;
        if !repo.is_git_toplevel() || invocation.options.staged.is_some() || binary_pass(invocation) {
            return Vec::new();
        }
        let base = invocation.options.base_ref.as_deref();
        let mut gaps = history_gaps(invocation.root, base);
        // A binary file the change added and removed again is in the history being merged, in
        // no file the binary pass can read.
        if base.is_some() {
            gaps.extend(
                binary_files(repo, Read::of(invocation.options))
                    .gone
                    .iter()
                    .map(|path| {
                        format!(
                            "{} is binary to git in the change's commits and no longer in the work tree: its content \
                     was not scanned for secrets",
                            crate::repo::display(path)
                        )
                    }),
            );
        }
        gaps
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
        let history = invocation.repo.is_git_toplevel() && !binary_pass(invocation);
        let mut args: Vec<OsString> = vec![if history { "git" } else { "dir" }.into()];
        if history {
            args.extend(history_scope(invocation));
        }
        if binary_pass(invocation) {
            args.push("--follow-symlinks".into());
        }
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
        if !invocation.repo.is_git_toplevel() || binary_pass(invocation) {
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
            0 => parse_json::<Vec<serde::de::IgnoredAny>>(output).map(drop),
            2 => match parse_json::<Vec<serde::de::IgnoredAny>>(output)?.is_empty() {
                true => Err("exited with 2 (leaks found), but its report lists no leak".to_string()),
                false => Ok(()),
            },
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

/// The trigger of the history run.
const HISTORY: &str = "git history (.git)";

/// The trigger of the pass over the files git shows as binary.
const BINARY_FILES: &str = "files git shows as binary (git log -p leaves their content out)";

/// True for the pass over the files git shows as binary.
fn binary_pass(invocation: &Invocation<'_>) -> bool {
    invocation.target.trigger == BINARY_FILES
}

/// What gitleaks reads of the repository's history.
#[derive(Clone, Copy)]
enum Read<'a> {
    /// All of HEAD's history (a full scan): its binary files are HEAD's tree's.
    Tree,
    /// The commits `BASE..HEAD` (pull-request mode).
    Change(&'a str),
    /// The staged changes (pre-commit mode).
    Staged,
}

impl<'a> Read<'a> {
    fn of(options: &'a crate::ScanOptions) -> Self {
        match (&options.staged, &options.base_ref) {
            (Some(_), _) => Read::Staged,
            (None, Some(base)) => Read::Change(base),
            (None, None) => Read::Tree,
        }
    }
}

/// The files git shows as binary in the history gitleaks reads.
#[derive(Default)]
struct BinaryFiles {
    /// Regular files in the work tree, not excluded: the binary pass reads them.
    present: Vec<std::path::PathBuf>,
    /// Gone from the work tree (or not regular files).
    gone: Vec<std::path::PathBuf>,
}

/// The binary pass, when there is a file for it.
fn binary_target(files: &BinaryFiles) -> Option<Target> {
    (!files.present.is_empty()).then(|| root_target(BINARY_FILES))
}

/// The files git shows as binary to gitleaks — content with a NUL byte — whose content
/// `git log -p`, and so gitleaks' history scan, leaves out ("Binary files differ"): in HEAD's tree (a full scan), added or modified by any commit of `BASE..HEAD`
/// (pull-request mode), or staged (pre-commit mode), as `--numstat` marks them (`-` for the
/// line counts).
fn binary_files(repo: &RepoIndex, read: Read<'_>) -> BinaryFiles {
    let root = repo.root();
    // Added or modified content only: a deletion brings no content in.
    let numstat = ["--numstat", "-z", "--no-renames", "--diff-filter=AMT"];
    let listed = match read {
        Read::Change(base) => {
            let range = format!("{base}..HEAD");
            let log = [
                &["log", "--format="],
                numstat.as_slice(),
                &crate::DIFF_FLAGS,
                &[range.as_str()],
            ];
            git_as_gitleaks(root, &log.concat())
        }
        Read::Staged => git_as_gitleaks(
            root,
            &[&["diff", "--cached"], numstat.as_slice(), &crate::DIFF_FLAGS].concat(),
        ),
        Read::Tree => git_stdout(root, &["hash-object", "-t", "tree", "/dev/null"]).and_then(|empty| {
            let diff = [
                &["diff"],
                numstat.as_slice(),
                &crate::DIFF_FLAGS,
                &[empty.as_str(), "HEAD"],
            ];
            git_as_gitleaks(root, &diff.concat())
        }),
    };
    let mut paths: Vec<std::path::PathBuf> = listed
        .unwrap_or_default()
        .split('\0')
        .filter_map(|entry| entry.trim_start_matches('\n').strip_prefix("-\t-\t"))
        .map(std::path::PathBuf::from)
        .collect();
    paths.sort();
    paths.dedup();
    let mut files = BinaryFiles::default();
    for path in paths {
        if repo.exclusion_of(&path).is_some() {
            continue;
        }
        let regular = std::fs::symlink_metadata(root.join(&path)).is_ok_and(|m| m.is_file());
        match regular {
            true => files.present.push(path),
            false => files.gone.push(path),
        }
    }
    files
}

/// The source of the binary pass: a scratch directory holding, at their repository paths, links
/// to the files git shows as binary (`gitleaks dir --follow-symlinks` reads them; the reported
/// paths resolve back to the repository's, and no `.gitleaksignore` is in it).
fn binary_source(invocation: &Invocation<'_>) -> OsString {
    let dir = invocation.scratch.join("gitleaks-binary");
    let files = binary_files(invocation.repo, Read::of(invocation.options));
    for path in &files.present {
        let link = dir.join(path);
        let made = link
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::os::unix::fs::symlink(invocation.root.join(path), &link));
        if let Err(error) = made {
            tracing::warn!(%error, path = %link.display(), "cannot link a binary file for gitleaks");
        }
    }
    let mut source = OsString::from(dir);
    source.push("/");
    source
}

/// What makes the history gitleaks reads (`BASE..HEAD`, or all of HEAD's) incomplete.
fn history_gaps(root: &std::path::Path, base: Option<&str>) -> Vec<String> {
    let range = match base {
        Some(base) => format!("{base}..HEAD"),
        None => "HEAD".to_owned(),
    };
    let mut gaps = Vec::new();
    if git_stdout(root, &["rev-parse", "--is-shallow-repository"]).as_deref() == Some("true") {
        let grafts = shallow_grafts(root);
        let cut = match base {
            // The change's history is whole when no graft lies within it.
            Some(_) => git_stdout(root, &["rev-list", &range])
                .unwrap_or_default()
                .lines()
                .any(|commit| grafts.iter().any(|graft| graft == commit)),
            None => true,
        };
        if cut {
            gaps.push(
                "the clone is shallow: the history before its cut was not scanned for secrets; \
                 fetch the whole history (git fetch --unshallow; actions/checkout: fetch-depth: 0)"
                    .to_owned(),
            );
        }
    }
    if is_partial_clone(root) {
        let missing = git_stdout(root, &["rev-list", "--objects", "--missing=print", &range])
            .unwrap_or_default()
            .lines()
            .filter(|line| line.starts_with('?'))
            .count();
        if missing > 0 {
            gaps.push(format!(
                "the clone is partial (a promisor remote): {missing} object(s) of the history scanned were \
                 never fetched, and what they hold was not scanned for secrets; clone without --filter"
            ));
        }
    }
    gaps
}

/// The commits where a shallow clone's history is cut (`.git/shallow`).
fn shallow_grafts(root: &std::path::Path) -> Vec<String> {
    let Some(file) = git_stdout(root, &["rev-parse", "--git-path", "shallow"]) else {
        return Vec::new();
    };
    std::fs::read_to_string(root.join(file))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A partial clone: `extensions.partialClone` set, or a promisor pack present.
fn is_partial_clone(root: &std::path::Path) -> bool {
    if git_stdout(root, &["config", "--get", "extensions.partialClone"]).is_some_and(|remote| !remote.is_empty()) {
        return true;
    }
    let Some(packs) = git_stdout(root, &["rev-parse", "--git-path", "objects/pack"]) else {
        return false;
    };
    std::fs::read_dir(root.join(packs)).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| entry.path().extension().is_some_and(|ext| ext == "promisor"))
    })
}

/// The stdout of git run as gitleaks' own git runs ([`Gitleaks::env`]): `GIT_DIR` and
/// `GIT_WORK_TREE` set, from a directory outside the work tree. There no in-tree
/// `.gitattributes` applies, so what it shows as binary is what gitleaks' `git log -p` leaves
/// out: content with a NUL byte.
fn git_as_gitleaks(root: &std::path::Path, args: &[&str]) -> Option<String> {
    let mut command = crate::git_command(root).ok()?;
    command
        .args(["-C", "/"])
        .env("GIT_DIR", root.join(".git"))
        .env("GIT_WORK_TREE", root);
    if let Some(index) = absolute_index_file() {
        command.env("GIT_INDEX_FILE", index);
    }
    let output = command.args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The trimmed stdout of a git command that succeeded in `root` ([`crate::git_command`]).
fn git_stdout(root: &std::path::Path, args: &[&str]) -> Option<String> {
    let output = crate::git_command(root).ok()?.args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
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
    if binary_pass(invocation) {
        return binary_source(invocation);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks_found_needs_a_leak_in_the_report() {
        assert!(Gitleaks.judge(0, b"[]", "").is_ok());
        assert!(Gitleaks.judge(2, br#"[{"RuleID": "aws-access-token"}]"#, "").is_ok());
        let reason = Gitleaks.judge(2, b"[]", "").unwrap_err();
        assert!(reason.contains("lists no leak"), "{reason}");
    }
}
