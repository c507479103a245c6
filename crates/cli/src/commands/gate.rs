//! `scangate gate SARIF...`: gate SARIF logs that were written elsewhere — the per-tool parts of
//! a sharded CI scan (`scan --tools X --no-gate`), or the log of any SARIF-producing tool.

use anyhow::Context;
use scangate_gate::{evaluate, Date, Outcome, Required, ToolOutcome, ToolStatus};
use scangate_normalizer::{dedup, read_sarif, split_by_first_tool, Finding, ToolRun};
use scangate_runner::{tool_named, Status};

use crate::args::GateCommandArgs;
use crate::exit::ExitStatus;
use crate::gating::{apply_verdict, category, read_baseline, resolve_policy};
use crate::summary::{print_human, Summary, ToolSummary};

pub fn run(args: GateCommandArgs) -> anyhow::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let mut policy = resolve_policy(&args.policy, None)?;
    let baseline = read_baseline(args.verdict.baseline.as_deref())?;
    let mut read_runs: Vec<ToolRun> = Vec::new();
    let mut any_scangate_log = false;
    for path in &args.sarif_files {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let runs =
            read_sarif(&bytes).with_context(|| format!("{} is not a SARIF log scangate can read", path.display()))?;
        any_scangate_log |= is_scangate_log(&bytes);
        read_runs.extend(runs);
    }
    let mut warnings = Vec::new();
    if !any_scangate_log {
        // Another tool's log says nothing about which scanners ran, so there is nothing to hold
        // against the level's required categories: only the findings are gated.
        policy.required = Required::default();
        warnings.push("no input is a scangate log: required scanner categories were not checked".to_string());
    }
    let tools: Vec<ToolOutcome> = read_runs.iter().map(tool_outcome).collect();
    let findings: Vec<Finding> = dedup(read_runs.iter().flat_map(|run| run.findings.iter().cloned()).collect());
    let verdict = evaluate(&policy, &findings, &tools, baseline.as_ref(), Date::today_utc());
    let mut runs: Vec<ToolRun> = split_by_first_tool(findings)
        .into_iter()
        .map(|(tool, findings)| ToolRun {
            tool,
            findings,
            ..ToolRun::default()
        })
        .collect();
    apply_verdict(&mut runs, &verdict);
    let tool_summaries = read_runs.iter().map(tool_summary).collect();
    let summary = Summary::new(
        &verdict,
        started.elapsed().as_millis() as u64,
        tool_summaries,
        &warnings,
    );
    if let Some(path) = &args.verdict.summary_json {
        summary.write(path)?;
    }
    print_human(&summary, &runs, &verdict)?;
    Ok(match verdict.result {
        _ if args.verdict.dry_run => ExitStatus::Success,
        Outcome::Pass => ExitStatus::Success,
        Outcome::Fail => ExitStatus::Failure,
        Outcome::Error => ExitStatus::Error,
    })
}

/// A run written by scangate carries `automationDetails.id = "scangate/<tool>/"`.
fn is_scangate_log(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Log {
        runs: Vec<Run>,
    }
    #[derive(serde::Deserialize)]
    struct Run {
        #[serde(rename = "automationDetails")]
        automation_details: Option<AutomationDetails>,
    }
    #[derive(serde::Deserialize)]
    struct AutomationDetails {
        id: Option<String>,
    }
    serde_json::from_slice::<Log>(bytes).is_ok_and(|log| {
        log.runs.iter().any(|run| {
            run.automation_details
                .as_ref()
                .and_then(|a| a.id.as_deref())
                .is_some_and(|id| id.starts_with("scangate/"))
        })
    })
}

/// A run that reported errors did not give a trustworthy result.
fn tool_outcome(run: &ToolRun) -> ToolOutcome {
    let categories = tool_named(&run.tool).map(|tool| tool.categories()).unwrap_or_default();
    let failed = !run.tool_errors.is_empty();
    ToolOutcome {
        name: run.tool.clone(),
        categories: categories.iter().map(|c| category(*c)).collect(),
        status: if failed { ToolStatus::Error } else { ToolStatus::Ok },
        applies: true,
        reason: failed.then(|| run.tool_errors.join("; ")),
    }
}

fn tool_summary(run: &ToolRun) -> ToolSummary {
    let failed = !run.tool_errors.is_empty();
    ToolSummary {
        name: run.tool.clone(),
        status: if failed { Status::Error } else { Status::Ok },
        version: run.version.clone(),
        duration_ms: 0,
        findings: Some(run.findings.len()),
        reason: failed.then(|| run.tool_errors.join("; ")),
        trigger: None,
        target: None,
        exit_code: None,
        argv: Vec::new(),
    }
}
