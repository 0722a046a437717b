use super::*;
use crate::kustomize::jsonpatch::json_equal;
use crate::yaml::{Limits, Profile, parse_str};

fn doc(text: &str) -> Node {
    parse_str(text, "t.yaml", Profile::Kustomize, Limits::default())
        .expect("valid yaml")
        .remove(0)
}

fn merged(target: &str, patch: &str) -> Node {
    let mut t = doc(target);
    let p = doc(patch);
    let gvk = Gvk::from_api_version(
        t.str_at(&["apiVersion"]).unwrap_or_default(),
        t.str_at(&["kind"]).unwrap_or_default(),
    );
    assert_eq!(merge(&mut t, &p, &gvk).unwrap(), MergeOutcome::Merged);
    t
}

const DEP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n";

#[test]
fn containers_merge_by_name_patch_first() {
    let t = format!(
        "{DEP}spec: {{template: {{spec: {{containers: [{{name: a, image: x}}, {{name: b, image: y}}]}}}}}}"
    );
    let p = format!(
        "{DEP}spec: {{template: {{spec: {{containers: [{{name: c, image: z}}, {{name: b, image: new}}]}}}}}}"
    );
    let out = merged(&t, &p);
    let want = doc(&format!(
        "{DEP}spec: {{template: {{spec: {{containers: [{{name: c, image: z}}, {{name: b, image: new}}, {{name: a, image: x}}]}}}}}}"
    ));
    assert!(json_equal(&out, &want), "{out:?}");
}

#[test]
fn custom_resource_lists_are_replaced() {
    let hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h, finalizers: [a]}\n";
    let out = merged(
        &format!("{hr}spec: {{values: {{l: [1, 2]}}}}"),
        &format!("{hr}spec: {{values: {{l: [3]}}}}"),
    );
    assert!(json_equal(
        &out,
        &doc(&format!("{hr}spec: {{values: {{l: [3]}}}}"))
    ));
}

#[test]
fn null_deletes_and_patch_delete_removes_element() {
    let t = format!(
        "{DEP}spec: {{replicas: 2, template: {{spec: {{volumes: [{{name: a}}, {{name: b}}]}}}}}}"
    );
    let p = format!(
        "{DEP}spec: {{replicas: null, template: {{spec: {{volumes: [{{name: a, $patch: delete}}]}}}}}}"
    );
    let out = merged(&t, &p);
    assert!(json_equal(
        &out,
        &doc(&format!(
            "{DEP}spec: {{template: {{spec: {{volumes: [{{name: b}}]}}}}}}"
        ))
    ));
}

#[test]
fn replace_directive_on_map_drops_unpatched_keys() {
    let out = merged(
        &format!("{DEP}spec: {{selector: {{a: 1, b: 2}}}}"),
        &format!("{DEP}spec: {{selector: {{$patch: replace, c: 3}}}}"),
    );
    assert!(json_equal(
        &out,
        &doc(&format!("{DEP}spec: {{selector: {{c: 3}}}}"))
    ));
}

#[test]
fn delete_at_top_deletes_resource() {
    let mut t = doc(DEP);
    let p = doc(&format!("{DEP}$patch: delete\n"));
    assert_eq!(
        merge(&mut t, &p, &Gvk::from_api_version("apps/v1", "Deployment")).unwrap(),
        MergeOutcome::Delete
    );
}

#[test]
fn finalizers_union_on_known_kinds() {
    let cm = "apiVersion: v1\nkind: ConfigMap\n";
    let out = merged(
        &format!("{cm}metadata: {{name: c, finalizers: [a, b]}}"),
        &format!("{cm}metadata: {{name: c, finalizers: [c, a]}}"),
    );
    assert!(json_equal(
        &out,
        &doc(&format!("{cm}metadata: {{name: c, finalizers: [c, a, b]}}"))
    ));
}

#[test]
fn unknown_directive_is_an_error() {
    let mut t = doc(DEP);
    let p = doc(&format!("{DEP}spec: {{$patch: bogus}}"));
    let mut t2 = t.clone();
    t2.as_map_mut().unwrap().insert("spec", doc("{a: 1}"));
    t = t2;
    let e = merge(&mut t, &p, &Gvk::from_api_version("apps/v1", "Deployment")).unwrap_err();
    assert_eq!(e.message, "unknown patch strategy 'bogus'");
}

#[test]
fn patched_nodes_keep_patch_spans_and_untouched_nodes_keep_theirs() {
    let mut t = parse_str(
        &format!("{DEP}spec: {{replicas: 1, paused: false}}\n"),
        "res.yaml",
        Profile::Kustomize,
        Limits::default(),
    )
    .unwrap()
    .remove(0);
    let p = parse_str(
        &format!("{DEP}spec: {{replicas: 3, extra: {{a: 1}}}}\n"),
        "patch.yaml",
        Profile::Kustomize,
        Limits::default(),
    )
    .unwrap()
    .remove(0);
    merge(&mut t, &p, &Gvk::from_api_version("apps/v1", "Deployment")).unwrap();
    let file = |path: &[&str]| {
        t.get_path(path)
            .unwrap()
            .span
            .as_ref()
            .unwrap()
            .file
            .to_string()
    };
    assert_eq!(file(&["spec", "replicas"]), "patch.yaml");
    assert_eq!(file(&["spec", "extra", "a"]), "patch.yaml");
    assert_eq!(file(&["spec", "paused"]), "res.yaml");
    let spec = t.get_path(&["spec"]).unwrap().as_map().unwrap();
    let key = spec.entry("extra").unwrap().key_span.as_ref().unwrap();
    assert_eq!(&*key.file, "patch.yaml");
}

#[test]
fn untouched_nulls_survive_only_when_spelled_out() {
    let out = merged(
        &format!("{DEP}spec:\n  a: null\n  b: ~\n  c:\n  d: {{x: , y: null}}\n"),
        &format!("{DEP}spec: {{z: 1}}\n"),
    );
    assert!(json_equal(
        &out,
        &doc(&format!(
            "{DEP}spec: {{a: null, b: null, d: {{y: null}}, z: 1}}"
        ))
    ));
}

#[test]
fn ports_pair_by_port_and_protocol_like_kyaml() {
    // The resource's port 80 has no protocol while the patch's has one: kyaml treats them as
    // different elements and keeps the resource's, which users have learnt to live with.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
    let out = merged(
        &format!(
            "{pod}spec: {{containers: [{{name: c, ports: [{{containerPort: 80, name: http}}, {{containerPort: 81}}]}}]}}"
        ),
        &format!(
            "{pod}spec: {{containers: [{{name: c, ports: [{{containerPort: 80, name: dns, protocol: TCP}}]}}]}}"
        ),
    );
    assert!(json_equal(
        &out,
        &doc(&format!(
            "{pod}spec: {{containers: [{{name: c, ports: [{{containerPort: 80, name: http}}, {{containerPort: 81}}]}}]}}"
        ))
    ));
}

#[test]
fn nameless_elements_of_a_merge_list_collapse_like_kyaml() {
    // Found by differential testing against kubectl: kyaml keys elements without a merge key
    // by "", merges them into one, and drops keyed elements it cannot find again.
    let t = format!(
        "{DEP}spec: {{template: {{spec: {{containers: [{{name: d, env: [{{value: '2'}}, {{value: x}}, {{name: E, value: '2'}}]}}]}}}}}}"
    );
    let p = format!("{DEP}spec: {{template: {{spec: {{containers: [{{name: a}}]}}}}}}");
    let out = merged(&t, &p);
    let want = format!(
        "{DEP}spec: {{template: {{spec: {{containers: [{{name: a}}, {{name: d, env: [{{value: x}}]}}]}}}}}}"
    );
    assert!(json_equal(&out, &doc(&want)), "{out:?}");
}

#[test]
fn scalar_sets_match_by_text_and_keep_the_resource_element() {
    // kubectl: [1, "2", true] patched with [3, "1", false] gives [3, 1, false, "2", true].
    let cm = "apiVersion: v1\nkind: ConfigMap\n";
    let out = merged(
        &format!("{cm}metadata: {{name: c, finalizers: [1, \"2\", true]}}"),
        &format!("{cm}metadata: {{name: c, finalizers: [3, \"1\", false]}}"),
    );
    let want = format!("{cm}metadata: {{name: c, finalizers: [3, 1, false, \"2\", true]}}");
    assert!(json_equal(&out, &doc(&want)), "{out:?}");
}

#[test]
fn numbers_patched_over_quoted_strings_become_their_text() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    let res = format!("{cm}data:\n  a: \"s\"\n  b: |\n    x\n  c: plain\n");
    let patch = format!("{cm}data:\n  a: 1.10\n  b: true # why\n  c: 7\n");
    let texts: std::collections::HashMap<String, String> = [
        ("res.yaml".to_string(), res.clone()),
        ("patch.yaml".to_string(), patch.clone()),
    ]
    .into();
    let parse = |t: &str, f: &str| {
        parse_str(t, f, Profile::Kustomize, Limits::default())
            .unwrap()
            .remove(0)
    };
    let mut t = parse(&res, "res.yaml");
    let gvk = Gvk::from_api_version("v1", "ConfigMap");
    merge_with_sources(&mut t, &parse(&patch, "patch.yaml"), &gvk, &texts).unwrap();
    let want = doc(&format!("{cm}data: {{a: \"1.10\", b: \"true\", c: 7}}"));
    assert!(json_equal(&t, &want), "{t:?}");
    // Without the sources the patched types are kept.
    let mut t = parse(&res, "res.yaml");
    merge(&mut t, &parse(&patch, "patch.yaml"), &gvk).unwrap();
    assert_eq!(t.get_path(&["data", "c"]).unwrap().value, Value::Int(7));
    assert!(matches!(
        t.get_path(&["data", "a"]).unwrap().value,
        Value::Float(_)
    ));
}
