//! What a resource can see: the scope of each place, indexed once per run.
//!
//! Overlays that are parallel variants of each other (`…/staging` and `…/production`, found as
//! sibling top-level roots that build the same object) go to different clusters, so a staging
//! object never satisfies a production reference. Every other environment (`update/`,
//! `infrastructure/configs`, the clusters' own roots) is assumed to share the cluster with all
//! variants, because Flux Kustomizations compose them there.
//!
//! So there are few distinct scopes, whatever the size of the repository: one per variant name
//! (every environment of that variant, every environment of none, the plain manifests) and
//! everything (for environments of no variant and plain manifests). [`Scopes`] builds each once
//! with an index by kind and name, so resolving a reference costs the same in a repository of
//! ten overlays and of ten thousand; scanning a scope per environment made the checks quadratic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::{Env, Input, Place};
use crate::resource::Resource;

/// One distinct scope: its members in order (environments in order, then plain manifests) and
/// indexes of them by kind and name, and by kind, name and namespace.
#[derive(Debug, Default)]
pub struct Class<'a> {
    members: Vec<(Place, &'a Resource)>,
    by_kind_name: HashMap<(&'a str, &'a str), Vec<usize>>,
    // The same name is common in every namespace (`podinfo`, `charts`): looking a reference up
    // by namespace too keeps the candidates few however many namespaces the repository has.
    by_kind_name_namespace: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

impl<'a> Class<'a> {
    fn push(&mut self, place: Place, r: &'a Resource) {
        let kind = r.node.str_at(&["kind"]).unwrap_or("");
        let i = self.members.len();
        self.by_kind_name
            .entry((kind, r.name()))
            .or_default()
            .push(i);
        self.by_kind_name_namespace
            .entry((kind, r.name(), r.namespace()))
            .or_default()
            .push(i);
        self.members.push((place, r));
    }

    /// The members of this kind and name that can be in `namespace`: those in it and those of
    /// no namespace (every member when `namespace` is empty, i.e. unknown), own first as in
    /// [`Class::named`].
    pub fn named_in(
        &self,
        kind: &str,
        name: &str,
        namespace: &str,
        own: Place,
    ) -> Vec<(Place, &'a Resource)> {
        if namespace.is_empty() {
            return self.named(kind, name, own);
        }
        let mut idx: Vec<usize> = Vec::new();
        for ns in [namespace, ""] {
            if let Some(found) = self.by_kind_name_namespace.get(&(kind, name, ns)) {
                idx.extend(found);
            }
        }
        idx.sort_unstable();
        let mut out: Vec<(Place, &'a Resource)> =
            idx.into_iter().map(|i| self.members[i]).collect();
        out.sort_by_key(|(p, _)| *p != own);
        out
    }

    /// Every member with its place.
    pub fn members(&self) -> impl Iterator<Item = (Place, &'a Resource)> + '_ {
        self.members.iter().copied()
    }

    /// The members of this kind and name, as `own` sees them: its own first, then the rest in
    /// scope order.
    pub fn named(&self, kind: &str, name: &str, own: Place) -> Vec<(Place, &'a Resource)> {
        let mut out: Vec<(Place, &'a Resource)> = self
            .by_kind_name
            .get(&(kind, name))
            .into_iter()
            .flatten()
            .map(|&i| self.members[i])
            .collect();
        // Stable: keeps scope order within each half.
        out.sort_by_key(|(p, _)| *p != own);
        out
    }
}

/// The scopes of every place of an [`Input`].
#[derive(Debug)]
pub struct Scopes<'a> {
    /// Class 0 is everything; class `k > 0` the scope of variant `k`.
    classes: Vec<Class<'a>>,
    /// Each environment's class.
    class_of_env: Vec<usize>,
}

impl<'a> Scopes<'a> {
    /// Indexes the scopes of `input`.
    pub fn new(input: &Input<'a>) -> Scopes<'a> {
        let variants: Vec<String> = variant_names(input.envs).into_iter().collect();
        let class_of_env: Vec<usize> = input
            .envs
            .iter()
            .map(|e| {
                last_component(&e.root)
                    .and_then(|n| variants.iter().position(|v| v == n))
                    .map_or(0, |k| k + 1)
            })
            .collect();
        let mut classes: Vec<Class<'a>> = (0..=variants.len()).map(|_| Class::default()).collect();
        for (i, e) in input.envs.iter().enumerate() {
            let own = class_of_env[i];
            for (k, class) in classes.iter_mut().enumerate() {
                // Everything sees every environment; a variant sees its own and the shared ones.
                if k == 0 || own == 0 || own == k {
                    for r in &e.resources {
                        class.push(Some(i), r);
                    }
                }
            }
        }
        for class in &mut classes {
            for r in input.plain {
                class.push(None, r);
            }
        }
        Scopes {
            classes,
            class_of_env,
        }
    }

    /// The scope of `place`.
    pub fn of(&self, place: Place) -> &Class<'a> {
        &self.classes[self.class_of(place)]
    }

    /// The index in [`Scopes::classes`] of the scope of `place`: places with the same index see
    /// the same resources, so a check can compute something per scope once.
    pub fn class_of(&self, place: Place) -> usize {
        place
            .and_then(|i| self.class_of_env.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The distinct scopes.
    pub fn classes(&self) -> &[Class<'a>] {
        &self.classes
    }

    /// Everything: every environment and the plain manifests.
    pub fn everything(&self) -> &Class<'a> {
        &self.classes[0]
    }

    /// The whole scope of `place` as a list: its own resources first, then the rest in order.
    pub fn resources(&self, input: &Input<'a>, place: Place) -> Vec<&'a Resource> {
        let own: &'a [Resource] = match place {
            Some(i) => input.envs.get(i).map_or(&[], |e| e.resources.as_slice()),
            None => input.plain,
        };
        let mut out: Vec<&'a Resource> = own.iter().collect();
        out.extend(
            self.of(place)
                .members()
                .filter(|(p, _)| *p != place)
                .map(|(_, r)| r),
        );
        out
    }
}

/// Names of variant overlays: last path components of sibling top-level roots (`staging`,
/// `production`) whose builds share an object (same kind, namespace and name).
///
/// One cluster cannot hold the same object twice, so siblings that build it are alternatives;
/// siblings that build different objects (`tenants/infra/components` and
/// `tenants/infra/update`) are deployed together and see each other.
pub fn variant_names(envs: &[Env]) -> BTreeSet<String> {
    let mut by_parent: BTreeMap<&Path, Vec<&Env>> = BTreeMap::new();
    for e in envs {
        if let Some(parent) = Path::new(&e.root).parent() {
            by_parent.entry(parent).or_default().push(e);
        }
    }
    let mut out = BTreeSet::new();
    for group in by_parent.into_values() {
        // Which siblings build each object; an object built by two makes both variants.
        let mut builders: HashMap<(&str, &str, &str), usize> = HashMap::new();
        let mut shares = vec![false; group.len()];
        for (i, e) in group.iter().enumerate() {
            let mut seen = BTreeSet::new();
            for r in &e.resources {
                let id = (
                    r.node.str_at(&["kind"]).unwrap_or(""),
                    r.namespace(),
                    r.name(),
                );
                if !seen.insert(id) {
                    continue;
                }
                match builders.get(&id) {
                    Some(&j) if j != i => {
                        shares[i] = true;
                        shares[j] = true;
                    }
                    Some(_) => {}
                    None => {
                        builders.insert(id, i);
                    }
                }
            }
        }
        for (e, shares) in group.iter().zip(shares) {
            if let (true, Some(name)) = (shares, last_component(&e.root)) {
                out.insert(name.to_string());
            }
        }
    }
    out
}

fn last_component(root: &str) -> Option<&str> {
    Path::new(root).file_name().and_then(|n| n.to_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOptions;
    use crate::yaml::{Limits, Profile, Span, parse_str};

    fn cm(name: &str, ns: &str) -> Resource {
        let meta = if ns.is_empty() {
            format!("{{name: {name}}}")
        } else {
            format!("{{name: {name}, namespace: {ns}}}")
        };
        let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {meta}\n");
        let node = parse_str(&text, "x.yaml", Profile::Kubernetes, Limits::default())
            .unwrap()
            .remove(0);
        Resource::new(node, Span::file("x.yaml".into()))
    }

    #[test]
    fn lookups_by_namespace_include_unknown_namespaces_and_put_the_own_place_first() {
        let envs = vec![
            Env {
                root: "apps/a".into(),
                resources: vec![cm("x", "one"), cm("x", "two")],
            },
            Env {
                root: "update/b".into(),
                resources: vec![cm("x", ""), cm("x", "one"), cm("y", "one")],
            },
        ];
        let opts = CheckOptions::default();
        let input = Input::of_envs(&envs, &opts);
        let scopes = Scopes::new(&input);
        let seen = |ns: &str, own: Place| -> Vec<(Place, String)> {
            scopes
                .of(own)
                .named_in("ConfigMap", "x", ns, own)
                .into_iter()
                .map(|(p, r)| (p, r.namespace().to_string()))
                .collect()
        };
        assert_eq!(
            seen("one", Some(1)),
            vec![
                (Some(1), String::new()),
                (Some(1), "one".into()),
                (Some(0), "one".into())
            ]
        );
        assert_eq!(seen("two", Some(0)).len(), 2);
        assert_eq!(seen("", Some(0)).len(), 4);
        assert_eq!(seen("three", Some(0)).len(), 1);
    }
}
