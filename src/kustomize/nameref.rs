//! Name reference fix-up: after resources were renamed, fields that named them by their old
//! names are rewritten to the new names (kustomize's nameReference transformer).

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::resource::{Gvk, ResId, Resource};
use crate::yaml::{Entry, Node, Span, Value};

use super::config::TransformerConfig;
use super::fieldspec::{FieldSpec, Leaf, scalar_text, walk_field};
use super::scope::{NOT_A_NAMESPACE, effective_namespace, is_cluster_scoped};

/// What name reference matching needs to know about a possible target, taken before any
/// referrer is changed.
#[derive(Clone, Debug)]
struct Target {
    cur: ResId,
    prev: Vec<ResId>,
    original_ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    /// Effective current namespace and scope, computed once: every referrer compares them.
    ns: String,
    cluster: bool,
}

impl Target {
    fn of(r: &Resource) -> Target {
        let org = r.original_id();
        let cur = r.id();
        Target {
            prev: r.previous_ids.clone(),
            original_ns: effective_namespace(&org.gvk, &org.namespace),
            prefixes: r.name_prefixes.clone(),
            suffixes: r.name_suffixes.clone(),
            ns: effective_namespace(&cur.gvk, &cur.namespace),
            cluster: is_cluster_scoped(&cur.gvk),
            cur,
        }
    }

    fn cur_ns(&self) -> &str {
        &self.ns
    }

    fn cluster_scoped(&self) -> bool {
        self.cluster
    }
}

/// One field of a referrer to fix, and the kind of resource it names.
struct Rule<'a> {
    spec: &'a FieldSpec,
    target: (&'a Option<String>, &'a Option<String>, &'a Option<String>),
}

/// The referrer's side of the matching.
struct Referrer<'a> {
    me: &'a Target,
    role_ref: Option<Gvk>,
    rule: &'a Rule<'a>,
}

/// Rewrites every field named by `cfg.name_reference` that holds the original (or any earlier)
/// name of a renamed resource to that resource's current name. Candidates are chosen as
/// kustomize does: same kind, visible from the referrer's namespace, then shared name
/// prefixes/suffixes; several differing candidates are an error. Written values keep the
/// span of the field they replace.
pub fn fix_name_references(res: &mut [Resource], cfg: &TransformerConfig) -> Result<()> {
    let targets: Vec<Target> = res.iter().map(Target::of).collect();
    for r in res.iter_mut() {
        let org = r.original_id();
        let rules: Vec<Rule> = cfg
            .name_reference
            .iter()
            .flat_map(|nb| {
                nb.referrers
                    .iter()
                    .filter(|s| s.matches(&org.gvk))
                    .map(|spec| Rule {
                        spec,
                        target: (&nb.group, &nb.version, &nb.kind),
                    })
            })
            .collect();
        if rules.is_empty() {
            continue;
        }
        let me = Target::of(r);
        let visible = visible_targets(r, &me, &targets)?;
        let role_ref = role_ref_gvk(&r.node);
        let fallback = r.node.span.clone().unwrap_or_else(|| r.origin.clone());
        for rule in &rules {
            let referrer = Referrer {
                me: &me,
                role_ref: role_ref.clone(),
                rule,
            };
            // The spec is applied to the referrer's current kind whatever it selected.
            let spec = FieldSpec {
                group: None,
                version: None,
                kind: None,
                ..rule.spec.clone()
            };
            let id = r.id();
            walk_field(&mut r.node, &spec, Leaf::Nothing, &mut |n| {
                set_reference(n, &referrer, &targets, &visible, &fallback)
            })
            .map_err(|e| {
                Error::new(
                    e.span,
                    format!(
                        "updating name reference in '{}' field of '{id}': {}",
                        rule.spec.path_string(),
                        e.message
                    ),
                )
            })?;
        }
    }
    Ok(())
}

/// Indexes of resources the referrer may point at: everything for a cluster-scoped
/// referrer; else cluster-scoped targets, targets in its namespace, and for a RoleBinding
/// targets in the namespaces of its ServiceAccount subjects.
fn visible_targets(r: &Resource, me: &Target, targets: &[Target]) -> Result<Vec<usize>> {
    if me.cluster_scoped() {
        return Ok((0..targets.len()).collect());
    }
    let mut binding_ns: HashSet<String> = HashSet::new();
    if me.cur.gvk.kind == "RoleBinding"
        && let Some(subjects) = r.node.get_path(&["subjects"]).and_then(Node::as_seq)
    {
        for s in subjects {
            let Some(m) = s.as_map() else { continue };
            let (Some(ns), Some(kind)) = (m.get("namespace"), m.get("kind")) else {
                continue;
            };
            if kind.as_str() != Some("ServiceAccount") {
                continue;
            }
            match ns.as_str() {
                Some(n) => {
                    binding_ns.insert(n.to_string());
                }
                None => {
                    let span = ns.span.clone().unwrap_or_else(|| r.origin.clone());
                    return Err(Error::new(
                        span,
                        format!(
                            "Invalid Input: namespace is blank for resource \"{}\"",
                            me.cur
                        ),
                    ));
                }
            }
        }
    }
    let my_ns = me.cur_ns();
    Ok(targets
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.cluster_scoped() || t.cur_ns() == my_ns || binding_ns.contains(&t.cur.namespace)
        })
        .map(|(i, _)| i)
        .collect())
}

fn role_ref_gvk(node: &Node) -> Option<Gvk> {
    let rr = node.get_path(&["roleRef"])?;
    Some(Gvk {
        group: scalar_text(rr.get_path(&["apiGroup"])?)?,
        version: String::new(),
        kind: scalar_text(rr.get_path(&["kind"])?)?,
    })
}

fn set_reference(
    node: &mut Node,
    who: &Referrer,
    targets: &[Target],
    visible: &[usize],
    fallback: &Span,
) -> Result<()> {
    match &node.value {
        Value::Null => Ok(()),
        Value::Map(_) => set_mapping(node, who, targets, visible, fallback),
        Value::Seq(_) => {
            let span = node.span.clone().unwrap_or_else(|| fallback.clone());
            let Some(items) = node.as_seq_mut() else {
                return Ok(());
            };
            for item in items.iter_mut() {
                match &item.value {
                    Value::Null => {}
                    Value::Map(_) => set_mapping(item, who, targets, visible, fallback)?,
                    Value::Seq(_) => {
                        return Err(Error::new(
                            item.span.clone().unwrap_or_else(|| span.clone()),
                            "a name reference list must hold strings or mappings",
                        ));
                    }
                    _ => set_scalar(item, who, targets, visible)?,
                }
            }
            Ok(())
        }
        _ => set_scalar(node, who, targets, visible),
    }
}

fn set_scalar(
    node: &mut Node,
    who: &Referrer,
    targets: &[Target],
    visible: &[usize],
) -> Result<()> {
    let Some(old) = scalar_text(node) else {
        return Ok(());
    };
    let span = node
        .span
        .clone()
        .unwrap_or_else(|| Span::file("<generated>".into()));
    let Some(t) = select(&old, visible, targets, who, false, &span)? else {
        return Ok(());
    };
    if targets[t].cur.name != old {
        node.value = Value::Str(targets[t].cur.name.clone().into());
    }
    Ok(())
}

fn set_mapping(
    node: &mut Node,
    who: &Referrer,
    targets: &[Target],
    visible: &[usize],
    fallback: &Span,
) -> Result<()> {
    let span = node.span.clone().unwrap_or_else(|| fallback.clone());
    let Some(map) = node.as_map_mut() else {
        return Ok(());
    };
    let Some(old) = map.get("name").map(|n| scalar_text(n).unwrap_or_default()) else {
        return Err(Error::new(
            span,
            "path config error; no 'name' field in node",
        ));
    };
    let candidates: Vec<usize> = match map.get("namespace") {
        None => visible.to_vec(),
        Some(ns_node) => {
            let ns = scalar_text(ns_node).unwrap_or_default();
            let by_original: Vec<usize> = visible
                .iter()
                .copied()
                .filter(|&i| ns != NOT_A_NAMESPACE && targets[i].original_ns == ns)
                .collect();
            if !by_original.is_empty() {
                by_original
            } else {
                visible
                    .iter()
                    .copied()
                    .filter(|&i| ns != NOT_A_NAMESPACE && targets[i].cur_ns() == ns)
                    .collect()
            }
        }
    };
    let Some(t) = select(&old, &candidates, targets, who, true, &span)? else {
        return Ok(());
    };
    let target = &targets[t];
    if target.cur.name == old && target.cur.namespace.is_empty() {
        return Ok(());
    }
    set_field(map, "name", &target.cur.name, &span);
    if !target.cur.namespace.is_empty() {
        set_field(map, "namespace", &target.cur.namespace, &span);
    }
    Ok(())
}

fn set_field(map: &mut crate::yaml::Mapping, key: &str, value: &str, span: &Span) {
    match map.get_mut(key) {
        Some(n) => n.value = Value::Str(value.into()),
        None => map.push(Entry {
            key: key.into(),
            key_span: Some(span.clone()),
            value: Node::spanned(Value::Str(value.into()), Some(span.clone())),
        }),
    }
}

/// Whether `shorter` ends `longer` (either way round); two empty lists are equal.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

fn affixes_equal(t: &Target, me: &Target, allow_empty: bool) -> bool {
    if allow_empty {
        let prefix_ok = t.prefixes.is_empty()
            || me.prefixes.is_empty()
            || same_ending(&t.prefixes, &me.prefixes);
        let suffix_ok = t.suffixes.is_empty()
            || me.suffixes.is_empty()
            || same_ending(&t.suffixes, &me.suffixes);
        prefix_ok && suffix_ok
    } else {
        same_ending(&t.prefixes, &me.prefixes) && same_ending(&t.suffixes, &me.suffixes)
    }
}

/// Picks the one target `old` refers to, or none; several differing ones are an error.
fn select(
    old: &str,
    candidates: &[usize],
    targets: &[Target],
    who: &Referrer,
    compare_namespaces: bool,
    span: &Span,
) -> Result<Option<usize>> {
    let (g, v, k) = who.rule.target;
    let role_ref_rule = who.rule.spec.path_string().ends_with("roleRef/name");
    let me = who.me;
    let mut c: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| targets[i].prev.iter().any(|id| id.name == old))
        .filter(|&i| {
            targets[i]
                .prev
                .iter()
                .any(|id| super::fieldspec::gvk_selected(&id.gvk, g, v, k))
        })
        .filter(|&i| match (&who.role_ref, role_ref_rule) {
            (Some(rr), true) => targets[i].prev.iter().any(|id| {
                (rr.group.is_empty() || id.gvk.group == rr.group)
                    && (rr.kind.is_empty() || id.gvk.kind == rr.kind)
            }),
            _ => true,
        })
        .filter(|&i| {
            let t = &targets[i];
            me.cluster_scoped()
                || t.cluster_scoped()
                || t.cur.gvk.kind == "ServiceAccount"
                || t.cur_ns() == me.cur_ns()
        })
        .collect();
    if c.len() == 1 {
        return Ok(Some(c[0]));
    }
    c.retain(|&i| affixes_equal(&targets[i], me, true));
    if c.len() > 1 {
        c.retain(|&i| affixes_equal(&targets[i], me, false));
    }
    match c.len() {
        0 => return Ok(None),
        1 => return Ok(Some(c[0])),
        _ => {}
    }
    let first = &targets[c[0]].cur;
    let identical = c.iter().all(|&i| {
        let t = &targets[i].cur;
        t.name == first.name && (!compare_namespaces || t.namespace == first.namespace)
    });
    if identical {
        return Ok(Some(c[0]));
    }
    let ids: Vec<String> = c.iter().map(|&i| targets[i].cur.to_string()).collect();
    Err(Error::new(
        span.clone(),
        format!("found multiple possible referrals: {}", ids.join(", ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::config::defaults;
    use crate::kustomize::transform::{add_name_prefix_suffix, set_namespace};

    fn resources(text: &str) -> Vec<Resource> {
        crate::kustomize::resources::parse_resources(text.as_bytes(), "r.yaml")
            .expect("test yaml parses")
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        envFrom:\n        - configMapRef:\n            name: cfg\n      volumes:\n      - name: v\n        configMap:\n          name: cfg\n";

    #[test]
    fn renamed_configmap_is_followed_and_keeps_the_span() {
        let mut res = resources(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\n{DEPLOY}"
        ));
        add_name_prefix_suffix(&mut res, "p-", "", &defaults()).expect("prefix");
        fix_name_references(&mut res, &defaults()).expect("fix-up");
        let d = &res[1].node;
        let vols = d
            .get_path(&["spec", "template", "spec", "volumes"])
            .and_then(Node::as_seq)
            .expect("volumes");
        let name = vols[0].get_path(&["configMap", "name"]).expect("name");
        assert_eq!(name.as_str(), Some("p-cfg"));
        assert_eq!(name.span.as_ref().map(|s| s.line), Some(21));
    }

    #[test]
    fn untouched_resources_are_never_candidates() {
        let mut res = resources(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\n{DEPLOY}"
        ));
        fix_name_references(&mut res, &defaults()).expect("fix-up");
        let d = &res[1].node;
        let vols = d
            .get_path(&["spec", "template", "spec", "volumes"])
            .and_then(Node::as_seq)
            .expect("volumes");
        assert_eq!(vols[0].str_at(&["configMap", "name"]), Some("cfg"));
    }

    #[test]
    fn differing_candidates_are_an_error() {
        // Two ConfigMaps once named cfg (renamed differently) seen from a cluster-scoped
        // referrer that cannot tell them apart.
        let mut res = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: b\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- resourceNames: [cfg]\n",
        );
        res[0].remember_id();
        res[0]
            .node
            .get_path_mut(&["metadata", "name"])
            .expect("name")
            .value = Value::Str("cfg-1".into());
        res[1].remember_id();
        res[1]
            .node
            .get_path_mut(&["metadata", "name"])
            .expect("name")
            .value = Value::Str("cfg-2".into());
        let err = fix_name_references(&mut res, &defaults()).expect_err("ambiguous");
        assert!(
            err.message.contains("found multiple possible referrals"),
            "{err}"
        );
        assert_eq!(err.span.line, 18);
    }

    #[test]
    fn service_account_subject_gets_new_name_and_namespace() {
        let mut res = resources(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: r\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: default\n",
        );
        set_namespace(&mut res, "prod", &defaults()).expect("namespace");
        add_name_prefix_suffix(&mut res, "p-", "", &defaults()).expect("prefix");
        fix_name_references(&mut res, &defaults()).expect("fix-up");
        let s = &res[1]
            .node
            .get_path(&["subjects"])
            .and_then(Node::as_seq)
            .expect("subjects")[0];
        assert_eq!(s.str_at(&["name"]), Some("p-sa"));
        assert_eq!(s.str_at(&["namespace"]), Some("prod"));
    }
}
