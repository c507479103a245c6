//! Issue 11 §4: what is scanned. Untracked files git ignores (a copied `node_modules`, a build
//! tree) are left out by every scanner, and so is what `--exclude GLOB` matches; the plan and the
//! summary say what was left out. A tracked file is always scanned: a change cannot hide its own
//! files by listing them in `.gitignore` (git ignores only untracked files).

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::*;

const SHELL_TRUE: &str = "import subprocess\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";
const ROOT_USER: &str = "FROM ubuntu:22.04\nUSER root\n";
/// lodash 4.17.20: GHSA-35jh-r3h4-6jhm in the offline OSV database the tests build.
const LOCKFILE: &str = r#"{"name":"web","lockfileVersion":3,"requires":true,"packages":{"":{"name":"web","dependencies":{"lodash":"4.17.20"}},"node_modules/lodash":{"version":"4.17.20"}}}"#;

fn scan(root: &Path, extra: &[&str]) -> (Output, Value, Value) {
    let out = tempfile::tempdir().expect("temp dir");
    let sarif = out.path().join("scan.sarif");
    let summary = out.path().join("summary.json");
    let db = osv_offline_db();
    let mut args: Vec<std::ffi::OsString> = vec!["scan".into(), root.into(), "--offline".into()];
    args.extend(["--tools", "gitleaks,semgrep,trivy,osv-scanner", "--level", "1"].map(Into::into));
    args.extend(["--osv-offline-db".into(), db.path().into()]);
    args.extend([
        "--sarif".into(),
        sarif.clone().into(),
        "--summary-json".into(),
        summary.clone().into(),
    ]);
    args.extend(extra.iter().map(Into::into));
    let output = Scangate::new(args).run();
    let log = serde_json::from_slice(&std::fs::read(&sarif).expect("SARIF written")).expect("SARIF is JSON");
    (output, log, read_summary(&summary))
}

fn paths_of(found: &[ResultPlace], tool: &str) -> Vec<String> {
    let mut paths: Vec<String> = found
        .iter()
        .filter(|(t, _, _, _)| t == tool)
        .map(|(_, _, path, _)| path.clone())
        .collect();
    paths.dedup();
    paths
}

/// Each scanner reports the one tracked file with its finding, and nothing else.
fn assert_only_the_tracked_originals_found(sarif: &Value) {
    let found = result_places(sarif);
    assert_eq!(paths_of(&found, "semgrep"), ["app/tasks.py"], "{found:?}");
    assert_eq!(paths_of(&found, "trivy"), ["Dockerfile"], "{found:?}");
    assert_eq!(paths_of(&found, "osv-scanner"), ["web/package-lock.json"], "{found:?}");
}

/// A repository whose tracked code has one finding per scanner, and a git-ignored copy of it in
/// `snapshot/`, never committed.
fn repo_with_ignored_copies() -> Repo {
    let repo = Repo::new();
    repo.write("app/tasks.py", SHELL_TRUE)
        .write("Dockerfile", ROOT_USER)
        .write("web/package-lock.json", LOCKFILE)
        .write(".gitignore", "snapshot/\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "app");
    repo.write("snapshot/app/tasks.py", SHELL_TRUE)
        .write("snapshot/Dockerfile", ROOT_USER)
        .write("snapshot/web/package-lock.json", LOCKFILE);
    repo
}

fn require_scanners() -> bool {
    ["gitleaks", "semgrep", "trivy", "osv-scanner"]
        .into_iter()
        .all(require_scanner)
}

#[test]
fn git_ignored_copies_are_not_scanned_and_the_plan_and_summary_say_so() {
    if !require_scanners() {
        return;
    }
    let repo = repo_with_ignored_copies();
    let (output, sarif, summary) = scan(repo.path(), &[]);
    assert_exit(&output, 1);
    assert_only_the_tracked_originals_found(&sarif);
    assert_eq!(
        summary["excluded"],
        serde_json::json!([{"path": "snapshot/", "reason": "git-ignored"}])
    );
    assert_eq!(
        summary["excluded_findings"], 0,
        "the scanners themselves left snapshot/ out"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("excluded, not scanned: snapshot/ (git-ignored); 0 finding(s) there not counted"),
        "{stdout}"
    );

    let (output, sarif, summary) = scan(repo.path(), &["--include-ignored"]);
    assert_exit(&output, 1);
    let found = result_places(&sarif);
    assert_eq!(
        paths_of(&found, "semgrep"),
        ["app/tasks.py", "snapshot/app/tasks.py"],
        "asked to, the scanners read the ignored tree: {found:?}"
    );
    assert_eq!(summary["excluded"], serde_json::json!([]));

    let plan = Scangate::new(["plan".as_ref(), repo.path().as_os_str(), "--offline".as_ref()]).run();
    let plan_text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan_text.contains("excluded, not scanned\n  snapshot/ (git-ignored)\n"),
        "{plan_text}"
    );
}

/// The pull request commits `.gitignore` (and a `.semgrepignore`) naming its own files: they are
/// tracked, so every scanner still reads them. osv-scanner on its own would skip a tracked
/// lockfile that `.gitignore` lists.
#[test]
fn a_change_cannot_hide_its_tracked_files_by_ignoring_them() {
    if !require_scanners() {
        return;
    }
    let repo = Repo::new();
    repo.write("README.md", "service\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "initial");
    repo.write("app/tasks.py", SHELL_TRUE)
        .write("Dockerfile", ROOT_USER)
        .write("web/package-lock.json", LOCKFILE);
    git_ok(repo.path(), &["add", "-A"]);
    repo.write(".gitignore", "app/\nDockerfile\nweb/\npackage-lock.json\n")
        .write(".semgrepignore", "app/\n");
    git_ok(repo.path(), &["add", ".gitignore", ".semgrepignore"]);
    git_ok(repo.path(), &["commit", "-q", "-m", "hide my files"]);

    let (output, sarif, summary) = scan(repo.path(), &[]);
    assert_exit(&output, 1);
    assert_only_the_tracked_originals_found(&sarif);
    assert_eq!(summary["excluded"], serde_json::json!([]), "{summary:#}");
}

#[test]
fn exclude_globs_leave_out_tracked_paths_for_every_scanner_and_are_reported() {
    if !require_scanners() {
        return;
    }
    let repo = repo_with_ignored_copies();
    repo.write("vendor-copy/tasks.py", SHELL_TRUE)
        .write("generated/deep/Dockerfile", ROOT_USER)
        .write("generated/deep/package-lock.json", LOCKFILE);
    commit_all(repo.path(), "generated code");
    let (output, sarif, summary) = scan(repo.path(), &["--exclude", "vendor-copy", "--exclude", "**/deep"]);
    assert_exit(&output, 1);
    assert_only_the_tracked_originals_found(&sarif);
    assert_eq!(
        summary["excluded"],
        serde_json::json!([
            {"path": "generated/deep/", "reason": "--exclude **/deep"},
            {"path": "snapshot/", "reason": "git-ignored"},
            {"path": "vendor-copy/", "reason": "--exclude vendor-copy"},
        ])
    );
}

/// gitleaks has no flag for a path to leave out: its findings there are dropped after the scan,
/// counted in the summary, and the secret appears nowhere.
#[test]
fn excluded_secrets_are_dropped_and_counted_never_shown() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("fixtures/env.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    let out = tempfile::tempdir().expect("temp dir");
    let summary_path = out.path().join("summary.json");
    let sarif_path = out.path().join("scan.sarif");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "gitleaks".as_ref(),
        "--exclude".as_ref(),
        "fixtures/*.py".as_ref(),
        "--summary-json".as_ref(),
        summary_path.as_os_str(),
        "--sarif".as_ref(),
        sarif_path.as_os_str(),
    ])
    .run();
    assert_exit(&output, 0);
    let summary = read_summary(&summary_path);
    assert_eq!(summary["counts"]["critical"], 0, "{summary:#}");
    assert_eq!(summary["excluded_findings"], 1, "{summary:#}");
    assert_eq!(
        summary["excluded"],
        serde_json::json!([{"path": "fixtures/env.py", "reason": "--exclude fixtures/*.py"}])
    );
    let everything = format!(
        "{}{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(&sarif_path).unwrap()
    );
    assert!(!everything.contains(&token));
}

#[test]
fn a_bad_exclude_glob_is_a_usage_error_naming_it() {
    let repo = text_only_repo();
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--exclude".as_ref(),
        "src/[".as_ref(),
    ])
    .run();
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(r#"--exclude "src/[" is not a valid glob"#), "{stderr}");
}

/// gosec type-checks every package below its module: a generated, git-ignored package that does
/// not compile would fail the scan. Left out, it is neither checked nor reported.
#[test]
fn gosec_leaves_out_a_git_ignored_package_of_its_module() {
    if !["gitleaks", "gosec"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("go.mod", "module example.com/svc\n\ngo 1.22\n")
        .write(
            "main.go",
            "package main\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\t_ = exec.Command(\"sh\", \"-c\", os.Args[1]).Run()\n}\n",
        )
        .write(".gitignore", "gen/\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "service");
    repo.write("gen/gen.go", "package gen\n\nfunc broken() int { return \"x\" }\n");
    let out = tempfile::tempdir().expect("temp dir");
    let summary_path = out.path().join("summary.json");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "gitleaks,gosec".as_ref(),
        "--summary-json".as_ref(),
        summary_path.as_os_str(),
    ])
    .run();
    assert_exit(&output, 1);
    let summary = read_summary(&summary_path);
    assert_eq!(tool_entry(&summary, "gosec")["status"], "ok", "{summary:#}");
    assert_eq!(summary["counts"]["high"], 1, "{summary:#}");
    assert_eq!(
        summary["excluded"],
        serde_json::json!([{"path": "gen/", "reason": "git-ignored"}])
    );
}
