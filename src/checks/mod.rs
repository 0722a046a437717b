//! Flux semantics: the mistakes schema validation cannot see.
//!
//! Every check reads the same [`Input`]: the resources of each built environment (a top-level
//! kustomize root, e.g. `components/frontend/staging`), the plain manifests outside every root,
//! and what discovery learned about the repository. A check returns [`Diagnostic`]s located at the
//! node a person wrote; the pipeline merges the same finding from several overlays into one.
//!
//! Checks are grouped by domain, one module each, and list their rule ids in [`crate::rules`].

pub mod apiversions;
pub mod hygiene;
pub mod images;
pub mod markers;
pub mod re2;
pub mod references;
pub mod scalar;
pub mod scope;
pub mod semver;
pub mod sources;
pub mod tenancy;

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::repo::Repo;
use crate::resource::Resource;
use crate::yaml::{Node, Span};

pub use scope::{Class, Scopes};

/// How the checks run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// The repository is reconciled by Flux as namespace admin (`--tenant`): no cluster-scoped
    /// objects, no cross-namespace references.
    pub tenant: bool,
    /// Rule ids turned off (`--disable`, the config file's `disable:`).
    pub disable: Vec<String>,
    /// The Flux release the repository targets (`--flux-version`); `None` for the latest one
    /// fluxval knows ([`apiversions::Release::LATEST`]).
    pub flux_version: Option<apiversions::Release>,
}

/// One built environment: a top-level kustomize root and the resources its build produced.
#[derive(Clone, Debug)]
pub struct Env {
    /// The root as a person types it (`components/frontend/staging`).
    pub root: String,
    /// Its resources, in build order.
    pub resources: Vec<Resource>,
}

/// Everything the checks see.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// What discovery found, one entry per directory validated (none when only files were named).
    pub repos: &'a [Repo],
    /// Every environment that built.
    pub envs: &'a [Env],
    /// Documents of plain manifests outside every kustomize root.
    pub plain: &'a [Resource],
    /// Options.
    pub options: &'a CheckOptions,
}

/// Runs every check over `input`.
pub fn run(input: &Input) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Each domain module adds its findings here.
    out.extend(tenancy::check(input));
    out.extend(hygiene::check(input));
    out.extend(images::check(input));
    out.extend(markers::check(input));
    out.extend(apiversions::check(input));
    out.extend(references::check(input));
    out.extend(sources::check(input));
    out.sort_by_key(Diagnostic::sort_key);
    out
}

#[cfg(test)]
impl<'a> Input<'a> {
    /// An input of built environments only, the shape the checks' unit tests need.
    pub(crate) fn of_envs(envs: &'a [Env], options: &'a CheckOptions) -> Input<'a> {
        Input {
            repos: &[],
            envs,
            plain: &[],
            options,
        }
    }
}

/// Where a resource lives: the index of its environment in [`Input::envs`], or `None` for a
/// plain manifest.
pub type Place = Option<usize>;

impl<'a> Input<'a> {
    /// Every resource with its place: each environment's, then the plain manifests'.
    pub fn all(&self) -> impl Iterator<Item = (Place, &'a Resource)> + 'a {
        let envs = self.envs;
        let plain = self.plain;
        envs.iter()
            .enumerate()
            .flat_map(|(i, e)| e.resources.iter().map(move |r| (Some(i), r)))
            .chain(plain.iter().map(|r| (None, r)))
    }

    /// The root name of a place, for [`Diagnostic::roots`] (empty for plain manifests).
    pub fn roots_of(&self, place: Place) -> Vec<String> {
        place
            .and_then(|i| self.envs.get(i))
            .map(|e| vec![e.root.clone()])
            .unwrap_or_default()
    }

    /// Namespaces this repository produces: every namespace a resource is in, and every
    /// Namespace object's name.
    pub fn produced_namespaces(&self) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        for (_, r) in self.all() {
            let ns = r.namespace();
            if !ns.is_empty() {
                out.insert(ns);
            }
            if r.node.str_at(&["kind"]) == Some("Namespace")
                && r.node.str_at(&["apiVersion"]) == Some("v1")
            {
                out.insert(r.name());
            }
        }
        out
    }
}

/// The place of the node at `path` inside `res`. When the path ends early, the key of the
/// deepest field that exists (`chart:` for a missing `spec.chart.x`), then the resource's origin,
/// so a finding is never without a location.
pub fn span_at(res: &Resource, path: &[&str]) -> Span {
    let mut best = res.node.span.clone();
    let mut node: &Node = &res.node;
    for (depth, key) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        let next = if let Some(m) = node.as_map() {
            m.entry(key).map(|e| {
                // A scalar's own place for the final step; a key's place for a container, whose
                // value starts on a later line.
                let is_scalar = e.value.as_map().is_none() && e.value.as_seq().is_none();
                let here = if last && is_scalar {
                    e.value.span.clone().or(e.key_span.clone())
                } else {
                    e.key_span.clone().or(e.value.span.clone())
                };
                (&e.value, here)
            })
        } else {
            key.parse::<usize>()
                .ok()
                .and_then(|i| node.as_seq().and_then(|s| s.get(i)))
                .map(|n| (n, n.span.clone()))
        };
        match next {
            Some((n, here)) => {
                if here.is_some() {
                    best = here;
                }
                node = n;
            }
            None => break,
        }
    }
    best.unwrap_or_else(|| res.origin.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    fn res(text: &str, file: &str) -> Resource {
        let node = parse_str(text, file, Profile::Kubernetes, Limits::default())
            .unwrap()
            .remove(0);
        Resource::new(node, Span::file(file.into()))
    }

    fn env(root: &str, names: &[&str]) -> Env {
        Env {
            root: root.into(),
            resources: names
                .iter()
                .map(|n| {
                    res(
                        &format!("kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: {n}\n"),
                        "x.yaml",
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn scope_keeps_parallel_overlays_apart_and_shares_the_rest() {
        let envs = vec![
            env("components/web/staging", &["web", "s"]),
            env("components/web/production", &["web", "p"]),
            env("update", &["u"]),
        ];
        let opts = CheckOptions::default();
        let input = Input::of_envs(&envs, &opts);
        let scopes = Scopes::new(&input);
        let names: Vec<&str> = scopes
            .resources(&input, Some(0))
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(names, vec!["web", "s", "u"]);
        let names: Vec<&str> = scopes
            .resources(&input, Some(2))
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(names, vec!["u", "web", "s", "web", "p"]);
    }

    #[test]
    fn siblings_that_build_different_objects_share_a_cluster() {
        let envs = vec![
            env("tenants/infra/components", &["source"]),
            env("tenants/infra/update", &["automation"]),
        ];
        let opts = CheckOptions::default();
        let input = Input::of_envs(&envs, &opts);
        assert!(scope::variant_names(&envs).is_empty());
        let names: Vec<&str> = Scopes::new(&input)
            .resources(&input, Some(1))
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(names, vec!["automation", "source"]);
    }

    #[test]
    fn span_at_falls_back_to_the_nearest_located_ancestor() {
        let r = res(
            "kind: HelmRelease\nspec:\n  chart:\n    spec:\n      version: 1.x\n",
            "hr.yaml",
        );
        assert_eq!(
            span_at(&r, &["spec", "chart", "spec", "version"]).to_string(),
            "hr.yaml:5:16"
        );
        assert_eq!(
            span_at(&r, &["spec", "chart", "missing"]).to_string(),
            "hr.yaml:3:3"
        );
    }
}
