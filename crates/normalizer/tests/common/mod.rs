//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::print_stderr)]

use std::path::PathBuf;

use serde_json::Value;

/// This crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `shared/` beside the repository, when present. The repository is the workspace root (the
/// directory holding Cargo.lock): this file serves the normalizer's tests and the e2e tests,
/// whose manifests sit at different depths. Under `CI=true` a missing file fails the test: a
/// check that cannot run is never a pass there; elsewhere the test skips it, loudly.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let crate_dir = crate_dir();
    let root = crate_dir
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .expect("the crate is inside the workspace");
    let path = root.join("../shared").join(rel);
    if path.exists() {
        Some(path)
    } else if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!(
            "{} is absent (shared/ is not beside the repository), and CI=true: the check cannot be skipped",
            path.display()
        );
    } else {
        eprintln!(
            "!!!!! SKIPPED: {} is absent (shared/ is not beside the repository) !!!!!",
            path.display()
        );
        None
    }
}

/// The number of findings a tool reported, counted from its raw JSON independently of the parsers.
pub fn reported_count(tool: &str, output: &[u8]) -> usize {
    let value: Value = serde_json::from_slice(output).expect("valid JSON");
    let len = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
    match tool {
        "gitleaks" => value.as_array().map_or(0, Vec::len),
        "semgrep" => len(value.get("results")),
        "gosec" => len(value.get("Issues")),
        "trivy" => value["Results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                len(r.get("Vulnerabilities"))
                    + len(r.get("Secrets"))
                    + r["Misconfigurations"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|m| m["Status"] != "PASS")
                        .count()
            })
            .sum(),
        "osv-scanner" => value["results"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["packages"].as_array().into_iter().flatten())
            .map(|p| {
                if len(p.get("groups")) > 0 {
                    len(p.get("groups"))
                } else {
                    len(p.get("vulnerabilities"))
                }
            })
            .sum(),
        "npm-audit" => match value.get("vulnerabilities").and_then(Value::as_object) {
            Some(map) => map
                .values()
                .flat_map(|v| v["via"].as_array().into_iter().flatten())
                .filter(|via| via.is_object())
                .count(),
            None => value
                .get("advisories")
                .and_then(Value::as_object)
                .map_or(0, |m| m.len()),
        },
        other => panic!("unknown tool {other}"),
    }
}
