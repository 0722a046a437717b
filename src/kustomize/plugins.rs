//! `generators:` and `transformers:` entries: configurations of kustomize's builtin plugins.
//!
//! Flux builds with kustomize's "builtins only" plugin setting, so an entry may configure a
//! builtin generator or transformer (`apiVersion: builtin`) but nothing external. Each builtin
//! is run by the same code as the kustomization field it backs, given a small kustomization
//! made from the plugin's configuration; the plugins that take `fieldSpecs` use only those.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::yaml::{Mapping, Node, Span, Value};

use super::build::Accumulator;
use super::config::parse_specs;
use super::fieldspec::FieldSpec;
use super::kustomization::{KustKind, Kustomization, describe, string_pairs};
use super::load::{Loader, Location};
use super::transform::{self, NamespaceOptions, SubjectMode};
use super::{generators, patches, transformers};

/// One plugin configuration and the text it was read from (to place inline patches).
pub(crate) struct PluginConfig {
    /// The configuration object.
    pub(crate) res: Resource,
    /// The file it was written in.
    pub(crate) file: String,
    /// That file's text.
    pub(crate) source: Arc<str>,
    /// Where it was configured, as kustomize's origin path (for build metadata).
    pub(crate) origin_path: String,
}

impl PluginConfig {
    fn kind(&self) -> String {
        self.res.gvk().kind
    }

    fn span(&self) -> Span {
        self.res
            .node
            .span
            .clone()
            .unwrap_or_else(|| self.res.origin.clone())
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.res
            .node
            .as_map()
            .and_then(|m| m.get(key))
            .filter(|n| !n.is_null())
    }

    /// A kustomization holding `fields`, read as if written where this configuration was.
    fn as_kustomization(&self, fields: Vec<(&str, Node)>) -> Kustomization {
        let mut m = Mapping::new();
        for (k, v) in fields {
            m.insert(k, v);
        }
        Kustomization {
            file: self.file.clone(),
            root: Node::spanned(Value::Map(m), Some(self.span())),
            kind: KustKind::Kustomization,
            warnings: Vec::new(),
            source: self.source.clone(),
        }
    }

    /// The `fieldSpecs`, read leniently as plugins read them (other keys are ignored).
    fn field_specs(&self) -> Result<Option<Vec<FieldSpec>>> {
        let Some(n) = self.get("fieldSpecs") else {
            return Ok(None);
        };
        let mut n = n.clone();
        if let Value::Seq(items) = &mut n.value {
            for item in items.iter_mut() {
                if let Some(m) = item.as_map_mut() {
                    let known = ["group", "version", "kind", "path", "create"];
                    m.entries_mut().retain(|e| known.contains(&e.key.as_str()));
                }
            }
        }
        parse_specs(&n, "fieldSpecs").map(Some)
    }

    fn string(&self, key: &str) -> Result<String> {
        match self.get(key) {
            None => Ok(String::new()),
            Some(n) => n.as_str().map(str::to_string).ok_or_else(|| {
                Error::new(
                    n.span.clone().unwrap_or_else(|| self.span()),
                    format!(
                        "{} {key} must be a string, not {}",
                        self.kind(),
                        describe(n)
                    ),
                )
            }),
        }
    }

    fn flag(&self, key: &str) -> Result<bool> {
        match self.get(key).map(|n| (&n.value, n)) {
            None => Ok(false),
            Some((Value::Bool(b), _)) => Ok(*b),
            Some((_, n)) => Err(Error::new(
                n.span.clone().unwrap_or_else(|| self.span()),
                format!("{} {key} must be true or false", self.kind()),
            )),
        }
    }
}

/// Refuses a configuration that is not one of kustomize's builtin plugins.
fn check_builtin(cfg: &PluginConfig) -> Result<()> {
    let gvk = cfg.res.gvk();
    if gvk.group.is_empty() && gvk.version == "builtin" {
        return Ok(());
    }
    Err(Error::new(
        cfg.span(),
        format!(
            "external plugins disabled; unable to load external plugin '{}': Flux builds with kustomize's builtin plugins only (apiVersion: builtin)",
            gvk.kind
        ),
    ))
}

fn unknown(cfg: &PluginConfig, what: &str) -> Error {
    Error::new(
        cfg.span(),
        format!(
            "{} is not a builtin {what} plugin kustomize can run here",
            cfg.kind()
        ),
    )
}

/// Runs one `generators:` configuration (ConfigMapGenerator or SecretGenerator).
pub(crate) fn generate(
    loader: &Loader,
    dir: &Location,
    cfg: &PluginConfig,
    acc: &mut Accumulator,
) -> Result<()> {
    check_builtin(cfg)?;
    let field = match cfg.kind().as_str() {
        "ConfigMapGenerator" => "configMapGenerator",
        "SecretGenerator" => "secretGenerator",
        "IAMPolicyGenerator" => return iam_policy(cfg, acc),
        "HelmChartInflationGenerator" => {
            return Err(Error::new(
                cfg.span(),
                "HelmChartInflationGenerator is not supported by Flux; use a HelmRelease",
            ));
        }
        _ => return Err(unknown(cfg, "generator")),
    };
    // The generator arguments sit at the top level, name and namespace in metadata.
    // Plugins read their configuration leniently: other fields are ignored.
    let mut entry = Mapping::new();
    if let Some(m) = cfg.res.node.as_map() {
        for e in m.entries() {
            let args = [
                "behavior", "literals", "files", "envs", "env", "options", "type",
            ];
            if args.contains(&e.key.as_str()) {
                entry.push(e.clone());
            }
        }
    }
    // A top-level name or namespace wins over the one in metadata.
    for key in ["name", "namespace"] {
        let top = cfg
            .get(key)
            .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        if let Some(n) = top.or_else(|| cfg.res.node.get_path(&["metadata", key])) {
            entry.insert(key, n.clone());
        }
    }
    let entry = Node::spanned(Value::Map(entry), Some(cfg.span()));
    let k = cfg.as_kustomization(vec![(field, Node::new(Value::Seq(vec![entry])))]);
    generators::run(loader, dir, &k, acc)
}

/// The IAMPolicyGenerator (GKE workload identity): a ServiceAccount annotated with the Google
/// service account it acts as.
fn iam_policy(cfg: &PluginConfig, acc: &mut Accumulator) -> Result<()> {
    let text = |path: &[&str]| -> String {
        cfg.res
            .node
            .get_path(path)
            .and_then(super::fieldspec::scalar_text)
            .unwrap_or_default()
    };
    let cloud = text(&["cloud"]);
    if cloud != "gke" {
        return Err(Error::new(
            cfg.span(),
            format!("cloud provider {cloud} not supported yet"),
        ));
    }
    let at = Some(cfg.span());
    let s = |v: String| Node::spanned(Value::Str(v.into()), at.clone());
    let mut annotations = Mapping::new();
    annotations.insert(
        "iam.gke.io/gcp-service-account",
        s(format!(
            "{}@{}.iam.gserviceaccount.com",
            text(&["serviceAccount", "name"]),
            text(&["serviceAccount", "projectId"])
        )),
    );
    let mut meta = Mapping::new();
    meta.insert(
        "annotations",
        Node::spanned(Value::Map(annotations), at.clone()),
    );
    meta.insert("name", s(text(&["kubernetesService", "name"])));
    let ns = text(&["kubernetesService", "namespace"]);
    if !ns.is_empty() {
        meta.insert("namespace", s(ns));
    }
    let mut root = Mapping::new();
    root.insert("apiVersion", s("v1".into()));
    root.insert("kind", s("ServiceAccount".into()));
    root.insert("metadata", Node::spanned(Value::Map(meta), at.clone()));
    let sa = Resource::new(Node::spanned(Value::Map(root), at), cfg.span());
    acc.append(vec![sa], &cfg.span())
}

/// Runs one `transformers:` configuration.
pub(crate) fn transform(
    loader: &Loader,
    dir: &Location,
    cfg: &PluginConfig,
    acc: &mut Accumulator,
) -> Result<()> {
    check_builtin(cfg)?;
    let res = &mut acc.resources;
    match cfg.kind().as_str() {
        kind @ ("LabelTransformer" | "AnnotationsTransformer") => {
            let key = if kind == "LabelTransformer" {
                "labels"
            } else {
                "annotations"
            };
            let specs = cfg.field_specs()?.unwrap_or_default();
            if let Some(n) = cfg.get(key) {
                let pairs = string_pairs(n, key, &cfg.file)?;
                transform::set_entries(res, &pairs, &specs)?;
            }
            Ok(())
        }
        "NamespaceTransformer" => {
            let ns = cfg
                .res
                .node
                .str_at(&["metadata", "namespace"])
                .unwrap_or("")
                .to_string();
            let subjects = match cfg.string("setRoleBindingSubjects")?.as_str() {
                "" | "defaultOnly" => SubjectMode::DefaultOnly,
                "allServiceAccounts" => SubjectMode::AllServiceAccounts,
                "none" => SubjectMode::None,
                other => {
                    return Err(Error::new(
                        cfg.span(),
                        format!(
                            "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
                        ),
                    ));
                }
            };
            let opts = NamespaceOptions {
                unset_only: cfg.flag("unsetOnly")?,
                subjects,
                origin: cfg
                    .res
                    .node
                    .get_path(&["metadata", "namespace"])
                    .and_then(|n| n.span.clone()),
            };
            let specs = cfg.field_specs()?.unwrap_or_default();
            transform::set_namespace_with(res, &ns, &specs, opts)
        }
        "PrefixSuffixTransformer" => {
            let Some(specs) = cfg.field_specs()? else {
                return Err(Error::new(
                    cfg.span(),
                    "PrefixSuffixTransformer: fieldSpecs is not expected to be nil",
                ));
            };
            let prefix = cfg.string("prefix")?;
            let suffix = cfg.string("suffix")?;
            if !prefix.is_empty() {
                transform::add_affix(res, &prefix, &specs, true)?;
            }
            if !suffix.is_empty() {
                transform::add_affix(res, &suffix, &specs, false)?;
            }
            Ok(())
        }
        kind @ ("PrefixTransformer" | "SuffixTransformer") => {
            let is_prefix = kind == "PrefixTransformer";
            let affix = cfg.string(if is_prefix { "prefix" } else { "suffix" })?;
            let Some(specs) = cfg.field_specs()? else {
                return Err(Error::new(
                    cfg.span(),
                    format!("{kind}: fieldSpecs is not expected to be nil"),
                ));
            };
            transform::add_affix(res, &affix, &specs, is_prefix)
        }
        "ImageTagTransformer" => {
            let k = cfg.as_kustomization(Vec::new());
            let Some(tag) = cfg.get("imageTag") else {
                return Ok(());
            };
            let rule = transformers::ImageRule::parse(&k, tag)?;
            let specs = cfg.field_specs()?.unwrap_or_default();
            transformers::apply_image(&rule, &specs, res)
        }
        "ReplicaCountTransformer" => {
            let k = cfg.as_kustomization(Vec::new());
            let Some(replica) = cfg.get("replica") else {
                return Err(Error::new(
                    cfg.span(),
                    "ReplicaCountTransformer needs replica",
                ));
            };
            let specs = cfg.field_specs()?.unwrap_or_default();
            transformers::replicas(&k, replica, &specs, res)
        }
        "PatchTransformer" => {
            let mut entry = Mapping::new();
            for key in ["path", "patch", "target", "options"] {
                if let Some(n) = cfg.get(key) {
                    entry.insert(key, n.clone());
                }
            }
            let entry = Node::spanned(Value::Map(entry), Some(cfg.span()));
            let k = cfg.as_kustomization(vec![("patches", Node::new(Value::Seq(vec![entry])))]);
            patches::patches(loader, dir, &k, acc)
        }
        "PatchStrategicMergeTransformer" => {
            let mut list: Vec<Node> = match cfg.get("paths") {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) => items.clone(),
                Some(n) => {
                    return Err(Error::new(
                        n.span.clone().unwrap_or_else(|| cfg.span()),
                        "PatchStrategicMergeTransformer paths must be a list",
                    ));
                }
                None => Vec::new(),
            };
            if let Some(p) = cfg.get("patches") {
                list.push(p.clone());
            }
            let k =
                cfg.as_kustomization(vec![("patchesStrategicMerge", Node::new(Value::Seq(list)))]);
            patches::patches_strategic_merge(loader, dir, &k, acc)
        }
        "PatchJson6902Transformer" => {
            let mut entry = Mapping::new();
            for (from, to) in [("target", "target"), ("path", "path"), ("jsonOp", "patch")] {
                if let Some(n) = cfg.get(from) {
                    entry.insert(to, n.clone());
                }
            }
            let entry = Node::spanned(Value::Map(entry), Some(cfg.span()));
            let k = cfg.as_kustomization(vec![(
                "patchesJson6902",
                Node::new(Value::Seq(vec![entry])),
            )]);
            patches::patches_json6902(loader, dir, &k, acc)
        }
        "ReplacementTransformer" => {
            let list: &[Node] = match cfg.get("replacements") {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) => items,
                Some(n) => {
                    return Err(Error::new(
                        n.span.clone().unwrap_or_else(|| cfg.span()),
                        "ReplacementTransformer replacements must be a list",
                    ));
                }
                None => &[],
            };
            let mut read = |path: &str, span: &Span| -> Result<(Vec<u8>, Arc<str>)> {
                let loc = loader.resolve(dir, dir, path, span)?;
                let bytes = loader.read(&loc, span)?;
                Ok((bytes, Arc::from(loc.display.as_str())))
            };
            let reps = super::replacements::parse_replacements(list, &cfg.file, &mut read)?;
            super::replacements::apply_replacements(&mut acc.resources, &reps)
        }
        _ => Err(unknown(cfg, "transformer")),
    }
}

/// Gives a node and everything below it the span `at`.
pub(crate) fn respan(node: &mut Node, at: &Span) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        n.span = Some(at.clone());
        match &mut n.value {
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(m) => stack.extend(m.entries_mut().iter_mut().map(|e| {
                e.key_span = Some(at.clone());
                &mut e.value
            })),
            _ => {}
        }
    }
}
