//! Code findings in minified bundles, collapsed: unless the trusted policy says
//! `[third_party] minified = "findings"`, a minified file's code (SAST) findings are left out of
//! the results and the gate, and the reports say once per file how many there were. Secrets and
//! dependency findings are never collapsed. In pull-request mode a bundle the change adds or
//! modifies is not collapsed either, unless the policy's own `vendored` covers it: whether a file
//! is "minified" is read from its untrusted content, and a change must not hide code by writing
//! it on one long line.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use scangate_gate::{Change, MinifiedMode, Policy};
use scangate_normalizer::{minified, Finding, Kind};

/// The findings left out, and one note per bundle.
#[derive(Debug, Default)]
pub struct Collapsed {
    fingerprints: HashSet<String>,
    notes: Vec<String>,
}

impl Collapsed {
    /// Decides, for the code findings of `findings` (paths relative to `root`), which lie in a
    /// minified bundle the policy and the change let collapse. Each file is read once at most.
    pub fn of(root: &Path, policy: &Policy, change: Option<&Change>, findings: &[Finding]) -> Collapsed {
        let mut collapsed = Collapsed::default();
        if policy.third_party.minified == MinifiedMode::Findings {
            return collapsed;
        }
        let mut judged: HashMap<String, bool> = HashMap::new();
        let mut per_file: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for finding in findings.iter().filter(|finding| finding.kind == Kind::Code) {
            let Some(path) = finding.location.as_ref().map(|location| location.path.as_str()) else {
                continue;
            };
            let collapsible = *judged
                .entry(path.to_string())
                .or_insert_with(|| collapsible(root, path, policy, change));
            if collapsible {
                collapsed.fingerprints.insert(finding.fingerprint.clone());
                let tool = finding.tools.first().cloned().unwrap_or_default();
                *per_file.entry(path.to_string()).or_default().entry(tool).or_default() += 1;
            }
        }
        collapsed.notes = per_file.iter().map(|(path, tools)| note(path, tools)).collect();
        collapsed
    }

    /// True when `finding` is left out.
    pub fn hides(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint)
    }

    /// One line per bundle, for the warnings of every report.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// A minified file whose findings may be collapsed. A file that cannot be read as a regular file
/// of the repository is not judged minified: its findings are reported (fail closed).
fn collapsible(root: &Path, path: &str, policy: &Policy, change: Option<&Change>) -> bool {
    let changed = change.is_some_and(|change| change.touches_file(path));
    if changed && !policy.vendored_by_policy(path) {
        return false;
    }
    matches!(minified(root, Path::new(path)), Ok(Some(_)))
}

/// `static/jquery.min.js: minified bundle; 17 semgrep findings not reported (…)`.
fn note(path: &str, tools: &BTreeMap<String, u64>) -> String {
    let counts: Vec<String> = tools
        .iter()
        .map(|(tool, count)| {
            let noun = if *count == 1 { "finding" } else { "findings" };
            format!("{count} {tool} {noun}")
        })
        .collect();
    format!(
        "{path}: minified bundle; {} not reported (policy third_party.minified = \"findings\" reports them)",
        counts.join(", ")
    )
}
