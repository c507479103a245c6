//! Issue 13 §1: pull-request mode scans the change. semgrep reads the changed files, gosec their
//! packages, the dependency and infrastructure scanners run only when the change touches a file
//! they read (else status `unchanged`, which vouches for their categories), gitleaks the
//! change's commits. On the changed files, findings and verdict equal a full scan's.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::*;

const SHELL_TRUE: &str = "import subprocess\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";
const GO_EXEC: &str = "package tasks\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc Run() error {\n\treturn exec.Command(\"sh\", \"-c\", os.Getenv(\"CMD\")).Run()\n}\n";
const LOCKFILE: &str = r#"{"name":"web","lockfileVersion":3,"requires":true,"packages":{"":{"name":"web","dependencies":{"lodash":"4.17.20"}},"node_modules/lodash":{"version":"4.17.20"}}}"#;

/// A polyglot repository whose main branch has findings for every scanner.
fn polyglot() -> Repo {
    let repo = Repo::new();
    repo.write("app/legacy.py", SHELL_TRUE)
        .write("app/util.py", "def add(a, b):\n    return a + b\n")
        .write("svc/go.mod", "module example.com/svc\n\ngo 1.22\n")
        .write("svc/tasks/tasks.go", GO_EXEC)
        .write("svc/other/other.go", GO_EXEC.replace("package tasks", "package other"))
        .write("Dockerfile", "FROM ubuntu:22.04\nUSER root\n")
        .write("web/package-lock.json", LOCKFILE);
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "main");
    repo
}

struct Scan {
    output: Output,
    sarif: Value,
    summary: Value,
}

fn scan(root: &Path, services: &OfflineServices, extra: &[&str]) -> Scan {
    let out = tempfile::tempdir().expect("temp dir");
    let sarif = out.path().join("scan.sarif");
    let summary = out.path().join("summary.json");
    let mut args: Vec<OsString> = vec!["scan".into(), root.into(), "--level".into(), "3".into()];
    args.extend(services.scan_flags());
    args.extend([
        "--sarif".into(),
        sarif.clone().into(),
        "--summary-json".into(),
        summary.clone().into(),
    ]);
    args.extend(extra.iter().map(Into::into));
    let output = Scangate::new(args).run();
    let written = std::fs::read(&sarif).unwrap_or_else(|error| {
        panic!(
            "SARIF not written ({error}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Scan {
        output,
        sarif: serde_json::from_slice(&written).expect("JSON"),
        summary: read_summary(&summary),
    }
}

/// The results whose path is one of `paths`.
fn findings_in(sarif: &Value, paths: &[&str]) -> BTreeSet<ResultPlace> {
    result_places(sarif)
        .into_iter()
        .filter(|(_, _, path, _)| paths.contains(&path.as_str()))
        .collect()
}

fn status<'a>(summary: &'a Value, tool: &str) -> &'a Value {
    &tool_entry(summary, tool)["status"]
}

#[test]
fn a_code_change_runs_semgrep_and_gosec_on_it_alone_and_leaves_the_rest_unchanged() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let repo = polyglot();
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write(
        "app/util.py",
        format!("{SHELL_TRUE}\n\ndef add(a, b):\n    return a + b\n"),
    )
    .write("svc/tasks/tasks.go", GO_EXEC.replace("CMD", "TASK"));
    commit_all(repo.path(), "feature");
    let changed = ["app/util.py", "svc/tasks/tasks.go"];

    let pr = scan(repo.path(), &services, &["--base", "main"]);
    assert_exit(&pr.output, 1);
    for tool in ["trivy", "osv-scanner", "npm-audit"] {
        assert_eq!(status(&pr.summary, tool), "unchanged", "{tool}: {:#}", pr.summary);
    }
    for tool in ["gitleaks", "semgrep", "gosec"] {
        assert_eq!(status(&pr.summary, tool), "ok", "{tool}: {:#}", pr.summary);
    }
    let semgrep_argv = tool_entry(&pr.summary, "semgrep")["argv"].as_array().unwrap().clone();
    let gosec_argv = tool_entry(&pr.summary, "gosec")["argv"].as_array().unwrap().clone();
    assert_eq!(semgrep_argv.last().unwrap(), "./svc/tasks/tasks.go", "{semgrep_argv:?}");
    assert!(
        semgrep_argv.iter().any(|arg| arg == "./app/util.py"),
        "{semgrep_argv:?}"
    );
    assert!(!semgrep_argv.iter().any(|arg| arg == "."), "{semgrep_argv:?}");
    assert_eq!(gosec_argv.last().unwrap(), "./tasks", "{gosec_argv:?}");
    let warnings = pr.summary["warnings"].to_string();
    assert!(
        warnings.contains("findings outside the change were not computed"),
        "{warnings}"
    );
    assert!(
        warnings.contains("trivy, osv-scanner, npm-audit did not run (unchanged"),
        "{warnings}"
    );
    // Level 3 requires a dependency scanner: an unchanged one vouches; only the findings fail.
    let violations = pr.summary["violations"].to_string();
    assert!(!violations.contains("dependencies"), "{violations}");

    let full = scan(repo.path(), &services, &[]);
    assert_exit(&full.output, 1);
    let on_the_change = findings_in(&full.sarif, &changed);
    assert!(on_the_change.len() >= 2, "{on_the_change:?}");
    assert_eq!(findings_in(&pr.sarif, &changed), on_the_change);
    assert!(
        findings_in(&pr.sarif, &["app/legacy.py", "svc/other/other.go"]).is_empty(),
        "outside the change nothing was computed"
    );
}

#[test]
fn a_lockfile_change_runs_the_dependency_scanners_and_a_docs_change_passes_with_all_unchanged() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let repo = polyglot();
    git_ok(repo.path(), &["checkout", "-q", "-b", "deps"]);
    repo.write("web/package-lock.json", LOCKFILE.replace("\"web\"", "\"web-app\""));
    commit_all(repo.path(), "rename the web app");
    let pr = scan(repo.path(), &services, &["--base", "main"]);
    for tool in ["trivy", "osv-scanner", "npm-audit"] {
        assert_eq!(status(&pr.summary, tool), "ok", "{tool}: {:#}", pr.summary);
    }
    for tool in ["semgrep", "gosec"] {
        assert_eq!(status(&pr.summary, tool), "unchanged", "{tool}: {:#}", pr.summary);
    }

    git_ok(repo.path(), &["checkout", "-q", "main"]);
    git_ok(repo.path(), &["checkout", "-q", "-b", "docs"]);
    repo.write("README.md", "how to run it\n");
    commit_all(repo.path(), "docs");
    let docs = scan(repo.path(), &services, &["--base", "main"]);
    assert_exit(&docs.output, 0);
    for tool in ["semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"] {
        assert_eq!(status(&docs.summary, tool), "unchanged", "{tool}: {:#}", docs.summary);
    }
    assert_eq!(docs.summary["verdict"], "pass", "{:#}", docs.summary);
}

/// A change names its file like an option of semgrep's (`--include=…`): passed as a bare argument
/// semgrep would read it as one and never scan the file. It is scanned, and its finding counts.
#[test]
fn a_changed_file_named_like_an_option_is_scanned_as_a_file() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("README.md", "service\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "main");
    git_ok(repo.path(), &["checkout", "-q", "-b", "sneaky"]);
    repo.write("--include=zz.py", SHELL_TRUE);
    commit_all(repo.path(), "a file named like an option");
    let out = tempfile::tempdir().expect("temp dir");
    let sarif = out.path().join("scan.sarif");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--base".as_ref(),
        "main".as_ref(),
        "--tools".as_ref(),
        "gitleaks,semgrep".as_ref(),
        "--sarif".as_ref(),
        sarif.as_os_str(),
    ])
    .run();
    assert_exit(&output, 1);
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("SARIF written")).expect("JSON");
    assert_eq!(
        findings_in(&log, &["--include=zz.py"]),
        BTreeSet::from([(
            "semgrep".to_owned(),
            "python-subprocess-shell-true".to_owned(),
            "--include=zz.py".to_owned(),
            4
        )])
    );
}
