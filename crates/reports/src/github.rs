//! GitHub Actions output: one workflow command per finding (an annotation on the file and line in
//! the run and the pull request) and a Markdown step summary for `$GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::fmt::Write;

use scangate_normalizer::{Finding, Severity};

use super::{heading, most_severe_first, path_of, severity_index, start_line, ReportContext, SourceLink, ToolStatus};

/// How many findings the step summary lists; the SARIF upload and the annotations carry the rest.
const SUMMARY_TOP_FINDINGS: usize = 20;

/// One `::error`/`::warning`/`::notice` command per finding, most severe first (GitHub shows
/// only the first few of each level per step), each on its own line.
pub fn annotations(findings: &[Finding]) -> String {
    most_severe_first(findings)
        .into_iter()
        .map(|finding| annotation(finding) + "\n")
        .collect()
}

/// The workflow command level: a blocking-class finding is an error, medium a warning, the rest
/// notices, matching SARIF's `level` for the same finding.
fn command_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

fn annotation(finding: &Finding) -> String {
    let mut properties = Vec::new();
    if let Some(location) = finding.location.as_ref().filter(|l| !l.path.is_empty()) {
        properties.push(format!("file={}", escape_property(&location.path)));
        if let Some(line) = location.start_line {
            let end = location.end_line.unwrap_or(line).max(line);
            properties.push(format!("line={line},endLine={end}"));
        }
    }
    let title = format!(
        "{} {} ({})",
        finding.severity,
        heading(finding),
        finding.tools.join(", ")
    );
    properties.push(format!("title={}", escape_property(&title)));
    let message = if finding.message.is_empty() {
        &finding.title
    } else {
        &finding.message
    };
    format!(
        "::{} {}::{}",
        command_level(finding.severity),
        properties.join(","),
        escape_data(message)
    )
}

/// Escapes a command's message: `%` first so the escapes themselves survive, then line breaks,
/// which would otherwise end the command and let the rest of the text be read as a new one; every
/// other control character (ESC starts terminal sequences in the job log) and the bidirectional
/// controls are shown as `\u{1b}`, `\u{202e}` … ([`scangate_gate::one_line`]).
pub fn escape_data(text: &str) -> String {
    scangate_gate::one_line(&text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A"))
}

/// Escapes a property value: as the message, plus `:` and `,`, which delimit properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown step summary: verdict, violations, counts per tool and severity, and the most
/// severe findings with links to the file and line when the commit can be browsed.
pub fn step_summary(findings: &[Finding], context: &ReportContext<'_>) -> String {
    let mut out = String::new();
    verdict_section(&mut out, context);
    list_section(&mut out, "Violations", context.violations);
    list_section(&mut out, "Warnings", context.warnings);
    suppressions_section(&mut out, context);
    counts_section(&mut out, findings, context.tools);
    findings_section(&mut out, findings, context.source.as_ref());
    out
}

fn verdict_section(out: &mut String, context: &ReportContext<'_>) {
    let mark = match context.verdict {
        "pass" => "✅",
        "fail" => "❌",
        _ => "⚠️",
    };
    let _ = writeln!(
        out,
        "## {mark} scangate: {} (DSOMM {})\n",
        context.verdict,
        escape_markdown(context.level_label)
    );
}

/// Why the gate failed, or what should be read although it did not change the verdict (an
/// optional scanner that failed, an unused suppression): a heading and one item per line.
fn list_section(out: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {heading}\n");
    for item in items {
        let _ = writeln!(out, "- {}", escape_markdown(item));
    }
    out.push('\n');
}

/// Refused suppressions first (they need a reviewer), then where the applied ones came from.
fn suppressions_section(out: &mut String, context: &ReportContext<'_>) {
    if context.refused_suppressions.is_empty() && context.suppressed_by_origin.is_empty() {
        return;
    }
    out.push_str("### Suppressions\n\n");
    for refused in context.refused_suppressions {
        let _ = writeln!(out, "- ⚠️ {}", escape_markdown(refused));
    }
    if !context.suppressed_by_origin.is_empty() {
        out.push_str("\n| suppressed by | findings |\n|---|--:|\n");
        for (origin, findings) in context.suppressed_by_origin {
            let _ = writeln!(out, "| {} | {findings} |", escape_markdown(origin));
        }
    }
    out.push('\n');
}

/// Per tool: the status of its runs and the counted findings per severity. A finding several
/// tools reported counts once, in the row of the tool whose SARIF run holds it (its first), so
/// the rows add up to the total; a line under the table says where the others' are counted.
fn counts_section(out: &mut String, findings: &[Finding], tools: &[ToolStatus<'_>]) {
    let rows = tool_rows(findings, tools);
    out.push_str("### Findings per tool\n\n| tool | status | version |");
    for severity in Severity::ALL {
        let _ = write!(out, " {severity} |");
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"--:|".repeat(Severity::ALL.len()));
    out.push('\n');
    for (name, row) in &rows {
        // A tool with findings but no run entry comes from a gated SARIF log.
        let statuses = if row.statuses.is_empty() {
            "-".to_string()
        } else {
            row.statuses.join(", ")
        };
        let _ = write!(
            out,
            "| {} | {} | {} |",
            escape_markdown(name),
            escape_markdown(&statuses),
            escape_markdown(row.version.unwrap_or("-"))
        );
        push_counts(out, &row.counts);
    }
    let mut total = [0; 5];
    for finding in findings {
        total[severity_index(finding.severity)] += 1;
    }
    out.push_str("| **total** | | |");
    push_counts(out, &total);
    out.push('\n');
    merged_section(out, findings);
}

/// One line per tool whose findings are counted in another tool's row.
fn merged_section(out: &mut String, findings: &[Finding]) {
    let merged = crate::merged_elsewhere(findings);
    for (tool, (count, rows)) in &merged {
        let rows: Vec<&str> = rows.iter().copied().collect();
        let _ = writeln!(
            out,
            "- {}: {count} more {} it reported, also reported by {}, counted once in that row",
            escape_markdown(tool),
            if *count == 1 { "finding" } else { "findings" },
            escape_markdown(&rows.join(", "))
        );
    }
    if !merged.is_empty() {
        out.push('\n');
    }
}

/// One table row: the tool's runs folded together (gosec runs once per Go module).
#[derive(Default)]
struct ToolRow<'a> {
    statuses: Vec<&'a str>,
    version: Option<&'a str>,
    counts: [usize; 5],
}

fn tool_rows<'a>(findings: &'a [Finding], tools: &[ToolStatus<'a>]) -> BTreeMap<&'a str, ToolRow<'a>> {
    let mut rows: BTreeMap<&str, ToolRow> = BTreeMap::new();
    for tool in tools {
        let row = rows.entry(tool.name).or_default();
        if !row.statuses.contains(&tool.status) {
            row.statuses.push(tool.status);
        }
        row.version = row.version.or(tool.version);
    }
    for finding in findings {
        if let Some(tool) = finding.tools.first() {
            rows.entry(tool.as_str()).or_default().counts[severity_index(finding.severity)] += 1;
        }
    }
    // A tool whose every finding is counted in another row still gets its row (of zeros).
    for tool in findings.iter().flat_map(|finding| &finding.tools) {
        rows.entry(tool.as_str()).or_default();
    }
    rows
}

fn push_counts(out: &mut String, counts: &[usize; 5]) {
    for count in counts {
        let _ = write!(out, " {count} |");
    }
    out.push('\n');
}

fn findings_section(out: &mut String, findings: &[Finding], source: Option<&SourceLink>) {
    if findings.is_empty() {
        out.push_str("No findings count toward the gate.\n");
        return;
    }
    let shown = findings.len().min(SUMMARY_TOP_FINDINGS);
    let _ = writeln!(
        out,
        "### Most severe findings ({shown} of {})\n\n| severity | finding | location | reported by |\n|---|---|---|---|",
        findings.len()
    );
    for finding in most_severe_first(findings).into_iter().take(SUMMARY_TOP_FINDINGS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            finding.severity,
            escape_markdown(&heading(finding)),
            location_cell(finding, source),
            escape_markdown(&finding.tools.join(", "))
        );
    }
}

/// `path:line`, linked to the file at the scanned commit when that is known.
fn location_cell(finding: &Finding, source: Option<&SourceLink>) -> String {
    let path = path_of(finding);
    if path.is_empty() {
        return "-".to_string();
    }
    let line = start_line(finding);
    let text = match line {
        Some(line) => escape_markdown(&format!("{path}:{line}")),
        None => escape_markdown(path),
    };
    match source {
        Some(source) => format!("[{text}]({})", source.url(path, line)),
        None => text,
    }
}

/// Makes scanner text inert in a Markdown table cell: scanner messages and file names come from
/// the scanned repository, so they must not add links, images, HTML or extra columns, nor hide or
/// reorder text: line breaks become spaces, other control characters and the bidirectional
/// controls are shown as `\u{1b}`, `\u{202e}` … ([`scangate_gate::one_line`], its backslash
/// escaped in turn).
fn escape_markdown(text: &str) -> String {
    let flat = scangate_gate::one_line(&text.replace(['\r', '\n'], " "));
    let mut out = String::with_capacity(flat.len());
    for c in flat.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::test_support::{finding, sample};
    use scangate_normalizer::Kind;

    fn context<'a>(
        violations: &'a [String],
        tools: &'a [ToolStatus<'a>],
        source: Option<SourceLink>,
    ) -> ReportContext<'a> {
        ReportContext {
            verdict: "fail",
            level_label: "level 2",
            violations,
            warnings: &[],
            refused_suppressions: &[],
            suppressed_by_origin: &crate::test_support::NO_ORIGINS,
            tools,
            source,
            commit: Some("abc123".into()),
            started: SystemTime::UNIX_EPOCH,
            finished: SystemTime::UNIX_EPOCH,
        }
    }

    fn tools() -> Vec<ToolStatus<'static>> {
        vec![
            ToolStatus {
                name: "gitleaks",
                status: "ok",
                version: Some("8.30.1"),
                duration_ms: 0,
                coverage: None,
                file_errors: 0,
            },
            ToolStatus {
                name: "gosec",
                status: "ok",
                version: Some("2.28.0"),
                duration_ms: 0,
                coverage: None,
                file_errors: 0,
            },
            ToolStatus {
                name: "gosec",
                status: "error",
                version: Some("2.28.0"),
                duration_ms: 0,
                coverage: None,
                file_errors: 0,
            },
            ToolStatus {
                name: "npm-audit",
                status: "skipped",
                version: None,
                duration_ms: 0,
                coverage: None,
                file_errors: 0,
            },
        ]
    }

    #[test]
    fn levels_follow_sarif_levels() {
        assert_eq!(command_level(Severity::Critical), "error");
        assert_eq!(command_level(Severity::High), "error");
        assert_eq!(command_level(Severity::Medium), "warning");
        assert_eq!(command_level(Severity::Low), "notice");
        assert_eq!(command_level(Severity::Info), "notice");
    }

    #[test]
    fn data_escaping_keeps_the_command_on_one_line() {
        assert_eq!(escape_data("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(
            escape_data("\u{1b}[2Kx\u{202E}yp.py\u{7}"),
            "\\u{1b}[2Kx\\u{202e}yp.py\\u{7}"
        );
    }

    #[test]
    fn property_escaping_also_covers_delimiters() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_annotation_per_finding_most_severe_first() {
        let text = annotations(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), sample().len());
        assert_eq!(
            lines[0],
            "::error file=config/.env,line=3,endLine=4,\
             title=critical aws-access-token%3A aws-access-token title (gitleaks)::aws-access-token found here"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("::warning file=Dockerfile,line=1,endLine=2,")));
        assert!(lines.iter().any(|l| l.starts_with("::notice title=low G104")), "{text}");
        assert!(lines
            .iter()
            .any(|l| l.starts_with("::error file=package-lock.json,title=")));
        assert!(
            lines.iter().any(|l| l.contains("(trivy%2C osv-scanner)")),
            "commas in the title are escaped"
        );
    }

    #[test]
    fn hostile_text_cannot_start_another_command() {
        let mut f = finding("semgrep", "r", Severity::High, Kind::Code, "a,b:c.js", 1);
        f.message = "x\n::error file=evil::injected".into();
        let text = annotations(&[f]);
        assert_eq!(text.lines().count(), 1);
        assert!(text.starts_with("::error file=a%2Cb%3Ac.js,"));
        assert!(text.contains("x%0A::error file=evil::injected"));
    }

    #[test]
    fn summary_lists_warnings_escaped() {
        let warnings = vec!["optional scanner npm-audit failed: <b>|x|</b>".to_string()];
        let tools = tools();
        let summary = step_summary(
            &[],
            &ReportContext {
                warnings: &warnings,
                ..context(&[], &tools, None)
            },
        );
        let section = summary.split("### Warnings\n\n").nth(1).expect("a warnings section");
        let item = section.lines().next().unwrap();
        assert!(item.starts_with("- optional scanner npm-audit failed: "), "{item}");
        assert!(!item.contains("<b>") && !item.contains("|x|"), "{item}");
    }

    #[test]
    fn summary_has_verdict_violations_counts_and_links() {
        let violations = vec!["1 high finding exceeds max_high = 0".to_string()];
        let tools = tools();
        let source = SourceLink::new(
            Some("https://github.com".into()),
            Some("acme/app".into()),
            Some("abc123".into()),
        );
        let markdown = step_summary(&sample(), &context(&violations, &tools, source));
        assert!(
            markdown.starts_with("## ❌ scangate: fail (DSOMM level 2)\n"),
            "{markdown}"
        );
        assert!(markdown.contains("### Violations\n\n- 1 high finding exceeds max\\_high = 0\n"));
        assert!(markdown.contains("| critical | high | medium | low | info |"));
        assert!(
            markdown.contains("| gitleaks | ok | 8.30.1 | 1 | 0 | 0 | 0 | 0 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| gosec | ok, error | 2.28.0 | 0 | 0 | 0 | 1 | 0 |"),
            "{markdown}"
        );
        assert!(markdown.contains("| npm-audit | skipped | - | 0 | 0 | 0 | 0 | 0 |"));
        assert!(
            markdown.contains("| semgrep | - | - | 0 | 1 | 0 | 0 | 1 |"),
            "{markdown}"
        );
        assert!(markdown.contains("| trivy | - | - | 0 | 1 | 1 | 0 | 0 |"));
        // The lodash advisory trivy and osv-scanner reported is counted once, in trivy's row.
        assert!(
            markdown.contains("| osv-scanner | - | - | 0 | 0 | 0 | 0 | 0 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains(
                "- osv-scanner: 1 more finding it reported, also reported by trivy, counted once in that row\n"
            ),
            "{markdown}"
        );
        assert!(markdown.contains("| **total** | | | 1 | 2 | 1 | 1 | 1 |"), "{markdown}");
        assert!(markdown.contains("### Most severe findings (6 of 6)"));
        assert!(markdown.contains(
            "| critical | aws-access-token: aws-access-token title | \
             [config/.env:3](https://github.com/acme/app/blob/abc123/config/.env#L3) | gitleaks |"
        ));
        assert!(markdown.contains("[package-lock.json](https://github.com/acme/app/blob/abc123/package-lock.json)"));
        assert!(markdown.contains("| low | G104: G104 title | - | gosec |"));
    }

    #[test]
    fn summary_lists_only_the_top_findings_and_no_links_without_a_source() {
        let many: Vec<Finding> = (1..=30)
            .map(|line| finding("gosec", "G101", Severity::Medium, Kind::Code, "main.go", line))
            .collect();
        let markdown = step_summary(&many, &context(&[], &[], None));
        assert!(markdown.contains("### Most severe findings (20 of 30)"));
        assert_eq!(markdown.matches("| medium | G101").count(), SUMMARY_TOP_FINDINGS);
        assert!(!markdown.contains("]("), "no links without a source");
        assert!(!markdown.contains("### Violations"));
    }

    #[test]
    fn summary_lists_refused_suppressions_and_where_the_applied_ones_come_from() {
        let refused = ["suppression added by this change — needs review: app/job.py:5 (nosemgrep)".to_string()];
        let origins =
            std::collections::BTreeMap::from([(".trivyignore:2".to_string(), 3), ("a|b.go:9".to_string(), 1)]);
        let mut context = context(&[], &[], None);
        context.refused_suppressions = &refused;
        context.suppressed_by_origin = &origins;
        let markdown = step_summary(&[], &context);
        assert!(
            markdown.contains(
                "### Suppressions\n\n- ⚠️ suppression added by this change — needs review: app/job.py:5 (nosemgrep)\n"
            ),
            "{markdown}"
        );
        assert!(markdown.contains("| .trivyignore:2 | 3 |\n"), "{markdown}");
        assert!(markdown.contains("| a\\|b.go:9 | 1 |\n"), "{markdown}");
    }

    #[test]
    fn summary_without_findings_says_so() {
        let markdown = step_summary(&[], &context(&[], &[], None));
        assert!(markdown.contains("No findings count toward the gate."));
    }

    #[test]
    fn a_hostile_path_and_title_stay_inside_their_cells() {
        let path = "x\n::error::y|`z`<b>[l](http://e).py";
        let mut hostile = finding("semgrep", "r`1`", Severity::High, Kind::Code, path, 4);
        hostile.title = "<script>alert(1)</script> | `code` [click](javascript:x)".into();
        let link = SourceLink::new(
            Some("https://github.com".into()),
            Some("acme/app".into()),
            Some("abc123".into()),
        );
        let markdown = step_summary(&[hostile], &context(&[], &[], link));
        let row = markdown
            .lines()
            .find(|line| line.starts_with("| high |"))
            .unwrap_or_else(|| panic!("{markdown}"));
        let unescaped_pipes = row
            .match_indices('|')
            .filter(|(i, _)| !row[..*i].ends_with('\\'))
            .count();
        assert_eq!(unescaped_pipes, 5, "{row}");
        for raw in ["<script>", "<b>", "`z`", "`code`", "[click]", "[l]", "\n::"] {
            assert!(!markdown.contains(raw), "{raw:?} left raw in {markdown}");
        }
        assert!(row.contains("\\<script\\>"), "{row}");
        assert!(row.contains("x ::error::y\\|\\`z\\`"), "{row}");
        assert!(row.contains("/blob/abc123/x%0A%3A%3Aerror"), "{row}");
    }

    #[test]
    fn markdown_from_the_repository_stays_inert() {
        assert_eq!(
            escape_markdown("a|b <img src=x> [x](y) *z*\nnext"),
            "a\\|b \\<img src=x\\> \\[x\\](y) \\*z\\* next"
        );
        // Shown as `\u{1b}`, `\u{2067}`: the backslash escaped for Markdown.
        assert_eq!(escape_markdown("\u{1b}[31m\u{2067}x"), "\\\\u{1b}\\[31m\\\\u{2067}x");
    }
}
