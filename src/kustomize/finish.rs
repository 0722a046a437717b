//! The top-level steps that end a build: hash suffixes, name references, dropping
//! local-config objects, build metadata, and kustomize's final rewrite of annotations.

use crate::error::Result;
use crate::resource::Resource;
use crate::yaml;

use super::buildmeta::{self, BuildMeta};
use super::config::TransformerConfig;

/// The top-level steps: hash suffixes, name references, dropping local-config objects, build
/// metadata.
pub(crate) fn finish(
    resources: &mut Vec<Resource>,
    config: &TransformerConfig,
    vars: &[super::vars::Var],
    meta: BuildMeta,
) -> Result<()> {
    for r in resources.iter_mut() {
        if r.generated.as_ref().is_some_and(|g| g.hash_suffix) {
            let hash = super::hash::name_hash(&r.node)?;
            r.remember_id();
            let name = format!("{}-{hash}", r.name());
            if let Some(n) = r.node.get_path_mut(&["metadata", "name"]) {
                n.value = yaml::Value::Str(name.into());
            }
        }
    }
    super::nameref::fix_name_references(resources, config)?;
    if !vars.is_empty() {
        let refs: Vec<super::vars::VarRefSpec> = config
            .var_reference
            .iter()
            .map(|f| super::vars::VarRefSpec {
                group: f.group.clone().unwrap_or_default(),
                version: f.version.clone().unwrap_or_default(),
                kind: f.kind.clone().unwrap_or_default(),
                path: f.path_string(),
            })
            .collect();
        super::vars::resolve_vars(resources, vars, &refs)?;
    }
    resources.retain(|r| {
        r.node.str_at(&[
            "metadata",
            "annotations",
            "config.kubernetes.io/local-config",
        ]) != Some("true")
    });
    if meta.managed_by {
        buildmeta::add_managed_by(resources);
    }
    for r in resources.iter_mut() {
        let drop_origin = !meta.origin && has_annotation(&r.node, buildmeta::ORIGIN);
        let drop_transformers =
            !meta.transformers && has_annotation(&r.node, buildmeta::TRANSFORMATIONS);
        if (drop_origin || drop_transformers)
            && let Some(a) = r
                .node
                .get_path_mut(&["metadata", "annotations"])
                .and_then(yaml::Node::as_map_mut)
        {
            if drop_origin {
                a.remove(buildmeta::ORIGIN);
            }
            if drop_transformers {
                a.remove(buildmeta::TRANSFORMATIONS);
            }
        }
        annotations_as_strings(&mut r.node);
    }
    Ok(())
}

/// Whether `metadata.annotations` holds `key` (asked before unsharing the tree to remove it).
fn has_annotation(node: &yaml::Node, key: &str) -> bool {
    node.get_path(&["metadata", "annotations", key]).is_some()
}

/// kustomize rewrites every object's annotations from a `map[string]string` as it finishes:
/// values become strings (a mapping or sequence becomes `""`), and an empty or null
/// `annotations` disappears.
fn annotations_as_strings(node: &mut yaml::Node) {
    // Most objects need no rewrite; asking first keeps their trees shared with the base.
    match node.get_path(&["metadata", "annotations"]) {
        None => return,
        Some(a)
            if a.as_map().is_some_and(|m| {
                !m.is_empty() && m.entries().iter().all(|e| e.value.as_str().is_some())
            }) =>
        {
            return;
        }
        Some(_) => {}
    }
    let Some(meta) = node.get_path_mut(&["metadata"]) else {
        return;
    };
    let yaml::Value::Map(meta) = &mut meta.value else {
        return;
    };
    let Some(annos) = meta.get_mut("annotations") else {
        return;
    };
    let empty = match &mut annos.value {
        yaml::Value::Map(m) => {
            for e in m.entries_mut() {
                let text = match &e.value.value {
                    yaml::Value::Str(_) => continue,
                    yaml::Value::Null => "null".to_string(),
                    yaml::Value::Bool(b) => b.to_string(),
                    yaml::Value::Int(i) => i.to_string(),
                    yaml::Value::Float(f) => super::hash::go_float(*f),
                    yaml::Value::Seq(_) | yaml::Value::Map(_) => String::new(),
                };
                e.value.value = yaml::Value::Str(text.into());
            }
            m.is_empty()
        }
        _ => true,
    };
    if empty {
        meta.remove("annotations");
    }
}
