//! The result cache a scan uses: `--cache-dir` (default in the user's cache directory), unless
//! `--no-cache` or `--raw-dir` (a cached result has no raw output to keep). A pull-request scan
//! (`--base`) reads the cache and never writes it, so a change under review cannot put a result
//! where a default-branch scan reads it. A cache directory with files the repository tracks is
//! refused: a change could plant entries there. One inside the scanned directory is left out of
//! the scan (an `--exclude`), so its entries are neither findings nor inputs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use scangate_invocation::Cache;
use scangate_runner::ScanOptions;

use crate::args::ScannerArgs;

/// The cache `args` ask for, opened, with `options` told to leave it out of the scan of `root`;
/// `None` when the scan runs every scanner.
pub fn open(
    args: &ScannerArgs,
    root: &Path,
    raw_dir: bool,
    options: &mut ScanOptions,
) -> anyhow::Result<Option<Cache>> {
    if args.no_cache || raw_dir || args.staged {
        return Ok(None);
    }
    let Some(dir) = args.cache_dir.clone().or_else(Cache::default_dir) else {
        tracing::info!("no result cache: neither --cache-dir nor a home directory");
        return Ok(None);
    };
    let writes = options.base_ref.is_none();
    // The path as given too: a symlink the repository tracks leads anywhere once resolved.
    let given = std::path::absolute(&dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    refuse_tracked(root, &given)?;
    let cache = Cache::open(&dir, Duration::from_secs(args.cache_ttl), writes)?;
    let dir = cache
        .dir()
        .canonicalize()
        .with_context(|| format!("cannot resolve the result cache {}", dir.display()))?;
    refuse_tracked(root, &dir)?;
    if let Some(glob) = exclusion(root, &dir)? {
        options.exclude.push(glob);
    }
    Ok(Some(cache))
}

/// An error when git tracks a file in `dir`.
fn refuse_tracked(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let Ok(mut git) = scangate_runner::git_command(root) else {
        return Ok(());
    };
    // Outside the work tree (or outside any repository) git fails: nothing in it is tracked.
    let Ok(listed) = git.args(["ls-files", "-z", "--"]).arg(dir).output() else {
        return Ok(());
    };
    if listed.status.success() && !listed.stdout.is_empty() {
        anyhow::bail!(
            "--cache-dir {} holds files the repository tracks: a change could plant scan results there; \
             use a directory outside the repository, or one it does not track",
            dir.display()
        );
    }
    Ok(())
}

/// The `--exclude` glob that leaves `dir` out of a scan of `root`, when it lies inside it.
fn exclusion(root: &Path, dir: &Path) -> anyhow::Result<Option<String>> {
    let root: PathBuf = root
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", root.display()))?;
    let Ok(inside) = dir.strip_prefix(&root) else {
        return Ok(None);
    };
    if inside.as_os_str().is_empty() {
        anyhow::bail!("--cache-dir {} is the scanned directory itself", dir.display());
    }
    let rel = inside.to_str().with_context(|| {
        format!(
            "--cache-dir {} inside the repository must have a UTF-8 path",
            dir.display()
        )
    })?;
    Ok(Some(globset::escape(rel)))
}
