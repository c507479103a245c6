use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::{RepoIndex, ScanOptions};

/// What a scanner checks: the normalizer's type, shared with the gate and the reports.
pub use scangate_normalizer::Category;

/// One place a scanner runs: the directory (relative to the scanned root, empty for the root)
/// and the file that made it apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Working directory of the invocation, relative to the root.
    pub dir: PathBuf,
    /// The repository-relative file that triggered this invocation, or a short reason.
    pub trigger: String,
}

/// Where a scanner writes its machine-readable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputChannel {
    /// The scanner writes to the path passed in its argv.
    File,
    /// The scanner prints to stdout; the runner sends stdout to the output file.
    Stdout,
}

/// A repository file the scanner would read by default (an ignore list, its own config) that
/// scangate keeps it from reading: the repository is untrusted, and such a file could hide
/// findings unseen. Every report names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct IgnoredConfig {
    /// Repository-relative path with `/`.
    pub file: String,
    /// Canonical name of the scanner that would have read it.
    pub tool: &'static str,
    /// What was not applied, and what to do instead.
    pub reason: &'static str,
}

/// An invocation that covers less than its scanner can. Each carries what it leaves out, for
/// every report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Only these of the scanner's categories, each fully (trivy offline without a
    /// vulnerability database: `misconfiguration only: …`).
    Categories(&'static [Category], &'static str),
    /// Its categories, each only in part (gitleaks on a pull request's commits, not the whole
    /// history: `partial: …`).
    Partial(&'static str),
}

/// What a run with a coverage gap ([`Tool::gaps`]) covers: none of its categories.
pub const COVERAGE_GAP: Limited = Limited::Categories(
    &[],
    "coverage gap: it vouches for none of its categories, whatever it found (each gap is in the warnings and in `scangate plan`)",
);

impl Limited {
    /// What the invocation leaves out.
    pub fn note(self) -> &'static str {
        match self {
            Limited::Categories(_, note) | Limited::Partial(note) => note,
        }
    }
}

/// What a scanner's file matching may look at besides a path: the repository (a file's mode and
/// first line, as semgrep reads a `#!` line) and the options (which rules semgrep runs).
pub struct Scope<'a> {
    /// What the repository holds.
    pub repo: &'a RepoIndex,
    /// Options from the command line.
    pub options: &'a ScanOptions,
}

/// What a scanner's argv is built from.
pub struct Invocation<'a> {
    /// The scanned root, absolute.
    pub root: &'a Path,
    /// Where this invocation runs.
    pub target: &'a Target,
    /// The output file.
    pub output: &'a Path,
    /// Scratch directory of this run, for files the tool needs (bundled rules).
    pub scratch: &'a Path,
    /// Options from the command line.
    pub options: &'a ScanOptions,
    /// What the repository holds.
    pub repo: &'a RepoIndex,
    /// Cores this invocation may use: the machine's, shared among the scanners running at once.
    pub cores: usize,
}

impl Invocation<'_> {
    /// The repository and options, for [`Tool::reads`].
    pub(crate) fn scope(&self) -> Scope<'_> {
        Scope {
            repo: self.repo,
            options: self.options,
        }
    }
}

/// What a scanner's finding depends on (besides its rules), so that a pull-request scan can take
/// the findings in what the change does not touch from another version's full scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingScope {
    /// Any file of the repository (gitleaks' history): nothing can be taken from another version.
    Repository,
    /// The file it lies in alone (semgrep's per-file analysis, a configuration file's checks, a
    /// lockfile's packages).
    File,
    /// The files of its directory (a Go package, type-checked against what it imports).
    Directory,
}

impl FindingScope {
    /// True when a finding in `path` (root-relative) does not depend on any of `changed`.
    pub fn untouched(self, path: &Path, changed: &[PathBuf]) -> bool {
        match self {
            FindingScope::Repository => false,
            FindingScope::File => !changed.iter().any(|changed| changed == path),
            FindingScope::Directory => !changed.iter().any(|changed| changed.parent() == path.parent()),
        }
    }
}

/// One scanner: everything the runner knows about it. Implemented once per file in `tools/`.
pub trait Tool: Sync {
    /// Canonical name (`gitleaks`, `semgrep`, `gosec`, `trivy`, `osv-scanner`, `npm-audit`).
    fn name(&self) -> &'static str;
    /// The executable looked up in the tools directory, then on PATH.
    fn executable(&self) -> &'static str;
    /// Categories the scanner covers.
    fn categories(&self) -> &'static [Category];
    /// Arguments that make the executable print its version.
    fn version_args(&self) -> &'static [&'static str];
    /// Where the scanner applies; empty when it does not.
    fn targets(&self, repo: &RepoIndex) -> Vec<Target>;
    /// Pre-commit mode: where the scanner applies to these staged files, or `None` when it does
    /// not check staged changes at all.
    fn staged_targets(&self, _staged: &[PathBuf], _scope: &Scope<'_>) -> Option<Vec<Target>> {
        None
    }
    /// Pull-request mode: the part of `targets` (this scanner's full plan) a change to the
    /// root-relative files `changed` can affect; empty when it touches nothing the scanner
    /// reads, and the scanner does not run. By default all targets when any changed file is one
    /// [`Tool::reads`], else none.
    fn changed_targets(&self, targets: Vec<Target>, changed: &[PathBuf], scope: &Scope<'_>) -> Vec<Target> {
        if changed.iter().any(|path| self.reads(path, scope)) {
            targets
        } else {
            Vec::new()
        }
    }
    /// Whether a change to this root-relative file can change the scanner's findings: the
    /// scanner's own file-matching rules at the pinned version, never a narrower list; `true`
    /// where scangate cannot be sure.
    fn reads(&self, _path: &Path, _scope: &Scope<'_>) -> bool {
        true
    }
    /// Why it does not apply, for `plan` and the summary.
    fn not_applicable_reason(&self) -> &'static str;
    /// The argv after the executable.
    fn args(&self, invocation: &Invocation<'_>) -> Vec<OsString>;
    /// How this invocation covers less than [`Tool::categories`] says; `None` when it covers all.
    fn limited(&self, _invocation: &Invocation<'_>) -> Option<Limited> {
        None
    }
    /// What this invocation cannot see of what it should read — a truncated history, code behind
    /// a symlink it does not follow — each a sentence for every report. A run with a gap still
    /// runs and its findings count, but it vouches for none of its categories
    /// ([`COVERAGE_GAP`]): a level that requires one of them is not met by it.
    fn gaps(&self, _invocation: &Invocation<'_>) -> Vec<String> {
        Vec::new()
    }
    /// Why this invocation cannot run under `--offline` as configured — it would need the
    /// network — naming the flag that would let it run; `None` when it can. Such a run does not
    /// start: it ends at once as an error (or a warning, when the policy marks it optional).
    fn offline_refusal(&self, _options: &crate::ScanOptions) -> Option<&'static str> {
        None
    }
    /// The server this invocation cannot work without (semgrep's rule registry), as `host:port`:
    /// the runner checks it can connect within seconds before the scanner starts, so that an
    /// unreachable one is an error at once, not after the scanner's own retries.
    fn needs_server(&self, _options: &crate::ScanOptions) -> Option<String> {
        None
    }
    /// What each finding depends on besides the rules: a file, or a directory, unchanged since
    /// another version of the repository has the findings that version's full scan found in it.
    fn finding_scope(&self) -> FindingScope {
        FindingScope::Repository
    }
    /// What the user can do when this invocation fails because of how it is configured (semgrep
    /// downloading registry rules without network), appended to the failure's reason.
    fn failure_hint(&self, _options: &crate::ScanOptions) -> Option<String> {
        None
    }
    /// Extra environment for the scanner.
    fn env(&self, _invocation: &Invocation<'_>) -> Vec<(OsString, OsString)> {
        Vec::new()
    }
    /// The absolute working directory: the target's directory unless the scanner must run away
    /// from the repository's files (npm audit runs on a copy of the lockfile).
    fn cwd(&self, invocation: &Invocation<'_>) -> PathBuf {
        invocation.root.join(&invocation.target.dir)
    }
    /// Repository files this invocation keeps the scanner from reading, as found in the repository.
    fn ignored_configs(&self, _invocation: &Invocation<'_>) -> Vec<IgnoredConfig> {
        Vec::new()
    }
    /// Where the machine-readable output goes.
    fn output_channel(&self) -> OutputChannel {
        OutputChannel::File
    }
    /// Decides from the exit code, the output and the end of stderr whether the run is trustworthy.
    /// `Err` carries the reason shown to the user.
    fn judge(&self, exit_code: i32, output: &[u8], stderr: &str) -> Result<(), String>;
}

/// The files among `candidates` (repository-relative) that exist, as [`IgnoredConfig`]s of `tool`.
pub(crate) fn present_configs(
    tool: &dyn Tool,
    invocation: &Invocation<'_>,
    candidates: impl IntoIterator<Item = PathBuf>,
    reason: &'static str,
) -> Vec<IgnoredConfig> {
    candidates
        .into_iter()
        .filter(|path| invocation.root.join(path).is_file())
        .map(|path| IgnoredConfig {
            file: crate::repo::display(&path),
            tool: tool.name(),
            reason,
        })
        .collect()
}

/// Shared check: the output must be one well-formed JSON document of shape `T`. `T` names only
/// the fields the judgement needs, so large outputs are not built into a tree. Broken JSON and
/// well-formed JSON of another shape (`{}`, `[]`, an error object) get different reasons.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(output: &[u8]) -> Result<T, String> {
    if output.iter().all(u8::is_ascii_whitespace) {
        return Err("wrote no output".to_string());
    }
    serde_json::from_slice(output).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => format!("wrote JSON that is not its report ({e})"),
        _ => format!("wrote output that is not valid JSON ({e})"),
    })
}

/// For `#[serde(deserialize_with = "present")]` on an `Option` field: the key must be there,
/// though its value may be `null`. Without it serde reads a missing key as `None`, and `{}`
/// would pass for a report that found nothing.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_untouched_when_nothing_it_depends_on_changed() {
        let changed = [PathBuf::from("svc/tasks/tasks.go"), PathBuf::from("app.py")];
        let untouched = |scope: FindingScope, path: &str| scope.untouched(Path::new(path), &changed);
        assert!(!untouched(FindingScope::File, "app.py"));
        assert!(untouched(FindingScope::File, "lib.py"));
        assert!(untouched(FindingScope::File, "svc/tasks/other.go"));
        assert!(
            !untouched(FindingScope::Directory, "svc/tasks/other.go"),
            "same package"
        );
        assert!(
            !untouched(FindingScope::Directory, "lib.py"),
            "app.py's directory, the root"
        );
        assert!(untouched(FindingScope::Directory, "svc/other/other.go"));
        assert!(!untouched(FindingScope::Repository, "svc/other/other.go"));
    }
}
