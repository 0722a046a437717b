//! `patchesStrategicMerge`, `patches` and `patchesJson6902`: loading patches, finding their
//! targets, and applying them with kustomize's rules around the merge itself.

use crate::error::{Error, Result};
use crate::resource::{Gvk, ResId, Resource};
use crate::yaml::{self, Limits, Node, Profile, Span, Value};

use super::build::{Accumulator, same_id};
use super::jsonpatch;
use super::kustomization::{Kustomization, describe};
use super::load::{Loader, Location};
use super::select::Selector;
use super::smp::{self, MergeOutcome};

/// Patch content: documents parsed from a file or from an inline string.
struct PatchText {
    /// The documents as a strategic-merge patch sees them (kyaml's folded-scalar round trip).
    docs: Vec<Node>,
    /// The documents as a JSON 6902 patch sees them (read once, like sigs.k8s.io/yaml).
    plain: Vec<Node>,
    /// Where the patch was written (the file, or the inline string in the kustomization).
    span: Span,
}

/// Parses inline patch text written in the kustomization at `at`. Spans are moved to where the
/// text stands in the kustomization file, so findings in an inline patch point at its line.
fn parse_inline(text: &str, at: &Span, source: &str) -> Result<PatchText> {
    let (dline, dcol, block) = inline_offset(source, at);
    let shifted = |mut e: Error| {
        if e.span.line > 0 {
            e.span.col += if block || e.span.line == 1 { dcol } else { 0 };
            e.span.line += dline;
        }
        e.span.file = at.file.clone();
        e
    };
    let parse = |kyaml_refold: bool, profile: Profile| -> Result<Vec<Node>> {
        let limits = Limits {
            kyaml_refold,
            ..Limits::default()
        };
        let docs = yaml::parse_str(text, &at.file, profile, limits).map_err(shifted)?;
        let mut docs: Vec<Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
        for d in &mut docs {
            shift_spans(d, dline, dcol, block);
        }
        Ok(docs)
    };
    let docs = parse(true, Profile::Kustomize)?;
    // kustomize decodes a JSON 6902 patch with sigs.k8s.io/yaml: YAML 1.1 scalars, no refolding.
    let plain = parse(false, Profile::Kubernetes)?;
    Ok(PatchText {
        docs,
        plain,
        span: at.clone(),
    })
}

/// Where line 1, column 1 of an inline string lands in the file: for a block scalar (`|`, `>`)
/// the line after the indicator, at the content's indentation; otherwise just after the quote.
fn inline_offset(source: &str, at: &Span) -> (u32, u32, bool) {
    let line = |n: u32| {
        source
            .lines()
            .nth(n.saturating_sub(1) as usize)
            .unwrap_or("")
    };
    let here: String = line(at.line)
        .chars()
        .skip(at.col.saturating_sub(1) as usize)
        .collect();
    // saphyr places a block scalar at its first content line, not at the `|`/`>` indicator.
    let before: String = line(at.line)
        .chars()
        .take(at.col.saturating_sub(1) as usize)
        .collect();
    let after_indicator = at.line > 1
        && before.trim().is_empty()
        && line(at.line - 1)
            .trim_end()
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
            .ends_with(['|', '>']);
    if after_indicator {
        return (at.line - 1, at.col.saturating_sub(1), true);
    }
    if here.starts_with('|') || here.starts_with('>') {
        let mut n = at.line + 1;
        while line(n).trim().is_empty() && (n as usize) < source.lines().count() {
            n += 1;
        }
        let indent = line(n).chars().take_while(|c| *c == ' ').count() as u32;
        (n - 1, indent, true)
    } else {
        let quoted = here.starts_with('"') || here.starts_with('\'');
        (
            at.line - 1,
            at.col.saturating_sub(1) + u32::from(quoted),
            false,
        )
    }
}

fn shift_spans(n: &mut Node, dline: u32, dcol: u32, block: bool) {
    // Block scalar content is indented on every line; a flow scalar only moves its first line.
    let shift = |s: &mut Span| {
        if block || s.line == 1 {
            s.col += dcol;
        }
        s.line += dline;
    };
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        if let Some(s) = &mut n.span {
            shift(s);
        }
        match &mut n.value {
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(m) => {
                for e in m.entries_mut() {
                    if let Some(s) = &mut e.key_span {
                        shift(s);
                    }
                    stack.push(&mut e.value);
                }
            }
            _ => {}
        }
    }
}

fn load_file(loader: &Loader, dir: &Location, path: &str, span: &Span) -> Result<PatchText> {
    let loc = loader.resolve(dir, dir, path, span)?;
    let bytes = loader.read(&loc, span)?;
    let parse = |kyaml_refold: bool, profile: Profile| -> Result<Vec<Node>> {
        let limits = Limits {
            kyaml_refold,
            ..Limits::default()
        };
        let docs = yaml::parse_file(&bytes, &loc.display, profile, limits)?;
        Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
    };
    let docs = parse(true, Profile::Kustomize)?;
    // kustomize decodes a JSON 6902 patch with sigs.k8s.io/yaml: YAML 1.1 scalars, no refolding.
    let plain = parse(false, Profile::Kubernetes)?;
    Ok(PatchText {
        docs,
        plain,
        span: Span::file(loc.display.as_str().into()),
    })
}

/// `patchesStrategicMerge:` entries are file paths or inline patches.
pub(crate) fn patches_strategic_merge(
    loader: &Loader,
    dir: &Location,
    kust: &Kustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    for (entry, span) in kust.string_list("patchesStrategicMerge")? {
        let patch = if looks_inline(entry) {
            parse_inline(entry, &span, &kust.source)?
        } else {
            load_file(loader, dir, entry, &span)?
        };
        for doc in &patch.docs {
            apply_sm_by_id(loader, doc, &patch.span, false, false, acc)?;
        }
    }
    Ok(())
}

/// An entry is inline YAML rather than a path when it spans lines or reads as a mapping.
fn looks_inline(entry: &str) -> bool {
    entry.contains('\n') || entry.trim_start().starts_with('{') || entry.contains(": ")
}

/// `patches:` entries.
pub(crate) fn patches(
    loader: &Loader,
    dir: &Location,
    kust: &Kustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    for item in kust.list("patches")? {
        let span = kust.span_of(item);
        let m = item.as_map().ok_or_else(|| {
            Error::new(
                span.clone(),
                format!("patches entries must be mappings, not {}", describe(item)),
            )
        })?;
        for k in m.keys() {
            if !["path", "patch", "target", "options"].contains(&k) {
                return Err(Error::new(
                    span.clone(),
                    format!("patches: unknown field {k:?}"),
                ));
            }
        }
        let (allow_name, allow_kind) = options(m.get("options"), &span)?;
        let text = match (m.get("path").and_then(Node::as_str), m.get("patch")) {
            (Some(_), Some(_)) => {
                return Err(Error::new(span, "patch and path cannot both be set"));
            }
            (Some(p), None) => load_file(loader, dir, p, &span)?,
            (None, Some(n)) => {
                let s = n
                    .as_str()
                    .ok_or_else(|| Error::new(kust.span_of(n), "patch must be a string"))?;
                parse_inline(s, &kust.span_of(n), &kust.source)?
            }
            (None, None) => return Err(Error::new(span, "a patch needs path or patch")),
        };
        let target = match m.get("target").filter(|n| !n.is_null()) {
            Some(t) => Some(Selector::parse(t, &kust.file)?),
            None => None,
        };
        let is_json = text.plain.len() == 1 && jsonpatch::looks_like_json_patch(&text.plain[0]);
        if text.docs.is_empty() {
            return Err(Error::new(span, "patch is empty"));
        }
        if is_json {
            let Some(target) = target else {
                return Err(Error::new(span, "a JSON 6902 patch needs a target"));
            };
            let ops = jsonpatch::parse_ops(&text.plain[0])?;
            let mut matched = false;
            for r in acc.resources.iter_mut().filter(|r| target.matches(r)) {
                matched = true;
                r.remember_id();
                jsonpatch::apply(&mut r.node, &ops)?;
            }
            if !matched {
                acc.unmatched_patches.push(span);
            }
            continue;
        }
        for doc in &text.docs {
            if !matches!(doc.value, Value::Map(_)) {
                return Err(Error::new(
                    doc.span.clone().unwrap_or(text.span.clone()),
                    "unable to parse SM or JSON patch: expected a mapping or a list of operations",
                ));
            }
        }
        match target {
            None => {
                for doc in &text.docs {
                    apply_sm_by_id(loader, doc, &text.span, allow_name, allow_kind, acc)?;
                }
            }
            Some(target) => {
                if text.docs.len() > 1 {
                    return Err(Error::new(
                        span,
                        "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field",
                    ));
                }
                let doc = &text.docs[0];
                let mut i = 0;
                let mut matched = false;
                while i < acc.resources.len() {
                    if target.matches(&acc.resources[i]) {
                        matched = true;
                        let mut patch = doc.clone();
                        retarget(&mut patch, &acc.resources[i]);
                        if apply_sm(
                            loader,
                            &mut acc.resources[i],
                            &patch,
                            allow_name,
                            allow_kind,
                        )? {
                            acc.resources.remove(i);
                            continue;
                        }
                    }
                    i += 1;
                }
                if !matched {
                    acc.unmatched_patches.push(span);
                }
            }
        }
    }
    Ok(())
}

/// `patchesJson6902:` entries (a target with a name is required).
pub(crate) fn patches_json6902(
    loader: &Loader,
    dir: &Location,
    kust: &Kustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    for item in kust.list("patchesJson6902")? {
        let span = kust.span_of(item);
        let m = item
            .as_map()
            .ok_or_else(|| Error::new(span.clone(), "patchesJson6902 entries must be mappings"))?;
        let target = m
            .get("target")
            .ok_or_else(|| Error::new(span.clone(), "patchesJson6902 entry needs a target"))?;
        let target = Selector::parse(target, &kust.file)?;
        if !target.has_name {
            return Err(Error::new(span, "patchesJson6902 target needs a name"));
        }
        let text = match (
            m.get("path").and_then(Node::as_str),
            m.get("patch").and_then(Node::as_str),
        ) {
            (Some(p), None) => load_file(loader, dir, p, &span)?,
            (None, Some(s)) => parse_inline(
                s,
                &kust.span_of(m.get("patch").expect("matched")),
                &kust.source,
            )?,
            _ => {
                return Err(Error::new(
                    span,
                    "patchesJson6902 entry needs exactly one of path and patch",
                ));
            }
        };
        let [doc] = text.plain.as_slice() else {
            return Err(Error::new(span, "a JSON 6902 patch must be one document"));
        };
        let ops = jsonpatch::parse_ops(doc)?;
        let mut matched = false;
        for r in acc.resources.iter_mut().filter(|r| target.matches(r)) {
            matched = true;
            r.remember_id();
            jsonpatch::apply(&mut r.node, &ops)?;
        }
        if !matched {
            acc.unmatched_patches.push(span);
        }
    }
    Ok(())
}

fn options(n: Option<&Node>, span: &Span) -> Result<(bool, bool)> {
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Ok((false, false));
    };
    let m = n
        .as_map()
        .ok_or_else(|| Error::new(span.clone(), "patch options must be a mapping"))?;
    let flag = |k: &str| -> Result<bool> {
        match m.get(k).map(|n| &n.value) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(Error::new(
                span.clone(),
                format!("options.{k} must be true or false"),
            )),
        }
    };
    for k in m.keys() {
        if k != "allowNameChange" && k != "allowKindChange" {
            return Err(Error::new(
                span.clone(),
                format!("patch options: unknown field {k:?}"),
            ));
        }
    }
    Ok((flag("allowNameChange")?, flag("allowKindChange")?))
}

/// Applies an untargeted strategic-merge patch to the one resource whose current or earlier id
/// equals the patch's id.
fn apply_sm_by_id(
    loader: &Loader,
    doc: &Node,
    at: &Span,
    allow_name: bool,
    allow_kind: bool,
    acc: &mut Accumulator,
) -> Result<()> {
    let id = ResId {
        gvk: Gvk::from_api_version(
            doc.str_at(&["apiVersion"]).unwrap_or_default(),
            doc.str_at(&["kind"]).unwrap_or_default(),
        ),
        name: doc
            .str_at(&["metadata", "name"])
            .unwrap_or_default()
            .to_string(),
        namespace: doc
            .str_at(&["metadata", "namespace"])
            .unwrap_or_default()
            .to_string(),
    };
    let span = doc.span.clone().unwrap_or(at.clone());
    let hits: Vec<usize> = acc
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| same_id(&r.id(), &id) || r.previous_ids.iter().any(|p| same_id(p, &id)))
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [] => Err(Error::new(
            span,
            format!("no resource matches strategic merge patch \"{id}\""),
        )),
        [i] => {
            if apply_sm(loader, &mut acc.resources[*i], doc, allow_name, allow_kind)? {
                acc.resources.remove(*i);
            }
            Ok(())
        }
        _ => Err(Error::new(
            span,
            format!("multiple resources match strategic merge patch \"{id}\""),
        )),
    }
}

/// Prepares a targeted patch for one target, as kustomize does: the target's apiVersion, but the
/// patch's own kind and name (they take effect only where `options` allow a change). A patch
/// that names no kind or name takes the target's.
fn retarget(patch: &mut Node, r: &Resource) {
    let Some(m) = patch.as_map_mut() else { return };
    if let Some(a) = r.node.get_path(&["apiVersion"]).cloned() {
        m.insert("apiVersion", a);
    }
    if m.get("kind")
        .and_then(Node::as_str)
        .is_none_or(str::is_empty)
        && let Some(k) = r.node.get_path(&["kind"]).cloned()
    {
        m.insert("kind", k);
    }
    if !m.contains_key("metadata") {
        m.insert("metadata", Node::map());
    }
    let meta = m.get_mut("metadata").and_then(Node::as_map_mut);
    if let Some(meta) = meta
        && meta
            .get("name")
            .and_then(Node::as_str)
            .is_none_or(str::is_empty)
    {
        meta.insert("name", Node::string(r.name()));
    }
}

/// Merges `patch` into `r`, restoring name/kind unless allowed to change and always restoring
/// the namespace. Returns true when the patch deletes the resource.
fn apply_sm(
    loader: &Loader,
    r: &mut Resource,
    patch: &Node,
    allow_name: bool,
    allow_kind: bool,
) -> Result<bool> {
    let gvk = r.gvk();
    let name = r.node.get_path(&["metadata", "name"]).cloned();
    let ns = r.node.get_path(&["metadata", "namespace"]).cloned();
    let kind = r.node.get_path(&["kind"]).cloned();
    if allow_name || allow_kind {
        r.remember_id();
    }
    let outcome = match loader.texts() {
        Some(texts) => smp::merge_with_sources(&mut r.node, patch, &gvk, &texts)?,
        None => smp::merge(&mut r.node, patch, &gvk)?,
    };
    if outcome == MergeOutcome::Delete {
        return Ok(true);
    }
    if r.node.as_map().is_none_or(|m| m.is_empty()) {
        return Ok(true);
    }
    let root = r.node.as_map_mut().expect("checked above");
    if !allow_kind && let Some(k) = kind {
        root.insert("kind", k);
    }
    if !root.contains_key("metadata") {
        root.insert("metadata", Node::map());
    }
    if let Some(meta) = root.get_mut("metadata").and_then(Node::as_map_mut) {
        if !allow_name && let Some(n) = name {
            meta.insert("name", n);
        }
        match ns {
            Some(ns) => meta.insert("namespace", ns),
            None => {
                meta.remove("namespace");
            }
        }
    }
    Ok(false)
}
