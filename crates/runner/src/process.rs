//! Spawning scanners and ending everything they start.
//!
//! Scanners (and their version queries) run from an argv, never through a shell, each in its own
//! process group: when it finishes, times out or its run is dropped (the scan was interrupted
//! by a signal), the whole group is killed, stragglers included.
//!
//! A descendant that leaves the group (`setsid`, a double-forking daemon) escapes that kill. On
//! Linux scangate is therefore a child subreaper ([`adopt_orphans`]): such a descendant becomes
//! scangate's child once its parent dies, and [`end_orphans`] kills and reaps every child that no
//! run is waiting on. The runner calls it once no scanner of the scan is left running, and again
//! before the scratch directory is removed, so nothing a scanner started outlives the scan or
//! writes into a removed directory. An orphan cannot be traced back to the scanner that started
//! it, so orphans are not ended while other scanners still run: one of those may own it.
//!
//! Children the runner waits on are registered while it waits, so that [`end_orphans`] never
//! reaps a process a tokio handle will wait for, and [`running_scanners`] can say how many
//! scanners an interrupted scan stopped.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
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

/// What a child the runner waits on is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Scanner,
    VersionQuery,
}

/// The children a run is waiting on, by pid.
static WAITED_ON: Mutex<BTreeMap<libc::pid_t, Role>> = Mutex::new(BTreeMap::new());

fn waited_on() -> std::sync::MutexGuard<'static, BTreeMap<libc::pid_t, Role>> {
    // The map stays consistent even if a holder panicked: every update is a single insert or remove.
    WAITED_ON.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many scanner processes are running now.
pub fn running_scanners() -> usize {
    waited_on().values().filter(|role| **role == Role::Scanner).count()
}

/// A spawned child leading its own process group, registered as waited on. Dropping it — on
/// completion, on timeout, or when its run is dropped — kills the whole group and unregisters
/// the child, after which [`end_orphans`] may reap it.
struct Spawned(libc::pid_t);

impl Spawned {
    fn register(child: &tokio::process::Child, role: Role) -> Option<Spawned> {
        let pid = libc::pid_t::try_from(child.id()?).ok()?;
        waited_on().insert(pid, role);
        Some(Spawned(pid))
    }

    fn kill_group(&self) {
        // SAFETY: killpg has no memory-safety preconditions; a group that is already gone
        // yields ESRCH, which is fine to ignore.
        unsafe {
            libc::killpg(self.0, libc::SIGKILL);
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.kill_group();
        waited_on().remove(&self.0);
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
    let spawned = Spawned::register(&child, Role::Scanner);
    let stderr = child.stderr.take();
    let tail = tokio::spawn(read_tail(stderr));
    let ending = match spawn.timeout {
        Some(limit) => match tokio::time::timeout(limit, child.wait()).await {
            Ok(status) => Ending::Exited(status?),
            Err(_) => Ending::TimedOut,
        },
        None => Ending::Exited(child.wait().await?),
    };
    if let (Ending::TimedOut, Some(spawned)) = (&ending, &spawned) {
        // Killed while still registered, so that only tokio reaps it.
        spawned.kill_group();
        child.wait().await?;
    }
    drop(spawned);
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

/// Runs a short command and captures both streams; `None` when it overstayed `limit` (its group
/// was killed).
pub(crate) async fn run_captured(
    program: &Path,
    args: &[&str],
    cwd: &Path,
    limit: Duration,
) -> io::Result<Option<Captured>> {
    let child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let _spawned = Spawned::register(&child, Role::VersionQuery);
    let Ok(output) = tokio::time::timeout(limit, child.wait_with_output()).await else {
        return Ok(None);
    };
    let output = output?;
    Ok(Some(Captured {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }))
}

/// Makes orphaned descendants reparent to scangate instead of init (Linux), so that
/// [`end_orphans`] can end them. Idempotent.
#[cfg(target_os = "linux")]
pub fn adopt_orphans() {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory of ours.
    let result = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong) };
    if result != 0 {
        let error = io::Error::last_os_error();
        tracing::warn!(%error, "cannot become a child subreaper; a scanner's daemons may outlive the scan");
    }
}

/// Without a subreaper, escaped descendants reparent to init and only the process groups are ended.
#[cfg(not(target_os = "linux"))]
pub fn adopt_orphans() {}

/// Kills and reaps every child of scangate that no run is waiting on, until none is left: an
/// orphan killed here may have children of its own, which are adopted in turn.
#[cfg(target_os = "linux")]
pub fn end_orphans() {
    loop {
        let orphans = unwaited_children();
        if orphans.is_empty() {
            return;
        }
        tracing::debug!(?orphans, "ending orphaned scanner descendants");
        orphans.into_iter().for_each(kill_and_reap);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn end_orphans() {}

/// Children of this process (from `/proc/*/stat`) that are not registered as waited on. A pid read
/// here cannot be reused before it is reaped, and only this process reaps its children.
#[cfg(target_os = "linux")]
fn unwaited_children() -> Vec<libc::pid_t> {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let waited = waited_on();
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|pid| !waited.contains_key(pid))
        .filter(|pid| parent_of(*pid).is_some_and(|parent| parent == me))
        .collect()
}

#[cfg(target_os = "linux")]
fn parent_of(pid: libc::pid_t) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parent_field(&stat).map(str::to_string)
}

/// The parent pid field of a `/proc/PID/stat` line. The command name before it may hold spaces
/// and parentheses, so the fields are read after its last `)`.
#[cfg(target_os = "linux")]
fn parent_field(stat: &str) -> Option<&str> {
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(1)
}

/// Blocks until `pid` is gone, which is prompt: nothing can catch SIGKILL.
#[cfg(target_os = "linux")]
fn kill_and_reap(pid: libc::pid_t) {
    // SAFETY: kill has no memory-safety preconditions. `pid` is an unreaped child of this
    // process, so it names no other process.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    loop {
        // SAFETY: waitpid allows a null status pointer.
        let reaped = unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        if reaped != -1 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return;
        }
    }
}

// Ending orphans is tested end to end (tests/e2e/signals.rs): here it would end the children
// of tests running beside it.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn parent_field_reads_past_a_command_name_with_parentheses() {
        assert_eq!(parent_field("4242 (a) b (c)) S 17 4242 4242 0 -1"), Some("17"));
        assert_eq!(parent_field("4242 (sleep"), None);
    }
}
