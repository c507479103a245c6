//! When scangate colours what it prints, decided once per stream by [`Paint::for_stream`]: the
//! terminal report on stdout, the logs and the progress display on stderr. Escape codes reach a
//! pipe, a file or a CI log only when `--color always` asks for them.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

use scangate_gate::Outcome;
use scangate_normalizer::Severity;
use scangate_runner::Status;

/// `--color`: when to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Only on a terminal, and only when `NO_COLOR` is unset or empty.
    Auto,
    /// Always, into pipes and files too (`NO_COLOR` notwithstanding: the flag is the user's
    /// explicit word).
    Always,
    /// Never.
    Never,
}

/// The streams scangate prints to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Colours text for one stream, or leaves it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Whether `stream` gets colour under `choice`.
    pub fn for_stream(choice: ColorChoice, stream: Stream) -> Paint {
        let terminal = match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        };
        Paint {
            on: colour_wanted(choice, terminal, std::env::var_os("NO_COLOR").as_deref()),
        }
    }

    /// True when this stream is coloured.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// `text` in the colour of `severity`.
    pub fn severity(self, severity: Severity, text: &str) -> String {
        let style = match severity {
            Severity::Critical => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())),
            Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            Severity::Info => Style::new().dimmed(),
        };
        self.apply(style, text)
    }

    /// `text` in the colour of a scanner's `status`: green when it can be trusted, yellow when only
    /// in part, red when not.
    pub fn status(self, status: Status, text: &str) -> String {
        let style = match status {
            Status::Ok => Style::new().fg_color(Some(AnsiColor::Green.into())),
            Status::Skipped | Status::Unchanged => Style::new().dimmed(),
            Status::Partial => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Status::Missing | Status::Error | Status::Timeout => Style::new().fg_color(Some(AnsiColor::Red.into())),
        };
        self.apply(style, text)
    }

    /// `text` in the colour of a verdict; `None` for one that was not gated.
    pub fn outcome(self, outcome: Option<Outcome>, text: &str) -> String {
        let colour = match outcome {
            Some(Outcome::Pass) => AnsiColor::Green,
            Some(Outcome::Fail | Outcome::Error) => AnsiColor::Red,
            None => AnsiColor::Yellow,
        };
        self.apply(Style::new().bold().fg_color(Some(colour.into())), text)
    }

    /// `text`, dimmed: what matters less than the text around it.
    pub fn dim(self, text: &str) -> String {
        self.apply(Style::new().dimmed(), text)
    }

    fn apply(self, style: Style, text: &str) -> String {
        if self.on && !text.is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// The decision itself: `auto` colours a terminal unless `NO_COLOR` is set to something
/// (<https://no-color.org>: an empty value does not count).
fn colour_wanted(choice: ColorChoice, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(|value| value.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        let set = Some(std::ffi::OsStr::new("1"));
        let empty = Some(std::ffi::OsStr::new(""));
        assert!(colour_wanted(ColorChoice::Auto, true, None));
        assert!(colour_wanted(ColorChoice::Auto, true, empty));
        assert!(!colour_wanted(ColorChoice::Auto, true, set));
        assert!(!colour_wanted(ColorChoice::Auto, false, None));
        assert!(colour_wanted(ColorChoice::Always, false, set));
        assert!(!colour_wanted(ColorChoice::Never, true, None));
    }

    #[test]
    fn plain_paint_adds_nothing() {
        let plain = Paint { on: false };
        assert_eq!(plain.severity(Severity::Critical, "critical"), "critical");
        let painted = Paint { on: true }.severity(Severity::Critical, "critical");
        assert!(painted.starts_with('\u{1b}') && painted.contains("critical") && painted.ends_with('m'));
    }
}
