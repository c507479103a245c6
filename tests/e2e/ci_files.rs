//! The files that put scangate into CI systems: action.yml and the workflow (actionlint, zizmor),
//! the GitLab template (GitLab's CI schema), the pre-commit hook definition, and the Dockerfile
//! (hadolint, and its scanner versions coming from tools.toml). The linters are installed by
//! scripts/install-lint-tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{checkout, require_scanner};

/// The linter's executable: the project-local one when installed, else the one on PATH.
/// `None` (the test is skipped, loudly) when it is missing outside CI.
fn linter(name: &str) -> Option<PathBuf> {
    if !require_scanner(name) {
        return None;
    }
    let local = std::env::var_os("SCANGATE_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| checkout().join(".tools"))
        .join("bin")
        .join(name);
    Some(if local.exists() { local } else { PathBuf::from(name) })
}

/// Runs `program args` in the checkout and fails with its output unless it exits 0.
fn assert_passes(program: &Path, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .current_dir(checkout())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    assert!(
        output.status.success(),
        "{} {} exited {:?}\n--- stdout\n{}\n--- stderr\n{}",
        program.display(),
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read(path: &str) -> String {
    std::fs::read_to_string(checkout().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn workflow_and_action_pass_actionlint() {
    let Some(actionlint) = linter("actionlint") else { return };
    // The workflow runs the action with `uses: ./`, so actionlint checks action.yml's inputs too.
    assert_passes(
        &actionlint,
        &[
            ".github/workflows/ci.yml",
            ".github/workflows/scangate-fanout.yml",
            ".github/workflows/release.yml",
            ".github/workflows/image.yml",
        ],
    );
}

#[test]
fn workflow_and_action_pass_zizmor() {
    let Some(zizmor) = linter("zizmor") else { return };
    assert_passes(
        &zizmor,
        &[
            "--offline",
            "action.yml",
            ".github/workflows/ci.yml",
            ".github/workflows/scangate-fanout.yml",
            ".github/workflows/release.yml",
            ".github/workflows/image.yml",
        ],
    );
}

#[test]
fn every_action_is_pinned_by_commit() {
    for file in [
        "action.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/scangate-fanout.yml",
        ".github/workflows/release.yml",
        ".github/workflows/image.yml",
    ] {
        for line in read(file).lines() {
            let Some(reference) = line.trim().trim_start_matches("- ").strip_prefix("uses:") else {
                continue;
            };
            let reference = reference.split('#').next().unwrap_or_default().trim();
            // `./` and `$/` (GitHub's self-repository syntax) name a file of this repository.
            if reference.starts_with("./") || reference.starts_with("$/") {
                continue;
            }
            let sha = reference.rsplit_once('@').map_or("", |(_, sha)| sha);
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{file}: `{reference}` is not pinned to a full commit SHA"
            );
        }
    }
}

#[test]
fn gitlab_template_passes_gitlab_ci_schema() {
    let Some(check) = linter("check-jsonschema") else {
        return;
    };
    assert_passes(
        &check,
        &[
            "--builtin-schema",
            "vendor.gitlab-ci",
            "ci/gitlab/scangate.gitlab-ci.yml",
            "ci/gitlab/scangate-fanout.gitlab-ci.yml",
        ],
    );
}

#[test]
fn gitlab_template_declares_every_report() {
    let template = read("ci/gitlab/scangate.gitlab-ci.yml");
    assert!(template.contains("--gitlab-dir gl-reports"));
    for (kind, file) in [
        ("sast", "gl-sast-report.json"),
        ("secret_detection", "gl-secret-detection-report.json"),
        ("dependency_scanning", "gl-dependency-scanning-report.json"),
        ("codequality", "gl-code-quality-report.json"),
    ] {
        assert!(
            template.contains(&format!("{kind}: gl-reports/{file}")),
            "artifacts:reports:{kind} should point at gl-reports/{file}"
        );
    }
}

/// pre-commit reads `.pre-commit-hooks.yaml` as a list of hooks; this checks the fields it needs
/// (pre-commit publishes no JSON Schema for the file).
#[test]
fn pre_commit_hook_is_well_formed() {
    let Some(check) = linter("check-jsonschema") else {
        return;
    };
    let schema = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        schema.path(),
        r#"{
          "type": "array", "minItems": 1,
          "items": {
            "type": "object",
            "required": ["id", "name", "entry", "language"],
            "properties": {
              "id": {"const": "scangate"},
              "entry": {"const": "scangate scan --staged"},
              "language": {"enum": ["system", "rust"]},
              "pass_filenames": {"type": "boolean"},
              "always_run": {"type": "boolean"},
              "stages": {"type": "array", "items": {"type": "string"}}
            }
          }
        }"#,
    )
    .expect("write schema");
    let schema = schema.path().to_str().expect("UTF-8 temp path");
    assert_passes(&check, &["--schemafile", schema, ".pre-commit-hooks.yaml"]);
}

#[test]
fn dockerfile_passes_hadolint() {
    let Some(hadolint) = linter("hadolint") else { return };
    assert_passes(&hadolint, &["docker/Dockerfile"]);
}

/// The image installs exactly the pinned scanners because it runs the same installer
/// (`scangate install`, which scripts/install-scanners wraps) on the same pin file; a version
/// written into the Dockerfile would drift from tools.toml.
#[test]
fn dockerfile_takes_scanner_versions_from_the_pin_file() {
    let dockerfile = read("docker/Dockerfile");
    let pins: toml::Table = read("tools.toml").parse().expect("tools.toml parses");
    assert_eq!(pins.len(), 6, "six scanners pinned");
    for (tool, spec) in &pins {
        let version = spec["version"].as_str().expect("version is a string");
        assert!(
            !contains_version(&dockerfile, version),
            "docker/Dockerfile names {tool}'s version {version}: take it from tools.toml"
        );
    }
    assert!(
        dockerfile.contains("COPY tools.toml"),
        "the pin file goes into the image build"
    );
    assert!(
        dockerfile.contains("scangate install --tools-dir"),
        "scanners come from scangate's installer"
    );
    assert!(
        dockerfile.contains(r#"["npm-audit"]["version"]"#),
        "npm's major version is read from tools.toml"
    );
    assert!(dockerfile.contains("ENTRYPOINT [\"scangate\"]"));
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("the image sets a user");
    assert!(
        !user.starts_with("0") && !user.starts_with("root"),
        "runs as non-root, not {user}"
    );
}

/// `version` appears as a whole version number (not inside a longer one, such as 11 in 1.11.0).
fn contains_version(text: &str, version: &str) -> bool {
    let is_version_char = |c: char| c.is_ascii_digit() || c == '.';
    text.match_indices(version).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + version.len()..].chars().next();
        !before.is_some_and(is_version_char) && !after.is_some_and(is_version_char)
    })
}

#[test]
fn version_matching_ignores_longer_numbers() {
    assert!(contains_version("npm@11 ", "11"));
    assert!(contains_version("gosec v2.28.0\n", "2.28.0"));
    assert!(!contains_version("uid 10011", "11"));
    assert!(!contains_version("1.11.0", "11"));
    assert!(!contains_version("12.28.0", "2.28.0"));
}

/// The schemas the project's GitHub workflow fetches before the tests (`scripts/fetch-schemas`),
/// here from a local mirror of their public homes: each lands where the tests look, a second run
/// fetches nothing, and a copy whose SHA-256 differs from the pin is refused and not written.
#[test]
fn fetch_schemas_writes_only_what_its_pins_match() {
    let names = [
        "sarif/sarif-schema-2.1.0.json",
        "gitlab/sast-report-format.json",
        "gitlab/secret-detection-report-format.json",
        "gitlab/dependency-scanning-report-format.json",
        "gitlab/codeclimate.json",
    ];
    let mirror = tempfile::tempdir().unwrap();
    for name in names {
        let Some(source) = crate::normalizer_common::shared(&format!("schemas/{name}")) else {
            return;
        };
        let copy = mirror.path().join(name);
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::copy(&source, &copy).unwrap();
    }
    let dest = tempfile::tempdir().unwrap();
    let fetch = || {
        Command::new(checkout().join("scripts/fetch-schemas"))
            .arg("--dest")
            .arg(dest.path())
            .arg("--mirror")
            .arg(format!("file://{}", mirror.path().display()))
            .output()
            .unwrap()
    };
    let first = fetch();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    for name in names {
        let fetched = std::fs::read(dest.path().join(name)).unwrap();
        assert_eq!(fetched, std::fs::read(mirror.path().join(name)).unwrap(), "{name}");
    }
    let again = fetch();
    assert!(
        again.status.success() && again.stdout.is_empty(),
        "nothing to fetch twice"
    );

    std::fs::remove_file(dest.path().join("gitlab/codeclimate.json")).unwrap();
    let mut tampered = std::fs::read(mirror.path().join("gitlab/codeclimate.json")).unwrap();
    tampered.extend_from_slice(b" ");
    std::fs::write(mirror.path().join("gitlab/codeclimate.json"), tampered).unwrap();
    let refused = fetch();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("gitlab/codeclimate.json") && stderr.contains("expected 66b43685"),
        "{stderr}"
    );
    assert!(
        !dest.path().join("gitlab/codeclimate.json").exists(),
        "a tampered copy is not written"
    );
}
