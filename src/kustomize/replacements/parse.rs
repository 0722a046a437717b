//! Reading `replacements:` entries and replacement files.

use std::sync::Arc;

use super::{IdSel, Options, Replacement, Sel, Source, Target};
use crate::error::{Error, Result};
use crate::kustomize::select::LabelSelector;
use crate::yaml::{self, Limits, Node, Profile, Span, Value};

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
            Value::Str(s) => Ok((s.to_string(), self.span(n))),
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
        // Inline entries pass through kustomize's plugin config, whose `omitempty` turns an
        // empty list into a missing one; replacement files are decoded directly.
        if self.strict && items.is_empty() {
            return Err(missing());
        }
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
