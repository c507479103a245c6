//! semgrep: static analysis of first-party source.
//!
//! # Invocation
//! `semgrep scan --config C --metrics=off --disable-version-check --quiet --disable-nosem
//! --x-semgrepignore-filename=I --json-output=F --jobs=N .` in the root. `N` is semgrep's share of the cores: it would otherwise
//! start one worker per core and compete with the scanners running beside it. `C` is scangate's
//! bundled rules unless `--semgrep-config` names others (a registry ruleset such as `p/ci` needs
//! network).
//!
//! `I` is a file name no repository has (`.semgrepignore-` and the run's random scratch name):
//! semgrep consults files named `I` instead of `.semgrepignore`, so the repository's
//! `.semgrepignore` files (untrusted; they would drop findings unseen) are not applied and are
//! reported, while semgrep's default exclusions, which it applies when the project root has no
//! ignore file (`node_modules/`, `vendor/`, `.git/`, tests, minified files …), stay.
//!
//! # Exit codes
//! 0 ran (findings do not change it without `--error`), 1 findings with `--error`, 2 and above
//! errors. Per-file problems land in the JSON's `errors[]`; the normalizer reports them.
//!
//! # Known traps
//! The JSON's `extra.fingerprint` and `extra.lines` say `requires login` when logged out.
//! `--x-semgrepignore-filename` is an internal option (semgrep 1.185 has no public one that keeps
//! the defaults); semgrep warns on stderr that `--x-` options may change, so a new pin must
//! re-check it. `--x-ignore-semgrepignore-files` would drop the default exclusions too.
//! A report is an object with a `results` array; `{}` or an error object is an error. A report
//! in which every scanned file has a per-file error analysed nothing: the normalizer makes that
//! an error too.

use std::ffi::OsString;

use crate::scratch;
use crate::tool::{parse_json, present_configs, IgnoredConfig, Invocation};
use crate::{Category, RepoIndex, Target, Tool};

/// File extensions of languages semgrep analyses.
const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "js", "jsx", "mjs", "cjs", "ts", "tsx", "go", "java", "kt", "rb", "php", "c", "h", "cc", "cpp", "cs",
    "scala", "rs", "swift", "sh", "tf", "yaml", "yml", "json", "html", "ex", "exs", "lua", "sol", "dart", "jl",
];

/// Why the repository's `.semgrepignore` files are not read.
const IGNORE_FILE_IGNORED: &str = "its exclusions were not applied: semgrep scanned the files it lists \
     (semgrep's default exclusions still apply); suppress findings in a trusted --policy file instead";

/// The rules scangate ships, so a scan needs no rule registry.
const BUNDLED_RULES: &str = include_str!("../../../../rules/semgrep/scangate.yaml");

pub(crate) struct Semgrep;

/// What tells a semgrep report from other JSON.
#[derive(serde::Deserialize)]
struct ReportShape {
    #[serde(rename = "results")]
    _results: Vec<serde::de::IgnoredAny>,
}

impl Semgrep {
    fn is_source(name: &str) -> bool {
        let extension = name.rsplit_once('.').map(|(_, ext)| ext);
        extension.is_some_and(|ext| SOURCE_EXTENSIONS.contains(&ext) && !matches!(ext, "yaml" | "yml" | "json"))
    }
}

impl Tool for Semgrep {
    fn name(&self) -> &'static str {
        "semgrep"
    }
    fn executable(&self) -> &'static str {
        "semgrep"
    }
    fn categories(&self) -> &'static [Category] {
        &[Category::Sast]
    }
    fn version_args(&self) -> &'static [&'static str] {
        // Without the flag, semgrep asks the network for a newer release before answering.
        &["--version", "--disable-version-check"]
    }
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        repo.first_named(Semgrep::is_source)
            .map(crate::tools::root_target)
            .into_iter()
            .collect()
    }
    fn staged_targets(&self, staged: &[std::path::PathBuf]) -> Option<Vec<Target>> {
        let first = staged.iter().find(|path| is_source_path(path));
        Some(
            first
                .map(|path| crate::tools::root_target(crate::repo::display(path)))
                .into_iter()
                .collect(),
        )
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no source file in a language semgrep analyses"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["scan".into()];
        if invocation.options.semgrep_config.is_empty() {
            args.push("--config".into());
            args.push(bundled_rules_path(invocation).into());
        }
        for config in &invocation.options.semgrep_config {
            args.push("--config".into());
            args.push(config.clone());
        }
        // --disable-nosem: findings under `nosemgrep` comments are reported, and scangate marks
        // them suppressed instead of letting them vanish.
        args.extend(["--metrics=off", "--disable-version-check", "--quiet", "--disable-nosem"].map(OsString::from));
        args.push(ignore_file_name(invocation));
        // Anchored at the project root (gitignore syntax), so only this path is left out.
        for (path, _) in crate::tools::exclusions_below(invocation) {
            let mut exclude = OsString::from("--exclude=/");
            exclude.push(path);
            args.push(exclude);
        }
        let mut json_output = OsString::from("--json-output=");
        json_output.push(invocation.output);
        args.push(json_output);
        args.push(format!("--jobs={}", invocation.cores).into());
        match &invocation.options.staged {
            // Pre-commit: only the staged source files.
            Some(files) => args.extend(
                files
                    .iter()
                    .filter(|f| is_source_path(f))
                    .map(|f| f.as_os_str().to_owned()),
            ),
            None => args.push(".".into()),
        }
        args
    }
    fn env(&self, _invocation: &Invocation<'_>) -> Vec<(OsString, OsString)> {
        vec![("SEMGREP_SEND_METRICS".into(), "off".into())]
    }
    fn ignored_configs(&self, invocation: &Invocation<'_>) -> Vec<IgnoredConfig> {
        let found = invocation.repo.files_named(|name| name == ".semgrepignore").cloned();
        present_configs(self, invocation, found, IGNORE_FILE_IGNORED)
    }
    fn judge(&self, exit_code: i32, output: &[u8], _stderr: &str) -> Result<(), String> {
        match exit_code {
            0 | 1 => parse_json::<ReportShape>(output).map(drop),
            code => Err(format!("exited with {code} (0 = ran, 2 and above = error)")),
        }
    }
}

fn is_source_path(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(Semgrep::is_source)
}

/// Writes the bundled rules into the run's scratch directory (once) and returns their path.
fn bundled_rules_path(invocation: &Invocation<'_>) -> std::path::PathBuf {
    scratch::shared_file(
        invocation.scratch,
        "scangate-semgrep-rules.yaml",
        BUNDLED_RULES.as_bytes(),
    )
}

/// `--x-semgrepignore-filename=.semgrepignore-<scratch name>`: a name the repository cannot
/// know in advance, since the scratch directory's name is random.
fn ignore_file_name(invocation: &Invocation<'_>) -> OsString {
    let mut flag = OsString::from("--x-semgrepignore-filename=.semgrepignore-");
    flag.push(invocation.scratch.file_name().unwrap_or_default());
    flag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_object_with_results_is_a_report() {
        assert!(Semgrep.judge(0, br#"{"results": [], "errors": []}"#, "").is_ok());
        for other in [&br#"{}"#[..], br#"[]"#, br#"{"error": "bad config"}"#] {
            let reason = Semgrep.judge(0, other, "").unwrap_err();
            assert!(reason.contains("not its report"), "{reason}");
        }
    }
}
