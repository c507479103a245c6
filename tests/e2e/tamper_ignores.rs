//! Issue 23 §3: every native ignore is scangate's to judge. Each case is a tamper attempt with
//! the real scanners: a change hides its own finding with a scanner's ignore mechanism. scangate
//! either neutralizes the mechanism (the finding counts) or applies it as a reported suppression
//! with its origin: shown in SARIF `suppressions[]`, refused in pull-request mode (`--base`)
//! because the change adds it, and refused without a reason when the level requires one.
//! docs/native-ignores.md lists every mechanism with its test here.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::support::{
    assert_exit, commit_all, git_ok, random_token, require_scanner, Repo, ScanReports as Scan, ALNUM,
};

/// `scangate scan REPO --offline --tools TOOLS EXTRA…`, its reports in a directory of their own.
fn scan(repo: &Repo, tools: &str, extra: &[&str]) -> Scan {
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into(), "--offline".into()];
    args.extend(
        ["--tools", tools]
            .into_iter()
            .chain(extra.iter().copied())
            .map(OsString::from),
    );
    Scan::run(args, out.path())
}

/// A repository whose main branch holds `base` files, with a branch `change` checked out that
/// writes `change` files: the tamper attempt.
fn change_on_main(base: &[(&str, &str)], change: &[(&str, String)]) -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    for (path, text) in base {
        repo.write(path, text);
    }
    git_ok(repo.path(), &["init", "-q", "-b", "main"]);
    commit_all(repo.path(), "main");
    git_ok(repo.path(), &["checkout", "-q", "-b", "change"]);
    for (path, text) in change {
        repo.write(path, text);
    }
    commit_all(repo.path(), "the change hides its finding");
    repo
}

/// A trusted policy that asks every suppression for a reason (level 3's rule) at level 1, so a
/// test needs only the scanners of the mechanism it tries.
fn reason_policy(repo: &Repo) -> PathBuf {
    let policy = repo.path().parent().unwrap().join(format!(
        "reasons-{}.toml",
        repo.path().file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&policy, "[suppression_rules]\nrequire_reason = true\n").unwrap();
    policy
}

/// The honest answers to a native ignore the change added at `origin` (kind `kind`, hiding
/// `hidden` findings): pull-request mode refuses it and fails; a full scan applies it as a
/// reported suppression (SARIF `suppressions[]` names the origin) and passes; when the level
/// requires a reason and the ignore gives none, the findings count and the scan fails.
fn assert_judged(repo: &Repo, tools: &str, origin: &str, kind: &str, hidden: u64) {
    let refused_as = |scan: &Scan, refusal: &str| {
        assert_exit(&scan.output, 1);
        let expected = [(origin.to_string(), refusal.to_string(), hidden)];
        assert_eq!(scan.refused(), expected, "{:#}", scan.summary);
    };
    refused_as(&scan(repo, tools, &["--base", "main"]), "added_by_change");
    let policy = reason_policy(repo);
    refused_as(&scan(repo, tools, &["--policy", policy.to_str().unwrap()]), "no_reason");
    let full = scan(repo, tools, &[]);
    assert_exit(&full.output, 0);
    assert_eq!(
        full.summary["suppressed_by_origin"][origin], hidden,
        "{:#}",
        full.summary
    );
    let accepted = full.suppressions();
    assert!(
        accepted.contains(&("accepted".into(), origin.into())),
        "{origin} in SARIF suppressions: {accepted:?}"
    );
    let kind_property = format!("\"scangate/kind\":\"{kind}\"");
    assert!(full.sarif.to_string().contains(&kind_property), "{kind_property}");
}

/// `gitleaks:allow` on the secret's line: gitleaks dropped the leak unseen (a PR passed).
#[test]
fn gitleaks_allow_comment() {
    if !require_scanner("gitleaks") {
        return;
    }
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    let repo = change_on_main(
        &[],
        &[(
            "app/settings.py",
            format!("\nGITHUB_TOKEN = \"{token}\"  # gitleaks:allow\n"),
        )],
    );
    assert_judged(&repo, "gitleaks", "app/settings.py:2", "gitleaks:allow", 1);
}
