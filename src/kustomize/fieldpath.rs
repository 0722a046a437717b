//! kustomize's dotted field paths (`spec.containers.[name=app].image`), as replacements and vars
//! read them.
//!
//! Two walkers exist in kustomize and they disagree, so both are kept: [`lookup`] is kyaml's
//! `PathGetter` (one node, exact `[k=v]` matches, `-` means the last element, no wildcards) used
//! for sources; [`match_targets`] is kyaml's `PathMatcher` (every match, `[k=v]` values are
//! unanchored regular expressions, `*` visits every element, optional creation) used for targets.

use regex::Regex;

use crate::yaml::{Entry, Mapping, Node, Span, Value, resolve_plain};

/// Splits a field path at dots, as kustomize's `SmarterPathSplitter` does: `\.` escapes a dot,
/// a leading dot is dropped, `[a.b]` keeps its dots (and loses its brackets unless it holds `=`).
pub fn split_path(path: &str) -> Vec<String> {
    let mut raw: Vec<&str> = path.split('.').collect();
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    let mut parts: Vec<String> = Vec::new();
    for p in raw {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(p);
            }
            _ => parts.push(p.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let elem = &parts[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut joined = elem.clone();
            while i + 1 < parts.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&parts[i]);
                if parts[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

/// The text kustomize sees in a scalar node (its YAML value), or `None` for lists and maps.
pub fn scalar_text(n: &Node) -> Option<String> {
    Some(match &n.value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Str(s) => s.to_string(),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else {
        format!("{f}")
    }
}

/// The YAML tag name go-yaml would give a node of this value (for error messages).
pub fn tag_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Int(_) => "!!int",
        Value::Float(_) => "!!float",
        Value::Str(_) => "!!str",
        Value::Seq(_) => "!!seq",
        Value::Map(_) => "!!map",
    }
}

/// Puts `text` into a scalar of the same type as `like`, as kustomize does when it replaces only
/// the text of a node and keeps its tag; text that cannot have that type is an error (go-yaml
/// refuses to decode it when kustomize prints the result).
pub fn retype(like: &Value, text: &str) -> Result<Value, String> {
    let plain = resolve_plain(text, crate::yaml::Profile::Kustomize);
    let ok = match (like, &plain) {
        (Value::Str(_), _) => return Ok(Value::Str(text.into())),
        (Value::Int(_), Value::Int(_)) | (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Null, Value::Null) => true,
        (Value::Float(_), Value::Float(_)) => true,
        (Value::Float(_), Value::Int(i)) => return Ok(Value::Float(*i as f64)),
        _ => false,
    };
    if ok {
        Ok(plain)
    } else {
        Err(format!(
            "cannot decode {} `{text}` as a {}",
            tag_name(&plain),
            tag_name(like)
        ))
    }
}

fn kind_name(n: &Node) -> &'static str {
    match n.value {
        Value::Seq(_) => "SequenceNode",
        Value::Map(_) => "MappingNode",
        _ => "ScalarNode",
    }
}

fn wrong_kind(expected: &str, n: &Node) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        kind_name(n)
    )
}

fn is_list_index(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

/// Go's `strconv.Atoi` on a path part: an optional sign and decimal digits.
fn atoi(p: &str) -> Option<i64> {
    let digits = p.strip_prefix(['+', '-']).unwrap_or(p);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

fn split_index(p: &str) -> Result<(String, String), String> {
    let inner = p.strip_prefix('[').unwrap_or(p);
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    match inner.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => {
            Err("list path element must contain fieldName=fieldValue for element to match".into())
        }
    }
}

/// kyaml's `PathGetter`: the one node at `parts`, `None` when some part is missing.
pub fn lookup<'a>(node: &'a Node, parts: &[String]) -> Result<Option<&'a Node>, String> {
    let mut cur = node;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Some(idx) = atoi(part) {
            if idx < 0 {
                return Err(format!("array index {idx} cannot be negative"));
            }
            elements(cur)?.get(idx as usize)
        } else if part == "-" {
            elements(cur)?.last()
        } else if part == "*" {
            return Err("wildcard is not supported in PathGetter".into());
        } else if is_list_index(part) {
            let (key, value) = split_index(part)?;
            elements(cur)?.iter().find(|e| {
                if key.is_empty() {
                    scalar_text(e).is_some_and(|t| t == value)
                } else {
                    e.as_map()
                        .and_then(|m| m.get(&key))
                        .is_some_and(|v| !v.is_null() && scalar_text(v).is_some_and(|t| t == value))
                }
            })
        } else {
            match &cur.value {
                Value::Null => None,
                Value::Map(m) => m.get(part),
                _ => return Err(wrong_kind("MappingNode", cur)),
            }
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

fn elements(n: &Node) -> Result<&[Node], String> {
    match &n.value {
        Value::Null => Ok(&[]),
        Value::Seq(s) => Ok(s),
        _ => Err(wrong_kind("SequenceNode", n)),
    }
}

/// One step of a concrete path to a node found by [`match_targets`].
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A sequence position.
    Index(usize),
}

/// What [`match_targets`] creates at the end of a missing path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Create {
    /// Create nothing.
    No,
    /// An untyped scalar (its type comes from the text later written into it).
    Scalar,
    /// An empty mapping.
    Map,
    /// An empty sequence.
    Seq,
}

/// A node found by [`match_targets`]: where it is, and whether it was just created as an untyped
/// scalar.
#[derive(Clone, Debug)]
pub struct Found {
    /// The concrete path from the root.
    pub steps: Vec<Step>,
    /// Whether this is a scalar created by the walk (it has no type yet).
    pub fresh: bool,
}

/// kyaml's `PathMatcher`: every node `parts` reaches, creating missing parts when asked.
/// Nodes it creates get `origin` (where the field path was written) as their span.
pub fn match_targets(
    node: &mut Node,
    parts: &[String],
    create: Create,
    origin: Option<&Span>,
) -> Result<Vec<Found>, String> {
    let mut out = Vec::new();
    let mut prefix = Vec::new();
    let ctx = Ctx {
        create,
        origin: origin.cloned(),
    };
    walk(node, parts, &ctx, &mut prefix, &mut out, false)?;
    Ok(out)
}

struct Ctx {
    create: Create,
    origin: Option<Span>,
}

fn next_kind(parts: &[String], create: Create) -> Create {
    match parts.first() {
        None => create,
        Some(p) if is_list_index(p) || atoi(p).is_some_and(|i| i >= 0) => Create::Seq,
        Some(_) => Create::Map,
    }
}

fn new_node(kind: Create, ctx: &Ctx) -> Node {
    Node::spanned(
        match kind {
            Create::Seq => Value::Seq(Vec::new()),
            Create::Map => Value::Map(Mapping::new()),
            Create::Scalar | Create::No => Value::Null,
        },
        ctx.origin.clone(),
    )
}

fn walk(
    node: &mut Node,
    parts: &[String],
    ctx: &Ctx,
    prefix: &mut Vec<Step>,
    out: &mut Vec<Found>,
    fresh: bool,
) -> Result<(), String> {
    let Some(part) = parts.first() else {
        out.push(Found {
            steps: prefix.clone(),
            fresh: fresh && ctx.create == Create::Scalar,
        });
        return Ok(());
    };
    let rest = &parts[1..];
    let creating = ctx.create != Create::No;
    if let Some(idx) = atoi(part).filter(|i| *i >= 0) {
        let idx = idx as usize;
        if node.is_null() && !creating {
            return Err(format!("index {idx} specified but only 0 elements found"));
        }
        let seq = seq_mut(node, creating)?;
        let mut made = false;
        if seq.len() == idx && creating {
            seq.push(new_node(next_kind(rest, ctx.create), ctx));
            made = true;
        }
        if seq.len() < idx + 1 {
            return Err(format!(
                "index {idx} specified but only {} elements found",
                seq.len()
            ));
        }
        prefix.push(Step::Index(idx));
        walk(&mut seq[idx], rest, ctx, prefix, out, made)?;
        prefix.pop();
        return Ok(());
    }
    if is_list_index(part) {
        let (key, pattern) = split_index(part)?;
        let re =
            Regex::new(&pattern).map_err(|e| format!("error parsing regexp {pattern:?}: {e}"))?;
        let before = out.len();
        let m = ElemMatch {
            key: &key,
            re: &re,
            rest,
        };
        if !node.is_null() {
            m.visit(seq_mut(node, false)?, ctx, prefix, out)?;
        }
        if out.len() > before || !creating {
            return Ok(());
        }
        let value = Node::spanned(
            resolve_plain(&pattern, crate::yaml::Profile::Kustomize),
            ctx.origin.clone(),
        );
        let elem = if key.is_empty() {
            value
        } else {
            let mut map = Mapping::new();
            map.push(Entry {
                key: key.clone().into(),
                key_span: ctx.origin.clone(),
                value,
            });
            Node::spanned(Value::Map(map), ctx.origin.clone())
        };
        let seq = seq_mut(node, true)?;
        seq.push(elem);
        // Searching again finds the element just made, as kustomize does. (kustomize would
        // search forever if the pattern does not match its own text; once is enough here.)
        return m.visit(seq, ctx, prefix, out);
    }
    if part == "*" {
        if node.is_null() {
            return Ok(());
        }
        let seq = seq_mut(node, false)?;
        for (i, elem) in seq.iter_mut().enumerate() {
            prefix.push(Step::Index(i));
            walk(elem, rest, ctx, prefix, out, false)?;
            prefix.pop();
        }
        return Ok(());
    }
    let map = match &mut node.value {
        Value::Map(m) => m,
        Value::Null if creating => {
            node.value = Value::Map(Mapping::new());
            match &mut node.value {
                Value::Map(m) => m,
                _ => return Ok(()),
            }
        }
        Value::Null => return Ok(()),
        _ => return Err(wrong_kind("MappingNode", node)),
    };
    let mut made = false;
    if !map.contains_key(part) {
        if !creating {
            return Ok(());
        }
        map.push(Entry {
            key: part.clone().into(),
            key_span: ctx.origin.clone(),
            value: new_node(next_kind(rest, ctx.create), ctx),
        });
        made = true;
    }
    let Some(child) = map.get_mut(part) else {
        return Ok(());
    };
    prefix.push(Step::Key(part.clone()));
    walk(child, rest, ctx, prefix, out, made)?;
    prefix.pop();
    Ok(())
}

/// A `[key=pattern]` path part and the parts after it.
struct ElemMatch<'p> {
    key: &'p str,
    re: &'p Regex,
    rest: &'p [String],
}

impl ElemMatch<'_> {
    fn visit(
        &self,
        seq: &mut [Node],
        ctx: &Ctx,
        prefix: &mut Vec<Step>,
        out: &mut Vec<Found>,
    ) -> Result<(), String> {
        for (i, elem) in seq.iter_mut().enumerate() {
            prefix.push(Step::Index(i));
            if self.key.is_empty() {
                // A scalar element matches itself; kustomize ignores the rest of the path.
                if scalar_text(elem).is_some_and(|t| self.re.is_match(t.trim())) {
                    out.push(Found {
                        steps: prefix.clone(),
                        fresh: false,
                    });
                }
            } else if let Some(v) = elem.as_map().and_then(|m| m.get(self.key))
                && !v.is_null()
                && scalar_text(v).is_some_and(|t| self.re.is_match(t.trim()))
            {
                walk(elem, self.rest, ctx, prefix, out, false)?;
            }
            prefix.pop();
        }
        Ok(())
    }
}

/// The sequence in `node`; a null becomes an empty sequence only when creating (callers handle
/// a null they must not change before calling).
fn seq_mut(node: &mut Node, creating: bool) -> Result<&mut Vec<Node>, String> {
    if node.is_null() && creating {
        node.value = Value::Seq(Vec::new());
    }
    let kind = kind_name(node);
    match &mut node.value {
        Value::Seq(s) => Ok(s),
        _ => Err(format!(
            "wrong node kind: expected SequenceNode but got {kind}"
        )),
    }
}

/// The node at a concrete path, mutably.
pub fn at_mut<'a>(node: &'a mut Node, steps: &[Step]) -> Option<&'a mut Node> {
    let mut cur = node;
    for s in steps {
        cur = match s {
            Step::Key(k) => cur.as_map_mut()?.get_mut(k)?,
            Step::Index(i) => cur.as_seq_mut()?.get_mut(*i)?,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn splitting_keeps_brackets_and_escapes() {
        assert_eq!(
            split_path("spec.containers.[name=a.b].image"),
            s(&["spec", "containers", "[name=a.b]", "image"])
        );
        assert_eq!(
            split_path("metadata.annotations.[x.io/y]"),
            s(&["metadata", "annotations", "x.io/y"])
        );
        assert_eq!(split_path(r"a\.b.c"), s(&["a.b", "c"]));
        assert_eq!(split_path(".a.b"), s(&["a", "b"]));
    }

    fn doc(text: &str) -> Node {
        crate::yaml::parse_str(
            text,
            "t.yaml",
            crate::yaml::Profile::Kustomize,
            crate::yaml::Limits::default(),
        )
        .unwrap()
        .remove(0)
    }

    #[test]
    fn target_patterns_wildcards_and_creation() {
        let mut n = doc("c:\n- {name: app, v: 1}\n- {name: myapp}\n- {name: db, v: 2}\n");
        let found = match_targets(&mut n, &s(&["c", "[name=app]", "v"]), Create::No, None).unwrap();
        // Unanchored: `app` also matches `myapp`, which has no `v`, so it adds nothing.
        assert_eq!(found.len(), 1);
        let found = match_targets(&mut n, &s(&["c", "*", "v"]), Create::No, None).unwrap();
        assert_eq!(found.len(), 2);
        let e = match_targets(&mut n, &s(&["c", "5"]), Create::Scalar, None).unwrap_err();
        assert_eq!(e, "index 5 specified but only 3 elements found");
        let found = match_targets(&mut n, &s(&["c", "3", "v"]), Create::Scalar, None).unwrap();
        assert!(found[0].fresh);
        assert_eq!(
            n.get_path(&["c"]).and_then(Node::as_seq).map(Vec::len),
            Some(4)
        );
        // A pattern that does not match its own text is created once, then found nowhere.
        let found =
            match_targets(&mut n, &s(&["c", "[name=^x$]", "v"]), Create::Scalar, None).unwrap();
        assert!(found.is_empty());
        let e = match_targets(&mut n, &s(&["c", "0", "name", "x"]), Create::No, None).unwrap_err();
        assert_eq!(
            e,
            "wrong node kind: expected MappingNode but got ScalarNode"
        );
    }

    #[test]
    fn source_lookup_is_exact() {
        let n = doc("c:\n- {name: myapp, v: 1}\n- {name: app, v: 2}\n");
        let v = lookup(&n, &s(&["c", "[name=app]", "v"])).unwrap().unwrap();
        assert_eq!(v.value, Value::Int(2));
        let v = lookup(&n, &s(&["c", "-", "v"])).unwrap().unwrap();
        assert_eq!(v.value, Value::Int(2));
        assert!(lookup(&n, &s(&["c", "[name=ap]"])).unwrap().is_none());
        assert!(lookup(&n, &s(&["c", "*"])).is_err());
        assert!(lookup(&n, &s(&["c", "-1"])).is_err());
    }

    #[test]
    fn retype_keeps_the_target_type() {
        assert_eq!(retype(&Value::Int(1), "42"), Ok(Value::Int(42)));
        assert_eq!(
            retype(&Value::Str("x".into()), "42"),
            Ok(Value::Str("42".into()))
        );
        assert!(retype(&Value::Int(1), "abc").is_err());
        assert!(retype(&Value::Null, "abc").is_err());
        assert_eq!(retype(&Value::Bool(false), "true"), Ok(Value::Bool(true)));
    }
}
