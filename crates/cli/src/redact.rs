//! The run's secret values, for text the cli prints outside the reports: the log lines (`-v`,
//! `-vv`) and the error report. The reports themselves are built from findings and records that
//! `scangate_invocation::Execution::assemble` already scrubbed.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use scangate_normalizer::{redact_credentials, Secrets};

/// Set once, when the scanners' outputs have been read; before that only credential shapes
/// (URL userinfo, `-u user:pass`, …) are redacted (no scanner text is logged before then).
static RUN_SECRETS: OnceLock<Arc<Secrets>> = OnceLock::new();

/// Makes `secrets` the values every later log line and error report is scrubbed of.
pub fn learn(secrets: Arc<Secrets>) {
    if RUN_SECRETS.set(secrets).is_err() {
        tracing::debug!("the run's secrets were already learned");
    }
}

/// `text` without any secret the run knows, nor credential shapes.
pub fn scrub(text: &str) -> Cow<'_, str> {
    match RUN_SECRETS.get() {
        Some(secrets) => secrets.scrub(text),
        None => redact_credentials(text),
    }
}

/// The log writer: stderr, each event scrubbed ([`tracing_subscriber`] writes an event in one
/// call, so a value is never split across two writes), above the progress display while it is
/// drawn.
pub struct ScrubbedStderr;

impl Write for ScrubbedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        crate::progress::above(|| std::io::stderr().write_all(scrub(&text).as_bytes()))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
