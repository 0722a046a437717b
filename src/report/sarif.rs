//! `sarif`: SARIF 2.1.0, the format code-scanning dashboards (GitHub, GitLab, Azure) read.
//!
//! One run; the driver lists the rules the findings use (in the order of
//! [`crate::rules::all`], then ids the table lacks) with their summary and help, and each
//! result points at its rule by id and index. Listing only used rules keeps a report stable as
//! fluxval gains rules. Files inside [`RenderOptions::repo_root`] are URIs relative to the base id
//! `%SRCROOT%` (which `originalUriBaseIds` resolves when the root is an absolute path); files
//! outside it are absolute `file://` URIs. Columns count Unicode code points, as spans do.
//!
//! Findings about no file (e.g. "offline: schemas not cached") are about the run, not about code,
//! and code-scanning services reject results without a location; they are the invocation's
//! `toolExecutionNotifications`, with their rule as `associatedRule`.

use std::io::{self, Write};
use std::path::Path;

use super::writer::Json;
use super::{RenderOptions, Summary, normalize, relative_to, resource_label};
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::Span;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

pub(super) fn render(
    diags: &[Diagnostic],
    _summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rule_ids = rule_ids(diags);
    let rules: Vec<Json> = rule_ids.iter().map(|id| rule_json(id)).collect();
    let index = |d: &Diagnostic| rule_ids.iter().position(|id| *id == d.rule).unwrap_or(0);
    let results: Vec<Json> = diags
        .iter()
        .filter(|d| d.span.is_some())
        .map(|d| result_json(d, index(d), opts))
        .collect();
    let notifications: Vec<Json> = diags
        .iter()
        .filter(|d| d.span.is_none())
        .map(|d| notification_json(d, index(d)))
        .collect();
    let mut run = Json::obj([(
        "tool",
        Json::obj([(
            "driver",
            Json::obj([
                ("name", Json::str("fluxval")),
                ("version", Json::str(opts.tool_version)),
                ("rules", Json::Arr(rules)),
            ]),
        )]),
    )]);
    if let Some(uri) = root_uri(&opts.repo_root) {
        run.push(
            "originalUriBaseIds",
            Json::obj([(SRCROOT, Json::obj([("uri", Json::str(uri))]))]),
        );
    }
    let mut invocation = Json::obj([("executionSuccessful", Json::Bool(true))]);
    if !notifications.is_empty() {
        invocation.push("toolExecutionNotifications", Json::Arr(notifications));
    }
    run.push("invocations", Json::Arr(vec![invocation]));
    run.push("columnKind", Json::str("unicodeCodePoints"));
    run.push("results", Json::Arr(results));
    let doc = Json::obj([
        ("$schema", Json::str(SCHEMA_URI)),
        ("version", Json::str("2.1.0")),
        ("runs", Json::Arr(vec![run])),
    ]);
    out.write_all(doc.to_pretty().as_bytes())
}

/// The ids the findings use: in the catalogue's order, then ids only findings name, sorted.
fn rule_ids(diags: &[Diagnostic]) -> Vec<String> {
    let mut ids: Vec<String> = crate::rules::all()
        .filter(|r| diags.iter().any(|d| d.rule == r.id))
        .map(|r| r.id.to_string())
        .collect();
    let mut extra: Vec<String> = diags
        .iter()
        .filter(|d| !ids.contains(&d.rule))
        .map(|d| d.rule.clone())
        .collect();
    extra.sort();
    extra.dedup();
    ids.extend(extra);
    ids
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule_json(id: &str) -> Json {
    match crate::rules::rule(id) {
        Some(r) => Json::obj([
            ("id", Json::str(r.id)),
            (
                "shortDescription",
                Json::obj([("text", Json::str(r.summary))]),
            ),
            ("fullDescription", Json::obj([("text", Json::str(r.help))])),
            ("help", Json::obj([("text", Json::str(r.help))])),
            (
                "defaultConfiguration",
                Json::obj([("level", Json::str(level(r.severity)))]),
            ),
        ]),
        None => Json::obj([("id", Json::str(id))]),
    }
}

fn notification_json(d: &Diagnostic, rule_index: usize) -> Json {
    Json::obj([
        ("level", Json::str(level(d.severity))),
        ("message", Json::obj([("text", Json::str(&d.message))])),
        (
            "associatedRule",
            Json::obj([
                ("id", Json::str(&d.rule)),
                ("index", Json::Num(rule_index as u64)),
            ]),
        ),
    ])
}

fn result_json(d: &Diagnostic, rule_index: usize, opts: &RenderOptions) -> Json {
    let mut r = Json::obj([
        ("ruleId", Json::str(&d.rule)),
        ("ruleIndex", Json::Num(rule_index as u64)),
        ("level", Json::str(level(d.severity))),
        ("message", Json::obj([("text", Json::str(&d.message))])),
    ]);
    if d.span.is_some() || d.resource.is_some() {
        let mut loc = Json::Obj(Vec::new());
        if let Some(span) = &d.span {
            loc.push("physicalLocation", physical_location(span, opts));
        }
        if let Some(id) = &d.resource {
            loc.push(
                "logicalLocations",
                Json::Arr(vec![Json::obj([
                    ("name", Json::str(&id.name)),
                    ("fullyQualifiedName", Json::str(resource_label(id))),
                    ("kind", Json::str("resource")),
                ])]),
            );
        }
        r.push("locations", Json::Arr(vec![loc]));
    }
    if !d.related.is_empty() {
        let related = d
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Json::obj([
                    ("id", Json::Num(i as u64)),
                    ("physicalLocation", physical_location(&l.span, opts)),
                    ("message", Json::obj([("text", Json::str(&l.message))])),
                ])
            })
            .collect();
        r.push("relatedLocations", Json::Arr(related));
    }
    let mut props = Json::Obj(Vec::new());
    if let Some(p) = &d.pointer {
        props.push("pointer", Json::str(p));
    }
    if let Some(id) = &d.resource {
        props.push("apiVersion", Json::str(id.gvk.api_version()));
        props.push("kind", Json::str(&id.gvk.kind));
        if !id.namespace.is_empty() {
            props.push("namespace", Json::str(&id.namespace));
        }
    }
    if !d.roots.is_empty() {
        props.push(
            "overlays",
            Json::Arr(
                d.roots
                    .iter()
                    .map(|r| Json::str(super::repo_path(r, opts)))
                    .collect(),
            ),
        );
    }
    if props != Json::Obj(Vec::new()) {
        r.push("properties", props);
    }
    r
}

fn physical_location(span: &Span, opts: &RenderOptions) -> Json {
    let artifact = match relative_to(&span.file, &opts.repo_root) {
        Some(rel) => Json::obj([
            ("uri", Json::str(encode_path(&rel))),
            ("uriBaseId", Json::str(SRCROOT)),
        ]),
        None => Json::obj([("uri", Json::str(file_uri(&span.file)))]),
    };
    let mut loc = Json::obj([("artifactLocation", artifact)]);
    if span.line > 0 {
        let mut region = Json::obj([("startLine", Json::Num(u64::from(span.line)))]);
        if span.col > 0 {
            region.push("startColumn", Json::Num(u64::from(span.col)));
        }
        loc.push("region", region);
    }
    loc
}

/// `file:///abs/root/` for an absolute repository root; `None` for a relative one, which
/// consumers resolve against their checkout.
fn root_uri(root: &Path) -> Option<String> {
    if !root.is_absolute() {
        return None;
    }
    let root = normalize(root);
    let mut uri = file_uri(&root.to_string_lossy());
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// An absolute `file://` URI for an absolute path; a relative path stays a relative reference.
fn file_uri(path: &str) -> String {
    let slashed = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    if slashed.starts_with('/') {
        format!("file://{}", encode_path(&slashed))
    } else if Path::new(path).is_absolute() {
        // A Windows drive path: `file:///C:/...`.
        format!("file:///{}", encode_path(&slashed))
    } else {
        encode_path(&slashed)
    }
}

/// Percent-encodes a `/`-separated path for a URI: everything but unreserved characters,
/// `/` and a drive's `:` becomes `%XX` of its UTF-8 bytes.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b':' if cfg!(windows) => out.push(':'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("apps/my app/é#1.yaml"),
            "apps/my%20app/%C3%A9%231.yaml"
        );
        assert_eq!(file_uri("/tmp/a b.yaml"), "file:///tmp/a%20b.yaml");
    }

    #[test]
    fn root_uri_ends_with_a_slash() {
        assert_eq!(
            root_uri(Path::new("/srv/repo/./")).as_deref(),
            Some("file:///srv/repo/")
        );
        assert_eq!(root_uri(Path::new("/")).as_deref(), Some("file:///"));
        assert_eq!(root_uri(Path::new("repo")), None);
    }
}
