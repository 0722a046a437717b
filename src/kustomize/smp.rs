//! Strategic merge patches, merged the way kustomize v5.5.0 merges them (kyaml's merge2 walker).
//!
//! The walk pairs the resource ("dest") with the patch ("origin") field by field. Maps merge,
//! scalars and plain lists are overwritten, `null` clears, `$patch` directives replace or delete,
//! and lists the schema marks as merge lists are merged element-wise (see [`super::merge_keys`]).
//! kustomize asks for patch elements to be *prepended*: merged and new elements come first in
//! patch order, untouched resource elements follow in their own order. The list-merging steps
//! reproduce kyaml's element bookkeeping exactly, quirks included (e.g. how a port with and
//! without `protocol` pair up), because users' builds depend on the resulting order.

use std::collections::BTreeSet;

use super::merge_keys::{self, Schema, Ty};
use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::yaml::{Entry, Node, Span, Value};

/// What a patch did to its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The resource was merged in place.
    Merged,
    /// The patch deleted the resource (`$patch: delete` at its top).
    Delete,
}

/// Merges one strategic merge patch document into one resource of kind `gvk`.
///
/// Name, kind and namespace may change like any field; restoring them is the caller's job.
///
/// Without the source text kyaml's style rule cannot be followed (see [`merge_with_sources`]);
/// prefer that function in a build.
pub fn merge(target: &mut Node, patch: &Node, gvk: &Gvk) -> Result<MergeOutcome> {
    merge_with_sources(target, patch, gvk, &NoSources)
}

/// [`merge`], reading the files that spans name to see how scalars were written.
///
/// kyaml gives a patched scalar the quoting style of the value it replaces, so a number or
/// boolean patched over a quoted string (`tag: "1.2"` patched with `tag: 1.10`) becomes the
/// string of its source text (`"1.10"`). Seeing that needs the text behind both spans.
pub fn merge_with_sources(
    target: &mut Node,
    patch: &Node,
    gvk: &Gvk,
    sources: &dyn SourceText,
) -> Result<MergeOutcome> {
    let ctx = Ctx { sources };
    let schema = merge_keys::schema_for(gvk)
        .or_else(|| meta_schema(patch))
        .map(Schema::Type);
    let out = walk(&ctx, Some(target.clone()), Some(patch.clone()), schema)?;
    match out.node {
        Some(n) if !n.is_null() => {
            *target = n;
            Ok(MergeOutcome::Merged)
        }
        _ => Ok(MergeOutcome::Delete),
    }
}

/// The result of walking one pair of nodes.
struct Out {
    /// The merged value; `None` when the field is to be cleared.
    node: Option<Node>,
    /// A `null` the resource wrote and the patch left alone: kept in the output.
    keep_null: bool,
    /// Whether the value is the resource's node merged in place (kyaml mutates it, which the
    /// list bookkeeping later observes).
    from_dest: bool,
}

impl Out {
    fn clear() -> Out {
        Out {
            node: None,
            keep_null: false,
            from_dest: false,
        }
    }
    fn of(node: Option<Node>, from_dest: bool) -> Out {
        Out {
            node,
            keep_null: false,
            from_dest,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn missing_or_null(n: &Option<Node>) -> bool {
    n.as_ref().is_none_or(Node::is_null)
}

fn is_empty_map(n: &Node) -> bool {
    n.as_map().is_some_and(|m| m.is_empty())
}

fn error(span: Option<&Span>, msg: impl Into<String>) -> Error {
    Error::new(
        span.cloned()
            .unwrap_or_else(|| Span::file("<patch>".into())),
        msg,
    )
}

/// The schema kyaml finds for a mapping that names its own `apiVersion` and `kind`.
fn meta_schema(n: &Node) -> Option<Ty> {
    let m = n.as_map()?;
    let av = m.get("apiVersion")?.as_str()?;
    let kind = m.get("kind")?.as_str()?;
    if av.is_empty() || kind.is_empty() {
        return None;
    }
    merge_keys::schema_for(&Gvk::from_api_version(av, kind))
}

fn kind_name(n: &Node) -> &'static str {
    match n.value {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn walk(
    ctx: &Ctx,
    dest: Option<Node>,
    origin: Option<Node>,
    schema: Option<Schema>,
) -> Result<Out> {
    let schema = schema.or_else(|| {
        [&dest, &origin]
            .into_iter()
            .flatten()
            .find_map(meta_schema)
            .map(Schema::Type)
    });
    let Some(first) = [&dest, &origin]
        .into_iter()
        .flatten()
        .find(|n| !n.is_null())
        .map(kind_name)
    else {
        return walk_map(ctx, dest, origin, schema);
    };
    for other in [&dest, &origin].into_iter().flatten() {
        if !other.is_null() && kind_name(other) != first {
            return Err(error(
                origin.as_ref().and_then(|o| o.span.as_ref()),
                format!(
                    "wrong node kind: expected {first} but got {}",
                    kind_name(other)
                ),
            ));
        }
    }
    match (first, schema) {
        ("MappingNode", _) => walk_map(ctx, dest, origin, schema),
        ("SequenceNode", Some(Schema::MergeList(keys, ty))) => {
            walk_merge_list(ctx, dest, origin, keys, ty)
        }
        _ => {
            let from_dest = origin.is_none();
            Ok(Out::of(origin.or(dest), from_dest))
        }
    }
}

/// Reads and removes a `$patch` directive from a patch node.
fn directive(origin: &mut Node) -> Result<Directive> {
    let span = origin.span.clone();
    let parse = |v: &str| match v {
        "merge" => Ok(Directive::Merge),
        "replace" => Ok(Directive::Replace),
        "delete" => Ok(Directive::Delete),
        other => Err(error(
            span.as_ref(),
            format!("unknown patch strategy '{other}'"),
        )),
    };
    match &mut origin.value {
        Value::Map(m) => {
            let Some(v) = m.get("$patch") else {
                return Ok(Directive::Merge);
            };
            let d = parse(&raw_text(v))?;
            m.remove("$patch");
            Ok(d)
        }
        Value::Seq(items) => {
            let Some(marker) = items
                .iter()
                .find_map(|i| i.as_map().filter(|m| m.contains_key("$patch")))
            else {
                return Ok(Directive::Merge);
            };
            if marker.len() > 1 {
                return Ok(Directive::Merge);
            }
            let v = marker.get("$patch").map(raw_text).unwrap_or_default();
            let d = parse(&v)?;
            element_setter(items, None, &["$patch".to_string()], &[v])?;
            Ok(d)
        }
        _ => Err(error(
            span.as_ref(),
            format!(
                "no implemented strategic merge patch strategy for a {}",
                origin.type_name()
            ),
        )),
    }
}

fn walk_map(
    ctx: &Ctx,
    dest: Option<Node>,
    origin: Option<Node>,
    schema: Option<Schema>,
) -> Result<Out> {
    let mut origin = origin;
    let (mut d, from_dest) = if missing_or_null(&dest) {
        // kyaml ignores a bad directive here, but still strips a good one.
        let ps = match origin.as_mut() {
            Some(o) if o.as_map().is_some() => directive(o).unwrap_or(Directive::Merge),
            _ => Directive::Merge,
        };
        if ps == Directive::Delete {
            return Ok(Out::clear());
        }
        if origin.is_none() && dest.is_some() {
            return Ok(Out {
                node: dest,
                keep_null: true,
                from_dest: true,
            });
        }
        match origin.clone() {
            Some(o) => (o, false),
            None => return Ok(Out::clear()),
        }
    } else {
        match existing_base(dest, &mut origin)? {
            Some(base) => base,
            None => return Ok(Out::clear()),
        }
    };
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for n in [Some(&d), origin.as_ref()].into_iter().flatten() {
        if let Some(m) = n.as_map() {
            keys.extend(m.keys().map(str::to_string));
        }
    }
    let ty = match schema {
        Some(Schema::Type(t)) => Some(t),
        _ => None,
    };
    for key in keys {
        let child = ty.map(|t| merge_keys::field(t, &key));
        // The resource's value is cloned, which shares its mappings, and written back only
        // when the merge changed it: a patch unshares just the path it touches, so overlays
        // keep sharing the rest of their bases' trees.
        let (dv, old_str) = match d.as_map().and_then(|m| m.entry(&key)) {
            Some(e) => {
                let keep = !e.value.is_null() || null_is_written(e);
                let old_str = matches!(e.value.value, Value::Str(_)).then(|| e.value.clone());
                (keep.then(|| e.value.clone()), old_str)
            }
            None => (None, None),
        };
        let (ov, okey_span) = match origin.as_mut().and_then(|o| entry_mut(o, &key)) {
            Some(e) => (
                Some(std::mem::replace(&mut e.value, Node::new(Value::Null))),
                e.key_span.clone(),
            ),
            None => (None, None),
        };
        let out = walk(ctx, dv, ov, child)?;
        let Some(m) = d.as_map() else { break };
        match out.node {
            Some(n) if !n.is_null() || out.keep_null => {
                let n = match &old_str {
                    Some(old) => style::inherit(ctx.sources, old_key_span(m, &key), old, n),
                    None => n,
                };
                if m.get(&key) == Some(&n) {
                    continue;
                }
                let Some(m) = d.as_map_mut() else { break };
                if let Some(v) = m.get_mut(&key) {
                    *v = n;
                } else {
                    m.push(Entry {
                        key: key.into(),
                        key_span: okey_span,
                        value: n,
                    });
                }
            }
            _ => {
                if m.contains_key(&key)
                    && let Some(m) = d.as_map_mut()
                {
                    m.remove(&key);
                }
            }
        }
    }
    Ok(Out::of(Some(d), from_dest))
}

fn entry_mut<'a>(n: &'a mut Node, key: &str) -> Option<&'a mut Entry> {
    n.as_map_mut()?
        .entries_mut()
        .iter_mut()
        .find(|e| e.key == key)
}

fn old_key_span<'a>(m: &'a crate::yaml::Mapping, key: &str) -> Option<&'a Span> {
    m.entry(key).and_then(|e| e.key_span.as_ref())
}

/// Whether a `null` value was spelled out (`~`, `null`) rather than left empty (`key:`).
///
/// kyaml keeps a null the patch does not touch only when its text is non-empty. The tree does
/// not keep scalar text, but the parser places an empty value at the key's colon and a written
/// one at least a space beyond it, which the spans tell apart (a quoted key with an empty value
/// is the one case this misjudges, as written).
fn null_is_written(e: &Entry) -> bool {
    let (Some(k), Some(v)) = (&e.key_span, &e.value.span) else {
        return true;
    };
    if k.line == 0 || v.line != k.line {
        return true;
    }
    v.col as usize >= k.col as usize + e.key.chars().count() + 2
}

#[path = "smp_style.rs"]
mod style;
pub use style::{NoSources, SourceText};

/// What every step of one merge needs to see.
struct Ctx<'a> {
    sources: &'a dyn SourceText,
}

#[path = "smp_list.rs"]
mod list;
use list::{element_setter, raw_text, walk_merge_list};

#[cfg(test)]
#[path = "smp_tests.rs"]
mod tests;

/// What a field that exists in the resource merges from, given the patch's `$patch` directive:
/// `None` when the result is cleared (a `null` patch value or `$patch: delete`), the patch
/// itself for `$patch: replace` (not from the destination), else the destination to merge into.
pub(super) fn existing_base(
    dest: Option<Node>,
    origin: &mut Option<Node>,
) -> Result<Option<(Node, bool)>> {
    let Some(dest) = dest else {
        return Ok(None);
    };
    if origin.as_ref().is_some_and(Node::is_null) {
        return Ok(None);
    }
    let ps = match origin.as_mut() {
        Some(o) => directive(o)?,
        None => Directive::Merge,
    };
    Ok(match ps {
        Directive::Delete => None,
        Directive::Replace => origin.clone().map(|o| (o, false)),
        Directive::Merge => Some((dest, true)),
    })
}
