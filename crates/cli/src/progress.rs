//! The live progress display: while the scanners run, one line per invocation on stderr —
//! running with its elapsed time, then done with its duration and findings, or failed or skipped
//! with a short reason. Only on a terminal, and never with `--quiet`: a pipe or a CI log gets
//! none of it. The runner tells [`Progress`] what happens through [`Observer`]; everything about
//! the terminal is here.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use scangate_invocation::{Invocation, Observer};
use scangate_runner::{Status, Target};

use crate::colour::Paint;
use crate::summary::Inert;

/// The display while it is drawn, so that log lines go above it instead of through it.
static DRAWN: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// How often a running line redraws its spinner and elapsed time.
const TICK: Duration = Duration::from_millis(120);

/// Width of the scanner column, enough for `osv-scanner` and a short directory.
const LABEL_WIDTH: usize = 16;

/// How much of a reason a line shows; the tables after the scan show all of it.
const REASON_CHARS: usize = 90;

/// One line per scanner invocation, drawn on stderr.
pub struct Progress {
    multi: MultiProgress,
    lines: Mutex<HashMap<usize, ProgressBar>>,
    paint: Paint,
}

impl Progress {
    /// The display, when stderr is a terminal that can redraw a line; `None` otherwise. `paint`
    /// is stderr's colouring.
    pub fn start(paint: Paint) -> Option<Progress> {
        // A dumb terminal (Emacs' shell, some IDE consoles) cannot move back over a line.
        let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
        if !std::io::stderr().is_terminal() || dumb {
            return None;
        }
        let multi = MultiProgress::new();
        *DRAWN.lock().unwrap_or_else(PoisonError::into_inner) = Some(multi.clone());
        Some(Progress {
            multi,
            lines: Mutex::new(HashMap::new()),
            paint,
        })
    }

    /// `✓ semgrep  done in 4.2s, 3 findings`, `✓ gosec  cached, 0 findings`, `~ semgrep  partial in 9.0s,
    /// 3 findings: gave up on …`, `✗ npm in web  error after 0.3s: …`, `- gosec  skipped: …`.
    fn ending(&self, invocation: &Invocation) -> String {
        let raw = invocation.record();
        let label = label(raw.tool, raw.target.as_ref());
        let seconds = raw.duration.as_secs_f64();
        let reason = || short(raw.reason.as_deref().unwrap_or("no reason given"));
        let findings = invocation.reported().unwrap_or_default();
        let findings = format!("{findings} finding{}", if findings == 1 { "" } else { "s" });
        match raw.status {
            Status::Ok => match raw.cached {
                true => format!("✓ {label} {}, {findings}", self.paint.status(Status::Ok, "cached")),
                false => format!(
                    "✓ {label} {} in {seconds:.1}s, {findings}",
                    self.paint.status(Status::Ok, "done")
                ),
            },
            Status::Partial => format!(
                "~ {label} {} in {seconds:.1}s, {findings}: {}",
                self.paint.status(raw.status, raw.status.as_str()),
                reason()
            ),
            Status::Skipped | Status::Unchanged => format!(
                "- {label} {}: {}",
                self.paint.status(raw.status, raw.status.as_str()),
                reason()
            ),
            Status::Missing | Status::Error | Status::Timeout => format!(
                "✗ {label} {} after {seconds:.1}s: {}",
                self.paint.status(raw.status, raw.status.as_str()),
                reason()
            ),
        }
    }
}

impl Observer for Progress {
    fn started(&self, run: usize, tool: &'static str, target: &Target) {
        let line = self.multi.add(ProgressBar::new_spinner());
        line.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("template is valid"));
        line.set_message(format!("{} {}", label(tool, Some(target)), self.paint.dim("running…")));
        line.enable_steady_tick(TICK);
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(run, line);
    }

    fn finished(&self, run: usize, invocation: &Invocation) {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        // A scanner that does not run never had a line. Every line is kept until the display
        // ends: indicatif wipes a dropped bar's line when a log line is written above it.
        let line = lines
            .entry(run)
            .or_insert_with(|| self.multi.add(ProgressBar::new_spinner()));
        line.set_style(ProgressStyle::with_template("{msg}").expect("template is valid"));
        line.finish_with_message(self.ending(invocation));
    }
}

impl Drop for Progress {
    /// The lines stay on the terminal as they were last drawn; what follows goes below them.
    fn drop(&mut self) {
        DRAWN.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Runs `write` (a log line to stderr) with the display cleared, then draws it again below.
pub fn above<R>(write: impl FnOnce() -> R) -> R {
    let drawn = DRAWN.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match drawn {
        Some(multi) => multi.suspend(write),
        None => write(),
    }
}

/// The scanner and, when it runs in a subdirectory (npm audit, gosec per module), where;
/// repository paths are untrusted, so they are kept to one line without control characters.
fn label(tool: &str, target: Option<&Target>) -> String {
    let dir = target.map(|target| target.dir.to_string_lossy()).unwrap_or_default();
    let label = if dir.is_empty() {
        tool.to_string()
    } else {
        format!("{tool} in {}", Inert::Terminal.text(&dir))
    };
    format!("{label:<LABEL_WIDTH$}")
}

/// A reason on one line, scrubbed of the secrets known so far, at most [`REASON_CHARS`] long.
fn short(reason: &str) -> String {
    let line = Inert::Terminal.text(&crate::redact::scrub(reason));
    if line.chars().count() > REASON_CHARS {
        line.chars().take(REASON_CHARS - 1).chain(['…']).collect()
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn repository_paths_and_reasons_stay_on_one_line_without_escapes() {
        let target = Target {
            dir: PathBuf::from("web\u{1b}]0;title\u{7}\napp"),
            trigger: "package-lock.json".into(),
        };
        let label = label("npm-audit", Some(&target));
        assert!(label.starts_with("npm-audit in web"), "{label}");
        assert!(!label.chars().any(char::is_control), "{label:?}");
        let reason = short(&format!("{}\u{1b}[2J\r\n", "x".repeat(200)));
        assert_eq!(reason.chars().count(), REASON_CHARS);
        assert!(
            reason.ends_with('…') && !reason.chars().any(char::is_control),
            "{reason:?}"
        );
    }
}
