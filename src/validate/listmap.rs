//! `x-kubernetes-list-type: map` and `set`: the API server rejects a custom resource whose list
//! holds two items with the same keys (or, for a set, the same value). JSON Schema has no way to
//! say "unique by these keys", so kubeconform never reports it.
//!
//! Built-in kinds are left out: their schemas carry the same markers, but the API server's
//! hand-written validation (not the markers) decides there, and it accepts e.g. repeated `env`
//! names.

use serde_json::Value as Json;

use super::json::{escape_token, locate, pointer_tokens};
use crate::diagnostic::Diagnostic;
use crate::yaml::Node;

/// Duplicate items of list-type `map` and `set` lists in `instance`.
pub(super) fn duplicates(doc: &Node, instance: &Json, schema: &Json) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(doc, instance, schema, String::new(), &mut out);
    out
}

fn walk(doc: &Node, v: &Json, s: &Json, pointer: String, out: &mut Vec<Diagnostic>) {
    let Json::Object(sm) = s else { return };
    match v {
        Json::Object(obj) => {
            let props = sm.get("properties").and_then(Json::as_object);
            for (k, child) in obj {
                let cs = props
                    .and_then(|p| p.get(k))
                    .or_else(|| sm.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(cs) = cs {
                    walk(
                        doc,
                        child,
                        cs,
                        format!("{pointer}/{}", escape_token(k)),
                        out,
                    );
                }
            }
        }
        Json::Array(items) => {
            match sm.get("x-kubernetes-list-type").and_then(Json::as_str) {
                Some("map") => {
                    let keys: Vec<&str> = sm
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Json::as_array)
                        .map(|a| a.iter().filter_map(Json::as_str).collect())
                        .unwrap_or_default();
                    if !keys.is_empty() {
                        let id = |item: &Json| -> Vec<Json> {
                            keys.iter()
                                .map(|k| item.get(k).cloned().unwrap_or(Json::Null))
                                .collect()
                        };
                        report(
                            doc,
                            items,
                            &pointer,
                            id,
                            |item| {
                                keys.iter()
                                    .map(|k| format!("{k}={}", item.get(k).unwrap_or(&Json::Null)))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            },
                            out,
                        );
                    }
                }
                Some("set") => report(
                    doc,
                    items,
                    &pointer,
                    |i| vec![i.clone()],
                    |i| i.to_string(),
                    out,
                ),
                _ => {}
            }
            if let Some(is) = sm.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk(doc, item, is, format!("{pointer}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

fn report(
    doc: &Node,
    items: &[Json],
    pointer: &str,
    id: impl Fn(&Json) -> Vec<Json>,
    describe: impl Fn(&Json) -> String,
    out: &mut Vec<Diagnostic>,
) {
    let ids: Vec<Vec<Json>> = items.iter().map(&id).collect();
    for (i, this) in ids.iter().enumerate() {
        let Some(first) = ids[..i].iter().position(|x| x == this) else {
            continue;
        };
        let at = format!("{pointer}/{i}");
        let node = locate(doc, &pointer_tokens(&at));
        let earlier = locate(doc, &pointer_tokens(&format!("{pointer}/{first}")));
        let mut d = Diagnostic::error(
            "schema/value",
            format!(
                "duplicate entry ({}) in a list whose entries must be unique",
                describe(&items[i])
            ),
            node.value_span(),
        )
        .with_pointer(at);
        if let Some(span) = earlier.value_span() {
            d = d.with_label(span, "first entry with the same keys");
        }
        out.push(d);
    }
}
