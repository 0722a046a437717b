//! The built-in transformers that take their settings straight from the kustomization:
//! namespace, name prefix/suffix, labels, annotations, replicas and images.

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::yaml::{Node, Span, Value};

use super::build::Accumulator;
use super::fieldspec::{FieldSpec, Leaf, walk_field};
use super::kustomization::{Kustomization, describe, string_pairs};
use super::transform;

/// namespace, namePrefix, nameSuffix, labels, commonLabels, commonAnnotations — in that order.
pub(crate) fn run(kust: &Kustomization, acc: &mut Accumulator) -> Result<()> {
    if let Some((ns, at)) = kust.string("namespace")?
        && !ns.is_empty()
    {
        transform::set_namespace_at(&mut acc.resources, ns, &at, &acc.config)?;
    }
    let prefix = kust.string("namePrefix")?.map(|(s, _)| s).unwrap_or("");
    let suffix = kust.string("nameSuffix")?.map(|(s, _)| s).unwrap_or("");
    if !prefix.is_empty() || !suffix.is_empty() {
        transform::add_name_prefix_suffix(&mut acc.resources, prefix, suffix, &acc.config)?;
    }
    for entry in kust.list("labels")? {
        let span = kust.span_of(entry);
        let m = entry.as_map().ok_or_else(|| {
            Error::new(
                span.clone(),
                format!("labels entries must be mappings, not {}", describe(entry)),
            )
        })?;
        let mut pairs = Vec::new();
        let (mut selectors, mut templates) = (false, false);
        let mut fields: Vec<super::fieldspec::FieldSpec> = Vec::new();
        for e in m.entries() {
            let at = e.key_span.clone().unwrap_or(span.clone());
            match e.key.as_str() {
                "pairs" if !e.value.is_null() => {
                    pairs = string_pairs(&e.value, "labels.pairs", &kust.file)?
                }
                "pairs" => {}
                "includeSelectors" => selectors = flag(&e.value, &at, "includeSelectors")?,
                "includeTemplates" => templates = flag(&e.value, &at, "includeTemplates")?,
                "fields" if e.value.is_null() => {}
                "fields" => fields = super::config::parse_specs(&e.value, "labels.fields")?,
                other => return Err(Error::new(at, format!("labels: unknown field {other:?}"))),
            }
        }
        if let Some((_, _, at)) = pairs.first() {
            let specs =
                transform::label_field_specs(selectors, templates, &fields, &acc.config, at)?;
            transform::set_entries(&mut acc.resources, &pairs, &specs)?;
        }
    }
    let common = kust.string_map("commonLabels")?;
    if !common.is_empty() {
        transform::add_common_labels(&mut acc.resources, &common, &acc.config)?;
    }
    let annotations = kust.string_map("commonAnnotations")?;
    if !annotations.is_empty() {
        transform::add_annotations(&mut acc.resources, &annotations, &acc.config)?;
    }
    Ok(())
}

fn flag(n: &Node, at: &Span, what: &str) -> Result<bool> {
    match n.value {
        Value::Bool(b) => Ok(b),
        Value::Null => Ok(false),
        _ => Err(Error::new(
            at.clone(),
            format!("{what} must be true or false, not {}", describe(n)),
        )),
    }
}

/// replicas, then images, with the field specs of the configuration.
pub(crate) fn replicas_and_images(kust: &Kustomization, acc: &mut Accumulator) -> Result<()> {
    for entry in kust.list("replicas")? {
        replicas(kust, entry, &acc.config.replicas, &mut acc.resources)?;
    }
    let mut images: Vec<&Node> = kust.list("images")?.iter().collect();
    images.extend(kust.list("imageTags")?.iter());
    for entry in images {
        let img = ImageRule::parse(kust, entry)?;
        apply_image(&img, &acc.config.images, &mut acc.resources)?;
    }
    Ok(())
}

/// kustomize's image transformer runs two passes: every `containers`/`initContainers` list at
/// any depth, then the configured image field specs. A rule can match twice (a `tagSuffix` is
/// then added twice, as kustomize does). CustomResourceDefinitions are left alone.
pub(crate) fn apply_image(
    img: &ImageRule,
    specs: &[FieldSpec],
    resources: &mut [Resource],
) -> Result<()> {
    for r in resources.iter_mut() {
        if r.gvk().kind != "CustomResourceDefinition" {
            img.apply(&mut r.node);
        }
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        if gvk.kind == "CustomResourceDefinition" {
            continue;
        }
        for spec in specs.iter().filter(|s| s.matches(&gvk)) {
            walk_field(&mut r.node, spec, Leaf::Nothing, &mut |n: &mut Node| {
                img.update(n);
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// kustomize's `Gvk.String()`: `kind.version.group`, with `[noKind]`, `[noVer]`, `[noGrp]`.
fn gvk_text(s: &FieldSpec) -> String {
    let or = |p: &Option<String>, none: &str| match p.as_deref() {
        None | Some("") => none.to_string(),
        Some(v) => v.to_string(),
    };
    format!(
        "{}.{}.{}",
        or(&s.kind, "[noKind]"),
        or(&s.version, "[noVer]"),
        or(&s.group, "[noGrp]")
    )
}

pub(crate) fn replicas(
    kust: &Kustomization,
    entry: &Node,
    specs: &[FieldSpec],
    resources: &mut [Resource],
) -> Result<()> {
    let span = kust.span_of(entry);
    let m = entry
        .as_map()
        .ok_or_else(|| Error::new(span.clone(), "replicas entries must be mappings"))?;
    let name = m
        .get("name")
        .and_then(Node::as_str)
        .ok_or_else(|| Error::new(span.clone(), "replicas entry needs a name"))?;
    let count_node = m
        .get("count")
        .ok_or_else(|| Error::new(span.clone(), "replicas entry needs a count"))?;
    let Value::Int(count) = count_node.value else {
        return Err(Error::new(
            kust.span_of(count_node),
            "replicas count must be an integer",
        ));
    };
    let mut found = false;
    for spec in specs {
        // A resource matches when its current id, or one it had before, has the name and
        // passes the spec's kind selector.
        let hits: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                std::iter::once(r.id())
                    .chain(r.previous_ids.iter().cloned())
                    .any(|id| id.name == name && spec.matches(&id.gvk))
            })
            .map(|(i, _)| i)
            .collect();
        found |= !hits.is_empty();
        for i in hits {
            let r = &mut resources[i];
            if !spec.matches(&r.gvk()) {
                continue;
            }
            walk_field(&mut r.node, spec, Leaf::Scalar, &mut |n: &mut Node| {
                n.value = Value::Int(count);
                n.span = count_node.span.clone();
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(gvk_text).collect();
        return Err(Error::new(
            span,
            format!(
                "resource with name {name} does not match a config with the following GVK [{}]",
                gvks.join(" ")
            ),
        ));
    }
    Ok(())
}

/// One `images:` entry.
pub(crate) struct ImageRule {
    new_name: Option<Node>,
    new_tag: Option<String>,
    digest: Option<String>,
    tag_suffix: Option<String>,
    span: Option<Span>,
    matcher: regex::Regex,
}

impl ImageRule {
    pub(crate) fn parse(kust: &Kustomization, entry: &Node) -> Result<ImageRule> {
        let span = kust.span_of(entry);
        let m = entry
            .as_map()
            .ok_or_else(|| Error::new(span.clone(), "images entries must be mappings"))?;
        let text = |k: &str| -> Result<Option<String>> {
            match m.get(k).map(|n| (&n.value, n)) {
                None | Some((Value::Null, _)) => Ok(None),
                Some((Value::Str(s), _)) if s.is_empty() => Ok(None),
                Some((Value::Str(s), _)) => Ok(Some(s.to_string())),
                Some((_, n)) => Err(Error::new(
                    kust.span_of(n),
                    format!(
                        "images.{k} must be a string, not {} (quote it)",
                        describe(n)
                    ),
                )),
            }
        };
        for k in m.keys() {
            if !["name", "newName", "newTag", "digest", "tagSuffix"].contains(&k) {
                return Err(Error::new(
                    span.clone(),
                    format!("images: unknown field {k:?}"),
                ));
            }
        }
        let name =
            text("name")?.ok_or_else(|| Error::new(span.clone(), "images entry needs a name"))?;
        // kustomize builds this pattern from the name unescaped; an invalid one never matches.
        let matcher = regex::Regex::new(&format!("^{name}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$"))
            .unwrap_or_else(|_| regex::Regex::new("$^").expect("valid"));
        Ok(ImageRule {
            new_name: text("newName")?.map(|s| {
                Node::spanned(
                    Value::Str(s.into()),
                    m.get("newName").and_then(|n| n.span.clone()),
                )
            }),
            new_tag: text("newTag")?,
            digest: text("digest")?,
            tag_suffix: text("tagSuffix")?,
            span: m
                .get("newTag")
                .or(m.get("digest"))
                .or(m.get("newName"))
                .and_then(|n| n.span.clone()),
            matcher,
        })
    }

    /// Rewrites every `image` under any `containers`/`initContainers` list, at any depth.
    fn apply(&self, node: &mut Node) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match &mut n.value {
                Value::Map(m) => {
                    for e in m.entries_mut() {
                        if (e.key == "containers" || e.key == "initContainers")
                            && let Value::Seq(items) = &mut e.value.value
                        {
                            for c in items.iter_mut() {
                                if let Some(img) = c.as_map_mut().and_then(|cm| cm.get_mut("image"))
                                {
                                    self.update(img);
                                }
                            }
                        }
                        stack.push(&mut e.value);
                    }
                }
                Value::Seq(items) => stack.extend(items.iter_mut()),
                _ => {}
            }
        }
    }

    fn update(&self, img: &mut Node) {
        let Some(value) = img.as_str() else { return };
        if !self.matcher.is_match(value) {
            return;
        }
        let (mut name, mut tag, mut digest) = split_image(value);
        if let Some(n) = self.new_name.as_ref().and_then(Node::as_str) {
            name = n.to_string();
        }
        match (&self.new_tag, &self.digest) {
            (Some(t), Some(d)) => {
                tag = t.clone();
                digest = d.clone();
            }
            (Some(t), None) => {
                tag = t.clone();
                digest.clear();
            }
            (None, Some(d)) => {
                tag.clear();
                digest = d.clone();
            }
            (None, None) => {}
        }
        if let Some(sfx) = &self.tag_suffix {
            tag.push_str(sfx);
        }
        let mut out = name;
        if !tag.is_empty() {
            out.push(':');
            out.push_str(&tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(&digest);
        }
        img.value = Value::Str(out.into());
        if self.span.is_some() {
            img.span = self.span.clone();
        }
    }
}

/// Splits `registry/name:tag@digest` as kustomize does (a `:` before the first `/` is a port).
fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(a)) if c.is_none_or(|c| a < c) => (
            image[..a].to_string(),
            String::new(),
            image[a + 1..].to_string(),
        ),
        (Some(c), Some(a)) => (
            image[..c].to_string(),
            image[c + 1..a].to_string(),
            image[a + 1..].to_string(),
        ),
        (Some(c), None) => (
            image[..c].to_string(),
            image[c + 1..].to_string(),
            String::new(),
        ),
        (None, Some(_)) => unreachable!("handled by the digest-only arm"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn split_image_like_kustomize() {
        let s = |i: &str| {
            let (a, b, c) = split_image(i);
            (a, b, c)
        };
        assert_eq!(s("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(s("nginx:1.2"), ("nginx".into(), "1.2".into(), "".into()));
        assert_eq!(
            s("reg:5000/nginx:1.2"),
            ("reg:5000/nginx".into(), "1.2".into(), "".into())
        );
        assert_eq!(
            s("nginx@sha256:abc"),
            ("nginx".into(), "".into(), "sha256:abc".into())
        );
        assert_eq!(
            s("nginx:1@sha256:abc"),
            ("nginx".into(), "1".into(), "sha256:abc".into())
        );
    }
}
