//! Repository discovery: which kustomizations a Flux repository holds, how they include each
//! other, and which YAML files are resources, plain manifests, or something else entirely.
//!
//! Discovery reads no more than it must: the directory tree (through the same ignore rules Flux
//! and git apply) and the path-naming fields of each kustomization file. Building is left to the
//! kustomize module.

mod classify;
mod graph;
mod kustfile;
mod layout;
mod walk;

#[cfg(test)]
mod tests;

use std::path::{Component, Path, PathBuf};

pub use graph::affected_roots;
pub use kustfile::FileRole;
pub use layout::{D1Namespace, Layout};
pub use walk::KUSTOMIZATION_FILE_NAMES;

use crate::error::{Error, Result};
use crate::yaml::Span;

/// Largest YAML or kustomization file discovery reads (8 MiB). Real manifests, even Flux's
/// `gotk-components.yaml`, stay far below; anything bigger is more likely generated data.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// A discovered repository.
#[derive(Clone, Debug)]
pub struct Repo {
    /// The repository root, as given to [`discover`].
    pub root: PathBuf,
    /// The directory discovery was asked about (inside `root`).
    pub start: PathBuf,
    /// Kustomize roots under `start`, plus the ones they include from elsewhere, sorted by dir.
    pub kustomize_roots: Vec<KustomizeRoot>,
    /// YAML files under `start` that no kustomization reads and that are not in a kustomize
    /// root's own directory: manifests Flux applies from a plain directory. Sorted.
    pub plain_yaml: Vec<PathBuf>,
    /// YAML files under `start` that are not Kubernetes resources, with the reason. Sorted.
    pub non_resource_yaml: Vec<(PathBuf, NonResourceReason)>,
    /// The repository's layout convention.
    pub layout: Layout,
    /// Things skipped or suspicious, for the user to see; sorted by place.
    pub notes: Vec<Note>,
}

/// A directory holding a kustomization file.
#[derive(Clone, Debug, PartialEq)]
pub struct KustomizeRoot {
    /// The directory.
    pub dir: PathBuf,
    /// Its kustomization file (`kustomization.yaml`, `kustomization.yml` or `Kustomization`).
    pub file: PathBuf,
    /// Directories it includes through `resources`, `bases`, `components` (and directory entries
    /// of `generators`/`transformers`/`validators`), in the order written, without repeats.
    pub references: Vec<PathBuf>,
    /// Files it reads directly, in the order written.
    pub reads: Vec<FileRead>,
    /// Directories of the kustomize roots that include this one, sorted.
    pub included_by: Vec<PathBuf>,
    /// True when this root is built on its own: no kustomize root in the repository includes it
    /// (an overlay), or it is the first of a group that only include each other in a cycle (so
    /// that the build reports the cycle).
    pub is_top_level: bool,
    /// True for `kind: Component`.
    pub is_component: bool,
}

/// A file a kustomization reads, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRead {
    /// The file.
    pub path: PathBuf,
    /// The field that names it.
    pub role: FileRole,
    /// Where the kustomization names it.
    pub span: Option<Span>,
}

/// Why a YAML file is not a Kubernetes resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NonResourceReason {
    /// A kustomization reads it in a role other than `resources` (a patch, generator input,
    /// `kustomizeconfig.yaml`, ...). `by` is that kustomization file.
    ReadByKustomization {
        /// The field that names it.
        role: FileRole,
        /// The kustomization file.
        by: PathBuf,
    },
    /// fluxval's own configuration file, `.fluxval.yaml`.
    FluxvalConfig,
    /// A well-known configuration file of another tool (the tool is named).
    ToolConfig(&'static str),
    /// Another hidden file: by convention a tool's configuration.
    HiddenFile,
    /// Part of a Helm chart (the directory holding `Chart.yaml`): templates and values.
    HelmChart {
        /// The chart directory.
        chart: PathBuf,
    },
}

/// Something discovery skipped or found suspicious, for the user to see.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    /// The file or directory concerned (or the kustomization entry naming it).
    pub span: Span,
    /// What kind of note.
    pub kind: NoteKind,
    /// One sentence for the user.
    pub message: String,
}

/// What a [`Note`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteKind {
    /// A symbolic link was not followed.
    SymlinkSkipped,
    /// A file was over [`MAX_FILE_SIZE`].
    TooLarge,
    /// A directory or file could not be read.
    Unreadable,
    /// A kustomization file could not be read for its references.
    KustomizationError,
    /// A kustomization names a path that does not exist (the build will fail).
    MissingReference,
    /// A kustomization names a directory without a kustomization file.
    NotAKustomization,
    /// A kustomization names a path outside the repository.
    OutsideRepo,
    /// A kustomization names a remote resource; discovery does not fetch it.
    RemoteReference,
    /// A kustomization reads a path the walk skipped (hidden, ignored or behind a symlink);
    /// when ignored, Flux will not see it either.
    NotWalked,
    /// A YAML file in a kustomize root's directory that its kustomization does not read.
    Unreferenced,
}

/// Whether a file name is hidden by Unix convention.
pub(crate) fn is_hidden_name(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// Whether a file name has a YAML extension.
pub(crate) fn is_yaml_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// `base` joined with `rel`, without the trailing separator `Path::join("")` would add.
pub(crate) fn full(base: &Path, rel: &Path) -> PathBuf {
    if rel.as_os_str().is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    }
}

/// Resolves `value` against `dir` (both relative to the root) without touching the disk;
/// `None` when it leaves the root or is absolute.
pub(crate) fn normalize(dir: &Path, value: &str) -> Option<PathBuf> {
    let p = Path::new(value);
    if p.is_absolute() {
        return None;
    }
    let mut out = dir.to_path_buf();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `path` made absolute and lexically normalized (symbolic links are left alone, as the user
/// wrote them).
fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| {
        Error::in_file(&path.to_string_lossy(), format!("cannot resolve path: {e}"))
    })?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

fn must_exist(path: &Path) -> Result<std::fs::Metadata> {
    std::fs::metadata(path).map_err(|e| {
        let what = if e.kind() == std::io::ErrorKind::NotFound {
            "no such file or directory".to_string()
        } else {
            format!("cannot read: {e}")
        };
        Error::in_file(&path.to_string_lossy(), what)
    })
}

/// The repository root containing `path`: the nearest directory at or above it that holds a
/// `.git` directory or file (worktrees and submodules use a file), else `path` itself (or, for
/// a file, the directory holding it).
///
/// Git is not run: CI images and archives may lack it. A missing `path` is an error naming it.
pub fn find_root(path: &Path) -> Result<PathBuf> {
    let meta = must_exist(path)?;
    let abs = absolute(path)?;
    let first = if meta.is_dir() {
        abs.as_path()
    } else {
        abs.parent().unwrap_or(&abs)
    };
    for dir in first.ancestors() {
        if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
            return Ok(dir.to_path_buf());
        }
    }
    if meta.is_dir() {
        Ok(path.to_path_buf())
    } else {
        Ok(match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        })
    }
}

/// Discovers the kustomize roots and YAML files under `start`, a directory inside `root`.
///
/// The whole repository is walked (honouring `.gitignore`, `.sourceignore` and Flux's default
/// exclusions) so that the include graph is complete: a base under `start` that an overlay
/// elsewhere includes is not top-level, and an overlay under `start` brings in its bases from
/// anywhere in the repository. Two kustomization files in a directory that would be built
/// are an error, as in kustomize; a kustomization that cannot be parsed is a note (the build reports it in full).
pub fn discover(root: &Path, start: &Path) -> Result<Repo> {
    if !must_exist(root)?.is_dir() {
        return Err(Error::in_file(
            &root.to_string_lossy(),
            "the repository root is not a directory",
        ));
    }
    must_exist(start)?;
    let (abs_root, abs_start) = (absolute(root)?, absolute(start)?);
    let Ok(start_rel) = abs_start.strip_prefix(&abs_root) else {
        return Err(Error::in_file(
            &start.to_string_lossy(),
            format!("not inside the repository root {}", root.display()),
        ));
    };
    let start_rel = start_rel.to_path_buf();
    let walked = walk::walk(root);
    let g = graph::Graph::build(root, &walked);
    let selected = g.selected(&start_rel);
    // Like kustomize, refuse only when a root that would be built is ambiguous; one elsewhere
    // in the repository does not stop work on `start`.
    if let Some(e) = selected.iter().find_map(|&i| g.roots[i].fatal.clone()) {
        return Err(e);
    }
    let mut notes: Vec<Note> = walked
        .notes
        .iter()
        .filter(|(rel, _)| rel.starts_with(&start_rel))
        .map(|(_, n)| n.clone())
        .collect();
    for &i in &selected {
        notes.extend(g.roots[i].notes.iter().cloned());
    }
    let (plain_yaml, non_resource_yaml, unreferenced) =
        classify::classify(root, &walked, &g, &start_rel);
    notes.extend(unreferenced);
    notes.sort();
    notes.dedup();
    let layout = layout::detect(root, &walked, &g);
    let mut kustomize_roots: Vec<KustomizeRoot> =
        selected.into_iter().map(|i| g.public(root, i)).collect();
    // Sorted, so that `root_at` can search instead of scanning.
    kustomize_roots.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(Repo {
        root: root.to_path_buf(),
        start: start.to_path_buf(),
        kustomize_roots,
        plain_yaml,
        non_resource_yaml,
        layout,
        notes,
    })
}

impl Repo {
    /// The kustomize root whose directory is `dir`.
    pub fn root_at(&self, dir: &Path) -> Option<&KustomizeRoot> {
        // `discover` sorts the roots by directory (see the field's doc).
        self.kustomize_roots
            .binary_search_by(|r| r.dir.as_path().cmp(dir))
            .ok()
            .map(|i| &self.kustomize_roots[i])
    }

    /// The roots to build: those no other root includes.
    pub fn top_level(&self) -> impl Iterator<Item = &KustomizeRoot> {
        self.kustomize_roots.iter().filter(|r| r.is_top_level)
    }

    /// The kustomize roots that `dir`'s root includes directly (its bases and components).
    pub fn bases_of(&self, dir: &Path) -> Vec<&KustomizeRoot> {
        self.root_at(dir)
            .map(|r| {
                r.references
                    .iter()
                    .filter_map(|d| self.root_at(d))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The kustomize roots that include `dir`'s root directly.
    pub fn included_by(&self, dir: &Path) -> Vec<&KustomizeRoot> {
        self.root_at(dir)
            .map(|r| {
                r.included_by
                    .iter()
                    .filter_map(|d| self.root_at(d))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `path` relative to the repository root, for display and comparison.
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}
