//! The scanner registry: one file per scanner, one line per scanner in [`TOOLS`].

mod gitleaks;
mod gosec;
mod npm_audit;
mod osv_scanner;
mod semgrep;
mod trivy;

use crate::Tool;

/// Every scanner scangate knows, in report order.
pub static TOOLS: &[&dyn Tool] = &[
    &gitleaks::Gitleaks,
    &semgrep::Semgrep,
    &gosec::Gosec,
    &trivy::Trivy,
    &osv_scanner::OsvScanner,
    &npm_audit::NpmAudit,
];

/// The scanner with this canonical name.
pub fn tool_named(name: &str) -> Option<&'static dyn Tool> {
    TOOLS.iter().copied().find(|tool| tool.name() == name)
}

/// Lockfiles and manifests that dependency scanners read.
pub(crate) const DEPENDENCY_FILES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.mod",
    "Cargo.lock",
    "Gemfile.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "requirements.txt",
    "composer.lock",
    "pom.xml",
    "gradle.lockfile",
    "pubspec.lock",
    "mix.lock",
    "packages.lock.json",
];

/// The file or reason an always-applicable root target names.
pub(crate) fn root_target(trigger: impl Into<String>) -> crate::Target {
    crate::Target { dir: std::path::PathBuf::new(), trigger: trigger.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names_are_unique_and_known() {
        let names: Vec<_> = TOOLS.iter().map(|t| t.name()).collect();
        assert_eq!(names, ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"]);
    }
}
