//! `ref/depends-on-cycle`: HelmReleases and Flux Kustomizations whose `dependsOn` entries lead
//! back to themselves never become ready. The graph is built per environment from everything in
//! its scope, and each cycle is reported once, at the `dependsOn` entry of its first member (by
//! kind, namespace, name) that points to the next member.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::extract::{Ref, refs_of};
use crate::checks::{Input, Place, Scopes, span_at};
use crate::diagnostic::Diagnostic;
use crate::resource::Resource;

/// A node of the dependency graph: kind, namespace, name.
type Key = (String, String, String);

/// The dependency graph: each node's resource and its dependsOn edges with the reference that
/// makes each.
type Graph<'a> = BTreeMap<Key, (&'a Resource, Vec<(Key, Ref)>)>;

fn key_of(r: &Resource) -> Key {
    (
        r.gvk().kind,
        r.namespace().to_string(),
        r.name().to_string(),
    )
}

fn show(k: &Key) -> String {
    if k.1.is_empty() {
        k.2.clone()
    } else {
        format!("{}/{}", k.1, k.2)
    }
}

/// The cycles of every environment (and of the plain manifests).
///
/// Places that share a scope share one graph, built once; a place's own resources take
/// precedence over the scope's for their keys, and only cycles through its own nodes are its
/// to report, so the work per place is its own size, not the repository's.
pub fn check(input: &Input, scopes: &Scopes) -> Vec<Diagnostic> {
    let mut places: Vec<Place> = (0..input.envs.len()).map(Some).collect();
    if !input.plain.is_empty() {
        places.push(None);
    }
    let mut graphs: Vec<Option<Graph>> = scopes.classes().iter().map(|_| None).collect();
    let mut out = Vec::new();
    for place in places {
        let own: &[Resource] = match place {
            Some(i) => &input.envs[i].resources,
            None => input.plain,
        };
        let k = scopes.class_of(place);
        let shared = graphs[k]
            .get_or_insert_with(|| graph_of(scopes.classes()[k].members().map(|(_, r)| r)));
        let own_graph = graph_of(own.iter());
        let own_keys: BTreeSet<Key> = own.iter().map(key_of).collect();
        out.extend(cycles_in(input, place, &own_keys, &own_graph, shared));
    }
    out
}

/// The dependsOn graph of `resources`: the first resource of a key wins.
fn graph_of<'a>(resources: impl Iterator<Item = &'a Resource>) -> Graph<'a> {
    let mut nodes: Graph = BTreeMap::new();
    for r in resources {
        // Most resources have no dependsOn; skip them before extracting every reference.
        if r.node.get_path(&["spec", "dependsOn"]).is_none() {
            continue;
        }
        let deps: Vec<Ref> = refs_of(r).into_iter().filter(|d| d.depends_on).collect();
        let k = key_of(r);
        if deps.is_empty() || nodes.contains_key(&k) {
            continue;
        }
        let edges = deps
            .into_iter()
            .filter(|d| !d.name.contains("${") && !d.namespace.contains("${"))
            .map(|d| ((d.kind.clone(), d.namespace.clone(), d.name.clone()), d))
            .collect();
        nodes.insert(k, (r, edges));
    }
    nodes
}

/// A graph seen from one place: its own nodes over the scope's.
struct View<'g, 'a> {
    own: &'g Graph<'a>,
    shared: &'g Graph<'a>,
}

impl<'g, 'a> View<'g, 'a> {
    fn get(&self, k: &Key) -> Option<&'g (&'a Resource, Vec<(Key, Ref)>)> {
        self.own.get(k).or_else(|| self.shared.get(k))
    }
}

fn cycles_in(
    input: &Input,
    place: Place,
    own_keys: &BTreeSet<Key>,
    own: &Graph,
    shared: &Graph,
) -> Vec<Diagnostic> {
    let view = View { own, shared };
    let mut reported: BTreeSet<Key> = BTreeSet::new();
    let mut out = Vec::new();
    // A cycle is reported once, at its least member, by the place that owns that member.
    for start in own_keys {
        let Some((res, edges)) = view.get(start) else {
            continue;
        };
        if reported.contains(start) {
            continue;
        }
        // The shortest way back to `start` through its own edges, in the order written.
        for (next, rf) in edges {
            let Some(path) = path_back(&view, next, start) else {
                continue;
            };
            if path.iter().any(|k| k < start) {
                continue;
            }
            reported.extend(path.iter().cloned());
            let mut names: Vec<String> = vec![show(start)];
            names.extend(path.iter().map(show));
            let p: Vec<&str> = rf.path.iter().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                "ref/depends-on-cycle",
                format!("dependsOn cycle among {}s: {}", start.0, names.join(" -> ")),
                Some(span_at(res, &p)),
            )
            .with_resource(res.id());
            for k in path.iter().filter(|k| *k != start) {
                if let Some((r, _)) = view.get(k) {
                    d = d.with_label(
                        r.origin.clone(),
                        format!("{} is part of the cycle", show(k)),
                    );
                }
            }
            d.roots = input.roots_of(place);
            out.push(d);
            break;
        }
    }
    out
}

/// The keys from `from` to `to` along dependsOn edges (both included), breadth first.
fn path_back(nodes: &View, from: &Key, to: &Key) -> Option<Vec<Key>> {
    let mut prev: BTreeMap<Key, Key> = BTreeMap::new();
    let mut queue = VecDeque::from([from.clone()]);
    let mut seen = BTreeSet::from([from.clone()]);
    while let Some(k) = queue.pop_front() {
        if &k == to {
            let mut path = vec![k.clone()];
            let mut cur = k;
            while let Some(p) = prev.get(&cur) {
                path.push(p.clone());
                cur = p.clone();
            }
            path.reverse();
            return Some(path);
        }
        let Some((_, edges)) = nodes.get(&k) else {
            continue;
        };
        for (n, _) in edges {
            if seen.insert(n.clone()) {
                prev.insert(n.clone(), k.clone());
                queue.push_back(n.clone());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckOptions, Env};
    use crate::yaml::{Limits, Profile, Span, parse_str};

    fn ks(name: &str, deps: &[&str]) -> String {
        let deps: Vec<String> = deps.iter().map(|d| format!("{{name: {d}}}")).collect();
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  dependsOn: [{}]\n",
            deps.join(", ")
        )
    }

    fn found(envs: &[(&str, Vec<String>)]) -> Vec<(String, String, Vec<String>)> {
        let envs: Vec<Env> = envs
            .iter()
            .map(|(root, docs)| Env {
                root: root.to_string(),
                resources: docs
                    .iter()
                    .map(|t| {
                        let n = parse_str(t, "k.yaml", Profile::Kubernetes, Limits::default())
                            .unwrap()
                            .remove(0);
                        Resource::new(n, Span::file("k.yaml".into()))
                    })
                    .collect(),
            })
            .collect();
        let opts = CheckOptions::default();
        let input = Input::of_envs(&envs, &opts);
        check(&input, &crate::checks::Scopes::new(&input))
            .into_iter()
            .map(|d| {
                let who = d.resource.map(|r| r.name).unwrap_or_default();
                (who, d.message, d.roots)
            })
            .collect()
    }

    #[test]
    fn a_cycle_is_reported_once_at_its_least_member() {
        let got = found(&[(
            "infra",
            vec![
                ks("c", &["a"]),
                ks("b", &["c"]),
                ks("a", &["b"]),
                ks("d", &["a"]),
            ],
        )]);
        assert_eq!(
            got,
            vec![(
                "a".to_string(),
                "dependsOn cycle among Kustomizations: ns/a -> ns/b -> ns/c -> ns/a".to_string(),
                vec!["infra".to_string()]
            )]
        );
    }

    #[test]
    fn self_dependency_and_acyclic_graphs() {
        assert_eq!(
            found(&[("x", vec![ks("a", &["a"])])])[0].1,
            "dependsOn cycle among Kustomizations: ns/a -> ns/a"
        );
        assert!(
            found(&[(
                "x",
                vec![ks("a", &["b"]), ks("b", &[]), ks("c", &["a", "b"])]
            )])
            .is_empty()
        );
    }

    #[test]
    fn cycles_are_per_environment() {
        // Staging and production build the same objects (variants): production alone closes
        // the cycle.
        let got = found(&[
            ("web/staging", vec![ks("a", &["b"]), ks("b", &[])]),
            ("web/production", vec![ks("a", &["b"]), ks("b", &["a"])]),
        ]);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0].2, vec!["web/production".to_string()]);
    }
}
