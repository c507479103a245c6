//! The shipped example repository: plan, doctor, and a scan with all six real scanners.

use crate::support::{
    assert_exit, checkout, example_copy, read_summary, require_all_scanners, tool_entry, FakeTools, OfflineServices,
    Scangate,
};

const ALL_TOOLS: [&str; 6] = ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"];

#[test]
fn doctor_finds_every_scanner_at_its_pin() {
    if !require_all_scanners() {
        return;
    }
    let output = Scangate::new(["doctor"]).run();
    assert_exit(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pins: toml::Table = std::fs::read_to_string(checkout().join("tools.toml"))
        .unwrap()
        .parse()
        .unwrap();
    for tool in ALL_TOOLS {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{tool} ")))
            .unwrap_or_else(|| panic!("{stdout}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        let pin = pins[tool]["version"].as_str().unwrap();
        assert_eq!(fields[1], "yes", "{line}");
        assert_eq!(fields[3], pin, "{line}");
        assert!(fields[2] == pin || fields[2].starts_with(&format!("{pin}.")), "{line}");
    }
}

#[test]
fn plan_names_all_six_with_trigger_and_argv() {
    let example = checkout().join("examples/vulnerable-app");
    let output = Scangate::new(["plan".as_ref(), example.as_os_str(), "--json".as_ref()]).run();
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan --json prints JSON");
    let runs = plan["runs"].as_array().unwrap();
    let expected_triggers = [
        ("gitleaks", "always (files, no git history)"),
        ("semgrep", "config/settings.py"),
        ("gosec", "go.mod"),
        ("trivy", "Dockerfile"),
        ("osv-scanner", "go.mod"),
        ("npm-audit", "package-lock.json"),
    ];
    assert_eq!(runs.len(), 6, "{plan:#}");
    for (run, (tool, trigger)) in runs.iter().zip(expected_triggers) {
        assert_eq!(run["tool"], tool);
        assert_eq!(run["trigger"], trigger, "{run}");
        let argv: Vec<&str> = run["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(
            argv.len() > 2 && argv[0].ends_with(if tool == "npm-audit" { "npm" } else { tool }),
            "{argv:?}"
        );
    }
    assert!(plan["not_run"].as_array().unwrap().is_empty());
}

#[test]
fn plan_runs_nothing() {
    let tools = FakeTools::new();
    let marker = tools.dir().join("ran");
    for name in ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm"] {
        tools.add(name, &format!("touch '{}'", marker.display()));
    }
    let example = checkout().join("examples/vulnerable-app");
    let output = Scangate::new(["plan".as_ref(), example.as_os_str()])
        .env("SCANGATE_TOOLS_DIR", tools.dir())
        .run();
    assert_exit(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for tool in ALL_TOOLS {
        assert!(stdout.contains(&format!("\n{tool} (applies)")), "{stdout}");
    }
    assert!(!marker.exists(), "plan started a scanner");
}

#[test]
fn scan_runs_all_six_real_scanners() {
    if !require_all_scanners() {
        return;
    }
    let services = OfflineServices::start();
    let example = example_copy();
    let summary_path = example.path().join("summary.json");
    let mut args: Vec<std::ffi::OsString> = vec![
        "scan".into(),
        example.path().into(),
        "--summary-json".into(),
        summary_path.clone().into(),
    ];
    args.extend(services.scan_flags());
    let output = Scangate::new(args).run();
    let summary = read_summary(&summary_path);
    assert_ne!(output.status.code(), Some(2), "{summary:#}");
    crate::support::assert_summary_schema(&summary);
    assert!(summary["wall_ms"].as_u64().unwrap() > 0);
    let pins: toml::Table = std::fs::read_to_string(checkout().join("tools.toml"))
        .unwrap()
        .parse()
        .unwrap();
    for tool in ALL_TOOLS {
        let entry = tool_entry(&summary, tool);
        assert_eq!(entry["status"], "ok", "{entry}");
        let version = entry["version"].as_str().unwrap();
        assert!(version.starts_with(pins[tool]["version"].as_str().unwrap()), "{entry}");
        assert!(entry["duration_ms"].as_u64().unwrap() > 0, "{entry}");
    }
}
