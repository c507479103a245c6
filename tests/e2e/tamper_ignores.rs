//! Issue 23 §3: every native ignore is scangate's to judge. Each case is a tamper attempt with
//! the real scanners: a change hides its own finding with a scanner's ignore mechanism. scangate
//! either neutralizes the mechanism (the finding counts) or applies it as a reported suppression
//! with its origin: shown in SARIF `suppressions[]`, refused in pull-request mode (`--base`)
//! because the change adds it, and refused without a reason when the level requires one.
//! docs/native-ignores.md lists every mechanism with its test here.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::support::{
    assert_exit, change_on_main, osv_offline_db, random_token, require_scanner, result_places, OfflineServices, Repo,
    ScanReports as Scan, Scangate, ALNUM,
};

/// `scangate scan REPO --offline --tools TOOLS EXTRA…`, its reports in a directory of their own;
/// osv-scanner gets an offline database of the test advisories, npm audit the local advisory server.
fn scan(repo: &Repo, tools: &str, extra: &[&str]) -> Scan {
    scan_with_env(repo, tools, extra, &[])
}

/// [`scan`] with `env` in the environment of scangate and its scanners.
fn scan_with_env(repo: &Repo, tools: &str, extra: &[&str], env: &[(&str, &str)]) -> Scan {
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
    // npm audit asks the local advisory server (`--npm-registry`, the second and third flags).
    let services = tools.contains("npm-audit").then(OfflineServices::start);
    if let Some(services) = &services {
        args.extend(services.scan_flags().into_iter().skip(1).take(2));
    }
    Scan::run_with_env(args, out.path(), env)
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

/// The honest answer to a mechanism scangate neutralizes: the finding it would hide counts, in a
/// full scan and in pull-request mode, and nothing is suppressed.
fn assert_counted(repo: &Repo, tools: &str) {
    for extra in [&[][..], &["--base", "main"]] {
        let scanned = scan(repo, tools, extra);
        assert_exit(&scanned.output, 1);
        assert_eq!(scanned.summary["suppressed"], 0, "{extra:?}: {:#}", scanned.summary);
    }
}

/// One tamper case: the scanners it runs (gitleaks always: every level requires a secrets
/// scanner), what main holds, and what the change writes to hide its own finding.
struct Case<'a> {
    tools: &'a str,
    base: &'a [(&'a str, &'a str)],
    change: Vec<(&'a str, String)>,
}

impl<'a> Case<'a> {
    fn new(tools: &'a str, base: &'a [(&'a str, &'a str)], change: &[(&'a str, &str)]) -> Self {
        let change = change.iter().map(|(path, text)| (*path, text.to_string())).collect();
        Case { tools, base, change }
    }

    /// The repository, when every scanner is installed.
    fn repo(&self) -> Option<Repo> {
        // npm audit's executable is npm.
        let executable = |tool: &'a str| if tool == "npm-audit" { "npm" } else { tool };
        self.tools
            .split(',')
            .map(executable)
            .all(require_scanner)
            .then(|| change_on_main(self.base, &self.change))
    }

    /// The mechanism is applied as a reported suppression at `origin` ([`assert_judged`]).
    fn judged(self, origin: &str, kind: &str, at_least: u64) {
        if let Some(repo) = self.repo() {
            assert_judged(&repo, self.tools, origin, kind, at_least);
        }
    }

    /// The mechanism is neutralized ([`assert_counted`]).
    fn counted(self) {
        if let Some(repo) = self.repo() {
            assert_counted(&repo, self.tools);
        }
    }
}

fn github_token() -> String {
    format!("ghp_{}", random_token(ALNUM, 36))
}

/// `gitleaks:allow` on the secret's line: gitleaks dropped the leak unseen (a PR passed).
#[test]
fn gitleaks_allow_comment() {
    let settings = format!("\nGITHUB_TOKEN = \"{}\"  # gitleaks:allow\n", github_token());
    Case::new("gitleaks", &[], &[("app/settings.py", &settings)]).judged("app/settings.py:2", "gitleaks:allow", 1);
}

/// `GITLEAKS_CONFIG` and `GITLEAKS_CONFIG_TOML` name a config that allows every path (plain
/// gitleaks then reports nothing: checked by hand, exit 0 instead of 2). They are the pipeline's
/// environment, and scangate's `--config` wins over both: the change's token counts.
#[test]
fn gitleaks_config_variables_do_not_apply() {
    if !require_scanner("gitleaks") {
        return;
    }
    let settings = format!("GITHUB_TOKEN = \"{}\"\n", github_token());
    let repo = change_on_main(&[], &[("app/settings.py", settings)]);
    let allow_all = "[extend]\nuseDefault = true\n\n[[allowlists]]\npaths = ['''.*''']\n";
    let config = tempfile::tempdir().unwrap();
    let config_file = config.path().join("allow-all.toml");
    std::fs::write(&config_file, allow_all).unwrap();
    for extra in [&[][..], &["--base", "main"]] {
        let mut args: Vec<OsString> = ["scan", "--tools", "gitleaks"].map(OsString::from).to_vec();
        args.push(repo.path().into());
        args.extend(extra.iter().map(OsString::from));
        let output = Scangate::new(args)
            .env("GITLEAKS_CONFIG", &config_file)
            .env("GITLEAKS_CONFIG_TOML", allow_all)
            .run_in(config.path());
        assert_exit(&output, 1);
    }
}

/// The change commits a GitHub token as line 1 of `app/settings.py`, and `extra` to hide it.
fn leak_with(extra: (&'static str, &str)) -> Case<'static> {
    let settings = format!("GITHUB_TOKEN = \"{}\"\n", github_token());
    Case::new("gitleaks", &[], &[("app/settings.py", &settings), extra])
}

/// A `.gitleaksignore` entry for the leak the change adds.
#[test]
fn gitleaksignore_entry() {
    leak_with((".gitleaksignore", "app/settings.py:github-pat:1\n")).judged(".gitleaksignore:1", "gitleaksignore", 1);
}

/// A `.gitleaks.toml` allowlisting the path of the leak the change adds: never read.
#[test]
fn gitleaks_toml_allowlist() {
    let config = "[extend]\nuseDefault = true\n\n[[allowlists]]\npaths = ['''app/.*''']\n";
    leak_with((".gitleaks.toml", config)).counted();
}

/// A change to infrastructure files, on a main branch without any.
fn infra(change: &[(&'static str, &str)]) -> Case<'static> {
    Case::new("gitleaks,trivy", &[], change)
}

/// A clean Dockerfile on main.
const CLEAN_DOCKERFILE: &[(&str, &str)] = &[("Dockerfile", "FROM alpine:3.19\nUSER app\nHEALTHCHECK CMD true\n")];

/// `# trivy:ignore:DS-0002` above a Dockerfile's `USER root`: trivy dropped the finding unseen.
#[test]
fn trivy_ignore_comment_in_a_dockerfile() {
    let change = "FROM alpine:3.19\nHEALTHCHECK CMD true\n# trivy:ignore:DS-0002\nUSER root\n";
    Case::new("gitleaks,trivy", CLEAN_DOCKERFILE, &[("Dockerfile", change)]).judged("Dockerfile:3", "trivy:ignore", 1);
}

/// `#trivy:ignore:*` above a Terraform resource: every check on it was dropped unseen.
#[test]
fn trivy_ignore_wildcard_above_a_terraform_resource() {
    let bucket =
        "#trivy:ignore:*\nresource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n  acl    = \"public-read\"\n}\n";
    infra(&[("infra/main.tf", bucket)]).judged("infra/main.tf:1", "trivy:ignore", 2);
}

/// Inline ignores scangate does not apply: a condition it does not evaluate (`[attr=value]`) and
/// a lapsed `exp:` date. Both are defused like the others, so their findings count.
#[test]
fn conditional_and_expired_trivy_ignores_are_not_applied() {
    let bucket = "#trivy:ignore:*[acl=public-read]\nresource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n  acl    = \"public-read\"\n}\n";
    let dockerfile = "FROM alpine:3.19\nHEALTHCHECK CMD true\n# trivy:ignore:DS-0002:exp:2020-01-01\nUSER root\n";
    infra(&[("infra/main.tf", bucket), ("Dockerfile", dockerfile)]).counted();
}

/// A Dockerfile running as root.
const ROOT_DOCKERFILE: &str = "FROM alpine:3.19\nHEALTHCHECK CMD true\nUSER root\n";

/// A `.trivyignore` entry for the check the change's Dockerfile fails.
#[test]
fn trivyignore_entry() {
    infra(&[("Dockerfile", ROOT_DOCKERFILE), (".trivyignore", "DS-0002\n")]).judged(".trivyignore:1", "trivyignore", 1);
}

/// A `.trivyignore.yaml` listing the check the change's Dockerfile fails: trivy reads one only
/// when `--ignorefile` names it, which scangate never does, so the finding counts.
#[test]
fn trivyignore_yaml_file() {
    let ignore = "misconfigurations:\n  - id: DS-0002\n    statement: the base image sets its own user\n";
    infra(&[("Dockerfile", ROOT_DOCKERFILE), (".trivyignore.yaml", ignore)]).counted();
}

/// A `trivy.yaml` that skips the change's Dockerfile and raises the severity floor: never read.
#[test]
fn trivy_yaml_settings() {
    let settings = "severity:\n  - CRITICAL\nscan:\n  skip-files:\n    - Dockerfile\n";
    infra(&[("Dockerfile", ROOT_DOCKERFILE), ("trivy.yaml", settings)]).counted();
}

/// A Go module whose `main` is clean on main.
const GO_MODULE: &[(&str, &str)] = &[
    ("svc/go.mod", "module example.com/svc\n\ngo 1.22\n"),
    ("svc/main.go", "package main\n\nfunc main() {}\n"),
];

/// `main.go` running its first argument, with `comment` on that line (9).
fn go_main(comment: &str) -> String {
    format!(
        "package main\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {{\n\t_ = exec.Command(os.Args[1]).Run() {comment}\n}}\n"
    )
}

/// The change writes `main.go` with `comment` on its flagged line; gosec reports the finding
/// as suppressed (`-track-suppressions`) and scangate judges it at that line.
fn gosec_comment_is_judged(comment: &str) {
    let main = go_main(comment);
    Case::new("gitleaks,gosec", GO_MODULE, &[("svc/main.go", &main)]).judged("svc/main.go:9", "nosec", 1);
}

/// `// #nosec` without rules or reason on the flagged line.
#[test]
fn gosec_nosec_comment() {
    gosec_comment_is_judged("// #nosec");
}

/// `//gosec:disable` (gosec's directive beside `#nosec`) on the flagged line, judged like
/// `#nosec`.
#[test]
fn gosec_disable_directive() {
    gosec_comment_is_judged("//gosec:disable");
}

/// A Python package on main.
const PYTHON_PACKAGE: &[(&str, &str)] = &[("app/__init__.py", "VERSION = 1\n")];

/// A job running a shell command, with `comment` on that line (5).
fn shell_job(comment: &str) -> String {
    format!("import subprocess\n\n\ndef run(directory):\n    subprocess.run(\"tar czf /tmp/b.tgz \" + directory, shell=True){comment}\n")
}

/// semgrep's short form `nosem` on the flagged line: semgrep runs `--disable-nosem`, and scangate
/// judges the comment like `nosemgrep`.
#[test]
fn semgrep_nosem_comment() {
    let job = shell_job("  # nosem");
    Case::new("gitleaks,semgrep", PYTHON_PACKAGE, &[("app/job.py", &job)]).judged("app/job.py:5", "nosemgrep", 1);
}

/// A `.semgrepignore` listing the directory of the code the change adds: never read.
#[test]
fn semgrepignore_file() {
    let job = shell_job("");
    Case::new(
        "gitleaks,semgrep",
        PYTHON_PACKAGE,
        &[("app/job.py", &job), (".semgrepignore", "app/\n")],
    )
    .counted();
}

/// A lockfile pinning minimist 1.2.5 as a dev dependency (GHSA-xvch-5gv4-984h in the test
/// advisories), with its manifest and `config` written to `config_file` beside it, scanned by
/// `tools`.
fn lockfile_change(tools: &'static str, config_file: &'static str, config: &str) -> Case<'static> {
    let lockfile = r#"{"name":"web","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"web","version":"1.0.0","devDependencies":{"minimist":"1.2.5"}},"node_modules/minimist":{"version":"1.2.5","dev":true,"resolved":"https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz"}}}"#;
    let manifest = "{\"name\": \"web\", \"version\": \"1.0.0\", \"devDependencies\": {\"minimist\": \"1.2.5\"}}\n";
    Case::new(
        tools,
        &[],
        &[
            ("web/package.json", manifest),
            ("web/package-lock.json", lockfile),
            (config_file, config),
        ],
    )
}

/// A lockfile with `config` as the `osv-scanner.toml` beside it.
fn osv_change(config: &str) -> Case<'static> {
    lockfile_change("gitleaks,osv-scanner", "web/osv-scanner.toml", config)
}

/// `[[IgnoredVulns]]` in an `osv-scanner.toml` the change adds: osv-scanner reads an empty
/// scratch config instead, and scangate applies the entry with its line.
#[test]
fn osv_scanner_ignored_vulns() {
    osv_change("[[IgnoredVulns]]\nid = \"GHSA-xvch-5gv4-984h\"\n").judged(
        "web/osv-scanner.toml:2",
        "osv-scanner.toml",
        1,
    );
}

/// `[[PackageOverrides]]` that ignore a package or its vulnerabilities: osv-scanner never reads
/// them and scangate does not apply them, so the findings count.
#[test]
fn osv_scanner_package_overrides_are_not_applied() {
    let overrides = "[[PackageOverrides]]\nname = \"minimist\"\necosystem = \"npm\"\nignore = true\n\n\
                     [[PackageOverrides]]\nname = \"minimist\"\necosystem = \"npm\"\nvulnerability.ignore = true\n";
    osv_change(overrides).counted();
}

/// A Helm chart whose template runs a privileged pod, with `extra` beside it.
fn privileged_chart(template_head: &str, extra: &[(&'static str, &str)]) -> Case<'static> {
    let pod = format!(
        "{template_head}apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{{{ .Release.Name }}}}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        privileged: true\n"
    );
    let mut change = vec![
        ("chart/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
        ("chart/templates/pod.yaml", pod.as_str()),
    ];
    change.extend_from_slice(extra);
    infra(&change)
}

/// A Helm chart's `.helmignore` listing the template the change adds: trivy 0.74 renders and
/// checks it all the same.
#[test]
fn helmignore_file() {
    privileged_chart("", &[("chart/.helmignore", "templates/pod.yaml\n")]).counted();
}

/// `#trivy:ignore:*` at the top of a Helm template: trivy reads it in the rendered output, whose
/// lines scangate does not know, so it is defused and not applied.
#[test]
fn trivy_ignore_in_a_helm_template_is_not_applied() {
    privileged_chart("#trivy:ignore:*\n", &[]).counted();
}

/// `# trivy:ignore:*` above a CloudFormation resource: trivy dropped its findings unseen.
#[test]
fn trivy_ignore_above_a_cloudformation_resource() {
    let stack = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  # trivy:ignore:*\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicRead\n";
    infra(&[("infra/stack.yaml", stack)]).judged("infra/stack.yaml:3", "trivy:ignore", 1);
}

/// A project `.npmrc` beside the change's lockfile that omits dev dependencies from the audit and
/// raises its level: npm audit runs on a scratch copy without it, so the finding counts.
#[test]
fn npmrc_settings() {
    lockfile_change("gitleaks,npm-audit", "web/.npmrc", "omit=dev\naudit-level=critical\n").counted();
}

/// Paths gitleaks' default allowlist skips whole (a committed `node_modules/`, a Go `vendor/`
/// tree, lockfiles, `go.sum`, any `…/@octokit/auth-token/README.md`, any `gitleaks.toml`): a
/// change put its tokens there and plain gitleaks never read them. scangate runs the default rules
/// without their allowlists by path, so each one counts, in a full scan and in pull-request mode.
#[test]
fn gitleaks_default_allowlist_paths() {
    if !require_scanner("gitleaks") {
        return;
    }
    let hidden = [
        "node_modules/left-pad/index.js",
        "vendor/github.com/acme/lib/key.go",
        "web/@octokit/auth-token/README.md",
        "yarn.lock",
        "go.sum",
        "docs/gitleaks.toml",
    ];
    let change: Vec<(&str, String)> = hidden
        .iter()
        .map(|path| (*path, format!("token = \"{}\"\n", github_token())))
        .collect();
    let repo = change_on_main(&[], &change);
    for extra in [&[][..], &["--base", "main"]] {
        let scanned = scan(&repo, "gitleaks", extra);
        assert_exit(&scanned.output, 1);
        let found: Vec<String> = result_places(&scanned.sarif)
            .into_iter()
            .map(|(_, _, path, _)| path)
            .collect();
        for path in hidden {
            assert!(
                found.iter().any(|uri| uri == path),
                "{extra:?}: {path} not in {found:?}"
            );
        }
    }
}

/// The pipeline's environment asks npm to leave dev dependencies out (`NODE_ENV=production`,
/// `npm_config_omit=dev`, `npm_config_include=` nothing) and to report only critical ones: a CI
/// image that sets them for its build would hide the change's dev-dependency vulnerability from
/// the gate unseen. scangate passes `--include` for every dependency type, so it counts.
#[test]
fn npm_environment_cannot_omit_dependencies() {
    let Some(repo) = lockfile_change("gitleaks,npm-audit", "web/README.md", "web\n").repo() else {
        return;
    };
    let env = [
        ("NODE_ENV", "production"),
        ("npm_config_omit", "dev"),
        ("npm_config_audit_level", "critical"),
        ("npm_config_production", "true"),
    ];
    for extra in [&[][..], &["--base", "main"]] {
        let scanned = scan_with_env(&repo, "gitleaks,npm-audit", extra, &env);
        assert_exit(&scanned.output, 1);
        let found = result_places(&scanned.sarif);
        assert!(
            found
                .iter()
                .any(|(tool, _, path, _)| tool == "npm-audit" && path == "web/package-lock.json"),
            "{extra:?}: {found:?}"
        );
    }
}

/// `overrides` in the change's `package.json` forcing a fixed minimist under mkdirp, while the
/// lockfile still installs the vulnerable one: npm audit reads what the lockfile installs, so the
/// finding counts. (An override that conflicts with a direct dependency makes npm fail: exit 2.)
#[test]
fn npm_overrides_do_not_hide_the_locked_version() {
    let lockfile = r#"{"name":"web","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"web","version":"1.0.0","dependencies":{"mkdirp":"0.5.5"}},"node_modules/mkdirp":{"version":"0.5.5","resolved":"https://registry.npmjs.org/mkdirp/-/mkdirp-0.5.5.tgz","dependencies":{"minimist":"^1.2.5"}},"node_modules/minimist":{"version":"1.2.5","resolved":"https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz"}}}"#;
    let manifest = r#"{"name": "web", "version": "1.0.0", "dependencies": {"mkdirp": "0.5.5"}, "overrides": {"minimist": "1.2.8"}}"#;
    Case::new(
        "gitleaks,npm-audit",
        &[],
        &[("web/package.json", manifest), ("web/package-lock.json", lockfile)],
    )
    .counted();
}

/// The change marks its Go file generated (`// Code generated … DO NOT EDIT.`), which gosec skips
/// with `-exclude-generated`: scangate never passes that flag, so the finding counts.
#[test]
fn gosec_generated_file_is_scanned() {
    let main = format!("// Code generated by stringer; DO NOT EDIT.\n\n{}", go_main(""));
    Case::new("gitleaks,gosec", GO_MODULE, &[("svc/main.go", &main)]).counted();
}

/// A `.semgrep.yml` and a `.semgrep/` directory the change adds (semgrep's rules when it gets no
/// `--config`, one of them a rule whose `paths:` exclude everything): scangate always passes the
/// pipeline's rules, so neither is read and the change's finding counts.
#[test]
fn semgrep_rules_in_the_repository_are_not_read() {
    let job = shell_job("");
    let quiet = "rules:\n  - id: quiet\n    pattern: nothing_matches_this()\n    message: m\n    languages: [python]\n    severity: INFO\n    paths:\n      exclude: ['*']\n";
    Case::new(
        "gitleaks,semgrep",
        PYTHON_PACKAGE,
        &[
            ("app/job.py", &job),
            (".semgrep.yml", quiet),
            (".semgrep/quiet.yml", quiet),
        ],
    )
    .counted();
}

/// The scanners' flags that narrow what they report (a baseline, a rule subset, a size cap, rule
/// exclusions, global `nosec` switches, skipped generated files, ignore files and policies) are
/// the pipeline's to give, never the repository's: `scangate plan` on a repository holding the
/// files those flags would name shows none of them in any scanner's argv.
#[test]
fn flags_that_narrow_a_scan_are_never_passed() {
    if !["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner"]
        .into_iter()
        .all(require_scanner)
    {
        return;
    }
    let repo = change_on_main(
        &[],
        &[
            ("svc/go.mod", "module example.com/svc\n\ngo 1.22\n".into()),
            ("svc/main.go", go_main("")),
            ("app/job.py", shell_job("")),
            ("Dockerfile", ROOT_DOCKERFILE.into()),
            (
                "web/package-lock.json",
                "{\"lockfileVersion\": 3, \"packages\": {}}\n".into(),
            ),
            ("gitleaks-baseline.json", "[]\n".into()),
            (".gosec.json", "{\"global\": {\"nosec\": \"enabled\"}}\n".into()),
            (".trivyignore.yaml", "misconfigurations:\n  - id: DS-0002\n".into()),
        ],
    );
    let plan = Scangate::new([
        "plan".into(),
        repo.path().as_os_str().to_owned(),
        OsString::from("--offline"),
    ])
    .run();
    assert_exit(&plan, 0);
    let printed = String::from_utf8_lossy(&plan.stdout);
    let argvs: Vec<&str> = printed
        .lines()
        .filter(|line| line.trim_start().starts_with("argv:"))
        .collect();
    assert!(argvs.len() >= 5, "{printed}");
    let narrowing = [
        "--baseline-path",
        "--enable-rule",
        "--max-target-megabytes", // gitleaks
        "--exclude-rule",
        "--baseline-commit",
        "--severity",
        "--exclude=", // semgrep
        "-nosec",
        "-conf",
        "-exclude-generated",
        "-exclude=",
        "-severity",
        "-confidence", // gosec
        "--ignorefile",
        "--ignore-policy",
        "--vex",
        "--skip-files",
        "--skip-dirs",
        "--ignore-unfixed",       // trivy
        "--experimental-exclude", // osv-scanner
    ];
    for argv in argvs {
        for flag in narrowing {
            let words: Vec<&str> = argv.split_whitespace().collect();
            assert!(
                !words
                    .iter()
                    .any(|word| *word == flag || (flag.ends_with('=') && word.starts_with(flag))),
                "{flag} in {argv}"
            );
        }
    }
}
