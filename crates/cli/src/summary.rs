//! The summary JSON (`--summary-json`) with its stable keys, and the same facts for a terminal.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use scangate_gate::{Assessment, Counts, LevelAssessment, Outcome, Refusal, Relaxation, Verdict};
use scangate_normalizer::{Finding, Severity, ToolRun};
use scangate_runner::{IgnoredConfig, RawOutput, RuleSource, ScanOptions, Status};

use crate::colour::Paint;

/// The whole summary.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// `pass`, `fail` or `error`; `not_gated` for `scan --no-gate` when no scanner failed.
    pub verdict: &'static str,
    /// The effective DSOMM level.
    pub level: u8,
    /// `level N`, or `level N, relaxed by FILE: …` when the policy file loosens the preset.
    pub level_label: String,
    /// The policy file's settings that loosen the preset; empty when it does not.
    pub relaxed_by: Vec<Relaxation>,
    /// The highest DSOMM preset this run meets, every level below it included (0: none);
    /// `None` when not assessed (pre-commit mode, `scangate gate`).
    pub level_met: Option<u8>,
    /// `scangate assess`: every level's verdict and violations, the activities' claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    /// Wall time of the whole run, in milliseconds.
    pub wall_ms: u64,
    /// Findings that count, per normalized severity.
    pub counts: Counts,
    /// Findings suppressed (tool-native or by policy), counted apart.
    pub suppressed: u64,
    /// Suppressed findings per origin: the policy entry (`policy.toml:12`), the ignore comment
    /// (`app.py:3`) or the ignore-file entry (`.trivyignore:2`).
    pub suppressed_by_origin: BTreeMap<String, u64>,
    /// Suppressions the gate refused, one per origin: added by the change under review (pull
    /// request mode), or without a reason the level requires. Their findings count.
    pub refused_suppressions: Vec<RefusedSummary>,
    /// With `--baseline`: findings not in the baseline.
    pub new: Option<u64>,
    /// One entry per scanner invocation, plus one per scanner that did not run.
    pub tools: Vec<ToolSummary>,
    /// Why the gate failed or errored, human-readable.
    pub violations: Vec<String>,
    /// What does not change the verdict but should be read (optional scanner failed, unused
    /// suppression, a repository config that asked for a lower level, dropped results).
    pub warnings: Vec<String>,
    /// Repository files a scanner reads by default (its config, an ignore list) that scangate kept
    /// from it: untrusted, they could hide findings unseen.
    pub ignored_repository_configs: Vec<IgnoredConfig>,
    /// Paths no scanner looked at, and why (`git-ignored`, `--exclude GLOB`).
    pub excluded: Vec<ExcludedSummary>,
    /// Findings scanners still reported in those paths, dropped uncounted.
    pub excluded_findings: usize,
    /// The rules semgrep ran with (`bundled rules (N rules), offline`, `p/default (semgrep
    /// registry, needs network)`); `None` when semgrep did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sast_rules: Option<SastRules>,
    /// The SBOM written with `--sbom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom: Option<scangate_reports::evidence::SbomRecord>,
    /// Pull-request mode: the findings the merge base had in what the change touches that the
    /// change's scan no longer reports, for the scanners whose merge-base full scan the result
    /// cache holds. Not in the SARIF log: code scanning takes every result there as present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Vec<FixedFinding>>,
}

/// A finding the change under review fixed.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FixedFinding {
    pub tools: Vec<String>,
    pub rule_id: String,
    pub severity: Severity,
    /// From the report root, as in the SARIF log.
    pub path: String,
    pub line: Option<u64>,
}

/// One path no scanner looked at.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ExcludedSummary {
    /// Root-relative; a directory ends with `/`.
    pub path: String,
    /// `git-ignored` or `--exclude GLOB`.
    pub reason: String,
}

impl ExcludedSummary {
    pub fn list(excluded: &[scangate_runner::Exclusion]) -> Vec<Self> {
        excluded
            .iter()
            .map(|exclusion| ExcludedSummary {
                path: exclusion.display(),
                reason: exclusion.reason.to_string(),
            })
            .collect()
    }
}

/// The rules semgrep ran with.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SastRules {
    /// What the terminal prints after `SAST: `.
    pub label: String,
    /// Each `--config` semgrep ran with.
    pub sources: Vec<RuleSource>,
}

impl SastRules {
    pub fn of(options: &ScanOptions) -> Self {
        let sources = scangate_runner::semgrep_rule_sources(options);
        let mut label = sources.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        if options.offline {
            label.push_str(", offline");
        }
        SastRules { label, sources }
    }
}

/// One refused suppression and the findings it would have hidden.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RefusedSummary {
    /// Where it is written.
    pub origin: String,
    /// Its mechanism (`nosec`, `nosemgrep`, `trivyignore`, `scangate.toml`, ...).
    pub kind: String,
    /// `added_by_change` or `no_reason`.
    pub refusal: Refusal,
    /// Findings it would have hidden; they count.
    pub findings: u64,
    /// The sentence the reports show.
    pub message: String,
}

/// The verdict's refused suppressions, one entry per origin and refusal.
fn refused_summaries(verdict: &Verdict) -> Vec<RefusedSummary> {
    let mut out: Vec<RefusedSummary> = Vec::new();
    for refused in verdict.refused.values() {
        match out
            .iter_mut()
            .find(|entry| entry.origin == refused.origin && entry.refusal == refused.refusal)
        {
            Some(entry) => entry.findings += 1,
            None => out.push(RefusedSummary {
                origin: refused.origin.clone(),
                kind: refused.kind.clone(),
                refusal: refused.refusal,
                findings: 1,
                message: refused.describe(),
            }),
        }
    }
    out.sort_by(|a, b| a.origin.cmp(&b.origin));
    out
}

impl Summary {
    pub fn new(verdict: &Verdict, wall_ms: u64, tools: Vec<ToolSummary>, notes: &[String]) -> Self {
        Summary {
            verdict: verdict.result.as_str(),
            level: verdict.level.get(),
            level_label: verdict.level_label.clone(),
            relaxed_by: verdict.relaxed_by.clone(),
            level_met: None,
            assessment: None,
            wall_ms,
            counts: verdict.counts,
            suppressed: verdict.suppressed,
            suppressed_by_origin: verdict.suppressed_by_origin.clone(),
            refused_suppressions: refused_summaries(verdict),
            new: verdict.new,
            tools,
            violations: verdict.violations.iter().map(|v| v.message.clone()).collect(),
            warnings: verdict
                .warnings
                .iter()
                .map(|w| w.message.clone())
                .chain(notes.iter().cloned())
                .collect(),
            ignored_repository_configs: Vec::new(),
            excluded: Vec::new(),
            excluded_findings: 0,
            sast_rules: None,
            sbom: None,
            fixed: None,
        }
    }

    pub fn write(&self, path: &std::path::Path) -> anyhow::Result<()> {
        self.write_to(crate::publish::create_output(path, "summary")?)
    }

    /// The summary JSON, pretty, with a final newline.
    pub fn write_to(&self, out: impl Write) -> anyhow::Result<()> {
        let mut out = std::io::BufWriter::new(out);
        serde_json::to_writer_pretty(&mut out, self)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }
}

/// How many of a scanner's per-file error paths the summary lists.
pub const FILE_ERROR_PATHS: usize = 5;

/// The verdict `scan --no-gate` reports when no scanner failed: the gate did not run, so the
/// result is neither a pass nor a fail.
pub const NOT_GATED: &str = "not_gated";

/// One scanner invocation.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ToolSummary {
    pub name: String,
    pub status: Status,
    pub version: Option<String>,
    pub duration_ms: u64,
    /// Findings the tool reported (before cross-tool dedup).
    pub findings: Option<usize>,
    pub reason: Option<String>,
    /// Files the scanner reported an error for (semgrep's per-file errors): their findings may
    /// be missing.
    pub file_errors: usize,
    /// The first [`FILE_ERROR_PATHS`] of them.
    pub file_error_paths: Vec<String>,
    /// The file that made the scanner apply.
    pub trigger: Option<String>,
    /// The directory it ran in, relative to the scanned root.
    pub target: Option<String>,
    pub exit_code: Option<i32>,
    pub argv: Vec<String>,
    /// What a limited run left out of its categories (`misconfiguration only: …`, `partial: …`).
    pub scope: Option<String>,
    /// True when the result came from the result cache: the scanner did not run this time.
    pub cached: bool,
}

impl ToolSummary {
    pub fn from_raw(raw: &RawOutput, findings: Option<usize>, file_errors: &[String]) -> Self {
        ToolSummary {
            name: raw.tool.to_string(),
            status: raw.status,
            version: raw.version.clone(),
            duration_ms: raw.duration.as_millis() as u64,
            findings,
            reason: raw.reason.clone(),
            file_errors: file_errors.len(),
            file_error_paths: file_errors.iter().take(FILE_ERROR_PATHS).cloned().collect(),
            trigger: raw.target.as_ref().map(|t| t.trigger.clone()),
            target: raw.target.as_ref().map(|t| t.dir.to_string_lossy().replace('\\', "/")),
            exit_code: raw.exit_code,
            argv: raw.argv.clone(),
            scope: raw.limited.map(|limited| limited.note().to_string()),
            cached: raw.cached,
        }
    }
}

/// The terminal report: scanners, findings per tool and severity, the verdict and why.
/// Prints the summary for a terminal or a CI log. Every line starts with scangate's own text, and
/// every value from the repository or a scanner (file names, triggers, reasons, violations,
/// warnings, origins) passes through `inert` first, so none can start a line — under GitHub
/// Actions, no workflow command (`::…`) but scangate's own annotations. Colour (`paint`) goes
/// only around scangate's own words and numbers, never at the start of a line.
pub fn print_human(
    summary: &Summary,
    runs: &[ToolRun],
    verdict: &Verdict,
    max_findings: usize,
    inert: Inert,
    paint: Paint,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    print_tools(&mut out, &summary.tools, inert, paint)?;
    if let Some(rules) = &summary.sast_rules {
        writeln!(out, "SAST: {}\n", inert.text(&rules.label))?;
    }
    print_findings_table(&mut out, runs, verdict, inert, paint)?;
    print_top_findings(&mut out, runs, verdict, max_findings, inert, paint)?;
    let c = summary.counts;
    let counted: Vec<String> = Severity::ALL
        .into_iter()
        .map(|severity| {
            let count = c.get(severity);
            count_cell(paint, severity, count, format!("{count} {severity}"))
        })
        .collect();
    let new = summary.new.map(|n| format!(", {n} new")).unwrap_or_default();
    let fixed = match summary.fixed.as_deref() {
        Some(fixed) if !fixed.is_empty() => format!("; {} fixed by the change", fixed.len()),
        _ => String::new(),
    };
    writeln!(
        out,
        "\ncounted: {}; {} suppressed{new}{fixed}",
        counted.join(", "),
        summary.suppressed
    )?;
    let (verdict_line, outcome) = match verdict.result {
        _ if summary.verdict == NOT_GATED => ("NOT GATED (--no-gate)", None),
        Outcome::Pass => ("PASS", Some(Outcome::Pass)),
        Outcome::Fail => ("FAIL", Some(Outcome::Fail)),
        Outcome::Error => ("ERROR", Some(Outcome::Error)),
    };
    let verdict_line = paint.outcome(outcome, verdict_line);
    writeln!(
        out,
        "verdict: {verdict_line} at DSOMM {} in {:.1}s",
        inert.text(&summary.level_label),
        summary.wall_ms as f64 / 1000.0
    )?;
    for violation in &summary.violations {
        writeln!(out, "  - {}", inert.text(violation))?;
    }
    print_suppressions(&mut out, summary, inert)?;
    print_excluded(&mut out, summary, inert)?;
    for warning in &summary.warnings {
        writeln!(out, "warning: {}", inert.text(warning))?;
    }
    Ok(())
}

/// The scanners: status, version, time, and the file that made each apply or why it failed.
pub fn print_tools(out: &mut impl Write, tools: &[ToolSummary], inert: Inert, paint: Paint) -> std::io::Result<()> {
    if !tools.is_empty() {
        writeln!(
            out,
            "{:<12} {:<8} {:<10} {:>8}  note",
            "tool", "status", "version", "time"
        )?;
        for tool in tools {
            let mut note = match tool.status {
                Status::Ok => tool.trigger.clone().unwrap_or_default(),
                _ => tool.reason.clone().unwrap_or_default(),
            };
            if let Some(scope) = &tool.scope {
                note.push_str(&format!("; {scope}"));
            }
            if tool.file_errors > 0 {
                note.push_str(&file_errors_note(tool));
            }
            // Padded before it is painted: escape codes have no width on the terminal.
            let status = paint.status(tool.status, &format!("{:<8}", tool.status.as_str()));
            let seconds = tool.duration_ms as f64 / 1000.0;
            let version = inert.text(tool.version.as_deref().unwrap_or("-"));
            writeln!(
                out,
                "{:<12} {status} {version:<10} {seconds:>7.1}s  {}",
                inert.text(&tool.name),
                inert.text(&note)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// How many blocking reasons the assessment table shows per level.
const FIRST_REASONS: usize = 2;

/// `scangate assess` on a terminal: each level's verdict with its first blocking reasons, the
/// pipeline policy's row, the highest level met and what blocks the next, and what the run shows
/// of each DSOMM activity. Untrusted text passes through `inert` as in [`print_human`].
pub fn print_assessment(assessment: &Assessment, inert: Inert, paint: Paint) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<7} {:<8} first blocking reasons", "level", "verdict")?;
    for (row, below) in assessment.rungs() {
        print_row(&mut out, &row.level.to_string(), row, below, inert, paint)?;
    }
    if let Some(policy) = &assessment.policy {
        print_row(&mut out, "policy", policy, None, inert, paint)?;
        writeln!(out, "{:<7} {:<8} (DSOMM {})", "", "", inert.text(&policy.label))?;
    }
    writeln!(out, "\n{}", inert.text(&assessment.headline(FIRST_REASONS)))?;
    writeln!(
        out,
        "\nDSOMM activities (catalogue: DevSecOps-MaturityModel-data {}):",
        assessment.catalogue_commit
    )?;
    for activity in &assessment.activities {
        writeln!(
            out,
            "  {} level {} {:<13} \"{}\": {}",
            activity.id.get(..8).unwrap_or(&activity.id),
            activity.dsomm_level,
            activity.claim.as_str(),
            activity.name,
            inert.text(&activity.reason)
        )?;
    }
    Ok(())
}

fn print_row(
    out: &mut impl Write,
    name: &str,
    row: &LevelAssessment,
    below: Option<&LevelAssessment>,
    inert: Inert,
    paint: Paint,
) -> std::io::Result<()> {
    let beyond = row.reasons_beyond(below);
    // A reason the level below gives too is shown there, once.
    let as_below = beyond
        .below
        .map(|level| format!("what blocks level {level} ({})", beyond.repeated));
    let own = beyond.own.iter().take(FIRST_REASONS).map(|v| inert.text(&v.message));
    let mut reasons = as_below.into_iter().chain(own);
    let verdict = paint.outcome(Some(row.verdict), &format!("{:<8}", row.verdict.as_str()));
    writeln!(out, "{name:<7} {verdict} {}", reasons.next().unwrap_or_default())?;
    for reason in reasons {
        writeln!(out, "{:<7} {:<8} {reason}", "", "")?;
    }
    let more = beyond.own.len().saturating_sub(FIRST_REASONS);
    if more > 0 {
        writeln!(out, "{:<7} {:<8} … and {more} more (see --summary-json)", "", "")?;
    }
    Ok(())
}

/// `scan`'s line on the assessment: the highest level met and the first thing blocking the next.
pub fn print_level_met(assessment: &Assessment, inert: Inert) -> std::io::Result<()> {
    writeln!(
        std::io::stdout().lock(),
        "DSOMM {}",
        inert.text(&assessment.headline(1))
    )
}

/// How [`print_human`] keeps untrusted text on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inert {
    /// GitHub Actions (`GITHUB_ACTIONS=true` or `--format github`): the workflow-command rules
    /// (`%`, CR and LF as `%25`, `%0D`, `%0A`).
    WorkflowCommands,
    /// A terminal or another CI: control characters (line breaks, escape sequences) as `\n`,
    /// `\u{1b}` …, bidirectional controls as `\u{202e}` … ([`scangate_gate::one_line`]).
    Terminal,
}

impl Inert {
    /// [`Inert::WorkflowCommands`] when the GitHub reports are written.
    pub fn for_github(github: bool) -> Self {
        if github {
            Inert::WorkflowCommands
        } else {
            Inert::Terminal
        }
    }

    /// `text` on one line, with no control character left.
    pub fn text(self, text: &str) -> String {
        match self {
            Inert::WorkflowCommands => scangate_gate::one_line(&scangate_reports::github::escape_data(text)),
            Inert::Terminal => scangate_gate::one_line(text),
        }
    }
}

/// Where every suppression came from, and which were refused.
fn print_suppressions(out: &mut impl Write, summary: &Summary, inert: Inert) -> std::io::Result<()> {
    if !summary.suppressed_by_origin.is_empty() {
        writeln!(out, "suppressed by:")?;
        for (origin, findings) in &summary.suppressed_by_origin {
            writeln!(out, "  - {}: {findings}", inert.text(origin))?;
        }
    }
    for refused in &summary.refused_suppressions {
        writeln!(
            out,
            "refused: {} ({} counted)",
            inert.text(&refused.message),
            refused.findings
        )?;
    }
    Ok(())
}

/// `; 2 file(s) with errors, findings may be missing: a.py, b.py`, with at most the listed paths.
/// At most this many excluded paths are listed; the summary JSON has them all.
const EXCLUDED_LISTED: usize = 10;

fn print_excluded(out: &mut impl Write, summary: &Summary, inert: Inert) -> std::io::Result<()> {
    if summary.excluded.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = summary
        .excluded
        .iter()
        .take(EXCLUDED_LISTED)
        .map(|excluded| format!("{} ({})", excluded.path, excluded.reason))
        .collect();
    let more = summary.excluded.len().saturating_sub(EXCLUDED_LISTED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    writeln!(
        out,
        "excluded, not scanned: {}{more}; {} finding(s) there not counted",
        inert.text(&listed.join(", ")),
        summary.excluded_findings
    )
}

fn file_errors_note(tool: &ToolSummary) -> String {
    let more = if tool.file_errors > tool.file_error_paths.len() {
        ", …"
    } else {
        ""
    };
    format!(
        "; {} file(s) with errors, findings may be missing: {}{more}",
        tool.file_errors,
        tool.file_error_paths.join(", ")
    )
}

/// Unsuppressed findings per tool and severity, as the SARIF log holds them.
/// How many findings the terminal names unless `--max-findings` says otherwise.
pub const DEFAULT_MAX_FINDINGS: usize = 20;

/// The most severe counted findings (not suppressed, not pre-existing), one line each —
/// severity, tool, rule, file:line, message — so a blocked commit says where.
fn print_top_findings(
    out: &mut impl Write,
    runs: &[ToolRun],
    verdict: &Verdict,
    max: usize,
    inert: Inert,
    paint: Paint,
) -> std::io::Result<()> {
    let counted: Vec<Finding> = runs
        .iter()
        .flat_map(|run| {
            let known = run.pre_existing.as_ref();
            run.findings
                .iter()
                .filter(move |f| !verdict.is_suppressed(f) && !known.is_some_and(|k| k.contains(&f.fingerprint)))
        })
        .cloned()
        .collect();
    if counted.is_empty() || max == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "
most severe counted findings:"
    )?;
    let ranked = scangate_reports::most_severe_first(&counted);
    // On a terminal each line fits its width; elsewhere (a pipe, a CI log) the message is cut at
    // a fixed length.
    let width = console::Term::stdout()
        .size_checked()
        .map(|(_, columns)| usize::from(columns));
    for finding in ranked.iter().take(max) {
        let place = finding.location.as_ref().map_or_else(String::new, ToString::to_string);
        let message: String = scangate_gate::one_line(&finding.message)
            .chars()
            .take(MESSAGE_CHARS)
            .collect();
        let severity = paint.severity(finding.severity, &format!("{:<8}", finding.severity.as_str()));
        let line = format!(
            "  {severity} {:<12} {}  {}  {}",
            inert.text(&finding.tools.join(",")),
            inert.text(&finding.rule_id),
            inert.text(&place),
            inert.text(&message)
        );
        match width {
            Some(width) => writeln!(out, "{}", console::truncate_str(&line, width, "…"))?,
            None => writeln!(out, "{line}")?,
        }
    }
    if ranked.len() > max {
        writeln!(
            out,
            "  … and {} more (--max-findings, or the SARIF log)",
            ranked.len() - max
        )?;
    }
    Ok(())
}

/// How much of a message one line of the terminal shows.
const MESSAGE_CHARS: usize = 120;

fn print_findings_table(
    out: &mut impl Write,
    runs: &[ToolRun],
    verdict: &Verdict,
    inert: Inert,
    paint: Paint,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<12} {:>8} {:>6} {:>6} {:>6} {:>6} {:>10}",
        "findings", "critical", "high", "medium", "low", "info", "suppressed"
    )?;
    for run in runs {
        let mut per_severity = [0usize; 5];
        let mut suppressed = 0;
        for finding in &run.findings {
            if verdict.is_suppressed(finding) {
                suppressed += 1;
            } else {
                per_severity[Severity::ALL.iter().position(|s| *s == finding.severity).unwrap_or(4)] += 1;
            }
        }
        // The header's column widths: critical, high, medium, low, info.
        let cells: Vec<String> = Severity::ALL
            .into_iter()
            .zip(per_severity)
            .zip([8, 6, 6, 6, 6])
            .map(|((severity, count), width)| count_cell(paint, severity, count as u64, format!("{count:>width$}")))
            .collect();
        // A run of `scangate gate` names the tool another SARIF log gave.
        writeln!(
            out,
            "{:<12} {} {suppressed:>10}",
            inert.text(&run.tool),
            cells.join(" ")
        )?;
    }
    print_merged(out, runs, inert)
}

/// One line per tool whose findings sit in another tool's row
/// ([`scangate_reports::merged_elsewhere`]).
fn print_merged(out: &mut impl Write, runs: &[ToolRun], inert: Inert) -> std::io::Result<()> {
    for (tool, (count, rows)) in scangate_reports::merged_elsewhere(runs.iter().flat_map(|run| &run.findings)) {
        let rows: Vec<String> = rows.iter().map(|row| inert.text(row)).collect();
        let findings = if count == 1 { "finding" } else { "findings" };
        writeln!(
            out,
            "{}: {count} more {findings} it reported, also reported by {}, counted once in that row",
            inert.text(tool),
            rows.join(", ")
        )?;
    }
    Ok(())
}

/// `text` (a count, padded) in its severity's colour when there is something to count.
fn count_cell(paint: Paint, severity: Severity, count: u64, text: String) -> String {
    match count {
        0 => text,
        _ => paint.severity(severity, &text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vulnerability two tools reported is one finding, in the first tool's row; the other
    /// tool's row says where its findings went, so its 0 is not read as "found nothing".
    #[test]
    fn the_findings_table_says_where_merged_findings_are_counted() {
        let mut merged = Finding::new(
            "osv-scanner",
            scangate_normalizer::Kind::Dependency,
            "GHSA-1",
            Severity::High,
        );
        merged.tools.push("npm-audit".into());
        let runs = [
            ToolRun {
                tool: "osv-scanner".into(),
                findings: vec![merged],
                ..ToolRun::default()
            },
            ToolRun {
                tool: "npm-audit".into(),
                ..ToolRun::default()
            },
        ];
        let mut out = Vec::new();
        print_merged(&mut out, &runs, Inert::Terminal).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "npm-audit: 1 more finding it reported, also reported by osv-scanner, counted once in that row"
            ),
            "{text}"
        );
    }

    /// The published JSON Schema of `--summary-json` is generated from [`Summary`]'s types; with
    /// SCANGATE_WRITE_SCHEMA=1 this test writes it.
    #[test]
    fn the_published_summary_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/summary.schema.json");
        let schema = serde_json::to_string_pretty(&schemars::schema_for!(Summary)).unwrap() + "\n";
        if std::env::var_os("SCANGATE_WRITE_SCHEMA").is_some() {
            std::fs::write(&path, &schema).unwrap();
        }
        let published = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            published == schema,
            "{} is not the schema of the summary's types: SCANGATE_WRITE_SCHEMA=1 cargo test -p scangate \
             the_published_summary_schema_is_current",
            path.display()
        );
    }

    #[test]
    fn untrusted_text_stays_on_its_line() {
        let hostile = "a\n::stop-commands::x\r\n50% \u{1b}[31mred";
        assert_eq!(
            Inert::WorkflowCommands.text(hostile),
            "a%0A::stop-commands::x%0D%0A50%25 \\u{1b}[31mred"
        );
        assert_eq!(
            Inert::Terminal.text(hostile),
            "a\\n::stop-commands::x\\r\\n50% \\u{1b}[31mred"
        );
        let reordered = "invoice\u{202E}fdp.exe \u{2066}x\u{2069}\u{9b}31m";
        for inert in [Inert::WorkflowCommands, Inert::Terminal] {
            assert_eq!(
                inert.text(reordered),
                "invoice\\u{202e}fdp.exe \\u{2066}x\\u{2069}\\u{9b}31m"
            );
        }
    }
}
