//! Running a plan: every invocation at once (or `--jobs N` at a time), each judged by its
//! scanner's own exit-code meaning.
//!
//! Dropping the [`execute`] future (an interrupted scan) kills every running scanner's process
//! tree and then removes the scratch directory; nothing is left behind.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::sync::Semaphore;

use crate::plan::{NotRun, PlannedRun};
use crate::process::{self, Ending, Spawn};
use crate::{locate, Category, Error, IgnoredConfig, Limited, Plan, ScanOptions, Target};

/// How a scanner invocation ended, as reported in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Ran and produced output that can be trusted.
    Ok,
    /// Did not apply, or was deselected.
    Skipped,
    /// Applies, but its executable was not found.
    Missing,
    /// Ran and failed: bad exit code, crash, or unusable output.
    Error,
    /// Overstayed `--timeout`; its process tree was killed.
    Timeout,
    /// Pull-request mode: applies, but the change touches no file it reads, so it did not run;
    /// its findings on the change are none by construction.
    Unchanged,
}

impl Status {
    /// The lowercase name reports use (`ok`, `skipped`, `missing`, `error`, `timeout`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::Missing => "missing",
            Status::Error => "error",
            Status::Timeout => "timeout",
            Status::Unchanged => "unchanged",
        }
    }

    /// The status named by [`Status::as_str`].
    pub fn parse(name: &str) -> Option<Status> {
        [
            Status::Ok,
            Status::Skipped,
            Status::Missing,
            Status::Error,
            Status::Timeout,
            Status::Unchanged,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }

    /// True when the scanner applied and did not give a trustworthy result.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Missing | Status::Error | Status::Timeout)
    }
}

/// One scanner invocation's result. The output file lives as long as the [`Execution`].
#[derive(Debug, Clone)]
pub struct RawOutput {
    /// Canonical tool name.
    pub tool: &'static str,
    /// Categories this invocation covers: the tool's, or fewer when it ran limited (trivy
    /// offline without a vulnerability database checks misconfigurations only).
    pub categories: &'static [Category],
    /// How the invocation covered less than the tool can, when it did.
    pub limited: Option<Limited>,
    /// Where it ran and why; `None` for a scanner that did not run.
    pub target: Option<Target>,
    /// The argv run (or that would have run), for reports.
    pub argv: Vec<String>,
    /// Version the scanner reported.
    pub version: Option<String>,
    /// Exit code, when it exited.
    pub exit_code: Option<i32>,
    /// Wall time of the invocation.
    pub duration: Duration,
    /// The machine-readable output, when status is `Ok`.
    pub output: Option<PathBuf>,
    /// The end of stderr.
    pub stderr_tail: String,
    /// How it ended.
    pub status: Status,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// True when the scanner applies to the repository (even if deselected).
    pub applies: bool,
    /// Repository files the scanner was kept from reading.
    pub ignored_configs: Vec<IgnoredConfig>,
    /// What it could not see of what it should read ([`crate::Tool::gaps`]).
    pub gaps: Vec<String>,
}

/// The results of running a plan.
pub struct Execution {
    /// One entry per invocation plus one per scanner that did not run, in registry order.
    pub outputs: Vec<RawOutput>,
    /// Wall time of the whole run.
    pub wall: Duration,
    /// Root that was scanned (absolute).
    pub root: PathBuf,
    /// Root the reports name paths from: the git work tree's top when `root` is below it.
    pub report_root: PathBuf,
    /// What no scanner looked at (git-ignored, `--exclude`): findings a scanner still reports
    /// under these paths are to be dropped.
    pub excluded: Vec<crate::Exclusion>,
    /// What no scanner read (submodules), for every report.
    pub unscanned: Vec<String>,
    _scratch: Scratch,
}

/// The run's scratch directory (scanner outputs, bundled rules). Before it is removed, every
/// orphan a scanner left is ended, so that none writes into it or outlives the scan.
struct Scratch(Option<TempDir>);

impl Drop for Scratch {
    fn drop(&mut self) {
        process::end_orphans();
        let Some(dir) = self.0.take() else { return };
        let path = dir.path().to_path_buf();
        if let Err(error) = dir.close() {
            tracing::warn!(%error, path = %path.display(), "cannot remove the scratch directory");
        }
    }
}

/// What a caller learns while a plan runs, as it happens (the cli's progress display on a
/// terminal). Invocations are numbered in plan order, then the scanners that do not run. The
/// runner's tasks call it: an implementation returns quickly and never blocks on the terminal.
pub trait Observer: Send + Sync {
    /// Invocation `run` of `tool` got its turn (`--jobs`) and starts in `target`.
    fn started(&self, run: usize, tool: &'static str, target: &Target);
    /// Invocation `run` ended as `raw` says; a scanner that does not run ends skipped at once.
    fn finished(&self, run: usize, raw: &RawOutput);
}

/// Nobody watching.
impl Observer for () {
    fn started(&self, _: usize, _: &'static str, _: &Target) {}
    fn finished(&self, _: usize, _: &RawOutput) {}
}

/// Runs every planned invocation concurrently, at most `options.jobs` at once, telling
/// `observer` as each starts and ends.
pub async fn execute(plan: Plan, options: &ScanOptions, observer: &dyn Observer) -> Result<Execution, Error> {
    process::adopt_orphans();
    let started = Instant::now();
    let Plan {
        repo,
        runs,
        not_run,
        unscanned,
        scratch,
    } = plan;
    // Declared before the runs, so that if this future is dropped the runs go first (killing
    // their process groups) and the scratch guard then ends the orphans and removes the directory.
    let scratch = Scratch(Some(scratch));
    let permits = Arc::new(Semaphore::new(options.jobs.unwrap_or(runs.len()).max(1)));
    // The scanners that do not run are known now: shown first, they do not move later.
    let not_running: Vec<RawOutput> = not_run.into_iter().map(skipped).collect();
    for (index, raw) in not_running.iter().enumerate() {
        observer.finished(runs.len() + index, raw);
    }
    let tasks: Vec<_> = runs
        .into_iter()
        .enumerate()
        .map(|(index, run)| {
            let permits = Arc::clone(&permits);
            let timeout = options.timeout;
            async move {
                let _permit = permits.acquire_owned().await.expect("semaphore is never closed");
                observer.started(index, run.tool.name(), &run.target);
                let raw = run_one(run, timeout).await;
                observer.finished(index, &raw);
                raw
            }
        })
        .collect();
    let mut outputs = futures::future::join_all(tasks).await;
    // No scanner is left running: whatever escaped their process groups can go now.
    process::end_orphans();
    outputs.extend(not_running);
    let order = |name: &str| crate::TOOLS.iter().position(|t| t.name() == name).unwrap_or(usize::MAX);
    outputs.sort_by_key(|o| order(o.tool));
    Ok(Execution {
        outputs,
        wall: started.elapsed(),
        root: repo.root().to_path_buf(),
        report_root: repo.report_root().to_path_buf(),
        excluded: repo.excluded().to_vec(),
        unscanned,
        _scratch: scratch,
    })
}

fn skipped(not_run: NotRun) -> RawOutput {
    RawOutput {
        tool: not_run.tool.name(),
        categories: not_run.tool.categories(),
        limited: None,
        target: None,
        argv: Vec::new(),
        version: None,
        exit_code: None,
        duration: Duration::ZERO,
        output: None,
        stderr_tail: String::new(),
        status: not_run.status,
        reason: Some(not_run.reason),
        applies: not_run.applies,
        ignored_configs: Vec::new(),
        gaps: Vec::new(),
    }
}

async fn run_one(run: PlannedRun, timeout: Option<Duration>) -> RawOutput {
    let mut raw = RawOutput {
        tool: run.tool.name(),
        categories: run.categories,
        limited: run.limited,
        target: Some(run.target.clone()),
        argv: run.argv_display(),
        version: None,
        exit_code: None,
        duration: Duration::ZERO,
        output: None,
        stderr_tail: String::new(),
        status: Status::Missing,
        reason: None,
        applies: true,
        ignored_configs: run.ignored_configs.clone(),
        gaps: run.gaps.clone(),
    };
    if let Some(refusal) = run.offline_refusal {
        fail(&mut raw, Status::Error, refusal.to_owned());
        return raw;
    }
    let Some(program) = run.program.clone() else {
        let searched = locate::tools_dir().map_or_else(
            || "on PATH (no tools directory: HOME and SCANGATE_TOOLS_DIR are unset)".to_owned(),
            |dir| format!("in {} or on PATH", dir.path.join("bin").display()),
        );
        raw.reason = Some(format!(
            "`{}` not found {searched}; `scangate install {}` installs it",
            run.tool.executable(),
            run.tool.name()
        ));
        return raw;
    };
    let started = Instant::now();
    let (version, result) = tokio::join!(
        locate::cached_version_of(&program, run.tool.version_args(), timeout),
        spawn_scanner(&run, &program, timeout)
    );
    raw.duration = started.elapsed();
    tracing::debug!(
        tool = raw.tool,
        ms = raw.duration.as_millis() as u64,
        "scanner finished"
    );
    match version {
        Ok(version) => raw.version = version,
        Err(hung) => {
            fail(&mut raw, Status::Timeout, hung.to_string());
            return raw;
        }
    }
    match result {
        Err(reason) => fail(&mut raw, Status::Error, reason),
        Ok(finished) => {
            raw.stderr_tail = finished.stderr_tail;
            match finished.ending {
                Ending::TimedOut => {
                    let secs = timeout.map(|t| t.as_secs_f64()).unwrap_or_default();
                    fail(
                        &mut raw,
                        Status::Timeout,
                        format!("did not finish within {secs}s; its process tree was killed"),
                    );
                }
                Ending::Exited(status) => judge(&mut raw, &run, status),
            }
        }
    }
    raw
}

async fn spawn_scanner(
    run: &PlannedRun,
    program: &std::path::Path,
    timeout: Option<Duration>,
) -> Result<process::Finished, String> {
    // Created 0600 before the scanner starts: one that opens it for writing keeps the mode.
    let file = crate::scratch::create_private(&run.output)
        .map_err(|e| format!("cannot create {}: {e}", run.output.display()))?;
    let stdout = if run.output_on_stdout() {
        Stdio::from(file)
    } else {
        Stdio::null()
    };
    let spawn = Spawn {
        program,
        args: &run.args,
        cwd: &run.cwd,
        env: &run.env,
        stdout,
        timeout,
    };
    process::run(spawn)
        .await
        .map_err(|e| format!("could not start {}: {e}", program.display()))
}

fn judge(raw: &mut RawOutput, run: &PlannedRun, status: std::process::ExitStatus) {
    use std::os::unix::process::ExitStatusExt;
    raw.exit_code = status.code();
    let Some(code) = status.code() else {
        let signal = status.signal().unwrap_or_default();
        return fail(raw, Status::Error, format!("killed by signal {signal}"));
    };
    // Created empty before the scanner started (a missing one reads as empty too): every tool's
    // judge rejects that as "wrote no output".
    let output = std::fs::read(&run.output).unwrap_or_default();
    match run.tool.judge(code, &output, &raw.stderr_tail) {
        Ok(()) => {
            raw.status = Status::Ok;
            raw.output = run.output.exists().then(|| run.output.clone());
        }
        Err(reason) => match &run.failure_hint {
            Some(hint) => fail(raw, Status::Error, format!("{reason}; {hint}")),
            None => fail(raw, Status::Error, reason),
        },
    }
}

fn fail(raw: &mut RawOutput, status: Status, reason: String) {
    raw.status = status;
    let last_line = raw
        .stderr_tail
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::trim);
    raw.reason = Some(match last_line {
        Some(line) if status == Status::Error => format!("{reason}; stderr: {line}"),
        _ => reason,
    });
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

        fn finished(&self, run: usize, raw: &RawOutput) {
            let event = format!("finished {run} {} {}", raw.tool, raw.status.as_str());
            self.0.lock().unwrap().push(event);
        }
    }

    #[tokio::test]
    async fn the_observer_hears_the_skipped_first_then_each_run_start_and_end() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("notes.txt"), "nothing here\n").unwrap();
        let options = ScanOptions {
            only: vec!["gitleaks".into()],
            ..ScanOptions::default()
        };
        let plan = crate::plan(repo.path(), &options).unwrap();
        let recorder = Recorder::default();
        let execution = execute(plan, &options, &recorder).await.unwrap();
        // gitleaks always applies; it ends ok when installed, missing when not.
        let (ran, skipped): (Vec<&RawOutput>, Vec<&RawOutput>) =
            execution.outputs.iter().partition(|raw| raw.tool == "gitleaks");
        let mut expected: Vec<String> = skipped
            .iter()
            .enumerate()
            .map(|(index, raw)| format!("finished {} {} skipped", index + 1, raw.tool))
            .collect();
        expected.push("started 0 gitleaks".into());
        expected.push(format!("finished 0 gitleaks {}", ran[0].status.as_str()));
        assert_eq!(skipped.len(), crate::TOOLS.len() - 1);
        assert_eq!(recorder.0.into_inner().unwrap(), expected);
    }
}
