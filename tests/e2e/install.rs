//! Issue 11 §1: `scangate install` puts the pinned scanners where an installed scangate finds
//! them, without a checkout: `$SCANGATE_TOOLS_DIR`, else `$XDG_CACHE_HOME/scangate/tools`, else
//! `~/.cache/scangate/tools`. Real `go install` from the Go module proxy.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::support::*;

/// This build's scangate copied into an empty directory, run with a new home and only the
/// environment a user's shell has: no checkout nearby, no tools directory set.
struct FreshInstall {
    dir: TempDir,
}

impl FreshInstall {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("scangate fresh ")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir_all(dir.path().join("bin")).expect("bin");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::copy(env!("CARGO_BIN_EXE_scangate"), dir.path().join("bin/scangate")).expect("copy scangate");
        FreshInstall { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn scangate(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.dir.path().join("bin/scangate"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.home())
            .env_remove("SCANGATE_TOOLS_DIR")
            .env_remove("XDG_CACHE_HOME");
        // The user's Go caches, so a test run downloads and compiles the module once.
        for (key, value) in go_caches() {
            command.env(key, value);
        }
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.scangate(args).output().expect("scangate runs")
    }
}

fn go_caches() -> Vec<(&'static str, String)> {
    let output = Command::new("go")
        .args(["env", "GOMODCACHE", "GOCACHE", "GOPATH"])
        .output()
        .expect("go runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    ["GOMODCACHE", "GOCACHE", "GOPATH"]
        .into_iter()
        .zip(text.lines().map(str::to_owned))
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("installed file")
}

#[test]
fn install_puts_a_scanner_in_the_user_cache_where_doctor_and_scans_find_it() {
    if !which_on_path("go") {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "go is missing (CI=true)"
        );
        eprintln!("\n!!! SKIPPED: go is not on PATH !!!\n");
        return;
    }
    let fresh = FreshInstall::new();
    let tools = fresh.home().join(".cache/scangate/tools");

    let first = fresh.run(&["install", "gitleaks"]);
    let said = text(&first);
    assert_exit(&first, 0);
    assert!(
        said.contains("installing gitleaks 8.30.1 from the Go module proxy"),
        "{said}"
    );
    assert!(said.contains("installed gitleaks in "), "{said}");
    let binary = tools.join("bin/gitleaks");
    assert_eq!(
        std::fs::read_to_string(tools.join("stamps/gitleaks")).unwrap(),
        "8.30.1"
    );
    let built = modified(&binary);

    let second = fresh.run(&["install", "gitleaks"]);
    let said = text(&second);
    assert_exit(&second, 0);
    assert!(said.contains("gitleaks 8.30.1 is installed"), "{said}");
    assert!(!said.contains("installing"), "a second run installs nothing: {said}");
    assert_eq!(modified(&binary), built, "the installed binary was not touched");

    let doctor = fresh.run(&["doctor"]);
    let said = text(&doctor);
    assert!(
        said.contains(&format!(
            "tools directory: {} (~/.cache/scangate/tools)",
            tools.display()
        )),
        "{said}"
    );
    let gitleaks = said
        .lines()
        .find(|line| line.starts_with("gitleaks"))
        .expect("doctor lists gitleaks");
    let columns: Vec<&str> = gitleaks.split_whitespace().collect();
    assert_eq!(columns[..4], ["gitleaks", "yes", "8.30.1", "8.30.1"], "{gitleaks}");
    assert!(gitleaks.ends_with(&binary.display().to_string()), "{gitleaks}");
    assert_exit(&doctor, 2);
    assert!(said.contains("`scangate install` installs them"), "{said}");

    // XDG_CACHE_HOME, when set, is where the tools directory is.
    let xdg = fresh.dir.path().join("xdg");
    let doctor = fresh
        .scangate(&["doctor"])
        .env("XDG_CACHE_HOME", &xdg)
        .output()
        .unwrap();
    let expected = format!(
        "tools directory: {} ($XDG_CACHE_HOME/scangate/tools)",
        xdg.join("scangate/tools").display()
    );
    assert!(text(&doctor).contains(&expected), "{}", text(&doctor));
}

#[test]
fn install_without_go_or_python_names_what_is_missing() {
    let fresh = FreshInstall::new();
    let no_tools = tempfile::tempdir().expect("temp dir");
    for (tool, toolchain, program) in [("gosec", "Go", "go"), ("semgrep", "Python 3", "python3")] {
        let output = fresh
            .scangate(&["install", tool])
            .env("PATH", no_tools.path())
            .output()
            .expect("scangate runs");
        assert_exit(&output, 2);
        let said = text(&output);
        assert!(
            said.contains(&format!(
                "{tool} is built with {toolchain}, and `{program}` is not on PATH"
            )),
            "{said}"
        );
        assert!(said.contains(&format!("run `scangate install {tool}` again")), "{said}");
    }
    assert!(!fresh.home().join(".cache/scangate/tools/stamps/gosec").exists());
}

#[test]
fn install_refuses_an_unknown_scanner_before_installing_anything() {
    let fresh = FreshInstall::new();
    let output = fresh.run(&["install", "semgrep", "gitleak"]);
    assert_exit(&output, 2);
    let said = text(&output);
    assert!(
        said.contains("unknown tool `gitleak` (did you mean `gitleaks`?)"),
        "{said}"
    );
    assert!(!fresh.home().join(".cache/scangate").exists(), "nothing was installed");
}

#[test]
fn a_tools_dir_elsewhere_is_named_with_the_variable_that_makes_scans_use_it() {
    let fresh = FreshInstall::new();
    let elsewhere = fresh.dir.path().join("elsewhere tools");
    // npm-audit is only checked: npm is on PATH in every environment these tests run in.
    let output = fresh.run(&["install", "--tools-dir", elsewhere.to_str().unwrap(), "npm-audit"]);
    assert_exit(&output, 0);
    let said = text(&output);
    assert!(said.contains("npm-audit uses "), "{said}");
    assert!(
        said.contains(&format!("set SCANGATE_TOOLS_DIR={}", elsewhere.display())),
        "{said}"
    );
}
