//! `partialFingerprints["scangate/v1"]`: hex sha256 over tool-specific inputs (DESIGN §4).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::Finding;

/// Hex sha256 of `parts`, each length-prefixed so `("ab","c")` and `("a","bc")` differ.
pub(crate) fn hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// Hex sha256 of one value (a secret kept only as its hash; a report's hash for the record).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The occurrence index: the second finding with the same fingerprint gets `hash(fp, "1")`, the
/// third `hash(fp, "2")`… in the tool's order, so identical code twice in a file stays two results.
pub(crate) fn break_ties(findings: &mut [Finding]) {
    // Borrow the fingerprints to count; rewrite only the repeats afterwards.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(findings.len());
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (position, finding) in findings.iter().enumerate() {
        let count = seen.entry(finding.fingerprint.as_str()).or_insert(0);
        if *count > 0 {
            repeats.push((position, *count));
        }
        *count += 1;
    }
    drop(seen);
    for (position, index) in repeats {
        let finding = &mut findings[position];
        finding.fingerprint = hash(&[finding.fingerprint.as_bytes(), index.to_string().as_bytes()]);
    }
}

/// Collapses whitespace runs to one space so re-indenting code keeps its fingerprint.
pub(crate) fn squash_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
