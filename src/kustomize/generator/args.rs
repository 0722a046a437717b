//! Reading `configMapGenerator:` / `secretGenerator:` entries and `generatorOptions:`.
//!
//! kustomize decodes the kustomization with Go's `encoding/json` after converting YAML to JSON,
//! with unknown fields refused. Two quirks of that decoder are kept: field names match without
//! regard to ASCII case (`Literals:` is `literals:`), and when several spellings of one field are
//! present the one sorting last wins (the YAML-to-JSON step orders keys). `null` stands for the
//! field's zero value.

use std::collections::HashMap;

use super::{GeneratedKind, GeneratorArgs, GeneratorOptions, Spanned};
use crate::error::{Error, Result};
use crate::resource::Behavior;
use crate::yaml::{Entry, Node, Span, Value};

const OPTION_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "disableNameSuffixHash",
    "immutable",
];
const CONFIGMAP_FIELDS: &[&str] = &[
    "name",
    "namespace",
    "behavior",
    "literals",
    "files",
    "envs",
    "env",
    "options",
];
const SECRET_FIELDS: &[&str] = &[
    "name",
    "namespace",
    "behavior",
    "literals",
    "files",
    "envs",
    "env",
    "options",
    "type",
];

/// Parses the kustomization's top-level `generatorOptions:` (also used for an entry's
/// `options:`).
pub fn parse_generator_options(node: &Node) -> Result<GeneratorOptions> {
    let span = span_of(node, None);
    parse_options_at(node, &span, "generatorOptions")
}

fn parse_options_at(node: &Node, parent: &Span, path: &str) -> Result<GeneratorOptions> {
    let span = span_of(node, Some(parent));
    let mut opts = GeneratorOptions::default();
    let fields = match &node.value {
        Value::Null => return Ok(opts),
        Value::Map(_) => known_fields(node, OPTION_FIELDS, &span)?,
        _ => return Err(type_error(node, &span, path, "a mapping")),
    };
    for (name, entry) in fields {
        let at = format!("{path}.{name}");
        match name {
            "labels" => opts.labels = string_map(&entry.value, &span, &at)?,
            "annotations" => opts.annotations = string_map(&entry.value, &span, &at)?,
            "disableNameSuffixHash" => {
                opts.disable_name_suffix_hash = opt_bool(&entry.value, &span, &at)?
            }
            _ => opts.immutable = opt_bool(&entry.value, &span, &at)?,
        }
    }
    Ok(opts)
}

/// Parses one entry of a `configMapGenerator:` or `secretGenerator:` list.
///
/// Unknown fields and values of the wrong type are errors at the offending node. A missing name
/// is reported later by [`super::generate`], where kustomize reports it.
pub fn parse_generator_args(entry: &Node, kind: GeneratedKind) -> Result<GeneratorArgs> {
    let span = span_of(entry, None);
    let list = kind.list_field();
    let mut args = GeneratorArgs {
        name: None,
        namespace: None,
        behavior: Behavior::Create,
        literals: Vec::new(),
        files: Vec::new(),
        envs: Vec::new(),
        type_: None,
        options: None,
        span: span.clone(),
    };
    let allowed = match kind {
        GeneratedKind::ConfigMap => CONFIGMAP_FIELDS,
        GeneratedKind::Secret => SECRET_FIELDS,
    };
    let fields = match &entry.value {
        Value::Null => return Ok(args),
        Value::Map(_) => known_fields(entry, allowed, &span)?,
        _ => return Err(type_error(entry, &span, list, "a mapping")),
    };
    let mut env = None;
    for (name, field) in fields {
        let at = format!("{list}.{name}");
        let v = &field.value;
        match name {
            "name" => args.name = opt_string(v, &span, &at)?,
            "namespace" => args.namespace = opt_string(v, &span, &at)?,
            "behavior" => {
                // kustomize treats anything but merge/replace as create, silently.
                args.behavior = match opt_string(v, &span, &at)?.as_ref().map(|s| &*s.value) {
                    Some("merge") => Behavior::Merge,
                    Some("replace") => Behavior::Replace,
                    _ => Behavior::Create,
                }
            }
            "literals" => args.literals = string_list(v, &span, &at)?,
            "files" => args.files = string_list(v, &span, &at)?,
            "envs" => args.envs = string_list(v, &span, &at)?,
            "env" => env = opt_string(v, &span, &at)?,
            "type" => args.type_ = opt_string(v, &span, &at)?,
            _ => {
                if !v.is_null() {
                    args.options = Some(parse_options_at(v, &span, &at)?);
                }
            }
        }
    }
    // The deprecated singular `env` is appended after `envs` (kustomize's FixKustomization).
    if let Some(env) = env.filter(|e| !e.value.is_empty()) {
        args.envs.push(env);
    }
    Ok(args)
}

/// The fields of mapping `node` by their canonical names, refusing unknown ones.
fn known_fields<'a>(
    node: &'a Node,
    allowed: &[&'static str],
    span: &Span,
) -> Result<Vec<(&'static str, &'a Entry)>> {
    let Some(map) = node.as_map() else {
        return Ok(Vec::new());
    };
    let mut chosen: HashMap<&'static str, &'a Entry> = HashMap::new();
    let mut order = Vec::new();
    for entry in map.entries() {
        let Some(&name) = allowed.iter().find(|f| f.eq_ignore_ascii_case(&entry.key)) else {
            let at = entry.key_span.clone().unwrap_or_else(|| span.clone());
            return Err(Error::new(at, format!("unknown field {:?}", entry.key)));
        };
        match chosen.get(name) {
            Some(prev) if prev.key.as_str() > entry.key.as_str() => {}
            Some(_) => {
                chosen.insert(name, entry);
            }
            None => {
                chosen.insert(name, entry);
                order.push(name);
            }
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|n| chosen.get(n).map(|e| (n, *e)))
        .collect())
}

fn span_of(node: &Node, parent: Option<&Span>) -> Span {
    node.span
        .clone()
        .or_else(|| parent.cloned())
        .unwrap_or_else(|| Span::file("<generator>".into()))
}

fn type_error(node: &Node, parent: &Span, at: &str, expected: &str) -> Error {
    Error::new(
        span_of(node, Some(parent)),
        format!("{at}: expected {expected}, found {}", node.type_name()),
    )
}

fn opt_string(node: &Node, parent: &Span, at: &str) -> Result<Option<Spanned>> {
    match &node.value {
        Value::Null => Ok(None),
        Value::Str(s) => Ok(Some(Spanned {
            value: s.to_string(),
            span: span_of(node, Some(parent)),
        })),
        _ => Err(type_error(node, parent, at, "a string")),
    }
}

fn opt_bool(node: &Node, parent: &Span, at: &str) -> Result<Option<bool>> {
    match node.value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        _ => Err(type_error(node, parent, at, "a boolean")),
    }
}

/// A list of strings; a `null` item is the empty string, as Go decodes it.
fn string_list(node: &Node, parent: &Span, at: &str) -> Result<Vec<Spanned>> {
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items
            .iter()
            .map(|item| {
                Ok(opt_string(item, parent, at)?.unwrap_or_else(|| Spanned {
                    value: String::new(),
                    span: span_of(item, Some(parent)),
                }))
            })
            .collect(),
        _ => Err(type_error(node, parent, at, "a list of strings")),
    }
}

/// A map of strings to strings (labels, annotations); a `null` value is the empty string.
fn string_map(node: &Node, parent: &Span, at: &str) -> Result<Vec<(Spanned, Spanned)>> {
    let map = match &node.value {
        Value::Null => return Ok(Vec::new()),
        Value::Map(m) => m,
        _ => return Err(type_error(node, parent, at, "a mapping of strings")),
    };
    let here = span_of(node, Some(parent));
    map.entries()
        .iter()
        .map(|e| {
            let key = Spanned {
                value: e.key.to_string(),
                span: e.key_span.clone().unwrap_or_else(|| here.clone()),
            };
            let value =
                opt_string(&e.value, &here, &format!("{at}.{}", e.key))?.unwrap_or_else(|| {
                    Spanned {
                        value: String::new(),
                        span: span_of(&e.value, Some(&here)),
                    }
                });
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    fn node(text: &str) -> Node {
        parse_str(
            text,
            "kustomization.yaml",
            Profile::Kubernetes,
            Limits::default(),
        )
        .expect("valid yaml")
        .remove(0)
    }

    #[test]
    fn reads_every_field_with_spans() {
        let n = node(
            "name: cm\nnamespace: ns\nbehavior: merge\nliterals: [a=1]\nfiles:\n- k=f.txt\n\
             envs: [a.env]\nenv: b.env\noptions:\n  labels: {x: \"1\"}\n  immutable: true\n",
        );
        let a = parse_generator_args(&n, GeneratedKind::ConfigMap).expect("valid");
        assert_eq!(a.name.as_ref().map(|s| s.value.as_str()), Some("cm"));
        assert_eq!(a.name.as_ref().map(|s| s.span.line), Some(1));
        assert_eq!(a.namespace.map(|s| s.value), Some("ns".to_string()));
        assert_eq!(a.behavior, Behavior::Merge);
        assert_eq!(a.literals[0].value, "a=1");
        assert_eq!(a.files[0].value, "k=f.txt");
        assert_eq!(a.files[0].span.line, 6);
        let envs: Vec<_> = a.envs.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(envs, ["a.env", "b.env"]);
        let o = a.options.expect("options");
        assert_eq!(o.labels[0].0.value, "x");
        assert_eq!(o.labels[0].1.value, "1");
        assert_eq!(o.immutable, Some(true));
        assert_eq!(o.disable_name_suffix_hash, None);
    }

    #[test]
    fn unknown_fields_are_errors_at_the_key() {
        let n = node("name: cm\nbogus: 1\n");
        let e = parse_generator_args(&n, GeneratedKind::ConfigMap).expect_err("unknown");
        assert_eq!(e.message, "unknown field \"bogus\"");
        assert_eq!((e.span.line, e.span.col), (2, 1));
        // `type` is only a Secret field.
        let n = node("name: cm\ntype: x\n");
        assert!(parse_generator_args(&n, GeneratedKind::ConfigMap).is_err());
        let a = parse_generator_args(&n, GeneratedKind::Secret).expect("secret type");
        assert_eq!(a.type_.map(|t| t.value), Some("x".to_string()));
        let e = parse_generator_options(&node("foo: 1\n")).expect_err("unknown");
        assert_eq!(e.message, "unknown field \"foo\"");
    }

    #[test]
    fn wrong_types_are_errors_at_the_value() {
        let e = parse_generator_args(&node("name: cm\nliterals: [5]\n"), GeneratedKind::ConfigMap)
            .expect_err("number");
        assert_eq!(
            e.message,
            "configMapGenerator.literals: expected a string, found integer"
        );
        assert_eq!(e.span.col, 12);
        let e = parse_generator_args(&node("literals: a=b\n"), GeneratedKind::Secret)
            .expect_err("not a list");
        assert!(e.message.contains("a list of strings"), "{}", e.message);
        let e = parse_generator_options(&node("labels: {a: 1}\n")).expect_err("int label");
        assert_eq!(
            e.message,
            "generatorOptions.labels.a: expected a string, found integer"
        );
        let e = parse_generator_options(&node("disableNameSuffixHash: \"true\"\n"))
            .expect_err("string bool");
        assert!(e.message.contains("a boolean"), "{}", e.message);
        assert!(parse_generator_args(&node("[a]\n"), GeneratedKind::Secret).is_err());
    }

    #[test]
    fn field_names_match_case_insensitively_and_last_sorted_wins() {
        let n = node("Name: cm\nliterals: [a=1]\nLiterals: [b=2]\n");
        let a = parse_generator_args(&n, GeneratedKind::ConfigMap).expect("valid");
        assert_eq!(a.name.map(|s| s.value), Some("cm".to_string()));
        assert_eq!(a.literals[0].value, "a=1");
    }

    #[test]
    fn nulls_are_zero_values_and_unknown_behavior_is_create() {
        let n = node("name: cm\nliterals: [~]\noptions:\n  labels: {a: null}\nbehavior: foo\n");
        let a = parse_generator_args(&n, GeneratedKind::ConfigMap).expect("valid");
        assert_eq!(a.literals[0].value, "");
        assert_eq!(a.behavior, Behavior::Create);
        assert_eq!(a.options.expect("options").labels[0].1.value, "");
        let a = parse_generator_args(&node("~\n"), GeneratedKind::ConfigMap).expect("null");
        assert!(a.name.is_none());
    }
}
