//! SARIF logs named on the command line (`scangate gate` parts, `--baseline`): read only as
//! regular files of bounded size. A part may come from a CI artifact or the repository itself;
//! `/dev/zero`, a FIFO nobody writes to or a huge file must end in an error naming it, never in an
//! endless read or an exhausted runner.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use anyhow::Context;

/// The largest SARIF log read: 256 MiB. GitHub takes SARIF up to 10 MB gzipped, and SARIF
/// compresses far better than 25:1 only when it repeats itself, so every log GitHub would take
/// fits; a larger file is refused before it is read into memory.
pub const MAX_SARIF_BYTES: u64 = 256 << 20;

/// Which file a log was read from: device and inode.
pub type FileId = (u64, u64);

/// Reads the SARIF log `path` (see [`read_regular_file`]) with [`MAX_SARIF_BYTES`].
pub fn read_sarif_file(path: &Path) -> anyhow::Result<(Vec<u8>, FileId)> {
    read_regular_file(path, MAX_SARIF_BYTES)
}

/// Reads `path` if it is a regular file of at most `limit` bytes; also returns which file it is.
/// Opened without blocking (a FIFO would wait for a writer) and checked on the open file, so
/// `/dev/zero`, a FIFO or a directory is an error, never an endless read.
fn read_regular_file(path: &Path, limit: u64) -> anyhow::Result<(Vec<u8>, FileId)> {
    let cannot_read = || format!("cannot read {}", path.display());
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(cannot_read)?;
    let metadata = file.metadata().with_context(cannot_read)?;
    if !metadata.is_file() {
        anyhow::bail!(
            "{} is not a regular file (a device, FIFO or directory): SARIF logs are read only from regular files",
            path.display()
        );
    }
    let too_big = || {
        anyhow::anyhow!(
            "{} is larger than the limit of {} MiB for a SARIF log",
            path.display(),
            limit >> 20
        )
    };
    if metadata.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).with_context(cannot_read)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok((bytes, (metadata.dev(), metadata.ino())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.sarif");
        std::fs::write(&small, b"{}").unwrap();
        assert_eq!(read_regular_file(&small, 2).unwrap().0, b"{}");
        let reason = read_regular_file(&small, 1).unwrap_err().to_string();
        assert!(reason.contains("larger than the limit"), "{reason}");
        for not_regular in [Path::new("/dev/zero"), dir.path()] {
            let reason = read_regular_file(not_regular, 1 << 20).unwrap_err().to_string();
            assert!(reason.contains("is not a regular file"), "{reason}");
        }
    }
}
