//! Secret values a cached result stands for, without storing them. gitleaks' findings carry the
//! secret values every other output is scrubbed of; an entry keeps, for each, only its length and
//! a SHA-256 salted with the entry's key, and a cache hit reads the value back from where the
//! findings lie: the work tree, or the commit a history finding names (a commit's content never
//! changes, and the key covers the work tree and the refs). A value that cannot be found again
//! makes the hit a miss: the scanner runs.

use std::path::Path;

use scangate_normalizer::{read_repository_file, Finding};
use sha2::{Digest, Sha256};

use crate::key::Key;

/// A file above this size is not read back (the scanner runs instead).
const MAX_FILE: u64 = 16 << 20;

/// Lines read back per finding: a private key block fits.
const MAX_LINES: usize = 200;

/// One secret value, as an entry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SecretDigest {
    /// Its length in bytes.
    pub len: usize,
    /// SHA-256 of the key, a NUL and the value, hex.
    pub digest: String,
}

impl SecretDigest {
    pub fn of(key: &Key, value: &str) -> SecretDigest {
        SecretDigest {
            len: value.len(),
            digest: salted(key, value.as_bytes()),
        }
    }
}

fn salted(key: &Key, value: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(value);
    hex::encode(hasher.finalize())
}

/// The values `digests` stand for, found in the lines `findings` cover under `root`; `None`
/// when one of them is not there.
pub(crate) fn recover(root: &Path, key: &Key, findings: &[Finding], digests: &[SecretDigest]) -> Option<Vec<String>> {
    if digests.is_empty() {
        return Some(Vec::new());
    }
    let texts: Vec<String> = findings
        .iter()
        .filter_map(|finding| covered_lines(root, finding))
        .collect();
    digests
        .iter()
        .map(|digest| texts.iter().find_map(|text| find(text, key, digest)))
        .collect()
}

/// The lines a finding covers, with their line ends, from the commit it names or the work tree.
fn covered_lines(root: &Path, finding: &Finding) -> Option<String> {
    let location = finding.location.as_ref()?;
    let text = match &finding.commit {
        Some(commit) => blob(root, commit, &location.path)?,
        None => {
            let bytes = read_repository_file(root, Path::new(&location.path), MAX_FILE).ok()?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let first = usize::try_from(location.start_line.unwrap_or(1).max(1)).ok()?;
    let last = usize::try_from(location.end_line.unwrap_or(first as u64))
        .ok()?
        .max(first);
    let count = (last - first).min(MAX_LINES) + 1;
    Some(text.split_inclusive('\n').skip(first - 1).take(count).collect())
}

/// `path` (relative to `root`) as `commit` holds it.
fn blob(root: &Path, commit: &str, path: &str) -> Option<String> {
    let looks_like_a_commit = !commit.is_empty() && commit.bytes().all(|byte| byte.is_ascii_hexdigit());
    if !looks_like_a_commit {
        return None;
    }
    let output = scangate_runner::git_command(root)
        .ok()?
        .args(["cat-file", "blob", "--"])
        .arg(format!("{commit}:./{path}"))
        .output()
        .ok()?;
    let small = output.stdout.len() as u64 <= MAX_FILE;
    (output.status.success() && small).then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The substring of `text` that `digest` stands for.
fn find(text: &str, key: &Key, digest: &SecretDigest) -> Option<String> {
    let bytes = text.as_bytes();
    (0..=bytes.len().checked_sub(digest.len)?)
        .filter(|&start| text.is_char_boundary(start) && text.is_char_boundary(start + digest.len))
        .map(|start| &text[start..start + digest.len])
        .find(|candidate| salted(key, candidate.as_bytes()) == digest.digest)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use scangate_normalizer::{Kind, Location, Severity};

    use super::*;

    const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJklmnop";

    fn key() -> Key {
        Key("k".repeat(64))
    }

    fn finding_at(path: &str, line: u64) -> Finding {
        let mut finding = Finding::new("gitleaks", Kind::Secret, "github-pat", Severity::Critical);
        finding.location = Some(Location {
            path: path.into(),
            start_line: Some(line),
            end_line: Some(line),
            start_column: None,
            end_column: None,
        });
        finding
    }

    #[test]
    fn a_value_is_read_back_from_the_line_its_finding_covers() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("app.py"), format!("x = 1\nTOKEN = \"{TOKEN}\"\n")).unwrap();
        let digest = SecretDigest::of(&key(), TOKEN);
        assert!(!digest.digest.contains(TOKEN) && digest.len == TOKEN.len());
        let found = recover(
            root.path(),
            &key(),
            &[finding_at("app.py", 2)],
            std::slice::from_ref(&digest),
        );
        assert_eq!(found, Some(vec![TOKEN.to_string()]));
        // Another key's salt, or a line without the value, finds nothing: the hit is a miss.
        let other = Key("o".repeat(64));
        assert_eq!(
            recover(
                root.path(),
                &other,
                &[finding_at("app.py", 2)],
                std::slice::from_ref(&digest)
            ),
            None
        );
        assert_eq!(
            recover(root.path(), &key(), &[finding_at("app.py", 1)], &[digest]),
            None
        );
    }

    #[test]
    fn nothing_to_recover_is_no_miss() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(recover(root.path(), &key(), &[], &[]), Some(Vec::new()));
    }
}
