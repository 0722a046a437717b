//! Merge lists: kyaml's element bookkeeping for lists the schema says to merge.
//!
//! Elements are paired by their merge-key values; patch elements come first ("prepend"), the
//! resource's other elements follow. Every step mirrors a kyaml helper (ElementSetter,
//! appendListNode, validateKeys, mergeValues) so that orders and even its quirks match.

use std::collections::BTreeSet;

use super::{Ctx, Out, error, existing_base, is_empty_map, kind_name, missing_or_null, walk};
use crate::error::Result;
use crate::kustomize::merge_keys::{Schema, Ty};
use crate::yaml::{Node, Value};

/// The scalar text kyaml compares when matching list elements (`""` for collections).
pub(super) fn raw_text(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.to_string(),
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

pub(super) fn walk_merge_list(
    ctx: &Ctx,
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
        match existing_base(dest, &mut origin)? {
            Some(base) => base,
            None => return Ok(Out::clear()),
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
    let items = merge_elements(ctx, values, &keys, dest_items, &origin_items, ty)?;
    Ok(Out::of(
        Some(Node::spanned(Value::Seq(items), span)),
        from_dest,
    ))
}

fn merge_elements(
    ctx: &Ctx,
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
        let out = walk(ctx, di.map(|i| dest[i].clone()), oe, Some(Schema::Type(ty)))?;
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
        if let (true, Some(i)) = (out.from_dest, di) {
            dest[i] = val.clone();
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

/// The first element whose keys hold exactly these values (an empty value is no wildcard here,
/// unlike in [`element_setter`]; a scalar element equal to the value when
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
                .all(|(k, v)| m.get(k).is_some_and(|f| raw_text(f) == *v))
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
pub(super) fn element_setter(
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
    if let Some(e) = element.filter(|e| !e.is_null() && !matched) {
        list.push(e);
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
