//! Issue 12 §2: a scan of a subdirectory of a git repository (the Action's `path:`) names every
//! file from the repository's root, where GitHub resolves it: SARIF `artifactLocation.uri` under
//! `%SRCROOT%` = the work tree's top, the annotations' `file=`, the step summary's links, and the
//! GitLab and rdjson reports.

use std::ffi::OsString;

use crate::support::*;

const SHELL_TRUE: &str = "import subprocess\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";

#[test]
fn a_subdirectory_scan_names_files_from_the_repository_root_in_every_report() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("README.md", "monorepo\n")
        .write("services/api/tasks.py", SHELL_TRUE);
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "api");
    let out = tempfile::tempdir().expect("temp dir");
    let step_summary = out.path().join("step-summary.md");
    let sarif_path = out.path().join("scan.sarif");
    let rdjson_path = out.path().join("scan.rdjson");
    let gitlab_dir = out.path().join("gl");
    let args: Vec<OsString> = vec![
        "scan".into(),
        repo.path().join("services/api").into(),
        "--tools".into(),
        "gitleaks,semgrep".into(),
        "--sarif".into(),
        sarif_path.clone().into(),
        "--rdjson".into(),
        rdjson_path.clone().into(),
        "--gitlab-dir".into(),
        gitlab_dir.clone().into(),
    ];
    let output = Scangate::new(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/monorepo")
        .env("GITHUB_SHA", "0123456789abcdef")
        .run();
    assert_exit(&output, 1);

    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    let semgrep = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["tool"]["driver"]["name"] == "semgrep")
        .expect("a semgrep run");
    let top = repo.path().canonicalize().unwrap();
    assert_eq!(
        semgrep["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", top.display())
    );
    let location = &semgrep["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "services/api/tasks.py", "{location}");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("::error file=services/api/tasks.py,line=4"), "{stdout}");
    let markdown = std::fs::read_to_string(&step_summary).unwrap();
    assert!(
        markdown.contains("https://github.example/acme/monorepo/blob/0123456789abcdef/services/api/tasks.py#L4"),
        "{markdown}"
    );
    let read = |path: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
    };
    let rdjson = read(&rdjson_path);
    assert_eq!(
        rdjson["diagnostics"][0]["location"]["path"], "services/api/tasks.py",
        "{rdjson:#}"
    );
    let sast = read(&gitlab_dir.join("gl-sast-report.json"));
    assert_eq!(
        sast["vulnerabilities"][0]["location"]["file"], "services/api/tasks.py",
        "{sast:#}"
    );
}
