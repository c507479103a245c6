/*!
semgrep `--json` (1.x).

# Output shape
`{"version", "results": [{check_id, path, start{line,col,offset}, end{…}, extra{message,
severity, metadata{cwe, confidence, references, source, shortlink…}, fingerprint, lines,
is_ignored}}], "errors": [{code, level, type, message, path?}], "paths": {scanned}}`.

# Severity
`extra.severity`: CRITICAL→critical; ERROR, HIGH→high; WARNING, MEDIUM→medium; INFO, LOW→low;
INVENTORY, EXPERIMENT→info. An unknown label is medium (and logged), never dropped.
`metadata.confidence` becomes `confidence` (SARIF `precision`).

# Fingerprint
rule id without the rules-directory prefix + path + the matched text with whitespace runs collapsed
(so re-indenting keeps it). The matched text is read from `root/path` at `start.offset..end.offset`
because logged-out semgrep (≥1.100) writes `requires login` into `extra.lines`; if the file cannot
be read, `extra.lines` is used unless it is that placeholder, else the message.

# Known traps
`check_id` is prefixed with the rules' directory in dotted form (`tmp.x.scratch.rule-id` for
`--config /tmp/x/scratch/rules.yaml`): prefixes in [`Context::rule_prefixes`] are stripped, and so
is any leading run of components that names an existing absolute directory (the runner's scratch
directory). `extra.fingerprint` is `requires login` too, so it is never used. `errors[]`: an entry
with a `path` (a file semgrep could not parse or timed out on) is a warning and lands in
`file_errors` (a `Timeout` also in `timed_out`: the run is partial) — the rest of the scan stands, unless every file in `paths.scanned` has one, which
analysed nothing and is a tool error; an entry without a path at level `error` (bad rule, bad
config) is a tool error, since the whole rule set did not run. `is_ignored: true` results (`nosemgrep` with `--disable-nosem`) are
kept as natively suppressed.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (semgrep 1.185.0, bundled rules, on
examples/vulnerable-app). Shapes from shared/samples/semgrep (local-semgrep-1.182.0.json,
DefectDojo requires-login sample).
*/

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{cwe_id, EachElement, Parser, Text};
use crate::fingerprint::{hash, squash_whitespace};
use crate::{
    paths, Context, Finding, Kind, Location, NativeSuppression, ParseError, Parsed, Severity, SuppressionOrigin,
};

pub(crate) struct Semgrep;

const REQUIRES_LOGIN: &str = "requires login";

/// The top-level object, visited key by key so `results` streams into findings.
struct ReportVisitor<'c, 'r> {
    context: &'c Context<'r>,
}

impl<'de> serde::de::Visitor<'de> for ReportVisitor<'_, '_> {
    type Value = Parsed;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a semgrep JSON report")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let mut parsed = Parsed::default();
        let mut files = FileCache::default();
        let mut scanned: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "results" => {
                    let findings = &mut parsed.findings;
                    let context = self.context;
                    map.next_value_seed(EachElement(
                        |m: Match<'de>| findings.push(to_finding(&m, context, &mut files)),
                        std::marker::PhantomData,
                    ))?;
                }
                "errors" => {
                    let errors: Vec<SemgrepError<'de>> = map.next_value()?;
                    for error in &errors {
                        classify_error(error, self.context, &mut parsed);
                    }
                }
                "paths" => {
                    let listed: ScannedPaths<'de> = map.next_value()?;
                    scanned = listed
                        .scanned
                        .iter()
                        .map(|p| paths::relativize(p, self.context))
                        .collect();
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        fail_when_nothing_was_analysed(&scanned, &mut parsed);
        Ok(parsed)
    }
}

#[derive(Deserialize)]
struct Match<'a> {
    #[serde(borrow)]
    check_id: Text<'a>,
    #[serde(borrow)]
    path: Text<'a>,
    start: Position,
    end: Position,
    #[serde(borrow)]
    extra: Extra<'a>,
}

#[derive(Deserialize, Default)]
struct Position {
    #[serde(default)]
    line: u64,
    #[serde(default)]
    col: u64,
    #[serde(default)]
    offset: Option<usize>,
}

#[derive(Deserialize)]
struct Extra<'a> {
    #[serde(default, borrow)]
    message: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    metadata: Metadata<'a>,
    #[serde(default, borrow)]
    lines: Text<'a>,
    #[serde(default)]
    is_ignored: bool,
}

#[derive(Deserialize, Default)]
struct Metadata<'a> {
    #[serde(default, borrow)]
    cwe: OneOrMany<'a>,
    #[serde(default, borrow)]
    confidence: Option<Text<'a>>,
    #[serde(default, borrow)]
    references: OneOrMany<'a>,
    #[serde(default, borrow)]
    source: Option<Text<'a>>,
    #[serde(default, borrow)]
    shortlink: Option<Text<'a>>,
}

/// Rule metadata is free-form YAML: lists are sometimes single strings.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany<'a> {
    #[default]
    None,
    #[serde(borrow)]
    One(Text<'a>),
    #[serde(borrow)]
    Many(Vec<Text<'a>>),
    Other(serde::de::IgnoredAny),
}

impl OneOrMany<'_> {
    fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(one) => vec![one.as_ref()],
            OneOrMany::Many(many) => many.iter().map(AsRef::as_ref).collect(),
            OneOrMany::None | OneOrMany::Other(_) => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
struct SemgrepError<'a> {
    #[serde(default, borrow)]
    level: Text<'a>,
    #[serde(default, rename = "type")]
    kind: Option<serde_json::Value>,
    #[serde(default, borrow)]
    message: Text<'a>,
    #[serde(default, borrow)]
    path: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
struct ScannedPaths<'a> {
    #[serde(default, borrow)]
    scanned: Vec<Text<'a>>,
}

/// Every file in `paths.scanned` has a per-file error: the run analysed nothing, whatever its
/// exit code says.
fn fail_when_nothing_was_analysed(scanned: &[String], parsed: &mut Parsed) {
    if !scanned.is_empty() && scanned.iter().all(|path| parsed.file_errors.contains(path)) {
        parsed.tool_errors.push(format!(
            "semgrep could not analyse any of the {} scanned file(s)",
            scanned.len()
        ));
    }
}

impl Parser for Semgrep {
    fn name(&self) -> &'static str {
        "semgrep"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let mut deserializer = serde_json::Deserializer::from_slice(output);
        let parsed = serde::Deserializer::deserialize_map(&mut deserializer, ReportVisitor { context })
            .and_then(|parsed| deserializer.end().map(|()| parsed))
            .map_err(|error| ParseError::json(self.name(), &error))?;
        Ok(parsed)
    }
}

/// The dotted prefix semgrep puts before rule ids from the config file `config`
/// (`/tmp/x/rules.yaml` → `tmp.x`), for [`Context::rule_prefixes`].
pub fn semgrep_rule_prefix(config: &Path) -> String {
    let dir = config.parent().unwrap_or(Path::new(""));
    dir.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// DESIGN §3's semgrep row.
pub(crate) fn severity(label: &str) -> Severity {
    match label.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "ERROR" | "HIGH" => Severity::High,
        "WARNING" | "MEDIUM" => Severity::Medium,
        "INFO" | "LOW" => Severity::Low,
        "INVENTORY" | "EXPERIMENT" => Severity::Info,
        other => {
            tracing::warn!(label = other, "unknown semgrep severity, using medium");
            Severity::Medium
        }
    }
}

/// `check_id` without the rules-directory prefix.
pub(crate) fn strip_rule_prefix<'a>(check_id: &'a str, context: &Context<'_>) -> &'a str {
    for prefix in context.rule_prefixes {
        if let Some(rest) = check_id.strip_prefix(prefix.as_str()).and_then(|r| r.strip_prefix('.')) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    // The longest run of leading components that is an existing absolute directory.
    let parts: Vec<&str> = check_id.split('.').collect();
    let mut dir = std::path::PathBuf::from("/");
    let mut consumed = 0;
    for (index, part) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
        dir.push(part);
        if part.is_empty() || !dir.is_dir() {
            break;
        }
        consumed = index + 1;
    }
    if consumed == 0 {
        return check_id;
    }
    let skip: usize = parts[..consumed].iter().map(|p| p.len() + 1).sum();
    &check_id[skip..]
}

fn to_finding(m: &Match<'_>, context: &Context<'_>, files: &mut FileCache) -> Finding {
    let rule = strip_rule_prefix(&m.check_id, context).to_owned();
    let path = paths::relativize(&m.path, context);
    let extra = &m.extra;
    let mut out = Finding::new("semgrep", Kind::Code, rule, severity(&extra.severity));
    out.tool_severity = extra.severity.to_string();
    out.title = out.rule_id.clone();
    out.message = extra.message.to_string();
    out.cwes = extra.metadata.cwe.items().into_iter().filter_map(cwe_id).collect();
    out.confidence = extra.metadata.confidence.as_ref().map(|c| c.to_ascii_lowercase());
    out.help_uri = extra
        .metadata
        .source
        .as_ref()
        .or(extra.metadata.shortlink.as_ref())
        .map(ToString::to_string)
        .or_else(|| extra.metadata.references.items().first().map(|r| (*r).to_owned()));
    out.native_suppression = nosemgrep_comment(m, &out.rule_id, &path, context, files).or_else(|| {
        extra.is_ignored.then(|| NativeSuppression {
            kind: "nosemgrep".to_owned(),
            justification: None,
            origin: Some(SuppressionOrigin::at(&path, m.start.line)),
        })
    });
    let text = matched_text(m, &path, context, files);
    out.fingerprint = hash(&[b"semgrep", out.rule_id.as_bytes(), path.as_bytes(), text.as_bytes()]);
    out.location = Some(Location {
        path,
        start_line: (m.start.line > 0).then_some(m.start.line),
        end_line: (m.end.line >= m.start.line && m.start.line > 0).then_some(m.end.line),
        start_column: (m.start.col > 0).then_some(m.start.col),
        end_column: (m.end.col > 0).then_some(m.end.col),
    });
    out
}

fn matched_text(m: &Match<'_>, path: &str, context: &Context<'_>, files: &mut FileCache) -> String {
    if let (Some(start), Some(end)) = (m.start.offset, m.end.offset) {
        if let Some(bytes) = files.get(path, context).and_then(|content| content.get(start..end)) {
            return squash_whitespace(&String::from_utf8_lossy(bytes));
        }
    }
    if !m.extra.lines.is_empty() && m.extra.lines != REQUIRES_LOGIN {
        return squash_whitespace(&m.extra.lines);
    }
    squash_whitespace(&m.extra.message)
}

/// semgrep runs with `--disable-nosem`, so findings under a `nosemgrep` comment are reported
/// and scangate marks them suppressed itself: the comment must be on the match's first line or
/// the line above, and when it names rules (`nosemgrep: a, b`) one of them must be this rule.
/// Its reason follows ` -- ` (`nosemgrep: rule-id -- why`).
fn nosemgrep_comment(
    m: &Match<'_>,
    rule: &str,
    path: &str,
    context: &Context<'_>,
    files: &mut FileCache,
) -> Option<NativeSuppression> {
    let content = files.get(path, context)?;
    let first = m.start.line;
    let text = String::from_utf8_lossy(content);
    let above = first.saturating_sub(1).max(1);
    let (comment, line) = text
        .lines()
        .zip(1u64..)
        .skip(above as usize - 1)
        .take_while(|(_, number)| *number <= first)
        .find_map(|(line, number)| nosemgrep_covering(line, rule).map(|comment| (comment, number)))?;
    let justification = comment
        .split_once("--")
        .map(|(_, why)| why.trim().to_string())
        .filter(|why| !why.is_empty());
    Some(NativeSuppression {
        kind: "nosemgrep".to_owned(),
        justification,
        origin: Some(SuppressionOrigin::at(path, line)),
    })
}

/// The `nosemgrep` (or `nosem`) comment on `line`, from the keyword on, when it covers `rule`.
fn nosemgrep_covering<'l>(line: &'l str, rule: &str) -> Option<&'l str> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("nosem")?;
    let comment = &line[at..];
    let rest = comment
        .strip_prefix("nosemgrep")
        .or_else(|| comment.strip_prefix("nosem"))
        .unwrap_or("");
    let Some(ids) = rest.trim_start().strip_prefix(':') else {
        return Some(comment);
    };
    let ids = ids.split_once("--").map_or(ids, |(ids, _)| ids);
    let covers = ids
        .split(',')
        .map(|id| id.split_whitespace().next().unwrap_or(""))
        .any(|id| {
            !id.is_empty() && (id == rule || rule.ends_with(&format!(".{id}")) || id.ends_with(&format!(".{rule}")))
        });
    covers.then_some(comment)
}

/// Files read for matched text, each once.
#[derive(Default)]
struct FileCache {
    files: HashMap<String, Option<Vec<u8>>>,
}

impl FileCache {
    fn get(&mut self, path: &str, context: &Context<'_>) -> Option<&[u8]> {
        if !self.files.contains_key(path) {
            self.files
                .insert(path.to_owned(), super::read_file_bytes(path, context));
        }
        self.files.get(path).and_then(Option::as_deref)
    }
}

fn classify_error(error: &SemgrepError<'_>, context: &Context<'_>, parsed: &mut Parsed) {
    let kind = match &error.kind {
        Some(serde_json::Value::String(kind)) => kind.clone(),
        Some(serde_json::Value::Array(parts)) => parts.first().and_then(|p| p.as_str()).unwrap_or("error").to_owned(),
        _ => "error".to_owned(),
    };
    let message = error.message.trim();
    match &error.path {
        Some(path) => {
            let rel = paths::relativize(path, context);
            parsed.warnings.push(format!("semgrep {kind} in {rel}: {message}"));
            if kind.eq_ignore_ascii_case("timeout") && !parsed.timed_out.contains(&rel) {
                parsed.timed_out.push(rel.clone());
            }
            if !parsed.file_errors.contains(&rel) {
                parsed.file_errors.push(rel);
            }
        }
        None if error.level.eq_ignore_ascii_case("warn") || error.level.eq_ignore_ascii_case("warning") => {
            parsed.warnings.push(format!("semgrep {kind}: {message}"));
        }
        None => parsed.tool_errors.push(format!("semgrep {kind}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(severity: &str) -> Severity {
        let report = format!(
            r#"{{"results":[{{"check_id":"r","path":"a.py","start":{{"line":1,"col":1,"offset":0}},"end":{{"line":1,"col":2,"offset":1}},"extra":{{"message":"m","severity":"{severity}","metadata":{{}},"lines":"requires login"}}}}],"errors":[]}}"#
        );
        crate::parse("semgrep", report.as_bytes(), Path::new("/nonexistent-root"))
            .unwrap()
            .findings[0]
            .severity
    }

    #[test]
    fn severity_table_row() {
        assert_eq!(one("CRITICAL"), Severity::Critical);
        assert_eq!(one("ERROR"), Severity::High);
        assert_eq!(one("HIGH"), Severity::High);
        assert_eq!(one("WARNING"), Severity::Medium);
        assert_eq!(one("MEDIUM"), Severity::Medium);
        assert_eq!(one("INFO"), Severity::Low);
        assert_eq!(one("LOW"), Severity::Low);
        assert_eq!(one("INVENTORY"), Severity::Info);
        assert_eq!(one("EXPERIMENT"), Severity::Info);
    }

    #[test]
    fn rule_prefixes_are_stripped() {
        let root = Path::new("/repo");
        let prefixes = vec![semgrep_rule_prefix(Path::new("/opt/sg rules/x.yaml"))];
        assert_eq!(prefixes[0], "opt.sg rules");
        let context = Context {
            rule_prefixes: &prefixes,
            ..Context::new(root)
        };
        assert_eq!(strip_rule_prefix("opt.sg rules.python-eval", &context), "python-eval");
        let dir = tempfile::Builder::new().prefix("sgrules").tempdir().unwrap();
        let dotted = semgrep_rule_prefix(&dir.path().join("rules.yaml"));
        let id = format!("{dotted}.go-exec");
        assert_eq!(strip_rule_prefix(&id, &Context::new(root)), "go-exec");
        assert_eq!(
            strip_rule_prefix("python.lang.security.audit.eval", &Context::new(root)),
            "python.lang.security.audit.eval"
        );
    }

    #[test]
    fn nosemgrep_comments_cover_named_or_all_rules() {
        assert!(nosemgrep_covering("run(x)  # nosemgrep", "python-os-system").is_some());
        assert!(nosemgrep_covering("run(x)  # nosemgrep: python-os-system", "python-os-system").is_some());
        assert!(nosemgrep_covering("// nosemgrep: a, python-os-system", "python-os-system").is_some());
        assert!(nosemgrep_covering("# nosemgrep: rules.python-os-system", "python-os-system").is_some());
        assert!(nosemgrep_covering("# nosemgrep: js-eval", "python-os-system").is_none());
        assert!(nosemgrep_covering("run(x)", "python-os-system").is_none());
    }

    #[test]
    fn matched_text_from_file_survives_shifts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "x = 1\neval(y)\n").unwrap();
        let report = |line: u64, offset: usize| {
            format!(
                r#"{{"results":[{{"check_id":"r","path":"a.py","start":{{"line":{line},"col":1,"offset":{offset}}},"end":{{"line":{line},"col":8,"offset":{}}},"extra":{{"message":"m","severity":"ERROR","lines":"requires login"}}}}]}}"#,
                offset + 7
            )
        };
        let first = crate::parse("semgrep", report(2, 6).as_bytes(), dir.path()).unwrap();
        std::fs::write(dir.path().join("a.py"), "\n\nx = 1\neval(y)\n").unwrap();
        let moved = crate::parse("semgrep", report(4, 8).as_bytes(), dir.path()).unwrap();
        assert_eq!(first.findings[0].fingerprint, moved.findings[0].fingerprint);
    }

    #[test]
    fn per_file_errors_warn_and_rule_errors_fail() {
        let report = br#"{"results":[],"errors":[{"code":3,"level":"warn","type":["PartialParsing",[]],"message":"Syntax error","path":"/repo/bad.py"},{"code":7,"level":"error","type":"InvalidRuleSchemaError","message":"bad rule"}]}"#;
        let parsed = crate::parse("semgrep", report, Path::new("/repo")).unwrap();
        assert_eq!(parsed.warnings, ["semgrep PartialParsing in bad.py: Syntax error"]);
        assert_eq!(parsed.file_errors, ["bad.py"]);
        assert_eq!(parsed.tool_errors, ["semgrep InvalidRuleSchemaError: bad rule"]);
        assert!(parsed.timed_out.is_empty(), "a parse error is no timeout: {parsed:?}");
    }

    /// As semgrep 1.185 writes a rule that ran out of `--timeout` on a file (recorded).
    #[test]
    fn a_timeout_is_a_file_error_the_run_timed_out_on() {
        let report = br#"{"results":[],"errors":[{"code":2,"level":"warn","type":"Timeout","rule_id":"rules.python-os-system","message":"Timeout when running rules.python-os-system on big.py:\n ","path":"big.py"},{"code":2,"level":"warn","type":"Timeout","rule_id":"rules.python-eval-injection","message":"Timeout","path":"big.py"}],"paths":{"scanned":["big.py","small.py"]}}"#;
        let parsed = crate::parse("semgrep", report, Path::new("/repo")).unwrap();
        assert_eq!(parsed.file_errors, ["big.py"]);
        assert_eq!(parsed.timed_out, ["big.py"]);
        assert!(parsed.tool_errors.is_empty(), "{parsed:?}");
    }

    /// As semgrep 1.185 writes it for a syntax error (recorded on a one-file repository).
    fn report_with_scanned(scanned: &[&str]) -> String {
        let scanned: Vec<String> = scanned.iter().map(|p| format!("\"{p}\"")).collect();
        format!(
            r#"{{"results":[],"errors":[{{"code":3,"level":"warn","type":["PartialParsing",[]],"message":"Syntax error at line bad.py:2","path":"bad.py"}}],"paths":{{"scanned":[{}]}}}}"#,
            scanned.join(",")
        )
    }

    #[test]
    fn a_run_in_which_every_scanned_file_errored_is_a_tool_error() {
        let root = Path::new("/repo");
        let all = crate::parse("semgrep", report_with_scanned(&["bad.py"]).as_bytes(), root).unwrap();
        assert_eq!(
            all.tool_errors,
            ["semgrep could not analyse any of the 1 scanned file(s)"]
        );
        let some = crate::parse("semgrep", report_with_scanned(&["bad.py", "ok.py"]).as_bytes(), root).unwrap();
        assert!(some.tool_errors.is_empty(), "{some:?}");
        assert_eq!(some.file_errors, ["bad.py"]);
    }
}
