//! `fluxval validate` end to end: discover → build → validate → findings.
//!
//! One process does what CI scripts do with `kustomize build | kubeconform` per directory:
//! every kustomize root is built in parallel (bases shared), every resulting resource and every
//! plain manifest is validated against compiled-once schemas, and findings from the same source
//! line in several overlays are merged.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::changed;
use crate::checks::{self, CheckOptions, Env};
use crate::diagnostic::{Diagnostic, dedupe};
use crate::envsubst::{self, Vars};
use crate::kustomize::{BaseUses, BuildOptions, build_all_with};
use crate::repo;
use crate::resource::Resource;
use crate::schema::{Registry, SchemaError};
use crate::suppress;
use crate::validate::{ValidateOptions, add_crds, read_documents, validate_resource};

/// What to validate and how.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Files or directories to validate (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// How kustomize builds.
    pub build: BuildOptions,
    /// How each resource is validated.
    pub validate: ValidateOptions,
    /// How the Flux checks run.
    pub checks: CheckOptions,
    /// Files of values for Flux postBuild substitution (`--vars`).
    pub vars: Vec<PathBuf>,
    /// Changed-only run (`--changed-since`, `--changed-files`): report only on the roots and
    /// plain manifests these changed paths affect (see [`crate::changed`]). `None`: everything.
    pub only_files: Option<Vec<PathBuf>>,
}

/// Totals for the closing summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Resources validated (after builds), counting each overlay's copy.
    pub resources: usize,
    /// Kustomize roots built.
    pub roots: usize,
    /// Plain YAML files read.
    pub files: usize,
    /// Wall time.
    pub duration: Duration,
}

/// The result of a run: deduplicated, sorted findings and totals.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Findings, sorted by place.
    pub diagnostics: Vec<Diagnostic>,
    /// Totals.
    pub totals: Totals,
}

/// A problem that stops the run (exit code 2): an unreadable path, an unreachable schema source.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The repository could not be read.
    #[error("{0}")]
    Repo(#[from] crate::error::Error),
    /// A schema source failed.
    #[error("{0}")]
    Schema(#[from] SchemaError),
}

/// Validates every path in `config` with schemas from `registry`, then runs the Flux checks over
/// everything that was built.
pub fn run(config: &Config, registry: &Registry) -> Result<Outcome, RunError> {
    let start = Instant::now();
    let cwd = std::env::current_dir().unwrap_or_default();
    let paths = if config.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        config.paths.clone()
    };
    let mut outcome = Outcome::default();
    let mut diags = Vec::new();
    let mut repos = Vec::new();
    let mut envs: Vec<Env> = Vec::new();
    let mut plain: Vec<Resource> = Vec::new();
    // A vars file that cannot be read stops the run before anything is built.
    let vars = if config.vars.is_empty() {
        None
    } else {
        Some(Vars::load(&config.vars, |p| {
            relative_to(p, &cwd).display().to_string()
        })?)
    };
    let mut selection = config
        .only_files
        .as_ref()
        .map(|f| changed::Selection::new(f, &cwd));
    for path in &paths {
        // A file named on the command line is validated as it is, like kubeconform does,
        // whether or not a kustomization also lists it.
        let plain_files = if path.is_file() {
            vec![path.clone()]
        } else {
            let (repo, built, files) = build_roots(
                path,
                &cwd,
                config,
                &mut selection,
                &mut outcome.totals,
                &mut diags,
            )?;
            repos.push(repo);
            envs.extend(built);
            files
        };
        outcome.totals.files += plain_files
            .iter()
            .filter(|f| {
                let shown = relative_to(f, &cwd).display().to_string();
                selection.as_ref().is_none_or(|s| s.contains_file(&shown))
            })
            .count();
        for f in &plain_files {
            for doc in read_plain(&relative_to(f, &cwd).display().to_string(), f) {
                match doc {
                    Ok(r) => plain.push(r),
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    // Flux substitutes after the build and before anything is applied; without values only the
    // expressions' syntax is checked.
    for e in &mut envs {
        diags.extend(envsubst::substitute(
            &mut e.resources,
            vars.as_ref(),
            std::slice::from_ref(&e.root),
        ));
    }
    diags.extend(envsubst::substitute(&mut plain, vars.as_ref(), &[]));
    // CRDs anywhere in the tree describe custom kinds for every resource.
    for e in &envs {
        diags.extend(add_crds(registry, &e.resources));
    }
    diags.extend(add_crds(registry, &plain));
    let jobs: Vec<(Option<&str>, &Resource)> = envs
        .iter()
        .flat_map(|e| e.resources.iter().map(move |r| (Some(e.root.as_str()), r)))
        .chain(plain.iter().map(|r| (None, r)))
        // A changed-only run validates the affected roots and the changed plain files.
        .filter(|(root, r)| match (&selection, root) {
            (None, _) => true,
            (Some(s), Some(root)) => s.has_root(root),
            (Some(s), None) => s.contains_file(&r.origin.file),
        })
        .collect();
    outcome.totals.resources += jobs.len();
    let results: Vec<Result<Vec<Diagnostic>, SchemaError>> = jobs
        .par_iter()
        .map(|(root, r)| validate_resource(r, *root, registry, &config.validate))
        .collect();
    for r in results {
        diags.extend(r?);
    }
    diags.extend(checks::run(&checks::Input {
        repos: &repos,
        envs: &envs,
        plain: &plain,
        options: &config.checks,
    }));
    drop_missing_schemas_of_removed_apis(&mut diags);
    // Suppression sees merged findings, so one comment covers a line every overlay reports.
    outcome.diagnostics = suppress::apply(
        dedupe(diags),
        &config.checks.disable,
        &suppress::repo_files(&repos, &cwd),
    );
    if let Some(s) = &selection {
        outcome.diagnostics.retain(|d| s.keeps(d));
    }
    outcome.totals.duration = start.elapsed();
    Ok(outcome)
}

/// A resource whose apiVersion Flux removed (or never served) has no schema in the current
/// release by definition: `api/removed` already says so and names the fix, so the
/// `schema/missing` warning for that same resource only repeats it.
fn drop_missing_schemas_of_removed_apis(diags: &mut Vec<Diagnostic>) {
    let gone: std::collections::HashSet<(crate::resource::ResId, Vec<String>)> = diags
        .iter()
        // Findings about the resource's own apiVersion; nested ones (health checks) carry a
        // pointer.
        .filter(|d| d.rule == "api/removed" || d.rule == "api/unknown-version")
        .filter(|d| d.pointer.is_none())
        .filter_map(|d| Some((d.resource.clone()?, d.roots.clone())))
        .collect();
    if gone.is_empty() {
        return;
    }
    diags.retain(|d| {
        d.rule != "schema/missing"
            || !d
                .resource
                .as_ref()
                .is_some_and(|r| gone.contains(&(r.clone(), d.roots.clone())))
    });
}

/// What one directory argument yields: its discovery, the environments that built, and the
/// plain manifests outside every root.
type Built = (repo::Repo, Vec<Env>, Vec<PathBuf>);

/// Discovers `path` and builds its top-level kustomize roots; a root that does not build
/// becomes a located finding in `diags`.
fn build_roots(
    path: &Path,
    cwd: &Path,
    config: &Config,
    selection: &mut Option<changed::Selection>,
    totals: &mut Totals,
    diags: &mut Vec<Diagnostic>,
) -> Result<Built, RunError> {
    let root = repo::find_root(path)?;
    let found = repo::discover(&root, path)?;
    if let Some(s) = selection.as_mut() {
        s.add_repo(&found, &config.vars, cwd);
        let plain_changed = found
            .plain_yaml
            .iter()
            .any(|f| s.contains_file(&f.display().to_string()));
        if !s.everything && s.roots.is_empty() && !plain_changed {
            // Nothing here is affected: skip building entirely, so a commit that touches no
            // manifest costs only the discovery walk.
            return Ok((found, Vec::new(), Vec::new()));
        }
    }
    // Flux applies overlays, never a base or a component on its own: building only the
    // top-level roots validates every resource in the context it is deployed in, and keeps a
    // base that overlays complete from raising findings that never reach a cluster.
    let dirs: Vec<PathBuf> = found
        .kustomize_roots
        .iter()
        .filter(|r| r.is_top_level && !r.is_component)
        .map(|r| relative_to(&r.dir, cwd))
        .collect();
    totals.roots += dirs
        .iter()
        .filter(|d| {
            let shown = d.display().to_string();
            selection.as_ref().is_none_or(|s| s.has_root(&shown))
        })
        .count();
    let mut built = Vec::new();
    let results = build_all_with(&dirs, &root, &config.build, base_uses(&found))?;
    for (dir, result) in dirs.iter().zip(results) {
        let name = dir.display().to_string();
        match result {
            Ok(b) => {
                diags.extend(
                    b.unmatched_patches
                        .into_iter()
                        .map(|at| checks::hygiene::unmatched_patch(at, &name)),
                );
                built.push(Env {
                    root: name,
                    resources: b.resources,
                })
            }
            Err(e) => {
                let mut d = Diagnostic::from(e);
                d.roots.push(name);
                diags.push(d);
            }
        }
    }
    let files = found.plain_yaml.clone();
    Ok((found, built, files))
}

/// How many kustomizations include each kustomization as a base, so the build can release a
/// base after its last overlay instead of holding every base to the end.
fn base_uses(found: &repo::Repo) -> BaseUses {
    found
        .kustomize_roots
        .iter()
        .filter(|r| !r.is_component && !r.included_by.is_empty())
        .filter_map(|r| Some((r.dir.canonicalize().ok()?, r.included_by.len())))
        .collect()
}

/// The documents of a plain manifest, or a finding when it cannot be read.
fn read_plain(shown: &str, path: &Path) -> Vec<Result<Resource, Diagnostic>> {
    match std::fs::read(path) {
        Ok(bytes) => read_documents(&bytes, shown),
        Err(e) => vec![Err(Diagnostic::error(
            "yaml/invalid",
            format!("cannot read: {e}"),
            Some(crate::yaml::Span::file(shown.into())),
        ))],
    }
}

/// `path` relative to `base` when it is below it, so messages show what a person would type.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    match path.strip_prefix(base) {
        Ok(p) if p.as_os_str().is_empty() => PathBuf::from("."),
        Ok(p) => p.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}
