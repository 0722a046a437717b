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
pub fn merge(target: &mut Node, patch: &Node, gvk: &Gvk) -> Result<MergeOutcome> {
    let schema = merge_keys::schema_for(gvk)
        .or_else(|| meta_schema(patch))
        .map(Schema::Type);
    let out = walk(Some(target.clone()), Some(patch.clone()), schema)?;
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

fn same_kind(a: &Node, b: &Node) -> bool {
    std::mem::discriminant(&a.value) == std::mem::discriminant(&b.value)
        || (!matches!(a.value, Value::Map(_) | Value::Seq(_))
            && !matches!(b.value, Value::Map(_) | Value::Seq(_)))
}

fn walk(dest: Option<Node>, origin: Option<Node>, schema: Option<Schema>) -> Result<Out> {
    let schema = schema.or_else(|| {
        [&dest, &origin]
            .into_iter()
            .flatten()
            .find_map(meta_schema)
            .map(Schema::Type)
    });
    let first = [&dest, &origin]
        .into_iter()
        .flatten()
        .find(|n| !n.is_null())
        .cloned();
    let Some(first) = first else {
        return walk_map(dest, origin, schema);
    };
    for other in [&dest, &origin].into_iter().flatten() {
        if !other.is_null() && !same_kind(&first, other) {
            return Err(error(
                origin.as_ref().and_then(|o| o.span.as_ref()),
                format!(
                    "wrong node kind: expected {} but got {}",
                    kind_name(&first),
                    kind_name(other)
                ),
            ));
        }
    }
    match (&first.value, schema) {
        (Value::Map(_), _) => walk_map(dest, origin, schema),
        (Value::Seq(_), Some(Schema::MergeList(keys, ty))) => {
            walk_merge_list(dest, origin, keys, ty)
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

fn walk_map(dest: Option<Node>, origin: Option<Node>, schema: Option<Schema>) -> Result<Out> {
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
        let Some(dest) = dest else {
            return Ok(Out::clear());
        };
        if origin.as_ref().is_some_and(Node::is_null) {
            return Ok(Out::clear());
        }
        let ps = match origin.as_mut() {
            Some(o) => directive(o)?,
            None => Directive::Merge,
        };
        match ps {
            Directive::Delete => return Ok(Out::clear()),
            Directive::Replace => match origin.clone() {
                Some(o) => (o, false),
                None => return Ok(Out::clear()),
            },
            Directive::Merge => (dest, true),
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
        let dv = d
            .as_map()
            .and_then(|m| m.entry(&key))
            .filter(|e| !e.value.is_null() || null_is_written(e))
            .map(|e| e.value.clone());
        let oentry = origin
            .as_ref()
            .and_then(|o| o.as_map())
            .and_then(|m| m.entry(&key))
            .cloned();
        let out = walk(dv, oentry.as_ref().map(|e| e.value.clone()), child)?;
        let Some(m) = d.as_map_mut() else { break };
        match out.node {
            Some(n) if !n.is_null() || out.keep_null => {
                if let Some(v) = m.get_mut(&key) {
                    *v = n;
                } else {
                    m.push(Entry {
                        key,
                        key_span: oentry.and_then(|e| e.key_span),
                        value: n,
                    });
                }
            }
            _ => {
                m.remove(&key);
            }
        }
    }
    Ok(Out::of(Some(d), from_dest))
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

/// The scalar text kyaml compares when matching list elements (`""` for collections).
fn raw_text(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// A merge key's value as kyaml collects it: `""` for absent, null or empty values.
fn key_text(n: Option<&Node>) -> String {
    match n {
        None => String::new(),
        Some(n) => match &n.value {
            Value::Null => String::new(),
            Value::Map(m) if m.is_empty() => String::new(),
            Value::Seq(s) if s.is_empty() => String::new(),
            _ => raw_text(n),
        },
    }
}

fn seq_of(n: &Option<Node>) -> &[Node] {
    n.as_ref().and_then(Node::as_seq).map_or(&[], Vec::as_slice)
}

fn walk_merge_list(
    dest: Option<Node>,
    origin: Option<Node>,
    keys: &'static [&'static str],
    ty: Ty,
) -> Result<Out> {
    let mut origin = origin;
    let (d, from_dest) = if missing_or_null(&dest) {
        match origin.clone() {
            Some(o) if !o.is_null() => (o, false),
            _ => return Ok(Out::clear()),
        }
    } else {
        let Some(dest) = dest else {
            return Ok(Out::clear());
        };
        if origin.as_ref().is_some_and(Node::is_null) {
            return Ok(Out::clear());
        }
        let ps = match origin.as_mut() {
            Some(o) => directive(o)?,
            None => Directive::Merge,
        };
        match ps {
            Directive::Delete => return Ok(Out::clear()),
            Directive::Replace => match origin.clone() {
                Some(o) => (o, false),
                None => return Ok(Out::clear()),
            },
            Directive::Merge => (dest, true),
        }
    };
    let span = d.span.clone();
    let dest_items = d.as_seq().cloned().unwrap_or_default();
    let origin_items = seq_of(&origin).to_vec();
    // Patch elements first: kustomize merges with "prepend" list direction.
    let sources = [&origin_items, &dest_items];
    let (values, keys): (Vec<Vec<String>>, Vec<String>) = if keys.is_empty() {
        let mut seen = BTreeSet::new();
        let vals = sources
            .iter()
            .flat_map(|s| s.iter())
            .map(raw_text)
            .filter(|v| seen.insert(v.clone()))
            .map(|v| vec![v])
            .collect();
        (vals, vec![String::new()])
    } else {
        let mut seen = BTreeSet::new();
        let vals = sources
            .iter()
            .flat_map(|s| s.iter())
            .map(|e| {
                keys.iter()
                    .map(|k| key_text(e.as_map().and_then(|m| m.get(k))))
                    .collect::<Vec<_>>()
            })
            .filter(|v| seen.insert(v.clone()))
            .collect();
        (vals, keys.iter().map(|k| k.to_string()).collect())
    };
    let items = merge_elements(values, &keys, dest_items, &origin_items, ty)?;
    Ok(Out::of(
        Some(Node::spanned(Value::Seq(items), span)),
        from_dest,
    ))
}

fn merge_elements(
    mut values_list: Vec<Vec<String>>,
    keys: &[String],
    mut dest: Vec<Node>,
    origin: &[Node],
    ty: Ty,
) -> Result<Vec<Node>> {
    let mut items: Vec<Node> = Vec::new();
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let mut last_keys: Vec<String> = Vec::new();
    for values in values_list.clone() {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys(&values_list, &values, keys);
        last_keys = vk.clone();
        let (k2, v2) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let di = element_index(&dest, &k2, &v2);
        let oe = element_index(origin, &k2, &v2).map(|i| origin[i].clone());
        let out = walk(di.map(|i| dest[i].clone()), oe, Some(Schema::Type(ty)))?;
        let mut val = match out.node {
            Some(v) if !v.is_null() && !is_empty_map(&v) => v,
            _ => {
                element_setter(&mut dest, None, &vk, &vv)?;
                continue;
            }
        };
        if let Some(m) = val.as_map_mut() {
            for (k, v) in vk.iter().zip(&vv) {
                if !m.contains_key(k) && !v.is_empty() {
                    m.insert(k.clone(), Node::string(v.clone()));
                }
            }
        }
        if out.from_dest {
            if let Some(i) = di {
                dest[i] = val.clone();
            }
        }
        element_setter(&mut items, Some(val), &vk, &vv)?;
    }
    if values_list.is_empty() {
        return Ok(dest);
    }
    append_list(items, &dest, &last_keys)
}

/// Fills in secondary key values an element left out from an element that has them.
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let v1 = list[i].clone();
        for j in 0..list.len() {
            let v2 = list[j].clone();
            if let Some(res) = match_values(&v1, &v2) {
                list[i] = res.clone();
                list[j] = res;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// The keys (and this element's values) that any element of the list actually sets.
fn validate_keys(
    list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let set: BTreeSet<&String> = list
        .iter()
        .flat_map(|vs| vs.iter().enumerate())
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(i, _)| keys.get(i))
        .collect();
    if set.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let vk = keys.iter().filter(|k| set.contains(k)).cloned().collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| set.contains(k)))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// The first element whose keys hold these values (a scalar element equal to the value when
/// the key is empty).
fn element_index(seq: &[Node], keys: &[String], values: &[String]) -> Option<usize> {
    let key0 = keys.first().map_or("", String::as_str);
    let val0 = values.first().map_or("", String::as_str);
    if key0.is_empty() {
        return seq.iter().position(|e| raw_text(e) == val0);
    }
    if keys.len() != values.len() {
        return None;
    }
    seq.iter().position(|e| {
        e.as_map().is_some_and(|m| {
            keys.iter()
                .zip(values)
                .all(|(k, v)| m.get(k).is_some_and(|f| v.is_empty() || raw_text(f) == *v))
        })
    })
}

fn field_matches(elem: &Node, name: &str, value: &str) -> Result<bool> {
    if elem.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        if matches!(elem.value, Value::Map(_) | Value::Seq(_)) {
            return Err(error(
                elem.span.as_ref(),
                format!(
                    "wrong node kind: expected ScalarNode but got {}",
                    kind_name(elem)
                ),
            ));
        }
        return Ok(raw_text(elem) == value);
    }
    let Some(m) = elem.as_map() else {
        return Err(error(
            elem.span.as_ref(),
            format!(
                "wrong node kind: expected MappingNode but got {}",
                kind_name(elem)
            ),
        ));
    };
    Ok(m.get(name)
        .is_some_and(|f| value.is_empty() || raw_text(f) == value))
}

/// Replaces the elements matching `keys`=`values` with `element` (appending it when none
/// matches), or deletes them when `element` is `None`. Like kyaml, drops null and `{}` elements
/// of the list on the way.
fn element_setter(
    list: &mut Vec<Node>,
    element: Option<Node>,
    keys: &[String],
    values: &[String],
) -> Result<()> {
    let empty = [String::new()];
    let keys = if keys.is_empty() { &empty[..] } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut kept = Vec::with_capacity(list.len() + 1);
    let mut matched = false;
    for elem in list.drain(..) {
        if elem.is_null() || is_empty_map(&elem) {
            continue;
        }
        if elem.as_map().is_none() && mapping_setter {
            kept.push(elem);
            continue;
        }
        let mut hit = false;
        let mut found = true;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                hit = field_matches(&elem, key, v)?;
            }
            if !hit {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                kept.push(elem);
            }
            continue;
        }
        matched = true;
        if let Some(e) = &element {
            kept.push(e.clone());
        }
    }
    *list = kept;
    if let Some(e) = element {
        if !e.is_null() && !matched {
            list.push(e);
        }
    }
    Ok(())
}

/// Puts the resource's remaining elements after the patch's (kyaml's appendListNode).
fn append_list(mut dst: Vec<Node>, src: &[Node], keys: &[String]) -> Result<Vec<Node>> {
    let key0_empty = keys.first().is_none_or(String::is_empty);
    for elem in src {
        if key0_empty {
            element_setter(
                &mut dst,
                Some(elem.clone()),
                &[String::new()],
                &[raw_text(elem)],
            )?;
            continue;
        }
        let mut v = Vec::new();
        for key in keys {
            if elem.is_null() {
                dst.push(elem.clone());
                continue;
            }
            let Some(m) = elem.as_map() else {
                return Err(error(
                    elem.span.as_ref(),
                    format!(
                        "wrong node kind: expected MappingNode but got {}",
                        kind_name(elem)
                    ),
                ));
            };
            match m.get(key) {
                Some(f) => v.push(raw_text(f)),
                None => dst.push(elem.clone()),
            }
        }
        if keys.len() > 1 {
            element_setter(&mut dst, None, keys, &v)?;
        }
        element_setter(&mut dst, Some(elem.clone()), keys, &v)?;
    }
    Ok(dst)
}

#[cfg(test)]
#[path = "smp_tests.rs"]
mod tests;
