//! Issue 9 §3: reports cannot inject commands or markup. Repository file names that hold line
//! breaks and workflow commands, scanned by the real semgrep (and gitleaks) under GitHub Actions: stdout, read as
//! the runner reads it, holds no workflow command but scangate's own annotations, and the step
//! summary and `scangate plan` keep the names inert.

use std::ffi::OsString;

use crate::support::{assert_exit, require_scanner, Repo, Scangate};

/// File names that would end a line and start a command of their own.
const HOSTILE_NAMES: [&str; 2] = ["a\n::stop-commands::x\n.py", "b\n::error file=x::forged\n.py"];

/// A workflow command's property value, unescaped as the runner does.
fn unescape_property(value: &str) -> String {
    value
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// The `file=` value of one of scangate's annotations, or a panic naming a forged command.
fn annotated_file(line: &str) -> Option<String> {
    let command = line.trim_start().strip_prefix("::")?;
    let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
    assert!(
        matches!(name, "error" | "warning" | "notice"),
        "a workflow command scangate does not write: {line:?}"
    );
    let (properties, _message) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("not an annotation: {line:?}"));
    let file = properties.split(',').find_map(|p| p.strip_prefix("file="))?;
    assert!(!file.contains(':'), "an unescaped file= value: {line:?}");
    Some(unescape_property(file))
}

#[test]
fn file_names_cannot_start_workflow_commands() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep")) {
        return;
    }
    let repo = Repo::new();
    for name in HOSTILE_NAMES {
        repo.write(
            name,
            "import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n",
        );
    }
    let outside = tempfile::tempdir().unwrap();
    let step_summary = outside.path().join("step-summary.md");
    let output = Scangate::new([
        OsString::from("scan"),
        repo.path().into(),
        "--tools".into(),
        "gitleaks,semgrep".into(),
        "--sarif".into(),
        outside.path().join("scan.sarif").into(),
    ])
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_STEP_SUMMARY", &step_summary)
    .run();
    assert_exit(&output, 1);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The runner reads a line at CR, LF or CRLF.
    let annotated: Vec<String> = stdout.split(['\n', '\r']).filter_map(annotated_file).collect();
    for name in HOSTILE_NAMES {
        assert!(
            annotated.iter().any(|file| file == name),
            "no annotation on {name:?}: {annotated:?}\n{stdout}"
        );
    }
    let summary = std::fs::read_to_string(&step_summary).unwrap();
    for line in summary.lines() {
        assert!(!line.trim_start().starts_with("::"), "{summary}");
    }
    assert!(summary.contains(r"a ::stop-commands::x .py"), "{summary}");
    let plan = Scangate::new([OsString::from("plan"), repo.path().into()])
        .env("GITHUB_ACTIONS", "true")
        .run();
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.contains("because: a%0A::stop-commands::x%0A.py"), "{plan}");
    for line in plan.split(['\n', '\r']) {
        assert!(!line.trim_start().starts_with("::"), "{plan}");
    }
}
