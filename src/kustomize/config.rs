//! The transformer configuration: which fields each built-in transformer touches.
//!
//! [`defaults`] holds the field specs kustomize v5.5.0 ships with; a kustomization's
//! `configurations:` files ([`parse_config_file`]) add to them ([`TransformerConfig::merge`]).

use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::yaml::{Node, Span, Value};

use super::fieldspec::{FieldSpec, gvk_selected};

pub use super::defaults::defaults;

/// "Fields that hold the name of a resource of this kind", for name-reference fix-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameBackRef {
    /// Group of the referenced resource, if restricted.
    pub group: Option<String>,
    /// Version of the referenced resource, if restricted.
    pub version: Option<String>,
    /// Kind of the referenced resource, if restricted.
    pub kind: Option<String>,
    /// Fields (in referrers) that hold such a name.
    pub referrers: Vec<FieldSpec>,
}

impl NameBackRef {
    /// Whether a resource of `gvk` is one this rule refers to.
    pub fn targets(&self, gvk: &Gvk) -> bool {
        gvk_selected(gvk, &self.group, &self.version, &self.kind)
    }
}

/// Field specs for each built-in transformer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransformerConfig {
    /// Fields `namePrefix` prepends to.
    pub name_prefix: Vec<FieldSpec>,
    /// Fields `nameSuffix` appends to.
    pub name_suffix: Vec<FieldSpec>,
    /// Fields `namespace` sets (besides `metadata.namespace`).
    pub namespace: Vec<FieldSpec>,
    /// Fields `commonLabels` (and `labels` with `includeSelectors`) set.
    pub common_labels: Vec<FieldSpec>,
    /// Extra fields every `labels:` entry sets (empty by default).
    pub labels: Vec<FieldSpec>,
    /// Fields `labels` with `includeTemplates` sets.
    pub template_labels: Vec<FieldSpec>,
    /// Fields `commonAnnotations` sets.
    pub common_annotations: Vec<FieldSpec>,
    /// Name reference rules.
    pub name_reference: Vec<NameBackRef>,
    /// Fields `vars` substitutes in.
    pub var_reference: Vec<FieldSpec>,
    /// Fields `images` rewrites.
    pub images: Vec<FieldSpec>,
    /// Fields `replicas` sets.
    pub replicas: Vec<FieldSpec>,
}

/// Adds `spec` unless an equivalent one is there; two equivalent specs that disagree about
/// `create` conflict, as in kustomize.
pub fn merge_spec(list: &mut Vec<FieldSpec>, spec: FieldSpec, span: &Span) -> Result<()> {
    if let Some(existing) = list.iter().find(|s| s.same_field(&spec)) {
        if existing.create != spec.create {
            return Err(Error::new(
                span.clone(),
                format!("conflicting fieldspecs for path '{}'", spec.path_string()),
            ));
        }
        return Ok(());
    }
    list.push(spec);
    Ok(())
}

/// Adds every spec of `incoming` with [`merge_spec`].
pub fn merge_specs(list: &mut Vec<FieldSpec>, incoming: Vec<FieldSpec>, span: &Span) -> Result<()> {
    for s in incoming {
        merge_spec(list, s, span)?;
    }
    Ok(())
}

impl TransformerConfig {
    /// Adds `other`'s specs to these, dropping duplicates; name reference rules for the same
    /// target kind are joined. `span` locates a conflict (the configuration file).
    pub fn merge(&mut self, other: TransformerConfig, span: &Span) -> Result<()> {
        merge_specs(&mut self.name_prefix, other.name_prefix, span)?;
        merge_specs(&mut self.name_suffix, other.name_suffix, span)?;
        merge_specs(&mut self.namespace, other.namespace, span)?;
        merge_specs(&mut self.common_annotations, other.common_annotations, span)?;
        merge_specs(&mut self.common_labels, other.common_labels, span)?;
        merge_specs(&mut self.labels, other.labels, span)?;
        merge_specs(&mut self.template_labels, other.template_labels, span)?;
        merge_specs(&mut self.var_reference, other.var_reference, span)?;
        for nb in other.name_reference {
            let same = self
                .name_reference
                .iter_mut()
                .find(|b| b.group == nb.group && b.version == nb.version && b.kind == nb.kind);
            match same {
                Some(b) => merge_specs(&mut b.referrers, nb.referrers, span)?,
                None => self.name_reference.push(nb),
            }
        }
        merge_specs(&mut self.images, other.images, span)?;
        merge_specs(&mut self.replicas, other.replicas, span)?;
        self.sort();
        Ok(())
    }

    /// Sorts every list by kustomize's field spec order, as each of its merges ends. The order
    /// matters: a later merge keeps the first of two overlapping specs (see
    /// [`FieldSpec::same_field`]). Go's sort is not stable; a stable sort differs from it only
    /// among specs of one kind, whose order changes no output.
    fn sort(&mut self) {
        let key = |s: &FieldSpec| FieldSpec::sort_key(&s.group, &s.version, &s.kind);
        for list in [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.namespace,
            &mut self.common_annotations,
            &mut self.common_labels,
            &mut self.labels,
            &mut self.template_labels,
            &mut self.var_reference,
            &mut self.images,
            &mut self.replicas,
        ] {
            list.sort_by_cached_key(key);
        }
        self.name_reference
            .sort_by_cached_key(|b| FieldSpec::sort_key(&b.group, &b.version, &b.kind));
    }
}

fn node_span(node: &Node) -> Span {
    node.span
        .clone()
        .unwrap_or_else(|| Span::file("<generated>".into()))
}

fn want_str(node: &Node, what: &str) -> Result<String> {
    match &node.value {
        Value::Str(s) => Ok(s.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(Error::new(
            node_span(node),
            format!("{what} must be a string, not a {}", node.type_name()),
        )),
    }
}

fn want_bool(node: &Node, what: &str) -> Result<bool> {
    match &node.value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        _ => Err(Error::new(
            node_span(node),
            format!("{what} must be a boolean, not a {}", node.type_name()),
        )),
    }
}

fn want_seq<'a>(node: &'a Node, what: &str) -> Result<&'a [Node]> {
    match &node.value {
        Value::Seq(items) => Ok(items),
        Value::Null => Ok(&[]),
        _ => Err(Error::new(
            node_span(node),
            format!("{what} must be a list, not a {}", node.type_name()),
        )),
    }
}

fn parse_gvk_and(
    node: &Node,
    what: &str,
    extra: &[&str],
) -> Result<(Option<String>, Option<String>, Option<String>)> {
    let Some(map) = node.as_map() else {
        return Err(Error::new(
            node_span(node),
            format!("{what} must be a mapping, not a {}", node.type_name()),
        ));
    };
    let mut gvk = (None, None, None);
    for e in map.entries() {
        let slot = match e.key.as_str() {
            "group" => &mut gvk.0,
            "version" => &mut gvk.1,
            "kind" => &mut gvk.2,
            k if extra.contains(&k) => continue,
            k => {
                let span = e.key_span.clone().unwrap_or_else(|| node_span(node));
                return Err(Error::new(span, format!("unknown field \"{k}\" in {what}")));
            }
        };
        let s = want_str(&e.value, &e.key)?;
        *slot = (!s.is_empty()).then_some(s);
    }
    Ok(gvk)
}

/// Reads one field spec (`group`, `version`, `kind`, `path`, `create`).
pub fn parse_field_spec(node: &Node) -> Result<FieldSpec> {
    let (group, version, kind) = parse_gvk_and(node, "field spec", &["path", "create"])?;
    let mut path = String::new();
    let mut create = false;
    if let Some(map) = node.as_map() {
        if let Some(p) = map.get("path") {
            path = want_str(p, "path")?;
        }
        if let Some(c) = map.get("create") {
            create = want_bool(c, "create")?;
        }
    }
    Ok(FieldSpec::new(
        group.as_deref(),
        version.as_deref(),
        kind.as_deref(),
        &path,
        create,
    ))
}

/// Reads a list of field specs, dropping duplicates.
pub fn parse_specs(node: &Node, what: &str) -> Result<Vec<FieldSpec>> {
    let mut out = Vec::new();
    for item in want_seq(node, what)? {
        merge_spec(&mut out, parse_field_spec(item)?, &node_span(item))?;
    }
    Ok(out)
}

/// Reads a `configurations:` file (already parsed). Unknown fields are errors, as kustomize
/// reads these files strictly.
pub fn parse_config_file(node: &Node) -> Result<TransformerConfig> {
    let mut cfg = TransformerConfig::default();
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Null => return Ok(cfg),
        _ => {
            return Err(Error::new(
                node_span(node),
                format!(
                    "a transformer configuration must be a mapping, not a {}",
                    node.type_name()
                ),
            ));
        }
    };
    for e in map.entries() {
        let v = &e.value;
        match e.key.as_str() {
            "namePrefix" => cfg.name_prefix = parse_specs(v, "namePrefix")?,
            "nameSuffix" => cfg.name_suffix = parse_specs(v, "nameSuffix")?,
            "namespace" => cfg.namespace = parse_specs(v, "namespace")?,
            "commonLabels" => cfg.common_labels = parse_specs(v, "commonLabels")?,
            "labels" => cfg.labels = parse_specs(v, "labels")?,
            "templateLabels" => cfg.template_labels = parse_specs(v, "templateLabels")?,
            "commonAnnotations" => cfg.common_annotations = parse_specs(v, "commonAnnotations")?,
            "varReference" => cfg.var_reference = parse_specs(v, "varReference")?,
            "images" => cfg.images = parse_specs(v, "images")?,
            "replicas" => cfg.replicas = parse_specs(v, "replicas")?,
            "nameReference" => {
                for item in want_seq(v, "nameReference")? {
                    let (group, version, kind) =
                        parse_gvk_and(item, "nameReference entry", &["fieldSpecs"])?;
                    let referrers = match item.as_map().and_then(|m| m.get("fieldSpecs")) {
                        Some(fs) => parse_specs(fs, "fieldSpecs")?,
                        None => Vec::new(),
                    };
                    let nb = NameBackRef {
                        group,
                        version,
                        kind,
                        referrers,
                    };
                    let mut one = TransformerConfig::default();
                    one.name_reference.push(nb);
                    cfg.merge(one, &node_span(item))?;
                }
            }
            k => {
                let span = e.key_span.clone().unwrap_or_else(|| node_span(node));
                return Err(Error::new(
                    span,
                    format!("unknown field \"{k}\" in transformer configuration"),
                ));
            }
        }
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    fn doc(text: &str) -> Node {
        parse_str(text, "cfg.yaml", Profile::Kustomize, Limits::default())
            .expect("test yaml parses")
            .remove(0)
    }

    #[test]
    fn defaults_cover_pod_template_references() {
        let cfg = defaults();
        let cm = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("ConfigMap"))
            .expect("ConfigMap rule");
        // 8 pod-spec owners x 6 fields, plus Node, Role, ClusterRole and an Ingress annotation.
        assert_eq!(cm.referrers.len(), 8 * 6 + 4);
        let secret = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("Secret"))
            .expect("Secret rule");
        assert!(secret.referrers.iter().any(|s| {
            s.kind.as_deref() == Some("Ingress")
                && s.path
                    == [
                        "metadata",
                        "annotations",
                        "nginx.ingress.kubernetes.io/auth-secret",
                    ]
        }));
        assert_eq!(cfg.template_labels.len(), 10);
        assert_eq!(cfg.common_labels.len(), 12 + 10 + 10);
    }

    #[test]
    fn flux_helmrelease_config_merges_into_configmap_rule() {
        let file = doc(
            "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - path: spec/valuesFrom/name\n    kind: HelmRelease\n",
        );
        let extra = parse_config_file(&file).expect("valid config");
        let mut cfg = defaults();
        let before = cfg.name_reference.len();
        cfg.merge(extra.clone(), &Span::file("cfg.yaml".into()))
            .expect("merges");
        assert_eq!(cfg.name_reference.len(), before);
        let cm = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("ConfigMap"))
            .expect("ConfigMap rule");
        assert!(
            cm.referrers
                .iter()
                .any(|s| s.kind.as_deref() == Some("HelmRelease"))
        );
        // Merging again adds nothing.
        let n = cm.referrers.len();
        cfg.merge(extra, &Span::file("cfg.yaml".into()))
            .expect("merges");
        let cm = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("ConfigMap"))
            .expect("ConfigMap rule");
        assert_eq!(cm.referrers.len(), n);
    }

    #[test]
    fn unknown_keys_are_errors_at_the_key() {
        let err = parse_config_file(&doc("nameRefs: []\n")).expect_err("unknown key");
        assert_eq!((err.span.line, err.span.col), (1, 1));
        let err = parse_config_file(&doc("commonLabels:\n- path: a\n  kindd: X\n"))
            .expect_err("unknown key");
        assert_eq!(err.span.line, 3);
        assert!(err.message.contains("kindd"));
    }

    #[test]
    fn conflicting_create_is_an_error() {
        let mut cfg = defaults();
        let other = parse_config_file(&doc(
            "commonLabels:\n- path: metadata/labels\n  create: false\n",
        ))
        .expect("valid config");
        assert!(cfg.merge(other, &Span::file("c".into())).is_err());
    }
}
