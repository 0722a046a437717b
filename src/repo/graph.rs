//! The include graph between kustomize roots, and what each root's build reads.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use super::kustfile::{self, FileRole, RawRef};
use super::walk::{KUSTOMIZATION_FILE_NAMES, Walked, span_of};
use super::{
    FileRead, KustomizeRoot, MAX_FILE_SIZE, Note, NoteKind, Repo, absolute, full, normalize,
};
use crate::error::Error;
use crate::yaml::Span;

/// One kustomize root, paths relative to the repository root.
#[derive(Debug, Default)]
pub(crate) struct RootInfo {
    pub dir: PathBuf,
    pub file: PathBuf,
    pub refs: Vec<PathBuf>,
    pub reads: Vec<(PathBuf, FileRole, Option<Span>)>,
    pub included_by: Vec<PathBuf>,
    pub top_level: bool,
    pub is_component: bool,
    pub notes: Vec<Note>,
    /// Why this root cannot be used at all (several kustomization files).
    pub fatal: Option<Error>,
}

/// Every kustomize root of the repository, sorted by directory.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub roots: Vec<RootInfo>,
    pub index: BTreeMap<PathBuf, usize>,
}

fn multiple_error(root: &Path, dir: &Path) -> Error {
    let shown = full(root, dir);
    Error::in_file(
        &shown.to_string_lossy(),
        format!(
            "Found multiple kustomization files under: {}",
            shown.display()
        ),
    )
}

/// The kustomization files in a directory the walk did not list as a root.
fn kustomizations_on_disk(root: &Path, dir: &Path) -> Vec<PathBuf> {
    KUSTOMIZATION_FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| full(root, p).is_file())
        .collect()
}

/// Whether a kustomization entry names something kustomize would fetch rather than read.
fn looks_remote(value: &str) -> bool {
    value.contains("://")
        || value.starts_with("git@")
        || value.starts_with("github.com/")
        || value.starts_with("gitlab.com/")
        || value.starts_with("bitbucket.org/")
        || value.contains("?ref=")
}

impl Graph {
    /// Reads every kustomization in the walk, and those they include from places the walk
    /// skipped (hidden directories, symbolic links), then links them.
    pub(crate) fn build(root: &Path, walked: &Walked) -> Graph {
        let canon_root = std::fs::canonicalize(root).ok();
        let mut found: BTreeMap<PathBuf, RootInfo> = BTreeMap::new();
        let mut queue: VecDeque<(PathBuf, Vec<PathBuf>)> = VecDeque::new();
        // Real directory of every root, so that a symbolic link to a known root (or a link loop)
        // resolves to that root instead of loading it again under a longer name.
        let mut by_canon: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        for (dir, files) in &walked.kustomizations {
            queue.push_back((dir.clone(), files.clone()));
            if let Ok(c) = std::fs::canonicalize(full(root, dir)) {
                by_canon.insert(c, dir.clone());
            }
        }
        let mut queued: BTreeSet<PathBuf> = queue.iter().map(|(d, _)| d.clone()).collect();
        let mut alias: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        while let Some((dir, files)) = queue.pop_front() {
            let Some(file) = files.first().cloned() else {
                continue;
            };
            if files.len() > 1 {
                let fatal = Some(multiple_error(root, &dir));
                let info = RootInfo {
                    dir: dir.clone(),
                    file,
                    fatal,
                    ..RootInfo::default()
                };
                found.insert(dir, info);
                continue;
            }
            let info = load(root, canon_root.as_deref(), walked, dir.clone(), file);
            for r in &info.refs {
                if queued.contains(r) {
                    continue;
                }
                queued.insert(r.clone());
                let canon = std::fs::canonicalize(full(root, r)).ok();
                if let Some(known) = canon.as_ref().and_then(|c| by_canon.get(c)) {
                    alias.insert(r.clone(), known.clone());
                } else {
                    let files = kustomizations_on_disk(root, r);
                    if !files.is_empty() {
                        if let Some(c) = canon {
                            by_canon.insert(c, r.clone());
                        }
                        queue.push_back((r.clone(), files));
                    }
                }
            }
            found.insert(dir, info);
        }
        let mut g = Graph::default();
        for (i, (dir, mut info)) in found.into_iter().enumerate() {
            let refs = std::mem::take(&mut info.refs);
            for r in refs {
                let r = alias.get(&r).cloned().unwrap_or(r);
                if !info.refs.contains(&r) {
                    info.refs.push(r);
                }
            }
            g.index.insert(dir, i);
            g.roots.push(info);
        }
        g.link(root);
        g
    }

    /// Fills `included_by` and `top_level`, and notes references to directories that are not
    /// kustomize roots.
    fn link(&mut self, root: &Path) {
        let mut edges = Vec::new();
        for (i, info) in self.roots.iter_mut().enumerate() {
            let mut notes = Vec::new();
            for r in &info.refs {
                match self.index.get(r) {
                    Some(&j) => edges.push((i, j)),
                    None => notes.push(Note {
                        span: span_of(root, r),
                        kind: NoteKind::NotAKustomization,
                        message: format!(
                            "{} includes this directory, which has no kustomization file",
                            full(root, &info.file).display()
                        ),
                    }),
                }
            }
            info.notes.extend(notes);
        }
        for &(i, j) in &edges {
            // A root that includes itself is still built on its own, where the build reports
            // the cycle.
            if i != j {
                let from = self.roots[i].dir.clone();
                self.roots[j].included_by.push(from);
            }
        }
        for info in &mut self.roots {
            info.included_by.sort();
            info.included_by.dedup();
            info.top_level = info.included_by.is_empty();
        }
        // Roots that only include each other in a cycle would otherwise never be built, and the
        // cycle never reported: make the first of each such group top-level.
        let mut reached = vec![false; self.roots.len()];
        let tops: Vec<usize> = (0..self.roots.len())
            .filter(|&i| self.roots[i].top_level)
            .collect();
        for i in tops {
            self.reach(i, &mut reached);
        }
        for i in 0..self.roots.len() {
            if !reached[i] {
                self.roots[i].top_level = true;
                self.reach(i, &mut reached);
            }
        }
    }

    fn reach(&self, from: usize, reached: &mut [bool]) {
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut reached[i], true) {
                stack.extend(self.roots[i].refs.iter().filter_map(|d| self.index.get(d)));
            }
        }
    }

    /// The roots under `start`, plus every root they include, as sorted indices.
    pub(crate) fn selected(&self, start: &Path) -> Vec<usize> {
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        let mut stack: Vec<usize> = self
            .roots
            .iter()
            .enumerate()
            .filter(|(_, r)| r.dir.starts_with(start))
            .map(|(i, _)| i)
            .collect();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(self.roots[i].refs.iter().filter_map(|d| self.index.get(d)));
            }
        }
        seen.into_iter().collect()
    }

    /// The public form of root `i`, paths joined to `root`.
    pub(crate) fn public(&self, root: &Path, i: usize) -> KustomizeRoot {
        let r = &self.roots[i];
        KustomizeRoot {
            dir: full(root, &r.dir),
            file: full(root, &r.file),
            references: r.refs.iter().map(|d| full(root, d)).collect(),
            reads: r
                .reads
                .iter()
                .map(|(p, role, span)| FileRead {
                    path: full(root, p),
                    role: *role,
                    span: span.clone(),
                })
                .collect(),
            included_by: r.included_by.iter().map(|d| full(root, d)).collect(),
            is_top_level: r.top_level,
            is_component: r.is_component,
        }
    }
}

/// Reads one kustomization file and resolves the paths it names.
fn load(
    root: &Path,
    canon_root: Option<&Path>,
    walked: &Walked,
    dir: PathBuf,
    file: PathBuf,
) -> RootInfo {
    let mut info = RootInfo {
        dir,
        file,
        ..RootInfo::default()
    };
    let shown = full(root, &info.file);
    let display = shown.to_string_lossy().into_owned();
    let error_note = |message: String| Note {
        span: Span::file(display.as_str().into()),
        kind: NoteKind::KustomizationError,
        message,
    };
    if walked.too_large.contains(&info.file) {
        return info;
    }
    let bytes = match std::fs::read(&shown) {
        Ok(b) if b.len() as u64 > MAX_FILE_SIZE => {
            info.notes.push(error_note(format!(
                "kustomization not read: more than {MAX_FILE_SIZE} bytes"
            )));
            return info;
        }
        Ok(b) => b,
        Err(e) => {
            info.notes.push(error_note(format!("cannot read: {e}")));
            return info;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        info.notes
            .push(error_note("file is not valid UTF-8 text".to_string()));
        return info;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let parsed = match kustfile::parse(text, &display) {
        Ok(p) => p,
        Err(e) => {
            info.notes.push(Note {
                span: e.span,
                kind: NoteKind::KustomizationError,
                message: e.message,
            });
            return info;
        }
    };
    info.is_component = parsed.is_component;
    for raw in parsed.refs {
        resolve(root, canon_root, walked, &mut info, &display, raw);
    }
    info
}

fn resolve(
    root: &Path,
    canon_root: Option<&Path>,
    walked: &Walked,
    info: &mut RootInfo,
    display: &str,
    raw: RawRef,
) {
    let span = raw
        .span
        .clone()
        .unwrap_or_else(|| Span::file(display.into()));
    let mut note = |kind: NoteKind, message: String| {
        info.notes.push(Note {
            span: span.clone(),
            kind,
            message,
        })
    };
    let Some(rel) = normalize(&info.dir, &raw.value) else {
        if looks_remote(&raw.value) {
            note(
                NoteKind::RemoteReference,
                format!("remote reference {:?} is not fetched", raw.value),
            );
        } else {
            note(
                NoteKind::OutsideRepo,
                format!(
                    "{:?} is outside the repository; Flux cannot read it",
                    raw.value
                ),
            );
        }
        return;
    };
    let is_dir = if walked.dirs.contains(&rel) {
        true
    } else if walked.files.contains(&rel) {
        false
    } else {
        match std::fs::metadata(full(root, &rel)) {
            Ok(_) if escapes(canon_root, &full(root, &rel)) => {
                note(
                    NoteKind::OutsideRepo,
                    format!(
                        "{:?} leads outside the repository through a symbolic link; Flux \
                         cannot read it",
                        raw.value
                    ),
                );
                return;
            }
            Ok(m) => {
                note(
                    NoteKind::NotWalked,
                    format!(
                        "{:?} is hidden, behind a symbolic link, or excluded by .gitignore or \
                         .sourceignore (then Flux will not see it either)",
                        raw.value
                    ),
                );
                m.is_dir()
            }
            Err(_) if looks_remote(&raw.value) => {
                note(
                    NoteKind::RemoteReference,
                    format!("remote reference {:?} is not fetched", raw.value),
                );
                return;
            }
            Err(_) => {
                note(
                    NoteKind::MissingReference,
                    format!("{:?} does not exist", raw.value),
                );
                return;
            }
        }
    };
    if is_dir {
        if !info.refs.contains(&rel) {
            info.refs.push(rel);
        }
    } else {
        info.reads.push((rel, raw.role, raw.span));
    }
}

/// Whether `path`, with symbolic links resolved, lies outside the repository.
fn escapes(canon_root: Option<&Path>, path: &Path) -> bool {
    match (canon_root, std::fs::canonicalize(path)) {
        (Some(root), Ok(real)) => !real.starts_with(root),
        _ => false,
    }
}

/// `path` relative to the repository root: absolute paths and paths that begin with the root
/// are made relative; other relative paths are taken as relative to the root already, as
/// `git diff --name-only` prints them.
fn relative_to_root(root: &Path, abs_root: &Path, path: &Path) -> Option<PathBuf> {
    if let Ok(rest) = path.strip_prefix(root) {
        return normalize(Path::new(""), &rest.to_string_lossy());
    }
    if path.is_absolute() {
        let abs = absolute(path).ok()?;
        return abs.strip_prefix(abs_root).ok().map(Path::to_path_buf);
    }
    normalize(Path::new(""), &path.to_string_lossy())
}

/// The top-level kustomize roots whose build reads any of the `changed` paths: their own
/// kustomization file or any file it reads (resources, patches, generator inputs, configuration),
/// followed through bases and components. A changed directory matches every file under it.
///
/// Paths may be absolute, begin with the repository root, or be relative to the root (as
/// `git diff --name-only` prints them). Only roots in `repo` are considered, sorted by directory.
pub fn affected_roots<'a>(repo: &'a Repo, changed: &[PathBuf]) -> Vec<&'a KustomizeRoot> {
    let Ok(abs_root) = absolute(&repo.root) else {
        return Vec::new();
    };
    let changed: Vec<PathBuf> = changed
        .iter()
        .filter_map(|c| relative_to_root(&repo.root, &abs_root, c))
        .collect();
    let hits = |p: &Path| {
        let rel = repo.relative(p);
        changed.iter().any(|c| rel.starts_with(c))
    };
    let by_dir: BTreeMap<&Path, &KustomizeRoot> = repo
        .kustomize_roots
        .iter()
        .map(|r| (r.dir.as_path(), r))
        .collect();
    let mut out = Vec::new();
    for top in repo.top_level() {
        let mut seen: BTreeSet<&Path> = BTreeSet::new();
        let mut stack = vec![top];
        let mut affected = false;
        while let Some(r) = stack.pop() {
            if !seen.insert(r.dir.as_path()) {
                continue;
            }
            if hits(&r.file) || r.reads.iter().any(|f| hits(&f.path)) {
                affected = true;
                break;
            }
            stack.extend(r.references.iter().filter_map(|d| by_dir.get(d.as_path())));
        }
        if affected {
            out.push(top);
        }
    }
    out
}
