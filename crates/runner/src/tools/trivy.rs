//! trivy: vulnerable dependencies and misconfigured infrastructure files.
//!
//! # Invocation
//! `trivy fs --config C --scanners vuln,misconfig --format json --output F --show-suppressed
//! --list-all-pkgs --quiet --skip-version-check --disable-telemetry --skip-check-update --exit-code 0 .`
//! in the root. `C` is an empty scratch config: trivy otherwise reads `trivy.yaml` from its working
//! directory, and the repository's (untrusted) one could skip files, raise the severity floor or
//! ignore checks; it is not applied and is reported. `.trivyignore` is still read: with
//! `--show-suppressed` what it ignores stays in the report, marked, and scangate shows it as suppressed.
//! Inline ignore comments (`# trivy:ignore:ID`, `#tfsec:ignore:*`) would drop findings without a
//! trace and no flag turns them off: when the repository holds one, trivy runs in a scratch copy
//! of the root with every one defused (`crate::defused`), and the normalizer applies them as
//! reported suppressions.
//! `--skip-check-update` uses the checks embedded in the pinned trivy, so results do not drift
//! between runs. Offline, vulnerability scanning needs a database already in `--cache-dir`
//! (then `--skip-db-update`); without one only `misconfig` runs.
//!
//! `--sbom FILE` runs trivy a second time, beside the scan (`crate::sbom`): `trivy fs --config C
//! --format cyclonedx --output F --quiet --skip-version-check --disable-telemetry --skip-db-update
//! --skip-check-update --offline-scan .` — a CycloneDX report lists components without scanning
//! them, so no database is needed.
//!
//! # Exit codes
//! 0 ran (with `--exit-code 0` findings do not change it), anything else an error.
//!
//! # Known traps
//! `--config` defaults to `trivy.yaml` relative to the working directory, not to the scanned path.
//! A report is an object with `SchemaVersion`; `Results` is left out when nothing was found
//! (trivy 0.74.0 on a directory holding only a lockfile without packages).
//! Anything else that parses as JSON (`{}`, `[]`, an error object) is an error, not a clean run.

use std::ffi::OsString;
use std::path::Path;

use crate::scratch;
use crate::tool::{parse_json, present_configs, IgnoredConfig, Invocation, Limited, Scope};
use crate::tools::{reads, root_target};
use crate::{Category, FindingScope, RepoIndex, ScanOptions, Target, Tool};

pub(crate) struct Trivy;

/// Why the repository's `trivy.yaml` is not read.
const CONFIG_IGNORED: &str = "its settings (skipped files, severities, ignores) were not applied: trivy ran \
     with scangate's configuration; suppress findings in a trusted --policy file instead";

/// The configuration trivy reads instead of the repository's `trivy.yaml`: none.
pub(crate) const EMPTY_CONFIG: &str = "# scangate: no trivy settings from the scanned repository\n";
/// What every trivy run gets: no progress, no version or telemetry calls home, and the checks
/// embedded in the pinned trivy (`--skip-check-update`), so results do not drift between runs.
const QUIET_AND_PINNED: [&str; 4] = [
    "--quiet",
    "--skip-version-check",
    "--disable-telemetry",
    "--skip-check-update",
];

/// What tells a trivy report from other JSON.
#[derive(serde::Deserialize)]
struct ReportShape {
    #[serde(rename = "SchemaVersion")]
    _schema_version: u32,
    #[serde(rename = "Results", default)]
    _results: Option<Vec<serde::de::IgnoredAny>>,
}

/// What an offline trivy without a vulnerability database leaves out: it does not count as a
/// dependency scanner.
const MISCONFIG_ONLY: &str =
    "misconfiguration only: no vulnerability database offline (give --trivy-cache-dir), dependencies not checked";

/// Offline, trivy's vulnerability database would need a download unless a cache holds one.
fn misconfig_only(options: &ScanOptions) -> bool {
    options.offline && options.trivy_cache_dir.is_none()
}

impl Tool for Trivy {
    /// Without a cache directory trivy downloads (or refreshes) its vulnerability database:
    /// what to do when that fails. No connection is checked beforehand: a database trivy cached
    /// within the day needs none.
    fn failure_hint(&self, options: &ScanOptions) -> Option<String> {
        (options.trivy_cache_dir.is_none() && !misconfig_only(options)).then(|| {
            "trivy downloads its vulnerability database (mirror.gcr.io): without network, give \
             --trivy-cache-dir DIR holding one, scan with --offline (misconfiguration checks only), \
             or leave it out with --skip trivy"
                .to_owned()
        })
    }
    fn name(&self) -> &'static str {
        "trivy"
    }
    fn executable(&self) -> &'static str {
        "trivy"
    }
    fn categories(&self) -> &'static [Category] {
        &[Category::Dependencies, Category::Infrastructure]
    }
    fn version_args(&self) -> &'static [&'static str] {
        &["--version"]
    }
    /// A file one of its analyzers reads ([`reads::trivy_applies`]): lockfiles, Dockerfiles,
    /// Terraform, Helm, any YAML or JSON (Kubernetes, CloudFormation and the like are known by
    /// content only, which trivy decides).
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        repo.first_matching(reads::trivy_applies)
            .map(root_target)
            .into_iter()
            .collect()
    }
    fn reads(&self, path: &Path, _scope: &Scope<'_>) -> bool {
        reads::trivy_reads(path)
    }
    fn finding_scope(&self) -> FindingScope {
        FindingScope::File
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no lockfile, Dockerfile, Kubernetes/Helm, Terraform or CloudFormation file"
    }
    fn limited(&self, invocation: &Invocation<'_>) -> Option<Limited> {
        misconfig_only(invocation.options).then_some(Limited::Categories(&[Category::Infrastructure], MISCONFIG_ONLY))
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let options = invocation.options;
        let scanners = if misconfig_only(options) {
            "misconfig"
        } else {
            "vuln,misconfig"
        };
        let mut args: Vec<OsString> = vec!["fs".into(), "--config".into()];
        args.push(scratch::shared_file(invocation.scratch, "trivy.yaml", EMPTY_CONFIG.as_bytes()).into());
        args.extend(["--scanners", scanners, "--format", "json", "--output"].map(OsString::from));
        args.push(invocation.output.into());
        args.extend(
            [
                // Findings that .trivyignore suppressed stay in the report, marked: scangate shows them as suppressed.
                "--show-suppressed",
                "--list-all-pkgs",
                "--exit-code",
                "0",
            ]
            .map(OsString::from),
        );
        args.extend(QUIET_AND_PINNED.map(OsString::from));
        if let Some(cache) = &options.trivy_cache_dir {
            args.push("--cache-dir".into());
            args.push(cache.into());
            args.push("--skip-db-update".into());
        }
        // Exact paths: trivy reads them as globs, and a path holds no glob syntax it would widen.
        for (path, exclusion) in crate::tools::exclusions_below(invocation) {
            args.push(
                if exclusion.is_dir {
                    "--skip-dirs"
                } else {
                    "--skip-files"
                }
                .into(),
            );
            args.push(path.into());
        }
        args.push(".".into());
        args
    }
    /// The root, or a copy of it without inline ignores (`crate::defused`).
    fn cwd(&self, invocation: &Invocation<'_>) -> std::path::PathBuf {
        crate::defused::trivy_tree(invocation)
    }
    fn ignored_configs(&self, invocation: &Invocation<'_>) -> Vec<IgnoredConfig> {
        present_configs(self, invocation, ["trivy.yaml".into()], CONFIG_IGNORED)
    }
    fn judge(&self, exit_code: i32, output: &[u8], _stderr: &str) -> Result<(), String> {
        match exit_code {
            0 => parse_json::<ReportShape>(output).map(drop),
            code => Err(format!("exited with {code} (0 = ran)")),
        }
    }
}

/// `--sbom`: `trivy fs --config C --format cyclonedx --output F` with the scan's quiet, offline
/// flags. A CycloneDX report lists components without vulnerability scanning, so no database is
/// needed (`--skip-db-update`, `--offline-scan`).
pub(crate) fn sbom_args(config: &Path, output: &Path, options: &ScanOptions) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["fs".into(), "--config".into(), config.into()];
    args.extend(["--format", "cyclonedx", "--output"].map(OsString::from));
    args.push(output.into());
    args.extend(QUIET_AND_PINNED.map(OsString::from));
    args.extend(["--skip-db-update", "--offline-scan"].map(OsString::from));
    if let Some(cache) = &options.trivy_cache_dir {
        args.push("--cache-dir".into());
        args.push(cache.into());
    }
    args.push(".".into());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_object_with_a_schema_version_is_a_report() {
        assert!(Trivy
            .judge(0, br#"{"SchemaVersion": 2, "ArtifactName": "."}"#, "")
            .is_ok());
        assert!(Trivy.judge(0, br#"{"SchemaVersion": 2, "Results": []}"#, "").is_ok());
        for other in [
            &br#"{}"#[..],
            br#"[]"#,
            br#"{"error": "scan failed"}"#,
            br#"{"SchemaVersion": 2, "Results": 1}"#,
        ] {
            let reason = Trivy.judge(0, other, "").unwrap_err();
            assert!(reason.contains("not its report"), "{reason}");
        }
    }
}
