//! The assessment: one run's findings and scanner outcomes against all five presets (and the
//! pipeline's own policy), the highest level met, what blocks the next, and what the run shows
//! of each DSOMM activity the presets cite.
//!
//! Each preset row is the preset of its level exactly, with the `[[suppress]]` entries of the
//! policy file and the repository's `scangate.toml` checked against that level's rules (see
//! [`PolicySources::suppressions_only`]): their thresholds, levels and optional scanners do not
//! move a preset, so a repository cannot talk its way up the ladder. An entry that breaks a
//! level's rules makes that row an error, not the assessment.

use std::collections::BTreeSet;

use scangate_normalizer::Finding;
use serde::Serialize;

use crate::baseline::Baseline;
use crate::catalogue::{Catalogue, DSOMM_COMMIT};
use crate::change::Change;
use crate::code::Code;
use crate::date::Date;
use crate::evaluate::{evaluate_change, Outcome, ToolOutcome, ToolStatus, Verdict, Violation};
use crate::model::{Category, Level};
use crate::policy::{Policy, PolicySources};

/// What an assessment is computed from.
#[derive(Debug, Clone, Copy)]
pub struct AssessmentInput<'a> {
    /// The policy file and repo config whose suppressions the preset rows apply; `cli_level`
    /// is not read.
    pub sources: &'a PolicySources,
    /// The pipeline's effective policy (`--policy`, the repo config, `--level`), its own row.
    pub policy: Option<&'a Policy>,
    /// Every normalized finding of the run.
    pub findings: &'a [Finding],
    /// Every scanner of the run.
    pub tools: &'a [ToolOutcome],
    /// Findings already known.
    pub baseline: Option<&'a Baseline>,
    /// Dates the expiry checks.
    pub today: Date,
    /// Pull-request mode.
    pub change: Option<&'a Change>,
}

/// One row: a level (or the pipeline's policy) and how the run fares against it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LevelAssessment {
    /// The level judged by.
    pub level: Level,
    /// `level 3`, or for the policy row `level 3, relaxed by policy.toml: …` when it relaxes.
    pub label: String,
    /// Pass, fail or error.
    pub verdict: Outcome,
    /// Why it failed or errored, first blocking reason first.
    pub violations: Vec<Violation>,
}

impl LevelAssessment {
    fn new(verdict: &Verdict) -> Self {
        LevelAssessment {
            level: verdict.level,
            label: verdict.level_label.clone(),
            verdict: verdict.result,
            violations: verdict.violations.clone(),
        }
    }

    /// Its reasons, less those the row `below` (the level under it) gives too: a ladder shows a
    /// reason once, where it first blocks.
    pub fn reasons_beyond(&self, below: Option<&LevelAssessment>) -> RowReasons<'_> {
        let in_below = |violation: &Violation| {
            below.is_some_and(|below| below.violations.iter().any(|other| other.reason == violation.reason))
        };
        let (repeated, own): (Vec<&Violation>, Vec<&Violation>) =
            self.violations.iter().partition(|violation| in_below(violation));
        RowReasons {
            below: below.filter(|_| !repeated.is_empty()).map(|below| below.level),
            repeated: repeated.len(),
            own,
        }
    }
}

/// A row's reasons, as a ladder shows them ([`LevelAssessment::reasons_beyond`]).
#[derive(Debug)]
pub struct RowReasons<'a> {
    /// The level below, when some of the row's reasons are that level's too.
    pub below: Option<Level>,
    /// How many of the row's reasons the level below gives too.
    pub repeated: usize,
    /// The row's other reasons, first blocking reason first.
    pub own: Vec<&'a Violation>,
}

/// How far the run shows a DSOMM activity being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// The run shows it.
    Evidenced,
    /// The run shows part of it (gitleaks without the full history, ...).
    Partial,
    /// The run does not show it.
    NotEvidenced,
}

impl Claim {
    /// `evidenced`, `partial` or `not_evidenced`.
    pub fn as_str(self) -> &'static str {
        match self {
            Claim::Evidenced => "evidenced",
            Claim::Partial => "partial",
            Claim::NotEvidenced => "not_evidenced",
        }
    }
}

/// One DSOMM activity the presets cite, and what this run shows of it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ActivityClaim {
    /// Its uuid.
    pub id: String,
    /// Its name in the catalogue.
    pub name: String,
    /// Its DSOMM level.
    pub dsomm_level: u8,
    /// Its sub-dimension.
    pub sub_dimension: String,
    /// How far the run shows it.
    pub claim: Claim,
    /// Why, in a sentence.
    pub reason: String,
}

/// The whole assessment.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Assessment {
    /// Levels 1 to 5, in order.
    pub levels: Vec<LevelAssessment>,
    /// The pipeline's own policy, when one was given.
    pub policy: Option<LevelAssessment>,
    /// The highest level whose row passes along with every row below it; 0 when level 1 does not.
    pub highest_met: u8,
    /// The next level's blocking reasons; `None` when level 5 is met.
    pub next: Option<LevelAssessment>,
    /// Each activity the presets cite, in DSOMM level order.
    pub activities: Vec<ActivityClaim>,
    /// The DevSecOps-MaturityModel-data commit of the catalogue the activities come from.
    pub catalogue_commit: &'static str,
}

/// Evaluates every preset on the same findings; see the module doc. The rows' warnings are not
/// logged: they are in the rows, and the verdict the pipeline gates by logs its own once.
pub fn assess(input: &AssessmentInput<'_>) -> Assessment {
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || assess_quietly(input))
}

fn assess_quietly(input: &AssessmentInput<'_>) -> Assessment {
    let verdicts: Vec<Verdict> = (1..=5).filter_map(Level::new).map(|level| row(input, level)).collect();
    let levels: Vec<LevelAssessment> = verdicts.iter().map(LevelAssessment::new).collect();
    let highest_met = levels.iter().take_while(|row| row.verdict == Outcome::Pass).count();
    let policy = input.policy.map(|policy| {
        let verdict = evaluate_change(
            policy,
            input.findings,
            input.tools,
            input.baseline,
            input.today,
            input.change,
        );
        LevelAssessment::new(&verdict)
    });
    Assessment {
        next: levels.get(highest_met).cloned(),
        highest_met: highest_met as u8,
        activities: claims(&verdicts, input.tools),
        levels,
        policy,
        catalogue_commit: DSOMM_COMMIT,
    }
}

impl Assessment {
    /// Levels 1 to 5, each with the row under it (none for level 1).
    pub fn rungs(&self) -> impl Iterator<Item = (&LevelAssessment, Option<&LevelAssessment>)> {
        self.levels
            .iter()
            .enumerate()
            .map(|(index, row)| (row, index.checked_sub(1).map(|below| &self.levels[below])))
    }

    /// `highest level met: 2; to reach 3: 1 medium finding > 0 allowed (…)`, with at most
    /// `reasons` blocking reasons.
    pub fn headline(&self, reasons: usize) -> String {
        let mut line = format!("highest level met: {}", self.highest_met);
        if let Some(next) = &self.next {
            let blocking: Vec<&str> = next
                .violations
                .iter()
                .take(reasons)
                .map(|v| v.message.as_str())
                .collect();
            let more = next.violations.len().saturating_sub(reasons);
            let more = if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            };
            line.push_str(&format!("; to reach {}: {}{more}", next.level, blocking.join("; ")));
        }
        line
    }
}

/// The verdict of one preset row; a policy that does not resolve at this level is the row's error.
fn row(input: &AssessmentInput<'_>, level: Level) -> Verdict {
    let sources = PolicySources {
        cli_level: Some(level),
        suppressions_only: true,
        ..input.sources.clone()
    };
    match Policy::resolve(&sources, input.today) {
        Ok(policy) => evaluate_change(
            &policy,
            input.findings,
            input.tools,
            input.baseline,
            input.today,
            input.change,
        ),
        Err(error) => Verdict::invalid_policy(level, &error),
    }
}

/// What the run shows of each activity the level-5 preset cites (it cites every preset's).
fn claims(verdicts: &[Verdict], tools: &[ToolOutcome]) -> Vec<ActivityClaim> {
    let preset = Policy::preset(Level::MAX);
    let catalogue = Catalogue::get();
    let mut seen = BTreeSet::new();
    let mut claims = Vec::new();
    for (key, activities) in &preset.activities {
        for activity in activities {
            let Some(known) = catalogue.activity(&activity.id) else {
                continue;
            };
            if !seen.insert(activity.id.clone()) {
                continue;
            }
            let (claim, reason) = claim_for(key, &activity.id, verdicts, tools);
            claims.push(ActivityClaim {
                id: known.uuid.clone(),
                name: known.name.clone(),
                dsomm_level: known.level,
                sub_dimension: known.sub_dimension.clone(),
                claim,
                reason,
            });
        }
    }
    claims.sort_by(|a, b| (a.dsomm_level, &a.name).cmp(&(b.dsomm_level, &b.name)));
    claims
}

fn claim_for(key: &str, id: &str, verdicts: &[Verdict], tools: &[ToolOutcome]) -> (Claim, String) {
    if key == "required.multiple_analyzers" {
        return multiple_analyzers(tools);
    }
    if let Some(category) = key.strip_prefix("required.").and_then(Category::parse) {
        let (claim, reason) = category_claim(category, tools);
        return match file_kinds_claim(id, category, tools) {
            Some(Err(missing)) if claim != Claim::NotEvidenced => (Claim::NotEvidenced, missing),
            Some(Ok(tested)) if claim == Claim::Evidenced => (claim, tested),
            _ => (claim, reason),
        };
    }
    // Thresholds and suppression rules: judged on the row of the DSOMM level of the activity,
    // the lowest preset that enforces it.
    let level = Catalogue::get().activity(id).map_or(1, |a| a.level);
    let Some(verdict) = verdicts.get(usize::from(level.clamp(1, 5)) - 1) else {
        return (Claim::NotEvidenced, "not assessed".into());
    };
    let blocking = verdict
        .violations
        .iter()
        .find(|v| v.code == Code::InvalidPolicy || v.activities.iter().any(|a| a.id == id));
    if let Some(violation) = blocking {
        return (Claim::NotEvidenced, violation.message.clone());
    }
    if key.starts_with("suppression_rules.") {
        return if verdict.suppressed == 0 {
            (
                Claim::NotEvidenced,
                "no finding was triaged (no suppression in this run)".into(),
            )
        } else {
            let reason = format!(
                "{} suppressed finding(s), every entry within the level-{level} rules",
                verdict.suppressed
            );
            (Claim::Evidenced, reason)
        };
    }
    (Claim::Evidenced, format!("within the level-{level} thresholds"))
}

/// A required category: evidenced when a scanner of it ran successfully and covered all of it;
/// partial when every one that ran covered only part (gitleaks without the full history).
fn category_claim(category: Category, tools: &[ToolOutcome]) -> (Claim, String) {
    let of_category: Vec<&ToolOutcome> = tools.iter().filter(|t| t.categories.contains(&category)).collect();
    let ok: Vec<&&ToolOutcome> = of_category.iter().filter(|t| t.status == ToolStatus::Ok).collect();
    if ok.is_empty() {
        let tried: Vec<String> = of_category
            .iter()
            .filter(|t| t.applies)
            .map(|t| format!("{}: {}", t.name, t.status.as_str()))
            .collect();
        let reason = if tried.is_empty() {
            format!("no {category} scanner applies to this run")
        } else {
            format!("no {category} scanner ran successfully ({})", tried.join(", "))
        };
        return (Claim::NotEvidenced, reason);
    }
    let names = |tools: &[&&ToolOutcome]| tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
    let full: Vec<&&ToolOutcome> = ok.iter().copied().filter(|t| t.partial.is_none()).collect();
    if !full.is_empty() {
        return (Claim::Evidenced, format!("{} ran successfully", names(&full)));
    }
    let scopes: Vec<String> = ok
        .iter()
        .map(|t| format!("{}: {}", t.name, t.partial.as_deref().unwrap_or_default()))
        .collect();
    (Claim::Partial, scopes.join("; "))
}

/// Activities about files of some kinds, and those kinds as the scanners name them (trivy's
/// result types): the category's scanner running evidences them only when it tested such a file.
/// Without this, a repository with a Dockerfile alone would claim "Test cluster deployment
/// resources".
const ACTIVITY_FILE_KINDS: [(&str, &str, &[&str]); 2] = [
    (
        "621fb6a5-5c0a-4408-826a-068868bb031b",
        "cluster deployment resource (Kubernetes manifest, Helm chart)",
        &["kubernetes", "helm"],
    ),
    (
        "8fc3de67-7b8d-420b-8d24-f35928cfed6e",
        "virtualized environment definition (Dockerfile, Terraform, CloudFormation, ARM template)",
        &["dockerfile", "terraform", "cloudformation", "azure-arm"],
    ),
];

/// For an activity `id` about files of some kinds: `Ok` naming the kinds a scanner of `category`
/// that ran tested, `Err` saying what none tested; `None` for an activity about no kind of file.
fn file_kinds_claim(id: &str, category: Category, tools: &[ToolOutcome]) -> Option<Result<String, String>> {
    let (_, what, kinds) = ACTIVITY_FILE_KINDS.iter().find(|(activity, ..)| *activity == id)?;
    let ran: Vec<&ToolOutcome> = tools
        .iter()
        .filter(|t| t.categories.contains(&category) && matches!(t.status, ToolStatus::Ok | ToolStatus::Partial))
        .collect();
    let tested: BTreeSet<&str> = ran
        .iter()
        .flat_map(|t| t.tested_kinds.iter().map(String::as_str))
        .collect();
    let names: BTreeSet<&str> = ran.iter().map(|t| t.name.as_str()).collect();
    let names = names.into_iter().collect::<Vec<_>>().join(", ");
    let matching: Vec<&str> = tested.iter().copied().filter(|kind| kinds.contains(kind)).collect();
    if matching.is_empty() {
        let tested = match tested.is_empty() {
            true => "no file of its checks".to_owned(),
            false => tested.into_iter().collect::<Vec<_>>().join(", "),
        };
        return Some(Err(format!("no {what} in this run ({names} tested {tested})")));
    }
    Some(Ok(format!("{names} tested {}", matching.join(", "))))
}

/// "Usage of multiple analyzers", per category where at least two scanners truly apply; a
/// category with only one scanner cannot show it, and says so.
fn multiple_analyzers(tools: &[ToolOutcome]) -> (Claim, String) {
    let mut evidenced = Vec::new();
    let mut missing = Vec::new();
    for category in Category::ALL {
        // Distinct scanners: gosec run once per Go module is still one analyzer.
        let applying: BTreeSet<&str> = tools
            .iter()
            .filter(|t| t.applies && t.categories.contains(&category))
            .map(|t| t.name.as_str())
            .collect();
        let ok: BTreeSet<&str> = tools
            .iter()
            .filter(|t| t.applies && t.status == ToolStatus::Ok && t.categories.contains(&category))
            .map(|t| t.name.as_str())
            .collect();
        let list = |names: &BTreeSet<&str>| names.iter().copied().collect::<Vec<_>>().join(", ");
        match applying.len() {
            0 => continue,
            1 => missing.push(format!("{category}: only {} applies", list(&applying))),
            _ if ok.len() >= 2 => evidenced.push(format!("{category}: {}", list(&ok))),
            n => missing.push(format!("{category}: {} of {n} ran successfully", ok.len())),
        }
    }
    let claim = match (evidenced.is_empty(), missing.is_empty()) {
        (true, _) => Claim::NotEvidenced,
        (false, true) => Claim::Evidenced,
        (false, false) => Claim::Partial,
    };
    let mut parts = Vec::new();
    if !evidenced.is_empty() {
        parts.push(format!("two or more analyzers in {}", evidenced.join("; ")));
    }
    if !missing.is_empty() {
        parts.push(format!("not evidenced in {}", missing.join("; ")));
    }
    if parts.is_empty() {
        parts.push("no scanner applies".into());
    }
    (claim, parts.join("; "))
}
