//! Issue 5: pull-request mode (`--base`) on real git repositories the tests make, with the real
//! scanners. The pre-commit hook (`--staged`) is tested with the real pre-commit in pre_commit.rs.

use std::path::Path;
use std::process::Output;

use crate::support::{assert_exit, commit_all, git_ok, read_summary, require_scanner, tool_entry, Repo, Scangate};

/// A repository whose main branch already has ten high findings.
fn repo_with_ten_findings() -> Repo {
    let repo = Repo::new();
    let mut legacy = String::from("import subprocess\n");
    for n in 0..10 {
        legacy.push_str(&format!(
            "\n\ndef job_{n}(arg):\n    subprocess.run(\"task{n} \" + arg, shell=True)\n"
        ));
    }
    repo.write("legacy/jobs.py", legacy);
    repo.write("README.txt", "jobs\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "legacy jobs");
    repo
}

fn scan_pr(repo: &Path) -> (Output, serde_json::Value) {
    let summary = repo.parent().unwrap().join(format!("pr-{}.json", std::process::id()));
    let sarif = repo.parent().unwrap().join("pr.sarif");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.as_os_str(),
        "--base".as_ref(),
        "main".as_ref(),
        "--tools".as_ref(),
        "gitleaks,semgrep".as_ref(),
        "--sarif".as_ref(),
        sarif.as_os_str(),
        "--summary-json".as_ref(),
        summary.as_os_str(),
    ])
    .run();
    (output, read_summary(&summary))
}

#[test]
fn pull_request_mode_counts_only_what_the_branch_adds() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let repo = repo_with_ten_findings();
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write(
        "jobs/rotate.py",
        "import subprocess\n\n\ndef rotate(log):\n    subprocess.run(\"gzip \" + log, shell=True)\n",
    );
    commit_all(repo.path(), "add rotate job");
    let (output, summary) = scan_pr(repo.path());
    assert_exit(&output, 1);
    assert_eq!(summary["new"], 1, "{summary:#}");
    assert_eq!(summary["counts"]["high"], 1, "{summary:#}");
    assert_eq!(summary["violations"].as_array().unwrap().len(), 1, "{summary:#}");
    let semgrep = tool_entry(&summary, "semgrep");
    assert_eq!(
        semgrep["findings"], 1,
        "semgrep read only the changed file (issue 13 §1): the ten findings outside it were not computed"
    );

    git_ok(repo.path(), &["checkout", "-q", "main"]);
    git_ok(repo.path(), &["checkout", "-q", "-b", "docs"]);
    repo.write("README.txt", "jobs, documented\n");
    commit_all(repo.path(), "docs only");
    let (output, summary) = scan_pr(repo.path());
    assert_exit(&output, 0);
    assert_eq!(summary["new"], 0, "{summary:#}");
    assert_eq!(summary["counts"]["high"], 0, "{summary:#}");
    let semgrep = tool_entry(&summary, "semgrep");
    assert_eq!(
        semgrep["status"], "unchanged",
        "a docs change gives semgrep nothing to read"
    );
}
