//! The Finding model: what every scanner's report becomes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// scangate's one severity scale, ordered `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational; blocks only at DSOMM level 5.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase label used in reports and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase label.
    pub fn parse(label: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == label)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of problem a finding is; decides which GitLab report it lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A credential in the code or history.
    Secret,
    /// A weakness in first-party code.
    Code,
    /// A vulnerable third-party package.
    Dependency,
    /// A misconfigured infrastructure file.
    Misconfiguration,
}

/// What a scanner checks: one type for the runner (what each scanner covers), the gate (what a
/// level requires) and the reports. DSOMM levels require categories, not particular tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Credentials committed to the repository.
    Secrets,
    /// Static analysis of first-party source code.
    Sast,
    /// Known vulnerabilities in third-party packages.
    Dependencies,
    /// Misconfigured Dockerfiles, Kubernetes, Terraform, CloudFormation.
    Infrastructure,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 4] = [
        Category::Secrets,
        Category::Sast,
        Category::Dependencies,
        Category::Infrastructure,
    ];

    /// The category named by [`Category::as_str`].
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|category| category.as_str() == name)
    }

    /// The name used in policies and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secrets => "secrets",
            Category::Sast => "sast",
            Category::Dependencies => "dependencies",
            Category::Infrastructure => "infrastructure",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in the repository. Paths are repository-relative with `/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// 1-based first line, when known.
    pub start_line: Option<u64>,
    /// 1-based last line (inclusive), when known.
    pub end_line: Option<u64>,
    /// 1-based first column, when known.
    pub start_column: Option<u64>,
    /// 1-based column just past the end (SARIF's exclusive `endColumn`), when known.
    pub end_column: Option<u64>,
}

impl std::fmt::Display for Location {
    /// `path:line`, or the path alone when the line is unknown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.start_line {
            Some(line) => write!(f, "{}:{line}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// The package a dependency finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Ecosystem as OSV names it (`npm`, `Go`, `PyPI`, ...).
    pub ecosystem: String,
    /// Package name.
    pub name: String,
    /// Installed version, when known.
    pub version: Option<String>,
    /// The version that fixes the installed one (the fix of its affected range, never a
    /// downgrade), when known.
    pub fixed_version: Option<String>,
}

/// A tool-native suppression (`#nosec`, `nosemgrep`, `.gitleaksignore`, `.trivyignore`,
/// osv-scanner.toml) that the scanner reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeSuppression {
    /// Which mechanism (`nosec`, `nosemgrep`, ...).
    pub kind: String,
    /// The justification written beside it, if any.
    pub justification: Option<String>,
    /// Where the suppression is written, when known: every report names it, and pull-request
    /// mode refuses one that the change itself adds.
    pub origin: Option<SuppressionOrigin>,
}

/// Where a suppression is written: a line of a repository file (the ignore comment, the
/// ignore-file entry), or a whole file when no line can be told.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SuppressionOrigin {
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
}

impl SuppressionOrigin {
    /// An origin at a line of a file.
    pub fn at(path: impl Into<String>, line: u64) -> SuppressionOrigin {
        SuppressionOrigin {
            path: path.into(),
            line: Some(line),
        }
    }

    /// An origin naming a whole file.
    pub fn file(path: impl Into<String>) -> SuppressionOrigin {
        SuppressionOrigin {
            path: path.into(),
            line: None,
        }
    }
}

impl std::fmt::Display for SuppressionOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// One problem, from one or more scanners, on scangate's scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Tools that reported it (more than one after cross-tool dedup), canonical names.
    pub tools: Vec<String>,
    /// The rule id as the tool names it (without semgrep's directory prefix); for a dependency
    /// finding, after cross-tool dedup, the canonical advisory id (CVE, else GHSA, else any).
    pub rule_id: String,
    /// Short rule name or advisory title.
    pub title: String,
    /// What is wrong here. Never contains a secret value.
    pub message: String,
    /// Normalized severity.
    pub severity: Severity,
    /// The tool's own severity label (`ERROR`, `HIGH`, `moderate`, ...); empty when it has none.
    pub tool_severity: String,
    /// What kind of problem.
    pub kind: Kind,
    /// Where, when the tool says.
    pub location: Option<Location>,
    /// CWE ids (`CWE-78`).
    pub cwes: Vec<String>,
    /// Vulnerability ids and aliases (`CVE-…`, `GHSA-…`), primary first.
    pub vulnerability_ids: Vec<String>,
    /// The package, for dependency findings.
    pub package: Option<Package>,
    /// CVSS base score, when the tool gives one.
    pub cvss_score: Option<f64>,
    /// Tool confidence (`high`, `medium`, `low`), kept as SARIF `precision`.
    pub confidence: Option<String>,
    /// Longer help text.
    pub help: Option<String>,
    /// A link to the rule or advisory.
    pub help_uri: Option<String>,
    /// `partialFingerprints["scangate/v1"]`: hex sha256 that survives line shifts.
    pub fingerprint: String,
    /// A tool-native suppression the tool reported.
    pub native_suppression: Option<NativeSuppression>,
    /// The commit that added it, for a finding in git history (gitleaks' history mode): pull
    /// request mode holds a secret added by any commit of the change as the change's, even when
    /// a later commit removed or moved its file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Each tool's own report, when several code scanners reported this one weakness (cross-tool
    /// dedup): the gate judges every report by its own rule's overrides and suppressions and its
    /// own ignore comment, so one tool's ignore never hides another tool's report. Empty for a
    /// finding one tool reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<ToolReport>,
}

/// One tool's report of a code finding that several tools made: what that tool said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolReport {
    /// The tool, canonical name.
    pub tool: String,
    /// Its rule id.
    pub rule_id: String,
    /// Its severity, on scangate's scale.
    pub severity: Severity,
    /// Its own severity label.
    pub tool_severity: String,
    /// Its own ignore comment, when it reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_suppression: Option<NativeSuppression>,
}

impl Finding {
    /// A finding from `tool` with the fields every finding has; the rest start empty (no
    /// location, ids, package, help or fingerprint yet).
    pub fn new(tool: &str, kind: Kind, rule_id: impl Into<String>, severity: Severity) -> Finding {
        Finding {
            tools: vec![tool.to_owned()],
            rule_id: rule_id.into(),
            title: String::new(),
            message: String::new(),
            severity,
            tool_severity: String::new(),
            kind,
            location: None,
            cwes: Vec::new(),
            vulnerability_ids: Vec::new(),
            package: None,
            cvss_score: None,
            confidence: None,
            help: None,
            help_uri: None,
            fingerprint: String::new(),
            native_suppression: None,
            commit: None,
            reports: Vec::new(),
        }
    }

    /// The finding as each tool reported it: itself, or, when several tools did, one finding per
    /// [`ToolReport`] with that tool's rule, severity and ignore comment (and the shared place,
    /// fingerprint and everything else). What the gate judges one report at a time.
    pub fn as_reported(&self) -> Vec<std::borrow::Cow<'_, Finding>> {
        if self.reports.is_empty() {
            return vec![std::borrow::Cow::Borrowed(self)];
        }
        self.reports
            .iter()
            .map(|report| {
                let mut alone = self.clone();
                alone.reports = Vec::new();
                alone.tools = vec![report.tool.clone()];
                alone.rule_id = report.rule_id.clone();
                alone.severity = report.severity;
                alone.tool_severity = report.tool_severity.clone();
                alone.native_suppression = report.native_suppression.clone();
                std::borrow::Cow::Owned(alone)
            })
            .collect()
    }
}
