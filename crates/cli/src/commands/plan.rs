//! `scangate plan`: what a scan would run, and why. Starts no scanner.

use std::io::Write;

use anyhow::Context;
use scangate_normalizer::redact_url_credentials;
use scangate_runner::{Plan, PlannedRun};

use crate::args::PlanArgs;
use crate::exit::ExitStatus;
use crate::gating::resolve_policy;
use crate::options::scan_options;
use crate::summary::Inert;

pub fn run(args: PlanArgs) -> anyhow::Result<ExitStatus> {
    let mut options = scan_options(&args.scanners, &args.path)?;
    // The policy first, as `scan` reads it: its `[third_party] exclude` paths are left out of the
    // plan. A root that is no directory gets the plan's error, naming it.
    let root = args.path.canonicalize().ok().filter(|root| root.is_dir());
    let policy = resolve_policy(&args.policy, root.as_deref())?;
    options.policy_exclude = policy.third_party.exclude_globs();
    let plan = scangate_runner::plan(&args.path, &options)
        .with_context(|| format!("cannot plan a scan of {}", args.path.display()))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut json = plan_json(&plan);
        json["policy"] = serde_json::to_value(&policy)?;
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
    } else {
        let inert = Inert::for_github(crate::publish::Targets::resolve(false, None).github);
        write_plan(&mut out, &plan, inert)?;
        writeln!(out, "\neffective policy\n{policy}")?;
    }
    let missing = plan.runs.iter().any(|run| run.program.is_none());
    Ok(if missing {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

/// The plan for a terminal or a CI log; paths, triggers, argv and environment pass through
/// `inert` (they come from the repository), so none can start a line.
fn write_plan(out: &mut impl Write, plan: &Plan, inert: Inert) -> std::io::Result<()> {
    let text = |value: &dyn std::fmt::Display| inert.text(&value.to_string());
    writeln!(out, "scan plan for {}", text(&plan.repo.root().display()))?;
    for run in &plan.runs {
        let state = if run.program.is_some() {
            "applies"
        } else {
            "applies, MISSING"
        };
        writeln!(out, "\n{} ({state})", run.tool.name())?;
        writeln!(out, "  because: {}", text(&run.target.trigger))?;
        writeln!(out, "  in:      {}", text(&run.cwd.display()))?;
        writeln!(out, "  argv:    {}", text(&shell_words(&shown_argv(run))))?;
        if let Some(limited) = run.limited {
            writeln!(out, "  limited: {}", limited.note())?;
        }
        for gap in &run.gaps {
            writeln!(out, "  gap:     {}", text(gap))?;
        }
        if let Some(refusal) = run.offline_refusal {
            writeln!(out, "  offline: {refusal}")?;
        }
        for (key, value) in &run.env {
            let (key, value) = (key.to_string_lossy(), value.to_string_lossy());
            writeln!(out, "  env:     {}={}", text(&key), text(&value))?;
        }
    }
    for not_run in &plan.not_run {
        writeln!(
            out,
            "\n{} (does not run)\n  because: {}",
            not_run.tool.name(),
            text(&not_run.reason)
        )?;
    }
    if !plan.repo.excluded().is_empty() {
        writeln!(out, "\nexcluded, not scanned")?;
    }
    for exclusion in plan.repo.excluded() {
        writeln!(out, "  {} ({})", text(&exclusion.display()), text(&exclusion.reason))?;
    }
    for unscanned in &plan.unscanned {
        writeln!(out, "\nnot scanned: {}", text(unscanned))?;
    }
    Ok(())
}

/// The argv as shown: credentials in a URL (`--npm-registry https://user:token@host/`) redacted.
fn shown_argv(run: &PlannedRun) -> Vec<String> {
    let argv = run.argv_display();
    argv.iter()
        .map(|word| redact_url_credentials(word).into_owned())
        .collect()
}

/// Quotes argv elements for display only: scanners are never started through a shell.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./=,:@%+".contains(&b))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn plan_json(plan: &Plan) -> serde_json::Value {
    let runs: Vec<_> = plan
        .runs
        .iter()
        .map(|run| {
            serde_json::json!({
                "tool": run.tool.name(),
                "trigger": run.target.trigger,
                "cwd": run.cwd.to_string_lossy(),
                "argv": shown_argv(run),
                "missing": run.program.is_none(),
                "categories": run.categories,
                "limited": run.limited.map(|limited| limited.note()),
                "gaps": run.gaps,
                "offline_refusal": run.offline_refusal,
            })
        })
        .collect();
    let not_run: Vec<_> = plan
        .not_run
        .iter()
        .map(|n| serde_json::json!({"tool": n.tool.name(), "reason": n.reason}))
        .collect();
    let excluded = crate::summary::ExcludedSummary::list(plan.repo.excluded());
    serde_json::json!({
        "root": plan.repo.root().to_string_lossy(),
        "runs": runs,
        "not_run": not_run,
        "excluded": excluded,
        "unscanned": plan.unscanned,
    })
}
