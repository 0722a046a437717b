//! fluxval's schemas behind kubeconform's front end, reporting violations as kubeconform v0.7.0
//! does.
//!
//! kubeconform's validator (santhosh-tekuri/jsonschema v6) reports a tree: each value that
//! fails is one error, or a `validation failed` group of its errors when it has several; a failed
//! `oneOf`/`anyOf` holds one cause per branch. The jsonschema crate reports a flat list, so the
//! tree is rebuilt from instance paths, and v6's habits are reproduced: a wrong `type`, `const`,
//! `enum` or `format` hides everything else that schema would say about the value, all missing
//! `required` properties make one error, and a schema's keywords report in v6's order. Where v6
//! walks a Go map (random order), the document's key order is used.

use std::path::PathBuf;
use std::sync::Arc;

use jsonschema::ValidationError as JsError;
use jsonschema::error::ValidationErrorKind as K;
use serde_json::Value as Json;

use super::{DocValidator, Document, Outcome, ValidationError, wording};
use crate::schema::{Lookup, Registry, Schema};
use crate::validate::json::{escape_token, pointer_tokens};

/// Validates kubeconform documents with a [`Registry`], checking only the JSON Schema.
pub struct SchemaValidator {
    registry: Registry,
}

impl SchemaValidator {
    /// A validator looking schemas up in `registry`.
    pub fn new(registry: Registry) -> SchemaValidator {
        SchemaValidator { registry }
    }
}

impl DocValidator for SchemaValidator {
    fn validate(&self, doc: &Document) -> Outcome {
        let span = doc
            .node
            .span
            .clone()
            .unwrap_or_else(|| crate::yaml::Span::file(doc.path.as_str().into()));
        let res = crate::resource::Resource::new(doc.node.clone(), span);
        let schema = match self.registry.lookup(&res.gvk()) {
            Err(e) => return Outcome::Error(e.to_string()),
            Ok(Lookup::NotFound) | Ok(Lookup::Unavailable(_)) => return Outcome::NotFound,
            Ok(Lookup::Found(s)) => s,
        };
        let instance = crate::validate::node_to_json(&doc.node);
        let errors = schema_errors(&schema, &instance);
        if errors.is_empty() {
            return Outcome::Valid;
        }
        Outcome::Invalid {
            schema: schema_url(&schema),
            errors,
        }
    }
}

/// The schema's location as kubeconform names it: a URL, or `file://` and an absolute path.
fn schema_url(schema: &Arc<Schema>) -> String {
    let location = &schema.location;
    if crate::schema::is_url(location) || location.starts_with("file://") {
        location.clone()
    } else {
        let abs = std::fs::canonicalize(location).unwrap_or_else(|_| PathBuf::from(location));
        format!("file://{}", abs.display())
    }
}

/// kubeconform's top-level errors for `instance` under `schema`, in the order it prints them.
pub fn schema_errors(schema: &Schema, instance: &Json) -> Vec<ValidationError> {
    let mut instance = instance.clone();
    whole_floats_to_integers(&mut instance);
    let pattern = |p: &str| schema.original_pattern(p).to_string();
    let errors: Vec<JsError<'_>> = schema.validator().iter_errors(&instance).collect();
    let flat = flatten(&errors, &instance, &pattern, 0);
    assemble(flat, &[], &instance)
}

/// kubeconform sees every number as a Go float64, and v6 takes a whole one as an integer in
/// every draft (the crate does not in draft 4): `2.0` becomes `2`.
fn whole_floats_to_integers(v: &mut Json) {
    match v {
        Json::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *v = Json::from(f as i64);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(whole_floats_to_integers),
        Json::Object(m) => m.values_mut().for_each(whole_floats_to_integers),
        _ => {}
    }
}

/// One reported violation, before the tree is rebuilt.
struct Flat {
    /// Instance location, unescaped tokens.
    path: Vec<String>,
    /// Where in the schema the keyword was reached, `$ref`s included (escaped JSON pointer).
    keyword: String,
    /// v6's order among one schema's keywords.
    rank: u8,
    /// For `type`, `const`, `enum`, `format`: which of them v6 checks first.
    exclusive: Option<u8>,
    /// For `required`: the missing properties (v6 names all of a schema's in one error).
    required: Option<Vec<String>>,
    error: ValidationError,
}

impl Flat {
    /// The keyword location of the schema object holding the keyword.
    fn schema_node(&self) -> &str {
        self.keyword.rsplit_once('/').map_or("", |(node, _)| node)
    }
}

/// v6's order of a schema's checks: type-like checks return early; then object, array,
/// string and number keywords; then the applicators.
fn rank(kind: &K) -> (u8, Option<u8>) {
    match kind {
        K::Type { .. } => (0, Some(0)),
        K::Constant { .. } => (0, Some(1)),
        K::Enum { .. } => (0, Some(2)),
        K::Format { .. } => (0, Some(3)),
        K::MinProperties { .. } => (10, None),
        K::MaxProperties { .. } => (11, None),
        K::Required { .. } => (12, None),
        K::AdditionalProperties { .. } => (21, None),
        K::PropertyNames { .. } => (22, None),
        K::MinItems { .. } => (30, None),
        K::MaxItems { .. } => (31, None),
        K::UniqueItems => (32, None),
        K::AdditionalItems { .. } => (34, None),
        K::Contains => (35, None),
        K::MinLength { .. } => (40, None),
        K::MaxLength { .. } => (41, None),
        K::Pattern { .. } => (42, None),
        K::ContentEncoding { .. } | K::ContentMediaType { .. } => (43, None),
        K::Minimum { .. } => (50, None),
        K::Maximum { .. } => (51, None),
        K::ExclusiveMinimum { .. } => (52, None),
        K::ExclusiveMaximum { .. } => (53, None),
        K::MultipleOf { .. } => (54, None),
        K::Not { .. } => (60, None),
        K::AnyOf { .. } => (62, None),
        K::OneOfNotValid { .. } | K::OneOfMultipleValid { .. } => (63, None),
        K::UnevaluatedProperties { .. } | K::UnevaluatedItems { .. } => (70, None),
        _ => (65, None),
    }
}

/// Where children's errors sit among their parent's: objects validate properties after
/// `required`, arrays items after `uniqueItems`.
const CHILD_OF_OBJECT: u8 = 20;
const CHILD_OF_ARRAY: u8 = 33;

/// The errors as [`Flat`]s; `allOf`s met before byte `from` of their keyword paths are the
/// caller's (branch errors of a `oneOf` inside an `allOf`).
fn flatten(
    errors: &[JsError<'_>],
    root: &Json,
    pattern: &dyn Fn(&str) -> String,
    from: usize,
) -> Vec<Flat> {
    let mut out: Vec<Flat> = Vec::new();
    for e in errors {
        let path = pointer_tokens(e.instance_path().as_str());
        let pointer = pointer_of(&path);
        let (rank, exclusive) = rank(e.kind());
        let mut error = ValidationError::new(
            pointer.clone(),
            wording::message(e.kind(), e.instance(), pattern),
        );
        if let K::PropertyNames { error: name } = e.kind() {
            // v6 validates the name as a document of its own and keeps that run's error:
            // both it and its cause sit at the root of that one-string document.
            error.path = String::new();
            error.causes.push(ValidationError::new(
                "",
                wording::message(name.kind(), name.instance(), pattern),
            ));
        }
        if let K::AnyOf { context } | K::OneOfNotValid { context } = e.kind() {
            for branch in context {
                let own = e.evaluation_path().as_str().len();
                let flat = flatten(branch, root, pattern, own);
                let mut list = assemble(flat, &path, root);
                match list.len() {
                    0 => {}
                    1 => error.causes.append(&mut list),
                    _ => error.causes.push(group(&pointer, list)),
                }
            }
        }
        let required = match e.kind() {
            K::Required { property } => Some(vec![property.as_str().unwrap_or_default().into()]),
            _ => None,
        };
        out.push(Flat {
            path,
            keyword: e.evaluation_path().as_str().to_string(),
            rank,
            exclusive,
            required,
            error,
        });
    }
    prune(&mut out);
    merge_required(&mut out);
    wrap_all_of(out, from, root)
}

/// The outermost `allOf` a keyword was reached through at or after byte `from` of its path:
/// where the `allOf` starts, the branch, and how many of the instance path's tokens were taken
/// before it.
fn all_of_step(f: &Flat, from: usize) -> Option<(usize, usize, usize)> {
    let rest = f.keyword.get(from..)?;
    let at = from + rest.find("/allOf/")?;
    let tail = &f.keyword[at + "/allOf/".len()..];
    let (branch, after) = tail.split_once('/').unwrap_or((tail, ""));
    let branch: usize = branch.parse().ok()?;
    let below = descended(after);
    let taken = f.path.len().checked_sub(below)?;
    Some((at, branch, taken))
}

/// How many instance tokens a schema path below a subschema descends.
fn descended(path: &str) -> usize {
    let tokens: Vec<&str> = path.split('/').filter(|t| !t.is_empty()).collect();
    let mut n = 0;
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            "properties" | "patternProperties" => {
                n += 1;
                i += 2;
            }
            "items"
                if tokens
                    .get(i + 1)
                    .is_some_and(|t| t.parse::<usize>().is_ok()) =>
            {
                n += 1;
                i += 2;
            }
            "additionalProperties"
            | "additionalItems"
            | "items"
            | "prefixItems"
            | "contains"
            | "unevaluatedProperties"
            | "unevaluatedItems" => {
                n += 1;
                i += 1;
            }
            "allOf" | "anyOf" | "oneOf" | "dependencies" | "dependentSchemas" => i += 2,
            _ => i += 1,
        }
    }
    n
}

/// One schema's `allOf` applied to one value: the owner's keyword path, the value's instance
/// path, and the errors of each failing branch by index.
type AllOf = (String, Vec<String>, Vec<(usize, Vec<Flat>)>);

/// v6 wraps what a schema's `allOf` branches say in one `allOf failed` error with a cause per
/// failing branch; the crate reports them flat.
fn wrap_all_of(flat: Vec<Flat>, from: usize, root: &Json) -> Vec<Flat> {
    let mut out: Vec<Flat> = Vec::new();
    let mut wrapped: Vec<AllOf> = Vec::new();
    for f in flat {
        let Some((at, branch, taken)) = all_of_step(&f, from) else {
            out.push(f);
            continue;
        };
        let owner = f.keyword[..at].to_string();
        let base = f.path[..taken].to_vec();
        let slot = match wrapped
            .iter()
            .position(|(o, b, _)| *o == owner && *b == base)
        {
            Some(i) => i,
            None => {
                wrapped.push((owner, base, Vec::new()));
                wrapped.len() - 1
            }
        };
        let branches = &mut wrapped[slot].2;
        match branches.iter_mut().find(|(b, _)| *b == branch) {
            Some((_, list)) => list.push(f),
            None => branches.push((branch, vec![f])),
        }
    }
    for (owner, base, mut branches) in wrapped {
        branches.sort_by_key(|(b, _)| *b);
        let pointer = pointer_of(&base);
        let mut error = ValidationError::new(pointer.clone(), "allOf failed");
        for (b, list) in branches {
            let next = format!("{owner}/allOf/{b}").len();
            let mut errs = assemble(wrap_all_of(list, next, root), &base, root);
            match errs.len() {
                0 => {}
                1 => error.causes.append(&mut errs),
                _ => error.causes.push(group(&pointer, errs)),
            }
        }
        out.push(Flat {
            path: base,
            keyword: format!("{owner}/allOf"),
            rank: 61,
            exclusive: None,
            required: None,
            error,
        });
    }
    out
}

fn pointer_of(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", escape_token(t)))
        .collect()
}

fn group(pointer: &str, causes: Vec<ValidationError>) -> ValidationError {
    ValidationError {
        path: pointer.to_string(),
        msg: "validation failed".to_string(),
        causes,
    }
}

/// A failed `type`, `const`, `enum` or `format` ends v6's look at the value under that schema:
/// drop what the same schema (and the schemas under it) said about the value and below.
fn prune(flat: &mut Vec<Flat>) {
    let mut order: Vec<usize> = (0..flat.len())
        .filter(|&i| flat[i].exclusive.is_some())
        .collect();
    order.sort_by_key(|&i| flat[i].exclusive);
    let mut dropped = vec![false; flat.len()];
    for i in order {
        if dropped[i] {
            continue;
        }
        let node = format!("{}/", flat[i].schema_node());
        for (j, other) in flat.iter().enumerate() {
            if j != i && other.path.starts_with(&flat[i].path) && other.keyword.starts_with(&node) {
                dropped[j] = true;
            }
        }
    }
    let mut keep = dropped.iter().map(|d| !d);
    flat.retain(|_| keep.next().unwrap_or(true));
}

/// One `missing properties 'a', 'b'` error per schema and value, at the first one's place.
fn merge_required(flat: &mut Vec<Flat>) {
    let mut merged: Vec<Flat> = Vec::with_capacity(flat.len());
    for f in flat.drain(..) {
        if let Some(names) = &f.required
            && let Some(first) = merged
                .iter_mut()
                .find(|m| m.required.is_some() && m.keyword == f.keyword && m.path == f.path)
            && let Some(all) = first.required.as_mut()
        {
            all.extend(names.iter().cloned());
            first.error.msg = wording::missing(all);
            continue;
        }
        merged.push(f);
    }
    *flat = merged;
}

/// The errors v6's validator at `base` collects: its own, then one per child value (the
/// child's single error, or a group of them), in v6's order.
fn assemble(flat: Vec<Flat>, base: &[String], root: &Json) -> Vec<ValidationError> {
    let value = lookup(root, base);
    let child_rank = if value.is_some_and(Json::is_array) {
        CHILD_OF_ARRAY
    } else {
        CHILD_OF_OBJECT
    };
    let mut entries: Vec<(u8, usize, ValidationError)> = Vec::new();
    let mut children: Vec<(String, Vec<Flat>)> = Vec::new();
    for f in flat {
        if f.path.len() <= base.len() {
            entries.push((f.rank, 0, f.error));
            continue;
        }
        let key = f.path[base.len()].clone();
        match children.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(f),
            None => children.push((key, vec![f])),
        }
    }
    for (key, list) in children {
        let order = child_order(value, &key);
        let mut path = base.to_vec();
        path.push(key);
        let mut errs = assemble(list, &path, root);
        let entry = match errs.len() {
            0 => continue,
            1 => errs.remove(0),
            _ => group(&pointer_of(&path), errs),
        };
        entries.push((child_rank, order, entry));
    }
    entries.sort_by_key(|(rank, order, _)| (*rank, *order));
    entries.into_iter().map(|(_, _, e)| e).collect()
}

/// Where a child comes in its parent: an object's key order as written, an array's index.
fn child_order(parent: Option<&Json>, key: &str) -> usize {
    match parent {
        Some(Json::Object(m)) => m.keys().position(|k| k == key).unwrap_or(usize::MAX),
        Some(Json::Array(_)) => key.parse().unwrap_or(usize::MAX),
        _ => usize::MAX,
    }
}

fn lookup<'a>(root: &'a Json, tokens: &[String]) -> Option<&'a Json> {
    tokens.iter().try_fold(root, |v, t| match v {
        Json::Object(m) => m.get(t),
        Json::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}
