//! The questions PR mode and pre-commit mode ask git: which commit `--base` names, which lines a
//! change touched, and which files are staged. git is started with an argv, never through a
//! shell, and a user-supplied revision reaches it only after `--end-of-options`, verified. The
//! repository is untrusted: git runs with [`scangate_runner::git_env`] (no fsmonitor, hook,
//! textconv or filter program it configures), and every diff with `--no-ext-diff --no-textconv`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use scangate_gate::Change;
use scangate_invocation::OtherVersion;
use scangate_normalizer::sha256_hex;

/// The commit `rev` names, as its full hex id. `rev` reaches git only after `--end-of-options`,
/// so `--base=--output=x` is refused instead of becoming an option of git (or of a scanner that
/// passes it on); everything after this sees a commit id.
pub fn verify_commit(root: &Path, rev: &str) -> anyhow::Result<String> {
    if rev.is_empty() || rev.starts_with('-') {
        bail!("--base {rev:?} is not a git revision");
    }
    let output = git(root)?
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .context("cannot run git to verify --base")?;
    let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let is_commit_id = matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit());
    if !output.status.success() || !is_commit_id {
        bail!(
            "--base {rev:?} does not name a commit in {} (is it fetched?)",
            root.display()
        );
    }
    Ok(id)
}

/// What the change from the merge base of `base` (a verified commit id) to HEAD touched: the
/// lines it added or modified, per file, relative to `root`. `names` are its files, as
/// [`changed_files`] lists them.
pub fn change_since(root: &Path, base: &str, names: &[PathBuf]) -> anyhow::Result<Change> {
    let range = format!("{base}...HEAD");
    let patch = output(
        root,
        &["--unified=0", "--no-color", "--no-renames", "--no-prefix", &range],
    )
    .with_context(|| format!("cannot read the lines changed since {base}"))?;
    let mut change = Change::default();
    for (path, first, count) in added_lines(&String::from_utf8_lossy(&patch)) {
        change.add_lines(path, first, count);
    }
    for commit in change_commits(root, base)? {
        change.add_commit(commit);
    }
    // A file with no readable hunk (binary, or a name the patch quotes) counts as changed
    // throughout: a change is never held to fewer lines than it touched.
    for name in names.iter().map(|p| p.to_string_lossy().replace('\\', "/")) {
        if !change.touches_file(&name) {
            change.add_file(name);
        }
    }
    Ok(change)
}

/// The commits of the change, `base..HEAD` (the history gitleaks reads in pull-request mode), as
/// full hex ids.
fn change_commits(root: &Path, base: &str) -> anyhow::Result<Vec<String>> {
    let output = git(root)?
        .args(["rev-list", "--end-of-options"])
        .arg(format!("{base}..HEAD"))
        .output()
        .context("cannot run git to list the change's commits")?;
    if !output.status.success() {
        bail!(
            "git rev-list {base}..HEAD: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// The merge base of `base` (a verified commit id) and HEAD: the commit the change's diff starts
/// from, as its full hex id.
pub fn merge_base(root: &Path, base: &str) -> anyhow::Result<String> {
    match stdout_of(root, &["merge-base", "--end-of-options", base, "HEAD"]) {
        Ok(id) if !id.is_empty() => Ok(id),
        _ => bail!("{base} and HEAD have no merge base: the change cannot be told apart from its base"),
    }
}

/// How `commit` differs from the work tree at `paths` (root-relative: the files a change
/// touches): each one's content digest there, or `None` where it has no such file.
pub fn other_version(root: &Path, commit: &str, paths: &[PathBuf]) -> anyhow::Result<OtherVersion> {
    let mut differing = std::collections::HashMap::new();
    for path in paths {
        let digest = blob_at(root, commit, &Path::new(".").join(path))?.map(|bytes| sha256_hex(&bytes));
        differing.insert(path.clone(), digest);
    }
    Ok(OtherVersion { differing })
}

/// The work tree's top directory of the repository `root` is in, canonical.
pub fn top_level(root: &Path) -> anyhow::Result<PathBuf> {
    let top = PathBuf::from(stdout_of(root, &["rev-parse", "--show-toplevel"])?);
    top.canonicalize()
        .with_context(|| format!("cannot resolve the work tree {}", top.display()))
}

/// The bytes of `path` at `commit`, as git reads `commit:path` in `dir`: relative to the work
/// tree's top, or to `dir` when it starts with `./`. `None` when the commit has no such file.
pub fn blob_at(dir: &Path, commit: &str, path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    let output = git(dir)?
        .args(["cat-file", "blob"])
        .arg(format!("{commit}:{}", path.display()))
        .output()
        .with_context(|| format!("cannot read {} at {commit}", path.display()))?;
    Ok(output.status.success().then_some(output.stdout))
}

/// Writes the files of `commit` below `root`'s place in the repository into `dest`, as `git
/// archive` gives them (the commit's own `.gitattributes` applies; the work tree's does not). A
/// place the commit does not have leaves `dest` empty.
pub fn export_tree(root: &Path, commit: &str, dest: &Path) -> anyhow::Result<()> {
    let top = top_level(root)?;
    let prefix = stdout_of(root, &["rev-parse", "--show-prefix"])?;
    let tree = format!("{commit}:{}", prefix.trim_end_matches('/'));
    let has_tree = git(&top)?
        .args(["cat-file", "-e", &tree])
        .stderr(std::process::Stdio::null())
        .status()
        .context("cannot run git cat-file")?;
    if !has_tree.success() {
        return Ok(());
    }
    // From the top: run in a subdirectory, git archive would narrow the tree to it once more.
    let mut archive = git(&top)?
        .args(["archive", "--format=tar", &tree])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("cannot run git archive")?;
    let stdout = archive.stdout.take().context("git archive has no stdout")?;
    // An unpacking error first: git's own failure is then only the pipe it lost.
    let mut tarball = tar::Archive::new(stdout);
    let unpacked = tarball.unpack(dest);
    // The reader stops at the end-of-archive blocks; git still writes its record padding.
    let drained = std::io::copy(&mut tarball.into_inner(), &mut std::io::sink());
    let unpacked = unpacked.and(drained.map(drop));
    let finished = archive.wait_with_output().context("git archive did not finish")?;
    unpacked.with_context(|| format!("cannot unpack {commit} into {}", dest.display()))?;
    if !finished.status.success() {
        bail!(
            "git archive {commit} ended with {}: {}",
            finished.status,
            String::from_utf8_lossy(&finished.stderr).trim()
        );
    }
    Ok(())
}

/// The files the change from the merge base of `base` to HEAD touched (deleted ones included),
/// relative to `root`.
pub fn changed_files(root: &Path, base: &str) -> anyhow::Result<Vec<PathBuf>> {
    let range = format!("{base}...HEAD");
    names(root, &["--name-only", "-z", "--no-renames", &range])
        .with_context(|| format!("cannot list the files changed since {base}"))
}

/// `(path, first line, line count)` of every hunk's new side in a `--unified=0 --no-prefix`
/// patch; deleted files (`+++ /dev/null`) have none.
fn added_lines(patch: &str) -> Vec<(String, u64, u64)> {
    let mut current: Option<String> = None;
    let mut hunks = Vec::new();
    for line in patch.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = (path != "/dev/null").then(|| path.to_string());
        } else if let (Some(header), Some(path)) = (line.strip_prefix("@@ "), &current) {
            if let Some((first, count)) = new_side(header) {
                hunks.push((path.clone(), first, count));
            }
        }
    }
    hunks
}

/// `(first, count)` from a hunk header's `+first[,count]`.
fn new_side(header: &str) -> Option<(u64, u64)> {
    let new = header.split_whitespace().find_map(|part| part.strip_prefix('+'))?;
    let (first, count) = new.split_once(',').unwrap_or((new, "1"));
    Some((first.parse().ok()?, count.parse().ok()?))
}

/// Staged files that still exist (added, copied, modified, renamed), relative to `root`.
pub fn staged_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    names(root, &["--cached", "--name-only", "-z", "--diff-filter=ACMR"]).context("cannot list the staged files")
}

/// The stdout of `git ARGS` in `root` without its line end; an error naming the command and
/// git's message when it fails.
fn stdout_of(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = git(root)?
        .args(args)
        .output()
        .with_context(|| format!("cannot run git {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .trim_end_matches('\n')
        .to_string())
}

/// `git -C root -c core.quotePath=false`, with the environment that keeps the repository's
/// configuration from running anything ([`scangate_runner::git_env`]): the start of every git
/// command here.
fn git(root: &Path) -> anyhow::Result<Command> {
    let mut command = scangate_runner::git_command(root)?;
    command.args(["-c", "core.quotePath=false"]);
    Ok(command)
}

/// Runs `git -C root diff ARGS --no-ext-diff --no-textconv --relative` (paths relative to
/// `root`; no external diff or textconv program) and returns its stdout.
fn output(root: &Path, args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let output = git(root)?
        .arg("diff")
        .args(args)
        .args(scangate_runner::DIFF_FLAGS)
        .arg("--relative")
        .output()?;
    if !output.status.success() {
        bail!(
            "git diff {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// [`output`], split at NUL bytes into paths.
fn names(root: &Path, args: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    Ok(output(root, args)?
        .split(|b| *b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(OsStr::from_bytes(name)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_the_new_side_of_each_file() {
        let patch = "diff --git a.py a.py\n--- a.py\n+++ a.py\n@@ -3,0 +4,2 @@ def f():\n+x\n+y\n\
                     @@ -9 +11 @@\n-a\n+b\ndiff --git old.txt old.txt\n--- old.txt\n+++ /dev/null\n\
                     @@ -1 +0,0 @@\n-gone\n@@ -1,0 +1 @@\n";
        assert_eq!(
            added_lines(patch),
            [("a.py".to_string(), 4, 2), ("a.py".to_string(), 11, 1)]
        );
    }
}
