//! Policy suppressions: which findings an entry matches, and the level's rules on entries.
//!
//! An entry selects findings one of three ways: by `fingerprint`, by `rule` + `path` glob
//! (optionally one `tool`), or by `vulnerability` id or alias (optionally one `package`).
//! The level decides which statuses are allowed and whether a reason and an expiry are needed
//! (DESIGN.md §5); [`check_entry`] reports every broken rule of an entry at once.

use std::fmt;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use scangate_normalizer::Finding;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::date::Date;
use crate::diag::{Diagnostic, SourceFile};
use crate::model::Origin;
use crate::raw::RawSuppress;

/// Why a finding is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionStatus {
    /// The scanner is wrong here.
    FalsePositive,
    /// The finding is real and the risk is accepted (for a while).
    AcceptedRisk,
}

impl SuppressionStatus {
    /// The name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionStatus::FalsePositive => "false_positive",
            SuppressionStatus::AcceptedRisk => "accepted_risk",
        }
    }
}

impl fmt::Display for SuppressionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a suppression entry matches.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Selector {
    /// `partialFingerprints["scangate/v1"]`, exactly.
    Fingerprint {
        /// Lowercase hex.
        fingerprint: String,
    },
    /// A rule id at paths matching a glob (`*` stays within a directory, `**` crosses them).
    Rule {
        /// The finding's `rule_id`.
        rule: String,
        /// The glob, as written.
        path: String,
        /// Only findings this tool reported.
        tool: Option<String>,
        #[serde(skip)]
        /// The compiled glob (a set of one: building a set reports a glob too large or nested too
        /// deeply for the regex engine as an error, where `Glob::compile_matcher` panics).
        matcher: GlobSet,
    },
    /// A vulnerability id or alias (`CVE-…`, `GHSA-…`), compared case-insensitively.
    Vulnerability {
        /// The id.
        id: String,
        /// Only in this package.
        package: Option<String>,
    },
}

impl Selector {
    /// True when the finding is one this selector names.
    pub fn matches(&self, finding: &Finding) -> bool {
        match self {
            Selector::Fingerprint { fingerprint } => finding.fingerprint.eq_ignore_ascii_case(fingerprint),
            Selector::Rule {
                rule, tool, matcher, ..
            } => {
                finding.rule_id == *rule
                    && tool.as_ref().is_none_or(|tool| finding.tools.contains(tool))
                    && finding
                        .location
                        .as_ref()
                        .is_some_and(|location| matcher.is_match(&location.path))
            }
            Selector::Vulnerability { id, package } => {
                let named = finding.rule_id.eq_ignore_ascii_case(id)
                    || finding.vulnerability_ids.iter().any(|v| v.eq_ignore_ascii_case(id));
                named
                    && package
                        .as_ref()
                        .is_none_or(|wanted| finding.package.as_ref().is_some_and(|package| package.name == *wanted))
            }
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Fingerprint { fingerprint } => write!(f, "fingerprint {fingerprint}"),
            Selector::Rule { rule, path, tool, .. } => {
                write!(f, "rule {rule} at {path}")?;
                tool.as_ref().map_or(Ok(()), |tool| write!(f, " ({tool})"))
            }
            Selector::Vulnerability { id, package } => {
                write!(f, "vulnerability {id}")?;
                package.as_ref().map_or(Ok(()), |package| write!(f, " in {package}"))
            }
        }
    }
}

/// One `[[suppress]]` entry, checked against the level's rules.
#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    /// What it matches.
    pub selector: Selector,
    /// False positive or accepted risk.
    pub status: SuppressionStatus,
    /// Why.
    pub reason: Option<String>,
    /// Who answers for it.
    pub owner: Option<String>,
    /// Last day it applies.
    pub expires: Option<Date>,
    /// The entry's position.
    pub origin: Origin,
    /// The entry's first and last line, for holding it against a change.
    pub lines: (u64, u64),
    /// True when the entry comes from the scanned repository's own `scangate.toml`, which the
    /// change under review may have written.
    pub from_repository: bool,
}

impl Suppression {
    /// True when `today` is after the last day the entry applies.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|expires| today > expires)
    }
}

/// The level's rules on suppression entries (`[suppression_rules]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionRules {
    /// Statuses an entry may have.
    pub statuses: Vec<SuppressionStatus>,
    /// An `accepted_risk` entry needs `expires` (level 2+).
    pub accepted_risk_requires_expiry: bool,
    /// Every entry needs a non-empty `reason` (level 3+).
    pub require_reason: bool,
    /// Every entry needs `expires` (level 4+).
    pub require_expiry: bool,
    /// `expires` at most this many days after today (level 4+: 90). `None`: no limit.
    pub max_expiry_days: Option<u64>,
    /// An expired entry fails the gate (level 5); otherwise it stops applying, with a warning.
    pub expired_fails: bool,
    /// Pull-request mode applies suppressions that the change itself adds or modifies (for teams
    /// whose code owners review such files). Only the trusted policy file may set it.
    pub trust_changed_suppressions: bool,
}

/// Checks one entry against `rules`; every problem goes to `diagnostics`. `None` when invalid.
pub(crate) fn check_entry(
    file: &SourceFile,
    entry: &Spanned<RawSuppress>,
    rules: &SuppressionRules,
    level: crate::Level,
    today: Date,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Suppression> {
    let before = diagnostics.len();
    let span = entry.span();
    let raw = entry.get_ref();
    let mut error = |message: String| diagnostics.push(file.error(span.clone(), message));

    let selector = selector(raw).map_err(&mut error).ok();
    let status = match &raw.status {
        None => {
            error("suppression has no `status`: expected \"false_positive\" or \"accepted_risk\"".into());
            None
        }
        Some(status) => Some(*status.get_ref()),
    };
    if let Some(status) = status.filter(|s| !rules.statuses.contains(s)) {
        error(format!("status `{status}` is not allowed at level {level}"));
    }
    let reason = raw.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if rules.require_reason && reason.is_none() {
        error(format!(
            "suppression has no `reason`: level {level} requires one for every entry"
        ));
    }
    let expires = expiry(file, raw, diagnostics);
    let mut error = |message: String| diagnostics.push(file.error(span.clone(), message));
    if raw.expires.is_none() {
        if rules.require_expiry {
            error(format!(
                "suppression has no `expires`: level {level} requires one for every entry"
            ));
        } else if rules.accepted_risk_requires_expiry && status == Some(SuppressionStatus::AcceptedRisk) {
            error(format!(
                "accepted_risk suppression has no `expires`: level {level} requires one"
            ));
        }
    }
    if let (Some(expires), Some(max_days), Some(written)) = (expires, rules.max_expiry_days, &raw.expires) {
        let latest = today.add_days(i64::try_from(max_days).unwrap_or(i64::MAX / 2));
        if expires > latest {
            let message = format!(
                "`expires = {expires}` is more than {max_days} days ahead: level {level} allows at most {latest}"
            );
            diagnostics.push(file.error(written.span(), message));
        }
    }
    if diagnostics.len() > before {
        return None;
    }
    Some(Suppression {
        selector: selector?,
        status: status?,
        reason: reason.map(str::to_string),
        owner: raw.owner.clone(),
        expires,
        origin: file.origin(span.start),
        lines: (file.origin(span.start).line as u64, file.origin(span.end).line as u64),
        from_repository: false,
    })
}

fn expiry(file: &SourceFile, raw: &RawSuppress, diagnostics: &mut Vec<Diagnostic>) -> Option<Date> {
    let expires = raw.expires.as_ref()?;
    let date = Date::parse(&expires.get_ref().0);
    if date.is_none() {
        diagnostics.push(file.error(
            expires.span(),
            format!("`expires = {}` is not a date: expected YYYY-MM-DD", expires.get_ref().0),
        ));
    }
    date
}

fn selector(raw: &RawSuppress) -> Result<Selector, String> {
    let kinds = [
        raw.fingerprint.is_some(),
        raw.rule.is_some(),
        raw.vulnerability.is_some(),
    ];
    match kinds.iter().filter(|&&set| set).count() {
        0 => {
            return Err(
                "suppression selects nothing: expected `fingerprint`, `rule` + `path`, or `vulnerability`".into(),
            )
        }
        1 => {}
        _ => {
            return Err(
                "suppression mixes selectors: use one of `fingerprint`, `rule` + `path`, `vulnerability`".into(),
            )
        }
    }
    if raw.package.is_some() && raw.vulnerability.is_none() {
        return Err("`package` only goes with `vulnerability`".into());
    }
    if (raw.path.is_some() || raw.tool.is_some()) && raw.rule.is_none() {
        return Err("`path` and `tool` only go with `rule`".into());
    }
    if let Some(fingerprint) = &raw.fingerprint {
        return fingerprint_selector(fingerprint);
    }
    if let Some(rule) = &raw.rule {
        return rule_selector(rule, raw.path.as_deref(), raw.tool.clone());
    }
    let id = raw.vulnerability.clone().unwrap_or_default();
    Ok(Selector::Vulnerability {
        id,
        package: raw.package.clone(),
    })
}

fn fingerprint_selector(fingerprint: &str) -> Result<Selector, String> {
    // scangate/v1 fingerprints are hex sha256; anything else can never match.
    if fingerprint.len() != 64 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "fingerprint `{fingerprint}` is not a scangate/v1 fingerprint: expected 64 hex digits"
        ));
    }
    Ok(Selector::Fingerprint {
        fingerprint: fingerprint.to_ascii_lowercase(),
    })
}

fn rule_selector(rule: &str, path: Option<&str>, tool: Option<String>) -> Result<Selector, String> {
    // Requiring the glob keeps "suppress this rule everywhere" a deliberate `path = "**"`.
    let path = path.ok_or_else(|| format!("rule `{rule}` needs a `path` glob (`**` for everywhere)"))?;
    let invalid = |why: String| format!("`path` is not a valid glob ({}): {why}", excerpt(path));
    let glob = GlobBuilder::new(path)
        .literal_separator(true)
        .build()
        .map_err(|error| invalid(error.kind().to_string()))?;
    let matcher = GlobSetBuilder::new()
        .add(glob)
        .build()
        .map_err(|_| invalid("too large or nested too deeply".to_string()))?;
    Ok(Selector::Rule {
        rule: rule.to_string(),
        path: path.to_string(),
        tool,
        matcher,
    })
}

/// A glob as a message may quote it: the first characters, Debug-escaped.
fn excerpt(glob: &str) -> String {
    const SHOWN: usize = 40;
    match glob.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{:?}…", &glob[..end]),
        None => format!("{glob:?}"),
    }
}
