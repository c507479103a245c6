//! The gate: findings, scanner outcomes and a baseline against a [`Policy`], giving a [`Verdict`].
//!
//! Order of work, per finding: severity overrides first (they decide what counts where), then
//! policy suppressions and tool-native ones (counted apart, never toward a threshold), then the
//! baseline (known findings do not count). What is left is counted per severity and compared
//! with the thresholds. Scanner outcomes are checked separately: a result built on a failed or
//! missing scanner is an error, whatever the counts say.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use scangate_normalizer::{Finding, NativeSuppression, Severity, SuppressionOrigin};
use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::change::Change;
use crate::code::{Code, Effect};
use crate::date::Date;
use crate::diag::PolicyError;
use crate::model::{Activity, Category, Level, Origin};
use crate::policy::{Policy, Relaxation, REPO_CONFIG, SCANGATE_POLICY_KEYS};
use crate::presets::preset_path;
use crate::suppress::{Suppression, SuppressionStatus};

/// How a scanner's run ended (the runner's status, seen from the gate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolStatus {
    /// Ran and produced output that can be trusted.
    Ok,
    /// Did not apply, or was deselected.
    Skipped,
    /// Applies, but its executable was not found.
    Missing,
    /// Ran and failed.
    Error,
    /// Overstayed its timeout.
    Timeout,
    /// Pull-request mode: the change touches nothing it reads, so it did not run; it vouches
    /// for its categories on the change.
    Unchanged,
    /// Ran, but gave up on some files for time (`unanalysed`): it vouches for its categories,
    /// with a warning, except on a change that touches one of those files.
    Partial,
}

impl ToolStatus {
    /// Missing, error or timeout.
    pub fn is_failure(self) -> bool {
        matches!(self, ToolStatus::Missing | ToolStatus::Error | ToolStatus::Timeout)
    }

    /// Ran, or had nothing to run on in the change: its categories are covered.
    pub fn vouches(self) -> bool {
        matches!(self, ToolStatus::Ok | ToolStatus::Unchanged | ToolStatus::Partial)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolStatus::Unchanged => "unchanged",
            ToolStatus::Ok => "ok",
            ToolStatus::Skipped => "skipped",
            ToolStatus::Missing => "missing",
            ToolStatus::Error => "error",
            ToolStatus::Timeout => "timeout",
            ToolStatus::Partial => "partial",
        }
    }
}

/// One scanner in this run, as the gate needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolOutcome {
    /// Canonical name (`gitleaks`, ...).
    pub name: String,
    /// What it checks.
    pub categories: Vec<Category>,
    /// How its run ended.
    pub status: ToolStatus,
    /// Whether it applies to this repository (its files exist).
    pub applies: bool,
    /// Why it was skipped or failed, in a few words.
    pub reason: Option<String>,
    /// Why it covered its categories only in part (`partial: the commits since --base only, …`);
    /// `None` when it covered them fully.
    #[serde(default)]
    pub partial: Option<String>,
    /// What it could not see of what it should read (a shallow clone's history …): a run with a
    /// coverage gap covers none of its categories, and `uncovered` names them.
    #[serde(default)]
    pub gaps: Vec<String>,
    /// The categories its coverage gaps kept it from covering.
    #[serde(default)]
    pub uncovered: Vec<Category>,
    /// Repository-relative files it gave up on for time (status `partial`).
    #[serde(default)]
    pub unanalysed: Vec<String>,
    /// The kinds of files its checks tested (`dockerfile`, `kubernetes`, `helm`, `terraform` …):
    /// an activity about files of one kind is evidenced only by a test of such a file.
    #[serde(default)]
    pub tested_kinds: Vec<String>,
}

impl ToolOutcome {
    fn describe(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{}: {} ({reason})", self.name, self.status.as_str()),
            None => format!("{}: {}", self.name, self.status.as_str()),
        }
    }
}

/// Pass, fail or error: exit 0, 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Within the policy.
    Pass,
    /// Over a threshold, or an expired suppression at level 5.
    Fail,
    /// The result cannot be trusted: a needed scanner failed, or the policy is invalid.
    Error,
}

impl Outcome {
    /// 0, 1 or 2.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Error => 2,
        }
    }

    /// `pass`, `fail` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counted findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Info.
    pub info: u64,
}

impl Counts {
    /// The count of one severity.
    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    /// All severities together.
    pub fn total(&self) -> u64 {
        Severity::ALL.iter().map(|&severity| self.get(severity)).sum()
    }

    fn add(&mut self, severity: Severity) {
        let slot = match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *slot += 1;
    }
}

impl FromIterator<Severity> for Counts {
    fn from_iter<I: IntoIterator<Item = Severity>>(severities: I) -> Counts {
        let mut counts = Counts::default();
        for severity in severities {
            counts.add(severity);
        }
        counts
    }
}

/// Why the gate failed or errored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Violation {
    /// Stable code.
    pub code: Code,
    /// Fail or error.
    pub effect: Effect,
    /// What, how many, the limit, the level and the DSOMM activity.
    pub message: String,
    /// `message` without the level and activities: the same reason at two levels reads the same.
    #[serde(skip)]
    pub reason: String,
    /// The effective level.
    pub level: Level,
    /// The DSOMM activities the broken rule enforces.
    pub activities: Vec<Activity>,
    /// The policy entry concerned, when there is one.
    pub origin: Option<Origin>,
}

/// Something worth saying that does not change the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Stable code.
    pub code: Code,
    /// What happened.
    pub message: String,
    /// The policy entry concerned, when there is one.
    pub origin: Option<Origin>,
}

/// A policy suppression applied to a finding, for the SARIF `suppressions[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedSuppression {
    /// False positive or accepted risk.
    pub status: SuppressionStatus,
    /// The entry's reason.
    pub reason: Option<String>,
    /// The entry's owner.
    pub owner: Option<String>,
    /// The entry's expiry.
    pub expires: Option<Date>,
    /// The entry.
    pub origin: Origin,
    /// The entry as reports locate it: `scangate.toml:12` in the repository, or the policy
    /// file's absolute path and line.
    pub location: SuppressionOrigin,
}

/// Why the gate did not apply a suppression: the finding it would hide counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Pull-request mode: the change under review adds or modifies the suppression, and a
    /// change may not approve its own findings.
    AddedByChange,
    /// The level requires every suppression to give a reason, and this one gives none.
    NoReason,
    /// Pull-request mode: the repository's `scangate.toml` proposes the finding's file as
    /// vendored third-party code, and the change adds or modifies that file: a change must not
    /// declare its own code third-party.
    VendoredOnChange,
}

/// A suppression the gate refused, for the reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedSuppression {
    /// Where it is written: `app.py:3`, `.trivyignore:2`, `scangate.toml:12`.
    pub origin: String,
    /// The mechanism: `nosec`, `nosemgrep`, `trivyignore`, `scangate.toml`, ...
    pub kind: String,
    /// Why it was refused.
    pub refusal: Refusal,
}

impl RefusedSuppression {
    /// The sentence every report shows for it.
    pub fn describe(&self) -> String {
        match self.refusal {
            Refusal::AddedByChange => format!(
                "suppression added by this change — needs review: {} ({})",
                self.origin, self.kind
            ),
            Refusal::NoReason => format!(
                "suppression without a reason not applied: {} ({}); write one as {}",
                self.origin,
                self.kind,
                reason_syntax(&self.kind)
            ),
            Refusal::VendoredOnChange => format!(
                "{} proposes vendored code where this change adds or modifies files: not applied there",
                self.origin
            ),
        }
    }
}

/// How a reason is written for each kind of suppression.
fn reason_syntax(kind: &str) -> &'static str {
    match kind {
        "nosec" | "inSource" => "`#nosec G204 -- why`",
        "nosemgrep" => "`nosemgrep: rule-id -- why`",
        "gitleaks:allow" => "`# gitleaks:allow -- why`",
        "trivy:ignore" | "tfsec:ignore" => "`# trivy:ignore:ID -- why`",
        REPO_CONFIG => "`reason = \"…\"`",
        _ => "a `#` comment on or above the entry",
    }
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Pass, fail or error.
    pub result: Outcome,
    /// The effective level.
    pub level: Level,
    /// `level N`, or `level N, relaxed by FILE: …` when the policy file loosens the preset:
    /// what every report says instead of the bare level.
    pub level_label: String,
    /// The policy file's settings that loosen the preset, each with its place.
    pub relaxed_by: Vec<Relaxation>,
    /// Counted findings per severity (not suppressed; new, with a baseline).
    pub counts: Counts,
    /// Findings suppressed by the policy or by the tool itself.
    pub suppressed: u64,
    /// With a baseline: findings not in it that were counted.
    pub new: Option<u64>,
    /// Why it failed or errored; empty on pass.
    pub violations: Vec<Violation>,
    /// Warnings: unused or expired suppressions, failed optional scanners, ignored repo settings.
    pub warnings: Vec<Warning>,
    /// Policy suppressions applied, by finding fingerprint.
    pub suppressions: BTreeMap<String, AppliedSuppression>,
    /// Severities changed by `[[severity]]` overrides, by finding fingerprint.
    pub overridden: BTreeMap<String, Severity>,
    /// Suppressions not applied (added by the change, or without a required reason), by the
    /// fingerprint of the finding they would have hidden.
    pub refused: BTreeMap<String, RefusedSuppression>,
    /// Suppressed findings per origin (`scangate.toml:12`, `app.py:3`, `.trivyignore:2`).
    pub suppressed_by_origin: BTreeMap<String, u64>,
}

impl Verdict {
    /// The verdict for a policy that could not be loaded: an error, one violation per problem.
    pub fn invalid_policy(level: Level, error: &PolicyError) -> Verdict {
        let violation = |message: String, origin: Option<Origin>| Violation {
            code: Code::InvalidPolicy,
            effect: Effect::Error,
            reason: message.clone(),
            message,
            level,
            activities: Vec::new(),
            origin,
        };
        let mut violations: Vec<Violation> = error
            .diagnostics()
            .iter()
            .filter(|d| d.severity == crate::DiagnosticSeverity::Error)
            .map(|d| violation(format!("{}: {}", d.origin, d.message), Some(d.origin.clone())))
            .collect();
        if violations.is_empty() {
            violations.push(violation(error.to_string(), None));
        }
        Verdict {
            result: Outcome::Error,
            level,
            level_label: crate::policy::level_label(level, &[]),
            relaxed_by: Vec::new(),
            counts: Counts::default(),
            suppressed: 0,
            new: None,
            violations,
            warnings: Vec::new(),
            suppressions: BTreeMap::new(),
            overridden: BTreeMap::new(),
            refused: BTreeMap::new(),
            suppressed_by_origin: BTreeMap::new(),
        }
    }

    /// 0 pass, 1 fail, 2 error.
    pub fn exit_code(&self) -> u8 {
        self.result.exit_code()
    }

    /// True when the gate counted this finding as suppressed: by a policy entry, or by a
    /// tool-native suppression it did not refuse.
    pub fn is_suppressed(&self, finding: &Finding) -> bool {
        self.suppressions.contains_key(&finding.fingerprint)
            || (finding.native_suppression.is_some() && !self.refused.contains_key(&finding.fingerprint))
    }
}

impl Policy {
    /// The severity a finding counts as after `[[severity]]` overrides (the last match wins).
    pub fn severity_of(&self, finding: &Finding) -> Severity {
        self.override_for(finding, &mut BTreeSet::new())
            .map_or(finding.severity, |(_, severity)| severity)
    }

    /// The applicable override (its index and severity), noting repo overrides skipped because
    /// they would lower.
    fn override_for(&self, finding: &Finding, skipped: &mut BTreeSet<usize>) -> Option<(usize, Severity)> {
        for (index, entry) in self.severity_overrides.iter().enumerate().rev() {
            let matches =
                entry.rule == finding.rule_id && entry.tool.as_ref().is_none_or(|tool| finding.tools.contains(tool));
            if !matches {
                continue;
            }
            if entry.only_raise && entry.severity < finding.severity {
                skipped.insert(index);
                continue;
            }
            return Some((index, entry.severity));
        }
        None
    }
}

/// Gates findings: see the module doc for the order of work.
pub fn evaluate(
    policy: &Policy,
    findings: &[Finding],
    tools: &[ToolOutcome],
    baseline: Option<&Baseline>,
    today: Date,
) -> Verdict {
    evaluate_change(policy, findings, tools, baseline, today, None)
}

/// [`evaluate`] in pull-request mode: suppressions that `change` adds or modifies (ignore
/// comments on changed lines, ignore-file entries, the repository's `[[suppress]]` entries) are
/// refused unless the trusted policy sets `trust_changed_suppressions`.
pub fn evaluate_change(
    policy: &Policy,
    findings: &[Finding],
    tools: &[ToolOutcome],
    baseline: Option<&Baseline>,
    today: Date,
    change: Option<&Change>,
) -> Verdict {
    let mut gate = Gate::new(policy);
    gate.check_tools(tools);
    gate.check_partial(tools, change);
    gate.check_expired(today);
    let held = change.filter(|_| !policy.suppression_rules.trust_changed_suppressions);
    gate.count(findings, baseline, today, Changes { held, any: change });
    gate.check_thresholds();
    gate.warn_refused();
    gate.warn_policy();
    gate.finish(baseline.is_some())
}

struct Gate<'p> {
    policy: &'p Policy,
    counts: Counts,
    suppressed: u64,
    violations: Vec<Violation>,
    warnings: Vec<Warning>,
    suppressions: BTreeMap<String, AppliedSuppression>,
    overridden: BTreeMap<String, Severity>,
    refused: BTreeMap<String, RefusedSuppression>,
    suppressed_by_origin: BTreeMap<String, u64>,
    /// The policy's relaxations, and the severity overrides that lowered a finding.
    relaxed_by: Vec<Relaxation>,
}

impl<'p> Gate<'p> {
    fn new(policy: &'p Policy) -> Gate<'p> {
        Gate {
            relaxed_by: policy.relaxations.clone(),
            policy,
            counts: Counts::default(),
            suppressed: 0,
            violations: Vec::new(),
            warnings: Vec::new(),
            suppressions: BTreeMap::new(),
            overridden: BTreeMap::new(),
            refused: BTreeMap::new(),
            suppressed_by_origin: BTreeMap::new(),
        }
    }

    fn violate(&mut self, code: Code, key: Option<&str>, message: String, origin: Option<Origin>) {
        let activities = key.map_or_else(Vec::new, |key| self.policy.activities_for(key).to_vec());
        let label = crate::policy::level_label(self.policy.level, &self.relaxed_by);
        self.violations.push(Violation {
            code,
            effect: code.effect(),
            message: format!("{message} ({})", context(label, key, &activities)),
            reason: message,
            level: self.policy.level,
            activities,
            origin,
        });
    }

    fn warn(&mut self, code: Code, message: String, origin: Option<Origin>) {
        tracing::warn!(code = code.as_str(), "{message}");
        self.warnings.push(Warning { code, message, origin });
    }

    fn check_tools(&mut self, tools: &[ToolOutcome]) {
        for tool in tools {
            self.check_tool(tool);
        }
        self.check_required_scanners(tools);
        self.check_categories(tools);
    }

    fn check_tool(&mut self, tool: &ToolOutcome) {
        let required = &self.policy.required;
        let by_name = required.scanners.contains(&tool.name);
        if tool.applies && tool.status.is_failure() {
            if by_name || required.all_applicable {
                let key = (!by_name).then_some("required.all_applicable");
                let message = format!("required scanner {} did not run successfully", tool.describe());
                self.violate(Code::RequiredScannerFailed, key, message, None);
            } else if self.policy.optional.contains(&tool.name) {
                let message = format!(
                    "OPTIONAL SCANNER FAILED: {}; its findings are missing from this result",
                    tool.describe()
                );
                self.warn(Code::OptionalScannerFailed, message, None);
            } else {
                let message = format!(
                    "scanner {} failed; it applies to this repository and is not marked optional",
                    tool.describe()
                );
                self.violate(Code::ScannerFailed, None, message, None);
            }
        } else if tool.applies && tool.status == ToolStatus::Skipped && (by_name || required.all_applicable) {
            let key = (!by_name).then_some("required.all_applicable");
            let code = if by_name {
                Code::RequiredScannerFailed
            } else {
                Code::ApplicableScannerSkipped
            };
            let message = format!(
                "{} applies to this repository but was skipped; level {} requires it",
                tool.describe(),
                self.policy.level
            );
            self.violate(code, key, message, None);
        }
    }

    /// Required scanners absent from the run, or present but not applying.
    /// A scanner that gave up on files for time warns; on a file the change touches it is an
    /// error: a change must not get through by being too slow to analyse.
    fn check_partial(&mut self, tools: &[ToolOutcome], change: Option<&Change>) {
        for tool in tools.iter().filter(|tool| tool.status == ToolStatus::Partial) {
            let in_change: Vec<&str> = tool
                .unanalysed
                .iter()
                .map(String::as_str)
                .filter(|path| change.is_some_and(|change| change.touches_file(path)))
                .collect();
            if in_change.is_empty() {
                let message = format!("{}: findings there may be missing", tool.describe());
                self.warn(Code::ScannerPartial, message, None);
            } else {
                let message = format!(
                    "{} gave up for time on {} of the change: it was not analysed (raise --semgrep-timeout, \
                     or leave a generated file out with --exclude)",
                    tool.name,
                    in_change.join(", ")
                );
                self.violate(Code::ChangeNotAnalysed, None, message, None);
            }
        }
    }

    fn check_required_scanners(&mut self, tools: &[ToolOutcome]) {
        for name in &self.policy.required.scanners {
            let tool = tools.iter().find(|tool| tool.name == *name);
            let message = match tool {
                None => format!("required scanner {name} is not part of this run"),
                Some(tool) if !tool.applies && !tool.status.vouches() => {
                    format!("required scanner {} does not apply to this repository", tool.describe())
                }
                Some(_) => continue,
            };
            self.violate(Code::RequiredScannerFailed, None, message, None);
        }
    }

    fn check_categories(&mut self, tools: &[ToolOutcome]) {
        let in_category = |category: Category| tools.iter().filter(move |tool| tool.categories.contains(&category));
        let required = self
            .policy
            .required_categories(|category| in_category(category).any(|tool| tool.applies));
        for category in required {
            // Distinct scanners: gosec run once per Go module is still one analyzer.
            let ok = distinct(in_category(category).filter(|tool| tool.status.vouches()));
            let applicable = distinct(in_category(category).filter(|tool| tool.applies));
            let key = format!("required.{category}");
            if ok == 0 {
                // A run with a coverage gap (gitleaks on a shallow clone) covers no category.
                let gapped = tools.iter().filter(|tool| tool.uncovered.contains(&category));
                let tried: Vec<String> = in_category(category)
                    .map(ToolOutcome::describe)
                    .chain(gapped.map(|tool| format!("{}: coverage gap ({})", tool.name, tool.gaps.join("; "))))
                    .collect();
                let tried = match tried.is_empty() {
                    true => "no scanner of it in this run".to_string(),
                    false => tried.join(", "),
                };
                let message = format!(
                    "no {category} scanner ran successfully ({tried}); level {} requires one",
                    self.policy.level
                );
                self.violate(Code::RequiredCategoryMissing, Some(&key), message, None);
            } else if self.policy.required.multiple_analyzers && applicable >= 2 && ok < 2 {
                let message = format!(
                    "only {ok} of {applicable} {category} scanners that apply ran successfully; \
                     level {} requires two",
                    self.policy.level
                );
                self.violate(
                    Code::MultipleAnalyzersMissing,
                    Some("required.multiple_analyzers"),
                    message,
                    None,
                );
            } else if self.policy.required.multiple_analyzers && applicable == 1 {
                let cited: Vec<String> = self
                    .policy
                    .activities_for("required.multiple_analyzers")
                    .iter()
                    .map(Activity::to_string)
                    .collect();
                let message = format!(
                    "multiple analyzers not evidenced for {category}: only one {category} scanner applies to this \
                     repository (DSOMM {})",
                    cited.join(", ")
                );
                self.warn(Code::MultipleAnalyzersNotEvidenced, message, None);
            }
        }
    }

    fn check_expired(&mut self, today: Date) {
        let policy = self.policy;
        for entry in policy.suppressions.iter().filter(|entry| entry.is_expired(today)) {
            let expires = entry.expires.map(|date| date.to_string()).unwrap_or_default();
            let what = format!(
                "suppression at {} ({}) expired on {expires}",
                entry.origin, entry.selector
            );
            if policy.suppression_rules.expired_fails {
                let key = Some("suppression_rules.expired_fails");
                self.violate(Code::ExpiredSuppression, key, what, Some(entry.origin.clone()));
            } else {
                let message = format!("{what} and no longer applies");
                self.warn(Code::ExpiredSuppressionIgnored, message, Some(entry.origin.clone()));
            }
        }
    }

    fn count(&mut self, findings: &[Finding], baseline: Option<&Baseline>, today: Date, changes: Changes<'_>) {
        let policy = self.policy;
        let active: Vec<(usize, &Suppression)> = policy
            .suppressions
            .iter()
            .enumerate()
            .filter(|(_, entry)| !entry.is_expired(today))
            .collect();
        let mut used = BTreeSet::new();
        let mut skipped_overrides = BTreeSet::new();
        let mut lowering = BTreeSet::new();
        for finding in findings {
            // A finding several code scanners reported is judged report by report (each by its own
            // rule's override and suppressions and its own ignore comment): it is suppressed when
            // every report is, and counts at the most severe of those that are not.
            let mut judged = Vec::new();
            for report in finding.as_reported() {
                let applied = policy.override_for(&report, &mut skipped_overrides);
                let severity = applied.map_or(report.severity, |(_, severity)| severity);
                if let Some((index, _)) = applied.filter(|&(_, severity)| severity < report.severity) {
                    lowering.insert(index);
                }
                let matching: Vec<&(usize, &Suppression)> = active
                    .iter()
                    .filter(|(_, entry)| entry.selector.matches(&report))
                    .collect();
                used.extend(matching.iter().map(|(index, _)| *index));
                judged.push((severity, self.judge(&report, &matching, changes)));
            }
            let suppressed = judged.iter().all(|(_, judgement)| judgement.suppresses());
            let severity = judged
                .iter()
                .filter(|(_, judgement)| suppressed || !judgement.suppresses())
                .map(|(severity, _)| *severity)
                .max()
                .unwrap_or(finding.severity);
            if severity != finding.severity {
                self.overridden.insert(finding.fingerprint.clone(), severity);
            }
            self.record(&finding.fingerprint, Judgement::of_reports(judged));
            if suppressed {
                self.suppressed += 1;
            } else if !baseline.is_some_and(|baseline| baseline.contains(&finding.fingerprint)) {
                self.counts.add(severity);
            }
        }
        self.warn_unused(&active, &used);
        self.warn_skipped_overrides(&skipped_overrides);
        // Only the policy file's overrides can lower (the repo config's may only raise): a lower
        // severity than the scanner's loosens the preset like a higher maximum does.
        for index in lowering {
            let entry = &policy.severity_overrides[index];
            self.relaxed_by.push(Relaxation {
                origin: entry.origin.clone(),
                setting: format!("severity of {} lowered to {}", entry.rule, entry.severity),
            });
        }
    }

    /// What the suppressions of one report make of it: the first matching policy entry that the
    /// change may not override, else the tool's own ignore comment unless the change adds it or
    /// the level requires a reason it does not give; a refused one is said (the ignore comment's
    /// refusal before a policy entry's).
    fn judge(&self, finding: &Finding, matching: &[&(usize, &Suppression)], changes: Changes<'_>) -> Judgement {
        let mut refused = None;
        for (_, entry) in matching {
            match refusal(entry, finding, changes) {
                None => {
                    let applied = applied(entry);
                    return Judgement::Suppressed {
                        origin: applied.location.to_string(),
                        applied: Some(applied),
                    };
                }
                Some(refusal) => {
                    refused.get_or_insert(RefusedSuppression {
                        origin: format!("{REPO_CONFIG}:{}", entry.lines.0),
                        kind: REPO_CONFIG.to_string(),
                        refusal,
                    });
                }
            }
        }
        match self.judge_native(finding, changes.held) {
            Judgement::Counted => refused.map_or(Judgement::Counted, Judgement::Refused),
            native => native,
        }
    }

    fn judge_native(&self, finding: &Finding, change: Option<&Change>) -> Judgement {
        let Some(native) = &finding.native_suppression else {
            return Judgement::Counted;
        };
        let origin = native_origin(finding, native);
        let without_reason = native.justification.as_deref().is_none_or(|j| j.trim().is_empty());
        let refusal = if change.is_some_and(|change| native_added_by(change, finding, native)) {
            Some(Refusal::AddedByChange)
        } else if self.policy.suppression_rules.require_reason && without_reason {
            Some(Refusal::NoReason)
        } else {
            None
        };
        match refusal {
            None => Judgement::Suppressed { origin, applied: None },
            Some(refusal) => Judgement::Refused(RefusedSuppression {
                origin,
                kind: native.kind.clone(),
                refusal,
            }),
        }
    }

    /// Keeps what the gate made of the finding with `fingerprint`, for the reports.
    fn record(&mut self, fingerprint: &str, judgement: Judgement) {
        match judgement {
            Judgement::Counted => {}
            Judgement::Refused(refused) => {
                self.refused.insert(fingerprint.to_owned(), refused);
            }
            Judgement::Suppressed { origin, applied } => {
                *self.suppressed_by_origin.entry(origin).or_default() += 1;
                if let Some(applied) = applied {
                    self.suppressions.insert(fingerprint.to_owned(), applied);
                }
            }
        }
    }

    /// One warning per refused suppression, with how many findings it would have hidden.
    fn warn_refused(&mut self) {
        let mut findings_per_refusal: BTreeMap<(String, String, Code), u64> = BTreeMap::new();
        for refused in self.refused.values() {
            let code = match refused.refusal {
                Refusal::AddedByChange | Refusal::VendoredOnChange => Code::SuppressionAddedByChange,
                Refusal::NoReason => Code::SuppressionWithoutReason,
            };
            let described = refused.describe();
            *findings_per_refusal
                .entry((refused.origin.clone(), described, code))
                .or_default() += 1;
        }
        for ((_, described, code), findings) in findings_per_refusal {
            let noun = if findings == 1 {
                "finding counts"
            } else {
                "findings count"
            };
            self.warn(code, format!("{described}; its {findings} {noun}"), None);
        }
    }

    fn warn_unused(&mut self, active: &[(usize, &Suppression)], used: &BTreeSet<usize>) {
        for (index, entry) in active {
            if !used.contains(index) {
                let message = format!(
                    "suppression at {} ({}) matched no finding",
                    entry.origin, entry.selector
                );
                self.warn(Code::UnusedSuppression, message, Some(entry.origin.clone()));
            }
        }
    }

    fn warn_skipped_overrides(&mut self, skipped: &BTreeSet<usize>) {
        let policy = self.policy;
        for &index in skipped {
            let entry = &policy.severity_overrides[index];
            let message = format!(
                "severity override at {} (rule {} -> {}) would lower a finding's severity; \
                 a repo config may only raise severities",
                entry.origin, entry.rule, entry.severity
            );
            self.warn(Code::SeverityOverrideIgnored, message, Some(entry.origin.clone()));
        }
    }

    fn check_thresholds(&mut self) {
        for severity in Severity::ALL {
            let threshold = self.policy.thresholds.get(severity);
            let count = self.counts.get(severity);
            let Some(max) = threshold.max.filter(|&max| count > max) else {
                continue;
            };
            let noun = if count == 1 { "finding" } else { "findings" };
            let mut message = format!("{count} {severity} {noun} > {max} allowed");
            if let Some(origin) = threshold.set_at.as_ref().filter(|o| !is_preset(o, self.policy.level)) {
                message.push_str(&format!(" (limit set at {origin})"));
            }
            let key = format!("thresholds.max_{severity}");
            self.violate(Code::ThresholdExceeded, Some(&key), message, threshold.set_at.clone());
        }
    }

    fn warn_policy(&mut self) {
        let policy = self.policy;
        for ignored in &policy.ignored {
            self.warn(
                Code::RepoConfigIgnored,
                ignored.message.clone(),
                Some(ignored.origin.clone()),
            );
        }
        for diagnostic in &policy.warnings {
            let message = format!("{}: {}", diagnostic.origin, diagnostic.message);
            self.warn(Code::PolicyWarning, message, Some(diagnostic.origin.clone()));
        }
    }

    fn finish(self, with_baseline: bool) -> Verdict {
        let result = if self.violations.iter().any(|v| v.effect == Effect::Error) {
            Outcome::Error
        } else if self.violations.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        Verdict {
            result,
            level: self.policy.level,
            level_label: crate::policy::level_label(self.policy.level, &self.relaxed_by),
            relaxed_by: self.relaxed_by,
            new: with_baseline.then(|| self.counts.total()),
            counts: self.counts,
            suppressed: self.suppressed,
            violations: self.violations,
            warnings: self.warnings,
            suppressions: self.suppressions,
            overridden: self.overridden,
            refused: self.refused,
            suppressed_by_origin: self.suppressed_by_origin,
        }
    }
}

/// How many different scanners are among `tools`.
fn distinct<'t>(tools: impl Iterator<Item = &'t ToolOutcome>) -> usize {
    tools.map(|tool| tool.name.as_str()).collect::<BTreeSet<_>>().len()
}

/// Where a native suppression is written; the finding's own place when the tool does not say.
/// What the gate made of one report's suppressions.
enum Judgement {
    /// Nothing suppresses it.
    Counted,
    /// A suppression would, but is refused: it counts.
    Refused(RefusedSuppression),
    /// Suppressed, by a policy entry (`applied`) or the tool's own ignore comment (`None`),
    /// written at `origin`.
    Suppressed {
        origin: String,
        applied: Option<AppliedSuppression>,
    },
}

impl Judgement {
    fn suppresses(&self) -> bool {
        matches!(self, Judgement::Suppressed { .. })
    }

    /// One finding's judgement from its reports' (one per tool): the first report's when every
    /// report is suppressed; else the first refusal among those that count, so the reports say
    /// why a suppression did not apply.
    fn of_reports(judged: Vec<(Severity, Judgement)>) -> Judgement {
        let every_one_suppressed = judged.iter().all(|(_, judgement)| judgement.suppresses());
        let mut judgements = judged.into_iter().map(|(_, judgement)| judgement);
        if every_one_suppressed {
            return judgements.next().unwrap_or(Judgement::Counted);
        }
        judgements
            .find(|judgement| matches!(judgement, Judgement::Refused(_)))
            .unwrap_or(Judgement::Counted)
    }
}

fn native_origin(finding: &Finding, native: &NativeSuppression) -> String {
    if let Some(origin) = &native.origin {
        return origin.to_string();
    }
    match &finding.location {
        Some(location) => location.to_string(),
        None => native.kind.clone(),
    }
}

/// True when the change wrote the suppression: its line (the ignore comment, the ignore-file
/// entry), the whole ignore file when no line is known, or — for an inline comment — the lines
/// of the finding it covers.
///
/// A finding one of the change's commits added (a secret in the change's history) is never held
/// suppressed by a native ignore: an entry the change did not write was written for something
/// else at that place (a `.gitleaksignore` `file:rule:line` entry without a commit covers any
/// secret put on that line), and one naming the change's own commit can only come from the change.
fn native_added_by(change: &Change, finding: &Finding, native: &NativeSuppression) -> bool {
    if finding
        .commit
        .as_deref()
        .is_some_and(|commit| change.has_commit(commit))
    {
        return true;
    }
    let finding_lines = finding.location.as_ref().map(|location| {
        let first = location.start_line.unwrap_or(1);
        (location.path.as_str(), (first, location.end_line.unwrap_or(first)))
    });
    let finding_touched = finding_lines.is_some_and(|(path, lines)| change.touches(path, Some(lines)));
    match &native.origin {
        Some(origin) => {
            let inline = finding_lines.is_some_and(|(path, _)| path == origin.path);
            change.touches(&origin.path, origin.line.map(|line| (line, line))) || (inline && finding_touched)
        }
        None => finding_touched,
    }
}

/// The change in pull-request mode: `any` as it is, `held` only when the policy does not trust
/// what the change writes (`trust_changed_suppressions`).
#[derive(Clone, Copy)]
struct Changes<'c> {
    held: Option<&'c Change>,
    any: Option<&'c Change>,
}

/// Why the change under review keeps a policy entry from hiding `finding`, if it does. The
/// repository's entries are its proposals: one the change wrote applies to nothing unless the
/// policy trusts changed suppressions, and a `vendored` glob the repository proposes never
/// applies to a file the change adds or modifies, nor (written by the change) at all, whatever
/// the policy trusts: a change must not declare its own code third-party.
fn refusal(entry: &Suppression, finding: &Finding, changes: Changes<'_>) -> Option<Refusal> {
    if !entry.from_repository {
        return None;
    }
    let written_by = |change: Option<&Change>| change.is_some_and(|c| c.touches(REPO_CONFIG, Some(entry.lines)));
    if entry.status != SuppressionStatus::ThirdParty {
        return written_by(changes.held).then_some(Refusal::AddedByChange);
    }
    if written_by(changes.any) {
        return Some(Refusal::AddedByChange);
    }
    let path = finding.location.as_ref().map(|location| location.path.as_str());
    let on_change = path
        .zip(changes.any)
        .is_some_and(|(path, change)| change.touches_file(path));
    on_change.then_some(Refusal::VendoredOnChange)
}

fn applied(entry: &Suppression) -> AppliedSuppression {
    let line = entry.origin.line as u64;
    let location = if entry.from_repository {
        SuppressionOrigin::at(REPO_CONFIG, line)
    } else {
        let file = std::path::absolute(&entry.origin.file).unwrap_or_else(|_| entry.origin.file.clone());
        SuppressionOrigin::at(file.to_string_lossy(), line)
    };
    AppliedSuppression {
        status: entry.status,
        reason: entry.reason.clone(),
        owner: entry.owner.clone(),
        expires: entry.expires,
        origin: entry.origin.clone(),
        location,
    }
}

fn is_preset(origin: &Origin, level: Level) -> bool {
    origin.file.as_os_str() == preset_path(level).as_str()
}

/// `level 1, DSOMM 44f2c8a9 "Treatment of defects with high or critical severity"`; `level 5,
/// scangate policy (not a DSOMM requirement)` for a rule of scangate's own; the level says when a
/// policy file relaxed it.
fn context(label: String, key: Option<&str>, activities: &[Activity]) -> String {
    let mut context = label;
    if !activities.is_empty() {
        let named: Vec<String> = activities.iter().map(Activity::to_string).collect();
        context.push_str(&format!(", DSOMM {}", named.join(", ")));
    }
    if key.is_some_and(|key| SCANGATE_POLICY_KEYS.contains(&key)) {
        context.push_str(", scangate policy (not a DSOMM requirement)");
    }
    context
}
