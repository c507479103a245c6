//! Version order per ecosystem, so a dependency finding's fix is the one for its installed
//! version and never a downgrade (minimist 1.2.5 is fixed in 1.2.6, not in 0.2.4).
//!
//! SemVer ecosystems (npm, crates.io, Go, Hex, Pub) compare by SemVer 2.0 precedence, Go's leading
//! `v` dropped. Anything else, and SemVer ecosystems' non-SemVer versions (Go's `1.22`), compare
//! only when both are dotted numbers (`2.10` > `2.9`, `1.0` = `1.0.0`). Versions that cannot be
//! ordered are not guessed at: callers then make the conservative choice.

use std::cmp::Ordering;

use semver::Version;

/// How `a` compares with `b` in `ecosystem`; `None` when scangate cannot order them.
pub(crate) fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    if uses_semver(ecosystem) {
        if let (Some(a), Some(b)) = (parse_semver(a), parse_semver(b)) {
            return Some(a.cmp(&b));
        }
    }
    compare_dotted_numbers(a, b)
}

/// The lowest of `candidates` above `installed`: the fix that is never a downgrade. A single
/// candidate that cannot be ordered against `installed` is kept (it is the only fix the tool
/// named); among several, only those provably above count.
pub(crate) fn lowest_above<'a>(
    ecosystem: &str,
    installed: Option<&str>,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut distinct: Vec<&str> = Vec::new();
    for candidate in candidates.into_iter().map(str::trim).filter(|c| !c.is_empty()) {
        if !distinct.contains(&candidate) {
            distinct.push(candidate);
        }
    }
    let Some(installed) = installed else {
        return match distinct.as_slice() {
            [only] => Some(only),
            _ => None,
        };
    };
    let order = |candidate: &str| compare(ecosystem, installed, candidate);
    if let [only] = distinct.as_slice() {
        return matches!(order(only), Some(Ordering::Less) | None).then_some(*only);
    }
    distinct
        .into_iter()
        .filter(|candidate| order(candidate) == Some(Ordering::Less))
        .min_by(|a, b| compare(ecosystem, a, b).unwrap_or(Ordering::Equal))
}

/// Ecosystems whose versions are SemVer 2.0 (OSV ecosystem names).
fn uses_semver(ecosystem: &str) -> bool {
    ["npm", "crates.io", "go", "hex", "pub"]
        .iter()
        .any(|name| ecosystem.eq_ignore_ascii_case(name))
}

/// A SemVer version, with the `v` (Go) or `=` (npm) some tools put in front dropped.
pub(crate) fn parse_semver(text: &str) -> Option<Version> {
    let text = text.trim();
    let text = text.strip_prefix(['v', '=']).unwrap_or(text);
    Version::parse(text).ok()
}

fn compare_dotted_numbers(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (dotted_numbers(a)?, dotted_numbers(b)?);
    let length = a.len().max(b.len());
    let at = |parts: &[u64], index: usize| parts.get(index).copied().unwrap_or(0);
    Some(
        (0..length)
            .map(|index| at(&a, index).cmp(&at(&b, index)))
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal),
    )
}

fn dotted_numbers(text: &str) -> Option<Vec<u64>> {
    let text = text.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    text.split('.').map(|part| part.parse().ok()).collect()
}

/// An npm range as advisories write them: `||`-separated sets of space-separated comparators
/// (`<0.2.4 || >=1.0.0 <1.2.6`, `<=4.0.13`, `=1.0.4`, `1.0.4`, `*`). Hyphen ranges, x-ranges,
/// `^` and `~` are not advisory syntax and are not read.
#[derive(Debug)]
pub(crate) struct NpmRange {
    sets: Vec<Vec<Comparator>>,
}

#[derive(Debug)]
struct Comparator {
    operator: Operator,
    version: Version,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operator {
    Below,
    AtMost,
    Above,
    AtLeast,
    Exactly,
}

impl NpmRange {
    /// `None` for syntax scangate does not evaluate.
    pub(crate) fn parse(text: &str) -> Option<NpmRange> {
        let sets = text
            .split("||")
            .map(|set| set.split_whitespace().filter(|c| *c != "*").map(comparator).collect())
            .collect::<Option<Vec<Vec<Comparator>>>>()?;
        Some(NpmRange { sets })
    }

    /// True when `version` is in the range.
    pub(crate) fn contains(&self, version: &Version) -> bool {
        self.set_containing(version).is_some()
    }

    /// The fix of the set `version` falls in: its `<` bound, the first version past it.
    pub(crate) fn fix_for(&self, version: &Version) -> Option<&Version> {
        self.set_containing(version)?
            .iter()
            .filter(|c| c.operator == Operator::Below)
            .map(|c| &c.version)
            .min()
    }

    fn set_containing(&self, version: &Version) -> Option<&[Comparator]> {
        self.sets
            .iter()
            .find(|set| set.iter().all(|c| c.matches(version)))
            .map(Vec::as_slice)
    }
}

fn comparator(text: &str) -> Option<Comparator> {
    let (operator, rest) = [
        ("<=", Operator::AtMost),
        (">=", Operator::AtLeast),
        ("<", Operator::Below),
        (">", Operator::Above),
        ("=", Operator::Exactly),
    ]
    .into_iter()
    .find_map(|(prefix, operator)| text.strip_prefix(prefix).map(|rest| (operator, rest)))
    .unwrap_or((Operator::Exactly, text));
    Some(Comparator {
        operator,
        version: parse_semver(rest)?,
    })
}

impl Comparator {
    fn matches(&self, version: &Version) -> bool {
        let order = version.cmp(&self.version);
        match self.operator {
            Operator::Below => order.is_lt(),
            Operator::AtMost => order.is_le(),
            Operator::Above => order.is_gt(),
            Operator::AtLeast => order.is_ge(),
            Operator::Exactly => order.is_eq(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_ecosystems_use_semver_precedence() {
        assert_eq!(compare("npm", "1.2.5", "1.2.10"), Some(Ordering::Less));
        assert_eq!(compare("npm", "1.0.0-rc.1", "1.0.0"), Some(Ordering::Less));
        assert_eq!(compare("Go", "v1.4.0", "1.3.9"), Some(Ordering::Greater));
        assert_eq!(
            compare("Go", "1.22", "1.21.8"),
            Some(Ordering::Greater),
            "stdlib versions"
        );
        assert_eq!(compare("npm", "1.2", "1.2.0-beta"), None);
    }

    #[test]
    fn other_ecosystems_compare_only_dotted_numbers() {
        assert_eq!(compare("PyPI", "2.10", "2.9.1"), Some(Ordering::Greater));
        assert_eq!(compare("Maven", "1.0", "1.0.0"), Some(Ordering::Equal));
        assert_eq!(compare("PyPI", "1.0rc1", "1.0"), None);
        assert_eq!(compare("Debian", "1:2.3-1", "2.3"), None);
    }

    #[test]
    fn lowest_above_never_downgrades() {
        let fixes = ["0.2.4", "1.2.6"];
        assert_eq!(lowest_above("npm", Some("1.2.5"), fixes), Some("1.2.6"));
        assert_eq!(lowest_above("npm", Some("0.0.8"), fixes), Some("0.2.4"));
        assert_eq!(lowest_above("npm", Some("1.2.6"), fixes), None);
        assert_eq!(
            lowest_above("npm", Some("3.0.0"), ["3.1.1", " 2.2.3", "3.0.1"]),
            Some("3.0.1")
        );
        assert_eq!(lowest_above("Debian", Some("1:2.3-1"), ["1:2.3-2"]), Some("1:2.3-2"));
        assert_eq!(lowest_above("Debian", Some("1:2.3-1"), ["1:2.3-2", "1:2.4-1"]), None);
        assert_eq!(lowest_above("npm", None, ["1.2.6"]), Some("1.2.6"));
        assert_eq!(lowest_above("npm", None, fixes), None);
    }

    #[test]
    fn npm_ranges_as_advisories_write_them() {
        let range = NpmRange::parse("<0.2.4 || >=1.0.0 <1.2.6").unwrap();
        let version = |text: &str| Version::parse(text).unwrap();
        assert!(range.contains(&version("0.0.8")));
        assert!(!range.contains(&version("0.2.4")));
        assert!(range.contains(&version("1.2.5")));
        assert!(!range.contains(&version("1.2.6")));
        assert_eq!(range.fix_for(&version("1.2.5")), Some(&version("1.2.6")));
        assert_eq!(range.fix_for(&version("0.0.8")), Some(&version("0.2.4")));
        assert_eq!(range.fix_for(&version("1.2.6")), None);
        let everything = NpmRange::parse("*").unwrap();
        assert!(everything.contains(&version("9.9.9")));
        assert_eq!(everything.fix_for(&version("9.9.9")), None);
        let exact = NpmRange::parse("<=4.0.13 || =4.1.0 || 4.1.1").unwrap();
        assert!(exact.contains(&version("4.1.1")) && !exact.contains(&version("4.1.2")));
        assert!(NpmRange::parse("6.0.0 - 6.0.2").is_none(), "hyphen ranges are not read");
        assert!(NpmRange::parse("^1.2.0").is_none());
    }
}
