//! Issue 9 §2: the scanned repository runs nothing. Its `.git/config` names programs (fsmonitor,
//! a textconv driver that would also hide a secret, filters); real gitleaks and semgrep, and
//! scangate's own git in PR and pre-commit mode, run none of them. Scratch and raw files are private.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{
    assert_exit, commit_all, git_ok, random_token, read_summary, require_scanner, tool_entry, Repo, Scangate, ALNUM,
};

/// A repository whose configuration runs `marker`-writing programs, the programs and the marker
/// living outside it; its `feature` branch commits a token in `notes.txt`, which the textconv
/// driver would show as nothing.
struct HostileRepo {
    repo: Repo,
    outside: tempfile::TempDir,
}

impl HostileRepo {
    fn new() -> Self {
        let repo = Repo::new();
        let outside = tempfile::tempdir().expect("temp dir");
        repo.write("app/job.py", "VERSION = 1\n");
        repo.write(".gitattributes", "*.txt diff=hide\n*.py filter=run\n");
        git_ok(repo.path(), &["init", "-q"]);
        commit_all(repo.path(), "main");
        git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
        let token = format!("ghp_{}", random_token(ALNUM, 36));
        repo.write("notes.txt", format!("token = {token}\n"));
        commit_all(repo.path(), "notes");
        let hostile = HostileRepo { repo, outside };
        let program = hostile.program();
        let attributes = hostile.repo.path().join(".gitattributes");
        for (key, value) in [
            ("core.fsmonitor", program.as_path()),
            ("diff.hide.textconv", &program),
            ("filter.run.clean", &program),
            ("filter.run.process", &program),
            // Also for a git run outside the work tree (gitleaks' history source).
            ("core.attributesFile", &attributes),
        ] {
            git_ok(hostile.repo.path(), &["config", key, value.to_str().unwrap()]);
        }
        hostile
    }

    /// A program that records that it ran and prints nothing.
    fn program(&self) -> PathBuf {
        let path = self.outside.path().join("run.sh");
        let script = format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\n", self.marker().display());
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn marker(&self) -> PathBuf {
        self.outside.path().join("marker")
    }

    /// Scans with gitleaks and semgrep (and `extra`); asserts nothing ran and gitleaks reported
    /// the token in `notes.txt`.
    fn scan_runs_nothing(&self, extra: &[&str]) {
        let summary = self.outside.path().join("summary.json");
        let sarif = self.outside.path().join("scan.sarif");
        let files = [self.repo.path(), &sarif, &summary].map(OsString::from);
        let [repo, sarif_flag, summary_flag] = files;
        let args = [
            OsString::from("scan"),
            repo,
            "--tools".into(),
            "gitleaks,semgrep".into(),
        ]
        .into_iter()
        .chain(["--sarif".into(), sarif_flag, "--summary-json".into(), summary_flag])
        .chain(extra.iter().map(OsString::from));
        let output = Scangate::new(args).run();
        let ran = std::fs::read_to_string(self.marker()).unwrap_or_default();
        assert!(ran.is_empty(), "the repository's programs ran:\n{ran}");
        assert_exit(&output, 1);
        let summary = read_summary(&summary);
        let staged = extra.contains(&"--staged");
        // A pull request that changes no source file gives semgrep nothing to read (issue 13 §1).
        let semgrep = match () {
            _ if staged => "skipped",
            _ if extra.contains(&"--base") => "unchanged",
            _ => "ok",
        };
        assert_eq!(tool_entry(&summary, "semgrep")["status"], semgrep, "{summary:#}");
        let sarif: Value = serde_json::from_slice(&std::fs::read(sarif).unwrap()).unwrap();
        let leak = if staged { "staged.txt" } else { "notes.txt" };
        assert_eq!(leak_files(&sarif), [leak], "{summary:#}");
    }

    /// Stages a second token in `staged.txt` (what a pre-commit hook scans), with the
    /// repository's fsmonitor and filter held off so that staging it runs nothing.
    fn stage_token(&self) {
        let token = format!("ghp_{}", random_token(ALNUM, 36));
        self.repo.write("staged.txt", format!("token = {token}\n"));
        let held_off = ["core.fsmonitor=false", "filter.run.process=", "filter.run.clean="];
        let mut args: Vec<&str> = held_off.iter().flat_map(|setting| ["-c", setting]).collect();
        args.extend(["add", "staged.txt"]);
        git_ok(self.repo.path(), &args);
    }
}

/// The files of gitleaks' results.
fn leak_files(sarif: &Value) -> Vec<String> {
    let runs = sarif["runs"].as_array().unwrap().iter();
    let gitleaks = runs.filter(|run| run["tool"]["driver"]["name"] == "gitleaks");
    gitleaks
        .flat_map(|run| run["results"].as_array().unwrap().iter())
        .map(|result| {
            let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            uri.as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn a_history_scan_runs_nothing_the_repository_configures() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep")) {
        return;
    }
    HostileRepo::new().scan_runs_nothing(&[]);
}

#[test]
fn a_pull_request_scan_runs_nothing_the_repository_configures() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep")) {
        return;
    }
    HostileRepo::new().scan_runs_nothing(&["--base", "main"]);
}

#[test]
fn a_pre_commit_scan_runs_nothing_the_repository_configures() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep")) {
        return;
    }
    let repo = HostileRepo::new();
    repo.stage_token();
    repo.scan_runs_nothing(&["--staged"]);
}

#[test]
fn a_git_config_count_that_is_not_a_number_is_an_error() {
    let repo = HostileRepo::new();
    let output = Scangate::new([OsString::from("plan"), repo.repo.path().into()])
        .env("GIT_CONFIG_COUNT", "many")
        .run();
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GIT_CONFIG_COUNT"), "{stderr}");
}

#[test]
fn raw_outputs_are_private() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = HostileRepo::new();
    let raw = repo.outside.path().join("raw");
    let output = Scangate::new([
        OsString::from("scan"),
        repo.repo.path().into(),
        "--tools".into(),
        "gitleaks".into(),
        "--sarif".into(),
        repo.outside.path().join("scan.sarif").into(),
        "--raw-dir".into(),
        raw.clone().into(),
    ])
    .run();
    assert_exit(&output, 1);
    assert_eq!(mode(&raw), 0o700);
    let files: Vec<_> = std::fs::read_dir(&raw).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
