use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::Error;

/// Directories never searched for trigger files: dependencies and VCS internals, not the
/// repository's own code.
const PRUNED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    ".terraform",
];

/// The files of a repository, walked once, that scanners' applicability is decided on.
#[derive(Debug, Clone)]
pub struct RepoIndex {
    root: PathBuf,
    files: Vec<PathBuf>,
    git_toplevel: bool,
}

impl RepoIndex {
    /// Walks `root` (which must be a readable directory).
    pub fn scan(root: &Path) -> Result<Self, Error> {
        let metadata = std::fs::metadata(root).map_err(|source| Error::UnreadableRoot {
            path: root.to_path_buf(),
            source,
        })?;
        if !metadata.is_dir() {
            return Err(Error::NotADirectory {
                path: root.to_path_buf(),
            });
        }
        let root = root.canonicalize().map_err(|source| Error::UnreadableRoot {
            path: root.to_path_buf(),
            source,
        })?;
        std::fs::read_dir(&root).map_err(|source| Error::UnreadableRoot {
            path: root.clone(),
            source,
        })?;
        let mut files: Vec<PathBuf> = WalkDir::new(&root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| !(entry.file_type().is_dir() && PRUNED_DIRS.iter().any(|d| entry.file_name() == *d)))
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_file())
            .filter_map(|entry| entry.path().strip_prefix(&root).ok().map(Path::to_path_buf))
            .collect();
        files.sort();
        let git_toplevel = is_git_toplevel(&root)?;
        Ok(Self {
            root,
            files,
            git_toplevel,
        })
    }

    /// The canonical absolute root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Repository-relative paths of all files outside pruned directories, sorted.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// True when the root is the top of a git work tree with at least one commit, so that
    /// history can be scanned.
    pub fn is_git_toplevel(&self) -> bool {
        self.git_toplevel
    }

    /// Files whose name satisfies `predicate`.
    pub fn files_named<'a>(&'a self, predicate: impl Fn(&str) -> bool + 'a) -> impl Iterator<Item = &'a PathBuf> + 'a {
        self.files
            .iter()
            .filter(move |path| path.file_name().and_then(|n| n.to_str()).is_some_and(&predicate))
    }

    /// The first file whose name satisfies `predicate`, as a display string.
    pub fn first_named(&self, predicate: impl Fn(&str) -> bool) -> Option<String> {
        self.files_named(predicate).next().map(|p| display(p))
    }

    /// Reads the start of a repository file, for content sniffing.
    pub fn head_of(&self, path: &Path, limit: usize) -> Option<String> {
        use std::io::Read;
        let mut buffer = Vec::with_capacity(limit);
        std::fs::File::open(self.root.join(path))
            .ok()?
            .take(limit as u64)
            .read_to_end(&mut buffer)
            .ok()?;
        Some(String::from_utf8_lossy(&buffer).into_owned())
    }
}

/// A repository-relative path with `/` separators, for reports.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// gitleaks exits 0 when its git child fails, so scangate decides itself whether history exists.
/// git runs with [`crate::git_env`]; a git that cannot be started means no history.
fn is_git_toplevel(root: &Path) -> Result<bool, Error> {
    let toplevel = crate::git_command(root)?
        .args(["rev-parse", "--show-toplevel"])
        .output();
    let Ok(toplevel) = toplevel else { return Ok(false) };
    if !toplevel.status.success() {
        return Ok(false);
    }
    // Bytes, not UTF-8: a repository path may hold any bytes.
    let stdout = toplevel.stdout.strip_suffix(b"\n").unwrap_or(&toplevel.stdout);
    let top = Path::new(std::ffi::OsStr::from_bytes(stdout));
    if top.canonicalize().ok().as_deref() != Some(root) {
        return Ok(false);
    }
    let head = crate::git_command(root)?
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .output();
    Ok(head.is_ok_and(|out| out.status.success()))
}
