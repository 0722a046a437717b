//! Between spanned YAML and JSON: the JSON a schema sees, and the way back from a JSON pointer
//! to the place in the YAML where that value (or its key) was written.

use serde_json::{Map, Number, Value as Json};

use crate::yaml::{Node, Span, Value};

/// The JSON value of a node, as sigs.k8s.io/yaml hands it to a validator.
///
/// Integers outside the 64-bit ranges become floats (Go's JSON does the same); infinities and
/// NaN, which JSON cannot hold, become their YAML spelling so a schema still sees a wrong type.
pub fn node_to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => {
            if let Ok(v) = i64::try_from(*i) {
                Json::Number(v.into())
            } else if let Ok(v) = u64::try_from(*i) {
                Json::Number(v.into())
            } else {
                float(*i as f64)
            }
        }
        Value::Float(f) => float(*f),
        Value::Str(s) => Json::String(s.to_string()),
        Value::Seq(items) => Json::Array(items.iter().map(node_to_json).collect()),
        Value::Map(m) => {
            let mut out = Map::with_capacity(m.len());
            for e in m.entries() {
                out.insert(e.key.to_string(), node_to_json(&e.value));
            }
            Json::Object(out)
        }
    }
}

fn float(f: f64) -> Json {
    match Number::from_f64(f) {
        Some(n) => Json::Number(n),
        None if f.is_nan() => Json::String(".nan".into()),
        None if f > 0.0 => Json::String(".inf".into()),
        None => Json::String("-.inf".into()),
    }
}

/// Splits a JSON pointer (`/spec/values/a~1b`) into unescaped tokens.
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Escapes one token for a JSON pointer.
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// What a pointer leads to in the YAML tree.
#[derive(Clone, Debug, Default)]
pub struct Located<'a> {
    /// The node at the pointer (or the deepest one that exists on the way).
    pub node: Option<&'a Node>,
    /// The span of the mapping key that holds it, when it is a mapping value.
    pub key_span: Option<Span>,
    /// Whether the whole pointer was found.
    pub exact: bool,
}

impl Located<'_> {
    /// The value's own span, else its key's.
    pub fn value_span(&self) -> Option<Span> {
        self.node
            .and_then(|n| n.span.clone())
            .or_else(|| self.key_span.clone())
    }

    /// The key's span, else the value's (for findings about a whole object: "this object
    /// lacks …", where the key line is what a person reads).
    pub fn key_or_value_span(&self) -> Option<Span> {
        self.key_span.clone().or_else(|| self.value_span())
    }
}

/// Follows `tokens` from `root`.
pub fn locate<'a>(root: &'a Node, tokens: &[String]) -> Located<'a> {
    let mut cur = Located {
        node: Some(root),
        key_span: None,
        exact: true,
    };
    for t in tokens {
        let Some(n) = cur.node else { break };
        let next = match &n.value {
            Value::Map(m) => m.entry(t).map(|e| (Some(&e.value), e.key_span.clone())),
            Value::Seq(items) => t
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|v| (Some(v), None)),
            _ => None,
        };
        match next {
            Some((node, key_span)) => {
                cur.node = node;
                cur.key_span = key_span;
            }
            None => {
                cur.exact = false;
                break;
            }
        }
    }
    cur
}

/// The span of key `key` of the mapping at `tokens`.
pub fn key_span_of(root: &Node, tokens: &[String], key: &str) -> Option<Span> {
    let here = locate(root, tokens);
    let entry = here.node?.as_map()?.entry(key)?;
    entry.key_span.clone().or_else(|| entry.value.span.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    #[test]
    fn pointers_lead_back_to_keys_and_values() {
        let doc = &parse_str(
            "a:\n  b~/c:\n  - x\n  - y: 1\n",
            "f.yaml",
            Profile::Kubernetes,
            Limits::default(),
        )
        .unwrap()[0];
        assert_eq!(
            node_to_json(doc),
            serde_json::json!({"a": {"b~/c": ["x", {"y": 1}]}})
        );
        let t = pointer_tokens("/a/b~0~1c/1/y");
        assert_eq!(t, vec!["a", "b~/c", "1", "y"]);
        let l = locate(doc, &t);
        assert!(l.exact);
        assert_eq!(l.key_span.unwrap().to_string(), "f.yaml:4:5");
        assert_eq!(
            l.node.unwrap().span.clone().unwrap().to_string(),
            "f.yaml:4:8"
        );
        let l = locate(doc, &pointer_tokens("/a/zz"));
        assert!(!l.exact);
        assert_eq!(escape_token("a/b~"), "a~1b~0");
    }
}
