//! Files scangate writes for its scanners in the run's scratch directory (itself 0700, made by
//! `tempfile`): private to the user, never inside the scanned repository.

use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Writes `contents` to `path`, created 0600.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn scratch_files_and_dirs_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let file = shared_file(dir.path(), "f", b"x");
        private_dir(&dir.path().join("d")).unwrap();
        private_dir(&dir.path().join("d")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("d")), 0o700);
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
    }
}
