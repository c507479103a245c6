//! Evaluation: thresholds per level, suppressions, baseline, scanner outcomes.

mod common;

use std::path::Path;

use common::*;
use scangate_gate::{
    evaluate, evaluate_change, Baseline, Category, Change, Code, Date, Outcome, Policy, Refusal, ToolOutcome,
    ToolStatus, Verdict,
};
use scangate_normalizer::{Finding, Severity, SuppressionOrigin};

fn gate(policy: &Policy, findings: &[Finding]) -> Verdict {
    evaluate(policy, findings, &all_ok(), None, today())
}

fn codes(verdict: &Verdict) -> Vec<Code> {
    verdict.violations.iter().map(|v| v.code).collect()
}

fn warning_codes(verdict: &Verdict) -> Vec<Code> {
    verdict.warnings.iter().map(|w| w.code).collect()
}

fn of_severities(severities: &[Severity]) -> Vec<Finding> {
    (0u8..)
        .zip(severities)
        .map(|(tag, &severity)| finding("semgrep", "rule", severity, "src/a.go", tag))
        .collect()
}

#[test]
fn thresholds_per_level() {
    use Severity::*;
    let table: [(&[Severity], [Outcome; 5]); 6] = [
        (&[], [Outcome::Pass; 5]),
        (&[Critical], [Outcome::Fail; 5]),
        (&[High, High, High], [Outcome::Fail; 5]),
        (
            &[Medium, Low, Info],
            [
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Fail,
                Outcome::Fail,
                Outcome::Fail,
            ],
        ),
        (
            &[Low],
            [
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Fail,
            ],
        ),
        (
            &[Info],
            [
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Fail,
            ],
        ),
    ];
    for (severities, outcomes) in table {
        for (n, expected) in (1..=5).zip(outcomes) {
            let verdict = gate(&Policy::preset(level(n)), &of_severities(severities));
            assert_eq!(
                verdict.result, expected,
                "level {n}, {severities:?}: {:#?}",
                verdict.violations
            );
            assert_eq!(verdict.exit_code(), expected.exit_code());
            assert_eq!(verdict.counts.total(), severities.len() as u64);
            assert!(codes(&verdict).iter().all(|&c| c == Code::ThresholdExceeded));
        }
    }
}

#[test]
fn violation_message_names_count_limit_level_and_activity() {
    use Severity::*;
    let verdict = gate(&Policy::preset(level(1)), &of_severities(&[High, High, High, Medium]));
    let messages: Vec<_> = verdict.violations.iter().map(|v| v.message.as_str()).collect();
    assert_eq!(
        messages,
        ["3 high findings > 0 allowed (level 1, DSOMM 44f2c8a9 \"Treatment of defects with high or critical severity\")"]
    );
    assert_eq!(
        verdict.violations[0].activities[0].id,
        "44f2c8a9-4aaa-4c72-942d-63f78b89f385"
    );
    let verdict = gate(&Policy::preset(level(3)), &of_severities(&[Medium]));
    assert_eq!(
        verdict.violations[0].message,
        "1 medium finding > 0 allowed (level 3, DSOMM 9cac3341 \"Treatment of defects with medium severity\")"
    );
    let verdict = gate(&policy(1, "[thresholds]\nmax_low = 0\n"), &of_severities(&[Low]));
    assert_eq!(
        verdict.violations[0].message,
        "1 low finding > 0 allowed (limit set at policy.toml:2:11) (level 1)"
    );
}

#[test]
fn thresholds_are_counts() {
    let policy = policy(3, "[thresholds]\nmax_high = 2\n");
    use Severity::*;
    assert_eq!(gate(&policy, &of_severities(&[High, High])).result, Outcome::Pass);
    assert_eq!(gate(&policy, &of_severities(&[High, High, High])).result, Outcome::Fail);
}

#[test]
fn suppressions_match_by_fingerprint_rule_path_and_vulnerability() {
    let text = format!(
        r#"
[[suppress]]
fingerprint = "{}"
status = "false_positive"

[[suppress]]
rule = "go/sql-injection"
path = "internal/legacy/**"
tool = "gosec"
status = "false_positive"

[[suppress]]
vulnerability = "cve-2024-0001"
package = "lodash"
status = "accepted_risk"
expires = 2025-07-01
reason = "not reachable"
owner = "team-web"
"#,
        fp(1)
    );
    let policy = policy(1, &text);
    let findings = [
        finding("semgrep", "x", Severity::High, "a.py", 1),
        finding(
            "gosec",
            "go/sql-injection",
            Severity::High,
            "internal/legacy/db/q.go",
            2,
        ),
        // same rule elsewhere: counts
        finding("gosec", "go/sql-injection", Severity::High, "cmd/main.go", 3),
        // the alias matches, case-insensitively
        dependency("GHSA-xxxx", "CVE-2024-0001", "lodash", Severity::Critical, 4),
        // same vulnerability, other package: counts
        dependency("GHSA-xxxx", "CVE-2024-0001", "underscore", Severity::Critical, 5),
    ];
    let verdict = gate(&policy, &findings);
    assert_eq!(verdict.suppressed, 3);
    assert_eq!((verdict.counts.critical, verdict.counts.high), (1, 1));
    assert_eq!(verdict.result, Outcome::Fail);
    let applied = &verdict.suppressions[&fp(4)];
    assert_eq!(applied.reason.as_deref(), Some("not reachable"));
    assert_eq!(applied.origin.line, 12);
    assert!(verdict.warnings.is_empty(), "{:#?}", verdict.warnings);
}

#[test]
fn glob_star_stays_within_a_directory() {
    let policy = policy(
        1,
        "[[suppress]]\nrule = \"r\"\npath = \"src/*.go\"\nstatus = \"false_positive\"\n",
    );
    let findings = [finding("gosec", "r", Severity::High, "src/deep/a.go", 1)];
    assert_eq!(gate(&policy, &findings).result, Outcome::Fail);
}

#[test]
fn native_suppressions_count_apart_and_never_toward_thresholds() {
    let mut suppressed = natively_suppressed(finding("gosec", "G101", Severity::Critical, "a.go", 1));
    if let Some(native) = suppressed.native_suppression.as_mut() {
        native.justification = Some("a test credential".into());
    }
    let verdict = gate(&Policy::preset(level(5)), &[suppressed]);
    assert_eq!(verdict.result, Outcome::Pass);
    assert_eq!((verdict.suppressed, verdict.counts.total()), (1, 0));
    assert_eq!(verdict.suppressed_by_origin.get("a.go:1"), Some(&1));
}

#[test]
fn from_level_3_a_native_suppression_without_a_reason_counts() {
    let findings = [natively_suppressed(finding(
        "gosec",
        "G101",
        Severity::Medium,
        "a.go",
        1,
    ))];
    let at_2 = gate(&Policy::preset(level(2)), &findings);
    assert_eq!((at_2.result, at_2.suppressed), (Outcome::Pass, 1));
    let at_3 = gate(&Policy::preset(level(3)), &findings);
    assert_eq!(
        (at_3.result, at_3.suppressed, at_3.counts.medium),
        (Outcome::Fail, 0, 1)
    );
    assert_eq!(warning_codes(&at_3), [Code::SuppressionWithoutReason]);
    let refused = &at_3.refused[&findings[0].fingerprint];
    assert_eq!(refused.refusal, Refusal::NoReason);
    assert!(
        refused.describe().contains("`#nosec G204 -- why`"),
        "{}",
        refused.describe()
    );
}

/// A pull request adds a finding and, on the same line, the ignore comment that hides it; in
/// its repo config, a `[[suppress]]` for another and the key that would trust both.
#[test]
fn a_change_cannot_approve_its_own_findings() {
    let mut inline = natively_suppressed(finding("gosec", "G204", Severity::High, "cmd/run.go", 1));
    if let Some(native) = inline.native_suppression.as_mut() {
        native.justification = Some("trusted input".into());
        native.origin = Some(SuppressionOrigin::at("cmd/run.go", 1));
    }
    let by_config = finding("semgrep", "python-os-system", Severity::High, "app/a.py", 2);
    let repo = "[suppression_rules]\ntrust_changed_suppressions = true\n\n[[suppress]]\nrule = \"python-os-system\"\n\
                path = \"**\"\nstatus = \"false_positive\"\nreason = \"internal\"\n";
    let policy = resolve(3, None, Some(repo)).unwrap();
    let findings = [inline.clone(), by_config.clone()];
    let mut change = Change::default();
    change.add_file("cmd/run.go");
    change.add_lines("scangate.toml", 1, 9);
    let verdict = evaluate_change(&policy, &findings, &all_ok(), None, today(), Some(&change));
    assert_eq!(
        (verdict.result, verdict.suppressed, verdict.counts.high),
        (Outcome::Fail, 0, 2)
    );
    let refusals: Vec<_> = verdict
        .refused
        .values()
        .map(|r| (r.origin.as_str(), r.refusal))
        .collect();
    assert_eq!(
        refusals,
        [
            ("cmd/run.go:1", Refusal::AddedByChange),
            ("scangate.toml:4", Refusal::AddedByChange)
        ]
    );
    assert!(warning_codes(&verdict).contains(&Code::SuppressionAddedByChange));
    assert!(
        warning_codes(&verdict).contains(&Code::RepoConfigIgnored),
        "the repo may not trust itself"
    );

    // Untouched by the change, the same entries apply.
    let untouched = evaluate_change(&policy, &findings, &all_ok(), None, today(), Some(&Change::default()));
    assert_eq!((untouched.result, untouched.suppressed), (Outcome::Pass, 2));
    // The pipeline's policy file may trust what code owners reviewed.
    let trusting = resolve(
        3,
        Some("[suppression_rules]\ntrust_changed_suppressions = true\n"),
        Some(repo),
    )
    .unwrap();
    let reviewed = evaluate_change(&trusting, &findings, &all_ok(), None, today(), Some(&change));
    assert_eq!((reviewed.result, reviewed.suppressed), (Outcome::Pass, 2));
}

#[test]
fn unused_suppressions_are_warnings() {
    let policy = policy(
        1,
        "[[suppress]]\nvulnerability = \"CVE-9\"\nstatus = \"false_positive\"\n",
    );
    let verdict = gate(&policy, &[]);
    assert_eq!(verdict.result, Outcome::Pass);
    assert_eq!(warning_codes(&verdict), [Code::UnusedSuppression]);
    assert_eq!(
        verdict.warnings[0].message,
        "suppression at policy.toml:1:1 (vulnerability CVE-9) matched no finding"
    );
}

const EXPIRING: &str = r#"
[[suppress]]
fingerprint = "0101010101010101010101010101010101010101010101010101010101010101"
status = "accepted_risk"
reason = "vendor fix pending"
expires = 2025-06-30
"#;

#[test]
fn expired_entry_is_ignored_with_a_warning_below_level_5() {
    let policy = policy(4, EXPIRING);
    let findings = [finding("semgrep", "x", Severity::High, "a.py", 1)];
    let before = evaluate(&policy, &findings, &all_ok(), None, today());
    assert_eq!(before.result, Outcome::Pass);
    // The entry applies through its expiry day, and stops the day after.
    let last_day = Date::parse("2025-06-30").unwrap();
    assert_eq!(
        evaluate(&policy, &findings, &all_ok(), None, last_day).result,
        Outcome::Pass
    );
    let after = evaluate(&policy, &findings, &all_ok(), None, last_day.add_days(1));
    assert_eq!(after.result, Outcome::Fail);
    assert_eq!(codes(&after), [Code::ThresholdExceeded]);
    assert_eq!(after.counts.high, 1);
    // Level 4 also says where multiple analyzers are not evidenced (secrets, infrastructure).
    let expired: Vec<_> = after
        .warnings
        .iter()
        .filter(|w| w.code != Code::MultipleAnalyzersNotEvidenced)
        .collect();
    assert_eq!(expired.len(), 1, "{:#?}", after.warnings);
    assert_eq!(expired[0].code, Code::ExpiredSuppressionIgnored);
    assert!(expired[0]
        .message
        .contains("expired on 2025-06-30 and no longer applies"));
}

#[test]
fn expired_entry_fails_the_gate_at_level_5() {
    let policy = policy(5, EXPIRING);
    let later = Date::parse("2025-07-01").unwrap();
    let verdict = evaluate(&policy, &[], &all_ok(), None, later);
    assert_eq!(verdict.result, Outcome::Fail);
    assert_eq!(codes(&verdict), [Code::ExpiredSuppression]);
    let message = &verdict.violations[0].message;
    assert!(
        message.starts_with("suppression at policy.toml:2:1 (fingerprint 0101"),
        "{message}"
    );
    assert!(
        message.ends_with("expired on 2025-06-30 (level 5, scangate policy (not a DSOMM requirement))"),
        "{message}"
    );
}

#[test]
fn severity_overrides_apply_before_counting() {
    let text = "[[severity]]\nrule = \"generic-api-key\"\ntool = \"gitleaks\"\nseverity = \"high\"\n";
    let findings = [finding("gitleaks", "generic-api-key", Severity::Medium, ".env", 1)];
    assert_eq!(gate(&Policy::preset(level(1)), &findings).result, Outcome::Pass);
    let verdict = gate(&policy(1, text), &findings);
    assert_eq!(verdict.result, Outcome::Fail);
    assert_eq!(verdict.counts.high, 1);
    assert_eq!(verdict.overridden[&fp(1)], Severity::High);
    // Another tool's rule of the same name is left alone.
    let other = [finding("semgrep", "generic-api-key", Severity::Medium, ".env", 1)];
    assert_eq!(gate(&policy(1, text), &other).result, Outcome::Pass);
}

#[test]
fn repo_severity_overrides_only_raise() {
    let repo = "[[severity]]\nrule = \"aws-access-token\"\nseverity = \"low\"\n";
    let policy = resolve(1, None, Some(repo)).unwrap();
    let findings = [finding("gitleaks", "aws-access-token", Severity::Critical, ".env", 1)];
    let verdict = gate(&policy, &findings);
    assert_eq!(verdict.counts.critical, 1);
    assert_eq!(warning_codes(&verdict), [Code::SeverityOverrideIgnored]);
}

#[test]
fn baseline_counts_only_new_findings() {
    let old = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"gosec"}}}},"results":[
            {{"ruleId":"G101","message":{{"text":"x"}},"partialFingerprints":{{"scangate/v1":"{}"}}}},
            {{"ruleId":"G102","message":{{"text":"y"}},"partialFingerprints":{{"scangate/v1":"{}"}}}}]}}]}}"#,
        fp(1).to_uppercase(),
        fp(2)
    );
    let baseline = Baseline::from_sarif(Path::new("old.sarif"), old.as_bytes()).unwrap();
    assert_eq!(baseline.len(), 2);
    let findings = [
        finding("gosec", "G101", Severity::High, "a.go", 1),
        finding("gosec", "G102", Severity::High, "b.go", 2),
        finding("gosec", "G103", Severity::High, "c.go", 3),
    ];
    let verdict = evaluate(
        &Policy::preset(level(1)),
        &findings,
        &all_ok(),
        Some(&baseline),
        today(),
    );
    assert_eq!(verdict.new, Some(1));
    assert_eq!(verdict.counts.high, 1);
    assert_eq!(verdict.result, Outcome::Fail);
    assert_eq!(
        verdict.violations[0].message.split(" (").next(),
        Some("1 high finding > 0 allowed")
    );
    assert_eq!(gate(&Policy::preset(level(1)), &findings).new, None);
}

#[test]
fn baseline_errors_name_the_file() {
    let error = Baseline::from_sarif(Path::new("old.sarif"), b"{not json").unwrap_err();
    assert_eq!(error.to_string(), "baseline old.sarif is not a SARIF log");
    let foreign = br#"{"version":"2.1.0","runs":[{"results":[{"ruleId":"x"}]}]}"#;
    let error = Baseline::from_sarif(Path::new("codeql.sarif"), foreign).unwrap_err();
    assert!(error
        .to_string()
        .contains("codeql.sarif has 1 results and none has partialFingerprints"));
    let empty = br#"{"version":"2.1.0","runs":[{"results":[]}]}"#;
    assert!(Baseline::from_sarif(Path::new("e.sarif"), empty).unwrap().is_empty());
}

// ---- scanner outcomes ----

#[test]
fn required_category_without_a_successful_scanner_is_an_error() {
    let tools = with_status(all_ok(), "gitleaks", ToolStatus::Missing, true);
    let verdict = evaluate(&Policy::preset(level(1)), &[], &tools, None, today());
    assert_eq!(verdict.result, Outcome::Error);
    assert_eq!(verdict.exit_code(), 2);
    assert_eq!(codes(&verdict), [Code::ScannerFailed, Code::RequiredCategoryMissing]);
    assert_eq!(
        verdict.violations[1].message,
        "no secrets scanner ran successfully (gitleaks: missing (test)); level 1 requires one \
         (level 1, DSOMM c6e3c812 \"Test for stored secrets in code\")"
    );
}

#[test]
fn an_error_outranks_a_failed_threshold() {
    let tools = with_status(all_ok(), "semgrep", ToolStatus::Timeout, true);
    let verdict = evaluate(
        &Policy::preset(level(1)),
        &of_severities(&[Severity::High]),
        &tools,
        None,
        today(),
    );
    assert_eq!(verdict.result, Outcome::Error);
    assert_eq!(codes(&verdict), [Code::ScannerFailed, Code::ThresholdExceeded]);
    assert!(verdict.violations[0]
        .message
        .starts_with("scanner semgrep: timeout (test) failed"));
}

/// semgrep gave up on `gen/table.py` for time.
fn semgrep_partial() -> Vec<ToolOutcome> {
    let mut tools = with_status(all_ok(), "semgrep", ToolStatus::Partial, true);
    for tool in tools.iter_mut().filter(|tool| tool.name == "semgrep") {
        tool.reason = Some("gave up on 1 file for time: gen/table.py".into());
        tool.unanalysed = vec!["gen/table.py".into()];
    }
    tools
}

#[test]
fn a_partial_scanner_warns_in_a_full_scan_and_vouches_for_its_category() {
    let verdict = evaluate(&Policy::preset(level(3)), &[], &semgrep_partial(), None, today());
    assert_eq!(verdict.result, Outcome::Pass, "{verdict:?}");
    let warnings: Vec<(Code, &str)> = verdict.warnings.iter().map(|w| (w.code, w.message.as_str())).collect();
    assert!(warnings.contains(&(
        Code::ScannerPartial,
        "semgrep: partial (gave up on 1 file for time: gen/table.py): findings there may be missing"
    )));
}

#[test]
fn a_partial_scanner_is_an_error_when_the_change_touches_a_file_it_gave_up_on() {
    let policy = Policy::preset(level(1));
    let mut elsewhere = Change::default();
    elsewhere.add_file("app/main.py");
    let untouched = evaluate_change(&policy, &[], &semgrep_partial(), None, today(), Some(&elsewhere));
    assert_eq!(untouched.result, Outcome::Pass);
    let mut change = Change::default();
    change.add_file("gen/table.py");
    let touched = evaluate_change(&policy, &[], &semgrep_partial(), None, today(), Some(&change));
    assert_eq!(touched.result, Outcome::Error);
    assert_eq!(codes(&touched), [Code::ChangeNotAnalysed]);
    assert!(touched.violations[0]
        .message
        .starts_with("semgrep gave up for time on gen/table.py of the change: it was not analysed"));
    // A policy that trusts the change's suppressions does not trust its unanalysed files.
    let mut trusting = Policy::preset(level(1));
    trusting.suppression_rules.trust_changed_suppressions = true;
    let trusted = evaluate_change(&trusting, &[], &semgrep_partial(), None, today(), Some(&change));
    assert_eq!(trusted.result, Outcome::Error);
}

#[test]
fn failing_optional_scanner_is_a_loud_warning() {
    let tools = with_status(all_ok(), "npm-audit", ToolStatus::Error, true);
    let verdict = evaluate(&policy(2, "optional = [\"npm-audit\"]\n"), &[], &tools, None, today());
    assert_eq!(verdict.result, Outcome::Pass);
    assert_eq!(warning_codes(&verdict), [Code::OptionalScannerFailed]);
    assert!(verdict.warnings[0]
        .message
        .starts_with("OPTIONAL SCANNER FAILED: npm-audit: error"));
}

#[test]
fn a_scanner_that_does_not_apply_is_no_error() {
    let tools = with_status(all_ok(), "gosec", ToolStatus::Skipped, false);
    assert_eq!(
        evaluate(&Policy::preset(level(5)), &[], &tools, None, today()).result,
        Outcome::Pass
    );
}

#[test]
fn infrastructure_is_required_only_when_a_scanner_of_it_applies() {
    let no_infra = with_status(all_ok(), "trivy", ToolStatus::Skipped, false);
    assert_eq!(
        evaluate(&Policy::preset(level(2)), &[], &no_infra, None, today()).result,
        Outcome::Pass
    );
    let failed = with_status(all_ok(), "trivy", ToolStatus::Error, true);
    let verdict = evaluate(&policy(2, "optional = [\"trivy\"]\n"), &[], &failed, None, today());
    assert_eq!(codes(&verdict), [Code::RequiredCategoryMissing]);
    assert!(verdict.violations[0]
        .message
        .contains("no infrastructure scanner ran successfully"));
    assert!(verdict.violations[0].message.contains("DSOMM 8fc3de67"));
}

#[test]
fn sast_is_required_from_level_3() {
    let tools: Vec<_> = all_ok()
        .into_iter()
        .filter(|t| !t.categories.contains(&Category::Sast))
        .collect();
    assert_eq!(
        evaluate(&Policy::preset(level(2)), &[], &tools, None, today()).result,
        Outcome::Pass
    );
    let verdict = evaluate(&Policy::preset(level(3)), &[], &tools, None, today());
    assert_eq!(codes(&verdict), [Code::RequiredCategoryMissing]);
}

#[test]
fn level_4_needs_two_analyzers_where_two_apply() {
    let tools = with_status(all_ok(), "gosec", ToolStatus::Error, true);
    let policy3 = policy(3, "optional = [\"gosec\"]\n");
    assert_eq!(evaluate(&policy3, &[], &tools, None, today()).result, Outcome::Pass);
    let policy4 = policy(4, "optional = [\"gosec\"]\n");
    let verdict = evaluate(&policy4, &[], &tools, None, today());
    assert_eq!(codes(&verdict), [Code::MultipleAnalyzersMissing]);
    assert!(verdict.violations[0]
        .message
        .contains("only 1 of 2 sast scanners that apply ran successfully"));
    // Where only one applies, one is enough.
    let one = with_status(all_ok(), "gosec", ToolStatus::Skipped, false);
    assert_eq!(
        evaluate(&Policy::preset(level(4)), &[], &one, None, today()).result,
        Outcome::Pass
    );
}

#[test]
fn one_scanner_run_once_per_module_is_one_analyzer() {
    // gosec runs once per Go module: two runs of it are not "multiple analyzers".
    let mut tools = with_status(all_ok(), "semgrep", ToolStatus::Error, true);
    tools.push(tool("gosec", &[Category::Sast], ToolStatus::Ok, true));
    let verdict = evaluate(&policy(4, "optional = [\"semgrep\"]\n"), &[], &tools, None, today());
    assert_eq!(codes(&verdict), [Code::MultipleAnalyzersMissing]);
    assert!(verdict.violations[0].message.contains("only 1 of 2 sast scanners"));
    // Where one scanner (twice) is all that applies, the level passes and says what it lacks.
    let mut tools = with_status(all_ok(), "semgrep", ToolStatus::Skipped, false);
    tools.push(tool("gosec", &[Category::Sast], ToolStatus::Ok, true));
    let verdict = evaluate(&Policy::preset(level(4)), &[], &tools, None, today());
    assert_eq!(verdict.result, Outcome::Pass);
    let not_evidenced: Vec<&str> = verdict
        .warnings
        .iter()
        .filter(|w| w.code == Code::MultipleAnalyzersNotEvidenced)
        .map(|w| w.message.as_str())
        .collect();
    assert!(
        not_evidenced
            .iter()
            .any(|m| m.contains("not evidenced for sast") && m.contains("297be001 \"Usage of multiple analyzers\"")),
        "{not_evidenced:#?}"
    );
    // Below level 4 nobody asks for two.
    let verdict = evaluate(&Policy::preset(level(3)), &[], &tools, None, today());
    assert!(!warning_codes(&verdict).contains(&Code::MultipleAnalyzersNotEvidenced));
}

#[test]
fn a_policy_override_that_lowers_a_severity_relaxes_the_preset() {
    let text = "[[severity]]\nrule = \"github-pat\"\nseverity = \"low\"\n\n\
                [[severity]]\nrule = \"G101\"\nseverity = \"critical\"\n";
    let lowered = policy(2, text);
    // Nothing is lowered until a finding is: the policy alone reads as the plain level.
    assert_eq!(lowered.level_label(), "level 2");
    let findings = [
        finding("gitleaks", "github-pat", Severity::Critical, "deploy/env.py", 1),
        finding("gosec", "G101", Severity::Medium, "main.go", 2),
    ];
    let verdict = evaluate(&lowered, &findings, &all_ok(), None, today());
    assert_eq!(
        verdict.level_label,
        "level 2, relaxed by policy.toml: severity of github-pat lowered to low"
    );
    assert!(verdict.violations[0]
        .message
        .contains("(level 2, relaxed by policy.toml: severity of github-pat"));
    // The raised one is no relaxation.
    assert_eq!(verdict.relaxed_by.len(), 1);
}

#[test]
fn a_relaxed_policy_says_so_in_every_violation() {
    let relaxed = policy(
        2,
        "optional = [\"semgrep\"]\n[thresholds]\nmax_critical = 3\nmax_high = \"unlimited\"\nmax_medium = 4\n",
    );
    let label = "level 2, relaxed by policy.toml: max_critical = 3 (preset: 0); max_high = unlimited (preset: 0); \
                 optional semgrep";
    assert_eq!(relaxed.level_label(), label);
    let findings = of_severities(&[Severity::Critical; 4]);
    let verdict = evaluate(&relaxed, &findings, &all_ok(), None, today());
    assert_eq!(verdict.level_label, label);
    assert_eq!(verdict.relaxed_by.len(), 3);
    assert!(
        verdict.violations[0]
            .message
            .contains(&format!("({label}, DSOMM 44f2c8a9")),
        "{}",
        verdict.violations[0].message
    );
    // A limit the preset does not set (max_medium at level 2) and a tighter one relax nothing.
    assert_eq!(
        policy(2, "[thresholds]\nmax_medium = 4\nmax_high = 0\n").level_label(),
        "level 2"
    );
}

#[test]
fn level_5_requires_every_applicable_scanner_even_optional_ones() {
    let skipped = with_status(all_ok(), "osv-scanner", ToolStatus::Skipped, true);
    assert_eq!(
        evaluate(&Policy::preset(level(4)), &[], &skipped, None, today()).result,
        Outcome::Pass
    );
    let verdict = evaluate(&Policy::preset(level(5)), &[], &skipped, None, today());
    assert_eq!(codes(&verdict), [Code::ApplicableScannerSkipped]);
    let failed = with_status(all_ok(), "npm-audit", ToolStatus::Error, true);
    let verdict = evaluate(&policy(5, "optional = [\"npm-audit\"]\n"), &[], &failed, None, today());
    assert_eq!(codes(&verdict), [Code::RequiredScannerFailed]);
}

#[test]
fn required_scanners_by_name() {
    let policy = policy(1, "[required]\nscanners = [\"gosec\"]\n");
    assert_eq!(evaluate(&policy, &[], &all_ok(), None, today()).result, Outcome::Pass);
    let tools: Vec<_> = all_ok().into_iter().filter(|t| t.name != "gosec").collect();
    let verdict = evaluate(&policy, &[], &tools, None, today());
    assert_eq!(codes(&verdict), [Code::RequiredScannerFailed]);
    assert!(verdict.violations[0]
        .message
        .starts_with("required scanner gosec is not part of this run"));
}

#[test]
fn repo_config_lowering_the_level_is_reported_in_the_verdict() {
    let policy = resolve(3, None, Some("level = 1\n")).unwrap();
    let verdict = gate(&policy, &of_severities(&[Severity::Medium]));
    assert_eq!(verdict.level, level(3));
    assert_eq!(verdict.result, Outcome::Fail);
    assert_eq!(warning_codes(&verdict), [Code::RepoConfigIgnored]);
}

#[test]
fn invalid_policy_verdict_is_an_error_per_problem() {
    let error = resolve(1, Some("level = 9\n[thresholds]\nmax_high = 1\n"), None).unwrap_err();
    let verdict = Verdict::invalid_policy(level(1), &error);
    assert_eq!(verdict.exit_code(), 2);
    assert_eq!(codes(&verdict), [Code::InvalidPolicy]);
    assert!(verdict.violations[0]
        .message
        .starts_with("policy.toml:1:9: unknown level 9"));
}

#[test]
fn verdict_serializes_with_stable_keys() {
    let verdict = gate(&Policy::preset(level(1)), &of_severities(&[Severity::High]));
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["result"], "fail");
    assert_eq!(json["counts"]["high"], 1);
    assert_eq!(json["violations"][0]["code"], "threshold-exceeded");
    assert_eq!(json["violations"][0]["effect"], "fail");
    assert_eq!(
        json["violations"][0]["activities"][0]["id"],
        "44f2c8a9-4aaa-4c72-942d-63f78b89f385"
    );
}
