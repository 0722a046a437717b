//! Origins: every node of a built resource remembers where a person wrote it, through overlay
//! patches, generators and name-reference rewrites. Later checks report findings through these.

use std::path::{Path, PathBuf};

use fluxval::kustomize::{BuildOptions, build};
use fluxval::resource::Resource;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/d1-apps")
}

fn build_example(rel: &str) -> Vec<Resource> {
    let repo = example();
    build(&repo.join(rel), &repo, &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .resources
}

fn find<'a>(rs: &'a [Resource], kind: &str) -> &'a Resource {
    rs.iter()
        .find(|r| r.gvk().kind == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// "file:line" of the node at `path` in `r`.
fn at(r: &Resource, path: &[&str]) -> String {
    let n = r
        .node
        .get_path(path)
        .unwrap_or_else(|| panic!("no {path:?}"));
    let s = n
        .span
        .as_ref()
        .unwrap_or_else(|| panic!("{path:?} has no span"));
    let file = Path::new(&*s.file)
        .strip_prefix(example())
        .map(|p| p.display().to_string())
        .unwrap_or(s.file.to_string());
    format!("{file}:{}", s.line)
}

#[test]
fn patched_values_point_into_the_overlay_patch() {
    let rs = build_example("components/web/production");
    let hr = find(&rs, "HelmRelease");
    assert_eq!(
        at(hr, &["spec", "values", "replicaCount"]),
        "components/web/production/web-values.yaml:10"
    );
    assert_eq!(
        at(hr, &["spec", "chart", "spec", "version"]),
        "components/web/production/web-values.yaml:8"
    );
    // Untouched values still point into the base.
    assert_eq!(
        at(hr, &["spec", "interval"]),
        "components/web/base/release.yaml:6"
    );
    assert_eq!(
        at(hr, &["spec", "chart", "spec", "sourceRef", "name"]),
        "components/web/base/release.yaml:14"
    );
}

#[test]
fn namespace_set_by_the_base_kustomization_points_at_it() {
    let rs = build_example("components/web/staging");
    let hr = find(&rs, "HelmRelease");
    assert_eq!(
        at(hr, &["metadata", "namespace"]),
        "components/web/base/kustomization.yaml:3"
    );
}

#[test]
fn generated_configmap_points_at_its_generator_entry() {
    let rs = build_example("components/web/production");
    let cm = find(&rs, "ConfigMap");
    assert_eq!(
        at(cm, &["metadata", "name"]),
        "components/web/base/kustomization.yaml:8"
    );
    assert!(
        at(cm, &["data", "values.yaml"]).starts_with("components/web/base/"),
        "{}",
        at(cm, &["data", "values.yaml"])
    );
}

#[test]
fn rewritten_references_keep_the_place_of_the_reference() {
    let rs = build_example("components/web/production");
    let hr = find(&rs, "HelmRelease");
    let vf = hr
        .node
        .get_path(&["spec", "valuesFrom"])
        .and_then(|n| n.as_seq())
        .unwrap();
    let name = vf[0].get_path(&["name"]).unwrap();
    assert!(
        name.as_str().unwrap().starts_with("web-values-"),
        "not rewritten: {:?}",
        name.value
    );
    let s = name.span.as_ref().unwrap();
    assert!(
        s.file.ends_with("components/web/base/release.yaml") && s.line == 20,
        "{s}"
    );
}
