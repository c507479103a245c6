//! reviewdog's Diagnostic Format as one JSON object (rdjson, a `DiagnosticResult`): what
//! `reviewdog -f=rdjson` reads to comment on the lines a change touches
//! (`-reporter=github-pr-review`, `-reporter=gitlab-mr-discussion`, `-reporter=local`).
//!
//! - What goes in: the findings the gate counts, as in the other CI reports (suppressed ones
//!   are left out; pre-existing ones stay in, and reviewdog's `-filter-mode` keeps those on the
//!   changed lines), each with a path: a finding on no file cannot sit on a changed line. The
//!   SARIF log and the summary keep them all.
//! - `location.path` is the finding's path, relative to the directory scangate scanned (the
//!   repository root when that is what was scanned): reviewdog reads relative paths from its
//!   working directory, so it runs there.
//! - `location.range`: 1-based lines, the end line included. Columns only when the tool gave
//!   both, the end column exclusive as rdjson's; otherwise the range is linewise. A finding on
//!   no particular line (a dependency on its lockfile) has no range.
//! - `severity`: critical and high are `ERROR`, medium `WARNING`, low and info `INFO`, as SARIF's
//!   `level`; the message starts with scangate's own label, which tells critical from high.
//! - `code`: the rule or advisory id, with the help link when it is an `http(s)` one.
//! - `source`: `scangate` for the result, the reporting tools for each diagnostic.
//! - No `suggestions`: no finding carries a text edit that fixes it (a dependency's fixed
//!   version is an upgrade to make, not an edit of the lockfile), and none is made up here.
//!
//! Messages and paths come from the scanned repository and its scanners: here they are only JSON
//! string data. reviewdog puts the message into its review comments as Markdown, like any tool's.

use serde_json::{json, Map, Value};

use scangate_normalizer::{Finding, Location, Severity};

use super::{heading, is_web_link, most_severe_first, path_of};

/// The `DiagnosticResult` of `findings`, most severe first.
pub fn report(findings: &[Finding]) -> Value {
    let diagnostics: Vec<Value> = most_severe_first(findings)
        .into_iter()
        .filter(|finding| !path_of(finding).is_empty())
        .map(diagnostic)
        .collect();
    json!({
        "source": {"name": "scangate", "url": env!("CARGO_PKG_REPOSITORY")},
        "diagnostics": diagnostics,
    })
}

fn diagnostic(finding: &Finding) -> Value {
    let mut location = Map::new();
    location.insert("path".into(), path_of(finding).into());
    if let Some(range) = finding.location.as_ref().and_then(range) {
        location.insert("range".into(), range);
    }
    let mut code = Map::new();
    code.insert("value".into(), finding.rule_id.as_str().into());
    if let Some(url) = finding.help_uri.as_deref().filter(|uri| is_web_link(uri)) {
        code.insert("url".into(), url.into());
    }
    json!({
        "message": message(finding),
        "location": location,
        "severity": severity(finding.severity),
        "source": {"name": finding.tools.join(", ")},
        "code": code,
    })
}

/// The lines (and columns, when the tool gave both) of `location`; `None` without a start line.
fn range(location: &Location) -> Option<Value> {
    let start = location.start_line.filter(|line| *line > 0)?;
    let end = location.end_line.filter(|line| *line >= start).unwrap_or(start);
    Some(match location.start_column.zip(location.end_column) {
        Some((start_column, end_column)) => json!({
            "start": {"line": start, "column": start_column},
            "end": {"line": end, "column": end_column},
        }),
        None => json!({"start": {"line": start}, "end": {"line": end}}),
    })
}

/// scangate's severity label, then what the tool says of this place.
fn message(finding: &Finding) -> String {
    let title = finding.title.as_str();
    let said = match finding.message.as_str() {
        "" => heading(finding),
        text if title.is_empty() || title == finding.rule_id || text.starts_with(title) => text.to_string(),
        text => format!("{title}: {text}"),
    };
    format!("{} severity: {said}", finding.severity)
}

/// scangate's scale onto rdjson's three levels, as SARIF's `level`.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "ERROR",
        Severity::Medium => "WARNING",
        Severity::Low | Severity::Info => "INFO",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, sample};
    use scangate_normalizer::Kind;

    fn diagnostics(findings: &[Finding]) -> Vec<Value> {
        report(findings)["diagnostics"].as_array().unwrap().clone()
    }

    #[test]
    fn each_finding_with_a_path_is_one_diagnostic_most_severe_first() {
        let value = report(&sample());
        assert_eq!(
            value["source"],
            json!({"name": "scangate", "url": env!("CARGO_PKG_REPOSITORY")})
        );
        let all = diagnostics(&sample());
        // The gosec finding has no location: it cannot sit on a changed line.
        assert_eq!(all.len(), sample().len() - 1);
        let codes: Vec<&str> = all.iter().map(|d| d["code"]["value"].as_str().unwrap()).collect();
        assert_eq!(
            codes,
            [
                "aws-access-token",
                "CVE-2021-23337",
                "sql-injection",
                "DS002",
                "todo-comment"
            ]
        );
        assert_eq!(
            all[2],
            json!({
                "message": "high severity: sql-injection title: sql-injection found here",
                "location": {
                    "path": "web/app.js",
                    "range": {"start": {"line": 12, "column": 3}, "end": {"line": 13, "column": 9}},
                },
                "severity": "ERROR",
                "source": {"name": "semgrep"},
                "code": {"value": "sql-injection", "url": "https://semgrep.dev/r/sql-injection"},
            })
        );
    }

    #[test]
    fn severities_map_onto_three_levels_and_the_message_keeps_the_label() {
        let levels: Vec<&str> = Severity::ALL.into_iter().map(severity).collect();
        assert_eq!(levels, ["ERROR", "ERROR", "WARNING", "INFO", "INFO"]);
        let all = diagnostics(&sample());
        assert_eq!(all[0]["severity"], "ERROR");
        assert!(all[0]["message"].as_str().unwrap().starts_with("critical severity: "));
        assert_eq!(all[3]["severity"], "WARNING");
        assert_eq!(all[4]["severity"], "INFO");
    }

    #[test]
    fn ranges_are_linewise_without_both_columns_and_absent_without_a_line() {
        let mut lines_only = finding("semgrep", "r", Severity::Low, Kind::Code, "a.py", 4);
        let location = lines_only.location.as_mut().unwrap();
        location.end_column = None;
        location.end_line = None;
        let dependency = &sample()[2];
        let all = diagnostics(&[lines_only, dependency.clone()]);
        assert_eq!(
            all[1]["location"]["range"],
            json!({"start": {"line": 4}, "end": {"line": 4}})
        );
        assert_eq!(all[0]["location"], json!({"path": "package-lock.json"}));
        assert!(all[0]["code"].get("url").is_none());
    }

    #[test]
    fn semgrep_messages_are_not_prefixed_with_the_rule_id() {
        let mut semgrep = finding(
            "semgrep",
            "python-subprocess-shell-true",
            Severity::High,
            Kind::Code,
            "a.py",
            2,
        );
        semgrep.title = semgrep.rule_id.clone();
        semgrep.message = "shell=True runs a shell".into();
        let mut quiet = semgrep.clone();
        quiet.message.clear();
        let messages: Vec<Value> = diagnostics(&[semgrep, quiet])
            .into_iter()
            .map(|d| d["message"].clone())
            .collect();
        assert_eq!(
            messages,
            [
                "high severity: shell=True runs a shell",
                "high severity: python-subprocess-shell-true"
            ]
        );
    }

    #[test]
    fn hostile_text_is_only_data_and_only_web_links_are_kept() {
        let path = "x\"\n}],\"diagnostics\":[{\"message\":\"injected\"}] <b>.py";
        let mut hostile = finding("semgrep", "r\"1", Severity::High, Kind::Code, path, 4);
        hostile.message = "[click](javascript:alert(1)) \u{2028} \\".into();
        hostile.help_uri = Some("javascript:alert(1)".into());
        let text = serde_json::to_string(&report(&[hostile.clone()])).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        let all = back["diagnostics"].as_array().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0]["location"]["path"], path);
        assert_eq!(all[0]["code"], json!({"value": "r\"1"}));
        assert!(all[0]["message"].as_str().unwrap().ends_with(&hostile.message));
    }

    #[test]
    fn no_findings_is_an_empty_result() {
        assert_eq!(report(&[])["diagnostics"], json!([]));
    }
}
