//! Issue 8 §1: every suppression carries its origin into the reports, a pull request cannot
//! approve its own findings, and from level 3 a tool-native ignore needs a reason. Real
//! scanners on git repositories the tests build.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::support::{
    assert_exit, commit_all, git, git_ok, osv_offline_db, random_token, read_summary, require_scanner, Repo,
    ScanReports as Scan, Scangate, ALNUM,
};

/// trivy runs offline without a vulnerability database (misconfiguration only), so osv-scanner,
/// on its offline database, is the dependency scanner levels 2 and up require.
const SCANNERS: &[&str] = &["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner"];

/// A clean main branch: a Go module, a Python package and a Dockerfile without findings at
/// level 3.
fn clean_main() -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "service\n");
    repo.write("svc/go.mod", "module example.com/svc\n\ngo 1.22\n");
    repo.write("svc/main.go", "package main\n\nfunc main() {}\n");
    repo.write("app/__init__.py", "VERSION = 1\n");
    repo.write("Dockerfile", "FROM alpine:3.19\nUSER app\nHEALTHCHECK CMD true\n");
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "clean service");
    repo
}

/// What a pull request that wants to get through writes: each finding it adds comes with an
/// ignore of its own — in source, in an ignore file, and in the repository's scangate.toml
/// (which also tries to switch on trusting such suppressions).
fn add_self_approving_change(repo: &Repo) {
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write(
        "app/job.py",
        "import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)  \
         # nosemgrep: python-subprocess-shell-true -- the caller validates directory\n",
    );
    repo.write(
        "app/legacy.py",
        "import os\n\n\ndef clean(path):\n    os.system(\"rm -rf \" + path)\n",
    );
    repo.write(
        "svc/main.go",
        "package main\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\t\
         _ = exec.Command(os.Args[1]).Run() // #nosec G204 G702 -- the operator chooses the command\n}\n",
    );
    repo.write("Dockerfile", "FROM alpine:3.19\nHEALTHCHECK CMD true\n");
    repo.write(".trivyignore", "# the base image sets its own user\nDS-0002\n");
    repo.write(
        "scangate.toml",
        "[suppression_rules]\ntrust_changed_suppressions = true\n\n\
         [[suppress]]\nrule = \"python-os-system\"\npath = \"**\"\nstatus = \"false_positive\"\n\
         reason = \"paths are internal\"\n",
    );
    commit_all(repo.path(), "add jobs, each with its own ignore");
    // A leak, and in a later commit the .gitleaksignore entry (gitleaks' fingerprint names the
    // commit) that would hide it.
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    commit_all(repo.path(), "settings");
    let commit = String::from_utf8(git(repo.path(), &["rev-parse", "HEAD"]).stdout).unwrap();
    repo.write(
        ".gitleaksignore",
        format!(
            "# a revoked test token\n{}:app/settings.py:github-pat:1\n",
            commit.trim()
        ),
    );
    commit_all(repo.path(), "ignore the test token");
}

fn scan(repo: &Path, extra: &[&str]) -> Scan {
    let out = repo.parent().unwrap().join(format!("trust-{}", std::process::id()));
    let osv_db = osv_offline_db();
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        repo.into(),
        "--offline".into(),
        "--osv-offline-db".into(),
        osv_db.path().into(),
        "--tools".into(),
        SCANNERS.join(",").into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    Scan::run(args, &out)
}

#[test]
fn a_pull_request_cannot_approve_its_own_findings() {
    if !SCANNERS.iter().copied().all(require_scanner) {
        return;
    }
    let repo = clean_main();
    add_self_approving_change(&repo);

    let pr = scan(repo.path(), &["--base", "main", "--level", "3"]);
    assert_exit(&pr.output, 1);
    let stdout = String::from_utf8_lossy(&pr.output.stdout);
    let added = |origin: &str, findings: u64| (origin.to_string(), "added_by_change".to_string(), findings);
    assert_eq!(
        pr.refused(),
        [
            added(".gitleaksignore:2", 1),
            added(".trivyignore:2", 1),
            added("app/job.py:5", 1),
            added("scangate.toml:4", 1),
            added("svc/main.go:9", 2),
        ],
        "{:#}",
        pr.summary
    );
    for origin in [
        ".gitleaksignore:2",
        ".trivyignore:2",
        "app/job.py:5",
        "scangate.toml:4",
        "svc/main.go:9",
    ] {
        let line = format!("suppression added by this change — needs review: {origin}");
        assert!(stdout.contains(&line), "terminal lacks {line:?}:\n{stdout}");
    }
    assert_eq!(pr.summary["suppressed"], 0, "{:#}", pr.summary);
    let counted = |severity: &str| pr.summary["counts"][severity].as_u64().unwrap();
    assert!(counted("high") + counted("medium") >= 5, "{:#}", pr.summary);
    let ignored_trust = pr.summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("trust_changed_suppressions = true"));
    assert!(
        ignored_trust,
        "the repo config's trust key is refused: {:#}",
        pr.summary
    );
    let statuses = pr.suppressions();
    assert!(statuses.iter().all(|(status, _)| status == "rejected"), "{statuses:?}");
    assert!(
        statuses.contains(&("rejected".into(), "app/job.py:5".into())),
        "{statuses:?}"
    );

    // The pipeline's own policy may trust such changes (code owners review them): then each
    // suppression applies and is reported with its origin.
    let trusted = repo.path().parent().unwrap().join("trusted-policy.toml");
    std::fs::write(&trusted, "[suppression_rules]\ntrust_changed_suppressions = true\n").unwrap();
    let reviewed = scan(
        repo.path(),
        &["--base", "main", "--level", "3", "--policy", trusted.to_str().unwrap()],
    );
    assert_exit(&reviewed.output, 0);
    let by_origin = &reviewed.summary["suppressed_by_origin"];
    for (origin, findings) in [
        (".gitleaksignore:2", 1),
        (".trivyignore:2", 1),
        ("app/job.py:5", 1),
        ("scangate.toml:4", 1),
        ("svc/main.go:9", 2),
    ] {
        assert_eq!(by_origin[origin], findings, "{origin}: {:#}", reviewed.summary);
    }
    let statuses = reviewed.suppressions();
    assert!(
        statuses.contains(&("accepted".into(), "svc/main.go:9".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("accepted".into(), ".trivyignore:2".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("accepted".into(), "scangate.toml:4".into())),
        "{statuses:?}"
    );
}

#[test]
fn from_level_3_a_native_ignore_needs_a_reason() {
    if !SCANNERS.iter().copied().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    let job = |comment: &str| {
        format!("import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True)  # {comment}\n")
    };
    // Level 2 and up require a dependency scanner: osv-scanner reads the manifest (trivy,
    // offline, checks misconfigurations only and is none).
    repo.write("requirements.txt", "requests\n");
    repo.write("app/job.py", job("nosemgrep"));
    let level_2 = scan(repo.path(), &["--level", "2"]);
    assert_exit(&level_2.output, 0);
    assert_eq!(
        level_2.summary["suppressed_by_origin"]["app/job.py:5"], 1,
        "{:#}",
        level_2.summary
    );

    let level_3 = scan(repo.path(), &["--level", "3"]);
    assert_exit(&level_3.output, 1);
    assert_eq!(
        level_3.refused(),
        [("app/job.py:5".to_string(), "no_reason".to_string(), 1)],
        "{:#}",
        level_3.summary
    );
    let stdout = String::from_utf8_lossy(&level_3.output.stdout);
    assert!(
        stdout.contains("suppression without a reason not applied: app/job.py:5 (nosemgrep)"),
        "{stdout}"
    );
    assert!(stdout.contains("`nosemgrep: rule-id -- why`"), "{stdout}");

    repo.write(
        "app/job.py",
        job("nosemgrep: python-subprocess-shell-true -- cmd comes from our own config"),
    );
    let with_reason = scan(repo.path(), &["--level", "3"]);
    assert_exit(&with_reason.output, 0);
    assert_eq!(with_reason.summary["suppressed"], 1, "{:#}", with_reason.summary);
}

/// `--base` reaches git only as a verified commit id: an option-shaped value is a usage error
/// that writes nothing (before, `--base=--output=x` made git write the file `x`, and the empty
/// diff passed the gate).
#[test]
fn base_is_verified_as_a_commit_before_git_or_a_scanner_sees_it() {
    if !require_scanner("gitleaks") {
        return;
    }
    let repo = clean_main();
    let cwd = tempfile::tempdir().unwrap();
    let listing = |dir: &Path| -> Vec<std::ffi::OsString> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = (listing(cwd.path()), listing(repo.path()));
    for (base, reason) in [
        ("--output=x", "is not a git revision"),
        ("no-such-branch", "does not name a commit"),
    ] {
        let output = Scangate::new([
            "scan".as_ref(),
            repo.path().as_os_str(),
            format!("--base={base}").as_ref(),
            "--tools".as_ref(),
            "gitleaks".as_ref(),
        ])
        .run_in(cwd.path());
        assert_exit(&output, 2);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{base}: {stderr}");
        // Before, git and gitleaks took the value as `--output=x...HEAD` and wrote those files.
        let after = (listing(cwd.path()), listing(repo.path()));
        assert_eq!(after, before, "{base}: nothing is written, not even a report");
    }
    let head = String::from_utf8(crate::support::git(repo.path(), &["rev-parse", "HEAD"]).stdout).unwrap();
    let plan = Scangate::new([
        "plan".as_ref(),
        repo.path().as_os_str(),
        "--base".as_ref(),
        "main".as_ref(),
    ])
    .run();
    assert_exit(&plan, 0);
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(
        stdout.contains(&format!("--no-ext-diff {}..HEAD'", head.trim())),
        "gitleaks gets the commit id: {stdout}"
    );
}

/// Sharded PR mode: each part says which of its findings were there before (`baselineState`)
/// and which suppressions it refused, so `scangate gate` over the parts gives the PR scan's
/// verdict (before, the gate counted every pre-existing finding).
#[test]
fn sharded_pull_request_scan_gates_like_one_pull_request_scan() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let repo = Repo::new();
    repo.write(
        "legacy/jobs.py",
        "import subprocess\n\n\ndef job(arg):\n    subprocess.run(\"task \" + arg, shell=True)\n",
    );
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "legacy");
    let out = tempfile::tempdir().unwrap();
    let verdict_of = |args: &[&str]| -> (Option<i32>, Value) {
        let summary = out.path().join("summary.json");
        let output = Scangate::new(
            args.iter()
                .copied()
                .chain(["--summary-json", summary.to_str().unwrap()]),
        )
        .run();
        (output.status.code(), read_summary(&summary))
    };
    let root = repo.path().to_str().unwrap();
    let sharded = |name: &str| -> (Option<i32>, Value) {
        let parts: Vec<String> = ["gitleaks", "semgrep"]
            .iter()
            .map(|tool| {
                let part = out.path().join(format!("{name}-{tool}.sarif"));
                let part = part.to_str().unwrap().to_string();
                let shard = Scangate::new([
                    "scan",
                    root,
                    "--base",
                    "main",
                    "--tools",
                    tool,
                    "--no-gate",
                    "--sarif",
                    &part,
                ])
                .run();
                assert_exit(&shard, 0);
                part
            })
            .collect();
        let mut args = vec!["gate"];
        args.extend(parts.iter().map(String::as_str));
        verdict_of(&args)
    };
    let full = |_: &str| {
        verdict_of(&[
            "scan",
            root,
            "--base",
            "main",
            "--tools",
            "gitleaks,semgrep",
            "--sarif",
            "/dev/null",
        ])
    };

    git_ok(repo.path(), &["checkout", "-q", "-b", "docs"]);
    repo.write("README.txt", "docs only\n");
    commit_all(repo.path(), "docs");
    let (full_code, full_summary) = full("docs");
    let (gate_code, gate_summary) = sharded("docs");
    assert_eq!((full_code, gate_code), (Some(0), Some(0)), "{gate_summary:#}");
    assert_eq!(gate_summary["counts"], full_summary["counts"]);

    git_ok(repo.path(), &["checkout", "-q", "-b", "rotate"]);
    repo.write(
        "jobs/rotate.py",
        "import subprocess\n\n\ndef rotate(log):\n    subprocess.run(\"gzip \" + log, shell=True)  \
         # nosemgrep: python-subprocess-shell-true -- trust me\n",
    );
    commit_all(repo.path(), "rotate");
    let (full_code, full_summary) = full("rotate");
    let (gate_code, gate_summary) = sharded("rotate");
    assert_eq!((full_code, gate_code), (Some(1), Some(1)), "{gate_summary:#}");
    assert_eq!(gate_summary["counts"], full_summary["counts"]);
    assert_eq!(gate_summary["counts"]["high"], 1, "{gate_summary:#}");
    let needs_review = gate_summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("needs review: jobs/rotate.py:5"));
    assert!(needs_review, "{gate_summary:#}");
}
