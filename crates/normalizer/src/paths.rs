//! Turning the paths tools print into repo-relative `/` paths.

use std::path::{Component, Path, PathBuf};

use crate::Context;

/// `raw` as a repository-relative path with `/`. Absolute paths (gosec, osv-scanner) are made
/// relative to the root, through the links scangate made to it if need be (gitleaks `dir` scans
/// the root through a scratch symlink); relative ones are relative to the tool's working directory.
pub(crate) fn relativize(raw: &str, context: &Context<'_>) -> String {
    let raw_path = Path::new(raw);
    let relative: PathBuf = if raw_path.is_absolute() {
        match strip_root(raw_path, context.root).or_else(|| through_links(raw_path, context.root)) {
            Some(rel) => rel,
            None => {
                tracing::debug!(path = raw, "path outside the scanned root kept as reported");
                return raw.replace('\\', "/");
            }
        }
    } else {
        match context.target_dir {
            Some(dir) if dir.is_absolute() => {
                strip_root(&dir.join(raw_path), context.root).unwrap_or_else(|| raw_path.to_path_buf())
            }
            Some(dir) => dir.join(raw_path),
            None => raw_path.to_path_buf(),
        }
    };
    to_slash(&relative)
}

/// The path of `file` inside the tool's working directory, repo-relative.
pub(crate) fn in_target_dir(file: &str, context: &Context<'_>) -> String {
    relativize(file, context)
}

/// `path` below `root`, trying the canonical root too (tools print realpaths: /private/var, …).
fn strip_root(path: &Path, root: &Path) -> Option<PathBuf> {
    if let Ok(rel) = path.strip_prefix(root) {
        return Some(rel.to_path_buf());
    }
    let canonical = root.canonicalize().ok()?;
    path.strip_prefix(canonical).ok().map(Path::to_path_buf)
}

/// `path` below `root` once the links in it are resolved.
fn through_links(path: &Path, root: &Path) -> Option<PathBuf> {
    strip_root(&path.canonicalize().ok()?, root)
}

/// Joins normal components with `/`, dropping `.` and resolving `..` lexically.
pub(crate) fn to_slash(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().replace('\\', "/")),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_relative_and_target_dir_paths() {
        let root = Path::new("/repo");
        let plain = Context::new(root);
        assert_eq!(relativize("/repo/cmd/main.go", &plain), "cmd/main.go");
        assert_eq!(relativize("./a/b.py", &plain), "a/b.py");
        let module = Context {
            target_dir: Some(Path::new("tools")),
            ..plain
        };
        assert_eq!(relativize("main.go", &module), "tools/main.go");
        assert_eq!(relativize("/repo/tools/x.go", &module), "tools/x.go");
        let absolute_dir = Context {
            target_dir: Some(Path::new("/repo/svc")),
            ..plain
        };
        assert_eq!(relativize("package-lock.json", &absolute_dir), "svc/package-lock.json");
        assert_eq!(relativize("/elsewhere/x", &plain), "/elsewhere/x");
    }

    #[test]
    fn absolute_paths_through_a_link_to_the_root() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("src")).unwrap();
        std::fs::write(root.path().join("src/a.py"), "").unwrap();
        let scratch = tempfile::tempdir().unwrap();
        let link = scratch.path().join("tree");
        std::os::unix::fs::symlink(root.path(), &link).unwrap();
        let reported = link.join("src/a.py");
        let context = Context::new(root.path());
        assert_eq!(relativize(reported.to_str().unwrap(), &context), "src/a.py");
    }
}
