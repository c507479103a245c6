//! Cross-tool dedup (DESIGN §4): the same vulnerability in the same package, reported by trivy,
//! osv-scanner and npm audit, is one finding listing every tool.
//!
//! Choices, each for a gate that must neither miss nor double-count:
//! - same package = same ecosystem (case-insensitive) and name (PyPI names normalized per PEP 503);
//!   the lockfile path is not part of it, as DESIGN §4's fingerprint has no path either;
//! - same vulnerability = any shared id or alias, transitively (A~B, B~C ⇒ one finding);
//! - the merged finding is the first one in input order (so it lands in the first tool's SARIF
//!   run), with the **most severe** severity of the group and that member's tool label and CVSS:
//!   tools disagree mostly because one lacks a score, and under-reporting is the worse error;
//! - ids, CWEs and tools are unioned in order of appearance; missing location line, versions, help
//!   are filled from other members;
//! - a native suppression by any member (an osv-scanner.toml or .trivyignore entry) is kept: the
//!   user said so for that vulnerability in one tool;
//! - the fingerprint is recomputed from the union of ids, so it does not depend on which tool's id
//!   came first.

use std::collections::HashMap;

use crate::fingerprint::{break_ties, hash};
use crate::{Finding, Kind};

/// The id a dependency fingerprint uses: the lexicographically first `CVE-` id, else `GHSA-`, else
/// any id. CVE first because trivy, osv-scanner (aliases) and npm v1 all carry it.
pub fn canonical_vulnerability_id<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let ids: Vec<&str> = ids.into_iter().filter(|id| !id.is_empty()).collect();
    ["CVE-", "GHSA-", ""]
        .iter()
        .find_map(|prefix| ids.iter().copied().filter(|id| id.starts_with(prefix)).min())
}

/// DESIGN §4 dependency fingerprint: ecosystem + package name + canonical vulnerability id.
pub(crate) fn dependency_fingerprint(finding: &Finding) -> String {
    let (ecosystem, name) = package_key(finding).unwrap_or_default();
    let ids = std::iter::once(finding.rule_id.as_str()).chain(finding.vulnerability_ids.iter().map(String::as_str));
    let id = canonical_vulnerability_id(ids).unwrap_or_default();
    hash(&[b"dependency", ecosystem.as_bytes(), name.as_bytes(), id.as_bytes()])
}

fn package_key(finding: &Finding) -> Option<(String, String)> {
    let package = finding.package.as_ref()?;
    let ecosystem = package.ecosystem.to_ascii_lowercase();
    let name = if ecosystem == "pypi" {
        package.name.to_ascii_lowercase().replace(['_', '.'], "-")
    } else {
        package.name.clone()
    };
    Some((ecosystem, name))
}

/// Merges dependency findings that are the same vulnerability in the same package; every other
/// finding passes through. Order: each merged finding where its first member was.
pub fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups = UnionFind::new(findings.len());
    let mut first_by_id: HashMap<(String, String, String), usize> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if finding.kind != Kind::Dependency {
            continue;
        }
        let Some((ecosystem, name)) = package_key(finding) else {
            continue;
        };
        for id in std::iter::once(&finding.rule_id).chain(&finding.vulnerability_ids) {
            let key = (ecosystem.clone(), name.clone(), id.to_ascii_uppercase());
            match first_by_id.get(&key) {
                Some(&other) => groups.union(other, index),
                None => {
                    first_by_id.insert(key, index);
                }
            }
        }
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for index in 0..findings.len() {
        members.entry(groups.find(index)).or_default().push(index);
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for index in 0..slots.len() {
        let Some(group) = members.get(&groups.find(index)) else {
            continue;
        };
        if group[0] != index {
            continue;
        }
        let mut merged = slots[index].take().expect("each finding is taken once");
        if group.len() > 1 {
            for &other in &group[1..] {
                merge(&mut merged, slots[other].take().expect("each finding is taken once"));
            }
            merged.fingerprint = dependency_fingerprint(&merged);
        }
        out.push(merged);
    }
    if out.iter().any(|f| f.kind == Kind::Dependency) {
        // Two lockfiles with the same package and vulnerability are two findings again only if
        // some tool kept them apart; the occurrence index keeps their fingerprints distinct.
        let mut dependency: Vec<Finding> = Vec::new();
        let mut positions = Vec::new();
        for (position, finding) in out.iter().enumerate() {
            if finding.kind == Kind::Dependency {
                positions.push(position);
                dependency.push(finding.clone());
            }
        }
        for finding in &mut dependency {
            finding.fingerprint = dependency_fingerprint(finding);
        }
        break_ties(&mut dependency);
        for (position, finding) in positions.into_iter().zip(dependency) {
            out[position].fingerprint = finding.fingerprint;
        }
    }
    out
}

fn merge(into: &mut Finding, other: Finding) {
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
    for id in std::iter::once(other.rule_id).chain(other.vulnerability_ids) {
        if id != into.rule_id && !into.vulnerability_ids.contains(&id) {
            into.vulnerability_ids.push(id);
        }
    }
    if !into.vulnerability_ids.contains(&into.rule_id) {
        into.vulnerability_ids.insert(0, into.rule_id.clone());
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
    use crate::parsers_for_tests::dependency;
    use crate::Severity;

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
        assert_eq!(merged[0].tools, ["trivy", "osv-scanner", "npm-audit"]);
        assert_eq!(merged[0].severity, Severity::Critical);
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
}
