//! Schema validation of built and plain resources, reported where a person wrote each value.
//!
//! For each resource: `--skip`/`--reject` in kubeconform's syntax; `--skip-json-path` fields and
//! a SOPS document's top-level `sops` key removed; the JSON Schema of its kind (see
//! [`crate::schema::Registry`]); in strict mode unknown fields at the root and in `metadata`,
//! which Flux's schemas leave open; the API server's metadata rules; the CRD's CEL rules. Each
//! error's JSON pointer is followed back into the spanned tree, so a value an overlay patch set is
//! reported in the patch.

pub(crate) mod cel;
mod documents;
mod errors;
pub mod json;
mod listmap;
pub mod metadata;
mod strict;

use std::sync::OnceLock;

pub use documents::{read_documents, read_documents_with};
pub use json::node_to_json;
// Shared with the rule-id and config-key checks, which suggest spellings the same way.
pub(crate) use errors::{did_you_mean, edit_distance};

use crate::diagnostic::{Diagnostic, Severity};
use crate::resource::{Gvk, Resource};
use crate::schema::{Lookup, Registry, Schema, SchemaError};
use crate::yaml::{Node, Value};

/// What to check and how.
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// Unknown fields (also at the root and in `metadata`) are errors. Default true.
    pub strict: bool,
    /// Do not evaluate CRD `x-kubernetes-validations` rules.
    pub skip_cel: bool,
    /// Kinds not to validate, kubeconform syntax: `Kind` or `apiVersion/Kind`.
    pub skip: Vec<String>,
    /// Kinds that are an error wherever they appear (same syntax).
    pub reject: Vec<String>,
    /// Fields to remove before validation: `[apiVersion/Kind:]/json/pointer` (`*` matches any
    /// key or index).
    pub skip_json_paths: Vec<String>,
    /// A kind with no schema is an error instead of a warning.
    pub require_schemas: bool,
    /// Check only what kubeconform checks: the JSON Schema. No strict extras for open roots and
    /// metadata, no metadata rules, no CEL (for the kubeconform drop-in).
    pub schema_only: bool,
    /// Flux post-build variables are not substituted (no `--vars`): a string made only of
    /// `${…}` expressions may stand where any type is expected, and a string holding one is not
    /// held to a pattern, format, enum or length.
    pub placeholders: bool,
}

impl Default for ValidateOptions {
    fn default() -> ValidateOptions {
        ValidateOptions {
            strict: true,
            skip_cel: false,
            skip: Vec::new(),
            reject: Vec::new(),
            skip_json_paths: Vec::new(),
            require_schemas: false,
            schema_only: false,
            placeholders: false,
        }
    }
}

/// Whether `list` names `gvk` as kubeconform matches `-skip`/`-reject`: by `Kind` or by
/// `apiVersion/Kind`.
pub fn kind_listed(list: &[String], gvk: &Gvk) -> bool {
    let full = format!("{}/{}", gvk.api_version(), gvk.kind);
    list.iter().any(|s| s == &gvk.kind || s == &full)
}

/// Validates one resource. `root` is the kustomize root whose build produced it (recorded on
/// every finding); `Err` only when a schema source fails (exit 2).
pub fn validate_resource(
    res: &Resource,
    root: Option<&str>,
    registry: &Registry,
    opts: &ValidateOptions,
) -> Result<Vec<Diagnostic>, SchemaError> {
    let gvk = res.gvk();
    let id = res.id();
    let kind_span = res
        .node
        .get_path(&["kind"])
        .and_then(|n| n.span.clone())
        .or_else(|| Some(res.origin.clone()));
    let finish = |mut diags: Vec<Diagnostic>| {
        for d in &mut diags {
            // A node made without an origin still belongs to the document it is in.
            if d.span.is_none() {
                d.span = Some(res.origin.clone());
            }
            d.resource = Some(id.clone());
            if let Some(r) = root {
                d.roots = vec![r.to_string()];
            }
        }
        diags
    };
    if kind_listed(&opts.skip, &gvk) {
        return Ok(Vec::new());
    }
    if kind_listed(&opts.reject, &gvk) {
        return Ok(finish(vec![Diagnostic::error(
            "schema/rejected",
            format!("prohibited resource kind {}", gvk.kind),
            kind_span,
        )]));
    }
    let mut node = res.node.clone();
    let sops = node.as_map_mut().and_then(|m| m.remove("sops")).is_some();
    for p in &opts.skip_json_paths {
        remove_json_path(&mut node, &gvk, p);
    }
    let mut diags = Vec::new();
    match registry.lookup(&gvk)? {
        Lookup::Found(schema) => {
            diags.extend(check_schema(&node, &schema, opts, sops));
        }
        Lookup::NotFound => {
            let sev = if opts.require_schemas {
                Severity::Error
            } else {
                Severity::Warning
            };
            diags.push(Diagnostic::new(
                sev,
                "schema/missing",
                format!(
                    "could not find schema for {} ({})",
                    gvk.kind,
                    gvk.api_version()
                ),
                kind_span,
            ));
        }
        Lookup::Unavailable(why) => diags.push(Diagnostic::note(
            "schema/skipped",
            format!("{} ({}) not validated: {why}", gvk.kind, gvk.api_version()),
            kind_span,
        )),
    }
    if !opts.schema_only {
        diags.extend(metadata::check_metadata(&node, &gvk));
    }
    Ok(finish(diags))
}

fn check_schema(
    node: &Node,
    schema: &Schema,
    opts: &ValidateOptions,
    sops: bool,
) -> Vec<Diagnostic> {
    let instance = node_to_json(node);
    let mut diags = Vec::new();
    for err in schema.validator().iter_errors(&instance) {
        if opts.placeholders && errors::placeholder_may_satisfy(&err) {
            continue;
        }
        diags.extend(errors::diagnostics(&err, node, &schema.json, sops));
    }
    if opts.schema_only {
        return diags;
    }
    diags.extend(strict::open_parts(
        node,
        &instance,
        &schema.json,
        opts.strict,
        sops,
    ));
    // Built-in kinds (kubeconform's `$schema`) are validated by hand-written code, not markers.
    if schema.json.get("$schema").is_none() {
        diags.extend(listmap::duplicates(node, &instance, &schema.json));
    }
    if !opts.skip_cel
        && let Some(tree) = &schema.cel
    {
        let mut defaulted = instance;
        cel::apply_defaults(&mut defaulted, &schema.json);
        for f in tree.check(&defaulted) {
            let tokens = json::pointer_tokens(&f.pointer);
            let at = json::locate(node, &tokens);
            let sev = if f.unevaluable {
                Severity::Warning
            } else {
                Severity::Error
            };
            diags.push(
                Diagnostic::new(sev, "schema/cel", f.message, at.key_or_value_span())
                    .with_pointer(f.pointer),
            );
        }
    }
    diags
}

/// Validates every resource of one build (or file) in parallel; findings come back in resource
/// order. The first schema source failure stops it.
pub fn validate_all(
    resources: &[Resource],
    root: Option<&str>,
    registry: &Registry,
    opts: &ValidateOptions,
) -> Result<Vec<Diagnostic>, SchemaError> {
    use rayon::prelude::*;
    let per: Vec<Vec<Diagnostic>> = resources
        .par_iter()
        .map(|r| validate_resource(r, root, registry, opts))
        .collect::<Result<_, _>>()?;
    Ok(per.into_iter().flatten().collect())
}

/// Registers every CustomResourceDefinition among `resources` with `registry`, so the kinds
/// they define validate against them. A CRD that cannot be converted is a warning at its `kind`.
pub fn add_crds<'a>(
    registry: &Registry,
    resources: impl IntoIterator<Item = &'a Resource>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in resources {
        let gvk = r.gvk();
        if gvk.kind != "CustomResourceDefinition" || gvk.group != "apiextensions.k8s.io" {
            continue;
        }
        if let Err(e) = registry.add_crd(&r.node) {
            let span = r.node.get_path(&["kind"]).and_then(|n| n.span.clone());
            out.push(
                Diagnostic::warning(
                    "schema/missing",
                    format!("CRD not usable as a schema: {e}"),
                    span,
                )
                .with_resource(r.id()),
            );
        }
    }
    out
}

/// Removes the fields a `--skip-json-path` entry names, when it applies to `gvk`.
fn remove_json_path(node: &mut Node, gvk: &Gvk, spec: &str) {
    let (prefix, pointer) = match spec.find(":/") {
        Some(i) if !spec.starts_with('/') => (Some(&spec[..i]), &spec[i + 1..]),
        _ => (None, spec),
    };
    if let Some(p) = prefix
        && !kind_listed(&[p.to_string()], gvk)
    {
        return;
    }
    let tokens = json::pointer_tokens(pointer);
    if let Some((last, parents)) = tokens.split_last() {
        remove_at(node, parents, last);
    }
}

fn remove_at(node: &mut Node, parents: &[String], last: &str) {
    match parents.split_first() {
        None => match &mut node.value {
            Value::Map(m) => {
                if last == "*" {
                    m.entries_mut().clear();
                } else {
                    m.remove(last);
                }
            }
            Value::Seq(items) => {
                if last == "*" {
                    items.clear();
                } else if let Ok(i) = last.parse::<usize>()
                    && i < items.len()
                {
                    items.remove(i);
                }
            }
            _ => {}
        },
        Some((first, rest)) => match &mut node.value {
            Value::Map(m) => {
                for e in m.entries_mut() {
                    if first == "*" || e.key == *first {
                        remove_at(&mut e.value, rest, last);
                    }
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if first == "*" || first.parse::<usize>().ok() == Some(i) {
                        remove_at(item, rest, last);
                    }
                }
            }
            _ => {}
        },
    }
}

/// The Kubernetes ObjectMeta fields and their types, for kinds whose schema leaves
/// `metadata` open (every CRD-based schema, Flux's included).
pub(crate) fn object_meta_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let s = |t: &str| serde_json::json!({"type": [t, "null"]});
        let json = serde_json::json!({"properties": {"metadata": {
            "type": "object",
            "properties": {
                "name": s("string"), "generateName": s("string"), "namespace": s("string"),
                "selfLink": s("string"), "uid": s("string"), "resourceVersion": s("string"),
                "generation": s("integer"), "creationTimestamp": s("string"),
                "deletionTimestamp": s("string"), "deletionGracePeriodSeconds": s("integer"),
                "labels": {"type": ["object", "null"], "additionalProperties": s("string")},
                "annotations": {"type": ["object", "null"], "additionalProperties": s("string")},
                "ownerReferences": {"type": ["array", "null"], "items": {"type": "object"}},
                "finalizers": {"type": ["array", "null"], "items": s("string")},
                "managedFields": {"type": ["array", "null"], "items": {"type": "object"}}
            },
            "additionalProperties": false
        }}});
        Schema::compile(json, "ObjectMeta").unwrap_or_else(|e| panic!("built-in schema: {e}"))
    })
}

#[cfg(test)]
mod tests;
