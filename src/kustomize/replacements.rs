//! `replacements:`: copy a field of one resource into fields of others (kustomize v5.5.0's
//! ReplacementTransformer and api/filters/replacement).
//!
//! In v5.5.0 replacement selectors compare group/version/kind/name/namespace exactly (not as the
//! regexes patch targets use), against a resource's current id and every earlier one.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::kustomize::fieldpath::{self, Create, scalar_text, split_path};
use crate::kustomize::select::LabelSelector;
use crate::resource::{ResId, Resource};
use crate::yaml::{self, Limits, Node, Profile, Span, Value, resolve_plain};

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

/// Reads a file named in a kustomization (path as written, span of the entry), returning its
/// bytes and the name to show in errors; it enforces the loader's rules.
pub type ReadFile<'a> = dyn FnMut(&str, &Span) -> Result<(Vec<u8>, Arc<str>)> + 'a;

/// Reads a kustomization's `replacements:` list. Each entry is `{path: file}` (a file holding one
/// replacement or a list of them, read through `read`) or an inline `{source, targets}`.
pub fn parse_replacements(
    list: &[Node],
    file: &str,
    read: &mut ReadFile<'_>,
) -> Result<Vec<Replacement>> {
    let mut out = Vec::new();
    for entry in list {
        let r = Reader { file, strict: true };
        let span = r.span(entry);
        let m = r.map(entry, "replacements entry", &["path", "source", "targets"])?;
        if let Some(p) = m.get("path").filter(|p| !p.is_null()) {
            let (path, pspan) = r.string(p, "path")?;
            if m.get("source").is_some_and(|n| !n.is_null())
                || m.get("targets").is_some_and(|n| !n.is_null())
            {
                return Err(Error::new(
                    span,
                    "cannot specify both path and inline replacement",
                ));
            }
            let (bytes, display) = read(&path, &pspan)?;
            let docs = yaml::parse_file(&bytes, &display, Profile::Kustomize, Limits::default())?;
            // sigs.k8s.io/yaml reads only the first document of the file.
            let Some(doc) = docs.into_iter().next() else {
                return Err(Error::in_file(
                    &display,
                    "unsupported replacement type encountered within replacement path: invalid",
                ));
            };
            let fr = Reader {
                file: &display,
                strict: false,
            };
            match &doc.value {
                Value::Seq(items) => {
                    for item in items {
                        out.push(fr.replacement(item)?);
                    }
                }
                Value::Map(_) => out.push(fr.replacement(&doc)?),
                _ => {
                    return Err(Error::new(
                        fr.span(&doc),
                        format!(
                            "unsupported replacement type encountered within replacement path: {}",
                            doc.type_name()
                        ),
                    ));
                }
            }
        } else {
            out.push(r.replacement(entry)?);
        }
    }
    Ok(out)
}

/// Reads replacement fields; `strict` rejects unknown fields (the kustomization file is decoded
/// strictly, replacement files are not).
struct Reader<'a> {
    file: &'a str,
    strict: bool,
}

impl Reader<'_> {
    fn span(&self, n: &Node) -> Span {
        n.span
            .clone()
            .unwrap_or_else(|| Span::file(self.file.into()))
    }

    fn map<'n>(
        &self,
        n: &'n Node,
        what: &str,
        fields: &[&str],
    ) -> Result<&'n crate::yaml::Mapping> {
        let Value::Map(m) = &n.value else {
            return Err(Error::new(
                self.span(n),
                format!("{what} must be a mapping, not a {}", n.type_name()),
            ));
        };
        if self.strict {
            for e in m.entries() {
                if !fields.contains(&e.key.as_str()) {
                    return Err(Error::new(
                        e.key_span.clone().unwrap_or_else(|| self.span(n)),
                        format!("{what}: unknown field {:?}", e.key),
                    ));
                }
            }
        }
        Ok(m)
    }

    fn string(&self, n: &Node, what: &str) -> Result<(String, Span)> {
        match &n.value {
            Value::Null => Ok((String::new(), self.span(n))),
            Value::Str(s) => Ok((s.clone(), self.span(n))),
            _ => Err(Error::new(
                self.span(n),
                format!("{what} must be a string, not a {}", n.type_name()),
            )),
        }
    }

    fn opt_string(&self, m: &crate::yaml::Mapping, key: &str) -> Result<String> {
        m.get(key)
            .map(|n| self.string(n, key).map(|s| s.0))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    fn id(&self, m: &crate::yaml::Mapping) -> Result<IdSel> {
        Ok(IdSel {
            group: self.opt_string(m, "group")?,
            version: self.opt_string(m, "version")?,
            kind: self.opt_string(m, "kind")?,
            name: self.opt_string(m, "name")?,
            namespace: self.opt_string(m, "namespace")?,
        })
    }

    fn replacement(&self, n: &Node) -> Result<Replacement> {
        let span = self.span(n);
        let m = self.map(n, "replacement", &["path", "source", "targets"])?;
        let missing = || {
            Error::new(
                span.clone(),
                "replacements must specify a source and at least one target",
            )
        };
        let src = m
            .get("source")
            .filter(|s| !s.is_null())
            .ok_or_else(missing)?;
        let tgts = m
            .get("targets")
            .filter(|s| !s.is_null())
            .ok_or_else(missing)?;
        let source = self.source(src)?;
        let Value::Seq(items) = &tgts.value else {
            return Err(Error::new(self.span(tgts), "targets must be a list"));
        };
        let targets = items
            .iter()
            .map(|t| self.target(t))
            .collect::<Result<Vec<_>>>()?;
        Ok(Replacement { source, targets })
    }

    fn source(&self, n: &Node) -> Result<Source> {
        let span = self.span(n);
        let m = self.map(
            n,
            "source",
            &[
                "group",
                "version",
                "kind",
                "name",
                "namespace",
                "fieldPath",
                "options",
            ],
        )?;
        let (field_path, field_span) = match m.get("fieldPath") {
            Some(f) => self.string(f, "fieldPath")?,
            None => (String::new(), span.clone()),
        };
        Ok(Source {
            id: self.id(m)?,
            field_path,
            field_span,
            options: self.options(m.get("options"))?,
            span,
        })
    }

    fn options(&self, n: Option<&Node>) -> Result<Options> {
        let Some(n) = n.filter(|n| !n.is_null()) else {
            return Ok(Options::default());
        };
        let m = self.map(n, "options", &["delimiter", "index", "encoding", "create"])?;
        let index = match m.get("index").map(|i| &i.value) {
            None | Some(Value::Null) => 0,
            Some(Value::Int(i)) => i64::try_from(*i).map_err(|_| {
                Error::new(
                    self.span(&m.get("index").cloned().unwrap_or(Node::new(Value::Null))),
                    "options.index is out of range",
                )
            })?,
            Some(_) => {
                let at = m
                    .get("index")
                    .map(|i| self.span(i))
                    .unwrap_or_else(|| self.span(n));
                return Err(Error::new(at, "options.index must be an integer"));
            }
        };
        let create = match m.get("create").map(|c| &c.value) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                let at = m
                    .get("create")
                    .map(|c| self.span(c))
                    .unwrap_or_else(|| self.span(n));
                return Err(Error::new(at, "options.create must be a boolean"));
            }
        };
        self.opt_string(m, "encoding")?;
        Ok(Options {
            delimiter: self.opt_string(m, "delimiter")?,
            index,
            create,
        })
    }

    fn selector(&self, n: &Node, what: &str) -> Result<Sel> {
        let m = self.map(
            n,
            what,
            &[
                "group",
                "version",
                "kind",
                "name",
                "namespace",
                "labelSelector",
                "annotationSelector",
            ],
        )?;
        let ls = |key: &str| -> Result<Option<LabelSelector>> {
            let Some(v) = m.get(key) else { return Ok(None) };
            let (s, at) = self.string(v, key)?;
            if s.is_empty() {
                return Ok(None);
            }
            LabelSelector::parse(&s)
                .map(Some)
                .map_err(|e| Error::new(at, format!("{what}.{key}: {e}")))
        };
        Ok(Sel {
            id: self.id(m)?,
            labels: ls("labelSelector")?,
            annotations: ls("annotationSelector")?,
        })
    }

    fn target(&self, n: &Node) -> Result<Target> {
        let span = self.span(n);
        let m = self.map(n, "target", &["select", "reject", "fieldPaths", "options"])?;
        let select = match m.get("select").filter(|s| !s.is_null()) {
            Some(s) => self.selector(s, "select")?,
            None => return Err(Error::new(span, "target must specify resources to select")),
        };
        let mut reject = Vec::new();
        if let Some(r) = m.get("reject").filter(|r| !r.is_null()) {
            let Value::Seq(items) = &r.value else {
                return Err(Error::new(self.span(r), "reject must be a list"));
            };
            for item in items {
                reject.push(self.selector(item, "reject")?);
            }
        }
        let mut field_paths = Vec::new();
        if let Some(f) = m.get("fieldPaths").filter(|f| !f.is_null()) {
            let Value::Seq(items) = &f.value else {
                return Err(Error::new(self.span(f), "fieldPaths must be a list"));
            };
            for item in items {
                field_paths.push(self.string(item, "fieldPaths entry")?);
            }
        }
        if field_paths.is_empty() {
            field_paths.push(("metadata.name".to_string(), span));
        }
        Ok(Target {
            select,
            reject,
            field_paths,
            options: self.options(m.get("options"))?,
        })
    }
}

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
                .filter_map(|e| scalar_text(&e.value).map(|v| (e.key.clone(), v)))
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
        let found =
            fieldpath::match_targets(&mut r.node, &split_path(fp), create).map_err(|e| {
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
            set_field(node, f.fresh, value, &t.options).map_err(|e| {
                Error::new(
                    span.clone(),
                    format!("replacing field {fp:?} of {}: {e}", r.origin),
                )
            })?;
        }
    }
    Ok(())
}

fn set_field(target: &mut Node, fresh: bool, value: &Node, o: &Options) -> Result<(), String> {
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
    target.value = if fresh {
        resolve_plain(&text, Profile::Kustomize)
    } else {
        fieldpath::retype(&target.value, &text)?
    };
    target.span = value.span.clone();
    Ok(())
}

#[cfg(test)]
mod tests;
