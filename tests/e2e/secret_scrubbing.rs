//! Issue 9 §1: no secret value leaves through any output. The real scanners quote what they
//! scan — trivy a Dockerfile `RUN` line, a semgrep rule its `$VALUE`, semgrep's parse error the
//! offending source — so a repository holding secrets generated at run time is scanned with every
//! output on (SARIF, summary JSON, raw copies, evidence, DSOMM evidence, SBOM, GitHub annotations and step summary, GitLab
//! reports, `-vv` logs, the terminal), and each output is searched for every secret that an
//! un-redacted native gitleaks run finds, and for its base64 form.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;

use crate::support::{
    assert_exit, commit_all, example_copy, git_ok, installed, random_token, read_summary, require_all_scanners,
    require_scanner, tool_entry, OfflineServices, Repo, Scangate, ALNUM,
};

/// A semgrep rule whose message interpolates the string it matched.
pub(crate) const VALUE_RULE: &str = r#"rules:
  - id: quoted-token
    languages: [python]
    severity: WARNING
    message: "token assigned: $VALUE"
    pattern: $NAME = "$VALUE"
"#;

/// Three GitHub tokens (a rule gitleaks always knows), one per scanner that quotes it.
struct Tokens {
    dockerfile: String,
    semgrep_value: String,
    parse_error: String,
}

impl Tokens {
    fn new() -> Tokens {
        let token = || format!("ghp_{}", random_token(ALNUM, 36));
        Tokens {
            dockerfile: token(),
            semgrep_value: token(),
            parse_error: token(),
        }
    }
}

/// A git repository whose Dockerfile, Python code and broken Python file each hold a token.
fn repository_with_secrets(tokens: &Tokens) -> Repo {
    let repo = Repo::new();
    repo.write(
        "Dockerfile",
        format!(
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && curl -H 'Authorization: token {}' https://example.com/setup\nUSER nobody\nHEALTHCHECK CMD true\n",
            tokens.dockerfile
        ),
    )
    .write("app/settings.py", format!("api_token = \"{}\"\n", tokens.semgrep_value))
    .write("app/broken.py", format!("def f(:\n    return {} {}\n", tokens.parse_error, tokens.parse_error));
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "secrets");
    repo
}

/// The secret values gitleaks itself finds, un-redacted, with its default rules.
pub(crate) fn harvest_secrets(repo: &Path) -> Vec<String> {
    let report = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new(installed("gitleaks"))
        .args([
            "git",
            "--no-banner",
            "--exit-code",
            "0",
            "--report-format",
            "json",
            "--report-path",
        ])
        .arg(report.path())
        .arg(repo)
        .output()
        .expect("gitleaks runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let leaks: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(report.path()).unwrap()).unwrap();
    let mut secrets: Vec<String> = leaks
        .iter()
        .map(|leak| leak["Secret"].as_str().unwrap().to_owned())
        .collect();
    secrets.sort();
    secrets.dedup();
    secrets
}

/// Every file below `dir`, with its contents.
fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path, bytes));
        }
    }
    files
}

/// Each place where one of `secrets` (as is, or base64-encoded) shows in `outputs`.
fn leaks_in(outputs: &[(String, Vec<u8>)], secrets: &[String]) -> Vec<String> {
    let mut leaks = Vec::new();
    for secret in secrets {
        let encoded = base64::engine::general_purpose::STANDARD.encode(secret);
        for (name, bytes) in outputs {
            let text = String::from_utf8_lossy(bytes);
            for form in [secret.as_str(), encoded.trim_end_matches('=')] {
                if text.contains(form) {
                    leaks.push(format!("{name} holds {}…", &form[..8]));
                }
            }
        }
    }
    leaks
}

#[test]
fn no_secret_reaches_any_output_whichever_scanner_quotes_it() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let tokens = Tokens::new();
    let repo = repository_with_secrets(&tokens);
    let secrets = harvest_secrets(repo.path());
    for token in [&tokens.dockerfile, &tokens.semgrep_value, &tokens.parse_error] {
        assert!(secrets.contains(token), "gitleaks does not find {}…", &token[..8]);
    }
    let out = tempfile::tempdir().unwrap();
    let (output, reports) = scan_quoting_scanners(repo.path(), &out);
    assert_exit(&output, 1);

    // Each scanner did quote its token, and the report shows where it was scrubbed.
    let sarif = std::fs::read_to_string(reports.join("scan.sarif")).unwrap();
    let summary = read_summary(&reports.join("summary.json"));
    assert_eq!(tool_entry(&summary, "gitleaks")["status"], "ok", "{summary:#}");
    assert_eq!(tool_entry(&summary, "trivy")["status"], "ok", "{summary:#}");
    let results: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let messages: Vec<(String, String)> = results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap().iter())
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap().to_owned(),
                result["message"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let quoted = |rule: &str| {
        messages
            .iter()
            .find(|(id, _)| id.ends_with(rule))
            .unwrap_or_else(|| panic!("no {rule} result in {messages:#?}"))
            .1
            .clone()
    };
    assert_eq!(quoted("quoted-token"), "token assigned: REDACTED");
    assert!(quoted("DS-0029").contains("REDACTED"), "{}", quoted("DS-0029"));
    let semgrep = tool_entry(&summary, "semgrep");
    assert_eq!(
        semgrep["file_error_paths"],
        serde_json::json!(["app/broken.py"]),
        "{semgrep:#}"
    );
    assert!(
        sarif.contains("`REDACTED` was unexpected"),
        "semgrep's parse error: {sarif}"
    );

    assert_no_secret_in_outputs(&output, &reports, &secrets);
}

/// Scans `repo` with the scanners that quote what they find (gitleaks, trivy, and semgrep with
/// [`VALUE_RULE`]) and every output on.
fn scan_quoting_scanners(repo: &Path, out: &tempfile::TempDir) -> (std::process::Output, PathBuf) {
    std::fs::write(out.path().join("rule.yml"), VALUE_RULE).unwrap();
    let mut flags: Vec<OsString> = vec!["--tools".into(), "gitleaks,semgrep,trivy".into(), "--offline".into()];
    flags.extend(["--semgrep-config".into(), out.path().join("rule.yml").into()]);
    scan_with_every_output(repo, out, flags)
}

/// Scans `repo` with every output scangate has on: `-vv` logs, SARIF, summary JSON, raw copies,
/// GitLab reports, GitHub annotations and step summary, rdjson; the reports land in `out/reports`.
fn scan_with_every_output(
    repo: &Path,
    out: &tempfile::TempDir,
    flags: Vec<OsString>,
) -> (std::process::Output, PathBuf) {
    let reports = out.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let mut args: Vec<OsString> = vec!["-vv".into(), "scan".into(), repo.into()];
    args.extend(flags);
    for (flag, name) in [
        ("--sarif", "scan.sarif"),
        ("--summary-json", "summary.json"),
        ("--raw-dir", "raw"),
        ("--gitlab-dir", "gitlab"),
        ("--evidence", "evidence.json"),
        ("--dsomm-evidence", "dsomm-evidence.yaml"),
        ("--sbom", "sbom.json"),
        ("--html", "report.html"),
        ("--rdjson", "review.rdjson"),
    ] {
        args.extend([flag.into(), reports.join(name).into()]);
    }
    args.extend(["--format".into(), "github".into()]);
    let output = Scangate::new(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", reports.join("step-summary.md"))
        .run();
    (output, reports)
}

/// No output of the scan — stdout, stderr, every file below `reports` — holds one of `secrets`.
fn assert_no_secret_in_outputs(output: &std::process::Output, reports: &Path, secrets: &[String]) {
    let mut outputs: Vec<(String, Vec<u8>)> = vec![
        ("stdout".to_owned(), output.stdout.clone()),
        ("stderr (-vv)".to_owned(), output.stderr.clone()),
    ];
    outputs.extend(
        files_below(reports)
            .into_iter()
            .map(|(path, bytes)| (path.strip_prefix(reports).unwrap().display().to_string(), bytes)),
    );
    for expected in [
        "scan.sarif",
        "summary.json",
        "step-summary.md",
        "gitlab/gl-secret-detection-report.json",
        "review.rdjson",
    ] {
        assert!(
            outputs.iter().any(|(name, _)| name == expected),
            "{expected} not written"
        );
    }
    assert!(
        outputs.iter().any(|(name, _)| name.starts_with("raw/gitleaks")),
        "no raw gitleaks copy"
    );
    let leaks = leaks_in(&outputs, secrets);
    assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}");
    eprintln!(
        "secret scrubbing: {} secrets searched in {} outputs ({}): 0 hits",
        secrets.len(),
        outputs.len(),
        outputs
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

#[test]
fn the_example_scan_with_all_six_scanners_shows_no_secret() {
    if !require_all_scanners() {
        return;
    }
    let repo = example_copy();
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "example");
    let secrets = harvest_secrets(repo.path());
    assert!(
        secrets.len() >= 2,
        "the example holds secrets gitleaks finds: {}",
        secrets.len()
    );
    let services = OfflineServices::start();
    let out = tempfile::tempdir().unwrap();
    let (output, reports) = scan_with_every_output(repo.path(), &out, services.scan_flags());
    assert_exit(&output, 1);
    let summary = read_summary(&reports.join("summary.json"));
    for tool in ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"] {
        assert_eq!(tool_entry(&summary, tool)["status"], "ok", "{tool}: {summary:#}");
    }
    assert_no_secret_in_outputs(&output, &reports, &secrets);
}

#[test]
fn credentials_in_the_registry_url_never_show() {
    if !require_scanner("npm") {
        return;
    }
    let services = OfflineServices::start();
    let registry = services.scan_flags()[2].to_string_lossy().into_owned();
    let password = format!("pw-{}", random_token(ALNUM, 20));
    let query_token = random_token(ALNUM, 24);
    let with_credentials = registry.replacen("http://", &format!("http://ci-user:{password}@"), 1);
    let repo = Repo::new();
    repo.write(
        "package-lock.json",
        r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"app","version":"1.0.0"}}}"#,
    );
    let out = tempfile::tempdir().unwrap();
    let summary = out.path().join("summary.json");
    let scan = Scangate::new([
        OsString::from("-vv"),
        "scan".into(),
        repo.path().into(),
        "--tools".into(),
        "npm-audit".into(),
        "--no-gate".into(),
        "--npm-registry".into(),
        with_credentials.clone().into(),
        "--sarif".into(),
        out.path().join("scan.sarif").into(),
        "--summary-json".into(),
        summary.clone().into(),
    ])
    .run();
    assert_exit(&scan, 0);
    let npm = tool_entry(&read_summary(&summary), "npm-audit").clone();
    assert_eq!(npm["status"], "ok", "{npm:#}");
    let argv = npm["argv"].clone();
    let shown = with_credentials.replace(&format!("ci-user:{password}"), "REDACTED");
    assert!(argv.as_array().unwrap().contains(&shown.clone().into()), "{argv:#}");
    let with_query = format!("{registry}?token={query_token}");
    let plans: Vec<_> = [false, true]
        .into_iter()
        .map(|json| {
            let mut args: Vec<OsString> = vec!["plan".into(), repo.path().into(), "--npm-registry".into()];
            args.push(with_query.clone().into());
            if json {
                args.push("--json".into());
            }
            Scangate::new(args).run()
        })
        .collect();
    let mut outputs = vec![
        ("scan stdout".to_owned(), scan.stdout.clone()),
        ("scan stderr (-vv)".to_owned(), scan.stderr.clone()),
        ("summary".to_owned(), std::fs::read(&summary).unwrap()),
        (
            "sarif".to_owned(),
            std::fs::read(out.path().join("scan.sarif")).unwrap(),
        ),
    ];
    for (plan, name) in plans.iter().zip(["plan", "plan --json"]) {
        assert!(
            String::from_utf8_lossy(&plan.stdout).contains("?token=REDACTED"),
            "{name}: {}",
            String::from_utf8_lossy(&plan.stdout)
        );
        outputs.push((name.to_owned(), plan.stdout.clone()));
        outputs.push((format!("{name} stderr"), plan.stderr.clone()));
    }
    let leaks = leaks_in(&outputs, &[password, query_token]);
    assert!(leaks.is_empty(), "credentials leaked: {leaks:#?}");
}

/// Issue 23 §5: credentials gitleaks does not report (its curl rule allows passwords starting
/// `test`, its generic rule values starting `changeme`) are quoted by trivy's DS-0029 message from
/// the Dockerfile's `RUN curl -u user:pass` line, and by a semgrep message interpolating `$VALUE`;
/// their shapes are redacted in every output all the same.
#[test]
fn credentials_gitleaks_misses_are_scrubbed_by_their_shape() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let password = format!("test-{}", random_token(ALNUM, 16));
    let token = format!("changeme-{}", random_token(ALNUM, 16));
    let repo = Repo::new();
    repo.write(
        "Dockerfile",
        format!(
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && curl -fsS -u deploy:{password} https://example.test/setup\nUSER nobody\nHEALTHCHECK CMD true\n"
        ),
    )
    .write("app/settings.py", format!("API_TOKEN = \"{token}\"\n"));
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "setup");
    let found = harvest_secrets(repo.path());
    assert!(
        !found.contains(&password) && !found.contains(&token),
        "gitleaks reports them itself: no shape needed"
    );
    let out = tempfile::tempdir().unwrap();
    let (output, reports) = scan_quoting_scanners(repo.path(), &out);
    assert_exit(&output, 1);
    let sarif = std::fs::read_to_string(reports.join("scan.sarif")).unwrap();
    assert!(
        sarif.contains("curl -fsS -u REDACTED https://example.test/setup"),
        "{sarif}"
    );
    assert!(sarif.contains("token assigned: REDACTED"), "{sarif}");
    assert_no_secret_in_outputs(&output, &reports, &[password, token]);
}
