//! Plain YAML files read as kubeconform reads them, with the API server's scalar resolution.

use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::{Limits, Node, Profile, Span, parse_file};

/// The resources in a plain YAML file, or a finding for each document that is not one.
///
/// Empty and comment-only documents are ignored; a `List` (any kind spelled `list` ignoring
/// case, as kubeconform matches it) gives its `items`; a document without `apiVersion`, `kind`
/// or `metadata.name` (nor `generateName`) is reported. A duplicate key or invalid YAML stops
/// the file with one finding, as the API server's strict decoder would refuse it.
pub fn read_documents(bytes: &[u8], display: &str) -> Vec<Result<Resource, Diagnostic>> {
    read_documents_with(bytes, display, true)
}

/// [`read_documents`], with duplicate keys accepted (the later one wins) when `strict` is false,
/// as kubeconform without `-strict` accepts them.
pub fn read_documents_with(
    bytes: &[u8],
    display: &str,
    strict: bool,
) -> Vec<Result<Resource, Diagnostic>> {
    let limits = Limits {
        allow_duplicate_keys: !strict,
        ..Limits::default()
    };
    let docs = match parse_file(bytes, display, Profile::Kubernetes, limits) {
        Ok(d) => d,
        Err(e) => {
            let rule = if e.message.starts_with("duplicate key") {
                "yaml/duplicate-key"
            } else {
                "yaml/invalid"
            };
            return vec![Err(Diagnostic::error(rule, e.message, Some(e.span)))];
        }
    };
    let mut out = Vec::new();
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        let is_list = doc
            .str_at(&["kind"])
            .is_some_and(|k| k.eq_ignore_ascii_case("list"))
            && doc.get_path(&["apiVersion"]).is_some();
        if is_list {
            if let Some(items) = doc.get_path(&["items"]).and_then(Node::as_seq) {
                for item in items {
                    out.push(one(item.clone(), display));
                }
            }
            continue;
        }
        out.push(one(doc, display));
    }
    out
}

// Resource is as large as a Diagnostic, and both are moved once per document.
#[allow(clippy::result_large_err)]
fn one(doc: Node, display: &str) -> Result<Resource, Diagnostic> {
    let origin = doc
        .span
        .clone()
        .unwrap_or_else(|| Span::file(display.into()));
    let Some(map) = doc.as_map() else {
        return Err(Diagnostic::error(
            "yaml/invalid",
            format!("a resource must be a mapping, not a {}", doc.type_name()),
            Some(origin),
        ));
    };
    for key in ["apiVersion", "kind"] {
        match map.get(key) {
            Some(n) if n.as_str().is_some_and(|s| !s.is_empty()) => {}
            Some(n) => {
                return Err(Diagnostic::error(
                    "resource/missing-field",
                    format!("'{key}' must be a non-empty string"),
                    n.span.clone().or(Some(origin)),
                ));
            }
            None => {
                return Err(Diagnostic::error(
                    "resource/missing-field",
                    format!("missing '{key}' key"),
                    Some(origin),
                ));
            }
        }
    }
    let named = ["name", "generateName"]
        .iter()
        .any(|k| doc.str_at(&["metadata", k]).is_some_and(|s| !s.is_empty()));
    if !named {
        let span = doc
            .as_map()
            .and_then(|m| m.entry("metadata"))
            .and_then(|e| e.key_span.clone())
            .unwrap_or(origin);
        return Err(Diagnostic::error(
            "resource/missing-field",
            "missing 'metadata.name' (or 'metadata.generateName')",
            Some(span),
        ));
    }
    Ok(Resource::new(doc, origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        read_documents(text.as_bytes(), "f.yaml")
            .into_iter()
            .map(|r| match r {
                Ok(res) => format!("ok {}", res.id()),
                Err(d) => format!(
                    "{} {}",
                    d.rule,
                    d.span.map(|s| s.to_string()).unwrap_or_default()
                ),
            })
            .collect()
    }

    #[test]
    fn documents_as_kubeconform_reads_them() {
        let text = "# only a comment\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: Secret, metadata: {generateName: b-}}\n---\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n";
        assert_eq!(
            rules(text),
            vec![
                "ok ConfigMap.v1.[noGrp]/a.[noNs]",
                "ok Secret.v1.[noGrp]/.[noNs]",
                "resource/missing-field f.yaml:10:1",
                "resource/missing-field f.yaml:15:1",
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n";
        assert_eq!(rules(text), vec!["yaml/duplicate-key f.yaml:5:3"]);
        let lenient = read_documents_with(text.as_bytes(), "f.yaml", false);
        assert_eq!(lenient.len(), 1);
        assert_eq!(lenient[0].as_ref().unwrap().name(), "b");
        assert_eq!(rules("a: [\n"), vec!["yaml/invalid f.yaml:2:1"]);
    }
}
