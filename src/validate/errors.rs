//! From a JSON Schema error to findings at the place in the YAML that caused them.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as K;
use serde_json::Value as Json;

use super::json::{escape_token, key_span_of, locate, pointer_tokens};
use crate::diagnostic::Diagnostic;
use crate::yaml::Node;

/// Whether `v` is a value SOPS encrypted: such values are strings whatever the field's type.
fn sops_encrypted(v: &Json) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("ENC["))
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// The findings for one schema error in the document `doc`.
pub(super) fn diagnostics(err: &ValidationError<'_>, doc: &Node, sops: bool) -> Vec<Diagnostic> {
    let pointer = err.instance_path().as_str().to_string();
    let tokens = pointer_tokens(&pointer);
    let at = locate(doc, &tokens);
    let instance: &Json = err.instance();
    if sops && sops_encrypted(instance) {
        return Vec::new();
    }
    let one = |rule: &str, message: String, span| {
        vec![Diagnostic::error(rule, message, span).with_pointer(pointer.clone())]
    };
    match err.kind() {
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            unexpected
                .iter()
                .map(|k| {
                    let span = key_span_of(doc, &tokens, k).or_else(|| at.value_span());
                    Diagnostic::error(
                        "schema/unknown-field",
                        format!("unknown field {k:?}{}", where_(&pointer)),
                        span,
                    )
                    .with_pointer(format!("{pointer}/{}", escape_token(k)))
                })
                .collect()
        }
        K::Type { .. } => one(
            "schema/type",
            format!("{}: {err}", describe(&pointer, instance)),
            at.value_span(),
        ),
        K::OneOfNotValid { context } | K::AnyOf { context }
            if context
                .iter()
                .all(|branch| branch.iter().any(|e| matches!(e.kind(), K::Type { .. }))) =>
        {
            // IntOrString and Quantity: every branch rejected the type.
            one(
                "schema/type",
                format!(
                    "{}: got {}, want {}",
                    describe(&pointer, instance),
                    json_type(instance),
                    alternatives(context)
                ),
                at.value_span(),
            )
        }
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            one(
                "schema/required",
                format!("missing required field {name:?}{}", where_(&pointer)),
                at.key_or_value_span(),
            )
        }
        K::Enum { .. } | K::Constant { .. } => one("schema/enum", err.to_string(), at.value_span()),
        K::Pattern { .. } => one(
            "schema/pattern",
            format!("{}: {err}", field(&pointer)),
            at.value_span(),
        ),
        K::Format { .. } => one(
            "schema/format",
            format!("{}: {err}", field(&pointer)),
            at.value_span(),
        ),
        _ => {
            let span = if instance.is_object() || instance.is_array() {
                at.key_or_value_span()
            } else {
                at.value_span()
            };
            one("schema/value", format!("{}: {err}", field(&pointer)), span)
        }
    }
}

fn alternatives(context: &[Vec<ValidationError<'static>>]) -> String {
    let mut types: Vec<String> = Vec::new();
    for branch in context {
        for e in branch {
            if let K::Type { kind } = e.kind() {
                let t = match kind {
                    jsonschema::error::TypeKind::Single(t) => t.to_string(),
                    jsonschema::error::TypeKind::Multiple(set) => set
                        .iter()
                        .map(|t| t.to_string())
                        .filter(|t| t != "null")
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
    }
    types.join(" or ")
}

/// `spec.interval`-style name of a pointer, for messages.
fn field(pointer: &str) -> String {
    if pointer.is_empty() {
        return "(root)".into();
    }
    pointer_tokens(pointer).join(".")
}

fn where_(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" in {}", field(pointer))
    }
}

fn describe(pointer: &str, _instance: &Json) -> String {
    field(pointer)
}
