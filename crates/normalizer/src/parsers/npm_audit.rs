/*!
`npm audit --json`: report v2 (npm ≥ 7) and v1 (npm 6).

# Output shape
v2: `{"auditReportVersion": 2, "vulnerabilities": {name: {name, severity, isDirect, via: [advisory
object | package name], effects, range, nodes, fixAvailable}}, "metadata": {…}}`; an advisory is
`{source, name, dependency, title, url, severity, cwe[], cvss{score}, range}`.
v1: `{"advisories": {id: {id, module_name, title, severity, cves, cwe, url, github_advisory_id,
patched_versions, findings[{version, paths}]}}, "metadata"}`.
A failure is `{"error": {code, summary, detail}}` (ENOLOCK, …) and may carry `message`/`statusCode`
when the advisory endpoint fails.

# Severity
critical, high, moderate→medium, low, info — from the advisory's own `severity`, not the package
entry's (that is the worst of its advisories and of its vulnerable dependencies).

# Installed versions
A v2 entry names the lockfile nodes it found vulnerable (`nodes`: `node_modules/minimist`,
`node_modules/mkdirp/node_modules/minimist`) but not their versions: those are read from the
lockfile (`packages`, or v1's nested `dependencies`). Each advisory is one finding per distinct
installed version its `range` contains, so minimist 0.0.8 nested and 1.2.5 at the top are two
findings that meet osv-scanner's and trivy's. When the lockfile cannot be read, one finding per
advisory without a version. v1 reports carry the version in `findings[].version` (the first is
kept).

# Fixed version
The `<` bound of the advisory range's set that holds the installed version (`<0.2.4 || >=1.0.0
<1.2.6`: 1.2.5 → 1.2.6, 0.0.8 → 0.2.4); else `fixAvailable` when it upgrades the package itself
to a version above the installed one. v1: `patched_versions` when it is a plain `>=X`.

# Fingerprint
Lockfile + ecosystem `npm` + package name + installed version + the canonical vulnerability id
(the GHSA id from the advisory URL; `NPM-<source>` when the URL names none). No line.

# Known traps
One finding per (package, advisory, installed version): a `via` entry that is a string says
"vulnerable because of that dependency" and its advisory is reported on that dependency already,
so `metadata.vulnerabilities.total` (which counts such packages) says nothing about the finding
count; neither does the number of advisory `via` objects once a package is installed in several
versions. `npm audit
--offline` prints a report with no `auditReportVersion` and no advisories: that is a tool error,
never "clean". Exit code 1 comes with a report when vulnerabilities exist. Findings point at the
lockfile in [`Context::target_dir`] (`package-lock.json`, or `npm-shrinkwrap.json` when that is
what exists there); the report has no line numbers.

# Sample source
Recorded: crates/normalizer/tests/fixtures/recorded/ (npm 11 against the local advisory server on
examples/vulnerable-app). Shapes from shared/samples/npm-audit (npm/cli and arborist snapshots, v1
one-vuln fixture, local ENOLOCK and endpoint-error outputs).
*/

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::{cwe_id, from_json, Parser, Text};
use crate::version::{self, NpmRange};
use crate::{paths, Context, Finding, Kind, Location, Package, ParseError, Parsed, Severity};

pub(crate) struct NpmAudit;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    #[serde(default)]
    audit_report_version: Option<u32>,
    #[serde(default, borrow)]
    vulnerabilities: Option<BTreeMap<Text<'a>, Vulnerable<'a>>>,
    #[serde(default, borrow)]
    advisories: Option<BTreeMap<Text<'a>, AdvisoryV1<'a>>>,
    #[serde(default, borrow)]
    error: Option<NpmError<'a>>,
    #[serde(default, borrow)]
    message: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct NpmError<'a> {
    #[serde(default, borrow)]
    code: Option<Text<'a>>,
    #[serde(default, borrow)]
    summary: Text<'a>,
    #[serde(default, borrow)]
    detail: Text<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vulnerable<'a> {
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    via: Vec<Via<'a>>,
    /// Lockfile node paths of the vulnerable installs.
    #[serde(default, borrow)]
    nodes: Vec<Text<'a>>,
    /// `true`, `false`, or `{name, version, isSemVerMajor}`: what `npm audit fix` would install.
    #[serde(default)]
    fix_available: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Via<'a> {
    #[serde(borrow)]
    Advisory(Box<AdvisoryV2<'a>>),
    #[allow(dead_code)] // the dependency's name; its advisory is reported on it
    Dependency(#[serde(borrow)] Text<'a>),
}

#[derive(Deserialize)]
struct AdvisoryV2<'a> {
    #[serde(default)]
    source: serde_json::Value,
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    url: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    cwe: Vec<Text<'a>>,
    #[serde(default)]
    cvss: Option<CvssV2>,
    #[serde(default, borrow)]
    range: Text<'a>,
}

#[derive(Deserialize)]
struct CvssV2 {
    #[serde(default)]
    score: Option<f64>,
}

#[derive(Deserialize)]
struct AdvisoryV1<'a> {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default, borrow)]
    module_name: Text<'a>,
    #[serde(default, borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    severity: Text<'a>,
    #[serde(default, borrow)]
    cves: Vec<Text<'a>>,
    #[serde(default)]
    cwe: Option<serde_json::Value>,
    #[serde(default, borrow)]
    url: Text<'a>,
    #[serde(default, borrow)]
    github_advisory_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    overview: Text<'a>,
    #[serde(default, borrow)]
    recommendation: Text<'a>,
    #[serde(default, borrow)]
    patched_versions: Text<'a>,
    #[serde(default, borrow)]
    findings: Vec<V1Finding<'a>>,
}

#[derive(Deserialize)]
struct V1Finding<'a> {
    #[serde(default, borrow)]
    version: Text<'a>,
}

impl Parser for NpmAudit {
    fn name(&self) -> &'static str {
        "npm-audit"
    }

    fn parse(&self, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
        let report: Report<'_> = from_json(self.name(), output)?;
        let lockfile = lockfile(context);
        let mut parsed = Parsed::default();
        if let Some(error) = &report.error {
            parsed.tool_errors.push(error_text(error, report.message.as_deref()));
            return Ok(parsed);
        }
        if let Some(vulnerabilities) = &report.vulnerabilities {
            let installed = InstalledVersions::read(&lockfile, context);
            for entry in vulnerabilities.values() {
                for via in &entry.via {
                    if let Via::Advisory(advisory) = via {
                        parsed
                            .findings
                            .extend(v2_findings(entry, advisory, &lockfile, &installed));
                    }
                }
            }
        } else if let Some(advisories) = &report.advisories {
            parsed
                .findings
                .extend(advisories.values().map(|advisory| v1_finding(advisory, &lockfile)));
        } else {
            // `npm audit --offline` prints `{}`-like reports and exits 0.
            let version = report.audit_report_version.map_or("none".to_owned(), |v| v.to_string());
            parsed.tool_errors.push(format!(
                "npm audit printed no advisories section (auditReportVersion {version}): offline or not an audit report"
            ));
        }
        Ok(parsed)
    }
}

fn error_text(error: &NpmError<'_>, message: Option<&str>) -> String {
    let code = error.code.as_deref().unwrap_or("error");
    let summary = [
        error.summary.trim(),
        message.unwrap_or("").trim(),
        error.detail.lines().next().unwrap_or("").trim(),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("no details");
    format!("npm audit {code}: {summary}")
}

/// The lockfile findings point at: `npm-shrinkwrap.json` when only that exists.
fn lockfile(context: &Context<'_>) -> String {
    let dir = match context.target_dir {
        Some(dir) if dir.is_absolute() => dir.to_path_buf(),
        Some(dir) => context.root.join(dir),
        None => context.root.to_path_buf(),
    };
    let name = if !dir.join("package-lock.json").exists() && dir.join("npm-shrinkwrap.json").exists() {
        "npm-shrinkwrap.json"
    } else {
        "package-lock.json"
    };
    paths::in_target_dir(name, context)
}

/// DESIGN §3's npm-audit row.
pub(crate) fn severity(label: &str) -> Severity {
    match label.to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "moderate" | "medium" => Severity::Medium,
        "low" => Severity::Low,
        "info" => Severity::Info,
        other => {
            tracing::warn!(label = other, "unknown npm audit severity, using medium");
            Severity::Medium
        }
    }
}

/// `GHSA-…` from an advisory URL.
fn ghsa_in(url: &str) -> Option<String> {
    let start = url.find("GHSA-")?;
    let id: String = url[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Some(id)
}

fn source_id(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn located(path: &str) -> Option<Location> {
    Some(Location {
        path: path.to_owned(),
        start_line: None,
        end_line: None,
        start_column: None,
        end_column: None,
    })
}

/// Installed version of each lockfile node (`node_modules/a/node_modules/b`), from `packages`
/// (lockfile v2 and v3) or the nested `dependencies` (v1).
#[derive(Default)]
struct InstalledVersions(HashMap<String, String>);

#[derive(Deserialize)]
struct Lockfile {
    /// v2 and v3: node path → package.
    #[serde(default)]
    packages: HashMap<String, LockedPackage>,
    /// v1 (v2 keeps it too, for npm 6): name → package, nested.
    #[serde(default)]
    dependencies: HashMap<String, LockedDependency>,
}

#[derive(Deserialize)]
struct LockedPackage {
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct LockedDependency {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dependencies: HashMap<String, LockedDependency>,
}

impl InstalledVersions {
    /// Empty when the lockfile cannot be read: findings then carry no version.
    fn read(lockfile: &str, context: &Context<'_>) -> InstalledVersions {
        let parsed = crate::read_repository_file(context.root, Path::new(lockfile), crate::CONTENT_LIMIT)
            .map_err(|error| error.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<Lockfile>(&bytes)
                    .map_err(|error| ParseError::json("npm-audit", &error).to_string())
            });
        let lockfile = match parsed {
            Ok(lockfile) => lockfile,
            Err(error) => {
                tracing::warn!(%lockfile, %error, "cannot read the lockfile; npm audit findings carry no installed version");
                return InstalledVersions::default();
            }
        };
        let mut versions = HashMap::new();
        if lockfile.packages.is_empty() {
            nested_versions("", &lockfile.dependencies, &mut versions);
        } else {
            versions.extend(
                lockfile
                    .packages
                    .into_iter()
                    .filter_map(|(node, package)| Some((node, package.version?))),
            );
        }
        InstalledVersions(versions)
    }

    fn of(&self, node: &str) -> Option<&str> {
        self.0.get(node).map(String::as_str)
    }
}

/// v1's tree as the node paths npm audit names: `node_modules/a/node_modules/b`.
fn nested_versions(prefix: &str, dependencies: &HashMap<String, LockedDependency>, out: &mut HashMap<String, String>) {
    for (name, package) in dependencies {
        let node = format!("{prefix}node_modules/{name}");
        nested_versions(&format!("{node}/"), &package.dependencies, out);
        if let Some(version) = &package.version {
            out.insert(node, version.clone());
        }
    }
}

/// The distinct installed versions of `entry`'s nodes that `range` holds, in node order. A
/// version or range that cannot be evaluated counts as affected; so does every version when none
/// is in the range, as npm said the advisory applies.
fn affected_versions<'i>(
    entry: &Vulnerable<'_>,
    range: Option<&NpmRange>,
    installed: &'i InstalledVersions,
) -> Vec<&'i str> {
    let mut versions: Vec<&str> = Vec::new();
    for version in entry.nodes.iter().filter_map(|node| installed.of(node)) {
        if !versions.contains(&version) {
            versions.push(version);
        }
    }
    let in_range = |version: &&str| match (range, version::parse_semver(version)) {
        (Some(range), Some(parsed)) => range.contains(&parsed),
        _ => true,
    };
    let affected: Vec<&str> = versions.iter().copied().filter(in_range).collect();
    if affected.is_empty() {
        versions
    } else {
        affected
    }
}

/// One finding per installed version the advisory affects (one without a version when unknown).
fn v2_findings(
    entry: &Vulnerable<'_>,
    advisory: &AdvisoryV2<'_>,
    lockfile: &str,
    installed: &InstalledVersions,
) -> Vec<Finding> {
    let range = NpmRange::parse(&advisory.range);
    let versions = affected_versions(entry, range.as_ref(), installed);
    if versions.is_empty() {
        return vec![v2_finding(entry, advisory, lockfile, None, range.as_ref())];
    }
    versions
        .into_iter()
        .map(|version| v2_finding(entry, advisory, lockfile, Some(version), range.as_ref()))
        .collect()
}

/// The fix for `installed` (see the module doc), never a downgrade.
fn v2_fixed_version(
    entry: &Vulnerable<'_>,
    name: &str,
    installed: Option<&str>,
    range: Option<&NpmRange>,
) -> Option<String> {
    let from_range = installed
        .and_then(version::parse_semver)
        .and_then(|version| Some(range?.fix_for(&version)?.to_string()));
    let upgrade = &entry.fix_available;
    let from_fix_available = (upgrade["name"].as_str() == Some(name))
        .then(|| upgrade["version"].as_str())
        .flatten()
        .and_then(|fix| version::lowest_above("npm", installed, [fix]))
        .map(str::to_owned);
    from_range.or(from_fix_available)
}

fn v2_finding(
    entry: &Vulnerable<'_>,
    advisory: &AdvisoryV2<'_>,
    lockfile: &str,
    installed: Option<&str>,
    range: Option<&NpmRange>,
) -> Finding {
    let id = ghsa_in(&advisory.url).unwrap_or_else(|| format!("NPM-{}", source_id(&advisory.source)));
    let name = if advisory.name.is_empty() {
        &entry.name
    } else {
        &advisory.name
    };
    let mut out = Finding::new("npm-audit", Kind::Dependency, id.clone(), severity(&advisory.severity));
    out.tool_severity = advisory.severity.to_string();
    out.title = if advisory.title.is_empty() {
        id.clone()
    } else {
        advisory.title.to_string()
    };
    out.message = format!("{name} {}: {id} ({})", installed.unwrap_or(&advisory.range), out.title);
    out.vulnerability_ids = vec![id];
    out.cwes = advisory.cwe.iter().filter_map(|c| cwe_id(c)).collect();
    out.cvss_score = advisory.cvss.as_ref().and_then(|c| c.score).filter(|s| *s > 0.0);
    out.help = Some(format!("{} (vulnerable versions: {})", out.title, advisory.range));
    out.help_uri = (!advisory.url.is_empty()).then(|| advisory.url.to_string());
    out.package = Some(Package {
        ecosystem: "npm".to_owned(),
        name: name.to_string(),
        version: installed.map(str::to_owned),
        fixed_version: v2_fixed_version(entry, name, installed, range),
    });
    out.location = located(lockfile);
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out
}

fn v1_finding(advisory: &AdvisoryV1<'_>, lockfile: &str) -> Finding {
    let ghsa = advisory
        .github_advisory_id
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| ghsa_in(&advisory.url));
    let id = ghsa
        .clone()
        .unwrap_or_else(|| format!("NPM-{}", source_id(&advisory.id)));
    let mut out = Finding::new("npm-audit", Kind::Dependency, id.clone(), severity(&advisory.severity));
    out.tool_severity = advisory.severity.to_string();
    out.title = if advisory.title.is_empty() {
        id.clone()
    } else {
        advisory.title.to_string()
    };
    let version = advisory
        .findings
        .first()
        .map(|f| f.version.to_string())
        .filter(|v| !v.is_empty());
    out.message = format!(
        "{} {}: {id} ({})",
        advisory.module_name,
        version.as_deref().unwrap_or(""),
        out.title
    );
    out.vulnerability_ids = std::iter::once(id)
        .chain(advisory.cves.iter().map(ToString::to_string))
        .collect();
    out.cwes = match &advisory.cwe {
        Some(serde_json::Value::String(one)) => cwe_id(one).into_iter().collect(),
        Some(serde_json::Value::Array(many)) => many.iter().filter_map(|c| c.as_str().and_then(cwe_id)).collect(),
        _ => Vec::new(),
    };
    out.help = Some(
        format!("{}\n\n{}", advisory.overview.trim(), advisory.recommendation.trim())
            .trim()
            .to_owned(),
    );
    out.help_uri = (!advisory.url.is_empty()).then(|| advisory.url.to_string());
    let fixed = advisory.patched_versions.trim_start_matches(">=").trim();
    out.package = Some(Package {
        ecosystem: "npm".to_owned(),
        name: advisory.module_name.to_string(),
        version,
        fixed_version: (!fixed.is_empty() && !fixed.contains(['<', ' ', '|'])).then(|| fixed.to_owned()),
    });
    out.location = located(lockfile);
    out.fingerprint = crate::dedup::dependency_fingerprint(&out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn v2(severity: &str) -> Severity {
        let report = format!(
            r#"{{"auditReportVersion":2,"vulnerabilities":{{"p":{{"name":"p","severity":"{severity}","via":[{{"source":1,"name":"p","title":"t","url":"https://github.com/advisories/GHSA-aaaa-bbbb-cccc","severity":"{severity}","range":"<1"}}]}}}}}}"#
        );
        crate::parse("npm-audit", report.as_bytes(), Path::new("/r"))
            .unwrap()
            .findings[0]
            .severity
    }

    #[test]
    fn severity_table_row() {
        assert_eq!(v2("critical"), Severity::Critical);
        assert_eq!(v2("high"), Severity::High);
        assert_eq!(v2("moderate"), Severity::Medium);
        assert_eq!(v2("low"), Severity::Low);
        assert_eq!(v2("info"), Severity::Info);
    }

    #[test]
    fn errors_and_offline_reports_are_tool_errors() {
        let enolock =
            br#"{"error":{"code":"ENOLOCK","summary":"This command requires an existing lockfile.","detail":"x"}}"#;
        let parsed = crate::parse("npm-audit", enolock, Path::new("/r")).unwrap();
        assert_eq!(
            parsed.tool_errors,
            ["npm audit ENOLOCK: This command requires an existing lockfile."]
        );
        let endpoint = br#"{"message":"405 Method Not Allowed - POST https://registry/-/npm/v1/security/advisories/bulk","statusCode":405,"error":{"summary":"","detail":""}}"#;
        let parsed = crate::parse("npm-audit", endpoint, Path::new("/r")).unwrap();
        assert!(
            parsed.tool_errors[0].contains("405 Method Not Allowed"),
            "{:?}",
            parsed.tool_errors
        );
        let offline = crate::parse("npm-audit", b"{}", Path::new("/r")).unwrap();
        assert_eq!(offline.tool_errors.len(), 1);
    }

    #[test]
    fn string_via_entries_are_not_findings() {
        let report = br#"{"auditReportVersion":2,"vulnerabilities":{"a":{"name":"a","severity":"high","via":["b"]},"b":{"name":"b","severity":"high","via":[{"source":7,"name":"b","url":"https://x/7","severity":"high","range":"<2"}]}}}"#;
        let parsed = crate::parse("npm-audit", report, Path::new("/r")).unwrap();
        assert_eq!(parsed.findings.len(), 1);
        assert_eq!(parsed.findings[0].rule_id, "NPM-7");
        assert_eq!(parsed.findings[0].location.as_ref().unwrap().path, "package-lock.json");
    }

    /// A lockfile (v3, or v1's nested tree) with minimist 1.2.5 at the top, 0.0.8 under mkdirp,
    /// 1.2.6 under optimist, and lodash 4.17.20 at the top and 4.17.15 under mkdirp, in
    /// `web/` of a temporary root.
    fn root_with_lockfile(v1: bool) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let lockfile = if v1 {
            r#"{"lockfileVersion":1,"dependencies":{
                 "minimist":{"version":"1.2.5"},
                 "mkdirp":{"version":"0.5.1","requires":{"minimist":"0.0.8"},"dependencies":{"minimist":{"version":"0.0.8"},"lodash":{"version":"4.17.15"}}},
                 "optimist":{"version":"0.6.1","dependencies":{"minimist":{"version":"1.2.6"}}},
                 "lodash":{"version":"4.17.20"}}}"#
        } else {
            r#"{"lockfileVersion":3,"packages":{"":{"name":"web","dependencies":{"minimist":"1.2.5"}},
                 "node_modules/minimist":{"version":"1.2.5"},
                 "node_modules/mkdirp":{"version":"0.5.1","dependencies":{"minimist":"0.0.8"}},
                 "node_modules/mkdirp/node_modules/minimist":{"version":"0.0.8"},
                 "node_modules/mkdirp/node_modules/lodash":{"version":"4.17.15"},
                 "node_modules/optimist":{"version":"0.6.1"},
                 "node_modules/optimist/node_modules/minimist":{"version":"1.2.6"},
                 "node_modules/lodash":{"version":"4.17.20"}}}"#
        };
        std::fs::create_dir(root.path().join("web")).unwrap();
        std::fs::write(root.path().join("web/package-lock.json"), lockfile).unwrap();
        root
    }

    const MINIMIST_AND_LODASH: &[u8] = br#"{"auditReportVersion":2,"vulnerabilities":{
      "minimist":{"name":"minimist","severity":"critical","nodes":["node_modules/minimist","node_modules/mkdirp/node_modules/minimist","node_modules/optimist/node_modules/minimist"],
        "fixAvailable":{"name":"minimist","version":"1.2.8","isSemVerMajor":false},
        "via":[{"source":100004,"name":"minimist","url":"https://github.com/advisories/GHSA-xvch-5gv4-984h","severity":"critical","range":"<0.2.4 || >=1.0.0 <1.2.6"}]},
      "lodash":{"name":"lodash","severity":"high","nodes":["node_modules/lodash","node_modules/mkdirp/node_modules/lodash"],"fixAvailable":{"name":"lodash","version":"4.17.21"},
        "via":[{"source":100001,"name":"lodash","url":"https://github.com/advisories/GHSA-35jh-r3h4-6jhm","severity":"high","range":"<4.17.21"},
               {"source":100003,"name":"lodash","url":"https://github.com/advisories/GHSA-p6mc-m468-83gw","severity":"high","range":">=3.7.0 <4.17.19"},
               {"source":100005,"name":"lodash","url":"https://github.com/advisories/GHSA-aaaa-bbbb-cccc","severity":"low","range":"*"}]}}}"#;

    /// `(package, installed, fixed)` of each finding of MINIMIST_AND_LODASH run in `root/web`.
    fn installs(root: &Path) -> Vec<(String, Option<String>, Option<String>)> {
        let context = Context {
            target_dir: Some(Path::new("web")),
            ..Context::new(root)
        };
        let parsed = crate::parse_with("npm-audit", MINIMIST_AND_LODASH, &context).unwrap();
        parsed
            .findings
            .into_iter()
            .map(|f| {
                assert_eq!(f.location.unwrap().path, "web/package-lock.json");
                let package = f.package.unwrap();
                (package.name, package.version, package.fixed_version)
            })
            .collect()
    }

    fn install(name: &str, version: &str, fixed: Option<&str>) -> (String, Option<String>, Option<String>) {
        (name.to_owned(), Some(version.to_owned()), fixed.map(str::to_owned))
    }

    #[test]
    fn one_finding_per_installed_version_the_advisory_affects_with_its_own_fix() {
        let expected = [
            install("lodash", "4.17.20", Some("4.17.21")),
            install("lodash", "4.17.15", Some("4.17.21")),
            // GHSA-p6mc-m468-83gw (>=3.7.0 <4.17.19) is not in 4.17.20.
            install("lodash", "4.17.15", Some("4.17.19")),
            // `*` has no bound: fixAvailable names the fix.
            install("lodash", "4.17.20", Some("4.17.21")),
            install("lodash", "4.17.15", Some("4.17.21")),
            // minimist 1.2.6 is past the range.
            install("minimist", "1.2.5", Some("1.2.6")),
            install("minimist", "0.0.8", Some("0.2.4")),
        ];
        for v1 in [false, true] {
            let root = root_with_lockfile(v1);
            assert_eq!(installs(root.path()), expected, "lockfile v1: {v1}");
        }
    }

    #[test]
    fn without_the_lockfile_one_finding_per_advisory_without_a_version() {
        let root = tempfile::tempdir().unwrap();
        let found = installs(root.path());
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found.iter().all(|(_, version, _)| version.is_none()), "{found:?}");
    }
}
