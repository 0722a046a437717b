//! The include graph, affected roots and layout detection.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

pub(super) fn base_and_overlays(r: &Path) {
    kust(r, "apps/base", "resources: [deploy.yaml]\n");
    write(r, "apps/base/deploy.yaml", CM);
    kust(
        r,
        "apps/staging",
        "resources: [../base]\ncomponents: [../../comp/debug]\npatches:\n  - path: patch.yaml\n",
    );
    write(r, "apps/staging/patch.yaml", CM);
    kust(
        r,
        "apps/production",
        "resources:\n  - ../base\nconfigMapGenerator:\n  - name: values\n    files:\n      - values.yaml=prod-values.yaml\n",
    );
    write(r, "apps/production/prod-values.yaml", "replicas: 3\n");
    write(
        r,
        "comp/debug/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigurations: [kustomizeconfig.yaml]\n",
    );
    write(r, "comp/debug/kustomizeconfig.yaml", "nameReference: []\n");
    write(r, "clusters/prod/apps.yaml", CM);
    write(r, "docs/notes.md", "# notes\n");
}

#[test]
fn include_graph_with_a_shared_base_and_a_component() {
    let t = tmp();
    let r = t.path();
    base_and_overlays(r);
    let repo = discover(r, r).unwrap();
    assert_eq!(
        dirs(&repo),
        ["apps/base", "apps/production", "apps/staging", "comp/debug"]
    );
    let base = repo.root_at(&r.join("apps/base")).unwrap();
    assert!(!base.is_top_level);
    assert_eq!(
        rels(&repo, &base.included_by),
        ["apps/production", "apps/staging"]
    );
    let staging = repo.root_at(&r.join("apps/staging")).unwrap();
    assert!(staging.is_top_level);
    assert_eq!(
        rels(&repo, &staging.references),
        ["apps/base", "comp/debug"]
    );
    let bases: Vec<_> = repo
        .bases_of(&r.join("apps/staging"))
        .iter()
        .map(|k| k.dir.clone())
        .collect();
    assert_eq!(bases, [r.join("apps/base"), r.join("comp/debug")]);
    let comp = repo.root_at(&r.join("comp/debug")).unwrap();
    assert!(comp.is_component && !comp.is_top_level);
    let top: Vec<_> = repo.top_level().map(|k| k.dir.clone()).collect();
    assert_eq!(top, [r.join("apps/production"), r.join("apps/staging")]);
    assert_eq!(repo.included_by(&r.join("comp/debug")).len(), 1);
    assert_eq!(rels(&repo, &repo.plain_yaml), ["clusters/prod/apps.yaml"]);
    let non: Vec<_> = repo
        .non_resource_yaml
        .iter()
        .map(|(p, why)| (repo.relative(p).to_string_lossy().into_owned(), why.clone()))
        .collect();
    assert_eq!(
        non,
        [
            (
                "apps/production/prod-values.yaml".to_string(),
                NonResourceReason::ReadByKustomization {
                    role: FileRole::GeneratorInput,
                    by: r.join("apps/production/kustomization.yaml"),
                }
            ),
            (
                "apps/staging/patch.yaml".to_string(),
                NonResourceReason::ReadByKustomization {
                    role: FileRole::Patch,
                    by: r.join("apps/staging/kustomization.yaml"),
                }
            ),
            (
                "comp/debug/kustomizeconfig.yaml".to_string(),
                NonResourceReason::ReadByKustomization {
                    role: FileRole::Configuration,
                    by: r.join("comp/debug/kustomization.yaml"),
                }
            ),
        ]
    );
}

fn affected(repo: &Repo, changed: &[&str]) -> Vec<String> {
    let changed: Vec<PathBuf> = changed.iter().map(PathBuf::from).collect();
    affected_roots(repo, &changed)
        .iter()
        .map(|k| repo.relative(&k.dir).to_string_lossy().into_owned())
        .collect()
}

#[test]
fn affected_roots_follow_bases_patches_and_generator_inputs() {
    let t = tmp();
    let r = t.path();
    base_and_overlays(r);
    let repo = discover(r, r).unwrap();
    assert_eq!(
        affected(&repo, &["apps/base/deploy.yaml"]),
        ["apps/production", "apps/staging"]
    );
    assert_eq!(
        affected(&repo, &["apps/base/kustomization.yaml"]),
        ["apps/production", "apps/staging"]
    );
    assert_eq!(
        affected(&repo, &["apps/staging/patch.yaml"]),
        ["apps/staging"]
    );
    assert_eq!(
        affected(&repo, &["apps/production/prod-values.yaml"]),
        ["apps/production"]
    );
    assert_eq!(
        affected(&repo, &["comp/debug/kustomizeconfig.yaml"]),
        ["apps/staging"]
    );
    assert!(affected(&repo, &["clusters/prod/apps.yaml", "docs/notes.md"]).is_empty());
    // Absolute paths and a changed directory work too.
    let abs = r
        .join("apps/staging/patch.yaml")
        .to_string_lossy()
        .into_owned();
    assert_eq!(affected(&repo, &[&abs]), ["apps/staging"]);
    assert_eq!(
        affected(&repo, &["apps/base"]),
        ["apps/production", "apps/staging"]
    );
}

#[test]
fn a_start_directory_brings_in_its_bases_from_elsewhere() {
    let t = tmp();
    let r = t.path();
    base_and_overlays(r);
    let repo = discover(r, &r.join("apps/staging")).unwrap();
    assert_eq!(dirs(&repo), ["apps/base", "apps/staging", "comp/debug"]);
    assert!(repo.plain_yaml.is_empty());
    let repo = discover(r, &r.join("apps/base")).unwrap();
    assert_eq!(dirs(&repo), ["apps/base"]);
    assert!(!repo.kustomize_roots[0].is_top_level);
    let outside = tmp();
    let err = discover(r, outside.path()).unwrap_err();
    assert!(err.message.contains("not inside the repository root"));
}

#[test]
fn unread_files_missing_remote_and_outside_references_are_noted() {
    let t = tmp();
    let r = t.path();
    kust(
        r,
        "app",
        "resources:\n  - cm.yaml\n  - gone.yaml\n  - https://github.com/org/repo//deploy?ref=v1\n  - ../../elsewhere\n  - ../nokust\n",
    );
    write(r, "app/cm.yaml", CM);
    write(r, "app/orphan.yaml", CM);
    write(r, "nokust/x.yaml", CM);
    let repo = discover(r, r).unwrap();
    let kinds = note_kinds(&repo);
    for k in [
        NoteKind::MissingReference,
        NoteKind::RemoteReference,
        NoteKind::OutsideRepo,
        NoteKind::NotAKustomization,
        NoteKind::Unreferenced,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing in {:#?}", repo.notes);
    }
    let missing = repo
        .notes
        .iter()
        .find(|n| n.kind == NoteKind::MissingReference)
        .unwrap();
    assert_eq!((missing.span.line, missing.span.col), (3, 5));
    assert_eq!(rels(&repo, &repo.plain_yaml), ["nokust/x.yaml"]);
}

fn d1(r: &Path) {
    for ns in ["backend", "frontend"] {
        kust(r, &format!("components/{ns}/base"), "resources: []\n");
        for env in ["staging", "production"] {
            kust(
                r,
                &format!("components/{ns}/{env}"),
                "resources: [../base]\n",
            );
        }
    }
    kust(r, "update", "resources: []\n");
}

#[test]
fn d1_layout_is_recognised() {
    let t = tmp();
    let r = t.path();
    d1(r);
    kust(r, "components/backend/dev", "resources: [../base]\n");
    fs::create_dir_all(r.join("components/backend/docs")).unwrap();
    let repo = discover(r, r).unwrap();
    let Layout::D1 { namespaces, update } = &repo.layout else {
        panic!("not d1: {:?}", repo.layout)
    };
    assert_eq!(update.as_deref(), Some(r.join("update").as_path()));
    let names: Vec<_> = namespaces.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["backend", "frontend"]);
    let be = repo.layout.d1_namespace("backend").unwrap();
    assert_eq!(be.base, r.join("components/backend/base"));
    assert_eq!(be.overlays, ["dev", "production", "staging"]);
    assert_eq!(
        repo.layout.d1_namespace("frontend").unwrap().overlays,
        ["production", "staging"]
    );
}

#[test]
fn d1_layout_one_level_deeper_and_other_layouts() {
    let t = tmp();
    let r = t.path();
    for part in ["configs", "controllers"] {
        kust(
            r,
            &format!("components/monitoring/{part}/base"),
            "resources: []\n",
        );
        kust(
            r,
            &format!("components/monitoring/{part}/staging"),
            "resources: [../base]\n",
        );
    }
    let repo = discover(r, r).unwrap();
    let got: Vec<_> = match &repo.layout {
        Layout::D1 { namespaces, update } => {
            assert!(update.is_none());
            namespaces.iter().map(|n| n.name.clone()).collect()
        }
        Layout::Other => panic!("not d1"),
    };
    assert_eq!(got, ["monitoring/configs", "monitoring/controllers"]);

    let t = tmp();
    base_and_overlays(t.path());
    assert_eq!(discover(t.path(), t.path()).unwrap().layout, Layout::Other);
}

#[test]
fn every_path_naming_field_is_read() {
    let t = tmp();
    let r = t.path();
    kust(r, "base", "resources: [cm.yaml]\n");
    write(r, "base/cm.yaml", CM);
    kust(r, "xf", "resources: [prefix.yaml]\n");
    write(
        r,
        "xf/prefix.yaml",
        "apiVersion: builtin\nkind: PrefixTransformer\n",
    );
    let body = "\
bases: [../base]
patchesStrategicMerge:
  - psm.yaml
  - |-
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: x}
patchesJson6902:
  - target: {version: v1, kind: ConfigMap, name: x}
    path: json.yaml
replacements:
  - path: repl.yaml
crds: [crd.yaml]
openapi: {path: schema.json}
helmCharts:
  - name: c
    valuesFile: helm-values.yaml
secretGenerator:
  - name: s
    envs: [a.env]
    env: b.env
    files: [key=secret.txt]
transformers: [t.yaml, ../xf]
";
    kust(r, "app", body);
    for f in [
        "psm.yaml",
        "json.yaml",
        "repl.yaml",
        "crd.yaml",
        "schema.json",
        "helm-values.yaml",
        "a.env",
        "b.env",
        "secret.txt",
        "t.yaml",
    ] {
        write(r, &format!("app/{f}"), "x: 1\n");
    }
    let repo = discover(r, r).unwrap();
    assert!(repo.notes.is_empty(), "{:#?}", repo.notes);
    let app = repo.root_at(&r.join("app")).unwrap();
    assert_eq!(rels(&repo, &app.references), ["base", "xf"]);
    let reads: Vec<_> = app
        .reads
        .iter()
        .map(|f| {
            (
                repo.relative(&f.path).to_string_lossy().into_owned(),
                f.role,
            )
        })
        .collect();
    let want = [
        ("app/crd.yaml", FileRole::Crd),
        ("app/psm.yaml", FileRole::Patch),
        ("app/t.yaml", FileRole::PluginConfig),
        ("app/json.yaml", FileRole::Patch),
        ("app/repl.yaml", FileRole::Replacement),
        ("app/secret.txt", FileRole::GeneratorInput),
        ("app/a.env", FileRole::GeneratorInput),
        ("app/b.env", FileRole::GeneratorInput),
        ("app/helm-values.yaml", FileRole::HelmValues),
        ("app/schema.json", FileRole::OpenApi),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(p, role)| (p.to_string(), *role))
        .collect();
    assert_eq!(reads, want);
    let spans: Vec<_> = app
        .reads
        .iter()
        .map(|f| f.span.as_ref().unwrap().line)
        .collect();
    assert_eq!(spans[..2], [13, 3]);
    assert_eq!(repo.top_level().count(), 1);
    assert!(repo.plain_yaml.is_empty());
    // Every YAML file the kustomization reads in a non-resource role is classified.
    assert_eq!(repo.non_resource_yaml.len(), 6);
}

#[test]
fn a_kustomization_at_the_root_and_a_file_as_start() {
    let t = tmp();
    let r = t.path();
    kust(r, ".", "resources: [cm.yaml, ../outside]\n");
    write(r, "cm.yaml", CM);
    write(r, "extra/x.yaml", CM);
    let repo = discover(r, r).unwrap();
    assert_eq!(repo.kustomize_roots[0].dir, r);
    assert_eq!(note_kinds(&repo), [NoteKind::OutsideRepo]);
    assert_eq!(rels(&repo, &repo.plain_yaml), ["extra/x.yaml"]);
    let repo = discover(r, &r.join("extra/x.yaml")).unwrap();
    assert!(repo.kustomize_roots.is_empty());
    assert_eq!(rels(&repo, &repo.plain_yaml), ["extra/x.yaml"]);
}

#[cfg(unix)]
#[test]
fn symbolic_links_in_references_resolve_to_known_roots_and_never_loop() {
    use std::os::unix::fs::symlink;
    let t = tmp();
    let r = t.path();
    let outside = tmp();
    kust(r, "base", "resources: [cm.yaml]\n");
    write(r, "base/cm.yaml", CM);
    symlink(r.join("base"), r.join("base-link")).unwrap();
    kust(r, "prod", "resources: [../base-link]\n");
    // A kustomization naming a link back to its own directory, and a link out of the repository.
    kust(r, "loop", "resources: [again, ../escape]\n");
    symlink(r.join("loop"), r.join("loop/again")).unwrap();
    symlink(outside.path(), r.join("escape")).unwrap();
    let repo = discover(r, r).unwrap();
    assert_eq!(dirs(&repo), ["base", "loop", "prod"]);
    let prod = repo.root_at(&r.join("prod")).unwrap();
    assert_eq!(rels(&repo, &prod.references), ["base"]);
    assert!(!repo.root_at(&r.join("base")).unwrap().is_top_level);
    let lp = repo.root_at(&r.join("loop")).unwrap();
    assert_eq!(rels(&repo, &lp.references), ["loop"]);
    assert!(lp.is_top_level && lp.included_by.is_empty());
    assert!(note_kinds(&repo).contains(&NoteKind::OutsideRepo));
}

#[test]
fn roots_that_only_include_each_other_are_still_built() {
    let t = tmp();
    let r = t.path();
    kust(r, "a", "resources: [../b]\n");
    kust(r, "b", "resources: [../a]\n");
    kust(r, "c", "resources: [../d]\n");
    kust(r, "d", "resources: [../c]\n");
    kust(r, "e", "resources: [../d]\n");
    let repo = discover(r, r).unwrap();
    let top: Vec<_> = repo
        .top_level()
        .map(|k| repo.relative(&k.dir).to_string_lossy().into_owned())
        .collect();
    assert_eq!(top, ["a", "e"]);
    assert_eq!(affected(&repo, &["b/kustomization.yaml"]), ["a"]);
    assert_eq!(affected(&repo, &["c/kustomization.yaml"]), ["e"]);
}
