/*!
The effective policy: a DSOMM preset, overlaid by a policy file, a repository's own config and the
command line.

# Precedence

Layers apply in this order, each over the one before:

1. the preset `gates/level-N.toml` of the *effective* level (below);
2. the policy file (`--policy FILE`);
3. the repository-local `scangate.toml`;
4. the command line (`--level`).

**Level.** The effective level is one explicit `max`: of the command-line level (default 1), the
policy file's `extends`/`level` and the repo config's. The command line is a floor: a repo config
can raise the level, never lower it; a lower level there is recorded in [`Policy::ignored`] so the
cli can say so. The preset of the effective level is the base, so a policy file written
`extends = "level-2"` run with `--level 4` starts from level 4's preset.

**Scalars** (thresholds, `max_expiry_days`, booleans): a later layer replaces an earlier one, with
limits on who may loosen:
- thresholds: the policy file may set any count, including `"unlimited"` (counts exist so a team
  can allow some); the repo config may only lower a count.
- the level's rules (`[required]` flags, `[suppression_rules]`): the policy file and the repo
  config may only tighten them (`true` over `false`, a smaller `max_expiry_days`, fewer
  `statuses`). A looser value from the policy file is an error (pick a lower level instead); from
  the repo config it is ignored and recorded.

**Arrays:**
- `required.categories`, `required.categories_when_applicable`, `required.scanners`: union.
- `optional`: union of the policy file's; the repo config's are ignored and recorded (marking a
  scanner optional turns its failure into a warning, which loosens the gate).
- `[[suppress]]`: concatenated, each entry keeping its file and line; all are checked against the
  effective level's rules, whichever file they came from.
- `[[severity]]`: concatenated; for a finding the last matching entry wins. An override from the
  repo config may only raise a severity (a lowering one is skipped with a warning at evaluation).
- `[[activity]]`: per enforced key, the policy file's list for a key replaces the preset's; each
  entry is checked against the DSOMM catalogue (an unknown id or a wrong name is a warning). The
  repo config's are ignored and recorded: what the reports cite is the pipeline's to say.
*/

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use scangate_normalizer::Severity;
use serde::Serialize;
use toml::Spanned;

use crate::catalogue::Catalogue;
use crate::date::Date;
use crate::diag::{Diagnostic, DiagnosticSeverity, PolicyError, SourceFile};
use crate::model::{Activity, Category, Level, Origin};
use crate::presets::preset_file;
use crate::raw::{RawActivity, RawPolicy, RawRequired, RawSuppress, RawSuppressionRules, RawThresholds};
use crate::suppress::{check_entry, Selector, Suppression, SuppressionRules, SuppressionStatus};
use crate::third_party::{declare, ThirdParty};

/// The repository's own policy file, at the root of the scanned repository. The change under
/// review may have written it: it can raise the level or tighten the policy, never loosen it.
pub const REPO_CONFIG: &str = "scangate.toml";

/// What the policy is built from. The cli fills it; tests build it from strings.
#[derive(Debug, Clone, Default)]
pub struct PolicySources {
    /// `--policy FILE`.
    pub policy_file: Option<SourceFile>,
    /// The scanned repository's `scangate.toml`, when it has one.
    pub repo_config: Option<SourceFile>,
    /// `--level` / `SCANGATE_LEVEL`: a floor.
    pub cli_level: Option<Level>,
    /// `scangate assess`: the preset of `cli_level` exactly, with only the `[[suppress]]` entries
    /// of the policy file and the repo config (checked against that level's rules). Their levels,
    /// thresholds, required scanners, optional scanners and severity overrides do not apply.
    pub suppressions_only: bool,
}

/// The resolved policy the gate evaluates; also what `scangate plan` prints (Display) or
/// serializes.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Effective DSOMM level.
    pub level: Level,
    /// The files that made it, in precedence order (preset first).
    pub sources: Vec<PathBuf>,
    /// Maximum counted findings per severity.
    pub thresholds: Thresholds,
    /// What must run.
    pub required: Required,
    /// Scanners whose failure is a warning, not an error.
    pub optional: BTreeSet<String>,
    /// Per-rule severity overrides, in precedence order.
    pub severity_overrides: Vec<SeverityOverride>,
    /// The level's rules on suppression entries.
    pub suppression_rules: SuppressionRules,
    /// Every suppression entry, preset's and files' in order, then the `[third_party] vendored`
    /// globs of the policy file and the repo config (status `third_party`).
    pub suppressions: Vec<Suppression>,
    /// `[third_party]`: the policy file's excluded paths, and what the repo config proposes.
    pub third_party: ThirdParty,
    /// DSOMM activities by the setting they enforce (`thresholds.max_high`, `required.secrets`, ...).
    pub activities: BTreeMap<String, Vec<Activity>>,
    /// Settings of the policy file that loosen the preset (a higher or unlimited maximum, an
    /// optional scanner, trusting changed suppressions): every report names them beside the
    /// level. A severity override that lowers a finding is added by the evaluation that sees it.
    pub relaxations: Vec<Relaxation>,
    /// Settings of the repo config that would have loosened the policy, and were not applied.
    pub ignored: Vec<Ignored>,
    /// Load-time warnings (unknown scanner names, ...).
    pub warnings: Vec<Diagnostic>,
}

/// One severity's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Threshold {
    /// Most findings allowed; `None` is unlimited.
    pub max: Option<u64>,
    /// Where the limit was set; `None` when no layer set one.
    pub set_at: Option<Origin>,
}

/// Limits per severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// `max_critical`.
    pub critical: Threshold,
    /// `max_high`.
    pub high: Threshold,
    /// `max_medium`.
    pub medium: Threshold,
    /// `max_low`.
    pub low: Threshold,
    /// `max_info`.
    pub info: Threshold,
}

impl Thresholds {
    /// The limit for one severity.
    pub fn get(&self, severity: Severity) -> &Threshold {
        match severity {
            Severity::Critical => &self.critical,
            Severity::High => &self.high,
            Severity::Medium => &self.medium,
            Severity::Low => &self.low,
            Severity::Info => &self.info,
        }
    }

    /// The limit for one severity, to change.
    pub fn get_mut(&mut self, severity: Severity) -> &mut Threshold {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

/// What must run for the gate to trust the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Required {
    /// At least one scanner of each must run and succeed.
    pub categories: BTreeSet<Category>,
    /// Same, but only when a scanner of the category applies.
    pub categories_when_applicable: BTreeSet<Category>,
    /// These scanners must run and succeed.
    pub scanners: BTreeSet<String>,
    /// Two scanners must succeed in each required category where two apply (level 4).
    pub multiple_analyzers: bool,
    /// Every scanner that applies must run and succeed, optional ones too (level 5).
    pub all_applicable: bool,
}

/// `[[severity]]`: the severity a rule's findings get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityOverride {
    /// The finding's `rule_id`.
    pub rule: String,
    /// Only findings this tool reported.
    pub tool: Option<String>,
    /// The severity to use.
    pub severity: Severity,
    /// From the repo config: may raise a severity, never lower it.
    pub only_raise: bool,
    /// The entry's position.
    pub origin: Origin,
}

/// A repo-config setting that would have loosened the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// Where it is.
    pub origin: Origin,
    /// What was asked and what applies instead.
    pub message: String,
}

/// A policy-file setting that loosens the preset of its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Relaxation {
    /// Where it is.
    pub origin: Origin,
    /// What it allows beyond the preset (`max_high = unlimited (preset: 0)`).
    pub setting: String,
}

/// `level 2`, or `level 2, relaxed by policy.toml: max_high = unlimited (preset: 0)` when a
/// policy file loosens the preset: no report says a plain level for a relaxed policy.
pub fn level_label(level: Level, relaxations: &[Relaxation]) -> String {
    let mut label = format!("level {level}");
    let mut files: Vec<&std::path::Path> = relaxations.iter().map(|r| r.origin.file.as_path()).collect();
    files.dedup();
    for file in files {
        let settings: Vec<&str> = relaxations
            .iter()
            .filter(|r| r.origin.file == file)
            .map(|r| r.setting.as_str())
            .collect();
        label.push_str(&format!(", relaxed by {}: {}", file.display(), settings.join("; ")));
    }
    label
}

/// Settings that are scangate's own policy, not a DSOMM requirement: no DSOMM activity says
/// them, and messages say "scangate policy" instead of citing one.
pub const SCANGATE_POLICY_KEYS: &[&str] = &[
    "suppression_rules.max_expiry_days",
    "required.all_applicable",
    "suppression_rules.expired_fails",
];

/// Settings an `[[activity]]` may say it enforces.
pub const ACTIVITY_KEYS: &[&str] = &[
    "thresholds.max_critical",
    "thresholds.max_high",
    "thresholds.max_medium",
    "thresholds.max_low",
    "thresholds.max_info",
    "required.secrets",
    "required.sast",
    "required.dependencies",
    "required.infrastructure",
    "required.multiple_analyzers",
    "required.all_applicable",
    "suppression_rules.statuses",
    "suppression_rules.accepted_risk_requires_expiry",
    "suppression_rules.require_reason",
    "suppression_rules.require_expiry",
    "suppression_rules.max_expiry_days",
    "suppression_rules.expired_fails",
];

impl Policy {
    /// Resolves the policy from its sources. `today` dates the expiry checks (`max_expiry_days`).
    /// Every problem in every file is reported at once, each at its line and column.
    ///
    /// Precedence: preset of the effective level < policy file < repo `scangate.toml` < command
    /// line. The effective level is `max(cli level or 1, policy file level, repo level)`: a repo
    /// config may raise it, never lower it (a lower one lands in [`Policy::ignored`]). The policy
    /// file may set any threshold count but only tighten the level's rules; the repo config may
    /// only tighten anything. Lists (`required`, `[[suppress]]`, `[[severity]]`) concatenate.
    pub fn resolve(sources: &PolicySources, today: Date) -> Result<Policy, PolicyError> {
        let mut diagnostics = Vec::new();
        let policy_file = sources
            .policy_file
            .as_ref()
            .and_then(|f| parse(f, &mut diagnostics).map(|r| (f, r)));
        let repo_config = sources
            .repo_config
            .as_ref()
            .and_then(|f| parse(f, &mut diagnostics).map(|r| (f, r)));
        let declares = !sources.suppressions_only;
        let policy_level = policy_file
            .as_ref()
            .filter(|_| declares)
            .and_then(|(f, r)| declared_level(f, r, &mut diagnostics));
        let repo_level = repo_config.as_ref().filter(|_| declares).and_then(|(f, r)| {
            declared_level(f, r, &mut diagnostics).map(|(level, span)| (level, f.origin(span.start)))
        });

        let mut ignored = Vec::new();
        let mut relaxations = Vec::new();
        let policy_level = policy_level.map(|(level, _)| level);
        let level = effective_level(sources.cli_level, policy_level, repo_level, &mut ignored);
        let preset = preset_file(level);
        let preset_raw = parse(&preset, &mut diagnostics).unwrap_or_default();

        let mut policy = Policy::empty(level);
        let mut pending = Vec::new();
        let mut vendored = Vec::new();
        let layers = [
            Some((&preset, preset_raw, Trust::Preset)),
            policy_file.map(|(f, r)| (f, r, Trust::PolicyFile)),
            repo_config.map(|(f, r)| (f, r, Trust::RepoConfig)),
        ];
        for (file, raw, trust) in layers.into_iter().flatten() {
            policy.sources.push(file.path.clone());
            if let Some(third_party) = &raw.third_party {
                let declared = declare(file, third_party, trust == Trust::RepoConfig, &mut diagnostics);
                policy.third_party.exclude.extend(declared.exclude);
                if trust == Trust::RepoConfig {
                    policy
                        .third_party
                        .proposed
                        .extend(declared.vendored.iter().map(Suppression::glob));
                }
                vendored.extend(declared.vendored);
                if let Some(mode) = declared.minified {
                    policy.third_party.minified = mode;
                }
                let refused = declared.refused.into_iter();
                ignored.extend(refused.map(|(origin, what)| Ignored {
                    origin,
                    message: format!("{what}; only the pipeline's policy file may, so it is ignored"),
                }));
            }
            let mut layer = Layer {
                file,
                trust,
                level,
                diagnostics: &mut diagnostics,
                ignored: &mut ignored,
                relaxations: &mut relaxations,
            };
            if sources.suppressions_only && trust != Trust::Preset {
                pending.extend(raw.suppress.into_iter().map(|entry| (file, entry, trust)));
            } else {
                layer.apply(&mut policy, raw, &mut pending);
            }
        }
        for (file, entry, trust) in &pending {
            let rules = &policy.suppression_rules;
            if let Some(mut suppression) = check_entry(file, entry, rules, level, today, &mut diagnostics) {
                suppression.from_repository = *trust == Trust::RepoConfig;
                policy.suppressions.push(suppression);
            }
        }
        // After every `[[suppress]]` entry: a finding an entry names keeps that entry's status.
        policy.suppressions.extend(vendored);
        policy.ignored = ignored;
        policy.relaxations = relaxations;
        finish(policy, diagnostics)
    }

    /// The plain preset of a level, as `--level N` alone gives.
    pub fn preset(level: Level) -> Policy {
        let sources = PolicySources {
            cli_level: Some(level),
            ..PolicySources::default()
        };
        // The presets are tested to resolve cleanly (`presets_resolve` in the tests); a failure
        // here is a bug in gates/*.toml, not user input.
        match Policy::resolve(&sources, Date::today_utc()) {
            Ok(policy) => policy,
            Err(error) => panic!("embedded preset level-{level} is invalid: {error}"),
        }
    }

    /// `level N`, or `level N, relaxed by FILE: …` (see [`level_label`]).
    pub fn level_label(&self) -> String {
        level_label(self.level, &self.relaxations)
    }

    /// True when a `[third_party] vendored` glob of the pipeline's policy file (not the
    /// repository's proposal) covers the repository-relative `path`.
    pub fn vendored_by_policy(&self, path: &str) -> bool {
        self.suppressions.iter().any(|entry| {
            !entry.from_repository
                && matches!(&entry.selector, Selector::Vendored { matcher, .. } if matcher.is_match(path))
        })
    }

    /// The DSOMM activities behind a setting key (see [`ACTIVITY_KEYS`]).
    pub fn activities_for(&self, key: &str) -> &[Activity] {
        self.activities.get(key).map_or(&[], Vec::as_slice)
    }

    /// Categories required in this run: the always-required ones, plus the conditional ones for
    /// which `applicable` says a scanner applies.
    pub fn required_categories(&self, applicable: impl Fn(Category) -> bool) -> BTreeSet<Category> {
        let conditional = self.required.categories_when_applicable.iter().copied();
        let mut categories = self.required.categories.clone();
        categories.extend(conditional.filter(|&category| applicable(category)));
        categories
    }

    fn empty(level: Level) -> Policy {
        let unlimited = || Threshold {
            max: None,
            set_at: None,
        };
        Policy {
            level,
            sources: Vec::new(),
            thresholds: Thresholds {
                critical: unlimited(),
                high: unlimited(),
                medium: unlimited(),
                low: unlimited(),
                info: unlimited(),
            },
            required: Required {
                categories: BTreeSet::new(),
                categories_when_applicable: BTreeSet::new(),
                scanners: BTreeSet::new(),
                multiple_analyzers: false,
                all_applicable: false,
            },
            optional: BTreeSet::new(),
            severity_overrides: Vec::new(),
            suppression_rules: SuppressionRules {
                statuses: vec![SuppressionStatus::FalsePositive, SuppressionStatus::AcceptedRisk],
                accepted_risk_requires_expiry: false,
                require_reason: false,
                require_expiry: false,
                max_expiry_days: None,
                expired_fails: false,
                trust_changed_suppressions: false,
            },
            suppressions: Vec::new(),
            third_party: ThirdParty::default(),
            activities: BTreeMap::new(),
            relaxations: Vec::new(),
            ignored: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

fn finish(mut policy: Policy, mut diagnostics: Vec<Diagnostic>) -> Result<Policy, PolicyError> {
    // Errors first (stable: file order within each group), then warnings.
    diagnostics.sort_by_key(|d| d.severity != DiagnosticSeverity::Error);
    if diagnostics.iter().any(|d| d.severity == DiagnosticSeverity::Error) {
        return Err(PolicyError::Invalid { diagnostics });
    }
    policy.warnings = diagnostics;
    Ok(policy)
}

fn parse(file: &SourceFile, diagnostics: &mut Vec<Diagnostic>) -> Option<RawPolicy> {
    match toml::from_str::<RawPolicy>(&file.text) {
        Ok(raw) => Some(raw),
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            diagnostics.push(file.error(span, error.message().trim().to_string()));
            None
        }
    }
}

fn declared_level(
    file: &SourceFile,
    raw: &RawPolicy,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Level, Range<usize>)> {
    let extends = raw.extends.as_ref().and_then(|name| {
        let level = Level::from_preset_name(name.get_ref());
        if level.is_none() {
            let message = format!(
                "unknown preset `{}`: expected one of level-1, level-2, level-3, level-4, level-5",
                name.get_ref()
            );
            diagnostics.push(file.error(name.span(), message));
        }
        level
    });
    let level = raw.level.as_ref().and_then(|value| {
        let level = u8::try_from(*value.get_ref()).ok().and_then(Level::new);
        if level.is_none() {
            let message = format!("unknown level {}: expected a DSOMM level 1 to 5", value.get_ref());
            diagnostics.push(file.error(value.span(), message));
        }
        level
    });
    match (extends, level, &raw.level) {
        (Some(a), Some(b), Some(spanned)) if a != b => {
            let message = format!("`extends = \"level-{a}\"` and `level = {b}` disagree: give one of them");
            diagnostics.push(file.error(spanned.span(), message));
            None
        }
        _ => {
            let extends = extends.zip(raw.extends.as_ref().map(Spanned::span));
            extends.or(level.zip(raw.level.as_ref().map(Spanned::span)))
        }
    }
}

/// One explicit `max`: the command line (default 1) and the policy file set a floor that the repo
/// config may raise but not lower.
fn effective_level(
    cli: Option<Level>,
    policy: Option<Level>,
    repo: Option<(Level, Origin)>,
    ignored: &mut Vec<Ignored>,
) -> Level {
    let floor = cli.unwrap_or(Level::MIN).max(policy.unwrap_or(Level::MIN));
    let Some((repo, origin)) = repo else { return floor };
    if repo < floor {
        let by = if cli == Some(floor) {
            "the command line"
        } else {
            "the policy file"
        };
        ignored.push(Ignored {
            origin,
            message: format!(
                "the repo config asks for level {repo}, below level {floor} set by {by}; \
                 a repo config can raise the level, never lower it, so level {floor} applies"
            ),
        });
    }
    floor.max(repo)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    Preset,
    PolicyFile,
    RepoConfig,
}

struct Layer<'f, 'd> {
    file: &'f SourceFile,
    trust: Trust,
    level: Level,
    diagnostics: &'d mut Vec<Diagnostic>,
    ignored: &'d mut Vec<Ignored>,
    relaxations: &'d mut Vec<Relaxation>,
}

impl<'f> Layer<'f, '_> {
    fn apply(
        &mut self,
        policy: &mut Policy,
        raw: RawPolicy,
        pending: &mut Vec<(&'f SourceFile, Spanned<RawSuppress>, Trust)>,
    ) {
        if let Some(thresholds) = &raw.thresholds {
            self.thresholds(policy, thresholds);
        }
        if let Some(required) = &raw.required {
            self.required(policy, required);
        }
        if let Some(optional) = &raw.optional {
            self.optional(policy, optional);
        }
        if let Some(rules) = &raw.suppression_rules {
            self.suppression_rules(&mut policy.suppression_rules, rules);
        }
        for entry in &raw.severity {
            self.check_scanner_name(entry.get_ref().tool.as_deref(), entry.span());
            policy.severity_overrides.push(SeverityOverride {
                rule: entry.get_ref().rule.clone(),
                tool: entry.get_ref().tool.clone(),
                severity: entry.get_ref().severity,
                only_raise: self.trust == Trust::RepoConfig,
                origin: self.file.origin(entry.span().start),
            });
        }
        self.activities(policy, &raw.activity);
        pending.extend(raw.suppress.into_iter().map(|entry| (self.file, entry, self.trust)));
    }

    fn thresholds(&mut self, policy: &mut Policy, raw: &RawThresholds) {
        for severity in Severity::ALL {
            let Some(limit) = raw.get(severity) else { continue };
            let new = limit.get_ref().as_option();
            let current = policy.thresholds.get(severity).max;
            if self.trust == Trust::RepoConfig && looser(new, current) {
                let message = format!(
                    "max_{severity} = {} would allow more than the {} already in force",
                    show_limit(new),
                    show_limit(current)
                );
                self.refuse(limit.span(), message);
                continue;
            }
            if self.trust == Trust::PolicyFile && looser(new, current) {
                let setting = format!("max_{severity} = {} (preset: {})", show_limit(new), show_limit(current));
                self.relax(limit.span(), setting);
            }
            *policy.thresholds.get_mut(severity) = Threshold {
                max: new,
                set_at: Some(self.file.origin(limit.span().start)),
            };
        }
    }

    fn required(&mut self, policy: &mut Policy, raw: &RawRequired) {
        let required = &mut policy.required;
        if let Some(categories) = &raw.categories {
            required.categories.extend(categories.get_ref());
        }
        if let Some(categories) = &raw.categories_when_applicable {
            required.categories_when_applicable.extend(categories.get_ref());
        }
        for scanner in raw.scanners.iter().flatten() {
            self.check_scanner_name(Some(scanner.get_ref()), scanner.span());
            policy.required.scanners.insert(scanner.get_ref().clone());
        }
        let required = &mut policy.required;
        self.flag(
            &mut required.multiple_analyzers,
            raw.multiple_analyzers.as_ref(),
            "multiple_analyzers",
        );
        self.flag(
            &mut required.all_applicable,
            raw.all_applicable.as_ref(),
            "all_applicable",
        );
    }

    fn optional(&mut self, policy: &mut Policy, optional: &[Spanned<String>]) {
        for scanner in optional {
            if self.trust == Trust::RepoConfig {
                let message = format!(
                    "optional = [\"{}\"] would turn a failure into a warning",
                    scanner.get_ref()
                );
                self.refuse(scanner.span(), message);
                continue;
            }
            self.check_scanner_name(Some(scanner.get_ref()), scanner.span());
            if self.trust == Trust::PolicyFile {
                self.relax(scanner.span(), format!("optional {}", scanner.get_ref()));
            }
            policy.optional.insert(scanner.get_ref().clone());
        }
    }

    fn suppression_rules(&mut self, rules: &mut SuppressionRules, raw: &RawSuppressionRules) {
        if let Some(statuses) = &raw.statuses {
            let extra = statuses.get_ref().iter().find(|s| !rules.statuses.contains(s));
            match extra {
                Some(status) if self.trust != Trust::Preset => {
                    self.refuse(statuses.span(), format!("statuses would allow `{status}`"));
                }
                _ => rules.statuses = statuses.get_ref().clone(),
            }
        }
        self.flag(
            &mut rules.accepted_risk_requires_expiry,
            raw.accepted_risk_requires_expiry.as_ref(),
            "accepted_risk_requires_expiry",
        );
        self.flag(&mut rules.require_reason, raw.require_reason.as_ref(), "require_reason");
        self.flag(&mut rules.require_expiry, raw.require_expiry.as_ref(), "require_expiry");
        self.flag(&mut rules.expired_fails, raw.expired_fails.as_ref(), "expired_fails");
        self.trust_changed_suppressions(rules, raw.trust_changed_suppressions.as_ref());
        if let Some(days) = &raw.max_expiry_days {
            let new = days.get_ref().as_option();
            if self.trust != Trust::Preset && looser(new, rules.max_expiry_days) {
                let message = format!(
                    "max_expiry_days = {} would allow longer than {}",
                    show_limit(new),
                    show_limit(rules.max_expiry_days)
                );
                self.refuse(days.span(), message);
            } else {
                rules.max_expiry_days = new;
            }
        }
    }

    /// Trusting what the change under review adds loosens the gate, so only the pipeline's own
    /// policy file may turn it on; the repository's config may only turn it off.
    fn trust_changed_suppressions(&mut self, rules: &mut SuppressionRules, new: Option<&Spanned<bool>>) {
        let Some(new) = new else { return };
        if *new.get_ref() && self.trust == Trust::RepoConfig {
            self.refuse(
                new.span(),
                "trust_changed_suppressions = true would let a change approve its own findings".into(),
            );
        } else {
            if *new.get_ref() && self.trust == Trust::PolicyFile {
                self.relax(new.span(), "trust_changed_suppressions = true".into());
            }
            rules.trust_changed_suppressions = *new.get_ref();
        }
    }

    /// A level rule: anyone may turn it on; only the preset may turn it off.
    fn flag(&mut self, target: &mut bool, new: Option<&Spanned<bool>>, key: &str) {
        let Some(new) = new else { return };
        if *new.get_ref() || !*target || self.trust == Trust::Preset {
            *target = *new.get_ref();
        } else {
            self.refuse(
                new.span(),
                format!("{key} = false would switch off a rule of the level"),
            );
        }
    }

    fn activities(&mut self, policy: &mut Policy, activities: &[Spanned<RawActivity>]) {
        let mut by_key: BTreeMap<String, Vec<Activity>> = BTreeMap::new();
        for activity in activities {
            let raw = activity.get_ref();
            if self.trust == Trust::RepoConfig {
                // What the reports cite is the pipeline's to say, not the scanned repository's.
                let message = format!(
                    "[[activity]] `{}` (\"{}\") would change which DSOMM activities the reports cite",
                    raw.id, raw.name
                );
                self.refuse(activity.span(), message);
                continue;
            }
            if self.trust == Trust::PolicyFile {
                self.check_activity(raw, activity.span());
            }
            for key in &raw.enforces {
                if !ACTIVITY_KEYS.contains(&key.get_ref().as_str()) {
                    let message = format!(
                        "unknown setting `{}` in `enforces`: expected one of {}",
                        key.get_ref(),
                        ACTIVITY_KEYS.join(", ")
                    );
                    self.diagnostics.push(self.file.error(key.span(), message));
                    continue;
                }
                by_key.entry(key.get_ref().clone()).or_default().push(Activity {
                    id: raw.id.clone(),
                    name: raw.name.clone(),
                });
            }
        }
        policy.activities.extend(by_key);
    }

    /// A policy-file setting that loosens the preset: allowed, and named beside the level.
    fn relax(&mut self, span: Range<usize>, setting: String) {
        self.relaxations.push(Relaxation {
            origin: self.file.origin(span.start),
            setting,
        });
    }

    /// A setting that would loosen what an earlier layer or the level set: an error in a policy
    /// file (its author should pick a lower level), ignored and recorded from a repo config.
    fn refuse(&mut self, span: Range<usize>, what: String) {
        match self.trust {
            Trust::Preset => {}
            Trust::PolicyFile => {
                let message = format!(
                    "{what}: level {} does not allow that; pick a lower level instead",
                    self.level
                );
                self.diagnostics.push(self.file.error(span, message));
            }
            Trust::RepoConfig => self.ignored.push(Ignored {
                origin: self.file.origin(span.start),
                message: format!("{what}; a repo config can only tighten the policy, so it is ignored"),
            }),
        }
    }

    /// A policy's `[[activity]]` should name a DSOMM activity as the catalogue has it.
    fn check_activity(&mut self, raw: &RawActivity, span: Range<usize>) {
        let catalogue = Catalogue::get();
        let message = match catalogue.activity(&raw.id) {
            None => format!(
                "activity `{}` (\"{}\") is not in the DSOMM catalogue (DevSecOps-MaturityModel-data {})",
                raw.id, raw.name, catalogue.source.commit
            ),
            Some(known) if known.name != raw.name => format!(
                "activity `{}` is named \"{}\" in DSOMM, not \"{}\"",
                raw.id, known.name, raw.name
            ),
            Some(_) => return,
        };
        self.diagnostics.push(self.file.warning(span, message));
    }

    fn check_scanner_name(&mut self, name: Option<&str>, span: Range<usize>) {
        let Some(name) = name else { return };
        let known = scangate_normalizer::parser_names();
        if !known.contains(&name) {
            // Only a warning: `scangate gate` also gates SARIF from tools scangate does not run.
            let message = format!(
                "`{name}` is not a scanner scangate runs: expected one of {}",
                known.join(", ")
            );
            self.diagnostics.push(self.file.warning(span, message));
        }
    }
}

/// True when `new` allows more than `current` (`None` is unlimited).
fn looser(new: Option<u64>, current: Option<u64>) -> bool {
    match (new, current) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(new), Some(current)) => new > current,
    }
}

fn show_limit(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".to_string(), |count| count.to_string())
}
