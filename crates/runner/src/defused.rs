//! Where trivy runs when the repository holds inline ignore comments (`# trivy:ignore:ID`,
//! `#tfsec:ignore:*`): trivy drops what they cover without a trace and has no flag to stop it, so
//! it scans a scratch copy of the root in which every such comment is defused
//! (`scangate_normalizer::inline_ignores`: `trivy_ignore:…`, line numbers unchanged). The
//! normalizer then applies the comments of the repository itself as reported suppressions.
//!
//! The copy holds what trivy would read in the root: every regular file but `.git` and the
//! excluded paths (trivy skips symlinks), hard-linked (copied across file systems), and the
//! files with a comment rewritten. A copy that cannot be made is not replaced by the root: the
//! run then fails on the missing directory, since the root would hide findings unseen.

use std::io;
use std::path::{Path, PathBuf};

use scangate_normalizer::inline_ignores::{defuse_trivy, may_hold_trivy_ignores};

use crate::tool::Invocation;

/// The copy's name in the run's scratch directory.
const TREE: &str = "trivy-tree";

/// trivy's working directory: the root, or (when a file holds an inline ignore) a scratch copy
/// with every one defused.
pub(crate) fn trivy_tree(invocation: &Invocation<'_>) -> PathBuf {
    let tree = invocation.scratch.join(TREE);
    if tree.exists() {
        return tree;
    }
    let files = regular_files(invocation);
    let defused: Vec<(&PathBuf, Vec<u8>)> = files
        .iter()
        .filter(|path| may_hold(&invocation.root.join(path)))
        .filter_map(|path| {
            let bytes = std::fs::read(invocation.root.join(path)).ok()?;
            defuse_trivy(&bytes).map(|text| (path, text))
        })
        .collect();
    if defused.is_empty() {
        return invocation.root.to_path_buf();
    }
    if let Err(error) = build(invocation.root, &tree, &files, &defused) {
        tracing::warn!(%error, path = %tree.display(), "cannot copy the repository for trivy without its inline ignores");
        let _ = std::fs::remove_dir_all(&tree);
    }
    tree
}

/// True when the file may hold an inline ignore: read in bounded chunks (a large file is never
/// held whole unless it may), each chunk with the end of the one before so a marker split
/// between two is found.
fn may_hold(path: &Path) -> bool {
    use std::io::Read;
    const CHUNK: usize = 1 << 16;
    const CARRY: usize = 8;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut buffer = vec![0u8; CARRY + CHUNK];
    let mut kept = 0;
    loop {
        let read = match file.read(&mut buffer[kept..]) {
            Ok(0) | Err(_) => return false,
            Ok(read) => read,
        };
        let filled = kept + read;
        if may_hold_trivy_ignores(&buffer[..filled]) {
            return true;
        }
        kept = filled.min(CARRY);
        buffer.copy_within(filled - kept..filled, 0);
    }
}

/// The root-relative regular files trivy would read: not below `.git`, not excluded.
fn regular_files(invocation: &Invocation<'_>) -> Vec<PathBuf> {
    let root = invocation.root;
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| {
            let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
            entry.file_name() != ".git"
                && (relative.as_os_str().is_empty() || invocation.repo.exclusion_of(relative).is_none())
        })
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| entry.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

fn build(root: &Path, tree: &Path, files: &[PathBuf], defused: &[(&PathBuf, Vec<u8>)]) -> io::Result<()> {
    crate::scratch::private_dir(tree)?;
    for path in files {
        let to = tree.join(path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match defused.iter().find(|(marked, _)| *marked == path) {
            Some((_, text)) => crate::scratch::write_private(&to, text)?,
            None => {
                let from = root.join(path);
                if std::fs::hard_link(&from, &to).is_err() {
                    std::fs::copy(&from, &to)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Excludes, RepoIndex, ScanOptions, Target};

    /// trivy's working directory for a root holding `files`, and the scratch directory.
    fn tree_for(files: &[(&str, &str)]) -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let repo = RepoIndex::scan(root.path(), &Excludes::default()).unwrap();
        let scratch = tempfile::tempdir().unwrap();
        let target = Target {
            dir: PathBuf::new(),
            trigger: "Dockerfile".into(),
        };
        let output = scratch.path().join("trivy-0.json");
        let invocation = Invocation {
            root: repo.root(),
            target: &target,
            output: &output,
            scratch: scratch.path(),
            options: &ScanOptions::default(),
            repo: &repo,
            cores: 1,
        };
        let tree = trivy_tree(&invocation);
        (root, scratch, tree)
    }

    #[test]
    fn a_root_with_inline_ignores_is_scanned_as_a_defused_copy() {
        let marked = "FROM alpine:3.19\n# trivy:ignore:DS-0002\nUSER root\n";
        let (_root, scratch, tree) = tree_for(&[
            ("Dockerfile", marked),
            ("infra/main.tf", "resource \"x\" \"y\" {}\n"),
            (".git/config", "[core]\n"),
        ]);
        assert_eq!(tree, scratch.path().join(TREE));
        let read = |path: &str| std::fs::read_to_string(tree.join(path)).unwrap();
        assert_eq!(read("Dockerfile"), marked.replace("trivy:ignore", "trivy_ignore"));
        assert_eq!(read("infra/main.tf"), "resource \"x\" \"y\" {}\n");
        assert!(!tree.join(".git").exists());
    }

    #[test]
    fn a_marker_across_two_chunks_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.tf");
        let mut text = " ".repeat((1 << 16) + 8 - 3);
        text.push_str("#trivy:ignore:*\n");
        std::fs::write(&path, &text).unwrap();
        assert!(may_hold(&path));
        std::fs::write(&path, " ".repeat(1 << 17)).unwrap();
        assert!(!may_hold(&path));
    }

    #[test]
    fn a_root_without_inline_ignores_is_scanned_in_place() {
        let (root, _scratch, tree) = tree_for(&[("Dockerfile", "FROM aquasec/trivy:0.74.0\nUSER app\n")]);
        assert_eq!(tree, root.path().canonicalize().unwrap());
    }
}
