//! The filesystem walk: which files of the repository Flux would see, seen once, in sorted order.
//!
//! The walk always covers the whole repository root, because whether a directory is a top-level
//! overlay, or whether a file is read by some kustomization, depends on files outside the
//! directory a user asked about.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::{MAX_FILE_SIZE, Note, NoteKind, is_hidden_name, is_yaml_name};
use crate::yaml::Span;

/// The names kustomize accepts for a kustomization file, in the order it looks for them.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Paths that Flux's source-controller leaves out of every artifact even without a
/// `.sourceignore` (fluxcd/pkg `sourceignore`: VCS files, binary media, CI configuration and a
/// few tool files). Kept as gitignore lines rooted at the repository.
const FLUX_DEFAULT_EXCLUSIONS: &[&str] = &[
    ".git/",
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// What the walk saw, as paths relative to the repository root.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Every regular file that passed the ignore rules, hidden files included.
    pub files: BTreeSet<PathBuf>,
    /// Every directory walked (the root is the empty path).
    pub dirs: BTreeSet<PathBuf>,
    /// Kustomization file names found per directory.
    pub kustomizations: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// YAML files too large to read.
    pub too_large: BTreeSet<PathBuf>,
    /// Things worth telling the user, with the relative path each is about.
    pub notes: Vec<(PathBuf, Note)>,
}

fn default_exclusions(root: &Path) -> Gitignore {
    let mut b = GitignoreBuilder::new(root);
    for line in FLUX_DEFAULT_EXCLUSIONS {
        // The patterns are constants known to be valid gitignore lines.
        let _ = b.add_line(None, line);
    }
    b.build().unwrap_or_else(|_| Gitignore::empty())
}

pub(crate) fn span_of(root: &Path, rel: &Path) -> Span {
    Span::file(super::full(root, rel).to_string_lossy().as_ref().into())
}

/// Walks the whole tree under `root`.
///
/// `.gitignore` files are honoured whether or not a `.git` exists (CI checkouts and archives may
/// lack one), `.sourceignore` files at any level take precedence over them as in Flux, and
/// Flux's default exclusions apply last. Hidden directories are not entered; hidden files are
/// kept so that well-known tool files can be classified. Symbolic links are never followed, so
/// link loops cannot hang the walk.
pub(crate) fn walk(root: &Path) -> Walked {
    let defaults = default_exclusions(root);
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(false)
        .git_global(false)
        .require_git(false)
        .parents(false)
        .follow_links(false)
        .add_custom_ignore_filename(".sourceignore")
        .sort_by_file_name(|a, b| a.cmp(b));
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir && is_hidden_name(entry.file_name()) {
            return false;
        }
        !defaults.matched(entry.path(), is_dir).is_ignore()
    });

    let mut out = Walked::default();
    for result in builder.build() {
        let entry = match result {
            Ok(e) => e,
            Err(err) => {
                let rel = error_path(&err)
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let note = Note {
                    span: span_of(root, &rel),
                    kind: NoteKind::Unreadable,
                    message: format!("could not read: {err}"),
                };
                out.notes.push((rel, note));
                continue;
            }
        };
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_path_buf();
        // A directory whose ignore file is partly broken still comes through, with the error.
        if let Some(err) = entry.error() {
            let file = error_path(err)
                .and_then(|p| p.strip_prefix(root).ok())
                .map_or_else(|| rel.clone(), Path::to_path_buf);
            let note = Note {
                span: span_of(root, &file),
                kind: NoteKind::Unreadable,
                message: format!("ignore file partly unreadable, other lines still apply: {err}"),
            };
            out.notes.push((file, note));
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_symlink() {
            let note = Note {
                span: span_of(root, &rel),
                kind: NoteKind::SymlinkSkipped,
                message: "symbolic link not followed".into(),
            };
            out.notes.push((rel, note));
        } else if ft.is_dir() {
            out.dirs.insert(rel);
        } else if ft.is_file() {
            add_file(root, rel, &entry, &mut out);
        }
    }
    out
}

/// The file an error of the walk is about, when it says.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

fn add_file(root: &Path, rel: PathBuf, entry: &ignore::DirEntry, out: &mut Walked) {
    let name = entry.file_name().to_string_lossy();
    let is_kustomization = KUSTOMIZATION_FILE_NAMES.contains(&name.as_ref());
    if is_kustomization || is_yaml_name(&name) {
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_SIZE {
            let note = Note {
                span: span_of(root, &rel),
                kind: NoteKind::TooLarge,
                message: format!(
                    "file skipped: {size} bytes is more than the {MAX_FILE_SIZE} bytes fluxval reads"
                ),
            };
            out.notes.push((rel.clone(), note));
            out.too_large.insert(rel.clone());
        }
    }
    if is_kustomization {
        let dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        out.kustomizations.entry(dir).or_default().push(rel.clone());
    }
    out.files.insert(rel);
}
