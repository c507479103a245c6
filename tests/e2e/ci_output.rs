//! Issue 5: the reports CI systems show — GitHub annotations and step summary, GitLab security
//! and Code Quality reports — written for the example repository by a real scan.

use std::ffi::OsString;

use serde_json::Value;

use crate::normalizer_common::shared;
use crate::support::{
    assert_exit, assert_matches_schema, example_copy, read_summary, require_all_scanners, OfflineServices, Scangate,
};

#[test]
fn github_annotations_and_step_summary_for_the_example() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let dir = example.path().parent().unwrap().to_path_buf();
    let step_summary = dir.join("step-summary.md");
    std::fs::write(&step_summary, "previous step\n").unwrap();
    let summary_path = dir.join("gh-summary.json");
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        example.path().into(),
        "--sarif".into(),
        dir.join("gh.sarif").into(),
        "--summary-json".into(),
        summary_path.clone().into(),
    ];
    args.extend(services.scan_flags());
    let output = Scangate::new(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_SHA", "0123456789abcdef")
        .run();
    assert_exit(&output, 1);
    let summary = read_summary(&summary_path);
    let counted: u64 = ["critical", "high", "medium", "low", "info"]
        .iter()
        .map(|s| summary["counts"][s].as_u64().unwrap())
        .sum();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let annotations: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len() as u64, counted, "{stdout}");
    let errors = annotations.iter().filter(|l| l.starts_with("::error ")).count() as u64;
    assert_eq!(
        errors,
        summary["counts"]["critical"].as_u64().unwrap() + summary["counts"]["high"].as_u64().unwrap()
    );
    assert!(
        annotations
            .iter()
            .any(|l| l.starts_with("::error file=main.go,line=16") && l.contains("title=")),
        "{annotations:#?}"
    );
    assert!(stdout.contains("::warning file=tools/backup.py,line=13"), "{stdout}");
    let markdown = std::fs::read_to_string(&step_summary).unwrap();
    assert!(
        markdown.starts_with("previous step\n"),
        "the step summary is appended to, never replaced"
    );
    assert!(markdown.contains("FAIL") || markdown.contains("fail"), "{markdown}");
    assert!(markdown.contains(r"3 critical findings \> 0 allowed"), "{markdown}");
    assert!(
        markdown.contains("| gitleaks |") || markdown.contains("| gitleaks"),
        "{markdown}"
    );
    assert!(
        markdown.contains("https://github.example/acme/app/blob/0123456789abcdef/config/settings.py#L7"),
        "{markdown}"
    );
    assert!(
        !markdown.contains("ghp_FAKE") && !stdout.contains("ghp_FAKE"),
        "secret value leaked"
    );
}

#[test]
fn gitlab_reports_for_the_example_validate_against_the_schemas() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let dir = example.path().parent().unwrap().join("gl");
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        example.path().into(),
        "--sarif".into(),
        dir.join("x.sarif").into(),
    ];
    args.extend(services.scan_flags());
    std::fs::create_dir_all(&dir).unwrap();
    let output = Scangate::new(args)
        .env("GITLAB_CI", "true")
        .env("CI_COMMIT_SHA", "abc123")
        .run_in(&dir);
    assert_exit(&output, 1);
    let reports = dir.join("gl-reports");
    let read = |name: &str| -> Value { serde_json::from_slice(&std::fs::read(reports.join(name)).unwrap()).unwrap() };
    let expected = [
        // 18 reports; gosec and semgrep both report three weaknesses of main.go, one each here.
        ("gl-sast-report.json", "sast-report-format.json", 15),
        (
            "gl-secret-detection-report.json",
            "secret-detection-report-format.json",
            2,
        ),
        (
            "gl-dependency-scanning-report.json",
            "dependency-scanning-report-format.json",
            4,
        ),
    ];
    for (report, schema, count) in expected {
        let json = read(report);
        assert_eq!(json["vulnerabilities"].as_array().unwrap().len(), count, "{report}");
        if let Some(schema_path) = shared(&format!("schemas/gitlab/{schema}")) {
            assert_matches_schema(&json, &schema_path);
        }
    }
    let quality = read("gl-code-quality-report.json");
    let entries = quality.as_array().unwrap();
    assert_eq!(entries.len(), 21, "one entry per finding (above)");
    for entry in entries {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(entry[key].as_str().is_some_and(|v| !v.is_empty()), "{key} in {entry}");
        }
        assert!(
            entry["location"]["path"].is_string() && entry["location"]["lines"]["begin"].is_u64(),
            "{entry}"
        );
    }
}
