//! Issue 26 §2: a trusted place for third-party code. The pipeline's policy file declares
//! `[third_party] exclude` (no scanner reads it) and `vendored` (scanned; code findings there do
//! not count, secrets do); the repository's own `scangate.toml` may propose `vendored` globs,
//! which pull-request mode never applies to the change's files nor when the change wrote them.
//! Real scanners (gitleaks, semgrep) on repositories the tests build.

use std::ffi::OsString;
use std::path::Path;

use crate::support::*;

const SHELL_TRUE: &str = "import subprocess\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";
const VENDORED: &str = "[third_party]\nvendored = [\"static/lib/**\"]\n";

fn require_scanners() -> bool {
    ["gitleaks", "semgrep"].into_iter().all(require_scanner)
}

/// `scan ROOT --tools gitleaks,semgrep --level 1` with `extra`, the reports in a temporary dir.
fn scan(root: &Path, extra: &[OsString]) -> ScanReports {
    let out = tempfile::tempdir().expect("temp dir");
    let mut args: Vec<OsString> = vec!["scan".into(), root.into(), "--offline".into()];
    args.extend(["--tools", "gitleaks,semgrep", "--level", "1"].map(Into::into));
    args.extend(extra.iter().cloned());
    ScanReports::run(args, out.path())
}

/// A policy file holding `text`, kept outside the repository.
fn policy_file(text: &str) -> (tempfile::TempDir, OsString) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, text).expect("policy written");
    (dir, path.into_os_string())
}

fn stderr(reports: &ScanReports) -> String {
    String::from_utf8_lossy(&reports.output.stderr).into_owned()
}

/// A repository on `main` with a semgrep finding in vendored code and `extra` files.
fn vendored_repo(extra: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "service\n")
        .write("static/lib/tasks.py", SHELL_TRUE);
    for (path, text) in extra {
        repo.write(path, text);
    }
    commit_on_main(repo.path(), "main");
    repo
}

#[test]
fn policy_vendored_suppresses_code_findings_with_its_origin_but_not_secrets() {
    if !require_scanners() {
        return;
    }
    let repo = vendored_repo(&[]);
    assert_exit(&scan(repo.path(), &[]).output, 1);

    let (_dir, policy) = policy_file(VENDORED);
    let reports = scan(repo.path(), &["--policy".into(), policy.clone()]);
    assert_exit(&reports.output, 0);
    let suppressions = reports.suppressions();
    assert!(!suppressions.is_empty(), "{:#}", reports.sarif);
    for (status, place) in &suppressions {
        assert_eq!(status, "accepted");
        assert!(place.ends_with("policy.toml:2"), "{place}");
    }
    let by_origin = reports.summary["suppressed_by_origin"]
        .as_object()
        .expect("suppressed_by_origin");
    assert!(
        by_origin.keys().any(|origin| origin.ends_with("policy.toml:2")),
        "{by_origin:?}"
    );
    let justification = reports.sarif.to_string();
    assert!(justification.contains("vendored third-party code (policy)"));

    // A credential committed in the vendored tree still fails the gate.
    let token = github_token();
    repo.write("static/lib/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    commit_all(repo.path(), "vendored settings");
    let reports = scan(repo.path(), &["--policy".into(), policy]);
    assert_exit(&reports.output, 1);
    let secrets = result_places(&reports.sarif);
    assert!(
        secrets
            .iter()
            .any(|(tool, _, path, _)| tool == "gitleaks" && path == "static/lib/settings.py"),
        "{secrets:?}"
    );
}

#[test]
fn policy_exclude_keeps_scanners_out_and_the_summary_says_so() {
    if !require_scanners() {
        return;
    }
    let repo = vendored_repo(&[]);
    let (_dir, policy) = policy_file("[third_party]\nexclude = [\"static/lib\"]\n");
    let reports = scan(repo.path(), &["--policy".into(), policy]);
    assert_exit(&reports.output, 0);
    assert_eq!(result_places(&reports.sarif), []);
    assert_eq!(
        reports.summary["excluded"],
        serde_json::json!([{"path": "static/lib/", "reason": "policy third_party.exclude static/lib"}])
    );
}

#[test]
fn a_repository_exclude_is_ignored() {
    if !require_scanners() {
        return;
    }
    let repo = vendored_repo(&[("scangate.toml", "[third_party]\nexclude = [\"static/**\"]\n")]);
    let reports = scan(repo.path(), &[]);
    assert_exit(&reports.output, 1);
    assert!(
        stderr(&reports).contains("scangate.toml:2:12: [third_party] exclude = [\"static/**\"] would hide"),
        "{}",
        stderr(&reports)
    );
}

#[test]
fn the_repository_proposal_applies_in_a_full_scan_and_is_shown() {
    if !require_scanners() {
        return;
    }
    let repo = vendored_repo(&[("scangate.toml", VENDORED)]);
    let reports = scan(repo.path(), &[]);
    assert_exit(&reports.output, 0);
    assert!(
        stderr(&reports).contains("scangate.toml:2: the repository proposes static/lib/** as vendored"),
        "{}",
        stderr(&reports)
    );
    assert!(reports.summary["suppressed_by_origin"]["scangate.toml:2"].as_u64() >= Some(1));
}

/// A pull request of `change` over `base` fails, the proposal at `scangate.toml:2` refused with
/// `refusal`.
fn assert_pull_request_refuses(base: &[(&str, &str)], change: &[(&str, &str)], refusal: &str) {
    let repo = change_on_main(base, change);
    let reports = scan(repo.path(), &["--base".into(), "main".into()]);
    assert_exit(&reports.output, 1);
    let refused = reports.refused();
    assert!(
        refused
            .iter()
            .any(|(origin, why, _)| origin == "scangate.toml:2" && why == refusal),
        "{refused:?}"
    );
}

/// The proposal is on main; the change adds a file with a finding under its glob.
#[test]
fn in_a_pull_request_the_proposal_never_covers_the_changes_files() {
    if require_scanners() {
        let change = [("static/lib/new_tasks.py", SHELL_TRUE)];
        assert_pull_request_refuses(&[("scangate.toml", VENDORED)], &change, "vendored_on_change");
    }
}

/// The change writes the proposal over its own new finding.
#[test]
fn in_a_pull_request_a_proposal_the_change_wrote_applies_to_nothing() {
    if require_scanners() {
        let change = [("scangate.toml", VENDORED), ("static/lib/tasks.py", SHELL_TRUE)];
        assert_pull_request_refuses(&[], &change, "added_by_change");
    }
}

#[test]
fn third_party_policy_errors_are_positioned_and_stop_the_scan() {
    let repo = vendored_repo(&[]);
    for (text, place) in [
        ("[third_party]\nvendored = 3\n", "policy.toml:2:12"),
        ("[third_party]\nvendor = [\"x\"]\n", "policy.toml:2:1"),
        ("[third_party]\nexclude = [\"a/[b\"]\n", "policy.toml:2:12"),
    ] {
        let (_dir, policy) = policy_file(text);
        let out = tempfile::tempdir().expect("temp dir");
        let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into(), "--offline".into()];
        args.extend(["--tools".into(), "gitleaks".into(), "--policy".into(), policy]);
        args.extend(report_flags(&out.path().join("s.sarif"), &out.path().join("s.json")));
        let output = Scangate::new(args).run();
        assert_exit(&output, 2);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(place), "{text}: {stderr}");
        assert!(!stderr.contains("finished"), "no scanner may start: {stderr}");
    }
}

/// A generated bundle on one line: `hits` SQL injections (semgrep's `js-sql-injection`), padded
/// past the minified thresholds. Its name says nothing: it is judged by its shape.
fn bundle(hits: usize) -> String {
    let mut text = String::from("/*! generated */");
    for i in 0..hits {
        text.push_str(&format!(
            "function q{i}(db,id){{db.query(\"SELECT * FROM t{i} WHERE id = '\"+id+\"'\");}}"
        ));
    }
    text.push_str(&format!("var pad=\"{}\";\n", "a".repeat(6_000)));
    text
}

const BUNDLE: &str = "static/app.bundle.js";

fn semgrep_paths(reports: &ScanReports) -> Vec<String> {
    let found = result_places(&reports.sarif);
    found
        .into_iter()
        .filter(|(tool, _, _, _)| tool == "semgrep")
        .map(|(_, _, path, _)| path)
        .collect()
}

#[test]
fn a_minified_bundle_is_one_note_unless_the_policy_asks_for_findings() {
    if !require_scanners() {
        return;
    }
    let repo = vendored_repo(&[(BUNDLE, &bundle(4))]);
    // Asked for findings, the policy gets every one: each injection is found (by one rule or more).
    let (_dir, policy) = policy_file("[third_party]\nvendored = [\"static/lib/**\"]\nminified = \"findings\"\n");
    let reports = scan(repo.path(), &["--policy".into(), policy]);
    assert_exit(&reports.output, 1);
    let found = semgrep_paths(&reports).iter().filter(|path| *path == BUNDLE).count();
    assert!(found >= 4, "{:?}", semgrep_paths(&reports));

    let (_dir, policy) = policy_file("[third_party]\nvendored = [\"static/lib/**\"]\n");
    let reports = scan(repo.path(), &["--policy".into(), policy]);
    assert_exit(&reports.output, 0);
    assert!(
        !semgrep_paths(&reports).contains(&BUNDLE.to_string()),
        "{:?}",
        semgrep_paths(&reports)
    );
    let note = format!("static/app.bundle.js: minified bundle; {found} semgrep findings not reported");
    let warnings = reports.summary["warnings"].to_string();
    assert!(warnings.contains(&note), "{warnings}");
    let stdout = String::from_utf8_lossy(&reports.output.stdout);
    assert!(stdout.contains(&note), "{stdout}");
}

/// A change must not hide code on one long line: the bundle it adds is judged like any file.
#[test]
fn in_a_pull_request_a_bundle_the_change_adds_counts() {
    if !require_scanners() {
        return;
    }
    let repo = change_on_main(&[], &[(BUNDLE, bundle(3).as_str())]);
    let reports = scan(repo.path(), &["--base".into(), "main".into()]);
    assert_exit(&reports.output, 1);
    let in_bundle = semgrep_paths(&reports).iter().filter(|path| *path == BUNDLE).count();
    assert!(in_bundle >= 3, "{:?}", semgrep_paths(&reports));
    assert!(!reports.summary["warnings"].to_string().contains("minified bundle"));

    // Unless the pipeline's own policy says the tree is vendored.
    let (_dir, policy) = policy_file("[third_party]\nvendored = [\"static/**\"]\n");
    let reports = scan(
        repo.path(),
        &["--base".into(), "main".into(), "--policy".into(), policy],
    );
    assert_exit(&reports.output, 0);
    assert!(semgrep_paths(&reports).is_empty(), "{:?}", semgrep_paths(&reports));
    let warnings = reports.summary["warnings"].to_string();
    assert!(warnings.contains("static/app.bundle.js: minified bundle"), "{warnings}");
}

/// semgrep reads `*.min.js` and `*.d.ts` files (on pysemgrep: osemgrep skips them): a change
/// that adds code only there is scanned too (before, scangate's own table left them out, so
/// semgrep was `unchanged` and the change passed).
#[test]
fn in_a_pull_request_a_min_js_or_d_ts_file_alone_is_scanned() {
    if !require_scanners() {
        return;
    }
    for path in ["static/app.min.js", "types/api.d.ts"] {
        let repo = change_on_main(&[], &[(path, bundle(1).as_str())]);
        let reports = scan(repo.path(), &["--base".into(), "main".into()]);
        assert_exit(&reports.output, 1);
        let found = semgrep_paths(&reports);
        assert!(
            !found.is_empty() && found.iter().all(|found| found == path),
            "{found:?}"
        );
    }
}

/// Code a change adds only under `vendor/` is the change's code: semgrep applies and reads it,
/// and its finding fails the pull request (before, the repository index skipped `vendor/`, so
/// semgrep was "skipped: no source file" and the change passed). Only the trusted policy's
/// `vendored` takes it out of the count.
#[test]
fn in_a_pull_request_code_added_only_under_vendor_or_a_dependency_directory_is_scanned() {
    if !require_scanners() {
        return;
    }
    // Committed, the directories installed dependencies usually live in are code like any other.
    for dir in [
        "node_modules/acme",
        "venv/lib",
        ".venv/lib",
        "__pycache__",
        ".terraform/modules",
    ] {
        let path = format!("{dir}/tasks.py");
        let repo = change_on_main(&[], &[(path.as_str(), SHELL_TRUE)]);
        let reports = scan(repo.path(), &["--base".into(), "main".into()]);
        assert_exit(&reports.output, 1);
        assert_eq!(semgrep_paths(&reports), [path.as_str()], "{:#}", reports.summary);
    }
    let repo = change_on_main(&[], &[("vendor/acme/tasks.py", SHELL_TRUE)]);
    let reports = scan(repo.path(), &["--base".into(), "main".into()]);
    assert_exit(&reports.output, 1);
    assert_eq!(
        tool_entry(&reports.summary, "semgrep")["status"],
        "ok",
        "{:#}",
        reports.summary
    );
    assert_eq!(semgrep_paths(&reports), ["vendor/acme/tasks.py"]);

    let (_dir, policy) = policy_file("[third_party]\nvendored = [\"vendor/**\"]\n");
    let trusted = scan(
        repo.path(),
        &["--base".into(), "main".into(), "--policy".into(), policy],
    );
    assert_exit(&trusted.output, 0);
}
