//! ObjectMeta rules as the API server applies them: names, namespaces, label keys and values,
//! annotation keys and the total annotation size.
//!
//! Values that still hold a Flux post-build variable (`${cluster_name}`) are left alone: Flux
//! substitutes them before anything reaches the API server.

use std::sync::OnceLock;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::resource::Gvk;
use crate::yaml::{Node, Value};

/// The API server's limit on the total size of a resource's annotations (keys plus values).
pub const MAX_ANNOTATIONS_SIZE: usize = 256 * 1024;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| panic!("{e}")))
}

fn dns1123_label_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
}

fn dns1035_label_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
}

fn qualified_name_part_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
}

/// Why `s` is not a DNS-1123 label (at most 63 lowercase alphanumerics or `-`, alphanumeric at
/// both ends), or `None` when it is one.
pub fn dns1123_label(s: &str) -> Option<String> {
    if s.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    if !dns1123_label_re().is_match(s) {
        return Some("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character".into());
    }
    None
}

/// Why `s` is not a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
pub fn dns1123_subdomain(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some("must be no more than 253 characters".into());
    }
    if s.is_empty() || s.split('.').any(|l| !dns1123_label_re().is_match(l)) {
        return Some("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character".into());
    }
    None
}

fn dns1035_label(s: &str) -> Option<String> {
    if s.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    if !dns1035_label_re().is_match(s) {
        return Some("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character".into());
    }
    None
}

fn path_segment(s: &str) -> Option<String> {
    if s == "." || s == ".." {
        return Some(format!("may not be '{s}'"));
    }
    if s.contains('/') || s.contains('%') {
        return Some("may not contain '/' or '%'".into());
    }
    None
}

/// Why `key` is not a qualified name (`[prefix/]name`), as label and annotation keys must be.
pub fn qualified_name(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Some("prefix part must be non-empty".into());
        }
        if let Some(why) = dns1123_subdomain(p) {
            return Some(format!("prefix part {why}"));
        }
    }
    if name.is_empty() {
        return Some("name part must be non-empty".into());
    }
    if name.len() > 63 {
        return Some("name part must be no more than 63 characters".into());
    }
    if !qualified_name_part_re().is_match(name) {
        return Some("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character".into());
    }
    None
}

/// Why `v` is not a valid label value (empty, or at most 63 characters of the name charset).
pub fn label_value(v: &str) -> Option<String> {
    if v.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    if !v.is_empty() && !qualified_name_part_re().is_match(v) {
        return Some("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character".into());
    }
    None
}

fn substituted(s: &str) -> bool {
    s.contains("${")
}

/// The name rule the API server uses for `gvk`.
fn name_rule(gvk: &Gvk) -> fn(&str) -> Option<String> {
    match (gvk.group.as_str(), gvk.kind.as_str()) {
        ("", "Namespace") => dns1123_label,
        ("", "Service") => dns1035_label,
        (
            "rbac.authorization.k8s.io",
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding",
        ) => path_segment,
        _ => dns1123_subdomain,
    }
}

/// The metadata findings for a resource (without resource id or roots).
pub fn check_metadata(doc: &Node, gvk: &Gvk) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(meta) = doc.get_path(&["metadata"]).and_then(Node::as_map) else {
        return out;
    };
    if let Some(n) = meta.get("name")
        && let Some(name) = n.as_str()
        && !substituted(name)
        && let Some(why) = name_rule(gvk)(name)
    {
        out.push(
            Diagnostic::error(
                "metadata/name",
                format!("invalid name {name:?} for {}: {why}", gvk.kind),
                n.span.clone(),
            )
            .with_pointer("/metadata/name"),
        );
    }
    if let Some(n) = meta.get("namespace")
        && let Some(ns) = n.as_str()
        && !substituted(ns)
        && let Some(why) = dns1123_label(ns)
    {
        out.push(
            Diagnostic::error(
                "metadata/namespace",
                format!("invalid namespace {ns:?}: {why}"),
                n.span.clone(),
            )
            .with_pointer("/metadata/namespace"),
        );
    }
    if let Some(labels) = meta.get("labels").and_then(Node::as_map) {
        for e in labels.entries() {
            let ptr = format!("/metadata/labels/{}", super::json::escape_token(&e.key));
            if !substituted(&e.key)
                && let Some(why) = qualified_name(&e.key)
            {
                out.push(
                    Diagnostic::error(
                        "metadata/label",
                        format!("invalid label key {:?}: {why}", e.key),
                        e.key_span.clone().or(e.value.span.clone()),
                    )
                    .with_pointer(ptr.clone()),
                );
            }
            if let Value::Str(v) = &e.value.value
                && !substituted(v)
                && let Some(why) = label_value(v)
            {
                out.push(
                    Diagnostic::error(
                        "metadata/label",
                        format!("invalid value {v:?} of label {:?}: {why}", e.key),
                        e.value.span.clone().or(e.key_span.clone()),
                    )
                    .with_pointer(ptr),
                );
            }
        }
    }
    if let Some(ann) = meta.entry("annotations")
        && let Some(map) = ann.value.as_map()
    {
        let mut total = 0usize;
        for e in map.entries() {
            total += e.key.len() + e.value.as_str().map_or(0, str::len);
            if !substituted(&e.key)
                && let Some(why) = qualified_name(&e.key.to_lowercase())
            {
                out.push(
                    Diagnostic::error(
                        "metadata/annotation",
                        format!("invalid annotation key {:?}: {why}", e.key),
                        e.key_span.clone().or(e.value.span.clone()),
                    )
                    .with_pointer(format!(
                        "/metadata/annotations/{}",
                        super::json::escape_token(&e.key)
                    )),
                );
            }
        }
        if total > MAX_ANNOTATIONS_SIZE {
            out.push(
                Diagnostic::error(
                    "metadata/annotation",
                    format!(
                        "annotations total {total} bytes, more than the API server's limit of {MAX_ANNOTATIONS_SIZE}"
                    ),
                    ann.key_span.clone().or(ann.value.span.clone()),
                )
                .with_pointer("/metadata/annotations"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_server_name_rules() {
        assert!(dns1123_subdomain("my-app.v2").is_none());
        assert!(dns1123_subdomain("My-App").is_some());
        assert!(dns1123_subdomain("a..b").is_some());
        assert!(dns1123_label("a.b").is_some());
        assert!(dns1035_label("1abc").is_some());
        assert!(path_segment("system:controller:x").is_none());
        assert!(path_segment("a/b").is_some());
        assert!(qualified_name("app.kubernetes.io/name").is_none());
        assert!(qualified_name("toolkit.fluxcd.io/tenant").is_none());
        assert!(qualified_name("Bad_Prefix/name").is_some());
        assert!(qualified_name("/name").is_some());
        assert!(qualified_name(&"x".repeat(64)).is_some());
        assert!(label_value("").is_none());
        assert!(label_value("v1.2_3-a").is_none());
        assert!(label_value("-a").is_some());
        assert!(label_value("a b").is_some());
    }
}
