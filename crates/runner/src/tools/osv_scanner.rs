//! osv-scanner: known vulnerabilities in the packages that lockfiles and manifests pin.
//!
//! # Invocation
//! `osv-scanner scan source -r --format json --output-file F --allow-no-lockfiles .` in the root;
//! with an offline database, `--offline --local-db-path DIR` (`osv-scalibr/<ecosystem>/all.zip`
//! below DIR: v2 reads its databases through osv-scalibr, which ignores the older
//! `OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY` layout).
//!
//! # Exit codes
//! 0 no vulnerabilities, 1 vulnerabilities found, 128 no packages found; 127, 129, 130 and
//! anything else are errors.
//!
//! # Known traps
//! Paths in the output are absolute.

use std::ffi::OsString;

use crate::tool::{parse_json, Invocation};
use crate::tools::{root_target, DEPENDENCY_FILES};
use crate::{Category, RepoIndex, Target, Tool};

pub(crate) struct OsvScanner;

/// What osv-scanner prints on stderr when it could not load a vulnerability database.
const EXTRACTION_ERROR: &str = "Error during extraction";

/// osv-scanner's exit code when it found no package to check.
const NO_PACKAGES: i32 = 128;

impl Tool for OsvScanner {
    fn name(&self) -> &'static str {
        "osv-scanner"
    }
    fn executable(&self) -> &'static str {
        "osv-scanner"
    }
    fn categories(&self) -> &'static [Category] {
        &[Category::Dependencies]
    }
    fn version_args(&self) -> &'static [&'static str] {
        &["--version"]
    }
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        repo.first_named(|name| DEPENDENCY_FILES.contains(&name))
            .map(root_target)
            .into_iter()
            .collect()
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no lockfile or manifest"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["scan", "source", "-r", "--format", "json", "--output-file"]
            .map(OsString::from)
            .to_vec();
        args.push(invocation.output.into());
        args.push("--allow-no-lockfiles".into());
        args.push("--config".into());
        args.push(empty_config(invocation).into());
        if let Some(db) = &invocation.options.osv_offline_db {
            args.push("--offline".into());
            args.push("--local-db-path".into());
            args.push(db.into());
        }
        args.push(".".into());
        args
    }
    fn judge(&self, exit_code: i32, output: &[u8], stderr: &str) -> Result<(), String> {
        // A lockfile whose ecosystem has no database is skipped with only a line on stderr,
        // while the exit code and JSON look like a good run.
        if let Some(line) = stderr.lines().find(|line| line.contains(EXTRACTION_ERROR)) {
            return Err(format!("could not check every lockfile: {}", line.trim()));
        }
        match exit_code {
            0 | 1 => parse_json::<serde::de::IgnoredAny>(output).map(drop),
            NO_PACKAGES => Ok(()),
            code => Err(format!(
                "exited with {code} (0 = clean, 1 = vulnerabilities, 128 = no packages)"
            )),
        }
    }
}

/// An empty configuration in the run's scratch directory. It overrides the repository's
/// `osv-scanner.toml` files, which scangate applies itself so that ignored vulnerabilities are
/// reported as suppressed rather than dropped.
fn empty_config(invocation: &Invocation<'_>) -> std::path::PathBuf {
    let path = invocation.scratch.join("empty-osv-scanner.toml");
    if let Err(error) = std::fs::write(&path, "") {
        tracing::warn!(%error, path = %path.display(), "cannot write an empty osv-scanner config");
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_could_not_load_is_an_error_despite_exit_code_and_json() {
        let stderr = "Scanning dir .\nError during extraction: (extracting as vulnmatch/osvlocal) no offline version\n";
        let reason = OsvScanner.judge(1, br#"{"results": []}"#, stderr).unwrap_err();
        assert!(reason.contains("could not check every lockfile"), "{reason}");
        assert!(OsvScanner.judge(1, br#"{"results": []}"#, "Scanning dir .\n").is_ok());
        assert!(OsvScanner.judge(NO_PACKAGES, b"", "").is_ok());
        assert!(OsvScanner.judge(127, br#"{"results": null}"#, "").is_err());
    }
}
