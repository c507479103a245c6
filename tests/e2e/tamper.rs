//! Issue 23 §1 and §2, tried as an attacker would: a repository whose files make scangate read
//! or print what it must not, and a pull request that wants its own findings counted as
//! pre-existing or suppressed. Real scanners on git repositories the tests build; every case
//! asserts the honest exit code. The environment canary (a variable's value, as a CI secret would
//! be) is searched in every output: stdout, stderr, the SARIF log and the summary.

use std::ffi::OsString;
use std::path::Path;
use std::process::Output;

use crate::support::{
    assert_exit, commit_all, git_ok, github_token, osv_offline_db, random_token, require_scanner, Repo, Scangate, ALNUM,
};

/// The variable a CI runner would hold a secret in.
const CANARY_VARIABLE: &str = "SCANGATE_TAMPER_CANARY";

/// One scangate run and everything it wrote.
struct Run {
    output: Output,
    /// stdout, stderr, the SARIF log and the summary, as bytes.
    everything: Vec<u8>,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Asserts that the canary's value appears in no output.
    fn assert_no_canary(&self, canary: &str) {
        let found = self
            .everything
            .windows(canary.len())
            .any(|window| window == canary.as_bytes());
        assert!(
            !found,
            "the environment's canary reached an output:\n{}",
            String::from_utf8_lossy(&self.everything)
        );
    }
}

/// A value for [`CANARY_VARIABLE`], different on every run.
fn canary() -> String {
    format!("canary{}", random_token(ALNUM, 24))
}

/// Runs `scangate ARGS REPO ...` with the canary in its environment, the reports beside the
/// repository.
fn run(args: &[&str], repo: &Path, extra: &[OsString], canary: &str) -> Run {
    let out = tempfile::tempdir().unwrap();
    let (sarif, summary) = (out.path().join("scan.sarif"), out.path().join("summary.json"));
    let mut argv: Vec<OsString> = args.iter().map(OsString::from).collect();
    argv.push(repo.into());
    if args == ["scan"] {
        argv.extend(["--sarif".into(), sarif.clone().into_os_string()]);
        argv.extend(["--summary-json".into(), summary.clone().into_os_string()]);
    }
    argv.extend(extra.iter().cloned());
    let output = Scangate::new(argv).env(CANARY_VARIABLE, canary).run();
    let mut everything = [output.stdout.clone(), output.stderr.clone()].concat();
    for file in [&sarif, &summary] {
        everything.extend(std::fs::read(file).unwrap_or_default());
    }
    Run { output, everything }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// A git repository with one commit of `files`, on `main`.
fn main_branch(files: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    for (path, contents) in files {
        repo.write(path, contents);
    }
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "main");
    repo
}

// ---- §1: nothing the repository holds makes scangate read or print what it must not ----

/// A committed `scangate.toml -> /proc/self/environ` printed the runner's whole environment in
/// the TOML error's excerpt, in a scan, pull-request mode and `plan`. The file is refused
/// unread, naming why: exit 2.
#[test]
fn a_policy_linked_to_the_environment_is_refused_unread() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = main_branch(&[("README.txt", "service\n")]);
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    std::os::unix::fs::symlink("/proc/self/environ", repo.path().join("scangate.toml")).unwrap();
    commit_all(repo.path(), "link the policy");
    let canary = canary();
    for args in [&["scan"][..], &["plan"][..]] {
        for extra in [
            os(&["--tools", "gitleaks"]),
            os(&["--tools", "gitleaks", "--base", "main"]),
        ] {
            let run = run(args, repo.path(), &extra, &canary);
            assert_exit(&run.output, 2);
            assert!(
                run.stderr()
                    .contains("scangate.toml was refused: scangate.toml is not a regular file inside the repository"),
                "{}",
                run.stderr()
            );
            run.assert_no_canary(&canary);
        }
    }
}

/// Base links `scangate.toml` to a file of the repository: a change editing that file would add
/// suppressions where pull-request mode, which judges the lines the change touched in
/// `scangate.toml`, does not look. A linked policy is refused, inside the repository too.
#[test]
fn a_policy_linked_within_the_repository_is_refused() {
    let repo = main_branch(&[("docs/policy.toml", "level = 3\n")]);
    std::os::unix::fs::symlink("docs/policy.toml", repo.path().join("scangate.toml")).unwrap();
    commit_all(repo.path(), "link the policy");
    let run = run(&["plan"], repo.path(), &[], &canary());
    assert_exit(&run.output, 2);
    assert!(
        run.stderr().contains(
            "scangate.toml was refused: scangate.toml is not a regular file inside the repository (a symlink)"
        ),
        "{}",
        run.stderr()
    );
}

/// A FIFO named `scangate.toml` (a local dry run of an unpacked archive) would block the read
/// forever; it is refused at once.
#[test]
fn a_policy_that_is_a_fifo_is_refused_without_blocking() {
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    let made = std::process::Command::new("mkfifo")
        .arg(repo.path().join("scangate.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    let run = run(&["plan"], repo.path(), &[], &canary());
    assert_exit(&run.output, 2);
    assert!(
        run.stderr().contains("(a directory, device, socket or FIFO)"),
        "{}",
        run.stderr()
    );
}

/// `osv-scanner.toml -> /proc/self/environ` leaked the environment through the warning about a
/// file scangate could not parse. It is not read, the warning names it without its contents, and
/// the vulnerability it might have ignored counts.
#[test]
fn an_osv_config_linked_to_the_environment_is_not_echoed() {
    if !require_scanner("osv-scanner") {
        return;
    }
    let lockfile = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"minimist": "1.2.5"}},
            "node_modules/minimist": {"version": "1.2.5"}
        }
    });
    let repo = main_branch(&[("package-lock.json", &lockfile.to_string())]);
    std::os::unix::fs::symlink("/proc/self/environ", repo.path().join("osv-scanner.toml")).unwrap();
    commit_all(repo.path(), "link the osv-scanner config");
    let osv_db = osv_offline_db();
    let canary = canary();
    let mut extra = os(&["--tools", "gitleaks,osv-scanner", "--offline", "--osv-offline-db"]);
    extra.push(osv_db.path().into());
    let run = run(&["scan"], repo.path(), &extra, &canary);
    assert_exit(&run.output, 1);
    assert!(
        run.stderr()
            .contains("osv-scanner.toml is not a regular file inside the repository"),
        "{}",
        run.stderr()
    );
    run.assert_no_canary(&canary);
}

/// A `[[suppress]] path` glob of 500 nested braces panicked (exit 101) from the repository's
/// `scangate.toml`: it is a positioned error like any bad glob, exit 2.
#[test]
fn a_glob_nested_too_deeply_is_an_error_not_a_panic() {
    let glob = format!("{}a{}", "{".repeat(500), "}".repeat(500));
    let repo = main_branch(&[(
        "scangate.toml",
        &format!("[[suppress]]\nrule = \"r\"\npath = \"{glob}\"\nstatus = \"false_positive\"\n"),
    )]);
    let run = run(&["plan"], repo.path(), &[], &canary());
    assert_exit(&run.output, 2);
    let stderr = run.stderr();
    assert!(
        stderr.contains("scangate.toml:1:1: error: `path` is not a valid glob"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ---- §2: change attribution is exact ----

/// A lockfile with the made-up advisory GHSA-9x9x-9x9x-9x9x's packages at `packages`.
fn widget_lockfile(packages: &[&str]) -> String {
    let mut entries = serde_json::Map::new();
    let dependencies: serde_json::Map<String, serde_json::Value> = packages
        .iter()
        .map(|name| ((*name).to_owned(), "1.0.0".into()))
        .collect();
    entries.insert(
        String::new(),
        serde_json::json!({"name": "app", "version": "1.0.0", "dependencies": dependencies}),
    );
    for name in packages {
        entries.insert(format!("node_modules/{name}"), serde_json::json!({"version": "1.0.0"}));
    }
    serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": entries
    })
    .to_string()
}

/// The base reviewed a suppression of one advisory in one package. The change adds a second
/// vulnerable package with the same advisory and deletes the entry's `package` line, which
/// widens it to every package: a deletion inside an entry is a change of the entry, refused.
#[test]
fn deleting_a_line_of_a_reviewed_suppression_is_a_change_of_it() {
    if !["gitleaks", "osv-scanner"].into_iter().all(require_scanner) {
        return;
    }
    let entry = "[[suppress]]\nvulnerability = \"GHSA-9x9x-9x9x-9x9x\"\npackage = \"tamper-widget-a\"\n\
                 status = \"accepted_risk\"\nreason = \"not reachable\"\nexpires = \"2099-01-01\"\n";
    let repo = main_branch(&[
        ("scangate.toml", entry),
        ("package-lock.json", &widget_lockfile(&["tamper-widget-a"])),
    ]);
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write("scangate.toml", entry.replace("package = \"tamper-widget-a\"\n", ""));
    repo.write(
        "package-lock.json",
        widget_lockfile(&["tamper-widget-a", "tamper-widget-b"]),
    );
    commit_all(repo.path(), "add widget b");
    let osv_db = osv_offline_db();
    let mut extra = os(&["--tools", "gitleaks,osv-scanner", "--level", "1", "--offline"]);
    extra.extend([OsString::from("--osv-offline-db"), osv_db.path().into()]);
    let base = [extra.clone(), os(&["--base", "main"])].concat();
    let run = run(&["scan"], repo.path(), &base, &canary());
    assert_exit(&run.output, 1);
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert!(
        stdout.contains("suppression added by this change — needs review: scangate.toml:1"),
        "{stdout}"
    );
}

/// A repository with a token committed on a branch by `change`, checked out on `feature`.
fn with_change(change: impl FnOnce(&Repo, &str)) -> Repo {
    let repo = main_branch(&[("app/__init__.py", "VERSION = 1\n")]);
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    change(&repo, &github_token());
    repo
}

fn gitleaks_pr_scan(repo: &Repo) -> Run {
    run(
        &["scan"],
        repo.path(),
        &os(&["--tools", "gitleaks", "--base", "main"]),
        &canary(),
    )
}

/// A secret committed by one commit of the change and removed by a later one stays in the
/// history being merged: it is the change's, not pre-existing.
#[test]
fn a_secret_a_later_commit_removes_is_the_changes() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = with_change(|repo, token| {
        repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
        commit_all(repo.path(), "settings");
        std::fs::remove_file(repo.path().join("app/settings.py")).unwrap();
        commit_all(repo.path(), "drop the settings again");
    });
    assert_exit(&gitleaks_pr_scan(&repo).output, 1);
}

/// The same when a later commit moves the file: gitleaks reports the secret at the path of the
/// commit that added it, which the change's final diff does not name.
#[test]
fn a_secret_a_later_commit_moves_is_the_changes() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = with_change(|repo, token| {
        repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
        commit_all(repo.path(), "settings");
        git_ok(repo.path(), &["mv", "app/settings.py", "app/config.py"]);
        commit_all(repo.path(), "rename");
    });
    assert_exit(&gitleaks_pr_scan(&repo).output, 1);
}

/// The base reviewed a test token with a `.gitleaksignore` entry without a commit
/// (`file:rule:line`); the change puts a different, real secret on that line. The entry was
/// written for the old value: it does not suppress what the change's commit added.
#[test]
fn a_commitless_gitleaksignore_entry_does_not_cover_the_changes_secret() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = main_branch(&[
        ("app/settings.py", &format!("GITHUB_TOKEN = \"{}\"\n", github_token())),
        (
            ".gitleaksignore",
            "# a revoked test token\napp/settings.py:github-pat:1\n",
        ),
    ]);
    let full = run(&["scan"], repo.path(), &os(&["--tools", "gitleaks"]), &canary());
    assert_exit(&full.output, 0);
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{}\"\n", github_token()));
    commit_all(repo.path(), "a new token");
    let pr = gitleaks_pr_scan(&repo);
    assert_exit(&pr.output, 1);
    let stdout = String::from_utf8_lossy(&pr.output.stdout);
    assert!(
        stdout.contains("suppression added by this change — needs review: .gitleaksignore:2"),
        "{stdout}"
    );
}

/// The pipeline's `--policy` file lies in the repository under review (the GitHub Action's
/// `policy` input is a path in the pull request's checkout): a change that edits it to suppress
/// its own secret is gated by the merge base's version, and every report says so. A policy the
/// change adds applies as written, said too; one it leaves alone, silently.
#[test]
fn a_change_cannot_edit_the_pipeline_policy_it_is_gated_by() {
    if !require_scanner("gitleaks") {
        return;
    }
    const POLICY: &str = ".ci/scangate-policy.toml";
    let suppression =
        "[[suppress]]\nrule = \"github-pat\"\npath = \"**\"\nstatus = \"false_positive\"\nreason = \"test\"\n";
    let scan_with_policy = |repo: &Repo| {
        let extra = [
            os(&["--tools", "gitleaks", "--base", "main", "--policy"]),
            vec![repo.path().join(POLICY).into()],
        ]
        .concat();
        run(&["scan"], repo.path(), &extra, &canary())
    };
    let says = |run: &Run, what: &str| String::from_utf8_lossy(&run.everything).contains(what);

    let edited = with_change(|repo, token| {
        repo.write(POLICY, "# the pipeline's own\n");
        commit_all(repo.path(), "the pipeline's policy");
        git_ok(repo.path(), &["branch", "-f", "main"]);
        repo.write(POLICY, format!("# the pipeline's own\n{suppression}"));
        repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
        commit_all(repo.path(), "a token, and a policy that hides it");
    });
    let run = scan_with_policy(&edited);
    assert_exit(&run.output, 1);
    assert!(
        says(
            &run,
            "the policy file .ci/scangate-policy.toml is edited by this change: its version at the merge base"
        ),
        "{}",
        String::from_utf8_lossy(&run.everything)
    );

    // The same policy, already on main: it applies, and nothing is said of it.
    let reviewed = with_change(|repo, token| {
        repo.write(POLICY, suppression);
        commit_all(repo.path(), "the pipeline's policy");
        git_ok(repo.path(), &["branch", "-f", "main"]);
        repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
        commit_all(repo.path(), "a token");
    });
    let run = scan_with_policy(&reviewed);
    assert_exit(&run.output, 0);
    assert!(
        !says(&run, "the policy file"),
        "{}",
        String::from_utf8_lossy(&run.everything)
    );

    // Added by the change: the merge base has none to apply instead.
    let added = with_change(|repo, token| {
        repo.write(POLICY, suppression);
        repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
        commit_all(repo.path(), "a token, and the policy");
    });
    let run = scan_with_policy(&added);
    assert_exit(&run.output, 0);
    assert!(says(&run, "this change adds it, and it applies as the change wrote it"));
}
