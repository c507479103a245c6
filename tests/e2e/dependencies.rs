//! Issue 8 §3: dependency findings per lockfile and installed version. osv-scanner (offline
//! database) and npm audit (local advisory server) on lockfiles the tests write; trivy with a
//! vulnerability database the tests build from the same advisories (`scripts/trivy-offline-db`).

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::{
    assert_exit, commit_all, example_copy, git_ok, read_summary, require_scanner, tool_entry, trivy_offline_db,
    OfflineServices, Repo, Scangate,
};

/// One dependency result as a user reads it in the SARIF log.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Install {
    path: String,
    package: String,
    version: String,
    fixed: Option<String>,
    rule: String,
    tools: Vec<String>,
}

/// `scangate scan ROOT` against the offline services with `extra` flags (`--tools` among them);
/// the SARIF log and summary as JSON.
fn scan(root: &Path, services: &OfflineServices, extra: &[&str]) -> (Output, Value, Value) {
    let out = tempfile::tempdir().expect("temp dir");
    let sarif_path = out.path().join("scan.sarif");
    let summary_path = out.path().join("summary.json");
    let mut args: Vec<std::ffi::OsString> = vec![
        "scan".into(),
        root.into(),
        "--sarif".into(),
        sarif_path.clone().into(),
        "--summary-json".into(),
        summary_path.clone().into(),
    ];
    args.extend(services.scan_flags());
    args.extend(extra.iter().map(Into::into));
    let output = Scangate::new(args).run();
    let sarif = serde_json::from_slice(&std::fs::read(&sarif_path).expect("SARIF written")).expect("SARIF is JSON");
    (output, sarif, read_summary(&summary_path))
}

fn installs(sarif: &Value) -> Vec<Install> {
    let results = sarif["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|run| run["results"].as_array().expect("results"));
    let mut installs: Vec<Install> = results
        .map(|result| {
            let package = &result["properties"]["package"];
            let text = |value: &Value| value.as_str().map(str::to_owned);
            Install {
                path: text(&result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).expect("uri"),
                package: text(&package["name"]).expect("package name"),
                version: text(&package["version"]).expect("installed version"),
                fixed: text(&package["fixed_version"]),
                rule: text(&result["ruleId"]).expect("ruleId"),
                tools: result["properties"]["tools"]
                    .as_array()
                    .expect("tools")
                    .iter()
                    .filter_map(text)
                    .collect(),
            }
        })
        .collect();
    installs.sort();
    installs
}

fn both_scanners() -> bool {
    ["osv-scanner", "npm"].into_iter().all(require_scanner)
}

/// A `package.json` and lockfile v3 in `dir`: `top` installed at the top, and each
/// `(parent, [(package, version)])` as a parent package with its own nested copies.
pub(crate) fn write_npm_project(repo: &Repo, dir: &str, top: &[(&str, &str)], nested: &[(&str, &[(&str, &str)])]) {
    let mut dependencies = serde_json::Map::new();
    let mut packages = serde_json::Map::new();
    for (name, version) in top {
        dependencies.insert((*name).into(), (*version).into());
        packages.insert(format!("node_modules/{name}"), serde_json::json!({"version": version}));
    }
    for (parent, children) in nested {
        dependencies.insert((*parent).into(), "1.0.0".into());
        let own: serde_json::Map<String, Value> = children
            .iter()
            .map(|(name, version)| ((*name).to_owned(), Value::from(*version)))
            .collect();
        packages.insert(
            format!("node_modules/{parent}"),
            serde_json::json!({"version": "1.0.0", "dependencies": own}),
        );
        for (name, version) in *children {
            packages.insert(
                format!("node_modules/{parent}/node_modules/{name}"),
                serde_json::json!({"version": version}),
            );
        }
    }
    let manifest = serde_json::json!({"name": dir, "version": "1.0.0", "dependencies": dependencies});
    packages.insert(
        String::new(),
        serde_json::json!({"name": dir, "version": "1.0.0", "dependencies": dependencies}),
    );
    let lockfile = serde_json::json!({
        "name": dir, "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": packages
    });
    repo.write(
        format!("{dir}/package.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    );
    repo.write(
        format!("{dir}/package-lock.json"),
        serde_json::to_vec_pretty(&lockfile).unwrap(),
    );
}

/// minimist 1.2.5 (GHSA-xvch-5gv4-984h, critical) and nothing else.
fn write_minimist_project(repo: &Repo, dir: &str) {
    write_npm_project(repo, dir, &[("minimist", "1.2.5")], &[]);
}

/// Four installed minimist versions and six lodash versions in one lockfile: 20 advisories
/// (minimist ×4; lodash 4.17.15, 4.17.11, 3.10.1, 4.17.4 ×3; 4.17.19, 4.17.20 ×2).
fn write_many_versions_project(repo: &Repo) {
    write_npm_project(
        repo,
        "web",
        &[("minimist", "1.2.5"), ("lodash", "4.17.15")],
        &[
            ("fixture-a", &[("minimist", "0.0.8"), ("lodash", "4.17.11")]),
            ("fixture-b", &[("minimist", "0.2.1"), ("lodash", "4.17.19")]),
            ("fixture-c", &[("minimist", "1.2.0"), ("lodash", "3.10.1")]),
            ("fixture-d", &[("lodash", "4.17.20")]),
            ("fixture-e", &[("lodash", "4.17.4")]),
        ],
    );
}

/// The SARIF log and summary of the dependency scanners alone, reports only, on a repository
/// that `write` fills.
fn scan_dependencies(write: impl FnOnce(&Repo)) -> (Value, Value) {
    let services = OfflineServices::start();
    let repo = Repo::new();
    write(&repo);
    let (output, sarif, summary) = scan(repo.path(), &services, DEPENDENCY_SCANNERS);
    assert_exit(&output, 0);
    (sarif, summary)
}

const BOTH: [&str; 2] = ["osv-scanner", "npm-audit"];

/// The dependency scanners alone, reports only (a level needs a secrets scanner to gate).
const DEPENDENCY_SCANNERS: &[&str] = &["--tools", "osv-scanner,npm-audit", "--no-gate"];

#[test]
fn the_same_vulnerability_in_two_lockfiles_is_two_results_each_with_every_tool() {
    if !both_scanners() {
        return;
    }
    let (sarif, _) = scan_dependencies(|repo| {
        write_minimist_project(repo, "app1");
        write_minimist_project(repo, "app2");
    });
    let found = installs(&sarif);
    let places: Vec<(&str, &str, Vec<String>)> = found
        .iter()
        .map(|i| (i.path.as_str(), i.rule.as_str(), i.tools.clone()))
        .collect();
    let tools: Vec<String> = BOTH.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(
        places,
        [
            ("app1/package-lock.json", "CVE-2021-44906", tools.clone()),
            ("app2/package-lock.json", "CVE-2021-44906", tools),
        ],
        "{found:#?}"
    );
}

#[test]
fn every_installed_version_in_one_lockfile_is_its_own_result() {
    if !both_scanners() {
        return;
    }
    let (sarif, summary) = scan_dependencies(write_many_versions_project);
    let osv = tool_entry(&summary, "osv-scanner");
    assert_eq!(osv["findings"], 20, "{summary:#}");
    let found = installs(&sarif);
    assert_eq!(found.len(), 20, "{found:#?}");
    assert!(
        found
            .iter()
            .all(|i| i.tools == BOTH && i.path == "web/package-lock.json"),
        "npm audit's report meets osv-scanner's on every install: {found:#?}"
    );
    let minimist: Vec<&str> = found
        .iter()
        .filter(|i| i.package == "minimist")
        .map(|i| i.version.as_str())
        .collect();
    assert_eq!(minimist, ["0.0.8", "0.2.1", "1.2.0", "1.2.5"]);
    let lodash_4_17_19: Vec<&str> = found
        .iter()
        .filter(|i| i.package == "lodash" && i.version == "4.17.19")
        .map(|i| i.rule.as_str())
        .collect();
    // GHSA-29mw-wpgm-hmr9 and GHSA-35jh-r3h4-6jhm, by their CVE aliases (the canonical ids).
    assert_eq!(lodash_4_17_19, ["CVE-2020-28500", "CVE-2021-23337"]);
}

#[test]
fn the_fixed_version_is_the_fix_of_the_installed_versions_range() {
    if !both_scanners() {
        return;
    }
    // The case: minimist 1.2.5 was told to move to 0.2.4, the first `fixed` of the record.
    let (sarif, _) = scan_dependencies(|repo| write_minimist_project(repo, "web"));
    let fixed: Vec<Option<String>> = installs(&sarif).into_iter().map(|i| i.fixed).collect();
    assert_eq!(fixed, [Some("1.2.6".to_owned())]);

    let (sarif, _) = scan_dependencies(write_many_versions_project);
    let fixes: Vec<(String, String, Option<String>)> = installs(&sarif)
        .into_iter()
        .filter(|i| i.package == "minimist" || (i.package == "lodash" && i.rule == "CVE-2020-8203"))
        .map(|i| (i.package, i.version, i.fixed))
        .collect();
    let fix =
        |package: &str, version: &str, fixed: &str| (package.to_owned(), version.to_owned(), Some(fixed.to_owned()));
    assert_eq!(
        fixes,
        [
            fix("lodash", "3.10.1", "4.17.19"),
            fix("lodash", "4.17.11", "4.17.19"),
            fix("lodash", "4.17.15", "4.17.19"),
            fix("lodash", "4.17.4", "4.17.19"),
            fix("minimist", "0.0.8", "0.2.4"),
            fix("minimist", "0.2.1", "0.2.4"),
            fix("minimist", "1.2.0", "1.2.6"),
            fix("minimist", "1.2.5", "1.2.6"),
        ]
    );
}

#[test]
fn a_pull_request_adding_a_copy_of_a_vulnerable_lockfile_fails_the_gate() {
    if !both_scanners() || !require_scanner("gitleaks") {
        return;
    }
    let services = OfflineServices::start();
    let repo = Repo::new();
    write_minimist_project(&repo, "app1");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "app1 pins minimist 1.2.5");
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    write_minimist_project(&repo, "app2");
    commit_all(repo.path(), "app2, a copy of app1");
    let (output, sarif, summary) = scan(
        repo.path(),
        &services,
        &[
            "--base",
            "main",
            "--level",
            "1",
            "--tools",
            "gitleaks,osv-scanner,npm-audit",
        ],
    );
    assert_exit(&output, 1);
    assert_eq!(summary["verdict"], "fail", "{summary:#}");
    assert_eq!(summary["new"], 1, "app2's minimist is new, app1's is not: {summary:#}");
    assert_eq!(installs(&sarif).len(), 2);
}

/// Issue 11 §2: when the audit endpoint fails, the reason names the HTTP status and the URL
/// (credentials redacted), not "npm reported error unknown".
#[test]
fn a_failing_audit_endpoint_is_named_with_its_status_and_url() {
    if !require_scanner("npm") {
        return;
    }
    let services = OfflineServices::start();
    let registry = services.scan_flags()[2].to_string_lossy().into_owned();
    let wrong = format!(
        "{}nothing/",
        registry.replacen("http://", "http://ci:hunter2hunter2@", 1)
    );
    let repo = example_copy();
    let summary = repo.path().join("summary.json");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "npm-audit".as_ref(),
        "--no-gate".as_ref(),
        "--npm-registry".as_ref(),
        wrong.as_ref(),
        "--summary-json".as_ref(),
        summary.as_os_str(),
        "--sarif".as_ref(),
        repo.path().join("scan.sarif").as_os_str(),
    ])
    .run();
    assert_exit(&output, 2);
    let npm = tool_entry(&read_summary(&summary), "npm-audit").clone();
    assert_eq!(npm["status"], "error");
    let shown = registry.replacen("http://", "http://REDACTED@", 1);
    let expected = format!("npm audit failed: HTTP 404 from {shown}nothing/-/npm/v1/security/advisories/bulk");
    assert!(npm["reason"].as_str().unwrap().starts_with(&expected), "{npm:#}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("hunter2hunter2"));
}

/// Issue 11 §3: `--offline` means offline. osv-scanner without `--osv-offline-db` and npm audit
/// without `--npm-registry` would reach the network; they do not start, end as errors that name
/// the flag that would make them work, and a policy that marks them optional turns them into
/// warnings.
#[test]
fn offline_dependency_scanners_without_local_data_do_not_start() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = example_copy();
    let summary = repo.path().join("summary.json");
    let scan = |extra: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = vec![
            "scan".into(),
            repo.path().into(),
            "--tools".into(),
            "gitleaks,osv-scanner,npm-audit".into(),
            "--offline".into(),
            "--sarif".into(),
            repo.path().join("scan.sarif").into(),
            "--summary-json".into(),
            summary.clone().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        Scangate::new(args).run()
    };
    let refused = scan(&[]);
    assert_exit(&refused, 2);
    let recorded = read_summary(&summary);
    for (tool, flag) in [
        ("osv-scanner", "--osv-offline-db DIR"),
        ("npm-audit", "--npm-registry URL"),
    ] {
        let entry = tool_entry(&recorded, tool);
        assert_eq!(entry["status"], "error", "{entry:#}");
        assert_eq!(
            entry["exit_code"],
            Value::Null,
            "{tool} must not have started: {entry:#}"
        );
        let reason = entry["reason"].as_str().unwrap();
        assert!(reason.contains("--offline") && reason.contains(flag), "{reason}");
        assert!(reason.contains(&format!("--skip {tool}")), "{reason}");
    }
    let policy = repo.path().join("policy.toml");
    std::fs::write(
        &policy,
        "extends = \"level-1\"\noptional = [\"osv-scanner\", \"npm-audit\"]\n",
    )
    .unwrap();
    let optional = scan(&["--policy", policy.to_str().unwrap()]);
    assert_exit(&optional, 1);
    let warnings = read_summary(&summary)["warnings"].to_string();
    assert!(
        warnings.contains("--osv-offline-db") && warnings.contains("--npm-registry"),
        "{warnings}"
    );
}

/// What a code-scanning alert is keyed on, per result: where, which package, and the rule id,
/// the run (tool) and the fingerprint that must not move when another scanner is added.
fn identities(sarif: &Value) -> Vec<[String; 6]> {
    let text = |value: &Value| value.as_str().expect("a string").to_owned();
    let mut identities: Vec<[String; 6]> = sarif["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|run| {
            let driver = text(&run["tool"]["driver"]["name"]);
            run["results"].as_array().expect("results").iter().map(move |result| {
                let package = &result["properties"]["package"];
                [
                    text(&result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
                    text(&package["name"]),
                    text(&package["version"]),
                    text(&result["ruleId"]),
                    driver.clone(),
                    text(&result["partialFingerprints"]["scangate/v1"]),
                ]
            })
        })
        .collect();
    identities.sort();
    identities
}

/// Issue 26 §4: adding trivy, whose ids are CVEs where osv-scanner and npm audit report GHSA
/// ids, moves no result: each keeps its rule id (the advisory's CVE), its run (osv-scanner's)
/// and its fingerprint, and only gains trivy in its tools.
#[test]
fn adding_trivy_keeps_every_dependency_results_rule_id_run_and_fingerprint() {
    if !both_scanners() {
        return;
    }
    let Some(trivy_db) = trivy_offline_db() else {
        return;
    };
    let services = OfflineServices::start();
    let repo = Repo::new();
    write_many_versions_project(&repo);
    let (output, without, _) = scan(repo.path(), &services, DEPENDENCY_SCANNERS);
    assert_exit(&output, 0);
    let trivy_flags = [
        "--tools",
        "osv-scanner,npm-audit,trivy",
        "--no-gate",
        "--trivy-cache-dir",
        trivy_db.path().to_str().expect("UTF-8 temp path"),
    ];
    let (output, with, summary) = scan(repo.path(), &services, &trivy_flags);
    assert_exit(&output, 0);
    assert_eq!(
        tool_entry(&summary, "trivy")["findings"],
        20,
        "trivy found every advisory: {summary:#}"
    );

    let before = identities(&without);
    assert_eq!(before.len(), 20, "{before:#?}");
    assert_eq!(identities(&with), before, "adding trivy moved results");
    assert!(
        before
            .iter()
            .all(|[.., rule, run, _]| rule.starts_with("CVE-") && run == "osv-scanner"),
        "rule id: the advisory's CVE; run: osv-scanner's: {before:#?}"
    );
    let every_tool = ["osv-scanner", "npm-audit", "trivy"];
    assert!(
        installs(&with).iter().all(|i| i.tools == every_tool),
        "{:#?}",
        installs(&with)
    );
}
