//! osv-scanner: known vulnerabilities in the packages that lockfiles and manifests pin.
//!
//! # Invocation
//! `osv-scanner scan source -r --format json --output-file F --allow-no-lockfiles .` in the root;
//! with an offline database, `--offline --local-db-path DIR` (`osv-scalibr/<ecosystem>/all.zip`
//! below DIR: v2 reads its databases through osv-scalibr, which ignores the older
//! `OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY` layout).
//!
//! Without an offline database it queries api.osv.dev; the runner checks it can connect first
//! ([`Tool::needs_server`]), so that an unreachable API fails in seconds, naming
//! `--osv-offline-db`, not after osv-scanner's own retries.
//!
//! # Exit codes
//! 0 no vulnerabilities, 1 vulnerabilities found; 127, 129, 130 and anything else are errors.
//! 1 with a report that lists no vulnerability is an error: exit code and report disagree (0 with
//! vulnerabilities is not: osv-scanner exits 0 when every one it lists is uncalled or unimportant).
//! 128 (no packages found) is an error too: scangate runs osv-scanner only when the repository
//! holds a lockfile or manifest it reads, so finding none means it did not read them. (Which
//! files those are is osv-scanner 2.5.0's own rule, `reads::osv_reads`; with
//! `--allow-no-lockfiles` it exits 0 with `"results": null` even on an empty directory, and 128
//! only without the flag.)
//!
//! # Known traps
//! Paths in the output are absolute. A report is an object whose `results` is an array, or
//! `null` when the lockfiles pin no package (exit 0, "No package sources found" on stderr);
//! `{}`, `[]` or an error object are not. A lockfile whose ecosystem has no offline database is
//! skipped with only a line on stderr.

use std::ffi::OsString;

/// The API osv-scanner asks without an offline database.
const OSV_API: &str = "api.osv.dev:443";

use crate::tool::{parse_json, present, Invocation, Scope};
use crate::tools::{reads, root_target};
use crate::{Category, FindingScope, RepoIndex, Target, Tool};

pub(crate) struct OsvScanner;

/// What osv-scanner prints on stderr when it could not load a vulnerability database.
const EXTRACTION_ERROR: &str = "Error during extraction";

/// osv-scanner's exit code when it found no package to check.
const NO_PACKAGES: i32 = 128;

/// What tells an osv-scanner report from other JSON: the `results` key, an array or `null`;
/// and how many vulnerabilities it lists (`results[].packages[].vulnerabilities[]`).
#[derive(serde::Deserialize)]
struct ReportShape {
    #[serde(deserialize_with = "present")]
    results: Option<Vec<SourceShape>>,
}

#[derive(serde::Deserialize)]
struct SourceShape {
    #[serde(default)]
    packages: Option<Vec<PackageShape>>,
}

#[derive(serde::Deserialize)]
struct PackageShape {
    #[serde(default)]
    vulnerabilities: Option<Vec<serde::de::IgnoredAny>>,
}

impl ReportShape {
    fn lists_a_vulnerability(&self) -> bool {
        let packages = self
            .results
            .iter()
            .flatten()
            .flat_map(|source| source.packages.iter().flatten());
        packages
            .into_iter()
            .any(|package| package.vulnerabilities.as_ref().is_some_and(|v| !v.is_empty()))
    }
}

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
        repo.first_matching(reads::osv_reads)
            .map(root_target)
            .into_iter()
            .collect()
    }
    fn reads(&self, path: &std::path::Path, _scope: &Scope<'_>) -> bool {
        reads::osv_reads(path)
    }
    fn finding_scope(&self) -> FindingScope {
        FindingScope::File
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no lockfile or manifest"
    }
    fn offline_refusal(&self, options: &crate::ScanOptions) -> Option<&'static str> {
        (options.offline && options.osv_offline_db.is_none()).then_some(
            "not run: --offline, and osv-scanner would query osv.dev; give --osv-offline-db DIR (an offline OSV database), leave it out with --skip osv-scanner, or mark osv-scanner optional in the policy",
        )
    }
    /// osv.dev's API, which it queries without an offline database: unreachable, it would retry
    /// for about 20 s before failing.
    fn needs_server(&self, options: &crate::ScanOptions) -> Option<String> {
        options.osv_offline_db.is_none().then(|| OSV_API.to_owned())
    }
    fn failure_hint(&self, options: &crate::ScanOptions) -> Option<String> {
        options.osv_offline_db.is_none().then(|| {
            "osv-scanner queries api.osv.dev: without network, give --osv-offline-db DIR (an offline OSV \
             database), leave it out with --skip osv-scanner, or mark osv-scanner optional in the policy"
                .to_owned()
        })
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
        // osv-scanner would skip whatever a `.gitignore` lists, tracked lockfiles included: a
        // change could hide its own lockfile by listing it. scangate works out what git ignores
        // (untracked files only) and excludes exactly those directories; an ignored single file
        // has no flag, its findings are dropped by path afterwards.
        args.push("--no-ignore".into());
        for (path, exclusion) in crate::tools::exclusions_below(invocation) {
            if exclusion.is_dir {
                args.push("--experimental-exclude".into());
                args.push(path.into());
            }
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
            0 => parse_json::<ReportShape>(output).map(drop),
            1 => match parse_json::<ReportShape>(output)?.lists_a_vulnerability() {
                true => Ok(()),
                false => Err("exited with 1 (vulnerabilities found), but its report lists no vulnerability".to_string()),
            },
            NO_PACKAGES => Err(format!(
                "exited with {NO_PACKAGES}: found no packages, although the repository holds a lockfile or manifest it reads"
            )),
            code => Err(format!("exited with {code} (0 = clean, 1 = vulnerabilities)")),
        }
    }
}

/// An empty configuration in the run's scratch directory. It overrides the repository's
/// `osv-scanner.toml` files, which scangate applies itself so that ignored vulnerabilities are
/// reported as suppressed rather than dropped.
fn empty_config(invocation: &Invocation<'_>) -> std::path::PathBuf {
    crate::scratch::shared_file(invocation.scratch, "empty-osv-scanner.toml", b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_could_not_load_is_an_error_despite_exit_code_and_json() {
        let stderr = "Scanning dir .\nError during extraction: (extracting as vulnmatch/osvlocal) no offline version\n";
        let reason = OsvScanner.judge(1, br#"{"results": []}"#, stderr).unwrap_err();
        assert!(reason.contains("could not check every lockfile"), "{reason}");
        assert!(OsvScanner.judge(0, br#"{"results": []}"#, "Scanning dir .\n").is_ok());
        assert!(OsvScanner.judge(127, br#"{"results": null}"#, "").is_err());
    }

    #[test]
    fn only_an_object_with_results_is_a_report() {
        assert!(OsvScanner
            .judge(0, br#"{"results": null}"#, "No package sources found\n")
            .is_ok());
        assert!(OsvScanner.judge(0, br#"{"results": [{"packages": []}]}"#, "").is_ok());
        let found = br#"{"results": [{"packages": [{"vulnerabilities": [{"id": "GHSA-1"}]}]}]}"#;
        assert!(OsvScanner.judge(1, found, "").is_ok());
        assert!(
            OsvScanner.judge(0, found, "").is_ok(),
            "uncalled or unimportant: exit 0"
        );
        for none in [
            &br#"{"results": [{"packages": [{"vulnerabilities": []}]}]}"#[..],
            br#"{"results": null}"#,
        ] {
            let reason = OsvScanner.judge(1, none, "").unwrap_err();
            assert!(reason.contains("lists no vulnerability"), "{reason}");
        }
        for other in [&br#"{}"#[..], br#"[]"#, br#"{"error": "db"}"#, br#"{"results": 3}"#] {
            let reason = OsvScanner.judge(0, other, "").unwrap_err();
            assert!(reason.contains("not its report"), "{reason}");
        }
    }

    #[test]
    fn no_packages_is_an_error_because_it_runs_only_where_lockfiles_are() {
        let reason = OsvScanner
            .judge(NO_PACKAGES, b"", "No package sources found")
            .unwrap_err();
        assert!(reason.contains("found no packages"), "{reason}");
    }
}
