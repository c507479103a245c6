//! Spawning scanners: argv only (never a shell), each in its own process group so that a
//! timeout or an interrupted scan kills the scanner and everything it started.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// How much of a scanner's stderr is kept for error reports.
const STDERR_TAIL_BYTES: usize = 4096;

/// How long to wait for stderr to close once the process group is gone.
const STDERR_DRAIN: Duration = Duration::from_secs(2);

/// How a spawned scanner ended.
pub(crate) enum Ending {
    /// It exited (or was killed by a signal from elsewhere).
    Exited(ExitStatus),
    /// It overstayed the timeout; its process group was killed.
    TimedOut,
}

/// What [`run`] observed.
pub(crate) struct Finished {
    pub ending: Ending,
    pub stderr_tail: String,
}

/// Kills the whole process group when dropped: on timeout, on completion (stragglers a scanner
/// left behind) and when the scan future is dropped (Ctrl-C).
struct ProcessGroup(libc::pid_t);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // SAFETY: killpg has no memory-safety preconditions; a group that is already gone
        // yields ESRCH, which is fine to ignore.
        unsafe {
            libc::killpg(self.0, libc::SIGKILL);
        }
    }
}

/// A prepared scanner command.
pub(crate) struct Spawn<'a> {
    pub program: &'a Path,
    pub args: &'a [OsString],
    pub cwd: &'a Path,
    pub env: &'a [(OsString, OsString)],
    pub stdout: Stdio,
    pub timeout: Option<Duration>,
}

/// Runs a scanner to completion or timeout, keeping the tail of its stderr.
pub(crate) async fn run(spawn: Spawn<'_>) -> io::Result<Finished> {
    let mut child = Command::new(spawn.program)
        .args(spawn.args)
        .current_dir(spawn.cwd)
        .envs(spawn.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(spawn.stdout)
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let group = child.id().map(|pid| ProcessGroup(pid as libc::pid_t));
    let stderr = child.stderr.take();
    let tail = tokio::spawn(read_tail(stderr));
    let ending = match spawn.timeout {
        Some(limit) => match tokio::time::timeout(limit, child.wait()).await {
            Ok(status) => Ending::Exited(status?),
            Err(_) => Ending::TimedOut,
        },
        None => Ending::Exited(child.wait().await?),
    };
    drop(group);
    if matches!(ending, Ending::TimedOut) {
        child.wait().await?;
    }
    let stderr_tail = tokio::time::timeout(STDERR_DRAIN, tail)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    Ok(Finished { ending, stderr_tail })
}

async fn read_tail(stderr: Option<tokio::process::ChildStderr>) -> String {
    let Some(mut stderr) = stderr else { return String::new() };
    let mut kept: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    while let Ok(n) = stderr.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&chunk[..n]);
        if kept.len() > 2 * STDERR_TAIL_BYTES {
            kept.drain(..kept.len() - STDERR_TAIL_BYTES);
        }
    }
    let start = kept.len().saturating_sub(STDERR_TAIL_BYTES);
    String::from_utf8_lossy(&kept[start..]).into_owned()
}

/// Output of a short helper command (a version query).
pub(crate) struct Captured {
    pub stdout: String,
    pub stderr: String,
}

/// Runs a short command and captures both streams, killing its group past `limit`.
pub(crate) async fn run_captured(program: &Path, args: &[&str], cwd: &Path, limit: Duration) -> io::Result<Captured> {
    let child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let _group = child.id().map(|pid| ProcessGroup(pid as libc::pid_t));
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "version query timed out"))??;
    Ok(Captured {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
