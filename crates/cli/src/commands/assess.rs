//! `scangate assess`: the scanners run once, as `scan` runs them; the findings are judged by all
//! five DSOMM presets (and the pipeline's policy, when given), giving the highest level met, what
//! blocks the next one, and what the run shows of each activity the presets cite.
//!
//! The exit code says whether the assessment could be made, not which levels pass: 0 when it
//! completed, 2 when a scanner that applies failed (and the policy does not mark it optional) or
//! the configuration is invalid.

use scangate_gate::Policy;

use super::scan::{ScanRequest, Scanned};
use crate::args::AssessArgs;
use crate::colour::{ColorChoice, Paint, Stream};
use crate::exit::ExitStatus;
use crate::gating::tool_outcomes;
use crate::summary::{print_assessment, print_tools, Inert};

pub async fn run(args: AssessArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let started = std::time::SystemTime::now();
    if args.scanners.staged {
        anyhow::bail!("assess judges the whole repository; --staged is for the pre-commit hook (`scan --staged`)");
    }
    let inert = Inert::for_github(crate::publish::Targets::resolve(false, None).github);
    let request = ScanRequest {
        path: &args.path,
        scanners: &args.scanners,
        policy: &args.policy,
        baseline: args.baseline.as_deref(),
        raw_dir: None,
        sbom: None,
        inert,
        progress: Some(Paint::for_stream(color, Stream::Stderr)),
    };
    let scanned = Scanned::run(&request).await?;
    let verdict = scanned.evaluate(&scanned.policy);
    let own_row = args.policy.policy.is_some() || args.policy.level > 1;
    let assessment = scanned.assess(own_row.then_some(&scanned.policy));
    let failed = failed_scanners(&scanned, &scanned.policy);
    let runs = scanned.shown_runs(&verdict);
    let mut summary = scanned.report(&runs, &verdict, args.sarif.as_deref())?;
    summary.level_met = Some(assessment.highest_met);
    summary.assessment = Some(assessment);
    if let Some(path) = &args.summary_json {
        summary.write(path)?;
    }
    if let Some(path) = &args.html {
        let revision = crate::publish::Revision::of(scanned.result.root());
        let run = scanned.html_run(&runs, &verdict, summary.assessment.as_ref(), true, &revision);
        crate::publish::publish_html(path, &run, &summary, started)?;
    }
    let paint = Paint::for_stream(color, Stream::Stdout);
    print_tools(&mut std::io::stdout().lock(), &summary.tools, inert, paint)?;
    if let Some(assessment) = &summary.assessment {
        print_assessment(assessment, inert, paint)?;
    }
    if failed.is_empty() {
        return Ok(ExitStatus::Success);
    }
    tracing::error!(
        "the assessment is incomplete: {} failed; every level that needs it is an error",
        failed.join(", ")
    );
    Ok(ExitStatus::Error)
}

/// Scanners that apply and gave no trustworthy result, unless the policy marks them optional.
fn failed_scanners(scanned: &Scanned, policy: &Policy) -> Vec<String> {
    let mut failed: Vec<String> = tool_outcomes(&scanned.result)
        .into_iter()
        .filter(|tool| tool.applies && tool.status.is_failure() && !policy.optional.contains(&tool.name))
        .map(|tool| format!("{} ({})", tool.name, tool.status.as_str()))
        .collect();
    failed.dedup();
    failed
}
