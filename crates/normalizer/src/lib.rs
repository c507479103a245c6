/*!
Parses each scanner's output into scangate [`Finding`]s on one severity scale, merges the same
vulnerability reported by several dependency scanners, and writes them as one SARIF 2.1.0 log.

```no_run
use std::path::Path;
let root = Path::new("/repo");
let parsed = scangate_normalizer::parse("gosec", b"{\"Issues\":[],\"Stats\":{\"files\":1}}", root)?;
let runs = vec![scangate_normalizer::ToolRun::new("gosec", parsed)];
let written = scangate_normalizer::to_sarif(&runs, root);
# let _ = written;
# Ok::<(), scangate_normalizer::ParseError>(())
```
*/
#![deny(missing_docs)]

mod dedup;
mod error;
mod fingerprint;
pub mod inline_ignores;
mod minified;
mod model;
mod parsers;
mod paths;
mod repo_file;
mod sarif;
mod secrets;
mod severity;
mod version;

use std::path::Path;

pub use dedup::{canonical_vulnerability_id, dedup, dedup_marked};
pub use error::ParseError;
pub use fingerprint::sha256_hex;
pub use minified::{minified, Minified};
pub use model::{
    Category, Finding, Kind, Location, NativeSuppression, Package, Severity, SuppressionOrigin, ToolReport,
};
pub use parsers::{parser_names, semgrep_rule_prefix};
pub use repo_file::{open_repository_file, read_repository_config, read_repository_file, RepoFileError, CONTENT_LIMIT};
pub use sarif::read::{read_sarif, read_sarif_log, SarifLog};
pub use sarif::write::{
    split_by_first_tool, to_sarif, to_sarif_with, write_sarif, PolicySuppression, SarifOptions, SarifOutput, ToolRun,
    GITHUB_MAX_RESULTS_PER_RUN, GITHUB_MAX_RUNS,
};
pub use sarif::ScannerRecord;
pub use secrets::{
    credentials_in, redact_credentials, redact_url_credentials, url_credentials, SecretValues, Secrets, REDACTED,
};
pub use severity::{security_severity, severity_from_score};

/// What a parser needs to know besides the tool's output.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The absolute root that was scanned; tool paths are made relative to it.
    pub root: &'a Path,
    /// The directory the tool ran in, absolute or relative to `root` (gosec runs once per Go
    /// module, npm audit once per lockfile directory). `None` means `root`.
    pub target_dir: Option<&'a Path>,
    /// Dotted prefixes semgrep put in front of rule ids (see [`semgrep_rule_prefix`]).
    pub rule_prefixes: &'a [String],
    /// Today as `YYYY-MM-DD`, for tool-native ignores that expire (osv-scanner's `ignoreUntil`);
    /// `None` treats them as current.
    pub today: Option<&'a str>,
}

impl<'a> Context<'a> {
    /// A context for a tool that ran in `root` itself.
    pub fn new(root: &'a Path) -> Self {
        Context {
            root,
            target_dir: None,
            rule_prefixes: &[],
            today: None,
        }
    }
}

/// One tool's output, normalized.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Every finding the tool reported, in the tool's order (before cross-tool dedup).
    pub findings: Vec<Finding>,
    /// The tool's own error reports (npm's `error` object, gosec's `Golang errors`, semgrep's
    /// fatal `errors[]`): the run is not trustworthy when this is non-empty.
    pub tool_errors: Vec<String>,
    /// Problems that leave the rest of the result usable (semgrep's per-file parse errors).
    pub warnings: Vec<String>,
    /// Repository-relative paths of files the tool reported an error for (semgrep's per-file
    /// `errors[]`), each once, in the tool's order: their findings may be missing.
    pub file_errors: Vec<String>,
    /// Those of `file_errors` the tool gave up on for time (semgrep's `Timeout`): whether it
    /// analyses them depends on the machine's load, so the run covered its input only in part.
    pub timed_out: Vec<String>,
    /// The kinds of files the tool's checks tested, sorted (trivy's `config` results: `dockerfile`,
    /// `kubernetes`, `helm`, `terraform` …), failing or not: what an activity that concerns files
    /// of one kind is evidenced by.
    pub tested_kinds: Vec<String>,
    /// Secret values the tool's report holds (gitleaks' `Secret`, when not redacted): never in a
    /// finding, only kept so that every output can be scrubbed of them ([`Secrets`]).
    pub secrets: SecretValues,
}

/// Parses `output` of the tool named `tool` (canonical name) that scanned `root`.
pub fn parse(tool: &str, output: &[u8], root: &Path) -> Result<Parsed, ParseError> {
    parse_with(tool, output, &Context::new(root))
}

/// Parses `output` of the tool named `tool` with a full [`Context`].
pub fn parse_with(tool: &str, output: &[u8], context: &Context<'_>) -> Result<Parsed, ParseError> {
    let parser = parsers::parser_named(tool).ok_or_else(|| ParseError::UnknownTool(tool.to_owned()))?;
    if output.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty { tool: parser.name() });
    }
    let mut parsed = parser.parse(output, context)?;
    fingerprint::break_ties(&mut parsed.findings);
    tracing::debug!(
        tool,
        findings = parsed.findings.len(),
        errors = parsed.tool_errors.len(),
        "parsed"
    );
    Ok(parsed)
}

#[cfg(test)]
mod parsers_for_tests {
    use crate::{Finding, Kind, Location, Package, Severity};

    /// A dependency finding as a parser would make it.
    pub(crate) fn dependency(
        tool: &str,
        id: &str,
        aliases: &[&str],
        ecosystem: &str,
        name: &str,
        severity: Severity,
    ) -> Finding {
        let mut finding = Finding::new(tool, Kind::Dependency, id, severity);
        finding.vulnerability_ids = std::iter::once(id)
            .chain(aliases.iter().copied())
            .map(str::to_owned)
            .collect();
        finding.package = Some(Package {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            version: None,
            fixed_version: None,
        });
        finding.location = Some(Location {
            path: "package-lock.json".to_owned(),
            start_line: None,
            end_line: None,
            start_column: None,
            end_column: None,
        });
        finding.fingerprint = crate::dedup::dependency_fingerprint(&finding);
        finding
    }

    /// `finding` installed at `version` in `lockfile`, its fingerprint recomputed.
    pub(crate) fn installed_at(mut finding: Finding, lockfile: &str, version: &str) -> Finding {
        finding
            .location
            .as_mut()
            .expect("a dependency finding has a location")
            .path = lockfile.to_owned();
        finding
            .package
            .as_mut()
            .expect("a dependency finding has a package")
            .version = Some(version.to_owned());
        finding.fingerprint = crate::dedup::dependency_fingerprint(&finding);
        finding
    }
}
