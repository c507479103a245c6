//! Issue 11 §2: the terminal as a user sees it. The real scangate runs under a pseudo-terminal
//! (portable-pty, argv only) on a repository with a semgrep finding and a gitleaks secret: each
//! scanner's progress line (running…, then done with its duration and findings) and colour on
//! the terminal, no colour with `NO_COLOR=1` or `--color never`, no progress with `--quiet`; in a
//! pipe no escape code and no progress, `-vv` included, unless `--color always` asks for colour.
//! The secret never reaches the terminal.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use regex::Regex;
use tempfile::TempDir;

use crate::support::{
    assert_exit, commit_all, git_ok, random_token, read_summary, require_scanner, tool_entry, tools_dir, Repo,
    Scangate, ALNUM,
};

/// The scanners the tests run: one finds the secret, the other the code.
const SCANNERS: [&str; 2] = ["gitleaks", "semgrep"];

/// A committed repository with a GitHub token (gitleaks) and `os.system` on a command built from an
/// argument (semgrep's bundled rules); outputs go to a directory of their own, outside it.
struct Fixture {
    repo: Repo,
    token: String,
    out: TempDir,
}

impl Fixture {
    /// `None` (the test skips) when a scanner is not installed.
    fn new() -> Option<Fixture> {
        if !SCANNERS.into_iter().all(require_scanner) {
            return None;
        }
        let token = format!("ghp_{}", random_token(ALNUM, 36));
        let repo = Repo::new();
        repo.write(
            "app.py",
            "import os\n\n\ndef run(directory):\n    os.system(\"rm -rf \" + directory)\n",
        )
        .write("deploy.env", format!("GITHUB_TOKEN={token}\n"));
        git_ok(repo.path(), &["init", "-q"]);
        commit_all(repo.path(), "app and a token");
        let out = tempfile::Builder::new()
            .prefix("scangate-terminal-")
            .tempdir()
            .expect("temp dir");
        Some(Fixture { repo, token, out })
    }

    fn summary_path(&self) -> PathBuf {
        self.out.path().join("summary.json")
    }

    /// `scan` of the repository by the two scanners, with `extra` flags.
    fn args(&self, extra: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "scan".into(),
            self.repo.path().into(),
            "--tools".into(),
            SCANNERS.join(",").into(),
            "--sarif".into(),
            self.out.path().join("scan.sarif").into(),
            "--summary-json".into(),
            self.summary_path().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        args
    }

    /// The findings each scanner reported, as the summary JSON says.
    fn reported(&self, tool: &str) -> u64 {
        tool_entry(&read_summary(&self.summary_path()), tool)["findings"]
            .as_u64()
            .unwrap_or_else(|| panic!("{tool} reported no findings count"))
    }

    /// Runs scangate under a pseudo-terminal (stdin, stdout and stderr all the terminal) with
    /// `env` set and `NO_COLOR`/`SCANGATE_COLOR` unset unless `env` sets them.
    fn on_terminal(&self, extra: &[&str], env: &[(&str, &str)]) -> Screen {
        self.on_terminal_of(160, extra, env)
    }

    /// [`Fixture::on_terminal`] on a terminal `columns` wide.
    fn on_terminal_of(&self, columns: u16, extra: &[&str], env: &[(&str, &str)]) -> Screen {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal opens");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_scangate"));
        command.args(self.args(extra));
        command.cwd(self.out.path());
        for key in [
            "NO_COLOR",
            "SCANGATE_COLOR",
            "SCANGATE_TOOLS",
            "SCANGATE_LEVEL",
            "GITHUB_ACTIONS",
            "GITLAB_CI",
        ] {
            command.env_remove(key);
        }
        command.env("TERM", "xterm-256color");
        command.env("SCANGATE_TOOLS_DIR", tools_dir());
        // No network here: the bundled rules instead of the registry's p/default.
        command.env("SCANGATE_SEMGREP_CONFIG", "bundled");
        // The display of each scanner's own run, not of a cached result.
        command.env("SCANGATE_NO_CACHE", "true");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = pty
            .slave
            .spawn_command(command)
            .expect("scangate starts on the terminal");
        // Only the child holds the terminal now: reading ends when it exits.
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("terminal reader");
        let read = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let mut chunk = [0u8; 8192];
            // Linux answers EIO once the last process holding the terminal is gone.
            while let Ok(n @ 1..) = reader.read(&mut chunk) {
                bytes.extend_from_slice(&chunk[..n]);
            }
            bytes
        });
        let status = child.wait().expect("scangate ends");
        let bytes = read.join().expect("reader thread");
        drop(pty.master);
        Screen {
            raw: String::from_utf8_lossy(&bytes).into_owned(),
            exit: status.exit_code(),
        }
    }

    /// Runs scangate with stdout and stderr piped.
    fn in_pipe(&self, extra: &[&str]) -> std::process::Output {
        Scangate::new(self.args(extra))
            .env("TERM", "xterm-256color")
            .run_in(self.out.path())
    }
}

/// What the terminal received.
struct Screen {
    raw: String,
    exit: u32,
}

impl Screen {
    /// The text without any escape sequence (colour, cursor movement, line clearing).
    fn text(&self) -> String {
        escape_sequences().replace_all(&self.raw, "").into_owned()
    }

    /// Each scanner's final progress line, `✓ gitleaks … done in 0.4s, 1 finding`, gives the
    /// count the summary JSON holds; a line showed it running first.
    fn assert_progress(&self, fixture: &Fixture) {
        let text = self.text();
        for tool in SCANNERS {
            let running = Regex::new(&format!(r"{tool} +running… \d+s")).unwrap();
            assert!(running.is_match(&text), "no running line for {tool}:\n{text}");
            let done = Regex::new(&format!(r"✓ {tool} +done in \d+\.\ds, (\d+) findings?")).unwrap();
            let found = done
                .captures(&text)
                .unwrap_or_else(|| panic!("no done line for {tool}:\n{text}"));
            let shown: u64 = found[1].parse().unwrap();
            assert_eq!(shown, fixture.reported(tool), "{tool}'s count on the terminal");
            assert!(shown > 0, "{tool} found nothing in the fixture:\n{text}");
        }
    }

    fn assert_no_progress(&self) {
        let text = self.text();
        assert!(!text.contains("running…") && !text.contains("done in"), "{text}");
    }

    fn assert_clean(&self, fixture: &Fixture) {
        assert_eq!(self.exit, 1, "the secret fails the gate:\n{}", self.text());
        assert!(!self.raw.contains(&fixture.token), "the secret reached the terminal");
        let text = self.text();
        assert!(text.contains("verdict: FAIL"), "{text}");
        assert!(text.contains("deploy.env:1") && text.contains("app.py:5"), "{text}");
    }
}

/// CSI sequences (ESC [ parameters final byte).
fn escape_sequences() -> Regex {
    Regex::new("\u{1b}\\[[0-9;?]*[A-Za-z]").unwrap()
}

/// SGR sequences (ESC [ … m): colour and weight.
fn has_colour(text: &str) -> bool {
    Regex::new("\u{1b}\\[[0-9;]*m").unwrap().is_match(text)
}

#[test]
fn a_terminal_shows_progress_and_colour() {
    let Some(fixture) = Fixture::new() else { return };
    let screen = fixture.on_terminal(&[], &[]);
    screen.assert_clean(&fixture);
    screen.assert_progress(&fixture);
    assert!(has_colour(&screen.raw), "no colour on the terminal:\n{}", screen.raw);
    // The verdict and the critical secret's severity are painted.
    assert!(screen.raw.contains("FAIL\u{1b}[0m"), "{:?}", screen.raw);
    assert!(
        Regex::new("\u{1b}\\[[0-9;]*mcritical").unwrap().is_match(&screen.raw),
        "{:?}",
        screen.raw
    );
}

#[test]
fn no_color_and_color_never_keep_the_terminal_plain() {
    let Some(fixture) = Fixture::new() else { return };
    for (extra, env) in [
        (&[][..], &[("NO_COLOR", "1")][..]),
        (&["--color", "never"][..], &[][..]),
    ] {
        let screen = fixture.on_terminal(extra, env);
        screen.assert_clean(&fixture);
        screen.assert_progress(&fixture);
        assert!(
            !has_colour(&screen.raw),
            "colour with {extra:?} {env:?}:\n{:?}",
            screen.raw
        );
    }
}

#[test]
fn quiet_draws_no_progress_on_a_terminal() {
    let Some(fixture) = Fixture::new() else { return };
    let screen = fixture.on_terminal(&["--quiet"], &[]);
    assert_eq!(screen.exit, 1, "{}", screen.text());
    screen.assert_no_progress();
    assert!(!screen.raw.contains(&fixture.token));
}

#[test]
fn a_pipe_gets_no_escape_codes_and_no_progress() {
    let Some(fixture) = Fixture::new() else { return };
    let output = fixture.in_pipe(&["-vv"]);
    assert_exit(&output, 1);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(stdout.contains("verdict: FAIL"), "{stdout}");
    assert!(stderr.contains("DEBUG"), "-vv logs: {stderr}");
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains('\u{1b}'), "escape code in {name}: {text:?}");
        assert!(
            !text.contains("running…") && !text.contains("done in"),
            "progress in {name}: {text}"
        );
        assert!(!text.contains(&fixture.token), "the secret in {name}");
    }
}

#[test]
fn color_always_colours_a_pipe_without_progress() {
    let Some(fixture) = Fixture::new() else { return };
    let output = fixture.in_pipe(&["--color", "always", "-vv"]);
    assert_exit(&output, 1);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(has_colour(&stdout), "no colour in the report: {stdout:?}");
    assert!(has_colour(&stderr), "no colour in the logs: {stderr:?}");
    assert!(!stderr.contains("running…") && !stderr.contains("done in"), "{stderr}");
    // The same through the environment.
    let output = Scangate::new(fixture.args(&[]))
        .env("SCANGATE_COLOR", "always")
        .run_in(fixture.out.path());
    assert!(has_colour(&String::from_utf8_lossy(&output.stdout)));
}

/// On a terminal, each line naming a most severe finding fits the terminal's width; a longer one
/// is cut with `…`.
#[test]
fn finding_lines_fit_the_terminal_width() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let screen = fixture.on_terminal_of(60, &[], &[]);
    let text = screen.text();
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.contains("most severe counted findings"))
        .skip(1)
        .map(|line| line.trim_end_matches('\r'))
        .take_while(|line| line.starts_with("  "))
        .collect();
    assert!(!lines.is_empty(), "{text}");
    for line in &lines {
        assert!(line.chars().count() <= 60, "{} columns: {line:?}", line.chars().count());
    }
    assert!(lines.iter().any(|line| line.ends_with('…')), "{lines:#?}");
}
