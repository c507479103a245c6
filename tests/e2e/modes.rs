//! Issue 5: pull-request mode (`--base`) and the pre-commit hook (`--staged`), on real git
//! repositories the tests make, with the real scanners.

use std::path::Path;
use std::process::Output;

use crate::support::{
    assert_exit, checkout, commit_all, git, git_ok, random_token, read_summary, require_scanner, Repo, Scangate, ALNUM,
};

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
    let semgrep = summary["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "semgrep")
        .unwrap();
    assert_eq!(
        semgrep["findings"], 11,
        "the ten pre-existing findings are still reported"
    );

    git_ok(repo.path(), &["checkout", "-q", "main"]);
    git_ok(repo.path(), &["checkout", "-q", "-b", "docs"]);
    repo.write("README.txt", "jobs, documented\n");
    commit_all(repo.path(), "docs only");
    let (output, summary) = scan_pr(repo.path());
    assert_exit(&output, 0);
    assert_eq!(summary["new"], 0, "{summary:#}");
    assert_eq!(summary["counts"]["high"], 0, "{summary:#}");
}

/// Installs the hook as `.pre-commit-hooks.yaml` defines it, with this build's binary.
fn install_hook(repo: &Path) {
    let hooks = std::fs::read_to_string(checkout().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hooks
        .lines()
        .find_map(|line| line.trim().strip_prefix("entry:"))
        .expect("the hook has an entry")
        .trim()
        .to_string();
    let command = entry.strip_prefix("scangate").expect("the entry runs scangate");
    let hook = repo.join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nexec '{}'{command}\n", env!("CARGO_BIN_EXE_scangate")),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn pre_commit_hook_blocks_a_staged_secret_and_lets_a_clean_commit_through() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "initial");
    install_hook(repo.path());
    let head = || String::from_utf8(git(repo.path(), &["rev-parse", "HEAD"]).stdout).unwrap();
    let before = head();

    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("deploy/env.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    git_ok(repo.path(), &["add", "deploy/env.py"]);
    let blocked = git(repo.path(), &["commit", "-q", "-m", "add deploy env"]);
    assert!(!blocked.status.success(), "the commit with a secret went through");
    assert_eq!(head(), before);
    // git hands a hook's output on to its own stderr.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&blocked.stdout),
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert!(said.contains("critical") && !said.contains(&token), "{said}");
    // Issue 11 §2: the block says where.
    let named = said
        .lines()
        .find(|line| line.contains("github-pat"))
        .unwrap_or_else(|| panic!("the blocked commit's output names no finding: {said}"));
    let words: Vec<&str> = named.split_whitespace().collect();
    assert_eq!(
        words[..4],
        ["critical", "gitleaks", "github-pat", "deploy/env.py:1"],
        "{named}"
    );

    git_ok(repo.path(), &["rm", "-q", "--cached", "deploy/env.py"]);
    std::fs::remove_file(repo.path().join("deploy/env.py")).unwrap();
    repo.write("src/app.py", "def add(a, b):\n    return a + b\n");
    git_ok(repo.path(), &["add", "src/app.py"]);
    let clean = git(repo.path(), &["commit", "-q", "-m", "add app"]);
    assert!(
        clean.status.success(),
        "{}{}",
        String::from_utf8_lossy(&clean.stdout),
        String::from_utf8_lossy(&clean.stderr)
    );
    assert_ne!(head(), before);
    assert!(
        !repo.path().join("scangate.sarif").exists(),
        "the hook leaves no file behind"
    );
}
