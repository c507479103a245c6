//! Running one planned scanner invocation, judged by its scanner's own exit-code meaning.
//! Dropping the [`run`] future (an interrupted scan) kills the scanner's process tree.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::plan::{NotRun, PlannedRun};
use crate::process::{self, Ending, Spawn};
use crate::{locate, Category, IgnoredConfig, Limited, Target};

/// How a scanner invocation ended, as reported in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
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
    /// Ran and its output can be trusted, but it gave up on some files for time (semgrep's
    /// per-file timeouts): findings there may be missing, and whether they are depends on the
    /// machine's load.
    Partial,
    /// Pull-request mode: applies, but the change touches no file it reads, so it did not run;
    /// its findings on the change are none by construction.
    Unchanged,
}

impl Status {
    /// The lowercase name reports use (`ok`, `skipped`, `missing`, `error`, `timeout`, `partial`,
    /// `unchanged`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::Missing => "missing",
            Status::Error => "error",
            Status::Timeout => "timeout",
            Status::Partial => "partial",
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
            Status::Partial,
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

/// How one scanner invocation ran. The output file lives as long as the run's [`crate::Scratch`].
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
    /// True when the result came from the result cache: the scanner did not run this time.
    pub cached: bool,
}

impl PlannedRun {
    /// The version its executable reports (remembered per executable, as [`run`] asks it);
    /// `None` when it is missing or says none.
    pub async fn version(&self, timeout: Option<Duration>) -> Option<String> {
        let program = self.program.as_deref()?;
        locate::cached_version_of(program, self.tool.version_args(), timeout)
            .await
            .ok()
            .flatten()
    }

    /// The record of this invocation before it runs: `missing` until it ends otherwise.
    pub fn record(&self) -> RawOutput {
        RawOutput {
            tool: self.tool.name(),
            categories: self.categories,
            limited: self.limited,
            target: Some(self.target.clone()),
            argv: self.argv_display(),
            version: None,
            exit_code: None,
            duration: Duration::ZERO,
            output: None,
            stderr_tail: String::new(),
            status: Status::Missing,
            reason: None,
            applies: true,
            ignored_configs: self.ignored_configs.clone(),
            gaps: self.gaps.clone(),
            cached: false,
        }
    }
}

/// The record of a scanner that does not run: skipped, or unchanged in pull-request mode.
pub fn not_run(not_run: NotRun) -> RawOutput {
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
        cached: false,
    }
}

/// Runs one planned invocation and judges how it ended by its scanner's own exit-code meaning;
/// a timeout kills its process tree, and so does dropping the future.
pub async fn run(run: PlannedRun, timeout: Option<Duration>) -> RawOutput {
    let mut raw = run.record();
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
    // After the executable is found: a scanner that is not installed is `missing`, whatever the
    // network.
    if let Some(unreachable) = unreachable(run.server.as_deref()).await {
        let hint = run
            .failure_hint
            .as_deref()
            .map(|hint| format!("; {hint}"))
            .unwrap_or_default();
        fail(&mut raw, Status::Error, format!("{unreachable}{hint}"));
        return raw;
    }
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

/// How long a server a scanner needs may take to accept a connection.
const SERVER_TIMEOUT: Duration = Duration::from_secs(5);

/// Why `server` (`host:port`) cannot be reached, when it cannot. Behind a proxy the scanner does
/// not connect to it itself: there is nothing to check.
async fn unreachable(server: Option<&str>) -> Option<String> {
    let server = server.filter(|_| !behind_a_proxy())?;
    match tokio::time::timeout(SERVER_TIMEOUT, tokio::net::TcpStream::connect(server)).await {
        Ok(Ok(_)) => None,
        Ok(Err(error)) => Some(format!("cannot reach {server}: {error}")),
        Err(_) => Some(format!(
            "cannot reach {server}: no connection within {}s",
            SERVER_TIMEOUT.as_secs()
        )),
    }
}

fn behind_a_proxy() -> bool {
    let proxies = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    proxies
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
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
