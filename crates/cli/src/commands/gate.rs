//! `scangate gate SARIF...`: gate SARIF logs that were written elsewhere — the per-tool parts of
//! a sharded CI scan (`scan --tools X --no-gate`), or the log of any SARIF-producing tool.
//!
//! The parts of a sharded scan must give the verdict one full scan would, failures included.
//! Each part records every scanner of its scan (`scangate/scanners`: ran, failed, or not run and
//! whether it applies), so the gate judges the scanners as the full scan would: a failed run is
//! an error, and so is a scanner that applies but whose run no part holds (a deleted or crashed
//! shard). A part that holds nothing (`{}`, `runs: []`, other JSON) is an error, never a clean
//! shard.
//!
//! A part vouches for its own runs only. The `baselineState` `unchanged` a scangate run wrote
//! (its scan's baseline, or pull-request mode's findings outside the change) holds for that run's
//! own findings: never for another part's or another tool's, and never in a run of another tool,
//! so a forged part cannot declare the other parts' findings pre-existing. A part is read only as
//! a regular file of at most [`crate::input::MAX_SARIF_BYTES`], and a part with results given
//! twice is refused (see [`read_parts`], [`refuse_duplicates`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use scangate_gate::{evaluate, Baseline, Category, Date, Required, ToolOutcome};
use scangate_normalizer::{
    dedup_marked, read_sarif_log, sha256_hex, split_by_first_tool, write_sarif, Finding, SarifLog, SarifOptions,
    ScannerRecord, ToolRun,
};
use scangate_runner::{tool_named, Status, TOOLS};

use crate::args::GateCommandArgs;
use crate::colour::{ColorChoice, Paint, Stream};
use crate::exit::ExitStatus;
use crate::gating::{apply_verdict, categories_of, mark_pre_existing, read_baseline, resolve_policy, tool_status};
use crate::input::{read_sarif_file, FileId};
use crate::summary::{print_human, Inert, Summary, ToolSummary, DEFAULT_MAX_FINDINGS};

pub fn run(args: GateCommandArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let mut policy = resolve_policy(&args.policy, None)?;
    let baseline = read_baseline(args.verdict.baseline.as_deref())?;
    let parts = read_parts(&args.sarif_files)?;
    let mut warnings = Vec::new();
    if !parts.iter().any(|part| part.log.from_scangate) {
        // Another tool's log says nothing about which scanners ran, so there is nothing to hold
        // against the level's required categories: only the findings are gated.
        policy.required = Required::default();
        warnings.push("no input is a scangate log: required scanner categories were not checked".to_string());
    }
    let records: Vec<ScannerRecord> = parts
        .iter()
        .flat_map(|part| part.log.scanners.iter().flatten().cloned())
        .collect();
    let (findings, baseline) = marked_findings(&parts, baseline, &mut warnings);
    let read_runs: Vec<ToolRun> = parts.into_iter().flat_map(|part| part.log.runs).collect();
    warnings.extend(refused_in_parts(&read_runs));
    let gated = gated_tools(&records, &read_runs);
    let outcomes: Vec<ToolOutcome> = gated.iter().map(GatedTool::outcome).collect();
    let verdict = evaluate(&policy, &findings, &outcomes, baseline.as_ref(), Date::today_utc());
    let mut runs = merged_runs(&read_runs, findings);
    apply_verdict(&mut runs, &verdict);
    if let Some(baseline) = &baseline {
        mark_pre_existing(&mut runs, baseline);
    }
    if let Some(path) = &args.sarif {
        warnings.extend(write_merged_sarif(path, &runs, &records)?);
    }
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
    Ok(ExitStatus::of_verdict(verdict.result, args.verdict.dry_run))
}

/// One run per tool, in the order the parts name them: the gated findings whose first tool it
/// is, the version and the errors and warnings of every part's run of it.
fn merged_runs(read_runs: &[ToolRun], findings: Vec<Finding>) -> Vec<ToolRun> {
    let mut by_tool: HashMap<String, Vec<Finding>> = split_by_first_tool(findings).into_iter().collect();
    let mut runs: Vec<ToolRun> = Vec::new();
    for read in read_runs {
        let run = match runs.iter().position(|run| run.tool == read.tool) {
            Some(at) => &mut runs[at],
            None => {
                runs.push(ToolRun {
                    tool: read.tool.clone(),
                    findings: by_tool.remove(&read.tool).unwrap_or_default(),
                    ..ToolRun::default()
                });
                runs.last_mut().expect("just pushed")
            }
        };
        run.version = run.version.take().or_else(|| read.version.clone());
        run.tool_errors.extend(read.tool_errors.iter().cloned());
        run.warnings.extend(read.warnings.iter().cloned());
        run.refused_suppressions.extend(
            read.refused_suppressions
                .iter()
                .map(|(key, why)| (key.clone(), why.clone())),
        );
    }
    runs
}

/// Writes `runs` as one SARIF log for one upload, with every part's scanner records (so it can be
/// gated again); returns what was dropped to fit GitHub's limits.
fn write_merged_sarif(path: &Path, runs: &[ToolRun], records: &[ScannerRecord]) -> anyhow::Result<Vec<String>> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let options = SarifOptions {
        scanners: records,
        ..SarifOptions::new(&root)
    };
    let file = crate::publish::create_output(path, "SARIF log")?;
    write_sarif(file, runs, &options).with_context(|| format!("cannot write the SARIF log to {}", path.display()))
}

/// One part as read: where from, and its log.
struct Part {
    path: PathBuf,
    log: SarifLog,
}

impl Part {
    /// True when `run` (one of this part's) is scangate's own run of one of its scanners: only
    /// such a run's `baselineState` says anything about what its scan held as pre-existing.
    fn records_baseline_of(&self, run: &ToolRun) -> bool {
        self.log.from_scangate && tool_named(&run.tool).is_some()
    }
}

/// Every part's findings, deduplicated, and the baseline to gate them with: `--baseline`, plus
/// the fingerprints every part that reported them holds as pre-existing in its own scangate run.
/// A finding another part or run reports without that mark counts, whatever the mark says
/// elsewhere; marks in other tools' runs are ignored and named in a warning.
fn marked_findings(
    parts: &[Part],
    explicit: Option<Baseline>,
    warnings: &mut Vec<String>,
) -> (Vec<Finding>, Option<Baseline>) {
    let mut recorded_any = false;
    let mut marked: Vec<(Finding, bool)> = Vec::new();
    for part in parts {
        for run in &part.log.runs {
            let honoured = part.records_baseline_of(run);
            let held = run.pre_existing.as_ref().filter(|_| honoured);
            recorded_any |= held.is_some();
            if let Some(ignored) = run.pre_existing.as_ref().filter(|set| !honoured && !set.is_empty()) {
                warnings.push(format!(
                    "{}: the run of `{}` marks {} results baselineState `unchanged`; ignored, only scangate's own \
                     scanner runs record which of their findings were pre-existing",
                    part.path.display(),
                    run.tool,
                    ignored.len()
                ));
            }
            marked.extend(run.findings.iter().map(|finding| {
                (
                    finding.clone(),
                    held.is_some_and(|set| set.contains(&finding.fingerprint)),
                )
            }));
        }
    }
    let merged = dedup_marked(marked);
    let counted: HashSet<&str> = merged
        .iter()
        .filter(|(_, held)| !held)
        .map(|(finding, _)| finding.fingerprint.as_str())
        .collect();
    let held: BTreeSet<&str> = merged
        .iter()
        .filter(|(finding, held)| *held && !counted.contains(finding.fingerprint.as_str()))
        .map(|(finding, _)| finding.fingerprint.as_str())
        .collect();
    let baseline = match explicit {
        None if !recorded_any => None,
        explicit => {
            let mut baseline = explicit.unwrap_or_else(|| Baseline::from_fingerprints(std::iter::empty::<&str>()));
            baseline.extend(held);
            Some(baseline)
        }
    };
    (merged.into_iter().map(|(finding, _)| finding).collect(), baseline)
}

/// The parts' refused suppressions ("suppression added by this change — needs review: …"),
/// each once: their findings count here as they did in the part's scan.
fn refused_in_parts(runs: &[ToolRun]) -> BTreeSet<String> {
    runs.iter()
        .flat_map(|run| run.refused_suppressions.values().cloned())
        .collect()
}

/// Reads every part and refuses duplicates that hold results. Two parts without a result may be
/// the same file: a fan-out over several projects hands over the identical part of a scanner
/// that applies to none of them once per project (GitLab's template names parts by digest), and
/// counting it twice counts nothing.
fn read_parts(paths: &[PathBuf]) -> anyhow::Result<Vec<Part>> {
    let mut parts = Vec::with_capacity(paths.len());
    let mut seen: Vec<(&Path, FileId, String)> = Vec::with_capacity(paths.len());
    for path in paths {
        let (bytes, file) = read_sarif_file(path)?;
        let log = parse_part(path, &bytes)?;
        if log.runs.iter().any(|run| !run.findings.is_empty()) {
            let digest = sha256_hex(&bytes);
            let same = |(earlier, id, content): &&(&Path, FileId, String)| match (*id == file, *content == digest) {
                (true, _) => Some(format!(
                    "{} and {} are the same file",
                    earlier.display(),
                    path.display()
                )),
                (false, true) => Some(format!(
                    "{} and {} have the same content",
                    earlier.display(),
                    path.display()
                )),
                (false, false) => None,
            };
            if let Some(duplicate) = seen.iter().find_map(|entry| same(&entry)) {
                anyhow::bail!("{duplicate}: a part given twice would count its findings twice");
            }
            seen.push((path, file, digest));
        }
        parts.push(Part {
            path: path.clone(),
            log,
        });
    }
    refuse_duplicates(&parts)?;
    Ok(parts)
}

/// Refuses two runs of one tool that report the same result (fingerprint and path): the same
/// scan's run given twice, a copy of a part, or a part beside the full log it came from.
/// Refused rather than counted once: the copies may disagree (one holds a finding as
/// pre-existing, or suppressed, the other not) and neither is more trustworthy, and a doubled
/// part usually means the CI wiring lost the part that belonged there.
fn refuse_duplicates(parts: &[Part]) -> anyhow::Result<()> {
    let mut first_seen: HashMap<(&str, &str, &str), (&Path, usize)> = HashMap::new();
    let runs = parts
        .iter()
        .flat_map(|part| part.log.runs.iter().map(move |run| (part.path.as_path(), run)));
    for (index, (path, run)) in runs.enumerate() {
        for finding in &run.findings {
            let place = finding.location.as_ref().map_or("", |location| location.path.as_str());
            let key = (run.tool.as_str(), finding.fingerprint.as_str(), place);
            match first_seen.get(&key) {
                Some(&(earlier, earlier_run)) if earlier_run != index => anyhow::bail!(
                    "{} and {} both hold {}'s result {} in {}: the same run given twice would count its \
                     findings twice",
                    earlier.display(),
                    path.display(),
                    scangate_gate::one_line(&run.tool),
                    scangate_gate::one_line(&finding.rule_id),
                    scangate_gate::one_line(place)
                ),
                Some(_) => {}
                None => {
                    first_seen.insert(key, (path, index));
                }
            }
        }
    }
    Ok(())
}

/// Parses one part. A log with no run and no record of its scan vouches for nothing: gating it
/// as clean would let a shard that wrote `runs: []` pass.
fn parse_part(path: &Path, bytes: &[u8]) -> anyhow::Result<SarifLog> {
    let log =
        read_sarif_log(bytes).with_context(|| format!("{} is not a SARIF log scangate can read", path.display()))?;
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
            None => categories_of(&self.name),
        };
        // A part records its coverage-gap run as one with no categories and that scope; the
        // gaps themselves are in the part's warnings.
        let (gaps, uncovered) = match self.had_a_coverage_gap() {
            true => (
                vec!["see the warnings of its part".to_string()],
                categories_of(&self.name),
            ),
            false => (Vec::new(), Vec::new()),
        };
        ToolOutcome {
            name: self.name.clone(),
            categories,
            status: tool_status(self.status),
            applies: self.applies,
            reason: self.reason.clone(),
            // A limited run that kept its categories covered them in part (see ScannerRecord).
            partial: self.scope.clone().filter(|_| self.categories.is_none()),
            gaps,
            uncovered,
            // A part does not record which files; its own run judged them against its change.
            unanalysed: Vec::new(),
            // Nor which kinds of files its checks tested: `gate` does not assess.
            tested_kinds: Vec::new(),
        }
    }

    fn had_a_coverage_gap(&self) -> bool {
        self.categories.as_ref().is_some_and(Vec::is_empty)
            && self
                .scope
                .as_deref()
                .is_some_and(|scope| scope.starts_with("coverage gap"))
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
            cached: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn gated(categories: Option<Vec<String>>, scope: Option<&str>) -> GatedTool {
        GatedTool {
            name: "gitleaks".into(),
            status: Status::Ok,
            applies: true,
            reason: None,
            version: None,
            findings: Some(0),
            categories,
            scope: scope.map(str::to_owned),
        }
    }

    #[test]
    fn a_parts_coverage_gap_run_leaves_its_categories_uncovered() {
        let gap = gated(
            Some(Vec::new()),
            Some("coverage gap: it vouches for none of its categories"),
        )
        .outcome();
        assert!(gap.categories.is_empty());
        assert_eq!(gap.uncovered, [Category::Secrets]);
        assert_eq!(gap.gaps, ["see the warnings of its part"]);
        let full = gated(None, None).outcome();
        assert_eq!(full.categories, [Category::Secrets]);
        assert!(full.gaps.is_empty() && full.uncovered.is_empty());
    }
}
