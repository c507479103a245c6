//! Exit codes: the one contract every CI system reads.

use std::process::ExitCode;

use scangate_gate::Outcome;

use crate::signals::Signal;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The gate passed (or was not asked for) and every needed scanner gave a trustworthy result.
    Success,
    /// The gate failed.
    Failure,
    /// Usage, configuration, or a scanner that was needed and did not produce a trustworthy result.
    Error,
    /// A signal ended the scan.
    Interrupted(Signal),
}

impl ExitStatus {
    /// What a gated run's outcome is for CI; `--dry-run` always exits 0, after printing what
    /// would have happened.
    pub fn of_verdict(outcome: Outcome, dry_run: bool) -> ExitStatus {
        match outcome {
            _ if dry_run => ExitStatus::Success,
            Outcome::Pass => ExitStatus::Success,
            Outcome::Fail => ExitStatus::Failure,
            Outcome::Error => ExitStatus::Error,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Interrupted(signal) => ExitCode::from(signal.exit_code()),
        }
    }
}

/// Prints an error and each of its causes, one per line, scrubbed of the run's secrets.
#[allow(clippy::print_stderr)]
pub fn report_error(error: &anyhow::Error) {
    eprintln!("scangate: error: {}", crate::redact::scrub(&error.to_string()));
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {}", crate::redact::scrub(&cause.to_string()));
    }
}
