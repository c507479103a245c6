//! Issue 12 §2: the Action's scan step (`scripts/github-action-scan`, which action.yml runs) with
//! the environment GitHub Actions gives it, on a pull_request event of a repository the test
//! builds: the base comes from the event, paths are named from the repository root, outputs
//! land in GITHUB_OUTPUT, and no input is ever run as a command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

const SHELL_TRUE: &str = "import subprocess\n\ndef run(directory):\n    return subprocess.call(\"tar czf /tmp/b.tgz \" + directory, shell=True)\n";

/// A monorepo whose main branch already has a finding in services/api, and a pull request that
/// adds a second one there.
struct PullRequest {
    repo: Repo,
    base: String,
    runner: tempfile::TempDir,
}

impl PullRequest {
    fn new() -> Self {
        let repo = Repo::new();
        repo.write("README.md", "monorepo\n")
            .write("services/api/old.py", SHELL_TRUE);
        git_ok(repo.path(), &["init", "-q"]);
        commit_all(repo.path(), "main");
        let base = String::from_utf8(git(repo.path(), &["rev-parse", "HEAD"]).stdout).unwrap();
        git_ok(repo.path(), &["checkout", "-q", "-b", "feature"]);
        repo.write("services/api/new.py", SHELL_TRUE);
        commit_all(repo.path(), "feature");
        PullRequest {
            repo,
            base: base.trim().to_owned(),
            runner: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.runner.path().join(name)
    }

    /// The step as Actions runs it: workspace, runner temp, outputs and event files, inputs.
    fn run_step(&self, inputs: &[(&str, &str)]) -> Output {
        let event = self.file("event.json");
        std::fs::write(
            &event,
            serde_json::json!({"pull_request": {"base": {"sha": self.base, "ref": "main"}}}).to_string(),
        )
        .unwrap();
        let mut command = Command::new(checkout().join("scripts/github-action-scan"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.runner.path())
            .env("SCANGATE_BIN", env!("CARGO_BIN_EXE_scangate"))
            .env("SCANGATE_TOOLS_DIR", tools_dir())
            // No network here: the bundled rules instead of the registry's p/default.
            .env("SCANGATE_SEMGREP_CONFIG", "bundled")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.repo.path())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_BASE_REF", "main")
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("step-summary.md"))
            .env("GITHUB_SERVER_URL", "https://github.example")
            .env("GITHUB_REPOSITORY", "acme/monorepo")
            .env("GITHUB_SHA", "0123456789abcdef")
            .env("RUNNER_TEMP", self.runner.path())
            .env("INPUT_PATH", "services/api")
            .env("INPUT_LEVEL", "1")
            .env("INPUT_TOOLS", "gitleaks,semgrep")
            .env("INPUT_DRY_RUN", "false");
        for (key, value) in inputs {
            command.env(key, value);
        }
        command.output().expect("the step runs")
    }
}

fn outputs(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_scan_step_gates_the_pull_request_by_what_it_adds() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let pr = PullRequest::new();
    let output = pr.run_step(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_exit(&output, 1);
    let sarif = pr.file("scangate.sarif");
    let summary_json = pr.file("scangate-summary.json");
    assert_eq!(
        outputs(&pr.file("output")),
        [
            format!("sarif={}", sarif.display()),
            format!("summary-json={}", summary_json.display())
        ]
    );
    let summary = read_summary(&summary_json);
    assert_eq!(
        summary["counts"]["high"], 1,
        "only the added finding counts: {summary:#}"
    );
    assert!(stdout.contains("::error file=services/api/new.py,line=4"), "{stdout}");
    let markdown = std::fs::read_to_string(pr.file("step-summary.md")).unwrap();
    assert!(
        markdown.contains("https://github.example/acme/monorepo/blob/0123456789abcdef/services/api/new.py#L4"),
        "{markdown}"
    );

    let dry = pr.run_step(&[("INPUT_DRY_RUN", "true")]);
    assert_exit(&dry, 0);
}

/// `tools: "gitleaks, semgrep"` (a list written with a space) selects the two scanners.
#[test]
fn the_tools_input_tolerates_spaces() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let pr = PullRequest::new();
    let output = pr.run_step(&[("INPUT_TOOLS", " gitleaks,  semgrep ")]);
    assert_exit(&output, 1);
    let summary = read_summary(&pr.file("scangate-summary.json"));
    let ran: Vec<&str> = summary["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|tool| tool["status"] == "ok")
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["gitleaks", "semgrep"], "{summary:#}");
}

/// The inputs a pipeline needs beyond the gate: `exclude` (one glob per line, trimmed, blank lines
/// skipped), each report's file (`html`, `rdjson`, `sbom`, `evidence`), and `args`, further
/// arguments one per line, each one argument even with a space in it.
#[test]
fn the_report_exclude_and_args_inputs_reach_the_scan() {
    if !["gitleaks", "semgrep", "trivy"].into_iter().all(require_scanner) {
        return;
    }
    let pr = PullRequest::new();
    let raw = pr.file("raw outputs");
    let args = format!("--raw-dir\n{}\n  --no-gate \n", raw.display());
    let reports = ["scan.html", "review.rdjson", "deps.cdx.json", "evidence.json"].map(|name| pr.file(name));
    let inputs = [
        ("INPUT_EXCLUDE", "  new.py \n\ndocs/**\n".to_owned()),
        ("INPUT_HTML", reports[0].display().to_string()),
        ("INPUT_RDJSON", reports[1].display().to_string()),
        ("INPUT_SBOM", reports[2].display().to_string()),
        ("INPUT_EVIDENCE", reports[3].display().to_string()),
        ("INPUT_ARGS", args),
    ];
    let inputs: Vec<(&str, &str)> = inputs.iter().map(|(key, value)| (*key, value.as_str())).collect();
    let output = pr.run_step(&inputs);
    assert_exit(&output, 0);
    let summary = read_summary(&pr.file("scangate-summary.json"));
    assert_eq!(
        summary["counts"]["high"], 0,
        "the added finding is excluded: {summary:#}"
    );
    assert_eq!(summary["verdict"], "not_gated", "--no-gate, from args");
    let excluded = summary["excluded"].to_string();
    assert!(excluded.contains("new.py"), "{excluded}");
    for report in &reports {
        let bytes = std::fs::read(report).unwrap_or_else(|error| panic!("{}: {error}", report.display()));
        assert!(!bytes.is_empty(), "{} is empty", report.display());
    }
    let kept: Vec<_> = std::fs::read_dir(&raw)
        .expect("--raw-dir, one argument with its space")
        .collect();
    assert!(!kept.is_empty());
}

#[test]
fn the_scan_step_never_runs_an_input_as_a_command() {
    let pr = PullRequest::new();
    let marker = pr.file("pwned");
    let hostile = format!("x.toml; touch {0} $(touch {0}) `touch {0}`", marker.display());
    let output = pr.run_step(&[
        ("INPUT_POLICY", hostile.as_str()),
        ("INPUT_BASE_REF", "$(touch /tmp/x)"),
        ("INPUT_EXCLUDE", hostile.as_str()),
        ("INPUT_HTML", hostile.as_str()),
    ]);
    assert_exit(&output, 2);
    assert!(!marker.exists(), "an input ran as a command");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--base"),
        "the base that is no commit is refused: {stderr}"
    );
    let output = pr.run_step(&[("INPUT_ARGS", hostile.as_str())]);
    assert_exit(&output, 2);
    assert!(!marker.exists(), "an argument ran as a command");
}

/// What `.github/workflows/scangate-fanout.yml` does, step by step without a runner: one shard
/// per scanner runs the scan step with `no-gate`, each part lands in its own artifact directory
/// under the gate job's temporary directory, and the gate step (`parts`) judges them.
struct FanOut {
    pr: PullRequest,
    parts: tempfile::TempDir,
}

impl FanOut {
    fn new() -> Self {
        FanOut {
            pr: PullRequest::new(),
            parts: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// One shard: its own runner temp; its SARIF uploaded as artifact `scangate-part-_-TOOL`.
    fn shard(&self, tool: &str, tools_dir: &Path) -> Output {
        let runner = tempfile::tempdir().expect("temp dir");
        let runner_temp = runner.path().to_str().unwrap();
        let output = self.pr.run_step(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("INPUT_PATH", "."),
            ("INPUT_TOOLS", tool),
            ("INPUT_NO_GATE", "true"),
            ("RUNNER_TEMP", runner_temp),
            ("SCANGATE_TOOLS_DIR", tools_dir.to_str().unwrap()),
        ]);
        let part = runner.path().join("scangate.sarif");
        if part.exists() {
            let artifact = self.parts.path().join(format!("scangate-part-_-{tool}"));
            std::fs::create_dir_all(&artifact).unwrap();
            std::fs::copy(&part, artifact.join("scangate.sarif")).unwrap();
        }
        output
    }

    fn gate(&self) -> (Output, serde_json::Value) {
        let runner = tempfile::tempdir().expect("temp dir");
        let output = self.pr.run_step(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("INPUT_PARTS", self.parts.path().to_str().unwrap()),
            ("RUNNER_TEMP", runner.path().to_str().unwrap()),
        ]);
        let summary = read_summary(&runner.path().join("scangate-summary.json"));
        (output, summary)
    }
}

#[test]
fn fanned_out_shards_gate_like_one_full_scan_and_a_failed_or_missing_shard_is_an_error() {
    if !["gitleaks", "semgrep"].into_iter().all(require_scanner) {
        return;
    }
    let fan = FanOut::new();
    // A part the pull request commits where a shard would write its own: never read.
    fan.pr.repo.write("scangate-parts/forged/scangate.sarif", "{}");
    commit_all(fan.pr.repo.path(), "forged part");
    let full = fan.pr.run_step(&[("GITHUB_EVENT_NAME", "push"), ("INPUT_PATH", ".")]);
    assert_exit(&full, 1);
    let full_summary = read_summary(&fan.pr.file("scangate-summary.json"));

    for tool in ["gitleaks", "semgrep"] {
        let shard = fan.shard(tool, &tools_dir());
        assert_exit(&shard, 0);
    }
    let (gated, summary) = fan.gate();
    assert_exit(&gated, 1);
    assert_eq!(summary["counts"], full_summary["counts"], "{summary:#}");
    assert_eq!(summary["counts"]["high"], 2, "{summary:#}");

    // gitleaks' shard crashes: its part records the failure, the gate ends in 2.
    let broken = FakeTools::new();
    broken.add("gitleaks", "echo crashed >&2; exit 3");
    assert_exit(&fan.shard("gitleaks", broken.dir()), 2);
    let (gated, summary) = fan.gate();
    assert_exit(&gated, 2);
    assert_eq!(summary["verdict"], "error", "{summary:#}");

    // gitleaks' shard left no part at all.
    std::fs::remove_dir_all(fan.parts.path().join("scangate-part-_-gitleaks")).unwrap();
    let (gated, summary) = fan.gate();
    assert_exit(&gated, 2);
    assert_eq!(summary["verdict"], "error", "{summary:#}");
}

/// A fan-out over four projects (the reusable workflow: one shard per project and scanner, eight
/// parts) gates into one SARIF log for one upload: one run per tool, every project's results with
/// paths from the repository root, the verdict of the full scans, and no error under GitHub's
/// ingestion rules (sarif-multitool). The eight parts themselves hold four runs of each tool.
#[test]
fn a_four_project_fan_out_writes_one_log_github_accepts() {
    if !["gitleaks", "semgrep", "sarif-multitool"]
        .into_iter()
        .all(require_scanner)
    {
        return;
    }
    let repo = Repo::new();
    let projects = ["services/api", "services/web", "jobs/nightly", "tools/cli"];
    for project in projects {
        repo.write(format!("{project}/main.py"), SHELL_TRUE);
    }
    git_ok(repo.path(), &["init", "-q"]);
    commit_all(repo.path(), "main");
    let pr = PullRequest {
        repo,
        base: String::new(),
        runner: tempfile::tempdir().expect("temp dir"),
    };
    let parts = tempfile::tempdir().expect("temp dir");
    let mut runs_in_parts = 0;
    for project in projects {
        for tool in ["gitleaks", "semgrep"] {
            let runner = tempfile::tempdir().expect("temp dir");
            let shard = pr.run_step(&[
                ("GITHUB_EVENT_NAME", "push"),
                ("INPUT_PATH", project),
                ("INPUT_TOOLS", tool),
                ("INPUT_NO_GATE", "true"),
                ("RUNNER_TEMP", runner.path().to_str().unwrap()),
            ]);
            assert_exit(&shard, 0);
            let part = runner.path().join("scangate.sarif");
            runs_in_parts += read_summary(&part)["runs"].as_array().unwrap().len();
            let artifact = parts
                .path()
                .join(format!("scangate-part-{}-{tool}", project.replace('/', "_")));
            std::fs::create_dir_all(&artifact).unwrap();
            std::fs::copy(&part, artifact.join("scangate.sarif")).unwrap();
        }
    }
    assert_eq!(runs_in_parts, 8, "each part has one run");

    let runner = tempfile::tempdir().expect("temp dir");
    let gated = pr.run_step(&[
        ("GITHUB_EVENT_NAME", "push"),
        ("INPUT_PARTS", parts.path().to_str().unwrap()),
        ("RUNNER_TEMP", runner.path().to_str().unwrap()),
    ]);
    assert_exit(&gated, 1);
    let merged = runner.path().join("scangate.sarif");
    assert!(
        outputs(&pr.file("output")).contains(&format!("sarif={}", merged.display())),
        "the merged log is the step's output"
    );
    let summary = read_summary(&runner.path().join("scangate-summary.json"));
    assert_eq!(summary["counts"]["high"], 4, "{summary:#}");
    let log = read_summary(&merged);
    let runs = log["runs"].as_array().unwrap();
    let tools: Vec<&str> = runs
        .iter()
        .map(|run| run["tool"]["driver"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["gitleaks", "semgrep"], "one run per tool");
    let mut uris: Vec<&str> = runs[1]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    uris.sort_unstable();
    assert_eq!(
        uris,
        [
            "jobs/nightly/main.py",
            "services/api/main.py",
            "services/web/main.py",
            "tools/cli/main.py"
        ]
    );
    assert_valid_sarif(&log, &merged);
    assert_github_accepts(&merged);
}

/// A fake release server: `releases/download/<tag>/<file>` below a directory, on 127.0.0.1.
struct Releases {
    dir: tempfile::TempDir,
    server: std::process::Child,
    url: String,
}

impl Releases {
    fn start() -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 serves the directory");
        let mut line = String::new();
        std::io::BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the server says its port");
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect(&line);
        let url = format!("http://127.0.0.1:{port}/releases/download");
        Releases { dir, server, url }
    }

    /// Publishes release `tag` as the release workflow does: the Linux x86-64 archive and its
    /// checksum file as `dist build` wrote them ([`crate::release::dist_build`]); the checksum file
    /// says `checksum` instead when given.
    fn publish(&self, tag: &str, archive: &Path, checksum_file: &Path, checksum: Option<&str>) {
        let release = self.dir.path().join("releases/download").join(tag);
        std::fs::create_dir_all(&release).unwrap();
        let name = archive.file_name().unwrap().to_str().unwrap();
        std::fs::copy(archive, release.join(name)).unwrap();
        let sha256 = release.join(format!("{name}.sha256"));
        std::fs::copy(checksum_file, &sha256).unwrap();
        if let Some(checksum) = checksum {
            // dist's format: `<sha256> *<file name>`.
            std::fs::write(&sha256, format!("{checksum} *{name}\n")).unwrap();
        }
    }

    /// The install step at `action_ref`, on a Linux x86-64 runner whose temp is `runner`.
    fn install(&self, action_ref: &str, runner: &Path) -> (std::process::Output, Vec<String>) {
        let output_file = runner.join("output");
        let output = Command::new(checkout().join("scripts/github-action-install"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ACTION_REF", action_ref)
            .env("ACTION_REPOSITORY", "acme/scangate")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", runner)
            .env("GITHUB_SERVER_URL", "https://github.example")
            .env("GITHUB_OUTPUT", &output_file)
            .env("SCANGATE_RELEASES", &self.url)
            .output()
            .unwrap();
        (output, outputs(&output_file))
    }
}

impl Drop for Releases {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The Action at a release tag installs that release's binary, its checksum verified; a binary
/// whose checksum differs fails the step (never a fallback to building); a tag without a release,
/// or a commit, installs nothing, and the action builds scangate from its source. The release's
/// files are the ones `dist build` makes (dist's archive name, layout and checksum file).
#[test]
fn the_action_installs_its_release_binary_only_when_the_checksum_matches() {
    let releases = Releases::start();
    for no_release in ["v9.9.9", "0123456789abcdef0123456789abcdef01234567", "main"] {
        let runner = tempfile::tempdir().unwrap();
        let (output, written) = releases.install(no_release, runner.path());
        assert_exit(&output, 0);
        assert_eq!(written, ["installed=false"], "{no_release}");
        assert!(!runner.path().join("scangate/bin/scangate").exists());
    }

    let Some(dist) = crate::release::dist() else { return };
    let (_built, archive, checksum) = crate::release::dist_build(&dist, "1.2.3", "x86_64-unknown-linux-gnu");
    releases.publish("v1.2.3", &archive, &checksum, None);
    releases.publish("v1.2.4", &archive, &checksum, Some(&"0".repeat(64)));

    let runner = tempfile::tempdir().unwrap();
    let (output, written) = releases.install("v1.2.3", runner.path());
    assert_exit(&output, 0);
    assert_eq!(written, ["installed=true"]);
    let binary = runner.path().join("scangate/bin/scangate");
    let ran = Command::new(&binary).output().expect("the installed binary runs");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "scangate 1.2.3\n");

    let runner = tempfile::tempdir().unwrap();
    let (output, written) = releases.install("v1.2.4", runner.path());
    assert_exit(&output, 1);
    assert!(written.is_empty(), "{written:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("its checksum file says 0000"), "{stderr}");
    assert!(!runner.path().join("scangate/bin/scangate").exists());
}
