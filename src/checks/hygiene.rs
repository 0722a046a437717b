//! Repository hygiene: things in the tree that do nothing, or less than their author thinks.
//!
//! These checks always run. They read what discovery learned (files no kustomization reads,
//! the d1 layout) and what the builds recorded (targeted patches that matched nothing).

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::repo::{D1Namespace, Layout, NoteKind, Repo};
use crate::rules::Rule;
use crate::yaml::{Limits, Profile, Span, parse_str};

use super::Input;
use super::tenancy::shown;

/// The rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "hygiene/unreferenced-file",
        severity: Severity::Warning,
        summary: "a resource file in a kustomize directory that its kustomization does not list",
        help: "Flux applies what the kustomization builds, so a manifest next to a kustomization.yaml that no resources: entry names is never deployed. List it, or delete it.",
    },
    Rule {
        id: "hygiene/unmatched-patch",
        severity: Severity::Warning,
        summary: "a targeted patch matches no resource",
        help: "kustomize silently skips a patch whose target selects nothing, so the change it describes never happens (a renamed resource, a typo in the target's kind or name, a label selector that no longer matches). Fix the target or remove the patch.",
    },
    Rule {
        id: "hygiene/d1-layout",
        severity: Severity::Warning,
        summary: "a d1 component lacks an overlay the others have, or an overlay does not build on its base",
        help: "In the d1 layout every components/<namespace>/ has a base and one overlay per environment (staging, production, ...), each built on ../base. A missing overlay means the component is not deployed to that environment; an overlay without the base deploys something else.",
    },
];

/// Runs the hygiene checks that read discovery.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for repo in input.repos {
        unreferenced_files(repo, &mut out);
        if let Layout::D1 { namespaces, .. } = &repo.layout {
            d1_overlays(repo, namespaces, &mut out);
        }
    }
    out
}

/// The finding for a targeted patch the build of `root` found matching nothing; `at` is the
/// patch entry in its kustomization.
pub fn unmatched_patch(at: Span, root: &str) -> Diagnostic {
    let mut d = Diagnostic::warning(
        "hygiene/unmatched-patch",
        "the target of this patch matches no resource, so kustomize skips it",
        Some(at),
    );
    d.roots = vec![root.to_string()];
    d
}

/// Where the first Kubernetes object of `text` starts, when it holds one: a mapping with
/// `apiVersion` and `kind` that is not kustomize's own configuration.
fn first_object(text: &str, display: &str) -> Option<Span> {
    let docs = parse_str(text, display, Profile::Kubernetes, Limits::default()).ok()?;
    docs.into_iter().find_map(|d| {
        let api = d.str_at(&["apiVersion"])?;
        d.str_at(&["kind"])?;
        // A stray Kustomization/Component or a builtin plugin configuration is not deployed
        // by itself; it is not a resource left out.
        if api.starts_with("kustomize.config.k8s.io/") || api == "builtin" {
            return None;
        }
        Some(
            d.span
                .clone()
                .unwrap_or_else(|| Span::new(display.into(), 1, 1)),
        )
    })
}

fn unreferenced_files(repo: &Repo, out: &mut Vec<Diagnostic>) {
    for note in repo
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Unreferenced)
    {
        let path = PathBuf::from(&*note.span.file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let at = shown(&note.span);
        let Some(start) = first_object(&text, &at.file) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kust = path
            .parent()
            .and_then(|d| repo.root_at(d))
            .map(|r| shown(&Span::file(r.file.to_string_lossy().as_ref().into())).file)
            .map(|f| f.to_string())
            .unwrap_or_else(|| "the kustomization beside it".to_string());
        out.push(Diagnostic::warning(
            "hygiene/unreferenced-file",
            format!("{name:?} is not listed in {kust}, so Flux never applies it"),
            Some(start),
        ));
    }
}

/// The place to report something about a kustomize root: line 1 of its kustomization file.
fn root_span(repo: &Repo, dir: &Path) -> Span {
    let file = repo
        .root_at(dir)
        .map(|r| r.file.clone())
        .unwrap_or_else(|| dir.to_path_buf());
    let s = shown(&Span::file(file.to_string_lossy().as_ref().into()));
    Span::new(s.file, 1, 1)
}

/// Whether the kustomize root at `dir` includes `base`, directly or through other roots.
fn builds_on(repo: &Repo, dir: &Path, base: &Path) -> bool {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([dir.to_path_buf()]);
    while let Some(d) = queue.pop_front() {
        if !seen.insert(d.clone()) {
            continue;
        }
        let Some(r) = repo.root_at(&d) else { continue };
        if r.references.iter().any(|x| x == base) {
            return true;
        }
        queue.extend(r.references.iter().cloned());
    }
    false
}

fn d1_overlays(repo: &Repo, namespaces: &[D1Namespace], out: &mut Vec<Diagnostic>) {
    let all: BTreeSet<&str> = namespaces
        .iter()
        .flat_map(|n| n.overlays.iter().map(String::as_str))
        .collect();
    for ns in namespaces {
        for missing in all.iter().filter(|o| !ns.overlays.iter().any(|x| x == *o)) {
            let has: Vec<&str> = namespaces
                .iter()
                .filter(|n| n.overlays.iter().any(|x| x == missing))
                .map(|n| n.name.as_str())
                .take(3)
                .collect();
            out.push(Diagnostic::warning(
                "hygiene/d1-layout",
                format!(
                    "component {:?} has no {missing:?} overlay, which {} has, so it is not deployed there",
                    ns.name,
                    has.iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(root_span(repo, &ns.base)),
            ));
        }
        for overlay in &ns.overlays {
            let dir = ns.dir.join(overlay);
            if repo.root_at(&dir).is_none_or(|r| r.is_component) {
                continue;
            }
            if !builds_on(repo, &dir, &ns.base) {
                out.push(Diagnostic::warning(
                    "hygiene/d1-layout",
                    format!(
                        "overlay {overlay:?} of component {:?} does not include its base ../base",
                        ns.name
                    ),
                    Some(root_span(repo, &dir)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kubernetes_objects_count_as_resources() {
        let cm = "# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
        assert_eq!(
            first_object(cm, "f.yaml").unwrap().to_string(),
            "f.yaml:2:1"
        );
        // Helm values, kustomize configuration and a stray kustomization are not resources.
        assert_eq!(first_object("replicaCount: 2\nimage: x\n", "f.yaml"), None);
        assert_eq!(
            first_object("nameReference:\n  - kind: ConfigMap\n", "f.yaml"),
            None
        );
        assert_eq!(
            first_object(
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
                "f.yaml"
            ),
            None
        );
        assert_eq!(first_object("a: [unclosed\n", "f.yaml"), None);
        let second = "values: {}\n---\napiVersion: v1\nkind: Secret\n";
        assert_eq!(
            first_object(second, "f.yaml").unwrap().to_string(),
            "f.yaml:3:1"
        );
    }
}
