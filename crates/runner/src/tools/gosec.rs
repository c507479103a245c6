//! gosec: static analysis of Go code, once per Go module.
//!
//! # Invocation
//! `gosec -fmt json -out F -track-suppressions -no-fail ./...` in each directory holding a
//! `go.mod`.
//!
//! # Exit codes
//! With `-no-fail`, 0; anything else is an error.
//!
//! # Known traps
//! A non-empty `Golang errors` map means packages did not type-check, so findings are missing;
//! `Stats.files == 0` means nothing was analysed. Both are tool errors. gosec's `-quiet` writes
//! no file when clean, so it is not used. `line` can be a range (`12-14`) and `file` is absolute.

use std::collections::BTreeMap;
use std::ffi::OsString;

use crate::repo::display;
use crate::tool::{parse_json, Invocation};
use crate::{Category, RepoIndex, Target, Tool};

pub(crate) struct Gosec;

#[derive(serde::Deserialize)]
struct GosecReport {
    #[serde(rename = "Golang errors", default)]
    golang_errors: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(rename = "Stats")]
    stats: Option<GosecStats>,
}

#[derive(serde::Deserialize)]
struct GosecStats {
    files: u64,
}

impl Tool for Gosec {
    fn name(&self) -> &'static str {
        "gosec"
    }
    fn executable(&self) -> &'static str {
        "gosec"
    }
    fn categories(&self) -> &'static [Category] {
        &[Category::Sast]
    }
    fn version_args(&self) -> &'static [&'static str] {
        &["-version"]
    }
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        repo.files_named(|name| name == "go.mod")
            .map(|go_mod| Target {
                dir: go_mod.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
                trigger: display(go_mod),
            })
            .collect()
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no Go module (go.mod)"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["-fmt", "json", "-out"].map(OsString::from).to_vec();
        args.push(invocation.output.into());
        args.extend(["-track-suppressions", "-no-fail"].map(OsString::from));
        for (path, exclusion) in crate::tools::exclusions_below(invocation) {
            if exclusion.is_dir {
                args.push("-exclude-dir".into());
                args.push(anchored_dir_pattern(path).into());
            }
        }
        args.push("./...".into());
        args
    }
    fn env(&self, _invocation: &Invocation<'_>) -> Vec<(OsString, OsString)> {
        // Never let the scanned module trigger a Go toolchain download.
        vec![("GOTOOLCHAIN".into(), "local".into())]
    }
    fn judge(&self, exit_code: i32, output: &[u8], _stderr: &str) -> Result<(), String> {
        if exit_code != 0 {
            return Err(format!("exited with {exit_code} (with -no-fail it exits 0)"));
        }
        let report: GosecReport = parse_json(output)?;
        if !report.golang_errors.is_empty() {
            let packages: Vec<_> = report.golang_errors.keys().map(String::as_str).collect();
            return Err(format!(
                "could not type-check {} package(s): {}",
                packages.len(),
                packages.join(", ")
            ));
        }
        match report.stats {
            Some(GosecStats { files: 0 }) | None => Err("analysed no Go files".to_string()),
            Some(_) => Ok(()),
        }
    }
}

/// gosec turns each `-exclude-dir` value into the unanchored regex `([\\/])?VALUE([\\/])?` and
/// matches it against package directories relative to the module, so a plain `build` would drop
/// every package whose path contains `build`. The value is the module-relative directory,
/// escaped and anchored, so exactly it and what is below it are left out.
fn anchored_dir_pattern(dir: &std::path::Path) -> String {
    format!("^{}(/.*)?$", regex::escape(&dir.to_string_lossy()))
}
