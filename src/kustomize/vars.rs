//! The deprecated `vars:`: `$(NAME)` in a fixed set of fields becomes a field of another resource
//! (kustomize v5.5.0's ResAccumulator.ResolveVars and api/filters/refvar).

use crate::error::{Error, Result};
use crate::kustomize::fieldpath::{self, split_path};
use crate::resource::{ResId, Resource};
use crate::yaml::{Node, Span, Value};

/// One `vars:` entry.
#[derive(Clone, Debug)]
pub struct Var {
    /// The name used as `$(NAME)`.
    pub name: String,
    group: String,
    version: String,
    kind: String,
    obj_name: String,
    namespace: String,
    field_path: String,
    span: Span,
}

/// A place where `$(NAME)` is replaced: a kind (empty for any) and a `/`-separated path.
#[derive(Clone, Debug, PartialEq)]
pub struct VarRefSpec {
    /// API group to match; empty matches any.
    pub group: String,
    /// API version to match; empty matches any.
    pub version: String,
    /// Kind to match; empty matches any.
    pub kind: String,
    /// The path, `/`-separated; lists along it are walked element by element.
    pub path: String,
}

/// kustomize's built-in varReference field specs: (kind, path). An empty kind matches any.
const DEFAULT_REFS: &[(&str, &str)] = &[
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/args",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/command",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/env/value",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/args",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/command",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/env/value",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/volumes/nfs/server",
    ),
    ("DaemonSet", "spec/template/spec/containers/args"),
    ("DaemonSet", "spec/template/spec/containers/command"),
    ("DaemonSet", "spec/template/spec/containers/env/value"),
    (
        "DaemonSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("DaemonSet", "spec/template/spec/initContainers/args"),
    ("DaemonSet", "spec/template/spec/initContainers/command"),
    ("DaemonSet", "spec/template/spec/initContainers/env/value"),
    (
        "DaemonSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("DaemonSet", "spec/template/spec/volumes/nfs/server"),
    ("Deployment", "spec/template/spec/containers/args"),
    ("Deployment", "spec/template/spec/containers/command"),
    ("Deployment", "spec/template/spec/containers/env/value"),
    (
        "Deployment",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("Deployment", "spec/template/spec/initContainers/args"),
    ("Deployment", "spec/template/spec/initContainers/command"),
    ("Deployment", "spec/template/spec/initContainers/env/value"),
    (
        "Deployment",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("Deployment", "spec/template/spec/volumes/nfs/server"),
    ("Deployment", "spec/template/metadata/annotations"),
    ("Ingress", "spec/rules/host"),
    ("Ingress", "spec/tls/hosts"),
    ("Ingress", "spec/tls/secretName"),
    ("Job", "spec/template/spec/containers/args"),
    ("Job", "spec/template/spec/containers/command"),
    ("Job", "spec/template/spec/containers/env/value"),
    (
        "Job",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("Job", "spec/template/spec/initContainers/args"),
    ("Job", "spec/template/spec/initContainers/command"),
    ("Job", "spec/template/spec/initContainers/env/value"),
    (
        "Job",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("Job", "spec/template/spec/volumes/nfs/server"),
    ("Pod", "spec/containers/args"),
    ("Pod", "spec/containers/command"),
    ("Pod", "spec/containers/env/value"),
    ("Pod", "spec/containers/volumeMounts/mountPath"),
    ("Pod", "spec/initContainers/args"),
    ("Pod", "spec/initContainers/command"),
    ("Pod", "spec/initContainers/env/value"),
    ("Pod", "spec/initContainers/volumeMounts/mountPath"),
    ("Pod", "spec/volumes/nfs/server"),
    ("ReplicaSet", "spec/template/spec/containers/args"),
    ("ReplicaSet", "spec/template/spec/containers/command"),
    ("ReplicaSet", "spec/template/spec/containers/env/value"),
    (
        "ReplicaSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("ReplicaSet", "spec/template/spec/initContainers/args"),
    ("ReplicaSet", "spec/template/spec/initContainers/command"),
    ("ReplicaSet", "spec/template/spec/initContainers/env/value"),
    (
        "ReplicaSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("ReplicaSet", "spec/template/spec/volumes/nfs/server"),
    ("Service", "spec/ports/port"),
    ("Service", "spec/ports/targetPort"),
    ("StatefulSet", "spec/template/spec/containers/args"),
    ("StatefulSet", "spec/template/spec/containers/command"),
    ("StatefulSet", "spec/template/spec/containers/env/value"),
    (
        "StatefulSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("StatefulSet", "spec/template/spec/initContainers/args"),
    ("StatefulSet", "spec/template/spec/initContainers/command"),
    ("StatefulSet", "spec/template/spec/initContainers/env/value"),
    (
        "StatefulSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server"),
    ("PersistentVolume", "spec/nfs/server"),
    ("", "metadata/labels"),
    ("", "metadata/annotations"),
];

fn span_of(n: &Node, file: &str) -> Span {
    n.span.clone().unwrap_or_else(|| Span::file(file.into()))
}

fn strict_map<'a>(
    n: &'a Node,
    file: &str,
    what: &str,
    fields: &[&str],
) -> Result<&'a crate::yaml::Mapping> {
    let Value::Map(m) = &n.value else {
        return Err(Error::new(
            span_of(n, file),
            format!("{what} must be a mapping, not a {}", n.type_name()),
        ));
    };
    for e in m.entries() {
        // Go's JSON decoding (how kustomize reads its file) matches field names ignoring case.
        if !fields.iter().any(|f| f.eq_ignore_ascii_case(&e.key)) {
            return Err(Error::new(
                e.key_span.clone().unwrap_or_else(|| span_of(n, file)),
                format!("{what}: unknown field {:?}", e.key),
            ));
        }
    }
    Ok(m)
}

/// A field by name ignoring ASCII case, the last spelling winning, as Go's JSON decoder does.
fn get_ci<'a>(m: &'a crate::yaml::Mapping, key: &str) -> Option<&'a Node> {
    m.entries()
        .iter()
        .rev()
        .find(|e| e.key.eq_ignore_ascii_case(key))
        .map(|e| &e.value)
}

fn text(m: &crate::yaml::Mapping, key: &str, file: &str) -> Result<String> {
    match get_ci(m, key) {
        None => Ok(String::new()),
        Some(n) => match &n.value {
            Value::Null => Ok(String::new()),
            Value::Str(s) => Ok(s.to_string()),
            _ => Err(Error::new(
                span_of(n, file),
                format!("{key} must be a string, not a {}", n.type_name()),
            )),
        },
    }
}

/// Reads a kustomization's `vars:` list. A name given twice is an error, as kustomize's var set
/// refuses it.
pub fn parse_vars(list: &[Node], file: &str) -> Result<Vec<Var>> {
    let mut out: Vec<Var> = Vec::new();
    for entry in list {
        let m = strict_map(entry, file, "var", &["name", "objref", "fieldref"])?;
        let name = text(m, "name", file)?;
        let span = m
            .entries()
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case("name"))
            .map(|e| &e.value)
            .map(|n| span_of(n, file))
            .unwrap_or_else(|| span_of(entry, file));
        if out.iter().any(|v| v.name == name) {
            return Err(Error::new(
                span,
                format!("var '{name}' already encountered"),
            ));
        }
        let empty = Node::map();
        let obj = get_ci(m, "objref")
            .filter(|n| !n.is_null())
            .unwrap_or(&empty);
        let om = strict_map(
            obj,
            file,
            "objref",
            &[
                "apiVersion",
                "group",
                "version",
                "kind",
                "name",
                "namespace",
            ],
        )?;
        let (mut group, mut version) = (text(om, "group", file)?, text(om, "version", file)?);
        let api = text(om, "apiVersion", file)?;
        if !api.is_empty() {
            // As kustomize's Target.GVK: apiVersion overrides group and version.
            let parts: Vec<&str> = api.split('/').collect();
            match parts.as_slice() {
                [g, v] => (group, version) = (g.to_string(), v.to_string()),
                [v] => version = v.to_string(),
                _ => {}
            }
        }
        let field_path = match get_ci(m, "fieldref").filter(|n| !n.is_null()) {
            Some(f) => text(
                strict_map(f, file, "fieldref", &["fieldPath"])?,
                "fieldPath",
                file,
            )?,
            None => String::new(),
        };
        out.push(Var {
            name,
            group,
            version,
            kind: text(om, "kind", file)?,
            obj_name: text(om, "name", file)?,
            namespace: text(om, "namespace", file)?,
            field_path: if field_path.is_empty() {
                "metadata.name".into()
            } else {
                field_path
            },
            span,
        });
    }
    Ok(out)
}

impl Var {
    /// Whether `id` is the object this var names: group, version, kind and name equal, and the
    /// namespace too when the var gives one (an empty namespace is "default").
    fn refers_to(&self, id: &ResId) -> bool {
        let eff = |ns: &str| if ns.is_empty() { "default" } else { ns }.to_string();
        self.group == id.gvk.group
            && self.version == id.gvk.version
            && self.kind == id.gvk.kind
            && self.obj_name == id.name
            && (self.namespace.is_empty() || eff(&self.namespace) == eff(&id.namespace))
    }

    /// kustomize's `%v` of a var: `{NAME Kind.version.group {fieldPath}}`.
    fn describe(&self) -> String {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{{{} {}.{}.{} {{{}}}}}",
            self.name,
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            self.field_path
        )
    }
}

/// Kustomize's `convertSliceIndex`: `a[0]` in a var's field path means field `a`, element 0.
fn var_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in split_path(path) {
        if let Some(stem) = p.strip_suffix(']')
            && let Some((head, idx)) = stem.rsplit_once('[')
            && !idx.is_empty()
            && idx.bytes().all(|b| b.is_ascii_digit())
        {
            if !head.is_empty() {
                out.push(head.to_string());
            }
            out.push(idx.to_string());
            continue;
        }
        out.push(p);
    }
    out
}

/// Replaces `$(NAME)` for every var in the default varReference fields plus `extra`. A var whose
/// object is missing, or whose field is missing in it, is an error; `$(X)` naming no var, or a var
/// whose value is a list, map or null, is left as written.
pub fn resolve_vars(resources: &mut [Resource], vars: &[Var], extra: &[VarRefSpec]) -> Result<()> {
    let mut values: Vec<(String, Node)> = Vec::new();
    for v in vars {
        let matched: Vec<&Resource> = resources
            .iter()
            .filter(|r| {
                std::iter::once(r.id())
                    .chain(r.previous_ids.iter().cloned())
                    .any(|id| v.refers_to(&id))
            })
            .collect();
        let r = match matched.as_slice() {
            [r] => *r,
            [] => {
                return Err(Error::new(
                    v.span.clone(),
                    format!(
                        "var '{}' cannot be mapped to a field in the set of known resources",
                        v.describe()
                    ),
                ));
            }
            many => {
                return Err(Error::new(
                    v.span.clone(),
                    format!(
                        "found {} resId matches for var {} (unable to disambiguate)",
                        many.len(),
                        v.describe()
                    ),
                ));
            }
        };
        let node = fieldpath::lookup(&r.node, &var_path(&v.field_path))
            .ok()
            .flatten()
            .ok_or_else(|| {
                Error::new(
                    v.span.clone(),
                    format!(
                        "field specified in var '{}' not found in corresponding resource",
                        v.describe()
                    ),
                )
            })?;
        if matches!(
            node.value,
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
        ) {
            values.push((v.name.clone(), node.clone()));
        }
    }
    if vars.is_empty() {
        return Ok(());
    }
    let specs: Vec<VarRefSpec> = DEFAULT_REFS
        .iter()
        .map(|(kind, path)| VarRefSpec {
            group: String::new(),
            version: String::new(),
            kind: kind.to_string(),
            path: path.to_string(),
        })
        .chain(extra.iter().cloned())
        .fold(Vec::new(), |mut acc: Vec<VarRefSpec>, s| {
            // kustomize merges field spec lists without duplicates; a second pass would expand
            // `$(X)` inside values a var just wrote.
            if !acc.contains(&s) {
                acc.push(s);
            }
            acc
        });
    for spec in &specs {
        let parts: Vec<&str> = spec.path.split('/').filter(|p| !p.is_empty()).collect();
        for r in resources.iter_mut() {
            let gvk = r.gvk();
            if (!spec.kind.is_empty() && spec.kind != gvk.kind)
                || (!spec.group.is_empty() && spec.group != gvk.group)
                || (!spec.version.is_empty() && spec.version != gvk.version)
            {
                continue;
            }
            let origin = r.origin.clone();
            walk(&mut r.node, &parts, &values).map_err(|e| {
                Error::new(origin, format!("considering field '{}': {e}", spec.path))
            })?;
        }
    }
    Ok(())
}

fn walk(n: &mut Node, parts: &[&str], values: &[(String, Node)]) -> Result<(), String> {
    let Some(first) = parts.first() else {
        return set(n, values);
    };
    match &mut n.value {
        Value::Null => Ok(()),
        Value::Seq(items) => {
            for item in items {
                walk(item, parts, values)?;
            }
            Ok(())
        }
        Value::Map(m) => match m.get_mut(first.trim_end_matches("[]")) {
            Some(child) => walk(child, &parts[1..], values),
            None => Ok(()),
        },
        _ => Err("expected sequence or mapping node".into()),
    }
}

fn set(n: &mut Node, values: &[(String, Node)]) -> Result<(), String> {
    match &mut n.value {
        Value::Str(_) => expand_node(n, values),
        Value::Map(m) => {
            for e in m.entries_mut() {
                if matches!(e.value.value, Value::Str(_)) {
                    expand_node(&mut e.value, values);
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                if !matches!(item.value, Value::Str(_)) {
                    return Err("invalid value type expect a string".into());
                }
                expand_node(item, values);
            }
        }
        _ => {}
    }
    Ok(())
}

fn expand_node(n: &mut Node, values: &[(String, Node)]) {
    let Value::Str(s) = &n.value else { return };
    let lookup = |name: &str| values.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    // A string that is exactly one var takes the var's value and type.
    if let Some(name) = s.strip_prefix("$(").and_then(|r| r.strip_suffix(')'))
        && !name.contains(')')
    {
        if let Some(v) = lookup(name) {
            *n = v.clone();
        }
        return;
    }
    let out = expand(s, &|name| lookup(name).and_then(fieldpath::scalar_text));
    if out != s {
        n.value = Value::Str(out.into());
    }
}

/// kustomize's `DoReplacements` on a string: `$(NAME)` becomes the value, `$$` becomes `$`, an
/// unclosed `$(` and unknown names stay as written.
fn expand(input: &str, map: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let mut chars = after.chars();
        match chars.next() {
            None => {
                out.push('$');
                rest = after;
            }
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('(') => match after[1..].find(')') {
                Some(end) => {
                    let name = &after[1..1 + end];
                    match map(name) {
                        Some(v) => out.push_str(&v),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str("$(");
                    rest = &after[1..];
                }
            },
            Some(c) => {
                out.push('$');
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
