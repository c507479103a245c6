/*!
DSOMM-level policy, suppressions and baseline: turns findings into a verdict.

A [`Policy`] is a DSOMM preset (`gates/level-N.toml`, embedded) overlaid by a policy file, the
repository's own `scangate.toml` and the command line; [`Policy::resolve`] states the precedence
and the level floor (the full rules for scalars and arrays open `src/policy.rs`). [`evaluate`] applies it to normalized
findings and the scanners' outcomes and returns a [`Verdict`]: pass, fail or error (exit 0, 1, 2),
the counts, and each violation with its code, level and DSOMM activity.

```
use scangate_gate::{evaluate, Category, Date, Level, Outcome, Policy, PolicySources, SourceFile, ToolOutcome, ToolStatus};

let today = Date::parse("2025-06-01").unwrap();
let sources = PolicySources {
    policy_file: Some(SourceFile::new("policy.toml", "extends = \"level-1\"\n[thresholds]\nmax_medium = 10\n")),
    repo_config: None,
    cli_level: Level::new(1),
    suppressions_only: false,
};
let policy = Policy::resolve(&sources, today)?;
let tools = [ToolOutcome {
    name: "gitleaks".into(),
    categories: vec![Category::Secrets],
    status: ToolStatus::Ok,
    applies: true,
    reason: None,
    partial: None,
    gaps: Vec::new(),
    uncovered: Vec::new(),
    unanalysed: Vec::new(),
    tested_kinds: Vec::new(),
}];
let verdict = evaluate(&policy, &[], &tools, None, today);
assert_eq!(verdict.result, Outcome::Pass);
# Ok::<(), scangate_gate::PolicyError>(())
```
*/
#![deny(missing_docs)]

mod assess;
mod baseline;
mod catalogue;
mod change;
mod code;
mod date;
mod diag;
mod display;
mod evaluate;
mod model;
mod policy;
mod presets;
mod raw;
mod suppress;
mod third_party;

pub use assess::{assess, ActivityClaim, Assessment, AssessmentInput, Claim, LevelAssessment, RowReasons};
pub use baseline::{Baseline, BaselineError, FINGERPRINT_KEY};
pub use catalogue::{Catalogue, CatalogueSource, DsommActivity, DSOMM_COMMIT};
pub use change::Change;
pub use code::{Code, Effect};
pub use date::Date;
pub use diag::{Diagnostic, DiagnosticSeverity, PolicyError, SourceFile};
pub use display::one_line;
pub use evaluate::{
    evaluate, evaluate_change, AppliedSuppression, Counts, Outcome, Refusal, RefusedSuppression, ToolOutcome,
    ToolStatus, Verdict, Violation, Warning,
};
pub use model::{Activity, Category, Level, Origin};
pub use policy::{
    level_label, Ignored, Policy, PolicySources, Relaxation, Required, SeverityOverride, Threshold, Thresholds,
    ACTIVITY_KEYS, REPO_CONFIG, SCANGATE_POLICY_KEYS,
};
pub use presets::preset_text;
pub use suppress::{Selector, Suppression, SuppressionRules, SuppressionStatus};
pub use third_party::{MinifiedMode, ThirdParty, ThirdPartyGlob, PROPOSED_REASON, VENDORED_REASON};
