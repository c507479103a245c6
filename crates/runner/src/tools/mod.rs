//! The scanner registry: one file per scanner, one line per scanner in [`TOOLS`].

pub(crate) mod gitleaks;
mod gosec;
mod npm_audit;
mod osv_scanner;
mod reads;
mod semgrep;
mod trivy;

use crate::Tool;

pub use semgrep::{rule_sources as semgrep_rule_sources, RuleSource, BUNDLED as SEMGREP_BUNDLED};
pub(crate) use trivy::{sbom_args as trivy_sbom_args, EMPTY_CONFIG as TRIVY_EMPTY_CONFIG};

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

/// The file or reason an always-applicable root target names.
pub(crate) fn root_target(trigger: impl Into<String>) -> crate::Target {
    crate::Target {
        dir: std::path::PathBuf::new(),
        trigger: trigger.into(),
    }
}

/// The exclusions at or below the invocation's working directory, relative to it: what the
/// scanner is told to leave out. A path holding glob or ignore-file syntax (`*?[]{}\!#`) is
/// not passed on, since a scanner would read it as a pattern and could leave out more than it;
/// the findings under it are dropped by path after the scan instead.
pub(crate) fn exclusions_below<'a>(
    invocation: &'a crate::tool::Invocation<'_>,
) -> impl Iterator<Item = (&'a std::path::Path, &'a crate::Exclusion)> + 'a {
    let dir = &invocation.target.dir;
    invocation
        .repo
        .excluded()
        .iter()
        .filter_map(move |exclusion| exclusion.path.strip_prefix(dir).ok().map(|below| (below, exclusion)))
        .filter(|(below, _)| !below.as_os_str().is_empty() && is_literal(below))
}

fn is_literal(path: &std::path::Path) -> bool {
    !path
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .any(|byte| b"*?[]{}\\!#".contains(byte))
}

/// `host:port` of an `http(s)://host[:port][/path]` URL (the scheme's port when none is given).
pub(crate) fn host_and_port(url: &str) -> String {
    let (rest, port) = match url.split_once("://") {
        Some(("http", rest)) => (rest, 80),
        Some((_, rest)) => (rest, 443),
        None => (url, 443),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let has_port = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.contains("]:"),
        None => authority.contains(':'),
    };
    match has_port {
        true => authority.to_string(),
        false => format!("{authority}:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_server_is_the_url_s_host_and_port() {
        assert_eq!(host_and_port("https://semgrep.dev"), "semgrep.dev:443");
        assert_eq!(host_and_port("http://127.0.0.1:8080/c/p/default"), "127.0.0.1:8080");
        assert_eq!(host_and_port("http://registry.internal/"), "registry.internal:80");
        assert_eq!(
            host_and_port("https://user:pass@semgrep.example"),
            "semgrep.example:443"
        );
        assert_eq!(host_and_port("https://[::1]:9000"), "[::1]:9000");
        assert_eq!(host_and_port("https://[::1]"), "[::1]:443");
    }
    use crate::RepoIndex;

    fn repo_with(files: &[&str]) -> (tempfile::TempDir, RepoIndex) {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(&path, "apiVersion: v1\nkind: Pod\n").expect("write");
        }
        let index = RepoIndex::scan(dir.path(), &crate::Excludes::default()).expect("index");
        (dir, index)
    }

    fn triggers(tool: &str, index: &RepoIndex) -> Vec<String> {
        tool_named(tool)
            .expect("known tool")
            .targets(index)
            .into_iter()
            .map(|t| t.trigger)
            .collect()
    }

    #[test]
    fn gosec_runs_once_per_go_module_outside_vendor() {
        let (_dir, index) = repo_with(&["go.mod", "tools/go.mod", "vendor/x/go.mod", "main.go"]);
        assert_eq!(triggers("gosec", &index), ["go.mod", "tools/go.mod"]);
    }

    #[test]
    fn npm_audit_runs_once_per_lockfile_directory() {
        let (_dir, index) = repo_with(&[
            "package-lock.json",
            "web/npm-shrinkwrap.json",
            "node_modules/a/package-lock.json",
        ]);
        assert_eq!(
            triggers("npm-audit", &index),
            ["package-lock.json", "web/npm-shrinkwrap.json"]
        );
    }

    #[test]
    fn nothing_but_gitleaks_applies_to_plain_text() {
        let (_dir, index) = repo_with(&["README.txt"]);
        let applying: Vec<_> = TOOLS
            .iter()
            .filter(|t| !t.targets(&index).is_empty())
            .map(|t| t.name())
            .collect();
        assert_eq!(applying, ["gitleaks"]);
    }

    #[test]
    fn trivy_recognises_kubernetes_manifests_by_content() {
        let (_dir, index) = repo_with(&["deploy/pod.yaml"]);
        assert_eq!(triggers("trivy", &index), ["deploy/pod.yaml"]);
        assert!(triggers("semgrep", &index).is_empty());
    }

    #[test]
    fn canonical_names_are_unique_and_known() {
        let names: Vec<_> = TOOLS.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            ["gitleaks", "semgrep", "gosec", "trivy", "osv-scanner", "npm-audit"]
        );
    }
}
