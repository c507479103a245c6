//! Nothing a scan starts outlives it. SIGINT, SIGTERM and SIGHUP stop `scangate scan` with exit
//! 130, 143 and 129, every scanner's process tree ended and the scratch directory removed; a
//! hanging version query is killed at `--timeout`; descendants that left a scanner's process
//! group (`setsid`) are ended once the scanner is done. Fake scanners record their pids.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use crate::support::{
    assert_exit, fake_gitleaks, fake_gitleaks_versioned, fake_scan, fake_scan_summary, process_alive, read_summary,
    scan_with, text_only_repo, tool_entry, FakeTools, Repo,
};

/// How long a test waits for scangate, or for its fake scanners to start.
const PATIENCE: Duration = Duration::from_secs(60);

/// The fake scanners an interrupted scan runs: gitleaks always applies, semgrep to `app.py`.
const HANGING: [&str; 2] = ["gitleaks", "semgrep"];

/// Shell lines that start `sleep 300` in a session of its own, outside the scanner's process
/// group, and record its pid in `file`.
fn escaping_sleep(file: &Path) -> String {
    format!(
        "setsid sleep 300 </dev/null >/dev/null 2>&1 &\necho $! > '{}'",
        file.display()
    )
}

/// A fake `name` that answers its version query. Otherwise it starts a grandchild in its process
/// group and one that escapes it, records their pids, its own and the directory of its output
/// file (gitleaks) or of its first `--config` file (semgrep's bundled rules): scangate's scratch
/// directory, under `record`, and hangs.
fn hanging_scanner(name: &str, record: &Path) -> String {
    let file = |suffix: &str| record.join(format!("{name}.{suffix}")).display().to_string();
    format!(
        r#"case "$1" in version|--version) echo 1.0.0; exit 0;; esac
out=""
previous=""
for arg in "$@"; do
  if [ "$previous" = --report-path ]; then out="$arg"; fi
  if [ "$previous" = --config ] && [ -z "$out" ]; then out="$arg"; fi
  previous="$arg"
done
dirname "$out" > '{scratch}'
sleep 300 &
grouped=$!
{escaping}
printf '%s\n' $$ "$grouped" "$(cat '{escaped}')" > '{pids}.partial'
mv '{pids}.partial' '{pids}'
sleep 300"#,
        scratch = file("scratch"),
        escaping = escaping_sleep(Path::new(&file("escaped"))),
        escaped = file("escaped"),
        pids = file("pids"),
    )
}

/// What a hanging fake recorded once it runs.
struct Recorded {
    /// The fake, its grandchild in its group, its grandchild in a session of its own.
    pids: Vec<String>,
    /// The directory of its output file.
    scratch: PathBuf,
}

/// Waits until the fake `name` has recorded its pids and its escaping grandchild has left the
/// scanner's session.
fn wait_until_running(record: &Path, name: &str) -> Recorded {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(text) = std::fs::read_to_string(record.join(format!("{name}.pids"))) {
            let pids: Vec<String> = text.split_whitespace().map(str::to_string).collect();
            if pids.last().is_some_and(|escaped| leads_its_session(escaped)) {
                let scratch =
                    std::fs::read_to_string(record.join(format!("{name}.scratch"))).expect("scratch recorded");
                return Recorded {
                    pids,
                    scratch: PathBuf::from(scratch.trim_end()),
                };
            }
        }
        assert!(Instant::now() < deadline, "fake {name} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// True once `pid` has called setsid (its session id, the fourth field after the command name,
/// is its own pid).
fn leads_its_session(pid: &str) -> bool {
    let stat = std::fs::read_to_string(Path::new("/proc").join(pid).join("stat")).unwrap_or_default();
    let session = stat
        .rsplit_once(')')
        .and_then(|(_, fields)| fields.split_whitespace().nth(3));
    session == Some(pid)
}

/// Waits for `child` to exit, killing it past [`PATIENCE`].
fn wait_for(mut child: Child) -> Output {
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            child.kill().expect("kill scangate");
            panic!("scangate did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("scangate output")
}

fn assert_gone(pids: &[String]) {
    for pid in pids {
        assert!(!process_alive(pid), "process {pid} a scanner started is still alive");
    }
}

/// Starts a scan with hanging fakes, sends `signal` to scangate once they run, and checks that
/// it exits `code` with nothing left behind and no report of a pass.
pub(crate) fn scan_is_stopped_by(signal: &str, code: i32) {
    let repo = text_only_repo();
    repo.write("app.py", "print('hello')\n");
    let record = tempfile::tempdir().expect("temp dir");
    let tools = FakeTools::new();
    for name in HANGING {
        tools.add(name, &hanging_scanner(name, record.path()));
    }
    let scangate = fake_scan(&tools, &repo, &[]).spawn();
    let recorded: Vec<Recorded> = HANGING
        .iter()
        .map(|name| wait_until_running(record.path(), name))
        .collect();
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(scangate.id().to_string())
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} failed");
    let output = wait_for(scangate);
    assert_exit(&output, code);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = format!("scangate: interrupted by SIG{signal}; stopped 2 scanners");
    assert!(stderr.contains(&line), "no `{line}` in stderr:\n{stderr}");
    for scanner in &recorded {
        assert_gone(&scanner.pids);
        assert!(
            !scanner.scratch.exists(),
            "scratch directory {} was not removed",
            scanner.scratch.display()
        );
    }
    assert_no_pass(&repo);
}

fn assert_no_pass(repo: &Repo) {
    let summary = fake_scan_summary(repo);
    if summary.exists() {
        assert_ne!(
            read_summary(&summary)["verdict"],
            "pass",
            "an interrupted scan reported a pass"
        );
    }
}

#[test]
fn sigint_stops_every_scanner_and_exits_130() {
    scan_is_stopped_by("INT", 130);
}

#[test]
fn sigterm_stops_every_scanner_and_exits_143() {
    scan_is_stopped_by("TERM", 143);
}

#[test]
fn sighup_stops_every_scanner_and_exits_129() {
    scan_is_stopped_by("HUP", 129);
}

#[test]
fn hanging_version_query_is_killed_at_the_scan_timeout() {
    let repo = text_only_repo();
    let version_pid = repo.path().join("version-pid");
    let tools = fake_gitleaks_versioned(
        &format!("echo $$ > '{}'; sleep 300", version_pid.display()),
        r#"echo '[]' > "$report"; exit 0"#,
    );
    let started = Instant::now();
    let (output, summary) = scan_with(&tools, &repo, &["--timeout", "2"]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the version query was not held to --timeout"
    );
    assert_exit(&output, 2);
    assert_eq!(summary["verdict"], "error");
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert_eq!(gitleaks["status"], "timeout");
    let reason = gitleaks["reason"].as_str().unwrap();
    assert!(
        reason.contains("version query `gitleaks version` did not finish within 2s"),
        "{reason}"
    );
    let pid = std::fs::read_to_string(&version_pid).expect("version query recorded its pid");
    assert_gone(&[pid.trim().to_string()]);
}

/// Runs a fake gitleaks that starts a descendant outside its process group and then runs
/// `rest`; returns the scan's output and summary once the descendant is checked gone.
fn scan_leaving_an_escaped_descendant(rest: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let repo = text_only_repo();
    let escaped = repo.path().join("escaped-pid");
    let tools = fake_gitleaks(&format!("{}\n{rest}", escaping_sleep(&escaped)));
    let (output, summary) = scan_with(&tools, &repo, extra);
    let pid = std::fs::read_to_string(&escaped).expect("fake recorded the escaped pid");
    assert_gone(&[pid.trim().to_string()]);
    (output, summary)
}

#[test]
fn descendant_in_its_own_session_is_ended_when_the_scanner_times_out() {
    let (output, summary) = scan_leaving_an_escaped_descendant("sleep 300", &["--timeout", "2"]);
    assert_exit(&output, 2);
    assert_eq!(tool_entry(&summary, "gitleaks")["status"], "timeout");
}

#[test]
fn descendant_in_its_own_session_is_ended_when_the_scanner_exits() {
    let (output, summary) = scan_leaving_an_escaped_descendant(r#"echo '[]' > "$report"; exit 0"#, &[]);
    assert_exit(&output, 0);
    assert_eq!(tool_entry(&summary, "gitleaks")["status"], "ok");
}
