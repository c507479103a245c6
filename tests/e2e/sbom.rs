//! Issue 10 §4: `--sbom FILE` writes a CycloneDX JSON SBOM of the repository's dependencies,
//! made by the real trivy offline, validated by cyclonedx-python-lib's schema validator
//! (`scripts/cyclonedx-validate`, installed by `scripts/install-test-tools`); a trivy that cannot
//! make one ends the scan in exit 2; the repository's `trivy.yaml` cannot thin it out.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{
    assert_exit, checkout, example_copy, fake_gitleaks, fake_scan, read_summary, require_installed_file,
    require_scanner, text_only_repo, tools_dir, Scangate,
};

/// The test venv's python, which has cyclonedx-python-lib; `None` (skip, loudly) outside CI.
fn cyclonedx_validator() -> Option<PathBuf> {
    let python = tools_dir().join("test-venv/bin/python");
    require_installed_file(&python, "the CycloneDX validator").then_some(python)
}

/// `scangate scan REPO --tools gitleaks --offline --sbom OUT/sbom/bom.json`, in a fresh output
/// directory; returns the run, the SBOM path and the summary path.
fn scan_with_sbom(repo: &Path, out: &Path) -> (std::process::Output, PathBuf, PathBuf) {
    let sbom = out.join("sbom/bom.json");
    let summary = out.join("summary.json");
    let args: Vec<OsString> = vec![
        "scan".into(),
        repo.into(),
        "--tools".into(),
        "gitleaks".into(),
        "--offline".into(),
        "--no-gate".into(),
        "--sbom".into(),
        sbom.clone().into(),
        "--sarif".into(),
        out.join("scan.sarif").into(),
        "--summary-json".into(),
        summary.clone().into(),
        "--evidence".into(),
        sbom.with_file_name("evidence.json").into(),
    ];
    (Scangate::new(args).run(), sbom, summary)
}

fn components(sbom: &serde_json::Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = sbom["components"]
        .as_array()
        .expect("components[]")
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["version"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_sbom_lists_the_dependencies_validates_and_is_recorded_by_hash() {
    if !(require_scanner("gitleaks") && require_scanner("trivy")) {
        return;
    }
    let repo = example_copy();
    // A repository's trivy.yaml would hide the lockfile from trivy; scangate never reads it.
    repo.write(
        "trivy.yaml",
        "scan:\n  skip-files:\n    - package-lock.json\n    - go.mod\n",
    );
    let out = tempfile::tempdir().unwrap();
    let (output, sbom_path, summary_path) = scan_with_sbom(repo.path(), out.path());
    assert_exit(&output, 0);
    let bytes = std::fs::read(&sbom_path).expect("the SBOM is written, its directory created");
    let sbom: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(
        components(&sbom),
        [
            // go.mod's own module, then package-lock.json's packages.
            ("example.com/vulnerable-app".to_owned(), String::new()),
            ("lodash".to_owned(), "4.17.15".to_owned()),
            ("minimist".to_owned(), "1.2.5".to_owned())
        ]
    );
    let purls: Vec<&str> = sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    assert!(purls.contains(&"pkg:npm/lodash@4.17.15"), "{purls:?}");
    let recorded = read_summary(&summary_path)["sbom"].clone();
    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sbom_path.with_file_name("evidence.json")).unwrap()).unwrap();
    assert_eq!(
        evidence["sbom"], recorded,
        "the evidence records the SBOM as the summary does"
    );
    let sbom_activity = evidence["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["uuid"] == "2858ac12-0179-40d9-9acf-1b839c030473")
        .expect("SBOM of components is evidenced");
    assert_eq!(sbom_activity["claim"], "evidenced");
    assert_eq!(recorded["sha256"], scangate_sha256(&bytes), "{recorded:#}");
    assert_eq!(recorded["components"], sbom["components"].as_array().unwrap().len());
    assert_eq!(
        recorded["format"],
        format!("CycloneDX {}", sbom["specVersion"].as_str().unwrap())
    );
    let Some(python) = cyclonedx_validator() else {
        return;
    };
    let validation = Command::new(python)
        .arg(checkout().join("scripts/cyclonedx-validate"))
        .arg(&sbom_path)
        .output()
        .unwrap();
    assert!(
        validation.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validation.stdout),
        String::from_utf8_lossy(&validation.stderr)
    );
}

/// sha256 in hex, computed with `sha256sum`, independent of scangate's own hashing.
fn scangate_sha256(bytes: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let output = Command::new("sha256sum").arg(file.path()).output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn an_sbom_trivy_cannot_make_ends_in_exit_2() {
    for (body, reason) in [
        (
            "echo 'FATAL cannot analyze' >&2; exit 1",
            "trivy exited with 1 writing the SBOM: FATAL cannot analyze",
        ),
        (
            r#"while [ $# -gt 0 ]; do [ "$1" = --output ] && echo '{"spdxVersion":"SPDX-2.3"}' > "$2"; shift; done"#,
            "trivy's SBOM is not a CycloneDX JSON document",
        ),
    ] {
        let tools = fake_gitleaks(r#"echo '[]' > "$report"; exit 0"#);
        tools.add(
            "trivy",
            &format!("[ \"$1\" = --version ] && {{ echo 'Version: 0.74.0'; exit 0; }}\n{body}"),
        );
        let repo = text_only_repo();
        let sbom = repo.path().join("bom.json");
        let output = fake_scan(&tools, &repo, &["--sbom", sbom.to_str().unwrap()]).run();
        assert_exit(&output, 2);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{stderr}");
        assert!(stderr.contains("cannot write the SBOM"), "{stderr}");
        assert!(!sbom.exists());
    }
}
