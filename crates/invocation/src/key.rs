//! What an invocation's result depends on, hashed: the result cache's key.
//!
//! The key covers scangate's own build, the scanner (name, executable, version), the argv, the
//! environment and the working directory with the run's scratch directory and the scanned root
//! written as placeholders (a key holds in another checkout of the same content), every file
//! outside the repository an argument or variable names (rules, databases: a file by content, a
//! directory by its entries' names, sizes and times), the content of every repository file the
//! scanner reads ([`scangate_runner::Tool::reads`], which errs on reading), and for a scan of git
//! history the commits and refs it walks. A file that cannot be read gives no key: the
//! invocation runs.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use scangate_runner::{PlannedRun, RepoIndex, ScanOptions, Scope};
use sha2::{Digest, Sha256};

/// The format of keys and entries; a change to either bumps it.
pub(crate) const FORMAT: &str = "scangate-cache/2";

/// Entries of a directory an argument names that are hashed at most: a bigger one gives no key.
const MAX_DIR_ENTRIES: usize = 100_000;

/// The inherited environment variables a scanner may read (scanners inherit scangate's
/// environment): npm's `npm_config_*` and `NODE_ENV`, each scanner's own prefix, Go's, git's,
/// Python's, proxies and certificates, locale, home and search path. Per-run CI variables
/// (job ids, timestamps) are left out, so a rescan in another job can hit.
const INHERITED: &[&str] = &[
    "npm_",
    "NPM_",
    "NODE_",
    "SEMGREP_",
    "TRIVY_",
    "OSV_",
    "GITLEAKS_",
    "GOSEC_",
    "GO",
    "CGO_",
    "GIT_",
    "PYTHON",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "ALL_PROXY",
    "SSL_CERT_",
    "REQUESTS_CA_BUNDLE",
    "LANG",
    "LC_",
    "HOME",
    "XDG_",
    "PATH",
    "TMPDIR",
];

/// What identifies this build of scangate: its version and its executable (path, size and
/// modification time), so a rebuilt parser never reads an older build's results.
pub(crate) fn build_identity() -> String {
    let exe = std::env::current_exe().ok();
    let metadata = exe.as_deref().and_then(|exe| std::fs::metadata(exe).ok());
    let modified = metadata
        .as_ref()
        .and_then(|metadata| metadata.modified().ok())
        .and_then(|modified| modified.duration_since(std::time::UNIX_EPOCH).ok());
    format!(
        "{}|{:?}|{:?}|{:?}",
        env!("CARGO_PKG_VERSION"),
        exe,
        metadata.map(|metadata| metadata.len()),
        modified.map(|modified| modified.as_nanos())
    )
}

/// A result cache key: a SHA-256, in hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(pub(crate) String);

impl Key {
    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Another version of the repository's files, as the keys of its full scan see them: the
/// content digest (SHA-256, hex) of each root-relative path that differs from the work tree, or
/// `None` for one that version does not have. The merge base of a pull request, whose full scan
/// the default branch's pipeline ran.
#[derive(Debug, Clone, Default)]
pub struct OtherVersion {
    /// The paths that differ, and their digests in that version.
    pub differing: HashMap<PathBuf, Option<String>>,
}

/// What keys are computed against: the repository the plan indexed (or another version of its
/// files), its options, its scratch directory, and the files hashed so far (several scanners read
/// the same file).
pub(crate) struct Keying<'a> {
    pub repo: &'a RepoIndex,
    pub options: &'a ScanOptions,
    pub scratch: &'a Path,
    pub build: &'a str,
    pub hashed: HashMap<PathBuf, Option<String>>,
    pub version: Option<&'a OtherVersion>,
}

impl Keying<'_> {
    /// The key of `planned`, whose executable reports `version`; `None` when something it
    /// depends on cannot be read.
    pub fn key(&mut self, planned: &PlannedRun, version: &str) -> Option<Key> {
        let mut hasher = Hasher::default();
        hasher.field(FORMAT.as_bytes());
        hasher.field(self.build.as_bytes());
        hasher.field(planned.tool.name().as_bytes());
        hasher.field(version.as_bytes());
        hasher.field(planned.program.as_deref()?.as_os_str().as_bytes());
        hasher.field(self.placeheld(planned.cwd.as_os_str()).as_slice());
        hasher.field(planned.target.dir.as_os_str().as_bytes());
        for arg in &planned.args {
            hasher.field(&self.placeheld(arg));
            hasher.field(self.outside_path(arg)?.as_bytes());
        }
        for (name, value) in &planned.env {
            hasher.field(name.as_bytes());
            hasher.field(&self.placeheld(value));
            hasher.field(self.outside_path(value)?.as_bytes());
        }
        let mut inherited: Vec<_> = std::env::vars_os()
            .filter(|(name, _)| {
                INHERITED
                    .iter()
                    .any(|prefix| name.as_bytes().starts_with(prefix.as_bytes()))
            })
            .collect();
        inherited.sort();
        for (name, value) in inherited {
            hasher.field(name.as_bytes());
            hasher.field(value.as_bytes());
        }
        if planned.tool.name() == "gitleaks" && planned.args.first().is_some_and(|arg| arg == "git") {
            hasher.field(self.history()?.as_bytes());
        }
        let scope = Scope {
            repo: self.repo,
            options: self.options,
        };
        let inputs = self.repo.files().iter().chain(self.repo.symlinks());
        let only_there = self.version.into_iter().flat_map(|version| version.differing.keys());
        let mut read: Vec<&PathBuf> = inputs
            .chain(only_there)
            .filter(|path| planned.tool.reads(path, &scope))
            .collect();
        read.sort();
        read.dedup();
        for path in read {
            let digest = match self.version.and_then(|version| version.differing.get(path)) {
                Some(Some(there)) => there.clone(),
                Some(None) => continue,
                None => self.repository_file(path)?,
            };
            hasher.field(path.as_os_str().as_bytes());
            hasher.field(digest.as_bytes());
        }
        Some(Key(hasher.finish()))
    }

    /// `value` with the scratch directory and the root written as placeholders.
    fn placeheld(&self, value: &OsStr) -> Vec<u8> {
        let text = value.as_bytes();
        let replaced = replace(text, self.scratch.as_os_str().as_bytes(), b"$SCRATCH");
        replace(&replaced, self.repo.root().as_os_str().as_bytes(), b"$ROOT")
    }

    /// What an absolute path outside the root and the scratch directory holds (a rules file, a
    /// database): empty for anything else.
    fn outside_path(&mut self, value: &OsStr) -> Option<String> {
        let path = Path::new(value);
        let inside = path.starts_with(self.scratch) || path.starts_with(self.repo.root());
        if !path.is_absolute() || inside || !path.exists() {
            return Some(String::new());
        }
        self.cached_hash(path, |path| match path.is_dir() {
            true => directory_digest(path),
            false => file_digest(path),
        })
    }

    /// The content digest of a root-relative repository file, or its link target for a link.
    fn repository_file(&mut self, rel: &Path) -> Option<String> {
        let path = self.repo.root().join(rel);
        self.cached_hash(&path, |path| match std::fs::read_link(path) {
            Ok(target) => Some(format!("link:{}", hex::encode(target.as_os_str().as_bytes()))),
            Err(_) => file_digest(path),
        })
    }

    fn cached_hash(&mut self, path: &Path, digest: impl FnOnce(&Path) -> Option<String>) -> Option<String> {
        if let Some(known) = self.hashed.get(path) {
            return known.clone();
        }
        let computed = digest(path);
        self.hashed.insert(path.to_path_buf(), computed.clone());
        computed
    }

    /// The commits and refs a history scan walks: `HEAD` and every ref.
    fn history(&mut self) -> Option<String> {
        let root = self.repo.root();
        let refs = git_output(root, &["for-each-ref", "--format=%(objectname) %(refname)"])?;
        let head = git_output(root, &["rev-parse", "HEAD"])?;
        Some(format!("{head}\n{refs}"))
    }
}

fn git_output(root: &Path, args: &[&str]) -> Option<String> {
    let output = scangate_runner::git_command(root).ok()?.args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// SHA-256 of a file's content, streamed.
fn file_digest(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer).ok()?;
        if read == 0 {
            return Some(hex::encode(hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

/// SHA-256 over a directory's entries: relative name, size and modification time each.
fn directory_digest(dir: &Path) -> Option<String> {
    let mut hasher = Hasher::default();
    let mut entries = 0usize;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.ok()?;
        entries += 1;
        if entries > MAX_DIR_ENTRIES {
            return None;
        }
        let metadata = entry.metadata().ok()?;
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        hasher.field(rel.as_os_str().as_bytes());
        hasher.field(format!("{}|{}", metadata.len(), modified.as_nanos()).as_bytes());
    }
    Some(hasher.finish())
}

/// SHA-256 over length-prefixed fields, so that no two field lists hash alike.
#[derive(Default)]
pub(crate) struct Hasher(Sha256);

impl Hasher {
    pub fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return text.to_vec();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.windows(from.len()).position(|window| window == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_delimited_so_a_shift_between_them_changes_the_hash() {
        let mut one = Hasher::default();
        one.field(b"ab");
        one.field(b"c");
        let mut other = Hasher::default();
        other.field(b"a");
        other.field(b"bc");
        assert_ne!(one.finish(), other.finish());
    }

    #[test]
    fn placeholders_replace_every_occurrence() {
        assert_eq!(replace(b"/s/x:/s/y", b"/s", b"$S"), b"$S/x:$S/y".to_vec());
        assert_eq!(replace(b"abc", b"", b"x"), b"abc".to_vec());
    }

    #[test]
    fn a_directory_digest_follows_its_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "1").unwrap();
        let before = directory_digest(dir.path()).unwrap();
        assert_eq!(directory_digest(dir.path()).unwrap(), before);
        std::fs::write(dir.path().join("b"), "22").unwrap();
        assert_ne!(directory_digest(dir.path()).unwrap(), before);
    }
}
