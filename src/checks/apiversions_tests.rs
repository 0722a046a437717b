use std::path::PathBuf;

use super::*;
use crate::yaml::{Limits, Profile, Span, parse_str};

/// The shared schemas directory, when present.
fn schemas() -> Option<PathBuf> {
    let base = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = base.join("schemas");
    dir.join("flux-crds").is_dir().then_some(dir)
}

fn first_label(group: &str) -> &str {
    group.split('.').next().unwrap_or(group)
}

#[test]
fn releases_parse_with_or_without_v_and_patch() {
    assert_eq!(Release::parse("2.7"), Some(Release::v2(7)));
    assert_eq!(Release::parse("v2.7"), Some(Release::v2(7)));
    assert_eq!(Release::parse("v2.7.3"), Some(Release::v2(7)));
    assert_eq!(Release::parse(" 2.10 "), Some(Release::v2(10)));
    for bad in [
        "",
        "2",
        "v",
        "1.7",
        "3.0",
        "2.x",
        "2.7.3.1",
        "2.7.x",
        "v2.7-rc.1",
    ] {
        assert_eq!(Release::parse(bad), None, "{bad:?}");
    }
    assert_eq!(Release::v2(7).to_string(), "v2.7");
    assert!(Release::v2(10) > Release::v2(9));
}

#[test]
fn the_table_is_consistent() {
    for e in TABLE {
        assert!(GROUPS.contains(&e.group), "{e:?}");
        if let (Some(d), Some(r)) = (e.deprecated, e.removed) {
            assert!(d < r, "deprecated after removal: {e:?}");
        }
        if let Some(r) = e.removed {
            assert!(e.introduced < r, "{e:?}");
        }
        // One entry per group/kind/version.
        let same = TABLE
            .iter()
            .filter(|o| o.group == e.group && o.kind == e.kind && o.version == e.version)
            .count();
        assert_eq!(same, 1, "{e:?}");
        // At every release since the kind appeared, the version to use is the newest one served
        // (the controllers' storage version), and it is not deprecated.
        for minor in e.introduced.minor..=Release::LATEST.minor {
            let t = Release::v2(minor);
            let newest = TABLE
                .iter()
                .rfind(|o| o.group == e.group && o.kind == e.kind && served(o, t))
                .unwrap_or_else(|| panic!("{} {} at {t}: nothing served", e.group, e.kind));
            assert!(newest.deprecated.is_none_or(|d| t < d), "{newest:?} at {t}");
            assert_eq!(preferred(e.group, e.kind, t), Some(newest.version));
        }
    }
}

#[test]
fn statuses_at_the_latest_release() {
    let t = Release::LATEST;
    assert_eq!(status(HELM, "v2", "HelmRelease", t), Status::Current);
    assert!(matches!(
        status(HELM, "v2beta1", "HelmRelease", t),
        Status::Removed { since, use_version: "v2", .. } if since == Release::v2(7)
    ));
    assert!(matches!(
        status(HELM, "v2beta2", "HelmRelease", t),
        Status::Removed { since, use_version: "v2", .. } if since == Release::v2(8)
    ));
    assert!(matches!(
        status(NOTIFICATION, "v1beta2", "Alert", t),
        Status::Removed { since, use_version: "v1beta3", .. } if since == Release::v2(9)
    ));
    assert!(matches!(
        status(NOTIFICATION, "v1beta2", "Receiver", t),
        Status::Removed {
            use_version: "v1",
            ..
        }
    ));
    assert_eq!(
        status(HELM, "v3", "HelmRelease", t),
        Status::Unknown { use_version: "v2" }
    );
    // Alpha versions predate Flux v2.0: never served by a Flux v2 release.
    assert_eq!(
        status(SOURCE, "v1alpha1", "GitRepository", t),
        Status::Unknown { use_version: "v1" }
    );
    assert_eq!(status(HELM, "v2", "Unknown", t), Status::NotFlux);
    assert_eq!(status("apps", "v1", "Deployment", t), Status::NotFlux);
    // The kustomize configuration kind shares the name, not the group.
    assert_eq!(
        status("kustomize.config.k8s.io", "v1beta1", "Kustomization", t),
        Status::NotFlux
    );
}

#[test]
fn statuses_at_an_older_target() {
    let t = Release::v2(7);
    assert!(matches!(
        status(HELM, "v2beta2", "HelmRelease", t),
        Status::Deprecated { since, use_version: "v2", .. } if since == Release::v2(3)
    ));
    assert!(matches!(
        status(HELM, "v2beta1", "HelmRelease", t),
        Status::Removed { .. }
    ));
    assert!(matches!(
        status(IMAGE, "v1beta2", "ImagePolicy", t),
        Status::Deprecated {
            use_version: "v1",
            ..
        }
    ));
    // Before image v1 existed, v1beta2 was the one to use.
    let t = Release::v2(6);
    assert_eq!(status(IMAGE, "v1beta2", "ImagePolicy", t), Status::Current);
    assert!(matches!(
        status(IMAGE, "v1", "ImagePolicy", t),
        Status::NotYet {
            use_version: "v1beta2",
            ..
        }
    ));
    assert!(matches!(
        status(SOURCE, "v1beta2", "OCIRepository", t),
        Status::Deprecated {
            use_version: "v1",
            ..
        }
    ));
    let t = Release::v2(2);
    assert!(matches!(
        status(HELM, "v2", "HelmRelease", t),
        Status::NotYet { entry, use_version: "v2beta2" } if entry.introduced == Release::v2(3)
    ));
    assert_eq!(preferred(SOURCE, "ExternalArtifact", t), None);
}

/// Every removed version shipped as a legacy schema is in the table as removed at v2.9.
#[test]
fn every_legacy_schema_is_a_removed_version() {
    let Some(dir) = schemas() else {
        println!("SKIP: ../shared/schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let mut seen = 0;
    for e in std::fs::read_dir(dir.join("flux-legacy")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let parts: Vec<&str> = stem.split('-').collect();
        let [kind, label, version] = parts[..] else {
            panic!("unexpected file name {name}");
        };
        let entry = TABLE
            .iter()
            .find(|e| {
                e.kind.to_ascii_lowercase() == kind
                    && first_label(e.group) == label
                    && e.version == version
            })
            .unwrap_or_else(|| panic!("{name} is not in the table"));
        assert!(
            matches!(
                status(entry.group, entry.version, entry.kind, Release::LATEST),
                Status::Removed { .. } | Status::Deprecated { .. }
            ),
            "{name}: {entry:?}"
        );
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} legacy schemas");
    // And the other way round: every version the table says v2.9 removed has a legacy schema.
    for e in TABLE.iter().filter(|e| e.removed.is_some()) {
        let file = format!(
            "{}-{}-{}.json",
            e.kind.to_ascii_lowercase(),
            first_label(e.group),
            e.version
        );
        assert!(dir.join("flux-legacy").join(&file).is_file(), "{file}");
    }
}

/// The versions the v2.9.4 CRDs serve are exactly the ones the table has current at v2.9.
#[test]
fn the_current_crds_serve_exactly_the_current_versions() {
    let Some(dir) = schemas() else {
        println!("SKIP: ../shared/schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let mut served_by_crds = Vec::new();
    for e in std::fs::read_dir(dir.join("flux-crds")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let docs = parse_str(&text, "crd.yaml", Profile::Kubernetes, Limits::default()).unwrap();
        for doc in docs {
            let group = doc.str_at(&["spec", "group"]).unwrap().to_string();
            let kind = doc.str_at(&["spec", "names", "kind"]).unwrap().to_string();
            let versions = doc.get_path(&["spec", "versions"]).unwrap();
            for v in versions.as_seq().unwrap() {
                if !matches!(
                    v.get_path(&["served"]).map(|n| &n.value),
                    Some(crate::yaml::Value::Bool(true))
                ) {
                    continue;
                }
                let version = v.str_at(&["name"]).unwrap().to_string();
                assert_eq!(
                    status(&group, &version, &kind, Release::LATEST),
                    Status::Current,
                    "{group}/{version} {kind}"
                );
                served_by_crds.push((group.clone(), version, kind.clone()));
            }
        }
    }
    served_by_crds.sort();
    let mut current: Vec<(String, String, String)> = TABLE
        .iter()
        .filter(|e| status(e.group, e.version, e.kind, Release::LATEST) == Status::Current)
        .map(|e| (e.group.into(), e.version.into(), e.kind.into()))
        .collect();
    current.sort();
    assert_eq!(served_by_crds, current);
}

fn res(text: &str) -> Resource {
    let node = parse_str(text, "hr.yaml", Profile::Kubernetes, Limits::default())
        .unwrap()
        .remove(0);
    Resource::new(node, Span::file("hr.yaml".into()))
}

#[test]
fn findings_are_at_the_api_version_value_and_name_the_replacement() {
    let r = res("kind: HelmRelease\napiVersion: \"helm.toolkit.fluxcd.io/v2beta1\"\n");
    let d = diagnose(&r, Release::LATEST).unwrap();
    assert_eq!(d.rule, "api/removed");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.message,
        "helm.toolkit.fluxcd.io/v2beta1 HelmRelease was removed in Flux v2.7: use helm.toolkit.fluxcd.io/v2"
    );
    assert_eq!(d.span.unwrap().to_string(), "hr.yaml:2:13");

    let d = diagnose(&r, Release::v2(6)).unwrap();
    assert_eq!(d.rule, "api/deprecated");
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(
        d.message,
        "helm.toolkit.fluxcd.io/v2beta1 HelmRelease is deprecated since Flux v2.2: use helm.toolkit.fluxcd.io/v2"
    );

    let r = res("apiVersion: helm.toolkit.fluxcd.io/v3\nkind: HelmRelease\n");
    let d = diagnose(&r, Release::LATEST).unwrap();
    assert_eq!(d.rule, "api/unknown-version");
    assert_eq!(d.span.unwrap().to_string(), "hr.yaml:1:13");

    let r = res("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n");
    assert_eq!(diagnose(&r, Release::LATEST), None);
    let r = res("apiVersion: apps/v1\nkind: Deployment\n");
    assert_eq!(diagnose(&r, Release::LATEST), None);
}

#[test]
fn health_checks_on_removed_versions_are_reported_at_their_api_version() {
    let r = res(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  healthChecks:\n    - apiVersion: apps/v1\n      kind: Deployment\n      name: a\n    - apiVersion: helm.toolkit.fluxcd.io/v2beta2\n      kind: HelmRelease\n      name: web\n",
    );
    assert_eq!(diagnose(&r, Release::LATEST), None);
    let found = health_checks(&r, Release::LATEST);
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(d.rule, "api/removed");
    assert_eq!(
        d.message,
        "health check helm.toolkit.fluxcd.io/v2beta2 HelmRelease was removed in Flux v2.8: use helm.toolkit.fluxcd.io/v2"
    );
    assert_eq!(d.span.as_ref().unwrap().to_string(), "hr.yaml:8:19");
    assert_eq!(
        d.pointer.as_deref(),
        Some("/spec/healthChecks/1/apiVersion")
    );
    // Other kinds' fields named healthChecks are not Flux health checks.
    let r = res(
        "apiVersion: example.com/v1\nkind: Kustomization\nspec:\n  healthChecks:\n    - apiVersion: helm.toolkit.fluxcd.io/v2beta2\n      kind: HelmRelease\n",
    );
    assert!(health_checks(&r, Release::LATEST).is_empty());
}
