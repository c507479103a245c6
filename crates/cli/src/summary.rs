//! The summary JSON (`--summary-json`): stable keys that CI scripts read.

use serde::Serialize;

use scangate_normalizer::Severity;
use scangate_runner::{Execution, RawOutput, Status};

/// The whole summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `pass`, `fail` or `error`.
    pub verdict: Verdict,
    /// Wall time of the whole scan, in milliseconds.
    pub wall_ms: u64,
    /// Findings that count, per normalized severity (suppressed ones are counted apart).
    pub counts: Counts,
    /// Findings suppressed (tool-native or by policy).
    pub suppressed: usize,
    /// One entry per scanner invocation, plus one per scanner that did not run.
    pub tools: Vec<ToolSummary>,
    /// Why the run failed or errored, human-readable.
    pub violations: Vec<String>,
    /// What was dropped to stay within GitHub's SARIF limits.
    pub notes: Vec<String>,
}

/// Findings per severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl Counts {
    pub fn add(&mut self, severity: Severity) {
        let slot = match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *slot += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Error,
}

/// One scanner invocation.
#[derive(Debug, Serialize)]
pub struct ToolSummary {
    pub name: &'static str,
    pub status: Status,
    pub version: Option<String>,
    pub duration_ms: u64,
    pub findings: Option<usize>,
    pub reason: Option<String>,
    /// The file that made the scanner apply.
    pub trigger: Option<String>,
    /// The directory it ran in, relative to the scanned root.
    pub target: Option<String>,
    pub exit_code: Option<i32>,
    pub argv: Vec<String>,
}

impl ToolSummary {
    pub fn from_raw(raw: &RawOutput, findings: Option<usize>) -> Self {
        ToolSummary {
            name: raw.tool,
            status: raw.status,
            version: raw.version.clone(),
            duration_ms: raw.duration.as_millis() as u64,
            findings,
            reason: raw.reason.clone(),
            trigger: raw.target.as_ref().map(|t| t.trigger.clone()),
            target: raw.target.as_ref().map(|t| t.dir.to_string_lossy().replace('\\', "/")),
            exit_code: raw.exit_code,
            argv: raw.argv.clone(),
        }
    }
}

/// Failed scanners as violations: each names the tool and the reason.
pub fn scanner_failures(execution: &Execution) -> Vec<String> {
    execution
        .outputs
        .iter()
        .filter(|raw| raw.status.is_failure())
        .map(|raw| {
            let status = serde_json::to_value(raw.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!(
                "{} {status}: {}",
                raw.tool,
                raw.reason.as_deref().unwrap_or("no reason given")
            )
        })
        .collect()
}
