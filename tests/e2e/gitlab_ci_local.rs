//! Issue 12 §1: the GitLab template (`ci/gitlab/scangate.gitlab-ci.yml`) run by the real
//! gitlab-ci-local (scripts/install-test-tools) on repositories the tests build. Its shell
//! executor with `--shell-isolation` gives every job its own copy of the repository and keeps the
//! job's artifacts apart, as a runner does; the job calls this build's scangate
//! (`SCANGATE_BIN`) with the installed scanners (`SCANGATE_TOOLS_DIR`). A merge-request
//! pipeline is a branch pipeline with the variables GitLab sets for one.
//!
//! Issue 12 §4: the fan-out template (`ci/gitlab/scangate-fanout.gitlab-ci.yml`): its matrix, its
//! gate's verdict against full scans, and the gate's refusals (a failed scanner, a killed shard,
//! parts the repository holds), with a fake scanner or a scangate wrapper to inject the faults.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::normalizer_common::shared;
use crate::support::{
    assert_exit, assert_github_accepts, assert_matches_schema, assert_valid_sarif, checkout, commit_all, git, git_ok,
    installed, random_token, read_summary, require_scanner, require_test_tool, tool_entry, tools_dir, FakeTools, Repo,
    Scangate, ALNUM,
};

/// The single-job template and the fan-out one, in `ci/gitlab/`.
const TEMPLATE: &str = "scangate.gitlab-ci.yml";
const FANOUT: &str = "scangate-fanout.gitlab-ci.yml";

/// The job's reports, as the template names them below `gl-reports/`.
const SARIF: &str = "gl-reports/scangate.sarif";
const SAST: &str = "gl-reports/gl-sast-report.json";
const SECRETS: &str = "gl-reports/gl-secret-detection-report.json";
const DEPENDENCIES: &str = "gl-reports/gl-dependency-scanning-report.json";
const CODE_QUALITY: &str = "gl-reports/gl-code-quality-report.json";

/// A line the bundled semgrep rule python-subprocess-shell-true (high) reports.
const SHELL_TRUE: &str = "import subprocess\n\n\ndef run(directory):\n    subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";

/// True when gitlab-ci-local and the scanners the test repositories need are installed (see
/// [`require_test_tool`]).
fn require_tools() -> bool {
    require_test_tool("gitlab-ci-local") && require_scanner("gitleaks") && require_scanner("semgrep")
}

/// A git repository on `main` whose `.gitlab-ci.yml` includes this checkout's single-job template.
fn project() -> Repo {
    project_with(TEMPLATE)
}

/// A git repository on `main` whose `.gitlab-ci.yml` includes a copy of `ci/gitlab/<template>`.
fn project_with(template: &str) -> Repo {
    let repo = Repo::new();
    let text = std::fs::read(checkout().join("ci/gitlab").join(template)).expect("template readable");
    repo.write(Path::new(".gitlab").join(template), text);
    repo.write(".gitlab-ci.yml", format!("include:\n  - local: .gitlab/{template}\n"));
    git_ok(repo.path(), &["init", "-q"]);
    repo
}

/// The commit `HEAD` names.
fn head(repo: &Path) -> String {
    let output = git(repo, &["rev-parse", "HEAD"]);
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("UTF-8").trim().to_string()
}

/// The variables GitLab sets in a merge-request pipeline of `feature` into `main` whose merge
/// base is `base`; GitLab sets no `CI_COMMIT_BRANCH` there.
fn merge_request(base: &str) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "CI_PIPELINE_SOURCE=merge_request_event".to_string(),
        "CI_MERGE_REQUEST_IID=7".to_string(),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature".to_string(),
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main".to_string(),
        format!("CI_MERGE_REQUEST_DIFF_BASE_SHA={base}"),
    ]
    .into_iter()
    .flat_map(|variable| [OsString::from("--variable"), variable.into()])
    .collect();
    args.extend(["--unset-variable".into(), "CI_COMMIT_BRANCH".into()]);
    args
}

/// One gitlab-ci-local run of the repository's pipeline.
struct Pipeline {
    output: Output,
    repo: PathBuf,
}

impl Pipeline {
    /// Runs the pipeline of `repo` with `extra` arguments (variables), with this build's scangate
    /// and the installed scanners.
    fn run(repo: &Repo, extra: &[OsString]) -> Pipeline {
        Pipeline::run_with(repo, Path::new(env!("CARGO_BIN_EXE_scangate")), &tools_dir(), extra)
    }

    /// [`Pipeline::run`] with the jobs' `SCANGATE_BIN` and `SCANGATE_TOOLS_DIR`. `GITLAB_CI` is
    /// `true` as on GitLab (gitlab-ci-local says `false`); `--home` is empty so no user's
    /// variables reach it.
    fn run_with(repo: &Repo, scangate: &Path, tools: &Path, extra: &[OsString]) -> Pipeline {
        let home = tempfile::tempdir().expect("temp dir");
        let executable = installed("gitlab-ci-local");
        let mut command = Command::new(if executable.exists() {
            executable
        } else {
            PathBuf::from("gitlab-ci-local")
        });
        for key in [
            "SCANGATE_TOOLS",
            "SCANGATE_SKIP",
            "SCANGATE_LEVEL",
            "GITHUB_ACTIONS",
            "GITLAB_CI",
        ] {
            command.env_remove(key);
        }
        command
            .current_dir(repo.path())
            .args(["--force-shell-executor", "--shell-isolation", "--no-color"])
            .arg("--home")
            .arg(home.path())
            .args(["--ignore-predefined-vars", "GITLAB_CI,CI_PIPELINE_SOURCE"])
            .args(["--variable", "GITLAB_CI=true"])
            .arg("--variable")
            .arg(format!("SCANGATE_BIN={}", scangate.display()))
            .arg("--variable")
            .arg(format!("SCANGATE_TOOLS_DIR={}", tools.display()))
            // No network here: the bundled rules instead of the registry's p/default, and trivy
            // (which reads every YAML file, `.gitlab-ci.yml` too) without a vulnerability database.
            .args(["--variable", "SCANGATE_SEMGREP_CONFIG=bundled"])
            .args(["--variable", "SCANGATE_OFFLINE=true"])
            .args(extra);
        let output = command.output().expect("gitlab-ci-local runs");
        Pipeline {
            output,
            repo: repo.path().to_path_buf(),
        }
    }

    fn log(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    /// `job` ran and its script exited `code`: gitlab-ci-local logs `<job> finished in <time>`
    /// (the name padded to the longest), followed by `FAIL <code>` when it failed, and names the
    /// job `PASS` or `FAIL` in its summary.
    fn assert_job(&self, job: &str, code: i32) {
        let log = self.log();
        let finished = log
            .lines()
            .find(|line| {
                line.strip_prefix(job)
                    .is_some_and(|rest| rest.trim_start().starts_with("finished in "))
            })
            .unwrap_or_else(|| panic!("{job} did not run\n{log}"));
        if code == 0 {
            assert!(!finished.contains("FAIL"), "{finished}\n{log}");
        } else {
            assert!(
                finished.trim_end().ends_with(&format!("FAIL {code}")),
                "{finished}\n{log}"
            );
        }
        let word = if code == 0 { "PASS" } else { "FAIL" };
        assert!(
            log.lines().any(|line| line.trim() == format!("{word}  {job}")),
            "no `{word}  {job}` line\n{log}"
        );
    }

    /// gitlab-ci-local exits 1 when a job failed, 0 when every job that ran passed.
    fn assert_passed(&self, passed: bool) {
        assert_eq!(
            self.output.status.code(),
            Some(if passed { 0 } else { 1 }),
            "{}",
            self.log()
        );
    }

    /// The file `path` in the artifacts gitlab-ci-local kept of `job`.
    fn artifact(&self, job: &str, path: &str) -> PathBuf {
        self.repo.join(".gitlab-ci-local/artifacts").join(job).join(path)
    }

    fn json(&self, job: &str, path: &str) -> Value {
        let file = self.artifact(job, path);
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}\n{}", file.display(), self.log()));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }
}

/// The four reports of the `scangate` job exist and validate: SARIF 2.1.0, GitLab's security
/// report schemas 15.2.1, and GitLab's Code Quality entry schema. Returns the SARIF log.
fn assert_reports_valid(pipeline: &Pipeline) -> Value {
    let sarif = pipeline.json("scangate", SARIF);
    assert_valid_sarif(&sarif, &pipeline.artifact("scangate", SARIF));
    for (report, schema) in [
        (SAST, "sast-report-format.json"),
        (SECRETS, "secret-detection-report-format.json"),
        (DEPENDENCIES, "dependency-scanning-report-format.json"),
    ] {
        let json = pipeline.json("scangate", report);
        assert_eq!(json["version"], "15.2.1", "{report}");
        if let Some(schema) = shared(&format!("schemas/gitlab/{schema}")) {
            assert_matches_schema(&json, &schema);
        }
    }
    let quality = pipeline.json("scangate", CODE_QUALITY);
    let entries = quality.as_array().expect("Code Quality report is an array");
    if let Some(schema) = shared("schemas/gitlab/codeclimate.json") {
        for entry in entries {
            assert_matches_schema(entry, &schema);
        }
    }
    sarif
}

/// Every SARIF result as [tool, rule id, scangate severity, baselineState].
fn results(sarif: &Value) -> Vec<[String; 4]> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    sarif["runs"]
        .as_array()
        .expect("runs[]")
        .iter()
        .flat_map(|run| {
            let tool = text(&run["tool"]["driver"]["name"]);
            run["results"].as_array().into_iter().flatten().map(move |result| {
                [
                    tool.clone(),
                    text(&result["ruleId"]),
                    text(&result["properties"]["severity"]),
                    text(&result["baselineState"]),
                ]
            })
        })
        .collect()
}

/// (identifier name, severity) of each vulnerability in a GitLab security report.
fn vulnerabilities(report: &Value) -> Vec<(String, String)> {
    report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities[]")
        .iter()
        .map(|v| {
            (
                v["identifiers"][0]["name"].as_str().unwrap_or_default().to_string(),
                v["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn branch_pipeline_with_a_blocking_finding_fails_with_four_valid_reports() {
    if !require_tools() {
        return;
    }
    let repo = project();
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("app/run.py", SHELL_TRUE);
    repo.write("app/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    commit_all(repo.path(), "app");
    let pipeline = Pipeline::run(&repo, &[]);
    pipeline.assert_job("scangate", 1);
    pipeline.assert_passed(false);
    let log = pipeline.log();
    assert!(log.contains("verdict: FAIL at DSOMM level 1"), "{log}");

    let sarif = assert_reports_valid(&pipeline);
    let mut found = results(&sarif);
    found.sort();
    assert_eq!(
        found,
        [
            ["gitleaks", "github-pat", "critical", ""].map(String::from),
            ["semgrep", "python-subprocess-shell-true", "high", ""].map(String::from),
        ],
        "no baselineState outside merge-request pipelines"
    );
    assert_eq!(
        vulnerabilities(&pipeline.json("scangate", SAST)),
        [("python-subprocess-shell-true".to_string(), "High".to_string())]
    );
    assert_eq!(
        vulnerabilities(&pipeline.json("scangate", SECRETS)),
        [("github-pat".to_string(), "Critical".to_string())]
    );
    assert_eq!(vulnerabilities(&pipeline.json("scangate", DEPENDENCIES)), []);
    let quality = pipeline.json("scangate", CODE_QUALITY);
    let mut checks: Vec<(&str, &str)> = quality
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["check_name"].as_str().unwrap(),
                e["location"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    checks.sort_unstable();
    assert_eq!(
        checks,
        [
            ("github-pat", "app/settings.py"),
            ("python-subprocess-shell-true", "app/run.py")
        ]
    );
    for report in [SARIF, SAST, SECRETS, CODE_QUALITY, "gl-reports/scangate-summary.json"] {
        let bytes = std::fs::read(pipeline.artifact("scangate", report)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&token),
            "{report} holds the secret's value"
        );
    }
    assert!(!log.contains(&token), "the job log holds the secret's value");
}

/// The template's variables beyond the gate: SCANGATE_EXCLUDE (one glob per line) keeps the
/// blocking finding's file out, each report variable writes its file among the artifacts, an
/// empty one counts as unset, and SCANGATE_ARGS passes one argument per line, a space and a `$(…)`
/// inside one kept as written.
#[test]
fn branch_pipeline_takes_exclusions_reports_and_arguments_from_variables() {
    if !require_tools() || !require_scanner("trivy") {
        return;
    }
    let repo = project();
    repo.write("app/run.py", SHELL_TRUE);
    repo.write("third_party/lib.py", SHELL_TRUE);
    commit_all(repo.path(), "app");
    let variables = [
        "SCANGATE_EXCLUDE=  app/** \n\nthird_party/**\n",
        "SCANGATE_HTML=gl-reports/scangate.html",
        "SCANGATE_RDJSON=gl-reports/review.rdjson",
        "SCANGATE_SBOM=gl-reports/sbom.cdx.json",
        "SCANGATE_EVIDENCE=",
        "SCANGATE_ARGS=--raw-dir\n  gl-reports/raw $(touch pwned) \n",
    ];
    let extra: Vec<OsString> = variables
        .iter()
        .flat_map(|variable| [OsString::from("--variable"), OsString::from(variable)])
        .collect();
    let pipeline = Pipeline::run(&repo, &extra);
    pipeline.assert_job("scangate", 0);
    let summary = pipeline.json("scangate", "gl-reports/scangate-summary.json");
    assert_eq!(summary["verdict"], "pass", "{summary:#}");
    assert_eq!(summary["counts"]["high"], 0);
    let excluded = summary["excluded"].to_string();
    assert!(
        excluded.contains("app/run.py") && excluded.contains("third_party/lib.py"),
        "{excluded}\n{}",
        pipeline.log()
    );
    for report in [
        "gl-reports/scangate.html",
        "gl-reports/review.rdjson",
        "gl-reports/sbom.cdx.json",
    ] {
        let file = pipeline.artifact("scangate", report);
        assert!(file.is_file(), "{report} not kept\n{}", pipeline.log());
    }
    let raw = pipeline.artifact("scangate", "gl-reports/raw $(touch pwned)");
    assert!(raw.is_dir(), "--raw-dir's one argument\n{}", pipeline.log());
    assert!(!repo.path().join("pwned").exists(), "an argument ran as a command");
}

#[test]
fn branch_pipeline_of_a_clean_repository_passes() {
    if !require_tools() {
        return;
    }
    let repo = project();
    repo.write(
        "app/run.py",
        "import subprocess\n\n\ndef run(args):\n    subprocess.call(args)\n",
    );
    commit_all(repo.path(), "app");
    let pipeline = Pipeline::run(&repo, &[]);
    pipeline.assert_job("scangate", 0);
    pipeline.assert_passed(true);
    let sarif = assert_reports_valid(&pipeline);
    assert!(results(&sarif).is_empty(), "{sarif:#}");
    for report in [SAST, SECRETS, DEPENDENCIES] {
        assert_eq!(vulnerabilities(&pipeline.json("scangate", report)), [], "{report}");
    }
    assert_eq!(pipeline.json("scangate", CODE_QUALITY), serde_json::json!([]));
    let summary = pipeline.json("scangate", "gl-reports/scangate-summary.json");
    assert_eq!(summary["verdict"], "pass");
}

/// The merge-request pipeline of `feature`, which adds `feature_file`, into `main`, which holds
/// `main_file` (each a path and its contents); with the repository, which holds the artifacts.
fn merge_request_pipeline(main_file: (&str, &str), feature_file: (&str, &str)) -> (Repo, Pipeline) {
    let repo = project();
    repo.write(main_file.0, main_file.1);
    commit_all(repo.path(), "main");
    let base = head(repo.path());
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write(feature_file.0, feature_file.1);
    commit_all(repo.path(), "feature");
    let pipeline = Pipeline::run(&repo, &merge_request(&base));
    (repo, pipeline)
}

/// The SARIF results of a job that found [`SHELL_TRUE`] and nothing else, its `baselineState`
/// `state`; with the summary's verdict and count of new findings.
fn assert_only_shell_true(pipeline: &Pipeline, state: &str, verdict: &str, new: u64) {
    let sarif = assert_reports_valid(pipeline);
    assert_eq!(
        results(&sarif),
        [["semgrep", "python-subprocess-shell-true", "high", state].map(String::from)]
    );
    let summary = pipeline.json("scangate", "gl-reports/scangate-summary.json");
    assert_eq!(summary["verdict"], verdict, "{summary:#}");
    assert_eq!(summary["new"], new, "{summary:#}");
}

#[test]
fn merge_request_pipeline_passes_when_the_finding_was_on_the_target_branch() {
    if !require_tools() {
        return;
    }
    let (_repo, pipeline) = merge_request_pipeline(("app/run.py", SHELL_TRUE), ("README.md", "# app\n"));
    pipeline.assert_job("scangate", 0);
    pipeline.assert_passed(true);
    // The change touches no source file: semgrep did not run (issue 13 §1), so the finding on
    // the target branch was not computed.
    let sarif = assert_reports_valid(&pipeline);
    assert!(results(&sarif).is_empty(), "{sarif:#}");
    let summary = pipeline.json("scangate", "gl-reports/scangate-summary.json");
    assert_eq!(summary["verdict"], "pass", "{summary:#}");
    assert_eq!(summary["new"], 0, "{summary:#}");
    assert_eq!(tool_entry(&summary, "semgrep")["status"], "unchanged", "{summary:#}");
}

#[test]
fn merge_request_pipeline_fails_when_the_change_adds_a_high_finding() {
    if !require_tools() {
        return;
    }
    let (_repo, pipeline) = merge_request_pipeline(("README.md", "# app\n"), ("app/run.py", SHELL_TRUE));
    pipeline.assert_job("scangate", 1);
    pipeline.assert_passed(false);
    assert_only_shell_true(&pipeline, "new", "fail", 1);
}

/// The template's rules run the job in merge-request pipelines and on the default branch and
/// tags: a push to another branch has no scangate job, whatever its findings.
#[test]
fn push_to_a_feature_branch_runs_no_job() {
    if !require_tools() {
        return;
    }
    let repo = project();
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write("app/run.py", SHELL_TRUE);
    commit_all(repo.path(), "app with a finding");
    let pipeline = Pipeline::run(&repo, &[]);
    assert_eq!(pipeline.output.status.code(), Some(0), "{}", pipeline.log());
    assert!(!pipeline.log().contains("scangate starting"), "{}", pipeline.log());
    assert!(!pipeline.artifact("scangate", SARIF).exists());
}

/// The scanners of the fan-out template's matrix, in its order.
const FANOUT_TOOLS: [&str; 6] = ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"];

/// A monorepo for the fan-out template: `api/` calls a shell, `web/` holds a GitHub token; its
/// pipeline scans both (`SCANGATE_PROJECTS`).
fn fanout_monorepo() -> (Repo, Vec<OsString>) {
    let repo = project_with(FANOUT);
    repo.write("api/run.py", SHELL_TRUE);
    let token = format!("ghp_{}", random_token(ALNUM, 36));
    repo.write("web/settings.py", format!("GITHUB_TOKEN = \"{token}\"\n"));
    commit_all(repo.path(), "two projects");
    let projects = vec!["--variable".into(), "SCANGATE_PROJECTS=api web".into()];
    (repo, projects)
}

/// The summary of a full `scangate scan` of each of `projects` in `repo`, run outside any
/// pipeline: (verdict of the worst, counts summed).
fn full_scans(repo: &Repo, projects: &[&str]) -> (String, Value) {
    let mut verdicts = Vec::new();
    let mut counts = serde_json::Map::new();
    let out = tempfile::tempdir().expect("temp dir");
    for project in projects {
        let summary_path = out.path().join(format!("{project}.json"));
        let output = Scangate::new([
            OsString::from("scan"),
            repo.path().join(project).into(),
            "--summary-json".into(),
            summary_path.clone().into(),
            "--sarif".into(),
            out.path().join(format!("{project}.sarif")).into(),
        ])
        .run();
        let summary = read_summary(&summary_path);
        assert_ne!(output.status.code(), Some(2), "{summary:#}");
        verdicts.push(summary["verdict"].as_str().unwrap().to_string());
        for (severity, count) in summary["counts"].as_object().unwrap() {
            let sum = counts.get(severity).and_then(Value::as_u64).unwrap_or(0) + count.as_u64().unwrap();
            counts.insert(severity.clone(), sum.into());
        }
    }
    let verdict = if verdicts.iter().any(|v| v == "fail") {
        "fail"
    } else {
        "pass"
    };
    (verdict.to_string(), Value::Object(counts))
}

/// The fan-out pipeline's gate summary.
fn gate_summary(pipeline: &Pipeline) -> Value {
    pipeline.json("scangate-gate", "gl-reports/scangate-summary.json")
}

#[test]
fn fanout_matrix_expands_and_the_gate_gives_the_full_scans_verdict() {
    if !require_tools() {
        return;
    }
    let (repo, projects) = fanout_monorepo();
    let (verdict, counts) = full_scans(&repo, &["api", "web"]);
    assert_eq!(verdict, "fail");
    let pipeline = Pipeline::run(&repo, &projects);
    for tool in FANOUT_TOOLS {
        pipeline.assert_job(&format!("scangate-shard: [{tool}]"), 0);
    }
    pipeline.assert_job("scangate-gate", 1);
    pipeline.assert_passed(false);
    let summary = gate_summary(&pipeline);
    assert_eq!(summary["verdict"], verdict.as_str(), "{summary:#}");
    assert_eq!(summary["counts"], counts, "{summary:#}");
    assert_eq!(summary["counts"]["high"], 1);
    assert_eq!(summary["counts"]["critical"], 1);
    // One merged SARIF log: one run per scanner however many projects, GitHub's rules hold.
    let merged = pipeline.artifact("scangate-gate", "gl-reports/scangate.sarif");
    let log = pipeline.json("scangate-gate", "gl-reports/scangate.sarif");
    let mut tools: Vec<&str> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["tool"]["driver"]["name"].as_str().unwrap())
        .collect();
    let runs = tools.len();
    tools.sort_unstable();
    tools.dedup();
    assert_eq!(tools.len(), runs, "one run per tool: {tools:?}");
    if require_scanner("sarif-multitool") {
        assert_github_accepts(&merged);
    }
}

/// `tools` holds the installed scanners, but `semgrep` is one that exits 3 whatever it is asked.
fn tools_with_failing_semgrep() -> FakeTools {
    let tools = FakeTools::new();
    for entry in std::fs::read_dir(tools_dir().join("bin")).expect("installed scanners") {
        let entry = entry.unwrap();
        if entry.file_name() != "semgrep" {
            std::os::unix::fs::symlink(entry.path(), tools.dir().join("bin").join(entry.file_name())).unwrap();
        }
    }
    tools.add("semgrep", "echo 'semgrep: crashed' >&2; exit 3");
    tools
}

#[test]
fn fanout_gate_exits_2_when_a_shards_scanner_fails() {
    if !require_tools() {
        return;
    }
    let (repo, projects) = fanout_monorepo();
    let tools = tools_with_failing_semgrep();
    let pipeline = Pipeline::run_with(&repo, Path::new(env!("CARGO_BIN_EXE_scangate")), tools.dir(), &projects);
    pipeline.assert_job("scangate-shard: [semgrep]", 2);
    pipeline.assert_job("scangate-shard: [gitleaks]", 0);
    pipeline.assert_job("scangate-gate", 2);
    let summary = gate_summary(&pipeline);
    assert_eq!(summary["verdict"], "error", "{summary:#}");
    assert_eq!(tool_entry(&summary, "semgrep")["status"], "error", "{summary:#}");
}

/// A scangate for the shards that dies without a word (as when the runner kills it) when asked to
/// run `tool`, and runs this build's scangate otherwise.
fn scangate_dying_on(tool: &str) -> FakeTools {
    let wrapper = FakeTools::new();
    wrapper.add(
        "scangate",
        &format!(
            "case \" $* \" in *\" --tools {tool} \"*) exit 137 ;; esac\nexec '{}' \"$@\"",
            env!("CARGO_BIN_EXE_scangate")
        ),
    );
    wrapper
}

#[test]
fn fanout_gate_exits_2_when_a_part_is_missing() {
    if !require_tools() {
        return;
    }
    let (repo, projects) = fanout_monorepo();
    let wrapper = scangate_dying_on("trivy");
    let pipeline = Pipeline::run_with(&repo, &wrapper.dir().join("bin/scangate"), &tools_dir(), &projects);
    pipeline.assert_job("scangate-shard: [trivy]", 137);
    pipeline.assert_job("scangate-gate", 2);
    let log = pipeline.log();
    assert!(
        log.contains("no trivy part for api: its shard handed none over"),
        "{log}"
    );
    assert!(
        log.contains("no trivy part for web: its shard handed none over"),
        "{log}"
    );
    assert!(!pipeline
        .artifact("scangate-gate", "gl-reports/scangate-summary.json")
        .exists());
}

/// Clean parts of every scanner, committed where a forger would put them: under `scangate-parts/`
/// by the shards' name scheme (the part's digest), and the shards' dotenv file naming them for
/// the project `.`. They come from a scan of a clean Python file, so the forged semgrep part
/// says semgrep ran and found nothing.
fn commit_forged_parts(repo: &Repo) {
    let clean = project_with(FANOUT);
    clean.write(
        "app/run.py",
        "import subprocess\n\n\ndef run(args):\n    subprocess.call(args)\n",
    );
    commit_all(clean.path(), "clean");
    let mut dotenv = String::new();
    let out = tempfile::tempdir().expect("temp dir");
    for tool in FANOUT_TOOLS {
        let part = out.path().join(format!("{tool}.sarif"));
        let output = Scangate::new([
            OsString::from("scan"),
            clean.path().into(),
            "--tools".into(),
            tool.into(),
            "--no-gate".into(),
            // trivy reads the project's `.gitlab-ci.yml`; there is no vulnerability database here.
            "--offline".into(),
            "--sarif".into(),
            part.clone().into(),
        ])
        .run();
        assert_exit(&output, 0);
        let digest = sha256_hex(&part);
        repo.write(format!("scangate-parts/{digest}.sarif"), std::fs::read(&part).unwrap());
        // The template's variable name for the project `.`: `.` becomes `_`.
        dotenv.push_str(&format!("SCANGATE_PART_{}__={digest}\n", tool.replace('-', "_")));
    }
    repo.write("scangate-part.env", dotenv);
    commit_all(repo.path(), "forged parts");
}

/// The SHA-256 of the file at `path`, in hex (coreutils' sha256sum, as the template uses).
fn sha256_hex(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    text.split_whitespace().next().expect("a digest").to_string()
}

/// A fan-out repository whose only finding is semgrep's, with forged clean parts committed.
fn forged_repo() -> Repo {
    let repo = project_with(FANOUT);
    repo.write("app/run.py", SHELL_TRUE);
    commit_all(repo.path(), "app with a finding");
    commit_forged_parts(&repo);
    repo
}

#[test]
fn fanout_forged_parts_in_the_repository_do_not_change_the_verdict() {
    if !require_tools() {
        return;
    }
    // Every shard ran: the gate reads their parts.
    let repo = forged_repo();
    let pipeline = Pipeline::run(&repo, &[]);
    pipeline.assert_job("scangate-gate", 1);
    let summary = gate_summary(&pipeline);
    assert_eq!(summary["verdict"], "fail", "{summary:#}");
    assert_eq!(summary["counts"]["high"], 1, "{summary:#}");

    // semgrep's shard died: the forged part that says semgrep found nothing does not stand in.
    let repo = forged_repo();
    let wrapper = scangate_dying_on("semgrep");
    let pipeline = Pipeline::run_with(&repo, &wrapper.dir().join("bin/scangate"), &tools_dir(), &[]);
    pipeline.assert_job("scangate-shard: [semgrep]", 137);
    pipeline.assert_job("scangate-gate", 2);
    let log = pipeline.log();
    assert!(
        log.contains("no semgrep part for .: its shard handed none over"),
        "{log}"
    );
}

/// In a merge-request pipeline each shard scans with `--base`, and its part records what was
/// there before: the gate counts only what the change adds, as the single job does.
#[test]
fn fanout_merge_request_counts_only_what_the_change_adds() {
    if !require_tools() {
        return;
    }
    let repo = project_with(FANOUT);
    repo.write("app/old.py", SHELL_TRUE);
    commit_all(repo.path(), "main with a finding");
    let base = head(repo.path());
    git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
    repo.write("README.md", "# app\n");
    commit_all(repo.path(), "docs");
    let pipeline = Pipeline::run(&repo, &merge_request(&base));
    pipeline.assert_job("scangate-gate", 0);
    let summary = gate_summary(&pipeline);
    assert_eq!(summary["verdict"], "pass", "{summary:#}");

    repo.write("app/new.py", SHELL_TRUE.replace("run(directory)", "start(directory)"));
    commit_all(repo.path(), "a new finding");
    std::fs::remove_dir_all(repo.path().join(".gitlab-ci-local")).unwrap();
    let pipeline = Pipeline::run(&repo, &merge_request(&base));
    pipeline.assert_job("scangate-gate", 1);
    let summary = gate_summary(&pipeline);
    assert_eq!(summary["verdict"], "fail", "{summary:#}");
    assert_eq!(
        summary["counts"]["high"], 1,
        "only the added finding counts: {summary:#}"
    );
}
