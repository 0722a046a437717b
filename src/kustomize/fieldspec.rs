//! Field specs: "this path, in resources of this group/version/kind", the unit every kustomize
//! transformer is configured with, and the walker that visits the fields a spec names.

use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::yaml::{Entry, Mapping, Node, Span, Value};

/// A path inside resources selected by group, version and kind; empty selectors match anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// API group the resource must have, if any.
    pub group: Option<String>,
    /// API version the resource must have, if any.
    pub version: Option<String>,
    /// Kind the resource must have, if any.
    pub kind: Option<String>,
    /// Field names from the root; a name ending in `[]` marks a sequence (never created).
    pub path: Vec<String>,
    /// Whether missing fields along the path are created.
    pub create: bool,
}

/// What the walker creates at the end of a path when the spec says `create`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// Create nothing: only existing fields are visited.
    Nothing,
    /// Create an empty mapping (labels, annotations).
    Map,
    /// Create an empty string (namespace, name).
    Scalar,
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

impl FieldSpec {
    /// A spec from its parts as written in a configuration (`path` in slash form).
    pub fn new(
        group: Option<&str>,
        version: Option<&str>,
        kind: Option<&str>,
        path: &str,
        create: bool,
    ) -> FieldSpec {
        FieldSpec {
            group: non_empty(group),
            version: non_empty(version),
            kind: non_empty(kind),
            path: split_path(path),
            create,
        }
    }

    /// A spec for every resource.
    pub fn any(path: &str, create: bool) -> FieldSpec {
        FieldSpec::new(None, None, None, path, create)
    }

    /// A spec for one kind.
    pub fn kind(kind: &str, path: &str, create: bool) -> FieldSpec {
        FieldSpec::new(None, None, Some(kind), path, create)
    }

    /// The path in slash form, escaping slashes inside names as kustomize writes them.
    pub fn path_string(&self) -> String {
        self.path
            .iter()
            .map(|p| p.replace('/', "\\/"))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Whether a resource of `gvk` is selected: every selector that is set must be equal.
    pub fn matches(&self, gvk: &Gvk) -> bool {
        gvk_selected(gvk, &self.group, &self.version, &self.kind)
    }

    /// Whether `incoming` duplicates this (existing) spec, the test kustomize uses to drop
    /// duplicates when merging configurations: the same path, and every selector `incoming` sets
    /// equals this one's. It is one-sided: an existing `kind: Foo` spec swallows an incoming spec
    /// for every kind, but not the other way round.
    pub fn same_field(&self, incoming: &FieldSpec) -> bool {
        let mine = Gvk {
            group: self.group.clone().unwrap_or_default(),
            version: self.version.clone().unwrap_or_default(),
            kind: self.kind.clone().unwrap_or_default(),
        };
        self.path == incoming.path
            && gvk_selected(&mine, &incoming.group, &incoming.version, &incoming.kind)
    }

    /// kustomize's sort key for field specs (and name reference rules): the kind's place in its
    /// fixed kind order, then `group_version_kind` with unset parts spelled `~G`, `~V`, `~K`.
    pub fn sort_key(
        group: &Option<String>,
        version: &Option<String>,
        kind: &Option<String>,
    ) -> (i32, String) {
        let part = |p: &Option<String>, none: &str| match p.as_deref() {
            None | Some("") => none.to_string(),
            Some(s) => s.to_string(),
        };
        (
            crate::kustomize::sort::kind_rank(kind.as_deref().unwrap_or("")),
            format!(
                "{}_{}_{}",
                part(group, "~G"),
                part(version, "~V"),
                part(kind, "~K")
            ),
        )
    }
}

/// Whether `gvk` passes a selector of optional group, version and kind.
pub fn gvk_selected(
    gvk: &Gvk,
    group: &Option<String>,
    version: &Option<String>,
    kind: &Option<String>,
) -> bool {
    group.as_ref().is_none_or(|g| *g == gvk.group)
        && version.as_ref().is_none_or(|v| *v == gvk.version)
        && kind.as_ref().is_none_or(|k| *k == gvk.kind)
}

/// Splits a slash path; a name ending in a backslash joins the next one with a literal slash
/// (`metadata/annotations/a.io\/b` names the annotation `a.io/b`). One leading slash is ignored.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 1 && parts[0].is_empty() {
        parts.remove(0);
    }
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

/// Calls `f` on every node `spec.path` names inside `node`, creating missing mappings along the
/// way (and an empty mapping at the end) when `spec.create` is set. The resource's kind is not
/// checked here: see [`FieldSpec::matches`].
pub fn visit(
    node: &mut Node,
    spec: &FieldSpec,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    visit_creating(node, spec, Leaf::Map, f)
}

/// Like [`visit`], choosing what a missing last field is created as.
///
/// Sequences met along the path are entered element by element without using up a path
/// name; null values end the walk quietly; a scalar where the path goes on is an error.
pub fn visit_creating(
    node: &mut Node,
    spec: &FieldSpec,
    leaf: Leaf,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    walk_field(node, spec, leaf, f).map_err(|e| {
        Error::new(
            e.span,
            format!("considering field '{}': {}", spec.path_string(), e.message),
        )
    })
}

/// [`visit_creating`] without naming the field in errors (callers that name it themselves).
pub(crate) fn walk_field(
    node: &mut Node,
    spec: &FieldSpec,
    leaf: Leaf,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    let create = spec.create && leaf != Leaf::Nothing;
    walk(node, &spec.path, create, leaf, None, f)
}

fn walk(
    node: &mut Node,
    path: &[String],
    create: bool,
    leaf: Leaf,
    inherited: Option<&Span>,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<()> {
    let Some((first, rest)) = path.split_first() else {
        return f(node);
    };
    let here = node.span.clone().or_else(|| inherited.cloned());
    match &mut node.value {
        Value::Null => Ok(()),
        Value::Seq(items) => {
            for item in items.iter_mut() {
                walk(item, path, create, leaf, here.as_ref(), f)?;
            }
            Ok(())
        }
        Value::Map(map) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_str(), false),
            };
            if name.is_empty() {
                return Err(located(
                    &here,
                    "cannot set or create an empty field name".to_string(),
                ));
            }
            // What a missing or null field turns into: nothing without `create`, an empty
            // sequence for `name[]`, the leaf kind at the end, a mapping in between.
            let make: Option<Value> = if !create || is_seq {
                is_seq.then(|| Value::Seq(Vec::new()))
            } else if rest.is_empty() {
                match leaf {
                    Leaf::Map => Some(Value::Map(Mapping::new())),
                    Leaf::Scalar => Some(Value::Str(crate::yaml::CompactString::default())),
                    Leaf::Nothing => None,
                }
            } else {
                Some(Value::Map(Mapping::new()))
            };
            let may_add = create && !is_seq;
            if !map.contains_key(name) {
                if !may_add {
                    return Ok(());
                }
                let Some(value) = make.clone() else {
                    return Ok(());
                };
                map.push(Entry {
                    key: name.into(),
                    key_span: here.clone(),
                    value: Node::spanned(value, here.clone()),
                });
            }
            let Some(child) = map.get_mut(name) else {
                return Ok(());
            };
            if child.is_null()
                && let Some(value) = make
            {
                child.value = value;
                if child.span.is_none() {
                    child.span = here.clone();
                }
            }
            walk(child, rest, create, leaf, here.as_ref(), f)
        }
        _ => Err(located(
            &here,
            "expected sequence or mapping node".to_string(),
        )),
    }
}

fn located(span: &Option<Span>, message: String) -> Error {
    match span {
        Some(s) => Error::new(s.clone(), message),
        None => Error::in_file("<generated>", message),
    }
}

/// The text of a scalar as kustomize reads it (`node.YNode().Value`), or `None` for
/// mappings, sequences and null.
pub fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    fn doc(text: &str) -> Node {
        parse_str(text, "t.yaml", Profile::Kustomize, Limits::default())
            .expect("test yaml parses")
            .remove(0)
    }

    #[test]
    fn split_keeps_escaped_slashes_and_drops_leading_slash() {
        assert_eq!(
            split_path("metadata/annotations/nginx.io\\/auth-secret"),
            vec!["metadata", "annotations", "nginx.io/auth-secret"]
        );
        assert_eq!(split_path("/spec/x"), vec!["spec", "x"]);
        assert_eq!(split_path("spec/containers[]/image")[1], "containers[]");
    }

    #[test]
    fn empty_selectors_match_anything() {
        let gvk = Gvk::from_api_version("apps/v1", "Deployment");
        assert!(FieldSpec::any("a", false).matches(&gvk));
        assert!(FieldSpec::kind("Deployment", "a", false).matches(&gvk));
        assert!(!FieldSpec::new(Some("batch"), None, Some("Deployment"), "a", false).matches(&gvk));
        assert!(!FieldSpec::new(None, Some("v2"), None, "a", false).matches(&gvk));
    }

    #[test]
    fn walks_each_sequence_element_without_consuming_a_name() {
        let mut n = doc("spec:\n  containers:\n  - image: a\n  - image: b\n  - name: c\n");
        let mut seen = Vec::new();
        visit_creating(
            &mut n,
            &FieldSpec::any("spec/containers/image", true),
            Leaf::Nothing,
            &mut |n| {
                seen.push(n.as_str().unwrap_or_default().to_string());
                Ok(())
            },
        )
        .expect("walk succeeds");
        assert_eq!(seen, vec!["a", "b"]);
    }

    #[test]
    fn creates_maps_with_the_nearest_span() {
        let mut n = doc("kind: X\nspec:\n  a: 1\n");
        let mut calls = 0;
        visit(
            &mut n,
            &FieldSpec::any("spec/template/metadata/labels", true),
            &mut |n| {
                calls += 1;
                assert!(n.as_map().is_some());
                Ok(())
            },
        )
        .expect("walk succeeds");
        assert_eq!(calls, 1);
        let created = n
            .get_path(&["spec", "template", "metadata", "labels"])
            .expect("created");
        let spec_span = n.get_path(&["spec"]).and_then(|s| s.span.clone());
        assert_eq!(created.span, spec_span);
    }

    #[test]
    fn does_not_create_without_create_or_through_sequences() {
        let mut n = doc("spec: {}\n");
        let mut calls = 0;
        visit(
            &mut n,
            &FieldSpec::any("spec/selector/matchLabels", false),
            &mut |_| {
                calls += 1;
                Ok(())
            },
        )
        .expect("walk succeeds");
        visit(
            &mut n,
            &FieldSpec::any("spec/containers[]/image", true),
            &mut |_| {
                calls += 1;
                Ok(())
            },
        )
        .expect("walk succeeds");
        assert_eq!(calls, 0);
        assert_eq!(
            n.get_path(&["spec"])
                .and_then(Node::as_map)
                .map(Mapping::len),
            Some(0)
        );
    }

    #[test]
    fn null_becomes_the_created_kind() {
        let mut n = doc("metadata:\n  labels:\n");
        visit(&mut n, &FieldSpec::any("metadata/labels", true), &mut |n| {
            assert!(n.as_map().is_some());
            Ok(())
        })
        .expect("walk succeeds");
    }

    #[test]
    fn scalar_in_the_middle_is_an_error_with_its_place() {
        let mut n = doc("spec: text\n");
        let err = visit(
            &mut n,
            &FieldSpec::any("spec/template/x", true),
            &mut |_| Ok(()),
        )
        .expect_err("scalar cannot be walked");
        assert!(err.message.contains("expected sequence or mapping node"));
        assert_eq!(err.span.line, 1);
    }
}
