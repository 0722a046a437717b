//! `json`: one JSON document, for scripts. Its shape is stable and documented in
//! `docs/json-output.md`; members appear in this order, absent values are `null`, never omitted.
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "fluxval", "version": "0.1.0" },
//!   "summary": { "resources": 12, "roots": 3, "files": 1, "errors": 1, "warnings": 0,
//!                "notes": 0, "skippedSchemas": 0, "durationMs": 250 },
//!   "diagnostics": [
//!     {
//!       "severity": "error",
//!       "rule": "schema/type",
//!       "message": "expected string, got integer",
//!       "location": { "file": "apps/base/release.yaml", "line": 12, "column": 7 },
//!       "resource": { "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
//!                     "namespace": "flux-system", "name": "podinfo" },
//!       "pointer": "/spec/values/replicas",
//!       "overlays": ["clusters/production", "clusters/staging"],
//!       "related": [ { "location": { … }, "message": "the patch that set it" } ]
//!     }
//!   ]
//! }
//! ```
//!
//! `version` changes only when a member is removed or changes meaning; new members may be added
//! within a version.

use std::io::{self, Write};

use super::writer::Json;
use super::{RenderOptions, Summary, repo_path};
use crate::diagnostic::Diagnostic;
use crate::resource::ResId;
use crate::yaml::Span;

/// The shape's version (the top-level `version` member).
const SHAPE_VERSION: u64 = 1;

pub(super) fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = Json::obj([
        ("version", Json::Num(SHAPE_VERSION)),
        (
            "tool",
            Json::obj([
                ("name", Json::str("fluxval")),
                ("version", Json::str(opts.tool_version)),
            ]),
        ),
        ("summary", summary_json(summary)),
        (
            "diagnostics",
            Json::Arr(diags.iter().map(|d| diagnostic_json(d, opts)).collect()),
        ),
    ]);
    out.write_all(doc.to_pretty().as_bytes())
}

fn summary_json(s: &Summary) -> Json {
    let n = |v: usize| Json::Num(v as u64);
    Json::obj([
        ("resources", n(s.resources)),
        ("roots", n(s.roots)),
        ("files", n(s.files)),
        ("errors", n(s.errors)),
        ("warnings", n(s.warnings)),
        ("notes", n(s.notes)),
        ("skippedSchemas", n(s.skipped_schemas)),
        (
            "durationMs",
            Json::Num(u64::try_from(s.duration.as_millis()).unwrap_or(u64::MAX)),
        ),
    ])
}

fn diagnostic_json(d: &Diagnostic, opts: &RenderOptions) -> Json {
    Json::obj([
        ("severity", Json::str(d.severity.as_str())),
        ("rule", Json::str(&d.rule)),
        ("message", Json::str(&d.message)),
        (
            "location",
            d.span
                .as_ref()
                .map_or(Json::Null, |s| location_json(s, opts)),
        ),
        (
            "resource",
            d.resource.as_ref().map_or(Json::Null, resource_json),
        ),
        ("pointer", Json::opt_str(d.pointer.as_deref())),
        (
            "overlays",
            Json::Arr(
                d.roots
                    .iter()
                    .map(|r| Json::str(repo_path(r, opts)))
                    .collect(),
            ),
        ),
        (
            "related",
            Json::Arr(
                d.related
                    .iter()
                    .map(|l| {
                        Json::obj([
                            ("location", location_json(&l.span, opts)),
                            ("message", Json::str(&l.message)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// `line` and `column` are 1-based, `null` when unknown (a finding about a whole file).
fn location_json(s: &Span, opts: &RenderOptions) -> Json {
    let pos = |v: u32| {
        if v == 0 {
            Json::Null
        } else {
            Json::Num(u64::from(v))
        }
    };
    Json::obj([
        ("file", Json::str(repo_path(&s.file, opts))),
        ("line", pos(s.line)),
        ("column", if s.line == 0 { Json::Null } else { pos(s.col) }),
    ])
}

fn resource_json(id: &ResId) -> Json {
    Json::obj([
        ("apiVersion", Json::str(id.gvk.api_version())),
        ("kind", Json::str(&id.gvk.kind)),
        (
            "namespace",
            if id.namespace.is_empty() {
                Json::Null
            } else {
                Json::str(&id.namespace)
            },
        ),
        ("name", Json::str(&id.name)),
    ])
}
