/*!
gosec `-fmt json` (2.x).

# Output shape
`{"Golang errors": {file: [{line, column, error}]}, "Issues": [{severity, confidence,
cwe{id,url}, rule_id, details, file, code, line, column, nosec, suppressions}], "Stats": {files,
lines, nosec, found}, "GosecVersion"}`.

# Severity
`severity` HIGH/MEDIUM/LOW map directly; `confidence` is kept (SARIF `precision`). Anything else is
medium (logged).

# Fingerprint
rule + path + the flagged code: `code` is a few numbered context lines (`26: \tid := …\n27: …`);
only the lines inside the issue's `line` range are kept, without their `N: ` prefixes and with
whitespace collapsed, so neither a line shift nor an edit to a neighbouring line changes it.

# Known traps
`file` is absolute and gosec runs in the module directory ([`Context::target_dir`]); `line` is a
string and can be a range `"12-14"`; `column` is a string too. A non-empty `Golang errors` map or
`Stats.files == 0` means the packages did not type-check or nothing was scanned: tool errors.
With `-track-suppressions`, `#nosec` issues stay in `Issues` with `nosec: true` and
`suppressions[{kind, justification}]`: kept as natively suppressed. With `-quiet` gosec writes no
file on a clean run (scangate does not pass it). Older gosec (the DefectDojo sample) has no
`column`, `nosec`, `suppressions` or `Golang errors`.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (gosec 2.28.0 on examples/vulnerable-app).
Shapes from shared/samples/gosec/defectdojo-gosec-many_vulns.json and a local gosec 2.28.0 run.
*/

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{cwe_id, from_json, line_holding, Parser, Text};
use crate::fingerprint::{hash, squash_whitespace};
use crate::{
    paths, Context, Finding, Kind, Location, NativeSuppression, ParseError, Parsed, Severity, SuppressionOrigin,
};

pub(crate) struct Gosec;

#[derive(Deserialize)]
struct Report<'a> {
    #[serde(default, rename = "Golang errors", borrow)]
    golang_errors: Option<BTreeMap<Text<'a>, Vec<GolangError<'a>>>>,
    #[serde(default, rename = "Issues", borrow)]
    issues: Vec<Issue<'a>>,
    #[serde(default, rename = "Stats")]
    stats: Option<Stats>,
}

#[derive(Deserialize)]
struct GolangError<'a> {
    #[serde(default)]
    line: serde_json::Value,
    #[serde(default, borrow)]
    error: Text<'a>,
}

#[derive(Deserialize)]
struct Stats {
    #[serde(default)]
    files: u64,
}

#[derive(Deserialize)]
struct Issue<'a> {
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    confidence: Text<'a>,
    #[serde(default)]
    cwe: Option<Cwe<'a>>,
    #[serde(borrow)]
    rule_id: Text<'a>,
    #[serde(default, borrow)]
    details: Text<'a>,
    #[serde(borrow)]
    file: Text<'a>,
    #[serde(default, borrow)]
    code: Text<'a>,
    #[serde(default)]
    line: serde_json::Value,
    #[serde(default)]
    column: serde_json::Value,
    #[serde(default)]
    nosec: bool,
    #[serde(default, borrow)]
    suppressions: Option<Vec<Suppression<'a>>>,
}

#[derive(Deserialize)]
struct Cwe<'a> {
    #[serde(default, borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    url: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Suppression<'a> {
    #[serde(default, borrow)]
    justification: Text<'a>,
}

impl Parser for Gosec {
    fn name(&self) -> &'static str {
        "gosec"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let report: Report<'_> = from_json(self.name(), output)?;
        let findings = report.issues.iter().map(|issue| to_finding(issue, context)).collect();
        let mut parsed = Parsed {
            findings,
            ..Parsed::default()
        };
        parsed
            .tool_errors
            .extend(type_check_failures(report.golang_errors.iter().flatten(), context));
        if report.stats.as_ref().is_some_and(|stats| stats.files == 0) {
            parsed
                .tool_errors
                .push("gosec scanned no files (Stats.files is 0)".to_owned());
        }
        Ok(parsed)
    }
}

/// gosec's `Golang errors`, one sentence per package (directory) that did not type-check: how
/// many errors, and the first with its place, so the reason stays readable when a package has
/// hundreds.
fn type_check_failures<'a>(
    errors: impl Iterator<Item = (&'a Text<'a>, &'a Vec<GolangError<'a>>)>,
    context: &Context<'_>,
) -> Vec<String> {
    let mut packages: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (file, file_errors) in errors {
        let rel = paths::relativize(file, context);
        let package = rel.rsplit_once('/').map_or(".", |(dir, _)| dir).to_owned();
        for error in file_errors {
            let entry = packages.entry(package.clone()).or_insert_with(|| {
                let line = number(&error.line).unwrap_or(0);
                (0, format!("{rel}:{line}: {}", error.error))
            });
            entry.0 += 1;
        }
    }
    packages
        .into_iter()
        .map(|(package, (count, first))| {
            let errors = if count == 1 {
                "1 error".to_owned()
            } else {
                format!("{count} errors")
            };
            format!("gosec could not type-check package {package} ({errors}; first: {first})")
        })
        .collect()
}

/// DESIGN §3's gosec row.
pub(crate) fn severity(label: &str) -> Severity {
    match label.to_ascii_uppercase().as_str() {
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        other => {
            tracing::warn!(label = other, "unknown gosec severity, using medium");
            Severity::Medium
        }
    }
}

/// `(start, end)` of `"12"`, `"12-14"` or `12`.
fn line_range(value: &serde_json::Value) -> Option<(u64, u64)> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().map(|n| (n, n)),
        serde_json::Value::String(s) => {
            let (start, end) = s.split_once('-').unwrap_or((s, s));
            let start = start.trim().parse().ok()?;
            let end = end.trim().parse().unwrap_or(start);
            Some((start, end.max(start)))
        }
        _ => None,
    }
}

fn number(value: &serde_json::Value) -> Option<u64> {
    line_range(value).map(|(start, _)| start)
}

/// The code on lines `start..=end` of gosec's numbered snippet, prefixes removed.
pub(crate) fn flagged_code(code: &str, range: Option<(u64, u64)>) -> String {
    let mut numbered = Vec::new();
    let mut plain = Vec::new();
    for line in code.lines() {
        match line
            .split_once(": ")
            .and_then(|(n, rest)| n.trim().parse::<u64>().ok().map(|n| (n, rest)))
        {
            Some((n, rest)) => {
                plain.push(rest);
                if range.is_some_and(|(start, end)| (start..=end).contains(&n)) {
                    numbered.push(rest);
                }
            }
            None => plain.push(line),
        }
    }
    let chosen = if numbered.is_empty() { plain } else { numbered };
    squash_whitespace(&chosen.join("\n"))
}

fn to_finding(issue: &Issue<'_>, context: &Context<'_>) -> Finding {
    let path = paths::relativize(&issue.file, context);
    let range = line_range(&issue.line);
    let mut out = Finding::new(
        "gosec",
        Kind::Code,
        issue.rule_id.to_string(),
        severity(&issue.severity),
    );
    out.tool_severity = issue.severity.to_string();
    out.title = issue.details.to_string();
    out.message = issue.details.to_string();
    out.confidence = (!issue.confidence.is_empty()).then(|| issue.confidence.to_ascii_lowercase());
    out.cwes = issue.cwe.as_ref().and_then(|cwe| cwe_id(&cwe.id)).into_iter().collect();
    out.help = Some(format!("gosec rule {}: {}", issue.rule_id, issue.details));
    out.help_uri = Some(
        issue
            .cwe
            .as_ref()
            .and_then(|cwe| cwe.url.as_ref().map(ToString::to_string))
            .unwrap_or_else(|| "https://github.com/securego/gosec#available-rules".to_owned()),
    );
    out.native_suppression = native_suppression(issue, &path, range, context);
    let code = flagged_code(&issue.code, range);
    out.fingerprint = hash(&[b"gosec", issue.rule_id.as_bytes(), path.as_bytes(), code.as_bytes()]);
    out.location = Some(Location {
        path,
        start_line: range.map(|(start, _)| start).filter(|n| *n > 0),
        end_line: range.map(|(_, end)| end).filter(|n| *n > 0),
        start_column: number(&issue.column).filter(|n| *n > 0),
        end_column: None,
    });
    out
}

/// A `#nosec` comment gosec honoured (`-track-suppressions` reports it with its `-- why`). gosec
/// does not say where the comment is: it is the first line of the flagged code (or the line
/// above it) that holds `#nosec`, else the finding's first line.
fn native_suppression(
    issue: &Issue<'_>,
    path: &str,
    range: Option<(u64, u64)>,
    context: &Context<'_>,
) -> Option<NativeSuppression> {
    let first = issue.suppressions.as_ref().and_then(|list| list.first());
    if !issue.nosec && first.is_none() {
        return None;
    }
    let (start, end) = range.unwrap_or((1, 1));
    let line = line_holding(path, start.saturating_sub(1).max(1)..=end, context, |text| {
        text.contains("#nosec") || text.contains("gosec:disable")
    })
    .unwrap_or(start);
    Some(NativeSuppression {
        kind: "nosec".to_owned(),
        justification: first
            .map(|s| s.justification.trim().to_string())
            .filter(|j| !j.is_empty()),
        origin: Some(SuppressionOrigin::at(path, line)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn severity_table_row_and_confidence() {
        let report = br#"{"Golang errors":{},"Issues":[
          {"severity":"HIGH","confidence":"LOW","rule_id":"G101","details":"d","file":"/r/m/a.go","code":"4: x\n5: y\n","line":"5"},
          {"severity":"MEDIUM","confidence":"HIGH","rule_id":"G102","details":"d","file":"/r/m/a.go","code":"","line":"12-14"},
          {"severity":"LOW","confidence":"MEDIUM","rule_id":"G104","details":"d","file":"/r/m/a.go","code":"","line":"3","nosec":true,"suppressions":[{"kind":"inSource","justification":"checked"}]}],
          "Stats":{"files":1}}"#;
        let parsed = crate::parse("gosec", report, Path::new("/r")).unwrap();
        let severities: Vec<_> = parsed.findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, [Severity::High, Severity::Medium, Severity::Low]);
        assert_eq!(parsed.findings[0].confidence.as_deref(), Some("low"));
        let range = parsed.findings[1].location.as_ref().unwrap();
        assert_eq!((range.start_line, range.end_line), (Some(12), Some(14)));
        assert_eq!(parsed.findings[0].location.as_ref().unwrap().path, "m/a.go");
        let suppression = parsed.findings[2].native_suppression.as_ref().unwrap();
        assert_eq!(suppression.justification.as_deref(), Some("checked"));
        assert!(parsed.tool_errors.is_empty());
    }

    #[test]
    fn golang_errors_and_no_files_are_tool_errors() {
        let report = br#"{"Golang errors":{"/r/a.go":[{"line":3,"column":1,"error":"undefined: x"}],"/r/pkg/b.go":[{"line":"7","error":"undefined: y"},{"line":9,"error":"undefined: z"}],"/r/pkg/c.go":[{"line":1,"error":"undefined: w"}]},"Issues":[],"Stats":{"files":0}}"#;
        let parsed = crate::parse("gosec", report, Path::new("/r")).unwrap();
        assert_eq!(
            parsed.tool_errors,
            [
                "gosec could not type-check package . (1 error; first: a.go:3: undefined: x)",
                "gosec could not type-check package pkg (3 errors; first: pkg/b.go:7: undefined: y)",
                "gosec scanned no files (Stats.files is 0)"
            ]
        );
    }

    #[test]
    fn code_keeps_only_flagged_lines() {
        assert_eq!(
            flagged_code("26: \tid := 1\n27: \tq(id)\n28: }\n", Some((27, 27))),
            "q(id)"
        );
        assert_eq!(flagged_code("s.ListenAndServe()", Some((79, 79))), "s.ListenAndServe()");
    }
}
