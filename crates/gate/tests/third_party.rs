//! `[third_party]`: the policy's excluded and vendored paths, and what the repository proposes.

mod common;

use common::*;
use scangate_gate::{
    evaluate, evaluate_change, Change, Code, MinifiedMode, Outcome, Policy, Refusal, SuppressionStatus, Verdict,
    PROPOSED_REASON, VENDORED_REASON,
};
use scangate_normalizer::{Finding, Kind, Severity};

fn code(path: &str, tag: u8) -> Finding {
    finding("semgrep", "js-eval", Severity::High, path, tag)
}

fn secret(path: &str, tag: u8) -> Finding {
    Finding {
        kind: Kind::Secret,
        ..finding("gitleaks", "generic-api-key", Severity::High, path, tag)
    }
}

fn in_change(policy: &Policy, findings: &[Finding], change: &Change) -> Verdict {
    evaluate_change(policy, findings, &all_ok(), None, today(), Some(change))
}

const POLICY: &str = "[third_party]\nexclude = [\"docs/generated/**\"]\nvendored = [\"static/vendor/**\"]\n";

#[test]
fn the_policy_declares_excluded_and_vendored_paths() {
    let policy = policy(3, POLICY);
    assert_eq!(policy.third_party.exclude_globs(), ["docs/generated/**"]);
    assert_eq!(policy.third_party.exclude[0].origin.line, 2);
    assert!(policy.third_party.proposed.is_empty());
    let vendored = policy.suppressions.last().unwrap();
    assert_eq!(vendored.status, SuppressionStatus::ThirdParty);
    assert_eq!(vendored.reason.as_deref(), Some(VENDORED_REASON));
    assert_eq!((vendored.origin.line, vendored.from_repository), (3, false));
}

#[test]
fn vendored_code_findings_do_not_count_but_secrets_do() {
    let policy = policy(3, POLICY);
    let findings = [code("static/vendor/jquery.js", 1), code("src/app.js", 2)];
    let verdict = evaluate(&policy, &findings, &all_ok(), None, today());
    assert_eq!((verdict.counts.high, verdict.suppressed), (1, 1));
    let applied = &verdict.suppressions[&fp(1)];
    assert_eq!(applied.status, SuppressionStatus::ThirdParty);
    assert_eq!(applied.origin.line, 3);
    assert_eq!(verdict.suppressed_by_origin.values().sum::<u64>(), 1);

    let secret = [secret("static/vendor/jquery.js", 3)];
    let verdict = evaluate(&policy, &secret, &all_ok(), None, today());
    assert_eq!(
        (verdict.result, verdict.counts.high, verdict.suppressed),
        (Outcome::Fail, 1, 0)
    );
}

/// A level that requires a reason for every suppression takes the generated one.
#[test]
fn vendored_needs_no_written_reason() {
    let policy = policy(5, "[third_party]\nvendored = [\"vendor/**\"]\n");
    let verdict = evaluate(&policy, &[code("vendor/x.js", 1)], &all_ok(), None, today());
    assert_eq!((verdict.counts.high, verdict.suppressed), (0, 1));
}

#[test]
fn a_policy_change_trusts_the_policy_file_even_on_changed_files() {
    let policy = policy(3, POLICY);
    let mut change = Change::default();
    change.add_file("static/vendor/jquery.js");
    let verdict = in_change(&policy, &[code("static/vendor/jquery.js", 1)], &change);
    assert_eq!((verdict.result, verdict.suppressed), (Outcome::Pass, 1));
}

#[test]
fn the_repository_proposes_vendored_paths_never_exclusions() {
    let repo = "[third_party]\nexclude = [\"src/**\"]\nvendored = [\"lib/**\"]\n";
    let policy = resolve(3, None, Some(repo)).unwrap();
    assert!(policy.third_party.exclude.is_empty(), "a repository may not hide files");
    let ignored: Vec<_> = policy
        .ignored
        .iter()
        .map(|i| (i.origin.line, i.message.as_str()))
        .collect();
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].0, 2);
    assert!(ignored[0].1.contains("src/**"), "{}", ignored[0].1);
    assert_eq!(policy.third_party.proposed.len(), 1);
    assert_eq!(policy.third_party.proposed[0].glob, "lib/**");
    assert_eq!(policy.third_party.proposed[0].origin.line, 3);

    // A full scan applies the proposal, with its origin.
    let findings = [code("lib/old.js", 1)];
    let verdict = evaluate(&policy, &findings, &all_ok(), None, today());
    assert_eq!((verdict.result, verdict.suppressed), (Outcome::Pass, 1));
    assert_eq!(verdict.suppressions[&fp(1)].reason.as_deref(), Some(PROPOSED_REASON));
    assert!(verdict.suppressed_by_origin.contains_key("scangate.toml:3"));

    // A change that leaves both the file and the entry alone: still applies.
    let mut elsewhere = Change::default();
    elsewhere.add_file("src/main.js");
    assert_eq!(in_change(&policy, &findings, &elsewhere).suppressed, 1);
}

#[test]
fn a_change_cannot_declare_its_own_code_vendored() {
    // Even when the trusted policy trusts changed suppressions.
    let trusting = "[suppression_rules]\ntrust_changed_suppressions = true\n";
    let repo = "[third_party]\nvendored = [\"lib/**\"]\n";
    let policy = resolve(3, Some(trusting), Some(repo)).unwrap();
    let findings = [code("lib/new.js", 1), code("lib/old.js", 2)];

    // The change adds a file under the proposed glob: its findings count; the others stay hidden.
    let mut adds = Change::default();
    adds.add_file("lib/new.js");
    let verdict = in_change(&policy, &findings, &adds);
    assert_eq!(
        (verdict.result, verdict.counts.high, verdict.suppressed),
        (Outcome::Fail, 1, 1)
    );
    assert_eq!(verdict.refused[&fp(1)].refusal, Refusal::VendoredOnChange);
    assert_eq!(verdict.refused[&fp(1)].origin, "scangate.toml:2");
    assert!(verdict
        .warnings
        .iter()
        .any(|w| w.code == Code::SuppressionAddedByChange));

    // The change writes the entry itself: it applies to nothing.
    let mut writes = Change::default();
    writes.add_lines("scangate.toml", 2, 1);
    let verdict = in_change(&policy, &findings, &writes);
    assert_eq!((verdict.counts.high, verdict.suppressed), (2, 0));
    assert_eq!(verdict.refused[&fp(2)].refusal, Refusal::AddedByChange);
}

#[test]
fn third_party_errors_are_positioned() {
    let wrong_type = error(1, "[third_party]\nvendored = 3\n");
    assert!(wrong_type.contains("policy.toml:2"), "{wrong_type}");
    let unknown = error(1, "[third_party]\nvendor = [\"x/**\"]\n");
    assert!(
        unknown.contains("policy.toml:2") && unknown.contains("vendor"),
        "{unknown}"
    );
    let bad_glob = error(1, "[third_party]\nexclude = [\"ok/**\", \"a/[b\"]\n");
    assert!(bad_glob.contains("policy.toml:2:21"), "{bad_glob}");
    assert!(bad_glob.contains("not a valid glob"), "{bad_glob}");
    let empty = error(1, "[third_party]\nvendored = [\"\"]\n");
    assert!(empty.contains("empty"), "{empty}");
    // A bad glob in the repository's config is an error too: nothing is silently dropped.
    assert!(resolve(1, None, Some("[third_party]\nvendored = [\"a/[b\"]\n")).is_err());
}

/// No `[[suppress]]` entry may claim the generated status.
#[test]
fn third_party_is_not_a_status_to_write() {
    let text = "[[suppress]]\nrule = \"r\"\npath = \"**\"\nstatus = \"third_party\"\n";
    let message = error(1, text);
    assert!(message.contains("third_party"), "{message}");
}

#[test]
fn minified_is_the_policy_files_to_set() {
    assert_eq!(policy(1, "").third_party.minified, MinifiedMode::Note);
    let findings = policy(1, "[third_party]\nminified = \"findings\"\n");
    assert_eq!(findings.third_party.minified, MinifiedMode::Findings);
    let bad = error(1, "[third_party]\nminified = \"hide\"\n");
    assert!(bad.contains("policy.toml:2:12"), "{bad}");

    // The repository may not choose which of its findings are reported.
    let repo = resolve(
        1,
        Some("[third_party]\nminified = \"findings\"\n"),
        Some("[third_party]\nminified = \"note\"\n"),
    );
    let repo = repo.unwrap();
    assert_eq!(repo.third_party.minified, MinifiedMode::Findings);
    assert!(repo.ignored.iter().any(|i| i.message.contains("minified")));
}

#[test]
fn only_the_policy_files_vendored_globs_cover_a_path_for_the_change() {
    let repo = "[third_party]\nvendored = [\"lib/**\"]\n";
    let policy = resolve(1, Some("[third_party]\nvendored = [\"static/**\"]\n"), Some(repo)).unwrap();
    assert!(policy.vendored_by_policy("static/jquery.js"));
    assert!(
        !policy.vendored_by_policy("lib/jquery.js"),
        "a proposal is not the policy's"
    );
    assert!(!policy.vendored_by_policy("src/app.js"));
}
