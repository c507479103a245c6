//! Issue 26 §4: what a fingerprint survives (docs/usage.md, "Fingerprints"). For every scanner
//! that reads files — gitleaks, semgrep, gosec, trivy, osv-scanner — lines inserted above a
//! finding keep its fingerprint, and moving its file to another path, content unchanged, changes
//! it: every fingerprint holds the file's path.

use std::collections::BTreeMap;
use std::ffi::OsString;

use serde_json::Value;

use crate::dependencies::write_npm_project;
use crate::support::{github_token, osv_offline_db, require_scanner, Repo, ScanReports};

const PYTHON: &str =
    "import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";
const GO: &str = "package main\n\nimport (\n\t\"crypto/md5\"\n\t\"fmt\"\n)\n\nfunc main() {\n\tfmt.Println(md5.Sum([]byte(\"password\")))\n}\n";
const DOCKERFILE: &str = "FROM alpine:3.19\nRUN echo hi\n";
const SCANNERS: [&str; 5] = ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner"];

/// Where each file of the repository is: the scan's files, and where a rename puts them.
struct Layout {
    python: &'static str,
    go_dir: &'static str,
    settings: &'static str,
    dockerfile: &'static str,
    web: &'static str,
}

const BEFORE: Layout = Layout {
    python: "app/job.py",
    go_dir: "cmd",
    settings: "config/settings.py",
    dockerfile: "Dockerfile",
    web: "web",
};

const RENAMED: Layout = Layout {
    python: "app/task.py",
    go_dir: "tool",
    settings: "config/production.py",
    dockerfile: "docker/Dockerfile",
    web: "api",
};

/// A repository (no git: gitleaks reads the directory) with one finding or more per scanner, laid
/// out as `layout` says, each file after `above` (comment lines; the lockfile gains a package).
fn repository(layout: &Layout, token: &str, above: usize) -> Repo {
    let repo = Repo::new();
    let hashes = "#\n".repeat(above);
    repo.write(layout.python, format!("{hashes}{PYTHON}"));
    repo.write(
        format!("{}/main.go", layout.go_dir),
        format!("{}{GO}", "//\n".repeat(above)),
    );
    repo.write(
        format!("{}/go.mod", layout.go_dir),
        "module example.com/fingerprints\n\ngo 1.22\n",
    );
    repo.write(layout.settings, format!("{hashes}GITHUB_TOKEN = \"{token}\"\n"));
    repo.write(layout.dockerfile, format!("{hashes}{DOCKERFILE}"));
    let mut packages = vec![("minimist", "1.2.5")];
    if above > 0 {
        packages.insert(0, ("left-pad", "1.3.0"));
    }
    write_npm_project(&repo, layout.web, &packages, &[]);
    repo
}

/// Per scanner and rule, the results' (fingerprint, path, line), sorted.
type Fingerprints = BTreeMap<(String, String), Vec<(String, String, u64)>>;

fn fingerprints(repo: &Repo, osv_db: &std::path::Path) -> Fingerprints {
    let out = tempfile::tempdir().expect("temp dir");
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into()];
    args.extend(["--tools", &SCANNERS.join(","), "--no-gate", "--offline"].map(OsString::from));
    args.extend(["--osv-offline-db".into(), osv_db.into()]);
    let scan = ScanReports::run(args, out.path());
    crate::support::assert_exit(&scan.output, 0);
    let mut found = Fingerprints::new();
    for run in scan.sarif["runs"].as_array().expect("runs") {
        let tool = run["tool"]["driver"]["name"].as_str().expect("a tool").to_owned();
        for result in run["results"].as_array().expect("results") {
            let location = &result["locations"][0]["physicalLocation"];
            let text = |value: &Value| value.as_str().expect("a string").to_owned();
            found.entry((tool.clone(), text(&result["ruleId"]))).or_default().push((
                text(&result["partialFingerprints"]["scangate/v1"]),
                text(&location["artifactLocation"]["uri"]),
                location["region"]["startLine"].as_u64().unwrap_or_default(),
            ));
        }
    }
    for results in found.values_mut() {
        results.sort();
    }
    found
}

fn only_fingerprints(found: &Fingerprints) -> BTreeMap<&(String, String), Vec<&str>> {
    found
        .iter()
        .map(|(rule, results)| (rule, results.iter().map(|(fp, _, _)| fp.as_str()).collect()))
        .collect()
}

#[test]
fn fingerprints_survive_inserted_lines_and_not_a_move_to_another_path() {
    if !SCANNERS.into_iter().all(require_scanner) {
        return;
    }
    let osv_db = osv_offline_db();
    let token = github_token();
    let before = fingerprints(&repository(&BEFORE, &token, 0), osv_db.path());
    let tools: std::collections::BTreeSet<&str> = before.keys().map(|(tool, _)| tool.as_str()).collect();
    assert_eq!(
        tools.into_iter().collect::<Vec<_>>(),
        {
            let mut all = SCANNERS.to_vec();
            all.sort();
            all
        },
        "every scanner found something: {before:#?}"
    );

    let shifted = fingerprints(&repository(&BEFORE, &token, 3), osv_db.path());
    assert_eq!(
        only_fingerprints(&shifted),
        only_fingerprints(&before),
        "inserted lines moved a fingerprint"
    );
    for (rule, results) in &before {
        let lines: Vec<u64> = results.iter().map(|(_, _, line)| *line).collect();
        let moved: Vec<u64> = shifted[rule].iter().map(|(_, _, line)| *line).collect();
        // osv-scanner names the lockfile, not a line (line 1); trivy's Dockerfile checks a line.
        let whole_file = lines.iter().chain(&moved).all(|line| *line == 1);
        assert!(
            whole_file || lines != moved,
            "{rule:?} is really on other lines: {lines:?}"
        );
    }

    let renamed = fingerprints(&repository(&RENAMED, &token, 0), osv_db.path());
    assert_eq!(
        renamed.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "the same findings, at the new paths"
    );
    for (rule, results) in &before {
        for ((kept, old_path, _), (moved, new_path, _)) in results.iter().zip(&renamed[rule]) {
            assert_ne!(old_path, new_path, "{rule:?}");
            assert_ne!(kept, moved, "{rule:?}: {old_path} → {new_path} kept its fingerprint");
        }
    }
}

/// Issue 26 §4, "columns match the source": a result's `startColumn` (1-based) points at the
/// text its rule matched, for every scanner that reports a column, shifted file or not.
#[test]
fn columns_point_at_the_matched_text() {
    if !SCANNERS.into_iter().all(require_scanner) {
        return;
    }
    let osv_db = osv_offline_db();
    let token = github_token();
    let repo = repository(&BEFORE, &token, 2);
    let out = tempfile::tempdir().expect("temp dir");
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into()];
    args.extend(["--tools", &SCANNERS.join(","), "--no-gate", "--offline"].map(OsString::from));
    args.extend(["--osv-offline-db".into(), osv_db.path().into()]);
    let scan = ScanReports::run(args, out.path());
    crate::support::assert_exit(&scan.output, 0);
    // What each rule's match starts with.
    let expected: BTreeMap<&str, &str> = [
        ("python-subprocess-shell-true", "subprocess.run(\"tar czf"),
        ("go-weak-hash", "md5.Sum("),
        ("G501", "\"crypto/md5\""),
        ("github-pat", token.as_str()),
    ]
    .into();
    let mut checked = Vec::new();
    for run in scan.sarif["runs"].as_array().expect("runs") {
        for result in run["results"].as_array().expect("results") {
            let location = &result["locations"][0]["physicalLocation"];
            let Some(column) = location["region"]["startColumn"].as_u64() else {
                continue;
            };
            let rule = result["ruleId"].as_str().expect("a rule id");
            let path = location["artifactLocation"]["uri"].as_str().expect("a uri");
            let line = location["region"]["startLine"].as_u64().expect("a line");
            let text = std::fs::read_to_string(repo.path().join(path)).expect("the file");
            let source_line = text.lines().nth(line as usize - 1).expect("the line");
            let at = &source_line[column as usize - 1..];
            let prefix = expected
                .get(rule)
                .unwrap_or_else(|| panic!("{rule} reports a column; say what it matches"));
            assert!(at.starts_with(prefix), "{rule} at {path}:{line}:{column}: {at:?}");
            checked.push(rule.to_owned());
        }
    }
    checked.sort();
    // gosec's G401 on the md5.Sum line is merged into semgrep's go-weak-hash result (one
    // weakness, one result): its column is semgrep's; G501 still checks gosec's.
    assert_eq!(
        checked,
        ["G501", "github-pat", "go-weak-hash", "python-subprocess-shell-true"]
    );
}
