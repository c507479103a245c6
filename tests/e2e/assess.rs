//! Issue 10 §1 and §2: `scangate assess` runs the scanners once and judges the findings by every
//! preset; `scan` says which level it would meet; claims are honest about what ran (trivy
//! misconfiguration only, gitleaks without the full history, one analyzer per category); and a
//! policy that relaxes a preset is named in every report, while a repository cannot relax one.

use std::ffi::OsString;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::{
    assert_exit, commit_all, example_copy, git_ok, random_token, read_summary, require_all_scanners, require_scanner,
    tool_entry, OfflineServices, Repo, Scangate, ALNUM,
};

/// Runs `scangate <command> <repo> --summary-json …` with `extra`; returns the output and summary.
fn run(command: &str, repo: &Path, extra: &[OsString]) -> (Output, Value) {
    let summary = repo.join("summary.json");
    let mut args: Vec<OsString> = vec![
        command.into(),
        repo.into(),
        "--summary-json".into(),
        summary.clone().into(),
    ];
    args.extend(extra.iter().cloned());
    let output = Scangate::new(args).run_in(repo);
    let summary = read_summary(&summary);
    crate::support::assert_summary_schema(&summary);
    (output, summary)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn claim<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["assessment"]["activities"]
        .as_array()
        .expect("assessment.activities[]")
        .iter()
        .find(|a| a["id"].as_str().unwrap().starts_with(id))
        .unwrap_or_else(|| panic!("no claim for {id} in {summary:#}"))
}

fn verdicts(summary: &Value) -> Vec<String> {
    summary["assessment"]["levels"]
        .as_array()
        .expect("assessment.levels[]")
        .iter()
        .map(|row| row["verdict"].as_str().unwrap().to_string())
        .collect()
}

/// A git repository whose history holds a GitHub token: gitleaks finds a critical secret.
fn repo_with_a_secret() -> (Repo, String) {
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("deploy/env.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "deploy settings");
    (repo, token)
}

#[test]
fn assess_judges_the_example_by_every_level_after_one_run_of_each_scanner() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let (output, summary) = run("assess", example.path(), &services.scan_flags());
    // The example fails every level, and the assessment completed: exit 0.
    assert_exit(&output, 0);
    let out = stdout(&output);
    for tool in ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"] {
        let entries = summary["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["name"] == tool);
        assert_eq!(entries.count(), 1, "{tool} ran once: {summary:#}");
        assert_eq!(tool_entry(&summary, tool)["status"], "ok");
    }
    assert_eq!(verdicts(&summary), ["fail", "fail", "fail", "fail", "fail"]);
    assert_eq!(summary["assessment"]["highest_met"], 0);
    assert_eq!(summary["level_met"], 0);
    let next = &summary["assessment"]["next"];
    assert_eq!(next["level"], 1);
    let first = next["violations"][0]["message"].as_str().unwrap();
    assert!(
        first.contains("critical findings > 0 allowed (level 1, DSOMM 44f2c8a9"),
        "{first}"
    );
    assert!(out.contains("highest level met: 0; to reach 1: "), "{out}");
    for level in 1..=5 {
        assert!(out.contains(&format!("\n{level:<7} fail     ")), "{out}");
    }
    // Each level's violations are its own: level 3 counts medium findings, level 1 does not.
    let level = |n: usize| summary["assessment"]["levels"][n - 1]["violations"].to_string();
    assert!(!level(1).contains("medium finding"));
    assert!(level(3).contains("medium finding"));
    // Offline without a database trivy checks misconfigurations only: osv-scanner and npm audit
    // evidence the dependency scan, trivy does not.
    let trivy = tool_entry(&summary, "trivy");
    assert!(
        trivy["scope"].as_str().unwrap().starts_with("misconfiguration only"),
        "{trivy}"
    );
    assert!(out.contains("misconfiguration only"), "{out}");
    let sca = claim(&summary, "d918cd44");
    assert_eq!(sca["claim"], "evidenced");
    assert_eq!(sca["reason"], "osv-scanner, npm-audit ran successfully");
    assert_eq!(claim(&summary, "8fc3de67")["claim"], "evidenced");
    // The example is no git repository: gitleaks reads files only.
    let secrets = claim(&summary, "c6e3c812");
    assert_eq!(secrets["claim"], "partial", "{secrets}");
    assert!(tool_entry(&summary, "gitleaks")["scope"]
        .as_str()
        .unwrap()
        .starts_with("partial: files only"));
    // Two analyzers for SAST and for dependencies; gitleaks and trivy are alone in theirs.
    let multiple = claim(&summary, "297be001");
    assert_eq!(multiple["claim"], "partial", "{multiple}");
    let reason = multiple["reason"].as_str().unwrap();
    for part in [
        "sast: gosec, semgrep",
        "dependencies: npm-audit, osv-scanner",
        "secrets: only gitleaks applies",
        "infrastructure: only trivy applies",
    ] {
        assert!(reason.contains(part), "{part}: {reason}");
    }
    assert_eq!(
        summary["assessment"]["catalogue_commit"],
        "a03f081c33991c239646e402029f83f274bfd9ba"
    );
}

#[test]
fn assess_exits_2_when_a_scanner_that_applies_is_missing() {
    if which_gitleaks_on("/usr/bin:/bin") {
        eprintln!("gitleaks is on the system PATH: cannot make it missing");
        return;
    }
    let repo = Repo::new();
    repo.write("notes.txt", "nothing to see here\n");
    let empty_tools = tempfile::tempdir().unwrap();
    let summary_path = repo.path().join("summary.json");
    let output = Scangate::new([
        "assess".as_ref(),
        repo.path().as_os_str(),
        "--summary-json".as_ref(),
        summary_path.as_os_str(),
    ])
    .env("SCANGATE_TOOLS_DIR", empty_tools.path())
    .env("PATH", "/usr/bin:/bin")
    .run();
    assert_exit(&output, 2);
    let summary = read_summary(&summary_path);
    assert_eq!(tool_entry(&summary, "gitleaks")["status"], "missing");
    assert_eq!(summary["assessment"]["highest_met"], 0);
    assert_eq!(verdicts(&summary), ["error", "error", "error", "error", "error"]);
    assert!(stderr(&output).contains("the assessment is incomplete: gitleaks (missing)"));
}

fn which_gitleaks_on(path: &str) -> bool {
    std::env::split_paths(path).any(|dir| dir.join("gitleaks").is_file())
}

#[test]
fn a_relaxing_policy_is_named_in_every_report_and_is_not_a_level_met() {
    if !require_scanner("gitleaks") {
        return;
    }
    let (repo, token) = repo_with_a_secret();
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().canonicalize().unwrap().join("relaxed-policy.toml");
    std::fs::write(&policy, "[thresholds]\nmax_critical = \"unlimited\"\n").unwrap();
    let label = format!(
        "level 1, relaxed by {}: max_critical = unlimited (preset: 0)",
        policy.display()
    );
    let flags: Vec<OsString> = vec![
        "--tools".into(),
        "gitleaks".into(),
        "--policy".into(),
        policy.clone().into(),
    ];

    // scan: the relaxed policy passes, and every report says it is relaxed.
    let step_summary = repo.path().join("step-summary.md");
    let summary_path = repo.path().join("summary.json");
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        repo.path().into(),
        "--summary-json".into(),
        summary_path.clone().into(),
        "--format".into(),
        "github".into(),
    ];
    args.extend(flags.iter().cloned());
    let output = Scangate::new(args)
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .run_in(repo.path());
    assert_exit(&output, 0);
    let summary = read_summary(&summary_path);
    assert_eq!(summary["verdict"], "pass");
    assert_eq!(summary["level_label"], label.as_str());
    assert_eq!(
        summary["relaxed_by"][0]["setting"],
        "max_critical = unlimited (preset: 0)"
    );
    // The run meets no level: the preset rows do not take the policy's thresholds.
    assert_eq!(summary["level_met"], 0);
    let out = stdout(&output);
    assert!(out.contains(&format!("verdict: PASS at DSOMM {label}")), "{out}");
    assert!(
        out.contains("DSOMM highest level met: 0; to reach 1: 1 critical finding > 0 allowed"),
        "{out}"
    );
    assert!(stderr(&output).contains("relaxes the level-1 preset: max_critical = unlimited"));
    let markdown = std::fs::read_to_string(&step_summary).unwrap();
    assert!(markdown.contains("relaxed by"), "{markdown}");
    assert!(!out.contains(&token) && !markdown.contains(&token));

    // assess: the policy row passes, relaxed; level 1 fails.
    let (output, summary) = run("assess", repo.path(), &flags);
    assert_exit(&output, 0);
    assert_eq!(verdicts(&summary)[0], "fail");
    let row = &summary["assessment"]["policy"];
    assert_eq!(row["verdict"], "pass");
    assert_eq!(row["label"], label.as_str());
    assert_eq!(summary["assessment"]["highest_met"], 0);
    let out = stdout(&output);
    assert!(out.contains(&format!("(DSOMM {label})")), "{out}");
}

/// A pull request that wants to get through: it adds a secret, and a scangate.toml that asks for
/// level 3, allows critical findings, marks gitleaks optional and suppresses the secret. Nothing
/// of it relaxes a level, nothing of it is reported as a relaxation, and its suppression of its
/// own finding is refused.
#[test]
fn a_pull_request_cannot_assess_itself_up_the_ladder() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "initial");
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("deploy/env.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    repo.write(
        "scangate.toml",
        "level = 3\noptional = [\"gitleaks\"]\n\n[thresholds]\nmax_critical = \"unlimited\"\n\n\
         [[suppress]]\nrule = \"github-pat\"\npath = \"deploy/**\"\nstatus = \"false_positive\"\n\
         reason = \"test token\"\nexpires = \"2099-01-01\"\n",
    );
    commit_all(repo.path(), "deploy settings");
    let flags: Vec<OsString> = vec!["--tools".into(), "gitleaks".into(), "--base".into(), "main".into()];
    let (output, summary) = run("assess", repo.path(), &flags);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(!out.contains(&token));
    assert_eq!(verdicts(&summary)[0], "fail", "{summary:#}");
    assert_eq!(summary["assessment"]["highest_met"], 0);
    assert!(summary["relaxed_by"].as_array().unwrap().is_empty());
    assert!(!summary.to_string().contains("relaxed by"), "{summary:#}");
    // The repository raised the level of its own verdict (a repo config may), and its
    // loosening settings were ignored, each said so.
    assert_eq!(summary["level"], 3);
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("optional = [\\\"gitleaks\\\"] would turn a failure into a warning"),
        "{warnings}"
    );
    assert!(
        warnings.contains("max_critical = unlimited would allow more"),
        "{warnings}"
    );
    // The suppression the change adds for its own finding is refused in every row.
    assert!(summary["refused_suppressions"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("suppression added by this change — needs review: scangate.toml:"));
    // Only the pull request's commits were read: partial evidence for the secrets activity.
    let gitleaks = tool_entry(&summary, "gitleaks");
    assert!(
        gitleaks["scope"].as_str().unwrap().contains("commits since --base"),
        "{gitleaks}"
    );
    assert_eq!(claim(&summary, "c6e3c812")["claim"], "partial");
}

#[test]
fn offline_trivy_does_not_count_as_a_dependency_scanner() {
    if !["gitleaks", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("requirements.txt", "requests==2.31.0\n");
    let flags: Vec<OsString> = vec![
        "--offline".into(),
        "--tools".into(),
        "gitleaks,trivy".into(),
        "--level".into(),
        "2".into(),
    ];
    let (output, summary) = run("scan", repo.path(), &flags);
    // Level 2 requires a dependency scanner; trivy without its database is none.
    assert_exit(&output, 2);
    let trivy = tool_entry(&summary, "trivy");
    assert_eq!(trivy["status"], "ok");
    assert!(
        trivy["scope"].as_str().unwrap().starts_with("misconfiguration only"),
        "{trivy}"
    );
    let violations = summary["violations"].to_string();
    assert!(
        violations.contains("no dependencies scanner ran successfully"),
        "{violations}"
    );
    assert!(!violations.contains("trivy"), "{violations}");
    assert_eq!(summary["level_met"], 1);
}

/// A CI shard that ran trivy offline records that it checked misconfigurations only, so the gate
/// over the parts does not take it for the dependency scan level 2 requires.
#[test]
fn an_offline_trivy_shard_does_not_vouch_for_dependencies() {
    if !["gitleaks", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("requirements.txt", "requests==2.31.0\n");
    let parts = tempfile::tempdir().unwrap();
    let mut sarifs = Vec::new();
    for tool in ["gitleaks", "trivy"] {
        let sarif = parts.path().join(format!("part-{tool}.sarif"));
        let output = Scangate::new([
            "scan".as_ref(),
            repo.path().as_os_str(),
            "--offline".as_ref(),
            "--tools".as_ref(),
            tool.as_ref(),
            "--no-gate".as_ref(),
            "--sarif".as_ref(),
            sarif.as_os_str(),
        ])
        .run_in(parts.path());
        assert_exit(&output, 0);
        sarifs.push(sarif);
    }
    let log: Value = serde_json::from_slice(&std::fs::read(&sarifs[1]).unwrap()).unwrap();
    let records = log["properties"]["scangate/scanners"].to_string();
    assert!(records.contains(r#""categories":["infrastructure"]"#), "{records}");
    let summary = parts.path().join("gated.json");
    let mut args: Vec<OsString> = vec!["gate".into()];
    args.extend(sarifs.iter().map(Into::into));
    args.extend(["--level", "2", "--summary-json"].map(OsString::from));
    args.push(summary.clone().into());
    let output = Scangate::new(args).run_in(parts.path());
    assert_exit(&output, 2);
    let violations = read_summary(&summary)["violations"].to_string();
    assert!(
        violations.contains("no dependencies scanner ran successfully"),
        "{violations}"
    );
}

#[test]
fn assess_refuses_pre_commit_mode() {
    let repo = Repo::new();
    repo.write("notes.txt", "nothing to see here\n");
    let output = Scangate::new(["assess".as_ref(), repo.path().as_os_str(), "--staged".as_ref()]).run();
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("--staged is for the pre-commit hook"),
        "{}",
        stderr(&output)
    );
}

/// Issue 26 §5: an activity about files of one kind is claimed only when the infrastructure
/// scanner tested such a file. A Dockerfile evidences "Test the definition of virtualized
/// environments", not "Test cluster deployment resources"; a Kubernetes manifest does that.
#[test]
fn infrastructure_activities_are_claimed_only_for_files_of_their_kind() {
    if !["gitleaks", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM alpine:3.19\nUSER nobody\nHEALTHCHECK CMD true\n");
    let flags: Vec<OsString> = ["--offline", "--tools", "gitleaks,trivy"].map(OsString::from).into();
    let (output, summary) = run("assess", repo.path(), &flags);
    assert_exit(&output, 0);
    let virtualized = claim(&summary, "8fc3de67");
    assert_eq!(virtualized["claim"], "evidenced", "{virtualized}");
    assert_eq!(virtualized["reason"], "trivy tested dockerfile");
    let cluster = claim(&summary, "621fb6a5");
    assert_eq!(cluster["claim"], "not_evidenced", "{cluster}");
    assert_eq!(
        cluster["reason"],
        "no cluster deployment resource (Kubernetes manifest, Helm chart) in this run (trivy tested dockerfile)"
    );

    repo.write(
        "deploy/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  mode: production\n",
    );
    let (output, summary) = run("assess", repo.path(), &flags);
    assert_exit(&output, 0);
    let cluster = claim(&summary, "621fb6a5");
    assert_eq!(cluster["claim"], "evidenced", "{cluster}");
    assert_eq!(cluster["reason"], "trivy tested kubernetes");
}
