//! Reading a kustomization file for the paths it names, without building anything.

use crate::error::{Error, Result};
use crate::yaml::{Limits, Node, Profile, Span, parse_str};

/// Why a kustomization names a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileRole {
    /// `resources:`, `bases:` or `components:`: a file of resources, or a directory built as a
    /// kustomization of its own.
    Resource,
    /// `patches[].path`, `patchesStrategicMerge`, `patchesJson6902[].path`.
    Patch,
    /// `configMapGenerator`/`secretGenerator` `files`, `envs` and `env`.
    GeneratorInput,
    /// `configurations:`: transformer configuration such as Flux's `kustomizeconfig.yaml`.
    Configuration,
    /// `crds:`: CRD files that teach kustomize field specs; not emitted.
    Crd,
    /// `replacements[].path`.
    Replacement,
    /// A file entry of `generators`, `transformers` or `validators`: plugin configuration.
    PluginConfig,
    /// `openapi.path`: a schema file.
    OpenApi,
    /// `helmCharts[].valuesFile`.
    HelmValues,
}

/// One path a kustomization names, as written.
#[derive(Clone, Debug)]
pub(crate) struct RawRef {
    pub role: FileRole,
    pub value: String,
    pub span: Option<Span>,
}

/// What discovery needs from a kustomization file.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub is_component: bool,
    pub refs: Vec<RawRef>,
}

/// Reads the paths named by the kustomization in `text`; `display` names the file in spans.
///
/// Only the fields that name files or directories are read; everything else is left to the
/// build, which reports unknown fields and wrong types with kustomize's own messages.
pub(crate) fn parse(text: &str, display: &str) -> Result<Parsed> {
    let docs = parse_str(text, display, Profile::Kustomize, Limits::default())?;
    let mut out = Parsed::default();
    let Some(doc) = docs.into_iter().find(|d| !d.is_null()) else {
        return Ok(out);
    };
    let Some(map) = doc.as_map() else {
        return Err(Error::new(
            doc.span
                .clone()
                .unwrap_or_else(|| Span::file(display.into())),
            format!(
                "a kustomization must be a mapping, not a {}",
                doc.type_name()
            ),
        ));
    };
    out.is_component = doc.str_at(&["kind"]) == Some("Component");
    let mut r = Refs { out: &mut out };
    for (field, role) in [
        ("resources", FileRole::Resource),
        ("bases", FileRole::Resource),
        ("components", FileRole::Resource),
        ("configurations", FileRole::Configuration),
        ("crds", FileRole::Crd),
    ] {
        r.strings(map.get(field), role, false);
    }
    r.strings(map.get("patchesStrategicMerge"), FileRole::Patch, true);
    for field in ["generators", "transformers", "validators"] {
        r.strings(map.get(field), FileRole::PluginConfig, true);
    }
    for (field, role) in [
        ("patches", FileRole::Patch),
        ("patchesJson6902", FileRole::Patch),
        ("replacements", FileRole::Replacement),
    ] {
        r.each_item(map.get(field), |r, item| {
            r.one(item.get_path(&["path"]), role, false)
        });
    }
    for field in ["configMapGenerator", "secretGenerator"] {
        r.each_item(map.get(field), |r, item| {
            r.generator_files(item.get_path(&["files"]));
            r.strings(item.get_path(&["envs"]), FileRole::GeneratorInput, false);
            r.one(item.get_path(&["env"]), FileRole::GeneratorInput, false);
        });
    }
    r.each_item(map.get("helmCharts"), |r, item| {
        r.one(item.get_path(&["valuesFile"]), FileRole::HelmValues, false)
    });
    r.one(doc.get_path(&["openapi", "path"]), FileRole::OpenApi, false);
    Ok(out)
}

struct Refs<'a> {
    out: &'a mut Parsed,
}

impl Refs<'_> {
    fn one(&mut self, node: Option<&Node>, role: FileRole, may_be_inline: bool) {
        let Some(node) = node else { return };
        let Some(s) = node.as_str() else { return };
        let s = s.trim();
        // An entry holding YAML text rather than a path is an inline patch or plugin config.
        if s.is_empty() || (may_be_inline && s.contains('\n')) {
            return;
        }
        self.out.refs.push(RawRef {
            role,
            value: s.to_string(),
            span: node.span.clone(),
        });
    }

    fn strings(&mut self, node: Option<&Node>, role: FileRole, may_be_inline: bool) {
        if let Some(items) = node.and_then(Node::as_seq) {
            for item in items {
                self.one(Some(item), role, may_be_inline);
            }
        }
    }

    fn each_item(&mut self, node: Option<&Node>, mut f: impl FnMut(&mut Self, &Node)) {
        if let Some(items) = node.and_then(Node::as_seq) {
            for item in items {
                f(self, item);
            }
        }
    }

    /// `files:` entries are `path` or `key=path`.
    fn generator_files(&mut self, node: Option<&Node>) {
        let Some(items) = node.and_then(Node::as_seq) else {
            return;
        };
        for item in items {
            let Some(s) = item.as_str() else { continue };
            let path = s.split_once('=').map_or(s, |(_, p)| p).trim();
            if !path.is_empty() {
                self.out.refs.push(RawRef {
                    role: FileRole::GeneratorInput,
                    value: path.to_string(),
                    span: item.span.clone(),
                });
            }
        }
    }
}
