//! A weakness several code scanners report is one finding (cross-tool dedup) that the gate judges
//! report by report: one tool's suppression, ignore comment or severity override never hides or
//! lowers another tool's report of it.

mod common;

use common::*;
use scangate_gate::{evaluate, evaluate_change, Change, Outcome, Policy, Refusal};
use scangate_normalizer::{dedup, Finding, NativeSuppression, Severity, SuppressionOrigin};

/// gosec G401 (high) and the bundled semgrep go-weak-hash (medium) on line 3 of `crypto.go`, for
/// CWE-328, merged; when `ignored`, each is ignored in the source: `nosemgrep` on line 2, a
/// trailing `#nosec` on line 3.
fn weak_hash(ignored: bool) -> Finding {
    let report = |tool: &str, rule: &str, severity, tag, comment: &str, comment_line| {
        let mut finding = finding(tool, rule, severity, "crypto.go", tag);
        let location = finding.location.as_mut().unwrap();
        (location.start_line, location.end_line) = (Some(3), Some(3));
        finding.cwes = vec!["CWE-328".to_owned()];
        finding.fingerprint = fp(tag);
        finding.native_suppression = ignored.then(|| NativeSuppression {
            kind: comment.to_owned(),
            justification: Some("checksums only".to_owned()),
            origin: Some(SuppressionOrigin::at("crypto.go", comment_line)),
        });
        finding
    };
    let merged = dedup(vec![
        report("gosec", "G401", Severity::High, 1, "nosec", 3),
        report("semgrep", "go-weak-hash", Severity::Medium, 2, "nosemgrep", 2),
    ]);
    assert_eq!(merged.len(), 1, "{merged:#?}");
    merged.into_iter().next().unwrap()
}

fn suppress(rules: &[&str]) -> String {
    rules
        .iter()
        .map(|rule| {
            format!("[[suppress]]\nrule = \"{rule}\"\npath = \"**\"\nstatus = \"false_positive\"\nreason = \"r\"\n")
        })
        .collect()
}

#[test]
fn a_suppression_of_one_tool_s_rule_leaves_the_other_tool_s_report_counted() {
    let finding = weak_hash(false);
    assert_eq!(
        (finding.rule_id.as_str(), finding.fingerprint.clone()),
        ("go-weak-hash", fp(2))
    );
    for rules in [&["go-weak-hash"][..], &["G401"]] {
        let verdict = evaluate(
            &policy(1, &suppress(rules)),
            std::slice::from_ref(&finding),
            &all_ok(),
            None,
            today(),
        );
        assert_eq!(
            (verdict.suppressed, verdict.counts.total()),
            (0, 1),
            "suppressing {rules:?} only"
        );
        assert!(!verdict.is_suppressed(&finding));
    }
    let first = evaluate(
        &policy(1, &suppress(&["G401"])),
        std::slice::from_ref(&finding),
        &all_ok(),
        None,
        today(),
    );
    assert_eq!(
        first.counts.medium, 1,
        "counted at the severity of the report that is left"
    );
    let both = evaluate(
        &policy(1, &suppress(&["go-weak-hash", "G401"])),
        std::slice::from_ref(&finding),
        &all_ok(),
        None,
        today(),
    );
    assert_eq!(
        (both.suppressed, both.counts.total(), both.result),
        (1, 0, Outcome::Pass)
    );
    assert!(both.is_suppressed(&finding));
    assert!(both.warnings.is_empty(), "both entries were used: {:#?}", both.warnings);
}

#[test]
fn an_override_of_one_tool_s_rule_never_lowers_the_other_tool_s_report() {
    let finding = weak_hash(false);
    assert_eq!(finding.severity, Severity::High);
    let lower = "[[severity]]\nrule = \"go-weak-hash\"\nseverity = \"info\"\n";
    let verdict = evaluate(
        &policy(1, lower),
        std::slice::from_ref(&finding),
        &all_ok(),
        None,
        today(),
    );
    assert_eq!(
        (verdict.counts.high, verdict.counts.info),
        (1, 0),
        "gosec's high report stands"
    );
    let both = format!("{lower}[[severity]]\nrule = \"G401\"\nseverity = \"low\"\n");
    let verdict = evaluate(
        &policy(1, &both),
        std::slice::from_ref(&finding),
        &all_ok(),
        None,
        today(),
    );
    assert_eq!(verdict.counts.low, 1, "the most severe report after both overrides");
    assert_eq!(verdict.overridden.get(&finding.fingerprint), Some(&Severity::Low));
}

#[test]
fn one_tool_s_refused_ignore_comment_makes_the_finding_count() {
    let mut finding = weak_hash(true);
    let preset = Policy::preset(level(3));
    let honoured = evaluate(&preset, std::slice::from_ref(&finding), &all_ok(), None, today());
    assert_eq!(
        (honoured.suppressed, honoured.counts.total()),
        (1, 0),
        "both comments give a reason"
    );
    // From level 3 an ignore comment needs a reason: gosec's #nosec now gives none.
    let gosec = finding
        .reports
        .iter_mut()
        .find(|report| report.tool == "gosec")
        .unwrap();
    gosec.native_suppression.as_mut().unwrap().justification = None;
    let verdict = evaluate(&preset, std::slice::from_ref(&finding), &all_ok(), None, today());
    assert_eq!(
        (verdict.suppressed, verdict.counts.high, verdict.result),
        (0, 1, Outcome::Fail),
        "semgrep's nosemgrep alone hides nothing"
    );
    let refused = &verdict.refused[&finding.fingerprint];
    assert_eq!(
        (refused.origin.as_str(), refused.refusal),
        ("crypto.go:3", Refusal::NoReason)
    );
    assert!(!verdict.is_suppressed(&finding));
    let mut change = Change::default();
    change.add_lines("crypto.go", 3, 1);
    let in_change = evaluate_change(
        &preset,
        std::slice::from_ref(&finding),
        &all_ok(),
        None,
        today(),
        Some(&change),
    );
    assert_eq!((in_change.suppressed, in_change.counts.high), (0, 1));
}
