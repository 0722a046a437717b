//! Sorting YAML files into plain manifests, kustomize inputs and other tools' files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::graph::Graph;
use super::kustfile::FileRole;
use super::walk::{Walked, span_of};
use super::{NonResourceReason, Note, NoteKind, full, is_yaml_name};

/// Well-known YAML files that configure a tool rather than describe a Kubernetes object,
/// matched by exact file name, with the tool's name.
const TOOL_FILES: &[(&str, &str)] = &[
    (".pre-commit-config.yaml", "pre-commit"),
    (".pre-commit-hooks.yaml", "pre-commit"),
    (".sops.yaml", "SOPS"),
    (".fluxschema.yml", "flux-schema"),
    (".fluxschema.yaml", "flux-schema"),
    (".yamllint", "yamllint"),
    (".yamllint.yaml", "yamllint"),
    (".yamllint.yml", "yamllint"),
    (".goreleaser.yml", "GoReleaser"),
    (".goreleaser.yaml", "GoReleaser"),
    (".gitlab-ci.yml", "GitLab CI"),
    (".travis.yml", "Travis CI"),
    (".drone.yml", "Drone"),
    (".flux.yaml", "Flux v1"),
    (".golangci.yml", "golangci-lint"),
    (".golangci.yaml", "golangci-lint"),
    (".markdownlint.yaml", "markdownlint"),
    (".markdownlint.yml", "markdownlint"),
    (".codecov.yml", "Codecov"),
    ("codecov.yml", "Codecov"),
    ("appveyor.yml", "AppVeyor"),
    ("cloudbuild.yaml", "Cloud Build"),
    ("codeship-services.yml", "Codeship"),
    ("codeship-steps.yml", "Codeship"),
    ("mkdocs.yml", "MkDocs"),
    ("mkdocs.yaml", "MkDocs"),
    ("docker-compose.yml", "Docker Compose"),
    ("docker-compose.yaml", "Docker Compose"),
    ("compose.yml", "Docker Compose"),
    ("compose.yaml", "Docker Compose"),
    ("skaffold.yaml", "Skaffold"),
    ("Taskfile.yml", "Task"),
    ("Taskfile.yaml", "Task"),
];

/// The reason a file name alone marks a YAML file as not a resource.
fn by_name(name: &str) -> Option<NonResourceReason> {
    if name == ".fluxval.yaml" || name == ".fluxval.yml" {
        return Some(NonResourceReason::FluxvalConfig);
    }
    if let Some((_, tool)) = TOOL_FILES.iter().find(|(n, _)| *n == name) {
        return Some(NonResourceReason::ToolConfig(tool));
    }
    if name.starts_with('.') {
        return Some(NonResourceReason::HiddenFile);
    }
    None
}

/// The nearest Helm chart directory (one holding `Chart.yaml`) at or above `dir`.
fn chart_dir(walked: &Walked, dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| walked.files.contains(&d.join("Chart.yaml")))
        .map(Path::to_path_buf)
}

/// Plain manifests, non-resource files (both under `start`, sorted), and notes about YAML files
/// left unread in a kustomize root's own directory.
pub(crate) fn classify(
    root: &Path,
    walked: &Walked,
    g: &Graph,
    start: &Path,
) -> (Vec<PathBuf>, Vec<(PathBuf, NonResourceReason)>, Vec<Note>) {
    let mut as_resource: BTreeSet<&Path> = BTreeSet::new();
    let mut other_use: BTreeMap<&Path, (FileRole, &Path)> = BTreeMap::new();
    let mut kustomization_files: BTreeSet<&Path> = BTreeSet::new();
    for r in &g.roots {
        kustomization_files.insert(&r.file);
        for (p, role, _) in &r.reads {
            if *role == FileRole::Resource {
                as_resource.insert(p);
            } else {
                other_use.entry(p).or_insert((*role, &r.file));
            }
        }
    }
    let (mut plain, mut non_resource, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for rel in &walked.files {
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !rel.starts_with(start)
            || !is_yaml_name(&name)
            || kustomization_files.contains(rel.as_path())
            || walked.too_large.contains(rel)
            || as_resource.contains(rel.as_path())
        {
            continue;
        }
        let dir = rel.parent().unwrap_or(Path::new(""));
        let reason = if let Some((role, by)) = other_use.get(rel.as_path()) {
            Some(NonResourceReason::ReadByKustomization {
                role: *role,
                by: full(root, by),
            })
        } else if let Some(reason) = by_name(&name) {
            Some(reason)
        } else {
            chart_dir(walked, dir).map(|c| NonResourceReason::HelmChart {
                chart: full(root, &c),
            })
        };
        if let Some(reason) = reason {
            non_resource.push((full(root, rel), reason));
        } else if let Some(&i) = g.index.get(dir) {
            notes.push(Note {
                span: span_of(root, rel),
                kind: NoteKind::Unreferenced,
                message: format!(
                    "not read by {}, so Flux does not apply it",
                    full(root, &g.roots[i].file).display()
                ),
            });
        } else {
            plain.push(full(root, rel));
        }
    }
    (plain, non_resource, notes)
}
