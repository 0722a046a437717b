//! From a JSON Schema error to findings at the place in the YAML that caused them.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind as K};
use serde_json::Value as Json;

use super::json::{escape_token, key_span_of, locate, pointer_tokens};
use crate::diagnostic::Diagnostic;
use crate::yaml::Node;

/// Whether `v` is a value SOPS encrypted: such values are strings whatever the field's type.
fn sops_encrypted(v: &Json) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("ENC["))
}

/// Whether `err` is about a string that still holds Flux post-build expressions and could pass
/// once they are substituted: any type for a string made only of expressions (`${REPLICAS}`),
/// string constraints (pattern, format, enum, length) for one that contains an expression
/// (`${INTERVAL}`, `app-${ENV}`).
pub(super) fn placeholder_may_satisfy(err: &ValidationError<'_>) -> bool {
    let Some(s) = err.instance().as_str() else {
        return false;
    };
    match err.kind() {
        K::Type { .. } | K::OneOfNotValid { .. } | K::AnyOf { .. } => {
            crate::envsubst::is_only_expressions(s)
        }
        K::Pattern { .. }
        | K::Format { .. }
        | K::Enum { .. }
        | K::Constant { .. }
        | K::MinLength { .. }
        | K::MaxLength { .. } => crate::envsubst::has_expression(s),
        _ => false,
    }
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
pub(super) fn diagnostics(
    err: &ValidationError<'_>,
    doc: &Node,
    schema: &Json,
    sops: bool,
) -> Vec<Diagnostic> {
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
                    let known = properties_at(schema, &tokens);
                    Diagnostic::error(
                        "schema/unknown-field",
                        format!(
                            "unknown field {k:?}{}{}",
                            where_(&pointer),
                            did_you_mean(k, known.iter().map(String::as_str))
                        ),
                        span,
                    )
                    .with_pointer(format!("{pointer}/{}", escape_token(k)))
                })
                .collect()
        }
        K::Type { kind } => one(
            "schema/type",
            format!(
                "{}: got {} {}, want {}",
                field(&pointer),
                json_type(instance),
                preview(instance),
                type_names(kind)
            ),
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
                    "{}: got {} {}, want {}",
                    field(&pointer),
                    json_type(instance),
                    preview(instance),
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
        K::Enum { options } => {
            let hint = match (instance.as_str(), options.as_array()) {
                (Some(v), Some(opts)) => did_you_mean(v, opts.iter().filter_map(Json::as_str)),
                _ => String::new(),
            };
            one(
                "schema/enum",
                format!("{}: {err}{hint}", field(&pointer)),
                at.value_span(),
            )
        }
        K::Constant { .. } => one(
            "schema/enum",
            format!("{}: {err}", field(&pointer)),
            at.value_span(),
        ),
        K::Pattern { pattern } => one(
            "schema/pattern",
            format!("{}: {err}{}", field(&pointer), pattern_hint(pattern)),
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
                let t = type_names(kind);
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
    }
    types.join(" or ")
}

/// The wanted types, without `null` (kubeconform's schemas allow it almost everywhere; saying
/// so only distracts).
fn type_names(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            let some: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
            let list = if some.is_empty() {
                names.iter().collect()
            } else {
                some
            };
            list.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        }
    }
}

/// A short rendering of a value for messages.
fn preview(v: &Json) -> String {
    let text = match v {
        Json::Object(_) => return "{…}".into(),
        Json::Array(_) => return "[…]".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// Flux writes durations as patterns; say what they accept.
fn pattern_hint(pattern: &str) -> &'static str {
    if pattern.contains("(ms|s|m|h)") {
        " (a duration such as 30s, 5m or 1h30m; units ms, s, m, h)"
    } else if pattern.contains("(ms|s|m)") {
        " (a duration such as 30s or 5m; units ms, s, m)"
    } else {
        ""
    }
}

/// The property names the schema knows for the object at `tokens` (following `properties`,
/// `additionalProperties` and `items` as the instance path goes).
fn properties_at(schema: &Json, tokens: &[String]) -> Vec<String> {
    let mut cur = schema;
    for t in tokens {
        let next = cur
            .get("properties")
            .and_then(|p| p.get(t))
            .or_else(|| cur.get("additionalProperties").filter(|a| a.is_object()))
            .or_else(|| {
                cur.get("items")
                    .filter(|_| t.bytes().all(|b| b.is_ascii_digit()))
            });
        match next {
            Some(n) => cur = n,
            None => return Vec::new(),
        }
    }
    cur.get("properties")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// ` (did you mean "name"?)` when one known name is a likely intended spelling of `unknown`.
pub(crate) fn did_you_mean<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> String {
    let limit = (unknown.chars().count() / 3).clamp(1, 3);
    let best = known
        .map(|k| {
            let d = if k.eq_ignore_ascii_case(unknown) {
                0
            } else {
                edit_distance(&unknown.to_lowercase(), &k.to_lowercase())
            };
            (d, k)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, k)) => format!(" (did you mean {k:?}?)"),
        None => String::new(),
    }
}

/// Levenshtein distance, with a swap of two neighbours counted as one edit.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// `spec.interval`-style name of a pointer, for messages.
fn field(pointer: &str) -> String {
    if pointer.is_empty() {
        return "(root)".into();
    }
    let mut out = String::new();
    for t in pointer_tokens(pointer) {
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{t}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&t);
        }
    }
    out
}

fn where_(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" in {}", field(pointer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_likely_typos_only() {
        let known = ["name", "namespace", "labels", "annotations"];
        assert_eq!(
            did_you_mean("nmae", known.into_iter()),
            " (did you mean \"name\"?)"
        );
        assert_eq!(
            did_you_mean("lables", known.into_iter()),
            " (did you mean \"labels\"?)"
        );
        assert_eq!(
            did_you_mean("Labels", known.into_iter()),
            " (did you mean \"labels\"?)"
        );
        assert_eq!(did_you_mean("owner", known.into_iter()), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
