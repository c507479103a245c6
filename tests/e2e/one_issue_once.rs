//! Issue 26 §3: one issue, once. A vulnerability that osv-scanner, npm audit and trivy all report
//! is one finding in every output — SARIF, the summary JSON, GitHub's annotations and step
//! summary, the rdjson reviewdog reads, GitLab's dependency-scanning and Code Quality reports, the
//! HTML page — each listing the three tools, and every output counts the same findings.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::dependencies::write_npm_project;
use crate::review_comments::{reviewdog, Reported};
use crate::support::{
    assert_exit, read_summary, require_scanner, require_test_tool, trivy_offline_db, OfflineServices, Repo, Scangate,
};

/// The three advisories of minimist 1.2.5 and lodash 4.17.20, by their canonical ids.
const ADVISORIES: [&str; 3] = ["CVE-2020-28500", "CVE-2021-23337", "CVE-2021-44906"];
const TOOLS: &str = "osv-scanner, npm-audit, trivy";

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("JSON")
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

#[test]
fn a_vulnerability_three_tools_reported_is_one_finding_in_every_output() {
    if !["osv-scanner", "npm"].into_iter().all(require_scanner) || !require_test_tool("reviewdog") {
        return;
    }
    let Some(trivy_db) = trivy_offline_db() else {
        return;
    };
    let services = OfflineServices::start();
    let repo = Repo::new();
    write_npm_project(&repo, "web", &[("minimist", "1.2.5"), ("lodash", "4.17.20")], &[]);
    let out = tempfile::tempdir().expect("temp dir");
    let at = |name: &str| out.path().join(name);
    let step_summary = at("step-summary.md");
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into()];
    for (flag, file) in [
        ("--sarif", "scan.sarif"),
        ("--summary-json", "summary.json"),
        ("--html", "report.html"),
        ("--rdjson", "scan.rdjson"),
        ("--gitlab-dir", "gl"),
    ] {
        args.extend([flag.into(), at(file).into()]);
    }
    args.extend(
        [
            "--tools",
            "osv-scanner,npm-audit,trivy",
            "--no-gate",
            "--format",
            "github",
        ]
        .map(OsString::from),
    );
    args.extend(["--trivy-cache-dir".into(), trivy_db.path().into()]);
    args.extend(services.scan_flags());
    let output = Scangate::new(args).env("GITHUB_STEP_SUMMARY", &step_summary).run();
    assert_exit(&output, 0);

    // SARIF: three results, all in osv-scanner's run, each listing the three tools.
    let results = sarif_results(&read_json(&at("scan.sarif")));
    let expected: Vec<(String, String, String, bool)> = ADVISORIES
        .iter()
        .map(|id| result("osv-scanner", id, TOOLS, false))
        .collect();
    assert_eq!(results, expected);

    // The summary JSON counts them once; each tool's own count is what it reported.
    let summary = read_summary(&at("summary.json"));
    let counted: u64 = summary["counts"]
        .as_object()
        .expect("counts")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(counted, 3, "{summary:#}");

    // GitHub: one annotation per finding, its title naming the three tools.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let annotations: Vec<&str> = stdout.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(annotations.len(), 3, "{stdout}");
    for (annotation, id) in annotations.iter().zip(annotated_ids(&annotations)) {
        assert!(
            annotation.contains("(osv-scanner%2C npm-audit%2C trivy)"),
            "{annotation}"
        );
        assert!(ADVISORIES.contains(&id.as_str()), "{annotation}");
    }
    // The step summary's tool rows add up to its total: npm audit's and trivy's findings are
    // counted in osv-scanner's row, and a line says so.
    let markdown = std::fs::read_to_string(&step_summary).expect("step summary written");
    let row = |tool: &str| -> u64 {
        let line = markdown
            .lines()
            .find(|line| line.starts_with(&format!("| {tool} |")))
            .unwrap_or_else(|| panic!("no {tool} row in {markdown}"));
        line.split('|')
            .skip(4)
            .filter_map(|cell| cell.trim().parse::<u64>().ok())
            .sum()
    };
    assert_eq!(
        ["osv-scanner", "npm-audit", "trivy", "**total**"].map(row),
        [3, 0, 0, 3],
        "{markdown}"
    );
    for tool in ["npm-audit", "trivy"] {
        let said =
            format!("- {tool}: 3 more findings it reported, also reported by osv-scanner, counted once in that row");
        assert!(markdown.contains(&said), "{markdown}");
    }

    // rdjson: one diagnostic per finding, and the real reviewdog comments once on each.
    let rdjson_text = std::fs::read(at("scan.rdjson")).expect("rdjson written");
    let rdjson: Value = serde_json::from_slice(&rdjson_text).expect("JSON");
    let diagnostics = rdjson["diagnostics"].as_array().expect("diagnostics");
    assert!(diagnostics.iter().all(|d| d["source"]["name"] == TOOLS), "{rdjson:#}");
    let comments = reviewdog(repo.path(), &["-filter-mode=nofilter"], &rdjson_text);
    let rules: Vec<String> = comments.lines().map(|line| Reported::parse(line).rule).collect();
    assert_eq!(sorted(rules), ADVISORIES, "{comments}");

    // GitLab: one dependency-scanning vulnerability and one Code Quality entry per finding.
    let gitlab = read_json(&at("gl/gl-dependency-scanning-report.json"));
    let vulnerabilities = gitlab["vulnerabilities"].as_array().expect("vulnerabilities");
    let names: Vec<String> = vulnerabilities
        .iter()
        .map(|v| v["identifiers"][0]["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sorted(names), ADVISORIES, "{gitlab:#}");
    assert!(vulnerabilities.iter().all(|v| v["description"]
        .as_str()
        .unwrap()
        .contains(&format!("Reported by: {TOOLS}"))));
    let quality = read_json(&at("gl/gl-code-quality-report.json"));
    let checks: Vec<String> = quality
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            assert_eq!(entry["engine_name"], TOOLS, "{entry:#}");
            entry["check_name"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(sorted(checks), ADVISORIES);

    // HTML: one table row per finding, listing the three tools; the chart's bars add up to 3.
    let html = std::fs::read_to_string(at("report.html")).expect("HTML written");
    let rows: Vec<&str> = html.split("<tr data-severity=").skip(1).collect();
    assert_eq!(rows.len(), 3, "{html}");
    assert!(rows.iter().all(|row| row.contains(&format!("<td>{TOOLS}</td>"))));
    let charted: u64 = html
        .split("data-count=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(charted, 3, "{html}");
}

/// The advisory id each annotation names (its title: `severity ID: title (tools)`).
fn annotated_ids(annotations: &[&str]) -> Vec<String> {
    annotations
        .iter()
        .map(|line| {
            let title = line.split("title=").nth(1).expect("a title");
            title
                .split(' ')
                .nth(1)
                .expect("severity, then the id")
                .trim_end_matches("%3A")
                .to_owned()
        })
        .collect()
}

/// A Go program that hashes a password with MD5 on line 10: gosec (G401) and the bundled semgrep
/// rule `go-weak-hash` both report that line for CWE-328; gosec also reports the import (G501).
fn write_weak_hash(repo: &Repo, hash_line_comment: &str) {
    repo.write("go.mod", "module example.com/weakhash\n\ngo 1.22\n");
    repo.write(
        "main.go",
        format!(
            "package main\n\nimport (\n\t\"crypto/md5\" // #nosec G501 -- checksums only\n\t\"fmt\"\n\t\"os\"\n)\n\n\
             func main() {{\n\tsum := md5.Sum([]byte(password())){hash_line_comment}\n\tfmt.Printf(\"%x\\n\", sum)\n}}\n\n\
             func password() string {{\n\treturn os.Args[1]\n}}\n"
        ),
    );
}

/// (run, rule id, tools, suppressed) of every SARIF result, sorted.
fn sarif_results(sarif: &Value) -> Vec<(String, String, String, bool)> {
    let mut results = Vec::new();
    for run in sarif["runs"].as_array().expect("runs") {
        for result in run["results"].as_array().expect("results") {
            let tools: Vec<&str> = result["properties"]["tools"]
                .as_array()
                .expect("tools")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            results.push((
                run["tool"]["driver"]["name"].as_str().unwrap().to_owned(),
                result["ruleId"].as_str().unwrap().to_owned(),
                tools.join(", "),
                result["suppressions"].as_array().is_some_and(|s| !s.is_empty()),
            ));
        }
    }
    results.sort();
    results
}

fn result(run: &str, rule: &str, tools: &str, suppressed: bool) -> (String, String, String, bool) {
    (run.to_owned(), rule.to_owned(), tools.to_owned(), suppressed)
}

#[test]
fn a_weakness_two_code_scanners_report_on_one_line_is_one_finding_and_each_ignore_is_its_own_tool_s() {
    if !["semgrep", "gosec"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    write_weak_hash(&repo, "");
    let out = tempfile::tempdir().expect("temp dir");
    let at = |name: &str| out.path().join(name);
    let scan = |sarif: &str, tools: &str, extra: &[&str]| {
        let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into(), "--sarif".into(), at(sarif).into()];
        args.extend(["--tools", tools, "--level", "1"].map(OsString::from));
        args.extend(extra.iter().map(OsString::from));
        Scangate::new(args).run()
    };
    let both = scan("both.sarif", "gitleaks,semgrep,gosec", &["--format", "github"]);
    assert_exit(&both, 0);
    assert_eq!(
        sarif_results(&read_json(&at("both.sarif"))),
        [
            result("gosec", "G501", "gosec", true),
            result("semgrep", "go-weak-hash", "semgrep, gosec", false),
        ],
        "G401 is go-weak-hash's line, in semgrep's run"
    );
    let stdout = String::from_utf8_lossy(&both.stdout);
    let annotations: Vec<&str> = stdout.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "{stdout}");
    assert!(annotations[0].contains("(semgrep%2C gosec)"), "{}", annotations[0]);

    // A sharded pipeline (one part per scanner) gates to the same single finding.
    for (part, tool) in [("semgrep.sarif", "gitleaks,semgrep"), ("gosec.sarif", "gosec")] {
        assert_exit(&scan(part, tool, &["--no-gate"]), 0);
    }
    // The dependency scanners apply to a Go module; this pipeline runs none of them.
    let gate_policy = at("gate-policy.toml");
    std::fs::write(&gate_policy, "optional = [\"trivy\", \"osv-scanner\"]\n").expect("policy written");
    let mut args: Vec<OsString> = vec!["gate".into(), at("semgrep.sarif").into(), at("gosec.sarif").into()];
    args.extend(["--level", "1", "--policy"].map(OsString::from));
    args.extend([gate_policy.into(), "--sarif".into(), at("gated.sarif").into()]);
    assert_exit(&Scangate::new(args).run(), 0);
    assert_eq!(
        sarif_results(&read_json(&at("gated.sarif"))),
        sarif_results(&read_json(&at("both.sarif")))
    );

    // gosec's own ignore comment hides gosec's report only: semgrep's stays, and counts.
    write_weak_hash(&repo, " // #nosec G401 -- checksums only");
    let policy = at("policy.toml");
    std::fs::write(&policy, "[thresholds]\nmax_medium = 0\n").expect("policy written");
    let policy = policy.to_str().expect("a UTF-8 temp path");
    let nosec = scan("nosec.sarif", "gitleaks,semgrep,gosec", &["--policy", policy]);
    assert_exit(&nosec, 1);
    assert_eq!(
        sarif_results(&read_json(&at("nosec.sarif"))),
        [
            result("gosec", "G401", "gosec", true),
            result("gosec", "G501", "gosec", true),
            result("semgrep", "go-weak-hash", "semgrep", false),
        ]
    );
}
