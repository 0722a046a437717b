//! Discovery tests on small repositories written to temporary directories.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

mod graph;

use graph::base_and_overlays;

pub(super) const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

pub(super) fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

pub(super) fn kust(root: &Path, dir: &str, body: &str) {
    write(root, &format!("{dir}/kustomization.yaml"), body);
}

pub(super) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub(super) fn dirs(repo: &Repo) -> Vec<String> {
    repo.kustomize_roots
        .iter()
        .map(|r| repo.relative(&r.dir).to_string_lossy().into_owned())
        .collect()
}

pub(super) fn rels(repo: &Repo, paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| repo.relative(p).to_string_lossy().into_owned())
        .collect()
}

pub(super) fn note_kinds(repo: &Repo) -> Vec<NoteKind> {
    repo.notes.iter().map(|n| n.kind).collect()
}

#[test]
fn roots_of_each_file_name() {
    let t = tmp();
    let r = t.path();
    write(r, "a/kustomization.yaml", "resources: [cm.yaml]\n");
    write(r, "a/cm.yaml", CM);
    write(r, "b/kustomization.yml", "resources: []\n");
    write(r, "c/Kustomization", "resources: []\n");
    write(r, "d/kustomization.json", "{}\n");
    let repo = discover(r, r).unwrap();
    assert_eq!(dirs(&repo), ["a", "b", "c"]);
    let files: Vec<_> = repo
        .kustomize_roots
        .iter()
        .map(|k| k.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        ["kustomization.yaml", "kustomization.yml", "Kustomization"]
    );
    assert!(repo.kustomize_roots.iter().all(|k| k.is_top_level));
    assert_eq!(repo.kustomize_roots[0].reads[0].path, r.join("a/cm.yaml"));
    assert_eq!(repo.kustomize_roots[0].reads[0].role, FileRole::Resource);
    assert!(repo.plain_yaml.is_empty());
}

#[test]
fn two_kustomization_files_in_one_dir_is_kustomizes_error() {
    let t = tmp();
    let r = t.path();
    write(r, "a/kustomization.yaml", "resources: []\n");
    write(r, "a/Kustomization", "resources: []\n");
    let err = discover(r, r).unwrap_err();
    let dir = r.join("a");
    assert_eq!(
        err.message,
        format!(
            "Found multiple kustomization files under: {}",
            dir.display()
        )
    );
    assert_eq!(&*err.span.file, dir.to_string_lossy().as_ref());
    // Only a directory that would be built stops discovery.
    kust(r, "ok", "resources: []\n");
    kust(r, "uses", "resources: [../a]\n");
    assert_eq!(dirs(&discover(r, &r.join("ok")).unwrap()), ["ok"]);
    let err = discover(r, &r.join("uses")).unwrap_err();
    assert!(
        err.message
            .starts_with("Found multiple kustomization files under: ")
    );
}

#[test]
fn gitignore_applies_without_a_git_directory() {
    let t = tmp();
    let r = t.path();
    write(r, ".gitignore", "build/\n*.out.yaml\n");
    write(r, "build/kustomization.yaml", "resources: []\n");
    write(r, "apps/x.out.yaml", CM);
    write(r, "apps/keep.yaml", CM);
    let repo = discover(r, r).unwrap();
    assert!(repo.kustomize_roots.is_empty());
    assert_eq!(rels(&repo, &repo.plain_yaml), ["apps/keep.yaml"]);
}

#[test]
fn sourceignore_at_any_level_and_flux_defaults() {
    let t = tmp();
    let r = t.path();
    write(r, ".sourceignore", "/drafts/\n");
    write(r, "drafts/kustomization.yaml", "resources: []\n");
    write(r, "apps/.sourceignore", "*.local.yaml\n!keep.local.yaml\n");
    write(r, "apps/a.local.yaml", CM);
    write(r, "apps/keep.local.yaml", CM);
    write(r, "apps/b.yaml", CM);
    // Flux's source-controller drops these even without a .sourceignore.
    write(r, "cloudbuild.yaml", "steps: []\n");
    write(r, ".github/workflows/ci.yaml", "on: push\n");
    write(r, "sub/appveyor.yml", "build: off\n");
    // A kustomization that reads an excluded file works locally but not in Flux.
    kust(r, "app", "resources: [../drafts/cm.yaml]\n");
    write(r, "drafts/cm.yaml", CM);
    let repo = discover(r, r).unwrap();
    let n: Vec<_> = repo.notes.iter().map(|n| (n.kind, n.span.line)).collect();
    assert_eq!(n, [(NoteKind::NotWalked, 1)]);
    assert_eq!(dirs(&repo), ["app"]);
    assert_eq!(
        rels(&repo, &repo.plain_yaml),
        ["apps/b.yaml", "apps/keep.local.yaml"]
    );
    assert!(
        repo.non_resource_yaml.is_empty(),
        "{:?}",
        repo.non_resource_yaml
    );
}

#[test]
fn hidden_dirs_are_skipped_but_hidden_files_are_classified() {
    let t = tmp();
    let r = t.path();
    write(r, ".cache/kustomization.yaml", "resources: [x.yaml]\n");
    write(r, ".cache/x.yaml", CM);
    write(r, ".fluxval.yaml", "kubernetesVersion: 1.31.0\n");
    write(r, ".pre-commit-config.yaml", "repos: []\n");
    write(r, ".fluxschema.yml", "kind: Config\n");
    write(r, "apps/.odd.yaml", CM);
    let repo = discover(r, r).unwrap();
    assert!(repo.kustomize_roots.is_empty());
    assert!(repo.plain_yaml.is_empty());
    let got: Vec<_> = repo
        .non_resource_yaml
        .iter()
        .map(|(p, why)| (repo.relative(p).to_string_lossy().into_owned(), why.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                ".fluxschema.yml".to_string(),
                NonResourceReason::ToolConfig("flux-schema")
            ),
            (
                ".fluxval.yaml".to_string(),
                NonResourceReason::FluxvalConfig
            ),
            (
                ".pre-commit-config.yaml".to_string(),
                NonResourceReason::ToolConfig("pre-commit")
            ),
            ("apps/.odd.yaml".to_string(), NonResourceReason::HiddenFile),
        ]
    );
}

#[test]
fn a_hidden_base_named_by_an_overlay_is_still_in_the_graph() {
    let t = tmp();
    let r = t.path();
    kust(r, ".base", "resources: [cm.yaml]\n");
    write(r, ".base/cm.yaml", CM);
    kust(r, "prod", "resources: [../.base]\n");
    let repo = discover(r, r).unwrap();
    assert_eq!(dirs(&repo), [".base", "prod"]);
    assert!(!repo.kustomize_roots[0].is_top_level);
    assert!(note_kinds(&repo).contains(&NoteKind::NotWalked));
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang_and_are_noted() {
    use std::os::unix::fs::symlink;
    let t = tmp();
    let r = t.path();
    kust(r, "a", "resources: [cm.yaml]\n");
    write(r, "a/cm.yaml", CM);
    symlink(r.join("a"), r.join("a/loop")).unwrap();
    symlink(r, r.join("a/up")).unwrap();
    symlink(r.join("self"), r.join("self")).unwrap();
    symlink(r.join("a/cm.yaml"), r.join("linked.yaml")).unwrap();
    let repo = discover(r, r).unwrap();
    assert_eq!(dirs(&repo), ["a"]);
    let skipped: Vec<_> = repo
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::SymlinkSkipped)
        .map(|n| n.span.file.to_string())
        .collect();
    let want: Vec<_> = ["a/loop", "a/up", "linked.yaml", "self"]
        .iter()
        .map(|p| r.join(p).to_string_lossy().into_owned())
        .collect();
    assert_eq!(skipped, want);
    assert!(repo.plain_yaml.is_empty());
}

#[test]
fn a_broken_kustomization_is_a_note_not_a_failure() {
    let t = tmp();
    let r = t.path();
    kust(r, "bad", "resources: [a\n");
    kust(r, "good", "resources: []\n");
    let repo = discover(r, r).unwrap();
    assert_eq!(dirs(&repo), ["bad", "good"]);
    let n = repo
        .notes
        .iter()
        .find(|n| n.kind == NoteKind::KustomizationError)
        .unwrap();
    assert_eq!(
        &*n.span.file,
        r.join("bad/kustomization.yaml").to_string_lossy()
    );
    assert!(n.span.line > 0);
}

#[test]
fn helm_chart_files_and_large_files() {
    let t = tmp();
    let r = t.path();
    write(r, "charts/app/Chart.yaml", "apiVersion: v2\nname: app\n");
    write(r, "charts/app/values.yaml", "replicas: 1\n");
    write(r, "charts/app/templates/cm.yaml", "{{ .Values.x }}\n");
    let big = "# x\n".repeat((MAX_FILE_SIZE / 4 + 1) as usize);
    write(r, "big.yaml", &big);
    let repo = discover(r, r).unwrap();
    assert!(repo.plain_yaml.is_empty());
    assert_eq!(repo.non_resource_yaml.len(), 3);
    assert!(repo.non_resource_yaml.iter().all(|(_, why)| *why
        == NonResourceReason::HelmChart {
            chart: r.join("charts/app")
        }));
    assert_eq!(note_kinds(&repo), [NoteKind::TooLarge]);
}

#[test]
fn find_root_walks_up_to_git() {
    let t = tmp();
    let r = t.path();
    write(r, "repo/apps/x.yaml", CM);
    fs::create_dir_all(r.join("repo/.git")).unwrap();
    assert_eq!(find_root(&r.join("repo/apps")).unwrap(), r.join("repo"));
    assert_eq!(
        find_root(&r.join("repo/apps/x.yaml")).unwrap(),
        r.join("repo")
    );
    // A worktree or submodule has a `.git` file.
    write(r, "wt/.git", "gitdir: /elsewhere\n");
    fs::create_dir_all(r.join("wt/a/b")).unwrap();
    assert_eq!(find_root(&r.join("wt/a/b")).unwrap(), r.join("wt"));
    let missing = r.join("nope");
    let err = find_root(&missing).unwrap_err();
    assert_eq!(&*err.span.file, missing.to_string_lossy());
    assert_eq!(
        err.to_string(),
        format!("{}: error: no such file or directory", missing.display())
    );
}

#[test]
fn find_root_without_git_is_the_path_itself() {
    let t = tmp();
    let plain = t.path().join("plain");
    fs::create_dir_all(&plain).unwrap();
    let got = find_root(&plain).unwrap();
    // The temp dir may sit inside some git checkout; only then is the answer above `plain`.
    if !plain.ancestors().any(|d| d.join(".git").exists()) {
        assert_eq!(got, plain);
        write(&plain, "x.yaml", CM);
        assert_eq!(find_root(&plain.join("x.yaml")).unwrap(), plain);
    }
}

#[test]
fn results_are_deterministic() {
    let t = tmp();
    base_and_overlays(t.path());
    let a = discover(t.path(), t.path()).unwrap();
    let b = discover(t.path(), t.path()).unwrap();
    assert_eq!(a.kustomize_roots, b.kustomize_roots);
    assert_eq!(a.plain_yaml, b.plain_yaml);
    assert_eq!(a.notes, b.notes);
}

#[test]
fn a_broken_ignore_file_is_noted_and_the_rest_still_applies() {
    let t = tmp();
    let r = t.path();
    write(r, "apps/.gitignore", "[z-a]\nskip.yaml\n");
    write(r, "apps/skip.yaml", CM);
    write(r, "apps/keep.yaml", CM);
    let repo = discover(r, r).unwrap();
    assert_eq!(rels(&repo, &repo.plain_yaml), ["apps/keep.yaml"]);
    let n = &repo.notes[0];
    assert_eq!(n.kind, NoteKind::Unreadable, "{:#?}", repo.notes);
    assert_eq!(&*n.span.file, r.join("apps/.gitignore").to_string_lossy());
}
