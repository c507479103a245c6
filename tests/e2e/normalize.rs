//! Issue 3: every scanner's findings, normalized, in one valid SARIF log. Real scanners on
//! repositories the tests build; expectations are the rule, path, line and severity a user sees.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::normalizer_common::reported_count;
use crate::support::{
    assert_exit, assert_github_accepts, assert_valid_sarif, commit_all, example_copy, git_ok, random_token,
    read_summary, require_all_scanners, require_scanner, tool_entry, OfflineServices, Repo, Scangate, ALNUM,
};

/// One SARIF result as a user reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    tool: String,
    rule: String,
    path: String,
    line: i64,
    severity: String,
}

struct Scan {
    output: Output,
    sarif: Value,
    summary: Value,
    raw_dir: tempfile::TempDir,
}

/// `scangate scan ROOT --no-gate` with the given extra flags, keeping SARIF, summary and raw outputs.
fn scan(root: &Path, extra: &[std::ffi::OsString]) -> Scan {
    let out = tempfile::tempdir().expect("temp dir");
    let raw_dir = tempfile::tempdir().expect("temp dir");
    let sarif_path = out.path().join("scan.sarif");
    let summary_path = out.path().join("summary.json");
    let mut args: Vec<std::ffi::OsString> = vec![
        "scan".into(),
        root.into(),
        "--no-gate".into(),
        "--sarif".into(),
        sarif_path.clone().into(),
        "--summary-json".into(),
        summary_path.clone().into(),
        "--raw-dir".into(),
        raw_dir.path().into(),
    ];
    args.extend(extra.iter().cloned());
    let output = Scangate::new(args).run();
    let sarif = serde_json::from_slice(&std::fs::read(&sarif_path).expect("SARIF written")).expect("SARIF is JSON");
    Scan {
        output,
        sarif,
        summary: read_summary(&summary_path),
        raw_dir,
    }
}

fn flags(list: &[&str]) -> Vec<std::ffi::OsString> {
    list.iter().map(Into::into).collect()
}

fn rows(sarif: &Value) -> Vec<Row> {
    let mut rows: Vec<Row> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| {
            let tool = run["tool"]["driver"]["name"].as_str().unwrap().to_string();
            run["results"].as_array().unwrap().iter().map(move |result| {
                let location = &result["locations"][0]["physicalLocation"];
                Row {
                    tool: tool.clone(),
                    rule: result["ruleId"].as_str().unwrap().to_string(),
                    path: location["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                    line: location["region"]["startLine"].as_i64().unwrap(),
                    severity: result["properties"]["severity"].as_str().unwrap().to_string(),
                }
            })
        })
        .collect();
    rows.sort();
    rows
}

fn row(tool: &str, rule: &str, path: &str, line: i64, severity: &str) -> Row {
    Row {
        tool: tool.into(),
        rule: rule.into(),
        path: path.into(),
        line,
        severity: severity.into(),
    }
}

/// No finding lost: what the summary counts for `tool` equals what the tool itself reported in
/// its raw output, counted independently of the parsers.
fn assert_nothing_lost(scan: &Scan, tool: &str) {
    let raw_total: usize = std::fs::read_dir(scan.raw_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{tool}-"))
        })
        .map(|path| reported_count(tool, &std::fs::read(path).unwrap()))
        .sum();
    let summarized: u64 = scan.summary["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == tool)
        .map(|t| t["findings"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(summarized as usize, raw_total, "{tool}: summary {:#}", scan.summary);
}

fn git(repo: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=scangate test", "-c", "user.email=test@example.invalid"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn gitleaks_findings_in_git_history() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write(
        "deploy/settings.py",
        format!("# deploy settings\nDEBUG = False\nGITHUB_TOKEN = \"{token}\"\n"),
    );
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "add settings"]);
    let scan = scan(repo.path(), &flags(&["--tools", "gitleaks"]));
    assert_exit(&scan.output, 0);
    assert_eq!(tool_entry(&scan.summary, "gitleaks")["trigger"], "git history (.git)");
    assert_eq!(
        rows(&scan.sarif),
        [row("gitleaks", "github-pat", "deploy/settings.py", 3, "critical")]
    );
    assert_nothing_lost(&scan, "gitleaks");
}

#[test]
fn semgrep_findings_with_bundled_rules() {
    if !require_scanner("semgrep") {
        return;
    }
    let repo = Repo::new();
    repo.write(
        "app/jobs.py",
        "import os\nimport subprocess\n\n\ndef archive(name):\n    subprocess.run(\"tar czf \" + name, shell=True)\n\n\ndef purge(name):\n    os.system(\"rm \" + name)\n",
    );
    repo.write(
        "app/web.py",
        "from flask import Flask\n\napp = Flask(__name__)\napp.run(debug=True)\n",
    );
    let scan = scan(repo.path(), &flags(&["--tools", "semgrep"]));
    assert_exit(&scan.output, 0);
    assert_eq!(
        rows(&scan.sarif),
        [
            row("semgrep", "python-flask-debug", "app/web.py", 4, "low"),
            row("semgrep", "python-os-system", "app/jobs.py", 10, "medium"),
            row("semgrep", "python-subprocess-shell-true", "app/jobs.py", 6, "high"),
        ]
    );
    assert_nothing_lost(&scan, "semgrep");
}

#[test]
fn gosec_findings_in_each_module() {
    if !require_scanner("gosec") {
        return;
    }
    let repo = Repo::new();
    repo.write("svc/go.mod", "module example.com/svc\n\ngo 1.22\n");
    repo.write(
        "svc/main.go",
        "package main\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\tcmd := exec.Command(os.Args[1])\n\t_ = cmd.Run()\n}\n",
    );
    let scan = scan(repo.path(), &flags(&["--tools", "gosec"]));
    assert_exit(&scan.output, 0);
    assert_eq!(
        rows(&scan.sarif),
        [
            row("gosec", "G204", "svc/main.go", 9, "medium"),
            row("gosec", "G702", "svc/main.go", 9, "high")
        ]
    );
    assert_nothing_lost(&scan, "gosec");
}

#[test]
fn trivy_misconfiguration_findings() {
    if !require_scanner("trivy") {
        return;
    }
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM alpine:3.19\nRUN echo building\n");
    repo.write(
        "infra/net.tf",
        "resource \"aws_security_group\" \"web\" {\n  name = \"web\"\n  description = \"web\"\n\n  ingress {\n    description = \"any\"\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n",
    );
    let scan = scan(repo.path(), &flags(&["--tools", "trivy", "--offline"]));
    assert_exit(&scan.output, 0);
    assert_eq!(
        rows(&scan.sarif),
        [
            row("trivy", "AWS-0107", "infra/net.tf", 10, "high"),
            row("trivy", "DS-0002", "Dockerfile", 1, "high"),
            row("trivy", "DS-0026", "Dockerfile", 1, "low"),
        ]
    );
    assert_nothing_lost(&scan, "trivy");
}

/// A lockfile pinning minimist 1.2.5 (GHSA-xvch-5gv4-984h, critical) and nothing else.
fn minimist_repo() -> Repo {
    let repo = Repo::new();
    repo.write(
        "web/package.json",
        r#"{"name": "web", "version": "1.0.0", "dependencies": {"minimist": "1.2.5"}}"#,
    );
    repo.write(
        "web/package-lock.json",
        r#"{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "web", "version": "1.0.0", "dependencies": {"minimist": "1.2.5"}},
    "node_modules/minimist": {"version": "1.2.5", "license": "MIT"}
  }
}
"#,
    );
    repo
}

#[test]
fn osv_scanner_findings_from_an_offline_database() {
    if !require_scanner("osv-scanner") {
        return;
    }
    let services = OfflineServices::start();
    let repo = minimist_repo();
    let mut extra = flags(&["--tools", "osv-scanner"]);
    extra.extend(services.scan_flags());
    let scan = scan(repo.path(), &extra);
    assert_exit(&scan.output, 0);
    assert_eq!(
        rows(&scan.sarif),
        // GHSA-xvch-5gv4-984h by its CVE alias, the canonical id (issue 26 §4).
        [row(
            "osv-scanner",
            "CVE-2021-44906",
            "web/package-lock.json",
            1,
            "critical"
        )]
    );
    assert_nothing_lost(&scan, "osv-scanner");
}

#[test]
fn npm_audit_findings_from_the_local_advisory_server() {
    if !require_scanner("npm") {
        return;
    }
    let services = OfflineServices::start();
    let repo = minimist_repo();
    let mut extra = flags(&["--tools", "npm-audit"]);
    extra.extend(services.scan_flags());
    let scan = scan(repo.path(), &extra);
    assert_exit(&scan.output, 0);
    assert_eq!(
        rows(&scan.sarif),
        [row(
            "npm-audit",
            "GHSA-xvch-5gv4-984h",
            "web/package-lock.json",
            1,
            "critical"
        )]
    );
    assert_nothing_lost(&scan, "npm-audit");
}

/// Scans a copy of the example with all six scanners and the offline services.
fn scan_example(root: &Path, services: &OfflineServices) -> Scan {
    let scan = scan(root, &services.scan_flags());
    assert_exit(&scan.output, 0);
    for tool in ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"] {
        assert_eq!(tool_entry(&scan.summary, tool)["status"], "ok", "{:#}", scan.summary);
        assert_nothing_lost(&scan, tool);
    }
    scan
}

fn fingerprints(sarif: &Value) -> Vec<(String, String)> {
    let mut prints: Vec<(String, String)> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .map(|r| {
            let fingerprint = r["partialFingerprints"]["scangate/v1"]
                .as_str()
                .expect("every result has one");
            (r["ruleId"].as_str().unwrap().to_string(), fingerprint.to_string())
        })
        .collect();
    prints.sort();
    prints
}

#[test]
fn fingerprints_survive_ten_blank_lines_on_top_of_every_file() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let before = scan_example(example.path(), &services);
    let mut files: Vec<String> = rows(&before.sarif).into_iter().map(|r| r.path).collect();
    files.sort();
    files.dedup();
    assert!(files.len() >= 6, "{files:?}");
    for file in &files {
        let path = example.path().join(file);
        let contents = std::fs::read(&path).unwrap();
        std::fs::write(&path, [b"\n".repeat(10), contents].concat()).unwrap();
    }
    let after = scan_example(example.path(), &services);
    let moved = rows(&after.sarif).iter().filter(|r| r.line > 10).count();
    assert!(
        moved >= 10,
        "the edit did not move the findings: {:#?}",
        rows(&after.sarif)
    );
    // 28 findings from six tools; the four npm advisories osv-scanner also reports are one each,
    // and so are the three weaknesses of main.go that gosec and semgrep both report.
    assert_eq!(fingerprints(&before.sarif).len(), 21);
    assert_eq!(fingerprints(&before.sarif), fingerprints(&after.sarif));
}

#[test]
fn example_sarif_is_valid_for_sarif_multitool_and_the_schema() {
    if !require_all_scanners() || !require_scanner("sarif-multitool") {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let scan = scan_example(example.path(), &services);
    let sarif_file = scan.raw_dir.path().join("example.sarif");
    std::fs::write(&sarif_file, serde_json::to_vec(&scan.sarif).unwrap()).unwrap();
    assert_valid_sarif(&scan.sarif, &sarif_file);
    assert_github_accepts(&sarif_file);
}

#[test]
fn secrets_never_leak_into_any_output() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let upper: Vec<u8> = (b'A'..=b'Z').chain(b'2'..=b'7').collect();
    let secrets = [
        format!("ghp_{}", random_token(ALNUM, 36)),
        format!("AKIA{}", random_token(&upper, 16)),
        format!("sk_live_{}", random_token(ALNUM, 32)),
    ];
    let repo = Repo::new();
    repo.write(
        "config/prod.py",
        format!(
            "GITHUB_TOKEN = \"{}\"\nAWS_ACCESS_KEY_ID = \"{}\"\nSTRIPE_KEY = \"{}\"\n",
            secrets[0], secrets[1], secrets[2]
        ),
    );
    repo.write(
        "Dockerfile",
        format!("FROM alpine:3.19\nENV GITHUB_TOKEN={}\n", secrets[0]),
    );
    let scan = scan(
        repo.path(),
        &flags(&["--offline", "--tools", "gitleaks,semgrep,trivy", "-vv"]),
    );
    assert_exit(&scan.output, 0);
    let found = tool_entry(&scan.summary, "gitleaks")["findings"].as_u64().unwrap();
    assert!(
        found >= 3,
        "gitleaks must see the planted secrets for this test to mean anything: {found}"
    );
    let outputs = [
        ("SARIF", serde_json::to_string(&scan.sarif).unwrap()),
        ("summary", serde_json::to_string(&scan.summary).unwrap()),
        ("stdout", String::from_utf8_lossy(&scan.output.stdout).into_owned()),
        ("stderr", String::from_utf8_lossy(&scan.output.stderr).into_owned()),
    ];
    for (name, text) in &outputs {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret value reached the {name}");
            assert!(
                !text.contains(&secret[secret.len() - 12..]),
                "part of a secret value reached the {name}"
            );
        }
    }
}

/// gitleaks reports columns one too many on every line of a scanned fragment but its first; the
/// SARIF regions name the secret's real columns, in the history scan and in a directory scan.
#[test]
fn gitleaks_columns_match_the_source() {
    if !require_scanner("gitleaks") {
        return;
    }
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    let repo = Repo::new();
    repo.write("config.py", format!("x = 1\n\nkey = \"{token}\"\n"));
    let columns = |scan: &Scan| -> Vec<(u64, u64, u64)> {
        let results = scan.sarif["runs"][0]["results"].as_array().unwrap().clone();
        results
            .iter()
            .map(|result| {
                let region = &result["locations"][0]["physicalLocation"]["region"];
                let number = |key: &str| region[key].as_u64().unwrap();
                (number("startLine"), number("startColumn"), number("endColumn"))
            })
            .collect()
    };
    // "key = \"" is 7 characters: the token spans columns 8..=47, SARIF's end is one past.
    let directory = scan(repo.path(), &flags(&["--tools", "gitleaks"]));
    assert_eq!(columns(&directory), [(3, 8, 48)], "directory scan");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "config");
    let history = scan(repo.path(), &flags(&["--tools", "gitleaks"]));
    assert_eq!(columns(&history), [(3, 8, 48)], "history scan");
}

/// trivy names a CloudFormation resource by its lines (`template.yaml:3-6`); its findings'
/// fingerprints still survive five lines inserted above, and two buckets keep two identities.
#[test]
fn cloudformation_fingerprints_survive_inserted_lines() {
    if !require_scanner("trivy") {
        return;
    }
    let template = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  LogsBucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: logs\n  DataBucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: data\n";
    let repo = Repo::new();
    repo.write("infra/template.yaml", template);
    let before = scan(repo.path(), &flags(&["--tools", "trivy", "--offline"]));
    let prints = fingerprints(&before.sarif);
    assert!(prints.len() >= 4, "trivy's S3 checks on two buckets: {prints:?}");
    let mut distinct = prints.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), prints.len(), "each bucket has its own fingerprint");
    repo.write("infra/template.yaml", format!("# 1\n# 2\n# 3\n# 4\n# 5\n{template}"));
    let after = scan(repo.path(), &flags(&["--tools", "trivy", "--offline"]));
    assert_eq!(fingerprints(&after.sarif), prints);
}
