//! Issue 4: the DSOMM gate end to end — verdicts per level on the example, suppressions, policy
//! errors, the level floor, baselines, gating SARIF parts, and every exit code.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{
    assert_exit, example_copy, read_summary, require_all_scanners, require_scanner, OfflineServices, Repo, Scangate,
};

/// A finished `scangate` run with its summary.
struct Run {
    output: Output,
    summary: Value,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    fn violations(&self) -> Vec<String> {
        let list = self.summary["violations"].as_array().cloned().unwrap_or_default();
        list.iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }
}

/// Runs `scangate ARGS --summary-json F`, writing outputs into `out`.
fn scangate(args: Vec<OsString>, out: &Path) -> Run {
    let summary_path = out.join(format!("summary-{}.json", unique()));
    let mut args = args;
    args.extend(["--summary-json".into(), summary_path.clone().into()]);
    let output = Scangate::new(args).run();
    let summary = if summary_path.exists() {
        read_summary(&summary_path)
    } else {
        Value::Null
    };
    Run { output, summary }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(Into::into).collect()
}

/// `scangate scan` of the example with the offline services, writing its SARIF to `sarif`.
fn scan_example(root: &Path, services: &OfflineServices, sarif: &Path, extra: &[OsString]) -> Run {
    let mut args: Vec<OsString> = vec!["scan".into(), root.into(), "--sarif".into(), sarif.into()];
    args.extend(services.scan_flags());
    args.extend(extra.iter().cloned());
    scangate(args, root.parent().unwrap())
}

/// The date `days` from today (UTC), as YYYY-MM-DD.
fn date_in(days: i64) -> String {
    scangate_gate::Date::today_utc().add_days(days).to_string()
}

/// A policy that accepts, for 30 days, every critical and high finding of the example.
fn policy_suppressing_high_and_critical(dir: &Path) -> PathBuf {
    let expires = date_in(30);
    let mut text = String::from("# Accepts the example's high and critical findings for 30 days.\n");
    let by_rule = [
        ("github-pat", "config/*.py"),
        ("stripe-access-token", "config/*.py"),
        ("go-exec-shell-command", "*.go"),
        ("go-sql-string-concatenation", "*.go"),
        ("G701", "*.go"),
        ("G702", "*.go"),
        ("python-subprocess-shell-true", "tools/*.py"),
        ("js-child-process-exec", "web/*.js"),
        ("DS-0002", "Dockerfile"),
        ("AWS-0107", "infra/*.tf"),
    ];
    for (rule, path) in by_rule {
        text.push_str(&format!(
            "\n[[suppress]]\nrule = \"{rule}\"\npath = \"{path}\"\nstatus = \"accepted_risk\"\nreason = \"planted in the example\"\nowner = \"security\"\nexpires = \"{expires}\"\n"
        ));
    }
    for (vulnerability, package) in [
        ("GHSA-35jh-r3h4-6jhm", "lodash"),
        ("GHSA-p6mc-m468-83gw", "lodash"),
        ("CVE-2021-44906", "minimist"),
    ] {
        text.push_str(&format!(
            "\n[[suppress]]\nvulnerability = \"{vulnerability}\"\npackage = \"{package}\"\nstatus = \"accepted_risk\"\nreason = \"upgrade scheduled\"\nowner = \"web\"\nexpires = \"{expires}\"\n"
        ));
    }
    let path = dir.join("accept-high.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn example_verdict_per_level_without_and_with_suppressions() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let policy = policy_suppressing_high_and_critical(example.path().parent().unwrap());
    let sarif = example
        .path()
        .parent()
        .unwrap()
        .join(format!("levels-{}.sarif", unique()));
    // (level, exit without policy, exit with the policy that accepts high and critical)
    let table = [(1, 1, 0), (2, 1, 0), (3, 1, 1), (4, 1, 1), (5, 1, 1)];
    for (level, plain_exit, suppressed_exit) in table {
        let level_flag = os(&["--level", &level.to_string()]);
        let plain = scan_example(example.path(), &services, &sarif, &level_flag);
        assert_exit(&plain.output, plain_exit);
        assert_eq!(plain.summary["level"], level);
        assert_eq!(plain.summary["verdict"], "fail");
        assert_eq!(plain.summary["counts"]["critical"], 3);
        // 10 reports; gosec and semgrep both report the command and the SQL injection in main.go.
        assert_eq!(plain.summary["counts"]["high"], 8);
        let first = &plain.violations()[0];
        assert!(
            first.starts_with("3 critical findings > 0 allowed")
                && first.contains(&format!("(level {level}, DSOMM 44f2c8a9")),
            "{first}"
        );

        let mut with_policy = level_flag.clone();
        with_policy.extend(["--policy".into(), policy.clone().into()]);
        let suppressed = scan_example(example.path(), &services, &sarif, &with_policy);
        assert_exit(&suppressed.output, suppressed_exit);
        assert_eq!(
            suppressed.summary["counts"]["critical"], 0,
            "level {level}: {:#}",
            suppressed.summary
        );
        assert_eq!(suppressed.summary["counts"]["high"], 0, "level {level}");
        // 13 reports, two pairs of them one finding each (above).
        assert_eq!(suppressed.summary["suppressed"], 11, "level {level}");
        if suppressed_exit == 1 {
            let medium = suppressed
                .violations()
                .iter()
                // 7 reports; gosec and semgrep both report the XSS in main.go.
                .any(|v| v.starts_with("6 medium findings > 0 allowed"));
            assert!(medium, "level {level}: {:?}", suppressed.violations());
        }
    }
    // Suppressed findings stay in the SARIF, marked as such.
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let suppressed_results = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .filter(|result| result["suppressions"][0]["kind"] == "external")
        .count();
    assert_eq!(suppressed_results, 11);
}

/// A repository where only gitleaks applies and finds nothing.
fn clean_repo() -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "nothing here\n");
    repo
}

fn scan_clean_with_policy(policy_text: &str, level: &str) -> (Repo, Run) {
    let repo = clean_repo();
    let policy = repo.path().join("policy.toml");
    std::fs::write(&policy, policy_text).unwrap();
    let sarif = repo.path().join("out.sarif");
    let args: Vec<OsString> = vec![
        "scan".into(),
        repo.path().into(),
        "--level".into(),
        level.into(),
        "--policy".into(),
        policy.into(),
        "--sarif".into(),
        sarif.into(),
    ];
    let run = scangate(args, repo.path());
    (repo, run)
}

#[test]
fn accepted_risk_without_expiry_is_rejected_at_level_2_naming_the_entry() {
    let policy = "[[suppress]]\nrule = \"G204\"\npath = \"**\"\nstatus = \"false_positive\"\n\n[[suppress]]\nrule = \"generic-api-key\"\npath = \"docs/**\"\nstatus = \"accepted_risk\"\nreason = \"test keys\"\n";
    let (_repo, run) = scan_clean_with_policy(policy, "2");
    assert_exit(&run.output, 2);
    let stderr = run.stderr();
    assert!(stderr.contains("policy.toml:6:1: error:"), "{stderr}");
    assert!(stderr.contains("expir"), "{stderr}");
}

#[test]
fn expired_suppression_fails_the_gate_at_level_5() {
    // Gated through `scangate gate` on a one-result log, so nothing but the suppression decides.
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("one.sarif");
    let log: Value = serde_json::from_str(FOREIGN_SARIF).unwrap();
    let mut one = log.clone();
    one["runs"][0]["results"] = serde_json::json!([log["runs"][0]["results"][2]]);
    std::fs::write(&sarif, one.to_string()).unwrap();
    let policy = dir.path().join("policy.toml");
    let entry = format!(
        "[[suppress]]\nrule = \"ACME003\"\npath = \"src/*.py\"\nstatus = \"accepted_risk\"\nreason = \"noisy\"\nowner = \"ops\"\nexpires = \"{}\"\n",
        date_in(-1)
    );
    std::fs::write(&policy, entry).unwrap();
    let gate = |level: &str| {
        let args = vec![
            "gate".into(),
            sarif.clone().into(),
            "--level".into(),
            level.into(),
            "--policy".into(),
            policy.clone().into(),
        ];
        scangate(args, dir.path())
    };
    let run = gate("5");
    assert_exit(&run.output, 1);
    let expired = run
        .violations()
        .iter()
        .any(|v| v.contains("policy.toml:1:1") && v.contains("expired on"));
    assert!(expired, "{:?}", run.violations());
    // Below level 5 the expired entry stops applying, with a warning; a low finding passes level 4.
    let run = gate("4");
    assert_exit(&run.output, 0);
    assert_eq!(run.summary["suppressed"], 0);
    let warnings = run.summary["warnings"].to_string();
    assert!(warnings.contains("expired"), "{warnings}");
}

#[test]
fn malformed_policies_exit_2_with_file_line_column_and_expectation() {
    let cases = [
        (
            "bad TOML",
            "level = 2\n[thresholds\nmax_high = 1\n",
            "policy.toml:2:",
            "expected",
        ),
        (
            "unknown key",
            "level = 2\nmax_hgih = 1\n",
            "policy.toml:2:1",
            "unknown field `max_hgih`",
        ),
        (
            "wrong type",
            "level = 2\n[thresholds]\nmax_high = \"many\"\n",
            "policy.toml:3:12",
            "expected",
        ),
        ("unknown level", "level = 7\n", "policy.toml:1:9", "1 to 5"),
    ];
    for (name, text, position, expectation) in cases {
        let (_repo, run) = scan_clean_with_policy(text, "1");
        assert_exit(&run.output, 2);
        let stderr = run.stderr();
        assert!(stderr.contains(position), "{name}: {stderr}");
        assert!(stderr.contains(expectation), "{name}: {stderr}");
        assert!(run.summary.is_null(), "{name}: no scan should have run");
    }
}

#[test]
fn repository_config_cannot_lower_the_command_line_level() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = clean_repo();
    repo.write("scangate.toml", "level = 1\n");
    let sarif = repo.path().join("out.sarif");
    let args = vec![
        "scan".into(),
        repo.path().into(),
        "--level".into(),
        "3".into(),
        "--sarif".into(),
        sarif.into(),
    ];
    let run = scangate(args, repo.path());
    assert_eq!(run.summary["level"], 3, "{:#}", run.summary);
    let said = format!("{}{}{}", run.stdout(), run.stderr(), run.summary["warnings"]);
    assert!(said.contains("scangate.toml") && said.contains("level 1"), "{said}");
    // And it may raise it.
    repo.write("scangate.toml", "level = 4\n");
    let sarif = repo.path().join("out2.sarif");
    let args = vec![
        "scan".into(),
        repo.path().into(),
        "--level".into(),
        "3".into(),
        "--sarif".into(),
        sarif.into(),
    ];
    let run = scangate(args, repo.path());
    assert_eq!(run.summary["level"], 4);
    assert!(
        run.stderr()
            .contains("running at DSOMM level 4 (command line asked for 3)"),
        "{}",
        run.stderr()
    );
}

#[test]
fn baseline_counts_only_the_new_finding() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let dir = example.path().parent().unwrap();
    let first_sarif = dir.join(format!("first-{}.sarif", unique()));
    let first = scan_example(example.path(), &services, &first_sarif, &[]);
    assert_exit(&first.output, 1);
    example.write(
        "tools/rotate.py",
        "import subprocess\n\n\ndef rotate(log):\n    subprocess.call(\"gzip \" + log, shell=True)\n",
    );
    let second_sarif = dir.join(format!("second-{}.sarif", unique()));
    let baseline: Vec<OsString> = vec!["--baseline".into(), first_sarif.into()];
    let second = scan_example(example.path(), &services, &second_sarif, &baseline);
    assert_exit(&second.output, 1);
    assert_eq!(second.summary["new"], 1, "{:#}", second.summary);
    let counts = &second.summary["counts"];
    assert_eq!(
        (counts["critical"].as_u64(), counts["high"].as_u64()),
        (Some(0), Some(1)),
        "{counts}"
    );
    assert_eq!(second.violations().len(), 1, "{:?}", second.violations());
    assert!(
        second.violations()[0].starts_with("1 high finding > 0 allowed"),
        "{:?}",
        second.violations()
    );
}

#[test]
fn gate_over_sarif_parts_matches_one_full_scan() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let dir = example.path().parent().unwrap().to_path_buf();
    let full = scan_example(
        example.path(),
        &services,
        &dir.join("full.sarif"),
        &os(&["--level", "2"]),
    );
    let mut parts = Vec::new();
    for (name, tools) in [("a", "gitleaks,semgrep,gosec"), ("b", "trivy,osv-scanner,npm-audit")] {
        let part = dir.join(format!("part-{name}.sarif"));
        let shard = scan_example(example.path(), &services, &part, &os(&["--tools", tools, "--no-gate"]));
        assert_exit(&shard.output, 0);
        parts.push(part);
    }
    let mut args: Vec<OsString> = vec!["gate".into()];
    args.extend(parts.iter().map(Into::into));
    args.extend(os(&["--level", "2"]));
    let gated = scangate(args, &dir);
    assert_eq!(gated.output.status.code(), full.output.status.code());
    for key in ["verdict", "counts", "suppressed", "level", "violations"] {
        assert_eq!(gated.summary[key], full.summary[key], "{key}");
    }
}

/// A SARIF log from another tool: one result rated by `security-severity`, two by `level` only.
const FOREIGN_SARIF: &str = r#"{
  "version": "2.1.0",
  "runs": [{
    "tool": {"driver": {"name": "acme-lint", "rules": [
      {"id": "ACME001", "properties": {"security-severity": "9.8"}},
      {"id": "ACME002"}, {"id": "ACME003"}
    ]}},
    "results": [
      {"ruleId": "ACME001", "ruleIndex": 0, "level": "warning", "message": {"text": "unsafe deserialization"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/load.py"}, "region": {"startLine": 3}}}]},
      {"ruleId": "ACME002", "ruleIndex": 1, "level": "warning", "message": {"text": "weak hash"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/hash.py"}, "region": {"startLine": 8}}}]},
      {"ruleId": "ACME003", "ruleIndex": 2, "level": "note", "message": {"text": "debug logging"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/log.py"}, "region": {"startLine": 1}}}]}
    ]
  }]
}"#;

#[test]
fn another_tools_sarif_is_gated_by_its_levels() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("acme.sarif");
    std::fs::write(&sarif, FOREIGN_SARIF).unwrap();
    // (level, exit): critical 1 (security-severity 9.8), medium 1 (warning), low 1 (note).
    for (level, exit) in [("1", 1), ("2", 1), ("3", 1), ("5", 1)] {
        let run = scangate(
            vec!["gate".into(), sarif.clone().into(), "--level".into(), level.into()],
            dir.path(),
        );
        assert_exit(&run.output, exit);
        let counts = &run.summary["counts"];
        assert_eq!(
            (
                counts["critical"].as_u64(),
                counts["medium"].as_u64(),
                counts["low"].as_u64()
            ),
            (Some(1), Some(1), Some(1))
        );
    }
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[suppress]]\nrule = \"ACME001\"\npath = \"src/*.py\"\nstatus = \"false_positive\"\n",
    )
    .unwrap();
    let run = scangate(
        vec!["gate".into(), sarif.into(), "--policy".into(), policy.into()],
        dir.path(),
    );
    assert_exit(&run.output, 0);
    assert_eq!(run.summary["suppressed"], 1);
}

#[test]
fn every_exit_path_is_0_1_or_2() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("acme.sarif");
    std::fs::write(&sarif, FOREIGN_SARIF).unwrap();
    let code = |args: &[&str]| Scangate::new(args).run().status.code();
    let sarif = sarif.to_str().unwrap();
    assert_eq!(code(&["--help"]), Some(0));
    assert_eq!(code(&["--version"]), Some(0));
    assert_eq!(
        code(&["gate", sarif, "--level", "1", "--dry-run"]),
        Some(0),
        "dry run passes whatever happened"
    );
    assert_eq!(code(&["gate", sarif, "--level", "1"]), Some(1), "gate failed");
    assert_eq!(code(&["scan", "--no-such-flag"]), Some(2), "bad flag");
    assert_eq!(code(&["scan", "--level", "9"]), Some(2), "level out of range");
    assert_eq!(
        code(&["scan", "/nonexistent/scangate-test"]),
        Some(2),
        "unreadable path"
    );
    assert_eq!(code(&["gate", "/nonexistent/part.sarif"]), Some(2), "unreadable SARIF");
    let not_sarif = dir.path().join("notes.txt");
    std::fs::write(&not_sarif, "not json").unwrap();
    assert_eq!(code(&["gate", not_sarif.to_str().unwrap()]), Some(2), "not a SARIF log");
}

/// `#nosec`, `nosemgrep`, `.trivyignore` and `osv-scanner.toml` are honored: the findings stay
/// in the SARIF, marked as suppressed in source, and do not count.
#[test]
fn tool_native_suppressions_are_honored_and_reported() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let repo = Repo::new();
    repo.write("svc/go.mod", "module example.com/svc\n\ngo 1.22\n");
    repo.write(
        "svc/main.go",
        "package main\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\t_ = exec.Command(os.Args[1]).Run() // #nosec G204 G702 -- the operator chooses the command\n}\n",
    );
    repo.write(
        "tools/job.py",
        "import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)  # nosemgrep: python-subprocess-shell-true\n",
    );
    repo.write("Dockerfile", "FROM alpine:3.19\nRUN echo hi\n");
    repo.write(
        ".trivyignore",
        "# base image runs its own user setup\nDS-0002\nDS-0026\n",
    );
    repo.write(
        "web/package-lock.json",
        std::fs::read_to_string(crate::support::checkout().join("examples/vulnerable-app/package-lock.json")).unwrap(),
    );
    repo.write(
        "web/package.json",
        "{\"name\": \"vulnerable-app-web\", \"version\": \"1.0.0\"}\n",
    );
    let mut ignores = String::new();
    for id in [
        "GHSA-35jh-r3h4-6jhm",
        "GHSA-29mw-wpgm-hmr9",
        "GHSA-p6mc-m468-83gw",
        "GHSA-xvch-5gv4-984h",
    ] {
        ignores.push_str(&format!(
            "[[IgnoredVulns]]\nid = \"{id}\"\nreason = \"not reachable\"\n\n"
        ));
    }
    repo.write("web/osv-scanner.toml", ignores);
    let sarif = repo.path().join("native.sarif");
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        repo.path().into(),
        "--sarif".into(),
        sarif.clone().into(),
    ];
    args.extend(services.scan_flags());
    args.extend(os(&["--skip", "npm-audit"]));
    let run = scangate(args, repo.path());
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let mut suppressed: Vec<(String, String)> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| {
            let tool = run["tool"]["driver"]["name"].as_str().unwrap().to_string();
            run["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["suppressions"][0]["kind"] == "inSource")
                .map(move |r| (tool.clone(), r["ruleId"].as_str().unwrap().to_string()))
        })
        .collect();
    suppressed.sort();
    let expected: Vec<(String, String)> = [
        ("gosec", "G204"),
        ("gosec", "G702"),
        // The four GHSA ids ignored above, by their CVE aliases (the canonical ids).
        ("osv-scanner", "CVE-2020-28500"),
        ("osv-scanner", "CVE-2020-8203"),
        ("osv-scanner", "CVE-2021-23337"),
        ("osv-scanner", "CVE-2021-44906"),
        ("semgrep", "python-subprocess-shell-true"),
        ("trivy", "DS-0002"),
        ("trivy", "DS-0026"),
    ]
    .iter()
    .map(|(tool, rule)| (tool.to_string(), rule.to_string()))
    .collect();
    assert_eq!(suppressed, expected);
    assert_eq!(run.summary["suppressed"], 9, "{:#}", run.summary);
    assert_eq!(
        run.summary["counts"]["critical"].as_u64().unwrap() + run.summary["counts"]["high"].as_u64().unwrap(),
        0,
        "{:#}",
        run.summary
    );
}
