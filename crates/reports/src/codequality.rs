//! The GitLab Code Quality report: a JSON array of CodeClimate issues that GitLab shows in the
//! merge request widget (all tiers), matched between branches by `fingerprint`.

use std::collections::HashMap;

use serde_json::{json, Value};

use scangate_normalizer::{Finding, Severity};

use super::{heading, most_severe_first, path_of, start_line};

/// The report's file name in `--gitlab-dir`, as the CI template declares it.
pub const FILE_NAME: &str = "gl-code-quality-report.json";

/// One entry per finding, most severe first. Every entry has `description`, `check_name`,
/// `fingerprint`, `severity` and `location` (GitLab drops entries after the first invalid one).
pub fn report(findings: &[Finding]) -> Value {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let entries: Vec<Value> = most_severe_first(findings)
        .into_iter()
        .map(|finding| {
            let occurrence = seen.entry(finding.fingerprint.as_str()).or_default();
            *occurrence += 1;
            entry(finding, unique_fingerprint(&finding.fingerprint, *occurrence))
        })
        .collect();
    Value::Array(entries)
}

/// GitLab keeps one entry per fingerprint, so a repeated one (possible when SARIF logs from
/// several sources are gated together) gets its occurrence number appended.
fn unique_fingerprint(fingerprint: &str, occurrence: usize) -> String {
    if occurrence == 1 {
        fingerprint.to_string()
    } else {
        format!("{fingerprint}-{occurrence}")
    }
}

fn entry(finding: &Finding, fingerprint: String) -> Value {
    json!({
        "type": "issue",
        "check_name": finding.rule_id,
        "description": description(finding),
        "categories": ["Security"],
        "fingerprint": fingerprint,
        "severity": severity(finding.severity),
        "engine_name": finding.tools.join(", "),
        "location": {
            "path": path_of(finding),
            // GitLab links to the line; a finding on no particular line points at the top.
            "lines": {"begin": start_line(finding).unwrap_or(1)},
        },
    })
}

/// The widget shows only the description, so it carries the rule and the tool's message.
fn description(finding: &Finding) -> String {
    if finding.message.is_empty() || finding.message == finding.title {
        heading(finding)
    } else {
        format!("{}: {}", heading(finding), finding.message)
    }
}

/// scangate's scale onto CodeClimate's five words, keeping the order.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{gitlab_schema, sample};

    #[test]
    fn every_entry_has_the_fields_gitlab_reads() {
        let value = report(&sample());
        let entries = value.as_array().unwrap();
        assert_eq!(entries.len(), sample().len());
        for entry in entries {
            for field in ["description", "check_name", "fingerprint", "severity"] {
                assert!(
                    entry[field].as_str().is_some_and(|s| !s.is_empty()),
                    "{field} in {entry}"
                );
            }
            assert!(entry["location"]["path"].is_string(), "{entry}");
            assert!(
                entry["location"]["lines"]["begin"].as_u64().is_some_and(|l| l >= 1),
                "{entry}"
            );
        }
        assert_eq!(entries[0]["severity"], "blocker");
        assert_eq!(entries[0]["check_name"], "aws-access-token");
        assert_eq!(
            entries[0]["location"],
            json!({"path": "config/.env", "lines": {"begin": 3}})
        );
        assert_eq!(
            entries[0]["description"],
            "aws-access-token: aws-access-token title: aws-access-token found here"
        );
    }

    #[test]
    fn entries_validate_against_gitlab_schema() {
        let Some(schema) = gitlab_schema("codeclimate.json") else {
            return;
        };
        let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
        for entry in report(&sample()).as_array().unwrap() {
            let errors: Vec<String> = validator.iter_errors(entry).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?} in {entry}");
        }
    }

    #[test]
    fn severities_keep_their_order() {
        let words: Vec<&str> = Severity::ALL.into_iter().map(severity).collect();
        assert_eq!(words, ["blocker", "critical", "major", "minor", "info"]);
    }

    #[test]
    fn fingerprints_are_unique_even_when_findings_repeat() {
        let mut findings = sample();
        findings.push(findings[0].clone());
        let value = report(&findings);
        let mut fingerprints: Vec<&str> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fingerprint"].as_str().unwrap())
            .collect();
        let total = fingerprints.len();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        assert_eq!(fingerprints.len(), total);
    }

    #[test]
    fn empty_input_is_an_empty_array() {
        assert_eq!(report(&[]), json!([]));
    }
}
