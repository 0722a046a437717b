//! Recognising the repository layouts Flux documents.

use std::path::{Path, PathBuf};

use super::full;
use super::graph::Graph;
use super::walk::Walked;

/// The layout convention a repository follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The ControlPlane "d1" reference layout for application and infrastructure repositories:
    /// `components/<namespace>/{base,staging,production,...}` (or one level deeper, as in
    /// `components/<namespace>/<part>/base`) and an optional `update/` for image automation.
    D1 {
        /// One entry per directory of `components/` that holds a `base` kustomization, sorted.
        namespaces: Vec<D1Namespace>,
        /// The `update/` directory, when present.
        update: Option<PathBuf>,
    },
    /// No known convention.
    Other,
}

/// One component of a d1 repository and the variants it defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct D1Namespace {
    /// Its path below `components/`: `backend`, or `admission/configs` one level deeper.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// The `base` kustomize root.
    pub base: PathBuf,
    /// Names of the sibling kustomize roots of `base` (the overlays, e.g. `production`,
    /// `staging`), sorted.
    pub overlays: Vec<String>,
}

impl Layout {
    /// The d1 entry named `name` (`backend`, `admission/configs`).
    pub fn d1_namespace(&self, name: &str) -> Option<&D1Namespace> {
        match self {
            Layout::D1 { namespaces, .. } => namespaces.iter().find(|n| n.name == name),
            Layout::Other => None,
        }
    }
}

fn child_dirs<'a>(walked: &'a Walked, dir: &'a Path) -> impl Iterator<Item = &'a PathBuf> {
    // Paths sort component-wise, so `dir`'s descendants follow it in one run.
    walked
        .dirs
        .range::<Path, _>((std::ops::Bound::Excluded(dir), std::ops::Bound::Unbounded))
        .take_while(move |d| d.starts_with(dir))
        .filter(move |d| d.parent() == Some(dir))
}

fn entry(root: &Path, walked: &Walked, g: &Graph, dir: &Path) -> Option<D1Namespace> {
    let base = dir.join("base");
    if !g.index.contains_key(&base) {
        return None;
    }
    let overlays = child_dirs(walked, dir)
        .filter(|d| **d != base && g.index.contains_key(*d))
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let name = dir
        .strip_prefix("components")
        .unwrap_or(dir)
        .to_string_lossy()
        .into_owned();
    Some(D1Namespace {
        name,
        dir: full(root, dir),
        base: full(root, &base),
        overlays,
    })
}

/// Looks at the repository root for the d1 layout.
pub(crate) fn detect(root: &Path, walked: &Walked, g: &Graph) -> Layout {
    let components = Path::new("components");
    let mut namespaces = Vec::new();
    for ns in child_dirs(walked, components) {
        if let Some(e) = entry(root, walked, g, ns) {
            namespaces.push(e);
            continue;
        }
        for part in child_dirs(walked, ns) {
            namespaces.extend(entry(root, walked, g, part));
        }
    }
    if namespaces.is_empty() {
        return Layout::Other;
    }
    let update = Path::new("update");
    Layout::D1 {
        namespaces,
        update: walked.dirs.contains(update).then(|| full(root, update)),
    }
}
