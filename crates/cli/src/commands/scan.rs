//! `scangate scan`: run the applicable scanners concurrently, normalize what they report into
//! one SARIF log, and write the summary.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use scangate_normalizer::{write_sarif, SarifOptions, ToolRun};
use scangate_runner::{Execution, ScanOptions, Status};

use crate::args::ScanArgs;
use crate::exit::ExitStatus;
use crate::normalize::{normalize, Normalized};
use crate::options::semgrep_rule_prefixes;
use crate::summary::{scanner_failures, Counts, Summary, ToolSummary, Verdict};

pub async fn run(args: ScanArgs) -> anyhow::Result<ExitStatus> {
    let options = ScanOptions::from(&args.scanners);
    let plan =
        scangate_runner::plan(&args.path, &options).with_context(|| format!("cannot scan {}", args.path.display()))?;
    let mut execution = scangate_runner::execute(plan, &options).await?;
    if let Some(dir) = &args.raw_dir {
        keep_raw_outputs(&execution, dir)?;
    }
    let normalized = normalize(&mut execution, &semgrep_rule_prefixes(&options));
    let notes = write_sarif_file(&args.sarif, &normalized.runs, &execution.root)?;
    let violations = scanner_failures(&execution);
    let verdict = if violations.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Error
    };
    let (counts, suppressed) = count(&normalized);
    let summary = Summary {
        verdict,
        wall_ms: execution.wall.as_millis() as u64,
        counts,
        suppressed,
        tools: tool_summaries(&execution, &normalized),
        violations,
        notes,
    };
    if let Some(path) = &args.summary_json {
        let file =
            std::fs::File::create(path).with_context(|| format!("cannot write the summary to {}", path.display()))?;
        serde_json::to_writer_pretty(std::io::BufWriter::new(file), &summary)?;
    }
    print_human(&execution, &summary)?;
    Ok(exit_status(verdict, &args))
}

/// Copies the scanners' own outputs (they live in a scratch directory removed after the run).
fn keep_raw_outputs(execution: &Execution, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for output in execution.outputs.iter().filter_map(|raw| raw.output.as_deref()) {
        let name = output.file_name().expect("scanner outputs are files");
        std::fs::copy(output, dir.join(name))
            .with_context(|| format!("cannot copy a raw output to {}", dir.display()))?;
    }
    Ok(())
}

/// Writes the SARIF log; returns what was dropped to fit GitHub's limits.
fn write_sarif_file(path: &Path, runs: &[ToolRun], root: &Path) -> anyhow::Result<Vec<String>> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write the SARIF log to {}", path.display()))?;
    let notes = write_sarif(file, runs, &SarifOptions::new(root))
        .with_context(|| format!("cannot write the SARIF log to {}", path.display()))?;
    for note in &notes {
        tracing::warn!("{note}");
    }
    Ok(notes)
}

fn count(normalized: &Normalized) -> (Counts, usize) {
    let mut counts = Counts::default();
    let mut suppressed = 0;
    for finding in normalized.findings() {
        if finding.native_suppression.is_some() {
            suppressed += 1;
        } else {
            counts.add(finding.severity);
        }
    }
    (counts, suppressed)
}

fn tool_summaries(execution: &Execution, normalized: &Normalized) -> Vec<ToolSummary> {
    let outputs = execution.outputs.iter().enumerate();
    outputs
        .map(|(index, raw)| ToolSummary::from_raw(raw, normalized.reported.get(&index).copied()))
        .collect()
}

/// `--dry-run` always exits 0; `--no-gate` only reports errors.
fn exit_status(verdict: Verdict, args: &ScanArgs) -> ExitStatus {
    match verdict {
        _ if args.dry_run => ExitStatus::Success,
        Verdict::Error => ExitStatus::Error,
        _ if args.no_gate => ExitStatus::Success,
        Verdict::Pass => ExitStatus::Success,
        Verdict::Fail => ExitStatus::Failure,
    }
}

fn print_human(execution: &Execution, summary: &Summary) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<12} {:<8} {:<10} {:>9} {:>9}  note",
        "tool", "status", "version", "time", "findings"
    )?;
    for (raw, entry) in execution.outputs.iter().zip(&summary.tools) {
        let status = serde_json::to_value(raw.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let note = match raw.status {
            Status::Ok => raw.target.as_ref().map(|t| t.trigger.clone()).unwrap_or_default(),
            _ => raw.reason.clone().unwrap_or_default(),
        };
        let findings = entry.findings.map(|n| n.to_string()).unwrap_or_else(|| "-".to_string());
        writeln!(
            out,
            "{:<12} {:<8} {:<10} {:>8.1}s {findings:>9}  {note}",
            raw.tool,
            status,
            raw.version.as_deref().unwrap_or("-"),
            raw.duration.as_secs_f64()
        )?;
    }
    let c = summary.counts;
    writeln!(
        out,
        "\nfindings: {} critical, {} high, {} medium, {} low, {} info; {} suppressed",
        c.critical, c.high, c.medium, c.low, c.info, summary.suppressed
    )?;
    writeln!(out, "wall time {:.1}s", execution.wall.as_secs_f64())?;
    for violation in &summary.violations {
        writeln!(out, "error: {violation}")?;
    }
    Ok(())
}
