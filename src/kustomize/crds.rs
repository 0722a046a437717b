//! The kustomization's `crds:` and `openapi:` fields.
//!
//! `crds:` lists OpenAPI definitions of custom types whose `x-kubernetes-*` extensions say which
//! of their fields hold names, labels or annotations.
//!
//! Each file maps a type name (`example.com/pkg/apis/v1.MyKind`) to `{Schema, Dependencies}`.
//! For every type that looks like a Kubernetes object (its properties include `kind`,
//! `apiVersion` and `metadata`), the properties are walked, following `$ref`s into other
//! definitions, and each marked property becomes a field spec for the type's kind:
//! `x-kubernetes-annotation` (commonAnnotations), `x-kubernetes-label-selector`
//! (commonLabels), `x-kubernetes-identity` (namePrefix), and
//! `x-kubernetes-object-ref-api-version` with `x-kubernetes-object-ref-kind` (a name
//! reference, through `x-kubernetes-object-ref-name-key`, `name` by default).

use crate::error::{Error, Result};
use crate::yaml::{Mapping, Node, Span, Value};

use super::config::{NameBackRef, TransformerConfig, merge_spec, merge_specs};
use super::fieldspec::FieldSpec;

/// How deep `$ref`s are followed; kustomize has no bound, but a self-referring type would
/// recurse forever.
const MAX_DEPTH: usize = 64;

/// The configuration one `crds:` file adds.
pub fn config_from_crds(doc: &Node, at: &Span) -> Result<TransformerConfig> {
    let defs = doc.as_map().ok_or_else(|| {
        Error::new(
            doc.span.clone().unwrap_or_else(|| at.clone()),
            "unable to parse open API definition: expected a mapping of type names",
        )
    })?;
    let mut out = TransformerConfig::default();
    for e in defs.entries() {
        let Some(props) = properties(defs, &e.key) else {
            continue;
        };
        if !["kind", "apiVersion", "metadata"]
            .iter()
            .all(|k| props.contains_key(k))
        {
            continue;
        }
        let kind = e.key.rsplit('.').next().unwrap_or(&e.key).to_string();
        let mut one = TransformerConfig::default();
        load(&mut one, &kind, defs, &e.key, &mut Vec::new(), at)?;
        out.merge(one, at)?;
    }
    Ok(out)
}

/// Looks a key up as Go's encoding/json would: exactly, else without regard to case.
fn get_folded<'a>(m: &'a Mapping, key: &str) -> Option<&'a Node> {
    m.get(key).or_else(|| {
        m.entries()
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| &e.value)
    })
}

/// The `properties` of the schema of the definition `name`.
fn properties<'a>(defs: &'a Mapping, name: &str) -> Option<&'a Mapping> {
    let def = defs.get(name)?.as_map()?;
    get_folded(def, "Schema")?
        .as_map()?
        .get("properties")?
        .as_map()
}

/// A string-valued vendor extension (kube-openapi keeps only string values for these lookups,
/// and matches the key without regard to case).
fn extension<'a>(prop: &'a Mapping, key: &str) -> Option<&'a str> {
    prop.entries()
        .iter()
        .find(|e| e.key.eq_ignore_ascii_case(key))
        .and_then(|e| match &e.value.value {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
}

fn load(
    cfg: &mut TransformerConfig,
    kind: &str,
    defs: &Mapping,
    type_name: &str,
    path: &mut Vec<String>,
    at: &Span,
) -> Result<()> {
    if path.len() > MAX_DEPTH {
        return Ok(());
    }
    let Some(props) = properties(defs, type_name) else {
        return Ok(());
    };
    for e in props.entries() {
        let Some(prop) = e.value.as_map() else {
            continue;
        };
        path.push(e.key.to_string());
        let spec = |path: &[String]| FieldSpec::new(None, None, Some(kind), &path.join("/"), false);
        if extension(prop, "x-kubernetes-annotation").is_some() {
            merge_spec(&mut cfg.common_annotations, spec(path), at)?;
        }
        if extension(prop, "x-kubernetes-label-selector").is_some() {
            merge_spec(&mut cfg.common_labels, spec(path), at)?;
        }
        if extension(prop, "x-kubernetes-identity").is_some() {
            merge_spec(&mut cfg.name_prefix, spec(path), at)?;
        }
        if let (Some(version), Some(ref_kind)) = (
            extension(prop, "x-kubernetes-object-ref-api-version"),
            extension(prop, "x-kubernetes-object-ref-kind"),
        ) {
            let key = extension(prop, "x-kubernetes-object-ref-name-key").unwrap_or("name");
            let mut referrer = path.clone();
            referrer.push(key.to_string());
            let rule = NameBackRef {
                group: None,
                version: Some(version.to_string()).filter(|v| !v.is_empty()),
                kind: Some(ref_kind.to_string()).filter(|k| !k.is_empty()),
                referrers: vec![spec(&referrer)],
            };
            let same = cfg.name_reference.iter_mut().find(|b| {
                b.group == rule.group && b.version == rule.version && b.kind == rule.kind
            });
            match same {
                Some(b) => merge_specs(&mut b.referrers, rule.referrers, at)?,
                None => cfg.name_reference.push(rule),
            }
        }
        if let Some(r) = prop.get("$ref").and_then(Node::as_str) {
            load(cfg, kind, defs, r, path, at)?;
        }
        path.pop();
    }
    Ok(())
}

/// `openapi:` naming kustomize's own schema (`version: v1.21.2`, the one its merge keys come
/// from) changes nothing; another version is refused as kustomize refuses it, and a schema
/// file (`path:`) is not supported.
pub(crate) fn openapi_is_builtin(n: &Node, at: &Span) -> Result<()> {
    let Some(m) = n.as_map() else {
        return Err(Error::new(at.clone(), "openapi must be a mapping"));
    };
    if m.get("path").is_some() {
        return Err(Error::new(
            at.clone(),
            "openapi: a custom schema (path:) is not supported yet",
        ));
    }
    match m.get("version").and_then(Node::as_str) {
        None | Some("v1.21.2") => Ok(()),
        Some(_) => Err(Error::new(
            at.clone(),
            "the specified OpenAPI version is not built in",
        )),
    }
}
