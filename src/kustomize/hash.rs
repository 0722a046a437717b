//! The content hash kustomize appends to generated names (`name-<hash>`), from api/hasher.
//!
//! kustomize hashes a small JSON document built from the resource, encoded by Go's
//! `encoding/json`: keys sorted, no spaces, `<` `>` `&` U+2028 U+2029 escaped, numbers read back
//! as float64. The metadata name takes no part (kustomize looks it up under a path that never
//! exists, so it is always ""). The digest is sha256 in lowercase hex; the first ten characters,
//! with `0 1 3 a e` mapped to `g h k m t` so the suffix never looks like a number or a word, are
//! the suffix.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::yaml::{Node, Span, Value};

/// A value as Go's `json.Unmarshal` into `interface{}` holds it.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

/// The 10-character suffix kustomize gives a generated ConfigMap or Secret with this content.
///
/// Only the fields kustomize hashes count: a ConfigMap's `data` and `binaryData`; a Secret's
/// `type`, `data` and `stringData`. Other kinds are an error (kustomize hashes only what its
/// generators made).
pub fn name_hash(node: &Node) -> Result<String> {
    let span = node
        .span
        .clone()
        .unwrap_or_else(|| Span::file("<generated>".into()));
    let kind = node.str_at(&["kind"]).unwrap_or_default();
    let mut doc = BTreeMap::new();
    doc.insert("kind".to_string(), Json::Str(kind.to_string()));
    doc.insert("name".to_string(), Json::Str(String::new()));
    match kind {
        "ConfigMap" => {
            doc.insert("data".into(), field(node, "data", &span)?);
            if let Some(v) = map_field(node, "binaryData", &span)? {
                doc.insert("binaryData".into(), v);
            }
        }
        "Secret" => {
            doc.insert("data".into(), field(node, "data", &span)?);
            doc.insert("type".into(), field(node, "type", &span)?);
            if let Some(v) = map_field(node, "stringData", &span)? {
                doc.insert("stringData".into(), v);
            }
        }
        other => {
            return Err(Error::new(
                span,
                format!(
                    "cannot compute a name hash for kind {other:?}: only ConfigMap and Secret are hashed"
                ),
            ));
        }
    }
    let mut encoded = String::new();
    encode(&Json::Obj(doc), &mut encoded);
    Ok(suffix(&encoded))
}

/// The suffix for an already encoded document.
fn suffix(encoded: &str) -> String {
    let digest = Sha256::digest(encoded.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// A hashed field: "" when absent, the scalar's text, a mapping as JSON, and `null` for a
/// sequence (kustomize decodes it into a map and ignores the failure).
fn field(node: &Node, name: &str, span: &Span) -> Result<Json> {
    Ok(match node.get_path(&[name]) {
        None => Json::Str(String::new()),
        Some(v) => match &v.value {
            Value::Map(_) => to_json(v, span)?,
            Value::Seq(_) => Json::Null,
            _ => Json::Str(scalar_text(v)),
        },
    })
}

/// An optional field kustomize includes only when it is a collection.
fn map_field(node: &Node, name: &str, span: &Span) -> Result<Option<Json>> {
    match node.get_path(&[name]) {
        Some(v) if matches!(v.value, Value::Map(_)) => Ok(Some(to_json(v, span)?)),
        Some(v) if matches!(v.value, Value::Seq(_)) => Ok(Some(Json::Null)),
        _ => Ok(None),
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => go_float(*f),
        _ => String::new(),
    }
}

fn to_json(node: &Node, span: &Span) -> Result<Json> {
    let at = || node.span.clone().unwrap_or_else(|| span.clone());
    Ok(match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        // Go decodes every JSON number into float64, so large integers round.
        Value::Int(i) => Json::Num(*i as f64),
        Value::Float(f) if f.is_finite() => Json::Num(*f),
        Value::Float(f) => {
            return Err(Error::new(
                at(),
                format!("json: unsupported value: {}", go_float(*f)),
            ));
        }
        Value::Str(s) => Json::Str(s.to_string()),
        Value::Seq(items) => Json::Arr(
            items
                .iter()
                .map(|i| to_json(i, span))
                .collect::<Result<_>>()?,
        ),
        Value::Map(m) => Json::Obj(
            m.entries()
                .iter()
                .map(|e| Ok((e.key.to_string(), to_json(&e.value, span)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

/// Go's `encoding/json` encoding; object keys come sorted bytewise from the BTreeMap, as Go
/// sorts map keys.
fn encode(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(f) => out.push_str(&go_float(*f)),
        Json::Str(s) => encode_str(s, out),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out);
            }
            out.push(']');
        }
        Json::Obj(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_str(k, out);
                out.push(':');
                encode(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as Go writes it with HTML escaping on (the `json.Marshal` default, Go ≥ 1.22):
/// `\b \f \n \r \t` short forms, other control characters and `< > &` as `\u00xx`, and the line
/// and paragraph separators as `\u2028` `\u2029`.
fn encode_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float64 as Go's `encoding/json` writes it: shortest round-trip digits, plain notation for
/// magnitudes in [1e-6, 1e21), otherwise exponent form like `1e+21` or `1e-7`.
pub(crate) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return format!("{f}");
    }
    // Rust writes `1.5e-7` / `1e21`; Go writes `1.5e-07` then trims it to `1.5e-7`, and `1e+21`.
    let s = format!("{f:e}");
    match s.split_once('e') {
        Some((mantissa, exp)) if exp.starts_with('-') => format!("{mantissa}e{exp}"),
        Some((mantissa, exp)) => {
            let digits = if exp.len() < 2 {
                format!("0{exp}")
            } else {
                exp.to_string()
            };
            format!("{mantissa}e+{digits}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    fn node(text: &str) -> Node {
        parse_str(text, "r.yaml", Profile::Kustomize, Limits::default())
            .expect("yaml")
            .remove(0)
    }

    // Expected suffixes below were printed by `kubectl kustomize` (kustomize v5.5.0).
    #[test]
    fn empty_configmap_and_secrets() {
        let cm = node("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n");
        assert_eq!(name_hash(&cm).expect("hash"), "6ct58987ht");
        let s = node("kind: Secret\nmetadata: {name: s}\ntype: Opaque\ndata: {}\n");
        assert_eq!(name_hash(&s).expect("hash"), "46f8b28mk5");
        let s = node("kind: Secret\nmetadata: {name: s}\ntype: Opaque\n");
        assert_eq!(name_hash(&s).expect("hash"), "8226t8dd99");
    }

    #[test]
    fn name_takes_no_part_and_data_does() {
        let a = node("kind: ConfigMap\nmetadata: {name: a}\ndata: {a: \"1\"}\n");
        let b = node("kind: ConfigMap\nmetadata: {name: b}\ndata: {a: \"1\"}\n");
        let c = node("kind: ConfigMap\nmetadata: {name: b}\ndata: {a: \"2\"}\n");
        assert_eq!(name_hash(&a).expect("a"), "h29d89cmmt");
        assert_eq!(name_hash(&a).expect("a"), name_hash(&b).expect("b"));
        assert_ne!(name_hash(&b).expect("b"), name_hash(&c).expect("c"));
        let s = node("kind: Secret\nmetadata: {name: s2}\ntype: Opaque\ndata: {a: MQ==}\n");
        assert_eq!(name_hash(&s).expect("hash"), "25khgmg44c");
    }

    #[test]
    fn patched_fields_count_as_kustomize_reads_them() {
        // Printed by `kubectl kustomize` after patches added these fields to generated objects.
        let cm = node(
            "kind: ConfigMap\nmetadata: {name: c}\nbinaryData: {b: AAE=}\n\
             data: {a: \"1\", n: 5, f: 1.5, t: true, big: 12345678901234567890}\n",
        );
        assert_eq!(name_hash(&cm).expect("hash"), "8bb26btdmh");
        let s = node(
            "kind: Secret\nmetadata: {name: s}\ndata: {a: MQ==}\nstringData: {x: <y>}\n\
             type: custom\n",
        );
        assert_eq!(name_hash(&s).expect("hash"), "bhm65mk7k6");
    }

    #[test]
    fn other_kinds_are_refused() {
        assert!(name_hash(&node("kind: Deployment\n")).is_err());
    }

    #[test]
    fn go_json_strings() {
        let mut out = String::new();
        encode_str(
            "<a&b>\u{2028}\u{2029}\u{8}\u{c}\n\r\t\u{1}\u{7f}é\"\\",
            &mut out,
        );
        assert_eq!(
            out,
            "\"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\b\\f\\n\\r\\t\\u0001\u{7f}é\\\"\\\\\""
        );
    }

    #[test]
    fn go_floats() {
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1e20), "100000000000000000000");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1.5e-7), "1.5e-7");
        assert_eq!(go_float(1.2345678901234567e19), "12345678901234567000");
        assert_eq!(go_float(0.000001), "0.000001");
        assert_eq!(go_float(-0.0), "-0");
    }

    #[test]
    fn numbers_in_data_are_hashed_as_go_floats() {
        // kustomize reads the map through JSON into float64: 1 and 1.0 hash alike.
        let a = node("kind: ConfigMap\ndata: {a: 1}\n");
        let b = node("kind: ConfigMap\ndata: {a: 1.0}\n");
        assert_eq!(name_hash(&a).expect("a"), name_hash(&b).expect("b"));
    }
}
