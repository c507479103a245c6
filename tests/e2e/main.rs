//! End-to-end tests: they run the `scangate` binary on repositories they build, with the real
//! scanners (installed by `scripts/install-scanners`), except the fault and signal tests, which
//! put fake scanners in front to inject a crash, a hang or broken output, or to stop a scan.

mod assess;
mod base_vs_head;
mod bundled_rules;
mod change_scope;
mod ci_files;
mod ci_output;
mod dependencies;
mod evidence;
mod example;
mod exclusions;
mod fail_closed;
mod fingerprints;
mod gate;
mod github_action;
mod github_paths;
mod gitlab_ci_local;
mod html_report;
mod install;
mod modes;
mod normalize;
mod one_issue_once;
mod paths;
mod pre_commit;
mod release;
mod repo_config;
mod report_injection;
mod result_cache;
mod review_comments;
mod runner_faults;
mod sbom;
mod secret_scrubbing;
mod signals;
mod support;
mod tamper;
mod tamper_coverage;
mod tamper_ignores;
mod tamper_surface;
mod terminal;
mod third_party;
mod trust;
mod untrusted_repo;

/// The normalizer's independent finding counter and `shared/` lookup, shared with its own tests.
#[path = "../../crates/normalizer/tests/common/mod.rs"]
mod normalizer_common;
