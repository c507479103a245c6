//! The policy file as written: serde structs, every field optional so layers can merge.
//!
//! `deny_unknown_fields` everywhere, so a typo is an error with its line and column rather than a
//! setting silently ignored. Values that later checks point at are `Spanned`.

use std::fmt;

use scangate_normalizer::Severity;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use crate::model::Category;
use crate::suppress::SuppressionStatus;

/// One policy file (or preset).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub extends: Option<Spanned<String>>,
    // i64 rather than u8 so `level = 9` gets our "expected 1 to 5" message with its position.
    pub level: Option<Spanned<i64>>,
    pub optional: Option<Vec<Spanned<String>>>,
    pub thresholds: Option<RawThresholds>,
    pub required: Option<RawRequired>,
    pub suppression_rules: Option<RawSuppressionRules>,
    #[serde(default)]
    pub severity: Vec<Spanned<RawSeverityOverride>>,
    #[serde(default)]
    pub suppress: Vec<Spanned<RawSuppress>>,
    #[serde(default)]
    pub activity: Vec<Spanned<RawActivity>>,
    pub third_party: Option<RawThirdParty>,
}

/// `[third_party]`: paths of third-party code (see `crate::third_party`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThirdParty {
    pub exclude: Option<Vec<Spanned<String>>>,
    pub vendored: Option<Vec<Spanned<String>>>,
    pub minified: Option<Spanned<crate::third_party::MinifiedMode>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThresholds {
    pub max_critical: Option<Spanned<Limit>>,
    pub max_high: Option<Spanned<Limit>>,
    pub max_medium: Option<Spanned<Limit>>,
    pub max_low: Option<Spanned<Limit>>,
    pub max_info: Option<Spanned<Limit>>,
}

impl RawThresholds {
    pub fn get(&self, severity: Severity) -> Option<&Spanned<Limit>> {
        match severity {
            Severity::Critical => self.max_critical.as_ref(),
            Severity::High => self.max_high.as_ref(),
            Severity::Medium => self.max_medium.as_ref(),
            Severity::Low => self.max_low.as_ref(),
            Severity::Info => self.max_info.as_ref(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequired {
    pub categories: Option<Spanned<Vec<Category>>>,
    pub categories_when_applicable: Option<Spanned<Vec<Category>>>,
    pub scanners: Option<Vec<Spanned<String>>>,
    pub multiple_analyzers: Option<Spanned<bool>>,
    pub all_applicable: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuppressionRules {
    pub statuses: Option<Spanned<Vec<SuppressionStatus>>>,
    pub accepted_risk_requires_expiry: Option<Spanned<bool>>,
    pub require_reason: Option<Spanned<bool>>,
    pub require_expiry: Option<Spanned<bool>>,
    pub max_expiry_days: Option<Spanned<Limit>>,
    pub expired_fails: Option<Spanned<bool>>,
    pub trust_changed_suppressions: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSeverityOverride {
    pub rule: String,
    pub tool: Option<String>,
    pub severity: Severity,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuppress {
    pub fingerprint: Option<String>,
    pub rule: Option<String>,
    pub path: Option<String>,
    pub tool: Option<String>,
    pub vulnerability: Option<String>,
    pub package: Option<String>,
    // Optional here so a missing status is reported with the entry's other problems.
    pub status: Option<Spanned<SuppressionStatus>>,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub expires: Option<Spanned<DateText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActivity {
    pub id: String,
    pub name: String,
    pub enforces: Vec<Spanned<String>>,
}

/// A maximum count: a number, or `"unlimited"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Count(u64),
    Unlimited,
}

impl Limit {
    pub fn as_option(self) -> Option<u64> {
        match self {
            Limit::Count(count) => Some(count),
            Limit::Unlimited => None,
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LimitVisitor)
    }
}

struct LimitVisitor;

impl Visitor<'_> for LimitVisitor {
    type Value = Limit;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a count (0 or more) or \"unlimited\"")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Limit, E> {
        Ok(Limit::Count(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Limit, E> {
        u64::try_from(value)
            .map(Limit::Count)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Limit, E> {
        if value == "unlimited" {
            Ok(Limit::Unlimited)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }
}

/// A date as written: a TOML local date (`expires = 2025-06-30`) or a string
/// (`expires = "2025-06-30"`). Checked for shape later, so the error names the entry.
#[derive(Debug, Clone)]
pub(crate) struct DateText(pub String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DateVisitor)
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = DateText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date YYYY-MM-DD")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<DateText, E> {
        Ok(DateText(value.to_string()))
    }

    // toml hands its date values to visitors as a one-entry map; its own type decodes that.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DateText, A::Error> {
        let datetime = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(DateText(datetime.to_string()))
    }
}
