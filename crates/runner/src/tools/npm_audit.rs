//! npm audit: advisories for the packages a `package-lock.json` pins, once per lockfile.
//!
//! # Invocation
//! `npm audit --json --package-lock-only` in each directory with a `package-lock.json` or
//! `npm-shrinkwrap.json`; `--registry URL` when scangate is told where advisories live. The report
//! is printed on stdout, which the runner sends to the output file.
//!
//! # Exit codes
//! 0 and 1 both come with a report (1 when vulnerabilities were found) and both come with a
//! failure too: a report has `auditReportVersion` (npm 7+) or `advisories` (npm 6), a failure has
//! `error`.
//!
//! # Known traps
//! `npm audit --offline` prints an empty report and exits 0, so it is never used.

use std::ffi::OsString;

use crate::repo::display;
use crate::tool::{parse_json, Invocation, OutputChannel};
use crate::{Category, RepoIndex, Target, Tool};

pub(crate) struct NpmAudit;

#[derive(serde::Deserialize)]
struct AuditShape {
    #[serde(rename = "auditReportVersion")]
    audit_report_version: Option<serde::de::IgnoredAny>,
    advisories: Option<serde::de::IgnoredAny>,
    error: Option<AuditError>,
}

#[derive(serde::Deserialize)]
struct AuditError {
    code: Option<String>,
    summary: Option<String>,
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
        for lockfile in repo.files_named(|name| name == "package-lock.json" || name == "npm-shrinkwrap.json") {
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
    fn not_applicable_reason(&self) -> &'static str {
        "no package-lock.json or npm-shrinkwrap.json"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["audit", "--json", "--package-lock-only"].map(OsString::from).to_vec();
        if let Some(registry) = &invocation.options.npm_registry {
            args.push("--registry".into());
            args.push(registry.into());
        }
        args
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
    fn judge(&self, exit_code: i32, output: &[u8], _stderr: &str) -> Result<(), String> {
        if !matches!(exit_code, 0 | 1) {
            return Err(format!("exited with {exit_code} (0 = clean, 1 = vulnerabilities)"));
        }
        let shape: AuditShape = parse_json(output)?;
        if let Some(error) = shape.error {
            let code = error.code.unwrap_or_else(|| "unknown".to_string());
            let summary = error.summary.unwrap_or_default();
            return Err(format!(
                "npm reported error {code}: {}",
                summary.lines().next().unwrap_or("")
            ));
        }
        if shape.audit_report_version.is_none() && shape.advisories.is_none() {
            return Err("printed JSON that is neither an audit report nor an error".to_string());
        }
        Ok(())
    }
}
