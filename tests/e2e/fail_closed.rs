//! Issue 8 §2, nothing fails open: every scanner fault ends in exit 2 naming the tool and the
//! reason; a failed scanner leaves a failed run in the SARIF; `--no-gate` never says `pass`; and
//! `scangate gate` over the parts of a sharded scan gives the verdict of one full scan, failures
//! and missing or empty parts included. Fake scanners only inject faults; the rest runs the real
//! scanners.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{
    assert_exit, assert_valid_sarif, installed, read_summary, repo_with_a_high_finding, require_scanner, tool_entry,
    FakeTools, Repo, Scangate,
};

/// How a fake stands in for one scanner.
struct Scanner {
    tool: &'static str,
    executable: &'static str,
    /// The first argument of the scanner's version query, answered without fault.
    version_arg: &'static str,
    /// A report of a clean run, as the real scanner writes it.
    clean_report: &'static str,
    /// An exit code the scanner uses for failure.
    error_exit: u8,
    /// A well-formed JSON object that is an error, not a report.
    error_object: &'static str,
}

const SCANNERS: [Scanner; 6] = [
    Scanner {
        tool: "gitleaks",
        executable: "gitleaks",
        version_arg: "version",
        clean_report: "[]",
        error_exit: 1,
        error_object: r#"{"error": "git log failed"}"#,
    },
    Scanner {
        tool: "semgrep",
        executable: "semgrep",
        version_arg: "--version",
        clean_report: r#"{"results": [], "errors": [], "paths": {"scanned": ["app.py"]}}"#,
        error_exit: 2,
        error_object: r#"{"error": "invalid configuration file"}"#,
    },
    Scanner {
        tool: "gosec",
        executable: "gosec",
        version_arg: "-version",
        clean_report: r#"{"Golang errors": {}, "Issues": [], "Stats": {"files": 1}}"#,
        error_exit: 1,
        error_object: r#"{"error": "cannot load packages"}"#,
    },
    Scanner {
        tool: "trivy",
        executable: "trivy",
        version_arg: "--version",
        clean_report: r#"{"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem"}"#,
        error_exit: 1,
        error_object: r#"{"error": "failed to download vulnerability DB"}"#,
    },
    Scanner {
        tool: "osv-scanner",
        executable: "osv-scanner",
        version_arg: "--version",
        clean_report: r#"{"results": null}"#,
        // "No packages found", although the repository holds lockfiles it reads.
        error_exit: 128,
        error_object: r#"{"error": "no offline version of the OSV database"}"#,
    },
    Scanner {
        tool: "npm-audit",
        executable: "npm",
        version_arg: "--version",
        clean_report: r#"{"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {}}"#,
        error_exit: 7,
        error_object: r#"{"error": {"code": "ENOAUDIT", "summary": "audit endpoint returned an error"}}"#,
    },
];

#[derive(Debug, Clone, Copy)]
enum Fault {
    Missing,
    ErrorExit,
    Hang,
    Truncated,
    Empty,
    ErrorObject,
    /// Exits 0 having written this JSON, which is not the scanner's report.
    Writes(&'static str),
}

impl Fault {
    const MATRIX: [Fault; 6] = [
        Fault::Missing,
        Fault::ErrorExit,
        Fault::Hang,
        Fault::Truncated,
        Fault::Empty,
        Fault::ErrorObject,
    ];

    fn expected_status(self) -> &'static str {
        match self {
            Fault::Missing => "missing",
            Fault::Hang => "timeout",
            _ => "error",
        }
    }
}

/// The fake's script: answers the version query, finds its output (the path after the
/// scanner's output flag, or stdout for npm), then misbehaves as `fault` says.
fn fake_script(scanner: &Scanner, fault: Fault) -> String {
    let clean = scanner.clean_report;
    let body = match fault {
        Fault::Missing => unreachable!("a missing scanner has no script"),
        Fault::ErrorExit => format!(
            "emit '{clean}'; echo 'fatal: the scanner broke' >&2; exit {}",
            scanner.error_exit
        ),
        Fault::Hang => "sleep 60".to_string(),
        Fault::Truncated => format!("emit '{}'", &clean[..clean.len() / 2]),
        Fault::Empty => "emit ''".to_string(),
        Fault::ErrorObject => format!("emit '{}'", scanner.error_object),
        Fault::Writes(json) => format!("emit '{json}'"),
    };
    format!(
        r#"if [ "$1" = {} ]; then echo 1.0.0; exit 0; fi
out=""
previous=""
for arg in "$@"; do
  case "$previous" in --report-path|-out|--output|--output-file) out="$arg";; esac
  previous="$arg"
done
emit() {{ if [ -n "$out" ]; then printf '%s' "$1" > "$out"; else printf '%s' "$1"; fi; }}
{body}"#,
        scanner.version_arg
    )
}

/// A repository every scanner applies to.
fn repo_for_every_scanner() -> Repo {
    let repo = Repo::new();
    repo.write("notes.txt", "nothing to see here\n")
        .write("app.py", "print('hello')\n")
        .write("go.mod", "module example.com/app\n\ngo 1.22\n")
        .write(
            "package-lock.json",
            r#"{"name": "app", "lockfileVersion": 3, "packages": {"": {"name": "app"}}}"#,
        );
    repo
}

/// `scangate scan ROOT --tools TOOL --no-gate` with `tool` faked; what went wrong, if anything.
fn check_fault(repo: &Repo, scanner: &Scanner, fault: Fault) -> Result<(), String> {
    let tools = FakeTools::new();
    let empty_path = tempfile::tempdir().expect("temp dir");
    let mut scan = Scangate::new(scan_args(
        repo.path(),
        tools.dir(),
        &[
            "--tools",
            scanner.tool,
            "--no-gate",
            "--timeout",
            "2",
            // The fakes ignore it; without it scangate would first check that osv.dev answers.
            "--osv-offline-db",
            empty_path.path().to_str().expect("a UTF-8 temporary path"),
        ],
    ))
    .env("SCANGATE_TOOLS_DIR", tools.dir());
    match fault {
        Fault::Missing => scan = scan.env("PATH", empty_path.path()),
        _ => {
            tools.add(scanner.executable, &fake_script(scanner, fault));
        }
    }
    let output = scan.run();
    let summary = read_summary(&tools.dir().join("summary.json"));
    let entry = tool_entry(&summary, scanner.tool);
    let reason = entry["reason"].as_str().unwrap_or_default();
    let named = summary["violations"]
        .as_array()
        .is_some_and(|v| v.iter().any(|v| v.as_str().is_some_and(|v| v.contains(scanner.tool))));
    let expected = fault.expected_status();
    if output.status.code() == Some(2)
        && summary["verdict"] == "error"
        && entry["status"] == expected
        && !reason.is_empty()
        && named
    {
        return Ok(());
    }
    Err(format!(
        "{} {fault:?}: exit {:?}, verdict {}, status {} (want {expected}), reason {reason:?}, violations {}",
        scanner.tool,
        output.status.code(),
        summary["verdict"],
        entry["status"],
        summary["violations"]
    ))
}

/// `scan ROOT --summary-json DIR/summary.json --sarif DIR/scan.sarif EXTRA`.
fn scan_args(root: &Path, out: &Path, extra: &[&str]) -> Vec<OsString> {
    scan_args_to(root, out, &out.join("scan.sarif"), extra)
}

/// [`scan_args`] with the SARIF log written to `sarif`.
fn scan_args_to(root: &Path, out: &Path, sarif: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        root.into(),
        "--summary-json".into(),
        out.join("summary.json").into(),
        "--sarif".into(),
        sarif.into(),
    ];
    args.extend(extra.iter().map(Into::into));
    args
}

/// Runs every (scanner, fault) case, a dozen at a time; returns the failures and the count.
fn run_cases(repo: &Repo, cases: &[(&Scanner, Fault)]) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    for batch in cases.chunks(12) {
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|(scanner, fault)| scope.spawn(move || check_fault(repo, scanner, *fault)))
                .collect();
            handles.into_iter().map(|h| h.join().expect("case thread")).collect()
        });
        failures.extend(results.into_iter().filter_map(Result::err));
    }
    (failures, cases.len())
}

#[test]
fn fault_matrix_every_scanner_and_fault_ends_in_exit_2_naming_tool_and_reason() {
    let repo = repo_for_every_scanner();
    let cases: Vec<(&Scanner, Fault)> = SCANNERS
        .iter()
        .flat_map(|scanner| Fault::MATRIX.map(|fault| (scanner, fault)))
        .collect();
    let (failures, total) = run_cases(&repo, &cases);
    println!("fault matrix: {}/{total}", total - failures.len());
    assert!(failures.is_empty(), "failing cases:\n{}", failures.join("\n"));
}

#[test]
fn json_that_is_not_the_scanners_report_is_an_error() {
    let repo = repo_for_every_scanner();
    let cases: Vec<(&Scanner, Fault)> = SCANNERS
        .iter()
        .flat_map(|scanner| [Fault::Writes("{}"), Fault::Writes("[]")].map(|fault| (scanner, fault)))
        .filter(|(scanner, fault)| !(scanner.tool == "gitleaks" && matches!(fault, Fault::Writes("[]"))))
        .collect();
    let (failures, total) = run_cases(&repo, &cases);
    println!("not a report: {}/{total}", total - failures.len());
    assert!(failures.is_empty(), "failing cases:\n{}", failures.join("\n"));
}

/// A finished run with its summary and SARIF (Null when not written).
struct Run {
    output: Output,
    summary: Value,
    sarif: Value,
}

fn run_scangate(args: Vec<OsString>, out: &Path, tools_dir: &Path) -> Run {
    let output = Scangate::new(args).env("SCANGATE_TOOLS_DIR", tools_dir).run();
    let read = |name: &str| {
        std::fs::read(out.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null)
    };
    let run = Run {
        output,
        summary: read("summary.json"),
        sarif: read("scan.sarif"),
    };
    let _ = std::fs::remove_file(out.join("summary.json"));
    run
}

/// The directory the real scanners are installed in (`bin/` below it).
fn real_tools() -> PathBuf {
    installed("gitleaks")
        .parent()
        .and_then(Path::parent)
        .expect("tools dir")
        .to_path_buf()
}

/// Real scanners, except `failing`, faked to exit with its error code.
fn tools_with_failing(failing: &Scanner) -> FakeTools {
    let tools = FakeTools::new();
    for scanner in SCANNERS.iter().filter(|s| s.tool != failing.tool) {
        let real = installed(scanner.executable);
        if real.exists() {
            std::os::unix::fs::symlink(&real, tools.dir().join("bin").join(scanner.executable)).expect("symlink");
        }
    }
    tools.add(failing.executable, &fake_script(failing, Fault::ErrorExit));
    tools
}

fn scanner(tool: &str) -> &'static Scanner {
    SCANNERS.iter().find(|s| s.tool == tool).expect("known scanner")
}

#[test]
fn failed_scanner_leaves_a_failed_run_in_a_valid_sarif() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    repo.write("app.py", "print('hello')\n");
    let tools = tools_with_failing(scanner("semgrep"));
    let out = tempfile::tempdir().unwrap();
    let run = run_scangate(
        scan_args(repo.path(), out.path(), &["--tools", "gitleaks,semgrep"]),
        out.path(),
        tools.dir(),
    );
    assert_exit(&run.output, 2);
    let runs = run.sarif["runs"].as_array().expect("runs");
    let semgrep = runs
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "semgrep")
        .unwrap_or_else(|| panic!("no semgrep run in {:#}", run.sarif));
    let invocation = &semgrep["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{semgrep:#}");
    let notice = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notice["level"], "error");
    let text = notice["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("semgrep error") && text.contains("exited with 2"),
        "{text}"
    );
    let gitleaks = runs.iter().find(|r| r["tool"]["driver"]["name"] == "gitleaks").unwrap();
    assert_eq!(gitleaks["invocations"][0]["executionSuccessful"], true);
    assert_valid_sarif(&run.sarif, &out.path().join("scan.sarif"));
}

#[test]
fn no_gate_reports_not_gated_never_pass() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    repo.write("notes.txt", "nothing to see here\n");
    let out = tempfile::tempdir().unwrap();
    let run = run_scangate(
        scan_args(repo.path(), out.path(), &["--tools", "gitleaks", "--no-gate"]),
        out.path(),
        &real_tools(),
    );
    assert_exit(&run.output, 0);
    assert_eq!(run.summary["verdict"], "not_gated", "{:#}", run.summary);
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert!(stdout.contains("verdict: NOT GATED"), "{stdout}");
}

#[test]
fn semgrep_per_file_errors_are_counted_and_all_files_failing_is_an_error() {
    if !require_scanner("semgrep") {
        return;
    }
    let broken = "import os\nos.system(x\n))))) ((( def class class :::\n";
    let repo = Repo::new();
    repo.write("good.py", "print('hello')\n").write("bad.py", broken);
    let out = tempfile::tempdir().unwrap();
    let args = |root: &Path| scan_args(root, out.path(), &["--tools", "semgrep", "--no-gate"]);
    let some = run_scangate(args(repo.path()), out.path(), &real_tools());
    assert_exit(&some.output, 0);
    let semgrep = tool_entry(&some.summary, "semgrep");
    assert_eq!(semgrep["status"], "ok", "{semgrep}");
    assert_eq!(semgrep["file_errors"], 1, "{semgrep}");
    assert_eq!(semgrep["file_error_paths"], serde_json::json!(["bad.py"]));
    let stdout = String::from_utf8_lossy(&some.output.stdout);
    assert!(
        stdout.contains("1 file(s) with errors") && stdout.contains("bad.py"),
        "{stdout}"
    );

    let only_broken = Repo::new();
    only_broken.write("bad.py", broken);
    let all = run_scangate(args(only_broken.path()), out.path(), &real_tools());
    assert_exit(&all.output, 2);
    let semgrep = tool_entry(&all.summary, "semgrep");
    assert_eq!(semgrep["status"], "error", "{semgrep}");
    let reason = semgrep["reason"].as_str().unwrap();
    assert!(
        reason.contains("could not analyse any of the 1 scanned file"),
        "{reason}"
    );
}

#[test]
fn clean_reports_of_the_real_trivy_and_osv_scanner_are_trusted() {
    let repo = Repo::new();
    // A lockfile that pins no package: trivy leaves `Results` out, osv-scanner writes
    // `"results": null` and exits 0.
    repo.write(
        "package-lock.json",
        r#"{"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "x", "version": "1.0.0"}}}"#,
    );
    for tool in ["trivy", "osv-scanner"] {
        if !require_scanner(tool) {
            continue;
        }
        let out = tempfile::tempdir().unwrap();
        let empty_db = tempfile::tempdir().unwrap();
        let db = empty_db.path().to_str().unwrap();
        let args = scan_args(
            repo.path(),
            out.path(),
            &["--tools", tool, "--no-gate", "--offline", "--osv-offline-db", db],
        );
        let run = run_scangate(args, out.path(), &real_tools());
        assert_exit(&run.output, 0);
        assert_eq!(tool_entry(&run.summary, tool)["status"], "ok", "{:#}", run.summary);
    }
}

/// A full scan and its shards (one `scan --tools X --no-gate` per scanner, as a CI matrix
/// runs them, whether the scanner applies or not), then `gate` over the parts.
struct Sharded {
    full: Run,
    parts: Vec<(&'static str, PathBuf)>,
    out: tempfile::TempDir,
}

fn scan_full_and_sharded(repo: &Repo, tools_dir: &Path) -> Sharded {
    let out = tempfile::tempdir().unwrap();
    let full = run_scangate(
        scan_args(repo.path(), out.path(), &["--level", "1"]),
        out.path(),
        tools_dir,
    );
    let mut parts = Vec::new();
    for scanner in &SCANNERS {
        let part = out.path().join(format!("part-{}.sarif", scanner.tool));
        let args = scan_args_to(repo.path(), out.path(), &part, &["--tools", scanner.tool, "--no-gate"]);
        run_scangate(args, out.path(), tools_dir);
        parts.push((scanner.tool, part));
    }
    Sharded { full, parts, out }
}

impl Sharded {
    fn gate(&self, parts: &[&PathBuf]) -> Run {
        let mut args: Vec<OsString> = vec!["gate".into()];
        args.extend(parts.iter().map(Into::into));
        args.extend(["--level", "1", "--summary-json"].map(OsString::from));
        args.push(self.out.path().join("summary.json").into());
        run_scangate(args, self.out.path(), &real_tools())
    }

    fn all_parts(&self) -> Vec<&PathBuf> {
        self.parts.iter().map(|(_, path)| path).collect()
    }

    fn part(&self, tool: &str) -> &PathBuf {
        &self.parts.iter().find(|(name, _)| *name == tool).expect("part").1
    }

    /// Gate over every part matches the full scan: exit code, verdict, counts, violations.
    fn assert_gate_matches_full_scan(&self, expected_exit: i32) {
        assert_exit(&self.full.output, expected_exit);
        let gated = self.gate(&self.all_parts());
        assert_exit(&gated.output, expected_exit);
        for key in ["verdict", "counts", "violations"] {
            assert_eq!(gated.summary[key], self.full.summary[key], "{key}");
        }
    }
}

#[test]
fn sharded_scan_gates_to_the_verdict_of_one_full_scan_failures_included() {
    if !require_scanner("gitleaks") || !require_scanner("semgrep") {
        return;
    }
    let repo = repo_with_a_high_finding();
    let clean_run = scan_full_and_sharded(&repo, &real_tools());
    clean_run.assert_gate_matches_full_scan(1);
    assert_eq!(clean_run.full.summary["verdict"], "fail");

    let failing_tools = tools_with_failing(scanner("semgrep"));
    let failed = scan_full_and_sharded(&repo, failing_tools.dir());
    failed.assert_gate_matches_full_scan(2);
    assert_eq!(failed.full.summary["verdict"], "error");

    // What a PR author could do to a shard: delete its file, or make it write `{}` or no run.
    let without = |tool: &str| -> Vec<&PathBuf> {
        let dropped = clean_run.part(tool);
        clean_run.all_parts().into_iter().filter(|p| *p != dropped).collect()
    };
    for tool in ["semgrep", "gitleaks"] {
        let gated = clean_run.gate(&without(tool));
        assert_exit(&gated.output, 2);
        let violations = gated.summary["violations"].to_string();
        assert!(
            violations.contains(tool) && violations.contains("no part holds its run"),
            "{violations}"
        );
    }
    for bad in ["{}", r#"{"version": "2.1.0", "runs": []}"#, r#"{"results": []}"#, "[]"] {
        let forged = clean_run.out.path().join("forged.sarif");
        std::fs::write(&forged, bad).unwrap();
        let mut parts = without("semgrep");
        parts.push(&forged);
        let gated = clean_run.gate(&parts);
        assert_exit(&gated.output, 2);
        let stderr = String::from_utf8_lossy(&gated.output.stderr);
        assert!(stderr.contains("forged.sarif"), "{bad}: {stderr}");
    }
}

#[test]
fn gate_of_a_run_that_did_not_execute_successfully_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("other.sarif");
    std::fs::write(
        &part,
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "acme-lint"}}, "results": [],
            "invocations": [{"executionSuccessful": false}]}]}"#,
    )
    .unwrap();
    let mut args: Vec<OsString> = vec!["gate".into(), part.into(), "--summary-json".into()];
    args.push(dir.path().join("summary.json").into());
    let run = run_scangate(args, dir.path(), &real_tools());
    assert_exit(&run.output, 2);
    let acme = tool_entry(&run.summary, "acme-lint");
    assert_eq!(acme["status"], "error");
    assert!(
        acme["reason"].as_str().unwrap().contains("executionSuccessful"),
        "{acme}"
    );
}
