//! `[third_party]`: where the pipeline's owner says a tree is third-party code.
//!
//! - `exclude` (the `--policy` file only): no scanner reads these paths, exactly like
//!   `--exclude`. The repository may not hide its own files from the scanners, so an `exclude`
//!   in its `scangate.toml` is ignored and recorded.
//! - `vendored`: the paths are scanned, but code (SAST) findings there do not count. Each glob
//!   becomes a suppression of status `third_party` whose origin is the glob's line, so every
//!   report shows it like any `[[suppress]]` entry. Secrets and dependency findings still count.
//!   The repository's `scangate.toml` may propose `vendored` globs too; pull-request mode never
//!   applies them to a file the change adds or modifies, nor at all when the change wrote them
//!   (see `evaluate`).

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::{Diagnostic, SourceFile};
use crate::model::Origin;
use crate::raw::RawThirdParty;
use crate::suppress::{compile_glob, excerpt, Selector, Suppression, SuppressionStatus};

/// The reason a policy file's `vendored` glob gives its findings.
pub const VENDORED_REASON: &str = "vendored third-party code (policy)";

/// The reason a glob the repository proposes gives its findings.
pub const PROPOSED_REASON: &str = "vendored third-party code (proposed by the repository's scangate.toml)";

/// `[third_party]` of the effective policy, besides the `vendored` suppressions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ThirdParty {
    /// The policy file's `exclude` globs: the runner leaves these paths out of every scanner.
    pub exclude: Vec<ThirdPartyGlob>,
    /// The `vendored` globs the repository's `scangate.toml` proposes, for the notice each run
    /// shows (they are untrusted: a reader should see what the repository asked for).
    pub proposed: Vec<ThirdPartyGlob>,
    /// `minified`: what becomes of code findings in minified bundles.
    pub minified: MinifiedMode,
}

/// `[third_party] minified`: code findings in a minified bundle are one coverage note per file
/// (`note`, the default), or reported and counted like any other (`findings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinifiedMode {
    /// One note per bundle: a minifier's output is nobody's code to fix line by line.
    #[default]
    Note,
    /// Every finding, counted.
    Findings,
}

impl ThirdParty {
    /// The `exclude` globs, for the runner.
    pub fn exclude_globs(&self) -> Vec<String> {
        self.exclude.iter().map(|glob| glob.glob.clone()).collect()
    }
}

/// One glob of `[third_party]`, with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThirdPartyGlob {
    /// As written.
    pub glob: String,
    /// Where.
    pub origin: Origin,
}

/// What one file's `[third_party]` adds to the policy.
pub(crate) struct Declared {
    pub exclude: Vec<ThirdPartyGlob>,
    pub vendored: Vec<Suppression>,
    /// `exclude` globs and `minified` of the repository's config: where, and what was ignored.
    pub refused: Vec<(Origin, String)>,
    /// `minified`, from the policy file.
    pub minified: Option<MinifiedMode>,
}

/// Reads one file's `[third_party]`; every bad glob goes to `diagnostics` at its position.
/// `from_repository` marks the scanned repository's own `scangate.toml`.
pub(crate) fn declare(
    file: &SourceFile,
    raw: &RawThirdParty,
    from_repository: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Declared {
    let mut declared = Declared {
        exclude: Vec::new(),
        vendored: Vec::new(),
        refused: Vec::new(),
        minified: None,
    };
    if let Some(mode) = &raw.minified {
        let origin = file.origin(mode.span().start);
        if from_repository {
            // Which findings of minified files are reported is the pipeline's to say: `note`
            // hides findings, and a change could write it.
            let message = "[third_party] minified would change which findings of minified bundles are reported";
            declared.refused.push((origin, message.to_string()));
        } else {
            declared.minified = Some(*mode.get_ref());
        }
    }
    for glob in raw.exclude.iter().flatten() {
        let origin = file.origin(glob.span().start);
        if from_repository {
            let message = format!(
                "[third_party] exclude = [{:?}] would hide the repository's own files from every scanner",
                glob.get_ref()
            );
            declared.refused.push((origin, message));
        } else if checked(file, glob, "exclude", diagnostics).is_some() {
            declared.exclude.push(ThirdPartyGlob {
                glob: glob.get_ref().clone(),
                origin,
            });
        }
    }
    for glob in raw.vendored.iter().flatten() {
        let Some(matcher) = checked(file, glob, "vendored", diagnostics) else {
            continue;
        };
        let origin = file.origin(glob.span().start);
        let line = origin.line as u64;
        let reason = if from_repository {
            PROPOSED_REASON
        } else {
            VENDORED_REASON
        };
        declared.vendored.push(Suppression {
            selector: Selector::Vendored {
                path: glob.get_ref().clone(),
                matcher,
            },
            status: SuppressionStatus::ThirdParty,
            reason: Some(reason.to_string()),
            owner: None,
            expires: None,
            origin,
            lines: (line, line),
            from_repository,
        });
    }
    declared
}

/// The compiled glob, or a positioned error. An empty glob matches nothing anyone meant.
fn checked(
    file: &SourceFile,
    glob: &Spanned<String>,
    key: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<globset::GlobSet> {
    let text = glob.get_ref();
    let compiled = if text.trim().is_empty() {
        Err("it is empty".to_string())
    } else {
        compile_glob(text)
    };
    compiled
        .map_err(|why| {
            let message = format!("[third_party] {key}: {} is not a valid glob: {why}", excerpt(text));
            diagnostics.push(file.error(glob.span(), message));
        })
        .ok()
}
