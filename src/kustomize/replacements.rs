//! `replacements:`: copy a field of one resource into fields of others (kustomize v5.5.0's
//! ReplacementTransformer and api/filters/replacement).
//!
//! In v5.5.0 replacement selectors compare group/version/kind/name/namespace exactly (not as the
//! regexes patch targets use), against a resource's current id and every earlier one.

use crate::error::{Error, Result};
use crate::kustomize::fieldpath::{self, Create, Step, scalar_text, split_path};
use crate::kustomize::select::LabelSelector;
use crate::resource::{ResId, Resource};
use crate::yaml::{Node, Profile, Span, Value, resolve_plain};

/// One replacement: a source field and the targets it is copied into.
#[derive(Clone, Debug)]
pub struct Replacement {
    source: Source,
    targets: Vec<Target>,
}

/// group/version/kind/name/namespace, each empty when not given.
#[derive(Clone, Debug, Default)]
struct IdSel {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
}

impl IdSel {
    fn is_empty(&self) -> bool {
        [
            &self.group,
            &self.version,
            &self.kind,
            &self.name,
            &self.namespace,
        ]
        .iter()
        .all(|s| s.is_empty())
    }

    /// kustomize's `ResId.IsSelectedBy`: every given field equal; an empty namespace is "default".
    fn selects(&self, id: &ResId) -> bool {
        let eff = |ns: &str| if ns.is_empty() { "default" } else { ns }.to_string();
        let eq = |want: &str, got: &str| want.is_empty() || want == got;
        eq(&self.name, &id.name)
            && (self.namespace.is_empty() || eff(&self.namespace) == eff(&id.namespace))
            && eq(&self.group, &id.gvk.group)
            && eq(&self.version, &id.gvk.version)
            && eq(&self.kind, &id.gvk.kind)
    }
}

impl std::fmt::Display for IdSel {
    /// kustomize's `ResId.String()`: `Kind.version.group/name.namespace` with placeholders.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

#[derive(Clone, Debug, Default)]
struct Options {
    delimiter: String,
    index: i64,
    create: bool,
}

#[derive(Clone, Debug)]
struct Source {
    id: IdSel,
    field_path: String,
    field_span: Span,
    options: Options,
    span: Span,
}

#[derive(Clone, Debug)]
struct Sel {
    id: IdSel,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

#[derive(Clone, Debug)]
struct Target {
    select: Sel,
    reject: Vec<Sel>,
    field_paths: Vec<(String, Span)>,
    options: Options,
}

mod parse;
pub use parse::{ReadFile, parse_replacements};

fn ids(r: &Resource) -> Vec<ResId> {
    let mut v = vec![r.id()];
    v.extend(r.previous_ids.iter().cloned());
    v
}

fn pairs(r: &Resource, key: &str) -> Vec<(String, String)> {
    r.node
        .get_path(&["metadata", key])
        .and_then(Node::as_map)
        .map(|m| {
            m.entries()
                .iter()
                .filter_map(|e| scalar_text(&e.value).map(|v| (e.key.to_string(), v)))
                .collect()
        })
        .unwrap_or_default()
}

impl Sel {
    fn matches_meta(&self, r: &Resource) -> bool {
        self.labels
            .as_ref()
            .is_none_or(|l| l.matches(&pairs(r, "labels")))
            && self
                .annotations
                .as_ref()
                .is_none_or(|a| a.matches(&pairs(r, "annotations")))
    }
}

/// Applies `reps` in order: each reads its source from the resources as the earlier ones left
/// them.
pub fn apply_replacements(resources: &mut [Resource], reps: &[Replacement]) -> Result<()> {
    for rep in reps {
        let value = source_value(resources, &rep.source)?;
        for t in &rep.targets {
            for r in resources.iter_mut() {
                if !t.select.matches_meta(r)
                    || t.reject.iter().any(|rj| {
                        (rj.labels.is_some() || rj.annotations.is_some()) && rj.matches_meta(r)
                    })
                {
                    continue;
                }
                let all = ids(r);
                if t.reject
                    .iter()
                    .any(|rj| !rj.id.is_empty() && all.iter().any(|id| rj.id.selects(id)))
                {
                    continue;
                }
                if all.iter().any(|id| t.select.id.selects(id)) {
                    copy_to_target(r, &value, t)?;
                }
            }
        }
    }
    Ok(())
}

fn source_value(resources: &[Resource], s: &Source) -> Result<Node> {
    let mut label = s.id.to_string();
    if !s.field_path.is_empty() {
        label.push(':');
        label.push_str(&s.field_path);
    }
    if !s.options.delimiter.is_empty() || s.options.create {
        label.push_str(&format!(
            ":{}({}), create={}",
            s.options.delimiter, s.options.index, s.options.create
        ));
    }
    let mut found: Option<&Resource> = None;
    for r in resources {
        if ids(r).iter().any(|id| s.id.selects(id)) {
            if found.is_some() {
                return Err(Error::new(
                    s.span.clone(),
                    format!("multiple matches for selector {label}"),
                ));
            }
            found = Some(r);
        }
    }
    let Some(r) = found else {
        return Err(Error::new(
            s.span.clone(),
            format!("nothing selected by {label}"),
        ));
    };
    let fp = if s.field_path.is_empty() {
        "metadata.name"
    } else {
        &s.field_path
    };
    let node = fieldpath::lookup(&r.node, &split_path(fp)).map_err(|e| {
        Error::new(
            s.field_span.clone(),
            format!("error looking up replacement source: {e}"),
        )
    })?;
    let empty = match node.map(|n| &n.value) {
        None | Some(Value::Null) => true,
        Some(Value::Map(m)) => m.is_empty(),
        Some(Value::Seq(q)) => q.is_empty(),
        Some(_) => false,
    };
    let node = match node {
        Some(n) if !empty => n,
        _ => {
            return Err(Error::new(
                s.field_span.clone(),
                format!(
                    "fieldPath `{fp}` is missing for replacement source {}",
                    s.id
                ),
            ));
        }
    };
    let o = &s.options;
    if o.delimiter.is_empty() {
        return Ok(node.clone());
    }
    let Some(text) = scalar_text(node) else {
        return Err(Error::new(
            s.field_span.clone(),
            "delimiter option can only be used with scalar nodes",
        ));
    };
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    let part = usize::try_from(o.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            Error::new(
                s.field_span.clone(),
                format!(
                    "options.index {} is out of bounds for value {text}",
                    o.index
                ),
            )
        })?;
    let value =
        fieldpath::retype(&node.value, part).map_err(|e| Error::new(s.field_span.clone(), e))?;
    Ok(Node::spanned(value, node.span.clone()))
}

fn copy_to_target(r: &mut Resource, value: &Node, t: &Target) -> Result<()> {
    let create = if t.options.create {
        match value.value {
            Value::Map(_) => Create::Map,
            Value::Seq(_) => Create::Seq,
            _ => Create::Scalar,
        }
    } else {
        Create::No
    };
    for (fp, span) in &t.field_paths {
        let what = if t.options.create {
            "unable to find or create field"
        } else {
            "unable to find field"
        };
        let found = fieldpath::match_targets(&mut r.node, &split_path(fp), create, Some(span))
            .map_err(|e| {
                Error::new(
                    span.clone(),
                    format!("{what} {fp:?} in replacement target: {e}"),
                )
            })?;
        if found.is_empty() {
            return Err(Error::new(
                span.clone(),
                format!("{what} {fp:?} in replacement target"),
            ));
        }
        for f in found {
            let Some(node) = fieldpath::at_mut(&mut r.node, &f.steps) else {
                continue;
            };
            let annotation = matches!(f.steps.as_slice(),
                [Step::Key(m), Step::Key(a), Step::Key(_)] if m == "metadata" && a == "annotations");
            set_field(node, f.fresh, annotation, value, &t.options).map_err(|e| {
                Error::new(
                    span.clone(),
                    format!("replacing field {fp:?} of {}: {e}", r.origin),
                )
            })?;
        }
    }
    Ok(())
}

fn set_field(
    target: &mut Node,
    fresh: bool,
    annotation: bool,
    value: &Node,
    o: &Options,
) -> Result<(), String> {
    let mut text = scalar_text(value).unwrap_or_default();
    let target_text = scalar_text(target);
    if !o.delimiter.is_empty() {
        let Some(tt) = &target_text else {
            return Err("delimiter option can only be used with scalar nodes".into());
        };
        let mut parts: Vec<String> = tt.split(o.delimiter.as_str()).map(str::to_string).collect();
        match usize::try_from(o.index) {
            Err(_) => parts.insert(0, text),
            Ok(i) if i >= parts.len() => parts.push(text),
            Ok(i) => parts[i] = text,
        }
        text = parts.join(&o.delimiter);
    }
    if target_text.is_none() {
        // A list or mapping target takes the whole source node.
        *target = value.clone();
        return Ok(());
    }
    // A scalar target keeps its type and takes only the text.
    target.value = if fresh && annotation {
        // kustomize rewrites every annotation as the string it was written as.
        Value::Str(text.into())
    } else if fresh {
        resolve_plain(&text, Profile::Kustomize)
    } else {
        fieldpath::retype(&target.value, &text)?
    };
    target.span = value.span.clone();
    Ok(())
}

#[cfg(test)]
mod tests;
