//! A baseline: the fingerprints of an earlier scangate SARIF log. Only findings whose fingerprint
//! is not in it count toward the gate.
//!
//! Reads just `runs[].results[].partialFingerprints["scangate/v1"]` with a few serde structs, so
//! it does not depend on the normalizer's full SARIF reader.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The `partialFingerprints` key scangate writes.
pub const FINGERPRINT_KEY: &str = "scangate/v1";

/// Fingerprints of an earlier scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

/// Why a baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("cannot read baseline {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or not shaped like a SARIF log.
    #[error("baseline {} is not a SARIF log", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where and what (serde_json gives line and column).
        #[source]
        source: serde_json::Error,
    },
    /// SARIF, but no result carries a scangate fingerprint: comparing against it would count
    /// every finding as new, so this is refused rather than guessed at.
    #[error(
        "baseline {} has {results} results and none has partialFingerprints[\"scangate/v1\"]: \
         it was not written by scangate",
        path.display()
    )]
    NotScangate {
        /// The file.
        path: PathBuf,
        /// How many results it has.
        results: usize,
    },
}

#[derive(Deserialize)]
struct Log {
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    #[serde(default)]
    results: Option<Vec<SarifResult>>,
}

#[derive(Deserialize)]
struct SarifResult {
    #[serde(default, rename = "partialFingerprints")]
    partial_fingerprints: BTreeMap<String, serde_json::Value>,
}

impl Baseline {
    /// Reads a SARIF file.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Baseline::from_sarif(path, &text)
    }

    /// Parses SARIF bytes; `path` only names the source in errors.
    pub fn from_sarif(path: &Path, sarif: &[u8]) -> Result<Baseline, BaselineError> {
        let log: Log = serde_json::from_slice(sarif).map_err(|source| BaselineError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        let results: Vec<SarifResult> = log
            .runs
            .into_iter()
            .flat_map(|run| run.results.unwrap_or_default())
            .collect();
        let fingerprints: BTreeSet<String> = results
            .iter()
            .filter_map(|result| result.partial_fingerprints.get(FINGERPRINT_KEY)?.as_str())
            .map(str::to_ascii_lowercase)
            .collect();
        if fingerprints.is_empty() && !results.is_empty() {
            return Err(BaselineError::NotScangate {
                path: path.to_path_buf(),
                results: results.len(),
            });
        }
        tracing::debug!(baseline = %path.display(), fingerprints = fingerprints.len(), "baseline loaded");
        Ok(Baseline { fingerprints })
    }

    /// A baseline from fingerprints directly.
    pub fn from_fingerprints<I: IntoIterator<Item = S>, S: AsRef<str>>(fingerprints: I) -> Baseline {
        Baseline {
            fingerprints: fingerprints
                .into_iter()
                .map(|f| f.as_ref().to_ascii_lowercase())
                .collect(),
        }
    }

    /// Adds fingerprints (a sharded scan's parts each say which of their findings were there
    /// before).
    pub fn extend<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, fingerprints: I) {
        self.fingerprints
            .extend(fingerprints.into_iter().map(|f| f.as_ref().to_ascii_lowercase()));
    }

    /// True when an earlier scan had this finding.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(&fingerprint.to_ascii_lowercase())
    }

    /// How many fingerprints.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// True when it has none.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}
