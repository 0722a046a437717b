//! RFC 6902 JSON patches, applied the way kustomize v5.5.0 applies them.
//!
//! kustomize hands JSON patches to evanphx/json-patch v4.12, whose behaviour differs from the RFC
//! in ways users' repositories depend on: `replace` of a missing mapping key adds it, a pointer
//! that does not start with `/` silently drops its first segment, and an `add` without `value`
//! inserts `null`. This module follows that library, not the RFC, and words its errors the same
//! way so a message can be searched for.

use crate::error::{Error, Result};
use crate::yaml::{Entry, Mapping, Node, Span, Value};

/// The six RFC 6902 operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Insert a value.
    Add,
    /// Delete a value.
    Remove,
    /// Overwrite a value (or add a missing mapping key).
    Replace,
    /// Move a value from `from` to `path`.
    Move,
    /// Copy a value from `from` to `path`.
    Copy,
    /// Fail the patch unless the value at `path` equals `value`.
    Test,
}

impl OpKind {
    fn name(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
            OpKind::Move => "move",
            OpKind::Copy => "copy",
            OpKind::Test => "test",
        }
    }
}

/// One operation of a JSON patch.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// What to do.
    pub op: OpKind,
    /// The JSON pointer the operation acts on, as written.
    pub path: String,
    /// The source pointer of `move` and `copy`.
    pub from: Option<String>,
    /// The value of `add`, `replace` and `test`; `None` when absent (then `null` is used).
    pub value: Option<Node>,
    /// Where the operation's entry was written.
    pub span: Option<Span>,
}

/// Whether a parsed patch document is a JSON patch: a sequence of mappings.
///
/// kustomize decides by trying to decode the document as a JSON patch, which succeeds for any
/// array of objects (even one without `op` keys, and the empty array); this mirrors that test.
pub fn looks_like_json_patch(doc: &Node) -> bool {
    match &doc.value {
        Value::Seq(items) => items.iter().all(|i| i.as_map().is_some()),
        _ => false,
    }
}

/// Reads the operations of a parsed JSON patch document.
pub fn parse_ops(doc: &Node) -> Result<Vec<Op>> {
    let items = doc.as_seq().ok_or_else(|| {
        err_at(
            doc.span.as_ref(),
            format!(
                "a JSON patch must be a list of operations, found a {}",
                doc.type_name()
            ),
        )
    })?;
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let span = item.span.as_ref();
        let map = item.as_map().ok_or_else(|| {
            err_at(
                span,
                format!(
                    "a JSON patch operation must be a mapping, found a {}",
                    item.type_name()
                ),
            )
        })?;
        // The library reads a missing or non-string `op` as "unknown".
        let op_name = match map.get("op") {
            Some(Node {
                value: Value::Str(s),
                ..
            }) => s.clone(),
            _ => "unknown".into(),
        };
        let op = match op_name.as_str() {
            "add" => OpKind::Add,
            "remove" => OpKind::Remove,
            "replace" => OpKind::Replace,
            "move" => OpKind::Move,
            "copy" => OpKind::Copy,
            "test" => OpKind::Test,
            other => return Err(err_at(span, format!("Unexpected kind: {other}"))),
        };
        let from = match op {
            OpKind::Move | OpKind::Copy => Some(pointer_field(map, "from", op, span)?),
            _ => None,
        };
        let path = pointer_field(map, "path", op, span)?;
        ops.push(Op {
            op,
            path,
            from,
            value: map.get("value").cloned(),
            span: item.span.clone(),
        });
    }
    Ok(ops)
}

fn pointer_field(map: &Mapping, key: &str, op: OpKind, span: Option<&Span>) -> Result<String> {
    match map.get(key) {
        Some(Node {
            value: Value::Str(s),
            ..
        }) => Ok(s.to_string()),
        Some(n) if !n.is_null() => Err(err_at(
            n.span.as_ref().or(span),
            format!(
                "{} operation: '{key}' must be a string, found a {}",
                op.name(),
                n.type_name()
            ),
        )),
        _ => {
            // json-patch v4.12 words this differently per operation.
            let inner = match (op, key) {
                (OpKind::Add | OpKind::Remove, _) | (OpKind::Copy, "path") => {
                    "missing value".to_string()
                }
                _ => format!("operation missing {key} field: missing value"),
            };
            Err(err_at(
                span,
                format!("{} operation failed to decode {key}: {inner}", op.name()),
            ))
        }
    }
}

/// Applies `ops` to `target` in order; the first failing operation aborts the patch.
pub fn apply(target: &mut Node, ops: &[Op]) -> Result<()> {
    for op in ops {
        apply_one(target, op).map_err(|m| err_at(op.span.as_ref(), m))?;
    }
    Ok(())
}

fn err_at(span: Option<&Span>, msg: impl Into<String>) -> Error {
    match span {
        Some(s) => Error::new(s.clone(), msg),
        None => Error::new(Span::file("<patch>".into()), msg),
    }
}

fn decode_key(k: &str) -> String {
    k.replace("~1", "/").replace("~0", "~")
}

/// Splits a pointer the way json-patch v4 does: the first segment is dropped whatever it is,
/// the last one is the key inside the container the others lead to.
fn split(path: &str) -> Option<(Vec<String>, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 {
        return None;
    }
    let last = parts.len() - 1;
    let inner = parts[1..last].iter().map(|p| decode_key(p)).collect();
    Some((inner, decode_key(parts[last])))
}

/// The container a pointer's parent segments lead to, or `None` when they lead nowhere.
fn find_container<'a>(doc: &'a mut Node, path: &str) -> Option<(&'a mut Node, String)> {
    let (parts, key) = split(path)?;
    let mut cur = doc;
    for part in &parts {
        let next = match &mut cur.value {
            Value::Map(m) => m.get_mut(part)?,
            Value::Seq(items) => {
                let i = array_index(part, items.len(), false).ok()?;
                items.get_mut(i)?
            }
            _ => return None,
        };
        if !matches!(next.value, Value::Map(_) | Value::Seq(_)) {
            return None;
        }
        cur = next;
    }
    Some((cur, key))
}

/// Resolves an array index with Go's `strconv.Atoi` and the library's negative-index rule.
fn array_index(key: &str, len: usize, insert: bool) -> Result<usize, String> {
    let idx: i64 = parse_go_int(key)
        .ok_or_else(|| format!("strconv.Atoi: parsing {key:?}: invalid syntax"))?;
    let len_i = len as i64;
    let idx = if idx < 0 {
        if idx < -len_i {
            return Err(format!(
                "Unable to access invalid index: {idx}: invalid index referenced"
            ));
        }
        idx + len_i
    } else {
        idx
    };
    if (insert && idx > len_i) || (!insert && idx >= len_i) {
        return Err(format!(
            "Unable to access invalid index: {idx}: invalid index referenced"
        ));
    }
    Ok(idx as usize)
}

fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The value at `key`, `None` for a missing key or a JSON `null` (Go decodes both to nil).
fn get<'a>(con: &'a Node, key: &str) -> Result<Option<&'a Node>, String> {
    let found = match &con.value {
        Value::Map(m) => m.get(key),
        Value::Seq(items) => Some(&items[array_index(key, items.len(), false)?]),
        _ => None,
    };
    Ok(found.filter(|n| !n.is_null()))
}

fn add(con: &mut Node, key: &str, value: Node, key_span: Option<Span>) -> Result<(), String> {
    match &mut con.value {
        Value::Map(m) => {
            if let Some(v) = m.get_mut(key) {
                *v = value;
            } else {
                m.push(Entry {
                    key: key.into(),
                    key_span,
                    value,
                });
            }
            Ok(())
        }
        Value::Seq(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            // The library sizes the new array first, so a negative index counts from the end
            // of the array with the value in it.
            let i = array_index(key, items.len() + 1, false).map_err(|e| {
                if parse_go_int(key).is_none() {
                    format!("value was not a proper array index: '{key}': {e}")
                } else {
                    e
                }
            })?;
            items.insert(i, value);
            Ok(())
        }
        _ => Err("invalid container".into()),
    }
}

fn remove(con: &mut Node, key: &str) -> Result<Node, String> {
    match &mut con.value {
        Value::Map(m) => m
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Seq(items) => {
            let i = array_index(key, items.len(), false)?;
            Ok(items.remove(i))
        }
        _ => Err("invalid container".into()),
    }
}

fn set(con: &mut Node, key: &str, value: Node, key_span: Option<Span>) -> Result<(), String> {
    match &mut con.value {
        Value::Seq(items) => {
            let i = array_index(key, items.len(), false)?;
            items[i] = value;
            Ok(())
        }
        _ => add(con, key, value, key_span),
    }
}

fn value_of(op: &Op) -> Node {
    op.value
        .clone()
        .unwrap_or_else(|| Node::spanned(Value::Null, op.span.clone()))
}

fn apply_one(doc: &mut Node, op: &Op) -> Result<(), String> {
    let path = op.path.as_str();
    let name = op.op.name();
    match op.op {
        OpKind::Add => {
            let (con, key) = find_container(doc, path).ok_or_else(|| {
                format!(
                    "add operation does not apply: doc is missing path: {path:?}: missing value"
                )
            })?;
            add(con, &key, value_of(op), op.span.clone())
                .map_err(|e| format!("error in add for path: '{path}': {e}"))
        }
        OpKind::Remove => {
            let (con, key) = find_container(doc, path).ok_or_else(|| {
                format!(
                    "remove operation does not apply: doc is missing path: {path:?}: missing value"
                )
            })?;
            remove(con, &key)
                .map(|_| ())
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))
        }
        OpKind::Replace if path.is_empty() => {
            // The whole document; the library silently ignores a value that is not a
            // mapping or a sequence, and crashes on a missing one.
            if op.value.is_none() {
                return Err("replace operation without a value for the whole document \
                     (kustomize crashes on this patch)"
                    .to_string());
            }
            if let Some(v) = op
                .value
                .as_ref()
                .filter(|v| v.as_map().is_some() || v.as_seq().is_some())
            {
                *doc = v.clone();
            }
            Ok(())
        }
        OpKind::Replace => {
            let (con, key) = find_container(doc, path).ok_or_else(|| {
                format!(
                    "replace operation does not apply: doc is missing path: {path}: missing value"
                )
            })?;
            if get(con, &key).is_err() {
                return Err(format!(
                    "replace operation does not apply: doc is missing key: {path}: missing value"
                ));
            }
            set(con, &key, value_of(op), op.span.clone())
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))
        }
        OpKind::Move => {
            let from = op.from.as_deref().unwrap_or_default();
            let (con, key) = find_container(doc, from).ok_or_else(|| {
                format!(
                    "move operation does not apply: doc is missing from path: {from}: missing value"
                )
            })?;
            get(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
            let moved =
                remove(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
            let (con, key) = find_container(doc, path).ok_or_else(|| {
                format!("move operation does not apply: doc is missing destination path: {path}: missing value")
            })?;
            add(con, &key, moved, op.span.clone())
                .map_err(|e| format!("error in move for path: '{path}': {e}"))
        }
        OpKind::Copy => {
            let from = op.from.as_deref().unwrap_or_default();
            let (con, key) = find_container(doc, from).ok_or_else(|| {
                format!(
                    "copy operation does not apply: doc is missing from path: {from}: missing value"
                )
            })?;
            // A missing key copies as null: the library does not check.
            let copied = get(con, &key)
                .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
                .cloned()
                .unwrap_or_else(|| Node::spanned(Value::Null, op.span.clone()));
            let (con, key) = find_container(doc, path).ok_or_else(|| {
                format!("copy operation does not apply: doc is missing destination path: {path}: missing value")
            })?;
            add(con, &key, copied, op.span.clone())
                .map_err(|e| format!("error while adding value during copy: {e}"))
        }
        OpKind::Test => {
            let failed = || format!("testing value {path} failed: test failed");
            let found = if path.is_empty() {
                Some(&*doc)
            } else {
                let (con, key) = find_container(doc, path).ok_or_else(|| {
                    format!("test operation does not apply: is missing path: {path}: missing value")
                })?;
                get(con, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?
            };
            match (found, &op.value) {
                (None, None) => Err(format!(
                    "{name} operation without a value at {path}, which is missing or null \
                     (kustomize crashes on this patch)"
                )),
                (None, Some(v)) if v.is_null() => Ok(()),
                (Some(f), Some(v)) if json_equal(f, v) => Ok(()),
                _ => Err(failed()),
            }
        }
    }
}

/// Equality of two values as JSON documents: mapping order and spans do not matter, and numbers
/// compare by value (Go decodes every JSON number to float64).
pub(crate) fn json_equal(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.entries()
                    .iter()
                    .all(|e| y.get(&e.key).is_some_and(|v| json_equal(&e.value, v)))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => *x as f64 == *y,
        (x, y) => x == y,
    }
}

#[cfg(test)]
#[path = "jsonpatch_tests.rs"]
mod tests;
