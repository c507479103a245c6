use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::Error;

/// Directories never searched for trigger files: git's own. Installed dependencies
/// (`node_modules/`, `.venv/`, `venv/`, `.terraform/`) and `vendor/` are left out only when git
/// ignores them, like any other path: committed there, they are code the scanners read, and a
/// change that adds code only there must not leave semgrep without a file to read (the
/// pipeline's policy marks third-party trees: `[third_party] vendored`).
const PRUNED_DIRS: &[&str] = &[".git"];

/// Directories that hold other projects' copies (vendored modules, installed packages): their
/// manifests and lockfiles are not projects of the repository's own.
const DEPENDENCY_DIRS: &[&str] = &["vendor", "node_modules"];

/// A path below the root that no scanner looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// Root-relative; a directory stands for everything below it.
    pub path: PathBuf,
    /// True for a directory.
    pub is_dir: bool,
    /// Why: git ignores it, or an `--exclude` glob matched it.
    pub reason: ExclusionReason,
}

/// Why a path is excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionReason {
    /// Untracked and ignored by git (`.gitignore`, `.git/info/exclude`, `core.excludesFile`).
    /// git ignores only untracked files: a tracked file is scanned whatever `.gitignore` says.
    GitIgnored,
    /// Matched by this `--exclude` glob.
    Flag(String),
    /// Matched by this `[third_party] exclude` glob of the pipeline's policy file.
    Policy(String),
}

impl std::fmt::Display for ExclusionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExclusionReason::GitIgnored => f.write_str("git-ignored"),
            ExclusionReason::Flag(glob) => write!(f, "--exclude {glob}"),
            ExclusionReason::Policy(glob) => write!(f, "policy third_party.exclude {glob}"),
        }
    }
}

impl Exclusion {
    /// The path for reports: `/`-separated, a directory with a trailing `/`.
    pub fn display(&self) -> String {
        let path = display(&self.path);
        if self.is_dir {
            path + "/"
        } else {
            path
        }
    }

    /// True when the root-relative `path` is this exclusion or below it.
    pub fn covers(&self, path: &Path) -> bool {
        if self.is_dir {
            path.starts_with(&self.path)
        } else {
            path == self.path
        }
    }

    /// The one of `excluded` that covers the root-relative `path`, if any.
    pub fn covering<'a>(excluded: &'a [Exclusion], path: &Path) -> Option<&'a Exclusion> {
        excluded.iter().find(|exclusion| exclusion.covers(path))
    }
}

/// The `--exclude` globs and the policy's `[third_party] exclude` globs, compiled: each matches
/// root-relative paths of files and directories (`dist`, `**/generated/**`, `**/*.min.js`); `*`
/// does not cross a `/`.
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    reasons: Vec<ExclusionReason>,
    set: GlobSet,
    include_ignored: bool,
}

impl Excludes {
    /// Compiles `globs` (`--exclude`) and `policy` (`[third_party] exclude`); a glob that does
    /// not parse is an error naming it. With `include_ignored`, untracked files git ignores are
    /// scanned too.
    pub fn new(globs: &[String], policy: &[String], include_ignored: bool) -> Result<Self, Error> {
        let mut builder = GlobSetBuilder::new();
        for glob in globs.iter().chain(policy) {
            let compiled = globset::GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .map_err(|source| Error::BadExclude {
                    glob: glob.clone(),
                    source,
                })?;
            builder.add(compiled);
        }
        let set = builder.build().map_err(|source| Error::BadExclude {
            glob: globs.iter().chain(policy).cloned().collect::<Vec<_>>().join(" "),
            source,
        })?;
        let flags = globs.iter().cloned().map(ExclusionReason::Flag);
        Ok(Excludes {
            reasons: flags
                .chain(policy.iter().cloned().map(ExclusionReason::Policy))
                .collect(),
            set,
            include_ignored,
        })
    }

    /// Why the first glob that matches `path` excludes it.
    fn matching(&self, path: &Path) -> Option<&ExclusionReason> {
        self.set.matches(path).first().map(|&index| &self.reasons[index])
    }
}

/// The files of a repository, walked once, that scanners' applicability is decided on.
#[derive(Debug, Clone)]
pub struct RepoIndex {
    root: PathBuf,
    files: Vec<PathBuf>,
    git_toplevel: bool,
    git_top: Option<PathBuf>,
    excluded: Vec<Exclusion>,
    symlinks: Vec<PathBuf>,
}

impl RepoIndex {
    /// Walks `root` (which must be a readable directory), leaving out what git ignores and what
    /// `excludes` match.
    pub fn scan(root: &Path, excludes: &Excludes) -> Result<Self, Error> {
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
        let ignored = if excludes.include_ignored {
            HashSet::new()
        } else {
            git_ignored(&root)?
        };
        let mut excluded: Vec<Exclusion> = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        let walk = WalkDir::new(&root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| {
                let is_dir = entry.file_type().is_dir();
                if is_dir && PRUNED_DIRS.iter().any(|d| entry.file_name() == *d) {
                    return false;
                }
                let Ok(relative) = entry.path().strip_prefix(&root) else {
                    return true;
                };
                if relative.as_os_str().is_empty() {
                    return true;
                }
                let reason = if ignored.contains(relative) {
                    Some(ExclusionReason::GitIgnored)
                } else {
                    excludes.matching(relative).cloned()
                };
                let Some(reason) = reason else { return true };
                excluded.push(Exclusion {
                    path: relative.to_path_buf(),
                    is_dir,
                    reason,
                });
                false
            });
        let mut symlinks: Vec<PathBuf> = Vec::new();
        for entry in walk.filter_map(Result::ok) {
            let Ok(relative) = entry.path().strip_prefix(&root) else {
                continue;
            };
            if entry.file_type().is_file() {
                files.push(relative.to_path_buf());
            } else if entry.file_type().is_symlink() {
                symlinks.push(relative.to_path_buf());
            }
        }
        symlinks.sort();
        files.sort();
        excluded.sort_by(|a, b| a.path.cmp(&b.path));
        let git_top = git_top_level(&root)?;
        let git_toplevel = git_top.as_deref() == Some(root.as_path()) && has_commit(&root)?;
        Ok(Self {
            root,
            files,
            git_toplevel,
            git_top,
            excluded,
            symlinks,
        })
    }

    /// The root reports name paths from: the top of the git work tree the scanned root is in
    /// (a scan of `services/api` reports `services/api/main.go`, which is where code hosts look),
    /// else the scanned root itself.
    pub fn report_root(&self) -> &Path {
        self.git_top
            .as_deref()
            .filter(|top| self.root.starts_with(top))
            .unwrap_or(&self.root)
    }

    /// What no scanner looks at, sorted by path: git-ignored untracked paths and `--exclude`
    /// matches (a directory once, not each file below it).
    pub fn excluded(&self) -> &[Exclusion] {
        &self.excluded
    }

    /// The exclusion covering the root-relative `path`, if any.
    pub fn exclusion_of(&self, path: &Path) -> Option<&Exclusion> {
        Exclusion::covering(&self.excluded, path)
    }

    /// The canonical absolute root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Repository-relative paths of all files outside pruned directories, sorted.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Repository-relative paths of the symbolic links outside pruned directories, sorted: no
    /// scanner follows them, and `files` does not list them.
    pub fn symlinks(&self) -> &[PathBuf] {
        &self.symlinks
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

    /// [`RepoIndex::files_named`] outside `vendor/` and `node_modules/` directories
    /// ([`DEPENDENCY_DIRS`]): a vendored or installed copy of a module or package is scanned as
    /// the code of the project that holds it, not as a project of its own (its dependencies are
    /// not there to build or audit it).
    pub fn project_files_named<'a>(
        &'a self,
        predicate: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a PathBuf> + 'a {
        self.files_named(predicate).filter(|path| {
            !path
                .components()
                .any(|part| DEPENDENCY_DIRS.iter().any(|dir| part.as_os_str() == *dir))
        })
    }

    /// The first file whose name satisfies `predicate`, as a display string.
    pub fn first_named(&self, predicate: impl Fn(&str) -> bool) -> Option<String> {
        self.files_named(predicate).next().map(|p| display(p))
    }

    /// The first file (root-relative) that satisfies `predicate`, as a display string.
    pub fn first_matching(&self, predicate: impl Fn(&Path) -> bool) -> Option<String> {
        self.files.iter().find(|path| predicate(path)).map(|path| display(path))
    }

    /// Reads the start of a repository file, for content sniffing.
    pub fn head_of(&self, path: &Path, limit: usize) -> Option<String> {
        use std::io::Read;
        let mut buffer = Vec::with_capacity(limit);
        // Only a regular file inside the repository: a FIFO would block, a device never end.
        let (file, _) = scangate_normalizer::open_repository_file(&self.root, path).ok()?;
        file.take(limit as u64).read_to_end(&mut buffer).ok()?;
        Some(String::from_utf8_lossy(&buffer).into_owned())
    }
}

/// A repository-relative path with `/` separators, for reports.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The untracked paths git ignores below `root`, root-relative (a wholly ignored directory once).
/// Outside a git work tree, or when git cannot say, nothing is ignored: scanning more is the
/// safe side. Tracked files are never listed, whatever `.gitignore` says, so a change cannot hide
/// its own files by ignoring them.
fn git_ignored(root: &Path) -> Result<HashSet<PathBuf>, Error> {
    let listed = crate::git_command(root)?
        .args([
            "ls-files",
            "-z",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
        ])
        .output();
    let Ok(listed) = listed else { return Ok(HashSet::new()) };
    if !listed.status.success() {
        return Ok(HashSet::new());
    }
    Ok(listed
        .stdout
        .split(|byte| *byte == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| PathBuf::from(std::ffi::OsStr::from_bytes(entry.strip_suffix(b"/").unwrap_or(entry))))
        .collect())
}

/// The canonical top of the git work tree `root` is in, if any. git runs with
/// [`crate::git_env`]; a git that cannot be started, or a root outside a work tree, means none.
fn git_top_level(root: &Path) -> Result<Option<PathBuf>, Error> {
    let toplevel = crate::git_command(root)?
        .args(["rev-parse", "--show-toplevel"])
        .output();
    let Ok(toplevel) = toplevel else { return Ok(None) };
    if !toplevel.status.success() {
        return Ok(None);
    }
    // Bytes, not UTF-8: a repository path may hold any bytes.
    let stdout = toplevel.stdout.strip_suffix(b"\n").unwrap_or(&toplevel.stdout);
    Ok(Path::new(std::ffi::OsStr::from_bytes(stdout)).canonicalize().ok())
}

/// What no scanner reads, each a sentence for the reports: the git submodules below the root
/// (gitlinks in the index). Their files and history are another repository's: gitleaks' history
/// and semgrep's git file list leave them out, and the other scanners see at most the files a
/// checkout put there.
pub(crate) fn unscanned(repo: &RepoIndex) -> Vec<String> {
    let Ok(mut command) = crate::git_command(repo.root()) else {
        return Vec::new();
    };
    let Ok(listed) = command.args(["ls-files", "-z", "--stage"]).output() else {
        return Vec::new();
    };
    if !listed.status.success() {
        return Vec::new();
    }
    listed
        .stdout
        .split(|byte| *byte == 0)
        .filter_map(|entry| {
            // `MODE OBJECT STAGE\tPATH`; a submodule's mode is 160000.
            let entry = String::from_utf8_lossy(entry);
            let (meta, path) = entry.split_once('\t')?;
            let mut fields = meta.split(' ');
            (fields.next()? == "160000").then(|| {
                let commit = fields.next().unwrap_or_default();
                format!(
                    "submodule {path} (commit {}) was not scanned: it is another repository, which gitleaks and \
                     semgrep do not read and the other scanners at most as checked out; scan it on its own",
                    commit.get(..12).unwrap_or(commit)
                )
            })
        })
        .collect()
}

/// gitleaks exits 0 when its git child fails, so scangate decides itself whether history exists.
fn has_commit(root: &Path) -> Result<bool, Error> {
    let head = crate::git_command(root)?
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .output();
    Ok(head.is_ok_and(|out| out.status.success()))
}
