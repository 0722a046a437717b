//! Discovery on the real Flux repositories of the shared corpus.

use std::path::{Path, PathBuf};

use fluxval::repo::{FileRole, Layout, NonResourceReason, Repo, affected_roots, discover};

/// The shared folder: `$FLUXVAL_SHARED`, else `../shared` beside the crate (where CI puts it).
fn corpus() -> Option<PathBuf> {
    let shared = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let corpus = shared.join("corpus");
    if corpus.is_dir() {
        Some(corpus)
    } else {
        println!("SKIP: ../shared/corpus not found");
        None
    }
}

fn rel(repo: &Repo, p: &Path) -> String {
    repo.relative(p).to_string_lossy().into_owned()
}

fn top_level(repo: &Repo) -> Vec<String> {
    repo.top_level().map(|r| rel(repo, &r.dir)).collect()
}

fn included_by(repo: &Repo, dir: &str) -> Vec<String> {
    let root = repo
        .root_at(&repo.root.join(dir))
        .unwrap_or_else(|| panic!("{dir} is not a kustomize root"));
    root.included_by.iter().map(|d| rel(repo, d)).collect()
}

fn one(corpus: &Path, name: &str) -> Repo {
    let root = corpus.join(name);
    discover(&root, &root).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_kustomization_of_the_corpus_is_found() {
    let Some(corpus) = corpus() else { return };
    let all = discover(&corpus, &corpus).unwrap();
    assert_eq!(all.kustomize_roots.len(), 43);
    let mut sum = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sum += discover(&path, &path).unwrap().kustomize_roots.len();
        }
    }
    assert_eq!(sum, 43);
}

#[test]
fn d1_apps_is_a_d1_repository() {
    let Some(corpus) = corpus() else { return };
    let repo = one(&corpus, "controlplaneio-fluxcd__d1-apps");
    let Layout::D1 { namespaces, update } = &repo.layout else {
        panic!("d1-apps not recognised: {:?}", repo.layout)
    };
    assert_eq!(update.as_deref(), Some(repo.root.join("update").as_path()));
    let names: Vec<_> = namespaces.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["backend", "frontend"]);
    for ns in namespaces {
        assert_eq!(
            ns.base,
            repo.root.join("components").join(&ns.name).join("base")
        );
        assert_eq!(ns.overlays, ["production", "staging"]);
    }
    assert_eq!(
        top_level(&repo),
        [
            "components/backend/production",
            "components/backend/staging",
            "components/frontend/production",
            "components/frontend/staging",
            "update",
        ]
    );
    assert_eq!(
        included_by(&repo, "components/backend/base"),
        [
            "components/backend/production",
            "components/backend/staging"
        ]
    );
    // Values patches are read by the overlays, not applied on their own.
    let patches: Vec<_> = repo
        .non_resource_yaml
        .iter()
        .filter(|(_, why)| {
            matches!(
                why,
                NonResourceReason::ReadByKustomization {
                    role: FileRole::Patch,
                    ..
                }
            )
        })
        .map(|(p, _)| rel(&repo, p))
        .collect();
    assert_eq!(patches.len(), 6, "{patches:?}");
    assert!(repo.plain_yaml.is_empty(), "{:?}", repo.plain_yaml);
    assert!(repo.notes.is_empty(), "{:#?}", repo.notes);
    let changed = [PathBuf::from(
        "components/backend/staging/redis-values.yaml",
    )];
    let hit: Vec<_> = affected_roots(&repo, &changed)
        .iter()
        .map(|r| rel(&repo, &r.dir))
        .collect();
    assert_eq!(hit, ["components/backend/staging"]);
    let changed = [PathBuf::from("components/frontend/base/podinfo.yaml")];
    let hit: Vec<_> = affected_roots(&repo, &changed)
        .iter()
        .map(|r| rel(&repo, &r.dir))
        .collect();
    assert_eq!(
        hit,
        [
            "components/frontend/production",
            "components/frontend/staging"
        ]
    );
}

#[test]
fn d1_infra_components_are_one_level_deeper() {
    let Some(corpus) = corpus() else { return };
    let repo = one(&corpus, "controlplaneio-fluxcd__d1-infra");
    let Layout::D1 { namespaces, update } = &repo.layout else {
        panic!("d1-infra not recognised: {:?}", repo.layout)
    };
    assert!(update.is_some());
    let names: Vec<_> = namespaces.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "admission/configs",
            "admission/controllers",
            "monitoring/configs",
            "monitoring/controllers"
        ]
    );
    assert_eq!(repo.kustomize_roots.len(), 13);
    assert_eq!(top_level(&repo).len(), 9);
    let non: Vec<_> = repo
        .non_resource_yaml
        .iter()
        .map(|(p, why)| match why {
            NonResourceReason::ReadByKustomization { role, .. } => (rel(&repo, p), *role),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        non,
        [
            (
                "components/monitoring/controllers/base/kube-state-metrics-config.yaml".to_string(),
                FileRole::GeneratorInput
            ),
            (
                "components/monitoring/controllers/base/kustomizeconfig.yaml".to_string(),
                FileRole::Configuration
            ),
        ]
    );
    let changed = [PathBuf::from(
        "components/monitoring/configs/base/dashboards/cluster.json",
    )];
    let hit: Vec<_> = affected_roots(&repo, &changed)
        .iter()
        .map(|r| rel(&repo, &r.dir))
        .collect();
    assert_eq!(
        hit,
        [
            "components/monitoring/configs/production",
            "components/monitoring/configs/staging"
        ]
    );
}

#[test]
fn other_repositories_are_not_d1() {
    let Some(corpus) = corpus() else { return };
    let fleet = one(&corpus, "controlplaneio-fluxcd__d1-fleet");
    assert_eq!(fleet.layout, Layout::Other);
    assert_eq!(fleet.kustomize_roots.len(), 6);
    assert!(fleet.kustomize_roots.iter().all(|r| r.is_top_level));
    assert_eq!(fleet.plain_yaml.len(), 15);
    assert!(
        fleet
            .plain_yaml
            .iter()
            .all(|p| rel(&fleet, p).starts_with("clusters/"))
    );

    let helm = one(&corpus, "fluxcd__flux2-kustomize-helm-example");
    assert_eq!(helm.layout, Layout::Other);
    assert_eq!(
        included_by(&helm, "apps/base/podinfo"),
        ["apps/production", "apps/staging"]
    );
    assert_eq!(
        top_level(&helm),
        [
            "apps/production",
            "apps/staging",
            "clusters/production/flux-system",
            "clusters/staging/flux-system",
            "infrastructure/configs",
            "infrastructure/controllers",
        ]
    );
    assert!(
        helm.non_resource_yaml
            .iter()
            .any(|(p, why)| rel(&helm, p) == ".fluxschema.yml"
                && *why == NonResourceReason::ToolConfig("flux-schema"))
    );
    assert_eq!(
        helm.plain_yaml
            .iter()
            .map(|p| rel(&helm, p))
            .collect::<Vec<_>>(),
        [
            "clusters/production/apps.yaml",
            "clusters/production/artifacts.yaml",
            "clusters/production/infrastructure.yaml",
            "clusters/staging/apps.yaml",
            "clusters/staging/artifacts.yaml",
            "clusters/staging/infrastructure.yaml",
        ]
    );

    let tenancy = one(&corpus, "fluxcd__flux2-multi-tenancy");
    assert_eq!(tenancy.layout, Layout::Other);
    assert_eq!(
        included_by(&tenancy, "tenants/base/dev-team"),
        ["tenants/production", "tenants/staging"]
    );

    let dev = one(&corpus, "fluxcd__flux2-multi-tenancy__dev-team");
    assert_eq!(included_by(&dev, "base"), ["production", "staging"]);
    assert_eq!(top_level(&dev), ["production", "staging"]);
    let changed = [PathBuf::from("production/podinfo-values.yaml")];
    let hit: Vec<_> = affected_roots(&dev, &changed)
        .iter()
        .map(|r| rel(&dev, &r.dir))
        .collect();
    assert_eq!(hit, ["production"]);
}
