//! Reading a file of the scanned repository, which is untrusted: a committed symlink may point
//! at `/proc/self/environ` (the CI runner's secrets) or a FIFO may block forever. scangate reads
//! a repository file only when it is a regular file inside the repository, within a size limit;
//! every file scangate itself reads from the repository (its policy, ignore files, lockfiles it
//! inspects, source lines it quotes) goes through [`read_repository_file`].

use std::io::Read;
use std::path::{Path, PathBuf};

/// The most scangate reads of a configuration or ignore file of the repository.
pub const CONFIG_LIMIT: u64 = 1 << 20;

/// The most scangate reads of a lockfile or source file it inspects.
pub const CONTENT_LIMIT: u64 = 64 << 20;

/// Why a repository file was not read. The messages name the file and the reason, never its
/// contents.
#[derive(Debug, thiserror::Error)]
pub enum RepoFileError {
    /// The file does not exist (a missing optional file is not a problem for most callers).
    #[error("{} does not exist", path.display())]
    Missing {
        /// The repository-relative path.
        path: PathBuf,
    },
    /// A symlink leads out of the repository, or to something other than a regular file.
    #[error("{} is not a regular file inside the repository ({why}); not read", path.display())]
    NotRegular {
        /// The repository-relative path.
        path: PathBuf,
        /// What it is instead.
        why: &'static str,
    },
    /// Larger than the caller's limit.
    #[error("{} is larger than {limit} bytes; not read", path.display())]
    TooLarge {
        /// The repository-relative path.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// The file system refused.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The repository-relative path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Reads `rel` (relative to `root`) when it resolves, symlinks followed, to a regular file inside
/// the repository and holds at most `limit` bytes.
pub fn read_repository_file(root: &Path, rel: &Path, limit: u64) -> Result<Vec<u8>, RepoFileError> {
    let (file, len) = open_repository_file(root, rel)?;
    let too_large = || RepoFileError::TooLarge {
        path: rel.to_path_buf(),
        limit,
    };
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| io_error(rel, source))?;
    // The file grew between the check and the read.
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Opens `rel` (relative to `root`) when it resolves, symlinks followed, to a regular file inside
/// the repository; returns it with its length.
pub fn open_repository_file(root: &Path, rel: &Path) -> Result<(std::fs::File, u64), RepoFileError> {
    let not_regular = |why| RepoFileError::NotRegular {
        path: rel.to_path_buf(),
        why,
    };
    let resolved = root.join(rel).canonicalize().map_err(|source| io_error(rel, source))?;
    let inside = root.canonicalize().map_err(|source| io_error(rel, source))?;
    if !resolved.starts_with(&inside) {
        return Err(not_regular("a symlink leading out of it"));
    }
    let metadata = std::fs::metadata(&resolved).map_err(|source| io_error(rel, source))?;
    if !metadata.is_file() {
        return Err(not_regular("a directory, device, socket or FIFO"));
    }
    let file = std::fs::File::open(&resolved).map_err(|source| io_error(rel, source))?;
    Ok((file, metadata.len()))
}

fn io_error(rel: &Path, source: std::io::Error) -> RepoFileError {
    match source.kind() {
        std::io::ErrorKind::NotFound => RepoFileError::Missing {
            path: rel.to_path_buf(),
        },
        _ => RepoFileError::Io {
            path: rel.to_path_buf(),
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_and_symlinks_within_the_repository() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join("sub")).unwrap();
        std::fs::write(repo.path().join("sub/a.toml"), "x = 1\n").unwrap();
        std::os::unix::fs::symlink("sub/a.toml", repo.path().join("link.toml")).unwrap();
        for rel in ["sub/a.toml", "link.toml"] {
            assert_eq!(
                read_repository_file(repo.path(), Path::new(rel), 100).unwrap(),
                b"x = 1\n"
            );
        }
    }

    #[test]
    fn refuses_what_leads_out_of_the_repository_or_is_no_regular_file() {
        let repo = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "NPM_TOKEN=x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), repo.path().join("out.toml")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", repo.path().join("environ.toml")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", repo.path().join("zero.toml")).unwrap();
        std::fs::create_dir(repo.path().join("dir.toml")).unwrap();
        for rel in ["out.toml", "environ.toml", "zero.toml"] {
            let error = read_repository_file(repo.path(), Path::new(rel), 100).unwrap_err();
            assert!(matches!(error, RepoFileError::NotRegular { .. }), "{rel}: {error}");
            assert!(!error.to_string().contains("NPM_TOKEN"), "{error}");
        }
        let error = read_repository_file(repo.path(), Path::new("dir.toml"), 100).unwrap_err();
        assert!(matches!(error, RepoFileError::NotRegular { .. }), "{error}");
        let error = read_repository_file(repo.path(), Path::new("absent.toml"), 100).unwrap_err();
        assert!(matches!(error, RepoFileError::Missing { .. }), "{error}");
    }

    #[test]
    fn refuses_files_over_the_limit() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("big"), vec![b'a'; 101]).unwrap();
        let error = read_repository_file(repo.path(), Path::new("big"), 100).unwrap_err();
        assert_eq!(error.to_string(), "big is larger than 100 bytes; not read");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let repo = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(repo.path().join("fifo.toml"))
            .status()
            .unwrap();
        assert!(made.success());
        let error = read_repository_file(repo.path(), Path::new("fifo.toml"), 100).unwrap_err();
        assert!(matches!(error, RepoFileError::NotRegular { .. }), "{error}");
    }
}
