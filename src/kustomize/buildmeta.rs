//! `buildMetadata:`: the labels and annotations kustomize adds to say how a build was made.
//!
//! Only the top kustomization's list counts (kustomize hands it down to every base and
//! component). `originAnnotations` records where each resource came from, as a path joined from
//! the entries that led to it; `transformerAnnotations` lists, on every resource, the builtin
//! transformers that ran over it; `managedByLabel` labels everything as made by kustomize.

use crate::resource::Resource;
use crate::yaml::{Mapping, Node, Value};

use super::kustomization::Kustomization;

/// The annotation naming where a resource came from.
pub const ORIGIN: &str = "config.kubernetes.io/origin";
/// The annotation listing the transformers that ran over a resource.
pub const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";
/// The label `managedByLabel` adds, and its value in kustomize as kubectl embeds it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kustomize-(devel)");

/// Which build metadata the top kustomization asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildMeta {
    /// `originAnnotations`.
    pub origin: bool,
    /// `transformerAnnotations`.
    pub transformers: bool,
    /// `managedByLabel`.
    pub managed_by: bool,
}

impl BuildMeta {
    /// Reads a kustomization's `buildMetadata:` (unknown entries are ignored, as by kustomize).
    pub fn of(kust: &Kustomization) -> BuildMeta {
        let has = |name: &str| {
            kust.list("buildMetadata")
                .ok()
                .is_some_and(|l| l.iter().any(|n| n.as_str() == Some(name)))
        };
        BuildMeta {
            origin: has("originAnnotations"),
            transformers: has("transformerAnnotations"),
            managed_by: has("managedByLabel"),
        }
    }

    /// Whether origins are tracked during the build (either annotation needs them).
    pub fn tracking(&self) -> bool {
        self.origin || self.transformers
    }
}

/// Go's `filepath.Join`: joins and cleans (`.` dropped, `..` folded), `""` for nothing.
pub fn join(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in base.split('/').chain(path.split('/')) {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    parts.join("/")
}

/// The origin of a resource read from a file.
pub fn file_origin(path: &str) -> String {
    format!("path: {path}\n")
}

/// The origin of something a builtin plugin made or did, configured in `configured_in`.
fn plugin_origin(configured_in: &str, kind: &str, indent: &str) -> String {
    config_origin(configured_in, kind, "", "", indent)
}

/// The origin of something a plugin configuration (`generators:`/`transformers:`) made or did.
fn config_origin(configured_in: &str, kind: &str, name: &str, ns: &str, indent: &str) -> String {
    let mut out = format!(
        "configuredIn: {configured_in}\n{indent}configuredBy:\n{indent}  apiVersion: builtin\n{indent}  kind: {kind}\n"
    );
    if !name.is_empty() {
        out.push_str(&format!("{indent}  name: {name}\n"));
    }
    if !ns.is_empty() {
        out.push_str(&format!("{indent}  namespace: {ns}\n"));
    }
    out
}

/// Where a plugin configuration was written, as its origin path: from its own origin
/// annotation when it has one.
pub fn config_path(config: &Resource, fallback: String) -> String {
    config
        .node
        .str_at(&["metadata", "annotations", ORIGIN])
        .and_then(|o| o.strip_prefix("path: "))
        .map(|p| p.trim_end().to_string())
        .unwrap_or(fallback)
}

/// Records that the plugin configured by `config` (read at `configured_in`) ran: a generator
/// gives its origin to what it made; a transformer is added to every resource's list.
pub fn plugin_ran(
    resources: &mut [Resource],
    configured_in: &str,
    config: &Resource,
    transformer: bool,
) {
    let kind = config.gvk().kind;
    let (name, ns) = (config.name().to_string(), config.namespace().to_string());
    for r in resources.iter_mut() {
        if !has_origin(r) {
            set_origin(r, config_origin(configured_in, &kind, &name, &ns, ""));
        } else if transformer {
            let entry = format!(
                "- {}",
                config_origin(configured_in, &kind, &name, &ns, "  ")
            );
            push_transformation(r, entry);
        }
    }
}

fn push_transformation(r: &mut Resource, entry: String) {
    let span = r.node.span.clone();
    if let Some(a) = annotations(r) {
        let mut text = a
            .get(TRANSFORMATIONS)
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        text.push_str(&entry);
        a.insert(
            TRANSFORMATIONS,
            Node::spanned(Value::Str(text.into()), span),
        );
    }
}

fn annotations(r: &mut Resource) -> Option<&mut Mapping> {
    let root = r.node.as_map_mut()?;
    if !root.contains_key("metadata") {
        root.insert("metadata", Node::map());
    }
    let meta = root.get_mut("metadata")?.as_map_mut()?;
    if meta
        .get("annotations")
        .is_none_or(|n| !matches!(n.value, Value::Map(_)))
    {
        meta.insert("annotations", Node::map());
    }
    meta.get_mut("annotations")?.as_map_mut()
}

fn has_origin(r: &Resource) -> bool {
    r.node
        .get_path(&["metadata", "annotations", ORIGIN])
        .is_some()
}

/// Sets a resource's origin annotation.
pub fn set_origin(r: &mut Resource, origin: String) {
    let span = r.node.span.clone();
    if let Some(a) = annotations(r) {
        a.insert(ORIGIN, Node::spanned(Value::Str(origin.into()), span));
    }
}

/// Gives resources of `kind` without an origin that of the builtin generator `generator`.
pub fn generated(resources: &mut [Resource], configured_in: &str, kind: &str, generator: &str) {
    for r in resources.iter_mut() {
        if r.gvk().kind == kind && !has_origin(r) {
            set_origin(r, plugin_origin(configured_in, generator, ""));
        }
    }
}

/// Gives a resource the origin of the builtin generator `generator`, replacing its own.
pub fn replace_origin(r: &mut Resource, configured_in: &str, generator: &str) {
    set_origin(r, plugin_origin(configured_in, generator, ""));
}

/// Records that the builtin transformer `kind`, configured in `configured_in`, ran over every
/// resource (a resource with no origin yet takes it as its origin, as kustomize does).
pub fn transformed(resources: &mut [Resource], configured_in: &str, kind: &str) {
    for r in resources.iter_mut() {
        if !has_origin(r) {
            set_origin(r, plugin_origin(configured_in, kind, ""));
            continue;
        }
        push_transformation(r, format!("- {}", plugin_origin(configured_in, kind, "  ")));
    }
}

/// The builtin transformers a kustomization configures, in the order kustomize runs them.
pub fn transformer_kinds(kust: &Kustomization) -> Vec<&'static str> {
    let count = |f: &str| kust.list(f).map(|l| l.len()).unwrap_or(0);
    let set = |f: &str| {
        kust.field(f)
            .is_some_and(|n| n.as_str().is_none_or(|s| !s.is_empty()))
    };
    let filled = |f: &str| match kust.field(f).map(|n| &n.value) {
        Some(Value::Map(m)) => !m.is_empty(),
        _ => false,
    };
    let mut out = Vec::new();
    if count("patchesStrategicMerge") > 0 {
        out.push("PatchStrategicMergeTransformer");
    }
    out.extend(std::iter::repeat_n("PatchTransformer", count("patches")));
    if set("namespace") {
        out.push("NamespaceTransformer");
    }
    if set("namePrefix") {
        out.push("PrefixTransformer");
    }
    if set("nameSuffix") {
        out.push("SuffixTransformer");
    }
    if count("labels") > 0 || filled("commonLabels") {
        out.extend(std::iter::repeat_n("LabelTransformer", count("labels") + 1));
    }
    if filled("commonAnnotations") {
        out.push("AnnotationsTransformer");
    }
    out.extend(std::iter::repeat_n(
        "PatchJson6902Transformer",
        count("patchesJson6902"),
    ));
    out.extend(std::iter::repeat_n(
        "ReplicaCountTransformer",
        count("replicas"),
    ));
    out.extend(std::iter::repeat_n(
        "ImageTagTransformer",
        count("images") + count("imageTags"),
    ));
    if count("replacements") > 0 {
        out.push("ReplacementTransformer");
    }
    out
}

/// `managedByLabel`: labels every resource as made by kustomize.
pub fn add_managed_by(resources: &mut [Resource]) {
    for r in resources.iter_mut() {
        let span = r.node.span.clone();
        let Some(root) = r.node.as_map_mut() else {
            continue;
        };
        if !root.contains_key("metadata") {
            root.insert("metadata", Node::map());
        }
        let Some(meta) = root.get_mut("metadata").and_then(Node::as_map_mut) else {
            continue;
        };
        if meta
            .get("labels")
            .is_none_or(|n| !matches!(n.value, Value::Map(_)))
        {
            meta.insert("labels", Node::map());
        }
        if let Some(labels) = meta.get_mut("labels").and_then(Node::as_map_mut) {
            labels.insert(
                MANAGED_BY.0,
                Node::spanned(Value::Str(MANAGED_BY.1.into()), span),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn join_cleans_like_go() {
        assert_eq!(join("", "./r.yaml"), "r.yaml");
        assert_eq!(join("../base", "r.yaml"), "../base/r.yaml");
        assert_eq!(join("a/b", "../c"), "a/c");
        assert_eq!(join("..", "../x"), "../../x");
        assert_eq!(join("", "kustomization.yaml"), "kustomization.yaml");
    }
}
