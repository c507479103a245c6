//! The two questions PR mode and pre-commit mode ask git: which files a change touched, and which
//! files are staged. git is started with an argv, never through a shell.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// Files changed between the merge base of `base` and HEAD, relative to `root`.
pub fn changed_since(root: &Path, base: &str) -> anyhow::Result<BTreeSet<String>> {
    let range = format!("{base}...HEAD");
    let paths = names(root, &["diff", "--name-only", "-z", "--no-renames", &range])
        .with_context(|| format!("cannot list the files changed since {base} (is it fetched?)"))?;
    Ok(paths.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect())
}

/// Staged files that still exist (added, copied, modified, renamed), relative to `root`.
pub fn staged_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    names(root, &["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"])
        .context("cannot list the staged files")
}

/// Runs `git -C root ARGS` (paths relative to `root`) and splits its NUL-separated output.
fn names(root: &Path, args: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("-c")
        .arg("core.quotePath=false")
        .args(args)
        .arg("--relative")
        .output()?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output
        .stdout
        .split(|b| *b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(OsStr::from_bytes(name)))
        .collect())
}
