//! The SARIF writer and reader: schema validity, GitHub's limits, secrets, round trips.
// Tests say loudly when they skip for want of shared/ or recorded fixtures.
#![allow(clippy::print_stderr)]

mod common;

use std::path::Path;

use common::{crate_dir, shared};
use scangate_normalizer::{
    dedup, parse, read_sarif, split_by_first_tool, to_sarif, to_sarif_with, write_sarif, Finding, Kind, Location,
    NativeSuppression, Package, PolicySuppression, SarifOptions, Severity, ToolRun,
};
use serde_json::Value;

fn finding(tool: &str, rule: &str, path: &str, line: u64, severity: Severity, fingerprint: String) -> Finding {
    let mut finding = Finding::new(tool, Kind::Code, rule, severity);
    finding.title = format!("title of {rule}");
    finding.message = format!("{rule} here");
    finding.tool_severity = severity.as_str().to_uppercase();
    finding.location = Some(Location {
        path: path.to_owned(),
        start_line: Some(line),
        end_line: Some(line),
        start_column: Some(3),
        end_column: Some(9),
    });
    finding.cwes = vec!["CWE-78".to_owned()];
    finding.confidence = Some("high".to_owned());
    finding.fingerprint = fingerprint;
    finding
}

/// Findings from every recorded output and a few samples, deduped and split per tool as the cli does.
fn realistic_runs() -> Vec<ToolRun> {
    let local = crate_dir().join("tests/fixtures/local");
    let root = crate_dir().join("../../examples/vulnerable-app");
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for (tool, file) in [
        ("gitleaks", "gitleaks-dir.json"),
        ("semgrep", "semgrep.json"),
        ("gosec", "gosec.json"),
    ] {
        let parsed = parse(tool, &std::fs::read(local.join(file)).unwrap(), &root).unwrap();
        all.extend(parsed.findings);
        errors.push((tool, parsed.warnings));
    }
    for (tool, file) in [
        ("trivy", "npm.json.golden"),
        ("trivy", "dockerfile.json.golden"),
        ("osv-scanner", "test-vuln-results-a.json"),
        ("npm-audit", "arborist-nyc-mkdirp.v2.json"),
    ] {
        if let Some(path) = shared(&format!("samples/{tool}/{file}")) {
            all.extend(
                parse(tool, &std::fs::read(path).unwrap(), Path::new("/path/to"))
                    .unwrap()
                    .findings,
            );
        }
    }
    let mut runs: Vec<ToolRun> = split_by_first_tool(dedup(all))
        .into_iter()
        .map(|(tool, findings)| ToolRun {
            version: Some("1.0.0".to_owned()),
            findings,
            ..ToolRun {
                tool,
                ..ToolRun::default()
            }
        })
        .collect();
    runs[0].warnings.push("a warning".to_owned());
    runs.push(ToolRun {
        tool: "gosec".to_owned(),
        tool_errors: vec!["gosec Golang error in x.go:1: boom".to_owned()],
        ..ToolRun::default()
    });
    runs
}

fn validate(log: &Value) -> bool {
    let Some(path) = shared("schemas/sarif/sarif-schema-2.1.0.json") else {
        return false;
    };
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {}}]});
    assert!(
        !validator.is_valid(&broken),
        "the validator must reject a run without a driver"
    );
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(20)
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors:\n{}", errors.join("\n"));
    true
}

#[test]
fn sarif_validates_against_the_schema_and_has_the_contract_fields() {
    let root = Path::new("/work/my repo/é");
    let runs = realistic_runs();
    let log = serde_json::to_value(to_sarif(&runs, root).sarif).unwrap();
    validate(&log);
    let runs_json = log["runs"].as_array().unwrap();
    let tools: Vec<&str> = runs_json
        .iter()
        .map(|r| r["tool"]["driver"]["name"].as_str().unwrap())
        .collect();
    let mut unique = tools.clone();
    unique.dedup();
    assert_eq!(tools, unique, "one run per tool");
    for run in runs_json {
        let tool = run["tool"]["driver"]["name"].as_str().unwrap();
        assert_eq!(run["automationDetails"]["id"], format!("scangate/{tool}/"));
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/my%20repo/%C3%A9/"
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "rule ids unique in {tool}");
        for rule in rules {
            assert!(rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .contains(&Value::from("security")));
            assert!(rule["help"]["text"].is_string() && rule["shortDescription"]["text"].is_string());
        }
        for result in run["results"].as_array().unwrap() {
            assert!(result["level"].is_string());
            assert_eq!(result["partialFingerprints"]["scangate/v1"].as_str().unwrap().len(), 64);
            let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], result["ruleId"]);
            let severity = result["properties"]["severity"].as_str().unwrap();
            if severity != "info" {
                let score: f64 = rule["properties"]["security-severity"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(score > 0.0 && score <= 10.0);
            }
            let location = &result["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            if let Some(line) = location["region"]["startLine"].as_u64() {
                assert!(line >= 1);
            }
        }
    }
    let gosec = runs_json
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "gosec")
        .unwrap();
    assert_eq!(gosec["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        gosec["invocations"][0]["toolExecutionNotifications"][0]["level"],
        "error"
    );
}

#[test]
fn streamed_log_equals_the_built_one() {
    let root = Path::new("/repo");
    let runs = realistic_runs();
    let built = serde_json::to_value(to_sarif(&runs, root).sarif).unwrap();
    let mut bytes = Vec::new();
    write_sarif(&mut bytes, &runs, &SarifOptions::new(root)).unwrap();
    let streamed: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(built, streamed);
}

#[test]
fn thirty_thousand_results_keep_the_25000_most_severe() {
    let severities = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let findings: Vec<Finding> = (0..30_000u64)
        .map(|i| {
            finding(
                "semgrep",
                &format!("rule-{}", i % 7),
                &format!("src/f{}.py", i % 100),
                i + 1,
                severities[(i % 5) as usize],
                format!("{i:064x}"),
            )
        })
        .collect();
    let runs = vec![ToolRun {
        tool: "semgrep".to_owned(),
        findings,
        ..ToolRun::default()
    }];
    let output = to_sarif(&runs, Path::new("/repo"));
    let results = output.sarif.runs[0].results.as_ref().unwrap();
    assert_eq!(results.len(), 25_000);
    let kept: Vec<&str> = results
        .iter()
        .map(|r| {
            r.properties.as_ref().unwrap().additional_properties["severity"]
                .as_str()
                .unwrap()
        })
        .collect();
    // 6,000 of each severity: critical, high, medium, low all kept, 1,000 info kept, 5,000 info dropped.
    assert_eq!(kept.iter().filter(|s| **s == "info").count(), 1_000);
    assert_eq!(kept.iter().filter(|s| **s == "critical").count(), 6_000);
    assert_eq!(kept[0], "critical");
    assert_eq!(output.notes.len(), 1);
    assert!(
        output.notes[0].contains("kept the 25000 most severe of 30000 results; dropped 5000"),
        "{}",
        output.notes[0]
    );
    assert!(output.notes[0].contains("info 5000"), "{}", output.notes[0]);
    let log = serde_json::to_value(&output.sarif).unwrap();
    let notification = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "warning");
    assert!(notification["message"]["text"]
        .as_str()
        .unwrap()
        .contains("dropped 5000"));
    let small = SarifOptions {
        max_results_per_run: 10,
        ..SarifOptions::new(Path::new("/repo"))
    };
    assert_eq!(
        to_sarif_with(&runs, &small).sarif.runs[0]
            .results
            .as_ref()
            .unwrap()
            .len(),
        10
    );
}

/// Random-looking secrets made at run time, so no fixture holds them.
fn fake_secret(prefix: &str, len: usize) -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = seed ^ (prefix.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let body: String = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize] as char
        })
        .collect();
    format!("{prefix}{body}")
}

#[test]
fn fake_secrets_never_reach_the_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let aws = fake_secret("AKIA", 16);
    let github = fake_secret("ghp_", 36);
    let generic = fake_secret("", 32);
    std::fs::write(
        dir.path().join("creds.env"),
        format!("AWS={aws}\nGH={github}\napi_key = \"{generic}\"\n"),
    )
    .unwrap();
    // Unredacted (as if someone ran gitleaks without --redact), redacted, and history mode.
    let report = serde_json::json!([
        {"RuleID":"aws-access-token","Description":"AWS","File":"creds.env","StartLine":1,"EndLine":1,"StartColumn":5,"EndColumn":24,"Match":format!("AWS={aws}"),"Secret":aws,"Commit":""},
        {"RuleID":"github-pat","Description":"GitHub PAT","File":"creds.env","StartLine":2,"EndLine":2,"StartColumn":4,"EndColumn":43,"Match":"REDACTED","Secret":"REDACTED","Commit":""},
        {"RuleID":"generic-api-key","Description":format!("Generic API Key"),"File":"creds.env","StartLine":3,"EndLine":3,"StartColumn":1,"EndColumn":44,"Match":format!("api_key = \"{generic}\""),"Secret":generic,"Commit":"0123456789abcdef"}
    ]);
    let parsed = parse("gitleaks", &serde_json::to_vec(&report).unwrap(), dir.path()).unwrap();
    let runs = vec![ToolRun::new("gitleaks", parsed)];
    let mut bytes = Vec::new();
    write_sarif(&mut bytes, &runs, &SarifOptions::new(dir.path())).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    for secret in [&aws, &github, &generic] {
        assert!(!text.contains(secret.as_str()), "secret leaked into SARIF");
    }
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["runs"][0]["results"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let broken = format!("[{{\"RuleID\":\"x\",\"File\":\"a\",\"StartLine\":\"{aws}\"}}]");
    let error = parse("gitleaks", broken.as_bytes(), dir.path())
        .unwrap_err()
        .to_string();
    assert!(!error.contains(&aws), "secret leaked into an error: {error}");
}

#[test]
fn read_sarif_round_trips_our_logs() {
    let runs = realistic_runs();
    let log = to_sarif(&runs, Path::new("/repo")).sarif;
    let back = read_sarif(&serde_json::to_vec(&log).unwrap()).unwrap();
    let original: Vec<&Finding> = runs.iter().flat_map(|r| &r.findings).collect();
    let read: Vec<&Finding> = back.iter().flat_map(|r| &r.findings).collect();
    assert_eq!(original.len(), read.len());
    for (a, b) in original.iter().zip(&read) {
        assert_eq!(
            (&a.fingerprint, a.severity, &a.tools, &a.rule_id),
            (&b.fingerprint, b.severity, &b.tools, &b.rule_id)
        );
        assert_eq!(
            a.location.as_ref().map(|l| &l.path),
            b.location.as_ref().map(|l| &l.path)
        );
        assert_eq!(a.package, b.package);
        assert_eq!(a.kind, b.kind);
    }
    assert_eq!(back.iter().find(|r| r.tool == "gosec").unwrap().tool_errors.len(), 1);
}

#[test]
fn read_sarif_of_other_tools_uses_security_severity_then_level() {
    let log = serde_json::json!({"version":"2.1.0","runs":[{"tool":{"driver":{"name":"other","rules":[
        {"id":"A","properties":{"security-severity":"9.8"}},{"id":"B"}]}},
      "results":[
        {"ruleId":"A","ruleIndex":0,"level":"warning","message":{"text":"a"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/my%20file.go"},"region":{"startLine":3}}}]},
        {"ruleId":"B","level":"error","message":{"text":"b"}},
        {"ruleId":"B","level":"note","message":{"text":"b"}},
        {"ruleId":"B","level":"none","message":{"text":"b"},"suppressions":[{"kind":"inSource","justification":"ok"}]},
        {"ruleId":"B","message":{"text":"b"}}]}]});
    let runs = read_sarif(&serde_json::to_vec(&log).unwrap()).unwrap();
    let findings = &runs[0].findings;
    let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        severities,
        [
            Severity::Critical,
            Severity::High,
            Severity::Low,
            Severity::Info,
            Severity::Medium
        ]
    );
    assert_eq!(findings[0].location.as_ref().unwrap().path, "src/my file.go");
    assert_eq!(findings[0].tools, ["other"]);
    assert_eq!(
        findings[3].native_suppression,
        Some(NativeSuppression {
            kind: "inSource".to_owned(),
            justification: Some("ok".to_owned()),
            origin: None,
        })
    );
    assert_ne!(
        findings[1].fingerprint, findings[4].fingerprint,
        "occurrence index breaks ties"
    );
    assert_eq!(findings[2].fingerprint.len(), 64);
}

#[test]
fn rule_security_severity_is_the_max_and_clamped() {
    let mut low = finding(
        "trivy",
        "CVE-1",
        "package-lock.json",
        1,
        Severity::Medium,
        "a".repeat(64),
    );
    low.cvss_score = Some(9.8);
    let mut high = finding("trivy", "CVE-1", "package-lock.json", 2, Severity::High, "b".repeat(64));
    high.cvss_score = Some(7.5);
    high.package = Some(Package {
        ecosystem: "npm".into(),
        name: "x".into(),
        version: None,
        fixed_version: None,
    });
    let mut suppressed = finding("trivy", "CVE-2", "a b/ü.tf", 1, Severity::Info, "c".repeat(64));
    suppressed.native_suppression = Some(NativeSuppression {
        kind: "trivyignore".into(),
        justification: None,
        origin: None,
    });
    let mut run = ToolRun {
        tool: "trivy".into(),
        findings: vec![low, high, suppressed],
        ..ToolRun::default()
    };
    run.policy_suppressions.insert(
        "b".repeat(64),
        PolicySuppression {
            justification: Some("accepted risk".into()),
            status: None,
            origin: None,
        },
    );
    let log = serde_json::to_value(to_sarif(&[run], Path::new("/repo")).sarif).unwrap();
    validate(&log);
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(
        rules[0]["properties"]["security-severity"], "7.5",
        "max of medium 6.9 (9.8 clamped) and high 7.5"
    );
    assert!(
        rules[1]["properties"].get("security-severity").is_none(),
        "none for info"
    );
    let results = &log["runs"][0]["results"];
    assert_eq!(results[0]["level"], "warning");
    assert_eq!(results[1]["level"], "error");
    assert_eq!(results[2]["level"], "note");
    assert_eq!(results[1]["suppressions"][0]["kind"], "external");
    assert_eq!(results[2]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%20b/%C3%BC.tf"
    );
}

#[test]
fn a_log_of_more_runs_than_github_accepts_is_not_written() {
    let runs_of = |count: usize| -> Vec<ToolRun> {
        (0..count)
            .map(|i| ToolRun {
                tool: format!("tool-{i}"),
                ..ToolRun::default()
            })
            .collect()
    };
    let options = SarifOptions::new(Path::new("/repo"));
    let mut written = Vec::new();
    write_sarif(&mut written, &runs_of(20), &options).expect("20 runs are accepted");
    let error = write_sarif(&mut Vec::new(), &runs_of(21), &options).unwrap_err();
    assert!(error.to_string().contains("21 runs"), "{error}");
    // Runs of one tool are one SARIF run: 30 parts of two tools are two runs.
    let mut parts = runs_of(2);
    parts = parts.iter().cycle().take(30).cloned().collect();
    let mut merged = Vec::new();
    write_sarif(&mut merged, &parts, &options).expect("two tools");
    let log: Value = serde_json::from_slice(&merged).unwrap();
    assert_eq!(log["runs"].as_array().unwrap().len(), 2);
}
