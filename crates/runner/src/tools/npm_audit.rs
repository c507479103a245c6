//! npm audit: advisories for the packages a `package-lock.json` pins, once per lockfile.
//!
//! # Invocation
//! `npm audit --json --package-lock-only --registry URL --include=dev --include=optional
//! --include=peer` once per directory with a `package-lock.json` or `npm-shrinkwrap.json`. `URL` is
//! always given: `--npm-registry`, else [`DEFAULT_REGISTRY`]. The `--include`s keep every dependency
//! type in the audit, whatever the environment or an npmrc omits (`NODE_ENV=production` omits dev
//! dependencies). The report is printed on stdout, which the runner sends to the output file.
//!
//! npm runs in a private scratch directory holding copies of that directory's `package.json`,
//! `package-lock.json` and `npm-shrinkwrap.json` (regular files only), not in the repository: npm
//! reads the project `.npmrc` of the directory it runs in, and the repository's (untrusted) one
//! could send the audit to a host it chose, with the pipeline's registry token, or omit
//! dependencies from it. Such `.npmrc` files are not applied and are reported. The pipeline's
//! own user and global npm config are still read (but cannot omit dependencies); findings still
//! point at the repository's lockfile.
//!
//! # Exit codes
//! 0 and 1 both come with a report (1 when vulnerabilities were found) and both come with a
//! failure too: a report has `auditReportVersion` (npm 7+) or `advisories` (npm 6), a failure has
//! `error`. An npm 7+ report (`auditReportVersion`) without `vulnerabilities`, or 1 with a report
//! that lists none, is an error: the report is not npm's, or disagrees with its exit code.
//!
//! # Known traps
//! `npm audit --offline` prints an empty report and exits 0, so it is never used. npm looks for its
//! project `.npmrc` in the nearest directory with a `package.json` or `node_modules`, walking up
//! from its working directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::repo::display;
use crate::scratch;
use crate::tool::{parse_json, present_configs, IgnoredConfig, Invocation, OutputChannel, Scope};
use crate::{Category, FindingScope, RepoIndex, Target, Tool};

pub(crate) struct NpmAudit;

/// The registry npm audit asks when scangate is not told another (`--npm-registry`).
const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Every dependency type, whatever omits some: `--include` wins over `omit` from any source
/// (`NODE_ENV=production`, `npm_config_omit`, `npm_config_production`, a user or global npmrc).
const INCLUDE_EVERY_DEPENDENCY: [&str; 3] = ["--include=dev", "--include=optional", "--include=peer"];

/// The files npm audit needs, copied into its scratch directory.
const MANIFESTS: &[&str] = &["package.json", "package-lock.json", "npm-shrinkwrap.json"];

/// Why the repository's `.npmrc` files are not read.
const NPMRC_IGNORED: &str = "its settings (registry, tokens, omitted dependencies) were not applied: npm audit \
     asked only the registry scangate was given (--npm-registry)";

/// Copies the regular files among [`MANIFESTS`] from `from` into the new private directory `to`.
fn copy_manifests(from: &Path, to: &Path) -> std::io::Result<()> {
    scratch::private_dir(to)?;
    for name in MANIFESTS {
        let source = from.join(name);
        // A symlink could point anywhere outside the repository: only regular files are copied.
        if std::fs::symlink_metadata(&source).is_ok_and(|m| m.is_file()) {
            scratch::write_private(&to.join(name), &std::fs::read(&source)?)?;
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct AuditShape {
    #[serde(rename = "auditReportVersion")]
    audit_report_version: Option<serde::de::IgnoredAny>,
    /// Every npm 7+ report has it, `{}` when npm found nothing.
    vulnerabilities: Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>>,
    advisories: Option<serde::de::IgnoredAny>,
    error: Option<AuditError>,
    /// When the audit endpoint answered with an HTTP error: `405 Method Not Allowed - POST URL`.
    message: Option<String>,
    #[serde(rename = "statusCode")]
    status_code: Option<u16>,
    uri: Option<String>,
}

#[derive(serde::Deserialize)]
struct AuditError {
    code: Option<String>,
    summary: Option<String>,
}

impl AuditShape {
    /// What went wrong, in words a user can act on: npm's error code and summary, the HTTP
    /// status and the URL it came from (credentials are redacted wherever a reason is shown).
    fn failure(self, error: AuditError) -> String {
        let mut parts = Vec::new();
        if let Some(code) = error.code.filter(|code| !code.is_empty()) {
            parts.push(format!("npm error {code}"));
        }
        if let Some(summary) = error
            .summary
            .as_deref()
            .and_then(|s| s.lines().next())
            .filter(|s| !s.is_empty())
        {
            parts.push(summary.to_owned());
        }
        match (self.status_code, self.uri) {
            (Some(status), Some(uri)) => parts.push(format!("HTTP {status} from {uri}")),
            (Some(status), None) => parts.push(format!("HTTP {status}")),
            _ => parts.extend(self.message),
        }
        match parts.is_empty() {
            true => "npm audit reported an error without saying which".to_owned(),
            false => format!("npm audit failed: {}", parts.join("; ")),
        }
    }
}

impl Tool for NpmAudit {
    fn name(&self) -> &'static str {
        "npm-audit"
    }
    fn executable(&self) -> &'static str {
        "npm"
    }
    fn categories(&self) -> &'static [Category] {
        &[Category::Dependencies]
    }
    fn version_args(&self) -> &'static [&'static str] {
        &["--version"]
    }
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        let mut targets: Vec<Target> = Vec::new();
        for lockfile in repo.project_files_named(|name| name == "package-lock.json" || name == "npm-shrinkwrap.json") {
            let dir = lockfile.parent().map(|p| p.to_path_buf()).unwrap_or_default();
            if !targets.iter().any(|t| t.dir == dir) {
                targets.push(Target {
                    dir,
                    trigger: display(lockfile),
                });
            }
        }
        targets
    }
    /// The manifests it is given (copied beside its output: it reads nothing else of the
    /// repository).
    fn reads(&self, path: &std::path::Path, _scope: &Scope<'_>) -> bool {
        path.file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| MANIFESTS.contains(&name))
    }
    /// Pull-request mode: only the lockfiles the change touches (it reads nothing else).
    fn changed_targets(&self, targets: Vec<Target>, changed: &[std::path::PathBuf], _scope: &Scope<'_>) -> Vec<Target> {
        targets
            .into_iter()
            .filter(|target| changed.iter().any(|path| display(path) == target.trigger))
            .collect()
    }
    fn finding_scope(&self) -> FindingScope {
        FindingScope::File
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no package-lock.json or npm-shrinkwrap.json"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let registry = invocation.options.npm_registry.as_deref().unwrap_or(DEFAULT_REGISTRY);
        let mut args: Vec<OsString> = ["audit", "--json", "--package-lock-only", "--registry", registry]
            .map(OsString::from)
            .to_vec();
        args.extend(INCLUDE_EVERY_DEPENDENCY.map(OsString::from));
        args
    }
    fn cwd(&self, invocation: &Invocation<'_>) -> PathBuf {
        // `npm-audit-<index>.json` is this invocation's own: its stem names a directory no other uses.
        let copy = invocation.output.with_extension("");
        if let Err(error) = copy_manifests(&invocation.root.join(&invocation.target.dir), &copy) {
            tracing::warn!(%error, path = %copy.display(), "cannot copy the lockfile for npm audit");
        }
        copy
    }
    fn ignored_configs(&self, invocation: &Invocation<'_>) -> Vec<IgnoredConfig> {
        let npmrcs = invocation.target.dir.ancestors().map(|dir| dir.join(".npmrc"));
        present_configs(self, invocation, npmrcs, NPMRC_IGNORED)
    }
    fn env(&self, _invocation: &Invocation<'_>) -> Vec<(OsString, OsString)> {
        vec![
            ("npm_config_update_notifier".into(), "false".into()),
            ("npm_config_fund".into(), "false".into()),
        ]
    }
    fn output_channel(&self) -> OutputChannel {
        OutputChannel::Stdout
    }
    fn failure_hint(&self, options: &crate::ScanOptions) -> Option<String> {
        let registry = options.npm_registry.as_deref().unwrap_or(DEFAULT_REGISTRY);
        Some(format!(
            "npm audit asks {registry} for advisories: give --npm-registry URL of a registry that serves \
             them, leave it out with --skip npm-audit, or mark npm-audit optional in the policy"
        ))
    }
    fn offline_refusal(&self, options: &crate::ScanOptions) -> Option<&'static str> {
        (options.offline && options.npm_registry.is_none()).then_some(
            "not run: --offline, and npm audit would ask https://registry.npmjs.org/; give --npm-registry URL (an advisory mirror), leave it out with --skip npm-audit, or mark npm-audit optional in the policy",
        )
    }
    fn judge(&self, exit_code: i32, output: &[u8], _stderr: &str) -> Result<(), String> {
        if !matches!(exit_code, 0 | 1) {
            return Err(format!("exited with {exit_code} (0 = clean, 1 = vulnerabilities)"));
        }
        let mut shape: AuditShape = parse_json(output)?;
        if let Some(error) = shape.error.take() {
            return Err(shape.failure(error));
        }
        if shape.audit_report_version.is_none() && shape.advisories.is_none() {
            return Err("printed JSON that is neither an audit report nor an error".to_string());
        }
        if shape.audit_report_version.is_some() {
            match shape.vulnerabilities {
                None => return Err("printed an audit report without `vulnerabilities`".to_string()),
                Some(listed) if listed.is_empty() && exit_code == 1 => {
                    return Err(
                        "exited with 1 (vulnerabilities found), but its report lists no vulnerability".to_string(),
                    )
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_errors_name_the_code_the_status_and_the_url() {
        // What npm 11 prints when the registry refuses the bulk advisory endpoint.
        let refused = br#"{"message":"405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk","method":"POST","uri":"https://registry.example/-/npm/v1/security/advisories/bulk","statusCode":405,"body":"","error":{"summary":"","detail":""}}"#;
        assert_eq!(
            NpmAudit.judge(1, refused, "").unwrap_err(),
            "npm audit failed: HTTP 405 from https://registry.example/-/npm/v1/security/advisories/bulk"
        );
        let no_lock = br#"{"error":{"code":"ENOLOCK","summary":"This command requires an existing lockfile.\nTry creating one first with: npm i --package-lock-only","detail":""}}"#;
        assert_eq!(
            NpmAudit.judge(1, no_lock, "").unwrap_err(),
            "npm audit failed: npm error ENOLOCK; This command requires an existing lockfile."
        );
        assert_eq!(
            NpmAudit.judge(1, br#"{"error":{}}"#, "").unwrap_err(),
            "npm audit reported an error without saying which"
        );
        assert!(NpmAudit
            .judge(0, br#"{"auditReportVersion":2,"vulnerabilities":{}}"#, "")
            .is_ok());
    }

    #[test]
    fn a_report_without_vulnerabilities_or_at_odds_with_the_exit_code_is_an_error() {
        assert_eq!(
            NpmAudit
                .judge(0, br#"{"auditReportVersion":2,"metadata":{}}"#, "")
                .unwrap_err(),
            "printed an audit report without `vulnerabilities`"
        );
        let reason = NpmAudit
            .judge(1, br#"{"auditReportVersion":2,"vulnerabilities":{}}"#, "")
            .unwrap_err();
        assert!(reason.contains("lists no vulnerability"), "{reason}");
        assert!(NpmAudit
            .judge(1, br#"{"auditReportVersion":2,"vulnerabilities":{"minimist":{}}}"#, "")
            .is_ok());
    }
}
