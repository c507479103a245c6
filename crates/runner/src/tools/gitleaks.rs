//! gitleaks: secrets in the working tree or in git history.
//!
//! # Invocation
//! `gitleaks git` when the scanned root is the top of a git work tree with commits (history),
//! otherwise `gitleaks dir`; both with `--config C --gitleaks-ignore-path E --report-format json
//! --report-path F --no-banner --exit-code 2 --log-level warn S`, run in the root. `C` is
//! gitleaks' default rules without their allowlists by path, which `scangate install` derives
//! into the tools directory ([`rules_without_path_allowlists`]): those allowlists skip whole
//! files by name (`node_modules/`, lockfiles …), where a change could hide a secret. Without that
//! file, `C` extends gitleaks' embedded defaults (`[extend] useDefault = true`) and the run is a
//! coverage gap. `E` is an empty scratch file.
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
//! The history scans pass `--log-opts` with `--text --no-textconv --no-ext-diff`: without
//! `--text`, `git log -p` shows a file with a NUL byte as "Binary files differ" and gitleaks
//! never reads any version of it; `--no-textconv` and `--no-ext-diff` keep the repository's diff
//! drivers from replacing what is scanned. A full scan reads what gitleaks reads without
//! `--log-opts` (`--full-history --all --diff-filter=tuxdb`); pull-request mode (`--base REF`)
//! `REF..HEAD`, the change's commits. Pre-commit mode (`--staged`) reads the staged diff
//! (`--pre-commit --staged`, which takes no git options), and a second pass, `gitleaks dir
//! --follow-symlinks B/`, reads the staged files git shows as binary: `B` is a scratch directory
//! of links to them at their repository paths. A shallow or partial clone's history, read only in
//! part, is a coverage gap ([`Tool::gaps`]): the run vouches for no category.
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

/// gitleaks' embedded default rules, without any file of the repository: only when the rules
/// `scangate install` derives ([`rules_without_path_allowlists`]) are missing, and then a gap.
const DEFAULT_RULES: &str = "# scangate: gitleaks' embedded default rules\n[extend]\nuseDefault = true\n";

/// The rules this run gives gitleaks: the installed derived rules, when they are there. They sit
/// beside the executable itself, wherever a symlink to it is found.
fn rules_file() -> Option<std::path::PathBuf> {
    crate::locate::resolve("gitleaks")
        .map(|found| std::fs::canonicalize(&found).unwrap_or(found))
        .and_then(|executable| crate::locate::derived_rules(&executable))
        .filter(|rules| rules.is_file())
}

/// gitleaks' default configuration (its `config/gitleaks.toml`, read from the pinned module by
/// `scangate install`) with every allowlist by path removed. Those allowlists skip whole files by
/// name (`node_modules/`, `vendor/github.com/…`, lockfiles, `go.sum`, images, any path ending in
/// `@octokit/auth-token/README.md` …), so a change could hide a secret by where it puts it; the
/// allowlists by value (placeholder regexes, stopwords) stay. An allowlist whose paths were one
/// of the conditions it requires together (`condition = "AND"`) is removed whole: what is left of
/// it would allow more, not less. Nothing of the rules is copied into scangate: the file is made
/// at install time, from the module the pinned binary is built from.
pub(crate) fn rules_without_path_allowlists(default: &str, version: &str) -> Result<String, String> {
    let mut config: toml::Table = default.parse().map_err(|error| format!("is not TOML: {error}"))?;
    drop_path_allowlists(&mut config);
    if let Some(toml::Value::Array(rules)) = config.get_mut("rules") {
        rules
            .iter_mut()
            .filter_map(toml::Value::as_table_mut)
            .for_each(drop_path_allowlists);
    }
    let rules = toml::to_string(&config).map_err(|error| format!("cannot be written back: {error}"))?;
    Ok(format!(
        "# gitleaks {version}'s default rules without the allowlists by path, made by `scangate install`.\n{rules}"
    ))
}

/// Removes the path criteria of the allowlists `owner` (the configuration or one rule) holds, in
/// both spellings (`[allowlist]`, `[[allowlists]]`).
fn drop_path_allowlists(owner: &mut toml::Table) {
    if let Some(toml::Value::Table(allowlist)) = owner.get_mut("allowlist") {
        if !without_paths(allowlist) {
            owner.remove("allowlist");
        }
    }
    if let Some(toml::Value::Array(allowlists)) = owner.get_mut("allowlists") {
        allowlists.retain_mut(|allowlist| allowlist.as_table_mut().is_some_and(without_paths));
        if allowlists.is_empty() {
            owner.remove("allowlists");
        }
    }
}

/// Removes the paths of one allowlist; false when the allowlist must go whole: nothing is left
/// to allow by, or its paths were required together with the rest.
fn without_paths(allowlist: &mut toml::Table) -> bool {
    if allowlist.remove("paths").is_none() {
        return true;
    }
    let all_required = allowlist
        .get("condition")
        .and_then(toml::Value::as_str)
        .is_some_and(|condition| condition.eq_ignore_ascii_case("AND"));
    let allows_by_value = ["regexes", "stopwords", "commits"].iter().any(|criterion| {
        allowlist
            .get(*criterion)
            .and_then(toml::Value::as_array)
            .is_some_and(|values| !values.is_empty())
    });
    allows_by_value && !all_required
}

/// The gap of a run with gitleaks' default allowlist.
const MISSING_RULES: &str = "gitleaks ran with its default allowlist, which skips whole paths (node_modules/, \
     vendor/github.com/…, lockfiles, go.sum …): the rules without it that `scangate install gitleaks` makes beside \
     the executable (share/gitleaks-rules.toml) are missing";

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
        vec![root_target(HISTORY)]
    }
    /// Pull-request mode scans the commits of the change (`BASE..HEAD`), whatever they touch.
    fn changed_targets(
        &self,
        targets: Vec<Target>,
        _changed: &[std::path::PathBuf],
        _scope: &Scope<'_>,
    ) -> Vec<Target> {
        targets
    }
    /// The staged diff, and the staged files git shows as binary.
    fn staged_targets(&self, staged: &[std::path::PathBuf], scope: &Scope<'_>) -> Option<Vec<Target>> {
        let Some(first) = staged.first() else {
            return Some(Vec::new());
        };
        let mut targets = vec![root_target(crate::repo::display(first))];
        if scope.repo.is_git_toplevel() {
            targets.extend(binary_target(&staged_binary_files(scope.repo)));
        }
        Some(targets)
    }
    fn not_applicable_reason(&self) -> &'static str {
        "always applies"
    }
    /// A history gitleaks would read only in part, silently: a shallow clone's history ends at its
    /// graft, and a partial (blobless) clone's missing contents are not fetched (scangate's git
    /// allows no transport), so the commits of either scan as if clean.
    /// Without the rules `scangate install` derives, gitleaks' default allowlist skips whole paths.
    fn gaps(&self, invocation: &Invocation<'_>) -> Vec<String> {
        let mut gaps: Vec<String> = match rules_file() {
            Some(_) => Vec::new(),
            None => vec![MISSING_RULES.to_owned()],
        };
        let repo = invocation.repo;
        if !repo.is_git_toplevel() || invocation.options.staged.is_some() || binary_pass(invocation) {
            return gaps;
        }
        gaps.extend(history_gaps(invocation.root, invocation.options.base_ref.as_deref()));
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
        args.push(match rules_file() {
            Some(rules) => rules.into(),
            None => scratch::shared_file(scratch, "gitleaks.toml", DEFAULT_RULES.as_bytes()).into(),
        });
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
/// pull request (`BASE..HEAD`), or everything (what gitleaks reads without `--log-opts`: every
/// ref, deletions left out). Both histories with `--text`: `git log -p` would show a file with a
/// NUL byte as "Binary files differ", with no content, so every version of it in the history
/// would go unread; with `--text` its content is in the patch like any other. gitleaks splits
/// `--log-opts` at spaces, and none of these holds one (a ref name cannot).
fn history_scope(invocation: &Invocation<'_>) -> Vec<OsString> {
    if !invocation.repo.is_git_toplevel() {
        return Vec::new();
    }
    if invocation.options.staged.is_some() {
        return vec!["--pre-commit".into(), "--staged".into()];
    }
    let range = match &invocation.options.base_ref {
        Some(base) => format!("{base}..HEAD"),
        None => "--full-history --all --diff-filter=tuxdb".to_owned(),
    };
    vec![format!("--log-opts=--text --no-textconv --no-ext-diff {range}").into()]
}

/// The trigger of the history run.
const HISTORY: &str = "git history (.git)";

/// The trigger of the pass over the staged files git shows as binary.
const BINARY_FILES: &str = "staged files git shows as binary (git diff leaves their content out)";

/// True for the pass over the staged files git shows as binary.
fn binary_pass(invocation: &Invocation<'_>) -> bool {
    invocation.target.trigger == BINARY_FILES
}

/// The binary pass, when there is a file for it.
fn binary_target(files: &[std::path::PathBuf]) -> Option<Target> {
    (!files.is_empty()).then(|| root_target(BINARY_FILES))
}

/// The staged files git shows as binary to gitleaks — content with a NUL byte — whose content
/// `git diff --staged`, and so gitleaks' pre-commit scan, leaves out ("Binary files differ"), as
/// `--numstat` marks them (`-` for the line counts): regular files in the work tree, not
/// excluded. (The history scans read such content themselves, with `--text`.)
fn staged_binary_files(repo: &RepoIndex) -> Vec<std::path::PathBuf> {
    let root = repo.root();
    // Added or modified content only: a deletion brings no content in.
    let numstat = ["--numstat", "-z", "--no-renames", "--diff-filter=AMT"];
    let listed = git_as_gitleaks(
        root,
        &[&["diff", "--cached"], numstat.as_slice(), &crate::DIFF_FLAGS].concat(),
    );
    let mut paths: Vec<std::path::PathBuf> = listed
        .unwrap_or_default()
        .split('\0')
        .filter_map(|entry| entry.trim_start_matches('\n').strip_prefix("-\t-\t"))
        .map(std::path::PathBuf::from)
        .filter(|path| repo.exclusion_of(path).is_none())
        .filter(|path| std::fs::symlink_metadata(root.join(path)).is_ok_and(|m| m.is_file()))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The source of the binary pass: a scratch directory holding, at their repository paths, links
/// to the files git shows as binary (`gitleaks dir --follow-symlinks` reads them; the reported
/// paths resolve back to the repository's, and no `.gitleaksignore` is in it).
fn binary_source(invocation: &Invocation<'_>) -> OsString {
    let dir = invocation.scratch.join("gitleaks-binary");
    for path in &staged_binary_files(invocation.repo) {
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
    fn path_allowlists_are_dropped_and_value_allowlists_kept() {
        let default = r#"
title = "t"
[allowlist]
paths = ['''node_modules''']
regexes = ['''^example$''']
stopwords = ["sample"]

[[rules]]
id = "by-path-only"
regex = '''tok_[a-z]{8}'''
[[rules.allowlists]]
paths = ['''README\.md$''']

[[rules]]
id = "both-required"
regex = '''key_[a-z]{8}'''
[[rules.allowlists]]
condition = "AND"
paths = ['''\.bb$''']
regexes = ['''LICENSE''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''import''']

[[rules]]
id = "old-spelling"
regex = '''pw_[a-z]{8}'''
[rules.allowlist]
paths = ['''fixtures/''']
"#;
        let derived = rules_without_path_allowlists(default, "8.0.0").expect("derived");
        assert!(derived.starts_with("# gitleaks 8.0.0's default rules"), "{derived}");
        let config: toml::Table = derived.parse().expect("TOML");
        let global = config["allowlist"].as_table().expect("global allowlist kept");
        assert!(!global.contains_key("paths"), "{derived}");
        assert_eq!(global["regexes"].as_array().map(Vec::len), Some(1));
        assert_eq!(global["stopwords"].as_array().map(Vec::len), Some(1));
        let rules = config["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), 3, "every rule kept");
        let allowlists = |index: usize| {
            rules[index]
                .get("allowlists")
                .and_then(toml::Value::as_array)
                .map(Vec::len)
        };
        assert_eq!(allowlists(0), None, "a path-only allowlist goes");
        assert_eq!(
            allowlists(1),
            Some(1),
            "an AND allowlist with paths goes whole, the other stays"
        );
        assert!(rules[2].get("allowlist").is_none(), "{derived}");
        assert!(!derived.contains("README") && !derived.contains("LICENSE") && !derived.contains("fixtures"));
    }

    #[test]
    fn rules_that_are_not_toml_are_refused() {
        let failure = rules_without_path_allowlists("[rules", "8.0.0").unwrap_err();
        assert!(failure.starts_with("is not TOML"), "{failure}");
    }

    #[test]
    fn leaks_found_needs_a_leak_in_the_report() {
        assert!(Gitleaks.judge(0, b"[]", "").is_ok());
        assert!(Gitleaks.judge(2, br#"[{"RuleID": "aws-access-token"}]"#, "").is_ok());
        let reason = Gitleaks.judge(2, b"[]", "").unwrap_err();
        assert!(reason.contains("lists no leak"), "{reason}");
    }
}
