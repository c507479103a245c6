//! The result cache: what an invocation reported, kept per [`Key`] in a private directory, so
//! that a rescan of unchanged input runs no scanner.
//!
//! An entry is one file named by its key: a header (format, key, SHA-256 of the body) and the
//! body, JSON. It is written to a temporary file in the directory and renamed into place, so a
//! reader sees a whole entry or none, and concurrent scans writing the same key write the same
//! result. It is verified when read: a truncated, corrupt or foreign entry, or one for another
//! tool, is a miss, never a result. An entry holds findings already scrubbed of the run's
//! secrets and nothing else of the repository. The secret values gitleaks' findings carry, needed
//! to scrub the other scanners' text, are kept only as salted digests and read back from the
//! repository on a hit ([`crate::recovery`]); one that cannot be read back makes the hit a miss.
//! A result that needed the network (npm audit, online databases) is reused for at most the
//! cache's time to live.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use scangate_normalizer::{Finding, Parsed};

use crate::key::{Key, FORMAT};
use crate::recovery::{recover, SecretDigest};

/// An entry bigger than this is not read (and so never trusted).
const MAX_ENTRY: u64 = 512 << 20;

/// Why a cache directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The directory cannot be created or made private.
    #[error("cannot use {} as the result cache: {source}", dir.display())]
    Create {
        /// The directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Where entries are kept, for how long a networked answer is trusted, and whether this scan
/// may add to them.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    ttl: Duration,
    writes: bool,
}

/// What an entry keeps of an invocation: its scanner and version, how it exited, when, and what
/// it reported (scrubbed).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Entry {
    pub tool: String,
    pub version: Option<String>,
    pub exit_code: Option<i32>,
    /// Seconds since the epoch.
    pub written: u64,
    /// True when the scanner asked the network: the entry expires.
    pub networked: bool,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    pub file_errors: Vec<String>,
    pub tested_kinds: Vec<String>,
    /// The secret values the result learned, as digests.
    pub secrets: Vec<SecretDigest>,
}

impl Entry {
    /// What the entry reported, with its secret values read back from under `root`; `None` when
    /// one cannot be.
    pub fn parsed(self, root: &Path, key: &Key) -> Option<Parsed> {
        let secrets = recover(root, key, &self.findings, &self.secrets)?;
        Some(Parsed {
            findings: self.findings,
            warnings: self.warnings,
            file_errors: self.file_errors,
            tested_kinds: self.tested_kinds,
            secrets: scangate_normalizer::SecretValues(secrets),
            ..Parsed::default()
        })
    }
}

impl Cache {
    /// The cache in `dir` (created 0700 unless it exists). `ttl` bounds the age of a networked
    /// answer; `writes` is false for a scan that may only read (pull-request mode).
    pub fn open(dir: &Path, ttl: Duration, writes: bool) -> Result<Cache, CacheError> {
        let create = |source| CacheError::Create {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(create)?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            ttl,
            writes,
        })
    }

    /// The default directory: `scangate/results` in the user's cache directory
    /// (`$XDG_CACHE_HOME`, else `~/.cache`).
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| Path::new(dir).is_absolute())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
        Some(base.join("scangate").join("results"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// True when this scan adds what it learns.
    pub fn writes(&self) -> bool {
        self.writes
    }

    /// The entry for `key` of `tool`, when there is a whole, current one.
    pub(crate) fn read(&self, key: &Key, tool: &str) -> Option<Entry> {
        let path = self.dir.join(key.as_str());
        let bytes = read_bounded(&path)?;
        let entry = verified(&bytes, key).filter(|entry| entry.tool == tool);
        let Some(entry) = entry else {
            tracing::warn!(path = %path.display(), "a result cache entry is not whole or not ours; the scanner runs");
            return None;
        };
        let age = now().saturating_sub(entry.written);
        let fresh = !entry.networked || age <= self.ttl.as_secs();
        fresh.then_some(entry)
    }

    /// Keeps `entry` under `key`, unless this scan only reads. A failure to write costs the next
    /// scan a run, nothing else: it is logged.
    pub(crate) fn write(&self, key: &Key, entry: &Entry) {
        if !self.writes {
            return;
        }
        if let Err(error) = self.write_atomically(key, entry) {
            tracing::warn!(%error, dir = %self.dir.display(), "cannot write a result cache entry");
        }
    }

    fn write_atomically(&self, key: &Key, entry: &Entry) -> std::io::Result<()> {
        let body = serde_json::to_vec(entry)?;
        let digest = scangate_normalizer::sha256_hex(&body);
        let mut file = tempfile::Builder::new().prefix(".entry-").tempfile_in(&self.dir)?;
        file.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
        write!(file, "{FORMAT}\n{}\n{digest}\n", key.as_str())?;
        file.write_all(&body)?;
        file.as_file().sync_all()?;
        file.persist(self.dir.join(key.as_str()))?;
        Ok(())
    }
}

impl Entry {
    /// A new entry under `key`, written now.
    pub fn now(
        key: &Key,
        tool: &str,
        version: Option<String>,
        exit_code: Option<i32>,
        networked: bool,
        parsed: &Parsed,
    ) -> Entry {
        Entry {
            tool: tool.to_string(),
            version,
            exit_code,
            written: now(),
            networked,
            findings: parsed.findings.clone(),
            warnings: parsed.warnings.clone(),
            file_errors: parsed.file_errors.clone(),
            tested_kinds: parsed.tested_kinds.clone(),
            secrets: parsed
                .secrets
                .0
                .iter()
                .map(|value| SecretDigest::of(key, value))
                .collect(),
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_ENTRY {
        return None;
    }
    std::fs::read(path).ok()
}

/// The entry `bytes` hold when its header names this format and `key` and its body hashes to
/// the header's digest.
fn verified(bytes: &[u8], key: &Key) -> Option<Entry> {
    let mut parts = bytes.splitn(4, |&byte| byte == b'\n');
    let (format, named, digest, body) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let whole = format == FORMAT.as_bytes()
        && named == key.as_str().as_bytes()
        && digest == scangate_normalizer::sha256_hex(body).as_bytes();
    whole.then(|| serde_json::from_slice(body).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        Key(scangate_normalizer::sha256_hex(text.as_bytes()))
    }

    fn entry(networked: bool) -> Entry {
        let parsed = Parsed {
            warnings: vec!["a warning".into()],
            ..Parsed::default()
        };
        Entry::now(&key("a"), "semgrep", Some("1.0".into()), Some(0), networked, &parsed)
    }

    fn cache(ttl: Duration, writes: bool) -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("results"), ttl, writes).unwrap();
        (dir, cache)
    }

    #[test]
    fn an_entry_reads_back_as_written_private_to_the_user() {
        let (_dir, cache) = cache(Duration::from_secs(60), true);
        cache.write(&key("a"), &entry(false));
        let read = cache.read(&key("a"), "semgrep").unwrap();
        assert_eq!(read.warnings, ["a warning"]);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(cache.dir()), 0o700);
        assert_eq!(mode(&cache.dir().join(key("a").as_str())), 0o600);
        assert!(
            cache.read(&key("a"), "gosec").is_none(),
            "another tool's entry is a miss"
        );
        assert!(cache.read(&key("b"), "semgrep").is_none());
    }

    #[test]
    fn truncated_corrupt_and_foreign_entries_are_misses() {
        let (_dir, cache) = cache(Duration::from_secs(60), true);
        cache.write(&key("a"), &entry(false));
        let path = cache.dir().join(key("a").as_str());
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() - 3]).unwrap();
        assert!(cache.read(&key("a"), "semgrep").is_none(), "truncated");
        let mut flipped = whole.clone();
        let last = flipped.len() - 2;
        flipped[last] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(cache.read(&key("a"), "semgrep").is_none(), "corrupt");
        // A whole entry of another key, renamed: its header names the other key.
        std::fs::write(&path, &whole).unwrap();
        std::fs::rename(&path, cache.dir().join(key("b").as_str())).unwrap();
        assert!(cache.read(&key("b"), "semgrep").is_none(), "foreign");
        std::fs::write(&path, b"").unwrap();
        assert!(cache.read(&key("a"), "semgrep").is_none(), "empty");
    }

    #[test]
    fn a_networked_answer_expires_and_a_read_only_cache_writes_nothing() {
        let (_dir, expired) = cache(Duration::ZERO, true);
        let mut old = entry(true);
        old.written -= 5;
        expired.write(&key("a"), &old);
        assert!(expired.read(&key("a"), "semgrep").is_none());
        let (_dir, read_only) = cache(Duration::from_secs(60), false);
        read_only.write(&key("a"), &entry(false));
        assert_eq!(std::fs::read_dir(read_only.dir()).unwrap().count(), 0);
    }
}
