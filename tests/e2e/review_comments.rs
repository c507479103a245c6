//! `--rdjson` read by the real reviewdog (issue 12 §3): on a branch that adds a finding beside
//! one its base already had, `reviewdog -f=rdjson -reporter=local -filter-mode=added` reports
//! exactly the added one, with its severity and rule.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{
    assert_exit, assert_matches_draft4_schema, commit_all, git, git_ok, installed_or_on_path, require_installed_file,
    require_scanner, require_test_tool, tools_dir, Repo, Scangate,
};

const RULE: &str = "python-subprocess-shell-true";

/// On the base: one finding, line 5.
const BASE: &str = "import subprocess\n\n\ndef rotate(log):\n    subprocess.run(\"gzip \" + log, shell=True)\n";

/// What the branch appends: a second finding, on line 9.
const ADDED: &str = "\n\ndef purge(path):\n    subprocess.run(\"rm -rf \" + path, shell=True)\n";
const ADDED_LINE: u64 = 9;

#[test]
fn reviewdog_reports_only_the_finding_on_the_added_line() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) || !require_test_tool("reviewdog") {
        return;
    }
    let repo = Repo::new();
    git_ok(repo.path(), &["init", "-q"]);
    repo.write("app.py", BASE);
    commit_all(repo.path(), "base");
    let base = String::from_utf8(git(repo.path(), &["rev-parse", "HEAD"]).stdout).unwrap();
    repo.write("app.py", format!("{BASE}{ADDED}"));
    commit_all(repo.path(), "branch adds a shell call");

    let out = tempfile::tempdir().unwrap();
    let rdjson_path = out.path().join("review/scangate.rdjson");
    let output = Scangate::new([
        "scan".as_ref(),
        repo.path().as_os_str(),
        "--tools".as_ref(),
        "gitleaks,semgrep".as_ref(),
        "--sarif".as_ref(),
        out.path().join("scangate.sarif").as_os_str(),
        "--rdjson".as_ref(),
        rdjson_path.as_os_str(),
    ])
    .run();
    // Two high findings fail level 1; the review comments are written all the same.
    assert_exit(&output, 1);
    let rdjson_text = std::fs::read(&rdjson_path).expect("--rdjson written, its directory created");
    let rdjson: serde_json::Value = serde_json::from_slice(&rdjson_text).unwrap();
    assert_matches_reviewdog_schema(&rdjson);
    let diagnostics = rdjson["diagnostics"].as_array().unwrap();
    let lines: Vec<&serde_json::Value> = diagnostics
        .iter()
        .map(|d| &d["location"]["range"]["start"]["line"])
        .collect();
    assert_eq!(lines, [5, ADDED_LINE], "{rdjson:#}");
    for diagnostic in diagnostics {
        assert_eq!(diagnostic["code"]["value"], RULE, "{diagnostic:#}");
        assert_eq!(diagnostic["severity"], "ERROR", "{diagnostic:#}");
        assert_eq!(diagnostic["location"]["path"], "app.py", "{diagnostic:#}");
        assert!(diagnostic["message"]
            .as_str()
            .unwrap()
            .starts_with("high severity: subprocess called with shell=True"));
    }

    let diff = format!("-diff=git diff {}", base.trim());
    let added = reviewdog(repo.path(), &["-filter-mode=added", &diff], &rdjson_text);
    let reported: Vec<Reported> = added.lines().map(Reported::parse).collect();
    eprintln!("reviewdog -filter-mode=added reported:\n{added}");
    assert_eq!(
        reported,
        [Reported {
            path: "app.py".into(),
            line: ADDED_LINE,
            severity: "ERROR".into(),
            rule: RULE.into(),
        }],
        "{added}"
    );
    // Without the filter both are read: the base's finding was left out by the diff alone.
    let all = reviewdog(repo.path(), &["-filter-mode=nofilter"], &rdjson_text);
    let lines: Vec<u64> = all.lines().map(|line| Reported::parse(line).line).collect();
    assert_eq!(lines, [5, ADDED_LINE], "{all}");
}

/// reviewdog's output for `rdjson` on stdin, run in `repo`; it must succeed.
pub(crate) fn reviewdog(repo: &Path, flags: &[&str], rdjson: &[u8]) -> String {
    let mut child = Command::new(installed_or_on_path("reviewdog"))
        .args(["-f=rdjson", "-reporter=local"])
        .args(flags)
        .current_dir(repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reviewdog starts");
    child.stdin.take().unwrap().write_all(rdjson).unwrap();
    let output: Output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "reviewdog {flags:?}: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// One diagnostic as `-reporter=local` prints an rdjson one: the protobuf text form of the
/// `Diagnostic` (`message:"…" location:{path:"app.py" range:{start:{line:9 …}}} severity:ERROR
/// … code:{value:"…"}`), whose spacing protobuf varies on purpose.
#[derive(Debug, PartialEq)]
pub(crate) struct Reported {
    pub(crate) path: String,
    pub(crate) line: u64,
    pub(crate) severity: String,
    pub(crate) rule: String,
}

impl Reported {
    pub(crate) fn parse(line: &str) -> Reported {
        // The message comes first (field 1): what follows it holds the other fields.
        let rest = value_of(line, "message").map_or(line, |(_, rest)| rest);
        let field = |text: &str, key: &str| match value_of(text, key) {
            Some((value, _)) => value,
            None => panic!("no {key} in {line}"),
        };
        let number = field(&field(rest, "start"), "line");
        Reported {
            path: field(rest, "path"),
            line: number.parse().unwrap_or_else(|_| panic!("line {number} in {line}")),
            severity: field(rest, "severity"),
            rule: field(&field(rest, "code"), "value"),
        }
    }
}

/// The value after the first `key:` in `text` — a quoted string unquoted, a `{…}` message's
/// inside, or a bare word — and the text after it.
fn value_of<'a>(text: &'a str, key: &str) -> Option<(String, &'a str)> {
    let at = text
        .match_indices(&format!("{key}:"))
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text[..at].ends_with([' ', '{']))?;
    let value = text[at + key.len() + 1..].trim_start();
    let mut chars = value.char_indices();
    match chars.next()? {
        (_, '"') => {
            let mut unquoted = String::new();
            let mut escaped = false;
            for (index, c) in chars {
                match c {
                    _ if escaped => {
                        unquoted.push(c);
                        escaped = false;
                    }
                    '\\' => escaped = true,
                    '"' => return Some((unquoted, &value[index + 1..])),
                    _ => unquoted.push(c),
                }
            }
            None
        }
        (_, '{') => {
            let mut depth = 0;
            for (index, c) in value.char_indices() {
                depth += match c {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                if depth == 0 {
                    return Some((value[1..index].to_string(), &value[index + 1..]));
                }
            }
            None
        }
        _ => {
            let end = value.find([' ', '}']).unwrap_or(value.len());
            Some((value[..end].to_string(), &value[end..]))
        }
    }
}

/// The rdjson validates against reviewdog's own `DiagnosticResult` JSON schema, read from the
/// module source that `go install` left in the Go module cache (not part of this project).
fn assert_matches_reviewdog_schema(rdjson: &serde_json::Value) {
    let stamp = tools_dir().join("stamps/reviewdog");
    if !require_installed_file(&stamp, "reviewdog's install stamp") {
        return;
    }
    let version = std::fs::read_to_string(&stamp).unwrap();
    let cache = Command::new("go")
        .args(["env", "GOMODCACHE"])
        .output()
        .expect("go runs");
    let schema_path = PathBuf::from(String::from_utf8(cache.stdout).unwrap().trim())
        .join(format!("github.com/reviewdog/reviewdog@v{}", version.trim()))
        .join("proto/rdf/jsonschema/DiagnosticResult.json");
    if !require_installed_file(&schema_path, "reviewdog's module source (DiagnosticResult JSON schema)") {
        return;
    }
    assert_matches_draft4_schema(rdjson, &schema_path);
}
