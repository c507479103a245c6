//! Signals during `scangate scan` (and `assess`). The scan future is dropped, which kills every
//! running scanner's process tree and removes the scratch directory (the runner's guards do it,
//! so the process exits only after they ran), and no report is written.
//!
//! SIGINT, SIGTERM and SIGHUP are how a user, a shell or a CI system cancels a job: scangate exits
//! 128 + the signal's number, the code a shell gives a command that signal ended. Every other
//! signal whose default action would end scangate on the spot — leaving its scanners running in
//! their own process groups and the scratch directory (gitleaks' un-redacted report) behind — is
//! caught too: SIGQUIT, SIGUSR1, SIGUSR2, the timers SIGALRM, SIGVTALRM and SIGPROF, and the
//! resource limits SIGXCPU and SIGXFSZ. Nobody sends those to cancel a scan, so the scan ends as an
//! error: exit 2 with the signal named on stderr (DESIGN §8).

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
    Quit,
    User1,
    User2,
    Alarm,
    VirtualAlarm,
    Profiling,
    CpuLimit,
    FileSizeLimit,
}

/// Every signal [`unless_interrupted`] handles.
const HANDLED: [Signal; 11] = [
    Signal::Hangup,
    Signal::Interrupt,
    Signal::Terminate,
    Signal::Quit,
    Signal::User1,
    Signal::User2,
    Signal::Alarm,
    Signal::VirtualAlarm,
    Signal::Profiling,
    Signal::CpuLimit,
    Signal::FileSizeLimit,
];

impl Signal {
    fn number(self) -> libc::c_int {
        match self {
            Signal::Hangup => libc::SIGHUP,
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Quit => libc::SIGQUIT,
            Signal::User1 => libc::SIGUSR1,
            Signal::User2 => libc::SIGUSR2,
            Signal::Alarm => libc::SIGALRM,
            Signal::VirtualAlarm => libc::SIGVTALRM,
            Signal::Profiling => libc::SIGPROF,
            Signal::CpuLimit => libc::SIGXCPU,
            Signal::FileSizeLimit => libc::SIGXFSZ,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Quit => "SIGQUIT",
            Signal::User1 => "SIGUSR1",
            Signal::User2 => "SIGUSR2",
            Signal::Alarm => "SIGALRM",
            Signal::VirtualAlarm => "SIGVTALRM",
            Signal::Profiling => "SIGPROF",
            Signal::CpuLimit => "SIGXCPU",
            Signal::FileSizeLimit => "SIGXFSZ",
        }
    }

    /// 128 + the signal's number for a cancellation (SIGHUP 129, SIGINT 130, SIGTERM 143); 2, an
    /// error, for the others.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Hangup | Signal::Interrupt | Signal::Terminate => {
                128 + u8::try_from(self.number()).expect("HUP, INT and TERM are small numbers")
            }
            _ => 2,
        }
    }
}

/// Runs `scan` to its end, unless a signal arrives first: then the scan is dropped and its
/// scanners stopped. A scan that has finished when the signal is noticed keeps its result.
pub async fn unless_interrupted(scan: impl Future<Output = anyhow::Result<ExitStatus>>) -> anyhow::Result<ExitStatus> {
    let mut listeners = Vec::with_capacity(HANDLED.len());
    for wanted in HANDLED {
        let listener = signal(SignalKind::from_raw(wanted.number()))
            .with_context(|| format!("cannot handle {}", wanted.name()))?;
        listeners.push((wanted, listener));
    }
    let any_signal = futures::future::select_all(listeners.iter_mut().map(|(wanted, listener)| {
        Box::pin(async move {
            listener.recv().await;
            *wanted
        })
    }));
    let mut scan = Box::pin(scan);
    let received = tokio::select! {
        biased;
        result = &mut scan => return result,
        (received, _, _) = any_signal => received,
    };
    let stopped = scangate_runner::running_scanners();
    drop(scan);
    announce(received, stopped);
    Ok(ExitStatus::Interrupted(received))
}

#[allow(clippy::print_stderr)]
fn announce(signal: Signal, stopped: usize) {
    let scanners = if stopped == 1 { "scanner" } else { "scanners" };
    let outcome = match signal.exit_code() {
        2 => "; the scan did not finish: error",
        _ => "",
    };
    eprintln!(
        "scangate: interrupted by {}; stopped {stopped} {scanners}{outcome}",
        signal.name()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancellation_exits_128_plus_its_number_any_other_signal_2() {
        let codes: Vec<(&str, u8)> = HANDLED.iter().map(|s| (s.name(), s.exit_code())).collect();
        assert_eq!(
            &codes[..4],
            [("SIGHUP", 129), ("SIGINT", 130), ("SIGTERM", 143), ("SIGQUIT", 2)]
        );
        assert!(codes[3..].iter().all(|(_, code)| *code == 2), "{codes:?}");
    }
}
