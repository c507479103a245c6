//! Files scangate writes for its scanners in the run's scratch directory (created 0700 by
//! [`scratch_dir`]: `tempfile` alone leaves it to the umask, 0755): private to the user, never
//! inside the scanned repository. Each scanner's output file is created 0600 before the scanner
//! starts, so a scanner that opens it for writing (gitleaks' un-redacted report) keeps that mode
//! while it runs. The copies `--raw-dir` keeps are private too ([`keep_private`]): 0600 files in
//! a directory created 0700.

use std::io::{self, Write};

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use tempfile::TempDir;

/// A new scratch directory named `PREFIX…` in the system's temporary directory, created 0700
/// (never wider, whatever the umask), removed when dropped.
pub(crate) fn scratch_dir(prefix: &str) -> io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
}

/// Writes `contents` to `path`, 0600 (also when the file existed with another mode).
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    create_private(path)?.write_all(contents)
}

/// Opens `path` for writing, truncated and 0600.
pub(crate) fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Writes `contents` as the file `name` in the directory `dir` (created 0700 with its parents
/// unless it exists), 0600: a scanner's raw output kept past the run.
pub fn keep_private(dir: &Path, name: &std::ffi::OsStr, contents: &[u8]) -> io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    write_private(&dir.join(name), contents)
}

/// Creates the directory `path`, 0700, unless it exists.
pub(crate) fn private_dir(path: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Writes a scratch file unless it exists (several invocations of one run share it) and returns
/// its path. A failure is logged: the scanner then fails on the missing file and says so.
pub(crate) fn shared_file(scratch: &Path, name: &str, contents: &[u8]) -> std::path::PathBuf {
    let path = scratch.join(name);
    if !path.exists() {
        if let Err(error) = write_private(&path, contents) {
            tracing::warn!(%error, path = %path.display(), "cannot write a scratch file");
        }
    }
    path
}

/// A run's scratch directory (scanner outputs, bundled rules), removed when dropped. Before it is
/// removed, every orphan a scanner left is ended, so that none writes into it or outlives the scan.
pub struct Scratch(Option<TempDir>);

impl Scratch {
    pub(crate) fn new(prefix: &str) -> io::Result<Scratch> {
        scratch_dir(prefix).map(|dir| Scratch(Some(dir)))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.0.as_ref().expect("present until dropped").path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        crate::process::end_orphans();
        let Some(dir) = self.0.take() else { return };
        let path = dir.path().to_path_buf();
        if let Err(error) = dir.close() {
            tracing::warn!(%error, path = %path.display(), "cannot remove the scratch directory");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_files_and_dirs_are_private() {
        let dir = scratch_dir("scangate-test-").unwrap();
        let file = shared_file(dir.path(), "f", b"x");
        private_dir(&dir.path().join("d")).unwrap();
        private_dir(&dir.path().join("d")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("d")), 0o700);
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&file, b"y").unwrap();
        assert_eq!(mode(&file), 0o600);
        keep_private(&dir.path().join("kept/raw"), "f".as_ref(), b"z").unwrap();
        assert_eq!(mode(&dir.path().join("kept/raw")), 0o700);
        assert_eq!(mode(&dir.path().join("kept/raw/f")), 0o600);
    }
}
