use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that changes how scanners are invoked. The cli fills it from flags and environment.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Only these tools (canonical names); empty means all.
    pub only: Vec<String>,
    /// Never these tools.
    pub skip: Vec<String>,
    /// At most this many scanners at once; `None` runs all at once.
    pub jobs: Option<usize>,
    /// Per-scanner timeout; the scanner's whole process tree is killed past it.
    pub timeout: Option<Duration>,
    /// Semgrep `--config` values (`bundled` names scangate's rules). Empty means the registry's
    /// `p/default` (network), or the bundled rules when `offline`.
    pub semgrep_config: Vec<OsString>,
    /// Semgrep's limit, in seconds, on one rule over one file (`--timeout`); `None` leaves
    /// semgrep's own (5). A file it gives up on makes the run `partial`.
    pub semgrep_timeout: Option<u64>,
    /// Registry that `npm audit` asks for advisories (`--registry`); `None` asks
    /// `https://registry.npmjs.org/`.
    pub npm_registry: Option<String>,
    /// Directory holding an offline OSV database (`osv-scalibr/<ecosystem>/all.zip` below it);
    /// when set, osv-scanner runs with `--offline`.
    pub osv_offline_db: Option<PathBuf>,
    /// Trivy cache directory holding a vulnerability database; when set, trivy runs with
    /// `--skip-db-update` against it.
    pub trivy_cache_dir: Option<PathBuf>,
    /// No network at all: trivy scans misconfigurations only (its vulnerability database would
    /// need a download) unless `trivy_cache_dir` is given, and semgrep runs the bundled rules
    /// unless `semgrep_config` names others.
    pub offline: bool,
    /// Pull-request mode: gitleaks scans only the commits in `BASE..HEAD`.
    pub base_ref: Option<String>,
    /// `--exclude` globs: paths (root-relative) no scanner looks at, besides what git ignores.
    pub exclude: Vec<String>,
    /// `[third_party] exclude` globs of the pipeline's policy file: left out like `exclude`, and
    /// reported as the policy's.
    pub policy_exclude: Vec<String>,
    /// Scan the untracked files git ignores too.
    pub include_ignored: bool,
    /// Pull-request mode (with `base_ref`): the files the change touches, root-relative. A
    /// scanner that reads none of them does not run (status `unchanged`); semgrep reads only
    /// these, gosec only their packages.
    pub changed: Option<Vec<PathBuf>>,
    /// Pre-commit mode: these staged files (repository-relative) are all there is to check;
    /// gitleaks reads the staged diff and semgrep only these files. Other scanners do not run.
    pub staged: Option<Vec<PathBuf>>,
}
