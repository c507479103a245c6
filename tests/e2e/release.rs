//! Issue 25 §2: the release is made by dist (cargo-dist) from dist-workspace.toml. dist plans it
//! here as in the release workflow (`dist plan`), the committed workflow is the one dist
//! generates (`dist generate --check`), and [`dist_build`] packs a release archive the way the
//! workflow's build jobs do, for the Action's install test (`tests/e2e/github_action.rs`). dist is
//! installed by scripts/install-test-tools (scripts/install-dist) at dist-workspace.toml's
//! `cargo-dist-version`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{checkout, installed_or_on_path, require_test_tool};

/// The targets the release builds, as dist names them.
const TARGETS: [&str; 4] = [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

fn dist_config() -> toml::Table {
    std::fs::read_to_string(checkout().join("dist-workspace.toml"))
        .expect("dist-workspace.toml")
        .parse()
        .expect("dist-workspace.toml parses")
}

/// The dist version dist-workspace.toml pins (the one the release workflow installs).
fn pinned_version() -> String {
    dist_config()["dist"]["cargo-dist-version"]
        .as_str()
        .expect("dist.cargo-dist-version")
        .to_owned()
}

/// dist at its pin: `None` (skipped loudly) when it is not installed; under `CI=true` a missing
/// dist fails the test. Another version fails: its plan and workflow differ from the pinned one's.
pub fn dist() -> Option<PathBuf> {
    if !require_test_tool("dist") {
        return None;
    }
    let dist = installed_or_on_path("dist");
    let output = Command::new(&dist)
        .arg("--version")
        .output()
        .expect("dist --version runs");
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert_eq!(
        version,
        format!("cargo-dist {}", pinned_version()),
        "{} is not the dist dist-workspace.toml pins: run scripts/install-test-tools",
        dist.display()
    );
    Some(dist)
}

/// `dist ARGS` in `dir`, which must exit 0. Its target directory is `dir`'s own, whatever the
/// test run's CARGO_TARGET_DIR says.
fn run_dist(dist: &Path, dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(dist)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("dist runs");
    assert!(
        output.status.success(),
        "dist {} exited {:?}\n--- stdout\n{}\n--- stderr\n{}",
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The committed release workflow is what dist generates from dist-workspace.toml, and dist's
/// plan of a release is the four targets' `scangate-<target>.tar.xz` archives, each with the
/// `scangate` binary and its `.sha256`, built on the runners the workflow's matrix names, and
/// nothing else (no installer, no other binary, no other target).
#[test]
fn dist_plans_the_four_archives_with_checksums_and_the_workflow_is_current() {
    let Some(dist) = dist() else { return };
    // Outside the checkout's target directory: dist writes nothing for these two, but a plan
    // must not depend on what a build left there either.
    let scratch = tempfile::tempdir().unwrap();
    let check = Command::new(&dist)
        .args(["generate", "--check"])
        .current_dir(checkout())
        .env("CARGO_TARGET_DIR", scratch.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("dist generate --check runs");
    assert!(
        check.status.success(),
        "the committed .github/workflows/release.yml is not what dist generates from \
         dist-workspace.toml: run `dist generate` and commit it\n{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let planned = Command::new(&dist)
        .args(["plan", "--output-format=json"])
        .current_dir(checkout())
        .env("CARGO_TARGET_DIR", scratch.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("dist plan runs");
    assert!(planned.status.success(), "{}", String::from_utf8_lossy(&planned.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&planned.stdout).expect("dist plan prints JSON");

    let releases = plan["releases"].as_array().expect("releases");
    assert_eq!(releases.len(), 1, "{releases:#?}");
    assert_eq!(releases[0]["app_name"], "scangate");
    let workspace_version = std::fs::read_to_string(checkout().join("Cargo.toml"))
        .unwrap()
        .parse::<toml::Table>()
        .unwrap()["workspace"]["package"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(releases[0]["app_version"], workspace_version.as_str());

    let artifacts = plan["artifacts"].as_object().expect("artifacts");
    for target in TARGETS {
        let name = format!("scangate-{target}.tar.xz");
        let archive = &artifacts[&name];
        assert_eq!(archive["kind"], "executable-zip", "{name}: {archive:#}");
        assert_eq!(archive["target_triples"], serde_json::json!([target]), "{name}");
        let checksum = format!("{name}.sha256");
        assert_eq!(archive["checksum"], checksum.as_str(), "{name}");
        assert_eq!(artifacts[&checksum]["kind"], "checksum", "{checksum}");
        let executables: Vec<&str> = archive["assets"]
            .as_array()
            .expect("assets")
            .iter()
            .filter(|asset| asset["kind"] == "executable")
            .map(|asset| asset["path"].as_str().unwrap())
            .collect();
        assert_eq!(executables, ["scangate"], "{name}: {archive:#}");
    }
    let mut archives: Vec<&str> = artifacts
        .iter()
        .filter(|(_, artifact)| artifact["kind"] != "checksum")
        .map(|(name, artifact)| {
            assert!(
                ["executable-zip", "unified-checksum", "source-tarball"].contains(&artifact["kind"].as_str().unwrap()),
                "{name} is neither an archive nor a checksum nor the source: {artifact:#}"
            );
            name.as_str()
        })
        .filter(|name| name.starts_with("scangate-"))
        .collect();
    archives.sort_unstable();
    let mut expected: Vec<String> = TARGETS.iter().map(|t| format!("scangate-{t}.tar.xz")).collect();
    expected.sort_unstable();
    assert_eq!(archives, expected);

    // The release workflow's build matrix: one job per target, on a runner of that platform.
    let mut matrix: Vec<(String, String)> = plan["ci"]["github"]["artifacts_matrix"]["include"]
        .as_array()
        .expect("the GitHub build matrix")
        .iter()
        .map(|job| {
            assert_eq!(job["targets"].as_array().map(Vec::len), Some(1), "{job:#}");
            (
                job["targets"][0].as_str().unwrap().to_owned(),
                job["runner"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    matrix.sort_unstable();
    let targets: Vec<&str> = matrix.iter().map(|(target, _)| target.as_str()).collect();
    let mut wanted = TARGETS.to_vec();
    wanted.sort_unstable();
    assert_eq!(targets, wanted);
    for (target, runner) in &matrix {
        let platform = if target.contains("apple") { "macos-" } else { "ubuntu-" };
        assert!(runner.starts_with(platform), "{target} builds on {runner}");
        assert_eq!(
            runner.ends_with("-arm"),
            target == "aarch64-unknown-linux-gnu",
            "{target} builds on {runner}"
        );
    }

    // The image job is the generated workflow's publish job, calling image.yml with the plan.
    let workflow = std::fs::read_to_string(checkout().join(".github/workflows/release.yml")).unwrap();
    assert!(workflow.contains("uses: $/.github/workflows/image.yml"), "{workflow}");
}

/// What `dist build --artifacts=local --target=<target>` writes for a scangate release at
/// `version`: `(archive, checksum file)` in the returned directory's `target/distrib/`. The
/// package is a stand-in whose `scangate` prints `scangate <version>` (the real one's build with
/// the release profile, fat LTO and one codegen unit, is far too slow for a test on two cores),
/// packed under the checkout's own dist-workspace.toml, release workflow and profiles, so the
/// archive's name, layout and checksum file are the release's.
pub fn dist_build(dist: &Path, version: &str, target: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let cargo_toml: toml::Table = std::fs::read_to_string(checkout().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let repository = cargo_toml["workspace"]["package"]["repository"].as_str().unwrap();
    let mut package = toml::Table::new();
    package.insert("name".into(), "scangate".into());
    package.insert("version".into(), version.into());
    package.insert("edition".into(), "2021".into());
    package.insert("repository".into(), repository.into());
    let mut manifest = toml::Table::new();
    manifest.insert("package".into(), toml::Value::Table(package));
    manifest.insert(
        "bin".into(),
        toml::Value::Array(vec![toml::Value::Table(toml::Table::from_iter([
            ("name".to_owned(), "scangate".into()),
            ("path".to_owned(), "src/main.rs".into()),
        ]))]),
    );
    manifest.insert("workspace".into(), toml::Value::Table(toml::Table::new()));
    manifest.insert("profile".into(), cargo_toml["profile"].clone());
    std::fs::write(root.join("Cargo.toml"), toml::to_string(&manifest).unwrap()).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/main.rs"),
        format!("fn main() {{\n    println!(\"scangate {version}\");\n}}\n"),
    )
    .unwrap();
    std::fs::write(root.join("README.md"), "scangate (a stand-in for the release test)\n").unwrap();
    std::fs::copy(checkout().join("dist-workspace.toml"), root.join("dist-workspace.toml")).unwrap();
    std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
    for workflow in ["release.yml", "image.yml"] {
        std::fs::copy(
            checkout().join(".github/workflows").join(workflow),
            root.join(".github/workflows").join(workflow),
        )
        .unwrap();
    }
    let lockfile = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(root)
        .output()
        .expect("cargo runs");
    assert!(
        lockfile.status.success(),
        "{}",
        String::from_utf8_lossy(&lockfile.stderr)
    );

    let built = run_dist(
        dist,
        root,
        &[
            "build",
            &format!("--tag=v{version}"),
            "--artifacts=local",
            &format!("--target={target}"),
            "--output-format=json",
        ],
    );
    let manifest: serde_json::Value = serde_json::from_slice(&built.stdout).expect("dist build prints JSON");
    let mut uploads: Vec<PathBuf> = manifest["upload_files"]
        .as_array()
        .expect("upload_files")
        .iter()
        .map(|path| PathBuf::from(path.as_str().unwrap()))
        .collect();
    uploads.sort();
    let archive = root.join(format!("target/distrib/scangate-{target}.tar.xz"));
    let checksum = root.join(format!("target/distrib/scangate-{target}.tar.xz.sha256"));
    assert_eq!(uploads, [archive.clone(), checksum.clone()], "dist build uploads");
    (dir, archive, checksum)
}
