//! Reading files for a build: path resolution, load restrictions, repository confinement.
//!
//! kustomize's `LoadRestrictionsRootOnly` keeps a kustomization's file reads inside its own
//! directory; `LoadRestrictionsNone` (what Flux's kustomize-controller uses) does not. Flux also
//! roots the filesystem at the repository, so whatever the restrictor, nothing outside the
//! repository is read. Remote resources are refused without touching the network.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use crate::error::{Error, Result};
use crate::yaml::Span;

use super::kustomization::FILE_NAMES;
use super::smp::SourceText;

/// kustomize's `--load-restrictor`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// `LoadRestrictionsNone`: files anywhere in the repository (Flux's behaviour; our default).
    #[default]
    None,
    /// `LoadRestrictionsRootOnly`: files in or below the kustomization's directory.
    RootOnly,
}

impl LoadRestrictor {
    /// Parses kustomize's flag value.
    pub fn parse(s: &str) -> Option<LoadRestrictor> {
        match s {
            "LoadRestrictionsNone" => Some(LoadRestrictor::None),
            "LoadRestrictionsRootOnly" => Some(LoadRestrictor::RootOnly),
            _ => None,
        }
    }
}

/// A path in two forms: where to read it, and how to show it to a person.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The path to open (as given, joined; relative to the working directory or absolute).
    pub path: PathBuf,
    /// The canonical path (symlinks resolved), for confinement checks and identity.
    pub canonical: PathBuf,
    /// What we print: the joined path, lexically normalised (`a/b/../c` → `a/c`).
    pub display: String,
}

/// Resolves and confines file reads for one build.
///
/// It also keeps the text of every file it read: a strategic-merge patch needs the source text
/// of scalars to decide styles the way kyaml does (see `smp::merge_with_sources`).
#[derive(Debug)]
pub struct Loader {
    root: PathBuf,
    restrictor: LoadRestrictor,
    texts: RwLock<HashMap<String, Arc<str>>>,
}

/// The texts of the files a loader has read, for the duration of one merge.
pub struct Texts<'a>(RwLockReadGuard<'a, HashMap<String, Arc<str>>>);

impl SourceText for Texts<'_> {
    fn text(&self, file: &str) -> Option<&str> {
        self.0.get(file).map(|t| &**t)
    }
}

impl Loader {
    /// A loader confined to the repository at `repo_root`.
    pub fn new(repo_root: &Path, restrictor: LoadRestrictor) -> Result<Loader> {
        let root = repo_root.canonicalize().map_err(|e| {
            Error::in_file(
                &repo_root.display().to_string(),
                format!("cannot open repository root: {e}"),
            )
        })?;
        Ok(Loader {
            root,
            restrictor,
            texts: RwLock::new(HashMap::new()),
        })
    }

    /// The canonical repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The location of a directory given on the command line.
    pub fn start(&self, dir: &Path) -> Result<Location> {
        let display = normalize(dir);
        let canonical = dir
            .canonicalize()
            .map_err(|e| Error::in_file(&display, format!("cannot open: {e}")))?;
        self.confine(&canonical, &Span::file(display.as_str().into()), &display)?;
        Ok(Location {
            path: dir.to_path_buf(),
            canonical,
            display,
        })
    }

    /// Resolves `entry`, written at `span` in the kustomization in directory `base`.
    ///
    /// `kust_root` is the directory of the kustomization being built, for `RootOnly`.
    pub fn resolve(
        &self,
        base: &Location,
        kust_root: &Location,
        entry: &str,
        span: &Span,
    ) -> Result<Location> {
        if is_remote(entry) {
            return Err(Error::new(
                span.clone(),
                format!(
                    "remote resource {entry:?} is not supported: fluxval builds offline from the repository (vendor it, or let Flux fetch it with a GitRepository/OCIRepository)"
                ),
            ));
        }
        if Path::new(entry).is_absolute() {
            return Err(Error::new(
                span.clone(),
                format!(
                    "absolute path {entry:?} is not allowed: write it relative to the kustomization"
                ),
            ));
        }
        let path = base.path.join(entry);
        let display = normalize(&path);
        let canonical = match path.canonicalize() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Say "outside the repository" before "missing" when the path escapes, so a
                // probe for files beside the repository learns nothing about them.
                let lexical = normalize_path(&base.canonical.join(entry));
                self.confine(&lexical, span, &display)?;
                return Err(Error::new(
                    span.clone(),
                    format!("{display}: no such file or directory"),
                ));
            }
            Err(e) => {
                return Err(Error::new(span.clone(), format!("{display}: {e}")));
            }
        };
        self.confine(&canonical, span, &display)?;
        // A directory is a base with a root of its own; only file reads are restricted.
        if self.restrictor == LoadRestrictor::RootOnly
            && !canonical.is_dir()
            && !canonical.starts_with(&kust_root.canonical)
        {
            return Err(Error::new(
                span.clone(),
                format!(
                    "security; file '{}' is not in or below '{}' (--load-restrictor LoadRestrictionsRootOnly)",
                    display, kust_root.display
                ),
            ));
        }
        Ok(Location {
            path,
            canonical,
            display,
        })
    }

    fn confine(&self, canonical: &Path, span: &Span, display: &str) -> Result<()> {
        if canonical.starts_with(&self.root) {
            Ok(())
        } else {
            Err(Error::new(
                span.clone(),
                format!(
                    "{display:?} is outside the repository root; Flux cannot read it and neither will fluxval"
                ),
            ))
        }
    }

    /// Reads a file the loader resolved, keeping its text for later merges.
    pub fn read(&self, loc: &Location, span: &Span) -> Result<Vec<u8>> {
        if loc.path.is_dir() {
            return Err(Error::new(
                span.clone(),
                format!("'{}' must resolve to a file", loc.display),
            ));
        }
        let bytes = std::fs::read(&loc.path)
            .map_err(|e| Error::new(span.clone(), format!("cannot read {}: {e}", loc.display)))?;
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(mut texts) = self.texts.write()
        {
            texts
                .entry(loc.display.clone())
                .or_insert_with(|| Arc::from(text.strip_prefix('\u{feff}').unwrap_or(text)));
        }
        Ok(bytes)
    }

    /// The texts of every file read so far. Hold it only around a merge: reads by other
    /// threads wait for it.
    pub fn texts(&self) -> Option<Texts<'_>> {
        self.texts.read().ok().map(Texts)
    }

    /// Finds the kustomization file in `dir`: exactly one of kustomize's three names.
    pub fn kustomization_file(&self, dir: &Location, span: &Span) -> Result<Location> {
        let found: Vec<&str> = FILE_NAMES
            .iter()
            .copied()
            .filter(|n| dir.path.join(n).is_file())
            .collect();
        match found.as_slice() {
            [one] => {
                let path = dir.path.join(one);
                let canonical = path.canonicalize().map_err(|e| {
                    Error::new(span.clone(), format!("cannot open {}: {e}", path.display()))
                })?;
                let display = normalize(&path);
                self.confine(&canonical, span, &display)?;
                Ok(Location {
                    path,
                    canonical,
                    display,
                })
            }
            [] => Err(Error::new(
                span.clone(),
                format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    dir.display
                ),
            )),
            _ => Err(Error::new(
                span.clone(),
                format!("Found multiple kustomization files under: {}", dir.display),
            )),
        }
    }
}

/// Whether a `resources` entry names something remote (a URL or a git reference).
pub fn is_remote(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    [
        "http://", "https://", "git::", "ssh://", "git@", "file://", "s3::", "gcs::",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|h| lower.starts_with(h))
        || lower.contains("?ref=")
        || lower.contains("://")
}

/// Lexically normalises a path for display (`./a/../b` → `b`), keeping leading `..`.
pub fn normalize(path: &Path) -> String {
    let p = normalize_path(path);
    let s = p.to_string_lossy().to_string();
    if s.is_empty() { ".".to_string() } else { s }
}

fn normalize_path(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("./a/b/../c")), "a/c");
        assert_eq!(normalize(Path::new("../x/./y")), "../x/y");
        assert_eq!(normalize(Path::new(".")), ".");
    }

    #[test]
    fn remote_entries_are_recognised() {
        assert!(is_remote("https://github.com/x/y"));
        assert!(is_remote("github.com/fluxcd/flux2/manifests?ref=v2.0.0"));
        assert!(is_remote("git@github.com:x/y.git"));
        assert!(!is_remote("../base"));
        assert!(!is_remote("deploy.yaml"));
    }
}
