//! Repositories whose paths hold spaces and non-ASCII names scan like any other.

use crate::support::{assert_exit, read_summary, require_scanner, tool_entry, Repo, Scangate};

#[test]
fn spaces_and_non_ascii_names_scan_with_the_real_scanners() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let parent = Repo::new();
    let root = parent.path().join("my répo with spaces");
    let repo_files = [
        (
            "src dir/ünïcode app.py",
            "import subprocess\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n",
        ),
        ("déploy/Dockerfile", "FROM alpine:3.19\nRUN apk add --no-cache curl\n"),
    ];
    for (path, contents) in repo_files {
        parent.write(root.join(path), contents);
    }
    let summary_path = parent.path().join("summary.json");
    let output = Scangate::new([
        "scan".as_ref(),
        root.as_os_str(),
        "--offline".as_ref(),
        "--no-gate".as_ref(),
        "--summary-json".as_ref(),
        summary_path.as_os_str(),
    ])
    .run();
    assert_exit(&output, 0);
    let summary = read_summary(&summary_path);
    for tool in ["gitleaks", "semgrep", "trivy"] {
        assert_eq!(tool_entry(&summary, tool)["status"], "ok", "{tool}: {summary:#}");
    }
    assert_eq!(tool_entry(&summary, "semgrep")["trigger"], "src dir/ünïcode app.py");
    assert_eq!(tool_entry(&summary, "trivy")["trigger"], "déploy/Dockerfile");
}

/// Issue 12 §1: a CI job on a fresh checkout asks for reports under directories that do not
/// exist yet (`gl-reports/scangate.sarif`); scangate creates them.
#[test]
fn every_output_gets_its_missing_parent_directories() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    repo.write("app.py", "print('hello')\n");
    let out = Repo::new();
    let [sarif, summary, gitlab] =
        ["gl-reports/scangate.sarif", "a/b/summary.json", "c/gitlab"].map(|p| out.path().join(p));
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "gitleaks".as_ref(),
        "--sarif".as_ref(),
        sarif.as_os_str(),
        "--summary-json".as_ref(),
        summary.as_os_str(),
        "--gitlab-dir".as_ref(),
        gitlab.as_os_str(),
    ])
    .run();
    assert_exit(&output, 0);
    assert_eq!(tool_entry(&read_summary(&summary), "gitleaks")["status"], "ok");
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(gitlab.join("gl-secret-detection-report.json").is_file());
}

/// Issue 11 §2: boolean environment variables read as a shell user writes them.
#[test]
fn boolean_environment_variables_accept_the_usual_spellings() {
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM alpine:3.19\n");
    let trivy_scanners = |value: &str| {
        let output = Scangate::new(["plan".as_ref(), repo.path().as_os_str(), "--json".as_ref()])
            .env("SCANGATE_OFFLINE", value)
            .run();
        let plan: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("SCANGATE_OFFLINE={value}: {}", String::from_utf8_lossy(&output.stderr)));
        let trivy = plan["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|run| run["tool"] == "trivy")
            .unwrap()
            .clone();
        let argv: Vec<String> = serde_json::from_value(trivy["argv"].clone()).unwrap();
        argv[argv.iter().position(|word| word == "--scanners").unwrap() + 1].clone()
    };
    for on in ["1", "true", "yes", "on"] {
        assert_eq!(trivy_scanners(on), "misconfig", "SCANGATE_OFFLINE={on}");
    }
    for off in ["0", "false", "no", "off"] {
        assert_eq!(trivy_scanners(off), "vuln,misconfig", "SCANGATE_OFFLINE={off}");
    }
    let bogus = Scangate::new(["plan".as_ref(), repo.path().as_os_str()])
        .env("SCANGATE_OFFLINE", "maybe")
        .run();
    assert_exit(&bogus, 2);
    assert!(String::from_utf8_lossy(&bogus.stderr).contains("'maybe'"));
}

/// Issue 11 §2: an unknown scanner name says which one was meant.
#[test]
fn a_misspelled_scanner_name_gets_a_suggestion() {
    let repo = Repo::new();
    repo.write("notes.txt", "hello\n");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "gitleak".as_ref(),
    ])
    .run();
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown tool `gitleak` (did you mean `gitleaks`?)"),
        "{stderr}"
    );
}

/// Issue 11 §2: `-vv` into a pipe (a CI log) carries no terminal escape codes.
#[test]
fn verbose_logs_into_a_pipe_are_plain_text() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    repo.write("notes.txt", "hello\n");
    let out = Repo::new();
    let output = Scangate::new([
        "-vv".as_ref(),
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "gitleaks".as_ref(),
        "--sarif".as_ref(),
        out.path().join("scan.sarif").as_os_str(),
    ])
    .run();
    assert_exit(&output, 0);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("scanner finished"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes in a pipe: {stderr:?}");
}

/// Issue 11 §2: `--format json` puts the summary JSON on stdout, `--sarif -` the SARIF log,
/// `--quiet` nothing; each alone on stdout, and two documents for stdout are refused.
#[test]
fn stdout_carries_one_document_or_nothing_when_asked() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    repo.write("notes.txt", "hello\n");
    let out = Repo::new();
    let scan = |extra: &[&str]| {
        let mut args: Vec<std::ffi::OsString> =
            vec!["scan".into(), repo.path().into(), "--tools".into(), "gitleaks".into()];
        args.extend(extra.iter().map(Into::into));
        Scangate::new(args).run_in(out.path())
    };
    let summary_file = out.path().join("summary.json");
    let json = scan(&["--format", "json", "--summary-json", summary_file.to_str().unwrap()]);
    assert_exit(&json, 0);
    let printed: serde_json::Value = serde_json::from_slice(&json.stdout).expect("stdout is the summary JSON alone");
    assert_eq!(printed, read_summary(&summary_file));
    assert_eq!(printed["verdict"], "pass");

    let sarif = scan(&["--sarif", "-"]);
    assert_exit(&sarif, 0);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("stdout is the SARIF log alone");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "gitleaks");
    assert!(!out.path().join("-").exists());

    let quiet = scan(&["--quiet"]);
    assert_exit(&quiet, 0);
    assert!(quiet.stdout.is_empty(), "{}", String::from_utf8_lossy(&quiet.stdout));

    let both = scan(&["--format", "json", "--sarif", "-"]);
    assert_exit(&both, 2);
    assert!(String::from_utf8_lossy(&both.stderr).contains("both write to stdout"));
}
