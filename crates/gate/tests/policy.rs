//! Loading policies: presets, the level's suppression rules, malformed files, precedence.

mod common;

use common::{error, level, policy, resolve, today};
use scangate_gate::{Category, Level, Policy, PolicyError, SuppressionStatus};
use scangate_normalizer::Severity;

#[test]
fn presets_resolve_without_warnings() {
    for n in 1..=5 {
        let policy = resolve(n, None, None).unwrap_or_else(|e| panic!("level {n}: {e}"));
        assert_eq!(policy.level, level(n));
        assert!(policy.warnings.is_empty(), "level {n}: {:?}", policy.warnings);
        // Every threshold a preset sets names the activity that enforces it.
        for severity in Severity::ALL {
            if policy.thresholds.get(severity).max.is_some() {
                let key = format!("thresholds.max_{severity}");
                assert!(
                    !policy.activities_for(&key).is_empty(),
                    "level {n}: {key} has no activity"
                );
            }
        }
        for category in &policy.required.categories {
            assert!(!policy.activities_for(&format!("required.{category}")).is_empty());
        }
    }
}

/// One row of DESIGN.md §5, as the preset must encode it.
struct Row {
    level: u8,
    maxima: [Option<u64>; 5],
    categories: &'static [Category],
    multiple: bool,
    all: bool,
    reason: bool,
    days: Option<u64>,
    expired_fails: bool,
}

#[test]
fn presets_follow_the_design_table() {
    use Category::{Dependencies, Sast, Secrets};
    let row = |level, maxima, categories, (multiple, all), (reason, days, expired_fails)| Row {
        level,
        maxima,
        categories,
        multiple,
        all,
        reason,
        days,
        expired_fails,
    };
    let table = [
        row(
            1,
            [Some(0), Some(0), None, None, None],
            &[Secrets],
            (false, false),
            (false, None, false),
        ),
        row(
            2,
            [Some(0), Some(0), None, None, None],
            &[Secrets, Dependencies],
            (false, false),
            (false, None, false),
        ),
        row(
            3,
            [Some(0), Some(0), Some(0), None, None],
            &[Secrets, Sast, Dependencies],
            (false, false),
            (true, None, false),
        ),
        row(
            4,
            [Some(0), Some(0), Some(0), None, None],
            &[Secrets, Sast, Dependencies],
            (true, false),
            (true, Some(90), false),
        ),
        row(
            5,
            [Some(0); 5],
            &[Secrets, Sast, Dependencies],
            (true, true),
            (true, Some(90), true),
        ),
    ];
    for expected in table {
        let n = expected.level;
        let policy = Policy::preset(level(n));
        let got: Vec<_> = Severity::ALL.iter().map(|&s| policy.thresholds.get(s).max).collect();
        assert_eq!(got, expected.maxima, "level {n} thresholds");
        let categories: Vec<_> = policy.required.categories.iter().copied().collect();
        assert_eq!(categories, expected.categories, "level {n}");
        assert_eq!(
            policy
                .required
                .categories_when_applicable
                .contains(&Category::Infrastructure),
            n >= 2
        );
        assert_eq!(policy.required.multiple_analyzers, expected.multiple, "level {n}");
        assert_eq!(policy.required.all_applicable, expected.all, "level {n}");
        let rules = &policy.suppression_rules;
        assert_eq!(rules.accepted_risk_requires_expiry, n >= 2, "level {n}");
        assert_eq!(rules.require_reason, expected.reason, "level {n}");
        assert_eq!(rules.require_expiry, n >= 4, "level {n}");
        assert_eq!(rules.max_expiry_days, expected.days, "level {n}");
        assert_eq!(rules.expired_fails, expected.expired_fails, "level {n}");
        assert_eq!(
            rules.statuses,
            [SuppressionStatus::FalsePositive, SuppressionStatus::AcceptedRisk]
        );
    }
}

const ACCEPTED_NO_EXPIRY: &str = r#"extends = "level-1"

[[suppress]]
vulnerability = "CVE-2024-0001"
status = "accepted_risk"
reason = "not reachable"
"#;

#[test]
fn accepted_risk_without_expiry_is_fine_at_level_1() {
    let policy = policy(1, ACCEPTED_NO_EXPIRY);
    assert_eq!(policy.suppressions.len(), 1);
}

#[test]
fn accepted_risk_without_expiry_is_rejected_at_level_2_naming_file_and_entry_line() {
    let message = error(2, ACCEPTED_NO_EXPIRY);
    assert!(
        message.contains("policy.toml:3:1: error: accepted_risk suppression has no `expires`"),
        "{message}"
    );
    assert!(message.contains("level 2"), "{message}");
}

#[test]
fn false_positive_without_expiry_is_fine_at_level_2() {
    let text = "[[suppress]]\nfingerprint = \"".to_string() + &"ab".repeat(32) + "\"\nstatus = \"false_positive\"\n";
    assert_eq!(policy(2, &text).suppressions.len(), 1);
}

const NO_REASON: &str = r#"
[[suppress]]
rule = "go/sql-injection"
path = "internal/legacy/**"
status = "false_positive"
expires = 2025-07-01
"#;

#[test]
fn missing_reason_is_fine_at_level_2_and_rejected_at_level_3() {
    assert_eq!(policy(2, NO_REASON).suppressions.len(), 1);
    let message = error(3, NO_REASON);
    assert!(
        message.contains("policy.toml:2:1: error: suppression has no `reason`: level 3"),
        "{message}"
    );
}

#[test]
fn empty_reason_counts_as_missing() {
    let text = NO_REASON.to_string() + "reason = \"  \"\n";
    assert!(error(3, &text).contains("has no `reason`"));
}

fn expiring(date: &str) -> String {
    format!(
        "[[suppress]]\nvulnerability = \"GHSA-aaaa-bbbb-cccc\"\npackage = \"lodash\"\nstatus = \"accepted_risk\"\n\
         reason = \"patch scheduled\"\nowner = \"team-web\"\nexpires = \"{date}\"\n"
    )
}

#[test]
fn expiry_more_than_90_days_ahead_is_rejected_at_level_4() {
    // today is 2025-06-01; 90 days later is 2025-08-30.
    assert_eq!(policy(3, &expiring("2026-01-01")).suppressions.len(), 1);
    assert_eq!(policy(4, &expiring("2025-08-30")).suppressions.len(), 1);
    let message = error(4, &expiring("2025-08-31"));
    assert!(
        message.contains("policy.toml:7:11: error: `expires = 2025-08-31` is more than 90 days ahead"),
        "{message}"
    );
    assert!(message.contains("at most 2025-08-30"), "{message}");
}

#[test]
fn every_entry_needs_an_expiry_at_level_4() {
    let text = "[[suppress]]\nvulnerability = \"CVE-1\"\nstatus = \"false_positive\"\nreason = \"x\"\n";
    assert_eq!(policy(3, text).suppressions.len(), 1);
    assert!(error(4, text).contains("policy.toml:1:1: error: suppression has no `expires`: level 4"));
}

#[test]
fn bad_dates_are_reported_at_the_value() {
    let message = error(1, &expiring("2025-02-30"));
    assert!(
        message.contains("policy.toml:7:11: error: `expires = 2025-02-30` is not a date: expected YYYY-MM-DD"),
        "{message}"
    );
}

#[test]
fn every_problem_is_reported_at_once_each_at_its_entry() {
    let text = r#"level = 3

[[suppress]]
vulnerability = "CVE-1"
status = "accepted_risk"

[[suppress]]
rule = "x"
status = "false_positive"
reason = "ok"

[[suppress]]
fingerprint = "nothex"
reason = "ok"
"#;
    let Err(PolicyError::Invalid { diagnostics }) = resolve(1, Some(text), None) else {
        panic!()
    };
    let lines: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.origin.line, d.message.as_str()))
        .collect();
    let expect = [
        (3, "suppression has no `reason`"),
        (3, "accepted_risk suppression has no `expires`"),
        (7, "rule `x` needs a `path` glob"),
        (12, "is not a scangate/v1 fingerprint"),
        (12, "suppression has no `status`"),
    ];
    assert_eq!(lines.len(), expect.len(), "{lines:#?}");
    for (line, fragment) in expect {
        assert!(
            lines.iter().any(|(l, m)| *l == line && m.contains(fragment)),
            "{line} {fragment}: {lines:#?}"
        );
    }
}

#[test]
fn selectors_are_checked() {
    let both = format!(
        "fingerprint = \"{}\"\nvulnerability = \"CVE-1\"\nstatus = \"false_positive\"",
        "a".repeat(64)
    );
    assert!(error(1, &format!("[[suppress]]\n{both}\n")).contains("mixes selectors"));
    assert!(error(1, "[[suppress]]\nstatus = \"false_positive\"\n").contains("selects nothing"));
    assert!(error(
        1,
        "[[suppress]]\npackage = \"x\"\nrule = \"r\"\npath = \"**\"\nstatus = \"false_positive\"\n"
    )
    .contains("`package` only goes with `vulnerability`"));
    assert!(error(
        1,
        "[[suppress]]\nrule = \"r\"\npath = \"a/[\"\nstatus = \"false_positive\"\n"
    )
    .contains("not a valid glob"));
}

/// A glob the regex engine cannot take (issue 23 §1: ~500 nested braces panicked, exit 101) is a
/// positioned error like any other, quoting only the glob's start.
#[test]
fn a_glob_nested_too_deeply_is_a_positioned_error() {
    let glob = format!("{}a{}", "{".repeat(500), "}".repeat(500));
    let message = error(
        1,
        &format!("[[suppress]]\nrule = \"r\"\npath = \"{glob}\"\nstatus = \"false_positive\"\n"),
    );
    assert!(
        message.contains("policy.toml:1:1: error: `path` is not a valid glob"),
        "{message}"
    );
    assert!(message.len() < 600, "the message quotes the whole glob: {message}");
}

// ---- malformed policy files: file, line, column and what was expected ----

#[test]
fn bad_toml_names_file_line_column() {
    let message = error(1, "level = 2\n[thresholds\nmax_high = 1\n");
    assert!(
        message.starts_with("invalid policy: 1 error\npolicy.toml:2:12: error:"),
        "{message}"
    );
    assert!(message.contains("expected"), "{message}");
}

#[test]
fn unknown_key_names_file_line_column_and_the_expected_keys() {
    let message = error(1, "extends = \"level-2\"\n\n[thresholds]\nmax_hgih = 1\n");
    assert!(
        message.contains("policy.toml:4:1: error: unknown field `max_hgih`, expected one of"),
        "{message}"
    );
    assert!(message.contains("`max_high`"), "{message}");
    let message = error(1, "[[suppress]]\nfingerprnt = \"x\"\n");
    assert!(
        message.contains("policy.toml:2:1: error: unknown field `fingerprnt`"),
        "{message}"
    );
}

#[test]
fn wrong_type_names_file_line_column_and_expected_type() {
    let message = error(1, "[thresholds]\nmax_high = \"lots\"\n");
    assert!(message.contains("policy.toml:2:12: error:"), "{message}");
    assert!(
        message.contains("expected a count (0 or more) or \"unlimited\""),
        "{message}"
    );
    let message = error(1, "[thresholds]\nmax_high = -1\n");
    assert!(
        message.contains("policy.toml:2:12") && message.contains("expected a count"),
        "{message}"
    );
    let message = error(1, "[required]\ncategories = [\"dast\"]\n");
    assert!(
        message.contains("policy.toml:2:") && message.contains("unknown variant `dast`, expected one of"),
        "{message}"
    );
    let message = error(1, "[[suppress]]\nvulnerability = \"CVE-1\"\nstatus = \"wontfix\"\n");
    assert!(
        message.contains(
            "policy.toml:3:10: error: unknown variant `wontfix`, expected `false_positive` or `accepted_risk`"
        ),
        "{message}"
    );
}

#[test]
fn unknown_level_names_file_line_column_and_the_valid_levels() {
    let message = error(1, "# team policy\nlevel = 7\n");
    assert!(
        message.contains("policy.toml:2:9: error: unknown level 7: expected a DSOMM level 1 to 5"),
        "{message}"
    );
    let message = error(1, "extends = \"level-9\"\n");
    assert!(
        message.contains("policy.toml:1:11: error: unknown preset `level-9`: expected one of level-1"),
        "{message}"
    );
    let message = error(1, "extends = \"level-2\"\nlevel = 3\n");
    assert!(
        message.contains("policy.toml:2:9: error:") && message.contains("disagree"),
        "{message}"
    );
}

#[test]
fn the_rendered_error_shows_the_line_and_a_caret() {
    let message = error(1, "level = 7\n");
    assert!(message.ends_with("  |\n1 | level = 7\n  |         ^"), "{message}");
}

#[test]
fn a_missing_policy_file_is_a_read_error_naming_it() {
    let error = scangate_gate::SourceFile::read(std::path::Path::new("/nonexistent/policy.toml")).unwrap_err();
    assert_eq!(error.to_string(), "cannot read policy file /nonexistent/policy.toml");
}

// ---- precedence ----

#[test]
fn level_floor_repo_config_cannot_lower_the_command_line_level() {
    let policy = resolve(3, None, Some("level = 1\n")).unwrap();
    assert_eq!(policy.level, level(3));
    assert_eq!(policy.ignored.len(), 1);
    let ignored = &policy.ignored[0];
    assert_eq!(
        (ignored.origin.file.to_str(), ignored.origin.line),
        (Some("repo/scangate.toml"), 1)
    );
    assert!(
        ignored
            .message
            .contains("asks for level 1, below level 3 set by the command line"),
        "{}",
        ignored.message
    );
    assert!(policy.to_string().contains("ignored: the repo config asks for level 1"));
}

#[test]
fn level_floor_repo_config_can_raise_the_level() {
    let policy = resolve(2, None, Some("extends = \"level-4\"\n")).unwrap();
    assert_eq!(policy.level, level(4));
    assert!(policy.ignored.is_empty());
    assert_eq!(policy.suppression_rules.max_expiry_days, Some(90));
}

#[test]
fn level_is_the_max_of_command_line_and_policy_file() {
    assert_eq!(policy(1, "extends = \"level-3\"\n").level, level(3));
    assert_eq!(policy(4, "extends = \"level-2\"\n").level, level(4));
    // Nothing given: level 1.
    let none = scangate_gate::PolicySources::default();
    assert_eq!(Policy::resolve(&none, today()).unwrap().level, Level::MIN);
}

#[test]
fn repo_config_may_tighten_thresholds_but_not_loosen_them() {
    let repo = "[thresholds]\nmax_high = 5\nmax_medium = 2\n";
    let policy = resolve(1, None, Some(repo)).unwrap();
    assert_eq!(policy.thresholds.high.max, Some(0));
    assert_eq!(policy.thresholds.medium.max, Some(2));
    assert_eq!(policy.ignored.len(), 1);
    assert_eq!(policy.ignored[0].origin.line, 2);
    assert!(policy.ignored[0]
        .message
        .contains("max_high = 5 would allow more than the 0 already in force"));
}

#[test]
fn repo_config_cannot_switch_off_level_rules_or_mark_scanners_optional() {
    let repo = "optional = [\"semgrep\"]\n[suppression_rules]\nrequire_reason = false\nmax_expiry_days = 365\n";
    let policy = resolve(4, None, Some(repo)).unwrap();
    assert!(policy.optional.is_empty());
    assert!(policy.suppression_rules.require_reason);
    assert_eq!(policy.suppression_rules.max_expiry_days, Some(90));
    assert_eq!(policy.ignored.len(), 3, "{:#?}", policy.ignored);
}

#[test]
fn policy_file_may_loosen_thresholds_but_not_the_levels_rules() {
    let policy = policy(3, "[thresholds]\nmax_medium = \"unlimited\"\nmax_high = 2\n");
    assert_eq!(policy.thresholds.medium.max, None);
    assert_eq!(policy.thresholds.high.max, Some(2));
    let message = error(3, "[suppression_rules]\nrequire_reason = false\n");
    assert!(message.contains("policy.toml:2:18: error: require_reason = false would switch off a rule of the level: level 3 does not allow that"), "{message}");
}

#[test]
fn suppressions_from_policy_file_and_repo_config_concatenate() {
    let entry = "[[suppress]]\nvulnerability = \"CVE-1\"\nstatus = \"false_positive\"\n";
    let policy = resolve(1, Some(entry), Some(entry)).unwrap();
    let files: Vec<_> = policy
        .suppressions
        .iter()
        .map(|s| s.origin.file.display().to_string())
        .collect();
    assert_eq!(files, ["policy.toml", "repo/scangate.toml"]);
}

#[test]
fn repo_suppressions_obey_the_effective_level() {
    let entry = "[[suppress]]\nvulnerability = \"CVE-1\"\nstatus = \"accepted_risk\"\n";
    let error = resolve(2, None, Some(entry)).unwrap_err().to_string();
    assert!(
        error.contains("repo/scangate.toml:1:1: error: accepted_risk suppression has no `expires`"),
        "{error}"
    );
}

#[test]
fn unknown_scanner_names_are_warnings() {
    let policy = policy(1, "optional = [\"semgerp\"]\n");
    assert_eq!(policy.warnings.len(), 1);
    assert!(policy.warnings[0]
        .message
        .contains("`semgerp` is not a scanner scangate runs"));
}

#[test]
fn effective_policy_display_lists_what_plan_prints() {
    let text = r#"extends = "level-2"
optional = ["npm-audit"]

[thresholds]
max_medium = 5

[[severity]]
rule = "generic-api-key"
tool = "gitleaks"
severity = "high"

[[suppress]]
rule = "go/sql-injection"
path = "internal/legacy/**"
status = "false_positive"
reason = "parameterized upstream"
"#;
    let shown = policy(1, text).to_string();
    let expected = [
        "level 2, relaxed by policy.toml: optional npm-audit (from gates/level-2.toml < policy.toml)",
        "thresholds: critical ≤ 0, high ≤ 0, medium ≤ 5, low unlimited, info unlimited",
        "required categories: secrets, dependencies, infrastructure (when a scanner applies)",
        "optional scanners: npm-audit",
        "suppression rules: statuses false_positive, accepted_risk; accepted_risk needs an expiry; an expired entry stops applying",
        "suppressions: 1",
        "  policy.toml:12:1: rule go/sql-injection at internal/legacy/** (false_positive): parameterized upstream",
        "severity override: generic-api-key (gitleaks) -> high (policy.toml:7:1)",
    ];
    for line in expected {
        assert!(shown.contains(line), "missing {line:?} in\n{shown}");
    }
    let json = serde_json::to_value(policy(1, text)).unwrap();
    assert_eq!(json["level"], 2);
    assert_eq!(json["thresholds"]["medium"]["max"], 5);
}

#[test]
fn a_repo_config_cannot_relax_and_is_never_shown_as_relaxing() {
    let repo = "optional = [\"semgrep\"]\n[thresholds]\nmax_high = \"unlimited\"\n";
    let policy = resolve(2, None, Some(repo)).unwrap();
    assert_eq!(policy.level_label(), "level 2");
    assert!(policy.relaxations.is_empty());
    assert_eq!(policy.ignored.len(), 2, "{:#?}", policy.ignored);
    assert_eq!(policy.thresholds.high.max, Some(0));
    assert!(policy.optional.is_empty());
}

#[test]
fn trusting_changed_suppressions_relaxes_the_preset() {
    let policy = policy(3, "[suppression_rules]\ntrust_changed_suppressions = true\n");
    assert_eq!(
        policy.level_label(),
        "level 3, relaxed by policy.toml: trust_changed_suppressions = true"
    );
    assert!(
        policy.to_string().starts_with("level 3, relaxed by policy.toml"),
        "{policy}"
    );
}
