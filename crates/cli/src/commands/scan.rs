//! `scangate scan`: run the applicable scanners concurrently and write the summary.

use std::io::Write;

use anyhow::Context;
use scangate_runner::{Execution, ScanOptions, Status};

use crate::args::ScanArgs;
use crate::exit::ExitStatus;
use crate::summary::{scanner_failures, Summary, ToolSummary, Verdict};

pub async fn run(args: ScanArgs) -> anyhow::Result<ExitStatus> {
    let options = ScanOptions::from(&args.scanners);
    let plan =
        scangate_runner::plan(&args.path, &options).with_context(|| format!("cannot scan {}", args.path.display()))?;
    let execution = scangate_runner::execute(plan, &options).await?;
    let violations = scanner_failures(&execution);
    let verdict = if violations.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Error
    };
    let summary = Summary {
        verdict,
        wall_ms: execution.wall.as_millis() as u64,
        tools: execution.outputs.iter().map(ToolSummary::from_raw).collect(),
        violations,
    };
    if let Some(path) = &args.summary_json {
        let file =
            std::fs::File::create(path).with_context(|| format!("cannot write the summary to {}", path.display()))?;
        serde_json::to_writer_pretty(std::io::BufWriter::new(file), &summary)?;
    }
    print_human(&execution, &summary)?;
    Ok(exit_status(verdict, &args))
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
        "{:<12} {:<8} {:<10} {:>9}  note",
        "tool", "status", "version", "time"
    )?;
    for raw in &execution.outputs {
        let status = serde_json::to_value(raw.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let note = match raw.status {
            Status::Ok => raw.target.as_ref().map(|t| t.trigger.clone()).unwrap_or_default(),
            _ => raw.reason.clone().unwrap_or_default(),
        };
        writeln!(
            out,
            "{:<12} {:<8} {:<10} {:>8.1}s  {note}",
            raw.tool,
            status,
            raw.version.as_deref().unwrap_or("-"),
            raw.duration.as_secs_f64()
        )?;
    }
    writeln!(out, "\nwall time {:.1}s", execution.wall.as_secs_f64())?;
    for violation in &summary.violations {
        writeln!(out, "error: {violation}")?;
    }
    Ok(())
}
