//! `configMapGenerator:` and `secretGenerator:`: turning literals, files and env files into
//! ConfigMaps and Secrets exactly as kustomize v5.5.0 does (api/kv, api/internal/generators,
//! kyaml's datamap).
//!
//! [`parse_generator_args`] reads one list entry, [`generate`] makes the resource, and
//! [`merge_into`] applies `behavior: merge|replace` against a resource of the same id. The name
//! hash is not added here: kustomize appends it once, at the top level, after every transformer
//! (see [`crate::kustomize::hash`]); [`Generated::hash_suffix`] records whether to.

mod args;
mod kv;
mod merge;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use args::{parse_generator_args, parse_generator_options};
pub use merge::{exists_error, merge_into, missing_error};

use crate::error::{Error, Result};
use crate::resource::{Behavior, Generated, Resource};
use crate::yaml::{Entry, Mapping, Node, Span, Value};
use kv::Pair;

/// Which generator list an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneratedKind {
    /// `configMapGenerator:`.
    ConfigMap,
    /// `secretGenerator:`.
    Secret,
}

impl GeneratedKind {
    /// The `kind` of the resources it makes.
    pub fn kind(self) -> &'static str {
        match self {
            GeneratedKind::ConfigMap => "ConfigMap",
            GeneratedKind::Secret => "Secret",
        }
    }

    /// The kustomization field holding the list.
    pub fn list_field(self) -> &'static str {
        match self {
            GeneratedKind::ConfigMap => "configMapGenerator",
            GeneratedKind::Secret => "secretGenerator",
        }
    }
}

/// A string from the kustomization and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned {
    /// The text.
    pub value: String,
    /// Where it was written.
    pub span: Span,
}

/// `generatorOptions:` or an entry's `options:`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeneratorOptions {
    /// Labels added to the generated resource, as written (key, value).
    pub labels: Vec<(Spanned, Spanned)>,
    /// Annotations added to the generated resource, as written (key, value).
    pub annotations: Vec<(Spanned, Spanned)>,
    /// `disableNameSuffixHash`, when given.
    pub disable_name_suffix_hash: Option<bool>,
    /// `immutable`, when given.
    pub immutable: Option<bool>,
}

impl GeneratorOptions {
    /// These options with the kustomization's global ones filled in, as kustomize merges them:
    /// local labels and annotations win over global ones of the same key, and a `true` in either
    /// place turns `disableNameSuffixHash` / `immutable` on.
    pub fn with_global(
        local: Option<&GeneratorOptions>,
        global: Option<&GeneratorOptions>,
    ) -> Option<GeneratorOptions> {
        let Some(global) = global else {
            return local.cloned();
        };
        let mut out = local.cloned().unwrap_or_default();
        fill_missing(&mut out.labels, &global.labels);
        fill_missing(&mut out.annotations, &global.annotations);
        if global.disable_name_suffix_hash == Some(true) {
            out.disable_name_suffix_hash = Some(true);
        }
        if global.immutable == Some(true) {
            out.immutable = Some(true);
        }
        Some(out)
    }
}

fn fill_missing(local: &mut Vec<(Spanned, Spanned)>, global: &[(Spanned, Spanned)]) {
    for (k, v) in global {
        if !local.iter().any(|(lk, _)| lk.value == k.value) {
            local.push((k.clone(), v.clone()));
        }
    }
}

/// How [`generate`] reads a file: given the path as written and where it was written, the bytes
/// and the file's display name (for spans into it).
pub type ReadFile<'a> = dyn FnMut(&str, &Span) -> Result<(Vec<u8>, Arc<str>)> + 'a;

/// One parsed entry of `configMapGenerator:` or `secretGenerator:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratorArgs {
    /// `name`; kustomize requires a non-empty one.
    pub name: Option<Spanned>,
    /// `namespace`.
    pub namespace: Option<Spanned>,
    /// `behavior`; anything but `merge`/`replace` is `create`, as in kustomize.
    pub behavior: Behavior,
    /// `literals`: `key=value` strings.
    pub literals: Vec<Spanned>,
    /// `files`: `path` or `key=path`.
    pub files: Vec<Spanned>,
    /// `envs`, followed by the deprecated singular `env`.
    pub envs: Vec<Spanned>,
    /// A Secret's `type`.
    pub type_: Option<Spanned>,
    /// The entry's own `options`.
    pub options: Option<GeneratorOptions>,
    /// The whole entry.
    pub span: Span,
}

/// Makes the ConfigMap or Secret for one generator entry.
///
/// `read` is given each env file and `files:` path exactly as written and the span where it was
/// written; it returns the bytes and the display name used for spans into that file (the caller
/// enforces load restrictions). Sources load as kustomize loads them: env files, then literals,
/// then files; a repeated key is an error at its second occurrence.
pub fn generate(
    args: &GeneratorArgs,
    kind: GeneratedKind,
    global: Option<&GeneratorOptions>,
    read: &mut ReadFile<'_>,
) -> Result<Resource> {
    let options = GeneratorOptions::with_global(args.options.as_ref(), global);
    let name = match &args.name {
        Some(n) if !n.value.is_empty() => n,
        // kustomize says "configmap" for Secrets too.
        _ => {
            return Err(Error::new(
                args.span.clone(),
                "a configmap must have a name",
            ));
        }
    };
    let pairs = load_pairs(args, read)?;
    let mut data: BTreeMap<String, Pair> = BTreeMap::new();
    for pair in pairs {
        if data.contains_key(&pair.key) {
            return Err(Error::new(
                pair.span,
                format!(
                    "configmap {} illegally repeats the key `{}`",
                    name.value, pair.key
                ),
            ));
        }
        data.insert(pair.key.clone(), pair);
    }

    let at = Some(args.span.clone());
    let mut root = Mapping::new();
    root.insert(
        "apiVersion",
        Node::spanned(Value::Str("v1".into()), at.clone()),
    );
    root.insert(
        "kind",
        Node::spanned(Value::Str(kind.kind().into()), at.clone()),
    );
    root.insert("metadata", metadata(args, name, options.as_ref()));
    let (text, binary) = data_maps(kind, data);
    match kind {
        GeneratedKind::ConfigMap => {
            if !text.is_empty() {
                root.insert("data", Node::spanned(Value::Map(text), at.clone()));
            }
            if !binary.is_empty() {
                root.insert("binaryData", Node::spanned(Value::Map(binary), at.clone()));
            }
        }
        GeneratedKind::Secret => {
            let type_ = match &args.type_ {
                Some(t) if !t.value.is_empty() => string_node(t),
                _ => Node::spanned(Value::Str("Opaque".into()), at.clone()),
            };
            root.insert("type", type_);
            // A generated Secret always has `data`, `{}` when empty.
            root.insert("data", Node::spanned(Value::Map(text), at.clone()));
        }
    }
    let options = options.unwrap_or_default();
    if options.immutable == Some(true) {
        root.insert("immutable", Node::spanned(Value::Bool(true), at.clone()));
    }
    let mut res = Resource::new(Node::spanned(Value::Map(root), at), args.span.clone());
    res.generated = Some(Generated {
        hash_suffix: options.disable_name_suffix_hash != Some(true),
        behavior: args.behavior,
    });
    Ok(res)
}

fn load_pairs(args: &GeneratorArgs, read: &mut ReadFile<'_>) -> Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    for env in &args.envs {
        let (bytes, display) = read(&env.value, &env.span)?;
        pairs.extend(kv::parse_env_file(&bytes, &display)?);
    }
    for lit in &args.literals {
        let (key, value) =
            kv::parse_literal(&lit.value).map_err(|m| Error::new(lit.span.clone(), m))?;
        pairs.push(Pair {
            key,
            value: value.into_bytes(),
            span: lit.span.clone(),
        });
    }
    for file in &args.files {
        let (key, path) =
            kv::parse_file_source(&file.value).map_err(|m| Error::new(file.span.clone(), m))?;
        let (value, _) = read(path, &file.span)?;
        pairs.push(Pair {
            key,
            value,
            span: file.span.clone(),
        });
    }
    Ok(pairs)
}

fn string_node(s: &Spanned) -> Node {
    Node::spanned(Value::Str(s.value.clone().into()), Some(s.span.clone()))
}

fn metadata(args: &GeneratorArgs, name: &Spanned, options: Option<&GeneratorOptions>) -> Node {
    let mut meta = Mapping::new();
    meta.insert("name", string_node(name));
    if let Some(ns) = args.namespace.as_ref().filter(|ns| !ns.value.is_empty()) {
        meta.insert("namespace", string_node(ns));
    }
    if let Some(o) = options {
        for (field, list) in [("labels", &o.labels), ("annotations", &o.annotations)] {
            if list.is_empty() {
                continue;
            }
            let mut m = Mapping::new();
            for (k, v) in list {
                m.push(Entry {
                    key: k.value.clone().into(),
                    key_span: Some(k.span.clone()),
                    value: string_node(v),
                });
            }
            meta.insert(field, Node::spanned(Value::Map(m), Some(args.span.clone())));
        }
    }
    Node::spanned(Value::Map(meta), Some(args.span.clone()))
}

/// `data` and `binaryData`, keys sorted: a ConfigMap keeps UTF-8 values as text and moves other
/// bytes to `binaryData` in base64; a Secret has every value in base64 under `data`.
fn data_maps(kind: GeneratedKind, data: BTreeMap<String, Pair>) -> (Mapping, Mapping) {
    let mut text = Mapping::new();
    let mut binary = Mapping::new();
    for (key, pair) in data {
        let (target, value) = match (kind, String::from_utf8(pair.value)) {
            (GeneratedKind::ConfigMap, Ok(s)) => (&mut text, s),
            (GeneratedKind::ConfigMap, Err(e)) => (&mut binary, kv::base64_wrapped(e.as_bytes())),
            (GeneratedKind::Secret, Ok(s)) => (&mut text, kv::base64_wrapped(s.as_bytes())),
            (GeneratedKind::Secret, Err(e)) => (&mut text, kv::base64_wrapped(e.as_bytes())),
        };
        target.push(Entry {
            key: key.into(),
            key_span: Some(pair.span.clone()),
            value: Node::spanned(Value::Str(value.into()), Some(pair.span)),
        });
    }
    (text, binary)
}

#[cfg(test)]
mod tests;
