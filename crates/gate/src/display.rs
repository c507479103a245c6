//! The effective policy as `scangate plan` prints it. Text from a repository's `scangate.toml`
//! (selectors, owners, reasons) is kept on its line ([`one_line`]): no line starts with it.

use std::fmt;

use scangate_normalizer::Severity;

use crate::policy::Policy;

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources: Vec<String> = self.sources.iter().map(|p| p.display().to_string()).collect();
        writeln!(f, "{} (from {})", self.level_label(), sources.join(" < "))?;
        self.fmt_thresholds(f)?;
        self.fmt_required(f)?;
        self.fmt_rules(f)?;
        self.fmt_entries(f)?;
        for ignored in &self.ignored {
            writeln!(f, "ignored: {} ({})", one_line(&ignored.message), ignored.origin)?;
        }
        Ok(())
    }
}

impl Policy {
    fn fmt_thresholds(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limits: Vec<String> = Severity::ALL
            .iter()
            .map(|&severity| {
                let max = self.thresholds.get(severity).max;
                format!(
                    "{severity} {}",
                    max.map_or("unlimited".to_string(), |m| format!("≤ {m}"))
                )
            })
            .collect();
        writeln!(f, "thresholds: {}", limits.join(", "))
    }

    fn fmt_required(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let required = &self.required;
        let mut categories: Vec<String> = required.categories.iter().map(|c| c.to_string()).collect();
        categories.extend(
            required
                .categories_when_applicable
                .iter()
                .filter(|c| !required.categories.contains(c))
                .map(|c| format!("{c} (when a scanner applies)")),
        );
        writeln!(f, "required categories: {}", list(&categories))?;
        let scanners: Vec<&String> = required.scanners.iter().collect();
        writeln!(f, "required scanners: {}", list(&scanners))?;
        let optional: Vec<&String> = self.optional.iter().collect();
        writeln!(f, "optional scanners: {}", list(&optional))?;
        writeln!(
            f,
            "two analyzers per category where two apply: {}; every applicable scanner (scangate policy): {}",
            yes_no(required.multiple_analyzers),
            yes_no(required.all_applicable)
        )
    }

    fn fmt_rules(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules = &self.suppression_rules;
        let statuses: Vec<_> = rules.statuses.iter().collect();
        let mut parts = vec![format!("statuses {}", list(&statuses))];
        if rules.accepted_risk_requires_expiry {
            parts.push("accepted_risk needs an expiry".into());
        }
        if rules.require_reason {
            parts.push("every entry needs a reason".into());
        }
        if rules.require_expiry {
            parts.push("every entry needs an expiry".into());
        }
        if let Some(days) = rules.max_expiry_days {
            parts.push(format!("expiry at most {days} days ahead (scangate policy)"));
        }
        parts.push(if rules.expired_fails {
            "an expired entry fails the gate (scangate policy)".into()
        } else {
            "an expired entry stops applying".into()
        });
        writeln!(f, "suppression rules: {}", parts.join("; "))
    }

    fn fmt_entries(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "suppressions: {}", self.suppressions.len())?;
        for entry in &self.suppressions {
            let selector = one_line(&entry.selector.to_string());
            write!(f, "  {}: {selector} ({})", entry.origin, entry.status)?;
            if let Some(expires) = entry.expires {
                write!(f, ", expires {expires}")?;
            }
            if let Some(owner) = &entry.owner {
                write!(f, ", owner {}", one_line(owner))?;
            }
            if let Some(reason) = &entry.reason {
                write!(f, ": {}", one_line(reason))?;
            }
            writeln!(f)?;
        }
        for entry in &self.severity_overrides {
            let tool = entry.tool.as_ref().map_or(String::new(), |tool| format!(" ({tool})"));
            let raise = if entry.only_raise { ", may only raise" } else { "" };
            writeln!(
                f,
                "severity override: {}{tool} -> {}{raise} ({})",
                one_line(&entry.rule),
                entry.severity,
                entry.origin
            )?;
        }
        Ok(())
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// `text` with control characters (C0 and C1: line breaks, escape sequences) shown as `\n`,
/// `\u{1b}` …, and the characters that reorder or break text without being controls (see
/// [`is_unseen_format`]) as `\u{202e}` …: untrusted text kept on the line it is printed on, and
/// shown in the order it has.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_debug().to_string(),
            c if is_unseen_format(c) => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Unicode's bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which
/// make a file name or message read in another order than it has ("Trojan Source"), and the line
/// and paragraph separators U+2028, U+2029, which break a line where a viewer honours them.
pub fn is_unseen_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
    )
}
