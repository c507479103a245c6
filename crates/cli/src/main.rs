//! The `scangate` binary: parse the arguments, run the command, turn the outcome into an exit
//! code (0 pass, 1 gate failed, 2 error; 129, 130, 143 when SIGHUP, SIGINT, SIGTERM ended a
//! scan). The code is returned from `main`, never passed to `std::process::exit`, so every
//! guard (the scanners' process groups, the scratch directory) has run by then.

mod args;
mod base_scan;
mod colour;
mod commands;
mod evidence;
mod exit;
mod gating;
mod git;
mod input;
mod minified;
mod options;
mod progress;
mod publish;
mod redact;
mod result_cache;
mod signals;
mod summary;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Cli::parse();
    init_logging(
        args.verbose,
        colour::Paint::for_stream(args.color, colour::Stream::Stderr),
    );
    match commands::run(args) {
        Ok(status) => status.into(),
        Err(error) => {
            exit::report_error(&error);
            exit::ExitStatus::Error.into()
        }
    }
}

/// Logs go to stderr, scrubbed of the run's secrets; `-v` shows scanner timings, `-vv` everything,
/// `RUST_LOG` overrides. Coloured as `--color` decides for stderr: a CI log or a pipe gets plain
/// text unless `--color always`.
fn init_logging(verbose: u8, paint: colour::Paint) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| redact::ScrubbedStderr)
        .with_ansi(paint.is_on())
        .with_target(false)
        .init();
}
