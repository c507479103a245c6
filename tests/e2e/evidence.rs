//! Issue 10 §3: `--evidence` and `--dsomm-evidence` with the real scanners. A repository whose
//! one high finding is accepted by the pipeline's policy passes level 1: the evidence says the
//! gate enforces the thresholds and the secrets scan, records the suppression with its owner
//! and expiry, the counts before and after it, the scanners and the policy layers by hash, and
//! the GitHub run; the DSOMM team evidence loads as the DSOMM application reads it. A policy
//! that relaxes the preset can evidence, never enforce.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{
    assert_exit, checkout, commit_all, git_ok, require_installed_file, require_scanner, tools_dir, Repo, Scangate,
};

const HIGH_FINDING: &str =
    "import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";

/// The pipeline's policy: accepts the high finding, with an owner and an expiry.
fn accepting_policy(extra: &str) -> String {
    format!(
        "extends = \"level-1\"\n{extra}\n[[suppress]]\nrule = \"python-subprocess-shell-true\"\npath = \"app.py\"\nstatus = \"accepted_risk\"\nreason = \"operator-only tool\"\nowner = \"platform\"\nexpires = 2099-01-31\n"
    )
}

struct EvidenceRun {
    output: Output,
    evidence: Value,
    team_yaml: PathBuf,
    policy: PathBuf,
    _dir: tempfile::TempDir,
}

/// Scans a committed repository holding [`HIGH_FINDING`] under GitHub Actions' environment.
fn scan_with_evidence(policy_text: &str) -> EvidenceRun {
    let repo = Repo::new();
    repo.write("app.py", HIGH_FINDING);
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "app");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let policy = out.join("policy.toml");
    std::fs::write(&policy, policy_text).unwrap();
    let (evidence_path, team_yaml) = (out.join("evidence/run.json"), out.join("evidence/team.yaml"));
    let args: Vec<OsString> = vec![
        "scan".into(),
        repo.path().into(),
        "--tools".into(),
        "gitleaks,semgrep".into(),
        "--policy".into(),
        policy.clone().into(),
        "--sarif".into(),
        out.join("scan.sarif").into(),
        "--evidence".into(),
        evidence_path.clone().into(),
        "--dsomm-evidence".into(),
        team_yaml.clone().into(),
        "--team".into(),
        "payments".into(),
        "--html".into(),
        out.join("report.html").into(),
    ];
    let output = Scangate::new(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/payments")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_STEP_SUMMARY", out.join("step-summary.md"))
        .run();
    let text = std::fs::read_to_string(&evidence_path).unwrap_or_else(|error| {
        panic!("no evidence ({error}): {}", String::from_utf8_lossy(&output.stderr));
    });
    EvidenceRun {
        output,
        evidence: serde_json::from_str(&text).unwrap(),
        team_yaml,
        policy,
        _dir: dir,
    }
}

fn activity<'a>(evidence: &'a Value, prefix: &str) -> &'a Value {
    evidence["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["uuid"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no activity {prefix} in {:#}", evidence["activities"]))
}

fn sha256_of(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The DSOMM application's reading of `file` (scripts/dsomm-evidence-check), or `None` (skipped
/// loudly) when its YAML library is not installed outside CI.
fn dsomm_reading(file: &Path) -> Option<Value> {
    let tools = tools_dir();
    if !require_installed_file(
        &tools.join("node/node_modules/yaml/package.json"),
        "the yaml npm package",
    ) {
        return None;
    }
    let output = Command::new(checkout().join("scripts/dsomm-evidence-check"))
        .arg(file)
        .env("SCANGATE_TOOLS_DIR", tools)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn the_evidence_records_what_the_gate_enforced_and_loads_into_dsomm() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep")) {
        return;
    }
    let run = scan_with_evidence(&accepting_policy(""));
    assert_exit(&run.output, 0);
    let evidence = &run.evidence;
    assert_eq!(evidence["format"], "scangate-evidence/1");
    for (uuid, claim) in [
        ("44f2c8a9", "enforced"),
        ("c6e3c812", "enforced"),
        ("c1acc8af", "enforced"),
        ("bc548cba", "evidenced"),
        ("55f4c916", "evidenced"),
    ] {
        let record = activity(evidence, uuid);
        assert_eq!(record["claim"], claim, "{record:#}");
        assert!(record["name"].as_str().is_some_and(|n| !n.is_empty()) && record["sub_dimension"].is_string());
    }
    assert_eq!(evidence["counts"]["before_suppressions"]["high"], 1);
    assert_eq!(evidence["counts"]["after_suppressions"]["high"], 0);
    let suppressions = evidence["suppressions"].as_array().unwrap();
    assert_eq!(suppressions.len(), 1, "{suppressions:#?}");
    let accepted = &suppressions[0];
    assert_eq!(
        (
            &accepted["status"],
            &accepted["owner"],
            &accepted["expires"],
            &accepted["reason"],
            &accepted["findings"]
        ),
        (
            &"accepted_risk".into(),
            &"platform".into(),
            &"2099-01-31".into(),
            &"operator-only tool".into(),
            &1.into()
        )
    );
    assert!(
        accepted["origin"].as_str().unwrap().ends_with("policy.toml:3"),
        "{accepted:#}"
    );
    let run_record = &evidence["run"];
    assert_eq!(
        run_record["ci_run_url"],
        "https://github.example/acme/payments/actions/runs/4242"
    );
    assert_eq!(run_record["commit"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(run_record["level"], "level 1");
    assert_eq!(run_record["verdict"], "pass");
    assert_eq!(run_record["dsomm_catalogue_commit"].as_str().unwrap().len(), 40);
    let layers = run_record["policy_layers"].as_array().unwrap();
    assert_eq!(layers[0]["file"], "gates/level-1.toml");
    assert_eq!(layers[0]["sha256"], sha256_of(&checkout().join("gates/level-1.toml")));
    assert_eq!(layers[1]["sha256"], sha256_of(&run.policy));
    let semgrep = evidence["scanners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "semgrep")
        .unwrap();
    assert!(
        semgrep["version"].as_str().is_some_and(|v| v.starts_with("1.")),
        "{semgrep:#}"
    );
    assert!(!semgrep["config_hashes"].as_array().unwrap().is_empty(), "{semgrep:#}");

    let Some(dsomm) = dsomm_reading(&run.team_yaml) else {
        return;
    };
    let shown: Vec<&str> = evidence["activities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["claim"] == "enforced" || a["claim"] == "evidenced")
        .map(|a| a["uuid"].as_str().unwrap())
        .collect();
    let loaded: Vec<&str> = dsomm.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(loaded.len(), shown.len(), "{loaded:?} vs {shown:?}");
    assert!(shown.iter().all(|uuid| loaded.contains(uuid)));
    let entry = &dsomm["44f2c8a9-4aaa-4c72-942d-63f78b89f385"][0];
    assert_eq!(entry["teams"], serde_json::json!(["payments"]));
    assert_eq!(
        entry["attachment"][0]["externalLink"],
        "https://github.example/acme/payments/actions/runs/4242"
    );
    assert_eq!(
        entry["evidenceRecorded"],
        run_record["finished"].as_str().unwrap()[..10]
    );
}

#[test]
fn a_relaxed_policy_evidences_but_never_enforces() {
    if !(require_scanner("gitleaks") && require_scanner("semgrep")) {
        return;
    }
    let run = scan_with_evidence(&accepting_policy("[thresholds]\nmax_critical = \"unlimited\"\n"));
    assert_exit(&run.output, 0);
    let claims: Vec<&str> = run.evidence["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["claim"].as_str().unwrap())
        .collect();
    assert!(!claims.contains(&"enforced"), "{claims:?}");
    let thresholds = activity(&run.evidence, "44f2c8a9");
    assert_eq!(thresholds["claim"], "evidenced");
    let reason = thresholds["reason"].as_str().unwrap();
    assert!(
        reason.contains("not enforced") && reason.contains("relaxed by"),
        "{reason}"
    );
    assert!(run.evidence["run"]["level"].as_str().unwrap().contains("relaxed by"));
}
