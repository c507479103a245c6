//! semgrep: static analysis of first-party source.
//!
//! # Invocation
//! `semgrep scan [--experimental] --config C --metrics=off --disable-version-check --quiet
//! --disable-nosem --max-target-bytes=0 --x-ignore-semgrepignore-files [--x-rule-validation=none]
//! --json --jobs=N .` in the root; the report is stdout. `N` is semgrep's share of the cores: it
//! would otherwise start one worker per core and compete with the scanners running beside it.
//! `C` is each of `--semgrep-config`'s values; without any, the registry's `p/default`
//! (downloaded from semgrep.dev) or, with `--offline`, scangate's bundled rules. The bundled rules
//! (`rules/semgrep/<language>.yaml`, embedded as JSON with their YAML aliases expanded by
//! `build.rs`) are written to the run's scratch directory, one `--config` per file;
//! `--semgrep-config bundled` names them explicitly.
//!
//! # Engine
//! `semgrep` is a Python program, pysemgrep, that spends about 1.8 s importing itself before it
//! hands the rules and targets to semgrep-core; `--experimental` runs osemgrep instead,
//! semgrep-core's own command line, which starts in a tenth of a second and reports the same
//! findings, errors and `paths.scanned` for the same rules and targets. scangate runs osemgrep
//! for the bundled rules ([`engine`]) and pysemgrep for every other rule source, whose behaviour
//! stays pysemgrep's (osemgrep's YAML reader refuses aliases, and it reports a registry failure
//! on stderr only). One difference in what they read: osemgrep reads no `*.min.js` or `*.d.ts`
//! file, named on its command line or not ([`reads::osemgrep_skips`]); an invocation that reads
//! one runs pysemgrep, with `--x-rule-validation=none` (pysemgrep's Python schema check, 0.7 s;
//! semgrep-core still rejects a rule it cannot parse, and the bundled rules are checked by
//! their tests).
//!
//! `--x-ignore-semgrepignore-files`: semgrep reads no `.semgrepignore` file (the repository's are
//! untrusted; they would drop findings unseen, and are reported instead) and applies none of
//! its default exclusions either. Those (`tests/`, `test/`, `vendor/`, `build/`, `dist/`,
//! `*.min.js` …) would let a change put code where semgrep never reads it. What is left out is
//! what scangate leaves out for every scanner: untracked files git ignores (semgrep's own git
//! handling, `--no-git-ignore` with `--include-ignored`) and `--exclude` paths.
//!
//! # Exit codes
//! 0 ran (findings do not change it without `--error`), 1 findings with `--error`, 2 and above
//! errors. Per-file problems land in the JSON's `errors[]`; the normalizer reports them. A report
//! without `results` or `errors`, or 1 with no result, is an error: the report and the exit code
//! are not semgrep's.
//!
//! # Known traps
//! The JSON's `extra.fingerprint` and `extra.lines` say `requires login` when logged out.
//! `--x-ignore-semgrepignore-files` is an internal option (semgrep 1.185 has no public one);
//! semgrep warns on stderr that `--x-` options may change, so a new pin must re-check it.
//! A report is an object with a `results` array; `{}` or an error object is an error. A report
//! in which every scanned file has a per-file error analysed nothing: the normalizer makes that
//! an error too.
//! semgrep skips files over 1 MB silently by default (`--max-target-bytes=0` lifts it), follows
//! no symlink, and exits 2 for one named on its command line (pull-request mode passes only
//! regular files; code behind a symlink is a gap, [`Tool::gaps`]). Which files it reads is its
//! own language table (`reads::semgrep_reads`).
//! A registry ruleset semgrep cannot download ends the run with 2 and no report after about
//! 100 s (semgrep 1.185 retries three times, 16, 32 and 64 s apart); a registry that answers
//! with an HTTP error ends it at once with 7 and a report whose `errors[]` says so. Either way
//! the reason names `--offline` and `--semgrep-config` (see [`Tool::failure_hint`]).

use std::ffi::{OsStr, OsString};

use crate::scratch;
use crate::tool::{parse_json, present_configs, IgnoredConfig, Invocation, OutputChannel, Scope};
use crate::tools::reads;
use crate::{Category, FindingScope, RepoIndex, ScanOptions, Target, Tool};

/// Why the repository's `.semgrepignore` files are not read.
const IGNORE_FILE_IGNORED: &str = "its exclusions were not applied: semgrep scanned the files it lists; \
     leave paths out with --exclude, or suppress findings in a trusted --policy file";

/// One file of the rules scangate ships: as written, and as semgrep is given it.
struct BundledRules {
    language: &'static str,
    /// `rules/semgrep/<language>.yaml`.
    yaml: &'static str,
    /// The same rules as JSON, the YAML's aliases expanded (`build.rs`): osemgrep's YAML reader
    /// refuses an alias (`pattern-sources: *go-request`).
    json: &'static str,
}

/// Embeds the bundled rules of one language.
macro_rules! bundled_rules {
    ($language:literal) => {
        BundledRules {
            language: $language,
            yaml: include_str!(concat!("../../../../rules/semgrep/", $language, ".yaml")),
            json: include_str!(concat!(env!("OUT_DIR"), "/semgrep-rules/", $language, ".json")),
        }
    };
}

/// The rules scangate ships, one file per language, so a scan needs no rule registry.
const BUNDLED_RULES: [BundledRules; 4] = [
    bundled_rules!("python"),
    bundled_rules!("javascript"),
    bundled_rules!("go"),
    bundled_rules!("java"),
];

/// The `--semgrep-config` value that names scangate's bundled rules.
pub const BUNDLED: &str = "bundled";

/// The registry ruleset semgrep runs when `--semgrep-config` is not given and the network is.
pub const REGISTRY_DEFAULT: &str = "p/default";

/// Where the rules of a semgrep run come from, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleSource {
    /// scangate's bundled rules, and how many there are.
    Bundled {
        /// Rules in the embedded files.
        rules: usize,
    },
    /// A registry ruleset (`p/default`, `r/…`, `auto`) or a URL, downloaded at run time.
    Registry {
        /// The `--config` value.
        config: String,
    },
    /// Local rule files.
    Local {
        /// The file or directory, absolute.
        config: String,
    },
}

impl std::fmt::Display for RuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleSource::Bundled { rules } => write!(f, "bundled rules ({rules} rules)"),
            RuleSource::Registry { config } => write!(f, "{config} (semgrep registry, needs network)"),
            RuleSource::Local { config } => write!(f, "local rules {config}"),
        }
    }
}

/// The rules semgrep runs with under `options`: each `--semgrep-config` value, else the
/// registry's `p/default`, or the bundled rules with `--offline`.
pub fn rule_sources(options: &ScanOptions) -> Vec<RuleSource> {
    if options.semgrep_config.is_empty() {
        return vec![match options.offline {
            true => bundled_source(),
            false => RuleSource::Registry {
                config: REGISTRY_DEFAULT.to_owned(),
            },
        }];
    }
    options.semgrep_config.iter().map(|config| source_of(config)).collect()
}

fn source_of(config: &OsStr) -> RuleSource {
    let text = config.to_string_lossy().into_owned();
    if config == BUNDLED {
        bundled_source()
    } else if downloaded(&text) {
        RuleSource::Registry { config: text }
    } else {
        RuleSource::Local { config: text }
    }
}

/// True for the `--config` values semgrep downloads: registry names and URLs. Anything else is
/// a local path (the cli makes existing ones absolute).
fn downloaded(config: &str) -> bool {
    !std::path::Path::new(config).is_absolute()
        && (config == "auto"
            || ["p/", "r/", "s/", "http://", "https://"]
                .iter()
                .any(|prefix| config.starts_with(prefix)))
}

fn bundled_source() -> RuleSource {
    RuleSource::Bundled {
        rules: BUNDLED_RULES.iter().map(|rules| rule_count(rules.yaml)).sum(),
    }
}

/// Rules in one bundled file: each starts with `  - id:` (the files' layout, checked by a test).
fn rule_count(file: &str) -> usize {
    file.lines().filter(|line| line.starts_with("  - id: ")).count()
}

/// Why a run that downloads its rules did not run under `--offline`.
const OFFLINE_REFUSAL: &str = "not run: --offline, and --semgrep-config names rules semgrep would download \
     (a registry ruleset or URL); give local rule files or --semgrep-config bundled, or leave semgrep out with --skip semgrep";

pub(crate) struct Semgrep;

/// What tells a semgrep report from other JSON: both keys every report has, `results` and
/// `errors` (semgrep writes its own failures there; without the key they would go unseen).
#[derive(serde::Deserialize)]
struct ReportShape {
    results: Vec<serde::de::IgnoredAny>,
    #[serde(rename = "errors")]
    _errors: Vec<serde::de::IgnoredAny>,
}

/// True when the rules of a run under `options` are scangate's bundled rules alone, whose
/// languages scangate knows.
fn bundled_only(options: &ScanOptions) -> bool {
    rule_sources(options)
        .iter()
        .all(|source| matches!(source, RuleSource::Bundled { .. }))
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
    /// A file of a language semgrep analyses ([`reads::semgrep_applies`]: by name, or an
    /// executable script by its `#!` line). The trigger named is one the bundled rules read when
    /// there is one: a Dockerfile makes semgrep apply too, but only rules of its language read it.
    fn targets(&self, repo: &RepoIndex) -> Vec<Target> {
        repo.first_matching(|path| reads::semgrep_reads(repo, true, path))
            .or_else(|| repo.first_matching(|path| reads::semgrep_applies(repo, path)))
            .map(crate::tools::root_target)
            .into_iter()
            .collect()
    }
    fn staged_targets(&self, staged: &[std::path::PathBuf], scope: &Scope<'_>) -> Option<Vec<Target>> {
        let first = staged.iter().find(|path| self.reads(path, scope));
        Some(
            first
                .map(|path| crate::tools::root_target(crate::repo::display(path)))
                .into_iter()
                .collect(),
        )
    }
    /// What semgrep itself would read among the files of the rules' languages
    /// ([`reads::semgrep_reads`]); any regular file when the rules are not only the bundled ones.
    fn reads(&self, path: &std::path::Path, scope: &Scope<'_>) -> bool {
        reads::semgrep_reads(scope.repo, bundled_only(scope.options), path)
    }
    fn output_channel(&self) -> OutputChannel {
        OutputChannel::Stdout
    }
    fn finding_scope(&self) -> FindingScope {
        FindingScope::File
    }
    fn not_applicable_reason(&self) -> &'static str {
        "no source file in a language semgrep analyses"
    }
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString> {
        let scope = invocation.scope();
        let engine = engine(&scope);
        let mut args: Vec<OsString> = vec!["scan".into()];
        if engine == Engine::Osemgrep {
            args.push("--experimental".into());
        }
        for config in config_args(invocation) {
            args.push("--config".into());
            args.push(config);
        }
        // --disable-nosem: findings under `nosemgrep` comments are reported, and scangate marks
        // them suppressed instead of letting them vanish.
        args.extend(["--metrics=off", "--disable-version-check", "--quiet", "--disable-nosem"].map(OsString::from));
        // semgrep skips files over 1 MB by default, without a finding or an error: a change could
        // pad its code past it. 0 lifts the limit.
        args.push("--max-target-bytes=0".into());
        args.push("--x-ignore-semgrepignore-files".into());
        // pysemgrep checks rules against its JSON schema in Python before semgrep-core parses
        // them: about 0.7 s of every run. scangate's bundled rules are checked by their tests;
        // semgrep-core still reports a rule it cannot parse as an error (which fails the run).
        // Other rules keep the check.
        if engine == Engine::Pysemgrep && bundled_only(invocation.options) {
            args.push("--x-rule-validation=none".into());
        }
        // semgrep leaves out the untracked files git ignores by itself; asked to scan them, it
        // must not consult git.
        if invocation.options.include_ignored {
            args.push("--no-git-ignore".into());
        }
        // Anchored at the project root (gitignore syntax), so only this path is left out.
        for (path, _) in crate::tools::exclusions_below(invocation) {
            let mut exclude = OsString::from("--exclude=/");
            exclude.push(path);
            args.push(exclude);
        }
        args.push("--json".into());
        args.push(format!("--jobs={}", invocation.cores).into());
        if let Some(seconds) = invocation.options.semgrep_timeout {
            args.push(format!("--timeout={seconds}").into());
        }
        match scoped_files(&scope) {
            // Pre-commit: the staged source files; pull-request mode: the changed ones that
            // still exist. Its rules look at one file at a time, so these findings are a full
            // scan's findings on these files. Each goes as `./PATH`: a file the change names
            // `--include=x.py` would otherwise be read as an option, and not scanned.
            Some(files) => {
                let read: Vec<OsString> = files
                    .iter()
                    .filter(|f| self.reads(f, &scope))
                    .map(|f| std::path::Path::new(".").join(f).into_os_string())
                    .collect();
                // Only a gap to report (a changed symlink): an empty directory, since semgrep
                // given no path scans its working directory.
                match read.is_empty() {
                    true => args.push(empty_dir(invocation).into()),
                    false => args.extend(read),
                }
            }
            None => args.push(".".into()),
        }
        args
    }
    /// Code of the rules' languages behind a symlink ([`symlink_gaps`]).
    fn gaps(&self, invocation: &Invocation<'_>) -> Vec<String> {
        symlink_gaps(&invocation.scope())
    }
    /// Pull-request mode: the change touches a file semgrep reads, or a symlink to code it does
    /// not follow (then it runs to report the gap, which it cannot vouch past).
    fn changed_targets(&self, targets: Vec<Target>, changed: &[std::path::PathBuf], scope: &Scope<'_>) -> Vec<Target> {
        let touched = changed.iter().any(|path| self.reads(path, scope)) || !symlink_gaps(scope).is_empty();
        match touched {
            true => targets,
            false => Vec::new(),
        }
    }
    fn offline_refusal(&self, options: &ScanOptions) -> Option<&'static str> {
        let downloads = rule_sources(options)
            .iter()
            .any(|source| matches!(source, RuleSource::Registry { .. }));
        (options.offline && downloads).then_some(OFFLINE_REFUSAL)
    }
    /// The rule registry (`SEMGREP_URL`, which semgrep reads too, else semgrep.dev) when rules are
    /// downloaded from it.
    fn needs_server(&self, options: &ScanOptions) -> Option<String> {
        let downloads = rule_sources(options)
            .iter()
            .any(|source| matches!(source, RuleSource::Registry { .. }));
        let url = std::env::var("SEMGREP_URL").unwrap_or_else(|_| "https://semgrep.dev".to_string());
        downloads.then(|| super::host_and_port(&url))
    }
    fn failure_hint(&self, options: &ScanOptions) -> Option<String> {
        let registry: Vec<String> = rule_sources(options)
            .into_iter()
            .filter_map(|source| match source {
                RuleSource::Registry { config } => Some(config),
                _ => None,
            })
            .collect();
        (!registry.is_empty()).then(|| {
            format!(
                "semgrep downloads {} from the semgrep registry (semgrep.dev): without network, \
                 scan with --offline (scangate's bundled rules), give --semgrep-config local rule files or `bundled`, \
                 or leave semgrep out with --skip semgrep",
                registry.join(", ")
            )
        })
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
            0 => parse_json::<ReportShape>(output).map(drop),
            1 => match parse_json::<ReportShape>(output)?.results.is_empty() {
                true => Err("exited with 1 (findings), but its report lists no result".to_string()),
                false => Ok(()),
            },
            code => Err(match first_error(output) {
                Some(message) => format!("exited with {code} (0 = ran, 2 and above = error): {message}"),
                None => format!("exited with {code} (0 = ran, 2 and above = error)"),
            }),
        }
    }
}

/// The files semgrep is limited to, if any: staged (pre-commit) or changed (pull-request mode),
/// minus the excluded ones.
fn scoped_files<'a>(scope: &Scope<'a>) -> Option<Vec<&'a std::path::PathBuf>> {
    let files = scope.options.staged.as_ref().or(scope.options.changed.as_ref())?;
    let repo = scope.repo;
    Some(files.iter().filter(|file| repo.exclusion_of(file).is_none()).collect())
}

/// Which of semgrep's two command lines runs an invocation (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    /// `semgrep scan`: Python, then semgrep-core.
    Pysemgrep,
    /// `semgrep scan --experimental`: semgrep-core alone.
    Osemgrep,
}

/// osemgrep for scangate's bundled rules, unless the invocation reads a file osemgrep skips
/// (`*.min.js`, `*.d.ts`: a change could otherwise put its code there unseen); pysemgrep for
/// every other rule source.
fn engine(scope: &Scope<'_>) -> Engine {
    if !bundled_only(scope.options) {
        return Engine::Pysemgrep;
    }
    let skipped = |path: &std::path::Path| reads::osemgrep_skips(path) && reads::semgrep_reads(scope.repo, true, path);
    let reads_a_skipped_file = match scoped_files(scope) {
        Some(files) => files.iter().any(|file| skipped(file)),
        None => scope.repo.first_matching(skipped).is_some(),
    };
    match reads_a_skipped_file {
        true => Engine::Pysemgrep,
        false => Engine::Osemgrep,
    }
}

/// The symlinks named as a file of the rules' languages (`app/handler.py`) whose code semgrep does
/// not scan: semgrep follows no symlink, so the code is scanned only when the link leads to a
/// file in the repository that semgrep reads under its own name, or to a directory in the
/// repository (scanned itself); a link out of the repository, or to a file semgrep would not
/// take for code (`scripts/handler`, not executable), is a gap, and so is a link of any name to
/// a directory out of the repository. Pull-request and pre-commit
/// mode look at the links the change touches and the links to the files it touches.
fn symlink_gaps(scope: &Scope<'_>) -> Vec<String> {
    let repo = scope.repo;
    let bundled_only = bundled_only(scope.options);
    let root = repo.root();
    let scoped = scoped_files(scope);
    let mut gaps = Vec::new();
    for link in repo.symlinks() {
        // A dangling link holds no code.
        let Ok(target) = root.join(link).canonicalize() else {
            continue;
        };
        let inside = target.strip_prefix(root).ok().map(std::path::Path::to_path_buf);
        // A directory out of the repository may hold code of any name.
        let out_dir = inside.is_none() && target.is_dir();
        if !out_dir && !reads::semgrep_language_named(bundled_only, link) {
            continue;
        }
        if let Some(files) = &scoped {
            let touched = |path: &std::path::Path| files.iter().any(|file| file.as_path() == path);
            if !touched(link) && !inside.as_deref().is_some_and(touched) {
                continue;
            }
        }
        let scanned = inside.as_deref().is_some_and(|inside| {
            repo.exclusion_of(inside).is_none() && (target.is_dir() || reads::semgrep_reads(repo, bundled_only, inside))
        });
        if !scanned {
            let to = match &inside {
                Some(inside) => format!("{}, which semgrep does not read as code", crate::repo::display(inside)),
                None if out_dir => "a directory outside the repository".to_owned(),
                None => "a file outside the repository".to_owned(),
            };
            gaps.push(format!(
                "{} is a symlink to {to}: semgrep follows no symlink, so that code was not scanned",
                crate::repo::display(link)
            ));
        }
    }
    gaps
}

/// An empty directory in the run's scratch directory.
fn empty_dir(invocation: &Invocation<'_>) -> std::path::PathBuf {
    let empty = invocation.scratch.join("semgrep-nothing");
    if let Err(error) = scratch::private_dir(&empty) {
        tracing::warn!(%error, path = %empty.display(), "cannot create an empty directory for semgrep");
    }
    empty
}

/// The first error of a failed run's report (`Failed to download configuration from …`), which
/// says more than the exit code.
fn first_error(output: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Failed {
        errors: Vec<FailedError>,
    }
    #[derive(serde::Deserialize)]
    struct FailedError {
        message: String,
    }
    let failed: Failed = serde_json::from_slice(output).ok()?;
    failed.errors.into_iter().next().map(|error| error.message)
}

/// The `--config` values: [`rule_sources`] as semgrep takes them, the bundled rules as files.
fn config_args(invocation: &Invocation<'_>) -> Vec<OsString> {
    let options = invocation.options;
    match (options.semgrep_config.is_empty(), options.offline) {
        (true, true) => bundled_rule_paths(invocation),
        (true, false) => vec![REGISTRY_DEFAULT.into()],
        (false, _) => options
            .semgrep_config
            .iter()
            .flat_map(|config| match config == BUNDLED {
                true => bundled_rule_paths(invocation),
                false => vec![config.clone()],
            })
            .collect(),
    }
}

/// Writes the bundled rule files into the run's scratch directory (once) and returns their paths.
fn bundled_rule_paths(invocation: &Invocation<'_>) -> Vec<OsString> {
    BUNDLED_RULES
        .iter()
        .map(|rules| {
            let name = format!("scangate-semgrep-{}.json", rules.language);
            scratch::shared_file(invocation.scratch, &name, rules.json.as_bytes()).into_os_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(configs: &[&str], offline: bool) -> ScanOptions {
        ScanOptions {
            semgrep_config: configs.iter().map(OsString::from).collect(),
            offline,
            ..ScanOptions::default()
        }
    }

    #[test]
    fn every_bundled_rule_is_counted_once() {
        let mut ids = std::collections::BTreeSet::new();
        for BundledRules {
            language,
            yaml: file,
            json,
        } in BUNDLED_RULES
        {
            // What semgrep is given holds the same rules, in the same order.
            let given: serde_json::Value = serde_json::from_str(json).expect("the bundled rules as JSON");
            let given_ids: Vec<&str> = given["rules"]
                .as_array()
                .expect("a `rules` list")
                .iter()
                .map(|rule| rule["id"].as_str().expect("an id"))
                .collect();
            let written_ids: Vec<&str> = file.lines().filter_map(|line| line.strip_prefix("  - id: ")).collect();
            assert_eq!(given_ids, written_ids, "{language}");
            // `id:` anywhere else (a nested key, another indentation) would escape the count.
            let id_lines = file
                .lines()
                .filter(|line| line.trim_start().starts_with("- id:"))
                .count();
            assert_eq!(rule_count(file), id_lines, "{language}.yaml");
            assert!(rule_count(file) > 0, "{language}.yaml");
            // Every rule says what it found, how bad, and which weakness.
            for key in [
                "    message:",
                "    severity:",
                "      cwe: [\"CWE-",
                "      category: security",
            ] {
                let with_key = file.lines().filter(|line| line.starts_with(key)).count();
                assert_eq!(with_key, rule_count(file), "{language}.yaml: `{key}`");
            }
            for id in written_ids {
                assert!(ids.insert(id), "{id} twice");
            }
        }
        assert_eq!(bundled_source(), RuleSource::Bundled { rules: ids.len() });
    }

    #[test]
    fn registry_default_with_network_and_bundled_rules_offline() {
        let registry = |config: &str| RuleSource::Registry { config: config.into() };
        assert_eq!(rule_sources(&options(&[], false)), [registry("p/default")]);
        assert_eq!(rule_sources(&options(&[], true)), [bundled_source()]);
        assert_eq!(rule_sources(&options(&["bundled"], false)), [bundled_source()]);
        assert_eq!(
            rule_sources(&options(&["p/ci", "https://example.test/r.yaml", "/opt/rules"], false)),
            [
                registry("p/ci"),
                registry("https://example.test/r.yaml"),
                RuleSource::Local {
                    config: "/opt/rules".into()
                }
            ]
        );
        assert_eq!(Semgrep.offline_refusal(&options(&[], true)), None);
        assert_eq!(
            Semgrep.offline_refusal(&options(&["p/ci"], true)),
            Some(OFFLINE_REFUSAL)
        );
        assert_eq!(Semgrep.offline_refusal(&options(&["/opt/rules"], true)), None);
        let hint = Semgrep.failure_hint(&options(&[], false)).unwrap();
        assert!(
            hint.contains("p/default") && hint.contains("--offline") && hint.contains("--semgrep-config"),
            "{hint}"
        );
        assert_eq!(Semgrep.failure_hint(&options(&["bundled"], false)), None);
    }

    #[test]
    fn a_failed_run_names_its_first_error() {
        let report =
            br#"{"results": [], "errors": [{"level": "error", "message": "Failed to download configuration"}]}"#;
        let reason = Semgrep.judge(7, report, "").unwrap_err();
        assert!(reason.ends_with("error): Failed to download configuration"), "{reason}");
        assert_eq!(
            Semgrep.judge(2, b"", "").unwrap_err(),
            "exited with 2 (0 = ran, 2 and above = error)"
        );
    }

    #[test]
    fn only_an_object_with_results_is_a_report() {
        assert!(Semgrep.judge(0, br#"{"results": [], "errors": []}"#, "").is_ok());
        assert!(Semgrep.judge(1, br#"{"results": [{}], "errors": []}"#, "").is_ok());
        let reason = Semgrep.judge(1, br#"{"results": [], "errors": []}"#, "").unwrap_err();
        assert!(reason.contains("lists no result"), "{reason}");
        for other in [
            &br#"{}"#[..],
            br#"[]"#,
            br#"{"error": "bad config"}"#,
            br#"{"results": []}"#,
        ] {
            let reason = Semgrep.judge(0, other, "").unwrap_err();
            assert!(reason.contains("not its report"), "{reason}");
        }
    }
}
