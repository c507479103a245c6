//! What the change under review touched: the lines it added or modified in each file, on the
//! new side. Pull-request mode holds suppressions against it, since a change must not approve
//! its own findings.

use std::collections::{BTreeMap, BTreeSet};

use scangate_normalizer::Finding;

/// The lines of one file the change added or modified.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ChangedLines {
    /// A new file, or one whose lines cannot be told apart (binary, renamed): every line counts
    /// as changed.
    All,
    /// These 1-based lines of the new version.
    Some(BTreeSet<u64>),
}

/// Files and lines a change touched, by repository-relative path with `/` separators, and the
/// commits it is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    files: BTreeMap<String, ChangedLines>,
    commits: BTreeSet<String>,
}

impl Change {
    /// Marks every line of `path` as changed.
    pub fn add_file(&mut self, path: impl Into<String>) {
        self.files.insert(path.into(), ChangedLines::All);
    }

    /// Marks `count` lines of `path` from `first` (1-based) as changed. A hunk that only deletes
    /// (`count == 0`: the lines went after line `first` of the new side) changes the lines on both
    /// sides of the gap: deleting the `package` line of a multi-line suppression entry widens
    /// the entry, so the entry counts as changed.
    pub fn add_lines(&mut self, path: impl Into<String>, first: u64, count: u64) {
        let entry = self
            .files
            .entry(path.into())
            .or_insert_with(|| ChangedLines::Some(BTreeSet::new()));
        if let ChangedLines::Some(lines) = entry {
            match count {
                0 => lines.extend([first, first.saturating_add(1)].into_iter().filter(|&line| line > 0)),
                _ => lines.extend(first..first.saturating_add(count)),
            }
        }
    }

    /// Records `commit` (a full hex id) as one of the change's commits.
    pub fn add_commit(&mut self, commit: impl Into<String>) {
        self.commits.insert(commit.into());
    }

    /// True when `commit` is one of the change's commits.
    pub fn has_commit(&self, commit: &str) -> bool {
        self.commits.contains(commit)
    }

    /// True when the change introduced `finding`'s place: its file, or the commit that added it
    /// (a secret stays in the history being merged even when a later commit removed its file).
    pub fn introduced(&self, finding: &Finding) -> bool {
        let in_file = finding
            .location
            .as_ref()
            .is_some_and(|location| self.touches_file(&location.path));
        in_file || finding.commit.as_deref().is_some_and(|commit| self.has_commit(commit))
    }

    /// True when the change touched `path`.
    pub fn touches_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// True when the change added or modified any of `lines` of `path`; with no lines given,
    /// when it touched the file at all.
    pub fn touches(&self, path: &str, lines: Option<(u64, u64)>) -> bool {
        match (self.files.get(path), lines) {
            (None, _) => false,
            (Some(_), None) | (Some(ChangedLines::All), _) => true,
            (Some(ChangedLines::Some(changed)), Some((first, last))) => {
                changed.range(first..=last.max(first)).next().is_some()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_files_and_whole_files() {
        let mut change = Change::default();
        change.add_lines("a.py", 3, 2);
        change.add_lines("gone.txt", 7, 0);
        change.add_lines("top.txt", 0, 0);
        change.add_file("new.go");
        assert!(change.touches("a.py", Some((4, 4))));
        assert!(change.touches("a.py", Some((1, 3))));
        assert!(!change.touches("a.py", Some((5, 9))));
        assert!(change.touches("a.py", None));
        assert!(change.touches("gone.txt", None));
        // A deletion after line 7 changes lines 7 and 8, between which the lines went.
        assert!(change.touches("gone.txt", Some((7, 7))) && change.touches("gone.txt", Some((8, 9))));
        assert!(!change.touches("gone.txt", Some((1, 6))) && !change.touches("gone.txt", Some((9, 9))));
        assert!(change.touches("top.txt", Some((1, 1))));
        assert!(change.touches("new.go", Some((100, 100))));
        assert!(!change.touches("other.rs", None));
        assert!(change.touches_file("gone.txt") && !change.touches_file("other.rs"));
    }
}
