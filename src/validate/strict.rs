//! What Flux's (and every CRD-made) schema leaves open: the root and `metadata`.
//!
//! openapi2jsonschema does not close a schema's root, and CRDs describe `metadata` only as
//! `type: object`, so kubeconform accepts `specs:` at the top or `lables:` in metadata even
//! with `-strict`. The API server prunes or rejects them; in strict mode so does fluxval.

use serde_json::Value as Json;

use super::errors::diagnostics;
use super::json::key_span_of;
use crate::diagnostic::Diagnostic;
use crate::yaml::Node;

/// Findings for the root and `metadata` where `schema` leaves them open.
pub(super) fn open_parts(
    doc: &Node,
    instance: &Json,
    schema: &Json,
    strict: bool,
    sops: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(root) = schema.as_object() else {
        return out;
    };
    let props = root.get("properties").and_then(Json::as_object);
    if strict
        && !root.contains_key("additionalProperties")
        && root.get("x-kubernetes-preserve-unknown-fields") != Some(&Json::Bool(true))
        && let (Some(props), Some(obj)) = (props, instance.as_object())
    {
        for k in obj.keys() {
            if !props.contains_key(k) {
                out.push(
                    Diagnostic::error(
                        "schema/unknown-field",
                        format!(
                            "unknown field {k:?}{}",
                            super::errors::did_you_mean(k, props.keys().map(String::as_str))
                        ),
                        key_span_of(doc, &[], k),
                    )
                    .with_pointer(format!("/{}", super::json::escape_token(k))),
                );
            }
        }
    }
    let meta_open = props
        .and_then(|p| p.get("metadata"))
        .is_none_or(|m| m.get("properties").is_none());
    if meta_open && instance.get("metadata").is_some() {
        for err in super::object_meta_schema()
            .validator()
            .iter_errors(instance)
        {
            out.extend(
                diagnostics(&err, doc, &super::object_meta_schema().json, sops)
                    .into_iter()
                    .filter(|d| strict || d.rule != "schema/unknown-field"),
            );
        }
    }
    out
}
