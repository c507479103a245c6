//! Deciding which scanners run where, with which argv, before anything runs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::repo::Excludes;
use crate::tool::{IgnoredConfig, Invocation, Limited, OutputChannel, Scope, COVERAGE_GAP};
use crate::{locate, Category, Error, RepoIndex, ScanOptions, Target, Tool, TOOLS};

/// One scanner invocation, ready to start.
pub struct PlannedRun {
    /// The scanner.
    pub tool: &'static dyn Tool,
    /// Where it runs and why.
    pub target: Target,
    /// The executable found, or `None` when it is missing.
    pub program: Option<PathBuf>,
    /// Arguments after the executable.
    pub args: Vec<OsString>,
    /// Extra environment: the tool's own, then [`crate::git_env`] (every scanner child's git runs
    /// nothing the repository configures).
    pub env: Vec<(OsString, OsString)>,
    /// Absolute working directory.
    pub cwd: PathBuf,
    /// Where the machine-readable output lands.
    pub output: PathBuf,
    /// Repository files the scanner is kept from reading.
    pub ignored_configs: Vec<IgnoredConfig>,
    /// Why it will not start under `--offline` ([`Tool::offline_refusal`]).
    pub offline_refusal: Option<&'static str>,
    /// The server it cannot work without, `host:port` ([`Tool::needs_server`]).
    pub server: Option<String>,
    /// What to do should it fail ([`Tool::failure_hint`]).
    pub failure_hint: Option<String>,
    /// The categories this invocation covers (fewer than the tool's when it is limited).
    pub categories: &'static [Category],
    /// How it covers less than the tool can, when it does.
    pub limited: Option<Limited>,
    /// What it cannot see of what it should read ([`Tool::gaps`]).
    pub gaps: Vec<String>,
}

impl PlannedRun {
    /// The full argv for display (lossy for non-UTF-8 bytes).
    pub fn argv_display(&self) -> Vec<String> {
        let program = match &self.program {
            Some(path) => path.to_string_lossy().into_owned(),
            None => self.tool.executable().to_string(),
        };
        std::iter::once(program)
            .chain(self.args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect()
    }

    /// True when stdout is the output (npm audit).
    pub(crate) fn output_on_stdout(&self) -> bool {
        self.tool.output_channel() == OutputChannel::Stdout
    }
}

/// A scanner that will not run, and why.
pub struct NotRun {
    /// The scanner.
    pub tool: &'static dyn Tool,
    /// Why it does not run.
    pub reason: String,
    /// True when it would apply but was deselected (`--tools`, `--skip`), or the change
    /// touches nothing it reads.
    pub applies: bool,
    /// `skipped`, or `unchanged` in pull-request mode.
    pub status: crate::Status,
}

/// Everything a scan will do.
pub struct Plan {
    /// What the repository holds.
    pub repo: RepoIndex,
    /// Invocations to start, in registry order.
    pub runs: Vec<PlannedRun>,
    /// Scanners that do not apply or were deselected.
    pub not_run: Vec<NotRun>,
    /// What no scanner reads (submodules), for every report.
    pub unscanned: Vec<String>,
    /// Where the scanners' outputs land; declared last, so that a caller holding the runs drops
    /// them (killing their process groups) before the directory goes.
    pub scratch: crate::Scratch,
}

/// Why a scanner did not run in pull-request mode.
const UNCHANGED: &str =
    "the change touches no file it reads (pull-request mode; its findings outside the change were not computed)";

/// Plans a scan of `root`: which scanners apply (and the file that says so), their argv, and
/// which executables are missing. Runs no scanner.
pub fn plan(root: &Path, options: &ScanOptions) -> Result<Plan, Error> {
    check_tool_names(options)?;
    let repo = RepoIndex::scan(
        root,
        &Excludes::new(&options.exclude, &options.policy_exclude, options.include_ignored)?,
    )?;
    let scratch = crate::Scratch::new("scangate-").map_err(Error::Scratch)?;
    let mut not_run = Vec::new();
    let mut selected: Vec<(&'static dyn Tool, Vec<Target>)> = Vec::new();
    for &tool in TOOLS {
        let targets = match &options.staged {
            Some(staged) => match tool.staged_targets(staged, &Scope { repo: &repo, options }) {
                Some(targets) => targets,
                None => {
                    let reason = "pre-commit mode (--staged) checks secrets and code only".to_string();
                    not_run.push(NotRun {
                        tool,
                        reason,
                        applies: false,
                        status: crate::Status::Skipped,
                    });
                    continue;
                }
            },
            None => tool.targets(&repo),
        };
        if let Some(reason) = deselected(tool, options) {
            not_run.push(NotRun {
                tool,
                reason,
                applies: !targets.is_empty(),
                status: crate::Status::Skipped,
            });
            continue;
        }
        if targets.is_empty() {
            let reason = tool.not_applicable_reason().to_string();
            not_run.push(NotRun {
                tool,
                reason,
                applies: false,
                status: crate::Status::Skipped,
            });
        }
        let targets = match &options.changed {
            Some(changed) if !targets.is_empty() => {
                let scoped = tool.changed_targets(targets, changed, &Scope { repo: &repo, options });
                if scoped.is_empty() {
                    not_run.push(NotRun {
                        tool,
                        reason: UNCHANGED.to_owned(),
                        applies: true,
                        status: crate::Status::Unchanged,
                    });
                }
                scoped
            }
            _ => targets,
        };
        selected.push((tool, targets));
    }
    let invocations: usize = selected.iter().map(|(_, targets)| targets.len()).sum();
    let cores = cores_per_scanner(invocations, options.jobs);
    let git_env = crate::git_env(repo.root())?;
    let mut runs = Vec::new();
    for (tool, targets) in selected {
        let program = locate::resolve(tool.executable());
        for (index, target) in targets.into_iter().enumerate() {
            let output = scratch.path().join(format!("{}-{index}.json", tool.name()));
            let invocation = Invocation {
                root: repo.root(),
                target: &target,
                output: &output,
                scratch: scratch.path(),
                options,
                repo: &repo,
                cores,
            };
            let args = tool.args(&invocation);
            let mut env = tool.env(&invocation);
            env.extend(git_env.iter().cloned());
            let cwd = tool.cwd(&invocation);
            let ignored_configs = tool.ignored_configs(&invocation);
            let gaps = tool.gaps(&invocation);
            let limited = match gaps.is_empty() {
                true => tool.limited(&invocation),
                false => Some(COVERAGE_GAP),
            };
            runs.push(PlannedRun {
                tool,
                target,
                program: program.clone(),
                args,
                env,
                cwd,
                output,
                ignored_configs,
                offline_refusal: tool.offline_refusal(options),
                server: tool.needs_server(options),
                failure_hint: tool.failure_hint(options),
                categories: match limited {
                    Some(Limited::Categories(categories, _)) => categories,
                    _ => tool.categories(),
                },
                limited,
                gaps,
            });
        }
    }
    let unscanned = crate::repo::unscanned(&repo);
    Ok(Plan {
        repo,
        runs,
        not_run,
        unscanned,
        scratch,
    })
}

/// Scanners running at once share the machine: the others each keep about one core busy, and a
/// multi-process scanner (semgrep) is given the cores they leave, at least one, so that it neither
/// oversubscribes the CPU the others need nor leaves cores idle.
fn cores_per_scanner(invocations: usize, jobs: Option<usize>) -> usize {
    let cores = machine_cores();
    cores_left(cores, at_once(cores, invocations, jobs))
}

fn machine_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// How many of a plan's `invocations` run at once: `--jobs`, else one more than the machine's
/// cores, the longest expected first. All at once, the scanners share the cores evenly and the
/// longest one ends alone while the other cores idle; one more than the cores keeps every core
/// busy while a scanner waits on its files or the network (`benches/change-scope 5`, 2 cores: the
/// full scan 1.26 x the physical limit all at once, 1.05 x three at a time).
pub fn jobs_at_once(invocations: usize, jobs: Option<usize>) -> usize {
    at_once(machine_cores(), invocations, jobs)
}

fn at_once(cores: usize, invocations: usize, jobs: Option<usize>) -> usize {
    jobs.unwrap_or(cores + 1).min(invocations).max(1)
}

fn cores_left(cores: usize, at_once: usize) -> usize {
    cores.saturating_sub(at_once - 1).max(1)
}

fn check_tool_names(options: &ScanOptions) -> Result<(), Error> {
    options
        .only
        .iter()
        .chain(&options.skip)
        .try_for_each(|name| check_tool_name(name))
}

/// `Ok` when `name` is a scanner's canonical name; else the error that suggests the closest one.
pub(crate) fn check_tool_name(name: &str) -> Result<(), Error> {
    if crate::tool_named(name).is_some() {
        return Ok(());
    }
    let known = TOOLS.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
    Err(Error::UnknownTool {
        name: name.to_owned(),
        suggestion: closest_tool(name),
        known,
    })
}

/// The tool name `name` most likely misspells (`gitleak`, `osv`, `npm`), if one is close.
fn closest_tool(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    TOOLS
        .iter()
        .map(|tool| tool.name())
        .map(|known| {
            let prefix = known.starts_with(&lower) || lower.starts_with(known);
            (strsim::jaro_winkler(&lower, known), prefix, known)
        })
        .filter(|(score, prefix, _)| *prefix || *score >= 0.8)
        .max_by(|a, b| (a.1, a.0).partial_cmp(&(b.1, b.0)).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, _, known)| known.to_owned())
}

fn deselected(tool: &dyn Tool, options: &ScanOptions) -> Option<String> {
    if options.skip.iter().any(|name| name == tool.name()) {
        return Some("skipped by --skip".to_string());
    }
    if !options.only.is_empty() && !options.only.iter().any(|name| name == tool.name()) {
        return Some("not selected by --tools".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelled_tool_gets_the_name_it_misspells() {
        for (given, meant) in [
            ("gitleak", "gitleaks"),
            ("osv", "osv-scanner"),
            ("npm", "npm-audit"),
            ("semgrp", "semgrep"),
            ("Trivvy", "trivy"),
            ("gosec2", "gosec"),
        ] {
            assert_eq!(closest_tool(given).as_deref(), Some(meant), "{given}");
        }
        assert_eq!(closest_tool("zap"), None);
        assert_eq!(closest_tool(""), None);
    }

    #[test]
    fn a_multi_process_scanner_gets_the_cores_the_others_leave() {
        // Six invocations at once on eight cores: five keep one core each, semgrep gets three.
        assert_eq!(cores_left(8, at_once(8, 6, None)), 3);
        assert_eq!(cores_left(8, at_once(8, 6, Some(2))), 7);
        assert_eq!(cores_left(8, at_once(8, 1, None)), 8);
        assert_eq!(cores_left(2, at_once(2, 6, None)), 1, "never less than one");
        assert_eq!(cores_left(4, at_once(4, 0, None)), 4);
        assert_eq!(at_once(2, 9, None), 3, "one more than the cores");
        assert_eq!(at_once(2, 9, Some(9)), 9);
        assert_eq!(at_once(16, 9, None), 9);
    }
}
