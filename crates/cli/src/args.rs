//! Command-line arguments (clap derive). Values are turned into runner options in `options.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Runs a repository's security scanners concurrently, writes one SARIF 2.1.0 log, and passes or
/// fails the pipeline by an OWASP DSOMM level.
///
/// Exit codes: 0 pass, 1 gate failed, 2 error (usage, configuration, or a scanner that applied
/// and did not produce a trustworthy result). Never 0 because a scanner failed.
#[derive(Debug, Parser)]
#[command(name = "scangate", version, about, long_about)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour the terminal report and the logs: auto (only on a terminal, and only
    /// without NO_COLOR), always (into pipes and files too), never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        env = "SCANGATE_COLOR",
        default_value = "auto"
    )]
    pub color: crate::colour::ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every applicable scanner concurrently, write one SARIF log, and gate by DSOMM level.
    ///
    /// Exits 0 when the gate passes, 1 when it fails, 2 when a scanner that applies is missing,
    /// crashes, times out or writes output that cannot be trusted, or the policy is invalid.
    Scan(ScanArgs),
    /// Run the scanners once and judge the findings by all five DSOMM presets (and --policy):
    /// each level's verdict and first blocking reasons, the highest level met, what blocks the
    /// next, and what the run shows of each DSOMM activity.
    ///
    /// Exits 0 when the assessment completed, whichever levels fail; 2 when a scanner that
    /// applies failed (and is not optional in the policy) or the configuration is invalid.
    Assess(AssessArgs),
    /// Show which scanners apply and why, their exact argv, which are missing, and the effective
    /// policy. Runs nothing.
    Plan(PlanArgs),
    /// Gate existing SARIF logs: the parts of a sharded CI scan, or any SARIF-producing tool
    /// (severity from `security-severity`, else from `level`).
    Gate(GateCommandArgs),
    /// Check each scanner: found or not, version found, version pinned. Exits 2 when one is
    /// missing or not at its pinned version.
    Doctor,
    /// Install the pinned scanners (all, or the ones named) into the tools directory:
    /// $SCANGATE_TOOLS_DIR, else $XDG_CACHE_HOME/scangate/tools, else ~/.cache/scangate/tools.
    /// Needs Go (gitleaks, gosec, trivy, osv-scanner) and Python 3 (semgrep); npm audit uses the
    /// npm of Node.js. Idempotent: what is installed at its pinned version is left alone.
    Install(InstallArgs),
}

/// Arguments of `scangate install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Only these scanners (default: all pinned ones).
    #[arg(value_name = "TOOL")]
    pub tools: Vec<String>,
    /// Install here instead of the default tools directory (scans then need SCANGATE_TOOLS_DIR
    /// set to it).
    #[arg(long, value_name = "DIR")]
    pub tools_dir: Option<PathBuf>,
}

/// Extra output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub Actions annotations and step summary.
    Github,
    /// The summary JSON on stdout instead of the tables (nothing else goes to stdout).
    Json,
}

/// The policy the gate applies.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// DSOMM level 1..5 (a floor: the repository's scangate.toml may raise it, never lower it).
    #[arg(long, value_name = "1..5", env = "SCANGATE_LEVEL", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=5))]
    pub level: u8,
    /// Policy file (TOML) extending a level preset: thresholds, required scanners, suppressions.
    /// With --base, a policy file of the scanned repository that the change edits is read as the
    /// merge base has it (the reports say so).
    #[arg(long, value_name = "FILE", env = "SCANGATE_POLICY")]
    pub policy: Option<PathBuf>,
}

/// What the gate compares against and how the run ends.
#[derive(Debug, Args)]
pub struct VerdictArgs {
    /// An earlier scangate SARIF log: only findings whose fingerprint is not in it count.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the summary JSON here (verdict, counts, each tool's status, version and duration).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Local dry run: everything as usual, verdict and errors printed, exit 0 whatever happened.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct GateCommandArgs {
    /// SARIF logs to gate together.
    #[arg(required = true, value_name = "SARIF")]
    pub sarif_files: Vec<PathBuf>,
    /// Write the gated findings as one SARIF log, for one upload: one run per tool (the parts'
    /// runs of a tool merged), the verdict's suppressions and `baselineState`, paths as the parts
    /// name them (from the repository root), every part's scanner records.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub verdict: VerdictArgs,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Repository to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub scanners: ScannerArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub verdict: VerdictArgs,
    /// Write the SARIF 2.1.0 log here (one run per tool); `-` writes it to stdout, alone. Default
    /// scangate.sarif; with --staged, none unless given.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write GitHub workflow annotations (stdout) and the step summary ($GITHUB_STEP_SUMMARY).
    /// On by itself when GITHUB_ACTIONS=true.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write GitLab's security reports (gl-sast-report.json, gl-secret-detection-report.json,
    /// gl-dependency-scanning-report.json) and Code Quality report here. Default gl-reports
    /// when GITLAB_CI=true.
    #[arg(long, value_name = "DIR")]
    pub gitlab_dir: Option<PathBuf>,
    /// Write a self-contained HTML report here: verdict, DSOMM ladder, findings chart and table,
    /// suppressions, scanners.
    #[arg(long, value_name = "FILE", env = "SCANGATE_HTML")]
    pub html: Option<PathBuf>,
    /// Write the counted findings in reviewdog's diagnostic format (rdjson) here, for review
    /// comments on the changed lines: `reviewdog -f=rdjson -filter-mode=added`.
    #[arg(long, value_name = "FILE", env = "SCANGATE_RDJSON")]
    pub rdjson: Option<PathBuf>,
    /// Also keep each scanner's own machine-readable output in this directory (`<tool>-<n>.json`).
    #[arg(long, value_name = "DIR")]
    pub raw_dir: Option<PathBuf>,
    /// Also write a CycloneDX JSON SBOM of the repository's dependencies here (trivy, beside the
    /// scan; needs no network). Its sha256 and component count go to the summary JSON.
    #[arg(long, value_name = "FILE", env = "SCANGATE_SBOM")]
    pub sbom: Option<PathBuf>,
    /// Write the run's evidence here (JSON): per DSOMM activity the claim (enforced, evidenced,
    /// partial, not_evidenced) and why, the scanners with versions, argv and config hashes,
    /// counts before and after suppressions, every suppression, and the run.
    #[arg(long, value_name = "FILE", env = "SCANGATE_EVIDENCE")]
    pub evidence: Option<PathBuf>,
    /// Write the enforced and evidenced activities as DSOMM team evidence (the DSOMM
    /// application's team-evidence.yaml format).
    #[arg(long, value_name = "FILE")]
    pub dsomm_evidence: Option<PathBuf>,
    /// The team the DSOMM evidence names. Default: the repository's name.
    #[arg(long, value_name = "NAME", requires = "dsomm_evidence")]
    pub team: Option<String>,
    /// Nothing on stdout but GitHub annotations: no tables, no verdict line (the exit code and
    /// the reports say it; errors still go to stderr).
    #[arg(long, short)]
    pub quiet: bool,
    /// How many of the most severe counted findings the terminal names (0: none).
    #[arg(long, value_name = "N", default_value_t = crate::summary::DEFAULT_MAX_FINDINGS)]
    pub max_findings: usize,
    /// Write the reports but skip the gate: verdict `not_gated`, exit 0, or 2 when a scanner failed.
    #[arg(long, conflicts_with = "dry_run")]
    pub no_gate: bool,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Repository to assess.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub scanners: ScannerArgs,
    /// The pipeline's policy: with --policy (or a --level above 1) it gets a row of its own. The
    /// preset rows apply only its suppressions and the repository's, checked against each level.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// An earlier scangate SARIF log: only findings whose fingerprint is not in it count.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the summary JSON here, with the `assessment` object (each level's verdict and
    /// violations, the highest level met, the activities' claims).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Also write the SARIF 2.1.0 log here, as gated by the pipeline's policy.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Write a self-contained HTML report here: the ladder of all five levels, findings chart
    /// and table, suppressions, scanners.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Repository to plan a scan of.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub scanners: ScannerArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Which scanners run and how they are invoked.
#[derive(Debug, Args)]
pub struct ScannerArgs {
    /// Only these scanners (comma-separated canonical names; spaces around a name are ignored).
    #[arg(long, value_delimiter = ',', value_name = "TOOL,...", env = "SCANGATE_TOOLS", value_parser = trimmed)]
    pub tools: Vec<String>,
    /// Never these scanners.
    #[arg(long, value_delimiter = ',', value_name = "TOOL,...", env = "SCANGATE_SKIP", value_parser = trimmed)]
    pub skip: Vec<String>,
    /// Leave out paths matching this glob (root-relative; repeatable): no scanner looks there and
    /// findings there do not count. `dist`, `**/generated/**`, `**/*.min.js`; `*` stays within one
    /// directory. Untracked files git ignores are left out without it; tracked files never are
    /// by .gitignore. From the environment, SCANGATE_EXCLUDE holds one glob per line (a glob
    /// may hold a comma: `*.{js,ts}`); blank lines are ignored.
    #[arg(long, value_name = "GLOB", env = "SCANGATE_EXCLUDE", value_delimiter = '\n', value_parser = trimmed)]
    pub exclude: Vec<String>,
    /// Scan the untracked files git ignores too (by default every scanner leaves them out).
    #[arg(long)]
    pub include_ignored: bool,
    /// Kill a scanner (and everything it started) after this many seconds.
    #[arg(long, value_name = "SECS", env = "SCANGATE_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// At most this many scanner invocations at once, the longest expected first (default: one
    /// more than the machine's cores).
    #[arg(long, value_name = "N", env = "SCANGATE_JOBS", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
    /// Semgrep rules (`--config` value; repeatable): a registry ruleset, a URL, a local file or
    /// directory, or `bundled` (scangate's own rules). Default: the registry's p/default (needs
    /// network: semgrep.dev); with --offline, the bundled rules.
    #[arg(long, value_name = "CONFIG", env = "SCANGATE_SEMGREP_CONFIG")]
    pub semgrep_config: Vec<String>,
    /// Seconds semgrep may spend on one rule over one file before it gives up on the file
    /// (default: semgrep's 5). A file it gives up on makes its run `partial`, and fails a pull
    /// request that touches the file (exit 2).
    #[arg(long, value_name = "SECS", env = "SCANGATE_SEMGREP_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..))]
    pub semgrep_timeout: Option<u64>,
    /// Registry npm audit asks for advisories, the only one it asks (a repository's .npmrc is not
    /// read). Default https://registry.npmjs.org/.
    #[arg(long, value_name = "URL", env = "SCANGATE_NPM_REGISTRY")]
    pub npm_registry: Option<String>,
    /// Offline OSV database directory (holds osv-scalibr/<ecosystem>/all.zip); runs osv-scanner --offline.
    #[arg(long, value_name = "DIR", env = "SCANGATE_OSV_OFFLINE_DB")]
    pub osv_offline_db: Option<PathBuf>,
    /// Trivy cache directory that already holds its vulnerability database (--skip-db-update).
    #[arg(long, value_name = "DIR", env = "SCANGATE_TRIVY_CACHE_DIR")]
    pub trivy_cache_dir: Option<PathBuf>,
    /// No network: trivy scans misconfigurations only unless --trivy-cache-dir has a database;
    /// semgrep runs scangate's bundled rules unless --semgrep-config names others.
    #[arg(long, env = "SCANGATE_OFFLINE", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true")]
    pub offline: bool,
    /// Pull-request mode: scan and judge the change since REF. gitleaks reads only the commits in
    /// REF..HEAD, semgrep only the changed files, gosec only their packages; trivy, osv-scanner
    /// and npm audit run only if the change touches a file they read, else end `unchanged`.
    /// Only what the change introduces counts: findings in files changed since REF (dependency
    /// findings when their lockfile changed) that the merge base's version of those files did
    /// not already have (the scanners with such findings run again on it); the rest are reported
    /// as pre-existing. Suppressions the change adds or modifies do not apply ("needs review").
    /// REF must name a commit.
    #[arg(long, value_name = "REF", env = "SCANGATE_BASE")]
    pub base: Option<String>,
    /// Pre-commit mode: gitleaks on the staged changes and semgrep on the staged files only.
    #[arg(long, conflicts_with = "base")]
    pub staged: bool,
    /// The result cache: an invocation whose inputs (the files its scanner reads, its version,
    /// argv, rules and databases) it holds a result for does not run. Default: scangate/results
    /// in the user's cache directory. A pull-request scan (--base) reads it and never writes it.
    #[arg(long, value_name = "DIR", env = "SCANGATE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Run every scanner; read and write no result cache.
    #[arg(long, env = "SCANGATE_NO_CACHE", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true")]
    pub no_cache: bool,
    /// How long a cached answer that needed the network (npm audit, online vulnerability
    /// databases) is reused, in seconds.
    #[arg(long, value_name = "SECS", env = "SCANGATE_CACHE_TTL", default_value_t = 3600)]
    pub cache_ttl: u64,
}

/// A list item without the spaces around it: `semgrep, gitleaks` (a CI input written as prose)
/// names two scanners.
fn trimmed(item: &str) -> Result<String, std::convert::Infallible> {
    Ok(item.trim().to_string())
}
