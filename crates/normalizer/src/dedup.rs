//! Cross-tool dedup (DESIGN §4): the same vulnerability in the same package *at the same lockfile
//! and installed version*, reported by trivy, osv-scanner and npm audit, is one finding listing
//! every tool. Two lockfiles, or two installed versions in one lockfile, are two findings.
//!
//! Choices, each for a gate that must neither miss nor double-count:
//! - the key is lockfile path + ecosystem (case-insensitive) + package name (PyPI names normalized
//!   per PEP 503) + installed version (a leading `v` dropped: trivy writes Go's `v1.2.3`) +
//!   vulnerability; a copy of a vulnerable lockfile in a second directory is a finding of its own;
//! - same vulnerability = any shared id or alias, transitively (A~B, B~C ⇒ one finding);
//! - a finding's identity does not depend on which tools ran (adding trivy must not close and
//!   reopen code-scanning alerts): the merged finding starts from the member of the first tool in
//!   [`RUN_PRIORITY`] (osv-scanner, then npm audit, then trivy), so it lands in that tool's SARIF
//!   run, and every dependency finding, merged or not, takes the canonical advisory id
//!   ([`canonical_vulnerability_id`]: CVE, else GHSA, else the first id sorted) as its rule id,
//!   its own id kept among its ids;
//! - it has the **most severe** severity of the group and that member's tool label and CVSS:
//!   tools disagree mostly because one lacks a score, and under-reporting is the worse error;
//! - ids, CWEs and tools are unioned in that priority order (tools the list does not name after
//!   it, in input order); missing location line, fixed version and help are filled from other
//!   members;
//! - a native suppression by any member (an osv-scanner.toml or .trivyignore entry) is kept: the
//!   user said so for that vulnerability in one tool;
//! - the fingerprint is recomputed from the union of ids, so it does not depend on which tool's id
//!   came first.
//!
//! Code findings merge too: two code scanners flagging one line of one file for one CWE (gosec
//! G401 and the bundled semgrep `go-weak-hash` on an `md5.New()`) are one weakness, reported once
//! and listing both tools. Choices:
//! - the key is path + first line + a shared CWE, one report per tool (two rules of one tool on a
//!   line stay two findings), and only reports that agree on being ignored (both by their own
//!   ignore comment, or neither): a `#nosec` beside an unsuppressed semgrep report would otherwise
//!   have to hide it or be dropped; kept apart, each shows what its tool said;
//! - the merged finding is the report of the first tool in [`CODE_RUN_PRIORITY`] (semgrep, then
//!   gosec): its rule id, run and fingerprint, the ones it has when semgrep alone reports it
//!   (semgrep reads every language, so it runs wherever gosec does); the most severe severity;
//! - it keeps every tool's own report ([`Finding::reports`]): the gate judges each by its own
//!   rule's severity overrides and suppressions and its own ignore comment, and the finding counts
//!   unless every report is suppressed, at the most severe of the reports that are not. A
//!   suppression or override of one tool's rule therefore never hides another tool's report.

use std::collections::HashMap;

use crate::fingerprint::{break_ties, hash};
use crate::{Finding, Kind, ToolReport};

/// The id a dependency fingerprint uses: the lexicographically first `CVE-` id, else `GHSA-`, else
/// any id. CVE first because trivy, osv-scanner (aliases) and npm v1 all carry it.
pub fn canonical_vulnerability_id<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let ids: Vec<&str> = ids.into_iter().filter(|id| !id.is_empty()).collect();
    ["CVE-", "GHSA-", ""]
        .iter()
        .find_map(|prefix| ids.iter().copied().filter(|id| id.starts_with(prefix)).min())
}

/// The dependency fingerprint: lockfile path + ecosystem + package name + installed version +
/// canonical vulnerability id. No line, so it survives edits elsewhere in the lockfile; the path
/// and version keep a second lockfile or a second installed version apart in baseline and PR
/// mode. Parsers set the location and package before calling it.
pub(crate) fn dependency_fingerprint(finding: &Finding) -> String {
    let installed = Installed::of(finding).unwrap_or_default();
    let ids = std::iter::once(finding.rule_id.as_str()).chain(finding.vulnerability_ids.iter().map(String::as_str));
    let id = canonical_vulnerability_id(ids).unwrap_or_default();
    hash(&[
        b"dependency",
        installed.lockfile.as_bytes(),
        installed.ecosystem.as_bytes(),
        installed.name.as_bytes(),
        installed.version.as_bytes(),
        id.as_bytes(),
    ])
}

/// One installed package: where, what and which version, normalized so the tools' spellings meet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Installed {
    lockfile: String,
    ecosystem: String,
    name: String,
    /// Empty when the tool did not say.
    version: String,
}

impl Installed {
    fn of(finding: &Finding) -> Option<Installed> {
        let package = finding.package.as_ref()?;
        let ecosystem = package.ecosystem.to_ascii_lowercase();
        let name = if ecosystem == "pypi" {
            package.name.to_ascii_lowercase().replace(['_', '.'], "-")
        } else {
            package.name.clone()
        };
        let version = package.version.as_deref().unwrap_or_default().trim();
        let version = match version.strip_prefix('v') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => version,
        };
        Some(Installed {
            lockfile: finding.location.as_ref().map(|l| l.path.clone()).unwrap_or_default(),
            ecosystem,
            name,
            version: version.to_owned(),
        })
    }
}

/// The tool whose SARIF run holds a merged dependency finding, most preferred first: osv-scanner
/// reads every ecosystem offline and carries each advisory's aliases; npm audit is npm's own
/// advisory source; trivy's vulnerability database is the one most often absent (offline).
const RUN_PRIORITY: [&str; 3] = ["osv-scanner", "npm-audit", "trivy"];

/// The tool whose SARIF run holds a merged code finding, most preferred first: semgrep reads every
/// language and gosec only Go, so a merged finding keeps the identity it has when semgrep alone
/// reports it.
const CODE_RUN_PRIORITY: [&str; 2] = ["semgrep", "gosec"];

/// Where `finding`'s tool stands in the run priority of its kind ([`RUN_PRIORITY`],
/// [`CODE_RUN_PRIORITY`]); a tool it does not name comes after.
fn run_rank(finding: &Finding) -> usize {
    let priority: &[&str] = match finding.kind {
        Kind::Code => &CODE_RUN_PRIORITY,
        _ => &RUN_PRIORITY,
    };
    let tool = finding.tools.first().map_or("", String::as_str);
    priority
        .iter()
        .position(|preferred| *preferred == tool)
        .unwrap_or(priority.len())
}

/// Merges dependency findings that are the same vulnerability in the same installed package of
/// the same lockfile, and code findings that are one weakness on one line; every other finding
/// passes through. Order: each merged finding where its
/// first member was.
pub fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    let unmarked = findings.into_iter().map(|finding| (finding, false)).collect();
    dedup_marked(unmarked).into_iter().map(|(finding, _)| finding).collect()
}

/// [`dedup`] of findings that each carry a mark: a merged finding is marked only when every one of
/// its members was. `scangate gate` marks what a part's own run held as pre-existing, so a
/// vulnerability stays counted when one part that reported it did not say so.
pub fn dedup_marked(findings: Vec<(Finding, bool)>) -> Vec<(Finding, bool)> {
    let (findings, marks): (Vec<Finding>, Vec<bool>) = findings.into_iter().unzip();
    let mut groups = same_vulnerability_groups(&findings);
    join_same_weakness(&findings, &mut groups);
    let ranks: Vec<usize> = findings.iter().map(run_rank).collect();
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for index in 0..findings.len() {
        members.entry(groups.find(index)).or_default().push(index);
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    let mut out_marks = Vec::with_capacity(slots.len());
    for index in 0..slots.len() {
        let group = &members[&groups.find(index)];
        if group[0] != index {
            continue;
        }
        // Stable: members of one tool (or of tools the priority does not name) keep input order.
        let mut by_priority = group.clone();
        by_priority.sort_by_key(|&member| ranks[member]);
        let mut merged = slots[by_priority[0]].take().expect("each finding is taken once");
        if merged.kind == Kind::Code && by_priority.len() > 1 {
            merged.reports.push(tool_report(&merged));
        }
        for &other in &by_priority[1..] {
            merge(&mut merged, slots[other].take().expect("each finding is taken once"));
        }
        adopt_canonical_id(&mut merged);
        out.push(merged);
        out_marks.push(group.iter().all(|&member| marks[member]));
    }
    refingerprint_dependencies(&mut out);
    out.into_iter().zip(out_marks).collect()
}

/// Makes a dependency finding's rule id its canonical advisory id, whichever tool named it: the
/// id it had stays among its ids (after the canonical one, which leads them), so a suppression
/// or a search by either id still finds it.
fn adopt_canonical_id(finding: &mut Finding) {
    if finding.kind != Kind::Dependency {
        return;
    }
    let ids = std::iter::once(finding.rule_id.as_str()).chain(finding.vulnerability_ids.iter().map(String::as_str));
    let Some(canonical) = canonical_vulnerability_id(ids).filter(|id| *id != finding.rule_id) else {
        return;
    };
    let canonical = canonical.to_owned();
    let own = std::mem::replace(&mut finding.rule_id, canonical.clone());
    let mut ids = vec![canonical];
    for id in std::iter::once(own).chain(std::mem::take(&mut finding.vulnerability_ids)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    finding.vulnerability_ids = ids;
}

/// Unions dependency findings that share the installed package and any id or alias.
fn same_vulnerability_groups(findings: &[Finding]) -> UnionFind {
    let mut groups = UnionFind::new(findings.len());
    let mut first_by_id: HashMap<(Installed, String), usize> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if finding.kind != Kind::Dependency {
            continue;
        }
        let Some(installed) = Installed::of(finding) else {
            continue;
        };
        for id in std::iter::once(&finding.rule_id).chain(&finding.vulnerability_ids) {
            let key = (installed.clone(), id.to_ascii_uppercase());
            match first_by_id.get(&key) {
                Some(&other) => groups.union(other, index),
                None => {
                    first_by_id.insert(key, index);
                }
            }
        }
    }
    groups
}

/// Joins code findings of different tools that flag the same line of the same file for a shared
/// CWE and agree on being ignored: each joins the first such group that has no report of its tool
/// yet.
fn join_same_weakness(findings: &[Finding], groups: &mut UnionFind) {
    type Key<'a> = (&'a str, u64, String, bool);
    let mut at: HashMap<Key<'_>, Vec<usize>> = HashMap::new();
    let mut tools_of: HashMap<usize, Vec<&str>> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        let Some((path, line)) = code_place(finding) else {
            continue;
        };
        let tool = finding.tools.first().map_or("", String::as_str);
        let ignored = finding.native_suppression.is_some();
        let keys: Vec<Key<'_>> = finding
            .cwes
            .iter()
            .map(|cwe| (path, line, cwe.to_ascii_uppercase(), ignored))
            .collect();
        let joinable = keys
            .iter()
            .flat_map(|key| at.get(key).into_iter().flatten())
            .map(|&member| groups.find(member))
            .find(|root| !tools_of[root].contains(&tool));
        let root = match joinable {
            Some(root) => {
                let mut tools = tools_of.remove(&root).unwrap_or_default();
                groups.union(root, index);
                tools.push(tool);
                let root = groups.find(index);
                tools_of.insert(root, tools);
                root
            }
            None => {
                tools_of.insert(index, vec![tool]);
                index
            }
        };
        for key in keys {
            let members = at.entry(key).or_default();
            if !members.contains(&root) {
                members.push(root);
            }
        }
    }
}

/// The file and first line of a code finding that one tool reported, when it has both.
fn code_place(finding: &Finding) -> Option<(&str, u64)> {
    let location = finding.location.as_ref()?;
    let line = location.start_line?;
    (finding.kind == Kind::Code && finding.tools.len() == 1 && finding.reports.is_empty())
        .then_some((location.path.as_str(), line))
}

/// What `finding`'s one tool said about it.
fn tool_report(finding: &Finding) -> ToolReport {
    ToolReport {
        tool: finding.tools.first().cloned().unwrap_or_default(),
        rule_id: finding.rule_id.clone(),
        severity: finding.severity,
        tool_severity: finding.tool_severity.clone(),
        native_suppression: finding.native_suppression.clone(),
    }
}

/// Recomputes every dependency fingerprint from the merged ids (a lone finding may carry its
/// tool's occurrence index, which no longer means anything once its duplicates are merged), then
/// breaks the ties that remain: findings without a package have no key to tell them apart.
fn refingerprint_dependencies(findings: &mut [Finding]) {
    let positions: Vec<usize> = (0..findings.len())
        .filter(|&position| findings[position].kind == Kind::Dependency)
        .collect();
    let mut dependencies: Vec<Finding> = positions.iter().map(|&position| findings[position].clone()).collect();
    for finding in &mut dependencies {
        finding.fingerprint = dependency_fingerprint(finding);
    }
    break_ties(&mut dependencies);
    for (position, finding) in positions.into_iter().zip(dependencies) {
        findings[position].fingerprint = finding.fingerprint;
    }
}

fn merge(into: &mut Finding, other: Finding) {
    if into.kind == Kind::Code {
        into.reports.push(tool_report(&other));
    }
    for tool in other.tools {
        if !into.tools.contains(&tool) {
            into.tools.push(tool);
        }
    }
    if other.severity > into.severity {
        into.severity = other.severity;
        into.tool_severity = other.tool_severity;
        into.cvss_score = other.cvss_score.or(into.cvss_score);
    } else if into.cvss_score.is_none() {
        into.cvss_score = other.cvss_score;
    }
    if into.kind == Kind::Dependency {
        for id in std::iter::once(other.rule_id).chain(other.vulnerability_ids) {
            if id != into.rule_id && !into.vulnerability_ids.contains(&id) {
                into.vulnerability_ids.push(id);
            }
        }
        if !into.vulnerability_ids.contains(&into.rule_id) {
            into.vulnerability_ids.insert(0, into.rule_id.clone());
        }
    }
    for cwe in other.cwes {
        if !into.cwes.contains(&cwe) {
            into.cwes.push(cwe);
        }
    }
    if let (Some(package), Some(theirs)) = (into.package.as_mut(), other.package) {
        package.version = package.version.take().or(theirs.version);
        package.fixed_version = package.fixed_version.take().or(theirs.fixed_version);
    }
    let has_line = into.location.as_ref().is_some_and(|l| l.start_line.is_some());
    if !has_line && other.location.as_ref().is_some_and(|l| l.start_line.is_some()) {
        into.location = other.location;
    }
    into.help = into.help.take().or(other.help);
    into.help_uri = into.help_uri.take().or(other.help_uri);
    into.confidence = into.confidence.take().or(other.confidence);
    into.native_suppression = into.native_suppression.take().or(other.native_suppression);
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(size: usize) -> Self {
        UnionFind {
            parent: (0..size).collect(),
        }
    }

    fn find(&mut self, mut index: usize) -> usize {
        while self.parent[index] != index {
            self.parent[index] = self.parent[self.parent[index]];
            index = self.parent[index];
        }
        index
    }

    /// Joins two sets; the smaller index stays the root so groups keep input order.
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            self.parent[high] = low;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers_for_tests::{dependency, installed_at};
    use crate::Severity;

    #[test]
    fn a_merged_finding_is_marked_only_when_every_member_is() {
        let lodash =
            |tool: &str, id: &str, aliases: &[&str]| dependency(tool, id, aliases, "npm", "lodash", Severity::High);
        let merged = dedup_marked(vec![
            (lodash("trivy", "CVE-2021-1", &[]), true),
            (lodash("osv-scanner", "GHSA-xxxx", &["CVE-2021-1"]), false),
            (lodash("trivy", "CVE-2021-2", &[]), true),
            (lodash("npm-audit", "CVE-2021-2", &[]), true),
        ]);
        let marks: Vec<bool> = merged.iter().map(|(_, marked)| *marked).collect();
        assert_eq!(marks, [false, true]);
        assert_eq!(merged[0].0.tools, ["osv-scanner", "trivy"]);
    }

    #[test]
    fn same_vulnerability_from_three_tools_is_one_finding() {
        let findings = vec![
            dependency("trivy", "CVE-2021-1", &[], "npm", "lodash", Severity::High),
            dependency(
                "osv-scanner",
                "GHSA-xxxx",
                &["CVE-2021-1"],
                "npm",
                "lodash",
                Severity::Critical,
            ),
            dependency("npm-audit", "GHSA-xxxx", &[], "npm", "lodash", Severity::Medium),
            dependency("npm-audit", "GHSA-yyyy", &[], "npm", "lodash", Severity::Low),
            dependency("trivy", "CVE-2021-1", &[], "npm", "other", Severity::High),
        ];
        let merged = dedup(findings);
        assert_eq!(merged.len(), 3);
        assert_eq!(merged[0].tools, ["osv-scanner", "npm-audit", "trivy"]);
        assert_eq!(merged[0].severity, Severity::Critical);
        assert_eq!(merged[0].rule_id, "CVE-2021-1");
        assert_eq!(merged[0].vulnerability_ids, ["CVE-2021-1", "GHSA-xxxx"]);
        let alone = dedup(vec![dependency(
            "osv-scanner",
            "GHSA-xxxx",
            &["CVE-2021-1"],
            "npm",
            "lodash",
            Severity::High,
        )]);
        assert_eq!(
            alone[0].fingerprint, merged[0].fingerprint,
            "fingerprint does not depend on which tools saw it"
        );
        assert_ne!(merged[0].fingerprint, merged[2].fingerprint);
    }

    /// minimist's GHSA-xvch-5gv4-984h as each tool reports it, at `lockfile` and `version`.
    fn minimist_from_every_tool(lockfile: &str, version: &str) -> Vec<Finding> {
        let minimist = |tool, id, aliases: &[&str]| {
            installed_at(
                dependency(tool, id, aliases, "npm", "minimist", Severity::Critical),
                lockfile,
                version,
            )
        };
        vec![
            minimist("trivy", "CVE-2021-44906", &["GHSA-xvch-5gv4-984h"]),
            minimist("osv-scanner", "GHSA-xvch-5gv4-984h", &["CVE-2021-44906"]),
            minimist("npm-audit", "GHSA-xvch-5gv4-984h", &[]),
        ]
    }

    #[test]
    fn the_same_vulnerability_in_two_lockfiles_is_two_findings_each_with_every_tool() {
        let mut findings = minimist_from_every_tool("app1/package-lock.json", "1.2.5");
        findings.extend(minimist_from_every_tool("app2/package-lock.json", "1.2.5"));
        let merged = dedup(findings);
        let paths: Vec<&str> = merged
            .iter()
            .map(|f| f.location.as_ref().unwrap().path.as_str())
            .collect();
        assert_eq!(paths, ["app1/package-lock.json", "app2/package-lock.json"]);
        for finding in &merged {
            assert_eq!(finding.tools, ["osv-scanner", "npm-audit", "trivy"]);
        }
        assert_ne!(merged[0].fingerprint, merged[1].fingerprint);
    }

    #[test]
    fn two_installed_versions_in_one_lockfile_are_two_findings() {
        let mut findings = minimist_from_every_tool("package-lock.json", "1.2.5");
        findings.extend(minimist_from_every_tool("package-lock.json", "0.0.8"));
        let merged = dedup(findings);
        let versions: Vec<&str> = merged
            .iter()
            .map(|f| f.package.as_ref().unwrap().version.as_deref().unwrap())
            .collect();
        assert_eq!(versions, ["1.2.5", "0.0.8"]);
        assert!(merged.iter().all(|f| f.tools.len() == 3), "{merged:#?}");
        assert_ne!(merged[0].fingerprint, merged[1].fingerprint);
    }

    #[test]
    fn go_versions_meet_with_or_without_their_v() {
        let module = |tool, version| {
            installed_at(
                dependency(tool, "GO-2024-1", &[], "Go", "golang.org/x/net", Severity::High),
                "go.mod",
                version,
            )
        };
        let merged = dedup(vec![module("trivy", "v0.17.0"), module("osv-scanner", "0.17.0")]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].tools, ["osv-scanner", "trivy"]);
    }

    #[test]
    fn the_fingerprint_has_the_lockfile_and_version_but_no_line() {
        let at_line = |line| {
            let mut finding = minimist_from_every_tool("web/package-lock.json", "1.2.5").remove(1);
            finding.location.as_mut().unwrap().start_line = Some(line);
            dependency_fingerprint(&finding)
        };
        assert_eq!(at_line(12), at_line(40), "a line shift keeps the fingerprint");
        let fingerprint = |lockfile, version| dependency_fingerprint(&minimist_from_every_tool(lockfile, version)[1]);
        let base = fingerprint("web/package-lock.json", "1.2.5");
        assert_ne!(base, fingerprint("api/package-lock.json", "1.2.5"));
        assert_ne!(base, fingerprint("web/package-lock.json", "0.0.8"));
    }

    /// What a user's alert is keyed on: the rule id, the run (first tool) and the fingerprint.
    fn identities(findings: Vec<Finding>) -> Vec<(String, String, String)> {
        dedup(findings)
            .into_iter()
            .map(|f| (f.rule_id, f.tools[0].clone(), f.fingerprint))
            .collect()
    }

    #[test]
    fn the_rule_id_and_run_do_not_depend_on_which_tools_ran_or_their_order() {
        let [trivy, osv, npm] =
            <[Finding; 3]>::try_from(minimist_from_every_tool("package-lock.json", "1.2.5")).unwrap();
        let expected = identities(vec![osv.clone(), npm.clone()]);
        assert_eq!(expected[0].0, "CVE-2021-44906", "the CVE, not the first tool's GHSA id");
        assert_eq!(expected[0].1, "osv-scanner");
        for findings in [
            vec![trivy.clone(), osv.clone(), npm.clone()],
            vec![npm.clone(), trivy.clone(), osv.clone()],
            vec![npm.clone(), osv.clone()],
            vec![osv.clone(), trivy.clone()],
            vec![osv.clone()],
        ] {
            let tools: Vec<String> = findings.iter().map(|f| f.tools[0].clone()).collect();
            assert_eq!(identities(findings), expected, "with {tools:?}");
        }
        let merged = dedup(vec![trivy, npm, osv]).remove(0);
        assert_eq!(merged.tools, ["osv-scanner", "npm-audit", "trivy"]);
        assert_eq!(merged.vulnerability_ids, ["CVE-2021-44906", "GHSA-xvch-5gv4-984h"]);
    }

    #[test]
    fn a_lone_finding_takes_the_canonical_id_and_keeps_its_own() {
        let npm_only = dedup(vec![dependency(
            "npm-audit",
            "GHSA-xvch-5gv4-984h",
            &[],
            "npm",
            "minimist",
            Severity::High,
        )]);
        assert_eq!(npm_only[0].rule_id, "GHSA-xvch-5gv4-984h", "no CVE known: the GHSA id");
        assert!(npm_only[0].vulnerability_ids == ["GHSA-xvch-5gv4-984h"]);
        let go = dedup(vec![dependency(
            "osv-scanner",
            "GO-2024-1",
            &["GHSA-bbbb", "CVE-2024-9", "CVE-2024-10"],
            "Go",
            "golang.org/x/net",
            Severity::High,
        )]);
        assert_eq!(go[0].rule_id, "CVE-2024-10", "the first CVE sorted");
        assert_eq!(
            go[0].vulnerability_ids,
            ["CVE-2024-10", "GO-2024-1", "GHSA-bbbb", "CVE-2024-9"]
        );
        let mut code = dependency("semgrep", "GHSA-x", &["CVE-1"], "npm", "x", Severity::Low);
        code.kind = Kind::Code;
        assert_eq!(
            dedup(vec![code])[0].rule_id,
            "GHSA-x",
            "only dependency findings are renamed"
        );
    }

    /// A code finding `tool` reports with `rule` at `path`:`line` for `cwe`.
    fn weakness(tool: &str, rule: &str, path: &str, line: u64, cwe: &str, severity: Severity) -> Finding {
        let mut finding = Finding::new(tool, Kind::Code, rule, severity);
        finding.tool_severity = severity.as_str().to_uppercase();
        finding.cwes = vec![cwe.to_owned()];
        finding.location = Some(crate::Location {
            path: path.to_owned(),
            start_line: Some(line),
            end_line: Some(line),
            start_column: Some(5),
            end_column: None,
        });
        finding.fingerprint = hash(&[tool.as_bytes(), rule.as_bytes(), path.as_bytes(), &line.to_le_bytes()]);
        finding
    }

    fn ignored(mut finding: Finding, kind: &str) -> Finding {
        finding.native_suppression = Some(crate::NativeSuppression {
            kind: kind.to_owned(),
            justification: Some("checked".to_owned()),
            origin: None,
        });
        finding
    }

    #[test]
    fn two_code_scanners_on_one_line_for_one_cwe_are_one_finding_with_semgrep_s_identity() {
        let gosec = weakness("gosec", "G401", "main.go", 12, "CWE-328", Severity::High);
        let semgrep = weakness("semgrep", "go-weak-hash", "main.go", 12, "CWE-328", Severity::Medium);
        for findings in [
            vec![gosec.clone(), semgrep.clone()],
            vec![semgrep.clone(), gosec.clone()],
        ] {
            let merged = dedup(findings);
            assert_eq!(merged.len(), 1, "{merged:#?}");
            let merged = &merged[0];
            assert_eq!(merged.tools, ["semgrep", "gosec"]);
            assert_eq!(
                (merged.rule_id.as_str(), merged.fingerprint.as_str()),
                (semgrep.rule_id.as_str(), semgrep.fingerprint.as_str()),
                "the identity semgrep alone gives it"
            );
            assert_eq!(merged.severity, Severity::High, "the most severe report");
            let reports: Vec<(&str, &str, Severity)> = merged
                .reports
                .iter()
                .map(|r| (r.tool.as_str(), r.rule_id.as_str(), r.severity))
                .collect();
            assert_eq!(
                reports,
                [
                    ("semgrep", "go-weak-hash", Severity::Medium),
                    ("gosec", "G401", Severity::High)
                ]
            );
            let alone: Vec<(String, String, Severity)> = merged
                .as_reported()
                .iter()
                .map(|f| (f.tools.join(","), f.rule_id.clone(), f.severity))
                .collect();
            assert_eq!(alone[1], ("gosec".to_owned(), "G401".to_owned(), Severity::High));
        }
        assert!(
            dedup(vec![semgrep.clone()])[0].reports.is_empty(),
            "a lone report has no reports list"
        );
    }

    #[test]
    fn code_findings_stay_apart_on_another_line_cwe_or_file_from_one_tool_or_ignored_by_one() {
        let semgrep = weakness("semgrep", "go-weak-hash", "main.go", 12, "CWE-328", Severity::Medium);
        let apart = |other: Finding| dedup(vec![semgrep.clone(), other]).len();
        assert_eq!(
            apart(weakness("gosec", "G401", "main.go", 13, "CWE-328", Severity::High)),
            2
        );
        assert_eq!(
            apart(weakness("gosec", "G401", "util.go", 12, "CWE-328", Severity::High)),
            2
        );
        assert_eq!(
            apart(weakness("gosec", "G204", "main.go", 12, "CWE-78", Severity::High)),
            2
        );
        assert_eq!(
            apart(weakness(
                "semgrep",
                "go-other",
                "main.go",
                12,
                "CWE-328",
                Severity::High
            )),
            2
        );
        assert_eq!(
            apart(ignored(
                weakness("gosec", "G401", "main.go", 12, "CWE-328", Severity::High),
                "nosec"
            )),
            2,
            "a #nosec never hides semgrep's unsuppressed report"
        );
        let both_ignored = dedup(vec![
            ignored(semgrep.clone(), "nosemgrep"),
            ignored(
                weakness("gosec", "G401", "main.go", 12, "CWE-328", Severity::High),
                "nosec",
            ),
        ]);
        assert_eq!(both_ignored.len(), 1);
        let kinds: Vec<&str> = both_ignored[0]
            .reports
            .iter()
            .filter_map(|r| r.native_suppression.as_ref().map(|n| n.kind.as_str()))
            .collect();
        assert_eq!(kinds, ["nosemgrep", "nosec"]);
    }

    #[test]
    fn each_tool_joins_one_report_per_group() {
        let merged = dedup(vec![
            weakness("semgrep", "go-weak-hash", "main.go", 12, "CWE-328", Severity::Medium),
            weakness("semgrep", "go-weak-hash-2", "main.go", 12, "CWE-328", Severity::Medium),
            weakness("gosec", "G401", "main.go", 12, "CWE-328", Severity::High),
            weakness("gosec", "G401", "main.go", 12, "CWE-328", Severity::High),
        ]);
        let shape: Vec<Vec<&str>> = merged
            .iter()
            .map(|f| f.tools.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(shape, [vec!["semgrep", "gosec"], vec!["semgrep", "gosec"]]);
    }
}
