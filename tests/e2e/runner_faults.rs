//! Fail closed: a scanner that is missing, crashes, hangs or writes broken output makes
//! `scangate scan` exit 2 and name the tool and the reason. Fake scanners inject the faults.

use std::time::{Duration, Instant};

use crate::support::{
    assert_exit, fake_gitleaks, process_alive, read_summary, scan_with, text_only_repo, tool_entry, FakeTools, Repo,
    Scangate,
};

#[test]
fn missing_scanner_is_an_error_naming_the_tool() {
    let tools = FakeTools::new();
    let empty_path = tempfile::tempdir().expect("temp dir");
    let repo = text_only_repo();
    let summary_path = repo.path().join("summary.json");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--summary-json".as_ref(),
        summary_path.as_os_str(),
    ])
    .env("SCANGATE_TOOLS_DIR", tools.dir())
    .env("PATH", empty_path.path())
    .run();
    assert_exit(&output, 2);
    let summary = read_summary(&summary_path);
    assert_eq!(summary["verdict"], "error");
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "missing");
    assert!(
        gitleaks["reason"].as_str().unwrap().contains("`gitleaks` not found"),
        "{gitleaks}"
    );
    assert!(
        summary["violations"][0]
            .as_str()
            .unwrap()
            .starts_with("scanner gitleaks: missing"),
        "{summary}"
    );
}

#[test]
fn scanner_exiting_with_its_error_code_is_an_error() {
    let tools = fake_gitleaks("echo 'fatal: cannot read config' >&2; exit 1");
    let (output, summary) = scan_with(&tools, &text_only_repo(), &[]);
    assert_exit(&output, 2);
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "error");
    assert_eq!(gitleaks["exit_code"], 1);
    let reason = gitleaks["reason"].as_str().unwrap();
    assert!(
        reason.contains("exited with 1") && reason.contains("cannot read config"),
        "{reason}"
    );
}

#[test]
fn hanging_scanner_is_killed_with_its_children_at_the_timeout() {
    let repo = text_only_repo();
    let pids = repo.path().join("pids");
    // The fake starts a grandchild and then hangs: both must be gone after the timeout.
    let tools = fake_gitleaks(&format!(
        "sleep 300 & echo $! > '{}'; echo $$ >> '{}'; sleep 300",
        pids.display(),
        pids.display()
    ));
    let started = Instant::now();
    let (output, summary) = scan_with(&tools, &repo, &["--timeout", "2"]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "scan waited for the hung scanner"
    );
    assert_exit(&output, 2);
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "timeout");
    assert!(
        gitleaks["reason"]
            .as_str()
            .unwrap()
            .contains("did not finish within 2s"),
        "{gitleaks}"
    );
    let recorded = std::fs::read_to_string(&pids).expect("fake recorded its pids");
    let pids: Vec<&str> = recorded.split_whitespace().collect();
    assert_eq!(pids.len(), 2, "{recorded}");
    for pid in pids {
        assert!(
            !process_alive(pid),
            "process {pid} of the hung scanner's tree is still alive"
        );
    }
}

#[test]
fn truncated_output_is_an_error() {
    let tools = fake_gitleaks(r#"printf '[{"RuleID": "aws-access-token", "File": "a' > "$report"; exit 2"#);
    let (output, summary) = scan_with(&tools, &text_only_repo(), &[]);
    assert_exit(&output, 2);
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "error");
    assert!(
        gitleaks["reason"].as_str().unwrap().contains("not valid JSON"),
        "{gitleaks}"
    );
}

#[test]
fn missing_output_is_an_error() {
    let tools = fake_gitleaks("exit 0");
    let (output, summary) = scan_with(&tools, &text_only_repo(), &[]);
    assert_exit(&output, 2);
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "error");
    assert!(
        gitleaks["reason"].as_str().unwrap().contains("wrote no output"),
        "{gitleaks}"
    );
}

#[test]
fn scanners_get_their_argv_verbatim_never_through_a_shell() {
    let repo = Repo::new();
    repo.write("package-lock.json", r#"{"lockfileVersion": 3, "packages": {}}"#);
    let argv_file = repo.path().join("npm-argv");
    let tools = FakeTools::new();
    tools.add(
        "npm",
        &format!(
            r#"if [ "$1" = --version ]; then echo 11.0.0; exit 0; fi
printf '%s\n' "$@" > '{}'
echo '{{"auditReportVersion": 2, "vulnerabilities": {{}}, "metadata": {{}}}}'"#,
            argv_file.display()
        ),
    );
    let hostile = "http://127.0.0.1:9/;touch pwned;$(touch pwned2)";
    let (output, summary) = scan_with(
        &tools,
        &repo,
        &["--tools", "npm-audit", "--no-gate", "--npm-registry", hostile],
    );
    assert_exit(&output, 0);
    assert_eq!(tool_entry(&summary, "npm-audit")["status"], "ok");
    let argv = std::fs::read_to_string(&argv_file).expect("fake npm recorded its argv");
    assert_eq!(
        argv.lines().collect::<Vec<_>>(),
        [
            "audit",
            "--json",
            "--package-lock-only",
            "--registry",
            hostile,
            "--include=dev",
            "--include=optional",
            "--include=peer"
        ]
    );
    assert!(!repo.path().join("pwned").exists() && !repo.path().join("pwned2").exists());
}
