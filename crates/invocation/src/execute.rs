//! Running a plan: every invocation at once (or `--jobs N` at a time), each a unit
//! that runs, judges and parses one scanner invocation.
//!
//! Dropping the [`execute`] future (an interrupted scan) kills every running scanner's process
//! tree and then removes the scratch directory; nothing is left behind.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scangate_normalizer::Finding;
use scangate_runner::{Exclusion, FindingScope, Plan, PlannedRun, RawOutput, RepoIndex, ScanOptions, Scratch, Target};
use tokio::sync::Semaphore;

use crate::cache::Cache;
use crate::key::{Keying, OtherVersion};
use crate::unit::{self, CachedAs, Invocation, Parsing};

/// The invocations of a plan, as they ended, before the scan's result is assembled from them.
pub struct Execution {
    /// One per invocation plus one per scanner that did not run, in registry order.
    pub(crate) invocations: Vec<Invocation>,
    /// Wall time of the whole run.
    pub wall: Duration,
    /// Root that was scanned (absolute).
    pub root: PathBuf,
    /// Root the reports name paths from: the git work tree's top when `root` is below it.
    pub report_root: PathBuf,
    /// What no scanner looked at (git-ignored, `--exclude`): findings a scanner still reports
    /// under these paths are to be dropped.
    pub excluded: Vec<Exclusion>,
    /// What no scanner read (submodules), for every report.
    pub unscanned: Vec<String>,
    /// Pull-request mode: the merge base's findings (its full scan, from the cache) in what the
    /// change touches, for the scanners the cache completed ([`Execution::add_untouched_from_base`]):
    /// those the change's scan no longer reports are the ones it fixed.
    pub(crate) base_in_change: Vec<Finding>,
    /// Where the result is kept once scrubbed, when the cache is on.
    pub(crate) cache: Option<Cache>,
    /// Holds the scanners' output files until the result is assembled and reported.
    pub(crate) scratch: Scratch,
}

/// What a caller learns while a plan runs, as it happens (the cli's progress display on a
/// terminal). Invocations are numbered in plan order, then the scanners that do not run. The
/// tasks call it: an implementation returns quickly and never blocks on the terminal.
pub trait Observer: Send + Sync {
    /// Invocation `run` of `tool` got its turn (`--jobs`) and starts in `target`.
    fn started(&self, run: usize, tool: &'static str, target: &Target);
    /// Invocation `run` ended as `invocation` says; a scanner that does not run ends at once.
    fn finished(&self, run: usize, invocation: &Invocation);
}

/// Nobody watching.
impl Observer for () {
    fn started(&self, _: usize, _: &'static str, _: &Target) {}
    fn finished(&self, _: usize, _: &Invocation) {}
}

/// Runs every planned invocation concurrently, at most `options.jobs` at once, telling
/// `observer` as each starts and ends. With a `cache`, an invocation whose inputs it has a
/// result for does not run.
pub async fn execute(
    plan: Plan,
    options: &ScanOptions,
    parsing: &Parsing,
    cache: Option<&Cache>,
    observer: &dyn Observer,
) -> Execution {
    scangate_runner::adopt_orphans();
    let started = Instant::now();
    let Plan {
        repo,
        runs,
        not_run,
        unscanned,
        scratch,
    } = plan;
    let places = match cache {
        Some(_) => cache_places(&runs.iter().collect::<Vec<_>>(), &repo, options, &scratch, None).await,
        None => runs.iter().map(|_| None).collect(),
    };
    let permits = Arc::new(Semaphore::new(scangate_runner::jobs_at_once(runs.len(), options.jobs)));
    // The scanners that do not run are known now: shown first, they do not move later.
    let not_running: Vec<Invocation> = not_run
        .into_iter()
        .map(|not_run| Invocation::not_run(scangate_runner::not_run(not_run)))
        .collect();
    for (index, invocation) in not_running.iter().enumerate() {
        observer.finished(runs.len() + index, invocation);
    }
    let mut ordered: Vec<_> = runs.into_iter().zip(places).enumerate().collect();
    // The semaphore lets tasks in the order they first ask: the longest expected work first, so
    // that with `--jobs` the slowest scanner does not start last.
    ordered.sort_by_key(|(_, (run, _))| expected_rank(run.tool.name()));
    let tasks: Vec<_> = ordered
        .into_iter()
        .map(|(index, (run, place))| {
            let permits = Arc::clone(&permits);
            let timeout = options.timeout;
            let cached = cache.zip(place);
            async move {
                let _permit = permits.acquire_owned().await.expect("semaphore is never closed");
                observer.started(index, run.tool.name(), &run.target);
                let invocation = unit::run(run, parsing, timeout, cached).await;
                observer.finished(index, &invocation);
                invocation
            }
        })
        .collect();
    // Should this future be dropped here, the tasks go first (killing their process groups) and
    // the scratch guard then ends the orphans and removes the directory.
    let mut invocations = futures::future::join_all(tasks).await;
    // No scanner is left running: whatever escaped their process groups can go now.
    scangate_runner::end_orphans();
    invocations.extend(not_running);
    in_registry_order(&mut invocations);
    Execution {
        invocations,
        wall: started.elapsed(),
        root: repo.root().to_path_buf(),
        report_root: repo.report_root().to_path_buf(),
        excluded: repo.excluded().to_vec(),
        unscanned,
        base_in_change: Vec::new(),
        cache: cache.cloned(),
        scratch,
    }
}

/// Each run's place in the result cache (keyed with `version`'s files, when given): none for a
/// run that cannot be keyed (its executable is missing or says no version, an input cannot be
/// read) or for a pre-commit run, whose input is the git index.
async fn cache_places(
    runs: &[&PlannedRun],
    repo: &RepoIndex,
    options: &ScanOptions,
    scratch: &Scratch,
    version: Option<&OtherVersion>,
) -> Vec<Option<CachedAs>> {
    if options.staged.is_some() {
        return runs.iter().map(|_| None).collect();
    }
    let versions = futures::future::join_all(runs.iter().map(|run| run.version(options.timeout))).await;
    let build = crate::key::build_identity();
    let mut keying = Keying {
        repo,
        options,
        scratch: scratch.path(),
        build: &build,
        hashed: Default::default(),
        version,
    };
    runs.iter()
        .zip(versions)
        .map(|(run, version)| {
            let key = keying.key(run, version.as_deref()?)?;
            // npm audit always asks its registry; the others only when not told `--offline`.
            let networked = run.tool.name() == "npm-audit" || !options.offline;
            Some(CachedAs { key, networked })
        })
        .collect()
}

/// The scanners from the longest expected run to the shortest, as measured on the example and the
/// benchmark repository (`benches/change-scope`, `--jobs 1`): trivy's checks (1.35 s, most of it
/// compiling its embedded Rego checks), gosec's type-checking (0.3–0.9 s a module), semgrep's rule
/// engine (0.43 s on osemgrep; pysemgrep, which runs only where osemgrep cannot, starts in 1.8 s),
/// then the lockfile readers and gitleaks.
const LONGEST_FIRST: &[&str] = &["trivy", "gosec", "semgrep", "osv-scanner", "npm-audit", "gitleaks"];

fn expected_rank(tool: &str) -> usize {
    LONGEST_FIRST
        .iter()
        .position(|known| *known == tool)
        .unwrap_or(LONGEST_FIRST.len())
}

/// What a result from the merge base's full scan was for.
const BASE_TRIGGER: &str = "the files the change does not touch, from the merge base's full scan (result cache)";

/// Sorts `invocations` by their scanners' order in the registry (stable: one scanner's
/// invocations keep theirs).
fn in_registry_order(invocations: &mut [Invocation]) {
    let order = |tool: &str| scangate_runner::TOOLS.iter().position(|known| known.name() == tool);
    invocations.sort_by_key(|invocation| order(invocation.record.tool).unwrap_or(usize::MAX));
}

impl Execution {
    /// The records of every invocation, in registry order.
    pub fn records(&self) -> impl Iterator<Item = &RawOutput> {
        self.invocations.iter().map(|invocation| &invocation.record)
    }

    /// Adds `complement` ([`cached_complement`] of the merge base): the cached findings of the
    /// base's full scan that depend on nothing the change touches (`changed` holds the
    /// root-relative paths it does; [`scangate_runner::FindingScope`]), which the work tree has as
    /// they were. A finding the change's own run of that scanner reported too is not added twice.
    pub fn add_untouched_from_base(&mut self, complement: Vec<Invocation>, changed: &[PathBuf]) {
        for mut invocation in complement {
            let tool = invocation.record.tool;
            let scope = scangate_runner::tool_named(tool).map_or(FindingScope::Repository, |tool| tool.finding_scope());
            let fresh: HashSet<String> = self
                .invocations
                .iter()
                .filter(|fresh| fresh.record.tool == tool)
                .filter_map(|fresh| fresh.parsed.as_ref())
                .flat_map(|parsed| parsed.findings.iter().map(|finding| finding.fingerprint.clone()))
                .collect();
            if let Some(parsed) = &mut invocation.parsed {
                let (untouched, in_change): (Vec<Finding>, Vec<Finding>) =
                    std::mem::take(&mut parsed.findings).into_iter().partition(|finding| {
                        let path = finding.location.as_ref().map(|location| Path::new(&location.path));
                        path.is_none_or(|path| scope.untouched(path, changed))
                    });
                parsed.findings = untouched
                    .into_iter()
                    .filter(|finding| finding.location.is_some() && !fresh.contains(&finding.fingerprint))
                    .collect();
                self.base_in_change.extend(in_change);
            }
            if let Some(target) = &mut invocation.record.target {
                target.trigger = BASE_TRIGGER.to_string();
            }
            self.invocations.push(invocation);
        }
        in_registry_order(&mut self.invocations);
    }

    /// Puts `complement` ([`cached_complement`]: the cached results of scanners that did not run
    /// on the change) in place of those scanners' `unchanged` records.
    pub fn complete_with(&mut self, complement: Vec<Invocation>) {
        let completed: Vec<&str> = complement.iter().map(|invocation| invocation.record.tool).collect();
        self.invocations.retain(|invocation| {
            let record = &invocation.record;
            !(record.status == scangate_runner::Status::Unchanged && completed.contains(&record.tool))
        });
        self.invocations.extend(complement);
        in_registry_order(&mut self.invocations);
    }
}

/// A pull-request scan's complement: for each scanner of `tools`, the results the cache holds
/// for every one of its full-scan invocations (`plan`, planned without the change), running
/// nothing: of the work tree's files (the scanners the change gave nothing to read), or of
/// `version`'s (the merge base's full scan, for the files the change does not touch). A scanner
/// with an invocation the cache has no result for is left out: its findings stay not computed,
/// and the report says so.
pub async fn cached_complement(
    plan: &Plan,
    options: &ScanOptions,
    cache: &Cache,
    tools: &[&str],
    version: Option<&OtherVersion>,
) -> Vec<Invocation> {
    let runs: Vec<&PlannedRun> = plan
        .runs
        .iter()
        .filter(|run| tools.contains(&run.tool.name()))
        .collect();
    let places = cache_places(&runs, &plan.repo, options, &plan.scratch, version).await;
    let mut complement = Vec::new();
    for tool in tools {
        let hits: Option<Vec<Invocation>> = runs
            .iter()
            .zip(&places)
            .filter(|(run, _)| run.tool.name() == *tool)
            .map(|(run, place)| Invocation::from_cache(cache, run, &place.as_ref()?.key, plan.repo.root()))
            .collect();
        complement.extend(hits.unwrap_or_default());
    }
    complement
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Every event, in the order heard.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Observer for Recorder {
        fn started(&self, run: usize, tool: &'static str, _: &Target) {
            self.0.lock().unwrap().push(format!("started {run} {tool}"));
        }

        fn finished(&self, run: usize, invocation: &Invocation) {
            let raw = &invocation.record;
            let event = format!("finished {run} {} {}", raw.tool, raw.status.as_str());
            self.0.lock().unwrap().push(event);
        }
    }

    #[test]
    fn every_scanner_has_an_expected_rank() {
        for tool in scangate_runner::TOOLS {
            assert!(expected_rank(tool.name()) < LONGEST_FIRST.len(), "{}", tool.name());
        }
        assert!(expected_rank("semgrep") < expected_rank("gitleaks"));
    }

    #[tokio::test]
    async fn the_observer_hears_the_skipped_first_then_each_run_start_and_end() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("notes.txt"), "nothing here\n").unwrap();
        let options = ScanOptions {
            only: vec!["gitleaks".into()],
            ..ScanOptions::default()
        };
        let plan = scangate_runner::plan(repo.path(), &options).unwrap();
        let recorder = Recorder::default();
        let parsing = Parsing {
            root: repo.path().to_path_buf(),
            semgrep_prefixes: Vec::new(),
            today: "2026-12-07".into(),
        };
        let execution = execute(plan, &options, &parsing, None, &recorder).await;
        // gitleaks always applies; it ends ok when installed, missing when not.
        let (ran, skipped): (Vec<&RawOutput>, Vec<&RawOutput>) =
            execution.records().partition(|raw| raw.tool == "gitleaks");
        let mut expected: Vec<String> = skipped
            .iter()
            .enumerate()
            .map(|(index, raw)| format!("finished {} {} skipped", index + 1, raw.tool))
            .collect();
        expected.push("started 0 gitleaks".into());
        expected.push(format!("finished 0 gitleaks {}", ran[0].status.as_str()));
        assert_eq!(skipped.len(), scangate_runner::TOOLS.len() - 1);
        assert_eq!(recorder.0.into_inner().unwrap(), expected);
    }
}
