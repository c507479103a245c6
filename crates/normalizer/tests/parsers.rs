//! Each parser on real outputs: recorded from the pinned scanners on examples/vulnerable-app, and
//! the upstream samples in shared/samples. Counts are checked against the raw JSON: no finding lost.
// Tests say loudly when they skip for want of shared/ or recorded fixtures.
#![allow(clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};

use common::{crate_dir, reported_count, shared};
use scangate_normalizer::{parse, parse_with, Context, Finding, Kind, Severity};

fn example_root() -> PathBuf {
    crate_dir().join("../../examples/vulnerable-app")
}

/// The root gosec ran in when recording (it prints absolute paths).
const RECORDED_ROOT: &str = "/work/main/examples/vulnerable-app";

fn local(name: &str) -> Vec<u8> {
    std::fs::read(crate_dir().join("tests/fixtures/local").join(name)).expect("fixture")
}

fn rows(findings: &[Finding]) -> Vec<(String, String, Option<u64>, Severity)> {
    findings
        .iter()
        .map(|f| {
            let location = f.location.as_ref().expect("location");
            (
                f.rule_id.clone(),
                location.path.clone(),
                location.start_line,
                f.severity,
            )
        })
        .collect()
}

fn row(rule: &str, path: &str, line: u64, severity: Severity) -> (String, String, Option<u64>, Severity) {
    (rule.to_owned(), path.to_owned(), Some(line), severity)
}

#[test]
fn gitleaks_recorded_dir_mode() {
    let output = local("gitleaks-dir.json");
    let parsed = parse("gitleaks", &output, &example_root()).unwrap();
    assert_eq!(parsed.findings.len(), reported_count("gitleaks", &output));
    assert_eq!(
        rows(&parsed.findings),
        [
            row("github-pat", "config/settings.py", 7, Severity::Critical),
            row("stripe-access-token", "config/settings.py", 8, Severity::Critical)
        ]
    );
    assert!(parsed
        .findings
        .iter()
        .all(|f| f.kind == Kind::Secret && f.fingerprint.len() == 64));
}

#[test]
fn semgrep_recorded_with_scratch_prefix() {
    let output = local("semgrep.json");
    let prefixes = vec!["tmp.ng.scratch".to_owned()];
    let root = example_root();
    let context = Context {
        rule_prefixes: &prefixes,
        ..Context::new(&root)
    };
    let parsed = parse_with("semgrep", &output, &context).unwrap();
    assert_eq!(parsed.findings.len(), reported_count("semgrep", &output));
    assert_eq!(
        rows(&parsed.findings),
        [
            row("go-exec-shell-command", "main.go", 16, Severity::High),
            row("go-sql-string-concatenation", "main.go", 27, Severity::High),
            row("python-subprocess-shell-true", "tools/backup.py", 9, Severity::High),
            row("python-os-system", "tools/backup.py", 13, Severity::Medium),
            row("js-child-process-exec", "web/server.js", 7, Severity::High),
        ]
    );
    assert!(parsed.tool_errors.is_empty());
}

#[test]
fn gosec_recorded_absolute_paths() {
    let output = local("gosec.json");
    let parsed = parse("gosec", &output, Path::new(RECORDED_ROOT)).unwrap();
    assert_eq!(parsed.findings.len(), reported_count("gosec", &output));
    let got = rows(&parsed.findings);
    assert_eq!(got[0], row("G701", "main.go", 27, Severity::High));
    assert_eq!(got[6], row("G104", "main.go", 38, Severity::Low));
    assert!(parsed.findings.iter().all(|f| f.confidence.as_deref() == Some("high")));
    assert!(parsed.tool_errors.is_empty());
    // Two G104 on different lines, and G701/G202 on the same line, keep distinct fingerprints.
    let mut fingerprints: Vec<_> = parsed.findings.iter().map(|f| f.fingerprint.clone()).collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), parsed.findings.len());
}

/// Outputs recorded from the pinned scanners in tests/fixtures/recorded/<tool>/ (each with its
/// command beside it, run in /tmp/scangate-example): nothing is lost, and a recorded error is
/// never read as a clean result.
#[test]
fn recorded_outputs_parse_and_lose_nothing() {
    let dir = crate_dir().join("tests/fixtures/recorded");
    let root = std::path::Path::new("/tmp/scangate-example");
    let mut seen = 0;
    for tool in scangate_normalizer::parser_names() {
        let Ok(entries) = std::fs::read_dir(dir.join(tool)) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let output = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy();
            let parsed = parse(tool, &output, root);
            if name.starts_with("error-") && tool != "osv-scanner" {
                // osv-scanner's failures are told by exit code and stderr (the runner judges them).
                assert!(
                    parsed.map_or(true, |p| !p.tool_errors.is_empty()),
                    "{} read as clean",
                    path.display()
                );
            } else {
                let parsed = parsed.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(
                    parsed.findings.len(),
                    reported_count(tool, &output),
                    "{}",
                    path.display()
                );
            }
            seen += 1;
        }
    }
    assert!(seen >= 8, "recorded outputs checked: {seen}");
}

fn sample(tool: &str, file: &str) -> Option<(Vec<u8>, scangate_normalizer::Parsed)> {
    let path = shared(&format!("samples/{tool}/{file}"))?;
    let output = std::fs::read(path).unwrap();
    let parsed = parse(tool, &output, Path::new("/path/to")).unwrap_or_else(|e| panic!("{tool}/{file}: {e}"));
    assert_eq!(parsed.findings.len(), reported_count(tool, &output), "{tool}/{file}");
    Some((output, parsed))
}

#[test]
fn upstream_samples_parse_and_lose_nothing() {
    let cases = [
        ("gitleaks", "json_simple.json"),
        ("gitleaks", "empty.json"),
        ("gitleaks", "local-gitleaks-8.16.0-redacted.json"),
        ("gitleaks", "defectdojo-gitleaks8_many.json"),
        ("semgrep", "local-semgrep-1.182.0.json"),
        ("semgrep", "defectdojo-semgrep-1.84.1-high-medium-low.json"),
        ("semgrep", "defectdojo-semgrep-requires-login.json"),
        ("semgrep", "json_autofix_dryrun.json"),
        ("gosec", "defectdojo-gosec-many_vulns.json"),
        ("trivy", "npm.json.golden"),
        ("trivy", "alpine-310.json.golden"),
        ("trivy", "dockerfile.json.golden"),
        ("trivy", "secrets.json.golden"),
        ("trivy", "terraform-remote-submodule.json.golden"),
        ("osv-scanner", "test-vuln-results-a.json"),
        ("osv-scanner", "results-empty.json"),
        ("osv-scanner", "defectdojo-osv-some_findings.json"),
        ("npm-audit", "npm-cli-json-audit.v2.json"),
        ("npm-audit", "arborist-all-severities.v2.json"),
        ("npm-audit", "arborist-dep-vuln-with-own-advisory.v2.json"),
        ("npm-audit", "arborist-nyc-mkdirp.v2.json"),
        ("npm-audit", "defectdojo-npm7plus-one_vuln.json"),
        ("npm-audit", "npm-audit-report-v1-one-vuln.json"),
    ];
    for (tool, file) in cases {
        if sample(tool, file).is_none() {
            return;
        }
    }
}

#[test]
fn sample_details() {
    let Some((_, gitleaks)) = sample("gitleaks", "defectdojo-gitleaks8_many.json") else {
        return;
    };
    let severities: Vec<_> = gitleaks.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        severities,
        [Severity::Critical, Severity::Critical, Severity::High, Severity::Medium]
    );
    for secret in ["secretAWSsecret", "dfjksdjfs3294dfjlsdaf213", "BEGIN RSA PRIVATE KEY"] {
        assert!(!serde_json::to_string(&gitleaks.findings).unwrap().contains(secret));
    }
    assert_ne!(
        gitleaks.findings[0].fingerprint, gitleaks.findings[1].fingerprint,
        "different commits"
    );

    let Some((_, semgrep)) = sample("semgrep", "local-semgrep-1.182.0.json") else {
        return;
    };
    assert_eq!(semgrep.findings[2].severity, Severity::Critical);
    assert_eq!(semgrep.findings[0].cwes, ["CWE-95"]);

    let Some((_, trivy)) = sample("trivy", "npm.json.golden") else {
        return;
    };
    let jquery = trivy.findings.iter().find(|f| f.rule_id == "CVE-2019-11358").unwrap();
    assert_eq!(jquery.severity, Severity::Medium);
    assert_eq!(jquery.package.as_ref().unwrap().fixed_version.as_deref(), Some("3.4.0"));
    assert_eq!(
        jquery.location.as_ref().unwrap().start_line,
        Some(11),
        "line from Packages[].Locations"
    );
    let Some((_, secrets)) = sample("trivy", "secrets.json.golden") else {
        return;
    };
    assert!(!serde_json::to_string(&secrets.findings)
        .unwrap()
        .contains("ghp_0123456789"));
    let Some((_, docker)) = sample("trivy", "dockerfile.json.golden") else {
        return;
    };
    assert_eq!(
        (docker.findings[0].kind, docker.findings[0].severity),
        (Kind::Misconfiguration, Severity::High)
    );

    let Some((_, osv)) = sample("osv-scanner", "test-vuln-results-a.json") else {
        return;
    };
    assert_eq!(
        osv.findings[0].location.as_ref().unwrap().path,
        "/path/to/scorecard-check-osv-e2e/go.mod".trim_start_matches("/path/to/")
    );
    let Some((_, malicious)) = sample("osv-scanner", "defectdojo-osv-some_findings.json") else {
        return;
    };
    assert!(malicious
        .findings
        .iter()
        .any(|f| f.rule_id.starts_with("MAL-") && f.severity == Severity::Critical));

    let Some((_, npm)) = sample("npm-audit", "arborist-all-severities.v2.json") else {
        return;
    };
    let mut labels: Vec<_> = npm.findings.iter().map(|f| f.severity).collect();
    labels.sort();
    labels.dedup();
    assert!(labels.len() >= 4, "{labels:?}");
    let Some((_, v1)) = sample("npm-audit", "npm-audit-report-v1-one-vuln.json") else {
        return;
    };
    assert_eq!(v1.findings[0].vulnerability_ids, ["NPM-525", "CVE-2017-16112"]);
    assert_eq!(v1.findings[0].severity, Severity::High);
}

#[test]
fn sample_errors_are_tool_errors() {
    for file in [
        "local-npm-11.19.1-ENOLOCK-error.json",
        "local-npm-11.19.1-audit-endpoint-error.json",
    ] {
        let Some(path) = shared(&format!("samples/npm-audit/{file}")) else {
            continue;
        };
        let parsed = parse("npm-audit", &std::fs::read(path).unwrap(), Path::new("/r")).unwrap();
        assert_eq!((parsed.findings.len(), parsed.tool_errors.len()), (0, 1), "{file}");
    }
}

#[test]
fn unparseable_output_names_the_tool() {
    let error = parse("trivy", b"{not json", Path::new("/r")).unwrap_err().to_string();
    assert!(error.starts_with("trivy output is not valid"), "{error}");
    assert!(parse("gosec", b"", Path::new("/r"))
        .unwrap_err()
        .to_string()
        .contains("gosec wrote no output"));
    assert!(parse("nope", b"{}", Path::new("/r")).is_err());
}
