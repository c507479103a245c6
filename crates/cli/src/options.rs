//! Turns parsed arguments into the runner's options, once, before anything runs.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use scangate_runner::ScanOptions;

use crate::args::ScannerArgs;

impl From<&ScannerArgs> for ScanOptions {
    fn from(args: &ScannerArgs) -> Self {
        ScanOptions {
            only: args.tools.clone(),
            skip: args.skip.clone(),
            jobs: args.jobs.map(|n| n as usize),
            timeout: args.timeout.map(Duration::from_secs),
            semgrep_config: args
                .semgrep_config
                .iter()
                .map(|config| absolute_if_local(config))
                .collect(),
            semgrep_timeout: args.semgrep_timeout,
            npm_registry: args.npm_registry.clone(),
            osv_offline_db: args.osv_offline_db.as_deref().map(absolute),
            trivy_cache_dir: args.trivy_cache_dir.as_deref().map(absolute),
            offline: args.offline,
            base_ref: args.base.clone(),
            // Blank lines of SCANGATE_EXCLUDE (a YAML block's last newline) are no globs.
            exclude: args.exclude.iter().filter(|glob| !glob.is_empty()).cloned().collect(),
            // Filled in by the scan once the policy is resolved (`[third_party] exclude`).
            policy_exclude: Vec::new(),
            include_ignored: args.include_ignored,
            // Filled in by the scan once it knows the repository (`git::changed_files`,
            // `git::staged_files`).
            changed: None,
            staged: None,
        }
    }
}

/// The runner's options for scanning `root`: the flags, with `--base` verified and resolved to
/// its commit id and the files the change touches, plus the staged files in pre-commit mode.
pub fn scan_options(args: &ScannerArgs, root: &Path) -> anyhow::Result<ScanOptions> {
    let mut options = ScanOptions::from(args);
    if let Some(base) = &args.base {
        let commit = crate::git::verify_commit(root, base)?;
        options.changed = Some(crate::git::changed_files(root, &commit)?);
        options.base_ref = Some(commit);
    }
    if args.staged {
        options.staged = Some(crate::git::staged_files(root)?);
    }
    Ok(options)
}

/// Scanners run in the scanned directory, so paths given relative to the caller's directory
/// are made absolute first.
fn absolute(path: &Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A semgrep `--config` that names a local file or directory becomes absolute; registry names
/// (`p/ci`, `auto`) and `bundled` (scangate's rules; `./bundled` is a local path) stay as they are.
fn absolute_if_local(config: &str) -> OsString {
    let path = Path::new(config);
    if config != scangate_runner::SEMGREP_BUNDLED && path.exists() {
        absolute(path).into_os_string()
    } else {
        config.into()
    }
}

/// The dotted prefixes semgrep puts before rule ids loaded from local config files.
pub fn semgrep_rule_prefixes(options: &ScanOptions) -> Vec<String> {
    options
        .semgrep_config
        .iter()
        .map(Path::new)
        .filter(|path| path.is_absolute() && path.exists())
        .map(|path| {
            // A directory's rules are prefixed with the directory itself, a file's with its parent.
            let anchor = if path.is_dir() {
                path.join("rules.yaml")
            } else {
                path.to_path_buf()
            };
            scangate_normalizer::semgrep_rule_prefix(&anchor)
        })
        .collect()
}
