//! The assessment: the same findings against all five presets, the highest level met, the
//! policy's own row, and what the run shows of each activity.

mod common;

use common::*;
use scangate_gate::{
    assess, Assessment, AssessmentInput, Category, Claim, Outcome, PolicySources, SourceFile, ToolStatus,
};
use scangate_normalizer::{Finding, Severity};

fn assess_with(sources: &PolicySources, findings: &[Finding], tools: &[scangate_gate::ToolOutcome]) -> Assessment {
    assess(&AssessmentInput {
        sources,
        policy: None,
        findings,
        tools,
        baseline: None,
        today: today(),
        change: None,
    })
}

fn verdicts(assessment: &Assessment) -> Vec<Outcome> {
    assessment.levels.iter().map(|row| row.verdict).collect()
}

fn claim<'a>(assessment: &'a Assessment, id: &str) -> &'a scangate_gate::ActivityClaim {
    assessment
        .activities
        .iter()
        .find(|a| a.id.starts_with(id))
        .unwrap_or_else(|| panic!("no claim for {id}: {:#?}", assessment.activities))
}

#[test]
fn a_clean_run_with_every_scanner_meets_level_5() {
    let assessment = assess_with(&PolicySources::default(), &[], &all_ok());
    assert_eq!(verdicts(&assessment), [Outcome::Pass; 5]);
    assert_eq!(assessment.highest_met, 5);
    assert!(assessment.next.is_none());
    assert_eq!(assessment.headline(2), "highest level met: 5");
}

#[test]
fn one_medium_finding_stops_the_ladder_at_level_2() {
    let findings = [finding("semgrep", "py/xss", Severity::Medium, "app.py", 1)];
    let assessment = assess_with(&PolicySources::default(), &findings, &all_ok());
    use Outcome::*;
    assert_eq!(verdicts(&assessment), [Pass, Pass, Fail, Fail, Fail]);
    assert_eq!(assessment.highest_met, 2);
    let headline = assessment.headline(2);
    assert!(
        headline.starts_with("highest level met: 2; to reach 3: 1 medium finding > 0 allowed (level 3, DSOMM 9cac3341"),
        "{headline}"
    );
    let medium = claim(&assessment, "9cac3341");
    assert_eq!(medium.claim, Claim::NotEvidenced);
    assert_eq!(claim(&assessment, "44f2c8a9").claim, Claim::Evidenced);
}

#[test]
fn preset_rows_take_only_suppressions_from_the_policy_files() {
    let findings = [finding("semgrep", "py/xss", Severity::Medium, "app.py", 1)];
    // The repository asks for level 5 and tries to allow medium findings: neither moves a
    // preset row. Its suppression entry, with a reason, applies wherever its rules allow it.
    let repo = r#"
level = 5
[thresholds]
max_medium = 10

[[suppress]]
rule = "py/xss"
path = "app.py"
status = "false_positive"
reason = "escaped by the template engine"
"#;
    let sources = PolicySources {
        repo_config: Some(SourceFile::new("repo/scangate.toml", repo)),
        ..PolicySources::default()
    };
    let assessment = assess_with(&sources, &findings, &all_ok());
    let levels: Vec<u8> = assessment.levels.iter().map(|row| row.level.get()).collect();
    assert_eq!(levels, [1, 2, 3, 4, 5]);
    // Level 4 asks every entry for an expiry: the entry is invalid there, and the row says so.
    use Outcome::*;
    assert_eq!(verdicts(&assessment), [Pass, Pass, Pass, Error, Error]);
    assert_eq!(assessment.highest_met, 3);
    let next = assessment.next.as_ref().unwrap();
    assert!(next.violations[0].message.contains("expires"), "{:#?}", next.violations);
    assert_eq!(claim(&assessment, "c1acc8af").claim, Claim::Evidenced);
    // A policy file's relaxation does not reach the preset rows either.
    let sources = PolicySources {
        policy_file: Some(SourceFile::new(
            "policy.toml",
            "[thresholds]\nmax_medium = \"unlimited\"\n",
        )),
        ..PolicySources::default()
    };
    let assessment = assess_with(&sources, &findings, &all_ok());
    assert_eq!(assessment.highest_met, 2);
    assert!(assessment.levels.iter().all(|row| !row.label.contains("relaxed")));
}

#[test]
fn the_policy_row_says_when_it_is_relaxed() {
    let findings = [finding("semgrep", "py/xss", Severity::Medium, "app.py", 1)];
    let relaxed = policy(3, "[thresholds]\nmax_medium = \"unlimited\"\n");
    let sources = PolicySources::default();
    let assessment = assess(&AssessmentInput {
        sources: &sources,
        policy: Some(&relaxed),
        findings: &findings,
        tools: &all_ok(),
        baseline: None,
        today: today(),
        change: None,
    });
    let row = assessment.policy.as_ref().unwrap();
    assert_eq!(row.verdict, Outcome::Pass);
    assert_eq!(
        row.label,
        "level 3, relaxed by policy.toml: max_medium = unlimited (preset: 0)"
    );
    // The relaxed pass is not level 3 met.
    assert_eq!(assessment.highest_met, 2);
}

#[test]
fn partial_and_missing_evidence_is_named() {
    use Category::*;
    let mut gitleaks = tool("gitleaks", &[Secrets], ToolStatus::Ok, true);
    gitleaks.partial = Some("partial: the commits since --base only, not the whole git history".into());
    // trivy offline without a vulnerability database: misconfiguration only, fully; it tested a
    // Dockerfile and no Kubernetes manifest.
    let mut trivy = tool("trivy", &[Infrastructure], ToolStatus::Ok, true);
    trivy.tested_kinds = vec!["dockerfile".into()];
    let tools = vec![
        gitleaks,
        tool("semgrep", &[Sast], ToolStatus::Ok, true),
        tool("gosec", &[Sast], ToolStatus::Skipped, false),
        trivy,
        tool("osv-scanner", &[Dependencies], ToolStatus::Ok, true),
    ];
    let assessment = assess_with(&PolicySources::default(), &[], &tools);
    let secrets = claim(&assessment, "c6e3c812");
    assert_eq!(secrets.claim, Claim::Partial);
    assert!(
        secrets.reason.contains("gitleaks: partial: the commits since --base"),
        "{}",
        secrets.reason
    );
    let virtualized = claim(&assessment, "8fc3de67");
    assert_eq!(
        (virtualized.claim, virtualized.reason.as_str()),
        (Claim::Evidenced, "trivy tested dockerfile")
    );
    let cluster = claim(&assessment, "621fb6a5");
    assert_eq!(
        (cluster.claim, cluster.reason.as_str()),
        (
            Claim::NotEvidenced,
            "no cluster deployment resource (Kubernetes manifest, Helm chart) in this run (trivy tested dockerfile)"
        )
    );
    let sca = claim(&assessment, "d918cd44");
    assert_eq!(sca.claim, Claim::Evidenced);
    assert_eq!(sca.reason, "osv-scanner ran successfully");
    let multiple = claim(&assessment, "297be001");
    assert_eq!(multiple.claim, Claim::NotEvidenced);
    for category in [
        "secrets: only gitleaks",
        "sast: only semgrep",
        "dependencies: only osv-scanner",
    ] {
        assert!(multiple.reason.contains(category), "{category}: {}", multiple.reason);
    }
    // Without osv-scanner nothing checks dependencies: trivy misconfiguration-only does not.
    let without_osv: Vec<_> = tools.into_iter().filter(|t| t.name != "osv-scanner").collect();
    let assessment = assess_with(&PolicySources::default(), &[], &without_osv);
    assert_eq!(claim(&assessment, "d918cd44").claim, Claim::NotEvidenced);
    assert_eq!(assessment.highest_met, 1);
    let blocking = &assessment.next.as_ref().unwrap().violations[0].message;
    assert!(
        blocking.contains("no dependencies scanner ran successfully"),
        "{blocking}"
    );
    assert_eq!(assessment.catalogue_commit, scangate_gate::DSOMM_COMMIT);
}
