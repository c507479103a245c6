//! Helpers shared by the end-to-end tests: fixture repositories, running scangate, reading the
//! summary, and finding the real scanners.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The checkout this test binary was built from.
pub fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .expect("checkout exists")
}

/// A temporary repository the test fills with files.
pub struct Repo {
    dir: TempDir,
}

impl Repo {
    pub fn new() -> Self {
        Repo {
            dir: tempfile::Builder::new()
                .prefix("scangate-test-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to the repository-relative `path`, creating parent directories.
    pub fn write(&self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> &Self {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("has parent")).expect("create dirs");
        std::fs::write(full, contents).expect("write fixture file");
        self
    }
}

/// A `scangate` invocation with a controlled environment.
pub struct Scangate {
    command: Command,
}

impl Scangate {
    pub fn new<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(binary_under_test());
        command.args(args);
        for key in [
            "SCANGATE_TOOLS",
            "SCANGATE_SKIP",
            "SCANGATE_TIMEOUT",
            "SCANGATE_JOBS",
            "SCANGATE_LEVEL",
            "SCANGATE_COLOR",
            "GITHUB_ACTIONS",
            "GITLAB_CI",
            "GITHUB_SHA",
            "CI_COMMIT_SHA",
        ] {
            command.env_remove(key);
        }
        // The scanners the install scripts put in place; a test that wants others sets its own.
        command.env("SCANGATE_TOOLS_DIR", tools_dir());
        // The tests have no network: semgrep runs scangate's bundled rules, not the registry's
        // p/default. A test's own --semgrep-config wins over the variable.
        command.env("SCANGATE_SEMGREP_CONFIG", "bundled");
        // Every scanner runs, so a test sees its scanners' own run; `result_cache` turns the
        // cache on with a directory of its own.
        command.env("SCANGATE_NO_CACHE", "true");
        command.env_remove("SCANGATE_CACHE_DIR");
        Scangate { command }
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    pub fn run(mut self) -> Output {
        self.command.output().expect("scangate runs")
    }

    /// Starts scangate without waiting for it, stdout and stderr piped (to signal it meanwhile).
    pub fn spawn(mut self) -> std::process::Child {
        self.command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("scangate starts")
    }

    /// Runs in `dir` (for reports written relative to the working directory).
    pub fn run_in(mut self, dir: &Path) -> Output {
        self.command.current_dir(dir);
        self.run()
    }
}

/// The scangate the tests run: this checkout's build, or the one `SCANGATE_TEST_BINARY` names
/// (`scripts/tamper-compare` runs the tamper suite against an earlier revision's build with it).
pub fn binary_under_test() -> PathBuf {
    std::env::var_os("SCANGATE_TEST_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_scangate")))
}

/// The exit code, with stdout and stderr in the panic message when it is not the expected one.
pub fn assert_exit(output: &Output, expected: i32) {
    assert_eq!(
        output.status.code(),
        Some(expected),
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Reads a summary JSON written with `--summary-json`.
pub fn read_summary(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("summary {} not written: {e}", path.display()));
    serde_json::from_str(&text).expect("summary is JSON")
}

/// A scan's exit, its summary and its SARIF log (`Null` when none was written).
pub struct ScanReports {
    pub output: Output,
    pub summary: serde_json::Value,
    pub sarif: serde_json::Value,
}

impl ScanReports {
    /// Runs scangate with `args` and `--sarif`, `--summary-json` into files in `out`.
    pub fn run(args: Vec<std::ffi::OsString>, out: &Path) -> ScanReports {
        Self::run_with_env(args, out, &[])
    }

    /// [`ScanReports::run`] with `env` set for scangate (and so for the scanners it starts).
    pub fn run_with_env(mut args: Vec<std::ffi::OsString>, out: &Path, env: &[(&str, &str)]) -> ScanReports {
        std::fs::create_dir_all(out).expect("report directory");
        let (summary, sarif) = (out.join("summary.json"), out.join("scan.sarif"));
        args.extend(["--sarif".into(), sarif.clone().into()]);
        args.extend(["--summary-json".into(), summary.clone().into()]);
        let scangate = env
            .iter()
            .fold(Scangate::new(args), |scangate, (key, value)| scangate.env(key, value));
        let output = scangate.run();
        let sarif = std::fs::read(&sarif)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(serde_json::Value::Null);
        ScanReports {
            summary: read_summary(&summary),
            sarif,
            output,
        }
    }

    /// `(origin, refusal, findings)` of every refused suppression in the summary.
    pub fn refused(&self) -> Vec<(String, String, u64)> {
        let summary = &self.summary;
        summary["refused_suppressions"]
            .as_array()
            .unwrap_or_else(|| panic!("no refused_suppressions: {summary:#}"))
            .iter()
            .map(|r| {
                (
                    r["origin"].as_str().unwrap().to_string(),
                    r["refusal"].as_str().unwrap().to_string(),
                    r["findings"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// `(status, location "path:line")` of every suppression in the SARIF log, sorted.
    pub fn suppressions(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.sarif["runs"]
            .as_array()
            .unwrap_or_else(|| panic!("no SARIF log: {}", String::from_utf8_lossy(&self.output.stderr)))
            .iter()
            .flat_map(|run| run["results"].as_array().unwrap().iter())
            .flat_map(|result| result["suppressions"].as_array().into_iter().flatten())
            .map(|s| {
                let physical = &s["location"]["physicalLocation"];
                let place = format!(
                    "{}:{}",
                    physical["artifactLocation"]["uri"].as_str().unwrap_or("-"),
                    physical["region"]["startLine"]
                );
                (s["status"].as_str().unwrap().to_string(), place)
            })
            .collect();
        out.sort();
        out
    }
}

/// The summary's `tools[]` entry for `name`.
pub fn tool_entry<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    summary["tools"]
        .as_array()
        .expect("tools[] present")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tools[] entry for {name} in {summary:#}"))
}

/// A directory of fake scanner executables, used only to inject faults.
pub struct FakeTools {
    dir: TempDir,
}

impl FakeTools {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("scangate-fake-tools-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir(dir.path().join("bin")).expect("bin dir");
        FakeTools { dir }
    }

    /// The value for `SCANGATE_TOOLS_DIR`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Adds an executable `sh` script named `name`. The script is the fake scanner itself:
    /// scangate still starts it with an argv, never through a shell. A fake gitleaks comes with
    /// the rules file `scangate install` derives beside it ([`FakeTools::gitleaks_rules`]).
    pub fn add(&self, name: &str, script: &str) -> &Self {
        let path = self.dir.path().join("bin").join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("write fake tool");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        if name == "gitleaks" {
            std::fs::create_dir_all(self.dir.path().join("share")).expect("share dir");
            std::fs::write(self.gitleaks_rules(), "").expect("rules");
        }
        self
    }

    /// Where `scangate install` writes gitleaks' rules without their allowlists by path.
    pub fn gitleaks_rules(&self) -> PathBuf {
        self.dir.path().join("share").join("gitleaks-rules.toml")
    }
}

/// A repository where only gitleaks applies (it always does): one plain text file.
pub fn text_only_repo() -> Repo {
    let repo = Repo::new();
    repo.write("notes.txt", "nothing to see here\n");
    repo
}

/// A repository with one high semgrep finding (`app.py`) and nothing else: level 1 fails it.
pub fn repo_with_a_high_finding() -> Repo {
    let repo = Repo::new();
    repo.write("notes.txt", "nothing to see here\n").write(
        "app.py",
        "import subprocess\n\n\ndef rotate(log):\n    subprocess.call(\"gzip \" + log, shell=True)\n",
    );
    repo
}

/// `scangate scan ROOT --sarif SARIF EXTRA…` with the real scanners.
pub fn scan_to_sarif(root: &Path, sarif: &Path, extra: &[&str]) -> Scangate {
    let mut args: Vec<std::ffi::OsString> = vec!["scan".into(), root.into(), "--sarif".into(), sarif.into()];
    args.extend(extra.iter().map(Into::into));
    Scangate::new(args)
}

/// Where [`fake_scan`] asks for the summary.
pub fn fake_scan_summary(repo: &Repo) -> PathBuf {
    repo.path().join("summary.json")
}

/// `scangate scan` of `repo` with the fake tools first in line, writing [`fake_scan_summary`].
pub fn fake_scan(tools: &FakeTools, repo: &Repo, extra: &[&str]) -> Scangate {
    let mut args: Vec<std::ffi::OsString> = vec![
        "scan".into(),
        repo.path().into(),
        "--summary-json".into(),
        fake_scan_summary(repo).into(),
    ];
    args.extend(extra.iter().map(Into::into));
    Scangate::new(args).env("SCANGATE_TOOLS_DIR", tools.dir())
}

/// Runs [`fake_scan`] to its end; returns the summary.
pub fn scan_with(tools: &FakeTools, repo: &Repo, extra: &[&str]) -> (Output, serde_json::Value) {
    let output = fake_scan(tools, repo, extra).run();
    let summary = read_summary(&fake_scan_summary(repo));
    (output, summary)
}

/// A fake gitleaks that answers `version` and otherwise runs `body` (with $report set to the
/// value of --report-path).
pub fn fake_gitleaks(body: &str) -> FakeTools {
    fake_gitleaks_versioned("echo 8.30.1; exit 0", body)
}

/// A fake gitleaks that runs `version` for its version query and `body` otherwise (with $report
/// set to the value of --report-path).
pub fn fake_gitleaks_versioned(version: &str, body: &str) -> FakeTools {
    let tools = FakeTools::new();
    tools.add(
        "gitleaks",
        &format!(
            r#"if [ "$1" = version ]; then {version}; fi
report=""
while [ $# -gt 0 ]; do
  if [ "$1" = --report-path ]; then report="$2"; fi
  shift
done
{body}"#
        ),
    );
    tools
}

/// True while the process `pid` runs. A zombie has exited already; only a live process has a
/// state other than Z.
pub fn process_alive(pid: &str) -> bool {
    match std::fs::read_to_string(Path::new("/proc").join(pid).join("stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// True when the real scanner is installed. Under `CI=true` a missing scanner fails the test;
/// elsewhere the test is skipped with a loud message.
pub fn require_scanner(executable: &str) -> bool {
    require("scanner", executable, "scripts/install-scanners")
}

/// [`require_scanner`] for a tool the tests check reports with (chromium), which
/// `scripts/install-test-tools` installs.
pub fn require_test_tool(executable: &str) -> bool {
    require("test tool", executable, "scripts/install-test-tools")
}

fn require(what: &str, executable: &str, installer: &str) -> bool {
    if installed(executable).exists() || which_on_path(executable) {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} `{executable}` is not installed (CI=true): run {installer}");
    }
    eprintln!("\n!!! SKIPPED: {what} `{executable}` is not installed; run {installer} !!!\n");
    false
}

/// Where the install scripts put everything: `$SCANGATE_TOOLS_DIR`, else the checkout's `.tools`.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("SCANGATE_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| checkout().join(".tools"))
}

/// Where `scripts/install-scanners` puts `executable`: [`tools_dir`]`/bin`.
pub fn installed(executable: &str) -> PathBuf {
    tools_dir().join("bin").join(executable)
}

/// `executable` as [`require_scanner`] found it: installed by the scripts, else on PATH.
pub fn installed_or_on_path(executable: &str) -> PathBuf {
    let installed = installed(executable);
    if installed.exists() {
        installed
    } else {
        PathBuf::from(executable)
    }
}

/// True when `path` (below [`tools_dir`], from `scripts/install-test-tools`) exists; under
/// `CI=true` a missing one fails the test, elsewhere it skips loudly.
pub fn require_installed_file(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "{what} ({}) is missing (CI=true): run scripts/install-test-tools",
        path.display()
    );
    eprintln!("\n!!! SKIPPED: {what} is not installed; run scripts/install-test-tools !!!\n");
    false
}

/// True when `executable` is a file in a directory of PATH.
pub fn which_on_path(executable: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(executable).is_file()))
}

/// `value` has no error under the JSON Schema (draft 4) in the file `schema_path`.
pub fn assert_matches_draft4_schema(value: &serde_json::Value, schema_path: &Path) {
    let validator = jsonschema::draft4::new(&read_schema(schema_path)).expect("schema compiles");
    assert_no_schema_errors(&validator, value);
}

/// `value` has no error under the JSON Schema in the file `schema_path`, of the draft its
/// `$schema` names (GitLab's report schemas: draft 7).
pub fn assert_matches_schema(value: &serde_json::Value, schema_path: &Path) {
    let validator = jsonschema::validator_for(&read_schema(schema_path)).expect("schema compiles");
    assert_no_schema_errors(&validator, value);
}

fn read_schema(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("schema {}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("schema is JSON")
}

fn assert_no_schema_errors(validator: &jsonschema::Validator, value: &serde_json::Value) {
    let problems: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// `sarif-multitool validate` (when installed) and the SARIF 2.1.0 schema (when `shared/` is
/// there) both accept the log `sarif`, read from `file`.
pub fn assert_valid_sarif(sarif: &serde_json::Value, file: &Path) {
    if let Some(schema_path) = crate::normalizer_common::shared("schemas/sarif/sarif-schema-2.1.0.json") {
        assert_matches_draft4_schema(sarif, &schema_path);
    }
    if !require_scanner("sarif-multitool") {
        return;
    }
    let output = Command::new(installed("sarif-multitool"))
        .arg("validate")
        .arg(file)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    let errors: Vec<&str> = report.lines().filter(|l| l.contains(": error")).collect();
    assert!(errors.is_empty(), "sarif-multitool errors:\n{}", errors.join("\n"));
    assert!(report.contains("Analysis completed successfully"), "{report}");
}

/// `summary` (a `--summary-json` file's content) matches the published schema,
/// docs/summary.schema.json.
pub fn assert_summary_schema(summary: &serde_json::Value) {
    assert_matches_schema(summary, &checkout().join("docs/summary.schema.json"));
}

/// `sarif-multitool validate` with GitHub's ingestion rules (`--rule-kind Gh;Sarif`) reports no
/// error for the log in `file`: what code scanning would refuse to take in one upload.
pub fn assert_github_accepts(file: &Path) {
    let output = Command::new(installed("sarif-multitool"))
        .arg("validate")
        .arg(file)
        .args(["--rule-kind", "Gh;Sarif"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let errors: Vec<&str> = report.lines().filter(|l| l.contains(": error")).collect();
    assert!(errors.is_empty(), "GitHub's ingestion rules:\n{}", errors.join("\n"));
    assert!(output.status.success(), "{report}");
    assert!(report.contains("Analysis completed successfully"), "{report}");
}

/// The offline stand-ins for the scanners' online services: npm's advisory endpoint served on
/// 127.0.0.1 by `scripts/advisory-server`, and an OSV database built by `scripts/osv-offline-db`,
/// both from the advisories under `tests/fixtures/advisories/`.
pub struct OfflineServices {
    server: std::process::Child,
    registry: String,
    osv_db: TempDir,
}

impl OfflineServices {
    pub fn start() -> Self {
        use std::io::BufRead;
        let advisories = checkout().join("tests/fixtures/advisories");
        let mut server = Command::new(checkout().join("scripts/advisory-server"))
            .arg("--advisories")
            .arg(advisories.join("npm-bulk.json"))
            .args(["--max-seconds", "900"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("scripts/advisory-server starts");
        let stdout = server.stdout.take().expect("piped stdout");
        let mut registry = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut registry)
            .expect("advisory server prints its URL");
        OfflineServices {
            server,
            registry: registry.trim().to_string(),
            osv_db: osv_offline_db(),
        }
    }

    /// Flags that point the scanners at the offline services.
    pub fn scan_flags(&self) -> Vec<std::ffi::OsString> {
        vec![
            "--offline".into(),
            "--npm-registry".into(),
            self.registry.clone().into(),
            "--osv-offline-db".into(),
            self.osv_db.path().into(),
        ]
    }
}

/// An offline OSV database built by `scripts/osv-offline-db` from the records under
/// `tests/fixtures/advisories/osv/`, for `--osv-offline-db`.
pub fn osv_offline_db() -> TempDir {
    let osv_db = tempfile::Builder::new()
        .prefix("scangate-osv-db-")
        .tempdir()
        .expect("temp dir");
    let status = Command::new(checkout().join("scripts/osv-offline-db"))
        .arg("--out")
        .arg(osv_db.path())
        .args(osv_records())
        .status()
        .expect("scripts/osv-offline-db runs");
    assert!(status.success(), "building the offline OSV database failed");
    osv_db
}

/// A trivy vulnerability database built by `scripts/trivy-offline-db` (Go, bbolt) from the same
/// OSV records, for `--trivy-cache-dir`; `None`, loudly skipped (failed under `CI=true`), without
/// a Go toolchain.
pub fn trivy_offline_db() -> Option<TempDir> {
    if !require_scanner("trivy") || !require_scanner("go") {
        return None;
    }
    let db = tempfile::Builder::new()
        .prefix("scangate-trivy-db-")
        .tempdir()
        .expect("temp dir");
    let status = Command::new("go")
        .current_dir(checkout().join("scripts/trivy-offline-db"))
        .args(["run", ".", "--out"])
        .arg(db.path())
        .args(osv_records())
        .status()
        .expect("go runs");
    assert!(status.success(), "building the offline trivy database failed");
    Some(db)
}

/// The OSV records under `tests/fixtures/advisories/osv/`, sorted.
fn osv_records() -> Vec<PathBuf> {
    let mut records: Vec<PathBuf> = std::fs::read_dir(checkout().join("tests/fixtures/advisories/osv"))
        .expect("OSV records present")
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    records.sort();
    records
}

impl Drop for OfflineServices {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// Copies `examples/vulnerable-app` into a fresh temporary directory, so tests can edit it.
pub fn example_copy() -> Repo {
    let repo = Repo::new();
    copy_tree(&checkout().join("examples/vulnerable-app"), repo.path());
    repo
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable example") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// True when every scanner of the example scan is installed (see [`require_scanner`]).
pub fn require_all_scanners() -> bool {
    ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm"]
        .into_iter()
        .all(require_scanner)
}

/// A token of `len` characters from `alphabet`, different on every run.
pub fn random_token(alphabet: &[u8], len: usize) -> String {
    let mut state = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ u64::from(std::process::id()).rotate_left(32);
    (0..len)
        .map(|_| {
            // xorshift: enough to make tokens that exist only in this run.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A GitHub personal access token gitleaks finds (`github-pat`), different on every run.
pub fn github_token() -> String {
    format!("ghp_{}", random_token(ALNUM, 36))
}

/// `--sarif SARIF --summary-json SUMMARY`: where a scan writes the reports a test reads.
pub fn report_flags(sarif: &Path, summary: &Path) -> [std::ffi::OsString; 4] {
    ["--sarif".into(), sarif.into(), "--summary-json".into(), summary.into()]
}

/// Runs git in `repo` with a fixed identity and `main` as the first branch.
pub fn git(repo: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=scangate test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs")
}

/// [`git`], which must succeed.
pub fn git_ok(repo: &Path, args: &[&str]) {
    let output = git(repo, args);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Commits everything in the work tree.
pub fn commit_all(repo: &Path, message: &str) {
    git_ok(repo, &["add", "-A"]);
    git_ok(repo, &["commit", "-q", "-m", message]);
}

/// `(tool, rule, path, line)` of one SARIF result, as a user reads it.
pub type ResultPlace = (String, String, String, u64);

/// Every result of a SARIF log, sorted: tool, rule, `artifactLocation.uri`, start line (0 when
/// none).
pub fn result_places(sarif: &serde_json::Value) -> Vec<ResultPlace> {
    let runs = sarif["runs"].as_array().expect("runs");
    let mut places: Vec<ResultPlace> = runs
        .iter()
        .flat_map(|run| {
            let tool = run["tool"]["driver"]["name"].as_str().unwrap_or_default().to_owned();
            run["results"].as_array().expect("results").iter().map(move |result| {
                let location = &result["locations"][0]["physicalLocation"];
                (
                    tool.clone(),
                    result["ruleId"].as_str().unwrap_or_default().to_owned(),
                    location["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    location["region"]["startLine"].as_u64().unwrap_or_default(),
                )
            })
        })
        .collect();
    places.sort();
    places
}

/// Makes the files in `repo` the first commit, `message`, of a new repository on branch `main`.
pub fn commit_on_main(repo: &Path, message: &str) {
    git_ok(repo, &["init", "-q", "-b", "main"]);
    commit_all(repo, message);
}

/// A repository whose main branch holds `base` files, with a branch `change` checked out whose
/// one commit writes `change` files.
pub fn change_on_main<C: AsRef<[u8]>>(base: &[(&str, &str)], change: &[(&str, C)]) -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    for (path, text) in base {
        repo.write(path, text);
    }
    commit_on_main(repo.path(), "main");
    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    for (path, text) in change {
        repo.write(path, text);
    }
    commit_all(repo.path(), "the change");
    repo
}
