//! Shared builders: findings constructed directly through the model, tools, policies from text.
#![allow(dead_code)]

use scangate_gate::{Category, Date, Level, Policy, PolicyError, PolicySources, SourceFile, ToolOutcome, ToolStatus};
use scangate_normalizer::{Finding, Kind, Location, NativeSuppression, Package, Severity};

pub fn today() -> Date {
    Date::parse("2025-06-01").unwrap()
}

pub fn level(n: u8) -> Level {
    Level::new(n).unwrap()
}

/// A fingerprint from a short tag, shaped like a real one (64 hex digits).
pub fn fp(tag: u8) -> String {
    format!("{tag:02x}").repeat(32)
}

pub fn finding(tool: &str, rule: &str, severity: Severity, path: &str, tag: u8) -> Finding {
    let mut finding = Finding::new(tool, Kind::Code, rule, severity);
    finding.title = rule.to_string();
    finding.message = format!("{rule} in {path}");
    finding.location = Some(Location {
        path: path.to_string(),
        start_line: Some(1),
        end_line: Some(1),
        start_column: None,
        end_column: None,
    });
    finding.fingerprint = fp(tag);
    finding
}

pub fn dependency(id: &str, alias: &str, package: &str, severity: Severity, tag: u8) -> Finding {
    Finding {
        kind: Kind::Dependency,
        vulnerability_ids: vec![id.to_string(), alias.to_string()],
        package: Some(Package {
            ecosystem: "npm".into(),
            name: package.into(),
            version: Some("1.0.0".into()),
            fixed_version: None,
        }),
        ..finding("osv-scanner", id, severity, "package-lock.json", tag)
    }
}

pub fn natively_suppressed(mut finding: Finding) -> Finding {
    finding.native_suppression = Some(NativeSuppression {
        kind: "nosec".into(),
        justification: None,
        origin: None,
    });
    finding
}

pub fn tool(name: &str, categories: &[Category], status: ToolStatus, applies: bool) -> ToolOutcome {
    ToolOutcome {
        name: name.into(),
        categories: categories.to_vec(),
        status,
        applies,
        reason: (status != ToolStatus::Ok).then(|| "test".to_string()),
        partial: None,
        gaps: Vec::new(),
        uncovered: Vec::new(),
        unanalysed: Vec::new(),
        tested_kinds: Vec::new(),
    }
}

/// All six scanners ran fine: every category has two analyzers except secrets.
pub fn all_ok() -> Vec<ToolOutcome> {
    use Category::*;
    vec![
        tool("gitleaks", &[Secrets], ToolStatus::Ok, true),
        tool("semgrep", &[Sast], ToolStatus::Ok, true),
        tool("gosec", &[Sast], ToolStatus::Ok, true),
        tool("trivy", &[Dependencies, Infrastructure], ToolStatus::Ok, true),
        tool("osv-scanner", &[Dependencies], ToolStatus::Ok, true),
        tool("npm-audit", &[Dependencies], ToolStatus::Ok, true),
    ]
}

pub fn with_status(mut tools: Vec<ToolOutcome>, name: &str, status: ToolStatus, applies: bool) -> Vec<ToolOutcome> {
    let tool = tools.iter_mut().find(|t| t.name == name).unwrap();
    tool.status = status;
    tool.applies = applies;
    tool.reason = Some("test".into());
    tools
}

pub fn resolve(cli: u8, policy: Option<&str>, repo: Option<&str>) -> Result<Policy, PolicyError> {
    let sources = PolicySources {
        policy_file: policy.map(|text| SourceFile::new("policy.toml", text)),
        repo_config: repo.map(|text| SourceFile::new("repo/scangate.toml", text)),
        cli_level: Level::new(cli),
        ..PolicySources::default()
    };
    Policy::resolve(&sources, today())
}

pub fn policy(cli: u8, text: &str) -> Policy {
    resolve(cli, Some(text), None).unwrap_or_else(|error| panic!("policy should load:\n{error}"))
}

pub fn error(cli: u8, text: &str) -> String {
    match resolve(cli, Some(text), None) {
        Ok(_) => panic!("policy should be rejected:\n{text}"),
        Err(error) => error.to_string(),
    }
}
