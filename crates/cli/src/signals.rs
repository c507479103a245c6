//! SIGINT, SIGTERM and SIGHUP during `scangate scan`. The scan future is dropped, which kills
//! every running scanner's process tree and removes the scratch directory (the runner's guards
//! do it, so the process exits only after they ran), no report is written, and scangate exits
//! 128 + the signal's number, the code a shell gives a command that signal ended.

use std::future::Future;

use anyhow::Context;
use tokio::signal::unix::{signal, SignalKind};

use crate::exit::ExitStatus;

/// A signal that ends a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Hangup,
    Interrupt,
    Terminate,
}

impl Signal {
    fn kind(self) -> SignalKind {
        match self {
            Signal::Hangup => SignalKind::hangup(),
            Signal::Interrupt => SignalKind::interrupt(),
            Signal::Terminate => SignalKind::terminate(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// 128 + the signal's number: 129, 130, 143.
    pub fn exit_code(self) -> u8 {
        let number = u8::try_from(self.kind().as_raw_value()).expect("HUP, INT and TERM are small numbers");
        128 + number
    }
}

/// Runs `scan` to its end, unless a signal arrives first: then the scan is dropped and its
/// scanners stopped. A scan that has finished when the signal is noticed keeps its result.
pub async fn unless_interrupted(scan: impl Future<Output = anyhow::Result<ExitStatus>>) -> anyhow::Result<ExitStatus> {
    let listen = |wanted: Signal| signal(wanted.kind()).with_context(|| format!("cannot handle {}", wanted.name()));
    let (mut hangup, mut interrupt, mut terminate) = (
        listen(Signal::Hangup)?,
        listen(Signal::Interrupt)?,
        listen(Signal::Terminate)?,
    );
    let mut scan = Box::pin(scan);
    let received = tokio::select! {
        biased;
        result = &mut scan => return result,
        _ = hangup.recv() => Signal::Hangup,
        _ = interrupt.recv() => Signal::Interrupt,
        _ = terminate.recv() => Signal::Terminate,
    };
    let stopped = scangate_runner::running_scanners();
    drop(scan);
    announce(received, stopped);
    Ok(ExitStatus::Interrupted(received))
}

#[allow(clippy::print_stderr)]
fn announce(signal: Signal, stopped: usize) {
    let scanners = if stopped == 1 { "scanner" } else { "scanners" };
    eprintln!(
        "scangate: interrupted by {}; stopped {stopped} {scanners}",
        signal.name()
    );
}
