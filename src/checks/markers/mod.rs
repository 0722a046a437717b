//! Image-policy markers (`# {"$imagepolicy": "ns:name:tag"}`): comments that tell Flux's image
//! automation which field to rewrite. Builds drop comments, so the source files are read: every
//! kustomization file (its `images:` entries), every file a kustomization reads as a resource,
//! patch or generator input, and every plain manifest.

mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use scan::{Code, Field, Line, Marker, MarkerError, marker_offset, parse_marker, scan};

use crate::checks::Input;
use crate::diagnostic::{Diagnostic, Severity};
use crate::repo::FileRole;
use crate::resource::Resource;
use crate::rules::Rule;
use crate::yaml::Span;

/// The rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "marker/invalid",
        severity: Severity::Error,
        summary: "an image policy marker Flux would not read",
        help: "image-automation-controller reads a marker only from the line comment (or the single-line head comment of a sequence item) of a scalar, as a JSON object of strings: {\"$imagepolicy\": \"NAMESPACE:NAME\"} with an optional :tag, :name or :digest, or {\"$ref\": \"#/definitions/io.k8s.cli.setters.NAMESPACE:NAME\"}. Anything else is silently ignored, so the field never updates. Put the marker at the end of the value's line and fix the JSON.",
    },
    Rule {
        id: "marker/unknown-policy",
        severity: Severity::Error,
        summary: "an image policy marker names an ImagePolicy this repository does not define",
        help: "No ImagePolicy built from this repository has that namespace and name, so the marker never updates anything. Fix the namespace or name (the namespace is the policy's, often the one the update/ kustomization sets), or add the policy.",
    },
    Rule {
        id: "marker/outside-repo",
        severity: Severity::Note,
        summary: "an image policy marker names a policy in a namespace this repository does not produce",
        help: "The policy may be defined elsewhere (another repository applies it), so this is not checked further.",
    },
    Rule {
        id: "marker/digest",
        severity: Severity::Error,
        summary: "a :digest marker on a policy that does not reflect digests",
        help: "The digest setter takes the policy's status.latestRef.digest, which is empty unless spec.digestReflectionPolicy is IfNotPresent or Always (the default is Never), so the field would be set to an empty string. Set digestReflectionPolicy (Always also needs spec.interval) or use :tag.",
    },
    Rule {
        id: "marker/ref-only",
        severity: Severity::Warning,
        summary: "a file whose only markers are the long $ref form",
        help: "image-automation-controller only reads files containing the text \"$imagepolicy\" (quotes included), so a file that marks fields only with {\"$ref\": \"#/definitions/io.k8s.cli.setters...\"} is never updated. Use the {\"$imagepolicy\": ...} form.",
    },
];

/// Runs the marker checks.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut files: BTreeSet<PathBuf> = BTreeSet::new();
    for repo in input.repos {
        for root in &repo.kustomize_roots {
            // `images:` entries (newTag, newName, newDigest) carry markers in the
            // kustomization file itself.
            files.insert(root.file.clone());
            for read in &root.reads {
                // Flux's automation scans every YAML file under its path, so values files fed to
                // generators carry working markers too.
                if matches!(
                    read.role,
                    FileRole::Resource
                        | FileRole::Patch
                        | FileRole::GeneratorInput
                        | FileRole::HelmValues
                ) {
                    files.insert(read.path.clone());
                }
            }
        }
        files.extend(repo.plain_yaml.iter().cloned());
    }
    let policies = policies(input);
    let produced = input.produced_namespaces();
    let mut out = Vec::new();
    for path in files {
        // The files the controller reads: `.yaml`, `.yml`, and kustomize's `Kustomization`.
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml")
            || path.file_name().is_some_and(|n| n == "Kustomization");
        if !is_yaml || !path.is_file() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let shown: std::sync::Arc<str> = crate::pipeline::relative_to(&path, &cwd)
            .display()
            .to_string()
            .into();
        for (span, result) in markers_in(&text, &shown) {
            out.extend(judge(&text, span, result, &policies, &produced));
        }
    }
    out
}

/// Every ImagePolicy by (name, namespace): name first, so the policies a marker may mean are one
/// range of the map, whatever the number of policies.
fn policies<'a>(input: &Input<'a>) -> BTreeMap<(String, String), Vec<&'a Resource>> {
    let mut out: BTreeMap<(String, String), Vec<&'a Resource>> = BTreeMap::new();
    for (_, r) in input.all() {
        if r.node.str_at(&["kind"]) != Some("ImagePolicy") {
            continue;
        }
        if r.gvk().group == "image.toolkit.fluxcd.io" {
            out.entry((r.name().to_string(), r.namespace().to_string()))
                .or_default()
                .push(r);
        }
    }
    out
}

/// The markers of a file: the place of each (its `{`) and what it says, including whether a
/// well-formed marker sits where the controller reads it.
pub fn markers_in(
    text: &str,
    file: &std::sync::Arc<str>,
) -> Vec<(Span, Result<Marker, MarkerError>)> {
    let lines = scan(text);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((col, comment)) = &line.comment else {
            continue;
        };
        let Some(parsed) = parse_marker(comment) else {
            continue;
        };
        let span = Span::new(
            file.clone(),
            (i + 1) as u32,
            (col + marker_offset(comment)) as u32,
        );
        let placed = parsed.and_then(|m| placement(&lines, i).map(|()| m));
        out.push((span, placed));
    }
    out
}

/// Whether the comment on line `i` is attached to a scalar the controller visits.
fn placement(lines: &[Line], i: usize) -> Result<(), MarkerError> {
    let not_scalar = |why: &str| {
        Err(MarkerError {
            message: format!(
                "image policy marker is not on a scalar value ({why}), so Flux never applies it"
            ),
        })
    };
    match lines[i].code {
        Code::Scalar | Code::KeyScalar => return Ok(()),
        Code::Other => {
            return not_scalar(
                "the line holds a key whose value is below, a collection or an alias; put the marker after the value to update",
            );
        }
        Code::None => {}
    }
    // A comment on its own line is the head comment of the node below it.
    let prev_comment = i > 0 && lines[i - 1].code == Code::None && lines[i - 1].comment.is_some();
    let next = lines.get(i + 1);
    if prev_comment || next.is_some_and(|l| l.code == Code::None && l.comment.is_some()) {
        return not_scalar(
            "it shares a comment block with other lines, which Flux then reads as a whole and cannot decode",
        );
    }
    match next.map(|l| l.code) {
        Some(Code::Scalar) => Ok(()),
        Some(Code::KeyScalar) => not_scalar(
            "a comment on its own line above `key: value` belongs to the key; put the marker at the end of the value's line",
        ),
        _ => not_scalar("no scalar value follows it"),
    }
}

fn judge(
    text: &str,
    span: Span,
    result: Result<Marker, MarkerError>,
    policies: &BTreeMap<(String, String), Vec<&Resource>>,
    produced: &BTreeSet<&str>,
) -> Vec<Diagnostic> {
    let m = match result {
        Ok(m) => m,
        Err(e) => return vec![Diagnostic::error("marker/invalid", e.message, Some(span))],
    };
    let mut out = Vec::new();
    if m.long_form && !text.contains("\"$imagepolicy\"") {
        out.push(Diagnostic::warning(
            "marker/ref-only",
            "this file has no \"$imagepolicy\" marker, and Flux's image automation only reads files that do, so this $ref marker is never applied",
            Some(span.clone()),
        ));
    }
    let id = format!("{}/{}", m.namespace, m.name);
    // The policies of this name, in every namespace.
    let named: Vec<(&str, &Vec<&Resource>)> = policies
        .range((m.name.clone(), String::new())..)
        .take_while(|((name, _), _)| *name == m.name)
        .map(|((_, ns), v)| (ns.as_str(), v))
        .collect();
    let found: Vec<&Resource> = named
        .iter()
        .filter(|(ns, _)| *ns == m.namespace || ns.is_empty())
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    if found.is_empty() {
        if produced.contains(m.namespace.as_str()) {
            let elsewhere: Vec<&str> = named.iter().map(|(ns, _)| *ns).collect();
            let hint = if elsewhere.is_empty() {
                String::new()
            } else {
                format!(" (it is in namespace \"{}\")", elsewhere.join("\", \""))
            };
            out.push(Diagnostic::error(
                "marker/unknown-policy",
                format!(
                    "ImagePolicy \"{}\" not found in namespace \"{}\"{hint}",
                    m.name, m.namespace
                ),
                Some(span),
            ));
        } else {
            out.push(Diagnostic::note(
                "marker/outside-repo",
                format!(
                    "ImagePolicy \"{id}\" resolved outside this repository (namespace \"{}\" is not produced here)",
                    m.namespace
                ),
                Some(span),
            ));
        }
        return out;
    }
    if m.field == Field::Digest {
        let reflects = |r: &&Resource| {
            matches!(
                r.node.str_at(&["spec", "digestReflectionPolicy"]),
                Some("IfNotPresent" | "Always")
            )
        };
        if let Some(r) = found.iter().find(|r| !reflects(r)) {
            let mut d = Diagnostic::error(
                "marker/digest",
                format!(
                    "ImagePolicy \"{id}\" does not set digestReflectionPolicy to IfNotPresent or Always, so a :digest marker sets this field to an empty string"
                ),
                Some(span),
            );
            d = d.with_label(crate::checks::span_at(r, &["spec"]), "the policy");
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Result<Field, String>)> {
        markers_in(text, &"f.yaml".into())
            .into_iter()
            .map(|(s, r)| (s.to_string(), r.map(|m| m.field).map_err(|e| e.message)))
            .collect()
    }

    #[test]
    fn markers_are_located_at_their_brace_and_placement_is_checked() {
        let text = r#"spec:
  chart:
    spec:
      version: 6.14.0 # {"$imagepolicy": "apps-update:podinfo:tag"}
  image: # {"$imagepolicy": "a:b"}
    x: y
  # {"$imagepolicy": "a:b"}
  tag: v1
  args:
    # {"$imagepolicy": "a:b"}
    - nginx:1.0
    - "x" #   {"$imagepolicy": "a:b:digest"}
    # {"$imagepolicy": "a:b"}
    - name: x
"#;
        let got = found(text);
        assert_eq!(got[0], ("f.yaml:4:25".to_string(), Ok(Field::Tag)));
        assert_eq!(got[1].0, "f.yaml:5:12");
        assert!(got[1].1.is_err());
        assert_eq!(got[2].0, "f.yaml:7:5");
        assert!(got[2].1.is_err());
        assert_eq!(got[3], ("f.yaml:10:7".to_string(), Ok(Field::Image)));
        assert_eq!(got[4], ("f.yaml:12:15".to_string(), Ok(Field::Digest)));
        assert_eq!(got[5].0, "f.yaml:13:7");
        assert!(
            got[5].1.is_err(),
            "a head comment above `- key: value` is the item's"
        );
        assert_eq!(got.len(), 6);
    }
}
