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
//! `Stats.files == 0` means nothing was analysed. Both are tool errors, and so is a report
//! without the `Issues` key. A package named alone (pull-request mode's `./DIR`) must have a file
//! Go builds: one whose only file is `//go:build ignore` fails to load, where `./...` passes over
//! it, so a changed file with a build constraint scans its module whole. A nested module's
//! packages are not its parent's. gosec's `-quiet` writes
//! no file when clean, so it is not used. `line` can be a range (`12-14`) and `file` is absolute.

use std::collections::BTreeMap;
use std::ffi::OsString;

use crate::repo::display;
use crate::tool::{parse_json, present, Invocation, Scope};
use crate::{Category, FindingScope, RepoIndex, Target, Tool};

pub(crate) struct Gosec;

#[derive(serde::Deserialize)]
struct GosecReport {
    #[serde(rename = "Golang errors", default)]
    golang_errors: BTreeMap<String, serde::de::IgnoredAny>,
    /// Every report has the key (`null` or `[]` when clean): without it the findings are not there.
    #[serde(rename = "Issues", deserialize_with = "present")]
    _issues: Option<Vec<serde::de::IgnoredAny>>,
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
        repo.project_files_named(|name| name == "go.mod")
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
        match changed_packages(invocation) {
            Some(packages) => args.extend(packages),
            None => args.push("./...".into()),
        }
        args
    }
    /// Go files, go.mod and go.sum: what the packages it type-checks are built from.
    fn reads(&self, path: &std::path::Path, _scope: &Scope<'_>) -> bool {
        is_go_input(path)
    }
    /// gosec checks each package (a directory) on its own files, type-checked against its imports.
    fn finding_scope(&self) -> FindingScope {
        FindingScope::Directory
    }
    /// Pull-request mode: the modules holding a changed Go file (or whose go.mod or go.sum
    /// changed). A file belongs to the innermost module above it: a nested module's files are
    /// not its parent's (`./...` leaves them out, and naming one as the parent's package fails).
    fn changed_targets(&self, targets: Vec<Target>, changed: &[std::path::PathBuf], scope: &Scope<'_>) -> Vec<Target> {
        let modules = module_dirs(scope.repo);
        targets
            .into_iter()
            .filter(|target| {
                changed
                    .iter()
                    .any(|path| is_go_input(path) && module_of(&modules, path) == Some(target.dir.as_path()))
            })
            .collect()
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

/// The directories (root-relative) that hold a `go.mod`: the Go modules.
fn module_dirs(repo: &RepoIndex) -> Vec<&std::path::Path> {
    repo.project_files_named(|name| name == "go.mod")
        .map(|go_mod| go_mod.parent().unwrap_or(std::path::Path::new("")))
        .collect()
}

/// The innermost of `modules` that holds `path`.
fn module_of<'a>(modules: &[&'a std::path::Path], path: &std::path::Path) -> Option<&'a std::path::Path> {
    modules
        .iter()
        .copied()
        .filter(|dir| path.starts_with(dir))
        .max_by_key(|dir| dir.components().count())
}

/// True when the Go file at `path` has a build constraint (`//go:build`, or the older
/// `// +build`) in its header, before the `package` clause.
fn has_build_constraint(path: &std::path::Path) -> bool {
    let Ok(source) = std::fs::read_to_string(path) else {
        return false;
    };
    source
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("package "))
        .any(|line| line.starts_with("//go:build") || line.starts_with("// +build"))
}

fn is_go_input(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|ext| ext == "go")
        || path
            .file_name()
            .is_some_and(|name| name == "go.mod" || name == "go.sum")
}

/// Pull-request mode: the module's packages that hold a changed Go file, as `./DIR` arguments;
/// `None` for the whole module (`./...`): not in pull-request mode, its go.mod or go.sum changed
/// (which can change every package's dependencies), or only deleted files changed.
fn changed_packages(invocation: &Invocation<'_>) -> Option<Vec<OsString>> {
    let changed = invocation.options.changed.as_ref()?;
    let module = &invocation.target.dir;
    let modules = module_dirs(invocation.repo);
    let in_module: Vec<&std::path::Path> = changed
        .iter()
        .filter(|path| is_go_input(path) && module_of(&modules, path) == Some(module.as_path()))
        .filter_map(|path| path.strip_prefix(module).ok())
        .collect();
    if in_module
        .iter()
        .any(|path| path.extension().is_none_or(|ext| ext != "go"))
    {
        return None;
    }
    // A file with a build constraint may leave its package without a file Go builds: named
    // alone, that package fails to load, where `./...` passes over it. Which files a constraint
    // keeps is Go's to decide, so the module is scanned whole, as a full scan does.
    if in_module
        .iter()
        .any(|path| has_build_constraint(&invocation.root.join(module).join(path)))
    {
        return None;
    }
    let mut packages: Vec<OsString> = in_module
        .iter()
        .filter_map(|path| path.parent())
        .filter(|dir| invocation.root.join(module).join(dir).is_dir())
        .map(|dir| {
            let mut package = OsString::from(".");
            if !dir.as_os_str().is_empty() {
                package.push("/");
                package.push(dir);
            }
            package
        })
        .collect();
    packages.sort();
    packages.dedup();
    // Only deleted files: what they took away can break any package of the module.
    (!packages.is_empty()).then_some(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_needs_its_issues_and_analysed_files() {
        assert!(Gosec
            .judge(0, br#"{"Golang errors": {}, "Issues": [], "Stats": {"files": 1}}"#, "")
            .is_ok());
        assert!(Gosec
            .judge(0, br#"{"Issues": null, "Stats": {"files": 1}}"#, "")
            .is_ok());
        let reason = Gosec.judge(0, br#"{"Stats": {"files": 1}}"#, "").unwrap_err();
        assert!(reason.contains("not its report"), "{reason}");
    }
}
