//! Issue 23 §4: a scanner is never `unchanged`, skipped or blind on a file it would read. Each
//! case is a clean main branch and a change on a branch that puts a finding where scangate did
//! not look — a file name its lists missed, a Go layout or a symlink pull-request mode failed on,
//! a file a scanner skips. The real scanners run at level 3 in pull-request mode (`--base main`)
//! and as a full scan: the finding counts in both (exit 1), and the scanner that reads the file
//! ran (`ok`). A gap scangate cannot close is reported, and the level's rules treat it as one.

use std::ffi::OsString;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::*;

const SHELL_TRUE: &str = "import subprocess\n\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";
const ROOT_DOCKERFILE: &str = "FROM ubuntu:22.04\nUSER root\n";
const GO_EXEC: &str = "package tasks\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\n\
                       func Run() error {\n\treturn exec.Command(\"sh\", \"-c\", os.Getenv(\"CMD\")).Run()\n}\n";
/// A pinned requirement without a known vulnerability: osv-scanner, the dependency scanner
/// level 3 requires, has a file to read (on its offline database) in every case, under the name
/// every scangate version knew (`requirements.txt`), so a case fails before the fix for what it
/// tests, not for a missing dependency scanner.
const CLEAN_REQUIREMENTS: &str = "jinja2==3.1.4\n";

/// The scanners of every case: npm audit needs its registry, and no case has an npm lockfile.
const SCANNERS: &[&str] = &["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner"];

/// A clean main branch (`README.md`, a Python package, a requirements file), then `change`
/// committed on the branch `change`.
fn changed_repo(change: impl FnOnce(&Repo)) -> Repo {
    changed_repo_with(&[], change)
}

/// [`changed_repo`], whose main branch holds the files `base` too.
fn changed_repo_with(base: &[(&str, &str)], change: impl FnOnce(&Repo)) -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "service\n")
        .write("app/__init__.py", "VERSION = 1\n")
        .write("requirements.txt", CLEAN_REQUIREMENTS);
    for (path, contents) in base {
        repo.write(path, contents);
    }
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "main");
    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    change(&repo);
    commit_all(repo.path(), "the change");
    repo
}

/// A Go module at the root of main.
const GO_MODULE: [(&str, &str); 2] = [
    ("go.mod", "module example.com/root\n\ngo 1.22\n"),
    ("main.go", "package main\n\nfunc main() {}\n"),
];

struct Scan {
    output: Output,
    summary: Value,
    sarif: Value,
}

impl Scan {
    fn status(&self, tool: &str) -> &Value {
        &tool_entry(&self.summary, tool)["status"]
    }

    /// `(tool, rule, line)` of the results on `path`.
    fn findings_on(&self, path: &str) -> Vec<(String, String, u64)> {
        result_places(&self.sarif)
            .into_iter()
            .filter(|(_, _, at, _)| at == path)
            .map(|(tool, rule, _, line)| (tool, rule, line))
            .collect()
    }
}

fn scan(root: &Path, osv_db: &Path, extra: &[&str]) -> Scan {
    scan_at("3", root, osv_db, extra)
}

/// [`scan`] at `level`.
fn scan_at(level: &str, root: &Path, osv_db: &Path, extra: &[&str]) -> Scan {
    let out = tempfile::tempdir().expect("temp dir");
    let (sarif, summary) = (out.path().join("scan.sarif"), out.path().join("summary.json"));
    let mut args: Vec<OsString> = vec!["scan".into(), root.into(), "--level".into(), level.into()];
    args.extend(["--offline".into(), "--osv-offline-db".into(), osv_db.into()]);
    args.extend(report_flags(&sarif, &summary));
    args.extend(extra.iter().map(Into::into));
    let output = Scangate::new(args).run();
    let json = |path: &Path| {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null)
    };
    Scan {
        summary: json(&summary),
        sarif: json(&sarif),
        output,
    }
}

/// Pull-request mode, then a full scan, of `repo`.
fn both_modes(repo: &Repo) -> [Scan; 2] {
    let db = osv_offline_db();
    [
        scan(repo.path(), db.path(), &["--base", "main"]),
        scan(repo.path(), db.path(), &[]),
    ]
}

/// In both modes: exit 1, `tool` ran, and it found something on `path`.
fn assert_found(scans: &[Scan; 2], tool: &str, path: &str) {
    for (mode, scan) in ["pull-request mode", "full scan"].iter().zip(scans) {
        assert_found_in(mode, scan, tool, path);
    }
}

/// Exit 1, `tool` ran, and it found something on `path`.
fn assert_found_in(mode: &str, scan: &Scan, tool: &str, path: &str) {
    assert_exit(&scan.output, 1);
    assert_eq!(scan.status(tool), "ok", "{mode}: {tool}: {:#}", scan.summary);
    assert!(
        scan.findings_on(path).iter().any(|(by, _, _)| by == tool),
        "{mode}: no {tool} finding on {path}: {:?}",
        result_places(&scan.sarif)
    );
}

fn scanners_installed() -> bool {
    SCANNERS.iter().copied().all(require_scanner)
}

// 1. Which files each scanner reads.

/// The change writes `contents` to `path`: `tool` reads it and finds it in both modes.
fn assert_change_found(tool: &str, path: &str, contents: &str) {
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo(|repo| {
        repo.write(path, contents);
    });
    assert_found(&both_modes(&repo), tool, path);
}

#[test]
fn semgrep_reads_a_python_stub() {
    assert_change_found("semgrep", "app/runner.pyi", SHELL_TRUE);
}

#[test]
fn semgrep_reads_an_executable_script_by_its_shebang() {
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo(|repo| {
        use std::os::unix::fs::PermissionsExt;
        repo.write("bin/deploy", format!("#!/usr/bin/env python3\n{SHELL_TRUE}"));
        let script = repo.path().join("bin/deploy");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    });
    assert_found(&both_modes(&repo), "semgrep", "bin/deploy");
}

#[test]
fn trivy_reads_a_dockerfile_named_by_its_extension() {
    assert_change_found("trivy", "deploy/prod.dockerfile", ROOT_DOCKERFILE);
}

#[test]
fn trivy_reads_a_containerfile_with_a_suffix() {
    assert_change_found("trivy", "Containerfile.dev", ROOT_DOCKERFILE);
}

/// bun's text lockfile, pinning a lodash with known vulnerabilities.
const BUN_LOCK: &str = "{\n  \"lockfileVersion\": 1,\n  \"workspaces\": {\n    \"\": {\n      \"name\": \"web\",\n      \
             \"dependencies\": {\n        \"lodash\": \"4.17.20\",\n      },\n    },\n  },\n  \"packages\": {\n    \
             \"lodash\": [\"lodash@4.17.20\", \"\", {}, \"sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==\"],\n  \
             },\n}\n";

#[test]
fn osv_scanner_reads_a_bun_lockfile() {
    assert_change_found("osv-scanner", "web/bun.lock", BUN_LOCK);
}

#[test]
fn osv_scanner_reads_a_dev_requirements_file() {
    assert_change_found("osv-scanner", "requirements-dev.txt", "jinja2==2.10\n");
}

/// A full scan runs the scanner that reads a file even when the repository holds no other file
/// of it: a `.pyi` stub, a Python script, a `prod.dockerfile`, a `Containerfile.dev`, a
/// `bun.lock`, a `requirements-dev.txt` (level 1: only a secrets scanner is required, so nothing
/// else decides the exit code).
#[test]
fn a_repository_whose_only_such_file_has_one_of_these_names_gets_its_scanner() {
    if !scanners_installed() {
        return;
    }
    let script = format!("#!/usr/bin/env python3\n{SHELL_TRUE}");
    let cases: [(&str, &str, &str, u32); 6] = [
        ("semgrep", "app/runner.pyi", SHELL_TRUE, 0o644),
        ("semgrep", "bin/deploy", &script, 0o755),
        ("trivy", "deploy/prod.dockerfile", ROOT_DOCKERFILE, 0o644),
        ("trivy", "Containerfile.dev", ROOT_DOCKERFILE, 0o644),
        ("osv-scanner", "web/bun.lock", BUN_LOCK, 0o644),
        ("osv-scanner", "requirements-dev.txt", "jinja2==2.10\n", 0o644),
    ];
    let db = osv_offline_db();
    for (tool, path, contents, mode) in cases {
        use std::os::unix::fs::PermissionsExt;
        let repo = Repo::new();
        repo.write("README.md", "service\n").write(path, contents);
        let file = repo.path().join(path);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        git_ok(repo.path(), &["init", "-q"]);
        commit_all(repo.path(), "main");
        let full = scan_at("1", repo.path(), db.path(), &[]);
        assert_found_in(path, &full, tool, path);
    }
}

// 2. Pull-request mode works wherever a full scan does.

/// The findings on `path` are a full scan's, and neither mode errs.
fn assert_same_findings(scans: &[Scan; 2], path: &str) {
    let [pr, full] = scans;
    assert_exit(&pr.output, full.output.status.code().unwrap_or(-1));
    assert_ne!(pr.output.status.code(), Some(2), "{:#}", pr.summary);
    assert_eq!(pr.findings_on(path), full.findings_on(path));
}

#[test]
fn a_change_in_a_nested_go_module_is_scanned_in_that_module() {
    if !scanners_installed() {
        return;
    }
    let nested = [
        ("tools/go.mod", "module example.com/tools\n\ngo 1.22\n"),
        (
            "tools/tasks/tasks.go",
            "package tasks\n\nfunc Run() error { return nil }\n",
        ),
    ];
    let repo = changed_repo_with(&[GO_MODULE.as_slice(), &nested].concat(), |repo| {
        repo.write("tools/tasks/tasks.go", GO_EXEC);
    });
    let scans = both_modes(&repo);
    assert_found(&scans, "gosec", "tools/tasks/tasks.go");
    assert_same_findings(&scans, "tools/tasks/tasks.go");
    let argv = tool_entry(&scans[0].summary, "gosec")["argv"].to_string();
    assert!(argv.ends_with(r#""./tasks"]"#), "{argv}");
}

#[test]
fn a_go_package_whose_only_file_is_build_constrained_does_not_fail_pull_request_mode() {
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo_with(&GO_MODULE, |repo| {
        repo.write("gen/gen.go", format!("//go:build ignore\n\n{GO_EXEC}"));
    });
    let scans = both_modes(&repo);
    assert_same_findings(&scans, "gen/gen.go");
    for scan in &scans {
        assert_eq!(scan.status("gosec"), "ok", "{:#}", scan.summary);
    }
}

#[test]
fn a_changed_python_symlink_does_not_fail_pull_request_mode() {
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo(|repo| {
        repo.write("lib/handler_impl.py", SHELL_TRUE);
        std::os::unix::fs::symlink("../lib/handler_impl.py", repo.path().join("app/handler.py")).unwrap();
    });
    let scans = both_modes(&repo);
    assert_found(&scans, "semgrep", "lib/handler_impl.py");
    assert_same_findings(&scans, "lib/handler_impl.py");
}

// 3. What a scanner would skip silently is scanned, or is a coverage gap the level counts.

/// In both modes: exit 2, `tool` ran but vouched for nothing, the warnings name `gap`, and the
/// violation says the category the level requires is not covered.
fn assert_gap(scans: &[Scan], tool: &str, gap: &str, category: &str) {
    for scan in scans {
        assert_exit(&scan.output, 2);
        let entry = tool_entry(&scan.summary, tool);
        assert_eq!(entry["status"], "ok", "{entry}");
        assert!(
            entry["scope"].as_str().unwrap_or_default().starts_with("coverage gap"),
            "{entry}"
        );
        let warnings = scan.summary["warnings"].to_string();
        assert!(warnings.contains(gap), "{warnings}");
        let violations = scan.summary["violations"].to_string();
        assert!(
            violations.contains(&format!("no {category} scanner ran successfully")),
            "{violations}"
        );
        // The violation names the gap, not only the warnings.
        assert!(violations.contains(&format!("{tool}: coverage gap (")), "{violations}");
        assert!(violations.contains(gap), "{violations}");
    }
}

#[test]
fn semgrep_reads_a_file_over_a_megabyte() {
    let padding = "# padding to pass semgrep's default 1 MB limit\n".repeat(25_000);
    assert_change_found("semgrep", "app/big.py", &format!("{SHELL_TRUE}{padding}"));
}

#[test]
fn python_reached_through_a_symlink_is_a_coverage_gap() {
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo(|repo| {
        // Python imports app/handler.py; semgrep follows no symlink, and scripts/handler is no
        // file it takes for code (no extension, not executable).
        repo.write("scripts/handler", SHELL_TRUE);
        std::os::unix::fs::symlink("../scripts/handler", repo.path().join("app/handler.py")).unwrap();
    });
    assert_gap(
        &both_modes(&repo),
        "semgrep",
        "app/handler.py is a symlink to scripts/handler",
        "sast",
    );
}

#[test]
fn a_package_linked_from_outside_the_repository_is_a_coverage_gap() {
    if !scanners_installed() {
        return;
    }
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("tasks.py"), SHELL_TRUE).unwrap();
    let repo = changed_repo(|repo| {
        std::os::unix::fs::symlink(outside.path(), repo.path().join("app/plugins")).unwrap();
    });
    assert_gap(
        &both_modes(&repo),
        "semgrep",
        "app/plugins is a symlink to a directory outside the repository",
        "sast",
    );
}

#[test]
fn a_secret_in_a_file_git_shows_as_binary_is_found() {
    // One NUL byte: `git log -p` prints "Binary files differ" instead of the content.
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    assert_change_found("gitleaks", "settings.py", &format!("\0\nGITHUB_TOKEN = \"{token}\"\n"));
}

/// A `-diff` attribute makes a plain `git log -p` show a text file as binary; gitleaks' git, which
/// scangate runs outside the work tree, applies no in-tree attribute and reads the secret (once:
/// the binary pass leaves the file to it).
#[test]
fn a_secret_in_a_file_an_attribute_marks_binary_is_found_once() {
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    let secret = format!("GITHUB_TOKEN = \"{token}\"\n");
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo(|repo| {
        repo.write(".gitattributes", "*.py -diff\n")
            .write("settings.py", &secret);
    });
    let scans = both_modes(&repo);
    assert_found(&scans, "gitleaks", "settings.py");
    for scan in &scans {
        let gitleaks = scan.findings_on("settings.py");
        assert_eq!(
            gitleaks.iter().filter(|(by, _, _)| by == "gitleaks").count(),
            1,
            "{gitleaks:?}"
        );
    }
}

/// A change whose first commit writes a token to `path` (after `prefix`), and whose second
/// replaces the file with `then`, or removes it.
fn change_leaking_then_hiding(path: &str, prefix: &str, then: Option<&str>) -> Repo {
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    let repo = changed_repo(|repo| {
        repo.write(path, format!("{prefix}GITHUB_TOKEN = \"{token}\"\n"));
    });
    match then {
        Some(contents) => drop(repo.write(path, contents)),
        None => std::fs::remove_file(repo.path().join(path)).unwrap(),
    }
    commit_all(repo.path(), "hide the token");
    repo
}

/// Pre-commit mode reads the staged diff, where git shows a binary file's content as "Binary
/// files differ" too: the binary pass reads the staged file.
#[test]
fn a_staged_secret_in_a_binary_file_is_found_before_the_commit() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    let repo = changed_repo(|repo| {
        repo.write("README.md", "service, with settings\n");
    });
    repo.write("settings.py", format!("\0\nGITHUB_TOKEN = \"{token}\"\n"));
    git_ok(repo.path(), &["add", "settings.py"]);
    let out = tempfile::tempdir().unwrap();
    let (sarif, summary) = (out.path().join("scan.sarif"), out.path().join("summary.json"));
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into(), "--staged".into()];
    args.extend(["--level".into(), "1".into()]);
    args.extend(report_flags(&sarif, &summary));
    let output = Scangate::new(args).run();
    assert_exit(&output, 1);
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let places = result_places(&log);
    assert!(
        places
            .iter()
            .any(|(tool, _, path, _)| tool == "gitleaks" && path == "settings.py"),
        "{places:?}"
    );
}

/// A binary file a commit of the change adds and a later one removes, or replaces with a clean
/// version, is in the history being merged: gitleaks reads every version of it there (`git log -p
/// --text`), in pull-request mode and in a full scan.
#[test]
fn a_secret_in_an_earlier_version_of_a_binary_file_is_found() {
    if !scanners_installed() {
        return;
    }
    for then in [None, Some("\0\nclean\n")] {
        let repo = change_leaking_then_hiding("settings.bin", "\0\n", then);
        let scans = both_modes(&repo);
        for (mode, scan) in ["pull-request mode", "full scan"].iter().zip(&scans) {
            assert_exit(&scan.output, 1);
            let places = result_places(&scan.sarif);
            assert!(
                places
                    .iter()
                    .any(|(tool, _, path, _)| tool == "gitleaks" && path == "settings.bin"),
                "{mode}, then {then:?}: {places:?}"
            );
        }
    }
}

#[test]
fn a_submodule_is_reported_as_not_scanned() {
    if !scanners_installed() {
        return;
    }
    let repo = changed_repo(|repo| {
        let vendored = repo.path().join("lib/other");
        std::fs::create_dir_all(&vendored).unwrap();
        git_ok(&vendored, &["init", "-q"]);
        std::fs::write(vendored.join("README.md"), "another repository\n").unwrap();
        commit_all(&vendored, "other");
    });
    for scan in both_modes(&repo) {
        assert_exit(&scan.output, 0);
        let warnings = scan.summary["warnings"].to_string();
        assert!(warnings.contains("submodule lib/other"), "{warnings}");
        assert!(warnings.contains("was not scanned"), "{warnings}");
    }
}

/// A repository whose old history holds a secret that HEAD no longer has, and a clone of it
/// made with `clone_args`.
fn clone_of_leaky_history(clone_args: &[&str]) -> (Repo, Repo) {
    let source = Repo::new();
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    source
        .write("README.md", "service\n")
        .write("app/__init__.py", "VERSION = 1\n")
        .write("requirements.txt", CLEAN_REQUIREMENTS)
        .write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    git_ok(source.path(), &["init", "-q"]);
    git_ok(source.path(), &["config", "uploadpack.allowFilter", "true"]);
    commit_all(source.path(), "settings");
    source.write(
        "app/settings.py",
        "import os\n\nGITHUB_TOKEN = os.environ[\"GITHUB_TOKEN\"]\n",
    );
    commit_all(source.path(), "the token comes from the environment");
    source.write("README.md", "service, documented\n");
    commit_all(source.path(), "docs");
    let clone = clone_of(&source, clone_args);
    (source, clone)
}

/// A clone of `source` made with `clone_args`, in an empty directory of its own.
fn clone_of(source: &Repo, clone_args: &[&str]) -> Repo {
    let clone = Repo::new();
    let url = format!("file://{}", source.path().display());
    let mut args = vec!["clone", "-q"];
    args.extend(clone_args);
    args.extend([url.as_str(), clone.path().to_str().unwrap()]);
    git_ok(source.path(), &args);
    clone
}

#[test]
fn a_shallow_clone_is_a_partial_secrets_scan() {
    if !scanners_installed() {
        return;
    }
    let (_source, clone) = clone_of_leaky_history(&["--depth", "1"]);
    let db = osv_offline_db();
    let full = scan(clone.path(), db.path(), &[]);
    assert_gap(&[full], "gitleaks", "the clone is shallow", "secrets");
}

#[test]
fn a_blobless_clone_is_a_partial_secrets_scan() {
    if !scanners_installed() {
        return;
    }
    let (_source, clone) = clone_of_leaky_history(&["--filter=blob:none"]);
    let db = osv_offline_db();
    let full = scan(clone.path(), db.path(), &[]);
    assert_gap(&[full], "gitleaks", "the clone is partial", "secrets");
}

/// Pull-request mode on a shallow clone cut inside the change: the commits below the cut, where
/// a secret may be, are not in the clone. With no merge base to diff against, pull-request mode
/// cannot even say what the change is: an error, never a pass.
#[test]
fn a_change_cut_by_a_shallow_clone_is_an_error() {
    if !scanners_installed() {
        return;
    }
    let source = change_leaking_then_hiding("app/settings.py", "", Some("GITHUB_TOKEN = None\n"));
    let clone = clone_of(&source, &["--depth", "1", "--no-single-branch", "--branch", "change"]);
    let db = osv_offline_db();
    let pr = scan(clone.path(), db.path(), &["--base", "origin/main"]);
    assert_exit(&pr.output, 2);
    let stderr = String::from_utf8_lossy(&pr.output.stderr);
    assert!(stderr.contains("no merge base"), "{stderr}");
}

/// Pull-request mode on a blobless clone: the change's commits are there, the contents of the
/// ones HEAD no longer holds are not (a token a later commit removed).
#[test]
fn a_change_in_a_blobless_clone_is_a_partial_secrets_scan() {
    if !scanners_installed() {
        return;
    }
    let source = change_leaking_then_hiding("app/settings.py", "", Some("GITHUB_TOKEN = None\n"));
    git_ok(source.path(), &["config", "uploadpack.allowFilter", "true"]);
    let clone = clone_of(
        &source,
        &["--filter=blob:none", "--no-single-branch", "--branch", "change"],
    );
    let db = osv_offline_db();
    let pr = scan(clone.path(), db.path(), &["--base", "origin/main"]);
    assert_gap(&[pr], "gitleaks", "the clone is partial", "secrets");
}

/// gitleaks runs with the rules `scangate install` derives beside it (its default rules without
/// their allowlists by path). A gitleaks without them (installed by hand) would skip whole paths
/// by its default allowlist, so its run is a coverage gap: it vouches for no secrets scan.
#[test]
fn gitleaks_without_the_derived_rules_is_a_coverage_gap() {
    let repo = text_only_repo();
    let configs = repo.path().join("configs");
    let tools = FakeTools::new();
    tools.add(
        "gitleaks",
        &format!(
            r#"if [ "$1" = version ]; then echo 8.30.1; exit 0; fi
while [ $# -gt 0 ]; do
  case "$1" in --report-path) report="$2";; --config) echo "$2" >> '{configs}';; esac
  shift
done
echo '[]' > "$report""#,
            configs = configs.display()
        ),
    );
    let (output, _) = scan_with(&tools, &repo, &[]);
    assert_exit(&output, 0);
    let given = std::fs::read_to_string(&configs).expect("the fake recorded --config");
    assert_eq!(given.trim(), tools.gitleaks_rules().to_str().unwrap());
    // Found through a symlink (another tools directory, a bin on PATH), it keeps its rules.
    let linked = FakeTools::new();
    std::os::unix::fs::symlink(tools.dir().join("bin/gitleaks"), linked.dir().join("bin/gitleaks")).unwrap();
    // The first scan's records out of the repository again (trivy would read a JSON file).
    std::fs::remove_file(&configs).unwrap();
    std::fs::remove_file(fake_scan_summary(&repo)).unwrap();
    let (output, _) = scan_with(&linked, &repo, &[]);
    assert_exit(&output, 0);
    let given = std::fs::read_to_string(&configs).expect("the fake recorded --config");
    let canonical = std::fs::canonicalize(tools.gitleaks_rules()).unwrap();
    assert_eq!(given.trim(), canonical.to_str().unwrap());

    std::fs::remove_file(tools.gitleaks_rules()).unwrap();
    let (output, summary) = scan_with(&tools, &repo, &[]);
    assert_exit(&output, 2);
    let entry = tool_entry(&summary, "gitleaks");
    assert!(
        entry["scope"].as_str().unwrap_or_default().starts_with("coverage gap"),
        "{entry}"
    );
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("default allowlist") && warnings.contains("scangate install gitleaks"),
        "{warnings}"
    );
    let violations = summary["violations"].to_string();
    assert!(
        violations.contains("no secrets scanner ran successfully"),
        "{violations}"
    );
    assert!(
        violations.contains("gitleaks: coverage gap (gitleaks ran with its default allowlist"),
        "{violations}"
    );
}
