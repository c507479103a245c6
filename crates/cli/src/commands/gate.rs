//! `scangate gate SARIF...`: gate SARIF logs that were written elsewhere — the per-tool parts of
//! a sharded CI scan (`scan --tools X --no-gate`), or the log of any SARIF-producing tool.
//!
//! The parts of a sharded scan must give the verdict one full scan would, failures included.
//! Each part records every scanner of its scan (`scangate/scanners`: ran, failed, or not run and
//! whether it applies), so the gate judges the scanners as the full scan would: a failed run is
//! an error, and so is a scanner that applies but whose run no part holds (a deleted or crashed
//! shard). A part that holds nothing (`{}`, `runs: []`, other JSON) is an error, never a clean
//! shard.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use anyhow::Context;
use scangate_gate::{evaluate, Baseline, Category, Date, Outcome, Required, ToolOutcome};
use scangate_normalizer::{dedup, read_sarif_log, split_by_first_tool, Finding, SarifLog, ScannerRecord, ToolRun};
use scangate_runner::{tool_named, Status, TOOLS};

use crate::args::GateCommandArgs;
use crate::colour::{ColorChoice, Paint, Stream};
use crate::exit::ExitStatus;
use crate::gating::{apply_verdict, read_baseline, resolve_policy, tool_status};
use crate::summary::{print_human, Inert, Summary, ToolSummary, DEFAULT_MAX_FINDINGS};

pub fn run(args: GateCommandArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let mut policy = resolve_policy(&args.policy, None)?;
    let baseline = read_baseline(args.verdict.baseline.as_deref())?;
    let parts: Vec<SarifLog> = args
        .sarif_files
        .iter()
        .map(|path| read_part(path))
        .collect::<Result<_, _>>()?;
    let mut warnings = Vec::new();
    if !parts.iter().any(|part| part.from_scangate) {
        // Another tool's log says nothing about which scanners ran, so there is nothing to hold
        // against the level's required categories: only the findings are gated.
        policy.required = Required::default();
        warnings.push("no input is a scangate log: required scanner categories were not checked".to_string());
    }
    let records: Vec<ScannerRecord> = parts
        .iter()
        .flat_map(|part| part.scanners.iter().flatten().cloned())
        .collect();
    let read_runs: Vec<ToolRun> = parts.into_iter().flat_map(|part| part.runs).collect();
    let baseline = with_recorded_baseline(baseline, &read_runs);
    warnings.extend(refused_in_parts(&read_runs));
    let gated = gated_tools(&records, &read_runs);
    let outcomes: Vec<ToolOutcome> = gated.iter().map(GatedTool::outcome).collect();
    let findings: Vec<Finding> = dedup(read_runs.iter().flat_map(|run| run.findings.iter().cloned()).collect());
    let verdict = evaluate(&policy, &findings, &outcomes, baseline.as_ref(), Date::today_utc());
    let mut runs: Vec<ToolRun> = split_by_first_tool(findings)
        .into_iter()
        .map(|(tool, findings)| ToolRun {
            tool,
            findings,
            ..ToolRun::default()
        })
        .collect();
    apply_verdict(&mut runs, &verdict);
    let tool_summaries = gated.into_iter().map(GatedTool::summary).collect();
    let summary = Summary::new(
        &verdict,
        started.elapsed().as_millis() as u64,
        tool_summaries,
        &warnings,
    );
    if let Some(path) = &args.verdict.summary_json {
        summary.write(path)?;
    }
    let github = crate::publish::Targets::resolve(false, None).github;
    print_human(
        &summary,
        &runs,
        &verdict,
        DEFAULT_MAX_FINDINGS,
        Inert::for_github(github),
        Paint::for_stream(color, Stream::Stdout),
    )?;
    Ok(match verdict.result {
        _ if args.verdict.dry_run => ExitStatus::Success,
        Outcome::Pass => ExitStatus::Success,
        Outcome::Fail => ExitStatus::Failure,
        Outcome::Error => ExitStatus::Error,
    })
}

/// The `--baseline`, plus the findings the parts' scans held as pre-existing (`baselineState`
/// `unchanged`: a baseline, or PR mode's findings outside the change).
fn with_recorded_baseline(explicit: Option<Baseline>, runs: &[ToolRun]) -> Option<Baseline> {
    let recorded: Vec<&HashSet<String>> = runs.iter().filter_map(|run| run.pre_existing.as_ref()).collect();
    if recorded.is_empty() {
        return explicit;
    }
    let mut baseline = explicit.unwrap_or_else(|| Baseline::from_fingerprints(std::iter::empty::<&str>()));
    baseline.extend(recorded.into_iter().flatten());
    Some(baseline)
}

/// The parts' refused suppressions ("suppression added by this change — needs review: …"),
/// each once: their findings count here as they did in the part's scan.
fn refused_in_parts(runs: &[ToolRun]) -> BTreeSet<String> {
    runs.iter()
        .flat_map(|run| run.refused_suppressions.values().cloned())
        .collect()
}

/// Reads one part. A log with no run and no record of its scan vouches for nothing: gating it
/// as clean would let a shard that wrote `runs: []` pass.
fn read_part(path: &Path) -> anyhow::Result<SarifLog> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let log =
        read_sarif_log(&bytes).with_context(|| format!("{} is not a SARIF log scangate can read", path.display()))?;
    if log.runs.is_empty() && log.scanners.is_none() {
        anyhow::bail!(
            "{} holds no run and no record of a scangate scan: it cannot vouch for any scanner",
            path.display()
        );
    }
    Ok(log)
}

/// One scanner as the gate judges it, with what its summary entry shows.
struct GatedTool {
    name: String,
    status: Status,
    applies: bool,
    reason: Option<String>,
    version: Option<String>,
    findings: Option<usize>,
    /// The categories a limited run recorded (trivy misconfiguration only); else the tool's.
    categories: Option<Vec<String>>,
    scope: Option<String>,
}

impl GatedTool {
    fn outcome(&self) -> ToolOutcome {
        let categories = match &self.categories {
            Some(recorded) => recorded.iter().filter_map(|name| Category::parse(name)).collect(),
            None => tool_named(&self.name)
                .map(|tool| tool.categories().to_vec())
                .unwrap_or_default(),
        };
        ToolOutcome {
            name: self.name.clone(),
            categories,
            status: tool_status(self.status),
            applies: self.applies,
            reason: self.reason.clone(),
            // A limited run that kept its categories covered them in part (see ScannerRecord).
            partial: self.scope.clone().filter(|_| self.categories.is_none()),
        }
    }

    fn summary(self) -> ToolSummary {
        ToolSummary {
            name: self.name,
            status: self.status,
            version: self.version,
            duration_ms: 0,
            findings: self.findings,
            reason: self.reason,
            file_errors: 0,
            file_error_paths: Vec::new(),
            trigger: None,
            target: None,
            exit_code: None,
            argv: Vec::new(),
            scope: self.scope,
        }
    }
}

/// The scanners of all parts together, scangate's in registry order, then other tools' runs.
fn gated_tools(records: &[ScannerRecord], runs: &[ToolRun]) -> Vec<GatedTool> {
    let mut gated: Vec<GatedTool> = TOOLS
        .iter()
        .flat_map(|tool| gated_scanner(tool.name(), records, runs))
        .collect();
    let foreign = runs.iter().filter(|run| tool_named(&run.tool).is_none());
    gated.extend(foreign.map(|run| GatedTool {
        findings: Some(run.findings.len()),
        ..from_run(run)
    }));
    gated
}

/// One scangate scanner over all parts: as the parts that ran it recorded it; missing when no
/// part ran it but it applies; skipped when it applies nowhere. Runs of parts without records
/// (older scangate) count by their own success. Its first entry carries the findings count.
fn gated_scanner(name: &str, records: &[ScannerRecord], runs: &[ToolRun]) -> Vec<GatedTool> {
    let of_tool = || records.iter().filter(move |record| record.name == name);
    let ran: Vec<&ScannerRecord> = of_tool()
        .filter(|record| record.status != Status::Skipped.as_str())
        .collect();
    let runs_of: Vec<&ToolRun> = runs.iter().filter(|run| run.tool == name).collect();
    let version = runs_of.iter().find_map(|run| run.version.clone());
    let mut gated: Vec<GatedTool> = if !ran.is_empty() {
        let mut gated: Vec<GatedTool> = ran.iter().map(|record| recorded(record, version.clone())).collect();
        // A run that says it failed counts even if its part's record says otherwise.
        if !gated.iter().any(|tool| tool.status.is_failure()) {
            let failed_runs = runs_of.iter().filter(|run| !run.tool_errors.is_empty());
            gated.extend(failed_runs.map(|run| from_run(run)));
        }
        gated
    } else if !runs_of.is_empty() {
        runs_of.iter().map(|run| from_run(run)).collect()
    } else if let Some(record) = of_tool().find(|record| record.applies) {
        vec![no_part_ran(record)]
    } else {
        of_tool().take(1).map(|record| recorded(record, None)).collect()
    };
    if let Some(first) = gated.first_mut().filter(|tool| tool.status != Status::Skipped) {
        first.findings = Some(runs_of.iter().map(|run| run.findings.len()).sum());
    }
    gated
}

fn recorded(record: &ScannerRecord, version: Option<String>) -> GatedTool {
    let status = Status::parse(&record.status);
    let reason = match status {
        Some(_) => record.reason.clone(),
        None => Some(format!("the part records an unknown status `{}`", record.status)),
    };
    GatedTool {
        name: record.name.clone(),
        status: status.unwrap_or(Status::Error),
        applies: record.applies,
        reason,
        version,
        findings: None,
        categories: record.categories.clone(),
        scope: record.scope.clone(),
    }
}

fn no_part_ran(record: &ScannerRecord) -> GatedTool {
    GatedTool {
        status: Status::Missing,
        reason: Some(
            "applies to the scanned repository, but no part holds its run (a shard is missing or did not run it)"
                .to_string(),
        ),
        ..recorded(record, None)
    }
}

/// A run without a record: it failed if it reported errors.
fn from_run(run: &ToolRun) -> GatedTool {
    let failed = !run.tool_errors.is_empty();
    GatedTool {
        name: run.tool.clone(),
        status: if failed { Status::Error } else { Status::Ok },
        applies: true,
        reason: failed.then(|| run.tool_errors.join("; ")),
        version: run.version.clone(),
        findings: None,
        categories: None,
        scope: None,
    }
}
