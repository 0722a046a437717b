//! The kustomization file: reading it, checking its fields, and the typed view the build uses.

use crate::error::{Error, Result};
use crate::yaml::{Mapping, Node, Span, Value};

/// The file names kustomize recognises, in the order it tries them.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Every top-level field of kustomize v5.5.0's `Kustomization` type.
const KNOWN_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// Fields kustomize accepts but Flux's kustomize-controller cannot build, or that need plugins.
const UNSUPPORTED_FIELDS: &[(&str, &str)] = &[
    (
        "helmCharts",
        "helmCharts is not supported by Flux (kustomize-controller builds without Helm); use a HelmRelease",
    ),
    (
        "helmGlobals",
        "helmGlobals is not supported by Flux (kustomize-controller builds without Helm); use a HelmRelease",
    ),
    (
        "helmChartInflationGenerator",
        "helmChartInflationGenerator is not supported by Flux; use a HelmRelease",
    ),
    (
        "validators",
        "validator plugins (validators:) are not supported: Flux builds without plugins",
    ),
];

/// Deprecated fields and what replaces them, for kustomize's warning.
const DEPRECATED_FIELDS: &[(&str, &str)] = &[
    ("bases", "resources"),
    ("commonLabels", "labels"),
    ("imageTags", "images"),
    ("patchesJson6902", "patches"),
    ("patchesStrategicMerge", "patches"),
    ("vars", "replacements"),
];

/// Whether a kustomization is a `Kustomization` or a reusable `Component`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KustKind {
    /// `kind: Kustomization` (or no kind).
    Kustomization,
    /// `kind: Component`.
    Component,
}

/// A parsed kustomization file. Fields keep their nodes so errors can point into the file.
#[derive(Debug)]
pub struct Kustomization {
    /// The file's display path.
    pub file: String,
    /// The whole document.
    pub root: Node,
    /// Kustomization or Component.
    pub kind: KustKind,
    /// Warnings kustomize prints for this file (deprecated fields).
    pub warnings: Vec<String>,
    /// The file's text, to place spans of inline patches inside it.
    pub source: std::sync::Arc<str>,
}

/// kustomize decodes its file through Go's encoding/json, which matches field names without
/// regard to case: `nameprefix:` sets `namePrefix`. Keys are renamed to their proper spelling.
/// When two spellings of one field are present, the one whose spelling sorts last wins: the YAML
/// reaches Go's decoder as a JSON object with sorted keys, and the last assignment stays.
fn canonical_field_names(root: &mut Node) {
    let Some(map) = root.as_map_mut() else { return };
    let mut renamed = Mapping::new();
    let mut spelled: std::collections::HashMap<String, String> = Default::default();
    for mut e in std::mem::take(map.entries_mut()) {
        let written = e.key.to_string();
        if !KNOWN_FIELDS.contains(&e.key.as_str())
            && let Some(proper) = KNOWN_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&e.key))
        {
            e.key = (*proper).into();
        }
        if let Some(before) = spelled.get(e.key.as_str())
            && *before > written
        {
            continue;
        }
        spelled.insert(e.key.to_string(), written);
        renamed.remove(&e.key);
        renamed.push(e);
    }
    *map = renamed;
}

impl Kustomization {
    /// Parses and checks a kustomization document.
    pub fn from_node(mut root: Node, file: &str) -> Result<Kustomization> {
        canonical_field_names(&mut root);
        let span = root.span.clone().unwrap_or_else(|| Span::file(file.into()));
        let map = match &root.value {
            Value::Map(m) => m,
            Value::Null => {
                return Err(Error::new(span, "kustomization is empty"));
            }
            _ => {
                return Err(Error::new(
                    span,
                    format!(
                        "kustomization must be a mapping, not a {}",
                        root.type_name()
                    ),
                ));
            }
        };
        // kustomize refuses a file that sets nothing beyond its type.
        if map.keys().all(|k| k == "apiVersion" || k == "kind") {
            return Err(Error::new(span, "kustomization is empty"));
        }
        let mut warnings = Vec::new();
        for e in map.entries() {
            let at = e.key_span.clone().unwrap_or_else(|| span.clone());
            if !KNOWN_FIELDS.contains(&e.key.as_str()) {
                return Err(Error::new(
                    at,
                    format!("invalid Kustomization: unknown field {:?}", e.key),
                ));
            }
            if let Some((_, why)) = UNSUPPORTED_FIELDS.iter().find(|(f, _)| *f == e.key) {
                return Err(Error::new(at, *why));
            }
            if let Some((old, new)) = DEPRECATED_FIELDS.iter().find(|(f, _)| *f == e.key) {
                warnings.push(format!(
                    "# Warning: '{old}' is deprecated. Please use '{new}' instead. Run 'kustomize edit fix' to update your Kustomization automatically."
                ));
            }
        }
        let kind = match map.get("kind") {
            None => KustKind::Kustomization,
            Some(n) => match n.as_str() {
                Some("Kustomization") | Some("") => KustKind::Kustomization,
                Some("Component") => KustKind::Component,
                _ => {
                    return Err(Error::new(
                        n.span.clone().unwrap_or(span),
                        format!(
                            "kind must be Kustomization or Component, not {}",
                            describe(n)
                        ),
                    ));
                }
            },
        };
        Ok(Kustomization {
            file: file.to_string(),
            root,
            kind,
            warnings,
            source: "".into(),
        })
    }

    fn map(&self) -> &Mapping {
        self.root.as_map().expect("checked in from_node")
    }

    /// The node of a field, if present and not null.
    pub fn field(&self, name: &str) -> Option<&Node> {
        self.map().get(name).filter(|n| !n.is_null())
    }

    /// The span of a field's key, or of the file.
    pub fn field_span(&self, name: &str) -> Span {
        self.map()
            .entry(name)
            .and_then(|e| e.key_span.clone())
            .unwrap_or_else(|| Span::file(self.file.as_str().into()))
    }

    /// A string field.
    pub fn string(&self, name: &str) -> Result<Option<(&str, Span)>> {
        match self.field(name) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Str(s) => Ok(Some((s, self.span_of(n)))),
                _ => Err(self.type_error(name, n, "a string")),
            },
        }
    }

    /// A list field's items (an absent field is empty).
    pub fn list(&self, name: &str) -> Result<&[Node]> {
        match self.field(name) {
            None => Ok(&[]),
            Some(n) => match &n.value {
                Value::Seq(items) => Ok(items),
                _ => Err(self.type_error(name, n, "a list")),
            },
        }
    }

    /// A list of strings field, each with its span.
    pub fn string_list(&self, name: &str) -> Result<Vec<(&str, Span)>> {
        self.list(name)?
            .iter()
            .map(|n| match &n.value {
                Value::Str(s) => Ok((s.as_str(), self.span_of(n))),
                _ => Err(Error::new(
                    self.span_of(n),
                    format!("{name} entries must be strings, not {}", describe(n)),
                )),
            })
            .collect()
    }

    /// A `map[string]string` field (commonLabels, commonAnnotations), with value spans.
    pub fn string_map(&self, name: &str) -> Result<Vec<(String, String, Span)>> {
        match self.field(name) {
            None => Ok(Vec::new()),
            Some(n) => string_pairs(n, name, &self.file),
        }
    }

    /// The span of a node, or of the file when it has none.
    pub fn span_of(&self, n: &Node) -> Span {
        n.span
            .clone()
            .unwrap_or_else(|| Span::file(self.file.as_str().into()))
    }

    fn type_error(&self, name: &str, n: &Node, want: &str) -> Error {
        Error::new(
            self.span_of(n),
            format!("{name} must be {want}, not {}", describe(n)),
        )
    }
}

/// Reads a mapping of strings to strings (labels, annotations). kustomize decodes its own file
/// as YAML 1.1 into Go strings, so unquoted `1` or `yes` are errors there too; `null` is "".
pub fn string_pairs(n: &Node, what: &str, file: &str) -> Result<Vec<(String, String, Span)>> {
    let span = n.span.clone().unwrap_or_else(|| Span::file(file.into()));
    let Value::Map(m) = &n.value else {
        return Err(Error::new(
            span,
            format!("{what} must be a mapping, not {}", describe(n)),
        ));
    };
    m.entries()
        .iter()
        .map(|e| {
            let vspan = e.value.span.clone().unwrap_or_else(|| span.clone());
            let v = match &e.value.value {
                Value::Str(s) => s.to_string(),
                Value::Null => String::new(),
                _ => {
                    return Err(Error::new(
                        vspan,
                        format!(
                            "{what}.{} must be a string, not {} (quote it)",
                            e.key,
                            describe(&e.value)
                        ),
                    ));
                }
            };
            Ok((e.key.to_string(), v, vspan))
        })
        .collect()
}

/// A short description of a node for messages: its type, or the string itself.
pub fn describe(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => format!("{s:?}"),
        _ => format!("a {}", n.type_name()),
    }
}
