/*!
trivy `--format json` (schema 2).

# Output shape
`{"SchemaVersion": 2, "Trivy": {"Version"}, "ArtifactName", "Results": [{Target, Class, Type,
Packages[], Vulnerabilities[], Misconfigurations[], Secrets[]}]}`. Vulnerabilities:
`VulnerabilityID, PkgID, PkgName, InstalledVersion, FixedVersion, Severity, Title, Description,
CweIDs, CVSS{source: {V3Score, V2Score}}, PrimaryURL`. Misconfigurations: `ID, AVDID, Title,
Description, Message, Resolution, Severity, PrimaryURL, Status, CauseMetadata{Resource,
StartLine, EndLine}`. Secrets: `RuleID, Category, Severity, Title, StartLine, EndLine, Match`.

# Severity
CRITICAL, HIGH, MEDIUM, LOW map directly. UNKNOWN (or anything else) → the bucket of the highest
CVSS score any source gives (V3 preferred, V2 otherwise), else medium.

# Fingerprint
Vulnerabilities: lockfile (`Target`) + ecosystem + package name + installed version + canonical
vulnerability id (see [`crate::canonical_vulnerability_id`]; no line, so it survives line shifts).
Trivy reports each installed version (`PkgID` `name@version`) on its own, so two versions of a
package in one lockfile are two findings. Misconfigurations: target + the id
normalized (`DS-0002`, `DS002` and `AVD-DS-0002` are all `DS2`) + `CauseMetadata.Resource`.
Secrets: rule + target + the masked `Match` text (trivy masks the secret with `*`).

# Fixed version
`FixedVersion` can list several releases (`"2.2.3, 3.0.1, 3.1.1"`, one per release line): the lowest
one above `InstalledVersion` is the fix, never a downgrade (see `crate::version`).

# Known traps
`Packages[]` (from `--list-all-pkgs`) are not findings; their `Locations` give the lockfile line of
a vulnerable package. Misconfigurations with `Status` `PASS` (from `--include-non-failures`) are
not findings. Secret `Code.Lines` may carry unmasked neighbouring lines, so no secret field other
than the masked `Match` and the title is read. Targets are relative to the scanned directory.
Result `Type` names the package manager (`gomod`, `pip`, …), mapped to OSV ecosystem names so
dedup meets osv-scanner and npm audit.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (trivy 0.74.0 on examples/vulnerable-app).
Shapes from shared/samples/trivy (npm, dockerfile, secrets, terraform goldens).
*/

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::{cwe_id, from_json, Parser, Text};
use crate::fingerprint::hash;
use crate::{
    paths, severity_from_score, version, Context, Finding, Kind, Location, NativeSuppression, Package, ParseError,
    Parsed, Severity, SuppressionOrigin,
};

pub(crate) struct Trivy;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Report<'a> {
    #[serde(default, borrow)]
    results: Vec<TrivyResult<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyResult<'a> {
    #[serde(borrow)]
    target: Text<'a>,
    #[serde(default, rename = "Type", borrow)]
    kind: Text<'a>,
    /// `config` for a file its misconfiguration checks read (listed with none failed too).
    #[serde(default, borrow)]
    class: Text<'a>,
    #[serde(default, borrow)]
    packages: Vec<Pkg<'a>>,
    #[serde(default, borrow)]
    vulnerabilities: Vec<Vulnerability<'a>>,
    #[serde(default, borrow)]
    misconfigurations: Vec<Misconfiguration<'a>>,
    #[serde(default, borrow)]
    secrets: Vec<Secret<'a>>,
    /// With `--show-suppressed`: what `.trivyignore` / `.trivyignore.yaml` (or VEX) suppressed.
    #[serde(default, rename = "ExperimentalModifiedFindings", borrow)]
    suppressed: Vec<ModifiedFinding<'a>>,
}

/// A finding trivy suppressed, with the file that suppressed it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifiedFinding<'a> {
    #[serde(rename = "Type", borrow)]
    kind: Text<'a>,
    #[serde(default, borrow)]
    statement: Text<'a>,
    #[serde(default, borrow)]
    source: Text<'a>,
    /// The original finding; its shape depends on `kind`.
    finding: Box<serde_json::value::RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Pkg<'a> {
    #[serde(default, rename = "ID", borrow)]
    id: Text<'a>,
    #[serde(default)]
    locations: Vec<LineRange>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
struct LineRange {
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    end_line: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vulnerability<'a> {
    #[serde(rename = "VulnerabilityID", borrow)]
    id: Text<'a>,
    #[serde(default, rename = "PkgID", borrow)]
    pkg_id: Text<'a>,
    #[serde(default, borrow)]
    pkg_name: Text<'a>,
    #[serde(default, borrow)]
    installed_version: Text<'a>,
    #[serde(default, borrow)]
    fixed_version: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    description: Text<'a>,
    #[serde(default, rename = "CweIDs", borrow)]
    cwe_ids: Vec<Text<'a>>,
    #[serde(default, rename = "CVSS", borrow)]
    cvss: BTreeMap<Text<'a>, Cvss>,
    #[serde(default, rename = "PrimaryURL", borrow)]
    primary_url: Text<'a>,
    #[serde(default, rename = "VendorIDs", borrow)]
    vendor_ids: Vec<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Cvss {
    #[serde(default)]
    v3_score: Option<f64>,
    #[serde(default)]
    v2_score: Option<f64>,
    #[serde(default)]
    v40_score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Misconfiguration<'a> {
    #[serde(default, rename = "ID", borrow)]
    id: Text<'a>,
    #[serde(default, rename = "AVDID", borrow)]
    avd_id: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    description: Text<'a>,
    #[serde(default, borrow)]
    message: Text<'a>,
    #[serde(default, borrow)]
    resolution: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, rename = "PrimaryURL", borrow)]
    primary_url: Text<'a>,
    #[serde(default, borrow)]
    status: Text<'a>,
    #[serde(default, borrow)]
    cause_metadata: Cause<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Cause<'a> {
    #[serde(default, borrow)]
    resource: Text<'a>,
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    end_line: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Secret<'a> {
    #[serde(rename = "RuleID", borrow)]
    rule_id: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    end_line: u64,
    #[serde(default, rename = "Match", borrow)]
    matched: Text<'a>,
}

impl Parser for Trivy {
    fn name(&self) -> &'static str {
        "trivy"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let report: Report<'_> = from_json(self.name(), output)?;
        let mut findings = Vec::new();
        let mut tested_kinds: Vec<String> = Vec::new();
        for result in &report.results {
            let kind = result.kind.to_ascii_lowercase();
            if result.class.as_ref() == "config" && !kind.is_empty() && !tested_kinds.contains(&kind) {
                tested_kinds.push(kind);
            }
            let target = paths::relativize(&result.target, context);
            let lines: HashMap<&str, LineRange> = result
                .packages
                .iter()
                .filter_map(|p| p.locations.first().map(|l| (p.id.as_ref(), *l)))
                .collect();
            let ecosystem = ecosystem(&result.kind);
            findings.extend(
                result
                    .vulnerabilities
                    .iter()
                    .map(|v| vulnerability(v, &target, ecosystem, &lines)),
            );
            let failed: Vec<&Misconfiguration<'_>> = result
                .misconfigurations
                .iter()
                .filter(|m| !m.status.eq_ignore_ascii_case("PASS"))
                .collect();
            let inline = InlineIgnores::read(
                &target,
                !failed.is_empty() && honours_inline_ignores(&result.kind),
                context,
            );
            findings.extend(failed.into_iter().map(|m| {
                let mut finding = misconfiguration(m, &target, context);
                finding.native_suppression = inline.suppression(m, &target, context.today);
                finding
            }));
            findings.extend(result.secrets.iter().map(|s| secret(s, &target)));
            for modified in &result.suppressed {
                findings.extend(suppressed_finding(modified, &target, ecosystem, &lines, context)?);
            }
        }
        tested_kinds.sort();
        Ok(Parsed {
            findings,
            tested_kinds,
            ..Parsed::default()
        })
    }
}

/// A finding trivy suppressed natively, reported as suppressed so it stays visible.
fn suppressed_finding(
    modified: &ModifiedFinding<'_>,
    target: &str,
    ecosystem: &str,
    lines: &HashMap<&str, LineRange>,
    context: &Context<'_>,
) -> Result<Option<Finding>, ParseError> {
    let raw = modified.finding.get().as_bytes();
    let mut finding = match modified.kind.as_ref() {
        "vulnerability" => vulnerability(&from_json::<Vulnerability<'_>>("trivy", raw)?, target, ecosystem, lines),
        "misconfiguration" => misconfiguration(&from_json::<Misconfiguration<'_>>("trivy", raw)?, target, context),
        "secret" => secret(&from_json::<Secret<'_>>("trivy", raw)?, target),
        _ => return Ok(None),
    };
    let source = match modified.source.as_ref() {
        "" => DEFAULT_IGNORE_FILE.to_owned(),
        source => paths::relativize(source, context),
    };
    let entry = ignore_entry(&source, &finding, context);
    let statement = Some(modified.statement.trim().to_string()).filter(|s| !s.is_empty());
    finding.native_suppression = Some(NativeSuppression {
        kind: "trivyignore".to_owned(),
        justification: statement.or_else(|| entry.as_ref().and_then(|e| e.reason.clone())),
        origin: Some(match entry {
            Some(entry) => SuppressionOrigin::at(&source, entry.line),
            None => SuppressionOrigin::file(&source),
        }),
    });
    Ok(Some(finding))
}

/// The file types whose trivy 0.74 scanners honour inline ignore comments (`pkg/iac/ignore`) at
/// lines scangate can read: a Kubernetes manifest's comment hides nothing in trivy, so none applies
/// there either; in a Helm template trivy reads the comment in the rendered output, whose lines
/// scangate does not know, so none applies there (the runner still defuses them) and the findings
/// count.
fn honours_inline_ignores(kind: &str) -> bool {
    matches!(
        kind,
        "dockerfile" | "terraform" | "terraformplan-snapshot" | "cloudformation"
    )
}

/// The inline ignore comments (`# trivy:ignore:ID`) of a misconfigured file. trivy scanned a
/// copy with them defused (the runner), so it reported what they cover; here they are applied
/// as reported suppressions, at the comment's line (see [`crate::inline_ignores`]).
struct InlineIgnores {
    text: String,
    rules: Vec<crate::inline_ignores::TrivyIgnore>,
}

impl InlineIgnores {
    /// The comments in the repository's `target`, when `wanted`.
    fn read(target: &str, wanted: bool, context: &Context<'_>) -> InlineIgnores {
        let bytes = match wanted {
            true => super::read_file_bytes(target, context).unwrap_or_default(),
            false => Vec::new(),
        };
        InlineIgnores {
            rules: crate::inline_ignores::trivy_ignores(&bytes),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn suppression(&self, m: &Misconfiguration<'_>, target: &str, today: Option<&str>) -> Option<NativeSuppression> {
        let start = m.cause_metadata.start_line;
        if self.rules.is_empty() || start == 0 {
            return None;
        }
        let lines: Vec<&str> = self.text.lines().collect();
        let ids = [m.id.as_ref(), m.avd_id.as_ref()];
        let rule = self.rules.iter().find(|rule| rule.covers(&ids, start, &lines, today))?;
        Some(NativeSuppression {
            kind: rule.kind.clone(),
            justification: rule.reason.clone(),
            origin: Some(SuppressionOrigin::at(target, rule.line)),
        })
    }
}

/// The ignore file trivy reads from its working directory (the scanned root) by default.
const DEFAULT_IGNORE_FILE: &str = ".trivyignore";

/// An entry of a `.trivyignore`: its line, and its reason (a `#` comment after the id, else the
/// comment lines right above it).
struct IgnoreEntry {
    line: u64,
    reason: Option<String>,
}

/// The `.trivyignore` line that names one of the finding's ids (a `.trivyignore.yaml` names them
/// in `id:` keys), so reports can point at it.
fn ignore_entry(source: &str, finding: &Finding, context: &Context<'_>) -> Option<IgnoreEntry> {
    let text = String::from_utf8(super::read_file_bytes(source, context)?).ok()?;
    let names_finding = |id: &str| {
        let id = id.trim_matches(|c| c == '"' || c == '\'');
        std::iter::once(&finding.rule_id)
            .chain(&finding.vulnerability_ids)
            .any(|own| own.eq_ignore_ascii_case(id) || normalize_check_id(own) == normalize_check_id(id))
    };
    let mut comment: Vec<&str> = Vec::new();
    for (line, number) in text.lines().zip(1u64..) {
        let trimmed = line.trim();
        if let Some(note) = trimmed.strip_prefix('#') {
            comment.push(note.trim());
            continue;
        }
        let (entry, trailing) = trimmed.split_once('#').unwrap_or((trimmed, ""));
        let id = entry.trim().trim_start_matches("- ").trim_start_matches("id:").trim();
        if !id.is_empty() && names_finding(id) {
            let reason = Some(trailing.trim().to_string())
                .filter(|r| !r.is_empty())
                .or_else(|| Some(comment.join(" ")).filter(|r| !r.trim().is_empty()));
            return Some(IgnoreEntry { line: number, reason });
        }
        comment.clear();
    }
    None
}

/// DESIGN §3's trivy row.
pub(crate) fn severity(label: &str, highest_score: Option<f64>) -> Severity {
    match label.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        _ => highest_score.and_then(severity_from_score).unwrap_or(Severity::Medium),
    }
}

/// OSV's ecosystem name for trivy's result `Type`.
pub(crate) fn ecosystem(kind: &str) -> &str {
    match kind {
        "npm" | "yarn" | "pnpm" | "node-pkg" | "bun" => "npm",
        "gomod" | "gobinary" => "Go",
        "pip" | "pipenv" | "poetry" | "uv" | "python-pkg" => "PyPI",
        "cargo" | "rustbinary" => "crates.io",
        "composer" | "composer-vendor" => "Packagist",
        "bundler" | "gemspec" => "RubyGems",
        "pom" | "gradle" | "jar" | "sbt" => "Maven",
        "nuget" | "dotnet-core" | "packages-props" => "NuGet",
        "pub" => "Pub",
        "hex" => "Hex",
        "conan" => "ConanCenter",
        "swift" => "SwiftURL",
        "alpine" => "Alpine",
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        other => other,
    }
}

fn highest_score(cvss: &BTreeMap<Text<'_>, Cvss>) -> Option<f64> {
    cvss.values()
        .filter_map(|c| c.v40_score.or(c.v3_score).or(c.v2_score))
        .fold(None, |best: Option<f64>, s| Some(best.map_or(s, |b| b.max(s))))
}

fn vulnerability(v: &Vulnerability<'_>, target: &str, ecosystem: &str, lines: &HashMap<&str, LineRange>) -> Finding {
    let score = highest_score(&v.cvss);
    let mut out = Finding::new(
        "trivy",
        Kind::Dependency,
        v.id.to_string(),
        severity(&v.severity, score),
    );
    out.tool_severity = v.severity.to_string();
    out.cvss_score = score;
    out.title = if v.title.is_empty() {
        v.id.to_string()
    } else {
        v.title.to_string()
    };
    out.message = format!("{} {}: {} ({})", v.pkg_name, v.installed_version, v.id, out.title);
    if !v.fixed_version.is_empty() {
        out.message.push_str(&format!("; fixed in {}", v.fixed_version));
    }
    out.help = (!v.description.is_empty()).then(|| v.description.to_string());
    out.help_uri = (!v.primary_url.is_empty()).then(|| v.primary_url.to_string());
    out.cwes = v.cwe_ids.iter().filter_map(|c| cwe_id(c)).collect();
    out.vulnerability_ids = std::iter::once(&v.id)
        .chain(&v.vendor_ids)
        .map(ToString::to_string)
        .collect();
    out.vulnerability_ids.dedup();
    out.package = Some(Package {
        ecosystem: ecosystem.to_owned(),
        name: v.pkg_name.to_string(),
        version: (!v.installed_version.is_empty()).then(|| v.installed_version.to_string()),
        fixed_version: fixed_version(v, ecosystem),
    });
    let line = lines.get(v.pkg_id.as_ref()).filter(|l| l.start_line > 0);
    out.location = Some(Location {
        path: target.to_owned(),
        start_line: line.map(|l| l.start_line),
        end_line: line.map(|l| l.end_line.max(l.start_line)),
        start_column: None,
        end_column: None,
    });
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out
}

/// The lowest release in `FixedVersion` above the installed version.
fn fixed_version(v: &Vulnerability<'_>, ecosystem: &str) -> Option<String> {
    let installed = Some(v.installed_version.as_ref()).filter(|i| !i.is_empty());
    version::lowest_above(ecosystem, installed, v.fixed_version.split(',')).map(str::to_owned)
}

/// `DS-0002`, `DS002`, `AVD-DS-0002` → `DS2`: trivy renamed its check ids between releases.
pub(crate) fn normalize_check_id(id: &str) -> String {
    let id = id
        .strip_prefix("AVD-")
        .unwrap_or(id)
        .to_ascii_uppercase()
        .replace(['-', '_'], "");
    let split = id.find(|c: char| c.is_ascii_digit()).unwrap_or(id.len());
    let (letters, digits) = id.split_at(split);
    match digits.parse::<u64>() {
        Ok(number) if digits.chars().all(|c| c.is_ascii_digit()) => format!("{letters}{number}"),
        _ => id,
    }
}

fn misconfiguration(m: &Misconfiguration<'_>, target: &str, context: &Context<'_>) -> Finding {
    let id = if m.id.is_empty() {
        m.avd_id.to_string()
    } else {
        m.id.to_string()
    };
    let mut out = Finding::new("trivy", Kind::Misconfiguration, id, severity(&m.severity, None));
    out.tool_severity = m.severity.to_string();
    out.title = if m.title.is_empty() {
        out.rule_id.clone()
    } else {
        m.title.to_string()
    };
    out.message = if m.message.is_empty() {
        out.title.clone()
    } else {
        m.message.to_string()
    };
    out.help = Some(match (m.description.is_empty(), m.resolution.is_empty()) {
        (false, false) => format!("{}\n\nResolution: {}", m.description.trim(), m.resolution),
        (false, true) => m.description.trim().to_owned(),
        _ => out.title.clone(),
    });
    out.help_uri = (!m.primary_url.is_empty()).then(|| m.primary_url.to_string());
    let normalized = normalize_check_id(&out.rule_id);
    let resource = stable_resource(&m.cause_metadata, target, context);
    out.fingerprint = hash(&[
        b"misconfig",
        target.as_bytes(),
        normalized.as_bytes(),
        resource.as_bytes(),
    ]);
    let cause = &m.cause_metadata;
    out.location = Some(Location {
        path: target.to_owned(),
        start_line: (cause.start_line > 0).then_some(cause.start_line),
        end_line: (cause.start_line > 0).then_some(cause.end_line.max(cause.start_line)),
        start_column: None,
        end_column: None,
    });
    out
}

/// What names the resource a misconfiguration is in, for its fingerprint. Where trivy names it by
/// its place (`template.yaml:3-6`, CloudFormation), the place moves with every line inserted
/// above it: the resource's first line (`  LogsBucket:`, its logical id) names it instead, read
/// from the file; a name that is no place (Terraform's `aws_s3_bucket.logs`) is kept.
fn stable_resource(cause: &Cause<'_>, target: &str, context: &Context<'_>) -> String {
    let place = format!("{target}:{}-{}", cause.start_line, cause.end_line);
    let single = format!("{target}:{}", cause.start_line);
    if cause.start_line == 0 || (cause.resource.as_ref() != place && cause.resource.as_ref() != single) {
        return cause.resource.to_string();
    }
    let first_line = super::read_line(target, cause.start_line, context)
        .map(|line| String::from_utf8_lossy(&line).trim().to_owned());
    match first_line {
        Some(line) if !line.is_empty() => format!("first line: {line}"),
        _ => cause.resource.to_string(),
    }
}

fn secret(s: &Secret<'_>, target: &str) -> Finding {
    let mut out = Finding::new(
        "trivy",
        Kind::Secret,
        s.rule_id.to_string(),
        severity(&s.severity, None),
    );
    out.tool_severity = s.severity.to_string();
    out.title = if s.title.is_empty() {
        s.rule_id.to_string()
    } else {
        s.title.to_string()
    };
    out.message = format!("{} ({}); the value is masked", out.title, s.rule_id);
    out.cwes = vec!["CWE-798".to_owned()];
    out.fingerprint = hash(&[
        b"trivy-secret",
        s.rule_id.as_bytes(),
        target.as_bytes(),
        s.matched.as_bytes(),
    ]);
    out.location = Some(Location {
        path: target.to_owned(),
        start_line: (s.start_line > 0).then_some(s.start_line),
        end_line: (s.start_line > 0).then_some(s.end_line.max(s.start_line)),
        start_column: None,
        end_column: None,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn vuln_severity(label: &str, cvss: &str) -> Severity {
        let report = format!(
            r#"{{"SchemaVersion":2,"Results":[{{"Target":"package-lock.json","Type":"npm","Vulnerabilities":[{{"VulnerabilityID":"CVE-1","PkgName":"p","InstalledVersion":"1","Severity":"{label}","CVSS":{cvss}}}]}}]}}"#
        );
        crate::parse("trivy", report.as_bytes(), Path::new("/r"))
            .unwrap()
            .findings[0]
            .severity
    }

    /// As trivy 0.6x writes it (recorded): every file its misconfiguration checks read is a
    /// `config` result, failures or not; lockfiles are not.
    #[test]
    fn the_kinds_of_files_its_checks_tested_are_recorded() {
        let report = br#"{"Results":[
          {"Target":"Dockerfile","Class":"config","Type":"dockerfile","MisconfSummary":{"Successes":27,"Failures":0}},
          {"Target":"cm.yaml","Class":"config","Type":"kubernetes","MisconfSummary":{"Successes":63,"Failures":0}},
          {"Target":"deploy/cm.yaml","Class":"config","Type":"kubernetes","MisconfSummary":{"Successes":63,"Failures":0}},
          {"Target":"package-lock.json","Class":"lang-pkgs","Type":"npm"}]}"#;
        let parsed = crate::parse("trivy", report, Path::new("/repo")).unwrap();
        assert_eq!(parsed.tested_kinds, ["dockerfile", "kubernetes"]);
        assert!(parsed.findings.is_empty());
    }

    #[test]
    fn severity_table_row() {
        assert_eq!(vuln_severity("CRITICAL", "{}"), Severity::Critical);
        assert_eq!(vuln_severity("HIGH", "{}"), Severity::High);
        assert_eq!(vuln_severity("MEDIUM", "{}"), Severity::Medium);
        assert_eq!(vuln_severity("LOW", "{}"), Severity::Low);
        assert_eq!(
            vuln_severity(
                "UNKNOWN",
                r#"{"nvd":{"V2Score":5.0,"V3Score":9.8},"redhat":{"V3Score":7.0}}"#
            ),
            Severity::Critical
        );
        assert_eq!(vuln_severity("UNKNOWN", r#"{"nvd":{"V2Score":2.1}}"#), Severity::Low);
        assert_eq!(vuln_severity("UNKNOWN", "{}"), Severity::Medium);
    }

    #[test]
    fn check_ids_normalize_across_releases() {
        assert_eq!(normalize_check_id("DS-0002"), "DS2");
        assert_eq!(normalize_check_id("DS002"), "DS2");
        assert_eq!(normalize_check_id("AVD-DS-0002"), "DS2");
        assert_eq!(normalize_check_id("AWS-0104"), "AWS104");
    }

    #[test]
    fn passing_checks_are_not_findings() {
        let report = br#"{"Results":[{"Target":"Dockerfile","Type":"dockerfile","Misconfigurations":[
          {"ID":"DS-0002","Title":"t","Severity":"HIGH","Status":"FAIL"},{"ID":"DS-0001","Severity":"LOW","Status":"PASS"}]}]}"#;
        let parsed = crate::parse("trivy", report, Path::new("/r")).unwrap();
        assert_eq!(parsed.findings.len(), 1);
        assert_eq!(parsed.findings[0].kind, Kind::Misconfiguration);
    }

    #[test]
    fn inline_ignores_apply_where_trivy_honours_them() {
        let dir = tempfile::tempdir().unwrap();
        let commented = "# trivy:ignore:* -- reviewed\nUSER root\n";
        std::fs::write(dir.path().join("Dockerfile"), commented).unwrap();
        std::fs::write(dir.path().join("pod.yaml"), commented).unwrap();
        let report = br#"{"Results":[
          {"Target":"Dockerfile","Type":"dockerfile","Misconfigurations":[{"ID":"DS-0002","AVDID":"AVD-DS-0002","Severity":"HIGH","Status":"FAIL","CauseMetadata":{"StartLine":2,"EndLine":2}}]},
          {"Target":"pod.yaml","Type":"kubernetes","Misconfigurations":[{"ID":"KSV-0017","Severity":"HIGH","Status":"FAIL","CauseMetadata":{"StartLine":2,"EndLine":2}}]}]}"#;
        let parsed = crate::parse("trivy", report, dir.path()).unwrap();
        let dockerfile = parsed.findings[0]
            .native_suppression
            .as_ref()
            .expect("Dockerfile comment applies");
        assert_eq!(dockerfile.kind, "trivy:ignore");
        assert_eq!(dockerfile.origin, Some(SuppressionOrigin::at("Dockerfile", 1)));
        assert_eq!(dockerfile.justification.as_deref(), Some("reviewed"));
        assert_eq!(
            parsed.findings[1].native_suppression, None,
            "trivy ignores none in a manifest"
        );
    }

    fn fixed_in(installed: &str, fixed: &str) -> Option<String> {
        let report = format!(
            r#"{{"Results":[{{"Target":"package-lock.json","Type":"npm","Vulnerabilities":[{{"VulnerabilityID":"CVE-2021-44906","PkgName":"minimist","InstalledVersion":"{installed}","FixedVersion":"{fixed}","Severity":"CRITICAL"}}]}}]}}"#
        );
        let mut parsed = crate::parse("trivy", report.as_bytes(), Path::new("/r")).unwrap();
        parsed.findings.remove(0).package.unwrap().fixed_version
    }

    #[test]
    fn the_fixed_version_is_the_lowest_listed_above_the_installed_one() {
        assert_eq!(fixed_in("1.2.5", "0.2.4, 1.2.6").as_deref(), Some("1.2.6"));
        assert_eq!(fixed_in("0.0.8", "1.2.6, 0.2.4").as_deref(), Some("0.2.4"));
        assert_eq!(fixed_in("1.2.5", "1.2.6").as_deref(), Some("1.2.6"));
        assert_eq!(fixed_in("1.2.5", ""), None);
    }

    #[test]
    fn cloudformation_fingerprints_survive_inserted_lines() {
        let dir = tempfile::tempdir().unwrap();
        let template =
            "Resources:\n  LogsBucket:\n    Type: AWS::S3::Bucket\n  DataBucket:\n    Type: AWS::S3::Bucket\n";
        let report = |start: u64| {
            let bucket = |first: u64| {
                format!(
                    r#"{{"ID":"AWS-0086","Severity":"HIGH","CauseMetadata":{{"Resource":"t.yaml:{first}-{}","StartLine":{first},"EndLine":{}}}}}"#,
                    first + 1,
                    first + 1
                )
            };
            format!(
                r#"{{"Results":[{{"Target":"t.yaml","Class":"config","Misconfigurations":[{},{}]}}]}}"#,
                bucket(start),
                bucket(start + 2)
            )
        };
        let prints = |start: u64| -> Vec<String> {
            let parsed = crate::parse("trivy", report(start).as_bytes(), dir.path()).unwrap();
            parsed.findings.into_iter().map(|f| f.fingerprint).collect()
        };
        std::fs::write(dir.path().join("t.yaml"), template).unwrap();
        let before = prints(2);
        assert_ne!(before[0], before[1], "two resources, two fingerprints");
        std::fs::write(
            dir.path().join("t.yaml"),
            format!("# a\n# b\n# c\n# d\n# e\n{template}"),
        )
        .unwrap();
        assert_eq!(prints(7), before, "five lines inserted above");
    }

    #[test]
    fn each_installed_version_keeps_its_fingerprint_whatever_the_order() {
        let minimist = |version: &str| {
            format!(
                r#"{{"VulnerabilityID":"CVE-2021-44906","PkgID":"minimist@{version}","PkgName":"minimist","InstalledVersion":"{version}","Severity":"CRITICAL"}}"#
            )
        };
        let by_version = |versions: [&str; 2]| {
            let entries: Vec<String> = versions.iter().map(|v| minimist(v)).collect();
            let report = format!(
                r#"{{"Results":[{{"Target":"web/package-lock.json","Type":"npm","Vulnerabilities":[{}]}}]}}"#,
                entries.join(",")
            );
            let parsed = crate::parse("trivy", report.as_bytes(), Path::new("/r")).unwrap();
            let mut prints: Vec<(String, String)> = parsed
                .findings
                .into_iter()
                .map(|f| (f.package.unwrap().version.unwrap(), f.fingerprint))
                .collect();
            prints.sort();
            prints
        };
        assert_eq!(by_version(["0.0.8", "1.2.5"]), by_version(["1.2.5", "0.0.8"]));
    }
}
