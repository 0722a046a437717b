//! Generates repositories in the d1 layout for benchmarks: `n` namespaces, each with a base
//! (an OCI HelmRepository and a HelmRelease whose chart version carries an image-policy
//! marker), staging and production overlays patching the release's values, and an
//! ImageRepository plus a semver ImagePolicy per namespace under `update/`.
//!
//! Each namespace yields 6 built resources (2 per overlay, 2 in `update/`) and 2 top-level
//! roots, so `namespaces_for(resources)` sizes a repository by its resource count.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Built resources each namespace contributes.
pub const RESOURCES_PER_NAMESPACE: usize = 6;

/// The number of namespaces that makes about `resources` built resources.
pub fn namespaces_for(resources: usize) -> usize {
    resources.div_ceil(RESOURCES_PER_NAMESPACE).max(1)
}

fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// Writes a repository of `namespaces` namespaces into `dir` (which should be empty).
pub fn generate(dir: &Path, namespaces: usize) -> io::Result<()> {
    std::fs::create_dir_all(dir.join(".git"))?;
    let mut update = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps-update\nresources:\n",
    );
    for i in 0..namespaces {
        let ns = format!("team-{i:05}");
        let base = dir.join("components").join(&ns).join("base");
        write(
            &base.join("kustomization.yaml"),
            &format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {ns}\nresources:\n  - repository.yaml\n  - release.yaml\n"
            ),
        )?;
        write(
            &base.join("repository.yaml"),
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\nspec:\n  interval: 12h\n  type: oci\n  url: oci://ghcr.io/example/charts\n",
        )?;
        write(
            &base.join("release.yaml"),
            &format!(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  releaseName: app\n  interval: 30m\n  chart:\n    spec:\n      chart: app\n      version: 1.{i}.0 # {{\"$imagepolicy\": \"apps-update:{ns}:tag\"}}\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  install:\n    remediation:\n      retries: 3\n  values:\n    replicaCount: 1\n    ingress:\n      enabled: true\n      hosts:\n        - host: {ns}.example.com\n"
            ),
        )?;
        for (env, replicas) in [("staging", 1), ("production", 3)] {
            let d = dir.join("components").join(&ns).join(env);
            write(
                &d.join("kustomization.yaml"),
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\npatches:\n  - path: values.yaml\n    target:\n      kind: HelmRelease\n",
            )?;
            write(
                &d.join("values.yaml"),
                &format!(
                    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  values:\n    replicaCount: {replicas}\n    env: {env}\n"
                ),
            )?;
        }
        let file = format!("{ns}.yaml");
        let _ = writeln!(update, "  - {file}");
        write(
            &dir.join("update").join(&file),
            &format!(
                "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: {ns}\nspec:\n  image: ghcr.io/example/charts/app\n  interval: 12h\n  provider: generic\n---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: {ns}\nspec:\n  imageRepositoryRef:\n    name: {ns}\n  policy:\n    semver:\n      range: \">=1.0.0\"\n"
            ),
        )?;
    }
    write(&dir.join("update").join("kustomization.yaml"), &update)
}
