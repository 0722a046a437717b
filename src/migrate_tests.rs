use super::*;

fn migrate(text: &str, kustomization: bool) -> (String, Vec<Edit>, Vec<Notice>) {
    let (edits, notices) = plan_file(text.as_bytes(), "f.yaml", Release::LATEST, kustomization)
        .unwrap_or_else(|e| panic!("{e}"));
    let out = String::from_utf8(apply_edits(text.as_bytes(), &edits)).unwrap();
    (out, edits, notices)
}

#[test]
fn only_the_api_version_bytes_change() {
    let text = "\u{feff}# a comment\r\napiVersion:   \"helm.toolkit.fluxcd.io/v2beta1\"  # keep me\r\nkind: HelmRelease\r\nmetadata: {name: x}\r\n---\r\napiVersion: 'source.toolkit.fluxcd.io/v1beta2'\r\nkind: OCIRepository\r\n---\r\n{apiVersion: image.toolkit.fluxcd.io/v1beta2, kind: ImagePolicy}\r\n";
    let (out, edits, notices) = migrate(text, false);
    assert_eq!(
        out,
        "\u{feff}# a comment\r\napiVersion:   \"helm.toolkit.fluxcd.io/v2\"  # keep me\r\nkind: HelmRelease\r\nmetadata: {name: x}\r\n---\r\napiVersion: 'source.toolkit.fluxcd.io/v1'\r\nkind: OCIRepository\r\n---\r\n{apiVersion: image.toolkit.fluxcd.io/v1, kind: ImagePolicy}\r\n"
    );
    let lines: Vec<u32> = edits.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 6, 9]);
    assert_eq!(edits[0].from, "helm.toolkit.fluxcd.io/v2beta1");
    assert!(notices.is_empty(), "{notices:?}");
}

#[test]
fn current_and_foreign_versions_are_left_alone() {
    let text = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n---\napiVersion: apps/v1beta1\nkind: Deployment\n";
    let (out, edits, notices) = migrate(text, false);
    assert_eq!(out, text);
    assert!(edits.is_empty() && notices.is_empty());
}

#[test]
fn nested_references_and_selectors_follow() {
    let text = "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nspec:\n  healthChecks:\n    - apiVersion: helm.toolkit.fluxcd.io/v2beta2 # hr\n      kind: HelmRelease\n      name: web\n  patchesStrategicMerge:\n    - x\n";
    let (out, edits, notices) = migrate(text, false);
    assert_eq!(
        out,
        text.replace(
            "kustomize.toolkit.fluxcd.io/v1beta2",
            "kustomize.toolkit.fluxcd.io/v1"
        )
        .replace(
            "helm.toolkit.fluxcd.io/v2beta2",
            "helm.toolkit.fluxcd.io/v2"
        )
    );
    assert_eq!(edits.len(), 2);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].line, 8);
    assert_eq!(
        notices[0].message,
        "spec.patchesStrategicMerge is not part of kustomize.toolkit.fluxcd.io/v1 Kustomization: rewrite it as spec.patches"
    );

    let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n  - path: values.yaml\n    target:\n      group: helm.toolkit.fluxcd.io\n      version: v2beta1\n      kind: HelmRelease\n  - path: other.yaml\n    target:\n      group: notification.toolkit.fluxcd.io\n      version: \"v1beta2\"\n";
    let (out, edits, notices) = migrate(k, true);
    assert_eq!(out, k.replace("version: v2beta1", "version: v2"));
    assert_eq!(edits.len(), 1);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].line, 12);
}

#[test]
fn inline_patches_in_a_kustomization_are_migrated_in_place() {
    let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n  - patch: |-\n      apiVersion: helm.toolkit.fluxcd.io/v2beta1\n      kind: HelmRelease\n      metadata:\n        name: web\n      spec:\n        chart:\n          spec:\n            valuesFile: x.yaml\n    target:\n      kind: HelmRelease\npatchesStrategicMerge:\n  - |\n    apiVersion: source.toolkit.fluxcd.io/v1beta1\n    kind: HelmRepository\n    metadata: {name: r}\n";
    let (out, edits, notices) = migrate(k, true);
    assert_eq!(
        out,
        k.replace(
            "helm.toolkit.fluxcd.io/v2beta1",
            "helm.toolkit.fluxcd.io/v2"
        )
        .replace(
            "source.toolkit.fluxcd.io/v1beta1",
            "source.toolkit.fluxcd.io/v1"
        )
    );
    let lines: Vec<u32> = edits.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![5, 17]);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].line, 12);
    assert!(notices[0].message.starts_with(
        "spec.chart.spec.valuesFile is not part of helm.toolkit.fluxcd.io/v2 HelmRelease"
    ));
    // The same text outside a kustomization file is a plain string.
    let (_, edits, _) = migrate(k, false);
    assert!(edits.is_empty());
}

#[test]
fn values_written_in_other_forms_are_reported_not_rewritten() {
    // An escape inside a double-quoted scalar: the bytes are not the value.
    let text = "apiVersion: \"helm.toolkit.fluxcd.io\\/v2beta1\"\nkind: HelmRelease\n---\napiVersion: helm.toolkit.fluxcd.io/v3\nkind: HelmRelease\n";
    let (out, edits, notices) = migrate(text, false);
    assert_eq!(out, text);
    assert!(edits.is_empty());
    let lines: Vec<u32> = notices.iter().map(|n| n.line).collect();
    assert_eq!(lines, vec![1, 4], "{notices:?}");
    assert!(
        notices[0]
            .message
            .contains("change it to helm.toolkit.fluxcd.io/v2 by hand")
    );
    assert!(notices[1].message.contains("not served by Flux v2.9"));
}

#[test]
fn an_older_target_migrates_to_what_it_serves() {
    let text = "apiVersion: image.toolkit.fluxcd.io/v1beta1\nkind: ImagePolicy\n";
    let (edits, _) = plan_file(
        text.as_bytes(),
        "f.yaml",
        Release::parse("2.6").unwrap(),
        false,
    )
    .unwrap();
    assert_eq!(edits[0].to, "image.toolkit.fluxcd.io/v1beta2");
}

#[test]
fn unparsable_files_are_errors() {
    let e = plan_file(b"a: [\n", "bad.yaml", Release::LATEST, false).unwrap_err();
    assert!(e.starts_with("bad.yaml:"), "{e}");
    let e = plan_file(b"a: \xff\n", "bin.yaml", Release::LATEST, false).unwrap_err();
    assert!(e.contains("UTF-8"), "{e}");
}
