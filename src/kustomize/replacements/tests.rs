use std::sync::Arc;

use super::*;
use crate::kustomize::resources::parse_resources;
use crate::yaml::Limits;

fn yaml(text: &str) -> Vec<Node> {
    crate::yaml::parse_str(text, "k.yaml", Profile::Kustomize, Limits::default()).unwrap()
}

fn no_files(_: &str, s: &Span) -> Result<(Vec<u8>, Arc<str>)> {
    Err(Error::new(s.clone(), "no files in this test"))
}

fn reps(text: &str) -> Result<Vec<Replacement>> {
    let doc = yaml(text).remove(0);
    parse_replacements(doc.as_seq().unwrap(), "k.yaml", &mut no_files)
}

const RES: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  image: nginx:1.25
  port: \"8080\"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: app
        image: busybox:old
";

fn run(text: &str) -> Result<Vec<Resource>> {
    let mut res = parse_resources(RES.as_bytes(), "res.yaml").unwrap();
    apply_replacements(&mut res, &reps(text)?)?;
    Ok(res)
}

#[test]
fn copies_a_delimited_part_and_keeps_the_target_type() {
    let res = run(
        "- source: {kind: ConfigMap, fieldPath: data.image, options: {delimiter: ':', index: 1}}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].image']
    options: {delimiter: ':', index: 1}
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.replicas]
",
    )
    .unwrap();
    let d = &res[1].node;
    let img = d
        .get_path(&["spec", "template", "spec", "containers"])
        .and_then(|c| c.as_seq())
        .and_then(|c| c[0].get_path(&["image"]))
        .unwrap();
    assert_eq!(img.as_str(), Some("busybox:1.25"));
    // The value came from the ConfigMap: the span points there.
    assert_eq!(img.span.as_ref().map(|s| s.line), Some(6));
    assert_eq!(
        d.get_path(&["spec", "replicas"]).unwrap().value,
        Value::Int(8080)
    );
}

#[test]
fn source_errors_name_the_selector() {
    let e = run("- source: {kind: Secret, fieldPath: data.x}
  targets: [{select: {kind: Deployment}}]
")
    .unwrap_err();
    assert_eq!(
        e.message,
        "nothing selected by Secret.[noVer].[noGrp]/[noName].[noNs]:data.x"
    );
    assert_eq!(e.span.line, 1);
    let e = run("- source: {version: v1}
  targets: [{select: {kind: Deployment}}]
")
    .unwrap_err();
    assert!(
        e.message.starts_with("multiple matches for selector"),
        "{}",
        e.message
    );
}

#[test]
fn missing_target_field_needs_create() {
    let text = "- source: {kind: ConfigMap}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.template.metadata.labels.cfg]
";
    let e = run(text).unwrap_err();
    assert!(e.message.contains("unable to find field"), "{}", e.message);
    let res =
        run(&text.replace("labels.cfg]", "labels.cfg]\n    options: {create: true}")).unwrap();
    let d = &res[1].node;
    assert_eq!(
        d.str_at(&["spec", "template", "metadata", "labels", "cfg"]),
        Some("cfg")
    );
    // Made-up parents point at the field path that made them, the value at its source.
    let at = |p: &[&str]| {
        d.get_path(p)
            .and_then(|n| n.span.clone())
            .map(|s| (s.file.to_string(), s.line, s.col))
    };
    assert_eq!(
        at(&["spec", "template", "metadata"]),
        Some(("k.yaml".to_string(), 4, 18))
    );
    assert_eq!(
        at(&["spec", "template", "metadata", "labels", "cfg"]),
        Some(("res.yaml".to_string(), 4, 9))
    );
}

#[test]
fn scalar_target_refuses_text_of_another_type() {
    let e = run("- source: {kind: ConfigMap, fieldPath: data.image}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.replicas]
")
    .unwrap_err();
    assert!(
        e.message
            .contains("cannot decode !!str `nginx:1.25` as a !!int"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_fields_are_errors_inline() {
    let e = reps("- source: {kind: ConfigMap, bogus: 1}\n  targets: []\n").unwrap_err();
    assert!(
        e.message.contains("unknown field \"bogus\""),
        "{}",
        e.message
    );
    assert_eq!((e.span.line, e.span.col), (1, 29));
    let e = reps("- path: x.yaml\n  source: {kind: A}\n").unwrap_err();
    assert_eq!(e.message, "cannot specify both path and inline replacement");
}

#[test]
fn reject_removes_selected_resources() {
    let res = run("- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {version: v1}
    reject: [{name: web}]
    fieldPaths: [data.copied]
    options: {create: true}
")
    .unwrap();
    // A created scalar has no type of its own: kustomize resolves the copied text as plain YAML.
    assert_eq!(
        res[0].node.get_path(&["data", "copied"]).map(|n| &n.value),
        Some(&Value::Int(8080))
    );
    assert!(res[1].node.get_path(&["data"]).is_none());
}
