//! Issue 11 §1: the hook as a new user adopts it, with the real `pre-commit` from PyPI. pre-commit
//! builds scangate itself from `.pre-commit-hooks.yaml` (`language: rust`: `cargo install --path .`
//! of a copy of this checkout); a staged secret and a staged semgrep finding block the commit, a
//! clean change passes, and a machine without the scanners is told the one command that installs
//! them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::support::*;

/// A git repository holding this checkout's files (tracked and new, as `pre-commit try-repo`
/// itself would copy them), committed, so pre-commit can clone it at a revision. One per test
/// run, shared by the tests, like pre-commit's store, so the hook environment is built once.
struct HookRepo {
    dir: TempDir,
    rev: String,
}

fn hook_repo() -> &'static HookRepo {
    static HOOK: std::sync::OnceLock<HookRepo> = std::sync::OnceLock::new();
    HOOK.get_or_init(HookRepo::from_checkout)
}

/// pre-commit's store (`PRE_COMMIT_HOME`), new for each test run as on a new machine.
fn pre_commit_home() -> &'static Path {
    static HOME: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().expect("temp dir")).path()
}

impl HookRepo {
    fn from_checkout() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("scangate-hook-repo-")
            .tempdir()
            .expect("temp dir");
        let listed = git(
            &checkout(),
            &["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        );
        assert!(listed.status.success(), "git ls-files in the checkout");
        for name in listed.stdout.split(|byte| *byte == 0).filter(|name| !name.is_empty()) {
            let name = Path::new(std::str::from_utf8(name).expect("UTF-8 file names in the checkout"));
            let from = checkout().join(name);
            if from.is_file() {
                let to = dir.path().join(name);
                std::fs::create_dir_all(to.parent().expect("has a parent")).expect("create dirs");
                std::fs::copy(&from, &to).expect("copy a checkout file");
            }
        }
        git_ok(dir.path(), &["init", "-q"]);
        commit_all(dir.path(), "scangate at this checkout");
        let rev = String::from_utf8(git(dir.path(), &["rev-parse", "HEAD"]).stdout).expect("UTF-8 sha");
        HookRepo {
            dir,
            rev: rev.trim().to_owned(),
        }
    }
}

/// pre-commit with the run's store and the test's tools directory.
struct PreCommit {
    tools_dir: PathBuf,
}

impl PreCommit {
    fn new() -> Self {
        PreCommit { tools_dir: tools_dir() }
    }

    /// `program` in `repo` with pre-commit's environment (git runs the installed hook in it).
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, repo: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(repo)
            .env("PRE_COMMIT_HOME", pre_commit_home())
            .env("SCANGATE_TOOLS_DIR", &self.tools_dir)
            // No network here: the bundled rules instead of the registry's p/default.
            .env("SCANGATE_SEMGREP_CONFIG", "bundled")
            // No network here: semgrep runs the bundled rules instead of the registry's p/default.
            .env("SCANGATE_SEMGREP_CONFIG", "bundled")
            // Speed only: pre-commit's `cargo install` builds with the release profile (fat LTO,
            // one codegen unit), minutes on a small CI machine. The hook's behaviour is the same;
            // a target directory kept between runs saves recompiling the dependencies.
            .env("CARGO_TARGET_DIR", checkout().join("target/pre-commit-hook"))
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
            .env("GIT_AUTHOR_NAME", "scangate test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "scangate test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid");
        for key in [
            "SCANGATE_LEVEL",
            "SCANGATE_TOOLS",
            "SCANGATE_SKIP",
            "GITHUB_ACTIONS",
            "GITLAB_CI",
        ] {
            command.env_remove(key);
        }
        command
    }

    /// `pre-commit try-repo HOOK_REPO scangate --ref REV` on what is staged in `repo`.
    fn try_repo(&self, repo: &Path, hook: &HookRepo) -> Output {
        let mut command = self.command(installed("pre-commit"), repo);
        command
            .arg("try-repo")
            .arg(hook.dir.path())
            .args(["scangate", "--ref", &hook.rev, "--verbose"]);
        command.output().expect("pre-commit runs")
    }

    fn with_tools_dir(mut self, dir: &Path) -> Self {
        self.tools_dir = dir.to_owned();
        self
    }
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn fresh_repo() -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "initial");
    repo
}

/// The finding line the terminal report prints for a blocked change: severity, tool, rule, place.
fn finding_line<'a>(said: &'a str, rule: &str) -> Vec<&'a str> {
    let line = said
        .lines()
        .find(|line| line.contains(rule))
        .unwrap_or_else(|| panic!("the hook's output names no {rule} finding:\n{said}"));
    line.split_whitespace().take(4).collect()
}

fn require_hook_tools() -> bool {
    ["gitleaks", "semgrep"].into_iter().all(require_scanner) && require_test_tool("pre-commit")
}

#[test]
fn pre_commit_try_repo_blocks_a_staged_secret_and_a_staged_finding_and_passes_a_clean_change() {
    if !require_hook_tools() {
        return;
    }
    let hook = hook_repo();
    let pre_commit = PreCommit::new();
    let repo = fresh_repo();

    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("deploy/env.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    git_ok(repo.path(), &["add", "deploy/env.py"]);
    let secret = pre_commit.try_repo(repo.path(), hook);
    let text = said(&secret);
    assert_eq!(secret.status.code(), Some(1), "{text}");
    assert!(!text.contains(&token), "the secret is in pre-commit's output:\n{text}");
    assert_eq!(
        finding_line(&text, "github-pat"),
        ["critical", "gitleaks", "github-pat", "deploy/env.py:1"]
    );

    git_ok(repo.path(), &["rm", "-q", "--cached", "deploy/env.py"]);
    std::fs::remove_file(repo.path().join("deploy/env.py")).expect("remove the secret");
    repo.write(
        "tasks/run.py",
        "import subprocess\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n",
    );
    git_ok(repo.path(), &["add", "tasks/run.py"]);
    let finding = pre_commit.try_repo(repo.path(), hook);
    let text = said(&finding);
    assert_eq!(finding.status.code(), Some(1), "{text}");
    assert_eq!(
        finding_line(&text, "python-subprocess-shell-true"),
        ["high", "semgrep", "python-subprocess-shell-true", "tasks/run.py:4"]
    );

    repo.write(
        "tasks/run.py",
        "import subprocess\n\ndef run(args):\n    return subprocess.call(args)\n",
    );
    git_ok(repo.path(), &["add", "tasks/run.py"]);
    let clean = pre_commit.try_repo(repo.path(), hook);
    let text = said(&clean);
    assert_eq!(clean.status.code(), Some(0), "{text}");
    assert!(text.contains("Passed"), "{text}");
    let status = git(repo.path(), &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "A  tasks/run.py\n",
        "the hook leaves no file behind"
    );
}

/// The installed hook stops a real `git commit`: HEAD does not move.
#[test]
fn pre_commit_installed_hook_stops_the_commit_of_a_secret() {
    if !require_hook_tools() {
        return;
    }
    let hook = hook_repo();
    let pre_commit = PreCommit::new();
    let repo = fresh_repo();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: scangate\n",
        hook.dir.path().display(),
        hook.rev
    );
    repo.write(".pre-commit-config.yaml", config);
    commit_all(repo.path(), "adopt the scangate hook");
    let hook_installed = pre_commit
        .command(installed("pre-commit"), repo.path())
        .arg("install")
        .output()
        .expect("pre-commit runs");
    assert!(hook_installed.status.success(), "{}", said(&hook_installed));
    let head = || String::from_utf8(git(repo.path(), &["rev-parse", "HEAD"]).stdout).expect("sha");
    let before = head();

    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("deploy/env.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    git_ok(repo.path(), &["add", "deploy/env.py"]);
    let commit = pre_commit
        .command("git", repo.path())
        .args(["commit", "-q", "-m", "add deploy env"])
        .output()
        .expect("git runs");
    let text = said(&commit);
    assert!(
        !commit.status.success(),
        "the commit with a secret went through:\n{text}"
    );
    assert_eq!(head(), before);
    assert!(!text.contains(&token), "{text}");
    assert!(text.contains("github-pat"), "{text}");
}

/// Without the scanners, the hook fails (never passes) and names the command that installs them.
#[test]
fn pre_commit_hook_without_scanners_fails_and_names_scangate_install() {
    if !require_hook_tools() {
        return;
    }
    if ["gitleaks", "semgrep"].into_iter().any(which_on_path) {
        eprintln!("\n!!! SKIPPED: gitleaks or semgrep is on PATH, so no scanner is missing !!!\n");
        return;
    }
    let empty = tempfile::tempdir().expect("temp dir");
    let hook = hook_repo();
    let pre_commit = PreCommit::new().with_tools_dir(empty.path());
    let repo = fresh_repo();
    repo.write("src/app.py", "def add(a, b):\n    return a + b\n");
    git_ok(repo.path(), &["add", "src/app.py"]);
    let output = pre_commit.try_repo(repo.path(), hook);
    let text = said(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "pre-commit reports a failed hook as 1:\n{text}"
    );
    assert!(text.contains("scangate install gitleaks"), "{text}");
}
