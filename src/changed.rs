//! Changed-only runs: which files changed (`--changed-since REF` asks git; `--changed-files`
//! takes them from the command line, as pre-commit passes staged files), and which kustomize
//! roots and plain manifests those files affect.
//!
//! The affected roots come from the discovery graph ([`crate::repo::affected_roots`]): a root
//! is affected when its own kustomization file, or any file it or a base or component it
//! includes reads, changed. So a changed base re-validates every overlay that includes it, and a
//! changed values file the roots whose generator reads it.
//!
//! Everything is still built, so that the Flux checks see the whole repository (a reference from
//! a changed overlay to a source in an unchanged one must resolve); only the affected roots and
//! the changed plain manifests are schema-validated, and only findings about them are reported.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::repo::{self, Repo};

/// What a changed-only run reports on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Affected top-level roots, named as the pipeline names environments (relative to the
    /// working directory when below it).
    pub roots: BTreeSet<String>,
    /// The changed paths, absolute and lexically normalised (a directory stands for every file
    /// under it).
    pub files: BTreeSet<PathBuf>,
    /// A change that affects every root (fluxval's configuration, a `--vars` file): the run is
    /// not restricted at all.
    pub everything: bool,
}

impl Selection {
    /// The selection of `changed` paths (absolute or relative to `cwd`).
    pub fn new(changed: &[PathBuf], cwd: &Path) -> Selection {
        Selection {
            files: changed.iter().map(|p| absolute(p, cwd)).collect(),
            ..Selection::default()
        }
    }

    /// Adds the top-level roots of `repo` that the changed files affect. `vars` are the
    /// `--vars` files, which every root's substitution reads.
    pub fn add_repo(&mut self, repo: &Repo, vars: &[PathBuf], cwd: &Path) {
        let changed: Vec<PathBuf> = self.files.iter().cloned().collect();
        let config = absolute(&repo.root.join(".fluxval.yaml"), cwd);
        if self.files.contains(&config)
            || vars
                .iter()
                .any(|v| self.contains_file(&absolute(v, cwd).to_string_lossy()))
        {
            self.everything = true;
        }
        for r in repo::affected_roots(repo, &changed) {
            self.roots.insert(shown(&r.dir, cwd));
        }
    }

    /// Whether nothing at all is affected: the run can stop before building.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.roots.is_empty() && self.files.is_empty()
    }

    /// Whether the environment built from `root` (as the pipeline names it) is reported.
    pub fn has_root(&self, root: &str) -> bool {
        self.everything || self.roots.contains(root)
    }

    /// Whether `file` (as a span names it: relative to the working directory, or absolute) is a
    /// changed file or lies in a changed directory.
    pub fn contains_file(&self, file: &str) -> bool {
        if self.everything {
            return true;
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        let path = absolute(Path::new(file), &cwd);
        self.files.iter().any(|f| path.starts_with(f))
    }

    /// Whether a finding is about what changed: it comes from an affected root, or it is
    /// located in a changed file.
    pub fn keeps(&self, d: &Diagnostic) -> bool {
        self.everything
            || d.roots.iter().any(|r| self.roots.contains(r))
            || d.span.as_ref().is_some_and(|s| self.contains_file(&s.file))
    }
}

/// A root directory as the pipeline names its environment.
fn shown(dir: &Path, cwd: &Path) -> String {
    crate::pipeline::relative_to(dir, cwd).display().to_string()
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically.
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The files changed since the merge base of `HEAD` and `rev` in the git repository holding
/// `dir`: committed, staged and unstaged changes (deleted and renamed files under both names),
/// plus untracked files that are not ignored. Paths are absolute.
pub fn files_since(dir: &Path, rev: &str) -> Result<Vec<PathBuf>, String> {
    if rev.starts_with('-') {
        return Err(format!("--changed-since: {rev:?} is not a git revision"));
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("--changed-since needs a git repository: {e}"))?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let base = git(&top, &["merge-base", rev, "HEAD"])
        .map_err(|e| format!("--changed-since: no merge base of {rev:?} and HEAD: {e}"))?;
    let base = base.trim();
    let mut names = git(
        &top,
        &["diff", "--name-only", "--no-renames", "-z", base, "--"],
    )?;
    names.push_str(&git(
        &top,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?);
    let mut files: Vec<PathBuf> = names
        .split('\0')
        .filter(|n| !n.is_empty())
        .map(|n| top.join(n))
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Runs `git ARGS` in `dir` and returns its standard output.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("git failed").trim();
        return Err(first.to_string());
    }
    String::from_utf8(out.stdout).map_err(|_| "git printed a path that is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Span;

    #[test]
    fn paths_are_absolute_and_normalised() {
        let cwd = Path::new("/repo/sub");
        assert_eq!(
            absolute(Path::new("../a/./b.yaml"), cwd),
            PathBuf::from("/repo/a/b.yaml")
        );
        assert_eq!(absolute(Path::new("/x/y"), cwd), PathBuf::from("/x/y"));
    }

    #[test]
    fn findings_are_kept_by_root_or_by_changed_file() {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut sel = Selection::new(&[PathBuf::from("plain/ns.yaml")], &cwd);
        sel.roots.insert("clusters/staging".into());
        let at = |f: &str| Some(Span::new(f.into(), 1, 1));
        let mut in_root = Diagnostic::error("schema/type", "x", at("apps/base/a.yaml"));
        in_root.roots.push("clusters/staging".into());
        let mut elsewhere = Diagnostic::error("schema/type", "x", at("apps/base/a.yaml"));
        elsewhere.roots.push("clusters/production".into());
        let plain = Diagnostic::error("schema/type", "x", at("plain/ns.yaml"));
        let other_plain = Diagnostic::error("schema/type", "x", at("plain/other.yaml"));
        assert!(sel.keeps(&in_root));
        assert!(!sel.keeps(&elsewhere));
        assert!(sel.keeps(&plain));
        assert!(!sel.keeps(&other_plain));
        sel.everything = true;
        assert!(sel.keeps(&other_plain));
    }

    #[test]
    fn an_option_is_not_taken_for_a_revision() {
        let e = files_since(Path::new("."), "--output=/tmp/x").unwrap_err();
        assert!(e.contains("not a git revision"), "{e}");
    }
}
