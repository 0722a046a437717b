//! The field-spec driven built-in transformers: namespace, name prefix and suffix, labels and
//! annotations, as kustomize v5.5.0 applies them.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::resource::{Gvk, Resource};
use crate::yaml::{Entry, Node, Span, Value};

use super::config::{TransformerConfig, merge_spec, merge_specs};
use super::fieldspec::{FieldSpec, Leaf, scalar_text, walk_field};
use super::scope::{IdKey, id_key, is_cluster_scoped};

/// How the namespace transformer treats `subjects` of RoleBindings and ClusterRoleBindings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubjectMode {
    /// Only subjects named `default` (kustomize's default, used by `namespace:`).
    #[default]
    DefaultOnly,
    /// Every ServiceAccount subject.
    AllServiceAccounts,
    /// No subjects.
    None,
}

/// Options of the NamespaceTransformer plugin; `namespace:` in a kustomization uses the
/// defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceOptions {
    /// Only fill namespaces that are unset or empty.
    pub unset_only: bool,
    /// Which binding subjects get the namespace.
    pub subjects: SubjectMode,
    /// Where the namespace was written (the kustomization's `namespace:` value): the values set
    /// take this origin, so a finding about them points at the line that chose them.
    pub origin: Option<Span>,
}

fn res_span(r: &Resource) -> Span {
    r.node.span.clone().unwrap_or_else(|| r.origin.clone())
}

fn node_span(n: &Node, fallback: &Span) -> Span {
    n.span.clone().unwrap_or_else(|| fallback.clone())
}

fn is_nil_or_empty(n: &Node) -> bool {
    match &n.value {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Runs `spec` over a resource when it selects the resource's current kind, naming the
/// resource in errors.
fn apply_spec(
    r: &mut Resource,
    spec: &FieldSpec,
    leaf: Leaf,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    if !spec.matches(&r.gvk()) {
        return Ok(());
    }
    let id = r.id();
    walk_field(&mut r.node, spec, leaf, f).map_err(|e| {
        Error::new(
            e.span,
            format!(
                "considering field '{}' of object {id}: {}",
                spec.path_string(),
                e.message
            ),
        )
    })
}

/// Sets a scalar to `value`, keeping its place; anything but a scalar or null is refused.
fn set_scalar(node: &mut Node, value: &str, what: &str, fallback: &Span) -> Result<()> {
    match node.value {
        Value::Seq(_) | Value::Map(_) => Err(Error::new(
            node_span(node, fallback),
            format!(
                "{what} field specs must target scalar nodes, not a {}",
                node.type_name()
            ),
        )),
        _ => {
            node.value = Value::Str(value.into());
            Ok(())
        }
    }
}

/// kustomize's `namespace:`: sets `metadata.namespace` on every namespaced resource, the
/// namespace fields of `cfg.namespace` (a v1 Namespace is renamed to it), and the namespace of
/// binding subjects named `default`.
pub fn set_namespace(res: &mut [Resource], ns: &str, cfg: &TransformerConfig) -> Result<()> {
    set_namespace_with(res, ns, &cfg.namespace, NamespaceOptions::default())
}

/// [`set_namespace`], giving the values it sets the origin `at` (where the namespace was written).
pub fn set_namespace_at(
    res: &mut [Resource],
    ns: &str,
    at: &Span,
    cfg: &TransformerConfig,
) -> Result<()> {
    let opts = NamespaceOptions {
        origin: Some(at.clone()),
        ..NamespaceOptions::default()
    };
    set_namespace_with(res, ns, &cfg.namespace, opts)
}

/// The NamespaceTransformer with explicit field specs and options.
pub fn set_namespace_with(
    res: &mut [Resource],
    ns: &str,
    specs: &[FieldSpec],
    opts: NamespaceOptions,
) -> Result<()> {
    if ns.is_empty() {
        return Ok(());
    }
    // How many resources hold each id right now (by effective namespace), kept up to
    // date as each one moves, instead of comparing each with all the others.
    let mut held: HashMap<IdKey, usize> = HashMap::new();
    for r in res.iter() {
        *held.entry(id_key(&r.id())).or_default() += 1;
    }
    for r in res.iter_mut() {
        if is_nil_or_empty(&r.node) {
            continue;
        }
        let before = id_key(&r.id());
        r.remember_id();
        namespace_one(r, ns, specs, &opts)?;
        let id = r.id();
        if let Some(n) = held.get_mut(&before) {
            *n -= 1;
            // Moved away: forgetting it keeps the map at one entry per resource, not two.
            if *n == 0 {
                held.remove(&before);
            }
        }
        let same = held.entry(id_key(&id)).or_default();
        *same += 1;
        if *same != 1 {
            return Err(Error::new(
                res_span(r),
                format!("namespace transformation produces ID conflict: {id}"),
            ));
        }
    }
    Ok(())
}

fn namespace_one(
    r: &mut Resource,
    ns: &str,
    specs: &[FieldSpec],
    opts: &NamespaceOptions,
) -> Result<()> {
    let fallback = res_span(r);
    let gvk = r.gvk();
    let api_version = r
        .node
        .str_at(&["apiVersion"])
        .unwrap_or_default()
        .to_string();
    let binding = is_binding(&gvk);
    // metadata/namespace is handled below; metadata/name only renames the core v1 Namespace;
    // subjects are handled by the binding rule.
    let specs: Vec<&FieldSpec> = specs
        .iter()
        .filter(|s| s.path != ["metadata", "namespace"])
        .filter(|s| api_version == "v1" || s.path != ["metadata", "name"])
        .filter(|s| {
            !(binding
                && s.path == ["subjects", "namespace"]
                && matches!(
                    s.kind.as_deref(),
                    Some("RoleBinding" | "ClusterRoleBinding")
                ))
        })
        .collect();
    let unset_only = opts.unset_only;
    let origin = opts.origin.clone();
    let mut setter = |n: &mut Node| -> Result<()> {
        if unset_only && scalar_text(n).is_some_and(|s| !s.is_empty()) {
            return Ok(());
        }
        set_scalar(n, ns, "namespace", &fallback)?;
        if let Some(at) = &origin {
            n.span = Some(at.clone());
        }
        Ok(())
    };
    if !is_cluster_scoped(&gvk) {
        let meta_ns = FieldSpec::any("metadata/namespace", true);
        apply_spec(r, &meta_ns, Leaf::Scalar, &mut setter)?;
    }
    if binding {
        namespace_subjects(r, opts.subjects, &mut setter)?;
    }
    for spec in specs {
        apply_spec(r, spec, Leaf::Scalar, &mut setter)?;
    }
    Ok(())
}

fn is_binding(gvk: &Gvk) -> bool {
    gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding"
}

fn namespace_subjects(
    r: &mut Resource,
    mode: SubjectMode,
    setter: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    if mode == SubjectMode::None {
        return Ok(());
    }
    let fallback = res_span(r);
    let Some(subjects) = r.node.as_map_mut().and_then(|m| m.get_mut("subjects")) else {
        return Ok(());
    };
    let span = node_span(subjects, &fallback);
    let items = match &mut subjects.value {
        Value::Null => return Ok(()),
        Value::Seq(items) => items,
        _ => {
            return Err(Error::new(
                span,
                "setting namespace on (cluster)role binding subjects: subjects must be a list",
            ));
        }
    };
    for item in items.iter_mut() {
        let item_span = node_span(item, &span);
        let Some(map) = item.as_map_mut() else {
            continue;
        };
        let (field, wanted) = match mode {
            SubjectMode::DefaultOnly => ("name", "default"),
            _ => ("kind", "ServiceAccount"),
        };
        if map.get(field).and_then(scalar_text).as_deref() != Some(wanted) {
            continue;
        }
        if !map.contains_key("namespace") {
            map.push(Entry {
                key: "namespace".into(),
                key_span: Some(item_span.clone()),
                value: Node::spanned(
                    Value::Str(crate::yaml::CompactString::default()),
                    Some(item_span.clone()),
                ),
            });
        }
        if let Some(n) = map.get_mut("namespace") {
            setter(n)?;
        }
    }
    Ok(())
}

/// Whether the prefix/suffix transformers leave a resource alone (by its original kind).
fn affix_skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// `namePrefix` then `nameSuffix` over the fields of `cfg` (CRDs, APIServices and Namespaces
/// keep their names). Renamed resources remember their old id and the affix.
pub fn add_name_prefix_suffix(
    res: &mut [Resource],
    prefix: &str,
    suffix: &str,
    cfg: &TransformerConfig,
) -> Result<()> {
    if !prefix.is_empty() {
        affix(res, prefix, &cfg.name_prefix, true)?;
    }
    if !suffix.is_empty() {
        affix(res, suffix, &cfg.name_suffix, false)?;
    }
    Ok(())
}

/// The PrefixTransformer (`is_prefix`) or SuffixTransformer with explicit field specs.
pub fn add_affix(
    res: &mut [Resource],
    affix_text: &str,
    specs: &[FieldSpec],
    is_prefix: bool,
) -> Result<()> {
    affix(res, affix_text, specs, is_prefix)
}

fn affix(res: &mut [Resource], affix: &str, specs: &[FieldSpec], is_prefix: bool) -> Result<()> {
    for r in res.iter_mut() {
        let org = r.original_id();
        if affix_skipped(&org.gvk) {
            continue;
        }
        for spec in specs {
            if !spec.matches(&org.gvk) {
                continue;
            }
            if spec.path == ["metadata", "name"] {
                if is_prefix {
                    r.name_prefixes.push(affix.to_string());
                } else {
                    r.name_suffixes.push(affix.to_string());
                }
                r.remember_id();
            }
            let fallback = res_span(r);
            apply_spec(r, spec, Leaf::Scalar, &mut |n| {
                let old = scalar_text(n).unwrap_or_default();
                let new = if is_prefix {
                    format!("{affix}{old}")
                } else {
                    format!("{old}{affix}")
                };
                set_scalar(n, &new, "name", &fallback)
            })?;
        }
    }
    Ok(())
}

/// The fields one `labels:` entry sets: its own `extra` specs, `cfg.labels`, then either all
/// commonLabels fields (`includeSelectors`) or `metadata/labels` plus, with
/// `includeTemplates`, the template label fields.
pub fn label_field_specs(
    include_selectors: bool,
    include_templates: bool,
    extra: &[FieldSpec],
    cfg: &TransformerConfig,
    span: &Span,
) -> Result<Vec<FieldSpec>> {
    let mut out: Vec<FieldSpec> = Vec::new();
    merge_specs(&mut out, extra.to_vec(), span)?;
    merge_specs(&mut out, cfg.labels.clone(), span)?;
    if include_selectors {
        merge_specs(&mut out, cfg.common_labels.clone(), span)?;
    } else {
        if include_templates {
            merge_specs(&mut out, cfg.template_labels.clone(), span)?;
        }
        merge_spec(&mut out, FieldSpec::any("metadata/labels", true), span)?;
    }
    Ok(out)
}

/// One `labels:` entry (`includeSelectors`, `includeTemplates`); each value keeps the span of
/// the entry that set it.
pub fn add_labels(
    res: &mut [Resource],
    pairs: &[(String, String, Span)],
    include_selectors: bool,
    include_templates: bool,
    cfg: &TransformerConfig,
) -> Result<()> {
    let Some((_, _, span)) = pairs.first() else {
        return Ok(());
    };
    let specs = label_field_specs(include_selectors, include_templates, &[], cfg, span)?;
    set_entries(res, pairs, &specs)
}

/// `commonLabels`: labels, selectors and template labels per `cfg.common_labels`.
pub fn add_common_labels(
    res: &mut [Resource],
    pairs: &[(String, String, Span)],
    cfg: &TransformerConfig,
) -> Result<()> {
    set_entries(res, pairs, &cfg.common_labels)
}

/// `commonAnnotations`, on the object and its templates per `cfg.common_annotations`.
pub fn add_annotations(
    res: &mut [Resource],
    pairs: &[(String, String, Span)],
    cfg: &TransformerConfig,
) -> Result<()> {
    set_entries(res, pairs, &cfg.common_annotations)
}

/// Sets `key: value` entries (in key order) in every mapping the specs name, creating the
/// mappings where a spec says so.
pub fn set_entries(
    res: &mut [Resource],
    pairs: &[(String, String, Span)],
    specs: &[FieldSpec],
) -> Result<()> {
    let mut sorted: Vec<&(String, String, Span)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for r in res.iter_mut() {
        if is_nil_or_empty(&r.node) {
            continue;
        }
        let fallback = res_span(r);
        for (key, value, span) in &sorted {
            for spec in specs {
                apply_spec(r, spec, Leaf::Map, &mut |n| {
                    set_entry(n, key, value, span, &fallback)
                })?;
            }
        }
    }
    Ok(())
}

fn set_entry(node: &mut Node, key: &str, value: &str, span: &Span, fallback: &Span) -> Result<()> {
    // kustomize leaves an existing null alone: it only turns fields it creates into mappings.
    if node.is_null() {
        return Ok(());
    }
    let at = node_span(node, fallback);
    let Some(map) = node.as_map_mut() else {
        return Err(Error::new(
            at,
            format!(
                "wrong node kind: expected a mapping but got a {}",
                node.type_name()
            ),
        ));
    };
    let new = Node::spanned(Value::Str(value.into()), Some(span.clone()));
    match map.get_mut(key) {
        Some(existing) => *existing = new,
        None => map.push(Entry {
            key: key.into(),
            key_span: Some(span.clone()),
            value: new,
        }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::config::defaults;

    fn resources(text: &str) -> Vec<Resource> {
        crate::kustomize::resources::parse_resources(text.as_bytes(), "r.yaml")
            .expect("test yaml parses")
    }

    fn pair(k: &str, v: &str) -> (String, String, Span) {
        (
            k.into(),
            v.into(),
            Span::new("kustomization.yaml".into(), 7, 3),
        )
    }

    #[test]
    fn namespace_skips_cluster_scoped_and_renames_namespace_objects() {
        let mut res = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n",
        );
        set_namespace(&mut res, "prod", &defaults()).expect("namespace applies");
        assert_eq!(res[0].namespace(), "prod");
        assert_eq!(res[0].original_id().namespace, "");
        assert_eq!(res[1].namespace(), "");
        assert_eq!(res[2].name(), "prod");
        assert_eq!(res[2].namespace(), "");
    }

    #[test]
    fn namespace_refuses_to_merge_two_objects_into_one_id() {
        let two = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: y\n";
        let err = set_namespace(&mut resources(two), "prod", &defaults())
            .expect_err("both become prod/a");
        assert!(
            err.to_string().contains(
                "namespace transformation produces ID conflict: ConfigMap.v1.[noGrp]/a.prod"
            ),
            "{err}"
        );
        // Different names, or one object moved onto its own id, are fine.
        let distinct = two.replacen("name: a", "name: b", 1);
        set_namespace(&mut resources(&distinct), "prod", &defaults()).expect("no conflict");
        let mut one =
            resources("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: prod\n");
        set_namespace(&mut one, "prod", &defaults()).expect("no conflict");
    }

    #[test]
    fn namespace_sets_default_named_subjects_only() {
        let mut res = resources(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\nsubjects:\n- kind: ServiceAccount\n  name: default\n- kind: ServiceAccount\n  name: other\n  namespace: x\n",
        );
        set_namespace(&mut res, "prod", &defaults()).expect("namespace applies");
        let subjects = res[0]
            .node
            .get_path(&["subjects"])
            .and_then(Node::as_seq)
            .expect("seq");
        assert_eq!(subjects[0].str_at(&["namespace"]), Some("prod"));
        assert_eq!(subjects[1].str_at(&["namespace"]), Some("x"));
    }

    #[test]
    fn namespace_conflict_is_an_error() {
        let mut res = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: prod\n",
        );
        let err = set_namespace(&mut res, "prod", &defaults()).expect_err("conflict");
        assert!(err.message.contains("ID conflict"));
    }

    #[test]
    fn prefix_skips_crds_and_records_ids() {
        let mut res = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: xs.example.com\n",
        );
        add_name_prefix_suffix(&mut res, "p-", "-s", &defaults()).expect("affixes apply");
        assert_eq!(res[0].name(), "p-a-s");
        assert_eq!(res[0].original_id().name, "a");
        assert_eq!(res[0].name_prefixes, vec!["p-"]);
        assert_eq!(res[0].name_suffixes, vec!["-s"]);
        assert_eq!(res[1].name(), "xs.example.com");
        assert!(res[1].previous_ids.is_empty());
    }

    #[test]
    fn labels_without_selectors_leave_selectors_alone() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels:\n      app: d\n  template:\n    metadata:\n      labels:\n        app: d\n";
        let mut res = resources(text);
        add_labels(&mut res, &[pair("team", "x")], false, true, &defaults()).expect("labels");
        let n = &res[0].node;
        assert_eq!(n.str_at(&["metadata", "labels", "team"]), Some("x"));
        assert_eq!(
            n.str_at(&["spec", "template", "metadata", "labels", "team"]),
            Some("x")
        );
        assert_eq!(n.str_at(&["spec", "selector", "matchLabels", "team"]), None);
        let v = n.get_path(&["metadata", "labels", "team"]).expect("set");
        assert_eq!(v.span.as_ref().map(|s| s.line), Some(7));

        let mut res = resources(text);
        add_common_labels(&mut res, &[pair("team", "x")], &defaults()).expect("labels");
        let n = &res[0].node;
        assert_eq!(
            n.str_at(&["spec", "selector", "matchLabels", "team"]),
            Some("x")
        );
    }

    #[test]
    fn annotations_reach_cronjob_templates() {
        let mut res = resources(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec: {}\n",
        );
        add_annotations(&mut res, &[pair("a", "b")], &defaults()).expect("annotations");
        let n = &res[0].node;
        assert_eq!(n.str_at(&["metadata", "annotations", "a"]), Some("b"));
        assert_eq!(
            n.str_at(&["spec", "jobTemplate", "metadata", "annotations", "a"]),
            Some("b")
        );
        assert_eq!(
            n.str_at(&[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "metadata",
                "annotations",
                "a"
            ]),
            Some("b")
        );
    }

    #[test]
    fn namespace_plugin_options() {
        let text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: keep\nsubjects:\n- kind: ServiceAccount\n  name: sa\n- kind: User\n  name: u\n";
        let mut res = resources(text);
        let opts = NamespaceOptions {
            unset_only: true,
            subjects: SubjectMode::AllServiceAccounts,
            origin: None,
        };
        set_namespace_with(&mut res, "prod", &defaults().namespace, opts).expect("applies");
        assert_eq!(res[0].namespace(), "keep");
        let subjects = res[0]
            .node
            .get_path(&["subjects"])
            .and_then(Node::as_seq)
            .expect("seq");
        assert_eq!(subjects[0].str_at(&["namespace"]), Some("prod"));
        assert_eq!(subjects[1].str_at(&["namespace"]), None);
    }

    #[test]
    fn created_namespace_points_at_metadata() {
        let mut res = resources("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
        set_namespace(&mut res, "prod", &defaults()).expect("applies");
        let ns = res[0]
            .node
            .get_path(&["metadata", "namespace"])
            .expect("created");
        let meta = res[0].node.get_path(&["metadata"]).expect("metadata");
        assert!(ns.span.is_some());
        assert_eq!(ns.span, meta.span);
    }

    #[test]
    fn labels_on_a_scalar_are_an_error_but_null_is_left_alone() {
        let mut res = resources(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  selector:\n    matchLabels:\n",
        );
        add_common_labels(&mut res, &[pair("a", "b")], &defaults()).expect("null is skipped");
        assert!(
            res[0]
                .node
                .get_path(&["spec", "selector", "matchLabels"])
                .is_some_and(Node::is_null)
        );
        let mut res =
            resources("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: x\n");
        let err = add_common_labels(&mut res, &[pair("a", "b")], &defaults()).expect_err("scalar");
        assert!(err.message.contains("metadata/labels"), "{err}");
        assert_eq!(err.span.line, 5);
    }
}
