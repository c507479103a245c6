//! Pull-request mode counts what the change introduces: head's findings minus the base's, by
//! fingerprint. A finding the base already had stays pre-existing when the change edits its file
//! (`baselineState: unchanged`, not counted); a copy of it, or a new one next to it, is new.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::support::{
    assert_exit, change_on_main, commit_all, git_ok, osv_offline_db, require_scanner, ScanReports as Scan,
};

/// A shell command built from a parameter and run with `shell=True`: one semgrep finding of the
/// bundled rules.
const SHELL_RUN: &str = "def run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";

/// `scangate scan ROOT --offline --tools TOOLS EXTRA…` (osv-scanner with the test advisories).
fn scan(root: &Path, tools: &str, extra: &[&str]) -> Scan {
    let out = tempfile::tempdir().unwrap();
    let db = osv_offline_db();
    let mut args: Vec<OsString> = vec!["scan".into(), root.into(), "--offline".into()];
    args.extend(
        ["--tools", tools]
            .into_iter()
            .chain(extra.iter().copied())
            .map(OsString::from),
    );
    args.extend(["--osv-offline-db".into(), db.path().into()]);
    Scan::run(args, out.path())
}

/// `(rule, line, baselineState)` of `tool`'s results.
fn results_of(sarif: &Value, tool: &str) -> Vec<(String, u64, String)> {
    let runs = sarif["runs"].as_array().expect("runs");
    let mut results: Vec<(String, u64, String)> = runs
        .iter()
        .filter(|run| run["tool"]["driver"]["name"] == tool)
        .flat_map(|run| run["results"].as_array().expect("results").iter())
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap_or_default().to_owned(),
                result["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or_default(),
                result["baselineState"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    results.sort();
    results
}

/// The states of `tool`'s results, sorted.
fn states(scan: &Scan, tool: &str) -> Vec<String> {
    let mut states: Vec<String> = results_of(&scan.sarif, tool)
        .into_iter()
        .map(|(_, _, state)| state)
        .collect();
    states.sort();
    states
}

fn semgrep_ready() -> bool {
    ["gitleaks", "semgrep"].into_iter().all(require_scanner)
}

/// The change edits a file holding a pre-existing finding, away from it: pull-request mode passes
/// and reports the finding as unchanged; the full scan still fails on it.
#[test]
fn a_finding_on_an_untouched_line_of_an_edited_file_is_pre_existing() {
    if !semgrep_ready() {
        return;
    }
    let base = format!("import subprocess\n\n\n{SHELL_RUN}");
    let edited = format!("import subprocess\n\nVERSION = 2\n\n\n{SHELL_RUN}");
    let repo = change_on_main(&[("app/job.py", &base)], &[("app/job.py", &edited)]);
    let pr = scan(repo.path(), "gitleaks,semgrep", &["--base", "main"]);
    assert_exit(&pr.output, 0);
    assert_eq!(pr.summary["new"], 0, "{:#}", pr.summary);
    let results = results_of(&pr.sarif, "semgrep");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!((results[0].1, results[0].2.as_str()), (7, "unchanged"));
    // The log says it is partial, in every run; a full scan's does not.
    let partial = "findings outside the change were not computed";
    let runs = pr.sarif["runs"].as_array().expect("runs");
    for run in runs {
        let notes = run["invocations"][0]["toolExecutionNotifications"].to_string();
        assert!(notes.contains(partial), "{}: {notes}", run["tool"]["driver"]["name"]);
    }
    let full = scan(repo.path(), "gitleaks,semgrep", &[]);
    assert_exit(&full.output, 1);
    assert!(!full.sarif.to_string().contains(partial));
}

/// Moved and re-indented, the old finding keeps its fingerprint and stays pre-existing.
#[test]
fn moved_and_reindented_code_stays_pre_existing() {
    if !semgrep_ready() {
        return;
    }
    let base = format!("import subprocess\n\n\n{SHELL_RUN}");
    let moved = "import subprocess\n\n\ndef first():\n    return 1\n\n\nclass Jobs:\n    def run(directory):\n        subprocess.run(\"tar czf /tmp/b.tgz \" + directory,  shell=True)\n";
    let repo = change_on_main(&[("app/job.py", &base)], &[("app/job.py", moved)]);
    let pr = scan(repo.path(), "gitleaks,semgrep", &["--base", "main"]);
    assert_exit(&pr.output, 0);
    assert_eq!(states(&pr, "semgrep"), ["unchanged"]);
}

/// A copy of the old finding is one more of it: new, and it fails the change; the original
/// stays unchanged.
#[test]
fn a_copy_of_a_pre_existing_finding_is_new() {
    if !semgrep_ready() {
        return;
    }
    let base = format!("import subprocess\n\n\n{SHELL_RUN}");
    let copied = format!(
        "import subprocess\n\n\n{SHELL_RUN}\n\n{}",
        SHELL_RUN.replace("def run(", "def run_again(")
    );
    let repo = change_on_main(&[("app/job.py", &base)], &[("app/job.py", &copied)]);
    let pr = scan(repo.path(), "gitleaks,semgrep", &["--base", "main"]);
    assert_exit(&pr.output, 1);
    assert_eq!(pr.summary["new"], 1, "{:#}", pr.summary);
    assert_eq!(states(&pr, "semgrep"), ["new", "unchanged"]);
}

/// A new finding next to a pre-existing one: only the new one counts.
#[test]
fn a_new_finding_next_to_a_pre_existing_one_counts_alone() {
    if !semgrep_ready() {
        return;
    }
    let base = format!("import subprocess\n\n\n{SHELL_RUN}");
    let added = format!(
        "import os\nimport subprocess\n\n\n{SHELL_RUN}\n\ndef clean(path):\n    subprocess.call(\"rm -rf \" + path, shell=True)\n"
    );
    let repo = change_on_main(&[("app/job.py", &base)], &[("app/job.py", &added)]);
    let pr = scan(repo.path(), "gitleaks,semgrep", &["--base", "main"]);
    assert_exit(&pr.output, 1);
    assert_eq!(pr.summary["new"], 1, "{:#}", pr.summary);
    let results = results_of(&pr.sarif, "semgrep");
    let unchanged: Vec<_> = results.iter().filter(|(_, _, state)| state == "unchanged").collect();
    assert_eq!(unchanged.len(), 1, "{results:?}");
    assert_eq!(unchanged[0].1, 6, "{results:?}");
}

/// A file renamed with its content is a new path: its findings are new (fingerprints hold the
/// path), so a rename cannot launder a finding into an untouched file's.
#[test]
fn a_renamed_file_s_findings_are_new() {
    if !semgrep_ready() {
        return;
    }
    let base = format!("import subprocess\n\n\n{SHELL_RUN}");
    let repo = change_on_main(&[("app/job.py", &base)], &[("README.md", "service, with tasks\n")]);
    git_ok(repo.path(), &["mv", "app/job.py", "app/task.py"]);
    commit_all(repo.path(), "rename");
    let pr = scan(repo.path(), "gitleaks,semgrep", &["--base", "main"]);
    assert_exit(&pr.output, 1);
    assert_eq!(states(&pr, "semgrep"), ["new"]);
}

/// A lockfile holding a vulnerable minimist on main; the change adds a clean package to it. The
/// old vulnerability is pre-existing; the full scan still fails on it.
#[test]
fn a_lockfile_edit_keeps_its_old_vulnerabilities_pre_existing() {
    if !["gitleaks", "osv-scanner"].into_iter().all(require_scanner) {
        return;
    }
    let minimist = r#""node_modules/minimist":{"version":"1.2.5","resolved":"https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz"}"#;
    let left_pad = r#""node_modules/left-pad":{"version":"1.3.0","resolved":"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"}"#;
    let lockfile = |extra: &str| {
        format!(
            r#"{{"name":"web","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{{"":{{"name":"web","version":"1.0.0"}},{minimist}{extra}}}}}"#
        )
    };
    let repo = change_on_main(
        &[("web/package-lock.json", &lockfile(""))],
        &[("web/package-lock.json", &lockfile(&format!(",{left_pad}")))],
    );
    let pr = scan(repo.path(), "gitleaks,osv-scanner", &["--base", "main"]);
    assert_exit(&pr.output, 0);
    let pr_states = states(&pr, "osv-scanner");
    assert!(
        !pr_states.is_empty() && pr_states.iter().all(|s| s == "unchanged"),
        "{pr_states:?}"
    );
    assert_exit(&scan(repo.path(), "gitleaks,osv-scanner", &[]).output, 1);
}

/// A project in a subdirectory is scanned on its own: its base is that directory of the merge
/// base (its pre-existing finding stays so), and a project the change creates has no base (its
/// finding is new).
#[test]
fn a_project_in_a_subdirectory_is_subtracted_from_its_own_base() {
    if !semgrep_ready() {
        return;
    }
    let base = format!("import subprocess\n\n\n{SHELL_RUN}");
    let edited = format!("import subprocess\n\nVERSION = 2\n\n\n{SHELL_RUN}");
    let repo = change_on_main(
        &[("services/api/job.py", &base)],
        &[("services/api/job.py", &edited), ("services/new/job.py", &base)],
    );
    let api = scan(
        &repo.path().join("services/api"),
        "gitleaks,semgrep",
        &["--base", "main"],
    );
    assert_exit(&api.output, 0);
    assert_eq!(states(&api, "semgrep"), ["unchanged"]);
    let new = scan(
        &repo.path().join("services/new"),
        "gitleaks,semgrep",
        &["--base", "main"],
    );
    assert_exit(&new.output, 1);
    assert_eq!(states(&new, "semgrep"), ["new"]);
}

/// Python that semgrep's bundled rules take far more than a second per rule on: 2.4 MB, one
/// long expression per line.
fn slow_to_analyse() -> String {
    (0..30_000)
        .map(|i| format!("x{i} = request.args.get(\"a{i}\") + str({i}) + os.system(\"echo \" + x{i})\n"))
        .collect()
}

/// Issue 26 §5: semgrep gives up on a file that takes too long (`--semgrep-timeout`, its own 5 s
/// otherwise). The run is `partial`, not `ok`: a warning in a full scan, and an error for a
/// change that touches the file — a change must not get through by being slow to analyse. The
/// load-dependent result is never cached.
#[test]
fn a_file_semgrep_gives_up_on_is_partial_and_a_change_to_it_is_an_error() {
    if !semgrep_ready() {
        return;
    }
    let slow = slow_to_analyse();
    let base = [("gen/table.py", slow.as_str()), ("app/main.py", "print('ready')\n")];
    // The change edits both files: semgrep analyses one of them (had it analysed none, its run
    // would be an error of its own).
    let edits = [
        ("gen/table.py", format!("{slow}y = 1\n")),
        ("app/main.py", "print('ready', 2)\n".to_owned()),
    ];
    let repo = change_on_main(&base, &edits);
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let full_scan = || {
        scan(
            repo.path(),
            "gitleaks,semgrep",
            &["--semgrep-timeout", "1", "--cache-dir", cache_dir],
        )
    };
    for full in [full_scan(), full_scan()] {
        assert_exit(&full.output, 0);
        let semgrep = crate::support::tool_entry(&full.summary, "semgrep");
        assert_eq!(semgrep["status"], "partial", "{:#}", full.summary);
        assert_eq!(semgrep["reason"], "gave up on 1 file for time: gen/table.py");
        assert_eq!(semgrep["cached"], false, "a partial result is not cached");
        assert_eq!(
            full.summary["warnings"],
            serde_json::json!([
                "semgrep: partial (gave up on 1 file for time: gen/table.py): findings there may be missing"
            ])
        );
    }

    let change = scan(
        repo.path(),
        "gitleaks,semgrep",
        &["--semgrep-timeout", "1", "--base", "main"],
    );
    assert_exit(&change.output, 2);
    assert_eq!(change.summary["verdict"], "error");
    let violations = change.summary["violations"].to_string();
    assert!(
        violations.contains("semgrep gave up for time on gen/table.py of the change"),
        "{violations}"
    );
}
