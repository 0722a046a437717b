//! `behavior: merge|replace`: a generated resource meeting an earlier one of the same id
//! (kustomize's resWrangler.appendReplaceOrMerge and Resource.CopyMergeMetaDataFieldsFrom).

use crate::error::{Error, Result};
use crate::resource::{Behavior, ResId, Resource};
use crate::yaml::{Mapping, Node, Span, Value};

/// The error for a generator with `behavior: create` (or none) whose id is already taken.
pub fn exists_error(id: &ResId, span: Span) -> Error {
    Error::new(
        span,
        format!("id {id} exists; behavior must be merge or replace"),
    )
}

/// The error for `behavior: merge|replace` when no resource has that id.
pub fn missing_error(id: &ResId, span: Span) -> Error {
    Error::new(
        span,
        format!("id {id} does not exist; cannot merge or replace"),
    )
}

/// Applies `new` (a generated resource with `behavior: merge` or `replace`) to `existing`, the
/// resource of the same id, leaving the result in `existing`.
///
/// As in kustomize, the result is the new resource with: labels and annotations of both (new
/// values win), the existing name and namespace (so earlier prefixes stay), and for `merge` the
/// `data` and `binaryData` of both (new values win, and an empty result drops the field). Every
/// other field, `type` and `immutable` included, comes from the new resource. The name hash is
/// kept only when both had it. A `create` behavior is [`exists_error`].
pub fn merge_into(existing: &mut Resource, new: Resource) -> Result<()> {
    let behavior = new
        .generated
        .as_ref()
        .map(|g| g.behavior)
        .unwrap_or_default();
    if behavior == Behavior::Create {
        return Err(exists_error(&existing.id(), new.origin.clone()));
    }
    let mut res = new;
    let meta_span = res.node.span.clone();
    if !matches!(res.node.value, Value::Map(_)) {
        return Err(Error::new(
            res.origin.clone(),
            "a generated resource must be a mapping",
        ));
    }
    let old_meta = existing.node.get_path(&["metadata"]).cloned();
    {
        let root = res.node.as_map_mut().ok_or_else(|| {
            Error::new(
                existing.origin.clone(),
                "a generated resource must be a mapping",
            )
        })?;
        if root.get("metadata").is_none_or(|m| m.as_map().is_none()) {
            root.insert(
                "metadata",
                Node::spanned(Value::Map(Mapping::new()), meta_span),
            );
        }
        if let Some(meta) = root.get_mut("metadata").and_then(Node::as_map_mut) {
            for field in ["labels", "annotations"] {
                let old = old_meta.as_ref().and_then(|m| m.get_path(&[field]));
                union_into(meta, field, old);
            }
            for field in ["name", "namespace"] {
                match old_meta.as_ref().and_then(|m| m.get_path(&[field])) {
                    Some(v) if v.as_str().is_some_and(|s| !s.is_empty()) => {
                        meta.insert(field, v.clone())
                    }
                    _ => {
                        meta.remove(field);
                    }
                }
            }
        }
        if behavior == Behavior::Merge {
            for field in ["data", "binaryData"] {
                union_into(root, field, existing.node.get_path(&[field]));
            }
        }
    }
    let old_hash = existing.generated.as_ref().is_some_and(|g| g.hash_suffix);
    if let Some(g) = res.generated.as_mut() {
        g.hash_suffix &= old_hash;
    }
    res.previous_ids = std::mem::take(&mut existing.previous_ids);
    *existing = res;
    Ok(())
}

/// Sets `map[field]` to the string map `old ∪ map[field]` (entries of `map[field]` win), or
/// removes the field when both are empty. Values become strings, as kustomize reads them through
/// `map[string]string`.
fn union_into(map: &mut Mapping, field: &str, old: Option<&Node>) {
    let field_span = map
        .get(field)
        .and_then(|n| n.span.clone())
        .or_else(|| old.and_then(|n| n.span.clone()));
    let mut merged = Mapping::new();
    let new_entries = map.get(field).and_then(Node::as_map).map(Mapping::entries);
    for e in old
        .and_then(Node::as_map)
        .map(Mapping::entries)
        .into_iter()
        .flatten()
        .chain(new_entries.into_iter().flatten())
    {
        let value = Node::spanned(
            Value::Str(scalar_text(&e.value).into()),
            e.value.span.clone(),
        );
        merged.insert(e.key.clone(), value);
        if let Some(last) = merged.entries_mut().iter_mut().find(|m| m.key == e.key) {
            last.key_span = e.key_span.clone();
        }
    }
    if merged.is_empty() {
        map.remove(field);
    } else {
        map.insert(field, Node::spanned(Value::Map(merged), field_span));
    }
}

/// The text kustomize sees for a scalar read as a string; collections read as "".
fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null | Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Generated;
    use crate::yaml::{Limits, Profile, parse_str};

    fn res(text: &str, generated: Option<Generated>) -> Resource {
        let node = parse_str(text, "r.yaml", Profile::Kustomize, Limits::default())
            .expect("yaml")
            .remove(0);
        let mut r = Resource::new(node, Span::file("r.yaml".into()));
        r.generated = generated;
        r
    }

    fn gen_with(behavior: Behavior, hash: bool) -> Option<Generated> {
        Some(Generated {
            hash_suffix: hash,
            behavior,
        })
    }

    #[test]
    fn merge_unions_data_and_metadata_and_keeps_the_old_name() {
        let mut old = res(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p-gen\n  namespace: ns\n  \
             labels: {l1: base, shared: base}\ndata: {a: 1, b: \"2\"}\n",
            gen_with(Behavior::Create, true),
        );
        old.previous_ids.push(ResId::default());
        let new = res(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gen\n  labels: {shared: ov}\n\
             data: {b: \"3\", c: \"4\"}\n",
            gen_with(Behavior::Merge, true),
        );
        merge_into(&mut old, new).expect("merge");
        assert_eq!(old.name(), "p-gen");
        assert_eq!(old.namespace(), "ns");
        assert_eq!(old.node.str_at(&["data", "a"]), Some("1"));
        assert_eq!(old.node.str_at(&["data", "b"]), Some("3"));
        assert_eq!(old.node.str_at(&["data", "c"]), Some("4"));
        assert_eq!(old.node.str_at(&["metadata", "labels", "l1"]), Some("base"));
        assert_eq!(
            old.node.str_at(&["metadata", "labels", "shared"]),
            Some("ov")
        );
        assert_eq!(old.previous_ids.len(), 1);
        assert_eq!(old.generated.as_ref().map(|g| g.hash_suffix), Some(true));
    }

    #[test]
    fn replace_keeps_only_new_data_and_merge_over_plain_drops_the_hash() {
        let plain = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata: {a: x}\n";
        let mut old = res(plain, None);
        let new = res(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata: {b: y}\n",
            gen_with(Behavior::Replace, true),
        );
        merge_into(&mut old, new).expect("replace");
        assert_eq!(old.node.get_path(&["data", "a"]), None);
        assert_eq!(old.node.str_at(&["data", "b"]), Some("y"));
        assert_eq!(old.generated.as_ref().map(|g| g.hash_suffix), Some(false));
    }

    #[test]
    fn merge_of_two_empty_secrets_drops_data_and_create_is_an_error() {
        let s = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: Opaque\ndata: {}\n";
        let mut old = res(s, gen_with(Behavior::Create, true));
        merge_into(&mut old, res(s, gen_with(Behavior::Merge, true))).expect("merge");
        assert_eq!(old.node.get_path(&["data"]), None);
        let e = merge_into(&mut old, res(s, gen_with(Behavior::Create, true))).expect_err("create");
        assert_eq!(
            e.message,
            "id Secret.v1.[noGrp]/s.[noNs] exists; behavior must be merge or replace"
        );
    }
}
