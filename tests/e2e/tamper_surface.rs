//! Issue 23 §5, the sharded gate and the rest of the surface, as tamper cases: what an attacker's
//! repository, part or change does, and the honest exit code (1 when a finding must count, 2 for
//! an error) with what the user reads (summary JSON, stderr naming the file, tool and reason).
//! Real scanners scan; fake ones only inject faults (as in `runner_faults.rs`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    assert_exit, fake_gitleaks, fake_gitleaks_versioned, github_token, read_summary, repo_with_a_high_finding,
    require_scanner, scan_to_sarif, scan_with, text_only_repo, tool_entry, FakeTools, Repo, Scangate,
};

/// The honest parts of a sharded scan of a repository with one high semgrep finding: one
/// `scan --tools X --no-gate` per scanner that applies (gitleaks, semgrep), written to
/// `out/part-X.sarif`. `None` (skipped) without those scanners.
struct Sharded {
    repo: Repo,
    out: tempfile::TempDir,
    parts: Vec<PathBuf>,
}

fn honest_parts() -> Option<Sharded> {
    if !require_scanner("gitleaks") || !require_scanner("semgrep") {
        return None;
    }
    let repo = repo_with_a_high_finding();
    let out = tempfile::tempdir().unwrap();
    let parts = ["gitleaks", "semgrep"]
        .into_iter()
        .map(|tool| {
            let part = out.path().join(format!("part-{tool}.sarif"));
            assert_exit(
                &scan_to_sarif(repo.path(), &part, &["--tools", tool, "--no-gate"]).run(),
                0,
            );
            part
        })
        .collect();
    Some(Sharded { repo, out, parts })
}

/// `scangate gate PARTS… --summary-json out/gated.json`; the summary is `Null` when none was
/// written (an error before the gate).
fn gate(parts: &[PathBuf], out: &Path) -> (Output, Value) {
    let summary = out.join("gated.json");
    let _ = std::fs::remove_file(&summary);
    let mut args: Vec<OsString> = vec!["gate".into()];
    args.extend(parts.iter().map(Into::into));
    args.extend([
        "--level".into(),
        "1".into(),
        "--summary-json".into(),
        summary.clone().into(),
    ]);
    let output = Scangate::new(args).run();
    let summary = if summary.exists() {
        read_summary(&summary)
    } else {
        Value::Null
    };
    (output, summary)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("JSON")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The attacker's part: the semgrep part's results (same fingerprints) in a run of `tool`, each
/// marked `baselineState: unchanged` and rated info so that they do not fail the gate themselves.
/// `automation` is the run's `automationDetails.id`, none for another tool's log.
fn forged_from(semgrep_part: &Path, tool: &str, automation: Option<&str>) -> Value {
    let mut log = read_json(semgrep_part);
    let run = &mut log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "semgrep");
    let results = run["results"].as_array_mut().expect("results");
    assert!(!results.is_empty(), "the semgrep part holds the high finding");
    for result in results.iter_mut() {
        result["baselineState"] = "unchanged".into();
        result["level"] = "none".into();
        result["properties"]["severity"] = "info".into();
    }
    run["tool"]["driver"]["name"] = tool.into();
    match automation {
        Some(id) => run["automationDetails"]["id"] = id.into(),
        None => {
            run.as_object_mut().unwrap().remove("automationDetails");
        }
    }
    log.as_object_mut().unwrap().remove("properties");
    log
}

#[test]
fn a_forged_part_cannot_mark_other_parts_findings_pre_existing() {
    let Some(Sharded { out, parts, .. }) = honest_parts() else {
        return;
    };
    let (output, honest) = gate(&parts, out.path());
    assert_exit(&output, 1);
    assert_eq!(honest["counts"]["high"], 1, "{honest:#}");

    // Another tool's log, and a log shaped as scangate's run of another scanner: each marks the
    // semgrep part's findings (by their fingerprints) as unchanged.
    let cases = [
        ("foreign.sarif", forged_from(&parts[1], "acme-lint", None)),
        (
            "scangate-gosec.sarif",
            forged_from(&parts[1], "gosec", Some("scangate/gosec/")),
        ),
    ];
    for (name, forged) in cases {
        let forged_path = out.path().join(name);
        std::fs::write(&forged_path, forged.to_string()).unwrap();
        let mut with_forged = parts.clone();
        with_forged.push(forged_path);
        let (output, summary) = gate(&with_forged, out.path());
        assert_exit(&output, 1);
        assert_eq!(summary["verdict"], "fail", "{name}: {summary:#}");
        assert_eq!(summary["counts"]["high"], 1, "{name}: {summary:#}");
        let violations = summary["violations"].to_string();
        assert!(violations.contains("1 high finding"), "{name}: {violations}");
        if name == "foreign.sarif" {
            let warnings = summary["warnings"].to_string();
            assert!(
                warnings.contains("foreign.sarif") && warnings.contains("acme-lint") && warnings.contains("ignored"),
                "{warnings}"
            );
        }
    }
}

#[test]
fn a_part_given_twice_is_refused_naming_both() {
    let Some(Sharded { repo, out, parts }) = honest_parts() else {
        return;
    };
    let semgrep = &parts[1];
    let copy = out.path().join("copy-of-semgrep.sarif");
    std::fs::copy(semgrep, &copy).unwrap();
    // The same run, reformatted: other bytes, the same results.
    let reformatted = out.path().join("pretty-semgrep.sarif");
    std::fs::write(&reformatted, serde_json::to_string_pretty(&read_json(semgrep)).unwrap()).unwrap();
    // A full scan's log holds a semgrep run too.
    let full = out.path().join("full.sarif");
    assert_exit(&scan_to_sarif(repo.path(), &full, &["--no-gate"]).run(), 0);
    let cases = [
        (semgrep.clone(), "are the same file"),
        (copy, "have the same content"),
        (reformatted, "both hold semgrep's result"),
        (full, "both hold semgrep's result"),
    ];
    // A part without a result given twice counts nothing twice: a fan-out over several projects
    // hands over the same part of a scanner that applies to none of them once per project.
    let mut clean_twice = parts.clone();
    clean_twice.push(parts[0].clone());
    let (output, summary) = gate(&clean_twice, out.path());
    assert_exit(&output, 1);
    assert_eq!(summary["counts"]["high"], 1, "{summary:#}");
    for (second, reason) in cases {
        let mut given = parts.clone();
        given.push(second.clone());
        let (output, summary) = gate(&given, out.path());
        assert_exit(&output, 2);
        assert!(summary.is_null(), "no verdict over doubled parts: {summary:#}");
        let stderr = stderr(&output);
        let named = |path: &Path| stderr.contains(&path.display().to_string());
        assert!(
            named(semgrep) && named(&second) && stderr.contains(reason),
            "{}: {stderr}",
            second.display()
        );
    }
}

#[test]
fn a_part_that_is_no_regular_file_or_too_large_is_an_error_not_an_endless_read() {
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (output, _) = gate(&[PathBuf::from("/dev/zero")], out.path());
    assert!(started.elapsed() < Duration::from_secs(30), "gate read /dev/zero");
    assert_exit(&output, 2);
    let stderr_text = stderr(&output);
    assert!(stderr_text.contains("/dev/zero is not a regular file"), "{stderr_text}");
    // A FIFO nobody writes to: opening it must not wait for a writer.
    let fifo = out.path().join("part.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let (output, _) = gate(std::slice::from_ref(&fifo), out.path());
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("part.fifo is not a regular file"),
        "{}",
        stderr(&output)
    );
    // A sparse file past the limit is refused before it is read.
    let huge = out.path().join("huge.sarif");
    std::fs::File::create(&huge).unwrap().set_len(257 << 20).unwrap();
    let (output, _) = gate(std::slice::from_ref(&huge), out.path());
    assert_exit(&output, 2);
    let stderr_text = stderr(&output);
    assert!(
        stderr_text.contains("huge.sarif is larger than the limit of 256 MiB"),
        "{stderr_text}"
    );
}

#[test]
fn gitleaks_unredacted_report_is_private_while_the_scan_runs() {
    // Another user on the machine reads the scratch directory while gitleaks runs: the fake
    // records the modes of its report's directory and of the report, which it opens for writing
    // as gitleaks does (with the umask of the job, 022 here).
    let repo = text_only_repo();
    let modes = repo.path().join("modes");
    let tools = fake_gitleaks(&format!(
        r#"umask 022
stat -c %a "$(dirname "$report")" > '{modes}'
echo '[]' > "$report"
stat -c %a "$report" >> '{modes}'
exit 0"#,
        modes = modes.display()
    ));
    let (output, summary) = scan_with(&tools, &repo, &[]);
    assert_exit(&output, 0);
    assert_eq!(tool_entry(&summary, "gitleaks")["status"], "ok");
    let recorded = std::fs::read_to_string(&modes).expect("the fake recorded the modes");
    assert_eq!(
        recorded.lines().collect::<Vec<_>>(),
        ["700", "600"],
        "scratch directory, then gitleaks' report"
    );
}

/// A fake `executable` that answers its version query and otherwise writes `report` where the
/// scanner writes its report (`--report-path F`, `--output-file F`, `-out F`,
/// else stdout) and exits `code`.
fn add_fake_reporting(tools: &FakeTools, executable: &str, report: &str, code: i32) {
    tools.add(
        executable,
        &format!(
            r#"case "$1" in version|--version|-version) echo 1.0.0; exit 0;; esac
out=""
previous=""
for arg in "$@"; do
  case "$previous" in --report-path|--output-file|-out) out="$arg";; esac
  previous="$arg"
done
if [ -n "$out" ]; then printf '%s' '{report}' > "$out"; else printf '%s' '{report}'; fi
exit {code}"#
        ),
    );
}

/// The executable of `scanner`, and a file that makes it apply.
fn executable_and_trigger(scanner: &str) -> (&'static str, &'static str) {
    match scanner {
        "semgrep" => ("semgrep", "app.py"),
        "osv-scanner" => ("osv-scanner", "poetry.lock"),
        "npm-audit" => ("npm", "package-lock.json"),
        "gosec" => ("gosec", "go.mod"),
        _ => ("gitleaks", "notes.txt"),
    }
}

#[test]
fn scanner_reports_at_odds_with_themselves_are_errors_not_clean_runs() {
    const NO_VULNERABILITY: &str = "exited with 1 (vulnerabilities found), but its report lists no vulnerability";
    // (scanner, what it reports, its exit code, the reason scangate gives)
    let cases = [
        (
            "gitleaks",
            "[]",
            2,
            "exited with 2 (leaks found), but its report lists no leak",
        ),
        ("semgrep", r#"{"results": []}"#, 0, "missing field `errors`"),
        (
            "semgrep",
            r#"{"results": [], "errors": []}"#,
            1,
            "exited with 1 (findings), but its report lists no result",
        ),
        (
            "osv-scanner",
            r#"{"results": [{"packages": [{"vulnerabilities": []}]}]}"#,
            1,
            NO_VULNERABILITY,
        ),
        (
            "npm-audit",
            r#"{"auditReportVersion": 2, "metadata": {}}"#,
            0,
            "an audit report without `vulnerabilities`",
        ),
        (
            "npm-audit",
            r#"{"auditReportVersion": 2, "vulnerabilities": {}}"#,
            1,
            NO_VULNERABILITY,
        ),
        (
            "gosec",
            r#"{"Golang errors": {}, "Stats": {"files": 1}}"#,
            0,
            "missing field `Issues`",
        ),
    ];
    for (scanner, report, code, reason) in cases {
        let (executable, trigger) = executable_and_trigger(scanner);
        let repo = text_only_repo();
        repo.write(trigger, "{}\n");
        let tools = FakeTools::new();
        if scanner != "gitleaks" {
            add_fake_reporting(&tools, "gitleaks", "[]", 0);
        }
        add_fake_reporting(&tools, executable, report, code);
        let selected = format!("gitleaks,{scanner}");
        // The fake ignores it; without it scangate would first check that osv.dev answers.
        let db = tempfile::tempdir().unwrap();
        let db = db.path().to_str().unwrap();
        let (output, summary) = scan_with(&tools, &repo, &["--tools", &selected, "--osv-offline-db", db]);
        let case = format!("{scanner} exiting {code} with {report}");
        assert_exit(&output, 2);
        assert_eq!(summary["verdict"], "error", "{case}");
        let entry = tool_entry(&summary, scanner);
        assert_eq!(entry["status"], "error", "{case}: {entry}");
        assert!(entry["reason"].as_str().unwrap().contains(reason), "{case}: {entry}");
        let violations = summary["violations"].to_string();
        assert!(
            violations.contains(&format!("scanner {scanner}: error")) && violations.contains(reason),
            "{case}: {violations}"
        );
        if scanner != "gitleaks" {
            assert_eq!(tool_entry(&summary, "gitleaks")["status"], "ok", "{case}");
        }
    }
}

// A signal nobody sends to cancel a job ends the scan as SIGTERM does — every scanner's process
// tree (also descendants that left it) ended, the scratch directory removed, no report of a
// pass — but as an error. The cases are `signals.rs`'s, with hanging fake scanners.

#[test]
fn sigquit_stops_every_scanner_and_exits_2() {
    crate::signals::scan_is_stopped_by("QUIT", 2);
}

#[test]
fn sigusr1_stops_every_scanner_and_exits_2() {
    crate::signals::scan_is_stopped_by("USR1", 2);
}

/// A file name that would rewrite the job log (ESC: erase the line, hide what follows, a C1 CSI)
/// and read in another order than it has (RIGHT-TO-LEFT OVERRIDE, an isolate).
const REORDERING_NAME: &str = "invoice\u{1b}[2K\u{1b}[8m\u{9b}31m\u{202E}txt.exe\u{2066}.env";

/// True when `text` holds a control character (but line breaks and tabs) or a bidi control.
fn has_hidden_characters(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn escape_and_bidi_characters_in_file_names_are_shown_escaped_in_every_github_and_terminal_report() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    let token = github_token();
    repo.write(REORDERING_NAME, format!("GITHUB_TOKEN={token}\n"));
    let outside = tempfile::tempdir().unwrap();
    let step_summary = outside.path().join("step-summary.md");
    let scan = || {
        scan_to_sarif(
            repo.path(),
            &outside.path().join("scan.sarif"),
            &["--tools", "gitleaks"],
        )
    };
    let github = scan()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .run();
    assert_exit(&github, 1);
    let terminal = scan().run();
    assert_exit(&terminal, 1);
    // What the escaped name looks like: the characters spelled out, in the order they have.
    let shown = r"invoice\u{1b}[2K\u{1b}[8m\u{9b}31m\u{202e}txt.exe\u{2066}.env";
    let annotations = String::from_utf8_lossy(&github.stdout);
    let annotation = annotations
        .lines()
        .find(|line| line.starts_with("::error file="))
        .unwrap_or_else(|| panic!("no annotation for the secret:\n{annotations}"));
    assert!(annotation.contains(shown), "{annotation}");
    let summary = std::fs::read_to_string(&step_summary).expect("step summary written");
    assert!(
        summary.contains(&shown.replace('\\', r"\\").replace('[', r"\[")),
        "{summary}"
    );
    let table = String::from_utf8_lossy(&terminal.stdout);
    assert!(table.contains(shown), "{table}");
    for (what, text) in [
        ("GitHub stdout", annotations.into_owned()),
        ("step summary", summary),
        ("terminal stdout", table.into_owned()),
        ("GitHub stderr", stderr(&github)),
        ("terminal stderr", stderr(&terminal)),
    ] {
        assert!(
            !has_hidden_characters(&text),
            "{what} holds a raw control character:\n{text:?}"
        );
        assert!(!text.contains(&token), "{what} holds the secret");
    }
}

#[test]
fn escape_and_bidi_characters_in_another_tools_sarif_are_shown_escaped_by_gate() {
    // A part from another tool names its tool, rule, file and message with them.
    let out = tempfile::tempdir().unwrap();
    let hostile = "x\u{1b}]0;owned\u{7}\u{202E}y";
    let log = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": hostile, "rules": [{"id": hostile}]}},
            "results": [{
                "ruleId": hostile, "level": "error", "message": {"text": hostile},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": hostile}, "region": {"startLine": 1}}}]
            }]
        }]
    });
    let part = out.path().join("acme.sarif");
    std::fs::write(&part, log.to_string()).unwrap();
    for github in ["true", "false"] {
        let output = Scangate::new([OsString::from("gate"), part.clone().into()])
            .env("GITHUB_ACTIONS", github)
            .run();
        assert_exit(&output, 1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(r"x\u{1b}]0;owned\u{7}\u{202e}y"), "{stdout}");
        assert!(!has_hidden_characters(&stdout), "GITHUB_ACTIONS={github}: {stdout:?}");
    }
}

#[test]
fn the_version_query_has_the_scan_timeout_also_when_it_is_longer_than_a_minute() {
    // A loaded runner: the scanner prints its version after 62 s. Before, the query was cut at
    // 60 s whatever --timeout said, and the scanner failed as timed out; now it has --timeout.
    let tools = fake_gitleaks_versioned("sleep 62; echo 8.30.1; exit 0", r#"echo '[]' > "$report"; exit 0"#);
    let started = Instant::now();
    let (output, summary) = scan_with(&tools, &text_only_repo(), &["--timeout", "120"]);
    assert!(started.elapsed() >= Duration::from_secs(62), "the fake did not sleep");
    assert_exit(&output, 0);
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "ok", "{gitleaks}");
    assert_eq!(gitleaks["version"], "8.30.1", "{gitleaks}");
}

#[test]
fn a_baseline_that_is_no_regular_file_is_an_error_not_an_endless_read() {
    let repo = text_only_repo();
    for command in ["scan", "gate"] {
        let target = match command {
            "scan" => repo.path().to_path_buf(),
            _ => repo.path().join("notes.txt"),
        };
        let started = Instant::now();
        let output = Scangate::new([
            OsString::from(command),
            target.into(),
            "--baseline".into(),
            "/dev/zero".into(),
        ])
        .run();
        assert!(started.elapsed() < Duration::from_secs(30), "{command} read /dev/zero");
        assert_exit(&output, 2);
        let stderr = stderr(&output);
        assert!(
            stderr.contains("cannot use /dev/zero as a baseline") && stderr.contains("/dev/zero is not a regular file"),
            "{command}: {stderr}"
        );
    }
}
