//! Issue 23 §3: every native ignore is scangate's to judge. Each case is a tamper attempt with
//! the real scanners: a change hides its own finding with a scanner's ignore mechanism. scangate
//! either neutralizes the mechanism (the finding counts) or applies it as a reported suppression
//! with its origin: shown in SARIF `suppressions[]`, refused in pull-request mode (`--base`)
//! because the change adds it, and refused without a reason when the level requires one.
//! docs/native-ignores.md lists every mechanism with its test here.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::support::{
    assert_exit, commit_all, git_ok, osv_offline_db, random_token, require_scanner, Repo, ScanReports as Scan, ALNUM,
};

/// `scangate scan REPO --offline --tools TOOLS EXTRA…`, its reports in a directory of their own;
/// osv-scanner gets an offline database of the test advisories.
fn scan(repo: &Repo, tools: &str, extra: &[&str]) -> Scan {
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<OsString> = vec!["scan".into(), repo.path().into(), "--offline".into()];
    args.extend(
        ["--tools", tools]
            .into_iter()
            .chain(extra.iter().copied())
            .map(OsString::from),
    );
    let osv_db = tools.contains("osv-scanner").then(osv_offline_db);
    if let Some(db) = &osv_db {
        args.extend(["--osv-offline-db".into(), db.path().into()]);
    }
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

/// The honest answers to a native ignore the change added at `origin` (kind `kind`, hiding at
/// least `at_least` findings): a full scan applies it as a reported suppression (SARIF
/// `suppressions[]` names the origin and the kind) and passes; pull-request mode refuses it and
/// fails; when the level requires a reason and the ignore gives none, the findings count and the
/// scan fails.
fn assert_judged(repo: &Repo, tools: &str, origin: &str, kind: &str, at_least: u64) {
    let full = scan(repo, tools, &[]);
    assert_exit(&full.output, 0);
    let hidden = full.summary["suppressed_by_origin"][origin]
        .as_u64()
        .unwrap_or_default();
    assert!(hidden >= at_least, "{origin} suppressed {hidden}: {:#}", full.summary);
    let accepted = full.suppressions();
    assert!(
        accepted.contains(&("accepted".into(), origin.into())),
        "{origin} in SARIF suppressions: {accepted:?}"
    );
    let kind_property = format!("\"scangate/kind\":\"{kind}\"");
    assert!(full.sarif.to_string().contains(&kind_property), "{kind_property}");
    let refused_as = |scan: &Scan, refusal: &str| {
        assert_exit(&scan.output, 1);
        let expected = [(origin.to_string(), refusal.to_string(), hidden)];
        assert_eq!(scan.refused(), expected, "{:#}", scan.summary);
    };
    refused_as(&scan(repo, tools, &["--base", "main"]), "added_by_change");
    let policy = reason_policy(repo);
    refused_as(&scan(repo, tools, &["--policy", policy.to_str().unwrap()]), "no_reason");
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

/// A change that writes `path` (over `base` on main) with trivy inline ignores, the first at
/// `origin`; gitleaks runs beside trivy since every level requires a secrets scanner.
fn trivy_inline_case(base: &[(&str, &str)], path: &str, text: &str, origin: &str, at_least: u64) {
    if !["gitleaks", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let repo = change_on_main(base, &[(path, text.to_string())]);
    assert_judged(&repo, "gitleaks,trivy", origin, "trivy:ignore", at_least);
}

/// `# trivy:ignore:DS-0002` above a Dockerfile's `USER root`: trivy dropped the finding unseen.
#[test]
fn trivy_ignore_comment_in_a_dockerfile() {
    let clean = "FROM alpine:3.19\nUSER app\nHEALTHCHECK CMD true\n";
    let change = "FROM alpine:3.19\nHEALTHCHECK CMD true\n# trivy:ignore:DS-0002\nUSER root\n";
    trivy_inline_case(&[("Dockerfile", clean)], "Dockerfile", change, "Dockerfile:3", 1);
}

/// `#trivy:ignore:*` above a Terraform resource: every check on it was dropped unseen.
#[test]
fn trivy_ignore_wildcard_above_a_terraform_resource() {
    let bucket =
        "#trivy:ignore:*\nresource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n  acl    = \"public-read\"\n}\n";
    trivy_inline_case(&[], "infra/main.tf", bucket, "infra/main.tf:1", 2);
}

/// `//gosec:disable` (gosec's directive beside `#nosec`) on the flagged line: gosec reports it
/// with `-track-suppressions`, and scangate judges it like `#nosec`.
#[test]
fn gosec_disable_directive() {
    if !["gitleaks", "gosec"].into_iter().all(require_scanner) {
        return;
    }
    let module = "module example.com/svc\n\ngo 1.22\n";
    let main = "package main\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\t\
                _ = exec.Command(os.Args[1]).Run() //gosec:disable\n}\n";
    let repo = change_on_main(
        &[
            ("svc/go.mod", module),
            ("svc/main.go", "package main\n\nfunc main() {}\n"),
        ],
        &[("svc/main.go", main.to_string())],
    );
    assert_judged(&repo, "gitleaks,gosec", "svc/main.go:9", "nosec", 1);
}

/// semgrep's short form `nosem` on the flagged line: semgrep runs `--disable-nosem`, and scangate
/// judges the comment like `nosemgrep`.
#[test]
fn semgrep_nosem_comment() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let job = "import subprocess\n\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)  # nosem\n";
    let repo = change_on_main(
        &[("app/__init__.py", "VERSION = 1\n")],
        &[("app/job.py", job.to_string())],
    );
    assert_judged(&repo, "gitleaks,semgrep", "app/job.py:5", "nosemgrep", 1);
}

/// Inline ignores scangate does not apply: a condition it does not evaluate (`[attr=value]`) and
/// a lapsed `exp:` date. Both are defused like the others, so their findings count.
#[test]
fn conditional_and_expired_trivy_ignores_are_not_applied() {
    if !["gitleaks", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let bucket = "#trivy:ignore:*[acl=public-read]\nresource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n  acl    = \"public-read\"\n}\n";
    let dockerfile = "FROM alpine:3.19\nHEALTHCHECK CMD true\n# trivy:ignore:DS-0002:exp:2020-01-01\nUSER root\n";
    let repo = change_on_main(
        &[],
        &[
            ("infra/main.tf", bucket.to_string()),
            ("Dockerfile", dockerfile.to_string()),
        ],
    );
    let full = scan(&repo, "gitleaks,trivy", &[]);
    assert_exit(&full.output, 1);
    assert_eq!(full.summary["suppressed"], 0, "{:#}", full.summary);
    let counted = |severity: &str| full.summary["counts"][severity].as_u64().unwrap_or_default();
    assert!(counted("high") + counted("critical") >= 2, "{:#}", full.summary);
}

/// A lockfile pinning minimist 1.2.5 (GHSA-xvch-5gv4-984h in the test advisories).
const MINIMIST_LOCK: &str = r#"{"name":"web","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"web","version":"1.0.0","dependencies":{"minimist":"1.2.5"}},"node_modules/minimist":{"version":"1.2.5","resolved":"https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz"}}}"#;

/// A change that adds a vulnerable lockfile and an `osv-scanner.toml` beside it.
fn lockfile_change(config: &str) -> Option<Repo> {
    if !["gitleaks", "osv-scanner"].into_iter().all(require_scanner) {
        return None;
    }
    let manifest = "{\"name\": \"web\", \"version\": \"1.0.0\"}\n";
    Some(change_on_main(
        &[],
        &[
            ("web/package.json", manifest.to_string()),
            ("web/package-lock.json", MINIMIST_LOCK.to_string()),
            ("web/osv-scanner.toml", config.to_string()),
        ],
    ))
}

/// `[[IgnoredVulns]]` in an `osv-scanner.toml` the change adds: osv-scanner reads an empty
/// scratch config instead, and scangate applies the entry with its line.
#[test]
fn osv_scanner_ignored_vulns() {
    let ignore = "[[IgnoredVulns]]\nid = \"GHSA-xvch-5gv4-984h\"\n";
    if let Some(repo) = lockfile_change(ignore) {
        let origin = "web/osv-scanner.toml:2";
        assert_judged(&repo, "gitleaks,osv-scanner", origin, "osv-scanner.toml", 1);
    }
}

/// `[[PackageOverrides]]` that ignore a package or its vulnerabilities: osv-scanner never reads
/// them and scangate does not apply them, so the findings count.
#[test]
fn osv_scanner_package_overrides_are_not_applied() {
    let overrides = "[[PackageOverrides]]\nname = \"minimist\"\necosystem = \"npm\"\nignore = true\n\n\
                     [[PackageOverrides]]\nname = \"minimist\"\necosystem = \"npm\"\nvulnerability.ignore = true\n";
    let Some(repo) = lockfile_change(overrides) else {
        return;
    };
    for extra in [&[][..], &["--base", "main"]] {
        let scanned = scan(&repo, "gitleaks,osv-scanner", extra);
        assert_exit(&scanned.output, 1);
        assert_eq!(scanned.summary["suppressed"], 0, "{:#}", scanned.summary);
    }
}
